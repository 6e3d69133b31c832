"""Colours and number formats shared by the template and the generated sheets, and how a
cell at fault is marked."""
import datetime as dt
import re
from decimal import Decimal

HEADER_FILL = "FFDDEBF7"       # input headers: light blue
GENERATED_FILL = "FFE2EFDA"    # generated sheets: light green tab and header
ERROR_FILL = "FFFFC7CE"        # a cell at fault: light red
GREY_TEXT = "FF7F7F7F"         # notes and subtitles
BORDER_GREY = "FFBFBFBF"       # the thin lines round a report's cells
WARN_FILL = "FFFFEB9C"         # an alert (预警) or an overdue figure: light orange
# Number formats by column kind: amounts and quantities with thousands separators, unit costs to
# four decimals (the six stored show in the formula bar), so a column of figures lines up.
FORMATS = {
    "date": "yyyy-mm-dd",
    "money": "#,##0.00",
    "formula": "#,##0.00",
    "price": "#,##0.0000",
    "qty": "#,##0.00##",
    "int": "#,##0",
    "percent": "0.00%",
    # a 税率: 13%, 9%, 3%; the rates below 2% China has are 1%, 1.5% and 0.5%, shown to their tenth
    "rate": "[<0.02]0.0%;0%",
    "unit_price": "#,##0.00##",     # a 单价 on a printed 单据: 2 decimals, up to 4 when the price has them
}
class Exact(str):
    """A number written as its exact decimal text: cells get the number, never text. No
    ``__dict__`` of its own: 台账 holds six a row (16 bytes each less at 1,000,000 rows)."""

    __slots__ = ()


DATE_FORMAT = FORMATS["date"]
# Excel's built-in number formats by id, as far as a writer must tell them apart: General, text,
# and those that show a date or time (14-22, 45-47, and the East Asian 27-36, 50-58).
GENERAL, TEXT = "General", "@"
BUILTIN_DATES = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')


def is_date_format(code: str | None) -> bool:
    """Whether a number format shows a date or time (y, m, d, h or s outside its literal text)."""
    text = _LITERALS.sub("", code or "").lower()
    return text != GENERAL.lower() and any(ch in text for ch in "ymdhs")


def format_for(value: object, current: str | None, column: str | None) -> str | None:
    """The number format a cell must get when the program writes ``value`` into it, given the
    format it has (``current``) and its column's (``column``); None: it keeps its own.

    A date always shows as a date; a number shows as its column's figures do, unless the cell
    already has a number format of its own (a user's choice), which is kept."""
    if isinstance(value, (dt.date, dt.datetime)):
        return None if is_date_format(current) else DATE_FORMAT
    if isinstance(value, (int, float, Decimal, Exact)) and not isinstance(value, bool) and column:
        plain = current in (None, "", GENERAL, TEXT) or is_date_format(current)
        return column if plain and current != column else None
    return None


# Every cell of a report, 对账单 or printed 单据 is in this one sans font with Chinese glyphs (the
# fonts-noto-cjk package; LibreOffice otherwise draws unnamed bold fonts with a serif face). Where
# it is missing, Excel substitutes a Chinese (charset 134) sans (family 2) font.
FORM_FONT = "Noto Sans CJK SC"
# How each look of a report's cell (sheets.layout.Cell.look) shows: bold, font size, grey italics,
# fill, a thin border all round.
LOOK_STYLES = {
    "title": {"bold": True, "size": 14},
    "heading": {"bold": True, "size": 14, "center": True},     # a printed 单据's company and title
    "subtitle": {"italic_grey": True},
    "note": {"italic_grey": True},
    "header": {"bold": True, "fill": GENERATED_FILL, "border": True},
    "body": {"border": True},
    "total": {"bold": True, "border": True},
    "label": {"bold": True},
    "plain": {},                                              # text without a border (a 单据's head, its foot)
    "warn": {"fill": WARN_FILL, "border": True},
}


# A cell at fault is marked by a conditional format of ours, never by changing the cell's own
# format: clearing the mark then shows what the user had there. This formula (always true, and
# saying what it is in Excel's rule manager) tells our rule from the user's rules.
MARK_RULE = '"jxc 错误标记"<>""'
