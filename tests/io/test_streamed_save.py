"""Issue 24 (memory): an input sheet a post patches is read from the zip a piece at a time, its
rows patched as they pass, and never stands whole in memory — and the file saved is byte for byte
the one the sheet read whole gave (the walk :func:`sheet_chunks` makes, which stays for the sheets
whose edited rows are not found by their number)."""
from __future__ import annotations

import zipfile

import openpyxl
import pytest

from jxc_xl.io import patch, sheetdata
from jxc_xl.io.package import Package, WorkbookError, xml_bytes
from jxc_xl.io.patch import PatchBook
from jxc_xl.io.sheetdata import Deflated, SharedStrings, SheetXmlError, sheet_chunks, streamed_sheet_chunks
from jxc_xl.io.styles import Styles

from .test_patch import STYLES

SHEET = "xl/worksheets/sheet1.xml"
MIDDLE = {r: {3: ("已过账", None), 2: (r * 7, None)} for r in (4, 5, 9, 30, 31, 57)}
APPENDED = {**MIDDLE, 80: {3: ("已过账", None)}, 81: {1: ("新", None)}}


def _sheet(inline: bool, tail: bytes = b"<pageMargins/>", rows: int = 60) -> bytes:
    made = []
    for r in range(1, rows + 1):
        text = (b'<c r="A%d" t="inlineStr"><is><t>CG%05d &amp; x</t></is></c>' % (r, r) if inline
                else b'<c r="A%d" t="s"><v>%d</v></c>' % (r, r % 3))
        made.append(b'<row r="%d" spans="1:3">%s<c r="B%d" s="1"><v>%d</v></c></row>' % (r, text, r, r)
                    if r % 11 else b'<row r="%d"/>' % r)
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.'
            b'org/spreadsheetml/2006/main"><dimension ref="A1:C%d"/><sheetData>' % rows + b"".join(made) +
            b"</sheetData>" + tail + b"</worksheet>")


MERGED = (b'<mergeCells count="1"><mergeCell ref="D1:E1"/></mergeCells><conditionalFormatting sqref="B1:B9">'
          b'<cfRule type="cellIs" dxfId="0" priority="1" operator="lessThan"><formula>0</formula></cfRule>'
          b'</conditionalFormatting><pageMargins/>')
SST = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">'
       b'<si><t>a</t></si><si><t>b</t></si><si><t>c</t></si></sst>')


def _both(tmp_path, xml: bytes, edits: dict, shared: bool):
    """The sheet patched from the zip a piece at a time and read whole: (chunks or None, pieces,
    styles.xml and the shared strings after each)."""
    book = tmp_path / "sheet.zip"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(SHEET, xml)
        z.writestr("xl/styles.xml", STYLES)
    made = []
    with Package(book) as pkg:
        for streamed in (True, False):
            pkg._trees.clear()
            styles, strings = Styles(pkg, "xl/styles.xml"), SharedStrings(SST) if shared else None
            if streamed:
                chunks = streamed_sheet_chunks(lambda: pkg.zip.open(SHEET), len(xml), edits, styles, strings,
                                               Deflated() if len(edits) > 6 else bytearray())
            else:
                chunks = sheet_chunks(pkg.read(SHEET), edits, styles, strings, bytearray())
            made.append((chunks and b"".join(patch._inflated(chunks)), xml_bytes(*pkg._trees["xl/styles.xml"]),
                         strings and strings.part()))
    return made


@pytest.mark.parametrize("piece", [7, 100, 1 << 20])
@pytest.mark.parametrize("inline", [True, False], ids=["inline strings", "shared strings"])
@pytest.mark.parametrize("tail", [b"<pageMargins/>", MERGED], ids=["margins", "merged cells and a format"])
def test_a_sheet_patched_as_it_is_read_is_the_sheet_patched_whole(tmp_path, monkeypatch, piece, inline, tail):
    monkeypatch.setattr(sheetdata, "PIECE", piece)        # rows straddle the pieces read
    xml = _sheet(inline, tail)
    for edits in (MIDDLE, {r: {3: ("ok", None)} for r in range(1, 61)}, {}):
        streamed, whole = _both(tmp_path, xml, edits, not inline)
        assert streamed[0] is not None and streamed == whole
        assert (b"CG00030 &amp; x" if inline else b'<c r="A30" t="s"><v>0</v></c>') in streamed[0]
    streamed, whole = _both(tmp_path, xml, APPENDED, not inline)    # rows past the last: read whole
    assert streamed[0] is None and b'<row r="81"><c r="A81"' in whole[0]


@pytest.mark.parametrize("damaged", [b"</sheetData>", b"</worksheet>", b"<sheetData>", b"</row></sheetData>"])
def test_a_sheet_cut_short_is_damaged(tmp_path, damaged):
    xml = _sheet(True).replace(damaged, damaged[-12:] if damaged.startswith(b"</row>") else b"", 1)
    book = tmp_path / "sheet.zip"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(SHEET, xml)
        z.writestr("xl/styles.xml", STYLES)
    with Package(book) as pkg, pytest.raises(SheetXmlError):
        streamed_sheet_chunks(lambda: pkg.zip.open(SHEET), len(xml), {60: {3: ("x", None)}},
                              Styles(pkg, "xl/styles.xml"), None, bytearray())


# -- whole books, saved by the patch writer both ways -----------------------------------------------------------
def _book(path, inline: bool, tail: bytes) -> None:
    """A workbook of one sheet “采购” (its XML :func:`_sheet`), with a shared string table or none
    (openpyxl writes its text inline)."""
    wb = openpyxl.Workbook()
    wb.active.title = "采购"
    wb.active["A1"] = "a"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
    parts[SHEET] = _sheet(inline, tail)
    if not inline:
        parts["xl/sharedStrings.xml"] = SST
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9"/></Relationships>')
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _saved(path, rows: dict, marks: bool, whole: bool, monkeypatch) -> dict[str, bytes]:
    streamed = patch.streamed_sheet_chunks
    with monkeypatch.context() as m:
        if whole:                                      # the sheet inflated whole, as before issue 24's stream
            m.setattr(patch, "streamed_sheet_chunks", lambda *args: None)
        else:                                          # read as it streams, but for rows past the last
            m.setattr(patch, "streamed_sheet_chunks", lambda *args: _told(streamed(*args), 80 not in rows))
        book = PatchBook(path)
        for r, cells in sorted(rows.items()):
            for c, (value, _) in cells.items():
                book.write_column("采购", c, r, [value])
        if marks:
            book.mark("采购", [(5, 2), (31, 3)], [4, 5, 31], 3)
        book.save()
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def _told(chunks, streams: bool):
    assert (chunks is not None) == streams
    return chunks


@pytest.mark.parametrize("inline", [True, False], ids=["inline strings", "shared strings"])
@pytest.mark.parametrize("tail", [b"<pageMargins/>", MERGED], ids=["margins", "merged cells and a format"])
@pytest.mark.parametrize("rows", [MIDDLE, APPENDED], ids=["middle", "appended"])
@pytest.mark.parametrize("marks", [True, False], ids=["marks", "no marks"])
def test_a_book_saved_from_the_sheet_as_it_is_read_is_the_book_saved_from_it_read_whole(
        tmp_path, monkeypatch, inline, tail, rows, marks):
    made = tmp_path / "made.xlsx"
    _book(made, inline, tail)
    saved = []
    for whole in (False, True):
        path = tmp_path / f"{whole}.xlsx"
        path.write_bytes(made.read_bytes())
        saved.append(_saved(path, rows, marks, whole, monkeypatch))
    assert saved[0] == saved[1]
    sheet = saved[0][SHEET]
    assert sheet.count(b"<conditionalFormatting") == (1 + marks if tail == MERGED else marks)
    assert ('t="inlineStr"><is><t xml:space="preserve">已过账'.encode() in sheet) == inline
    if marks:
        assert sheet.index(b"</sheetData>") < sheet.index(b"<conditionalFormatting")


@pytest.mark.parametrize("damage", ["crc", "cut", "no end"])
def test_a_damaged_sheet_says_so_in_one_line_as_when_read_whole(tmp_path, monkeypatch, damage):
    said = []
    for whole in (False, True):
        path = tmp_path / f"{whole}.xlsx"
        _book(path, False, MERGED)
        with zipfile.ZipFile(path) as z:
            parts = {info.filename: z.read(info) for info in z.infolist()}
        xml = parts[SHEET]
        if damage == "no end":
            parts[SHEET] = xml.replace(b"</worksheet>", b"")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(name, data)
        if damage != "no end":
            data = bytearray(path.read_bytes())
            with zipfile.ZipFile(path) as z:
                info = z.getinfo(SHEET)
            at = info.header_offset + 30 + len(SHEET) + len(info.extra) + info.compress_size // 2
            if damage == "crc":
                data[at] ^= 0x55
            else:
                data[at:at + 8] = bytes(8)
            path.write_bytes(bytes(data))
        with pytest.raises(WorkbookError) as raised:
            _saved(path, MIDDLE, True, whole, monkeypatch)
        said.append(str(raised.value).replace(path.name, "BOOK"))
    assert said[0] == said[1] and "\n" not in said[0] and SHEET in said[0]


def test_saving_holds_the_patched_sheet_in_pieces_never_its_xml_whole(tmp_path, monkeypatch):
    """Issue 24 (memory): saving a post's 状态 into a sheet holds the sheet deflated and a piece of
    it inflated at a time, never its XML whole: read whole, the 1,000,000-line bench sheet's 643 MB
    beside its rows patched made the save the post's peak (2,023 MB). Told by tracemalloc's peak
    during the save against the sheet's inflated size (read whole, the peak is above it)."""
    import tracemalloc

    monkeypatch.setattr(patch, "HELD_DEFLATED", 10)          # a few rows edited, held deflated as many are
    path = tmp_path / "big.xlsx"
    _book(path, True, MERGED)
    with zipfile.ZipFile(path) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
    parts[SHEET] = _sheet(True, MERGED, rows=150_000)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    size = len(parts[SHEET])
    del parts
    book = PatchBook(path)
    for r in range(100, 150_000, 1000):
        book.write_column("采购", 3, r, ["已过账"])
    book.mark("采购", [(5, 2)], [5], 3)
    tracemalloc.start()
    try:
        book.save()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 12 * 2**20 and peak < size / 2, (size, peak)      # read whole: 24 MB of 18; 7 MB
    with zipfile.ZipFile(path) as z:
        saved = z.read(SHEET)
    assert saved.count("已过账".encode()) == 150 and b"<mergeCells" in saved and saved.endswith(b"</worksheet>")


def test_a_sheet_already_put_in_the_package_is_patched_as_it_now_stands(tmp_path):
    """The file's part is not the sheet once another step has put it: patched from the package's
    copy (read whole), not from the zip (a later edit would otherwise be lost)."""
    book = tmp_path / "b.zip"
    xml = _sheet(True)
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as made:
        made.writestr(SHEET, xml)
        made.writestr("xl/styles.xml", STYLES)
    with Package(book) as pkg:
        pkg.put(SHEET, xml.replace(b"CG00004 &amp; x", b"EDITED-BEFORE"))
        patched = b"".join(patch._inflated(patch._patched(pkg, SHEET, {5: {3: ("ok", None)}},
                                                          Styles(pkg, "xl/styles.xml"), None)))
    assert b"EDITED-BEFORE" in patched and b"ok" in patched
