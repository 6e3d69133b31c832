"""The engine's fast path for plain and taxed lines — judged once per distinct figure (a taxed line's
figures worked out once per distinct quantity, price and rate), hashed by written-out JSON — against
the full way it stands in for (hypothesis): the same lines, problems and hashes."""
import datetime as dt
import hashlib
import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jxc_xl.domain import validate as checks
from jxc_xl.domain.model import _LATER_FIELDS, _LATER_HEADER, Document, Item, Line, Party, Source, Warehouse, \
    _canonical, _with_figures
from jxc_xl.domain.money import is_product, mul_money
from jxc_xl.domain.validate import Masters, validate

PRICED = ["purchase_receipt", "purchase_return", "sales_shipment", "sales_return", "purchase_order", "sales_order"]
KINDS = PRICED + ["other_receipt", "other_issue", "stock_count", "opening_stock", "transfer", "invoice_issued"]

# figures of any size, sign and number of places (1.50 and 1.5 alike), and the edges
scaled = lambda low, high: st.builds(lambda n, places: Decimal(n).scaleb(-places), st.integers(low, high),  # noqa: E731
                                    st.integers(0, 8))
figure = st.one_of(scaled(1, 10**6), scaled(1, 10**6), scaled(-500, 10**13),
                   st.sampled_from([Decimal("0"), Decimal("-0"), Decimal("1.50"), Decimal("1.5"), Decimal("2"),
                                    Decimal("0.00005"), Decimal("1E+9"), Decimal("99999999.999999"),
                                    Decimal("123456.7890"), Decimal("1E+30")]))
text = st.one_of(st.sampled_from(["A", "a", " A ", "苹果", "B", "Z", "X", "", '"q"\\', "\x00lines"]), st.text(max_size=4))


RATES = [None, Decimal("0.13"), Decimal("0.09"), Decimal("0.06"), Decimal("0.03"), Decimal("0"), Decimal("0.130")]


@st.composite
def lines(draw) -> Line:
    line = Line(item=draw(text), qty=draw(figure), price=draw(st.one_of(st.none(), figure)),
                amount=draw(st.one_of(st.none(), figure)), unit_cost=draw(st.one_of(st.none(), figure)),
                note=draw(text), order_no=draw(st.sampled_from(["", "PO1"])),
                delivery_date=draw(st.sampled_from([None, dt.date(2026, 2, 1)])),
                tax_rate=draw(st.sampled_from([None, None, Decimal("0.13"), Decimal(0)])),
                price_with_tax=draw(st.sampled_from([None, None, Decimal("11.3")])),
                tax=draw(st.sampled_from([None, None, Decimal("1.30")])),
                total_with_tax=draw(st.sampled_from([None, None, Decimal("11.30")])),
                covers=draw(st.sampled_from(["", "", "XS1"])), source=Source(sheet="采购", row=draw(st.integers(2, 9))))
    if line.amount is None and line.price is not None and line.qty.adjusted() < 12 and line.price.adjusted() < 12 \
            and draw(st.booleans()):
        line = line.model_copy(update={"amount": mul_money(line.qty, line.price)})      # the formula's 金额
    if draw(st.booleans()):       # the plain line of a purchase or sale, most lines typed
        line = line.model_copy(update=dict(amount=None, unit_cost=None, order_no="", delivery_date=None, tax_rate=None,
                                           price_with_tax=None, tax=None, total_with_tax=None,
                                           price=line.price if line.price is not None else draw(figure)))
        if draw(st.booleans()):   # … or the taxed one: a 税率 (or none, the item's or party's), one price
            by_total = draw(st.booleans())
            line = line.model_copy(update=dict(tax_rate=draw(st.sampled_from(RATES)),
                                               price=None if by_total else line.price,
                                               price_with_tax=line.price if by_total else None))
    return line


@st.composite
def documents(draw) -> Document:
    return Document(type=draw(st.sampled_from(KINDS)), doc_no=draw(text), date=dt.date(2026, 1, draw(st.integers(1, 28))),
                    party=draw(st.sampled_from(["S1", "C1", "s1", "供应商", "X"])), warehouse="W1", to_warehouse="W2",
                    note=draw(text), category=draw(st.sampled_from(["", "房租"])),
                    lines=tuple(draw(st.lists(lines(), max_size=4))))


def masters(rated: bool) -> Masters:
    rate = Decimal("0.13") if rated else None
    return Masters({"A": Item(sku="A", name="苹果"), "B": Item(sku="B", name="香蕉", tax_rate=rate),
                    "Z": Item(sku="Z", name="旧货", inactive=True)},
                   {"S1": Party(code="S1", name="供应商", kind="supplier"),
                    "C1": Party(code="C1", name="客户", kind="customer", tax_rate=rate)},
                   {"W1": Warehouse(code="W1", name="总仓"), "W2": Warehouse(code="W2", name="门店")})


def reference_fingerprint(doc: Document) -> str:
    """Document.fingerprint as it was built before the fast path (model_dump, json's ``default``)."""
    content = doc.model_dump(exclude={"source": True, "lines": {"__all__": {"source", "figures"}}})
    for later in _LATER_HEADER:
        if not content[later]:
            del content[later]
    for line, model in zip(content["lines"], doc.lines):
        _with_figures(line, model.figures)
        for later, empty in _LATER_FIELDS.items():
            if line[later] == empty:
                del line[later]
        if line["amount"] is not None and line["price"] is not None and \
                is_product(line["amount"], line["qty"], line["price"]):      # (a product no amount holds: not it)
            line["amount"] = None
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=_canonical)
    return hashlib.sha256(text.encode()).hexdigest()


@settings(max_examples=300, deadline=None)
@given(documents(), st.booleans())
def test_plain_lines_are_checked_as_the_full_way_checks_them(doc, rated):
    """Each document validated with the plain- and taxed-line shortcuts and without them: the same
    document (items resolved alike, the same figures) and the same problems, word for word; and it
    hashes as before."""
    fast = validate(doc, masters(rated), dt.date(2026, 1, 3))
    shortcuts = checks._plain, checks._taxed
    checks._plain = checks._taxed = lambda *args: None
    try:
        full = validate(doc, masters(rated), dt.date(2026, 1, 3))
    finally:
        checks._plain, checks._taxed = shortcuts
    assert fast[0] == full[0]
    assert [repr(line.figures) for line in fast[0].lines] == [repr(line.figures) for line in full[0].lines]
    assert [(p.code, p.line, p.field, str(p)) for p in fast[1]] == [(p.code, p.line, p.field, str(p)) for p in full[1]]
    for document in (doc, fast[0]):
        assert hashed(document.fingerprint) == hashed(lambda: reference_fingerprint(document))


def hashed(fingerprint) -> str:
    """A hash, or the error it raises (both ways raise alike for a 金额 beside figures too large to multiply)."""
    try:
        return fingerprint()
    except ArithmeticError as exc:
        return type(exc).__name__


def test_a_fingerprint_stays_what_earlier_versions_stored():
    """A posted document keeps matching its stored hash (else a re-post would call it edited)."""
    doc = Document(type="purchase_receipt", doc_no="CG1", date=dt.date(2026, 1, 5), party="S1", warehouse="W1",
                   lines=(Line(item="A", qty=Decimal("5"), price=Decimal("1.50"), amount=Decimal("7.5")),
                          Line(item="B", qty=Decimal("2.5"), price=Decimal(3), note='说"明"')))
    assert doc.fingerprint() == reference_fingerprint(doc)


@st.composite
def taxed_documents(draw) -> Document:
    """Sales and purchases of taxed lines the fast way takes (a good 数量 and price, one price
    basis, a rate typed or found), of any scale."""
    made = []
    for _ in range(draw(st.integers(1, 5))):
        qty = Decimal(draw(st.integers(1, 10**6))).scaleb(-draw(st.integers(0, 4)))
        price = Decimal(draw(st.integers(1, 10**7))).scaleb(-draw(st.integers(0, 6)))
        by_total = draw(st.booleans())
        made.append(Line(item=draw(st.sampled_from("AB")), qty=qty, tax_rate=draw(st.sampled_from(RATES)),
                         price=None if by_total else price, price_with_tax=price if by_total else None,
                         source=Source(sheet="销售", row=2)))
    kind, party = draw(st.sampled_from([("purchase_receipt", "S1"), ("sales_shipment", "C1")]))
    return Document(type=kind, doc_no="D1", date=dt.date(2026, 1, 5), party=party, warehouse="W1", lines=tuple(made))


@settings(max_examples=300, deadline=None)
@given(taxed_documents(), st.booleans())
def test_taxed_lines_worked_out_in_integers_hash_as_their_decimals_do(doc, rated):
    """A taxed line whose figures were worked out in integers is written into the fingerprint from
    those integers: the very text its Decimal figures give (model._units_text)."""
    fast, problems = validate(doc, masters(rated), dt.date(2026, 1, 3))
    if any(p.code == "product_too_large" for p in problems):
        return
    assert not problems
    assert all(line.figures.units for line in fast.lines if line.figures is not None)     # the integer way
    assert fast.fingerprint() == reference_fingerprint(fast)


@settings(max_examples=100, deadline=None)
@given(lines(), st.sampled_from([{"item": "B"}, {"figures": None}, {"item": "A", "tax_rate": Decimal("0.13")},
                                 {"qty": Decimal(3)}]))
def test_an_updated_model_is_pydantics_copy_and_shares_its_set_of_fields(line, update):
    """validation updates every taxed line with its figures: the model is the one model_copy
    makes, while the set of fields given is one per shape, not one per line."""
    mine, theirs = line.updated(update), line.model_copy(update=update)
    assert mine == theirs and mine.model_fields_set == theirs.model_fields_set
    assert mine.model_dump() == theirs.model_dump() and hash(mine) == hash(theirs)
    assert line.updated(update).model_fields_set is mine.model_fields_set
    doc = Document(doc_no="D1", type="purchase_receipt", date=dt.date(2026, 1, 2), party="S", warehouse="W",
                   lines=(line,))
    assert doc.updated({"lines": (mine,)}) == doc.model_copy(update={"lines": (theirs,)})


def test_an_updated_models_fields_are_its_own_however_many_models_come_and_go():
    """The grown set of fields is found by the given set's id (model._grown): models made one by one
    (each its own set, freed as the next is made, their ids used again) and more shapes than it keeps
    each get exactly their own fields and the update's, never another model's."""
    shapes = [{"item": "A"}, {"item": "A", "qty": Decimal(2)}, {"item": "A", "note": "n"},
              {"item": "A", "qty": Decimal(1), "price": Decimal(3)}]
    for n in range(12_000):
        given = shapes[n % len(shapes)]
        line = Line(**given) if n % 3 else Line.trusted(dict(given))
        mine = line.updated({"figures": None, **({"note": "x"} if n % 5 == 0 else {})})
        assert mine.model_fields_set == set(given) | {"figures"} | ({"note"} if n % 5 == 0 else set())
    # the shapes read (Line.trusted's shared sets) grow to one shared set each
    first, second = (Line.trusted({"item": "A", "qty": Decimal(n)}).updated({"figures": None}) for n in (1, 2))
    assert first.model_fields_set is second.model_fields_set
