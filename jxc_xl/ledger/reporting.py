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
from ..domain import order
from .queries import IN_COLUMN, day, key_table

_STANDING = "d.reversal = 0 AND d.reversed_by IS NULL"


def sales_lines(conn: sqlite3.Connection, start: dt.date | None, end: dt.date | None) -> list[tuple]:
    """(date, 单号, customer, item, qty sold, revenue, cost of goods sold) per sales line in the
    period, in 1e-4 units and cents: a return or a 红字冲销 negative, so summing nets them. (Each
    column of ``l`` grouped by: PostgreSQL knows no key of the view 采购 and 销售 read it through.)"""
    return conn.execute(
        "SELECT d.date, d.doc_no, d.party, l.item, -SUM(m.qty), "
        "CASE d.type WHEN 'sales_return' THEN -l.amount ELSE l.amount END, -SUM(m.value) "
        "FROM lines l JOIN documents d ON d.id = l.doc JOIN movements m ON m.line = l.id "
        "WHERE d.type IN ('sales_shipment', 'sales_return') AND d.date >= ? AND d.date <= ? "
        "GROUP BY l.id, l.item, l.amount, l.line_no, d.id ORDER BY d.pos, l.line_no", ((start or dt.date.min).isoformat(), day(end))).fetchall()


def vat_lines(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> list[tuple]:
    """(journal, 税率 in 1e-6, 金额, 税额, 价税合计 in cents) per journal × rate over the period's
    sales lines (销项) and the lines of purchases whose tax was deductible when they posted (进项:
    a 一般纳税人's 专票): a return or a 红字冲销 negative, so each sum is what the period nets."""
    sign = "CASE WHEN d.type IN ('sales_return', 'purchase_return') THEN -1 ELSE 1 END"
    return conn.execute(
        f"SELECT d.journal, l.tax_rate, SUM({sign} * l.amount), SUM({sign} * l.tax), SUM({sign} * l.total_with_tax) "
        "FROM lines l JOIN documents d ON d.id = l.doc WHERE (d.type IN ('sales_shipment', 'sales_return') OR "
        "(d.type IN ('purchase_receipt', 'purchase_return') AND d.deductible = 1)) AND d.date >= ? AND d.date <= ? "
        "GROUP BY d.journal, l.tax_rate", (start.isoformat(), end.isoformat())).fetchall()


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
    movements that stand (not reversed), each counted in its column as the summary counts it.

    Four index seeks per key, each stopping at the first movement that qualifies, from either
    end of the key's movements: 15,000 keys of a 1,000,000-movement ledger in well under a
    second, where one pass over every movement took 7 s."""
    moved_in = f"{IN_COLUMN} AND m.qty > 0 AND {_STANDING}"
    moved_out = f"NOT {IN_COLUMN} AND m.qty < 0 AND {_STANDING}"
    sale = f"d.type = 'sales_shipment' AND {_STANDING}"

    def seek(condition: str, order: str) -> str:
        return (f"(SELECT m.date FROM movements m JOIN documents d ON d.id = m.doc WHERE m.item = k.item "
                f"AND m.warehouse = k.warehouse AND m.pos < :before AND {condition} ORDER BY m.pos {order} LIMIT 1)")
    return {(r[0], r[1]): tuple(r[2:]) for r in conn.execute(
        f"SELECT k.item, k.warehouse, {seek(moved_in, 'ASC')}, {seek(moved_in, 'DESC')}, {seek(moved_out, 'DESC')}, "
        f"{seek(sale, 'DESC')} FROM {key_table(conn)} k", {"before": order.after_day(end)})}


def last_receipts(conn: sqlite3.Connection, items: list[str]) -> dict[str, tuple[str, int]]:
    """For each of ``items``: the supplier and unit price (1e-6) of its latest purchase receipt
    that stands (found through the item's movements, newest first)."""
    latest: dict[str, tuple[str, int]] = {}
    for item in items:
        found = conn.execute(
            "SELECT d.party, l.price FROM movements m JOIN documents d ON d.id = m.doc JOIN lines l ON l.id = m.line "
            f"WHERE m.item = ? AND d.type = 'purchase_receipt' AND {_STANDING} ORDER BY m.pos DESC LIMIT 1",
            (item,)).fetchone()
        if found:
            latest[item] = (found[0], found[1])
    return latest


def sales_by_month(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> list[tuple]:
    """(YYYY-MM, revenue, cost of goods sold) per month with sales, in cents, returns and
    红字冲销 netted: summed in SQL, so a year of sales lines is never fetched one by one."""
    period = (start.isoformat(), end.isoformat())
    revenue = dict(conn.execute(
        "SELECT substr(d.date, 1, 7), SUM(CASE d.type WHEN 'sales_return' THEN -l.amount ELSE l.amount END) "
        "FROM lines l JOIN documents d ON d.id = l.doc WHERE d.type IN ('sales_shipment', 'sales_return') "
        "AND d.date >= ? AND d.date <= ? GROUP BY substr(d.date, 1, 7)", period).fetchall())
    cost = dict(conn.execute(
        "SELECT substr(d.date, 1, 7), -SUM(m.value) FROM movements m JOIN documents d ON d.id = m.doc "
        "WHERE d.type IN ('sales_shipment', 'sales_return') AND d.date >= ? AND d.date <= ? "
        "GROUP BY substr(d.date, 1, 7)", period).fetchall())
    return [(month, revenue.get(month, 0), cost.get(month, 0)) for month in sorted(revenue.keys() | cost.keys())]


def party_entries(conn: sqlite3.Connection, party: str, start: dt.date,
                  end: dt.date) -> tuple[int, list[tuple]]:
    """The party's balance before ``start`` (receivable − payable, cents), and its entries in the
    period: (date, 单号, type, reversal, note, side, amount, document, 原单号, the order's 单号,
    the document's 金额) in posting order."""
    (opening,) = conn.execute(
        "SELECT COALESCE(SUM(CASE side WHEN 'AR' THEN amount ELSE -amount END), 0) FROM party_entries "
        "WHERE party = ? AND date < ?", (party, start.isoformat())).fetchone()
    rows = conn.execute(
        "SELECT e.date, d.doc_no, d.type, d.reversal, d.note, e.side, e.amount, d.id, d.source_doc_no, o.doc_no, "
        "d.amount FROM party_entries e JOIN documents d ON d.id = e.doc LEFT JOIN documents o ON o.id = d.order_doc "
        "WHERE e.party = ? AND e.date >= ? AND e.date <= ? "
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


def printed_lines(conn: sqlite3.Connection, doc: int) -> list[tuple]:
    """A document's lines as its 单据 shows them: (商品编码, 数量, 单价, 金额, 实盘数量, 税率, 税额,
    价税合计) in stored units. Lines with a price show it, their amount and their 增值税 (None on
    a line that has none); a stock document (调拨, 盘点, 其他出入库, 期初库存) shows the cost its
    first movement carried — a count its difference, signed, and what was counted (实盘数量; None
    on any other line); an opening balance of a party its entries (one line a side: AR 应收, AP
    应付); a payment none."""
    rows = conn.execute(
        "SELECT l.item, l.qty, l.price, l.amount, d.type, m.qty, m.value, m.unit_cost, l.tax_rate, l.tax, l.total_with_tax "
        "FROM lines l JOIN documents d ON d.id = l.doc LEFT JOIN movements m ON m.line = l.id AND m.leg = 0 "
        "WHERE l.doc = ? ORDER BY l.line_no", (doc,)).fetchall()
    if not rows:                      # a payment prints its amount; an opening balance its entries
        return [(side, None, None, amount, None, None, None, None) for side, amount in conn.execute(
            "SELECT e.side, SUM(e.amount) FROM party_entries e JOIN documents d ON d.id = e.doc WHERE e.doc = ? "
            "AND d.type = 'opening_balance' GROUP BY e.side ORDER BY e.side", (doc,))]
    out = []
    for item, qty, price, amount, kind, moved, value, unit, rate, tax, total in rows:
        if kind == "stock_count":
            out.append((item, moved or 0, unit, value or 0, qty, None, None, None))
        elif amount is not None or moved is None:
            out.append((item, qty, price, amount, None, rate, tax, total))
        else:
            out.append((item, qty, unit, abs(value), None, None, None, None))
    return out
