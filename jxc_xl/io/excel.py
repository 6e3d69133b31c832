"""The Book protocol over a live workbook, through xlwings' Book/Sheet/Range front end.

The ribbon's routes and the worksheet functions use it; the use cases cannot tell it from the
file Book. It moves whole blocks (one read per sheet, one write per column or generated
sheet): every call crosses into Excel, so the number of calls is what makes it fast or slow.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from ..sheets.book import (find_sheet, free_table_name, generated_repairs, mark_cells, mark_ranges,
                             renamed_table)
from ..sheets.contract import SheetSpec
from ..sheets.format import ERROR_FILL, FORMATS, GENERATED_FILL, MARK_RULE, Exact

ERROR_COLOR = int(ERROR_FILL[6:8] + ERROR_FILL[4:6] + ERROR_FILL[2:4], 16)   # Excel's Color is BGR
GENERATED_RGB = tuple(int(GENERATED_FILL[i:i + 2], 16) for i in (2, 4, 6))
XL_EXPRESSION = 2                  # XlFormatConditionType.xlExpression
ADDRESS_LIMIT = 255                # Excel's Range("…") takes addresses up to this long


def to_excel(value: object) -> object:
    """A value as Excel should hold it: exact figures as numbers, and text always as text
    (the leading apostrophe keeps "=…", "001" or "1-2" from turning into a formula, number or date)."""
    if type(value) is Exact:
        return float(value)
    if isinstance(value, str):
        return "'" + value if value else None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


class XlwingsBook:
    """A Book over an ``xlwings.Book``."""

    def __init__(self, book):
        self.book = book
        self.name = book.name
        self._values: dict[str, list[list]] = {}
        self._repairs: list[str] = []

    @property
    def path(self) -> Path:
        return Path(self.book.fullname)

    # -- reading -----------------------------------------------------------------------------
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def _last(self, sheet: str) -> tuple[int, int]:
        last = self.book.sheets[sheet].used_range.last_cell
        return last.row, last.column

    def values(self, sheet: str) -> list[list]:
        """From A1 to the last used cell in one read; errors (#N/A…) as their text."""
        if sheet not in self._values:
            rows, cols = self._last(sheet)
            block = self.book.sheets[sheet].range((1, 1), (rows, cols)).options(ndim=2, err_to_str=True).value
            self._values[sheet] = [list(r) for r in block]
        return self._values[sheet]

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """Merged areas, found by halving the used rows while a block says it holds some."""
        sh = self.book.sheets[sheet]
        rows, cols = self._last(sheet)
        found: set[tuple[int, int, int, int]] = set()

        def scan(first: int, last: int) -> None:
            if sh.range((first, 1), (last, cols)).merge_cells is False:
                return
            if first < last:
                middle = (first + last) // 2
                scan(first, middle)
                scan(middle + 1, last)
                return
            for col in range(1, cols + 1):
                cell = sh.range((first, col))
                if cell.merge_cells:
                    area = cell.merge_area
                    found.add((area.row, area.column, area.last_cell.row, area.last_cell.column))

        scan(1, rows)
        return sorted(found)

    # -- writing -----------------------------------------------------------------------------
    def write_column(self, sheet: str, col: int, first_row: int, values: list) -> None:
        if values:
            target = self.book.sheets[sheet].range((first_row, col))
            target.options(transpose=True).value = [to_excel(v) for v in values]
            self._values.pop(sheet, None)

    def mark(self, sheet: str, cells: list[tuple[int, int]], rows: list[int], width: int) -> None:
        """Our conditional format (formula MARK_RULE) over the cells at fault, through Excel's
        FormatConditions: the cells' own formats are never touched, so a mark cleared shows them
        again. Ours are found by their formula, deleted, and added anew over the cells wanted."""
        api = self.book.sheets[sheet].api
        try:
            conditions = api.Cells.FormatConditions
        except AttributeError:           # macOS's AppleScript API has none: the 状态 column says it all
            return
        ours = [i for i in range(1, conditions.Count + 1) if _is_mark(conditions.Item(i))]
        marked = set().union(*(mark_cells(conditions.Item(i).AppliesTo.Address) for i in ours))
        cleared = set(rows)
        wanted = {c for c in marked if c[0] not in cleared} | set(cells)
        if wanted == marked:
            return
        for i in reversed(ours):
            conditions.Item(i).Delete()
        for address in _addresses(mark_ranges(wanted)):
            condition = api.Range(address).FormatConditions.Add(Type=XL_EXPRESSION, Formula1="=" + MARK_RULE)
            condition.Interior.Color = ERROR_COLOR
            condition.SetFirstPriority()

    def generated_mark(self, spec: SheetSpec) -> tuple[str, int] | None:
        return None                             # one block write of the whole sheet is fast enough

    def replace_sheet(self, spec: SheetSpec, note: str, rows: list[list], kept: int = 0,
                      mark: str | None = None) -> None:
        """The note in A1, the header in row 2, the rows below in one write, the table resized."""
        assert kept == 0, "this book writes whole sheets (generated_mark is None)"
        name = find_sheet(self, spec)
        sheets = self.book.sheets
        sh = sheets[name] if name else sheets.add(spec.zh, after=sheets[len(sheets) - 1])
        self._repairs += generated_repairs(spec, name, [(t.name, _header(t)) for t in sh.tables])
        self._free_table_name(spec, sh)
        _protect(sh, False)
        width = len(spec.columns)
        sh.cells.clear_contents()
        sh.range("A1").value = "'" + note
        header = sh.range((2, 1), (2, width))
        header.value = [c.zh for c in spec.columns]
        header.color = GENERATED_RGB
        if rows:
            sh.range((3, 1)).value = [[to_excel(v) for v in row] for row in rows]
        for c, column in enumerate(spec.columns, start=1):
            if FORMATS.get(column.kind, "General") != "General":
                sh.range((3, c), (max(3, len(rows) + 2), c)).number_format = FORMATS[column.kind]
        area = sh.range((2, 1), (max(3, len(rows) + 2), width))
        if sh.tables:
            if sh.tables[0].name != spec.en:
                sh.tables[0].name = spec.en
            sh.tables[0].resize(area)
        else:
            sh.tables.add(source=area, name=spec.en)
        _protect(sh, True)
        self._values.pop(sh.name, None)

    def _free_table_name(self, spec: SheetSpec, generated) -> None:
        """A table elsewhere that holds the generated sheet's table name (a renamed copy of the
        sheet, say) gets another name: Excel's table names are unique in a workbook."""
        taken = {t.name.lower() for sh in self.book.sheets for t in sh.tables}
        for sh in self.book.sheets:
            for table in sh.tables if sh != generated else []:
                if table.name.lower() == spec.en.lower():
                    new = free_table_name(spec.en, taken)
                    taken.add(new.lower())
                    self._repairs.append(renamed_table(sh.name, table.name, new, spec))
                    table.name = new

    def save(self) -> None:
        self.book.save()

    def repairs(self) -> list[str]:
        return list(self._repairs)


def _is_mark(condition) -> bool:
    return condition.Type == XL_EXPRESSION and condition.Formula1 == "=" + MARK_RULE


def _addresses(ranges: list[str]) -> list[str]:
    """Range lists ("A1,B2:C2") each short enough for Excel's Range("…")."""
    out: list[str] = []
    for ref in ranges:
        if out and len(out[-1]) + 1 + len(ref) <= ADDRESS_LIMIT:
            out[-1] += "," + ref
        else:
            out.append(ref)
    return out


def _header(table) -> list:
    header = table.header_row_range
    return list(header.value) if header is not None else []


def _protect(sheet, on: bool) -> None:
    """Generated sheets are protected against typing (no password); xlwings has no call for it,
    so this goes to the sheet's API (Excel's Worksheet.Protect / Unprotect)."""
    api = sheet.api
    try:
        if on:
            api.Protect(DrawingObjects=False, Contents=True, AllowSorting=True, AllowFiltering=True)
        else:
            api.Unprotect()
    except AttributeError:          # macOS's AppleScript API has no such calls: left as it is there
        pass

