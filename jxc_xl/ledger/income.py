"""What the 利润表 asks the ledger: the period's income and expense figures per month, in cents.

One answer serves both the statement (its months added up) and 图表's monthly 利润, so the two
cannot disagree. Sales are summed as 毛利 sums them (lines.amount, tax-exclusive; the shipments'
cost), so 销售收入 and 销售成本 equal its totals to the cent. Returns and 红字冲销 count negative:
a reversed document's lines and movements are negated, and a money document's amount is signed
by its reversal flag."""
from __future__ import annotations

import datetime as dt

from .queries import IN_COLUMN

_MONTH = "substr(d.date, 1, 7)"
_SALES = "d.type IN ('sales_shipment', 'sales_return')"
_PERIOD = "d.date >= ? AND d.date <= ?"
# (what, SQL of (month, category, cents)) — each over the period's documents
_FIGURES = (
    ("revenue", f"SELECT {_MONTH}, '', SUM(CASE d.type WHEN 'sales_return' THEN -l.amount ELSE l.amount END) "
                f"FROM lines l JOIN documents d ON d.id = l.doc WHERE {_SALES} AND {_PERIOD} GROUP BY {_MONTH}"),
    ("cost", f"SELECT {_MONTH}, '', -SUM(m.value) FROM movements m JOIN documents d ON d.id = m.doc "
             f"WHERE {_SALES} AND {_PERIOD} GROUP BY {_MONTH}"),
    # a count's gains are its movements in 入库's column (as 进销存汇总 counts them), its losses the rest
    ("gain", f"SELECT {_MONTH}, '', SUM(m.value) FROM movements m JOIN documents d ON d.id = m.doc "
             f"WHERE d.type = 'stock_count' AND {IN_COLUMN} AND {_PERIOD} GROUP BY {_MONTH}"),
    ("loss", f"SELECT {_MONTH}, '', -SUM(m.value) FROM movements m JOIN documents d ON d.id = m.doc "
             f"WHERE (d.type = 'other_issue' OR (d.type = 'stock_count' AND NOT {IN_COLUMN})) AND {_PERIOD} "
             f"GROUP BY {_MONTH}"),
    ("other_income", f"SELECT {_MONTH}, '', SUM((1 - 2 * d.reversal) * d.amount) FROM documents d "
                     f"WHERE d.type = 'other_income' AND {_PERIOD} GROUP BY {_MONTH}"),
    ("expense", f"SELECT {_MONTH}, COALESCE(d.category, ''), SUM((1 - 2 * d.reversal) * d.amount) FROM documents d "
                f"WHERE d.type = 'expense' AND {_PERIOD} GROUP BY {_MONTH}, COALESCE(d.category, '')"),
)


def income_by_month(conn, start: dt.date, end: dt.date) -> list[tuple[str, str, str, int]]:
    """(YYYY-MM, what, 类别, cents) for each month of ``start``..``end`` with figures: what is
    revenue, cost (of goods sold), gain (count gains at cost), loss (count losses and other
    issues at cost), other_income, or expense (by its 类别, '' for none)."""
    period = (start.isoformat(), end.isoformat())
    money = "category" in conn.columns("documents")        # an old ledger read as it is has no 费用
    return [(month, what, category or "", int(cents))
            for what, sql in _FIGURES if money or what not in ("other_income", "expense")
            for month, category, cents in conn.execute(sql, period).fetchall() if cents is not None]
