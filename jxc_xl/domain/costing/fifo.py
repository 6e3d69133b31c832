"""先进先出 (FIFO): issues take the oldest receipt layers first; a return takes from its own
receipt's layer first. A layer keeps its receipt's unit cost (to the 6 places stored): a
part taken from it costs qty × that rate rounded once, never more than is left of it, and the
take that empties it takes what is left — the moving average's rule, layer by layer.

Negative stock, when allowed: what an issue takes beyond the balance costs at the last known
cost — the rate of the last layer it consumed (Odoo's "last FIFO price", ERPNext's negative
bin at the last consumed bin's rate), else, from a balance already at or below zero, the
rate kept from the last issue or receipt (``last_unit``). A receipt into a negative balance
revalues what is left at its own cost (see base.receive).

The layers are state no single balance carries, so a replay always starts from the first
movement of the item × warehouse."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ..money import ZERO, mul_money, ratio, round_unit_cost
from .base import Costed, Move, State, in_value, last_unit, receive, run_steps
from .moving_average import issue_value


def replay_start(pos: int) -> int:
    return 0


def run(opening: State, moves: list[Move], allow_negative: bool) -> Costed:
    return run_steps(step, opening, moves, allow_negative)


def step(state: State, move: Move, rate: Decimal | None):
    layers = [list(layer) for layer in state.layers]
    if move.direction > 0:
        value = in_value(state, move, rate)
        if value is None:
            return None, None, None
        own = round_unit_cost(ratio(value, move.qty))
        if state.qty >= 0:
            layers.append([move.id, move.qty, value, own])
        else:
            new_qty, new_value = receive(state, move.qty, value)
            layers = [[move.id, new_qty, new_value, own]] if new_qty != 0 else []
    else:
        layers, consumed = _take(layers, move, state)
    new_qty = sum((layer[1] for layer in layers), ZERO)
    new_value = sum((layer[2] for layer in layers), ZERO)
    if move.direction > 0:
        last = own if new_qty <= 0 else last_unit(state, new_qty, new_value)
    else:
        last = last_unit(state, new_qty, new_value) if new_qty > 0 else _known(consumed, state.last_unit)
    frozen = tuple(tuple(layer) for layer in layers)
    return move.qty * move.direction, new_value - state.value, State(new_qty, new_value, last, frozen)


def _take(layers: list[list], move: Move, state: State) -> tuple[list[list], Decimal | None]:
    """Consume ``move.qty`` oldest layer first (a return's own receipt layer before all); also
    the rate of the last layer consumed (None when none was)."""
    order = sorted(range(len(layers)), key=lambda i: (layers[i][0] != move.layer or move.layer is None, i))
    remaining, consumed = move.qty, None
    for i in order:
        if remaining == 0:
            break
        layer = layers[i]
        if layer[1] <= 0:
            continue
        take = min(remaining, layer[1])
        consumed = layer[3]
        cost = issue_value(State(layer[1], layer[2], layer[3]), take, layer[3])   # a layer is a moving average
        layer[1] -= take
        layer[2] -= cost
        remaining -= take
    layers = [layer for layer in layers if layer[1] != 0]
    if remaining > 0:   # only reachable when negative stock is allowed (else the check refuses it)
        unit = _known(consumed, state.last_unit, ZERO)
        deficit_qty = sum((layer[1] for layer in layers if layer[1] < 0), ZERO) - remaining
        deficit_value = sum((layer[2] for layer in layers if layer[1] < 0), ZERO) - mul_money(remaining, unit)
        layers = [[None, deficit_qty, deficit_value, unit]]
    return layers, consumed


def _known(*units: Decimal | None) -> Decimal | None:
    """The first unit cost known (a zero one is known)."""
    return next((unit for unit in units if unit is not None), None)


def carry(state: State, qty: Decimal, value: Decimal) -> State:
    """The layers ``state`` holds, made to hold the balance ``qty`` / ``value`` stored where this
    version's conventions start in a ledger an earlier jxc-xl costed: the cent difference goes
    into the newest layer (what the next issues take last). Should the quantities differ (the
    replay before could not stand), the stored balance is one layer at its own unit cost."""
    if state.qty == qty and (state.layers or qty == 0):
        if not state.layers:
            return State(qty, value, state.last_unit)
        *older, (receipt, layer_qty, layer_value, rate) = state.layers
        return replace(state, value=value, layers=(*older, (receipt, layer_qty, layer_value + value - state.value, rate)))
    rate = round_unit_cost(ratio(value, qty)) if qty else state.last_unit
    return State(qty, value, rate, ((None, qty, value, rate),) if qty else ())
