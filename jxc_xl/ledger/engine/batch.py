"""Posting a batch of documents, and 红字冲销, as one write transaction each.

A batch is checked first (already posted? valid? twice in the batch?), then written in ledger
order, then each touched item × warehouse is recosted once. Bad documents are left out; the
rest post.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from typing import TYPE_CHECKING, Callable

from ...domain.model import ORDER_TYPES, Document, DocType
from ...domain.packed import Packed, plain_packed
from ...domain.problems import Problem
from ...domain.roles import LABELS, can_do, may_post
from ...domain.validate import Masters, check_reversal_date, validate
from . import counts, meta, orders, users, vouchers
from . import masters as master_data
from .posting import Stamp, Writer, dependents, doc_order
from .recost import cost_queued, recost
from ..results import Outcome, PostResult

if TYPE_CHECKING:
    from .. import Ledger

Latest = dict[tuple[str, str], sqlite3.Row]


def post(ledger: Ledger, documents: list[Document | None], user: str | None, workbook: str,
         masters: Masters | None, dry_run: bool, credit_block: bool = False, as_user: str | None = None,
         decided: Callable[[PostResult], None] | None = None,
         again: Callable[[], list[Document]] | None = None) -> PostResult:
    """``as_user``: whose department the documents are checked against (审核: the submitter's, the
    batch signed by ``user``, the approver); ``decided``: told, inside the transaction, what posted
    (审核 records its decision with the post, or not at all); ``again``: see :func:`_post_all`."""
    result = PostResult()
    with ledger._transaction() as tx:
        masters = ledger.masters() if masters is None else master_data.effective(ledger.conn, masters, as_user or user)
        settings = ledger.settings
        latest = ledger.latest_documents({(doc.journal, doc.doc_no) for doc in documents})
        deny = _permission(ledger, as_user or user)
        outcomes, checked = _check_all(documents, masters, settings.closed_through, latest, deny)
        stamp = _stamp(ledger.conn, user, workbook)
        writer = Writer(ledger.conn, masters, settings, stamp)
        writer.credit_block = credit_block
        if again is not None:
            _let_go(documents, outcomes)
            again = _checked_again(again, documents, masters, settings.closed_through, latest, deny)
        outcomes.update(_post_all(writer, checked, latest, documents, again))
        result.outcomes = [outcomes[i] for i in sorted(outcomes)]
        result.count_changes = counts.made_by(ledger.conn, stamp.batch)
        if any(o.status == "posted" for o in outcomes.values()) and not dry_run:
            result.batch = stamp.batch
            _log(ledger, "post", result, user, workbook)          # with the batch, or not at all
            if decided is not None:
                decided(result)
        else:
            tx.rollback()
    if result.batch is None and not dry_run and any(o.status == "error" for o in result.outcomes):
        with ledger._transaction():
            _log(ledger, "post_refused", result, user, workbook)
    return result


def _kinds(types) -> str:
    """Document types as the clerk knows them (采购订单、销售退货), never a journal's code."""
    order = list(DocType)
    return "、".join(t.label for t in sorted({DocType(t) for t in types}, key=order.index))


def _order_stub(order: sqlite3.Row) -> Document:
    """An order as a document of its type, for the question who may close it."""
    return Document(type=order["type"], doc_no=order["doc_no"], date=dt.date.fromisoformat(order["date"]))


def _log(ledger: Ledger, action: str, result: PostResult, user: str | None, workbook: str) -> None:
    """The audit row of a post: its batch, what it posted and what it refused (单号, the first few)."""
    def few(status: str) -> tuple[int, str]:
        found = [o.doc_no for o in result.outcomes if o.status == status]
        return len(found), "、".join(found[:_FEW]) + (" …" if len(found) > _FEW else "")
    (posted, names), (refused, others) = few("posted"), few("error")
    detail = (f"批次 {result.batch}：过账 {posted} 张（{names}）" if posted else "没有过账") + \
        (f"；拒绝 {refused} 张（{others}）" if refused else "")
    meta.log(ledger, action, detail, user, workbook)


_FEW = 10


def _outcome(doc: Document, status: str, problems: list[Problem] = (), figures: dict | None = None) -> Outcome:
    return Outcome(doc.doc_no, doc.journal, status, tuple(problems), doc.where(), figures or {})


def _permission(ledger: Ledger, user: str | None) -> Callable[[Document], Problem | None]:
    """Why the posting user may not post a document, if they may not: not an active user of a
    ledger that has users, or a role that does not post its type (see domain.roles)."""
    name = meta.user_name(user)
    role = users.role_of(ledger.conn, name)
    if role == "":
        return lambda doc: None
    if role is None:
        return lambda doc: Problem("user_unknown", doc.doc_no, field="用户", args={"value": name})
    return lambda doc: None if may_post(role, doc.type) else Problem(
        "role_denied", doc.doc_no, field="业务类型", args={"value": name, "role": LABELS[role],
                                                        "doc_type": doc.type.label, "allowed": can_do(role)})


def _check_all(documents: list[Document], masters: Masters, closed: dt.date | None,
               latest: Latest, deny: Callable[[Document], Problem | None]) -> tuple[dict[int, Outcome], list]:
    """Outcomes of the documents already posted or in error; the others, validated and in
    ledger order, with their fingerprints: (index in the batch, document, fingerprint)."""
    outcomes: dict[int, Outcome] = {}
    checked: list[tuple[int, Document, str]] = []
    seen: dict[tuple[str, str], str] = {}
    for i, doc in enumerate(documents):
        key = (doc.journal, doc.doc_no)
        found = latest.get(key)
        raw = doc.fingerprint() if found is not None else None    # (a new 单号 has nothing to match)
        if found is not None and found["fingerprint"] == raw:   # typed by code and unchanged: nothing to do
            outcomes[i] = _outcome(doc, "already")
            continue
        refused = deny(doc)
        if refused is not None:
            outcomes[i] = _outcome(doc, "error", [refused])
            continue
        resolved, problems = _validated(doc, masters, closed)
        fingerprint = raw if resolved is doc and raw is not None else resolved.fingerprint()
        if not problems and key in seen:
            if seen[key] == fingerprint:
                outcomes[i] = _outcome(doc, "already")
                continue
            problems = [Problem("duplicate_in_batch", doc.doc_no, None, "单号", {"value": doc.doc_no}, doc.where())]
        if problems:
            outcomes[i] = _outcome(doc, "error", problems)
            continue
        seen[key] = fingerprint
        checked.append((i, resolved, fingerprint))
    checked.sort(key=lambda entry: doc_order(entry[1].date, entry[1].type, entry[1].doc_no))
    return outcomes, checked


def _validated(doc: Document | Packed, masters: Masters, closed: dt.date | None) -> tuple[Document | Packed, list]:
    """:func:`validate`'s verdict: a packed document plainly fine stays packed (its references as
    codes); any other is checked as the model, which says what is wrong."""
    if doc.__class__ is Packed:
        plain = plain_packed(doc, masters, closed)
        if plain is not None:
            return plain, []
        doc = doc.document()
    return validate(doc, masters, closed)


def _let_go(documents: list[Document | None], outcomes: dict[int, Outcome]) -> None:
    """The batch's documents it takes without a problem let go from ``documents`` (their places
    set to None): what the caller gets back is exactly the documents refused."""
    for i, outcome in outcomes.items():
        if not outcome.problems:
            documents[i] = None


def _checked_again(again: Callable[[], list[Document]], documents: list[Document | None], masters: Masters,
                   closed: dt.date | None, latest: Latest, deny) -> Callable[[], list]:
    """The batch's documents made again by the caller and checked as they were the first time
    (the same masters, the same documents posted before: the same documents in the same order),
    put back into ``documents`` to be let go again as they post."""
    def checked() -> list[tuple[int, Document, str]]:
        made = again()
        if len(made) != len(documents):
            raise RuntimeError("the documents made again are not the batch's")
        documents[:] = made
        outcomes, checked = _check_all(documents, masters, closed, latest, deny)
        _let_go(documents, outcomes)
        return checked
    return checked


def _post_all(writer: Writer, checked: list[tuple[int, Document, str] | None], latest: Latest,
              documents: list[Document | None] = (), again: Callable[[], list] | None = None) -> dict[int, Outcome]:
    """Write every document, then recost each touched item × warehouse once.

    Should that final recost find a shortage (or a cost it cannot set), the batch is
    written again recosting after each document, so that exactly the documents that
    cause it are refused — the same outcome, only slower.

    Given ``again`` (the batch checked again, from its documents made again), each document is
    let go as it is written — from ``checked`` and, once it posts, from ``documents`` — and the
    second pass, rare, asks for them all again. Measured on bench's 100,000-line post: the
    documents (~100 MB of models) were alive until the queued movements were costed, and set
    the post's peak memory (308 MB; let go: see tests/app/test_memory.py).
    """
    conn = writer.conn
    conn.execute("SAVEPOINT batch")
    writer.deferred = {}
    outcomes = _write_each(writer, checked, latest, documents, again is not None)
    dirty, writer.deferred = writer.deferred, None
    dirty = cost_queued(conn, writer.settings, writer.queued("movements"), dirty)
    writer.flush()
    if recost(conn, writer.settings, dirty).failure is None:
        conn.execute("RELEASE batch")
        return outcomes
    conn.execute("ROLLBACK TO batch")
    conn.execute("RELEASE batch")
    writer.forget()
    return _write_each(writer, checked if again is None else again(), latest, documents, again is not None)


def _write_each(writer: Writer, checked: list, latest: Latest, documents: list[Document | None],
                let_go: bool) -> dict[int, Outcome]:
    """Each checked document written, in turn; with ``let_go``, each let go once written (see
    :func:`_post_all`)."""
    outcomes = {}
    for n, (i, doc, fp) in enumerate(checked):
        outcomes[i] = outcome = _post_one(writer, doc, fp, latest.get((doc.journal, doc.doc_no)))
        if let_go:
            checked[n] = doc = None
            if not outcome.problems:
                documents[i] = None
    return outcomes


def _stamp(conn: sqlite3.Connection, user: str | None, workbook: str) -> Stamp:
    now = meta.now()
    user = meta.user_name(user)
    # numbered here, not by the engine: a server's sequence would skip the numbers of batches
    # rolled back (a 校验 is one), and clerks read these numbers in the audit log
    batch = conn.execute('INSERT INTO batches(id, posted_at, "user", workbook) SELECT COALESCE(MAX(id), 0) + 1, '
                         "?, ?, ? FROM batches RETURNING id", (now, user, workbook)).fetchone()[0]
    return Stamp(batch, now, user, workbook)


def _post_one(writer: Writer, doc: Document, fingerprint: str, existing: sqlite3.Row | None) -> Outcome:
    """``existing``: the latest posting of the same 单号 before this batch (a batch holds each once)."""
    revision = 1
    if existing is not None:
        if existing["fingerprint"] == fingerprint:
            return _outcome(doc, "already")
        if existing["reversed_by"] is None:
            return _outcome(doc, "error", [Problem("duplicate_changed", doc.doc_no, None, "单号",
                                                   {"value": doc.doc_no}, doc.where())])
        revision = existing["revision"] + 1
    if writer.deferred is not None:      # refused, if at all, before any of it is queued
        problems = writer.write(doc, revision, fingerprint)
        return _outcome(doc, "error", problems) if problems else _outcome(doc, "posted", figures=writer.figures)
    writer.conn.execute("SAVEPOINT doc")
    problems = writer.write(doc, revision, fingerprint)
    if problems:
        writer.conn.execute("ROLLBACK TO doc")
        writer.forget()
    writer.conn.execute("RELEASE doc")
    return _outcome(doc, "error", problems) if problems else _outcome(doc, "posted", figures=writer.figures)


def reverse(ledger: Ledger, doc_no: str, journal: str | None, date: dt.date | None, user: str | None,
            workbook: str) -> PostResult:
    where, args = ("AND journal = ?", [journal]) if journal else ("", [])
    with ledger._transaction() as tx:        # decided on what is committed once the lock is ours
        found = ledger.conn.execute(
            f"SELECT * FROM documents WHERE doc_no = ? AND reversal = 0 {where} ORDER BY revision DESC",
            [doc_no, *args]).fetchall()
        original = found[0] if found else None
        date = date or (dt.date.fromisoformat(original["date"]) if original else None)
        problem = users.refusal(ledger.conn, user, "reverse") or _reversal_problem(ledger, doc_no, found, date)
        refused = [problem] if problem else []
        if not refused:
            stamp = _stamp(ledger.conn, user, workbook)
            refused = Writer(ledger.conn, ledger.masters(), ledger.settings, stamp).reverse(original, date)
        if refused:
            tx.rollback()
        else:
            meta.log(ledger, "reverse", f"批次 {stamp.batch}：{doc_no}（{_kinds([original['type']])}）冲销日期 {date}",
                     user, workbook)
            return PostResult(stamp.batch, [Outcome(doc_no, original["journal"], "posted")],
                              counts.made_by(ledger.conn, stamp.batch))
    with ledger._transaction():
        meta.log(ledger, "reverse_refused", f"{doc_no}：{refused[0].message}", user, workbook)
    return PostResult(None, [Outcome(doc_no, original["journal"] if original else journal or "", "error",
                                     tuple(refused))])


def _reversal_problem(ledger: Ledger, doc_no: str, found: list[sqlite3.Row], date: dt.date | None) -> Problem | None:
    """Why the latest posting in ``found`` may not be reversed on ``date``, if it may not:
    not posted, ambiguous, already reversed, a date before the original's or in a closed
    period, or later documents that stand on it (returns naming it, invoices covering it) and must
    go first."""
    def problem(code: str, field: str = "单号", **args) -> Problem:
        return Problem(code, doc_no, None, field, {"value": doc_no, **args})

    journals = sorted({r["journal"] for r in found})
    if not found:
        return problem("not_found")
    if len(journals) > 1:
        return problem("ambiguous", expected=_kinds(r["type"] for r in found))
    original = found[0]
    if original["reversed_by"] is not None:
        return problem("already_reversed")
    dated = check_reversal_date(doc_no, date, dt.date.fromisoformat(original["date"]),
                                ledger.settings.closed_through)
    if dated:
        return dated
    for code, numbers in dependents(ledger.conn, original["id"]).items():
        return problem(code, expected="、".join(numbers))
    exported = vouchers.standing(ledger.conn, original["id"])
    if exported:                 # the accountant has its voucher: void it first, as 星辰 asks
        return problem("reverse_exported", expected=f"{vouchers.WORD}-{exported[0]}", number=exported[0])
    return None


def close_order(ledger: Ledger, doc_no: str, journal: str | None, user: str | None, workbook: str,
                date: dt.date | None, undo: bool) -> list[Problem]:
    """关闭订单 (短交/结案): close what an order still has open — or, with ``undo``, reopen what
    its closes closed — recorded with who, when and where. [] when done, else why not."""
    date = date or dt.date.today()
    journals = [journal] if journal else sorted(t.journal for t in ORDER_TYPES)

    def problem(code: str, field: str = "单号", **args) -> list[Problem]:
        return [Problem(code, doc_no, None, field, {"value": doc_no, **args})]

    with ledger._transaction() as tx:
        found = [o for j in journals if (o := orders.standing_order(ledger.conn, j, doc_no)) is not None]
        closed = ledger.settings.closed_through
        if len(found) != 1:
            refused = problem("order_not_found") if not found else problem(
                "ambiguous", expected=_kinds(o["type"] for o in found))
        elif closed and date <= closed:
            refused = problem("closed_period", "日期", value=date.isoformat(), closed=closed.isoformat())
        elif (denied := _permission(ledger, user)(_order_stub(found[0]))) and users.refusal(ledger.conn, user, "close"):
            refused = [denied]                   # 关闭订单: the department that posts the order, or 财务
        else:
            who = meta.user_name(user)
            count = (orders.undo_close(ledger.conn, found[0], who) if undo
                     else orders.close(ledger.conn, found[0], date, who, workbook))
            refused = [] if count else problem("order_not_closed" if undo else "order_nothing_open")
            if count:
                meta.log(ledger, "reopen_order" if undo else "close_order",
                         f"{doc_no}（{_kinds([found[0]['type']])}）{'取消关闭' if undo else '关闭'} {count} 行", user, workbook)
        if refused:
            tx.rollback()
    return refused
