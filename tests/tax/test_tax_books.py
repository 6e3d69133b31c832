"""增值税 in the books: the figures a taxed line posts, what it costs, what it is owed — typed from scratch."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.tax.conftest import cells, taxed_book
from tests.wb import post

D = Decimal
DAY = dt.date(2026, 11, 2)


def _row(no, kind, party, sku, qty, price=None, *, amount=None, rate=None, with_tax=None, tax=None, total=None,
         invoice=None, source=None, sales=False):
    row = [no, DAY, kind, party, "W", sku, qty, price, amount, rate, with_tax, tax, total]
    return row + ([source, None] if sales else [invoice, source, None])


def _balances(ledger):
    return {(p, side): amount for p, side, amount in ledger.conn.execute(
        "SELECT party, side, SUM(amount) FROM party_entries GROUP BY party, side")}


def _stock_value(ledger, sku="A"):
    return ledger.conn.execute("SELECT SUM(value) FROM movements WHERE item = ?", (sku,)).fetchone()[0]


def test_a_general_taxpayers_special_invoice_purchase_is_stocked_at_its_amount_and_owed_with_tax(tmp_path, open_ledger):
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_row("CG1", "入库", "S1", "A", 10, 1000)])
    report = post(book)
    assert not report.error_rows, report.error_rows
    ledger = open_ledger(book)
    assert _stock_value(ledger) == 1000000                         # 10 × 1,000.00: the 1,300.00 tax is 进项税额
    assert _balances(ledger)[("S1", "AP")] == 1130000               # 价税合计 11,300.00
    row = cells(book, "采购")[0]
    assert (row["税率"], row["金额"], row["税额"], row["价税合计"]) == (D("0.13"), 10000, 1300, 11300)
    assert str(row["状态"]).startswith("已过账")


def test_the_tax_is_cost_for_a_small_taxpayer_and_for_an_ordinary_or_no_invoice(tmp_path, open_ledger):
    book = taxed_book(tmp_path / "g.xlsx", purchases=[
        _row("CG1", "入库", "S1", "A", 10, 1000, invoice="普票"), _row("CG2", "入库", "S1", "B", 10, 1000, invoice="无票"),
        _row("CG3", "入库", "S1", "A", 1, 100, invoice="专票")])
    assert not post(book).error_rows
    ledger = open_ledger(book)
    assert _stock_value(ledger, "A") == 1130000 + 10000 and _stock_value(ledger, "B") == 1130000
    small = taxed_book(tmp_path / "s.xlsx", taxpayer="小规模纳税人",
                       purchases=[_row("CG1", "入库", "S1", "A", 10, 1000, invoice="专票")])
    assert not post(small).error_rows
    assert _stock_value(open_ledger(small)) == 1130000               # no deduction for a 小规模纳税人


def test_a_line_priced_with_tax_works_back_to_its_amount_and_shows_every_figure(tmp_path, open_ledger):
    # 含税单价 113.00 × 3 = 339.00; 税额 = 339 × 0.13 ÷ 1.13 = 39.00; 金额 300.00; 单价 100
    book = taxed_book(tmp_path / "b.xlsx", sales=[], purchases=[
        _row("CG1", "入库", "S1", "A", 3, with_tax=D("113")), _row("CG2", "入库", "S1", "A", 7, with_tax=D("9.99"))])
    assert not post(book).error_rows
    first, second = cells(book, "采购")
    assert (first["单价"], first["金额"], first["税额"], first["价税合计"]) == (100, 300, 39, 339)
    # 69.93 × 0.13 ÷ 1.13 = 8.04504… → 8.05; 金额 61.88; 单价 61.88 ÷ 7 to six places
    assert (second["税额"], second["金额"], second["价税合计"]) == (D("8.05"), D("61.88"), D("69.93"))
    assert second["单价"] == D("8.84")
    assert _stock_value(open_ledger(book)) == 30000 + 6188
    assert not post(book).error_rows and all(str(r["状态"]).startswith("已过账") for r in cells(book, "采购"))


def test_the_rate_comes_from_the_line_else_the_item_else_the_party_else_the_settings(tmp_path, open_ledger):
    book = taxed_book(tmp_path / "b.xlsx", default_rate="6%", item_rates={"A": "9%"}, party_rates={"S1": "3%"},
                      purchases=[_row("CG1", "入库", "S1", "A", 1, 100, rate="1%"), _row("CG2", "入库", "S1", "A", 1, 100),
                                 _row("CG3", "入库", "S1", "B", 1, 100), _row("CG4", "入库", "S3", "B", 1, 100)])
    book2 = taxed_book(tmp_path / "c.xlsx", default_rate="6%", purchases=[_row("CG5", "入库", "S1", "B", 1, 100)])
    assert not post(book).error_rows and not post(book2).error_rows
    assert [r["税额"] for r in cells(book, "采购")] == [1, 9, 3, 3]
    assert cells(book2, "采购")[0]["税额"] == 6


def test_typed_invoice_figures_within_a_cent_are_kept_and_further_ones_are_named(tmp_path, open_ledger):
    # the invoice says 税额 1,299.99 where the rate gives 1,300.00: kept, so the books match the invoice
    book = taxed_book(tmp_path / "b.xlsx", purchases=[
        _row("CG1", "入库", "S1", "A", 10, 1000, tax=D("1299.99"), total=D("11299.99")),
        _row("CG2", "入库", "S1", "A", 10, 1000, tax=D("1290"))])
    report = post(book)
    rows = cells(book, "采购")
    assert rows[0]["状态"].startswith("已过账")
    assert _balances(open_ledger(book))[("S1", "AP")] == 1129999
    assert rows[1]["状态"].startswith("错误") and "税额 1290" in rows[1]["状态"] and "1300.00" in rows[1]["状态"]
    assert len(report.error_rows) == 1


def test_a_return_naming_its_source_takes_its_rate_and_invoice_type_and_nets_the_tax(tmp_path, open_ledger):
    book = taxed_book(tmp_path / "b.xlsx", purchases=[
        _row("CG1", "入库", "S1", "A", 10, 1000, rate="9%", invoice="普票"),
        _row("CT1", "退货", "S1", "A", 2, 1000, source="CG1")])
    assert not post(book).error_rows
    ledger = open_ledger(book)
    assert _balances(ledger)[("S1", "AP")] == (1090000 - 218000)
    assert _stock_value(ledger) == 1090000 - 218000                   # 普票: the tax was cost, and goes back with it
    assert ledger.conn.execute("SELECT invoice_type, deductible FROM documents WHERE doc_no='CT1'").fetchone()[:] == \
        ("ordinary", 0)
    wrong = taxed_book(tmp_path / "w.xlsx", purchases=[
        _row("CG1", "入库", "S1", "A", 10, 1000, rate="9%"), _row("CT1", "退货", "S1", "A", 2, 1000, rate="13%",
                                                                 source="CG1")])
    post(wrong)
    assert "原单“CG1”的“9%”" in cells(wrong, "采购")[1]["状态"]


def test_revenue_is_tax_exclusive_and_receivables_carry_the_tax(tmp_path, open_ledger):
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_row("CG1", "入库", "S1", "A", 10, 1000)],
                      sales=[_row("XS1", "出库", "C1", "A", 2, 2000, sales=True),
                             _row("XT1", "退货", "C1", "A", 1, 2000, source="XS1", sales=True)])
    assert not post(book).error_rows
    ledger = open_ledger(book)
    assert _balances(ledger)[("C1", "AR")] == 452000 - 226000
    sign = "CASE d.type WHEN 'sales_return' THEN -1 ELSE 1 END"
    assert ledger.conn.execute(f"SELECT SUM({sign} * l.amount), SUM({sign} * l.tax) FROM lines l JOIN documents d "
                               "ON d.id = l.doc WHERE d.journal = 'sales'").fetchone()[:] == (200000, 26000)


def test_a_workbook_without_tax_columns_posts_as_before(tmp_path, open_ledger):
    from tests.wb import scratch_book
    book = scratch_book(tmp_path / "plain.xlsx", [["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价"],
                                                  ["CG1", DAY, "入库", "S1", "W", "A1", 3, D("10.5")]])
    assert not post(book).error_rows
    ledger = open_ledger(book)
    assert ledger.conn.execute("SELECT amount, tax, total_with_tax, tax_rate FROM lines").fetchone()[:] == (3150, 0, 3150, 0)
    assert _balances(ledger)[("S1", "AP")] == 3150
    assert ledger.conn.execute("SELECT value FROM movements").fetchone()[0] == 3150


def test_the_credit_limit_is_held_to_the_total_with_tax(tmp_path, open_ledger):
    """9,000.00 of goods is within a 10,000.00 limit; with 13% it is 10,170.00, 170.00 over."""
    book = taxed_book(tmp_path / "b.xlsx", credit=10000, purchases=[_row("CG1", "入库", "S1", "A", 10, 1000)],
                      sales=[_row("XS1", "出库", "C1", "A", 9, 1000, sales=True)])
    assert not post(book).error_rows
    assert "超出信用额度 170.00" in cells(book, "销售")[0]["状态"]
