"""Check a document against the masters and the ledger's settings, before any posting.

Returns the document with every party, warehouse and item reference turned into its code,
and every problem found (all of them, not the first one only).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from . import order
from .model import FULFILS, INVOICED, Account, Document, DocType, Item, Line, Party, PartyKind, Warehouse
from .money import (MAX_AMOUNT, MAX_QTY, MAX_UNIT_PRICE, MONEY_PLACES, MONEY_SCALE, QTY_PLACES, QTY_SCALE,
                    UNIT_COST_PLACES, UNIT_COST_SCALE, cost_of, from_rate_units, memo, mul_money, places, to_qty_units, to_rate_units,
                    to_unit_cost_units, within)
from .problems import Problem
from .tax import Figures, Mismatch, Typed, figures as tax_figures, figures_in_units, rate_of

PARTY_FIELD = {DocType.purchase_receipt: "供应商", DocType.purchase_return: "供应商", DocType.purchase_order: "供应商",
               DocType.sales_shipment: "客户", DocType.sales_return: "客户", DocType.sales_order: "客户"}
CUSTOMER_TYPES = {DocType.sales_shipment, DocType.sales_return, DocType.sales_order, DocType.invoice_issued,
                  DocType.advance_receipt, DocType.advance_to_receivable}
SUPPLIER_TYPES = {DocType.purchase_receipt, DocType.purchase_return, DocType.purchase_order, DocType.invoice_received,
                  DocType.advance_payment, DocType.advance_to_payable}
# money in or out: any party (a 收款 from a supplier is its refund, a 付款 to a customer ours)
MONEY_TYPES = {DocType.customer_receipt, DocType.supplier_payment}
# one amount, positive, typed in 金额: the type gives the direction
AMOUNT_TYPES = MONEY_TYPES | {DocType.advance_receipt, DocType.advance_payment, DocType.expense, DocType.other_income,
                              DocType.cash_transfer, DocType.advance_to_receivable, DocType.advance_to_payable,
                              DocType.netting}
# money through an account: always named on these, on 收付款 once the workbook has accounts
NEEDS_ACCOUNT = {DocType.expense, DocType.other_income, DocType.cash_transfer, DocType.opening_cash}
ACCOUNT_TYPES = NEEDS_ACCOUNT | MONEY_TYPES | {DocType.advance_receipt, DocType.advance_payment}
# a party is optional on these (a 费用 may name whom it was paid to)
OPTIONAL_PARTY = {DocType.expense, DocType.other_income, DocType.cash_transfer}
PRICED_TYPES = {DocType.purchase_receipt, DocType.purchase_return, DocType.sales_shipment,
                DocType.sales_return, DocType.purchase_order, DocType.sales_order}

# What a figure may be: (decimal places, the limit its size must stay below).
MONEY = (MONEY_PLACES, MAX_AMOUNT)
QTY = (QTY_PLACES, MAX_QTY)
UNIT = (UNIT_COST_PLACES, MAX_UNIT_PRICE)
# Dates a document may carry: any later and date + 账期天数 could leave Python's calendar,
# any earlier is a typing slip. 账期天数 is bounded for the same reason.
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
MAX_TERMS_DAYS = 3650


@dataclass
class Masters:
    """Items, parties and warehouses, found by code (in any letter case) or by exact name.

    ``ambiguous`` — per kind, the codes more than one master row had: those rows are left out,
    and a reference to them (or to a name two masters share) says so instead of "unknown"."""

    items: dict[str, Item] = field(default_factory=dict)
    parties: dict[str, Party] = field(default_factory=dict)
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    ambiguous: dict[str, set[str]] = field(default_factory=dict)
    # 设置's 纳税人类型 and 默认税率: whether a 专票's tax is deductible, and the rate of last resort
    general_taxpayer: bool = False
    default_rate: Decimal | None = None
    accounts: dict[str, Account] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._codes: dict[str, dict[str, str]] = {}
        self._names: dict[str, dict[str, str | None]] = {}
        for kind, table in self.tables().items():
            self._codes[kind] = {code.casefold(): code for code in table}
            names: dict[str, str | None] = {}
            for code, m in table.items():
                names[m.name] = None if m.name in names else code      # a name two masters share: None
            self._names[kind] = names
        self._active: dict[str, str | None] = {}

    def tables(self) -> dict[str, dict]:
        return {"item": self.items, "party": self.parties, "warehouse": self.warehouses, "account": self.accounts}

    def code(self, kind: str, ref: str) -> str | None:
        ref = ref.strip()
        return self._codes[kind].get(ref.casefold()) or self._names[kind].get(ref)

    def active_item(self, ref: str) -> str | None:
        """The code of the active item ``ref`` names; None for any other reference (each asked once)."""
        try:
            return self._active[ref]
        except KeyError:
            code = self.code("item", ref)
            self._active[ref] = found = code if code is not None and not self.items[code].inactive else None
            return found

    def is_ambiguous(self, kind: str, ref: str) -> bool:
        """Whether ``ref`` names more than one master row, so which one is meant cannot be told."""
        ref = ref.strip()
        return ref.casefold() in {c.casefold() for c in self.ambiguous.get(kind, ())} or \
            (ref in self._names[kind] and self._names[kind][ref] is None)


MASTER_SHEETS = {"item": "商品", "party": "往来单位", "warehouse": "仓库", "account": "账户"}


@dataclass
class _Check:
    doc: Document
    problems: list[Problem] = field(default_factory=list)
    # the 税率 of a line that neither it nor its item gives one: its party's, else 设置's, else 0
    # (tax.rate_of's last candidates, found once per document for the lines' shortcuts)
    fallback_rate: Decimal = Decimal(0)

    def add(self, code: str, field_: str = "", line: int | None = None, **args: object) -> None:
        source = self.doc.lines[line - 1].source if line else (
            self.doc.lines[0].source if self.doc.lines else self.doc.source)
        self.problems.append(Problem(code, self.doc.doc_no, line, field_, args, source))

    def number(self, value: Decimal | None, field_: str, kind: tuple[int, Decimal], line: int | None = None,
               required: bool = True, positive: bool = True, zero_ok: bool = False, sign: str = "not_positive") -> bool:
        """Check one figure; True when it is there and good. ``sign``: the problem a figure not
        above zero is (a payment's 金额 says how a refund is typed)."""
        if value is None:
            if required:
                self.add("required", field_, line)
            return False
        problem = _figure_problem(value, kind, positive, zero_ok)
        if problem:
            self.add(sign if problem[0] == "not_positive" else problem[0], field_, line, **problem[1])
        return problem is None

    def fits(self, value: Decimal | None, field_: str, kind: tuple[int, Decimal], line: int | None = None) -> None:
        """A figure this document type does not use but the ledger keeps: it must fit."""
        args = None if value is None else _oversize(value, kind[1])
        if args:
            self.add("too_large", field_, line, **args)

    def date(self, value: dt.date | None, field_: str, line: int | None = None) -> None:
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            self.add("date_out_of_range", field_, line, value=value.isoformat(), low=MIN_DATE.isoformat(),
                     high=MAX_DATE.isoformat())

    def product(self, qty: Decimal | None, unit: Decimal | None, field_: str, line: int) -> Decimal | None:
        """qty × a unit figure, once both are good numbers; too large an amount is a problem."""
        if qty is None or unit is None or not within(qty, MAX_QTY) or not within(unit, MAX_UNIT_PRICE):
            return None
        amount = mul_money(qty, unit)
        if not within(amount, MAX_AMOUNT):
            self.add("product_too_large", field_, line, value=_show(amount), limit=_limit(MAX_AMOUNT))
            return None
        return amount


def _figure_problem(value: Decimal, kind: tuple[int, Decimal], positive: bool = False,
                    zero_ok: bool = False) -> tuple[str, dict] | None:
    """What is wrong with one typed figure, if anything: its size (beyond what the ledger
    holds), its sign, or more decimals than kept."""
    places_, limit = kind
    if args := _oversize(value, limit):
        return "too_large", args
    if value < 0 or (value == 0 and positive and not zero_ok):
        return ("not_positive" if positive and not zero_ok else "negative"), {"value": _show(value)}
    if places(value) > places_:
        return "too_many_places", {"value": _show(value), "places": places_}
    return None


def _oversize(value: Decimal, limit: Decimal) -> dict | None:
    """The arguments of a too_large problem, when ``value`` is not below ``limit``."""
    return None if within(value, limit) else {"value": _show(value), "limit": _limit(limit)}


def _show(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _limit(limit: Decimal) -> str:
    return f"{int(limit):,}"


def validate(doc: Document, masters: Masters, closed_through: dt.date | None) -> tuple[Document, list[Problem]]:
    party = masters.parties.get(doc.party)
    check = _Check(doc, fallback_rate=rate_of(party and party.tax_rate, masters.default_rate))
    if not doc.doc_no:
        check.add("required", "单号")
    if closed_through and doc.date <= closed_through:
        check.add("closed_period", "日期", value=doc.date.isoformat(), closed=closed_through.isoformat())
    check.date(doc.date, "日期")
    check.date(doc.due_date, "到期日")
    updates: dict[str, object] = {}
    party = _party(check, masters)
    if party:
        updates["party"] = party
    for attr, field_ in (("warehouse", "调出仓库" if doc.type is DocType.transfer else "仓库"),
                         ("to_warehouse", "调入仓库")):
        if doc.type.has_lines and doc.type not in INVOICED and (attr == "warehouse" or doc.type is DocType.transfer):
            code = _reference(check, masters, "warehouse", getattr(doc, attr), field_)
            if code:
                updates[attr] = code
    if doc.type is DocType.transfer and updates.get("warehouse") and updates.get("warehouse") == updates.get("to_warehouse"):
        check.add("same_warehouse", "调入仓库", value=doc.to_warehouse)
    updates.update(_accounts(check, masters))
    _money_fields(check)
    each = _invoiced if doc.type in INVOICED else _line
    lines = tuple(each(check, masters, i, line) for i, line in enumerate(doc.lines, start=1))
    if doc.type.has_lines and not doc.lines:
        check.add("no_lines", "单号" if doc.type in INVOICED else "商品编码")
    elif len(doc.lines) >= order.LINES:          # a line's number is part of its movements' order key
        check.add("too_many_lines", "商品编码", value=len(doc.lines), expected=order.LINES - 1)
    changed = {k: v for k, v in updates.items() if getattr(doc, k) != v}
    if changed or any(a is not b for a, b in zip(lines, doc.lines)):
        doc = doc.updated({**changed, "lines": lines})
    return doc, check.problems


def _reference(check: _Check, masters: Masters, kind: str, ref: str, field_: str,
               line: int | None = None) -> str | None:
    if not ref.strip():
        check.add("required", field_, line)
        return None
    code = masters.code(kind, ref)
    if code is None and masters.is_ambiguous(kind, ref):
        check.add("ambiguous_code", field_, line, value=ref.strip(), expected=MASTER_SHEETS[kind])
    elif code is None:
        check.add(f"unknown_{kind}", field_, line, value=ref.strip())
    return code


def _accounts(check: _Check, masters: Masters) -> dict[str, str]:
    """The 账户 (and a 转账's 转入账户) as codes: required where money moves through one, known
    and active; a 转账 between two different ones. A 订单号 only on a 预收/预付."""
    doc, found = check.doc, {}
    if doc.order_no and doc.type not in (DocType.advance_receipt, DocType.advance_payment):
        check.add("advance_order_only", "订单号", value=doc.order_no, expected=doc.type.label)
    if doc.type not in ACCOUNT_TYPES:
        return found
    wanted = [("account", "账户")] + ([("to_account", "转入账户")] if doc.type is DocType.cash_transfer else [])
    for attr, field_ in wanted:
        ref = getattr(doc, attr)
        if not ref.strip() and attr == "account" and doc.type not in NEEDS_ACCOUNT and not masters.accounts:
            continue
        code = _reference(check, masters, "account", ref, field_)
        if code and masters.accounts[code].inactive:
            check.add("inactive_account", field_, value=ref)
        if code:
            found[attr] = code
    if doc.type is DocType.cash_transfer and found.get("account") and found.get("account") == found.get("to_account"):
        check.add("same_account", "转入账户", value=doc.to_account)
    return found


def _party(check: _Check, masters: Masters) -> str | None:
    doc = check.doc
    if doc.type in OPTIONAL_PARTY and not doc.party.strip():
        return None
    if doc.type not in CUSTOMER_TYPES | SUPPLIER_TYPES | MONEY_TYPES | OPTIONAL_PARTY | {
            DocType.opening_balance, DocType.netting}:
        return None
    field_ = PARTY_FIELD.get(doc.type, "往来单位")
    code = _reference(check, masters, "party", doc.party, field_)
    if code is None:
        return None
    kind = masters.parties[code].kind
    if masters.parties[code].terms_days > MAX_TERMS_DAYS:
        check.add("terms_too_large", field_, value=doc.party, expected=masters.parties[code].terms_days,
                  limit=MAX_TERMS_DAYS)
    if doc.type in CUSTOMER_TYPES and not kind.is_customer:
        check.add("party_not_customer", field_, value=doc.party)
    elif doc.type in SUPPLIER_TYPES and not kind.is_supplier:
        check.add("party_not_supplier", field_, value=doc.party)
    elif doc.type is DocType.netting and kind is not PartyKind.both:
        check.add("party_not_both", field_, value=doc.party)
    elif doc.type is DocType.opening_balance:
        if doc.receivable and kind is PartyKind.supplier:
            check.add("party_not_customer", "应收", value=doc.party)
        if doc.payable and kind is PartyKind.customer:
            check.add("party_not_supplier", "应付", value=doc.party)
    return code


def _money_fields(check: _Check) -> None:
    doc = check.doc
    if doc.type in AMOUNT_TYPES:
        check.number(doc.amount, "金额", MONEY, sign="money_not_positive" if doc.type in MONEY_TYPES else "not_positive")
    elif doc.type is DocType.opening_cash:          # an overdraft opens negative: its size and places count
        check.number(None if doc.amount is None else abs(doc.amount), "金额", MONEY, positive=False)
    elif doc.type is DocType.opening_balance:
        if not doc.receivable and not doc.payable:
            check.add("no_amount", "应收")
        for value, field_ in ((doc.receivable, "应收"), (doc.payable, "应付")):
            check.number(value, field_, MONEY, required=False, positive=False)
    else:
        check.fits(doc.amount, "金额", MONEY)


def _line(check: _Check, masters: Masters, n: int, line: Line) -> Line:
    plain = _plain(check, masters, line)
    if plain is None:
        plain = _taxed(check, masters, line)
    if plain is not None:
        return plain
    doc_type = check.doc.type
    sku = _reference(check, masters, "item", line.item, "商品编码", n)
    if sku and masters.items[sku].inactive:
        check.add("inactive_item", "商品编码", n, value=line.item)
    counted = doc_type is DocType.stock_count
    check.number(line.qty, "实盘数量" if counted else "数量", QTY, n, zero_ok=counted)
    if doc_type not in PRICED_TYPES:
        check.fits(line.price, "单价", UNIT, n)
    else:
        line = _priced(check, masters, n, line, sku)
    if line.order_no and doc_type not in FULFILS:
        check.add("order_no_not_here", "订单号", n, value=line.order_no, expected=doc_type.label)
    check.date(line.delivery_date, "交货日期", n)
    if doc_type not in (DocType.opening_stock, DocType.other_receipt, DocType.stock_count):
        check.fits(line.unit_cost, "单位成本", UNIT, n)
    elif check.number(line.unit_cost, "单位成本", UNIT, n, required=doc_type is DocType.opening_stock,
                      positive=False):
        check.product(line.qty, line.unit_cost, "单位成本", n)
    return line.updated({"item": sku}) if sku and sku != line.item else line


def _plain(check: _Check, masters: Masters, line: Line) -> Line | None:
    """The common line — priced, of an active item, a good 数量 and 单价 and nothing else typed, no
    税率 found for it — which passes every check of :func:`_line`: that line, its item as its code.
    None for any other line, which goes the full way (and is told what is wrong).

    Measured on bench's 100,000 lines: checked the full way, each line's figures cost 14 Decimal
    operations and 4 problem-lookups (4.1 s of a 11.5 s post under cProfile); asked once per
    distinct figure (:func:`_judged`), a plain line costs a few dictionary lookups and one product.
    Its 金额 is asked in integers (the product of the two scaled figures below the largest that
    rounds under the limit, both figures good: no more places than their units hold, not
    negative) and its 税率 from the document's fallback: measured on the same lines (CPU, the
    machine shared, each run twice), validate() of bench's 20,000 documents 0.72 s → 0.56 s."""
    if (check.doc.type not in PRICED_TYPES or line.price is None or line.amount is not None
            or line.unit_cost is not None or line.price_with_tax is not None or line.tax is not None
            or line.total_with_tax is not None or line.tax_rate is not None or line.order_no
            or line.delivery_date is not None):
        return None
    sku = masters.active_item(line.item)
    if sku is None or not _good_qty(line.qty) or not _good_price(line.price):
        return None
    rate = masters.items[sku].tax_rate
    if (check.fallback_rate if rate is None else rate) or _QTY_UNITS(line.qty) * _UNIT_UNITS(line.price) >= _MAX_PRODUCT:
        return None
    return line.updated({"item": sku}) if sku != line.item else line


def _taxed(check: _Check, masters: Masters, line: Line) -> Line | None:
    """The common taxed line — priced by its 单价 or its 含税单价 (not both), of an active item, a
    good 数量 and price, a 税率 typed or found and no figure of its own (金额, 税额, 价税合计) — which
    passes every check of :func:`_priced`: that line with its figures, its item as its code. None
    for any other line, which goes the full way (and is told what is wrong).

    Measured on 40,000 of bench's taxed lines: the full way cost 9.8 s of the post's 80 s under
    cProfile; here each distinct 数量, price and 税率 is scaled once and the figures are worked out
    in integers (tax.figures_in_units). Its rate found and its figures' range asked written out, the
    price scaled once, the 金额 (or 价税合计) not worked out twice: measured (CPU, best of three)
    on bench's 20,000 taxed documents with the fingerprint's and Line.updated's steps, validate()
    2.68 → 2.23 s."""
    doc = check.doc
    by_total = line.price is None
    basis = line.price_with_tax if by_total else line.price
    if (doc.type not in PRICED_TYPES or basis is None or (not by_total and line.price_with_tax is not None)
            or line.amount is not None or line.unit_cost is not None or line.tax is not None
            or line.total_with_tax is not None or line.order_no or line.delivery_date is not None):
        return None
    sku = masters.active_item(line.item)
    qty = line.qty
    if sku is None or not _good_qty(qty) or not _good_price(basis):
        return None
    if not qty and qty.is_signed() or not basis and basis.is_signed():   # Decimal keeps "-0.00": the full way
        return None
    rate = line.tax_rate                # tax.rate_of written out: the line's, the item's, the fallback
    if rate is None:
        rate = masters.items[sku].tax_rate
        if rate is None:
            rate = check.fallback_rate
    rate_units, qty, unit = _RATE_UNITS(rate), _QTY_UNITS(qty), _UNIT_UNITS(basis)
    if rate_units < 0:
        return None
    update = {"item": sku} if sku != line.item else {}
    if rate or by_total:                # (its 金额 or 价税合计 is checked below with the other two)
        found = figures_in_units(qty, unit, rate_units, by_total, basis, rate)
        _, _, _, amount, tax, total = found.units
        if not (-_MAX_CENTS < amount < _MAX_CENTS and -_MAX_CENTS < tax < _MAX_CENTS
                and -_MAX_CENTS < total < _MAX_CENTS):
            return None
        update["figures"] = found
    elif not -_MAX_CENTS < cost_of(qty, unit) < _MAX_CENTS:
        return None
    return line.updated(update) if update else line


def _rate_units(rate: Decimal) -> int:
    """A 税率 in millionths, or -1 for one no sheet gives (more places than they hold, not a
    fraction from 0 below 1), left to the full way."""
    if not rate.is_finite() or not 0 <= rate < 1:
        return -1
    units = to_rate_units(rate)
    return units if from_rate_units(units) == rate else -1


# each distinct figure scaled once (those of a taxed line: its 数量, price and 税率), for _taxed
_QTY_UNITS = memo(to_qty_units, 100_000)
_UNIT_UNITS = memo(to_unit_cost_units, 100_000)
_RATE_UNITS = memo(_rate_units, 1_000)
_MAX_CENTS = int(MAX_AMOUNT) * MONEY_SCALE
_PER_CENT = QTY_SCALE * UNIT_COST_SCALE // MONEY_SCALE      # units of 数量 × 单价 in a cent
# A 数量 × 单价 in units (1e-4 × 1e-6) rounds half up to fewer than _MAX_CENTS cents — within(mul_money(…),
# MAX_AMOUNT) — exactly when it is below this (the product of good figures is not negative).
_MAX_PRODUCT = _MAX_CENTS * _PER_CENT - _PER_CENT // 2


def _judged(kind: tuple[int, Decimal], positive: bool) -> Callable[[Decimal], bool]:
    """Whether one typed figure of ``kind`` is good (:func:`_figure_problem` finds nothing), each
    distinct one asked once: equal Decimals (1.5, 1.50) have the same size, sign and places. One
    table per kind, keyed by the figure alone (a key of figure, kind and sign built per line was a
    third of the lookup's time)."""
    found: dict[Decimal, bool] = {}

    def good(value: Decimal) -> bool:
        try:
            return found[value]
        except (KeyError, TypeError):            # (a signalling NaN cannot be hashed)
            if not value.is_finite():            # … nor any NaN be a key: never good
                return False
            if len(found) > 100_000:
                found.clear()
            found[value] = judged = _figure_problem(value, kind, positive) is None
            return judged
    return good


_good_qty, _good_price = _judged(QTY, True), _judged(UNIT, False)


def _priced(check: _Check, masters: Masters, n: int, line: Line, sku: str | None) -> Line:
    """A priced line's 单价 (or 含税单价) and, with a rate or a typed tax figure, its 金额, 税额
    and 价税合计 worked out as the contract's 增值税 section says. A line with no tax is left as
    it was typed (its 金额 is 数量 × 单价, posted as ever)."""
    with_tax = line.price_with_tax
    typed = [(value, field_) for value, field_ in ((line.price, "单价"), (with_tax, "含税单价")) if value is not None]
    if not typed:
        check.add("required", "单价", n)
        return line
    basis, basis_field = typed[0]          # the price the figures start from: 单价 when both are typed
    basis_ok = [check.number(value, field_, UNIT, n, positive=False) for value, field_ in typed][0]
    for value, field_ in ((line.tax, "税额"), (line.total_with_tax, "价税合计")):
        check.number(value, field_, MONEY, n, required=False, positive=False)
    if not basis_ok:
        return line
    party = masters.parties.get(check.doc.party)
    item = masters.items.get(sku) if sku else None
    rate = rate_of(line.tax_rate, item and item.tax_rate, party and party.tax_rate, masters.default_rate)
    if not rate and line.tax is None and line.total_with_tax is None and with_tax is None:
        expected = check.product(line.qty, line.price, "单价", n)
        if line.amount is not None and expected is not None:
            if abs(line.amount - expected) > Decimal("0.01"):
                check.add("amount_mismatch", "金额", n, value=_show(line.amount), expected=_show(expected))
            else:
                check.number(line.amount, "金额", MONEY, n, positive=False)
        return line
    if check.product(line.qty, basis, basis_field, n) is None:
        return line
    found = line_figures(line, rate)
    if isinstance(found, Mismatch):
        check.add("tax_mismatch", found.field, n, value=_show(found.typed), expected=f"{found.expected:f}")
        return line
    for value, field_ in ((found.amount, "金额"), (found.tax, "税额"), (found.total_with_tax, "价税合计")):
        if not within(value, MAX_AMOUNT):
            check.add("product_too_large", field_, n, value=_show(value), limit=_limit(MAX_AMOUNT))
            return line
    return line.updated({"figures": found})


def _invoiced(check: _Check, masters: Masters, n: int, line: Line) -> Line:
    """An invoice's line: its figures (negative on a 红字发票, never 0) and, when all three are
    typed, 价税合计 = 金额 + 税额 to the cent. What document it covers the ledger checks."""
    for value, field_ in ((line.amount, "金额"), (line.tax, "税额")):
        if value is not None:
            check.number(abs(value), field_, MONEY, n, positive=False)
    total = line.total_with_tax
    if total is not None and total == 0:
        check.add("invoice_zero", "价税合计", n)
    elif total is not None and check.number(abs(total), "价税合计", MONEY, n):
        if line.amount is not None and line.tax is not None and line.amount + line.tax != total:
            check.add("invoice_sum", "价税合计", n, value=f"{total:,.2f}", expected=f"{line.amount + line.tax:,.2f}")
    return line


def line_figures(line: Line, rate: Decimal) -> Figures | Mismatch:
    """The line's figures at ``rate`` from what its cells hold."""
    return tax_figures(Typed(line.qty, rate, line.price, line.price_with_tax, line.amount, line.tax, line.total_with_tax))


def check_reversal_date(doc_no: str, date: dt.date, original: dt.date,
                        closed_through: dt.date | None) -> Problem | None:
    """A 红字冲销 may not be dated before its original (it would cancel what was not yet
    there), in a closed period, or outside the dates the ledger takes."""
    def problem(code: str, **args: object) -> Problem:
        return Problem(code, doc_no, None, "日期", {"value": date.isoformat(), **args})

    if not MIN_DATE <= date <= MAX_DATE:
        return problem("date_out_of_range", low=MIN_DATE.isoformat(), high=MAX_DATE.isoformat())
    if date < original:
        return problem("reversal_before_original", expected=original.isoformat())
    if closed_through and date <= closed_through:
        return problem("closed_period", closed=closed_through.isoformat())
    return None


def check_items(items: list[Item]) -> list[Problem]:
    """Items whose figures the ledger cannot hold; each Problem's doc_no is the 商品编码."""
    fields = (("purchase_price", "参考进价", UNIT), ("sale_price", "参考售价", UNIT),
              ("min_qty", "安全库存", QTY), ("max_qty", "最高库存", QTY))
    return [p for item in items for p in _master_figures(item.sku, item, fields)]


def check_parties(parties: list[Party]) -> list[Problem]:
    """Parties whose 信用额度 or 账期天数 the ledger cannot hold; doc_no is the 编码."""
    problems = [p for party in parties
                for p in _master_figures(party.code, party, (("credit_limit", "信用额度", MONEY),))]
    return problems + [Problem("terms_too_large", party.code, None, "账期天数",
                               {"value": party.code, "expected": party.terms_days, "limit": MAX_TERMS_DAYS})
                       for party in parties if party.terms_days > MAX_TERMS_DAYS]


def _master_figures(code: str, master: object, fields: tuple) -> list[Problem]:
    """The out-of-range figures of one master row (its own sign and decimals are the
    workbook reader's business: only what the ledger cannot store is refused here)."""
    found = []
    for attr, field_, (_, limit) in fields:
        value = getattr(master, attr)
        if value is not None and (args := _oversize(value, limit)):
            found.append(Problem("too_large", code, None, field_, args))
    return found
