"""The period's reports as sheets: 进销存汇总, 毛利 (by item, then by customer), 利润表, 增值税, 补货建议,
库龄, 图表."""
from __future__ import annotations

import datetime as dt

from ..domain.validate import Masters
from ..ledger import Ledger
from ..sheets.contract import CHARTS, PROFIT, PROFIT_BY_CUSTOMER, REORDER, STOCK_AGE, SUMMARY, VAT, C, Held
from ..sheets.layout import Chart, Layout
from . import tables
from .income import income_statement, monthly_profit
from .layouts import Block, Heading, report_layout

MONTHS = (C("月份", "Month"), C("销售收入", "Revenue", "money"), C("毛利", "Profit", "money", cost=True))
PROFITS = (C("月份", "Month"), C("利润", "Profit", "money", cost=True))
TOP_ITEMS = (C("商品编码", "SKU"), C("商品名称", "Name"), C("毛利", "Profit", "money", cost=True))
CATEGORIES = (C("类别", "Category"), C("库存金额", "Value", "money", cost=True))
TOP = 10
REORDER_RULE = "商品在各仓库合计的可用数量＋采购在途低于安全库存时列出（与“库存”表的预警同一规则）；数量为生成时的数"
NO_SALES = "本期没有销售"
NO_REORDER = "没有需要补货的商品：各商品合计的可用数量＋采购在途都不低于安全库存"
VAT_RULE = {True: "一般纳税人：应纳税额 = 销项税额 − 进项税额，不足抵扣的为留抵税额",
            False: "小规模纳税人：应纳税额 = 销项税额，采购的税额计入成本"}


def period_reports(ledger: Ledger, heading: Heading, start: dt.date, end: dt.date, costs: bool = True,
                   codes: Held | None = None, general: bool = False) -> list[Layout]:
    """The seven reports (增值税's 应纳税额 as a ``general`` 一般纳税人 owes it, else a 小规模纳税人); ``costs``
    False (采购, 销售) leaves out every cost figure — 期初/入库/出库/期末 金额, 销售成本, 毛利, 毛利率, 库存金额,
    the 利润表's rows drawn from cost — and the charts drawn from them. Codes the masters hold as
    numbers (``codes``) are written as numbers."""
    masters = ledger.masters()
    held = ledger.stock(as_of=end)
    lines = tables.sales(ledger, start, end)
    by_item = tables.profit(lines, "item", {s: i.name for s, i in masters.items.items()})
    by_party = tables.profit(lines, "party", {c: p.name for c, p in masters.parties.items()})

    def shown(*blocks: Block) -> list[Block]:
        blocks = tuple(b.holding(codes) for b in blocks)
        return list(blocks) if costs else [b.without_costs() for b in blocks]
    return [
        report_layout(SUMMARY, heading, shown(Block(SUMMARY.columns, *tables.summary(ledger, masters, start, end),
                                                     empty="本期没有库存，也没有出入库"))),
        report_layout(PROFIT, heading, shown(Block(PROFIT.columns, *by_item[:2], caption="按商品", empty=NO_SALES),
                                             Block(PROFIT_BY_CUSTOMER, *by_party[:2], caption="按客户", empty=NO_SALES))),
        income_statement(ledger, heading, start, end, costs),
        report_layout(VAT, heading, [vat_block(ledger, start, end, general)], extra=VAT_RULE[general]),
        report_layout(REORDER, heading, [Block(REORDER.columns, *tables.reorder(ledger, masters), empty=NO_REORDER).holding(codes)],
                      extra=REORDER_RULE),
        report_layout(STOCK_AGE, heading, shown(Block(STOCK_AGE.columns,
                                                      *tables.stock_age(ledger, masters, held, end),
                                                      empty=f"{end.isoformat()} 没有库存")),
                      extra=f"库存截至 {end.isoformat()}"),
        charts(ledger, masters, heading, by_item[2], held, end, costs)]


def vat_block(ledger: Ledger, start: dt.date, end: dt.date, general: bool) -> Block:
    rows, subtotals = tables.vat(ledger, start, end, general)
    return Block(VAT.columns, rows, subtotals=subtotals)


def charts(ledger: Ledger, masters: Masters, heading: Heading, by_item, held: list, end: dt.date,
           costs: bool = True) -> Layout:
    """图表: four small tables and a native chart beside each — sales and gross profit of the
    last 12 months, their 利润 (the 利润表's bottom line), the ten items with the most gross profit,
    stock value by 类别 — or, for those not shown costs, the months' sales alone."""
    top = by_item.sort_values("profit", ascending=False, kind="stable").head(TOP)
    names = {s: i.name for s, i in masters.items.items()}
    sales = tables.months(ledger, end)
    blocks = [Block(MONTHS, sales, caption="近 12 个月销售收入与毛利"),
              Block(PROFITS, monthly_profit(ledger, [r[0] for r in sales], end), caption="近 12 个月利润"),
              Block(TOP_ITEMS, [[r.item, names.get(r.item, ""), tables.money(r.profit)] for r in top.itertuples()],
                    caption=f"毛利最高的 {TOP} 个商品（本期）"),
              Block(CATEGORIES, tables.by_category(masters, held), caption=f"各类别库存金额（{end.isoformat()}）")]
    kinds = _KINDS
    if not costs:
        blocks, kinds = [Block(MONTHS[:2], [r[:2] for r in blocks[0].rows], caption="近 12 个月销售收入")], _SALES_ONLY
    layout = report_layout(CHARTS, heading, blocks, whole_titles=False)     # the charts carry the page wider
    layout.charts, layout.breaks = _charts(layout, blocks, kinds)
    layout.landscape, layout.freeze = True, 0
    return layout


_CHART_ROWS = 17            # a chart is about 16 rows tall: each table gets at least that many


# each table's chart: its kind, title, the column naming its categories (the items by 商品名称, not
# their codes) and the columns of its values
_KINDS = (("bar", "近 12 个月销售收入与毛利", 1, (2, 3)), ("bar", "近 12 个月利润", 1, (2,)),
          ("bar", "毛利最高的商品", 2, (3,)),
          ("pie", "各类别库存金额", 1, (2,)))
_SALES_ONLY = (("bar", "近 12 个月销售收入", 1, (2,)),)


def _charts(layout: Layout, blocks: list[Block], kinds: tuple) -> tuple[list[Chart], list[int]]:
    """A chart beside each table, its rows padded so the charts do not overlap; and the page
    breaks that keep each table and its chart on a page of their own."""
    found, row, breaks = [], 0, []
    for block, (kind, title, names, values) in zip(blocks, kinds):
        header = next(r for r in range(row, len(layout.rows)) if layout.rows[r][:1] and
                      layout.rows[r][0].look == "header") + 1
        last = header + len(block.rows)
        if block.rows:
            found.append(Chart(kind, title, f"E{header - 1}", header, header + 1, last, names, values))
        pad = max(0, header - 1 + _CHART_ROWS - last)
        layout.rows[last:last] = [[] for _ in range(pad)]
        row = last + pad
        breaks.append(row)
    return found, breaks[:-1]
