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


def test_openings_dated_the_day_before_the_books_start_close_with_the_first_month(ledger):
    """期初 on 09-30 for books from October: October is the first month to close (the demo's way),
    and September may still be closed first."""
    post_ok(ledger, "| 2026-09-30 | 期初库存 | 期初 | | W1 | | A | 5 | | 4 | |\n"
                    "| 2026-10-03 | 采购入库 | CG2 | S1 | W1 | | A | 2 | 8 | | |")
    assert ledger.close_month(OCTOBER) == []
    assert codes(ledger.close_month(dt.date(2026, 11, 30))) == []


# -- issue 21.3: a posted count whose difference a later post changes ----------------------------------
COUNTED = ("| 2026-10-02 | 采购入库 | CG1 | S1 | W1 | | A | 10 | 5 | | |\n"
           "| 2026-10-30 | 盘点     | PD1 |    | W1 | | A | 10 |   | | |")          # counted = book: no difference
LATE_SALE = "| 2026-10-20 | 销售出库 | XS9 | C1 | W1 | | A | 4 | 9 | | |"


def test_a_later_post_that_changes_a_posted_counts_difference_says_so_and_stops_the_close(ledger):
    post_ok(ledger, COUNTED)
    result = post_ok(ledger, LATE_SALE)
    [change] = result.count_changes
    assert (change.doc_no, change.line, change.item, change.old, change.new, change.cause) == \
        ("PD1", 1, "A", "0", "+4", "XS9")
    assert change.problem("count_changed").message.startswith(
        "盘点单“PD1”第1行 商品“A”（W1，2026-10-30）的差异因 XS9 由 0 变为 +4：实盘数量不变")
    assert ledger.count_differences()[("counts", "PD1", 1)] == 4      # the counted 10 stands
    assert [c.doc_no for c in ledger.changed_counts()] == ["PD1"]
    [problem] = ledger.close_month(OCTOBER)
    assert problem.code == "close_count_changed" and "由 0 变为 +4" in problem.message and "XS9" in problem.message
    accepted, refused = ledger.accept_count("PD1", user="王仓管")
    assert refused is None and [(c.old, c.new) for c in accepted] == [("0", "+4")]
    assert ledger.changed_counts() == [] and ledger.audit_log(("accept_count",))[0].detail == "PD1 第1行 A 差异 0 → +4"
    assert ledger.accept_count("PD1")[1].code == "count_not_changed"
    assert ledger.close_month(OCTOBER) == []


def test_a_change_undone_needs_no_word_and_a_reversed_count_none_either(ledger):
    post_ok(ledger, COUNTED)
    post_ok(ledger, LATE_SALE)
    result = ledger.reverse("XS9")
    assert [(c.old, c.new, c.cause) for c in result.count_changes] == [("+4", "0", "XS9（红字冲销）")]
    assert ledger.changed_counts() == []                       # back to what was posted
    post_ok(ledger, "| 2026-10-21 | 销售出库 | XS8 | C1 | W1 | | A | 1 | 9 | | |")
    assert [(c.old, c.new) for c in ledger.changed_counts()] == [("0", "+1")]
    assert ledger.reverse("PD1").ok and ledger.changed_counts() == []
    assert ledger.close_month(OCTOBER) == []


def test_a_count_posted_with_the_document_before_it_is_not_changed(ledger):
    post_ok(ledger, COUNTED + "\n" + LATE_SALE)
    assert ledger.changed_counts() == [] and ledger.count_differences()[("counts", "PD1", 1)] == 4


def test_only_who_counts_or_closes_accepts_a_changed_count(file_ledger):
    post_ok(file_ledger, COUNTED)
    post_ok(file_ledger, LATE_SALE)
    for name, role in (("管", "管理员"), ("小销", "销售"), ("王仓管", "仓管"), ("李会计", "财务")):
        assert file_ledger.add_user(name, role, by="管") is None, name
    assert file_ledger.accept_count("PD1", user="小销")[1].code == "act_denied"
    assert file_ledger.accept_count("PD1", user="王仓管")[1] is None
