"""Issue 24 (a receipt back-dated before 100,000 movements of its item in ≤ 0.5 s): on SQLite a
replay reads the movements it recosts without their stored figures and the engine writes only
those whose figures change (recost._write, ``update_rows(changed_only=True)``); on a server the
replay compares them as before (``Connection.compares_on_write``). Each engine's write keeps a
row that is the same as it is — on a file one UPDATE each, on a server by executemany below
``postgres.COPIED_FROM`` rows and through a temp table above it.
"""
import datetime as dt
from decimal import Decimal as D

import pytest

from jxc_xl import Document, Ledger, Line
from jxc_xl.ledger.engine import recost
from jxc_xl.ledger.stores import postgres

from ..conftest import standard_masters

PAIRS = postgres.COPIED_FROM // 2 + 50          # each a receipt and a sale: the server's temp table written
FIGURES = "m.qty, m.value, m.unit_cost, m.bal_qty, m.bal_value, m.last_unit"


def _buy(no: str, day: dt.date, qty: int, amount: str) -> Document:
    return Document(type="purchase_receipt", doc_no=no, date=day, party="S1", warehouse="W1",
                    lines=(Line(item="A", qty=D(qty), price=(D(amount) / qty).quantize(D("0.000001")),
                                amount=D(amount)),))


def _sale(no: str, day: dt.date, qty: int) -> Document:
    return Document(type="sales_shipment", doc_no=no, date=day, party="C1", warehouse="W1",
                    lines=(Line(item="A", qty=D(qty), price=D(9)),))


def _history() -> list[Document]:
    """A year of A bought and sold from February, never sold out."""
    docs = []
    for n in range(PAIRS):
        day = dt.date(2026, 2, 1) + dt.timedelta(days=n * 300 // PAIRS)
        docs += [_buy(f"P{n:04d}", day, 5 + n % 7, f"{7 + n % 13}.{n % 100:02d}"), _sale(f"S{n:04d}", day, 2 + n % 3)]
    return docs


def _figures(ledger: Ledger) -> dict[str, tuple]:
    """Each document's movement: its figures and the batch that last wrote them."""
    return {r[0]: tuple(r[1:]) for r in ledger.conn.execute(
        f"SELECT d.doc_no, {FIGURES}, m.touched FROM movements m JOIN documents d ON d.id = m.doc")}


def test_a_replay_rewrites_only_the_movements_whose_figures_change(ledger_path, tmp_path):
    """A receipt sold out before the history begins changes no later figure: none of the 1,100
    later movements is written (each keeps the batch that wrote it). A receipt kept changes them
    all: each is written by that batch, and every figure is what the documents posted from
    scratch in date order give."""
    sold_out = [_buy("B1", dt.date(2026, 1, 2), 5, "10.00"), _sale("B2", dt.date(2026, 1, 3), 5)]
    kept = [_buy("B3", dt.date(2026, 1, 4), 3, "7.77")]
    with Ledger.open(ledger_path) as ledger:
        standard_masters(ledger)
        assert ledger.post(_history()).ok
        history = _figures(ledger)
        assert ledger.post(sold_out).ok
        after = _figures(ledger)
        assert {no: after[no] for no in history} == history
        assert ledger.post(kept).ok
        batch = ledger.conn.execute("SELECT MAX(id) FROM batches").fetchone()[0]
        recosted = _figures(ledger)
        assert all(recosted[no][-1] == batch and recosted[no][3:5] != history[no][3:5] for no in history)
        assert ledger.verify() == []
    with Ledger.open(tmp_path / "scratch.jxc.db") as scratch:
        standard_masters(scratch)
        assert scratch.post(sold_out + kept + _history()).ok
        assert {no: f[:-1] for no, f in _figures(scratch).items()} == {no: f[:-1] for no, f in recosted.items()}


def test_a_back_dated_post_reads_no_stored_figure_of_the_movements_it_replays(tmp_path):
    """The replay's one read of the later movements asks for what costing needs, not the six
    figures stored on each (the engine compares them as it writes); the statements SQLite ran
    say so."""
    with Ledger.open(tmp_path / "books.jxc.db") as ledger:
        standard_masters(ledger)
        assert ledger.post(_history()[:200]).ok
        statements: list[str] = []
        ledger.conn.set_trace_callback(statements.append)
        assert ledger.post([_buy("B3", dt.date(2026, 1, 4), 3, "7.77")]).ok
        ledger.conn.set_trace_callback(None)
    replayed = [s for s in statements if "FROM movements WHERE item=" in s and "pos >= " in s]
    assert replayed and not any("bal_value" in s for s in replayed)
    assert any("IS NOT (" in s for s in statements if s.startswith("UPDATE movements"))


@pytest.mark.parametrize("size", [3, postgres.COPIED_FROM + 3])
def test_rows_written_changed_only_that_are_the_same_are_left_as_they_are(ledger, size):
    """update_rows(changed_only=True) on both engines, by executemany and (on a server) through its
    temp table: a row given with the figures it holds keeps its ``touched``; the rest are set;
    without changed_only every row is."""
    conn = ledger.conn
    conn.execute(f"CREATE TABLE jxc_t (id {conn.serial}, a {conn.types[int]}, b {conn.types[int]}, "
                 f"touched {conn.types[int]})")
    conn.executemany("INSERT INTO jxc_t (id, a, b, touched) VALUES (?, ?, ?, 0)",
                     [(n, n, None if n % 3 else n) for n in range(1, size + 1)])
    given = [(n, (None if n % 3 else n) if n % 2 else 7, n) for n in range(1, size + 1)]   # odd ids the same
    conn.begin()
    conn.update_rows("jxc_t", ("a", "b"), given, {"touched": 9}, changed_only=True)
    conn.end(True)
    found = [tuple(r) for r in conn.execute("SELECT id, a, b, touched FROM jxc_t ORDER BY id")]
    assert found == [(*row[2:], *row[:2], 0 if row[2] % 2 else 9) for row in given]
    conn.begin()
    conn.update_rows("jxc_t", ("a", "b"), given, {"touched": 8})
    conn.end(True)
    assert {r[0] for r in conn.execute("SELECT DISTINCT touched FROM jxc_t")} == {8}


@pytest.mark.parametrize("collecting", [True, False])
def test_a_replay_leaves_the_cycle_collector_as_it_found_it(tmp_path, collecting):
    """recost pauses Python's cycle collector while it replays (its rows make no cycles) and puts
    it back as it was — on, or off as a workbook run (app.usecases.bulk) keeps it — after a replay
    that stands and after one refused for the shortage it would make further on."""
    import gc
    with Ledger.open(tmp_path / "books.jxc.db") as ledger:
        standard_masters(ledger)
        assert ledger.post(_history()[:200]).ok
        was = gc.isenabled()
        try:
            (gc.enable if collecting else gc.disable)()
            assert ledger.post([_buy("B3", dt.date(2026, 1, 4), 3, "7.77")]).ok
            assert gc.isenabled() is collecting
            assert not ledger.post([_sale("B4", dt.date(2026, 1, 5), 3 + 1000)]).ok
            assert gc.isenabled() is collecting
        finally:
            (gc.enable if was else gc.disable)()
        assert ledger.verify() == []


def _linked(docs: list[Document]) -> list[Document]:
    """What takes its cost from a movement of :func:`_history` (``docs``): every 50th day part of
    a sale comes back (销售退货 naming it), every 70th a unit is moved to W2 (调拨)."""
    docs, linked = list(docs), []
    for n in range(0, PAIRS, 50):
        sale = docs[2 * n + 1]
        linked.append(Document(type="sales_return", doc_no=f"R{n:04d}", date=sale.date, party="C1", warehouse="W1",
                             source_doc_no=sale.doc_no, lines=(Line(item="A", qty=D(1), price=D(9)),)))
    for n in range(0, PAIRS, 70):
        linked.append(Document(type="transfer", doc_no=f"T{n:04d}", date=docs[2 * n].date, warehouse="W1",
                               to_warehouse="W2", lines=(Line(item="A", qty=D(1)),)))
    return linked


def _figures_by_leg(ledger: Ledger) -> dict[tuple, tuple]:
    """Each movement's figures, by document and warehouse (a transfer has a leg in each)."""
    return {(r[0], r[1]): tuple(r[2:]) for r in ledger.conn.execute(
        f"SELECT d.doc_no, m.warehouse, {FIGURES} FROM movements m JOIN documents d ON d.id = m.doc")}


@pytest.mark.parametrize("ranged_from", [1, 10 ** 9])
def test_a_long_replay_finds_what_links_to_it_by_a_range_of_ids(ledger_path, tmp_path, monkeypatch, ranged_from):
    """A back-dated receipt changes the cost of 1,100 later sales: the returns naming them and the
    transfers' receiving legs in W2 are recosted in turn, whether what links to the replayed
    movements is looked up by one range of ids (recost._linked_to: a long replay; with
    ``ranged_from`` 1 also a short one, falling back to each id where the range holds too many)
    or id by id (``ranged_from`` beyond any replay) — every figure as the documents posted from
    scratch in date order give. recost._linked_to finds what the lookup by each id finds."""
    monkeypatch.setattr(recost, "RANGED_FROM", ranged_from)
    back = [_buy("B3", dt.date(2026, 1, 4), 3, "7.77")]
    with Ledger.open(ledger_path) as ledger:
        standard_masters(ledger)
        assert ledger.post(_history()).ok
        assert ledger.post(_linked(_history())).ok
        before = _figures_by_leg(ledger)
        assert ledger.post(back).ok
        after = _figures_by_leg(ledger)
        assert ledger.verify() == []
        conn = ledger.conn
        sales = [r[0] for r in conn.execute("SELECT link FROM movements WHERE link IS NOT NULL ORDER BY link")]
        w1 = [r[0] for r in conn.execute("SELECT id FROM movements WHERE warehouse = 'W1' ORDER BY pos")]
        for ids in (w1, sales[:4], sales[:1] + w1[:7], w1[:3]):   # few linked in range; as many as ids: each looked up
            assert sorted(recost._linked_to(conn, ids)) == sorted(conn.tuples(
                f"SELECT item, warehouse, pos, id, link FROM movements WHERE link IN ({','.join(map(str, ids))})"))
    assert after[("T0070", "W2")] != before[("T0070", "W2")] and after[("R0050", "W1")] != before[("R0050", "W1")]
    with Ledger.open(tmp_path / "scratch.jxc.db") as scratch:
        standard_masters(scratch)
        assert scratch.post(back + _history()).ok
        assert scratch.post(_linked(_history())).ok
        assert _figures_by_leg(scratch) == after


def test_a_plain_replay_gives_what_a_replay_of_whole_rows_gives(tmp_path, monkeypatch):
    """SQLite's replay that writes, by the integer path (recost._replayed_plain: each movement read
    as it is costed, its id apart; a linked one and a count read again by id), against reading
    whole rows (recost._replayed): the same figures for every movement from where each replay
    starts — returns and transfers among them — the same count lines changed once a count's stored
    figure is not what the replay gives, and the same failure once an early sale takes more than there is."""
    with Ledger.open(tmp_path / "books.jxc.db") as ledger:
        standard_masters(ledger)
        assert ledger.post(_history()).ok
        assert ledger.post(_linked(_history())).ok
        assert ledger.post([Document(type="stock_count", doc_no="PD1", date=dt.date(2026, 6, 1), warehouse="W1",
                                     lines=(Line(item="A", qty=D(5000)),))]).ok
        conn = ledger.conn
        middle = conn.execute("SELECT pos FROM movements WHERE warehouse = 'W1' ORDER BY pos LIMIT 1 OFFSET 600"
                              ).fetchone()[0]

        def both(key, start):
            plain = recost._replay(conn, recost.Settings(), key, start, False)
            with monkeypatch.context() as patched:
                patched.setattr(recost, "_plain", lambda settings, start: False)
                whole = recost._replay(conn, recost.Settings(), key, start, False)
            return plain, whole

        for key, start in ((("A", "W1"), 0), (("A", "W2"), 0), (("A", "W1"), middle)):
            plain, whole = both(key, start)
            assert plain == whole and len(plain[0]) > 5 and plain[1] == []
        conn.execute("UPDATE movements SET qty = qty + 1000 WHERE rule = 'count'")
        plain, whole = both(("A", "W1"), 0)
        assert plain == whole and len(plain[1]) == 1
        conn.execute("UPDATE movements SET base_qty = 10000 * base_qty WHERE id = (SELECT id FROM movements "
                     "WHERE warehouse = 'W1' AND rule = 'current' AND direction < 0 ORDER BY pos LIMIT 1 OFFSET 10)")
        plain, whole = both(("A", "W1"), 0)
        assert plain == whole and isinstance(plain, recost.Failure) and plain.kind == "shortage"
