"""The ledger's tables, the same on SQLite and PostgreSQL. Numbers are scaled integers (see money).

A ledger keeps its schema version in ``meta``; an SQLite file also says what it is in its header
(``application_id``, ``user_version``) so that no other program's database is ever taken for one.
The tables are made from :data:`TABLES` by one DDL for both engines (sqlite-utils, which made them
before, speaks SQLite only); each engine's column types come with its connection.
"""
from __future__ import annotations

import uuid
from typing import Callable

from ..errors import LedgerError

SCHEMA_VERSION = 15

# Who posted, when and from where: a document's batch stamps and the cell its row began at. Its lines
# keep their own cell; its entries and movements keep neither (their document's, joined where read).
_STAMP = {"batch": int, "posted_at": str, "user": str, "workbook": str}
_CELL = {"sheet": str, "row": int}
_SOURCE = {**_STAMP, **_CELL}

TABLES: dict[str, dict] = {
    "meta": {"columns": {"key": str, "value": str}, "pk": "key"},
    "items": {"columns": {"sku": str, "name": str, "spec": str, "unit": str, "category": str,
                          "barcode": str, "purchase_price": int, "sale_price": int, "min_qty": int,
                          "max_qty": int, "inactive": int, "tax_rate": int}, "pk": "sku"},
    "parties": {"columns": {"code": str, "name": str, "kind": str, "contact": str, "phone": str,
                            "address": str, "credit_limit": int, "terms_days": int, "tax_rate": int}, "pk": "code"},
    "warehouses": {"columns": {"code": str, "name": str}, "pk": "code"},
    "batches": {"columns": {"id": int, "posted_at": str, "user": str, "workbook": str, "note": str},
                "pk": "id"},
    # One row per posted document (and per reversal). Never updated except reversed_by,
    # raw_hash, a cache of how its rows looked in the workbook (to skip re-reading them), and
    # pos when its day is renumbered (its order kept). pos, on every table: domain.order's key.
    "documents": {"columns": {"id": int, "journal": str, "doc_no": str, "revision": int,
                              "reversal": int, "type": str, "date": str, "pos": int, "party": str,
                              "warehouse": str, "to_warehouse": str, "source_doc_no": str,
                              "source_doc": int, "amount": int, "method": str, "note": str,
                              "fingerprint": str, "reverses": int, "reversed_by": int,
                              "raw_hash": str, **_SOURCE,
                              "credit_over": int,        # cents a shipment took its customer over the credit limit
                              # 发票类型 of a purchase (special/ordinary/none) and whether its 税额 is
                              # deductible 进项税额 (一般纳税人 and 专票), both fixed when it was posted
                              "invoice_type": str, "deductible": int,
                              # 资金: the account money moved through (a 转账's paying one and its
                              # to_account), a 费用/其他收入's category, the order a 预收/预付 is for
                              "account": str, "to_account": str, "category": str, "order_doc": int},
                  "pk": "id"},
    # Document lines as posted; qty in 1e-4, price and unit_cost in 1e-6, amount in cents.
    # order_line: the order line a receipt or shipment line fulfils; delivery_date: an order line's.
    # 增值税: tax_rate in 1e-6 (13% is 130000), price_with_tax in 1e-6, tax and total_with_tax (价税合计) in
    # cents, amount + tax = total_with_tax on every priced line; covers: the document an invoice line covers.
    "lines": {"columns": {"id": int, "doc": int, "line_no": int, "item": str, "qty": int,
                          "price": int, "amount": int, "unit_cost": int, "source_line": int,
                          "note": str, **_CELL, "order_line": int, "delivery_date": str,
                          "tax_rate": int, "price_with_tax": int, "tax": int, "total_with_tax": int, "covers": int},
              "pk": "id"},
    # Stock movements. The inputs (rule, base_qty, fixed_value, link…) are facts; the outputs
    # (qty, value, balances) are what costing decided and are rewritten when a back-dated
    # document recosts what follows it. The largest table, kept narrow: who posted it, when and
    # from where are its document's (batch → batches) and its line's (sheet, row), joined where read.
    "movements": {"columns": {"id": int, "doc": int, "line": int, "leg": int, "date": str,
                              "pos": int, "item": str, "warehouse": str, "direction": int,
                              "rule": str, "base_qty": int, "fixed_value": int,
                              "given_unit_cost": int, "link": int, "link_qty": int,
                              "qty": int, "value": int, "unit_cost": int, "bal_qty": int,
                              "bal_value": int, "last_unit": int,
                              "touched": int,          # the batch that last wrote its figures
                              }, "pk": "id"},
    # Receivable (AR) and payable (AP) entries: + raises what is owed, − lowers it. kind "advance":
    # a 预收/预付 held apart (−) or applied by a 核销 (+), for order_doc's fulfilments only when set;
    # applies_to: the document a 核销's credit settles first.
    "party_entries": {"columns": {"id": int, "doc": int, "date": str, "party": str, "side": str,
                                  "amount": int, "due_date": str, "link": int,
                                  "kind": str, "order_doc": int, "applies_to": int},
                      "pk": "id"},
    # 账户: where money is kept; and each movement of money in (+) or out (−) of one.
    "accounts": {"columns": {"code": str, "name": str, "kind": str, "number": str, "inactive": int}, "pk": "code"},
    "cash_entries": {"columns": {"id": int, "doc": int, "date": str, "pos": int, "account": str, "amount": int,
                                 "party": str, "link": int}, "pk": "id"},
    # 凭证 exported (jxc vouchers): the voucher number each document was exported under, until voided.
    "voucher_exports": {"columns": {"id": int, "voucher_no": int, "doc": int, "date": str, "exported_at": str,
                                    "user": str, "workbook": str, "voided_at": str, "voided_by": str}, "pk": "id"},
    # Every item × warehouse that has movements: stock as of a date reads the balance each key's
    # last movement before it carries (one indexed seek per key) instead of summing them all.
    "stock_keys": {"columns": {"item": str, "warehouse": str}, "pk": ("item", "warehouse")},
    # 结账: each close of the books through a day, and its snapshot — every key's stock and every
    # party's balance that day — standing until the period is reopened (verify() holds it to the
    # movements).
    "closes": {"columns": {"id": int, "through": str, "closed_at": str, "user": str, "workbook": str,
                           "reopened_at": str, "reopened_by": str}, "pk": "id"},
    "closing_stock": {"columns": {"close": int, "item": str, "warehouse": str, "qty": int, "value": int},
                      "pk": ("close", "item", "warehouse")},
    # The ledger's users and their roles (once there is one, who may post what is enforced).
    "users": {"columns": {"name": str, "role": str, "active": int, "added_at": str, "added_by": str}, "pk": "name"},
    "closing_balances": {"columns": {"close": int, "party": str, "side": str, "amount": int},
                         "pk": ("close", "party", "side")},
    # 关闭订单 (短交/结案): what each item of an order had open when it was closed, until undone.
    "order_closes": {"columns": {"id": int, "doc": int, "item": str, "qty": int, "date": str, "at": str,
                                 "user": str, "workbook": str, "undone_at": str, "undone_by": str}, "pk": "id"},
    # A posted 盘点 line whose difference a later batch changed (the counted quantity stands; the
    # book quantity moved under it): the count movement, its difference before and after, the
    # batch that changed it — standing until someone accepts it (or the count is reversed).
    "count_changes": {"columns": {"id": int, "movement": int, "batch": int, "old_qty": int, "new_qty": int,
                                  "accepted_at": str, "accepted_by": str}, "pk": "id"},
    # 过账需审核: a document submitted and waiting for 审核 (never a figure of the books). One row per
    # version submitted, kept: state waiting, then approved (batch: the post it became), rejected
    # (reason) or replaced (the clerk changed it and submitted again). ``document`` is the Document
    # as typed (JSON), posted on approval as any post; ``amount`` (cents) what the 待审核 sheet shows.
    "pending": {"columns": {"id": int, "journal": str, "doc_no": str, "type": str, "date": str, "party": str,
                            "amount": int, "document": str, "fingerprint": str, "submitted_by": str,
                            "submitted_at": str, "workbook": str, "sheet": str, "row": int, "state": str,
                            "decided_by": str, "decided_at": str, "reason": str, "batch": int}, "pk": "id"},
    # Who did what to the books, when and from where: posts, reversals, closes, users, refusals.
    "audit": {"columns": {"id": int, "at": str, "user": str, "action": str, "detail": str,
                          "workbook": str, "machine": str}, "pk": "id"},
}

# The columns that say what things cost (成本单价, 库存金额, 销售成本 …): 采购 and 销售 may not read them
# (domain.roles.sees_costs) — on a server their departments are not granted them (see grants).
COSTS = {"movements": ("fixed_value", "given_unit_cost", "value", "unit_cost", "bal_value", "last_unit"),
         "lines": ("unit_cost",), "closing_stock": ("value",)}

INDEXES = [
    ("documents", ["journal", "doc_no", "revision", "reversal"], True),
    ("documents", ["pos"], False),         # a day's documents, read where a new one takes its slot
    ("lines", ["doc"], False),
    # Partial (schema 15): most lines link to nothing — a return's source line, a fulfilment's order
    # line, an invoice's covered document — and a link is only ever looked up by its value, so only
    # the lines that have one are indexed (measured on bench's 100,000 lines, none linked: with the
    # three and movements.link full, Ledger.post −0.25 to −0.3 s of ~5.6 s when made partial).
    ("lines", ["source_line"], False, "source_line IS NOT NULL"),
    ("lines", ["order_line"], False, "order_line IS NOT NULL"),
    ("lines", ["covers"], False, "covers IS NOT NULL"),
    ("order_closes", ["doc"], False),
    ("count_changes", ["movement", "batch"], True),
    # The movements' indexes, measured one at a time (issue 24: Ledger.post of 50,000 bench lines into
    # a fresh ledger with all five, then with each dropped; the machine under load, so ±0.2 s): each
    # costs the post 0.1–0.4 s of 3.5–3.7 s, and each pays where it is read — without (item,
    # warehouse, pos) stock as of a date took 30 s instead of 0.04 s, a month's 进销存汇总 34 s instead of
    # 0.05 s and verify 59 s instead of 0.7 s; without link a reversal 84 ms instead of 55 ms; without
    # the journal's order the 进销存汇总 115 ms instead of 47 ms; doc and line are what a reversal, the
    # 毛利 report and a count's or a source line's movement are found by (lines → movements). All kept.
    ("movements", ["item", "warehouse", "pos"], False),
    ("movements", ["link"], False, "link IS NOT NULL"),
    ("movements", ["doc"], False),
    ("movements", ["line"], False),
    ("movements", ["date", "pos", "warehouse", "id"], False),      # the journal's order
    ("party_entries", ["party", "side", "date"], False),
    ("party_entries", ["doc"], False),
    ("cash_entries", ["account", "pos"], False),
    ("cash_entries", ["doc"], False),
    ("voucher_exports", ["doc"], False),
    ("pending", ["journal", "doc_no"], False),
]




def identify(conn, path: str) -> int | None:
    """The schema version of the jxc ledger behind ``conn``, or None for an empty database.

    A database that holds tables and is not ours (another application id, or none and no
    jxc ``meta``/``documents``/``movements``) is refused before anything is written to it.
    """
    header, tables = conn.header(), conn.tables()
    if header == "other":
        raise LedgerError("foreign", path)
    if not tables:
        return None
    version = None
    if {"meta", "documents", "movements"} <= tables and {"key", "value"} <= conn.columns("meta"):
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row is not None and str(row[0]).isdigit() and int(row[0]) > 0 else None
    if version is None:
        raise LedgerError("corrupt" if header == "jxc" else "foreign", path, detail="meta.schema_version")
    if version > SCHEMA_VERSION:
        raise LedgerError("newer", path, version=version, known=SCHEMA_VERSION)
    return version


def build(conn, path: str, create: bool = True) -> None:
    """Create the schema of a new ledger or upgrade an old one, in one write transaction.

    Several processes may open the same new ledger at once: the first to get the write lock
    creates everything; the others wait on it, look again inside their own transaction, and
    find the ledger made.
    """
    with Transaction(conn):
        version = identify(conn, path)
        if version is None and not create:
            raise LedgerError("missing", path)
        if version is not None and version >= SCHEMA_VERSION:
            return
        if version is not None:
            conn.drop_views()            # (an upgrade may change the columns they show; secure() makes them again)
        for step in [_create] if version is None else _UPGRADES[version - 1:]:
            step(conn)
        _stamp(conn)


def has_table(conn, name: str) -> bool:
    return name in conn.tables()


# What the questions can do without (an old ledger read as it is, which cannot be upgraded).
_LATER = {"audit", "stock_keys", "closes", "closing_stock", "closing_balances", "order_closes", "users",
          "count_changes", "accounts", "cash_entries", "voucher_exports", "pending"}
_TAX_COLUMNS = {"lines": {"tax_rate": int, "price_with_tax": int, "tax": int, "total_with_tax": int, "covers": int},
                "documents": {"invoice_type": str, "deductible": int}, "items": {"tax_rate": int},
                "parties": {"tax_rate": int}}
_MONEY_COLUMNS = {"documents": {"account": str, "to_account": str, "category": str, "order_doc": int},
                  "party_entries": {"kind": str, "order_doc": int, "applies_to": int}}
_LATER_COLUMNS = {"lines": {"order_line", "delivery_date", *_TAX_COLUMNS["lines"]},
                  "documents": {"credit_over", *_TAX_COLUMNS["documents"], *_MONEY_COLUMNS["documents"]},
                  "items": {"tax_rate"}, "parties": {"tax_rate"}, "party_entries": set(_MONEY_COLUMNS["party_entries"])}


def readable(conn) -> bool:
    """Whether the tables and columns the questions read are all there (an older ledger
    opened read-only, which cannot be upgraded), its order keys integers (schema 13)."""
    from ..engine import slots
    if slots.texts(conn):
        return False
    for name, spec in TABLES.items():
        if name not in _LATER and not set(spec["columns"]) - _LATER_COLUMNS.get(name, set()) <= conn.columns(name):
            return False
    return True


def quoted(column: str) -> str:
    """A column name as SQL writes it: ``user`` is a keyword to PostgreSQL."""
    return f'"{column}"' if column == "user" else column


def upsert(table: str, columns: tuple[str, ...] | list[str], key: tuple[str, ...] | str) -> str:
    """INSERT … ON CONFLICT DO UPDATE of every other column: the one upsert both engines know."""
    key = (key,) if isinstance(key, str) else key
    rest = [c for c in columns if c not in key]
    action = f"DO UPDATE SET {', '.join(f'{quoted(c)} = excluded.{quoted(c)}' for c in rest)}" if rest else "DO NOTHING"
    return (f"INSERT INTO {table} ({', '.join(map(quoted, columns))}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT ({', '.join(key)}) {action}")


def _create(conn) -> None:
    for name in TABLES:
        _table(conn, name)
    _indexes(conn)


def _table(conn, name: str) -> None:
    """``CREATE TABLE`` from the spec; a single integer ``id`` key numbers itself (SQLite's rowid,
    a PostgreSQL identity) when an insert leaves it out."""
    spec, types = TABLES[name], conn.types
    pk = spec["pk"]
    columns = []
    for column, kind in spec["columns"].items():
        if column == pk and kind is int:
            columns.append(f"id {conn.serial}")
        else:
            columns.append(f"{quoted(column)} {types[kind]}{' PRIMARY KEY' if column == pk else ''}")
    if isinstance(pk, tuple):
        columns.append(f"PRIMARY KEY ({', '.join(pk)})")
    conn.execute(f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(columns)})")


def _stamp(conn) -> None:
    """Mark the database as a jxc ledger of this schema version."""
    conn.stamp(SCHEMA_VERSION)
    conn.execute(upsert("meta", ("key", "value"), "key"), ("schema_version", str(SCHEMA_VERSION)))
    conn.execute("INSERT INTO meta(key, value) VALUES ('ledger_id', ?) ON CONFLICT (key) DO NOTHING",
                 (uuid.uuid4().hex[:12],))
    conn.secure()


def _indexes(conn) -> None:
    """Named as sqlite-utils named them, so ledgers it made have the same indexes."""
    for table, columns, unique, *where in INDEXES:
        conn.execute(f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS {_index_name(table, columns)} "
                     f"ON {table} ({', '.join(columns)}){''.join(f' WHERE {w}' for w in where)}")


def _index_name(table: str, columns: list[str]) -> str:
    return f"idx_{table}_{'_'.join(columns)}"


def _upgrade_to_2(conn) -> None:
    """Version 1 ledgers: every movement counts as written by its own batch (its document's); the
    journal index."""
    conn.execute("ALTER TABLE movements ADD COLUMN touched INTEGER")
    conn.execute("UPDATE movements SET touched = (SELECT batch FROM documents d WHERE d.id = movements.doc)")
    _indexes(conn)


def _upgrade_to_3(conn) -> None:
    """Version 2 ledgers: the audit table (the header stamp and ledger id come with _stamp)."""
    _table(conn, "audit")


def _upgrade_to_4(conn) -> None:
    """Version 3 ledgers: the item × warehouse keys, from the movements."""
    _table(conn, "stock_keys")
    conn.execute("INSERT INTO stock_keys SELECT DISTINCT item, warehouse FROM movements WHERE true "
                 "ON CONFLICT DO NOTHING")


def _upgrade_to_5(conn) -> None:
    """Version 4 ledgers: the closes and their snapshots (a date closed before has none: it
    stands as it is, and the next close takes a snapshot)."""
    for name in ("closes", "closing_stock", "closing_balances"):
        _table(conn, name)


def _upgrade_to_6(conn) -> None:
    """Version 5 ledgers: orders — the order line a line fulfils, an order line's delivery date,
    and the order closes; by how much a shipment went over its customer's credit limit."""
    for table, column, kind in (("lines", "order_line", int), ("lines", "delivery_date", str),
                                ("documents", "credit_over", int)):
        if column not in conn.columns(table):
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {conn.types[kind]}")
    _table(conn, "order_closes")
    _indexes(conn)


def _upgrade_to_7(conn) -> None:
    """Version 6 ledgers: the users and their roles."""
    _table(conn, "users")


def _upgrade_to_8(conn) -> None:
    """Version 7 ledgers: the changes later posts made to posted counts' differences (none is
    known from before: they start being recorded now)."""
    _table(conn, "count_changes")
    _indexes(conn)


def _upgrade_to_9(conn) -> None:
    """Version 8 ledgers, costed by the earlier conventions: this version's start the day after
    the closed period, and everything after it is recosted by them (see ledger.conventions)."""
    from ..engine import conventions, slots
    if slots.texts(conn):            # (the recost below reads integer keys: schema 13's, made now)
        slots.upgrade(conn)
    conventions.upgrade(conn)


def _upgrade_to_10(conn) -> None:
    """Version 9 ledgers: 增值税. Every line posted before had no tax: its 价税合计 is its 金额;
    no purchase's tax was deductible (there was none)."""
    _add_columns(conn, _TAX_COLUMNS)
    conn.execute("UPDATE lines SET tax_rate = 0, tax = 0, total_with_tax = amount WHERE amount IS NOT NULL")
    conn.execute("UPDATE documents SET deductible = 0 WHERE journal = 'purchases'")
    _indexes(conn)


def _upgrade_to_11(conn) -> None:
    """Version 10 ledgers: 资金 — accounts, money movements, advances and 核销, exported vouchers.
    Money posted before moved through no account (none was kept): it stays so."""
    _add_columns(conn, _MONEY_COLUMNS)
    conn.execute("UPDATE party_entries SET kind = '' WHERE kind IS NULL")
    for name in ("accounts", "cash_entries", "voucher_exports"):
        _table(conn, name)
    _indexes(conn)


def _upgrade_to_12(conn) -> None:
    """Version 11 ledgers: slim movements — their batch stamps and source cell are their
    document's and their line's, which hold the same (posting wrote both from one Stamp)."""
    present = conn.columns("movements")
    for column in _SOURCE:
        if column in present:        # (a policy naming it on a server goes with it; secure() makes them again)
            conn.execute(f"ALTER TABLE movements DROP COLUMN {quoted(column)}{conn.cascade}")


def _upgrade_to_13(conn) -> None:
    """Version 12 ledgers: the order key an integer (domain.order), every book's order kept."""
    from ..engine import slots
    if slots.texts(conn):            # (one upgraded from version 8 or older was given them at 9)
        slots.upgrade(conn)
    _indexes(conn)


def _upgrade_to_14(conn) -> None:
    """Version 13 ledgers: documents waiting for 审核 (none waited before)."""
    _table(conn, "pending")
    _indexes(conn)


def _upgrade_to_15(conn) -> None:
    """Version 14 ledgers: slim lines and entries — who posted them, when and from which workbook
    are their document's (posting wrote all from one Stamp; a line keeps its own cell, an entry
    neither); the links' indexes partial (made again below)."""
    for table, keep in (("lines", _CELL), ("party_entries", {}), ("cash_entries", {})):
        present = conn.columns(table)
        for column in _SOURCE.keys() - keep.keys():
            if column in present:
                conn.execute(f"ALTER TABLE {table} DROP COLUMN {quoted(column)}{conn.cascade}")
    for table, columns, _unique, *where in INDEXES:
        if where:
            conn.execute(f"DROP INDEX IF EXISTS {_index_name(table, columns)}")
    _indexes(conn)


def _add_columns(conn, columns: dict[str, dict[str, type]]) -> None:
    for table, more in columns.items():
        for column, kind in more.items():
            if column not in conn.columns(table):
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {conn.types[kind]}")


# _UPGRADES[v - 1] takes version v to v + 1
_UPGRADES: list[Callable] = [_upgrade_to_2, _upgrade_to_3, _upgrade_to_4, _upgrade_to_5, _upgrade_to_6,
                             _upgrade_to_7, _upgrade_to_8, _upgrade_to_9, _upgrade_to_10, _upgrade_to_11,
                             _upgrade_to_12, _upgrade_to_13, _upgrade_to_14, _upgrade_to_15]


class Transaction:
    """A write transaction (the engine's write lock taken) committed at the end, or rolled back
    on any exception (or when asked). ``waiting`` is told when another post holds the lock."""

    def __init__(self, conn, waiting: Callable[[], None] | None = None):
        self.conn, self.waiting = conn, waiting
        self._rolled_back = False

    def __enter__(self) -> "Transaction":
        self.conn.begin(self.waiting)
        return self

    def rollback(self) -> None:
        self.conn.end(commit=False)
        self._rolled_back = True

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self._rolled_back:
            self.conn.end(commit=exc_type is None)
