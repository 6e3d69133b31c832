"""Reading one cell as a clerk types it (sheets.cells): exact numbers, dates, codes."""
import datetime as dt
from decimal import Decimal

import pytest

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
