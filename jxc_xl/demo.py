"""A demo workbook for a small trading company: three months of everyday business.

Deterministic (a fixed seed), built to the contract, with three rows that carry the
mistakes clerks typically make so the user sees how errors look.

The company is a 一般纳税人 (增值税): its fruit is taxed at 9% and everything else at 13%, the
items' own 税率; one supplier is a 小规模纳税人 whose 3% 普票 are no 进项税额 (their tax is
cost); the convenience stores are priced tax-inclusive (含税单价), everyone else tax-exclusive.

Its money (资金) sits in two bank accounts, a till and WeChat: customers pay into the banks (the
convenience stores by WeChat), suppliers are paid from the 基本户; rent, wages and freight are
paid monthly (其他收支), cash is drawn from the bank, a kindergarten pays a deposit (预收) on the
order it is then shipped, and a wholesaler that both buys from and sells to the company is netted
(核销 应收冲应付). None of this draws on the seed, so the goods and their figures stay as they were.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from .domain.tax import Typed, figures
from .io.files import save_atomically
from .io.template import build_workbook
from .sheets.contract import PAYMENTS, PRICE, PURCHASE_ORDERS, PURCHASES, SALES, SheetSpec

START = dt.date(2026, 8, 1)
CATEGORIES = {
    "水果": ["红富士苹果", "砂糖橘", "香蕉", "猕猴桃", "葡萄", "哈密瓜", "火龙果", "芒果", "雪梨", "脐橙"],
    "饮料": ["矿泉水", "橙汁", "可乐", "绿茶", "豆奶", "椰汁", "乌龙茶", "酸梅汤", "苏打水", "功能饮料"],
    "零食": ["薯片", "饼干", "坚果礼盒", "牛肉干", "话梅", "瓜子", "巧克力", "果冻", "海苔", "蛋卷"],
    "日用品": ["抽纸", "洗衣液", "牙膏", "洗洁精", "垃圾袋", "毛巾", "香皂", "湿巾", "拖把", "保鲜膜"],
}
WAREHOUSES = [("WH1", "总仓"), ("WH2", "城东门店仓"), ("WH3", "城西门店仓")]
CUSTOMERS = ["朝阳超市", "惠民便利店", "新世纪商场", "阳光幼儿园", "第一中学食堂", "好又多超市", "福满家便利",
             "金鼎酒店", "绿洲水果店", "万家福商行"]
SUPPLIERS = ["烟台果业", "华南饮品", "好味食品厂", "洁净日化", "南方物流贸易", "北方粮油"]
SETTINGS = {"纳税人类型": "一般纳税人"}
RATES = {"水果": Decimal("0.09")}                 # 农产品 9%; every other category 13%
RATE = Decimal("0.13")
SMALL_SUPPLIER, SMALL_RATE = "S05", Decimal("0.03")    # a 小规模纳税人: 3% on a 普票
WITH_TAX = {"C02", "C07"}                        # the convenience stores: prices quoted with tax
# 账户 (编码, 名称, 类型, 账号) and what each holds on the first day (期初资金)
ACCOUNTS = [("XJ", "现金", "现金", None, Decimal("3000.00")),
            ("GH", "工商银行基本户", "银行", "6222021203004567891", Decimal("180000.00")),
            ("JH", "建设银行一般户", "银行", "6217000130009876543", Decimal("60000.00")),
            ("WX", "微信收款", "微信", None, Decimal("1500.00"))]
TRADER = "K01"                                   # a wholesaler both customer and supplier: netted
DEPOSIT_CUSTOMER = "C04"                         # the kindergarten: a deposit on its September order
FREIGHT = {8: Decimal("380.00"), 9: Decimal("455.00"), 10: Decimal("520.00")}    # paid in cash, by month


def build_demo(folder: Path, seed: int = 2026) -> Path:
    """Write ``folder/demo.xlsx`` (and remove an old demo ledger) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.xlsx"
    for old in folder.glob("demo.jxc.db*"):
        old.unlink()
    wb = build_workbook("示例商贸有限公司", demo_rows(random.Random(seed)), SETTINGS)
    save_atomically(path, wb.save)
    return path


def _with(spec: SheetSpec, row: list, **named: object) -> list:
    """``row`` (the sheet's columns up to where it stops) with the cells named by their headers
    filled: the 增值税 columns sit after 状态, where the contract put them."""
    out = row + [None] * (len(spec.columns) - len(row))
    for name, value in named.items():
        out[[c.zh for c in spec.columns].index(name)] = value
    return out


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(rng.randint(int(low * 100), int(high * 100))) / 100


@dataclass
class _Company:
    """Three months of a small trading company's business, day by day: the sheets' rows, and the
    stock each warehouse holds so that no shipment, transfer or return asks for more than is there."""

    rng: random.Random
    prices: dict[str, Decimal] = field(default_factory=dict)
    rates: dict[str, Decimal] = field(default_factory=dict)
    stock: dict[tuple[str, str], int] = field(default_factory=dict)
    rows: dict[str, list[list]] = field(default_factory=lambda: {sheet: [] for sheet in SHEETS})
    receipts: list[tuple] = field(default_factory=list)
    shipments: list[tuple] = field(default_factory=list)
    returned: set[str] = field(default_factory=set)             # documents a return names: not invoiced
    invoiced: set[str] = field(default_factory=set)
    pending: list[list] = field(default_factory=list)           # 销售 rows ordered ahead, shipped later

    def move(self, wh: str, sku: str, qty: int) -> None:
        self.stock[(wh, sku)] = self.stock.get((wh, sku), 0) + qty

    def masters(self) -> None:
        rng = self.rng
        for c, (category, names) in enumerate(CATEGORIES.items(), start=1):
            for n, name in enumerate(names, start=1):
                sku = f"{'ABCD'[c - 1]}{n:03d}"
                cost = self.prices[sku] = _money(rng, 3, 80)
                sale = (cost * Decimal("1.35")).quantize(Decimal("0.01"))
                rate = self.rates[sku] = RATES.get(category, RATE)
                self.rows["商品"].append([sku, name, "标准装", "箱", category, f"69{rng.randint(10**10, 10**11 - 1)}",
                                        cost, sale, rng.choice([10, 20, 30]), 800, None, rate])
        self.rows["往来单位"] += [[f"C{n:02d}", name, "客户", "", f"1380000{n:04d}", "", 50000,
                                  rng.choice([15, 30, 45])] for n, name in enumerate(CUSTOMERS, start=1)]
        self.rows["往来单位"] += [[f"S{n:02d}", name, "供应商", "", f"1390000{n:04d}", "", None, rng.choice([30, 60]),
                                 SMALL_RATE if f"S{n:02d}" == SMALL_SUPPLIER else None]
                                for n, name in enumerate(SUPPLIERS, start=1)]
        self.rows["往来单位"].append([TRADER, "鲜丰果品批发", "客户及供应商", "", "13700000001", "", 30000, 30])
        self.rows["仓库"] = [list(w) for w in WAREHOUSES]
        self.rows["账户"] = [[code, name, kind, number, None] for code, name, kind, number, _ in ACCOUNTS]

    def openings(self) -> None:
        rng = self.rng
        for sku in self.prices:
            for wh, _ in WAREHOUSES[:2]:
                qty = rng.randint(20, 120)
                self.move(wh, sku, qty)
                self.rows["期初库存"].append([START, wh, sku, qty, self.prices[sku], None])
        self.rows["期初往来"] += [[START, f"C{n:02d}", _money(rng, 500, 8000), None,
                                  START + dt.timedelta(days=rng.randint(-90, 20)), None] for n in range(1, 6)]
        self.rows["期初往来"] += [[START, f"S{n:02d}", None, _money(rng, 1000, 20000), None, None] for n in range(1, 4)]
        self.rows["期初资金"] = [[START, code, amount, None] for code, *_, amount in ACCOUNTS]

    def purchase(self, date: dt.date) -> None:
        """A receipt of what was ordered five days before: most orders arrive in full, every
        fourth one ten short of each line (it stays 部分执行 until closed or delivered)."""
        rng = self.rng
        no, supplier, wh = f"CG{date:%Y%m%d}", f"S{rng.randint(1, 6):02d}", rng.choice(["WH1", "WH1", "WH3"])
        ordered_on = date - dt.timedelta(days=5)
        order_no, short = f"CGDD{ordered_on:%Y%m%d}", len(self.receipts) % 12 == 9
        # a 小规模 supplier's 3% (typed on the line: the item's own rate would come first), on a 普票
        rate, invoice = (SMALL_RATE, "普票") if supplier == SMALL_SUPPLIER else (None, None)
        for sku in rng.sample(list(self.prices), 3):
            qty = rng.randint(20, 80)
            price = (self.prices[sku] * Decimal(rng.choice(["0.95", "1", "1.05"]))).quantize(Decimal("0.01"))
            self.rows["采购订单"].append(_with(PURCHASE_ORDERS, [order_no, ordered_on, supplier, wh, sku, qty + 10 * short,
                                                                price, None, date, None, None], 税率=rate))
            self.rows["采购"].append(_with(PURCHASES, [no, date, "入库", supplier, wh, sku, qty, price, None, None, None,
                                                     None, order_no], 税率=rate, 发票类型=invoice))
            self.move(wh, sku, qty)
            self.receipts.append((no, date, supplier, wh, sku, qty, price))

    def order_ahead(self, date: dt.date) -> None:
        """Orders still waiting at the end: a purchase order due before the books end (overdue)
        and a sales order promised to a customer."""
        skus = list(self.prices)
        for n, sku in enumerate(skus[10:13]):
            self.rows["采购订单"].append([f"CGDD{date:%Y%m%d}-2", date, "S02", "WH1", sku, 40 + 10 * n, self.prices[sku],
                                         None, date + dt.timedelta(days=3), "催货中", None])
        sku = skus[0]
        self.rows["销售订单"].append([f"XSDD{date:%Y%m%d}-2", date, "C03", "WH1", sku, 12,
                                     (self.prices[sku] * Decimal("1.35")).quantize(Decimal("0.01")),
                                     None, date + dt.timedelta(days=10), None, None])

    def ship(self, date: dt.date, k: int) -> None:
        rng = self.rng
        no, customer = f"XS{date:%Y%m%d}-{k + 1}", f"C{rng.randint(1, 10):02d}"
        wh = rng.choice(["WH1", "WH2", "WH3"])
        for sku in [s for s in rng.sample(list(self.prices), 4) if self.stock.get((wh, s), 0) >= 5][:2]:
            qty = rng.randint(1, min(15, self.stock[(wh, sku)]))
            price = (self.prices[sku] * Decimal("1.35")).quantize(Decimal("0.01"))
            order_no = f"XSDD{date:%Y%m%d}" if k == 0 and date.day % 5 == 0 else None
            if order_no:                        # a customer's order, shipped the same day (mid-month ones 3 short)
                self.rows["销售订单"].append([order_no, date, customer, wh, sku, qty + 3 * (date.day == 15), price,
                                             None, date, None, None])
            self.rows["销售"].append(self._priced(customer, sku, price, [no, date, "出库", customer, wh, sku, qty, price,
                                                                       None, None, None, None, order_no]))
            self.move(wh, sku, -qty)
            self.shipments.append((no, date, customer, wh, sku, qty, price))

    def _priced(self, customer: str, sku: str, price: Decimal, row: list) -> list:
        """A 销售 row as its customer is priced: a convenience store is quoted the price with tax
        (含税单价; 过账 works out 单价, 金额, 税额 and 价税合计 and writes them in), the rest 单价."""
        if customer not in WITH_TAX:
            return _with(SALES, row)
        row[SALES.columns.index(PRICE)] = None
        return _with(SALES, row, 含税单价=(price * (1 + self.rates[sku])).quantize(Decimal("0.01")))

    def transfer(self, date: dt.date) -> None:
        to = self.rng.choice(["WH2", "WH3"])
        candidates = [s for s in self.prices if self.stock.get(("WH1", s), 0) >= 20]
        for sku in self.rng.sample(candidates, min(3, len(candidates))):
            qty = self.rng.randint(5, 15)
            self.rows["调拨"].append([f"DB{date:%Y%m%d}", date, "WH1", to, sku, qty, None, None])
            self.move("WH1", sku, -qty)
            self.move(to, sku, qty)

    def settle(self, date: dt.date) -> None:
        rng, payments = self.rng, self.rows["收付款"]
        customer = f"C{rng.randint(1, 10):02d}"
        # the convenience stores pay by WeChat; the others into either bank, week about
        method, account = ("微信", "WX") if customer in WITH_TAX else ("银行转账", ("GH", "JH")[date.day % 2])
        payments.append(_with(PAYMENTS, [f"SK{date:%Y%m%d}", date, "收款", customer, _money(rng, 300, 3000), method,
                                         None, None], 账户=account))
        supplier = f"S{rng.randint(1, 6):02d}"
        payments.append(_with(PAYMENTS, [f"FK{date:%Y%m%d}", date, "付款", supplier, _money(rng, 1000, 6000), "银行转账",
                                         None, None], 账户="GH"))

    def expenses(self, date: dt.date) -> None:
        """Rent on the 5th, last month's wages on the 10th (from the 基本户), freight in cash on
        the 18th; petty cash drawn from the bank once, WeChat paid into the bank once, and the
        bank's interest (其他收入)."""
        rows = self.rows["其他收支"]
        last_month = (date.replace(day=1) - dt.timedelta(days=1)).month
        spent = {5: ("GH", "房租", Decimal("2800.00"), "门店及仓库房租"),
                 10: ("GH", "工资", Decimal("7200.00"), f"{last_month}月工资"),
                 18: ("XJ", "运费", FREIGHT[date.month], "送货运费")}
        if date.day in spent:
            account, category, amount, note = spent[date.day]
            rows.append([f"FY{date:%Y%m%d}", date, "费用", account, None, category, None, amount, note, None])
        moved = {dt.date(2026, 8, 3): ("GH", "XJ", Decimal("5000.00"), "提取备用金"),
                 dt.date(2026, 10, 2): ("WX", "GH", Decimal("1000.00"), "微信提现到基本户")}
        if date in moved:
            out, to, amount, note = moved[date]
            rows.append([f"ZZ{date:%Y%m%d}", date, "转账", out, to, None, None, amount, note, None])
        if date == dt.date(2026, 9, 21):
            rows.append([f"SR{date:%Y%m%d}", date, "其他收入", "GH", None, "利息", None, Decimal("56.78"), "结息", None])

    def deposit(self, date: dt.date, shipped_on: dt.date) -> None:
        """The kindergarten orders fruit for the new term and pays half ahead (预收, naming the
        order: 定向抵扣); the order is shipped five days later, taking the deposit."""
        customer, wh = DEPOSIT_CUSTOMER, "WH1"
        sku = max((s for s in list(self.prices)[:10] if self.stock.get((wh, s), 0) >= 30), key=self.prices.get)
        qty, price = 30, (self.prices[sku] * Decimal("1.35")).quantize(Decimal("0.01"))
        order_no = f"XSDD{date:%Y%m%d}"
        self.rows["销售订单"].append([order_no, date, customer, wh, sku, qty, price, None, shipped_on, "新学期水果", None])
        total = figures(Typed(Decimal(qty), self.rates[sku], price=price)).total_with_tax
        self.rows["收付款"].append(_with(PAYMENTS, [f"YS{date:%Y%m%d}", date, "预收", customer, (total / 200).quantize(
            Decimal("1"), ROUND_DOWN) * 100, "银行转账", "订金", None], 账户="GH", 订单号=order_no))
        self.pending.append(_with(SALES, [f"XS{shipped_on:%Y%m%d}-3", shipped_on, "出库", customer, wh, sku, qty, price,
                                          None, None, "订单发货", None, order_no]))
        self.move(wh, sku, -qty)               # set aside now, so nothing shipped in between takes the stock

    def trade_both_ways(self, bought_on: dt.date, sold_on: dt.date, netted_on: dt.date) -> None:
        """The wholesaler sells the company fruit and buys drinks from it; at month end what it
        owes is set against what it is owed (应收冲应付), the smaller side in whole hundreds."""
        owed = {"采购": Decimal(0), "销售": Decimal(0)}
        fruit = list(self.prices)[5:7]
        drinks = [s for s in list(self.prices)[10:20] if self.stock[("WH1", s)] >= 20][:3]
        for sheet, spec, no, when, kind, skus, qty, markup in (
                ("采购", PURCHASES, f"CG{bought_on:%Y%m%d}", bought_on, "入库", fruit, 40, Decimal(1)),
                ("销售", SALES, f"XS{sold_on:%Y%m%d}-3", sold_on, "出库", drinks, 20, Decimal("1.35"))):
            for sku in skus:
                price = (self.prices[sku] * markup).quantize(Decimal("0.01"))
                self.rows[sheet].append(_with(spec, [no, when, kind, TRADER, "WH1", sku, qty, price, None, None, None,
                                                     None, None]))
                self.move("WH1", sku, qty if sheet == "采购" else -qty)
                owed[sheet] += figures(Typed(Decimal(qty), self.rates[sku], price=price)).total_with_tax
        amount = (min(owed.values()) / 100).quantize(Decimal("1"), ROUND_DOWN) * 100
        self.rows["核销"].append([f"HX{netted_on:%Y%m%d}", netted_on, "应收冲应付", TRADER, amount, None,
                                 "互抵货款", None])

    def returns(self, date: dt.date) -> None:
        """A sales return and a purchase return, each naming its source document."""
        no, _, customer, wh, sku, qty, price = self.shipments[-5]
        self.returned.add(no)
        self.rows["销售"].append(self._priced(customer, sku, price, [f"XT{date:%Y%m%d}", date, "退货", customer, wh, sku,
                                                                   max(1, qty // 2), price, None, no, "包装破损退回", None]))
        self.move(wh, sku, max(1, qty // 2))
        no, _, supplier, wh, sku, qty, price = self.receipts[-2]
        self.returned.add(no)
        if self.stock[(wh, sku)] >= 5:
            self.rows["采购"].append([f"CT{date:%Y%m%d}", date, "退货", supplier, wh, sku, 5, price, None, no,
                                     "质量问题", None])
            self.move(wh, sku, -5)

    def count(self, date: dt.date) -> None:
        """A count of part of the shop's stock."""
        for sku in list(self.prices)[:8]:
            counted = max(0, self.stock.get(("WH2", sku), 0) + self.rng.choice([0, 0, -1, 1, -2]))
            self.rows["盘点"].append([f"PD{date:%Y%m%d}", date, "WH2", sku, counted, None, None, None, None])
            self.stock[("WH2", sku)] = counted

    def others(self, date: dt.date) -> None:
        sample, gift = list(self.prices)[3], list(self.prices)[4]
        self.rows["其他出入库"].append([f"QT{date:%Y%m%d}", date, "其他出库", "WH2", sample, 2, None, "样品", None])
        self.move("WH2", sample, -2)
        self.rows["其他出入库"].append([f"QR{date:%Y%m%d}", date, "其他入库", "WH2", gift, 3, self.prices[gift],
                                     "赠品", None])
        self.move("WH2", gift, 3)

    def day(self, day: int) -> None:
        date = START + dt.timedelta(days=day)
        if day % 3 == 0:                                    # a purchase receipt every third day
            self.purchase(date)
        for k in range(2):                                  # two shipments a day
            self.ship(date, k)
        if day % 10 == 5:                                   # a transfer to a shop
            self.transfer(date)
        if day % 7 == 6:                                    # receipts and payments every week
            self.settle(date)
        if day in (20, 50):
            self.returns(date)
        if day == 60:
            self.count(date)
        if day == 40:
            self.others(date)
        if day == 85:
            self.order_ahead(date)
        if day % 10 == 9 and day < INVOICED_UNTIL:          # invoices every ten days, for the first two months
            self.invoice(date)
        self.expenses(date)
        if day == 33:                                       # a deposit on an order, shipped five days later
            self.deposit(date, date + dt.timedelta(days=5))
        if day == 38:
            self.rows["销售"] += self.pending
        if day == 22:                                       # bought from and sold to a wholesaler, netted
            self.trade_both_ways(date, date + dt.timedelta(days=4), dt.date(2026, 8, 31))

    def invoice(self, date: dt.date) -> None:
        """The 发票 of the documents older than five days not yet invoiced nor returned: one 专票 per
        customer issued (a row per shipment it covers), one received from each supplier on a 专票
        (the 小规模 one's 普票 are not registered); the first customer's first shipment only half
        invoiced (部分开票). Later documents stay 未开票 on 开票跟踪."""
        due = date - dt.timedelta(days=5)
        for direction, docs in (("开出", self.shipments), ("收到", self.receipts)):
            totals: dict[tuple[str, str], Decimal] = {}
            for no, when, party, _, sku, qty, price in docs:
                if when <= due and no not in self.invoiced | self.returned and party != SMALL_SUPPLIER:
                    key = (party, no)
                    totals[key] = totals.get(key, Decimal(0)) + self._total(party, sku, qty, price, direction)
            for n, party in enumerate(sorted({p for p, _ in totals})):
                number = f"{'0441' if direction == '开出' else '3300'}{date:%m%d}{n:02d}"
                for k, ((_, no), total) in enumerate(sorted(i for i in totals.items() if i[0][0] == party)):
                    half = direction == "开出" and not self.invoiced and k == 0
                    self.rows["发票"].append([number, date, direction, party, "专票", no, None, None,
                                             (total / 2).quantize(Decimal("0.01")) if half else total,
                                             "先开一半" if half else None, None])
                    self.invoiced.add(no)

    def _total(self, party: str, sku: str, qty: int, price: Decimal, direction: str) -> Decimal:
        """A line's 价税合计 as 过账 will work it out (a convenience store's from its 含税单价)."""
        rate = SMALL_RATE if party == SMALL_SUPPLIER else self.rates[sku]
        if direction == "开出" and party in WITH_TAX:
            typed = Typed(Decimal(qty), rate, price_with_tax=(price * (1 + rate)).quantize(Decimal("0.01")))
        else:
            typed = Typed(Decimal(qty), rate, price=price)
        return figures(typed).total_with_tax


SHEETS = ("商品", "往来单位", "仓库", "账户", "期初库存", "期初往来", "期初资金", "采购", "销售", "调拨", "盘点", "收付款",
          "其他收支", "核销", "其他出入库", "采购订单", "销售订单", "发票")
INVOICED_UNTIL = 60                           # the days after which nothing more is invoiced


def demo_rows(rng: random.Random) -> dict[str, list[list]]:
    company = _Company(rng)
    company.masters()
    company.openings()
    for day in range(92):
        company.day(day)
    _mistakes(company.rows["采购"], company.rows["销售"], company.rows["收付款"])
    return company.rows


# The order the accountant closes short at the end of the demo (短交: the supplier will not send the rest).
CLOSED_SHORT = "CGDD20260805"
END = START + dt.timedelta(days=91)          # the demo's last day: its reports cover the quarter
STATEMENT_PARTY = "C01"                       # whose 对账单 the demo writes
CLOSED_MONTH_END = dt.date(2026, 8, 31)       # the month the demo closes, and exports the vouchers of
PRINTED = "XS20260801-1"                      # the document the demo fills 打印 with
MISTAKES = {"采购": "CG-ERR2", "销售": "XS-ERR1", "收付款": "SK-ERR3"}


def deliberate_mistakes(path: Path) -> set[tuple[str, int]]:
    """(sheet, row) of the demo's deliberate mistakes, found by their 单号."""
    from openpyxl import load_workbook
    wb = load_workbook(path, read_only=True)
    found = set()
    for sheet, doc_no in MISTAKES.items():
        for r, row in enumerate(wb[sheet].iter_rows(values_only=True), start=1):
            if row and row[0] == doc_no:
                found.add((sheet, r))
    wb.close()
    return found


def _mistakes(purchases: list, sales: list, payments: list) -> None:
    """Three rows with the errors clerks typically make."""
    end = END
    sales.append(["XS-ERR1", end, "出库", "C01", "WH1", "X999", 3, Decimal("12.00"), None, None, "商品编码写错", None])
    purchases.append(["CG-ERR2", end, "入库", "S01", "WH1", "A001", "十箱", Decimal("30.00"), None, None,
                      "数量写成了文字", None])
    # (not an unreadable date: a row whose month cannot be told stops every 结账, and the demo closes August)
    payments.append(_with(PAYMENTS, ["SK-ERR3", end, "收款", "C02", "伍佰元", "现金", "金额写成了大写", None], 账户="XJ"))
