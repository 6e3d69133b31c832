"""The ledger: an append-only SQLite file of posted documents and the costs they carry.

Open it, give it the masters, post documents, ask it questions::

    ledger = Ledger.open("books.jxc.db")
    ledger.upsert_masters(items=[...], parties=[...], warehouses=[...])
    result = ledger.post([document, ...], user="王会计")
    ledger.stock(as_of=date(2026, 11, 30))
"""
from __future__ import annotations

import datetime as dt
import getpass
import sqlite3
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..model import CostMethod, Document, Item, Party, PartyKind, Source, Warehouse
from ..money import (from_cents, from_qty_units, from_unit_cost_units, to_cents, to_qty_units,
                     to_unit_cost_units)
from ..problems import Problem
from ..validate import Masters, validate
from . import queries
from .posting import Stamp, Writer, doc_pos
from .recost import Settings, recost
from .schema import Transaction, connect, ensure


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


def _user(user: str | None) -> str:
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:      # no login name (a service account): still record something
        return "unknown"


class Ledger:
    """One SQLite ledger file. Every write is one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, conn: sqlite3.Connection, path: str = ":memory:"):
        self.conn = conn
        self.path = path
        self.db = ensure(conn)

    @classmethod
    def open(cls, path: str | Path, cost_method: CostMethod | str | None = None,
             allow_negative: bool | None = None) -> "Ledger":
        """Open (creating if new) the ledger at ``path``; settings given apply to a new ledger."""
        ledger = cls(connect(str(path)), str(path))
        if cost_method is not None and ledger.settings.method != CostMethod(cost_method):
            problem = ledger.set_cost_method(cost_method)
            if problem:
                raise ValueError(problem.message)
        if allow_negative is not None:
            ledger.set_allow_negative(allow_negative)
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

    def _set_meta(self, key: str, value: str | None) -> None:
        with self._transaction():
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def settings(self) -> Settings:
        closed = self._meta("closed_through")
        return Settings(CostMethod(self._meta("cost_method") or CostMethod.moving_average.value),
                        self._meta("allow_negative") == "1",
                        dt.date.fromisoformat(closed) if closed else None)

    def has_postings(self) -> bool:
        return self.conn.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is not None

    def set_cost_method(self, method: CostMethod | str) -> Problem | None:
        """Choose the costing method; refused once anything is posted (costs would change)."""
        method = CostMethod(method)
        if method == self.settings.method:
            return None
        if self.has_postings():
            return Problem("bad_value", field="成本方法", args={
                "value": method.value, "expected": f"账簿已有过账记录，成本方法（{self.settings.method.value}）不能再更改；"
                                                   "如需改用其他方法，请新建账簿并录入期初"})
        self._set_meta("cost_method", method.value)
        return None

    def set_allow_negative(self, allow: bool) -> None:
        self._set_meta("allow_negative", "1" if allow else "0")

    def close_period(self, through: dt.date | None) -> None:
        """结账: nothing dated on or before ``through`` may be posted (None reopens all)."""
        self._set_meta("closed_through", through.isoformat() if through else None)

    # -- masters ---------------------------------------------------------------------------
    def upsert_masters(self, items: list[Item] = (), parties: list[Party] = (),
                       warehouses: list[Warehouse] = ()) -> None:
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
        return Transaction(self.conn)

    def validate(self, documents: list[Document]) -> list[Problem]:
        """Every problem the masters and settings can find, without posting anything."""
        masters, closed = self.masters(), self.settings.closed_through
        return [p for doc in documents for p in validate(doc, masters, closed)[1]]

    def post(self, documents: list[Document], user: str | None = None, workbook: str = "",
             masters: Masters | None = None, dry_run: bool = False) -> PostResult:
        """Post a batch in (date, 单号) order in one transaction; bad documents are left out.

        ``masters`` overrides the ledger's (a workbook being checked); ``dry_run`` finds every
        problem posting would meet, stock shortages included, and then rolls everything back.
        """
        masters, settings = masters or self.masters(), self.settings
        outcomes: dict[int, Outcome] = {}
        checked: list[tuple[int, Document, str]] = []
        seen: dict[tuple[str, str], str] = {}
        latest = self.latest_documents()
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
        result = PostResult()
        with self._transaction() as tx:
            stamp = self._stamp(user, workbook)
            writer = Writer(self.conn, masters, settings, stamp)
            outcomes.update(self._post_all(writer, checked, latest))
            if any(o.status == "posted" for o in outcomes.values()) and not dry_run:
                result.batch = stamp.batch
            else:
                tx.rollback()
        result.outcomes = [outcomes[i] for i in sorted(outcomes)]
        return result

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
        if recost(self.conn, writer.settings, dirty) is None:
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
        found = self.conn.execute(
            f"SELECT * FROM documents WHERE doc_no = ? AND reversal = 0 {where} ORDER BY revision DESC",
            [doc_no, *args]).fetchall()
        journals = sorted({r["journal"] for r in found})
        problem = None
        if not found:
            problem = Problem("not_found", doc_no, None, "单号", {"value": doc_no})
        elif len(journals) > 1:
            problem = Problem("ambiguous", doc_no, None, "单号", {"value": doc_no, "expected": "、".join(journals)})
        elif found[0]["reversed_by"] is not None:
            problem = Problem("already_reversed", doc_no, None, "单号", {"value": doc_no})
        original = found[0] if found else None
        date = date or (dt.date.fromisoformat(original["date"]) if original else None)
        closed = self.settings.closed_through
        if problem is None and closed and date <= closed:
            problem = Problem("closed_period", doc_no, None, "日期",
                              {"value": date.isoformat(), "closed": closed.isoformat()})
        if problem:
            return PostResult(None, [Outcome(doc_no, journal or "", "error", (problem,))])
        with self._transaction() as tx:
            stamp = self._stamp(user, workbook)
            problems = Writer(self.conn, self.masters(), self.settings, stamp).reverse(original, date)
            if problems:
                tx.rollback()
                return PostResult(None, [Outcome(doc_no, original["journal"], "error", tuple(problems))])
        return PostResult(stamp.batch, [Outcome(doc_no, original["journal"], "posted")])

    # -- questions -------------------------------------------------------------------------
    def latest_documents(self) -> dict[tuple[str, str], sqlite3.Row]:
        """(journal, 单号) → its latest posting: revision, fingerprint, the digest of its workbook
        rows, batch, time, and the batch that reversed it (if one did)."""
        return {(r[0], r[1]): r for r in self.conn.execute(
            "SELECT d.journal, d.doc_no, d.revision, d.fingerprint, d.raw_hash, d.reversed_by, d.batch, "
            "d.posted_at, r.batch AS reversed_batch FROM documents d LEFT JOIN documents r "
            "ON r.id = d.reversed_by WHERE d.reversal = 0 ORDER BY d.revision")}

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
        ledger_id = self._meta("ledger_id")
        if ledger_id is None:
            with self._transaction():
                self.conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('ledger_id', ?)",
                                  (uuid.uuid4().hex[:12],))
            ledger_id = self._meta("ledger_id")
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
        if isinstance(found, list):
            differences += [f"movement {u[-1]}: 重算成本与账簿不符 {u[:-1]}" for u in found]
        else:
            differences.append(f"{found.item}@{found.warehouse}: 重算失败 {found.kind}")
        return differences


def _src(doc: Document) -> Source:
    return doc.lines[0].source if doc.lines else doc.source


__all__ = ["Ledger", "PostResult", "Outcome", "Settings"]
