"""Issue 21, items 13 and 14: sheets of the user's beside the contract's. A sheet with only the
English name of an input sheet and not its header is the user's own (said once, passed over);
a renamed or deleted document sheet is said once, with the sheet that looks like it, and
nothing that changes the books (a 红字冲销) is advised."""
from __future__ import annotations

import datetime as dt

import openpyxl

from ..wb import ledger_at, post, purchase, sale, type_rows
from jxc_xl import Ledger


def d(*ymd: int) -> dt.date:
    return dt.date(*ymd)


def scratch(path, extra: dict[str, list[list]]):
    """A workbook typed from scratch in English, with sheets of the user's."""
    wb = openpyxl.Workbook()
    wb.active.title = "Items"
    wb["Items"].append(["SKU", "Name"])
    wb["Items"].append(["A1", "Apple"])
    sheets = {"Parties": [["Code", "Name", "Kind"], ["S1", "Supplier One", "Supplier"]],
              "Warehouses": [["Code", "Name"], ["W", "Main"]],
              "Purchases": [["DocNo", "Date", "Type", "Supplier", "Warehouse", "SKU", "Qty", "UnitPrice"],
                            ["P1", "2026-11-02", "Receipt", "S1", "W", "A1", 12, 2]]}
    for title, rows in {**sheets, **extra}.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_a_users_own_sheet_named_sales_is_passed_over_with_one_line(tmp_path):
    mine = [["Date", "Customer", "Product", "Qty", "Price"], ["2026-11-03", "Corner shop", "Apple", 2, 3.5]]
    path = scratch(tmp_path / "book.xlsx", {"Sales": mine, "orders": [["Note"], ["call back"]]})
    said = "“Sales”表的表头不是“销售”表（Sales）的，视为您自己的表，没有读取"
    for run in range(2):
        report = post(path)
        assert report.exit_code == 0, report.sheet_problems
        assert [n for n in report.notes if "Sales" in n] == [said + " / sheet 'Sales' is not jxc's Sales sheet "
                                                                     "(its header differs): not read"]
        assert report.posted == (1 - run) and report.already == run
    ws = openpyxl.load_workbook(path)["Sales"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == mine         # nothing written into it


def test_an_english_named_sheet_of_jxcs_with_a_broken_header_is_still_a_problem(tmp_path):
    broken = [["DocNo", "Date", "Type", "Customer", "Warehouse", "SKU", "Qty", "Price", "Status"],
              ["S1", "2026-11-03", "Shipment", "C1", "W", "A1", 2, 3, "已过账 批次1"]]
    report = post(scratch(tmp_path / "book.xlsx", {"Sales": broken}))
    assert report.exit_code == 1 and any("“Sales”表找不到“单价”列" in p for p in report.sheet_problems)


def _posted_sales(book) -> None:
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6)])
    type_rows(book, "销售", [sale("XS1", d(2026, 11, 3), "A001", 2, 9), sale("XS2", d(2026, 11, 4), "A001", 1, 9)])
    assert post(book).exit_code == 0


def _books_of(book) -> list[str]:
    with Ledger.open(ledger_at(book), create=False, read_only=True) as ledger:
        return sorted(doc for _, doc, _, _ in ledger.standing_documents(book.name))


def test_a_renamed_document_sheet_is_named_with_the_sheet_that_looks_like_it(book):
    _posted_sales(book)
    wb = openpyxl.load_workbook(book)
    wb["销售"].title = "销售单"
    wb.save(book)
    type_rows(book, "销售单", [sale("XS3", d(2026, 11, 5), "A001", 1, 9)])
    report = post(book)
    assert report.exit_code == 1 and report.posted == 0
    assert report.sheet_problems == ["缺少“销售”表（Sales）：“销售单”表的表头与它的相同，是改了名吗？请把“销售单”改回“销售”"
                                     "后再过账；“销售单”中的行没有读取。"]
    assert not any("冲销" in line for line in report.sheet_problems + report.notes)
    assert _books_of(book) == ["CG1", "XS1", "XS2"]
    wb = openpyxl.load_workbook(book)
    wb["销售单"].title = "销售"
    wb.save(book)
    report = post(book)
    assert report.exit_code == 0 and report.posted == 1 and _books_of(book) == ["CG1", "XS1", "XS2", "XS3"]


def test_a_deleted_document_sheet_is_one_line_that_advises_no_reversal(book):
    _posted_sales(book)
    wb = openpyxl.load_workbook(book)
    del wb["销售"]
    wb.save(book)
    report = post(book)
    assert report.exit_code == 1
    [line] = [p for p in report.sheet_problems if "销售" in p]
    assert line.startswith("缺少“销售”表（Sales）：账簿中有 2 张从它过账的单据（XS1、XS2）仍然有效；请恢复该表")
    assert "冲销" not in line and len(report.sheet_problems) == 1


def test_a_renamed_master_sheet_is_named_with_its_look_alike(book):
    wb = openpyxl.load_workbook(book)
    wb["仓库"].title = "仓库资料"
    wb.save(book)
    report = post(book)
    assert report.exit_code == 1
    assert "缺少“仓库”表（Warehouses）：“仓库资料”表的表头与它的相同，是改了名吗？请把“仓库资料”改回“仓库”后再过账；" \
           "“仓库资料”中的行没有读取；本次没有过账任何单据。" in report.sheet_problems
