"""What the server itself lets each department do to the books (PostgreSQL only).

Every department of :mod:`jxc_xl.domain.roles` is a group role of its own database
(``<database>:sales`` …); each clerk logs in as a role that is a member of their department's,
made only through :func:`enrol` (a function the owner's rights run, called by the poster for a
管理员's request). Whatever program a clerk connects with, a department's role may read the books
and nothing more — no INSERT, UPDATE, DELETE or TRUNCATE on any table, no sequence, no TEMP: every
write is a request through the door (:mod:`.server.door`) that the poster, the ledger's owner, runs
with the same engine (see design.md, "Where it runs"). The ledger's owner (who ran ``jxc ledger
init``) creates, upgrades, copies and posts.

采购 and 销售 read no costs: the columns that carry them (schema.COSTS) are not granted to their roles,
and jxc reads the books for them through views that show those columns as 0 (:func:`_costless`). No
row-level security: with no write privilege, rows need no fence (a clerk reads every row of the books,
as every department's sheets show them).
"""
from __future__ import annotations

from ...domain.roles import LABELS, sees_costs
from ..errors import LedgerError
from ..stores.postgres import NOCOST
from ..stores.schema import COSTS, TABLES, quoted
from . import door


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


MARK = "jxc-xl department"       # the comment on every group role apply() makes


def group(conn, code: str) -> str:
    """The database's group role of department ``code`` ("jxc:sales"): a colon keeps it apart
    from any login name, the owner's included."""
    return f"{conn.raw.info.dbname}:{code}"


def apply(conn) -> None:
    """Make the department roles and grant them what they may (again, after an upgrade)."""
    if len(group(conn, "purchasing").encode()) > 63:          # PostgreSQL would cut the names short
        raise LedgerError("server", conn.url, detail="数据库名太长（最多 52 字节）/ the database name is too long")
    tables = [*TABLES, "jxc_changes"]
    for code in LABELS:
        name = ident(group(conn, code))
        found = conn.execute("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = ?",
                             (group(conn, code),)).fetchone()
        if found is None:
            conn.execute(f"CREATE ROLE {name} NOLOGIN")
            conn.execute(f"COMMENT ON ROLE {name} IS {_quote(MARK)}")
        elif found[0] != MARK:                  # a role of the same name that is not ours: never grant it
            raise LedgerError("server", conn.url, detail=f"服务器上已有名为 {group(conn, code)} 的其他角色 / "
                                                          f"another role is named {group(conn, code)}")
        conn.execute(f"REVOKE ALL ON {', '.join(tables)} FROM {name}")
        # SELECT and no more (the poster writes); for 采购 and 销售 not the columns that carry costs
        conn.execute(f"GRANT SELECT ON {', '.join(t for t in tables if sees_costs(code) or t not in COSTS)} TO {name}")
        if not sees_costs(code):
            for table, hidden in COSTS.items():
                shown = ", ".join(quoted(c) for c in TABLES[table]["columns"] if c not in hidden)
                conn.execute(f"GRANT SELECT ({shown}) ON {table} TO {name}")
        conn.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {ident(_schema(conn))} FROM {name}")
    _no_row_security(conn)
    _costless(conn, [ident(group(conn, code)) for code in LABELS if not sees_costs(code)])
    _enrolment(conn)
    door.build(conn, ident(_schema(conn)), [ident(group(conn, code)) for code in LABELS])
    _no_temp(conn)


def _costless(conn, groups: list[str]) -> None:
    """The books as jxc reads them for ``groups`` (made again, whole, on each upgrade): every
    table that carries costs as a view of the same name in :data:`NOCOST`, its cost columns 0 —
    the queries stay one for everyone, and whatever a clerk's workbook shows leaves the cost
    columns out anyway. Their connection puts the schema first (postgres.connect); the tables'
    own cost columns stay refused to them."""
    schema = ident(_schema(conn))
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {NOCOST}")
    conn.execute(f"REVOKE ALL ON SCHEMA {NOCOST} FROM PUBLIC")
    for table, hidden in COSTS.items():
        columns = [r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum", (f"{_schema(conn)}.{table}",)).fetchall()]
        shown = ", ".join(f"0::bigint AS {c}" if c in hidden else quoted(c) for c in columns)
        conn.execute(f"DROP VIEW IF EXISTS {NOCOST}.{table}")
        conn.execute(f"CREATE VIEW {NOCOST}.{table} AS SELECT {shown} FROM {schema}.{table}")
        for name in groups:
            conn.execute(f"GRANT SELECT ON {NOCOST}.{table} TO {name}")
    for name in groups:
        conn.execute(f"GRANT USAGE ON SCHEMA {NOCOST} TO {name}")


def _no_temp(conn) -> None:
    """No temporary object for anyone but the owner: a temp table named like one of the books'
    would stand in for it in whatever a session runs after (the database's owner keeps TEMP)."""
    database = ident(conn.raw.info.dbname)
    if conn.execute("SELECT pg_get_userbyid(datdba) = current_user FROM pg_database "
                    "WHERE datname = current_database()").fetchone()[0]:
        conn.execute(f"REVOKE TEMP ON DATABASE {database} FROM PUBLIC")
    else:
        raise LedgerError("server", conn.url, detail="账簿的所有者须是数据库的所有者 / the ledger's owner must own "
                                                     "the database")


def _no_row_security(conn) -> None:
    """No row-level security: what earlier versions made when clerks wrote the books (issue 13) is
    taken away on the upgrade — with no write privilege left a policy binds nothing, and what a
    department may not read is a column (its costs), not a row. (Left enabled without its
    policies, a table would show a clerk no row at all.)"""
    for table, name in conn.execute("SELECT tablename, policyname FROM pg_policies WHERE schemaname = current_schema()"
                                    ).fetchall():
        conn.execute(f"DROP POLICY {ident(name)} ON {ident(table)}")
    for (table,) in conn.execute("SELECT relname FROM pg_class WHERE relrowsecurity AND "
                                 "relnamespace = current_schema()::regnamespace").fetchall():
        conn.execute(f"ALTER TABLE {ident(table)} DISABLE ROW LEVEL SECURITY")


def _schema(conn) -> str:
    return conn.execute("SELECT current_schema()").fetchone()[0]


# -- logins --------------------------------------------------------------------------------------------
# A login this ledger made, in a session not made by jxc (psql …): a transaction left open ends after
# IDLE_SECONDS, a statement after STATEMENT_SECONDS (its own SET may change them: it can hold an
# ACCESS SHARE lock and a snapshot, blocking nobody's post or read)
IDLE_SECONDS, STATEMENT_SECONDS = 60, 300


def _enrolment(conn) -> None:
    """``jxc_enrol`` and ``jxc_disable``, run with the owner's rights for the owner and 管理员
    only. They never touch the owner or a server's administrative login; ``jxc_logins`` keeps the
    logins this ledger made, the only ones whose password or login they set — a login made
    elsewhere (the same clerk on another ledger of the server) only gains or loses this ledger's
    departments. Every login of a department gets this database's time limits and lets the owner
    end its sessions (``jxc_fence``, again for each on an upgrade): a disabled one's end."""
    groups = ", ".join(f"'{group(conn, code)}'" for code in LABELS)
    admin, owner, schema = group(conn, "admin"), conn.owner(), ident(_schema(conn))
    logins, roles = f"{schema}.jxc_logins", "pg_catalog.pg_roles"      # named whole: no temp table stands in
    guard = (f"IF session_user <> {_quote(owner)} AND NOT pg_catalog.pg_has_role(session_user, {_quote(admin)}, "
             "'MEMBER') THEN RAISE insufficient_privilege USING MESSAGE = "
             "'只有管理员可以管理用户 / only an administrator manages users'; END IF; "
             f"ours := EXISTS (SELECT 1 FROM {logins} WHERE name = who); "
             f"found := EXISTS (SELECT 1 FROM {roles} WHERE rolname = who); "
             f"IF who = {_quote(owner)} OR who LIKE 'pg\\_%' OR EXISTS (SELECT 1 FROM {roles} r WHERE r.rolname = who AND "
             "(r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR NOT (r.rolcanlogin OR ours) OR "
             f"pg_catalog.shobj_description(r.oid, 'pg_authid') = {_quote(MARK)})) THEN "
             "RAISE insufficient_privilege USING MESSAGE = "
             "format('%s 不是可以作为用户的登录 / %s is not a login that can be a user', who, who); END IF;")
    conn.execute("CREATE TABLE IF NOT EXISTS jxc_logins (name TEXT PRIMARY KEY)")
    conn.execute("REVOKE ALL ON jxc_logins FROM PUBLIC")
    conn.execute(f"""CREATE OR REPLACE FUNCTION jxc_enrol(who text, dept text, secret text) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {schema}, pg_temp AS $$
        DECLARE g text; ours boolean; found boolean;
        BEGIN
            {guard}
            IF {_quote(conn.raw.info.dbname)} || ':' || dept NOT IN ({groups}) THEN
                RAISE invalid_parameter_value USING MESSAGE = dept;
            END IF;
            IF found AND NOT ours AND secret IS NOT NULL THEN
                RAISE insufficient_privilege USING MESSAGE = format(
                    '%s 是服务器上已有的登录（不是本账簿建立的），不能在这里改它的密码 / %s is a login this ledger did not make: its password is not set here', who, who);
            END IF;
            IF NOT found THEN
                EXECUTE format('CREATE ROLE %I LOGIN', who);
                INSERT INTO {logins} VALUES (who);
            ELSIF ours THEN
                EXECUTE format('ALTER ROLE %I LOGIN', who);
            END IF;
            IF secret IS NOT NULL THEN
                EXECUTE format('ALTER ROLE %I PASSWORD %L', who, secret);
            END IF;
            FOREACH g IN ARRAY ARRAY[{groups}] LOOP
                EXECUTE format('REVOKE %I FROM %I', g, who);
            END LOOP;
            EXECUTE format('GRANT %I TO %I', {_quote(conn.raw.info.dbname)} || ':' || dept, who);
            PERFORM jxc_fence(who);
        END $$""")
    conn.execute(f"""CREATE OR REPLACE FUNCTION jxc_disable(who text) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {schema}, pg_temp AS $$
        DECLARE g text; ours boolean; found boolean;
        BEGIN
            {guard}
            IF found THEN
                FOREACH g IN ARRAY ARRAY[{groups}] LOOP
                    EXECUTE format('REVOKE %I FROM %I', g, who);
                END LOOP;
            END IF;
            IF ours THEN
                EXECUTE format('ALTER ROLE %I NOLOGIN', who);
            END IF;
            -- its open sessions end (those the owner may end: the logins this ledger made)
            PERFORM pg_catalog.pg_terminate_backend(a.pid) FROM pg_catalog.pg_stat_activity a
            WHERE a.usename = who AND a.datname = pg_catalog.current_database()
              AND pg_catalog.pg_has_role(who, 'USAGE') AND a.pid <> pg_catalog.pg_backend_pid();
        END $$""")
    conn.execute(f"""CREATE OR REPLACE FUNCTION jxc_fence(who text) RETURNS void
        LANGUAGE plpgsql SET search_path = pg_catalog, {schema}, pg_temp AS $$
        BEGIN
            EXECUTE format('GRANT %I TO %I', who, {_quote(owner)});       -- so the owner may end its sessions
            EXECUTE format('ALTER ROLE %I IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
                           who, current_database(), '{IDLE_SECONDS}s');
            EXECUTE format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = %L',
                           who, current_database(), '{STATEMENT_SECONDS}s');
        EXCEPTION WHEN insufficient_privilege THEN
            NULL;       -- a login the owner may not alter (PostgreSQL 16: made by another) keeps its own
        END $$""")
    departments = ", ".join(f"'{group(conn, code)}'" for code in LABELS)
    conn.execute("SELECT jxc_fence(rolname) FROM pg_roles m WHERE rolcanlogin AND EXISTS (SELECT 1 FROM "
                 "pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid WHERE a.member = m.oid AND "
                 f"g.rolname IN ({departments}))")
    for function in ("jxc_enrol(text, text, text)", "jxc_disable(text)", "jxc_fence(text)"):      # the owner's only
        conn.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC, {ident(admin)}")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def enrol(conn, name: str, code: str, password: str | None) -> None:
    """Let ``name`` log in as a member of department ``code`` only (made if new; a password
    given is set; a former department's membership is taken away)."""
    conn.execute("SELECT jxc_enrol(?, ?, ?)", (name, code, password))


def disable(conn, name: str) -> None:
    """``name`` can no longer log in, nor act through a department."""
    conn.execute("SELECT jxc_disable(?)", (name,))
