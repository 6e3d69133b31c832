"""Direct unit tests of the pure rooms, not reached only through the ledger: reading a cell
(sheets.parse), choosing and running a costing method (domain.costing), and finding masters
(domain.validate.Masters)."""
import datetime as dt
from decimal import Decimal

import pytest

from jxc_xl.domain import costing
from jxc_xl.domain.model import CostMethod, Item
from jxc_xl.domain.validate import Masters
from jxc_xl.sheets.contract import DOCUMENT_SHEETS, PAYMENTS, PURCHASES
from jxc_xl.sheets.cells import to_code, to_date, to_number

D = Decimal


@pytest.mark.parametrize("cell, number", [
    (3, D(3)), (2.5, D("2.5")), (0.1, D("0.1")), ("1,200.50", D("1200.50")), ("¥28.00", D("28.00")),
    ("￥ 1 000", D(1000)), ("28元", D(28)), ("-3", D(-3)),
    ("三", None), (True, None), (float("nan"), None), (float("inf"), None), ("NaN", None), ("1e400", D("1e400")),    # too large is said by the limits
])
def test_a_cell_as_an_exact_number(cell, number):
    assert to_number(cell) == number


@pytest.mark.parametrize("cell, date", [
    ("2026-11-05", dt.date(2026, 11, 5)), ("2026/11/5", dt.date(2026, 11, 5)), ("2026.11.05", dt.date(2026, 11, 5)),
    ("20261105", dt.date(2026, 11, 5)), (20261105, dt.date(2026, 11, 5)), ("2026年11月5日", dt.date(2026, 11, 5)),
    (46331, dt.date(2026, 11, 5)), (dt.datetime(2026, 11, 5, 9, 30), dt.date(2026, 11, 5)),
    ("2026-02-30", None), ("明天", None), (-1e12, None), (float("nan"), None), (True, None),
])
def test_a_cell_as_a_date(cell, date):
    assert to_date(cell) == date


def test_a_cell_as_a_code():
    assert (to_code(1001.0), to_code(" A1 "), to_code(None), to_code(dt.date(2026, 1, 2))) == \
        ("1001", "A1", "", "2026-01-02")


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


def test_masters_are_found_by_code_in_any_case_or_by_name_and_ambiguity_is_told():
    masters = Masters(items={"A001": Item(sku="A001", name="苹果"), "B002": Item(sku="B002", name="苹果")},
                      ambiguous={"item": {"C003"}})
    assert masters.code("item", " a001 ") == "A001" and masters.code("item", "B002") == "B002"
    assert masters.code("item", "苹果") is None and masters.is_ambiguous("item", "苹果")
    assert masters.code("item", "c003") is None and masters.is_ambiguous("item", "c003")
    assert not masters.is_ambiguous("item", "Z9")


def test_each_document_sheet_says_how_its_rows_become_documents():
    for spec in DOCUMENT_SHEETS:
        assert spec.journal and spec.doc_prefix and (spec.types or spec.doc_type)
        assert {c.to for c in spec.at("header")} >= {"date"}
        assert spec.has_lines == bool(spec.at("line"))
    assert PAYMENTS.prefix("付款") == "FK" and PAYMENTS.prefix("收款") == "SK" and PURCHASES.prefix() == "CG"
    assert PURCHASES.type_choices == ["入库", "退货"]
