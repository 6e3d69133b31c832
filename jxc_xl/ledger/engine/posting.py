"""Turn validated documents into ledger rows: documents, lines, movements, party entries.

A batch queues its rows (ids given as they are made) and writes them with one executemany
per table before anything reads the tables; the item × warehouse keys it touched are then
recosted once. When that fails, documents are written again one by one, each in its own
savepoint and recosted at once, so that a problem rolls that document back alone.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal

from ...domain.model import FULFILS, INVOICE_DIRECTION, INVOICED, ORDER_TYPES, Document, DocType, Line, PartyKind
from ...domain.money import (MONEY_SCALE, QTY_SCALE, UNIT_COST_SCALE, ZERO, cost_of, from_cents, from_qty_units,
                             from_rate_units, memo, mul_money, qty_text, to_cents, to_qty_units, to_rate_units,
                             to_unit_cost_units)
from ...domain.packed import COST_UNITS, DELIVERY, ITEM, NOTE, QTY_UNITS, ROW, STOCK_TYPES, Packed
from ...domain.problems import Problem
from ...domain.tax import Mismatch
from ...domain.validate import Masters, line_figures
from ...domain import order
from . import invoices, orders, settlement, slots
from .documents import posted_units
from . import recost as recosting
from .recost import Failure, Key, Settings, recost
from ..stores.schema import TABLES, quoted

# Within a day: openings and orders first (a receipt may fulfil an order of the same day), counts
# later, invoices last (an invoice covers a shipment of its own day, whatever their numbers).
RANK = {DocType.opening_stock: 0, DocType.opening_balance: 0, DocType.opening_cash: 0, DocType.purchase_order: 0,
        DocType.sales_order: 0, DocType.stock_count: 2, DocType.invoice_issued: 3, DocType.invoice_received: 3}
IN_TYPES = {DocType.purchase_receipt, DocType.sales_return, DocType.other_receipt, DocType.opening_stock}
SOURCE_TYPE = {DocType.purchase_return: DocType.purchase_receipt, DocType.sales_return: DocType.sales_shipment}
SIDE = {DocType.purchase_receipt: ("AP", 1), DocType.purchase_return: ("AP", -1),
        DocType.sales_shipment: ("AR", 1), DocType.sales_return: ("AR", -1)}
# Money documents' entries on the parties: (side, sign, kind) each, for the document's 金额. A 预收/
# 预付 is held apart as an advance; a 核销 applies an advance (+ on it) to what is owed (−), or nets
# what a party owes us against what we owe it.
PARTY_RULES = {
    DocType.customer_receipt: (("AR", -1, ""),), DocType.supplier_payment: (("AP", -1, ""),),
    DocType.advance_receipt: (("AR", -1, "advance"),), DocType.advance_payment: (("AP", -1, "advance"),),
    DocType.advance_to_receivable: (("AR", 1, "advance"), ("AR", -1, "")),
    DocType.advance_to_payable: (("AP", 1, "advance"), ("AP", -1, "")),
    DocType.netting: (("AR", -1, ""), ("AP", -1, "")),
}
# Money the other way is a refund: a 收款 from a party that is only a supplier raises what we owe it
# (its prepayment comes back, or we owe it what it sent), a 付款 to one that is only a customer
# raises what it owes us. A party that is both keeps the usual sides.
REFUND = {(DocType.customer_receipt, PartyKind.supplier): (("AP", 1, ""),),
          (DocType.supplier_payment, PartyKind.customer): (("AR", 1, ""),)}
# … and on the accounts money moved through: (the document's account field, sign) each.
CASH_RULES = {
    DocType.customer_receipt: (("account", 1),), DocType.supplier_payment: (("account", -1),),
    DocType.advance_receipt: (("account", 1),), DocType.advance_payment: (("account", -1),),
    DocType.expense: (("account", -1),), DocType.other_income: (("account", 1),),
    DocType.cash_transfer: (("account", -1), ("to_account", 1)), DocType.opening_cash: (("account", 1),),
}


# Later documents that stand on a posted one, which must be reversed before it can be: each
# query selects the 单号 of standing documents that depend on document ``?``, under the problem
# that refuses the reversal: the returns naming it as their 原单号, for an order the receipts and
# shipments that fulfil it, and the invoices (by 发票号码) that cover it.
DEPENDENT_QUERIES = (
    ("reverse_dependents", "SELECT doc_no FROM documents WHERE source_doc = ? AND reversal = 0 AND reversed_by IS NULL"),
    ("reverse_dependents", "SELECT DISTINCT d.doc_no FROM documents d JOIN lines f ON f.doc = d.id WHERE f.order_line IN "
                           "(SELECT id FROM lines WHERE doc = ?) AND d.reversal = 0 AND d.reversed_by IS NULL"),
    ("reverse_invoiced", "SELECT DISTINCT d.doc_no FROM documents d JOIN lines f ON f.doc = d.id WHERE f.covers = ? "
                         "AND d.reversal = 0 AND d.reversed_by IS NULL"),
    # the 预收/预付 held for an order, and the 核销 naming an advance or a shipment/receipt it applies
    ("reverse_dependents", "SELECT doc_no FROM documents WHERE order_doc = ? AND reversal = 0 AND reversed_by IS NULL"),
    ("reverse_dependents", "SELECT DISTINCT d.doc_no FROM documents d JOIN party_entries e ON e.doc = d.id "
                           "WHERE e.applies_to = ? AND d.reversal = 0 AND d.reversed_by IS NULL"),
)


def dependents(conn: sqlite3.Connection, doc_id: int) -> dict[str, list[str]]:
    """The 单号 of the standing documents that depend on the document ``doc_id``, by the problem
    each kind of them makes of its reversal (none: {})."""
    found: dict[str, list[str]] = {}
    for code, query in DEPENDENT_QUERIES:
        mine = found.setdefault(code, [])
        mine += [r[0] for r in conn.execute(query, (doc_id,)) if r[0] not in mine]
    return {code: numbers for code, numbers in found.items() if numbers}


@dataclass(frozen=True)
class Stamp:
    """Who posted, when, in which batch, from which workbook: written on a document's row only.
    Its lines keep the cell they were read from; its movements and entries keep neither, and are
    read with their document's stamps and their line's cell (the largest tables kept narrow:
    schemas 12 and 15)."""

    batch: int
    posted_at: str
    user: str
    workbook: str

    def row(self, sheet: str = "", row: int | None = None) -> dict:
        return {"batch": self.batch, "posted_at": self.posted_at, "user": self.user,
                "workbook": self.workbook, "sheet": sheet, "row": row}


def doc_order(date: dt.date, doc_type: DocType, doc_no: str) -> tuple:
    """Ledger order of new documents: date, openings and orders first and counts last in a day,
    then 单号 as text (the order their keys take: domain.order, slots.text)."""
    return date, RANK.get(doc_type, 1), slots.text(doc_no, doc_type.journal, 0, 0)


_WRITTEN = {table: tuple(TABLES[table]["columns"])
            for table in ("documents", "lines", "movements", "party_entries", "cash_entries")}
assert all(columns[0] == "id" for columns in _WRITTEN.values())     # Writer._insert queues the id first
# … and Writer._traded_lines queues lines and movements as these columns, in this order
assert _WRITTEN["lines"] == ("id", "doc", "line_no", "item", "qty", "price", "amount", "unit_cost", "source_line",
                             "note", "sheet", "row", "order_line",
                             "delivery_date", "tax_rate", "price_with_tax", "tax", "total_with_tax", "covers")
assert _WRITTEN["movements"] == ("id", "doc", "line", "leg", "date", "pos", "item", "warehouse", "direction", "rule",
                                 "base_qty", "fixed_value", "given_unit_cost", "link", "link_qty", "qty", "value",
                                 "unit_cost", "bal_qty", "bal_value", "last_unit", "touched")
_ITEM, _WAREHOUSE = recosting.QUEUED["item"], recosting.QUEUED["warehouse"]
_POSITIONED = (("documents", "id"), ("movements", "doc"), ("cash_entries", "doc"))    # (table, its document)
_PER_CENT = QTY_SCALE * UNIT_COST_SCALE // MONEY_SCALE       # 数量 × 单价 in units, per cent (money.cost_of)
_TWICE_PER_CENT = 2 * _PER_CENT
_LINE = order.LINE
assert order.move_key(0, 3, 0) == 3 * _LINE and order.move_key(0, 3, 1) == 3 * _LINE + 1
# the direction of a packed stock document's (first) movement: Writer._stock_lines
_STOCK_DIRECTION = {DocType.transfer: -1, DocType.stock_count: 0, DocType.other_receipt: 1, DocType.other_issue: -1,
                    DocType.opening_stock: 1}
_AT_COST = (DocType.other_receipt, DocType.opening_stock)       # at their 单位成本, where given (Writer._moves)


def _dirty(dirty: dict[Key, int], key: Key, pos: int) -> None:
    """Mark ``key`` to be recosted from ``pos`` on (its first move's, of those queued)."""
    first = dirty.get(key)
    if first is None or pos < first:
        dirty[key] = pos


class Writer:
    def __init__(self, conn: sqlite3.Connection, masters: Masters, settings: Settings, stamp: Stamp):
        self.conn, self.masters, self.settings, self.stamp = conn, masters, settings, stamp
        self.current: int | None = None     # the document being written, to tell its rows apart
        # When set, recosting waits for the end of the batch: the keys to replay gather here.
        self.deferred: dict[Key, int] | None = None
        self.slots = slots.Slots(conn)       # the days written into: each document's place in its day
        self._pending: dict[str, list[dict]] = {table: [] for table in _WRITTEN}
        self._shifts: dict[int, int] = {}         # document → how far _place moved its queued rows' keys
        self.credit_block = False           # 信用控制 = 禁止: refuse a shipment over the credit limit
        self._next: dict[str, int] | None = None     # the next id of each table, read when first needed
        self.figures: dict[int, tuple] = {}          # the last document written: its lines' 增值税 figures (units)
        # a batch's figures repeat (bench's 100,000 lines hold 46 quantities and 9,900 prices): each
        # distinct one is scaled once (measured: 0.6 of a 20,000-line post's 2.5 s went to quantize)
        self._qty_units = to_qty_units if recosting.REFERENCE else memo(to_qty_units)
        self._unit_units = to_unit_cost_units if recosting.REFERENCE else memo(to_unit_cost_units)
        self._rate_units = to_rate_units if recosting.REFERENCE else memo(to_rate_units)   # … and a 税率

    # -- rows: queued with their ids, written one executemany per table ----------------------
    def _insert(self, table: str, values: dict) -> int:
        """Queue a row and give it its id; :meth:`flush` writes the queue before anything reads
        the tables. Raw SQL, not sqlite-utils' insert: measured on 100,000 movement rows, its
        insert_all took 2.5 s against 0.37 s for one executemany (6.8×); one executemany per
        table instead of a statement per row halves what writing costs a 20,000-line post."""
        row_id = self._ids()[table]
        self._next[table] += 1
        # A row waits as the tuple written, a movement as a list its figures are filled into by
        # costing (recost.cost_queued); measured: a 100,000-line post's queued rows as dicts were
        # 150 MB at its peak, a lines row's dict 4× its tuple.
        queued = (row_id, *map(values.get, _WRITTEN[table][1:]))
        self._pending[table].append(list(queued) if table == "movements" else queued)
        return row_id

    def _ids(self) -> dict[str, int]:
        """The next id of each table (read when first needed, after a rollback afresh)."""
        if self._next is None:
            self._next = {t: self.conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {t}").fetchone()[0]
                          for t in _WRITTEN}
        return self._next

    def flush(self) -> None:
        self._shift()
        for table, rows in self._pending.items():
            if rows:
                columns = _WRITTEN[table]
                self.conn.executemany(f"INSERT INTO {table} ({', '.join(map(quoted, columns))}) VALUES "
                                      f"({', '.join('?' * len(columns))})",
                                      list(map(tuple, rows)) if table == "movements" else rows)
                if table == "movements":
                    self.conn.executemany("INSERT INTO stock_keys (item, warehouse) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                          {(row[_ITEM], row[_WAREHOUSE]) for row in rows})
                rows.clear()

    def queued(self, table: str) -> list[tuple | list]:
        """The rows of ``table`` queued and not yet written (their figures may still be filled in)."""
        self._shift()
        return self._pending[table]

    def forget(self) -> None:
        """After a rollback: nothing queued, and ids are read afresh."""
        for rows in self._pending.values():
            rows.clear()
        self._shifts.clear()
        self._next = None
        self.slots.forget()

    def _place(self, date: dt.date, doc_type: DocType, name: str) -> int:
        """A new document's key (see slots): where its day had no slot left between its neighbours,
        the day's documents are moved apart first — their rows written and queued, the replays
        marked from that day taken back to its first key (their order is kept; only the keys move)."""
        key, moved = self.slots.place(date, RANK.get(doc_type, 1), name)
        if moved:
            shifts = self._shifts
            for doc, delta in moved.items():
                shifts[doc] = shifts.get(doc, 0) + delta
            for table, column in _POSITIONED:
                extra = ", touched = ?" if table == "movements" else ""     # (a server lets a post touch only so)
                self.conn.executemany(f"UPDATE {table} SET pos = pos + ?{extra} WHERE {column} = ?",
                                      [(delta, *([self.stamp.batch] if extra else []), doc) for doc, delta in moved.items()])
            first = order.day_rank(key)
            for k, pos in (self.deferred or {}).items():
                if first <= pos < first + order.RANK:
                    self.deferred[k] = first
        return key

    def _shift(self) -> None:
        """Move the queued rows of the documents :meth:`_place` moved, all in one pass, before the
        queue is read or written. Measured: moving them at each renumbering, over the whole queue
        each time, made a batch that keeps typing documents ahead of a day's posted ones quadratic
        — 20,000 其他出库 of 5 lines over 200 days each holding a 其他入库 whose 单号 sorts after
        theirs, renumbered every ninth or tenth document: Ledger.post 156 s of 216 s under cProfile
        in _place."""
        shifts = self._shifts
        if not shifts:
            return
        for table, column in _POSITIONED:
            pos_at, doc_at, rows = _WRITTEN[table].index("pos"), _WRITTEN[table].index(column), self._pending[table]
            for n, row in enumerate(rows):
                delta = shifts.get(row[doc_at])
                if delta:
                    if table == "movements":                 # (a list, filled in by costing)
                        row[pos_at] += delta
                    else:
                        changed = list(row)
                        changed[pos_at] += delta
                        rows[n] = tuple(changed)
        shifts.clear()

    def _problem(self, doc: Document, code: str, field: str = "", line: int | None = None, **args) -> Problem:
        return Problem(code, doc.doc_no, line, field, args, doc.where(line))

    # -- one document ----------------------------------------------------------------------
    def write(self, doc: Document, revision: int, fingerprint: str) -> list[Problem]:
        """Queue ``doc``'s rows and recost what it touched — at once (the caller holds a savepoint),
        or at the batch's end when deferred, and then a refusal comes before any row is queued.
        A packed document (domain.packed) is written from its integers unless its customer has a
        信用额度 (then, or on the reference path, as its model)."""
        packed = doc.__class__ is Packed
        if packed and (recosting.REFERENCE or self._limited(doc)):
            doc, packed = doc.document(), False
        name = slots.text(doc.doc_no, doc.journal, revision, 0)
        pos = self._place(doc.date, doc.type, name)
        if packed:       # no 原单号, 订单号, invoice or 核销; no 信用额度 (above): nothing to link or refuse
            links = fulfils = covers = {}
            over, settles = None, settlement.Links()
        else:
            links, problems = self._source_links(doc)
            if not problems:
                doc, problems = self._taxed(doc, links)
            fulfils, more = self._order_links(doc)
            covers, uncovered = self._covers(doc)
            over, refused = self._credit(doc)
            settles, unsettled = self._settles(doc, pos)
            if problems or more or uncovered or refused or unsettled:
                return problems + more + uncovered + refused + unsettled
        invoice_type, deductible = self._invoice(doc, links)
        doc_id = self._insert("documents", {
            "journal": doc.journal, "doc_no": doc.doc_no, "revision": revision, "reversal": 0,
            "type": doc.type.value, "date": doc.date.isoformat(), "pos": pos, "party": doc.party,
            "warehouse": doc.warehouse, "to_warehouse": doc.to_warehouse,
            "source_doc_no": doc.source_doc_no, "source_doc": links.get("doc"),
            "amount": None if doc.amount is None else to_cents(doc.amount), "method": doc.method,
            "note": doc.note, "fingerprint": fingerprint, "credit_over": over, "invoice_type": invoice_type,
            "deductible": deductible, "account": doc.account, "to_account": doc.to_account,
            "category": doc.category, "order_doc": settles.order_doc,
            **self.stamp.row(*((doc.sheet, doc.first_row) if packed else (doc.source.sheet, doc.source.row)))})
        self.slots.hold(pos, name, doc_id)
        self.current = doc_id
        self.figures = {}
        # deferred: each key's first move is gathered there at once (measured: merging a dirty
        # dict per document into it was 0.1 s of bench's 100,000-line post)
        dirty: dict[Key, int] = {} if self.deferred is None else self.deferred
        total = 0
        date, qty_units, unit_units = doc.date.isoformat(), self._qty_units, self._unit_units
        queued = packed or not links and not fulfils and self._traded(doc)      # its lines in integers
        if queued:
            total = self._stock_lines(doc, doc_id, pos, dirty) if doc.type in STOCK_TYPES else \
                self._order_lines(doc, doc_id) if doc.type in ORDER_TYPES else \
                self._traded_lines(doc, doc_id, pos, deductible, dirty)
        for n, line in enumerate(() if queued else doc.lines, start=1):
            amount, tax, with_tax = self._cents(doc, line)
            total += with_tax or 0
            figures = line.figures
            price = figures.price if figures else line.price
            units = figures.units if figures is not None and not recosting.REFERENCE else None
            row = {
                "doc": doc_id, "line_no": n, "item": line.item, "qty": qty_units(line.qty),
                "price": units[1] if units else None if price is None else unit_units(price), "amount": amount,
                **({} if amount is None else {
                    "tax_rate": (units[0] if units else self._rate_units(figures.rate)) if figures else 0,
                    "tax": tax, "total_with_tax": with_tax,
                    "price_with_tax": (units[2] if units else unit_units(figures.price_with_tax)) if figures else None}),
                "unit_cost": None if line.unit_cost is None else unit_units(line.unit_cost),
                "source_line": links.get(n, [(None,)])[0][0], "order_line": fulfils.get(n), "note": line.note,
                "delivery_date": line.delivery_date.isoformat() if line.delivery_date else None,
                **(_invoiced(line, covers[n]) if covers else {}), "sheet": line.source.sheet, "row": line.source.row}
            line_id = self._insert("lines", row)
            if amount is not None and (posted := posted_units(row)) is not None:
                self.figures[n] = posted           # as the ledger holds them (read back: the same)
            previous = None
            for leg, move in enumerate(self._moves(doc, line, links.get(n), deductible, row)):
                mpos = order.move_key(pos, n, leg)
                key = (line.item, move.pop("warehouse"))
                dirty[key] = min(mpos, dirty.get(key, mpos))
                if move.get("link") == "previous":     # a transfer's receiving leg
                    move["link"] = previous
                previous = self._insert("movements", {"doc": doc_id, "line": line_id, "leg": leg,
                                           "date": date, "pos": mpos, "item": line.item,
                                           "warehouse": key[1], **move, "touched": self.stamp.batch})
        self._party_entries(doc, doc_id, total, settles)
        self._cash_entries(doc, doc_id, pos)
        return self._recost(doc, dirty)

    def _limited(self, doc: Packed) -> bool:
        """Whether a packed shipment's customer has a 信用额度 (:meth:`_credit` asks of its model)."""
        party = self.masters.parties.get(doc.party)
        return doc.type is DocType.sales_shipment and party is not None and party.credit_limit is not None

    def _traded(self, doc: Document) -> bool:
        """Whether :meth:`_traded_lines` queues ``doc``'s lines: a purchase, sale or return (naming no
        原单号 or 订单号: the caller asks) whose lines each have their 增值税 worked out in integers
        (tax.figures_in_units) or no tax and a 单价 alone (no 金额 typed). Not on the reference path."""
        if doc.type not in SIDE or recosting.REFERENCE or not doc.lines:
            return False
        for line in doc.lines:
            if line.figures is not None and line.figures.units is None:       # worked out in Decimal
                return False
            if line.figures is None and (line.amount is not None or line.price is None):
                return False
        return True

    def _traded_lines(self, doc: Document, doc_id: int, pos: int, deductible: int | None,
                      dirty: dict[Key, int]) -> int:
        """Queue the lines of a document :meth:`_traded` lets through and their movements as the
        tuples and lists written, in integers: the rows the general loop of :meth:`write` builds of
        them through dicts, column by column (tests/ledger/test_engine_rate.py posts random books
        both ways; test_properties.py holds both to the Decimal reference). Returns their 价税合计 in cents.

        Measured on bench's 100,000 lines (Ledger.post, CPU time, the loop and this run in turn
        twice on the shared machine): 7.0 s → 6.0 s; under cProfile, Writer.write 9.2 s → 4.1 s
        (the loop's dicts — a lines row, its stamp, its movement's, each mapped onto the columns
        by _insert — were most of it)."""
        lines, movements, ids = self._pending["lines"], self._pending["movements"], self._ids()
        batch = self.stamp.batch
        date, warehouse, direction = doc.date.isoformat(), doc.warehouse, 1 if doc.type in IN_TYPES else -1
        at_cost = doc.type is DocType.purchase_receipt      # (see _moves: the tax is cost unless deductible)
        rule = "fixed" if at_cost else "current"
        total = 0
        each = self._packed_lines(doc) if doc.__class__ is Packed else self._model_lines(doc)
        for n, (item, qty, price, amount, rate, with_tax, tax, gross, unit_cost, note, sheet, row, delivery) in \
                enumerate(each, start=1):
            total += gross
            line_id, move_id = ids["lines"], ids["movements"]
            ids["lines"], ids["movements"] = line_id + 1, move_id + 1
            lines.append((line_id, doc_id, n, item, qty, price, amount, unit_cost, None, note, sheet, row, None,
                          delivery, rate, with_tax, tax, gross, None))
            mpos = pos + n * _LINE                           # order.move_key(pos, n, 0)
            key = (item, warehouse)
            first = dirty.get(key)
            if first is None or mpos < first:
                dirty[key] = mpos
            movements.append([move_id, doc_id, line_id, 0, date, mpos, item, warehouse, direction, rule, qty,
                              (amount if deductible else gross) if at_cost else None, None, None, None,
                              None, None, None, None, None, None, batch])
        return total

    def _model_lines(self, doc: Document):
        """Each line of a model :meth:`_traded` lets through as :meth:`_traded_lines` queues it:
        (item, 数量, 单价, 金额, 税率, 含税单价, 税额, 价税合计, 单位成本, 备注, sheet, row, 交货日期), in units.
        Its 增值税 figures are kept for the outcome (:attr:`figures`)."""
        qty_units, unit_units = self._qty_units, self._unit_units
        for n, line in enumerate(doc.lines, start=1):
            qty, figures = qty_units(line.qty), line.figures
            if figures is not None:
                rate, price, with_tax, amount, tax, gross = figures.units
                if rate or tax:
                    self.figures[n] = figures.units
            else:
                price = unit_units(line.price)
                amount = _cost(qty, price)
                rate, with_tax, tax, gross = 0, None, 0, amount
            source = line.source
            yield (line.item, qty, price, amount, rate, with_tax, tax, gross,
                   None if line.unit_cost is None else unit_units(line.unit_cost), line.note, source.sheet, source.row,
                   line.delivery_date.isoformat() if line.delivery_date else None)

    def _packed_lines(self, doc: Packed):
        """:meth:`_model_lines` of a packed document: its lines' units as they are (no cost; a 金额
        typed as typed, as :meth:`_cents` takes it, else 数量 × 单价; a taxed line's figures as
        plain_packed worked them out, kept for the outcome as :meth:`_model_lines` keeps them)."""
        sheet = doc.sheet
        for n, (item, _, _, note, row, qty, price, _, typed, _, _, figures, _, _, _) in enumerate(doc.units, start=1):
            if figures is not None:
                rate, price, with_tax, amount, tax, gross = units = figures.units
                if rate or tax:
                    self.figures[n] = units
                yield item, qty, price, amount, rate, with_tax, tax, gross, None, note, sheet, row, None
                continue
            amount = _cost(qty, price) if typed is None else typed
            yield item, qty, price, amount, 0, None, 0, amount, None, note, sheet, row, None

    def _order_lines(self, doc: Packed, doc_id: int) -> int:
        """Queue a packed order's lines as the general loop of :meth:`write` queues an order's: each
        priced as :meth:`_packed_lines` prices a trade's line (its 增值税 figures kept for the outcome),
        with its 交货日期; no movement (:meth:`_moves` has none for an order) and nothing owed
        (:meth:`_party_entries` has none): returns their 价税合计 in cents, which nothing asks.
        tests/ledger/test_packed.py posts random batches of them packed and as models."""
        lines, ids, total = self._pending["lines"], self._ids(), 0
        for n, ((item, qty, price, amount, rate, with_tax, tax, gross, _, note, sheet, row, _), line) in \
                enumerate(zip(self._packed_lines(doc), doc.units), start=1):
            day, line_id = line[DELIVERY], ids["lines"]
            ids["lines"] = line_id + 1
            total += gross
            lines.append((line_id, doc_id, n, item, qty, price, amount, None, None, note, sheet, row, None,
                          None if day is None else day.isoformat(), rate, with_tax, tax, gross, None))
        return total

    def _stock_lines(self, doc: Packed, doc_id: int, pos: int, dirty: dict[Key, int]) -> int:
        """Queue a packed stock document's lines and movements as :meth:`_traded_lines` queues a
        trade's, by the rules of :meth:`_moves` written out: a transfer out of its warehouse at the
        current cost and, linked to that, into the other; a count at its counted 数量 (and its
        单位成本, where given); a 其他入库 at its 单位成本 (else the current cost); a 其他出库 at the
        current cost; a 期初库存 at its 单位成本. Nothing priced: no 金额, so nothing owed (returns 0).
        tests/ledger/test_packed.py posts random batches of them packed and as models."""
        lines, movements, ids = self._pending["lines"], self._pending["movements"], self._ids()
        batch, kind, sheet = self.stamp.batch, doc.type, doc.sheet
        date, warehouse, to_warehouse = doc.date.isoformat(), doc.warehouse, doc.to_warehouse
        direction = _STOCK_DIRECTION[kind]
        for n, line in enumerate(doc.units, start=1):
            item, qty, cost = line[ITEM], line[QTY_UNITS], line[COST_UNITS]
            line_id, move_id = ids["lines"], ids["movements"]
            lines.append((line_id, doc_id, n, item, qty, None, None, cost, None, line[NOTE], sheet, line[ROW], None,
                          None, None, None, None, None, None))
            rule, fixed, given = "current", None, None
            if kind is DocType.stock_count:
                rule, given = "count", cost
            elif kind in _AT_COST and cost is not None:
                rule, fixed = "fixed", cost_of(qty, cost)
            mpos = pos + n * _LINE                           # order.move_key(pos, n, 0)
            movements.append([move_id, doc_id, line_id, 0, date, mpos, item, warehouse, direction, rule, qty, fixed,
                              given, None, None, None, None, None, None, None, None, batch])
            _dirty(dirty, (item, warehouse), mpos)
            if kind is DocType.transfer:                     # its receiving leg, linked to the first
                movements.append([move_id + 1, doc_id, line_id, 1, date, mpos + 1, item, to_warehouse, 1, "linked",
                                  qty, None, None, move_id, None, None, None, None, None, None, None, batch])
                _dirty(dirty, (item, to_warehouse), mpos + 1)
            ids["lines"], ids["movements"] = line_id + 1, move_id + 1 + (kind is DocType.transfer)
        return 0

    def _amounts(self, doc: Document, line: Line) -> tuple[Decimal | None, Decimal, Decimal | None]:
        """A priced line's 金额, 税额 and 价税合计 (a line with no tax: 金额, 0, 金额)."""
        if doc.type not in SIDE and doc.type not in ORDER_TYPES:
            return None, ZERO, None
        if line.figures is not None:
            return line.figures.amount, line.figures.tax, line.figures.total_with_tax
        amount = line.amount if line.amount is not None else mul_money(line.qty, line.price or ZERO)
        return amount, ZERO, amount

    def _cents(self, doc: Document, line: Line) -> tuple[int | None, int, int | None]:
        """:meth:`_amounts` in cents, the untaxed 数量 × 单价 multiplied as scaled integers (exact:
        validation let no more places through than the units hold)."""
        if doc.type not in SIDE and doc.type not in ORDER_TYPES:
            return None, 0, None
        units = line.figures.units if line.figures is not None and not recosting.REFERENCE else None
        if units:                   # worked out in integers (tax.figures_in_units)
            return units[3:]
        if line.figures is not None or line.amount is not None or recosting.REFERENCE:
            amount, tax, with_tax = self._amounts(doc, line)
            return to_cents(amount), to_cents(tax), to_cents(with_tax)
        amount = cost_of(self._qty_units(line.qty), self._unit_units(line.price or ZERO))
        return amount, 0, amount

    def _taxed(self, doc: Document, links: dict) -> tuple[Document, list[Problem]]:
        """A return naming its 原单号 takes the source's 税率 line by line (the rate of the source
        line it returns): its figures are worked out again at that rate."""
        if not links:
            return doc, []
        lines, problems = list(doc.lines), []
        for n, line in enumerate(doc.lines, start=1):
            parts = links.get(n)
            if not parts:
                continue
            rate = from_rate_units(links["rates"][parts[0][0]])
            if line.tax_rate is not None and line.tax_rate != rate:
                problems.append(self._problem(doc, "return_differs", "税率", n, value=f"{line.tax_rate:%}",
                                              source=doc.source_doc_no, expected=f"{rate:%}"))
                continue
            if not rate and line.figures is None:
                continue
            found = line_figures(line, rate)
            if isinstance(found, Mismatch):
                problems.append(self._problem(doc, "tax_mismatch", found.field, n, value=f"{found.typed:f}",
                                              expected=f"{found.expected:f}"))
            else:
                lines[n - 1] = line.model_copy(update={"figures": found})
        return doc.model_copy(update={"lines": tuple(lines)}), problems

    def _invoice(self, doc: Document, links: dict) -> tuple[str | None, int | None]:
        """A purchase's 发票类型 (its own, a return's source's, else 专票 for a 一般纳税人 and 普票
        for a 小规模纳税人) and whether its 税额 is deductible 进项税额: fixed as it posts."""
        if doc.type in INVOICED:                 # an invoice's own 发票类型; nothing is deducted by it
            return doc.invoice_type or None, None
        if doc.journal != "purchases":
            return None, None
        general = self.masters.general_taxpayer
        kind = links.get("invoice_type") or doc.invoice_type or ("special" if general else "ordinary")
        return kind, int(general and kind == "special")

    def _moves(self, doc: Document, line: Line, links: list[tuple] | None, deductible: int | None,
               row: dict) -> list[dict]:
        """The stock movements of one line (``row``: its lines row): their rule and inputs;
        costing fills the rest."""
        qty = row["qty"]
        base = {"warehouse": doc.warehouse, "base_qty": qty}
        t = doc.type
        if t in ORDER_TYPES or t in INVOICED:
            return []
        if t is DocType.transfer:
            return [{**base, "direction": -1, "rule": "current"},
                    {**base, "warehouse": doc.to_warehouse, "direction": 1, "rule": "linked",
                     "link": "previous"}]
        if t is DocType.stock_count:
            return [{**base, "direction": 0, "rule": "count", "given_unit_cost": row["unit_cost"]}]
        direction = 1 if t in IN_TYPES else -1
        if links:
            return [{**base, "base_qty": link_qty, "direction": direction, "rule": "linked",
                     "link": movement, "link_qty": link_qty} for _, movement, link_qty in links]
        if t is DocType.purchase_receipt:        # the tax is cost unless it is deductible 进项税额
            value = row["amount"] if deductible else row["total_with_tax"]
        elif t in _AT_COST and line.unit_cost is not None:
            value = cost_of(qty, row["unit_cost"])
        else:
            return [{**base, "direction": direction, "rule": "current"}]
        return [{**base, "direction": direction, "rule": "fixed", "fixed_value": value}]


    def _source_links(self, doc: Document) -> tuple[dict, list[Problem]]:
        """For a return naming its 原单号: which source lines (and movements) each line returns.

        A return line is spread over the source's lines of the same item, in line order, as
        far as each still has quantity unreturned. Returns {"doc": id, n: [(line, movement, qty)]}.
        """
        if doc.type not in SOURCE_TYPE or not doc.source_doc_no:
            return {}, []
        src, problems = self._source_document(doc)
        return ({}, problems) if problems else self._spread(doc, src)

    def _source_document(self, doc: Document) -> tuple[sqlite3.Row | None, list[Problem]]:
        """The standing document a return's 原单号 names: same journal, the returned type, dated
        no later than the return, the same party."""
        source_type = SOURCE_TYPE[doc.type]
        self.flush()
        src = self.conn.execute(
            "SELECT id, party, reversed_by, date, invoice_type FROM documents WHERE journal=? AND doc_no=? AND type=? "
            "AND reversal=0 ORDER BY revision DESC LIMIT 1",
            (doc.journal, doc.source_doc_no, source_type.value)).fetchone()
        if src is None or src["reversed_by"] is not None or src["date"] > doc.date.isoformat():
            return None, [self._problem(doc, "source_missing", "原单号", value=doc.source_doc_no,
                                        expected=source_type.label)]
        if src["party"] != doc.party:
            return None, [self._problem(doc, "source_party", "原单号", value=doc.source_doc_no,
                                        expected=src["party"])]
        return src, []

    def _spread(self, doc: Document, src: sqlite3.Row) -> tuple[dict, list[Problem]]:
        """Each return line over the source's lines of its item, as far as each is unreturned."""
        links: dict = {"doc": src["id"], "invoice_type": src["invoice_type"], "rates": {}}
        problems: list[Problem] = []
        left = {row["id"]: row for row in self.conn.execute(
            "SELECT l.id, l.item, l.tax_rate, l.qty - COALESCE((SELECT SUM(r.qty) FROM lines r JOIN documents d "
            "ON d.id = r.doc WHERE r.source_line = l.id AND d.reversed_by IS NULL), 0) AS left, "
            "(SELECT m.id FROM movements m WHERE m.line = l.id) AS movement "
            "FROM lines l WHERE l.doc = ? ORDER BY l.line_no", (src["id"],))}
        remaining = {i: row["left"] for i, row in left.items()}
        links["rates"] = {i: row["tax_rate"] or 0 for i, row in left.items()}
        for n, line in enumerate(doc.lines, start=1):
            wanted, parts = to_qty_units(line.qty), []
            candidates = [i for i, row in left.items() if row["item"] == line.item]
            if not candidates:
                problems.append(self._problem(doc, "source_item", "商品编码", n, value=doc.source_doc_no,
                                              item=line.item))
                continue
            for i in candidates:
                take = min(wanted, remaining[i])
                if take > 0:
                    parts.append((i, left[i]["movement"], take))
                    remaining[i] -= take
                    wanted -= take
            if wanted > 0:
                available = sum(p[2] for p in parts)
                problems.append(self._problem(doc, "return_exceeds", "数量", n, value=_qty(line.qty),
                                              source=doc.source_doc_no, item=line.item,
                                              expected=_qty(from_qty_units(available))))
            links[n] = parts
        return links, problems

    def _order_links(self, doc: Document) -> tuple[dict[int, int], list[Problem]]:
        """For a receipt or shipment: the order line each line naming a 订单号 fulfils. The order
        must stand, be the party's, be dated no later, list the item and still have it open (what
        earlier lines of this document take from it counted)."""
        wanted = [(n, line) for n, line in enumerate(doc.lines, start=1) if line.order_no]
        if doc.type not in FULFILS or not wanted:
            return {}, []
        self.flush()
        order_type, links, problems, taken = FULFILS[doc.type], {}, [], {}
        for n, line in wanted:
            order = orders.standing_order(self.conn, order_type.journal, line.order_no)
            found = None if order is None else orders.figures(self.conn, order["id"]).get(line.item)
            args = {"value": line.order_no}
            if order is None:
                problems.append(self._problem(doc, "order_missing", "订单号", n, **args, expected=order_type.label))
            elif order["party"] != doc.party:
                problems.append(self._problem(doc, "order_party", "订单号", n, **args, expected=order["party"]))
            elif order["date"] > doc.date.isoformat():
                problems.append(self._problem(doc, "order_dated_later", "订单号", n, **args, expected=order["date"]))
            elif found is None:
                problems.append(self._problem(doc, "order_item", "商品编码", n, **args, item=line.item))
            else:
                asked = to_qty_units(line.qty)
                left = found.open - taken.get((order["id"], line.item), 0)
                if asked > left:
                    problems.append(self._problem(doc, "order_exceeds", "数量", n, **args, item=line.item,
                                                  expected=qty_text(max(left, 0)),
                                                  asked=qty_text(asked)))
                taken[(order["id"], line.item)] = taken.get((order["id"], line.item), 0) + asked
                links[n] = found.line
        return links, problems

    def _covers(self, doc: Document) -> tuple[dict[int, int], list[Problem]]:
        """For an invoice: the document each line covers — standing, of the invoice's 方向 and party,
        dated no later — and within what may be invoiced of it: never over its 价税合计 net of its
        returns, never (a 红字发票) below 0, what earlier lines of this invoice take counted."""
        if doc.type not in INVOICED:
            return {}, []
        self.flush()
        kind, links, problems, taken = INVOICED[doc.type], {}, [], {}
        for n, line in enumerate(doc.lines, start=1):
            found = invoices.standing(self.conn, kind, line.covers)
            args = {"value": line.covers}
            if found is None:
                problems.append(self._problem(doc, "invoice_doc_missing", "单号", n, **args, expected=kind.label,
                                              direction=INVOICE_DIRECTION[doc.type]))
            elif found["party"] != doc.party:
                problems.append(self._problem(doc, "invoice_doc_party", "往来单位", n, **args, expected=found["party"],
                                              party=doc.party))
            elif found["date"] > doc.date.isoformat():
                problems.append(self._problem(doc, "invoice_doc_later", "开票日期", n, **args, expected=found["date"],
                                              date=doc.date.isoformat()))
            else:
                net, invoiced = invoices.figures(self.conn, found["id"])
                invoiced += taken.get(found["id"], 0)
                asked = to_cents(line.total_with_tax)
                shown = {"expected": _yuan(net), "invoiced": _yuan(invoiced), "asked": _yuan(asked),
                         "left": _yuan(max(net - invoiced, 0))}
                if invoiced + asked > net:
                    problems.append(self._problem(doc, "invoice_exceeds", "价税合计", n, **args, **shown))
                elif invoiced + asked < 0:
                    problems.append(self._problem(doc, "invoice_below_zero", "价税合计", n, **args, **shown))
                taken[found["id"]] = taken.get(found["id"], 0) + asked
                links[n] = found["id"]
        return links, problems

    def _credit(self, doc: Document) -> tuple[int | None, list[Problem]]:
        """A shipment to a customer with a 信用额度: by how much (cents) it takes what the customer
        owes over the limit, if it does — refused instead when credit control blocks."""
        party = self.masters.parties.get(doc.party)
        if doc.type is not DocType.sales_shipment or party is None or party.credit_limit is None:
            return None, []
        self.flush()
        (owed,) = self.conn.execute("SELECT COALESCE(SUM(amount), 0) FROM party_entries WHERE party = ? "
                                    "AND side = 'AR'", (doc.party,)).fetchone()
        after = owed + sum(to_cents(self._amounts(doc, line)[2] or ZERO) for line in doc.lines)
        over = after - to_cents(party.credit_limit)
        if over <= 0:
            return None, []
        if not self.credit_block:
            return over, []
        return None, [self._problem(doc, "credit_limit", "客户", value=doc.party, expected=f"{from_cents(after):,}",
                                    limit=f"{party.credit_limit:,.2f}", over=f"{from_cents(over):,}")]

    def _settles(self, doc: Document, pos: int) -> tuple[settlement.Links, list[Problem]]:
        """The order a 预收/预付 names, what a 核销 applies and whether that much is open: see
        settlement.links. Refused as row errors."""
        if doc.type not in settlement.ORDER_OF and doc.type not in settlement.SOURCES:
            return settlement.Links(), []
        self.flush()
        found, refused = settlement.links(self.conn, doc, pos, PARTY_RULES[doc.type])
        return found, [self._problem(doc, code, field, **args) for code, field, args in refused]

    def _party_entries(self, doc: Document, doc_id: int, lines_total: int,
                       settles: settlement.Links = settlement.Links()) -> None:
        """What ``doc`` makes its party owe or be owed; ``lines_total``: its lines' 价税合计 in cents."""
        party = self.masters.parties.get(doc.party)
        terms = dt.timedelta(days=party.terms_days if party else 0)
        due = (doc.due_date or doc.date + terms).isoformat()
        entries: list[tuple[str, int, str]] = []
        if doc.type is DocType.opening_balance:
            entries = [(side, to_cents(amount), "") for side, amount in (("AR", doc.receivable), ("AP", doc.payable))
                       if amount]
        elif doc.type in SIDE:
            side, sign = SIDE[doc.type]
            entries = [(side, sign * lines_total, "")]
        elif doc.type in PARTY_RULES and doc.party:
            rules = REFUND.get((doc.type, party.kind if party else None), PARTY_RULES[doc.type])
            entries = [(side, sign * to_cents(doc.amount or ZERO), kind) for side, sign, kind in rules]
        for side, amount, kind in entries:
            self._insert("party_entries", {"doc": doc_id, "date": doc.date.isoformat(), "party": doc.party,
                                           "side": side, "amount": amount, "due_date": due, "kind": kind,
                                           "order_doc": settles.order_doc if kind else None,
                                           "applies_to": settles.applies.get((side, kind)),
                                           })

    def _cash_entries(self, doc: Document, doc_id: int, pos: int) -> None:
        """The money a document moved in (+) or out (−) of the accounts it names."""
        for field, sign in CASH_RULES.get(doc.type, ()):
            account = getattr(doc, field)
            if account:
                self._insert("cash_entries", {"doc": doc_id, "date": doc.date.isoformat(), "pos": pos,
                                              "account": account, "amount": sign * to_cents(doc.amount or ZERO),
                                              "party": doc.party})

    def _recost(self, doc: Document, dirty: dict[Key, int]) -> list[Problem]:
        if self.deferred is not None:
            if dirty is not self.deferred:
                for key, pos in dirty.items():
                    self.deferred[key] = min(pos, self.deferred.get(key, pos))
            return []
        self.flush()
        failure = recost(self.conn, self.settings, dirty).failure
        return [] if failure is None else [self.failure_problem(doc, failure)]

    def failure_problem(self, doc: Document, failure: Failure) -> Problem:
        row = failure.movement
        own = row["doc"] == self.current
        line = None
        if own:
            line = self.conn.execute("SELECT line_no FROM lines WHERE id=(SELECT line FROM movements WHERE id=?)",
                                     (row["id"],)).fetchone()[0]
        if failure.kind == "closed":
            return self._problem(doc, "closed_period", "日期", line, value=row["date"],
                                 closed=self.settings.closed_through.isoformat())
        if failure.kind == "no_cost":
            return self._problem(doc, "no_unit_cost", "单位成本", line, item=failure.item,
                                 warehouse=failure.warehouse)
        later = later_en = ""
        if not own:
            other = self.conn.execute("SELECT doc_no FROM documents WHERE id=?", (row["doc"],)).fetchone()[0]
            later = f"（会使后面的单据“{other}”库存不足）"
            later_en = f" (document '{other}' further on would go short)"
        return self._problem(doc, "negative_stock", "数量", line, item=failure.item,
                             warehouse=failure.warehouse, date=row["date"], value=_qty(failure.needed),
                             expected=_qty(failure.available), later=later, later_en=later_en)

    # -- reversal --------------------------------------------------------------------------
    def reverse(self, original: sqlite3.Row, date: dt.date) -> list[Problem]:
        """Post the exact opposite of ``original``: every movement and entry, linked to it."""
        name = slots.text(original["doc_no"], original["journal"], original["revision"], 1)
        pos = self._place(date, DocType(original["type"]), name)
        values = {k: original[k] for k in ("journal", "doc_no", "revision", "type", "party", "warehouse",
                                           "to_warehouse", "source_doc_no", "source_doc", "amount",
                                           "method", "fingerprint", "invoice_type", "deductible", "account",
                                           "to_account", "category", "order_doc")}
        rev_id = self._insert("documents", {**values, "reversal": 1, "date": date.isoformat(), "pos": pos,
                                            "note": f"红字冲销 {original['doc_no']}",
                                            "reverses": original["id"], **self.stamp.row()})
        self.slots.hold(pos, name, rev_id)
        self.conn.execute("UPDATE documents SET reversed_by=? WHERE id=?", (rev_id, original["id"]))
        self.current = rev_id
        line_ids = {}
        for line in self.conn.execute("SELECT * FROM lines WHERE doc=? ORDER BY line_no", (original["id"],)).fetchall():
            line_ids[line["id"]] = self._insert("lines", {
                "doc": rev_id, "line_no": line["line_no"], "item": line["item"], "qty": -line["qty"],
                "price": line["price"], "amount": _negated(line["amount"]), "unit_cost": line["unit_cost"],
                "tax_rate": line["tax_rate"], "price_with_tax": line["price_with_tax"], "tax": _negated(line["tax"]),
                "total_with_tax": _negated(line["total_with_tax"]), "covers": line["covers"], "note": "红字冲销"})
        dirty: dict[Key, int] = {}
        for m in self.conn.execute("SELECT * FROM movements WHERE doc=? ORDER BY pos", (original["id"],)).fetchall():
            mpos = order.move_key(pos, *order.line_leg(m["pos"]))
            key = (m["item"], m["warehouse"])
            dirty[key] = min(mpos, dirty.get(key, mpos))
            self._insert("movements", {
                "doc": rev_id, "line": line_ids[m["line"]], "leg": m["leg"], "date": date.isoformat(),
                "pos": mpos, "item": m["item"], "warehouse": m["warehouse"], "direction": -m["direction"],
                "rule": "linked", "base_qty": abs(m["qty"] or 0), "link": m["id"], "touched": self.stamp.batch})
        for e in self.conn.execute("SELECT * FROM party_entries WHERE doc=?", (original["id"],)).fetchall():
            self._insert("party_entries", {"doc": rev_id, "date": date.isoformat(), "party": e["party"],
                                           "side": e["side"], "amount": -e["amount"], "due_date": e["due_date"],
                                           "link": e["id"], "kind": e["kind"], "order_doc": e["order_doc"],
                                           "applies_to": e["applies_to"]})
        for e in self.conn.execute("SELECT * FROM cash_entries WHERE doc=?", (original["id"],)).fetchall():
            self._insert("cash_entries", {"doc": rev_id, "date": date.isoformat(), "pos": pos, "account": e["account"],
                                          "amount": -e["amount"], "party": e["party"], "link": e["id"]})
        self.flush()
        stub = Document(type=original["type"], doc_no=original["doc_no"], date=date)
        applied = self._advance_taken_back(original["id"])
        if applied:
            return [self._problem(stub, "reverse_applied", "单号", value=original["doc_no"], expected="、".join(applied))]
        failure = recost(self.conn, self.settings, dirty).failure
        return [] if failure is None else [self.failure_problem(stub, failure)]

    def _advance_taken_back(self, doc_id: int) -> list[str]:
        """The 核销 that would apply more than is open once the advance of ``doc_id`` is reversed
        (those naming it stand in DEPENDENT_QUERIES; these took it as the oldest)."""
        found: list[str] = []
        for party, side in self.conn.execute("SELECT DISTINCT party, side FROM party_entries WHERE doc = ? AND "
                                             "kind = ? AND amount < 0", (doc_id, settlement.ADVANCE)).fetchall():
            over = settlement.settle(settlement.entries(self.conn, party, side)).over
            found += [e.doc_no for e, _ in over if e.doc_no not in found]
        return found


def _invoiced(line: Line, covers: int | None) -> dict:
    """An invoice line's columns: the document it covers and its figures as typed (cents)."""
    cents = lambda v: None if v is None else to_cents(v)      # noqa: E731
    return {"covers": covers, "amount": cents(line.amount), "tax": cents(line.tax), "total_with_tax": cents(line.total_with_tax)}


def _cost(qty: int, price: int) -> int:
    """money.cost_of written out for a product not below 0 (measured: 0.1 s of 100,000 lines)."""
    product = qty * price
    return (2 * product + _PER_CENT) // _TWICE_PER_CENT if product >= 0 else cost_of(qty, price)


def _yuan(cents: int) -> str:
    return f"{from_cents(cents):,}"


def _negated(value: int | None) -> int | None:
    return None if value is None else -value


def _qty(value: object) -> str:
    return format(Decimal(value).normalize(), "f") if value is not None else ""
