"""凭证 (jxc vouchers): one balanced voucher per posted document, from the 科目 sheet, remembered by
the ledger so that numbers hold and an exported document is not reversed behind the accountant."""
from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from jxc_xl.cli import main
from jxc_xl.ledger import Ledger
from tests.tax.conftest import PURCHASE_HEAD, SALES_HEAD
from tests.wb import ledger_at, post

D = Decimal
MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]
PAY_HEAD = ["单号", "日期", "业务类型", "往来单位", "金额", "结算方式", "备注", "状态", "账户", "订单号"]
MONEY_HEAD = ["单号", "日期", "业务类型", "账户", "转入账户", "类别", "往来单位", "金额", "备注", "状态"]


def day(n: int) -> dt.date:
    return dt.date(2026, 3, n)


def book_of(path: Path, *, purchases=(), sales=(), payments=(), money=(), opening=(), counts=(), others=(),
            chart=None, ledger: str | None = None, settings=()) -> Path:
    """A workbook typed from scratch: a 一般纳税人 at 17% (the exercise's rate), item W, supplier A,
    customer B, a party X both, a bank account 001 and the cash box 002."""
    wb = openpyxl.Workbook()
    sheets = {
        "商品": (["商品编码", "商品名称", "单位"], [["W", "W商品", "件"]]),
        "往来单位": (["编码", "名称", "类型"], [["A", "A公司", "供应商"], ["B", "B公司", "客户"],
                                          ["X", "两用公司", "客户及供应商"]]),
        "仓库": (["编码", "名称"], [["WH", "总仓"]]),
        "账户": (["编码", "名称", "类型"], [["001", "工商银行", "银行"], ["002", "现金", "现金"]]),
        "设置": (["项目", "值"], [["纳税人类型", "一般纳税人"], ["默认税率", "17%"]] +
                 ([["账簿文件", ledger]] if ledger else []) + list(settings)),
        "期初库存": (["日期", "仓库", "商品编码", "数量", "单位成本", "状态"], list(opening)),
        "采购": (PURCHASE_HEAD, list(purchases)), "销售": (SALES_HEAD, list(sales)),
        "收付款": (PAY_HEAD, list(payments)), "其他收支": (MONEY_HEAD, list(money)),
        "盘点": (["单号", "日期", "仓库", "商品编码", "实盘数量", "状态"], list(counts)),
        "其他出入库": (["单号", "日期", "业务类型", "仓库", "商品编码", "数量", "单位成本", "状态"], list(others)),
    }
    if chart is not None:
        sheets["科目"] = (["用途", "科目编码", "科目名称"], chart)
    first = True
    for name, (head, rows) in sheets.items():
        ws = wb.active if first else wb.create_sheet(name)
        ws.title, first = name, False
        ws.append(head)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def buy(no, n, qty, price, kind="入库", source=None, party="A"):
    return [no, day(n), kind, party, "WH", "W", qty, price, None, None, None, None, None, None, source, None]


def sell(no, n, qty, price, kind="出库", source=None, party="B"):
    return [no, day(n), kind, party, "WH", "W", qty, price, None, None, None, None, None, source, None]


def vouchers(book: Path, *args: str):
    return CliRunner().invoke(main, ["vouchers", str(book), *args])


def entries(book: Path) -> list[dict]:
    """The 凭证 sheet's rows under its header (row 1, as the packages import it)."""
    ws = openpyxl.load_workbook(book)["凭证"]
    head = [c.value for c in ws[1]]
    exact = lambda v: Decimal(repr(v)) if isinstance(v, float) else v      # noqa: E731
    return [dict(zip(head, map(exact, row))) for row in ws.iter_rows(min_row=2, values_only=True)
            if any(v is not None for v in row)]


def by_voucher(rows: list[dict]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row["凭证号"], []).append(row)
    return found


def net(rows: list[dict]) -> dict[str, Decimal]:
    """借 − 贷 per 科目编码 (a red entry counts with its sign)."""
    out: dict[str, Decimal] = {}
    for row in rows:
        out[str(row["科目编码"])] = out.get(str(row["科目编码"]), 0) + D(row["借方金额"] or 0) - D(row["贷方金额"] or 0)
    return {k: v for k, v in out.items() if v}


def lines(rows: list[dict]) -> list[tuple]:
    return [(str(r["科目编码"]), r["借方金额"], r["贷方金额"]) for r in rows]


def test_a_textbook_exercise_comes_out_as_its_answer(tmp_path):
    """The exercise: 甲公司 (一般纳税人, 17%, stock at actual cost, 成本 carried with each sale), W商品
    账面余额 230 万元 on 3月1日 — (1) 3月3日 buys W for 80 万元 + 增值税 13.6 万元 on a 专票, received,
    unpaid; (2) 3月8日 sells W to B for 150 万元 + 25.5 万元, cost 120 万元, unpaid; (3) 3月20日 B
    returns half of it (红字专票). Published answer: ① 借 库存商品 800,000, 借 应交税费—应交增值税
    (进项税额) 136,000, 贷 应付账款 936,000; ② 借 应收账款 1,755,000, 贷 主营业务收入 1,500,000, 贷
    应交税费—应交增值税(销项税额) 255,000 (and 借 主营业务成本 1,200,000, 贷 库存商品 1,200,000);
    ③ 借 主营业务收入 750,000, 借 销项税额 127,500, 贷 应收账款 877,500; 借 库存商品 600,000, 贷 主营
    业务成本 600,000. Source: 问答题 "根据以下业务，编制会计分录：甲上市公司为增值税一般纳税人…"
    http://222.198.130.40:8081/view/Subject/showsubject.aspx?id=2b2c09c002ed446a890f9ff84acd5404
    (items (1)–(3) of it; the figures of ③ and the cost entries are that answer's rule applied).
    Then, by the 小企业会计准则's 账务处理 (借 银行存款 贷 应收账款 for money received; 借 管理费用 贷
    库存现金 for an expense paid in cash — e.g. https://m.kuaiji.com/zhuanyewenda/210717330.html),
    worked by hand: (4) 3月25日 B pays the 877,500 left into the bank; (5) 3月31日 rent of 5,000 in cash.
    The 科目 are 小企业会计准则's codes (the defaults of the 科目 sheet)."""
    book = book_of(tmp_path / "甲.xlsx", opening=[[day(1), "WH", "W", 230, 10000, None]],
                   purchases=[buy("CG1", 3, 80, 10000)], sales=[sell("XS1", 8, 120, 12500),
                                                                sell("XT1", 20, 60, 12500, "退货", "XS1")],
                   payments=[["SK1", day(25), "收款", "B", 877500, None, None, None, "001"]],
                   money=[["FY1", day(31), "费用", "002", None, "房租", None, 5000, None, None]])
    assert not post(book).error_rows
    done = vouchers(book, *MARCH)
    assert done.exit_code == 0, done.output
    found = by_voucher(entries(book))
    assert sorted(found) == [1, 2, 3, 4, 5]
    assert lines(found[1]) == [("1405", 800000, None), ("22210101", 136000, None), ("2202", None, 936000)]
    assert lines(found[2]) == [("1122", 1755000, None), ("5401", 1200000, None), ("5001", None, 1500000),
                               ("22210102", None, 255000), ("1405", None, 1200000)]
    # ③ in red: the same entries as ② with negative amounts; they come to the answer's debits and credits
    assert lines(found[3]) == [("1122", -877500, None), ("5401", -600000, None), ("5001", None, -750000),
                               ("22210102", None, -127500), ("1405", None, -600000)]
    assert net(found[3]) == {"1122": -877500, "5401": -600000, "5001": 750000, "22210102": 127500, "1405": 600000}
    assert lines(found[4]) == [("1002", 877500, None), ("1122", None, 877500)]
    assert lines(found[5]) == [("5602", 5000, None), ("1001", None, 5000)]
    head = found[2][0]
    assert (head["日期"].date(), head["凭证字"], head["单号"], head["往来单位"]) == (day(8), "记", "XS1", "B")
    assert all(r["科目名称"] for rows in found.values() for r in rows)
    assert "主营业务收入" in {r["科目名称"] for r in found[2]}


def _busy_book(path: Path, **more) -> Path:
    """A month of nearly everything: deductible and non-deductible purchases, sales, returns, an
    advance and its 核销, receipts, a payment, a refund, money with no account, an expense, other
    income, a transfer, a count's gain and loss, an other issue."""
    return book_of(path, opening=[[day(1), "WH", "W", 100, 10, None]],
                   purchases=[buy("CG1", 2, 50, 12), buy("CG2", 3, 10, D("9.99")),
                              [*buy("CG3", 4, 5, 10)[:13], "普票", None, None], buy("CT1", 5, 4, 12, "退货", "CG1")],
                   sales=[sell("XS1", 6, 30, 20), sell("XS2", 7, 8, D("33.33"), party="X"),
                          sell("XT1", 8, 3, 20, "退货", "XS1")],
                   payments=[["YS1", day(9), "预收", "B", 100, None, None, None, "001"],
                             ["SK1", day(10), "收款", "B", 200, None, None, None, "002"],
                             ["FK1", day(11), "付款", "A", 300, None, None, None, "001"],
                             ["SK2", day(12), "收款", "A", 10, None, None, None, "001"]],
                   money=[["FY1", day(13), "费用", "001", None, "运费", None, 45, None, None],
                          ["SR1", day(14), "其他收入", "002", None, None, None, D("12.5"), None, None],
                          ["ZZ1", day(15), "转账", "001", "002", None, None, 500, None, None]],
                   counts=[["PD1", day(16), "WH", "W", 200, None]],
                   others=[["QT1", day(17), "其他出库", "WH", "W", 2, None, None]], **more)


def test_every_voucher_balances_and_each_account_comes_to_what_the_ledger_holds(tmp_path):
    book = _busy_book(tmp_path / "b.xlsx")
    report = post(book)
    assert not report.error_rows, report.error_rows
    with Ledger.open(ledger_at(book)) as ledger:
        assert ledger.reverse("SK1", user="财务").batch is not None
    assert vouchers(book, *MARCH).exit_code == 0
    rows = entries(book)
    for no, voucher in by_voucher(rows).items():
        assert sum(D(r["借方金额"] or 0) for r in voucher) == sum(D(r["贷方金额"] or 0) for r in voucher), no
    totals = net(rows)
    with Ledger.open(ledger_at(book), read_only=True) as ledger:
        def cents(sql: str) -> Decimal:
            return D(ledger.conn.execute(sql).fetchone()[0] or 0) / 100
        standing = "doc IN (SELECT id FROM documents WHERE type NOT LIKE 'opening%')"
        assert totals.get("1122", 0) == cents(f"SELECT SUM(amount) FROM party_entries WHERE side='AR' AND kind='' AND {standing}")
        assert totals.get("2203", 0) == cents("SELECT SUM(amount) FROM party_entries WHERE side='AR' AND kind='advance'")
        assert totals.get("2202", 0) == -cents(f"SELECT SUM(amount) FROM party_entries WHERE side='AP' AND kind='' AND {standing}")
        assert totals["1405"] == cents(f"SELECT SUM(value) FROM movements WHERE {standing}")
        assert totals["1002"] == cents("SELECT SUM(amount) FROM cash_entries WHERE account='001'")
        assert totals["1001"] == cents("SELECT SUM(amount) FROM cash_entries WHERE account='002'")
        assert totals["22210101"] == cents("SELECT SUM(CASE d.type WHEN 'purchase_return' THEN -l.tax ELSE l.tax END) "
                                           "FROM lines l JOIN documents d ON d.id = l.doc WHERE d.deductible = 1")
        moved = "SELECT SUM(m.value) FROM movements m JOIN documents d ON d.id = m.doc WHERE d.doc_no = '{}'"
        gain, loss = cents(moved.format("PD1")), -cents(moved.format("QT1"))
    assert gain > 0 and loss > 0
    assert totals["5602"] == 45 and totals["5301"] == -(D("12.5") + gain) and totals["5711"] == loss
    reversed_ = [r for r in rows if r["单号"] == "SK1"]
    assert lines(reversed_[:2]) == [("1001", 200, None), ("1122", None, 200)]
    assert lines(reversed_[2:]) == [("1001", -200, None), ("1122", None, -200)]        # 红字冲销: in red


def test_numbers_hold_when_exported_again_and_new_documents_take_the_next(tmp_path):
    book = _busy_book(tmp_path / "b.xlsx")
    assert not post(book).error_rows
    assert vouchers(book, *MARCH).exit_code == 0
    first = {r["单号"]: r["凭证号"] for r in entries(book)}
    assert sorted(set(first.values())) == list(range(1, len(set(first.values())) + 1))
    wb = openpyxl.load_workbook(book)
    wb["收付款"].append(["SK9", day(30), "收款", "B", 50, None, None, None, "001"])
    wb.save(book)
    assert not post(book).error_rows
    again = vouchers(book, "--from", "2026-03-10", "--to", "2026-03-31")
    assert again.exit_code == 0, again.output
    now = {r["单号"]: r["凭证号"] for r in entries(book)}
    assert all(now[no] == first[no] for no in now if no in first)
    assert now["SK9"] == max(first.values()) + 1 and "CG1" not in now      # only the period asked


def test_an_exported_document_is_not_reversed_until_its_voucher_is_voided(tmp_path):
    book = _busy_book(tmp_path / "b.xlsx")
    assert not post(book).error_rows
    assert vouchers(book, *MARCH).exit_code == 0
    number = next(r["凭证号"] for r in entries(book) if r["单号"] == "XS2")
    refused = CliRunner().invoke(main, ["reverse", str(book), "XS2"])
    assert refused.exit_code == 1 and f"记-{number}" in refused.output and "--void" in refused.output
    unknown = vouchers(book, "--void", "999")
    assert unknown.exit_code == 1 and "999" in unknown.output
    voided = vouchers(book, "--void", str(number))
    assert voided.exit_code == 0 and f"记-{number}" in voided.output
    assert CliRunner().invoke(main, ["reverse", str(book), "XS2"]).exit_code == 0
    assert vouchers(book, *MARCH).exit_code == 0
    rows = [r for r in entries(book) if r["单号"] == "XS2"]
    last = max(r["凭证号"] for r in entries(book))
    assert {r["凭证号"] for r in rows} == {last - 1, last}      # voided: a new number, and one for its 红字冲销
    assert number not in {r["凭证号"] for r in entries(book)}    # a voided number is never given again
    with Ledger.open(ledger_at(book), read_only=True) as ledger:
        actions = [e.action for e in ledger.audit_log()]
    assert actions.count("vouchers") == 2 and actions.count("void_voucher") == 1


def test_verify_holds_the_exported_vouchers_to_their_documents(tmp_path):
    """A voucher record changed outside jxc — a voided export stood up again under a reversed
    document, one number given to two documents — is named by verify."""
    book = _busy_book(tmp_path / "b.xlsx")
    assert not post(book).error_rows and vouchers(book, *MARCH).exit_code == 0
    number = next(r["凭证号"] for r in entries(book) if r["单号"] == "XS2")
    assert vouchers(book, "--void", str(number)).exit_code == 0
    assert CliRunner().invoke(main, ["reverse", str(book), "XS2"]).exit_code == 0
    assert CliRunner().invoke(main, ["verify", str(book)]).exit_code == 0
    conn = sqlite3.connect(ledger_at(book))
    with conn:
        conn.execute("UPDATE voucher_exports SET voided_at = NULL WHERE voucher_no = ?", (number,))
        conn.execute("UPDATE voucher_exports SET voucher_no = 1 WHERE voucher_no = 2")
    conn.close()
    found = CliRunner().invoke(main, ["verify", str(book)])
    assert found.exit_code == 1
    assert f"凭证 记-{number}：单据 XS2 已红字冲销，凭证却未作废" in found.output
    assert "凭证号 记-1 用于不止一张单据" in found.output


def test_jxc_new_fills_the_chart_an_edited_code_is_used_and_a_bad_use_is_named(tmp_path):
    made = tmp_path / "新.xlsx"
    assert CliRunner().invoke(main, ["new", str(made)]).exit_code == 0
    chart = [[c.value for c in row] for row in openpyxl.load_workbook(made)["科目"].iter_rows(min_row=2)]
    assert ["应收", "1122", "应收账款"] in chart and ["进项税额", "22210101", "应交税费-应交增值税-进项税额"] in chart
    assert len([r for r in chart if r[0]]) == 14
    edited = [["应收", "112201", "应收账款-货款"], *([u, c, n] for u, c, n in chart if u != "应收")]
    book = book_of(tmp_path / "b.xlsx", opening=[[day(1), "WH", "W", 10, 10, None]], sales=[sell("XS1", 6, 3, 20)],
                   chart=edited)
    assert not post(book).error_rows
    assert vouchers(book, *MARCH).exit_code == 0
    assert ("112201", "应收账款-货款") in {(str(r["科目编码"]), r["科目名称"]) for r in entries(book)}
    for bad, said in (([["应收款", "1122", "应收账款"]], "应收款"), ([[None, "1122", "应收账款"]], "用途"),
                      ([[u, c, n] for u, c, n in chart if u != "成本"], "成本")):
        other = book_of(tmp_path / f"{len(bad)}-{said}.xlsx", opening=[[day(1), "WH", "W", 10, 10, None]],
                        sales=[sell("XS1", 6, 3, 20)], chart=bad + ([] if said == "成本" else chart[1:]))
        assert not post(other).error_rows
        refused = vouchers(other, *MARCH)
        assert refused.exit_code == 1 and said in refused.output and "科目" in refused.output, refused.output
        with Ledger.open(ledger_at(other), read_only=True) as ledger:    # nothing remembered as exported
            assert ledger.conn.execute("SELECT COUNT(*) FROM voucher_exports").fetchone()[0] == 0


def test_vouchers_on_a_postgresql_ledger(tmp_path, server_ledger):
    Ledger.open(server_ledger).close()
    book = _busy_book(tmp_path / "pg.xlsx", ledger=server_ledger)
    assert not post(book).error_rows
    assert vouchers(book, *MARCH).exit_code == 0
    rows = entries(book)
    for voucher in by_voucher(rows).values():
        assert sum(D(r["借方金额"] or 0) for r in voucher) == sum(D(r["贷方金额"] or 0) for r in voucher)
    number = next(r["凭证号"] for r in rows if r["单号"] == "FY1")
    assert CliRunner().invoke(main, ["reverse", str(book), "FY1"]).exit_code == 1
    assert vouchers(book, "--void", str(number)).exit_code == 0
    assert CliRunner().invoke(main, ["reverse", str(book), "FY1"]).exit_code == 0


def test_the_ribbon_button_writes_the_same_sheet_for_the_settings_period(tmp_path):
    from tests.entry.test_ribbon import press
    period = [["报表开始", day(1)], ["报表结束", day(31)]]
    book, twin = (_busy_book(tmp_path / f"{name}.xlsx", settings=period) for name in ("ribbon", "cli"))
    assert not post(book).error_rows and not post(twin).error_rows
    message, _ = press(book, "vouchers")
    assert message.startswith("凭证已生成（2026-03-01 至 2026-03-31）"), message
    assert openpyxl.load_workbook(book).active.title == "凭证"
    assert vouchers(twin).exit_code == 0
    assert [{k: v for k, v in r.items()} for r in entries(book)] == entries(twin)
