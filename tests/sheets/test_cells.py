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


# -- thousands separators only in groups of three (issue 21.8) --------------------------------------------------
from hypothesis import given, strategies as st

from jxc_xl.sheets.cells import number_readings


@pytest.mark.parametrize("cell, number", [
    ("1,200.50", D("1200.50")), ("12,345,678", D(12345678)), ("-1,200", D(-1200)), ("1，200", D(1200)),
    ("¥1,234.5", D("1234.5")), ("12,345元", D(12345)), ("1 000", D(1000)), ("999", D(999)), (".5", D("0.5")),
])
def test_thousands_separators_in_groups_of_three(cell, number):
    assert to_number(cell) == number


@pytest.mark.parametrize("cell, readings", [
    ("12,5", ["12.5", "125"]), ("1,20", ["1.20", "120"]), ("1.200,50", ["1200.50", "1.20050"]),
    ("¥1,2,3", ["123"]), ("1,2345", ["1.2345", "12345"]), ("1 2", ["12"]), ("1,200,5", ["12005"]),
    ("1,200 300", ["1200300"]),
])
def test_a_misplaced_separator_is_no_number_and_says_which_was_meant(cell, readings):
    assert to_number(cell) is None
    assert number_readings(cell) == readings


def test_a_row_with_a_misplaced_separator_asks_which_was_meant():
    from jxc_xl.sheets.book import Table
    from jxc_xl.sheets.cells import RowReader
    from jxc_xl.sheets.contract import PURCHASES
    r = RowReader(Table(PURCHASES, "采购", 1, {"数量": 1}), 2, ["12,5"], "b.xlsx")
    assert r.number("数量") is None
    [problem] = r.problems
    assert problem.message == "数量“12,5”看不懂：是 12.5 还是 125？千位分隔符只能三位一组（如 1,200.50）。"
    assert "12.5 or 125" in problem.message_en


_decimals = st.decimals(min_value=-10**12, max_value=10**12, allow_nan=False, allow_infinity=False, places=4)


@given(_decimals, st.sampled_from([",", "，", " "]))
def test_any_decimal_with_proper_grouping_parses_back_exactly(number, separator):
    text = format(number, ",f").replace(",", separator)
    assert to_number(text) == number
    assert to_number("¥" + text) == number


@given(st.lists(st.text("0123456789", min_size=1, max_size=5), min_size=2, max_size=5),
       st.sampled_from([",", "，"]), st.sampled_from(["", ".5", ".25"]))
def test_malformed_grouping_never_parses(groups, separator, fraction):
    proper = 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    text = separator.join(groups) + fraction
    assert (to_number(text) is not None) == proper


def test_a_master_figure_with_a_misplaced_separator_is_its_row_error():
    from jxc_xl.sheets.book import Table
    from jxc_xl.sheets.contract import ITEMS
    from jxc_xl.sheets.parse import parse_items
    table = Table(ITEMS, "商品", 1, {"商品编码": 1, "商品名称": 2, "参考进价": 3, "安全库存": 4},
                  [(2, ["A1", "苹果", "1,5", "1,000"]), (3, ["B2", "梨", "2.5", "10"])])
    items, problems = parse_items(table, "b.xlsx")
    assert [i.sku for i in items] == ["B2"]
    assert [p.message for p in problems] == ["参考进价“1,5”看不懂：是 1.5 还是 15？千位分隔符只能三位一组（如 1,200.50）。"]
