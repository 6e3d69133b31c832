"""关闭订单 from a workbook: close what an order still has open (短交/结案), or undo it, then
regenerate the sheets that show open orders. Answers with a :class:`~jxc_xl.app.tools.Done`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..sheets.book import Book
from ..sheets.contract import GENERATED
from .settings import read_settings
from .tools import Done, existing_ledger
from .usecases import opened, refresh_sheets


def close_order(book: Book, book_path: Path, doc_no: str, undo: bool = False, user: str | None = None,
                today: dt.date | None = None) -> Done:
    settings = read_settings(book, book_path)
    book.writable(GENERATED)
    with opened(book, existing_ledger(book, book_path)) as ledger:
        problems = ledger.close_order(doc_no, user=user, workbook=book.name, date=today, undo=undo)
        if problems:
            verdict = f"订单 {doc_no} 没有{'取消关闭' if undo else '关闭'}："
            return Done(verdict + "\n".join(p.message_en if settings.english else p.message for p in problems), False)
        refresh_sheets(book, ledger, today or dt.date.today(), company=settings.company, user=user)
    book.save()
    if undo:
        return Done(f"订单 {doc_no} 已取消关闭：未执行的数量重新计入采购在途/销售待发（已记录操作人和时间）")
    return Done(f"订单 {doc_no} 已关闭：未执行的数量不再计入采购在途/销售待发（已记录操作人和时间；"
                f"jxc close-order --undo 可取消）")
