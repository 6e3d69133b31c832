"""What 过账 writes back into a taxed row comes from the posting itself, not from asking the ledger
again: the figures a document posts with are in its outcome, exactly as the ledger holds them —
in its integer units, written into the cells and the digest as exact text, with the very cells
and digests the Decimal write-back gave."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jxc_xl.app.inputs import read_input, read_sheets
from jxc_xl.app.usecases import post_book
from jxc_xl.domain.model import Document, Line
from jxc_xl.domain.tax import UNITS, figures_in_units, units_text
from jxc_xl.io.patch import PatchBook
from jxc_xl.io.sheetdata import cell_xml, same
from jxc_xl.ledger import Ledger
from jxc_xl.ledger.engine import documents
from jxc_xl.sheets.format import Exact
from jxc_xl.sheets.parse import ReadBack, digest_as_written
from tests.tax.conftest import cells, taxed_book
from tests.wb import TODAY, ledger_at, post

D = Decimal
DAY = dt.date(2026, 11, 2)


def _purchase(no, sku, qty, price=None, rate=None, with_tax=None):
    return [no, DAY, "入库", "S1", "W", sku, qty, price, None, rate, with_tax, None, None, None, None, None]


def test_a_posted_outcome_carries_its_taxed_lines_figures_as_the_ledger_holds_them(tmp_path, open_ledger):
    book = taxed_book(tmp_path / "b.xlsx")
    assert not post(book).error_rows                      # the masters and 设置 into the ledger
    ledger = open_ledger(book)
    lines = (Line(item="A", qty=D(3), price_with_tax=D("113"), tax_rate=D("0.13")),
             Line(item="B", qty=D(2), price=D("5")),
             Line(item="A", qty=D(7), price=D("8.845"), tax_rate=D("0.09")))
    untaxed = (Line(item="B", qty=D(1), price=D("4")),)
    result = ledger.post([Document(type="purchase_receipt", doc_no="CG1", date=DAY, party="S1", warehouse="W",
                                   lines=lines),
                          Document(type="purchase_receipt", doc_no="CG2", date=DAY, party="S1", warehouse="W",
                                   lines=untaxed)], masters=None)
    assert result.ok, result.problems
    held = ledger.taxed_lines({("purchases", "CG1"), ("purchases", "CG2")})
    by_no = {o.doc_no: o.figures for o in result.outcomes}
    assert set(held) == {("purchases", "CG1")} and by_no["CG2"] == {}
    assert by_no["CG1"] == held[("purchases", "CG1")]
    assert set(by_no["CG1"]) == {1, 3}                    # line 2 has no tax: nothing to write back
    # in the ledger's units: 税率, 单价, 含税单价 in millionths, 金额, 税额, 价税合计 in cents
    assert by_no["CG1"][1] == (130000, 100000000, 113000000, 30000, 3900, 33900)


def test_a_taxed_post_asks_the_ledger_only_for_the_documents_it_did_not_post(tmp_path, monkeypatch):
    asked: list[set] = []
    real = documents.taxed_lines
    monkeypatch.setattr(documents, "taxed_lines", lambda conn, keys: asked.append(set(keys)) or real(conn, keys))
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_purchase("CG1", "A", 3, with_tax=D("113")),
                                                      _purchase("CG2", "A", 7, D("8.845"), rate="9%")])
    assert not post(book).error_rows
    assert asked == []                                    # both posted in this run: nothing to ask
    first, second = cells(book, "采购")
    assert (first["单价"], first["金额"], first["税额"], first["价税合计"]) == (100, 300, 39, 339)
    assert (second["含税单价"], second["金额"], second["税额"], second["价税合计"]) == \
        (D("9.641429"), D("61.92"), D("5.57"), D("67.49"))

    # CG1's 单价 retyped as text and its 含税单价 cleared: read again, unchanged (already posted), so
    # the ledger is asked for it alone, and its 含税单价 is written back from what it holds
    wb = openpyxl.load_workbook(book)
    wb["采购"]["H2"] = "100"
    wb["采购"]["K2"] = None
    wb.save(book)
    assert not post(book).error_rows
    assert asked == [{("purchases", "CG1")}]
    assert cells(book, "采购")[0]["含税单价"] == 113


def _sale(no, sku, qty, price=None, rate=None, with_tax=None):
    return [no, DAY + dt.timedelta(days=1), "出库", "C1", "W", sku, qty, price, None, rate, with_tax, None, None, None,
            None]


# Both price bases, rates typed (0/3/6/9/13 %) and found (设置's 13 %, S3's 3 %), a 0 % line by 含税单价.
MIXED_PURCHASES = [
    _purchase("CG1", "A", 3, with_tax=D("113")), _purchase("CG1", "A", 7, D("8.845"), rate="9%"),
    _purchase("CG1", "B", 2, D("5"), rate="0%"), _purchase("CG2", "A", 4, with_tax=D("10.6"), rate="6%"),
    _purchase("CG2", "B", D("1.5"), with_tax=D("7.77"), rate="0%"),
    ["CG3", DAY, "入库", "S3", "W", "A", 10, D("12.3"), None, None, None, None, None, None, None, None],
    ["CG3", DAY, "入库", "S3", "W", "B", 6, None, None, None, D("0.07"), None, None, None, None, None]]
MIXED_SALES = [_sale("XS1", "A", 2, D("150"), rate="13%"), _sale("XS1", "A", 1, with_tax=D("169.5")),
               _sale("XS1", "B", 3, D("33.333"), rate="3%")]

# What the Decimal write-back (main at f5a9ca1, and this branch's base 9fd4c87) left in the mixed book:
# the digests its ledger holds, and each row's 单价, 金额, 税率, 含税单价, 税额, 价税合计 as openpyxl reads
# them back (figures exact, with their number formats).
MAIN_DIGESTS = {("purchases", "CG1"): "601d865a2629c7f56c26317c0057c747",
                ("purchases", "CG2"): "7b5865d13c892c618589ef7c392d66ef",
                ("purchases", "CG3"): "309b8cc713ef0672ce41139a383a85ab",
                ("sales", "XS1"): "70c62e171dfaf3261c0854db9cd58743"}
_U, _M, _R, _G = "#,##0.0000", "#,##0.00", "[<0.02]0.0%;0%", "General"
MAIN_CELLS = {
    "采购": [(("100.0", _U), ("300.0", _M), ("0.13", _R), ("113", _G), ("39.0", _M), ("339.0", _M)),
             (("8.845", _G), ("61.92", _M), ("9%", _G), ("9.641429", _U), ("5.57", _M), ("67.49", _M)),
             (("5", _G), ("10.0", _M), ("0%", _G), ("None", _G), ("None", _G), ("None", _G)),
             (("10.0", _U), ("40.0", _M), ("6%", _G), ("10.6", _G), ("2.4", _M), ("42.4", _M)),
             (("None", _G), ("None", _G), ("0%", _G), ("7.77", _G), ("None", _G), ("None", _G)),
             (("12.3", _G), ("123.0", _M), ("0.03", _R), ("12.669", _U), ("3.69", _M), ("126.69", _M)),
             (("0.068333", _U), ("0.41", _M), ("0.03", _R), ("0.07", _G), ("0.01", _M), ("0.42", _M))],
    "销售": [(("150", _G), ("300.0", _M), ("13%", _G), ("169.5", _U), ("39.0", _M), ("339.0", _M)),
             (("150.0", _U), ("150.0", _M), ("0.13", _R), ("169.5", _G), ("19.5", _M), ("169.5", _M)),
             (("33.333", _G), ("100.0", _M), ("3%", _G), ("34.333333", _U), ("3.0", _M), ("103.0", _M))]}


def _written(book, sheet: str) -> list[tuple]:
    """Each row's tax columns as openpyxl reads them back: (exact figure or text, number format)."""
    ws = openpyxl.load_workbook(book)[sheet]
    head = [c.value for c in ws[1]]
    exact = lambda v: str(Decimal(repr(v)) if isinstance(v, float) else v)      # noqa: E731
    return [tuple((exact(ws.cell(r, head.index(col) + 1).value), ws.cell(r, head.index(col) + 1).number_format)
                  for col in ("单价", "金额", "税率", "含税单价", "税额", "价税合计")) for r in range(2, ws.max_row + 1)]


def _read_again(book) -> list:
    """The book's documents as the next post reads them, with the digests its ledger remembers."""
    pb = PatchBook(book)
    with Ledger.open(ledger_at(book)) as ledger:
        return read_input(pb, read_sheets(pb), None, ledger.digests()).docs


def test_a_taxed_book_posted_by_the_decimal_write_back_posts_nothing_anew(tmp_path):
    """The same cells and the same digests as the code before wrote: a book it posted, posted
    again now, is recognised document by document, so nothing is read, posted or written anew."""
    book = taxed_book(tmp_path / "b.xlsx", purchases=MIXED_PURCHASES, sales=MIXED_SALES)
    assert not post_book(PatchBook(book), book, today=TODAY).error_rows
    with Ledger.open(ledger_at(book)) as ledger:
        assert ledger.digests() == MAIN_DIGESTS
    assert {sheet: _written(book, sheet) for sheet in MAIN_CELLS} == MAIN_CELLS
    assert all(p.unchanged for p in _read_again(book) if p.journal)
    again = post_book(PatchBook(book), book, today=TODAY)
    assert (again.posted, again.error_rows) == (0, [])
    assert {sheet: _written(book, sheet) for sheet in MAIN_CELLS} == MAIN_CELLS


_RATES = st.sampled_from([0, 30000, 60000, 90000, 130000])          # 0/3/6/9/13 % in millionths


@settings(max_examples=400, deadline=None)
@given(qty=st.integers(1, 10**7), basis=st.integers(1, 10**9), rate=_RATES, by_total=st.booleans(),
       negative=st.booleans())
def test_a_written_figure_is_the_cell_and_the_float_the_decimal_write_back_gave(qty, basis, rate, by_total, negative):
    """Each figure of a taxed line as the ledger holds it, written as its exact text, makes the
    very cell XML the Decimal it was read back as (documents.posted_figures) made, reads back as
    the same float (what the digest holds), and counts as already there beside that float."""
    qty = -qty if negative else qty                     # a return's lines
    found = figures_in_units(qty, basis, rate, by_total, Decimal(basis).scaleb(-6), Decimal(rate).scaleb(-6))
    row = dict(zip(("tax_rate", "price", "price_with_tax", "amount", "tax", "total_with_tax"), found.units))
    units, reference = documents.posted_units(row), documents.posted_figures(row)
    if reference is None:
        assert units is None
        return
    for i, name in enumerate(UNITS):
        old, new = getattr(reference, name), Exact(units_text(units, i))
        for style in (None, 3):
            assert cell_xml("K7", new, style) == cell_xml("K7", old, style)
        assert float(new) == float(old) and same(float(old), new) and same(float(new), old)


@st.composite
def _taxed_rows(draw):
    """Up to 12 sales lines over 1–4 documents: 单价 or 含税单价, a rate typed or found."""
    rows = []
    for n in range(draw(st.integers(1, 12))):
        qty = draw(st.sampled_from([1, 2, 3, 7, D("1.5"), D("0.25"), 12, 100]))
        price = D(draw(st.integers(1, 10**6))).scaleb(-draw(st.integers(0, 3)))
        rate = draw(st.sampled_from([None, "0%", "3%", "6%", "9%", "13%"]))
        by_total = draw(st.booleans())
        rows.append(_sale(f"XS{draw(st.integers(1, 4))}", draw(st.sampled_from("AB")), qty,
                          None if by_total else price, rate, price if by_total else None))
    return rows


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_taxed_rows())
def test_random_taxed_rows_read_back_as_the_ledger_holds_them_and_as_their_digest_says(tmp_path_factory, rows):
    """Random taxed rows (both price bases, 0/3/6/9/13 %) posted through the XML writer: each
    written figure reads back as the figure the ledger holds, each document's rows read back as
    the digest remembered for them (nothing read again), and its digest is the one the Decimal
    figures written the old way give."""
    book = taxed_book(tmp_path_factory.mktemp("r") / "b.xlsx", sales=rows,
                      purchases=[_purchase("CG1", sku, 10**6, D("1")) for sku in "AB"])
    report = post_book(PatchBook(book), book, today=TODAY)
    assert not report.error_rows, report.error_rows
    written = cells(book, "销售")
    with Ledger.open(ledger_at(book)) as ledger:
        held = ledger.taxed_lines({("sales", doc_no) for doc_no in {r[0] for r in rows}})
        remembered = ledger.digests()
    for (journal, doc_no), lines in held.items():
        at = [i for i, r in enumerate(rows) if r[0] == doc_no]
        for n, units in lines.items():
            figures = documents.posted_figures(dict(zip(("tax_rate", "price", "price_with_tax", "amount", "tax",
                                                            "total_with_tax"), units)))
            cell = written[at[n - 1]]
            assert (cell["金额"], cell["税额"], cell["价税合计"]) == (figures.amount, figures.tax, figures.total_with_tax)
            assert cell["单价"] == figures.price and cell["含税单价"] == figures.price_with_tax
    again = _read_again(book)
    assert [p.doc_no for p in again if p.journal == "sales" and not p.unchanged] == []

    # the digest worked out from the units equals the one the Decimals written before give
    original = taxed_book(tmp_path_factory.mktemp("o") / "b.xlsx", sales=rows)
    typed = read_sheets(PatchBook(original)).tables["销售"]
    plan, by_row = ReadBack.of(typed), dict(typed.rows)
    for doc_no in {r[0] for r in rows}:
        lines = held.get(("sales", doc_no), {})
        doc_rows = [(row, by_row[row]) for row, values in typed.rows if values[0] == doc_no]
        fast, old = {}, {}
        for n, (row, values) in enumerate(doc_rows, start=1):
            found = plan.as_read(values, lines.get(n))
            fast[row] = {typed.columns[c]: v for c, v in found.items()}
            old[row] = {typed.columns[c]: Decimal(v) if type(v) is Exact else v for c, v in found.items()}
        assert digest_as_written(typed, doc_rows, fast) == digest_as_written(typed, doc_rows, old) \
            == remembered[("sales", doc_no)]


def test_a_taxed_posts_figures_are_given_to_the_book_one_call_a_column(tmp_path, monkeypatch):
    """The figures a taxed post writes back go to the book one call a column (Book.write_cells), not
    one call and block per run of rows (runs break wherever a line was priced the other way: 37,728
    calls on bench's 100,000 taxed lines); the cells written are the ones the runs gave."""
    rows = [_sale(f"XS{n // 3}", "AB"[n % 2], 2, None if n % 4 == 1 else D("10"), "13%", D("11.3") if n % 4 == 1 else None)
            for n in range(12)]
    book = taxed_book(tmp_path / "b.xlsx", sales=rows, purchases=[_purchase("CG1", sku, 100, D("1")) for sku in "AB"])
    calls = {"write_cells": [], "write_column": []}
    for name in calls:
        real = getattr(PatchBook, name)
        monkeypatch.setattr(PatchBook, name, lambda self, sheet, col, *args, real=real, name=name:
                            calls[name].append((sheet, col)) or real(self, sheet, col, *args))
    report = post_book(PatchBook(book), book, today=TODAY)
    assert not report.error_rows, report.error_rows
    figures = [c for c in calls["write_cells"] if c[0] == "销售"]
    assert len(figures) == len(set(figures)) == 5          # 单价, 含税单价, 金额, 税额, 价税合计: once each
    assert not {c for c in calls["write_column"] if c[0] == "销售"} & set(figures)
    written = cells(book, "销售")
    assert [(w["单价"], w["含税单价"]) for w in written[1:3]] == [(D("10"), D("11.3")), (D("10"), D("11.3"))]
