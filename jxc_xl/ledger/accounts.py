"""Questions the ledger answers about receivables and payables: balances, open items, aging.

All figures come back as Decimal; SQL sums run over scaled integers, so they are exact.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal

from ..domain.money import ZERO, from_cents
from .engine import settlement
from .queries import day, filters

BUCKETS = ("not_due", "0-30", "31-60", "61-90", "91-120", "120+")


@dataclass(frozen=True)
class OpenItem:
    doc_no: str
    date: str
    due_date: str
    amount: Decimal
    open: Decimal


def open_items(conn: sqlite3.Connection, party: str, side: str = "AR",
               as_of: dt.date | None = None) -> tuple[list[OpenItem], Decimal]:
    """What each invoice still has open (0 when settled), as settlement.settle applies the credits.

    Returns the open items and the credit not yet applied (advances and surplus receipts), as
    a positive amount.
    """
    settled = settlement.settle(settlement.entries(conn, party, side, as_of))
    items = [OpenItem(d.entry.doc_no, d.entry.date, d.entry.due, from_cents(d.entry.amount), from_cents(d.left))
             for d in settled.all_debits()]
    return items, from_cents(sum(c.left for c in settled.credits()))


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
    credit: Decimal = ZERO          # 预收余额/预付余额: advances and surplus credits not yet applied


def aging(conn: sqlite3.Connection, as_of: dt.date, side: str = "AR",
          party: str | None = None) -> list[AgingRow]:
    """账龄: each party's open amounts by days past due on ``as_of``; buckets sum to the balance.

    Age = days past the due date: not yet due, 0-30 (due today included), 31-60, 61-90,
    91-120, 120+. Credits not yet applied (advances, surplus receipts) are shown as a negative
    amount not yet due, and as ``credit``. A party with advances or a 核销 naming what it applies
    is settled by the replay (settlement.settle); the others by bucket sums: credits settle the
    oldest due first, so they use up the oldest bucket's invoices before the next — SQL sums each
    bucket's invoices and the credits per party (a reversal netted into what it cancels), and only
    the buckets are settled here. Measured on 100,000 invoices and 20,000 receipts of one party
    (a throwaway script, SQLite in memory, a busy 2-core machine): 1.1 s by buckets against 4.5 s
    replayed, hence both.
    """
    where, args = filters(party=party)
    edges = [(as_of - dt.timedelta(days=days)).isoformat() for days in (-1, 30, 60, 90, 120)]
    which = "CASE " + " ".join(f"WHEN due >= ? THEN {i}" for i in range(len(edges))) + f" ELSE {len(edges)} END"
    special = settlement.special_parties(conn, side, as_of)
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
        cents, credit = _replayed(conn, p, side, as_of, edges) if p in special else _by_buckets(found)
        total = sum(cents.values())
        if total != 0 or credit:
            out.append(AgingRow(p, from_cents(total), {name: from_cents(cents[name]) for name in BUCKETS},
                                from_cents(credit)))
    return out


def _by_buckets(found: dict) -> tuple[dict[str, int], int]:
    """The credits against whole buckets, the oldest first: (open cents per bucket, credit left)."""
    credit, cents = found["credit"], {}
    for name in reversed(BUCKETS):                  # the oldest due first
        applied = min(credit, found.get(name, 0))
        cents[name], credit = found.get(name, 0) - applied, credit - applied
    cents["not_due"] -= credit
    return cents, credit


def _replayed(conn: sqlite3.Connection, party: str, side: str, as_of: dt.date,
              edges: list[str]) -> tuple[dict[str, int], int]:
    """The party's open debits, as the replay leaves them, by bucket; and its credit left."""
    settled = settlement.settle(settlement.entries(conn, party, side, as_of))
    cents = {name: 0 for name in BUCKETS}
    for d in settled.open_debits():
        cents[BUCKETS[next((i for i, edge in enumerate(edges) if d.entry.due >= edge), len(edges))]] += d.left
    credit = sum(c.left for c in settled.credits())
    cents["not_due"] -= credit
    return cents, credit
