"""A Layout's charts as openpyxl chart objects: openpyxl knows DrawingML, so both file writers
take their chart XML from it (the slow writer adds them to its sheet, the fast one serialises
them into the parts it writes)."""
from __future__ import annotations

from ..sheets.book import column_letter
from ..sheets.layout import Chart

_KINDS = {"bar": "BarChart", "line": "LineChart", "pie": "PieChart"}
WIDTH_CM, HEIGHT_CM = 16, 8


def chart_object(chart: Chart, sheet: str):
    """The openpyxl chart of ``chart``, its data on ``sheet``."""
    from openpyxl import chart as xl
    from openpyxl.chart import Reference
    made = getattr(xl, _KINDS[chart.kind])()
    made.title = chart.title
    made.width, made.height = WIDTH_CM, HEIGHT_CM
    for col in chart.value_cols:
        data = Reference(range_string=f"{_quoted(sheet)}!{_area(col, chart.header_row, col, chart.last_row)}")
        made.add_data(data, titles_from_data=True)
    made.set_categories(Reference(range_string=f"{_quoted(sheet)}!"
                                               f"{_area(chart.category_col, chart.first_row, chart.category_col, chart.last_row)}"))
    if chart.kind != "pie":
        made.legend.position = "b"
        made.x_axis.tickLblPos = "low"         # below the plot, not on the zero line a loss hangs from
    made.anchor = chart.anchor
    return made


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _area(c1: int, r1: int, c2: int, r2: int) -> str:
    return f"${column_letter(c1)}${r1}:${column_letter(c2)}${r2}"
