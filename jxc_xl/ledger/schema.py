"""The ledger's tables, created with sqlite-utils. Numbers are scaled integers (see money).

A ledger says what it is in its SQLite header: ``application_id`` is :data:`APPLICATION_ID`
and ``user_version`` the schema version, so that no other program's database is ever taken
for one (and ``file`` or any SQLite tool can tell). The version is also kept in ``meta``,
which is how ledgers made before the stamp are recognised.
"""
from __future__ import annotations

import sqlite3
import uuid
from typing import TYPE_CHECKING

from .errors import LedgerError

if TYPE_CHECKING:
    import sqlite_utils

SCHEMA_VERSION = 7
APPLICATION_ID = int.from_bytes(b"JXCL", "big")

_SOURCE = {"batch": int, "posted_at": str, "user": str, "workbook": str, "sheet": str, "row": int}

TABLES: dict[str, dict] = {
    "meta": {"columns": {"key": str, "value": str}, "pk": "key"},
    "items": {"columns": {"sku": str, "name": str, "spec": str, "unit": str, "category": str,
                          "barcode": str, "purchase_price": int, "sale_price": int, "min_qty": int,
                          "max_qty": int, "inactive": int}, "pk": "sku"},
    "parties": {"columns": {"code": str, "name": str, "kind": str, "contact": str, "phone": str,
                            "address": str, "credit_limit": int, "terms_days": int}, "pk": "code"},
    "warehouses": {"columns": {"code": str, "name": str}, "pk": "code"},
    "batches": {"columns": {"id": int, "posted_at": str, "user": str, "workbook": str, "note": str},
                "pk": "id"},
    # One row per posted document (and per reversal). Never updated except reversed_by and
    # raw_hash, a cache of how its rows looked in the workbook (to skip re-reading them).
    "documents": {"columns": {"id": int, "journal": str, "doc_no": str, "revision": int,
                              "reversal": int, "type": str, "date": str, "pos": str, "party": str,
                              "warehouse": str, "to_warehouse": str, "source_doc_no": str,
                              "source_doc": int, "amount": int, "method": str, "note": str,
                              "fingerprint": str, "reverses": int, "reversed_by": int,
                              "raw_hash": str, **_SOURCE,
                              "credit_over": int},       # cents a shipment took its customer over the credit limit
                  "pk": "id"},
    # Document lines as posted; qty in 1e-4, price and unit_cost in 1e-6, amount in cents.
    # order_line: the order line a receipt or shipment line fulfils; delivery_date: an order line's.
    "lines": {"columns": {"id": int, "doc": int, "line_no": int, "item": str, "qty": int,
                          "price": int, "amount": int, "unit_cost": int, "source_line": int,
                          "note": str, **_SOURCE, "order_line": int, "delivery_date": str}, "pk": "id"},
    # Stock movements. The inputs (rule, base_qty, fixed_value, link…) are facts; the outputs
    # (qty, value, balances) are what costing decided and are rewritten when a back-dated
    # document recosts what follows it.
    "movements": {"columns": {"id": int, "doc": int, "line": int, "leg": int, "date": str,
                              "pos": str, "item": str, "warehouse": str, "direction": int,
                              "rule": str, "base_qty": int, "fixed_value": int,
                              "given_unit_cost": int, "link": int, "link_qty": int,
                              "qty": int, "value": int, "unit_cost": int, "bal_qty": int,
                              "bal_value": int, "last_unit": int,
                              "touched": int,          # the batch that last wrote its figures
                              **_SOURCE}, "pk": "id"},
    # Receivable (AR) and payable (AP) entries: + raises what is owed, − lowers it.
    "party_entries": {"columns": {"id": int, "doc": int, "date": str, "party": str, "side": str,
                                  "amount": int, "due_date": str, "link": int, **_SOURCE},
                      "pk": "id"},
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
    # Who did what to the books, when and from where: closing and reopening periods so far.
    "audit": {"columns": {"id": int, "at": str, "user": str, "action": str, "detail": str,
                          "workbook": str, "machine": str}, "pk": "id"},
}

INDEXES = [
    ("documents", ["journal", "doc_no", "revision", "reversal"], True),
    ("lines", ["doc"], False),
    ("lines", ["source_line"], False),
    ("lines", ["order_line"], False),
    ("order_closes", ["doc"], False),
    ("movements", ["item", "warehouse", "pos"], False),
    ("movements", ["link"], False),
    ("movements", ["doc"], False),
    ("movements", ["line"], False),
    ("movements", ["date", "pos", "warehouse", "id"], False),      # the journal's order
    ("party_entries", ["party", "side", "date"], False),
    ("party_entries", ["doc"], False),
]


def identify(conn: sqlite3.Connection, path: str) -> int | None:
    """The schema version of the jxc ledger behind ``conn``, or None for an empty database.

    A database that holds tables and is not ours (another application id, or none and no
    jxc ``meta``/``documents``/``movements``) is refused before anything is written to it.
    """
    app = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if app not in (0, APPLICATION_ID):
        raise LedgerError("foreign", path)
    if not tables:
        return None
    version = None
    if {"meta", "documents", "movements"} <= tables:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:        # a "meta" table of some other shape
            row = None
        version = int(row[0]) if row is not None and str(row[0]).isdigit() and int(row[0]) > 0 else None
    if version is None:
        raise LedgerError("corrupt" if app else "foreign", path, detail="meta.schema_version")
    if version > SCHEMA_VERSION:
        raise LedgerError("newer", path, version=version, known=SCHEMA_VERSION)
    return version


def build(conn: sqlite3.Connection, path: str, create: bool = True) -> None:
    """Create the schema of a new ledger or upgrade an old one, in one write transaction.

    Several processes may open the same new file at once: the first to get the write lock
    creates everything; the others wait on it (busy timeout), look again inside their own
    transaction, and find the ledger made.
    """
    with Transaction(conn):
        version = identify(conn, path)
        if version is None and not create:
            raise LedgerError("missing", path)
        if version is not None and version >= SCHEMA_VERSION:
            return
        import sqlite_utils            # only to create or upgrade: importing it costs every run 0.18 s
        if version is None:
            _create(sqlite_utils.Database(conn))
        else:
            db = sqlite_utils.Database(conn)
            for upgrade in _UPGRADES[version - 1:]:
                upgrade(db)
        _stamp(conn)


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


# What the questions can do without (an old ledger read as it is, which cannot be upgraded).
_LATER = {"audit", "stock_keys", "closes", "closing_stock", "closing_balances", "order_closes", "users"}
_LATER_COLUMNS = {"lines": {"order_line", "delivery_date"}, "documents": {"credit_over"}}


def readable(conn: sqlite3.Connection) -> bool:
    """Whether the tables and columns the questions read are all there (an older ledger
    opened read-only, which cannot be upgraded)."""
    for name, spec in TABLES.items():
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({name})")}
        if name not in _LATER and not set(spec["columns"]) - _LATER_COLUMNS.get(name, set()) <= have:
            return False
    return True


def _create(db: sqlite_utils.Database) -> None:
    for name in TABLES:
        _table(db, name)
    _indexes(db)


def _table(db: sqlite_utils.Database, name: str) -> None:
    spec = TABLES[name]
    pk = spec["pk"]
    db[name].create(spec["columns"], pk=pk, not_null=set(pk) if isinstance(pk, tuple) else {pk}, if_not_exists=True)


def _stamp(conn: sqlite3.Connection) -> None:
    """Mark the file as a jxc ledger of this schema version (header and meta)."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('ledger_id', ?)", (uuid.uuid4().hex[:12],))


def _indexes(db: sqlite_utils.Database) -> None:
    for table, columns, unique in INDEXES:
        db[table].create_index(columns, unique=unique, if_not_exists=True)


def _upgrade_to_2(db: sqlite_utils.Database) -> None:
    """Version 1 ledgers: every movement counts as written by its own batch; the journal index."""
    db.conn.execute("ALTER TABLE movements ADD COLUMN touched INTEGER")
    db.conn.execute("UPDATE movements SET touched = batch")
    _indexes(db)


def _upgrade_to_3(db: sqlite_utils.Database) -> None:
    """Version 2 ledgers: the audit table (the header stamp and ledger id come with _stamp)."""
    _table(db, "audit")


def _upgrade_to_4(db: sqlite_utils.Database) -> None:
    """Version 3 ledgers: the item × warehouse keys, from the movements."""
    _table(db, "stock_keys")
    db.conn.execute("INSERT OR IGNORE INTO stock_keys SELECT DISTINCT item, warehouse FROM movements")


def _upgrade_to_5(db: sqlite_utils.Database) -> None:
    """Version 4 ledgers: the closes and their snapshots (a date closed before has none: it
    stands as it is, and the next close takes a snapshot)."""
    for name in ("closes", "closing_stock", "closing_balances"):
        _table(db, name)


def _upgrade_to_6(db: sqlite_utils.Database) -> None:
    """Version 5 ledgers: orders — the order line a line fulfils, an order line's delivery date,
    and the order closes; by how much a shipment went over its customer's credit limit."""
    for table, column, kind in (("lines", "order_line", "INTEGER"), ("lines", "delivery_date", "TEXT"),
                                ("documents", "credit_over", "INTEGER")):
        if column not in {r[1] for r in db.conn.execute(f"PRAGMA table_info({table})")}:
            db.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    _table(db, "order_closes")
    _indexes(db)


def _upgrade_to_7(db: sqlite_utils.Database) -> None:
    """Version 6 ledgers: the users and their roles."""
    _table(db, "users")


_UPGRADES = [_upgrade_to_2, _upgrade_to_3, _upgrade_to_4, _upgrade_to_5, _upgrade_to_6, _upgrade_to_7]     # _UPGRADES[v - 1] takes version v to v + 1


class Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (or when asked)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._rolled_back = False

    def __enter__(self) -> "Transaction":
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def rollback(self) -> None:
        self.conn.execute("ROLLBACK")
        self._rolled_back = True

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._rolled_back:
            return
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
