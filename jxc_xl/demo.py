"""A demo workbook for a small trading company: three months of everyday business.

Deterministic (a fixed seed), built to the contract, with three rows that carry the
mistakes clerks typically make so the user sees how errors look.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from .io.template import build_workbook
from .io.files import save_atomically

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


def build_demo(folder: Path, seed: int = 2026) -> Path:
    """Write ``folder/demo.xlsx`` (and remove an old demo ledger) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.xlsx"
    for old in folder.glob("demo.jxc.db*"):
        old.unlink()
    wb = build_workbook("示例商贸有限公司", demo_rows(random.Random(seed)))
    save_atomically(path, wb.save)
    return path


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(rng.randint(int(low * 100), int(high * 100))) / 100


def demo_rows(rng: random.Random) -> dict[str, list[list]]:
    items, prices = [], {}
    for c, (category, names) in enumerate(CATEGORIES.items(), start=1):
        for n, name in enumerate(names, start=1):
            sku = f"{'ABCD'[c - 1]}{n:03d}"
            cost = _money(rng, 3, 80)
            prices[sku] = cost
            sale = (cost * Decimal("1.35")).quantize(Decimal("0.01"))
            items.append([sku, name, "标准装", "箱", category, f"69{rng.randint(10**10, 10**11 - 1)}", cost, sale,
                          rng.choice([10, 20, 30]), 800, None])
    parties = [[f"C{n:02d}", name, "客户", "", f"1380000{n:04d}", "", 50000, rng.choice([15, 30, 45])]
               for n, name in enumerate(CUSTOMERS, start=1)]
    parties += [[f"S{n:02d}", name, "供应商", "", f"1390000{n:04d}", "", None, rng.choice([30, 60])]
                for n, name in enumerate(SUPPLIERS, start=1)]
    stock: dict[tuple[str, str], int] = {}
    opening = []
    for sku in prices:
        for wh, _ in WAREHOUSES[:2]:
            qty = rng.randint(20, 120)
            stock[(wh, sku)] = qty
            opening.append([START, wh, sku, qty, prices[sku], None])
    balances = [[START, f"C{n:02d}", _money(rng, 500, 8000), None, START + dt.timedelta(days=rng.randint(-90, 20)), None]
                for n in range(1, 6)]
    balances += [[START, f"S{n:02d}", None, _money(rng, 1000, 20000), None, None] for n in range(1, 4)]
    purchases, sales, transfers, counts, payments, others = [], [], [], [], [], []
    skus = list(prices)
    receipts, shipments = [], []
    for day in range(92):
        date = START + dt.timedelta(days=day)
        if day % 3 == 0:                                    # a purchase receipt every third day
            no, supplier, wh = f"CG{date:%Y%m%d}", f"S{rng.randint(1, 6):02d}", rng.choice(["WH1", "WH1", "WH3"])
            for sku in rng.sample(skus, 3):
                qty = rng.randint(20, 80)
                price = (prices[sku] * Decimal(rng.choice(["0.95", "1", "1.05"]))).quantize(Decimal("0.01"))
                purchases.append([no, date, "入库", supplier, wh, sku, qty, price, None, None, None, None])
                stock[(wh, sku)] = stock.get((wh, sku), 0) + qty
                receipts.append((no, date, supplier, wh, sku, qty, price))
        for k in range(2):                                  # two shipments a day
            no, customer = f"XS{date:%Y%m%d}-{k + 1}", f"C{rng.randint(1, 10):02d}"
            wh = rng.choice(["WH1", "WH2", "WH3"])
            lines = [s for s in rng.sample(skus, 4) if stock.get((wh, s), 0) >= 5][:2]
            for sku in lines:
                qty = rng.randint(1, min(15, stock[(wh, sku)]))
                price = (prices[sku] * Decimal("1.35")).quantize(Decimal("0.01"))
                sales.append([no, date, "出库", customer, wh, sku, qty, price, None, None, None, None])
                stock[(wh, sku)] -= qty
                shipments.append((no, date, customer, wh, sku, qty, price))
        if day % 10 == 5:                                   # a transfer to a shop
            to = rng.choice(["WH2", "WH3"])
            candidates = [s for s in skus if stock.get(("WH1", s), 0) >= 20]
            for sku in rng.sample(candidates, min(3, len(candidates))):
                qty = rng.randint(5, 15)
                transfers.append([f"DB{date:%Y%m%d}", date, "WH1", to, sku, qty, None, None])
                stock[("WH1", sku)] -= qty
                stock[(to, sku)] = stock.get((to, sku), 0) + qty
        if day % 7 == 6:                                    # receipts and payments every week
            customer = f"C{rng.randint(1, 10):02d}"
            payments.append([f"SK{date:%Y%m%d}", date, "收款", customer, _money(rng, 300, 3000), "银行转账", None, None])
            supplier = f"S{rng.randint(1, 6):02d}"
            payments.append([f"FK{date:%Y%m%d}", date, "付款", supplier, _money(rng, 1000, 6000), "银行转账", None, None])
        if day in (20, 50):                                 # returns, each naming its source
            no, sdate, customer, wh, sku, qty, price = shipments[-5]
            sales.append([f"XT{date:%Y%m%d}", date, "退货", customer, wh, sku, max(1, qty // 2), price, None, no,
                          "包装破损退回", None])
            stock[(wh, sku)] += max(1, qty // 2)
            no, rdate, supplier, wh, sku, qty, price = receipts[-2]
            if stock[(wh, sku)] >= 5:
                purchases.append([f"CT{date:%Y%m%d}", date, "退货", supplier, wh, sku, 5, price, None, no, "质量问题",
                                  None])
                stock[(wh, sku)] -= 5
        if day == 60:                                       # a count of part of the shop's stock
            for sku in skus[:8]:
                counted = max(0, stock.get(("WH2", sku), 0) + rng.choice([0, 0, -1, 1, -2]))
                counts.append([f"PD{date:%Y%m%d}", date, "WH2", sku, counted, None, None, None, None])
                stock[("WH2", sku)] = counted
        if day == 40:
            others.append([f"QT{date:%Y%m%d}", date, "其他出库", "WH2", skus[3], 2, None, "样品", None])
            stock[("WH2", skus[3])] -= 2
            others.append([f"QR{date:%Y%m%d}", date, "其他入库", "WH2", skus[4], 3, prices[skus[4]], "赠品", None])
            stock[("WH2", skus[4])] = stock.get(("WH2", skus[4]), 0) + 3
    _mistakes(purchases, sales, payments)
    return {"商品": items, "往来单位": parties, "仓库": [list(w) for w in WAREHOUSES], "期初库存": opening,
            "期初往来": balances, "采购": purchases, "销售": sales, "调拨": transfers, "盘点": counts,
            "收付款": payments, "其他出入库": others}


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
    end = START + dt.timedelta(days=91)
    sales.append(["XS-ERR1", end, "出库", "C01", "WH1", "X999", 3, Decimal("12.00"), None, None, "商品编码写错", None])
    purchases.append(["CG-ERR2", end, "入库", "S01", "WH1", "A001", "十箱", Decimal("30.00"), None, None,
                      "数量写成了文字", None])
    payments.append(["SK-ERR3", "2026-13-01", "收款", "C02", Decimal("500.00"), "现金", "日期写错", None])
