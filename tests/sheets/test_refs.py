"""Column letters and A1 ranges (sheets.book): the fast path's own, so it never imports openpyxl."""
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from jxc_xl.sheets.book import cell_range, column_letter, column_number


@pytest.mark.parametrize("n", [1, 2, 26, 27, 52, 53, 702, 703, 16384])
def test_column_letters_agree_with_openpyxl_both_ways(n):
    assert column_letter(n) == get_column_letter(n) and column_number(column_letter(n)) == n


@pytest.mark.parametrize("ref", ["A1", "B2:C3", "$A$1:$XFD$1048576", "aa10:ab12"])
def test_a_range_reads_as_openpyxl_reads_it(ref):
    c1, r1, c2, r2 = range_boundaries(ref.upper())
    assert cell_range(ref) == (r1, c1, r2, c2)


def test_what_is_no_range_is_none():
    assert cell_range("") is None and cell_range("A") is None and cell_range("1:3") is None
