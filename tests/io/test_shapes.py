"""Holes 21 and 14: every workbook gets the patch writer (so pictures and charts stay), and a
generated sheet that is missing, renamed or damaged is created or repaired — with what was
repaired said — by the patch writer, the openpyxl writer and the Excel Book alike."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.image import Image

from jxc_xl.app.usecases import post_book, refresh_book
from jxc_xl.io import xlsx
from jxc_xl.io.patch import PatchBook
from jxc_xl.sheets.contract import ALL_SHEETS

from .test_marks import libreoffice_copy
from ..wb import TODAY, purchase, table_rows, type_rows

GENERATED = {"库存": "Stock", "应收": "Receivables", "应付": "Payables", "台账": "Journal", "订单跟踪": "OrderStatus",
             "开票跟踪": "InvoiceStatus", "资金": "Cash", "资金日记账": "CashJournal"}


def scratch_with_picture_and_chart(path: Path) -> Path:
    """A workbook typed from scratch (plain header rows, no Excel Tables, no generated sheets),
    with a picture and a chart on a sheet of the user's."""
    from PIL import Image as Picture
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Items"
    ws.append(["SKU", "Name"])
    ws.append(["A1", "Apple"])
    for title, rows in (("Parties", [["Code", "Name", "Kind"], ["S1", "Supplier One", "Supplier"]]),
                        ("Warehouses", [["Code", "Name"], ["W", "Main"]]),
                        ("Purchases", [["DocNo", "Date", "Type", "Supplier", "Warehouse", "SKU", "Qty", "UnitPrice"],
                                       ["P1", "2026-11-02", "Receipt", "S1", "W", "A1", 12, 2]])):
        sheet = wb.create_sheet(title)
        for row in rows:
            sheet.append(row)
    mine = wb.create_sheet("我的图表")
    mine.append(["月份", "销量"])
    for month, qty in ((1, 5), (2, 7), (3, 4)):
        mine.append([month, qty])
    chart = BarChart()
    chart.add_data(Reference(mine, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    mine.add_chart(chart, "D2")
    picture = io.BytesIO()
    Picture.new("RGB", (40, 20), (200, 30, 30)).save(picture, format="PNG")
    mine.add_image(Image(picture), "D20")
    wb.save(path)
    return path


def drawing_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith(("xl/media/", "xl/charts/", "xl/drawings/"))}


def tables(path: Path) -> dict[str, str]:
    """Every table's name → the sheet it is on."""
    wb = openpyxl.load_workbook(path)
    return {name: ws.title for ws in wb.worksheets for name in ws.tables}


def fast_only(monkeypatch) -> None:
    def no_openpyxl(*args, **kwargs):
        raise AssertionError("the patch writer fell back to openpyxl")

    monkeypatch.setattr(openpyxl, "load_workbook", no_openpyxl)     # the slow writer imports it when used
    monkeypatch.setattr(xlsx.FileBook, "save", no_openpyxl)


def post_patched(path: Path) -> PatchBook:
    book = PatchBook(path)
    assert post_book(book, path, today=TODAY).exit_code == 0
    return book


def test_a_workbook_typed_from_scratch_keeps_its_picture_and_chart(tmp_path, monkeypatch):
    path = scratch_with_picture_and_chart(tmp_path / "scratch.xlsx")
    before = drawing_parts(path)
    assert any(n.startswith("xl/media/") for n in before) and any(n.startswith("xl/charts/") for n in before)
    fast_only(monkeypatch)
    book = post_patched(path)
    monkeypatch.undo()
    assert drawing_parts(path) == before                      # every byte of them, still there
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet5.xml")
        rels = z.read("xl/worksheets/_rels/sheet5.xml.rels").decode()
    assert b"<drawing " in sheet and "drawing1.xml" in rels  # …and still referenced
    assert tables(path) == {en: zh for zh, en in GENERATED.items()}
    assert [r["数量"] for r in table_rows(path, "库存")] == [12]
    assert sorted(book.repairs()) == sorted(f"新建了“{zh}”表（工作簿中没有这张由系统生成的表）" for zh in GENERATED)
    lo = libreoffice_copy(path, tmp_path / "lo")
    with zipfile.ZipFile(lo) as z:
        kept = z.namelist()
    assert any(n.startswith("xl/media/") for n in kept) and any(n.startswith("xl/charts/") for n in kept)


def test_a_renamed_generated_sheet_gives_up_its_table_name(book, tmp_path, monkeypatch):
    type_rows(book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    wb = openpyxl.load_workbook(book)
    wb["库存"].title = "库存旧"                                  # its table "Stock" goes with it
    wb.save(book)
    fast_only(monkeypatch)
    patched = post_patched(book)
    monkeypatch.undo()
    assert tables(book)["Stock"] == "库存" and tables(book)["Stock_2"] == "库存旧"
    assert "“库存旧”表中的表格“Stock”已改名为“Stock_2”：表格名“Stock”属于系统生成的“库存”表" in patched.repairs()
    assert [r["库存金额"] for r in table_rows(book, "库存")] == [60]
    libreoffice_copy(book, tmp_path / "lo")
    again = post_patched(book)                                # repaired once, nothing to say after
    assert again.repairs() == []


def test_the_openpyxl_writer_repairs_a_renamed_generated_sheet_too(book):
    wb = openpyxl.load_workbook(book)
    wb["应收"].title = "应收（旧）"
    wb.save(book)
    file_book = xlsx.FileBook(book)
    assert refresh_book(file_book, book, today=TODAY).exit_code == 0
    assert tables(book)["Receivables"] == "应收" and tables(book)["Receivables_2"] == "应收（旧）"
    assert any("Receivables_2" in line for line in file_book.repairs())


def test_the_excel_book_repairs_a_renamed_generated_sheet_too(book):
    from jxc_xl.io.excel import XlwingsBook

    from ..xlengine import open_book
    wb = openpyxl.load_workbook(book)
    wb["台账"].title = "台账2025"
    wb.save(book)
    excel = open_book(book)
    xb = XlwingsBook(excel)
    refresh_book(xb, book, today=TODAY)
    excel.save()
    assert tables(book)["Journal"] == "台账" and tables(book)["Journal_2"] == "台账2025"
    assert "新建了“台账”表（工作簿中没有这张由系统生成的表）" in xb.repairs()


def damage(path: Path, change) -> None:
    """Rewrite the workbook's zip with ``change(parts)`` applied to its {name: bytes}."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    change(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def sheet_part(path: Path, sheet: str) -> str:
    with xlsx.Package(path) as pkg:
        return dict(pkg.sheets())[sheet]


def stock_table(parts: dict[str, bytes]) -> str:
    return next(n for n, d in parts.items() if n.startswith("xl/tables/") and b'name="Stock"' in d)


def drop_table_part(parts):
    parts.pop(stock_table(parts))


def drop_table_everywhere(parts):
    """The table part, the sheet's relationships and its <tableParts> all gone."""
    table = stock_table(parts)
    parts.pop(table)
    [rels] = [n for n in parts if n.endswith(".rels") and re.search(rb"/%s\"" % table.rsplit("/", 1)[1].encode(),
                                                                      parts[n])]
    parts.pop(rels)
    sheet = rels.replace("_rels/", "").removesuffix(".rels")
    parts[sheet] = re.sub(rb"<tableParts.*?</tableParts>", b"", parts[sheet])


def rename_table(parts):
    table = stock_table(parts)
    parts[table] = parts[table].replace(b'name="Stock" displayName="Stock"', b'name="Stock2" displayName="Stock2"')


def edit_header(parts):
    table = stock_table(parts)
    parts[table] = parts[table].replace('name="数量"'.encode(), 'name="数量（箱）"'.encode())


@pytest.mark.parametrize("change, said", [
    (drop_table_part, "“库存”表的 Excel 表格不见了，已重建"),
    (drop_table_everywhere, "“库存”表的 Excel 表格不见了，已重建"),
    (rename_table, "“库存”表的表格名“Stock2”已改回“Stock”"),
    (edit_header, "“库存”表的表头被改动过，已恢复"),
])
def test_a_damaged_generated_sheet_is_repaired(book, tmp_path, monkeypatch, change, said):
    type_rows(book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    damage(book, change)
    fast_only(monkeypatch)
    patched = post_patched(book)
    monkeypatch.undo()
    assert said in patched.repairs()
    assert tables(book)["Stock"] == "库存" and len(tables(book)) == len(ALL_SHEETS)
    assert [r["库存金额"] for r in table_rows(book, "库存")] == [60]
    assert post_patched(book).repairs() == []
    libreoffice_copy(book, tmp_path / "lo")


def test_a_generated_sheet_whose_part_is_gone_is_written_again(book, tmp_path):
    type_rows(book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    post_patched(book)
    part = sheet_part(book, "台账")
    damage(book, lambda parts: parts.pop(part))
    patched = post_patched(book)
    assert "“台账”表的数据部件丢失，已重建" in patched.repairs()
    assert [r["单号"] for r in table_rows(book, "台账")] == ["CG1"]
    libreoffice_copy(book, tmp_path / "lo")
