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


@main.group()
def ledger() -> None:
    """Work on a ledger file (.jxc.db) directly."""


@ledger.command("verify")
@click.argument("path")
def ledger_verify(path: str) -> None:
    """Recompute every balance and cost from the movements and report differences."""
    with _open(path) as led:
        differences = led.verify()
    for line in differences:
        click.echo(line)
    click.echo("账簿自检通过 / ledger verified" if not differences else f"{len(differences)} 处不符 / differences")
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
