"""Choosing and running a costing method (domain.costing), without a ledger."""
import datetime as dt
from decimal import Decimal

import pytest

from jxc_xl.domain import costing
from jxc_xl.domain.model import CostMethod

D = Decimal


def test_every_cost_method_has_its_module_and_replay_start():
    assert set(costing.METHODS) == set(CostMethod)
    starts = {m: costing.METHODS[m].replay_start("2026-11-05|CG1|1") for m in CostMethod}
    assert starts == {CostMethod.moving_average: "2026-11-05|CG1|1", CostMethod.fifo: "",
                      CostMethod.monthly_average: "2026-11"}


def moves():
    day = dt.date(2026, 11, 1)
    return [costing.Move(1, day, 1, "fixed", D(10), D(100)), costing.Move(2, day, 1, "fixed", D(10), D(200)),
            costing.Move(3, day.replace(day=20), -1, "current", D(15))]


@pytest.mark.parametrize("method, issue_value", [
    (CostMethod.moving_average, D(-225)),     # 15 × 15.00
    (CostMethod.fifo, D(-200)),               # 10 × 10 + 5 × 20
    (CostMethod.monthly_average, D(-225)),    # the month's rate 300 / 20
])
def test_each_method_costs_an_issue_its_own_way(method, issue_value):
    costed = costing.run(method, costing.State(), moves(), allow_negative=False)
    assert costed.failure is None and costed.results[-1].value == issue_value
    assert costed.results[-1].state.qty == 5 and costed.results[-1].state.value == 300 + issue_value


def test_an_issue_beyond_the_balance_is_a_shortage_naming_what_is_there():
    costed = costing.run(CostMethod.fifo, costing.State(), moves()[:1] + [moves()[2]], allow_negative=False)
    assert costed.failure == costing.Shortage(1, D(15), D(10))


# -- the fast path: moving average in scaled integers agrees with the Decimal method ----------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from jxc_xl.domain import money  # noqa: E402
from jxc_xl.domain.costing import moving_average  # noqa: E402

unit_move = st.tuples(st.sampled_from([1, -1]), st.sampled_from(["fixed", "current", "count"]),
                      st.one_of(st.integers(0, 40) .map(lambda n: n * 10000), st.integers(0, 400_000)),
                      st.integers(0, 10**7), st.one_of(st.none(), st.integers(0, 10**9)))


def _stored(result: costing.Result) -> tuple:
    unit = D(0) if result.qty == 0 else abs(money.ratio(result.value, result.qty))
    last = result.state.last_unit
    return (money.to_qty_units(result.qty), money.to_cents(result.value), money.to_unit_cost_units(unit),
            money.to_qty_units(result.state.qty), money.to_cents(result.state.value),
            None if last is None else money.to_unit_cost_units(last))


@settings(max_examples=400, deadline=None)
@given(st.lists(unit_move, max_size=30), st.booleans(),
       st.tuples(st.integers(-50_000, 500_000), st.integers(-10**6, 10**7), st.one_of(st.none(), st.integers(1, 10**8))))
def test_moving_average_in_integers_gives_the_decimal_figures(raw, allow_negative, opening):
    """Random movements, including counts, costs from the balance, given costs and negative
    stock: every stored figure and any failure are the same on both paths."""
    qty, value, last = opening
    if qty == 0:
        value = 0
    state = costing.State(money.from_qty_units(qty), money.from_cents(value),
                          None if last is None else money.from_unit_cost_units(last))
    day = dt.date(2026, 11, 1)
    moves = [costing.Move(i, day, d if rule != "count" else 0, rule, money.from_qty_units(q),
                          money.from_cents(v) if rule == "fixed" else D(0),
                          None if given is None else money.from_unit_cost_units(given))
             for i, (d, rule, q, v, given) in enumerate(raw)]
    slow = moving_average.run(state, moves, allow_negative)
    fast = moving_average.run_units((qty, value, last),
                                    [(d, rule, q, v if rule == "fixed" else 0, given) for d, rule, q, v, given in raw],
                                    allow_negative)
    assert fast.results == [_stored(r) for r in slow.results]
    assert fast.failure == slow.failure
