"""`jxc export`: the books as a plain SQLite database for Datasette, pandas or Power Query, built
with sqlite-utils — the ledger's tables as stored (foreign keys between them), views in Chinese
that show every figure as exact decimal text, and full-text search over names and notes.

Money stays integer 分 in the tables, as the ledger keeps it: SQLite's SUM over integers is exact
where over decimal text it would go through floating point; the views show 元 as exact text
(scaled_text_sql, the rendering 台账 uses). Quantities (1e-4) and prices (1e-6) likewise."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
from decimal import Decimal
from pathlib import Path

import sqlite_utils

from ..domain.model import DOC_TYPE_LABELS
from ..domain.money import MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES, scaled_text_sql
from ..ledger import Ledger
from ..ledger.stores.schema import TABLES

MARK = "jxc_export"           # the table that says a file is an export (and so may be replaced)
# the ledger's tables written out, in an order that puts each before those that refer to it,
# and the foreign keys between them: (column, table, its key)
FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "items": [], "parties": [], "warehouses": [], "accounts": [], "batches": [],
    "documents": [("type", "doc_types", "code"), ("party", "parties", "code"), ("warehouse", "warehouses", "code"),
                  ("to_warehouse", "warehouses", "code"), ("account", "accounts", "code"),
                  ("to_account", "accounts", "code"), ("source_doc", "documents", "id"),
                  ("reverses", "documents", "id"), ("reversed_by", "documents", "id"),
                  ("order_doc", "documents", "id"), ("batch", "batches", "id")],
    "lines": [("doc", "documents", "id"), ("item", "items", "sku"), ("source_line", "lines", "id"),
              ("order_line", "lines", "id"), ("covers", "documents", "id")],
    "movements": [("doc", "documents", "id"), ("line", "lines", "id"), ("item", "items", "sku"),
                  ("warehouse", "warehouses", "code"), ("link", "movements", "id")],
    "party_entries": [("doc", "documents", "id"), ("party", "parties", "code"), ("link", "party_entries", "id"),
                      ("order_doc", "documents", "id"), ("applies_to", "documents", "id")],
    "cash_entries": [("doc", "documents", "id"), ("account", "accounts", "code"), ("party", "parties", "code"),
                     ("link", "cash_entries", "id")],
    "voucher_exports": [("doc", "documents", "id")],
}
# full-text search: the names and notes of each table
SEARCHED = {"items": ["sku", "name", "spec", "category", "barcode"], "parties": ["code", "name", "contact", "address"],
            "documents": ["doc_no", "note", "category"], "lines": ["note"], "accounts": ["code", "name", "number"]}


def _yuan(expr: str) -> str:
    return scaled_text_sql(expr, MONEY_PLACES)


def _qty(expr: str) -> str:
    return scaled_text_sql(expr, QTY_PLACES)


def _unit(expr: str) -> str:
    return scaled_text_sql(expr, UNIT_COST_PLACES)


_DOC = "JOIN documents d ON d.id = {0}.doc JOIN doc_types t ON t.code = d.type"
_TYPE = "t.label || CASE d.reversal WHEN 1 THEN '（红字冲销）' ELSE '' END"
VIEWS = {
    "单据": f"SELECT d.id AS 编号, d.doc_no AS 单号, d.date AS 日期, {_TYPE} AS 单据类型, d.party AS 往来单位, "
            f"p.name AS 往来单位名称, d.warehouse AS 仓库, d.to_warehouse AS 调入仓库, d.account AS 账户, "
            f"d.to_account AS 转入账户, d.category AS 类别, {_yuan('d.amount')} AS 金额, d.source_doc_no AS 原单号, "
            f"d.note AS 备注, d.user AS 制单人, d.posted_at AS 过账时间 FROM documents d "
            f"JOIN doc_types t ON t.code = d.type LEFT JOIN parties p ON p.code = d.party",
    "明细": f"SELECT d.doc_no AS 单号, d.date AS 日期, {_TYPE} AS 单据类型, d.party AS 往来单位, d.warehouse AS 仓库, "
            f"l.line_no AS 行号, l.item AS 商品编码, i.name AS 商品名称, i.unit AS 单位, {_qty('l.qty')} AS 数量, "
            f"{_unit('l.price')} AS 单价, {_yuan('l.amount')} AS 金额, {_unit('l.tax_rate')} AS 税率, "
            f"{_yuan('l.tax')} AS 税额, {_yuan('l.total_with_tax')} AS 价税合计, l.note AS 备注 FROM lines l "
            f"{_DOC.format('l')} LEFT JOIN items i ON i.sku = l.item",
    "库存流水": f"SELECT m.date AS 日期, d.doc_no AS 单号, {_TYPE} AS 单据类型, m.warehouse AS 仓库, m.item AS 商品编码, "
              f"i.name AS 商品名称, {_qty('m.qty')} AS 数量, {_unit('m.unit_cost')} AS 成本单价, "
              f"{_yuan('m.value')} AS 金额, {_qty('m.bal_qty')} AS 结存数量, {_yuan('m.bal_value')} AS 结存金额 "
              f"FROM movements m {_DOC.format('m')} LEFT JOIN items i ON i.sku = m.item",
    "往来明细": f"SELECT e.date AS 日期, d.doc_no AS 单号, {_TYPE} AS 单据类型, e.party AS 往来单位, p.name AS 名称, "
              f"CASE e.side WHEN 'AR' THEN '应收' ELSE '应付' END AS 方向, "
              f"CASE e.kind WHEN 'advance' THEN CASE e.side WHEN 'AR' THEN '预收' ELSE '预付' END ELSE '' END AS 预收预付, "
              f"{_yuan('e.amount')} AS 金额, e.due_date AS 到期日 FROM party_entries e {_DOC.format('e')} "
              f"LEFT JOIN parties p ON p.code = e.party",
    "资金流水": f"SELECT c.date AS 日期, c.account AS 账户, a.name AS 账户名称, d.doc_no AS 单号, {_TYPE} AS 单据类型, "
              f"c.party AS 往来单位, d.category AS 类别, CASE WHEN c.amount > 0 THEN {_yuan('c.amount')} END AS 收入, "
              f"CASE WHEN c.amount < 0 THEN {_yuan('-c.amount')} END AS 支出, d.note AS 备注 FROM cash_entries c "
              f"{_DOC.format('c')} LEFT JOIN accounts a ON a.code = c.account",
    "商品": f"SELECT sku AS 商品编码, name AS 商品名称, spec AS 规格, unit AS 单位, category AS 类别, barcode AS 条码, "
            f"{_unit('purchase_price')} AS 参考进价, {_unit('sale_price')} AS 参考售价, {_qty('min_qty')} AS 安全库存, "
            f"{_qty('max_qty')} AS 最高库存, CASE inactive WHEN 1 THEN '是' ELSE '' END AS 停用 FROM items",
    "往来单位": "SELECT code AS 编码, name AS 名称, CASE kind WHEN 'customer' THEN '客户' WHEN 'supplier' THEN '供应商' "
              f"ELSE '客户及供应商' END AS 类型, contact AS 联系人, phone AS 电话, address AS 地址, "
              f"{_yuan('credit_limit')} AS 信用额度, terms_days AS 账期天数 FROM parties",
    "仓库": "SELECT code AS 编码, name AS 名称 FROM warehouses",
    "账户": "SELECT a.code AS 编码, a.name AS 名称, a.kind AS 类型, a.number AS 账号, "
            f"{_yuan('COALESCE(SUM(c.amount), 0)')} AS 余额 FROM accounts a "
            "LEFT JOIN cash_entries c ON c.account = a.code GROUP BY a.code",
    "已导出凭证": "SELECT v.voucher_no AS 凭证号, d.doc_no AS 单号, v.date AS 日期, v.exported_at AS 导出时间, "
             "v.user AS 导出人, v.voided_at AS 作废时间 FROM voucher_exports v JOIN documents d ON d.id = v.doc",
}


class ExportRefused(Exception):
    """The target is a file that is not an earlier export: it is left alone."""


def export_books(ledger: Ledger, target: Path, now: dt.datetime | None = None) -> dict[str, int]:
    """Write the books to the SQLite database ``target`` (an earlier export there is replaced
    whole, at once: the new one is built beside it and renamed over it; any other file is
    refused). Read in one snapshot of the ledger. Returns the rows written per table."""
    if target.exists() and not _is_export(target):
        raise ExportRefused(f"{target} 已存在且不是 jxc 导出的数据库：请换一个文件名（不会覆盖它） / "
                            f"exists and is not a jxc export: not replaced")
    building = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    building.unlink(missing_ok=True)
    try:
        with ledger.snapshot():
            written = _write(ledger, sqlite_utils.Database(building), now or dt.datetime.now())
        os.replace(building, target)
    finally:
        building.unlink(missing_ok=True)
    return written


def _is_export(path: Path) -> bool:
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
            return bool(conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                     (MARK,)).fetchone())
    except sqlite3.DatabaseError:
        return False


def _write(ledger: Ledger, db: sqlite_utils.Database, now: dt.datetime) -> dict[str, int]:
    db[MARK].insert_all([{"key": "exported_at", "value": now.isoformat(timespec="seconds")},
                         {"key": "ledger", "value": str(ledger.path)}], pk="key")
    db["doc_types"].insert_all([{"code": t.value, "label": label} for t, label in DOC_TYPE_LABELS.items()], pk="code")
    written = {}
    for table, keys in FOREIGN_KEYS.items():
        columns, pages = ledger.table_rows(table)       # an old ledger's later columns stay empty
        spec = TABLES[table]
        db[table].create(spec["columns"], pk=spec["pk"], foreign_keys=keys)
        linked = [columns.index(k[0]) for k in keys if k[0] in columns]
        written[table] = 0
        for page in pages:
            db[table].insert_all(({c: _value(v, i in linked) for i, (c, v) in enumerate(zip(columns, row))}
                                  for row in page), batch_size=1000)
            written[table] += len(page)
    for table, columns in SEARCHED.items():
        db[table].enable_fts(columns, tokenize="trigram")
    for name, sql in VIEWS.items():
        db.create_view(name, sql)
    db.conn.commit()
    db.close()
    return written


def _value(value: object, linked: bool) -> object:
    """A stored value as the export holds it: an empty reference (no party, no account) is NULL,
    so every foreign key holds; a figure from a server (Decimal) an integer."""
    if linked and value == "":
        return None
    return int(value) if isinstance(value, Decimal) else value
