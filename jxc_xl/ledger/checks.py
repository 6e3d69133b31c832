"""Checking a ledger: its file (SQLite's own check), its figures (every balance and cost
recomputed) and a backup copy of it. ``jxc verify`` and ``jxc 备份`` are where these run."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from ..domain.money import from_cents, from_qty_units
from .recost import Settings, recost
from .schema import has_table

_RUNNING = (
    "SELECT item, warehouse, pos, bal_qty, bal_value, rq, rv FROM (SELECT item, warehouse, pos, "
    "bal_qty, bal_value, SUM(qty) OVER w AS rq, SUM(value) OVER w AS rv FROM movements "
    "WINDOW w AS (PARTITION BY item, warehouse ORDER BY pos ROWS UNBOUNDED PRECEDING)) AS running "
    "WHERE bal_qty != rq OR bal_value != rv")


def integrity(conn) -> list[str]:
    """What the engine finds damaged in its own storage (SQLite's quick check; a server keeps
    its files whole itself)."""
    return conn.damage()


# why a replay could not stand (recost.Failure.kind), as the clerk reads it
_FAILURES = {"shortage": "库存不足", "no_cost": "没有可参照的单位成本", "closed": "要改动已结账期间的成本"}


def figures(conn: sqlite3.Connection, settings: Settings) -> list[str]:
    """Every running balance against the sum of its movements, every cost against a replay."""
    differences = [
        f"{item}@{wh} {pos}: 结存 {from_qty_units(bq)}/{from_cents(bv)} ≠ 累计 {from_qty_units(sq)}/{from_cents(sv)}"
        for item, wh, pos, bq, bv, sq, sv in conn.execute(_RUNNING)]
    keys = {(r[0], r[1]): "" for r in conn.execute("SELECT DISTINCT item, warehouse FROM movements")}
    if has_table(conn, "stock_keys"):             # (an old ledger read as it is has none yet)
        listed = {(r[0], r[1]) for r in conn.execute("SELECT item, warehouse FROM stock_keys")}
        differences += [f"{item}@{wh}: 有出入库却不在 stock_keys" for item, wh in sorted(keys.keys() - listed)]
    found = recost(conn, settings, keys, dry_run=True)
    differences += [f"movement {u[-1]}: 重算成本与账簿不符 {u[:-1]}" for u in found.differences]
    if found.failure:
        differences.append(f"{found.failure.item}@{found.failure.warehouse}: 重算失败：{_FAILURES[found.failure.kind]}")
    return differences


def backup(conn, target: Path) -> list[str]:
    """SQLite's online backup (safe while another program posts) to ``target``, then checked."""
    target.parent.mkdir(parents=True, exist_ok=True)
    copy = sqlite3.connect(str(target))
    try:
        conn.backup(copy)
        problems = [r[0] for r in copy.execute("PRAGMA integrity_check")]
    finally:
        copy.close()
    return [p for p in problems if p != "ok"]
