"""The README's Python example: open a ledger, post, reverse, ask questions.

Run it with ``python examples/quickstart.py [FOLDER]``; it writes ``quickstart.jxc.db`` there.
"""
import datetime as dt
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

from jxc_xl import Document, Item, Ledger, Line, Party, Warehouse

folder = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
path = folder / "quickstart.jxc.db"
path.unlink(missing_ok=True)

with Ledger.open(path, cost_method="moving_average") as ledger:
    ledger.upsert_masters(
        items=[Item(sku="A001", name="红富士苹果", unit="箱")],
        parties=[Party(code="S01", name="烟台果业", kind="supplier", terms_days=30),
                 Party(code="C01", name="朝阳超市", kind="customer", terms_days=15)],
        warehouses=[Warehouse(code="WH1", name="总仓")])

    result = ledger.post([
        Document(type="purchase_receipt", doc_no="CG-001", date=dt.date(2026, 11, 2), party="S01",
                 warehouse="WH1", lines=[Line(item="A001", qty=Decimal(100), price=Decimal("42.50"))]),
        Document(type="sales_shipment", doc_no="XS-001", date=dt.date(2026, 11, 5), party="朝阳超市",
                 warehouse="总仓", lines=[Line(item="A001", qty=Decimal(30), price=Decimal(68))]),
        Document(type="sales_shipment", doc_no="XS-002", date=dt.date(2026, 11, 6), party="C01",
                 warehouse="WH1", lines=[Line(item="A001", qty=Decimal(500), price=Decimal(68))]),
    ], user="王会计")
    print("posted:", result.posted)
    for problem in result.problems:                      # errors are values, in Chinese and English
        print("error:", problem.doc_no, problem.field, problem.message)

    print("reversed:", ledger.reverse("XS-001").posted)  # 红字冲销: the exact opposite
    for row in ledger.stock(as_of=dt.date(2026, 11, 30)):
        print("stock:", row.item, row.warehouse, row.qty, row.unit_cost, row.value)
    print("payable to S01:", ledger.balance("S01", side="AP"))
    print("aging:", ledger.aging(dt.date(2026, 12, 31), side="AP"))
    print("self-check:", ledger.verify() or "ok")
