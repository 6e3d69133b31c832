"""月末一次加权平均 (monthly weighted average): every issue of a month at (opening value + the
month's receipts) / (opening quantity + the month's receipt quantity).

The rate depends on every receipt of the month, so a replay starts at the month's first
movement (its pos begins with the month, YYYY-MM)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from ..money import ratio, round_unit_cost
from . import moving_average
from .base import Costed, Move, Result, State, apply, check


def replay_start(pos: str) -> str:
    return pos[:7]


def _month(date: dt.date) -> tuple[int, int]:
    return date.year, date.month


def run(opening: State, moves: list[Move], allow_negative: bool) -> Costed:
    """月末一次加权平均: every issue of a month at (opening + the month's receipts) / quantity."""
    costed, state = Costed(), opening
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
            qty, value, new_state = apply(moving_average.step, state, move, rate)
            if failure := check(index, move, qty, state, new_state, allow_negative):
                costed.failure = failure
                return costed
            state = new_state
            results.append(Result(move.id, qty, value, state))
        results = _settle_month(month_open, results, rate)
        state = results[-1].state
        costed.results.extend(results)
        start = end
    return costed


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
