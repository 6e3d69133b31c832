"""月末一次加权平均 (monthly weighted average): every issue of a month at (opening value + the
month's receipts) / (opening quantity + the month's receipt quantity).

The rate depends on every receipt of the month, so a replay starts at the month's first
movement (the first key of its month: domain.order)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from .. import order
from ..money import ZERO, mul_money, prorate, ratio, round_unit_cost
from .base import Costed, Move, Result, State, apply, check, in_value, last_unit, receive


def replay_start(pos: int) -> int:
    return order.month_key(pos)


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
            qty, value, new_state = apply(step, state, move, rate)
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


def step(state: State, move: Move, rate: Decimal | None):
    """One movement at the month's ``rate`` (in and out alike; the month end settles the cents).
    A month with no rate at all (nothing costed came in yet) costs from the balance."""
    if move.direction > 0:
        value = in_value(state, move, rate)
        if value is None:
            return None, None, None
        new_qty, new_value = receive(state, move.qty, value)
        last = round_unit_cost(ratio(value, move.qty)) if new_qty <= 0 else last_unit(state, new_qty, new_value)
    else:
        value = move.value if move.rule == "fixed" and move.qty != state.qty else _issue_value(state, move.qty, rate)
        new_qty, new_value = state.qty - move.qty, state.value - value
        last = last_unit(state, new_qty, new_value) if new_qty > 0 else state.unit
    return move.qty * move.direction, new_value - state.value, State(new_qty, new_value, last)


def _issue_value(state: State, qty: Decimal, rate: Decimal | None) -> Decimal:
    """At the month's rate; the month end settles zero. A month without a rate (nothing
    costed has come in) takes a share of the balance."""
    if rate is not None:
        return mul_money(qty, rate)
    if qty == state.qty:
        return state.value
    if state.qty > 0 and qty < state.qty:
        return prorate(state.value, qty, state.qty)
    unit = state.unit
    return ZERO if unit is None else mul_money(qty, unit)


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
