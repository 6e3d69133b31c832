"""The generated sheets' rows, from the ledger: 库存, 应收, 应付, 台账."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..ledger import Ledger
from ..ledger.queries import BUCKETS
from ..model import DocType
from ..money import MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES, scaled_text
from .contract import JOURNAL, PAYABLES, RECEIVABLES, STOCK, SheetSpec
from .format import Exact


def stock_rows(ledger: Ledger) -> list[list]:
    """Every item × warehouse with stock (or short of its safety stock), with its alert."""
    masters = ledger.masters()
    rows = []
    for r in ledger.stock():
        item = masters.items.get(r.item)
        low = item.min_qty if item else None
        high = item.max_qty if item else None
        if r.qty == 0 and r.value == 0 and not low:
            continue
        alert = ("缺货" if r.qty <= 0 else "低于安全库存" if low is not None and r.qty < low
                 else "超过最高库存" if high is not None and r.qty > high else "")
        rows.append([r.warehouse, r.item, item.name if item else "", item.unit if item else "",
                     r.qty, r.unit_cost, r.value, low, alert])
    return rows


def aging_rows(ledger: Ledger, side: str, today: dt.date) -> list[list]:
    """One row per party with a balance: the balance, its aging buckets, its credit limit."""
    parties = ledger.masters().parties
    rows = []
    for a in ledger.aging(today, side):
        party = parties.get(a.party)
        limit = party.credit_limit if party else None
        over = max(a.balance - limit, Decimal(0)) if limit is not None else None
        rows.append([a.party, party.name if party else "", a.balance, *(a.buckets[b] for b in BUCKETS),
                     limit, over])
    return rows


def journal_rows(ledger: Ledger) -> list[list]:
    """台账: every posted movement in ledger order, with its item × warehouse running balance.

    The largest sheet there is (a row per movement), so its figures go out as exact text
    straight from the stored integers.
    """
    labels = {(t.value, rev): t.label + ("（红字冲销）" if rev else "") for t in DocType for rev in (0, 1)}
    dates: dict[str, dt.date] = {}
    rows = []
    for batch, date, kind, rev, doc_no, wh, item, qty, value, unit, bal_qty, bal_value in ledger.conn.execute(
            "SELECT m.batch, m.date, d.type, d.reversal, d.doc_no, m.warehouse, m.item, m.qty, m.value, "
            "m.unit_cost, m.bal_qty, m.bal_value FROM movements m JOIN documents d ON d.id = m.doc "
            "ORDER BY m.date, m.pos, m.warehouse"):
        incoming = qty > 0 or (qty == 0 and value >= 0)
        day = dates.get(date) or dates.setdefault(date, dt.date.fromisoformat(date))
        rows.append([batch, day, labels[(kind, rev)], doc_no, wh, item,
                     Exact(scaled_text(qty, QTY_PLACES)) if qty > 0 else None,
                     Exact(scaled_text(-qty, QTY_PLACES)) if qty < 0 else None,
                     Exact(scaled_text(unit, UNIT_COST_PLACES)),
                     Exact(scaled_text(value if incoming else -value, MONEY_PLACES)),
                     Exact(scaled_text(bal_qty, QTY_PLACES)), Exact(scaled_text(bal_value, MONEY_PLACES))])
    return rows


def generated(ledger: Ledger, today: dt.date) -> list[tuple[SheetSpec, list[list]]]:
    return [(STOCK, stock_rows(ledger)), (RECEIVABLES, aging_rows(ledger, "AR", today)),
            (PAYABLES, aging_rows(ledger, "AP", today)), (JOURNAL, journal_rows(ledger))]
