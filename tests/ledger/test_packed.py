"""Issue 24 (integers end to end): a plain purchase, sale, order or stock document the column-wise intake makes packed
(domain.packed: a slotted header, its lines as integer tuples) is checked, hashed and written by
the ledger with no model per line — and gives what its model gives, on random documents and
random books: the same verdict, the same fingerprint, every message alike, every row alike."""
from __future__ import annotations

import datetime as dt
import tempfile
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jxc_xl import Ledger
from jxc_xl.domain import packed as packing
from jxc_xl.domain.model import DocType, Item, Party, Warehouse
from jxc_xl.domain.money import to_cents, to_rate_units, to_unit_cost_units
from jxc_xl.domain.packed import Packed, pack, plain_packed
from jxc_xl.domain.tax import Figures
from jxc_xl.domain.validate import Masters, validate
from jxc_xl.ledger.engine import batch, posting
from jxc_xl.ledger.server import wire

from ..conftest import standard_masters
from .test_engine_rate import _rows

DAY = dt.date(2026, 3, 2)
TRADED = ["purchase_receipt", "purchase_return", "sales_shipment", "sales_return"]

# figures a clerk types: mostly good, now and then one validation refuses or the model judges
good = st.builds(lambda whole, part, places: Decimal(whole) + Decimal(part).scaleb(-places),
                 st.integers(1, 900), st.integers(0, 9999), st.sampled_from([0, 1, 2, 4]))
odd = st.sampled_from([Decimal(0), Decimal("-0"), Decimal("-0.00"), Decimal(-3), Decimal("1.23456"),
                       Decimal("1.2345678"), Decimal("1E+13"), Decimal("99999999.99995"), Decimal("NaN"), 5])
figure = st.integers(0, 15).flatmap(lambda k: odd if k == 0 else good)      # one in 16 odd
def mostly(plain: list, odd: list):
    """A value plain for the ledger most of the time, one it questions now and then."""
    return st.one_of(st.sampled_from(plain), st.sampled_from(plain), st.sampled_from(plain), st.sampled_from(odd))


ITEM = mostly(["A", "B", "a", "苹果"], [" A ", "香蕉", "Z", "Q", "", "T"])
NOTE = st.sampled_from(["", "赠品", '"q"\\'])
line = st.fixed_dictionaries({"item": ITEM, "qty": figure, "price": figure, "note": NOTE,
                              # 金额 as Excel calculates it (数量 × 单价), or off by a cent, two, or odd
                              "amount": mostly([None, None, 0], [Decimal("0.01"), Decimal("-0.01"), Decimal("0.02"),
                                                                 Decimal("0.001"), "-0", "3"]),
                              # 增值税: a 税率 typed, now and then one no sheet gives; priced by 单价 or 含税单价
                              "tax_rate": st.integers(0, 15).flatmap(lambda k: st.sampled_from(
                                  [Decimal("0.1234567"), Decimal("0.999999"), Decimal(1), Decimal("-0")] if k == 0 else
                                  [None] * 6 + [Decimal("0.13"), Decimal("0.06"), Decimal(0)])),
                              "priced": st.integers(0, 15).flatmap(lambda k: st.sampled_from(
                                  ["both", "none"] if k == 0 else ["price"] * 5 + ["with_tax"]))})


def _amount(line: dict) -> Decimal | None:
    """The 金额 a drawn line types: 数量 × 单价 to the cent, shifted by its draw (or a figure of its own)."""
    shift = line.get("amount")
    if shift is None or shift.__class__ is str:
        return None if shift is None else Decimal(shift)
    try:
        return (line["qty"] * line["price"]).quantize(Decimal("0.01"), ROUND_HALF_UP) + shift
    except (TypeError, AttributeError, InvalidOperation):
        return None
PARTIES = {"purchase_receipt": ["S1", "华东供应商", "s1", "X1"], "purchase_return": ["S1", "X1"],
           "sales_shipment": ["C1", "第一百货", "两用公司"], "sales_return": ["C1", "X1"],
           "purchase_order": ["S1", "华东供应商", "X1"], "sales_order": ["C1", "第一百货", "x1"]}

# 采购订单, 销售订单: priced lines as a purchase's, now and then with a 交货日期 (rarely one validate refuses,
# or not a date: the model's way)
ORDERS = ["purchase_order", "sales_order"]
order_line = st.tuples(line, st.integers(0, 15).flatmap(lambda k: st.sampled_from(
    [dt.date(1899, 12, 31), dt.date(3000, 1, 1), dt.datetime(2026, 3, 9)] if k == 0 else
    [None, DAY + dt.timedelta(days=10), DAY, dt.date(2999, 12, 31)]))).map(
    lambda drawn: {**drawn[0], "delivery_date": drawn[1]})


# 调拨, 盘点, 其他出入库, 期初库存: a 数量 (a count's now and then 0) and a 单位成本 or none; a transfer between
# two warehouses, now and then the same one or one unknown
STOCK = ["transfer", "stock_count", "other_receipt", "other_issue", "opening_stock"]
stock_line = st.fixed_dictionaries({"item": ITEM, "note": NOTE,
                                    "qty": st.integers(0, 7).flatmap(lambda k: st.just(Decimal(0)) if k == 0 else figure),
                                    "unit_cost": st.integers(0, 7).flatmap(lambda k: st.sampled_from(
                                        [Decimal("1.2345678"), Decimal(-1), Decimal("1E+13"), Decimal("-0")] if k == 0
                                        else [None, None, Decimal("2.5"), Decimal(0), Decimal("3.14159")]))})


@st.composite
def document(draw) -> dict:
    kind = draw(st.sampled_from(draw(st.sampled_from([STOCK, TRADED, TRADED, ORDERS, ORDERS]))))
    if kind in STOCK:
        return {"type": kind, "doc_no": draw(st.sampled_from(["D1", "D2", "D3", "d1"])),
                "date": draw(mostly([DAY, DAY + dt.timedelta(days=3)], [dt.date(1899, 12, 31), dt.date(2026, 1, 5)])),
                "warehouse": draw(mostly(["W1", "w1", "总仓"], ["W9", "", "门店仓"])),
                "to_warehouse": draw(mostly(["W2", "门店仓"], ["W1", "W9", "", "w2"])) if kind == "transfer" else "",
                "lines": draw(st.lists(stock_line, min_size=1, max_size=4))}
    return {"type": kind, "doc_no": draw(st.sampled_from(["D1", "D2", "D3", "D4", "d1"])),
            "date": draw(mostly([DAY, DAY + dt.timedelta(days=3)], [dt.date(1899, 12, 31), dt.date(2026, 1, 5)])),
            "party": draw(mostly(PARTIES[kind], ["S1", "C1", "X1", "C9", "", "同名", "S2"])),
            "warehouse": draw(mostly(["W1", "w1", "总仓", "W2"], ["W9", "", "门店仓"])),
            "invoice_type": "" if kind in ORDERS else draw(st.sampled_from(["", "special", "ordinary"])),
            "lines": draw(st.lists(order_line if kind in ORDERS else line, min_size=1, max_size=4))}


@st.composite
def books(draw) -> Masters:
    """Masters with random rates, terms, credit limits, names two parties share, an inactive item."""
    rate = st.sampled_from([None, None, None, None, Decimal(0), Decimal("0.13")])
    items = {"A": Item(sku="A", name="苹果", tax_rate=draw(rate)), "B": Item(sku="B", name="香蕉"),
             "Z": Item(sku="Z", name="旧货", inactive=True), "T": Item(sku="T", name="税品", tax_rate=Decimal("0.09"))}
    parties = {"S1": Party(code="S1", name="华东供应商", kind="supplier", tax_rate=draw(rate),
                           terms_days=draw(st.sampled_from([0, 30, 30, 4000]))),
               "S2": Party(code="S2", name="同名", kind="supplier"),
               "S3": Party(code="S3", name="同名", kind="supplier"),
               "C1": Party(code="C1", name="第一百货", kind="customer", terms_days=30,
                           credit_limit=draw(st.sampled_from([None, Decimal(100), Decimal(10**9)]))),
               "X1": Party(code="X1", name="两用公司", kind="both", terms_days=15)}
    warehouses = {"W1": Warehouse(code="W1", name="总仓"), "W2": Warehouse(code="W2", name="门店仓")}
    return Masters(items, parties, warehouses, {}, draw(st.booleans()), draw(rate))


def _packed(drawn: dict, n: int) -> Packed | None:
    if drawn["type"] in STOCK:                     # as the 调拨, 盘点 or 其他出入库 sheet's columns give them
        lines = [{"item": line["item"].strip() or line["item"], "qty": line["qty"], "note": line["note"],
                  "unit_cost": line["unit_cost"], "row": 10 * n + i + 2} for i, line in enumerate(drawn["lines"])]
        return pack({**{k: v for k, v in drawn.items() if k != "lines"}, "type": DocType(drawn["type"])}, lines,
                    "book.xlsx", "调拨")
    lines = [{"item": line["item"].strip() or line["item"], "qty": line["qty"],
              "price": line["price"] if line.get("priced", "price") in ("price", "both") else None,
              "amount": _amount(line), "note": line["note"], "order_no": "", "tax_rate": line.get("tax_rate"),
              "price_with_tax": line["price"] if line.get("priced") in ("with_tax", "both") else None,
              "tax": None, "total_with_tax": None, "row": 10 * n + i + 2} for i, line in enumerate(drawn["lines"])]
    header = {**{k: v for k, v in drawn.items() if k != "lines"}, "type": DocType(drawn["type"])}
    if drawn["type"] in ORDERS:                    # as the 采购订单 or 销售订单 sheet's columns give them
        for made, line in zip(lines, drawn["lines"]):
            made["delivery_date"] = line.get("delivery_date")
        return pack(header, lines, "book.xlsx", "采购订单")
    return pack({**header, "source_doc_no": ""}, lines, "book.xlsx", "采购")


def _outcomes(result) -> list:
    return [(o.doc_no, o.journal, o.status, [(p.code, p.message, p.message_en, p.source) for p in o.problems],
             o.source, o.figures) for o in result.outcomes]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document(), books(), st.sampled_from([None, DAY, dt.date(2025, 12, 31)]))
def test_a_packed_documents_verdict_and_fingerprint_are_its_models(drawn, masters, closed):
    """plain_packed passes only what validate() passes untouched but for codes, and gives the same
    resolved document; its fingerprint (and the unresolved one) are the model's, byte for byte."""
    doc = _packed(drawn, 0)
    if doc is None:
        return
    model = doc.document()
    assert doc == model and doc.fingerprint() == model.fingerprint()
    resolved, problems = validate(model, masters, closed)
    plain = plain_packed(doc, masters, closed)
    if plain is not None:
        taxed = any(line.figures is not None for line in resolved.lines)
        VERDICTS.append("taxed" if taxed else "stock" if doc.type.value in STOCK else True)
        if doc.type.value in ORDERS:               # (counted apart too: plain ones, and those with a 交货日期)
            VERDICTS.append("order")
            if any(line.delivery_date for line in doc.lines):
                VERDICTS.append("dated")
        assert problems == [] and plain.document() == resolved
        assert plain.fingerprint() == resolved.fingerprint()
        # the figures as validate works them out, in integers too (what posting writes from): its own
        # where validate._taxed worked them out so, else those of its Decimals (a 金额 typed as worked out)
        assert [line.figures and line.figures.units for line in plain.lines] == \
            [line.figures and _units(line.figures) for line in resolved.lines]
    else:
        VERDICTS.append(False)


VERDICTS: list[bool | str] = []


def _units(found: Figures) -> tuple:
    return found.units or (to_rate_units(found.rate), to_unit_cost_units(found.price),
                           to_unit_cost_units(found.price_with_tax), to_cents(found.amount), to_cents(found.tax),
                           to_cents(found.total_with_tax))


def test_the_random_documents_above_were_plain_and_not():
    counts = {verdict: VERDICTS.count(verdict) for verdict in (True, False, "taxed", "stock", "order", "dated")}
    assert min(counts.values()) > 5, counts


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(document(), min_size=1, max_size=10), books(), st.booleans(), st.booleans())
def test_a_batch_posted_packed_writes_what_its_models_write(drawn, masters, negative, twice):
    """Random batches (some refused, some short of stock, 单号 repeated and changed, a second post of
    the same documents) posted packed and as their models: the same outcomes with the same
    messages, every row of documents, lines, movements and entries alike."""
    found = {}
    with tempfile.TemporaryDirectory() as folder:
        for as_packed in (True, False):
            with Ledger.open(Path(folder) / f"{as_packed}.jxc.db", allow_negative=negative) as ledger:
                ledger.upsert_masters(list(masters.items.values()), list(masters.parties.values()),
                                      list(masters.warehouses.values()))
                outcomes = []
                for _ in range(2 if twice else 1):
                    docs = [d for n, drawn_doc in enumerate(drawn) if (d := _packed(drawn_doc, n)) is not None]
                    if not as_packed:
                        docs = [d.document() for d in docs]
                    outcomes.append(_outcomes(ledger.post(docs, masters=masters)))
                found[as_packed] = outcomes, _rows(ledger)
    assert found[True] == found[False]


def test_a_plain_purchase_and_sale_are_written_from_their_integers(tmp_path, monkeypatch):
    """The bench's documents: checked by plain_packed, written by Writer._packed_lines, no model made."""
    masters = Masters({"A": Item(sku="A", name="苹果")}, {"S1": Party(code="S1", name="甲", kind="supplier"),
                                                        "C1": Party(code="C1", name="乙", kind="customer")},
                      {"W1": Warehouse(code="W1", name="总仓")})
    line = {"item": "苹果", "qty": Decimal(5), "price": Decimal("2.50"), "note": ""}
    docs = [_packed({"type": kind, "doc_no": no, "date": DAY, "party": party, "warehouse": "总仓",
                     "invoice_type": "", "lines": [line, line]}, n)
            for n, (kind, no, party) in enumerate([("purchase_receipt", "CG1", "S1"), ("sales_shipment", "XS1", "甲")])]
    made, document, lines = [], Packed.document, Packed.lines.fget
    monkeypatch.setattr(Packed, "document", lambda self: made.append(self) or document(self))
    monkeypatch.setattr(Packed, "lines", property(lambda self: made.append(self) or lines(self)))
    with Ledger.open(tmp_path / "l.jxc.db") as ledger:
        result = ledger.post(docs[:1], masters=masters)
        assert result.posted == ["CG1"] and not made
        rows = ledger.conn.execute("SELECT item, qty, price, amount, total_with_tax, row FROM lines").fetchall()
        assert [tuple(r) for r in rows] == [("A", 50000, 2500000, 1250, 1250, 2), ("A", 50000, 2500000, 1250, 1250, 3)]
        monkeypatch.undo()
        refused = ledger.post(docs[1:], masters=masters)          # 甲 is a supplier: told as ever
        assert [p.code for p in refused.outcomes[0].problems] == ["party_not_customer"]
        assert refused.outcomes[0].problems[0].source.row == 12


def _posted_both_ways(drawn: list[dict], masters: Masters, posted: list[str], tmp_path, monkeypatch) -> tuple:
    """Post the drawn documents packed (no model made: Packed.document and .lines watched) and as
    their models, each into a ledger of its own, posting them again too (their fingerprints the
    same: already posted); every outcome and row alike. Returns the outcomes and rows."""
    found = {}
    for as_packed in (True, False):
        docs = [_packed(doc, n) for n, doc in enumerate(drawn)]
        assert all(isinstance(doc, Packed) for doc in docs)
        made, document, lines = [], Packed.document, Packed.lines.fget
        if as_packed:
            monkeypatch.setattr(Packed, "document", lambda self: made.append(self) or document(self))
            monkeypatch.setattr(Packed, "lines", property(lambda self: made.append(self) or lines(self)))
        else:
            docs = [doc.document() for doc in docs]
        with Ledger.open(tmp_path / f"{as_packed}.jxc.db") as ledger:
            result = ledger.post(docs, masters=masters)
            assert result.posted == posted and not made
            assert {o.status for o in ledger.post(docs, masters=masters).outcomes} == {"already"}
            found[as_packed] = _outcomes(result), _rows(ledger)
        monkeypatch.undo()
    assert found[True] == found[False]
    return found[True]


def test_a_taxed_purchase_and_sale_are_written_from_their_integers(tmp_path, monkeypatch):
    """The bench's taxed documents — a 税率 on each line, priced by 单价 or by 含税单价 — checked by
    plain_packed, hashed and written with no model made: the rows and the outcome's 增值税 figures
    (what 状态/write-back fills the cells with) are the model's."""
    masters = Masters({"A": Item(sku="A", name="苹果")}, {"S1": Party(code="S1", name="甲", kind="supplier"),
                                                        "C1": Party(code="C1", name="乙", kind="customer")},
                      {"W1": Warehouse(code="W1", name="总仓")})
    by_price = {"item": "苹果", "qty": Decimal(3), "price": Decimal("2.50"), "note": "", "tax_rate": Decimal("0.13")}
    by_total = {**by_price, "price": Decimal("11.30"), "priced": "with_tax"}
    drawn = [{"type": kind, "doc_no": no, "date": DAY, "party": party, "warehouse": "总仓", "invoice_type": "",
              "lines": lines} for kind, no, party, lines in [("purchase_receipt", "CG1", "S1", [by_price, by_total]),
                                                             ("sales_shipment", "XS1", "乙", [by_total])]]
    outcomes, _ = _posted_both_ways(drawn, masters, ["CG1", "XS1"], tmp_path, monkeypatch)
    figures = [o[-1] for o in outcomes]
    # 3 × 2.50 = 7.50, 税额 0.98, 价税合计 8.48; 3 × 11.30 = 33.90 incl. 13%: 税额 3.90, 金额 30.00, 单价 10
    assert figures[0] == {1: (130000, 2500000, 2826667, 750, 98, 848), 2: (130000, 10000000, 11300000, 3000, 390, 3390)}


def test_stock_documents_are_written_from_their_integers(tmp_path, monkeypatch):
    """A 其他入库 at a 单位成本 and at none, a 调拨 between two warehouses, a 盘点 at a 单位成本 and
    one counted to 0, a 其他出库: checked by plain_packed and written by Writer._stock_lines, no model
    made — every row and outcome as their models' (the transfer's receiving leg linked to its issue)."""
    masters = Masters({"A": Item(sku="A", name="苹果"), "B": Item(sku="B", name="香蕉")}, {},
                      {"W1": Warehouse(code="W1", name="总仓"), "W2": Warehouse(code="W2", name="门店仓")})
    def moves(kind, no, day, lines, warehouse="总仓", to=""):
        return {"type": kind, "doc_no": no, "date": DAY + dt.timedelta(days=day), "warehouse": warehouse,
                "to_warehouse": to, "lines": [{"item": item, "qty": Decimal(qty), "note": "",
                                               "unit_cost": cost and Decimal(cost)} for item, qty, cost in lines]}
    drawn = [moves("other_receipt", "QT1", 0, [("苹果", 10, "2.5"), ("B", 4, "1.2")]),
             moves("other_receipt", "QT2", 1, [("A", 2, None)]),
             moves("transfer", "DB1", 1, [("A", 3, None)], to="门店仓"),
             moves("stock_count", "PD1", 2, [("A", 2, "2.6")], "W2"), moves("stock_count", "PD2", 2, [("B", 0, None)]),
             moves("other_issue", "QT3", 3, [("A", "1.5", None)])]
    _, rows = _posted_both_ways(drawn, masters, ["QT1", "QT2", "DB1", "PD1", "PD2", "QT3"], tmp_path, monkeypatch)
    moved = [(m["warehouse"], m["direction"], m["rule"], m["base_qty"], m["fixed_value"], m["given_unit_cost"],
              m["link"], m["qty"], m["value"]) for m in rows["movements"]]
    assert moved == [("W1", 1, "fixed", 100000, 2500, None, None, 100000, 2500),
                     ("W1", 1, "fixed", 40000, 480, None, None, 40000, 480),
                     ("W1", -1, "current", 30000, None, None, None, -30000, -750),     # (DB1 before QT2)
                     ("W2", 1, "linked", 30000, None, None, 3, 30000, 750),
                     ("W1", 1, "current", 20000, None, None, None, 20000, 500),
                     ("W2", 0, "count", 20000, None, 2600000, None, -10000, -250),
                     ("W1", 0, "count", 0, None, None, None, -40000, -480),
                     ("W1", -1, "current", 15000, None, None, None, -15000, -375)]


def test_orders_are_written_from_their_integers(tmp_path, monkeypatch):
    """A 采购订单 (a line with a 交货日期, one taxed by its 单价, one by its 含税单价 with a 交货日期) and a
    销售订单 (a 金额 as Excel calculates it, a 交货日期): checked by plain_packed, hashed and written by
    Writer._order_lines with no model made — every row and outcome as their models' (lines with their
    交货日期 and 增值税 figures; no movement, nothing owed)."""
    masters = Masters({"A": Item(sku="A", name="苹果"), "B": Item(sku="B", name="香蕉")},
                      {"S1": Party(code="S1", name="甲", kind="supplier", terms_days=30),
                       "C1": Party(code="C1", name="乙", kind="customer")}, {"W1": Warehouse(code="W1", name="总仓")})
    later = DAY + dt.timedelta(days=14)
    plain = {"item": "苹果", "qty": Decimal(4), "price": Decimal("2.50"), "note": "", "delivery_date": later}
    taxed = {"item": "B", "qty": Decimal(3), "price": Decimal("2.50"), "note": "", "tax_rate": Decimal("0.13")}
    by_total = {**taxed, "price": Decimal("11.30"), "priced": "with_tax", "delivery_date": DAY}
    drawn = [{"type": "purchase_order", "doc_no": "CGDD1", "date": DAY, "party": "甲", "warehouse": "总仓",
              "lines": [plain, taxed, by_total]},
             {"type": "sales_order", "doc_no": "XSDD1", "date": DAY, "party": "C1", "warehouse": "W1",
              "lines": [{**plain, "qty": Decimal("1.5"), "amount": 0, "note": "加急"}]}]
    outcomes, rows = _posted_both_ways(drawn, masters, ["CGDD1", "XSDD1"], tmp_path, monkeypatch)
    assert [(r["item"], r["qty"], r["price"], r["amount"], r["tax_rate"], r["tax"], r["total_with_tax"],
             r["delivery_date"], r["note"], r["row"]) for r in rows["lines"]] == [
        ("A", 40000, 2500000, 1000, 0, 0, 1000, "2026-03-16", "", 2),
        ("B", 30000, 2500000, 750, 130000, 98, 848, None, "", 3),
        ("B", 30000, 10000000, 3000, 130000, 390, 3390, "2026-03-02", "", 4),
        ("A", 15000, 2500000, 375, 0, 0, 375, "2026-03-16", "加急", 12)]
    assert rows["movements"] == [] and rows["party_entries"] == []
    assert [d["party"] for d in rows["documents"]] == ["S1", "C1"]
    assert outcomes[0][-1] == {2: (130000, 2500000, 2826667, 750, 98, 848),
                                     3: (130000, 10000000, 11300000, 3000, 390, 3390)}


def test_a_taxed_lines_amount_as_excel_calculates_it_stays_packed():
    """The template's 金额 is ROUND(数量 × 单价, 2) once Excel has calculated it: on a taxed line that
    金额 is the one worked out, and the line stays packed with validate's figures; a 金额 a cent off
    (kept by validate as the invoice's) or beside a 含税单价 is the model's way."""
    masters = Masters({"A": Item(sku="A", name="苹果", tax_rate=Decimal("0.13"))},
                      {"S1": Party(code="S1", name="甲", kind="supplier")}, {"W1": Warehouse(code="W1", name="总仓")})
    line = {"item": "A", "qty": Decimal(3), "price": Decimal("2.50"), "note": ""}

    def checked(amount, priced="price"):
        doc = _packed({"type": "purchase_receipt", "doc_no": "CG1", "date": DAY, "party": "S1", "warehouse": "W1",
                       "invoice_type": "", "lines": [{**line, "amount": amount, "priced": priced}]}, 0)
        return doc and (doc, plain_packed(doc, masters, None))
    doc, plain = checked(Decimal(0))
    resolved, problems = validate(doc.document(), masters, None)      # (its model: the 金额 typed, 7.50)
    assert plain.document() == resolved and problems == [] and plain.fingerprint() == resolved.fingerprint()
    assert plain.lines[0].figures.units == (130000, 2500000, 2826667, 750, 98, 848)
    assert resolved.lines[0].figures.units is None          # (validate's full way: Decimals)
    assert checked(Decimal("0.01"))[1] is None and checked(Decimal(0), "with_tax") is None


def test_a_packed_document_travels_to_a_server_as_its_model():
    doc = _packed({"type": "sales_shipment", "doc_no": "XS1", "date": DAY, "party": "C1", "warehouse": "W1",
                   "invoice_type": "", "lines": [{"item": "A", "qty": Decimal(1), "price": Decimal(3), "note": ""}]}, 0)
    assert wire.load(wire.dump(doc)) == doc.document()


def test_a_figure_the_model_judges_is_not_packed():
    """A signed zero, too many places, a figure not a Decimal: the model's way (and its messages)."""
    for qty, price in [(Decimal(1), Decimal("-0")), (Decimal("1.23456"), Decimal(1)), (Decimal(0), Decimal(1)),
                       (5, Decimal(1)), (Decimal(1), Decimal("NaN"))]:
        assert packing.qty_units(qty) is None or packing.price_units(price) is None
    assert batch._validated and posting.Writer._packed_lines


def test_packed_documents_post_on_either_engine_as_their_models_would(ledger, tmp_path):
    """On SQLite and on PostgreSQL: a packed batch — one refused, one short of stock, found by the
    batch's final recost and so written again document by document — gives the outcomes its models
    give on a ledger of their own, and its fingerprints are the models' (posted again as models:
    unchanged)."""
    line = {"item": "A", "qty": Decimal(10), "price": Decimal("3.20"), "note": ""}
    drawn = [{"type": "purchase_receipt", "doc_no": "CG1", "date": DAY, "party": "S1", "warehouse": "W1",
              "invoice_type": "", "lines": [line]},
             {"type": "sales_shipment", "doc_no": "XS1", "date": DAY, "party": "C2", "warehouse": "W1",
              "invoice_type": "", "lines": [line, {**line, "qty": Decimal(1)}]},
             {"type": "sales_shipment", "doc_no": "XS2", "date": DAY, "party": "C2", "warehouse": "W1",
              "invoice_type": "", "lines": [{**line, "item": "Q"}]}]
    docs = [_packed(doc, n) for n, doc in enumerate(drawn)]
    with Ledger.open(tmp_path / "models.jxc.db") as reference:
        standard_masters(reference)
        expected = _outcomes(reference.post([d.document() for d in docs]))
    result = ledger.post(docs)
    assert _outcomes(result) == expected
    assert [o.status for o in result.outcomes] == ["posted", "error", "error"]
    assert [o.status for o in ledger.post([docs[0].document()]).outcomes] == ["already"]
