"""One function per button and per command: validate, post, refresh, reverse, verify.

They speak to a :class:`~jxc_xl.workbook.book.Book` (a file here, live Excel behind the
ribbon) and to the ledger beside the workbook; the CLI and the ribbon only differ in where
the Book comes from.
"""
from __future__ import annotations

import datetime as dt
import gc
import sys
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

from .ledger import Ledger, PostResult
from .model import Source
from .problems import Problem
from .validate import Masters
from .workbook import parse
from .workbook.book import Book, SheetProblem, Table, column_letter, find_sheet, read_table
from .workbook.contract import (BY_JOURNAL, COUNTS, DOC_PREFIX, DOCUMENT_SHEETS, ERROR, ERROR_EN, GENERATED_NOTE,
                                ITEMS, JOURNAL, OPENINGS, PARTIES, PAYMENT_PREFIX, POSTED, POSTED_EN, SETTINGS,
                                WAREHOUSES)
from .workbook.format import Exact
from .workbook.generate import generated, journal_since, summaries

Progress = Callable[[str], None]


@dataclass
class Report:
    """What a run did, for the CLI's summary and the ribbon's message box."""

    workbook: str = ""
    ledger: str = ""
    posted: int = 0                      # documents posted by this run
    already: int = 0                     # documents found already posted (unchanged)
    error_rows: list[tuple[str, int, str]] = field(default_factory=list)   # (sheet, row, message)
    sheet_problems: list[str] = field(default_factory=list)
    stock_value: Decimal = Decimal("0.00")
    receivables: Decimal = Decimal("0.00")
    payables: Decimal = Decimal("0.00")

    @property
    def exit_code(self) -> int:
        return 1 if self.error_rows or self.sheet_problems else 0

    def lines(self) -> list[str]:
        out = [f"工作簿 / workbook: {self.workbook}", f"账簿 / ledger:   {self.ledger}",
               f"过账单据 / documents posted: {self.posted}（已过账未变 / unchanged: {self.already}）",
               f"错误行 / rows in error: {len(self.error_rows)}",
               f"库存金额 / stock value: {self.stock_value:,.2f}",
               f"应收 / receivables: {self.receivables:,.2f}    应付 / payables: {self.payables:,.2f}"]
        out += [f"  {sheet} 第{row}行: {message}" for sheet, row, message in self.error_rows[:10]]
        if len(self.error_rows) > 10:
            out.append(f"  …… 另有 {len(self.error_rows) - 10} 行 / more rows")
        out += [f"  {p}" for p in self.sheet_problems]
        return out


@dataclass
class Settings:
    company: str = ""
    ledger: Path | None = None
    cost_method: str | None = None
    allow_negative: bool | None = None
    closed_through: dt.date | None = None
    english: bool = False
    problems: list[str] = field(default_factory=list)


def read_settings(book: Book, book_path: Path) -> Settings:
    table = read_table(book, SETTINGS)
    raw = parse.parse_settings(table if isinstance(table, Table) else None)
    s = Settings(company=str(raw.get("company") or ""))
    s.ledger = book_path.parent / (str(raw["ledger"]).strip() if raw.get("ledger") else book_path.stem + ".jxc.db")
    if raw.get("cost_method") not in (None, ""):
        s.cost_method = parse.setting_method(raw["cost_method"])
        if s.cost_method is None:
            s.problems.append(f"设置：成本方法“{raw['cost_method']}”无效，应为 移动加权平均 / 先进先出 / 月末一次加权平均")
    if raw.get("allow_negative") not in (None, ""):
        s.allow_negative = parse.setting_bool(raw["allow_negative"])
    if raw.get("closed_through") not in (None, ""):
        s.closed_through = parse.to_date(raw["closed_through"])
        if s.closed_through is None:
            s.problems.append(f"设置：结账日期“{raw['closed_through']}”不是有效日期")
    s.english = str(raw.get("language") or "").strip().lower() in ("english", "en")
    return s


def open_ledger(settings: Settings) -> tuple[Ledger, list[str]]:
    """The workbook's ledger with the workbook's settings applied (what can be)."""
    ledger = Ledger.open(settings.ledger)
    problems = list(settings.problems)
    if settings.cost_method:
        problem = ledger.set_cost_method(settings.cost_method)
        if problem:
            problems.append("设置：" + problem.message)
    if settings.allow_negative is not None and settings.allow_negative != ledger.settings.allow_negative:
        ledger.set_allow_negative(settings.allow_negative)
    if settings.closed_through != ledger.settings.closed_through:
        ledger.close_period(settings.closed_through)
    return ledger, problems


# -- reading the workbook ------------------------------------------------------------------------
@dataclass
class Input:
    masters: Masters
    tables: dict[str, Table]                         # sheet (contract name) → table found
    docs: list[parse.ParsedDoc]
    sheet_problems: list[str]


def read_input(book: Book, progress: Progress, known: dict | None = None) -> Input:
    problems: list[str] = []
    tables: dict[str, Table] = {}
    masters = []
    for spec, parser in ((ITEMS, parse.parse_items), (PARTIES, parse.parse_parties),
                         (WAREHOUSES, parse.parse_warehouses)):
        table = read_table(book, spec)
        if table is None:
            problems.append(f"缺少“{spec.zh}”表（{spec.en}）：请恢复该表，主数据必须放在名为“{spec.zh}”的工作表中。")
            masters.append([])
            continue
        if isinstance(table, SheetProblem):
            problems.append(table.message)
            masters.append([])
            continue
        found, bad = parser(table, book.name)
        problems += [f"{spec.zh} 第{p.source.row}行：{p.message}" for p in bad]
        masters.append(found)
    items, parties, warehouses = masters
    docs: list[parse.ParsedDoc] = []
    for spec in OPENINGS + DOCUMENT_SHEETS:
        table = read_table(book, spec)
        if isinstance(table, SheetProblem):
            problems.append(table.message)
            continue
        if table is None:
            continue
        tables[spec.zh] = table
        merged = _merged_rows(book, table)
        for parsed in parse.parse_documents(table, book.name, known):
            for row in parsed.rows:
                if row in merged:
                    parsed.problems.append(Problem("merged_cells", parsed.doc_no, None, "",
                                                   {"value": merged[row]}, _source(book, table, row)))
                    parsed.document = None
            docs.append(parsed)
        progress(f"读取 {spec.zh}：{len(table.rows)} 行")
    return Input(Masters({i.sku: i for i in items}, {p.code: p for p in parties},
                         {w.code: w for w in warehouses}), tables, docs, problems)


def _source(book: Book, table: Table, row: int) -> Source:
    return Source(workbook=book.name, sheet=table.sheet, row=row)


def _merged_rows(book: Book, table: Table) -> dict[int, str]:
    out: dict[int, str] = {}
    for r1, c1, r2, c2 in book.merged(table.sheet):
        if r2 <= table.header_row:
            continue
        label = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
        for r in range(max(r1, table.header_row + 1), r2 + 1):
            out[r] = label
    return out


# -- the use cases -----------------------------------------------------------------------------------
@contextmanager
def _bulk():
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


def validate_book(book: Book, book_path: Path, user: str | None = None, today: dt.date | None = None,
                  progress: Progress = lambda _: None) -> Report:
    """校验: mark every row's problems; nothing is posted and no generated sheet changes."""
    return _run(book, book_path, dry_run=True, user=user, today=today, progress=progress)


def post_book(book: Book, book_path: Path, user: str | None = None, today: dt.date | None = None,
              progress: Progress = lambda _: None) -> Report:
    """过账: validate, post what is right, write every 状态, fill 盘点, regenerate, save."""
    return _run(book, book_path, dry_run=False, user=user, today=today, progress=progress)


@_bulk()
def _run(book: Book, book_path: Path, dry_run: bool, user: str | None,
         today: dt.date | None, progress: Progress) -> Report:
    settings = read_settings(book, book_path)
    ledger, problems = open_ledger(settings)
    with ledger:
        digests = {k: d["raw_hash"] for k, d in ledger.latest_documents().items() if d["raw_hash"]}
        data = read_input(book, progress, digests)
        report = Report(workbook=str(book_path), ledger=str(settings.ledger),
                        sheet_problems=problems + data.sheet_problems)
        if not dry_run:
            m = data.masters
            ledger.upsert_masters(list(m.items.values()), list(m.parties.values()), list(m.warehouses.values()))
        documents = [p.document for p in data.docs if p.document is not None]
        progress(f"过账 {len(documents)} 张单据……")
        result = ledger.post(documents, user=user, workbook=book.name, masters=data.masters, dry_run=dry_run)
        report.posted = 0 if dry_run else len(result.posted)
        report.already = len(result.already) + sum(p.unchanged for p in data.docs)
        _write_statuses(book, data, result, ledger, settings.english, report, dry_run)
        if not dry_run:
            settled = {(o.journal, o.doc_no) for o in result.outcomes if o.status in ("posted", "already")}
            ledger.remember_digests([(p.digest, p.journal, p.doc_no) for p in data.docs
                                     if p.digest and (p.journal, p.doc_no) in settled])
            _refresh(book, ledger, today or dt.date.today())
        _totals(report, ledger)
    book.save()
    return report


@_bulk()
def refresh_book(book: Book, book_path: Path, today: dt.date | None = None) -> Report:
    """刷新: rewrite 库存 / 应收 / 应付 / 台账 from the ledger."""
    settings = read_settings(book, book_path)
    with Ledger.open(settings.ledger) as ledger:
        _refresh(book, ledger, today or dt.date.today(), whole=True)
        report = Report(workbook=str(book_path), ledger=str(settings.ledger))
        _totals(report, ledger)
    book.save()
    return report


@_bulk()
def reverse_book(book: Book, book_path: Path, doc_no: str, user: str | None = None,
                 date: dt.date | None = None, today: dt.date | None = None) -> Report:
    """冲销: post the 红字冲销 of a posted document and mark its rows."""
    settings = read_settings(book, book_path)
    data = read_input(book, lambda _: None)
    ledger, problems = open_ledger(settings)
    with ledger:
        report = Report(workbook=str(book_path), ledger=str(settings.ledger), sheet_problems=problems)
        result = ledger.reverse(doc_no, date=date, user=user, workbook=book.name)
        for p in result.problems:
            report.sheet_problems.append(p.message_en if settings.english else p.message)
        if result.ok:
            report.posted = 1
            rows = [p for p in data.docs if p.doc_no == doc_no and p.journal == result.outcomes[0].journal]
            _write_statuses(book, Input(data.masters, data.tables, rows, []), PostResult(), ledger,
                            settings.english, report, False, only=rows)
            _refresh(book, ledger, today or dt.date.today())
        _totals(report, ledger)
    book.save()
    return report


@_bulk()
def verify_book(book: Book, book_path: Path, today: dt.date | None = None) -> list[str]:
    """核对: recompute the ledger, then compare each generated sheet with what it should hold."""
    settings = read_settings(book, book_path)
    with Ledger.open(settings.ledger) as ledger:
        differences = ledger.verify()
        for spec, rows in generated(ledger, today or dt.date.today()):
            table = read_table(book, spec)
            if not isinstance(table, Table):
                differences.append(f"“{spec.zh}”表缺失或表头不对：请运行 刷新")
                continue
            found = [[_plain(v) for v in values[:len(spec.columns)]] for _, values in table.rows]
            wanted = [[_plain(v) for v in row] for row in rows]
            if spec.zh == "应收" or spec.zh == "应付":
                # aging moves with the calendar: compare balances, which do not
                found = [row[:3] for row in found]
                wanted = [row[:3] for row in wanted]
            if found != wanted:
                differences.append(f"“{spec.zh}”表与账簿不符（{len(found)} 行 / 账簿 {len(wanted)} 行）：请运行 刷新")
    return differences


def count_sheet(book: Book, book_path: Path, warehouse: str, today: dt.date | None = None) -> str:
    """盘点表: every item the warehouse holds, with its book quantity, as new 盘点 rows under one
    new 单号, ready for the clerk to fill 实盘数量 and post. Returns what was done."""
    settings = read_settings(book, book_path)
    table = read_table(book, COUNTS)
    if not isinstance(table, Table):
        return "缺少“盘点”表或其表头不对：请先恢复该表"
    if not settings.ledger.is_file():
        return f"还没有账簿 {settings.ledger.name}：先过账期初库存和单据，才有账面数量可盘点"
    with Ledger.open(settings.ledger) as ledger:
        houses = ledger.masters().warehouses
        code = next((c for c, w in houses.items() if warehouse in (c, w.name)), None)
        if code is None:
            return f"未知仓库“{warehouse}”：请在“仓库”表或“盘点”表选中一个仓库再点 盘点表"
        held = [r for r in ledger.stock(warehouse=code) if r.qty != 0]
        if not held:
            return f"仓库 {code} 没有库存，无需盘点"
        day = today or dt.date.today()
        doc_no = _next_number(table, ledger, "盘点", DOC_PREFIX["盘点"], day)
    first = _first_free_row(table)
    rows = range(first, first + len(held))
    for column, values in (("单号", [doc_no] * len(held)), ("日期", [day] * len(held)),
                           ("仓库", [code] * len(held)), ("商品编码", [r.item for r in held]),
                           ("账面数量", [r.qty for r in held])):
        _write_block(book, table, column, dict(zip(rows, values)))
    book.save()
    return f"盘点表：仓库 {code} 的 {len(held)} 个商品已填入“盘点”表第 {first}–{rows[-1]} 行（单号 {doc_no}）；填好实盘数量后点 过账"


def next_doc_no(book: Book, book_path: Path, sheet: str, first_row: int, last_row: int,
                today: dt.date | None = None) -> str:
    """新单号: the next free 单号 of the sheet into the blank 单号 cells of rows first…last,
    which become one document. Returns what was done."""
    spec = next((s for s in DOCUMENT_SHEETS if find_sheet(book, s) == sheet), None)
    table = read_table(book, spec) if spec else None
    if not isinstance(table, Table):
        return "请先在单据表（采购、销售、调拨、盘点、收付款、其他出入库）里选中要编号的行"
    rows = dict(table.rows)
    wanted = [r for r in range(max(first_row, table.header_row + 1), last_row + 1)
              if not parse.to_code(table.get(rows.get(r, []), "单号"))]
    if not wanted:
        return "所选的行都已有单号"
    kind = parse.to_code(table.get(rows.get(wanted[0], []), "业务类型")).lower()
    prefix = PAYMENT_PREFIX.get(kind, DOC_PREFIX[spec.zh]) if spec.zh == "收付款" else DOC_PREFIX[spec.zh]
    settings = read_settings(book, book_path)
    # nothing posted yet (no ledger file): the sheet alone says which numbers are taken
    with Ledger.open(settings.ledger) if settings.ledger.is_file() else nullcontext() as ledger:
        doc_no = _next_number(table, ledger, spec.zh, prefix, today or dt.date.today())
    _write_block(book, table, "单号", {r: doc_no for r in wanted})
    book.save()
    return f"单号 {doc_no} 已填入 {len(wanted)} 行"


def backup_ledger(book: Book, book_path: Path, now: dt.datetime | None = None) -> str:
    """备份: a checked copy of the ledger in the 备份 folder beside it. Returns where it went."""
    settings = read_settings(book, book_path)
    if not settings.ledger.is_file():
        return f"还没有账簿 {settings.ledger.name}：过账后才有可备份的内容"
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = settings.ledger.parent / "备份" / f"{settings.ledger.stem}-{stamp}.db"
    with Ledger.open(settings.ledger) as ledger:
        problems = ledger.backup(target)
    if problems:
        return f"备份到 {target} 后检查发现问题：{problems[0]}"
    return f"账簿已备份到 {target}"


def _next_number(table: Table, ledger: Ledger | None, sheet: str, prefix: str, day: dt.date) -> str:
    """prefix + date + "-" + the next sequence number not in the sheet nor in the ledger."""
    stem = f"{prefix}{day:%Y%m%d}-"
    journal = next(j for j, s in BY_JOURNAL.items() if s.zh == sheet)
    taken = {parse.to_code(table.get(v, "单号")) for _, v in table.rows}
    if ledger is not None:
        taken |= set(ledger.doc_numbers(journal, stem))
    used = [int(n[len(stem):]) for n in taken if n.startswith(stem) and n[len(stem):].isdigit()]
    return f"{stem}{max(used, default=0) + 1:03d}"


def _first_free_row(table: Table) -> int:
    """The row after the last one holding a 单号 or a 商品编码."""
    filled = [r for r, v in table.rows if parse.to_code(table.get(v, "单号")) or parse.to_code(table.get(v, "商品编码"))]
    return max(filled, default=table.header_row) + 1


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


# -- writing back --------------------------------------------------------------------------------------
def _refresh(book: Book, ledger: Ledger, today: dt.date, whole: bool = False) -> None:
    """The generated sheets; 台账 only from its first row a later batch touched, when the book
    can keep the rows before it (``whole``: every row, as 刷新 promises)."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    for spec, rows in summaries(ledger, today):
        aging = f"（账龄截至 {today.isoformat()}）" if spec.zh in ("应收", "应付") else ""
        book.replace_sheet(spec, GENERATED_NOTE + stamp + aging, rows)
    kept, rows = journal_since(ledger, None if whole else book.generated_mark(JOURNAL))
    book.replace_sheet(JOURNAL, GENERATED_NOTE + stamp, rows, kept=kept, mark=ledger.generation())


def _totals(report: Report, ledger: Ledger) -> None:
    report.stock_value, report.receivables, report.payables = ledger.totals()


def _write_statuses(book: Book, data: Input, result: PostResult, ledger: Ledger, english: bool,
                    report: Report, dry_run: bool, only: list | None = None) -> None:
    """Every row's 状态, the cells at fault highlighted, and 盘点's book quantity and difference."""
    outcomes = {(o.journal, o.doc_no): o for o in result.outcomes}
    posted = ledger.latest_documents()
    counted = ledger.count_differences() if not dry_run else {}
    by_sheet: dict[str, dict[int, str]] = {}
    marks: dict[str, list[tuple[int, int]]] = {}
    count_cells: dict[int, tuple] = {}
    for parsed in (only if only is not None else data.docs):
        table = _table_of(data, parsed)
        if table is None:
            continue
        statuses = by_sheet.setdefault(table.spec.zh, {})
        cells = marks.setdefault(table.spec.zh, [])
        outcome = outcomes.get((parsed.journal, parsed.doc_no)) if parsed.document else None
        ledger_problems = outcome.problems if outcome else ()
        if parsed.problems or ledger_problems:
            _problem_statuses(table, parsed, ledger_problems, statuses, cells, english)
            continue
        info = posted.get((parsed.journal, parsed.doc_no))
        if info is None:                  # a check without posting: fine, and waits for 过账
            for row in parsed.rows:
                statuses[row] = ""
            continue
        text = _posted_text(info, english)
        for n, row in enumerate(parsed.rows, start=1):
            statuses[row] = text
            if table.spec is COUNTS and (parsed.doc_no, n) in counted:
                count_cells[row] = counted[(parsed.doc_no, n)]
    for sheet, statuses in by_sheet.items():
        table = data.tables[sheet]
        _write_block(book, table, "状态", statuses)
        before = {r: str(table.get(v, "状态") or "") for r, v in table.rows}
        rows = [r for r, text in statuses.items()          # only rows in error now or before carry marks
                if text.startswith((ERROR, ERROR_EN)) or before.get(r, "").startswith((ERROR, ERROR_EN))]
        book.mark(table.sheet, marks[sheet], sorted(rows), max(table.columns.values()))
        for row, message in sorted(statuses.items()):
            if message.startswith((ERROR, ERROR_EN)):
                report.error_rows.append((table.sheet, row, message))
    if count_cells and COUNTS.zh in data.tables:
        table = data.tables[COUNTS.zh]
        values = {r: table.get(v, "实盘数量") for r, v in table.rows}
        book_qty = {r: parse.to_number(values[r]) - diff for r, diff in count_cells.items()}
        _write_block(book, table, "账面数量", book_qty)
        _write_block(book, table, "差异", count_cells)


def _table_of(data: Input, parsed: parse.ParsedDoc) -> Table | None:
    if parsed.journal:
        return data.tables.get(BY_JOURNAL[parsed.journal].zh)
    sheet = next((p.source.sheet for p in parsed.problems if p.source.sheet), None)
    return next((t for t in data.tables.values() if t.sheet == sheet), None)


def _problem_statuses(table: Table, parsed: parse.ParsedDoc, ledger_problems: tuple[Problem, ...],
                      statuses: dict[int, str], cells: list, english: bool) -> None:
    """Each problem on its row (a reading problem) or its line (a ledger one; the header's on
    every row); the cell at fault marked; the document's other rows told why they wait."""
    own: dict[int, list[str]] = {}

    def add(row: int, p: Problem) -> None:
        own.setdefault(row, []).append(p.message_en if english else p.message)
        if p.field in table.columns:
            cells.append((row, table.columns[p.field]))

    for p in parsed.problems:
        add(p.source.row, p)
    for p in ledger_problems:
        for row in ([parsed.rows[p.line - 1]] if p.line else parsed.rows):
            add(row, p)
    prefix = ERROR_EN if english else ERROR
    other = Problem("other_rows", parsed.doc_no, None, "", {"value": parsed.doc_no, "expected": min(own)})
    for row in parsed.rows:
        messages = own.get(row) or [other.message_en if english else other.message]
        statuses[row] = prefix + " ".join(dict.fromkeys(messages))
        cells.append((row, table.columns["状态"]))


def _posted_text(info: dict, english: bool) -> str:
    when = (info["posted_at"] or "").replace("T", " ")
    if english:
        text = f"{POSTED_EN} batch {info['batch']} {when}"
        return text + (f", reversed (batch {info['reversed_batch']})" if info["reversed_batch"] else "")
    text = f"{POSTED} 批次{info['batch']} {when}"
    return text + (f"，已红字冲销（批次{info['reversed_batch']}）" if info["reversed_batch"] else "")


def _write_block(book: Book, table: Table, column: str, values: dict[int, object]) -> None:
    """One column block from the first to the last row given; rows between keep their value."""
    col = table.columns.get(column)
    if col is None or not values:
        return
    first, last = min(values), max(values)
    current = {r: table.get(v, column) for r, v in table.rows}
    block = [values.get(r, current.get(r)) for r in range(first, last + 1)]
    book.write_column(table.sheet, col, first, block)


def console_progress(enabled: bool | None = None) -> Progress:
    """Progress lines on stderr when it is a terminal; silence otherwise."""
    enabled = sys.stderr.isatty() if enabled is None else enabled
    return (lambda message: print(message, file=sys.stderr)) if enabled else (lambda _: None)


__all__ = ["Report", "validate_book", "post_book", "refresh_book", "reverse_book", "verify_book",
           "read_settings", "console_progress"]
