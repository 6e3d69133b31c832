"""The day a ledger's costs follow this version's costing conventions from (issue 21.4).

An earlier jxc-xl costed an issue as a share of the value left (the moving average's and each
FIFO layer's unit cost drifted by fractions of a cent); this one keeps the receipt's rate. A
ledger it posted holds closed months, which never change. So the upgrade to schema 9 records in
``meta`` (``costing_from``) the day after the closed-through date — none when nothing is closed —
and recosts every item × warehouse once from that day, starting from the balance the closed books
hold (see recost: the stored quantity and value; FIFO's layers made to hold them). Movements dated
before it are taken as stored: nothing replays, compares or rewrites them.

反结账 to a day before it opens months the old rules costed: the day moves back to the day after
the new closed-through date, and everything from there is recosted in the same transaction, so
that every open movement always follows this version's conventions.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from ...domain.money import from_cents
from . import meta
from ..errors import LedgerError
from .recost import recost

_FIGURES = "SELECT id, qty, value, unit_cost, bal_qty, bal_value, last_unit FROM movements WHERE date >= ?"


def start(conn, day: dt.date | None, user: str | None, workbook: str = "") -> None:
    """From ``day`` (None: the first movement) every cost follows this version's conventions:
    recorded, recosted and written to the audit log, inside the caller's transaction. The
    rewritten movements are marked with a batch of their own, so a written-out 台账 refreshes."""
    user = meta.user_name(user or conn.login())          # the ledger's user: the poster's is the clerk
    meta.put_to(conn, meta.COSTING_FROM, day.isoformat() if day else None)
    settings = dataclasses.replace(meta.settings(conn), costing_from=day)
    since, first = settings.since, day.isoformat() if day else ""
    before = {r[0]: tuple(r)[1:] for r in conn.execute(_FIGURES, (first,))}
    if before:
        conn.execute('INSERT INTO batches(id, posted_at, "user", workbook, note) SELECT COALESCE(MAX(id), 0) + 1, '
                     "?, ?, ?, ? FROM batches", (meta.now(), user, workbook, "成本规则 / costing conventions"))
        keys = {(r[0], r[1]): since for r in conn.execute("SELECT DISTINCT item, warehouse FROM movements")}
        failure = recost(conn, settings, keys).failure
        if failure is not None:
            raise LedgerError("conventions", getattr(conn, "url", ""), detail=(
                f"{failure.item}@{failure.warehouse} {failure.movement['date']}（{failure.kind}）"))
    changed = [(before[r[0]][1], r[2]) for r in conn.execute(_FIGURES, (first,)) if before[r[0]][1] != r[2]]
    moved = sum(abs(new - old) for old, new in changed)
    net = sum(new - old for old, new in changed)
    meta.log_to(conn, "costing_upgrade",
                f"成本规则自 {day.isoformat() if day else '第一笔'} 起：{len(changed)} 笔出入库的成本改变，"
                f"变动合计 {from_cents(moved)}，库存金额净变动 {from_cents(net)} / costing conventions from "
                f"{day.isoformat() if day else 'the first movement'}: {len(changed)} movement(s) costed anew, "
                f"{from_cents(moved)} in all, stock value {from_cents(net)} net", user, workbook)


def upgrade(conn) -> None:
    """Schema 8 → 9: this version's conventions start the day after the closed period."""
    closed = meta.settings(conn).closed_through
    start(conn, closed + dt.timedelta(days=1) if closed else None, None)


def reopened(conn, through: dt.date | None, user: str | None, workbook: str) -> None:
    """After 反结账 back to ``through``: the conventions start no later than the day after it."""
    since = meta.settings(conn).costing_from
    if since is not None and (through is None or through + dt.timedelta(days=1) < since):
        start(conn, through + dt.timedelta(days=1) if through else None, user, workbook)
