from __future__ import annotations

from decimal import Decimal

import pytest

from jxc_xl import Item, Ledger, Party, Warehouse


def standard_masters(ledger: Ledger) -> None:
    ledger.upsert_masters(
        items=[Item(sku="A", name="苹果", unit="箱", min_qty=Decimal(5), max_qty=Decimal(1000)),
               Item(sku="B", name="香蕉", unit="箱"),
               Item(sku="Z", name="旧货", inactive=True)],
        parties=[Party(code="S1", name="华东供应商", kind="supplier", terms_days=30),
                 Party(code="S2", name="华南供应商", kind="supplier"),
                 Party(code="C1", name="第一百货", kind="customer", terms_days=30, credit_limit=Decimal(50000)),
                 Party(code="C2", name="第二超市", kind="customer"),
                 Party(code="X1", name="两用公司", kind="both", terms_days=15)],
        warehouses=[Warehouse(code="W1", name="总仓"), Warehouse(code="W2", name="门店仓")])


@pytest.fixture
def ledger_path(tmp_path):
    return tmp_path / "books.jxc.db"


@pytest.fixture
def ledger(ledger_path):
    with Ledger.open(ledger_path) as led:
        standard_masters(led)
        yield led


@pytest.fixture(params=["moving_average", "fifo", "monthly_average"])
def any_ledger(request, tmp_path):
    with Ledger.open(tmp_path / f"{request.param}.jxc.db", cost_method=request.param) as led:
        standard_masters(led)
        yield led


@pytest.fixture
def book(tmp_path):
    """A new workbook from the template, with masters typed in."""
    from jxc_xl.io.template import new_workbook

    from .wb import masters
    path = new_workbook(tmp_path / "账本.xlsx")
    masters(path)
    return path
