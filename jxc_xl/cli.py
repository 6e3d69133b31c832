"""The `jxc` command: a thin layer over the library (like sqlite-utils' cli.py over db.py).

Exit codes: 0 all went through, 1 some rows/documents in error, 2 the command could not run —
always with one line saying why; an unexpected failure is exit 2 too, its details in a log file
the line names, so a script can tell a crash from a typo and a clerk has something to send.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from . import __version__
from .app.crash import log_crash
from .ledger import Ledger, LedgerError
from .ledger.schema import SCHEMA_VERSION
from .ledger.store import is_server


def _fail(message: str) -> None:
    click.echo(f"jxc: {message}", err=True)
    sys.exit(2)


@click.group()
@click.version_option(__version__, prog_name="jxc")
def main() -> None:
    """jxc-xl: 进销存 with an exact SQLite ledger behind an Excel workbook."""


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
    out = [*(f"  {p}" for p in report.sheet_problems),
           f"工作簿 / workbook: {report.workbook}", f"账簿 / ledger:   {report.ledger}",
           f"过账单据 / documents posted: {report.posted}（已过账未变 / unchanged: {report.already}）",
           f"错误行 / rows in error: {len(report.error_rows)}",
           f"库存金额 / stock value: {report.stock_value:,.2f}",
           f"应收 / receivables: {report.receivables:,.2f}    应付 / payables: {report.payables:,.2f}"]
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


@main.command()
@click.argument("book")
@click.option("--company", default="", help="公司名称")
def new(book: str, company: str) -> None:
    """Create a new, empty workbook with every sheet of the contract."""
    from .io.template import new_workbook
    if Path(book).exists():
        _fail(f"{book} 已存在：不会覆盖已有工作簿 / already exists")
    _guarded(lambda: new_workbook(book, company), Path(book).resolve().parent)
    click.echo(f"已创建 / created: {book}")


@main.command()
@click.argument("folder", default="jxc-demo")
def demo(folder: str) -> None:
    """Build, post and refresh a demo workbook for a small trading company, close its first month,
    and write its reports, a 对账单 and a printed 单据."""
    from .demo import CLOSED_SHORT, END, PRINTED, START, STATEMENT_PARTY, build_demo, deliberate_mistakes
    from .app.orders import close_order
    from .app.periods import close_month
    from .app.reports import make_reports, print_document, write_statement
    from .app.usecases import post_book
    book_path = _guarded(lambda: build_demo(Path(folder)), Path(folder).resolve())
    report = _on_book(str(book_path), lambda b, p, progress: post_book(b, p, user="示例会计", progress=progress),
                      shown=True)                                  # 制单人 on its printed 单据
    short = _on_book(str(book_path), lambda b, p: close_order(b, p, CLOSED_SHORT, user="示例采购"))
    report.notes.append(f"关闭订单 {CLOSED_SHORT}（供应商不再补货）：{short.message}")
    closed = _on_book(str(book_path), lambda b, p: close_month(b, p, f"{START:%Y-%m}", user="示例会计"))
    report.notes.append(f"结账 {START:%Y-%m}：{closed.message}")           # the month-end, as the accountant does it
    for done in (_on_book(str(book_path), lambda b, p: make_reports(b, p, START, END)),
                 _on_book(str(book_path), lambda b, p: write_statement(b, p, STATEMENT_PARTY, START, END)),
                 _on_book(str(book_path), lambda b, p: print_document(b, p, PRINTED))[0]):
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


@main.command()
@click.argument("book")
def validate(book: str) -> None:
    """Check every row and mark errors; post nothing."""
    from .app.usecases import validate_book
    _report(_on_book(book, validate_book, shown=True))


@main.command()
@click.argument("book")
@click.option("--user", default=None, help="记在账簿上的操作员（默认为登录名）")
@click.option("--new-ledger", is_flag=True,
              help="账簿不在时新建一个，并把工作簿中标为“已过账”的单据重新过账到新账簿")
def post(book: str, user: str | None, new_ledger: bool) -> None:
    """Validate, post, write 状态, fill 盘点, regenerate the generated sheets, save."""
    from .app.usecases import post_book
    _report(_on_book(book, lambda b, p, progress: post_book(b, p, user=user, progress=progress, new_ledger=new_ledger),
                     shown=True))


@main.command()
@click.argument("book")
def refresh(book: str) -> None:
    """Regenerate 库存 / 应收 / 应付 / 台账 from the ledger."""
    from .app.usecases import refresh_book
    _report(_on_book(book, refresh_book))


@main.command()
@click.argument("book")
@click.argument("doc_no")
@click.option("--date", type=click.DateTime(["%Y-%m-%d"]), help="冲销日期（默认原单日期）")
@click.option("--user", default=None)
def reverse(book: str, doc_no: str, date: dt.datetime | None, user: str | None) -> None:
    """Post the 红字冲销 of a posted document and mark its rows."""
    from .app.usecases import reverse_book
    _report(_on_book(book, lambda b, p: reverse_book(b, p, doc_no, user=user, date=date.date() if date else None)))


@main.command()
@click.argument("book")
def verify(book: str) -> None:
    """Recompute the ledger and compare every generated sheet with it; writes nothing."""
    from .app.usecases import verify_book
    _differences(_on_book(book, verify_book, write=False), "核对无误 / verified")


@main.command("count-sheet")
@click.argument("book")
@click.argument("warehouse")
def count_sheet(book: str, warehouse: str) -> None:
    """盘点表: fill 盘点 with every item the warehouse holds and its book quantity."""
    from .app.tools import count_sheet as fill
    _done(_on_book(book, lambda b, p: fill(b, p, warehouse)))


@main.command()
@click.argument("book")
def backup(book: str) -> None:
    """备份: a checked copy of the workbook's ledger in the 备份 folder beside it."""
    from .app.tools import backup_ledger
    _done(_on_book(book, backup_ledger, write=False))


@main.command()
@click.argument("book")
@click.argument("backup_file")
def restore(book: str, backup_file: str) -> None:
    """恢复: make a backup the ledger again (the current one kept aside) and rewrite the sheets."""
    from .app.tools import restore_ledger
    _report(_on_book(book, lambda b, p: restore_ledger(b, p, Path(backup_file).resolve())))


@main.command("close-order")
@click.argument("book")
@click.argument("doc_no")
@click.option("--undo", is_flag=True, help="取消关闭：重新打开这张订单关闭的数量")
@click.option("--user", default=None)
def close_order(book: str, doc_no: str, undo: bool, user: str | None) -> None:
    """关闭订单: close what the order DOC_NO still has open (短交/结案); --undo reopens it."""
    from .app.orders import close_order as close
    _done(_on_book(book, lambda b, p: close(b, p, doc_no, undo=undo, user=user)))


@main.command("close")
@click.argument("book")
@click.argument("month")
@click.option("--user", default=None)
def close_(book: str, month: str, user: str | None) -> None:
    """结账: close every day up to the end of MONTH (YYYY-MM) once the pre-close checks pass."""
    from .app.periods import close_month
    _done(_on_book(book, lambda b, p: close_month(b, p, month, user=user)))


@main.command()
@click.argument("book")
@click.argument("month")
@click.option("--user", default=None)
def reopen(book: str, month: str, user: str | None) -> None:
    """反结账: reopen MONTH (YYYY-MM), the latest closed one, after a ledger backup; logged."""
    from .app.periods import reopen_month
    _done(_on_book(book, lambda b, p: reopen_month(b, p, month, user=user)))


_DAY = click.DateTime(["%Y-%m-%d"])


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


@main.command()
@click.argument("book")
@click.option("--from", "start", type=_DAY, help="开始日期（默认 设置的报表开始，否则本月 1 日）")
@click.option("--to", "end", type=_DAY, help="结束日期（默认 设置的报表结束，否则今天）")
def report(book: str, start: dt.datetime | None, end: dt.datetime | None) -> None:
    """报表: write 进销存汇总, 毛利, 补货建议, 库龄 and 图表 for the period."""
    from .app.reports import make_reports
    _done(_on_book(book, lambda b, p: make_reports(b, p, _day(start), _day(end))))


@main.command()
@click.argument("book")
@click.argument("party")
@click.option("--from", "start", type=_DAY, help="开始日期（默认 设置的报表开始，否则本月 1 日）")
@click.option("--to", "end", type=_DAY, help="结束日期（默认 设置的报表结束，否则今天）")
def statement(book: str, party: str, start: dt.datetime | None, end: dt.datetime | None) -> None:
    """对账单: the party's opening balance, its documents of the period, its closing balance."""
    from .app.reports import write_statement
    _done(_on_book(book, lambda b, p: write_statement(b, p, party, _day(start), _day(end))))


@main.command()
@click.argument("book")
@click.option("--from", "start", type=_DAY, help="开始日期（默认最早的记录）")
@click.option("--to", "end", type=_DAY, help="结束日期（默认今天）")
def audit(book: str, start: dt.datetime | None, end: dt.datetime | None) -> None:
    """操作日志: who posted, reversed, closed, reopened or was refused what, when, from which workbook and computer."""
    from .app.reports import write_audit
    _done(_on_book(book, lambda b, p: write_audit(b, p, _day(start), _day(end))))


@main.command("print")
@click.argument("book")
@click.argument("doc_no")
@click.option("--sheet", default=None, help="单号在几张表中都有时：单据所在的表（如 采购）")
@click.option("--pdf", "pdf", type=click.Path(dir_okay=False), help="另存为 PDF（经 LibreOffice）")
def print_(book: str, doc_no: str, sheet: str | None, pdf: str | None) -> None:
    """打印单据: fill the 打印 sheet with the posted document DOC_NO as its 单据 (A4)."""
    from .app.reports import print_document
    done, layout = _on_book(book, lambda b, p: print_document(b, p, doc_no, sheet))
    if done.ok and pdf:
        from .io.pdf import PdfError, layout_pdf
        _guarded(lambda: layout_pdf(layout, Path(pdf)), expected=(PdfError,))
        done = type(done)(f"{done.message}；PDF：{Path(pdf).resolve()}")
    _done(done)


@main.group()
def addin() -> None:
    """The Excel add-in (jxc.xlam): build it, install it into Excel, remove it."""


@addin.command("build")
@click.argument("out", default="jxc.xlam")
def addin_build(out: str) -> None:
    """Build jxc.xlam from workbook/ and the installed xlwings' ribbon add-in template."""
    from . import addin as builder
    click.echo(f"已生成 / built: {_guarded(lambda: builder.build(out))}")


@addin.command("install")
def addin_install() -> None:
    """Put jxc.xlam where Excel opens it at start-up, set to run this Python."""
    target = _in_excel(lambda builder: builder.install())
    click.echo(f"已安装 / installed: {target}\n重新启动 Excel 后即可看到“进销存”选项卡 / restart Excel")


@addin.command("uninstall")
def addin_uninstall() -> None:
    """Remove jxc.xlam from Excel's start-up folder."""
    removed = _in_excel(lambda builder: builder.uninstall())
    click.echo(f"已移除 / removed: {removed}" if removed else "没有安装过 / not installed")


def _in_excel(action):
    """Run an install step; where Excel cannot run, say so (exit 2)."""
    from . import addin as builder
    return _guarded(lambda: action(builder), expected=(builder.NoExcel,))


@main.group()
def ledger() -> None:
    """Work on a ledger directly: a file (.jxc.db) or a server's postgresql://user@host/db."""


def _folder(path: str) -> Path:
    """Where a crash report about the ledger at ``path`` goes: beside the file, else here."""
    return Path.cwd() if is_server(path) else Path(path).resolve().parent


def _open(path: str) -> Ledger:
    return _guarded(lambda: Ledger.open(path, create=False, read_only=True), _folder(path))


@ledger.command("init")
@click.argument("path")
def ledger_init(path: str) -> None:
    """Set up a new ledger: the tables in an empty server database (run as its owner, a role
    that may create roles: the departments' roles and what each may do come with it), or a file."""
    with _guarded(lambda: Ledger.open(path), _folder(path)) as led:
        click.echo(f"账簿已就绪 / ledger ready: {led.path}（版本 / schema {SCHEMA_VERSION}）")


@ledger.command("upgrade")
@click.argument("path")
def ledger_upgrade(path: str) -> None:
    """Bring a ledger made by an earlier jxc-xl to this version (and its server grants up to date)."""
    with _guarded(lambda: Ledger.open(path, create=False), _folder(path)) as led:
        _guarded(led.enforce)
        click.echo(f"账簿已是最新版本 / ledger up to date: {led.path}（版本 / schema {SCHEMA_VERSION}）")


@ledger.command("copy")
@click.argument("source")
@click.argument("target")
def ledger_copy(source: str, target: str) -> None:
    """Copy the whole ledger SOURCE into the new, empty TARGET (a file to a server or back),
    checked equal table by table before it is committed, then its figures recomputed."""
    if not is_server(target) and Path(target).exists() and Path(target).stat().st_size:
        _fail(f"{target} 已存在：只能复制到新的空账簿 / already exists")
    with _guarded(lambda: Ledger.open(source, create=False), _folder(source)) as src, \
            _guarded(lambda: Ledger.open(target), _folder(target)) as dst:
        copied = _guarded(lambda: src.copy_to(dst), _folder(target))
    rows = "，".join(f"{table} {n}" for table, n in copied.rows.items() if n)
    click.echo(f"已复制 / copied: {source} → {target}（{rows}）；逐表核对一致 / every table read back equal")
    _differences(copied.differences, "复制后的账簿自检通过 / the copy verified")


@ledger.command("verify")
@click.argument("path")
def ledger_verify(path: str) -> None:
    """Recompute every balance and cost from the movements and report differences."""
    with _open(path) as led:
        differences = _guarded(led.verify)
    _differences(differences, "账簿自检通过 / ledger verified")


def _differences(differences: list[str], verified: str) -> None:
    """Print each difference (exit 1), or that there are none (exit 0)."""
    for line in differences:
        click.echo(line)
    click.echo(verified if not differences else f"{len(differences)} 处不符 / differences")
    sys.exit(1 if differences else 0)


@ledger.command("stock")
@click.argument("path")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="库存截至日期 (YYYY-MM-DD)")
@click.option("--by-item", is_flag=True, help="按商品汇总各仓库")
def ledger_stock(path: str, as_of: dt.datetime | None, by_item: bool) -> None:
    """Print stock on hand: warehouse, SKU, quantity, unit cost, value (the last two not for 采购 and 销售)."""
    with _open(path) as led:
        rows = _guarded(lambda: led.stock(as_of.date() if as_of else None, by_item=by_item))
        costs = _guarded(led.sees_costs)
    for r in rows:
        figures = (r.qty, r.unit_cost, r.value) if costs else (r.qty,)
        click.echo("\t".join(str(v) for v in (r.warehouse or "*", r.item, *figures)))


@main.group()
def users() -> None:
    """The ledger's users and their roles: 采购 销售 仓管 财务 老板 管理员 (once a ledger has users, each
    posts only what the role may; on an SQLite ledger whoever holds the file holds the books)."""


def _users_ledger(path: str) -> Ledger:
    return _guarded(lambda: Ledger.open(path, create=False), _folder(path))


def _refused(problem) -> None:
    if problem is not None:
        click.echo(problem.message)
        sys.exit(1)


@users.command("add")
@click.argument("path")
@click.argument("name")
@click.option("--role", required=True, help="采购|销售|仓管|财务|老板|管理员")
@click.option("--user", default=None, help="谁在添加（默认当前登录名）；须是管理员，第一个用户除外")
@click.option("--password", is_flag=True, help="服务器账簿：为 NAME 的数据库登录设密码（提示输入，或取环境变量 JXC_NEW_PASSWORD）")
def users_add(path: str, name: str, role: str, user: str | None, password: bool) -> None:
    """Add NAME (or enable them again) with a role, in the ledger at PATH. On a server NAME is
    also a database login in the department's role (the server enforces what it may do)."""
    secret = None
    if password:
        secret = os.environ.get("JXC_NEW_PASSWORD") or click.prompt(f"{name} 的密码 / password", hide_input=True,
                                                                     confirmation_prompt=True)
    with _users_ledger(path) as led:
        _refused(_guarded(lambda: led.add_user(name, role, by=user, password=secret)))
    click.echo(f"已添加用户 {name}（{role}）")


@users.command("disable")
@click.argument("path")
@click.argument("name")
@click.option("--user", default=None, help="谁在停用（须是管理员）")
def users_disable(path: str, name: str, user: str | None) -> None:
    """Disable NAME: they post nothing more (what they posted stands)."""
    with _users_ledger(path) as led:
        _refused(_guarded(lambda: led.disable_user(name, by=user)))
    click.echo(f"已停用用户 {name}")


@users.command("list")
@click.argument("path")
def users_list(path: str) -> None:
    """The ledger's users, their roles, whether active, who added them and when."""
    with _open(path) as led:
        found = led.users()
    for u in found:
        click.echo(f"{u.name}\t{u.label}\t{'在用' if u.active else '已停用'}\t{u.added_at}\t{u.added_by}")
    if not found:
        click.echo("账簿还没有用户：任何人都能过账（添加第一个用户须是管理员：jxc users add 账簿 名字 --role 管理员）")
