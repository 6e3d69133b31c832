"""The generated sheets' rows, from the ledger: 库存, 应收, 应付, 台账, 订单跟踪, 开票跟踪, 资金, 资金日记账,
and 待审核 where the ledger asks for 审核."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..ledger import Ledger
from ..ledger.accounts import BUCKETS
from ..domain.model import INVOICE_DIRECTION, INVOICED, DocType, Item
from ..domain.validate import Masters
from ..domain.money import from_cents, from_qty_units
from ..ledger.cash import CashLine
from ..sheets.contract import (ACCOUNT_LABELS, CASH, CASH_JOURNAL, INVOICE_STATUS, JOURNAL, ORDER_STATUS, PAYABLES,
                               PENDING, RECEIVABLES, STOCK, WAITING, SheetSpec)
from ..sheets.format import Exact


LOW, HIGH, OUT = "低于安全库存", "超过最高库存", "缺货"
OVERDRAWN = "余额为负"


def item_alert(item: Item | None, available: Decimal, on_order: Decimal) -> str | None:
    """The one rule for an item's stock level, which 库存's 预警 and 补货建议 share: its
    可用数量 + 采购在途 over all warehouses below 安全库存 is low, above 最高库存 too high. The
    levels are the company's, so a warehouse's own stock is never held to them (a shop holding a
    little of what the main warehouse holds plenty of is not short)."""
    total = available + on_order
    if item is None or item.inactive:                          # 停用: not bought again
        return None
    if item.min_qty is not None and total < item.min_qty:
        return LOW
    return HIGH if item.max_qty is not None and total > item.max_qty else None


def stock_rows(ledger: Ledger, masters: Masters | None = None) -> list[list]:
    """Every item × warehouse with stock, short of its safety stock or with open orders: its
    alert (缺货 where the row's own 数量 is not above 0, else its item's, see item_alert), what is
    on order (采购在途), committed (销售待发) and available (数量 − 销售待发)."""
    masters = masters or ledger.masters()
    waiting: dict[tuple[str, str], list[Decimal]] = {}
    for (kind, item, warehouse), units in ledger.open_quantities().items():
        found = waiting.setdefault((item, warehouse), [Decimal(0), Decimal(0)])
        found[kind == DocType.sales_order.value] += from_qty_units(units)
    stock = {(r.item, r.warehouse): r for r in ledger.stock()}
    totals: dict[str, list[Decimal]] = {}                      # item → [可用数量, 采购在途], all warehouses
    for (sku, _), r in stock.items():
        totals.setdefault(sku, [Decimal(0), Decimal(0)])[0] += r.qty
    for (sku, _), (on_order, committed) in waiting.items():
        total = totals.setdefault(sku, [Decimal(0), Decimal(0)])
        total[0] -= committed
        total[1] += on_order
    alerts = {sku: item_alert(masters.items.get(sku), *total) for sku, total in totals.items()}
    rows = []
    for key in sorted(stock.keys() | waiting.keys()):
        r, item = stock.get(key), masters.items.get(key[0])
        qty = r.qty if r else Decimal(0)
        low = item.min_qty if item else None
        on_order, committed = waiting.get(key, (None, None))
        if r is not None and qty == 0 and r.value == 0 and not low and key not in waiting:
            continue
        rows.append([key[1], key[0], item.name if item else "", item.unit if item else "",
                     qty, r.unit_cost if r else None, r.value if r else Decimal(0), low,
                     OUT if qty <= 0 else alerts[key[0]], on_order or None, committed or None, qty - (committed or 0)])
    return rows


def order_status_rows(ledger: Ledger, today: dt.date, masters: Masters | None = None) -> list[list]:
    """订单跟踪: every order item still open, and those closed or completed this month."""
    names = {sku: item.name for sku, item in (masters or ledger.masters()).items.items()}
    first = today.replace(day=1).isoformat()
    rows = []
    for line in ledger.order_lines():
        state = ("已关闭" if line.closed else "已完成" if line.fulfilled >= line.ordered
                 else "部分执行" if line.fulfilled > 0 else "未执行")
        if not line.open and not (line.done_on or "") >= first:
            continue
        due = dt.date.fromisoformat(line.delivery_date) if line.delivery_date else None
        late = (today - due).days if due and line.open and due < today else None
        rows.append([DocType(line.type).label, line.doc_no, dt.date.fromisoformat(line.date), line.party,
                     line.warehouse, line.item, names.get(line.item, ""), from_qty_units(line.ordered),
                     from_qty_units(line.fulfilled), from_qty_units(line.open), due, late, state])
    return rows


# the 方向 of the invoices a document takes: 销售出库 开出, 采购入库 收到
_DIRECTION = {covered.value: INVOICE_DIRECTION[invoice] for invoice, covered in INVOICED.items()}


def invoice_status_rows(ledger: Ledger, today: dt.date) -> list[list]:
    """开票跟踪: every taxed 销售出库 / 采购入库 not fully invoiced, and those invoiced this month
    (as 订单跟踪 keeps what was completed this month): its 价税合计 net of its returns, what is
    invoiced and what is not."""
    first = today.replace(day=1).isoformat()
    rows = []
    for d in ledger.invoicing():
        if d.invoiced >= d.total_with_tax and not (d.last or "") >= first:
            continue
        state = "已开票" if d.invoiced >= d.total_with_tax else "部分开票" if d.invoiced > 0 else "未开票"
        rows.append([_DIRECTION[d.type], d.doc_no, dt.date.fromisoformat(d.date), d.party, from_cents(d.total_with_tax),
                     from_cents(d.invoiced) if d.invoiced else None,
                     from_cents(d.total_with_tax - d.invoiced) if d.total_with_tax != d.invoiced else None, state])
    return rows


def aging_rows(ledger: Ledger, side: str, today: dt.date, masters: Masters | None = None) -> list[list]:
    """One row per party with a balance: the balance, its credit not yet applied, its aging
    buckets, its credit limit."""
    parties = (masters or ledger.masters()).parties
    rows = []
    for a in ledger.aging(today, side):
        party = parties.get(a.party)
        limit = party.credit_limit if party else None
        over = max(a.balance - limit, Decimal(0)) if limit is not None else None
        rows.append([a.party, party.name if party else "", a.balance, a.credit, *(a.buckets[b] for b in BUCKETS),
                     limit, over])
    return rows


def cash_rows(ledger: Ledger, as_of: dt.date | None = None, masters: Masters | None = None) -> list[list]:
    """资金: every account of 账户 (one never used holds 0), and any other the books moved money
    through, by code: its balance after the last posted movement (or at the end of ``as_of``),
    marked when below zero."""
    accounts = (masters or ledger.masters()).accounts
    held = ledger.cash(as_of)
    rows = []
    for code in sorted(accounts.keys() | held.keys()):
        account, balance = accounts.get(code), held.get(code, from_cents(0))
        rows.append([code, account.name if account else "", ACCOUNT_LABELS[account.kind.value] if account else "",
                     balance, OVERDRAWN if balance < 0 else None])
    return rows


def cash_journal_rows(ledger: Ledger) -> list[list]:
    """资金日记账: every money movement in date, then posting, order with its account's running
    balance. As on 台账, a 红字冲销 shows negative in its original's column (收入 or 支出)."""
    labels = {(t.value, rev): t.label + ("（红字冲销）" if rev else "") for t in DocType for rev in (0, 1)}
    rows = []
    for line in ledger.cash_journal():
        amount = from_cents(line.amount)
        into = (line.amount > 0) != line.reversal
        rows.append([dt.date.fromisoformat(line.date), line.account, line.doc_no, labels[(line.type, line.reversal)],
                     line.party or None, cash_memo(line), amount if into else None, None if into else -amount,
                     from_cents(line.balance)])
    return rows


def cash_memo(line: CashLine) -> str:
    """摘要: a 转账's other account (where the money went, or came from), else its 类别 and 结算方式;
    then its 备注."""
    if line.other:
        where = f"转出到 {line.other}" if (line.amount < 0) != line.reversal else f"从 {line.other} 转入"
    else:
        where = " ".join(p for p in (line.category, line.method) if p)
    return " ".join(p for p in (where, line.note) if p)


def journal_rows(ledger: Ledger, after_batch: int | None = None) -> tuple[int, list[list]]:
    """台账: every posted movement in ledger order, with its item × warehouse running balance;
    with ``after_batch``, (rows no later batch touched, the rows after them) — see Ledger.journal.

    The largest sheet there is (a row per movement), so its figures come as exact text
    rendered by the ledger and go out as numbers. Its rows are made one at a time from the ledger's
    cursor and held until the book is saved, so a text that repeats (单号, 仓库, 商品, a quantity, a
    unit cost) is one object however many rows show it: measured on bench's 100,000-line post, its
    peak while saving 312 → 292 MB (and see tests/app/test_memory.py for 1,000,000 lines)."""
    labels = {(t.value, rev): t.label + ("（红字冲销）" if rev else "") for t in DocType for rev in (0, 1)}
    dates: dict[str, dt.date] = {}
    texts: dict[str, str] = {}
    figures: dict[str, Exact] = {}

    def text(typed: str) -> str:
        return texts.setdefault(typed, typed)

    def figure(rendered: str) -> Exact:
        return figures.get(rendered) or figures.setdefault(rendered, Exact(rendered))
    kept, found = ledger.journal_lines(after_batch)
    return kept, [[batch, dates.get(date) or dates.setdefault(date, dt.date.fromisoformat(date)),
                   labels[(kind, rev)], text(doc_no), text(wh), text(item), qty_in and figure(qty_in),
                   qty_out and figure(qty_out), figure(unit), Exact(value), Exact(bal_qty), Exact(bal_value)]
                  for batch, date, kind, rev, doc_no, wh, item, qty_in, qty_out, unit, value, bal_qty, bal_value
                  in found]


# The way 台账 shows a movement, in its mark: rows written another way (before returns and 红字冲销
# showed negative in their own column; with or without the cost columns) are never kept, the whole
# sheet is written again.
JOURNAL_FORMAT = "台账2|"
NO_COSTS = "台账2-|"


def journal_mark(ledger: Ledger, costs: bool = True) -> str:
    return (JOURNAL_FORMAT if costs else NO_COSTS) + ledger.generation()


def journal_since(ledger: Ledger, held: tuple[str, int] | None, costs: bool = True) -> tuple[int, list[list]]:
    """What a 台账 sheet written out at ``held`` = (its mark, rows it holds) needs: how many of
    its rows stay, and the rows after them. A mark that is not this ledger's history in this
    format, or a sheet shorter than the rows it should keep, gets the whole journal."""
    form = JOURNAL_FORMAT if costs else NO_COSTS
    mine = held is not None and held[0].startswith(form)
    batch = ledger.batch_of(held[0].removeprefix(form)) if mine else None
    if batch is not None:
        kept, rows = journal_rows(ledger, batch)
        if kept <= held[1]:
            return kept, rows
    return journal_rows(ledger)


def pending_rows(ledger: Ledger) -> list[list]:
    """待审核: every document waiting for 审核, oldest submission first."""
    return [[p.label, p.doc_no, dt.date.fromisoformat(p.date), p.party or None, p.amount, p.submitted_by,
             p.submitted_at.replace("T", " "), WAITING] for p in ledger.pending()]


def approvals(ledger: Ledger) -> list[tuple[SheetSpec, list[list]]]:
    """The 待审核 sheet, where the ledger asks for 审核 or something still waits (else none: a
    one-clerk workbook is not given a sheet it has no use for)."""
    rows = pending_rows(ledger)
    return [(PENDING, rows)] if rows or ledger.approval_required() else []


def summaries(ledger: Ledger, today: dt.date, as_of: dt.date | None = None) -> list[tuple[SheetSpec, list[list]]]:
    """库存, 应收, 应付, 订单跟踪, 开票跟踪, 资金 and 资金日记账 as the books stand on ``today``; 应收 and 应付
    (the specs marked ``as_of``) as of ``as_of`` instead when it is given: what was owed then, and how overdue."""
    aged, masters = as_of or today, ledger.masters()      # read once: 5,000 items were 0.2 s a read, read 5 times
    return [(STOCK, stock_rows(ledger, masters)), (RECEIVABLES, aging_rows(ledger, "AR", aged, masters)),
            (PAYABLES, aging_rows(ledger, "AP", aged, masters)), (ORDER_STATUS, order_status_rows(ledger, today, masters)),
            (INVOICE_STATUS, invoice_status_rows(ledger, today)), (CASH, cash_rows(ledger, masters=masters)),
            (CASH_JOURNAL, cash_journal_rows(ledger)), *approvals(ledger)]
