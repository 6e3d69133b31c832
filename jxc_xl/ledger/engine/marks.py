"""The mark a written-out journal sheet keeps of the ledger it shows.

"<ledger id>:<batch>:<its time>": the next run rewrites only what was posted since, and a mark
from another ledger, or naming a batch number reused after a backup was restored, is no mark.
"""
from __future__ import annotations

import sqlite3


def _ledger_id(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'ledger_id'").fetchone()
    return (row[0] if row else None) or ""          # made with the ledger (or its upgrade)


def generation(conn: sqlite3.Connection) -> str:
    """This ledger as of its last batch."""
    last = conn.execute("SELECT id, posted_at FROM batches ORDER BY id DESC LIMIT 1").fetchone()
    return f"{_ledger_id(conn)}:{last[0]}:{last[1]}" if last else f"{_ledger_id(conn)}:0:"


def batch_of(conn: sqlite3.Connection, generation: str) -> int | None:
    """The batch a generation mark names, if it is this ledger's history; else None."""
    ledger_id, _, rest = generation.partition(":")
    batch, _, when = rest.partition(":")
    if ledger_id != _ledger_id(conn) or not batch.isdigit():
        return None
    if batch == "0":
        return 0
    row = conn.execute("SELECT posted_at FROM batches WHERE id = ?", (int(batch),)).fetchone()
    return int(batch) if row is not None and row[0] == when else None
