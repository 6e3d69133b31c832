"""Checking a ledger: its file (SQLite's own check), its figures (every balance and cost
recomputed) and a backup copy of it. ``jxc verify`` and ``jxc 备份`` are where these run."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from ...domain.money import from_cents, from_qty_units
from ..stores.schema import has_table
from .recost import COLUMN_AT, Settings, by_key, check

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
    """Every running balance against the sum of its movements, every cost against a replay: both
    from one read of the movements (:func:`recost.by_key`)."""
    keys = by_key(conn, settings)
    differences = [f"{item}@{wh} {_named(conn, pos)}: 结存 {from_qty_units(bq)}/{from_cents(bv)} ≠ 累计 {from_qty_units(sq)}/{from_cents(sv)}"
                   for item, wh, pos, bq, bv, sq, sv in unbalanced(keys)]
    if has_table(conn, "stock_keys"):             # (an old ledger read as it is has none yet)
        listed = {(r[0], r[1]) for r in conn.execute("SELECT item, warehouse FROM stock_keys")}
        differences += [f"{item}@{wh}: 有出入库却不在 stock_keys" for item, wh in sorted(keys.keys() - listed)]
    found = check(conn, settings, keys)
    differences += [f"movement {u[-1]}: 重算成本与账簿不符 {u[:-1]}" for u in found.differences]
    if found.failure:
        differences.append(f"{found.failure.item}@{found.failure.warehouse}: 重算失败：{_FAILURES[found.failure.kind]}")
    return differences


def _named(conn, pos: int) -> str:
    """A movement as a clerk finds it — its date, 单号 and line — for its order key says nothing to them."""
    date, doc_no, line = conn.execute("SELECT m.date, d.doc_no, l.line_no FROM movements m JOIN documents d "
                                      "ON d.id = m.doc JOIN lines l ON l.id = m.line WHERE m.pos = ?", (pos,)).fetchone()
    return f"{date} {doc_no} 第{line}行"


def unbalanced(keys: dict) -> list[tuple]:
    """The movements whose stored balance is not the running sum of their key's quantities and
    values (SQL's SUM, NULLs left out, as :data:`_RUNNING` asks it, kept as the reference): item,
    warehouse, pos, stored and summed balances — in ledger order, key by key."""
    pos, qty, value, bal_qty, bal_value = (COLUMN_AT[name] for name in ("pos", "qty", "value", "bal_qty", "bal_value"))
    found = []
    for (item, wh), (before, after) in sorted(keys.items()):
        sq = sv = None
        for row in before + after:
            if row[qty] is not None:
                sq = row[qty] + (sq or 0)
            if row[value] is not None:
                sv = row[value] + (sv or 0)
            bq, bv = row[bal_qty], row[bal_value]
            if (bq is not None and sq is not None and bq != sq) or (bv is not None and sv is not None and bv != sv):
                found.append((item, wh, row[pos], bq, bv, sq, sv))
    return found


# A document as the checks name it: its 单号, and whether it is a 红字冲销.
_NAMED = "d.doc_no || CASE d.reversal WHEN 1 THEN '（红字冲销）' ELSE '' END"
# 增值税: every priced line balances (价税合计 = 金额 + 税额) …
_UNBALANCED = (
    f"SELECT {_NAMED}, l.line_no, l.amount, l.tax, l.total_with_tax FROM lines l JOIN documents d ON d.id = l.doc "
    "WHERE l.amount IS NOT NULL AND (l.tax IS NULL OR l.total_with_tax IS NULL OR l.total_with_tax != l.amount + l.tax) "
    "ORDER BY d.pos, l.line_no")
# … a purchase's or sale's 应付/应收 is its lines' 价税合计, signed as posting.SIDE signs it …
_SIGNS = {"purchase_receipt": ("应付", 1), "purchase_return": ("应付", -1),
          "sales_shipment": ("应收", 1), "sales_return": ("应收", -1)}
# (only the documents where they differ are read: measured on the 100,000-line bench ledger, its
# 20,000 documents each read and compared in Python took 0.08–0.11 s CPU, compared in SQL 0.06–0.07 s)
_OWED = (
    f"SELECT {_NAMED}, d.type, entry, owed FROM (SELECT d.doc_no, d.reversal, d.type, d.pos, "
    "(SELECT SUM(e.amount) FROM party_entries e WHERE e.doc = d.id) AS entry, "
    "(SELECT SUM(l.total_with_tax) FROM lines l WHERE l.doc = d.id) AS owed "
    f"FROM documents d WHERE d.type IN ({', '.join(repr(t) for t in _SIGNS)})) AS d "
    "WHERE COALESCE(entry, 0) != CASE d.type "
    + " ".join(f"WHEN '{t}' THEN {sign}" for t, (_, sign) in _SIGNS.items()) + " END * COALESCE(owed, 0) ORDER BY d.pos")
# … and a receipt is stocked at its 金额 when its 税额 is deductible 进项税额, else at its 价税合计.
_STOCKED = (
    f"SELECT {_NAMED}, l.line_no, m.fixed_value, d.deductible, l.amount, l.total_with_tax FROM movements m "
    "JOIN lines l ON l.id = m.line JOIN documents d ON d.id = m.doc WHERE d.type = 'purchase_receipt' "
    "AND m.rule = 'fixed' AND m.fixed_value != CASE d.deductible WHEN 1 THEN l.amount ELSE l.total_with_tax END "
    "ORDER BY d.pos, l.line_no")


def tax(conn) -> list[str]:
    """Every 增值税 figure held to its lines: what differs, one line each, naming the 单号 (a file
    changed outside jxc, or a posting bug, is what these find). An old ledger read as it is
    has no tax columns, and no tax."""
    if "total_with_tax" not in conn.columns("lines"):
        return []
    found = [f"{doc} 第 {n} 行：价税合计 {_money(total)} ≠ 金额 {_money(amount)} + 税额 {_money(tax)}"
             for doc, n, amount, tax, total in conn.execute(_UNBALANCED)]
    for doc, kind, entry, lines in conn.execute(_OWED):
        side, sign = _SIGNS[kind]
        if (entry or 0) != sign * (lines or 0):
            found.append(f"{doc}：{side} {_money(entry or 0)} ≠ 各行价税合计 {_money(sign * (lines or 0))}")
    for doc, n, value, deductible, amount, total in conn.execute(_STOCKED):
        basis = f"金额 {_money(amount)}（进项税额可抵扣）" if deductible == 1 else \
            f"价税合计 {_money(total)}（进项税额不可抵扣）"
        found.append(f"{doc} 第 {n} 行：入库成本 {_money(value)} ≠ {basis}")
    return found


def _money(cents: int | None) -> str:
    return "（空）" if cents is None else f"{from_cents(cents):.2f}"


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
