"""A fast writer: edit the .xlsx parts that change and copy every other part untouched.

openpyxl rebuilds the whole workbook on save (about 20 s for a 100,000-row sheet here). A post
changes only the 状态 column (and 盘点's two system columns, and some highlights) of the input
sheets, and the generated sheets. :class:`PatchBook` collects those edits and, on save, rewrites
the rows it must in the input sheets' XML, writes the generated sheets' XML anew (keeping their
Table part, with its range updated) and adds the few cell styles it needs to styles.xml. When
the workbook does not have that shape (a generated sheet missing, say) it falls back to the
openpyxl writer, which handles everything.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from .contract import GENERATED, SheetSpec
from .format import ERROR_FILL, FORMATS, GENERATED_FILL, Exact
from .book import find_sheet
from .xlsx import FileBook, _sheet_part, generated_table_ref, save_atomically

_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?(?:/>|>(.*?)</row>)', re.S)
_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', re.S)
_STYLE = re.compile(rb'\bs="(\d+)"')
_EPOCH = dt.date(1899, 12, 30)


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


class Styles:
    """styles.xml with just enough understanding to add fills, fonts, formats and cell styles."""

    def __init__(self, xml: bytes):
        self.xml = xml.decode("utf-8")
        self.changed = False

    def _section(self, tag: str) -> tuple[int, int, list[str]]:
        m = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", self.xml, re.S)
        if m is None:
            return -1, -1, []
        inner = m.group(1)
        child = {"fills": "fill", "fonts": "font", "cellXfs": "xf", "numFmts": "numFmt"}[tag]
        items = re.findall(rf"<{child}\b[^>]*?/>|<{child}\b[^>]*?>.*?</{child}>", inner, re.S)
        return m.start(), m.end(), items

    def _add(self, tag: str, item: str) -> int:
        start, end, items = self._section(tag)
        if item in items:
            return items.index(item)
        if start < 0:
            anchor = self.xml.index("<fonts") if tag == "numFmts" else None
            self.xml = self.xml[:anchor] + f'<{tag} count="1">{item}</{tag}>' + self.xml[anchor:]
            self.changed = True
            return 0
        items.append(item)
        self.xml = self.xml[:start] + f'<{tag} count="{len(items)}">' + "".join(items) + f"</{tag}>" + self.xml[end:]
        self.changed = True
        return len(items) - 1

    def xf(self, index: int) -> str:
        return self._section("cellXfs")[2][index]

    def fill_of(self, index: int) -> str:
        xf = self.xf(index)
        fill_id = int(re.search(r'fillId="(\d+)"', xf).group(1)) if 'fillId="' in xf else 0
        fills = self._section("fills")[2]
        return fills[fill_id] if fill_id < len(fills) else ""

    def with_fill(self, index: int, rgb: str | None) -> int:
        """The cell style ``index`` with the solid fill ``rgb`` (or no fill)."""
        fill_id = 0 if rgb is None else self._add(
            "fills", f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/></patternFill></fill>')
        xf = re.sub(r'\s(fillId|applyFill)="\d+"', "", self.xf(index))
        xf = xf.replace("<xf ", f'<xf fillId="{fill_id}" applyFill="1" ', 1)
        return self._add("cellXfs", xf)

    def style(self, number_format: str | None = None, bold: bool = False, italic_grey: bool = False,
              fill: str | None = None) -> int:
        num = 0
        if number_format:
            _, _, formats = self._section("numFmts")
            for f in formats:
                if f'formatCode="{escape(number_format)}"' in f:
                    num = int(re.search(r'numFmtId="(\d+)"', f).group(1))
            if not num:
                used = [int(x) for x in re.findall(r'numFmtId="(\d+)"', "".join(formats))]
                num = max([163, *used]) + 1
                self._add("numFmts", f'<numFmt numFmtId="{num}" formatCode="{escape(number_format, {chr(34): "&quot;"})}"/>')
        font = 0
        if bold:
            font = self._add("fonts", '<font><b val="1"/></font>')
        elif italic_grey:
            font = self._add("fonts", '<font><i val="1"/><color rgb="FF7F7F7F"/></font>')
        fill_id = 0 if fill is None else self._add(
            "fills", f'<fill><patternFill patternType="solid"><fgColor rgb="{fill}"/></patternFill></fill>')
        return self._add("cellXfs", f'<xf numFmtId="{num}" fontId="{font}" fillId="{fill_id}" borderId="0" '
                                    f'applyNumberFormat="1" applyFont="1" applyFill="1" xfId="0"/>')


def _same(old: object, new: object) -> bool:
    if old in (None, "") and new in (None, ""):
        return True
    if isinstance(old, float) and isinstance(new, (int, Decimal)) and not isinstance(new, bool):
        return Decimal(repr(old)) == new
    return type(old) is type(new) and old == new


def _cell(ref: str, value: object, style: int | None) -> bytes:
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>'.encode() if style else b""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'.encode()
    if isinstance(value, Decimal):
        return f'<c r="{ref}"{s}><v>{format(value, "f")}</v></c>'.encode()
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'.encode()
    if isinstance(value, dt.datetime):
        serial = (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400
        return f'<c r="{ref}"{s}><v>{serial!r}</v></c>'.encode()
    if isinstance(value, dt.date):
        return f'<c r="{ref}"{s}><v>{(value - _EPOCH).days}</v></c>'.encode()
    text = escape(str(value))
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'.encode()


class PatchBook(FileBook):
    """A FileBook whose save edits the file's XML in place of an openpyxl load and save."""

    def __init__(self, path: str | Path):
        super().__init__(path)
        self._ops: list[tuple[str, tuple]] = []

    def write_column(self, sheet: str, col: int, first_row: int, values: list) -> None:
        """Only the cells whose value changes are recorded, so unchanged rows stay untouched."""
        current = self.values(sheet)
        for offset, value in enumerate(values):
            r = first_row + offset
            old = current[r - 1][col - 1] if r <= len(current) and col <= len(current[r - 1]) else None
            if not _same(old, value):
                self._ops.append(("write_column", (sheet, col, r, [value])))

    def mark(self, sheet: str, cells: list[tuple[int, int]], rows: list[int], width: int) -> None:
        self._ops.append(("mark", (sheet, cells, rows, width)))

    def generated_mark(self, spec: SheetSpec) -> tuple[str, int] | None:
        """The mark kept in a hidden defined name, and the data rows its sheet holds (from the
        sheet's dimension) — when every generated sheet is of the shape this writer patches."""
        with zipfile.ZipFile(self.path) as z:
            parts = {s: _sheet_part(z, name) if (name := find_sheet(self, s)) else None for s in GENERATED}
            if any(part is None or _table_part(z, part) is None for part in parts.values()):
                return None
            found = re.search(rf'<definedName [^>]*name="{_mark_name(spec)}"[^>]*>(?:&quot;|")([^&"<]*)(?:&quot;|")<',
                              z.read("xl/workbook.xml").decode("utf-8"))
            with z.open(parts[spec]) as f:
                head = f.read(4096)
        size = re.search(rb'<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"', head)
        if found is None or size is None:
            return None
        return found.group(1), max(int(size.group(1) or 1) - 2, 0)

    def replace_sheet(self, spec: SheetSpec, note: str, rows: list[list], kept: int = 0,
                      mark: str | None = None) -> None:
        self._ops.append(("replace_sheet", (spec, note, rows, kept, mark)))

    def save(self) -> None:
        if not self._ops:
            return
        if not self._patch():
            for name, args in self._ops:             # not our shape: let openpyxl do it all
                getattr(FileBook, name)(self, *args)
            FileBook.save(self)
        self._ops = []

    # -- the fast path ----------------------------------------------------------------------
    def _patch(self) -> bool:
        with zipfile.ZipFile(self.path) as z:
            new_parts = self._new_parts(z)
            if new_parts is None:
                return False
            save_atomically(self.path, lambda tmp: _rezip(z, tmp, new_parts))
        return True

    def _new_parts(self, z: zipfile.ZipFile) -> dict[str, bytes] | None:
        """The parts the recorded edits change, or None when the workbook is not of our shape."""
        parts: dict[str, str | None] = {}

        def part_of(sheet: str) -> str | None:
            if sheet not in parts:
                parts[sheet] = _sheet_part(z, sheet)
            return parts[sheet]

        generated = {}
        for name, args in self._ops:
            if name == "replace_sheet":
                sheet = find_sheet(self, args[0])
                part = part_of(sheet) if sheet else None
                table = _table_part(z, part) if part else None
                if table is None:
                    return None
                generated[part] = (args, table)
        edits: dict[str, dict[int, dict]] = {}
        for name, args in self._ops:
            if name == "write_column":
                sheet, col, first, values = args
                rows = edits.setdefault(part_of(sheet), {})
                for i, value in enumerate(values):
                    rows.setdefault(first + i, {})[col] = ("value", value)
            elif name == "mark" and args[2]:
                sheet, cells, marked_rows, width = args
                rows = edits.setdefault(part_of(sheet), {})
                wanted: dict[int, set[int]] = {}
                for r, c in cells:
                    wanted.setdefault(r, set()).add(c)
                for r in marked_rows:
                    rows.setdefault(r, {})["_mark"] = (wanted.get(r, set()), width)
        styles = Styles(z.read("xl/styles.xml"))
        new_parts = {part: _patch_sheet(z.read(part), row_edits, styles) for part, row_edits in edits.items()}
        workbook = z.read("xl/workbook.xml")
        for part, ((spec, note, rows, kept, mark), (table_part, table_xml)) in generated.items():
            new_parts[part] = _generated_sheet(z.read(part), spec, note, rows, styles, kept)
            ref = generated_table_ref(spec, kept + len(rows))
            new_parts[table_part] = re.sub(rb'\bref="[^"]*"', f'ref="{ref}"'.encode(), table_xml)
            if mark is not None:
                workbook = new_parts["xl/workbook.xml"] = _with_mark(workbook, spec, mark)
        if styles.changed:
            new_parts["xl/styles.xml"] = styles.xml.encode("utf-8")
        return new_parts


def _rezip(z: zipfile.ZipFile, target: str, new_parts: dict[str, bytes]) -> None:
    """Every part of ``z`` into ``target``, the changed ones replaced."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in z.infolist():
            data = new_parts.get(info.filename)
            if data is None:
                out.writestr(info, z.read(info.filename), compress_type=info.compress_type)
            else:
                out.writestr(info.filename, data)


def _table_part(z: zipfile.ZipFile, part: str) -> tuple[str, bytes] | None:
    rels_name = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    if rels_name not in z.namelist():
        return None
    rels = z.read(rels_name).decode("utf-8")
    m = re.search(r'Target="([^"]*tables/[^"]*)"', rels)
    if m is None:
        return None
    target = os.path.normpath(os.path.join(os.path.dirname(part), m.group(1))).replace(os.sep, "/")
    target = target.lstrip("/")
    return (target, z.read(target)) if target in z.namelist() else None


def _patch_sheet(xml: bytes, edits: dict[int, dict[int, tuple]], styles: Styles) -> bytes:
    """Rewrite the rows named in ``edits``; every other byte of the sheet stays as it was."""
    start = xml.find(b"<sheetData")
    if xml.find(b"<sheetData/>") == start:
        xml = xml.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
    body_start = xml.index(b">", start) + 1
    body_end = xml.index(b"</sheetData>", body_start)
    body = xml[body_start:body_end]
    cache: dict[tuple[int, bool], int] = {}
    new = _patch_found_rows(body, edits, styles, cache)
    if new is None:
        new = _patch_all_rows(body, edits, styles, cache)
    return xml[:body_start] + new + xml[body_end:]


def _patch_found_rows(body: bytes, edits: dict, styles: Styles, cache: dict) -> bytes | None:
    """The quick way, when every edited row exists and starts ``<row r="N"``: jump to each."""
    out, pos = [], 0
    for r in sorted(edits):
        i = body.find(b'<row r="%d"' % r, pos)
        if i < 0:
            return None
        close = body.index(b">", i)
        if body[close - 1:close] == b"/":
            head, cells, end = body[i:close - 1], b"", close + 1
        else:
            end = body.index(b"</row>", close) + 6
            head, cells = body[i:close], body[close + 1:end - 6]
        out += [body[pos:i], _row(r, head, cells, edits[r], styles, cache)]
        pos = end
    out.append(body[pos:])
    return b"".join(out)


def _patch_all_rows(body: bytes, edits: dict, styles: Styles, cache: dict) -> bytes:
    """Walk every row, inserting the edited rows that do not exist yet in their place."""
    out, pos = [], 0
    pending = sorted(edits)
    i = 0
    for m in _ROW.finditer(body):
        r = int(m.group(1))
        while i < len(pending) and pending[i] < r:
            out.append(body[pos:m.start()])
            pos = m.start()
            out.append(_row(pending[i], b"", b"", edits[pending[i]], styles, cache))
            i += 1
        if i < len(pending) and pending[i] == r:
            out.append(body[pos:m.start()])
            head = re.match(rb"<row\b[^>]*?(?=/?>)", m.group(0)).group(0)
            out.append(_row(r, head, m.group(2) or b"", edits[r], styles, cache))
            pos = m.end()
            i += 1
    out.append(body[pos:])
    out += [_row(r, b"", b"", edits[r], styles, cache) for r in pending[i:]]
    return b"".join(out)


def _row(r: int, head: bytes, cells: bytes, edit: dict, styles: Styles, cache: dict) -> bytes:
    current = {_col(m.group(1)): m.group(0) for m in _CELL.finditer(cells)}
    marked, width = edit.get("_mark", (None, 0))
    for c in set(current) | {c for c in edit if c != "_mark"} | (marked or set()):
        old = current.get(c, b"")
        sm = _STYLE.search(old)
        style = int(sm.group(1)) if sm else 0
        if marked is not None and c <= width:
            style = _fill_style(styles, style, c in marked, cache)
        if c in edit:
            new = _cell(f"{get_column_letter(c)}{r}", edit[c][1], style)
        elif style != (int(sm.group(1)) if sm else 0):
            new = (_STYLE.sub(f's="{style}"'.encode(), old, 1) if sm else
                   old.replace(b"<c ", f'<c s="{style}" '.encode(), 1)) if old else \
                _cell(f"{get_column_letter(c)}{r}", None, style)
        else:
            continue
        current[c] = new
    head = head or f'<row r="{r}"'.encode()
    return head + b">" + b"".join(current[c] for c in sorted(current)) + b"</row>"


def _fill_style(styles: Styles, style: int, error: bool, cache: dict) -> int:
    key = (style, error)
    if key not in cache:
        ours = ERROR_FILL in styles.fill_of(style)
        if error and not ours:
            cache[key] = styles.with_fill(style, ERROR_FILL)
        elif not error and ours:
            cache[key] = styles.with_fill(style, None)
        else:
            cache[key] = style
    return cache[key]


def _data_rows(rows: list[list], letters: list[str], kinds: list[int], first: int = 3) -> str:
    """Rows ``first``… of a generated sheet: the hot loop of a refresh, kept to plain string
    work with each column's fixed parts made once."""
    attrs = [f' s="{k}"' if k else "" for k in kinds]
    heads = [f'<c r="{letter}' for letter in letters]
    number = [f'"{a}><v>' for a in attrs]
    text = [f'"{a} t="inlineStr"><is><t xml:space="preserve">' for a in attrs]
    out: list[str] = []
    append = out.append
    for r, row in enumerate(rows, start=first):
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
                append(f"{heads[c]}{n}{number[c]}{(value - _EPOCH).days}</v></c>")
            else:
                append(_cell(f"{letters[c]}{n}", value, kinds[c]).decode("utf-8"))
        append("</row>")
    return "".join(out)


def _generated_sheet(old: bytes, spec: SheetSpec, note: str, rows: list[list], styles: Styles,
                     kept: int = 0) -> bytes:
    """A generated sheet's XML: note in A1, header in row 2, data below, frozen and protected;
    the old sheet's first ``kept`` data rows are taken over as they are."""
    head_style = styles.style(bold=True, fill=GENERATED_FILL)
    note_style = styles.style(italic_grey=True)
    kinds = [styles.style(FORMATS[c.kind]) if FORMATS.get(c.kind, "General") != "General" else 0
             for c in spec.columns]
    parts = [b'<row r="1">', _cell("A1", note, note_style), b'</row><row r="2">']
    parts += [_cell(f"{get_column_letter(c)}2", col.zh, head_style) for c, col in enumerate(spec.columns, 1)]
    parts.append(b"</row>")
    letters = [get_column_letter(c) for c in range(1, len(spec.columns) + 1)]
    if kept:
        start, cut = _row_at(old, 3), _row_at(old, kept + 3)
        parts.append(old[start:cut if cut >= 0 else old.index(b"</sheetData>")])
    parts.append(_data_rows(rows, letters, kinds, kept + 3).encode("utf-8"))
    cols = "".join(f'<col min="{c}" max="{c}" width="{col.width}" customWidth="1"/>'
                   for c, col in enumerate(spec.columns, 1))
    root = re.match(rb"(<\?xml[^>]*>)?\s*<worksheet\b[^>]*>", old).group(0)
    table = re.search(rb"<tableParts\b.*?</tableParts>", old, re.S).group(0)
    last = f"{letters[-1]}{max(2, kept + len(rows) + 2)}"
    return b"".join([
        root, f'<sheetPr><tabColor rgb="{GENERATED_FILL}"/></sheetPr><dimension ref="A1:{last}"/>'
              '<sheetViews><sheetView workbookViewId="0"><pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" '
              f'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
              '<sheetData>'.encode(), *parts,
        b'</sheetData><sheetProtection sheet="1" autoFilter="0" sort="0"/>'
        b'<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>', table,
        b"</worksheet>"])


def _row_at(xml: bytes, row: int) -> int:
    found = re.search(rb'<row r="%d"[\s>/]' % row, xml)
    return found.start() if found else -1


def _mark_name(spec: SheetSpec) -> str:
    return f"_jxc_{spec.en}"


def _with_mark(workbook: bytes, spec: SheetSpec, mark: str) -> bytes:
    """workbook.xml with the hidden defined name that says which ledger state a generated sheet shows."""
    name = _mark_name(spec)
    text = re.sub(rf'<definedName [^>]*name="{name}"[^>]*>[^<]*</definedName>', "", workbook.decode("utf-8"))
    element = f'<definedName name="{name}" hidden="1">&quot;{escape(mark)}&quot;</definedName>'
    if "<definedNames>" in text:
        text = text.replace("<definedNames>", "<definedNames>" + element, 1)
    elif "<definedNames/>" in text:
        text = text.replace("<definedNames/>", f"<definedNames>{element}</definedNames>", 1)
    else:
        text = text.replace("</sheets>", f"</sheets><definedNames>{element}</definedNames>", 1)
    return text.encode("utf-8")
