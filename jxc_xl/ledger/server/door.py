"""The narrow door (PostgreSQL only): a clerk's login writes nothing of the books; it submits a
request, which the door signs with ``session_user`` and the time, and the poster
(:mod:`.poster`, the owner's login) runs.

The inbox ``jxc_requests`` is the owner's and nobody else may touch it: clerks reach it only through
three functions run with the owner's rights, each with its search path pinned (the catalog, the
ledger's schema, then — last — temporary objects, which a clerk may not make anyway), so nothing a
session defines can stand in for what they name:

* ``jxc_submit(kind, payload, seconds)`` — a new request, waiting at most ``seconds`` (1 to
  :data:`MAX_WAIT`) for the poster to take it; after that the poster refuses it;
* ``jxc_answer(id)`` — the state and outcome of one's own request;
* ``jxc_withdraw(id)`` — the clerk gives up: a request not yet taken is never posted (one the
  poster is running is waited for, and its outcome answered).
"""
from __future__ import annotations

REQUESTS = "jxc_requests"
ASKED, ANSWERED = "jxc_requests", "jxc_answers"      # the channels the poster and the clerks LISTEN on
MAX_WAIT = 600
POSTER_LOCK = 0x4A584353         # "JXCS": the session lock the one running poster holds
_FUNCTIONS = ("jxc_submit(text, jsonb, integer)", "jxc_answer(bigint)", "jxc_withdraw(bigint)")


def build(conn, schema: str, groups: list[str]) -> None:
    """The inbox and its door, made again (whole) on each upgrade; ``groups`` may use the door."""
    inbox = f"{schema}.{REQUESTS}"
    conn.execute(f"CREATE TABLE IF NOT EXISTS {REQUESTS} (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                 "login TEXT NOT NULL, kind TEXT NOT NULL, payload JSONB NOT NULL, made_at TIMESTAMPTZ NOT NULL, "
                 "deadline TIMESTAMPTZ NOT NULL, state TEXT NOT NULL DEFAULT 'waiting', outcome JSONB, "
                 "done_at TIMESTAMPTZ)")
    conn.execute(f"CREATE INDEX IF NOT EXISTS {REQUESTS}_waiting ON {REQUESTS} (id) WHERE state = 'waiting'")
    conn.execute(f"REVOKE ALL ON {REQUESTS} FROM PUBLIC")
    pinned = f"SECURITY DEFINER SET search_path = pg_catalog, {schema}, pg_temp"
    conn.execute(f"""CREATE OR REPLACE FUNCTION jxc_submit(kind text, payload jsonb, seconds integer) RETURNS bigint
        LANGUAGE plpgsql {pinned} AS $$
        DECLARE made bigint;
        BEGIN
            INSERT INTO {inbox} (login, kind, payload, made_at, deadline)
            VALUES (session_user, kind, payload, clock_timestamp(),
                    clock_timestamp() + make_interval(secs => least(greatest(seconds, 1), {MAX_WAIT})))
            RETURNING id INTO made;
            PERFORM pg_notify('{ASKED}', made::text);
            RETURN made;
        END $$""")
    conn.execute(f"""CREATE OR REPLACE FUNCTION jxc_answer(asked bigint) RETURNS jsonb
        LANGUAGE sql STABLE {pinned} AS $$
        SELECT jsonb_build_object('state', r.state, 'outcome', r.outcome) FROM {inbox} r
        WHERE r.id = asked AND r.login = session_user $$""")
    conn.execute(f"""CREATE OR REPLACE FUNCTION jxc_withdraw(asked bigint) RETURNS jsonb
        LANGUAGE plpgsql {pinned} AS $$
        BEGIN
            UPDATE {inbox} r SET state = 'withdrawn', done_at = clock_timestamp(), payload = {scrubbed('r.payload')}
            WHERE r.id = asked AND r.login = session_user AND r.state = 'waiting';
            RETURN (SELECT jsonb_build_object('state', r.state, 'outcome', r.outcome) FROM {inbox} r
                    WHERE r.id = asked AND r.login = session_user);
        END $$""")
    for function in _FUNCTIONS:
        conn.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        for group in groups:
            conn.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {group}")


def scrubbed(payload: str) -> str:
    """SQL: the request ``payload`` without its password (an argument ``password`` among the
    ``args`` the clerk sent as wire's ``$dict`` pairs); whatever else a clerk sent, as it was."""
    pairs = f"{payload} -> 'args' -> '$dict'"
    return (f"CASE WHEN jsonb_typeof({pairs}) = 'array' THEN jsonb_set({payload}, '{{args,$dict}}', COALESCE("
            f"(SELECT jsonb_agg(p) FROM jsonb_array_elements({pairs}) AS p WHERE NOT (jsonb_typeof(p) = 'array' "
            f"AND p ->> 0 = 'password')), '[]'::jsonb)) ELSE {payload} END")


# The sessions holding this ledger's poster lock and their logins (pg_locks and pg_stat_activity are
# everyone's to read). An advisory lock needs no privilege: any login can take it, so only the
# owner's holding means a poster runs.
_HOLDERS = ("SELECT l.pid, a.usename FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database "
            "WHERE datname = current_database()) AND l.classid = 0 AND l.objid = ? AND l.objsubid = 1")


def poster_running(conn) -> bool:
    """Whether a poster — the ledger's owner — holds this ledger's poster lock."""
    owner = conn.owner()
    return any(user == owner for _, user in conn.execute(_HOLDERS, (POSTER_LOCK,)).fetchall())


def squatters(conn) -> list[int]:
    """The sessions of logins other than the owner holding the poster lock (a clerk in psql):
    the poster ends them before it takes the lock."""
    owner = conn.owner()
    return [pid for pid, user in conn.execute(_HOLDERS, (POSTER_LOCK,)).fetchall() if user != owner]
