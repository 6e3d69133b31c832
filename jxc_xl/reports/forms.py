"""A party's 对账单 and a posted document's printed 单据, as sheets."""
from __future__ import annotations

import datetime as dt
import sqlite3

from ..domain.model import DocType
from ..domain.money import from_cents, from_qty_units, from_unit_cost_units
from ..domain.validate import Masters
from ..domain.words import rmb_words
from ..sheets.contract import ACTIONS, AUDIT_LOG, BY_JOURNAL, PRINT, STATEMENT, Held
from ..sheets.format import Exact
from ..sheets.layout import Cell, Layout
from .layouts import TOTAL, Block, Heading, report_layout

# which column of the statement an entry counts in: the document's own (a return or a 红字冲销 is
# negative there), as the 进销存汇总 counts stock
_SETTLING = {DocType.customer_receipt.value, DocType.supplier_payment.value}
_COLUMNS = {("AR", False): 4, ("AR", True): 5, ("AP", False): 6, ("AP", True): 7}
# money on the other side than its type's is a refund (a negative 付出 or 收回): said so
_REFUNDS = {(DocType.customer_receipt.value, "AP"): "收款（供应商退款）",
            (DocType.supplier_payment.value, "AR"): "付款（退客户款）"}


def statement_layout(heading: Heading, code: str, masters: Masters, opening: int, entries: list[tuple]) -> Layout:
    """对账单: the opening balance, a row per entry of the period, the closing balance. 余额 is
    receivable less payable (as JXC_BALANCE answers); 应收增加/收回 and 应付增加/付出 show the
    party's sides (a party that is only a customer has no 应付 columns)."""
    party = masters.parties.get(code)
    sides = {side for *_, side, _ in entries} | ({"AR"} if party is None or party.kind.is_customer else set()) | \
        ({"AP"} if party is None or party.kind.is_supplier else set())
    keep = [0, 1, 2, 3, *(i for (side, _), i in _COLUMNS.items() if side in sides), 8]
    columns = tuple(STATEMENT.columns[i] for i in keep)
    balance, sums = opening, {i: 0 for i in _COLUMNS.values()}
    rows = [[None, None, None, "期初余额", *[None] * (len(keep) - 5), Exact(from_cents(opening))]]
    for date, doc_no, kind, reversal, note, side, amount in entries:
        settles = kind in _SETTLING
        column = _COLUMNS[(side, settles)]
        shown = -amount if settles else amount
        sums[column] += shown
        balance += amount if side == "AR" else -amount
        label = _REFUNDS.get((kind, side)) or DocType(kind).label
        full = [dt.date.fromisoformat(date), doc_no, label + ("（红字冲销）" if reversal else ""),
                note or "", None, None, None, None, Exact(from_cents(balance))]
        full[column] = Exact(from_cents(shown))
        rows.append([full[i] for i in keep])
    total = [TOTAL, None, None, "期末余额", *(Exact(from_cents(sums[i])) for i in keep[4:-1]),
             Exact(from_cents(balance))]
    name = f"{code} {party.name}" if party else code
    return report_layout(STATEMENT, heading, [Block(columns, rows, total, caption=f"往来单位：{name}")],
                         extra="余额：应收为正，应付为负")


def _in_users_words(detail: str) -> str:
    """An entry an older jxc wrote named a reversed document's journal by its code ("XS3（sales）"):
    shown with its sheet's name instead, as newer entries name the document's kind."""
    for journal, spec in BY_JOURNAL.items():
        detail = detail.replace(f"（{journal}）", f"（{spec.zh}）")
    return detail


def audit_layout(heading: Heading, entries: list) -> Layout:
    """操作日志: every entry of the audit log in the period, oldest first."""
    rows = [[dt.datetime.fromisoformat(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.user, ACTIONS.get(e.action, e.action),
             _in_users_words(e.detail), e.workbook, e.machine] for e in entries]
    return report_layout(AUDIT_LOG, heading, [Block(AUDIT_LOG.columns, rows)], extra=f"共 {len(rows)} 条")


TITLES = {DocType.purchase_receipt: "采购入库单", DocType.purchase_return: "采购退货单",
          DocType.sales_shipment: "销售出库单（送货单）", DocType.sales_return: "销售退货单",
          DocType.transfer: "调拨单", DocType.stock_count: "盘点单", DocType.other_receipt: "其他入库单",
          DocType.other_issue: "其他出库单", DocType.customer_receipt: "收款单", DocType.supplier_payment: "付款单",
          DocType.purchase_order: "采购订单", DocType.sales_order: "销售订单", DocType.opening_stock: "期初库存单",
          DocType.opening_balance: "期初往来单"}
_SIDES = {"AR": "应收", "AP": "应付"}
LINES_PER_PAGE = 12
SIGNATURES = ("制单人", "审核", "仓管", None, "经手人", None, "签收")     # by column: 单位 and 单价 are narrow


def document_layout(company: str, doc: sqlite3.Row, lines: list[tuple], masters: Masters,
                    reversed_: bool, held: Held | None = None) -> Layout:
    """The printed 单据: its head (repeated on each page), up to 12 lines a page, then 合计 in
    figures and in 大写, 制单人 (who posted it) and the signature lines. An item code its master
    holds as a number (``held``) prints as that number."""
    kind = DocType(doc["type"])
    width = len(PRINT.columns)
    head = [[Cell(company, "title")], [Cell(TITLES[kind] + ("（已红字冲销）" if reversed_ else ""), "title")],
            *_fields(doc, masters), [Cell(c.zh, "header") for c in PRINT.columns]]
    body, total, count = [], 0, 0
    for item_code, qty, price, amount in lines:
        item = masters.items.get(item_code)
        words = (item.name, item.spec, item.unit) if item else (_SIDES.get(item_code, ""), "", "")
        code = (held or {}).get("item", {}).get(item_code, item_code) if item else ""
        body.append([Cell(code), *(Cell(w) for w in words),
                     _figure(qty, from_qty_units, "qty"), _figure(price, from_unit_cost_units, "price"),
                     _figure(amount, from_cents, "money")])
        total += amount or 0
        count += qty or 0
    if not lines:                                                # a payment: its amount and 结算方式
        total = doc["amount"] or 0
        body.append([None, Cell(kind.label), Cell(doc["method"] or ""), None, None, None,
                     Cell(Exact(from_cents(total)), kind="money")])
    amount = from_cents(total)
    foot = [[Cell(TOTAL, "total"), None, None, None,
             Cell(Exact(from_qty_units(count)), "total", "qty") if count else None, None,
             Cell(Exact(amount), "total", "money")],
            [Cell("合计金额（大写）", "label"), Cell("人民币" + rmb_words(amount), "label")],
            [Cell(f"备注：{doc['note'] or ''}")], [],
            [None if s is None else Cell(f"{s}：{doc['user'] or ''}" if s == "制单人" else f"{s}：＿＿＿＿")
             for s in SIGNATURES], []]
    rows = head + body + foot
    breaks = [len(head) + n for n in range(LINES_PER_PAGE, len(body), LINES_PER_PAGE)]
    return Layout(PRINT, rows, [14, 22, 12, 6, 12, 14, 16], company=company, repeat=(1, len(head)),
                  breaks=breaks, merges=[(2, 1, 2, width), (len(head) + len(body) + 2, 2, len(head) + len(body) + 2, width)],
                  protect=False)


def _fields(doc: sqlite3.Row, masters: Masters) -> list[list[Cell | None]]:
    """单号, 日期, the party with contact, phone and address, 仓库 (调出 → 调入 on a transfer)."""
    party = masters.parties.get(doc["party"] or "")
    warehouse = doc["warehouse"] or ""
    if doc["to_warehouse"]:
        warehouse += f" → {doc['to_warehouse']}"
    rows = [[Cell("单号", "label"), Cell(doc["doc_no"]), None, None, Cell("日期", "label"),
             Cell(dt.date.fromisoformat(doc["date"]), kind="date")]]
    if doc["party"]:
        rows.append([Cell("往来单位", "label"), Cell(f"{doc['party']} {party.name if party else ''}".strip()), None, None,
                     Cell("联系人", "label"), Cell(party.contact if party else "")])
        rows.append([Cell("电话", "label"), Cell(party.phone if party else ""), None, None, Cell("地址", "label"),
                     Cell(party.address if party else "")])
    if warehouse:
        rows.append([Cell("仓库", "label"), Cell(warehouse)])
    return rows


def _figure(units: int | None, convert, kind: str) -> Cell | None:
    return Cell(Exact(convert(units)), kind=kind) if units is not None else None
