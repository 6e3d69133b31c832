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

from decimal import Decimal

from ..money import ZERO, cost_of, div_half_up, from_qty_units, mul_money, ratio, round_unit_cost, unit_of
from .base import Costed, CostedUnits, Move, NoCost, Shortage, State, UnitMove, in_value, receive, run_steps


def replay_start(pos: str) -> str:
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
    operations than Decimal). ``opening`` is (qty, value, last unit cost = the rate)."""
    costed = CostedUnits()
    qty, value, last = opening
    for index, (direction, rule, moved, fixed, given) in enumerate(moves):
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
                costed.failure = NoCost(index)
                return costed
            new = _receive_units(qty, value, moved, worth, None if brings else rate)
        else:
            own = rule == "fixed" and moved != qty
            left = value - (fixed if own else _issue_units(qty, value, rate, moved))
            new = (qty - moved, left, unit_of(left, qty - moved) if own and qty - moved > 0 else rate)
        signed = moved * direction
        if new[0] < 0 and not allow_negative:
            costed.failure = Shortage(index, from_qty_units(-signed), from_qty_units(max(qty, 0)))
            return costed
        moved_value = new[1] - value
        costed.results.append((signed, moved_value, unit_of(abs(moved_value), moved) if moved else 0, *new))
        qty, value, last = new
    return costed


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
