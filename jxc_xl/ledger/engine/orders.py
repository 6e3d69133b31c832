"""采购订单 / 销售订单: what was promised, and how much of it is still open.

An order is posted like any document (its lines in ``lines``) but moves no stock and no money.
A receipt or shipment line naming it (订单号) stores the order line it fulfils; what an order
still has open is computed from the standing documents, never stored, so a reversal, a return
or a back-dated document changes it by being there or not:

    open = ordered − fulfilled (each fulfilling line less what returns naming it took back)
           − closed (短交/结案 that was not undone)

per order and item (an order may list an item on several lines; they count together).
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from . import meta

STANDING = "{d}.reversal = 0 AND {d}.reversed_by IS NULL"

# For the order line ``o``'s order and item: what standing receipts/shipments fulfilled, net of
# what standing returns naming them took back; and what standing closes closed.
_FULFILLED = (
    "(SELECT COALESCE(SUM(f.qty - (SELECT COALESCE(SUM(r.qty), 0) FROM lines r JOIN documents rd "
    f"ON rd.id = r.doc WHERE r.source_line = f.id AND {STANDING.format(d='rd')})), 0) "
    "FROM lines f JOIN documents fd ON fd.id = f.doc WHERE f.order_line IN "
    f"(SELECT id FROM lines WHERE doc = o.doc AND item = o.item) AND {STANDING.format(d='fd')})")
_CLOSES = "FROM order_closes c WHERE c.doc = o.doc AND c.item = o.item AND c.undone_at IS NULL"
_FIGURES = (f"SELECT o.item, SUM(o.qty), {_FULFILLED}, (SELECT COALESCE(SUM(c.qty), 0) {_CLOSES}), MIN(o.id) "
            "FROM lines o WHERE o.doc = ? GROUP BY o.doc, o.item")


@dataclass(frozen=True)
class Figures:
    """One item of one order, in 1e-4 units; ``line`` is its first order line."""

    item: str
    ordered: int
    fulfilled: int
    closed: int
    line: int

    @property
    def open(self) -> int:
        return self.ordered - self.fulfilled - self.closed


def figures(conn: sqlite3.Connection, order_id: int) -> dict[str, Figures]:
    """item → what the order ``order_id`` has ordered, fulfilled, closed and open."""
    return {r[0]: Figures(*r) for r in conn.execute(_FIGURES, (order_id,))}


def standing_order(conn: sqlite3.Connection, journal: str, doc_no: str) -> sqlite3.Row | None:
    """The latest posting of an order, if it stands (not reversed)."""
    row = conn.execute("SELECT id, doc_no, type, date, party, warehouse, reversed_by FROM documents "
                       "WHERE journal = ? AND doc_no = ? AND reversal = 0 ORDER BY revision DESC LIMIT 1",
                       (journal, doc_no)).fetchone()
    return None if row is None or row["reversed_by"] is not None else row


def close(conn: sqlite3.Connection, order: sqlite3.Row, date: dt.date, user: str, workbook: str) -> int:
    """Close what each item of ``order`` still has open (短交/结案); returns how many items."""
    rows = [(order["id"], f.item, f.open, date.isoformat(), meta.now(), user, workbook)
            for f in figures(conn, order["id"]).values() if f.open > 0]
    conn.executemany('INSERT INTO order_closes (doc, item, qty, date, at, "user", workbook) VALUES (?,?,?,?,?,?,?)', rows)
    return len(rows)


def undo_close(conn: sqlite3.Connection, order: sqlite3.Row, user: str) -> int:
    """Reopen what the order's closes closed; returns how many items."""
    return conn.execute("UPDATE order_closes SET undone_at = ?, undone_by = ? WHERE doc = ? AND undone_at IS NULL",
                        (meta.now(), user, order["id"])).rowcount


@dataclass(frozen=True)
class OrderLine:
    """One item of one standing order, for 库存 and 订单跟踪 (quantities in 1e-4 units)."""

    type: str
    doc_no: str
    date: str
    party: str
    warehouse: str
    item: str
    delivery_date: str | None
    ordered: int
    fulfilled: int
    closed: int
    done_on: str | None           # the latest day it was fulfilled or closed

    @property
    def open(self) -> int:
        return max(self.ordered - self.fulfilled - self.closed, 0)


_ALL = (
    "SELECT d.type, d.doc_no, d.date, d.party, d.warehouse, o.item, MIN(o.delivery_date), SUM(o.qty), "
    f"{_FULFILLED}, (SELECT COALESCE(SUM(c.qty), 0) {_CLOSES}), (SELECT MAX(c.date) {_CLOSES}), "
    "(SELECT MAX(fd.date) FROM lines f JOIN documents fd ON fd.id = f.doc WHERE f.order_line IN "
    f"(SELECT id FROM lines WHERE doc = o.doc AND item = o.item) AND {STANDING.format(d='fd')}) "
    "FROM lines o JOIN documents d ON d.id = o.doc WHERE d.type IN ('purchase_order', 'sales_order') "
    f"AND {STANDING.format(d='d')} GROUP BY d.id, o.doc, o.item ORDER BY d.type, d.date, d.doc_no, MIN(o.line_no)")


def order_lines(conn: sqlite3.Connection) -> list[OrderLine]:
    """Every item of every standing order, with what it ordered, fulfilled and closed."""
    return [OrderLine(*r[:-2], max(r[-2] or "", r[-1] or "") or None) for r in conn.execute(_ALL)]


def open_quantities(conn: sqlite3.Connection) -> dict[tuple[str, str, str], int]:
    """(order type, item, warehouse) → what standing orders still have open, in 1e-4 units."""
    found: dict[tuple[str, str, str], int] = {}
    for line in order_lines(conn):
        if line.open:
            key = (line.type, line.item, line.warehouse)
            found[key] = found.get(key, 0) + line.open
    return found
