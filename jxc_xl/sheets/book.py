"""The Book protocol the use cases speak to, and finding a contract table inside a sheet.

A Book moves whole 2-D blocks of values: it reads a sheet as a list of rows, writes a column
block, marks cells, replaces a generated sheet. The file implementation is
:mod:`jxc_xl.io.xlsx`; a live-Excel one sits behind the ribbon.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from .contract import SheetSpec
from .layout import Layout

HEADER_SEARCH_ROWS = 20


class Book(Protocol):
    name: str                                   # the workbook's file name, for traceability

    def sheet_names(self) -> list[str]: ...

    def values(self, sheet: str) -> list[list]: ...      # row 1 first; empty cells None or ""

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]: ...   # 1-based r1, c1, r2, c2

    def write_column(self, sheet: str, col: int, first_row: int, values: list,
                     number_format: str | None = None) -> None:
        """``values`` down from ``first_row``; a date written shows as a date, a number in the
        column's ``number_format`` unless its cell has a number format of its own
        (:func:`~jxc_xl.sheets.format.format_for`)."""

    def mark(self, sheet: str, cells: list[tuple[int, int]], rows: list[int], width: int) -> None:
        """Highlight ``cells`` (row, col) and clear our highlight elsewhere in ``rows``."""

    def generated_mark(self, spec: SheetSpec) -> tuple[str, int] | None:
        """(the mark the generated sheet was written with, its row count) when the book can keep
        a sheet's leading rows and write only the rest; else None."""

    def replace_sheet(self, spec: SheetSpec, note: str, rows: list[list], kept: int = 0,
                      mark: str | None = None, company: str = "") -> None:
        """Rows 1… of the generated sheet's data, or with ``kept`` the rows after the first ``kept``
        (only where generated_mark said the book can); ``mark`` is remembered for next time;
        ``company`` heads the printed pages."""

    def write_layout(self, layout: Layout) -> None:
        """A report's or printed 单据's sheet written anew as ``layout`` says (created if missing)."""

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
    """A problem with a whole sheet (missing, or a required column not found)."""

    sheet: str
    message: str
    message_en: str


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


def find_sheet(book: Book, spec: SheetSpec) -> str | None:
    names = {n.strip().lower(): n for n in book.sheet_names()}
    return names.get(spec.zh.lower()) or names.get(spec.en.lower())


def read_table(book: Book, spec: SheetSpec) -> Table | SheetProblem | None:
    """The spec's table, or None when the sheet is absent, or why it cannot be read."""
    sheet = find_sheet(book, spec)
    if sheet is None:
        return None
    values = book.values(sheet)
    best: tuple[int, dict[str, int]] | None = None
    for r, row in enumerate(values[:HEADER_SEARCH_ROWS], start=1):
        found = _match(spec, row)
        if best is None or len(found) > len(best[1]):
            best = (r, found)
        if found and all(c.zh in found for c in spec.required):
            break
    header_row, columns = best or (1, {})
    missing = [c for c in spec.required if c.zh not in columns]
    if missing:
        zh = "、".join(f"“{c.zh}”" for c in missing)
        en = ", ".join(c.en for c in missing)
        return SheetProblem(sheet, f"“{sheet}”表找不到{zh}列：请把表头改回{zh}（或英文 {en}），表头须在前 {HEADER_SEARCH_ROWS} 行内。",
                            f"Sheet '{sheet}' has no column {en}: restore the header (Chinese {zh} or English {en}).")
    table = Table(spec, sheet, header_row, columns)
    inputs = [columns[c.zh] for c in spec.columns
              if c.zh in columns and c.kind not in ("status", "system", "formula")]
    for r, row in enumerate(values[header_row:], start=header_row + 1):
        if any(not _blank(row[c - 1]) for c in inputs if c <= len(row)):
            table.rows.append((r, row))
    return table


def _match(spec: SheetSpec, row: list) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, header in enumerate(row, start=1):
        for column in spec.columns:
            if column.zh not in found and column.matches(header):
                found[column.zh] = c
                break
    return found


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
