"""增值税 on a line (domain/tax): both price bases, per-line half-up rounding, typed invoice figures
kept within a cent or named, and the rate as an exact fraction."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jxc_xl.domain.tax import Figures, Mismatch, Typed, figures, parse_rate, rate_of

D = Decimal


@pytest.mark.parametrize("typed, rate", [
    ("13%", "0.13"), ("13", "0.13"), ("0.13", "0.13"), (" 9 ％", "0.09"), ("3%", "0.03"), ("1", "0.01"),
    ("13.5%", "0.135"), ("0", "0"), ("0%", "0"), (13, "0.13"), (D("0.06"), "0.06"),
    ("", None), ("十三", None), ("-3%", None), ("100%", None), ("NaN", None), ("1e400", None),
])
def test_a_rate_is_an_exact_fraction_however_it_is_typed(typed, rate):
    assert parse_rate(typed) == (None if rate is None else D(rate))


def test_the_line_rate_comes_from_the_line_else_item_else_party_else_settings():
    assert rate_of(None, D("0.09"), D("0.13"), D("0.03")) == D("0.09")
    assert rate_of(D("0"), D("0.09"), None, None) == 0                  # a typed 0% is a rate
    assert rate_of(None, None, None, D("0.13")) == D("0.13")
    assert rate_of(None, None, None, None) == 0


def test_from_the_price_each_figure_rounds_half_up_on_the_line():
    got = figures(Typed(qty=D(3), rate=D("0.13"), price=D("33.33")))
    assert got == Figures(D("0.13"), D("33.33"), D("37.663333"), D("99.99"), D("13.00"), D("112.99"))


def test_from_the_price_with_tax_the_total_is_exact_and_the_price_follows():
    got = figures(Typed(qty=D(3), rate=D("0.13"), price_with_tax=D("11.30")))
    assert (got.total_with_tax, got.tax, got.amount, got.price) == (D("33.90"), D("3.90"), D("30.00"), D("10.000000"))
    # 1,000 at 9.99 inclusive of 13%: 税额 = 9990 × 13 / 113 = 1149.2920… → 1149.29
    got = figures(Typed(qty=D(1000), rate=D("0.13"), price_with_tax=D("9.99")))
    assert (got.total_with_tax, got.tax, got.amount, got.price) == (D("9990.00"), D("1149.29"), D("8840.71"), D("8.840710"))


def test_the_total_is_not_price_with_tax_times_qty_when_the_clerk_priced_ex_tax():
    """金蝶's most-read VAT question: 8.85 ex tax at 13% shows as 10.00 inclusive, yet 1,000 of them
    cost 10,000.50 — the line is figured from 单价, and the invoice says 10,000.50."""
    got = figures(Typed(qty=D(1000), rate=D("0.13"), price=D("8.85")))
    assert (got.amount, got.tax, got.total_with_tax) == (D("8850.00"), D("1150.50"), D("10000.50"))
    wrong = figures(Typed(qty=D(1000), rate=D("0.13"), price=D("8.85"), total_with_tax=D("10000.00")))
    assert wrong == Mismatch("价税合计", D("10000.00"), D("10000.50"))


def test_typed_invoice_figures_within_a_cent_are_kept_to_the_cent():
    # the invoice rounded its 税额 the other way: 99.99 × 13% = 12.9987, invoice says 12.99
    got = figures(Typed(qty=D(3), rate=D("0.13"), price=D("33.33"), tax=D("12.99")))
    assert (got.amount, got.tax, got.total_with_tax) == (D("99.99"), D("12.99"), D("112.98"))
    got = figures(Typed(qty=D(3), rate=D("0.13"), price=D("33.33"), amount=D("100.00"), total_with_tax=D("113.00")))
    assert (got.amount, got.tax, got.total_with_tax) == (D("100.00"), D("13.00"), D("113.00"))
    got = figures(Typed(qty=D(1000), rate=D("0.13"), price_with_tax=D("9.99"), tax=D("1149.30")))
    assert (got.amount, got.tax, got.total_with_tax) == (D("8840.70"), D("1149.30"), D("9990.00"))


@pytest.mark.parametrize("typed, field, expected", [
    (dict(price=D("33.33"), amount=D("100.01")), "金额", D("99.99")),
    (dict(price=D("33.33"), tax=D("13.02")), "税额", D("13.00")),
    (dict(price=D("33.33"), amount=D("99.99"), tax=D("13.00"), total_with_tax=D("113.00")), "价税合计", D("112.99")),
    (dict(price_with_tax=D("11.30"), total_with_tax=D("33.92")), "价税合计", D("33.90")),
    (dict(price_with_tax=D("11.30"), amount=D("29.90")), "金额", D("30.00")),
    (dict(price_with_tax=D("11.30"), tax=D("3.80")), "税额", D("3.90")),
])
def test_a_figure_further_than_a_cent_is_named_with_what_it_should_be(typed, field, expected):
    got = figures(Typed(qty=D(3), rate=D("0.13"), **typed))
    assert isinstance(got, Mismatch) and (got.field, got.expected) == (field, expected)


def test_a_line_with_no_rate_has_no_tax():
    got = figures(Typed(qty=D(7), rate=D(0), price=D("3.494")))
    assert (got.amount, got.tax, got.total_with_tax) == (D("24.46"), D("0.00"), D("24.46"))


def test_a_small_taxpayers_tax_is_the_inclusive_sales_over_one_plus_the_rate():
    """《增值税暂行条例实施细则》第三十条: 销售额 = 含税销售额 ÷ (1 + 征收率); a 小规模纳税人 selling
    103,000 including 3% owes 103,000 ÷ 1.03 × 3% = 3,000.00. 第十四条 gives the general taxpayer's
    the same way: 113,000 including 13% is 销售额 100,000 and 销项税额 13,000."""
    small = figures(Typed(qty=D(1), rate=parse_rate("3%"), price_with_tax=D(103000)))
    assert (small.amount, small.tax) == (D("100000.00"), D("3000.00"))
    general = figures(Typed(qty=D(1000), rate=parse_rate("13%"), price_with_tax=D(113)))
    assert (general.amount, general.tax) == (D("100000.00"), D("13000.00"))


_qty = st.decimals(min_value=D("0.0001"), max_value=D(100000), places=4)
_price = st.decimals(min_value=D(0), max_value=D(10000), places=4)
_rate = st.sampled_from([D(0), D("0.01"), D("0.03"), D("0.05"), D("0.06"), D("0.09"), D("0.13")])


@given(qty=_qty, price=_price, rate=_rate, inclusive=st.booleans())
def test_every_line_balances_and_typing_back_what_it_shows_changes_nothing(qty, price, rate, inclusive):
    basis = dict(price_with_tax=price) if inclusive else dict(price=price)
    got = figures(Typed(qty=qty, rate=rate, **basis))
    assert isinstance(got, Figures) and got.total_with_tax == got.amount + got.tax
    assert got.amount == got.amount.quantize(D("0.01")) and got.tax == got.tax.quantize(D("0.01"))
    again = figures(Typed(qty=qty, rate=rate, amount=got.amount, tax=got.tax, total_with_tax=got.total_with_tax, **basis))
    assert again == got


@given(qty=st.integers(1, 10**13 - 1), price=st.integers(0, 10**14 - 1),
       rate=st.sampled_from(["0", "0.03", "0.06", "0.09", "0.13", "0.135", "0.999999", "0.000001"]),
       by_total=st.booleans())
def test_the_figures_in_integers_are_the_decimal_figures_digit_for_digit(qty, price, rate, by_total):
    """A line with only 数量, one price and 税率 worked out in scaled integers (the post's way) and
    in Decimal (the reference): the same figures, each written the same (12.30, not 12.3), and the
    integers are those figures as the ledger stores them."""
    from dataclasses import astuple
    from jxc_xl.domain.money import to_cents, to_rate_units, to_unit_cost_units
    from jxc_xl.domain.tax import figures_in_units
    q, p, r = D(qty).scaleb(-4), D(price).scaleb(-6), D(rate)
    typed = Typed(q, r, None if by_total else p, p if by_total else None)
    fast, reference = figures_in_units(qty, price, to_rate_units(r), by_total, p, r), figures(typed)
    assert [repr(v) for v in astuple(fast)[:6]] == [repr(v) for v in astuple(reference)[:6]]
    assert fast.units == (to_rate_units(reference.rate), to_unit_cost_units(reference.price),
                          to_unit_cost_units(reference.price_with_tax), to_cents(reference.amount),
                          to_cents(reference.tax), to_cents(reference.total_with_tax))


def test_figures_made_slot_by_slot_are_the_dataclass_built_the_usual_way():
    """The integer way's Figures (tax._made fills its slots directly, skipping the frozen
    dataclass's __init__) is the Figures its fields make: equal, the same hash and text, as
    frozen, copied and pickled alike; and a model copied by Line.updated is the model
    model_copy makes (its fields, the fields given, its dump)."""
    import copy
    import dataclasses
    import pickle
    from jxc_xl.domain.model import Line
    from jxc_xl.domain.tax import figures_in_units
    fast = figures_in_units(30000, 12_500000, 130000, False, D("12.5"), D("0.13"))
    usual = Figures(*(getattr(fast, f.name) for f in dataclasses.fields(Figures)))
    assert fast == usual and hash(fast) == hash(usual) and repr(fast) == repr(usual)
    assert fast.units == usual.units == (130000, 12_500000, 14_126667, 3750, 488, 4238)
    assert pickle.loads(pickle.dumps(fast)) == fast and copy.copy(fast).units == fast.units
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.amount = D(1)
    line = Line(item="I1", qty=D(3), price=D("12.5"))
    for update in ({"figures": fast}, {"item": "I2"}, {"figures": fast, "note": "x"}):
        quick, reference = line.updated(update), line.model_copy(update=update)
        assert quick == reference and quick.model_fields_set == reference.model_fields_set
        assert quick.model_dump() == reference.model_dump() and type(quick) is Line
