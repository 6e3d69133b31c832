"""Issue 22: ``verify()`` holds every tax figure to its lines — tampered with in a real ledger file,
``jxc verify`` names the 单号 and what differs; a clean taxed book verifies clean."""
from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from click.testing import CliRunner

from jxc_xl.cli import main
from tests.tax.conftest import taxed_book
from tests.tax.test_tax_books import _row
from tests.wb import ledger_at, post

D = Decimal


@pytest.fixture
def book(tmp_path):
    """A 专票 purchase (stocked at 金额), a 普票 one priced with tax (at 价税合计), a sale, a return of
    part of the sale and a 红字冲销 of the 普票 purchase: every kind of line the checks read."""
    book = taxed_book(tmp_path / "b.xlsx", purchases=[
        _row("CG1", "入库", "S1", "A", 10, 1000), _row("CG2", "入库", "S1", "A", 3, with_tax=D("113"), invoice="普票"),
        _row("CG3", "入库", "S1", "B", 5, 20, rate="9%")],
        sales=[_row("XS1", "出库", "C1", "A", 2, 2000, sales=True),
               _row("XT1", "退货", "C1", "A", 1, 2000, source="XS1", sales=True)])
    assert not post(book).error_rows
    assert CliRunner().invoke(main, ["reverse", str(book), "CG3"]).exit_code == 0
    return book


def _verify(book):
    done = CliRunner().invoke(main, ["verify", str(book)])
    assert "Traceback" not in done.output
    return done.exit_code, done.output


def _tamper(book, sql: str) -> None:
    conn = sqlite3.connect(ledger_at(book))
    with conn:
        assert conn.execute(sql).rowcount == 1
    conn.close()


def test_a_clean_taxed_book_verifies_clean(book):
    assert _verify(book) == (0, "核对无误 / verified\n")


@pytest.mark.parametrize("sql, expected", [
    ("UPDATE lines SET tax = tax + 1 WHERE line_no = 1 AND doc = (SELECT id FROM documents WHERE doc_no = 'XS1')",
     "XS1 第 1 行：价税合计 4520.00 ≠ 金额 4000.00 + 税额 520.01"),
    # the 红字冲销 of CG3 lowers 应付 by its lines' 价税合计, 109.00
    ("UPDATE party_entries SET amount = amount - 1 WHERE doc = (SELECT id FROM documents WHERE doc_no = 'CG3' "
     "AND reversal = 1)", "CG3（红字冲销）：应付 -109.01 ≠ 各行价税合计 -109.00")])
def test_a_tax_figure_changed_in_the_file_is_named_with_its_doc_no(book, sql, expected):
    _tamper(book, sql)
    code, out = _verify(book)
    assert code == 1 and expected in out, out


def test_a_line_total_changed_with_its_entry_still_breaks_the_line(book):
    _tamper(book, "UPDATE lines SET total_with_tax = total_with_tax + 100 WHERE doc = (SELECT id FROM documents WHERE doc_no = 'XT1')")
    code, out = _verify(book)
    assert "XT1 第 1 行：价税合计 2261.00 ≠ 金额 2000.00 + 税额 260.00" in out
    assert "XT1：应收 -2260.00 ≠ 各行价税合计 -2261.00" in out


@pytest.mark.parametrize("doc_no, sql, expected", [
    ("CG1", "UPDATE documents SET deductible = 0 WHERE doc_no = 'CG1'",
     "CG1 第 1 行：入库成本 10000.00 ≠ 价税合计 11300.00（进项税额不可抵扣）"),
    ("CG2", "UPDATE documents SET deductible = 1 WHERE doc_no = 'CG2'",
     "CG2 第 1 行：入库成本 339.00 ≠ 金额 300.00（进项税额可抵扣）"),
    ("CG1", "UPDATE movements SET fixed_value = fixed_value + 1300 * 100 WHERE doc = (SELECT id FROM documents "
            "WHERE doc_no = 'CG1')", "CG1 第 1 行：入库成本 11300.00 ≠ 金额 10000.00（进项税额可抵扣）")])
def test_a_receipt_stocked_at_the_wrong_one_of_amount_and_total_is_named(book, doc_no, sql, expected):
    _tamper(book, sql)
    code, out = _verify(book)
    assert code == 1 and expected in out, out
