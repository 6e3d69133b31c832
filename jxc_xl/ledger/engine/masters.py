"""The master data (商品, 往来单位, 仓库, 账户) as the ledger keeps it: scaled integers in, models out.

Who may change them (a ledger with users; one without is open to its one clerk, as always): a
department that posts may ADD the masters its documents need; an EXISTING master's fields are
changed only by a role with the act "masters" (财务; domain.roles) or by the server's owner. What
counts as a change is decided on the ledger's own figures (the workbook's value read back as the
ledger would hold it): a field that differs from the books'. For anyone else the books' stand is
kept for that master — its row is not written at all — and the fields named back in one problem
("masters_kept"); a cell left EMPTY in their workbook (no figure, empty text, 停用 否, 0 天, 类型
其他: the field's default) where the books hold a value is no change and is not named: the books'
value simply stands. A code that differs from an existing one only in letter case is that master
(a clerk cannot shadow C01 with c01). 财务's workbook is the truth it keeps, as before: every field,
an emptied one too. Every master added or changed is a "masters" row of the audit log (who, which
master, each field from → to); a ledger without users writes as it always did, unlogged."""
from __future__ import annotations

import dataclasses
import sqlite3
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

from ...domain.model import Account, Item, Party, PartyKind, Warehouse
from ...domain.money import (from_cents, from_qty_units, from_rate_units, from_unit_cost_units, to_cents,
                             to_qty_units, to_rate_units, to_unit_cost_units)
from ...domain.problems import Problem
from ...domain.roles import POSTS, may
from ...domain.validate import Masters, check_items, check_parties
from ..stores.schema import TABLES, upsert
from . import meta, users

if TYPE_CHECKING:
    from .. import Ledger


def _opt(value, convert):
    return None if value is None else convert(value)


_UPSERT = {name: upsert(name, tuple(TABLES[name]["columns"]), TABLES[name]["pk"])
           for name in ("items", "parties", "warehouses", "accounts")}
# each kind: its word, its table, its code field, its row as the ledger holds it
_ROW = {
    "items": lambda i: (i.sku, i.name, i.spec, i.unit, i.category, i.barcode, _opt(i.purchase_price, to_unit_cost_units),
                        _opt(i.sale_price, to_unit_cost_units), _opt(i.min_qty, to_qty_units),
                        _opt(i.max_qty, to_qty_units), int(i.inactive), _opt(i.tax_rate, to_rate_units)),
    "parties": lambda p: (p.code, p.name, p.kind.value, p.contact, p.phone, p.address, _opt(p.credit_limit, to_cents),
                          p.terms_days, _opt(p.tax_rate, to_rate_units)),
    "warehouses": lambda w: (w.code, w.name),
    "accounts": lambda a: (a.code, a.name, a.kind.value, a.number, int(a.inactive))}
KINDS = (("商品", "items", "sku"), ("往来单位", "parties", "code"), ("仓库", "warehouses", "code"),
         ("账户", "accounts", "code"))
# a master's fields in the workbook's words, Chinese and English (the note, the audit log)
FIELDS = {"name": ("名称", "Name"), "spec": ("规格", "Spec"), "unit": ("单位", "Unit"),
          "category": ("类别", "Category"), "barcode": ("条码", "Barcode"),
          "purchase_price": ("参考进价", "PurchasePrice"), "sale_price": ("参考售价", "SalePrice"),
          "min_qty": ("安全库存", "MinQty"), "max_qty": ("最高库存", "MaxQty"), "inactive": ("停用", "Inactive"),
          "tax_rate": ("税率", "TaxRate"), "kind": ("类型", "Kind"), "contact": ("联系人", "Contact"),
          "phone": ("电话", "Phone"), "address": ("地址", "Address"), "credit_limit": ("信用额度", "CreditLimit"),
          "terms_days": ("账期天数", "TermsDays"), "number": ("账号", "Number")}
SHOWN = 3                       # masters named in the note that keeps the books' stand; the rest counted


def write(conn: sqlite3.Connection, items: list[Item], parties: list[Party],
          warehouses: list[Warehouse], accounts: list[Account] = ()) -> list[Problem]:
    """Store the masters (inside the caller's transaction); those with a figure the ledger cannot
    hold are left out and come back as problems (doc_no is the master's code)."""
    given, problems = _fitting(items, parties, warehouses, accounts)
    _write_rows(conn, given)
    return problems


def _fitting(items, parties, warehouses, accounts) -> tuple[dict[str, list], list[Problem]]:
    item_problems, party_problems = check_items(items), check_parties(parties)
    items = [i for i in items if i.sku not in {p.doc_no for p in item_problems}]
    parties = [p for p in parties if p.code not in {p.doc_no for p in party_problems}]
    return ({"items": list(items), "parties": list(parties), "warehouses": list(warehouses),
             "accounts": list(accounts)}, item_problems + party_problems)


def _write_rows(conn, given: dict[str, list]) -> None:
    for table, masters in given.items():
        conn.executemany(_UPSERT[table], [_ROW[table](m) for m in masters])


def store(ledger: Ledger, items: list[Item], parties: list[Party], warehouses: list[Warehouse],
          accounts: list[Account], user: str | None, workbook: str) -> list[Problem]:
    """The workbook's masters into the books by the rule above, in one transaction: the problems
    of figures the ledger cannot hold, then (if any) the one "masters_kept" and "masters_not_added"."""
    with ledger._transaction():
        conn = ledger.conn
        given, problems = _fitting(items, parties, warehouses, accounts)
        if not users.all_users(conn):
            _write_rows(conn, given)
            return problems
        rights, books, said = _rights(conn, user), read(conn).tables(), _Said()
        for word, table, code_field in KINDS:
            given[table] = _settle(word, table, code_field, books[_KIND[table]], given[table], rights, said)
        _write_rows(conn, given)
        for line in said.log:
            meta.log(ledger, "masters", line, user, workbook)
    return problems + _kept_problem(said.kept) + ([Problem("masters_not_added", args={
        "value": _few(said.refused), "value_en": _few(said.refused, ", ")})] if said.refused else [])


@dataclasses.dataclass
class _Said:
    log: list[str] = dataclasses.field(default_factory=list)                  # audit rows
    kept: list[tuple[str, list[str]]] = dataclasses.field(default_factory=list)    # master, its fields
    refused: list[str] = dataclasses.field(default_factory=list)              # masters not added


def _settle(word: str, table: str, code_field: str, held: dict, masters: list, rights: tuple[bool, bool],
            said: _Said) -> list:
    """Of one kind's ``masters``, those to write (new ones one may add, changed ones one may
    change); what is logged, kept or refused goes to ``said``."""
    adds, changes = rights
    folded = {code.casefold(): code for code in held}
    written = []
    for master in masters:
        code = getattr(master, code_field)
        found = held.get(code) if changes else held.get(folded.get(code.casefold(), code))
        differ = [] if found is None else _differences(table, found, master, changes)
        if found is None and adds or differ and changes:
            written.append(master)
            said.log.append(f"新增 {word} {code}（{master.name}）" if found is None else f"{word} {code}：" + "；".join(
                f"{FIELDS[f][0]} {_shown(b)} → {_shown(g)}" for f, b, g in differ))
        elif found is None:
            said.refused.append(f"{word} {code}")
        elif differ:
            said.kept.append((f"{word} {getattr(found, code_field)}", [f for f, _, _ in differ]))
    return written


_KIND = {"items": "item", "parties": "party", "warehouses": "warehouse", "accounts": "account"}


def _rights(conn, user: str | None) -> tuple[bool, bool]:
    """(may add, may change) for ``user`` on a ledger with users."""
    role = users.role_of(conn, meta.user_name(user))
    if role == "":
        return True, True
    changes = bool(role) and may(role, "masters")
    return changes or bool(role and POSTS[role]), changes


def _differences(table: str, books, given, changes: bool) -> list[tuple[str, object, object]]:
    """(field, the books' value, the workbook's) of each field where they differ, the workbook's
    read back as the ledger holds it; for one who may not change masters, a field left at its
    default (an empty cell) is no difference."""
    held = _MODEL[table](dict(zip(TABLES[table]["columns"], _ROW[table](given))))
    fields = type(held).model_fields
    return [(f, getattr(books, f), getattr(held, f)) for f in fields if f in FIELDS
            and getattr(books, f) != getattr(held, f) and (changes or getattr(held, f) != fields[f].default)]


def _shown(value: object) -> str:
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _few(names: list[str], sep: str = "、") -> str:
    more = f" 等 {len(names)} 个" if len(names) > SHOWN else ""
    return sep.join(names[:SHOWN]) + more


def _kept_problem(kept: list[tuple[str, list[str]]]) -> list[Problem]:
    """One problem naming the first few masters whose stand the books kept, and their fields."""
    if not kept:
        return []
    zh = [f"{master} 的 {'、'.join(FIELDS[f][0] for f in fields)}" for master, fields in kept]
    en = [f"{master}: {', '.join(FIELDS[f][1] for f in fields)}" for master, fields in kept]
    return [Problem("masters_kept", args={"value": _few(zh, "；"), "value_en": _few(en, "; ")})]


def effective(conn, given: Masters, user: str | None) -> Masters:
    """The masters a post checks against: the workbook's, but for one who may not change an
    existing master, the books' stand of each master the books hold (their 信用额度, 税率…)."""
    if not users.all_users(conn) or _rights(conn, user)[1]:
        return given
    books = read(conn).tables()
    tables = {}
    for kind, table in given.tables().items():
        folded = {code.casefold(): code for code in books[kind]}
        tables[kind] = {code: books[kind].get(folded.get(code.casefold(), code), master)
                        for code, master in table.items()}
    return dataclasses.replace(given, items=tables["item"], parties=tables["party"],
                               warehouses=tables["warehouse"], accounts=tables["account"])


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
    warehouses = {r["code"]: _warehouse(r) for r in conn.execute("SELECT * FROM warehouses")}
    accounts = {r["code"]: _account(r)
                for r in (conn.execute("SELECT * FROM accounts") if "accounts" in conn.tables() else ())}
    return Masters(items, parties, warehouses, accounts=accounts)


def _warehouse(r) -> Warehouse:
    return Warehouse(code=r["code"], name=r["name"])


def _account(r) -> Account:
    return Account(code=r["code"], name=r["name"], kind=r["kind"] or "other", number=r["number"] or "",
                   inactive=bool(r["inactive"]))


_MODEL = {"items": _item, "parties": _party, "warehouses": _warehouse, "accounts": _account}

__all__ = ["write", "read", "store", "effective"]
