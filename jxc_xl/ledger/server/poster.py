"""The poster, ``jxc ledger serve URL``: the one process that writes a server's books.

It runs beside the database under the owner's login, holds the ledger's poster lock (a second
poster finds it held and does not start), and takes the waiting requests (:mod:`.door`) one at
a time in the order they came. For each it asks, at that moment, whether the requesting login is
still enabled and in its department; then it runs the same engine a file's ledger runs
(:class:`~jxc_xl.ledger.Ledger`'s own methods) as that user, and writes the outcome into the
request in the same transaction as what it posted — so a poster killed at any moment has posted a
request once or not at all, and a request not yet answered is still waiting. LISTEN/NOTIFY wakes
it and answers the clerk.

反结账 is the one request that keeps a copy first: before it reopens anything, the poster writes
a checked SQLite copy of the books as they stand closed into its own 备份 folder (beside where it
runs, out of every clerk's reach) and logs where; when no copy can be made, nothing is reopened.
A copy an accountant can open, verify and restore from (`jxc ledger copy`) is what they trust —
the close's snapshot alone holds balances, not the documents behind them."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Callable

from ...domain.model import Document
from ...domain.roles import POSTS, may
from .. import Ledger
from ..engine import meta, users
from ..errors import LedgerError
from .grants import group
from . import door, wire

# what a clerk may ask, and what the department must be able to do for it beyond what the engine
# itself checks: post (its department posts something), or an act of domain.roles
ROUTED = {"post": "", "reverse": "", "upsert_masters": "post", "remember_digests": "post",
          "close_month": "", "reopen": "", "close_order": "", "accept_count": "",
          "add_user": "", "disable_user": "", "export_vouchers": "", "void_voucher": "",
          "set_cost_method": "users", "set_allow_negative": "users", "set_approval_required": "users",
          "approve": "", "reject": ""}
WAKE_SECONDS = 5.0              # a look at the inbox at least this often, woken or not
BACKUPS = Path("备份")           # the poster's copies before 反结账, beside where it runs


def serve(url: str, say: Callable[[str], None] = print, crashed: Callable[[BaseException], None] | None = None,
          stop: Callable[[], bool] = lambda: False) -> None:
    """Serve the ledger at ``url`` until ``stop()`` (or the process ends). LedgerError when the
    login is not the ledger's owner or another poster runs."""
    with Ledger.open(url, create=False) as ledger:
        owner = ledger.conn.owner()
        if ledger.login != owner:
            raise LedgerError("poster_owner", ledger.path, detail=owner)
        raw = ledger.conn.raw
        for pid in door.squatters(ledger.conn):          # a clerk holding the lock is no poster
            raw.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        if not raw.execute("SELECT pg_try_advisory_lock(%s)", (door.POSTER_LOCK,)).fetchone()[0]:
            raise LedgerError("poster_running", ledger.path)
        raw.execute(f"LISTEN {door.ASKED}")
        say(f"过账服务已启动 / the poster runs: {ledger.path}")
        while not stop():
            while take(ledger, crashed):
                pass
            for _ in raw.notifies(timeout=WAKE_SECONDS, stop_after=1):
                pass


def take(ledger: Ledger, crashed: Callable[[BaseException], None] | None = None) -> bool:
    """Run the first waiting request, and answer it; False when none waits."""
    conn, row = ledger.conn, None
    conn.begin()
    try:
        row = conn.execute("SELECT id, login, kind, payload::text AS payload, deadline < clock_timestamp() AS late "
                           f"FROM {door.REQUESTS} WHERE state = 'waiting' ORDER BY id LIMIT 1 FOR UPDATE").fetchone()
        if row is None:
            conn.end(commit=False)
            return False
        state, outcome = _run(ledger, row, crashed)
        _answer(conn, row["id"], state, outcome)
    except Exception as exc:                # noqa: BLE001 — a request that breaks the poster is answered, not retried
        conn.end(commit=False)
        if row is None:
            raise
        if crashed is not None:
            crashed(exc)
        conn.begin()
        _answer(conn, row["id"], "failed", {"error": "request_failed", "detail": type(exc).__name__})
    except BaseException:
        conn.end(commit=False)
        raise
    conn.end(commit=True)
    return True


def _answer(conn, asked: int, state: str, outcome: dict) -> None:
    """The request's outcome written, its password dropped, the clerk woken."""
    conn.execute(f"UPDATE {door.REQUESTS} SET state = ?, outcome = ?::jsonb, payload = {door.scrubbed('payload')}, "
                 "done_at = clock_timestamp() WHERE id = ?", (state, json.dumps(outcome, ensure_ascii=False), asked))
    conn.execute("SELECT pg_notify(?, ?)", (door.ANSWERED, str(asked)))


def _run(ledger: Ledger, row, crashed) -> tuple[str, dict]:
    """(state, outcome) of one request, its writes made inside the caller's transaction."""
    if row["late"]:
        return "expired", {"error": "no_poster", "detail": ""}
    method, login = row["kind"], row["login"]
    refused = _refusal(ledger, login, method)
    if refused:
        return "refused", {"error": "denied", "detail": refused}
    try:
        arguments = _as_asked(ledger, login, method, wire.load(json.loads(row["payload"])["args"]))
    except Exception as exc:                # noqa: BLE001 — not what the door carries (too deep …): nothing is run
        return "failed", {"error": "request_failed", "detail": type(exc).__name__}
    wrong = _mistyped(method, arguments)
    if wrong:
        return "refused", {"error": "request_failed", "detail": wrong}
    conn, owner = ledger.conn, ledger.login
    if method == "reopen":
        unsaved = _copy_before_reopen(ledger, login, arguments.get("through"))
        if unsaved:
            return "failed", {"error": "reopen_backup", "detail": unsaved}
    conn.execute("SAVEPOINT jxc_request")
    ledger.login = login                    # the engine's user: who asked, as its own checks see them
    try:
        with conn.holding():
            value = wire.dump(getattr(ledger, method)(**arguments))
        conn.execute("RELEASE jxc_request")
        return "done", {"value": value}
    except Exception as exc:                # noqa: BLE001 — whatever it was, the request posted nothing
        conn.execute("ROLLBACK TO jxc_request")
        if isinstance(exc, LedgerError):
            return "failed", {"error": exc.kind, "detail": exc.detail}
        if crashed is not None:
            crashed(exc)
        return "failed", {"error": "request_failed", "detail": type(exc).__name__}
    finally:
        ledger.login = owner


def _as_asked(ledger: Ledger, login: str, method: str, arguments: dict) -> dict:
    """What the engine may take from a request: documents as a workbook types them (a line's
    worked-out figures are validation's to work out, never the clerk's to send), the server's own
    date for a 结账 (not the clerk's ``today``), and digests only of the documents of a type the
    login's department posts (a digest is how a workbook recognises its posted rows)."""
    if isinstance(arguments.get("documents"), list):
        arguments["documents"] = [_as_typed(doc) if isinstance(doc, Document) else doc for doc in arguments["documents"]]
    if "today" in arguments:
        arguments["today"] = None
    if method == "remember_digests" and isinstance(arguments.get("digests"), list):
        journals = {t.journal for t in POSTS.get(users.role_of(ledger.conn, login) or "", ())}
        arguments["digests"] = [d for d in arguments["digests"] if len(d) == 3 and d[1] in journals]
    return arguments


def _as_typed(doc: Document) -> Document:
    """``doc`` without the figures a line may carry once validated: validation works them out again."""
    if all(line.figures is None for line in doc.lines):
        return doc
    return doc.model_copy(update={"lines": tuple(line.model_copy(update={"figures": None}) for line in doc.lines)})


def _copy_before_reopen(ledger: Ledger, login: str, through: dt.date | None) -> str | None:
    """A checked SQLite copy of the books in :data:`BACKUPS` before ``login`` reopens back to
    ``through``, logged (in the request's transaction: with the reopen, or — refused — alone);
    why none could be made. Nothing when the request would reopen nothing or is refused."""
    closed = ledger.settings.closed_through
    if closed is None or through is not None and through >= closed or users.refusal(ledger.conn, login, "close"):
        return None
    (name,) = ledger.conn.execute("SELECT current_database()").fetchone()
    target = BACKUPS.resolve() / f"{name}-反结账前-{dt.datetime.now():%Y%m%d-%H%M%S-%f}.db"
    try:
        target.parent.mkdir(exist_ok=True)
        with Ledger.open(ledger.path, create=False, read_only=True) as reader:     # its own snapshot
            differences = reader.backup(target)
    except Exception as exc:                # noqa: BLE001 — whatever stopped the copy, nothing reopens
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)
        return f"{target}：{exc}"
    if differences:
        return f"{target}：{differences[0]}"
    meta.log(ledger, "backup", f"反结账前的账簿备份 / before reopening: {target}", login, "")
    return None


_PLAIN = (dt.date, bool, int, str, Decimal, type(None))       # the argument kinds checked as such


def _mistyped(method: str, arguments: object) -> str | None:
    """The first argument that is not of the kind ``method`` takes, where that kind is a plain
    one (a date, a flag, a number, a text, or None): the engine trusts them, and a request typed
    by hand may say anything (a 结账日期 of 'zzzz' would stop every later post)."""
    if not isinstance(arguments, dict):
        return "arguments"
    hints = typing.get_type_hints(getattr(Ledger, method))
    for name, value in arguments.items():
        hint = hints.get(name)
        kinds = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union \
            else (hint,)
        if kinds and all(k in _PLAIN for k in kinds) and not isinstance(value, kinds):
            return f"{name}：{str(value)[:40]!r} 不是所要的值 / not what it takes"
    return None


def _refusal(ledger: Ledger, login: str, method: str) -> str | None:
    """Why ``login`` may not have ``method`` run now: not an enabled user of the ledger (by its
    users and by the server's own logins and departments), or a department that may not."""
    if method not in ROUTED:
        return f"{method}：不是可以提交的请求 / not a request"
    conn = ledger.conn
    role = users.role_of(conn, login)
    enabled = role and conn.execute("SELECT rolcanlogin AND pg_has_role(rolname, ?, 'MEMBER') FROM pg_roles "
                                    "WHERE rolname = ?", (group(conn, role), login)).fetchone()
    if not enabled or not enabled[0]:
        return f"{login} 已停用或不是本账簿的用户 / {login} is disabled or not a user of this ledger"
    need = ROUTED[method]
    if need == "post" and not POSTS[role] or need not in ("", "post") and not may(role, need):
        return f"{login} 的部门不能做这件事 / {login}'s department may not do this"
    return None
