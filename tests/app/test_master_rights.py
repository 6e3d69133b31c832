"""Issue 25: on a ledger with users, a department that posts may add the masters it needs, but
an existing master (商品, 往来单位, 仓库, 账户) is changed only by 财务: a 销售 clerk's workbook
that renames a 商品 or raises a customer's 信用额度 leaves the books' stand, says so once, and
the shipment is still checked against the books' 信用额度. Every master added or changed is in
the audit log, with who and each field from → to. (SQLite: advisory, as every role is there.)"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest

from jxc_xl import Ledger

from ..wb import cell, ledger_at, post, purchase, sale, type_rows

d = dt.date


def master_row(book, sheet: str, code: str) -> int:
    ws = openpyxl.load_workbook(book)[sheet]
    return next(c.row for c in ws["A"] if c.value == code)


def retype(book, sheet: str, code: str, values: dict) -> None:
    type_rows(book, sheet, [values], start=master_row(book, sheet, code))


@pytest.fixture
def staffed(file_book):
    """Stock posted on a ledger without users, then its users: 管家 (管理员), 小销 (销售), 老王 (财务)."""
    type_rows(file_book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 4)])
    assert post(file_book).exit_code == 0
    with Ledger.open(ledger_at(file_book)) as ledger:
        for name, role in (("管家", "管理员"), ("小销", "销售"), ("老王", "财务")):
            assert ledger.add_user(name, role, by="管家") is None
    return file_book


def clerks_changes(book) -> list[int]:
    """小销's workbook: A001 renamed and taxed at 9%, C01's 信用额度 1,000 → 100,000 and its
    账期天数 left empty, a new customer C03, and a shipment to C01 of 1,200 (over the books' 1,000)."""
    retype(book, "商品", "A001", {"商品名称": "红苹果", "税率": Decimal("0.09")})
    retype(book, "往来单位", "C01", {"信用额度": 100000, "账期天数": None})
    type_rows(book, "往来单位", [{"编码": "C03", "名称": "新开超市", "类型": "客户"}])
    return type_rows(book, "销售", [sale("XS1", d(2026, 11, 3), "A001", 4, 300),
                                   sale("XS2", d(2026, 11, 3), "A001", 1, 10, customer="C03")])


def test_a_sales_clerk_adds_a_customer_but_the_books_keep_their_masters(staffed):
    book = staffed
    rows = clerks_changes(book)
    report = post(book, user="小销")
    assert report.exit_code == 0, report.notes
    kept = [n for n in report.notes if "以账簿为准" in n]
    assert len(kept) == 1, report.notes
    assert "商品 A001 的 名称、税率" in kept[0] and "往来单位 C01 的 信用额度" in kept[0] \
        and "只有财务可以修改已有的资料" in kept[0] and "账期天数" not in kept[0], kept   # an empty cell says nothing
    assert cell(book, "销售", rows[0], "状态").startswith("已过账（超出信用额度 200.00）")   # the books' 1,000
    assert cell(book, "销售", rows[1], "状态").startswith("已过账")
    with Ledger.open(ledger_at(book), read_only=True) as ledger:
        m = ledger.masters()
        assert (m.items["A001"].name, m.items["A001"].tax_rate) == ("苹果", None)
        assert (m.parties["C01"].credit_limit, m.parties["C01"].terms_days) == (Decimal(1000), 15)
        assert m.parties["C03"].name == "新开超市"
        log = [(a.user, a.detail) for a in ledger.audit_log(("masters",))]
    assert log == [("小销", "新增 往来单位 C03（新开超市）")], log
    names = {r[0]: r[1] for r in openpyxl.load_workbook(book)["库存"].iter_rows(values_only=True) if r and r[0]}
    assert "红苹果" not in str(names)                                       # 刷新 shows the books' name


def test_a_sales_clerks_shipment_over_the_books_credit_limit_is_refused_when_credit_control_blocks(staffed):
    book = staffed
    type_rows(book, "设置", [{"项目": "信用控制", "值": "禁止"}], start=master_row(book, "设置", "信用控制"))
    rows = clerks_changes(book)
    post(book, user="小销")
    assert "超出信用额度 1,000.00" in cell(book, "销售", rows[0], "状态"), cell(book, "销售", rows[0], "状态")


def test_finance_changes_a_master_and_the_audit_log_says_from_what_to_what(staffed):
    book = staffed
    clerks_changes(book)
    assert post(book, user="老王").exit_code in (0, 1)          # 财务 does not post the sales: its masters do
    with Ledger.open(ledger_at(book), read_only=True) as ledger:
        m = ledger.masters()
        assert (m.items["A001"].name, m.items["A001"].tax_rate) == ("红苹果", Decimal("0.09"))
        assert (m.parties["C01"].credit_limit, m.parties["C01"].terms_days) == (Decimal(100000), 0)
        log = [(a.user, a.detail) for a in ledger.audit_log(("masters",))]
    assert ("老王", "商品 A001：名称 苹果 → 红苹果；税率 空 → 0.09") in log, log
    assert ("老王", "往来单位 C01：信用额度 1000.00 → 100000.00；账期天数 15 → 0") in log, log
    assert ("老王", "新增 往来单位 C03（新开超市）") in log, log


def test_without_users_the_workbook_still_writes_its_masters(file_book):
    book = file_book
    retype(book, "商品", "A001", {"商品名称": "红苹果"})
    assert post(book).exit_code == 0
    with Ledger.open(ledger_at(book), read_only=True) as ledger:
        assert ledger.masters().items["A001"].name == "红苹果"
        assert ledger.audit_log(("masters",)) == []


def test_a_code_in_other_letters_is_the_same_master_and_a_department_that_posts_nothing_adds_none(staffed):
    """小销 cannot shadow C01 with c01 (a code is found in any letter case); 管家 (管理员) adds nothing."""
    from jxc_xl import Party
    with Ledger.open(ledger_at(staffed)) as ledger:
        [kept] = ledger.upsert_masters(parties=[Party(code="c01", name="朝阳超市", kind="customer",
                                                      credit_limit=Decimal(10 ** 7))], user="小销")
        assert kept.code == "masters_kept" and "往来单位 C01 的 信用额度" in kept.message
        [refused] = ledger.upsert_masters(parties=[Party(code="C77", name="某", kind="customer")], user="管家")
        assert refused.code == "masters_not_added" and "往来单位 C77" in refused.message
        assert set(ledger.masters().parties) == {"S01", "C01", "C02"}
