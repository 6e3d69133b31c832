"""A report or a printed 单据 as data: rows of cells, each with a look and a number format, and
how the sheet prints. The reports room builds a Layout; each Book renders it (the file writer as
XML, the live workbook through xlwings), so what a sheet holds is decided once."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from .contract import SheetSpec

CHART_COLUMNS = 8
SHEET_NAME = "&A"             # Excel's code for the sheet's name in a page header


class Cell(NamedTuple):
    """One cell (a tuple: a report makes one for every figure it shows)."""

    value: object
    look: str = "body"          # one of sheets.format.LOOK_STYLES
    kind: str = "text"          # a Column kind (its number format, sheets.format.FORMATS), or "percent"


@dataclass(frozen=True)
class Chart:
    """A native chart over cells of its own sheet: categories in ``category_col``, one series
    per column of ``value_cols`` named by its cell in ``header_row``, values in rows first..last."""

    kind: str                   # "bar", "line" or "pie"
    title: str
    anchor: str                 # the cell its top-left corner sits on
    header_row: int
    first_row: int
    last_row: int
    category_col: int
    value_cols: tuple[int, ...]


@dataclass
class Layout:
    """A whole sheet, row 1 first (None: an empty cell)."""

    spec: SheetSpec
    rows: list[list[Cell | None]]
    widths: list[float]
    company: str = ""           # in the printed page's header, beside the sheet's name
    page_title: str = SHEET_NAME    # the page header's centre ("": none, as on a 单据 whose head says it)
    repeat: tuple[int, int] | None = None   # rows printed again at the top of every page
    freeze: int = 0             # rows frozen at the top of the window
    landscape: bool = False
    fit_width: bool = True      # printed one page wide
    breaks: list[int] = field(default_factory=list)   # a new page starts after each of these rows
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)   # r1, c1, r2, c2
    charts: list[Chart] = field(default_factory=list)
    protect: bool = True

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=1)

    @property
    def print_width(self) -> int:
        """The columns that print: the cells', and the charts' (a chart spans about 8 columns)."""
        from .book import cell_range
        return max([self.width, *(cell_range(c.anchor)[1] + CHART_COLUMNS for c in self.charts)])


def text_width(value: object) -> int:
    """How many character widths a value takes on screen: a CJK character takes two."""
    text = str(value)
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def generated_widths(spec: SheetSpec, rows: list[list], most: float = 50) -> list[float]:
    """A generated sheet's column widths: the contract's, or wider where a text cell needs it
    (台账's 单号 `期初-2026-10-31-MD-1002`, 单据类型 `销售出库（红字冲销）`), so nothing prints cut.
    Only text columns are measured (figures fit their column's width), each distinct value once,
    one of plain ASCII by its length alone: 台账 may have a row per movement."""
    widths = [float(c.width) for c in spec.columns]
    for c, column in enumerate(spec.columns):
        if column.kind not in ("text", "code"):
            continue
        texts = {str(row[c]) for row in rows if c < len(row) and row[c] is not None}
        widest = max((len(t) if t.isascii() else text_width(t) for t in texts), default=0)
        widths[c] = min(max(widths[c], widest + 2), most)
    return widths


def fit_widths(rows: list[list[Cell | None]], least: float = 6, most: float = 50) -> list[float]:
    """Column widths that show every cell whole (a 9-digit amount with its separators, a long
    name), titles and captions excepted: they run over the empty cells beside them.

    Each column's cells are measured longest text first, and only while one could still be the
    widest (text takes at most two widths a character, a figure less than that plus 6): a
    report of 15,000 rows is measured in a few dozen cells a column, not all of them."""
    columns: dict[int, list[Cell]] = {}
    for row in rows:
        for c, cell in enumerate(row):
            if cell is not None and cell.look not in ("title", "subtitle", "note", "label"):
                columns.setdefault(c, []).append(cell)
    widths = []
    for c in range(max(columns, default=-1) + 1):
        widest = 0
        for size, cell in sorted(((len(str(cell.value)), cell) for cell in columns.get(c, ())),
                                 key=lambda pair: pair[0], reverse=True):
            if 2 * size + 6 <= widest:
                break
            widest = max(widest, shown_width(cell))
        widths.append(min(max(least, widest + 2), most))
    return widths


def shown_width(cell: Cell) -> int:
    """The width of a cell as its number format shows it (thousands separators, fixed decimals).
    Worked out from the figure's text: a report has a cell like this for every figure it shows."""
    value = cell.value
    if value is None or value == "":
        return 0
    if cell.kind == "date":
        return 10
    if type(value) is str or isinstance(value, bool):
        return text_width(value)
    text = value if isinstance(value, str) else format(value, "f")
    negative = text.startswith("-")
    digits = len(text.lstrip("-").split(".")[0]) or 1
    return digits + (digits - 1) // 3 + _DECIMALS.get(cell.kind, 3) + negative


_DECIMALS = {"price": 5, "percent": 4, "int": 0}


def page_header(company: str, title: str = SHEET_NAME) -> str:
    """The printed page's header (company left, ``title`` centred: the sheet's name, unless the
    page says what it is itself) in Excel's codes."""
    left = "&L" + company.replace("&", "&&") if company else ""
    return f"{left}&C{title}" if title else left


PAGE_FOOTER = "&C第 &P 页，共 &N 页"
_SECTION = re.compile(r"&&|&([LCR])|[^&]+|&.?", re.S)


def header_sections(codes: str) -> dict[str, str]:
    """A page header or footer in Excel's codes ("&L左&C&A") split into its left, centre and
    right sections, as Excel's PageSetup (LeftHeader, CenterHeader…) takes them; "&&" is a
    literal ampersand, not a section code. Text before any section code is centred."""
    sections, at = {"L": "", "C": "", "R": ""}, "C"
    for match in _SECTION.finditer(codes):
        if match.group(1):
            at = match.group(1)
        else:
            sections[at] += match.group(0)
    return sections
