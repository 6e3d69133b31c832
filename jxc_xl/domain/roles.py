"""A 进销存's departments as roles, and what each may do to the books.

采购 posts what it orders and receives, 销售 what it sells, 仓管 what moves between and within
warehouses, 财务 the money, the openings, the invoices (发票), the 红字冲销 and the month's close; 老板 reads; 管理员
keeps the list of users. Used once a ledger has users at all: a ledger without any (one clerk,
one PC) is open to whoever holds its file, as it always was."""
from __future__ import annotations

from .model import DocType

ROLES = {"采购": "purchasing", "purchasing": "purchasing", "销售": "sales", "sales": "sales",
         "仓管": "warehouse", "warehouse": "warehouse", "财务": "finance", "finance": "finance",
         "老板": "owner", "owner": "owner", "管理员": "admin", "admin": "admin"}
LABELS = {"purchasing": "采购", "sales": "销售", "warehouse": "仓管", "finance": "财务", "owner": "老板", "admin": "管理员"}
POSTS = {
    "purchasing": {DocType.purchase_order, DocType.purchase_receipt, DocType.purchase_return},
    "sales": {DocType.sales_order, DocType.sales_shipment, DocType.sales_return},
    "warehouse": {DocType.transfer, DocType.stock_count, DocType.other_receipt, DocType.other_issue},
    "finance": {DocType.customer_receipt, DocType.supplier_payment, DocType.opening_stock, DocType.opening_balance,
                DocType.invoice_issued, DocType.invoice_received,
                DocType.opening_cash, DocType.advance_receipt, DocType.advance_payment, DocType.expense,
                DocType.other_income, DocType.cash_transfer, DocType.advance_to_receivable,
                DocType.advance_to_payable, DocType.netting},
    "owner": set(), "admin": set()}
# what else a role may do: reverse (红字冲销), close (结账/反结账), users (add or disable users),
# approve (审核/驳回 another user's documents while 过账需审核 = 是: 财务 and 老板, as in 金蝶/管家婆),
# masters (change an existing 商品, 往来单位, 仓库 or 账户 — its name, 信用额度, 税率…: 财务; any department
# that posts may add the masters it needs)
ACTS = {"finance": {"reverse", "close", "vouchers", "approve", "masters"}, "owner": {"approve"}, "admin": {"users"}}
ACT_LABELS = {"reverse": "红字冲销", "close": "结账/反结账", "users": "管理用户", "vouchers": "生成/作废凭证",
              "approve": "审核/驳回", "masters": "修改商品、往来单位等资料"}
ACT_LABELS_EN = {"reverse": "reverse", "close": "close/reopen", "users": "manage users", "vouchers": "make/void vouchers",
                 "approve": "approve/reject", "masters": "change items, parties and other masters"}


# who sees what things cost (成本单价, 库存金额, 销售成本, 毛利): not 采购 and 销售
SEES_COSTS = {"warehouse", "finance", "owner", "admin"}


def sees_costs(role: str | None) -> bool:
    """Role "" is a ledger without users (everyone sees everything); None someone not a user."""
    return role == "" or role in SEES_COSTS


def may_post(role: str, doc_type: DocType) -> bool:
    return doc_type in POSTS[role]


def may(role: str, act: str) -> bool:
    return act in ACTS.get(role, set())


def can_do(role: str) -> str:
    """What the role may do, in a clerk's words (for the message that refuses it something)."""
    things = [t.label for t in DocType if t in POSTS[role]] + [ACT_LABELS[a] for a in sorted(ACTS.get(role, ()))]
    return "、".join(things) or "只能查看和出报表"
