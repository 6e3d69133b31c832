"""The 进销存 ribbon's routes: a button's ``tag`` in workbook/customUI.xml names one of them.

RibbonJxc.OnAction (the add-in's one VBA callback) runs ``dispatch(tag)`` through xlwings'
RunPython; each route runs the same use case as the ``jxc`` command on the active workbook
and says in Excel what happened. Adding a button is one XML element and one route here.
"""
from __future__ import annotations

import getpass
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .app import approvals, orders, periods, reports, tools, usecases, vouchers
from .app.crash import log_crash
from .io.excel import XlwingsBook
from .ledger import LedgerError
from .sheets.book import Table, find_sheet, read_table
from .sheets.contract import (COUNTS, DOCUMENT_SHEETS, INVOICES, PARTIES, PENDING, PURCHASE_ORDERS, SALES_ORDERS,
                              WAREHOUSES)
from .sheets.cells import to_code
from .io.package import WorkbookError

TITLE = "进销存"


@dataclass
class Context:
    """The workbook a button was pressed in, as an xlwings Book and as a Book for the use cases."""

    xl: object                      # xlwings.Book

    def __post_init__(self) -> None:
        self.book = XlwingsBook(self.xl)
        self.path = Path(self.xl.fullname)

    def selection(self) -> tuple[str, int, int]:
        """(sheet, first row, last row) of the selected cells."""
        sel = self.xl.app.selection
        return sel.sheet.name, sel.row, sel.last_cell.row

    def selected(self, column: str | None, specs) -> tuple[str, object] | None:
        """The value of ``column`` (None: the column naming the row's document, 发票's 发票号码) in
        the selected row, when it is in one of the ``specs`` tables."""
        sheet, row, _ = self.selection()
        for spec in specs:
            if find_sheet(self.book, spec) == sheet:
                table = read_table(self.book, spec)
                if isinstance(table, Table):
                    values = dict(table.rows).get(row)
                    if values is not None:
                        return spec.zh, table.get(values, column or spec.key)
        return None

    def selected_code(self, column: str | None, specs) -> tuple[str, str] | None:
        """(sheet, code) of ``column`` in the selected row of one of the ``specs`` tables, if it holds one."""
        found = self.selected(column, specs)
        code = to_code(found[1]) if found else ""
        return (found[0], code) if code else None

    def selected_codes(self, column: str, spec) -> list[str]:
        """The codes in ``column`` of every selected row of ``spec``'s table (a block of rows)."""
        sheet, first, last = self.selection()
        if find_sheet(self.book, spec) != sheet:
            return []
        table = read_table(self.book, spec)
        if not isinstance(table, Table):
            return []
        codes = (to_code(table.get(values, column)) for row, values in table.rows if first <= row <= last)
        return list(dict.fromkeys(code for code in codes if code))

    def ask_text(self, prompt: str) -> str | None:
        """A line the user types in Excel's input box; None when they cancel."""
        answer = self.xl.app.api.InputBox(prompt, TITLE, "", Type=2)
        return None if answer is False else str(answer)

    def go_to(self, sheet: str, row: int) -> None:
        """Show the user a row (the first error)."""
        sh = self.xl.sheets[sheet]
        sh.activate()
        sh.range(f"{row}:{row}").select()

    def progress(self, step: str, done: int, total: int) -> None:
        """A run's step in Excel's status bar, so a long post (or one waiting on another clerk's)
        says what it is doing instead of looking frozen."""
        self.xl.app.status_bar = f"进销存：{step}（{done}/{total}）" if step else False

    def tell(self, message: str, ask: bool = False) -> str:
        self.xl.app.status_bar = message.splitlines()[0]
        return self.xl.app.alert(message, TITLE, buttons="yes_no" if ask else "ok", mode="info")


ROUTES: dict[str, Callable[[Context], str]] = {}


def route(tag: str):
    def register(fn: Callable[[Context], str]) -> Callable[[Context], str]:
        ROUTES[tag] = fn
        return fn
    return register


def dispatch(tag: str, book=None) -> str:
    """Run the route ``tag`` on the calling workbook (``book`` in tests) and show the outcome."""
    if book is None:
        import xlwings as xw
        book = xw.Book.caller()
    ctx = Context(book)
    run = ROUTES.get(tag)
    if run is None:
        message = f"按钮“{tag}”没有对应的功能：请重新安装加载项（jxc addin install）"
    else:
        try:
            message = run(ctx)
        except (WorkbookError, LedgerError) as exc:
            message = str(exc)
        except sqlite3.OperationalError as exc:
            message = f"账簿暂时无法使用（{exc}）：可能有人正在过账，请稍后再试"
        except Exception as exc:          # noqa: BLE001 — Excel shows a message, never a traceback
            log = log_crash(exc, ctx.path.parent)
            message = f"出现意外错误（{type(exc).__name__}）：详情已写入 {log}，请把该文件发给技术支持"
    if message:
        ctx.tell(message)
    return message


def _outcome(ctx: Context, report: usecases.Report, done: str) -> str:
    lines = [report.outcome if report.outcome and not report.posted else done, *report.sheet_problems]
    if report.error_rows:
        sheet, row, text = report.error_rows[0]
        lines.append(f"{len(report.error_rows)} 行有错误，第一处：{sheet} 第 {row} 行 — {text}")
        ctx.go_to(sheet, row)
    if report.receivables is not None:          # only figures read from the books, costs only to those who see them
        value = "" if report.stock_value is None else f"库存金额 {report.stock_value:,.2f}　"
        lines.append(f"{value}应收 {report.receivables:,.2f}　应付 {report.payables:,.2f}")
    return "\n".join(lines)


@route("validate")
def validate(ctx: Context) -> str:
    report = usecases.validate_book(ctx.book, ctx.path, user=getpass.getuser(), progress=ctx.progress)
    return _outcome(ctx, report, "校验完成，未过账。" if report.error_rows else "校验完成：没有错误，可以过账。")


@route("post")
def post(ctx: Context) -> str:
    report = usecases.post_book(ctx.book, ctx.path, user=getpass.getuser(), progress=ctx.progress)
    done = f"过账完成：{report.posted} 张单据已过账，{report.already} 张已过账未变。"
    return _outcome(ctx, report, "\n".join([done, *report.notes]))     # what it changed (counts, an account below zero)


@route("refresh")
def refresh(ctx: Context) -> str:
    report = usecases.refresh_book(ctx.book, ctx.path)
    return _outcome(ctx, report, "库存、应收、应付、台账已按账簿重新生成。")


@route("reverse")
def reverse(ctx: Context) -> str:
    found = ctx.selected_code(None, DOCUMENT_SHEETS + (INVOICES,))
    if not found:
        return "请先在单据表中选中要冲销的单据（或发票）的一行，再点 冲销"
    sheet, doc_no = found
    if ctx.tell(f"确定要对 {sheet} 单号 {doc_no} 做红字冲销吗？", ask=True) != "yes":
        return ""
    report = usecases.reverse_book(ctx.book, ctx.path, doc_no, user=getpass.getuser(), sheet=sheet)
    done = f"单号 {doc_no} 已红字冲销。" if report.posted else f"单号 {doc_no} 没有冲销。"
    return _outcome(ctx, report, "\n".join([done, *report.notes]))


@route("close_order")
def close_order(ctx: Context) -> str:
    """关闭订单 on the selected 采购订单/销售订单 row, after asking."""
    found = ctx.selected_code("单号", (PURCHASE_ORDERS, SALES_ORDERS))
    if not found:
        return "请先在“采购订单”或“销售订单”表中选中要关闭的订单的一行，再点 关闭订单"
    doc_no = found[1]
    if ctx.tell(f"确定要关闭订单 {doc_no} 吗？未执行的数量不再等待到货/发货。", ask=True) != "yes":
        return ""
    return orders.close_order(ctx.book, ctx.path, doc_no, user=getpass.getuser()).message


@route("approve")
def approve(ctx: Context) -> str:
    """审核 the documents on the selected rows of 待审核, after asking."""
    found = ctx.selected_codes("单号", PENDING)
    if not found:
        return "请先在“待审核”表中选中要审核的单据的行（可以选多行），再点 审核"
    if ctx.tell(f"确定审核并过账 {'、'.join(found)} 吗？过账后库存和往来随之变动。", ask=True) != "yes":
        return ""
    return approvals.approve(ctx.book, ctx.path, found, user=getpass.getuser()).message


@route("reject")
def reject(ctx: Context) -> str:
    """驳回 the documents on the selected rows of 待审核, with the reason the approver types."""
    found = ctx.selected_codes("单号", PENDING)
    if not found:
        return "请先在“待审核”表中选中要驳回的单据的行（可以选多行），再点 驳回"
    reason = ctx.ask_text(f"驳回 {'、'.join(found)} 的原因（制单人会在状态栏看到）：")
    if reason is None:
        return ""
    return approvals.reject(ctx.book, ctx.path, found, reason, user=getpass.getuser()).message


@route("count_sheet")
def count_sheet(ctx: Context) -> str:
    found = ctx.selected_code("仓库", (COUNTS,)) or ctx.selected_code("编码", (WAREHOUSES,))
    if not found:
        return "请先在“仓库”表或“盘点”表选中一个仓库，再点 盘点表"
    return tools.count_sheet(ctx.book, ctx.path, found[1]).message


@route("next_doc_no")
def next_doc_no(ctx: Context) -> str:
    sheet, first, last = ctx.selection()
    return tools.next_doc_no(ctx.book, ctx.path, sheet, first, last).message


@route("backup")
def backup(ctx: Context) -> str:
    return tools.backup_ledger(ctx.book, ctx.path).message


@route("restore")
def restore(ctx: Context) -> str:
    """The newest backup in the 备份 folder, after asking: the ledger as it was then."""
    backup = tools.latest_backup(ctx.book, ctx.path)
    if backup is None:
        return "“备份”文件夹中还没有备份：先点 备份"
    if ctx.tell(f"确定要用备份 {backup.name} 恢复账簿吗？现在的账簿会另存一份，之后过账的单据需要重新过账。",
                ask=True) != "yes":
        return ""
    report = tools.restore_ledger(ctx.book, ctx.path, backup)
    return _outcome(ctx, report, "\n".join(report.notes))


@route("close")
def close(ctx: Context) -> str:
    """结账 of the month after the closed one (else last month), after asking."""
    month = periods.next_to_close(ctx.book, ctx.path)
    if ctx.tell(f"确定要结账 {month} 吗？结账后 {month} 及以前的单据不能再过账或冲销。", ask=True) != "yes":
        return ""
    return periods.close_month(ctx.book, ctx.path, month, user=getpass.getuser()).message


@route("reopen")
def reopen(ctx: Context) -> str:
    """反结账 of the latest closed month, after asking (the ledger is backed up first)."""
    month = periods.latest_closed(ctx.book, ctx.path)
    if month is None:
        return "账簿还没有结账，无需反结账"
    if ctx.tell(f"确定要反结账 {month} 吗？会先备份账簿，并记录操作人和时间。", ask=True) != "yes":
        return ""
    return periods.reopen_month(ctx.book, ctx.path, month, user=getpass.getuser()).message


@route("report")
def report(ctx: Context) -> str:
    """生成报表 for 设置's 报表开始/报表结束 (else this month), then show 进销存汇总."""
    return _then_show(ctx, reports.make_reports(ctx.book, ctx.path), "进销存汇总", "Summary")


@route("statement")
def statement(ctx: Context) -> str:
    """对账单 of the party on the selected row (往来单位, or any sheet with a party column)."""
    found = next(filter(None, (ctx.selected_code(column, specs) for column, specs in (
        ("编码", (PARTIES,)), ("客户", DOCUMENT_SHEETS), ("供应商", DOCUMENT_SHEETS), ("往来单位", DOCUMENT_SHEETS)))), None)
    if not found:
        return "请先在“往来单位”表（或单据表）中选中一个往来单位的行，再点 对账单"
    return _then_show(ctx, reports.write_statement(ctx.book, ctx.path, found[1]), "对账单", "Statement")


@route("vouchers")
def vouchers_(ctx: Context) -> str:
    """生成凭证 for 设置's 报表开始/报表结束 (else this month), then show 凭证."""
    return _then_show(ctx, vouchers.write_vouchers(ctx.book, ctx.path, user=getpass.getuser()), "凭证", "Vouchers")


@route("print")
def print_(ctx: Context) -> str:
    """打印单据: the selected document row's 单据 on the 打印 sheet, shown ready to print."""
    found = ctx.selected_code("单号", DOCUMENT_SHEETS)
    if not found:
        return "请先在单据表中选中要打印的单据的一行，再点 打印单据"
    return _then_show(ctx, reports.print_document(ctx.book, ctx.path, found[1], found[0])[0], "打印", "Print")


def _then_show(ctx: Context, done: tools.Done, zh: str, en: str) -> str:
    """What a tool said; the sheet it wrote brought to the front when it went through."""
    if done.ok:
        _show(ctx, zh, en, "")
    return done.message


@route("settings")
def settings(ctx: Context) -> str:
    return _show(ctx, "设置", "Settings", "设置表：账簿文件、成本方法、允许负库存、语言。改好后点 过账 或 刷新 生效；结账日期由 结账 / 反结账 写入，只作显示。")


@route("help")
def help_(ctx: Context) -> str:
    return _show(ctx, "说明", "Help", "")


def _show(ctx: Context, zh: str, en: str, message: str) -> str:
    names = {n.lower(): n for n in ctx.book.sheet_names()}
    name = names.get(zh) or names.get(en.lower())
    if name is None:
        return f"本工作簿没有“{zh}”表：可用 jxc new 生成一个新模板，从中复制"
    ctx.xl.sheets[name].activate()
    return message
