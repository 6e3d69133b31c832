"""The Book protocol on an .xlsx file: fast reads with calamine, writes with openpyxl.

Reads take cached cell values (what Excel last computed) from python-calamine, plus the
formula error values (#N/A…) it leaves out, found in the sheet XML. Writes load the workbook
with openpyxl only when something is written, so everything the user made (extra sheets and
columns, comments, formulas, formats, validations) is kept. Saving is atomic: the new file
is written beside the old one, the old one is kept as ``<name>.bak``, then the new one
replaces it.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Callable

from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.table import Table as XlTable
from openpyxl.worksheet.table import TableStyleInfo

from .book import find_sheet
from .contract import SheetSpec
from .format import ERROR_FILL, FORMATS, GENERATED_FILL, Exact

_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)?<v>([^<]*)</v>')


class WorkbookError(Exception):
    """The workbook file cannot be used (missing, not a workbook, locked, read-only)."""


def check_writable(path: Path) -> None:
    """Refuse early, before any posting, when the file could not be saved afterwards."""
    if not path.is_file():
        raise WorkbookError(f"找不到工作簿 {path} / workbook not found")
    lock = path.with_name("~$" + path.name)
    if lock.exists():
        raise WorkbookError(f"工作簿 {path.name} 正在被其他程序（如 Excel）打开：请先关闭它再运行 / "
                            f"the workbook is open in another program: close it first")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise WorkbookError(f"工作簿 {path.name} 是只读的：请取消只读属性或另存一份 / the workbook is read-only")


class FileBook:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.name = self.path.name
        if not self.path.is_file():
            raise WorkbookError(f"找不到工作簿 {self.path} / workbook not found")
        try:
            from python_calamine import CalamineWorkbook
            self._reader = CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:     # calamine raises its own types for anything not a workbook
            raise WorkbookError(f"{self.path.name} 不是可读取的 Excel 工作簿（{exc}）/ not a workbook") from exc
        self._values: dict[str, list[list]] = {}
        self._parsed: dict[str, object] = {}
        self._wb = None

    # -- reading -----------------------------------------------------------------------------
    def sheet_names(self) -> list[str]:
        return list(self._wb.sheetnames) if self._wb is not None else list(self._reader.sheet_names)

    def values(self, sheet: str) -> list[list]:
        if sheet not in self._values:
            rows = self._sheet(sheet).to_python(skip_empty_area=False)
            for (col, row), value in self._errors(sheet).items():
                while len(rows) < row:
                    rows.append([])
                while len(rows[row - 1]) < col:
                    rows[row - 1].append(None)
                rows[row - 1][col - 1] = value
            self._values[sheet] = rows
        return self._values[sheet]

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        ranges = self._sheet(sheet).merged_cell_ranges or []
        return [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in ranges]

    def _sheet(self, sheet: str):
        """calamine parses a sheet on each request: keep the one it parsed."""
        if sheet not in self._parsed:
            self._parsed[sheet] = self._reader.get_sheet_by_name(sheet)
        return self._parsed[sheet]

    def _errors(self, sheet: str) -> dict[tuple[int, int], str]:
        """Formula error values (#N/A…) by (col, row): calamine reads them as empty."""
        with zipfile.ZipFile(self.path) as z:
            part = _sheet_part(z, sheet)
            data = z.read(part) if part else b""
        if b't="e"' not in data:
            return {}
        return {(column_index_from_string(c.decode()), int(r)): v.decode() for c, r, v in _ERROR_CELL.findall(data)}

    # -- writing -----------------------------------------------------------------------------
    @property
    def wb(self):
        if self._wb is None:
            self._wb = load_workbook(self.path, keep_vba=self.path.suffix.lower() in (".xlsm", ".xlam"))
        return self._wb

    def write_column(self, sheet: str, col: int, first_row: int, values: list) -> None:
        ws = self.wb[sheet]
        for offset, value in enumerate(values):
            cell = ws.cell(first_row + offset, col)
            cell.value = value
            if isinstance(value, str) and value[:1] in "=+-@":
                cell.data_type = "s"
            self._values.pop(sheet, None)

    def mark(self, sheet: str, cells: list[tuple[int, int]], rows: list[int], width: int) -> None:
        ws = self.wb[sheet]
        wanted = set(cells)
        for row in rows:
            for col in range(1, width + 1):
                cell = ws.cell(row, col)
                ours = cell.fill is not None and cell.fill.fgColor is not None and cell.fill.fgColor.rgb == ERROR_FILL
                if (row, col) in wanted and not ours:
                    cell.fill = PatternFill("solid", fgColor=ERROR_FILL)
                elif (row, col) not in wanted and ours:
                    cell.fill = PatternFill(fill_type=None)

    def generated_mark(self, spec: SheetSpec) -> tuple[str, int] | None:
        return None                             # openpyxl rewrites whole sheets

    def replace_sheet(self, spec: SheetSpec, note: str, rows: list[list], kept: int = 0,
                      mark: str | None = None) -> None:
        assert kept == 0, "this book writes whole sheets (generated_mark is None)"
        wb = self.wb
        existing = find_sheet(self, spec)
        index = wb.sheetnames.index(existing) if existing else len(wb.sheetnames)
        if existing:
            wb.remove(wb[existing])
        ws = wb.create_sheet(existing or spec.zh, index)
        write_generated(ws, spec, note, rows)
        self._values.pop(ws.title, None)

    def save(self) -> None:
        if self._wb is None:
            return
        save_atomically(self.path, self._wb.save)


def write_generated(ws, spec: SheetSpec, note: str, rows: list[list]) -> None:
    """A generated sheet: the note in A1, the header in row 2, data below, protected."""
    ws.sheet_properties.tabColor = GENERATED_FILL
    ws["A1"] = note
    ws["A1"].font = Font(italic=True, color="FF7F7F7F")
    for c, column in enumerate(spec.columns, start=1):
        cell = ws.cell(2, c, column.zh)
        cell.fill = PatternFill("solid", fgColor=GENERATED_FILL)
        cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = column.width
    formats = [FORMATS.get(c.kind) for c in spec.columns]
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(r, c, Decimal(value) if type(value) is Exact else value)
            if isinstance(value, str) and value[:1] in "=+-@":
                cell.data_type = "s"             # text from the ledger is never a formula
            if formats[c - 1]:
                cell.number_format = formats[c - 1]
    table = XlTable(displayName=spec.en, ref=generated_table_ref(spec, len(rows)))
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight15", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A3"
    ws.protection.sheet = True                  # no password: a guard against typing, not a lock
    ws.protection.autoFilter = False
    ws.protection.sort = False


def save_atomically(path: Path, write: Callable[[str], None]) -> None:
    """``write`` the new file beside ``path``, keep the old one as .bak, then replace it:
    never a half-written workbook."""
    fd, tmp = tempfile.mkstemp(prefix=".~" + path.stem, suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if path.exists():
            shutil.copy2(path, path.with_name(path.name + ".bak"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def generated_table_ref(spec: SheetSpec, rows: int) -> str:
    """The Table of a generated sheet: header in row 2, at least one (empty) data row."""
    return f"A2:{get_column_letter(len(spec.columns))}{max(3, rows + 2)}"


def _sheet_part(z: zipfile.ZipFile, sheet: str) -> str | None:
    """The XML part of a sheet, from workbook.xml and its relationships."""
    workbook = z.read("xl/workbook.xml").decode("utf-8")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    for name, rid in re.findall(r'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', workbook):
        if _unescape(name) == sheet:
            target = re.search(rf'<Relationship [^>]*?Id="{rid}"[^>]*?Target="([^"]*)"', rels) or \
                     re.search(rf'<Relationship [^>]*?Target="([^"]*)"[^>]*?Id="{rid}"', rels)
            if target:
                t = target.group(1).lstrip("/")
                return t if t.startswith("xl/") else "xl/" + t
    return None


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))
