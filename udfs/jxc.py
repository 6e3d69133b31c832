"""Worksheet functions: =JXC_STOCK(A2:A500) and friends, thin xlwings wrappers over jxc_xl.lookup.

Each answers from the calling workbook's own ledger (its 设置 says which), takes a single cell
or a whole column and returns one row per cell asked about (a column), and shows a problem as
an error text in that cell.
Their VBA wrappers are generated into the add-in by ``jxc addin build`` (see FUNCTIONS), so
they work as soon as the add-in is installed. The first docstring line is what Excel shows.
"""
from __future__ import annotations

import functools

import xlwings as xw

from jxc_xl import lookup


def _column(values) -> list:
    """A cell or a range (ndim=2) as a flat list of its cells."""
    return [cell for row in values for cell in row]


def _rows(answers: list) -> list[list]:
    """One row per cell asked about, figures as numbers; error texts and blanks as they are."""
    return [[x if isinstance(x, str) else float(x) for x in (a if isinstance(a, list) else [a])]
            for a in answers] or [[""]]


def _guarded(fn):
    """Whatever goes wrong becomes one clear error text, never a Python traceback in a cell."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:            # noqa: BLE001 — the cell must show something readable
            return [[f"#JXC! {type(exc).__name__}: {exc}"]]
    return call


@xw.func
@xw.arg("sku", ndim=2)
@_guarded
def JXC_STOCK(sku, warehouse=None, as_of=None, caller=None):
    """库存数量：商品编码（可整列），可选 仓库、截至日期"""
    return _rows(lookup.stock(lookup.ledger_of(caller), _column(sku), warehouse, as_of, "qty"))


@xw.func
@xw.arg("sku", ndim=2)
@_guarded
def JXC_COST(sku, warehouse=None, as_of=None, caller=None):
    """成本单价：商品编码（可整列），可选 仓库、截至日期"""
    return _rows(lookup.stock(lookup.ledger_of(caller), _column(sku), warehouse, as_of, "unit_cost"))


@xw.func
@xw.arg("sku", ndim=2)
@_guarded
def JXC_VALUE(sku, warehouse=None, as_of=None, caller=None):
    """库存金额：商品编码（可整列），可选 仓库、截至日期"""
    return _rows(lookup.stock(lookup.ledger_of(caller), _column(sku), warehouse, as_of, "value"))


@xw.func
@xw.arg("party", ndim=2)
@_guarded
def JXC_BALANCE(party, as_of=None, caller=None):
    """往来余额：应收为正、应付为负；往来单位（可整列），可选 截至日期"""
    return _rows(lookup.balance(lookup.ledger_of(caller), _column(party), as_of))


@xw.func
@xw.arg("account", ndim=2)
@_guarded
def JXC_CASH(account, as_of=None, caller=None):
    """资金余额：账户（编码或名称，可整列），可选 截至日期"""
    return _rows(lookup.cash_balance(lookup.ledger_of(caller), _column(account), as_of))


@xw.func
@xw.arg("sku", ndim=2)
@_guarded
def JXC_SOLD(sku, start=None, end=None, caller=None):
    """销售数量和金额（不含税，扣除退货）：商品编码（可整列），起止日期"""
    return _rows(lookup.traded(lookup.ledger_of(caller), "sales", _column(sku), start, end))


@xw.func
@xw.arg("sku", ndim=2)
@_guarded
def JXC_BOUGHT(sku, start=None, end=None, caller=None):
    """采购数量和金额（不含税，扣除退货）：商品编码（可整列），起止日期"""
    return _rows(lookup.traded(lookup.ledger_of(caller), "purchases", _column(sku), start, end))


@xw.func
@xw.arg("sku", ndim=2)
@_guarded
def JXC_AVAILABLE(sku, warehouse=None, caller=None):
    """可用数量：库存数量减去销售订单未发数量；商品编码（可整列），可选 仓库"""
    return _rows(lookup.ordered(lookup.ledger_of(caller), _column(sku), warehouse, "available"))


@xw.func
@xw.arg("sku", ndim=2)
@_guarded
def JXC_ONORDER(sku, warehouse=None, caller=None):
    """采购在途：采购订单未到货的数量；商品编码（可整列），可选 仓库"""
    return _rows(lookup.ordered(lookup.ledger_of(caller), _column(sku), warehouse, "on_order"))


@xw.func
@xw.arg("sku", ndim=2)
@_guarded
def JXC_SUMMARY(sku, start, end, warehouse=None, caller=None):
    """进销存汇总一行：期初数量、期初金额、入库数量、入库金额、出库数量、出库金额、期末数量、期末金额；商品编码（可整列），起止日期，可选 仓库"""
    return _rows(lookup.summary(lookup.ledger_of(caller), _column(sku), start, end, warehouse))


FUNCTIONS = (JXC_STOCK, JXC_COST, JXC_VALUE, JXC_BALANCE, JXC_CASH, JXC_SOLD, JXC_BOUGHT, JXC_AVAILABLE, JXC_ONORDER,
             JXC_SUMMARY)
