"""The Book protocol over a live workbook, through xlwings' Book/Sheet/Range front end.

The ribbon's routes and the worksheet functions use it; the use cases cannot tell it from the
file Book. It moves whole blocks (one read per sheet, one write per column or generated
sheet): every call crosses into Excel, so the number of calls is what makes it fast or slow.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from itertools import groupby
from typing import Callable, Iterator

from ..sheets.book import (OWNER_NAME, column_letter, find_sheet, free_table_name, generated_repairs, mark_cells,
                             made_by_jxc, mark_ranges, parked, ref_sheet, renamed_table, sheet_ref, taken_sheet,
                             row_runs, shared_rows, taken_table)
from ..sheets.contract import SheetSpec
from ..sheets.format import (BORDER_GREY, ERROR_FILL, FORM_FONT, FORMATS, GENERATED_FILL, GREY_TEXT, LOOK_STYLES,
                             MARK_RULE, WARN_FILL, Exact, format_for)
from ..sheets.layout import PAGE_FOOTER, Cell, Chart, Layout, generated_widths, header_sections, page_header
from .charts import HEIGHT_CM, WIDTH_CM
from .package import WorkbookError


def _rgb(argb: str) -> tuple[int, int, int]:
    return tuple(int(argb[i:i + 2], 16) for i in (2, 4, 6))


def _bgr(argb: str) -> int:
    """An ARGB colour as Excel's object model takes a Color: a BGR number."""
    return int(argb[6:8] + argb[4:6] + argb[2:4], 16)


ERROR_COLOR = _bgr(ERROR_FILL)
GENERATED_RGB = _rgb(GENERATED_FILL)
XL_EXPRESSION = 2                  # XlFormatConditionType.xlExpression
ADDRESS_LIMIT = 255                # Excel's Range("…") takes addresses up to this long
XL_PAPER_A4, XL_PORTRAIT, XL_LANDSCAPE = 9, 1, 2
XL_CENTER = -4108                   # XlHAlign.xlHAlignCenter
CHART_TYPES = {"bar": "column_clustered", "line": "line", "pie": "pie"}   # vertical bars, as openpyxl's BarChart
POINTS_PER_CM = 72 / 2.54


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
        """From A1 to the last used cell in one read; errors (#N/A…) as their text; each repeated
        text and date held once, as a file's are (see shared_rows: parking keeps that sharing)."""
        if sheet not in self._values:
            rows, cols = self._last(sheet)
            block = self.book.sheets[sheet].range((1, 1), (rows, cols)).options(ndim=2, err_to_str=True).value
            self._values[sheet] = shared_rows(list(r) for r in block)
        return self._values[sheet]

    def read_ahead(self, sheets: list[str]) -> None:
        """Nothing to start: Excel answers one read at a time."""

    def forget(self) -> None:
        self._values.clear()

    def parked(self):
        return parked(self._values)

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
    def write_column(self, sheet: str, col: int, first_row: int, values: list,
                     number_format: str | None = None) -> None:
        """One block write; then each run of neighbouring dates (or numbers) is given the
        format it needs to show as one, two calls a run."""
        if values:
            sh = self.book.sheets[sheet]
            sh.range((first_row, col)).options(transpose=True).value = [to_excel(v) for v in values]
            self._values.pop(sheet, None)
            kinds = [_figure_kind(v) for v in values]
            for kind, run in groupby(enumerate(kinds), key=lambda k: k[1]):
                rows = [first_row + i for i, _ in run]
                if kind:
                    cells = sh.range((rows[0], col), (rows[-1], col))
                    wanted = format_for(values[rows[0] - first_row], cells.number_format, number_format)
                    if wanted:
                        cells.number_format = wanted

    def write_cells(self, sheet: str, col: int, cells: dict[int, object], number_format: str | None = None) -> None:
        """Each run of neighbouring rows given, as one block write."""
        for first, run in row_runs(cells):
            self.write_column(sheet, col, first, run, number_format)

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

    def holds_as_written(self, spec: SheetSpec, rows: list[list]) -> bool:
        return False                            # Excel holds the cells, not XML: they are read

    def written_from(self, spec: SheetSpec) -> str | None:
        return None                             # (nor does it keep a record of what they were made from)

    def column(self, sheet: str, head: int, pick) -> list | None:
        return None                             # Excel gives a sheet's values in one call: read whole

    def replace_sheet(self, spec: SheetSpec, note: str, rows: list[list], kept: int = 0,
                      mark: str | None = None, company: str = "", source: object = None) -> None:
        """The note in A1, the header in row 2, the rows below in one write, the table resized."""
        assert kept == 0, "this book writes whole sheets (generated_mark is None)"
        name = find_sheet(self, spec)
        sh = self._sheet(spec, name)
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
        last = max(3, len(rows) + 2)
        for c, (column, wide) in enumerate(zip(spec.columns, generated_widths(spec, rows)), start=1):
            if wide > column.width:                                  # a text the contract's width would cut
                sh.range((1, c)).column_width = wide
            if column.kind in FORMATS:
                sh.range((3, c), (last, c)).number_format = FORMATS[column.kind]
            if column.kind == "alert":
                _fill_alerts(sh, c, rows, max(last, self._last(sh.name)[0]))
        area = sh.range((2, 1), (last, width))
        if sh.tables:
            if sh.tables[0].name != spec.en:
                sh.tables[0].name = spec.en
            sh.tables[0].resize(area)
        else:
            sh.tables.add(source=area, name=spec.en)
        _protect(sh, True)
        self._mark_owner(spec, sh.name)
        self._values.pop(sh.name, None)

    def own_sheets(self) -> set[str]:
        prefix = OWNER_NAME.format("")
        return {ref_sheet(str(n.refers_to)) for n in self.book.names if n.name.startswith(prefix)} - {None}

    def writable(self, specs: tuple[SheetSpec, ...]) -> None:
        """Excel saves what it opened; only a sheet, or a Table, of the user's holding a name jxc
        writes stops the run."""
        taken = taken_sheet(self, specs)
        if taken:
            raise WorkbookError(taken)
        own = self.own_sheets()
        for spec in (s for s in specs if s.role == "generated"):
            for sh in self.book.sheets:
                if sh.name == find_sheet(self, spec) or sh.name in own or made_by_jxc(spec, self.values(sh.name)):
                    continue
                for table in sh.tables:
                    if table.name.lower() == spec.en.lower():
                        raise WorkbookError(taken_table(sh.name, table.name, spec))

    def _mark_owner(self, spec: SheetSpec, sheet: str) -> None:
        """The defined name that marks the sheet as jxc's, hidden from the Name Manager where Excel can."""
        name = self.book.names.add(OWNER_NAME.format(spec.en), "=" + sheet_ref(sheet))
        _excel(lambda: setattr(name.api, "Visible", False))

    def _sheet(self, spec: SheetSpec, name: str | None):
        """The sheet ``name``, or (None) a new one named as the spec says, at the end."""
        sheets = self.book.sheets
        return sheets[name] if name else sheets.add(spec.zh, after=sheets[len(sheets) - 1])

    def write_layout(self, layout: Layout) -> None:
        """A report or printed 单据 on its sheet, cleared first (contents, formats, merges, charts,
        page breaks). Values go in one block write; formats, fonts, fills and borders per block of
        cells that look alike (a table's column of one kind is one block), so a report of a few
        hundred rows costs tens of calls into Excel, not thousands."""
        sh = self._sheet(layout.spec, find_sheet(self, layout.spec))
        _protect(sh, False)
        sh.clear()
        for chart in list(sh.charts):
            chart.delete()
        _excel(lambda: sh.api.ResetAllPageBreaks())
        _excel(lambda: setattr(sh.api.Tab, "Color", _bgr(GENERATED_FILL)))
        _write_cells(sh, layout)
        _freeze(sh, layout.freeze)
        _page_setup(sh, layout)
        for chart in layout.charts:
            _add_chart(sh, chart)
        _protect(sh, layout.protect)
        self._mark_owner(layout.spec, sh.name)
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


def _figure_kind(value: object) -> str:
    """"date", "number" or "" (text, empty): neighbours of one kind take one format."""
    if isinstance(value, dt.date):
        return "date"
    return "number" if isinstance(value, (int, float, Decimal, Exact)) and not isinstance(value, bool) else ""


def _fill_alerts(sh, col: int, rows: list[list], last: int) -> None:
    """A 预警 column's cells that say something, filled (clearing contents keeps colours, so the
    column is cleared of them first, down to the last row the sheet had)."""
    sh.range((3, col), (last, col)).color = None
    for address in _addresses(mark_ranges({(r, col) for r, row in enumerate(rows, start=3) if row[col - 1]})):
        sh.range(address).color = _rgb(WARN_FILL)


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
    if on:
        _excel(lambda: api.Protect(DrawingObjects=False, Contents=True, AllowSorting=True, AllowFiltering=True))
    else:
        _excel(api.Unprotect)


def _excel(call: Callable[[], object]) -> None:
    """A call into Excel's object model (Windows' COM API), which xlwings does not wrap: macOS's
    AppleScript API has no such names (AttributeError), so there it is left out."""
    try:
        call()
    except AttributeError:
        pass


# -- a Layout through xlwings --------------------------------------------------------------------
def _write_cells(sh, layout: Layout) -> None:
    """All values in one write, then each number format, look, width run and merge per block."""
    width = layout.width
    if layout.rows:
        sh.range((1, 1)).value = [[None if c is None else to_excel(c.value) for c in row] + [None] * (width - len(row))
                                  for row in layout.rows]
    for number_format, area in _blocks(layout.rows, lambda c: FORMATS.get(c.kind)):
        sh.range(area[:2], area[2:]).number_format = number_format
    for look, area in _blocks(layout.rows, lambda c: c.look):
        _style(sh.range(area[:2], area[2:]), LOOK_STYLES[look], area)
    c = 1
    for run in _runs(layout.widths):
        sh.range((1, c), (1, c + len(run) - 1)).column_width = run[0]
        c += len(run)
    for r1, c1, r2, c2 in layout.merges:
        sh.range((r1, c1), (r2, c2)).merge()


def _runs(values: list) -> Iterator[list]:
    """Consecutive equal values, one list each."""
    return (list(run) for _, run in groupby(values))


def _blocks(rows: list[list[Cell | None]], key: Callable[[Cell], object]) -> list[tuple[object, tuple[int, int, int, int]]]:
    """Rectangles (r1, c1, r2, c2) of cells with the same key (None: left out): the runs of equal
    keys along each row, a run stacked onto the same run (same columns, same key) in the row above."""
    done, open_ = [], {}
    for r, row in enumerate(rows + [[]], start=1):
        runs, c = set(), 1
        for run in _runs([None if cell is None else key(cell) for cell in row]):
            if run[0] is not None:
                runs.add((c, c + len(run) - 1, run[0]))
            c += len(run)
        for c1, c2, k in set(open_) - runs:
            done.append((k, (open_.pop((c1, c2, k)), c1, r - 1, c2)))
        for run in runs - set(open_):
            open_[run] = r
    return sorted(done, key=lambda block: block[1])


def _style(rng, style: dict, area: tuple[int, int, int, int]) -> None:
    """One look (LOOK_STYLES) on a block: the font (FORM_FONT), fill, a thin grey border round
    every cell, centred."""
    font = rng.font
    font.name = FORM_FONT
    if style.get("bold"):
        font.bold = True
    if style.get("size"):
        font.size = style["size"]
    if style.get("italic_grey"):
        font.italic, font.color = True, _rgb(GREY_TEXT)
    if style.get("center"):
        _excel(lambda: setattr(rng.api, "HorizontalAlignment", XL_CENTER))
    if style.get("fill"):
        rng.color = _rgb(style["fill"])
    if style.get("border"):
        r1, c1, r2, c2 = area
        sides = ["edge_left", "edge_top", "edge_bottom", "edge_right"]
        sides += ["inside_vertical"] * (c2 > c1) + ["inside_horizontal"] * (r2 > r1)
        rng.borders.set(sides, line_style="continuous", weight="thin", color=_rgb(BORDER_GREY))


def _freeze(sh, rows: int) -> None:
    """The rows above ``rows + 1`` frozen, through Excel's window (xlwings' freeze_panes is not
    in its Windows and macOS engines): the sheet is activated, as freezing acts on the window."""
    sh.activate()

    def freeze() -> None:
        window = sh.book.app.api.ActiveWindow
        window.FreezePanes = False
        window.ScrollRow, window.ScrollColumn = 1, 1
        window.SplitColumn, window.SplitRow = 0, rows
        window.FreezePanes = rows > 0

    _excel(freeze)


def _page_setup(sh, layout: Layout) -> None:
    """Excel's PageSetup as the file writers write it: A4, one page wide when ``fit_width``, the
    title rows on every page, the company and sheet name in the header, page numbers below;
    then the manual page breaks."""
    last = f"${column_letter(layout.print_width)}${max(len(layout.rows), 1)}"
    sh.page_setup.print_area = "$A$1:" + last
    settings: dict[str, object] = {"PaperSize": XL_PAPER_A4, "Orientation": XL_LANDSCAPE if layout.landscape else XL_PORTRAIT,
                                   "PrintTitleRows": "${}:${}".format(*layout.repeat) if layout.repeat else "",
                                   "CenterHorizontally": True, "LeftMargin": 36, "RightMargin": 36}
    settings.update({"Zoom": False, "FitToPagesWide": 1, "FitToPagesTall": False} if layout.fit_width else {"Zoom": 100})
    for where, codes in (("Header", page_header(layout.company, layout.page_title)), ("Footer", PAGE_FOOTER)):
        sections = header_sections(codes)
        settings.update({f"{side}{where}": sections[side[0]] for side in ("Left", "Center", "Right")})

    def apply() -> None:
        setup = sh.page_setup.api
        for name, value in settings.items():
            setattr(setup, name, value)
        for row in layout.breaks:
            sh.api.HPageBreaks.Add(Before=sh.range((row + 1, 1)).api)

    _excel(apply)


def _add_chart(sh, chart: Chart) -> None:
    """A native chart: one series per value column (named by its header cell), categories set
    apart so a numeric category column is never read as a series."""
    made = sh.charts.add(width=WIDTH_CM * POINTS_PER_CM, height=HEIGHT_CM * POINTS_PER_CM,
                         chart_type=CHART_TYPES[chart.kind], source=sh.range(_chart_source(chart)),
                         plot_by="columns", anchor=sh.range(chart.anchor))
    made.title = chart.title
    made.set_x_axis_values(sh.range((chart.first_row, chart.category_col), (chart.last_row, chart.category_col)))
    if chart.kind != "pie":
        made.legend.position = "bottom"


def _chart_source(chart: Chart) -> str:
    """The value columns, header row to last row: one area per run of adjacent columns
    ("B4:C9,E4:E9": Excel's Range takes areas separated by commas), in the chart's order."""
    spans: list[list[int]] = []
    for col in chart.value_cols:
        if spans and spans[-1][1] + 1 == col:
            spans[-1][1] = col
        else:
            spans.append([col, col])
    return ",".join(f"{column_letter(a)}{chart.header_row}:{column_letter(b)}{chart.last_row}" for a, b in spans)
