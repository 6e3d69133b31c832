"""Posted 盘点 whose difference a later post changed, and their acceptance.

A count records what was counted: its counted quantity stands, and its difference (counted −
book) is recomputed as the ledger recosts, like every other figure. A back-dated document or a
reversal can therefore turn a count that agreed with the books into a 盘盈 or 盘亏 nobody
counted. That must not pass unseen: recost records each such change (``count_changes``, see
recost._note_counts); the post that made it says so, the count's rows say so, and 结账 names
the count until someone accepts it (``accept``) or reverses it. A change that a later post
undoes (the difference back where it was accepted) needs no one's word.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...domain.model import DocType
from ...domain.money import from_qty_units
from ...domain.problems import Problem
from ...domain.roles import may_post
from . import meta, users
from ..stores.schema import has_table

if TYPE_CHECKING:
    from .. import Ledger


@dataclass(frozen=True)
class CountChange:
    """One count line whose difference changed: from ``old`` to ``new`` (signed quantity text),
    because of ``cause`` (the documents that changed it)."""

    journal: str
    doc_no: str
    line: int
    item: str
    warehouse: str
    date: str
    sheet: str
    row: int | None
    old: str
    new: str
    cause: str

    def problem(self, code: str) -> Problem:
        return Problem(code, self.doc_no, self.line, "差异", {
            "value": self.doc_no, "line": self.line, "item": self.item, "warehouse": self.warehouse,
            "date": self.date, "sheet": self.sheet or "盘点", "row": self.row or "-", "old": self.old,
            "new": self.new, "expected": self.cause})


_CHANGES = ("SELECT c.movement, c.batch, c.old_qty, c.new_qty, m.qty, m.item, m.warehouse, m.pos, m.date, "
            "l.sheet, l.row, d.journal, d.doc_no, l.line_no FROM count_changes c "
            "JOIN movements m ON m.id = c.movement JOIN documents d ON d.id = m.doc JOIN lines l ON l.id = m.line ")


def made_by(conn: sqlite3.Connection, batch: int) -> list[CountChange]:
    """The changes batch ``batch`` made to posted counts (what its post says)."""
    if not has_table(conn, "count_changes"):
        return []
    rows = conn.execute(_CHANGES + "WHERE c.batch = ? AND c.old_qty <> c.new_qty ORDER BY m.pos", (batch,))
    return [_change(conn, r, r["old_qty"], r["new_qty"], [batch]) for r in rows.fetchall()]


def pending(conn: sqlite3.Connection, through: str | None = None) -> list[CountChange]:
    """Each standing count line (dated up to ``through``) whose difference is not what it was
    when last posted or accepted: from that one to today's, with every unaccepted cause."""
    if not has_table(conn, "count_changes"):
        return []
    rows = conn.execute(_CHANGES + "WHERE c.accepted_at IS NULL AND d.reversed_by IS NULL AND m.date <= ? "
                        "ORDER BY m.pos, c.batch", (through or "9999-12-31",)).fetchall()
    found: dict[int, list] = {}
    for r in rows:
        found.setdefault(r["movement"], []).append(r)
    return [_change(conn, same[0], same[0]["old_qty"], same[0]["qty"], [r["batch"] for r in same])
            for same in found.values() if same[0]["old_qty"] != same[0]["qty"]]


def _change(conn: sqlite3.Connection, r, old: int, new: int, batches: list[int]) -> CountChange:
    return CountChange(r["journal"], r["doc_no"], r["line_no"], r["item"], r["warehouse"], r["date"], r["sheet"] or "",
                       r["row"], _signed(old), _signed(new), _causes(conn, r, batches))


def _causes(conn: sqlite3.Connection, r, batches: list[int]) -> str:
    """The documents of ``batches`` that moved the count's item × warehouse before it (the
    receiving leg of a transfer, a return, a 红字冲销 among them), else the batches."""
    found: list[str] = []
    for batch in batches:
        named = [f"{doc_no}（红字冲销）" if reversal else doc_no for doc_no, reversal in conn.execute(
            "SELECT DISTINCT d.doc_no, d.reversal FROM movements m JOIN documents d ON d.id = m.doc "
            "WHERE d.batch = ? AND m.item = ? AND m.warehouse = ? AND m.pos < ? ORDER BY d.doc_no, d.reversal",
            (batch, r["item"], r["warehouse"], r["pos"]))]
        found += [n for n in named or [f"批次 {batch}"] if n not in found]
    return "、".join(found[:5]) + (" 等" if len(found) > 5 else "")


def _signed(units: int) -> str:
    qty = from_qty_units(units).normalize()
    return f"{qty:+f}" if qty else "0"


def accept(ledger: Ledger, doc_no: str, user: str | None, workbook: str) -> tuple[list[CountChange], Problem | None]:
    """确认盘点差异: the standing count ``doc_no``'s changed differences are accepted as they are
    now (logged with who and when); (what was accepted, or why nothing was)."""
    with ledger._transaction() as tx:
        refused = _refusal(ledger, user, doc_no)
        if refused:
            tx.rollback()
            return [], refused
        changed = [c for c in pending(ledger.conn) if c.doc_no == doc_no]
        if not changed:
            tx.rollback()
            return [], Problem("count_not_changed", doc_no, field="单号", args={"value": doc_no})
        ledger.conn.execute(
            "UPDATE count_changes SET accepted_at = ?, accepted_by = ? WHERE accepted_at IS NULL AND movement IN "
            "(SELECT m.id FROM movements m JOIN documents d ON d.id = m.doc WHERE d.journal = ? AND d.doc_no = ? "
            "AND d.reversed_by IS NULL)", (meta.now(), meta.user_name(user), DocType.stock_count.journal, doc_no))
        meta.log(ledger, "accept_count", "；".join(f"{c.doc_no} 第{c.line}行 {c.item} 差异 {c.old} → {c.new}"
                                                   for c in changed), user, workbook)
    return changed, None


def _refusal(ledger: Ledger, user: str | None, doc_no: str) -> Problem | None:
    """Who may accept a count's changed difference: who may post counts (仓管) or close (财务)."""
    role = users.role_of(ledger.conn, meta.user_name(user))
    if role and may_post(role, DocType.stock_count):
        return None
    return users.refusal(ledger.conn, user, "close")
