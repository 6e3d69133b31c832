"""A fast writer: edit the .xlsx parts that change and copy every other part untouched.

openpyxl rebuilds the whole workbook on save (about 20 s for a 100,000-row sheet here) and
drops what it does not understand (pictures, charts…). A post changes only the 状态 column (and
盘点's two system columns) and the error marks of the input sheets, and the generated sheets.
:class:`PatchBook` collects those edits and, on save, rewrites the rows it must in the input
sheets' XML, replaces our conditional format that marks the cells at fault, writes the generated
sheets' XML and their Table parts anew, and adds the few styles it needs to styles.xml. A
generated sheet that is missing, renamed or damaged is created or repaired on the way (new
sheet and table parts, relationships, content types, a table name taken by a renamed copy), and
what was repaired is listed by :meth:`PatchBook.repairs`. Sheet data is edited as bytes (a
100,000-row sheet is never parsed); only the small parts go through ElementTree.
"""
from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, unescape

from openpyxl.utils import get_column_letter

from ..sheets.book import find_sheet, free_table_name, generated_repairs, mark_cells, mark_ranges, renamed_table
from ..sheets.contract import SheetSpec
from ..sheets.format import ERROR_FILL, FORMATS, GENERATED_FILL, MARK_RULE, Exact
from .xlsx import DOC_REL, MAIN, FileBook, Package, damaged, generated_table_ref, resolve, save_atomically

_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?(?:/>|>(.*?)</row>)', re.S)
_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', re.S)
_STYLE = re.compile(rb'\bs="(\d+)"')
_ROOT_TAG = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<([\w.:-]+)[\s>/]", re.S)
_TAG = re.compile(rb'<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|'
                  rb'<(/?)([\w:.-]+)(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|\'[^\']*\'))*\s*(/?)>', re.S)
_EPOCH = dt.date(1899, 12, 30)
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.{}+xml"
_ROOT = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         f'<worksheet xmlns="{MAIN}" xmlns:r="{DOC_REL}">').encode()
# worksheet elements that come before conditionalFormatting (CT_Worksheet's order)
_BEFORE_MARKS = {b"sheetData", b"sheetCalcPr", b"sheetProtection", b"protectedRanges", b"scenarios", b"autoFilter",
                 b"sortState", b"dataConsolidate", b"customSheetViews", b"mergeCells", b"phoneticPr",
                 b"conditionalFormatting"}
_STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                "tableStyles", "colors", "extLst")
_CHILD = {"fills": "fill", "fonts": "font", "cellXfs": "xf", "numFmts": "numFmt", "dxfs": "dxf"}


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


class Styles:
    """styles.xml with just enough understanding to add fills, fonts, formats, cell styles and
    differential styles (for conditional formats)."""

    def __init__(self, xml: bytes):
        self.xml = xml.decode("utf-8")
        self.changed = False

    def _section(self, tag: str) -> tuple[int, int, list[str]]:
        m = re.search(rf"<{tag}\b[^>]*?(?:/>|>(.*?)</{tag}>)", self.xml, re.S)
        if m is None:
            return -1, -1, []
        child = _CHILD[tag]
        items = re.findall(rf"<{child}\b[^>]*?/>|<{child}\b[^>]*?>.*?</{child}>", m.group(1) or "", re.S)
        return m.start(), m.end(), items

    def _add(self, tag: str, item: str) -> int:
        start, end, items = self._section(tag)
        if item in items:
            return items.index(item)
        if start < 0:                          # no such section: in its place in the schema's order
            later = [self.xml.find(f"<{t}") for t in _STYLE_ORDER[_STYLE_ORDER.index(tag) + 1:]]
            start = end = min([i for i in later if i >= 0] or [self.xml.rindex("</styleSheet>")])
        items.append(item)
        self.xml = self.xml[:start] + f'<{tag} count="{len(items)}">' + "".join(items) + f"</{tag}>" + self.xml[end:]
        self.changed = True
        return len(items) - 1

    def _fill(self, rgb: str) -> int:
        return self._add("fills", f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/></patternFill></fill>')

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
        fill_id = 0 if fill is None else self._fill(fill)
        return self._add("cellXfs", f'<xf numFmtId="{num}" fontId="{font}" fillId="{fill_id}" borderId="0" '
                                    f'applyNumberFormat="1" applyFont="1" applyFill="1" xfId="0"/>')

    def dxf(self, rgb: str) -> int:
        """A differential style of a solid fill (both colours: Excel reads a conditional
        format's fill from bgColor, other programs from fgColor)."""
        return self._add("dxfs", f'<dxf><fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/>'
                                 f'<bgColor rgb="{rgb}"/></patternFill></fill></dxf>')


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
        sheet's dimension) — when that sheet is whole and of our making, so its rows can stay."""
        sheet = find_sheet(self, spec)
        with Package(self.path) as pkg:
            part = dict(pkg.sheets()).get(sheet) if sheet else None
            if part is None or not pkg.has(part) or not self._plain(pkg) or _root_name(pkg.head(part)) != b"worksheet":
                return None
            tables = [t for t in _tables(pkg) if t.sheet == part]
            if generated_repairs(spec, sheet, [(t.name, t.columns) for t in tables]):
                return None
            found = _defined_mark(pkg, spec)
            head = pkg.head(part)
        size = re.search(rb'<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"', head)
        if found is None or size is None:
            return None
        return found, max(int(size.group(1) or 1) - 2, 0)

    def replace_sheet(self, spec: SheetSpec, note: str, rows: list[list], kept: int = 0,
                      mark: str | None = None) -> None:
        self._ops.append(("replace_sheet", (spec, note, rows, kept, mark)))

    def save(self) -> None:
        if not self._ops:
            return
        with Package(self.path) as pkg:
            patchable = self._plain(pkg)
            if patchable:
                self._apply(pkg)
                save_atomically(self.path, pkg.write)
        if not patchable:                          # XML in a form this writer does not edit
            for name, args in self._ops:
                getattr(FileBook, name)(self, *args)
            FileBook.save(self)
        self._ops = []

    # -- the fast path ----------------------------------------------------------------------
    @staticmethod
    def _plain(pkg: Package) -> bool:
        """Whether every sheet and styles.xml use SpreadsheetML as the default namespace, as the
        byte-level edits here expect (not ``<x:worksheet>``, as a few generators write)."""
        parts = [part for _, part in pkg.sheets() if part and pkg.has(part)] + [_styles_part(pkg)]
        return all(b":" not in _root_name(pkg.head(part, 2048)) for part in parts)

    def _apply(self, pkg: Package) -> None:
        styles_part = _styles_part(pkg)
        pkg.xml(styles_part)                        # parts this writer relies on: damage, if not XML
        pkg.xml("[Content_Types].xml")
        styles = Styles(pkg.read(styles_part))
        for part, (edits, marks) in self._sheet_edits(pkg).items():
            xml = pkg.read(part)
            if b"<sheetData" not in xml or b"</worksheet>" not in xml:
                raise damaged(pkg.path, part)
            if edits:
                xml = _patch_sheet(xml, edits)
            if marks:
                cells = _marked(xml)
                for at_fault, rows in marks:
                    cleared = set(rows)
                    cells = {c for c in cells if c[0] not in cleared} | set(at_fault)
                xml = _with_marks(xml, cells, styles)
            pkg.put(part, xml)
        for name, args in self._ops:
            if name == "replace_sheet":
                self._write_generated(pkg, styles, *args)
        if styles.changed:
            pkg.put(styles_part, styles.xml.encode("utf-8"))

    def _sheet_edits(self, pkg: Package) -> dict[str, tuple[dict[int, dict[int, object]], list]]:
        """Per input sheet part: the cells to write (row → col → value), and the marks in order."""
        parts = dict(pkg.sheets())
        edits: dict[str, tuple[dict, list]] = {}

        def of(sheet: str) -> tuple[dict, list]:
            part = parts.get(sheet)
            if part is None or not pkg.has(part):
                raise damaged(pkg.path, part or pkg.rels_name(pkg.workbook_part))
            return edits.setdefault(part, ({}, []))

        for name, args in self._ops:
            if name == "write_column":
                sheet, col, first, values = args
                rows = of(sheet)[0]
                for i, value in enumerate(values):
                    rows.setdefault(first + i, {})[col] = value
            elif name == "mark" and args[2]:
                of(args[0])[1].append((args[1], args[2]))
        return edits

    def _write_generated(self, pkg: Package, styles: Styles, spec: SheetSpec, note: str, rows: list[list],
                         kept: int, mark: str | None) -> None:
        """A generated sheet written anew; created, or its parts repaired, where it needs it."""
        sheet = find_sheet(self, spec)
        part = dict(pkg.sheets()).get(sheet) if sheet else None
        if sheet is None:
            part = _add_sheet(pkg, spec.zh)
        elif part is None:
            raise damaged(pkg.path, pkg.rels_name(pkg.workbook_part))
        elif not pkg.has(part):
            self._repairs.append(f"“{sheet}”表的数据部件丢失，已重建")
            _declare(pkg, part, "worksheet")
        rid = self._own_table(pkg, spec, sheet, part, generated_table_ref(spec, kept + len(rows)))
        old = pkg.read(part) if kept else None
        pkg.put(part, _generated_sheet(old, spec, note, rows, styles, rid, kept))
        if mark is not None:
            _set_mark(pkg, spec, mark)

    def _own_table(self, pkg: Package, spec: SheetSpec, sheet: str | None, part: str, ref: str) -> str:
        """The generated sheet's one Table, named as the contract says, its range ``ref``: the
        sheet's first table kept (its part and id), others on it dropped, a table elsewhere that
        holds the name renamed. Returns the sheet's relationship id of the table."""
        tables = _tables(pkg)
        mine = [t for t in tables if t.sheet == part]
        self._repairs += generated_repairs(spec, sheet, [(t.name, t.columns) for t in mine])
        names = {p: name for name, p in pkg.sheets()}
        taken = {t.name.lower() for t in tables if t.sheet != part}
        for t in tables:
            if t.sheet != part and t.name.lower() == spec.en.lower():
                new = free_table_name(spec.en, taken)
                taken.add(new.lower())
                root = pkg.xml(t.part, edit=True)
                root.set("name", new)
                root.set("displayName", new)
                self._repairs.append(renamed_table(names.get(t.sheet, "?"), t.name, new, spec))
        for t in mine[1:]:
            _unrelate(pkg, part, t.part)
            pkg.put(t.part, None)
            _declare(pkg, t.part, None)
        if mine:
            table, table_id = mine[0].part, mine[0].id
        else:
            table = _free_part(pkg, posixpath.join(posixpath.dirname(pkg.workbook_part), "tables/table{}.xml"))
            table_id = max((t.id for t in tables), default=0) + 1
            _declare(pkg, table, "table")
        pkg.put(table, _table_xml(spec, table_id, ref))
        rid = next((rid for rid, target in pkg.targets(part, "table") if target == table), None)
        return rid or _relate(pkg, part, "table", table)


def _root_name(head: bytes) -> bytes:
    """The root element's name as written (``worksheet``, or ``x:worksheet`` with a prefix)."""
    found = _ROOT_TAG.match(head)
    return found.group(1) if found else b""


def _styles_part(pkg: Package) -> str:
    found = pkg.targets(pkg.workbook_part, "styles")
    part = found[0][1] if found else posixpath.join(posixpath.dirname(pkg.workbook_part), "styles.xml")
    if not pkg.has(part):
        raise damaged(pkg.path, part)
    return part


# -- package structure: sheets, tables, relationships, content types --------------------------------
@dataclass
class _Table:
    part: str
    sheet: str                    # the part of the sheet that refers to it
    id: int
    name: str
    columns: list[str]


def _tables(pkg: Package) -> list[_Table]:
    """Every Table a sheet refers to (Excel loads no other), with its id, name and columns."""
    found = []
    for _, sheet in pkg.sheets():
        if not sheet or not pkg.has(pkg.rels_name(sheet)):
            continue
        for _, part in pkg.targets(sheet, "table"):
            if pkg.has(part):
                root = pkg.xml(part)
                found.append(_Table(part, sheet, int(root.get("id", "0")) if root.get("id", "").isdigit() else 0,
                                    root.get("name") or root.get("displayName") or "",
                                    [c.get("name", "") for c in root.iter(f"{{{MAIN}}}tableColumn")]))
    return found


def _table_xml(spec: SheetSpec, table_id: int, ref: str) -> bytes:
    columns = "".join(f'<tableColumn id="{n}" name="{escape(c.zh)}"/>' for n, c in enumerate(spec.columns, 1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="{MAIN}" id="{table_id}" '
            f'name="{spec.en}" displayName="{spec.en}" ref="{ref}" headerRowCount="1"><autoFilter ref="{ref}"/>'
            f'<tableColumns count="{len(spec.columns)}">{columns}</tableColumns><tableStyleInfo '
            f'name="TableStyleLight15" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
            f'showColumnStripes="0"/></table>').encode("utf-8")


def _free_part(pkg: Package, pattern: str) -> str:
    n = 1
    while pkg.has(pattern.format(n)):
        n += 1
    return pattern.format(n)


def _add_sheet(pkg: Package, name: str) -> str:
    """A new, empty worksheet at the end of the workbook: its part, relationship, <sheet> entry
    and content type. Returns the part."""
    workbook = pkg.workbook_part
    root = pkg.xml(workbook, edit=True)
    sheets = root.find(f"{{{MAIN}}}sheets")
    if sheets is None:
        raise damaged(pkg.path, workbook)
    part = _free_part(pkg, posixpath.join(posixpath.dirname(workbook), "worksheets/sheet{}.xml"))
    pkg.put(part, _ROOT + b"<sheetData/></worksheet>")
    ids = [int(s.get("sheetId")) for s in sheets if s.get("sheetId", "").isdigit()]
    ET.SubElement(sheets, f"{{{MAIN}}}sheet", {"name": name, "sheetId": str(max(ids, default=0) + 1),
                                                f"{{{DOC_REL}}}id": _relate(pkg, workbook, "worksheet", part)})
    _declare(pkg, part, "worksheet")
    return part


def _relate(pkg: Package, source: str, kind: str, target: str) -> str:
    """A new relationship of ``source`` to ``target``; returns its id."""
    name = pkg.rels_name(source)
    if not pkg.has(name):
        pkg.put(name, f'<Relationships xmlns="{_PKG_REL}"/>'.encode())
    rels = pkg.xml(name, edit=True)
    ids = {rel.get("Id") for rel in rels}
    rid = next(f"rId{n}" for n in range(1, len(ids) + 2) if f"rId{n}" not in ids)
    ET.SubElement(rels, f"{{{_PKG_REL}}}Relationship", {
        "Id": rid, "Type": f"{DOC_REL}/{kind}", "Target": posixpath.relpath(target, posixpath.dirname(source))})
    return rid


def _unrelate(pkg: Package, source: str, target: str) -> None:
    rels = pkg.xml(pkg.rels_name(source), edit=True)
    for rel in list(rels):
        if rel.get("TargetMode") != "External" and resolve(source, rel.get("Target", "")) == target:
            rels.remove(rel)


def _declare(pkg: Package, part: str, kind: str | None) -> None:
    """The part's content type in [Content_Types].xml (``kind`` None: its override removed)."""
    types = pkg.xml("[Content_Types].xml", edit=True)
    for override in types.findall(f"{{{_TYPES}}}Override"):
        if override.get("PartName", "").lower() == "/" + part.lower():
            types.remove(override)
    if kind:
        ET.SubElement(types, f"{{{_TYPES}}}Override", {"PartName": "/" + part, "ContentType": _CONTENT.format(kind)})


def _mark_name(spec: SheetSpec) -> str:
    return f"_jxc_{spec.en}"


def _defined_mark(pkg: Package, spec: SheetSpec) -> str | None:
    """The ledger state a generated sheet shows, from its hidden defined name."""
    for name in pkg.xml(pkg.workbook_part).iter(f"{{{MAIN}}}definedName"):
        if name.get("name") == _mark_name(spec):
            return (name.text or "").strip().strip('"')
    return None


def _set_mark(pkg: Package, spec: SheetSpec, mark: str) -> None:
    """The hidden defined name that says which ledger state a generated sheet shows."""
    root = pkg.xml(pkg.workbook_part, edit=True)
    names = root.find(f"{{{MAIN}}}definedNames")
    if names is None:                    # after sheets, functionGroups, externalReferences
        before = [i for i, el in enumerate(root) if el.tag.rpartition("}")[2] in
                  ("sheets", "functionGroups", "externalReferences")]
        names = ET.Element(f"{{{MAIN}}}definedNames")
        root.insert(max(before, default=len(root) - 1) + 1, names)
    for name in list(names):
        if name.get("name") == _mark_name(spec):
            names.remove(name)
    ET.SubElement(names, f"{{{MAIN}}}definedName", {"name": _mark_name(spec), "hidden": "1"}).text = f'"{mark}"'


# -- sheet data, as bytes --------------------------------------------------------------------------
def _sheet_data(xml: bytes) -> tuple[bytes, int, int]:
    """The sheet with an open <sheetData> element, and where its rows start and end."""
    if b"<sheetData/>" in xml:
        xml = xml.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
    start = xml.index(b"<sheetData")
    return xml, xml.index(b">", start) + 1, xml.index(b"</sheetData>", start)


def _patch_sheet(xml: bytes, edits: dict[int, dict[int, object]]) -> bytes:
    """Rewrite the rows named in ``edits``; every other byte of the sheet stays as it was."""
    xml, body_start, body_end = _sheet_data(xml)
    body = xml[body_start:body_end]
    new = _patch_found_rows(body, edits)
    if new is None:
        new = _patch_all_rows(body, edits)
    return xml[:body_start] + new + xml[body_end:]


def _patch_found_rows(body: bytes, edits: dict) -> bytes | None:
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
        out += [body[pos:i], _row(r, head, cells, edits[r])]
        pos = end
    out.append(body[pos:])
    return b"".join(out)


def _patch_all_rows(body: bytes, edits: dict) -> bytes:
    """Walk every row, inserting the edited rows that do not exist yet in their place."""
    out, pos = [], 0
    pending = sorted(edits)
    i = 0
    for m in _ROW.finditer(body):
        r = int(m.group(1))
        while i < len(pending) and pending[i] < r:
            out.append(body[pos:m.start()])
            pos = m.start()
            out.append(_row(pending[i], b"", b"", edits[pending[i]]))
            i += 1
        if i < len(pending) and pending[i] == r:
            out.append(body[pos:m.start()])
            head = re.match(rb"<row\b[^>]*?(?=/?>)", m.group(0)).group(0)
            out.append(_row(r, head, m.group(2) or b"", edits[r]))
            pos = m.end()
            i += 1
    out.append(body[pos:])
    out += [_row(r, b"", b"", edits[r]) for r in pending[i:]]
    return b"".join(out)


def _row(r: int, head: bytes, cells: bytes, edit: dict[int, object]) -> bytes:
    """A row with the edited cells written; each keeps the style it had."""
    current = {_col(m.group(1)): m.group(0) for m in _CELL.finditer(cells)}
    for c, value in edit.items():
        sm = _STYLE.search(current.get(c, b""))
        current[c] = _cell(f"{get_column_letter(c)}{r}", value, int(sm.group(1)) if sm else 0)
    head = head or f'<row r="{r}"'.encode()
    return head + b">" + b"".join(current[c] for c in sorted(current)) + b"</row>"


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


def _marked(xml: bytes) -> set[tuple[int, int]]:
    """The cells our conditional format marks now."""
    tail = xml[_tail(xml):]
    cells = set()
    for name, start, end in _top_elements(tail):
        if name == b"conditionalFormatting" and _ours(tail[start:end]):
            sqref = re.search(rb'\bsqref="([^"]*)"', tail[start:end])
            cells |= mark_cells(sqref.group(1).decode()) if sqref else set()
    return cells


def _with_marks(xml: bytes, cells: set[tuple[int, int]], styles: Styles) -> bytes:
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


def _root_with_rels(old: bytes | None) -> tuple[bytes, str]:
    """The worksheet's start (the old sheet's, whose kept rows may use its prefixes, else ours)
    and the prefix it binds to the relationships namespace, added when it binds none."""
    if old is None:
        return _ROOT, "r"
    root = re.match(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>)?\s*<worksheet\b[^>]*>", old).group(0)
    bound = re.search(rb'xmlns:([\w.-]+)=["\']' + re.escape(DOC_REL.encode()) + rb'["\']', root)
    if bound:
        return root, bound.group(1).decode()
    prefix = "jxcr" if b"xmlns:r=" in root else "r"
    return root[:-1] + f' xmlns:{prefix}="{DOC_REL}">'.encode(), prefix


def _generated_sheet(old: bytes | None, spec: SheetSpec, note: str, rows: list[list], styles: Styles,
                     table_rid: str, kept: int = 0) -> bytes:
    """A generated sheet's XML: note in A1, header in row 2, data below, frozen and protected,
    its Table; the old sheet's first ``kept`` data rows are taken over as they are."""
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
    root, prefix = _root_with_rels(old if kept else None)
    last = f"{letters[-1]}{max(2, kept + len(rows) + 2)}"
    return b"".join([
        root, f'<sheetPr><tabColor rgb="{GENERATED_FILL}"/></sheetPr><dimension ref="A1:{last}"/>'
              '<sheetViews><sheetView workbookViewId="0"><pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" '
              f'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
              '<sheetData>'.encode(), *parts,
        b'</sheetData><sheetProtection sheet="1" autoFilter="0" sort="0"/>'
        b'<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>',
        f'<tableParts count="1"><tablePart {prefix}:id="{table_rid}"/></tableParts></worksheet>'.encode()])


def _row_at(xml: bytes, row: int) -> int:
    found = re.search(rb'<row r="%d"[\s>/]' % row, xml)
    return found.start() if found else -1
