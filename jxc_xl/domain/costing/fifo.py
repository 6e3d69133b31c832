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

from collections import deque
from dataclasses import replace
from decimal import Decimal

from ..money import ZERO, cost_of, div_half_up, from_qty_units, mul_money, ratio, round_unit_cost, unit_of
from .base import Costed, CostedUnits, Move, NoCost, Shortage, State, WideMove, in_value, last_unit, receive, run_steps
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


def run_wide(opening: tuple[int, int, int | None], moves: list[WideMove], allow_negative: bool) -> CostedUnits:
    """:func:`run` on scaled integers (qty 1e-4, value in cents, unit cost 1e-6), step for step:
    each result is what the ledger stores of the Decimal one (recost._stored), and any failure
    is the same. ``opening`` is (qty, value, last unit cost); as in :func:`run` from a State
    without layers, it is the balance the first movement meets, not a layer (a FIFO replay starts
    from the first movement: (0, 0, None)).

    The layers are a deque of [receipt id, qty, value, rate]: an issue takes from the left and
    drops the layers it empties there, where :func:`step` copies and filters every layer at
    every movement (quadratic in the layers held). Measured in-process (CPU, one run each, the
    same 100,000 movements: 20% receipts of 10–50, issues of 4–10, 2% returns from a recent
    receipt's layer, 1,757 layers held at the end): fifo.run + recost._stored 183.8 s,
    run_wide 0.35 s, the same figures."""
    costed = CostedUnits()
    results = costed.results
    qty, value, last = opening
    layers: deque[list] = deque()
    held_qty = held_value = 0            # what the layers hold (the balance after the first movement)
    for index, move in enumerate(moves):
        ident, _month, direction, rule, moved, fixed, given, own_layer, _basis = move
        if rule == "count":
            moved, direction = abs(moved - qty), (1 if moved > qty else -1)
        if moved == 0:                   # base.apply: nothing moves, the balance stays
            if qty < 0 and not allow_negative:
                costed.failure = Shortage(index, from_qty_units(0), from_qty_units(0))
                return costed
            results.append((0, 0, 0, qty, value, last))
            continue
        if direction > 0:
            if rule == "fixed":                                   # base.in_value
                worth = fixed
            elif qty > 0:                                         # prorate(value, moved, qty)
                worth = value if moved == qty else div_half_up(value * moved, qty)
            else:                                                 # base.current_in_unit, no stock
                unit = given if given is not None else last
                if unit is None:
                    costed.failure = NoCost(index)
                    return costed
                worth = cost_of(moved, unit)
            own = unit_of(worth, moved)
            if qty >= 0:
                layers.append([ident, moved, worth, own])
                held_qty, held_value = held_qty + moved, held_value + worth
            else:                                                 # base.receive into a negative balance
                held_qty = qty + moved
                held_value = 0 if held_qty == 0 else worth if held_qty == moved else div_half_up(worth * held_qty, moved)
                layers = deque([[ident, held_qty, held_value, own]] if held_qty else ())
            new_last = own if held_qty <= 0 else unit_of(held_value, held_qty)
        else:
            remaining, consumed, taken = _take_units(layers, moved, own_layer)
            held_qty, held_value = held_qty - (moved - remaining), held_value - taken
            if remaining > 0:            # beyond the layers: one deficit layer at the last known cost
                unit = consumed if consumed is not None else last if last is not None else 0
                held_qty, held_value = held_qty - remaining, held_value - cost_of(remaining, unit)
                layers = deque([[None, held_qty, held_value, unit]])
            new_last = unit_of(held_value, held_qty) if held_qty > 0 else consumed if consumed is not None else last
        signed = moved * direction
        if held_qty < 0 and not allow_negative:
            costed.failure = Shortage(index, from_qty_units(-signed), from_qty_units(max(qty, 0)))
            return costed
        moved_value = held_value - value
        qty, value, last = held_qty, held_value, new_last
        results.append((signed, moved_value, unit_of(abs(moved_value), moved), qty, value, last))
    return costed


def _take_units(layers: deque[list], moved: int, own: int | None) -> tuple[int, int | None, int]:
    """:func:`_take` on the layers in units, in place: what is left to take beyond them, the rate
    of the last layer consumed (None when none was) and the value taken. Emptied layers go."""
    remaining, consumed, taken, emptied = moved, None, 0, 0
    for first in (True, False) if own is not None else (False,):
        for layer in layers:
            if remaining == 0:
                break
            layer_qty = layer[1]
            if layer_qty <= 0 or (first and layer[0] != own):
                continue
            rate = layer[3]
            if remaining >= layer_qty:   # moving_average.issue_value on the layer: all it holds …
                take, cost = layer_qty, layer[2]
                emptied += 1
            else:                        # … or qty × its rate, never more than it holds
                take = remaining
                cost = 0 if rate is None else cost_of(take, rate)
                if layer[2] >= 0 and cost > layer[2]:
                    cost = layer[2]
            consumed = rate
            layer[1] = layer_qty - take
            layer[2] -= cost
            remaining -= take
            taken += cost
    while emptied and layers and layers[0][1] == 0:
        layers.popleft()
        emptied -= 1
    if emptied:                          # one emptied past the front (a return's own layer)
        kept = [layer for layer in layers if layer[1] != 0]
        layers.clear()
        layers.extend(kept)
    return remaining, consumed, taken


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
