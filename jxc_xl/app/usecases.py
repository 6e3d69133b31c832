"""One function per button and per command: validate, post, refresh, reverse, verify.

They speak to a :class:`~jxc_xl.sheets.book.Book` (a file here, live Excel behind the
ribbon) and to the workbook's ledger; the CLI and the ribbon only differ in where the Book
comes from. A use case never creates a ledger for a workbook that already has posted rows
(its ledger is elsewhere: the user is told where it was expected), and only 过账 creates one.
"""
from __future__ import annotations

import datetime as dt
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path

from .inputs import Input, Progress, Sheets, Steps, no_progress, read_input, read_sheets
from ..ledger import Ledger, LedgerError
from ..ledger.store import MEMORY, is_server
from ..domain.problems import Problem
from .settings import BookSettings, apply_settings, check_location, read_settings
from .statuses import StatusWriter
from ..sheets.book import Book, Table, read_table
from ..sheets.contract import BY_JOURNAL, GENERATED_NOTE, JOURNAL, POSTED_SHEETS, SheetSpec, without_costs
from ..sheets.format import Exact
from ..reports.generate import generated, journal_mark, journal_since, summaries


@dataclass
class Report:
    """What a run did, for the CLI's summary and the ribbon's message box."""

    workbook: str = ""
    ledger: str = ""
    posted: int = 0                      # documents posted by this run
    already: int = 0                     # documents found already posted (unchanged)
    error_rows: list[tuple[str, int, str]] = field(default_factory=list)   # (sheet, row, message)
    sheet_problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)                          # said, but not errors
    stock_value: Decimal = Decimal("0.00")
    receivables: Decimal = Decimal("0.00")
    payables: Decimal = Decimal("0.00")

    @property
    def exit_code(self) -> int:
        return 1 if self.error_rows or self.sheet_problems else 0


@contextmanager
def bulk():
    """A run makes millions of small objects that all live until it ends; Python's cycle collector
    would rescan them over and over (a quarter of a 500-line post into a 100,000-line book), and
    a run makes no cycles worth collecting early."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# -- which ledger --------------------------------------------------------------------------------------
def open_ledger(book: Book, settings: BookSettings, book_path: Path, sheets: Sheets | None, *,
                create: bool = False, read_only: bool = False, new_ledger: bool = False) -> tuple[Ledger, list[str]]:
    """The workbook's ledger, and what to tell the user about it.

    A workbook with posted rows (or a 台账 written from a ledger) and no ledger where 设置 says
    is a workbook separated from its books: an error that says where the ledger was expected,
    unless ``new_ledger`` asks for a new one deliberately. Otherwise a missing ledger is created
    only when ``create`` (过账); the others work on an empty one in memory and write no file.
    """
    check_location(settings, book_path)
    path = settings.ledger
    if is_server(path):              # made by `jxc ledger init`, never by a clerk's post
        return Ledger.open(path, create=False, read_only=read_only), []
    if path.is_file():
        return Ledger.open(path, create=False, read_only=read_only), []
    posted = sheets.posted_rows() if sheets else 0
    if (posted or book.generated_mark(JOURNAL) is not None) and not new_ledger:
        raise LedgerError("separated", path, posted=posted)
    if not create:
        return Ledger.open(":memory:"), []
    notes = [f"已新建账簿 {path}；工作簿中 {posted} 行“已过账”的单据按 --new-ledger 重新过账到新账簿"] if posted else []
    return Ledger.open(path), notes


def _totals(report: Report, ledger: Ledger) -> None:
    report.stock_value, report.receivables, report.payables = ledger.totals()


# -- the use cases -----------------------------------------------------------------------------------
def validate_book(book: Book, book_path: Path, user: str | None = None, today: dt.date | None = None,
                  progress: Progress = no_progress) -> Report:
    """校验: mark every row's problems; nothing is posted and no generated sheet changes."""
    return _run(book, book_path, dry_run=True, user=user, today=today, progress=progress)


def post_book(book: Book, book_path: Path, user: str | None = None, today: dt.date | None = None,
              progress: Progress = no_progress, new_ledger: bool = False) -> Report:
    """过账: validate, post what is right, write every 状态, fill 盘点, regenerate, save."""
    return _run(book, book_path, dry_run=False, user=user, today=today, progress=progress, new_ledger=new_ledger)


@bulk()
def _run(book: Book, book_path: Path, dry_run: bool, user: str | None, today: dt.date | None,
         progress: Progress, new_ledger: bool = False) -> Report:
    settings = read_settings(book, book_path)
    sheets = read_sheets(book)
    report = Report(workbook=str(book_path), ledger=str(settings.ledger))
    if sheets.fatal:                  # no masters, nothing can be checked: the workbook stays as it is
        report.sheet_problems = sheets.fatal + sheets.problems
        return report
    ledger, report.notes = open_ledger(book, settings, book_path, sheets, create=not dry_run, new_ledger=new_ledger)
    steps = Steps(progress, sum(spec.zh in sheets.tables for spec in POSTED_SHEETS) + 4)
    ledger.waiting = lambda: steps.say(WAITING)
    with ledger:
        problems, notes = apply_settings(ledger, settings)
        data = read_input(book, sheets, steps, ledger.digests())
        report.sheet_problems, report.notes = problems + data.sheet_problems, report.notes + notes
        if not dry_run:
            report.notes += _store_masters(ledger, data)
        documents = [p.document for p in data.docs if p.document is not None]
        steps(f"过账 {len(documents)} 张单据")
        result = ledger.post(documents, user=user, workbook=book.name, masters=data.masters, dry_run=dry_run,
                             credit_block=settings.credit_block)
        report.posted = 0 if dry_run else len(result.posted)
        report.already = len(result.already) + sum(p.unchanged for p in data.docs)
        steps("写入状态")
        writer = StatusWriter(data, result, ledger, settings.english, dry_run)
        writer.run(data.docs)
        writer.write(book, report)
        report.sheet_problems += missing_documents(ledger, book.name, data, sheets, settings.english)
        if not dry_run:
            settled = {(o.journal, o.doc_no) for o in result.outcomes if o.status in ("posted", "already")}
            ledger.remember_digests([(p.digest, p.journal, p.doc_no) for p in data.docs
                                     if p.digest and (p.journal, p.doc_no) in settled])
            steps("刷新库存、往来和台账")
            refresh_sheets(book, ledger, today or dt.date.today(), company=settings.company, user=user)
        _totals(report, ledger)
    steps("保存工作簿")
    book.save()
    steps.finish()
    report.notes += book.repairs()
    return report


WAITING = "等待其他人的过账完成… / waiting for another clerk's post to finish"


def _store_masters(ledger: Ledger, data: Input) -> list[str]:
    """The workbook's masters into the books; a server's refuses them from a user whose
    department posts nothing (老板, 管理员): then the books' stand, and that is said."""
    m = data.masters
    try:
        ledger.upsert_masters(list(m.items.values()), list(m.parties.values()), list(m.warehouses.values()))
    except LedgerError as exc:
        if exc.kind != "denied":
            raise
        return ["商品、往来单位、仓库以账簿为准（您的部门不过账，不能修改它们）"]
    return []


def missing_documents(ledger: Ledger, workbook: str, data: Input, sheets: Sheets, english: bool) -> list[str]:
    """Documents this workbook posted that stand in the books but whose rows are gone (a sheet
    that cannot be read is not counted as gone: its problem is said already)."""
    present = {(p.journal, p.doc_no) for p in data.docs}
    out = []
    for journal, doc_no, sheet, row in ledger.standing_documents(workbook):
        spec = BY_JOURNAL[journal]
        if (journal, doc_no) in present or spec.zh in sheets.unreadable:
            continue
        problem = Problem("posted_doc_missing", doc_no, None, sheet or spec.zh, {"value": doc_no, "expected": row})
        out.append(problem.message_en if english else problem.message)
    return out


@bulk()
def refresh_book(book: Book, book_path: Path, today: dt.date | None = None, user: str | None = None) -> Report:
    """刷新: rewrite 库存 / 应收 / 应付 / 台账 from the ledger (as ``user`` may see them)."""
    settings = read_settings(book, book_path)
    ledger, notes = open_ledger(book, settings, book_path, read_sheets(book))
    with ledger:
        refresh_sheets(book, ledger, today or dt.date.today(), whole=True, company=settings.company, user=user)
        report = Report(workbook=str(book_path), ledger=str(settings.ledger), notes=notes)
        _totals(report, ledger)
    book.save()
    report.notes += book.repairs()
    return report


@bulk()
def reverse_book(book: Book, book_path: Path, doc_no: str, user: str | None = None,
                 date: dt.date | None = None, today: dt.date | None = None) -> Report:
    """冲销: post the 红字冲销 of a posted document and mark its rows."""
    settings = read_settings(book, book_path)
    sheets = read_sheets(book)
    ledger, notes = open_ledger(book, settings, book_path, sheets)
    with ledger:
        problems, more = apply_settings(ledger, settings)
        report = Report(workbook=str(book_path), ledger=str(settings.ledger), sheet_problems=problems,
                        notes=notes + more)
        result = ledger.reverse(doc_no, date=date, user=user, workbook=book.name)
        report.sheet_problems += [p.message_en if settings.english else p.message for p in result.problems]
        if result.ok:
            report.posted = 1
            journal = result.outcomes[0].journal
            data = read_input(book, sheets, lambda _: None)
            rows = [p for p in data.docs if p.doc_no == doc_no and p.journal == journal]
            writer = StatusWriter(data, result, ledger, settings.english, dry_run=False)
            writer.run(rows)
            writer.write(book, report)
            refresh_sheets(book, ledger, today or dt.date.today(), company=settings.company, user=user)
        _totals(report, ledger)
    book.save()
    return report


@bulk()
def verify_book(book: Book, book_path: Path, today: dt.date | None = None) -> list[str]:
    """核对: recompute the ledger, compare each generated sheet with what it should hold, and
    look for posted documents whose rows are gone. Writes nothing, not even a new ledger."""
    settings = read_settings(book, book_path)
    sheets = read_sheets(book)
    ledger, _ = open_ledger(book, settings, book_path, sheets, read_only=True)
    with ledger:
        differences = ledger.verify()
        for spec, rows in generated(ledger, today or dt.date.today()):
            table = read_table(book, spec)
            if not isinstance(table, Table):
                differences.append(f"“{spec.zh}”表缺失或表头不对：请运行 刷新")
                continue
            differences += sheet_differences(spec, table, rows)
        if not sheets.fatal:
            data = read_input(book, sheets, lambda _: None, ledger.digests())
            differences += missing_documents(ledger, book.name, data, sheets, settings.english)
    return differences


def sheet_differences(spec: SheetSpec, table: Table, wanted: list[list], most: int = 5) -> list[str]:
    """Which row and figure of a generated sheet differ from the ledger (at most ``most``)."""
    width = 3 if spec.dated_by_today else len(spec.columns)      # aging moves with the calendar
    out = []
    for (row, values), expected in zip_longest(table.rows, wanted):
        found = [_plain(v) for v in (values or [])[:width]]
        ledger = [_plain(v) for v in (expected or [])[:width]]
        for column, a, b in zip(spec.columns, found + [None] * (width - len(found)), ledger + [None] * width):
            if a != b:
                where = f"第 {row} 行" if row else f"缺少第 {len(table.rows) + 3 + len(out)} 行"
                out.append(f"“{table.sheet}”{where}{column.zh}：表中 {_shown(a)}，账簿 {_shown(b)}")
                break
        if len(out) >= most:
            break
    if len(table.rows) != len(wanted):
        out.append(f"“{table.sheet}”表有 {len(table.rows)} 行，账簿应有 {len(wanted)} 行")
    return [line + "：请运行 刷新" for line in out]


def _plain(value: object) -> object:
    """Compare sheet cells and ledger figures alike (numbers as Decimal to the 6th place)."""
    if value is None or value == "":
        return None
    if type(value) is Exact:
        value = Decimal(value)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(repr(value) if isinstance(value, float) else value).quantize(Decimal("0.000001"))
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _shown(value: object) -> str:
    if value is None:
        return "（空）"
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def refresh_sheets(book: Book, ledger: Ledger, today: dt.date, whole: bool = False, company: str = "",
                   user: str | None = None) -> None:
    """The generated sheets; 台账 only from its first row a later batch touched, when the book
    can keep the rows before it (``whole``: every row, as 刷新 promises). ``company`` heads
    their printed pages; ``user`` sees them with or without what things cost (see roles)."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    costs = ledger.sees_costs(user)
    for spec, rows in summaries(ledger, today):
        aging = f"（{spec.dated_what}截至 {today.isoformat()}）" if spec.dated_by_today else ""
        spec, rows = shown(spec, rows, costs)
        explains = f"。{spec.explains}" if spec.explains else ""
        book.replace_sheet(spec, GENERATED_NOTE + stamp + aging + explains, rows, company=company)
    kept, rows = journal_since(ledger, None if whole else book.generated_mark(JOURNAL), costs)
    mark = None if ledger.path == MEMORY else journal_mark(ledger, costs)     # no ledger file: nothing to be from
    spec, rows = shown(JOURNAL, rows, costs)
    book.replace_sheet(spec, GENERATED_NOTE + stamp, rows, kept=kept, mark=mark, company=company)


def shown(spec: SheetSpec, rows: list[list], costs: bool) -> tuple[SheetSpec, list[list]]:
    """A generated sheet as its reader sees it: without its cost columns for 采购 and 销售."""
    if costs:
        return spec, rows
    columns, rows = without_costs(spec.columns, rows)
    return replace(spec, columns=columns), rows
