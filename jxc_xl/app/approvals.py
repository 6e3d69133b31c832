"""审核 and 驳回 from a workbook: an approver (财务 or 老板, not the submitter) decides documents
waiting under 过账需审核, then the sheets are regenerated (待审核 loses them; 库存, 应收… gain what
posted). Answers with a :class:`~jxc_xl.app.tools.Done`; the ledger does the deciding."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from ..ledger import Ledger
from ..ledger.results import Outcome
from ..sheets.book import Book
from ..sheets.contract import GENERATED
from .inputs import read_sheets
from .settings import read_settings
from .statuses import decided_statuses
from .tools import Done, existing_ledger
from .usecases import opened, refresh_sheets


def approve(book: Book, book_path: Path, doc_nos: list[str], user: str | None = None,
            today: dt.date | None = None) -> Done:
    """审核 each of ``doc_nos``: posted as its submitter's post would post it, or refused (still
    waiting) with the post's own message."""
    settings = read_settings(book, book_path)
    return _decide(book, book_path, doc_nos, today, user, lambda ledger, doc_no: ledger.approve(
        doc_no, user=user, workbook=book.name, credit_block=settings.credit_block), "审核", "已审核并过账")


def reject(book: Book, book_path: Path, doc_nos: list[str], reason: str, user: str | None = None,
           today: dt.date | None = None) -> Done:
    """驳回 each of ``doc_nos`` with ``reason``: its submitter's 状态 shows it on their next 刷新/过账."""
    return _decide(book, book_path, doc_nos, today, user, lambda ledger, doc_no: ledger.reject(
        doc_no, reason, user=user, workbook=book.name), "驳回", f"已驳回（{reason.strip()}）")


def _decide(book: Book, book_path: Path, doc_nos: list[str], today: dt.date | None, user: str | None,
            decide: Callable[[Ledger, str], Outcome], verb: str, done: str) -> Done:
    settings = read_settings(book, book_path)
    book.writable(GENERATED)
    if not doc_nos:
        return Done("没有选中单号：请在“待审核”表中选中要审核或驳回的行 / no document chosen", False)
    said, ok = [], True
    with opened(book, existing_ledger(book, book_path)) as ledger:
        for doc_no in doc_nos:
            outcome = decide(ledger, doc_no)
            if outcome.status in ("posted", "rejected"):
                said.append(f"单号 {doc_no} {done}")
            elif outcome.status == "already":
                said.append(f"单号 {doc_no} 已过账（不再待审核）")
            else:
                ok = False
                texts = [p.message_en if settings.english else p.message for p in outcome.problems]
                said.append(f"单号 {doc_no} 没有{verb}：" + " ".join(texts))
        decided_statuses(book, ledger, read_sheets(book).tables, settings.english)     # (a shared workbook's rows)
        refresh_sheets(book, ledger, today or dt.date.today(), company=settings.company, user=user)
    book.save()
    return Done("\n".join(said), ok)
