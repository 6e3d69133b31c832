"""The ledger's own settings (cost method, negative stock, closed-through date) and its audit log.

Each change decides and writes in one write transaction: another process cannot post, or move
the setting, between the check and the change. Moving the closed-through date is logged.
"""
from __future__ import annotations

import datetime as dt
import getpass
import json
import platform
from typing import TYPE_CHECKING

from ...domain.model import CostMethod
from ...domain.problems import Problem
from .recost import Settings
from ..results import AuditRow
from ..stores.schema import SCHEMA_VERSION, has_table, upsert

if TYPE_CHECKING:
    from .. import Ledger

COSTING_FROM = "costing_from"        # the day this version's costing conventions start (see .conventions)
CONVENTIONS_VERSION = 9              # the schema version that brought them

METHOD_EN = {CostMethod.moving_average: "moving average", CostMethod.fifo: "FIFO",
             CostMethod.monthly_average: "monthly weighted average"}


def user_name(user: str | None) -> str:
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:      # no login name (a service account): still record something
        return "unknown"


def get(ledger: Ledger, key: str) -> str | None:
    row = ledger.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def put(ledger: Ledger, key: str, value: str | None) -> None:
    """Inside the caller's transaction."""
    put_to(ledger.conn, key, value)


def put_to(conn, key: str, value: str | None) -> None:
    conn.execute(upsert("meta", ("key", "value"), "key"), (key, value))


_SEEN = "rows_seen:"   # + workbook: {"batch": the last batch then, "english": its 状态's language, "sheets": {journal: [[rows, digest], …]}}


def rows_seen(ledger: Ledger, workbook: str, english: bool) -> tuple[int, dict[str, tuple[tuple[int, str], ...]]]:
    """The last batch now, and what a post of ``workbook`` remembered of its rows if no batch was
    made since and its 状态 were written in the same language (else {}: 语言 changes no batch)."""
    batch, raw = _last_batch(ledger.conn), get(ledger, _SEEN + workbook)
    try:
        record = json.loads(raw) if raw else {}
        if not record or record.get("batch") != batch or record.get("english") is not english:
            return batch, {}
        return batch, {journal: tuple((int(n), str(d)) for n, d in segments)
                       for journal, segments in record["sheets"].items()}
    except (ValueError, TypeError, KeyError, AttributeError):      # not as written here: the rows are read
        return batch, {}


def remember_rows_seen(ledger: Ledger, workbook: str, seen: dict[str, tuple[tuple[int, str], ...]], english: bool,
                       since: int, own: int | None) -> None:
    """Inside the caller's transaction, after the post's own batch (``own``, None when it made
    none). Only when the batches made since the rows were read (``since``: :func:`rows_seen`'s) are
    this post's own: another's in between (a clerk's post, a reversal) may have moved a 状态 these
    rows show, and then nothing is remembered (the record left names an older batch: not taken)."""
    made = [row[0] for row in ledger.conn.execute("SELECT id FROM batches WHERE id > ? ORDER BY id", (since,))]
    if made != ([] if own is None else [own]):
        return
    put(ledger, _SEEN + workbook, json.dumps({"batch": _last_batch(ledger.conn), "english": english,
                                              "sheets": {j: [list(s) for s in segments] for j, segments in seen.items()}}))


def _last_batch(conn) -> int:
    return conn.execute("SELECT COALESCE(MAX(id), 0) FROM batches").fetchone()[0]


def read(ledger: Ledger) -> Settings:
    return settings(ledger.conn)


def settings(conn) -> Settings:
    """The settings, in the caller's transaction. A ledger an earlier jxc-xl costed and not yet
    upgraded (read as it is) has no day its costs follow this version's conventions from: all
    its costs are taken as stored."""
    def value(key: str) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    closed, since = value("closed_through"), value(COSTING_FROM)
    upgraded = int(value("schema_version") or SCHEMA_VERSION) >= CONVENTIONS_VERSION
    return Settings(CostMethod(value("cost_method") or CostMethod.moving_average.value),
                    value("allow_negative") == "1", dt.date.fromisoformat(closed) if closed else None,
                    dt.date.fromisoformat(since) if since else None if upgraded else dt.date.max)


def set_cost_method(ledger: Ledger, method: CostMethod) -> Problem | None:
    with ledger._transaction():
        current = read(ledger).method
        if method != current and ledger.has_postings():
            return Problem("cost_method_locked", field="成本方法", args={
                "value": method.label, "value_en": METHOD_EN[method],
                "expected": current.label, "expected_en": METHOD_EN[current]})
        put(ledger, "cost_method", method.value)
        log(ledger, "setting", f"成本方法：{current.label} → {method.label}", ledger._who(None), "")
    return None


def set_allow_negative(ledger: Ledger, allow: bool) -> Problem | None:
    with ledger._transaction():
        found = [] if allow else ledger.conn.execute(
            "SELECT item, warehouse, MIN(date) FROM movements WHERE bal_qty < 0 "
            "GROUP BY item, warehouse ORDER BY 3, 1, 2").fetchall()
        if found:
            shown = "、".join(f"{i}@{w} {d}" for i, w, d in found[:3])
            more = f" 等 {len(found)} 处" if len(found) > 3 else ""
            return Problem("negative_balances", field="允许负库存", args={"value": shown + more})
        put(ledger, "allow_negative", "1" if allow else "0")
        log(ledger, "setting", f"允许负库存：{'是' if allow else '否'}", ledger._who(None), "")
    return None


def now() -> str:
    """The time stamped on batches, closes and the audit log, to the second."""
    return dt.datetime.now().isoformat(timespec="seconds")


def log(ledger: Ledger, action: str, detail: str, user: str | None, workbook: str) -> None:
    """One audit row, inside the caller's transaction."""
    log_to(ledger.conn, action, detail, user, workbook)


def log_to(conn, action: str, detail: str, user: str | None, workbook: str) -> None:
    conn.execute('INSERT INTO audit(at, "user", action, detail, workbook, machine) VALUES (?,?,?,?,?,?)',
                        (now(), user_name(user), action, detail,
                         workbook, platform.node()))


def audit_log(ledger: Ledger, actions: tuple[str, ...] = (), start: dt.date | None = None,
              end: dt.date | None = None) -> list[AuditRow]:
    """The audit log, oldest first: every entry, or those of ``actions``, from ``start`` to
    ``end`` inclusive (empty on an older ledger read as it is)."""
    if not has_table(ledger.conn, "audit"):
        return []
    where = f" AND action IN ({','.join('?' * len(actions))})" if actions else ""
    return [AuditRow(*r) for r in ledger.conn.execute(
        f'SELECT at, "user", action, detail, workbook, machine FROM audit WHERE at >= ? AND at < ?{where} ORDER BY id',
        [(start or dt.date.min).isoformat(), (end + dt.timedelta(days=1)).isoformat() if end else "9999", *actions])]
