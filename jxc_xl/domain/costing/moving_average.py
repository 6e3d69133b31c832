"""移动加权平均 (moving average): the unit cost (the rate) changes only where a movement brings a
cost of its own; everything else moves at the rate.

The rate is set by a purchase, opening stock, an 其他入库 with 单位成本, a transfer in, a return or
reversal at its source's cost, a gain at a given cost into empty stock: value ÷ quantity after
that movement, to the 6 places a unit cost is stored (the movement's own unit cost when it
leaves no stock). It is kept, as the balance's ``last_unit``, until the next such movement. An
issue costs qty × rate rounded once, never more than the value left; the issue that empties the
balance takes exactly what is left, and one that goes beyond (negative stock allowed) takes
what is left and the rest at the rate. A receipt at the rate (a count gain, a return with no
source) leaves the rate as it is. This is Odoo's AVCO and ERPNext's moving average, and the
textbooks': 7 units for 24.46 issued 0.1 at a time cost 69 × 0.35 and a last 0.31.

A back-dated movement replays the item × warehouse from that movement on: the balance and the
rate just before it are all the state the method keeps."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ..money import (MONEY_SCALE, QTY_SCALE, UNIT_COST_SCALE, ZERO, cost_of, div_half_up, from_qty_units, mul_money,
                     ratio, round_unit_cost, unit_of)
from .base import Costed, CostedUnits, Move, NoCost, Shortage, State, UnitMove, in_value, receive, run_steps


def replay_start(pos: int) -> int:
    return pos


def run(opening: State, moves: list[Move], allow_negative: bool) -> Costed:
    return run_steps(step, opening, moves, allow_negative)


def rate_of(state: State) -> Decimal | None:
    """The rate the balance moves at: the one the last costed receipt set (``last_unit``); a
    balance carried in without one (an opening given as quantity and value) at value ÷ qty."""
    if state.last_unit is not None or state.qty <= 0:
        return state.last_unit
    return round_unit_cost(ratio(state.value, state.qty))


def step(state: State, move: Move, _month_rate: Decimal | None = None):
    rate = rate_of(state)
    if move.direction > 0:
        value = in_value(state, move, rate)
        if value is None:
            return None, None, None
        new_qty, new_value = receive(state, move.qty, value)
        if _brings_cost(state, move):
            rate = round_unit_cost(ratio(new_value, new_qty) if new_qty > 0 else ratio(value, move.qty))
    else:
        own = move.rule == "fixed" and move.qty != state.qty
        value = move.value if own else issue_value(state, move.qty, rate)
        new_qty, new_value = state.qty - move.qty, state.value - value
        if own and new_qty > 0:
            rate = round_unit_cost(ratio(new_value, new_qty))
    return move.qty * move.direction, new_value - state.value, State(new_qty, new_value, rate)


def _brings_cost(state: State, move: Move) -> bool:
    """Whether a receipt comes in at a cost of its own (else at the rate: see base.current_in_unit)."""
    return move.rule == "fixed" or (state.qty <= 0 and (move.unit_cost is not None or state.last_unit is None))


def issue_value(state: State, qty: Decimal, rate: Decimal | None) -> Decimal:
    """qty × rate, rounded once and never more than is left; all that is left for the issue
    that empties the balance, and the rate for what goes beyond it."""
    if state.qty > 0 and qty >= state.qty:
        return state.value + (ZERO if qty == state.qty else mul_money(qty - state.qty, rate or ZERO))
    cost = ZERO if rate is None else mul_money(qty, rate)
    return min(cost, state.value) if state.qty > 0 and state.value >= 0 else cost


def run_units(opening: tuple[int, int, int | None], moves: list[UnitMove], allow_negative: bool) -> CostedUnits:
    """:func:`run` on scaled integers, step for step (the ledger's fast path: 10× fewer
    operations than Decimal). ``opening`` is (qty, value, last unit cost = the rate).

    The two movements a replay mostly meets — a receipt at its own cost and an issue at the
    rate, into and out of stock on hand — are costed in the loop itself with :func:`div_half_up`
    written out (its positive-denominator case): a back-dated receipt before 100,000 of them
    were costed in 0.21 s through the helpers, 0.12 s so. Every other movement goes by :func:`_step_units`."""
    costed = CostedUnits()
    results = costed.results
    qty, value, last = opening
    for index, move in enumerate(moves):
        direction, rule, moved, fixed, given = move
        if 0 < moved and 0 <= qty and rule == "fixed" and direction > 0:        # a receipt at its own cost
            new_qty, new_value = qty + moved, value + fixed
            scaled, unit = new_value * _PER_UNIT, abs(fixed) * _PER_UNIT
            last = (2 * scaled + new_qty) // (2 * new_qty) if scaled >= 0 else -((new_qty - 2 * scaled) // (2 * new_qty))
            results.append((moved * direction, fixed, (2 * unit + moved) // (2 * moved), new_qty, new_value, last))
            qty, value = new_qty, new_value
        elif 0 < moved < qty and last is not None and 0 <= value and rule == "current" and direction < 0:
            worth = moved * last                                                 # an issue at the rate
            worth = (2 * worth + _PER_UNIT) // _TWICE if worth >= 0 else -((_PER_UNIT - 2 * worth) // _TWICE)
            if worth > value:
                worth = value
            qty, value = qty - moved, value - worth
            scaled = abs(worth) * _PER_UNIT
            results.append((moved * direction, -worth, (2 * scaled + moved) // (2 * moved), qty, value, last))
        else:
            step = _step_units(qty, value, last, move, allow_negative)
            if not isinstance(step, tuple):
                costed.failure = replace(step, index=index)
                return costed
            results.append(step)
            qty, value, last = step[3:]
    return costed


_PER_UNIT = QTY_SCALE * UNIT_COST_SCALE // MONEY_SCALE      # qty × unit cost ÷ this = cents; cents × this ÷ qty = unit cost
_TWICE = 2 * _PER_UNIT


def _step_units(qty: int, value: int, last: int | None, move: UnitMove, allow_negative: bool):
    """One movement of :func:`run_units`: what it stores (its qty, value and unit cost, then the
    balance and rate after it) — or the failure it meets (its index set by the caller)."""
    direction, rule, moved, fixed, given = move
    if rule == "count":
        moved, direction = abs(moved - qty), (1 if moved > qty else -1)
    rate = last if last is not None or qty <= 0 else unit_of(value, qty)
    if moved == 0:
        new = (qty, value, last)
    elif direction > 0:
        brings = rule == "fixed" or (qty <= 0 and (given is not None or last is None))   # _brings_cost
        unit = None if rule == "fixed" else given if brings else rate
        worth = fixed if rule == "fixed" else None if unit is None else cost_of(moved, unit)
        if worth is None:
            return NoCost(0)
        new = _receive_units(qty, value, moved, worth, None if brings else rate)
    else:
        own = rule == "fixed" and moved != qty
        left = value - (fixed if own else _issue_units(qty, value, rate, moved))
        new = (qty - moved, left, unit_of(left, qty - moved) if own and qty - moved > 0 else rate)
    signed = moved * direction
    if new[0] < 0 and not allow_negative:
        return Shortage(0, from_qty_units(-signed), from_qty_units(max(qty, 0)))
    moved_value = new[1] - value
    return (signed, moved_value, unit_of(abs(moved_value), moved) if moved else 0, *new)


def _receive_units(qty: int, value: int, moved: int, worth: int, rate: int | None) -> tuple[int, int, int | None]:
    """The balance after a receipt; ``rate`` is kept when it came in at the rate, else (None)
    the receipt sets it."""
    new_qty = qty + moved
    new_value = value + worth if qty >= 0 else (0 if new_qty == 0 else div_half_up(worth * new_qty, moved))
    if rate is None:
        rate = unit_of(worth, moved) if new_qty <= 0 else unit_of(new_value, new_qty)
    return new_qty, new_value, rate


def _issue_units(qty: int, value: int, rate: int | None, moved: int) -> int:
    if qty > 0 and moved >= qty:
        return value + (0 if moved == qty else cost_of(moved - qty, rate or 0))
    cost = 0 if rate is None else cost_of(moved, rate)
    return min(cost, value) if qty > 0 and value >= 0 else cost
