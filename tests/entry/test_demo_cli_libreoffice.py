"""The demo, the `jxc` command's exit codes and output, and LibreOffice opening our workbooks."""
import datetime as dt
from collections import Counter
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from jxc_xl import Ledger, lookup
from jxc_xl.ledger.engine import settlement
from jxc_xl.cli import main

from ..wb import purchase, type_rows

JXC = [sys.executable, "-m", "jxc_xl"]
DELIBERATE = {("采购", "CG-ERR2"), ("销售", "XS-ERR1"), ("收付款", "SK-ERR3")}


def _errors(path: Path) -> set[tuple[str, str]]:
    wb = openpyxl.load_workbook(path)
    found = set()
    for sheet in ("期初库存", "期初往来", "采购", "销售", "调拨", "盘点", "收付款", "其他出入库"):
        ws = wb[sheet]
        headers = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2, values_only=True):
            status = row[headers.index("状态")]
            if status and status.startswith("错误："):
                found.add((sheet, row[headers.index("单号")] if "单号" in headers else None))
    return found


def test_demo_posts_with_exactly_its_deliberate_errors(tmp_path):
    result = CliRunner().invoke(main, ["demo", str(tmp_path)])
    assert result.exit_code == 0, result.output            # the only rows in error are the deliberate ones
    assert "故意设置的错误" in result.output
    book = tmp_path / "demo.xlsx"
    assert _errors(book) == DELIBERATE
    assert "错误行 / rows in error: 3" in result.output and "demo.jxc.db" in result.output
    assert "结账 2026-08：已结账" in result.output                # the first month closed, as an accountant does
    orders = openpyxl.load_workbook(book)
    states = {r[12] for r in orders["订单跟踪"].iter_rows(min_row=3, values_only=True)}
    assert {"部分执行", "未执行", "已关闭"} <= states                 # orders partly, not yet fulfilled, closed short
    assert any(r[11] for r in orders["订单跟踪"].iter_rows(min_row=3, values_only=True))  # and overdue
    assert any(r[9] for r in orders["库存"].iter_rows(min_row=3, values_only=True))      # 采购在途
    invoices = [r for r in orders["发票"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert {r[2] for r in invoices} == {"开出", "收到"} and all(str(r[10]).startswith("已过账") for r in invoices)
    assert any(n > 1 for n in Counter(r[0] for r in invoices).values())  # an invoice covering several documents
    invoicing = {r[7] for r in orders["开票跟踪"].iter_rows(min_row=3, values_only=True)}
    assert {"部分开票", "未开票"} <= invoicing                       # invoices partly registered
    with Ledger.open(tmp_path / "demo.jxc.db") as ledger:
        assert ledger.settings.closed_through == dt.date(2026, 8, 31) and ledger.verify() == []
        _taxed_as_a_general_taxpayer(ledger)
    wb = openpyxl.load_workbook(book)
    assert len(wb["商品"]["A"]) > 40 and wb["库存"].max_row > 40
    counts = [r for r in wb["盘点"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert counts and all(r[4] - r[5] == r[6] for r in counts)        # 实盘 − 账面 = 差异
    again = CliRunner().invoke(main, ["post", str(book)])
    assert again.exit_code == 1                             # `post` itself says: rows are in error
    assert "documents posted: 0" in again.output and _errors(book) == DELIBERATE
    verified = CliRunner().invoke(main, ["verify", str(book)])
    assert verified.exit_code == 0, verified.output


def _table(wb, sheet: str) -> list[dict]:
    """A sheet's rows under its header row (the first row holding 2+ texts after the title), as dicts."""
    rows = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if sum(isinstance(v, str) for v in r) >= 2)
    return [dict(zip(rows[at], r)) for r in rows[at + 1:] if any(v is not None for v in r)]


def test_demo_keeps_its_money_in_accounts_books_a_deposit_nets_a_party_and_exports_vouchers(tmp_path):
    """The demo's 资金: two bank accounts, cash and WeChat, each positive and what JXC_CASH answers;
    rent, wages and freight on 利润表; a deposit held for its 销售订单 (not taken by the customer's
    older receivables) and applied to the shipment fulfilling it; a party netted; August's vouchers."""
    result = CliRunner().invoke(main, ["demo", str(tmp_path)])
    assert result.exit_code == 0, result.output
    book, ledger_path = tmp_path / "demo.xlsx", tmp_path / "demo.jxc.db"
    wb = openpyxl.load_workbook(book)
    kinds = {r["编码"]: r["类型"] for r in _table(wb, "账户")}
    assert sorted(kinds.values()) == ["微信", "现金", "银行", "银行"]
    assert all(r["账户"] in kinds for r in _table(wb, "收付款"))            # an 账户 on every 收付款
    cash = {r["账户"]: r["余额"] for r in _table(wb, "资金")}
    assert set(cash) == set(kinds) and all(v > 0 for v in cash.values())
    assert [float(v) for v in lookup.cash_balance(ledger_path, list(cash))] == list(cash.values())  # = JXC_CASH
    journal = _table(wb, "资金日记账")
    assert {r["单据类型"] for r in journal} >= {"期初资金", "收款", "付款", "费用", "转账", "预收"}
    money = _table(wb, "其他收支")
    assert {r["类别"] for r in money if r["业务类型"] == "费用"} == {"房租", "工资", "运费"}
    assert all(str(r["状态"]).startswith("已过账") for r in money + _table(wb, "核销") + _table(wb, "期初资金"))
    income = {r["项目"]: r["金额"] for r in _table(wb, "利润表")}
    assert {"费用-房租", "费用-工资", "费用-运费"} <= set(income)
    assert round(sum(v for k, v in income.items() if k.startswith("费用-")), 2) == income["费用合计"] > 0
    [deposit] = [r for r in _table(wb, "收付款") if r["业务类型"] == "预收"]
    [shipped] = {(r["单号"], r["日期"]) for r in _table(wb, "销售") if r["订单号"] == deposit["订单号"]}
    parties = {r["编码"]: r["类型"] for r in _table(wb, "往来单位")}
    [netted] = [r for r in _table(wb, "核销") if r["业务类型"] == "应收冲应付"]
    assert parties[netted["往来单位"]] == "客户及供应商"
    with Ledger.open(ledger_path) as ledger:
        held = lambda day: settlement.settle(settlement.entries(            # noqa: E731
            ledger.conn, deposit["往来单位"], "AR", day.date())).advances()
        cents = round(deposit["金额"] * 100)
        assert held(shipped[1] - dt.timedelta(days=1)) == cents            # held, older receivables open
        assert held(shipped[1]) == 0                                       # taken by the order's shipment
        assert ledger.verify() == []
    assert "凭证已生成（2026-08-01 至 2026-08-31）" in result.output
    vouchers = _table(wb, "凭证")
    assert vouchers and {r["日期"].month for r in vouchers} == {8}
    by_no: dict[int, float] = {}
    for r in vouchers:
        by_no[r["凭证号"]] = by_no.get(r["凭证号"], 0) + round((r["借方金额"] or 0) * 100) - round((r["贷方金额"] or 0) * 100)
    assert set(by_no.values()) == {0}                                      # each voucher balances
    assert {"1001", "1002", "5602", "1122", "2202"} <= {str(r["科目编码"]) for r in vouchers}  # cash, bank, 管理费用


def _taxed_as_a_general_taxpayer(ledger) -> None:
    """The demo company is a 一般纳税人: sales at 9% (fruit) and 13%, their returns netting the tax;
    its 专票 purchases' tax deductible and stocked at 金额; the 小规模 supplier's 3% 普票 not, its
    tax in the stock's cost; the convenience stores priced with tax (含税单价); every line balanced."""
    rates = {(journal, kind, rate, deductible) for journal, kind, rate, deductible in ledger.conn.execute(
        "SELECT d.journal, d.type, l.tax_rate, d.deductible FROM lines l JOIN documents d ON d.id = l.doc "
        "WHERE d.journal IN ('purchases', 'sales')")}
    assert {("sales", "sales_shipment", 90000, None), ("sales", "sales_shipment", 130000, None),
            ("purchases", "purchase_receipt", 130000, 1), ("purchases", "purchase_receipt", 90000, 1),
            ("purchases", "purchase_receipt", 30000, 0)} <= rates
    assert {kind for _, kind, rate, _ in rates if rate} >= {"sales_return", "purchase_return"}
    assert ledger.conn.execute("SELECT COUNT(*) FROM lines WHERE amount + tax <> total_with_tax").fetchone()[0] == 0
    small = ledger.conn.execute(
        "SELECT d.party, d.invoice_type, SUM(l.total_with_tax), SUM(m.value) FROM lines l JOIN documents d ON d.id = l.doc "
        "JOIN movements m ON m.line = l.id WHERE d.type = 'purchase_receipt' AND l.tax_rate = 30000").fetchall()
    assert [tuple(r[:2]) for r in small] == [("S05", "ordinary")] and small[0][2] == small[0][3]
    special = ledger.conn.execute(
        "SELECT SUM(l.amount), SUM(m.value) FROM lines l JOIN documents d ON d.id = l.doc JOIN movements m "
        "ON m.line = l.id WHERE d.type = 'purchase_receipt' AND d.deductible = 1").fetchone()
    assert special[0] == special[1]
    stores = ledger.conn.execute("SELECT l.qty, l.price, l.price_with_tax, l.total_with_tax FROM lines l JOIN documents d "
                                 "ON d.id = l.doc WHERE d.party IN ('C02', 'C07') AND d.journal = 'sales'").fetchall()
    # 价税合计 = round₂(数量 × 含税单价), 含税单价 to the cent; 单价 worked back (not to the cent)
    assert stores and all(pwt % 10000 == 0 and total == (qty * pwt + 50_000_000) // 100_000_000
                          for qty, _, pwt, total in stores)
    assert any(price % 10000 for _, price, _, _ in stores)


def test_exit_codes_and_one_clear_line(tmp_path):
    runner = CliRunner()
    book = tmp_path / "b.xlsx"
    assert runner.invoke(main, ["new", str(book)]).exit_code == 0
    assert runner.invoke(main, ["new", str(book)]).exit_code == 2          # never overwrite
    assert runner.invoke(main, ["post", str(book)]).exit_code == 0         # empty is fine
    missing = runner.invoke(main, ["post", str(tmp_path / "none.xlsx")])
    assert missing.exit_code == 2 and missing.output.count("\n") == 1 and "找不到工作簿" in missing.output
    junk = tmp_path / "junk.xlsx"
    junk.write_text("hello")
    bad = runner.invoke(main, ["validate", str(junk)])
    assert bad.exit_code == 2 and "不是可读取的 Excel 工作簿" in bad.output
    refresh = runner.invoke(main, ["refresh", str(book)])
    assert refresh.exit_code == 0
    assert runner.invoke(main, ["reverse", str(book), "NOPE"]).exit_code == 1


def test_progress_is_quiet_when_output_is_not_a_terminal(tmp_path):
    book = tmp_path / "b.xlsx"
    subprocess.run([*JXC, "new", str(book)], check=True, capture_output=True)
    done = subprocess.run([*JXC, "post", str(book)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == ""


def test_a_post_into_an_existing_ledger_imports_neither_openpyxl_nor_sqlite_utils(book):
    """Each costs every run about 0.2 s to import; only the slow writer, the template and making
    or upgrading a ledger need them."""
    type_rows(book, "采购", [purchase("CG1", "2026-11-02", "A001", 3, 2.5)])
    subprocess.run([*JXC, "post", str(book)], check=True, capture_output=True)      # makes the ledger
    type_rows(book, "采购", [purchase("CG2", "2026-11-03", "A001", 1, 2.5)])
    code = ("import sys; from jxc_xl.cli import main; sys.argv = ['jxc', 'post', sys.argv[1]]\n"
            "try:\n    main()\nfinally:\n    print('loaded', 'openpyxl' in sys.modules, 'sqlite_utils' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(book)], capture_output=True, text=True)
    assert "documents posted: 1" in done.stdout and "loaded False False" in done.stdout, done.stdout + done.stderr


def test_a_terminal_sees_a_progress_bar_through_the_runs_steps(tmp_path, book):
    import os
    import pty
    type_rows(book, "采购", [purchase("CG1", "2026-11-02", "A001", 3, 2.5)])
    pid, fd = pty.fork()
    if pid == 0:                                          # the child: jxc with a terminal for stderr
        os.execv(sys.executable, [*JXC, "post", str(book)])
    seen = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:                                   # the terminal closed: jxc is done
            break
        if not chunk:
            break
        seen += chunk
    assert os.waitpid(pid, 0)[1] == 0
    text = seen.decode("utf-8", "replace")
    assert "过账 1 张单据" in text and "━" in text             # the step and its bar
    total = text.split("过账 1 张单据")[1].split("/")[1][:2].strip()
    assert f"{total}/{total}" in text.replace(" ", "")      # the bar reached its end
    assert text.rstrip().splitlines()[-1].startswith("应收") # gone again: the summary is what stays


def test_libreoffice_opens_new_and_posted_workbooks_and_computes_amounts(tmp_path, book):
    assert shutil.which("soffice"), "LibreOffice (libreoffice-calc) must be installed"
    new = tmp_path / "new.xlsx"
    subprocess.run([*JXC, "new", str(new)], check=True, capture_output=True)
    rows = type_rows(book, "采购", [purchase("CG1", "2026-11-02", "A001", 3, 2.5),
                                   purchase("CG1", "2026-11-02", "B002", 4, 10)])
    subprocess.run([*JXC, "post", str(book)], capture_output=True)
    out = tmp_path / "lo"
    for path in (new, book):
        done = subprocess.run(["soffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out),
                               str(path)], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0 and (out / path.name).exists(), done.stderr
    ws = openpyxl.load_workbook(out / book.name, data_only=True)["采购"]
    # a row typed below the table has no 金额 formula (Excel grows the table and its formula as a clerk
    # types there, LibreOffice does not): it posts from 数量 × 单价, and 过账 writes that amount in
    assert [ws.cell(r, 9).value for r in rows] == [7.5, 40]
    assert all(str(ws.cell(r, 12).value).startswith("已过账") for r in rows)
    wb = openpyxl.load_workbook(out / new.name, data_only=True)
    assert {"商品", "采购", "库存", "设置"} <= set(wb.sheetnames)
