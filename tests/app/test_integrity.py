"""Issue 8 on real workbooks: the holes through which wrong figures got into the books, a
workbook lost its ledger, or a clerk got a traceback — each reproduced, each closed."""
import datetime as dt
import shutil
import subprocess
import sys
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner

from jxc_xl import Ledger
from jxc_xl.cli import main

from ..wb import TODAY, cell, post, purchase, sale, table_rows, type_rows, ledger_at, posted_anything, scratch_book

d = dt.date
JXC = [sys.executable, "-m", "jxc_xl"]


def ledger_path(book):
    return ledger_at(book)


def status(book, sheet, row):
    return cell(book, sheet, row, "状态") or ""


def jxc(*args):
    return subprocess.run([*JXC, *map(str, args)], capture_output=True, text=True)


def stocked(book, qty=100):
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", qty, 5)])


# -- 2, 17: a workbook separated from its ledger ---------------------------------------------------
def test_a_workbook_copied_without_its_ledger_is_refused_until_asked_for_a_new_ledger(file_book, tmp_path):
    book = file_book
    stocked(book)
    type_rows(book, "销售", [sale("XS1", d(2026, 11, 2), "A001", 30, 9)])
    assert post(book).exit_code == 0
    away = tmp_path / "away"
    away.mkdir()
    copy = away / book.name
    shutil.copy(book, copy)
    before = copy.read_bytes()
    for command in ("refresh", "post", "verify", "validate"):
        done = jxc(command, copy)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert str(ledger_path(copy)) in done.stderr and "--new-ledger" in done.stderr
        assert not ledger_path(copy).exists() and copy.read_bytes() == before      # nothing created or written
    done = jxc("post", "--new-ledger", copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "已新建账簿" in done.stdout and "重新过账" in done.stdout
    with Ledger.open(ledger_path(copy)) as ledger:
        assert ledger.stock()[0].qty == 70


def test_verify_validate_and_refresh_create_no_ledger_and_leave_a_first_post_possible(file_book):
    book = file_book
    stocked(book)
    for command in ("validate", "verify", "refresh"):
        assert jxc(command, book).returncode == 0, command
    assert not ledger_path(book).exists()
    assert jxc("post", book).returncode == 0            # refresh marked nothing as if from a ledger


# -- 3: a closed period a cell could reopen (issue 11: nor can a cell close one) ------------------------
def close(book, month, *more):
    return CliRunner().invoke(main, ["close", str(book), month, *more])


def reopen(book, month, *more):
    return CliRunner().invoke(main, ["reopen", str(book), month, *more])


def test_a_typed_or_cleared_closing_date_changes_nothing_only_close_and_reopen_do(file_book):
    book = file_book
    stocked(book)
    assert post(book).exit_code == 0
    type_rows(book, "设置", [{"项目": "结账日期", "值": d(2026, 11, 10)}], start=6)   # typed: shows only
    [row] = type_rows(book, "销售", [sale("XS1", d(2026, 11, 5), "A001", 1, 9)])
    report = post(book)
    assert report.exit_code == 0 and status(book, "销售", row).startswith("已过账")
    assert any("以账簿为准" in n and "jxc close" in n for n in report.notes)
    result = close(book, "2026-11", "--user", "王会计")
    assert result.exit_code == 0, result.output
    assert cell(book, "设置", 6, "值") == dt.datetime(2026, 11, 30)            # written for display
    [late] = type_rows(book, "销售", [sale("XS2", d(2026, 11, 20), "A001", 1, 9)])
    assert post(book).exit_code == 1 and "已结账期间" in status(book, "销售", late)
    type_rows(book, "设置", [{"值": None}], start=6)                              # the cell cleared
    report = post(book)
    assert report.exit_code == 1 and "已结账期间" in status(book, "销售", late)
    assert any("以账簿为准" in n for n in report.notes)
    result = reopen(book, "2026-11", "--user", "李会计")
    assert result.exit_code == 0, result.output
    assert "账簿已备份到" in result.output and len(list((book.parent / "备份").glob("*.db"))) == 1
    assert cell(book, "设置", 6, "值") == dt.datetime(2026, 10, 31)
    with Ledger.open(ledger_path(book)) as ledger:
        assert ledger.settings.closed_through == d(2026, 10, 31)
        assert [(a.action, a.user) for a in ledger.audit_log(("close", "reopen"))] == [("close", "王会计"), ("reopen", "李会计")]
    assert post(book).exit_code == 0 and status(book, "销售", late).startswith("已过账")
    assert reopen(book, "2026-11").exit_code == 1                                 # nothing closed there


def test_only_the_latest_closed_month_reopens(book):
    stocked(book)
    assert post(book).exit_code == 0
    assert close(book, "2026-10").exit_code == 0 and close(book, "2026-11").exit_code == 0
    result = reopen(book, "2026-10")
    assert result.exit_code == 1 and "只能反结账最近结账的月份 2026-11" in result.output
    assert reopen(book, "2026-11").exit_code == 0 and reopen(book, "2026-10").exit_code == 0
    with Ledger.open(ledger_path(book)) as ledger:
        assert ledger.settings.closed_through == d(2026, 9, 30)
    assert close(book, "2026-13").exit_code == 1 and "看不懂" in close(book, "2026-13").output


def test_close_names_each_row_of_the_month_that_is_not_posted_and_closes_nothing(book):
    stocked(book)
    assert post(book).exit_code == 0
    [new] = type_rows(book, "销售", [sale("XS1", d(2026, 11, 5), "A001", 1, 9)])            # not posted
    [bad] = type_rows(book, "采购", [purchase("CG2", d(2026, 11, 6), "ZZZ", 1, 5)])          # in error
    type_rows(book, "销售", [sale("XS9", d(2026, 12, 5), "A001", 1, 9)])                     # next month: fine
    [count] = type_rows(book, "盘点", [{"单号": "PD1", "日期": d(2026, 11, 30), "仓库": "WH1",
                                         "商品编码": "A001", "实盘数量": 98}])
    result = close(book, "2026-11")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert f"结账前检查：销售 第{new}行 单号“XS1”（2026-11-05）还没有过账" in result.output
    assert f"结账前检查：采购 第{bad}行 单号“CG2” 有错误（商品编码“ZZZ”不存在" in result.output
    assert f"结账前检查：盘点 第{count}行 盘点单“PD1”（2026-11-30）的盘点差异还没有过账" in result.output
    assert "XS9" not in result.output and len(lines) == 4
    with Ledger.open(ledger_path(book)) as ledger:
        assert ledger.settings.closed_through is None
    assert cell(book, "设置", 6, "值") is None


# -- 4: a deleted posted row ------------------------------------------------------------------------------
def test_a_posted_document_whose_rows_are_deleted_is_reported_by_post_and_verify(book):
    stocked(book)
    type_rows(book, "销售", [sale("XS1", d(2026, 11, 2), "A001", 30, 9), sale("XS2", d(2026, 11, 3), "A001", 5, 9)])
    assert post(book).exit_code == 0
    wb = openpyxl.load_workbook(book)
    wb["销售"].delete_rows(2)
    wb.save(book)
    report = post(book)
    assert report.exit_code == 1
    [said] = [p for p in report.sheet_problems if "XS1" in p]
    assert "销售" in said and "红字冲销" in said
    with Ledger.open(ledger_path(book)) as ledger:
        assert ledger.stock()[0].qty == 65                        # the books are not changed
    done = jxc("verify", book)
    assert done.returncode == 1 and "XS1" in done.stdout
    assert CliRunner().invoke(main, ["reverse", str(book), "XS1"]).exit_code == 0
    assert post(book).exit_code == 0


# -- 5: a missing master sheet ---------------------------------------------------------------------------
def test_a_missing_master_sheet_stops_the_run_before_anything_posts(book):
    type_rows(book, "收付款", [{"单号": "SK1", "日期": d(2026, 11, 8), "业务类型": "收款", "往来单位": "C01", "金额": 10}])
    wb = openpyxl.load_workbook(book)
    del wb["商品"]
    wb.save(book)
    before = book.read_bytes()
    done = jxc("post", book)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].strip().startswith("缺少“商品”表")
    assert book.read_bytes() == before
    assert not posted_anything(book)


# -- 6: duplicate master codes ---------------------------------------------------------------------------
def test_duplicate_master_codes_are_errors_on_their_rows_and_nothing_uses_them(book):
    rows = type_rows(book, "商品", [{"商品编码": "C003", "商品名称": "橙子"}, {"商品编码": "c003", "商品名称": "柠檬"}])
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "C003", 1, 5), purchase("CG2", d(2026, 11, 1), "A001", 1, 5)])
    report = post(book)
    assert report.exit_code == 1
    assert [p for p in report.sheet_problems if f"第{rows[0]}行" in p and f"第 {rows[1]} 行重复" in p]
    assert [p for p in report.sheet_problems if f"第{rows[1]}行" in p and f"第 {rows[0]} 行重复" in p]
    assert "C003" in status(book, "采购", 2) and status(book, "采购", 3).startswith("已过账")
    with Ledger.open(ledger_path(book)) as ledger:
        assert [r.item for r in ledger.stock()] == ["A001"]


# -- 7: a posted 单号 with new or edited rows --------------------------------------------------------
def test_rows_added_to_a_posted_document_get_the_error_and_the_posted_rows_keep_their_status(book):
    rows = type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", 10, 5),
                                   purchase("CG1", d(2026, 11, 1), "B002", 4, 2)])
    assert post(book).exit_code == 0
    [added] = type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", 3, 5)])
    report = post(book)
    assert report.exit_code == 1
    assert all(status(book, "采购", r).startswith("已过账 批次1") for r in rows)
    said = status(book, "采购", added)
    assert said.startswith("错误：") and "CG1" in said and "新单号" in said and "红字冲销" in said


def test_a_second_payment_row_with_a_posted_number_leaves_the_posted_one_alone(book):
    payment = {"单号": "SK1", "日期": d(2026, 11, 8), "业务类型": "收款", "往来单位": "C01", "金额": 10}
    [first] = type_rows(book, "收付款", [payment])
    assert post(book).exit_code == 0
    [second] = type_rows(book, "收付款", [{**payment, "金额": 20}])
    assert post(book).exit_code == 1
    assert status(book, "收付款", first).startswith("已过账")
    assert "SK1" in status(book, "收付款", second)


def test_an_edited_posted_row_names_the_cell_old_and_new(book):
    [row] = type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6)])
    post(book)
    type_rows(book, "采购", [{"数量": 12}], start=row)
    assert post(book).exit_code == 1
    said = status(book, "采购", row)
    assert "数量 10 → 12" in said and "红字冲销" in said
    with Ledger.open(ledger_path(book)) as ledger:
        assert ledger.stock()[0].qty == 10


def test_sorting_a_posted_documents_rows_is_not_an_edit(book):
    rows = type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", 10, 5),
                                   purchase("CG1", d(2026, 11, 1), "B002", 4, 2)])
    post(book)
    # sorting moves whole rows: 金额 too (which 过账 filled in, the file being uncalculated)
    type_rows(book, "采购", [{**purchase("CG1", d(2026, 11, 1), "B002", 4, 2), "金额": 8},
                            {**purchase("CG1", d(2026, 11, 1), "A001", 10, 5), "金额": 50}], start=rows[0])
    report = post(book)
    assert report.exit_code == 0 and report.posted == 0
    assert all(status(book, "采购", r).startswith("已过账 批次1") for r in rows)


def test_amounts_excel_calculated_since_posting_do_not_make_a_document_look_edited(book, tmp_path):
    [row] = type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 3, 2.5)])
    assert post(book).exit_code == 0
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out), str(book)],
                   check=True, capture_output=True, timeout=180)
    shutil.copy(out / book.name, book)
    assert cell(book, "采购", row, "金额", data_only=True) == 7.5
    report = post(book)
    assert (report.exit_code, report.posted, report.already) == (0, 0, 1)


# -- 19: where the ledger may be ----------------------------------------------------------------------------
def test_a_ledger_outside_the_workbooks_folder_needs_this_computers_permission(file_book, tmp_path, monkeypatch):
    book = file_book
    stocked(book)
    (tmp_path / "books").mkdir()
    book = shutil.move(book, tmp_path / "books" / book.name)
    elsewhere = tmp_path / "outside"
    elsewhere.mkdir()
    app = elsewhere / "app.db"                                # another program's database
    import sqlite3
    with sqlite3.connect(app) as conn:
        conn.execute("CREATE TABLE customers (name TEXT)")
    before = app.read_bytes()
    for name in ("../outside/x.jxc.db", str(app)):
        type_rows(book, "设置", [{"项目": "账簿文件", "值": name}], start=3)
        done = jxc("post", book)
        assert done.returncode == 2 and "JXC_LEDGER_FOLDERS" in done.stderr, done.stderr
        assert not (elsewhere / "x.jxc.db").exists() and app.read_bytes() == before
    monkeypatch.setenv("JXC_LEDGER_FOLDERS", str(elsewhere))       # allowed here: still not our ledger
    done = jxc("post", book)
    assert done.returncode == 2 and "其他程序的数据库" in done.stderr and app.read_bytes() == before
    type_rows(book, "设置", [{"项目": "账簿文件", "值": "../outside/x.jxc.db"}], start=3)
    assert jxc("post", book).returncode == 0 and (elsewhere / "x.jxc.db").exists()


# -- 11: a sheet typed without 状态 -----------------------------------------------------------------
def test_a_sheet_without_a_status_column_gets_one(tmp_path):
    path = scratch_book(tmp_path / "scratch.xlsx",
                        [["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价", "我的列"],
                         ["P1", "2026-11-02", "入库", "S1", "W", "A1", 5, 2, "x"],
                         ["P2", "2026-11-02", "入库", "S1", "W", "NOPE", 5, 2, "y"]])
    report = post(path)
    assert report.exit_code == 1
    ws = openpyxl.load_workbook(path)["采购"]
    assert ws["J1"].value == "状态" and ws["J2"].value.startswith("已过账") and ws["J3"].value.startswith("错误：")
    assert ws["I2"].value == "x"


# -- 16: an unexpected failure ---------------------------------------------------------------------------
def test_an_unexpected_failure_is_one_line_exit_2_and_a_log(book, monkeypatch):
    from jxc_xl.app import usecases

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(usecases, "post_book", broken)
    result = CliRunner().invoke(main, ["post", str(book)])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    log = book.parent / "jxc-错误日志.log"
    assert str(log) in result.output
    assert "RuntimeError: something nobody expected" in log.read_text(encoding="utf-8")


# -- 23: backups and restore ---------------------------------------------------------------------------
def test_two_backups_in_one_second_are_two_files_and_restore_brings_one_back(file_book):
    book = file_book
    stocked(book)
    post(book)
    from jxc_xl.app.tools import backup_ledger, restore_ledger
    from jxc_xl.io.patch import PatchBook
    now = dt.datetime(2026, 11, 21, 9, 30, 0)
    first = backup_ledger(PatchBook(book), book, now)
    second = backup_ledger(PatchBook(book), book, now)
    copies = sorted((book.parent / "备份").glob("*.db"))
    assert first.ok and second.ok and len(copies) == 2
    [row] = type_rows(book, "销售", [sale("XS1", d(2026, 11, 2), "A001", 30, 9)])
    post(book)
    result = CliRunner().invoke(main, ["restore", str(book), str(copies[0])])
    assert result.exit_code == 0, result.output
    assert "原账簿保存在" in result.output and "状态已清空" in result.output
    assert status(book, "销售", row) == ""                       # not in the restored books: posts again
    assert [r["数量"] for r in table_rows(book, "库存")] == [100]
    assert len(list(book.parent.glob("账本.jxc*.db"))) == 2        # the replaced ledger kept aside
    assert jxc("verify", book).returncode == 0
    assert post(book).posted == 1
    bad = book.parent / "bad.db"
    bad.write_text("not a ledger")
    done = CliRunner().invoke(main, ["restore", str(book), str(bad)])
    assert done.exit_code == 2 and "不能用来恢复" in done.output


# -- 24: a count sheet for an unknown warehouse ------------------------------------------------------
def test_count_sheet_for_an_unknown_warehouse_exits_1_and_names_the_known_ones(book):
    stocked(book)
    post(book)
    result = CliRunner().invoke(main, ["count-sheet", str(book), "WH9"])
    assert result.exit_code == 1 and "未知仓库“WH9”" in result.output and "WH1" in result.output
    assert "选中" not in result.output


# -- smaller things a user hit ------------------------------------------------------------------------
def test_chinese_dates_currency_signs_and_another_letter_case_are_accepted(book):
    type_rows(book, "采购", [purchase("CG1", "2026年11月5日", "a001", 2, "¥28.00"),
                            purchase("CG2", "2026/11/6", "A001", "3", "28元")])
    report = post(book)
    assert report.exit_code == 0, report.error_rows
    with Ledger.open(ledger_path(book)) as ledger:
        [row] = ledger.stock()
        assert (row.item, row.qty, row.value) == ("A001", 5, Decimal("140.00"))


def test_verify_says_which_sheet_row_and_figure_differ(book):
    stocked(book)
    post(book)
    wb = openpyxl.load_workbook(book)
    wb["库存"].protection.sheet = False
    wb["库存"]["G3"] = 499
    wb.save(book)
    done = jxc("verify", book)
    assert done.returncode == 1
    assert "“库存”第 3 行库存金额：表中 499，账簿 500" in done.stdout


def test_a_cost_method_message_speaks_the_names_the_user_typed(book):
    stocked(book)
    post(book)
    type_rows(book, "设置", [{"项目": "成本方法", "值": "先进先出"}], start=4)
    report = post(book)
    [said] = [p for p in report.sheet_problems if "成本方法" in p]
    assert "移动加权平均" in said and "moving_average" not in said and "fifo" not in said


def test_huge_numbers_in_masters_are_row_errors(book):
    type_rows(book, "商品", [{"商品编码": "Z9", "商品名称": "大", "参考进价": 1e20}])
    type_rows(book, "往来单位", [{"编码": "C9", "名称": "久", "类型": "客户", "账期天数": 10**9}])
    report = post(book)
    assert report.exit_code == 1
    assert any("参考进价" in p and "必须小于" in p for p in report.sheet_problems)
    assert any("账期天数" in p for p in report.sheet_problems)


def test_a_posted_row_retyped_with_a_product_too_large_for_any_amount_is_a_row_error(file_book):
    """Issue 24's siblings: a posted document's fingerprint is taken before its rows are checked,
    and a 金额 beside a 数量 × 单价 too large to round to the cent raised there (a traceback)."""
    stocked(file_book)
    assert post(file_book).posted == 1
    ws_book = openpyxl.load_workbook(file_book)
    ws = ws_book["采购"]
    head = [c.value for c in ws[1]]
    ws.cell(2, head.index("数量") + 1, 1e30)
    ws.cell(2, head.index("单价") + 1, 1e30)
    ws.cell(2, head.index("金额") + 1, 5)
    ws_book.save(file_book)
    report = post(file_book)
    assert report.posted == 0
    said = status(file_book, "采购", 2)
    assert said.startswith("错误") and "CG1" in said and "数量 100 → " in said and "金额 （空） → 5" in said
    with Ledger.open(ledger_path(file_book)) as ledger:             # the books keep what was posted
        assert ledger.verify() == [] and ledger.stock(item="A001", by_item=True)
