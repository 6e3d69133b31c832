"""A Layout (a report, a printed 单据) written by the openpyxl writer and through xlwings' front end
(on the test engine) reads back the same: exact figures as numbers, text as text, each look,
how it prints, its native charts; written again, it replaces the sheet; LibreOffice prints it."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jxc_xl.io.excel import XlwingsBook
from jxc_xl.io.xlsx import FileBook
from jxc_xl.sheets.contract import RECEIVABLES, SUMMARY
from jxc_xl.sheets.format import FORMATS, GENERATED_FILL, Exact
from jxc_xl.sheets.layout import Cell, Chart, Layout, header_sections

from ..xlengine import open_book

SHEET = SUMMARY.zh
TITLE = "进销存汇总 2026 年一季度"
DAY = dt.datetime(2026, 1, 5)


def body(*values) -> list[Cell]:
    kinds = ("text", "date", "qty", "money", "percent")
    return [Cell(v, "body", k) for v, k in zip(values, kinds)]


def report() -> Layout:
    """Title rows, a header in row 4, three body rows, a total; two charts over the body."""
    rows = [[Cell(TITLE, "title")],
            [Cell("2026-01-01 至 2026-03-31", "subtitle")],
            [Cell("=不是公式", "note")],
            [Cell(h, "header") for h in ("商品", "日期", "数量", "金额", "毛利率")],
            body("A001 螺丝", DAY, Decimal("1234.5"), Exact("123456789.00"), Decimal("0.2534")),
            body("001", DAY, Decimal("-3"), Exact("-45.10"), Decimal("0.1")),
            body("B002", DAY, Decimal("7.125"), Exact("0.07"), Decimal("-0.05")),
            [Cell("合计", "total"), Cell(None, "total"), Cell(Decimal("1238.625"), "total", "qty"),
             Cell(Exact("123456743.97"), "total", "money"), Cell(None, "total")]]
    charts = [Chart("bar", "数量与金额", "G2", 4, 5, 7, 1, (3, 4)), Chart("pie", "金额占比", "G20", 4, 5, 7, 1, (4,))]
    return Layout(SUMMARY, rows, [14, 12, 12, 18, 10], company="华东贸易 & 公司", repeat=(4, 4), freeze=4,
                  landscape=True, breaks=[6], merges=[(1, 1, 1, 5)], charts=charts)


def shorter() -> Layout:
    """Written over ``report``: fewer rows, no merge, one line chart over columns apart."""
    rows = [[Cell("短表", "title")], [], [], [Cell(h, "header") for h in ("商品", "日期", "数量", "金额", "毛利率")],
            body("C003", DAY, Decimal("2"), Exact("10.00"), Decimal("0.5"))]
    return Layout(SUMMARY, rows, [10] * 5, charts=[Chart("line", "走势", "G2", 4, 5, 5, 1, (3, 5))])


def with_file_book(path: Path, layout: Layout) -> None:
    book = FileBook(path)
    book.write_layout(layout)
    book.save()


def with_excel(path: Path, layout: Layout) -> None:
    book = open_book(path)
    XlwingsBook(book).write_layout(layout)
    book.save()


@pytest.fixture(params=[with_file_book, with_excel], ids=["openpyxl", "xlwings"])
def write(request):
    return request.param


@pytest.fixture
def path(tmp_path) -> Path:
    """A workbook with a stale 进销存汇总 between two other sheets."""
    wb = openpyxl.Workbook()
    wb.active.title = "首页"
    wb.create_sheet(SHEET)["Z99"] = "旧的"
    wb.create_sheet("尾页")
    wb.save(tmp_path / "报表.xlsx")
    return tmp_path / "报表.xlsx"


def sheet(path: Path):
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["首页", SHEET, "尾页"]                  # in place, never a second one
    return wb[SHEET]


def number(value) -> Decimal:
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    return Decimal(str(value))


def refs(chart) -> list[tuple[str, ...]]:
    """(series name, values, categories) cells of each series, on this sheet, as "C4", "C5:C7"."""
    def cells(ref: str) -> str:
        on, area = ref.rsplit("!", 1)
        assert on == f"'{SHEET}'", ref
        return area.replace("$", "")
    return [tuple(cells(r) for r in (s.tx.strRef.f, s.val.numRef.f, (s.cat.numRef or s.cat.strRef).f))
            for s in chart.series]


def title(chart) -> str:
    return "".join(r.t for p in chart.title.tx.rich.p for r in p.r or [])


def test_values_stay_exact_and_text_stays_text(path, write):
    write(path, report())
    ws = sheet(path)
    assert ws["A1"].value == TITLE and ws["A3"].value == "=不是公式" and ws["A3"].data_type == "s"
    assert ws["A6"].value == "001" and ws["A6"].data_type == "s"
    assert [number(ws[f"D{r}"].value) for r in (5, 6, 7, 8)] == [Decimal("123456789.00"), Decimal("-45.10"),
                                                                   Decimal("0.07"), Decimal("123456743.97")]
    assert [number(ws[f"C{r}"].value) for r in (5, 6, 7)] == [Decimal("1234.5"), Decimal(-3), Decimal("7.125")]
    assert number(ws["E5"].value) == Decimal("0.2534") and ws["B5"].value == DAY
    assert (ws.max_row, ws.max_column) == (8, 5)                    # the stale Z99 is gone


def test_looks_widths_and_merges(path, write):
    write(path, report())
    ws = sheet(path)
    assert [ws.cell(5, c).number_format for c in range(1, 6)] == ["General", "yyyy-mm-dd", "#,##0.00##", "#,##0.00",
                                                                  "0.00%"]
    assert ws["A4"].font.b and ws["E4"].font.b and ws["A4"].fill.fgColor.rgb == GENERATED_FILL
    assert ws["A1"].font.sz == 14 and ws["A2"].font.i and not ws["A5"].font.b and ws["D8"].font.b
    assert all(ws.cell(r, c).border.left.style == "thin" for r in (4, 5, 8) for c in (1, 3, 5))
    assert ws["A1"].border.left.style is None
    assert [ws.column_dimensions[c].width for c in "ABCDE"] == [14, 12, 12, 18, 10]
    assert [str(m) for m in ws.merged_cells.ranges] == ["A1:E1"]
    assert ws.freeze_panes == "A5"
    assert ws.sheet_properties.tabColor.rgb == GENERATED_FILL and ws.protection.sheet


def test_how_it_prints(path, write):
    write(path, report())
    ws = sheet(path)
    setup = ws.page_setup
    assert (int(setup.paperSize), setup.orientation) == (9, "landscape")
    assert ws.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$4:$4" and ws.print_area == f"'{SHEET}'!$A$1:$O$8"     # the charts' columns print too
    assert [b.id for b in ws.row_breaks.brk] == [6]
    assert (ws.oddHeader.left.text, ws.oddHeader.center.text) == ("华东贸易 && 公司", "&A")
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页" and not ws.oddFooter.left.text


def test_native_charts(path, write):
    write(path, report())
    bar, pie = sheet(path)._charts
    assert (type(bar).__name__, bar.type, title(bar), bar.legend.position) == ("BarChart", "col", "数量与金额", "b")
    assert refs(bar) == [("C4", "C5:C7", "A5:A7"), ("D4", "D5:D7", "A5:A7")]
    assert (type(pie).__name__, title(pie), refs(pie)) == ("PieChart", "金额占比", [("D4", "D5:D7", "A5:A7")])
    assert (bar.anchor._from.col, bar.anchor._from.row, pie.anchor._from.row) == (6, 1, 19)
    assert (round(bar.anchor.ext.width / 360000, 1), round(bar.anchor.ext.height / 360000, 1)) == (16, 8)   # cm


def test_writing_again_replaces_the_sheet(path, write):
    write(path, report())
    write(path, shorter())
    ws = sheet(path)
    assert ws["A1"].value == "短表" and ws.max_row == 5 and not ws.merged_cells.ranges
    assert ws["D8"].value is None and not ws["D8"].font.b and ws["A1"].font.sz == 14
    assert ws.freeze_panes is None and not ws.row_breaks.brk and ws.page_setup.orientation == "portrait"
    [line] = ws._charts
    assert (type(line).__name__, title(line), refs(line)) == ("LineChart", "走势", [("C4", "C5", "A5"), ("E4", "E5", "A5")])


def test_the_excel_book_formats_a_block_per_column_of_one_kind():
    """A call into Excel per block of cells that look alike, not per cell."""
    from jxc_xl.io.excel import _blocks
    rows = report().rows
    assert _blocks(rows, lambda c: FORMATS.get(c.kind)) == [
        ("yyyy-mm-dd", (5, 2, 7, 2)), ("#,##0.00##", (5, 3, 8, 3)), ("#,##0.00", (5, 4, 8, 4)), ("0.00%", (5, 5, 7, 5))]
    assert _blocks(rows, lambda c: c.look) == [("title", (1, 1, 1, 1)), ("subtitle", (2, 1, 2, 1)), ("note", (3, 1, 3, 1)),
                                               ("header", (4, 1, 4, 5)), ("body", (5, 1, 7, 5)), ("total", (8, 1, 8, 5))]


def test_the_openpyxl_writer_keeps_a_negative_exact_figure_a_number(path):
    book = FileBook(path)
    book.replace_sheet(RECEIVABLES, "说明", [["C1", Exact("-45.10")]])
    book.write_column(SHEET, 1, 1, [Exact("-2.50"), "-x"])
    book.save()
    wb = openpyxl.load_workbook(path)
    assert number(wb[RECEIVABLES.zh]["B3"].value) == Decimal("-45.10") and number(wb[SHEET]["A1"].value) == Decimal("-2.50")
    assert wb[SHEET]["A2"].value == "-x" and wb[SHEET]["A2"].data_type == "s"


def test_header_codes_split_into_sections():
    assert header_sections("&L甲 && 乙&C&A") == {"L": "甲 && 乙", "C": "&A", "R": ""}
    assert header_sections("第 &P 页&R&D") == {"L": "", "C": "第 &P 页", "R": "&D"}
    assert header_sections("&&L&C x") == {"L": "", "C": "&&L x", "R": ""}


def test_libreoffice_prints_the_report(path, tmp_path):
    with_file_book(path, report())
    text = pdf_text(path, tmp_path / "lo")
    assert TITLE in text and "123,456,789.00" in text


def pdf_text(path: Path, out: Path) -> str:
    """The workbook printed to PDF by LibreOffice (a profile of its own, so runs in parallel do
    not meet), as text."""
    assert shutil.which("soffice") and shutil.which("pdftotext"), "LibreOffice and poppler-utils must be installed"
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{out}/profile", "--headless",
                           "--convert-to", "pdf", "--outdir", str(out), str(path)],
                          capture_output=True, text=True, timeout=180)
    pdf = out / (path.stem + ".pdf")
    assert done.returncode == 0 and pdf.exists(), done.stdout + done.stderr
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_the_fast_writer_rewrites_a_report_sheet_without_what_was_related_to_it(tmp_path):
    """A note a user put on a report sheet (a comment and its VML drawing) goes with the sheet's
    old cells: the rewritten sheet relates to its own drawing only, and opens."""
    import zipfile
    from openpyxl.comments import Comment
    from jxc_xl.io.patch import PatchBook
    from jxc_xl.io.template import new_workbook
    path = new_workbook(tmp_path / "book.xlsx")
    for _ in range(2):
        book = PatchBook(path)
        book.write_layout(report())
        book.save()
        wb = openpyxl.load_workbook(path)
        wb[SHEET]["A2"].comment = Comment("看这里", "老板")
        wb.save(path)
    book = PatchBook(path)
    book.write_layout(shorter())
    book.save()
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        sheet = next(n for n in names if n.startswith("xl/worksheets/sheet") and SHEET.encode() in z.read("xl/workbook.xml")
                     and b"\xe7\x9f\xad\xe8\xa1\xa8" in z.read(n))                     # the sheet holding 短表
        rels = z.read(sheet.replace("worksheets/", "worksheets/_rels/") + ".rels").decode()
        types = z.read("[Content_Types].xml").decode()
    assert "comments" not in rels and "vmlDrawing" not in rels and rels.count("Relationship ") == 1
    assert sum(n.startswith("xl/charts/") for n in names) == 1 and "/xl/charts/chart2.xml" not in types
    wb = openpyxl.load_workbook(path)
    assert wb[SHEET]["A2"].comment is None and len(wb[SHEET]._charts) == 1


def test_cells_given_by_row_go_into_excel_as_a_block_per_run_and_keep_what_is_between(tmp_path):
    """Book.write_cells in Excel: the rows given, a block write per run of neighbouring rows, each
    figure in the column's format; a row between keeps what it holds (a formula, in 金额)."""
    path = tmp_path / "b.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "采购"
    for r in range(1, 8):
        wb["采购"].append(["=1+1" if r == 3 else None])
    wb.save(path)
    book = open_book(path)
    xb = XlwingsBook(book)
    xb.write_cells("采购", 1, {5: Exact("-0.05"), 1: Exact("9.641429"), 2: Exact("12.30"), 6: "x"}, "#,##0.0000")
    book.save()
    ws = openpyxl.load_workbook(path)["采购"]
    assert [ws.cell(r, 1).value for r in range(1, 7)] == [9.641429, 12.3, "=1+1", None, -0.05, "x"]
    assert ws["A1"].number_format == ws["A5"].number_format == "#,##0.0000" and ws["A6"].number_format == "General"
