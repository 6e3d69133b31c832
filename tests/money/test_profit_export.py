"""Issue 23: the 利润表 (销售收入 … 利润 for the report period, equal to 毛利's figures to the cent,
and monthly 利润 in 图表), and `jxc export` (the books as a plain SQLite database with Chinese
views and full-text search, opened with Datasette), on a business typed from scratch: plain
header rows, the way an outside check types one. Every figure below is worked by hand."""
from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from jxc_xl import Ledger
from jxc_xl.app.reports import make_reports
from jxc_xl.app.usecases import post_book, reverse_book
from jxc_xl.cli import main
from jxc_xl.io.patch import PatchBook
from tests.wb import TODAY, ledger_at, type_rows

d = dt.date
START, END = d(2026, 11, 1), d(2026, 11, 30)
HEADS = {
    "商品": ["商品编码", "商品名称", "单位", "类别"],
    "往来单位": ["编码", "名称", "类型", "联系人"],
    "仓库": ["编码", "名称"],
    "账户": ["编码", "名称", "类型"],
    "期初资金": ["日期", "账户", "金额", "状态"],
    "采购": ["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价", "原单号", "状态"],
    "销售": ["单号", "日期", "业务类型", "客户", "仓库", "商品编码", "数量", "单价", "原单号", "备注", "状态"],
    "盘点": ["单号", "日期", "仓库", "商品编码", "实盘数量", "状态"],
    "其他出入库": ["单号", "日期", "业务类型", "仓库", "商品编码", "数量", "状态"],
    "其他收支": ["单号", "日期", "业务类型", "账户", "转入账户", "类别", "往来单位", "金额", "备注", "状态"],
}
ROWS = {
    "商品": [["A", "苹果", "箱", "水果"], ["B", "香蕉", "箱", "水果"], ["C", "纸箱", "个", "包材"]],
    "往来单位": [["S1", "烟台果业", "供应商", "王经理"], ["C1", "朝阳超市", "客户", "李店长"]],
    "仓库": [["W", "总仓"]],
    "账户": [["BANK", "工商银行", "银行"], ["CASH", "现金", "现金"]],
    "期初资金": [[d(2026, 11, 1), "BANK", 10000]],
    "采购": [["CG1", d(2026, 11, 2), "入库", "S1", "W", "A", 100, 10],
           ["CG1", d(2026, 11, 2), "入库", "S1", "W", "B", 50, 4],
           ["CG1", d(2026, 11, 2), "入库", "S1", "W", "C", 20, 5]],
    # 540 sold at 300, 90 of it returned at 50, and a sale of 200 reversed (红字冲销): 450 at 250
    "销售": [["XS1", d(2026, 11, 5), "出库", "C1", "W", "A", 30, 18, None, "整车发货"],
           ["XS2", d(2026, 11, 6), "退货", "C1", "W", "A", 5, 18, "XS1"],
           ["XS3", d(2026, 11, 7), "出库", "C1", "W", "A", 10, 20]],
    # B counted 53 of 50: 盘盈 3 × 4 = 12; C counted 18 of 20: 盘亏 2 × 5 = 10
    "盘点": [["PD1", d(2026, 11, 10), "W", "B", 53], ["PD1", d(2026, 11, 10), "W", "C", 18]],
    # 5 of B issued (领用) at its cost 4: 盘亏 20 more
    "其他出入库": [["QT1", d(2026, 11, 12), "其他出库", "W", "B", 5]],
    "其他收支": [["FY1", d(2026, 11, 15), "费用", "BANK", None, "房租", None, 3000, "十一月房租"],
             ["FY2", d(2026, 11, 16), "费用", "CASH", None, "工资", None, 2000],
             ["FY3", d(2026, 11, 17), "费用", "CASH", None, None, None, 15.5, "快递费"],
             ["SR1", d(2026, 11, 18), "其他收入", "BANK", None, "利息", None, 100.25]],
}
EXPECTED = {"销售收入": "450.00", "销售成本": "250.00", "销售毛利": "200.00", "盘盈": "12.00", "盘亏": "30.00",
            "其他收入": "100.25", "费用-工资": "2000.00", "费用-房租": "3000.00", "费用-未分类": "15.50",
            "费用合计": "5015.50", "利润": "-4733.25"}


def business(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, head in HEADS.items():
        ws = wb.create_sheet(sheet)
        ws.append(head)
        for row in ROWS[sheet]:
            ws.append(row)
    wb.save(path)
    return path


def post(book: Path) -> None:
    report = post_book(PatchBook(book), book, today=TODAY)
    assert report.exit_code == 0 and not report.error_rows, report.error_rows


@pytest.fixture
def books(tmp_path):
    book = business(tmp_path / "利润.xlsx")
    post(book)
    assert reverse_book(PatchBook(book), book, "XS3", today=TODAY).posted == 1
    return book


def statement(book: Path, user: str | None = None) -> dict[str, Decimal]:
    """The 利润表's rows (项目 → 金额) as exact figures, after `jxc report`'s use case ran."""
    done = make_reports(PatchBook(book), book, START, END, now=dt.datetime(2026, 11, 30, 18), user=user)
    assert done.ok and "利润表" in done.message, done.message
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(book)["利润表"].iter_rows()]
    at = next(i for i, r in enumerate(rows) if r[:2] == ["项目", "金额"])
    return {r[0]: Decimal(str(r[1])).quantize(Decimal("0.01")) for r in rows[at + 1:] if r[0]}


def profit_total(book: Path) -> tuple[Decimal, Decimal]:
    """毛利's 合计 row (by item): 销售收入, 销售成本."""
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(book)["毛利"].iter_rows()]
    total = next(r for r in rows if r[0] == "合计")
    return Decimal(str(total[3])), Decimal(str(total[4]))


def test_the_income_statement_by_hand_and_equal_to_gross_profit(books):
    shown = statement(books)
    assert list(shown) == ["销售收入", "销售成本", "销售毛利", "盘盈", "盘亏", "其他收入", "费用-工资", "费用-房租",
                           "费用-未分类", "费用合计", "利润"]
    assert shown == {k: Decimal(v) for k, v in EXPECTED.items()}
    assert (shown["销售收入"], shown["销售成本"]) == profit_total(books)
    assert shown["利润"] == (shown["销售毛利"] + shown["盘盈"] - shown["盘亏"] + shown["其他收入"]
                           - shown["费用合计"])
    # 图表: the month's 利润 beside the sales chart
    ws = openpyxl.load_workbook(books)["图表"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    at = next(i for i, r in enumerate(rows) if r[0] == "近 12 个月利润")
    months = {r[0]: r[1] for r in rows[at + 2:at + 14]}
    assert len(months) == 12 and Decimal(str(months["2026-11"])) == Decimal("-4733.25")
    assert Decimal(str(months["2025-12"])) == 0
    assert len(ws._charts) == 4


def test_an_expense_lowers_the_profit_and_a_transfer_changes_nothing(books):
    before = statement(books)
    type_rows(books, "其他收支", [{"单号": "ZZ1", "日期": d(2026, 11, 19), "业务类型": "转账", "账户": "BANK",
                               "转入账户": "CASH", "金额": 500}])
    post(books)
    assert statement(books) == before
    type_rows(books, "其他收支", [{"单号": "FY4", "日期": d(2026, 11, 20), "业务类型": "费用", "账户": "CASH",
                               "类别": "房租", "金额": 99.99}])
    post(books)
    after = statement(books)
    assert after["利润"] == before["利润"] - Decimal("99.99")
    assert after["费用-房租"] == Decimal("3099.99") and after["费用合计"] == Decimal("5115.49")
    assert reverse_book(PatchBook(books), books, "FY4", today=TODAY).posted == 1        # 红字冲销: as before
    assert statement(books) == before


def test_those_not_shown_costs_see_no_cost_row(books):
    with Ledger.open(ledger_at(books)) as ledger:
        for name, role in (("管家", "管理员"), ("小销", "销售")):
            assert ledger.add_user(name, role, by="管家") is None
    assert statement(books, user="小销") == {k: Decimal(EXPECTED[k]) for k in
                                             ("销售收入", "其他收入", "费用-工资", "费用-房租", "费用-未分类", "费用合计")}
    assert "利润" in statement(books, user="管家")


# -- jxc export --------------------------------------------------------------------------------------
def export(book: Path, target: Path):
    return CliRunner().invoke(main, ["export", str(book), str(target)])


def datasette_query(db_file: Path, sql: str) -> list[dict]:
    """``sql`` run on the export through Datasette's own Python API, as a user's Datasette would."""
    from datasette.app import Datasette

    async def run():
        found = await Datasette([str(db_file)]).get_database(db_file.stem).execute(sql)
        return [dict(r) for r in found.rows]
    return asyncio.run(run())


def datasette_search(db_file: Path, table: str, words: str) -> list[dict]:
    """What Datasette's search box over ``table`` finds for ``words`` (its JSON API)."""
    from urllib.parse import quote

    from datasette.app import Datasette

    async def run():
        ds = Datasette([str(db_file)])
        url = ds.urls.table(db_file.stem, table, format="json") + f"?_search={quote(words)}&_shape=array"
        response = await ds.client.get(url)
        assert response.status_code == 200, response.text
        return response.json()
    return asyncio.run(run())


def exact(rows: list[dict], column: str) -> Decimal:
    return sum((Decimal(r[column]) for r in rows if r[column] is not None), Decimal(0))


def test_the_books_exported_open_in_datasette_with_chinese_views_and_search(books, tmp_path):
    target = tmp_path / "账簿导出.db"
    run = export(books, target)
    assert run.exit_code == 0, run.output
    q = lambda sql: datasette_query(target, sql)                                       # noqa: E731
    # money in 分 in the tables, 元 as exact text in the views: each account's movements by hand
    bank, cash = (q(f"SELECT 收入, 支出 FROM 资金流水 WHERE 账户 = '{a}'") for a in ("BANK", "CASH"))
    assert exact(bank, "收入") - exact(bank, "支出") == Decimal("7100.25")        # 10000 − 3000 + 100.25
    assert exact(cash, "收入") - exact(cash, "支出") == Decimal("-2015.50")
    assert q("SELECT 名称, 余额 FROM 账户 ORDER BY 编码") == [{"名称": "工商银行", "余额": "7100.25"},
                                                           {"名称": "现金", "余额": "-2015.50"}]
    assert q("SELECT 单据类型, 类别, 金额, 备注 FROM 单据 WHERE 单号 = 'FY1'") == [
        {"单据类型": "费用", "类别": "房租", "金额": "3000.00", "备注": "十一月房租"}]
    assert q("SELECT 商品名称, 数量, 单价, 金额 FROM 明细 WHERE 单号 = 'XS1'") == [
        {"商品名称": "苹果", "数量": "30.0000", "单价": "18.000000", "金额": "540.00"}]
    assert [r["单据类型"] for r in q("SELECT 单据类型 FROM 单据 WHERE 单号 = 'XS3' ORDER BY 编号")] == [
        "销售出库", "销售出库（红字冲销）"]
    assert exact(q("SELECT 金额 FROM 往来明细 WHERE 往来单位 = 'C1'"), "金额") == Decimal("450.00")
    assert q("SELECT 类型, 联系人 FROM 往来单位 WHERE 编码 = 'S1'") == [{"类型": "供应商", "联系人": "王经理"}]
    with Ledger.open(ledger_at(books), read_only=True) as ledger:
        moved = ledger.conn.execute("SELECT COUNT(*), SUM(value) FROM movements").fetchone()
    assert [tuple(r.values()) for r in q("SELECT COUNT(*), SUM(value) FROM movements")] == [tuple(moved)]
    assert len(q("SELECT * FROM 库存流水")) == moved[0]
    # full-text search over names and notes, as Datasette's search box asks it
    found = datasette_search(target, "documents", "月房租")
    assert [r["doc_no"] for r in found] == ["FY1"]
    assert [r["code"] for r in datasette_search(target, "parties", "朝阳超市")] == ["C1"]
    assert [r["doc_no"] for r in q("SELECT d.doc_no FROM documents d JOIN lines l ON l.doc = d.id WHERE l.rowid IN "
                                   "(SELECT rowid FROM lines_fts WHERE lines_fts MATCH '整车发货')")] == ["XS1"]
    with sqlite3.connect(target) as conn:                                   # every foreign key holds
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT COUNT(*) FROM pragma_foreign_key_list('lines')").fetchone()[0] >= 2


def test_an_export_replaces_an_earlier_one_and_nothing_else(books, tmp_path):
    target = tmp_path / "导出.db"
    assert export(books, target).exit_code == 0
    type_rows(books, "其他收支", [{"单号": "FY9", "日期": d(2026, 11, 20), "业务类型": "费用", "账户": "CASH",
                               "类别": "水电", "金额": 12.34}])
    post(books)
    assert export(books, target).exit_code == 0                       # replaced whole
    assert datasette_query(target, "SELECT 金额 FROM 单据 WHERE 单号 = 'FY9'") == [{"金额": "12.34"}]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    other = tmp_path / "别的.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE mine (x)")
    before = other.read_bytes()
    for kept in (other, ledger_at(books)):                             # someone's database, the ledger itself
        run = export(books, kept)
        assert run.exit_code == 1 and "不是 jxc 导出的数据库" in run.output
    assert other.read_bytes() == before


def test_export_from_a_server_ledger(tmp_path, server_ledger):
    Ledger.open(server_ledger).close()
    book = business(tmp_path / "服务器.xlsx")
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("设置").append(["项目", "值"])
    wb["设置"].append(["账簿文件", server_ledger])
    wb.save(book)
    post(book)
    target = tmp_path / "服务器导出.db"
    run = export(book, target)
    assert run.exit_code == 0, run.output
    assert datasette_query(target, "SELECT 余额 FROM 账户 ORDER BY 编码") == [{"余额": "7100.25"}, {"余额": "-2015.50"}]
    assert datasette_query(target, "SELECT SUM(amount) AS s FROM lines WHERE doc IN "
                                   "(SELECT id FROM documents WHERE type = 'sales_shipment')") == [{"s": 74000}]
