"""The ribbon's routes, pressed on workbooks open through xlwings' real front end (Book/Sheet/
Range) on the openpyxl-backed test engine in xlengine.py — no Excel here."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jxc_xl import Ledger, ribbon
from jxc_xl.demo import build_demo
from jxc_xl.app.usecases import post_book
from jxc_xl.io.patch import PatchBook
from jxc_xl.io.template import new_workbook

from ..wb import cell, masters, post, purchase, sale, table_rows, type_rows, ledger_at
from ..xlengine import app_of, open_book

TODAY = dt.date.today()
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?")


def press(path: Path, tag: str, select: tuple[str, int, int] | None = None, answers=()) -> tuple[str, object]:
    """Open the workbook as Excel would, select cells, press the button, save; (message, app)."""
    book = open_book(path)
    app = app_of(book)
    app.alerts.clear()
    app.answers[:] = list(answers)
    if select:
        sheet, first, last = select
        book.sheets[sheet].range((first, 1), (last, 1)).select()
    book.set_mock_caller()                   # RunPython's xw.Book.caller() is this book
    message = ribbon.dispatch(tag)
    book.save()
    return message, app


def contents(path: Path) -> dict[str, list[tuple]]:
    """Every sheet's values, with run times and empty texts evened out."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append(tuple(None if v == "" else STAMP.sub("<time>", v) if isinstance(v, str) else v
                              for v in row))
        while rows and not any(v is not None for v in rows[-1]):
            rows.pop()
        out[ws.title] = rows
    return out


@pytest.fixture
def demo_pair(tmp_path):
    """The demo workbook twice: one for `jxc post`, one for the ribbon."""
    first = build_demo(tmp_path / "file")
    (tmp_path / "excel").mkdir()
    second = tmp_path / "excel" / first.name
    shutil.copy(first, second)
    return first, second


def test_post_button_ends_where_jxc_post_ends(demo_pair):
    by_file, by_excel = demo_pair
    report = post_book(PatchBook(by_file), by_file)          # today, as the button does
    message, app = press(by_excel, "post")
    assert contents(by_excel) == contents(by_file)
    with Ledger.open(_ledger(by_file)) as a, Ledger.open(_ledger(by_excel)) as b:
        assert a.totals() == b.totals() and b.verify() == []
    # what the clerk is told, and where Excel takes them
    sheet, row, text = report.error_rows[0]
    assert f"{report.posted} 张单据已过账" in message and "3 行有错误" in message
    assert f"第一处：{sheet} 第 {row} 行" in message and text in message
    assert app.alerts[-1][0] == message and app.status_bar == message.splitlines()[0]
    assert (app.selection.sheet.name, app.selection.row) == (sheet, row)
    # the run's steps went by in the status bar (a post waiting on another clerk's says so there)
    steps = [s for s in app.statuses if s]
    assert any(s.startswith("进销存：过账") for s in steps) and any(s.startswith("进销存：保存工作簿") for s in steps)
    # generated sheets come back protected, as the template makes them
    wb = openpyxl.load_workbook(by_excel)
    assert all(wb[name].protection.sheet for name in ("库存", "应收", "应付", "台账"))


def _ledger(book: Path) -> Path:
    return ledger_at(book)


def test_validate_button_marks_errors_and_posts_nothing(demo_pair):
    _, book = demo_pair
    message, app = press(book, "validate")
    assert "校验完成，未过账" in message and "3 行有错误" in message
    assert cell(book, "采购", app.selection.row, "状态").startswith("错误：")
    with Ledger.open(_ledger(book)) as ledger:
        assert ledger.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0


@pytest.fixture
def small(tmp_path):
    path = new_workbook(tmp_path / "账本.xlsx")
    masters(path)
    type_rows(path, "采购", [purchase("CG1", TODAY, "A001", 10, 5), purchase("CG1", TODAY, "B002", 4, 2.5),
                           purchase("CG2", TODAY, "A001", 6, 6, wh="WH2")])
    post(path)
    return path


def test_reverse_button_reverses_the_selected_rows_document_after_asking(small):
    message, app = press(small, "reverse", ("采购", 3, 3), answers=["no"])
    assert app.alerts[0][2] == "yes_no" and "CG1" in app.alerts[0][0] and message == ""
    with Ledger.open(_ledger(small)) as ledger:
        assert ledger.stock(item="A001", warehouse="WH1")[0].qty == 10          # not reversed
    message, _ = press(small, "reverse", ("采购", 3, 3), answers=["yes"])
    assert "单号 CG1 已红字冲销" in message
    assert "已红字冲销" in cell(small, "采购", 2, "状态") and "已红字冲销" in cell(small, "采购", 3, "状态")
    assert "已红字冲销" not in cell(small, "采购", 4, "状态")
    with Ledger.open(_ledger(small)) as ledger:
        assert ledger.stock(item="A001", warehouse="WH1")[0].qty == 0
        assert ledger.stock(item="A001", warehouse="WH2")[0].qty == 6
    assert {r["单据类型"] for r in table_rows(small, "台账")} >= {"采购入库（红字冲销）"}


def test_reverse_button_without_a_document_row_says_what_to_select(small):
    message, _ = press(small, "reverse", ("商品", 2, 2))
    assert "请先在单据表中选中" in message


def test_count_sheet_button_lists_the_warehouse_and_counting_it_posts_no_difference(small):
    message, _ = press(small, "count_sheet", ("仓库", 2, 2))          # WH1 selected
    assert "仓库 WH1 的 2 个商品" in message
    rows = {cell(small, "盘点", r, "商品编码"): r for r in (2, 3)}
    assert set(rows) == {"A001", "B002"}
    assert cell(small, "盘点", rows["A001"], "账面数量") == 10 and cell(small, "盘点", rows["B002"], "账面数量") == 4
    doc_no = cell(small, "盘点", 2, "单号")
    assert doc_no == f"PD{TODAY:%Y%m%d}-001" and cell(small, "盘点", 3, "单号") == doc_no
    type_rows(small, "盘点", [{"实盘数量": 10}], start=rows["A001"])
    type_rows(small, "盘点", [{"实盘数量": 3}], start=rows["B002"])
    report = post(small)
    assert report.exit_code == 0
    with Ledger.open(_ledger(small)) as ledger:
        assert ledger.stock(item="B002", warehouse="WH1")[0].qty == 3          # one lost in the count
        assert ledger.stock(item="A001", warehouse="WH1")[0].qty == 10


def test_count_sheet_button_needs_a_warehouse_selected(small):
    message, _ = press(small, "count_sheet", ("采购", 2, 2))
    assert "请先在“仓库”表或“盘点”表选中一个仓库" in message


def test_next_doc_no_button_numbers_the_selected_rows_as_one_document(small):
    rows = type_rows(small, "销售", [{"日期": TODAY, "业务类型": "出库", "客户": "C01", "仓库": "WH1",
                                    "商品编码": "A001", "数量": 1, "单价": 9},
                                   {"日期": TODAY, "业务类型": "出库", "客户": "C01", "仓库": "WH1",
                                    "商品编码": "B002", "数量": 1, "单价": 4}])
    message, _ = press(small, "next_doc_no", ("销售", rows[0], rows[1]))
    first = f"XS{TODAY:%Y%m%d}-001"
    assert message == f"单号 {first} 已填入 2 行"
    assert [cell(small, "销售", r, "单号") for r in rows] == [first, first]
    assert post(small).exit_code == 0
    more = type_rows(small, "销售", [{"日期": TODAY, "业务类型": "出库", "客户": "C02", "仓库": "WH1",
                                    "商品编码": "A001", "数量": 1, "单价": 9}])
    press(small, "next_doc_no", ("销售", more[0], more[0]))
    assert cell(small, "销售", more[0], "单号") == f"XS{TODAY:%Y%m%d}-002"
    message, _ = press(small, "next_doc_no", ("销售", more[0], more[0]))
    assert message == "所选的行都已有单号"


def test_backup_button_makes_a_checked_copy_of_the_ledger(small):
    message, _ = press(small, "backup")
    copies = list((small.parent / "备份").glob("*.db"))
    assert len(copies) == 1 and str(copies[0]) in message
    with Ledger.open(copies[0]) as copy, Ledger.open(_ledger(small)) as original:
        assert copy.totals() == original.totals() and copy.verify() == []
        assert copy.stock() == original.stock()


def test_settings_and_help_buttons_open_their_sheets(small):
    for tag, sheet in (("settings", "设置"), ("help", "说明")):
        book = open_book(small)
        book.set_mock_caller()
        message = ribbon.dispatch(tag)
        assert book.impl.wb.active.title == sheet
        assert tag == "help" or "成本方法" in message


def test_refresh_button_writes_ledger_text_as_text_never_a_formula(tmp_path):
    path = new_workbook(tmp_path / "账本.xlsx")
    masters(path)
    type_rows(path, "商品", [{"商品编码": "F1", "商品名称": "+HYPERLINK(\"x\")", "单位": "-1"}])
    type_rows(path, "采购", [purchase("CG1", TODAY, "F1", 2, 3)])
    post(path)
    press(path, "refresh")
    ws = openpyxl.load_workbook(path)["库存"]
    row = next(r for r in ws.iter_rows(min_row=3) if r[1].value == "F1")
    assert row[2].value == "+HYPERLINK(\"x\")" and row[2].data_type == "s"
    assert row[3].value == "-1" and row[3].data_type == "s"
    assert row[4].value == 2 and row[6].value == 6


def test_a_tag_without_a_route_says_so():
    class Book:
        name, fullname = "x.xlsx", "/tmp/x.xlsx"
        class app:
            alerts = []
            status_bar = None
            @classmethod
            def alert(cls, prompt, *a, **k):
                cls.alerts.append(prompt)
    message = ribbon.dispatch("no_such_button", Book)
    assert "没有对应的功能" in message and Book.app.alerts == [message]


def test_every_button_has_a_route_and_every_route_a_button():
    xml = (Path(__file__).resolve().parents[2] / "workbook" / "customUI.xml").read_text(encoding="utf-8")
    ns = {"c": "http://schemas.microsoft.com/office/2006/01/customui"}
    buttons = ET.fromstring(xml).findall(".//c:button", ns)
    assert {b.get("tag") for b in buttons} == set(ribbon.ROUTES)
    assert {b.get("onAction") for b in buttons} == {"RibbonJxc.OnAction"}
    assert {b.get("label") for b in buttons} == {"校验", "过账", "刷新", "冲销", "盘点表", "新单号", "关闭订单", "结账", "反结账",
                                                 "生成报表", "生成凭证", "对账单", "打印单据", "备份", "恢复", "设置", "帮助",
                                                 "审核", "驳回"}


def test_to_excel_keeps_figures_exact_and_text_text():
    from jxc_xl.io.excel import to_excel
    from jxc_xl.sheets.format import Exact
    assert to_excel(Exact("1234.56")) == 1234.56 and to_excel(Decimal("0.10")) == 0.1
    assert to_excel("001") == "'001" and to_excel("=1+1") == "'=1+1" and to_excel("") is None
    assert to_excel(dt.date(2026, 1, 2)) == dt.datetime(2026, 1, 2)


def test_count_sheet_and_backup_commands_run_the_same_use_cases(small):
    from click.testing import CliRunner

    from jxc_xl.cli import main
    result = CliRunner().invoke(main, ["count-sheet", str(small), "门店仓"])      # by name
    assert result.exit_code == 0 and "仓库 WH2 的 1 个商品" in result.output
    assert cell(small, "盘点", 2, "商品编码") == "A001" and cell(small, "盘点", 2, "账面数量") == 6
    assert CliRunner().invoke(main, ["count-sheet", str(small), "WH1"]).exit_code == 0    # rows 3–4: the table grows
    ws = openpyxl.load_workbook(small)["盘点"]
    assert ws.tables["Counts"].ref == "A1:I4" and ws.max_row == 4 and ws.cell(4, 4).value == "B002"
    result = CliRunner().invoke(main, ["count-sheet", str(small), "WH9"])
    assert "未知仓库“WH9”" in result.output
    result = CliRunner().invoke(main, ["backup", str(small)])
    assert result.exit_code == 0 and "账簿已备份到" in result.output
    assert len(list((small.parent / "备份").glob("账本.jxc-*.db"))) == 1


def test_merged_cells_and_an_na_result_are_found_through_excel_too(tmp_path):
    from ..app.test_workbook import _recalculate_with_libreoffice
    path = new_workbook(tmp_path / "账本.xlsx")
    masters(path)
    rows = type_rows(path, "采购", [purchase("CG1", TODAY, "A001", 1, 6), purchase("CG1", TODAY, "B002", 1, 6),
                                   purchase("CG2", TODAY, "=NA()", 1, 6)])
    wb = openpyxl.load_workbook(path)
    wb["采购"].merge_cells(f"A{rows[0]}:A{rows[1]}")
    wb.save(path)
    _recalculate_with_libreoffice(path, tmp_path)            # Excel would show the formula's #N/A
    message, _ = press(path, "validate")
    assert "3 行有错误" in message
    assert "合并单元格（A2:A3）" in cell(path, "采购", rows[0], "状态")
    assert "商品编码是公式错误值 #N/A" in cell(path, "采购", rows[2], "状态")


def test_close_and_reopen_buttons_close_last_month_and_reopen_it_after_asking(small):
    last_month = f"{TODAY.replace(day=1) - dt.timedelta(days=1):%Y-%m}"
    message, app = press(small, "close", answers=["no"])
    assert message == "" and app.alerts[0][2] == "yes_no" and f"结账 {last_month}" in app.alerts[0][0]
    message, _ = press(small, "close", answers=["yes"])
    assert message.startswith("已结账"), message
    month_end = TODAY.replace(day=1) - dt.timedelta(days=1)
    with Ledger.open(_ledger(small)) as ledger:
        assert ledger.settings.closed_through == month_end and ledger.verify() == []
    shown = {r[0].value: r[1].value for r in openpyxl.load_workbook(small)["设置"].iter_rows()}
    assert shown["结账日期"] == dt.datetime.combine(month_end, dt.time())
    message, app = press(small, "reopen", answers=["yes"])
    assert f"反结账 {last_month}" in app.alerts[0][0] and message.startswith("已反结账"), message
    assert len(list((small.parent / "备份").glob("*.db"))) == 1
    with Ledger.open(_ledger(small)) as ledger:
        assert ledger.settings.closed_through == month_end.replace(day=1) - dt.timedelta(days=1)
        assert [a.action for a in ledger.audit_log(("close", "reopen"))] == ["close", "reopen"]


def test_close_order_button_closes_the_selected_order_after_asking(small):
    rows = type_rows(small, "采购订单", [{"单号": "CGDD1", "日期": TODAY, "供应商": "S01", "仓库": "WH1",
                                          "商品编码": "A001", "数量": 8, "单价": 5}])
    post(small)
    message, _ = press(small, "close_order", ("采购", 3, 3))
    assert "请先在“采购订单”或“销售订单”表中选中" in message
    message, app = press(small, "close_order", ("采购订单", rows[0], rows[0]), answers=["yes"])
    assert "CGDD1" in app.alerts[0][0] and message.startswith("订单 CGDD1 已关闭"), message
    with Ledger.open(_ledger(small)) as ledger:
        assert ledger.order_figures("purchase_orders", "CGDD1")["A001"].open == 0
        assert [a.action for a in ledger.audit_log(("close_order",))] == ["close_order"]


def test_report_button_writes_the_reports_jxc_report_writes(small, tmp_path):
    """生成报表 through Excel (the test engine) and `jxc report` through the file writer give the
    same six sheets, and the live workbook gets its charts."""
    from jxc_xl.app.reports import make_reports
    from jxc_xl.io.patch import PatchBook
    from jxc_xl.sheets.contract import REPORTS
    twin = tmp_path / "twin" / small.name
    twin.parent.mkdir()
    shutil.copy(small, twin)
    shutil.copy(_ledger(small), _ledger(twin))
    message, _ = press(small, "report")
    assert message.startswith("报表已生成") and openpyxl.load_workbook(small).active.title == "进销存汇总"
    assert make_reports(PatchBook(twin), twin).ok
    ribbon_sheets, file_sheets = contents(small), contents(twin)
    for spec in REPORTS:
        assert ribbon_sheets[spec.zh] == file_sheets[spec.zh], spec.zh
    charts = openpyxl.load_workbook(small)["图表"]._charts           # nothing sold: no top-ten chart
    assert [type(c).__name__ for c in charts] == ["BarChart", "BarChart", "PieChart"]      # sales, 利润, stock


def test_statement_button_states_the_selected_party(small):
    message, _ = press(small, "statement", ("商品", 2, 2))
    assert "请先在“往来单位”表" in message
    message, _ = press(small, "statement", ("往来单位", 2, 2))                    # S01, the supplier
    assert message.startswith("对账单已生成：S01") and "期末应付余额 96.00" in message
    rows = [r for r in openpyxl.load_workbook(small)["对账单"].iter_rows(values_only=True) if r[0] == "合计"]
    assert rows and rows[0][-1] == 96                        # what we owe the supplier, positive (JXC_BALANCE −96)


def test_print_button_prints_the_selected_document(small):
    message, _ = press(small, "print", ("采购", 2, 2))
    assert message.startswith("单据 CG1 已填入“打印”表"), message
    cells = [v for r in openpyxl.load_workbook(small)["打印"].iter_rows(values_only=True) for v in r if v]
    assert "采购入库单" in cells and "合计金额（大写）：人民币陆拾元整" in cells and "CG1" in cells
    message, _ = press(small, "print", ("商品", 2, 2))
    assert "请先在单据表中选中要打印的单据" in message


def test_post_button_colours_the_alerts_and_clears_them_when_they_go(small):
    from jxc_xl.sheets.format import WARN_FILL
    type_rows(small, "销售", [sale("XS1", TODAY, "A001", 6, 9, wh="WH2")])      # WH2 emptied (10 left in WH1)
    press(small, "post")
    fills = {(r[0].value, r[1].value): (r[8].value, r[8].fill.fgColor.rgb)
             for r in openpyxl.load_workbook(small)["库存"].iter_rows(min_row=3)}
    assert fills[("WH2", "A001")] == ("缺货", WARN_FILL)
    assert fills[("WH1", "A001")][0] is None and fills[("WH1", "A001")][1] != WARN_FILL
    type_rows(small, "销售", [sale("XS2", TODAY, "A001", 3, 9, wh="WH2", kind="退货", src="XS1")])
    press(small, "post")
    fills = {(r[0].value, r[1].value): r[8].fill.fgColor.rgb for r in openpyxl.load_workbook(small)["库存"].iter_rows(min_row=3)}
    assert fills[("WH2", "A001")] != WARN_FILL
