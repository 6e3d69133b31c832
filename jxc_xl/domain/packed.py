"""A plain purchase, sale, return, order, transfer, count or other move as integers: the compact
form the column-wise intake makes.

A :class:`Packed` document holds what :class:`~.model.Document` would of the same rows — its
header fields, and each line as a tuple ``(item, qty, price, note, row, qty_units, price_units, amount,
amount_cents, tax_rate, price_with_tax, figures, unit_cost, unit_cost_units, delivery_date)``
(the typed Decimals, shared by every line typing the same figure, kept for the model made back
from it; the figures in the ledger's units for everything else) — for a document the model
path would take without a question of its own: no 原单号, no 订单号, no 税额 or 价税合计 typed, each
数量, 单价 (and 金额, where Excel has calculated it) good as typed; or, 增值税, a line priced by its
单价 or its 含税单价 alone (a 金额 only as Excel calculates it beside a 单价) at its 税率 (typed,
else the item's, party's or 设置's), whose figures :func:`plain_packed` works out as
validate._taxed does (tax.figures_in_units); or a 采购订单 or 销售订单 whose lines are so priced, each
with a 交货日期 or none; or a 调拨, 盘点 or 其他出入库 whose lines each give a
数量 and a 单位成本 or none, good as typed. The ledger checks it (:func:`plain_packed`), hashes it
(:meth:`Packed.fingerprint`, byte for byte the model's) and writes it (posting.Writer) with no
model and no Decimal per line; at any doubt it makes the model (:meth:`Packed.document`) and goes
the model's way, which owns every message. Anything else reading a document gets the model's
answers: :attr:`Packed.lines` and :attr:`Packed.source` are the model's, made when asked.

Measured on bench's 100,000 lines (Ledger.post into a fresh SQLite ledger, CPU, models and packed in
turn twice on the shared machine): 5.3–5.5 s → 4.1–4.2 s; checking and hashing (batch._check_all)
1.39 → 0.5 s, writing (batch._write_each) 1.75 → 1.1 s, SQLite's executemany ~1.9 s either way.
Reading the 50,000-row 采购 column-wise (parse_documents) 1.3 → 1.0 s; `jxc post` of the bench
book peaked at 234–240 MB instead of 285–287 MB (four runs each); its CPU 15.2 s against 16.0–16.2 s
in the two quietest runs each (the others, the machine loaded, spread 15.3–20.8 s either way).

Taxed lines packed (bench's taxed post: 税率 on every line, a quarter priced by 含税单价; CPU, the
shared machine): Ledger.post of its 20,000 documents into a fresh SQLite ledger 7.3–8.0 s as models
→ 5.1–5.8 s packed (two turns each). `bench/run.py --posts-only`, untaxed and taxed post's CPU in the
same run: before 16.6/21.5 s (×1.30), 16.0/20.1 (×1.25), 16.2/20.7 (×1.28); after (with the post's
size counted without making the packed lines, usecases._large) 17.7/20.8 (×1.17), 16.9/19.5 (×1.15),
15.0/19.0 (×1.27), 16.4/19.7 (×1.20). What the taxed post still spends beyond the untaxed one is
mostly outside the ledger: the 税率 and 含税单价 columns read, four more cells a line written back
(statuses, io/sheetdata._in_place) and a larger sheet saved.

Orders packed (20,000 采购订单 × 5 lines into a fresh SQLite ledger, Ledger.post's CPU, models and
packed in turn twice, in two processes each running either kind first — the first the slower, its
caches filling): without 交货日期 3.9–6.0 s as models → 2.2–3.5 s packed; each line with a 交货日期 —
which validate sends the full way (_priced) and the fingerprint through json (model._line_json) —
5.5–6.8 s → 2.2–2.5 s. Purchases packed, 20,000 × 5 lines, before and after (two runs each, twice):
3.9–5.1 s and 3.9–4.4 s, the line's 15th place costing nothing seen.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from enum import Enum
from typing import Callable

from . import order
from .model import ORDER_TYPES, DocType, Document, Line, Source, _header_text, _json_text, figures_text
from .money import (MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES, cost_of as _cost, scaled_text, to_cents, to_qty_units,
                    to_unit_cost_units)
from .tax import figures_in_units, rate_of
from .validate import (CUSTOMER_TYPES, MAX_DATE, MAX_TERMS_DAYS, MIN_DATE, MONEY, QTY as QTY_KIND, _MAX_CENTS, _MAX_PRODUCT,
                       _RATE_UNITS, Masters, _good_price, _good_qty, _judged)

# The types a Packed document may be: a purchase, a sale, their returns (their lines are traded:
# posting.Writer._traded_lines writes them) and the stock documents of 调拨, 盘点 and 其他出入库
# and the 期初库存's rows (unpriced lines, each with its 单位成本 or none: posting.Writer._stock_lines
# writes them), the orders (priced as they are, each line with its 交货日期 or none, moving nothing:
# posting.Writer._order_lines writes them).
TRADED_TYPES = frozenset({DocType.purchase_receipt, DocType.purchase_return, DocType.sales_shipment,
                          DocType.sales_return})
STOCK_TYPES = frozenset({DocType.transfer, DocType.stock_count, DocType.other_receipt, DocType.other_issue,
                         DocType.opening_stock})
PACKED_TYPES = TRADED_TYPES | STOCK_TYPES | ORDER_TYPES
# The header fields it holds; every other Document field is at its default (class attributes below).
_FIELDS = ("type", "doc_no", "date", "party", "warehouse", "to_warehouse", "invoice_type")
# The line fields a row gives that a plain line leaves at their defaults (else: the model's way).
_EMPTY_LINE = {"order_no": "", "delivery_date": None, "covers": "", "tax": None, "total_with_tax": None}
_EMPTY_ORDER_LINE = {name: empty for name, empty in _EMPTY_LINE.items() if name != "delivery_date"}
# a line tuple's places: RATE and WITH_TAX its 税率 and 含税单价 as typed (or None), FIGURES its
# 增值税 figures as plain_packed works them out (validate._taxed's), None until then or untaxed;
# COST its 单位成本 as typed and COST_UNITS in units (a stock line's; None on a traded one);
# DELIVERY an order line's 交货日期 (a date, else None: always None but on an order)
ITEM, QTY, PRICE, NOTE, ROW, QTY_UNITS, PRICE_UNITS, AMOUNT, CENTS, RATE, WITH_TAX, FIGURES, COST, COST_UNITS, \
    DELIVERY = range(15)


class Packed:
    """A document as a slotted header and its lines as tuples (see the module's docstring): what
    the model's way spent per line, and no longer does for it, was validate's _line and _plain, the
    fingerprint's _line_text, posting's reads of a Line's attributes and a Source per line."""

    __slots__ = _FIELDS + ("workbook", "sheet", "units", "journal")
    source_doc_no = method = account = to_account = category = order_no = note = ""
    amount = receivable = payable = due_date = None

    def __init__(self, type: DocType, doc_no: str, date: dt.date, party: str, warehouse: str, to_warehouse: str,
                 invoice_type: str, workbook: str, sheet: str, units: tuple[tuple, ...]):
        self.type, self.doc_no, self.date, self.party, self.warehouse = type, doc_no, date, party, warehouse
        self.to_warehouse, self.invoice_type, self.workbook, self.sheet = to_warehouse, invoice_type, workbook, sheet
        self.units, self.journal = units, type.journal

    def resolved(self, party: str, warehouse: str, to_warehouse: str, units: tuple[tuple, ...]) -> Packed:
        """The same document with its references as codes (itself when they already are)."""
        if party == self.party and warehouse == self.warehouse and to_warehouse == self.to_warehouse and \
                units is self.units:
            return self
        return Packed(self.type, self.doc_no, self.date, party, warehouse, to_warehouse, self.invoice_type,
                      self.workbook, self.sheet, units)

    def fingerprint(self) -> str:
        """:meth:`Document.fingerprint` of :meth:`document`, written from the integers: each line as
        model._line_text writes a line with no tax and no order, or (model.figures_text) one whose
        增值税 figures plain_packed worked out, an order line's 交货日期 put in as model._line_json
        puts it (:func:`_dated`; tests/ledger/test_packed.py holds the two equal on random documents).
        A 税率 or 含税单价 typed and not yet worked out: the model's text."""
        prices, qtys = _PRICE_TEXTS, _QTY_TEXTS
        if any(line[FIGURES] is None and (line[RATE] or line[WITH_TAX] is not None) for line in self.units):
            return self.document().fingerprint()
        if self.type in STOCK_TYPES:       # unpriced: a 数量 and a 单位成本 or none
            lines = "[" + ", ".join([
                f'{{"amount": null, "item": {_json_text(line[ITEM])}, "note": {_json_text(line[NOTE])}, '
                f'"price": null, "qty": {_figure(qtys, line[QTY_UNITS], QTY_PLACES)}, '
                f'"unit_cost": {_figure(prices, line[COST_UNITS], UNIT_COST_PLACES)}}}' for line in self.units]) + "]"
        else:
            texts = [                          # (a 金额 of 数量 × 单价 hashes as none: money.is_product in cents)
                f'{{"amount": {"null" if cents is None or cents == _cost(qty, price) else _quoted(cents)}, '
                f'"item": {_json_text(item)}, "note": {_json_text(note)}, '
                f'"price": "{prices.get(price) or _text(prices, price, UNIT_COST_PLACES)}", '
                f'"qty": "{qtys.get(qty) or _text(qtys, qty, QTY_PLACES)}", "unit_cost": null}}' if figures is None else
                figures_text(item, note, f'"{qtys.get(qty) or _text(qtys, qty, QTY_PLACES)}"', qty, "null",
                             figures.units)
                for item, _, _, note, _, qty, price, _, cents, _, _, figures, _, _, _ in self.units]
            if self.type in ORDER_TYPES:       # a line's 交货日期 where model._line_json writes it
                texts = [_dated(text, line[DELIVERY]) for text, line in zip(texts, self.units)]
            lines = "[" + ", ".join(texts) + "]"
        written = _HEADERS[bool(self.invoice_type)]
        text = written[0].format(*[write(self, lines) for write in written[1]])
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def line_count(self) -> int:
        """:attr:`Document.line_count`, its lines not made (measured on bench's taxed post: making
        them to count them was 1.1 s of 39 s under cProfile)."""
        return len(self.units)

    @property
    def first_row(self) -> int | None:
        """The row it starts on (:meth:`where`'s, with no Source made)."""
        return self.units[0][ROW]

    def where(self, line: int | None = None) -> Source:
        """:meth:`Document.where`: the row of line ``line`` (1-based), else of its first line."""
        return self._source(self.units[line - 1 if line else 0][ROW])

    def _source(self, row: int | None) -> Source:
        return Source.trusted({"workbook": self.workbook, "sheet": self.sheet, "row": row})

    @property
    def source(self) -> Source:
        return self.where()

    @property
    def lines(self) -> tuple[Line, ...]:
        """The model's lines, made when asked (what a reader other than the ledger's post sees)."""
        return tuple(Line.trusted({"item": line[ITEM], "qty": line[QTY], "price": line[PRICE], **_EMPTY_LINE,
                                   "delivery_date": line[DELIVERY], "unit_cost": line[COST], "amount": line[AMOUNT],
                                   "tax_rate": line[RATE], "price_with_tax": line[WITH_TAX], "figures": line[FIGURES],
                                   "note": line[NOTE], "source": self._source(line[ROW])})
                     for line in self.units)

    def document(self) -> Document:
        """The model of the same document, as the column-wise intake would have made it."""
        lines = self.lines
        return Document.trusted({"doc_no": self.doc_no, "lines": lines, "source": lines[0].source,
                                 **{name: getattr(self, name) for name in _FIELDS if name != "doc_no"},
                                 "source_doc_no": ""})

    def __eq__(self, other: object) -> bool:
        """Equal to the model it stands for (and to a Packed whose model that is)."""
        if isinstance(other, Packed):
            other = other.document()
        return self.document() == other if isinstance(other, Document) else NotImplemented

    __hash__ = None                           # (as a model's: not a key)

    def __repr__(self) -> str:
        return f"Packed({self.type.value} {self.doc_no} {self.date} {len(self.units)} lines)"


def _text(texts: dict[int, str], units: int, places: int) -> str:
    """money.scaled_text of ``units``, kept in ``texts`` (a batch's figures repeat: bench's 100,000
    lines hold 46 quantities and 9,900 prices; measured, CPU, twice: the fingerprints of its 20,000
    documents 0.26 → 0.19 s; their models' way 0.94 s)."""
    if len(texts) > 100_000:
        texts.clear()
    texts[units] = text = scaled_text(units, places)
    return text


def _quoted(cents: int) -> str:
    return f'"{scaled_text(cents, MONEY_PLACES)}"'


def _dated(text: str, day: dt.date | None) -> str:
    """A line's text as model._line_json writes it with its 交货日期, if it has one: that later field
    in json's sorted order, after "amount" and before "item" (the 金额's text, null or a quoted
    figure, holds no '"item"'), its date as model._canonical writes it."""
    return text if day is None else text.replace(', "item": ', f', "delivery_date": "{day.isoformat()}", "item": ', 1)


def _figure(texts: dict[int, str], units: int | None, places: int) -> str:
    """A figure in ``units`` as the hashed JSON holds it: null, or its text (kept in ``texts``) quoted."""
    return "null" if units is None else f'"{texts.get(units) or _text(texts, units, places)}"'


_PRICE_TEXTS: dict[int, str] = {}
_QTY_TEXTS: dict[int, str] = {}


class _TypeMark(Enum):
    """Marks where a header's type and date go (see :func:`_header_written`)."""

    type = "\ue000type\ue000"

    @property
    def journal(self) -> str:
        return ""


class _DateMark(dt.date):
    def isoformat(self) -> str:
        return "\ue000date\ue000"


_MARK = re.compile('"?\ue000(\\w+)\ue000"?')
# how each field a packed header varies in is written into its JSON (as _header_text writes it)
_WRITE = {"type": lambda doc, lines: f'"{doc.type.value}"', "date": lambda doc, lines: f'"{doc.date.isoformat()}"',
          "doc_no": lambda doc, lines: _json_text(doc.doc_no), "party": lambda doc, lines: _json_text(doc.party),
          "warehouse": lambda doc, lines: _json_text(doc.warehouse), "lines": lambda doc, lines: lines,
          "to_warehouse": lambda doc, lines: _json_text(doc.to_warehouse),
          "invoice_type": lambda doc, lines: _json_text(doc.invoice_type)}


def _header_written(invoiced: bool) -> tuple[str, tuple]:
    """The text model._header_text writes of a packed document (with a 发票类型 or without: a later
    field, absent when empty), as a format string and the writers of its varying fields in turn:
    made once from _header_text itself, the varying fields given as marks — the one definition of
    the fingerprint's text. Measured on bench's 20,000 documents (CPU): see _header_text's 0.42 s."""
    mark = "\ue000{}\ue000".format
    template = Packed(_TypeMark.type, mark("doc_no"), _DateMark(2000, 1, 1), mark("party"), mark("warehouse"),
                      mark("to_warehouse"), mark("invoice_type") if invoiced else "", "", "", ())
    text = _header_text(template, mark("lines")).replace("{", "{{").replace("}", "}}")
    names = _MARK.findall(text)
    return _MARK.sub("{}", text), tuple(_WRITE[name] for name in names)


def as_model(doc: Document | Packed | None) -> Document | None:
    """A document as the model: what a reader of pydantic's (the wire, 审核's queue) is given."""
    return doc.document() if isinstance(doc, Packed) else doc


def pack(header: dict, lines: list[dict], workbook: str, sheet: str) -> Packed | None:
    """The packed form of the document whose header fields and lines (field → value, each line
    with its ``row``) the intake read, each as the model holds it; None for one that is not
    plain (see the module's docstring): the caller makes the model."""
    doc_type = header.get("type")
    if doc_type.__class__ is not DocType or doc_type not in PACKED_TYPES or not lines or any(
            name not in _FIELDS and value != _HEADER_DEFAULTS.get(name, value) for name, value in header.items()):
        return None
    each = _stock_line if doc_type in STOCK_TYPES else _order_line if doc_type in ORDER_TYPES else _traded_line
    counted = doc_type is DocType.stock_count
    unasked = (_EMPTY_ORDER_LINE if doc_type in ORDER_TYPES else _EMPTY_LINE).items()
    units = []
    for line in lines:
        if any(line.get(name, empty) != empty for name, empty in unasked):
            return None
        packed = each(line, counted)
        if packed is None:
            return None
        units.append(packed)
    return Packed(doc_type, header["doc_no"], header["date"], header.get("party", ""), header.get("warehouse", ""),
                  header.get("to_warehouse", ""), header.get("invoice_type", ""), workbook, sheet, tuple(units))


def _traded_line(line: dict, counted: bool) -> tuple | None:
    """A purchase's or sale's line as its tuple: priced by 单价, or taxed by one price (see pack)."""
    qty, price, amount = line["qty"], line.get("price"), line.get("amount")
    rate, with_tax = line.get("tax_rate"), line.get("price_with_tax")
    if line.get("unit_cost") is not None:
        return None
    if rate is not None or with_tax is not None:         # taxed: one price (validate._taxed), a 金额
        if (price is None) == (with_tax is None) or (amount is not None and price is None):     # only by 单价
            return None
        if price is None and price_units(with_tax) is None:
            return None
    elif price is None:
        return None
    q, p = qty_units(qty), None if price is None else price_units(price)
    cents = None if amount is None else money_units(amount)
    if q is None or (p is None and price is not None) or (cents is None and amount is not None):
        return None
    return line["item"], qty, price, line.get("note", ""), line["row"], q, p, amount, cents, rate, with_tax, None, \
        None, None, None


def _order_line(line: dict, counted: bool) -> tuple | None:
    """An order's line as its tuple: priced as a purchase's (:func:`_traded_line`), with its 交货日期
    (a date within those validate takes, validate._Check.date's rule) or none."""
    day = line.get("delivery_date")
    if day is not None and (day.__class__ is not dt.date or not MIN_DATE <= day <= MAX_DATE):
        return None
    priced = _traded_line(line, counted)
    return priced if day is None or priced is None else (*priced[:DELIVERY], day)


def _stock_line(line: dict, counted: bool) -> tuple | None:
    """A stock document's line as its tuple: a 数量 (a counted one may be 0) and a 单位成本 or none,
    nothing priced (validate._line's rules for them: a 数量 above 0, or not below 0 counted; a
    单位成本 not below 0 — a stricter one than the 其他出库's, which it only has to fit)."""
    if any(line.get(name) is not None for name in ("price", "amount", "tax_rate", "price_with_tax")):
        return None
    qty, cost = line["qty"], line.get("unit_cost")
    q = (count_units if counted else qty_units)(qty)
    c = None if cost is None else price_units(cost)
    if q is None or (c is None and cost is not None):
        return None
    return line["item"], qty, None, line.get("note", ""), line["row"], q, None, None, None, None, None, None, cost, c, \
        None


_HEADER_DEFAULTS = {name: field.default for name, field in Document.model_fields.items()}


def _units_of(convert, good) -> Callable[[object], int | None]:
    """``convert`` of a typed figure that ``good`` (validate's own rule for it) passes, each distinct
    one asked once; None for any other — not a Decimal, or a signed zero (Decimal keeps "-0", and
    the model's text of it is "-0") — which the model's way judges."""
    found: dict[Decimal, int | None] = {}

    def units(value: object) -> int | None:
        if value.__class__ is not Decimal:
            return None
        try:
            return found[value]
        except (KeyError, TypeError):            # (a signalling NaN is no key)
            if not value.is_finite() or (not value and value.is_signed()):
                return None
            made = convert(value) if good(value) else None
            if value:                            # (0 and -0 are one key: a zero is never kept)
                if len(found) > 100_000:
                    found.clear()
                found[value] = made
            return made
    return units


_HEADERS = {invoiced: _header_written(invoiced) for invoiced in (False, True)}
qty_units = _units_of(to_qty_units, _good_qty)
count_units = _units_of(to_qty_units, _judged(QTY_KIND, False))    # a 实盘数量: 0 is counted too (validate._line)
money_units = _units_of(to_cents, _judged(MONEY, False))        # a 金额 typed (validate._priced's rule)
price_units = _units_of(to_unit_cost_units, _good_price)


def plain_packed(doc: Packed, masters: Masters, closed_through: dt.date | None) -> Packed | None:
    """``doc`` with its party, warehouse and items as their codes, when :func:`validate.validate`
    of its model finds no problem and leaves every line as _plain or _taxed leaves it (a taxed
    line with its figures, :func:`_taxed`); None at any doubt — then the model goes the full way
    and is told what is wrong.

    The checks validate() makes of such a document, in integers and lookups: its 单号 and date
    (within the dates taken, after the closed period), a party that is the type's (known, its
    账期天数 within bounds), a known warehouse, and each line an active item at no 税率 (its own,
    else the item's, else the party's as typed, else 设置's) whose 数量 × 单价 rounds below the 金额
    limit, or at a 税率 or by its 含税单价 with figures below it (each
    figure good as typed: :func:`pack` asked validate's rule). An order's lines are checked as a
    purchase's: validate's full way, where a 交货日期 sends them, comes to the same verdict and the
    same figures (its 交货日期 within the dates taken: pack asked). tests/ledger/test_packed.py holds
    the verdict and the document to validate()'s on random books."""
    if not doc.doc_no or not MIN_DATE <= doc.date <= MAX_DATE or (closed_through and doc.date <= closed_through):
        return None
    if doc.type in STOCK_TYPES:
        return _plain_stock(doc, masters)
    typed = masters.parties.get(doc.party)        # validate's fallback rate (tax.rate_of): the party's as typed
    fallback = rate_of(typed and typed.tax_rate, masters.default_rate)
    party = masters.code("party", doc.party) if doc.party.strip() else None
    found = party and masters.parties[party]
    if not found or found.terms_days > MAX_TERMS_DAYS or not (
            found.kind.is_customer if doc.type in CUSTOMER_TYPES else found.kind.is_supplier):
        return None
    warehouse = masters.code("warehouse", doc.warehouse) if doc.warehouse.strip() else None
    if warehouse is None or len(doc.units) >= order.LINES:
        return None
    units, items, changed = [], masters.items, False
    for line in doc.units:
        sku = masters.active_item(line[ITEM])
        if sku is None:
            return None
        rate = line[RATE]              # tax.rate_of as validate._taxed writes it out
        if rate is None:
            rate = items[sku].tax_rate
            if rate is None:
                rate = fallback
        with_tax = line[WITH_TAX]
        if rate or with_tax is not None:
            line = _taxed(line, rate)
            if line is None:
                return None
            changed = True
        elif line[QTY_UNITS] * line[PRICE_UNITS] >= _MAX_PRODUCT:
            return None
        elif (cents := line[CENTS]) is not None and abs(cents - _cost(line[QTY_UNITS], line[PRICE_UNITS])) > 1:
            return None                # a 金额 typed: within a cent of 数量 × 单价 (validate._priced)
        if sku != line[ITEM]:
            line, changed = (sku, *line[1:]), True
        units.append(line)
    return doc.resolved(party, warehouse, doc.to_warehouse, tuple(units) if changed else doc.units)


def _plain_stock(doc: Packed, masters: Masters) -> Packed | None:
    """:func:`plain_packed` of a stock document: a known warehouse (a transfer's two, known and
    not the same), each line an active item whose 数量 × 单位成本 rounds below the 金额 limit (what
    validate asks of a 其他入库's or a count's; of the others' only that it fits, so stricter);
    its party, which validate leaves as typed for these types, as typed."""
    warehouse = masters.code("warehouse", doc.warehouse) if doc.warehouse.strip() else None
    to_warehouse = doc.to_warehouse
    if doc.type is DocType.transfer:
        to_warehouse = masters.code("warehouse", to_warehouse) if to_warehouse.strip() else None
        if to_warehouse is None or to_warehouse == warehouse:
            return None
    if warehouse is None or len(doc.units) >= order.LINES:
        return None
    units, changed, costed = [], False, doc.type is DocType.opening_stock      # (its 单位成本 required)
    for line in doc.units:
        sku = masters.active_item(line[ITEM])
        cost = line[COST_UNITS]
        if sku is None or (cost is None and costed) or (cost is not None and line[QTY_UNITS] * cost >= _MAX_PRODUCT):
            return None
        if sku != line[ITEM]:
            line, changed = (sku, *line[1:]), True
        units.append(line)
    return doc.resolved(doc.party, warehouse, to_warehouse, tuple(units) if changed else doc.units)


def _taxed(line: tuple, rate: Decimal) -> tuple | None:
    """The line with its 增值税 figures as validate._taxed works them out (tax.figures_in_units
    of its 数量, its one price and the 税率 found), or None where it leaves the line to the full way
    and that may find otherwise: a rate no sheet gives, a figure beyond the 金额 limit, a 金额 typed
    that is not the one worked out to the cent. A 金额 typed that is (Excel's 金额 formula, ROUND(数量
    × 单价, 2), once calculated) goes the full way in validate, which keeps it and works out the
    same figures from it (tax._from_price: the 税额 of the same 金额), as Decimals: these are they."""
    by_total = line[PRICE] is None
    rate_units = _RATE_UNITS(rate)
    if rate_units < 0:
        return None
    basis = line[WITH_TAX] if by_total else line[PRICE]
    found = figures_in_units(line[QTY_UNITS], price_units(basis) if by_total else line[PRICE_UNITS], rate_units,
                             by_total, basis, rate)
    _, _, _, amount, tax, total = found.units
    if not (-_MAX_CENTS < amount < _MAX_CENTS and -_MAX_CENTS < tax < _MAX_CENTS and -_MAX_CENTS < total < _MAX_CENTS):
        return None
    if line[AMOUNT] is not None and (by_total or line[CENTS] != amount):
        return None
    return (*line[:FIGURES], found, *line[FIGURES + 1:])
