"""Issue 24, the write side of a post: parts nobody edited copied as their compressed bytes,
状态 written as shared strings where the workbook keeps them, generated sheets written as they
are made (never held whole), and the file the same to every reader."""
from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jxc_xl.sheets.format import Exact

from .test_shapes import damage, post_patched
from ..wb import TODAY, purchase, sale, type_rows, cell


def raw_bytes(path: Path, name: str) -> bytes:
    """A part's bytes as the zip stores them (compressed), read past its local header."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        skip = sum(struct.unpack("<HH", header[26:30]))
        fh.seek(info.header_offset + 30 + skip)
        return fh.read(info.compress_size)


def at_level_nine(path: Path) -> None:
    """The workbook's zip written again, every part compressed at level 9 (zipfile's default,
    which a part copied through it would get, is 6; this writer's own is 1)."""
    with zipfile.ZipFile(path) as z:
        parts = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info, data in parts:
            z.writestr(info.filename, data)


def test_parts_nobody_edited_are_copied_as_their_compressed_bytes(file_book):
    [row] = type_rows(file_book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    at_level_nine(file_book)
    with zipfile.ZipFile(file_book) as z:
        before = z.getinfo("xl/theme/theme1.xml")
        theme = z.read("xl/theme/theme1.xml")
    raw = raw_bytes(file_book, "xl/theme/theme1.xml")
    for level in (1, 6):                                     # recompressed, it would differ
        squeeze = zlib.compressobj(level, zlib.DEFLATED, -15)
        assert raw != squeeze.compress(theme) + squeeze.flush()
    post_patched(file_book)
    assert raw_bytes(file_book, "xl/theme/theme1.xml") == raw
    with zipfile.ZipFile(file_book) as z:
        assert z.testzip() is None                           # every part's CRC holds
        after = z.getinfo("xl/theme/theme1.xml")
        assert (after.CRC, after.compress_size, after.file_size) == (before.CRC, before.compress_size, before.file_size)
        assert z.read("xl/theme/theme1.xml") == theme
    assert cell(file_book, "采购", row, "状态").startswith("已过账")
    openpyxl.load_workbook(file_book)                         # and the file opens as a whole


def test_the_parts_keep_their_order(file_book):
    """Copied raw or written anew, every part stays where it was in the zip."""
    type_rows(file_book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    with zipfile.ZipFile(file_book) as z:
        order = z.namelist()
    post_patched(file_book)
    with zipfile.ZipFile(file_book) as z:
        assert z.namelist()[:len(order)] == order


def with_shared_strings(path: Path) -> None:
    """The workbook given a shared string table of one item, as Excel keeps one."""
    from jxc_xl.io.package import MAIN
    rel = ('<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           'sharedStrings" Target="sharedStrings.xml"/></Relationships>').encode()
    kind = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sharedStrings+xml"/></Types>').encode()

    def change(parts):
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>旧</t></si></sst>'.encode()
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", rel)
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", kind)
    damage(path, change)


def test_statuses_go_into_the_shared_strings_once_each(file_book):
    """A workbook that keeps a shared string table gets 状态 as references to it: one item per
    text, however many rows carry it, and every reader reads the text."""
    rows = type_rows(file_book, "采购", [purchase(f"CG{n}", dt.date(2026, 11, 2), "A001", 10, 6) for n in range(1, 4)])
    with_shared_strings(file_book)
    post_patched(file_book)
    from jxc_xl.io.package import Package
    from jxc_xl.io.xlsx import FileBook
    with Package(file_book) as pkg:
        sheet = pkg.read(dict(pkg.sheets())["采购"])
        [(_, part)] = pkg.targets(pkg.workbook_part, "sharedStrings")
        table = pkg.read(part)
    status = cell(file_book, "采购", rows[0], "状态")
    assert status.startswith("已过账") and table.count(status.encode()) == 1
    assert table.startswith(b'<sst xmlns="http') and 'count="4" uniqueCount="2"><si><t>旧</t></si><si>'.encode() in table
    assert sheet.count(b't="s"><v>1</v>') == 3
    assert [cell(file_book, "采购", r, "状态") for r in rows] == [status] * 3
    values = [v for row in FileBook(file_book).values("采购") for v in row]
    assert values.count(status) == 3                                       # calamine reads the same


def test_a_row_is_written_in_place_or_whole_alike(tmp_path):
    """The quick rewrite of a row (each edited cell found by its reference, or added after the
    last) and the whole rewrite give the same cells, whatever the order they had to go in."""
    import zipfile as z
    from jxc_xl.io.package import Package
    from jxc_xl.io.sheetdata import _row
    from jxc_xl.io.styles import Styles
    from .test_patch import STYLES
    path = tmp_path / "s.xlsx"
    with z.ZipFile(path, "w") as out:
        out.writestr("xl/styles.xml", STYLES)
    with Package(path) as pkg:
        styles = Styles(pkg, "xl/styles.xml")
        cells = b'<c r="A5" s="2"><v>1</v></c><c r="C5" t="inlineStr"><is><t>x</t></is></c><c r="E5"/>'
        for edit in ({3: ("ok", None)}, {5: ("ok", None)}, {7: ("ok", None), 8: (3, None)},
                     {2: ("between", None)}, {1: (None, None), 9: ("z", None)}):
            quick = _row(5, b'<row r="5"', cells, {c: v for c, v in edit.items()}, styles)
            whole = _row(5, b'<row r="5"', cells.replace(b'<c r="', b'<c  r="'), edit, styles)
            assert quick == whole.replace(b'<c  r="', b'<c r="'), edit


_CELLS = st.sampled_from(['<c r="{ref}" s="1"><v>1.5</v></c>', '<c r="{ref}" s="2"/>', '<c r="{ref}"/>',
                           '<c r="{ref}" t="inlineStr"><is><t>旧</t></is></c>',
                           '<c r="{ref}" s="3"><f>G{row}*H{row}</f><v /></c>', '<c r="{ref}" s="1" t="n" />'])
_VALUES = st.sampled_from([Exact("12.30"), Exact("-0.05"), Exact("9.641429"), Exact("0.13"), Decimal("61.92"), 7,
                           "已过账 批次1", dt.date(2026, 11, 2), None, ""])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(present=st.lists(st.tuples(st.integers(1, 40), _CELLS), max_size=16, unique_by=lambda c: c[0]),
       edit=st.dictionaries(st.integers(1, 42), st.tuples(_VALUES, st.sampled_from([None, "#,##0.00", "#,##0.0000"])),
                            min_size=1, max_size=8),
       styled_row=st.booleans(), shared=st.booleans(), row=st.sampled_from([7, 1, 17, 71, 100000]),
       buffer=st.booleans())
def test_a_row_written_in_one_pass_is_the_whole_rewrite(tmp_path_factory, present, edit, styled_row, shared, row,
                                                        buffer):
    """A row's edited cells written in one pass (each replacing its cell or going before the next
    one right of it) give the very bytes the whole rewrite gives, whatever cells the row holds and
    whatever is written: figures as exact text or Decimals, numbers, text, dates, nothing; on any
    row (its number's digits ending each reference looked for: A7 is not A71) and from the sheet
    read as bytes or as the buffer a patched sheet is read into."""
    import zipfile as z
    from jxc_xl.io.package import Package
    from jxc_xl.io.sheetdata import SharedStrings, _in_place, _whole
    from jxc_xl.io.styles import Styles
    from jxc_xl.sheets.book import column_letter
    from .test_patch import STYLES
    path = tmp_path_factory.mktemp("s") / "s.xlsx"
    with z.ZipFile(path, "w") as out:
        out.writestr("xl/styles.xml", STYLES)
    cells = "".join(kind.format(ref=f"{column_letter(c)}{row}", row=row) for c, kind in sorted(present)).encode()
    cells = bytearray(cells) if buffer else cells
    row_style = re.search(rb'\bs="(\d+)"', b' s="2"') if styled_row else None
    with Package(path) as pkg:
        styles = Styles(pkg, "xl/styles.xml")
        strings = [SharedStrings(b"<sst><si><t>a</t></si></sst>") if shared else None for _ in range(2)]
        quick = _in_place(row, cells, edit, row_style, styles, strings[0])
        assert quick is not None                   # the quick way taken: the cells are in order, as jxc writes them
        assert quick == _whole(row, bytes(cells), edit, row_style, styles, strings[1])
        assert strings[0] is None or strings[0].new == strings[1].new


def test_a_figure_written_as_exact_text_is_a_number_and_counts_as_there(tmp_path):
    """A figure given as its exact text (a taxed post's write-back) goes into the sheet as the
    number, never as text, and a cell already holding it is not written again."""
    from jxc_xl.io.patch import PatchBook
    from jxc_xl.io.sheetdata import cell_xml, same
    assert cell_xml("K7", Exact("12.30"), 3) == b'<c r="K7" s="3"><v>12.30</v></c>'
    assert same(12.3, Exact("12.30")) and not same(12.31, Exact("12.30"))
    book = tmp_path / "b.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "采购"
    wb["采购"].append(["单价", "金额"])
    wb["采购"].append([None, 12.3])
    wb.save(book)
    pb = PatchBook(book)
    pb.write_column("采购", 1, 2, [Exact("9.641429")], "#,##0.0000")
    pb.write_column("采购", 2, 2, [Exact("12.30")], "#,##0.00")          # already there: not an edit
    assert [op for op in pb._ops if op[0] == "write_column"] == [("write_column", ("采购", 1, 2, [Exact("9.641429")],
                                                                                     "#,##0.0000"))]
    pb.save()
    ws = openpyxl.load_workbook(book)["采购"]
    assert (ws["A2"].value, ws["A2"].number_format, ws["B2"].value) == (9.641429, "#,##0.0000", 12.3)


def test_a_generated_sheet_is_written_as_it_is_made(file_book):
    """台账 of 20,000 rows is made into XML a block of rows at a time while the file is written:
    what saving holds at its peak is a small part of the sheet's XML (it held it three times)."""
    import tracemalloc
    from jxc_xl.io.patch import PatchBook
    from jxc_xl.sheets.contract import JOURNAL
    from jxc_xl.sheets.format import Exact
    row = [dt.date(2026, 11, 2), "CG00012345", "采购入库", "A001", "商品A", "WH1", Exact("10"), Exact("6.5"),
           Exact("65.00"), Exact("0"), Exact("0"), Exact("10"), Exact("65.00"), "S01", ""]
    rows = [row[:len(JOURNAL.columns)] for _ in range(20_000)]
    book = PatchBook(file_book)
    book.replace_sheet(JOURNAL, "note", rows)
    tracemalloc.start()
    book.save()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    with zipfile.ZipFile(file_book) as z:
        part = next(n for n in z.namelist() if n.startswith("xl/worksheets/") and b"CG00012345" in z.read(n))
        size = z.getinfo(part).file_size
    assert size > 4_000_000 and peak < size / 4, (size, peak)
    wb = openpyxl.load_workbook(file_book, read_only=True)
    found = list(wb["台账"].iter_rows(min_row=3, values_only=True))
    assert len(found) == 20_000 and found[-1][1] == "CG00012345"


def test_a_column_block_is_held_as_one_edit_per_run_of_cells_that_change(file_book):
    """Issue 24 (memory): what a post writes down a column waits for saving as one edit per run
    of neighbouring cells that change, not one per cell (200,000 of them, 40 MB, held through 刷新
    at 100,000 lines); the cells come out as before."""
    from jxc_xl.io.patch import PatchBook
    rows = type_rows(file_book, "采购", [purchase(f"CG{n}", TODAY, "A001", 1, 2) for n in range(6)])
    book = PatchBook(file_book)
    header = next(r for r in book.values("采购") if "状态" in r)
    book.write_column("采购", header.index("状态") + 1, rows[0], ["a", "b", None, "c", "d", "e"])
    assert [args[2:4] for _, args in book._ops] == [(rows[0], ["a", "b"]), (rows[3], ["c", "d", "e"])]
    book.save()
    assert [cell(file_book, "采购", r, "状态") for r in rows] == ["a", "b", None, "c", "d", "e"]


def test_a_sheet_of_many_rows_patched_waits_for_saving_deflated_and_is_saved_the_same(file_book, tmp_path, monkeypatch):
    """Issue 24 (memory): a sheet with many rows edited (a large post's 状态) is held deflated
    until the file is written (100,000 lines: 66 MB → 7 MB of the save's peak); the file written
    from it is the same, part for part, as from the rows held as they are."""
    from jxc_xl.io import patch
    type_rows(file_book, "采购", [purchase(f"CG{n}", dt.date(2026, 11, 2), "A001", 10, 6) for n in range(40)])
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(file_book.read_bytes())
    held: list = []

    class Watched(patch.Deflated):
        def __iter__(self):
            held.append((self.size, len(self.data)))
            return super().__iter__()

    monkeypatch.setattr(patch, "Deflated", Watched)
    monkeypatch.setattr(patch, "HELD_DEFLATED", 10 ** 9)
    post_patched(plain)
    assert held == []                                       # few rows edited: held as they are
    monkeypatch.setattr(patch, "HELD_DEFLATED", 40)
    post_patched(file_book)
    assert len(held) == 1 and held[0][1] * 3 < held[0][0]   # the 采购 sheet's rows, deflated
    with zipfile.ZipFile(file_book) as saved, zipfile.ZipFile(plain) as other:
        names = [n for n in saved.namelist() if n.startswith("xl/worksheets/sheet")]
        differing = [n for n in names if _untimed(saved.read(n)) != _untimed(other.read(n))]
    assert names and all(b"<sheetData" in zipfile.ZipFile(file_book).read(n) for n in names)
    assert [n for n in differing if not _generated(file_book, n)] == []
    assert cell(file_book, "采购", 3, "状态").startswith("已过账")


def _untimed(xml: bytes) -> bytes:
    """A sheet's XML without the times its 状态 say (two posts: two times)."""
    return re.sub(rb"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?", b"", xml)


def _generated(book, part: str) -> bool:
    """A generated sheet (its note says when it was made: two posts, two minutes maybe)."""
    with zipfile.ZipFile(book) as z:
        return b"tabColor" in z.read(part)


def test_a_patched_sheet_is_read_in_pieces_not_inflated_whole(file_book, monkeypatch):
    """Issue 24 (memory): zipfile's read of a whole part joins its inflated blocks at the end (the
    1,000,000-row sheet, 648 MB, peaked at 1,392 MB); the sheet a post patches is read in pieces
    into one buffer of its size."""
    from jxc_xl.io import package, sheetdata
    type_rows(file_book, "采购", [purchase(f"CG{n}", dt.date(2026, 11, 2), "A001", 10, 6) for n in range(40)])
    asked: list = []
    read = zipfile.ZipExtFile.read

    def watched(self, n=-1):
        asked.append((self.name, n))
        return read(self, n)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", watched)
    monkeypatch.setattr(package, "PIECE", 1000)
    monkeypatch.setattr(sheetdata, "PIECE", 1000)
    post_patched(file_book)
    sheet = next((name for name, n in asked if n == 1000), None)
    assert len([n for name, n in asked if name == sheet and n == 1000]) > 3        # in pieces
    assert [n for name, n in asked if name == sheet and (n is None or n < 0)] == []
    assert cell(file_book, "采购", 3, "状态").startswith("已过账")


def test_cells_given_by_row_are_one_edit_and_saved_as_the_same_cells_written_run_by_run(tmp_path):
    """A taxed post's figures go into the cells left empty, in runs broken wherever a line was priced
    the other way: given by row (one call a column, not one a run) they are held as the runs of cells
    that change, and the sheet saved holds byte for byte what writing each run as a column block
    gives — through the XML writer, and cell for cell through openpyxl's (a workbook the XML writer
    leaves to it)."""
    from jxc_xl.io.patch import PatchBook
    from jxc_xl.io.xlsx import FileBook
    cells = {2: Exact("9.641429"), 3: Exact("12.30"), 5: Exact("-0.05"), 6: dt.date(2026, 11, 2), 7: "", 9: 7,
             10: Exact("1")}
    runs = ((2, [cells[2], cells[3]]), (5, [cells[5], cells[6], cells[7]]), (9, [7, cells[10]]))
    paths = {}
    for kind in (PatchBook, FileBook):
        for way in ("cells", "runs"):
            book = paths[kind, way] = tmp_path / f"{kind.__name__}-{way}.xlsx"
            wb = openpyxl.Workbook()
            wb.active.title = "采购"
            wb["采购"].append(["单价", "金额"])
            for r in range(2, 12):
                wb["采购"].append([12.3 if r == 3 else "=1+1" if r == 4 else None, r])
            wb.save(book)
            pb = kind(book)
            if way == "runs":
                for first, block in runs:
                    pb.write_column("采购", 1, first, block, "#,##0.0000")
            else:
                pb.write_cells("采购", 1, cells, "#,##0.0000")
            if (kind, way) == (PatchBook, "cells"):      # 12.30 is there already, "" in an empty cell changes nothing
                assert [op[1][2:4] for op in pb._ops] == [(2, [Exact("9.641429")]),
                                                          (5, [Exact("-0.05"), dt.date(2026, 11, 2)]),
                                                          (9, [7, Exact("1")])]
            pb.save()
    with zipfile.ZipFile(paths[PatchBook, "cells"]) as a, zipfile.ZipFile(paths[PatchBook, "runs"]) as b:
        assert a.read("xl/worksheets/sheet1.xml") == b.read("xl/worksheets/sheet1.xml")
    read = {key: [[(c.value, c.number_format) for c in row] for row in openpyxl.load_workbook(p)["采购"].iter_rows()]
            for key, p in paths.items()}
    assert read[PatchBook, "cells"] == read[PatchBook, "runs"] and read[FileBook, "cells"] == read[FileBook, "runs"]
    for key in paths:
        assert read[key][3][0] == ("=1+1", "General") and read[key][5][0] == (dt.datetime(2026, 11, 2), "yyyy-mm-dd")
        assert read[key][1][0] == (9.641429, "#,##0.0000")


def test_a_part_inflated_in_pieces_holds_little_more_than_its_size(tmp_path):
    """Issue 24 (memory): each piece zipfile inflates is read into a buffer of its own and joined
    with what it had over; pieces of 16 MB made the bench book's 29 MB 采购 sheet peak at 77 MB
    while it was read (the save's peak of the 100,000-line post), pieces of 1 MB at 34 MB."""
    import tracemalloc

    from jxc_xl.io.package import Package
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>CG%07d</t></is></c></row>' % (n, n, n)
                    for n in range(1, 200_000))
    book = tmp_path / "big.zip"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", rows)
    with Package(book) as pkg:
        tracemalloc.start()
        try:
            data = pkg.inflated("xl/worksheets/sheet1.xml")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert data == rows and len(rows) > 12 * 2**20
    assert peak < len(rows) + 8 * 2**20          # pieces of 16 MB: + 34 MB


def test_the_cells_a_save_writes_are_made_one_sheet_at_a_time(file_book, monkeypatch):
    """Issue 24 (memory): the cells to write into 采购 and 销售 (a dict per row, 40 MB for the
    100,000-line post) are made for one sheet when it is patched and let go before the next sheet
    is read: when each sheet is read, only its own are held. Told by tracemalloc's count of what
    the patch writer allocated and still holds, by the sheet being read (30 rows vs 300)."""
    import tracemalloc

    from jxc_xl.io import package, patch
    type_rows(file_book, "采购", [purchase(f"CG{n}", dt.date(2026, 11, 2), "A001", 100, 6) for n in range(30)])
    type_rows(file_book, "销售", [sale(f"XS{n}", dt.date(2026, 11, 5), "A001", 1, 9) for n in range(300)])
    held: dict[int, int] = {}
    streamed = patch.streamed_sheet_chunks

    def watched(open_part, size, *args):
        if tracemalloc.is_tracing():
            ours = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, patch.__file__)])
            held[len(held)] = sum(stat.count for stat in ours.statistics("filename"))
        return streamed(open_part, size, *args)

    save = patch.PatchBook.save

    def traced(self):
        tracemalloc.start()
        try:
            save(self)
        finally:
            tracemalloc.stop()

    monkeypatch.setattr(patch, "streamed_sheet_chunks", watched)
    monkeypatch.setattr(patch.PatchBook, "save", traced)
    post_patched(file_book)
    assert len(held) == 2
    few, many = sorted(held.values())
    assert many > 300 and few < 100             # both sheets' cells at once: > 330 at each read
    assert cell(file_book, "销售", 3, "状态").startswith("已过账")
