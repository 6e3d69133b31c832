"""移动加权平均 (moving average): every receipt recomputes the unit cost; an issue leaves at it.

A back-dated movement replays the item × warehouse from that movement on: the balance just
before it is all the state the method keeps."""
from __future__ import annotations

from decimal import Decimal

from ..money import round_unit_cost, ratio
from .base import Costed, Move, State, in_value, issue_value, last_unit, receive, run_steps


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
