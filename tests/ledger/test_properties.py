"""Ledger invariants over random document sequences (hypothesis), on real SQLite files."""
import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jxc_xl import Document, Ledger, Line

from ..conftest import standard_masters

METHODS = ["moving_average", "fifo", "monthly_average"]
START = dt.date(2026, 1, 1)
KINDS = ["purchase_receipt", "purchase_receipt", "sales_shipment", "sales_shipment", "transfer",
         "stock_count", "other_receipt", "other_issue", "purchase_return", "sales_return",
         "customer_receipt", "supplier_payment"]

op = st.tuples(st.sampled_from(KINDS), st.integers(0, 75), st.sampled_from("AB"), st.sampled_from(["W1", "W2"]),
               st.integers(1, 12), st.integers(0, 999), st.booleans(), st.integers(0, 50))


def build(ops, one_way_transfers: bool = False) -> list[Document]:
    """Documents from generated tuples; returns name an earlier shipment or receipt now and then.

    ``one_way_transfers`` sends every transfer from W1 to W2. The monthly average needs it: with
    transfers both ways inside one month, each warehouse's rate depends on the other's, a
    system of equations the ledger does not solve yet (it stops after a bounded number of
    passes, and verify() then reports the cents it could not settle). A known limit, in the
    README; single-direction transfers, and both ways under the other methods, are covered.
    """
    docs, shipped, received = [], [], []
    for n, (kind, day, item, wh, qty, cents, flag, pick) in enumerate(ops):
        date = START + dt.timedelta(days=day)
        no = f"D{n:04d}"
        price = Decimal(cents) / 100 + 1
        line = Line(item=item, qty=Decimal(qty) / (4 if flag else 1), price=price,
                    unit_cost=price if flag else None)
        other = "W2" if wh == "W1" else "W1"
        head = dict(doc_no=no, date=date, warehouse=wh, lines=(line,))
        if kind == "purchase_receipt":
            doc = Document(type=kind, party="S1", **head)
            received.append(doc)
        elif kind == "sales_shipment":
            doc = Document(type=kind, party="C1", **head)
            shipped.append(doc)
        elif kind in ("purchase_return", "sales_return"):
            pool = received if kind == "purchase_return" else shipped
            party = "S1" if kind == "purchase_return" else "C1"
            source = pool[pick % len(pool)] if pool and flag else None
            if source is not None:
                head.update(date=max(date, source.date), lines=(line.model_copy(update={"item": source.lines[0].item}),))
            doc = Document(type=kind, party=party, source_doc_no=source.doc_no if source else "", **head)
        elif kind == "transfer":
            if one_way_transfers:
                head["warehouse"], other = "W1", "W2"
            doc = Document(type=kind, to_warehouse=other, **head)
        elif kind in ("customer_receipt", "supplier_payment"):
            doc = Document(type=kind, doc_no=no, date=date, party="C1" if kind == "customer_receipt" else "S1",
                           amount=price * qty)
        else:
            doc = Document(type=kind, **head)
        docs.append(doc)
    return docs


def fresh(folder: Path, name: str, method: str, allow_negative: bool) -> Ledger:
    ledger = Ledger.open(folder / f"{name}.jxc.db", cost_method=method, allow_negative=allow_negative)
    standard_masters(ledger)
    return ledger


def snapshot(ledger: Ledger) -> dict:
    return {table: [tuple(r) for r in ledger.conn.execute(f"SELECT * FROM {table} ORDER BY id")]
            for table in ("documents", "lines", "movements", "party_entries")}


def costs(ledger: Ledger) -> list[tuple]:
    """Each movement's decided figures, keyed by what caused it, independent of posting order."""
    return sorted(ledger.conn.execute(
        "SELECT d.doc_no, m.leg, m.item, m.warehouse, m.qty, m.value, m.bal_qty, m.bal_value "
        "FROM movements m JOIN documents d ON d.id = m.doc").fetchall(), key=tuple)


common = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(st.lists(op, min_size=1, max_size=25), st.sampled_from(METHODS), st.booleans())
def test_invariants_hold_and_a_second_post_changes_nothing(ops, method, allow_negative):
    with tempfile.TemporaryDirectory() as folder:
        with fresh(Path(folder), "l", method, allow_negative) as ledger:
            documents = build(ops, one_way_transfers=method == "monthly_average")
            first = ledger.post(documents)
            # stock value equals the sum of movement values, and every balance recomputes
            assert ledger.verify() == []
            for row in ledger.stock():
                card = ledger.stock_card(row.item, row.warehouse)
                assert row.value == sum((c.value for c in card), Decimal(0))
                assert row.qty == sum((c.in_qty - c.out_qty for c in card), Decimal(0))
            balances = ledger.conn.execute("SELECT bal_qty, bal_value, date, item, warehouse FROM movements "
                                           "ORDER BY item, warehouse, pos").fetchall()
            if not allow_negative:
                assert all(r[0] >= 0 for r in balances)
            if method != "monthly_average":     # (monthly: settled at month end, checked below)
                assert all(r[1] == 0 for r in balances if r[0] == 0)
            month_ends = {}
            for r in balances:
                month_ends[(r[3], r[4], r[2][:7])] = r
            assert all(r[1] == 0 for r in month_ends.values() if r[0] == 0)
            # the period summary balances and closes on the stock of its last day
            end = START + dt.timedelta(days=40)
            summary = ledger.summary(START + dt.timedelta(days=10), end)
            closing = {(r.item, r.warehouse): (r.qty, r.value) for r in ledger.stock(as_of=end)}
            for s in summary:
                assert s.open_qty + s.in_qty - s.out_qty == s.close_qty
                assert s.open_value + s.in_value - s.out_value == s.close_value
                assert closing[(s.item, s.warehouse)] == (s.close_qty, s.close_value)
            # posting the same batch again changes nothing
            before = snapshot(ledger)
            again = ledger.post(documents)
            assert again.posted == [] and again.batch is None
            assert sorted(again.already) == sorted(first.posted)
            assert snapshot(ledger) == before


@common
@given(st.lists(op, min_size=1, max_size=20), st.sampled_from(METHODS), st.booleans(), st.randoms())
def test_back_dated_posting_equals_posting_from_scratch_in_date_order(ops, method, allow_negative, rnd):
    documents = build(ops, one_way_transfers=method == "monthly_average")
    order = list(range(len(documents)))
    rnd.shuffle(order)
    with tempfile.TemporaryDirectory() as folder:
        with fresh(Path(folder), "random", method, allow_negative) as shuffled, \
                fresh(Path(folder), "dated", method, allow_negative) as dated:
            posted = []
            for i in order:                    # one document per batch, in random order
                if shuffled.post([documents[i]]).posted:
                    posted.append(documents[i])
            result = dated.post(posted)        # the same documents at once, in date order
            assert result.ok, [str(p) for p in result.problems]
            assert costs(shuffled) == costs(dated)
            assert shuffled.verify() == [] and dated.verify() == []
            for party in ("C1", "S1"):
                assert shuffled.balance(party) == dated.balance(party)


PRICED = {"purchase_receipt", "purchase_return", "sales_shipment", "sales_return"}
# a line's 增值税 as typed: no rate, or a rate with its price typed as 单价 (False) or 含税单价 (True)
# … and a purchase's 发票类型 (专票, 普票 or none typed)
tax = st.one_of(st.none(), st.tuples(st.sampled_from(["0.13", "0.09", "0.06", "0.03", "0"]), st.booleans(),
                                     st.sampled_from(["", "special", "ordinary"])))


def taxed(documents: list[Document], taxes: list) -> list[Document]:
    """The documents with 税率 on some priced lines, some priced by 含税单价 instead of 单价."""
    out = []
    for doc, typed in zip(documents, taxes + [None] * len(documents)):
        if typed is None or doc.type.value not in PRICED:
            out.append(doc)
            continue
        rate, with_tax, invoice = typed
        line = doc.lines[0]
        update = {"tax_rate": Decimal(rate)}
        if with_tax:
            update.update(price=None, price_with_tax=line.price)
        head = {"invoice_type": invoice} if doc.journal == "purchases" else {}
        out.append(doc.model_copy(update={**head, "lines": (line.model_copy(update=update),)}))
    return out


def stored(ledger: Ledger) -> dict:
    """Every ledger row the books hold, but when and whence it was posted."""
    stamps = {"batch", "posted_at", "user", "workbook", "sheet", "row"}
    return {table: [{k: r[k] for k in r.keys() if k not in stamps}
                    for r in ledger.conn.execute(f"SELECT * FROM {table} ORDER BY id")]
            for table in ("documents", "lines", "movements", "party_entries", "cash_entries", "count_changes")}


@common
@given(st.lists(op, min_size=1, max_size=25), st.sampled_from(METHODS), st.booleans(),
       st.lists(tax, min_size=25, max_size=25), st.randoms(), st.booleans())
def test_the_fast_path_stores_the_figures_of_the_decimal_reference_path(ops, method, allow_negative, taxes, rnd,
                                                                        general):
    """Random batches — back-dated ones, returns, 增值税 by 单价 and by 含税单价, reversals — under each
    costing method, posted through the fast path (integer figures, the moving average's integer
    replay, a batch's new movements costed before they are written) and through the Decimal
    reference (and each line checked the full way, its 增值税 figures in Decimal), by a 一般纳税人 (a 专票's
    tax deductible) or not: the same outcomes, the same messages, every stored row the same."""
    import dataclasses
    from jxc_xl.domain import validate as checks
    from jxc_xl.ledger.engine import recost
    documents = taxed(build(ops, one_way_transfers=method == "monthly_average"), taxes)
    cut = rnd.randrange(len(documents) + 1)
    batches = [documents[cut:], documents[:cut]]          # the second batch is mostly back-dated
    undone = [documents[i].doc_no for i in rnd.sample(range(len(documents)), min(3, len(documents)))]
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        shortcuts = checks._plain, checks._taxed
        for reference in (False, True):
            recost.REFERENCE = reference
            if reference:
                checks._plain = checks._taxed = lambda *args: None
            try:
                with fresh(Path(folder), f"ref{reference}", method, allow_negative) as ledger:
                    masters = dataclasses.replace(ledger.masters(), general_taxpayer=general)
                    said = [[(o.doc_no, o.status, [str(p) for p in o.problems])
                             for o in ledger.post(b, masters=masters).outcomes] for b in batches]
                    said += [[(o.doc_no, o.status, [str(p) for p in o.problems]) for o in ledger.reverse(no).outcomes]
                             for no in undone]
                    results[reference] = said, stored(ledger)
            finally:
                recost.REFERENCE = False
                checks._plain, checks._taxed = shortcuts
    assert results[False] == results[True]


@common
@given(st.lists(op, min_size=1, max_size=25), st.integers(0, 120), st.randoms())
def test_aging_by_bucket_sums_settles_like_the_open_items_one_by_one(ops, day, rnd):
    """aging() settles credits against whole buckets in SQL; open_items() settles invoice by
    invoice. With random sales, purchases, receipts, payments, returns and reversals (so credits
    and netted reversals), the buckets agree to the cent."""
    as_of = START + dt.timedelta(days=day)
    with tempfile.TemporaryDirectory() as folder:
        with fresh(Path(folder), "aging", "moving_average", True) as ledger:
            documents = build(ops)
            posted = ledger.post(documents).posted
            for doc_no in rnd.sample(posted, min(3, len(posted))):
                ledger.reverse(doc_no)
            for side in ("AR", "AP"):
                for row in ledger.aging(as_of, side):
                    items, credit = ledger.open_items(row.party, side, as_of)
                    expected = {name: Decimal(0) for name in row.buckets}
                    for item in items:
                        age = (as_of - dt.date.fromisoformat(item.due_date)).days
                        name = "not_due" if age < 0 else next(
                            (n for limit, n in ((30, "0-30"), (60, "31-60"), (90, "61-90"), (120, "91-120"))
                             if age <= limit), "120+")
                        expected[name] += item.open
                    expected["not_due"] -= credit
                    assert row.buckets == expected and row.balance == sum(expected.values())
                    assert row.balance == ledger.balance(row.party, as_of, side)


FIGURES = ["qty", "value", "unit_cost", "bal_qty", "bal_value", "last_unit", "base_qty", "fixed_value", "link_qty"]


@common
@given(st.lists(op, min_size=1, max_size=25), st.sampled_from(METHODS), st.booleans(),
       st.lists(st.tuples(st.integers(0, 60), st.sampled_from(FIGURES), st.integers(-500, 500)), max_size=3),
       st.none() | st.integers(0, 75), st.none() | st.integers(0, 75))
def test_the_one_pass_self_check_finds_what_a_replay_of_every_key_finds(ops, method, allow_negative, tampered,
                                                                         since, closed):
    """Issue 24 (verify ≤ 2 s): 核对's cost check reads the movements in one pass (recost.check) instead
    of replaying each key with its own queries (recost's dry run, kept as the reference). On random
    books under each method, with figures changed by SQL (a bal_value, a linked quantity, a cost…),
    with and without an earlier version's costing_from and a closed period: the same failure, the
    same differences in the same order; the running balances summed in Python as SQL sums them (its
    window query kept as the reference) — and a changed figure is always found."""
    import dataclasses

    from jxc_xl.domain import costing
    from jxc_xl.ledger.engine import checks, recost
    with tempfile.TemporaryDirectory() as folder:
        with fresh(Path(folder), "check", method, allow_negative) as ledger:
            ledger.post(build(ops, one_way_transfers=method == "monthly_average"))
            ids = [r[0] for r in ledger.conn.execute("SELECT id FROM movements ORDER BY id")]
            stored_figures = f"SELECT {', '.join(FIGURES[:6])} FROM movements ORDER BY id"
            before = ledger.conn.execute(stored_figures).fetchall()
            for n, column, delta in tampered if ids else ():
                ledger.conn.execute(f"UPDATE movements SET {column} = COALESCE({column}, 0) + ? WHERE id = ?",
                                    (delta, ids[n % len(ids)]))
            settings_ = dataclasses.replace(
                ledger.settings, costing_from=None if since is None else START + dt.timedelta(days=since),
                closed_through=None if closed is None else START + dt.timedelta(days=closed))
            keys = {tuple(r): 0 for r in ledger.conn.execute("SELECT DISTINCT item, warehouse FROM movements")}
            keys_read = recost.by_key(ledger.conn, settings_)
            start = costing.METHODS[settings_.method].replay_start(settings_.since)
            assert keys_read == recost._keyed(ledger.conn, start)     # the counted cut, as one read with the keys
            one_pass = recost.check(ledger.conn, settings_, keys_read)
            assert sorted(checks.unbalanced(keys_read)) == sorted(tuple(r) for r in ledger.conn.execute(checks._RUNNING))
            per_key = recost.recost(ledger.conn, settings_, keys, dry_run=True)
            assert one_pass.differences == per_key.differences
            assert (one_pass.failure is None) == (per_key.failure is None)
            if one_pass.failure:
                assert dataclasses.replace(one_pass.failure, movement=tuple(one_pass.failure.movement)) == \
                    dataclasses.replace(per_key.failure, movement=tuple(per_key.failure.movement))
            if since is None and all(column in FIGURES[:6] for _, column, _ in tampered) and \
                    [tuple(r) for r in ledger.conn.execute(stored_figures)] != [tuple(r) for r in before]:
                assert ledger.verify()          # a stored figure changed by SQL is found
