"""The ledger's users and their roles (see domain.roles): who may post what, reverse, close,
manage users. On an SQLite ledger this is advisory — whoever holds the file holds the books —
but every refusal stands in the audit log."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...domain.problems import Problem
from ...domain.roles import ACT_LABELS, ACT_LABELS_EN, LABELS, ROLES, can_do, may, sees_costs
from . import meta
from ..stores.schema import has_table, upsert

if TYPE_CHECKING:
    from .. import Ledger


@dataclass(frozen=True)
class User:
    name: str
    role: str            # purchasing, sales, warehouse, finance, owner, admin
    active: bool
    added_at: str
    added_by: str

    @property
    def label(self) -> str:
        return LABELS[self.role]


def all_users(conn: sqlite3.Connection) -> list[User]:
    if not has_table(conn, "users"):
        return []
    return [User(r[0], r[1], bool(r[2]), r[3], r[4]) for r in conn.execute(
        "SELECT name, role, active, added_at, added_by FROM users ORDER BY added_at, name")]


def role_of(conn: sqlite3.Connection, name: str) -> str | None:
    """The role of an active user; "" when the ledger has no users (nothing is enforced), or for
    the server login that owns the books (the server lets it do anything, as a file's holder)."""
    found = all_users(conn)
    if not found or name == conn.owner():
        return ""
    return next((u.role for u in found if u.name == name and u.active), None)


def shows_costs(conn, user: str | None) -> bool:
    """Whether what things cost is shown to ``user`` (the server's login, on a server)."""
    return sees_costs(role_of(conn, conn.login() or meta.user_name(user)))


def refusal(conn: sqlite3.Connection, user: str | None, act: str) -> Problem | None:
    """Why ``user`` may not do ``act`` (reverse, close, users), if they may not."""
    name = meta.user_name(user)
    role = role_of(conn, name)
    if role == "" or (role and may(role, act)):
        return None
    if role is None:
        return Problem("user_unknown", args={"value": name})
    return Problem("act_denied", args={"value": name, "role": LABELS[role], "act": ACT_LABELS[act],
                                       "act_en": ACT_LABELS_EN[act],
                                       "allowed": can_do(role)})


def add(ledger: Ledger, name: str, role: str, by: str | None, workbook: str = "",
        password: str | None = None) -> Problem | None:
    """A new user (or a disabled one back, in this role): by an admin, or — the ledger having no
    users yet — the first user, who must be an admin (no one could add users after). On a server
    the user is also a database login in the department's role (``password`` its password). An
    active user is refused: a role or password is never changed behind the audit log's back —
    disable, then add (both logged, the password's setting said)."""
    code = ROLES.get(role.strip().lower()) if role else None
    if not name.strip():
        return Problem("required", field="用户名")
    if code is None:
        return Problem("bad_value", field="角色", args={"value": role, "expected": "、".join(LABELS.values())})
    with ledger._transaction():
        if not all_users(ledger.conn) and code != "admin":
            return Problem("bad_value", field="角色", args={"value": role, "expected": "管理员（第一个用户须是管理员）"})
        problem = refusal(ledger.conn, by, "users")
        active = next((u for u in all_users(ledger.conn) if u.name == name.strip() and u.active), None)
        if problem is None and active is not None:
            problem = Problem("user_exists", args={"value": active.name, "role": active.label})
        if problem is None:
            ledger.conn.execute(upsert("users", ("name", "role", "active", "added_at", "added_by"), "name"),
                                (name.strip(), code, 1, meta.now(), meta.user_name(by)))
            ledger.conn.enrol(name.strip(), code, password)
        told = "，设了密码" if password is not None and not problem else ""
        meta.log(ledger, "user_refused" if problem else "user_add", f"{name}（{LABELS[code]}{told}）", by, workbook)
    return problem


def disable(ledger: Ledger, name: str, by: str | None, workbook: str = "") -> Problem | None:
    with ledger._transaction():
        if not any(u.name == name for u in all_users(ledger.conn)):
            return Problem("user_unknown", args={"value": name})
        problem = refusal(ledger.conn, by, "users")
        if problem is None:
            ledger.conn.execute("UPDATE users SET active = 0 WHERE name = ?", (name,))
            ledger.conn.disable(name)
        meta.log(ledger, "user_refused" if problem else "user_disable", name, by, workbook)
    return problem
