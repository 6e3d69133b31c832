"""What the server itself lets each department do to the books (PostgreSQL only).

Every department of :mod:`jxc_xl.domain.roles` is a group role of its own database
(``<database>:sales`` …); each clerk logs in as a role that is a member of their department's,
made only through :func:`enrol` (a function the owner's rights run, called by the poster for a
管理员's request). Whatever program a clerk connects with, a department's role may read the books
and nothing more — no INSERT, UPDATE, DELETE or TRUNCATE on any table, no sequence, no TEMP: every
write is a request through the door (:mod:`.server.door`) that the poster, the ledger's owner, runs
with the same engine (see design.md, "Where it runs"). The ledger's owner (who ran ``jxc ledger
init``) creates, upgrades, copies and posts.

The row-level policies made below date from when clerks wrote the books themselves (issue 13); with
no write privilege left they bind nothing but reading, which they leave open.
"""
from __future__ import annotations

from ..domain.model import ORDER_TYPES, DocType
from ..domain.roles import ACTS, LABELS, POSTS, sees_costs
from .errors import LedgerError
from .postgres import NOCOST
from .posting import CASH_RULES
from .schema import COSTS, TABLES, quoted
from .server import door

# the settings (meta keys) each act writes
_SETTINGS = {"close": ("closed_through", "costing_from"), "users": ("cost_method", "allow_negative")}

_MINE = "\"user\" = session_user"
_CURRENT = "(SELECT MAX(id) FROM batches)"
_MY_BATCH = f"(SELECT \"user\" FROM batches WHERE id = {_CURRENT}) = session_user"
# the receivable (AR) and payable (AP) entries each department's documents make
_SIDES = {"purchasing": "'AP'", "sales": "'AR'", "finance": "'AR', 'AP'"}
_OPEN = "COALESCE((SELECT value FROM meta WHERE key = 'closed_through'), '')"


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
    _row_security(conn)
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


def _keeps_money(code: str) -> bool:
    """Whether department ``code`` posts documents that move money, or reverses any (财务)."""
    return bool(POSTS[code] & CASH_RULES.keys()) or "reverse" in ACTS.get(code, ())


def _documents(code: str) -> str:
    """The documents department ``code`` may insert, as SQL: its types each in its own journal,
    and — if it may reverse — the 红字冲销 of any type."""
    def pairs(types) -> str:
        return ", ".join(f"('{t.value}', '{t.journal}')" for t in sorted(types, key=lambda t: t.value))
    own = f"(type, journal) IN ({pairs(POSTS[code])}) AND reversal = 0"
    if "reverse" not in ACTS.get(code, ()):
        return f"({own})"
    return f"({own} OR (type, journal) IN ({pairs(DocType)}) AND reversal = 1)"


def _next(table: str) -> str:
    """The row is numbered next: no id taken ahead of the books (the ledger numbers its rows)."""
    return f"id = (SELECT COALESCE(MAX(x.id), 0) + 1 FROM {table} x)"


def _numbered(table: str) -> str:
    """The row took the number the table's own sequence gave it, in this session."""
    return f"id = currval(pg_get_serial_sequence('{table}', 'id'))"


def _policies(conn) -> dict[str, list[tuple[str, str, str, str]]]:
    """table → (policy, command, to whom, its USING / WITH CHECK) for every table under
    row-level security."""
    found: dict[str, list] = {table: [("jxc_read", "SELECT", "PUBLIC", "USING (true)")] for table in _SECURED}
    mine_now = f"{_MINE} AND batch = {_CURRENT} AND {_MY_BATCH}"
    found["batches"].append(("jxc_post", "INSERT", "PUBLIC", f"WITH CHECK ({_MINE} AND {_next('batches')})"))
    found["audit"].append(("jxc_log", "INSERT", "PUBLIC", f"WITH CHECK ({_MINE} AND {_numbered('audit')})"))
    found["documents"].append(("jxc_mark", "UPDATE", "PUBLIC", "USING (true) WITH CHECK (true)"))
    found["movements"].append(("jxc_recost", "UPDATE", "PUBLIC",
                               f"USING (date > {_OPEN}) WITH CHECK (date > {_OPEN} AND touched = {_CURRENT} "
                               f"AND {_MY_BATCH})"))
    under = (f"EXISTS (SELECT 1 FROM documents d WHERE d.id = doc AND d.\"user\" = session_user "
             f"AND d.batch = {_CURRENT})")
    found["lines"].append(("jxc_post", "INSERT", "PUBLIC", f"WITH CHECK ({mine_now} AND {_next('lines')} AND {under})"))
    # a movement carries no stamps of its own (schema 12): its document's are checked
    found["movements"].append(("jxc_post", "INSERT", "PUBLIC", f"WITH CHECK ({_MY_BATCH} AND {_next('movements')} "
                                                                f"AND {under} AND date > {_OPEN})"))
    for code in LABELS:
        to, acts = ident(group(conn, code)), ACTS.get(code, set())
        if POSTS[code]:
            found["documents"].append((f"jxc_posts_{code}", "INSERT", to, f"WITH CHECK ({mine_now} AND "
                                       f"{_next('documents')} AND date > {_OPEN} AND {_documents(code)})"))
        if code in _SIDES:
            found["party_entries"].append((f"jxc_post_{code}", "INSERT", to, f"WITH CHECK ({mine_now} AND "
                                           f"{_next('party_entries')} AND {under} AND date > {_OPEN} AND "
                                           f"side IN ({_SIDES[code]}))"))
        if _keeps_money(code):
            found["cash_entries"].append((f"jxc_post_{code}", "INSERT", to, f"WITH CHECK ({mine_now} AND "
                                          f"{_next('cash_entries')} AND {under} AND date > {_OPEN})"))
        if POSTS[code] & ORDER_TYPES or "close" in acts:
            orders = "true" if "close" in acts else " OR ".join(
                f"d.type = '{t.value}'" for t in sorted(POSTS[code] & ORDER_TYPES, key=lambda t: t.value))
            its = f"EXISTS (SELECT 1 FROM documents d WHERE d.id = doc AND ({orders}))"
            found["order_closes"] += [(f"jxc_closes_{code}", "INSERT", to,
                                       f"WITH CHECK ({_MINE} AND {_numbered('order_closes')} AND {its})"),
                                      (f"jxc_undo_{code}", "UPDATE", to,
                                       f"USING ({its}) WITH CHECK (undone_by = session_user AND {its})")]
        keys = ", ".join(f"'{k}'" for act in sorted(acts) for k in _SETTINGS.get(act, ()))
        if keys:            # (the cost method only while nothing is posted, as jxc itself refuses it after)
            allowed = (f"key IN ({keys}) AND (key <> 'cost_method' OR NOT EXISTS (SELECT 1 FROM documents))")
            found["meta"] += [(f"jxc_set_{code}", "INSERT", to, f"WITH CHECK ({allowed})"),
                              (f"jxc_change_{code}", "UPDATE", to, f"USING ({allowed}) WITH CHECK ({allowed})")]
    found["closes"] += [("jxc_close", "INSERT", "PUBLIC", f"WITH CHECK ({_MINE} AND {_numbered('closes')})"),
                        ("jxc_reopen", "UPDATE", "PUBLIC", "USING (true) WITH CHECK (reopened_by = session_user)")]
    for table in ("closing_stock", "closing_balances"):
        found[table].append(("jxc_snapshot", "INSERT", "PUBLIC",
                             "WITH CHECK (close = currval(pg_get_serial_sequence('closes', 'id')))"))
    return found


_UNDER_DOCUMENT = ("lines", "movements", "party_entries", "cash_entries")          # rows that belong to one document
_SECURED = ("batches", "audit", "documents", *_UNDER_DOCUMENT, "order_closes", "closes", "closing_stock",
            "closing_balances", "meta")


def _row_security(conn) -> None:
    """Row-level security on the tables a clerk writes (its policies made again, whole, on each
    upgrade). Privileges say which columns; these say which rows."""
    for table, policies in _policies(conn).items():
        conn.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for (name,) in conn.execute("SELECT policyname FROM pg_policies WHERE schemaname = current_schema() "
                                    "AND tablename = ?", (table,)).fetchall():
            conn.execute(f"DROP POLICY {ident(name)} ON {table}")
        for name, command, to, rule in policies:
            conn.execute(f"CREATE POLICY {ident(name)} ON {table} FOR {command} TO {to} {rule}")


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
    logins this ledger made, the only ones whose password or login they set, whose sessions end
    when disabled, and whose sessions' time limits they set (``jxc_fence``, made again for each on
    an upgrade) — a login made elsewhere (the same clerk on another ledger of the server) only gains
    or loses this ledger's departments."""
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
                PERFORM jxc_fence(who);
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
        END $$""")
    conn.execute(f"SELECT jxc_fence(name) FROM {logins} WHERE name IN (SELECT rolname FROM {roles})")
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
