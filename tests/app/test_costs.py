"""Issue 13: what things cost is not shown to 采购 and 销售 — the generated sheets and the report
sheets they refresh leave out 成本单价, 库存金额, 销售成本, 毛利 (and every 金额 that is a cost),
JXC_COST and JXC_VALUE answer #权限; the other departments, and everyone on a ledger without
users, see them. On a file the user is the name given (else the computer's login); on a server
it is the login."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from jxc_xl import Ledger, lookup
from jxc_xl.app.reports import make_reports
from jxc_xl.app.usecases import refresh_book
from jxc_xl.io.patch import PatchBook
from jxc_xl.sheets.contract import JOURNAL, PROFIT, STOCK, STOCK_AGE, SUMMARY

from ..wb import ledger_at, post, purchase, sale, type_rows

d = dt.date
COSTS = {"成本单价", "库存金额", "金额", "结存金额", "销售成本", "毛利", "毛利率", "期初金额", "入库金额", "出库金额",
         "期末金额"}


def headers(book, sheet: str, first: str) -> list[str]:
    """The header row of the table on ``sheet`` that starts with the column ``first``."""
    ws = openpyxl.load_workbook(book)[sheet]
    return next([c.value for c in r if c.value is not None] for r in ws.iter_rows() if r[0].value == first)


@pytest.fixture
def staffed(file_book):
    """A posted month, and the ledger's users: 管家 (管理员), 小销 (销售), 小采 (采购), 老王 (财务)."""
    book = file_book
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 4)])
    type_rows(book, "销售", [sale("XS1", d(2026, 11, 3), "A001", 4, 9)])
    assert post(book).exit_code == 0
    with Ledger.open(ledger_at(book)) as ledger:
        for name, role in (("管家", "管理员"), ("小销", "销售"), ("小采", "采购"), ("老王", "财务")):
            assert ledger.add_user(name, role, by="管家") is None
    return book


def test_the_roles_that_see_costs(staffed):
    with Ledger.open(ledger_at(staffed), read_only=True) as ledger:
        assert [ledger.sees_costs(u) for u in ("小销", "小采", "老王", "管家", "外人")] == [False, False, True, True, False]


def test_sales_and_purchasing_get_the_sheets_and_reports_without_costs(staffed):
    book = staffed
    for user in ("小销", "老王", "小采"):
        assert refresh_book(PatchBook(book), book, user=user).exit_code == 0
        assert make_reports(PatchBook(book), book, d(2026, 11, 1), d(2026, 11, 30), user=user).ok
        hidden = user != "老王"
        for spec, first in ((STOCK, "仓库"), (JOURNAL, "过账批次"), (SUMMARY, "仓库"), (PROFIT, "商品编码"),
                            (STOCK_AGE, "仓库")):
            shown = headers(book, spec.zh, first)
            expected = [c.zh for c in spec.columns if not (hidden and c.cost)]
            assert shown == expected, (user, spec.zh)
            assert (set(shown) & COSTS == set()) == hidden
        ws = openpyxl.load_workbook(book)["图表"]
        assert len(ws._charts) == (1 if hidden else 4)
        items = {r[0].value for r in openpyxl.load_workbook(book)["利润表"].iter_rows()}
        assert ({"销售成本", "销售毛利", "盘盈", "盘亏", "利润"} & items == set()) == hidden and "销售收入" in items
        assert all("毛利" not in str(c.value) for r in ws.iter_rows() for c in r) == hidden
    # 老王's 台账 came back whole after 小销's (its mark says which way it was written)
    assert refresh_book(PatchBook(book), book, user="老王").exit_code == 0
    rows = [r for r in openpyxl.load_workbook(book)["台账"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert len(rows[0]) >= len(JOURNAL.columns) and rows[0][JOURNAL.columns.index(
        next(c for c in JOURNAL.columns if c.zh == "结存金额"))] is not None


def test_jxc_ledger_stock_prints_costs_only_to_those_who_see_them(staffed, monkeypatch):
    from click.testing import CliRunner
    from jxc_xl.cli import main
    for user, fields in (("小销", 3), ("老王", 5)):
        monkeypatch.setenv("LOGNAME", user)
        run = CliRunner().invoke(main, ["ledger", "stock", str(ledger_at(staffed))])
        assert run.exit_code == 0 and [len(line.split("\t")) for line in run.output.splitlines()] == [fields]


def test_worksheet_functions_answer_cost_figures_with_no_permission(staffed, monkeypatch):
    lookup._readers.clear()
    path = ledger_at(staffed)
    monkeypatch.setenv("LOGNAME", "小销")
    assert lookup.stock(path, ["A001"], figure="value") == [lookup.NO_COSTS]
    assert lookup.stock(path, ["A001"], figure="unit_cost") == [lookup.NO_COSTS]
    assert lookup.stock(path, ["A001"]) == [6]
    [row] = lookup.summary(path, ["A001"], d(2026, 11, 1), d(2026, 11, 30))
    assert row[0::2] == [0, 10, 4, 6] and row[1::2] == [lookup.NO_COSTS] * 4
    lookup._readers.clear()
    monkeypatch.setenv("LOGNAME", "老王")
    assert lookup.stock(path, ["A001"], figure="value") == [24]
    lookup._readers.clear()
