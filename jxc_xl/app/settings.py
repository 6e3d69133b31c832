"""设置: the workbook's settings, where its ledger is, and which of them the ledger takes.

The workbook is only a request: a cell can be cleared or a workbook e-mailed from elsewhere,
so the ledger decides. Its closed-through date only moves forward (反结账 is a command of its
own), and a ledger outside the workbook's folder is opened only where this computer allows it.
账簿文件 is a file beside the workbook, or a PostgreSQL server's URL (its password never in it).
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from ..ledger import Ledger, LedgerError
from ..ledger.stores.store import is_server
from ..sheets import parse
from ..sheets.cells import to_date
from ..sheets.book import Book, Table, read_table
from ..sheets.contract import CREDIT_CONTROL, SETTING_KEYS, SETTINGS

LEDGER_FOLDERS = "JXC_LEDGER_FOLDERS"     # the folders, beside the workbook's own, a ledger may be in
LEDGER_SERVERS = "JXC_LEDGER_SERVERS"     # the ledger servers this computer posts to (host names)


@dataclass
class BookSettings:
    company: str = ""
    ledger: Path | str | None = None    # a file, or a server's postgresql:// URL
    cost_method: str | None = None
    allow_negative: bool | None = None
    closed_through: dt.date | None = None
    credit_block: bool = False          # 信用控制 = 禁止: a shipment over the customer's 信用额度 is refused
    report_from: dt.date | None = None  # 报表开始 / 报表结束: the reports' period
    report_to: dt.date | None = None
    report_problems: list[str] = field(default_factory=list)   # a report date 设置 holds that is no date
    english: bool = False
    preparer: str = ""                  # 制单人 on a printed 单据 when the ledger keeps no users of its own
    general_taxpayer: bool = False      # 纳税人类型 = 一般纳税人: a 专票's tax is deductible 进项税额
    default_rate: Decimal | None = None # 默认税率: the rate of a line that neither it, its item nor its party gives
    approval: bool | None = None        # 过账需审核: the ledger's own (its 管理员's); None when 设置 says nothing
    problems: list[str] = field(default_factory=list)


def read_settings(book: Book, book_path: Path) -> BookSettings:
    table = read_table(book, SETTINGS)
    raw = parse.parse_settings(table if isinstance(table, Table) else None)
    s = BookSettings(company=str(raw.get("company") or ""), preparer=str(raw.get("preparer") or "").strip())
    given = str(raw.get("ledger") or "").strip()
    s.ledger = given if is_server(given) else book_path.parent / (given or book_path.stem + ".jxc.db")
    if raw.get("cost_method") not in (None, ""):
        s.cost_method = parse.setting_method(raw["cost_method"])
        if s.cost_method is None:
            s.problems.append(f"设置：成本方法“{raw['cost_method']}”无效，应为 移动加权平均 / 先进先出 / 月末一次加权平均")
    if raw.get("allow_negative") not in (None, ""):
        s.allow_negative = parse.setting_bool(raw["allow_negative"])
        if s.allow_negative is None:
            s.problems.append(f"设置：允许负库存“{raw['allow_negative']}”无效，应为 是 / 否")
    for key, name in (("closed_through", "结账日期"), ("report_from", "报表开始"), ("report_to", "报表结束")):
        if raw.get(key) not in (None, ""):
            setattr(s, key, to_date(raw[key]))
            if getattr(s, key) is None:
                s.problems.append(f"设置：{name}“{raw[key]}”不是有效日期")
                if key.startswith("report"):
                    s.report_problems.append(s.problems[-1] + "：请改正或清空")
    if raw.get("approval") not in (None, ""):
        s.approval = parse.setting_bool(raw["approval"])
        if s.approval is None:
            s.problems.append(f"设置：过账需审核“{raw['approval']}”无效，应为 是 / 否")
    control = str(raw.get("credit_control") or "").strip().lower()
    if control not in CREDIT_CONTROL:
        s.problems.append(f"设置：信用控制“{raw['credit_control']}”无效，应为 提示 / 禁止")
    s.credit_block = CREDIT_CONTROL.get(control) == "block"
    s.english = str(raw.get("language") or "").strip().lower() in ("english", "en")
    s.general_taxpayer, s.default_rate, problems = parse.setting_taxes(raw)
    s.problems += problems
    return s


def allowed_folders(book_path: Path) -> list[Path]:
    """The workbook's folder, and the folders this computer's JXC_LEDGER_FOLDERS names."""
    extra = [Path(p) for p in os.environ.get(LEDGER_FOLDERS, "").split(os.pathsep) if p.strip()]
    return [book_path.resolve().parent, *(p.resolve() for p in extra)]


def allowed_servers() -> set[str]:
    """The hosts this computer's JXC_LEDGER_SERVERS names (comma separated)."""
    return {h.strip().lower() for h in os.environ.get(LEDGER_SERVERS, "").split(",") if h.strip()}


def check_location(settings: BookSettings, book_path: Path) -> None:
    """A workbook received by e-mail must not make 过账 open a file anywhere on this computer:
    a ledger outside the workbook's folder needs a setting made on the computer, not in the file.
    Likewise a server not named in this computer's JXC_LEDGER_SERVERS (the workbook would hand it
    this computer's login)."""
    if is_server(settings.ledger):
        host = urlsplit(settings.ledger).hostname or ""
        if host not in allowed_servers():
            raise LedgerError("server_elsewhere", settings.ledger, variable=LEDGER_SERVERS)
        return
    path = settings.ledger.resolve()
    if not any(path.is_relative_to(folder) for folder in allowed_folders(book_path)):
        raise LedgerError("outside", path, variable=LEDGER_FOLDERS)


def apply_settings(ledger: Ledger, settings: BookSettings, user: str | None = None) -> tuple[list[str], list[str]]:
    """The workbook's settings the ledger takes: (problems, notes). A cost method is refused once
    anything is posted. The closed-through date is the ledger's: one typed or cleared in 设置 only
    shows, and a disagreement is noted (结账 is `jxc close`, 反结账 `jxc reopen`). 过账需审核 is the
    ledger's too: ``user``'s 设置 changes it when they are its 管理员 (anyone's, without users), else
    the ledger's stands and that is noted — a clerk cannot post past 审核 by typing 否."""
    problems, notes = list(settings.problems), []
    if settings.approval is not None:
        refused = ledger.set_approval_required(settings.approval, user=user, workbook="")
        if refused is not None:
            notes.append("设置：" + refused.message)
    try:
        if settings.cost_method:
            problem = ledger.set_cost_method(settings.cost_method)
            if problem:
                problems.append("设置：" + problem.message)
        if settings.allow_negative is not None and settings.allow_negative != ledger.settings.allow_negative:
            ledger.set_allow_negative(settings.allow_negative)
    except LedgerError as exc:          # a server's books: only its 管理员 changes their settings
        if exc.kind != "denied":
            raise
        notes.append("设置：成本方法或允许负库存与账簿不同，以账簿为准（服务器账簿的设置只有管理员能改）")
    closed = ledger.settings.closed_through
    if settings.closed_through != closed:
        shown = settings.closed_through.isoformat() if settings.closed_through else "空"
        notes.append(f"设置：结账日期为 {shown}，但账簿{f'已结账至 {closed.isoformat()}' if closed else '没有结账'}，"
                     f"以账簿为准；结账请用 结账 / jxc close，反结账请用 反结账 / jxc reopen")
    return problems, notes


def write_setting(book: Book, key: str, value: object) -> None:
    """Show ``value`` in 设置 under the key the code calls ``key`` (e.g. closed_through), in its
    row if there is one, else in a new row under the table."""
    table = read_table(book, SETTINGS)
    if not isinstance(table, Table):
        return
    names = {name for name, code in SETTING_KEYS.items() if code == key}
    row = next((r for r, values in table.rows
                if str(table.get(values, "项目") or "").strip().lower().replace(" ", "") in names), None)
    if row is None:
        row = max((r for r, _ in table.rows), default=table.header_row) + 1
        book.write_column(table.sheet, table.columns["项目"], row, [next(n for n in names if not n.isascii())])
    book.write_column(table.sheet, table.columns["值"], row, [value])
