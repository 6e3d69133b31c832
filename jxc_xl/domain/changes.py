"""What changed between a posted document and the rows now typed for it.

The ledger keeps what was posted; a clerk may since have edited a row, added a row with the
same 单号, deleted one, or only sorted the sheet. These pure functions compare the two in the
books' terms (codes resolved, numbers by value, a 金额 equal to 数量 × 单价 the same as an empty
one), so that the use cases can say which row and which cell changed, old → new, and keep
``已过账`` on the rows that did not.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .model import INVOICE_LABELS, INVOICED, Document, DocType, Line
from .money import is_product, mul_money

HEADER = ("type", "date", "party", "warehouse", "to_warehouse", "source_doc_no", "amount", "method",
          "receivable", "payable", "due_date", "invoice_type")
LINE = ("item", "qty", "price", "amount", "unit_cost", "note", "tax_rate", "price_with_tax", "tax", "total_with_tax", "covers")
# the column each attribute is typed in (the party's and the quantity's depend on the sheet)
COLUMN = {"invoice_type": "发票类型", "type": "业务类型", "date": "日期", "warehouse": "仓库", "to_warehouse": "调入仓库",
          "source_doc_no": "原单号", "amount": "金额", "method": "结算方式", "receivable": "应收",
          "payable": "应付", "due_date": "到期日", "item": "商品编码", "qty": "数量", "price": "单价",
          "unit_cost": "单位成本", "note": "备注", "tax_rate": "税率", "price_with_tax": "含税单价", "tax": "税额",
          "total_with_tax": "价税合计", "covers": "单号"}
# an invoice's header is typed in its own columns
INVOICE_COLUMN = {"type": "方向", "date": "开票日期", "source_doc_no": "单号"}
PARTY_COLUMN = {DocType.purchase_receipt: "供应商", DocType.purchase_return: "供应商",
                DocType.sales_shipment: "客户", DocType.sales_return: "客户"}


@dataclass(frozen=True)
class Change:
    column: str          # the sheet column it was typed in
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.column} {self.old} → {self.new}"


@dataclass
class RowVerdict:
    """Each row of a posted 单号, compared with what was posted."""

    unchanged: dict[int, int] = field(default_factory=dict)             # row → posted line number
    edited: dict[int, list[Change]] = field(default_factory=dict)       # row → what changed
    added: list[int] = field(default_factory=list)                      # rows the posting never had
    removed: list[int] = field(default_factory=list)                    # posted lines with no row now


def column_of(doc_type: DocType, attr: str) -> str:
    if attr == "party":
        return PARTY_COLUMN.get(doc_type, "往来单位")
    if attr == "warehouse" and doc_type is DocType.transfer:
        return "调出仓库"
    if attr == "qty" and doc_type is DocType.stock_count:
        return "实盘数量"
    if doc_type in INVOICED and attr in INVOICE_COLUMN:
        return INVOICE_COLUMN[attr]
    return COLUMN[attr]


def _show(value: object) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, DocType):
        return value.label
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _line_values(line: Line) -> tuple:
    """A line in the books' terms: by its figures once worked out (a line with no tax has none:
    its 金额 is 数量 × 单价); a row whose figures could not be worked out (a typed one disagrees)
    by its tax cells as typed, so that an edit to a posted row names what the clerk typed; an invoice's
    by its figures as typed and the document it covers."""
    found = line.figures
    price, amount = (found.price, found.amount) if found else (line.price, line.amount)
    if amount is not None and price is not None and is_product(amount, line.qty, price):
        amount = None
    if found is None:
        taxed = (line.tax_rate, line.price_with_tax, line.tax, line.total_with_tax)
    elif found.rate or found.tax:
        taxed = (found.rate, found.price_with_tax, found.tax, found.total_with_tax)
    else:
        taxed = (None, None, None, None)
    if line.covers:
        taxed = (None, None, line.tax, line.total_with_tax)
    return (line.item, line.qty, price, amount, line.unit_cost, line.note, *taxed, line.covers)


def _differences(doc_type: DocType, attrs: tuple[str, ...], old: tuple, new: tuple) -> list[Change]:
    def shown(attr: str, value: object) -> str:
        return _show(INVOICE_LABELS.get(value, value) if attr == "invoice_type" else value)
    return [Change(column_of(doc_type, a), shown(a, o), shown(a, n)) for a, o, n in zip(attrs, old, new) if o != n]


def _line_changes(doc_type: DocType, old: Line, new: Line) -> list[Change]:
    """The line fields that differ; a 金额 that still holds the amount posted is no change (过账
    writes a computed 金额 into its cell, and it stays when 数量 is edited beside it)."""
    changes = _differences(doc_type, LINE, _line_values(old), _line_values(new))
    posted = old.amount if old.amount is not None or old.price is None else mul_money(old.qty, old.price)
    return [c for c in changes if not (c.column == COLUMN["amount"] and new.amount == posted)]


def header_changes(old: Document, new: Document) -> list[Change]:
    """The header fields that differ (a 到期日 or 发票类型 left empty takes the posted one)."""
    attrs = tuple(a for a in HEADER if not (a == "due_date" and new.due_date is None)
                  and not (a == "invoice_type" and not new.invoice_type))
    return _differences(old.type, attrs, tuple(getattr(old, a) for a in attrs), tuple(getattr(new, a) for a in attrs))


def same_books(old: Document, new: Document) -> bool:
    """Would ``new`` post exactly what ``old`` did (its lines in any order)?"""
    return not header_changes(old, new) and \
        sorted(map(_line_values, old.lines), key=repr) == sorted(map(_line_values, new.lines), key=repr)


def compare_rows(posted: Document, rows: list[tuple[int, Document | None]]) -> RowVerdict:
    """Each typed row (its own one-line document, or None when it cannot be read) against the
    posted document: unchanged rows find their posted line by content, whatever their order;
    the rest pair up with the posted lines left, in order, as edits; any more are additions,
    and posted lines left over were deleted from the sheet. A document without lines (a
    payment, an opening balance) is one row: line 0."""
    verdict = RowVerdict()
    left = {n: _line_values(line) for n, line in enumerate(posted.lines, start=1)} or {0: ()}
    pending: list[tuple[int, Document | None]] = []
    for row, doc in rows:
        values = None
        if doc is not None and not header_changes(posted, doc):
            values = _line_values(doc.lines[0]) if doc.lines else ()
        match = next((n for n, v in left.items() if v == values), None)
        if match is None:
            pending.append((row, doc))
        else:
            verdict.unchanged[row] = match
            del left[match]
    for (row, doc), n in zip(pending, list(left)):
        changes = [] if doc is None else header_changes(posted, doc)
        if doc is not None and doc.lines and n:
            changes += _line_changes(posted.type, posted.lines[n - 1], doc.lines[0])
        verdict.edited[row] = changes
        del left[n]
    verdict.added = [row for row, _ in pending[len(verdict.edited):]]
    verdict.removed = sorted(n for n in left if n)
    return verdict
