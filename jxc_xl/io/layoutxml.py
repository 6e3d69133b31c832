"""A Layout (a report, a printed 单据) as worksheet XML, with its page setup, its print names
and its charts' parts, for the fast writer. A report is small (a row per item, not per
movement), so this is plain string work with no byte-level patching."""
from __future__ import annotations

import posixpath
from decimal import Decimal
from xml.etree import ElementTree as ET

from ..sheets.book import column_letter
from ..sheets.format import FORM_FONT, FORMATS, GENERATED_FILL, LOOK_STYLES, Exact
from ..sheets.layout import Cell, Layout
from . import parts
from .charts import chart_object
from .package import MAIN, Package, resolve
from .sheetdata import cell_xml, page_setup_xml
from .styles import Styles

_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"


def layout_sheet(layout: Layout, styles: Styles, drawing_rid: str | None) -> bytes:
    """The worksheet XML of ``layout`` (its drawing, if any, related as ``drawing_rid``)."""
    looks: dict[tuple[str, str], int] = {}

    def style(cell: Cell) -> int:
        key = (cell.look, cell.kind)
        if key not in looks:
            looks[key] = styles.style(FORMATS.get(cell.kind), font=FORM_FONT, **LOOK_STYLES[cell.look])
        return looks[key]

    data = []
    for r, row in enumerate(layout.rows, start=1):
        cells = b"".join(cell_xml(f"{column_letter(c)}{r}", _value(cell.value), style(cell))
                         for c, cell in enumerate(row, start=1) if cell is not None)
        data.append(f'<row r="{r}">'.encode() + cells + b"</row>")
    last = f"{column_letter(layout.width)}{max(len(layout.rows), 1)}"
    return b"".join([parts.WORKSHEET_ROOT, _head(layout, last).encode("utf-8"), b"<sheetData>", *data,
                     b"</sheetData>", _tail(layout, drawing_rid).encode("utf-8"), b"</worksheet>"])


def _value(value: object) -> object:
    return Decimal(value) if type(value) is Exact else value


def _head(layout: Layout, last: str) -> str:
    fit = '<pageSetUpPr fitToPage="1"/>' if layout.fit_width else ""
    pane = (f'<pane ySplit="{layout.freeze}" topLeftCell="A{layout.freeze + 1}" activePane="bottomLeft" state="frozen"/>'
            if layout.freeze else "")
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in enumerate(layout.widths, 1))
    return (f'<sheetPr><tabColor rgb="{GENERATED_FILL}"/>{fit}</sheetPr><dimension ref="A1:{last}"/>'
            f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else ""))


def _tail(layout: Layout, drawing_rid: str | None) -> str:
    protect = '<sheetProtection sheet="1" objects="0" autoFilter="0" sort="0"/>' if layout.protect else ""
    merges = "".join(f'<mergeCell ref="{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"/>'
                     for r1, c1, r2, c2 in layout.merges)
    breaks = "".join(f'<brk id="{r}" max="16383" man="1"/>' for r in layout.breaks)
    return "".join([
        protect, f'<mergeCells count="{len(layout.merges)}">{merges}</mergeCells>' if merges else "",
        '<printOptions horizontalCentered="1"/>',
        '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>',
        page_setup_xml(layout.company, layout.landscape, layout.fit_width, layout.page_title),
        f'<rowBreaks count="{len(layout.breaks)}" manualBreakCount="{len(layout.breaks)}">{breaks}</rowBreaks>'
        if breaks else "",
        f'<drawing r:id="{drawing_rid}"/>' if drawing_rid else ""])


def drop_relations(pkg: Package, part: str) -> None:
    """Everything the sheet referred to, gone with the sheet's old XML: its drawings with their
    charts, its tables, comments and their VML, printer settings, hyperlinks — a report sheet is
    written whole, so nothing of it may be left related and unreferenced."""
    for rel in pkg.relationships(part):
        if rel.get("TargetMode") == "External":
            continue
        target = resolve(part, rel.get("Target", ""))
        if pkg.has(pkg.rels_name(target)):
            for _, chart in pkg.targets(target, "chart"):
                _drop(pkg, chart)
            pkg.put(pkg.rels_name(target), None)
        _drop(pkg, target)
    if pkg.has(pkg.rels_name(part)):
        pkg.put(pkg.rels_name(part), None)


def _drop(pkg: Package, part: str) -> None:
    if pkg.has(part):
        pkg.put(part, None)
    parts.declare(pkg, part, None)


def add_charts(pkg: Package, part: str, layout: Layout, sheet: str) -> str | None:
    """The drawing holding ``layout``'s charts, its parts and content types written; returns the
    sheet's relationship id of it (None: no charts)."""
    if not layout.charts:
        return None
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.xml.functions import tostring
    base = posixpath.dirname(pkg.workbook_part)
    drawing = SpreadsheetDrawing()
    for chart in layout.charts:
        made = chart_object(chart, sheet)
        made._path = "/" + parts.free_part(pkg, posixpath.join(base, "charts/chart{}.xml"))
        pkg.put(made.path[1:], tostring(made._write()))
        parts.declare(pkg, made.path[1:], _CHART, raw=True)
        drawing.charts.append(made)
    name = parts.free_part(pkg, posixpath.join(base, "drawings/drawing{}.xml"))
    pkg.put(name, tostring(drawing._write()))
    pkg.put(pkg.rels_name(name), tostring(drawing._write_rels()))
    parts.declare(pkg, name, _DRAWING, raw=True)
    return parts.relate(pkg, part, "drawing", name)


def set_print_names(pkg: Package, sheet: str, area: str | None = None, repeat: tuple[int, int] | None = None) -> None:
    """The sheet's print area (``$A$1:$H$20``) and the rows repeated on each page, as Excel keeps
    them: defined names local to the sheet (_xlnm.Print_Area, _xlnm.Print_Titles); those it had
    are replaced (None: none)."""
    local = str([name for name, _ in pkg.sheets()].index(sheet))
    quoted = "'" + sheet.replace("'", "''") + "'"
    wanted = {"_xlnm.Print_Area": area and f"{quoted}!{area}",
              "_xlnm.Print_Titles": repeat and f"{quoted}!${repeat[0]}:${repeat[1]}"}
    defined = parts.defined_names(pkg)
    for element in list(defined):
        if element.get("localSheetId") == local and element.get("name") in wanted:
            defined.remove(element)
    for name, ref in wanted.items():
        if ref:
            ET.SubElement(defined, f"{{{MAIN}}}definedName", {"name": name, "localSheetId": local}).text = ref


def layout_print_names(pkg: Package, sheet: str, layout: Layout) -> None:
    set_print_names(pkg, sheet, f"$A$1:${column_letter(layout.print_width)}${max(len(layout.rows), 1)}", layout.repeat)
