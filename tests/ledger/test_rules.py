"""Issue 8, the ledger's rules: nothing a reversal, a setting or an outsized figure can slip past.

Real SQLite files throughout (the ``ledger`` fixture), documents in the table form of dsl.py.
"""
import datetime as dt
from decimal import Decimal

import pytest

from jxc_xl import Item, Ledger, Party
from jxc_xl.domain.money import MAX_AMOUNT, MAX_QTY, MAX_UNIT_PRICE, within
from jxc_xl.domain.validate import Masters

from ..conftest import named
from ..dsl import docs, stock_rows
from .test_documents import HEAD, only_problem, post_ok

D = Decimal
day = dt.date.fromisoformat

SALE_AND_RETURN = ("| 2026-01-02 | 采购入库 | CG1 | S1 | W1 | | A | 100 | 5 | | |\n"
                   "| 2026-01-05 | 销售出库 | XS1 | C1 | W1 | | A | 30  | 9 | | |\n"
                   "| 2026-01-06 | 销售退货 | XT1 | C1 | W1 | | A | 10  | 9 | | XS1 |")


# -- hole 1: a reversal beneath its returns ----------------------------------------------------
def test_a_shipment_with_a_standing_return_cannot_be_reversed_until_the_return_is(ledger):
    post_ok(ledger, SALE_AND_RETURN)
    problem = only_problem(ledger.reverse("XS1"))
    assert (problem.code, problem.doc_no, problem.field) == ("reverse_dependents", "XS1", "单号")
    assert "XT1" in problem.message and "XT1" in problem.message_en
    # the sequel cannot happen: XS1 is still posted, so neither the edit nor 25 more back
    assert only_problem(ledger.post(docs(HEAD + "| 2026-01-05 | 销售出库 | XS1 | C1 | W1 | | A | 31 | 9 | | |"))) \
        .code == "duplicate_changed"
    assert only_problem(ledger.post(docs(HEAD + "| 2026-01-07 | 销售退货 | XT2 | C1 | W1 | | A | 25 | 9 | | XS1 |"))) \
        .code == "return_exceeds"
    # the way round: the return first, then the shipment, then the corrected documents
    assert ledger.reverse("XT1").ok and ledger.reverse("XS1").ok
    post_ok(ledger, "| 2026-01-05 | 销售出库 | XS1 | C1 | W1 | | A | 31 | 9 | | |\n"
                    "| 2026-01-07 | 销售退货 | XT2 | C1 | W1 | | A | 25 | 9 | | XS1 |")
    assert stock_rows(ledger) == [("W1", "A", "94", "470")]      # 100 − 31 + 25
    assert only_problem(ledger.post(docs(HEAD + "| 2026-01-08 | 销售退货 | XT3 | C1 | W1 | | A | 7 | 9 | | XS1 |"))) \
        .code == "return_exceeds"                                   # 6 left of the 31


def test_a_receipt_with_standing_returns_names_them_all(ledger):
    post_ok(ledger, "| 2026-01-02 | 采购入库 | CG1 | S1 | W1 | | A | 100 | 5 | | |\n"
                    "| 2026-01-03 | 采购退货 | CT1 | S1 | W1 | | A | 10  | 5 | | CG1 |\n"
                    "| 2026-01-04 | 采购退货 | CT2 | S1 | W1 | | A | 5   | 5 | | CG1 |")
    problem = only_problem(ledger.reverse("CG1"))
    assert problem.code == "reverse_dependents" and "CT1、CT2" in problem.message
    assert ledger.reverse("CT2").ok
    assert "CT2" not in only_problem(ledger.reverse("CG1")).message
    assert ledger.reverse("CT1").ok
    assert ledger.reverse("CG1", date=day("2026-01-05")).ok      # after the returns, or they would go short
    assert stock_rows(ledger) == [] and ledger.balance("S1", side="AP") == 0 and ledger.verify() == []


# -- siblings: what else a reversal or a setting could get around -----------------------------------
def test_a_reversal_may_not_be_dated_before_its_original(ledger):
    post_ok(ledger, SALE_AND_RETURN)
    problem = only_problem(ledger.reverse("XT1", date=day("2026-01-05")))
    assert (problem.code, problem.field) == ("reversal_before_original", "日期")
    assert "2026-01-05" in problem.message and "2026-01-06" in problem.message
    assert ledger.reverse("XT1", date=day("2026-01-06")).ok       # the same day is fine


def test_a_reversal_dated_beyond_the_calendar_is_a_problem_not_a_crash(ledger):
    post_ok(ledger, SALE_AND_RETURN)
    assert only_problem(ledger.reverse("XT1", date=dt.date.max)).code == "date_out_of_range"


def test_negative_stock_cannot_be_disallowed_while_the_books_hold_some(tmp_path):
    from ..conftest import standard_masters
    with Ledger.open(tmp_path / "neg.jxc.db", allow_negative=True) as ledger:
        standard_masters(ledger)
        post_ok(ledger, "| 2026-01-05 | 销售出库 | XS1 | C1 | W1 | | A | 5 | 9 | | |\n"
                        "| 2026-01-09 | 采购入库 | CG1 | S1 | W1 | | A | 8 | 4 | | |")
        problem = ledger.set_allow_negative(False)
        assert (problem.code, problem.field) == ("negative_balances", "允许负库存")
        assert "A@W1 2026-01-05" in problem.message
        assert ledger.settings.allow_negative
        with pytest.raises(ValueError, match="负库存"):
            Ledger.open(tmp_path / "neg.jxc.db", allow_negative=False)
        post_ok(ledger, "| 2026-01-01 | 采购入库 | CG0 | S1 | W1 | | A | 5 | 4 | | |")   # the missing receipt
        assert ledger.set_allow_negative(False) is None and not ledger.settings.allow_negative


# -- hole 3: the closed-through date only moves forward; reopening is explicit and logged -----------
def test_a_cleared_or_earlier_closing_date_does_not_reopen_the_books(ledger, ledger_path):
    assert ledger.close_period(day("2026-11-10"), user="王会计", workbook="账本.xlsx") is True
    assert ledger.close_period(None) is False
    assert ledger.close_period(day("2026-11-01")) is False
    assert ledger.close_period(day("2026-11-10")) is False
    assert ledger.settings.closed_through == day("2026-11-10")
    late = docs(HEAD + "| 2026-11-05 | 采购入库 | CG1 | S1 | W1 | | A | 1 | 5 | | |")
    assert only_problem(ledger.post(late)).code == "closed_period"
    with Ledger.open(ledger_path) as again:                         # kept in the file
        assert again.settings.closed_through == day("2026-11-10")


def test_reopen_is_the_only_way_back_and_is_logged_with_who_and_when(ledger):
    ledger.close_period(day("2026-11-10"), user="王会计", workbook="账本.xlsx")
    assert ledger.reopen(day("2026-11-30")) is False                # that is not back
    assert ledger.reopen(day("2026-10-31"), user="李主管", workbook="账本.xlsx") is True
    post_ok(ledger, "| 2026-11-05 | 采购入库 | CG1 | S1 | W1 | | A | 1 | 5 | | |")
    assert ledger.close_period(day("2026-11-30"), user="王会计") is True
    assert ledger.reopen(None, user="李主管") is True and ledger.settings.closed_through is None
    log = ledger.audit_log(("close", "reopen"))
    assert [(a.action, a.user, a.detail) for a in log] == [
        ("close", named(ledger, "王会计"), "- → 2026-11-10"), ("reopen", named(ledger, "李主管"), "2026-11-10 → 2026-10-31"),
        ("close", named(ledger, "王会计"), "2026-10-31 → 2026-11-30"), ("reopen", named(ledger, "李主管"), "2026-11-30 → -")]
    assert log[1].workbook == "账本.xlsx" and all(a.machine for a in log)
    assert all(dt.datetime.fromisoformat(a.at) for a in log)


# -- hole 8: figures too large for the ledger ---------------------------------------------------------
GOOD = "| 2026-01-02 | 采购入库 | CG1 | S1 | W1 | | A | 10 | 5 | | |\n"


@pytest.mark.parametrize("row, code, field, limit", [
    ("| 2026-01-03 | 采购入库 | CG2 | S1 | W1 | | B | 1e20 | 5 | | |", "too_large", "数量", "1,000,000,000"),
    ("| 2026-01-03 | 采购入库 | CG2 | S1 | W1 | | B | 10 | 1e20 | | |", "too_large", "单价", "100,000,000"),
    ("| 2026-01-03 | 销售出库 | XS2 | C1 | W1 | | A | -1e20 | 9 | | |", "too_large", "数量", "1,000,000,000"),
    ("| 2026-01-03 | 采购入库 | CG2 | S1 | W1 | | B | 900000000 | 99999999 | | |", "product_too_large", "单价",
     "10,000,000,000"),
    ("| 2026-01-03 | 期初库存 | OS1 | | W1 | | B | 5 | | 1e20 | |", "too_large", "单位成本", "100,000,000"),
    ("| 2026-01-03 | 其他入库 | QR1 | | W1 | | B | 200000 | | 99999999 | |", "product_too_large", "单位成本",
     "10,000,000,000"),
    ("| 2026-01-03 | 收款 | SK1 | C1 | | | | | 1e20 | | |", "too_large", "金额", "10,000,000,000"),
    ("| 2026-01-03 | 期初往来 | QC1 | C1 | | | | | 1e20/ | | |", "too_large", "应收", "10,000,000,000"),
])
def test_a_figure_too_large_is_a_row_problem_naming_the_limit_and_the_good_documents_post(ledger, row, code,
                                                                                        field, limit):
    result = ledger.post(docs(HEAD + GOOD + row))
    assert result.posted == ["CG1"]
    problem = only_problem(result)
    assert (problem.code, problem.field) == (code, field)
    assert limit in problem.message and limit in problem.message_en
    assert ledger.verify() == []


def test_a_typed_amount_too_large_disagrees_with_qty_times_price(ledger):
    [doc] = docs(HEAD + "| 2026-01-03 | 采购入库 | CG2 | S1 | W1 | | B | 10 | 5 | | |")
    doc = doc.model_copy(update={"lines": (doc.lines[0].model_copy(update={"amount": D("1e20")}),)})
    assert only_problem(ledger.post([doc])).code == "amount_mismatch"


def test_dates_the_calendar_cannot_carry_forward_are_problems(ledger):
    """Before: date + the customer's 30 days of terms overflowed Python's calendar."""
    result = ledger.post(docs(HEAD + GOOD + "| 9999-12-31 | 销售出库 | XS9 | C1 | W1 | | A | 1 | 9 | | |\n"
                                            "| 1066-10-14 | 销售出库 | XS0 | C1 | W1 | | A | 1 | 9 | | |"))
    assert result.posted == ["CG1"]
    assert [(p.doc_no, p.code, p.field) for p in result.problems] == [
        ("XS9", "date_out_of_range", "日期"), ("XS0", "date_out_of_range", "日期")]


def test_terms_too_long_are_refused_on_the_party_and_on_its_documents(ledger):
    huge = Party(code="C9", name="远期客户", kind="customer", terms_days=10**9)
    [problem] = ledger.upsert_masters(parties=[huge])
    assert (problem.doc_no, problem.code, problem.field) == ("C9", "terms_too_large", "账期天数")
    assert "3650" in problem.message and "1000000000" in problem.message
    assert "C9" not in ledger.masters().parties
    masters = ledger.masters()
    masters = Masters(masters.items, {**masters.parties, "C9": huge}, masters.warehouses)
    result = ledger.post(docs(HEAD + GOOD + "| 2026-01-03 | 销售出库 | XS1 | C9 | W1 | | A | 1 | 9 | | |"),
                         masters=masters)
    assert result.posted == ["CG1"] and only_problem(result).code == "terms_too_large"


def test_masters_with_figures_too_large_are_left_out_and_reported(ledger):
    problems = ledger.upsert_masters(items=[Item(sku="Q", name="巨价", purchase_price=D("1e20")),
                                            Item(sku="R", name="正常", max_qty=D(100))],
                                     parties=[Party(code="Q", name="同码单位", kind="customer",
                                                    credit_limit=D(1000))])
    assert [(p.doc_no, p.field) for p in problems] == [("Q", "参考进价")]
    masters = ledger.masters()
    assert "Q" not in masters.items and "R" in masters.items and "Q" in masters.parties


def test_the_limits_keep_every_stored_figure_inside_sqlite_integers():
    """The product of the largest figures allowed, scaled, and a million of them summed, fit."""
    from jxc_xl.domain.money import to_cents, to_qty_units, to_unit_cost_units
    top = D("0.9999")
    assert within(MAX_QTY - 1, MAX_QTY) and not within(MAX_QTY, MAX_QTY)
    assert to_qty_units(MAX_QTY - top) * 10**5 < 2**63
    assert to_cents(MAX_AMOUNT - top) * 10**6 < 2**63
    assert to_unit_cost_units(MAX_UNIT_PRICE - top) * 10**4 < 2**63


def test_every_post_reversal_and_refused_attempt_is_in_the_audit_log(ledger):
    """Who did what to the books, when, from which workbook and machine: a post with its batch
    and 单号 (written with the batch, so neither exists without the other), a refused post, a
    reversal, a refused reversal. A dry run is no attempt and leaves no trace."""
    ledger.post(docs(HEAD + SALE_AND_RETURN), user="王会计", workbook="账本.xlsx", dry_run=True)
    assert ledger.audit_log() == []
    ledger.post(docs(HEAD + SALE_AND_RETURN + "\n| 2026-01-07 | 销售出库 | XS2 | C1 | W1 | | NOPE | 1 | 9 | | |"),
                user="王会计", workbook="账本.xlsx")
    ledger.post(docs(HEAD + "| 2026-01-08 | 销售出库 | XS3 | C9 | W1 | | A | 1 | 9 | | |"), user="王会计")
    assert not ledger.reverse("XS1", user="李会计").ok                  # its return stands on it
    assert ledger.reverse("XT1", user="李会计", workbook="账本.xlsx").ok
    log = ledger.audit_log()
    assert [(a.action, a.user) for a in log] == [("post", named(ledger, "王会计")), ("post_refused", named(ledger, "王会计")),
                                                 ("reverse_refused", named(ledger, "李会计")), ("reverse", named(ledger, "李会计"))]
    assert log[0].detail == "批次 1：过账 3 张（CG1、XS1、XT1）；拒绝 1 张（XS2）" and log[0].workbook == "账本.xlsx"
    assert log[1].detail == "没有过账；拒绝 1 张（XS3）" and "XT1" in log[2].detail
    assert log[3].detail.startswith("批次 2：XT1") and all(a.machine for a in log)
    assert [a.action for a in ledger.audit_log(("reverse",))] == ["reverse"]
    assert ledger.audit_log(start=day("2999-01-01")) == []


def test_once_a_ledger_has_users_each_posts_only_what_its_role_may(file_ledger):
    """采购 posts purchases, 销售 sales, 财务 reverses and closes; someone not a user, or disabled,
    posts nothing; each refusal names the role and what it may do, and is in the audit log. A
    ledger without users is open to whoever holds it, as before."""
    ledger = file_ledger
    post_ok(ledger, "| 2026-01-02 | 采购入库 | CG0 | S1 | W1 | | A | 10 | 5 | | |")          # no users yet
    assert ledger.add_user("老王", "财务", by="老王").code == "bad_value"                    # the first must be 管理员
    assert ledger.add_user("管家", "管理员", by="管家") is None
    assert ledger.add_user("小采", "采购", by="管家") is None and ledger.add_user("小销", "销售", by="管家") is None
    assert ledger.add_user("老王", "财务", by="管家") is None
    assert ledger.add_user("小销2", "销售", by="小采").code == "act_denied"                   # only 管理员 adds users
    purchase = docs(HEAD + "| 2026-01-03 | 采购入库 | CG1 | S1 | W1 | | A | 10 | 5 | | |")
    [refused] = ledger.post(purchase, user="小销").outcomes
    assert refused.status == "error" and refused.problems[0].message == (
        "用户“小销”（销售）不能过账采购入库：销售可以销售出库、销售退货、销售订单。请由有权限的人过账，或请管理员调整角色。")
    assert ledger.post(purchase, user="小采").ok
    assert ledger.post(docs(HEAD + "| 2026-01-04 | 销售出库 | XS1 | C1 | W1 | | A | 2 | 9 | | |"), user="小销").ok
    assert only_problem(ledger.post(docs(HEAD + "| 2026-01-05 | 销售出库 | XS2 | C1 | W1 | | A | 1 | 9 | | |"),
                                    user="路人")).code == "user_unknown"
    assert only_problem(ledger.reverse("XS1", user="小销")).code == "act_denied"
    assert ledger.reverse("XS1", user="老王").ok
    [closing] = ledger.close_month(day("2026-01-31"), user="小采")
    assert closing.code == "act_denied" and ledger.settings.closed_through is None
    assert ledger.disable_user("小采", by="管家") is None
    assert only_problem(ledger.post(docs(HEAD + "| 2026-01-06 | 采购入库 | CG2 | S1 | W1 | | A | 1 | 5 | | |"),
                                    user="小采")).code == "user_unknown"
    assert {(u.name, u.label, u.active) for u in ledger.users()} == {
        ("管家", "管理员", True), ("小采", "采购", False), ("小销", "销售", True), ("老王", "财务", True)}
    refusals = [a.action for a in ledger.audit_log(("post_refused", "reverse_refused", "close_refused", "user_refused"))]
    assert refusals == ["user_refused", "post_refused", "post_refused", "reverse_refused", "close_refused", "post_refused"]


def test_orders_are_closed_by_their_department_or_finance_and_months_reopened_by_finance(file_ledger):
    ledger = file_ledger
    for name, role in (("管家", "管理员"), ("小采", "采购"), ("小销", "销售"), ("老王", "财务")):
        assert ledger.add_user(name, role, by="管家") is None
    order = "| 2026-01-02 | 采购订单 | PO1 | S1 | W1 | | A | 10 | 5 | | |"
    assert ledger.post(docs(HEAD + order), user="小采").ok
    assert only_problem_of(ledger.close_order("PO1", user="小销", date=day("2026-01-03"))) == "role_denied"
    assert ledger.close_order("PO1", user="小采", date=day("2026-01-03")) == []
    assert ledger.close_order("PO1", user="老王", date=day("2026-01-03"), undo=True) == []
    assert ledger.close_month(day("2026-01-31"), user="老王") == []
    assert ledger.reopen(None, user="小采") is False and ledger.settings.closed_through == day("2026-01-31")
    assert ledger.reopen(None, user="老王") is True and ledger.settings.closed_through is None


def only_problem_of(problems) -> str:
    [problem] = problems
    return problem.code


def test_the_audit_log_and_refusals_speak_of_documents_in_the_users_words(ledger):
    """Issue 21.17: a journal's code (sales, purchase_orders…) never reaches a user: the audit log
    names a reversed document's kind as the clerk knows it, an ambiguous 单号 lists kinds of
    documents, and a 关闭订单 in a closed period names the day it was refused for, not the 单号."""
    post_ok(ledger, SALE_AND_RETURN + "\n| 2026-01-07 | 采购订单 | XT1 | S1 | W1 | | A | 5 | 5 | | |"
                                      "\n| 2026-01-07 | 销售订单 | XT1 | C1 | W1 | | A | 5 | 9 | | |")
    assert ledger.reverse("XT1", journal="sales").ok
    ambiguous = only_problem(ledger.reverse("XT1"))
    assert ambiguous.message == "单号“XT1”在多个表中都有：请指明是哪一类单据（销售退货、采购订单、销售订单）。"
    [both] = ledger.close_order("XT1", date=day("2026-01-08"))
    assert "（采购订单、销售订单）" in both.message
    assert ledger.close_order("XT1", journal="purchase_orders", user="王会计", date=day("2026-01-08")) == []
    ledger.close_period(day("2026-01-31"))
    [closed] = ledger.close_order("XT1", journal="sales_orders", date=day("2026-01-31"))
    assert closed.message.startswith("日期 2026-01-31 在已结账期间内")
    details = [a.detail for a in ledger.audit_log(("reverse", "reverse_refused", "close_order"))]
    assert details[0].startswith("批次 2：XT1（销售退货）冲销日期 2026-01-06")
    assert details[2] == "XT1（采购订单）关闭 1 行"
    codes = {"sales", "purchases", "purchase_orders", "sales_orders", "sales_return", "purchase_order"}
    assert not [d for d in details + [ambiguous.message, both.message] if any(c in d for c in codes)]
