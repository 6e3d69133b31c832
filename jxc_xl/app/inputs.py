"""Reading a workbook's input sheets into masters and documents, and what the sheets say of
themselves (posted rows, missing or unreadable sheets) before any ledger is opened."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from ..domain.model import Source
from ..domain.problems import Problem
from ..domain.validate import Masters
from ..sheets import parse
from ..sheets.book import Book, SheetProblem, Table, column_letter, find_sheet, key_values, look_alikes, read_table
from ..sheets.cells import to_code
from ..sheets.contract import (ACCOUNTS, ALL_SHEETS, AUDIT_LOG, BY_JOURNAL, ITEMS, PARTIES, POSTED, POSTED_EN, POSTED_SHEETS, PRINT, REPORTS, SETTINGS,
                               OPENINGS, STATEMENT, WAREHOUSES, Held, SheetSpec)

Progress = Callable[[str, int, int], None]          # (the step now under way, steps done, steps in all)


def no_progress(step: str, done: int, total: int) -> None:
    """Where nobody watches (a test, the ribbon's own status bar message)."""


@dataclass
class Steps:
    """A run's steps as they start, told to a :data:`Progress`: the CLI draws a bar from them."""

    progress: Progress
    total: int
    done: int = 0

    def __call__(self, step: str) -> None:
        self.progress(step, self.done, self.total)
        self.done = min(self.done + 1, self.total)

    def say(self, what: str) -> None:
        """Something the user should know while the current step lasts (it does not advance)."""
        self.progress(what, self.done, self.total)

    def finish(self) -> None:
        self.progress("", self.total, self.total)
MASTER_PARSERS = ((ITEMS, parse.parse_items), (PARTIES, parse.parse_parties), (WAREHOUSES, parse.parse_warehouses),
                  (ACCOUNTS, parse.parse_accounts))
_MASTER_KINDS = ("item", "party", "warehouse", "account")


@dataclass
class Sheets:
    """The contract tables found in a workbook."""

    tables: dict[str, Table] = field(default_factory=dict)     # contract sheet name → table
    problems: list[str] = field(default_factory=list)          # a document sheet that cannot be read
    fatal: list[str] = field(default_factory=list)             # a master sheet missing or unreadable
    unreadable: set[str] = field(default_factory=set)          # contract names of sheets not read
    absent: set[str] = field(default_factory=set)              # … of document sheets not in the workbook
    notes: list[str] = field(default_factory=list)             # said once: a sheet of the user's passed over
    numbers: dict[str, set[tuple[str, str]]] = field(default_factory=dict)   # … read for their 单号 alone
    book: Book | None = None                                   # (where those are read whole, if asked)

    def let_go(self) -> None:
        """The rows read are let go once they are posted and marked: what follows (刷新, saving)
        reads none of them, and at 100,000 lines they are over 100 MB."""
        for table in self.tables.values():
            table.rows = []

    @contextmanager
    def parked(self, book: Book) -> Iterator[None]:
        """The rows read held compactly by ``book`` while the block runs (a large post: the ledger
        reads none of them), and each table's rows found again after it (by their sheet rows)."""
        numbers = {name: [r for r, _ in table.rows] for name, table in self.tables.items()}
        for table in self.tables.values():
            table.rows = []
        try:
            with book.parked():
                yield
        finally:
            for name, table in self.tables.items():
                values = book.values(table.sheet) if numbers[name] else []
                table.rows = [(r, values[r - 1]) for r in numbers[name]]

    def posted_rows(self) -> int:
        """Rows whose 状态 says they were posted: a workbook with these has a ledger somewhere
        (a sheet read for its 单号 alone is read whole for this)."""
        whole = [read_table(self.book, spec) for spec in POSTED_SHEETS if spec.zh in self.numbers]
        return sum(1 for table in [*self.tables.values(), *whole] if isinstance(table, Table) and "状态" in table.columns
                   for _, values in table.rows
                   if str(table.get(values, "状态") or "").startswith((POSTED, POSTED_EN)))


def read_sheets(book: Book, numbers_only: bool = False) -> Sheets:
    """Find every input table. Masters are needed to check anything at all, so a master sheet
    that is missing or whose header cannot be found is fatal; a document sheet that is missing
    counts as empty, one that cannot be read is a problem of its own. A sheet with only the
    English name of a document sheet and not its header is the user's own: said once, passed
    over. A contract sheet that is missing while another sheet has its header (renamed) is
    named with it, and that sheet's rows are not read. ``numbers_only`` (核对): a document
    sheet whose 单号 can be read alone is read so, into ``numbers`` (see :func:`present_documents`)."""
    found = Sheets(book=book)
    missing: list[SheetSpec] = []
    for spec in POSTED_SHEETS if numbers_only else ():
        keys = None if spec in OPENINGS else key_values(book, spec)
        if keys is not None:
            found.numbers[spec.zh] = parse.key_numbers(spec, keys)
    book.read_ahead([name for spec in [s for s, _ in MASTER_PARSERS] + list(POSTED_SHEETS)
                     if spec.zh not in found.numbers and (name := find_sheet(book, spec))])
    for spec, _ in MASTER_PARSERS:
        table = read_table(book, spec)
        if table is None and spec.optional:
            found.absent.add(spec.zh)
        elif table is None:
            missing.append(spec)
        elif isinstance(table, SheetProblem):
            found.fatal.append(table.message + "本次没有过账任何单据。")
        else:
            found.tables[spec.zh] = table
    for spec in (s for s in POSTED_SHEETS if s.zh not in found.numbers):
        table = read_table(book, spec)
        if isinstance(table, SheetProblem) and not table.ours:
            found.notes.append(f"“{table.sheet}”表的表头不是“{spec.zh}”表（{spec.en}）的，视为您自己的表，没有读取 / "
                               f"sheet '{table.sheet}' is not jxc's {spec.en} sheet (its header differs): not read")
            table = None
        if isinstance(table, SheetProblem):
            found.problems.append(table.message)
            found.unreadable.add(spec.zh)
        elif table is None:
            missing.append(spec)
        else:
            found.tables[spec.zh] = table
    _missing(book, found, missing)
    return found


def _missing(book: Book, found: Sheets, missing: list[SheetSpec]) -> None:
    """A missing master is fatal, a missing document sheet empty; either, when a sheet of
    another name has its header, is named with that sheet (and nothing that changes the books
    is advised)."""
    claimed = {find_sheet(book, s) for s in ALL_SHEETS + REPORTS + (STATEMENT, PRINT, AUDIT_LOG)}
    alike = look_alikes(book, missing, claimed) if missing else {}
    for spec in missing:
        sheet = alike.get(spec.zh)
        renamed = (f"缺少“{spec.zh}”表（{spec.en}）：“{sheet}”表的表头与它的相同，是改了名吗？请把“{sheet}”改回“{spec.zh}”"
                   f"后再过账；“{sheet}”中的行没有读取" if sheet else "")
        if spec.role == "master":
            found.fatal.append((renamed + "；" if sheet else f"缺少“{spec.zh}”表（{spec.en}）：主数据必须放在名为“{spec.zh}”的"
                                f"工作表中，请恢复该表后再过账；") + "本次没有过账任何单据。")
        elif sheet:
            found.problems.append(renamed + "。")
            found.unreadable.add(spec.zh)
        else:
            found.absent.add(spec.zh)


def held_codes(book: Book) -> Held:
    """The codes the master sheets hold as numbers (1001 typed as a number), by master: the
    generated sheets write these codes as numbers too, so the user's VLOOKUP and COUNTIF from a
    master's code find them (a number never equals the text "1001" in a spreadsheet)."""
    held: Held = {}
    for (spec, _), master, key in zip(MASTER_PARSERS, _MASTER_KINDS, ("商品编码", "编码", "编码", "编码")):
        table = read_table(book, spec)
        for _, values in table.rows if isinstance(table, Table) else []:
            code = table.get(values, key)
            if isinstance(code, (int, float)) and not isinstance(code, bool):
                held.setdefault(master, {})[to_code(code)] = int(code) if float(code).is_integer() else code
    return held


@dataclass
class Input:
    masters: Masters
    tables: dict[str, Table]                         # sheet (contract name) → table found
    docs: list[parse.ParsedDoc]
    sheet_problems: list[str]
    master_problems: dict[str, list[Problem]] = field(default_factory=dict)   # sheet → its rows' problems
    # sheet (contract name) → its first rows found as a post left them: their documents are not in docs
    seen: dict[str, parse.Seen] = field(default_factory=dict)


def read_input(book: Book, sheets: Sheets, steps: Steps | None = None, known: dict | Callable | None = None,
               seen: dict[str, tuple] | None = None) -> Input:
    """Masters and documents from the tables found; ``known`` digests skip documents whose
    rows are as they were when posted; ``seen`` (journal → segments, Ledger.rows_seen) skips the
    first rows of a sheet found exactly as a post left them, without grouping them by 单号."""
    data = Input(Masters(), sheets.tables, [], list(sheets.problems))
    models = []
    for spec, parser in MASTER_PARSERS:
        table = sheets.tables.get(spec.zh)
        if table is None:                   # an optional master the workbook goes without
            models.append([])
            continue
        rows, bad = parser(table, book.name)
        data.master_problems[spec.zh] = bad
        data.sheet_problems += [f"{table.sheet} 第{p.source.row}行：{p.message}" for p in bad]
        models.append(rows)
    items, parties, warehouses, accounts = models
    repeated = {kind: {str(p.args["value"]) for p in data.master_problems.get(spec.zh, ()) if p.code == "duplicate_master"}
                for kind, (spec, _) in zip(_MASTER_KINDS, MASTER_PARSERS)}
    general, rate, _ = parse.setting_taxes(parse.parse_settings(_settings_table(book)))
    data.masters = Masters({i.sku: i for i in items}, {p.code: p for p in parties}, {w.code: w for w in warehouses},
                           repeated, general, rate, {a.code: a for a in accounts})
    for spec in POSTED_SHEETS:
        table = sheets.tables.get(spec.zh)
        if table is None:
            continue
        if steps:
            steps(f"读取 {spec.zh}：{len(table.rows)} 行")
        merged = _merged_rows(book, table)
        found = parse.seen_rows(table, (seen or {}).get(spec.journal))
        if merged and found.rows and min(merged) <= table.rows[found.rows - 1][0]:
            found = parse.Seen()            # a merged cell among them: each row is read and says so
        if found.rows:
            data.seen[spec.zh] = found
        for parsed in parse.parse_documents(table, book.name, known, data.masters, skip=found.rows):
            for row in parsed.rows:
                if row in merged:
                    parsed.problems.append(Problem("merged_cells", parsed.doc_no, None, "", {"value": merged[row]},
                                                   Source(workbook=book.name, sheet=table.sheet, row=row)))
                    parsed.document = None
            data.docs.append(parsed)
    return data


def quiet_rows(data: Input, marks: dict) -> dict[str, tuple[tuple[int, str], ...]]:
    """journal → the segments of its sheet's rows to remember after a post (parse.seen_after),
    from what the post leaves in them (``marks``: sheet → statuses.SheetMarks): a document is
    quiet when it stands in the books as its rows say, each row's 状态 is the posted one and
    nothing but that and the figures read back is written to its rows (a 盘点 row's 账面数量
    and 差异 move with later posts: not quiet)."""
    quiet: dict[str, set[str]] = {}
    for parsed in data.docs:
        spec = BY_JOURNAL.get(parsed.journal)
        marked = marks.get(spec.zh) if spec else None
        if marked is None or parsed.problems or not parsed.rows or not (parsed.unchanged or parsed.sent):
            continue
        if all(str(marked.statuses.get(row, "")).startswith((POSTED, POSTED_EN)) and row not in marked.counts
               for row in parsed.rows):
            quiet.setdefault(parsed.journal, set()).add(parsed.doc_no)
    out = {}
    for name, table in data.tables.items():
        spec = table.spec
        if spec.journal and spec not in OPENINGS and name in marks and "状态" in table.columns:
            out[spec.journal] = parse.seen_after(table, data.seen.get(name, parse.Seen()), quiet.get(spec.journal, set()),
                                                 marks[name].written())
        elif name in data.seen:         # nothing of it read: what was seen stays
            out[spec.journal] = data.seen[name].segments
    return {journal: segments for journal, segments in out.items() if segments}


def present_documents(sheets: Sheets) -> set[tuple[str, str]]:
    """(journal, 单号) of every document the document sheets found hold rows of, readable or not:
    what 核对 looks for the ledger's posted documents in, without reading them as documents
    (measured on the 100,000-line bench book, CPU time: 0.7 s read with the masters and each
    posted document's digest, 0.04 s so)."""
    return {key for spec in POSTED_SHEETS if spec.zh in sheets.tables
            for key in parse.document_numbers(sheets.tables[spec.zh])}.union(*sheets.numbers.values())


def _settings_table(book: Book) -> Table | None:
    table = read_table(book, SETTINGS)
    return table if isinstance(table, Table) else None


def _merged_rows(book: Book, table: Table) -> dict[int, str]:
    out: dict[int, str] = {}
    for r1, c1, r2, c2 in book.merged(table.sheet):
        if r2 <= table.header_row:
            continue
        label = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
        for r in range(max(r1, table.header_row + 1), r2 + 1):
            out[r] = label
    return out
