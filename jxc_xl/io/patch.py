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

import posixpath
import re
from pathlib import Path
from typing import Callable, Iterator

from ..sheets.book import find_sheet, free_table_name, generated_repairs, renamed_table, row_runs
from ..sheets.contract import SheetSpec
from ..sheets.layout import Layout
from . import parts
from .files import save_atomically
from .layoutxml import add_charts, drop_relations, layout_print_names, layout_sheet, set_print_names
from .package import MAIN, ZIP_ERRORS, Package, WorkbookError, damaged
from .sheetdata import (Deflated, SharedStrings, SheetXmlError, generated_sheet, holds_as_written, marked, same,
                        sheet_chunks, streamed_sheet_chunks, written_from, with_marks)
from .styles import Styles, styles_part
from .xlsx import FileBook, generated_table_ref

_ROOT_TAG = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<([\w.:-]+)[\s>/]", re.S)


class PatchBook(FileBook):
    """A FileBook whose save edits the file's XML in place of an openpyxl load and save."""

    def __init__(self, path: str | Path):
        super().__init__(path)
        self._ops: list[tuple[str, tuple]] = []

    def write_column(self, sheet: str, col: int, first_row: int, values: list,
                     number_format: str | None = None) -> None:
        """Only the cells whose value changes are recorded, so unchanged rows stay untouched; each
        run of neighbouring cells that change is one edit (one per cell held a 100,000-row post's
        状态 and 金额 as 200,000 edits, 40 MB, until saving)."""
        current = self.values(sheet)
        run: list = []
        for r, value in enumerate(values, start=first_row):
            if _changes(current, r, col, value):
                run.append(value)
            elif run:
                self._ops.append(("write_column", (sheet, col, r - len(run), run, number_format)))
                run = []
        if run:
            self._ops.append(("write_column", (sheet, col, first_row + len(values) - len(run), run, number_format)))

    def write_cells(self, sheet: str, col: int, cells: dict[int, object], number_format: str | None = None) -> None:
        """Each run of neighbouring cells that change, recorded as :meth:`write_column` records it (the
        same edits, held as compactly). A taxed post writes a line's figures into the cells left empty,
        in runs broken wherever a line was priced the other way: 37,728 runs on bench's 100,000 taxed
        lines, and a call and a block made per run by the caller (statuses.write_cells) were 9.2 s of
        the taxed post's 186 s under cProfile (CPU clock; the untaxed post's 2.8 s). Held as one edit
        of row → value instead, the untaxed post's 金额 took 9 MB more of its peak (344 → 353 MB)."""
        current = self.values(sheet)
        changing = {r: value for r, value in cells.items() if _changes(current, r, col, value)}
        for first, run in row_runs(changing):
            self._ops.append(("write_column", (sheet, col, first, run, number_format)))

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
            tables = [t for t in parts.tables(pkg) if t.sheet == part]
            if generated_repairs(spec, sheet, [(t.name, t.columns) for t in tables]):
                return None
            found = parts.defined_mark(pkg, spec)
            head = pkg.head(part)
        size = re.search(rb'<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"', head)
        if found is None or size is None:
            return None
        return found, max(int(size.group(1) or 1) - 2, 0)

    def holds_as_written(self, spec: SheetSpec, rows: list[list]) -> bool:
        """Whether the generated sheet holds exactly what this writer writes for ``rows``, each
        cell reading back as its value (see sheetdata.holds_as_written): a quick yes that spares
        reading the sheet."""
        return self._as_written(spec, lambda stream, styles: holds_as_written(stream, spec, rows, styles), False)

    def written_from(self, spec: SheetSpec) -> str | None:
        """What the generated sheet's rows were made from, where its XML is still as written then
        (see sheetdata.written_from)."""
        return self._as_written(spec, lambda stream, styles: written_from(stream, spec, styles), None)

    def _as_written(self, spec: SheetSpec, read, otherwise):
        """``read`` of the generated sheet's XML as a stream, with the book's styles; ``otherwise``
        where there is none, or the workbook counts its dates from 1904 (they read back otherwise)."""
        sheet = find_sheet(self, spec)
        try:
            with Package(self.path) as pkg:
                part = dict(pkg.sheets()).get(sheet) if sheet else None
                if part is None or not pkg.has(part) or _from_1904(pkg):
                    return otherwise
                styles = Styles(pkg, styles_part(pkg))
                with pkg.zip.open(part) as stream:
                    return read(stream, styles)
        except (WorkbookError, KeyError, *ZIP_ERRORS):       # a damaged part is the comparison's to say
            return otherwise

    def replace_sheet(self, spec: SheetSpec, note: str, rows: list[list], kept: int = 0,
                      mark: str | None = None, company: str = "",
                      source: Callable[[str | None], str | None] | None = None) -> None:
        self._ops.append(("replace_sheet", (spec, note, rows, kept, mark, company, source)))

    def write_layout(self, layout: Layout) -> None:
        self._ops.append(("write_layout", (layout,)))

    def _can_save(self) -> None:
        """The parts saving edits can be edited; in a shape this writer leaves to openpyxl, the
        whole load openpyxl's save needs."""
        with Package(self.path) as pkg:
            pkg.xml("[Content_Types].xml")
            if pkg.xml(pkg.workbook_part).find(f"{{{MAIN}}}sheets") is None:
                raise damaged(pkg.path, pkg.workbook_part)
            Styles(pkg, styles_part(pkg))
            patchable = self._plain(pkg)
        if not patchable:
            super()._can_save()

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
        """Whether every sheet uses SpreadsheetML as the default namespace, as the byte-level
        edits of sheet data expect (not ``<x:worksheet>``, as a few generators write)."""
        sheets = [part for _, part in pkg.sheets() if part and pkg.has(part)]
        return all(b":" not in _root_name(pkg.head(part, 2048)) for part in sheets)

    def _apply(self, pkg: Package) -> None:
        pkg.xml("[Content_Types].xml")              # a part this writer relies on: damage, if not XML
        styles = Styles(pkg, styles_part(pkg))
        strings = self._shared_strings(pkg)
        for part, (edits, marks) in self._sheet_edits(pkg):
            chunks = _patched(pkg, part, edits, styles, strings and strings[1])
            if edits:
                parts.grow_tables(pkg, part, max(edits))
            if marks:                              # chunks[-1]: the sheet from </sheetData> on
                cells = marked(chunks[-1])
                for at_fault, rows in marks:
                    cleared = set(rows)
                    cells = {c for c in cells if c[0] not in cleared} | set(at_fault)
                chunks[-1] = with_marks(chunks[-1], cells, styles)
            pkg.put(part, lambda chunks=chunks: _inflated(chunks))
            del edits                              # this sheet's cells to write: written into chunks
        if strings and strings[1].new:
            pkg.put(strings[0], strings[1].part())
        for name, args in self._ops:
            if name == "replace_sheet":
                self._write_generated(pkg, styles, *args)
            elif name == "write_layout":
                self._write_layout(pkg, styles, *args)

    @staticmethod
    def _shared_strings(pkg: Package) -> tuple[str, SharedStrings] | None:
        """The workbook's shared string table (its part), where text written into sheets goes
        when the workbook keeps one; else text is written in its cells."""
        found = pkg.targets(pkg.workbook_part, "sharedStrings")
        if not found or not pkg.has(found[0][1]):
            return None
        table = SharedStrings.of(pkg.read(found[0][1]))
        return (found[0][1], table) if table else None

    def _sheet_edits(self, pkg: Package) -> Iterator[tuple[str, tuple[dict[int, dict[int, object]], list]]]:
        """Per input sheet part, one part at a time: the cells to write (row → col → value), and the
        marks in order. Measured (tracemalloc, the 100,000-line post's save): the cells of both
        document sheets made at once were 40 MB held beside each sheet read; a part's are made
        when it is patched and let go before the next is read."""
        parts = dict(pkg.sheets())
        ops: dict[str, list] = {}
        for name, args in self._ops:
            if name == "write_column" or (name == "mark" and args[2]):
                part = parts.get(args[0])
                if part is None or not pkg.has(part):
                    raise damaged(pkg.path, part or pkg.rels_name(pkg.workbook_part))
                ops.setdefault(part, []).append((name, args))
        for part in list(ops):
            rows: dict[int, dict] = {}
            marks: list = []
            for name, args in ops.pop(part):
                if name == "write_column":
                    _, col, first, values, number_format = args
                    for i, value in enumerate(values):
                        rows.setdefault(first + i, {})[col] = (value, number_format)
                else:
                    marks.append((args[1], args[2]))
            yield part, (rows, marks)
            del rows

    def _write_generated(self, pkg: Package, styles: Styles, spec: SheetSpec, note: str, rows: list[list],
                         kept: int, mark: str | None, company: str,
                         source: Callable[[str | None], str | None] | None = None) -> None:
        """A generated sheet written anew; created, or its parts repaired, where it needs it."""
        sheet = find_sheet(self, spec)
        part = dict(pkg.sheets()).get(sheet) if sheet else None
        if sheet is None:
            part = parts.add_sheet(pkg, spec.zh)
        elif part is None:
            raise damaged(pkg.path, pkg.rels_name(pkg.workbook_part))
        elif not pkg.has(part):
            self._repairs.append(f"“{sheet}”表的数据部件丢失，已重建")
            parts.declare(pkg, part, "worksheet")
        rid = self._own_table(pkg, spec, sheet, part, generated_table_ref(spec, kept + len(rows)))
        head = _before_rows(pkg, part) if kept else b""
        pkg.put(part, generated_sheet(lambda: pkg.original(part), spec, note, rows, styles, rid, kept, company, head,
                                      source))
        set_print_names(pkg, sheet or spec.zh, repeat=(2, 2))
        parts.set_owner(pkg, spec, sheet or spec.zh)
        if mark is not None:
            parts.set_mark(pkg, spec, mark)

    def _write_layout(self, pkg: Package, styles: Styles, layout: Layout) -> None:
        """A report or printed 单据 sheet written anew (created if missing): whatever it related to
        dropped, its charts, print area and repeated rows written."""
        sheet = find_sheet(self, layout.spec) or layout.spec.zh
        part = dict(pkg.sheets()).get(sheet) or parts.add_sheet(pkg, sheet)
        drop_relations(pkg, part)
        pkg.put(part, layout_sheet(layout, styles, add_charts(pkg, part, layout, sheet)))
        layout_print_names(pkg, sheet, layout)
        parts.set_owner(pkg, layout.spec, sheet)

    def _own_table(self, pkg: Package, spec: SheetSpec, sheet: str | None, part: str, ref: str) -> str:
        """The generated sheet's one Table, named as the contract says, its range ``ref``: the
        sheet's first table kept (its part and id), others on it dropped, a table elsewhere that
        holds the name renamed. Returns the sheet's relationship id of the table."""
        tables = parts.tables(pkg)
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
            parts.unrelate(pkg, part, t.part)
            pkg.put(t.part, None)
            parts.declare(pkg, t.part, None)
        if mine:
            table, table_id = mine[0].part, mine[0].id
        else:
            table = parts.free_part(pkg, posixpath.join(posixpath.dirname(pkg.workbook_part), "tables/table{}.xml"))
            table_id = max((t.id for t in tables), default=0) + 1
            parts.declare(pkg, table, "table")
        pkg.put(table, parts.table_xml(spec, table_id, ref))
        rid = next((rid for rid, target in pkg.targets(part, "table") if target == table), None)
        return rid or parts.relate(pkg, part, "table", table)


def _changes(current: list[list], r: int, col: int, value: object) -> bool:
    """Whether writing ``value`` into row ``r``, column ``col`` of the rows read changes the cell (an
    empty cell given something is asked first, without a call: a taxed post's figures go into those)."""
    row = current[r - 1] if r <= len(current) else ()
    old = row[col - 1] if col <= len(row) else None
    return old is None and value is not None and value != "" or not same(old, value)


# Rows edited from which a patched sheet's rows wait for saving deflated (see sheetdata.Deflated),
# and the size of sheet XML from which they do however few are edited (a choice, not a measurement:
# twice the 30 MB of bench's 100,000-line sheets, whose posts edit more rows than HELD_DEFLATED).
HELD_DEFLATED = 10_000
HELD_DEFLATED_SIZE = 64 << 20


def _patched(pkg: Package, part: str, edits: dict, styles: Styles, strings: SharedStrings | None) -> list:
    """An input sheet patched, as sheetdata.sheet_chunks' pieces: read from the zip a piece at a
    time (sheetdata.streamed_sheet_chunks), so its XML never stands whole in memory. Measured on
    the 1,000,000-line bench post (`bench/run.py --million`, one run each, a loaded machine): the
    sheet inflated whole (643 MB) beside its rows as they were patched made the save the post's
    peak, 2,026 MB (save 155 s); read so, the post peaks at 1,590 MB, reached before the save
    (save 127 s). Where an edited row is not found by its number
    (rows added after the last, other writers' attribute orders) the sheet is read whole and walked
    row by row, as before — as is a sheet already put in the package (the file's part is not it)."""
    if not pkg.replaced(part):
        try:
            size = pkg.zip.getinfo(part).file_size
            rows = Deflated() if len(edits) >= HELD_DEFLATED or size >= HELD_DEFLATED_SIZE else bytearray()
            chunks = streamed_sheet_chunks(lambda: pkg.zip.open(part), size, edits, styles, strings, rows)
        except (KeyError, SheetXmlError, *ZIP_ERRORS) as exc:
            raise damaged(pkg.path, part) from exc
        if chunks is not None:
            return chunks
    xml = pkg.inflated(part)
    if b"<sheetData" not in xml or b"</worksheet>" not in xml:
        raise damaged(pkg.path, part)
    rows = Deflated() if len(edits) >= HELD_DEFLATED or len(xml) >= HELD_DEFLATED_SIZE else bytearray()
    try:
        return sheet_chunks(xml, edits, styles, strings, rows)  # none of the chunks holds the sheet read
    except ValueError as exc:                                    # no </sheetData>
        raise damaged(pkg.path, part) from exc


def _inflated(chunks: list) -> Iterator[bytes]:
    for chunk in chunks:
        if isinstance(chunk, Deflated):
            yield from chunk
        else:
            yield chunk


def _before_rows(pkg: Package, part: str) -> bytes:
    """A sheet's XML before its rows (<sheetData>), read without inflating all of it."""
    size = 1 << 14
    while True:
        head = pkg.head(part, size)
        found = head.find(b"<sheetData")
        if found >= 0:
            return head[:found]
        if len(head) < size:
            raise damaged(pkg.path, part)
        size *= 4


def _from_1904(pkg: Package) -> bool:
    found = pkg.xml(pkg.workbook_part).find(f"{{{MAIN}}}workbookPr")
    return found is not None and found.get("date1904", "").lower() in ("1", "true")


def _root_name(head: bytes) -> bytes:
    """The root element's name as written (``worksheet``, or ``x:worksheet`` with a prefix)."""
    found = _ROOT_TAG.match(head)
    return found.group(1) if found else b""
