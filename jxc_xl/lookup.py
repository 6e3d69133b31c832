"""What the worksheet functions answer (=JXC_STOCK(A2:A500) …), a whole column per call.

Excel recalculates a sheet of these functions often, so each ledger gets one cached, read-only
connection and its answers are kept until another connection commits — the engine's change
counter tells (SQLite's data_version; a server ledger's counter every write moves, so another
clerk's post on another PC is noticed), so an answer is never stale after a post. Unknown codes and bad arguments come back as
Excel-style error texts in their own cell, never as an exception.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Callable

from .domain.money import from_cents, from_qty_units
from .ledger import LedgerError, accounts, cash, queries
from .ledger.engine import orders, users
from .ledger.stores import store
from .ledger.errors import file_error
from .sheets.cells import to_code, to_date

UNKNOWN = {"items": "#N/A 未知商品编码：{}", "parties": "#N/A 未知往来单位：{}",
           "warehouses": "#N/A 未知仓库：{}", "accounts": "#N/A 未知账户：{}"}
BAD_DATE = "#VALUE! 日期看不懂：{}（请写成 2026-11-21）"
NO_LEDGER = "#REF! 找不到账簿 {}：请先过账，或在设置表写对“账簿文件”"
NO_COSTS = "#权限 采购、销售看不到成本"


class Reader:
    """One read-only connection to a ledger, and the answers computed since it last changed."""

    def __init__(self, location: Path | str):
        self.path = location
        self.conn = store.open_connection(location, create=False, read_only=True)
        self.version: int | None = None
        self.answers: dict[tuple, object] = {}

    def refresh(self) -> "Reader":
        """Forget every answer if another connection committed since the last call."""
        version = self.conn.changes()
        if version != self.version:
            self.answers.clear()
            self.version = version
        return self

    def memo(self, key: tuple, compute: Callable[[sqlite3.Connection], object]) -> object:
        if key not in self.answers:
            self.answers[key] = compute(self.conn)
        return self.answers[key]

    @property
    def costs(self) -> bool:
        """Whether this computer's user (a server's login) is shown what things cost."""
        return self.memo(("costs",), lambda conn: users.shows_costs(conn, None))

    def codes(self, table: str) -> dict[str, str]:
        """Code → code and exact name → code, as the workbook accepts either."""
        key, name = ("sku", "name") if table == "items" else ("code", "name")
        def load(conn: sqlite3.Connection) -> dict[str, str]:
            rows = conn.execute(f"SELECT {key}, {name} FROM {table}").fetchall()
            return {**{n: c for c, n in rows if n}, **{c: c for c, _ in rows}}
        return self.memo(("codes", table), load)


_readers: dict[str, Reader] = {}


def reader(path: str | Path) -> Reader | str:
    """The ledger's cached reader, up to date (one check per call), or the error text to show."""
    found = _readers.get(str(path))
    try:
        if found is None:
            full = str(path) if store.is_server(path) else Path(path).resolve()
            if not store.is_server(path) and not full.is_file():
                return NO_LEDGER.format(full.name)
            found = _readers[str(path)] = next((r for r in _readers.values() if r.path == full), None) or Reader(full)
        return found.refresh()
    except Exception as exc:              # noqa: BLE001 — a cell shows the error, never a traceback
        error = exc if isinstance(exc, LedgerError) else file_error(str(path), exc)
        if error is None:
            raise
        _readers.pop(str(path), None)       # the next call connects afresh (the server may be back)
        return f"#REF! {error.message}"


def _resolve(r: Reader, table: str, value: object) -> tuple[str | None, str | None]:
    """(code, None), (None, error text), or (None, None) for a blank cell."""
    text = to_code(value)
    if not text:
        return None, None
    code = r.codes(table).get(text)
    return (code, None) if code else (None, UNKNOWN[table].format(text))


def _date(value: object) -> tuple[dt.date | None, str | None]:
    if value is None or value == "":
        return None, None
    day = to_date(value)
    return (day, None) if day else (None, BAD_DATE.format(value))


def stock(path: str | Path, skus: list, warehouse: object = None, as_of: object = None,
          figure: str = "qty") -> list:
    """Per SKU: the quantity (figure "qty"), unit cost ("unit_cost") or value ("value") in
    stock at the end of ``as_of`` (default: everything posted), in one warehouse or all."""
    r = reader(path)
    if isinstance(r, str):
        return [r] * len(skus)
    wh, problem = _resolve(r, "warehouses", warehouse)
    day, bad = _date(as_of)
    if problem or bad or (figure != "qty" and not r.costs):
        return [problem or bad or NO_COSTS] * len(skus)
    table = r.memo(("stock", wh, day), lambda conn: {
        row.item: row for row in queries.stock(conn, day, warehouse=wh, by_item=wh is None)})
    out = []
    for value in skus:
        sku, unknown = _resolve(r, "items", value)
        row = table.get(sku)
        out.append(unknown or ("" if sku is None else getattr(row, figure) if row else Decimal(0)))
    return out


def ordered(path: str | Path, skus: list, warehouse: object = None, figure: str = "available") -> list:
    """Per SKU, in one warehouse or all: what is available (on hand − open sales orders,
    figure "available") or on order (open purchase orders, "on_order")."""
    r = reader(path)
    if isinstance(r, str):
        return [r] * len(skus)
    wh, problem = _resolve(r, "warehouses", warehouse)
    if problem:
        return [problem] * len(skus)

    def load(conn: sqlite3.Connection) -> dict[tuple[str, str], Decimal]:
        found: dict[tuple[str, str], Decimal] = {}
        for (kind, item, warehouse), units in orders.open_quantities(conn).items():
            if wh is None or warehouse == wh:
                found[(kind, item)] = found.get((kind, item), Decimal(0)) + from_qty_units(units)
        return found
    table = r.memo(("orders", wh), load)
    on_hand = stock(path, skus, warehouse) if figure == "available" else [Decimal(0)] * len(skus)
    out = []
    for value, held in zip(skus, on_hand):
        sku, unknown = _resolve(r, "items", value)
        if unknown or sku is None:
            out.append(unknown or "")
        elif figure == "available":
            out.append(held - table.get(("sales_order", sku), Decimal(0)))
        else:
            out.append(table.get(("purchase_order", sku), Decimal(0)))
    return out


def balance(path: str | Path, parties: list, as_of: object = None) -> list:
    """Per party: what it owes us less what we owe it (receivable positive, payable negative)."""
    r = reader(path)
    if isinstance(r, str):
        return [r] * len(parties)
    day, bad = _date(as_of)
    if bad:
        return [bad] * len(parties)
    out = []
    for value in parties:
        code, unknown = _resolve(r, "parties", value)
        out.append(unknown or ("" if code is None else
                               r.memo(("balance", code, day), lambda conn: accounts.balance(conn, code, day))))
    return out


def cash_balance(path: str | Path, codes: list, as_of: object = None) -> list:
    """Per account (code or name): the money it holds at the end of ``as_of`` (default:
    everything posted); an account never used holds 0."""
    r = reader(path)
    if isinstance(r, str):
        return [r] * len(codes)
    day, bad = _date(as_of)
    if bad:
        return [bad] * len(codes)
    held = r.memo(("cash", day), lambda conn: cash.balances(conn, day))
    out = []
    for value in codes:
        code, unknown = _resolve(r, "accounts", value)
        out.append(unknown or ("" if code is None else from_cents(held.get(code, 0))))
    return out


def traded(path: str | Path, side: str, skus: list, start: object = None, end: object = None) -> list:
    """Per SKU: [quantity, amount] sold (side "sales") or bought ("purchases") from ``start``
    to ``end`` inclusive, net of returns and reversals; the amount is 金额, tax-exclusive."""
    r = reader(path)
    if isinstance(r, str):
        return [[r, r]] * len(skus)
    (first, bad1), (last, bad2) = _date(start), _date(end)
    if bad1 or bad2:
        return [[bad1 or bad2] * 2] * len(skus)
    table = r.memo(("traded", side, first, last), lambda conn: queries.traded(conn, side, first, last))
    out = []
    for value in skus:
        sku, unknown = _resolve(r, "items", value)
        if unknown or sku is None:
            out.append([unknown or "", unknown or ""])
        else:
            out.append(list(table.get(sku, (Decimal(0), Decimal("0.00")))))
    return out


def summary(path: str | Path, skus: list, start: object, end: object, warehouse: object = None) -> list:
    """Per SKU, the eight 进销存汇总 figures of ``start``…``end`` (in one warehouse or all):
    期初数量, 期初金额, 入库数量, 入库金额, 出库数量, 出库金额, 期末数量, 期末金额 — counted as
    the 进销存汇总 sheet counts them (a return negative in its own column)."""
    r = reader(path)
    if isinstance(r, str):
        return [[r] * 8] * len(skus)
    wh, problem = _resolve(r, "warehouses", warehouse)
    (first, bad1), (last, bad2) = _date(start), _date(end)
    problem = problem or bad1 or bad2 or (None if first and last else "#JXC! 请给出起止日期")
    if problem:
        return [[problem] * 8] * len(skus)

    def load(conn: sqlite3.Connection) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for item, warehouse_, *figures in queries.summary_units(conn, first, last):
            if wh is None or warehouse_ == wh:
                total = found.setdefault(item, [0] * 6)
                total[:] = [a + b for a, b in zip(total, figures)]
        return found
    table = r.memo(("summary", wh, first, last), load)
    out = []
    for value in skus:
        sku, unknown = _resolve(r, "items", value)
        if unknown or sku is None:
            out.append([unknown or ""] * 8)
            continue
        oq, ov, iq, iv, xq, xv = table.get(sku, [0] * 6)
        out.append([convert(n) if r.costs or convert is from_qty_units else NO_COSTS
                    for convert, n in zip((from_qty_units, from_cents) * 4,
                                          (oq, ov, iq, iv, xq, xv, oq + iq - xq, ov + iv - xv))])
    return out


def ledger_of(caller) -> Path:
    """The ledger of the workbook a worksheet function was called from (its 设置, else the default)."""
    from .app.settings import read_settings
    from .io.excel import XlwingsBook
    book = caller.sheet.book
    return read_settings(XlwingsBook(book), Path(book.fullname)).ledger
