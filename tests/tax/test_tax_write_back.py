"""What 过账 writes back into a taxed row comes from the posting itself, not from asking the ledger
again: the figures a document posts with are in its outcome, exactly as the ledger holds them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl

from jxc_xl.domain.model import Document, Line
from jxc_xl.ledger import documents
from tests.tax.conftest import cells, taxed_book
from tests.wb import post

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
