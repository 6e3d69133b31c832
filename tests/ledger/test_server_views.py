"""Issue 25: what each department sees on a server, enforced by the server itself. 采购 and 销售
read no costs — not in what jxc writes for them (tests/app/test_costs.py) and not in their own
SQL: the cost columns are not granted to their roles, and jxc reads the books for them through
views that leave the costs out. Everything their workbook does still works.

A real server, the clerks' own logins, SQL typed straight into their connections."""
import datetime as dt

import psycopg
import pytest
from click.testing import CliRunner

from jxc_xl import Ledger, lookup
from jxc_xl.cli import main

from ..app.test_costs import COSTS, headers
from ..conftest import _new_book
from ..wb import sale, type_rows
from .test_door import office  # noqa: F401 — the fixture

COST_READS = ["SELECT unit_cost FROM movements", "SELECT bal_value FROM movements", "SELECT SUM(value) FROM movements",
              "SELECT last_unit FROM movements", "SELECT fixed_value FROM movements", "SELECT * FROM movements",
              "SELECT unit_cost FROM lines", "SELECT value FROM closing_stock"]


def _workbook(tmp_path, url: str):
    """销售's own workbook on the server: the books' masters, a sale of 6 of A's 10."""
    book = _new_book(tmp_path)
    type_rows(book, "设置", [{"项目": "账簿文件", "值": url}], start=3)
    type_rows(book, "商品", [{"商品编码": "A", "商品名称": "苹果", "单位": "箱", "安全库存": 5, "最高库存": 1000}])
    type_rows(book, "往来单位", [{"编码": "C1", "名称": "第一百货", "类型": "客户", "账期天数": 30, "信用额度": 50000}])
    type_rows(book, "仓库", [{"编码": "W1", "名称": "总仓"}])
    type_rows(book, "销售", [sale("XS1", dt.date(2026, 1, 6), "A", 6, 9, customer="C1", wh="W1")])
    return book


def test_sales_cannot_select_a_cost_and_its_workbook_still_works(office, poster, tmp_path):  # noqa: F811
    """As 小销's own login: every read of a cost column is refused by the server (finance's is
    not). 小销's workbook posts (its summary says no 库存金额), refreshes, makes its reports and
    asks the worksheet functions — the quantities right, no cost anywhere."""
    with psycopg.connect(office("小销"), autocommit=True) as conn:
        for sql in COST_READS:
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(sql)
        assert conn.execute("SELECT SUM(qty) FROM movements").fetchone()[0] == 300000
    with psycopg.connect(office("老王"), autocommit=True) as conn:
        assert conn.execute("SELECT SUM(value) FROM movements").fetchone()[0] == 10000
    book = _workbook(tmp_path, office("小销"))
    run = CliRunner().invoke(main, ["post", str(book)])
    assert run.exit_code == 0 and "过账单据 / documents posted: 1" in run.output, run.output
    assert "库存金额" not in run.output and "应收 / receivables: 54.00" in run.output
    assert CliRunner().invoke(main, ["refresh", str(book)]).exit_code == 0
    run = CliRunner().invoke(main, ["report", str(book), "--from", "2026-01-01", "--to", "2026-01-31"])
    assert run.exit_code == 0, run.output
    for sheet, first in (("库存", "仓库"), ("台账", "过账批次"), ("进销存汇总", "仓库"), ("毛利", "商品编码"),
                         ("库龄", "仓库")):
        shown = headers(book, sheet, first)
        assert shown and not set(shown) & COSTS, (sheet, shown)
    lookup._readers.clear()
    url = office("小销")
    assert lookup.stock(url, ["A", "B"]) == [4, 20]
    assert lookup.stock(url, ["A"], figure="value") == [lookup.NO_COSTS]
    [row] = lookup.summary(url, ["A"], dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert row[0::2] == [0, 10, 6, 4] and row[1::2] == [lookup.NO_COSTS] * 4
    lookup._readers.clear()
    run = CliRunner().invoke(main, ["ledger", "stock", url])
    assert run.exit_code == 0 and run.output.splitlines() == ["W1\tA\t4.0000", "W1\tB\t20.0000"], run.output
    for args in (["backup", str(book)], ["export", str(book), str(tmp_path / "账.db")], ["verify", str(book)]):
        run = CliRunner().invoke(main, args)          # a copy would hold every cost, a check recompute them: refused
        assert run.exit_code == 2 and "看不到成本" in run.output and "Traceback" not in run.output, run.output
    assert not list(tmp_path.glob("备份/*")) and not (tmp_path / "账.db").exists()
    with Ledger.open(office("老王"), create=False) as books:
        assert books.verify() == [] and books.totals()[0] == 70           # 4 × 5 + 20 × 2.5: the costs stand


def test_no_row_policies_are_left_that_bind_nothing(office, server_ledger):  # noqa: F811
    """The row-level policies of the days clerks wrote the books are gone (their writes are the
    poster's now): no table under row security, and 小销 reads every row the owner does."""
    with psycopg.connect(server_ledger, autocommit=True) as owner:
        assert owner.execute("SELECT COUNT(*) FROM pg_policies WHERE schemaname = current_schema()").fetchone()[0] == 0
        assert owner.execute("SELECT COUNT(*) FROM pg_class WHERE relrowsecurity").fetchone()[0] == 0
        counts = owner.execute("SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM audit)").fetchone()
    with psycopg.connect(office("小销"), autocommit=True) as clerk:
        assert clerk.execute("SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM audit)").fetchone() \
            == counts
