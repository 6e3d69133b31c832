"""增值税 on one document line: the rate, the two price bases and the clerk's typed invoice figures.

The contract (docs/workbook.md, 增值税) fixes the arithmetic: rounded half up **per line**, never
per document, and a line always balances (价税合计 = 金额 + 税额 exactly). A clerk copies the
invoice, so a typed 金额, 税额 or 价税合计 is kept to the cent when it is within a cent of what the
rate gives — the invoice, not our rounding, is what the books must match — and anything further
off is an error that says which figure, what was typed and what it should be.

Rates are exact fractions (13% is Decimal('0.13')); nothing here sees a float.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .money import (MONEY_PLACES, RATE_PLACES, UNIT_COST_PLACES, ZERO, cost_of, div_half_up, fixed_text, mul_money,
                    places, ratio, round_money, round_unit_cost, scaled_text, unit_of)

CENT = Decimal("0.01")
MAX_RATE = Decimal(1)          # a rate is a fraction below 100%


def parse_rate(value: object) -> Decimal | None:
    """A rate as typed — ``13%``, ``13``, ``0.13`` all mean 13% — as an exact fraction; None when
    it is not one (blank is the caller's business). A figure of 1 or more is a percentage."""
    return _rate(str(value).strip())


@lru_cache(maxsize=1024)
def _rate(text: str) -> Decimal | None:
    """:func:`parse_rate` of a cell's text, remembered: a sheet types a few rates on thousands of
    lines (measured: 2 µs a 税率 cell, 0.1 µs remembered)."""
    text = text.replace("％", "%")
    percent = text.endswith("%")
    try:
        rate = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        return None
    if not rate.is_finite() or rate < 0:
        return None
    rate = rate / 100 if percent or rate >= 1 else rate
    return rate if rate < MAX_RATE and places(rate) <= RATE_PLACES else None


def rate_of(*candidates: Decimal | None) -> Decimal:
    """The line's rate: its own, else the item's, else the party's, else 设置's, else 0."""
    return next((rate for rate in candidates if rate is not None), ZERO)


@dataclass(frozen=True)
class Typed:
    """What the clerk typed on a line, each figure None when the cell was empty."""

    qty: Decimal
    rate: Decimal
    price: Decimal | None = None            # 单价 (tax-exclusive)
    price_with_tax: Decimal | None = None   # 含税单价
    amount: Decimal | None = None           # 金额
    tax: Decimal | None = None              # 税额
    total_with_tax: Decimal | None = None   # 价税合计


@dataclass(frozen=True, slots=True)
class Figures:
    """A line's figures as the books keep them: ``total_with_tax == amount + tax`` always.
    ``units``: the same as the ledger stores them (税率 and prices in millionths, money in cents)
    when they were worked out in integers (:func:`figures_in_units`), so posting scales nothing.
    Slotted: every taxed line holds one, and their dicts were 30 MB of a 100,000-line post."""

    rate: Decimal
    price: Decimal
    price_with_tax: Decimal
    amount: Decimal
    tax: Decimal
    total_with_tax: Decimal
    units: tuple[int, int, int, int, int, int] | None = field(default=None, compare=False, repr=False)


# Figures' fields in the order of Figures.units, each with the places the ledger keeps it to
UNITS = ("rate", "price", "price_with_tax", "amount", "tax", "total_with_tax")
_PLACES = (RATE_PLACES, UNIT_COST_PLACES, UNIT_COST_PLACES, MONEY_PLACES, MONEY_PLACES, MONEY_PLACES)


def units_text(units: tuple, i: int) -> str:
    """Figure ``i`` of a line's figures in the ledger's units (Figures.units' order) as its exact
    text, as the Figures read back from the ledger hold it (money to the cent, 12.30; a price to
    six places; a rate with no trailing zeros, 0.13): what 过账 writes into the row's empty cell,
    with no Decimal made (a taxed post writes four of them a line)."""
    return canonical_text(units, i) if i == 0 else fixed_text(units[i], _PLACES[i])


def canonical_text(units: tuple, i: int) -> str:
    """Figure ``i`` (Figures.units' order) as a fingerprint writes a Decimal of that value
    (normalized: 300, 12.3, 0.13), from its units."""
    return scaled_text(units[i], _PLACES[i])


@dataclass(frozen=True)
class Mismatch:
    """A typed figure further than a cent from what it should be (``field`` is its header); the
    row's message is the problem ``tax_mismatch`` (domain.problems)."""

    field: str
    typed: Decimal
    expected: Decimal


def figures(line: Typed) -> Figures | Mismatch:
    """The line's 金额, 税额 and 价税合计 from whichever price the clerk typed (含税单价 when only it
    was), keeping the typed figures that agree with it to the cent."""
    if line.price is None and line.price_with_tax is not None:
        return _from_price_with_tax(line)
    return _from_price(line)


_RATE_ONE = 10**RATE_PLACES


def figures_in_units(qty: int, basis: int, rate: int, by_total: bool, typed: Decimal,
                     rate_typed: Decimal) -> Figures:
    """:func:`figures` of a line with nothing typed but its 数量 (``qty`` in 1e-4), one price
    (``basis`` in 1e-6: its 含税单价 when ``by_total``, else its 单价; ``typed`` as typed) and its
    税率 (``rate`` in 1e-6, ``rate_typed`` as found), worked out in scaled integers with the one
    half-up rule (money.div_half_up): the same figures, as exact rationals are rounded once either
    way. Such a line never mismatches (nothing typed to disagree with), so none is looked for.

    Measured on bench's taxed lines: the combinations of 数量, price and rate do not repeat (38,930
    of 40,000), so no memo pays; the Decimal way was 14 operations a line."""
    if by_total:            # 价税合计 = round₂(数量 × 含税单价); 税额 = round₂(价税合计 × 税率 ÷ (1 + 税率))
        total = cost_of(qty, basis)
        tax = div_half_up(total * rate, _RATE_ONE + rate)
        amount = total - tax
        price, with_tax = unit_of(amount, qty), basis
        price_figure, with_tax_figure = Decimal(price).scaleb(_UNIT_EXP), typed
    else:                   # 金额 = round₂(数量 × 单价); 税额 = round₂(金额 × 税率)
        amount = cost_of(qty, basis)
        tax = div_half_up(amount * rate, _RATE_ONE)
        total = amount + tax
        price, with_tax = basis, unit_of(total, qty)
        price_figure, with_tax_figure = typed, Decimal(with_tax).scaleb(_UNIT_EXP)
    # (the Decimals made here, not by a helper each: measured on bench's 100,000 taxed lines, the
    # four Decimals a line are ~0.1 s; made only when asked — Figures holding the integers alone —
    # would save that, but Figures travels as a dataclass through the door (ledger/server/wire.py)
    # and as a pydantic field of Line, whose dumps and validation read its fields: not worth it.)
    return _made(rate_typed, price_figure, with_tax_figure, Decimal(amount).scaleb(_MONEY_EXP),
                 Decimal(tax).scaleb(_MONEY_EXP), Decimal(total).scaleb(_MONEY_EXP),
                 (rate, price, with_tax, amount, tax, total))


_MONEY_EXP, _UNIT_EXP = -MONEY_PLACES, -UNIT_COST_PLACES


_SET_RATE, _SET_PRICE, _SET_WITH_TAX, _SET_AMOUNT, _SET_TAX, _SET_TOTAL, _SET_UNITS = (
    Figures.__dict__[name].__set__ for name in (*UNITS, "units"))


def _made(rate, price, price_with_tax, amount, tax, total_with_tax, units) -> Figures:
    """``Figures(…)``, each field put into its slot directly: a frozen dataclass's ``__init__`` sets
    each through ``object.__setattr__`` (measured, timeit: 2.3 µs a Figures, 1.5 µs so; a taxed line
    makes one). The same object: its fields, equality and hash."""
    made = _NEW(Figures)
    _SET_RATE(made, rate)
    _SET_PRICE(made, price)
    _SET_WITH_TAX(made, price_with_tax)
    _SET_AMOUNT(made, amount)
    _SET_TAX(made, tax)
    _SET_TOTAL(made, total_with_tax)
    _SET_UNITS(made, units)
    return made


_NEW = object.__new__


def _from_price(line: Typed) -> Figures | Mismatch:
    """金额 = round₂(数量 × 单价); 税额 = round₂(金额 × 税率); 价税合计 = 金额 + 税额."""
    price = line.price if line.price is not None else ZERO
    amount = line.amount if line.amount is not None else mul_money(line.qty, price)
    if line.amount is not None and _off(amount, line.qty * price):
        return Mismatch("金额", amount, mul_money(line.qty, price))
    due = round_money(amount * line.rate)
    if line.tax is not None:
        tax = line.tax
    else:
        tax = line.total_with_tax - amount if line.total_with_tax is not None else due
    if _off(tax, amount * line.rate):
        return Mismatch("税额", tax, due) if line.tax is not None else Mismatch("价税合计", line.total_with_tax, amount + due)
    return _balanced(line, price, amount, tax)


def _from_price_with_tax(line: Typed) -> Figures | Mismatch:
    """价税合计 = round₂(数量 × 含税单价); 税额 = round₂(价税合计 × 税率 ÷ (1 + 税率)); 金额 = 价税合计 − 税额;
    单价 = 金额 ÷ 数量 to 6 decimals."""
    exact = line.qty * line.price_with_tax
    total = line.total_with_tax if line.total_with_tax is not None else mul_money(line.qty, line.price_with_tax)
    if _off(total, exact):
        return Mismatch("价税合计", total, round_money(exact))
    due = round_money(total * line.rate / (1 + line.rate))
    if line.tax is not None:
        tax = line.tax
    else:
        tax = total - line.amount if line.amount is not None else due
    amount = line.amount if line.amount is not None else total - tax
    if _off(tax, amount * line.rate):
        return Mismatch("税额", tax, due) if line.tax is not None else Mismatch("金额", amount, total - due)
    price = round_unit_cost(ratio(amount, line.qty)) if line.qty else ZERO
    return _balanced(line, price, amount, tax)


def _balanced(line: Typed, price: Decimal, amount: Decimal, tax: Decimal) -> Figures | Mismatch:
    """The line balances exactly: a typed 价税合计 is 金额 + 税额 to the cent, and a 含税单价 typed
    beside a 单价 gives that 价税合计 within a cent (or is the one written back), or it is an error."""
    total = amount + tax
    if line.total_with_tax is not None and line.total_with_tax != total:
        return Mismatch("价税合计", line.total_with_tax, total)
    worked_out = round_unit_cost(ratio(total, line.qty)) if line.qty else ZERO
    with_tax = line.price_with_tax
    if with_tax is None:
        with_tax = worked_out
    elif line.price is not None and with_tax != worked_out and _off(total, line.qty * with_tax):
        return Mismatch("含税单价", with_tax, worked_out.normalize())     # beside a 单价 it disagrees with
    return Figures(line.rate, price, with_tax, amount, tax, total)


def _off(figure: Decimal, exact: Decimal) -> bool:
    """Further than a cent from the exact (unrounded) figure: the contract's tolerance."""
    return abs(figure - exact) > CENT
