"""发票 in the books: the document an invoice line may cover, and what each has had invoiced.

An invoice line covers one standing 销售出库 (开出) or 采购入库 (收到) by its id (``lines.covers``)
with the 价税合计 it invoices (negative on a 红字发票). What may be invoiced of a document is its own
价税合计 less that of the standing returns naming it as their 原单号; what it has had invoiced is
the sum over the standing invoices covering it. All in cents.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ...domain.model import INVOICED, DocType

_STANDING = "{t}.reversal = 0 AND {t}.reversed_by IS NULL"
_RETURNED = ("SELECT r.source_doc, SUM(l.total_with_tax) FROM documents r JOIN lines l ON l.doc = r.id WHERE "
             + _STANDING.format(t="r") + " AND r.source_doc {which} GROUP BY r.source_doc")
_INVOICED = ("SELECT l.covers, SUM(l.total_with_tax), MAX(i.date) FROM lines l JOIN documents i ON i.id = l.doc WHERE "
             + _STANDING.format(t="i") + " AND l.covers {which} GROUP BY l.covers")


def standing(conn: sqlite3.Connection, kind: DocType, doc_no: str) -> sqlite3.Row | None:
    """The standing (latest, not reversed) document of type ``kind`` numbered ``doc_no``, if any."""
    row = conn.execute("SELECT id, type, party, date, reversed_by FROM documents WHERE journal = ? AND doc_no = ? "
                       "AND reversal = 0 ORDER BY revision DESC LIMIT 1", (kind.journal, doc_no)).fetchone()
    return row if row is not None and row["reversed_by"] is None and row["type"] == kind.value else None


def figures(conn: sqlite3.Connection, doc_id: int) -> tuple[int, int]:
    """(its 价税合计 net of its returns, what standing invoices have invoiced of it) of a document."""
    (own,) = conn.execute("SELECT COALESCE(SUM(total_with_tax), 0) FROM lines WHERE doc = ?", (doc_id,)).fetchone()
    returned = conn.execute(_RETURNED.format(which="= ?"), (doc_id,)).fetchone()
    invoiced = conn.execute(_INVOICED.format(which="= ?"), (doc_id,)).fetchone()
    return own - (returned[1] if returned else 0), invoiced[1] if invoiced else 0


@dataclass(frozen=True)
class Invoicing:
    """One standing 销售出库 or 采购入库 with tax, and how far it is invoiced."""

    type: str
    doc_no: str
    date: str
    party: str
    total_with_tax: int   # 价税合计 net of its returns
    invoiced: int
    last: str | None      # the date of the latest invoice covering it


def invoicing(conn: sqlite3.Connection) -> list[Invoicing]:
    """Every standing document an invoice may cover that has tax on a line, in date order: three
    grouped reads (not a look-up per document), so a big ledger's 开票跟踪 stays quick. An old
    ledger read as it is has no tax columns, and nothing to invoice."""
    if "total_with_tax" not in conn.columns("lines"):
        return []
    kinds = ", ".join(f"'{t.value}'" for t in INVOICED.values())
    returned = dict(conn.execute(_RETURNED.format(which="IS NOT NULL")).fetchall())
    invoiced = {r[0]: (r[1], r[2]) for r in conn.execute(_INVOICED.format(which="IS NOT NULL"))}
    rows = conn.execute(
        "SELECT d.id, d.type, d.doc_no, d.date, d.party, SUM(l.total_with_tax) FROM documents d JOIN lines l ON l.doc = d.id "
        f"WHERE d.type IN ({kinds}) AND {_STANDING.format(t='d')} GROUP BY d.id, d.type, d.doc_no, d.date, d.party "
        "HAVING SUM(CASE WHEN l.tax <> 0 THEN 1 ELSE 0 END) > 0 ORDER BY d.date, d.doc_no")
    return [Invoicing(kind, doc_no, date, party, total - returned.get(i, 0), *invoiced.get(i, (0, None)))
            for i, kind, doc_no, date, party, total in rows]
