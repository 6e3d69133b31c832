"""The 增值税 report (`jxc report`): 销项 and 进项 by 税率, returns and 红字冲销 netted in the period, 应纳税额
and 留抵税额 — on workbooks typed from scratch, three of them published exam answers worked to the cent."""
from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from jxc_xl import Ledger
from jxc_xl.app.reports import make_reports
from jxc_xl.app.usecases import reverse_book
from jxc_xl.io.patch import PatchBook
from tests.tax.conftest import taxed_book
from tests.conftest import ENGINES
from tests.wb import TODAY, ledger_at, post, scratch_book

D = Decimal
NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
MADE = dt.datetime(2026, 11, 30, 18, 0)
HEAD = ["方向", "税率", "金额", "税额", "价税合计"]


def _buy(no, day, sku, qty, price=None, *, kind="入库", party="S1", tax=None, invoice=None, source=None):
    return [no, day, kind, party, "W", sku, qty, price, None, None, None, tax, None, invoice, source, None]


def _sell(no, day, sku, qty, price=None, *, kind="出库", with_tax=None, source=None):
    return [no, day, kind, "C1", "W", sku, qty, price, None, None, with_tax, None, None, source, None]


@pytest.fixture(params=ENGINES)
def engine(request):
    """Puts a taxed book's ledger beside it, or (the test runs twice) on the PostgreSQL server."""
    url = request.getfixturevalue("server_ledger") if request.param == "postgres" else None

    def placed(book):
        if url:
            Ledger.open(url).close()
            wb = openpyxl.load_workbook(book)
            wb["设置"].append(["账簿文件", url])
            wb.save(book)
            assert ledger_at(book) == url
        return book
    return placed


def vat(book, start=NOV[0], end=NOV[1]) -> list[tuple]:
    """The 增值税 sheet `jxc report` writes for the period, as (方向, 税率, 金额, 税额, 价税合计) rows read
    back from the file: figures as exact decimals, an empty cell None."""
    done = make_reports(PatchBook(book), book, start, end, now=MADE)
    assert done.ok and "增值税" in done.message, done.message
    rows = [[c.value for c in r][:5] for r in openpyxl.load_workbook(book)["增值税"].iter_rows()]
    at = rows.index(HEAD)
    exact = lambda v: D(repr(v)) if isinstance(v, (int, float)) else v      # noqa: E731
    found = []
    for row in rows[at + 1:]:
        if all(v is None for v in row):
            break
        found.append(tuple(map(exact, row)))
    return found


def test_a_general_taxpayers_month_gives_the_published_tax_due(tmp_path):
    """中华会计网校 答疑（转载 http://m.odtgfuq.cn/wenda/detail/xt/6190706）: 某商场（一般纳税人）2021 年 4 月外购
    货物的专用发票注明税金 300,000 元；批发给一般纳税人 1,200,000 元（不含税），批发给小规模纳税人 300,000 元
    （价税混合收取），零售 4,500,000 元（价税混合收取），税率 13%。答：销项税额 = 1,200,000×0.13 +
    300,000÷1.13×0.13 + 4,500,000÷1.13×0.13 = 708,212.39；应交增值税 = 708,212.39 − 300,000 = 408,212.39。
    The invoice's 税额 300,000.00 is typed as it shows (金额 2,307,692.31 × 13% = 300,000.0003)."""
    day = dt.date(2026, 11, 3)
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_buy("CG1", day, "A", 3, D("769230.77"), tax=300000)],
                      sales=[_sell("XS1", day, "A", 1, 1200000), _sell("XS2", day, "A", 1, with_tax=300000),
                             _sell("XS3", day, "A", 1, with_tax=4500000)])
    assert not post(book).error_rows
    assert vat(book) == [
        ("销项", D("0.13"), D("5447787.61"), D("708212.39"), D("6156000")),
        ("销项", "合计", D("5447787.61"), D("708212.39"), D("6156000")),
        ("进项", D("0.13"), D("2307692.31"), D("300000"), D("2607692.31")),
        ("进项", "合计", D("2307692.31"), D("300000"), D("2607692.31")),
        ("应纳税额", None, None, D("408212.39"), None)]
    ws = openpyxl.load_workbook(book)["增值税"]
    said = [ws.cell(r, 1).value or "" for r in range(1, 8)]
    assert "期间：2026-11-01 至 2026-11-30　　生成时间：2026-11-30 18:00" in said
    assert any("一般纳税人" in s and "销项税额 − 进项税额" in s for s in said)


def test_input_tax_beyond_the_output_tax_is_carried_as_a_credit(tmp_path):
    """增值税计算题（https://www.doczj.com/doc/6f18527305.html，计算题 10）: 一般纳税人 2023 年 3 月不含税销售额
    100 万元，进项税额 15 万元，税率 13%：100×13% − 15 = −2 万元，“负数表示留抵税额”。So 应纳税额 0 and
    留抵税额 20,000.00 (金额 1,153,846.15 × 13% = 149,999.9995 → 150,000.00)."""
    day = dt.date(2026, 11, 3)
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_buy("CG1", day, "A", 1, D("1153846.15"))],
                      sales=[_sell("XS1", day, "A", 1, 1000000)])
    assert not post(book).error_rows
    assert vat(book)[-3:] == [("进项", "合计", D("1153846.15"), D("150000"), D("1303846.15")),
                              ("应纳税额", None, None, D("0"), None), ("留抵税额", None, None, D("20000"), None)]


def test_a_small_taxpayer_owes_the_tax_in_its_tax_inclusive_sales(tmp_path):
    """重庆工商大学 题库（http://222.198.130.40:8081/view/Subject/showsubject.aspx?id=ec293a68c274484db3fc8da2c6e13892）:
    兴隆商店（小规模纳税人）2008 年 3 月零售收入 12,480 元，征收率 4%：不含税销售额 = 12,480 ÷ (1 + 4%) =
    12,000 元，应纳增值税 = 12,000 × 4% = 480 元. Its purchase's tax is cost, never 进项 (not deductible)."""
    day = dt.date(2026, 11, 3)
    book = taxed_book(tmp_path / "b.xlsx", taxpayer="小规模纳税人", default_rate="4%",
                      purchases=[_buy("CG1", day, "A", 1, 5000, invoice="专票")],
                      sales=[_sell("XS1", day, "A", 1, with_tax=12480)])
    assert not post(book).error_rows
    assert vat(book) == [("销项", D("0.04"), D("12000"), D("480"), D("12480")),
                         ("销项", "合计", D("12000"), D("480"), D("12480")),
                         ("进项", "合计", D("0"), D("0"), D("0")),
                         ("应纳税额", None, None, D("480"), None)]


def test_a_small_taxpayer_owes_its_output_tax_whatever_it_bought(tmp_path):
    """For a 小规模纳税人 应纳税额 is the 销项税额 even where a purchase posted as deductible before
    设置 said 小规模纳税人 (its 进项 shows, and is not taken off)."""
    day = dt.date(2026, 11, 3)
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_buy("CG1", day, "A", 10, 100)])
    assert not post(book).error_rows
    small = taxed_book(tmp_path / "b.xlsx", taxpayer="小规模纳税人", sales=[_sell("XS1", day, "A", 1, 200)])
    assert not post(small).error_rows
    assert vat(small)[-3:] == [("进项", D("0.13"), D("1000"), D("130"), D("1130")),
                               ("进项", "合计", D("1000"), D("130"), D("1130")), ("应纳税额", None, None, D("26"), None)]


def test_returns_and_reversals_net_by_rate_and_the_output_matches_the_revenue(tmp_path, engine):
    day = dt.date(2026, 11, 3)
    book = engine(taxed_book(tmp_path / "b.xlsx", item_rates={"B": "9%"}, purchases=[
        _buy("CG1", day, "A", 10, 1000), _buy("CT1", day, "A", 2, 1000, kind="退货", source="CG1"),
        _buy("CG2", day, "B", 10, 100)], sales=[
        _sell("XS1", day, "A", 5, 2000), _sell("XT1", day, "A", 1, 2000, kind="退货", source="XS1"),
        _sell("XS2", day, "A", 2, 2000), _sell("XS3", day, "B", 4, 200)]))
    assert not post(book).error_rows
    assert reverse_book(PatchBook(book), book, "XS2", date=dt.date(2026, 11, 20), today=TODAY).posted == 1
    assert vat(book) == [
        ("销项", D("0.13"), D("8000"), D("1040"), D("9040")),
        ("销项", D("0.09"), D("800"), D("72"), D("872")),
        ("销项", "合计", D("8800"), D("1112"), D("9912")),
        ("进项", D("0.13"), D("8000"), D("1040"), D("9040")),
        ("进项", D("0.09"), D("1000"), D("90"), D("1090")),
        ("进项", "合计", D("9000"), D("1130"), D("10130")),
        ("应纳税额", None, None, D("0"), None),
        ("留抵税额", None, None, D("18"), None)]
    profit = [[c.value for c in r] for r in openpyxl.load_workbook(book)["毛利"].iter_rows()]
    revenue = next(r[3] for r in profit if r[0] == "合计")
    assert D(repr(revenue)) == D("8800")                     # 毛利's 销售收入 is the 销项's 金额, tax-exclusive


def test_the_period_is_respected_and_a_later_reversal_is_red_in_its_own_month(tmp_path):
    oct_, nov = dt.date(2026, 10, 20), dt.date(2026, 11, 5)
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_buy("CG1", oct_, "A", 10, 500),
                                                      _buy("CG2", dt.date(2026, 11, 21), "A", 1, 500)],
                      sales=[_sell("XS0", oct_, "A", 1, 1000), _sell("XS1", nov, "A", 2, 1000)])
    assert not post(book).error_rows
    assert reverse_book(PatchBook(book), book, "XS0", date=dt.date(2026, 11, 10), today=TODAY).posted == 1
    assert vat(book, dt.date(2026, 10, 1), dt.date(2026, 10, 31)) == [
        ("销项", D("0.13"), D("1000"), D("130"), D("1130")), ("销项", "合计", D("1000"), D("130"), D("1130")),
        ("进项", D("0.13"), D("5000"), D("650"), D("5650")), ("进项", "合计", D("5000"), D("650"), D("5650")),
        ("应纳税额", None, None, D("0"), None), ("留抵税额", None, None, D("520"), None)]
    assert vat(book, dt.date(2026, 11, 1), dt.date(2026, 11, 20)) == [   # 2,000 sold less 1,000 reversed
        ("销项", D("0.13"), D("1000"), D("130"), D("1130")), ("销项", "合计", D("1000"), D("130"), D("1130")),
        ("进项", "合计", D("0"), D("0"), D("0")), ("应纳税额", None, None, D("130"), None)]


def test_only_special_invoices_of_a_general_taxpayer_are_input_tax(tmp_path):
    day = dt.date(2026, 11, 3)
    book = taxed_book(tmp_path / "b.xlsx", purchases=[
        _buy("CG1", day, "A", 10, 100), _buy("CG2", day, "A", 10, 100, invoice="普票"),
        _buy("CG3", day, "B", 1, 100, invoice="无票"), _buy("CG4", day, "A", 1, 100, party="S3", invoice="专票")])
    assert not post(book).error_rows
    assert vat(book) == [("销项", "合计", D("0"), D("0"), D("0")),
                         ("进项", D("0.13"), D("1000"), D("130"), D("1130")),
                         ("进项", D("0.03"), D("100"), D("3"), D("103")),     # a 小规模 supplier's 3% 专票
                         ("进项", "合计", D("1100"), D("133"), D("1233")),
                         ("应纳税额", None, None, D("0"), None), ("留抵税额", None, None, D("133"), None)]


def test_a_book_without_tax_shows_its_sales_at_nought_percent_and_owes_nothing(tmp_path):
    book = scratch_book(tmp_path / "plain.xlsx", [["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价"],
                                                  ["CG1", dt.date(2026, 11, 2), "入库", "S1", "W", "A1", 3, D("10.5")]])
    wb = openpyxl.load_workbook(book)
    wb["往来单位"].append(["C1", "客户一", "客户"])
    ws = wb.create_sheet("销售")
    ws.append(["单号", "日期", "业务类型", "客户", "仓库", "商品编码", "数量", "单价"])
    ws.append(["XS1", dt.date(2026, 11, 4), "出库", "C1", "W", "A1", 2, D("20.25")])
    wb.save(book)
    assert not post(book).error_rows
    assert vat(book) == [("销项", D("0"), D("40.5"), D("0"), D("40.5")), ("销项", "合计", D("40.5"), D("0"), D("40.5")),
                         ("进项", "合计", D("0"), D("0"), D("0")), ("应纳税额", None, None, D("0"), None)]
    assert vat(book, dt.date(2026, 10, 1), dt.date(2026, 10, 31)) == [
        ("销项", "合计", D("0"), D("0"), D("0")), ("进项", "合计", D("0"), D("0"), D("0")),
        ("应纳税额", None, None, D("0"), None)]



def test_the_printed_report_shows_its_period_generation_time_and_rule_whole(tmp_path, open_ledger):
    """Five columns are narrower than the title lines, and a sheet prints up to its last column
    (LibreOffice cuts what runs over it): the columns widen until every title line fits, and the
    page, made through LibreOffice as the user prints it, says them and the figures."""
    from jxc_xl.io.pdf import layout_pdf
    from jxc_xl.reports.layouts import Heading
    from jxc_xl.reports.period import period_reports
    from jxc_xl.sheets.layout import text_width
    day = dt.date(2026, 11, 3)
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_buy("CG1", day, "A", 1, 100)], sales=[_sell("XS1", day, "A", 1, 50)])
    assert not post(book).error_rows
    vat(book)
    ws = openpyxl.load_workbook(book)["增值税"]
    assert ws.print_area.endswith("!$A$1:$E$13")                  # 5 title rows, a blank, the header, 6 rows
    lines = [ws.cell(r, 1).value for r in range(3, 6)]
    assert sum(ws.column_dimensions[c].width for c in "ABCDE") >= max(map(text_width, lines)), lines
    layouts = period_reports(open_ledger(book), Heading("", "2026-11-01 至 2026-11-30", MADE), *NOV, general=True)
    pdf = layout_pdf(next(lay for lay in layouts if lay.spec.zh == "增值税"), tmp_path / "vat.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "生成时间：2026-11-3018:00" in flat and "不足抵扣的为留抵税额" in flat, text
    assert "留抵税额6.50" in flat.split("应纳税额")[-1]          # 13.00 of 进项 less 6.50 of 销项


def test_jxc_sold_and_bought_answer_the_tax_exclusive_amount(tmp_path):
    """The worksheet functions JXC_SOLD/JXC_BOUGHT answer 金额 (as the README says): the 增值税
    report's 金额, not its 价税合计."""
    from jxc_xl import lookup
    day = dt.date(2026, 11, 3)
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_buy("CG1", day, "A", 10, 100)],
                      sales=[_sell("XS1", day, "A", 3, with_tax=113), _sell("XT1", day, "A", 1, with_tax=113,
                                                                            kind="退货", source="XS1")])
    assert not post(book).error_rows
    assert lookup.traded(ledger_at(book), "sales", ["A"], "2026-11-01", "2026-11-30") == [[D(2), D("200.00")]]
    assert lookup.traded(ledger_at(book), "purchases", ["A"], "2026-11-01", "2026-11-30") == [[D(10), D("1000.00")]]
