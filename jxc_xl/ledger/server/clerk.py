"""A clerk's ledger on a server: it reads the books as any :class:`~jxc_xl.ledger.Ledger` does,
and every write it would make is a request through the door (:mod:`.door`) that the poster
(:mod:`.poster`) runs — so the workbook, the CLI and the ribbon call the same methods, and get
the same answers, whether the books are a file on the PC or a server's.

A request waits at most :data:`WAIT_SECONDS` for the poster; when none runs (or it stops and
does not come back within :data:`GONE_SECONDS`) the clerk withdraws the request and is told in
one line — nothing was posted, nor will it be later. A request the poster had already taken
is waited for, and its outcome is the answer."""
from __future__ import annotations

import functools
import inspect
import json
import time
from typing import Callable

from ...domain.model import CostMethod
from .. import Ledger, _file_errors
from ..errors import LedgerError
from . import door, wire
from .poster import ROUTED

WAIT_SECONDS = 30               # how long a request waits for the poster to take it
GONE_SECONDS = 3.0              # how long a poster may be missing before the clerk gives up


class Clerk(Ledger):
    """A server's ledger opened by a login that is not its owner."""

    def _submit(self, method: str, arguments: dict) -> object:
        """``method`` run by the poster with ``arguments``; its answer, or LedgerError."""
        if self.read_only:
            raise LedgerError("read_only", self.path)
        if not door.poster_running(self.conn):
            raise LedgerError("no_poster", self.path)
        raw = self.conn.raw
        raw.execute(f"LISTEN {door.ANSWERED}")
        try:
            asked = raw.execute("SELECT jxc_submit(%s, %s::jsonb, %s)",
                                (method, json.dumps({"args": wire.dump(arguments)}, ensure_ascii=False),
                                 WAIT_SECONDS)).fetchone()[0]
            answer = self._answer(asked)
        finally:
            raw.execute(f"UNLISTEN {door.ANSWERED}")
        outcome = answer["outcome"] or {}
        if answer["state"] == "done":
            return wire.load(outcome["value"])
        if answer["state"] in ("withdrawn", "expired"):
            raise LedgerError("no_poster", self.path, detail="（请求已撤回 / the request was withdrawn）")
        raise LedgerError(outcome.get("error", "request_failed"), self.path, detail=outcome.get("detail", ""))

    def _answer(self, asked: int) -> dict:
        """The request's answer once the poster gives it; withdrawn (or the poster's answer,
        when it was running it) after :data:`WAIT_SECONDS`, or once no poster has run for
        :data:`GONE_SECONDS`."""
        raw, started, seen = self.conn.raw, time.monotonic(), time.monotonic()
        while True:
            answer = raw.execute("SELECT jxc_answer(%s)", (asked,)).fetchone()[0]
            if answer["state"] != "waiting":
                return answer
            now = time.monotonic()
            if door.poster_running(self.conn):
                seen = now
            if now - started > WAIT_SECONDS or now - seen > GONE_SECONDS:
                return raw.execute("SELECT jxc_withdraw(%s)", (asked,)).fetchone()[0]
            for _ in raw.notifies(timeout=0.5, stop_after=1):
                pass


def _remember_digests(self: Clerk, digests: list[tuple[str, str, str]]) -> None:
    """The workbook's digests of what it posted, a request only when there are any (a post that
    settled nothing, e.g. 管理员's, remembers nothing and asks for nothing)."""
    if digests:
        self._submit("remember_digests", {"digests": digests})


def _request(name: str):
    """Ledger's ``name`` as a request: its arguments, bound as the method names them, sent."""
    method = getattr(Ledger, name)
    signature = inspect.signature(method)

    @functools.wraps(method)
    def submit(self: Clerk, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        del arguments["self"]
        # a post's way to make its documents again stays here: the poster holds the copies it is
        # sent, lets go of none of the caller's, and never asks (see Ledger.post)
        arguments.pop("again", None)
        return self._submit(name, arguments)
    return submit


def _setting(name: str, holds: Callable[[Clerk, object], bool]):
    """A setting's request sent only when it would change what the books hold: a clerk's 设置 names
    the settings on every post, and the poster refuses a department that may not change them."""
    request = getattr(Clerk, name)

    @functools.wraps(request)
    def submit(self: Clerk, value, *args, **kwargs):
        return None if holds(self, value) else request(self, value, *args, **kwargs)
    return submit


for _name in ROUTED:
    setattr(Clerk, _name, _request(_name))
Clerk.remember_digests = _remember_digests
# a clerk's workbook rows are read whole each post: what a post remembers of them is the owner's meta
Clerk.rows_seen = lambda self, workbook, english: (0, {})
Clerk.remember_rows_seen = lambda self, *remembered: None
Clerk.set_cost_method = _setting("set_cost_method", lambda self, method: CostMethod(method) == self.settings.method)
Clerk.set_allow_negative = _setting("set_allow_negative", lambda self, allow: allow == self.settings.allow_negative)
Clerk.set_approval_required = _setting("set_approval_required", lambda self, on: on == self.approval_required())
Clerk = _file_errors(Clerk)
