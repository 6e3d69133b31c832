"""The ledger: an append-only SQLite file of posted documents and the costs they carry.

Open it, give it the masters, post documents, ask it questions::

    ledger = Ledger.open("books.jxc.db")
    ledger.upsert_masters(items=[...], parties=[...], warehouses=[...])
    result = ledger.post([document, ...], user="王会计")
    ledger.stock(as_of=date(2026, 11, 30))
"""
from __future__ import annotations

import datetime as dt
import functools
import getpass
import inspect
import platform
import sqlite3
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..domain.model import CostMethod, Document, Item, Party, PartyKind, Source, Warehouse
from ..domain.money import (from_cents, from_qty_units, from_unit_cost_units, to_cents, to_qty_units,
                     to_unit_cost_units)
from ..domain.problems import Problem
from ..domain.validate import Masters, check_items, check_parties, check_reversal_date, validate
from . import documents, queries, store
from .errors import LedgerError, file_error
from .posting import Stamp, Writer, dependents, doc_pos
from .recost import Settings, recost
from .schema import Transaction


@dataclass(frozen=True)
class Outcome:
    """What became of one document: posted, already (posted before, unchanged) or error."""

    doc_no: str
    journal: str
    status: str
    problems: tuple[Problem, ...] = ()
    source: Source = Source()


@dataclass
class PostResult:
    batch: int | None = None
    outcomes: list[Outcome] = field(default_factory=list)

    def _with(self, status: str) -> list[str]:
        return [o.doc_no for o in self.outcomes if o.status == status]

    @property
    def posted(self) -> list[str]:
        return self._with("posted")

    @property
    def already(self) -> list[str]:
        return self._with("already")

    @property
    def problems(self) -> list[Problem]:
        return [p for o in self.outcomes for p in o.problems]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class AuditRow:
    """One entry of the audit log: who did what to the books, when, from where."""

    at: str
    user: str
    action: str
    detail: str
    workbook: str
    machine: str


def _user(user: str | None) -> str:
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:      # no login name (a service account): still record something
        return "unknown"


METHOD_EN = {CostMethod.moving_average: "moving average", CostMethod.fifo: "FIFO",
             CostMethod.monthly_average: "monthly weighted average"}


def _file_errors(cls):
    """Every public method of the ledger answers a damaged, locked or unwritable file with a
    LedgerError (one line saying what to do) instead of SQLite's exception."""
    def guard(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as exc:
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
    """One SQLite ledger file. Every write is one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, conn: sqlite3.Connection, path: str = ":memory:", read_only: bool = False):
        self.conn = conn
        self.path = path
        self.read_only = read_only

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
        ledger = cls(store.open_connection(Path(path), create, read_only), str(path), read_only)
        if cost_method is not None and ledger.settings.method != CostMethod(cost_method):
            problem = ledger.set_cost_method(cost_method)
            if problem:
                raise ValueError(problem.message)
        if allow_negative is not None:
            problem = ledger.set_allow_negative(allow_negative)
            if problem:
                raise ValueError(problem.message)
        return ledger

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- settings --------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def _put_meta(self, key: str, value: str | None) -> None:
        """Inside the caller's transaction."""
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def settings(self) -> Settings:
        closed = self._meta("closed_through")
        return Settings(CostMethod(self._meta("cost_method") or CostMethod.moving_average.value),
                        self._meta("allow_negative") == "1",
                        dt.date.fromisoformat(closed) if closed else None)

    def has_postings(self) -> bool:
        return self.conn.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is not None

    # Each setter decides and writes in one write transaction: another process cannot post,
    # or move the setting, between the check and the change.
    def set_cost_method(self, method: CostMethod | str) -> Problem | None:
        """Choose the costing method; refused once anything is posted (costs would change)."""
        method = CostMethod(method)
        if method == self.settings.method:
            return None
        with self._transaction():
            current = self.settings.method
            if method != current and self.has_postings():
                return Problem("cost_method_locked", field="成本方法", args={
                    "value": method.label, "value_en": METHOD_EN[method],
                    "expected": current.label, "expected_en": METHOD_EN[current]})
            self._put_meta("cost_method", method.value)
        return None

    def set_allow_negative(self, allow: bool) -> Problem | None:
        """Allow or refuse negative stock. Refusing it again is itself refused while any
        balance in the books has been below zero: every later posting that replays over it
        would fail, naming old documents the clerk cannot change."""
        if allow == self.settings.allow_negative:
            return None
        with self._transaction():
            found = [] if allow else self.conn.execute(
                "SELECT item, warehouse, MIN(date) FROM movements WHERE bal_qty < 0 "
                "GROUP BY item, warehouse ORDER BY 3, 1, 2").fetchall()
            if found:
                shown = "、".join(f"{i}@{w} {d}" for i, w, d in found[:3])
                more = f" 等 {len(found)} 处" if len(found) > 3 else ""
                return Problem("negative_balances", field="允许负库存", args={"value": shown + more})
            self._put_meta("allow_negative", "1" if allow else "0")
        return None

    def close_period(self, through: dt.date | None, user: str | None = None, workbook: str = "") -> bool:
        """结账 through ``through``: nothing dated on or before it may be posted or reversed.

        The closed-through date only moves forward here (an earlier date or None leaves it as
        it is: a cleared or mistyped cell must not reopen the books); returns whether it moved.
        Moving it is written to the audit log. :meth:`reopen` is the only way back.
        """
        return through is not None and self._move_closed(
            through, "close", lambda closed: closed is None or through > closed, user, workbook)

    def reopen(self, through: dt.date | None, user: str | None = None, workbook: str = "") -> bool:
        """反结账 back to ``through`` (None: nothing closed); logged with who, when and where.
        Returns whether anything was reopened (``through`` earlier than the closed date)."""
        return self._move_closed(through, "reopen", lambda closed: closed is not None and (
            through is None or through < closed), user, workbook)

    def _move_closed(self, new: dt.date | None, action: str, allowed, user: str | None, workbook: str) -> bool:
        """Move the closed-through date to ``new`` if ``allowed(old)``, judged again once the
        write lock is held (another process may have moved it meanwhile), and log it."""
        if not allowed(self.settings.closed_through):
            return False
        with self._transaction():
            old = self.settings.closed_through
            if not allowed(old):
                return False
            self._put_meta("closed_through", new.isoformat() if new else None)
            self._log(action, f"{old.isoformat() if old else '-'} → {new.isoformat() if new else '-'}",
                      user, workbook)
        return True

    def _log(self, action: str, detail: str, user: str | None, workbook: str) -> None:
        """One audit row, inside the caller's transaction."""
        self.conn.execute("INSERT INTO audit(at, user, action, detail, workbook, machine) VALUES (?,?,?,?,?,?)",
                          (dt.datetime.now().isoformat(timespec="seconds"), _user(user), action, detail,
                           workbook, platform.node()))

    def audit_log(self) -> list[AuditRow]:
        """The audit log, oldest first (empty on an older ledger read as it is)."""
        if self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit'").fetchone() is None:
            return []
        return [AuditRow(*r) for r in self.conn.execute(
            "SELECT at, user, action, detail, workbook, machine FROM audit ORDER BY id")]

    # -- masters ---------------------------------------------------------------------------
    def upsert_masters(self, items: list[Item] = (), parties: list[Party] = (),
                       warehouses: list[Warehouse] = ()) -> list[Problem]:
        """Store the masters; those with a figure the ledger cannot hold are left out and
        come back as problems (doc_no is the master's code)."""
        item_problems, party_problems = check_items(items), check_parties(parties)
        items = [i for i in items if i.sku not in {p.doc_no for p in item_problems}]
        parties = [p for p in parties if p.code not in {p.doc_no for p in party_problems}]

        def money(v: Decimal | None) -> int | None:
            return None if v is None else to_cents(v)

        def qty(v: Decimal | None) -> int | None:
            return None if v is None else to_qty_units(v)

        with self._transaction():
            self.conn.executemany(
                "INSERT OR REPLACE INTO items VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(i.sku, i.name, i.spec, i.unit, i.category, i.barcode,
                  None if i.purchase_price is None else to_unit_cost_units(i.purchase_price),
                  None if i.sale_price is None else to_unit_cost_units(i.sale_price),
                  qty(i.min_qty), qty(i.max_qty), int(i.inactive)) for i in items])
            self.conn.executemany(
                "INSERT OR REPLACE INTO parties VALUES (?,?,?,?,?,?,?,?)",
                [(p.code, p.name, p.kind.value, p.contact, p.phone, p.address, money(p.credit_limit),
                  p.terms_days) for p in parties])
            self.conn.executemany("INSERT OR REPLACE INTO warehouses VALUES (?,?)",
                                  [(w.code, w.name) for w in warehouses])
        return item_problems + party_problems

    def masters(self) -> Masters:
        def opt(v, conv):
            return None if v is None else conv(v)

        items = {r["sku"]: Item(sku=r["sku"], name=r["name"], spec=r["spec"] or "", unit=r["unit"] or "",
                                category=r["category"] or "", barcode=r["barcode"] or "",
                                purchase_price=opt(r["purchase_price"], from_unit_cost_units),
                                sale_price=opt(r["sale_price"], from_unit_cost_units),
                                min_qty=opt(r["min_qty"], from_qty_units), max_qty=opt(r["max_qty"], from_qty_units),
                                inactive=bool(r["inactive"]))
                 for r in self.conn.execute("SELECT * FROM items")}
        parties = {r["code"]: Party(code=r["code"], name=r["name"], kind=PartyKind(r["kind"]),
                                    contact=r["contact"] or "", phone=r["phone"] or "",
                                    address=r["address"] or "", credit_limit=opt(r["credit_limit"], from_cents),
                                    terms_days=r["terms_days"] or 0)
                   for r in self.conn.execute("SELECT * FROM parties")}
        warehouses = {r["code"]: Warehouse(code=r["code"], name=r["name"])
                      for r in self.conn.execute("SELECT * FROM warehouses")}
        return Masters(items, parties, warehouses)

    # -- posting ---------------------------------------------------------------------------
    def _transaction(self):
        if self.read_only:
            raise LedgerError("read_only", self.path)
        return Transaction(self.conn)

    def post(self, documents: list[Document], user: str | None = None, workbook: str = "",
             masters: Masters | None = None, dry_run: bool = False) -> PostResult:
        """Post a batch in (date, 单号) order in one transaction; bad documents are left out.

        ``masters`` overrides the ledger's (a workbook being checked); ``dry_run`` finds every
        problem posting would meet, stock shortages included, and then rolls everything back.
        What is already posted is read inside the batch's write transaction, so two processes
        posting the same documents at once post each exactly once (the later finds it posted).
        """
        result = PostResult()
        with self._transaction() as tx:
            masters, settings = masters or self.masters(), self.settings
            latest = self.latest_documents()
            outcomes, checked = self._check_all(documents, masters, settings, latest)
            stamp = self._stamp(user, workbook)
            writer = Writer(self.conn, masters, settings, stamp)
            outcomes.update(self._post_all(writer, checked, latest))
            if any(o.status == "posted" for o in outcomes.values()) and not dry_run:
                result.batch = stamp.batch
            else:
                tx.rollback()
        result.outcomes = [outcomes[i] for i in sorted(outcomes)]
        return result

    def _check_all(self, documents: list[Document], masters: Masters, settings: Settings,
                   latest: dict[tuple[str, str], sqlite3.Row]) -> tuple[dict[int, Outcome], list]:
        """Outcomes of the documents already posted or in error; the others, validated and in
        ledger order, with their fingerprints: (index in the batch, document, fingerprint)."""
        outcomes: dict[int, Outcome] = {}
        checked: list[tuple[int, Document, str]] = []
        seen: dict[tuple[str, str], str] = {}
        for i, doc in enumerate(documents):
            key = (doc.journal, doc.doc_no)
            raw = doc.fingerprint()
            found = latest.get(key)
            if found is not None and found["fingerprint"] == raw:   # typed by code and unchanged: nothing to do
                outcomes[i] = Outcome(doc.doc_no, doc.journal, "already", source=_src(doc))
                continue
            resolved, problems = validate(doc, masters, settings.closed_through)
            fingerprint = raw if resolved is doc else resolved.fingerprint()
            if not problems and key in seen:
                if seen[key] == fingerprint:
                    outcomes[i] = Outcome(doc.doc_no, doc.journal, "already", source=_src(doc))
                    continue
                problems = [Problem("duplicate_in_batch", doc.doc_no, None, "单号", {"value": doc.doc_no}, _src(doc))]
            if problems:
                outcomes[i] = Outcome(doc.doc_no, doc.journal, "error", tuple(problems), _src(doc))
                continue
            seen[key] = fingerprint
            checked.append((i, resolved, fingerprint))
        checked.sort(key=lambda entry: doc_pos(entry[1].date, entry[1].type, entry[1].doc_no, 0, 0))
        return outcomes, checked

    def _post_all(self, writer: Writer, checked: list[tuple[int, Document, str]],
                  latest: dict[tuple[str, str], sqlite3.Row]) -> dict[int, Outcome]:
        """Write every document, then recost each touched item × warehouse once.

        Should that final recost find a shortage (or a cost it cannot set), the batch is
        written again recosting after each document, so that exactly the documents that
        cause it are refused — the same outcome, only slower.
        """
        self.conn.execute("SAVEPOINT batch")
        writer.deferred = {}
        outcomes = {i: self._post_one(writer, doc, fp, latest.get((doc.journal, doc.doc_no)))
                    for i, doc, fp in checked}
        dirty, writer.deferred = writer.deferred, None
        if recost(self.conn, writer.settings, dirty).failure is None:
            self.conn.execute("RELEASE batch")
            return outcomes
        self.conn.execute("ROLLBACK TO batch")
        self.conn.execute("RELEASE batch")
        return {i: self._post_one(writer, doc, fp, latest.get((doc.journal, doc.doc_no))) for i, doc, fp in checked}

    def _stamp(self, user: str | None, workbook: str) -> Stamp:
        now = dt.datetime.now().isoformat(timespec="seconds")
        user = _user(user)
        batch = self.conn.execute("INSERT INTO batches(posted_at, user, workbook) VALUES (?,?,?)",
                                  (now, user, workbook)).lastrowid
        return Stamp(batch, now, user, workbook)

    def _post_one(self, writer: Writer, doc: Document, fingerprint: str, existing: sqlite3.Row | None) -> Outcome:
        """``existing``: the latest posting of the same 单号 before this batch (a batch holds each once)."""
        revision = 1
        if existing is not None:
            if existing["fingerprint"] == fingerprint:
                return Outcome(doc.doc_no, doc.journal, "already", source=_src(doc))
            if existing["reversed_by"] is None:
                problem = Problem("duplicate_changed", doc.doc_no, None, "单号", {"value": doc.doc_no}, _src(doc))
                return Outcome(doc.doc_no, doc.journal, "error", (problem,), _src(doc))
            revision = existing["revision"] + 1
        self.conn.execute("SAVEPOINT doc")
        problems = writer.write(doc, revision, fingerprint)
        if problems:
            self.conn.execute("ROLLBACK TO doc")
        self.conn.execute("RELEASE doc")
        status = "error" if problems else "posted"
        return Outcome(doc.doc_no, doc.journal, status, tuple(problems), _src(doc))

    def reverse(self, doc_no: str, journal: str | None = None, date: dt.date | None = None,
                user: str | None = None, workbook: str = "") -> PostResult:
        """红字冲销: post the exact opposite of a posted document, dated ``date`` (default its own)."""
        where, args = ("AND journal = ?", [journal]) if journal else ("", [])
        with self._transaction() as tx:        # decided on what is committed once the lock is ours
            found = self.conn.execute(
                f"SELECT * FROM documents WHERE doc_no = ? AND reversal = 0 {where} ORDER BY revision DESC",
                [doc_no, *args]).fetchall()
            original = found[0] if found else None
            date = date or (dt.date.fromisoformat(original["date"]) if original else None)
            problem = self._reversal_problem(doc_no, found, date)
            if problem:
                tx.rollback()
                return PostResult(None, [Outcome(doc_no, journal or "", "error", (problem,))])
            stamp = self._stamp(user, workbook)
            problems = Writer(self.conn, self.masters(), self.settings, stamp).reverse(original, date)
            if problems:
                tx.rollback()
                return PostResult(None, [Outcome(doc_no, original["journal"], "error", tuple(problems))])
        return PostResult(stamp.batch, [Outcome(doc_no, original["journal"], "posted")])

    def _reversal_problem(self, doc_no: str, found: list[sqlite3.Row], date: dt.date | None) -> Problem | None:
        """Why the latest posting in ``found`` may not be reversed on ``date``, if it may not:
        not posted, ambiguous, already reversed, a date before the original's or in a closed
        period, or later documents that stand on it (returns naming it) and must go first."""
        def problem(code: str, field: str = "单号", **args) -> Problem:
            return Problem(code, doc_no, None, field, {"value": doc_no, **args})

        journals = sorted({r["journal"] for r in found})
        if not found:
            return problem("not_found")
        if len(journals) > 1:
            return problem("ambiguous", expected="、".join(journals))
        original = found[0]
        if original["reversed_by"] is not None:
            return problem("already_reversed")
        dated = check_reversal_date(doc_no, date, dt.date.fromisoformat(original["date"]),
                                    self.settings.closed_through)
        if dated:
            return dated
        standing = dependents(self.conn, original["id"])
        if standing:
            return problem("reverse_dependents", expected="、".join(standing))
        return None

    # -- questions -------------------------------------------------------------------------
    def latest_documents(self) -> dict[tuple[str, str], sqlite3.Row]:
        """(journal, 单号) → its latest posting: revision, fingerprint, the digest of its workbook
        rows, batch, time, and the batch that reversed it (if one did)."""
        return {(r[0], r[1]): r for r in self.conn.execute(
            "SELECT d.journal, d.doc_no, d.revision, d.fingerprint, d.raw_hash, d.reversed_by, d.batch, "
            "d.posted_at, r.batch AS reversed_batch FROM documents d LEFT JOIN documents r "
            "ON r.id = d.reversed_by WHERE d.reversal = 0 ORDER BY d.revision")}

    def posted_document(self, journal: str, doc_no: str) -> Document | None:
        """The latest posting of (journal, 单号) as the Document it was posted from, if it stands."""
        return documents.posted_document(self.conn, journal, doc_no)

    def standing_documents(self, workbook: str) -> list[tuple[str, str, str, int | None]]:
        """(journal, 单号, sheet, row) of every standing document posted from ``workbook``."""
        return documents.standing_documents(self.conn, workbook)

    def doc_numbers(self, journal: str, prefix: str) -> list[str]:
        """Every 单号 of ``journal`` that starts with ``prefix`` (for numbering the next one)."""
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT doc_no FROM documents WHERE journal = ? AND substr(doc_no, 1, ?) = ?",
            (journal, len(prefix), prefix))]

    def backup(self, target: str | Path) -> list[str]:
        """A consistent copy of the whole ledger at ``target`` (SQLite's online backup: safe while
        another program posts), then checked; returns what the check found wrong (nothing)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        copy = sqlite3.connect(str(target))
        try:
            self.conn.backup(copy)
            problems = [r[0] for r in copy.execute("PRAGMA integrity_check")]
        finally:
            copy.close()
        return [p for p in problems if p != "ok"]

    def digests(self) -> dict[tuple[str, str], str]:
        """(journal, 单号) → the digest of its workbook rows when its latest posting was made:
        rows that still hash to it need not be read again."""
        return {key: row["raw_hash"] for key, row in self.latest_documents().items() if row["raw_hash"]}

    def remember_digests(self, digests: list[tuple[str, str, str]]) -> None:
        """Record (journal, 单号, digest) for the latest posting of each document."""
        with self._transaction():
            self.conn.executemany(
                "UPDATE documents SET raw_hash = ? WHERE id = (SELECT id FROM documents WHERE journal = ? "
                "AND doc_no = ? AND reversal = 0 ORDER BY revision DESC LIMIT 1)", digests)

    def count_differences(self) -> dict[tuple[str, int], Decimal]:
        """(单号, line) → the gain (+) or loss (−) each standing count line posted."""
        rows = self.conn.execute(
            "SELECT d.doc_no, l.line_no, m.qty FROM documents d JOIN lines l ON l.doc = d.id "
            "JOIN movements m ON m.line = l.id WHERE d.type = 'stock_count' AND d.reversal = 0 "
            "AND d.reversed_by IS NULL")
        return {(r[0], r[1]): from_qty_units(r[2]) for r in rows}

    def stock(self, as_of: dt.date | None = None, item: str | None = None, warehouse: str | None = None,
              by_item: bool = False) -> list[queries.StockRow]:
        return queries.stock(self.conn, as_of, item, warehouse, by_item)

    def journal(self, after_batch: int | None = None) -> tuple[int, list[tuple]]:
        return queries.journal(self.conn, after_batch)

    def generation(self) -> str:
        """This ledger as of its last batch: "<ledger id>:<batch>:<its time>", the mark a written-out
        journal keeps so that the next run rewrites only what changed since."""
        ledger_id = self._meta("ledger_id") or ""         # made with the ledger (or its upgrade)
        last = self.conn.execute("SELECT id, posted_at FROM batches ORDER BY id DESC LIMIT 1").fetchone()
        return f"{ledger_id}:{last[0]}:{last[1]}" if last else f"{ledger_id}:0:"

    def batch_of(self, generation: str) -> int | None:
        """The batch a generation mark names, if it is this ledger's history (not another ledger's,
        nor a batch number reused after a backup was restored); else None."""
        ledger_id, _, rest = generation.partition(":")
        batch, _, when = rest.partition(":")
        if ledger_id != self._meta("ledger_id") or not batch.isdigit():
            return None
        if batch == "0":
            return 0
        row = self.conn.execute("SELECT posted_at FROM batches WHERE id = ?", (int(batch),)).fetchone()
        return int(batch) if row is not None and row[0] == when else None

    def stock_card(self, item: str | None = None, warehouse: str | None = None,
                   start: dt.date | None = None, end: dt.date | None = None) -> list[queries.CardRow]:
        return queries.stock_card(self.conn, item, warehouse, start, end)

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        """Stock value, receivables and payables over the whole ledger (every date)."""
        return queries.totals(self.conn)

    def balance(self, party: str, as_of: dt.date | None = None, side: str | None = None) -> Decimal:
        return queries.balance(self.conn, party, as_of, side)

    def open_items(self, party: str, side: str = "AR", as_of: dt.date | None = None):
        return queries.open_items(self.conn, party, side, as_of)

    def aging(self, as_of: dt.date, side: str = "AR", party: str | None = None) -> list[queries.AgingRow]:
        return queries.aging(self.conn, as_of, side, party)

    def summary(self, start: dt.date, end: dt.date) -> list[queries.SummaryRow]:
        return queries.summary(self.conn, start, end)

    def gross_profit(self, start: dt.date | None = None, end: dt.date | None = None) -> list[queries.ProfitRow]:
        return queries.gross_profit(self.conn, start, end)

    def integrity(self) -> list[str]:
        """What SQLite's own check finds damaged in the file (nothing, for a sound ledger).
        Not done on every open (it reads the whole file); ``jxc verify`` is where it belongs."""
        return [r[0] for r in self.conn.execute("PRAGMA quick_check") if r[0] != "ok"]

    def verify(self) -> list[str]:
        """Recompute every running balance and every cost from the movements; list differences."""
        differences = [
            f"{item}@{wh} {pos}: 结存 {from_qty_units(bq)}/{from_cents(bv)} ≠ 累计 {from_qty_units(sq)}/{from_cents(sv)}"
            for item, wh, pos, bq, bv, sq, sv in self.conn.execute(
                "SELECT item, warehouse, pos, bal_qty, bal_value, rq, rv FROM (SELECT item, warehouse, pos, "
                "bal_qty, bal_value, SUM(qty) OVER w AS rq, SUM(value) OVER w AS rv FROM movements "
                "WINDOW w AS (PARTITION BY item, warehouse ORDER BY pos ROWS UNBOUNDED PRECEDING)) "
                "WHERE bal_qty != rq OR bal_value != rv")]
        keys = {(r[0], r[1]): "" for r in self.conn.execute("SELECT DISTINCT item, warehouse FROM movements")}
        found = recost(self.conn, self.settings, keys, dry_run=True)
        differences += [f"movement {u[-1]}: 重算成本与账簿不符 {u[:-1]}" for u in found.differences]
        if found.failure:
            differences.append(f"{found.failure.item}@{found.failure.warehouse}: 重算失败 {found.failure.kind}")
        return differences


def _src(doc: Document) -> Source:
    return doc.lines[0].source if doc.lines else doc.source


def restore(ledger_path: str | Path, backup_path: str | Path, user: str | None = None,
            workbook: str = "") -> Path | None:
    """恢复: put a checked backup in place of the ledger; returns where the old ledger was kept
    (None when there was none). The restored ledger is upgraded if it is older, and the
    restore is written to its audit log. LedgerError when the backup is not a good jxc
    ledger, or the ledger is busy with a post, is another program's or newer.
    """
    ledger_path, backup_path = Path(ledger_path), Path(backup_path)
    aside = store.restore(ledger_path, backup_path)
    with Ledger.open(ledger_path, create=False) as ledger, ledger._transaction():
        ledger._log("restore", f"{backup_path} → {ledger_path}; 原账簿 / old ledger: {aside or '-'}",
                    user, workbook)
    return aside


__all__ = ["Ledger", "LedgerError", "PostResult", "Outcome", "Settings", "AuditRow", "restore"]
