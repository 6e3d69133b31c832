"""What every costing method shares: small pure functions from an opening state and movements to costs.

The ledger hands one item × warehouse's movements, in order, to :func:`run`; it answers
with each movement's signed quantity and value and the running balance, or with the first
movement that would take the balance below zero. Nothing here touches the database.

Rules common to all methods
  * an issue costs qty × unit cost, rounded to the cent once; an issue that empties the
    balance takes exactly what is left, so a zero quantity always has a zero value (the
    monthly average settles that at the month's end);
  * a ``fixed`` movement carries its value in (purchase, opening, a return or transfer
    whose value the ledger took from the movement it names);
  * a ``current`` movement moves at the current unit cost (issues, count differences,
    returns with no source, other receipts with no cost);
  * a ``count`` movement carries the counted quantity; the difference to the book
    quantity becomes a gain (in at the current unit cost, or the given cost when there is
    no stock) or a loss (an issue).

Negative stock, when a ledger allows it: what an issue takes beyond the balance costs at the
last known unit cost (the moving average's rate, FIFO's last consumed layer); a receipt into
a negative balance revalues the resulting balance at the receipt's own unit cost (so a
balance back at zero is worth zero again).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Callable, Literal

from ..money import ZERO, mul_money, prorate, ratio, round_unit_cost

Rule = Literal["fixed", "current", "count"]


@dataclass(frozen=True)
class Move:
    """One stock movement as the costing sees it. ``qty`` is positive (counted on a count)."""

    id: int
    date: dt.date
    direction: int                     # +1 in, -1 out, 0 for a count (decided by the count)
    rule: Rule
    qty: Decimal
    value: Decimal = ZERO              # the value of a fixed movement (positive)
    unit_cost: Decimal | None = None   # given cost for a count gain or receipt when there is no stock
    layer: int | None = None           # FIFO: the receipt whose layer a return takes from first
    in_basis: bool = True              # monthly average: counts toward the month's rate


@dataclass(frozen=True)
class State:
    """The balance of one item × warehouse, and the unit cost to fall back on at zero."""

    qty: Decimal = ZERO
    value: Decimal = ZERO
    last_unit: Decimal | None = None
    layers: tuple[tuple[int | None, Decimal, Decimal, Decimal], ...] = ()   # FIFO: (receipt id, qty, value, rate)

    @property
    def unit(self) -> Decimal | None:
        """The current unit cost: value / qty while there is stock, else the last known one."""
        return round_unit_cost(ratio(self.value, self.qty)) if self.qty > 0 else self.last_unit


@dataclass(frozen=True)
class Result:
    id: int
    qty: Decimal        # signed
    value: Decimal      # signed
    state: State        # the balance after the movement


@dataclass(frozen=True)
class Shortage:
    """The movement at ``index`` needs ``needed`` but only ``available`` is there."""

    index: int
    needed: Decimal
    available: Decimal


@dataclass(frozen=True)
class NoCost:
    """The movement at ``index`` must come in at a current cost, and there is none."""

    index: int


@dataclass
class Costed:
    results: list[Result] = field(default_factory=list)
    failure: Shortage | NoCost | None = None


# The fast path (scaled integers: qty 1e-4, value in cents, unit cost 1e-6), which a method
# may offer beside its Decimal ``run`` and must agree with to the cent:
# a movement is (direction, rule, qty, fixed value, given unit cost or None) and each result is
# what the ledger stores: (signed qty, signed value, unit cost, balance qty, balance value, last unit cost).
UnitMove = tuple[int, str, int, int, "int | None"]
Stored = tuple[int, int, int, int, int, "int | None"]
# FIFO's and the monthly average's fast path (``run_wide``, the same results) takes more of each
# movement: (id, its month as year × 12 + month, direction, rule, qty, fixed value, given unit cost
# or None, FIFO's layer — the receipt movement a return takes from first — or None, whether it
# counts toward the month's rate): Move's fields in units.
WideMove = tuple[int, int, int, str, int, int, "int | None", "int | None", bool]


@dataclass
class CostedUnits:
    results: list[Stored] = field(default_factory=list)
    failure: Shortage | NoCost | None = None


Step = Callable[["State", "Move", "Decimal | None"], tuple]


def run_steps(step: Step, opening: State, moves: list[Move], allow_negative: bool) -> Costed:
    """Cost ``moves`` one after the other with a method's ``step``."""
    costed, state = Costed(), opening
    for index, move in enumerate(moves):
        qty, value, new_state = apply(step, state, move, None)
        if failure := check(index, move, qty, state, new_state, allow_negative):
            costed.failure = failure
            return costed
        state = new_state
        costed.results.append(Result(move.id, qty, value, state))
    return costed


def check(index: int, move: Move, qty: Decimal | None, before: State, after: State | None,
           allow_negative: bool) -> Shortage | NoCost | None:
    if after is None or qty is None:
        return NoCost(index)
    if after.qty < 0 and not allow_negative:
        return Shortage(index, -qty, max(before.qty, ZERO))
    return None


def apply(step, state: State, move: Move, rate: Decimal | None):
    """Turn a count into a gain or loss, then let the method's step cost it."""
    direction, qty = move.direction, move.qty
    if move.rule == "count":
        diff = move.qty - state.qty
        direction, qty = (1 if diff > 0 else -1), abs(diff)
    if qty == 0:
        return ZERO, ZERO, state
    return step(state, replace(move, direction=direction, qty=qty), rate)


def current_in_unit(state: State, move: Move, rate: Decimal | None) -> Decimal | None:
    """Stock on hand gives the cost; with none, the given cost, else the last one known.

    Whether a cost exists is decided by what came before the movement only (never by a
    later receipt of the month), so a document is accepted or refused alike whatever the
    order documents were posted in.
    """
    if state.qty <= 0 and (move.unit_cost is not None or state.last_unit is None):
        return move.unit_cost
    if rate is not None:
        return rate
    return ratio(state.value, state.qty) if state.qty > 0 else state.last_unit


def in_value(state: State, move: Move, rate: Decimal | None) -> Decimal | None:
    if move.rule == "fixed":
        return move.value
    if rate is None and state.qty > 0:     # at the balance's own cost: qty × value / balance, one rounding
        return prorate(state.value, move.qty, state.qty)
    unit = current_in_unit(state, move, rate)
    return None if unit is None else mul_money(move.qty, unit)


def receive(state: State, qty: Decimal, value: Decimal) -> tuple[Decimal, Decimal]:
    """New balance after a receipt; into a negative balance it revalues at the receipt's cost."""
    new_qty = state.qty + qty
    if state.qty >= 0:
        return new_qty, state.value + value
    return new_qty, (ZERO if new_qty == 0 else prorate(value, new_qty, qty))


def last_unit(state: State, qty: Decimal, value: Decimal) -> Decimal | None:
    if qty > 0:
        return round_unit_cost(ratio(value, qty))
    return state.last_unit
