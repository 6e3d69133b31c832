"""凭证 as data: which 科目 (by 用途) a posted document's figures go to, and on which side.

A document's figures come as signed postings, debit positive (see ledger.vouchers): what it owes
and is owed, its stock value, its tax, its money in and out. What does not balance goes to the
type's counter 用途 (a sale's stock value out to 成本, an expense's money out to 费用). A return,
and a 红字冲销 of anything, shows the same entries in red: the side its kind of document uses,
the amount negative (as the packages import 红字凭证).
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import DocType

# the 用途 of the 科目 sheet (the contract's table)
USES = ("现金", "银行", "应收", "预付", "库存", "应付", "预收", "进项税额", "销项税额", "收入", "成本", "其他收入",
        "盘亏", "费用")
# … in the order a voucher lists them, debits first and then credits, as the textbook writes a sale:
# 借 应收, 借 成本; 贷 收入, 贷 销项税额, 贷 库存
ORDER = ("现金", "银行", "应收", "预收", "应付", "预付", "收入", "销项税额", "库存", "进项税额", "成本", "盘亏", "费用",
         "其他收入")
CASH_KINDS = {"cash": "现金"}            # an account of any other 类型 is a 银行 one
# what is left when the figures are in: (a debit's 用途, a credit's 用途)
COUNTER = {
    DocType.purchase_receipt: ("成本", "成本"), DocType.purchase_return: ("成本", "成本"),
    DocType.sales_shipment: ("成本", "成本"), DocType.sales_return: ("成本", "成本"),
    DocType.expense: ("费用", "费用"), DocType.other_income: ("其他收入", "其他收入"),
    # money that moved through no account (the workbook keeps none): the bank, as between businesses
    DocType.customer_receipt: ("银行", "银行"), DocType.supplier_payment: ("银行", "银行"),
    DocType.advance_receipt: ("银行", "银行"), DocType.advance_payment: ("银行", "银行"),
    DocType.advance_to_receivable: ("", ""), DocType.advance_to_payable: ("", ""), DocType.netting: ("", ""),
    DocType.cash_transfer: ("", ""),
}
# stock found or lost: each movement its own counter — a gain to 其他收入, a loss to 盘亏
ADJUSTS = {DocType.stock_count, DocType.other_receipt, DocType.other_issue}
VOUCHERED = frozenset(COUNTER) | ADJUSTS
RED_TYPES = {DocType.purchase_return, DocType.sales_return}


@dataclass(frozen=True)
class Entry:
    """One line of a voucher: a 用途, its debit or its credit (cents; negative in red), and
    whether it names the party (应收, 应付, 预收, 预付 carry the 往来单位)."""

    use: str
    debit: int | None
    credit: int | None

    @property
    def names_party(self) -> bool:
        return self.use in ("应收", "应付", "预收", "预付")


def entries(doc_type: DocType, reversal: bool, postings: list[tuple[str, int]]) -> list[Entry]:
    """The voucher of a document from its postings (use, cents, debit positive): balanced by
    the type's counter, same-signed postings of a 用途 added up, debits first."""
    postings = [p for p in postings if p[1]]
    if doc_type in ADJUSTS:
        postings += [("其他收入" if cents > 0 else "盘亏", -cents) for use, cents in postings if use == "库存"]
    left = -sum(cents for _, cents in postings)
    if left:
        debit_use, credit_use = COUNTER.get(doc_type, ("", ""))
        postings.append((debit_use if left > 0 else credit_use, left))
    merged: dict[tuple[str, bool], int] = {}
    for use, cents in postings:
        merged[(use, cents > 0)] = merged.get((use, cents > 0), 0) + cents
    red = (doc_type in RED_TYPES) != reversal
    out = [_entry(use, cents, red) for (use, _), cents in merged.items()]
    return sorted(out, key=lambda e: (e.debit is None, ORDER.index(e.use)))


def _entry(use: str, cents: int, red: bool) -> Entry:
    """Blue: a debit where positive, else a credit. Red: the other side, the amount negative."""
    debit = (cents > 0) != red
    amount = -abs(cents) if red else abs(cents)
    return Entry(use, amount if debit else None, None if debit else amount)


def cash_use(kind: str | None) -> str:
    """The 用途 of an account's money: 现金 for the cash box, 银行 for every other 类型."""
    return CASH_KINDS.get(kind or "", "银行")
