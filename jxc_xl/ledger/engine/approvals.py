"""过账需审核: documents that wait for a second person's 审核 before they move stock or money.

With the ledger's ``approval_required`` on and users in the ledger, a user's post checks every
document exactly as a post would (a dry run: stock, credit, closed period…) and keeps each that
would post as a waiting version in ``pending`` instead. A 财务 or 老板 other than its submitter
approves it: it then posts as the submitter's own post would have — the same engine, the same
checks at that moment, the submitter's department — in one transaction with the decision; or a
refusal (stock gone meanwhile) leaves it waiting with the post's own message. Or they reject it
with a reason, which the submitter's 状态 shows until a changed version is submitted again.

A ledger without users is one clerk's: there is no second person, and the setting does not
apply (nor to the server's owner login, which is no user).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ...domain.model import Document, DocType
from ...domain.money import from_cents, mul_money, to_cents
from ...domain.problems import Problem
from ...domain.roles import LABELS
from ...domain.validate import Masters, validate
from . import batch, meta, users
from ..results import Outcome, PostResult
from ..stores.schema import has_table

if TYPE_CHECKING:
    from .. import Ledger

WAITING, APPROVED, REJECTED, REPLACED = "waiting", "approved", "rejected", "replaced"
SETTING = "approval_required"


@dataclass(frozen=True)
class Pending:
    """One submitted version of a document and what became of it."""

    id: int
    journal: str
    doc_no: str
    type: str
    date: str
    party: str
    amount: Decimal | None
    submitted_by: str
    submitted_at: str
    workbook: str
    sheet: str
    row: int | None
    state: str
    decided_by: str | None
    decided_at: str | None
    reason: str | None
    batch: int | None
    fingerprint: str = ""

    @property
    def label(self) -> str:
        return DocType(self.type).label


_COLUMNS = ("id, journal, doc_no, type, date, party, amount, submitted_by, submitted_at, workbook, sheet, row, "
            "state, decided_by, decided_at, reason, batch, fingerprint")


def _pending(row) -> Pending:
    values = list(row)
    values[6] = None if values[6] is None else from_cents(values[6])
    return Pending(*values)


def is_on(conn) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (SETTING,)).fetchone()
    return row is not None and row[0] == "1"


def required(conn, user: str | None) -> bool:
    """Whether ``user``'s documents wait for 审核: the setting on, and ``user`` one of the
    ledger's users (not a ledger without users, not the server's owner; someone who is no user
    is refused by the post itself)."""
    return has_table(conn, "pending") and is_on(conn) and users.role_of(conn, meta.user_name(user)) not in ("", None)


def set_required(ledger: Ledger, on: bool, user: str | None, workbook: str) -> Problem | None:
    """Turn 过账需审核 on or off: the 管理员's (who keeps the ledger's settings), or anyone's on a
    ledger without users; logged."""
    with ledger._transaction():
        refused = users.refusal(ledger.conn, user, "users")
        if refused is not None:
            role = users.role_of(ledger.conn, meta.user_name(user))
            return Problem("approval_set_denied", field="过账需审核", args={
                "value": meta.user_name(user), "role": LABELS.get(role or "", "非用户"),
                "expected": "是" if is_on(ledger.conn) else "否"})
        meta.put(ledger, SETTING, "1" if on else "0")
        meta.log(ledger, "approval_setting", f"过账需审核：{'是' if on else '否'}", user, workbook)
    return None


# -- submitting ------------------------------------------------------------------------------------------
def submit(ledger: Ledger, documents: list[Document], user: str, workbook: str, masters: Masters | None,
           credit_block: bool) -> PostResult:
    """The post of a user whose documents wait: each that would post now is kept waiting (a
    version typed again unchanged stays as it is; a changed one replaces it; one rejected and
    typed again unchanged stays rejected). Nothing moves stock or money."""
    checked = batch.post(ledger, documents, user, workbook, masters, dry_run=True, credit_block=credit_block)
    masters = masters or ledger.masters()
    who, now, outcomes, new = meta.user_name(user), meta.now(), [], []
    with ledger._transaction():
        known = latest(ledger.conn, {(d.journal, d.doc_no) for d in documents})
        for doc, outcome in zip(documents, checked.outcomes):
            if outcome.status != "posted":
                outcomes.append(outcome)
                continue
            fingerprint, found = doc.fingerprint(), known.get((doc.journal, doc.doc_no))
            if found is not None and found.state in (WAITING, REJECTED) and found.fingerprint == fingerprint:
                outcomes.append(_outcome(doc, found))
                continue
            if found is not None and found.state == WAITING:
                ledger.conn.execute("UPDATE pending SET state = ? WHERE id = ?", (REPLACED, found.id))
            where, amount = doc.where(), _amount(doc, masters)
            number = ledger.conn.execute(
                "INSERT INTO pending (journal, doc_no, type, date, party, amount, document, fingerprint, submitted_by, "
                "submitted_at, workbook, sheet, row, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                (doc.journal, doc.doc_no, doc.type.value, doc.date.isoformat(), doc.party, amount,
                 doc.model_dump_json(), fingerprint, who, now, workbook, where.sheet, where.row, WAITING)).fetchone()[0]
            known[(doc.journal, doc.doc_no)] = found = Pending(
                number, doc.journal, doc.doc_no, doc.type.value, doc.date.isoformat(), doc.party,
                None if amount is None else from_cents(amount), who, now, workbook, where.sheet, where.row, WAITING,
                None, None, None, None, fingerprint)
            outcomes.append(_outcome(doc, found))
            new.append(doc.doc_no)
        if new:
            meta.log(ledger, "submit", f"提交审核 {len(new)} 张（{'、'.join(new[:10])}{' …' if len(new) > 10 else ''}）",
                     who, workbook)
    return PostResult(None, outcomes, [])


def _outcome(doc: Document, found: Pending) -> Outcome:
    return Outcome(doc.doc_no, doc.journal, found.state, (), doc.where(), pending=found)


def _amount(doc: Document, masters: Masters) -> int | None:
    """What the 待审核 sheet shows as the document's 金额: a payment's amount, else its lines'
    价税合计 (their 金额 where they carry no tax); None for one without prices (调拨, 盘点)."""
    if doc.amount is not None:
        return to_cents(doc.amount)
    if doc.receivable is not None or doc.payable is not None:
        return to_cents((doc.receivable or 0) - (doc.payable or 0))
    resolved, _ = validate(doc, masters, None)
    total, priced = Decimal(0), False
    for line in resolved.lines:
        if line.figures is not None:
            total, priced = total + line.figures.total_with_tax, True
        elif line.amount is not None or line.price is not None:
            total += line.amount if line.amount is not None else mul_money(line.qty, line.price)
            priced = True
    return to_cents(total) if priced else None


def latest(conn, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Pending]:
    """(journal, 单号) → its latest submitted version, of those ``keys`` that have one."""
    found: dict[tuple[str, str], Pending] = {}
    if not keys or not has_table(conn, "pending"):
        return found
    numbers = sorted({n for _, n in keys})
    for start in range(0, len(numbers), 500):
        part = numbers[start:start + 500]
        for row in conn.execute(f"SELECT {_COLUMNS} FROM pending WHERE doc_no IN ({','.join('?' * len(part))}) "
                                "ORDER BY id", part):
            record = _pending(row)
            if (record.journal, record.doc_no) in keys:
                found[(record.journal, record.doc_no)] = record
    return found


def waiting(conn) -> list[Pending]:
    """Every document waiting for 审核, oldest submission first."""
    if not has_table(conn, "pending"):
        return []
    return [_pending(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM pending WHERE state = ? ORDER BY id",
                                              (WAITING,))]


# -- deciding ------------------------------------------------------------------------------------------
class _Decided(Exception):
    """Another approver decided the version while this one posted it: nothing of it stays."""


def approve(ledger: Ledger, doc_no: str, journal: str | None, user: str, workbook: str,
            credit_block: bool) -> Outcome:
    """审核 the waiting version of ``doc_no``: posted as its submitter's post would post it (the
    batch signed by the approver), the decision and the audit row (制单人, 审核人) in the same
    transaction; refused — and still waiting — when the post is, with the post's own message."""
    who = meta.user_name(user)
    record, problem = _choose(ledger, doc_no, journal, who, "approve")
    if problem is None and record.submitted_by == who:
        problem = Problem("self_approval", doc_no, None, "单号", {"value": doc_no, "expected": who})
    if problem is not None:
        return _refused(ledger, "approve_refused", doc_no, record, problem, who, workbook)
    text = ledger.conn.execute("SELECT document FROM pending WHERE id = ?", (record.id,)).fetchone()[0]
    document = Document.model_validate_json(text)

    def decide(result: PostResult) -> None:
        done = ledger.conn.execute("UPDATE pending SET state = ?, decided_by = ?, decided_at = ?, batch = ? "
                                   "WHERE id = ? AND state = ?",
                                   (APPROVED, who, meta.now(), result.batch, record.id, WAITING)).rowcount
        if done != 1:
            raise _Decided
        meta.log(ledger, "approve", f"批次 {result.batch}：{doc_no}（{record.label}）制单人 {record.submitted_by}，"
                                    f"审核人 {who}", who, workbook)
    try:
        result = batch.post(ledger, [document], who, record.workbook, None, False, credit_block,
                            as_user=record.submitted_by, decided=decide)
    except _Decided:
        return _refused(ledger, "approve_refused", doc_no, record, _not_waiting(doc_no), who, workbook)
    outcome = result.outcomes[0]
    if outcome.status == "already":           # posted meanwhile (by its submitter, with 审核 off): decided
        with ledger._transaction():
            ledger.conn.execute("UPDATE pending SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = ?",
                                (APPROVED, who, meta.now(), record.id, WAITING))
    return outcome


def reject(ledger: Ledger, doc_no: str, journal: str | None, reason: str, user: str, workbook: str) -> Outcome:
    """驳回 the waiting version of ``doc_no`` with ``reason`` (required): it stays out of the books,
    and its submitter's 状态 says why."""
    who = meta.user_name(user)
    record, problem = _choose(ledger, doc_no, journal, who, "approve")
    if problem is None and not reason.strip():
        problem = Problem("reason_required", doc_no, None, "原因")
    if problem is not None:
        return _refused(ledger, "reject_refused", doc_no, record, problem, who, workbook)
    with ledger._transaction():
        done = ledger.conn.execute("UPDATE pending SET state = ?, decided_by = ?, decided_at = ?, reason = ? "
                                   "WHERE id = ? AND state = ?",
                                   (REJECTED, who, meta.now(), reason.strip(), record.id, WAITING)).rowcount
        if done == 1:
            meta.log(ledger, "reject", f"{doc_no}（{record.label}）制单人 {record.submitted_by}，驳回人 {who}："
                                       f"{reason.strip()}", who, workbook)
    if done != 1:
        return _refused(ledger, "reject_refused", doc_no, record, _not_waiting(doc_no), who, workbook)
    return Outcome(doc_no, record.journal, REJECTED)


def _choose(ledger: Ledger, doc_no: str, journal: str | None, who: str,
            act: str) -> tuple[Pending | None, Problem | None]:
    """The waiting version of ``doc_no`` (of ``journal``), or why there is none to decide."""
    refused = users.refusal(ledger.conn, who, act)
    if refused is not None:
        return None, refused
    found = [p for p in waiting(ledger.conn) if p.doc_no == doc_no and journal in (None, p.journal)]
    if not found:
        return None, _not_waiting(doc_no)
    if len({p.journal for p in found}) > 1:
        kinds = "、".join(sorted({p.label for p in found}))
        return None, Problem("ambiguous", doc_no, None, "单号", {"value": doc_no, "expected": kinds})
    return found[-1], None


def _not_waiting(doc_no: str) -> Problem:
    return Problem("not_waiting", doc_no, None, "单号", {"value": doc_no})


def _refused(ledger: Ledger, action: str, doc_no: str, record: Pending | None, problem: Problem, who: str,
             workbook: str) -> Outcome:
    with ledger._transaction():
        meta.log(ledger, action, f"{doc_no}：{problem.message}", who, workbook)
    return Outcome(doc_no, record.journal if record else "", "error", (problem,))
