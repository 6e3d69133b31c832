"""The Book protocol the use cases speak to, and finding a contract table inside a sheet.

A Book moves whole 2-D blocks of values: it reads a sheet as a list of rows, writes a column
block, marks cells, replaces a generated sheet. The file implementation is
:mod:`jxc_xl.io.xlsx`; a live-Excel one sits behind the ribbon.
"""
from __future__ import annotations

import datetime as dt
import pickle
import re
from collections import deque
from contextlib import contextmanager
from itertools import islice, repeat
from operator import itemgetter, setitem
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Protocol

from .contract import GENERATED_NOTE, REPORT_NOTE, SheetSpec, without_costs
from .layout import Layout

HEADER_SEARCH_ROWS = 20


class Book(Protocol):
    name: str                                   # the workbook's file name, for traceability

    def sheet_names(self) -> list[str]: ...

    def values(self, sheet: str) -> list[list]: ...      # row 1 first; empty cells None or ""

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]: ...   # 1-based r1, c1, r2, c2

    def read_ahead(self, sheets: list[str]) -> None:
        """These sheets are about to be read: a book that can read several at once starts now."""

    def forget(self) -> None:
        """Let go of the sheets read (a sheet asked for again is read again): a run that has
        marked its rows needs them no more, and they are the largest thing it holds."""

    def parked(self):
        """A context in which the sheets read are held compactly (see :func:`parked`): a large
        post reads none of them while the ledger posts, and wants them back to write 状态."""

    def write_column(self, sheet: str, col: int, first_row: int, values: list,
                     number_format: str | None = None) -> None:
        """``values`` down from ``first_row``; a date written shows as a date, a number in the
        column's ``number_format`` unless its cell has a number format of its own
        (:func:`~jxc_xl.sheets.format.format_for`)."""

    def write_cells(self, sheet: str, col: int, cells: dict[int, object], number_format: str | None = None) -> None:
        """Each of ``cells`` (row → value) into its row of column ``col``, as :meth:`write_column`
        writes it; the rows between keep what they hold (a formula, in 金额)."""

    def mark(self, sheet: str, cells: list[tuple[int, int]], rows: list[int], width: int) -> None:
        """Highlight ``cells`` (row, col) and clear our highlight elsewhere in ``rows``."""

    def generated_mark(self, spec: SheetSpec) -> tuple[str, int] | None:
        """(the mark the generated sheet was written with, its row count) when the book can keep
        a sheet's leading rows and write only the rest; else None."""

    def holds_as_written(self, spec: SheetSpec, rows: list[list]) -> bool:
        """Whether the generated sheet holds exactly what writing ``rows`` makes, its header and
        every cell reading back as written: then reading it would find ``rows`` (see
        :func:`read_as_generated`). A quick yes where the book can tell; False is no finding."""

    def column(self, sheet: str, head: int, pick: Callable[[list[list]], tuple[int, int] | None]) -> list | None:
        """One column's values in the rows below a header, as :meth:`values` would give them,
        read without the rest of the sheet where the book can: ``pick`` gets the first ``head``
        rows and names (header row, column), or None. None is no finding: read the sheet whole."""

    def written_from(self, spec: SheetSpec) -> str | None:
        """What the generated sheet's rows were made from (the ``source`` it was written with),
        where the book can tell the sheet is still exactly as written then; None is no finding."""

    def replace_sheet(self, spec: SheetSpec, note: str, rows: list[list], kept: int = 0,
                      mark: str | None = None, company: str = "",
                      source: Callable[[str | None], str | None] | None = None) -> None:
        """Rows 1… of the generated sheet's data, or with ``kept`` the rows after the first ``kept``
        (only where generated_mark said the book can); ``mark`` is remembered for next time;
        ``company`` heads the printed pages; ``source``, asked as the sheet is written, says what
        the sheet's rows are made from, kept with the sheet where the book can (see
        :meth:`written_from`); with ``kept`` rows it is told what the old sheet's record said they
        were made from (None: no record that holds), and judges whether they still are."""

    def write_layout(self, layout: Layout) -> None:
        """A report's or printed 单据's sheet written anew as ``layout`` says (created if missing)."""

    def own_sheets(self) -> set[str]:
        """The sheets jxc's markers name (see :data:`OWNER_NAME`): the ones it wrote."""

    def writable(self, specs: tuple[SheetSpec, ...]) -> None:
        """Raise the book's one-line error now, before the books change, if saving would fail or
        a sheet ``specs`` names is one jxc did not make (see :func:`taken_sheet`)."""

    def save(self) -> None: ...

    def repairs(self) -> list[str]:
        """After ``save``: what writing had to create or repair in the workbook (a generated
        sheet missing, renamed or damaged, a table name taken), one Chinese line each."""


@dataclass
class Table:
    """A contract table found in a sheet: where its header is and which column holds what."""

    spec: SheetSpec
    sheet: str
    header_row: int                          # 1-based sheet row of the header
    columns: dict[str, int]                  # contract column (Chinese name) -> 1-based column
    rows: list[tuple[int, list]] = field(default_factory=list)   # (sheet row, whole row values)

    def get(self, values: list, name: str) -> object:
        col = self.columns.get(name)
        return values[col - 1] if col and col <= len(values) else None


@dataclass(frozen=True)
class SheetProblem:
    """A problem with a whole sheet (missing, or a required column not found). ``ours``: the
    sheet is the contract's (its Chinese name, or a 状态 column jxc wrote); else it only has the
    English name of one, and is the user's own sheet."""

    sheet: str
    message: str
    message_en: str
    ours: bool = True


@contextmanager
def parked(cache: dict) -> Iterator[None]:
    """``cache`` (sheet → its rows as read, or (rows, …)) held as pickled blocks of rows while the
    block runs, and put back after it; a sheet read again inside the block is kept as read then.
    Measured on the 100,000-line bench post: the rows as Python lists were 66 MB (57 of them
    calamine's cell values), pickled 10 MB, in 0.35 s and back in 0.3 s; at 1,000,000 lines the
    lists are 790 MB. Each block is pickled with its memo: the rows as read already share each
    repeated text and date (:func:`shared_rows`), and the memo keeps that sharing through the
    pickle, so a block comes back shared as it is unpickled, before the next one is. Measured on
    200,000 rows of the million book: 0.12 s to pickle (0.41 s without the memo, which wrote each
    text out in full), 12 MB (20), and back in 0.59 s where unpickling without it and sharing again
    took 1.10 s. A value repeated across blocks comes back once per block (at 1,000,000 lines
    ≈ 4 MB of 商品编码): sharing them again cost more time than it saved memory."""
    if not cache:
        yield
        return
    held = {sheet: _packed(read) for sheet, read in cache.items()}
    cache.clear()
    try:
        yield
    finally:
        for sheet, packed in held.items():
            if sheet not in cache:
                cache[sheet] = _unpacked(packed)


_SHAREABLE = frozenset({str, dt.datetime, dt.date, dt.time, dt.timedelta, type(None)})
_SHARE_BLOCK = 65_536


def _packed(read: list[list] | tuple) -> tuple[list[bytes], tuple | None]:
    """A sheet's rows as pickled blocks, last block first (popped as unpickled), and the rest of
    what was read with them (its merged areas). A block, not the whole sheet: the pickler's memo
    holds each row it wrote, and the bytes of a block are let go as it comes back."""
    rows, rest = (read[0], read[1:]) if isinstance(read, tuple) else (read, None)
    blocks = [pickle.dumps(rows[start:start + _SHARE_BLOCK], pickle.HIGHEST_PROTOCOL)
              for start in range(0, len(rows), _SHARE_BLOCK)]
    return blocks[::-1], rest


def _unpacked(packed: tuple[list[bytes], tuple | None]) -> list[list] | tuple:
    blocks, rest = packed
    rows: list[list] = []
    while blocks:
        rows += pickle.loads(blocks.pop())
    return rows if rest is None else (rows, *rest)


def shared_rows(rows: Iterable[list]) -> list[list]:
    """``rows`` (a list, or calamine's rows as it hands them over) as a list in which each repeated
    text and date is one object, made column by column and block by block: calamine makes a new
    object per cell, and a sheet's 单号, 日期, 类型 and 商品编码 repeat — at 1,000,000 lines the rows
    read held ≈ 355 MB less (2,312 → 1,957 MB at 读取). Taken block by block from calamine's
    iterator rather than its whole list, the rows never stand unshared whole: measured on 200,000
    rows of the million book, the read's peak 303 → 257 MB, and 48 MB less left behind once calamine
    let go (the unshared objects freed leave their memory half used), for 0.1 s more. Values stay
    equal, only their identity changes; nothing mutates them."""
    memos: dict[int, dict | None] = {}
    held: list[list] = []
    rows = iter(rows)
    while block := list(islice(rows, _SHARE_BLOCK)):
        _share_block(block, memos)
        held += block
    return held


def _share_block(block: list[list], memos: dict[int, dict | None]) -> None:
    """One block of rows shared through ``memos`` (column → its values seen), each step one
    ``map`` at C speed, not a Python statement per cell. A column's block holding any number is
    left as it is (1 == 1.0 == True, 0.0 == -0.0: a shared one could change a value's type or
    sign); a column stops being shared once a block of it proves mostly distinct (free text:
    备注), so no large table is held for nothing."""
    for col in range(min(map(len, block), default=0)):
        memo = memos.setdefault(col, {})
        if memo is None:
            continue
        values = list(map(itemgetter(col), block))
        if values.count("") >= len(values) - (not memo) or not _SHAREABLE.issuperset(map(type, values)):
            continue            # empty (calamine's "") but for its header, or holding a number (the first ends it)
        known = len(memo)
        deque(map(setitem, block, repeat(col), map(memo.setdefault, values, values)), 0)
        if len(memo) - known > len(block) // 2:
            memos[col] = None


def row_runs(cells: dict[int, object]) -> Iterator[tuple[int, list]]:
    """The cells given (row → value) as runs of neighbouring rows: (first row, values), in order —
    what a writer writes as one block each, the rows between left as they are."""
    first, run = 0, []
    for row in sorted(cells):
        if run and row != first + len(run):
            yield first, run
            run = []
        if not run:
            first = row
        run.append(cells[row])
    if run:
        yield first, run


def column_letter(n: int) -> str:
    """1 → A, 27 → AA: how a clerk names a column."""
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def generated_repairs(spec: SheetSpec, found: str | None, tables: list[tuple[str, list[str]]]) -> list[str]:
    """What was wrong with a generated sheet before it was written anew, in the summary's words:
    ``found`` is the sheet (None: missing), ``tables`` its tables as (name, column names)."""
    if found is None:
        return [f"新建了“{spec.zh}”表（工作簿中没有这张由系统生成的表）"]
    if not tables:
        return [f"“{found}”表的 Excel 表格不见了，已重建"]
    name, columns = tables[0]
    repairs = [f"“{found}”表的表格名“{name}”已改回“{spec.en}”"] if name != spec.en else []
    if columns != [c.zh for c in spec.columns]:
        repairs.append(f"“{found}”表的表头被改动过，已恢复")
    return repairs


def renamed_table(sheet: str, old: str, new: str, spec: SheetSpec) -> str:
    return f"“{sheet}”表中的表格“{old}”已改名为“{new}”：表格名“{spec.en}”属于系统生成的“{spec.zh}”表"


def free_table_name(name: str, taken: set[str]) -> str:
    """``name_2``, ``name_3``…: the first not in ``taken`` (lower-case; Excel compares table names
    without case)."""
    n = 2
    while f"{name}_{n}".lower() in taken:
        n += 1
    return f"{name}_{n}"


_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")


# Column letters and A1 ranges here, not openpyxl.utils: importing openpyxl costs every run about
# 0.2 s (python -X importtime), and only the slow writer and the template need the rest of it.
def column_number(letters: str) -> int:
    """A → 1, AA → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def mark_ranges(cells: set[tuple[int, int]]) -> list[str]:
    """(row, col) cells as ranges, a row's neighbouring cells as one (``B5:D5``), in order."""
    ranges: list[str] = []
    run: list[tuple[int, int]] = []
    for row, col in sorted(cells) + [(0, 0)]:
        if run and (row, col) == (run[-1][0], run[-1][1] + 1):
            run.append((row, col))
            continue
        if run:
            first, last = run[0], run[-1]
            ranges.append(f"{column_letter(first[1])}{first[0]}" +
                          (f":{column_letter(last[1])}{last[0]}" if last != first else ""))
        run = [(row, col)]
    return ranges


def cell_range(ref: str) -> tuple[int, int, int, int] | None:
    """(first row, first column, last row, last column) of ``A1`` or ``A1:C3``; None if it is no range."""
    m = _REF.fullmatch(ref.strip().upper())
    if m is None:
        return None
    c1, r1 = column_number(m.group(1)), int(m.group(2))
    return (r1, c1, int(m.group(4)), column_number(m.group(3))) if m.group(3) else (r1, c1, r1, c1)


def mark_cells(sqref: str) -> set[tuple[int, int]]:
    """The (row, col) cells of a range list as Excel writes it (``A1 B2:C3`` or ``$A$1,$B$2:$C$3``)."""
    cells = set()
    for m in _REF.finditer(sqref.upper()):
        c1, r1 = column_number(m.group(1)), int(m.group(2))
        c2, r2 = (column_number(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
        cells |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    return cells


# A sheet jxc writes (generated, report, 打印) is marked by a workbook defined name that refers
# to it: Excel and LibreOffice keep a name and move its reference with the sheet when it is renamed.
OWNER_NAME = "_jxc_sheet_{}"                   # .format(spec.en)


def sheet_ref(sheet: str) -> str:
    """The marker's reference to a sheet (its A1), quoted as Excel writes it."""
    return "'" + sheet.replace("'", "''") + "'!$A$1"


def ref_sheet(ref: str) -> str | None:
    """The sheet a reference names (``'库存'!$A$1``, ``库存!$A$1``, ``='a''b'!A1``), or None."""
    sheet, bang, _ = ref.strip().lstrip("=").rpartition("!")
    if not bang or not sheet:
        return None
    return sheet[1:-1].replace("''", "'") if sheet[:1] == sheet[-1:] == "'" and len(sheet) > 1 else sheet


def taken_sheet(book: Book, specs: tuple[SheetSpec, ...]) -> str | None:
    """The one line that stops a run before anything changes when a sheet it would write holds
    a name of ``specs`` but is the user's own: jxc never writes over a sheet it did not make."""
    own = book.own_sheets()
    for spec in specs:
        sheet = find_sheet(book, spec)
        if sheet is None or sheet in own or made_by_jxc(spec, book.values(sheet)):
            continue
        return (f"工作表“{sheet}”不是系统生成的，但系统要把“{spec.zh}”表（{spec.en}）写在这个名称下：请把您的“{sheet}”表"
                f"改个名字后再运行；工作簿和账簿都未改动 / sheet '{sheet}' is not jxc's but has the name of its "
                f"generated sheet {spec.en}: rename your sheet and run again (nothing was changed)")
    return None


def taken_table(sheet: str, table: str, spec: SheetSpec) -> str:
    """The line that stops a run when a Table of the user's holds a generated sheet's Table name."""
    return (f"“{sheet}”表中的表格名“{table}”是系统生成的“{spec.zh}”表要用的：请在 Excel 中给该表格改个名字"
            f"（表设计 → 表名称）后再运行；工作簿和账簿都未改动 / the table '{table}' on sheet '{sheet}' has the name "
            f"of jxc's {spec.en} table: rename it and run again (nothing was changed)")


def made_by_jxc(spec: SheetSpec, values: list[list]) -> bool:
    """A sheet an earlier version wrote, before it marked its sheets: jxc's when one of its first
    rows is exactly the spec's header (as every reader sees it, with or without the cost
    columns), or says it was generated (the note in A1, a report's note under its title)."""
    headers = {tuple(c.zh for c in spec.columns), tuple(c.zh for c in without_costs(spec.columns, [])[0])} - {()}
    for row in values[:HEADER_SEARCH_ROWS]:
        cells = ["" if v is None else str(v).strip() for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if tuple(cells) in headers or (cells and (GENERATED_NOTE in cells[0] or cells[0] == REPORT_NOTE)):
            return True
    return False


def find_sheet(book: Book, spec: SheetSpec) -> str | None:
    names = {n.strip().lower(): n for n in book.sheet_names()}
    return names.get(spec.zh.lower()) or names.get(spec.en.lower())


def read_table(book: Book, spec: SheetSpec) -> Table | SheetProblem | None:
    """The spec's table, or None when the sheet is absent, or why it cannot be read."""
    sheet = find_sheet(book, spec)
    if sheet is None:
        return None
    values = book.values(sheet)
    header_row, columns = header_of(spec, values)
    missing = [c for c in spec.required if c.zh not in columns]
    if missing:
        zh = "、".join(f"“{c.zh}”" for c in missing)
        en = ", ".join(c.en for c in missing)
        ours = sheet.strip().lower() == spec.zh.lower() or "状态" in columns
        return SheetProblem(sheet, f"“{sheet}”表找不到{zh}列：请把表头改回{zh}（或英文 {en}），表头须在前 {HEADER_SEARCH_ROWS} 行内。",
                            f"Sheet '{sheet}' has no column {en}: restore the header (Chinese {zh} or English {en}).", ours)
    table = Table(spec, sheet, header_row, columns)
    inputs = [columns[c.zh] - 1 for c in spec.columns if c.zh in columns and c.kind not in _NOT_INPUT]
    table.rows = [(r, row) for r, row in enumerate(values[header_row:], start=header_row + 1) if _filled(row, inputs)]
    return table


_NOT_INPUT = ("status", "system", "formula")          # columns jxc fills: a row with only these is no row


def key_values(book: Book, spec: SheetSpec) -> list | None:
    """The key column's values (单号) in the rows :func:`read_table` would find, read alone where
    the book can (:meth:`Book.column`): a row holding a key is a row of the table, the key being
    one of its input cells. None where the table would not be found, or the book cannot say."""
    sheet = find_sheet(book, spec)
    key = next((c for c in spec.columns if c.zh == spec.key), None)
    if sheet is None or key is None or key.kind in _NOT_INPUT:
        return None

    def pick(head: list[list]) -> tuple[int, int] | None:
        header_row, columns = header_of(spec, head)
        return None if any(c.zh not in columns for c in spec.required) else (header_row, columns[spec.key])
    return book.column(sheet, HEADER_SEARCH_ROWS, pick)


def read_as_generated(spec: SheetSpec, note: str, rows: list[list]) -> bool:
    """Whether :func:`read_table` finds, in values laid out as a generated sheet's are written
    (``note`` in A1, the spec's header in row 2, ``rows`` below it), that header with each column
    where the spec puts it, and each of ``rows`` as a row of its own."""
    header = [c.zh for c in spec.columns]
    if header_of(spec, [[note], header]) != (2, {zh: n for n, zh in enumerate(header, start=1)}):
        return False
    inputs = [n for n, c in enumerate(spec.columns) if c.kind not in _NOT_INPUT]
    return all(_filled(row, inputs) for row in rows)


def _filled(row: list, inputs: list[int]) -> bool:
    """Whether any input cell of the row holds something: a plain loop, as this runs for every
    row of every sheet (a generator per row cost a 100,000-line read 0.3 s)."""
    n = len(row)
    for c in inputs:
        if c < n:
            value = row[c]
            if value is not None and (not isinstance(value, str) or value.strip()):
                return True
    return False


def header_of(spec: SheetSpec, values: list[list]) -> tuple[int, dict[str, int]]:
    """The header row among the first rows (the first with every required column, else the one
    with most of the spec's columns) and where each column found is."""
    best: tuple[int, dict[str, int]] | None = None
    for r, row in enumerate(values[:HEADER_SEARCH_ROWS], start=1):
        found = _match(spec, row)
        if best is None or len(found) > len(best[1]):
            best = (r, found)
        if found and all(c.zh in found for c in spec.required):
            break
    return best or (1, {})


def look_alikes(book: Book, wanted: list[SheetSpec], claimed: set[str]) -> dict[str, str]:
    """For contract sheets that are missing: a sheet no contract name claims whose header has
    every required column of one (a renamed 销售, say), by the spec's Chinese name. A sheet like
    several goes to the one it matches most columns of."""
    found: dict[str, tuple[int, str]] = {}
    for sheet in book.sheet_names():
        if sheet in claimed:
            continue
        values = book.values(sheet)
        best = None
        for spec in wanted:
            columns = header_of(spec, values)[1]
            if all(c.zh in columns for c in spec.required) and (best is None or len(columns) > best[0]):
                best = (len(columns), spec.zh)
        if best and (best[1] not in found or best[0] > found[best[1]][0]):
            found[best[1]] = (best[0], sheet)
    return {zh: sheet for zh, (_, sheet) in found.items()}


def _match(spec: SheetSpec, row: list) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, header in enumerate(row, start=1):
        for column in spec.columns:
            if column.zh not in found and column.matches(header):
                found[column.zh] = c
                break
    return found
