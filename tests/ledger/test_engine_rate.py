"""Issue 24 (the engine's rate): the integer shortcuts a post of many lines takes, each held to the
general route it replaces on random books — the same rows stored, the same outcomes and messages."""
from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jxc_xl import Document, Ledger, Line
from jxc_xl.domain.model import Source
from jxc_xl.ledger.engine import posting

from ..conftest import standard_masters
from ..domain.test_fast_path import reference_fingerprint

DAY = dt.date(2026, 3, 2)
TRADED = ["purchase_receipt", "purchase_return", "sales_shipment", "sales_return"]
PARTY = {"purchase_receipt": "S1", "purchase_return": "S1", "sales_shipment": "C1", "sales_return": "C1"}

figure = st.builds(lambda whole, part, places: Decimal(whole) + Decimal(part).scaleb(-places),
                   st.integers(0, 900), st.integers(0, 9999), st.sampled_from([0, 1, 2, 4]))
line = st.fixed_dictionaries({
    "item": st.sampled_from(["A", "B", "a", "苹果"]), "qty": figure, "price": figure,
    "tax": st.one_of(st.none(), st.tuples(st.sampled_from(["0.13", "0.09", "0", "0.03"]), st.booleans())),
    "amount": st.booleans(),         # 金额 typed as 数量 × 单价 (the Decimal way: a document takes the loop)
    "unit_cost": st.one_of(st.none(), figure), "note": st.sampled_from(["", "赠品"])})
document = st.tuples(st.sampled_from(TRADED), st.integers(0, 20), st.sampled_from(["W1", "W2"]),
                     st.sampled_from(["", "special", "ordinary"]), st.lists(line, min_size=1, max_size=4))


def _line(n: int, typed: dict) -> Line:
    values = {"item": typed["item"], "qty": typed["qty"] + 1, "price": typed["price"], "note": typed["note"],
              "unit_cost": typed["unit_cost"], "source": Source(sheet="采购", row=n)}
    if typed["tax"] is not None:
        rate, by_total = typed["tax"]
        values["tax_rate"] = Decimal(rate)
        if by_total:
            values.update(price=None, price_with_tax=typed["price"])
    elif typed["amount"]:
        values["amount"] = (values["qty"] * typed["price"]).quantize(Decimal("0.01"))
    return Line(**values)


def _documents(drawn) -> list[Document]:
    return [Document(type=kind, doc_no=f"D{n}", date=DAY + dt.timedelta(days=day), party=PARTY[kind],
                     warehouse=warehouse, invoice_type=invoice if kind.startswith("purchase") else "",
                     lines=tuple(_line(10 * n + i, typed) for i, typed in enumerate(lines)))
            for n, (kind, day, warehouse, invoice, lines) in enumerate(drawn)]


def _rows(ledger: Ledger) -> dict:
    """Every row a post writes, but the time it was posted."""
    return {table: [{k: r[k] for k in r.keys() if k != "posted_at"}
                    for r in ledger.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
            for table in ("documents", "lines", "movements", "party_entries", "stock_keys")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(document, min_size=1, max_size=12), st.booleans(), st.booleans())
def test_traded_lines_queued_as_tuples_are_the_rows_the_general_loop_writes(drawn, general, negative):
    """Purchases, sales and returns of untaxed and taxed lines (by 单价 and by 含税单价, a 专票's tax
    deductible or not), a typed 金额 now and then, by one ledger through Writer._traded_lines and by
    another through the loop of dicts: every row alike, the same outcomes and messages."""
    documents = _documents(drawn)
    found, taken = {}, []
    shortcut = posting.Writer._traded_lines
    with tempfile.TemporaryDirectory() as folder:
        for fast in (True, False):
            def traded(self, *args, fast=fast):
                taken.append((fast, args[0].doc_no))
                return shortcut(self, *args)
            posting.Writer._traded_lines = traded
            if not fast:
                posting.Writer._traded = lambda self, doc: False
            try:
                with Ledger.open(Path(folder) / f"{fast}.jxc.db", allow_negative=negative) as ledger:
                    standard_masters(ledger)
                    masters = dataclasses.replace(ledger.masters(), general_taxpayer=general)
                    result = ledger.post(documents, masters=masters)
                    found[fast] = ([(o.doc_no, o.status, [str(p) for p in o.problems], o.figures)
                                    for o in result.outcomes], _rows(ledger))
            finally:
                posting.Writer._traded_lines, posting.Writer._traded = shortcut, _TRADED
    assert found[True] == found[False]
    assert all(fast for fast, _ in taken)


_TRADED = posting.Writer._traded


def test_untaxed_and_taxed_purchases_and_sales_take_the_shortcut(tmp_path, monkeypatch):
    """What the comparison above holds to the loop is what a busy shop posts: lines priced by 单价
    or 含税单价, with or without a 税率, go by Writer._traded_lines."""
    taken = []
    shortcut = posting.Writer._traded_lines
    monkeypatch.setattr(posting.Writer, "_traded_lines", lambda self, doc, *args: taken.append(doc.doc_no) or
                        shortcut(self, doc, *args))
    lines = [{"item": "A", "qty": Decimal(5), "price": Decimal("3.5"), "tax": tax, "amount": False,
              "unit_cost": None, "note": ""} for tax in (None, ("0.13", False), ("0.09", True))]
    documents = _documents([("purchase_receipt", 0, "W1", "special", lines), ("sales_shipment", 1, "W1", "", lines)])
    with Ledger.open(tmp_path / "l.jxc.db") as ledger:
        standard_masters(ledger)
        assert ledger.post(documents).posted == ["D0", "D1"]
    assert taken == ["D0", "D1"]


def test_a_plain_lines_amount_is_judged_in_integers_at_the_limit_and_odd_figures_take_the_full_way():
    """validate._plain asks whether 数量 × 单价 rounds below the 金额 limit in scaled integers: a
    product half a cent under it passes, one that rounds onto it goes the full way and is told so
    as before; a NaN (signalling or not: no key of a table) is never a good figure."""
    from jxc_xl.domain import validate as checks
    from jxc_xl.domain.model import Item, Party, Warehouse
    masters = checks.Masters({"A": Item(sku="A", name="苹果")}, {"S1": Party(code="S1", name="供应商", kind="supplier")},
                             {"W1": Warehouse(code="W1", name="总仓")})

    def checked(qty: str, price: str):
        doc = Document(type="purchase_receipt", doc_no="CG1", date=DAY, party="S1", warehouse="W1",
                       lines=(Line(item="A", qty=Decimal(qty), price=Decimal(price)),))
        fast = checks.validate(doc, masters, None)
        plain = checks._plain(checks._Check(doc), masters, doc.lines[0])
        shortcuts = checks._plain, checks._taxed
        checks._plain = checks._taxed = lambda *args: None
        try:
            full = checks.validate(doc, masters, None)
        finally:
            checks._plain, checks._taxed = shortcuts
        assert fast[0] == full[0] and [str(p) for p in fast[1]] == [str(p) for p in full[1]]
        return plain is not None, [p.code for p in fast[1]]

    assert checked("100", "99999999.999949") == (True, [])             # 9,999,999,999.9949 → …999.99
    assert checked("100", "99999999.99995") == (False, ["product_too_large"])     # rounds onto 10^10
    assert not any(good(Decimal(nan)) for good in (checks._good_qty, checks._good_price) for nan in ("NaN", "sNaN"))


words = st.one_of(st.sampled_from(["", "", "special", '"q"\\', "\x00lines", "甲\n乙", "\u2028"]), st.text(max_size=3))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TRADED + ["customer_receipt", "opening_balance"]), words, words, words, words, words, words,
       st.one_of(st.none(), figure), st.one_of(st.none(), st.just(DAY)))
def test_a_header_written_straight_out_hashes_as_json_writes_it(kind, doc_no, party, invoice, account, category,
                                                               note, amount, due):
    """model._header_text: every header field, the later ones set or empty, text that JSON escapes
    (quotes, backslashes, control characters, non-ASCII): the fingerprint json.dumps makes (the
    reference the earlier versions stored), and the same through its json fallback."""
    from jxc_xl.domain import model
    doc = Document(type=kind, doc_no=doc_no, date=DAY, party=party, invoice_type=invoice, account=account,
                   to_account=account[::-1], category=category, order_no=note[:1], note=note, amount=amount,
                   receivable=amount, due_date=due, lines=(Line(item="A", qty=Decimal(2), price=Decimal("1.5")),))
    fast = doc.fingerprint()
    assert fast == reference_fingerprint(doc)
    written, model._header_text = model._header_text, lambda *args: None
    try:
        assert doc.fingerprint() == fast
    finally:
        model._header_text = written
