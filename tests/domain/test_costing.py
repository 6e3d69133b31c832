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
