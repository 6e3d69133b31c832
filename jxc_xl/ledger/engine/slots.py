"""Each document's slot among the documents of its day and rank (the order key: domain.order).

The documents of a day and rank stand in the order of their text (:func:`text`: 单号, journal,
revision, reversal — what followed the date and rank in the text key of schema ≤ 12), so that no
book's order moved when the keys became integers. A new document takes a slot between its
neighbours in that order, :data:`GAP` after the last one; when no slot is left between them, the
day and rank is renumbered (its documents' keys, and their movements' and money entries', all
moved by one UPDATE each, in the same order) with room again between every two.

Measured (issue 24, bench's shapes): a batch appends in order (its documents are written sorted),
so a day takes GAP-spaced slots and is never renumbered below 1,024 documents a day and rank; a
receipt back-dated between two documents of a day takes the middle slot between them, and only
the 20th document typed between the same two renumbers that one day.
"""
from __future__ import annotations

import bisect
import datetime as dt

from ...domain import order
from ..errors import LedgerError

GAP = 1 << 10        # slots left between two documents appended to a day (and after renumbering)


def text(doc_no: str, journal: str, revision: int, reversal: int) -> str:
    """What orders a day's documents of one rank: the text key's part after date and rank."""
    return f"{doc_no}|{journal}|{revision:03d}|{reversal}"


def spacing(count: int) -> int:
    """The distance between slots when ``count`` documents are spread over a day and rank: GAP,
    or less for a day so full that GAP would not leave half its slots free after the last."""
    step = min(GAP, order.SLOTS // (2 * count + 2)) or order.SLOTS // (count + 1)
    if not step:
        raise LedgerError("server", "", detail="一天的单据太多 / too many documents in one day")
    return step


class Slots:
    """The slots of the days a batch writes into: each day and rank read once, then kept (with
    the batch's own documents) until the batch rolls back (:meth:`forget`)."""

    def __init__(self, conn):
        self.conn = conn
        self._days: dict[int, list[tuple[str, int, int]]] = {}      # day-rank base → [(text, slot, id)]

    def forget(self) -> None:
        self._days.clear()

    def _held(self, base: int) -> list[tuple[str, int, int]]:
        held = self._days.get(base)
        if held is None:
            held = self._days[base] = sorted(
                (text(r[0], r[1], r[2], r[3]), (r[4] - base) // order.SLOT, r[5]) for r in self.conn.execute(
                    "SELECT doc_no, journal, revision, reversal, pos, id FROM documents WHERE pos >= ? AND pos < ?",
                    (base, base + order.RANK)))
        return held

    def place(self, day: dt.date, rank: int, name: str) -> tuple[int, dict[int, int]]:
        """The key of a new document (``name``: its :func:`text`), and the documents moved to make
        room for it: id → by how much their keys moved (none, unless no slot was left)."""
        base = order.doc_key(day, rank, 0)
        held = self._held(base)
        i = bisect.bisect_left(held, (name,))
        low = held[i - 1][1] if i else 0
        high = held[i][1] if i < len(held) else order.SLOTS
        if high - low >= 2:
            return base + (low + min(GAP, (high - low) // 2)) * order.SLOT, {}
        step = spacing(len(held) + 1)
        moved: dict[int, int] = {}
        for j, (name_j, slot, doc) in enumerate(held):
            new = (j + 1 + (j >= i)) * step
            held[j] = (name_j, new, doc)
            if new != slot:
                moved[doc] = (new - slot) * order.SLOT
        return base + (i + 1) * step * order.SLOT, moved

    def hold(self, key: int, name: str, doc: int) -> None:
        """The new document ``doc`` now stands at ``key``."""
        base = order.day_rank(key)
        bisect.insort(self._held(base), (name, (key - base) // order.SLOT, doc))


# -- schema 12 → 13 -----------------------------------------------------------------------------------
POSITIONED = ("documents", "movements", "cash_entries")


def texts(conn) -> bool:
    """Whether a table's pos column is still text (schema ≤ 12)."""
    for table in POSITIONED:
        found = conn.execute(_TYPE_OF_POS[conn.engine], (table,)).fetchone()
        if found is not None and found[0].lower() == "text":
            return True
    return False


def upgrade(conn) -> None:
    """Text keys to integers: each document's slot its text's place among the documents of its
    day and rank (as the text key sorted them), each movement its document's key with its line and
    leg (read from its own text key), each money entry its document's. The columns are made again
    as integers (SQLite would keep an integer in a text column as text)."""
    days: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for doc, pos in conn.execute("SELECT id, pos FROM documents").fetchall():
        day, rank, rest = pos.split("|", 2)
        days.setdefault((day, int(rank)), []).append((rest, doc))
    keys: dict[int, int] = {}
    for (day, rank), held in days.items():
        held.sort()
        step = spacing(len(held))
        first = order.doc_key(dt.date.fromisoformat(day), rank, 0)
        keys.update((doc, first + (j + 1) * step * order.SLOT) for j, (_, doc) in enumerate(held))
    rows = {"documents": [(key, doc) for doc, key in keys.items()],
            "movements": [(order.move_key(keys[doc], *map(int, pos.rsplit("|", 2)[1:])), movement)
                          for movement, doc, pos in conn.execute("SELECT id, doc, pos FROM movements").fetchall()],
            "cash_entries": [(keys[doc], entry) for entry, doc in conn.execute("SELECT id, doc FROM cash_entries")]
            if "cash_entries" in conn.tables() else None}
    for table, found in rows.items():
        if found is None:
            continue
        conn.execute(f"ALTER TABLE {table} ADD COLUMN pos_key {conn.types[int]}")
        conn.update_rows(table, ("pos_key",), found, {})
        made = conn.execute(_INDEXES_ON_POS[conn.engine], (table,)).fetchall()
        for name, _ in made:
            conn.execute(f"DROP INDEX {name}")
        conn.execute(f"ALTER TABLE {table} DROP COLUMN pos{conn.cascade}")
        conn.execute(f"ALTER TABLE {table} RENAME COLUMN pos_key TO pos")
        for _, sql in made:                  # the same indexes, on the integers
            conn.execute(sql)


_TYPE_OF_POS = {
    "sqlite": "SELECT type FROM pragma_table_info(?) WHERE name = 'pos'",
    "postgres": "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = ? AND column_name = 'pos'",
}
# the indexes naming pos (SQLite will not drop a column one names; they are made again after)
_INDEXES_ON_POS = {
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql LIKE '%pos%'",
    "postgres": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? "
                "AND indexdef LIKE '%pos%'",
}
