"""Helpers to type into a workbook the way a clerk would (openpyxl), and to read it back."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from jxc_xl.sheets.book import mark_cells
from jxc_xl.sheets.format import MARK_RULE

from jxc_xl.app.usecases import post_book, validate_book
from jxc_xl.io.patch import PatchBook as FileBook

TODAY = dt.date(2026, 11, 21)


def type_rows(path: Path, sheet: str, rows: list[dict], start: int | None = None) -> list[int]:
    """Write ``rows`` (header name → value) under the sheet's header; returns the rows used."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header_row = next(r for r in range(1, 21) if any(c.value for c in ws[r]))
    headers = {str(c.value).strip(): c.column for c in ws[header_row] if c.value}
    row = start or next(r for r in range(header_row + 1, ws.max_row + 2)
                        if all(ws.cell(r, c).value in (None, "") for h, c in headers.items()
                               if h not in ("金额", "Amount")))
    used = []
    for values in rows:
        for name, value in values.items():
            ws.cell(row, headers[name]).value = value       # None clears the cell
        used.append(row)
        row += 1
    wb.save(path)
    return used


def scratch_book(path: Path, purchases: list[list]) -> Path:
    """A workbook typed from scratch: plain header rows, no Tables, no 状态 column — one item, one
    supplier, one warehouse, and ``purchases`` (the 采购 sheet's header row, then its rows)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "商品"
    ws.append(["商品编码", "商品名称"])
    ws.append(["A1", "苹果"])
    wb.create_sheet("往来单位").append(["编码", "名称", "类型"])
    wb["往来单位"].append(["S1", "供应商一", "供应商"])
    wb.create_sheet("仓库").append(["编码", "名称"])
    wb["仓库"].append(["W", "总仓"])
    ws = wb.create_sheet("采购")
    for row in purchases:
        ws.append(row)
    wb.save(path)
    return path


def add_sheets(wb: openpyxl.Workbook, sheets: list[tuple[str, list, list[list]]]) -> None:
    """A sheet per (name, header row, rows), typed from scratch: plain rows, no Table."""
    for name, head, rows in sheets:
        ws = wb.create_sheet(name)
        ws.append(head)
        for row in rows:
            ws.append(row)


def ledger_at(book: Path) -> Path | str:
    """Where the workbook's ledger is, as 设置 says: the file beside it, or a server's URL."""
    from jxc_xl.app.settings import read_settings
    return read_settings(FileBook(book), book).ledger


def posted_anything(book: Path) -> bool:
    """Whether anything is posted to the workbook's ledger (a file never made: nothing)."""
    from jxc_xl import Ledger
    where = ledger_at(book)
    if isinstance(where, Path) and not where.exists():
        return False
    with Ledger.open(where, create=False, read_only=True) as ledger:
        return ledger.has_postings()


def cell(path: Path, sheet: str, row: int, header: str, data_only: bool = False) -> object:
    ws = openpyxl.load_workbook(path, data_only=data_only)[sheet]
    header_row = next(r for r in range(1, 21) if header in [c.value for c in ws[r]])
    col = [c.value for c in ws[header_row]].index(header) + 1
    return ws.cell(row, col).value


def table_rows(path: Path, sheet: str) -> list[dict]:
    """A generated sheet's rows as dicts (header in row 2)."""
    ws = openpyxl.load_workbook(path)[sheet]
    headers = [c.value for c in ws[2]]
    return [dict(zip(headers, r)) for r in ws.iter_rows(min_row=3, values_only=True) if any(v is not None for v in r)]


def post(path: Path, **kw):
    return post_book(FileBook(path), path, today=TODAY, **kw)


def check(path: Path, **kw):
    return validate_book(FileBook(path), path, today=TODAY, **kw)


def masters(path: Path) -> None:
    type_rows(path, "商品", [{"商品编码": "A001", "商品名称": "苹果", "单位": "箱", "安全库存": 5},
                            {"商品编码": "B002", "商品名称": "香蕉", "单位": "箱"}])
    type_rows(path, "往来单位", [{"编码": "S01", "名称": "烟台果业", "类型": "供应商", "账期天数": 30},
                              {"编码": "C01", "名称": "朝阳超市", "类型": "客户", "账期天数": 15, "信用额度": 1000},
                              {"编码": "C02", "名称": "惠民便利店", "类型": "客户"}])
    type_rows(path, "仓库", [{"编码": "WH1", "名称": "总仓"}, {"编码": "WH2", "名称": "门店仓"}])


def purchase(no: str, date, sku: str, qty, price, wh: str = "WH1", kind: str = "入库", src=None) -> dict:
    row = {"单号": no, "日期": date, "业务类型": kind, "供应商": "S01", "仓库": wh, "商品编码": sku,
           "数量": qty, "单价": price}
    if src:
        row["原单号"] = src
    return row


def sale(no: str, date, sku: str, qty, price, customer: str = "C01", wh: str = "WH1", kind: str = "出库",
         src=None) -> dict:
    row = {"单号": no, "日期": date, "业务类型": kind, "客户": customer, "仓库": wh, "商品编码": sku,
           "数量": qty, "单价": price}
    if src:
        row["原单号"] = src
    return row


def error_marks(path: Path, sheet: str) -> set[tuple[int, int]]:
    """The (row, col) cells the workbook shows as at fault: those our conditional format covers."""
    ws = openpyxl.load_workbook(path)[sheet]
    return {cell for cf in ws.conditional_formatting for rule in cf.rules
            if rule.type == "expression" and rule.formula == [MARK_RULE] for cell in mark_cells(str(cf.sqref))}
