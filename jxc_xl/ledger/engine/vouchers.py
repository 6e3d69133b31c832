"""凭证 from the books: each posted document's figures as postings (domain.vouchers makes them
entries), and the ledger's memory of what was exported under which 凭证号 (voucher_exports).

Numbers run on across the whole ledger, never per month and never reused: ``--void 凭证号`` names
one voucher, and a number once given to the accountant never stands for another document. A
document exported again keeps its number; a voided one gets the next when exported again.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...domain.model import DocType
from ...domain.problems import Problem
from ...domain.vouchers import RED_TYPES, VOUCHERED, Entry, cash_use, entries
from . import meta, users

if TYPE_CHECKING:
    from .. import Ledger

WORD = "记"
_PARTY_USES = {("AR", ""): ("应收", 1), ("AR", "advance"): ("预收", 1), ("AP", ""): ("应付", -1),
               ("AP", "advance"): ("预付", -1)}
_SALES = {DocType.sales_shipment, DocType.sales_return}
_PURCHASES = {DocType.purchase_receipt, DocType.purchase_return}


@dataclass(frozen=True)
class Voucher:
    """One document's voucher: its number, the document it is of, its entries."""

    no: int
    date: str
    doc_no: str
    doc_type: DocType
    reversal: bool
    party: str
    category: str
    entries: tuple[Entry, ...]


def postings(conn, doc) -> list[tuple[str, int]]:
    """A document's figures by 用途, in cents, debit positive: what it owes and is owed, the money
    it moved per account, its stock value in and out, its revenue and its tax."""
    found: list[tuple[str, int]] = []
    for side, kind, cents in conn.execute("SELECT side, kind, SUM(amount) FROM party_entries WHERE doc = ? "
                                          "GROUP BY side, kind", (doc["id"],)).fetchall():
        use, sign = _PARTY_USES[(side, kind or "")]
        found.append((use, sign * cents))
    found += [(cash_use(kind), cents) for kind, cents in conn.execute(
        "SELECT a.kind, SUM(c.amount) FROM cash_entries c LEFT JOIN accounts a ON a.code = c.account "
        "WHERE c.doc = ? GROUP BY c.account, a.kind", (doc["id"],)).fetchall()]
    stock_in, stock_out = conn.execute("SELECT SUM(CASE WHEN value > 0 THEN value ELSE 0 END), SUM(CASE WHEN "
                                       "value < 0 THEN value ELSE 0 END) FROM movements WHERE doc = ?",
                                       (doc["id"],)).fetchone()
    found += [("库存", stock_in or 0), ("库存", stock_out or 0)]
    doc_type = DocType(doc["type"])
    sign = -1 if doc_type in RED_TYPES else 1        # a return's lines are kept positive (a reversal's negated)
    amount, tax = conn.execute("SELECT COALESCE(SUM(amount), 0), COALESCE(SUM(tax), 0) FROM lines WHERE doc = ?",
                               (doc["id"],)).fetchone()
    if doc_type in _SALES:
        found += [("收入", -sign * amount), ("销项税额", -sign * tax)]
    elif doc_type in _PURCHASES and doc["deductible"]:
        found.append(("进项税额", sign * tax))
    return found


def _documents(conn, start: dt.date, end: dt.date) -> list:
    types = ", ".join(f"'{t.value}'" for t in sorted(VOUCHERED, key=lambda t: t.value))
    return conn.execute(f"SELECT * FROM documents WHERE type IN ({types}) AND date >= ? AND date <= ? ORDER BY pos",
                        (start.isoformat(), end.isoformat())).fetchall()


def standing(conn, doc_id: int) -> list[int]:
    """The 凭证号 a document stands exported under (none once voided)."""
    return [r[0] for r in conn.execute("SELECT voucher_no FROM voucher_exports WHERE doc = ? AND voided_at IS NULL "
                                       "ORDER BY voucher_no", (doc_id,))]


# What verify() holds the exported vouchers to: each standing export is of a document the books hold
# and that stands (a reversed one must have had its voucher voided first), a document stands under
# one 凭证号 at most, and a 凭证号 is one document's.
_EXPORT_CHECKS = (
    ("凭证 {0}-{1}：所导出的单据不在账簿中",
     "SELECT e.voucher_no, e.doc FROM voucher_exports e LEFT JOIN documents d ON d.id = e.doc "
     "WHERE e.voided_at IS NULL AND d.id IS NULL"),
    ("凭证 {0}-{1}：单据 {2} 已红字冲销，凭证却未作废",
     "SELECT e.voucher_no, d.doc_no FROM voucher_exports e JOIN documents d ON d.id = e.doc "
     "WHERE e.voided_at IS NULL AND d.reversed_by IS NOT NULL"),
    ("单据 {2} 有不止一张未作废的凭证",
     "SELECT MIN(e.voucher_no), d.doc_no FROM voucher_exports e JOIN documents d ON d.id = e.doc "
     "WHERE e.voided_at IS NULL GROUP BY d.id, d.doc_no HAVING COUNT(*) > 1"),
    ("凭证号 {0}-{1} 用于不止一张单据",
     "SELECT voucher_no, COUNT(DISTINCT doc) FROM voucher_exports GROUP BY voucher_no HAVING COUNT(DISTINCT doc) > 1"),
)


def differences(conn) -> list[str]:
    """What is wrong with the record of exported vouchers (nothing, for a sound ledger)."""
    if "voucher_exports" not in conn.tables():
        return []
    return [text.format(WORD, number, what) for text, query in _EXPORT_CHECKS
            for number, what in conn.execute(query)]


def export(ledger: Ledger, start: dt.date, end: dt.date, user: str, workbook: str,
           uses: set[str]) -> list[Voucher] | Problem:
    """The vouchers of every document posted in the period, each under its 凭证号 — the one it was
    exported under, else the next — remembered and logged; or why not (a role that may not, a
    用途 the 科目 sheet lacks), and then nothing is remembered."""
    with ledger._transaction() as tx:
        conn = ledger.conn
        refused = users.refusal(conn, user, "vouchers")
        if refused:
            tx.rollback()
            return refused
        made, new = [], []
        (last,) = conn.execute("SELECT COALESCE(MAX(voucher_no), 0) FROM voucher_exports").fetchone()
        for doc in _documents(conn, start, end):
            found = entries(DocType(doc["type"]), bool(doc["reversal"]), postings(conn, doc))
            lacking = next((e.use for e in found if e.use not in uses), None)
            if lacking:
                tx.rollback()
                return Problem("chart_use_missing", doc["doc_no"], field="用途", args={"value": lacking, "doc_no": doc["doc_no"]})
            if not found:
                continue
            numbers = standing(conn, doc["id"])
            if not numbers:
                last += 1
                numbers = [last]
                new.append((last, doc["id"], doc["date"]))
            made.append(Voucher(numbers[0], doc["date"], doc["doc_no"], DocType(doc["type"]), bool(doc["reversal"]),
                                doc["party"] or "", doc["category"] or "", tuple(found)))
        now = meta.now()
        conn.executemany('INSERT INTO voucher_exports (voucher_no, doc, date, exported_at, "user", workbook) '
                         "VALUES (?, ?, ?, ?, ?, ?)", [(*row, now, user, workbook) for row in new])
        meta.log(ledger, "vouchers", f"{start.isoformat()} 至 {end.isoformat()}：{len(made)} 张凭证" +
                 (f"，新编号 {WORD}-{new[0][0]} 至 {WORD}-{new[-1][0]}" if new else "，没有新编号"), user, workbook)
    return made


def void(ledger: Ledger, number: int, user: str, workbook: str) -> Problem | None:
    """作废凭证: the document exported under ``number`` may be reversed again (and is given a new
    number when exported again); logged."""
    with ledger._transaction() as tx:
        conn = ledger.conn
        refused = users.refusal(conn, user, "vouchers")
        found = None if refused else conn.execute(
            "SELECT e.id, d.doc_no FROM voucher_exports e JOIN documents d ON d.id = e.doc "
            "WHERE e.voucher_no = ? AND e.voided_at IS NULL", (number,)).fetchone()
        if refused or found is None:
            tx.rollback()
            return refused or Problem("voucher_not_found", field="凭证号", args={"value": f"{WORD}-{number}"})
        conn.execute("UPDATE voucher_exports SET voided_at = ?, voided_by = ? WHERE id = ?",
                     (meta.now(), user, found[0]))
        meta.log(ledger, "void_voucher", f"{WORD}-{number}（{found[1]}）作废", user, workbook)
    return None
