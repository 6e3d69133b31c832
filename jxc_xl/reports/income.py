"""利润表: the period's 销售收入 down to 利润, and 图表's monthly 利润, from the ledger's figures
per month (ledger.income). Each row says whether it shows what things cost: those rows are left
out for 采购 and 销售, as the other reports leave out their cost columns."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ..ledger import Ledger
from ..sheets.contract import INCOME_STATEMENT
from .layouts import Block, Heading, report_layout
from .tables import money

UNCLASSIFIED = "未分类"
RULE = "利润 = 销售毛利 + 盘盈 − 盘亏 + 其他收入 − 费用合计"
WIDE = 28           # each column: the rule and the note above the two columns print whole


def statement_rows(figures: list[tuple[str, str, str, int]]) -> list[tuple[str, int, bool]]:
    """(项目, cents, shows a cost) in the contract's order, from ``figures`` (what, 类别, cents)
    of any months: 销售收入, 销售成本, 销售毛利, 盘盈, 盘亏, 其他收入, 费用-<类别> each (by 类别),
    费用合计, 利润."""
    sums: dict[str, int] = defaultdict(int)
    expenses: dict[str, int] = defaultdict(int)
    for what, category, cents in figures:
        if what == "expense":
            expenses[category or UNCLASSIFIED] += cents
        else:
            sums[what] += cents
    gross = sums["revenue"] - sums["cost"]
    spent = sum(expenses.values())
    profit = gross + sums["gain"] - sums["loss"] + sums["other_income"] - spent
    return [("销售收入", sums["revenue"], False), ("销售成本", sums["cost"], True), ("销售毛利", gross, True),
            ("盘盈", sums["gain"], True), ("盘亏", sums["loss"], True), ("其他收入", sums["other_income"], False),
            *((f"费用-{name}", cents, False) for name, cents in sorted(expenses.items(), key=_unclassified_last)),
            ("费用合计", spent, False), ("利润", profit, True)]


def _unclassified_last(entry: tuple[str, int]) -> tuple[bool, str]:
    return entry[0] == UNCLASSIFIED, entry[0]


def income_statement(ledger: Ledger, heading: Heading, start: dt.date, end: dt.date, costs: bool = True):
    """The 利润表 sheet for ``start``..``end``: one row per 项目 (those showing a cost only for
    ``costs``), and the rule 利润 follows above it."""
    figures = [(what, category, cents) for _, what, category, cents in ledger.income_by_month(start, end)]
    rows = [[name, money(cents)] for name, cents, cost in statement_rows(figures) if costs or not cost]
    layout = report_layout(INCOME_STATEMENT, heading, [Block(INCOME_STATEMENT.columns, rows)], extra=RULE)
    layout.widths = [max(width, WIDE) for width in layout.widths]
    return layout


def monthly_profit(ledger: Ledger, months: list[str], end: dt.date) -> list[list]:
    """[月份, 利润] for each of ``months`` (YYYY-MM, oldest first) up to ``end``: 0 where nothing happened."""
    found: dict[str, list] = defaultdict(list)
    for month, what, category, cents in ledger.income_by_month(dt.date.fromisoformat(months[0] + "-01"), end):
        found[month].append((what, category, cents))
    return [[month, money(statement_rows(found[month])[-1][1])] for month in months]
