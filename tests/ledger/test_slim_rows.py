"""Issue 24 (slim rows): schema 12 — a movement row carries no batch stamps or source cell of its
own (its document's batch and its line's sheet and row are joined where read), on both engines; a
schema 11 ledger upgrades keeping every figure, every 台账 row and every posted row, and a clerk
posts into an upgraded server ledger under row-level security."""
from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3

from jxc_xl import Ledger
from jxc_xl.ledger.stores.schema import _CELL, _SOURCE, _STAMP, INDEXES, SCHEMA_VERSION, quoted
from tests.conftest import login, standard_masters
from tests.dsl import docs
from tests.tax.test_tax_upgrade import _figures
from tests.wb import ledger_at, post, purchase, sale, type_rows

from .test_documents import HEAD
from .test_server import BOOKS

DAY = dt.date(2026, 11, 2)


def _card(ledger: Ledger) -> list[tuple]:
    """The 台账 (batch, sheet and row included) and the journal, as the books show them."""
    return [dataclasses.astuple(r) for r in ledger.stock_card()] + [tuple(r) for r in ledger.journal()[1]]


def _as_version_11(conn) -> None:
    """What a movement row was before schema 12: the batch stamps of its document and the sheet
    and row of its line on every row."""
    for column, kind in _SOURCE.items():
        conn.execute(f'ALTER TABLE movements ADD COLUMN "{column}" {conn.types[kind]}')
    conn.execute('UPDATE movements SET batch = d.batch, posted_at = d.posted_at, "user" = d."user", '
                 "workbook = d.workbook, sheet = l.sheet, row = l.row FROM documents d, lines l "
                 "WHERE d.id = movements.doc AND l.id = movements.line")
    conn.execute("UPDATE meta SET value = '11' WHERE key = 'schema_version'")


def test_a_movement_row_holds_no_stamps_and_the_card_still_names_its_batch_sheet_and_row(file_book):
    type_rows(file_book, "采购", [purchase("CG1", DAY, "A001", 10, 5)])
    type_rows(file_book, "销售", [sale("XS1", DAY, "A001", 4, 9)])
    assert post(file_book).posted == 2
    with Ledger.open(ledger_at(file_book), read_only=True) as ledger:
        assert not set(_SOURCE) & ledger.conn.columns("movements")
        card = ledger.stock_card()
        assert [(r.batch, r.doc_no, r.sheet, r.row) for r in card] == [(1, "CG1", "采购", 2), (1, "XS1", "销售", 2)]


def test_a_schema_11_ledger_upgrades_to_12_keeping_every_figure_and_every_posted_row(file_book):
    type_rows(file_book, "采购", [purchase("CG1", DAY, "A001", 10, 5), purchase("CT1", DAY, "A001", 2, 5, kind="退货",
                                                                          src="CG1")])
    type_rows(file_book, "销售", [sale("XS1", DAY, "A001", 4, 9)])
    assert post(file_book).posted == 3
    path = ledger_at(file_book)
    with Ledger.open(path) as ledger:
        before, card = _figures(ledger.conn), _card(ledger)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 11")
    _as_version_11(_Plain(conn))
    conn.commit()
    conn.close()
    with Ledger.open(path, read_only=True) as old:                    # read as it is
        assert old._meta("schema_version") == "11" and old.verify() == [] and _card(old) == card
    report = post(file_book)
    assert report.exit_code == 0 and report.posted == 0 and not report.error_rows
    with Ledger.open(path) as ledger:
        assert ledger._meta("schema_version") == str(SCHEMA_VERSION) and ledger.verify() == []
        assert not set(_SOURCE) & ledger.conn.columns("movements")
        assert _figures(ledger.conn) == before and _card(ledger) == card


class _Plain:
    """An sqlite3 connection with the DDL's column types (what _as_version_11 asks of one)."""

    types = {int: "INTEGER", str: "TEXT"}

    def __init__(self, conn):
        self.execute = conn.execute


def test_a_schema_11_server_ledger_upgrades_and_a_clerk_posts_through_the_poster(server_ledger, pg_server, start_poster):
    with Ledger.open(server_ledger) as ledger:
        standard_masters(ledger)
        assert ledger.post(docs(HEAD + BOOKS), user="王会计").ok
        before, card = _figures(ledger.conn), _card(ledger)
        with ledger._transaction():
            _as_version_11(ledger.conn)
    with Ledger.open(server_ledger) as ledger:
        assert ledger._meta("schema_version") == str(SCHEMA_VERSION) and ledger.verify() == []
        assert not set(_SOURCE) & ledger.conn.columns("movements")
        assert _figures(ledger.conn) == before and _card(ledger) == card
        login(ledger, pg_server, "管家", "管理员")
        clerk = login(ledger, pg_server, "小销", "销售")
    start_poster()
    with Ledger.open(clerk, create=False) as books:
        result = books.post(docs(HEAD + "| 2026-01-06 | 销售出库 | S9 | C2 | W1 | | A | 1 | 9 | | |"))
        assert result.posted == ["S9"]
        assert books.conn.execute('SELECT DISTINCT b."user" FROM movements m JOIN documents d ON d.id = m.doc '
                                  "JOIN batches b ON b.id = d.batch WHERE d.doc_no = 'S9'").fetchall() == [("小销",)]
    with Ledger.open(server_ledger) as ledger:                      # (a 销售 login sees no costs to verify)
        assert ledger.verify() == []


def test_a_batch_queues_its_rows_as_the_tuples_written_and_movements_as_lists(file_ledger, monkeypatch):
    """Issue 24 (memory): a batch's rows wait in memory until one executemany per table writes
    them; a row nothing changes after it is queued waits as the tuple written (a dict of a lines
    row is four times its tuple), a movement as the list costing fills its figures into."""
    from jxc_xl.ledger.engine.posting import Writer
    queued: dict[str, set[type]] = {}
    flush = Writer.flush

    def watched(self):
        for table, rows in self._pending.items():
            queued.setdefault(table, set()).update(map(type, rows))
        flush(self)

    monkeypatch.setattr(Writer, "flush", watched)
    assert file_ledger.post(docs(HEAD + BOOKS), user="王会计").ok
    assert queued["documents"] == queued["lines"] == queued["party_entries"] == {tuple}
    assert queued["movements"] == {list}
    assert file_ledger.journal()[1] and len(file_ledger.stock_card()) == 6


# A return (its source line), a receipt paid on the spot and a 收款 (entries and money through an
# account), a transfer: every table schema 15 slimmed and every link a partial index holds.
RETURNS = BOOKS + "| 2026-01-10 | 采购退货 | PR1 | S1 | W1 | | A | 1 | 5 | | P1 |\n"


def _as_version_14(conn) -> None:
    """What lines and entries were before schema 15: the batch stamps of their document on every
    row (and an entry's cell), the links' indexes over every row."""
    for table, columns in (("lines", _STAMP), ("party_entries", _SOURCE), ("cash_entries", _SOURCE)):
        for column, kind in columns.items():
            conn.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {conn.types[kind]}')
        conn.execute(f'UPDATE {table} SET {", ".join(f"{quoted(c)} = d.{quoted(c)}" for c in columns)} '
                     f"FROM documents d WHERE d.id = {table}.doc")
    for table, columns, _unique, *where in INDEXES:
        if where:
            name = f"idx_{table}_{'_'.join(columns)}"
            conn.execute(f"DROP INDEX {name}")
            conn.execute(f"CREATE INDEX {name} ON {table} ({', '.join(columns)})")
    conn.execute("UPDATE meta SET value = '14' WHERE key = 'schema_version'")


def _partial(ledger: Ledger) -> set[str]:
    """The ledger's indexes made over only the rows that hold a value (the poster's own queue has one
    too, which is not the ledger's tables')."""
    sql = ("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexdef LIKE '% WHERE %' "
           "AND indexname LIKE 'idx_%'"
           if ledger.conn.__class__.__module__.endswith("postgres") else
           "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'")
    return {r[0] for r in ledger.conn.execute(sql).fetchall()}


PARTIAL = {"idx_lines_source_line", "idx_lines_order_line", "idx_lines_covers", "idx_movements_link"}


def test_a_schema_14_ledger_upgrades_to_15_slim_lines_and_entries_keeping_every_figure(ledger):
    """Schema 15 (issue 24, slim rows): a line keeps only its own cell, an entry no stamp at all —
    who posted it, when and from which workbook are its document's, as the 台账 and the journal
    show them; the links' indexes hold only the rows that link. On both engines."""
    assert ledger.post(docs(HEAD + RETURNS), user="王会计", workbook="账本.xlsx").ok
    assert ledger.conn.execute("SELECT COUNT(*) FROM lines WHERE source_line IS NOT NULL").fetchone()[0] == 1
    assert _partial(ledger) == PARTIAL
    before, card = _figures(ledger.conn), _card(ledger)
    with ledger._transaction():
        _as_version_14(ledger.conn)
    assert not _partial(ledger) and "workbook" in ledger.conn.columns("lines")
    ledger.close()
    with Ledger.open(ledger.path) as upgraded:
        assert upgraded._meta("schema_version") == str(SCHEMA_VERSION) == "15" and upgraded.verify() == []
        assert not set(_STAMP) & upgraded.conn.columns("lines") and set(_CELL) <= upgraded.conn.columns("lines")
        assert not set(_SOURCE) & (upgraded.conn.columns("party_entries") | upgraded.conn.columns("cash_entries"))
        assert _partial(upgraded) == PARTIAL
        assert _figures(upgraded.conn) == before and _card(upgraded) == card
        [line] = upgraded.posted_document("purchases", "PR1").lines       # its workbook its document's
        assert (line.source.workbook, line.source.sheet) == ("账本.xlsx", "test") and line.source.row
        result = upgraded.post(docs(HEAD + "| 2026-01-11 | 采购退货 | PR2 | S1 | W1 | | A | 1 | 5 | | P1 |\n"))
        assert result.ok and upgraded.verify() == []
        assert upgraded.reverse("PR1", journal="purchases", user="王会计").ok and upgraded.verify() == []


def test_a_link_is_found_through_its_partial_index(file_ledger):
    """A partial index is only worth its savings if the lookups still use it: SQLite's planner
    takes ``x IS NOT NULL`` as implied by ``x = ?``."""
    assert file_ledger.post(docs(HEAD + RETURNS)).ok
    for table, column in (("lines", "source_line"), ("lines", "order_line"), ("lines", "covers"),
                          ("movements", "link")):
        plan = " ".join(r[-1] for r in file_ledger.conn.execute(
            f"EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE {column} = ?", (1,)).fetchall())
        assert f"idx_{table}_{column}" in plan, plan
