"""The clerk's tools: 盘点表, 新单号, 备份, 恢复 (结账 and 反结账 are in periods). Each answers with a
:class:`Done`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .inputs import read_sheets
from ..ledger import Ledger, LedgerError, PostResult, restore
from ..ledger.stores.store import is_server, name_of
from .settings import check_location, read_settings
from .statuses import StatusWriter, write_block
from .usecases import Report, bulk, open_ledger, refresh_sheets, remark, show_totals
from ..sheets.cells import to_code
from ..sheets.book import Book, Table, find_sheet, read_table
from ..sheets.contract import COUNTS, DOCUMENT_SHEETS, GENERATED

BACKUP_FOLDER = "备份"


@dataclass(frozen=True)
class Done:
    """What a tool did (or why it did nothing): the message to show, and whether it went through."""

    message: str
    ok: bool = True


def count_sheet(book: Book, book_path: Path, warehouse: str, today: dt.date | None = None) -> Done:
    """盘点表: every item the warehouse holds, with its book quantity, as new 盘点 rows under one
    new 单号, ready for the clerk to fill 实盘数量 and post."""
    settings = read_settings(book, book_path)
    table = read_table(book, COUNTS)
    if not isinstance(table, Table):
        return Done("缺少“盘点”表或其表头不对：请先恢复该表", False)
    ledger, _ = open_ledger(book, settings, book_path, lambda: read_sheets(book))
    with ledger:
        houses = ledger.masters().warehouses
        code = next((c for c, w in houses.items() if warehouse in (c, w.name)), None)
        if code is None:
            known = "、".join(houses) or "（账簿中还没有仓库，请先过账）"
            return Done(f"未知仓库“{warehouse}”：账簿中的仓库有 {known}", False)
        held = [r for r in ledger.stock(warehouse=code) if r.qty != 0]
        if not held:
            return Done(f"仓库 {code} 没有库存，无需盘点")
        day = today or dt.date.today()
        doc_no = _next_number(table, ledger, day)
    first = _first_free_row(table)
    rows = range(first, first + len(held))
    for column, values in (("单号", [doc_no] * len(held)), ("日期", [day] * len(held)),
                           ("仓库", [code] * len(held)), ("商品编码", [r.item for r in held]),
                           ("账面数量", [r.qty for r in held])):
        write_block(book, table, column, dict(zip(rows, values)))
    book.save()
    return Done(f"盘点表：仓库 {code} 的 {len(held)} 个商品已填入“盘点”表第 {first}–{rows[-1]} 行（单号 {doc_no}）；"
                f"填好实盘数量后点 过账")


def next_doc_no(book: Book, book_path: Path, sheet: str, first_row: int, last_row: int,
                today: dt.date | None = None) -> Done:
    """新单号: the next free 单号 of the sheet into the blank 单号 cells of rows first…last,
    which become one document."""
    spec = next((s for s in DOCUMENT_SHEETS if find_sheet(book, s) == sheet), None)
    table = read_table(book, spec) if spec else None
    if not isinstance(table, Table):
        return Done("请先在单据表（采购、销售、调拨、盘点、收付款、其他出入库）里选中要编号的行", False)
    rows = dict(table.rows)
    wanted = [r for r in range(max(first_row, table.header_row + 1), last_row + 1)
              if not to_code(table.get(rows.get(r, []), "单号"))]
    if not wanted:
        return Done("所选的行都已有单号", False)
    kind = to_code(table.get(rows.get(wanted[0], []), "业务类型"))
    settings = read_settings(book, book_path)
    ledger, _ = open_ledger(book, settings, book_path, lambda: read_sheets(book))
    with ledger:
        doc_no = _next_number(table, ledger, today or dt.date.today(), kind)
    write_block(book, table, "单号", {r: doc_no for r in wanted})
    book.save()
    return Done(f"单号 {doc_no} 已填入 {len(wanted)} 行")


def _next_number(table: Table, ledger: Ledger, day: dt.date, kind: str = "") -> str:
    """The sheet's prefix (by 业务类型 where it has one) + date + "-" + the next sequence number
    not in the sheet nor in the ledger."""
    stem = f"{table.spec.prefix(kind)}{day:%Y%m%d}-"
    taken = {to_code(table.get(v, "单号")) for _, v in table.rows} | \
        set(ledger.doc_numbers(table.spec.journal, stem))
    used = [int(n[len(stem):]) for n in taken if n.startswith(stem) and n[len(stem):].isdigit()]
    return f"{stem}{max(used, default=0) + 1:03d}"


def _first_free_row(table: Table) -> int:
    """The row after the last one holding a 单号 or a 商品编码."""
    filled = [r for r, v in table.rows if to_code(table.get(v, "单号")) or to_code(table.get(v, "商品编码"))]
    return max(filled, default=table.header_row) + 1


def existing_ledger(book: Book, book_path: Path) -> Path | str:
    """The workbook's ledger, which must exist — and be where this computer lets a workbook's
    设置 point (as for 过账: a workbook received by e-mail opens no file or server elsewhere)."""
    settings = read_settings(book, book_path)
    check_location(settings, book_path)
    if not is_server(settings.ledger) and not settings.ledger.is_file():
        raise LedgerError("missing", settings.ledger)
    return settings.ledger


def backup_folder(ledger: Path | str, book_path: Path) -> Path:
    """备份 beside the ledger file; a server ledger's backups (SQLite copies) beside the workbook."""
    return (book_path.parent if is_server(ledger) else ledger.parent) / BACKUP_FOLDER


def backup_ledger(book: Book, book_path: Path, now: dt.datetime | None = None) -> Done:
    """备份: a checked copy of the ledger in the 备份 folder beside it, under a name no other
    backup has (two in the same second get -2, -3 …). A server's books are copied into an
    SQLite file there, checked equal to them."""
    path = existing_ledger(book, book_path)
    folder = backup_folder(path, book_path)
    folder.mkdir(exist_ok=True)
    stem = f"{name_of(path)}-{(now or dt.datetime.now()):%Y%m%d-%H%M%S}"
    for n in range(1, 1000):
        target = folder / (f"{stem}.db" if n == 1 else f"{stem}-{n}.db")
        try:
            target.open("x").close()                 # claims the name, even against another backup
            break
        except FileExistsError:
            continue
    try:
        with Ledger.open(path, create=False) as ledger:
            problems = ledger.backup(target)
    except BaseException:
        target.unlink(missing_ok=True)          # nothing was backed up: no empty file left claiming to be
        raise
    if problems:
        return Done(f"备份到 {target} 后检查发现问题：{problems[0]}", False)
    return Done(f"账簿已备份到 {target}")


def latest_backup(book: Book, book_path: Path) -> Path | None:
    """The newest backup in the ledger's 备份 folder (what the ribbon's 恢复 offers)."""
    folder = backup_folder(read_settings(book, book_path).ledger, book_path)
    found = sorted(folder.glob("*.db"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    return found[-1] if found else None


@bulk()
def restore_ledger(book: Book, book_path: Path, backup: Path, today: dt.date | None = None) -> Report:
    """恢复: the backup becomes the ledger (the current one is kept aside), the generated sheets
    are rewritten from it, and every row's 状态 says again what the restored books hold — rows
    posted after the backup go back to empty, and the next 过账 posts them again."""
    settings = read_settings(book, book_path)
    book.writable(GENERATED)
    sheets = read_sheets(book)
    if sheets.fatal:                 # the rows' 状态 could not be said again: the ledger stays as it is
        return Report(workbook=str(book_path), ledger=str(settings.ledger), sheet_problems=sheets.fatal,
                      outcome="没有恢复：账簿仍是原来的 / not restored")
    aside = restore(settings.ledger, backup)
    report = Report(workbook=str(book_path), ledger=str(settings.ledger),
                    notes=[f"已用备份 {backup} 恢复账簿；原账簿保存在 {aside}"])
    ledger, _ = open_ledger(book, settings, book_path, sheets)
    with ledger:
        waiting = remark(book, sheets, ledger, PostResult(), settings.english, report)
        if waiting:
            report.notes.append(f"{waiting} 张单据不在恢复的账簿中，状态已清空：下次过账会重新过账它们，不需要的请删除这些行")
        refresh_sheets(book, ledger, today or dt.date.today(), whole=True, company=settings.company)
        show_totals(report, ledger)
    book.save()
    return report
