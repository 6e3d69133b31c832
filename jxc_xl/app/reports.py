"""报表, 对账单, 打印单据 from a workbook: read the ledger (read-only), write the sheets. Each
answers with a :class:`~jxc_xl.app.tools.Done`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..ledger import Ledger
from ..reports.forms import audit_layout, balance_shown, document_layout, statement_layout
from ..reports.layouts import Heading
from ..reports.export import ExportRefused, export_books
from ..reports.period import period_reports
from ..sheets.book import Book
from ..sheets.contract import AUDIT_LOG, BY_JOURNAL, PRINT, REPORTS, STATEMENT, journal_named
from ..sheets.layout import Layout
from .inputs import held_codes
from .settings import BookSettings, read_settings
from .tools import Done, existing_ledger


def period(settings: BookSettings, start: dt.date | None, end: dt.date | None,
           today: dt.date) -> tuple[dt.date, dt.date] | Done:
    """The reports' period: as asked, else 设置's 报表开始/报表结束, else this month up to today;
    or (a Done that did not go through) why there is none."""
    if settings.report_problems and not (start and end):
        return Done(settings.report_problems[0], False)
    end = end or settings.report_to or today
    start = start or settings.report_from or end.replace(day=1)
    if start > end:
        return Done(f"报表期间不对：开始日期 {start.isoformat()} 晚于结束日期 {end.isoformat()}", False)
    return start, end


def _period_of(book: Book, book_path: Path, start: dt.date | None, end: dt.date | None,
               today: dt.date | None) -> tuple[BookSettings, dt.date, dt.date] | Done:
    """The workbook's settings and the period asked for, or why there is none."""
    settings = read_settings(book, book_path)
    found = period(settings, start, end, today or dt.date.today())
    return found if isinstance(found, Done) else (settings, *found)


def _heading(settings: BookSettings, start: dt.date, end: dt.date, now: dt.datetime | None) -> Heading:
    return Heading(settings.company, f"{start.isoformat()} 至 {end.isoformat()}", now or dt.datetime.now())


def _open(book: Book, book_path: Path) -> Ledger:
    return Ledger.open(existing_ledger(book, book_path), create=False, read_only=True)


def make_reports(book: Book, book_path: Path, start: dt.date | None = None, end: dt.date | None = None,
                 today: dt.date | None = None, now: dt.datetime | None = None, user: str | None = None) -> Done:
    """生成报表: 进销存汇总, 毛利, 利润表, 增值税, 补货建议, 库龄 and 图表 for the period, written anew (without
    what things cost, for a ``user`` of 采购 or 销售; 增值税 as 设置's 纳税人类型 owes it)."""
    found = _period_of(book, book_path, start, end, today)
    if isinstance(found, Done):
        return found
    settings, start, end = found
    book.writable(REPORTS)
    with _open(book, book_path) as ledger:
        heading = _heading(settings, start, end, now)
        for layout in period_reports(ledger, heading, start, end, costs=ledger.sees_costs(user),
                                     codes=held_codes(book), general=settings.general_taxpayer):
            book.write_layout(layout)
    book.save()
    return Done(f"报表已生成（{start.isoformat()} 至 {end.isoformat()}）：" + "、".join(s.zh for s in REPORTS))


def write_statement(book: Book, book_path: Path, party: str, start: dt.date | None = None,
                    end: dt.date | None = None, today: dt.date | None = None,
                    now: dt.datetime | None = None) -> Done:
    """对账单 of one party (by code or exact name) for the period."""
    found = _period_of(book, book_path, start, end, today)
    if isinstance(found, Done):
        return found
    settings, start, end = found
    book.writable((STATEMENT,))
    with _open(book, book_path) as ledger:
        masters = ledger.masters()
        code = masters.code("party", str(party))
        if code is None:
            shared = masters.is_ambiguous("party", str(party))
            return Done(f"名称“{party}”对应多个往来单位：请填写编码" if shared else
                        f"未知往来单位“{party}”：请填写“往来单位”表中的编码或名称", False)
        opening, entries = ledger.party_entries(code, start, end)
        layout = statement_layout(_heading(settings, start, end, now), code, masters, opening, entries)
        closing = ledger.balance(code, end)
    book.write_layout(layout)
    book.save()
    head, sign, meaning = balance_shown(masters.parties[code])
    return Done(f"对账单已生成：{code} {masters.parties[code].name}，{start.isoformat()} 至 {end.isoformat()}，"
                f"期末{head} {sign * closing:,.2f}" + ("（应收为正，应付为负）" if "应付为负" in meaning else ""))


def write_audit(book: Book, book_path: Path, start: dt.date | None = None, end: dt.date | None = None,
                today: dt.date | None = None, now: dt.datetime | None = None) -> Done:
    """操作日志: who posted, reversed, closed or reopened what, when, from where, in the period
    (default: everything up to today)."""
    end = end or today or dt.date.today()
    start = start or dt.date.min
    if start > end:
        return Done(f"期间不对：开始日期 {start.isoformat()} 晚于结束日期 {end.isoformat()}", False)
    settings = read_settings(book, book_path)
    book.writable((AUDIT_LOG,))
    with _open(book, book_path) as ledger:
        entries = ledger.audit_log(start=start, end=end)
    shown = f"{'' if start == dt.date.min else start.isoformat()} 至 {end.isoformat()}".strip()
    book.write_layout(audit_layout(Heading(settings.company, shown, now or dt.datetime.now()), entries))
    book.save()
    return Done(f"操作日志已生成：{len(entries)} 条（{shown}）")


def preparer(ledger: Ledger, settings: BookSettings, poster: str | None) -> str:
    """制单人: who posted the document when the ledger keeps users (a name its 管理员 gave); else
    设置's 制单人, if filled; else the name the post recorded (--user, or the computer's login)."""
    if poster and poster in {u.name for u in ledger.users()}:
        return poster
    return settings.preparer or poster or ""


def print_document(book: Book, book_path: Path, doc_no: str, sheet: str | None = None) -> tuple[Done, Layout | None]:
    """打印单据: the posted document fills the 打印 sheet as its 单据 (and the layout is returned,
    for a PDF). ``sheet`` (a document sheet's name) picks among documents of the same 单号."""
    settings = read_settings(book, book_path)
    journal = journal_named(sheet) if sheet else None
    if sheet and journal is None:
        return Done(f"没有单据表“{sheet}”：应为 " + "、".join(spec.zh for spec in BY_JOURNAL.values()), False), None
    book.writable((PRINT,))
    with _open(book, book_path) as ledger:
        found = ledger.printable(str(doc_no).strip(), journal)
        if len(found) != 1:
            where = "、".join(BY_JOURNAL[d["journal"]].zh for d in found)
            return Done(f"单号 {doc_no} 在 {where} 表中都有：请指明是哪张表的（在该表中选中它，或命令行加 --sheet 表名）"
                        if found else f"找不到已过账的单号 {doc_no}：只有过账后的单据能打印", False), None
        doc = found[0]
        poster, signed = doc["user"], {}
        approved = ledger.submissions({(doc["journal"], doc["doc_no"])}).get((doc["journal"], doc["doc_no"]))
        if approved is not None and approved.state == "approved" and approved.batch == doc["batch"]:
            poster, signed = approved.submitted_by, {"审核": approved.decided_by}     # 制单人 is who submitted it
        layout = document_layout(settings.company, doc, ledger.printed_lines(doc["id"]), ledger.masters(),
                                 doc["reversed_by"] is not None, preparer(ledger, settings, poster),
                                 held_codes(book), signed)
    book.write_layout(layout)
    book.save()
    return Done(f"单据 {doc['doc_no']} 已填入“打印”表：可直接打印（A4，每页 12 行）"), layout


def export_book(book: Book, book_path: Path, target: Path, now: dt.datetime | None = None) -> Done:
    """导出: the workbook's books (its ledger, a file or a server's) as the SQLite database
    ``target``, for Datasette, pandas or Power Query (see reports.export)."""
    with _open(book, book_path) as ledger:
        try:
            written = export_books(ledger, target, now)
        except ExportRefused as refused:
            return Done(str(refused), False)
    shown = "，".join(f"{table} {n}" for table, n in written.items() if n)
    return Done(f"已导出到 {target}（{shown}）：视图 单据、明细、库存流水、往来明细、资金流水、商品、往来单位…；"
                f"金额在表中以分（整数）存放，视图中以元显示")
