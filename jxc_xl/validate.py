"""Check a document against the masters and the ledger's settings, before any posting.

Returns the document with every party, warehouse and item reference turned into its code,
and every problem found (all of them, not the first one only).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .model import Document, DocType, Item, Line, Party, PartyKind, Warehouse
from .money import MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES, mul_money, places
from .problems import Problem

PARTY_FIELD = {DocType.purchase_receipt: "供应商", DocType.purchase_return: "供应商",
               DocType.sales_shipment: "客户", DocType.sales_return: "客户"}
CUSTOMER_TYPES = {DocType.sales_shipment, DocType.sales_return, DocType.customer_receipt}
SUPPLIER_TYPES = {DocType.purchase_receipt, DocType.purchase_return, DocType.supplier_payment}
PRICED_TYPES = {DocType.purchase_receipt, DocType.purchase_return, DocType.sales_shipment,
                DocType.sales_return}


@dataclass
class Masters:
    """Items, parties and warehouses, found by code or by exact name."""

    items: dict[str, Item] = field(default_factory=dict)
    parties: dict[str, Party] = field(default_factory=dict)
    warehouses: dict[str, Warehouse] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._names = {kind: {m.name: code for code, m in table.items()}
                       for kind, table in (("item", self.items), ("party", self.parties),
                                           ("warehouse", self.warehouses))}

    def code(self, kind: str, ref: str) -> str | None:
        table = {"item": self.items, "party": self.parties, "warehouse": self.warehouses}[kind]
        ref = ref.strip()
        return ref if ref in table else self._names[kind].get(ref)


@dataclass
class _Check:
    doc: Document
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, field_: str = "", line: int | None = None, **args: object) -> None:
        source = self.doc.lines[line - 1].source if line else (
            self.doc.lines[0].source if self.doc.lines else self.doc.source)
        self.problems.append(Problem(code, self.doc.doc_no, line, field_, args, source))

    def number(self, value: Decimal | None, field_: str, places_: int, line: int | None = None,
               required: bool = True, positive: bool = True, zero_ok: bool = False) -> None:
        if value is None:
            if required:
                self.add("required", field_, line)
            return
        if value < 0 or (value == 0 and positive and not zero_ok):
            self.add("not_positive" if positive else "negative", field_, line, value=_show(value))
        elif places(value) > places_:
            self.add("too_many_places", field_, line, value=_show(value), places=places_)


def _show(value: Decimal) -> str:
    return format(value.normalize(), "f")


def validate(doc: Document, masters: Masters, closed_through: dt.date | None) -> tuple[Document, list[Problem]]:
    check = _Check(doc)
    if not doc.doc_no:
        check.add("required", "单号")
    if closed_through and doc.date <= closed_through:
        check.add("closed_period", "日期", value=doc.date.isoformat(), closed=closed_through.isoformat())
    updates: dict[str, object] = {}
    party = _party(check, masters)
    if party:
        updates["party"] = party
    for attr, field_ in (("warehouse", "调出仓库" if doc.type is DocType.transfer else "仓库"),
                         ("to_warehouse", "调入仓库")):
        if doc.type.has_lines and (attr == "warehouse" or doc.type is DocType.transfer):
            code = _reference(check, masters, "warehouse", getattr(doc, attr), field_)
            if code:
                updates[attr] = code
    if doc.type is DocType.transfer and updates.get("warehouse") and updates.get("warehouse") == updates.get("to_warehouse"):
        check.add("same_warehouse", "调入仓库", value=doc.to_warehouse)
    _money_fields(check)
    lines = tuple(_line(check, masters, i, line) for i, line in enumerate(doc.lines, start=1))
    if doc.type.has_lines and not doc.lines:
        check.add("no_lines", "商品编码")
    changed = {k: v for k, v in updates.items() if getattr(doc, k) != v}
    if changed or any(a is not b for a, b in zip(lines, doc.lines)):
        doc = doc.model_copy(update={**changed, "lines": lines})
    return doc, check.problems


def _reference(check: _Check, masters: Masters, kind: str, ref: str, field_: str,
               line: int | None = None) -> str | None:
    if not ref.strip():
        check.add("required", field_, line)
        return None
    code = masters.code(kind, ref)
    if code is None:
        check.add(f"unknown_{kind}", field_, line, value=ref.strip())
    return code


def _party(check: _Check, masters: Masters) -> str | None:
    doc = check.doc
    if doc.type not in CUSTOMER_TYPES | SUPPLIER_TYPES | {DocType.opening_balance}:
        return None
    field_ = PARTY_FIELD.get(doc.type, "往来单位")
    code = _reference(check, masters, "party", doc.party, field_)
    if code is None:
        return None
    kind = masters.parties[code].kind
    if doc.type in CUSTOMER_TYPES and not kind.is_customer:
        check.add("party_not_customer", field_, value=doc.party)
    elif doc.type in SUPPLIER_TYPES and not kind.is_supplier:
        check.add("party_not_supplier", field_, value=doc.party)
    elif doc.type is DocType.opening_balance:
        if doc.receivable and kind is PartyKind.supplier:
            check.add("party_not_customer", "应收", value=doc.party)
        if doc.payable and kind is PartyKind.customer:
            check.add("party_not_supplier", "应付", value=doc.party)
    return code


def _money_fields(check: _Check) -> None:
    doc = check.doc
    if doc.type in (DocType.customer_receipt, DocType.supplier_payment):
        check.number(doc.amount, "金额", MONEY_PLACES)
    elif doc.type is DocType.opening_balance:
        if not doc.receivable and not doc.payable:
            check.add("no_amount", "应收")
        for value, field_ in ((doc.receivable, "应收"), (doc.payable, "应付")):
            check.number(value, field_, MONEY_PLACES, required=False, positive=False)


def _line(check: _Check, masters: Masters, n: int, line: Line) -> Line:
    doc_type = check.doc.type
    sku = _reference(check, masters, "item", line.item, "商品编码", n)
    if sku and masters.items[sku].inactive:
        check.add("inactive_item", "商品编码", n, value=line.item)
    counted = doc_type is DocType.stock_count
    check.number(line.qty, "实盘数量" if counted else "数量", QTY_PLACES, n, zero_ok=counted)
    if doc_type in PRICED_TYPES:
        check.number(line.price, "单价", UNIT_COST_PLACES, n, positive=False)
        if line.amount is not None and line.price is not None and line.qty is not None:
            expected = mul_money(line.qty, line.price)
            if abs(line.amount - expected) > Decimal("0.01"):
                check.add("amount_mismatch", "金额", n, value=_show(line.amount), expected=_show(expected))
            else:
                check.number(line.amount, "金额", MONEY_PLACES, n, positive=False)
    unit_cost_required = doc_type is DocType.opening_stock
    if doc_type in (DocType.opening_stock, DocType.other_receipt, DocType.stock_count):
        check.number(line.unit_cost, "单位成本", UNIT_COST_PLACES, n, required=unit_cost_required, positive=False)
    return line.model_copy(update={"item": sku}) if sku and sku != line.item else line
