"""A party's 对账单 and a posted document's printed 单据, as sheets."""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, replace
from decimal import Decimal

from ..domain.model import DocType, Party
from ..domain.money import from_cents, from_qty_units, from_rate_units, from_unit_cost_units
from ..domain.validate import Masters
from ..domain.words import rmb_words
from ..sheets.contract import ACTIONS, AUDIT_LOG, BY_JOURNAL, PRINT, STATEMENT, C, Column, Held
from ..sheets.format import Exact
from ..sheets.layout import Cell, Layout, fit_widths, text_width
from .layouts import TOTAL, Block, Heading, report_layout

# which column of the statement an entry counts in: the document's own (a return or a 红字冲销 is
# negative there), as the 进销存汇总 counts stock
_SETTLING = {t.value for t in (DocType.customer_receipt, DocType.supplier_payment, DocType.advance_receipt,
                               DocType.advance_payment, DocType.advance_to_receivable, DocType.advance_to_payable,
                               DocType.netting)}
# 摘要 the statement gives a 预收/预付 (its order) and a 核销 (what it applied, its 原单号)
_ADVANCES = {DocType.advance_receipt.value, DocType.advance_payment.value}
_SETTLEMENTS = {DocType.advance_to_receivable.value, DocType.advance_to_payable.value, DocType.netting.value}
_COLUMNS = {("AR", False): 4, ("AR", True): 5, ("AP", False): 6, ("AP", True): 7}
# money on the other side than its type's is a refund (a negative 付出 or 收回): said so
_REFUNDS = {(DocType.customer_receipt.value, "AP"): "收款（供应商退款）",
            (DocType.supplier_payment.value, "AR"): "付款（退客户款）"}


def balance_shown(party: Party | None) -> tuple[str, int, str]:
    """How a party's balance (receivable less payable, as JXC_BALANCE answers) is stated to it:
    a supplier (only) is shown what we owe as a positive 应付余额, a customer its 余额 (what it owes
    us); a party that is both keeps 余额, 应收为正, 应付为负. (column head, sign, what it means)"""
    if party is not None and party.kind.is_supplier and not party.kind.is_customer:
        return "应付余额", -1, "应付余额：我方应付对方的金额（为负：我方预付）"
    if party is not None and not party.kind.is_supplier:
        return "余额", 1, "余额：对方应付我方的金额（为负：我方预收）"
    return "余额", 1, "余额：应收为正，应付为负"


CONFIRM = ("以上往来明细及余额经双方核对无误。", f"对方确认（签章）：{'＿' * 10}　　日期：＿＿＿＿年＿＿月＿＿日",
           f"我方（签章）：{'＿' * 10}　　日期：＿＿＿＿年＿＿月＿＿日")


def statement_layout(heading: Heading, code: str, masters: Masters, opening: int, entries: list[tuple]) -> Layout:
    """对账单: the opening balance, a row per entry of the period, the closing balance, then the
    lines the party signs to confirm it. 应收增加/收回 and 应付增加/付出 show the party's sides (a
    party that is only a customer has no 应付 columns); the balance as balance_shown states it."""
    party = masters.parties.get(code)
    head, sign, meaning = balance_shown(party)
    sides = {side for *_, side, _ in entries} | ({"AR"} if party is None or party.kind.is_customer else set()) | \
        ({"AP"} if party is None or party.kind.is_supplier else set())
    keep = [0, 1, 2, 3, *(i for (side, _), i in _COLUMNS.items() if side in sides), 8]
    columns = tuple(STATEMENT.columns[i] for i in keep[:-1]) + (replace(STATEMENT.columns[8], zh=head),)
    balance, sums = opening, {i: 0 for i in _COLUMNS.values()}
    rows = [[None, None, None, "期初余额", *[None] * (len(keep) - 5), Exact(from_cents(sign * opening))]]
    last, full = None, []
    for date, doc_no, kind, reversal, note, side, amount, doc, source, order, doc_amount in entries:
        settles = kind in _SETTLING
        column = _COLUMNS[(side, settles)]
        shown = -amount if settles else amount
        sums[column] += shown
        balance += amount if side == "AR" else -amount
        if doc != last:       # a 核销's entries are one row: a 预收冲应收's two legs cancel in 收回
            label = _REFUNDS.get((kind, side)) or DocType(kind).label
            full = [dt.date.fromisoformat(date), doc_no, label + ("（红字冲销）" if reversal else ""),
                    _memo(kind, note, source, order, doc_amount), None, None, None, None, None]
            rows.append(full)
        last = doc
        full[column] = (full[column] or 0) + shown
        full[8] = Exact(from_cents(sign * balance))
    for i, full in enumerate(rows[1:], start=1):
        rows[i] = [Exact(from_cents(v)) if type(v) is int and v else None if type(v) is int else v
                   for v in (full[j] for j in keep)]
    total = [TOTAL, None, None, "期末余额", *(Exact(from_cents(sums[i])) for i in keep[4:-1]),
             Exact(from_cents(sign * balance))]
    name = f"{code} {party.name}" if party else code
    return report_layout(STATEMENT, heading, [Block(columns, rows, total, caption=f"往来单位：{name}")],
                         extra=meaning, foot=[[], *([Cell(text, "label")] for text in CONFIRM)])


def _memo(kind: str, note: str | None, source: str | None, order: str | None, amount: int | None) -> str:
    """A statement row's 摘要: its note, after what a 预收/预付 or a 核销 did."""
    said = ""
    if kind in _ADVANCES:
        said = DocType(kind).label + (f"（订单 {order}）" if order else "")
    elif kind in _SETTLEMENTS:
        said = f"{DocType(kind).label} {from_cents(amount):,}" + (f"（{source}）" if source else "")
    return "；".join(part for part in (said, note or "") if part)


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


@dataclass(frozen=True)
class Form:
    """How a kind of 单据 prints: its title, what its party is called, the columns of its lines
    (none: a voucher of fields, as a 收款单) and who signs it besides 制单人."""

    title: str
    columns: tuple[Column, ...] = ()
    signatures: tuple[str, ...] = ("审核", "仓管", "经手人")
    party: str = "往来单位"


_ITEM = PRINT.columns[:4]
GOODS = PRINT.columns                                            # 数量, 单价 (as the price has it), 金额
AT_COST = (*_ITEM, PRINT.columns[4], C("单位成本", "UnitCost", "unit_price"), PRINT.columns[6])
# a document with tax (any line with a 税率 or a 税额) prints them and its 价税合计, the sum it is paid
TAXED = (*GOODS, C("税率", "TaxRate", "rate"), C("税额", "Tax", "money"), C("价税合计", "TotalWithTax", "money"))
COUNTED = (*_ITEM, C("账面数量", "BookQty", "qty"), C("实盘数量", "CountedQty", "qty"),
           C("差异数量", "Difference", "qty"), C("差异金额", "DifferenceValue", "money"))
FORMS = {
    DocType.purchase_receipt: Form("采购入库单", GOODS, ("审核", "仓管", "采购员", "送货人"), "供应商"),
    DocType.purchase_return: Form("采购退货单", GOODS, ("审核", "仓管", "采购员", "供应商签收"), "供应商"),
    DocType.sales_shipment: Form("销售出库单（送货单）", GOODS, ("审核", "仓管", "送货人", "客户签收"), "客户"),
    DocType.sales_return: Form("销售退货单", GOODS, ("审核", "仓管", "经手人", "退货人"), "客户"),
    DocType.purchase_order: Form("采购订单", GOODS, ("审核", "采购员", "供应商确认"), "供应商"),
    DocType.sales_order: Form("销售订单", GOODS, ("审核", "业务员", "客户确认"), "客户"),
    DocType.transfer: Form("调拨单", AT_COST, ("审核", "调出仓管", "调入仓管", "经手人")),
    DocType.stock_count: Form("盘点单", COUNTED, ("盘点人", "监盘人", "仓管", "审核")),
    DocType.other_receipt: Form("其他入库单", AT_COST),
    DocType.other_issue: Form("其他出库单", AT_COST),
    DocType.opening_stock: Form("期初库存单", AT_COST, ("审核", "仓管")),
    DocType.customer_receipt: Form("收款单", signatures=("财务", "经手人", "收款人")),
    DocType.supplier_payment: Form("付款单", signatures=("财务", "经手人", "收款人")),
    DocType.opening_balance: Form("期初往来单", signatures=("审核", "财务")),
}
TITLES = {kind: form.title for kind, form in FORMS.items()}
_SIDES = {"AR": "期初应收", "AP": "期初应付"}
LINES_PER_PAGE = 12
PAGE_WIDTH = 92                     # character widths across an A4 page, portrait, at 100 %
VOUCHER_WIDTHS = [18, 28, 14, 32]
BLANK = "＿＿＿＿＿"


class _Rows:
    """A 单据's rows as they are made, with the cells merged across (a value up to the next label,
    大写, 备注, the signatures: each prints whole, and on a voucher is one ruled box)."""

    def __init__(self, width: int):
        self.width, self.rows, self.merges = width, [], []

    def add(self, row: list[Cell | None], *spans: tuple[int, int]) -> None:
        self.rows.append(row)
        self.merges += [(len(self.rows), a, len(self.rows), b) for a, b in spans if b > a]

    def line(self, text: str, look: str = "plain") -> None:
        """One text across the whole width."""
        self.add([Cell(text, look), *[Cell("", look)] * (self.width - 1)], (1, self.width))


def document_layout(company: str, doc: sqlite3.Row, lines: list[tuple], masters: Masters,
                    reversed_: bool, preparer: str = "", held: Held | None = None,
                    signed: dict[str, str] | None = None) -> Layout:
    """The printed 单据 of its kind (FORMS): company and title centred, its head fields, up to 12
    lines a page under a head repeated on each page (an item code its master holds as a number,
    ``held``, printed as that number), 合计 in figures and in 大写, 备注, and a line
    for 制单人 (``preparer``) and each signature (``signed``: those already signed, as 审核 by the
    approver of a document posted under 过账需审核, after 制单人 when the form has no such line). A 收款单, 付款单 or 期初往来单 is a voucher: its
    fields and amount in a ruled box, no goods columns. The page header stays empty: the head
    says what the page is."""
    kind = DocType(doc["type"])
    form = _with_tax(FORMS[kind], lines)
    out = _Rows(len(form.columns) or len(VOUCHER_WIDTHS))
    title = form.title + ("（已红字冲销）" if reversed_ else "")
    for text in (company, title) if company else (title,):
        out.line(text, "heading")
    out.add([])
    _fields(out, doc, masters, form)
    body_at = len(out.rows)
    if form.columns:
        out.add([Cell(c.zh, "header") for c in form.columns])
        body_at += 1
        total = _lines(out, form, lines, masters, held or {})
        if kind != DocType.stock_count:                      # a count's 差异金额 is no sum to be paid
            said = "价税合计" if form.columns is TAXED else "合计金额"
            out.line(f"{said}（大写）：人民币{rmb_words(total)}", "label")
        out.line(f"备注：{doc['note'] or ''}")
    else:
        _voucher(out, doc, lines)
    out.add([])
    signed = signed or {}
    extra = [f"{s}：{name}" for s, name in signed.items() if s not in form.signatures]
    out.line("　　".join([f"制单人：{preparer or BLANK}", *extra,
                         *(f"{s}：{signed.get(s) or BLANK}" for s in form.signatures)]))
    count = len(lines)
    breaks = [body_at + n for n in range(LINES_PER_PAGE, count, LINES_PER_PAGE)] if form.columns else []
    widths = _widths(out.rows[body_at - 1:body_at + count + 1], out.rows[:body_at]) if form.columns else VOUCHER_WIDTHS
    return Layout(PRINT, out.rows, widths, page_title="", repeat=(1, body_at) if form.columns else None,
                  breaks=breaks, merges=out.merges, protect=False)


def _fields(out: _Rows, doc: sqlite3.Row, masters: Masters, form: Form) -> None:
    """单号 and 日期; the party (by name) with contact, phone and address; 仓库 by name (调出 and
    调入 on a transfer); 结算方式. Two label–value pairs a row, the second from the middle column
    (a lone pair's value runs to the end); a voucher rules them."""
    party = masters.parties.get(doc["party"] or "")
    pairs: list[tuple[str, object]] = [("单号", doc["doc_no"]), ("日期", dt.date.fromisoformat(doc["date"]))]
    if doc["party"]:
        pairs += [(form.party, party.name if party else doc["party"])]
        if form.columns:
            pairs += [("联系人", party.contact if party else ""), ("电话", party.phone if party else ""),
                      ("地址", party.address if party else "")]
    if doc["to_warehouse"]:
        pairs += [("调出仓库", _warehouse(masters, doc["warehouse"])), ("调入仓库", _warehouse(masters, doc["to_warehouse"]))]
    elif doc["warehouse"]:
        pairs += [("仓库", _warehouse(masters, doc["warehouse"]))]
    if doc["method"] or doc["type"] in _SETTLING:
        pairs += [("结算方式", doc["method"] or "")]
    ruled = not form.columns
    label, value = ("header", "body") if ruled else ("label", "plain")
    middle = 5 if form.columns else 3                        # 1-based: the second pair's label (数量's column)
    for at in range(0, len(pairs), 2):
        row: list[Cell | None] = []
        spans = []
        for n, (name, shown) in enumerate(pairs[at:at + 2]):
            first, last = (2, middle - 1) if n == 0 else (middle + 1, out.width)
            if n == 0 and at + 1 == len(pairs):
                last = out.width
            row += [Cell(name, label), Cell(shown or "", value, "date" if isinstance(shown, dt.date) else "text"),
                    *[Cell("", value) if ruled else None] * (last - first)]
            spans.append((first, last))
        out.add(row, *spans)
    if not ruled:
        out.add([])


def _warehouse(masters: Masters, code: str) -> str:
    found = masters.warehouses.get(code)
    return found.name if found and found.name else code


def _with_tax(form: Form, lines: list[tuple]) -> Form:
    """A goods form of a document with tax prints TAXED; one without, exactly as it always did."""
    if form.columns is GOODS and any(rate or tax for *_, rate, tax, _ in lines):
        return replace(form, columns=TAXED)
    return form


# what a 单据's 合计 row sums; its last column is the sum the document is paid (大写)
_SUMMED = {"数量", "差异数量", "金额", "差异金额", "税额", "价税合计"}


def _lines(out: _Rows, form: Form, lines: list[tuple], masters: Masters, held: Held) -> Decimal:
    """A row per line under the form's columns and the 合计 row (数量, 金额, 税额 and 价税合计 summed;
    a count's 差异数量 and 差异金额); returns the 合计 of the last column — 金额, a count's 差异金额,
    a taxed document's 价税合计. An item code its master holds as a number (``held``) prints as
    that number."""
    counted = form.columns is COUNTED
    sums: dict[int, int] = {}
    for item_code, qty, price, amount, on_hand, rate, tax, with_tax in lines:
        item = masters.items.get(item_code)
        words = [Cell(w or "") for w in ((item.name, item.spec, item.unit) if item else ("", "", ""))]
        if counted:
            units = [on_hand - qty, on_hand, qty, amount]
        else:
            units = [qty, price, amount, rate, tax, with_tax][:len(form.columns) - len(words) - 1]
        figures = []
        for at, (column, value) in enumerate(zip(form.columns[len(words) + 1:], units), start=len(words) + 1):
            figures.append(_figure(value, column.kind))
            if column.zh in _SUMMED:
                sums[at] = sums.get(at, 0) + (value or 0)
        out.add([Cell(held.get("item", {}).get(item_code, item_code)), *words, *figures])
    total: list[Cell | None] = [Cell(TOTAL, "total"), *[Cell("", "total")] * (len(form.columns) - 1)]
    for at, units in sums.items():
        total[at] = _figure(units, form.columns[at].kind)._replace(look="total")
    out.add(total)
    return from_cents(sums.get(len(form.columns) - 1, 0))


def _voucher(out: _Rows, doc: sqlite3.Row, lines: list[tuple]) -> None:
    """A 收款单/付款单's 金额 (an 期初往来单's 期初应收/期初应付) in figures and in 大写, ruled as
    its fields are."""
    for label, cents in [(_SIDES[side], amount) for side, _, _, amount, *_ in lines] or [("金额", doc["amount"] or 0)]:
        for name, value, kind in ((label, Exact(from_cents(cents)), "money"),
                                  (label + "（大写）", "人民币" + rmb_words(from_cents(cents)), "text")):
            out.add([Cell(name, "header"), Cell(value, "body", kind), *[Cell("", "body")] * (out.width - 2)],
                    (2, out.width))
    out.add([Cell("备注", "header"), Cell(doc["note"] or "", "body"), *[Cell("", "body")] * (out.width - 2)],
            (2, out.width))


def _widths(table: list[list[Cell | None]], head: list[list[Cell | None]]) -> list[float]:
    """The lines' columns as wide as their widest cell and the head's labels above them,
    商品名称 taking what is left of the page."""
    widths = fit_widths(table)
    for row in head:
        for c, cell in enumerate(row):
            if cell is not None and cell.look == "label":
                widths[c] = max(widths[c], text_width(cell.value) + 2)
    widths[1] += max(0, PAGE_WIDTH - sum(widths))
    return widths


# a figure's stored units as the value its column shows, by the column's kind
_UNITS = {"qty": from_qty_units, "price": from_unit_cost_units, "unit_price": from_unit_cost_units,
          "money": from_cents, "rate": from_rate_units}


def _figure(units: int | None, kind: str) -> Cell | None:
    """A line's figure in its column's format: a 单价 to 2 decimals unless it has more; a 税率
    as a whole percentage (13%) unless it has decimals (1.50%)."""
    if units is None:
        return None
    value = _UNITS[kind](units)
    if kind == "price":
        kind = "unit_price"
    elif kind == "rate" and (value * 100) % 1:
        kind = "percent"
    return Cell(Exact(value), kind=kind)
