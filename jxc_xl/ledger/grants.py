"""What the server itself lets each department do to the books (PostgreSQL only).

Every department of :mod:`jxc_xl.domain.roles` is a group role of its own database
(``<database>_sales`` …); each clerk logs in as a role that is a member of their department's.
The grants make the ledger append-only for every one of them — no DELETE anywhere; UPDATE only
of the columns posting rewrites (a movement's costs and balances when a back-dated document
recosts it, a document's digest, the 红字冲销 mark, a close's reopening); the audit log is
insert-only — and row-level security lets a department insert only the document types it may
post (its lines, movements and account entries only under such a document). The ledger's owner
(who ran ``jxc ledger init``) is not bound by them: it creates, upgrades and copies the books.
All of it comes from the roles' table, so the server and :mod:`.users` enforce the same rules.
"""
from __future__ import annotations

from ..domain.model import ORDER_TYPES
from ..domain.roles import ACTS, LABELS, POSTS
from .schema import TABLES

_COSTS = "qty, value, unit_cost, bal_qty, bal_value, last_unit, touched"
# table → privilege, for every department; for each that posts; for each that may an act
_EVERYONE = {"audit": "INSERT", "batches": "INSERT", "jxc_changes": "UPDATE"}
_POSTING = {"documents": "INSERT, UPDATE (raw_hash)", "lines": "INSERT", "movements": f"INSERT, UPDATE ({_COSTS})",
            "party_entries": "INSERT", "stock_keys": "INSERT", "items": "INSERT, UPDATE",
            "parties": "INSERT, UPDATE", "warehouses": "INSERT, UPDATE"}
_ORDERS = {"order_closes": "INSERT, UPDATE (undone_at, undone_by)"}
_ACTS = {"reverse": {"documents": "UPDATE (reversed_by)"},
         "close": {"closes": "INSERT, UPDATE (reopened_at, reopened_by)", "closing_stock": "INSERT",
                   "closing_balances": "INSERT", "meta": "INSERT, UPDATE (value)", **_ORDERS},
         "users": {"users": "INSERT, UPDATE", "meta": "INSERT, UPDATE (value)"}}
_UNDER_DOCUMENT = ("lines", "movements", "party_entries")     # rows that belong to one document


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def group(conn, code: str) -> str:
    """The database's group role of department ``code``."""
    return f"{conn.raw.info.dbname}_{code}"


def apply(conn) -> None:
    """Make the department roles and grant them what they may (again, after an upgrade)."""
    tables = [*TABLES, "jxc_changes"]
    for code in LABELS:
        name = ident(group(conn, code))
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (group(conn, code),)).fetchone() is None:
            conn.execute(f"CREATE ROLE {name} NOLOGIN")
        conn.execute(f"REVOKE ALL ON {', '.join(tables)} FROM {name}")
        conn.execute(f"GRANT SELECT ON {', '.join(tables)} TO {name}")
        for table, privilege in _privileges(code).items():
            for one in privilege:
                conn.execute(f"GRANT {one} ON {table} TO {name}")
        conn.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {ident(_schema(conn))} TO {name}")
    _row_security(conn)


def _privileges(code: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    parts = [_EVERYONE, _POSTING if POSTS[code] else {},
             _ORDERS if POSTS[code] & set(ORDER_TYPES) else {},
             *(_ACTS[a] for a in sorted(ACTS.get(code, ())))]
    for part in parts:
        for table, privilege in part.items():
            found.setdefault(table, []).append(privilege)
    return found


def _posted_types(code: str) -> str:
    """The documents department ``code`` may insert, as SQL: its types, and 红字冲销 of any if
    it may reverse."""
    types = ", ".join(f"'{t.value}'" for t in sorted(POSTS[code], key=lambda t: t.value)) or "NULL"
    return f"(type IN ({types}){' OR reversal = 1' if 'reverse' in ACTS.get(code, ()) else ''})"


def _row_security(conn) -> None:
    for table in ("documents", *_UNDER_DOCUMENT):
        conn.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for policy, rule in (("jxc_read", "FOR SELECT USING (true)"),
                             ("jxc_recost", "FOR UPDATE USING (true) WITH CHECK (true)")):
            conn.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
            conn.execute(f"CREATE POLICY {policy} ON {table} {rule}")
        for code in (c for c in LABELS if POSTS[c]):
            allowed = _posted_types(code)
            check = allowed if table == "documents" else (
                f"EXISTS (SELECT 1 FROM documents d WHERE d.id = doc AND {allowed.replace('type', 'd.type').replace('reversal', 'd.reversal')})")
            policy = ident(f"jxc_posts_{code}")
            conn.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
            conn.execute(f"CREATE POLICY {policy} ON {table} FOR INSERT TO {ident(group(conn, code))} WITH CHECK ({check})")


def _schema(conn) -> str:
    return conn.execute("SELECT current_schema()").fetchone()[0]


def enrol(conn, name: str, code: str, password: str | None) -> None:
    """Let ``name`` log in as a member of department ``code`` only (made if new; a password
    given is set; a former department's membership is taken away)."""
    role = ident(name)
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)).fetchone() is None:
        conn.execute(f"CREATE ROLE {role} LOGIN")
    else:
        conn.execute(f"ALTER ROLE {role} LOGIN")
    if password:
        conn.execute(f"ALTER ROLE {role} PASSWORD {_literal(conn, password)}")
    for other in LABELS:
        conn.execute(f"REVOKE {ident(group(conn, other))} FROM {role}")
    conn.execute(f"GRANT {ident(group(conn, code))} TO {role}")
    if code == "admin":
        conn.execute(f"ALTER ROLE {role} CREATEROLE")


def disable(conn, name: str) -> None:
    """``name`` can no longer log in, nor act through a department."""
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)).fetchone() is not None:
        conn.execute(f"ALTER ROLE {ident(name)} NOLOGIN")
        for other in LABELS:
            conn.execute(f"REVOKE {ident(group(conn, other))} FROM {ident(name)}")


def _literal(conn, text: str) -> str:
    """A string literal quoted by libpq (ALTER ROLE takes no parameters)."""
    from psycopg import sql
    return sql.Literal(text).as_string(conn.raw)
