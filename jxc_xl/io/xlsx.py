"""The Book protocol on an .xlsx file: fast reads with calamine.

Reads take cached cell values (what Excel last computed) from python-calamine, plus the
formula error values (#N/A…) it leaves out, found in the sheet XML; a sheet calamine cannot read
is read from its XML (``sheetxml.py``). Writes go through the patch writer (``patch.py``); the
openpyxl writer here is kept for the one shape that writer cannot edit (see ``PatchBook.save``).
Saving is atomic (``files.py``).
"""
from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from ..sheets.book import (OWNER_NAME, column_letter, column_number, find_sheet, free_table_name, generated_repairs,
                           made_by_jxc, mark_cells, mark_ranges, parked, renamed_table, shared_rows, sheet_ref, taken_sheet,
                           taken_table)
from ..sheets.contract import SheetSpec
from ..sheets.format import (BORDER_GREY, ERROR_FILL, FORM_FONT, FORMATS, GENERATED_FILL, GREY_TEXT, LOOK_STYLES,
                             MARK_RULE, WARN_FILL, Exact, format_for)
from ..sheets.layout import PAGE_FOOTER, SHEET_NAME, Layout, generated_widths, header_sections, page_header
from .files import save_atomically
from .package import ZIP_ERRORS, Package, WorkbookError, check_format, damaged
from .sheetxml import plain_column, plain_shared_strings, read_sheet_xml

_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)?<v>([^<]*)</v>')


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """A Rust panic prints its message (and a backtrace) on the process's stderr before Python
    sees it; the clerk gets a row error instead, so that text goes to the null device."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):         # no usable stderr (pythonw): nothing to hide
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _calamine_rows(parsed) -> Iterator[list]:
    """calamine's rows of a sheet as its ``to_python(skip_empty_area=False)`` gives them (from A1),
    one at a time: its iterator starts at the first row but at the first used column, so the
    columns before it are put back empty (as ""). Checked equal on every sheet of 9,500 workbooks."""
    rows = parsed.iter_rows()
    lead = parsed.start[1] if parsed.start else 0
    return ([""] * lead + row for row in rows) if lead else rows


def _calamine(call: Callable[[], object]) -> object | None:
    """calamine's answer, or None where it has none: its own errors, and a Rust panic (which
    derives from BaseException, not Exception) on values such as a date serial out of range."""
    from python_calamine import CalamineError
    try:
        with _quiet_stderr():
            return call()
    except CalamineError:
        return None
    except BaseException as exc:
        if type(exc).__name__ == "PanicException":
            return None
        raise


class FileBook:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.name = self.path.name
        if not self.path.is_file():
            raise WorkbookError(f"找不到工作簿 {self.path} / workbook not found")
        check_format(self.path)
        from python_calamine import CalamineWorkbook
        self._reader = _calamine(lambda: CalamineWorkbook.from_path(str(self.path)))
        if self._reader is None:
            self._find_damage()                 # else every sheet is read from its XML
        self._parsed: dict[str, tuple[list[list], list[tuple[int, int, int, int]]]] = {}
        self._ahead: dict[str, object] = {}            # sheets parsed by read_ahead, not yet turned into rows
        self._parts: dict[str, str | None] | None = None
        self._repairs: list[str] = []
        self._wb = None

    def _find_damage(self) -> None:
        """calamine could not open the file: name the part that is damaged, if one is. A sound
        file it cannot open holds a sheet kind it does not know (an Excel 4 macro sheet): then
        the worksheets are read from their XML, and the other sheets are left as they are."""
        with Package(self.path) as pkg:
            pkg.xml("[Content_Types].xml")
            sheets = pkg.sheets()
            workbook = pkg.workbook_part
            for _, part in pkg.targets(workbook, "styles") + pkg.targets(workbook, "sharedStrings"):
                pkg.xml(part)
        if all(part is None for _, part in sheets):
            raise damaged(self.path)

    # -- reading -----------------------------------------------------------------------------
    def sheet_names(self) -> list[str]:
        """Every sheet's name, a macro or dialog sheet's too (it reads as empty): a generated
        sheet must never be added under a name one of them holds."""
        if self._wb is not None:
            return list(self._wb.sheetnames)
        if self._reader is not None:
            return list(self._reader.sheet_names)
        with Package(self.path) as pkg:
            return [name for name, _ in pkg.sheets()]

    def values(self, sheet: str) -> list[list]:
        """The rows as read, not a copy: nothing changes them, and a 100,000-row sheet held twice
        was 100 MB of a post's peak memory."""
        return self._read(sheet)[0]

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        return self._read(sheet)[1]

    def forget(self) -> None:
        self._parsed.clear()
        self._ahead.clear()

    def read_ahead(self, sheets: list[str]) -> None:
        """Parse these sheets side by side, each on its own calamine handle: calamine lets go of
        Python's lock while it parses, so the two 50,000-row sheets of a 100,000-line book take
        the time of one on two cores (measured 1.15 s → 0.59 s; a handle opens in 0.3 ms, and one
        handle cannot parse two sheets at once). Each is turned into rows when it is asked for."""
        todo = [s for s in dict.fromkeys(sheets) if s not in self._parsed and s not in self._ahead]
        if self._reader is None or len(todo) < 2:
            return
        from python_calamine import CalamineWorkbook

        def parse(sheet: str) -> object | None:
            try:
                return CalamineWorkbook.from_path(str(self.path)).get_sheet_by_name(sheet)
            except BaseException:                        # as _calamine: its read is the one asked later
                return None
        with _quiet_stderr(), ThreadPoolExecutor(min(len(todo), os.cpu_count() or 1)) as pool:
            self._ahead.update((sheet, parsed) for sheet, parsed in zip(todo, pool.map(parse, todo)) if parsed)

    def parked(self):
        return parked(self._parsed)

    def column(self, sheet: str, head: int, pick: Callable[[list[list]], tuple[int, int] | None]) -> list | None:
        """One column's values below a sheet's header, read from its XML without the rest of the
        sheet (see sheetxml.plain_column): ``pick`` gets the first ``head`` rows and names (header
        row, column). None where the XML leaves any doubt: the sheet is then read whole."""
        part = self._part(sheet) if sheet not in self._parsed else None
        try:
            with Package(self.path) as pkg:
                if part is None or not pkg.has(part):
                    return None
                return plain_column(pkg.inflated(part), head, pick, functools.cache(partial(plain_shared_strings, pkg)))
        except (WorkbookError, KeyError, *ZIP_ERRORS):        # a damaged part is the whole read's to say
            return None

    def _read(self, sheet: str) -> tuple[list[list], list[tuple[int, int, int, int]]]:
        """A sheet's values and merged areas, read once: by calamine, else from the XML; each
        repeated text and date held once (see shared_rows). calamine's own copy of the sheet is
        let go as soon as its rows are made."""
        if sheet not in self._parsed:
            parsed = self._ahead.pop(sheet, None) or \
                self._reader and _calamine(lambda: self._reader.get_sheet_by_name(sheet))
            rows = parsed and _calamine(lambda: shared_rows(_calamine_rows(parsed)))
            if rows is None:
                with Package(self.path) as pkg:
                    part = self._part(sheet)
                    rows, merged = read_sheet_xml(pkg, part) if part else ([], [])
                self._parsed[sheet] = (shared_rows(rows), merged)
            else:
                merged = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in parsed.merged_cell_ranges or []]
                parsed = None
                for (col, row), value in self._errors(sheet).items():
                    while len(rows) < row:
                        rows.append([])
                    rows[row - 1] += [None] * (col - len(rows[row - 1]))
                    rows[row - 1][col - 1] = value
                self._parsed[sheet] = (rows, merged)
        return self._parsed[sheet]

    def _part(self, sheet: str) -> str | None:
        if self._parts is None:
            with Package(self.path) as pkg:
                self._parts = dict(pkg.sheets())
        return self._parts.get(sheet)

    def _errors(self, sheet: str) -> dict[tuple[int, int], str]:
        """Formula error values (#N/A…) by (col, row): calamine reads them as empty."""
        part = self._part(sheet)
        with Package(self.path) as pkg:
            if not (part and pkg.has(part) and pkg.holds(part, b't="e"')):
                return {}
            data = pkg.read(part)
        return {(column_number(c.decode()), int(r)): v.decode() for c, r, v in _ERROR_CELL.findall(data)}

    def repairs(self) -> list[str]:
        """What writing had to repair or create in the workbook (one line each, for the summary)."""
        return list(self._repairs)

    def own_sheets(self) -> set[str]:
        from .parts import owned_sheets
        with Package(self.path) as pkg:
            return owned_sheets(pkg)

    def writable(self, specs: tuple[SheetSpec, ...]) -> None:
        taken = taken_sheet(self, specs)
        if taken:
            raise WorkbookError(taken)
        self._taken_table(specs)
        self._can_save()

    def _can_save(self) -> None:
        """openpyxl loads the whole file to save it: what it cannot load is said now, before posting."""
        self.wb

    def _taken_table(self, specs: tuple[SheetSpec, ...]) -> None:
        """A Table of the user's named as a generated sheet's Table must be (Excel's names are
        one per workbook): it is not renamed behind the user's formulas; the run stops instead."""
        from .parts import owned_sheets, tables
        with Package(self.path) as pkg:
            names = {part: name for name, part in pkg.sheets()}
            own, found = owned_sheets(pkg), tables(pkg)
        for spec in (s for s in specs if s.role == "generated"):
            for table in found:
                sheet = names.get(table.sheet, "")
                if table.name.lower() != spec.en.lower() or sheet == find_sheet(self, spec) or sheet in own \
                        or made_by_jxc(spec, self.values(sheet)):
                    continue
                raise WorkbookError(taken_table(sheet, table.name, spec))

    # -- writing with openpyxl ---------------------------------------------------------------
    @property
    def wb(self):
        if self._wb is None:
            try:
                from openpyxl import load_workbook      # the slow writer's: imported only when it is used
                with warnings.catch_warnings():         # a 台账's record of what it was written from: dropped, as meant
                    warnings.filterwarnings("ignore", "Unknown extension", UserWarning)
                    self._wb = load_workbook(self.path, keep_vba=self.path.suffix.lower() in (".xlsm", ".xlam"))
            except Exception as exc:       # openpyxl reads the whole file: what it cannot read is damaged
                raise damaged(self.path) from exc
        return self._wb

    def write_column(self, sheet: str, col: int, first_row: int, values: list,
                     number_format: str | None = None) -> None:
        ws = self.wb[sheet]
        for offset, value in enumerate(values):
            cell = ws.cell(first_row + offset, col)
            put_value(ws, first_row + offset, col, value, format_for(value, cell.number_format, number_format))

    def write_cells(self, sheet: str, col: int, cells: dict[int, object], number_format: str | None = None) -> None:
        ws = self.wb[sheet]
        for row, value in cells.items():
            put_value(ws, row, col, value, format_for(value, ws.cell(row, col).number_format, number_format))

    def mark(self, sheet: str, cells: list[tuple[int, int]], rows: list[int], width: int) -> None:
        """The cells at fault get our conditional format; the cells' own formats are not touched,
        so a mark cleared shows the user's fill again."""
        ws = self.wb[sheet]
        from openpyxl.formatting.formatting import ConditionalFormattingList
        from openpyxl.formatting.rule import Rule
        from openpyxl.styles import PatternFill
        from openpyxl.styles.differential import DifferentialStyle
        kept, marked = ConditionalFormattingList(), set()
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                if rule.type == "expression" and rule.formula == [MARK_RULE]:
                    marked |= mark_cells(str(cf.sqref))
                else:
                    kept.add(str(cf.sqref), rule)
        cleared = set(rows)
        marked = {c for c in marked if c[0] not in cleared} | set(cells)
        if marked:
            fill = PatternFill("solid", start_color=ERROR_FILL, end_color=ERROR_FILL)
            kept.add(" ".join(mark_ranges(marked)),
                     Rule(type="expression", formula=[MARK_RULE], dxf=DifferentialStyle(fill=fill), priority=1))
        ws.conditional_formatting = kept

    def generated_mark(self, spec: SheetSpec) -> tuple[str, int] | None:
        return None                             # openpyxl rewrites whole sheets

    def holds_as_written(self, spec: SheetSpec, rows: list[list]) -> bool:
        return False                            # openpyxl's XML is not this comparison's

    def written_from(self, spec: SheetSpec) -> str | None:
        return None                             # (nor is a record of what its rows were made from)

    def replace_sheet(self, spec: SheetSpec, note: str, rows: list[list], kept: int = 0,
                      mark: str | None = None, company: str = "", source: object = None) -> None:
        assert kept == 0, "this book writes whole sheets (generated_mark is None)"
        existing = find_sheet(self, spec)
        old = list(self.wb[existing].tables.values()) if existing else []
        self._repairs += generated_repairs(spec, existing, [(t.name, [c.name for c in t.tableColumns]) for t in old])
        ws = self._fresh_sheet(spec)
        self._free_table_name(spec)
        write_generated(ws, spec, note, rows, company)
        self._mark_owner(spec, ws.title)

    def write_layout(self, layout: Layout) -> None:
        """A report or printed 单据 sheet written anew (created if missing): nothing of the sheet
        before — cells, merges, charts, page breaks — survives into the new one."""
        ws = self._fresh_sheet(layout.spec)
        write_layout_sheet(ws, layout)
        self._mark_owner(layout.spec, ws.title)

    def _mark_owner(self, spec: SheetSpec, sheet: str) -> None:
        mark_owner(self.wb, spec, sheet)

    def _fresh_sheet(self, spec: SheetSpec):
        """An empty sheet in place of the spec's sheet (its name and position kept), or a new
        one at the end: removing the sheet drops whatever was on it at once."""
        wb = self.wb
        existing = find_sheet(self, spec)
        index = wb.sheetnames.index(existing) if existing else len(wb.sheetnames)
        if existing:
            wb.remove(wb[existing])
        ws = wb.create_sheet(existing or spec.zh, index)
        return ws

    def _free_table_name(self, spec: SheetSpec) -> None:
        """A table of the user's that holds the generated sheet's table name gets another one."""
        taken = {name.lower() for ws in self.wb.worksheets for name in ws.tables}
        for ws in self.wb.worksheets:
            for name in [n for n in ws.tables if n.lower() == spec.en.lower()]:
                table = ws.tables.pop(name)
                table.name = table.displayName = free_table_name(spec.en, taken)
                taken.add(table.name.lower())
                ws.tables.add(table)
                self._repairs.append(renamed_table(ws.title, name, table.name, spec))

    def save(self) -> None:
        if self._wb is None:
            return
        save_atomically(self.path, self._wb.save)


def mark_owner(wb, spec: SheetSpec, sheet: str) -> None:
    """The hidden defined name that marks ``sheet`` as jxc's (see sheets.book.OWNER_NAME)."""
    from openpyxl.workbook.defined_name import DefinedName
    name = OWNER_NAME.format(spec.en)
    wb.defined_names[name] = DefinedName(name, attr_text=sheet_ref(sheet), hidden=True)


def write_generated(ws, spec: SheetSpec, note: str, rows: list[list], company: str = "") -> None:
    """A generated sheet: the note in A1, the header in row 2, data below, protected."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.table import Table as XlTable
    from openpyxl.worksheet.table import TableStyleInfo
    ws.sheet_properties.tabColor = GENERATED_FILL
    ws["A1"] = note
    ws["A1"].font = Font(italic=True, color=GREY_TEXT)
    for c, (column, width) in enumerate(zip(spec.columns, generated_widths(spec, rows)), start=1):
        cell = ws.cell(2, c, column.zh)
        cell.fill = PatternFill("solid", fgColor=GENERATED_FILL)
        cell.font = Font(bold=True)
        ws.column_dimensions[column_letter(c)].width = width
    formats = [FORMATS.get(c.kind) for c in spec.columns]
    alert = PatternFill("solid", fgColor=WARN_FILL)
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row, start=1):
            if value is not None:
                cell = put_value(ws, r, c, value, formats[c - 1])
                if spec.columns[c - 1].kind == "alert":
                    cell.fill = alert
    table = XlTable(displayName=spec.en, ref=generated_table_ref(spec, len(rows)))
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight15", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A3"
    page_setup(ws, company, len(spec.columns) > 7, (2, 2))
    _protect(ws)


def put_value(ws, row: int, col: int, value: object, number_format: str | None):
    """A cell written as the ledger means it: exact figures as numbers, text always as text
    (never a formula), with its number format (None: General)."""
    cell = ws.cell(row, col)
    cell.value = Decimal(value) if type(value) is Exact else value
    if isinstance(value, str) and type(value) is not Exact and value[:1] in "=+-@":
        cell.data_type = "s"                    # text from the ledger is never a formula
    if number_format:
        cell.number_format = number_format
    return cell


def _protect(ws) -> None:
    ws.protection.sheet = True                  # no password: a guard against typing, not a lock
    ws.protection.autoFilter = False
    ws.protection.sort = False


def generated_table_ref(spec: SheetSpec, rows: int) -> str:
    """The Table of a generated sheet: header in row 2, at least one (empty) data row."""
    return f"A2:{column_letter(len(spec.columns))}{max(3, rows + 2)}"


def write_layout_sheet(ws, layout: Layout) -> None:
    """A Layout on an empty openpyxl sheet: cells with their looks, then how it prints, its
    charts, protected as generated sheets are."""
    from .charts import chart_object
    ws.sheet_properties.tabColor = GENERATED_FILL
    _layout_cells(ws, layout)
    for c, width in enumerate(layout.widths, start=1):
        ws.column_dimensions[column_letter(c)].width = width
    for r1, c1, r2, c2 in layout.merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    ws.freeze_panes = f"A{layout.freeze + 1}" if layout.freeze else None
    _layout_page(ws, layout)
    for chart in layout.charts:
        ws.add_chart(chart_object(chart, ws.title))
    if layout.protect:
        _protect(ws)


def _layout_cells(ws, layout: Layout) -> None:
    looks = _look_styles(ws.parent)
    for r, row in enumerate(layout.rows, start=1):
        for c, spec in enumerate(row, start=1):
            if spec is None:
                continue
            cell = put_value(ws, r, c, spec.value, FORMATS.get(spec.kind))
            for attribute, style in looks[spec.look].items():
                setattr(cell, attribute, style)


def _look_styles(wb) -> dict[str, dict[str, object]]:
    """Each look of LOOK_STYLES as the openpyxl styles a cell of it gets: the workbook's own
    font in FORM_FONT, made bold, larger or grey where the look says, a fill, a thin border all
    round, centred."""
    from copy import copy

    from openpyxl.styles import Alignment, Border, PatternFill, Side
    line = Side(style="thin", color=BORDER_GREY)
    out: dict[str, dict[str, object]] = {}
    for look, style in LOOK_STYLES.items():
        made: dict[str, object] = {}
        font = made["font"] = copy(wb._fonts[0])
        font.name, font.family, font.charset, font.scheme = FORM_FONT, 2, 134, None
        font.bold, font.size = style.get("bold", font.bold), style.get("size", font.size)
        if style.get("italic_grey"):
            font.italic, font.color = True, GREY_TEXT
        if style.get("center"):
            made["alignment"] = Alignment(horizontal="center", vertical="center")
        if style.get("fill"):
            made["fill"] = PatternFill("solid", fgColor=style["fill"])
        if style.get("border"):
            made["border"] = Border(left=line, right=line, top=line, bottom=line)
        out[look] = made
    return out


def _layout_page(ws, layout: Layout) -> None:
    from openpyxl.worksheet.pagebreak import Break
    page_setup(ws, layout.company, layout.landscape, layout.repeat, layout.fit_width, layout.page_title)
    ws.print_area = f"A1:{column_letter(layout.print_width)}{max(len(layout.rows), 1)}"
    for row in layout.breaks:
        ws.row_breaks.append(Break(id=row))


def page_setup(ws, company: str, landscape: bool, repeat: tuple[int, int] | None, fit_width: bool = True,
               title: str = SHEET_NAME) -> None:
    """A sheet a clerk can print as it is: A4, one page wide, the rows ``repeat`` on every page,
    the company and the sheet's name in the page header, 第 n 页，共 N 页 in the footer."""
    from openpyxl.worksheet.page import PageMargins
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "landscape" if landscape else "portrait"
    if fit_width:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        setup.fitToWidth, setup.fitToHeight = 1, 0
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.75, bottom=0.75, header=0.3, footer=0.3)
    if repeat:
        ws.print_title_rows = f"{repeat[0]}:{repeat[1]}"
    for item, codes in ((ws.oddHeader, page_header(company, title)), (ws.oddFooter, PAGE_FOOTER)):
        sections = header_sections(codes)
        item.left.text, item.center.text, item.right.text = (sections[k] or None for k in "LCR")
