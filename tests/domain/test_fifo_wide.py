"""FIFO in scaled integers (fifo.run_wide, the ledger's path) against the Decimal method it
stands in for (fifo.run, the reference), on random books: every stored figure and any failure
the same."""
import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jxc_xl.domain import costing, money
from jxc_xl.domain.costing import fifo

from .test_costing import _stored

D = Decimal

# (direction, rule, qty, fixed value, given unit cost, how many movements back is the one a return takes from first)
wide = st.tuples(st.sampled_from([1, 1, -1, -1, 0]), st.sampled_from(["fixed", "fixed", "current", "count"]),
                 st.one_of(st.integers(0, 40).map(lambda n: n * 10000), st.integers(0, 400_000), st.integers(1, 7),
                           st.integers(10**8, 10**12)),
                 st.one_of(st.integers(0, 10**7), st.integers(0, 99)),
                 st.one_of(st.none(), st.integers(0, 10**9), st.integers(0, 999)),
                 st.one_of(st.none(), st.integers(1, 6)))


def _both(raw: list[tuple], allow_negative: bool, opening=(0, 0, None)):
    qty, value, last = opening
    state = costing.State(money.from_qty_units(qty), money.from_cents(value),
                          None if last is None else money.from_unit_cost_units(last))
    day = dt.date(2026, 11, 1)
    moves, wides = [], []
    for i, (direction, rule, q, v, given_, layer) in enumerate(raw, start=1):
        if rule == "count":
            direction = 0
        elif direction == 0:
            direction = 1
        layer = i - layer if layer and rule == "fixed" and direction < 0 else None     # a return at its source's cost
        fixed = v if rule == "fixed" else 0
        moves.append(costing.Move(i, day, direction, rule, money.from_qty_units(q), money.from_cents(fixed),
                                  None if given_ is None else money.from_unit_cost_units(given_), layer=layer))
        wides.append((i, 2026 * 12 + 11, direction, rule, q, fixed, given_, layer, True))
    slow = fifo.run(state, moves, allow_negative)
    fast = fifo.run_wide(opening, wides, allow_negative)
    assert fast.results == [_stored(r) for r in slow.results]
    assert fast.failure == slow.failure
    return fast


@settings(max_examples=600, deadline=None)
@given(st.lists(wide, max_size=40), st.booleans())
def test_fifo_in_integers_gives_the_decimal_figures(raw, allow_negative):
    """Receipts at their own cost, at the balance's, at a given cost and at the last one; issues
    across layers; returns taking their own receipt's layer first; counts; quantities with 4
    places, tiny ones (1 to 7 ten-thousandths, where the roundings bite) and huge ones (where a
    part of a layer at its rounded rate can cost more than the layer holds); negative stock
    allowed or refused."""
    _both(raw, allow_negative)


@settings(max_examples=200, deadline=None)
@given(st.lists(wide, max_size=25), st.booleans(),
       st.tuples(st.integers(-50_000, 500_000), st.integers(-10**6, 10**7), st.one_of(st.none(), st.integers(1, 10**8))))
def test_fifo_in_integers_from_a_balance_without_layers(raw, allow_negative, opening):
    """An opening given as a balance (no layers) meets the first movement as the Decimal State does."""
    qty, value, last = opening
    _both(raw, allow_negative, (qty, 0 if qty == 0 else value, last))


def test_fifo_in_integers_textbook():
    """10 at 10.00, 10 at 20.00, an issue of 15 (100 + 5 × 20 = 200), a return of 2 from the first
    receipt's layer (empty: from the second's, 2 × 20), then 0.0001 beyond what is left."""
    fast = _both([(1, "fixed", 100_000, 10_000, None, None), (1, "fixed", 100_000, 20_000, None, None),
                  (-1, "current", 150_000, 0, None, None), (-1, "fixed", 20_000, 0, None, 1),
                  (-1, "current", 30_001, 0, None, None)], allow_negative=True)
    assert [r[1] for r in fast.results] == [10_000, 20_000, -20_000, -4_000, -6_000]
    assert fast.results[-1][3:] == (-1, 0, 20_000_000)
