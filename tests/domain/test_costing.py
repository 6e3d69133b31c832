"""Choosing and running a costing method (domain.costing), without a ledger."""
import datetime as dt
from decimal import Decimal

import pytest

from jxc_xl.domain import costing, order
from jxc_xl.domain.model import CostMethod

D = Decimal


def test_every_cost_method_has_its_module_and_replay_start():
    assert set(costing.METHODS) == set(CostMethod)
    key = order.move_key(order.doc_key(dt.date(2026, 11, 5), 1, 1024), 1, 0)      # (domain.order)
    starts = {m: costing.METHODS[m].replay_start(key) for m in CostMethod}
    assert starts == {CostMethod.moving_average: key, CostMethod.fifo: 0,
                      CostMethod.monthly_average: order.day_key(dt.date(2026, 11, 1))}
    assert costing.METHODS[CostMethod.monthly_average].replay_start(0) == 0


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


# -- conventions other projects' own test suites hold (issue 21.4) ----------------------------
def _issues(n: int, qty: str, start: int = 2) -> list[costing.Move]:
    day = dt.date(2026, 11, 2)
    return [costing.Move(start + i, day, -1, "current", D(qty)) for i in range(n)]


def _both_paths(moves: list[costing.Move], allow_negative: bool = False) -> list[tuple]:
    """The moving average's stored figures on the Decimal path, checked equal to the integer path."""
    slow = moving_average.run(costing.State(), moves, allow_negative)
    fast = moving_average.run_units((0, 0, None), [
        (m.direction, m.rule, money.to_qty_units(m.qty), money.to_cents(m.value) if m.rule == "fixed" else 0,
         None if m.unit_cost is None else money.to_unit_cost_units(m.unit_cost)) for m in moves], allow_negative)
    assert slow.failure is None and fast.failure is None
    assert fast.results == [_stored(r) for r in slow.results]
    return fast.results


def test_moving_average_issues_at_the_receipt_rate_and_the_last_takes_the_rest():
    """7 units bought for 24.46, then 70 issues of 0.1 (Odoo's AVCO and ERPNext's moving
    average cost an issue at qty × the rate the receipt set; the textbooks too): the rate is
    24.46 / 7 = 3.494286 until the next receipt, so 69 issues cost 0.1 × 3.494286 = 0.35 and
    the one that empties the balance takes what is left, 24.46 − 69 × 0.35 = 0.31. (The
    share-of-what-is-left rule drifted: 66 at 0.35 and 4 at 0.34.)"""
    day = dt.date(2026, 11, 1)
    results = _both_paths([costing.Move(1, day, 1, "fixed", D(7), D("24.46"))] + _issues(70, "0.1"))
    values = [r[1] for r in results[1:]]                       # cents, signed
    assert values == [-35] * 69 + [-31] and sum(values) == -2446
    assert {r[5] for r in results} == {3_494_286}              # the rate stays the receipt's, to 6 places
    assert results[-1][3:5] == (0, 0)


def test_moving_average_rate_changes_only_at_a_receipt_that_brings_its_own_cost():
    """After 35 of the 0.1 issues (3.5 units worth 24.46 − 35 × 0.35 = 12.21), an 其他入库 of
    3.5 units at its own cost 14.00 sets the rate from the value and quantity after it:
    (12.21 + 14.00) / 7 = 3.744286. The issues after it go at 0.1 × 3.744286 = 0.37, and a
    return with no source comes back at that rate and leaves it as it is (as Odoo's and
    ERPNext's do: a receipt at the rate cannot change the rate)."""
    day = dt.date(2026, 11, 1)
    moves = ([costing.Move(1, day, 1, "fixed", D(7), D("24.46"))] + _issues(35, "0.1") +
             [costing.Move(40, day, 1, "fixed", D("3.5"), D(14))] + _issues(3, "0.1", start=41) +
             [costing.Move(50, day, 1, "current", D("0.1"))])
    results = _both_paths(moves)
    receipt, issues, back = results[36], results[37:40], results[40]
    assert receipt[3:] == (70_000, 2621, 3_744_286)
    assert [r[1] for r in issues] == [-37] * 3 and {r[5] for r in issues} == {3_744_286}
    assert back[1] == 37 and back[3:] == (68_000, 2621 - 3 * 37 + 37, 3_744_286)


def test_moving_average_issue_through_zero_takes_what_is_left_and_the_rest_at_the_rate():
    """Negative stock allowed: 7 for 24.46, 35 issues of 0.1 (12.25), then 5 units: the 3.5 on
    hand take their 12.21 and the 1.5 beyond cost 1.5 × 3.494286 = 5.24, so the balance is
    −1.5 at −5.24 — the same as issuing the 1.5 from nothing at the rate."""
    day = dt.date(2026, 11, 1)
    results = _both_paths([costing.Move(1, day, 1, "fixed", D(7), D("24.46"))] + _issues(35, "0.1") +
                          [costing.Move(99, day, -1, "current", D(5))], allow_negative=True)
    assert results[-1][1] == -(1221 + 524) and results[-1][3:] == (-15_000, -524, 3_494_286)


def test_fifo_beyond_the_balance_costs_at_the_last_consumed_layer():
    """Negative stock allowed (Odoo's FIFO values what is beyond at the last FIFO price it
    took, ERPNext's FIFO queue keeps a negative bin at the last consumed bin's rate): 10 @ 10
    and 10 @ 12 in, 25 out costs 100 + 120 + 5 × 12 = 280 (not 5 × the 11.00 average of what
    was left: 275), leaving −5 at −60. More out from there goes at 12 too; a receipt of 15 @ 15
    then revalues the balance at its own cost: 9 × 15 = 135, the receipt moving 135 − (−72) = 207."""
    day = dt.date(2026, 11, 1)
    moves = [costing.Move(1, day, 1, "fixed", D(10), D(100)), costing.Move(2, day, 1, "fixed", D(10), D(120)),
             costing.Move(3, day, -1, "current", D(25)), costing.Move(4, day, -1, "current", D(1)),
             costing.Move(5, day, 1, "fixed", D(15), D(225))]
    costed = costing.run(CostMethod.fifo, costing.State(), moves, allow_negative=True)
    assert costed.failure is None
    assert [(r.value, r.state.qty, r.state.value) for r in costed.results[2:]] == [
        (D(-280), D(-5), D(-60)), (D(-12), D(-6), D(-72)), (D(207), D(9), D(135))]


def test_fifo_an_issue_from_an_emptied_balance_costs_at_the_last_consumed_layer():
    """10 @ 10 and 10 @ 12 in, 20 out empties both layers; 5 more out costs 5 × 12 = 60 (the
    last known cost is the last layer consumed, not the 11.00 average of the two)."""
    day = dt.date(2026, 11, 1)
    moves = [costing.Move(1, day, 1, "fixed", D(10), D(100)), costing.Move(2, day, 1, "fixed", D(10), D(120)),
             costing.Move(3, day, -1, "current", D(20)), costing.Move(4, day, -1, "current", D(5))]
    costed = costing.run(CostMethod.fifo, costing.State(), moves, allow_negative=True)
    assert [r.value for r in costed.results[2:]] == [D(-220), D(-60)]
    assert costed.results[2].state.last_unit == D(12)


def test_moving_average_issue_never_takes_more_than_is_left():
    """10 units for 0.05 (a rate of 0.005): one unit at the rate rounds half up to 0.01, so
    the first five issues take the whole 0.05 and the next ones cost nothing — never a
    negative value under stock still on hand, never a negative cost for the last issue."""
    day = dt.date(2026, 11, 1)
    results = _both_paths([costing.Move(1, day, 1, "fixed", D(10), D("0.05"))] + _issues(10, "1"))
    assert [r[1] for r in results[1:]] == [-1] * 5 + [0] * 5
    assert all(r[4] >= 0 for r in results)


def test_fifo_layer_keeps_its_receipt_rate():
    """A FIFO layer is costed like the moving average's balance: 7 for 24.46 taken 0.1 at a
    time goes at 0.1 × 3.494286 = 0.35, the take that empties the layer at what is left of it."""
    day = dt.date(2026, 11, 1)
    moves = [costing.Move(1, day, 1, "fixed", D(7), D("24.46"))] + _issues(70, "0.1")
    costed = costing.run(CostMethod.fifo, costing.State(), moves, allow_negative=False)
    assert [r.value for r in costed.results[1:]] == [D("-0.35")] * 69 + [D("-0.31")]
