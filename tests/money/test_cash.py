"""资金: the money in each account (资金), every movement with its running balance (资金日记账),
=JXC_CASH, a balance below zero marked, said and stopping 结账 — typed from scratch, the way an
outside check types a workbook (plain header rows), and figures worked by hand."""
from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from jxc_xl import Ledger, lookup
from jxc_xl.app.periods import close_month
from jxc_xl.app.usecases import reverse_book, verify_book
from jxc_xl.cli import main
from jxc_xl.io.patch import PatchBook as FileBook
from tests.wb import TODAY, add_sheets, ledger_at, post, table_rows
from tests.xlengine import open_book

D = Decimal
OPEN, D1, D2, D3, D4 = (dt.date(2026, 10, 31), dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 5),
                        dt.date(2026, 11, 20))
PAYMENTS = ["单号", "日期", "业务类型", "往来单位", "金额", "账户"]
MONEY = ["单号", "日期", "业务类型", "账户", "转入账户", "类别", "往来单位", "金额"]


def cash_book(path: Path, opening: list[list] = (), payments: list[list] = (), money: list[list] = ()) -> Path:
    """One item, a customer C1 and a supplier S1, a warehouse; accounts XJ 现金, GH 工商银行 and WX 微信
    (never used); 期初资金 rows (日期, 账户, 金额), 收付款 rows by PAYMENTS, 其他收支 rows by MONEY."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "商品"
    ws.append(["商品编码", "商品名称"])
    ws.append(["A", "洗衣机"])
    add_sheets(wb, [
        ("往来单位", ["编码", "名称", "类型"], [["C1", "国美商场", "客户"], ["S1", "海尔电器", "供应商"]]),
        ("仓库", ["编码", "名称"], [["W", "总仓"]]),
        ("账户", ["编码", "名称", "类型"], [["XJ", "现金", "现金"], ["GH", "工商银行", "银行"], ["WX", "微信", "微信"]]),
        ("期初资金", ["日期", "账户", "金额"], opening), ("收付款", PAYMENTS, payments), ("其他收支", MONEY, money)])
    wb.save(path)
    return path


def add_rows(path: Path, sheet: str, rows: list[list]) -> None:
    wb = openpyxl.load_workbook(path)
    for row in rows:
        wb[sheet].append(row)
    wb.save(path)


def cash(book: Path) -> dict[str, tuple]:
    """资金 as account → (名称, 类型, 余额, 预警)."""
    return {r["账户"]: (r["名称"], r["类型"], D(str(r["余额"])), r["预警"]) for r in table_rows(book, "资金")}


def journal(book: Path) -> list[tuple]:
    """资金日记账 as (日期, 账户, 单号, 单据类型, 往来单位, 收入, 支出, 余额)."""
    figure = lambda v: None if v is None else D(str(v))        # noqa: E731
    return [(r["日期"].date(), r["账户"], r["单号"], r["单据类型"], r["往来单位"], figure(r["收入"]), figure(r["支出"]),
             figure(r["余额"])) for r in table_rows(book, "资金日记账")]


def posted(book: Path):
    report = post(book)
    assert not report.error_rows and not report.sheet_problems, (report.error_rows, report.sheet_problems)
    return report


def test_a_transfer_moves_money_between_accounts_and_changes_no_party_balance_or_profit(tmp_path):
    book = cash_book(tmp_path / "b.xlsx", opening=[[OPEN, "GH", 10000]],
                     money=[["ZZ1", D1, "转账", "GH", "XJ", None, None, 3000]])
    posted(book)
    assert cash(book) == {"XJ": ("现金", "现金", D(3000), None), "GH": ("工商银行", "银行", D(7000), None),
                          "WX": ("微信", "微信", D(0), None)}        # every account, also one never used
    with Ledger.open(ledger_at(book)) as ledger:
        assert ledger.totals() == (0, 0, 0)                       # no stock, nothing owed either way
        assert ledger.gross_profit() == []
        assert ledger.conn.execute("SELECT COUNT(*) FROM party_entries").fetchone()[0] == 0
    rows = table_rows(book, "资金日记账")
    assert [(r["账户"], r["单号"], r["收入"], r["支出"], r["余额"]) for r in rows] == [
        ("GH", "期初-2026-10-31-GH", 10000, None, 10000), ("GH", "ZZ1", None, 3000, 7000), ("XJ", "ZZ1", 3000, None, 3000)]
    assert "XJ" in rows[1]["摘要"] and "GH" in rows[2]["摘要"]           # where the money went, where it came from


def test_an_expense_reduces_its_account_and_says_its_category(tmp_path):
    book = cash_book(tmp_path / "b.xlsx", opening=[[OPEN, "XJ", D("1000.50")]],
                     money=[["FY1", D1, "费用", "XJ", None, "房租", None, D("800.25")],
                            ["SR1", D2, "其他收入", "GH", None, "利息", None, D("0.03")]])
    posted(book)
    found = cash(book)
    assert found["XJ"][2] == D("200.25") and found["GH"][2] == D("0.03")
    memo = {r["单号"]: r["摘要"] for r in table_rows(book, "资金日记账")}
    assert "房租" in memo["FY1"] and "利息" in memo["SR1"]


def test_an_opening_overdraft_is_a_negative_balance_marked_on_the_cash_sheet(tmp_path):
    book = cash_book(tmp_path / "b.xlsx", opening=[[OPEN, "GH", -500], [OPEN, "XJ", 200]])
    report = posted(book)
    found = cash(book)
    assert found["GH"][2:] == (D(-500), "余额为负") and found["XJ"][2:] == (D(200), None)
    ws = openpyxl.load_workbook(book)["资金"]
    head = [c.value for c in ws[2]]
    alert = {ws.cell(r, 1).value: ws.cell(r, head.index("预警") + 1).fill.fgColor.rgb for r in range(3, 6)}
    assert alert["GH"] == "FFFFEB9C"                                   # 库存's 预警 fill
    assert any("GH" in n and "-500.00" in n for n in report.notes), report.notes


def test_the_cash_journal_runs_a_balance_per_account_in_date_then_posting_order(tmp_path):
    book = cash_book(tmp_path / "b.xlsx", opening=[[OPEN, "GH", 1000]],
                     payments=[["SK1", D3, "收款", "C1", 500, "GH"]],
                     money=[["FY1", D2, "费用", "GH", None, "房租", None, 200]])
    posted(book)
    add_rows(book, "收付款", [["FK1", D1, "付款", "S1", 300, "GH"],        # recorded late, dated earlier
                             ["SK0", D3, "收款", "C1", 100, "GH"],         # the same day as SK1, posted after it
                             ["SK2", D3, "收款", "C1", 50, "XJ"]])
    posted(book)
    assert journal(book) == [
        (OPEN, "GH", "期初-2026-10-31-GH", "期初资金", None, D(1000), None, D(1000)),
        (D1, "GH", "FK1", "付款", "S1", None, D(300), D(700)),
        (D2, "GH", "FY1", "费用", None, None, D(200), D(500)),
        (D3, "GH", "SK1", "收款", "C1", D(500), None, D(1000)),
        (D3, "GH", "SK0", "收款", "C1", D(100), None, D(1100)),
        (D3, "XJ", "SK2", "收款", "C1", D(50), None, D(50))]
    assert cash(book)["GH"][2] == D(1100) == journal(book)[-2][-1]
    assert verify_book(FileBook(book), book, today=TODAY) == []


def test_a_negative_balance_is_posted_marked_said_and_stops_the_close_until_the_late_receipt(tmp_path):
    book = cash_book(tmp_path / "b.xlsx", opening=[[OPEN, "XJ", 100]],
                     money=[["FY1", D2, "费用", "XJ", None, "运费", None, 300]])
    report = posted(book)                                               # posted all the same
    assert report.posted == 2
    assert cash(book)["XJ"][2:] == (D(-200), "余额为负")
    assert [n for n in report.notes if "XJ" in n and "-200.00" in n], report.notes
    december = dt.date(2026, 12, 5)                                    # 期初资金 closes with the first month
    refused = close_month(FileBook(book), book, "2026-11", today=december)
    assert not refused.ok and "XJ" in refused.message and "-200.00" in refused.message, refused.message
    add_rows(book, "收付款", [["SK1", D4, "收款", "C1", 250, "XJ"]])    # the receipt that paid for it, late
    report = posted(book)
    assert cash(book)["XJ"][2:] == (D(50), None)
    assert not [n for n in report.notes if "XJ" in n]
    done = close_month(FileBook(book), book, "2026-11", today=december)
    assert done.ok, done.message


def test_a_reversal_takes_the_money_back_in_its_own_column_and_says_a_balance_it_makes_negative(tmp_path):
    book = cash_book(tmp_path / "b.xlsx", payments=[["SK1", D1, "收款", "C1", 500, "GH"]],
                     money=[["FY1", D2, "费用", "GH", None, "工资", None, 300]])
    posted(book)
    report = reverse_book(FileBook(book), book, "SK1", today=TODAY, date=D3)
    assert report.posted == 1, (report.outcome, report.sheet_problems)
    assert [n for n in report.notes if "GH" in n and "-300.00" in n], report.notes
    assert journal(book)[-1] == (D3, "GH", "SK1", "收款（红字冲销）", "C1", D(-500), None, D(-300))   # red, in 收入
    assert cash(book)["GH"][2:] == (D(-300), "余额为负")
    with Ledger.open(ledger_at(book)) as ledger:
        assert ledger.balance("C1") == 0 and ledger.verify() == []


def test_jxc_cash_answers_an_accounts_balance_as_of_a_date(tmp_path):
    book = cash_book(tmp_path / "b.xlsx", opening=[[OPEN, "GH", D("1000.10")]],
                     payments=[["FK1", D3, "付款", "S1", D("0.20"), "GH"]],
                     money=[["ZZ1", D1, "转账", "GH", "XJ", None, None, 400]])
    posted(book)
    lookup._readers.clear()
    where = ledger_at(book)
    assert lookup.cash_balance(where, ["GH", "工商银行", "XJ", "WX", None, "NOPE"]) == [
        D("599.90"), D("599.90"), D(400), D(0), "", "#N/A 未知账户：NOPE"]
    assert lookup.cash_balance(where, ["GH", "XJ"], D2) == [D("600.10"), D(400)]
    assert lookup.cash_balance(where, ["GH"], OPEN - dt.timedelta(days=1)) == [D(0)]
    from udfs.jxc import JXC_CASH
    caller = open_book(book).sheets["资金"].range("H3")
    assert JXC_CASH([["GH"], ["XJ"]], "2026-11-02", caller=caller) == [[600.1], [400.0]]
    assert JXC_CASH([["GH"]], "明天", caller=caller)[0][0].startswith("#VALUE! 日期看不懂")
    out = CliRunner().invoke(main, ["ledger", "cash", str(where), "--as-of", "2026-11-02"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == ["GH\t工商银行\t银行\t600.10", "WX\t微信\t微信\t0.00", "XJ\t现金\t现金\t400.00"]


def test_verify_names_a_cash_entry_that_differs_from_its_document(tmp_path):
    book = cash_book(tmp_path / "b.xlsx", opening=[[OPEN, "GH", 1000]],
                     money=[["ZZ1", D1, "转账", "GH", "XJ", None, None, 400]])
    posted(book)
    path = ledger_at(book)
    with Ledger.open(path) as ledger:
        assert ledger.verify() == []
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE cash_entries SET amount = 30000 WHERE account = 'XJ'")
    with Ledger.open(path) as ledger:
        found = ledger.verify()
    assert len(found) == 1 and "ZZ1" in found[0] and "XJ" in found[0] and "300.00" in found[0] and "400.00" in found[0]
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE cash_entries SET amount = 40000, account = 'WX' WHERE account = 'XJ'")
    with Ledger.open(path) as ledger:
        found = ledger.verify()
    assert len(found) == 2 and all("ZZ1" in f for f in found)
    assert any("WX" in f for f in found) and any("XJ" in f for f in found)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE cash_entries SET account = 'XJ' WHERE account = 'WX'")
        conn.execute("UPDATE cash_entries SET date = '2026-12-01' WHERE account = 'GH' AND amount < 0")
    with Ledger.open(path) as ledger:
        found = ledger.verify()
    assert len(found) == 1 and "ZZ1" in found[0] and "2026-12-01" in found[0] and "2026-11-02" in found[0], found


def test_the_ribbons_post_message_names_an_account_it_took_below_zero(tmp_path):
    from tests.entry.test_ribbon import press
    book = cash_book(tmp_path / "b.xlsx", money=[["FY1", D2, "费用", "WX", None, "水电", None, D("88.80")]])
    message, _ = press(book, "post")
    assert "过账完成" in message and "WX" in message and "-88.80" in message, message
