"""The report tables (进销存汇总, 毛利, 增值税, 补货建议, 库龄, 图表's data), built with pandas over the
ledger's answers in scaled integers: every sum is an int64 sum, and a figure becomes an exact
decimal (Exact text, written out as a number) only as its row is made. No float is ever made."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from ..domain.model import DocType
from ..domain.money import (from_cents, from_qty_units, from_rate_units, from_unit_cost_units, mul_money, to_cents,
                            to_qty_units, to_unit_cost_units)
from ..domain.validate import Masters
from ..ledger import Ledger
from ..ledger.queries import StockRow
from ..sheets.contract import AGE_BANDS
from ..sheets.format import Exact
from .generate import LOW, item_alert
from .layouts import TOTAL


def money(cents: int) -> Exact:
    return Exact(from_cents(int(cents)))


def qty(units: int) -> Exact:
    return Exact(from_qty_units(int(units)))


def price(units: int) -> Exact:
    return Exact(from_unit_cost_units(int(units)))


def margin(profit: int, revenue: int) -> Exact | None:
    """毛利率 as a fraction to 0.01 % (0.1234 = 12.34 %), rounded half up; none without revenue."""
    if revenue == 0:
        return None
    return Exact((Decimal(int(profit)) / Decimal(int(revenue))).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def _frame(rows: list, texts: list[str], figures: list[str]) -> pd.DataFrame:
    """A frame of the ledger's rows: its ``texts`` columns, then its ``figures`` as int64."""
    return pd.DataFrame(list(rows), columns=texts + figures).astype({c: "int64" for c in figures})


def _sums(frame: pd.DataFrame, columns: list[str]) -> dict[str, int]:
    return {c: int(frame[c].sum()) for c in columns}


# -- 进销存汇总 ----------------------------------------------------------------------------------
SUMMARY_FIGURES = ["open_qty", "open_value", "in_qty", "in_value", "out_qty", "out_value", "close_qty", "close_value"]


def summary(ledger: Ledger, masters: Masters, start: dt.date, end: dt.date) -> tuple[list[list], list]:
    """Rows by 仓库 then 商品编码, and the 合计 row: 期初 + 入库 − 出库 = 期末 on every row."""
    frame = _frame(ledger.summary_units(start, end), ["item", "warehouse"], SUMMARY_FIGURES[:6])
    frame["close_qty"] = frame.open_qty + frame.in_qty - frame.out_qty
    frame["close_value"] = frame.open_value + frame.in_value - frame.out_value
    frame = frame.sort_values(["warehouse", "item"], kind="stable")
    rows = [[r.warehouse, r.item, *_item_words(masters, r.item),
             *(money(getattr(r, c)) if c.endswith("value") else qty(getattr(r, c)) for c in SUMMARY_FIGURES)]
            for r in frame.itertuples()]
    sums = _sums(frame, SUMMARY_FIGURES)
    total = [TOTAL, None, None, None, *(money(sums[c]) if c.endswith("value") else qty(sums[c]) for c in SUMMARY_FIGURES)]
    return rows, total


def _item_words(masters: Masters, sku: str) -> tuple[str, str]:
    item = masters.items.get(sku)
    return (item.name, item.unit) if item else ("", "")


# -- 毛利 ------------------------------------------------------------------------------------------
def sales(ledger: Ledger, start: dt.date | None, end: dt.date) -> pd.DataFrame:
    """The period's sales lines: date, 单号, party, item, qty, amount, cost (a return negative)."""
    return _frame(ledger.sales_lines(start, end), ["date", "doc_no", "party", "item"], ["qty", "amount", "cost"])


def profit(lines: pd.DataFrame, by: str, names: dict[str, str]) -> tuple[list[list], list, pd.DataFrame]:
    """Rows per ``by`` ("item" or "party") with 销售数量, 销售收入, 销售成本, 毛利, 毛利率; the 合计 row;
    and the grouped frame (for the charts). Returns and reversals net against their sales; a key
    whose figures all net to nothing is left out."""
    grouped = lines.groupby(by, sort=True)[["qty", "amount", "cost"]].sum().reset_index()
    grouped["profit"] = grouped.amount - grouped.cost
    grouped = grouped[(grouped[["qty", "amount", "cost"]] != 0).any(axis=1)]
    rows = [[getattr(r, by), names.get(getattr(r, by), ""), qty(r.qty), money(r.amount), money(r.cost),
             money(r.profit), margin(r.profit, r.amount)] for r in grouped.itertuples()]
    sums = _sums(grouped, ["qty", "amount", "cost", "profit"])
    total = [TOTAL, None, qty(sums["qty"]), money(sums["amount"]), money(sums["cost"]), money(sums["profit"]),
             margin(sums["profit"], sums["amount"])]
    return rows, total, grouped


# -- 增值税 ----------------------------------------------------------------------------------------
VAT_SIDES = (("sales", "销项"), ("purchases", "进项"))
VAT_FIGURES = ["amount", "tax", "total_with_tax"]
DUE, CREDIT = "应纳税额", "留抵税额"


def vat(ledger: Ledger, start: dt.date, end: dt.date, general: bool) -> tuple[list[list], frozenset[int]]:
    """增值税's rows and which of them are 合计 rows: per 方向 (销项: sales; 进项: purchases whose tax
    was deductible as they posted) one row per 税率, highest first, of the period's lines with
    returns and 红字冲销 netted (a rate that nets to nothing is left out), and the 方向's 合计 —
    shown even with nothing in it, so a business with no tax still reads 0 owed; then 应纳税额:
    销项税额 − 进项税额 for a ``general`` 一般纳税人, never below 0, the rest a 留抵税额 row; the 销项税额
    for a 小规模纳税人. It is the period's own: a credit of an earlier period is not brought forward.

    Lines with no tax (税率 0: untaxed goods, a book kept without tax, lines posted before there
    was 增值税) show as a 0% row rather than being dropped: 销项 金额 then adds up to all the
    period's sales (毛利's 销售收入, tax-exclusive, to the cent) and 进项 金额 to all the
    deductible purchases, and 0% sales are turnover a return declares too (免税/零税率销售额)."""
    frame = _frame(ledger.vat_lines(start, end), ["journal", "rate"], VAT_FIGURES)
    frame = frame[(frame[VAT_FIGURES] != 0).any(axis=1)].sort_values("rate", ascending=False, kind="stable")
    rows: list[list] = []
    subtotals, taxes = set(), {}
    for journal, side in VAT_SIDES:
        mine = frame[frame.journal == journal]
        rows += [[side, Exact(from_rate_units(int(r.rate))), money(r.amount), money(r.tax), money(r.total_with_tax)]
                 for r in mine.itertuples()]
        sums = _sums(mine, VAT_FIGURES)
        taxes[journal] = sums["tax"]
        subtotals.add(len(rows))
        rows.append([side, TOTAL, *(money(sums[c]) for c in VAT_FIGURES)])
    owed = taxes["sales"] - taxes["purchases"] if general else taxes["sales"]
    subtotals.add(len(rows))
    rows.append([DUE, None, None, money(max(owed, 0)), None])
    if owed < 0:
        subtotals.add(len(rows))
        rows.append([CREDIT, None, None, money(-owed), None])
    return rows, frozenset(subtotals)


# -- 补货建议 ----------------------------------------------------------------------------------------
def reorder(ledger: Ledger, masters: Masters) -> tuple[list[list], list]:
    """Items whose 可用数量 + 采购在途 (all warehouses) is below 安全库存 (item_alert: the rule
    库存's 预警 follows too), what to buy to bring them
    to 最高库存 (else twice 安全库存), from whom and at what price. 可用数量 is on hand less what
    open sales orders hold; with no orders it is simply on hand."""
    held = {r.item: to_qty_units(r.qty) for r in ledger.stock(by_item=True)}
    waiting = pd.DataFrame([(kind, item, units) for (kind, item, _), units in ledger.open_quantities().items()],
                           columns=["kind", "item", "units"]).astype({"units": "int64"})
    open_by = waiting.groupby(["kind", "item"])["units"].sum().to_dict()
    short = []
    for sku, item in sorted(masters.items.items()):
        if item.min_qty is None or item.inactive:
            continue
        available = held.get(sku, 0) - open_by.get((DocType.sales_order.value, sku), 0)
        on_order = open_by.get((DocType.purchase_order.value, sku), 0)
        if item_alert(item, from_qty_units(available), from_qty_units(on_order)) == LOW:
            short.append((sku, item, available, on_order))
    last = ledger.last_receipts([sku for sku, *_ in short])
    rows, total = [], 0
    for sku, item, available, on_order in short:
        top = to_qty_units(item.max_qty if item.max_qty is not None else 2 * item.min_qty)
        wanted = max(top - available - on_order, 0)
        supplier, last_price = last.get(sku, ("", None))
        unit = item.purchase_price if item.purchase_price is not None else (
            from_unit_cost_units(last_price) if last_price is not None else None)
        amount = to_cents(mul_money(from_qty_units(wanted), unit)) if unit is not None else None
        total += amount or 0
        rows.append([sku, item.name, qty(available), qty(on_order), Exact(item.min_qty),
                     Exact(item.max_qty) if item.max_qty is not None else None, qty(wanted),
                     _party_name(masters, supplier), price(to_unit_cost_units(unit)) if unit is not None else None,
                     money(amount) if amount is not None else None])
    return rows, [TOTAL, *[None] * 8, money(total)]


def _party_name(masters: Masters, code: str) -> str:
    party = masters.parties.get(code)
    return f"{code} {party.name}" if party else code


# -- 库龄 ------------------------------------------------------------------------------------------
def stock_age(ledger: Ledger, masters: Masters, held: list[StockRow], end: dt.date) -> tuple[list[list], list]:
    """Item × warehouse with stock at ``end`` (``held``: the stock then): its last 入库 and 出库,
    days since it last sold (else since it first came in) and the band those days fall in."""
    dates = ledger.key_dates(end)
    rows, sums = [], [0, 0]
    for r in sorted(held, key=lambda r: (r.warehouse, r.item)):
        if r.qty <= 0:
            continue
        first_in, last_in, last_out, last_sale = dates.get((r.item, r.warehouse), (None,) * 4)
        since = last_sale or first_in
        idle = (end - dt.date.fromisoformat(since)).days if since else None
        rows.append([r.warehouse, r.item, masters.items[r.item].name if r.item in masters.items else "",
                     Exact(r.qty), Exact(r.value), _day(last_in), _day(last_out), idle, band(idle)])
        sums[0] += to_qty_units(r.qty)
        sums[1] += to_cents(r.value)
    return rows, [TOTAL, None, None, qty(sums[0]), money(sums[1]), None, None, None, None]


def band(days: int | None) -> str:
    if days is None:
        return ""
    return next(name for limit, name in AGE_BANDS if limit is None or days <= limit)


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


# -- 图表's data -------------------------------------------------------------------------------------
def months(ledger: Ledger, end: dt.date) -> list[list]:
    """The 12 months up to ``end``'s (none before year 1): 月份, 销售收入, 毛利 (a month with no
    sales shows 0)."""
    wanted = [_month_back(end, n) for n in range(min(11, end.year * 12 + end.month - 13), -1, -1)]
    frame = pd.DataFrame(ledger.sales_by_month(dt.date.fromisoformat(wanted[0] + "-01"), end),
                         columns=["month", "amount", "cost"]).astype({"amount": "int64", "cost": "int64"})
    grouped = frame.set_index("month").reindex(wanted, fill_value=0)
    return [[month, money(r.amount), money(r.amount - r.cost)] for month, r in zip(wanted, grouped.itertuples())]


def _month_back(day: dt.date, n: int) -> str:
    index = day.year * 12 + day.month - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def by_category(masters: Masters, held: list[StockRow]) -> list[list]:
    """The value of the stock ``held`` per 类别 (none given: 未分类), largest first."""
    frame = pd.DataFrame([((masters.items[r.item].category if r.item in masters.items else "") or "未分类",
                           to_cents(r.value)) for r in held], columns=["category", "value"])
    grouped = frame.astype({"value": "int64"}).groupby("category")["value"].sum().sort_values(ascending=False, kind="stable")
    return [[category, money(value)] for category, value in grouped.items() if value]
