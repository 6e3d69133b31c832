"""生成凭证 (jxc vouchers) and 作废凭证 (--void) from a workbook: the 科目 sheet read, the ledger asked
for the period's vouchers (which it numbers and remembers), the 凭证 sheet written. Each answers
with a :class:`~jxc_xl.app.tools.Done`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..domain.problems import Problem
from ..ledger import Ledger
from ..reports.vouchers import WORD, voucher_layout, voucher_rows
from ..sheets import parse
from ..sheets.book import Book, SheetProblem, read_table
from ..sheets.contract import CHART, VOUCHERS
from .inputs import held_codes
from .reports import _period_of
from .tools import Done, existing_ledger


def read_chart(book: Book) -> dict[str, tuple[str, str]] | Done:
    """科目 by 用途 (the defaults when the workbook has none), or what is wrong with the sheet."""
    table = read_table(book, CHART)
    if isinstance(table, SheetProblem):
        return Done(table.message + "没有生成凭证。", False)
    chart, problems = parse.parse_chart(table, book.name)
    if problems:
        said = "；".join(f"“{CHART.zh}”表第{p.source.row}行：{p.message}" for p in problems[:5])
        return Done(f"{said}。没有生成凭证。", False)
    return chart


def write_vouchers(book: Book, book_path: Path, start: dt.date | None = None, end: dt.date | None = None,
                   user: str | None = None, today: dt.date | None = None) -> Done:
    """凭证 of every document posted in the period (设置's 报表开始/报表结束, else this month)."""
    found = _period_of(book, book_path, start, end, today)
    if isinstance(found, Done):
        return found
    settings, start, end = found
    chart = read_chart(book)
    if isinstance(chart, Done):
        return chart
    book.writable((VOUCHERS,))
    with Ledger.open(existing_ledger(book, book_path), create=False) as ledger:
        made = ledger.export_vouchers(start, end, set(chart), user, book.name)
        if isinstance(made, Problem):
            return Done(made.message, False)
        rows = voucher_rows(made, chart, ledger.masters())
    book.write_layout(voucher_layout(rows, settings.company, held_codes(book)))
    book.save()
    numbers = sorted({v.no for v in made})
    span = f"，{WORD}-{numbers[0]} 至 {WORD}-{numbers[-1]}" if numbers else ""
    return Done(f"凭证已生成（{start.isoformat()} 至 {end.isoformat()}）：{len(made)} 张{span}，共 {len(rows)} 行，"
                f"见“{VOUCHERS.zh}”表（第 1 行为表头，可直接导入会计软件）")


def void_voucher(book: Book, book_path: Path, number: int, user: str | None = None) -> Done:
    """作废凭证 ``number``: its document may be reversed again (and gets a new number next time)."""
    with Ledger.open(existing_ledger(book, book_path), create=False) as ledger:
        refused = ledger.void_voucher(number, user, book.name)
    if refused:
        return Done(refused.message, False)
    return Done(f"凭证 {WORD}-{number} 已作废：它的单据现在可以冲销；请在会计软件中也删除这张凭证")
