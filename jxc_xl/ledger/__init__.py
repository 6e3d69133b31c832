"""The ledger: an append-only record of posted documents and the costs they carry, in an SQLite
file or on a PostgreSQL server.

Open it, give it the masters, post documents, ask it questions::

    ledger = Ledger.open("books.jxc.db")
    ledger.upsert_masters(items=[...], parties=[...], warehouses=[...])
    result = ledger.post([document, ...], user="王会计")
    ledger.stock(as_of=date(2026, 11, 30))

``Ledger`` is the one door: each method says what it answers and hands the work to the module
that holds it (batch, settings, masters, documents, marks, checks, queries).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import inspect
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..domain.model import Account, CostMethod, Document, Item, Party, Warehouse
from ..domain.money import from_cents
from ..domain.packed import as_model
from ..domain.problems import Problem
from ..domain.validate import Masters
from . import accounts, cash, income, queries, reporting
from .engine import (approvals, batch, checks, counts, documents, invoices, marks, meta, orders, periods,
                     settlement, users)
from .stores import copying, store
from .engine import vouchers as voucher_exports
from .engine import masters as master_data
from .errors import LedgerError, file_error
from .engine.recost import Settings
from .results import AuditRow, Outcome, PostResult
from .stores.schema import Transaction


def _file_errors(cls):
    """Every public method of the ledger answers a damaged, locked or unwritable file with a
    LedgerError (one line saying what to do) instead of SQLite's exception."""
    def guard(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                error = file_error(self.path, exc)
                if error is None:
                    raise
                raise error from exc
        return guarded

    for name, member in list(vars(cls).items()):
        if inspect.isfunction(member) and not name.startswith("_"):
            setattr(cls, name, guard(member))
    return cls


@_file_errors
class Ledger:
    """One ledger, a file or a server's. Every write is one transaction holding the ledger's
    write lock; ``waiting`` (if set) is told when it must wait for another clerk's to end;
    ``opened_as`` (if set) is the file's state (store.file_state) before this program opened it.

    On a server the user is the database login (who the server let in), whatever name the
    caller gives; on a file it is the name given (else this computer's login)."""

    def __init__(self, conn, path: str = store.MEMORY, read_only: bool = False):
        self.conn = conn
        self.path = path
        self.read_only = read_only
        self.login = conn.login()
        self.waiting: Callable[[], None] | None = None
        self.opened_as: str | None = None

    @classmethod
    def open(cls, path: str | Path, cost_method: CostMethod | str | None = None,
             allow_negative: bool | None = None, *, create: bool = True,
             read_only: bool = False) -> "Ledger":
        """Open the ledger at ``path``; settings given apply to a new ledger.

        ``create=False``: a missing file is a LedgerError instead of a new ledger.
        ``read_only``: never creates, upgrades or writes (for checking and reading only).
        Every file-level problem (missing, damaged, not a ledger, newer, locked) raises
        LedgerError and leaves the file as it was.
        """
        if read_only and (cost_method is not None or allow_negative is not None):
            raise ValueError("a ledger opened read-only takes no settings")
        conn = store.open_connection(path, create, read_only)
        if cls is Ledger and conn.engine == "postgres" and conn.login() != conn.owner():
            from .server.clerk import Clerk      # a clerk's writes are requests the server's poster runs
            cls = Clerk
        ledger = cls(conn, getattr(conn, "url", str(path)), read_only)
        for problem in (cost_method is not None and ledger.set_cost_method(cost_method),
                        allow_negative is not None and ledger.set_allow_negative(allow_negative)):
            if problem:
                raise ValueError(problem.message)
        return ledger

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _transaction(self) -> Transaction:
        if self.read_only:
            raise LedgerError("read_only", self.path)
        return Transaction(self.conn, self.waiting)

    def _who(self, user: str | None) -> str | None:
        return self.login or user

    @property
    def server(self) -> bool:
        return self.conn.engine != "sqlite"

    def _meta(self, key: str) -> str | None:
        return meta.get(self, key)

    # -- settings and the audit log --------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return meta.read(self)

    def has_postings(self) -> bool:
        return self.conn.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is not None

    def set_cost_method(self, method: CostMethod | str) -> Problem | None:
        """Choose the costing method; refused once anything is posted (costs would change)."""
        method = CostMethod(method)
        return None if method == self.settings.method else meta.set_cost_method(self, method)

    def set_allow_negative(self, allow: bool) -> Problem | None:
        """Allow or refuse negative stock. Refusing it again is itself refused while any
        balance in the books has been below zero: every later posting that replays over it
        would fail, naming old documents the clerk cannot change."""
        return None if allow == self.settings.allow_negative else meta.set_allow_negative(self, allow)

    def close_period(self, through: dt.date | None, user: str | None = None, workbook: str = "") -> bool:
        """Close the books through ``through`` without the pre-close checks (see :meth:`close_month`);
        returns whether it moved (only ever forward: an earlier date or None leaves it as it is)."""
        return through is not None and periods.close(self, through, self._who(user), workbook, checked=False) == []

    def close_month(self, through: dt.date, user: str | None = None, workbook: str = "",
                    today: dt.date | None = None) -> list[Problem]:
        """结账 through ``through`` after the ledger's own checks: [] when closed, else what to fix
        first (nothing closed). A month closes once it has ended (by ``today``, default the
        computer's) and in order (see :meth:`close_refusal`). The workbook's checks (unposted
        rows) are the caller's; a user whose role may not close is refused (and that is logged)."""
        user = self._who(user)
        refused = self.refusal(user, "close")
        if refused:
            with self._transaction():
                meta.log(self, "close_refused", f"{through.isoformat()}：{refused.message}", user, workbook)
            return [refused]
        found = periods.close(self, through, user, workbook, checked=True, today=today)
        if found is None:
            closed = self.settings.closed_through
            return [Problem("already_closed", field="日期", args={"value": through.isoformat(),
                                                                  "closed": closed.isoformat() if closed else ""})]
        return found

    def close_refusal(self, through: dt.date, today: dt.date | None = None) -> Problem | None:
        """Why the month ending ``through`` cannot close yet, asked before anything else: it has
        not ended by ``today``, or it is not the next month to close — the one after the
        closed-through date, else the month of the earliest document (months close one by one,
        each after its own checks)."""
        return periods.timing(self.conn, self.settings.closed_through, through, today or dt.date.today())

    def next_close(self) -> dt.date | None:
        """The first day of the month to close next (None: nothing closed, nothing posted)."""
        return periods.due(self.conn, self.settings.closed_through)

    def reopen(self, through: dt.date | None, user: str | None = None, workbook: str = "") -> bool:
        """反结账 back to ``through`` (None: nothing closed); logged with who, when and where.
        Returns whether anything was reopened (``through`` earlier than the closed date); a user
        whose role may not (see :meth:`refusal`) reopens nothing."""
        user = self._who(user)
        if self.refusal(user, "close"):
            return False
        return periods.reopen(self, through, user, workbook)

    def refusal(self, user: str | None, act: str) -> Problem | None:
        """Why ``user`` may not ``act`` ("reverse", "close" — 结账 and 反结账 —, "users"), if they may not."""
        return users.refusal(self.conn, self._who(user), act)

    # -- users and their roles (see ledger.users, domain.roles) -------------------------------
    def enforce(self) -> None:
        """Make the server's departments, grants and row security again, as this version makes
        them (``jxc ledger upgrade``); nothing on a file, where the roles are advisory."""
        with self._transaction():
            self.conn.secure()

    def sees_costs(self, user: str | None = None) -> bool:
        """Whether ``user`` is shown what things cost: not 采购 or 销售 (anyone, without users)."""
        return users.shows_costs(self.conn, user)

    def users(self) -> list[users.User]:
        return users.all_users(self.conn)

    def add_user(self, name: str, role: str, by: str | None = None, workbook: str = "",
                 password: str | None = None) -> Problem | None:
        return users.add(self, name, role, self._who(by), workbook, password)

    def disable_user(self, name: str, by: str | None = None, workbook: str = "") -> Problem | None:
        return users.disable(self, name, self._who(by), workbook)

    def audit_log(self, actions: tuple[str, ...] = (), start: dt.date | None = None,
                  end: dt.date | None = None) -> list[AuditRow]:
        return meta.audit_log(self, actions, start, end)

    # -- masters ---------------------------------------------------------------------------
    def upsert_masters(self, items: list[Item] = (), parties: list[Party] = (),
                       warehouses: list[Warehouse] = (), accounts: list[Account] = (), user: str | None = None,
                       workbook: str = "") -> list[Problem]:
        """Store the masters; those with a figure the ledger cannot hold are left out and
        come back as problems (doc_no is the master's code). With users, only 财务 changes an
        existing master (others add new ones; the books' stand of the rest is kept and said:
        "masters_kept"), and each change is logged — see ledger.engine.masters."""
        return master_data.store(self, items, parties, warehouses, accounts, self._who(user), workbook)

    def masters(self) -> Masters:
        return master_data.read(self.conn)

    # -- posting ---------------------------------------------------------------------------
    def post(self, documents: list[Document], user: str | None = None, workbook: str = "",
             masters: Masters | None = None, dry_run: bool = False, credit_block: bool = False,
             again: Callable[[], list[Document]] | None = None) -> PostResult:
        """Post a batch in (date, 单号) order in one transaction; bad documents are left out.

        ``masters`` overrides the ledger's (a workbook being checked); ``dry_run`` finds every
        problem posting would meet, stock shortages included, and then rolls everything back.
        What is already posted is read inside the batch's write transaction, so two processes
        posting the same documents at once post each exactly once (the later finds it posted).
        A shipment that takes a customer over its 信用额度 posts and records by how much, or with
        ``credit_block`` (信用控制 = 禁止) is refused.

        ``again``, a way to make the same documents again (in the same order), lets the ledger
        take ``documents`` over: each document it takes without a problem is let go as it is
        written (its place in the list set to None; what is left on return is what it refused),
        and should it need them all once more (a batch written again document by document, see
        batch._post_all) it calls ``again``. A large post so holds no document it has written.

        A document may come packed (domain.packed: a plain purchase or sale as integers, as the
        workbook's column-wise intake makes it): the same outcome, rows and fingerprint as its model.
        """
        user = self._who(user)
        if not dry_run and approvals.required(self.conn, user):       # (what waits is kept as the model)
            return approvals.submit(self, [as_model(doc) for doc in documents], user, workbook, masters, credit_block)
        return batch.post(self, documents, user, workbook, masters, dry_run, credit_block, again=again)

    # -- 过账需审核 (see ledger.approvals) -------------------------------------------------------
    def approval_required(self) -> bool:
        """过账需审核 as the ledger holds it (it applies once the ledger has users)."""
        return approvals.is_on(self.conn)

    def set_approval_required(self, on: bool, user: str | None = None, workbook: str = "") -> Problem | None:
        """Turn 过账需审核 on or off (管理员; anyone on a ledger without users); logged."""
        return None if on == self.approval_required() else approvals.set_required(self, on, self._who(user), workbook)

    def pending(self) -> list[approvals.Pending]:
        """Every document waiting for 审核, oldest submission first (the 待审核 sheet)."""
        return approvals.waiting(self.conn)

    def submissions(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], approvals.Pending]:
        """(journal, 单号) → the latest version submitted for 审核, of those ``keys`` that have one."""
        return approvals.latest(self.conn, keys)

    def approve(self, doc_no: str, journal: str | None = None, user: str | None = None, workbook: str = "",
                credit_block: bool = False) -> Outcome:
        """审核: post the waiting ``doc_no`` as its submitter's post would (财务 or 老板, not its
        submitter); refused with the post's own message when it would be, and then still waiting."""
        return approvals.approve(self, doc_no, journal, self._who(user), workbook, credit_block)

    def reject(self, doc_no: str, reason: str, journal: str | None = None, user: str | None = None,
               workbook: str = "") -> Outcome:
        """驳回 the waiting ``doc_no`` with ``reason``, which its submitter's 状态 shows."""
        return approvals.reject(self, doc_no, journal, reason, self._who(user), workbook)

    def reverse(self, doc_no: str, journal: str | None = None, date: dt.date | None = None,
                user: str | None = None, workbook: str = "") -> PostResult:
        """红字冲销: post the exact opposite of a posted document, dated ``date`` (default its own)."""
        return batch.reverse(self, doc_no, journal, date, self._who(user), workbook)

    # -- 凭证 (see ledger.vouchers) -----------------------------------------------------------
    def export_vouchers(self, start: dt.date, end: dt.date, uses: set[str], user: str | None = None,
                        workbook: str = "") -> "list[voucher_exports.Voucher] | Problem":
        """The vouchers of the documents posted in the period, numbered and remembered (logged);
        or why none were (nothing remembered): a role that may not, a 用途 not in ``uses``."""
        return voucher_exports.export(self, start, end, self._who(user) or meta.user_name(None), workbook, uses)

    def void_voucher(self, number: int, user: str | None = None, workbook: str = "") -> Problem | None:
        """作废凭证 ``number``: its document may be reversed again; logged."""
        return voucher_exports.void(self, number, self._who(user) or meta.user_name(None), workbook)

    # -- posted documents ------------------------------------------------------------------
    def close_order(self, doc_no: str, journal: str | None = None, user: str | None = None, workbook: str = "",
                    date: dt.date | None = None, undo: bool = False) -> list[Problem]:
        """关闭订单: close what the order ``doc_no`` still has open (``undo``: reopen it); logged."""
        return batch.close_order(self, doc_no, journal, self._who(user), workbook, date, undo)

    def order_figures(self, journal: str, doc_no: str) -> dict[str, orders.Figures]:
        """item → ordered, fulfilled, closed and open of a standing order ({} when none stands)."""
        order = orders.standing_order(self.conn, journal, doc_no)
        return {} if order is None else orders.figures(self.conn, order["id"])

    def order_lines(self) -> list[orders.OrderLine]:
        """Every item of every standing order: ordered, fulfilled, closed (订单跟踪)."""
        return orders.order_lines(self.conn)

    def invoicing(self) -> list[invoices.Invoicing]:
        """Every standing 销售出库 and 采购入库 with tax, and how far it is invoiced (开票跟踪)."""
        return invoices.invoicing(self.conn)

    def open_quantities(self) -> dict[tuple[str, str, str], int]:
        """(order type, item, warehouse) → what standing orders still have open (库存)."""
        return orders.open_quantities(self.conn)

    def latest_documents(self, keys: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], sqlite3.Row]:
        return documents.latest(self.conn, keys)

    def posted_document(self, journal: str, doc_no: str) -> Document | None:
        """The latest posting of (journal, 单号) as the Document it was posted from, if it stands."""
        return documents.posted_document(self.conn, journal, doc_no)

    def taxed_lines(self, keys: set[tuple[str, str]]) -> dict:
        """The 增值税 figures of the standing documents ``keys`` that have tax, by line number, in the
        ledger's units (documents.posted_units)."""
        return documents.taxed_lines(self.conn, keys) if keys else {}

    def standing_documents(self, workbook: str) -> list[tuple[str, str, str, int | None]]:
        """(journal, 单号, sheet, row) of every standing document posted from ``workbook``."""
        return documents.standing_documents(self.conn, workbook)

    def doc_numbers(self, journal: str, prefix: str) -> list[str]:
        return documents.numbers(self.conn, journal, prefix)

    def digests(self, keys: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], str]:
        """(journal, 单号) → the digest of its workbook rows when its latest posting was made (of
        every document, or of the ``keys`` asked)."""
        return {key: row["raw_hash"] for key, row in self.latest_documents(keys).items() if row["raw_hash"]}

    def remember_digests(self, digests: list[tuple[str, str, str]]) -> None:
        with self._transaction():
            documents.remember_digests(self.conn, digests)

    def rows_seen(self, workbook: str, english: bool) -> tuple[int, dict[str, tuple[tuple[int, str], ...]]]:
        """The last batch now, and journal → the stretches of ``workbook``'s sheet rows a post of it
        remembered (rows, digest each: see sheets.parse.seen_rows), while the books stand as that
        post left them and its 状态 were in this language: a batch since (a post from elsewhere, a
        reversal) could change a 状态 those rows show, and then none is given."""
        return meta.rows_seen(self, workbook, english)

    def remember_rows_seen(self, workbook: str, seen: dict[str, tuple[tuple[int, str], ...]], english: bool,
                           since: int, own: int | None) -> None:
        """What to pass over next time, unless a batch not this post's own (``own``) was made since
        the rows were read (``since``)."""
        with self._transaction():
            meta.remember_rows_seen(self, workbook, seen, english, since, own)

    def count_differences(self) -> dict[tuple[str, str, int], Decimal]:
        return documents.count_differences(self.conn)

    def changed_counts(self, through: dt.date | None = None) -> list[counts.CountChange]:
        """Standing count lines (dated up to ``through``) whose difference a later post changed
        and nobody has accepted: 结账 names them, their rows say so."""
        return counts.pending(self.conn, through.isoformat() if through else None)

    def accept_count(self, doc_no: str, user: str | None = None,
                     workbook: str = "") -> tuple[list[counts.CountChange], Problem | None]:
        """确认盘点差异: accept the changed differences of the standing count ``doc_no`` as they
        now are (仓管, who counts, or 财务); logged. (What was accepted, or why nothing was.)"""
        return counts.accept(self, doc_no, self._who(user), workbook)

    # -- the journal sheet's mark ----------------------------------------------------------
    def generation(self) -> str:
        return marks.generation(self.conn)

    def batch_of(self, generation: str) -> int | None:
        return marks.batch_of(self.conn, generation)

    # -- questions -------------------------------------------------------------------------
    def stock(self, as_of: dt.date | None = None, item: str | None = None, warehouse: str | None = None,
              by_item: bool = False) -> list[queries.StockRow]:
        return queries.stock(self.conn, as_of, item, warehouse, by_item)

    def journal(self, after_batch: int | None = None) -> tuple[int, list[tuple]]:
        return queries.journal(self.conn, after_batch)

    def journal_lines(self, after_batch: int | None = None) -> tuple[int, Iterable[tuple]]:
        """:meth:`journal`'s rows one at a time, read while the ledger is open (see queries.journal_lines)."""
        return queries.journal_lines(self.conn, after_batch)

    def stock_card(self, item: str | None = None, warehouse: str | None = None,
                   start: dt.date | None = None, end: dt.date | None = None) -> list[queries.CardRow]:
        return queries.stock_card(self.conn, item, warehouse, start, end)

    def totals(self, costs: bool = True) -> tuple[Decimal | None, Decimal, Decimal]:
        """Stock value (None without ``costs``), receivables and payables over the whole ledger
        (every date)."""
        return queries.totals(self.conn, costs)

    def balance(self, party: str, as_of: dt.date | None = None, side: str | None = None) -> Decimal:
        return accounts.balance(self.conn, party, as_of, side)

    def cash(self, as_of: dt.date | None = None) -> dict[str, Decimal]:
        """account → the money it holds at the end of ``as_of`` (default: everything posted);
        an account with no movement is not in it."""
        return {a: from_cents(cents) for a, cents in cash.balances(self.conn, as_of).items()}

    def cash_journal(self) -> list[cash.CashLine]:
        """资金日记账: every movement of money with its account's running balance."""
        return cash.journal(self.conn)

    def cash_below_zero(self, as_of: dt.date | None = None, batch: int | None = None) -> list[tuple[str, Decimal]]:
        """(account, balance) of each account below zero at the end of ``as_of``; with ``batch``,
        only of the accounts that batch moved money in or out of (what a post says)."""
        accounts = None if batch is None else cash.touched(self.conn, batch)
        return [(a, from_cents(c)) for a, c in cash.below_zero(self.conn, as_of, accounts)]

    def open_items(self, party: str, side: str = "AR", as_of: dt.date | None = None):
        return accounts.open_items(self.conn, party, side, as_of)

    def aging(self, as_of: dt.date, side: str = "AR", party: str | None = None) -> list[accounts.AgingRow]:
        return accounts.aging(self.conn, as_of, side, party)

    def summary(self, start: dt.date, end: dt.date) -> list[queries.SummaryRow]:
        return queries.summary(self.conn, start, end)

    def gross_profit(self, start: dt.date | None = None, end: dt.date | None = None) -> list[reporting.ProfitRow]:
        return reporting.gross_profit(self.conn, start, end)

    # -- what the reports ask, in scaled integers (see ledger.reporting) --------------------
    def summary_units(self, start: dt.date, end: dt.date) -> list[tuple]:
        return queries.summary_units(self.conn, start, end)

    def sales_lines(self, start: dt.date | None, end: dt.date | None) -> list[tuple]:
        return reporting.sales_lines(self.conn, start, end)

    def vat_lines(self, start: dt.date, end: dt.date) -> list[tuple]:
        return reporting.vat_lines(self.conn, start, end)

    def key_dates(self, end: dt.date) -> dict[tuple[str, str], tuple]:
        return reporting.key_dates(self.conn, end)

    def last_receipts(self, items: list[str]) -> dict[str, tuple[str, int]]:
        return reporting.last_receipts(self.conn, items)

    def sales_by_month(self, start: dt.date, end: dt.date) -> list[tuple]:
        return reporting.sales_by_month(self.conn, start, end)

    def income_by_month(self, start: dt.date, end: dt.date) -> list[tuple[str, str, str, int]]:
        return income.income_by_month(self.conn, start, end)

    def party_entries(self, party: str, start: dt.date, end: dt.date) -> tuple[int, list[tuple]]:
        return reporting.party_entries(self.conn, party, start, end)

    def printable(self, doc_no: str, journal: str | None = None) -> list[sqlite3.Row]:
        return reporting.printable(self.conn, doc_no, journal)

    def printed_lines(self, doc: int) -> list[sqlite3.Row]:
        return reporting.printed_lines(self.conn, doc)

    # -- checks ----------------------------------------------------------------------------
    def integrity(self) -> list[str]:
        """What SQLite's own check finds damaged in the file (nothing, for a sound ledger).
        Not done on every open (it reads the whole file); ``jxc verify`` is where it belongs."""
        return checks.integrity(self.conn)

    def verify(self) -> list[str]:
        """Recompute every running balance and every cost from the movements, hold every
        standing closing snapshot to them, every 增值税 figure to its lines, every money entry to its
        document, the exported vouchers to the documents they are of, and settle every party again (no
        advance applied beyond what was open); list differences."""
        self._whole()
        return (checks.figures(self.conn, self.settings) + checks.tax(self.conn)
                + periods.snapshot_differences(self.conn) + cash.differences(self.conn)
                + settlement.differences(self.conn) + voucher_exports.differences(self.conn))

    def backup(self, target: str | Path) -> list[str]:
        """A consistent copy of the whole ledger at ``target``, checked; returns what the check
        found wrong (nothing). A server's books are copied into a new SQLite file there."""
        if not self.server:
            return checks.backup(self.conn, Path(target))
        self._whole()
        with Ledger.open(target) as copy:
            return self.copy_to(copy).differences

    @contextlib.contextmanager
    def snapshot(self) -> Iterator["Ledger"]:
        """Every question asked inside sees the books as they were at its start (a post
        meanwhile is seen whole or not at all): for reading many tables, as `jxc export` does."""
        self.conn.begin_read()
        try:
            yield self
        finally:
            self.conn.execute("ROLLBACK")

    def table_rows(self, table: str) -> tuple[tuple[str, ...], Iterator[list[tuple]]]:
        """A table's columns and its rows as stored, a page at a time (see copying.table_rows)."""
        self._whole()
        if table not in self.conn.tables():
            return (), iter(())
        return copying.table_rows(self.conn, table)

    def _whole(self) -> None:
        """The whole books are copied or verified on a server only by a login that sees costs: a
        copy holds them all, and verifying recomputes them (采购 and 销售 read the books without
        them: a copy would be wrong, a check would find every cost wrong)."""
        if self.server and not self.sees_costs():
            raise LedgerError("denied", self.path, detail="采购和销售看不到成本，不能复制或核对整本账（备份、导出、核对请找财务或老板）"
                                                          " / a login that does not see costs cannot copy or verify the books")

    def copy_to(self, target: "Ledger") -> copying.Copied:
        """Every row of these books into the new ``target`` (another engine, as like as not),
        read back equal before it is committed; its figures then recomputed."""
        self._whole()
        return copying.copy(self, target)


def restore(ledger_path: str | Path, backup_path: str | Path, user: str | None = None,
            workbook: str = "") -> Path | None:
    """恢复: put a checked backup in place of the ledger; returns where the old ledger was kept
    (None when there was none). The restored ledger is upgraded if it is older, and the
    restore is written to its audit log. LedgerError when the backup is not a good jxc
    ledger, or the ledger is busy with a post, is another program's or newer.
    """
    if store.is_server(ledger_path):
        raise LedgerError("server_restore", ledger_path)
    ledger_path, backup_path = Path(ledger_path), Path(backup_path)
    aside = store.restore(ledger_path, backup_path)
    with Ledger.open(ledger_path, create=False) as ledger, ledger._transaction():
        meta.log(ledger, "restore", f"{backup_path} → {ledger_path}; 原账簿 / old ledger: {aside or '-'}",
                     user, workbook)
    return aside


__all__ = ["Ledger", "LedgerError", "PostResult", "Outcome", "Settings", "AuditRow", "restore"]
