"""Issue 25, 审核 through the workbook: a clerk's 过账 under 过账需审核 leaves its rows 待审核 and
the books as they were; the approver's workbook (another file on the same ledger) lists them on
待审核 and approves or rejects them — `jxc approve` / `jxc reject` and the ribbon's 审核 / 驳回 —
and the clerk's next 刷新 shows what became of them."""
from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from jxc_xl import Ledger
from jxc_xl.app.usecases import refresh_book
from jxc_xl.cli import main
from jxc_xl.io.patch import PatchBook

from ..wb import cell, ledger_at, masters, post, purchase, table_rows, type_rows
from .test_ribbon import press

TODAY = dt.date.today()


@pytest.fixture
def office(tmp_path):
    """The clerk's workbook (账本.xlsx, its ledger beside it, with users and 过账需审核 on) and the
    approver's (审核.xlsx, a copy whose 设置 names the same ledger)."""
    from jxc_xl.io.template import new_workbook
    clerk = new_workbook(tmp_path / "账本.xlsx")
    masters(clerk)
    approver = tmp_path / "审核.xlsx"
    shutil.copy(clerk, approver)
    type_rows(approver, "设置", [{"项目": "账簿文件", "值": "账本.jxc.db"}], start=3)
    with Ledger.open(ledger_at(clerk)) as ledger:
        for name, role in (("管家", "管理员"), ("小采", "采购"), ("老王", "财务")):
            assert ledger.add_user(name, role, by="管家") is None
    row = next(c.row for c in openpyxl.load_workbook(approver)["设置"]["A"] if c.value == "过账需审核")
    type_rows(approver, "设置", [{"值": "是"}], start=row)                   # the template's own row
    assert post(approver, user="管家").exit_code == 0          # the 管理员's 设置 turns it on (at 过账)
    return clerk, approver


def _stock(book) -> dict:
    return {r["商品编码"]: r["数量"] for r in table_rows(book, "库存")}


def test_a_clerks_post_waits_and_approve_on_the_command_line_posts_it(office):
    clerk, approver = office
    with Ledger.open(ledger_at(clerk)) as ledger:
        assert ledger.approval_required()
    rows = type_rows(clerk, "采购", [purchase("CG1", TODAY, "A001", 10, 5)])
    report = post(clerk, user="小采")
    assert report.posted == 0 and report.exit_code == 0 and any("待审核 1 张（CG1）" in n for n in report.notes)
    assert cell(clerk, "采购", rows[0], "状态").startswith("待审核（小采 提交于 ")
    assert "A001" not in _stock(clerk)
    assert post(clerk, user="小采").posted == 0                       # typed again unchanged: still waiting
    with Ledger.open(ledger_at(clerk)) as ledger:
        assert len(ledger.pending()) == 1
    refresh_book(PatchBook(approver), approver, user="老王")
    [listed] = table_rows(approver, "待审核")
    assert listed["单据类型"] == "采购入库" and listed["单号"] == "CG1" and listed["往来单位"] == "S01"
    assert listed["金额"] == 50 and listed["制单人"] == "小采" and listed["状态"] == "待审核"
    runner = CliRunner()
    denied = runner.invoke(main, ["approve", str(approver), "CG1", "--user", "小采"])
    assert denied.exit_code == 1 and "不能审核/驳回" in denied.output and "Traceback" not in denied.output
    done = runner.invoke(main, ["approve", str(approver), "CG1", "--user", "老王"])
    assert done.exit_code == 0 and "单号 CG1 已审核并过账" in done.output, done.output
    assert table_rows(approver, "待审核") == [] and _stock(approver) == {"A001": 10}
    with Ledger.open(ledger_at(clerk)) as ledger:
        [entry] = ledger.audit_log(("approve",))
        assert "制单人 小采" in entry.detail and "审核人 老王" in entry.detail
    refresh_book(PatchBook(clerk), clerk, user="小采")              # the clerk's 刷新: 已过账
    assert cell(clerk, "采购", rows[0], "状态").startswith("已过账") and _stock(clerk) == {"A001": 10}
    again = runner.invoke(main, ["approve", str(approver), "CG1", "--user", "老王"])
    assert again.exit_code == 1 and "没有待审核的单据" in again.output
    printed = runner.invoke(main, ["print", str(approver), "CG1"])     # its 单据: 制单人 the clerk, 审核 signed
    assert printed.exit_code == 0, printed.output
    text = " ".join(str(v) for row in openpyxl.load_workbook(approver)["打印"].iter_rows(values_only=True) for v in row if v)
    assert "制单人：小采" in text and "审核：老王" in text


def test_reject_on_the_command_line_reaches_the_clerks_status_and_a_fixed_version_waits_again(office):
    clerk, approver = office
    rows = type_rows(clerk, "采购", [purchase("CG2", TODAY, "A001", 4, 7)])
    post(clerk, user="小采")
    runner = CliRunner()
    assert runner.invoke(main, ["reject", str(approver), "CG2", "--user", "老王"]).exit_code == 2      # --reason required
    done = runner.invoke(main, ["reject", str(approver), "CG2", "--reason", "单价应为 6", "--user", "老王"])
    assert done.exit_code == 0 and "单号 CG2 已驳回（单价应为 6）" in done.output, done.output
    assert cell(clerk, "采购", rows[0], "状态").startswith("待审核")   # the clerk has not refreshed yet
    refresh_book(PatchBook(clerk), clerk, user="小采")
    assert cell(clerk, "采购", rows[0], "状态").startswith("已驳回：单价应为 6（老王 ")
    post(clerk, user="小采")                                          # unchanged: still rejected
    assert cell(clerk, "采购", rows[0], "状态").startswith("已驳回：单价应为 6")
    type_rows(clerk, "采购", [purchase("CG2", TODAY, "A001", 4, 6)], start=rows[0])
    post(clerk, user="小采")
    assert cell(clerk, "采购", rows[0], "状态").startswith("待审核")
    with Ledger.open(ledger_at(clerk)) as ledger:
        assert [(p.doc_no, str(p.amount)) for p in ledger.pending()] == [("CG2", "24.00")]


def test_the_ribbons_approve_and_reject_buttons_decide_the_selected_rows_of_the_pending_sheet(office, monkeypatch):
    clerk, approver = office
    type_rows(clerk, "采购", [purchase("CG1", TODAY, "A001", 10, 5), purchase("CG2", TODAY, "B002", 3, 2),
                             purchase("CG3", TODAY, "B002", 1, 2)])
    post(clerk, user="小采")
    refresh_book(PatchBook(approver), approver, user="老王")
    listed = {r["单号"]: n for n, r in enumerate(table_rows(approver, "待审核"), start=3)}
    monkeypatch.setattr("getpass.getuser", lambda: "老王")
    message, _ = press(approver, "approve", ("库存", 3, 3))
    assert "请先在“待审核”表中选中" in message
    message, app = press(approver, "approve", ("待审核", listed["CG1"], listed["CG2"]), answers=["yes"])
    assert "CG1、CG2" in app.alerts[0][0] and app.alerts[0][2] == "yes_no"
    assert "单号 CG1 已审核并过账" in message and "单号 CG2 已审核并过账" in message, message
    assert [r["单号"] for r in table_rows(approver, "待审核")] == ["CG3"]
    row = next(n for n, r in enumerate(table_rows(approver, "待审核"), start=3) if r["单号"] == "CG3")
    message, app = _press_typing(approver, "reject", ("待审核", row, row), [False])      # cancelled: nothing
    assert message == "" and [r["单号"] for r in table_rows(approver, "待审核")] == ["CG3"]
    message, app = _press_typing(approver, "reject", ("待审核", row, row), ["数量不对"])   # typed in Excel's input box
    assert app.alerts[0][2] == "input" and "单号 CG3 已驳回（数量不对）" in message, message
    assert table_rows(approver, "待审核") == [] and _stock(approver) == {"A001": 10, "B002": 3}


def _press_typing(path, tag, select, typed):
    """As test_ribbon.press, the user typing ``typed`` into the input boxes that come up."""
    from jxc_xl import ribbon
    from ..xlengine import app_of, open_book
    book = open_book(path)
    app = app_of(book)
    app.alerts.clear()
    app.typed[:] = list(typed)
    sheet, first, last = select
    book.sheets[sheet].range((first, 1), (last, 1)).select()
    book.set_mock_caller()
    message = ribbon.dispatch(tag)
    book.save()
    return message, app


def test_the_pending_sheet_is_written_only_where_the_ledger_asks_for_approval(tmp_path):
    from jxc_xl.io.template import new_workbook
    book = new_workbook(tmp_path / "一人.xlsx")
    masters(book)
    type_rows(book, "采购", [purchase("CG1", TODAY, "A001", 1, 1)])
    post(book)
    assert "待审核" not in openpyxl.load_workbook(book).sheetnames        # one clerk: no sheet for it


def test_every_command_that_opens_the_workbooks_ledger_refuses_one_outside_its_folder(tmp_path):
    """A workbook received by e-mail whose 设置 names a jxc ledger elsewhere on this computer:
    approve, backup, close-order, close, report and vouchers refuse it, as 过账 does (they opened
    it unchecked before), and the ledger is untouched."""
    from jxc_xl.io.template import new_workbook
    (tmp_path / "elsewhere").mkdir()
    other = new_workbook(tmp_path / "elsewhere" / "别人.xlsx")
    masters(other)
    type_rows(other, "采购", [purchase("CG1", TODAY, "A001", 1, 1)])
    post(other)
    ledger = ledger_at(other)
    before = ledger.read_bytes()
    (tmp_path / "mail").mkdir()
    book = new_workbook(tmp_path / "mail" / "收到.xlsx")
    type_rows(book, "设置", [{"项目": "账簿文件", "值": "../elsewhere/别人.jxc.db"}], start=3)
    month = f"{TODAY:%Y-%m}"
    for args in (["approve", str(book), "CG1"], ["backup", str(book)], ["close-order", str(book), "CG1"],
                 ["close", str(book), month], ["report", str(book)], ["vouchers", str(book)]):
        done = CliRunner().invoke(main, args)
        assert done.exit_code == 2 and "JXC_LEDGER_FOLDERS" in done.output, (args, done.output)
    assert ledger.read_bytes() == before and not (tmp_path / "elsewhere" / "备份").exists()
