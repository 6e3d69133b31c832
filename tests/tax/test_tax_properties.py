"""Issue 22: any random taxed line balances in the ledger (价税合计 = 金额 + 税额, 应收/应付 its lines'
价税合计, stock at 金额 or 价税合计 as the invoice allows — all of which verify() holds), and posting
the same documents again changes nothing (hypothesis, real SQLite files)."""
import datetime as dt
from dataclasses import replace
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jxc_xl import Document, Ledger, Line
from tests.conftest import standard_masters
from tests.ledger.test_properties import snapshot

START = dt.date(2026, 1, 1)
RATES = [None, Decimal("0"), Decimal("0.01"), Decimal("0.03"), Decimal("0.06"), Decimal("0.09"), Decimal("0.13")]
KINDS = ["purchase_receipt", "purchase_receipt", "sales_shipment", "purchase_return", "sales_return"]
INVOICES = ["special", "ordinary", "none", ""]

line = st.tuples(st.sampled_from("AB"), st.integers(1, 4000), st.integers(1, 99_999_99), st.sampled_from(RATES),
                 st.booleans())
op = st.tuples(st.sampled_from(KINDS), st.integers(0, 60), st.lists(line, min_size=1, max_size=3),
               st.sampled_from(INVOICES), st.integers(0, 50))


def build(ops) -> list[Document]:
    """Documents of 1–3 lines, each by 单价 or by 含税单价 (cents up to 999,999.99, quantities in
    quarters), at a random rate or none; a return names an earlier document now and then."""
    stock = Document(type="purchase_receipt", doc_no="D", date=START, party="S1", warehouse="W1",
                     lines=(Line(item="A", qty=Decimal(1), price=Decimal(1)), Line(item="B", qty=Decimal(1), price=Decimal(1))))
    docs, sources = [stock], {"purchase_return": [], "sales_return": []}
    for n, (kind, day, lines, invoice, pick) in enumerate(ops):
        typed = tuple(Line(item=item, qty=Decimal(qty) / 4, tax_rate=rate,
                           **{"price_with_tax" if with_tax else "price": Decimal(cents) / 100})
                      for item, qty, cents, rate, with_tax in lines)
        party = "S1" if kind.startswith("purchase") else "C1"
        head = dict(doc_no=f"D{n:04d}", date=START + dt.timedelta(days=day), party=party, warehouse="W1")
        pool = sources.get(kind)
        if pool and pick % 2:
            source = pool[pick % len(pool)]
            first = source.lines[0]
            head.update(date=max(head["date"], source.date), source_doc_no=source.doc_no)
            typed = (Line(item=first.item, qty=first.qty / 2, price=first.price, price_with_tax=first.price_with_tax),)
        doc = Document(type=kind, lines=typed, invoice_type=invoice if kind == "purchase_receipt" else "", **head)
        if kind in ("purchase_receipt", "sales_shipment"):
            sources["purchase_return" if kind == "purchase_receipt" else "sales_return"].append(doc)
        docs.append(doc)
    return docs


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, min_size=1, max_size=15), st.booleans())
def test_every_taxed_line_balances_and_a_second_post_changes_nothing(ops, general):
    with tempfile.TemporaryDirectory() as folder, \
            Ledger.open(Path(folder) / "t.jxc.db", allow_negative=True) as ledger:
        standard_masters(ledger)
        masters = replace(ledger.masters(), general_taxpayer=general)
        documents = build(ops)
        first = ledger.post(documents, masters=masters)
        assert ledger.verify() == []
        assert ledger.conn.execute("SELECT COUNT(*) FROM lines WHERE amount IS NOT NULL AND "
                                   "total_with_tax != amount + tax").fetchone()[0] == 0
        before = snapshot(ledger)
        again = ledger.post(documents, masters=masters)
        assert again.posted == [] and again.batch is None and sorted(again.already) == sorted(first.posted)
        assert snapshot(ledger) == before
