"""Hole 20: a cell at fault is marked by a conditional format of ours, never by changing the cell's
own format, so fixing the error shows what the user had there again — in the patch writer, in
the openpyxl writer, and through Excel's FormatConditions (on the test engine)."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
from openpyxl.styles import PatternFill

from jxc_xl.sheets.format import MARK_RULE
from jxc_xl.io.xlsx import FileBook

from ..wb import error_marks, post, purchase, sale, type_rows

YELLOW = "FFFFFF00"


def libreoffice_copy(path: Path, out: Path) -> Path:
    """The workbook opened and saved again by LibreOffice (a profile of its own, so runs in
    parallel do not meet); fails when LibreOffice cannot open it."""
    assert shutil.which("soffice"), "LibreOffice (libreoffice-calc) must be installed"
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{out}/profile", "--headless", "--calc",
                           "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                          capture_output=True, text=True, timeout=180)
    copy = out / path.name
    assert done.returncode == 0 and copy.exists(), done.stdout + done.stderr
    return copy


def fill_of(path: Path, sheet: str, row: int, col: int) -> str | None:
    fill = openpyxl.load_workbook(path)[sheet].cell(row, col).fill
    return fill.fgColor.rgb if fill is not None and fill.fill_type == "solid" else None


def test_the_users_fill_is_back_when_the_error_is_fixed(book, tmp_path):
    [row] = type_rows(book, "销售", [sale("XS1", dt.date(2026, 11, 2), "X9", 1, 9)])
    type_rows(book, "采购", [purchase("CG1", dt.date(2026, 11, 1), "A001", 10, 6)])
    wb = openpyxl.load_workbook(book)
    wb["销售"].cell(row, 6).fill = PatternFill("solid", fgColor=YELLOW)        # the clerk's own yellow
    wb.save(book)
    assert post(book).exit_code == 1
    marks = error_marks(book, "销售")
    assert (row, 6) in marks and fill_of(book, "销售", row, 6) == YELLOW
    lo = libreoffice_copy(book, tmp_path / "lo")
    assert error_marks(lo, "销售") == marks                       # LibreOffice reads our mark as a mark
    type_rows(book, "销售", [{"商品编码": "A001"}], start=row)
    assert post(book).exit_code == 0
    assert error_marks(book, "销售") == set() and fill_of(book, "销售", row, 6) == YELLOW


def test_marks_stay_on_rows_not_named_and_go_from_rows_named(book):
    rows = type_rows(book, "销售", [sale("XS1", dt.date(2026, 11, 2), "X9", 1, 9),
                                   sale("XS2", dt.date(2026, 11, 2), "A001", 1, 9, wh="WH9")])
    assert post(book).exit_code == 1
    assert {(rows[0], 6), (rows[1], 5)} <= error_marks(book, "销售")
    type_rows(book, "销售", [{"商品编码": "A001"}], start=rows[0])          # the first fixed (fails on stock)
    post(book)
    marks = error_marks(book, "销售")
    assert (rows[1], 5) in marks and (rows[0], 6) not in marks


def test_the_openpyxl_writer_marks_the_same_way_and_keeps_the_users_rules(book):
    wb = openpyxl.load_workbook(book)
    ws = wb["采购"]
    ws.conditional_formatting.add("G2:G50", openpyxl.formatting.rule.CellIsRule(
        operator="lessThan", formula=["0"], fill=PatternFill("solid", bgColor="FF0000FF")))
    ws["B3"].fill = PatternFill("solid", fgColor=YELLOW)
    wb.save(book)
    fb = FileBook(book)
    fb.mark("采购", [(2, 2), (3, 2)], [2, 3], 12)
    fb.save()
    assert error_marks(book, "采购") == {(2, 2), (3, 2)}
    fb = FileBook(book)
    fb.mark("采购", [(4, 1)], [3, 4], 12)
    fb.save()
    assert error_marks(book, "采购") == {(2, 2), (4, 1)} and fill_of(book, "采购", 3, 2) == YELLOW
    rules = [(str(cf.sqref), r.type) for cf in openpyxl.load_workbook(book)["采购"].conditional_formatting
             for r in cf.rules]
    assert ("G2:G50", "cellIs") in rules


def test_excel_marks_through_its_format_conditions_and_keeps_the_users_fill(book):
    """The ribbon's Book, on the test engine (Excel's FormatConditions over openpyxl)."""
    from jxc_xl.io.excel import XlwingsBook
    from jxc_xl.app.usecases import validate_book

    from ..xlengine import open_book
    [row] = type_rows(book, "销售", [sale("XS1", dt.date(2026, 11, 2), "X9", 1, 9)])
    wb = openpyxl.load_workbook(book)
    wb["销售"].cell(row, 6).fill = PatternFill("solid", fgColor=YELLOW)
    wb.save(book)
    for fixed in (False, True):
        if fixed:
            type_rows(book, "销售", [{"商品编码": "A001", "数量": 0}], start=row)     # now 数量 is wrong
        excel = open_book(book)
        validate_book(XlwingsBook(excel), book, today=dt.date(2026, 11, 21))
        excel.save()
        assert error_marks(book, "销售") & {(row, 6), (row, 7)} == ({(row, 7)} if fixed else {(row, 6)})
        assert fill_of(book, "销售", row, 6) == YELLOW
    [rule] = [r for cf in openpyxl.load_workbook(book)["销售"].conditional_formatting for r in cf.rules]
    assert rule.priority == 1 and rule.dxf.fill.bgColor.rgb == "FFFFC7CE"
