"""The ledger on a PostgreSQL server (psycopg 3): its connection, and what only PostgreSQL says.

The ledger's code speaks the SQL both engines share with ``?`` parameters; :class:`Connection`
hands it to psycopg with ``%s`` and gives rows that answer by index and by name, and integer
sums as ints (PostgreSQL sums bigints as numeric), so the code above sees what it sees from
SQLite. Posts serialise on one advisory lock per ledger (see README, "多人使用"): a batch reads
and writes ids, running balances and recosting chains that cross items and warehouses, and the
lock makes it behave exactly as SQLite's write lock does while readers never wait.

Who may do what is enforced by the server (:mod:`.grants`): each clerk logs in as a database
role of their own, and the ledger user is that login, not a name the workbook gives.
"""
from __future__ import annotations

import contextlib
import functools
import re
from decimal import Decimal
from typing import Callable, Iterable, Iterator
from urllib.parse import parse_qsl, quote, urlsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import tuple_row
from psycopg.types.numeric import NumericLoader

from ..errors import LedgerError

LOCK_SECONDS = 120
IDLE_SECONDS = 600              # a PC gone mid-post holds the books no longer than this
_KEPT = ("user", "host", "port", "dbname", "sslmode")     # all a workbook's URL may say to libpq
COPIED_FROM = 1000              # rows Connection.update_rows sets through a temp table (see there)
_POST_LOCK = 0x4A58434C         # "JXCL": the advisory lock a write transaction takes on a new database
# The ledger's write lock: the change counter's row, locked FOR UPDATE — which needs UPDATE on it, the
# owner's alone, so no clerk in psql can take it and stall the poster (an advisory lock needs no
# privilege at all). Before the counter exists (a database being made a ledger) the advisory lock.
_TRY_LOCK = {True: "SELECT count(*) > 0 FROM (SELECT 1 FROM jxc_changes FOR UPDATE SKIP LOCKED) AS row",
             False: f"SELECT pg_try_advisory_xact_lock({_POST_LOCK})"}
_LOCK = {True: "SELECT 1 FROM jxc_changes FOR UPDATE", False: f"SELECT pg_advisory_xact_lock({_POST_LOCK})"}
NOCOST = "jxc_nocost"           # the schema of the views 采购 and 销售 read the books through (see grants)
# the ledger's schema, and whether this login reads it without costs: the cost columns are not
# granted to it, and the views that leave them out are (both made by grants.apply)
_SEEN = ("SELECT current_schema(), CASE WHEN to_regclass('movements') IS NOT NULL AND EXISTS "
         f"(SELECT 1 FROM pg_namespace WHERE nspname = '{NOCOST}') THEN NOT has_column_privilege('movements', "
         f"'value', 'SELECT') AND has_schema_privilege('{NOCOST}', 'USAGE') ELSE false END")


def shown(url: str) -> str:
    """The URL as messages show it (what 设置 holds: never a password)."""
    info = conninfo_to_dict(url)
    user = f"{quote(info['user'])}@" if info.get("user") else ""
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{info.get('host', '')}{port}/{info.get('dbname', '')}"


def connect(url: str, read_only: bool = False) -> "Connection":
    """A connection to the server ``url`` names; the password comes from the user's pgpass file
    or PGPASSWORD (libpq reads both), never from the URL a workbook keeps."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise LedgerError("server", url, detail=str(exc)) from exc
    if info.get("password"):
        raise LedgerError("password_in_url", shown(url))
    asked = {k for k, _ in parse_qsl(urlsplit(url).query)}
    if asked - {"sslmode"} or "," in info.get("host", ""):        # host, port… only where 设置 shows them
        raise LedgerError("server", shown(url), detail="地址里只能写用户、服务器、端口、库名（和 sslmode）")
    try:
        raw = psycopg.connect(**{k: v for k, v in info.items() if k in _KEPT}, autocommit=True, connect_timeout=10,
                              application_name="jxc-xl", keepalives=1, keepalives_idle=30, keepalives_interval=10,
                              keepalives_count=3)
    except psycopg.Error as exc:
        raise LedgerError("server", shown(url), detail=_first_line(exc)) from exc
    if raw.info.parameter_status("server_encoding") != "UTF8":
        raw.close()
        raise LedgerError("server", shown(url), detail="数据库编码须为 UTF8 / the database's encoding must be UTF8")
    raw.adapters.register_loader("numeric", _WholeNumeric)
    raw.row_factory = _rows
    raw.execute(f"SET lock_timeout = '{LOCK_SECONDS}s'")
    raw.execute(f"SET idle_in_transaction_session_timeout = '{IDLE_SECONDS}s'")
    if read_only:
        raw.execute("SET default_transaction_read_only = on")
    schema, costless = raw.execute(_SEEN).fetchone()
    if costless:                        # 采购, 销售: the same queries, read through the views
        raw.execute(f'SET search_path = {NOCOST}, "{schema}"')
    return Connection(raw, shown(url), schema)


class Connection:
    """A psycopg connection that speaks to the ledger's code as an SQLite connection does."""

    engine = "postgres"
    # A replay reads the figures it may write and gives update_rows only the rows that change: each
    # row copied to the server costs more than reading its figures. Measured (bench's back_dated, a
    # loaded machine): a receipt and a sale back-dated before 100,000 moves, changing none of them,
    # 2.7–3.2 s reading the figures against 3.8–4.6 s copying every row to be compared there.
    compares_on_write = False
    types = {int: "BIGINT", str: 'TEXT COLLATE "C"'}     # bytewise text order, as SQLite sorts
    serial = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    cascade = " CASCADE"            # a row-level policy naming a dropped column goes with it

    def __init__(self, raw: psycopg.Connection, url: str, schema: str | None = None):
        self.raw, self.url, self.schema = raw, url, schema        # the ledger's schema (not the views')
        self.held = self.counted = False

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Inside, every write transaction the ledger's code begins is a savepoint of the one the
        caller holds open (the poster's: a request's outcome is committed with what it posted, or
        neither is); ``end`` releases or rolls back to it, and the caller commits."""
        self.held = True
        try:
            yield
        finally:
            self.held = False

    def execute(self, sql: str, params: Iterable | dict = ()) -> psycopg.Cursor:
        if isinstance(params, dict):
            return self.raw.execute(_named(sql), params)
        params = tuple(params)
        return self.raw.execute(_placeholders(sql) if params else sql, params or None)

    def executemany(self, sql: str, rows: Iterable) -> psycopg.Cursor:
        cursor = self.raw.cursor()
        cursor.executemany(_placeholders(sql), [tuple(r) for r in rows])
        return cursor

    def tuples(self, sql: str, params: Iterable = ()) -> list[tuple]:
        """The rows of ``sql`` as plain tuples (no name lookup made per row: see sqlite.Connection)."""
        params = tuple(params)
        return self.raw.cursor(row_factory=tuple_row).execute(_placeholders(sql) if params else sql,
                                                              params or None).fetchall()

    def tuples_among(self, sql: str, values: list) -> list[tuple]:
        """The rows of ``sql`` whose one ``IN ({})`` stands for ``values``, as plain tuples: on
        the server ``= ANY`` of one array. Measured with 100,000 ids (bench's back_dated, the
        movements linked to those it recosts): 0.17 s, against 4.1 s for IN lists of 500 (each
        planned as a scan of the table)."""
        return self.tuples(sql.replace("IN ({})", "= ANY(?)"), (list(values),)) if values else []

    def update_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple], same: dict[str, int],
                    changed_only: bool = False) -> None:
        """Set ``columns`` to each row's values in the row of ``table`` whose id ends it, and the
        columns of ``same`` to its integer (see sqlite.Connection, also for ``changed_only``). Many
        rows are copied into a temp table and set by one UPDATE … FROM: measured with 100,000
        movements (bench's back_dated) 2.2 s, against 4.4 s for an executemany of UPDATEs and 3.5 s
        for one UPDATE … FROM unnest() of arrays; fewer than :data:`COPIED_FROM` go by executemany,
        which is one round trip where that is four."""
        fixed = [f"{column}={int(n)}" for column, n in same.items()]
        names = ", ".join(columns)
        if len(rows) < COPIED_FROM:
            marks = ", ".join("?" * len(columns))
            unless = f" AND ({names}) IS DISTINCT FROM ({marks})" if changed_only else ""
            self.executemany(f"UPDATE {table} SET {', '.join([f'{c}=?' for c in columns] + fixed)} WHERE id=?"
                             f"{unless}", [(*row, *row[:-1]) for row in rows] if changed_only else rows)
            return
        temp = f"jxc_set_{table}"
        self.raw.execute(f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {names}, id FROM {table} WITH NO DATA")
        with self.raw.cursor().copy(f"COPY {temp} ({names}, id) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        sets = ", ".join([f"{c}=t.{c}" for c in columns] + fixed)
        unless = (f" AND ({', '.join(f'{table}.{c}' for c in columns)}) IS DISTINCT FROM "
                  f"({', '.join(f't.{c}' for c in columns)})" if changed_only else "")
        self.raw.execute(f"UPDATE {table} SET {sets} FROM {temp} t WHERE {table}.id = t.id{unless}")
        self.raw.execute(f"DROP TABLE {temp}")

    def close(self) -> None:
        self.raw.close()

    def begin(self, waiting: Callable[[], None] | None = None) -> None:
        """Begin, and take the ledger's write lock; when another clerk's post holds it, say so
        (``waiting``) and wait for it (up to :data:`LOCK_SECONDS`)."""
        if self.held:
            self.raw.execute("SAVEPOINT jxc_held")
            return
        self.raw.execute("BEGIN ISOLATION LEVEL READ COMMITTED")   # what it reads after the lock: now
        try:
            if not self.raw.execute(_TRY_LOCK[self._counted()]).fetchone()[0]:
                if waiting is not None:
                    waiting()
                self.raw.execute(_LOCK[self._counted()])
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise

    def _counted(self) -> bool:
        """Whether the change counter exists yet (once it does, it always will)."""
        if not self.counted:
            self.counted = self.raw.execute("SELECT to_regclass('jxc_changes') IS NOT NULL").fetchone()[0]
        return self.counted

    def begin_read(self) -> None:
        """One snapshot for every statement until ROLLBACK (a copy reads many pages)."""
        self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def end(self, commit: bool) -> None:
        """Commit (moving the change counter with it) or roll back; a failed commit rolls back,
        so the lock is never left held by a connection that goes on."""
        if self.held:
            if not commit:
                self.raw.execute("ROLLBACK TO jxc_held")
            self.raw.execute("RELEASE jxc_held")
            return
        try:
            if commit:
                self.raw.execute("UPDATE jxc_changes SET n = n + 1")
            self.raw.execute("COMMIT" if commit else "ROLLBACK")
        except BaseException:
            if self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self.raw.execute("ROLLBACK")
            raise

    def tables(self) -> set[str]:
        return {r[0] for r in self.raw.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (self.schema,))}

    def columns(self, table: str) -> set[str]:
        return {r[0] for r in self.raw.execute(        # the catalog: whatever the login may read
            "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relname = %s AND c.relnamespace = %s::regnamespace "
            "AND a.attnum > 0 AND NOT a.attisdropped", (table, self.schema))}

    def header(self) -> str:
        return ""               # a server database has no header: its tables say what it is

    def stamp(self, version: int) -> None:
        """The change counter the worksheet functions read (a row every write transaction
        moves, so it moves exactly when what it counts is committed)."""
        if "jxc_changes" not in self.tables():
            self.raw.execute("CREATE TABLE jxc_changes (n BIGINT NOT NULL)")
            self.raw.execute("INSERT INTO jxc_changes VALUES (0)")

    def drop_views(self) -> None:
        """The views 采购 and 销售 read the books through, dropped before an upgrade changes the
        columns they show (a column a view shows cannot be dropped or retyped)."""
        self.raw.execute(f"DROP SCHEMA IF EXISTS {NOCOST} CASCADE")

    def secure(self) -> None:
        """The departments' roles, grants and row-level security (see :mod:`.grants`)."""
        from ..server import grants
        grants.apply(self)

    def enrol(self, name: str, role: str, password: str | None) -> None:
        from ..server import grants
        grants.enrol(self, name, role, password)

    def disable(self, name: str) -> None:
        from ..server import grants
        grants.disable(self, name)

    def renumber(self, table: str) -> None:
        """After rows were copied in with their ids: the table's own numbering goes on after them."""
        if "id" in self.columns(table):
            self.raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) "
                             f"FROM {table}")

    def changes(self) -> int:
        return self.raw.execute("SELECT n FROM jxc_changes").fetchone()[0]

    def damage(self) -> list[str]:
        return []               # the server keeps its own files whole

    def owner(self) -> str | None:
        """The login that owns the ledger's tables (made them with ``jxc ledger init``)."""
        row = self.raw.execute("SELECT tableowner FROM pg_tables WHERE schemaname = %s "
                               "AND tablename = 'documents'", (self.schema,)).fetchone()
        return row[0] if row else None

    def login(self) -> str:
        return self.raw.execute("SELECT session_user").fetchone()[0]


@functools.lru_cache(maxsize=512)
def _placeholders(sql: str) -> str:
    """``?`` parameters as psycopg's ``%s`` (the ledger's SQL has no ``?`` or ``%`` of its own
    in a literal, so the translation is exact)."""
    return sql.replace("%", "%%").replace("?", "%s")


@functools.lru_cache(maxsize=64)
def _named(sql: str) -> str:
    """``:name`` parameters as psycopg's ``%(name)s``."""
    return re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", sql.replace("%", "%%"))


class _WholeNumeric(NumericLoader):
    """A numeric with no fraction as an int: SUM of bigints is numeric on PostgreSQL, and the
    ledger's figures are scaled integers that must stay ints (Decimal // rounds otherwise)."""

    def load(self, data) -> int | Decimal:
        value = super().load(data)
        return int(value) if value == value.to_integral_value() else value


@functools.lru_cache(maxsize=512)
def _row_class(names: tuple[str, ...]) -> type:
    index: dict[str, int] = {}
    for i, n in enumerate(names):
        index.setdefault(n, i)          # a name twice: the first, as sqlite3.Row answers
    get = tuple.__getitem__

    def item(self, key):
        return get(self, index[key] if isinstance(key, str) else key)
    return type("Row", (tuple,), {"__slots__": (), "__getitem__": item, "keys": lambda self: list(names)})


def _rows(cursor: psycopg.Cursor) -> Callable:
    """Rows as tuples that also answer by column name, like sqlite3.Row."""
    return _row_class(tuple(c.name for c in cursor.description or ()))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# SQLSTATE classes of a server error that is about the books' access, not about our code.
_KINDS = {pg_errors.InsufficientPrivilege: "denied", pg_errors.LockNotAvailable: "locked",
          pg_errors.AdminShutdown: "ended", psycopg.OperationalError: "server"}


def error(url: str, exc: BaseException) -> LedgerError | None:
    """The LedgerError a psycopg error stands for (refused by the server, waiting too long on
    another post, the server gone), or None when it is not about the books."""
    for cls, kind in _KINDS.items():
        if isinstance(exc, cls):
            return LedgerError(kind, url, detail=_first_line(exc))
    return None
