"""结账 and 反结账: the closed-through date, the ledger's checks before a period closes, and the
closing snapshot — each key's stock and each party's balance on the closing day.

The closed-through date lives in the ledger only (a cell in 设置 merely shows it). Closing and
reopening each decide and write in one write transaction, so no post slips in between the
checks and the close, and each is written to the audit log. A snapshot stands until its period
is reopened; :func:`snapshot_differences` (part of ``verify()``) holds it to the movements.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from typing import TYPE_CHECKING

from ...domain.model import DocType
from ...domain.money import from_cents, qty_text
from ...domain.problems import Problem
from .. import cash
from . import checks, conventions, counts, meta
from ...domain import order
from ..queries import balances
from ..stores.schema import has_table

if TYPE_CHECKING:
    from .. import Ledger


def close(ledger: Ledger, through: dt.date, user: str | None, workbook: str, checked: bool,
          today: dt.date | None = None) -> list[Problem] | None:
    """Close every day up to ``through``: [] when closed, the problems that stop it (nothing
    closed then), or None when ``through`` is not after the closed-through date. Checked, a
    month closes only once it has ended (on ``today``) and only when it is the next to close."""
    with ledger._transaction() as tx:
        old = meta.read(ledger).closed_through
        if old is not None and through <= old:
            tx.rollback()
            return None
        timed = checked and timing(ledger.conn, old, through, today or dt.date.today())
        problems = [timed] if timed else _checks(ledger, old, through) if checked else []
        if problems:
            tx.rollback()
            return problems
        _snapshot(ledger.conn, through, meta.user_name(user), workbook)
        meta.put(ledger, "closed_through", through.isoformat())
        meta.log(ledger, "close", f"{old.isoformat() if old else '-'} → {through.isoformat()}", user, workbook)
    return []


def due(conn: sqlite3.Connection, old: dt.date | None) -> dt.date | None:
    """The first day of the month to close next: the one after the closed-through date, else
    the month of the earliest document that moves stock or money (None: nothing closed and
    nothing posted). Opening balances, dated the day before the books start (期初 on 07-31 for
    books from August), and orders placed before it belong to the first month of business and
    close with it: the month they stand in holds no figures of its own to close."""
    if old is not None:
        return old + dt.timedelta(days=1)
    (first,) = conn.execute(f"SELECT MIN(date) FROM documents WHERE type NOT IN ({', '.join('?' * len(_BEFORE_BUSINESS))})",
                            _BEFORE_BUSINESS).fetchone()
    if first is None:
        (first,) = conn.execute("SELECT MIN(date) FROM documents").fetchone()
    return dt.date.fromisoformat(first).replace(day=1) if first else None


_BEFORE_BUSINESS = (DocType.opening_stock.value, DocType.opening_balance.value, DocType.opening_cash.value,
                    DocType.purchase_order.value, DocType.sales_order.value)


def timing(conn: sqlite3.Connection, old: dt.date | None, through: dt.date, today: dt.date) -> Problem | None:
    """Why the month ending ``through`` may not close yet, if it may not: it has not ended by
    ``today`` (its sales of today would be refused, and undoing it takes a 反结账 a month), or a
    month before it has not closed (its own checks and snapshot would be skipped)."""
    if through > today:
        return Problem("close_not_ended", field="日期", args={"value": f"{through:%Y-%m}", "date": through.isoformat(),
                                                             "today": today.isoformat()})
    start = due(conn, old)
    if start is not None and through.replace(day=1) > start:
        return Problem("close_skipped", field="日期", args={"value": f"{through:%Y-%m}", "expected": f"{start:%Y-%m}",
                                                           "closed": old.isoformat() if old else "-"})
    return None


def reopen(ledger: Ledger, through: dt.date | None, user: str | None, workbook: str) -> bool:
    """Move the closed-through date back to ``through`` (None: nothing closed); the snapshots
    after it stop standing. Returns whether anything was reopened."""
    with ledger._transaction() as tx:
        old = meta.read(ledger).closed_through
        if old is None or (through is not None and through >= old):
            tx.rollback()
            return False
        meta.put(ledger, "closed_through", through.isoformat() if through else None)
        ledger.conn.execute("UPDATE closes SET reopened_at = ?, reopened_by = ? WHERE through > ? AND reopened_at IS NULL",
                            (meta.now(), meta.user_name(user), through.isoformat() if through else ""))
        meta.log(ledger, "reopen", f"{old.isoformat()} → {through.isoformat() if through else '-'}", user, workbook)
        conventions.reopened(ledger.conn, through, user, workbook)
    return True


def _checks(ledger: Ledger, old: dt.date | None, through: dt.date) -> list[Problem]:
    """What must be right before the days after ``old`` up to ``through`` close: the books
    verify, no stock and no account is negative on the closing day, no posted count's difference
    changed by a later post and not yet accepted, no issue left at a zero cost while its stock had value."""
    conn = ledger.conn
    differences = ledger.verify()
    if differences:
        return [Problem("close_verify", args={"value": differences[0], "expected": len(differences)})]
    problems = [Problem("close_negative", field="数量", args={
                    "item": item, "warehouse": wh, "date": through.isoformat(), "value": qty_text(qty)})
                for item, wh, _, qty, _, _ in balances(conn, order.after_day(through)) if qty < 0]
    problems += [Problem("close_cash_negative", field="账户", args={"value": account, "date": through.isoformat(),
                                                                   "expected": from_cents(cents)})
                 for account, cents in cash.below_zero(conn, through)]
    problems += [c.problem("close_count_changed") for c in counts.pending(conn, through.isoformat())]
    for doc_no, sheet, row, item, wh, date, value in conn.execute(
            "SELECT d.doc_no, l.sheet, l.row, m.item, m.warehouse, m.date, m.bal_value FROM movements m "
            "JOIN documents d ON d.id = m.doc JOIN lines l ON l.id = m.line WHERE m.date > ? AND m.date <= ? AND m.qty < 0 AND m.value = 0 "
            "AND m.bal_value > 0 ORDER BY m.date, m.pos", ((old or dt.date.min).isoformat(), through.isoformat())):
        problems.append(Problem("close_zero_cost", doc_no, field="单号", args={
            "value": doc_no, "item": item, "warehouse": wh, "date": date, "sheet": sheet or "-",
            "row": row or "-", "expected": from_cents(value)}))
    return problems


_OWED = "SELECT party, side, SUM(amount) FROM party_entries WHERE date <= ? GROUP BY party, side"


def _snapshot(conn: sqlite3.Connection, through: dt.date, user: str, workbook: str) -> None:
    close_id = conn.execute('INSERT INTO closes (through, closed_at, "user", workbook) VALUES (?, ?, ?, ?) '
                            "RETURNING id", (through.isoformat(), meta.now(), user, workbook)).fetchone()[0]
    conn.executemany("INSERT INTO closing_stock (close, item, warehouse, qty, value) VALUES (?, ?, ?, ?, ?)",
                     [(close_id, item, wh, qty, value) for item, wh, _, qty, value, _ in
                      balances(conn, order.after_day(through))])
    conn.execute(f"INSERT INTO closing_balances (close, party, side, amount) SELECT ?, o.* FROM ({_OWED}) AS o",
                 (close_id, through.isoformat()))


def snapshot_differences(conn: sqlite3.Connection) -> list[str]:
    """Each standing closing snapshot against what the movements and entries say today."""
    if not has_table(conn, "closes"):           # (an old ledger read as it is)
        return []
    out = []
    for close_id, through in conn.execute("SELECT id, through FROM closes WHERE reopened_at IS NULL ORDER BY id"):
        stock = {(r[0], r[1]): (r[3], r[4]) for r in balances(conn, order.after_day(dt.date.fromisoformat(through)))}
        kept = {(r[0], r[1]): (r[2], r[3]) for r in conn.execute(
            "SELECT item, warehouse, qty, value FROM closing_stock WHERE close = ?", (close_id,))}
        out += _differ(through, "@", kept, stock)
        owed = {(r[0], r[1]): r[2] for r in conn.execute(_OWED, (through,))}
        kept = {(r[0], r[1]): r[2] for r in conn.execute(
            "SELECT party, side, amount FROM closing_balances WHERE close = ?", (close_id,))}
        out += _differ(through, " ", kept, owed)
    return out


def _differ(through: str, joint: str, kept: dict, now: dict) -> list[str]:
    """Where a snapshot's figures (by a two-part key) and today's differ."""
    return [f"结账快照 {through} {a}{joint}{b}: {kept.get((a, b))} ≠ {now.get((a, b))}"
            for a, b in sorted(kept.keys() | now.keys()) if kept.get((a, b)) != now.get((a, b))]
