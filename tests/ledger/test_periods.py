"""结账 / 反结账 in the ledger (issue 11): the pre-close checks, the closing snapshot, reopening.

Real SQLite files (the ``ledger`` fixture), documents in the table form of dsl.py.
"""
import datetime as dt
from decimal import Decimal

from jxc_xl import Ledger

from ..conftest import named, standard_masters
from ..dsl import docs
from .test_documents import HEAD, only_problem, post_ok

D = Decimal
OCTOBER = dt.date(2026, 10, 31)
BOOKS = ("| 2026-10-02 | 采购入库 | CG1 | S1 | W1 | | A | 10 | 5 | | |\n"
         "| 2026-10-05 | 销售出库 | XS1 | C1 | W1 | | A | 4  | 9 | | |\n"
         "| 2026-11-03 | 采购入库 | CG2 | S1 | W1 | | A | 2  | 8 | | |")


def codes(problems):
    return [p.code for p in problems]


def test_a_close_stores_the_months_stock_and_balances_and_is_logged(ledger):
    post_ok(ledger, BOOKS)
    assert ledger.close_month(OCTOBER, user="王会计", workbook="账本.xlsx") == []
    assert ledger.settings.closed_through == OCTOBER
    stock = ledger.conn.execute("SELECT item, warehouse, qty, value FROM closing_stock").fetchall()
    assert [tuple(r) for r in stock] == [("A", "W1", 60000, 3000)]          # 6 left, worth 30.00 (not CG2's)
    owed = ledger.conn.execute("SELECT party, side, amount FROM closing_balances ORDER BY party").fetchall()
    assert [tuple(r) for r in owed] == [("C1", "AR", 3600), ("S1", "AP", 5000)]
    [entry] = ledger.audit_log(("close", "reopen"))
    assert (entry.action, entry.user, entry.detail) == ("close", named(ledger, "王会计"), "- → 2026-10-31")
    assert ledger.verify() == []
    late = docs(HEAD + "| 2026-10-20 | 采购入库 | CG9 | S1 | W1 | | A | 1 | 5 | | |")
    assert only_problem(ledger.post(late)).code == "closed_period"
    assert codes(ledger.close_month(OCTOBER)) == ["already_closed"]


def test_a_snapshot_that_no_longer_matches_the_movements_is_found_by_verify(ledger):
    post_ok(ledger, BOOKS)
    ledger.close_month(OCTOBER)
    ledger.conn.execute("UPDATE closing_stock SET value = value + 1")
    assert ledger.verify() == ["结账快照 2026-10-31 A@W1: (60000, 3001) ≠ (60000, 3000)"]
    ledger.conn.execute("UPDATE closing_stock SET value = value - 1")
    ledger.conn.execute("UPDATE closing_balances SET amount = 0 WHERE party = 'C1'")
    assert ledger.verify() == ["结账快照 2026-10-31 C1 AR: 0 ≠ 3600"]


def test_negative_stock_at_the_months_end_stops_the_close(tmp_path):
    with Ledger.open(tmp_path / "neg.jxc.db", allow_negative=True) as ledger:
        standard_masters(ledger)
        post_ok(ledger, "| 2026-10-05 | 销售出库 | XS1 | C1 | W1 | | A | 4 | 9 | 5 | |")
        [problem] = ledger.close_month(OCTOBER)
        assert problem.code == "close_negative"
        assert problem.message.startswith("结账前检查：商品“A”在仓库“W1”2026-10-31 的结存为负数（-4）")
        assert ledger.settings.closed_through is None and ledger.audit_log(("close",)) == []
        post_ok(ledger, "| 2026-10-01 | 采购入库 | CG1 | S1 | W1 | | A | 4 | 5 | | |")
        assert ledger.close_month(OCTOBER) == []


def test_an_issue_at_zero_cost_while_the_stock_had_value_stops_the_close(ledger):
    post_ok(ledger, "| 2026-10-02 | 采购入库 | CG1 | S1 | W1 | | A | 3 | 0.003 | | |\n"      # 3 for 0.01
                    "| 2026-10-05 | 销售出库 | XS1 | C1 | W1 | | A | 1 | 9 | | |")           # 1/3 cent → 0.00
    [problem] = ledger.close_month(OCTOBER)
    assert problem.code == "close_zero_cost" and "单号“XS1”（2026-10-05）" in problem.message
    assert "当时库存金额为 0.01" in problem.message and ledger.settings.closed_through is None


def test_books_that_do_not_verify_are_not_closed(ledger):
    post_ok(ledger, BOOKS)
    ledger.conn.execute("UPDATE movements SET value = value + 1 WHERE id = 1")
    [problem] = ledger.close_month(OCTOBER)
    assert problem.code == "close_verify" and "jxc verify" in problem.message
    assert ledger.settings.closed_through is None


def test_a_reopened_months_snapshot_stops_standing_and_the_next_close_takes_a_new_one(ledger):
    post_ok(ledger, BOOKS)
    ledger.close_month(OCTOBER, user="王会计")
    assert ledger.reopen(dt.date(2026, 9, 30), user="李主管") is True
    post_ok(ledger, "| 2026-10-20 | 采购入库 | CG3 | S1 | W1 | | A | 4 | 5 | | |")     # October again
    assert ledger.verify() == []                        # the old snapshot no longer stands
    assert ledger.close_month(OCTOBER) == []
    standing = ledger.conn.execute("SELECT s.qty FROM closing_stock s JOIN closes c ON c.id = s.close "
                                   "WHERE c.reopened_at IS NULL").fetchall()
    assert [r[0] for r in standing] == [100000]
    reopened = ledger.conn.execute("SELECT reopened_by FROM closes WHERE reopened_at IS NOT NULL").fetchall()
    assert [r[0] for r in reopened] == [named(ledger, "李主管")]


def test_posting_after_a_close_keeps_the_snapshot_true(ledger):
    """A later month's documents (and back-dated ones within the open period) never touch the
    closed figures, so the snapshot keeps verifying."""
    post_ok(ledger, BOOKS)
    ledger.close_month(OCTOBER)
    post_ok(ledger, "| 2026-11-01 | 销售出库 | XS2 | C1 | W1 | | A | 3 | 9 | | |")
    assert ledger.verify() == []


# -- issue 21.2: a month closes once it has ended, and months close one by one ----------------------
def test_a_month_that_has_not_ended_is_not_closed(ledger):
    post_ok(ledger, BOOKS)
    [problem] = ledger.close_month(dt.date(2027, 3, 31), today=dt.date(2026, 12, 5))
    assert problem.code == "close_not_ended"
    assert problem.message == "2027-03 还没有结束（月末是 2027-03-31，今天是 2026-12-05）：月份结束后才能结账。"
    assert ledger.settings.closed_through is None and ledger.audit_log(("close",)) == []
    assert ledger.close_month(OCTOBER, today=OCTOBER) == []              # its last day: it has ended by evening


def test_a_skipped_month_is_refused_naming_the_month_to_close_first(ledger):
    post_ok(ledger, BOOKS)
    [problem] = ledger.close_month(dt.date(2026, 11, 30), today=dt.date(2026, 12, 5))      # October not closed
    assert problem.code == "close_skipped" and "请先结账 2026-10（账簿结账至 -）" in problem.message
    assert ledger.close_month(OCTOBER) == []
    [problem] = ledger.close_month(dt.date(2026, 12, 31), today=dt.date(2027, 1, 5))
    assert problem.code == "close_skipped" and "请先结账 2026-11（账簿结账至 2026-10-31）" in problem.message
    assert ledger.settings.closed_through == OCTOBER
    assert ledger.next_close() == dt.date(2026, 11, 1)
    assert ledger.close_month(dt.date(2026, 11, 30), today=dt.date(2027, 1, 5)) == []
    assert ledger.close_month(dt.date(2026, 12, 31), today=dt.date(2027, 1, 5)) == []


def test_months_before_the_first_document_need_no_close(ledger):
    """Nothing is dated in them: the first close may be any month up to the first document's."""
    post_ok(ledger, "| 2026-11-03 | 采购入库 | CG2 | S1 | W1 | | A | 2 | 8 | | |")
    assert ledger.close_month(dt.date(2026, 9, 30)) == []
    assert codes(ledger.close_month(dt.date(2026, 11, 30))) == ["close_skipped"]     # now October is next
    assert ledger.close_month(OCTOBER) == [] and ledger.close_month(dt.date(2026, 11, 30)) == []
