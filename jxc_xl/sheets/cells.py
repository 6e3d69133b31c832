"""One cell as a clerk types it → a value, or a Problem saying what to fix.

Accepts what the contract allows: dates as Excel dates or text in four forms (2026-11-05,
2026/11/5, 20261105, 2026年11月5日), numbers as numbers or text with thousands separators, ¥/￥
and 元, codes with stray spaces; an Excel error value (#N/A…) is a problem of its own.

A thousands separator (``,``, ``，`` or a space) is taken only between groups of three digits
(``1,200.50``, ``12,345,678``): ``12,5`` may be 12.5 typed with a decimal comma or 125, and
guessing posts a figure ten or a hundred times off without a word — so it is a row error that
asks which was meant (:func:`number_readings`).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..domain.model import Source
from ..domain.money import within
from ..domain.problems import Problem
from ..domain.tax import parse_rate
from .book import Table

EXCEL_ERRORS = {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA",
                "#SPILL!", "#CALC!"}
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0{1,2}:00(?::00)?)?$")
_CHINESE_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_CURRENCY = re.compile(r"^[¥￥]?\s*(.*?)\s*元?$")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:(?P<sep>[,，\s])\d{3})(?:(?P=sep)\d{3})*(?:\.\d+)?")
_SEPARATOR = re.compile(r"[,，]|\d\s+\d")
_SEPARATORS = re.compile(r"[,，\s]")
_LOOSE = re.compile(r"[+-]?[\d.,，\s]*\d[\d.,，\s]*")           # digits and separators: a number, grouped wrong
_DECIMAL_COMMA = re.compile(r"([+-]?(?:\d{1,3}(?:\.\d{3})+|\d+))[,，](\d+)")   # 12,5  1.200,50
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# what a text cell may hold: a code (单号, 商品编码 … — indexed by the books) and any other text; no
# control character but tab and line breaks (PostgreSQL's text cannot hold a NUL at all)
MAX_CODE, MAX_TEXT = 100, 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EXCEL_EPOCH = dt.date(1899, 12, 30)          # day 0 of Excel's 1900 date system (after its 1900-02-29)


@dataclass
class RowReader:
    """Reads one row's cells by contract column, collecting problems instead of raising."""

    table: Table
    row: int
    values: list
    workbook: str
    problems: list[Problem] = field(default_factory=list)
    doc_no: str = ""

    @property
    def source(self) -> Source:
        return Source(workbook=self.workbook, sheet=self.table.sheet, row=self.row)

    def bad(self, code: str, name: str, **args: object) -> None:
        self.problems.append(Problem(code, self.doc_no, None, name, args, self.source))

    def raw(self, name: str) -> object:
        value = self.table.get(self.values, name)
        if isinstance(value, str):
            value = value.strip()
            if value in EXCEL_ERRORS:
                self.bad("formula_error", name, value=value)
                return None
        return None if value == "" else value

    def given(self, name: str, required: bool) -> object:
        """The cell's value; an empty required cell is a problem."""
        value = self.raw(name)
        if value is None and required:
            self.bad("required", name)
        return value

    def text(self, name: str, required: bool = False) -> str:
        value = self.given(name, required)
        text = "" if value is None else to_code(value)
        fault = text_fault(text, name in self.table.spec.codes)
        if fault:
            self.bad(*fault[:1], name, **fault[1])
            return ""
        return text

    def number(self, name: str, required: bool = False, limit: Decimal | None = None) -> Decimal | None:
        """The cell as a number; with ``limit`` (a master's figure, which no later check sees)
        one as large as that is a problem too."""
        value = self.given(name, required)
        if value is None:
            return None
        number = to_number(value)
        if number is None:
            readings = number_readings(value)
            if len(readings) > 1:
                self.bad("unclear_number", name, value=str(value), expected=readings[0], other=readings[1])
            else:
                self.bad("unclear_grouping" if readings else "bad_number", name, value=str(value),
                         expected="".join(readings))
        elif limit is not None and not within(number, limit):
            self.bad("too_large", name, value=str(value), limit=f"{int(limit):,}")
            return None
        return number

    def date(self, name: str, required: bool = False) -> dt.date | None:
        value = self.given(name, required)
        if value is None:
            return None
        parsed = to_date(value)
        if parsed is None:
            self.bad("bad_date", name, value=self.text(name))
        return parsed

    def rate(self, name: str) -> Decimal | None:
        """A 税率 as typed (13%, 13 or 0.13) as an exact fraction; empty is None."""
        value = self.given(name, False)
        if value is None:
            return None
        rate = to_rate(value)
        if rate is None:
            self.bad("bad_rate", name, value=str(value).strip())
        return rate

    def choice(self, name: str, words: dict[str, object], required: bool = True) -> object:
        text = self.text(name, required)
        if not text:
            return None
        key = text.lower().replace(" ", "")
        if key in words:
            return words[key]
        choices = "、".join(w for w in words if not w.isascii())
        self.bad("bad_choice", name, value=text, expected=choices or "/".join(words))
        return None


def to_rate(value: object) -> Decimal | None:
    """A cell as a 税率: text as typed (13%, 13, 0.13), a number cell (a percent-formatted 0.13) as
    its exact figure; None when it is none."""
    return parse_rate(value if isinstance(value, str) else to_number(value))


def to_number(value: object) -> Decimal | None:
    """A cell as an exact number: numbers as they are, text with a currency sign (¥28.00, 28元),
    surrounding spaces and thousands separators between groups of three digits; None for
    anything else (a separator anywhere else too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):                     # a NaN or infinity cell is no number either
        return Decimal(repr(value)) if math.isfinite(value) else None
    text = _CURRENCY.match(str(value).strip()).group(1)        # ¥28.00, 28元
    if _GROUPED.fullmatch(text):
        text = _SEPARATORS.sub("", text)
    elif _SEPARATOR.search(text):
        return None
    return _decimal(text)


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number.adjusted()) <= _DIGITS else None


# Beyond this many digits either side of the point no text is a figure (nor can Decimal's
# context round it: `1e999999999` would overflow wherever it went).
_DIGITS = 999


def number_readings(value: object) -> list[str]:
    """What text with a misplaced thousands separator may have meant, to ask the clerk: its
    comma as a decimal point (``12,5`` → 12.5, ``1.200,50`` → 1200.50), and its separators
    dropped (``12,5`` → 125). Empty for text that is no number at all, or is one."""
    text = _CURRENCY.match(str(value).strip()).group(1)
    if to_number(value) is not None or not _LOOSE.fullmatch(text):
        return []
    comma = _DECIMAL_COMMA.fullmatch(text)
    readings = [f"{comma.group(1).replace('.', '')}.{comma.group(2)}"] if comma else []
    readings.append(_SEPARATORS.sub("", text))
    return [r for r in dict.fromkeys(readings) if _decimal(r) is not None]


def text_fault(text: str, code: bool) -> tuple[str, dict] | None:
    """(problem, its args) when ``text`` cannot go into the books: a control character, or longer
    than a code (``code``) or a text may be."""
    bad = _CONTROL.search(text)
    if bad:
        return "bad_text", {"value": f"U+{ord(bad.group()):04X}"}
    limit = MAX_CODE if code else MAX_TEXT
    return ("too_long", {"length": len(text), "limit": limit}) if len(text) > limit else None


def to_code(value: object) -> str:
    """A cell as a code or name: 1001 typed as a number is "1001", not "1001.0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.strftime("%Y-%m-%d")
    return str(value).strip()


def to_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 29991231:
            value = str(int(value))
        elif 1 <= value < 2958466:                       # an Excel serial date without its format
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        else:
            return None
    text = str(value).strip()
    match = _DATE.match(text) or _COMPACT.match(text) or _CHINESE_DATE.match(text)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None
