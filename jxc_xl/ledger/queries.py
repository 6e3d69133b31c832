"""Questions the ledger answers about stock: stock, stock card, journal, period summary, profit.

All figures come back as Decimal; SQL sums run over scaled integers, so they are exact.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from ..domain import order
from ..domain.money import (MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES, ZERO, from_cents, from_qty_units, from_unit_cost_units, ratio,
                     round_unit_cost, scaled_text_sql)

from .stores.schema import has_table

_FAR = "9999-12-31"


def day(as_of: dt.date | None) -> str:
    return as_of.isoformat() if as_of else _FAR


def filters(**conditions: object) -> tuple[str, list]:
    parts, args = [], []
    for column, value in conditions.items():
        if value is not None:
            parts.append(f"{column} = ?")
            args.append(value)
    return "".join(f" AND {p}" for p in parts), args


@dataclass(frozen=True)
class StockRow:
    item: str
    warehouse: str | None      # None when summed over warehouses
    qty: Decimal
    value: Decimal
    unit_cost: Decimal         # value / qty while in stock, else the last unit cost known


def stock(conn: sqlite3.Connection, as_of: dt.date | None = None, item: str | None = None,
          warehouse: str | None = None, by_item: bool = False) -> list[StockRow]:
    """Quantity, value and unit cost per item × warehouse (or per item) at the end of ``as_of``."""
    totals: dict[tuple, list] = {}
    for it, wh, pos, qty, value, last in balances(conn, order.after_day(as_of), item, warehouse):
        total = totals.setdefault((it, None if by_item else wh), [0, 0, -1, None])
        total[0] += qty
        total[1] += value
        if pos > total[2]:                 # the unit cost to fall back on: the latest movement's
            total[2:] = pos, last
    out = []
    for (it, wh), (qty, value, _, last) in totals.items():
        q, v = from_qty_units(qty), from_cents(value)
        unit = round_unit_cost(ratio(v, q)) if q > 0 else from_unit_cost_units(last)
        out.append(StockRow(it, wh, q, v, unit))
    return out


def balances(conn: sqlite3.Connection, before: int, item: str | None = None,
             warehouse: str | None = None) -> list[tuple]:
    """(item, warehouse, pos, balance qty, balance value, last unit cost) of each key's last
    movement before ``before`` (an order key: domain.order.after_day), in key order. Each movement carries its key's running
    balance, so this is one indexed seek per key: all 15,000 keys of a 1,000,000-movement ledger
    in about 0.1 s, where summing the movements took 4 s."""
    where, args = filters(**{"k.item": item, "k.warehouse": warehouse})
    return conn.execute(
        f"SELECT k.item, k.warehouse, m.pos, m.bal_qty, m.bal_value, m.last_unit FROM {key_table(conn)} k "
        "JOIN movements m ON m.id = (SELECT id FROM movements WHERE item = k.item AND warehouse = k.warehouse "
        f"AND pos < ? ORDER BY pos DESC LIMIT 1) WHERE true{where} ORDER BY k.item, k.warehouse",
        [before, *args]).fetchall()


def key_table(conn: sqlite3.Connection) -> str:
    """The item × warehouse keys: their table, or (a ledger too old to have it, read as it is)
    the movements' own."""
    if has_table(conn, "stock_keys"):
        return "stock_keys"
    return "(SELECT DISTINCT item, warehouse FROM movements)"


@dataclass(frozen=True)
class CardRow:
    """One line of the 商品明细账 (stock card)."""

    batch: int
    date: str
    doc_type: str
    doc_no: str
    reversal: bool
    warehouse: str
    item: str
    in_qty: Decimal
    out_qty: Decimal
    unit_cost: Decimal
    value: Decimal             # signed: + in, − out
    bal_qty: Decimal
    bal_value: Decimal
    sheet: str
    row: int | None


def stock_card(conn: sqlite3.Connection, item: str | None = None, warehouse: str | None = None,
               start: dt.date | None = None, end: dt.date | None = None) -> list[CardRow]:
    """Every movement in ledger order with its running balance (over the warehouses asked)."""
    where, args = filters(**{"m.item": item, "m.warehouse": warehouse})
    first = start.isoformat() if start else ""
    balances: dict[tuple, tuple[int, int]] = {}
    for it, wh, qty, value in conn.execute(
            f"SELECT item, warehouse, SUM(qty), SUM(value) FROM movements m WHERE date < ?{where} "
            f"GROUP BY item, warehouse", [first, *args]):
        balances[(it, wh)] = (qty, value)
    running: dict[str, list[int]] = {}
    for (it, _), (qty, value) in balances.items():
        total = running.setdefault(it, [0, 0])
        total[0] += qty
        total[1] += value
    rows = conn.execute(
        f"SELECT d.batch, m.date, m.item, m.warehouse, m.qty, m.value, m.unit_cost, m.bal_qty, m.bal_value, "
        f"l.sheet, l.row, d.type, d.doc_no, d.reversal FROM movements m JOIN documents d ON d.id = m.doc "
        f"JOIN lines l ON l.id = m.line "
        f"WHERE m.date >= ? AND m.date <= ?{where} ORDER BY m.date, m.pos, m.warehouse",
        [first, day(end), *args]).fetchall()
    out = []
    for r in rows:
        if warehouse is None:
            total = running.setdefault(r["item"], [0, 0])
            total[0] += r["qty"]
            total[1] += r["value"]
            bal_qty, bal_value = total
        else:
            bal_qty, bal_value = r["bal_qty"], r["bal_value"]
        qty = from_qty_units(r["qty"])
        out.append(CardRow(r["batch"], r["date"], r["type"], r["doc_no"], bool(r["reversal"]),
                           r["warehouse"], r["item"], max(qty, ZERO), max(-qty, ZERO),
                           from_unit_cost_units(r["unit_cost"]), from_cents(r["value"]),
                           from_qty_units(bal_qty), from_cents(bal_value), r["sheet"], r["row"]))
    return out


# The column (入库 or 出库) a movement counts in, Chinese-style: by what its document is, not by
# which way the stock moved — a purchase return is a negative 入库, a sales return a negative
# 出库, a 红字冲销 negative in its original's column. Transfers go by leg, counts by gain or loss
# (both read through the reversal, which flips them). Needs movements m joined to documents d.
_RECEIVED = "'purchase_receipt', 'purchase_return', 'other_receipt', 'opening_stock'"
_ISSUED = "'sales_shipment', 'sales_return', 'other_issue'"
IN_COLUMN = (f"(d.type IN ({_RECEIVED}) OR (d.type = 'transfer' AND m.direction * (1 - 2 * d.reversal) > 0) "
             f"OR (d.type NOT IN ({_RECEIVED}, {_ISSUED}, 'transfer') AND m.qty * (1 - 2 * d.reversal) >= 0))")


_JOURNAL_ORDER = "m.date, m.pos, m.warehouse, m.id"


def journal(conn: sqlite3.Connection, after_batch: int | None = None) -> tuple[int, list[tuple]]:
    """:func:`journal_lines`, the rows fetched into a list."""
    kept, lines = journal_lines(conn, after_batch)
    return kept, list(lines)


def journal_lines(conn: sqlite3.Connection, after_batch: int | None = None) -> tuple[int, Iterable[tuple]]:
    """Every movement in ledger order with its item × warehouse running balance, the figures as
    exact decimal text rendered by SQLite (the journal is the largest thing ever written out):
    batch, date, type, reversal, 单号, warehouse, item, qty in, qty out, unit cost, value
    (signed like the quantity in its column), balance qty, balance value. A movement shows in
    its column as the 进销存汇总 counts it (:data:`IN_COLUMN`): a return or a 红字冲销 negative.

    With ``after_batch``: (how many leading rows no batch after it touched, the rows after
    them) — a journal written out at that batch only needs its tail rewritten. The rows come
    from the query's cursor, one at a time: 台账 makes a row of its own of each, and the query's
    rows fetched whole beside those were 1,000,000 tuples (about 600 MB) at 1,000,000 lines.
    """
    where, args = "", []
    kept = 0
    if after_batch is not None:
        first = conn.execute("SELECT date, pos, warehouse, id FROM movements m WHERE touched > ? "
                             f"ORDER BY {_JOURNAL_ORDER} LIMIT 1", (after_batch,)).fetchone()
        if first is None:
            return conn.execute("SELECT COUNT(*) FROM movements").fetchone()[0], iter(())
        where, args = "WHERE (m.date, m.pos, m.warehouse, m.id) >= (?, ?, ?, ?)", list(first)
        kept = conn.execute("SELECT COUNT(*) FROM movements m WHERE (m.date, m.pos, m.warehouse, m.id) < "
                            "(?, ?, ?, ?)", args).fetchone()[0]
    sign = f"(CASE WHEN {IN_COLUMN} THEN 1 ELSE -1 END)"
    return kept, conn.execute(
        "SELECT d.batch, m.date, d.type, d.reversal, d.doc_no, m.warehouse, m.item, "
        f"CASE WHEN {IN_COLUMN} THEN {scaled_text_sql('m.qty', QTY_PLACES)} END, "
        f"CASE WHEN NOT {IN_COLUMN} THEN {scaled_text_sql('-m.qty', QTY_PLACES)} END, "
        f"{scaled_text_sql('m.unit_cost', UNIT_COST_PLACES)}, {scaled_text_sql(f'{sign} * m.value', MONEY_PLACES)}, "
        f"{scaled_text_sql('m.bal_qty', QTY_PLACES)}, {scaled_text_sql('m.bal_value', MONEY_PLACES)} "
        f"FROM movements m JOIN documents d ON d.id = m.doc {where} ORDER BY {_JOURNAL_ORDER}", args)


def totals(conn: sqlite3.Connection, costs: bool = True) -> tuple[Decimal | None, Decimal, Decimal]:
    """Stock value (None without ``costs``: not read at all), receivables and payables: three
    exact SQL sums."""
    value = conn.execute("SELECT COALESCE(SUM(value), 0) FROM movements").fetchone()[0] if costs else None
    sides = dict(conn.execute("SELECT side, SUM(amount) FROM party_entries GROUP BY side").fetchall())
    return None if value is None else from_cents(value), from_cents(sides.get("AR", 0)), from_cents(sides.get("AP", 0))


@dataclass(frozen=True)
class SummaryRow:
    """进销存汇总: opening + in − out = closing, in quantity and in value."""

    item: str
    warehouse: str
    open_qty: Decimal
    open_value: Decimal
    in_qty: Decimal
    in_value: Decimal
    out_qty: Decimal
    out_value: Decimal
    close_qty: Decimal
    close_value: Decimal


def summary_units(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> list[tuple]:
    """(item, warehouse, opening qty, opening value, in qty, in value, out qty, out value) in
    scaled integers, per key with a balance at either end or a movement in the period: the
    opening from each key's last movement before ``start`` (see :func:`balances`), 入库 and 出库
    summed over the period's movements only, each in its column (:data:`IN_COLUMN`)."""
    opening = {(r[0], r[1]): (r[3], r[4]) for r in balances(conn, order.day_key(start))}
    period = {(r[0], r[1]): r[2:] for r in conn.execute(
        "SELECT m.item, m.warehouse, "
        f"SUM(CASE WHEN {IN_COLUMN} THEN m.qty ELSE 0 END), SUM(CASE WHEN {IN_COLUMN} THEN m.value ELSE 0 END), "
        f"-SUM(CASE WHEN NOT {IN_COLUMN} THEN m.qty ELSE 0 END), -SUM(CASE WHEN NOT {IN_COLUMN} THEN m.value ELSE 0 END) "
        "FROM movements m JOIN documents d ON d.id = m.doc WHERE m.date >= ? AND m.date <= ? "
        "GROUP BY m.item, m.warehouse", (start.isoformat(), end.isoformat()))}
    out = []
    for key in sorted(opening.keys() | period.keys()):
        figures = (*opening.get(key, (0, 0)), *period.get(key, (0, 0, 0, 0)))
        if key in period or any(figures):
            out.append((*key, *figures))
    return out


def summary(conn: sqlite3.Connection, start: dt.date, end: dt.date) -> list[SummaryRow]:
    """进销存汇总 as exact figures: see :func:`summary_units`."""
    out = []
    for item, wh, oq, ov, iq, iv, xq, xv in summary_units(conn, start, end):
        out.append(SummaryRow(item, wh, from_qty_units(oq), from_cents(ov), from_qty_units(iq), from_cents(iv),
                              from_qty_units(xq), from_cents(xv), from_qty_units(oq + iq - xq),
                              from_cents(ov + iv - xv)))
    return out


def traded(conn: sqlite3.Connection, side: str, start: dt.date | None = None,
           end: dt.date | None = None) -> dict[str, tuple[Decimal, Decimal]]:
    """Net quantity and amount per item sold (side "sales") or bought ("purchases") in the
    period: returns and reversals count against it."""
    out_type, back_type = (("sales_shipment", "sales_return") if side == "sales"
                           else ("purchase_receipt", "purchase_return"))
    rows = conn.execute(
        "SELECT l.item, SUM(CASE d.type WHEN ? THEN l.qty ELSE -l.qty END), "
        "SUM(CASE d.type WHEN ? THEN l.amount ELSE -l.amount END) FROM lines l JOIN documents d "
        "ON d.id = l.doc WHERE d.type IN (?, ?) AND d.date >= ? AND d.date <= ? GROUP BY l.item",
        (out_type, out_type, out_type, back_type, (start or dt.date.min).isoformat(), day(end))).fetchall()
    return {item: (from_qty_units(qty), from_cents(amount or 0)) for item, qty, amount in rows}
