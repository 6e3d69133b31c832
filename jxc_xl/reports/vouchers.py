"""The 凭证 sheet: one row per entry line, header in row 1 and nothing above or below it (no title,
no 合计), so that 金蝶 KIS/精斗云/星辰 and 用友 import the sheet as it is."""
from __future__ import annotations

import datetime as dt

from ..domain.money import from_cents
from ..domain.validate import Masters
from ..sheets.contract import VOUCHERS, Held, holding
from ..sheets.layout import Cell, Layout, fit_widths

WORD = "记"


def memo(voucher, masters: Masters) -> str:
    """摘要: what the document was, its 单号, whom it was with (a 费用's 类别) — 红字冲销 said first."""
    party = masters.parties.get(voucher.party)
    said = " ".join(filter(None, (voucher.doc_type.label, voucher.doc_no, party.name if party else voucher.party,
                                  voucher.category)))
    return f"红字冲销 {said}" if voucher.reversal else said


def voucher_rows(vouchers: list, chart: dict[str, tuple[str, str]], masters: Masters) -> list[list]:
    """日期, 凭证字, 凭证号, 摘要, 科目编码, 科目名称, 借方金额, 贷方金额, 往来单位, 单号 per entry."""
    rows = []
    for v in vouchers:
        said = memo(v, masters)
        for e in v.entries:
            code, name = chart[e.use]
            rows.append([dt.date.fromisoformat(v.date), WORD, v.no, said, code, name,
                         None if e.debit is None else from_cents(e.debit),
                         None if e.credit is None else from_cents(e.credit),
                         v.party if e.names_party else None, v.doc_no])
    return rows


def voucher_layout(rows: list[list], company: str, held: Held | None = None) -> Layout:
    columns = VOUCHERS.columns
    cells = [[Cell(c.zh, "header") for c in columns]]
    cells += [[Cell(v, "body", c.kind) for v, c in zip(row, columns)] for row in holding(columns, rows, held)]
    return Layout(VOUCHERS, cells, fit_widths(cells), company=company, repeat=(1, 1), freeze=1, landscape=True)
