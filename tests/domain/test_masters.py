"""Finding masters by code or name (domain.validate.Masters)."""
from decimal import Decimal

from jxc_xl.domain.model import Item
from jxc_xl.domain.validate import Masters

D = Decimal


def test_masters_are_found_by_code_in_any_case_or_by_name_and_ambiguity_is_told():
    masters = Masters(items={"A001": Item(sku="A001", name="苹果"), "B002": Item(sku="B002", name="苹果")},
                      ambiguous={"item": {"C003"}})
    assert masters.code("item", " a001 ") == "A001" and masters.code("item", "B002") == "B002"
    assert masters.code("item", "苹果") is None and masters.is_ambiguous("item", "苹果")
    assert masters.code("item", "c003") is None and masters.is_ambiguous("item", "c003")
    assert not masters.is_ambiguous("item", "Z9")
