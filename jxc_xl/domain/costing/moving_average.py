"""移动加权平均 (moving average): every receipt recomputes the unit cost; an issue leaves at it.

A back-dated movement replays the item × warehouse from that movement on: the balance just
before it is all the state the method keeps."""
from __future__ import annotations

from decimal import Decimal

from ..money import cost_of, div_half_up, from_qty_units, ratio, round_unit_cost, unit_of
from .base import (Costed, CostedUnits, Move, NoCost, Shortage, State, UnitMove, in_value, issue_value,
                   last_unit, receive, run_steps)


def replay_start(pos: str) -> str:
    return pos


def run(opening: State, moves: list[Move], allow_negative: bool) -> Costed:
    return run_steps(step, opening, moves, allow_negative)


def step(state: State, move: Move, rate: Decimal | None):
    if move.direction > 0:
        value = in_value(state, move, rate)
        if value is None:
            return None, None, None
        new_qty, new_value = receive(state, move.qty, value)
        last = round_unit_cost(ratio(value, move.qty)) if new_qty <= 0 else last_unit(state, new_qty, new_value)
    else:
        value = move.value if move.rule == "fixed" and move.qty != state.qty else issue_value(state, move.qty, rate)
        new_qty, new_value = state.qty - move.qty, state.value - value
        last = last_unit(state, new_qty, new_value) if new_qty > 0 else state.unit
    moved = new_value - state.value
    return move.qty * move.direction, moved, State(new_qty, new_value, last)


def run_units(opening: tuple[int, int, int | None], moves: list[UnitMove], allow_negative: bool) -> CostedUnits:
    """:func:`run` on scaled integers, step for step (the ledger's fast path: 10× fewer
    operations than Decimal). ``opening`` is (qty, value, last unit cost)."""
    costed = CostedUnits()
    qty, value, last = opening
    for index, (direction, rule, moved, fixed, given) in enumerate(moves):
        if rule == "count":
            moved, direction = abs(moved - qty), (1 if moved > qty else -1)
        if moved == 0:
            new = (qty, value, last)
            worth = 0
        elif direction > 0:
            worth = _in_units(qty, value, last, rule, moved, fixed, given)
            if worth is None:
                costed.failure = NoCost(index)
                return costed
            new = _receive_units(qty, value, last, moved, worth)
        else:
            worth = fixed if rule == "fixed" and moved != qty else _issue_units(qty, value, last, moved)
            left = value - worth
            unit = unit_of(left, qty - moved) if qty - moved > 0 else (unit_of(value, qty) if qty > 0 else last)
            new = (qty - moved, left, unit)
        signed = moved * direction
        if new[0] < 0 and not allow_negative:
            costed.failure = Shortage(index, from_qty_units(-signed), from_qty_units(max(qty, 0)))
            return costed
        moved_value = new[1] - value
        costed.results.append((signed, moved_value, unit_of(abs(moved_value), moved) if moved else 0, *new))
        qty, value, last = new
    return costed


def _in_units(qty: int, value: int, last: int | None, rule: str, moved: int, fixed: int, given: int | None):
    if rule == "fixed":
        return fixed
    if qty > 0:
        return div_half_up(moved * value, qty)
    unit = given if given is not None or last is None else last
    return None if unit is None else cost_of(moved, unit)


def _receive_units(qty: int, value: int, last: int | None, moved: int, worth: int) -> tuple[int, int, int | None]:
    new_qty = qty + moved
    new_value = value + worth if qty >= 0 else (0 if new_qty == 0 else div_half_up(worth * new_qty, moved))
    return new_qty, new_value, unit_of(worth, moved) if new_qty <= 0 else unit_of(new_value, new_qty)


def _issue_units(qty: int, value: int, last: int | None, moved: int) -> int:
    if moved == qty:
        return value
    if 0 < moved < qty:
        return div_half_up(value * moved, qty)
    unit = unit_of(value, qty) if qty > 0 else last
    return 0 if unit is None else cost_of(moved, unit)
