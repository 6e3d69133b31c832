"""Holes 9, 10 and 15: a bad file or a bad cell never ends in a traceback. An old .xls, a damaged
.xlsx (bad XML, a part or relationship missing, a truncated zip) is one line saying what is wrong
and what to do, exit 2; a cell value calamine cannot read (or panics on) is read from the XML
and becomes at worst a row error."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from jxc_xl.sheets.book import find_sheet
from jxc_xl.sheets.contract import PURCHASES
from jxc_xl.io.patch import PatchBook
from jxc_xl.io.package import Package, WorkbookError
from jxc_xl.io.sheetxml import read_sheet_xml
from jxc_xl.io.xlsx import FileBook

from .test_shapes import damage, post_patched
from ..wb import TODAY, purchase, type_rows

JXC = [sys.executable, "-m", "jxc_xl"]


def jxc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*JXC, *args], capture_output=True, text=True, timeout=300)


def refused(path: Path, words: str) -> str:
    """`jxc post` gives exit 2 and one line on stderr holding ``words``, and no traceback."""
    done = jxc("post", str(path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and words in done.stderr and "Traceback" not in done.stderr, done.stderr
    return done.stderr


def read_everything(path: Path) -> None:
    book = FileBook(path)
    for sheet in book.sheet_names():
        book.values(sheet)
        book.merged(sheet)


def test_an_old_xls_file_says_to_save_it_as_xlsx(book, tmp_path):
    assert shutil.which("soffice"), "LibreOffice (libreoffice-calc) must be installed"
    out = tmp_path / "xls"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{out}/profile", "--headless", "--convert-to", "xls",
                    "--outdir", str(out), str(book)], check=True, capture_output=True, timeout=180)
    xls = out / "账本.xls"
    with pytest.raises(WorkbookError, match=r"旧的 \.xls 格式.*文件 → 另存为 → Excel 工作簿 \(\*\.xlsx\)"):
        FileBook(xls)
    disguised = tmp_path / "改了名的.xlsx"                      # the same file, renamed by hand
    shutil.copy(xls, disguised)
    refused(disguised, "旧的 .xls 格式")


def sheet_part(path: Path, sheet: str) -> str:
    with Package(path) as pkg:
        return dict(pkg.sheets())[sheet]


def replace_cell(path: Path, sheet: str, ref: str, cell: bytes) -> None:
    part = sheet_part(path, sheet)

    def change(parts):
        parts[part], n = re.subn(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref.encode(), cell, parts[part], count=1)
        assert n == 1
    damage(path, change)


@pytest.mark.parametrize("cell", [
    b'<c r="B2" s="5"><v>-1e12</v></c>',               # a date serial calamine panics on (Rust)
    b'<c r="B2" s="5"><v>-1.7976931348623157E+308</v></c>',
    b'<c r="B2" t="s"><v>99999</v></c>',               # a shared string that is not there
    b'<c r="B2" t="b"><v>2</v></c>',                   # a boolean that is neither
    b'<c r="B2" t="zz"><v>1</v></c>',                  # a type Excel does not have
    b'<c r="B2" t="e"><v>#FOO!</v></c>',               # an error Excel does not have
    b'<c r="B2" s="5"><v>INF</v></c>',
    b'<c r="B2" t="d"><v>99999-01-01T00:00:00</v></c>',
])
def test_any_cell_value_is_a_row_error_at_worst(book, cell):
    [row] = type_rows(book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6),
                                    purchase("CG2", dt.date(2026, 11, 3), "A001", 1, 6)])[:1]
    replace_cell(book, "采购", f"B{row}", cell)
    values = FileBook(book).values("采购")
    assert values[row][2] == "入库"                            # the next row reads as it is
    done = jxc("post", str(book))
    assert done.returncode == 1 and "日期" in done.stdout, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "panicked" not in done.stderr, done.stderr
    assert FileBook(book).values("采购")[row][11].startswith("已过账")        # the good row posted


def test_the_xml_reader_reads_what_calamine_reads(tmp_path):
    """The fallback reader against calamine on the demo workbook (dates stay serial numbers)."""
    from jxc_xl.demo import build_demo
    path = build_demo(tmp_path)
    book = FileBook(path)
    epoch = dt.datetime(1899, 12, 30)
    with Package(path) as pkg:
        for sheet, part in pkg.sheets():
            rows, merged = read_sheet_xml(pkg, part)
            expected = [[(v - epoch).days if isinstance(v, dt.datetime) else
                         (v - epoch.date()).days if isinstance(v, dt.date) else None if v == "" else v
                         for v in row] for row in book.values(sheet)]
            while expected and not any(v is not None for v in expected[-1]):
                expected.pop()
            width = max((len(r) for r in expected), default=0)
            assert [r + [None] * (width - len(r)) for r in rows] == [r + [None] * (width - len(r)) for r in expected]
            assert merged == book.merged(sheet)



def test_sheets_read_ahead_side_by_side_read_as_one_by_one(book, monkeypatch):
    """read_ahead parses the sheets on handles of their own; each then reads exactly as it does
    alone — an error value (#N/A) and merged areas included — and is not parsed again."""
    [row] = type_rows(book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    replace_cell(book, "采购", f"H{row}", b'<c r="H%d" t="e"><v>#N/A</v></c>' % row)
    alone = FileBook(book)
    names = alone.sheet_names()
    expected = {name: (alone.values(name), alone.merged(name)) for name in names}
    ahead = FileBook(book)
    ahead.read_ahead(names)
    assert set(ahead._ahead) == set(names)
    monkeypatch.setattr(ahead, "_reader", None)          # a sheet parsed again would now fail
    assert {name: (ahead.values(name), ahead.merged(name)) for name in names} == expected
    assert expected["采购"][0][row - 1][7] == "#N/A" and not ahead._ahead

def truncate_xml(name: str):
    def change(parts):
        parts[name] = parts[name][:len(parts[name]) // 2]
    return change


def drop(name: str):
    return lambda parts: parts.pop(name)


def retarget(name: str):
    def change(parts):
        rels = "xl/_rels/workbook.xml.rels"
        parts[rels] = parts[rels].replace(name.removeprefix("xl/").encode(), b"worksheets/sheet99.xml")
    return change


PURCHASES_PART = "<采购's part>"        # whichever part the template gives the 采购 sheet


@pytest.mark.parametrize("make, name, part", [
    (truncate_xml, PURCHASES_PART, PURCHASES_PART),                          # 采购: bad XML
    (drop, PURCHASES_PART, PURCHASES_PART),                                  # 采购: part missing
    (retarget, PURCHASES_PART, "xl/worksheets/sheet99.xml"),                 # a relationship to nothing
    (drop, "xl/_rels/workbook.xml.rels", "xl/_rels/workbook.xml.rels"),
    (truncate_xml, "xl/workbook.xml", "xl/workbook.xml"),
    (truncate_xml, "xl/styles.xml", "xl/styles.xml"),
    (truncate_xml, "[Content_Types].xml", None),
])
def test_a_damaged_workbook_is_one_line_naming_the_part_and_the_bak(book, make, name, part):
    purchases = sheet_part(book, "采购")
    assert purchases.startswith("xl/worksheets/sheet")
    change, part = make(name.replace(PURCHASES_PART, purchases)), part and part.replace(PURCHASES_PART, purchases)
    book.with_name(book.name + ".bak").write_bytes(book.read_bytes())
    damage(book, change)
    with pytest.raises(WorkbookError) as found:
        read_everything(book)
        PatchBook(book).save()
        post_patched(book)
    message = str(found.value)
    assert "已损坏" in message and "账本.xlsx.bak" in message and "\n" not in message
    if part:
        assert part in message
    refused(book, "已损坏")


def test_missing_styles_is_found_when_writing(book):
    type_rows(book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    damage(book, drop("xl/styles.xml"))
    read_everything(book)                                       # reading needs no styles
    with pytest.raises(WorkbookError, match=r"已损坏（xl/styles.xml 无法读取）"):
        post_patched(book)
    refused(book, "xl/styles.xml")


def test_a_truncated_file_and_a_text_file(book, tmp_path):
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(book.read_bytes()[:5000])
    with pytest.raises(WorkbookError, match="已损坏"):
        FileBook(cut)
    refused(cut, "已损坏")
    text = tmp_path / "text.xlsx"
    text.write_text("日期,数量\n")
    refused(text, "不是可读取的 Excel 工作簿")


def test_an_xlsb_or_an_ods_is_not_taken_for_an_xlsx(tmp_path):
    import zipfile
    xlsb = tmp_path / "b.xlsx"
    with zipfile.ZipFile(xlsb, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.bin", b"\0")
    with pytest.raises(WorkbookError, match=r"\.xlsb"):
        FileBook(xlsb)
    ods = tmp_path / "o.xlsx"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(WorkbookError, match="不是可读取的 Excel 工作簿"):
        FileBook(ods)


def test_the_generated_sheets_are_found_after_all_this(book):
    assert find_sheet(FileBook(book), PURCHASES) == "采购" and TODAY
