"""The `jxc` command: a thin layer over the library (like sqlite-utils' cli.py over db.py).

Exit codes: 0 all went through, 1 some rows/documents in error, 2 the command could not run —
always with one line saying why; an unexpected failure is exit 2 too, its details in a log file
the line names, so a script can tell a crash from a typo and a clerk has something to send.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sys
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from . import __version__
from .app.crash import log_crash
from .ledger import Ledger, LedgerError
from .ledger.stores.schema import SCHEMA_VERSION
from .ledger.stores.store import is_server


def _fail(message: str) -> None:
    click.echo(f"jxc: {message}", err=True)
    sys.exit(2)


# -- what click says on its own, Chinese first with its English beside -------------------------------------
def _wide(char: str) -> bool:
    return char >= "\u1100" and unicodedata.east_asian_width(char) in "WFA"


def _columns(text: str) -> int:
    """The terminal columns ``text`` takes: a Chinese character takes two (click counts one)."""
    return sum(2 if _wide(c) else 1 for c in text)


def _wrapped(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns; a line breaks at a space or beside a
    Chinese character, and a paragraph's Chinese lines join without a space."""
    text = re.sub(r"(?<=[^\x00-\u10ff])\n(?=[^\x00-\u10ff])", "", text)
    lines, line = [], ""
    for word in text.split():
        for i, piece in enumerate(re.findall(r"[\x00-\u10ff]+|.[，。、；：！？）」”]*", word)):   # no line starts with 、
            glue = " " if i == 0 and line else ""
            if line and _columns(line + glue + piece) > width:
                lines.append(line)
                line, glue = "", ""
            line += glue + piece
    return [*lines, line]


class _Formatter(click.HelpFormatter):
    """click's help page with Chinese headings, wrapped to the columns Chinese text really takes."""

    HEADINGS = {"Options": "选项 / Options", "Commands": "命令 / Commands"}
    REQUIRED = ("[required]", "[必填 / required]")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法 / Usage: " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(self.HEADINGS.get(heading, heading))

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write("\n\n".join("\n".join(indent + line for line in _wrapped(paragraph, self.width - len(indent)))
                               for paragraph in text.split("\n\n")) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max(_columns(term) for term, _ in rows), col_max) + col_spacing
        indent = " " * self.current_indent
        for term, text in rows:
            text = text.replace(*self.REQUIRED)
            lines = _wrapped(text, max(self.width - first - self.current_indent, 10)) if text else []
            if lines and _columns(term) <= first - col_spacing:          # the text starts beside its term
                term += " " * (first - _columns(term)) + lines.pop(0)
            self.write("".join(f"{indent}{line}\n" for line in [term, *(" " * first + line for line in lines)]))


class _Context(click.Context):
    formatter_class = _Formatter


class _UsageError(click.UsageError):
    """A usage error said in Chinese, click's own English beside it (exit 2, as click's)."""

    def show(self, file=None) -> None:
        if self.ctx is not None:
            path = self.ctx.command_path
            click.echo(f"{self.ctx.get_usage()}\n运行 {path} --help 查看帮助 / Try '{path} --help' for help.\n",
                       err=True)
        click.echo(f"错误 / Error: {self.message}", err=True)


def _in_chinese(error: click.UsageError) -> str:
    """What a click usage error says, in Chinese first; click's own words follow unless the
    message is ours already (a bad date says so in Chinese)."""
    english, ctx = error.format_message(), error.ctx
    if isinstance(error, (click.NoSuchCommand, click.NoSuchOption)):
        name = error.command_name if isinstance(error, click.NoSuchCommand) else error.option_name
        what = "命令" if isinstance(error, click.NoSuchCommand) else "选项"
        meant = f"，是不是 {'、'.join(error.possibilities)}" if error.possibilities else ""
        chinese = f"没有{what}“{name}”{meant}"
    elif isinstance(error, click.MissingParameter) and error.param is not None:
        what = "参数" if error.param.param_type_name == "argument" else "选项"
        chinese = f"缺少{what} {_hint(error.param, ctx)}"
    elif isinstance(error, click.BadParameter):
        chinese = f"{_hint(error.param, ctx) if error.param else error.param_hint} 的值不对：{error.message}"
    elif isinstance(error, click.BadOptionUsage):
        flag = ctx is not None and any(error.option_name in p.opts and getattr(p, "is_flag", False)
                                       for p in ctx.command.params)
        chinese = f"选项 {error.option_name} " + ("是开关，后面不带值" if flag else "后面要有一个值")
    else:
        chinese = error.message if _columns(error.message) > len(error.message) else "用法不对"
    return chinese if _columns(english) > len(english) else f"{chinese} / {english}"


def _hint(param: click.Parameter, ctx: click.Context | None) -> str:
    """How the command line names a parameter: BOOK, --from."""
    return param.get_error_hint(ctx).replace("'", "")


class _Words:
    """click's commands and groups with their own words in Chinese first: the usage line, the
    help option, help pages that fit 80 columns, usage errors; extra arguments are named (a
    path with a space in it, typed without quotes, is the usual cause)."""

    context_class = _Context
    allow_extra_args = True

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示帮助并退出 / Show this message and exit."
        return option

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with _chinese_usage(ctx):
            rest = super().parse_args(ctx, args)
        if rest and not isinstance(self, click.Group):
            raise _UsageError(f"多余的参数“{'”“'.join(rest)}”：路径里有空格时请给它加引号 / "
                              f"unexpected extra argument ({' '.join(rest)})", ctx)
        return rest

    def invoke(self, ctx: click.Context):
        with _chinese_usage(ctx):
            return super().invoke(ctx)


@contextmanager
def _chinese_usage(ctx: click.Context) -> Iterator[None]:
    """Turn click's usage errors (from parsing ``ctx``'s words, or finding its command) into ours."""
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise
    except click.UsageError as error:
        if isinstance(error, _UsageError):
            raise
        error.ctx = error.ctx or ctx
        raise _UsageError(_in_chinese(error), error.ctx) from None


class _Command(_Words, click.Command):
    pass


class _Group(_Words, click.Group):
    command_class = _Command
    group_class = type

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)


class _Date(click.ParamType):
    """A date typed the ways a sheet's date cell takes it (sheets.cells.to_date): 2026-11-05,
    2026/11/5, 2026.11.05, 20261105, 2026年11月5日."""

    name = "日期"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return self.name

    def convert(self, value, param, ctx) -> dt.date:
        from .sheets.cells import to_date
        if isinstance(value, dt.date):
            return value.date() if isinstance(value, dt.datetime) else value
        day = to_date(str(value))
        if day is None:
            self.fail(f"“{value}”不是日期：请写 2026-11-05、2026/11/5、20261105 或 2026年11月5日 / not a date", param, ctx)
        return day


DATE = _Date()
_USER = click.option("--user", default=None, metavar="用户", help="操作员，记在账簿上（默认为登录名） / user recorded in the ledger")


@click.group("jxc", cls=_Group)
@click.version_option(__version__, prog_name="jxc", message="%(prog)s 版本 / version %(version)s",
                      help="显示版本并退出 / Show the version and exit.")
def main() -> None:
    """jxc-xl：Excel 工作簿背后是一本精确的账簿（SQLite 或 PostgreSQL）的进销存。

    jxc-xl: 进销存 with an exact ledger (SQLite or PostgreSQL) behind an Excel workbook."""


def _book(path: str, write: bool = True):
    from .io.patch import PatchBook
    from .io.files import check_writable
    book_path = Path(path).resolve()
    if write:
        check_writable(book_path)
    return PatchBook(book_path), book_path


def _on_book(path: str, use_case, write: bool = True, shown: bool = False):
    """Run ``use_case(book, book_path)`` holding the workbook's lock: a second jxc on the same
    workbook waits (and says so) instead of posting and saving over the first. ``shown``: the
    use case takes a ``progress`` too, drawn as a bar."""
    from .io.files import lock_workbook
    book_path = Path(path).resolve()

    def run():
        with lock_workbook(book_path, lambda message: click.echo(message, err=True)):
            if not shown:
                return use_case(*_book(path, write))
            with _progress() as progress:
                return use_case(*_book(path, write), progress=progress)
    return _guarded(run, book_path.parent)


def _summary(report) -> list[str]:
    """A run's report as the console shows it: sheet problems first, then the figures, then
    the first rows in error and the notes."""
    out = [*(f"  {p}" for p in report.sheet_problems)]
    if report.outcome:             # not a post (or one that stopped): what came of it, no posting counts
        out.append(report.outcome)
    out += [f"工作簿 / workbook: {report.workbook}", f"账簿 / ledger:   {report.ledger}"]
    if not report.outcome:
        out += [f"过账单据 / documents posted: {report.posted}（已过账未变 / unchanged: {report.already}）",
                f"错误行 / rows in error: {len(report.error_rows)}"]
    if report.stock_value is not None:          # only figures read from the books, costs only to those who see them
        out.append(f"库存金额 / stock value: {report.stock_value:,.2f}")
    if report.receivables is not None:
        out.append(f"应收 / receivables: {report.receivables:,.2f}    应付 / payables: {report.payables:,.2f}")
    out += [f"  {sheet} 第{row}行: {message}" for sheet, row, message in report.error_rows[:10]]
    if len(report.error_rows) > 10:
        out.append(f"  …… 另有 {len(report.error_rows) - 10} 行 / more rows")
    return out + [f"  {note}" for note in report.notes]


def _report(report, expected_errors: set | None = None) -> None:
    """Print a run's report and exit with its code.

    ``expected_errors`` — (sheet, row) pairs that are meant to be in error (the demo's
    deliberate mistakes): when exactly those are, the run went through.
    """
    for line in _summary(report):
        click.echo(line)
    if expected_errors is not None and not report.sheet_problems and \
            {(sheet, row) for sheet, row, _ in report.error_rows} == expected_errors:
        click.echo(f"以上 {len(expected_errors)} 行是示例中故意设置的错误 / the demo's deliberate mistakes")
        sys.exit(0)
    sys.exit(report.exit_code)


def _done(done) -> None:
    """A tool's message; exit 1 when it did not go through."""
    click.echo(done.message)
    sys.exit(0 if done.ok else 1)


def _guarded(action, log_folder: Path | None = None, expected: tuple = ()):
    """Run a use case; what stops it becomes one clear line and exit code 2.

    ``expected`` — further exception types whose message is already the line to show."""
    from .io.package import WorkbookError
    try:
        return action()
    except (WorkbookError, LedgerError, *expected) as exc:
        _fail(str(exc))
    except PermissionError as exc:
        _fail(f"没有写入权限（{exc.filename}）：文件可能被其他程序打开或是只读的 / permission denied")
    except OSError as exc:
        _fail(f"读写文件失败（{exc}），工作簿未改动，下次运行会按账簿重新标记 / file error, workbook unchanged")
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:        # noqa: BLE001 — also a Rust panic from a reader, never a traceback
        log = log_crash(exc, log_folder or Path.cwd())
        _fail(f"出现意外错误（{type(exc).__name__}）：详情已写入 {log}，请把该文件发给技术支持；账簿中的过账要么全部完成、"
              f"要么没有发生 / unexpected error, details in {log}")


@main.command(short_help="新建空白工作簿 / a new, empty workbook")
@click.argument("book")
@click.option("--company", default="", metavar="名称", help="公司名称 / company name")
def new(book: str, company: str) -> None:
    """新建空白工作簿 BOOK：全部的表、下拉列表、金额公式和说明。

    Create a new, empty workbook with every sheet of the contract."""
    from .io.template import new_workbook
    if Path(book).exists():
        _fail(f"{book} 已存在：不会覆盖已有工作簿 / already exists")
    _guarded(lambda: new_workbook(book, company), Path(book).resolve().parent)
    click.echo(f"已创建 / created: {book}")


@main.command(short_help="示例：建账、过账、结账、报表 / the demo workbook")
@click.argument("folder", default="jxc-demo")
def demo(folder: str) -> None:
    """示例：在 FOLDER（默认 jxc-demo）中为一家小贸易公司建工作簿，过账、刷新、结第一个月的账，
    并生成报表、一份对账单、一张打印的单据和第一个月的凭证。

    Build, post and refresh a demo workbook for a small trading company, close its first month,
    and write its reports, a 对账单, a printed 单据 and the closed month's vouchers."""
    from .demo import (CLOSED_MONTH_END, CLOSED_SHORT, END, PRINTED, START, STATEMENT_PARTY, build_demo,
                       deliberate_mistakes)
    from .app.orders import close_order
    from .app.periods import close_month
    from .app.reports import make_reports, print_document, write_statement
    from .app.usecases import post_book
    from .app.vouchers import write_vouchers
    book_path = _guarded(lambda: build_demo(Path(folder)), Path(folder).resolve())
    report = _on_book(str(book_path), lambda b, p, progress: post_book(b, p, user="示例会计", progress=progress),
                      shown=True)                                  # 制单人 on its printed 单据
    short = _on_book(str(book_path), lambda b, p: close_order(b, p, CLOSED_SHORT, user="示例采购"))
    report.notes.append(f"关闭订单 {CLOSED_SHORT}（供应商不再补货）：{short.message}")
    closed = _on_book(str(book_path), lambda b, p: close_month(b, p, f"{START:%Y-%m}", user="示例会计"))
    report.notes.append(f"结账 {START:%Y-%m}：{closed.message}")           # the month-end, as the accountant does it
    for done in (_on_book(str(book_path), lambda b, p: make_reports(b, p, START, END)),
                 _on_book(str(book_path), lambda b, p: write_statement(b, p, STATEMENT_PARTY, START, END)),
                 _on_book(str(book_path), lambda b, p: print_document(b, p, PRINTED))[0],
                 _on_book(str(book_path), lambda b, p: write_vouchers(b, p, START, CLOSED_MONTH_END, "示例会计"))):
        report.notes.append(done.message)
    _report(report, deliberate_mistakes(book_path))


@contextmanager
def _progress() -> Iterator:
    """A progress bar (rich) on stderr while a run's steps go by, when stderr is a terminal;
    silence otherwise, so a script's or a log's output holds only the summary."""
    from .app.inputs import no_progress
    if not sys.stderr.isatty():
        yield no_progress
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    with Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)
        yield lambda step, done, total: bar.update(task, description=step, completed=done, total=total, refresh=True)


@main.command(short_help="校验：标出每行的错误，不过账 / check, post nothing")
@click.argument("book")
def validate(book: str) -> None:
    """校验：检查每一行并标出错误；什么也不过账。

    Check every row and mark errors; post nothing."""
    from .app.usecases import validate_book
    _report(_on_book(book, validate_book, shown=True))


@main.command(short_help="过账：校验、过账、写状态、刷新、保存 / post")
@click.argument("book")
@_USER
@click.option("--new-ledger", is_flag=True,
              help="账簿不在时新建一个，并把工作簿中标为“已过账”的单据重新过账到新账簿 / "
                   "a new ledger, re-posting the rows marked 已过账")
def post(book: str, user: str | None, new_ledger: bool) -> None:
    """过账：校验每一行，过账无误的单据，写 状态，填 盘点，重新生成库存、应收、应付、台账，保存。

    Validate, post, write 状态, fill 盘点, regenerate the generated sheets, save."""
    from .app.usecases import post_book
    _report(_on_book(book, lambda b, p, progress: post_book(b, p, user=user, progress=progress, new_ledger=new_ledger),
                     shown=True))


@main.command(short_help="刷新：按账簿重写库存、应收、应付、台账 / refresh")
@click.argument("book")
@click.option("--as-of", type=DATE, help="应收、应付截至这一天（默认今天），如结上月账时看月末的账龄 / "
                                         "receivables and payables as of this day (else today)")
def refresh(book: str, as_of: dt.date | None) -> None:
    """刷新：按账簿重新生成 库存、应收、应付、台账、订单跟踪；--as-of 让应收、应付（余额和账龄）截至那一天，
    表头写明截至哪天。

    Regenerate 库存 / 应收 / 应付 / 台账 / 订单跟踪 from the ledger; --as-of shows 应收 and 应付
    (balances and aging) as of that day, and their title rows say which."""
    from .app.usecases import refresh_book
    _report(_on_book(book, lambda b, p: refresh_book(b, p, as_of=as_of)))


@main.command(short_help="红字冲销一张已过账的单据 / reverse a document")
@click.argument("book")
@click.argument("doc_no")
@click.option("--date", type=DATE, help="冲销日期（默认原单日期） / date of the reversal")
@_USER
@click.option("--sheet", default=None, metavar="表", help="单号在几张表中都有时：单据所在的表（如 销售） / "
                                                       "the sheet holding it, when two hold the 单号")
def reverse(book: str, doc_no: str, date: dt.date | None, user: str | None, sheet: str | None) -> None:
    """冲销：过账已过账单据 DOC_NO 的红字冲销，并标出它的行；--sheet 指明单号所在的表。

    Post the 红字冲销 of a posted document and mark its rows."""
    from .app.usecases import reverse_book
    _report(_on_book(book, lambda b, p: reverse_book(b, p, doc_no, user=user, date=date, sheet=sheet)))


@main.command(short_help="核对：重算账簿并与各生成表比对 / verify")
@click.argument("book")
def verify(book: str) -> None:
    """核对：重算账簿，逐表比对每张生成的表；什么也不写。

    Recompute the ledger and compare every generated sheet with it; writes nothing."""
    from .app.usecases import verify_book
    _differences(_on_book(book, verify_book, write=False), "核对无误 / verified")


@main.command("count-sheet", short_help="盘点表：填入仓库的商品和账面数量 / count sheet")
@click.argument("book")
@click.argument("warehouse")
@click.option("--date", "day", type=DATE, help="盘点日期（默认今天） / the count's date (else today)")
def count_sheet(book: str, warehouse: str, day: dt.date | None) -> None:
    """盘点表：在 盘点 中为仓库 WAREHOUSE 的每个商品加一行，带账面数量，日期为 --date（默认今天）。

    Fill 盘点 with every item the warehouse holds and its book quantity, dated --date (else today)."""
    from .app.tools import count_sheet as fill
    _done(_on_book(book, lambda b, p: fill(b, p, warehouse, day)))


@main.command(short_help="备份：账簿的核对过的副本 / back up the ledger")
@click.argument("book")
def backup(book: str) -> None:
    """备份：把工作簿的账簿复制到旁边的 备份 文件夹，并核对副本。

    A checked copy of the workbook's ledger in the 备份 folder beside it."""
    from .app.tools import backup_ledger
    _done(_on_book(book, backup_ledger, write=False))


@main.command(short_help="恢复：用备份替换账簿并重写各表 / restore a backup")
@click.argument("book")
@click.argument("backup_file")
def restore(book: str, backup_file: str) -> None:
    """恢复：让备份 BACKUP_FILE 重新成为账簿（当前的账簿留在一旁），并重写各表。

    Make a backup the ledger again (the current one kept aside) and rewrite the sheets."""
    from .app.tools import restore_ledger
    _report(_on_book(book, lambda b, p: restore_ledger(b, p, Path(backup_file).resolve())))


@main.command("close-order", short_help="关闭订单（短交/结案） / close an order")
@click.argument("book")
@click.argument("doc_no")
@click.option("--undo", is_flag=True, help="取消关闭：重新打开这张订单关闭的数量 / reopen it")
@_USER
def close_order(book: str, doc_no: str, undo: bool, user: str | None) -> None:
    """关闭订单：关闭订单 DOC_NO 还未执行的数量（短交/结案）；--undo 重新打开。

    Close what the order DOC_NO still has open (短交/结案); --undo reopens it."""
    from .app.orders import close_order as close
    _done(_on_book(book, lambda b, p: close(b, p, doc_no, undo=undo, user=user)))


@main.command(short_help="审核：过账待审核的单据（财务、老板） / approve waiting documents")
@click.argument("book")
@click.argument("doc_nos", nargs=-1, required=True, metavar="单号…")
@_USER
def approve(book: str, doc_nos: tuple[str, ...], user: str | None) -> None:
    """审核：过账需审核时，把待审核的单据 单号… 过账（由财务或老板，不能是制单人）。

    Approve documents waiting under 过账需审核: each posts as its submitter's post would."""
    from .app.approvals import approve as run
    _done(_on_book(book, lambda b, p: run(b, p, list(doc_nos), user=user)))


@main.command(short_help="驳回：退回待审核的单据并说明原因 / reject waiting documents")
@click.argument("book")
@click.argument("doc_nos", nargs=-1, required=True, metavar="单号…")
@click.option("--reason", required=True, metavar="原因", help="驳回原因，制单人在状态栏看到 / why (the submitter sees it)")
@_USER
def reject(book: str, doc_nos: tuple[str, ...], reason: str, user: str | None) -> None:
    """驳回：退回待审核的单据 单号…，制单人下次刷新或过账时在状态栏看到原因。

    Reject documents waiting for approval; the reason reaches the submitter's 状态."""
    from .app.approvals import reject as run
    _done(_on_book(book, lambda b, p: run(b, p, list(doc_nos), reason, user=user)))


@main.command("close", short_help="结账：检查通过后结到月末 / close a month")
@click.argument("book")
@click.argument("month")
@_USER
def close_(book: str, month: str, user: str | None) -> None:
    """结账：结账前的检查都通过后，结账到 MONTH（如 2026-11）的月末。

    Close every day up to the end of MONTH (YYYY-MM) once the pre-close checks pass."""
    from .app.periods import close_month
    _done(_on_book(book, lambda b, p: close_month(b, p, month, user=user)))


@main.command("accept-count", short_help="确认盘点差异（后来的过账改变了它） / accept a changed count")
@click.argument("book")
@click.argument("doc_no")
@_USER
def accept_count(book: str, doc_no: str, user: str | None) -> None:
    """确认盘点差异：已过账的盘点 DOC_NO 的差异被后来过账的单据改变了，确认后结账不再提它。

    Accept a posted 盘点 whose difference later posts changed (结账 names it until then)."""
    from .app.periods import accept_count as accept
    _done(_on_book(book, lambda b, p: accept(b, p, doc_no, user=user)))


@main.command(short_help="反结账：重开最近结账的月份 / reopen a month")
@click.argument("book")
@click.argument("month")
@_USER
def reopen(book: str, month: str, user: str | None) -> None:
    """反结账：先备份账簿，再重开最近结账的月份 MONTH（如 2026-11）；记入操作日志。

    Reopen MONTH (YYYY-MM), the latest closed one, after a ledger backup; logged."""
    from .app.periods import reopen_month
    _done(_on_book(book, lambda b, p: reopen_month(b, p, month, user=user)))


_FROM = click.option("--from", "start", type=DATE,
                     help="开始日期（默认 设置的报表开始，否则本月 1 日） / first day (设置's 报表开始, else the 1st)")
_TO = click.option("--to", "end", type=DATE, help="结束日期（默认 设置的报表结束，否则今天） / last day (设置's 报表结束, else today)")


@main.command(short_help="报表：进销存汇总、毛利、利润表、增值税、补货建议、库龄 / reports")
@click.argument("book")
@_FROM
@_TO
def report(book: str, start: dt.date | None, end: dt.date | None) -> None:
    """报表：为这一期间生成 进销存汇总、毛利、利润表、增值税、补货建议、库龄 和 图表。

    Write 进销存汇总, 毛利, 利润表, 增值税, 补货建议, 库龄 and 图表 for the period."""
    from .app.reports import make_reports
    _done(_on_book(book, lambda b, p: make_reports(b, p, start, end)))


@main.command(short_help="导出：账簿写成 SQLite 数据库（中文视图、全文搜索） / export the books")
@click.argument("book")
@click.argument("file", metavar="FILE.db")
def export(book: str, file: str) -> None:
    """导出：把工作簿的账簿（文件或服务器）写成 SQLite 数据库 FILE.db：单据、明细、库存流水、往来明细、
    资金流水等中文视图，名称和备注可全文搜索，可用 Datasette、pandas 或 Excel 的 Power Query 打开。
    FILE.db 已是早先的导出则整体替换，否则不动它。

    Write the books as the SQLite database FILE.db, with Chinese views and full-text search; an
    earlier export there is replaced whole, any other file is left alone."""
    from .app.reports import export_book
    target = Path(file).resolve()
    _done(_on_book(book, lambda b, p: export_book(b, p, target), write=False))


@main.command(short_help="对账单：一个往来单位这一期间的账 / a statement")
@click.argument("book")
@click.argument("party")
@_FROM
@_TO
def statement(book: str, party: str, start: dt.date | None, end: dt.date | None) -> None:
    """对账单：往来单位 PARTY（编码或名称）的期初余额、本期的单据和期末余额。

    The party's opening balance, its documents of the period, its closing balance."""
    from .app.reports import write_statement
    _done(_on_book(book, lambda b, p: write_statement(b, p, party, start, end)))


@main.command(short_help="凭证：本期单据的记账凭证，可导入会计软件 / vouchers")
@click.argument("book")
@_FROM
@_TO
@click.option("--void", "void", type=click.IntRange(min=1), metavar="凭证号",
              help="作废这张凭证，它的单据才可以冲销 / void this voucher, so its document may be reversed")
@_USER
def vouchers(book: str, start: dt.date | None, end: dt.date | None, void: int | None, user: str | None) -> None:
    """凭证：这一期间每张已过账单据一张记账凭证（借贷平衡），按“科目”表的科目写入 凭证 表，
    表头在第 1 行，可直接导入金蝶、用友；账簿记住凭证号，已生成凭证的单据须先 --void 作废凭证才能冲销。

    One balanced voucher per document posted in the period, on the 凭证 sheet, for the accounting
    package to import; an exported document is reversed only after --void."""
    from .app.vouchers import void_voucher, write_vouchers
    if void is not None:
        _done(_on_book(book, lambda b, p: void_voucher(b, p, void, user)))
    _done(_on_book(book, lambda b, p: write_vouchers(b, p, start, end, user)))


@main.command(short_help="操作日志：谁在何时做了什么 / the audit log")
@click.argument("book")
@click.option("--from", "start", type=DATE, help="开始日期（默认最早的记录） / first day (else the first entry)")
@click.option("--to", "end", type=DATE, help="结束日期（默认今天） / last day (else today)")
def audit(book: str, start: dt.date | None, end: dt.date | None) -> None:
    """操作日志：谁在何时、从哪个工作簿和哪台电脑过账、冲销、结账、反结账，或被拒绝了什么。

    Who posted, reversed, closed, reopened or was refused what, when, from which workbook and computer."""
    from .app.reports import write_audit
    _done(_on_book(book, lambda b, p: write_audit(b, p, start, end)))


@main.command("print", short_help="打印单据：填入 打印 表，可另存 PDF / print")
@click.argument("book")
@click.argument("doc_no")
@click.option("--sheet", default=None, metavar="表",
              help="单号在几张表中都有时：单据所在的表（如 采购） / the sheet, when several have DOC_NO")
@click.option("--pdf", "pdf", type=click.Path(dir_okay=False), metavar="文件",
              help="另存为 PDF（经 LibreOffice） / also save it as a PDF")
def print_(book: str, doc_no: str, sheet: str | None, pdf: str | None) -> None:
    """打印单据：把已过账单据 DOC_NO 作为它的单据（A4）填入 打印 表。

    Fill the 打印 sheet with the posted document DOC_NO as its 单据 (A4)."""
    from .app.reports import print_document
    done, layout = _on_book(book, lambda b, p: print_document(b, p, doc_no, sheet))
    if done.ok and pdf:
        from .io.pdf import PdfError, layout_pdf
        _guarded(lambda: layout_pdf(layout, Path(pdf)), expected=(PdfError,))
        done = type(done)(f"{done.message}；PDF：{Path(pdf).resolve()}")
    _done(done)


@main.group(short_help="Excel 加载项：生成、安装、卸载 / the Excel add-in")
def addin() -> None:
    """Excel 加载项 jxc.xlam：生成它，安装到 Excel，卸载。

    The Excel add-in (jxc.xlam): build it, install it into Excel, remove it."""


@addin.command("build", short_help="生成 jxc.xlam / build the add-in")
@click.argument("out", default="jxc.xlam")
def addin_build(out: str) -> None:
    """生成 jxc.xlam（OUT）：用 workbook/ 和已安装的 xlwings 的功能区加载项模板。

    Build jxc.xlam from workbook/ and the installed xlwings' ribbon add-in template."""
    from . import addin as builder
    click.echo(f"已生成 / built: {_guarded(lambda: builder.build(out))}")


@addin.command("install", short_help="安装到 Excel / install it into Excel")
def addin_install() -> None:
    """安装：把 jxc.xlam 放到 Excel 启动时打开的地方，并设为运行这个 Python。

    Put jxc.xlam where Excel opens it at start-up, set to run this Python."""
    target = _in_excel(lambda builder: builder.install())
    click.echo(f"已安装 / installed: {target}\n重新启动 Excel 后即可看到“进销存”选项卡 / restart Excel")


@addin.command("uninstall", short_help="从 Excel 卸载 / remove it from Excel")
def addin_uninstall() -> None:
    """卸载：从 Excel 的启动文件夹中移除 jxc.xlam。

    Remove jxc.xlam from Excel's start-up folder."""
    removed = _in_excel(lambda builder: builder.uninstall())
    click.echo(f"已移除 / removed: {removed}" if removed else "没有安装过 / not installed")


def _in_excel(action):
    """Run an install step; where Excel cannot run, say so (exit 2)."""
    from . import addin as builder
    return _guarded(lambda: action(builder), expected=(builder.NoExcel,))


@main.group(short_help="直接操作账簿（文件或服务器） / work on a ledger")
def ledger() -> None:
    """直接操作账簿：一个文件（.jxc.db）或服务器上的 postgresql://user@host/db。

    Work on a ledger directly: a file (.jxc.db) or a server's postgresql://user@host/db."""


def _folder(path: str) -> Path:
    """Where a crash report about the ledger at ``path`` goes: beside the file, else here."""
    return Path.cwd() if is_server(path) else Path(path).resolve().parent


def _open(path: str) -> Ledger:
    return _guarded(lambda: Ledger.open(path, create=False, read_only=True), _folder(path))


@ledger.command("init", short_help="新建账簿（文件或服务器） / set up a new ledger")
@click.argument("path")
def ledger_init(path: str) -> None:
    """新建账簿：在空的服务器数据库中建表（以它的所有者、一个可以创建角色的角色运行：各部门的角色和
    权限随之建好），或一个文件。

    Set up a new ledger: the tables in an empty server database (run as its owner, a role
    that may create roles: the departments' roles and what each may do come with it), or a file."""
    with _guarded(lambda: Ledger.open(path), _folder(path)) as led:
        click.echo(f"账簿已就绪 / ledger ready: {led.path}（版本 / schema {SCHEMA_VERSION}）")


@ledger.command("upgrade", short_help="把账簿升级到这个版本 / upgrade a ledger")
@click.argument("path")
def ledger_upgrade(path: str) -> None:
    """升级：把较早的 jxc-xl 建的账簿升级到这个版本（服务器上的权限也一并更新）。

    Bring a ledger made by an earlier jxc-xl to this version (and its server grants up to date)."""
    with _guarded(lambda: Ledger.open(path, create=False), _folder(path)) as led:
        _guarded(led.enforce)
        click.echo(f"账簿已是最新版本 / ledger up to date: {led.path}（版本 / schema {SCHEMA_VERSION}）")


@ledger.command("copy", short_help="把整本账簿复制到新账簿 / copy a ledger")
@click.argument("source")
@click.argument("target")
def ledger_copy(source: str, target: str) -> None:
    """复制：把整本账簿 SOURCE 复制到新的空账簿 TARGET（文件到服务器或反过来），提交前逐表核对，
    之后重算数字。

    Copy the whole ledger SOURCE into the new, empty TARGET (a file to a server or back),
    checked equal table by table before it is committed, then its figures recomputed."""
    if not is_server(target) and Path(target).exists() and Path(target).stat().st_size:
        _fail(f"{target} 已存在：只能复制到新的空账簿 / already exists")
    with _guarded(lambda: Ledger.open(source, create=False), _folder(source)) as src, \
            _guarded(lambda: Ledger.open(target), _folder(target)) as dst:
        copied = _guarded(lambda: src.copy_to(dst), _folder(target))
    rows = "，".join(f"{table} {n}" for table, n in copied.rows.items() if n)
    click.echo(f"已复制 / copied: {source} → {target}（{rows}）；逐表核对一致 / every table read back equal")
    _differences(copied.differences, "复制后的账簿自检通过 / the copy verified")


@ledger.command("serve", short_help="过账服务：替各部门的登录过账 / the poster")
@click.argument("url")
def ledger_serve(url: str) -> None:
    """过账服务：在服务器旁以账簿所有者的登录运行，按提交的先后替各部门的登录过账、冲销、结账……
    （职员的登录不能直接写账簿）。同一本账簿只能运行一个；按 Ctrl+C 停止。

    The poster: runs beside the database under the ledger owner's login and posts, reverses,
    closes… what each clerk's login submits, in order (clerks cannot write the books themselves).
    One per ledger; Ctrl+C stops it."""
    from .ledger.server.poster import serve
    if not is_server(url):
        _fail(f"{url} 不是服务器账簿（postgresql://…）：文件账簿不需要过账服务 / not a server ledger")
    try:
        _guarded(lambda: serve(url, say=click.echo, crashed=lambda exc: log_crash(exc, Path.cwd())), Path.cwd())
    except KeyboardInterrupt:
        click.echo("过账服务已停止 / the poster stopped")


@ledger.command("verify", short_help="自检：由流水重算并报告不符 / verify a ledger")
@click.argument("path")
def ledger_verify(path: str) -> None:
    """自检：由全部流水重算每个余额和成本，报告不符之处。

    Recompute every balance and cost from the movements and report differences."""
    with _open(path) as led:
        differences = _guarded(led.verify)
    _differences(differences, "账簿自检通过 / ledger verified")


def _differences(differences: list[str], verified: str) -> None:
    """Print each difference (exit 1), or that there are none (exit 0)."""
    for line in differences:
        click.echo(line)
    click.echo(verified if not differences else f"{len(differences)} 处不符 / differences")
    sys.exit(1 if differences else 0)


@ledger.command("stock", short_help="库存：仓库、商品、数量、成本、金额 / stock")
@click.argument("path")
@click.option("--as-of", type=DATE, help="库存截至这一天（默认全部） / stock at the end of this day")
@click.option("--by-item", is_flag=True, help="按商品汇总各仓库 / per item, all warehouses")
def ledger_stock(path: str, as_of: dt.date | None, by_item: bool) -> None:
    """库存：仓库、商品编码、数量、单位成本、金额（后两项不给 采购 和 销售 看）。

    Print stock on hand: warehouse, SKU, quantity, unit cost, value (the last two not for 采购 and 销售)."""
    with _open(path) as led:
        rows = _guarded(lambda: led.stock(as_of, by_item=by_item))
        costs = _guarded(led.sees_costs)
    for r in rows:
        figures = (r.qty, r.unit_cost, r.value) if costs else (r.qty,)
        click.echo("\t".join(str(v) for v in (r.warehouse or "*", r.item, *figures)))


@ledger.command("cash", short_help="资金：每个账户的余额 / money per account")
@click.argument("path")
@click.option("--as-of", type=DATE, help="余额截至这一天（默认全部） / balances at the end of this day")
def ledger_cash(path: str, as_of: dt.date | None) -> None:
    """资金：每个账户的编码、名称、类型、余额（没有收支的账户为 0；为负的标“余额为负”）。

    Print each account's code, name, kind and balance (an account never used: 0; one below zero marked)."""
    from .reports.generate import cash_rows
    with _open(path) as led:
        rows = _guarded(lambda: cash_rows(led, as_of))
    for code, name, kind, balance, alert in rows:
        click.echo("\t".join((code, name, kind, f"{balance:.2f}", *([alert] if alert else []))))


@main.group(short_help="账簿的用户和角色 / users and roles")
def users() -> None:
    """账簿的用户和角色：采购 销售 仓管 财务 老板 管理员（账簿有了用户后，每人只能过账角色允许的；
    SQLite 账簿谁拿着文件谁就拿着账）。

    The ledger's users and their roles: 采购 销售 仓管 财务 老板 管理员 (once a ledger has users, each
    posts only what the role may; on an SQLite ledger whoever holds the file holds the books)."""


def _users_ledger(path: str) -> Ledger:
    return _guarded(lambda: Ledger.open(path, create=False), _folder(path))


def _refused(problem) -> None:
    if problem is not None:
        click.echo(problem.message)
        sys.exit(1)


@users.command("add", short_help="添加用户（或重新启用） / add a user")
@click.argument("path")
@click.argument("name")
@click.option("--role", required=True, metavar="角色", help="采购|销售|仓管|财务|老板|管理员 / the role")
@click.option("--user", default=None, metavar="用户", help="谁在添加（默认当前登录名）；须是管理员，第一个用户除外 / who adds")
@click.option("--password", is_flag=True, help="服务器账簿：为 NAME 的数据库登录设密码（提示输入，或取环境变量 "
                                               "JXC_NEW_PASSWORD） / a password for NAME's server login")
def users_add(path: str, name: str, role: str, user: str | None, password: bool) -> None:
    """添加用户：在 PATH 的账簿中添加 NAME（或重新启用）并给一个角色。在服务器上 NAME 也是部门角色
    中的一个数据库登录（服务器执行它能做什么）。

    Add NAME (or enable them again) with a role, in the ledger at PATH. On a server NAME is
    also a database login in the department's role (the server enforces what it may do)."""
    secret = None
    if password:
        secret = os.environ.get("JXC_NEW_PASSWORD") or click.prompt(f"{name} 的密码 / password", hide_input=True,
                                                                     confirmation_prompt=True)
    with _users_ledger(path) as led:
        _refused(_guarded(lambda: led.add_user(name, role, by=user, password=secret)))
    click.echo(f"已添加用户 {name}（{role}）")


@users.command("disable", short_help="停用用户 / disable a user")
@click.argument("path")
@click.argument("name")
@click.option("--user", default=None, metavar="用户", help="谁在停用（须是管理员） / who disables (a 管理员)")
def users_disable(path: str, name: str, user: str | None) -> None:
    """停用用户 NAME：不能再过账（已过账的照旧）。

    Disable NAME: they post nothing more (what they posted stands)."""
    with _users_ledger(path) as led:
        _refused(_guarded(lambda: led.disable_user(name, by=user)))
    click.echo(f"已停用用户 {name}")


@users.command("list", short_help="列出用户 / list the users")
@click.argument("path")
def users_list(path: str) -> None:
    """列出账簿的用户、角色、是否在用、谁在何时添加。

    The ledger's users, their roles, whether active, who added them and when."""
    with _open(path) as led:
        found = led.users()
    for u in found:
        click.echo(f"{u.name}\t{u.label}\t{'在用' if u.active else '已停用'}\t{u.added_at}\t{u.added_by}")
    if not found:
        click.echo("账簿还没有用户：任何人都能过账（添加第一个用户须是管理员：jxc users add 账簿 名字 --role 管理员）")
