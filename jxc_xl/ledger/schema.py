"""The ledger's tables, created with sqlite-utils. Numbers are scaled integers (see money)."""
from __future__ import annotations

import sqlite3

import sqlite_utils

SCHEMA_VERSION = 2

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
                              "raw_hash": str, **_SOURCE},
                  "pk": "id"},
    # Document lines as posted; qty in 1e-4, price and unit_cost in 1e-6, amount in cents.
    "lines": {"columns": {"id": int, "doc": int, "line_no": int, "item": str, "qty": int,
                          "price": int, "amount": int, "unit_cost": int, "source_line": int,
                          "note": str, **_SOURCE}, "pk": "id"},
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
}

INDEXES = [
    ("documents", ["journal", "doc_no", "revision", "reversal"], True),
    ("lines", ["doc"], False),
    ("lines", ["source_line"], False),
    ("movements", ["item", "warehouse", "pos"], False),
    ("movements", ["link"], False),
    ("movements", ["doc"], False),
    ("movements", ["line"], False),
    ("movements", ["date", "pos", "warehouse", "id"], False),      # the journal's order
    ("party_entries", ["party", "side", "date"], False),
    ("party_entries", ["doc"], False),
]


def connect(path: str) -> sqlite3.Connection:
    """One place opens the ledger: WAL, a busy timeout, and explicit transactions only."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def ensure(conn: sqlite3.Connection) -> sqlite_utils.Database:
    db = sqlite_utils.Database(conn)
    if "meta" in db.table_names():
        if "touched" not in db["movements"].columns_dict:
            _upgrade_to_2(db)
        return db
    with Transaction(conn):
        for name, spec in TABLES.items():
            db[name].create(spec["columns"], pk=spec["pk"], not_null={spec["pk"]})
        _indexes(db)
        conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    return db


def _indexes(db: sqlite_utils.Database) -> None:
    for table, columns, unique in INDEXES:
        db[table].create_index(columns, unique=unique, if_not_exists=True)


def _upgrade_to_2(db: sqlite_utils.Database) -> None:
    """Version 1 ledgers: every movement counts as written by its own batch; the journal index."""
    with Transaction(db.conn):
        db.conn.execute("ALTER TABLE movements ADD COLUMN touched INTEGER")
        db.conn.execute("UPDATE movements SET touched = batch")
        _indexes(db)
        db.conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


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
