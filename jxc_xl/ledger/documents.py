"""Posted documents read back as the models they were posted from.

A clerk edits a posted row, adds a row to a posted 单号, or deletes one: to say which row
and which cell changed (old → new), and to tell a changed document from one that only looks
different (a 金额 formula Excel has since calculated), the use cases compare the workbook's
rows with what the ledger holds. These functions give them that, in the models' terms.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

from ..domain.model import Document, DocType, Line, Source
from ..domain.money import from_cents, from_qty_units, from_unit_cost_units

_STANDING = ("SELECT * FROM documents WHERE journal = ? AND doc_no = ? AND reversal = 0 "
             "ORDER BY revision DESC LIMIT 1")


def _opt(value, convert):
    return None if value is None else convert(value)


def posted_document(conn: sqlite3.Connection, journal: str, doc_no: str) -> Document | None:
    """The latest posting of (journal, 单号) if it stands (not reversed), else None."""
    row = conn.execute(_STANDING, (journal, doc_no)).fetchone()
    if row is None or row["reversed_by"] is not None:
        return None
    lines = tuple(
        Line(item=r["item"], qty=from_qty_units(r["qty"]), price=_opt(r["price"], from_unit_cost_units),
             amount=_opt(r["amount"], from_cents), unit_cost=_opt(r["unit_cost"], from_unit_cost_units),
             note=r["note"] or "", source=Source(workbook=r["workbook"] or "", sheet=r["sheet"] or "", row=r["row"]))
        for r in conn.execute("SELECT * FROM lines WHERE doc = ? ORDER BY line_no", (row["id"],)))
    header: dict = {}
    if row["type"] == DocType.opening_balance.value:
        entries = conn.execute("SELECT side, amount, due_date FROM party_entries WHERE doc = ?", (row["id"],)).fetchall()
        sides = {e["side"]: from_cents(e["amount"]) for e in entries}
        header = {"receivable": sides.get("AR"), "payable": sides.get("AP"),
                  "due_date": dt.date.fromisoformat(entries[0]["due_date"]) if entries else None}
    return Document(type=row["type"], doc_no=row["doc_no"], date=dt.date.fromisoformat(row["date"]),
                    party=row["party"] or "", warehouse=row["warehouse"] or "", to_warehouse=row["to_warehouse"] or "",
                    source_doc_no=row["source_doc_no"] or "", amount=_opt(row["amount"], from_cents),
                    method=row["method"] or "", note=row["note"] or "", lines=lines,
                    source=Source(workbook=row["workbook"] or "", sheet=row["sheet"] or "", row=row["row"]), **header)


def standing_documents(conn: sqlite3.Connection, workbook: str) -> list[tuple[str, str, str, int | None]]:
    """(journal, 单号, sheet, row) of every document posted from ``workbook`` that stands in the
    books (its latest posting, not reversed) — what that workbook's rows must still show."""
    return [tuple(r) for r in conn.execute(
        "SELECT d.journal, d.doc_no, d.sheet, d.row FROM documents d WHERE d.reversal = 0 "
        "AND d.reversed_by IS NULL AND d.workbook = ? AND d.revision = (SELECT MAX(o.revision) "
        "FROM documents o WHERE o.journal = d.journal AND o.doc_no = d.doc_no AND o.reversal = 0) "
        "ORDER BY d.journal, d.doc_no", (workbook,))]
