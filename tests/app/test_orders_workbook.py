"""Orders typed into a workbook as a clerk would (issue 11): 采购订单 rows, then 采购 rows naming
them in 订单号; posted, marked, and fulfilled in the ledger."""
import datetime as dt

from jxc_xl import Ledger

from ..wb import cell, post, purchase, type_rows, ledger_at

d = dt.date


def order(no, date, sku, qty, price, delivery=None):
    return {"单号": no, "日期": date, "供应商": "S01", "仓库": "WH1", "商品编码": sku, "数量": qty, "单价": price,
            "交货日期": delivery}


def test_an_order_and_its_receipts_typed_into_the_workbook(book):
    rows = type_rows(book, "采购订单", [order("CGDD1", d(2026, 11, 1), "A001", 10, 5, d(2026, 11, 10)),
                                       order("CGDD1", d(2026, 11, 1), "B002", 4, 2)])
    receipts = type_rows(book, "采购", [{**purchase("CG1", d(2026, 11, 3), "A001", 6, 5), "订单号": "CGDD1"},
                                       {**purchase("CG2", d(2026, 11, 4), "A001", 5, 5), "订单号": "CGDD1"}])
    report = post(book)
    assert report.exit_code == 1
    assert all(cell(book, "采购订单", r, "状态").startswith("已过账") for r in rows)
    assert cell(book, "采购", receipts[0], "状态").startswith("已过账")
    assert cell(book, "采购", receipts[1], "状态") == \
        "错误：订单“CGDD1”的商品“A001”尚未执行 4，本单要执行 5：请减少数量，或另开订单。"
    with Ledger.open(ledger_at(book)) as ledger:
        figures = ledger.order_figures("purchase_orders", "CGDD1")
        assert {item: f.open // 10000 for item, f in figures.items()} == {"A001": 4, "B002": 4}
        assert ledger.stock(item="A001")[0].qty == 6                      # the order itself moved nothing
        delivery = ledger.conn.execute("SELECT delivery_date FROM lines WHERE item = 'A001' AND order_line IS NULL "
                                       "AND doc = (SELECT id FROM documents WHERE doc_no = 'CGDD1')").fetchone()[0]
        assert delivery == "2026-11-10"


def test_stock_shows_what_is_on_order_committed_and_available_and_order_status_tracks_each_line(book):
    from click.testing import CliRunner

    from jxc_xl.cli import main

    from ..wb import TODAY as today
    from ..wb import sale, table_rows
    type_rows(book, "采购订单", [order("CGDD1", today, "A001", 10, 5, today - dt.timedelta(days=3)),
                                order("CGDD1", today, "B002", 4, 2)])
    type_rows(book, "销售订单", [{"单号": "XSDD1", "日期": today, "客户": "C01", "仓库": "WH1", "商品编码": "A001",
                                  "数量": 5, "单价": 9}])
    type_rows(book, "采购", [{**purchase("CG1", today, "A001", 6, 5), "订单号": "CGDD1"}])
    type_rows(book, "销售", [{**sale("XS1", today, "A001", 2, 9), "订单号": "XSDD1"}])
    assert post(book).exit_code == 0
    stock = {(r["仓库"], r["商品编码"]): r for r in table_rows(book, "库存")}
    a, b = stock[("WH1", "A001")], stock[("WH1", "B002")]
    assert (a["数量"], a["采购在途"], a["销售待发"], a["可用数量"]) == (4, 4, 3, 1)
    assert (b["数量"], b["采购在途"], b["销售待发"], b["可用数量"]) == (0, 4, None, 0)   # no stock, on order
    status = {(r["单号"], r["商品编码"]): r for r in table_rows(book, "订单跟踪")}
    assert (status[("CGDD1", "A001")]["未执行数量"], status[("CGDD1", "A001")]["订单状态"]) == (4, "部分执行")
    assert status[("CGDD1", "A001")]["逾期天数"] == 3 and status[("CGDD1", "B002")]["订单状态"] == "未执行"
    assert status[("XSDD1", "A001")]["订单类型"] == "销售订单"
    result = CliRunner().invoke(main, ["close-order", str(book), "CGDD1", "--user", "采购员"])
    assert result.exit_code == 0 and "已关闭" in result.output, result.output
    stock = {(r["仓库"], r["商品编码"]): r for r in table_rows(book, "库存")}
    assert stock[("WH1", "A001")]["采购在途"] is None and ("WH1", "B002") not in stock
    status = {(r["单号"], r["商品编码"]): r for r in table_rows(book, "订单跟踪")}
    assert status[("CGDD1", "A001")]["订单状态"] == "已关闭" and status[("CGDD1", "A001")]["逾期天数"] is None
    again = CliRunner().invoke(main, ["close-order", str(book), "CGDD1"])
    assert again.exit_code == 1 and "没有可关闭的数量" in again.output
    assert CliRunner().invoke(main, ["close-order", str(book), "NOPE"]).exit_code == 1
    undone = CliRunner().invoke(main, ["close-order", str(book), "CGDD1", "--undo"])
    assert undone.exit_code == 0 and table_rows(book, "库存")[0]["采购在途"] == 4
    assert CliRunner().invoke(main, ["verify", str(book)]).exit_code == 0


def test_a_shipment_over_the_credit_limit_posts_and_says_so_or_is_refused_when_blocked(book):
    from ..wb import sale
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", 100, 5)])
    rows = type_rows(book, "销售", [sale("XS1", d(2026, 11, 2), "A001", 50, 15),        # C01's limit is 1,000
                                   sale("XS2", d(2026, 11, 3), "A001", 30, 10)])
    post(book)
    assert cell(book, "销售", rows[0], "状态").startswith("已过账 批次")                  # 750: within
    assert cell(book, "销售", rows[1], "状态").startswith("已过账（超出信用额度 50.00） 批次")   # 1,050
    type_rows(book, "设置", [{"项目": "信用控制", "值": "禁止"}], start=8)
    [row] = type_rows(book, "销售", [sale("XS3", d(2026, 11, 4), "A001", 1, 10)])
    assert post(book).exit_code == 1
    assert cell(book, "销售", row, "状态") == ("错误：客户“C01”的应收将达到 1,060.00，超出信用额度 1,000.00（超出 60.00）："
                                             "信用控制为“禁止”，本单不能过账；请先收款，或调整信用额度。")
    assert cell(book, "销售", rows[1], "状态").startswith("已过账（超出信用额度 50.00）")     # kept on later runs
    [other] = type_rows(book, "销售", [sale("XS4", d(2026, 11, 4), "A001", 1, 10, customer="C02")])   # no limit
    post(book)
    assert cell(book, "销售", other, "状态").startswith("已过账 批次")
