"""The monthly average in scaled integers (``run_wide``, the ledger's fast path) against its Decimal
``run``, the reference (hypothesis): random books over several months give every stored figure and
any failure alike."""
import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jxc_xl.domain import costing, money
from jxc_xl.domain.costing import monthly_average
from jxc_xl.ledger.engine import recost

# (month offset, direction, rule, qty in 1e-4, fixed value in cents, given unit cost in 1e-6, in_basis)
qty_units = st.one_of(st.integers(0, 40).map(lambda n: n * 10000), st.integers(0, 400_000),
                      st.sampled_from([0, 1, 3, 7, 10000, 30000]))
wide_move = st.tuples(st.integers(0, 3), st.sampled_from([1, -1]),
                      st.sampled_from(["fixed", "fixed", "current", "current", "count"]), qty_units,
                      st.one_of(st.integers(0, 10**7), st.integers(0, 300)),
                      st.one_of(st.none(), st.integers(0, 10**9)), st.booleans())
opening = st.tuples(st.integers(-50_000, 500_000), st.integers(-10**6, 10**7),
                    st.one_of(st.none(), st.integers(1, 10**8)))


def _both(raw, allow_negative, start):
    qty, value, last = start
    if qty == 0:
        value = 0
    month = 2026 * 12 + 10
    moves, wide = [], []
    for i, (offset, direction, rule, q, v, given, in_basis) in enumerate(sorted(raw, key=lambda m: m[0])):
        direction = direction if rule != "count" else 0
        v = v if rule == "fixed" else 0
        in_basis = in_basis or rule != "fixed"
        m = month + offset
        moves.append(costing.Move(i + 1, dt.date(m // 12, m % 12 + 1, 1), direction, rule, money.from_qty_units(q),
                                  money.from_cents(v) if v else Decimal(0),
                                  None if given is None else money.from_unit_cost_units(given), in_basis=in_basis))
        wide.append((i + 1, m, direction, rule, q, v, given, None, in_basis))
    state = costing.State(money.from_qty_units(qty), money.from_cents(value),
                          None if last is None else money.from_unit_cost_units(last))
    slow = monthly_average.run(state, moves, allow_negative)
    fast = monthly_average.run_wide((qty, value, last), wide, allow_negative)
    return slow, fast


@settings(max_examples=600, deadline=None)
@given(st.lists(wide_move, max_size=30), st.booleans(), opening)
def test_monthly_average_in_integers_gives_the_decimal_figures(raw, allow_negative, start):
    """Receipts at a fixed value, at the current cost and at a given cost, issues, fixed returns
    in and out of the month's basis, counts, negative stock allowed or not, over up to four months:
    every stored figure (as recost stores the Decimal results) and any failure are the same."""
    slow, fast = _both(raw, allow_negative, start)
    assert fast.results == [recost._stored(r) for r in slow.results]
    assert fast.failure == slow.failure


# months that end at zero: receipts, then issues of exactly what came in (the settle's case)
_settling = st.lists(st.tuples(st.integers(0, 3), st.integers(1, 400_000), st.integers(1, 10**7), st.integers(1, 7)),
                     min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(_settling, st.booleans())
def test_a_month_ending_at_zero_settles_alike(receipts, with_current):
    """Each month: receipts, then the whole quantity issued in unequal parts (the last issue takes
    the cents the rate left over), now and then a receipt at the current cost between them."""
    raw = []
    for offset, q, v, parts in receipts:
        raw.append((offset, 1, "fixed", q, v, None, True))
        if with_current:
            raw.append((offset, 1, "current", q // 3, 0, None, True))
            q += q // 3
        share = q // parts
        for _ in range(parts - 1):
            raw.append((offset, -1, "current", share, 0, None, True))
        raw.append((offset, -1, "current", q - share * (parts - 1), 0, None, True))
    slow, fast = _both(raw, False, (0, 0, None))
    assert slow.failure is None
    assert fast.results == [recost._stored(r) for r in slow.results]
    assert fast.failure == slow.failure


_unrated = st.tuples(st.integers(0, 3), st.sampled_from([1, -1, -1]), st.sampled_from(["current", "current", "count"]),
                     qty_units, st.just(0), st.one_of(st.none(), st.integers(0, 10**9)), st.just(True))


@settings(max_examples=300, deadline=None)
@given(st.lists(_unrated, max_size=20), st.booleans(),
       st.tuples(st.integers(-50_000, 500_000), st.integers(-10**6, 10**7), st.none()))
def test_a_month_without_a_rate_costs_from_the_balance_alike(raw, allow_negative, start):
    """No fixed movement and no cost carried in: the month has no rate, so receipts come in at a
    given cost and issues take their share of the balance (one rounding of value × qty ÷ balance)."""
    slow, fast = _both(raw, allow_negative, start)
    assert fast.results == [recost._stored(r) for r in slow.results]
    assert fast.failure == slow.failure


def test_an_issue_beyond_a_balance_carried_in_without_a_cost_takes_its_value_per_unit():
    """A balance carried in as quantity and value only, in a month whose fixed returns leave no
    rate: an issue beyond it costs at value ÷ qty (3.00), on both paths."""
    raw = [(0, -1, "current", 20000, 0, None, True), (0, -1, "fixed", 50000, 1000, None, True)]
    slow, fast = _both(raw, True, (10000, 300, None))
    assert fast.results == [recost._stored(r) for r in slow.results]
    assert fast.results[0][:2] == (-20000, -600)
