"""Settlement of a party's open amounts: which credit applies to which receivable (payable).

One pure replay over the party's entries on one side, in ledger order (date, then position;
a reversal netted into the entry it cancels), so a back-dated 收款 re-settles by construction:

- a debit (a shipment, an opening balance, a refund) first takes the advances held for an order
  it fulfils, then the credits not yet applied (surplus receipts, advances for no order), oldest
  first; what is left is open, due on its due date;
- a plain credit (收款, a return, a 核销's settling leg) settles the open debits oldest due first
  (its 原单号's first, for a 核销 naming one); what is left over is a credit for later debits;
- an advance (预收/预付, kind ``advance``) is held: it settles nothing open at its date;
- a 核销's advance leg (+, kind ``advance``) uses up advances (its 原单号's first, else oldest
  first). Should less be open than it applies (a document back-dated under it since), the rest
  stands as a debit, so the balance holds, and the replay names it (``over``) for verify().

Amounts are cents, + what the party owes us on AR (we owe it on AP).
"""
from __future__ import annotations

import datetime as dt
import heapq
import sqlite3
from collections import deque
from dataclasses import dataclass, field

from ...domain.model import DocType
from ...domain.money import from_cents, to_cents
from ..queries import day

ADVANCE = "advance"
# the order a 预收/预付 may name in 订单号 (定向抵扣)
ORDER_OF = {DocType.advance_receipt: DocType.sales_order, DocType.advance_payment: DocType.purchase_order}
# what a 核销's 原单号 may name, by the leg it applies: (side, kind) → the documents it may be
SOURCES = {
    DocType.advance_to_receivable: {("AR", ADVANCE): (DocType.advance_receipt,), ("AR", ""): (DocType.sales_shipment,)},
    DocType.advance_to_payable: {("AP", ADVANCE): (DocType.advance_payment,), ("AP", ""): (DocType.purchase_receipt,)},
    DocType.netting: {("AR", ""): (DocType.sales_shipment,), ("AP", ""): (DocType.purchase_receipt,)},
}


@dataclass(slots=True)
class Entry:
    """One entry of the party on one side, net of its reversal."""
    id: int
    date: str
    pos: int
    due: str
    amount: int
    kind: str
    order_doc: int | None
    applies_to: int | None
    doc: int
    doc_no: str
    orders: frozenset[int] = frozenset()       # the orders a shipment (receipt) fulfils

    @property
    def key(self) -> tuple:
        """Ledger order."""
        return self.date, self.pos, self.id


@dataclass(slots=True)
class Open:
    entry: Entry
    left: int


@dataclass
class Settled:
    """What the replay leaves: open debits, credits not yet applied, and over-applications."""
    debits: list[tuple] = field(default_factory=list)        # a heap of (due, date, pos, id, Open)
    general: deque = field(default_factory=deque)            # credits any debit may take
    held: dict[int, deque] = field(default_factory=dict)     # advances for an order, by order
    over: list[tuple[Entry, int]] = field(default_factory=list)
    every: list[Open] = field(default_factory=list)          # every debit, settled or not

    def open_debits(self) -> list[Open]:
        return [d[-1] for d in sorted(self.debits) if d[-1].left]

    def all_debits(self) -> list[Open]:
        """Every debit, what it still has open (0 when settled), oldest due first."""
        return sorted(self.every, key=lambda d: (d.entry.due, d.entry.date, d.entry.pos, d.entry.id))

    def credits(self) -> list[Open]:
        found = [c for c in self.general if c.left] + [c for q in self.held.values() for c in q if c.left]
        return sorted(found, key=lambda c: c.entry.key)

    def owed(self, doc: int | None = None) -> int:
        return sum(d[-1].left for d in self.debits if doc is None or d[-1].entry.doc == doc)

    def advances(self, doc: int | None = None) -> int:
        return sum(c.left for c in self.credits() if c.entry.kind == ADVANCE and doc in (None, c.entry.doc))


def settle(entries: list[Entry]) -> Settled:
    """Replay ``entries`` (in ledger order) as the module docstring says."""
    state = Settled()
    for e in entries:
        if e.amount > 0:
            left = _use_advances(state, e) if e.kind == ADVANCE else e.amount
            debit = Open(e, _take_credits(state, e, left))
            state.every.append(debit)
            if debit.left:
                heapq.heappush(state.debits, (e.due, e.date, e.pos, e.id, debit))
        elif e.kind == ADVANCE:
            (state.held.setdefault(e.order_doc, deque()) if e.order_doc else state.general).append(Open(e, -e.amount))
        else:
            left = _settle_debits(state, e, -e.amount)
            if left:
                state.general.append(Open(e, left))
    return state


def _take(credits, left: int) -> int:
    """Apply credits (oldest first) to ``left``; returns what is still unpaid."""
    for credit in credits:
        if not left:
            break
        used = min(credit.left, left)
        credit.left -= used
        left -= used
    return left


def _take_credits(state: Settled, e: Entry, left: int) -> int:
    for order in sorted(e.orders) if e.orders else ():
        left = _take(state.held.get(order, ()), left)
    left = _take(state.general, left)
    while state.general and not state.general[0].left:
        state.general.popleft()
    return left


def _use_advances(state: Settled, e: Entry) -> int:
    """A 核销's advance leg: use up its 原单号's advance, then the oldest; the rest is over."""
    advances = [c for c in state.credits() if c.entry.kind == ADVANCE]
    advances.sort(key=lambda c: c.entry.doc != e.applies_to)
    left = _take(advances, e.amount)
    if left:
        state.over.append((e, left))
    return left


def _settle_debits(state: Settled, e: Entry, amount: int) -> int:
    """A plain credit: its 原单号's debit first, then the oldest due; returns what is left over."""
    if e.applies_to is not None:
        amount = _take((d[-1] for d in state.debits if d[-1].entry.doc == e.applies_to), amount)
    while amount and state.debits:
        top = state.debits[0][-1]
        used = min(top.left, amount)
        top.left -= used
        amount -= used
        if not top.left:
            heapq.heappop(state.debits)
    return amount


# -- the entries, read from the ledger ------------------------------------------------------
def entries(conn: sqlite3.Connection, party: str, side: str, as_of: dt.date | None = None,
            before: int | None = None) -> list[Entry]:
    """The party's entries on ``side`` up to ``as_of`` (those of documents before the position
    ``before``, when given), each net of its reversal, in ledger order."""
    rows: dict[int, list] = {}
    for row in conn.execute(
            "SELECT e.id, e.date, d.pos, e.due_date, e.amount, e.link, COALESCE(e.kind, ''), e.order_doc, "
            "e.applies_to, e.doc, d.doc_no FROM party_entries e JOIN documents d ON d.id = e.doc "
            "WHERE e.party = ? AND e.side = ? AND e.date <= ? ORDER BY e.id", (party, side, day(as_of))):
        row = list(row)
        if row[5] in rows:
            rows[row[5]][4] += row[4]
        else:
            rows[row[0]] = row
    kept = [r for r in rows.values() if r[4] and (before is None or r[2] < before)]
    held = any(r[7] for r in kept)
    fulfils = _fulfilled_orders(conn, party) if held else {}
    found = [Entry(r[0], r[1], r[2], r[3], r[4], r[6], r[7], r[8], r[9], r[10], fulfils.get(r[9], frozenset()))
             for r in kept]
    return sorted(found, key=lambda e: (e.date, e.pos, e.id))


def _fulfilled_orders(conn: sqlite3.Connection, party: str) -> dict[int, frozenset[int]]:
    """document → the orders its lines fulfil, for the party's receipts and shipments."""
    found: dict[int, set[int]] = {}
    for doc, order in conn.execute(
            "SELECT DISTINCT l.doc, o.doc FROM lines l JOIN lines o ON o.id = l.order_line "
            "JOIN documents d ON d.id = l.doc WHERE d.party = ?", (party,)):
        found.setdefault(doc, set()).add(order)
    return {doc: frozenset(orders) for doc, orders in found.items()}


def special_parties(conn: sqlite3.Connection, side: str, as_of: dt.date | None = None) -> set[str]:
    """Parties whose settlement needs the replay: they have advances or a 核销 naming what it
    applies. The others settle alike by bucket sums (accounts.aging): every credit there
    settles the oldest due first, which is what the replay does too while due dates follow
    posting dates."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT party FROM party_entries WHERE side = ? AND date <= ? AND (kind = ? OR applies_to IS NOT NULL)",
        (side, day(as_of), ADVANCE))}


# -- posting a 预收/预付 or a 核销: what it names, and how much it may apply -------------------
@dataclass(frozen=True)
class Links:
    """Filled at posting: the order a 预收/预付 is for, the documents a 核销's legs apply."""
    order_doc: int | None = None
    applies: dict[tuple[str, str], int] = field(default_factory=dict)     # (side, kind) → document


# a refusal: (problem code, field, args)
Refusal = tuple[str, str, dict]
_WORDS = {("AR", ADVANCE): "预收", ("AP", ADVANCE): "预付", ("AR", ""): "应收", ("AP", ""): "应付"}


def links(conn: sqlite3.Connection, doc, pos: int, legs: tuple) -> tuple[Links, list[Refusal]]:
    """For a 预收/预付: the standing order of the party its 订单号 names. For a 核销 (``legs``:
    its (side, sign, kind) rules): the document its 原单号 names, and each leg held to what is
    open before it — an advance leg to the advances not yet applied (the named one's), a
    settling leg to what is owed (the named document's)."""
    if doc.type in ORDER_OF:
        return _order(conn, doc)
    if doc.type not in SOURCES:
        return Links(), []
    applies, refused = _source(conn, doc)
    if refused:
        return Links(), refused
    cents = to_cents(doc.amount)
    state = {side: settle(entries(conn, doc.party, side, before=pos)) for side in {leg[0] for leg in legs}}
    for side, sign, kind in legs:
        named = applies.get((side, kind))
        found = state[side].advances(named) if kind == ADVANCE else state[side].owed(named)
        if cents > found:
            what = _WORDS[(side, kind)] + (f"“{doc.source_doc_no}”" if named else "")
            refused.append(("settle_exceeds", "金额", {"value": f"{doc.amount:,.2f}", "what": what,
                                                       "expected": f"{from_cents(found):,}"}))
    return Links(applies=applies), refused


def _order(conn: sqlite3.Connection, doc) -> tuple[Links, list[Refusal]]:
    if not doc.order_no:
        return Links(), []
    order_type = ORDER_OF[doc.type]
    order = conn.execute("SELECT id, party FROM documents WHERE journal = ? AND doc_no = ? AND reversal = 0 "
                         "AND reversed_by IS NULL ORDER BY revision DESC LIMIT 1",
                         (order_type.journal, doc.order_no)).fetchone()
    if order is None:
        return Links(), [("order_missing", "订单号", {"value": doc.order_no, "expected": order_type.label})]
    if order["party"] != doc.party:
        return Links(), [("order_party", "订单号", {"value": doc.order_no, "expected": order["party"]})]
    return Links(order_doc=order["id"]), []


def _source(conn: sqlite3.Connection, doc) -> tuple[dict, list[Refusal]]:
    """The leg a 核销's 原单号 applies: the party's standing document of that 单号, dated no later."""
    if not doc.source_doc_no:
        return {}, []
    for leg, types in SOURCES[doc.type].items():
        for t in types:
            found = conn.execute(
                "SELECT id FROM documents WHERE journal = ? AND doc_no = ? AND type = ? AND party = ? AND "
                "reversal = 0 AND reversed_by IS NULL AND date <= ? ORDER BY revision DESC LIMIT 1",
                (t.journal, doc.source_doc_no, t.value, doc.party, doc.date.isoformat())).fetchone()
            if found:
                return {leg: found[0]}, []
    expected = "或".join(t.label for types in SOURCES[doc.type].values() for t in types)
    return {}, [("settle_source_missing", "原单号", {"value": doc.source_doc_no, "expected": expected})]


# -- verify(): what the replay finds the books cannot hold ------------------------------------
def differences(conn: sqlite3.Connection) -> list[str]:
    """Every party and side replayed: nothing applied beyond what was open (a 核销 whose
    advance a document back-dated under it has taken since), and the open debits less the
    credits not yet applied equal to the sum of the entries (the balance)."""
    found = []
    for party, side, total in conn.execute(
            "SELECT party, side, SUM(amount) FROM party_entries GROUP BY party, side ORDER BY party, side").fetchall():
        settled = settle(entries(conn, party, side))
        word = _WORDS[(side, ADVANCE)]
        found += [f"{party} {e.doc_no}：核销{word} {from_cents(e.amount):,} 超过尚未冲销的{word} "
                  f"{from_cents(e.amount - short):,}（差 {from_cents(short):,}）：请冲销后重新核销" for e, short in settled.over]
        net = settled.owed() - sum(c.left for c in settled.credits())
        if net != total:
            found.append(f"{party} {_WORDS[(side, '')]}：未结清 {from_cents(settled.owed()):,} − {word}余额 "
                         f"{from_cents(net - settled.owed()).copy_abs():,} ≠ 余额 {from_cents(total):,}")
    return found
