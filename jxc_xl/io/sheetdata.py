"""Worksheet XML as bytes: cells written, rows rewritten, our error-mark conditional format, and
whole generated sheets. A 100,000-row sheet is never parsed: only the rows that change are
found and rewritten, every other byte stays as it was — which is what makes saving fast."""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import zlib
from array import array
from decimal import Decimal
from operator import itemgetter
from typing import BinaryIO, Callable, Iterator
from xml.sax.saxutils import escape, unescape

from ..sheets.book import column_letter, column_number, mark_cells, mark_ranges, read_as_generated
from ..sheets.contract import SheetSpec
from ..sheets.format import ERROR_FILL, FORMATS, GENERATED_FILL, MARK_RULE, WARN_FILL, Exact, is_date_format
from ..sheets.layout import PAGE_FOOTER, SHEET_NAME, generated_widths, page_header
from ..sheets.cells import EXCEL_EPOCH
from .package import DOC_REL, PIECE
from .parts import WORKSHEET_ROOT
from .styles import Styles

_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?(?:/>|>(.*?)</row>)', re.S)
_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', re.S)
_STYLE = re.compile(rb'\bs="(\d+)"')
_TAG = re.compile(rb'<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|'
                  rb'<(/?)([\w:.-]+)(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|\'[^\']*\'))*\s*(/?)>', re.S)
# worksheet elements that come before conditionalFormatting (CT_Worksheet's order)
_BEFORE_MARKS = {b"sheetData", b"sheetCalcPr", b"sheetProtection", b"protectedRanges", b"scenarios", b"autoFilter",
                 b"sortState", b"dataConsolidate", b"customSheetViews", b"mergeCells", b"phoneticPr",
                 b"conditionalFormatting"}


def same(old: object, new: object) -> bool:
    """Whether a cell read as ``old`` already holds ``new`` (a figure read as a float, one to be
    written as a Decimal or as its exact text, compared as exact decimals)."""
    if old in (None, "") and new in (None, ""):
        return True
    if isinstance(old, float) and isinstance(new, (int, Decimal, Exact)) and not isinstance(new, bool):
        return Decimal(repr(old)) == Decimal(new)
    return type(old) is type(new) and old == new


class SharedStrings:
    """The workbook's shared string table, as the text a post writes into its sheets joins it:
    each new text once, at the table's end (a 100,000-row post writes one 状态 text per batch:
    one item, and a five-digit index per cell instead of the text). Strings already in the
    table are not looked up; items no cell uses any more are left, as Excel leaves them until
    it saves."""

    def __init__(self, xml: bytes):
        self.xml = xml
        self.size = sum(xml.count(tag) for tag in (b"<si>", b"<si/>", b"<si "))
        self.new: dict[str, int] = {}
        self.used = 0

    @classmethod
    def of(cls, xml: bytes) -> "SharedStrings | None":
        """The table, when it is one this writer can add to (a plain ``<sst>`` root)."""
        if not re.match(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?<sst[\s>/]", xml) or b"</sst>" not in xml:
            return None
        return cls(xml)

    def index(self, text: str) -> int:
        self.used += 1
        found = self.new.get(text)
        if found is None:
            found = self.new[text] = self.size + len(self.new)
        return found

    def part(self) -> bytes:
        """The table with the new items after the old ones, its counts grown (``count`` by
        the cells written, as no cell's old reference is looked at)."""
        start, end = self.xml.index(b">", self.xml.index(b"<sst")) + 1, self.xml.rindex(b"</sst>")
        items = "".join(f'<si><t xml:space="preserve">{escape(t)}</t></si>' for t in self.new).encode("utf-8")

        def grown(m: re.Match) -> bytes:
            n = int(m.group(2)) + (self.used if m.group(1) == b"count" else len(self.new))
            return m.group(1) + b'="%d"' % n

        head = re.sub(rb'\b(count|uniqueCount)="(\d+)"', grown, self.xml[:start])
        return head + self.xml[start:end] + items + self.xml[end:]


def cell_xml(ref: str, value: object, style: int | None, strings: SharedStrings | None = None) -> bytes:
    return _cell(ref, value, f' s="{style}"' if style else "", strings)


def _cell(ref: str, value: object, s: str, strings: SharedStrings | None) -> bytes:
    """:func:`cell_xml` with its style attribute (`` s="N"``, or nothing) written already."""
    if type(value) is Exact:                    # a figure as its exact text: the number, never text
        return f'<c r="{ref}"{s}><v>{value}</v></c>'.encode()
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>'.encode() if s else b""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'.encode()
    if isinstance(value, Decimal):
        return f'<c r="{ref}"{s}><v>{format(value, "f")}</v></c>'.encode()
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'.encode()
    if isinstance(value, dt.datetime):
        serial = (value - dt.datetime.combine(EXCEL_EPOCH, dt.time())).total_seconds() / 86400
        return f'<c r="{ref}"{s}><v>{serial!r}</v></c>'.encode()
    if isinstance(value, dt.date):
        return f'<c r="{ref}"{s}><v>{(value - EXCEL_EPOCH).days}</v></c>'.encode()
    if strings is not None:
        return f'<c r="{ref}"{s} t="s"><v>{strings.index(str(value))}</v></c>'.encode()
    text = escape(str(value))
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'.encode()


# -- sheet data, as bytes --------------------------------------------------------------------------
def _sheet_data(xml: bytes) -> tuple[bytes, int, int]:
    """The sheet with an open <sheetData> element, and where its rows start and end."""
    if b"<sheetData/>" in xml:
        xml = xml.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
    start = xml.index(b"<sheetData")
    return xml, xml.index(b">", start) + 1, xml.index(b"</sheetData>", start)


def patch_sheet(xml: bytes, edits: dict[int, dict[int, tuple[object, str | None]]], styles: Styles,
                strings: SharedStrings | None = None) -> bytes:
    """Rewrite the rows named in ``edits`` (row → column → (value, the column's number format));
    every other byte of the sheet stays as it was."""
    return b"".join(sheet_chunks(xml, edits, styles, strings))


def sheet_chunks(xml: bytes, edits: dict[int, dict[int, tuple[object, str | None]]], styles: Styles,
                 strings: SharedStrings | None = None, rows: "bytearray | Deflated | None" = None) -> list:
    """:func:`patch_sheet` as pieces to write one after the other: the sheet's XML before its
    rows, its rows with the edited ones rewritten, as one buffer, and last, on its own, the XML
    from ``</sheetData>`` on (where the error marks go). None of them is a view of ``xml``, so the
    sheet as read is let go once this returns. Measured (tracemalloc, a 100,000-line post's save):
    the rows as views of the sheet read and the rewritten rows, two objects per edited row, were
    84 MB beside the 60 MB of the two sheets read, held until the file was written; one buffer per
    sheet is its size (33 MB), and the sheet read goes: the save's peak 385 → 351 MB. ``rows``: the
    buffer the rows go into (a :class:`Deflated` one for a sheet of many rows edited)."""
    xml, body_start, body_end = _sheet_data(xml)
    if not edits:
        return [xml[:body_start], xml[body_start:body_end], xml[body_end:]]
    new = bytearray() if rows is None else rows
    if not _patch_found_rows(xml, body_start, body_end, edits, styles, strings, new):
        new.extend(_patch_all_rows(xml[body_start:body_end], edits, styles, strings))
    last_col = max((c for cells in edits.values() for c in cells), default=1)
    return [_dimension(xml[:body_start], max(edits), last_col), new, xml[body_end:]]


_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _dimension(head: bytes, last_row: int, last_col: int) -> bytes:
    """The sheet's used range (<dimension>) grown to take in cells written beyond it."""
    found = _DIMENSION.search(head)
    if found is None:
        return head
    col, row = found.group(3) or found.group(1), int(found.group(4) or found.group(2))
    if last_row <= row and last_col <= column_number(col.decode()):
        return head
    end = f"{column_letter(max(last_col, column_number(col.decode())))}{max(last_row, row)}".encode()
    return head[:found.start()] + b'<dimension ref="' + found.group(1) + found.group(2) + b":" + end + b'"' + \
        head[found.end():]


def _patch_found_rows(xml: bytes, start: int, stop: int, edits: dict, styles: Styles,
                      strings: SharedStrings | None, out: "bytearray | Deflated") -> bool:
    """The quick way, when every edited row exists and starts ``<row r="N"``: jump to each; the
    stretches between copied from ``xml`` into ``out`` with the rewritten rows. False (``out``
    untouched) when a row is not found so."""
    rows = sorted(edits)
    found = []
    pos = start
    for r in rows:
        i = xml.find(b'<row r="%d"' % r, pos, stop)
        if i < 0:
            return False
        found.append(i)
        pos = i + 1
    view = memoryview(xml)
    pos = start
    for r, i in zip(rows, found):
        close = xml.index(b">", i)
        if xml[close - 1:close] == b"/":
            head, cells, end = xml[i:close - 1], b"", close + 1
        else:
            end = xml.index(b"</row>", close) + 6
            head, cells = xml[i:close], xml[close + 1:end - 6]
        out.extend(view[pos:i])
        out.extend(_row(r, head, cells, edits[r], styles, strings))
        pos = end
    out.extend(view[pos:stop])
    view.release()
    return True


class Deflated:
    """A patched sheet's rows held deflated (zlib's fastest level) as they are made, until they
    are written, then given back in pieces. Measured on the 100,000-line bench post: its two
    patched sheets were 66 MB of the save's peak held as they are, 7 MB deflated, for 0.3 s of
    deflating and inflating (see patch.HELD_DEFLATED for which sheets). The zip is written from
    the pieces inflated, as before, so the file is the same byte for byte."""

    PIECE = 1 << 20

    def __init__(self):
        self._deflate = zlib.compressobj(1)
        self._pieces: list[bytes] = []
        self.size = 0                                   # bytes given

    def extend(self, data) -> None:
        self.size += len(data)
        piece = self._deflate.compress(data)
        if piece:
            self._pieces.append(piece)

    @property
    def data(self) -> bytes:
        """All given, deflated (nothing can be given after)."""
        if self._deflate is not None:
            self._pieces = [b"".join(self._pieces) + self._deflate.flush()]
            self._deflate = None
        return self._pieces[0]

    def __iter__(self) -> Iterator[bytes]:
        """The rows inflated, a piece of at most PIECE bytes at a time: a piece of the deflated data
        inflates to nine times its size on bench's rows, and to all of a sheet of rows much alike
        (measured, tracemalloc: the save of an 18 MB sheet of such rows peaked at 36 MB, 7 MB so)."""
        data, inflate = self.data, zlib.decompressobj()
        for at in range(0, len(data), self.PIECE):
            yield inflate.decompress(data[at:at + self.PIECE], self.PIECE)
            while inflate.unconsumed_tail:
                yield inflate.decompress(inflate.unconsumed_tail, self.PIECE)
        yield inflate.flush()


class SheetXmlError(ValueError):
    """A sheet's XML not in the shape its rows are read in (no <sheetData>, a row not closed, no
    </worksheet>): the file is damaged."""


class _Reading:
    """A part's XML read forward a piece at a time: ``buf`` holds it from offset ``base`` on, and
    what lies before ``kept`` is let go as the next piece is read, given to ``sink`` first (when
    :meth:`give` is told so). Offsets are the part's."""

    def __init__(self, read: Callable[[int], bytes]):
        self._read = read
        self.buf, self.base, self.kept, self.size = b"", 0, 0, 0
        self.sink: Callable | None = None

    def more(self) -> bool:
        """The next piece read; as large as what is held, when it grows (a long head before
        <sheetData>: read in pieces of one size, each would copy all that is held)."""
        piece = self._read(max(PIECE, len(self.buf) - (self.kept - self.base)))
        if not piece:
            return False
        self.buf = self.buf[self.kept - self.base:] + piece
        self.base = self.kept
        self.size += len(piece)
        return True

    def give(self, to: int) -> None:
        """What lies between ``kept`` and ``to``, given to the sink and let go."""
        if to > self.kept:
            if self.sink is not None:
                self.sink(memoryview(self.buf)[self.kept - self.base:to - self.base])
            self.kept = to

    def find(self, sub: bytes, start: int, before: bytes | None = None, give: bool = False) -> int:
        """Where ``sub`` is from ``start`` on, read on as far as it takes (-1: the part ends first,
        or ``before`` comes first); ``give``: what lies before where it can be is given on."""
        reach = max(len(sub), len(before or b""))
        while True:
            s = start - self.base
            at = self.buf.find(sub, s)
            if before is not None and self.buf.find(before, s, at if at >= 0 else len(self.buf)) >= 0:
                return -1
            if at >= 0:
                return self.base + at
            start = max(start, self.base + len(self.buf) - reach + 1)
            if give:
                self.give(start)
            if not self.more():
                return -1

    def at(self, i: int) -> None:
        """Read on until offset ``i`` is held, giving on what lies before it."""
        while self.base + len(self.buf) <= i:
            self.give(self.base + len(self.buf))
            if not self.more():
                raise SheetXmlError("the part ends early")
        self.give(i)

    def rest(self, start: int) -> bytes:
        """The part from ``start`` to its end."""
        pieces = [self.buf[start - self.base:]]
        while piece := self._read(PIECE):
            self.size += len(piece)
            pieces.append(piece)
        self.buf, self.base = b"", self.base + len(self.buf)
        return b"".join(pieces)


def streamed_sheet_chunks(open_part: Callable[[], BinaryIO], size: int,
                          edits: dict[int, dict[int, tuple[object, str | None]]], styles: Styles,
                          strings: SharedStrings | None, rows: "bytearray | Deflated") -> list | None:
    """:func:`sheet_chunks` of the sheet ``open_part`` opens (``size`` bytes of XML), read a piece
    at a time, so the sheet's XML never stands whole in memory: its rows go into ``rows`` as they
    pass, the edited ones rewritten. Read twice when rows are edited: first to find each edited row
    by its number (where :func:`_patch_found_rows` would find it), before anything is written (a
    row written adds styles and shared strings), then to patch. None (nothing written) when an
    edited row is not found so: the sheet is to be read whole and walked row by row as
    :func:`sheet_chunks` does. Raises SheetXmlError where sheet_chunks could not cut the sheet."""
    order = sorted(edits)
    found = None
    if order:
        with open_part() as fh:
            found = _found_rows(_Reading(fh.read), order)
        if found is None:
            return None
    with open_part() as fh:
        reading = _Reading(fh.read)
        head, empty = _streamed_head(reading)
        if empty:
            if order:
                return None                     # no rows: each edited row is added by the full walk
            body, tail = b"", b"</sheetData>" + reading.rest(reading.kept)
        else:
            body = rows
            reading.sink = body.extend
            if order:
                _streamed_rows(reading, order, found, edits, styles, strings, body)
            stop = reading.find(b"</sheetData>", reading.kept, give=True)
            if stop < 0:
                raise SheetXmlError("no </sheetData>")
            reading.give(stop)
            reading.sink = None
            tail = reading.rest(stop)
        if reading.size != size:
            raise SheetXmlError("not the size the zip says")
    if b"</worksheet>" not in tail and b"</worksheet>" not in head:
        raise SheetXmlError("no </worksheet>")
    if not order:
        return [head, body, tail]
    last_col = max((c for cells in edits.values() for c in cells), default=1)
    return [_dimension(head, max(edits), last_col), body, tail]


def _streamed_head(reading: _Reading) -> tuple[bytes, bool]:
    """The sheet's XML up to its rows (with <sheetData/> made <sheetData>, as _sheet_data makes
    it), and whether it has none; ``reading`` left at the first row."""
    start = reading.find(b"<sheetData", 0)
    close = reading.find(b">", start) if start >= 0 else -1
    if close < 0:
        raise SheetXmlError("no <sheetData>")
    head = reading.buf[:close + 1 - reading.base]
    empty = head.endswith(b"/>")
    if empty:
        if not head.endswith(b"<sheetData/>"):
            raise SheetXmlError("<sheetData .../>")
        head = head[:-2] + b">"
    reading.kept = close + 1
    return bytes(head), empty


def _found_rows(reading: _Reading, order: list[int]) -> "array | None":
    """Where each edited row starts (``order``: their numbers, in order), each found as
    :func:`_patch_found_rows` finds it: ``<row r="N"`` after the one before, before
    ``</sheetData>``. None when one is not."""
    _streamed_head(reading)
    found, pos = array("q"), reading.kept
    for r in order:
        i = reading.find(b'<row r="%d"' % r, pos, b"</sheetData>", give=True)
        if i < 0:
            return None
        found.append(i)
        pos = i + 1
    return found


def _streamed_rows(reading: _Reading, order: list[int], found: "array", edits: dict, styles: Styles,
                   strings: SharedStrings | None, out: "bytearray | Deflated") -> None:
    """:func:`_patch_found_rows` on the rows as they are read: the stretches between the edited
    rows (found at ``found``) given on as they are, each edited row rewritten into ``out``."""
    for r, i in zip(order, found):
        reading.at(i)
        buf, base = reading.buf, reading.base
        close = buf.find(b">", i - base)
        if close < 0 or (buf[close - 1] != _SLASH and buf.find(b"</row>", close) < 0):
            close = reading.find(b">", i)                                 # the row straddles pieces
            if close < 0 or (reading.buf[close - 1 - reading.base] != _SLASH and reading.find(b"</row>", close) < 0):
                raise SheetXmlError(f"row {r} not closed")
            buf, base = reading.buf, reading.base
            close -= base
        if buf[close - 1] == _SLASH:
            head, cells, end = buf[i - base:close - 1], b"", close + 1
        else:
            end = buf.index(b"</row>", close) + 6
            head, cells = buf[i - base:close], buf[close + 1:end - 6]
        out.extend(_row(r, head, cells, edits[r], styles, strings))
        reading.kept = base + end


def _patch_all_rows(body: bytes, edits: dict, styles: Styles, strings: SharedStrings | None = None) -> bytes:
    """Walk every row, inserting the edited rows that do not exist yet in their place."""
    out, pos = [], 0
    pending = sorted(edits)
    i = 0
    for m in _ROW.finditer(body):
        r = int(m.group(1))
        while i < len(pending) and pending[i] < r:
            out.append(body[pos:m.start()])
            pos = m.start()
            out.append(_row(pending[i], b"", b"", edits[pending[i]], styles, strings))
            i += 1
        if i < len(pending) and pending[i] == r:
            out.append(body[pos:m.start()])
            head = re.match(rb"<row\b[^>]*?(?=/?>)", m.group(0)).group(0)
            out.append(_row(r, head, m.group(2) or b"", edits[r], styles, strings))
            pos = m.end()
            i += 1
    out.append(body[pos:])
    out += [_row(r, b"", b"", edits[r], styles, strings) for r in pending[i:]]
    return b"".join(out)


def _row(r: int, head: bytes, cells: bytes, edit: dict[int, tuple[object, str | None]], styles: Styles,
         strings: SharedStrings | None = None) -> bytes:
    """A row with the edited cells written; each keeps the style it had (the row's, for a new
    cell in a row styled as a whole), its number format made to show what is written in it."""
    row_style = _STYLE.search(head) if b'customFormat="1"' in head else None
    written = _in_place(r, cells, edit, row_style, styles, strings)
    if written is None:
        written = _whole(r, cells, edit, row_style, styles, strings)
    head = head or f'<row r="{r}"'.encode()
    return head + b">" + written + b"</row>"


def _whole(r: int, cells: bytes, edit: dict[int, tuple[object, str | None]], row_style, styles: Styles,
           strings: SharedStrings | None) -> bytes:
    """The row's cells parsed and written again in column order with the edited ones replaced:
    for any writer's cells (the reference :func:`_in_place` must equal on rows in order)."""
    current = {column_number(m.group(1).decode()): m.group(0) for m in _CELL.finditer(cells)}
    for c, (value, number_format) in edit.items():
        sm = _STYLE.search(current.get(c, b"")) or (row_style if c not in current else None)
        style = styles.for_value(int(sm.group(1)) if sm else 0, value, number_format)
        current[c] = cell_xml(f"{column_letter(c)}{r}", value, style, strings)
    return b"".join(current[c] for c in sorted(current))


_CELL_REF = re.compile(rb'<c r="([A-Z]+)(\d+)"')
_LETTERS = [""] + [column_letter(c) for c in range(1, 703)]          # A … ZZ
_COLUMN = {letter.encode(): c for c, letter in enumerate(_LETTERS) if c}


def _in_place(r: int, cells: bytes, edit: dict[int, tuple[object, str | None]], row_style, styles: Styles,
              strings: SharedStrings | None) -> bytes | None:
    """The row's cells with each edited one replaced where it stands, or put before the first
    cell right of it, in one pass along the row: each found by its reference from where the last
    one was, the stretches between kept as they are. A 状态 written into a row costs a few
    searches and a string, not a parse of the row (measured: that parse was 4.9 s of a
    100,000-line post's save, under cProfile), and a taxed row's five cells one pass, not five
    searches and splices of the whole row (2.8 s of a 40,000-line taxed post's, under cProfile).
    None when the row's cells do not all start ``<c r="`` with this row's number in column order
    (another writer's attribute order), left to the whole parse (:func:`_whole`)."""
    if cells.count(b"<c ") != cells.count(b'<c r="') or b"<c>" in cells:
        return None
    number = str(r)
    digits = number.encode()
    ref_end = digits + b'"'                   # what follows a cell's letters in its reference
    out, pos = [], 0
    attributes = styles.attributes
    for c in sorted(edit):                         # in order: each after the one before
        letters = _LETTERS[c] if c < len(_LETTERS) else column_letter(c)
        ref = (_REF_HEADS[c] if c < len(_REF_HEADS) else b'<c r="' + letters.encode()) + ref_end
        at = cells.find(ref, pos)
        if at >= 0:
            close = cells.index(b">", at)
            end = close + 1 if cells[close - 1] == _SLASH else cells.index(b"</c>", close) + 4
            sm = _STYLE.search(cells, at, close)
        else:                                      # a new cell: before the first one right of it
            if cells.find(ref, 0, pos) >= 0:
                return None                        # (it stands before the one edited last: out of order)
            at = end = len(cells)
            seen = 0
            for m in _CELL_REF.finditer(cells, pos):
                col = _COLUMN.get(m.group(1)) or column_number(m.group(1).decode())
                if m.group(2) != digits or col <= seen:
                    return None                    # another row's reference, or cells out of order
                if col > c:
                    at = end = m.start()
                    break
                seen = col
            sm = row_style
        value, number_format = edit[c]
        key = (sm and sm.group(1), value.__class__, number_format)
        s = attributes.get(key)
        if s is None:
            style = styles.for_value(int(sm.group(1)) if sm else 0, value, number_format)
            s = attributes[key] = f' s="{style}"' if style else ""
        out += [cells[pos:at], _cell(letters + number, value, s, strings)]
        pos = end
    out.append(cells[pos:])
    return b"".join(out)


# each column's reference up to its row number, as bytes (A … ZZ; a taxed row writes five cells a row)
_REF_HEADS = [b""] + [b'<c r="' + letter.encode() for letter in _LETTERS[1:]]
_SLASH = ord("/")


# -- error marks: one conditional format of ours -----------------------------------------------------
def _top_elements(xml: bytes) -> list[tuple[bytes, int, int]]:
    """(local name, start, end) of the top-level elements in a stretch of worksheet XML."""
    found, depth, start, name = [], 0, 0, b""
    for m in _TAG.finditer(xml):
        closing, tag, empty = m.group(1), m.group(2), m.group(3)
        if tag is None:                                    # a comment, instruction or CDATA
            continue
        if closing:
            depth -= 1
            if depth == 0:
                found.append((name, start, m.end()))
        elif depth == 0 and empty:
            found.append((tag.rpartition(b":")[2], m.start(), m.end()))
        else:
            if depth == 0:
                start, name = m.start(), tag.rpartition(b":")[2]
            depth += 0 if empty else 1
    return found


def _ours(block: bytes) -> bool:
    formulas = re.findall(rb"<formula>(.*?)</formula>", block, re.S)
    return any(unescape(f.decode("utf-8"), {"&quot;": '"', "&apos;": "'"}) == MARK_RULE for f in formulas)


def _tail(xml: bytes) -> int:
    """Where the sheet's XML after its rows starts."""
    end = xml.find(b"</sheetData>")
    return end + len(b"</sheetData>") if end >= 0 else xml.index(b"<sheetData/>") + len(b"<sheetData/>")


def marked(xml: bytes) -> set[tuple[int, int]]:
    """The cells our conditional format marks now."""
    tail = xml[_tail(xml):]
    cells = set()
    for name, start, end in _top_elements(tail):
        if name == b"conditionalFormatting" and _ours(tail[start:end]):
            sqref = re.search(rb'\bsqref="([^"]*)"', tail[start:end])
            cells |= mark_cells(sqref.group(1).decode()) if sqref else set()
    return cells


def with_marks(xml: bytes, cells: set[tuple[int, int]], styles: Styles) -> bytes:
    """The sheet with our conditional format over exactly ``cells`` (none: without it), first in
    priority, in its place in the worksheet's element order."""
    at = _tail(xml)
    tail = xml[at:]
    elements = _top_elements(tail)
    for name, start, end in reversed(elements):
        if name == b"conditionalFormatting" and _ours(tail[start:end]):
            tail = tail[:start] + tail[end:]
    if cells:
        rule = (f'<conditionalFormatting sqref="{" ".join(mark_ranges(cells))}"><cfRule type="expression" '
                f'dxfId="{styles.dxf(ERROR_FILL)}" priority="1"><formula>{escape(MARK_RULE)}</formula></cfRule>'
                f'</conditionalFormatting>').encode("utf-8")
        if re.search(rb'<(?:\w+:)?cfRule\b[^>]*?\bpriority="1"', tail):     # make first place ours
            tail = re.sub(rb'(<(?:\w+:)?cfRule\b[^>]*?\bpriority=")(\d+)"',
                          lambda m: m.group(1) + str(int(m.group(2)) + 1).encode() + b'"', tail)
        place = max((end for name, _, end in _top_elements(tail) if name in _BEFORE_MARKS), default=0)
        tail = tail[:place] + rule + tail[place:]
    return xml[:at] + tail


# -- generated sheets --------------------------------------------------------------------------------
_BLOCK = 256        # rows made into XML at a time: 台账's 100,000 rows are never all held as XML


def _data_rows(rows: list[list], letters: list[str], kinds: list[int], first: int = 3) -> Iterator[bytes]:
    """Rows ``first``… of a generated sheet, a block of rows at a time: the hot loop of a
    refresh, kept to plain string work with each column's fixed parts made once."""
    attrs = [f' s="{k}"' if k else "" for k in kinds]
    heads = [f'<c r="{letter}' for letter in letters]
    number = [f'"{a}><v>' for a in attrs]
    text = [f'"{a} t="inlineStr"><is><t xml:space="preserve">' for a in attrs]
    for start in range(0, len(rows), _BLOCK):
        out: list[str] = []
        append = out.append
        for r, row in enumerate(rows[start:start + _BLOCK], start=first + start):
            n = str(r)
            append(f'<row r="{n}">')
            for c, value in enumerate(row):
                if value is None:
                    continue
                kind = type(value)
                if kind is Exact or kind is int:
                    append(f"{heads[c]}{n}{number[c]}{value}</v></c>")
                elif kind is str:
                    append(f"{heads[c]}{n}{text[c]}{escape(value)}</t></is></c>")
                elif kind is Decimal:
                    append(f"{heads[c]}{n}{number[c]}{value:f}</v></c>")
                elif kind is dt.date:
                    append(f"{heads[c]}{n}{number[c]}{(value - EXCEL_EPOCH).days}</v></c>")
                else:
                    append(cell_xml(f"{letters[c]}{n}", value, kinds[c]).decode("utf-8"))
            append("</row>")
        yield "".join(out).encode("utf-8")


def _root_with_rels(old: bytes | None) -> tuple[bytes, str]:
    """The worksheet's start (the old sheet's, whose kept rows may use its prefixes, else ours)
    and the prefix it binds to the relationships namespace, added when it binds none."""
    if old is None:
        return WORKSHEET_ROOT, "r"
    root = re.match(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>)?\s*<worksheet\b[^>]*>", old).group(0)
    bound = re.search(rb'xmlns:([\w.-]+)=["\']' + re.escape(DOC_REL.encode()) + rb'["\']', root)
    if bound:
        return root, bound.group(1).decode()
    prefix = "jxcr" if b"xmlns:r=" in root else "r"
    return root[:-1] + f' xmlns:{prefix}="{DOC_REL}">'.encode(), prefix


def page_setup_xml(company: str, landscape: bool, fit_width: bool = True, title: str = SHEET_NAME) -> str:
    """How a sheet prints: A4, one page wide, the company and ``title`` (the sheet's name) in the
    page header, 第 n 页，共 N 页 in the footer (the elements after pageMargins, in schema order)."""
    fit = ' fitToWidth="1" fitToHeight="0"' if fit_width else ""
    return (f'<pageSetup paperSize="9" orientation="{"landscape" if landscape else "portrait"}"{fit}/>'
            f"<headerFooter><oddHeader>{escape(page_header(company, title))}</oddHeader>"
            f"<oddFooter>{escape(PAGE_FOOTER)}</oddFooter></headerFooter>")


def generated_sheet(old: Callable[[], bytes] | None, spec: SheetSpec, note: str, rows: list[list],
                    styles: Styles, table_rid: str, kept: int = 0, company: str = "",
                    old_head: bytes = b"",
                    source: Callable[[str | None], str | None] | None = None) -> Callable[[], Iterator[bytes]]:
    """A generated sheet's XML, made as it is written (see package.Chunks): note in A1, header
    in row 2, data below, frozen and protected, its Table, set up to print; the first ``kept``
    data rows of the old sheet (``old`` reads it, ``old_head`` is its XML before <sheetData>)
    are taken over as they are. Styles are settled now, before styles.xml is written.
    ``source``, asked once the rows are written, names what they were made from: the sheet then
    ends with a record of it and a digest of its XML (see :func:`written_from`), when ``rows``
    read back as written (as :func:`holds_as_written` asks). With ``kept`` rows, ``source`` is
    told what the old sheet's record says its rows were made from, where its XML still holds it
    (None where not): the kept rows are only as good as that record, and ``source`` judges it."""
    note_style, head_style, kinds = _looks(spec, styles)
    top = [b'<row r="1">', cell_xml("A1", note, note_style), b"</row>", _header_row(spec, head_style)]
    letters = [column_letter(c) for c in range(1, len(spec.columns) + 1)]
    widths = generated_widths(spec, rows)
    if kept:                                   # the kept rows were measured when they were written
        widths = [max(w, _old_width(old_head, c)) for c, w in enumerate(widths, 1)]
    cols = "".join(f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>' for c, w in enumerate(widths, 1))
    root, prefix = _root_with_rels(old_head if kept else None)
    last = f"{letters[-1]}{max(2, kept + len(rows) + 2)}"
    start = (root + f'<sheetPr><tabColor rgb="{GENERATED_FILL}"/><pageSetUpPr fitToPage="1"/></sheetPr><dimension '
             f'ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0"><pane ySplit="2" topLeftCell="A3" '
             'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
             f'<cols>{cols}</cols><sheetData>'.encode() + b"".join(top))
    end = b"".join([
        b'</sheetData><sheetProtection sheet="1" autoFilter="0" sort="0"/>'
        b'<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>',
        page_setup_xml(company, len(spec.columns) > 7).encode("utf-8"),
        f'<tableParts count="1"><tablePart {prefix}:id="{table_rid}"/></tableParts>'.encode()])
    made = [_data_rows(rows, letters, kinds, kept + 3)]         # a generator: nothing made yet
    looks = " ".join(map(str, (note_style, head_style, *kinds)))

    def chunks() -> Iterator[bytes]:
        digest = hashlib.sha256() if source else None
        kept_from = None
        yield _hashed(digest, start)
        if kept:
            xml = old()
            kept_from = _recorded(xml, looks) if digest is not None else None
            digest = digest if kept_from else None      # kept rows with no record that holds: none to hash for
            first, cut = _row_at(xml, 3), _row_at(xml, kept + 3)
            yield _hashed(digest, memoryview(xml)[first:cut if cut >= 0 else xml.index(b"</sheetData>")])
            del xml
        for block in made.pop() if made else _data_rows(rows, letters, kinds, kept + 3):
            yield _hashed(digest, block)
        yield _hashed(digest, end)
        made_from = source(kept_from) if digest is not None and _written_as_read(spec, note, rows) else None
        yield _record(digest, looks, made_from) if made_from else b""
        yield b"</worksheet>"
    return chunks


def _hashed(digest: "hashlib._Hash | None", chunk: bytes) -> bytes:
    if digest is not None:
        digest.update(chunk)
    return chunk


def _looks(spec: SheetSpec, styles: Styles) -> tuple[int, int, list[int]]:
    """The styles of a generated sheet's note, its header and each column's data (settled in
    this order, as styles.xml gets those it lacks)."""
    head = styles.style(bold=True, fill=GENERATED_FILL)
    note = styles.style(italic_grey=True)
    kinds = [styles.style(FORMATS.get(c.kind), fill=WARN_FILL if c.kind == "alert" else None)
             if c.kind in FORMATS or c.kind == "alert" else 0 for c in spec.columns]
    return note, head, kinds


def _header_row(spec: SheetSpec, style: int) -> bytes:
    return b"".join([b'<row r="2">', *(cell_xml(f"{column_letter(c)}2", col.zh, style)
                                       for c, col in enumerate(spec.columns, 1)), b"</row>"])


def _old_width(xml: bytes, col: int) -> float:
    """The width the old sheet gave column ``col`` (0: none), whoever wrote its <col> elements."""
    end = xml.find(b"<sheetData")
    cols = xml if end < 0 else xml[:end]
    for element in re.findall(rb"<col\b[^>]*>", cols):
        found = dict(re.findall(rb'(\w+)="([^"]*)"', element))
        if int(found.get(b"min", 0)) <= col <= int(found.get(b"max", 0)) and b"width" in found:
            return float(found[b"width"])
    return 0.0


def _row_at(xml: bytes, row: int) -> int:
    found = re.search(rb'<row r="%d"[\s>/]' % row, xml)
    return found.start() if found else -1


# -- a generated sheet as it was written ---------------------------------------------------------------
_FIRST_SERIAL_DAY = dt.date(1900, 3, 1)     # a serial before it falls on Excel's 1900-02-29: read back a day off
# a text that may not read back as written (a control character, a carriage return, an _x0041_ escape)
TEXT_UNSURE = re.compile(r"[\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_PLAIN_CHARACTERS = str.maketrans("", "", "0123456789.-\n")
_TWO_POINTS = re.compile(r"\.[0-9]*\.")
_MARK = "\ue000"                            # a stand-in for the note's text


def holds_as_written(part: BinaryIO, spec: SheetSpec, rows: list[list], styles: Styles) -> bool:
    """Whether a generated sheet's XML (``part``, read a piece at a time) holds, byte for byte, a
    note in A1, the spec's header and then exactly the data rows :func:`generated_sheet` writes
    for ``rows``, each cell reading back as its value (:func:`_reads_back`): then reading the
    sheet gives the header and ``rows`` as they are, and it need not be read. False says
    nothing: the sheet is to be read and compared (another writer's XML, a cell edited, a style
    the workbook lacks). Measured on the 100,000-line bench book (CPU time, same run): 台账's
    rows made as XML and compared, each value checked, 0.9 s, against 1.6 s to read the sheet
    (calamine) and 0.5 s to compare the rows read. (A digest kept when the sheet was written
    would save little: every row must still be made from the ledger and turned into something to
    hash, and a 台账 written in part keeps rows whose values the writer never sees.)"""
    xfs = styles.count()
    note_style, head_style, kinds = _looks(spec, styles)
    if styles.count() != xfs or not _reads_back(spec, rows):   # a style just added is in no cell of the file
        return False
    head = part.read(1 << 16)                                  # jxc's XML before the rows is a few KB
    start = head.find(b"<sheetData>")
    if start < 0:
        return False
    before, after = cell_xml("A1", _MARK, note_style).split(_MARK.encode())
    note = re.compile(re.escape(b'<row r="1">' + before) + b"([^<&]*(?:&(?:amp|lt|gt);[^<&]*)*)" +
                      re.escape(after + b"</row>")).match(head, start + len(b"<sheetData>"))
    text = note and unescape(note.group(1).decode("utf-8", "replace"))     # (escaped as jxc escapes)
    if not text or TEXT_UNSURE.search(text) or not read_as_generated(spec, text, rows):
        return False
    letters = [column_letter(c) for c in range(1, len(spec.columns) + 1)]
    held, at = head, note.end()             # compared from ``at`` on: cut only when more is read
    for piece in (_header_row(spec, head_style), *_data_rows(rows, letters, kinds), b"</sheetData>"):
        if len(held) - at < len(piece):
            held, at = held[at:] + part.read(len(piece) - (len(held) - at) + (1 << 16)), 0
        if not held.startswith(piece, at):
            return False
        at += len(piece)
    return True


def _written_as_read(spec: SheetSpec, note: str, rows: list[list]) -> bool:
    """Whether reading the sheet :func:`generated_sheet` writes gives ``note``, the spec's header
    and ``rows`` as they are (the conditions :func:`holds_as_written` holds a sheet to)."""
    return not TEXT_UNSURE.search(note) and read_as_generated(spec, note, rows) and _reads_back(spec, rows)


# The record a generated sheet ends with (an extension Excel and LibreOffice leave aside, and drop
# when they save the sheet again): what its rows were made from (``from``, the caller's digest of
# it), the styles its cells were written in (``looks``) and a SHA-256 of the sheet's XML before it
# and of both. Measured on the 100,000-line bench book (CPU): 台账's 54 MB of XML hashed in 0.2 s,
# against 0.9 s to make its rows from the ledger and 0.9 s to compare them with the XML.
_WRITTEN = (b'<extLst><ext uri="urn:jxc-xl:written" xmlns:jxc="urn:jxc-xl"><jxc:written looks="%s" from="%s" '
            b'digest="%s"/></ext></extLst>')
_RECORD = re.compile(rb'<extLst><ext uri="urn:jxc-xl:written" xmlns:jxc="urn:jxc-xl"><jxc:written looks="([0-9 ]+)" '
                     rb'from="([0-9a-f]{64})" digest="([0-9a-f]{64})"/></ext></extLst></worksheet>\Z')
_TAIL = 4096                        # the record and the end of the sheet fit in it


def _record(digest: "hashlib._Hash", looks: str, made_from: str) -> bytes:
    if not re.fullmatch("[0-9a-f]{64}", made_from):
        return b""
    digest.update(f"{looks}|{made_from}".encode())
    return _WRITTEN % (looks.encode(), made_from.encode(), digest.hexdigest().encode())


def written_from(part: BinaryIO, spec: SheetSpec, styles: Styles) -> str | None:
    """What a generated sheet's rows were made from, as its record says (see generated_sheet),
    when its XML is still, byte for byte, what was written then (its digest) and its styles still
    the ones the spec's cells are written in: then reading the sheet gives the rows that source
    gives. None says nothing: no record (another writer, a sheet written in part by another), an edit."""
    xfs = styles.count()
    note_style, head_style, kinds = _looks(spec, styles)
    if styles.count() != xfs:                               # a style just added is in no cell of the file
        return None
    digest, tail = hashlib.sha256(), b""
    while chunk := part.read(1 << 20):
        held = tail + chunk
        digest.update(memoryview(held)[:max(len(held) - _TAIL, 0)])
        tail = held[-_TAIL:]
    return _holds(digest, tail, " ".join(map(str, (note_style, head_style, *kinds))))


def _recorded(xml: bytes, looks: str) -> str | None:
    """:func:`written_from` of a sheet's XML already read whole (the old sheet whose rows a post
    keeps), its cells in the styles ``looks`` says. SHA-256 of 台账's 54 MB: 0.04 s."""
    at = max(len(xml) - _TAIL, 0)
    return _holds(hashlib.sha256(memoryview(xml)[:at]), xml[at:], looks)


def _holds(digest: "hashlib._Hash", tail: bytes, looks: str) -> str | None:
    """The record's ``from``, where the sheet ends with one in the styles ``looks`` and its
    digest is that of the XML before it (``digest``, given all but ``tail``) with the record's."""
    found = _RECORD.search(tail)
    if not found or found.group(1).decode() != looks:
        return None
    digest.update(memoryview(tail)[:found.start()])
    digest.update(found.group(1) + b"|" + found.group(2))
    return found.group(2).decode() if digest.hexdigest().encode() == found.group(3) else None


def _reads_back(spec: SheetSpec, rows: list[list]) -> bool:
    """Whether each cell :func:`generated_sheet` writes for ``rows`` reads back (calamine) as the
    value written, so that 核对's comparison finds the two equal: text as that very text (none
    with a carriage return, which XML reads as a line feed, an ``_x000D_`` escape readers decode,
    or a character XML forbids), a figure as the float that is it (finite, or a plain decimal of
    at most 15 significant digits: a float holds 15), a date in a date column as that date.
    Looked at column by column, a check per kind of value (台账's 100,000 rows in 0.25 s CPU)."""
    width = len(spec.columns)
    lengths = set(map(len, rows))
    if lengths and max(lengths) > width:
        return False
    if lengths - {width}:                      # a row shorter than the sheet is wide: empty cells after it
        rows = [[*row, *[None] * (width - len(row))] for row in rows]
    for n, column in enumerate(spec.columns):
        values = list(map(itemgetter(n), rows))
        kinds = set(map(type, values))
        dated = is_date_format(FORMATS.get(column.kind))
        if not kinds <= ({type(None), str, dt.date} if dated else {type(None), str, Exact, Decimal, int, float}):
            return False
        if dt.date in kinds and min(_of(dt.date, values, kinds)) < _FIRST_SERIAL_DAY:
            return False
        if str in kinds and any(map(TEXT_UNSURE.search, _of(str, values, kinds, set))):
            return False
        if float in kinds and not all(map(math.isfinite, _of(float, values, kinds))):
            return False
        figures = _of(Exact, values, kinds)                               # each as written (see _data_rows)
        if Decimal in kinds or int in kinds:
            figures = [*figures, *map("{:f}".format, _of(Decimal, values, kinds)), *map(str, _of(int, values, kinds))]
        if figures and not _plain_figures(figures):
            return False
    return True


def _of(kind: type, values: list, kinds: set, made: type = list) -> list | set:
    """The values of type ``kind`` (``kinds``: the types there are)."""
    if kind not in kinds:
        return made()
    return made(values) if len(kinds) == 1 else made(v for v in values if type(v) is kind)


def _plain_figures(texts: list[str]) -> bool:
    """Whether each figure's text reads back as that figure: a plain decimal (``-?digits(.digits)?``:
    calamine and Python parse it alike) of at most 15 significant digits."""
    every = "\n" + "\n".join(texts) + "\n"             # looked at all at once: a pass over the text each
    if every.translate(_PLAIN_CHARACTERS) or every.count("-") != every.count("\n-") or _TWO_POINTS.search(every) \
            or any(odd in every for odd in ("\n\n", "\n-\n", "\n.", "-.", ".\n")):
        return False
    return max(map(len, texts)) <= 15 or all(len(t) <= 15 or len(t.replace("-", "").replace(".", "").strip("0")) <= 15
                                            for t in texts)
