"""Issue 21, books and month-end, on real workbooks: 结账 refuses a month that still has a row in
error, a month not yet ended and a month skipped; a posted 盘点 whose difference a later post
changes is said, shown on its rows and stops 结账 until accepted."""
import datetime as dt
import subprocess
import sys

import openpyxl
from click.testing import CliRunner

from jxc_xl import Ledger
from jxc_xl.cli import main

from ..wb import cell, ledger_at, post, purchase, sale, scratch_book, type_rows

d = dt.date
JXC = [sys.executable, "-m", "jxc_xl"]


def jxc(*args):
    return subprocess.run([*JXC, *map(str, args)], capture_output=True, text=True)


def close(book, month, *more):
    return CliRunner().invoke(main, ["close", str(book), month, *more])


def closed_through(book):
    with Ledger.open(ledger_at(book), create=False, read_only=True) as ledger:
        return ledger.settings.closed_through


# -- 21.1: a row in error dated in the month stops 结账 ------------------------------------------------
def test_a_new_workbooks_row_in_error_stops_the_close_as_the_issue_typed_it(tmp_path):
    book = tmp_path / "B.xlsx"
    assert jxc("new", book).returncode == 0
    wb = openpyxl.load_workbook(book)
    for sheet, row in (("商品", ["A001", "螺丝"]), ("往来单位", ["S01", "供应商一", "供应商"]), ("仓库", ["ZC", "总仓"])):
        for col, value in enumerate(row, start=1):
            wb[sheet].cell(2, col, value)
    for r, row in enumerate([["P1", d(2026, 9, 5), "入库", "S01", "ZC", "A001", 10, 10],
                             ["P2", d(2026, 9, 6), "入库", "S01", "ZC", "A001", "十", 10]], start=2):
        for col, value in enumerate(row, start=1):
            wb["采购"].cell(r, col, value)
    wb.save(book)
    done = jxc("post", book)
    assert done.returncode == 1 and "采购 第3行: 错误：数量“十”不是数字" in done.stdout
    done = jxc("close", book, "2026-09")
    assert done.returncode == 1, done.stdout
    assert "结账前检查：采购 第3行 单号“P2” 有错误（数量“十”不是数字" in done.stdout
    assert "已结账" not in done.stdout and closed_through(book) is None


def _scratch(path):
    return scratch_book(path, [["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价"],
                               ["P1", "2026-09-02", "入库", "S1", "W", "A1", 5, 2]])


def test_a_scratch_workbooks_rows_in_error_stop_the_close_each_named(tmp_path):
    book = _scratch(tmp_path / "scratch.xlsx")
    assert post(book).exit_code == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["采购"]
    ws.append(["P2", "2026-09-03", "入库", "S1", "W", "A1", "五", 2])          # row 3: a quantity in words
    ws.append(["P3", "2026/9/4", "入库", "S1", "W", "A1", 1, "abc"])            # row 4: a bad price, text date
    ws.append([None, "2026-09-05", "入库", "S1", "W", "A1", 1, 2])              # row 5: no 单号
    ws.append(["P4", "2026-10-05", "入库", "S1", "W", "A1", "x", 2])            # row 6: next month: not this close's
    wb.save(book)
    assert post(book).exit_code == 1
    result = close(book, "2026-09")
    assert result.exit_code == 1, result.output
    assert "采购 第3行 单号“P2” 有错误（数量“五”不是数字" in result.output
    assert "采购 第4行 单号“P3” 有错误（单价“abc”不是数字" in result.output
    assert "采购 第5行" in result.output and "单号不能为空" in result.output
    assert "P4" not in result.output and closed_through(book) is None


def test_a_row_in_error_whose_date_cannot_be_read_stops_any_close(tmp_path):
    """Nobody can tell which month it belongs to: it is named, whatever month is closed."""
    book = _scratch(tmp_path / "scratch.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["采购"].append(["P2", "2026-13-45", "入库", "S1", "W", "A1", 1, 2])
    wb.save(book)
    assert post(book).exit_code == 1
    result = close(book, "2026-09")
    assert result.exit_code == 1 and "采购 第3行 单号“P2” 有错误（日期" in result.output
    assert closed_through(book) is None


def test_a_document_sheet_that_cannot_be_read_stops_the_close(tmp_path):
    """Its rows cannot be checked (sibling of 21.1): the close names the sheet and what to fix."""
    book = _scratch(tmp_path / "scratch.xlsx")
    assert post(book).exit_code == 0
    wb = openpyxl.load_workbook(book)
    ws = wb.create_sheet("销售")
    ws.append(["单号", "日子", "业务类型", "客户", "仓库", "商品编码", "数量", "单价"])
    ws.append(["X1", "2026-09-03", "出库", "S1", "W", "A1", 1, 2])
    wb.save(book)
    result = close(book, "2026-09")
    assert result.exit_code == 1 and "不能结账" in result.output and "“销售”表找不到“日期”列" in result.output
    assert closed_through(book) is None


# -- 21.2: a month that has not ended, a month skipped -------------------------------------------------
def _stocked(book):
    type_rows(book, "采购", [purchase("CG1", d(2026, 9, 1), "A001", 10, 5)])
    assert post(book).exit_code == 0


def test_close_refuses_a_month_that_has_not_ended_before_looking_at_its_rows(book):
    from jxc_xl.app.periods import close_month
    from jxc_xl.io.patch import PatchBook
    _stocked(book)
    assert close_month(PatchBook(book), book, "2026-09", today=d(2026, 10, 1)).ok
    type_rows(book, "销售", [sale("XS1", d(2026, 12, 5), "A001", 1, 9)])          # not posted: not asked about
    done = close_month(PatchBook(book), book, "2027-03", today=d(2026, 12, 5))
    assert not done.ok and done.message == ("不能结账 / not closed:\n2027-03 还没有结束（月末是 2027-03-31，"
                                            "今天是 2026-12-05）：月份结束后才能结账。")
    assert closed_through(book) == d(2026, 9, 30)
    result = close(book, "2099-01")                                  # the CLI asks the computer's today
    assert result.exit_code == 1 and "2099-01 还没有结束" in result.output


def test_close_refuses_to_skip_a_month_and_names_the_one_to_close_first(book):
    _stocked(book)
    result = close(book, "2026-10")
    assert result.exit_code == 1 and "请先结账 2026-09" in result.output
    assert close(book, "2026-09").exit_code == 0
    result = close(book, "2026-11")
    assert result.exit_code == 1 and "不能跳过月份结账：请先结账 2026-10（账簿结账至 2026-09-30）" in result.output
    assert closed_through(book) == d(2026, 9, 30)
    assert close(book, "2026-10").exit_code == 0 and close(book, "2026-11").exit_code == 0


# -- 21.3: a posted 盘点 whose difference a later post changes -------------------------------------------
def accept(book, doc_no, *more):
    return CliRunner().invoke(main, ["accept-count", str(book), doc_no, *more])


def test_a_back_dated_sale_that_changes_a_posted_count_is_said_shown_and_stops_the_close(book):
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", 100, 5)])
    [count] = type_rows(book, "盘点", [{"单号": "PD1", "日期": d(2026, 11, 30), "仓库": "WH1", "商品编码": "A001",
                                         "实盘数量": 100}])
    assert post(book).exit_code == 0 and cell(book, "盘点", count, "差异") == 0
    type_rows(book, "销售", [sale("XS1122", d(2026, 11, 22), "A001", 5, 9)])
    report = post(book)
    assert report.exit_code == 0
    assert ("盘点单“PD1”第1行 商品“A001”（WH1，2026-11-30）的差异因 XS1122 由 0 变为 +5：实盘数量不变，"
            "账面数量随过账改变了。请复核；确认无误运行 jxc accept-count（或红字冲销该盘点单后重新盘点）。") in report.notes
    status = cell(book, "盘点", count, "状态")
    assert status.startswith("已过账") and "（差异已由 0 变为 +5：因 XS1122，待复核确认：jxc accept-count 工作簿 PD1）" in status
    assert (cell(book, "盘点", count, "实盘数量"), cell(book, "盘点", count, "账面数量"),
            cell(book, "盘点", count, "差异")) == (100, 95, 5)
    assert post(book).exit_code == 0 and "差异已由 0 变为 +5" in cell(book, "盘点", count, "状态")    # until accepted
    result = close(book, "2026-11")
    assert result.exit_code == 1
    assert (f"结账前检查：盘点 第{count}行 盘点单“PD1”（2026-11-30）商品“A001”的差异已因 XS1122 由 0 变为 +5，还没有确认"
            in result.output)
    result = accept(book, "PD1", "--user", "王仓管")
    assert result.exit_code == 0 and "已确认盘点单“PD1”的差异" in result.output and "0 → +5（因 XS1122）" in result.output
    status = cell(book, "盘点", count, "状态")
    assert status.startswith("已过账") and "差异已由" not in status
    assert accept(book, "PD1").exit_code == 1
    assert close(book, "2026-11").exit_code == 0


def test_a_reversal_that_changes_a_posted_count_marks_the_counts_rows_too(book):
    from jxc_xl.app.usecases import reverse_book
    from jxc_xl.io.patch import PatchBook
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", 100, 5)])
    type_rows(book, "销售", [sale("XS1", d(2026, 11, 5), "A001", 5, 9)])
    [count] = type_rows(book, "盘点", [{"单号": "PD1", "日期": d(2026, 11, 20), "仓库": "WH1", "商品编码": "A001",
                                         "实盘数量": 95}])
    assert post(book).exit_code == 0 and cell(book, "盘点", count, "差异") == 0
    report = reverse_book(PatchBook(book), book, "XS1", date=d(2026, 11, 6))
    assert report.exit_code == 0 and any("由 0 变为 -5" in n and "XS1（红字冲销）" in n for n in report.notes)
    assert (cell(book, "盘点", count, "账面数量"), cell(book, "盘点", count, "差异")) == (100, -5)
    assert "差异已由 0 变为 -5" in cell(book, "盘点", count, "状态")
