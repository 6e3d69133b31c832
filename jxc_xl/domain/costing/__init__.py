"""Costing methods: small pure functions from an opening state and movements to costs.

The ledger hands one item × warehouse's movements, in order, to :func:`run`; it answers
with each movement's signed quantity and value and the running balance, or with the first
movement that would take the balance below zero. Nothing here touches the database.

Rules common to all methods
  * an issue costs qty × unit cost, rounded to the cent once; an issue that empties the
    balance takes exactly what is left, so a zero quantity always has a zero value;
  * a ``fixed`` movement carries its value in (purchase, opening, a return or transfer
    whose value the ledger took from the movement it names);
  * a ``current`` movement moves at the current unit cost (issues, count differences,
    returns with no source, other receipts with no cost);
  * a ``count`` movement carries the counted quantity; the difference to the book
    quantity becomes a gain (in at the current unit cost, or the given cost when there is
    no stock) or a loss (an issue).

Negative stock, when a ledger allows it: an issue beyond the balance costs at the last
known unit cost; a receipt into a negative balance revalues the resulting balance at the
receipt's own unit cost (so a balance back at zero is worth zero again).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from ..model import CostMethod
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
    layers: tuple[tuple[int | None, Decimal, Decimal], ...] = ()   # FIFO: (receipt id, qty, value)

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
class Outcome:
    results: list[Result] = field(default_factory=list)
    failure: Shortage | NoCost | None = None


def run(method: CostMethod, opening: State, moves: list[Move], allow_negative: bool) -> Outcome:
    """Cost ``moves`` (one item × warehouse, in ledger order) from ``opening``."""
    if method is CostMethod.monthly_average:
        return _run_monthly(opening, moves, allow_negative)
    step = _fifo_step if method is CostMethod.fifo else _average_step
    outcome, state = Outcome(), opening
    for index, move in enumerate(moves):
        qty, value, new_state = _apply(step, state, move, None)
        if failure := _check(index, move, qty, state, new_state, allow_negative):
            outcome.failure = failure
            return outcome
        state = new_state
        outcome.results.append(Result(move.id, qty, value, state))
    return outcome


def _check(index: int, move: Move, qty: Decimal | None, before: State, after: State | None,
           allow_negative: bool) -> Shortage | NoCost | None:
    if after is None or qty is None:
        return NoCost(index)
    if after.qty < 0 and not allow_negative:
        return Shortage(index, -qty, max(before.qty, ZERO))
    return None


def _apply(step, state: State, move: Move, rate: Decimal | None):
    """Turn a count into a gain or loss, then let the method's step cost it."""
    direction, qty = move.direction, move.qty
    if move.rule == "count":
        diff = move.qty - state.qty
        direction, qty = (1 if diff > 0 else -1), abs(diff)
    if qty == 0:
        return ZERO, ZERO, state
    return step(state, replace(move, direction=direction, qty=qty), rate)


def _current_in_unit(state: State, move: Move, rate: Decimal | None) -> Decimal | None:
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


def _in_value(state: State, move: Move, rate: Decimal | None) -> Decimal | None:
    if move.rule == "fixed":
        return move.value
    unit = _current_in_unit(state, move, rate)
    return None if unit is None else mul_money(move.qty, unit)


def _issue_value(state: State, qty: Decimal, rate: Decimal | None) -> Decimal:
    if rate is not None:       # monthly average: the month's rate; the month end settles zero
        return mul_money(qty, rate)
    if qty == state.qty:
        return state.value
    if state.qty > 0 and qty < state.qty:
        return prorate(state.value, qty, state.qty)
    unit = state.unit
    return ZERO if unit is None else mul_money(qty, unit)


def _receive(state: State, qty: Decimal, value: Decimal) -> tuple[Decimal, Decimal]:
    """New balance after a receipt; into a negative balance it revalues at the receipt's cost."""
    new_qty = state.qty + qty
    if state.qty >= 0:
        return new_qty, state.value + value
    return new_qty, (ZERO if new_qty == 0 else prorate(value, new_qty, qty))


def _last_unit(state: State, qty: Decimal, value: Decimal) -> Decimal | None:
    if qty > 0:
        return round_unit_cost(ratio(value, qty))
    return state.last_unit


def _average_step(state: State, move: Move, rate: Decimal | None):
    if move.direction > 0:
        value = _in_value(state, move, rate)
        if value is None:
            return None, None, None
        new_qty, new_value = _receive(state, move.qty, value)
        last = round_unit_cost(ratio(value, move.qty)) if new_qty <= 0 else _last_unit(state, new_qty, new_value)
    else:
        value = move.value if move.rule == "fixed" and move.qty != state.qty else _issue_value(state, move.qty, rate)
        new_qty, new_value = state.qty - move.qty, state.value - value
        last = _last_unit(state, new_qty, new_value) if new_qty > 0 else state.unit
    moved = new_value - state.value
    return move.qty * move.direction, moved, State(new_qty, new_value, last)


def _fifo_step(state: State, move: Move, rate: Decimal | None):
    layers = [list(layer) for layer in state.layers]
    if move.direction > 0:
        value = _in_value(state, move, rate)
        if value is None:
            return None, None, None
        if state.qty >= 0:
            layers.append([move.id, move.qty, value])
        else:
            new_qty, new_value = _receive(state, move.qty, value)
            layers = [[move.id, new_qty, new_value]] if new_qty != 0 else []
    else:
        layers = _fifo_take(layers, move, state)
    new_qty = sum((layer[1] for layer in layers), ZERO)
    new_value = sum((layer[2] for layer in layers), ZERO)
    last = _last_unit(state, new_qty, new_value) if new_qty > 0 else state.unit
    if move.direction > 0 and new_qty <= 0:
        last = round_unit_cost(ratio(value, move.qty))
    frozen = tuple((layer[0], layer[1], layer[2]) for layer in layers)
    return move.qty * move.direction, new_value - state.value, State(new_qty, new_value, last, frozen)


def _fifo_take(layers: list[list], move: Move, state: State) -> list[list]:
    """Consume ``move.qty`` oldest layer first (a return's own receipt layer before all)."""
    order = sorted(range(len(layers)), key=lambda i: (layers[i][0] != move.layer or move.layer is None, i))
    remaining = move.qty
    for i in order:
        if remaining == 0:
            break
        layer = layers[i]
        if layer[1] <= 0:
            continue
        take = min(remaining, layer[1])
        cost = prorate(layer[2], take, layer[1])
        layer[1] -= take
        layer[2] -= cost
        remaining -= take
    layers = [layer for layer in layers if layer[1] != 0]
    if remaining > 0:   # only reachable when negative stock is allowed (else the check refuses it)
        unit = state.unit or ZERO
        deficit_qty = sum((layer[1] for layer in layers if layer[1] < 0), ZERO) - remaining
        deficit_value = sum((layer[2] for layer in layers if layer[1] < 0), ZERO) - mul_money(remaining, unit)
        layers = [[None, deficit_qty, deficit_value]]
    return layers


def _month(date: dt.date) -> tuple[int, int]:
    return date.year, date.month


def _run_monthly(opening: State, moves: list[Move], allow_negative: bool) -> Outcome:
    """月末一次加权平均: every issue of a month at (opening + the month's receipts) / quantity."""
    outcome, state = Outcome(), opening
    start = 0
    while start < len(moves):
        month = _month(moves[start].date)
        end = start
        while end < len(moves) and _month(moves[end].date) == month:
            end += 1
        rate = _month_rate(state, moves[start:end])
        results: list[Result] = []
        month_open = state
        for index in range(start, end):
            move = moves[index]
            qty, value, new_state = _apply(_average_step, state, move, rate)
            if failure := _check(index, move, qty, state, new_state, allow_negative):
                outcome.failure = failure
                return outcome
            state = new_state
            results.append(Result(move.id, qty, value, state))
        results = _settle_month(month_open, results, rate)
        state = results[-1].state
        outcome.results.extend(results)
        start = end
    return outcome


def _month_rate(state: State, moves: list[Move]) -> Decimal | None:
    """(opening value + fixed receipts − fixed returns) / (the same in quantity)."""
    qty, value = state.qty, state.value
    for move in moves:
        if move.rule == "fixed" and move.in_basis:
            qty += move.qty * move.direction
            value += move.value * move.direction
    if qty > 0:
        return round_unit_cost(ratio(value, qty))
    return state.last_unit


def _settle_month(opening: State, results: list[Result], rate: Decimal | None) -> list[Result]:
    """A month that ends at zero quantity ends at zero value: its last issue takes the rest."""
    closing = results[-1].state
    last_rate = rate if rate is not None else closing.last_unit
    if closing.qty != 0 or closing.value == 0:
        return [replace(r, state=replace(r.state, last_unit=last_rate)) for r in results]
    issues = [i for i, r in enumerate(results) if r.qty < 0]
    if not issues:
        return results
    fix = issues[-1]
    adjusted = list(results)
    adjusted[fix] = replace(results[fix], value=results[fix].value - closing.value)
    qty, value = opening.qty, opening.value
    for i, r in enumerate(adjusted):
        qty, value = qty + r.qty, value + r.value
        adjusted[i] = replace(r, state=State(qty, value, last_rate))
    return adjusted
