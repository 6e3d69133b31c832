"""A taxed business typed from scratch, the way an outside check types one: plain header rows."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jxc_xl.ledger import Ledger
from tests.wb import add_sheets, ledger_at

PURCHASE_HEAD = ["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价", "金额", "税率", "含税单价",
                 "税额", "价税合计", "发票类型", "原单号", "状态"]
SALES_HEAD = ["单号", "日期", "业务类型", "客户", "仓库", "商品编码", "数量", "单价", "金额", "税率", "含税单价",
              "税额", "价税合计", "原单号", "状态"]
INVOICE_HEAD = ["发票号码", "开票日期", "方向", "往来单位", "发票类型", "单号", "金额", "税额", "价税合计", "备注", "状态"]


def taxed_book(path: Path, taxpayer: str = "一般纳税人", default_rate: object = "13%",
               purchases: list[list] = (), sales: list[list] = (), item_rates: dict | None = None,
               party_rates: dict | None = None, invoices: list[list] = (), credit: object = None) -> Path:
    """Two items (A 13% unless ``item_rates`` says, B none), a supplier S1, a small-scale supplier S3,
    a customer C1; 设置's 纳税人类型 and 默认税率; ``purchases``, ``sales`` and ``invoices`` (发票) rows by
    the heads above; ``credit`` C1's 信用额度."""
    item_rates = {"A": None, "B": None, **(item_rates or {})}
    party_rates = {"S1": None, "S3": "3%", "C1": None, **(party_rates or {})}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "商品"
    ws.append(["商品编码", "商品名称", "单位", "税率"])
    for sku, name in (("A", "洗衣机"), ("B", "大米")):
        ws.append([sku, name, "台", item_rates[sku]])
    ws = wb.create_sheet("往来单位")
    ws.append(["编码", "名称", "类型", "税率", "信用额度"])
    for code, name, kind in (("S1", "海尔电器", "供应商"), ("S3", "小王五金", "供应商"), ("C1", "国美商场", "客户")):
        ws.append([code, name, kind, party_rates[code], credit if code == "C1" else None])
    wb.create_sheet("仓库").append(["编码", "名称"])
    wb["仓库"].append(["W", "总仓"])
    ws = wb.create_sheet("设置")
    ws.append(["项目", "值"])
    ws.append(["纳税人类型", taxpayer])
    ws.append(["默认税率", default_rate])
    add_sheets(wb, [("采购", PURCHASE_HEAD, purchases), ("销售", SALES_HEAD, sales), ("发票", INVOICE_HEAD, invoices)])
    wb.save(path)
    return path


def cells(path: Path, sheet: str) -> list[dict]:
    """Each row of ``sheet`` under its header, by header name; figures as exact decimals."""
    ws = openpyxl.load_workbook(path)[sheet]
    head = [c.value for c in ws[1]]
    exact = lambda v: Decimal(repr(v)) if isinstance(v, float) else v      # noqa: E731
    return [dict(zip(head, (exact(c.value) for c in row))) for row in ws.iter_rows(min_row=2)]


@pytest.fixture
def open_ledger():
    opened = []

    def at(book: Path) -> Ledger:
        ledger = Ledger.open(ledger_at(book))
        opened.append(ledger)
        return ledger
    yield at
    for ledger in opened:
        ledger.close()
