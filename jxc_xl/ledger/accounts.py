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


def _net_entries(conn: sqlite3.Connection, party: str, side: str, as_of: dt.date | None) -> list[dict]:
    """The party's entries up to ``as_of``, a reversal netted into the entry it cancels."""
    entries: dict[int, dict] = {}
    for e in conn.execute(
            "SELECT e.id, e.date, e.due_date, e.amount, e.link, d.doc_no FROM party_entries e "
            "JOIN documents d ON d.id = e.doc WHERE e.party = ? AND e.side = ? AND e.date <= ? "
            "ORDER BY e.id", (party, side, day(as_of))):
        if e["link"] in entries:
            entries[e["link"]]["amount"] += e["amount"]
        else:
            entries[e["id"]] = dict(e)
    return [e for e in entries.values() if e["amount"] != 0]


def open_items(conn: sqlite3.Connection, party: str, side: str = "AR",
               as_of: dt.date | None = None) -> tuple[list[OpenItem], Decimal]:
    """What each invoice still has open, receipts and credits settling the oldest due first.

    Returns the open items and any credit left unapplied (a prepayment), as a positive amount.
    """
    entries = _net_entries(conn, party, side, as_of)
    credit = -sum(e["amount"] for e in entries if e["amount"] < 0)
    debits = sorted((e for e in entries if e["amount"] > 0), key=lambda e: (e["due_date"], e["date"], e["id"]))
    items = []
    for e in debits:
        applied = min(credit, e["amount"])
        credit -= applied
        items.append(OpenItem(e["doc_no"], e["date"], e["due_date"], from_cents(e["amount"]),
                              from_cents(e["amount"] - applied)))
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


def bucket(age_days: int) -> str:
    """Age = days past the due date; ≤ 30 (and due today) is 0-30, not yet due is not_due."""
    if age_days < 0:
        return "not_due"
    for limit, name in ((30, "0-30"), (60, "31-60"), (90, "61-90"), (120, "91-120")):
        if age_days <= limit:
            return name
    return "120+"


@dataclass(frozen=True)
class AgingRow:
    party: str
    balance: Decimal
    buckets: dict[str, Decimal]


def aging(conn: sqlite3.Connection, as_of: dt.date, side: str = "AR",
          party: str | None = None) -> list[AgingRow]:
    """账龄: each party's open amounts by days past due on ``as_of``; buckets sum to the balance.

    Unapplied credit (a customer's prepayment) is shown as a negative amount not yet due.
    """
    where, args = filters(party=party)
    parties = [r[0] for r in conn.execute(
        f"SELECT DISTINCT party FROM party_entries WHERE side = ? AND date <= ?{where} ORDER BY party",
        [side, as_of.isoformat(), *args])]
    out = []
    for p in parties:
        items, credit = open_items(conn, p, side, as_of)
        buckets = {name: from_cents(0) for name in BUCKETS}
        for item in items:
            buckets[bucket((as_of - dt.date.fromisoformat(item.due_date)).days)] += item.open
        buckets["not_due"] -= credit
        total = sum(buckets.values(), ZERO)
        if total != 0 or credit:
            out.append(AgingRow(p, total, buckets))
    return out
