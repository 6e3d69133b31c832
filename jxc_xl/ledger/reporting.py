"""What the reports ask the ledger: sales lines with their cost, each key's dates, the latest
receipt per item, a party's entries, a document to print. Figures come back as the scaled
integers they are stored in — the reports add them up in pandas and turn them into exact
decimals only when they are written out."""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal

from ..domain.money import from_cents, from_qty_units
from .queries import IN_COLUMN, day

_STANDING = "d.reversal = 0 AND d.reversed_by IS NULL"


def sales_lines(conn: sqlite3.Connection, start: dt.date | None, end: dt.date | None) -> list[tuple]:
    """(date, 单号, customer, item, qty sold, revenue, cost of goods sold) per sales line in the
    period, in 1e-4 units and cents: a return or a 红字冲销 negative, so summing nets them."""
    return conn.execute(
        "SELECT d.date, d.doc_no, d.party, l.item, -SUM(m.qty), "
        "CASE d.type WHEN 'sales_return' THEN -l.amount ELSE l.amount END, -SUM(m.value) "
        "FROM lines l JOIN documents d ON d.id = l.doc JOIN movements m ON m.line = l.id "
        "WHERE d.type IN ('sales_shipment', 'sales_return') AND d.date >= ? AND d.date <= ? "
        "GROUP BY l.id ORDER BY d.pos, l.line_no", ((start or dt.date.min).isoformat(), day(end))).fetchall()


@dataclass(frozen=True)
class ProfitRow:
    date: str
    doc_no: str
    party: str
    item: str
    qty: Decimal               # negative on a return or a reversal
    amount: Decimal
    cost: Decimal
    profit: Decimal


def gross_profit(conn: sqlite3.Connection, start: dt.date | None = None,
                 end: dt.date | None = None) -> list[ProfitRow]:
    """毛利 per sales line as exact figures: see :func:`sales_lines`."""
    return [ProfitRow(date, doc_no, party, item, from_qty_units(qty), from_cents(amount), from_cents(cost),
                      from_cents(amount - cost))
            for date, doc_no, party, item, qty, amount, cost in sales_lines(conn, start, end)]


def key_dates(conn: sqlite3.Connection, end: dt.date) -> dict[tuple[str, str], tuple]:
    """Per item × warehouse up to ``end``: (first 入库, last 入库, last 出库, last sale) dates of
    movements that stand (not reversed), each counted in its column as the summary counts it."""
    moved_in = f"{IN_COLUMN} AND m.qty > 0 AND {_STANDING}"
    moved_out = f"NOT {IN_COLUMN} AND m.qty < 0 AND {_STANDING}"
    return {(r[0], r[1]): r[2:] for r in conn.execute(
        f"SELECT m.item, m.warehouse, MIN(CASE WHEN {moved_in} THEN m.date END), "
        f"MAX(CASE WHEN {moved_in} THEN m.date END), MAX(CASE WHEN {moved_out} THEN m.date END), "
        f"MAX(CASE WHEN d.type = 'sales_shipment' AND {_STANDING} THEN m.date END) "
        "FROM movements m JOIN documents d ON d.id = m.doc WHERE m.date <= ? GROUP BY m.item, m.warehouse",
        (end.isoformat(),))}


def last_receipts(conn: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """Per item: the supplier and unit price (1e-6) of its latest purchase receipt that stands."""
    latest: dict[str, tuple[str, int]] = {}
    for item, party, price in conn.execute(
            "SELECT l.item, d.party, l.price FROM lines l JOIN documents d ON d.id = l.doc "
            f"WHERE d.type = 'purchase_receipt' AND {_STANDING} ORDER BY d.pos, l.line_no"):
        latest[item] = (party, price)
    return latest


def party_entries(conn: sqlite3.Connection, party: str, start: dt.date,
                  end: dt.date) -> tuple[int, list[tuple]]:
    """The party's balance before ``start`` (receivable − payable, cents), and its entries in the
    period: (date, 单号, type, reversal, note, side, amount) in posting order."""
    (opening,) = conn.execute(
        "SELECT COALESCE(SUM(CASE side WHEN 'AR' THEN amount ELSE -amount END), 0) FROM party_entries "
        "WHERE party = ? AND date < ?", (party, start.isoformat())).fetchone()
    rows = conn.execute(
        "SELECT e.date, d.doc_no, d.type, d.reversal, d.note, e.side, e.amount FROM party_entries e "
        "JOIN documents d ON d.id = e.doc WHERE e.party = ? AND e.date >= ? AND e.date <= ? "
        "ORDER BY e.date, d.pos, e.id", (party, start.isoformat(), end.isoformat())).fetchall()
    return opening, [tuple(r) for r in rows]


def printable(conn: sqlite3.Connection, doc_no: str, journal: str | None = None) -> list[sqlite3.Row]:
    """The posted documents (their latest revision, not a reversal) numbered ``doc_no``, one per
    journal that has one (``journal`` given: that one's only)."""
    where, args = ("AND d.journal = ?", [journal]) if journal else ("", [])
    return conn.execute(
        "SELECT d.* FROM documents d WHERE d.doc_no = ? AND d.reversal = 0 AND d.revision = "
        "(SELECT MAX(o.revision) FROM documents o WHERE o.journal = d.journal AND o.doc_no = d.doc_no "
        f"AND o.reversal = 0) {where} ORDER BY d.journal", [doc_no, *args]).fetchall()


def printed_lines(conn: sqlite3.Connection, doc: int) -> list[sqlite3.Row]:
    """A document's lines as posted: 商品编码, 数量, 单价 (else the unit cost given), 金额."""
    return conn.execute("SELECT line_no, item, qty, COALESCE(price, unit_cost) AS price, amount FROM lines "
                        "WHERE doc = ? ORDER BY line_no", (doc,)).fetchall()
