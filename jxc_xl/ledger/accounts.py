"""Questions the ledger answers about receivables and payables: balances, open items, aging.

All figures come back as Decimal; SQL sums run over scaled integers, so they are exact.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal

from ..domain.money import ZERO, from_cents
from .queries import day, filters

BUCKETS = ("not_due", "0-30", "31-60", "61-90", "91-120", "120+")


@dataclass(frozen=True)
class OpenItem:
    doc_no: str
    date: str
    due_date: str
    amount: Decimal
    open: Decimal


def _net_entries(conn: sqlite3.Connection, party: str, side: str, as_of: dt.date | None) -> list[list]:
    """The party's entries up to ``as_of`` as [id, date, due date, amount (cents), 单号], a
    reversal netted into the entry it cancels."""
    entries: dict[int, list] = {}
    for id_, date, due, amount, link, doc_no in conn.execute(
            "SELECT e.id, e.date, e.due_date, e.amount, e.link, d.doc_no FROM party_entries e "
            "JOIN documents d ON d.id = e.doc WHERE e.party = ? AND e.side = ? AND e.date <= ? "
            "ORDER BY e.id", (party, side, day(as_of))):
        if link in entries:
            entries[link][3] += amount
        else:
            entries[id_] = [id_, date, due, amount, doc_no]
    return [e for e in entries.values() if e[3] != 0]


def open_items(conn: sqlite3.Connection, party: str, side: str = "AR",
               as_of: dt.date | None = None) -> tuple[list[OpenItem], Decimal]:
    """What each invoice still has open, receipts and credits settling the oldest due first.

    Returns the open items and any credit left unapplied (a prepayment), as a positive amount.
    """
    entries = _net_entries(conn, party, side, as_of)
    credit = -sum(e[3] for e in entries if e[3] < 0)
    items = []
    for e in sorted((e for e in entries if e[3] > 0), key=lambda e: (e[2], e[1], e[0])):
        applied = min(credit, e[3])
        credit -= applied
        items.append(OpenItem(e[4], e[1], e[2], from_cents(e[3]), from_cents(e[3] - applied)))
    return items, from_cents(credit)


def balance(conn: sqlite3.Connection, party: str, as_of: dt.date | None = None,
            side: str | None = None) -> Decimal:
    """What the party owes us (AR), we owe it (AP), or AR − AP when no side is given."""
    sides = [side] if side else ["AR", "AP"]
    total = ZERO
    for s in sides:
        (amount,) = conn.execute("SELECT COALESCE(SUM(amount), 0) FROM party_entries WHERE party = ? "
                                 "AND side = ? AND date <= ?", (party, s, day(as_of))).fetchone()
        total += from_cents(amount) * (1 if s == "AR" else -1 if side is None else 1)
    return total


@dataclass(frozen=True)
class AgingRow:
    party: str
    balance: Decimal
    buckets: dict[str, Decimal]


def aging(conn: sqlite3.Connection, as_of: dt.date, side: str = "AR",
          party: str | None = None) -> list[AgingRow]:
    """账龄: each party's open amounts by days past due on ``as_of``; buckets sum to the balance.

    Age = days past the due date: not yet due, 0-30 (due today included), 31-60, 61-90,
    91-120, 120+. Credits settle the oldest due first (as :func:`open_items` does, a reversal
    netted into what it cancels), so they use up the oldest bucket's invoices before the next:
    SQL sums each bucket's invoices and the credits per party, and only the buckets are settled
    here — 100,000 invoices in a fraction of the time of settling them one by one. Unapplied
    credit (a prepayment) is shown as a negative amount not yet due.
    """
    where, args = filters(party=party)
    edges = [(as_of - dt.timedelta(days=days)).isoformat() for days in (-1, 30, 60, 90, 120)]
    which = "CASE " + " ".join(f"WHEN due >= ? THEN {i}" for i in range(len(edges))) + f" ELSE {len(edges)} END"
    sums: dict[str, dict] = {}
    for p, index, debit, credit in conn.execute(
            f"SELECT party, {which}, SUM(CASE WHEN net > 0 THEN net ELSE 0 END), "
            "SUM(CASE WHEN net < 0 THEN -net ELSE 0 END) FROM (SELECT party, "
            "COALESCE(link, id) AS entry, MIN(due_date) AS due, SUM(amount) AS net FROM party_entries "
            f"WHERE side = ? AND date <= ?{where} GROUP BY party, entry) AS owed GROUP BY party, 2 ORDER BY party",
            [*edges, side, as_of.isoformat(), *args]):
        found = sums.setdefault(p, {"credit": 0})
        found[BUCKETS[index]] = debit
        found["credit"] += credit
    out = []
    for p, found in sums.items():
        credit, cents = found["credit"], {}
        for name in reversed(BUCKETS):                  # the oldest due first
            applied = min(credit, found.get(name, 0))
            cents[name], credit = found.get(name, 0) - applied, credit - applied
        cents["not_due"] -= credit
        total = sum(cents.values())
        if total != 0 or credit:
            out.append(AgingRow(p, from_cents(total), {name: from_cents(cents[name]) for name in BUCKETS}))
    return out
