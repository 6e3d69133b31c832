"""The master data (商品, 往来单位, 仓库) as the ledger keeps it: scaled integers in, models out."""
from __future__ import annotations

import sqlite3

from ...domain.model import Account, Item, Party, PartyKind, Warehouse
from ...domain.money import (from_cents, from_qty_units, from_rate_units, from_unit_cost_units, to_cents,
                             to_qty_units, to_rate_units, to_unit_cost_units)
from ...domain.problems import Problem
from ...domain.validate import Masters, check_items, check_parties
from ..stores.schema import TABLES, upsert


def _opt(value, convert):
    return None if value is None else convert(value)


_UPSERT = {name: upsert(name, tuple(TABLES[name]["columns"]), TABLES[name]["pk"])
           for name in ("items", "parties", "warehouses", "accounts")}


def write(conn: sqlite3.Connection, items: list[Item], parties: list[Party],
          warehouses: list[Warehouse], accounts: list[Account] = ()) -> list[Problem]:
    """Store the masters (inside the caller's transaction); those with a figure the ledger cannot
    hold are left out and come back as problems (doc_no is the master's code)."""
    item_problems, party_problems = check_items(items), check_parties(parties)
    items = [i for i in items if i.sku not in {p.doc_no for p in item_problems}]
    parties = [p for p in parties if p.code not in {p.doc_no for p in party_problems}]
    conn.executemany(
        _UPSERT["items"],
        [(i.sku, i.name, i.spec, i.unit, i.category, i.barcode, _opt(i.purchase_price, to_unit_cost_units),
          _opt(i.sale_price, to_unit_cost_units), _opt(i.min_qty, to_qty_units), _opt(i.max_qty, to_qty_units),
          int(i.inactive), _opt(i.tax_rate, to_rate_units)) for i in items])
    conn.executemany(
        _UPSERT["parties"],
        [(p.code, p.name, p.kind.value, p.contact, p.phone, p.address, _opt(p.credit_limit, to_cents),
          p.terms_days, _opt(p.tax_rate, to_rate_units)) for p in parties])
    conn.executemany(_UPSERT["warehouses"], [(w.code, w.name) for w in warehouses])
    conn.executemany(_UPSERT["accounts"], [(a.code, a.name, a.kind.value, a.number, int(a.inactive)) for a in accounts])
    return item_problems + party_problems


def _item(r: sqlite3.Row) -> Item:
    return Item(sku=r["sku"], name=r["name"], spec=r["spec"] or "", unit=r["unit"] or "",
                category=r["category"] or "", barcode=r["barcode"] or "",
                purchase_price=_opt(r["purchase_price"], from_unit_cost_units),
                sale_price=_opt(r["sale_price"], from_unit_cost_units), min_qty=_opt(r["min_qty"], from_qty_units),
                max_qty=_opt(r["max_qty"], from_qty_units), inactive=bool(r["inactive"]),
                tax_rate=_opt(_get(r, "tax_rate"), from_rate_units))


def _party(r: sqlite3.Row) -> Party:
    return Party(code=r["code"], name=r["name"], kind=PartyKind(r["kind"]), contact=r["contact"] or "",
                 phone=r["phone"] or "", address=r["address"] or "",
                 credit_limit=_opt(r["credit_limit"], from_cents), terms_days=r["terms_days"] or 0,
                 tax_rate=_opt(_get(r, "tax_rate"), from_rate_units))


def _get(r: sqlite3.Row, column: str) -> object:
    """A column an older ledger read as it is may not have."""
    return r[column] if column in r.keys() else None


def read(conn: sqlite3.Connection) -> Masters:
    items = {r["sku"]: _item(r) for r in conn.execute("SELECT * FROM items")}
    parties = {r["code"]: _party(r) for r in conn.execute("SELECT * FROM parties")}
    warehouses = {r["code"]: Warehouse(code=r["code"], name=r["name"])
                  for r in conn.execute("SELECT * FROM warehouses")}
    accounts = {r["code"]: Account(code=r["code"], name=r["name"], kind=r["kind"] or "other", number=r["number"] or "",
                                   inactive=bool(r["inactive"]))
                for r in (conn.execute("SELECT * FROM accounts") if "accounts" in conn.tables() else ())}
    return Masters(items, parties, warehouses, accounts=accounts)


__all__ = ["write", "read"]
