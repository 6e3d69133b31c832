"""The worksheet functions' bodies, called as Excel calls them: with the calling cell (on the
test engine) as ``caller``, a single cell or a whole column, and answers checked against the
ledger or against the rows the clerk typed."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jxc_xl import Ledger, lookup
from udfs.jxc import (JXC_AVAILABLE, JXC_BALANCE, JXC_BOUGHT, JXC_COST, JXC_ONORDER, JXC_SOLD, JXC_STOCK, JXC_SUMMARY,
                      JXC_VALUE)

from ..wb import TODAY, masters, post, purchase, sale, type_rows, ledger_at
from ..xlengine import open_book

D1, D2, D3 = dt.date(2026, 11, 1), dt.date(2026, 11, 10), dt.date(2026, 11, 20)


@pytest.fixture
def books(book):
    type_rows(book, "采购", [purchase("CG1", D1, "A001", 10, 4), purchase("CG1", D1, "B002", 20, 2.5),
                           purchase("CG2", D2, "A001", 10, 5, wh="WH2"),
                           purchase("CG3", D3, "A001", 2, 4, kind="退货", src="CG1")])
    type_rows(book, "销售", [sale("XS1", D2, "A001", 3, 9), sale("XS2", D3, "A001", 1, 9, kind="退货", src="XS1"),
                           sale("XS3", D3, "B002", 5, 6, customer="C02")])
    type_rows(book, "收付款", [{"单号": "SK1", "日期": D3, "业务类型": "收款", "往来单位": "C01", "金额": 10}])
    assert post(book).exit_code == 0
    return book


def caller_of(path):
    """The cell a formula sits in, as xlwings hands it to the function."""
    return open_book(path).sheets["库存"].range("K3")


def test_stock_cost_and_value_answer_a_cell_and_a_column(books):
    caller = caller_of(books)
    with Ledger.open(ledger_at(books)) as ledger:
        a_all = ledger.stock(item="A001", by_item=True)[0]
        a_wh2 = ledger.stock(item="A001", warehouse="WH2")[0]
    assert JXC_STOCK([["A001"]], caller=caller) == [[float(a_all.qty)]] == [[16.0]]   # 10 − 2 + 10 − 3 + 1
    assert JXC_STOCK([["A001"]], "WH2", caller=caller) == [[10.0]]
    assert JXC_COST([["A001"]], "WH2", caller=caller) == [[float(a_wh2.unit_cost)]] == [[5.0]]
    assert JXC_VALUE([["A001"]], caller=caller) == [[float(a_all.value)]]
    column = [["A001"], ["B002"], [None], ["NOPE"], ["苹果"]]                        # a name works as a code
    assert JXC_STOCK(column, caller=caller) == [[16.0], [15.0], [""], ["#N/A 未知商品编码：NOPE"], [16.0]]


def test_stock_as_of_a_date_and_bad_arguments_in_the_cell(books):
    caller = caller_of(books)
    assert JXC_STOCK([["A001"], ["B002"]], None, D1, caller=caller) == [[10.0], [20.0]]
    assert JXC_STOCK([["A001"]], None, "2026/11/10", caller=caller) == [[17.0]]
    assert JXC_STOCK([["A001"]], "WH9", caller=caller) == [["#N/A 未知仓库：WH9"]]
    assert JXC_STOCK([["A001"]], None, "明天", caller=caller)[0][0].startswith("#VALUE! 日期看不懂")
    assert JXC_STOCK([["A001"]], caller=None)[0][0].startswith("#JXC! ")          # never a traceback


def test_balance_is_receivable_positive_payable_negative(books):
    caller = caller_of(books)
    # C01: 3 × 9 − 1 × 9 − 10 received; C02: 5 × 6; S01: 10 × 4 + 20 × 2.5 + 10 × 5 − 2 × 4 owed
    assert JXC_BALANCE([["C01"], ["C02"], ["S01"], ["烟台果业"], ["X"]], caller=caller) == \
        [[8.0], [30.0], [-132.0], [-132.0], ["#N/A 未知往来单位：X"]]
    assert JXC_BALANCE([["C01"]], D2, caller=caller) == [[27.0]]


def test_sold_and_bought_are_net_of_returns_in_the_period(books):
    caller = caller_of(books)
    assert JXC_SOLD([["A001"], ["B002"]], D1, D3, caller=caller) == [[2.0, 18.0], [5.0, 30.0]]
    assert JXC_SOLD([["A001"]], D3, D3, caller=caller) == [[-1.0, -9.0]]
    assert JXC_BOUGHT([["A001"], ["B002"], ["NOPE"]], None, None, caller=caller) == \
        [[18.0, 82.0], [20.0, 50.0], ["#N/A 未知商品编码：NOPE", "#N/A 未知商品编码：NOPE"]]


def test_a_post_between_two_calls_changes_the_answer(books):
    caller = caller_of(books)
    assert JXC_STOCK([["B002"]], caller=caller) == [[15.0]]
    type_rows(books, "采购", [purchase("CG9", TODAY, "B002", 7, 2)])
    assert post(books).exit_code == 0                          # another connection commits
    assert JXC_STOCK([["B002"]], caller=caller) == [[22.0]]


def test_the_workbooks_own_ledger_is_used_and_a_missing_one_is_said(tmp_path):
    from jxc_xl.io.template import new_workbook
    path = new_workbook(tmp_path / "新账本.xlsx")
    masters(path)
    answer = JXC_STOCK([["A001"], ["B002"]], caller=caller_of(path))
    assert answer == [["#REF! 找不到账簿 新账本.jxc.db：请先过账，或在设置表写对“账簿文件”"]] * 2


def test_a_cached_answer_is_kept_until_the_ledger_changes(books, monkeypatch):
    computed = []
    real = lookup.queries.stock
    monkeypatch.setattr(lookup.queries, "stock", lambda *a, **k: computed.append(a) or real(*a, **k))
    ledger = ledger_at(books)
    mine = lambda: [a for a in computed if a[0] is lookup.reader(ledger).conn]   # noqa: E731 — not the post's
    assert lookup.stock(ledger, ["A001"]) == [Decimal("16")]
    assert lookup.stock(ledger, ["A001", "B002"]) == [Decimal("16"), Decimal("15")]
    assert len(mine()) == 1                                    # the second call was answered from memory
    type_rows(books, "销售", [sale("XS9", TODAY, "A001", 6, 9)])
    assert post(books).exit_code == 0
    assert lookup.stock(ledger, ["A001"]) == [Decimal("10")] and len(mine()) == 2


def test_available_is_on_hand_less_open_sales_orders_and_on_order_the_open_purchase_orders(books):
    type_rows(books, "销售订单", [{"单号": "XSDD1", "日期": D3, "客户": "C01", "仓库": "WH1", "商品编码": "A001",
                                   "数量": 4, "单价": 9}])
    type_rows(books, "采购订单", [{"单号": "CGDD1", "日期": D3, "供应商": "S01", "仓库": "WH2", "商品编码": "A001",
                                   "数量": 7, "单价": 5}])
    caller = caller_of(books)
    before = JXC_AVAILABLE([["A001"]], caller=caller)
    assert before == [[16.0]] and JXC_ONORDER([["A001"]], caller=caller) == [[0.0]]
    assert post(books).exit_code == 0                           # the cached answers notice the post
    assert JXC_AVAILABLE([["A001"], ["B002"], ["NOPE"]], caller=caller) == \
        [[12.0], [15.0], ["#N/A 未知商品编码：NOPE"]]
    assert JXC_AVAILABLE([["A001"]], "WH1", caller=caller) == [[6.0 - 4.0]]
    assert JXC_ONORDER([["A001"]], caller=caller) == [[7.0]] and JXC_ONORDER([["A001"]], "WH1", caller=caller) == [[0.0]]


def test_summary_gives_the_eight_figures_returns_negative_in_their_own_column(books):
    """A001: receipts 10 @4 (WH1) and 10 @5 (WH2), 2 returned to the supplier (at 4: −2, −8.00
    入库), 3 shipped (12.00 at cost), 1 of them returned (−1, −4.00 出库)."""
    caller = caller_of(books)
    end = dt.date(2026, 11, 30)
    assert JXC_SUMMARY([["A001"]], D1, end, caller=caller) == [[0.0, 0.0, 18.0, 82.0, 2.0, 8.0, 16.0, 74.0]]
    assert JXC_SUMMARY([["A001"]], D1, end, "WH1", caller=caller) == [[0.0, 0.0, 8.0, 32.0, 2.0, 8.0, 6.0, 24.0]]
    assert JXC_SUMMARY([["A001"]], D3, end, caller=caller) == [[17.0, 78.0, -2.0, -8.0, -1.0, -4.0, 16.0, 74.0]]
    [unknown] = JXC_SUMMARY([["NOPE"]], D1, end, caller=caller)
    assert unknown == ["#N/A 未知商品编码：NOPE"] * 8
    assert JXC_SUMMARY([["A001"]], None, end, caller=caller)[0][0].startswith("#JXC! ")
