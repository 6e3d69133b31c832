"""预收/预付 and 核销 (issue 23, 资金): which credit settles which receivable — typed from scratch.

The business: C1 a customer paying on delivery (账期 0), S1 a supplier, X1 both; one item at 100.00
a unit, no tax; a sales order SO1 of 5 units on 11-02. Figures are worked by hand in each test.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jxc_xl.app.reports import write_statement
from jxc_xl.io.patch import PatchBook
from jxc_xl.ledger import Ledger
from jxc_xl.sheets.contract import STATEMENT
from tests.app.test_reports import report_table
from tests.wb import add_sheets, ledger_at, post, table_rows, type_rows

D = Decimal
HEADS = {
    "销售订单": ["单号", "日期", "客户", "仓库", "商品编码", "数量", "单价", "状态"],
    "采购": ["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价", "状态"],
    "销售": ["单号", "日期", "业务类型", "客户", "仓库", "商品编码", "数量", "单价", "订单号", "状态"],
    "收付款": ["单号", "日期", "业务类型", "往来单位", "金额", "订单号", "备注", "状态"],
    "核销": ["单号", "日期", "业务类型", "往来单位", "金额", "原单号", "备注", "状态"],
}


def day(d: int, month: int = 11) -> dt.date:
    return dt.date(2026, month, d)


def book(path: Path, **sheets: list[list]) -> Path:
    """Masters, 1,000 units in stock on 10-01 and SO1; then ``sheets`` (name → rows by HEADS)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "商品"
    ws.append(["商品编码", "商品名称"])
    ws.append(["A", "电饭煲"])
    sheets = {"销售订单": [["SO1", day(2), "C1", "W", "A", 5, 100]], **sheets}
    add_sheets(wb, [
        ("往来单位", ["编码", "名称", "类型", "账期天数"],
         [["C1", "国美商场", "客户", 0], ["C2", "苏宁", "客户", 0], ["S1", "美的", "供应商", 0],
          ["X1", "两用公司", "客户及供应商", 0]]),
        ("仓库", ["编码", "名称"], [["W", "总仓"]]),
        ("期初库存", ["日期", "仓库", "商品编码", "数量", "单位成本"], [[day(1, 10), "W", "A", 1000, 60]]),
        *((name, head, sheets.get(name, [])) for name, head in HEADS.items())])
    wb.save(path)
    return path


def ship(no, date, qty, customer="C1", order=None):
    return [no, date, "出库", customer, "W", "A", qty, 100, order]


def money(no, date, kind, party, amount, order=None, note=None):
    return [no, date, kind, party, amount, order, note]


def settle(no, date, kind, party, amount, source=None):
    return [no, date, kind, party, amount, source]


def errors(report) -> dict[str, str]:
    return {f"{sheet}{row}": message for sheet, row, message in report.error_rows}


@pytest.fixture
def opened():
    found = []

    def at(path: Path) -> Ledger:
        found.append(Ledger.open(ledger_at(path)))
        return found[-1]
    yield at
    for ledger in found:
        ledger.close()


def open_of(ledger: Ledger, party: str, side: str = "AR", as_of: dt.date | None = None):
    items, credit = ledger.open_items(party, side, as_of)
    return {i.doc_no: i.open for i in items if i.open}, credit


def aged(ledger: Ledger, party: str, side: str = "AR", as_of: dt.date = day(21)):
    return next(r for r in ledger.aging(as_of, side) if r.party == party)


def test_an_advance_on_an_order_skips_older_invoices_and_goes_to_that_orders_shipment_only(tmp_path, opened):
    """XS1 (1,000.00) is owed before the deposit YS1 (300.00 on SO1): the deposit stays apart,
    the shipment XS2 (200.00, no order) does not take it, XS3 (500.00 on SO1) does: 200.00 open."""
    path = book(tmp_path / "b.xlsx",
                销售=[ship("XS1", day(1), 10), ship("XS2", day(4), 2), ship("XS3", day(5), 5, order="SO1")],
                收付款=[money("YS1", day(3), "预收", "C1", 300, order="SO1"),
                     money("YS2", day(3), "预收", "C1", 50, order="SO9")])
    report = post(path)
    assert list(errors(report)) == ["收付款3"] and "SO9" in errors(report)["收付款3"]
    ledger = opened(path)
    assert open_of(ledger, "C1", as_of=day(4)) == ({"XS1": D(1000), "XS2": D(200)}, D(300))
    assert open_of(ledger, "C1") == ({"XS1": D(1000), "XS2": D(200), "XS3": D(200)}, D(0))
    (order,) = ledger.conn.execute("SELECT id FROM documents WHERE doc_no = 'SO1'").fetchone()
    assert [tuple(r) for r in ledger.conn.execute("SELECT order_doc FROM party_entries WHERE kind = 'advance'")] == [(order,)]
    row = aged(ledger, "C1")
    assert (row.balance, row.buckets["0-30"], row.credit) == (D(1400), D(1400), D(0))
    assert ledger.verify() == []


def test_a_surplus_receipt_is_a_credit_the_next_shipment_takes_and_the_sheet_shows_it(tmp_path, opened):
    """SK1 pays 1,500.00 on XS1's 1,000.00: 500.00 is 预收余额 until XS2 (800.00) takes it, 300.00 open."""
    path = book(tmp_path / "b.xlsx", 销售=[ship("XS1", day(1), 10)],
                收付款=[money("SK1", day(2), "收款", "C1", 1500)])
    assert not post(path).error_rows
    (row,) = [r for r in table_rows(path, "应收") if r["客户"] == "C1"]
    assert (row["应收余额"], row["预收余额"], row["未到期"]) == (-500, 500, -500)
    type_rows(path, "销售", [dict(zip(HEADS["销售"], ship("XS2", day(5), 8)))])
    assert not post(path).error_rows
    (row,) = [r for r in table_rows(path, "应收") if r["客户"] == "C1"]
    assert (row["应收余额"], row["预收余额"], row["0-30天"]) == (300, 0, 300)
    assert open_of(opened(path), "C1") == ({"XS2": D(300)}, D(0))


def test_a_settlement_never_applies_more_than_is_open_on_either_side(tmp_path, opened):
    """C1: XS1 1,000.00 owed, YS1 300.00 held. C2: XS2 200.00 owed, YS2 500.00 held."""
    path = book(tmp_path / "b.xlsx", 销售=[ship("XS1", day(1), 10), ship("XS2", day(1), 2, customer="C2")],
                收付款=[money("YS1", day(3), "预收", "C1", 300), money("YS2", day(3), "预收", "C2", 500)],
                核销=[settle("HX1", day(6), "预收冲应收", "C1", 400),                # more than the advance
                    settle("HX2", day(6), "预收冲应收", "C2", 300),                 # more than is owed
                    settle("HX3", day(6), "预收冲应收", "C2", 250, "XS2"),          # more than XS2 owes
                    settle("HX4", day(6), "预收冲应收", "C1", 300, "YS1"),
                    settle("HX5", day(7), "预收冲应收", "C1", 1, "XS1"),            # YS1 is used up
                    settle("HX6", day(7), "预收冲应收", "C1", 1, "XS8")])
    found = errors(post(path))
    assert set(found) == {"核销2", "核销3", "核销4", "核销6", "核销7"}, found
    assert "400.00" in found["核销2"] and "预收" in found["核销2"] and "300.00" in found["核销2"]
    assert "300.00" in found["核销3"] and "应收" in found["核销3"] and "200.00" in found["核销3"]
    assert "250.00" in found["核销4"] and "应收“XS2”" in found["核销4"] and "200.00" in found["核销4"]
    assert "1.00" in found["核销6"] and "0.00" in found["核销6"]
    assert "XS8" in found["核销7"] and "原单号" in found["核销7"]
    ledger = opened(path)
    assert open_of(ledger, "C1") == ({"XS1": D(700)}, D(0))
    assert open_of(ledger, "C2") == ({"XS2": D(200)}, D(500))
    assert ledger.reverse("YS1", "payments").outcomes[0].status == "error"     # HX4 names it
    assert ledger.verify() == []


def test_netting_a_party_that_is_customer_and_supplier_is_held_to_both_sides(tmp_path, opened):
    """X1 owes us 1,000.00 (XS1) and we owe it 600.00 (CG1): at most 600.00 nets."""
    path = book(tmp_path / "b.xlsx", 销售=[ship("XS1", day(1), 10, customer="X1")],
                采购=[["CG1", day(2), "入库", "X1", "W", "A", 10, 60]],
                核销=[settle("HX1", day(5), "应收冲应付", "X1", 700), settle("HX2", day(5), "应收冲应付", "X1", 600, "CG1")])
    found = errors(post(path))
    assert list(found) == ["核销2"] and "700.00" in found["核销2"] and "应付" in found["核销2"] and "600.00" in found["核销2"]
    ledger = opened(path)
    assert open_of(ledger, "X1", "AR") == ({"XS1": D(400)}, D(0)) and open_of(ledger, "X1", "AP") == ({}, D(0))
    assert ledger.balance("X1") == D(400)
    assert ledger.reverse("CG1", "purchases").outcomes[0].status == "error"    # HX2 applies it


def test_a_back_dated_receipt_settles_again_and_the_aging_follows(tmp_path, opened):
    """XS1 (10-01, 1,000.00) owed; YS1 (10-20, 500.00) held, then taken by XS2 (11-10, 800.00):
    51 days past due 1,000.00, 11 days 300.00. A receipt SK1 of 600.00 typed later but dated 10-05
    settles XS1 first: 400.00 and 300.00."""
    path = book(tmp_path / "b.xlsx", 销售=[ship("XS1", day(1, 10), 10), ship("XS2", day(10), 8)],
                收付款=[money("YS1", day(20, 10), "预收", "C1", 500)])
    assert not post(path).error_rows
    row = aged(opened(path), "C1")
    assert (row.buckets["31-60"], row.buckets["0-30"], row.credit) == (D(1000), D(300), D(0))
    type_rows(path, "收付款", [dict(zip(HEADS["收付款"], money("SK1", day(5, 10), "收款", "C1", 600)))])
    assert not post(path).error_rows
    row = aged(opened(path), "C1")
    assert (row.balance, row.buckets["31-60"], row.buckets["0-30"]) == (D(700), D(400), D(300))
    (sheet,) = [r for r in table_rows(path, "应收") if r["客户"] == "C1"]
    assert (sheet["应收余额"], sheet["31-60天"], sheet["0-30天"]) == (700, 400, 300)


def test_reversing_an_advance_opens_what_it_paid_and_the_order_stands_on_it(tmp_path, opened):
    path = book(tmp_path / "b.xlsx", 销售=[ship("XS3", day(5), 5, order="SO1")],
                收付款=[money("YS1", day(3), "预收", "C1", 300, order="SO1")])
    assert not post(path).error_rows
    ledger = opened(path)
    assert open_of(ledger, "C1") == ({"XS3": D(200)}, D(0))
    refused = ledger.reverse("SO1", "sales_orders").outcomes[0]
    assert refused.status == "error" and "YS1" in refused.problems[0].message
    assert ledger.reverse("YS1", "payments").outcomes[0].status == "posted"
    assert open_of(ledger, "C1") == ({"XS3": D(500)}, D(0))
    assert aged(ledger, "C1").credit == D(0) and ledger.verify() == []


def test_the_statement_says_what_advances_and_settlements_did(tmp_path):
    path = book(tmp_path / "b.xlsx", 销售=[ship("XS1", day(1), 10)],
                收付款=[money("YS1", day(3), "预收", "C1", 300, order="SO1")],
                核销=[settle("HX1", day(6), "预收冲应收", "C1", 300, "YS1")])
    assert not post(path).error_rows
    assert write_statement(PatchBook(path), path, "C1", day(1), day(30)).ok
    columns = tuple(c for c in STATEMENT.columns if c.zh not in ("应付增加", "付出"))
    rows, total = report_table(path, "对账单", columns, "往来单位：C1 国美商场")
    assert [(r["单号"], r["单据类型"], r["摘要"], r["应收增加"], r["收回"], r["余额"]) for r in rows[1:]] == [
        ("XS1", "销售出库", None, D(1000), None, D(1000)),
        ("YS1", "预收", "预收（订单 SO1）", None, D(300), D(700)),
        ("HX1", "预收冲应收", "预收冲应收 300.00（YS1）", None, None, D(700))]
    assert (total["应收增加"], total["收回"], total["余额"]) == (D(1000), D(300), D(700))


def test_a_settlement_the_books_no_longer_hold_is_named_by_verify(tmp_path, opened):
    """HX1 applies YS1's 300.00 to XS1; a shipment XS2 dated before HX1 and posted after it takes
    YS1 first: HX1 then applies 300.00 the books no longer hold, and verify() says so."""
    path = book(tmp_path / "b.xlsx", 销售=[ship("XS1", day(1), 10)],
                收付款=[money("YS1", day(3), "预收", "C1", 300)],
                核销=[settle("HX1", day(10), "预收冲应收", "C1", 300)])
    assert not post(path).error_rows
    type_rows(path, "销售", [dict(zip(HEADS["销售"], ship("XS2", day(5), 5)))])
    assert not post(path).error_rows
    ledger = opened(path)
    (problem,) = ledger.verify()
    assert "HX1" in problem and "300.00" in problem and "C1" in problem
    assert ledger.balance("C1") == D(1200) and aged(ledger, "C1").balance == D(1200)


def test_on_a_server_ledger_an_advance_on_an_order_waits_for_its_shipment(tmp_path, server_ledger, opened):
    path = book(tmp_path / "b.xlsx",
                销售=[ship("XS1", day(1), 10), ship("XS3", day(5), 5, order="SO1")],
                收付款=[money("YS1", day(3), "预收", "C1", 300, order="SO1")])
    Ledger.open(server_ledger).close()
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("设置")
    ws.append(["项目", "值"])
    ws.append(["账簿文件", server_ledger])
    wb.save(path)
    assert not post(path).error_rows
    ledger = opened(path)
    assert ledger.server and open_of(ledger, "C1") == ({"XS1": D(1000), "XS3": D(200)}, D(0))
    assert aged(ledger, "C1").balance == D(1200)


def test_an_advance_a_settlement_took_as_the_oldest_is_not_reversed_under_it(tmp_path, opened):
    """HX1 applies 300.00 of advances (none named: YS1 is the oldest) to XS1: YS1 cannot be
    reversed before HX1 is, and then can."""
    path = book(tmp_path / "b.xlsx", 销售=[ship("XS1", day(1), 10)],
                收付款=[money("YS1", day(3), "预收", "C1", 300)],
                核销=[settle("HX1", day(6), "预收冲应收", "C1", 300)])
    assert not post(path).error_rows
    ledger = opened(path)
    refused = ledger.reverse("YS1", "payments").outcomes[0]
    assert refused.status == "error" and "HX1" in refused.problems[0].message
    assert ledger.reverse("HX1", "settlements").ok and ledger.reverse("YS1", "payments").ok
    assert open_of(ledger, "C1") == ({"XS1": D(1000)}, D(0)) and ledger.verify() == []
