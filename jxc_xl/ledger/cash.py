"""Questions the ledger answers about money: what each account holds, every movement of money
with its running balance (资金日记账), the accounts below zero, and whether the money entries
still say what their documents say (part of verify()).

Every figure is a sum of integer cents in SQL; nothing is kept but the entries themselves, so
each balance is rebuilt from them every time it is asked.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from ..domain.model import DocType
from ..domain.money import from_cents
from .engine.posting import CASH_RULES
from .queries import day


def balances(conn: sqlite3.Connection, as_of: dt.date | None = None) -> dict[str, int]:
    """account → its balance in cents at the end of ``as_of`` (default: everything posted); an
    account with no movement has none here."""
    return dict(conn.execute("SELECT account, SUM(amount) FROM cash_entries WHERE date <= ? GROUP BY account",
                             (day(as_of),)).fetchall())


def below_zero(conn: sqlite3.Connection, as_of: dt.date | None = None,
               accounts: set[str] | None = None) -> list[tuple[str, int]]:
    """(account, cents) of each account below zero at the end of ``as_of`` (only of ``accounts``,
    when given), by code. Money recorded late is common, so a balance below zero posts; it is
    shown, said and must be put right before its month closes."""
    return sorted((a, cents) for a, cents in balances(conn, as_of).items()
                  if cents < 0 and (accounts is None or a in accounts))


def touched(conn: sqlite3.Connection, batch: int | None) -> set[str]:
    """The accounts batch ``batch`` moved money in or out of."""
    return {r[0] for r in conn.execute("SELECT DISTINCT c.account FROM cash_entries c JOIN documents d ON d.id = c.doc "
                                         "WHERE d.batch = ?", (batch,))}


@dataclass(frozen=True)
class CashLine:
    """One movement of money on the 资金日记账, amounts in cents: + in, − out."""

    date: str
    account: str
    doc_no: str
    type: str
    reversal: bool
    party: str
    other: str            # the other account of a 转账
    category: str
    method: str
    note: str
    amount: int
    balance: int          # the account's running balance after it


def journal(conn: sqlite3.Connection) -> list[CashLine]:
    """Every money movement in date, then posting, order, with its account's running balance
    (a window sum over the entries, exact)."""
    return [CashLine(*row[:4], bool(row[4]), *row[5:]) for row in conn.execute(
        "SELECT e.date, e.account, d.doc_no, d.type, d.reversal, COALESCE(e.party, ''), "
        "CASE WHEN e.account = d.account THEN COALESCE(d.to_account, '') ELSE COALESCE(d.account, '') END, "
        "COALESCE(d.category, ''), COALESCE(d.method, ''), COALESCE(d.note, ''), e.amount, "
        "SUM(e.amount) OVER (PARTITION BY e.account ORDER BY e.date, e.id ROWS UNBOUNDED PRECEDING) "
        "FROM cash_entries e JOIN documents d ON d.id = e.doc ORDER BY e.date, e.id")]


def differences(conn: sqlite3.Connection) -> list[str]:
    """Each document whose money entries differ, account by account, from what its 金额 and
    CASH_RULES make (a 红字冲销 the opposite of its original's), entries under no document, and
    entries dated other than their document (a balance as of a day would be off)."""
    return _amounts(conn) + [f"资金：单号 {doc_no} 账户 {account} 流水日期 {date} ≠ 单据日期 {doc_date}"
                             for doc_no, account, date, doc_date in conn.execute(
                                 "SELECT d.doc_no, e.account, e.date, d.date FROM cash_entries e JOIN documents d "
                                 "ON d.id = e.doc WHERE e.date <> d.date ORDER BY e.id")]


def _amounts(conn: sqlite3.Connection) -> list[str]:
    """What :func:`differences` finds in the amounts, per document and account."""
    found = {(doc, account): amount for doc, account, amount in conn.execute(
        "SELECT doc, account, SUM(amount) FROM cash_entries GROUP BY doc, account")}
    names, wanted = _wanted(conn)
    out = []
    for doc, account in sorted(found.keys() | wanted.keys()):
        entries, expected = found.get((doc, account), 0), wanted.get((doc, account), 0)
        if entries != expected:
            out.append(f"资金：单号 {names.get(doc, f'（不存在的单据 {doc}）')} 账户 {account} 流水 {from_cents(entries)} "
                       f"≠ 单据 {from_cents(expected)}")
    return out


def _wanted(conn: sqlite3.Connection) -> tuple[dict[int, str], dict[tuple[int, str], int]]:
    """(document → 单号, (document, account) → cents) as CASH_RULES make them of each document
    that moves money or has money entries: its 金额 with the rule's sign, a 红字冲销's the opposite."""
    names, wanted = {}, {}
    for doc, doc_no, kind, reversal, amount, account, to_account in conn.execute(
            "SELECT id, doc_no, type, reversal, amount, account, to_account FROM documents WHERE type IN "
            f"({', '.join('?' * len(CASH_RULES))}) OR id IN (SELECT doc FROM cash_entries)",
            [t.value for t in CASH_RULES]):
        names[doc] = doc_no
        fields = {"account": account, "to_account": to_account}
        for field, sign in CASH_RULES.get(DocType(kind), ()):
            if fields[field]:
                key = (doc, fields[field])
                wanted[key] = wanted.get(key, 0) + sign * (amount or 0) * (-1 if reversal else 1)
    return names, wanted
