"""Scenario tests, one per document type and rule, in the compact table form of tests/dsl.py."""
import datetime as dt
from decimal import Decimal

import pytest

from jxc_xl import Document, Ledger, Line
from jxc_xl.domain import costing
from jxc_xl.ledger.engine import recost

from ..conftest import named
from ..dsl import docs, expect, stock_rows

D = Decimal
day = dt.date.fromisoformat

HEAD = "| date | type | no | party | wh | to | item | qty | price | cost | src |\n"


def post_ok(ledger, rows):
    result = ledger.post(docs(HEAD + rows))
    assert result.ok, [str(p) for p in result.problems]
    assert ledger.verify() == []
    return result


def only_problem(result):
    [problem] = result.problems
    return problem


# -- purchases ------------------------------------------------------------------------------
def test_purchase_receipt_raises_stock_and_payable(ledger):
    post_ok(ledger, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 10 | 5.10 | | |\n"
                    "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | B | 3  | 2.333 | | |")
    assert stock_rows(ledger) == expect("| wh | item | qty | value |\n| W1 | A | 10 | 51 |\n| W1 | B | 3 | 7 |")
    assert ledger.balance("S1", side="AP") == D("58.00")       # 51.00 + 7.00 (3 × 2.333 = 6.999 → 7.00)


def test_purchase_return_leaves_at_the_named_receipts_cost_else_current(any_ledger):
    post_ok(any_ledger, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 10 | 5 | | |\n"
                        "| 2026-01-06 | 采购入库 | P2 | S1 | W1 | | A | 10 | 7 | | |\n"
                        "| 2026-01-07 | 采购退货 | R1 | S1 | W1 | | A | 4  | 5 | | P1 |")
    [ret] = [c for c in any_ledger.stock_card("A") if c.doc_no == "R1"]
    assert ret.value == D("-20.00")                          # 4 × 5, the cost of P1
    assert any_ledger.balance("S1", side="AP") == D("100.00")  # 50 + 70 − 20


def test_purchase_return_without_source_uses_the_current_unit_cost(ledger):
    post_ok(ledger, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 10 | 5 | | |\n"
                    "| 2026-01-06 | 采购入库 | P2 | S1 | W1 | | A | 6  | 7 | | |\n"
                    "| 2026-01-08 | 采购退货 | R2 | S1 | W1 | | A | 6  | 7 | | |")
    [ret] = [c for c in ledger.stock_card("A") if c.doc_no == "R2"]
    assert ret.value == D("-34.50")                          # 6 × 92/16 = 34.50
    assert stock_rows(ledger) == [("W1", "A", "10", "57.5")]
    assert ledger.balance("S1", side="AP") == D("50.00")     # 50 + 42 − 42


# -- sales ----------------------------------------------------------------------------------
SALES = ("| 2026-01-05 | 采购入库 | P1  | S1 | W1 | | A | 10 | 5 | | |\n"
         "| 2026-01-06 | 销售出库 | S1  | C1 | W1 | | A | 6  | 9 | | |\n"
         "| 2026-01-07 | 采购入库 | P2  | S1 | W1 | | A | 10 | 8 | | |\n")


def test_sales_shipment_books_cost_receivable_and_profit(ledger):
    post_ok(ledger, SALES)
    [line] = ledger.gross_profit()
    assert (line.qty, line.amount, line.cost, line.profit) == (6, D("54.00"), D("30.00"), D("24.00"))
    assert ledger.balance("C1") == D("54.00")


def test_sales_return_comes_back_at_the_shipments_cost_and_lowers_the_receivable(ledger):
    post_ok(ledger, SALES + "| 2026-01-08 | 销售退货 | SR1 | C1 | W1 | | A | 2 | 9 | | S1 |")
    [ret] = [c for c in ledger.stock_card("A") if c.doc_no == "SR1"]
    assert (ret.in_qty, ret.value) == (2, D("10.00"))        # at the shipment's 5.00, not today's 7.14
    assert ledger.balance("C1") == D("36.00")
    assert sum(p.profit for p in ledger.gross_profit()) == D("16.00")   # 24 − (18 − 10)


def test_sales_return_without_source_comes_back_at_current_cost(ledger):
    post_ok(ledger, SALES + "| 2026-01-09 | 销售退货 | SR2 | C1 | W1 | | A | 1 | 9 | | |")
    [ret] = [c for c in ledger.stock_card("A") if c.doc_no == "SR2"]
    assert ret.value == D("7.14")                            # 100 / 14 = 7.142857…
    assert ledger.balance("C1") == D("45.00")


def test_return_may_not_exceed_what_the_source_still_has(ledger):
    post_ok(ledger, SALES + "| 2026-01-08 | 销售退货 | SR1 | C1 | W1 | | A | 2 | 9 | | S1 |")
    result = ledger.post(docs(HEAD + "| 2026-01-09 | 销售退货 | SR3 | C1 | W1 | | A | 5 | 9 | | S1 |"))
    problem = only_problem(result)
    assert (problem.code, problem.line, problem.field) == ("return_exceeds", 1, "数量")
    assert "尚未退回的数量 4" in problem.message and "S1" in problem.message
    assert ledger.balance("C1") == D("36.00")                # nothing of SR3 was posted


@pytest.mark.parametrize("src, code", [("S9", "source_missing"), ("P1", "source_missing")])
def test_return_naming_an_unknown_or_wrong_source_is_refused(ledger, src, code):
    post_ok(ledger, SALES)
    result = ledger.post(docs(HEAD + f"| 2026-01-09 | 销售退货 | SR3 | C1 | W1 | | A | 1 | 9 | | {src} |"))
    assert only_problem(result).code == code


def test_return_to_another_party_than_the_source_is_refused(ledger):
    post_ok(ledger, SALES)
    result = ledger.post(docs(HEAD + "| 2026-01-09 | 销售退货 | SR3 | C2 | W1 | | A | 1 | 9 | | S1 |"))
    assert only_problem(result).code == "source_party"


# -- transfers, counts, other moves -------------------------------------------------------
def test_transfer_moves_quantity_and_value_at_the_sources_cost(any_ledger):
    post_ok(any_ledger, "| 2026-02-01 | 采购入库 | P1 | S1 | W1 |    | A | 3 | 10 | | |\n"
                        "| 2026-02-02 | 调拨     | T1 |    | W1 | W2 | A | 1 |    | | |")
    assert stock_rows(any_ledger) == expect("| wh | item | qty | value |\n| W1 | A | 2 | 20 |\n| W2 | A | 1 | 10 |")


def test_count_posts_gain_and_loss_at_current_cost(ledger):
    post_ok(ledger, "| 2026-02-01 | 采购入库 | P1 | S1 | W1 | | A | 3 | 10 | | |\n"
                    "| 2026-02-01 | 采购入库 | P1 | S1 | W1 | | B | 4 | 2.5 | | |\n"
                    "| 2026-02-05 | 盘点     | K1 |    | W1 | | A | 5 |    | | |\n"
                    "| 2026-02-05 | 盘点     | K1 |    | W1 | | B | 1 |    | | |")
    card = {c.item: c for c in ledger.stock_card() if c.doc_no == "K1"}
    assert (card["A"].in_qty, card["A"].value) == (2, D("20.00"))       # 盘盈 2 at 10
    assert (card["B"].out_qty, card["B"].value) == (3, D("-7.50"))      # 盘亏 3 at 2.50
    assert stock_rows(ledger) == expect("| wh | item | qty | value |\n| W1 | A | 5 | 50 |\n| W1 | B | 1 | 2.5 |")


def test_count_of_an_item_with_no_stock_uses_the_given_cost_or_asks_for_one(ledger):
    result = ledger.post(docs(HEAD + "| 2026-02-05 | 盘点 | K1 | | W1 | | A | 4 | | 2.5 | |\n"
                                     "| 2026-02-05 | 盘点 | K2 | | W1 | | B | 4 |  |     | |"))
    assert result.posted == ["K1"]
    assert stock_rows(ledger) == [("W1", "A", "4", "10")]
    problem = only_problem(result)
    assert (problem.doc_no, problem.code, problem.field) == ("K2", "no_unit_cost", "单位成本")


def test_other_receipt_at_given_or_current_cost_and_other_issue(ledger):
    post_ok(ledger, "| 2026-02-01 | 其他入库 | Q1 | | W1 | | A | 2 | | 3 | |\n"
                    "| 2026-02-02 | 其他入库 | Q2 | | W1 | | A | 2 | |   | |\n"
                    "| 2026-02-03 | 其他出库 | Q3 | | W1 | | A | 1 | |   | |")
    assert [c.value for c in ledger.stock_card("A")] == [D("6.00"), D("6.00"), D("-3.00")]
    assert ledger.balance("S1") == 0


def test_opening_stock_and_opening_balances(ledger):
    post_ok(ledger, "| 2026-01-01 | 期初库存 | O1 | | W1 | | A | 7 | | 1.234567 | |")
    assert stock_rows(ledger) == [("W1", "A", "7", "8.64")]    # 7 × 1.234567 = 8.641969
    result = ledger.post(docs("| date | type | no | party | price | due |\n"
                              "| 2026-01-01 | 期初往来 | OB1 | C1 | 1000/ | 2025-12-01 |\n"
                              "| 2026-01-01 | 期初往来 | OB2 | X1 | 200/300 | |"))
    assert result.ok
    assert ledger.balance("C1", side="AR") == D("1000.00")
    assert (ledger.balance("X1", side="AR"), ledger.balance("X1", side="AP")) == (D("200.00"), D("300.00"))
    assert ledger.balance("X1") == D("-100.00")              # receivable positive, payable negative
    [row] = ledger.aging(day("2026-01-01"), "AR", "C1")
    assert row.buckets["31-60"] == D("1000.00")              # due 2025-12-01: 31 days past


# -- receipts, payments, aging ------------------------------------------------------------
AR = ("| 2026-01-01 | 期初库存 | O1  |    | W1 | | A | 100 |     | 1 | |\n"
      "| 2026-01-01 | 销售出库 | S1  | C1 | W1 | | A | 10  | 10  |   | |\n"
      "| 2026-02-01 | 销售出库 | S2  | C1 | W1 | | A | 20  | 10  |   | |\n"
      "| 2026-02-15 | 收款     | RC1 | C1 |    | | | |   150 |   | |\n")


def test_receipts_settle_the_oldest_due_first(ledger):
    post_ok(ledger, AR)
    items, credit = ledger.open_items("C1", "AR")
    assert [(i.doc_no, i.open) for i in items] == [("S1", D("0.00")), ("S2", D("150.00"))]
    assert credit == 0
    assert ledger.balance("C1") == D("300.00") - D("150.00")


@pytest.mark.parametrize("as_of, bucket", [
    ("2026-03-02", "not_due"),      # S2 is due 2026-03-03 (30 days' terms)
    ("2026-03-03", "0-30"),         # due today
    ("2026-04-02", "0-30"),         # 30 days past due
    ("2026-04-03", "31-60"),        # 31 days
    ("2026-05-02", "31-60"), ("2026-05-03", "61-90"),
    ("2026-06-01", "61-90"), ("2026-06-02", "91-120"),
    ("2026-07-01", "91-120"), ("2026-07-02", "120+"),
])
def test_aging_buckets_by_days_past_due(ledger, as_of, bucket):
    post_ok(ledger, AR)
    [row] = ledger.aging(day(as_of), "AR")
    assert row.balance == D("150.00")
    assert {k: v for k, v in row.buckets.items() if v} == {bucket: D("150.00")}


def test_aging_as_of_a_date_ignores_later_entries(ledger):
    post_ok(ledger, AR)
    [row] = ledger.aging(day("2026-02-10"), "AR")
    assert row.balance == D("300.00")
    assert row.buckets["0-30"] == D("100.00") and row.buckets["not_due"] == D("200.00")


def test_overpayment_is_an_unapplied_credit(ledger):
    post_ok(ledger, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 10 | 5 | | |\n"
                    "| 2026-01-06 | 付款 | PY1 | S1 | | | | | 80 | | |")
    assert ledger.balance("S1", side="AP") == D("-30.00")
    [row] = ledger.aging(day("2026-01-10"), "AP")
    assert row.buckets["not_due"] == D("-30.00") and row.balance == D("-30.00")


# -- negative stock -----------------------------------------------------------------------
def test_negative_stock_is_refused_with_item_warehouse_date_and_quantities(ledger):
    post_ok(ledger, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 4 | 5 | | |")
    result = ledger.post(docs(HEAD + "| 2026-01-06 | 销售出库 | S1 | C1 | W1 | | A | 10 | 9 | | |"))
    problem = only_problem(result)
    assert problem.code == "negative_stock"
    wanted = {"item": "A", "warehouse": "W1", "date": "2026-01-06", "value": "10", "expected": "4"}
    assert {k: problem.args[k] for k in wanted} == wanted
    for text in ("A", "W1", "2026-01-06", "10", "4"):
        assert text in problem.message and text in problem.message_en
    assert stock_rows(ledger) == [("W1", "A", "4", "20")]


def test_a_back_dated_issue_that_starves_a_later_one_is_refused(ledger):
    post_ok(ledger, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 4 | 5 | | |\n"
                    "| 2026-01-10 | 销售出库 | S1 | C1 | W1 | | A | 3 | 9 | | |")
    result = ledger.post(docs(HEAD + "| 2026-01-06 | 销售出库 | S0 | C1 | W1 | | A | 2 | 9 | | |"))
    problem = only_problem(result)
    assert problem.code == "negative_stock" and "S1" in problem.message
    assert ledger.verify() == [] and stock_rows(ledger) == [("W1", "A", "1", "5")]


def test_allowed_negative_stock_costs_at_the_last_cost_and_revalues_on_receipt(tmp_path):
    from ..conftest import standard_masters
    with Ledger.open(tmp_path / "neg.jxc.db", allow_negative=True) as ledger:
        standard_masters(ledger)
        post_ok(ledger, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 4  | 5 | | |\n"
                        "| 2026-01-06 | 销售出库 | S1 | C1 | W1 | | A | 10 | 9 | | |\n"
                        "| 2026-01-07 | 采购入库 | P2 | S1 | W1 | | A | 6  | 6 | | |\n"
                        "| 2026-01-08 | 采购入库 | P3 | S1 | W1 | | A | 2  | 7 | | |")
        card = ledger.stock_card("A")
        assert [(c.bal_qty, c.bal_value) for c in card] == [(4, D(20)), (-6, D(-30)), (0, D(0)), (2, D(14))]
        assert card[2].value == D("30.00")       # the receipt that brings it back to zero clears the value


# -- back-dating, closing -------------------------------------------------------------------
def test_back_dated_receipt_recosts_later_issues_and_transfers(any_ledger, tmp_path):
    later = ("| 2026-03-02 | 采购入库 | P1 | S1 | W1 |    | A | 10 | 4 | | |\n"
             "| 2026-03-10 | 销售出库 | S1 | C1 | W1 |    | A | 5  | 9 | | |\n"
             "| 2026-03-12 | 调拨     | T1 |    | W1 | W2 | A | 5  |   | | |\n"
             "| 2026-03-20 | 销售出库 | S2 | C1 | W2 |    | A | 2  | 9 | | |\n")
    early = "| 2026-03-01 | 采购入库 | P0 | S1 | W1 | | A | 10 | 6 | | |\n"
    post_ok(any_ledger, later)
    post_ok(any_ledger, early)
    fresh = Ledger.open(tmp_path / "fresh.jxc.db", cost_method=any_ledger.settings.method)
    from ..conftest import standard_masters
    standard_masters(fresh)
    post_ok(fresh, early + later)
    assert stock_rows(any_ledger) == stock_rows(fresh)
    assert [(c.doc_no, c.value, c.bal_value) for c in any_ledger.stock_card("A")] == \
           [(c.doc_no, c.value, c.bal_value) for c in fresh.stock_card("A")]
    assert sum(p.cost for p in any_ledger.gross_profit()) == sum(p.cost for p in fresh.gross_profit())


def test_posting_in_a_closed_period_is_refused(ledger):
    post_ok(ledger, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 4 | 5 | | |")
    ledger.close_period(day("2026-01-31"))
    result = ledger.post(docs(HEAD + "| 2026-01-31 | 采购入库 | P2 | S1 | W1 | | A | 1 | 5 | | |\n"
                                     "| 2026-02-01 | 采购入库 | P3 | S1 | W1 | | A | 1 | 5 | | |"))
    problem = only_problem(result)
    assert (problem.doc_no, problem.code, problem.field) == ("P2", "closed_period", "日期")
    assert "2026-01-31" in problem.message
    assert result.posted == ["P3"]
    assert only_problem(ledger.reverse("P1")).code == "closed_period"
    assert ledger.reverse("P1", date=day("2026-02-02")).posted == ["P1"]


def test_monthly_average_recosts_the_months_earlier_issues(tmp_path):
    from ..conftest import standard_masters
    with Ledger.open(tmp_path / "m.jxc.db", cost_method="monthly_average") as ledger:
        standard_masters(ledger)
        post_ok(ledger, "| 2026-01-01 | 期初库存 | O1 | | W1 | | A | 10 | | 1 | |\n"
                        "| 2026-01-05 | 销售出库 | S1 | C1 | W1 | | A | 5 | 9 | | |")
        assert ledger.gross_profit()[0].cost == D("5.00")
        post_ok(ledger, "| 2026-01-20 | 采购入库 | P1 | S1 | W1 | | A | 10 | 3 | | |")
        assert ledger.gross_profit()[0].cost == D("10.00")       # (10 + 30) / 20 = 2 a unit
        post_ok(ledger, "| 2026-02-03 | 销售出库 | S2 | C1 | W1 | | A | 15 | 9 | | |")
        assert stock_rows(ledger) == []                           # emptied: exactly zero value
        assert ledger.gross_profit()[1].cost == D("30.00")


# -- idempotency, reversal, traceability ----------------------------------------------------
def test_posting_the_same_batch_twice_changes_nothing(ledger):
    first = post_ok(ledger, SALES)
    before = ledger.conn.execute("SELECT COUNT(*) FROM movements").fetchone()[0]
    again = ledger.post(docs(HEAD + SALES))
    assert again.already == first.posted and again.posted == [] and again.batch is None
    assert ledger.conn.execute("SELECT COUNT(*) FROM movements").fetchone()[0] == before
    assert ledger.conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0] == 1


def test_same_doc_no_with_other_content_is_refused_until_reversed(ledger):
    post_ok(ledger, SALES)
    changed = docs(HEAD + "| 2026-01-06 | 销售出库 | S1 | C1 | W1 | | A | 7 | 9 | | |")
    problem = only_problem(ledger.post(changed))
    assert problem.code == "duplicate_changed" and "红字冲销" in problem.message
    assert ledger.reverse("S1").posted == ["S1"]
    assert ledger.post(changed).posted == ["S1"]             # the corrected document, revision 2
    assert ledger.balance("C1") == D("63.00") and ledger.verify() == []


def test_reversal_is_the_exact_opposite_and_linked(any_ledger):
    post_ok(any_ledger, SALES + "| 2026-01-09 | 调拨 | T1 | | W1 | W2 | A | 3 | | | |")
    before = stock_rows(any_ledger)
    post_ok(any_ledger, "| 2026-01-08 | 采购入库 | P3 | S1 | W1 | | A | 5 | 6.5 | | |")
    result = any_ledger.reverse("P3")
    assert result.posted == ["P3"]
    assert stock_rows(any_ledger) == before and any_ledger.balance("S1", side="AP") == D("130.00")
    rows = any_ledger.conn.execute("SELECT o.reversed_by, r.reverses, r.id, o.id FROM documents o "
                                   "JOIN documents r ON r.reverses = o.id").fetchall()
    assert [(a == c, b == d) for a, b, c, d in rows] == [(True, True)]
    assert only_problem(any_ledger.reverse("P3")).code == "already_reversed"
    assert only_problem(any_ledger.reverse("NOPE")).code == "not_found"


def test_reversing_a_count_and_a_transfer(ledger):
    post_ok(ledger, "| 2026-02-01 | 采购入库 | P1 | S1 | W1 |    | A | 3 | 10 | | |\n"
                    "| 2026-02-02 | 调拨     | T1 |    | W1 | W2 | A | 1 |    | | |\n"
                    "| 2026-02-05 | 盘点     | K1 |    | W1 |    | A | 5 |    | | |")
    assert ledger.reverse("K1").ok and ledger.reverse("T1").ok
    assert stock_rows(ledger) == [("W1", "A", "3", "30")]


def test_every_ledger_row_is_traceable_to_batch_user_and_source_row(ledger):
    result = ledger.post(docs(HEAD + SALES, sheet="销售"), user="王会计", workbook="t.xlsx")
    # a movement is traced through its document (batch, user, when, workbook) and its line (sheet, row)
    rows = ledger.conn.execute("SELECT d.batch, d.user, d.posted_at, d.workbook, l.sheet, l.row, d.doc_no "
                               "FROM movements m JOIN documents d ON d.id = m.doc JOIN lines l ON l.id = m.line "
                               "ORDER BY m.pos").fetchall()
    assert {(r[0], r[1], r[3], r[4]) for r in rows} == {(result.batch, named(ledger, "王会计"), "t.xlsx", "销售")}
    assert [(r[6], r[5]) for r in rows] == [("P1", 2), ("S1", 3), ("P2", 4)]
    # … and an entry through its document (schema 15: neither a line nor an entry repeats its stamps)
    entries = ledger.conn.execute("SELECT d.batch, d.user, d.sheet FROM party_entries e "
                                  "JOIN documents d ON d.id = e.doc").fetchall()
    assert {tuple(e) for e in entries} == {(result.batch, named(ledger, "王会计"), "销售")}
    assert not {"batch", "posted_at", "user", "workbook"} & ledger.conn.columns("lines")
    assert not {"batch", "posted_at", "user", "workbook", "sheet", "row"} & (
        ledger.conn.columns("party_entries") | ledger.conn.columns("cash_entries"))


def test_crash_mid_batch_leaves_the_ledger_as_it_was(ledger, monkeypatch):
    post_ok(ledger, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 4 | 5 | | |")
    from jxc_xl.ledger.engine import posting
    real = posting.Writer.write
    calls = []

    def crashing(self, doc, revision, fingerprint):
        calls.append(doc.doc_no)
        if len(calls) == 2:
            raise OSError("disk gone")
        return real(self, doc, revision, fingerprint)

    monkeypatch.setattr(posting.Writer, "write", crashing)
    with pytest.raises(OSError):
        ledger.post(docs(HEAD + "| 2026-01-06 | 采购入库 | P2 | S1 | W1 | | A | 1 | 5 | | |\n"
                                "| 2026-01-07 | 采购入库 | P3 | S1 | W1 | | A | 1 | 5 | | |"))
    assert stock_rows(ledger) == [("W1", "A", "4", "20")]
    assert ledger.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 1


# -- validation as values ---------------------------------------------------------------------
def test_every_problem_of_a_batch_is_reported_and_good_documents_still_post(ledger):
    result = ledger.post(docs(HEAD +
        "| 2026-01-05 | 采购入库 | P1 | S9 | W1 | | A  | 0  | 5    | | |\n"
        "| 2026-01-05 | 采购入库 | P1 | S9 | W1 | | Q  | 1  | 5    | | |\n"
        "| 2026-01-05 | 销售出库 | S1 | S1 | W9 | | Z  | 1  | 1.5  | | |\n"
        "| 2026-01-05 | 采购入库 | P2 | 华东供应商 | 总仓 | | 苹果 | 1.00001 | 5 | | |\n"
        "| 2026-01-06 | 采购入库 | P3 | 华东供应商 | 总仓 | | 苹果 | 2 | 5 | | |"))
    got = [(p.doc_no, p.line, p.field, p.code) for p in result.problems]
    assert got == [("P1", None, "供应商", "unknown_party"), ("P1", 1, "数量", "not_positive"),
                   ("P1", 2, "商品编码", "unknown_item"), ("S1", None, "客户", "party_not_customer"),
                   ("S1", None, "仓库", "unknown_warehouse"), ("S1", 1, "商品编码", "inactive_item"),
                   ("P2", 1, "数量", "too_many_places")]
    assert result.posted == ["P3"]                           # given by names, resolved to codes
    assert stock_rows(ledger) == [("W1", "A", "2", "10")]
    rows = {p.code: p.source.row for p in result.problems}
    assert rows["unknown_item"] == 3 and rows["unknown_party"] == 2
    assert all(p.message and p.message_en and p.message != p.message_en for p in result.problems)


def test_amount_that_disagrees_with_qty_times_price_is_an_error(ledger):
    doc = Document(type="purchase_receipt", doc_no="P1", date=day("2026-01-05"), party="S1", warehouse="W1",
                   lines=(Line(item="A", qty=D(3), price=D("3.33"), amount=D("10.01")),
                          Line(item="B", qty=D(3), price=D("3.33"), amount=D("9.98"))))   # within 0.01: fine
    problem = only_problem(ledger.post([doc]))
    assert (problem.line, problem.field, problem.code) == (1, "金额", "amount_mismatch")
    assert "9.99" in problem.message


def test_changing_the_cost_method_after_posting_is_refused(ledger):
    assert ledger.set_cost_method("fifo") is None
    assert ledger.set_cost_method("moving_average") is None
    post_ok(ledger, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 4 | 5 | | |")
    problem = ledger.set_cost_method("fifo")
    assert problem is not None and "不能再更改" in problem.message
    assert ledger.settings.method.value == "moving_average"


# -- queries and self-check -----------------------------------------------------------------
def test_stock_as_of_a_date_and_per_item(ledger):
    post_ok(ledger, "| 2026-02-01 | 采购入库 | P1 | S1 | W1 |    | A | 3 | 10 | | |\n"
                    "| 2026-02-02 | 调拨     | T1 |    | W1 | W2 | A | 1 |    | | |\n"
                    "| 2026-02-03 | 销售出库 | S1 | C1 | W2 |    | A | 1 | 20 | | |")
    assert stock_rows(ledger, day("2026-02-02")) == [("W1", "A", "2", "20"), ("W2", "A", "1", "10")]
    assert stock_rows(ledger, day("2026-01-31")) == []
    [total] = ledger.stock(by_item=True)
    assert (total.qty, total.value, total.unit_cost) == (2, D("20.00"), D("10"))
    [empty] = ledger.stock(warehouse="W2")
    assert (empty.qty, empty.value, empty.unit_cost) == (0, 0, D("10"))   # last known cost


def test_period_summary_balances(ledger):
    post_ok(ledger, "| 2026-01-01 | 期初库存 | O1 | | W1 | | A | 10 | | 2 | |\n"
                    "| 2026-02-01 | 采购入库 | P1 | S1 | W1 | | A | 10 | 4 | | |\n"
                    "| 2026-02-10 | 销售出库 | S1 | C1 | W1 | | A | 15 | 9 | | |\n"
                    "| 2026-03-01 | 采购入库 | P2 | S1 | W1 | | A | 1 | 4 | | |")
    [row] = ledger.summary(day("2026-02-01"), day("2026-02-28"))
    assert (row.open_qty, row.open_value, row.in_qty, row.in_value) == (10, D(20), 10, D(40))
    assert (row.out_qty, row.out_value, row.close_qty, row.close_value) == (15, D(45), 5, D(15))


def test_summary_puts_returns_and_reversals_negative_in_their_own_column(ledger):
    """Chinese practice: a purchase return is a negative 入库, a sales return a negative 出库, a
    红字冲销 negative in its original's column — never the opposite direction."""
    post_ok(ledger, "| 2026-02-01 | 采购入库 | P1 | S1 | W1 | | A | 10 | 4 | | |\n"
                    "| 2026-02-02 | 采购退货 | R1 | S1 | W1 | | A | 2  | 4 | | P1 |\n"
                    "| 2026-02-03 | 销售出库 | S1 | C1 | W1 | | A | 5  | 9 | | |\n"
                    "| 2026-02-04 | 销售退货 | SR1 | C1 | W1 | | A | 1 | 9 | | S1 |\n"
                    "| 2026-02-05 | 销售出库 | S2 | C1 | W1 | | A | 3  | 9 | | |")
    assert ledger.reverse("S2").posted == ["S2"]
    [row] = ledger.summary(day("2026-02-01"), day("2026-02-28"))
    assert (row.in_qty, row.in_value) == (8, D("32.00"))              # 10 − 2
    assert (row.out_qty, row.out_value) == (4, D("16.00"))            # 5 − 1 + 3 − 3
    assert (row.close_qty, row.close_value) == (4, D("16.00"))
    journal = [(r[2], r[3], r[7], r[8], r[10]) for r in ledger.journal()[1]]
    assert journal[-2:] == [("sales_shipment", 0, None, "3.0000", "12.00"), ("sales_shipment", 1, None, "-3.0000", "-12.00")]
    assert journal[1] == ("purchase_return", 0, "-2.0000", None, "-8.00")


def test_stock_card_runs_the_balance(ledger):
    post_ok(ledger, SALES)
    card = ledger.stock_card("A", "W1")
    assert [(c.doc_no, c.in_qty, c.out_qty, c.bal_qty, c.bal_value) for c in card] == [
        ("P1", 10, 0, 10, D(50)), ("S1", 0, 6, 4, D(20)), ("P2", 10, 0, 14, D(100))]
    assert [c.doc_no for c in ledger.stock_card("A", start=day("2026-01-06"), end=day("2026-01-06"))] == ["S1"]


def test_verify_finds_a_tampered_row(ledger):
    post_ok(ledger, SALES)
    ledger.conn.execute("UPDATE movements SET value = value + 1 WHERE id = 2")
    assert len(ledger.verify()) >= 1


def test_the_self_check_reads_the_movements_again_when_a_post_comes_between_its_two_reads(ledger, monkeypatch):
    """The self-check counts each key's movements, then cuts the movements read in key order by
    those counts (recost._cut): a post between the two reads, and the cut would hand a key
    another's movements — they are read again, each with its key, and the books still verify."""
    post_ok(ledger, SALES)
    real = ledger.conn.tuples

    def tuples(sql, params=()):
        found = real(sql, params)
        if sql == recost._COUNTED:                     # counted: now another posts, before the movements are read
            monkeypatch.setattr(ledger.conn, "tuples", real)
            assert ledger.post(docs(HEAD + "| 2026-01-04 | 采购入库 | P0 | S1 | W1 | | A | 3 | 4 | | |\n"
                                           "| 2026-01-04 | 采购入库 | P0 | S1 | W1 | | B | 2 | 1 | | |")).ok
        return found
    monkeypatch.setattr(ledger.conn, "tuples", tuples)
    start = costing.METHODS[ledger.settings.method].replay_start(ledger.settings.since)
    keys = recost.by_key(ledger.conn, ledger.settings)
    assert keys == recost._keyed(ledger.conn, start) and sum(len(b) + len(a) for b, a in keys.values()) == 5
    assert recost._cut(ledger.conn, start) == keys and ledger.verify() == []


def test_verify_finds_a_key_missing_from_the_stock_keys(ledger):
    """Stock as of a date seeks each listed key's balance: a key left out would vanish from it."""
    post_ok(ledger, SALES)
    assert ledger.verify() == []
    ledger.conn.execute("DELETE FROM stock_keys WHERE item = 'A'")
    assert ledger.verify() == ["A@W1: 有出入库却不在 stock_keys"]


# -- what the journal's writer relies on ---------------------------------------------------------
def test_movements_remember_the_batch_that_last_wrote_them(ledger):
    post_ok(ledger, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 10 | 5 | | |\n"
                    "| 2026-01-08 | 销售出库 | S1 | C1 | W1 | | A | 4  | 9 | | |")
    post_ok(ledger, "| 2026-01-09 | 采购入库 | P2 | S1 | W1 | | B | 1 | 1 | | |")
    post_ok(ledger, "| 2026-01-06 | 采购入库 | P3 | S1 | W1 | | A | 10 | 7 | | |")  # recosts S1
    touched = dict(ledger.conn.execute("SELECT d.doc_no, m.touched FROM movements m JOIN documents d ON d.id = m.doc"))
    assert touched == {"P1": 1, "S1": 3, "P2": 2, "P3": 3}
    kept, rows = ledger.journal(after_batch=2)
    assert kept == 1 and [r[4] for r in rows] == ["P3", "S1", "P2"]        # from the first touched on
    assert ledger.journal(after_batch=3) == (4, [])
    assert ledger.batch_of(ledger.generation()) == 3
    assert ledger.batch_of("other:3:" + ledger.generation().split(":", 2)[2]) is None
    assert ledger.batch_of(ledger.generation().rsplit(":", 3)[0] + ":3:2000-01-01T00:00:00") is None


def test_a_version_1_ledger_is_upgraded_on_opening(ledger_file):
    """(Ledgers of version 1 were files: a server ledger starts at the version that made it.)"""
    ledger_path = ledger_file
    with Ledger.open(ledger_path) as led:
        from ..conftest import standard_masters
        standard_masters(led)
        post_ok(led, "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 10 | 5 | | |")
        led.conn.execute("DROP INDEX idx_movements_date_pos_warehouse_id")
        led.conn.execute("ALTER TABLE movements DROP COLUMN touched")
        led.conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with Ledger.open(ledger_path) as led:
        assert [tuple(r) for r in led.conn.execute("SELECT m.touched, d.batch FROM movements m JOIN documents d ON d.id = m.doc")] == [(1, 1)]
        from jxc_xl.ledger.stores.schema import SCHEMA_VERSION
        assert led._meta("schema_version") == str(SCHEMA_VERSION) and led.verify() == []
        post_ok(led, "| 2026-01-06 | 销售出库 | S1 | C1 | W1 | | A | 1 | 9 | | |")


def test_a_figure_below_zero_is_named_by_its_own_field(ledger):
    """Issue 21.17: a negative 付款 speaks of its 金额 (and says how a refund is typed), not of
    a 数量; a counted quantity may be 0, so a negative one is "不能为负数", not "必须大于0"."""
    result = ledger.post(docs(HEAD + "| 2026-01-05 | 付款 | FK1 | S1 | | | | | -100 | | |\n"
                                     "| 2026-01-05 | 盘点 | PD1 | | W1 | | A | -1 | | | |\n"
                                     "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | -2 | 5 | | |"))
    said = {p.doc_no: p for p in result.problems}
    assert said["FK1"].message == ("金额必须大于0（现为 -100）：金额请填正数，收款还是付款由业务类型决定"
                                   "（供应商退回的款项记为“收款”，退给客户的款项记为“付款”）。")
    assert "Amount must be greater than 0" in said["FK1"].message_en and "Qty" not in said["FK1"].message_en
    assert said["PD1"].message == "实盘数量不能为负数（现为 -1）。"
    assert said["P1"].message == "数量必须大于0（现为 -2）：数量请填正数，方向由业务类型决定。"
    assert all("数量" not in p.message for p in result.problems if p.field == "金额")


def test_verify_says_why_a_replay_failed_in_words_not_codes(ledger):
    """Issue 21.17: a replay that cannot stand says so in Chinese (库存不足), not by its code."""
    post_ok(ledger, SALES)
    ledger.conn.execute("UPDATE movements SET base_qty = base_qty * 100 WHERE direction = -1")
    [failed] = [d for d in ledger.verify() if "重算失败" in d]
    assert failed.startswith("A@W1: 重算失败：库存不足") and "shortage" not in failed


# -- refunds: money back the other way ------------------------------------------------------
REFUNDS = ("| 2026-01-05 | 采购入库 | P1  | S1 | W1 | | A | 10 | 80  | | |\n"      # we owe S1 800
           "| 2026-01-06 | 付款     | FK1 | S1 |    | | |    | 1000 | | |\n"     # paid 1,000: 200 ahead
           "| 2026-01-20 | 收款     | SK1 | S1 |    | | |    | 200  | | |\n"     # S1 pays the 200 back
           "| 2026-01-07 | 销售出库 | XS1 | C2 | W1 | | A | 1  | 100 | | |\n"      # C2 owes 100
           "| 2026-01-08 | 收款     | SK2 | C2 |    | | |    | 150  | | |\n"     # pays 150: 50 ahead
           "| 2026-01-21 | 付款     | FK2 | C2 |    | | |    | 50   | | |\n"     # we pay the 50 back
           "| 2026-01-22 | 收款     | SK3 | X1 |    | | |    | 30   | | |\n")    # a customer and supplier: 应收


def test_a_refund_raises_what_is_owed_back(ledger):
    """Issue 21.17: a 收款 from a supplier is its refund and raises the payable (a 200 prepayment
    back to 0); a 付款 to a customer raises the receivable. A party that is both keeps the usual
    sides (收款 lowers its 应收). Settlement, aging and 红字冲销 take the refunds as they come."""
    post_ok(ledger, REFUNDS)
    assert ledger.balance("S1", side="AP") == 0 and ledger.balance("S1", side="AR") == 0
    assert ledger.balance("C2", side="AR") == 0 and ledger.balance("C2", side="AP") == 0
    assert ledger.balance("X1", side="AR") == D("-30.00") and ledger.balance("X1", side="AP") == 0
    items, credit = ledger.open_items("S1", "AP")
    assert [(i.doc_no, i.open) for i in items] == [("P1", D("0.00")), ("SK1", D("0.00"))] and credit == 0
    assert {r.party for r in ledger.aging(day("2026-03-01"), "AP")} == set()
    assert {r.party for r in ledger.aging(day("2026-03-01"), "AR")} == {"X1"}
    assert ledger.reverse("SK1").ok and ledger.balance("S1") == D("200.00")       # prepaid again
    [row] = ledger.aging(day("2026-03-01"), "AP")
    assert (row.party, row.balance, row.buckets["not_due"]) == ("S1", D("-200.00"), D("-200.00"))
    refund = ledger.post(docs(HEAD + "| 2026-01-25 | 收款 | SK4 | S1 | | | | | 500 | | |"))
    assert refund.ok and ledger.balance("S1", side="AP") == D("300.00")          # more back than ahead: we owe it


def test_the_generated_sheets_read_the_masters_once(ledger, monkeypatch):
    """Issue 24 (verify ≤ 2 s), a sibling: 库存, 应收, 应付, 订单跟踪 and 资金 each read every master
    into models (5,000 items were 0.2 s a read on the bench book) — once for all of them now, with
    the same rows."""
    import datetime as dt

    from jxc_xl.reports.generate import summaries
    post_ok(ledger, SALES)
    today = dt.date(2026, 2, 1)
    alone = summaries(ledger, today)
    reads = []
    read = Ledger.masters
    monkeypatch.setattr(Ledger, "masters", lambda self: reads.append(1) or read(self))
    assert summaries(ledger, today) == alone and alone[0][1] and len(reads) == 1


def test_a_batch_handed_over_is_let_go_as_written_and_asked_for_again_only_when_written_again(ledger):
    """Issue 24 (memory): given ``again``, the ledger lets go of each document it posts (its place
    in the list None; what is left is what it refused) and asks for them all again only when the
    batch is written again document by document (a shortage found by its final recost): the same
    outcomes as a batch it holds whole."""
    rows = HEAD + ("| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 10 | 5 | | |\n"
                   "| 2026-01-06 | 销售出库 | S1 | C1 | W1 | | A | 4 | 9 | | |\n"
                   "| 2026-01-07 | 销售出库 | S2 | C1 | W1 | | A | 4 | 9 | | |\n"
                   "| 2026-01-08 | 销售出库 | S3 | C1 | W1 | | A | 4 | 9 | | |\n"
                   "| 2026-01-08 | 销售出库 | S4 | C1 | W1 | | NOPE | 1 | 9 | | |")
    held = ledger.post(docs(rows), dry_run=True)
    asked: list[int] = []

    def again():
        asked.append(1)
        return docs(rows)
    documents = docs(rows)
    result = ledger.post(documents, again=again)
    assert asked == [1] and result.outcomes == held.outcomes
    assert [d and d.doc_no for d in documents] == [None, None, None, "S3", "S4"]
    assert [o.status for o in result.outcomes] == ["posted", "posted", "posted", "error", "error"]
    documents = docs(HEAD + "| 2026-01-09 | 采购入库 | P2 | S1 | W1 | | B | 1 | 5 | | |\n"
                     "| 2026-01-09 | 采购入库 | P3 | S1 | W1 | | NOPE | 1 | 5 | | |")
    assert [o.status for o in ledger.post(documents, again=lambda: asked.append(2)).outcomes] == ["posted", "error"]
    assert asked == [1] and [d and d.doc_no for d in documents] == [None, "P3"]
