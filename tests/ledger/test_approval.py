"""Issue 25, 审核: with 过账需审核 = 是 a user's documents wait as 待审核 and move nothing until a
财务 or 老板 other than the submitter approves them (they then post as any post) or rejects them
with a reason. On a real SQLite file with users, and once on a PostgreSQL ledger with logins."""
from decimal import Decimal

import psycopg
import pytest

from jxc_xl import Ledger

from ..conftest import login, standard_masters
from ..dsl import docs
from .test_documents import HEAD

RECEIPT = HEAD + "| 2026-01-05 | 采购入库 | P1 | S1 | W1 | | A | 10 | 5 | | |\n"
SHIPMENT = HEAD + "| 2026-01-06 | 销售出库 | X1 | C2 | W1 | | A | 8 | 9 | | |\n"


def _staff(ledger: Ledger) -> None:
    for name, role in (("管家", "管理员"), ("小采", "采购"), ("小销", "销售"), ("老王", "财务"), ("老板", "老板")):
        assert ledger.add_user(name, role, by="管家") is None, name
    assert ledger.set_approval_required(True, user="管家") is None


@pytest.fixture
def books(file_ledger):
    _staff(file_ledger)
    return file_ledger


def _qty(ledger: Ledger) -> Decimal:
    found = ledger.stock(item="A", warehouse="W1")
    return found[0].qty if found else Decimal(0)


def test_a_clerks_post_waits_and_moves_nothing_until_finance_approves_it(books):
    result = books.post(docs(RECEIPT), user="小采")
    assert result.batch is None and result.waiting == ["P1"] and result.posted == []
    assert _qty(books) == 0 and books.totals() == (0, 0, 0)
    [waiting] = books.pending()
    assert (waiting.doc_no, waiting.submitted_by, waiting.amount, waiting.label) == ("P1", "小采", Decimal("50.00"), "采购入库")
    again = books.post(docs(RECEIPT), user="小采")                  # typed again unchanged: still the one version
    assert again.waiting == ["P1"] and len(books.pending()) == 1
    assert books.approve("P1", user="小采").problems[0].code in ("act_denied",)    # 采购 may not approve
    outcome = books.approve("P1", user="老王")
    assert outcome.status == "posted", outcome.problems
    assert _qty(books) == 10 and books.pending() == [] and books.verify() == []
    [entry] = books.audit_log(("approve",))
    assert entry.user == "老王" and "制单人 小采" in entry.detail and "审核人 老王" in entry.detail
    assert books.post(docs(RECEIPT), user="小采").already == ["P1"]      # the clerk's next post: 已过账


def test_a_changed_version_replaces_the_waiting_one_and_finances_own_documents_wait_too(books):
    books.post(docs(RECEIPT), user="小采")
    assert books.post(docs(RECEIPT.replace("| 10 | 5 |", "| 12 | 5 |")), user="小采").waiting == ["P1"]
    [waiting] = books.pending()
    assert waiting.amount == Decimal("60.00") and waiting.submitted_by == "小采"
    paid = books.post(docs(HEAD + "| 2026-01-07 | 付款 | F1 | S1 | | | | | 30 | | |\n"), user="老王")
    assert paid.waiting == ["F1"] and books.balance("S1") == 0               # 财务's own wait as well
    assert books.approve("P1", user="老板").status == "posted" and _qty(books) == 12
    owed = books.balance("S1")
    assert books.approve("F1", user="老板").status == "posted" and books.balance("S1") - owed == Decimal("30.00")


def test_self_approval_is_refused_and_logged(books):
    books.post(docs(RECEIPT), user="小采")
    books.disable_user("小采", by="管家")                               # moved to 财务 (a name in use is
    assert books.add_user("小采", "财务", by="管家") is None              # disabled first), still its submitter
    refused = books.approve("P1", user="小采")
    assert refused.status == "error" and refused.problems[0].code == "self_approval"
    assert "制单人不能审核自己的单据" in refused.problems[0].message
    assert _qty(books) == 0 and len(books.pending()) == 1
    assert [a.action for a in books.audit_log(("approve_refused",))] == ["approve_refused"]


def test_a_rejected_document_says_why_and_stays_rejected_until_it_is_changed(books):
    books.post(docs(RECEIPT), user="小采")
    assert books.reject("P1", " ", user="老王").problems[0].code == "reason_required"
    assert books.reject("P1", "单价不对，应为 4.5", user="老王").status == "rejected"
    assert books.pending() == [] and _qty(books) == 0
    again = books.post(docs(RECEIPT), user="小采")                   # unchanged: still rejected, why said
    assert again.rejected == ["P1"] and again.outcomes[0].pending.reason == "单价不对，应为 4.5"
    fixed = books.post(docs(RECEIPT.replace("| 5 |", "| 4.5 |")), user="小采")
    assert fixed.waiting == ["P1"] and books.pending()[0].amount == Decimal("45.00")
    assert books.approve("P1", user="老王").status == "posted"
    assert books.stock(item="A", warehouse="W1")[0].value == Decimal("45.00")
    [entry] = books.audit_log(("reject",))
    assert "驳回人 老王" in entry.detail and "单价不对" in entry.detail


def test_a_waiting_shipment_whose_stock_is_gone_is_refused_at_approval_with_the_usual_message(books):
    assert books.set_approval_required(False, user="管家") is None
    books.post(docs(RECEIPT), user="小采")                           # posts: 审核 off
    assert books.set_approval_required(True, user="管家") is None
    assert books.post(docs(SHIPMENT), user="小销").waiting == ["X1"]
    assert books.post(docs(SHIPMENT.replace("X1", "X2").replace("| 8 |", "| 5 |")), user="小销").waiting == ["X2"]
    assert books.approve("X2", user="老王").status == "posted"        # 5 of 10 gone
    refused = books.approve("X1", user="老王")                        # 8 more than the 5 left
    usual = books.post(docs(SHIPMENT), dry_run=True, user="小销").problems[0].message      # what 校验 says
    assert refused.status == "error" and refused.problems[0].message == usual and "库存不足" in usual
    assert [p.doc_no for p in books.pending()] == ["X1"] and _qty(books) == 5


def test_without_users_the_setting_does_not_apply_and_only_an_admin_changes_it(file_ledger):
    assert file_ledger.set_approval_required(True) is None          # one clerk: no one to ask
    assert file_ledger.post(docs(RECEIPT), user="店主").posted == ["P1"] and file_ledger.pending() == []
    _staff(file_ledger)
    refused = file_ledger.set_approval_required(False, user="小采")
    assert refused.code == "approval_set_denied" and file_ledger.approval_required()


def test_on_a_server_a_sales_login_submits_and_a_finance_login_approves(server_ledger, pg_server, start_poster):
    with Ledger.open(server_ledger) as owner:
        standard_masters(owner)
        owner.post(docs(RECEIPT))                                    # the owner's login: no user, posts
        urls = {name: login(owner, pg_server, name, role)
                for name, role in (("管家", "管理员"), ("小销", "销售"), ("老王", "财务"))}
    start_poster()
    with Ledger.open(urls["管家"], create=False) as admin:
        assert admin.set_approval_required(True) is None
    with Ledger.open(urls["小销"], create=False) as clerk:
        assert clerk.post(docs(SHIPMENT)).waiting == ["X1"] and _qty(clerk) == 10
        assert clerk.approve("X1").status == "error"
        with psycopg.connect(urls["小销"], autocommit=True) as conn:     # nor by hand, past jxc
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("UPDATE pending SET state = 'approved', decided_by = '小销'")
    with Ledger.open(urls["老王"], create=False) as finance:
        outcome = finance.approve("X1")
        assert outcome.status == "posted", outcome.problems
        assert _qty(finance) == 2 and finance.pending() == [] and finance.verify() == []
        assert "制单人 小销" in finance.audit_log(("approve",))[0].detail
