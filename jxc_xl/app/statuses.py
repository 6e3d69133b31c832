"""Writing back what became of every row: its 状态, the cells at fault, 盘点's book quantity.

A row's status says the truth about the ledger: rows of a posted document keep ``已过账``
even when a row beside them, with the same 单号, is new or edited — those get the error,
naming the 单号, the cell that changed (old → new) and what to do.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from ..domain.changes import compare_rows
from ..domain.money import from_cents
from .inputs import Input
from ..ledger import Ledger, PostResult
from ..domain.problems import Problem
from ..domain.validate import validate
from ..sheets.book import Book, Table
from ..sheets.contract import BY_JOURNAL, ERROR, ERROR_EN, POSTED, POSTED_EN, REJECTED, REJECTED_EN, WAITING, WAITING_EN
from ..sheets.cells import to_code, to_number
from ..io.sheetdata import same
from ..sheets.parse import ParsedDoc, ReadBack, digest_as_written


@dataclass
class SheetMarks:
    """What one run writes into one sheet."""

    table: Table
    skip: int = 0                    # the first rows, seen as a post left them: none of them is marked
    statuses: dict[int, str] = field(default_factory=dict)
    cells: list[tuple[int, int]] = field(default_factory=list)     # (row, col) at fault
    counts: dict[int, Decimal] = field(default_factory=dict)       # 盘点 row → its posted difference
    figures: dict[str, dict[int, object]] = field(default_factory=dict)   # column → row → number or date

    @cached_property
    def values(self) -> dict[int, list]:
        return dict(self.table.rows[self.skip:])

    def written(self) -> dict[int, dict[int, object]]:
        """The cells this run leaves in its rows, 1-based column → row → value: each row's 状态
        (one that already read so is left as it is: the same text) and the figures read back."""
        columns = self.table.columns
        return {columns["状态"]: self.statuses, **{columns[c]: values for c, values in self.figures.items()}}

    def fault(self, row: int, column: str) -> None:
        if column in self.table.columns:
            self.cells.append((row, self.table.columns[column]))


class StatusWriter:
    """Every row's 状态 for one run, from the run's outcomes and the ledger."""

    def __init__(self, data: Input, result: PostResult, ledger: Ledger, english: bool, dry_run: bool):
        self.data, self.ledger, self.english, self.dry_run = data, ledger, english, dry_run
        self.outcomes = {(o.journal, o.doc_no): o for o in result.outcomes}
        # of the documents read only where rows were seen as a post left them (they are not marked): 500
        # lines posted into 100,000, 写入状态 0.52–0.59 → 0.19 s CPU, with the rows seen not marked
        self.posted = ledger.latest_documents({(p.journal, p.doc_no) for p in data.docs if p.journal}
                                              if data.seen else None)
        self.counted = ledger.count_differences() if not dry_run else {}
        self.recounted = {} if dry_run else {(c.journal, c.doc_no, c.line): c for c in ledger.changed_counts()}
        self.sheets: dict[str, SheetMarks] = {}
        self.notes: list[str] = []          # what no row can show (a posted line deleted from its sheet)
        self._read_back: dict[str, ReadBack] = {}     # per sheet: where its cells may be written back

    def text(self, problem: Problem) -> str:
        return problem.message_en if self.english else problem.message

    def run(self, docs: list[ParsedDoc]) -> None:
        self.taxed = self._taxed({(p.journal, p.doc_no) for p in docs if p.was_read and p.journal
                                  and self._plan(self._table_of(p)).taxed})
        for parsed in docs:
            table = self._table_of(parsed)
            if table is None:
                continue
            marks = self.sheets.get(table.spec.zh)
            if marks is None:
                seen = self.data.seen.get(table.spec.zh)
                marks = self.sheets[table.spec.zh] = SheetMarks(table, seen.rows if seen else 0)
            outcome = self.outcomes.get((parsed.journal, parsed.doc_no)) if parsed.sent else None
            ledger_problems = outcome.problems if outcome else ()
            if outcome is not None and outcome.pending is not None:     # 过账需审核: waiting, or rejected
                marks.statuses.update({row: pending_text(outcome.pending, self.english) for row in parsed.rows})
                continue
            info = self.posted.get((parsed.journal, parsed.doc_no))
            standing = info is not None and info["reversed_by"] is None
            if (parsed.problems or ledger_problems) and standing and parsed.was_read:
                self._against_posted(marks, parsed, info)
            elif parsed.problems or ledger_problems:
                self._problems(marks, parsed, ledger_problems)
            elif info is None:                  # a check without posting: fine, and waits for 过账
                marks.statuses.update({row: "" for row in parsed.rows})
            else:
                self._posted(marks, parsed, info)
                if parsed.was_read:
                    self._as_read(marks, parsed)

    def _taxed(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """The 增值税 figures of the standing documents ``keys`` that have tax, by line number: a
        document this run posted brings them in its outcome, the ledger is asked for the others
        (measured: asking it for all of a 10,000-line taxed post's documents cost 0.7 s of 28)."""
        posted = {} if self.dry_run else {key: o.figures for key, o in self.outcomes.items()
                                          if o.status == "posted" and key in keys}
        found = self.ledger.taxed_lines(keys - posted.keys())
        return {**found, **{key: figures for key, figures in posted.items() if figures}}

    def _table_of(self, parsed: ParsedDoc) -> Table | None:
        if parsed.journal:
            return self.data.tables.get(BY_JOURNAL[parsed.journal].zh)
        sheet = next((p.source.sheet for p in parsed.problems if p.source.sheet), None)
        return next((t for t in self.data.tables.values() if t.sheet == sheet), None)

    def _posted(self, marks: SheetMarks, parsed: ParsedDoc, info, lines: dict[int, int] | None = None) -> None:
        """Rows of a document the ledger holds; ``lines`` maps rows to posted line numbers when
        they are not simply in order."""
        text = posted_text(info, self.english)
        for n, row in enumerate(parsed.rows, start=1):
            line = lines.get(row, n) if lines is not None else n
            changed = self.recounted.get((parsed.journal, parsed.doc_no, line))
            marks.statuses[row] = text + (recounted_text(changed, self.english) if changed else "")
            difference = self.counted.get((parsed.journal, parsed.doc_no, line))
            if difference is not None:
                marks.counts[row] = difference

    def _as_read(self, marks: SheetMarks, parsed: ParsedDoc) -> None:
        """A posted document's cells that hold text read as a figure or a date get that number or
        date (a cleared 金额 its amount, a taxed line's empty figures theirs), so the sheet computes
        and adds up as the books do. The values are the ones posted, so its fingerprint stays; the
        digest remembered is of the rows as they will be."""
        table, written = marks.table, {}
        plan, columns, figures = self._plan(table), table.columns, marks.figures
        rows = [(row, marks.values[row]) for row in parsed.rows]
        taxed = self.taxed.get((parsed.journal, parsed.doc_no), {})
        for n, (row, values) in enumerate(rows, start=1):
            found = plan.as_read(values, taxed.get(n))
            if found:
                written[row] = {columns[column]: value for column, value in found.items()}
                for column, value in found.items():
                    figures.setdefault(column, {})[row] = value
        if written:
            parsed.digest = digest_as_written(table, rows, written)

    @staticmethod
    def _changed(marks: SheetMarks) -> tuple[dict[int, str], list[int]]:
        """The 状态 to write (those that do not read as written already) and the rows that carry
        marks (in error now or before), in one pass over the rows: the 状态 as read were a third
        dict of every row beside the statuses and the block written (at 1,000,000 lines each such
        dict is ≈ 40 MB, and 写入状态 was the post's peak)."""
        values, get, changed, rows = marks.values, marks.table.get, {}, []
        for r, text in marks.statuses.items():
            before = get(values.get(r, ()), "状态")
            if not same(before, text):
                changed[r] = text
            if text.startswith((ERROR, ERROR_EN)) or str(before or "").startswith((ERROR, ERROR_EN)):
                rows.append(r)
        return changed, rows

    def _plan(self, table: Table | None) -> ReadBack:
        """Where ``table``'s cells may be written back (worked out once per sheet)."""
        if table is None:
            return ReadBack((), (), None)
        plan = self._read_back.get(table.sheet)
        if plan is None:
            plan = self._read_back[table.sheet] = ReadBack.of(table)
        return plan

    def _problems(self, marks: SheetMarks, parsed: ParsedDoc, ledger_problems: tuple[Problem, ...]) -> None:
        """Each problem on its row (a reading problem) or its line (a ledger one; the header's on
        every row); the cell at fault marked; the document's other rows told why they wait."""
        own: dict[int, list[str]] = {}

        def add(row: int, p: Problem) -> None:
            own.setdefault(row, []).append(self.text(p))
            marks.fault(row, p.field)

        for p in parsed.problems:
            add(p.source.row, p)
        for p in ledger_problems:
            for row in ([parsed.rows[p.line - 1]] if p.line else parsed.rows):
                add(row, p)
        other = Problem("other_rows", parsed.doc_no, None, "", {"value": parsed.doc_no, "expected": min(own)})
        for row in parsed.rows:
            self._error(marks, row, own.get(row) or [self.text(other)])

    def _error(self, marks: SheetMarks, row: int, messages: list[str]) -> None:
        marks.statuses[row] = (ERROR_EN if self.english else ERROR) + " ".join(dict.fromkeys(messages))
        marks.fault(row, "状态")

    def _against_posted(self, marks: SheetMarks, parsed: ParsedDoc, info) -> None:
        """A posted 单号 whose rows no longer read as it was posted: compare them row by row."""
        posted = self.ledger.posted_document(parsed.journal, parsed.doc_no)
        resolved = [(row, None if doc is None else validate(doc, self.data.masters, None)[0])
                    for row, doc in parsed.row_documents()]
        verdict = compare_rows(posted, resolved)
        own = {p.source.row: p for p in parsed.problems}
        self._posted(marks, _only(parsed, verdict.unchanged), info, verdict.unchanged)
        for row, changes in verdict.edited.items():
            if row in own and not changes:        # a row that cannot be read says why
                self._error(marks, row, [self.text(p) for p in parsed.problems if p.source.row == row])
                marks.fault(row, own[row].field)
                continue
            said = "；".join(map(str, changes)) or "无法读取"
            self._error(marks, row, [self.text(Problem("posted_row_edited", parsed.doc_no, None, "",
                                                       {"value": parsed.doc_no, "expected": said}))])
            for change in changes:
                marks.fault(row, change.column)
        key = marks.table.spec.key                  # the column naming the document (发票: 发票号码)
        for row in verdict.added:
            self._error(marks, row, [self.text(Problem("posted_row_added", parsed.doc_no, None, key,
                                                       {"value": parsed.doc_no}))])
            marks.fault(row, key)
        for n in verdict.removed:
            self.notes.append(self.text(Problem("posted_line_removed", parsed.doc_no, None, marks.table.sheet, {
                "value": parsed.doc_no, "expected": n, "item": posted.lines[n - 1].item})))

    def write(self, book: Book, report) -> None:
        """Each sheet's statuses, marks and 盘点 columns, written as column blocks; a 状态 that
        reads as it will be written is not written (a 500-line post into a 100,000-line book
        writes 500 rows, not a block of 100,000 the writer compares cell by cell)."""
        for marks in self.sheets.values():
            table = marks.table
            if marks.statuses and "状态" not in table.columns:
                add_status_column(book, table)
            changed, rows = self._changed(marks)
            write_block(book, table, "状态", changed)
            book.mark(table.sheet, marks.cells, sorted(rows), max(table.columns.values()))
            for row, message in sorted(marks.statuses.items()):
                if message.startswith((ERROR, ERROR_EN)):
                    report.error_rows.append((table.sheet, row, message))
            if marks.counts:
                counted = {r: to_number(table.get(marks.values.get(r, ()), "实盘数量")) for r in marks.counts}
                write_block(book, table, "账面数量", {r: counted[r] - d for r, d in marks.counts.items()})
                write_block(book, table, "差异", marks.counts)
            for column, values in marks.figures.items():
                write_cells(book, table, column, values)
        report.sheet_problems += self.notes


def let_go_posted(docs: list[ParsedDoc], result: PostResult) -> None:
    """Each document read that ``result`` (a post's, a reversal's) finds no problem with let go —
    posted, already posted, waiting for 审核, or not in it: :class:`StatusWriter` then reads of it
    only that it was read and its rows. One refused keeps it (its rows may be compared with the
    version posted before)."""
    outcomes = {(o.journal, o.doc_no): o for o in result.outcomes}       # as StatusWriter finds them
    for parsed in docs:
        outcome = outcomes.get((parsed.journal, parsed.doc_no))
        if parsed.document is not None and (outcome is None or not outcome.problems):
            parsed.forget()


def _only(parsed: ParsedDoc, rows: dict[int, int]) -> ParsedDoc:
    """The parsed document narrowed to ``rows`` (those still as posted)."""
    return ParsedDoc(None, [r for r in parsed.rows if r in rows], [], parsed.journal, parsed.doc_no)


def posted_text(info, english: bool) -> str:
    when = (info["posted_at"] or "").replace("T", " ")
    over = f"{from_cents(info['credit_over']):,}" if info["credit_over"] else ""
    if english:
        text = f"{POSTED_EN}{f' (over credit limit {over})' if over else ''} batch {info['batch']} {when}"
        return text + (f", reversed (batch {info['reversed_batch']})" if info["reversed_batch"] else "")
    text = f"{POSTED}{f'（超出信用额度 {over}）' if over else ''} 批次{info['batch']} {when}"
    return text + (f"，已红字冲销（批次{info['reversed_batch']}）" if info["reversed_batch"] else "")


def pending_text(record, english: bool) -> str:
    """The 状态 of a document submitted for 审核 (an approvals.Pending): waiting since when, by
    whom; or rejected, the reason first (what the clerk must fix), then by whom and when."""
    if record.state == "rejected":
        when = (record.decided_at or "").replace("T", " ")
        if english:
            return f"{REJECTED_EN}{record.reason} (by {record.decided_by} {when}): correct it and post again"
        return f"{REJECTED}{record.reason}（{record.decided_by} {when} 驳回）：改正后重新过账"
    when = record.submitted_at.replace("T", " ")
    if english:
        return f"{WAITING_EN} (submitted by {record.submitted_by} {when})"
    return f"{WAITING}（{record.submitted_by} 提交于 {when}）"


def decided_statuses(book: Book, ledger: Ledger, tables: dict[str, Table], english: bool) -> None:
    """刷新: rows whose 状态 says 待审核 get what became of them since — 已过账 once approved, 已驳回
    with the reason once rejected — without reading the workbook's documents (only these rows)."""
    for table in tables.values():
        spec = table.spec
        if not spec.journal or "状态" not in table.columns:
            continue
        waiting = {row: to_code(table.get(values, spec.key)) for row, values in table.rows
                   if str(table.get(values, "状态") or "").startswith((WAITING, WAITING_EN))}
        keys = {(spec.journal, doc_no) for doc_no in waiting.values()}
        if not keys:
            continue
        decided, posted = ledger.submissions(keys), ledger.latest_documents(keys)
        texts = {}
        for row, doc_no in waiting.items():
            record, info = decided.get((spec.journal, doc_no)), posted.get((spec.journal, doc_no))
            if record is not None and record.state == "approved" and info is not None:
                texts[row] = posted_text(info, english)
            elif record is not None and record.state == "rejected":
                texts[row] = pending_text(record, english)
        write_block(book, table, "状态", texts)


def recounted_text(change, english: bool) -> str:
    """What a posted count's row adds while a later post's change to its difference waits to be
    accepted (see ledger.counts)."""
    if english:
        return (f" — difference changed {change.old} → {change.new} by {change.cause}: check it, then "
                f"jxc accept-count BOOK {change.doc_no}")
    return f"（差异已由 {change.old} 变为 {change.new}：因 {change.cause}，待复核确认：jxc accept-count 工作簿 {change.doc_no}）"


def add_status_column(book: Book, table: Table) -> None:
    """A sheet typed without 状态 gets the column, at the end of its header row."""
    header = book.values(table.sheet)[table.header_row - 1]
    col = max((c for c, v in enumerate(header, start=1) if v not in (None, "")), default=0) + 1
    book.write_column(table.sheet, col, table.header_row, ["状态"])
    table.columns["状态"] = col


def write_cells(book: Book, table: Table, column: str, values: dict[int, object]) -> None:
    """The rows given (row → value), in the contract column's number format: the rows between keep
    what they hold (a formula, in 金额)."""
    col = table.columns.get(column)
    if col is not None and values:
        book.write_cells(table.sheet, col, values, _number_format(table, column))


def write_block(book: Book, table: Table, column: str, values: dict[int, object]) -> None:
    """One column block from the first to the last row given; rows between keep their value (read
    only for the rows not given: a first post gives every row, and their 状态 as read were a dict of
    every row, ≈ 40 MB at 1,000,000 lines)."""
    if not values:
        return
    first, last = min(values), max(values)
    current = {r: table.get(v, column) for r, v in table.rows if first <= r <= last and r not in values}
    _write(book, table, column, first, [values.get(r, current.get(r)) for r in range(first, last + 1)])


def _write(book: Book, table: Table, column: str, first: int, block: list) -> None:
    """``block`` down the column from row ``first``, figures in the contract column's number
    format, dates as dates."""
    col = table.columns.get(column)
    if col is not None:
        book.write_column(table.sheet, col, first, block, _number_format(table, column))


def _number_format(table: Table, column: str) -> str | None:
    spec = next((c for c in table.spec.columns if c.zh == column), None)
    return spec.number_format if spec else None
