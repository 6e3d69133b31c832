"""Issue 24 (slim rows): schema 13 — the order key an integer the engine computes (domain.order).

The documents of a day stand in the order their 单号 sorted as text (``XS10`` before ``XS1``),
exactly as before, whatever order they were posted in: appended, back-dated between two posted
ones, more in a day than the gaps left (the day renumbered), reversed. A schema-12 ledger (text
keys) upgrades in place on both engines with every figure, every 台账 row and the order kept; on a
server the key's day is held to the row's date, so no key typed past jxc sorts a row of an open
month into a closed one."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal

import psycopg
import pytest

from jxc_xl import Document, Ledger, Line
from jxc_xl.domain import order
from jxc_xl.domain.model import DocType
from jxc_xl.ledger.engine import batch, posting, slots
from jxc_xl.ledger.engine.posting import RANK
from jxc_xl.ledger.stores.schema import SCHEMA_VERSION, _indexes
from tests.conftest import login, standard_masters
from tests.dsl import docs
from tests.tax.test_tax_upgrade import _figures

from .test_clerks import _figures as _movements
from .test_documents import HEAD

# Same day, numbers that sort differently as text and as numbers: D10 before D1, D20 before D2.
# The moving average (opening 10 @ 5) then costs D10 at 25.00 and D20 at 75.00 — by number order
# (D1, D2, D10, D20) they would cost 125.00 and 125.00.
SAME_DAY = ("| 2026-03-01 | 期初库存 | O1  |    | W1 | | A | 10 | | 5 | |\n"
            "| 2026-03-02 | 采购入库 | D1  | S1 | W1 | | A | 10 | 20 | | |\n"
            "| 2026-03-02 | 销售出库 | D10 | C1 | W1 | | A | 5  | 9  | | |\n"
            "| 2026-03-02 | 采购入库 | D2  | S1 | W1 | | A | 10 | 30 | | |\n"
            "| 2026-03-02 | 销售出库 | D20 | C1 | W1 | | A | 5  | 9  | | |\n"
            "| 2026-03-03 | 收款     | R1  | C1 |    | | | | 20 | | |\n")


def _order(ledger: Ledger) -> list[str]:
    """Every movement's document, line and leg in ledger order."""
    return [f"{r[0]}{'-' if r[1] else ''}:{r[2]}.{r[3]}" for r in ledger.conn.execute(
        "SELECT d.doc_no, d.reversal, l.line_no, m.leg FROM movements m JOIN documents d ON d.id = m.doc "
        "JOIN lines l ON l.id = m.line ORDER BY m.pos")]


def _card(ledger: Ledger) -> list[tuple]:
    return [dataclasses.astuple(r) for r in ledger.stock_card()] + [tuple(r) for r in ledger.journal()[1]]


def _keys_hold(ledger: Ledger) -> None:
    """Every key an integer on its row's date; each day's documents in the order of their text."""
    days: dict[int, list[str]] = {}
    for r in ledger.conn.execute("SELECT doc_no, journal, revision, reversal, pos, date FROM documents ORDER BY pos"):
        assert isinstance(r["pos"], int) and order.key_day(r["pos"]).isoformat() == r["date"]
        days.setdefault(order.day_rank(r["pos"]), []).append(slots.text(*tuple(r)[:4]))
    assert all(names == sorted(names) for names in days.values())
    for table in ("movements", "cash_entries"):
        assert all(order.key_day(pos).isoformat() == date and isinstance(pos, int) for pos, date in
                   ledger.conn.execute(f"SELECT pos, date FROM {table}"))


def test_a_days_documents_stand_in_the_order_of_their_numbers_as_text(ledger):
    assert ledger.post(docs(HEAD + SAME_DAY)).ok
    sold = {c.doc_no: c.value for c in ledger.stock_card("A") if c.doc_no.startswith("D")}
    assert sold == {"D10": -25, "D1": 200, "D20": -75, "D2": 300}
    assert _order(ledger) == ["O1:1.0", "D10:1.0", "D1:1.0", "D20:1.0", "D2:1.0"]
    _keys_hold(ledger)


def test_documents_posted_between_posted_ones_take_their_place_by_text(ledger_path, tmp_path):
    """SO9, SO10, SO1 posted; then SO11 (between SO10 and SO1), SO0 and SO100 back-dated into the same
    day one at a time; then a reversal — the same order and figures as one post of them all."""
    rows = {no: f"| 2026-03-02 | {'采购入库' if no.endswith('1') else '销售出库'} | {no} | "
                f"{'S1' if no.endswith('1') else 'C1'} | W1 | | A | {4 if no.endswith('1') else 3} | {7 + len(no)} | | |\n"
            for no in ("SO9", "SO10", "SO1", "SO11", "SO0", "SO100", "SO91")}
    first = "| 2026-03-01 | 期初库存 | O1 | | W1 | | A | 10 | | 5 | |\n"
    with Ledger.open(ledger_path) as ledger:
        standard_masters(ledger)
        assert ledger.post(docs(HEAD + first + rows["SO9"] + rows["SO10"] + rows["SO1"])).ok
        for no in ("SO11", "SO0", "SO100", "SO91"):
            assert ledger.post(docs(HEAD + rows[no])).ok
        assert ledger.reverse("SO1").ok
        with Ledger.open(tmp_path / "once.jxc.db") as once:
            standard_masters(once)
            assert once.post(docs(HEAD + first + "".join(rows.values()))).ok
            assert once.reverse("SO1").ok
            assert _movements(ledger) == _movements(once) and _order(ledger) == _order(once)
        assert _order(ledger) == ["O1:1.0", "SO0:1.0", "SO100:1.0", "SO10:1.0", "SO11:1.0", "SO1:1.0", "SO1-:1.0",
                                  "SO91:1.0", "SO9:1.0"]
        _keys_hold(ledger)
        assert ledger.verify() == []


def test_a_day_fuller_than_its_gaps_is_renumbered_and_keeps_its_order(ledger_path, tmp_path):
    """Receipts typed one batch at a time, each between the last one and a shipment posted first
    (no gap left after ten halvings: the day is renumbered, several times), and 1,100 in one batch
    (more than the gaps of a day): the order and every figure of one post of them all."""
    head = ("| 2026-03-01 | 期初库存 | O1 | | W1 | | A | 10 | | 5 | |\n"
            "| 2026-03-02 | 销售出库 | E9999 | C1 | W1 | | A | 1 | 9 | | |\n")
    one = [f"| 2026-03-02 | 采购入库 | E{n:04d} | S1 | W1 | | A | 1 | {5 + n % 7} | | |\n" for n in range(1, 40)]
    many = [f"| 2026-03-04 | 采购入库 | F{n:04d} | S1 | W1 | | B | 1 | {5 + n % 3} | | |\n" for n in range(1100)]
    with Ledger.open(ledger_path) as ledger:
        standard_masters(ledger)
        assert ledger.post(docs(HEAD + head)).ok
        for row in one:
            assert ledger.post(docs(HEAD + row)).ok
        assert ledger.post(docs(HEAD + "".join(many))).ok
        assert ledger.post(docs(HEAD + "| 2026-03-02 | 销售出库 | E0000 | C1 | W1 | | A | 1 | 9 | | |\n")).ok
        with Ledger.open(tmp_path / "once.jxc.db") as once:
            standard_masters(once)
            assert once.post(docs(HEAD + head + "".join(one + many) +
                                  "| 2026-03-02 | 销售出库 | E0000 | C1 | W1 | | A | 1 | 9 | | |\n")).ok
            assert _movements(ledger) == _movements(once) and _order(ledger) == _order(once)
        slots_e = [(pos - order.day_rank(pos)) // order.SLOT for (pos,) in ledger.conn.execute(
            "SELECT pos FROM documents WHERE doc_no LIKE 'E%' ORDER BY pos")]
        assert len(slots_e) == 41 and slots_e[-1] - slots_e[0] < 40 * slots.GAP     # renumbered: evenly again
        _keys_hold(ledger)
        assert ledger.verify() == []


def test_a_batch_typed_ahead_of_a_days_posted_documents_is_renumbered_as_it_goes(ledger_path, tmp_path,
                                                                                 monkeypatch):
    """300 receipts in one batch whose 单号 all sort before a shipment posted first on their day:
    each takes half the gap left before it, the day is renumbered every tenth or so — the batch's
    own queued rows moved each time, several times over before they are written (Writer._shift) —
    and every key, order and figure is the one of a single post of them all. The queued movements
    the batch's costing reads, and the documents it writes, stand where the day's slots say."""
    head = ("| 2026-03-01 | 期初库存 | O1 | | W1 | | A | 10 | | 5 | |\n"
            "| 2026-03-02 | 销售出库 | Z9999 | C1 | W1 | | A | 1 | 9 | | |\n")
    ahead = "".join(f"| 2026-03-02 | 采购入库 | E{n:04d} | S1 | W1 | | A | 1 | {5 + n % 7} | | |\n" for n in range(300))
    writers, costed = [], []
    made, cost = posting.Writer.__init__, batch.cost_queued
    monkeypatch.setattr(posting.Writer, "__init__", lambda self, *args: writers.append(self) or made(self, *args))

    def watched(conn, settings, queued, dirty):
        keys = _slot_keys(writers[-1])
        costed.append(len(queued))
        assert all(row[5] - row[5] % order.SLOT == keys[row[1]] for row in queued)     # (pos, doc)
        return cost(conn, settings, queued, dirty)
    monkeypatch.setattr(batch, "cost_queued", watched)
    with Ledger.open(ledger_path) as ledger, Ledger.open(tmp_path / "once.jxc.db") as once:
        standard_masters(ledger)
        standard_masters(once)
        assert ledger.post(docs(HEAD + head)).ok and ledger.post(docs(HEAD + ahead)).ok
        keys = _slot_keys(writers[-1])
        assert max(costed) == 300 and {doc: pos for doc, pos in ledger.conn.execute(
            "SELECT id, pos FROM documents WHERE doc_no LIKE 'E%'")}.items() <= keys.items()
        assert once.post(docs(HEAD + head + ahead)).ok
        assert _movements(ledger) == _movements(once) and _order(ledger) == _order(once)
        _keys_hold(ledger)
        assert ledger.verify() == []
        for doc, line, leg, pos in ledger.conn.execute(        # each movement keyed by its document's key
                "SELECT d.pos, l.line_no, m.leg, m.pos FROM movements m JOIN documents d ON d.id = m.doc "
                "JOIN lines l ON l.id = m.line"):
            assert pos == order.move_key(doc, line, leg)


def _slot_keys(writer) -> dict[int, int]:
    """Each document's key as the writer's slots hold it (document id → key)."""
    return {doc: base + slot * order.SLOT for base, held in writer.slots._days.items() for _, slot, doc in held}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_numbers_and_days_posted_in_random_batches_cost_as_one_ordered_post(ledger_path, tmp_path, seed):
    rng = random.Random(seed)
    rows = ["| 2026-02-28 | 期初库存 | O1 | | W1 | | A | 500 | | 5 | |\n"]
    for n in range(300):
        no = f"{rng.choice('PQ')}{rng.randrange(1, 10 ** rng.randint(1, 3))}-{n}"
        day = dt.date(2026, 3, 1) + dt.timedelta(days=rng.randrange(3))
        if rng.random() < 0.5:
            rows.append(f"| {day} | 采购入库 | {no} | S1 | W1 | | A | {rng.randint(1, 9)} | {rng.randint(3, 9)} | | |\n")
        else:
            rows.append(f"| {day} | 销售出库 | {no} | C1 | W1 | | A | {rng.randint(1, 3)} | 9 | | |\n")
    with Ledger.open(ledger_path) as ledger, Ledger.open(tmp_path / "once.jxc.db") as once:
        standard_masters(ledger)
        standard_masters(once)
        assert ledger.post(docs(HEAD + rows[0])).ok
        rest = rows[1:]
        while rest:
            size = rng.randint(1, 40)
            assert ledger.post(docs(HEAD + "".join(rest[:size]))).ok
            rest = rest[size:]
        assert once.post(docs(HEAD + "".join(rows))).ok
        assert _movements(ledger) == _movements(once) and _order(ledger) == _order(once)
        _keys_hold(ledger)


# -- schema 12 → 13 -------------------------------------------------------------------------------------
def _as_version_12(conn) -> None:
    """What the keys were before schema 13: text, ``date|rank|单号|journal|revision|reversal`` on a
    document and its money entries, ``…|line|leg`` on its movements."""
    texts = {r[0]: f"{r[1]}|{RANK.get(DocType(r[2]), 1)}|{r[3]}|{r[4]}|{r[5]:03d}|{r[6]}" for r in conn.execute(
        "SELECT id, date, type, doc_no, journal, revision, reversal FROM documents")}
    rows = {"documents": [(text, doc) for doc, text in texts.items()],
            "movements": [(f"{texts[r[1]]}|{r[2]:05d}|{r[3]}", r[0]) for r in conn.execute(
                "SELECT m.id, m.doc, l.line_no, m.leg FROM movements m JOIN lines l ON l.id = m.line")],
            "cash_entries": [(texts[r[1]], r[0]) for r in conn.execute("SELECT id, doc FROM cash_entries")]}
    for table, found in rows.items():
        conn.execute(f"ALTER TABLE {table} ADD COLUMN pos_text {conn.types[str]}")
        conn.executemany(f"UPDATE {table} SET pos_text = ? WHERE id = ?", found)
        for index in (f"idx_{table}_pos", "idx_movements_item_warehouse_pos", "idx_movements_date_pos_warehouse_id",
                      "idx_cash_entries_account_pos"):
            conn.execute(f"DROP INDEX IF EXISTS {index}")
        conn.execute(f"ALTER TABLE {table} DROP COLUMN pos{conn.cascade}")
        conn.execute(f"ALTER TABLE {table} RENAME COLUMN pos_text TO pos")
    _indexes(conn)
    conn.execute("DROP INDEX idx_documents_pos")
    conn.execute("UPDATE meta SET value = '12' WHERE key = 'schema_version'")
    conn.stamp(12)


def test_a_schema_12_ledger_upgrades_to_13_with_its_order_and_every_figure(ledger_path):
    with Ledger.open(ledger_path) as ledger:
        standard_masters(ledger)
        assert ledger.post(docs(HEAD + SAME_DAY + "| 2026-03-02 | 调拨 | T1 | | W1 | W2 | A | 2 | | | |\n")).ok
        assert ledger.reverse("D1").ok                          # (its 红字冲销 right after it, that day)
        assert ledger.reverse("R1").ok
        before, card, moved = _figures(ledger.conn), _card(ledger), _order(ledger)
        with ledger._transaction():
            _as_version_12(ledger.conn)
        assert isinstance(ledger.conn.execute("SELECT pos FROM movements").fetchone()[0], str)
    with pytest.raises(Exception, match="旧版本"):            # read-only: post once to upgrade it
        Ledger.open(ledger_path, read_only=True)
    with Ledger.open(ledger_path) as ledger:
        assert ledger._meta("schema_version") == str(SCHEMA_VERSION) and ledger.verify() == []
        assert _figures(ledger.conn) == before and _card(ledger) == card and _order(ledger) == moved
        _keys_hold(ledger)
        assert ledger.post(docs(HEAD + "| 2026-03-02 | 采购入库 | D15 | S1 | W1 | | A | 1 | 9 | | |\n")).ok
        assert _order(ledger)[:6] == ["O1:1.0", "D10:1.0", "D15:1.0", "D1:1.0", "D1-:1.0", "D20:1.0"]


def test_a_schema_12_server_ledger_upgrades_and_no_clerk_can_key_a_row_into_a_closed_day(server_ledger, pg_server,
                                                                                          start_poster):
    with Ledger.open(server_ledger) as ledger:
        standard_masters(ledger)
        assert ledger.post(docs(HEAD + SAME_DAY), user="王会计").ok
        before, card, moved = _figures(ledger.conn), _card(ledger), _order(ledger)
        with ledger._transaction():
            _as_version_12(ledger.conn)
    with Ledger.open(server_ledger) as ledger:
        assert ledger._meta("schema_version") == str(SCHEMA_VERSION) and ledger.verify() == []
        assert _figures(ledger.conn) == before and _card(ledger) == card and _order(ledger) == moved
        _keys_hold(ledger)
        assert ledger.close_period(dt.date(2026, 3, 2), user="王会计")
        login(ledger, pg_server, "管家", "管理员")
        clerk = login(ledger, pg_server, "小销", "销售")
    start_poster()
    with Ledger.open(clerk, create=False) as books:
        result = books.post(docs(HEAD + "| 2026-03-05 | 销售出库 | D30 | C1 | W1 | | A | 1 | 9 | | |\n"))
        assert result.posted == ["D30"]                     # (a 销售 login may not verify: it sees no costs)
    closed_day = order.doc_key(dt.date(2026, 3, 2), 1, 1)
    forged = [f"UPDATE documents SET pos = {closed_day} WHERE doc_no = 'D30'",
              f"UPDATE movements SET pos = {closed_day} + 4 WHERE doc = (SELECT id FROM documents WHERE doc_no = 'D30')",
              "UPDATE documents SET pos = pos + 1 WHERE doc_no = 'D10'"]
    with psycopg.connect(clerk, autocommit=True) as conn:
        for statement in forged:
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction(force_rollback=True):
                conn.execute(statement)
    with Ledger.open(server_ledger) as ledger:
        _keys_hold(ledger)
        assert ledger.verify() == []


def test_a_document_of_more_lines_than_a_key_numbers_is_a_row_error(ledger):
    lines = [Line(item="A", qty=Decimal(1), price=Decimal(2))] * order.LINES
    doc = Document(type=DocType.purchase_receipt, doc_no="BIG", date=dt.date(2026, 3, 2), party="S1", warehouse="W1",
                   lines=lines)
    [problem] = ledger.post([doc]).problems
    assert problem.code == "too_many_lines" and "131072 行" in problem.message and "131071" in problem.message
    assert ledger.post([doc.model_copy(update={"lines": lines[1:]})]).ok
    assert tuple(ledger.conn.execute("SELECT MAX(l.line_no), COUNT(*) FROM movements m JOIN lines l ON l.id = m.line "
                               "WHERE m.pos < ?", (order.after_day(dt.date(2026, 3, 2)),)).fetchone()) == (131071, 131071)
