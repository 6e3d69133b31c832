"""The `jxc` command: a thin layer over the library (like sqlite-utils' cli.py over db.py).

Exit codes: 0 all went through, 1 some rows/documents in error, 2 the command could not run.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from pathlib import Path

import click

from . import __version__
from .ledger import Ledger


def _fail(message: str) -> None:
    click.echo(f"jxc: {message}", err=True)
    sys.exit(2)


def _open(path: str) -> Ledger:
    if not Path(path).is_file():
        _fail(f"找不到账簿文件 {path} / ledger not found")
    try:
        return Ledger.open(path)
    except sqlite3.DatabaseError as exc:
        _fail(f"{path} 不是可用的账簿（{exc}）/ not a usable ledger")
        raise   # unreachable


@click.group()
@click.version_option(__version__, prog_name="jxc")
def main() -> None:
    """jxc-xl: 进销存 with an exact SQLite ledger behind an Excel workbook."""


def _book(path: str, write: bool = True):
    from .workbook.patch import PatchBook
    from .workbook.xlsx import check_writable
    book_path = Path(path).resolve()
    if write:
        check_writable(book_path)
    return PatchBook(book_path), book_path


def _run(action, expected_errors: set | None = None) -> None:
    """Run a use case and print its report.

    ``expected_errors`` — (sheet, row) pairs that are meant to be in error (the demo's
    deliberate mistakes): when exactly those are, the run went through.
    """
    report = _guarded(action)
    for line in report.lines():
        click.echo(line)
    if expected_errors is not None and not report.sheet_problems and \
            {(sheet, row) for sheet, row, _ in report.error_rows} == expected_errors:
        click.echo(f"以上 {len(expected_errors)} 行是示例中故意设置的错误 / the demo's deliberate mistakes")
        sys.exit(0)
    sys.exit(report.exit_code)


def _guarded(action):
    """Run a use case; environment faults become one clear line and exit code 2."""
    from .workbook.xlsx import WorkbookError
    try:
        return action()
    except WorkbookError as exc:
        _fail(str(exc))
    except sqlite3.OperationalError as exc:
        locked = "locked" in str(exc) or "busy" in str(exc)
        _fail("账簿正被其他程序使用，请稍后再试 / the ledger is locked" if locked else f"账簿无法打开（{exc}）")
    except PermissionError as exc:
        _fail(f"没有写入权限（{exc.filename}）：文件可能被其他程序打开或是只读的 / permission denied")
    except OSError as exc:
        _fail(f"读写文件失败（{exc}），工作簿未改动，下次运行会按账簿重新标记 / file error, workbook unchanged")


@main.command()
@click.argument("book")
@click.option("--company", default="", help="公司名称")
def new(book: str, company: str) -> None:
    """Create a new, empty workbook with every sheet of the contract."""
    from .workbook.template import new_workbook
    if Path(book).exists():
        _fail(f"{book} 已存在：不会覆盖已有工作簿 / already exists")
    new_workbook(book, company)
    click.echo(f"已创建 / created: {book}")


@main.command()
@click.argument("folder", default="jxc-demo")
def demo(folder: str) -> None:
    """Build, post and refresh a demo workbook for a small trading company."""
    from .demo import build_demo, deliberate_mistakes
    from .usecases import console_progress, post_book
    book_path = build_demo(Path(folder))
    _run(lambda: post_book(*_book(str(book_path)), progress=console_progress()), deliberate_mistakes(book_path))


@main.command()
@click.argument("book")
def validate(book: str) -> None:
    """Check every row and mark errors; post nothing."""
    from .usecases import console_progress, validate_book
    _run(lambda: validate_book(*_book(book), progress=console_progress()))


@main.command()
@click.argument("book")
@click.option("--user", default=None, help="记在账簿上的操作员（默认为登录名）")
def post(book: str, user: str | None) -> None:
    """Validate, post, write 状态, fill 盘点, regenerate the generated sheets, save."""
    from .usecases import console_progress, post_book
    _run(lambda: post_book(*_book(book), user=user, progress=console_progress()))


@main.command()
@click.argument("book")
def refresh(book: str) -> None:
    """Regenerate 库存 / 应收 / 应付 / 台账 from the ledger."""
    from .usecases import refresh_book
    _run(lambda: refresh_book(*_book(book)))


@main.command()
@click.argument("book")
@click.argument("doc_no")
@click.option("--date", type=click.DateTime(["%Y-%m-%d"]), help="冲销日期（默认原单日期）")
@click.option("--user", default=None)
def reverse(book: str, doc_no: str, date: dt.datetime | None, user: str | None) -> None:
    """Post the 红字冲销 of a posted document and mark its rows."""
    from .usecases import reverse_book
    _run(lambda: reverse_book(*_book(book), doc_no, user=user, date=date.date() if date else None))


@main.command()
@click.argument("book")
def verify(book: str) -> None:
    """Recompute the ledger and compare every generated sheet with it."""
    from .usecases import verify_book
    _differences(_guarded(lambda: verify_book(*_book(book, write=False))), "核对无误 / verified")


@main.command("count-sheet")
@click.argument("book")
@click.argument("warehouse")
def count_sheet(book: str, warehouse: str) -> None:
    """盘点表: fill 盘点 with every item the warehouse holds and its book quantity."""
    from .usecases import count_sheet as fill
    click.echo(_guarded(lambda: fill(*_book(book), warehouse)))


@main.command()
@click.argument("book")
def backup(book: str) -> None:
    """备份: a checked copy of the workbook's ledger in the 备份 folder beside it."""
    from .usecases import backup_ledger
    click.echo(_guarded(lambda: backup_ledger(*_book(book, write=False))))


@main.group()
def addin() -> None:
    """The Excel add-in (jxc.xlam): build it, install it into Excel, remove it."""


@addin.command("build")
@click.argument("out", default="jxc.xlam")
def addin_build(out: str) -> None:
    """Build jxc.xlam from workbook/ and the installed xlwings' ribbon add-in template."""
    from . import addin as builder
    click.echo(f"已生成 / built: {builder.build(out)}")


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
    try:
        return action(builder)
    except builder.NoExcel as exc:
        _fail(str(exc))


@main.group()
def ledger() -> None:
    """Work on a ledger file (.jxc.db) directly."""


@ledger.command("verify")
@click.argument("path")
def ledger_verify(path: str) -> None:
    """Recompute every balance and cost from the movements and report differences."""
    with _open(path) as led:
        differences = led.verify()
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
    """Print stock on hand: warehouse, SKU, quantity, unit cost, value."""
    with _open(path) as led:
        rows = led.stock(as_of.date() if as_of else None, by_item=by_item)
    for r in rows:
        click.echo("\t".join(str(v) for v in (r.warehouse or "*", r.item, r.qty, r.unit_cost, r.value)))
