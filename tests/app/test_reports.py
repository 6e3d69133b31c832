"""报表, 对账单 and 打印单据 on a workbook typed the way a clerk would: every figure of every report
sheet against the ledger (recomputed here from the stock card and the sales lines, not by the
code that wrote it), Chinese sign conventions, the 合计 rows, printing to PDF."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections import defaultdict
from decimal import Decimal

import openpyxl
import pytest

from jxc_xl import Ledger, lookup
from jxc_xl.app.reports import make_reports, print_document, write_statement
from jxc_xl.app.usecases import reverse_book
from jxc_xl.domain.words import rmb_words
from jxc_xl.io.patch import PatchBook
from jxc_xl.sheets.contract import PROFIT, PROFIT_BY_CUSTOMER, REORDER, STOCK_AGE, SUMMARY

from ..wb import TODAY, post, purchase, sale, type_rows, ledger_at

d = dt.date
START, END = d(2026, 11, 1), d(2026, 11, 30)
MADE = dt.datetime(2026, 11, 30, 18, 0)


@pytest.fixture
def books(book):
    """A month with every kind of movement: an opening, a purchase and its return, a transfer,
    a sale and its return, a sale reversed (红字冲销), a count loss, a receipt back-dated before
    them, an open purchase order; and an item (B002) with opening stock only."""
    type_rows(book, "商品", [{"商品编码": "B002", "商品名称": "香蕉", "单位": "箱", "参考进价": 2.2, "安全库存": 10,
                             "最高库存": 30}], start=3)
    type_rows(book, "期初库存", [{"日期": d(2026, 10, 1), "仓库": "WH1", "商品编码": "A001", "数量": 10, "单位成本": 3},
                             {"日期": d(2026, 10, 1), "仓库": "WH2", "商品编码": "B002", "数量": 4, "单位成本": 2}])
    type_rows(book, "期初往来", [{"日期": d(2026, 10, 1), "往来单位": "C01", "应收": 500}])
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 20, 4),
                           purchase("CG2", d(2026, 11, 5), "A001", 2, 4, kind="退货", src="CG1")])
    type_rows(book, "调拨", [{"单号": "DB1", "日期": d(2026, 11, 6), "调出仓库": "WH1", "调入仓库": "WH2",
                            "商品编码": "A001", "数量": 5}])
    type_rows(book, "销售", [sale("XS1", d(2026, 11, 8), "A001", 6, 9), sale("XS2", d(2026, 11, 10), "A001", 1, 9,
                                                                      kind="退货", src="XS1"),
                           sale("XS3", d(2026, 11, 12), "A001", 3, 10, customer="C02")])
    type_rows(book, "盘点", [{"单号": "PD1", "日期": d(2026, 11, 15), "仓库": "WH1", "商品编码": "A001", "实盘数量": 19}])
    type_rows(book, "收付款", [{"单号": "SK1", "日期": d(2026, 11, 20), "业务类型": "收款", "往来单位": "C01", "金额": 20}])
    type_rows(book, "采购订单", [{"单号": "CGDD1", "日期": d(2026, 11, 20), "供应商": "S01", "仓库": "WH2",
                              "商品编码": "B002", "数量": 5, "单价": 2.5}])
    assert post(book).exit_code == 0
    assert reverse_book(PatchBook(book), book, "XS3", today=TODAY).posted == 1
    type_rows(book, "采购", [purchase("CG0", d(2026, 11, 1), "A001", 2, 5)])      # back-dated before them all
    assert post(book).exit_code == 0
    done = make_reports(PatchBook(book), book, START, END, now=MADE)
    assert done.ok, done.message
    return book


def _ledger(book) -> Ledger:
    return Ledger.open(ledger_at(book), read_only=True)


def report_table(book, sheet: str, columns, caption: str | None = None) -> tuple[list[dict], dict]:
    """A report table's rows as dicts of exact figures, and its 合计 row (None: none)."""
    ws = openpyxl.load_workbook(book)[sheet]
    names = [c.zh for c in columns]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    at = next(i for i, r in enumerate(rows) if r[:len(names)] == names and
              (caption is None or rows[i - 1][0] == caption))
    found, total = [], None
    for r in rows[at + 1:]:
        if not any(v is not None for v in r[:len(names)]):
            break
        row = {n: Decimal(str(v)) if isinstance(v, (int, float)) else v for n, v in zip(names, r)}
        if row[names[0]] == "合计":
            total = row
            break
        found.append(row)
    return found, total


def expected_summary(ledger: Ledger, start: dt.date = START, end: dt.date = END) -> dict[tuple[str, str], list[Decimal]]:
    """进销存汇总 from the stock card: a document's column by what it is (a return or a 红字冲销
    negative in its original's column; transfers by leg, counts by gain or loss)."""
    in_types = {"purchase_receipt", "purchase_return", "other_receipt", "opening_stock"}
    out_types = {"sales_shipment", "sales_return", "other_issue"}
    figures: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 8)
    for r in ledger.stock(as_of=start - dt.timedelta(days=1)):
        figures[(r.warehouse, r.item)][0:2] = [r.qty, r.value]
    for c in ledger.stock_card(start=start, end=end):
        for warehouse in [c.warehouse]:
            moved = c.in_qty - c.out_qty
            went_in = (moved > 0) != c.reversal
            column = (c.doc_type in in_types or (c.doc_type not in out_types and went_in))
            sign = 1 if column else -1
            at = 2 if column else 4
            f = figures[(warehouse, c.item)]
            f[at] += sign * moved
            f[at + 1] += sign * c.value
    for (warehouse, item), f in figures.items():
        f[6], f[7] = f[0] + f[2] - f[4], f[1] + f[3] - f[5]
    return {k: v for k, v in figures.items() if any(v)}


def test_summary_equals_the_ledger_with_returns_and_reversals_negative_in_their_own_column(books):
    rows, total = report_table(books, "进销存汇总", SUMMARY.columns)
    shown = {(r["仓库"], r["商品编码"]): [r[c.zh] for c in SUMMARY.columns[4:]] for r in rows}
    with _ledger(books) as ledger:
        assert shown == expected_summary(ledger)
        closing = {(s.warehouse, s.item): [s.qty, s.value] for s in ledger.stock(as_of=END) if s.qty or s.value}
    assert {k: v[6:] for k, v in shown.items() if any(v[6:])} == closing
    # A001 in WH1: 10 opening; in 2 (CG0) + 20 (CG1) − 2 (its return); out 5 (transfer) + 6 − 1 (XS1, its
    # return) + 3 − 3 (XS3 and its 红字冲销) + 1 (the count's loss); 19 left
    assert shown[("WH1", "A001")][0::2] == [10, 20, 11, 19]
    assert shown[("WH2", "B002")] == [4, Decimal("8.00"), 0, 0, 0, 0, 4, Decimal("8.00")]   # opening only
    assert [total[c.zh] for c in SUMMARY.columns[4:]] == [sum(v[i] for v in shown.values()) for i in range(8)]
    ws = openpyxl.load_workbook(books)["进销存汇总"]
    assert ws["A1"].value == ws["A2"].value == "进销存汇总"                 # no 公司名称 set: the title twice
    assert "2026-11-01 至 2026-11-30" in ws["A3"].value and "2026-11-30 18:00" in ws["A3"].value
    assert ws.freeze_panes == "A7" and ws.print_title_rows == "$6:$6"
    assert ws["F7"].number_format == "#,##0.00" and ws["E7"].number_format == "#,##0.00##"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1


def test_a_period_with_no_movement_shows_its_balances_only(book):
    type_rows(book, "期初库存", [{"日期": d(2026, 10, 1), "仓库": "WH1", "商品编码": "A001", "数量": 3, "单位成本": 2}])
    assert post(book).exit_code == 0
    assert make_reports(PatchBook(book), book, START, END, now=MADE).ok
    rows, total = report_table(book, "进销存汇总", SUMMARY.columns)
    assert [[r[c.zh] for c in SUMMARY.columns[4:]] for r in rows] == [[3, Decimal("6.00"), 0, 0, 0, 0, 3, Decimal("6.00")]]
    assert report_table(book, "毛利", PROFIT.columns, "按商品") == (      # no sales: it says so, no 合计 of nothing
        [{**{c.zh: None for c in PROFIT.columns}, "商品编码": "本期没有销售"}], None)


def test_profit_by_item_and_by_customer_nets_returns_and_reversals(books):
    with _ledger(books) as ledger:
        lines = ledger.gross_profit(START, END)
    for columns, caption, key in ((PROFIT.columns, "按商品", "item"), (PROFIT_BY_CUSTOMER, "按客户", "party")):
        rows, total = report_table(books, "毛利", columns, caption)
        want = defaultdict(lambda: [Decimal(0)] * 4)
        for line in lines:
            f = want[getattr(line, key)]
            f[:] = [f[0] + line.qty, f[1] + line.amount, f[2] + line.cost, f[3] + line.profit]
        want = {k: v for k, v in want.items() if any(v[:3])}
        assert {r[columns[0].zh]: [r["销售数量"], r["销售收入"], r["销售成本"], r["毛利"]] for r in rows} == want
        for r in rows:
            assert r["毛利率"] == (r["毛利"] / r["销售收入"]).quantize(Decimal("0.0001"))
        assert total["毛利"] == sum(v[3] for v in want.values())
    rows, _ = report_table(books, "毛利", PROFIT_BY_CUSTOMER, "按客户")
    assert [r["客户"] for r in rows] == ["C01"]                 # C02's only sale was reversed: nothing left
    assert rows[0]["销售数量"] == 5 and rows[0]["销售收入"] == Decimal("45.00")   # 6 sold, 1 returned


def test_reorder_counts_open_orders_and_suggests_up_to_the_maximum(books):
    rows, total = report_table(books, "补货建议", REORDER.columns)
    # B002: 4 on hand, 5 on order, safety 10: buy 30 − 4 − 5 = 21 at its 参考进价 2.20; A001 (19 + 5) is fine
    assert [[r[c.zh] for c in REORDER.columns] for r in rows] == [
        ["B002", "香蕉", 4, 5, 10, 30, 21, None, Decimal("2.2"), Decimal("46.2")]]
    assert total["预计金额"] == Decimal("46.2")


def test_stock_age_dates_and_bands(books):
    rows, total = report_table(books, "库龄", STOCK_AGE.columns)
    found = {(r["仓库"], r["商品编码"]): (r["最近入库日期"], r["最近出库日期"], r["未动销天数"], r["库龄区间"]) for r in rows}
    at = dt.datetime
    assert found[("WH1", "A001")] == (at(2026, 11, 2), at(2026, 11, 15), 22, "0-30天")   # last sale XS1 (XS3 reversed)
    assert found[("WH2", "A001")] == (at(2026, 11, 6), None, 24, "0-30天")              # came by transfer
    assert found[("WH2", "B002")] == (at(2026, 10, 1), None, 60, "31-90天")             # opening stock only
    with _ledger(books) as ledger:
        assert total["库存金额"] == sum(s.value for s in ledger.stock(as_of=END) if s.qty > 0)


def test_statement_closes_on_the_balance_the_worksheet_function_gives(books):
    assert write_statement(PatchBook(books), books, "朝阳超市", START, END, now=MADE).ok
    from jxc_xl.sheets.contract import STATEMENT
    columns = tuple(c for c in STATEMENT.columns if c.zh not in ("应付增加", "付出"))
    rows, total = report_table(books, "对账单", columns, "往来单位：C01 朝阳超市")
    assert [(r["单号"], r["应收增加"], r["收回"], r["余额"]) for r in rows] == [
        (None, None, None, Decimal("500")), ("XS1", Decimal("54"), None, Decimal("554")),
        ("XS2", Decimal("-9"), None, Decimal("545")), ("SK1", None, Decimal("20"), Decimal("525"))]
    [[balance]] = [lookup.balance(ledger_at(books), ["C01"], END)]
    assert total["余额"] == balance == Decimal("525.00")
    assert (total["应收增加"], total["收回"]) == (Decimal("45"), Decimal("20"))
    assert not write_statement(PatchBook(books), books, "无此单位", START, END).ok


def _pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_a_printed_document_fills_the_print_sheet_and_its_pdf_says_the_amount_in_words(books, tmp_path):
    from jxc_xl.io.pdf import layout_pdf
    assert shutil.which("soffice") and shutil.which("pdftotext"), "LibreOffice and poppler-utils must be installed"
    done, layout = print_document(PatchBook(books), books, "XS1")
    assert done.ok, done.message
    ws = openpyxl.load_workbook(books)["打印"]
    cells = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "销售出库单（送货单）" in cells and "合计金额（大写）：人民币伍拾肆元整" in cells
    assert any(str(c).startswith("制单人：" + _poster(books) + "　") for c in cells)
    assert ws.print_area and ws.print_title_rows
    text = _pdf_text(layout_pdf(layout, tmp_path / "XS1.pdf"))
    for words in ("销售出库单", "XS1", "朝阳超市", "苹果", "54.00", "人民币伍拾肆元整", "第 1 页，共 1 页"):
        assert words in text
    assert not print_document(PatchBook(books), books, "NOPE")[0].ok


def _poster(book) -> str:
    with _ledger(book) as ledger:
        [doc] = ledger.printable("XS1")
        return doc["user"]


def test_a_long_document_prints_twelve_lines_a_page_with_its_head_on_each(book, tmp_path):
    from jxc_xl.io.pdf import layout_pdf
    type_rows(book, "商品", [{"商品编码": f"K{n:02d}", "商品名称": f"商品{n}"} for n in range(13)])
    type_rows(book, "采购", [purchase("CG9", d(2026, 11, 2), f"K{n:02d}", 1, Decimal("10005.07") if n == 0 else 0)
                           for n in range(13)])
    assert post(book).exit_code == 0
    done, layout = print_document(PatchBook(book), book, "CG9")
    pages = _pdf_text(layout_pdf(layout, tmp_path / "CG9.pdf")).split("\f")
    assert len([p for p in pages if p.strip()]) == 2
    assert all("采购入库单" in p and "商品编码" in p for p in pages[:2])
    assert "人民币壹万零伍元零柒分" in pages[1] and "K12" in pages[1] and "K11" in pages[0]


def test_reports_period_comes_from_the_settings_else_this_month(books):
    from jxc_xl.app.settings import read_settings
    from jxc_xl.app.reports import period
    settings = read_settings(PatchBook(books), books)
    assert period(settings, None, None, d(2026, 12, 9)) == (d(2026, 12, 1), d(2026, 12, 9))
    type_rows(books, "设置", [{"项目": "报表开始", "值": d(2026, 11, 1)}, {"项目": "报表结束", "值": "2026-11-15"}])
    settings = read_settings(PatchBook(books), books)
    assert period(settings, None, None, d(2026, 12, 9)) == (d(2026, 11, 1), d(2026, 11, 15))
    assert not make_reports(PatchBook(books), books, d(2026, 12, 1), d(2026, 11, 1)).ok


def _libreoffice(book, tmp_path, to: str):
    out = tmp_path / to
    done = subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                           "--convert-to", to, "--outdir", str(out), str(book)], capture_output=True, text=True,
                          timeout=300)
    made = out / f"{book.stem}.{to}"
    assert made.is_file(), done.stderr
    return made


def test_libreoffice_opens_the_reports_computes_the_formulas_and_draws_the_charts(books, tmp_path):
    """The workbook with its reports, 对账单 and 打印 opens in LibreOffice, which computes its
    formulas and keeps the figures; the 图表 page carries the charts' drawings (coloured bars and
    slices), not just their tables."""
    from PIL import Image
    assert write_statement(PatchBook(books), books, "C01", START, END).ok and print_document(PatchBook(books), books, "CG1")[0].ok
    again = openpyxl.load_workbook(_libreoffice(books, tmp_path, "xlsx"), data_only=True)
    assert again["采购"]["I2"].value == 80                                   # 金额 = 数量 × 单价, computed
    for sheet in ("进销存汇总", "毛利", "利润表", "补货建议", "库龄", "图表", "对账单"):
        assert again[sheet]["A2"].value is not None
    assert again["打印"]["A1"].value == "采购入库单"                           # no 公司名称: the title alone
    assert report_table(books, "进销存汇总", SUMMARY.columns)[1]["期末金额"] == \
        Decimal(str([r for r in again["进销存汇总"].iter_rows(values_only=True) if r[0] == "合计"][0][11]))
    pdf = _libreoffice(books, tmp_path, "pdf")
    pages = _pdf_text(pdf).split("\f")
    captions = ("近 12 个月销售收入与毛利", "近 12 个月利润", "毛利最高的 10 个商品", "各类别库存金额")
    for caption in captions:                                  # each table and its chart on a page of its own
        [at] = [n for n, p in enumerate(pages, start=1) if caption in p]
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", str(at), "-l", str(at), str(pdf),
                        str(tmp_path / f"charts{at}")], check=True)
        [png] = tmp_path.glob(f"charts{at}*.png")
        data = Image.open(png).convert("RGB").tobytes()
        coloured = sum(1 for rgb in zip(data[0::3], data[1::3], data[2::3]) if max(rgb) - min(rgb) > 80)
        assert coloured > 100, f"the page of {caption} shows no chart"


def test_the_demos_reports_statement_and_print_equal_its_ledger(tmp_path):
    """`jxc demo` writes the quarter's reports, 朝阳超市's 对账单 and a printed 单据; each agrees with
    the ledger, and `jxc report/statement/print` say clearly what they did or why not."""
    from click.testing import CliRunner
    from jxc_xl.cli import main
    from jxc_xl.demo import END as last, PRINTED, START as first, STATEMENT_PARTY
    from jxc_xl.sheets.contract import STATEMENT
    runner = CliRunner()
    assert runner.invoke(main, ["demo", str(tmp_path)]).exit_code == 0
    book = tmp_path / "demo.xlsx"
    rows, total = report_table(book, "进销存汇总", SUMMARY.columns)
    with _ledger(book) as ledger:
        assert {(r["仓库"], r["商品编码"]): [r[c.zh] for c in SUMMARY.columns[4:]] for r in rows} == \
            expected_summary(ledger, first, last)
        lines = ledger.gross_profit(first, last)
        stock = [s for s in ledger.stock(as_of=last) if s.qty > 0]
    _, profit_total = report_table(book, "毛利", PROFIT.columns, "按商品")
    assert (profit_total["销售收入"], profit_total["毛利"]) == (sum(p.amount for p in lines), sum(p.profit for p in lines))
    _, by_customer = report_table(book, "毛利", PROFIT_BY_CUSTOMER, "按客户")
    assert by_customer["毛利"] == profit_total["毛利"]
    age, age_total = report_table(book, "库龄", STOCK_AGE.columns)
    assert len(age) == len(stock) and age_total["库存金额"] == sum(s.value for s in stock)
    columns = tuple(c for c in STATEMENT.columns if c.zh not in ("应付增加", "付出"))
    _, closing = report_table(book, "对账单", columns, "往来单位：C01 朝阳超市")
    [[balance]] = [lookup.balance(tmp_path / "demo.jxc.db", [STATEMENT_PARTY], last)]
    assert closing["余额"] == balance
    printed = [v for r in openpyxl.load_workbook(book)["打印"].iter_rows(values_only=True) for v in r if v]
    assert PRINTED in printed and any(str(v).startswith("价税合计（大写）：人民币") for v in printed)   # 增值税
    assert any(str(v).startswith("制单人：示例会计") for v in printed)          # the demo posts as its clerk
    for args, code, said in ((["report", str(book), "--from", "2026-09-01", "--to", "2026-09-30"], 0, "报表已生成"),
                             (["statement", str(book), "S01"], 0, "对账单已生成：S01"),
                             (["statement", str(book), "无此单位"], 1, "未知往来单位"),
                             (["print", str(book), "NOPE"], 1, "找不到已过账的单号 NOPE"),
                             (["report", str(tmp_path / "none.xlsx")], 2, "找不到工作簿")):
        result = runner.invoke(main, args)
        assert result.exit_code == code and said in result.output, result.output


def _moved(book, doc_no: str) -> tuple[Decimal, Decimal]:
    """(quantity, value) of a document's first movement, from the stock card: out or in."""
    with _ledger(book) as ledger:
        c = next(c for c in ledger.stock_card() if c.doc_no == doc_no)
    return c.in_qty - c.out_qty, c.value


@pytest.mark.parametrize("doc_no, title, kind", [("DB1", "调拨单", "transfer"), ("PD1", "盘点单", "count"),
                                                 ("期初-2026-10-01-C01", "期初往来单", "opening"),
                                                 ("SK1", "收款单", "payment")])
def test_every_kind_of_document_prints_its_figures_and_total(books, doc_no, title, kind):
    """A stock document prints the cost its movements carried (a count its difference, signed),
    an opening balance its 应收, a payment its amount — never a 合计 of 零元整 for want of a price."""
    done, layout = print_document(PatchBook(books), books, doc_no)
    assert done.ok, done.message
    rows = [[c.value if c else None for c in row] for row in layout.rows]
    assert title in rows[0][0]                                    # no 公司名称: the title heads the page
    if kind in ("opening", "payment"):                            # a voucher: its amount in figures and words
        label = "期初应收" if kind == "opening" else "金额"
        amount = Decimal(str(next(r[1] for r in rows if r[:1] == [label])))
        words = next(r[1] for r in rows if r[:1] == [label + "（大写）"])
        assert amount == Decimal(500 if kind == "opening" else 20) and words == "人民币" + rmb_words(amount)
        return
    header = next(i for i, r in enumerate(rows) if r[:1] == ["商品编码"])
    line = rows[header + 1]
    figures = [Decimal(str(v)) if v is not None else None for v in line[4:]]
    [summed] = [r for r in rows if r[:1] == ["合计"]]
    qty, value = _moved(books, doc_no)
    if kind == "transfer":                                        # DB1 sends 5 out of WH1, at their cost
        assert line[0] == "A001" and figures[0] == -qty == 5 and figures[2] == -value
        words = next(r[0] for r in rows if r and str(r[0]).startswith("合计金额（大写）："))
        assert Decimal(str(summed[6])) == figures[2] != 0 and words == "合计金额（大写）：人民币" + rmb_words(figures[2])
    else:                                                         # PD1 found one short: its loss, signed
        assert line[0] == "A001" and figures[:3] == [20, 19, -1] and figures[2] == qty and figures[3] == value < 0
        assert Decimal(str(summed[7])) == value and Decimal(str(summed[6])) == -1
        assert not any(r and str(r[0]).startswith("合计金额（大写）") for r in rows)   # a count is no sum to be paid


def test_report_periods_parties_and_sheets_that_cannot_be_are_said_not_guessed(books):
    book = PatchBook(books)
    assert "晚于结束日期" in write_statement(book, books, "C01", END, START).message
    type_rows(books, "往来单位", [{"编码": "C09", "名称": "朝阳超市", "类型": "客户"}])      # a second 朝阳超市
    assert post(books).exit_code == 0
    done = write_statement(PatchBook(books), books, "朝阳超市", START, END)
    assert not done.ok and "对应多个往来单位" in done.message
    assert write_statement(PatchBook(books), books, "C01", START, END).ok                 # the code still works
    type_rows(books, "设置", [{"项目": "报表开始", "值": "2026-8-1x"}])
    done = make_reports(PatchBook(books), books)
    assert not done.ok and "报表开始“2026-8-1x”不是有效日期" in done.message
    assert make_reports(PatchBook(books), books, START, END).ok                           # given dates: fine
    done, _ = print_document(PatchBook(books), books, "XS1", sheet="不存在")
    assert not done.ok and "没有单据表“不存在”" in done.message
    ws = openpyxl.load_workbook(books)["毛利"]                 # two tables: the second starts a page
    assert ws.print_title_rows is None and len(ws.row_breaks.brk) == 1


def test_the_audit_log_sheet_lists_who_did_what_and_when(books):
    from jxc_xl.app.reports import write_audit
    from jxc_xl.sheets.contract import AUDIT_LOG
    done = write_audit(PatchBook(books), books)                         # up to today: everything
    assert done.ok and done.message.startswith("操作日志已生成：3 条")
    rows, _ = report_table(books, "操作日志", AUDIT_LOG.columns)
    assert [r["操作"] for r in rows] == ["过账", "红字冲销", "过账"]               # the month, the 红字冲销 of XS3, CG0
    assert rows[1]["内容"].startswith("批次 2：XS3（销售出库）") and all(r["工作簿"] == books.name for r in rows)
    assert all(r["用户"] and r["电脑"] and r["时间"] for r in rows)
    assert write_audit(PatchBook(books), books, d(2999, 1, 1), d(2999, 1, 2)).message.startswith("操作日志已生成：0 条")
    assert not write_audit(PatchBook(books), books, END, START).ok


def test_audit_entries_an_older_jxc_wrote_show_the_sheet_not_the_journal_code(books):
    """Issue 21.17: a reversal logged before this version says "XS3（sales）"; 操作日志 shows 销售."""
    from jxc_xl.app.reports import write_audit
    from jxc_xl.sheets.contract import AUDIT_LOG
    with Ledger.open(ledger_at(books)) as ledger, ledger._transaction():
        ledger.conn.execute('''INSERT INTO audit(at, "user", action, detail, workbook, machine) VALUES
                            ('2026-11-25T10:00:00', '王会计', 'reverse', '批次 9：XS3（sales）冲销日期 2026-11-12', '', '')''')
    assert write_audit(PatchBook(books), books, d(2026, 11, 25), d(2026, 11, 25)).ok
    rows, _ = report_table(books, "操作日志", AUDIT_LOG.columns)
    assert [r["内容"] for r in rows] == ["批次 9：XS3（销售）冲销日期 2026-11-12"]


def test_stock_alerts_and_the_reorder_report_follow_one_rule_the_items_total(book):
    """An item is 低于安全库存 when its 可用数量 + 采购在途 over all warehouses is below its 安全库存:
    库存 marks each of its rows and 补货建议 lists it; a shop's small stock of an item the company
    holds enough of is no alert. 缺货 stays a row's own (数量 ≤ 0); an empty 补货建议 says so."""
    from ..wb import table_rows
    type_rows(book, "期初库存", [{"日期": d(2026, 10, 1), "仓库": "WH1", "商品编码": "A001", "数量": 20, "单位成本": 3},
                             {"日期": d(2026, 10, 1), "仓库": "WH2", "商品编码": "A001", "数量": 2, "单位成本": 3}])
    assert post(book).exit_code == 0
    alerts = {(r["仓库"], r["商品编码"]): r["预警"] for r in table_rows(book, "库存")}
    assert alerts == {("WH1", "A001"): None, ("WH2", "A001"): None}          # 22 in all ≥ 5
    assert make_reports(PatchBook(book), book, START, END, now=MADE).ok
    rows, total = report_table(book, "补货建议", REORDER.columns)
    assert [r["商品编码"] for r in rows] == ["没有需要补货的商品：各商品合计的可用数量＋采购在途都不低于安全库存"]
    assert total is None
    assert "库存" in openpyxl.load_workbook(book)["库存"]["A1"].value and \
        "可用数量＋采购在途" in openpyxl.load_workbook(book)["库存"]["A1"].value
    type_rows(book, "销售", [sale("XS1", d(2026, 11, 3), "A001", 18, 9)])         # 4 left in all: short
    assert post(book).exit_code == 0
    alerts = {(r["仓库"], r["商品编码"]): r["预警"] for r in table_rows(book, "库存")}
    assert alerts == {("WH1", "A001"): "低于安全库存", ("WH2", "A001"): "低于安全库存"}
    assert make_reports(PatchBook(book), book, START, END, now=MADE).ok
    rows, _ = report_table(book, "补货建议", REORDER.columns)
    assert [(r["商品编码"], r["可用数量"]) for r in rows] == [("A001", 4)]
    type_rows(book, "调拨", [{"单号": "DB1", "日期": d(2026, 11, 4), "调出仓库": "WH2", "调入仓库": "WH1",
                            "商品编码": "A001", "数量": 2}])
    assert post(book).exit_code == 0                                            # WH2 emptied: 缺货 there
    alerts = {(r["仓库"], r["商品编码"]): r["预警"] for r in table_rows(book, "库存")}
    assert alerts.get(("WH2", "A001")) in (None, "缺货") and alerts[("WH1", "A001")] == "低于安全库存"


def _printed(book, doc_no: str, tmp_path=None) -> tuple[list, object, str]:
    """The 打印 sheet's cell values row by row, the sheet, and (``tmp_path`` given) its PDF's text."""
    from jxc_xl.io.pdf import layout_pdf
    done, layout = print_document(PatchBook(book), book, doc_no)
    assert done.ok, done.message
    ws = openpyxl.load_workbook(book)["打印"]
    text = _pdf_text(layout_pdf(layout, tmp_path / f"{doc_no}.pdf")) if tmp_path else ""
    return [[c.value for c in row] for row in ws.iter_rows()], ws, text


def _words(rows) -> list:
    return [v for r in rows for v in r if v is not None]


def test_a_printed_form_says_who_made_it_where_from_in_one_sans_font_without_the_sheets_name(books, tmp_path):
    """A customer's 送货单: no page header naming the sheet 打印, the warehouse by its name, 单价 to 2
    decimals unless the price has more, every cell in one CJK sans font (合计 too), 制单人 the
    ledger's poster — or 设置's 制单人 when the ledger keeps no users of its own."""
    from jxc_xl.sheets.format import FORM_FONT
    type_rows(books, "销售", [sale("XS7", d(2026, 11, 25), "A001", 2, Decimal("9.125"))])
    assert post(books).exit_code == 0
    rows, ws, text = _printed(books, "XS1", tmp_path)
    assert "打印" not in text.split("销售出库单")[0] and "&A" not in str(ws.oddHeader.center.text)
    assert "总仓" in _words(rows) and "WH1" not in _words(rows)
    assert "制单人：" + _poster(books) in " ".join(map(str, _words(rows)))
    header = next(i for i, r in enumerate(rows) if r[:1] == ["商品编码"]) + 1
    price = ws.cell(header + 1, 6)
    assert price.value == 9 and price.number_format == "#,##0.00##"          # 9.00 on paper, not 9.0000
    assert "9.00 " in text and "9.0000" not in text
    fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts == {FORM_FONT}
    assert "Serif" not in subprocess.run(["pdffonts", str(tmp_path / "XS1.pdf")], capture_output=True,
                                         text=True).stdout
    rows, ws, text = _printed(books, "XS7", tmp_path)
    assert "9.125" in text                                                     # a price with more: shown
    type_rows(books, "设置", [{"项目": "制单人", "值": "李会计"}])
    rows, _, _ = _printed(books, "XS1")
    assert "制单人：李会计" in " ".join(map(str, _words(rows)))


def test_a_receipt_prints_as_a_receipt_and_a_count_with_its_book_and_counted_quantities(books, tmp_path):
    rows, _, text = _printed(books, "SK1", tmp_path)
    words = " ".join(map(str, _words(rows)))
    assert "收款单" in words and "商品编码" not in words and "仓管" not in words
    for said in ("往来单位", "朝阳超市", "金额", "结算方式", "人民币贰拾元整", "财务", "经手人", "收款人"):
        assert said in text, said
    rows, _, text = _printed(books, "PD1", tmp_path)
    header = next(r for r in rows if r[:1] == ["商品编码"])
    assert [h for h in header if h][4:7] == ["账面数量", "实盘数量", "差异数量"]
    line = rows[rows.index(header) + 1]
    assert line[0] == "A001" and [line[4], line[5], line[6]] == [20, 19, -1]
    assert "盘点人" in text and "账面数量" in text
    rows, _, text = _printed(books, "DB1", tmp_path)
    words = _words(rows)
    assert "调出仓库" in words and "调入仓库" in words and "总仓" in words and "门店仓" in words


def test_a_suppliers_statement_shows_what_we_owe_as_a_positive_payable_and_asks_to_be_confirmed(books, tmp_path):
    from jxc_xl.io.pdf import layout_pdf
    from jxc_xl.sheets.contract import C
    done = write_statement(PatchBook(books), books, "S01", START, END, now=MADE)
    assert done.ok and "应付余额 82.00" in done.message, done.message        # CG0 10 + CG1 80 − its return 8
    columns = (C("日期", ""), C("单号", ""), C("单据类型", ""), C("摘要", ""), C("应付增加", ""), C("付出", ""),
               C("应付余额", ""))
    rows, total = report_table(books, "对账单", columns, "往来单位：S01 烟台果业")
    assert total["应付余额"] == Decimal("82") > 0 and all(r["应付余额"] > 0 for r in rows[1:])
    words = [v for r in openpyxl.load_workbook(books)["对账单"].iter_rows(values_only=True) for v in r if v]
    assert any("对方确认" in str(w) and "签章" in str(w) for w in words)
    assert not any(str(w).startswith("余额：应收为正") for w in words)


def test_the_journal_and_the_charts_show_what_they_hold_whole(books):
    """台账's columns are as wide as their widest cell (a CJK character counted twice); the chart
    of the most profitable items names them, not their codes."""
    import zipfile
    from jxc_xl.sheets.layout import text_width
    ws = openpyxl.load_workbook(books)["台账"]
    heads = {c.value: c.column_letter for c in ws[2]}
    for head, widest in (("单号", "期初-2026-10-01-WH1-A001"), ("单据类型", "销售出库（红字冲销）")):
        assert widest in [c.value for c in ws[heads[head]]]
        assert ws.column_dimensions[heads[head]].width >= text_width(widest), head
    with zipfile.ZipFile(books) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    [top] = [c for c in charts if "毛利最高的商品" in c]
    category = top.split("<cat>")[1].split("</f>")[0]
    assert "$B$" in category, category                                          # 商品名称, not 商品编码 in A
