"""Issue 21, items 12, 15 and 16: the user's own workbook. jxc writes only sheets it made (a
marker it writes, or a header of its own in a workbook of an earlier version) and stops before
anything posts when a sheet it writes is named by one of the user's; a workbook it cannot write
back (Strict Open XML, a part its writer needs that is damaged) is refused before anything
posts; macro and dialog sheets are read past and kept byte for byte."""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from jxc_xl.app.reports import make_reports, print_document, write_statement
from jxc_xl.app.usecases import refresh_book
from jxc_xl.io.package import Package, WorkbookError
from jxc_xl.io.patch import PatchBook
from jxc_xl.ledger import Ledger

from .test_bad_files import jxc, refused
from .test_marks import libreoffice_copy
from .test_shapes import damage, post_patched
from ..wb import TODAY, ledger_at, purchase, table_rows, type_rows

GENERATED = {"库存": "Stock", "应收": "Receivables", "应付": "Payables", "台账": "Journal", "订单跟踪": "OrderStatus",
             "开票跟踪": "InvoiceStatus", "资金": "Cash", "资金日记账": "CashJournal"}
MARKER = re.compile(rb'<definedName[^>]*name="_jxc_sheet_[^"]*"[^>]*>[^<]*</definedName>')


def nothing_posted(where: Path | str) -> bool:
    if isinstance(where, Path) and not where.exists():
        return True
    with Ledger.open(where, create=False, read_only=True) as ledger:
        return not ledger.has_postings()


def users_sheet(path: Path, name: str, replaces: str | None = None, table: str = "MyStock") -> None:
    """A sheet of the user's named ``name`` (in place of jxc's ``replaces``), with a Table."""
    wb = openpyxl.load_workbook(path)
    if replaces:
        delete_sheet(wb, replaces)
    ws = wb.create_sheet(name)
    for row in (["Item", "On hand", "Bin"], ["Widget", 40, "A-1"], ["Gadget", 7, "B-2"]):
        ws.append(row)
    ws.add_table(Table(displayName=table, ref="A1:C3"))
    wb.save(path)


def delete_sheet(wb, name: str) -> None:
    """A sheet deleted as Excel deletes it: the names that referred to it say #REF!."""
    del wb[name]
    for defined in wb.defined_names.values():
        if defined.attr_text.startswith(f"'{name}'!"):
            defined.attr_text = "#REF!$A$1"


def markers(path: Path) -> set[str]:
    from jxc_xl.io.parts import owned_sheets
    with Package(path) as pkg:
        return owned_sheets(pkg)


@pytest.mark.parametrize("name, replaces", [
    ("Stock", "库存"), ("STOCK", "库存"), ("库存", "库存"), ("应收", "应收"), ("payables", "应付"),
    ("台账", "台账"), ("Journal", "台账"), ("订单跟踪", "订单跟踪"), ("OrderStatus", "订单跟踪"),
])
def test_a_users_sheet_named_like_a_generated_sheet_stops_the_post(book, name, replaces):
    type_rows(book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    users_sheet(book, name, replaces)
    where, before = ledger_at(book), book.read_bytes()
    line = refused(book, f"工作表“{name}”不是系统生成的")
    assert "改个名字" in line and f"“{replaces}”表" in line
    assert book.read_bytes() == before and nothing_posted(where)
    for command in ("refresh", "reverse"):                      # nor does anything else write over it
        done = jxc(command, str(book), *(["CG1"] if command == "reverse" else []))
        assert done.returncode == 2 and f"工作表“{name}”不是系统生成的" in done.stderr, done.stderr
    done = jxc("verify", str(book))                             # verify names it rather than asking for 刷新
    assert done.returncode == 1 and f"工作表“{name}”不是系统生成的" in done.stdout, done.stdout + done.stderr
    assert book.read_bytes() == before
    wb = openpyxl.load_workbook(book)                           # renamed as the line says: it posts, theirs kept
    wb[name].title = "我的表"
    wb.save(book)
    assert jxc("post", str(book)).returncode == 0
    wb = openpyxl.load_workbook(book)
    assert [[c.value for c in r] for r in wb["我的表"]["A1:C3"]] == [["Item", "On hand", "Bin"], ["Widget", 40, "A-1"],
                                                                   ["Gadget", 7, "B-2"]]
    assert "MyStock" in wb["我的表"].tables and [r["数量"] for r in table_rows(book, "库存")] == [10]


def test_a_users_table_named_like_a_generated_table_stops_the_post(file_book):
    type_rows(file_book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    wb = openpyxl.load_workbook(file_book)
    delete_sheet(wb, "库存")                                   # jxc's sheet and its table "Stock" deleted…
    wb.save(file_book)
    users_sheet(file_book, "我的库存", table="stock")          # …and the name taken by a table of the user's
    before = file_book.read_bytes()
    line = refused(file_book, "“我的库存”表中的表格名“stock”是系统生成的“库存”表要用的")
    assert "改个名字" in line and file_book.read_bytes() == before
    assert not file_book.with_name("账本.jxc.db").exists()


def test_report_sheets_and_printed_forms_never_overwrite_a_users_sheet(file_book):
    type_rows(file_book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    post_patched(file_book)
    for name, run in (("Summary", lambda b: make_reports(b, file_book, today=TODAY)),
                      ("对账单", lambda b: write_statement(b, file_book, "S01", today=TODAY)),
                      ("print", lambda b: print_document(b, file_book, "CG1"))):
        users_sheet(file_book, name, table=f"T{len(name)}")
        before = file_book.read_bytes()
        with pytest.raises(WorkbookError, match=f"工作表“{name}”不是系统生成的"):
            run(PatchBook(file_book))
        assert file_book.read_bytes() == before
        wb = openpyxl.load_workbook(file_book)
        del wb[name]
        wb.save(file_book)
    make_reports(PatchBook(file_book), file_book, today=TODAY)     # then written, and marked as jxc's
    print_document(PatchBook(file_book), file_book, "CG1")
    assert {"进销存汇总", "毛利", "补货建议", "库龄", "图表", "打印"} <= markers(file_book)


def test_the_marks_survive_libreoffice_and_earlier_workbooks_are_known_by_their_headers(file_book, tmp_path):
    assert markers(file_book) == set(GENERATED)                    # a new workbook's empty sheets are jxc's
    type_rows(file_book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    post_patched(file_book)
    make_reports(PatchBook(file_book), file_book, today=TODAY)
    copy = libreoffice_copy(file_book, tmp_path / "lo")
    assert markers(copy) == markers(file_book) >= set(GENERATED) | {"进销存汇总", "图表"}
    file_book.write_bytes(copy.read_bytes())                      # saved in LibreOffice, then posted
    type_rows(file_book, "采购", [purchase("CG2", dt.date(2026, 11, 3), "A001", 1, 6)])
    assert jxc("post", str(file_book)).returncode == 0
    earlier = file_book                                           # a workbook of an earlier version: no marks
    damage(earlier, lambda parts: parts.update({"xl/workbook.xml": MARKER.sub(b"", parts["xl/workbook.xml"])}))
    assert markers(earlier) == set()
    type_rows(earlier, "采购", [purchase("CG3", dt.date(2026, 11, 4), "A001", 1, 6)])
    assert jxc("post", str(earlier)).returncode == 0
    make_reports(PatchBook(earlier), earlier, today=TODAY)
    assert markers(earlier) >= set(GENERATED) | {"进销存汇总", "图表"}


def test_the_excel_book_stops_at_a_users_sheet_and_marks_its_own(book):
    from jxc_xl.io.excel import XlwingsBook

    from ..xlengine import open_book
    users_sheet(book, "Receivables", "应收", table="receivables")
    with pytest.raises(WorkbookError, match="工作表“Receivables”不是系统生成的"):
        refresh_book(XlwingsBook(open_book(book)), book, today=TODAY)
    wb = openpyxl.load_workbook(book)
    wb["Receivables"].title = "我的表"
    wb.save(book)
    with pytest.raises(WorkbookError, match="“我的表”表中的表格名“receivables”是系统生成的“应收”表要用的"):
        refresh_book(XlwingsBook(open_book(book)), book, today=TODAY)
    wb = openpyxl.load_workbook(book)
    del wb["我的表"]
    wb.save(book)
    excel = open_book(book)
    refresh_book(XlwingsBook(excel), book, today=TODAY)
    excel.save()
    assert "应收" in markers(book)


# -- 15: a workbook that cannot be written back -------------------------------------------------------
STRICT = ((b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
          (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           b"http://purl.oclc.org/ooxml/officeDocument/relationships"))


def to_strict(parts: dict[str, bytes]) -> None:
    """ISO 29500 Strict, as Excel's "Strict Open XML Spreadsheet" writes it: other namespaces."""
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            for transitional, strict in STRICT:
                data = data.replace(transitional, strict)
            parts[name] = data


def test_a_strict_open_xml_workbook_is_refused_before_anything_posts(file_book):
    type_rows(file_book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    damage(file_book, to_strict)
    before = file_book.read_bytes()
    for command in ("post", "validate", "refresh"):
        done = jxc(command, str(file_book))
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stdout + done.stderr
        assert "此工作簿是 Strict Open XML 格式：请在 Excel 中另存为“Excel 工作簿(*.xlsx)”后再过账" in done.stderr
    assert not file_book.with_name("账本.jxc.db").exists() and file_book.read_bytes() == before


def drop_styles(parts):
    parts.pop("xl/styles.xml")


def prefixed_and_unloadable(parts):
    """A sheet written as <x:worksheet> (left to openpyxl's writer), with a part openpyxl cannot load."""
    part = "xl/worksheets/sheet1.xml"
    parts[part] = re.sub(rb"<(/?)(\w+)", rb"<\1x:\2", parts[part]).replace(b"xmlns=", b"xmlns:x=", 1)
    parts["docProps/core.xml"] = b"<cp:coreProperties"


@pytest.mark.parametrize("change", [drop_styles, prefixed_and_unloadable])
def test_a_workbook_that_reads_but_cannot_be_saved_posts_nothing(book, change):
    type_rows(book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    where = ledger_at(book)
    damage(book, change)
    with pytest.raises(WorkbookError, match="已损坏"):
        post_patched(book)
    assert nothing_posted(where)
    refused(book, "已损坏")
    assert nothing_posted(where)


# -- 16: Excel 4 macro sheets, international macro sheets, dialog sheets -----------------------------------
SHEET_KINDS = {
    "macrosheet": ("xl/macrosheets/sheet1.xml", "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet",
                   "application/vnd.ms-excel.macrosheet+xml",
                   '<xm:macrosheet xmlns="{main}" xmlns:r="{rel}" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
                   '<sheetData><row r="1"><c r="A1" t="str"><f>RETURN()</f><v>x</v></c></row></sheetData></xm:macrosheet>'),
    "intlmacrosheet": ("xl/macrosheets/intlsheet1.xml",
                       "http://schemas.microsoft.com/office/2006/relationships/xlIntlMacrosheet",
                       "application/vnd.ms-excel.intlmacrosheet+xml",
                       '<xm:macrosheet xmlns="{main}" xmlns:r="{rel}" xmlns:xm="http://schemas.microsoft.com/office/excel/'
                       '2006/main"><sheetData/></xm:macrosheet>'),
    "dialogsheet": ("xl/dialogsheets/sheet1.xml", "{rel}/dialogsheet",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.dialogsheet+xml",
                    '<dialogsheet xmlns="{main}" xmlns:r="{rel}"><sheetPr/><sheetViews><sheetView workbookViewId="0"/>'
                    '</sheetViews><sheetFormatPr defaultRowHeight="15"/></dialogsheet>'),
}
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def with_sheets(kinds: list[str], names: list[str]):
    def change(parts):
        for n, (kind, name) in enumerate(zip(kinds, names), start=1):
            part, rel_type, content, xml = SHEET_KINDS[kind]
            parts[part] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                           + xml.format(main=MAIN, rel=REL)).encode()
            parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
                b"</Types>", f'<Override PartName="/{part}" ContentType="{content}"/></Types>'.encode())
            parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
                b"</Relationships>", f'<Relationship Id="rIdX{n}" Type="{rel_type.format(rel=REL)}" '
                                     f'Target="{part.removeprefix("xl/")}"/></Relationships>'.encode())
            parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
                b"</sheets>", f'<sheet name="{name}" sheetId="{90 + n}" r:id="rIdX{n}"/></sheets>'.encode())
    return change


def kept_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith(("xl/macrosheets/", "xl/dialogsheets/"))}


@pytest.mark.parametrize("kinds", [["macrosheet"], ["intlmacrosheet"], ["dialogsheet"],
                                   ["macrosheet", "dialogsheet", "intlmacrosheet"]])
def test_macro_and_dialog_sheets_are_read_past_and_kept_byte_for_byte(file_book, kinds):
    type_rows(file_book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    names = [f"Macro{n}" for n in range(len(kinds))]
    damage(file_book, with_sheets(kinds, names))
    before = kept_parts(file_book)
    done = jxc("post", str(file_book))
    assert done.returncode == 0 and "过账单据 / documents posted: 1" in done.stdout, done.stdout + done.stderr
    assert [r["数量"] for r in table_rows(file_book, "库存")] == [10]
    assert kept_parts(file_book) == before
    with Package(file_book) as pkg:
        assert [n for n, _ in pkg.sheets()][-len(names):] == names
    again = jxc("post", str(file_book))
    assert again.returncode == 0 and "已过账未变 / unchanged: 1" in again.stdout, again.stdout + again.stderr
    assert kept_parts(file_book) == before


def test_a_macro_sheet_named_like_a_generated_sheet_is_not_written_over(file_book):
    type_rows(file_book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    wb = openpyxl.load_workbook(file_book)
    delete_sheet(wb, "应付")
    wb.save(file_book)
    damage(file_book, with_sheets(["macrosheet"], ["应付"]))
    refused(file_book, "工作表“应付”不是系统生成的")
    assert not file_book.with_name("账本.jxc.db").exists()
