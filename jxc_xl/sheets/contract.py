"""The workbook contract (docs/workbook.md) as data: sheets, tables, columns, words.

Everything that reads or writes a workbook takes its names from here, so the contract is
written down once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..domain.model import INVOICE_LABELS, DocType  # noqa: F401  (INVOICE_LABELS: the contract's words too)
from .format import FORMATS


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    required: bool = False
    kind: str = "text"        # text, code, date, qty, price, money, int, bool, status, system, formula, choice
    width: int = 12
    # on a document sheet: the Document field ("header": every line repeats it) or Line field
    # ("line") the column fills; "type" is read through the sheet's 业务类型 words
    to: str = ""
    level: str = ""
    cost: bool = False        # a cost figure: left out for 采购 and 销售 (see domain.roles.sees_costs)
    figure: str = ""          # the kind of figure a system column shows (盘点's 账面数量: qty)
    unless: str = ""          # a required cell that may be empty when this other column has a value
    words: str = ""           # a choice column's words (CHOICES) when they are not its field's

    @property
    def choices(self) -> dict[str, str]:
        """The words a choice column takes (typed word → value)."""
        return CHOICES[self.words or self.to]

    @property
    def number_format(self) -> str | None:
        """How the column's figures show (by kind; a system column by the figure it holds)."""
        return FORMATS.get(self.figure or self.kind)

    def matches(self, header: object) -> bool:
        text = str(header).strip().lower() if header is not None else ""
        return text in (self.zh.lower(), self.en.lower())


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of the contract. A document sheet also says how its rows become documents:
    the ledger journal they post to, the 业务类型 words (or the one type it has), whether a
    document has lines (收付款: one row is one document), and the 新单号 prefixes."""

    zh: str
    en: str
    role: str                 # master, opening, document, generated, settings
    columns: tuple[Column, ...]
    journal: str = ""
    types: dict[str, DocType] = field(default_factory=dict, compare=False, hash=False)
    doc_type: DocType | None = None        # the type of every document of a sheet with no 业务类型
    has_lines: bool = True
    doc_prefix: str = ""
    type_prefix: dict[str, str] = field(default_factory=dict, compare=False, hash=False)   # 业务类型 → prefix
    dated_by_today: bool = False           # generated figures that move with the calendar (aging)
    dated_what: str = "账龄"                # … and what, said in its note: 账龄截至 <today>
    as_of: bool = False                    # … shown as of another day when asked (刷新 --as-of): 应收, 应付
    explains: str = ""                     # a generated sheet's rule its reader must know, in its note
    key: str = "单号"                       # the column whose value makes rows one document (发票: 发票号码)
    optional: bool = False                 # a master a workbook may go without (账户, 科目); a generated sheet
                                           # written only when needed (待审核), never over a user's own
    filled: tuple[tuple, ...] = ()         # the rows jxc new writes in (科目's defaults), the user's to edit

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    @cached_property
    def codes(self) -> frozenset[str]:
        """The columns that hold a code (单号, 编码 …), worked out once: a master sheet of 5,000
        rows asks for every text cell it reads (35,000 scans of the columns cost a post 0.2 s)."""
        return frozenset(c.zh for c in self.columns if c.kind == "code")

    def at(self, level: str) -> list[Column]:
        """The columns that fill a document's header fields, or its lines' fields."""
        return [c for c in self.columns if c.level == level]

    @property
    def type_choices(self) -> list[str]:
        """The 业务类型 words offered in the drop-down (the Chinese ones)."""
        return [w for w in self.types if not w.isascii()]

    def prefix(self, kind: object = None) -> str:
        """新单号's prefix for a document of this sheet (收付款's depends on its 业务类型)."""
        return self.type_prefix.get(str(kind or "").strip().lower(), self.doc_prefix)


def C(zh: str, en: str, kind: str = "text", required: bool = False, width: int = 12, to: str = "",
      level: str = "", cost: bool = False, figure: str = "", unless: str = "", words: str = "") -> Column:
    return Column(zh, en, required, kind, width, to, level, cost, figure, unless, words)


Held = dict[str, dict[str, object]]        # master ("item", "party", "warehouse") → code → its cell


def holding(columns: tuple[Column, ...], rows: list[list], held: Held | None) -> list[list]:
    """``rows`` with each code in a code column as its master's sheet holds it (``held``: the
    codes a master holds as numbers); the rest as they are."""
    at = [(i, held[c.to]) for i, c in enumerate(columns) if c.kind == "code" and held and held.get(c.to)]
    if not at:
        return rows
    out = []
    for row in rows:
        row = list(row)
        for i, codes in at:
            if i < len(row) and isinstance(row[i], str):
                row[i] = codes.get(row[i], row[i])
        out.append(row)
    return out


def without_costs(columns: tuple[Column, ...], rows: list[list]) -> tuple[tuple[Column, ...], list[list]]:
    """Columns and rows as 采购 and 销售 see them: the cost figures left out."""
    keep = [i for i, c in enumerate(columns) if not c.cost]
    if len(keep) == len(columns):
        return columns, rows
    return tuple(columns[i] for i in keep), [[r[i] for i in keep if i < len(r)] for r in rows]


# a generated money column shows a 9-digit amount with its separators (123,456,789.00) whole
MONEY_WIDTH = 16
STATUS = C("状态", "Status", "status", width=40)
DOC_NO = C("单号", "DocNo", "code", True, 14)
DATE = C("日期", "Date", "date", True, 12, "date", "header")
SKU = C("商品编码", "SKU", "code", True, 12, "item", "line")
WAREHOUSE = C("仓库", "Warehouse", "code", True, 10, "warehouse", "header")
NOTE = C("备注", "Note", width=16, to="note", level="line")
QTY = C("数量", "Qty", "qty", True, to="qty", level="line")
TYPE = C("业务类型", "Type", required=True, width=10, to="type", level="header")

ITEMS = SheetSpec("商品", "Items", "master", (
    C("商品编码", "SKU", "code", True), C("商品名称", "Name", required=True, width=20), C("规格", "Spec"),
    C("单位", "Unit", width=6), C("类别", "Category"), C("条码", "Barcode", "code", width=16),
    C("参考进价", "PurchasePrice", "price"), C("参考售价", "SalePrice", "price"),
    C("安全库存", "MinQty", "qty"), C("最高库存", "MaxQty", "qty"), C("停用", "Inactive", "bool", width=6),
    C("税率", "TaxRate", "rate", width=8)))
PARTY_KINDS = {"客户": "customer", "customer": "customer", "供应商": "supplier", "supplier": "supplier",
               "客户及供应商": "both", "both": "both"}
PARTIES = SheetSpec("往来单位", "Parties", "master", (
    C("编码", "Code", "code", True), C("名称", "Name", required=True, width=20),
    C("类型", "Kind", "choice", True, 14, words="party_kind"), C("联系人", "Contact"), C("电话", "Phone", width=14),
    C("地址", "Address", width=24), C("信用额度", "CreditLimit", "money"), C("账期天数", "TermsDays", "int"),
    C("税率", "TaxRate", "rate", width=8)))
WAREHOUSES = SheetSpec("仓库", "Warehouses", "master", (C("编码", "Code", "code", True),
                                                      C("名称", "Name", required=True, width=20)))
ACCOUNT_KINDS = {"现金": "cash", "cash": "cash", "银行": "bank", "bank": "bank", "微信": "wechat", "wechat": "wechat",
                 "支付宝": "alipay", "alipay": "alipay", "其他": "other", "other": "other"}
ACCOUNT_LABELS = {"cash": "现金", "bank": "银行", "wechat": "微信", "alipay": "支付宝", "other": "其他"}
ACCOUNTS = SheetSpec("账户", "Accounts", "master", (
    C("编码", "Code", "code", True), C("名称", "Name", required=True, width=20),
    C("类型", "Kind", "choice", width=8, words="account_kind"),
    C("账号", "Number", "code", width=22), C("停用", "Inactive", "bool", width=6)), optional=True)
# 科目 (凭证's accounts by what they are used for): jxc new fills the 小企业会计准则 defaults
CHART = SheetSpec("科目", "ChartOfAccounts", "master", (
    C("用途", "Use", "choice", True, 10, words="chart_use"), C("科目编码", "Code", "code", True, 12),
    C("科目名称", "Name", required=True, width=30)), optional=True, filled=(
    ("现金", "1001", "库存现金"), ("银行", "1002", "银行存款"), ("应收", "1122", "应收账款"), ("预付", "1123", "预付账款"),
    ("库存", "1405", "库存商品"), ("应付", "2202", "应付账款"), ("预收", "2203", "预收账款"),
    ("进项税额", "22210101", "应交税费-应交增值税-进项税额"), ("销项税额", "22210102", "应交税费-应交增值税-销项税额"),
    ("收入", "5001", "主营业务收入"), ("成本", "5401", "主营业务成本"), ("其他收入", "5301", "营业外收入"),
    ("盘亏", "5711", "营业外支出"), ("费用", "5602", "管理费用")))
# 科目's 用途 words (the Chinese is the 用途 itself; English beside, as the other words)
CHART_USES = {**{row[0]: row[0] for row in CHART.filled}, "cash": "现金", "bank": "银行", "receivable": "应收",
              "prepayment": "预付", "stock": "库存", "payable": "应付", "advance": "预收", "inputvat": "进项税额",
              "outputvat": "销项税额", "revenue": "收入", "cost": "成本", "otherincome": "其他收入", "loss": "盘亏",
              "expense": "费用"}
OPENING_STOCK = SheetSpec("期初库存", "OpeningStock", "opening", (
    DATE, WAREHOUSE, SKU, C("数量", "Qty", "qty", True), C("单位成本", "UnitCost", "price", True), STATUS),
    journal="opening_stock")
OPENING_BALANCES = SheetSpec("期初往来", "OpeningBalances", "opening", (
    DATE, C("往来单位", "Party", "code", True, 14), C("应收", "Receivable", "money"),
    C("应付", "Payable", "money"), C("到期日", "DueDate", "date"), STATUS), journal="opening_balances")
ACCOUNT = C("账户", "Account", "code", True, 12, "account", "header")
OPENING_CASH = SheetSpec("期初资金", "OpeningCash", "opening", (
    DATE, ACCOUNT, C("金额", "Amount", "money", True, 14, "amount", "header"), STATUS), journal="opening_cash")


# 单价 may be left empty on a line priced by its 含税单价 (whichever the invoice shows)
PRICE = C("单价", "UnitPrice", "price", True, to="price", level="line", unless="含税单价")
# 增值税 (optional, after 状态 so the contract's columns keep their places): see domain.tax
TAXED = (C("税率", "TaxRate", "rate", width=8, to="tax_rate", level="line"),
         C("含税单价", "PriceWithTax", "price", to="price_with_tax", level="line"),
         C("税额", "Tax", "money", width=14, to="tax", level="line"),
         C("价税合计", "TotalWithTax", "money", width=14, to="total_with_tax", level="line"))
INVOICE_TYPES = {"专票": "special", "special": "special", "普票": "ordinary", "ordinary": "ordinary",
                 "无票": "none", "none": "none"}
# an invoice itself is a 专票 or a 普票 (无票 is a purchase's, not an invoice's)
INVOICE_KINDS = {k: v for k, v in INVOICE_TYPES.items() if v != "none"}
# the words a choice column (kind "choice") takes, by the field it fills (or its ``words``)
CHOICES = {"invoice_type": INVOICE_TYPES, "invoice_kind": INVOICE_KINDS, "party_kind": PARTY_KINDS,
           "account_kind": ACCOUNT_KINDS, "chart_use": CHART_USES}


def _trade(party_zh: str, party_en: str, *more: Column) -> tuple[Column, ...]:
    return (DOC_NO, DATE, TYPE, C(party_zh, party_en, "code", True, 14, "party", "header"),
            WAREHOUSE, SKU, QTY, PRICE, C("金额", "Amount", "formula", width=14, to="amount", level="line"),
            C("原单号", "SourceDocNo", "code", width=14, to="source_doc_no", level="header"), NOTE, STATUS,
            # optional (after 状态, so the contract's columns keep their places): the order a line fulfils
            C("订单号", "OrderNo", "code", width=14, to="order_no", level="line"), *TAXED, *more)


def _order(party_zh: str, party_en: str) -> tuple[Column, ...]:
    return (DOC_NO, DATE, C(party_zh, party_en, "code", True, 14, "party", "header"), WAREHOUSE, SKU, QTY,
            PRICE, C("金额", "Amount", "formula", width=14, to="amount", level="line"),
            C("交货日期", "DeliveryDate", "date", to="delivery_date", level="line"), NOTE, STATUS, *TAXED)


PURCHASES = SheetSpec("采购", "Purchases", "document", _trade(
    "供应商", "Supplier", C("发票类型", "InvoiceType", "choice", width=8, to="invoice_type", level="header")),
    journal="purchases",
                      types={"入库": DocType.purchase_receipt, "receipt": DocType.purchase_receipt,
                             "退货": DocType.purchase_return, "return": DocType.purchase_return}, doc_prefix="CG")
SALES = SheetSpec("销售", "Sales", "document", _trade("客户", "Customer"), journal="sales",
                  types={"出库": DocType.sales_shipment, "shipment": DocType.sales_shipment,
                         "退货": DocType.sales_return, "return": DocType.sales_return}, doc_prefix="XS")
TRANSFERS = SheetSpec("调拨", "Transfers", "document", (
    DOC_NO, DATE, C("调出仓库", "FromWarehouse", "code", True, to="warehouse", level="header"),
    C("调入仓库", "ToWarehouse", "code", True, to="to_warehouse", level="header"),
    SKU, QTY, NOTE, STATUS), journal="transfers", doc_type=DocType.transfer, doc_prefix="DB")
COUNTS = SheetSpec("盘点", "Counts", "document", (
    DOC_NO, DATE, WAREHOUSE, SKU, C("实盘数量", "CountedQty", "qty", True, to="qty", level="line"),
    C("账面数量", "BookQty", "system", figure="qty"), C("差异", "Difference", "system", figure="qty"), NOTE, STATUS),
    journal="counts", doc_type=DocType.stock_count, doc_prefix="PD")
PAYMENTS = SheetSpec("收付款", "Payments", "document", (
    DOC_NO, DATE, TYPE, C("往来单位", "Party", "code", True, 14, "party", "header"),
    C("金额", "Amount", "money", True, 14, "amount", "header"), C("结算方式", "Method", to="method", level="header"),
    C("备注", "Note", width=16, to="note", level="header"), STATUS,
    # optional (after 状态): the account the money moved through (required once 账户 has any), the
    # order a 预收/预付 is for
    C("账户", "Account", "code", width=12, to="account", level="header"),
    C("订单号", "OrderNo", "code", width=14, to="order_no", level="header")), journal="payments",
    types={"收款": DocType.customer_receipt, "receipt": DocType.customer_receipt,
           "付款": DocType.supplier_payment, "payment": DocType.supplier_payment,
           "预收": DocType.advance_receipt, "advancereceipt": DocType.advance_receipt,
           "预付": DocType.advance_payment, "advancepayment": DocType.advance_payment},
    has_lines=False, doc_prefix="SK", type_prefix={"付款": "FK", "payment": "FK", "预收": "YS",
                                                   "advancereceipt": "YS", "预付": "YF", "advancepayment": "YF"})
OTHER_MONEY = SheetSpec("其他收支", "OtherIncomeExpense", "document", (
    DOC_NO, DATE, TYPE, ACCOUNT, C("转入账户", "ToAccount", "code", width=12, to="to_account", level="header"),
    C("类别", "Category", width=10, to="category", level="header"),
    C("往来单位", "Party", "code", width=14, to="party", level="header"),
    C("金额", "Amount", "money", True, 14, "amount", "header"), C("备注", "Note", width=16, to="note", level="header"),
    STATUS), journal="other_money",
    types={"费用": DocType.expense, "expense": DocType.expense, "其他收入": DocType.other_income,
           "otherincome": DocType.other_income, "转账": DocType.cash_transfer, "transfer": DocType.cash_transfer},
    has_lines=False, doc_prefix="FY", type_prefix={"其他收入": "SR", "otherincome": "SR", "转账": "ZZ", "transfer": "ZZ"})
SETTLEMENTS = SheetSpec("核销", "Settlements", "document", (
    DOC_NO, DATE, TYPE, C("往来单位", "Party", "code", True, 14, "party", "header"),
    C("金额", "Amount", "money", True, 14, "amount", "header"),
    C("原单号", "SourceDocNo", "code", width=14, to="source_doc_no", level="header"),
    C("备注", "Note", width=16, to="note", level="header"), STATUS), journal="settlements",
    types={"预收冲应收": DocType.advance_to_receivable, "advancetoreceivable": DocType.advance_to_receivable,
           "预付冲应付": DocType.advance_to_payable, "advancetopayable": DocType.advance_to_payable,
           "应收冲应付": DocType.netting, "netting": DocType.netting}, has_lines=False, doc_prefix="HX")
OTHER_MOVES = SheetSpec("其他出入库", "OtherMoves", "document", (
    DOC_NO, DATE, TYPE, WAREHOUSE, SKU, QTY, C("单位成本", "UnitCost", "price", to="unit_cost", level="line"),
    NOTE, STATUS), journal="other_moves",
    types={"其他入库": DocType.other_receipt, "otherreceipt": DocType.other_receipt,
           "其他出库": DocType.other_issue, "otherissue": DocType.other_issue}, doc_prefix="QT")
PURCHASE_ORDERS = SheetSpec("采购订单", "PurchaseOrders", "document", _order("供应商", "Supplier"),
                            journal="purchase_orders", doc_type=DocType.purchase_order, doc_prefix="CGDD")
SALES_ORDERS = SheetSpec("销售订单", "SalesOrders", "document", _order("客户", "Customer"),
                         journal="sales_orders", doc_type=DocType.sales_order, doc_prefix="XSDD")
# 发票: rows sharing a 发票号码 are one invoice, each row the 单号 of a posted 销售/采购 it covers
INVOICES = SheetSpec("发票", "Invoices", "document", (
    C("发票号码", "InvoiceNo", "code", True, 14), C("开票日期", "Date", "date", True, 12, "date", "header"),
    C("方向", "Direction", required=True, width=8, to="type", level="header"),
    C("往来单位", "Party", "code", True, 14, "party", "header"),
    C("发票类型", "InvoiceType", "choice", width=8, to="invoice_type", level="header", words="invoice_kind"),
    C("单号", "DocNo", "code", True, 14, "covers", "line"), C("金额", "Amount", "money", width=14, to="amount", level="line"),
    C("税额", "Tax", "money", width=14, to="tax", level="line"),
    C("价税合计", "TotalWithTax", "money", True, 14, "total_with_tax", "line"), NOTE, STATUS),
    journal="invoices", types={"开出": DocType.invoice_issued, "issued": DocType.invoice_issued,
                               "收到": DocType.invoice_received, "received": DocType.invoice_received},
    key="发票号码")

# A code on a generated sheet or report says which master it names (``to``): it is written the way
# that master's sheet holds it (1001 typed as a number stays a number, so VLOOKUP finds it).
W_CODE = C("仓库", "Warehouse", "code", to="warehouse")
SKU_CODE = C("商品编码", "SKU", "code", to="item")
STOCK = SheetSpec("库存", "Stock", "generated", (
    W_CODE, SKU_CODE, C("商品名称", "Name", width=20), C("单位", "Unit", width=6),
    C("数量", "Qty", "qty"), C("成本单价", "UnitCost", "price", width=14, cost=True),
    C("库存金额", "Value", "money", width=MONEY_WIDTH, cost=True), C("安全库存", "MinQty", "qty"), C("预警", "Alert", "alert", width=14),
    C("采购在途", "OnOrder", "qty"), C("销售待发", "Committed", "qty"), C("可用数量", "Available", "qty")),
    explains="预警：商品在各仓库合计的可用数量＋采购在途低于安全库存（或高于最高库存）时标在它的每一行，"
             "与“补货建议”同一规则；缺货指本行数量不大于 0")
_AGING = ("未到期", "0-30天", "31-60天", "61-90天", "91-120天", "120天以上")
_AGING_EN = ("NotDue", "0-30", "31-60", "61-90", "91-120", "120+")


def _aging(party_zh: str, party_en: str, balance_zh: str, balance_en: str, credit_zh: str,
           credit_en: str) -> tuple[Column, ...]:
    """应收/应付: the net balance (= JXC_BALANCE), beside it the advances and surplus credits not
    yet applied (预收余额/预付余额), then the open amounts by age."""
    return (C(party_zh, party_en, "code", to="party"), C("名称", "Name", width=20), C(balance_zh, balance_en, "money", width=MONEY_WIDTH),
            C(credit_zh, credit_en, "money", width=MONEY_WIDTH),
            *(C(zh, en, "money", width=MONEY_WIDTH) for zh, en in zip(_AGING, _AGING_EN)),
            C("信用额度", "CreditLimit", "money", width=MONEY_WIDTH), C("超出额度", "OverLimit", "money", width=MONEY_WIDTH))


RECEIVABLES = SheetSpec("应收", "Receivables", "generated", _aging("客户", "Customer", "应收余额", "Balance", "预收余额", "Advances"),
                        dated_by_today=True, as_of=True)
PAYABLES = SheetSpec("应付", "Payables", "generated", _aging("供应商", "Supplier", "应付余额", "Balance", "预付余额", "Advances"),
                     dated_by_today=True, as_of=True)
JOURNAL = SheetSpec("台账", "Journal", "generated", (
    C("过账批次", "Batch", "int", width=8), C("日期", "Date", "date"), C("单据类型", "DocType", width=14),
    C("单号", "DocNo", width=14), W_CODE, SKU_CODE, C("入库数量", "InQty", "qty"),
    C("出库数量", "OutQty", "qty"), C("成本单价", "UnitCost", "price", width=14, cost=True),
    C("金额", "Amount", "money", width=MONEY_WIDTH, cost=True), C("结存数量", "BalanceQty", "qty"),
    C("结存金额", "BalanceValue", "money", width=MONEY_WIDTH, cost=True)))
CASH = SheetSpec("资金", "Cash", "generated", (
    C("账户", "Account", "code", to="account"), C("名称", "Name", width=20), C("类型", "Kind", width=8),
    C("余额", "Balance", "money", width=MONEY_WIDTH), C("预警", "Alert", "alert", width=10)),
    explains="余额为负的账户标为预警：多半是收款漏记或记晚了，请核对")
CASH_JOURNAL = SheetSpec("资金日记账", "CashJournal", "generated", (
    C("日期", "Date", "date"), C("账户", "Account", "code", to="account"), C("单号", "DocNo", width=14),
    C("单据类型", "DocType", width=10), C("往来单位", "Party", "code", width=14, to="party"), C("摘要", "Memo", width=24),
    C("收入", "In", "money", width=MONEY_WIDTH), C("支出", "Out", "money", width=MONEY_WIDTH),
    C("余额", "Balance", "money", width=MONEY_WIDTH)))
ORDER_STATUS = SheetSpec("订单跟踪", "OrderStatus", "generated", (
    C("订单类型", "OrderType", width=10), C("单号", "DocNo", width=14), C("日期", "Date", "date"),
    C("往来单位", "Party", "code", width=14, to="party"), W_CODE, SKU_CODE, C("商品名称", "Name", width=20),
    C("订购数量", "Ordered", "qty"), C("已执行数量", "Fulfilled", "qty"), C("未执行数量", "Open", "qty"),
    C("交货日期", "DeliveryDate", "date"), C("逾期天数", "DaysLate", "int", width=8),
    C("订单状态", "OrderState", width=10)), dated_by_today=True, dated_what="逾期天数")
INVOICE_STATUS = SheetSpec("开票跟踪", "InvoiceStatus", "generated", (
    C("方向", "Direction", width=8), C("单号", "DocNo", width=14), C("日期", "Date", "date"),
    C("往来单位", "Party", "code", width=14, to="party"), C("价税合计", "TotalWithTax", "money", width=MONEY_WIDTH),
    C("已开票", "Invoiced", "money", width=MONEY_WIDTH), C("未开票", "NotInvoiced", "money", width=MONEY_WIDTH),
    C("开票状态", "InvoiceState", width=10)),
    explains="价税合计已扣除以原单号退回的部分；列出有税额、未开足发票或本月开过票的销售出库和采购入库单")
# 待审核 (过账需审核 = 是): every document waiting for 审核, for the 财务 or 老板 who approves; written
# when the ledger asks for 审核 or something waits (a one-clerk workbook never sees it)
PENDING = SheetSpec("待审核", "PendingApproval", "generated", (
    C("单据类型", "DocType", width=12), C("单号", "DocNo", width=14), C("日期", "Date", "date"),
    C("往来单位", "Party", "code", width=14, to="party"), C("金额", "Amount", "money", width=MONEY_WIDTH),
    C("制单人", "SubmittedBy", width=10), C("提交时间", "SubmittedAt", width=18), STATUS),
    explains="选中要审核的行，点 审核 或 驳回（或 jxc approve / jxc reject 工作簿 单号）；制单人不能审核自己的单据；"
             "金额为价税合计（收付款为其金额）", optional=True)
# Reports (jxc report / 生成报表): written whole from the ledger for a period, with title rows and a
# 合计 row; 对账单 (jxc statement) and 打印 (jxc print) likewise, for a party or a document.
_FIGURES = (C("期初数量", "OpeningQty", "qty"), C("期初金额", "OpeningValue", "money", cost=True),
            C("入库数量", "InQty", "qty"), C("入库金额", "InValue", "money", cost=True), C("出库数量", "OutQty", "qty"),
            C("出库金额", "OutValue", "money", cost=True), C("期末数量", "ClosingQty", "qty"),
            C("期末金额", "ClosingValue", "money", cost=True))
SUMMARY = SheetSpec("进销存汇总", "Summary", "report", (
    W_CODE, SKU_CODE, C("商品名称", "Name", width=20), C("单位", "Unit", width=6),
    *_FIGURES))
_PROFIT = (C("销售数量", "Qty", "qty"), C("销售收入", "Revenue", "money"), C("销售成本", "Cost", "money", cost=True),
           C("毛利", "Profit", "money", cost=True), C("毛利率", "Margin", "percent", cost=True))
PROFIT = SheetSpec("毛利", "Profit", "report", (SKU_CODE, C("商品名称", "Name", width=20), *_PROFIT))
PROFIT_BY_CUSTOMER = (C("客户", "Customer", "code", to="party"), C("名称", "Name", width=20), *_PROFIT)
# 增值税: one row per 方向 (销项, 进项) × 税率, a 合计 per 方向, then 应纳税额 (and 留抵税额): see reports.tables.vat
VAT = SheetSpec("增值税", "VAT", "report", (
    C("方向", "Direction", width=10), C("税率", "TaxRate", "rate", width=8),
    C("金额", "Amount", "money", width=MONEY_WIDTH), C("税额", "Tax", "money", width=MONEY_WIDTH),
    C("价税合计", "TotalWithTax", "money", width=MONEY_WIDTH)))
REORDER = SheetSpec("补货建议", "Reorder", "report", (
    SKU_CODE, C("商品名称", "Name", width=20), C("可用数量", "Available", "qty"),
    C("采购在途", "OnOrder", "qty"), C("安全库存", "MinQty", "qty"), C("最高库存", "MaxQty", "qty"),
    C("建议采购数量", "SuggestedQty", "qty"), C("最近供应商", "LastSupplier"), C("参考进价", "PurchasePrice", "price"),
    C("预计金额", "Amount", "money")))
AGE_BANDS = ((30, "0-30天"), (90, "31-90天"), (180, "91-180天"), (365, "181-365天"), (None, "365天以上"))
STOCK_AGE = SheetSpec("库龄", "StockAge", "report", (
    W_CODE, SKU_CODE, C("商品名称", "Name", width=20), C("数量", "Qty", "qty"),
    C("库存金额", "Value", "money", cost=True), C("最近入库日期", "LastIn", "date"), C("最近出库日期", "LastOut", "date"),
    C("未动销天数", "IdleDays", "int"), C("库龄区间", "AgeBand")))
CHARTS = SheetSpec("图表", "Charts", "report", ())
STATEMENT = SheetSpec("对账单", "Statement", "report", (
    C("日期", "Date", "date"), C("单号", "DocNo"), C("单据类型", "DocType"), C("摘要", "Memo", width=24),
    C("应收增加", "Charged", "money"), C("收回", "Received", "money"), C("应付增加", "Billed", "money"),
    C("付出", "Paid", "money"), C("余额", "Balance", "money")))
PRINT = SheetSpec("打印", "Print", "report", (
    SKU_CODE, C("商品名称", "Name", width=20), C("规格", "Spec"), C("单位", "Unit", width=6),
    C("数量", "Qty", "qty"), C("单价", "UnitPrice", "price"), C("金额", "Amount", "money")))
# 利润表: its rows drawn from cost (销售成本, 销售毛利, 盘盈, 盘亏, 利润) are left out for 采购 and 销售,
# not its 金额 column (reports.income)
INCOME_STATEMENT = SheetSpec("利润表", "IncomeStatement", "report", (
    C("项目", "Item", width=20), C("金额", "Amount", "money", width=MONEY_WIDTH)))
VOUCHERS = SheetSpec("凭证", "Vouchers", "report", (
    C("日期", "Date", "date"), C("凭证字", "VoucherWord", width=6), C("凭证号", "VoucherNo", "int", width=8),
    C("摘要", "Memo", width=24), C("科目编码", "AccountCode", "code", width=12), C("科目名称", "AccountName", width=28),
    C("借方金额", "Debit", "money", width=MONEY_WIDTH, cost=True),
    C("贷方金额", "Credit", "money", width=MONEY_WIDTH, cost=True),
    C("往来单位", "Party", "code", width=14, to="party"), C("单号", "DocNo", width=14)))
AUDIT_LOG = SheetSpec("操作日志", "AuditLog", "report", (
    C("时间", "At", width=20), C("用户", "User"), C("操作", "Action"), C("内容", "Detail", width=50),
    C("工作簿", "Workbook", width=20), C("电脑", "Machine", width=16)))
# what the audit log's actions are called on 操作日志
ACTIONS = {"post": "过账", "post_refused": "过账被拒", "reverse": "红字冲销", "reverse_refused": "冲销被拒",
           "close_order": "关闭订单", "reopen_order": "取消关闭订单", "close": "结账", "reopen": "反结账",
           "restore": "恢复账簿", "close_refused": "结账被拒", "user_add": "添加用户", "user_disable": "停用用户",
           "user_refused": "用户管理被拒", "vouchers": "生成凭证", "void_voucher": "作废凭证",
           "submit": "提交审核", "approve": "审核", "approve_refused": "审核被拒", "reject": "驳回",
           "reject_refused": "驳回被拒", "approval_setting": "过账需审核",
           "masters": "增改资料", "backup": "备份账簿", "setting": "改设置"}
REPORTS = (SUMMARY, PROFIT, INCOME_STATEMENT, VAT, REORDER, STOCK_AGE, CHARTS)
SETTINGS = SheetSpec("设置", "Settings", "settings", (C("项目", "Key", required=True, width=16),
                                                    C("值", "Value", required=True, width=30)))

MASTERS = (ITEMS, PARTIES, WAREHOUSES, ACCOUNTS, CHART)
OPENINGS = (OPENING_STOCK, OPENING_BALANCES, OPENING_CASH)
DOCUMENT_SHEETS = (PURCHASES, SALES, TRANSFERS, COUNTS, PAYMENTS, OTHER_MOVES, PURCHASE_ORDERS, SALES_ORDERS,
                   OTHER_MONEY, SETTLEMENTS)
GENERATED = (STOCK, RECEIVABLES, PAYABLES, JOURNAL, ORDER_STATUS, INVOICE_STATUS, CASH, CASH_JOURNAL)
# every sheet whose rows post to a journal (发票 registers invoices: no 新单号, nothing to print)
POSTED_SHEETS = OPENINGS + DOCUMENT_SHEETS + (INVOICES,)
INPUTS = MASTERS + POSTED_SHEETS
ALL_SHEETS = INPUTS + GENERATED + (SETTINGS,)
BY_JOURNAL = {spec.journal: spec for spec in POSTED_SHEETS}


def journal_named(sheet: str) -> str | None:
    """The journal of the document sheet called ``sheet`` (its Chinese or English name)."""
    name = str(sheet).strip().lower()
    return next((j for j, spec in BY_JOURNAL.items() if name in (spec.zh, spec.en.lower())), None)
COST_METHODS = {"移动加权平均": "moving_average", "moving_average": "moving_average",
                "先进先出": "fifo", "fifo": "fifo",
                "月末一次加权平均": "monthly_average", "monthly_average": "monthly_average"}
YES = {"是", "yes", "y", "true", "1", "√", "停用"}
NO = {"否", "no", "n", "false", "0", ""}
SETTING_KEYS = {"公司名称": "company", "company": "company", "账簿文件": "ledger", "ledger": "ledger",
                "成本方法": "cost_method", "costmethod": "cost_method",
                "允许负库存": "allow_negative", "allownegativestock": "allow_negative",
                "结账日期": "closed_through", "closedthrough": "closed_through",
                "语言": "language", "language": "language",
                "信用控制": "credit_control", "creditcontrol": "credit_control",
                "报表开始": "report_from", "reportfrom": "report_from", "报表结束": "report_to", "reportto": "report_to",
                "制单人": "preparer", "preparedby": "preparer",
                "纳税人类型": "taxpayer", "taxpayertype": "taxpayer", "默认税率": "default_rate", "defaulttaxrate": "default_rate",
                "过账需审核": "approval", "approvalrequired": "approval"}
TAXPAYER_TYPES = {"": "small", "小规模纳税人": "small", "小规模": "small", "small": "small",
                  "一般纳税人": "general", "一般": "general", "general": "general"}
CREDIT_CONTROL = {"": "warn", "提示": "warn", "warn": "warn", "禁止": "block", "block": "block"}

POSTED = "已过账"
POSTED_EN = "Posted"
ERROR = "错误："
ERROR_EN = "Error: "
WAITING = "待审核"                     # 过账需审核: submitted, not posted, until a 财务 or 老板 approves it
WAITING_EN = "Awaiting approval"
REJECTED = "已驳回："                   # … and rejected, followed by the reason
REJECTED_EN = "Rejected: "
GENERATED_NOTE = "此表由系统根据账簿生成，每次“刷新/过账”都会整表重写，请勿在此录入。生成时间："


def generated_note(spec: SheetSpec, when: str, dated: str = "") -> str:
    """A generated sheet's note in A1: the day its figures are as of first (seen first), then that
    it is generated and ``when``, then the rule its reader must know (``spec.explains``)."""
    return dated + GENERATED_NOTE + when + (f"。{spec.explains}" if spec.explains else "")
REPORT_NOTE = "由系统根据账簿生成，每次生成整表重写，请勿在此录入"      # under a report's title rows
