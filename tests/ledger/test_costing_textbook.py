"""Worked examples from textbooks, posted through a real ledger file, all three methods.

Call-Mart Inc., March (Kieso, Weygandt & Warfield, *Intermediate Accounting*, ch. 8 "Cost flow
assumptions"): FIFO ending inventory $27,100 and cost of goods sold $16,800; moving average
(perpetual) $4.45 a unit, ending $26,700, sold $17,200; weighted average (periodic) $4.39,
ending $26,340, sold $17,560.

Fortune Stores, April (a published textbook exercise with its worked answer): 120 units at
$330; bought 40 at $345 and 20 at $350; sold 80 and 40. Weighted average: $60,400 / 180 units;
cost of goods sold $40,267 and ending inventory $20,133 to the dollar. FIFO: sold $39,600,
ending $20,800.
"""
import datetime as dt
from decimal import Decimal

import pytest

from jxc_xl import Ledger

from ..conftest import standard_masters
from ..dsl import docs

CALL_MART = """
| date       | type     | no | party | wh | item | qty  | price |
| 2026-03-02 | 采购入库 | P1 | S1    | W1 | A    | 2000 | 4.00  |
| 2026-03-15 | 采购入库 | P2 | S1    | W1 | A    | 6000 | 4.40  |
| 2026-03-19 | 销售出库 | S1 | C1    | W1 | A    | 4000 | 9.00  |
| 2026-03-30 | 采购入库 | P3 | S1    | W1 | A    | 2000 | 4.75  |
"""

FORTUNE = """
| date       | type     | no | party | wh | item | qty | price | cost |
| 2026-04-01 | 期初库存 | O1 |       | W1 | A    | 120 |       | 330  |
| 2026-04-09 | 采购入库 | P1 | S1    | W1 | A    | 40  | 345   |      |
| 2026-04-14 | 销售出库 | S1 | C1    | W1 | A    | 80  | 560   |      |
| 2026-04-23 | 采购入库 | P2 | S1    | W1 | A    | 20  | 350   |      |
| 2026-04-29 | 销售出库 | S2 | C1    | W1 | A    | 40  | 560   |      |
"""


def _post(tmp_path, method, text):
    ledger = Ledger.open(tmp_path / f"{method}.jxc.db", cost_method=method)
    standard_masters(ledger)
    result = ledger.post(docs(text))
    assert result.ok, result.problems
    return ledger


@pytest.mark.parametrize("method, cogs, ending", [
    ("fifo", "16800.00", "27100.00"),
    ("moving_average", "17200.00", "26700.00"),
    ("monthly_average", "17560.00", "26340.00"),
])
def test_call_mart(tmp_path, method, cogs, ending):
    ledger = _post(tmp_path, method, CALL_MART)
    [row] = ledger.stock()
    assert (row.qty, row.value) == (6000, Decimal(ending))
    assert sum(p.cost for p in ledger.gross_profit()) == Decimal(cogs)
    assert ledger.verify() == []


def test_call_mart_moving_average_unit_costs(tmp_path):
    ledger = _post(tmp_path, "moving_average", CALL_MART)
    card = ledger.stock_card("A", "W1")
    assert [c.bal_value / c.bal_qty for c in card] == [Decimal("4.00"), Decimal("4.30"), Decimal("4.30"),
                                                       Decimal("4.45")]
    assert ledger.stock()[0].unit_cost == Decimal("4.45")


def test_call_mart_monthly_average_rate(tmp_path):
    ledger = _post(tmp_path, "monthly_average", CALL_MART)
    [issue] = [c for c in ledger.stock_card("A") if c.out_qty]
    assert issue.unit_cost == Decimal("4.39")


@pytest.mark.parametrize("method, cogs, ending", [
    ("fifo", "39600.00", "20800.00"),
    ("monthly_average", "40267", "20133"),     # the textbook answer is to the dollar
])
def test_fortune_stores(tmp_path, method, cogs, ending):
    ledger = _post(tmp_path, method, FORTUNE)
    [row] = ledger.stock(as_of=dt.date(2026, 4, 30))
    sold = sum(p.cost for p in ledger.gross_profit())
    places = Decimal(1) if "." not in cogs else Decimal("0.01")
    assert sold.quantize(places) == Decimal(cogs)
    assert row.value.quantize(places) == Decimal(ending)
    assert sold + row.value == Decimal("60400.00")      # nothing lost to rounding
