"""An xlwings engine for tests, backed by openpyxl: xlwings' real Book/Sheet/Range front end
runs on it as it runs on Excel, so the ribbon routes and the worksheet functions are tested
through the same calls they make in Excel. It implements the part of xlwings' BSD
``base_classes`` interface those calls reach, with Excel's behaviour where it matters:
numbers read back as floats, a formula cell reads as its cached result, a text written with a
leading apostrophe is text, "=…" written is a formula, protected sheets refuse writes. Reports
reach fonts, borders, widths, merges, charts (openpyxl charts on the sheet), and Excel's
PageSetup, page breaks and window freeze through the same object model names Excel has.

    book = open_book(path)          # an xlwings.Book
    book.save()                     # writes the .xlsx back with openpyxl
"""
from __future__ import annotations

import datetime as dt
import re
from copy import copy
from pathlib import Path

import xlwings as xw
from openpyxl import load_workbook
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import Rule
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.styles import Color, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.pagebreak import Break, ColBreak, RowBreak
from openpyxl.worksheet.table import Table as XlTable, TableStyleInfo
from xlwings import base_classes


class Engine:
    name = "jxc-test"
    type = "desktop"

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(v):
            if v in ("", None):
                return empty_as
            if isinstance(v, str) and v.startswith("#") and v in ERRORS:
                return v if err_to_str else None
            if isinstance(v, dt.datetime):
                return datetime_builder(v) if datetime_builder is not dt.datetime else v
            if number_builder is not None and isinstance(v, float):
                return number_builder(v)
            return v
        return [[clean(v) for v in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x, options):
        if isinstance(x, dt.date) and not isinstance(x, dt.datetime):
            return dt.datetime(x.year, x.month, x.day)
        return x


class Apps(base_classes.Apps):
    def __iter__(self):
        return iter([_APP])

    def __len__(self):
        return 1

    def __getitem__(self, pid):
        return _APP

    def keys(self):
        return [_APP.pid]


Engine.apps = property(lambda self: Apps())
ENGINE = Engine()
ERRORS = {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!"}


class App(base_classes.App):
    def __init__(self):
        self._books = Books(self)
        self._status = False
        self.statuses: list = []          # every status bar text shown, in order
        self._selection = None
        self.alerts: list[tuple[str, str, str]] = []     # (prompt, title, buttons) shown
        self.answers: list[str] = []                     # what the user clicks, in order
        self.typed: list = []                            # what the user types in input boxes (False: cancel)
        self.active_book: Book | None = None

    @property
    def api(self):
        return self

    @property
    def engine(self):
        return ENGINE

    @property
    def books(self):
        return self._books

    @property
    def status_bar(self):
        return self._status

    @status_bar.setter
    def status_bar(self, value):
        self._status = value
        self.statuses.append(value)

    @property
    def selection(self):
        return self._selection

    def activate(self, steal_focus=False):
        pass

    display_alerts = property(lambda self: True, lambda self, value: None)
    screen_updating = property(lambda self: True, lambda self, value: None)

    @selection.setter
    def selection(self, rng):
        self._selection = rng

    def alert(self, prompt, title, buttons, mode, callback):
        self.alerts.append((prompt, title, buttons or "ok"))
        return self.answers.pop(0) if self.answers else "ok"

    def InputBox(self, Prompt, Title="", Default="", Left=None, Top=None, HelpFile=None, HelpContextID=None,
                 Type=None):
        """Excel's Application.InputBox: the text typed, or False when cancelled."""
        self.alerts.append((Prompt, Title, "input"))
        return self.typed.pop(0) if self.typed else False

    @property
    def pid(self):
        return 0

    @property
    def ActiveWindow(self):
        return Window(self.active_book.wb.active)


class Window:
    """Excel's window over the active sheet, as far as freezing panes: the rows above SplitRow
    and the columns left of SplitColumn (counted from the top-left cell shown) freeze."""

    def __init__(self, ws):
        self.ws = ws
        self.ScrollRow = self.ScrollColumn = 1
        self.SplitRow = self.SplitColumn = 0

    @property
    def FreezePanes(self):
        return self.ws.freeze_panes is not None

    @FreezePanes.setter
    def FreezePanes(self, on):
        at = (self.ScrollRow + self.SplitRow, self.ScrollColumn + self.SplitColumn)
        self.ws.freeze_panes = f"{get_column_letter(at[1])}{at[0]}" if on and at != (1, 1) else None


class Books(base_classes.Books):
    def __init__(self, app):
        self.app = app
        self.items: list[Book] = []

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


class Book(base_classes.Book):
    def __init__(self, app: App, path: Path):
        self._app = app
        self.path = Path(path)
        self.wb = load_workbook(self.path)
        self.cached = load_workbook(self.path, data_only=True)     # formula results, as Excel shows them
        app.books.items.append(self)
        app.active_book = self

    @property
    def api(self):
        return self

    @property
    def name(self):
        return self.path.name

    @property
    def fullname(self):
        return str(self.path)

    @property
    def app(self):
        return self._app

    @property
    def sheets(self):
        return Sheets(self)

    @property
    def names(self):
        return Names(self)

    def activate(self):
        self._app.active_book = self

    def save(self, path=None, password=None):
        self.wb.save(path or self.path)


class Names(base_classes.Names):
    """The workbook's defined names (openpyxl's), as Excel's Names: Add replaces a name held."""

    def __init__(self, book: Book):
        self.book = book

    def __call__(self, name_or_index):
        names = list(self.book.wb.defined_names)
        return Name(self.book, names[name_or_index - 1] if isinstance(name_or_index, int) else name_or_index)

    def __len__(self):
        return len(self.book.wb.defined_names)

    def contains(self, name_or_index):
        return name_or_index in self.book.wb.defined_names

    def add(self, name, refers_to):
        from openpyxl.workbook.defined_name import DefinedName
        self.book.wb.defined_names[name] = DefinedName(name, attr_text=refers_to.lstrip("="))
        return Name(self.book, name)


class Name(base_classes.Name):
    def __init__(self, book: Book, name: str):
        self.book, self._name = book, name

    @property
    def api(self):
        return self

    @property
    def name(self):
        return self._name

    @property
    def refers_to(self):
        return "=" + self.book.wb.defined_names[self._name].attr_text

    def delete(self):
        del self.book.wb.defined_names[self._name]


class Sheets(base_classes.Sheets):
    def __init__(self, book: Book):
        self.book = book

    def __call__(self, name_or_index):
        names = self.book.wb.sheetnames
        name = names[name_or_index - 1] if isinstance(name_or_index, int) else name_or_index
        if name not in names:
            raise KeyError(name)
        return Sheet(self.book, name)

    def __len__(self):
        return len(self.book.wb.sheetnames)

    def __iter__(self):
        return (Sheet(self.book, n) for n in self.book.wb.sheetnames)

    def add(self, before=None, after=None, name=None):
        wb = self.book.wb
        index = wb.sheetnames.index(after.name) + 1 if after else (
            wb.sheetnames.index(before.name) if before else len(wb.sheetnames))
        ws = wb.create_sheet(name or f"Sheet{len(wb.sheetnames) + 1}", index)
        self.book.cached.create_sheet(ws.title, index)
        return Sheet(self.book, ws.title)


class SheetApi:
    """What Excel's Worksheet object offers that xlwings does not wrap: protection."""

    def __init__(self, sheet: "Sheet"):
        self.sheet = sheet

    def Protect(self, **kwargs):
        self.sheet.ws.protection.sheet = True

    def Unprotect(self):
        self.sheet.ws.protection.sheet = False

    @property
    def Cells(self):
        return RangeApi(self.sheet, "A1:XFD1048576")

    def Range(self, address):
        return RangeApi(self.sheet, address)

    def ResetAllPageBreaks(self):
        self.sheet.ws.row_breaks, self.sheet.ws.col_breaks = RowBreak(), ColBreak()

    @property
    def HPageBreaks(self):
        return HPageBreaks(self.sheet.ws)

    @property
    def Tab(self):
        return Tab(self.sheet.ws)


class HPageBreaks:
    def __init__(self, ws):
        self.ws = ws

    def Add(self, Before):
        """A manual break above the row of ``Before`` (a Range's api)."""
        self.ws.row_breaks.append(Break(id=Before.row - 1))


class Tab:
    def __init__(self, ws):
        self.ws = ws

    @property
    def Color(self):
        return _bgr(self.ws.sheet_properties.tabColor.rgb)

    @Color.setter
    def Color(self, bgr):
        self.ws.sheet_properties.tabColor = _argb(bgr)


def _argb(bgr: int) -> str:
    """Excel's colours are BGR numbers; openpyxl's ARGB text."""
    return "FF%02X%02X%02X" % (bgr & 255, bgr >> 8 & 255, bgr >> 16 & 255)


def _bgr(argb: str) -> int:
    return int(argb[6:8] + argb[4:6] + argb[2:4], 16)


# Excel's XlFormatConditionType for openpyxl's rule types
CONDITION_TYPES = {"cellIs": 1, "expression": 2, "colorScale": 3, "dataBar": 4, "top10": 5, "iconSet": 6,
                   "duplicateValues": 8, "uniqueValues": 8, "containsText": 9, "containsBlanks": 10,
                   "timePeriod": 11, "aboveAverage": 12, "notContainsBlanks": 13, "containsErrors": 16,
                   "notContainsErrors": 17}


class RangeApi:
    """Excel's Range object as far as conditional formats reach: an address (areas separated by
    commas, at most 255 characters, as Excel's Range("…") takes) and its FormatConditions."""

    def __init__(self, sheet: "Sheet", address: str):
        if len(address) > 255:
            raise ValueError("Excel's Range() takes at most 255 characters")     # Excel refuses too
        self.sheet = sheet
        self.areas = [CellRange(a.replace("$", "")) for a in address.split(",")]

    @property
    def Address(self):
        return ",".join(_absolute(a) for a in self.areas)

    @property
    def FormatConditions(self):
        return FormatConditions(self)


def _absolute(area: CellRange) -> str:
    def one(row, col):
        return f"${get_column_letter(col)}${row}"
    first, last = one(area.min_row, area.min_col), one(area.max_row, area.max_col)
    return first if first == last else f"{first}:{last}"


class FormatConditions:
    """A range's FormatConditions, as Excel has them: those whose cells meet the range, in
    priority order; Add puts a new one (last in priority) on the range."""

    def __init__(self, rng: RangeApi):
        self.rng = rng
        self.ws = rng.sheet.ws

    def _all(self) -> list[tuple[str, Rule]]:
        found = [(str(cf.sqref), rule) for cf in self.ws.conditional_formatting for rule in cf.rules]
        found = [(sqref, rule) for sqref, rule in found
                 if any(not a.isdisjoint(CellRange(b)) for a in self.rng.areas for b in sqref.split())]
        return sorted(found, key=lambda f: f[1].priority or 0)

    @property
    def Count(self):
        return len(self._all())

    def Item(self, index):
        sqref, rule = self._all()[index - 1]
        return FormatCondition(self.rng.sheet, sqref, rule)

    def Add(self, Type, Operator=None, Formula1=None, Formula2=None):
        assert Type == CONDITION_TYPES["expression"], "the engine adds formula conditions only"
        rule = Rule(type="expression", formula=[Formula1.lstrip("=")])
        rule.priority = max((r.priority or 0 for cf in self.ws.conditional_formatting for r in cf.rules),
                            default=0) + 1
        self.ws.conditional_formatting.add(" ".join(a.coord for a in self.rng.areas), rule)
        return FormatCondition(self.rng.sheet, " ".join(a.coord for a in self.rng.areas), rule)


class FormatCondition:
    def __init__(self, sheet: "Sheet", sqref: str, rule: Rule):
        self.sheet, self.sqref, self.rule = sheet, sqref, rule

    @property
    def Type(self):
        return CONDITION_TYPES.get(self.rule.type, 0)

    @property
    def Formula1(self):
        return "=" + self.rule.formula[0]                  # only formula conditions are asked

    @property
    def AppliesTo(self):
        return RangeApi(self.sheet, ",".join(self.sqref.split()))

    @property
    def Interior(self):
        return Interior(self.rule)

    def _rules(self) -> list[tuple[str, Rule]]:
        return [(str(cf.sqref), rule) for cf in self.sheet.ws.conditional_formatting for rule in cf.rules]

    def _replace(self, rules: list[tuple[str, Rule]]) -> None:
        kept = ConditionalFormattingList()
        for sqref, rule in rules:
            kept.add(sqref, rule)
        self.sheet.ws.conditional_formatting = kept

    def Delete(self):
        self._replace([(s, r) for s, r in self._rules() if r is not self.rule])

    def SetFirstPriority(self):
        for _, rule in self._rules():
            rule.priority = 1 if rule is self.rule else (rule.priority or 0) + 1


class Interior:
    def __init__(self, rule: Rule):
        self.rule = rule

    @property
    def Color(self):
        return _bgr(self.rule.dxf.fill.bgColor.rgb)

    @Color.setter
    def Color(self, bgr):
        rgb = _argb(bgr)
        self.rule.dxf = DifferentialStyle(fill=PatternFill("solid", start_color=rgb, end_color=rgb))


class Sheet(base_classes.Sheet):
    def __init__(self, book: Book, name: str):
        self._book = book
        self._name = name

    @property
    def ws(self):
        return self._book.wb[self._name]

    @property
    def view(self):
        return self._book.cached[self._name]

    @property
    def api(self):
        return SheetApi(self)

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self.ws.title = value
        self.view.title = value
        self._name = value

    @property
    def book(self):
        return self._book

    @property
    def index(self):
        return self._book.wb.sheetnames.index(self._name) + 1

    def range(self, arg1, arg2=None):
        if isinstance(arg1, str) and "," in arg1:       # areas, as Excel's Range("B4:C9,E4:E9")
            areas = [_bounds(a) for a in arg1.split(",")]
            return Range(self, *areas[0], areas=areas)
        r1, c1, r2, c2 = _bounds(arg1)
        if arg2 is not None:
            _, _, r2, c2 = _bounds(arg2)
        return Range(self, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    @property
    def cells(self):
        return Range(self, 1, 1, 1048576, 16384)

    @property
    def used_range(self):
        ws = self.ws
        return Range(self, 1, 1, max(ws.max_row, 1), max(ws.max_column, 1))

    def activate(self):
        self._book.wb.active = self.index - 1

    def select(self):
        self.activate()

    def clear_contents(self):
        self.cells.clear_contents()

    def clear(self):
        """Excel's Cells.Clear: values, formats, merges and conditional formats go; column
        widths, charts, page setup and page breaks stay."""
        _writable(self)
        ws = self.ws
        ws._cells.clear()
        self.view._cells.clear()
        ws.merged_cells = MultiCellRange()
        ws.conditional_formatting = ConditionalFormattingList()

    @property
    def tables(self):
        return Tables(self)

    @property
    def charts(self):
        return Charts(self)

    @property
    def page_setup(self):
        return PageSetup(self.ws)

    def __eq__(self, other):
        return isinstance(other, Sheet) and other._book is self._book and other._name == self._name


def _writable(sheet: Sheet):
    if sheet.ws.protection.sheet:
        raise PermissionError(f"sheet {sheet.name} is protected")   # Excel refuses too
    return sheet.ws


def _bounds(arg) -> tuple[int, int, int, int]:
    if isinstance(arg, Range):
        return arg.r1, arg.c1, arg.r2, arg.c2
    if isinstance(arg, tuple):
        return arg[0], arg[1], arg[0], arg[1]
    text = arg.replace("$", "")
    if re.fullmatch(r"\d+:\d+", text):                   # whole rows, "5:5"
        a, b = map(int, text.split(":"))
        return a, 1, b, 16384
    c1, r1, c2, r2 = range_boundaries(text)
    return r1, c1, r2, c2


_NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d*)?")


def _as_typed(value):
    """(value, is formula) as Excel stores a value set through its API: like typing it, so a
    text "=…", "+…", "-x" or "@…" becomes a formula and "001" or "-1" a number — unless it
    starts with an apostrophe, which keeps it text."""
    if not isinstance(value, str):
        return value, False
    if value.startswith("'"):
        return value[1:] or None, False
    if value == "":
        return None, False
    if _NUMBER.fullmatch(value.strip()):
        return float(value.replace(",", "")), False
    if value[:1] in "=+-@":
        return "=" + value.lstrip("="), True
    return value, False


class Range(base_classes.Range):
    def __init__(self, sheet: Sheet, r1: int, c1: int, r2: int, c2: int, areas=None):
        self._sheet = sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2
        self.areas = areas or [(r1, c1, r2, c2)]        # values reach the first only; a chart's source all
        self.options = {}

    @property
    def api(self):
        return self

    @property
    def sheet(self):
        return self._sheet

    @property
    def coords(self):
        return self._sheet.name, self.r1, self.c1, self.r2 - self.r1 + 1, self.c2 - self.c1 + 1

    @property
    def row(self):
        return self.r1

    @property
    def column(self):
        return self.c1

    @property
    def shape(self):
        return self.r2 - self.r1 + 1, self.c2 - self.c1 + 1

    def __len__(self):
        rows, cols = self.shape
        return rows * cols

    @property
    def max_cells_per_read(self):
        return None

    @property
    def max_cells_per_write(self):
        return None

    def __call__(self, arg1, arg2=None):
        """Cells relative to this range, 1-based, as Excel's Range(row, col)."""
        if arg2 is None:
            raise NotImplementedError
        return Range(self._sheet, self.r1 + arg1 - 1, self.c1 + arg2 - 1, self.r1 + arg1 - 1, self.c1 + arg2 - 1)

    def _cells(self):
        ws = self._sheet.ws
        last_row, last_col = min(self.r2, max(ws.max_row, self.r1)), min(self.c2, max(ws.max_column, self.c1))
        for r in range(self.r1, last_row + 1):
            for c in range(self.c1, last_col + 1):
                yield r, c

    @property
    def raw_value(self):
        ws, view = self._sheet.ws, self._sheet.view
        rows = []
        for r in range(self.r1, self.r2 + 1):
            row = []
            for c in range(self.c1, self.c2 + 1):
                value = ws.cell(r, c).value
                if isinstance(value, str) and value.startswith("="):
                    value = view.cell(r, c).value        # Excel shows a formula's result
                if isinstance(value, int) and not isinstance(value, bool):
                    value = float(value)                 # Excel's numbers are doubles
                row.append(value)
            rows.append(row)
        return rows[0][0] if self.shape == (1, 1) else rows

    @raw_value.setter
    def raw_value(self, data):
        ws, view = _writable(self._sheet), self._sheet.view
        if not isinstance(data, list):
            data = [[data] * self.shape[1]] * self.shape[0]
        for i, row in enumerate(data):
            for j, value in enumerate(row):
                value, formula = _as_typed(value)
                cell = ws.cell(self.r1 + i, self.c1 + j)
                cell.value = value
                if isinstance(value, str) and value.startswith("=") and not formula:
                    cell.data_type = "s"
                view.cell(self.r1 + i, self.c1 + j).value = None if formula else value

    def clear_contents(self):
        ws, view = self._sheet.ws, self._sheet.view
        for r, c in list(self._cells()):
            ws.cell(r, c).value = None
            view.cell(r, c).value = None

    @property
    def color(self):
        colors = set()
        for r, c in self._cells():
            fill = self._sheet.ws.cell(r, c).fill
            rgb = fill.fgColor.rgb if fill is not None and fill.fill_type == "solid" else None
            colors.add(tuple(int(rgb[i:i + 2], 16) for i in (2, 4, 6)) if isinstance(rgb, str) else None)
        return colors.pop() if len(colors) == 1 else None

    @color.setter
    def color(self, rgb):
        for r, c in self._cells() if self.shape != (1, 1) else [(self.r1, self.c1)]:
            self._sheet.ws.cell(r, c).fill = (PatternFill(fill_type=None) if rgb is None else
                                              PatternFill("solid", fgColor="FF%02X%02X%02X" % rgb))

    @property
    def number_format(self):
        """As Excel's Range.NumberFormat: the cells' one format, or None (Null) when they differ."""
        found = {self._sheet.ws.cell(r, c).number_format for r in range(self.r1, self.r2 + 1)
                 for c in range(self.c1, self.c2 + 1)}
        return found.pop() if len(found) == 1 else None

    @number_format.setter
    def number_format(self, value):
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                self._sheet.ws.cell(r, c).number_format = value

    @property
    def font(self):
        return Font(self)

    @property
    def borders(self):
        return Borders(self)

    @property
    def column_width(self):
        widths = {self._sheet.ws.column_dimensions[get_column_letter(c)].width for c in range(self.c1, self.c2 + 1)}
        return widths.pop() if len(widths) == 1 else None

    @column_width.setter
    def column_width(self, value):
        for c in range(self.c1, self.c2 + 1):
            self._sheet.ws.column_dimensions[get_column_letter(c)].width = value

    def merge(self, across):
        for r1, r2 in [(r, r) for r in range(self.r1, self.r2 + 1)] if across else [(self.r1, self.r2)]:
            self._sheet.ws.merge_cells(start_row=r1, start_column=self.c1, end_row=r2, end_column=self.c2)

    def _merged_areas(self):
        return [(m.min_row, m.min_col, m.max_row, m.max_col) for m in self._sheet.ws.merged_cells.ranges]

    @property
    def merge_cells(self):
        """True when every cell is in a merged area, False when none is, None (Excel's Null) when mixed."""
        areas = self._merged_areas()
        flags = {any(a[0] <= r <= a[2] and a[1] <= c <= a[3] for a in areas)
                 for r in range(self.r1, min(self.r2, self._sheet.ws.max_row) + 1)
                 for c in range(self.c1, min(self.c2, self._sheet.ws.max_column) + 1)}
        return flags.pop() if len(flags) == 1 else (False if not flags else None)

    @property
    def merge_area(self):
        for a in self._merged_areas():
            if a[0] <= self.r1 <= a[2] and a[1] <= self.c1 <= a[3]:
                return Range(self._sheet, *a)
        return self

    def select(self):
        self._sheet.book.app.selection = self

    def get_address(self, row_absolute=True, col_absolute=True, external=False):
        return f"{get_column_letter(self.c1)}{self.r1}:{get_column_letter(self.c2)}{self.r2}"

    @property
    def address(self):
        return self.get_address()

    def __eq__(self, other):
        return isinstance(other, Range) and other._sheet == self._sheet and other.coords == self.coords


class Tables(base_classes.Tables):
    def __init__(self, sheet: Sheet):
        self.sheet = sheet

    def _names(self):
        return list(self.sheet.ws.tables.keys())

    def __len__(self):
        return len(self._names())

    def __iter__(self):
        return (TableImpl(self.sheet, n) for n in self._names())

    def __call__(self, name_or_index):
        names = self._names()
        return TableImpl(self.sheet, names[name_or_index - 1] if isinstance(name_or_index, int) else name_or_index)

    def add(self, source_type=None, source=None, link_source=None, has_headers=True, destination=None,
            table_style_name="TableStyleMedium2", name=None):
        table = XlTable(displayName=name, ref=source.impl.get_address().replace("$", ""))
        table.tableStyleInfo = TableStyleInfo(name=table_style_name, showRowStripes=True)
        self.sheet.ws.add_table(table)
        return TableImpl(self.sheet, name)


class TableImpl(base_classes.Table):
    def __init__(self, sheet: Sheet, name: str):
        self.sheet = sheet
        self._name = name

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        tables = self.sheet.ws.tables
        table = tables.pop(self._name)
        table.name = table.displayName = value
        tables.add(table)
        self._name = value

    @property
    def range(self):
        return self.sheet.range(self.sheet.ws.tables[self._name].ref)

    @property
    def header_row_range(self):
        r1, c1, _, c2 = _bounds(self.sheet.ws.tables[self._name].ref)
        return Range(self.sheet, r1, c1, r1, c2)

    def resize(self, range):
        self.sheet.ws.tables[self._name].ref = range.impl.get_address()


class Font(base_classes.Font):
    """Excel's Range.Font: an attribute set goes to every cell; read, it is the cells' common
    value (None when they differ)."""

    def __init__(self, rng: Range):
        self.rng = rng

    def _get(self, name):
        values = {getattr(self.rng._sheet.ws.cell(r, c).font, name) for r, c in self.rng._cells()}
        return values.pop() if len(values) == 1 else None

    def _set(self, name, value):
        for r, c in self.rng._cells():
            cell = self.rng._sheet.ws.cell(r, c)
            font = copy(cell.font)
            setattr(font, name, value)
            cell.font = font

    bold = property(lambda self: self._get("b"), lambda self, value: self._set("b", value))
    italic = property(lambda self: self._get("i"), lambda self, value: self._set("i", value))
    size = property(lambda self: self._get("sz"), lambda self, value: self._set("sz", value))
    name = property(lambda self: self._get("name"), lambda self, value: self._set("name", value))

    @property
    def color(self):
        rgb = self._get("color")
        return tuple(int(rgb.rgb[i:i + 2], 16) for i in (2, 4, 6)) if rgb is not None else None

    @color.setter
    def color(self, value):
        self._set("color", Color(rgb="FF" + value.lstrip("#").upper() if isinstance(value, str) else "FF%02X%02X%02X" % value))


LINE_WEIGHTS = {"hairline": "hair", "thin": "thin", "medium": "medium", "thick": "thick"}


class Borders(base_classes.Borders):
    """Excel's Range.Borders, continuous lines only: edge_* are the range's outer sides,
    inside_* the lines between its cells."""

    def __init__(self, rng: Range):
        self.rng = rng

    def set(self, which, *, line_style=base_classes._UNSET, weight=base_classes._UNSET, color=base_classes._UNSET):
        assert line_style in (None, "continuous"), "the engine draws continuous lines, a line style with each set"
        style = LINE_WEIGHTS["thin" if weight is base_classes._UNSET else weight] if line_style else None
        rgb = None if color is base_classes._UNSET or not style else "FF%02X%02X%02X" % color
        rng = self.rng
        for r, c in rng._cells():
            cell = rng._sheet.ws.cell(r, c)
            border = copy(cell.border)
            sides = {"left": "edge_left" if c == rng.c1 else "inside_vertical",
                     "right": "edge_right" if c == rng.c2 else "inside_vertical",
                     "top": "edge_top" if r == rng.r1 else "inside_horizontal",
                     "bottom": "edge_bottom" if r == rng.r2 else "inside_horizontal"}
            for side, name in sides.items():
                if name in which:
                    setattr(border, side, Side(style=style, color=rgb))
            cell.border = border

    def clear(self, which):
        self.set(which, line_style=None)


class PageSetup(base_classes.PageSetup):
    def __init__(self, ws):
        self.ws = ws

    @property
    def api(self):
        return PageSetupApi(self.ws)

    @property
    def print_area(self):
        return self.ws.print_area.split("!")[-1] if self.ws._print_area else None

    @print_area.setter
    def print_area(self, value):
        self.ws.print_area = value.replace("$", "") if value else None


def _title_rows(ws, rows):
    ws._print_rows = None
    ws.print_title_rows = rows.replace("$", "") or None


def _section(item: str, part: str):
    """A setter of Excel's LeftHeader, CenterFooter…: one section of the odd pages' header or footer."""
    return lambda ws, codes: setattr(getattr(getattr(ws, item), part), "text", codes or None)


# Excel's PageSetup properties (set only), onto openpyxl's page setup of the sheet; margins in points.
PAGE_SETUP = {
    "PaperSize": lambda ws, v: setattr(ws.page_setup, "paperSize", v),
    "Orientation": lambda ws, v: setattr(ws.page_setup, "orientation", {1: "portrait", 2: "landscape"}[v]),
    "Zoom": lambda ws, v: (setattr(ws.sheet_properties.pageSetUpPr, "fitToPage", v is False),
                           setattr(ws.page_setup, "scale", v or None)),
    "FitToPagesWide": lambda ws, v: setattr(ws.page_setup, "fitToWidth", int(v)),
    "FitToPagesTall": lambda ws, v: setattr(ws.page_setup, "fitToHeight", int(v)),
    "PrintTitleRows": _title_rows,
    "CenterHorizontally": lambda ws, v: setattr(ws.print_options, "horizontalCentered", bool(v)),
    "LeftMargin": lambda ws, v: setattr(ws.page_margins, "left", v / 72),
    "RightMargin": lambda ws, v: setattr(ws.page_margins, "right", v / 72),
    **{f"{side}{where}": _section(f"odd{where}", side.lower()) for side in ("Left", "Center", "Right")
       for where in ("Header", "Footer")},
}


class PageSetupApi:
    def __init__(self, ws):
        object.__setattr__(self, "ws", ws)

    def __setattr__(self, name, value):
        if name not in PAGE_SETUP:
            raise AttributeError(name)
        PAGE_SETUP[name](self.ws, value)


CHART_CLASSES = {"column_clustered": BarChart, "line": LineChart, "pie": PieChart}
LEGEND_POSITIONS = {"bottom": "b", "top": "t", "left": "l", "right": "r", "corner": "tr"}
POINTS_PER_CM = 72 / 2.54


class Charts(base_classes.Charts):
    """A sheet's charts: the openpyxl charts of its worksheet, saved with it."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet

    def __len__(self):
        return len(self.sheet.ws._charts)

    def __iter__(self):
        return (ChartImpl(self.sheet, c) for c in list(self.sheet.ws._charts))

    def __call__(self, index):
        return ChartImpl(self.sheet, self.sheet.ws._charts[index - 1])

    def add(self, left, top, width, height, chart_type=None, source=None, plot_by=None, name=None, anchor=None,
            style=227):
        """A chart on the anchor cell (Excel's new chart: clustered columns). Excel 2013's styles
        (201…) live in parts openpyxl does not write: ``style`` is not kept."""
        assert anchor is not None and name is None, "the engine places charts on an anchor cell, unnamed"
        made = BarChart()
        made.width, made.height = width / POINTS_PER_CM, height / POINTS_PER_CM
        self.sheet.ws.add_chart(made, f"{get_column_letter(anchor.column)}{anchor.row}")
        chart = ChartImpl(self.sheet, made)
        if source is not None:
            chart.set_source_data(source, plot_by)
        if chart_type is not None:
            chart.chart_type = chart_type
        return chart


class ChartImpl(base_classes.Chart):
    def __init__(self, sheet: Sheet, chart):
        self.sheet, self.chart = sheet, chart

    def _index(self):
        return next(i for i, c in enumerate(self.sheet.ws._charts) if c is self.chart)

    def set_source_data(self, rng, plot_by=None):
        """One series per column of each area, named by its first cell when that is text (as
        Excel reads a header row)."""
        ws = self.sheet.ws
        if plot_by == "rows" or plot_by is None and rng.shape[0] < rng.shape[1]:
            raise NotImplementedError("the engine plots by columns only")
        self.chart.series = []
        for r1, c1, r2, c2 in rng.areas:
            for c in range(c1, c2 + 1):
                titled = isinstance(ws.cell(r1, c).value, str)
                self.chart.add_data(Reference(ws, min_col=c, min_row=r1, max_row=r2), titles_from_data=titled)

    def set_x_axis_values(self, rng):
        self.chart.set_categories(Reference(self.sheet.ws, min_col=rng.c1, min_row=rng.r1, max_col=rng.c2, max_row=rng.r2))

    @property
    def chart_type(self):
        kind = type(self.chart)
        return next(name for name, cls in CHART_CLASSES.items() if cls is kind)

    @chart_type.setter
    def chart_type(self, value):
        old, new = self.chart, CHART_CLASSES[value]()
        new.series, new.title, new.anchor, new.width, new.height = old.series, old.title, old.anchor, old.width, old.height
        self.sheet.ws._charts[self._index()] = self.chart = new

    @property
    def title(self):
        return None if self.chart.title is None else "".join(r.t for p in self.chart.title.tx.rich.p for r in p.r or [])

    @title.setter
    def title(self, value):
        self.chart.title = value

    @property
    def legend(self):
        return Legend(self.chart)

    def delete(self):
        del self.sheet.ws._charts[self._index()]


class Legend(base_classes.ChartLegend):
    def __init__(self, chart):
        self.chart = chart

    @property
    def position(self):
        return next(k for k, v in LEGEND_POSITIONS.items() if v == self.chart.legend.position)

    @position.setter
    def position(self, value):
        self.chart.legend.position = LEGEND_POSITIONS[value]


_APP = App()
xw.engines.add(xw.main.Engine(impl=ENGINE))
xw.engines[ENGINE.name].activate()          # xw.apps (used by activate()) is this engine's


def open_book(path: str | Path) -> xw.Book:
    """An xlwings Book on this engine, as Excel would have it open."""
    return xw.Book(impl=Book(_APP, Path(path)))


def app_of(book: xw.Book) -> App:
    return book.impl.app
