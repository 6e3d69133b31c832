"""A document sheet read column by column: the fast path of intake.

Each contract column is converted once, as a whole list, by a converter of its kind that takes
only what is plainly right — an Excel date, a number cell, a code or word as typed, a rate — and
answers :data:`ROW_PATH` for anything else (text that may be a date or a grouped figure, an
error value, an empty required cell). A document whose cells are all plain is built here with
no per-cell reader and no model validation; every other one goes through ``parse._document``,
the row path that builds the messages, so a failing row reads exactly as it always has.

Each distinct cell value is converted once per column (a price or a 业务类型 repeats on
thousands of rows): measured on the bench's 100,000-line sheets, reading the rows this way took
parse_documents from 12.5 s to 4.5 s under the profiler (3.5 s of it building the documents).
A plain purchase, sale or order (no 原单号, 订单号, 税额 or 价税合计 typed; a 金额 only on an untaxed
line; an order's 交货日期 or none), transfer, count or other move is built packed — its lines as
integer tuples, domain.packed — which the ledger checks, hashes and writes with no model per line
(a taxed one's figures worked out in integers as validate's).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

from ..domain.model import Document, Line, Source
from ..domain.packed import PACKED_TYPES, Packed, pack
from .book import Table
from .cells import EXCEL_ERRORS, text_fault, to_code, to_date, to_number, to_rate
from .contract import Column, SheetSpec

ROW_PATH = object()              # a cell only the row path can read (and name what is wrong with)
_UNREAD = object()
NUMBER_KINDS = {"qty", "price", "money", "formula"}       # the column kinds read as figures
_ZERO = Decimal(0)


def _raw(value: object) -> object:
    """As RowReader.raw reads a cell: text stripped, empty as None; an error value is the row path's."""
    if isinstance(value, str):
        value = value.strip()
        if value in EXCEL_ERRORS:
            return ROW_PATH
        return value or None
    return value


def _converter(spec: SheetSpec, column: Column) -> Callable[[object], object]:
    """The plain reading of a non-empty cell of ``column`` (``ROW_PATH`` where it has none)."""
    if column.to == "type" or column.kind == "choice":
        words = spec.types if column.to == "type" else column.choices

        def choice(value: object) -> object:
            return words.get(to_code(value).lower().replace(" ", ""), ROW_PATH)
        return choice
    if column.kind == "date":
        return lambda value: ROW_PATH if (day := to_date(value)) is None else day
    if column.kind == "rate":
        return lambda value: ROW_PATH if (rate := to_rate(value)) is None else rate
    if column.kind in NUMBER_KINDS:
        return lambda value: ROW_PATH if isinstance(value, bool) or (n := to_number(value)) is None else n
    code = column.kind == "code"
    return lambda value: ROW_PATH if text_fault(text := to_code(value), code) else text


def _empty(spec: SheetSpec, column: Column) -> object:
    """What an empty cell of an optional column reads as (parse._read's answer for None)."""
    if column.to == "type":
        return ROW_PATH                                  # 业务类型 is always required
    if column.kind == "choice" or column.kind not in NUMBER_KINDS | {"date", "rate"}:
        return ""
    return None


class Columns:
    """The sheet's header and line columns, each read whole over the rows asked for (``wanted``,
    indices into table.rows: the rows of the documents a post has to read — 500 new lines typed
    into a posted 100,000-line book convert 500 rows, not 100,000: measured 2.3 s → 0.03 s under
    the profiler); ``clean[k]``: the k-th of them reads without a problem of its own."""

    def __init__(self, table: Table, wanted: list[int]):
        spec = table.spec
        self.table, self.spec = table, spec
        self.at = {i: k for k, i in enumerate(wanted)}
        self.rows = [table.rows[i][1] for i in wanted]
        self.clean = [True] * len(wanted)
        self.values: dict[str, list] = {}
        for column in spec.at("header") + spec.at("line"):
            self.values[column.zh] = self._read(column)

    def _read(self, column: Column) -> list:
        table, spec = self.table, self.spec
        at = table.columns.get(column.zh)
        empty = _empty(spec, column)
        if at is None:                                   # a column the sheet does not have: all empty
            cells: list = [None] * len(self.rows)
        else:
            cells = [values[at - 1] if at <= len(values) else None for values in self.rows]
        unless = table.columns.get(column.unless) if column.unless else None
        convert, cache, out, clean = _converter(spec, column), {}, [], self.clean
        for k, cell in enumerate(cells):
            key = (type(cell), cell)
            value = cache.get(key, _UNREAD)
            if value is _UNREAD:
                raw = _raw(cell)
                if raw is None and column.required and unless:
                    value = self._unless(k, unless, empty)     # hangs on another cell of its row
                else:
                    value = cache[key] = (empty if not column.required else ROW_PATH) if raw is None else \
                        ROW_PATH if raw is ROW_PATH else convert(raw)
            if value is ROW_PATH:
                clean[k] = False
            out.append(value)
        return out

    def _unless(self, k: int, unless: int, empty: object) -> object:
        """An empty cell of a required column: fine where its ``unless`` column has a value."""
        values = self.rows[k]
        given = unless <= len(values) and _raw(values[unless - 1]) is not None
        return empty if given else ROW_PATH

    @property
    def header_fields(self) -> tuple[str, ...]:
        """The Document fields a row's header gives (what ParsedDoc.parts shows of each row)."""
        return ("type",) + tuple(c.to for c in self.spec.at("header") if c.to != "type")

    def document(self, doc_no: str, indices: list[int], rows: list[int], workbook: str) -> Document | Packed | None:
        """The document of these rows (indices into table.rows, each one asked for); None when a
        row is not plain or the rows disagree (then the row path reads them). A plain purchase,
        sale, order or stock document comes packed (domain.packed: integers, no model per line),
        any other as the model."""
        indices = [self.at[i] for i in indices]
        if not all(self.clean[k] for k in indices) or text_fault(doc_no, True):
            return None
        spec, values = self.spec, self.values
        header_columns, line_columns = spec.at("header"), spec.at("line")
        first = indices[0]
        if len(indices) > 1 and (not spec.has_lines or any(
                values[c.zh][i] != values[c.zh][first] for c in header_columns for i in indices[1:])):
            return None
        header = {} if spec.types else {"type": spec.doc_type}
        for column in header_columns:
            header[column.to] = values[column.zh][first]
        sheet, workbook = self.table.sheet.strip(), workbook.strip()          # as the model strips them
        if spec.has_lines and header.get("type") in PACKED_TYPES:
            packed = pack({"doc_no": doc_no, **header}, [
                {**{column.to: values[column.zh][i] for column in line_columns}, "row": row}
                for i, row in zip(indices, rows)], workbook, sheet)
            if packed is not None:
                return packed
        sources = [Source.trusted({"workbook": workbook, "sheet": sheet, "row": row}) for row in rows]
        lines = []
        for i, source in zip(indices, sources) if spec.has_lines else ():
            fields = {column.to: values[column.zh][i] for column in line_columns}
            if fields.get("qty") is None:
                fields["qty"] = _ZERO
            fields["source"] = source
            lines.append(Line.trusted(fields))
        return Document.trusted({"doc_no": doc_no, "lines": tuple(lines), "source": sources[0], **header})
