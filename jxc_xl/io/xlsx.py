"""The Book protocol on an .xlsx file: fast reads with calamine, and the file's parts.

Reads take cached cell values (what Excel last computed) from python-calamine, plus the
formula error values (#N/A…) it leaves out, found in the sheet XML. Where calamine cannot read a
sheet (its own errors, or a Rust panic on an out-of-range date serial) the sheet's XML is read
here instead, so no cell value can stop a run. :class:`Package` reads and edits the parts of
the zip; every problem with the file itself becomes one :class:`WorkbookError` line. Writes go
through the patch writer (``patch.py``); the openpyxl writer here is kept for the one shape that
writer cannot edit (see ``PatchBook.save``). Saving is atomic: the new file is written beside the
old one, the old one is kept as ``<name>.bak``, then the new one replaces it.
"""
from __future__ import annotations

import contextlib
import io
import math
import os
import posixpath
import re
import shutil
import stat
import sys
import tempfile
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from openpyxl import load_workbook
from openpyxl.formatting.rule import Rule
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table as XlTable
from openpyxl.worksheet.table import TableStyleInfo

from ..sheets.book import find_sheet, free_table_name, generated_repairs, mark_cells, mark_ranges, renamed_table
from ..sheets.contract import SheetSpec
from ..sheets.format import ERROR_FILL, FORMATS, GENERATED_FILL, MARK_RULE, Exact

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MAX_ROW, MAX_COL = 1_048_576, 16_384           # Excel's grid: cells beyond it are not Excel's
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)?<v>([^<]*)</v>')
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


class WorkbookError(Exception):
    """The workbook file cannot be used (missing, not a workbook, damaged, locked, read-only)."""


def damaged(path: Path, part: str | None = None) -> WorkbookError:
    """The one line for a damaged file: which part, what to do, and the .bak to fall back to."""
    bak = path.with_name(path.name + ".bak")
    where, where_en = (f"（{part} 无法读取）", f" ({part} is unreadable)") if part else ("", "")
    fallback, fallback_en = ((f"；上一版保存在旁边的 {bak.name}，可改用它", f"; the previous version is {bak.name}")
                             if bak.is_file() else ("", ""))
    return WorkbookError(f"工作簿 {path.name} 已损坏{where}：请用 Excel 打开并修复后另存{fallback} / "
                         f"the workbook is damaged{where_en}: open and repair it in Excel{fallback_en}")


def check_writable(path: Path) -> None:
    """Refuse early, before any posting, when the file could not be saved afterwards."""
    if not path.is_file():
        raise WorkbookError(f"找不到工作簿 {path} / workbook not found")
    lock = path.with_name("~$" + path.name)
    if lock.exists():
        raise WorkbookError(f"工作簿 {path.name} 正在被其他程序（如 Excel）打开：请先关闭它再运行 / "
                            f"the workbook is open in another program: close it first")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise WorkbookError(f"工作簿 {path.name} 是只读的：请取消只读属性或另存一份 / the workbook is read-only")


def check_format(path: Path) -> None:
    """An .xlsx is a zip holding xl/workbook.xml; say plainly what else it is (an old .xls, a
    password-protected file, an .xlsb) and what to do, before anything tries to read it."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    name = path.name
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":          # an OLE2 compound file
        if "EncryptedPackage".encode("utf-16-le") in path.read_bytes():
            raise WorkbookError(f"工作簿 {name} 设置了打开密码：请在 Excel 中取消密码（文件 → 信息 → 保护工作簿 → "
                                f"用密码进行加密，清空后保存）再运行 / the workbook is password-protected: remove the password")
        raise WorkbookError(f"{name} 是旧的 .xls 格式：请在 Excel 中打开，选择 文件 → 另存为 → Excel 工作簿 (*.xlsx)，"
                            f"再用新文件 / {name} is an old .xls file: save it as .xlsx in Excel "
                            f"(File → Save As → Excel Workbook)")
    if not head.startswith(b"PK"):
        raise WorkbookError(f"{name} 不是可读取的 Excel 工作簿（.xlsx）/ not a workbook")
    with Package(path) as pkg:
        if not pkg.has(pkg.workbook_part):
            binary = pkg.has("xl/workbook.bin")
            raise WorkbookError(f"{name} 不是可读取的 Excel 工作簿（.xlsx）" +
                                ("：它是二进制工作簿 (.xlsb)，请在 Excel 中另存为 Excel 工作簿 (*.xlsx)" if binary else "") +
                                " / not an .xlsx workbook" + (" (an .xlsb: save it as .xlsx)" if binary else ""))


class Package:
    """An .xlsx as its parts: read with errors that say the file is damaged, edited in memory,
    and written out with every part nobody edited copied as it was (pictures, charts, VBA…).

    Small XML parts (workbook, relationships, content types, tables) are edited as ElementTree
    elements and written back with the prefixes they were read with, so markup-compatibility
    attributes (``mc:Ignorable="x14ac"``) still name declared prefixes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile as exc:
            raise damaged(self.path) from exc
        self._names = set(self.zip.namelist())
        self._new: dict[str, bytes | None] = {}              # None: removed
        self._trees: dict[str, tuple[ET.Element, list[tuple[str, str]]]] = {}
        self._edited: set[str] = set()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def has(self, name: str) -> bool:
        return self._new[name] is not None if name in self._new else name in self._names

    def read(self, name: str) -> bytes:
        if self._new.get(name) is not None:
            return self._new[name]
        if not self.has(name):
            raise damaged(self.path, name)
        try:
            return self.zip.read(name)
        except _ZIP_ERRORS as exc:
            raise damaged(self.path, name) from exc

    def head(self, name: str, size: int = 4096) -> bytes:
        """The first bytes of a part, without inflating all of a large sheet."""
        try:
            with self.zip.open(name) as fh:
                return fh.read(size)
        except (KeyError, *_ZIP_ERRORS) as exc:
            raise damaged(self.path, name) from exc

    def xml(self, name: str, edit: bool = False) -> ET.Element:
        """The part parsed (once); ``edit``: it is written back from this element on ``write``."""
        if name not in self._trees:
            spaces: list[tuple[str, str]] = []
            try:
                parser = ET.iterparse(io.BytesIO(self.read(name)), events=("start-ns",))
                spaces = [ns for _, ns in parser]
            except ET.ParseError as exc:
                raise damaged(self.path, name) from exc
            self._trees[name] = (parser.root, spaces)
        if edit:
            self._edited.add(name)
        return self._trees[name][0]

    def put(self, name: str, data: bytes | None) -> None:
        """Replace (or add, or with None remove) a part."""
        self._new[name] = data
        self._edited.discard(name)
        self._trees.pop(name, None)

    def write(self, target: str) -> None:
        for name in self._edited:
            root, spaces = self._trees[name]
            self._new[name] = xml_bytes(root, spaces)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info in self.zip.infolist():
                if info.filename not in self._new:
                    out.writestr(info, self.read(info.filename), compress_type=info.compress_type)
                elif self._new[info.filename] is not None:
                    out.writestr(info.filename, self._new[info.filename])
            for name, data in self._new.items():
                if name not in self._names and data is not None:
                    out.writestr(name, data)

    # -- relationships ---------------------------------------------------------------------
    @staticmethod
    def rels_name(part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def relationships(self, part: str) -> list[ET.Element]:
        name = self.rels_name(part)
        return list(self.xml(name)) if self.has(name) else []

    def targets(self, part: str, kind: str) -> list[tuple[str, str]]:
        """(relationship id, part name) of ``part``'s relationships of type ``…/kind``."""
        return [(rel.get("Id"), resolve(part, rel.get("Target", ""))) for rel in self.relationships(part)
                if rel.get("Type", "").rsplit("/", 1)[-1] == kind and rel.get("TargetMode") != "External"]

    @property
    def workbook_part(self) -> str:
        found = self.targets("", "officeDocument") if self.has("_rels/.rels") else []
        return found[0][1] if found else "xl/workbook.xml"

    def sheets(self) -> list[tuple[str, str | None]]:
        """(name, part) of every sheet, in workbook order; part None when no worksheet part is named."""
        workbook = self.workbook_part
        if not self.has(self.rels_name(workbook)):            # no sheet can be found without it
            raise damaged(self.path, self.rels_name(workbook))
        parts = dict(self.targets(workbook, "worksheet"))
        return [(s.get("name", ""), parts.get(s.get(f"{{{DOC_REL}}}id", "")))
                for s in self.xml(workbook).iter(f"{{{MAIN}}}sheet")]


def resolve(source: str, target: str) -> str:
    """A relationship's target as a part name: absolute from the package root, else relative to
    the source part's folder."""
    target = unquote(target)
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def xml_bytes(root: ET.Element, spaces: list[tuple[str, str]]) -> bytes:
    """An element tree as XML, every namespace with the prefix the part declared for it (all
    declared on the root, so none that an ``mc:Ignorable`` names goes missing)."""
    declared: dict[str, str] = {}                       # prefix -> namespace
    for prefix, uri in spaces:
        declared.setdefault(prefix, uri)
    prefixes = {uri: prefix for prefix, uri in reversed(list(declared.items()))}

    def name(tag: str, attribute: bool = False) -> str:
        if not tag.startswith("{"):
            return tag
        uri, local = tag[1:].split("}", 1)
        if uri == XML_NS:
            return "xml:" + local
        prefix = prefixes.get(uri)
        if prefix is None or (attribute and not prefix):  # an attribute needs a prefix
            prefix = next(f"ns{n}" for n in range(len(declared) + 1) if f"ns{n}" not in declared)
            declared[prefix] = uri
            prefixes.setdefault(uri, prefix)
        return f"{prefix}:{local}" if prefix else local

    def walk(element: ET.Element, out: list[str]) -> None:
        tag = name(element.tag)
        out.append("<" + tag + "".join(f" {name(k, True)}={_attr(v)}" for k, v in element.attrib.items()))
        if len(element) or element.text:
            out.append(">" + escape(element.text or ""))
            for child in element:
                walk(child, out)
                out.append(escape(child.tail or ""))
            out.append(f"</{tag}>")
        else:
            out.append("/>")

    parts: list[str] = []
    walk(root, parts)
    names = "".join(f' xmlns{":" + p if p else ""}={_attr(u)}' for p, u in declared.items())
    parts[0] += names                                    # the root's start tag, before its end
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + "".join(parts)).encode("utf-8")


def _attr(value: str) -> str:
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


# -- reading a sheet's cells without calamine ------------------------------------------------------
def read_sheet_xml(pkg: Package, part: str) -> tuple[list[list], list[tuple[int, int, int, int]]]:
    """A sheet's values and merged areas straight from its XML: shared and inline strings,
    numbers (dates stay serial numbers; the parse layer reads those), booleans, error texts.
    Whatever a cell holds, it comes back as a value, never as an exception."""
    strings = _shared_strings(pkg)
    cells: dict[tuple[int, int], object] = {}
    merged: list[tuple[int, int, int, int]] = []
    row = col = 0
    try:
        for event, el in ET.iterparse(io.BytesIO(pkg.read(part)), events=("start", "end")):
            tag = el.tag.rpartition("}")[2]
            if event == "start":
                if tag == "row":
                    row, col = _int(el.get("r"), row + 1), 0
                continue
            if tag == "c":
                row, col = _cell_ref(el.get("r"), row, col + 1)
                value = _cell_value(el, strings)
                if value is not None and row <= MAX_ROW and col <= MAX_COL:
                    cells[(row, col)] = value
                el.clear()
            elif tag == "mergeCell":
                with contextlib.suppress(ValueError, TypeError):
                    c1, r1, c2, r2 = range_boundaries(el.get("ref", ""))
                    merged.append((r1, c1, r2, c2))
    except ET.ParseError as exc:
        raise damaged(pkg.path, part) from exc
    return _grid(cells), merged


def _grid(cells: dict[tuple[int, int], object]) -> list[list]:
    rows = max((r for r, _ in cells), default=0)
    width = max((c for _, c in cells), default=0)
    grid = [[None] * width for _ in range(rows)]
    for (r, c), value in cells.items():
        grid[r - 1][c - 1] = value
    return grid


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


def _cell_ref(ref: str | None, row: int, col: int) -> tuple[int, int]:
    found = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", ref or "")
    if not found:
        return row, col
    return int(found.group(2)), column_index_from_string(found.group(1).upper())


def _cell_value(el: ET.Element, strings: list[str]) -> object:
    kind = el.get("t", "n")
    if kind == "inlineStr":
        inline = next((child for child in el if child.tag.endswith("is")), None)
        return _text(inline) if inline is not None else None
    v = next((child.text for child in el if child.tag.rpartition("}")[2] == "v"), None)
    if v is None or v == "":
        return None
    if kind == "s":
        index = _int(v.strip(), -1)
        return strings[index] if 0 <= index < len(strings) else None
    if kind == "b":
        return {"1": True, "0": False}.get(v.strip(), v)
    if kind != "n":                                   # str, e, d, and types Excel does not have
        return v
    try:
        number = float(v)
    except ValueError:
        return v
    return number if math.isfinite(number) else v


def _text(el: ET.Element) -> str:
    """A string item's text: its runs, without the phonetic guide (rPh) Excel keeps beside them."""
    parts = []
    for child in el:
        local = child.tag.rpartition("}")[2]
        if local == "t":
            parts.append(child.text or "")
        elif local == "r":
            parts += [t.text or "" for t in child if t.tag.rpartition("}")[2] == "t"]
    return "".join(parts)


def _shared_strings(pkg: Package) -> list[str]:
    found = pkg.targets(pkg.workbook_part, "sharedStrings")
    if not found or not pkg.has(found[0][1]):
        return []
    strings = []
    try:
        for _, el in ET.iterparse(io.BytesIO(pkg.read(found[0][1]))):
            if el.tag.rpartition("}")[2] == "si":
                strings.append(_text(el))
                el.clear()
    except ET.ParseError as exc:
        raise damaged(pkg.path, found[0][1]) from exc
    return strings


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """A Rust panic prints its message (and a backtrace) on the process's stderr before Python
    sees it; the clerk gets a row error instead, so that text goes to the null device."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):         # no usable stderr (pythonw): nothing to hide
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _calamine(call: Callable[[], object]) -> object | None:
    """calamine's answer, or None where it has none: its own errors, and a Rust panic (which
    derives from BaseException, not Exception) on values such as a date serial out of range."""
    from python_calamine import CalamineError
    try:
        with _quiet_stderr():
            return call()
    except CalamineError:
        return None
    except BaseException as exc:
        if type(exc).__name__ == "PanicException":
            return None
        raise


class FileBook:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.name = self.path.name
        if not self.path.is_file():
            raise WorkbookError(f"找不到工作簿 {self.path} / workbook not found")
        check_format(self.path)
        from python_calamine import CalamineWorkbook
        self._reader = _calamine(lambda: CalamineWorkbook.from_path(str(self.path)))
        if self._reader is None:
            self._find_damage()
        self._values: dict[str, list[list]] = {}
        self._parsed: dict[str, tuple[list[list], list[tuple[int, int, int, int]]]] = {}
        self._parts: dict[str, str | None] | None = None
        self._repairs: list[str] = []
        self._wb = None

    def _find_damage(self) -> None:
        """calamine could not open the file: name the part that is damaged, if one is."""
        with Package(self.path) as pkg:
            pkg.sheets()
            workbook = pkg.workbook_part
            for _, part in pkg.targets(workbook, "styles") + pkg.targets(workbook, "sharedStrings"):
                pkg.xml(part)
        raise damaged(self.path)

    # -- reading -----------------------------------------------------------------------------
    def sheet_names(self) -> list[str]:
        return list(self._wb.sheetnames) if self._wb is not None else list(self._reader.sheet_names)

    def values(self, sheet: str) -> list[list]:
        if sheet not in self._values:
            self._values[sheet] = [list(row) for row in self._read(sheet)[0]]
        return self._values[sheet]

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        return self._read(sheet)[1]

    def _read(self, sheet: str) -> tuple[list[list], list[tuple[int, int, int, int]]]:
        """A sheet's values and merged areas, read once: by calamine, else from the XML."""
        if sheet not in self._parsed:
            parsed = _calamine(lambda: self._reader.get_sheet_by_name(sheet))
            rows = parsed and _calamine(lambda: parsed.to_python(skip_empty_area=False))
            if rows is None:
                with Package(self.path) as pkg:
                    part = self._part(sheet)
                    self._parsed[sheet] = read_sheet_xml(pkg, part) if part else ([], [])
            else:
                for (col, row), value in self._errors(sheet).items():
                    while len(rows) < row:
                        rows.append([])
                    rows[row - 1] += [None] * (col - len(rows[row - 1]))
                    rows[row - 1][col - 1] = value
                merged = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in parsed.merged_cell_ranges or []]
                self._parsed[sheet] = (rows, merged)
        return self._parsed[sheet]

    def _part(self, sheet: str) -> str | None:
        if self._parts is None:
            with Package(self.path) as pkg:
                self._parts = dict(pkg.sheets())
        return self._parts.get(sheet)

    def _errors(self, sheet: str) -> dict[tuple[int, int], str]:
        """Formula error values (#N/A…) by (col, row): calamine reads them as empty."""
        part = self._part(sheet)
        with Package(self.path) as pkg:
            data = pkg.read(part) if part and pkg.has(part) else b""
        if b't="e"' not in data:
            return {}
        return {(column_index_from_string(c.decode()), int(r)): v.decode() for c, r, v in _ERROR_CELL.findall(data)}

    def repairs(self) -> list[str]:
        """What writing had to repair or create in the workbook (one line each, for the summary)."""
        return list(self._repairs)

    # -- writing with openpyxl ---------------------------------------------------------------
    @property
    def wb(self):
        if self._wb is None:
            try:
                self._wb = load_workbook(self.path, keep_vba=self.path.suffix.lower() in (".xlsm", ".xlam"))
            except Exception as exc:       # openpyxl reads the whole file: what it cannot read is damaged
                raise damaged(self.path) from exc
        return self._wb

    def write_column(self, sheet: str, col: int, first_row: int, values: list) -> None:
        ws = self.wb[sheet]
        for offset, value in enumerate(values):
            cell = ws.cell(first_row + offset, col)
            cell.value = value
            if isinstance(value, str) and value[:1] in "=+-@":
                cell.data_type = "s"
            self._values.pop(sheet, None)

    def mark(self, sheet: str, cells: list[tuple[int, int]], rows: list[int], width: int) -> None:
        """The cells at fault get our conditional format; the cells' own formats are not touched,
        so a mark cleared shows the user's fill again."""
        ws = self.wb[sheet]
        kept, marked = ConditionalFormattingList(), set()
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                if rule.type == "expression" and rule.formula == [MARK_RULE]:
                    marked |= mark_cells(str(cf.sqref))
                else:
                    kept.add(str(cf.sqref), rule)
        cleared = set(rows)
        marked = {c for c in marked if c[0] not in cleared} | set(cells)
        if marked:
            fill = PatternFill("solid", start_color=ERROR_FILL, end_color=ERROR_FILL)
            kept.add(" ".join(mark_ranges(marked)),
                     Rule(type="expression", formula=[MARK_RULE], dxf=DifferentialStyle(fill=fill), priority=1))
        ws.conditional_formatting = kept

    def generated_mark(self, spec: SheetSpec) -> tuple[str, int] | None:
        return None                             # openpyxl rewrites whole sheets

    def replace_sheet(self, spec: SheetSpec, note: str, rows: list[list], kept: int = 0,
                      mark: str | None = None) -> None:
        assert kept == 0, "this book writes whole sheets (generated_mark is None)"
        wb = self.wb
        existing = find_sheet(self, spec)
        index = wb.sheetnames.index(existing) if existing else len(wb.sheetnames)
        old = list(wb[existing].tables.values()) if existing else []
        self._repairs += generated_repairs(spec, existing, [(t.name, [c.name for c in t.tableColumns]) for t in old])
        if existing:
            wb.remove(wb[existing])
        self._free_table_name(spec)
        ws = wb.create_sheet(existing or spec.zh, index)
        write_generated(ws, spec, note, rows)
        self._values.pop(ws.title, None)

    def _free_table_name(self, spec: SheetSpec) -> None:
        """A table of the user's that holds the generated sheet's table name gets another one."""
        taken = {name.lower() for ws in self.wb.worksheets for name in ws.tables}
        for ws in self.wb.worksheets:
            for name in [n for n in ws.tables if n.lower() == spec.en.lower()]:
                table = ws.tables.pop(name)
                table.name = table.displayName = free_table_name(spec.en, taken)
                taken.add(table.name.lower())
                ws.tables.add(table)
                self._repairs.append(renamed_table(ws.title, name, table.name, spec))

    def save(self) -> None:
        if self._wb is None:
            return
        save_atomically(self.path, self._wb.save)


def write_generated(ws, spec: SheetSpec, note: str, rows: list[list]) -> None:
    """A generated sheet: the note in A1, the header in row 2, data below, protected."""
    ws.sheet_properties.tabColor = GENERATED_FILL
    ws["A1"] = note
    ws["A1"].font = Font(italic=True, color="FF7F7F7F")
    for c, column in enumerate(spec.columns, start=1):
        cell = ws.cell(2, c, column.zh)
        cell.fill = PatternFill("solid", fgColor=GENERATED_FILL)
        cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = column.width
    formats = [FORMATS.get(c.kind) for c in spec.columns]
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(r, c, Decimal(value) if type(value) is Exact else value)
            if isinstance(value, str) and value[:1] in "=+-@":
                cell.data_type = "s"             # text from the ledger is never a formula
            if formats[c - 1]:
                cell.number_format = formats[c - 1]
    table = XlTable(displayName=spec.en, ref=generated_table_ref(spec, len(rows)))
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight15", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A3"
    ws.protection.sheet = True                  # no password: a guard against typing, not a lock
    ws.protection.autoFilter = False
    ws.protection.sort = False


def save_atomically(path: Path, write: Callable[[str], None]) -> None:
    """``write`` the new file beside ``path``, keep the old one as .bak, then replace it:
    never a half-written workbook. The new file keeps the old one's permissions (a new file
    gets the usual ones, 0666 less the umask), not the private 0600 of a temporary file."""
    fd, tmp = tempfile.mkstemp(prefix=".~" + path.stem, suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(path))
        if path.exists():
            shutil.copy2(path, path.with_name(path.name + ".bak"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _stale_temporaries(path: Path) -> list[Path]:
    """What ``save_atomically`` leaves when killed while saving this workbook: ``.~<stem>`` and
    tempfile's eight random characters, then the suffix — no other workbook's file matches."""
    pattern = re.compile(re.escape(".~" + path.stem) + r"[a-z0-9_]{8}" + re.escape(path.suffix))
    return [p for p in path.parent.glob(".~*") if pattern.fullmatch(p.name)]


@contextlib.contextmanager
def lock_workbook(path: str | Path, on_wait: Callable[[str], None] = lambda _: None,
                  timeout: float = 600) -> Iterator[None]:
    """Hold the workbook for a whole run: a second jxc on the same workbook waits (told once
    through ``on_wait``) rather than posting and saving over the first. Once held, temporary
    files a killed save left beside the workbook are removed — no other run can be saving it."""
    from filelock import FileLock, Timeout
    path = Path(path).resolve()
    lock = FileLock(str(path.with_name(f".~{path.name}.jxc-lock")))
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            on_wait(f"另一个 jxc 正在处理工作簿 {path.name}，等待它完成…… / waiting for another jxc run on this workbook")
            lock.acquire(timeout=timeout)
    except Timeout:
        raise WorkbookError(f"另一个 jxc 正在处理此工作簿 {path.name}，等了 {timeout / 60:g} 分钟仍未完成：请稍后再试 / "
                            f"another jxc run still holds this workbook: try again later") from None
    except PermissionError as exc:
        raise WorkbookError(f"无法在工作簿旁创建锁文件（{exc.filename}）：文件夹是只读的 / "
                            f"cannot create a lock file beside the workbook") from exc
    try:
        for stale in _stale_temporaries(path):
            stale.unlink(missing_ok=True)
        yield
    finally:
        lock.release()


def generated_table_ref(spec: SheetSpec, rows: int) -> str:
    """The Table of a generated sheet: header in row 2, at least one (empty) data row."""
    return f"A2:{get_column_letter(len(spec.columns))}{max(3, rows + 2)}"
