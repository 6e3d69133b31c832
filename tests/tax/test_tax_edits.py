"""Issue 22: a taxed document's fingerprint stands still — posted again, read back with the figures
过账 wrote into it, or with those cells cleared — and moves when a clerk edits what it was posted
with (税率, 含税单价), which the row's 状态 names; 红字冲销 and back-dating of taxed documents; an
untaxed workbook posting and re-posting as it always did."""
from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import openpyxl
from click.testing import CliRunner

from jxc_xl.cli import main
from tests.tax.conftest import cells, taxed_book
from tests.tax.test_tax_books import _balances, _row, _stock_value
from tests.wb import ledger_at, post, scratch_book

D = Decimal
DAY = dt.date(2026, 11, 2)
WRITTEN = ("金额", "税额", "价税合计", "税率")        # what 过账 writes into a taxed row's empty cells


def _book(tmp_path):
    """A 专票 purchase by 单价 (rate from 设置), a 普票 one by 含税单价 at the item's 9%, a sale."""
    return taxed_book(tmp_path / "b.xlsx", item_rates={"B": "9%"}, purchases=[
        _row("CG1", "入库", "S1", "A", 10, 1000), _row("CG2", "入库", "S1", "B", 7, with_tax=D("9.99"), invoice="普票")],
        sales=[_row("XS1", "出库", "C1", "A", 4, D("1999.99"), sales=True)])


def _set(book, sheet: str, row: int, values: dict) -> None:
    """Type ``values`` (header → value) into data row ``row`` (1 = the first under the header)."""
    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    head = {c.value: c.column for c in ws[1]}
    for name, value in values.items():
        ws.cell(row + 1, head[name]).value = value
    wb.save(book)


def _forget_digests(book) -> None:
    """Make the next post read every row and fingerprint it again (the cache of rows unchanged since
    the last post is only a shortcut)."""
    with sqlite3.connect(ledger_at(book)) as conn:
        conn.execute("UPDATE documents SET raw_hash = NULL")


def _statuses(book):
    return [r["状态"] for sheet in ("采购", "销售") for r in cells(book, sheet)]


def _batches(book) -> int:
    with sqlite3.connect(ledger_at(book)) as conn:
        return conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0]


def test_a_taxed_workbook_posted_twice_posts_nothing_new(tmp_path):
    book = _book(tmp_path)
    assert post(book).posted == 3
    statuses = _statuses(book)
    assert all(s.startswith("已过账") for s in statuses)
    again = post(book)
    assert again.posted == 0 and not again.error_rows and _statuses(book) == statuses and _batches(book) == 1


def test_the_written_figures_read_back_or_cleared_again_change_nothing(tmp_path):
    book = _book(tmp_path)
    assert post(book).posted == 3
    statuses = _statuses(book)
    assert all(cells(book, "采购")[0][name] is not None for name in WRITTEN)
    _forget_digests(book)
    report = post(book)
    assert report.posted == 0 and not report.error_rows and _statuses(book) == statuses
    for sheet, rows in (("采购", 2), ("销售", 1)):
        for row in range(1, rows + 1):
            _set(book, sheet, row, {name: None for name in WRITTEN})
    _forget_digests(book)
    report = post(book)
    assert report.posted == 0 and not report.error_rows and _statuses(book) == statuses
    assert _batches(book) == 1


def test_editing_a_posted_rows_rate_says_the_row_was_edited_naming_the_cell(tmp_path):
    book = _book(tmp_path)
    assert post(book).posted == 3
    _set(book, "采购", 1, {"税率": "9%"})
    report = post(book)
    assert report.posted == 0
    [(sheet, row, status)] = report.error_rows
    assert (sheet, row) == ("采购", 2) and "已过账" in status and "税率 0.13 → 0.09" in status, status
    assert "（空）" not in status                        # what was typed, not blanks


def test_editing_a_posted_rows_price_with_tax_says_the_row_was_edited_naming_the_cell(tmp_path):
    book = _book(tmp_path)
    assert post(book).posted == 3
    assert cells(book, "采购")[1]["单价"] is not None         # 过账 wrote the 单价 beside the typed 含税单价
    _set(book, "采购", 2, {"含税单价": D("10.99")})
    report = post(book)
    assert report.posted == 0
    [(sheet, row, status)] = report.error_rows
    assert (sheet, row) == ("采购", 3) and "含税单价 9.99 → 10.99" in status, status


def test_a_price_with_tax_that_disagrees_with_the_typed_price_is_a_row_error(tmp_path):
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_row("CG1", "入库", "S1", "A", 3, 100, with_tax=D("120"))])
    report = post(book)
    [(_, _, status)] = report.error_rows
    assert "含税单价 120 与按数量、单价和税率算得的 113 相差" in status, status


def test_a_reversal_of_a_taxed_document_reverses_its_tax_and_total(tmp_path, open_ledger):
    book = _book(tmp_path)
    assert post(book).posted == 3
    run = CliRunner().invoke(main, ["reverse", str(book), "CG2"])
    assert run.exit_code == 0, run.output
    ledger = open_ledger(book)
    assert _balances(ledger)[("S1", "AP")] == 1130000                # CG1's 11,300.00 alone; CG2's 69.93 gone
    assert _stock_value(ledger, "B") == 0
    assert ledger.conn.execute("SELECT SUM(l.tax), SUM(l.total_with_tax), SUM(l.amount) FROM lines l JOIN documents d "
                               "ON d.id = l.doc WHERE d.doc_no = 'CG2'").fetchone()[:] == (0, 0, 0)
    assert ledger.verify() == []


def test_a_back_dated_taxed_purchase_recosts_the_later_sales(tmp_path, open_ledger):
    early, late = dt.date(2026, 11, 1), dt.date(2026, 11, 5)
    first = [early, *_row("CG1", "入库", "S1", "A", 10, 1000)[2:]]
    sale = ["XS1", late, *_row("XS1", "出库", "C1", "A", 5, 2000, sales=True)[2:]]
    book = taxed_book(tmp_path / "b.xlsx", purchases=[["CG1", *first]], sales=[sale])
    assert post(book).posted == 2
    ledger = open_ledger(book)
    cost = "SELECT value FROM movements m JOIN documents d ON d.id = m.doc WHERE d.doc_no = 'XS1'"
    assert ledger.conn.execute(cost).fetchone()[0] == -500000
    ledger.close()
    # a 普票 bought on the 3rd by 含税单价: 10 × 1,130.00, the tax is cost — (10,000 + 11,300) ÷ 20 = 1,065.00
    _set(book, "采购", 2, dict(zip(("单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "含税单价", "发票类型"),
                                  ("CG2", dt.date(2026, 11, 3), "入库", "S1", "W", "A", 10, 1130, "普票"))))
    assert post(book).posted == 1
    ledger = open_ledger(book)
    assert ledger.conn.execute(cost).fetchone()[0] == -532500
    assert ledger.verify() == []


def test_an_untaxed_workbook_typed_before_tax_posts_and_reposts_exactly_as_before(tmp_path, open_ledger):
    head = ["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价", "金额", "状态"]
    book = scratch_book(tmp_path / "plain.xlsx", [head, ["CG1", DAY, "入库", "S1", "W", "A1", 3, D("10.5"), None, None],
                                                  ["CG2", DAY, "入库", "S1", "W", "A1", 2, 4, D("8.00"), None]])
    assert post(book).posted == 2
    first = cells(book, "采购")
    assert list(first[0]) == head and [r["金额"] for r in first] == [D("31.5"), 8]
    _forget_digests(book)
    again = post(book)
    assert again.posted == 0 and not again.error_rows and cells(book, "采购") == first
    ledger = open_ledger(book)
    assert [tuple(r) for r in ledger.conn.execute("SELECT amount, tax, total_with_tax, tax_rate, price_with_tax FROM lines")] \
        == [(3150, 0, 3150, 0, None), (800, 0, 800, 0, None)]
