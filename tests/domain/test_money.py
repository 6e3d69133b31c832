from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jxc_xl.domain import money


@pytest.mark.parametrize("raw, cents", [("0.005", "0.01"), ("0.015", "0.02"), ("2.675", "2.68"),
                                         ("-0.005", "-0.01"), ("1.004999", "1.00")])
def test_money_rounds_half_up(raw, cents):
    assert money.round_money(Decimal(raw)) == Decimal(cents)


def test_quantities_and_unit_costs_keep_their_places():
    assert money.round_qty(Decimal("1.23455")) == Decimal("1.2346")
    assert money.round_unit_cost(Decimal("4.3899995")) == Decimal("4.390000")


def test_scaled_integers_round_trip_exactly():
    for text in ("0.01", "123456789.99", "-0.10"):
        assert money.from_cents(money.to_cents(Decimal(text))) == Decimal(text)
    assert money.to_qty_units(Decimal("1.5")) == 15000
    assert money.to_unit_cost_units(Decimal("4.39")) == 4390000


def test_prorate_rounds_once_and_gives_the_whole_for_the_whole():
    assert money.prorate(Decimal("10.00"), Decimal(1), Decimal(3)) == Decimal("3.33")
    assert money.prorate(Decimal("10.00"), Decimal(3), Decimal(3)) == Decimal("10.00")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        money.D(0.1)


@given(st.integers(-10**15, 10**15), st.sampled_from([2, 4, 6]))
def test_sqlite_renders_scaled_integers_as_exact_decimal_text(units, places):
    import sqlite3

    from jxc_xl.domain.money import scaled_text_sql
    text = sqlite3.connect(":memory:").execute(f"SELECT {scaled_text_sql('?', places)}",
                                               (units,) * 3).fetchone()[0]
    assert Decimal(text) == Decimal(units).scaleb(-places) and len(text.split(".")[1]) == places


@given(st.integers(-10**18, 10**18), st.integers(1, 10**14), st.booleans())
def test_integer_division_rounds_half_up_like_decimal(numerator, denominator, negative):
    denominator = -denominator if negative else denominator
    exact = Decimal(numerator) / Decimal(denominator)
    expected = exact.quantize(Decimal(1), rounding="ROUND_HALF_UP", context=money._EXACT)
    assert money.div_half_up(numerator, denominator) == int(expected)


@given(st.integers(1, 10**13), st.integers(-10**14, 10**14), st.integers(-10**12, 10**12))
def test_scaled_cost_and_unit_agree_with_the_decimal_helpers(qty, unit, value):
    assert money.cost_of(qty, unit) == money.to_cents(money.mul_money(money.from_qty_units(qty),
                                                                       money.from_unit_cost_units(unit)))
    assert money.unit_of(value, qty) == money.to_unit_cost_units(money.ratio(money.from_cents(value),
                                                                             money.from_qty_units(qty)))


@given(st.one_of(st.integers(-10**20, 10**20), st.integers(-10**3, 10**3),
                 st.builds(lambda n, z: n * 10**z, st.integers(-999, 999), st.integers(0, 9))),
       st.sampled_from([money.MONEY_PLACES, money.UNIT_COST_PLACES, money.QTY_PLACES, 0]))
def test_a_scaled_integers_canonical_text_is_its_normalized_decimals(value, places):
    """What a fingerprint writes for a figure held in integers (money.scaled_text, one step) is what
    it writes for the Decimal of that figure, and what the two-step way it stands in for wrote."""
    assert money.scaled_text(value, places) == format(Decimal(value).scaleb(-places).normalize(), "f") \
        == money.fixed_text(value, places).rstrip("0").rstrip(".")


@given(st.one_of(st.none(), st.integers(-10**20, 10**20), st.integers(-10**3, 10**3)),
       st.sampled_from([money.MONEY_PLACES, money.UNIT_COST_PLACES, money.QTY_PLACES]))
def test_a_scaled_integers_fixed_text_is_its_decimals(value, places):
    """What 过账 writes back into a taxed row's empty cell (money.fixed_text, no Decimal made) is the
    text of the Decimal the ledger's figure reads back as."""
    assert money.fixed_text(value, places) == format(Decimal(value or 0).scaleb(-places), "f")
