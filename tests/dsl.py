"""A compact table form for scenario tests.

    | date       | type     | no | party | wh | to | item | qty | price | cost | src |
    | 2026-03-02 | 采购入库 | P1 | S1    | W1 |    | A    | 10  | 4     |      |     |

Rows with the same 单号 and type form one document (one line per row); an optional ``order``
column is a receipt or shipment line's 订单号. ``qty`` is the
counted quantity on a 盘点 row; ``price`` is the amount for 收款/付款 and "应收/应付" for 期初往来.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jxc_xl.domain.model import DOC_TYPE_LABELS, Document, DocType, Line, Source

TYPES = {label: t for t, label in DOC_TYPE_LABELS.items()}


def table(text: str) -> list[dict[str, str]]:
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.strip().splitlines() if line.strip()]
    header, body = rows[0], rows[1:]
    return [dict(zip(header, row)) for row in body]


def _dec(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def docs(text: str, sheet: str = "test") -> list[Document]:
    grouped: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    for n, row in enumerate(table(text), start=2):
        grouped.setdefault((row["type"], row["no"]), []).append((n, row))
    out = []
    for (label, no), rows in grouped.items():
        doc_type, first = TYPES[label], rows[0][1]
        header = {"type": doc_type, "doc_no": no, "date": dt.date.fromisoformat(first["date"]),
                  "party": first.get("party", ""), "warehouse": first.get("wh", ""),
                  "to_warehouse": first.get("to", ""), "source_doc_no": first.get("src", ""),
                  "source": Source(workbook="t.xlsx", sheet=sheet, row=rows[0][0])}
        if doc_type in (DocType.customer_receipt, DocType.supplier_payment):
            header["amount"] = _dec(first["price"])
        elif doc_type is DocType.opening_balance:
            receivable, _, payable = first["price"].partition("/")
            header.update(receivable=_dec(receivable), payable=_dec(payable))
            if first.get("due"):
                header["due_date"] = dt.date.fromisoformat(first["due"])
        else:
            header["lines"] = tuple(
                Line(item=r["item"], qty=Decimal(r["qty"]), price=_dec(r.get("price", "")),
                     unit_cost=_dec(r.get("cost", "")), order_no=r.get("order", ""),
                     source=Source(workbook="t.xlsx", sheet=sheet, row=n))
                for n, r in rows)
        out.append(Document(**header))
    return out


def stock_rows(ledger, as_of: dt.date | None = None) -> list[tuple[str, str, str, str]]:
    """The ledger's stock as (warehouse, item, qty, value) strings, zero balances left out."""
    return [(r.warehouse, r.item, _s(r.qty), _s(r.value)) for r in ledger.stock(as_of) if r.qty or r.value]


def expect(text: str) -> list[tuple[str, ...]]:
    return [tuple(_s(Decimal(v)) if _num(v) else v for v in row.values()) for row in table(text)]


def _num(v: str) -> bool:
    try:
        Decimal(v)
        return True
    except Exception:
        return False


def _s(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"
