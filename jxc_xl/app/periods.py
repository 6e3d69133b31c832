"""结账 and 反结账 from a workbook: the workbook's checks (rows of the month not posted, or in
error), then the ledger's own (see ledger.periods), then 设置's 结账日期 written for display.
Each answers with a :class:`~jxc_xl.app.tools.Done`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..domain.problems import Problem
from ..ledger import Ledger, PostResult
from ..sheets.book import Book
from ..sheets.contract import BY_JOURNAL, COUNTS
from .inputs import Input, read_input, read_sheets
from .settings import read_settings, write_setting
from .statuses import StatusWriter
from .tools import Done, backup_ledger, existing_ledger
from .usecases import Report


def month_span(month: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of ``month`` (YYYY-MM), or None when it is not one."""
    try:
        first = dt.date.fromisoformat(f"{month.strip()}-01")
    except ValueError:
        return None
    return first, (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _bad_month(month: str) -> Done:
    return Done(f"月份“{month}”看不懂：请写成 2026-11 这样的年-月", False)


def _closed_through(book: Book, book_path: Path) -> dt.date | None:
    with Ledger.open(existing_ledger(book, book_path), create=False, read_only=True) as ledger:
        return ledger.settings.closed_through


def next_to_close(book: Book, book_path: Path, today: dt.date | None = None) -> str:
    """The month 结账 offers: the one after the closed-through date; with nothing closed, last
    month or the earliest document's month if that is earlier (months close one by one)."""
    last = (today or dt.date.today()).replace(day=1) - dt.timedelta(days=1)
    with Ledger.open(existing_ledger(book, book_path), create=False, read_only=True) as ledger:
        day, closed = ledger.next_close(), ledger.settings.closed_through
    return f"{day if closed else min(day or last, last):%Y-%m}"


def latest_closed(book: Book, book_path: Path) -> str | None:
    """The month 反结账 offers: the latest closed one."""
    closed = _closed_through(book, book_path)
    return f"{closed:%Y-%m}" if closed else None


def close_month(book: Book, book_path: Path, month: str, user: str | None = None,
                today: dt.date | None = None) -> Done:
    """结账: close every day up to the end of ``month`` once nothing stops it — first whether the
    month may close at all (ended by ``today``, the next to close), then its rows, then the
    ledger's checks."""
    span = month_span(month)
    if span is None:
        return _bad_month(month)
    end = span[1]
    sheets = read_sheets(book)
    if sheets.fatal or sheets.problems:          # rows that cannot be read cannot be checked
        return Done("不能结账：" + "；".join(sheets.fatal + sheets.problems), False)
    with Ledger.open(existing_ledger(book, book_path), create=False) as ledger:
        closed = ledger.settings.closed_through
        if closed and end <= closed:
            problems = []                          # closed already: the ledger says so
        else:
            refused = ledger.close_refusal(end, today)
            problems = [refused] if refused else _unposted(book, ledger, sheets, closed, end)
        problems = problems or ledger.close_month(end, user=user, workbook=book.name, today=today)
    if problems:
        english = read_settings(book, book_path).english
        shown = [p.message_en if english else p.message for p in problems]
        return Done("不能结账 / not closed:\n" + "\n".join(shown[:20])
                    + (f"\n…… 共 {len(shown)} 处" if len(shown) > 20 else ""), False)
    write_setting(book, "closed_through", end)
    book.save()
    return Done(f"已结账：{end.isoformat()} 及以前的单据不能再过账或冲销；月末库存和往来余额已存入账簿（已记录操作人和时间）")


def _unposted(book: Book, ledger: Ledger, sheets, closed: dt.date | None, end: dt.date) -> list[Problem]:
    """Rows dated after ``closed`` up to ``end`` that are not posted as typed: new, changed or
    in error (a 盘点 row so is a count difference not posted). A row in error whose date cannot
    be read may be of any month: it stops every close."""
    data = read_input(book, sheets, None, ledger.digests())
    documents = [p.document for p in data.docs if p.document is not None]
    result = ledger.post(documents, workbook=book.name, masters=data.masters, dry_run=True)
    status = {(o.journal, o.doc_no): o for o in result.outcomes}
    problems = []
    for parsed in data.docs:
        date = parsed.document.date if parsed.document else parsed.date
        if parsed.unchanged or (date is None and not parsed.problems) or (date is not None and (
                date > end or (closed and date <= closed))):
            continue
        outcome = status.get((parsed.journal, parsed.doc_no))
        if outcome is not None and outcome.status == "already":
            continue
        spec = BY_JOURNAL.get(parsed.journal)
        args = {"value": parsed.doc_no or "（空）", "date": date.isoformat() if date else "?", "row": parsed.rows[0],
                "sheet": _sheet(data, spec.zh) if spec else parsed.problems[0].source.sheet}
        errors = list(parsed.problems) or list(outcome.problems if outcome else ())
        if errors:
            problems.append(Problem("close_error", parsed.doc_no, args={**args, "expected": errors[0].message}))
        else:
            problems.append(Problem("close_count" if spec is COUNTS else "close_unposted", parsed.doc_no, args=args))
    return problems


def _sheet(data: Input, name: str) -> str:
    table = data.tables.get(name)
    return table.sheet if table is not None else name


def accept_count(book: Book, book_path: Path, doc_no: str, user: str | None = None) -> Done:
    """确认盘点差异: a posted count whose difference later posts changed is accepted as it now is
    (the counted quantity stood; someone looked): its rows stop saying so, 结账 stops naming it."""
    english = read_settings(book, book_path).english
    sheets = read_sheets(book)
    with Ledger.open(existing_ledger(book, book_path), create=False) as ledger:
        accepted, refused = ledger.accept_count(doc_no, user=user, workbook=book.name)
        if refused:
            return Done(refused.message_en if english else refused.message, False)
        if not sheets.fatal:
            data = read_input(book, sheets, None)
            writer = StatusWriter(data, PostResult(), ledger, english, dry_run=False)
            writer.run([p for p in data.docs if (p.journal, p.doc_no) == (COUNTS.journal, doc_no)])
            writer.write(book, Report())
    book.save()
    return Done(f"已确认盘点单“{doc_no}”的差异（已记录操作人和时间）：" + "；".join(
        f"第{c.line}行 {c.item} {c.old} → {c.new}（因 {c.cause}）" for c in accepted))


def reopen_month(book: Book, book_path: Path, month: str, user: str | None = None) -> Done:
    """反结账: reopen ``month`` — only the latest closed one — after a ledger backup; logged."""
    span = month_span(month)
    if span is None:
        return _bad_month(month)
    closed = _closed_through(book, book_path)
    if closed is None or closed < span[0]:
        shown = closed.isoformat() if closed else "没有结账"
        return Done(f"{month} 没有结账（账簿结账至 {shown}），无需反结账", False)
    if closed > span[1]:
        return Done(f"只能反结账最近结账的月份 {closed:%Y-%m}：请先反结账它，再反结账 {month}", False)
    with Ledger.open(existing_ledger(book, book_path), create=False, read_only=True) as ledger:
        refused = ledger.refusal(user, "close")
    if refused:
        return Done(refused.message, False)
    saved = backup_ledger(book, book_path)
    if not saved.ok:
        return Done(f"反结账前的备份没有成功，未反结账：{saved.message}", False)
    through = span[0] - dt.timedelta(days=1)
    with Ledger.open(existing_ledger(book, book_path), create=False) as ledger:
        ledger.reopen(through, user=user, workbook=book.name)
    write_setting(book, "closed_through", through)
    book.save()
    return Done(f"已反结账：{month} 起可以再过账（账簿结账日期改为 {through.isoformat()}），已记录操作人和时间。"
                f"{saved.message}")
