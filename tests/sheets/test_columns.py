"""The column-wise intake (sheets/columns.py) reads a sheet exactly as the row path does: the
same documents, the same rows, the same problems with the same messages, whatever the cells —
and plain rows never go through the row path at all."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from jxc_xl.domain.validate import Masters
from jxc_xl.domain.model import Party, PartyKind, Warehouse
from jxc_xl.domain.packed import Packed
from jxc_xl.sheets import columns, parse
from jxc_xl.sheets.book import Table, header_of
from jxc_xl.sheets.contract import (COUNTS, OPENING_BALANCES, OPENING_CASH, OPENING_STOCK, OTHER_MOVES, POSTED_SHEETS,
                                    PURCHASE_ORDERS, PURCHASES, SALES, SALES_ORDERS, TRANSFERS)

MASTERS = Masters(parties={"S01": Party(code="S01", name="华南供应", kind=PartyKind.supplier)},
                  warehouses={"WH1": Warehouse(code="WH1", name="总仓")})

# what a clerk may type in a cell of each kind: (plain values, values only the row path reads)
CELLS = {
    "date": ([dt.datetime(2026, 3, 5), dt.date(2026, 3, 6)],
             ["2026-03-07", "2026年3月8日", 20260309, 46090.0, "3月5日", "#N/A", None, "  "]),
    "number": ([5, 12.5, 0.1, 3], ["12", "1,200.50", "12,5", "¥3.20", "abc", -3, True, None, "#VALUE!",
                                   float("nan"), 1e30]),
    "rate": (["13%", 13, 0.13], ["9", "abc", None, "1.5%"]),
    "text": (["S01", "WH1", "I001"], ["华南供应", " s01 ", "总仓", 1001, 1001.0, "", None, "#REF!",
                                     dt.date(2026, 1, 1)]),
    "choice": (["入库", "出库", "专票"], [" 入 库", "receipt", "退货", "普票", "无票", "xx", None]),
}


def _cell(spec, column):
    kind = _kind(column)
    plain, odd = CELLS[kind]
    if kind == "choice":                     # the sheet's own words are the plain ones
        words = spec.types if column.to == "type" else column.choices
        plain = [w for w in words if not w.isascii()][:3] or list(words)[:3]
    return st.one_of(st.sampled_from(plain), st.sampled_from(plain), st.sampled_from(plain), st.sampled_from(odd))


def _kind(column) -> str:
    if column.to == "type" or column.kind == "choice":
        return "choice"
    if column.kind in ("date", "rate"):
        return column.kind
    return "number" if column.kind in ("qty", "price", "money", "formula") else "text"


def _table(spec, rows: list[list], skip: set[str] = frozenset()) -> Table:
    head = [c.zh for c in spec.columns if c.zh not in skip]
    values = [head] + rows
    header_row, cols = header_of(spec, values)
    return Table(spec, spec.zh, header_row, cols, [(r, row) for r, row in enumerate(values[1:], start=2)])


def _both(table: Table) -> tuple[list, list]:
    fast = parse.parse_documents(table, "book.xlsx", None, MASTERS)
    plain = columns.Columns.document
    try:
        columns.Columns.document = lambda self, *a: None         # every document through the row path
        slow = parse.parse_documents(table, "book.xlsx", None, MASTERS)
    finally:
        columns.Columns.document = plain
    return fast, slow


def _same(fast, slow) -> None:
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        assert (a.doc_no, a.rows, a.digest, a.date) == (b.doc_no, b.rows, b.digest, b.date)
        assert a.document == b.document
        assert a.parts == b.parts
        assert [(p.code, p.message, p.message_en, p.source) for p in a.problems] == \
               [(p.code, p.message, p.message_en, p.source) for p in b.problems]


@st.composite
def sheets(draw):
    spec = draw(st.sampled_from([s for s in POSTED_SHEETS if s not in (OPENING_STOCK, OPENING_BALANCES, OPENING_CASH)]
                                + [PURCHASES, SALES]))
    read = {c.zh: c for c in spec.columns if c.kind not in ("status", "system")}
    key = spec.key
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        row = []
        for c in spec.columns:
            if c.zh == key:
                row.append(draw(st.sampled_from(["D1", "D2", "D3", " D1", 7.0, None])))
            elif c.zh in read:
                row.append(draw(_cell(spec, c)))
            else:
                row.append(None)
        rows.append(row)
    return spec, rows


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets())
def test_every_sheet_reads_column_wise_exactly_as_row_by_row(sheet):
    spec, rows = sheet
    fast, slow = _both(_table(spec, rows))
    _same(fast, slow)
    FAST_BUILT.append(sum(d.document is not None for d in fast))


FAST_BUILT: list[int] = []


def test_the_random_sheets_above_built_documents():
    """(after the property) many of its sheets had documents to build, not only errors"""
    assert sum(FAST_BUILT) > 50


def test_plain_rows_never_go_through_the_row_path(monkeypatch):
    rows = [["CG1", dt.datetime(2026, 3, 5), "入库", "S01", "WH1", "I001", 10, 2.5, None, None, "", ""],
            ["CG1", dt.datetime(2026, 3, 5), "入库", "S01", "WH1", "I002", 3, 1.25, None, None, "", ""],
            ["CG2", dt.datetime(2026, 3, 6), "入库", "华南供应", "WH1", "I001", 4, 2, None, None, "", ""]]
    head = ["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价", "金额", "原单号", "备注", "状态"]
    values = [head] + rows
    header_row, cols = header_of(PURCHASES, values)
    table = Table(PURCHASES, "采购", header_row, cols, [(r, row) for r, row in enumerate(rows, start=2)])
    fast, slow = _both(table)
    _same(fast, slow)
    monkeypatch.setattr(parse, "_document", lambda *a, **k: pytest.fail("a plain row went through the row path"))
    docs = parse.parse_documents(table, "book.xlsx", None, MASTERS)
    assert [d.doc_no for d in docs] == ["CG1", "CG2"] and all(d.document for d in docs)
    assert docs[0].document.lines[1].price == 1.25 and docs[1].document.party == "华南供应"
    # plain purchases come packed (domain.packed: integers, no model per line), equal to their models
    assert all(isinstance(d.document, Packed) for d in docs)
    assert [d.document.units[1][5:] for d in docs[:1]] == [(30000, 1250000, None, None, None, None, None, None, None, None)]


def test_taxed_rows_priced_by_one_price_come_packed():
    """A 税率 typed, priced by 单价 or by 含税单价 alone (the bench's taxed post): packed, equal to the
    row path's model; one typing its 税额 or both prices is the model's."""
    head = ["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价", "金额", "原单号", "备注", "状态",
            "订单号", "税率", "含税单价", "税额"]
    base = [dt.datetime(2026, 3, 5), "入库", "S01", "WH1", "I001", 10]
    rows = [["CG1", *base, 2.5, None, None, "", "", None, "13%", None, None],
            ["CG1", *base, None, None, None, "", "", None, "9%", 2.83, None],
            ["CG2", *base, 2.5, None, None, "", "", None, "13%", None, 3.25],
            ["CG3", *base, 2.5, None, None, "", "", None, "13%", 2.83, None]]
    header_row, cols = header_of(PURCHASES, [head] + rows)
    table = Table(PURCHASES, "采购", header_row, cols, [(r, row) for r, row in enumerate(rows, start=2)])
    fast, slow = _both(table)
    _same(fast, slow)
    assert [isinstance(d.document, Packed) for d in fast] == [True, False, False]
    assert [line.tax_rate for line in fast[0].document.lines] == [Decimal("0.13"), Decimal("0.09")]
    assert [line.price_with_tax for line in fast[0].document.lines] == [None, Decimal("2.83")]


def test_plain_transfers_counts_and_other_moves_come_packed():
    """调拨, 盘点 and 其他出入库 rows with nothing questionable: packed (domain.packed's stock lines),
    equal to the row path's models; a 单位成本 typed below 0 or a count's 数量 of -1 is the model's."""
    day = dt.datetime(2026, 3, 5)
    sheets = [(TRANSFERS, [["DB1", day, "WH1", "WH2", "I001", 3, "", ""], ["DB1", day, "WH1", "WH2", "I002", 1, "", ""]],
               [True]),
              (COUNTS, [["PD1", day, "WH1", "I001", 0, None, None, "", ""], ["PD2", day, "WH1", "I001", -1, None, None,
                                                                           "", ""]], [True, False]),
              (OTHER_MOVES, [["QT1", day, "其他入库", "WH1", "I001", 2, 2.5, "", ""],
                             ["QT2", day, "其他出库", "WH1", "I001", 2, None, "", ""],
                             ["QT3", day, "其他入库", "WH1", "I001", 2, -2.5, "", ""]], [True, True, False])]
    for spec, rows, packed in sheets:
        fast, slow = _both(_table(spec, rows))
        _same(fast, slow)
        assert [isinstance(d.document, Packed) for d in fast] == packed
    assert fast[0].document.lines[0].unit_cost == Decimal("2.5")


def test_plain_order_rows_come_packed_with_their_delivery_dates():
    """采购订单 and 销售订单 rows priced as a purchase's, with a 交货日期 or none, untaxed or at a 税率:
    packed (domain.packed's order lines, each with its 交货日期), equal to the row path's models; one
    typing its 税额 is the model's."""
    day, later = dt.datetime(2026, 3, 5), dt.datetime(2026, 3, 20)
    for spec, party in ((PURCHASE_ORDERS, "S01"), (SALES_ORDERS, "C01")):
        # 单号, 日期, party, 仓库, 商品编码, 数量, 单价, 金额, 交货日期, 备注, 状态, 税率, 含税单价, 税额, 价税合计
        rows = [["DD1", day, party, "WH1", "I001", 10, 2.5, None, later, "", "", None, None, None, None],
                ["DD1", day, party, "WH1", "I002", 3, 1.25, 3.75, None, "急", "", None, None, None, None],
                ["DD2", day, party, "WH1", "I001", 4, None, None, "2026-03-25", "", "", "13%", 11.3, None, None],
                ["DD3", day, party, "WH1", "I001", 4, 2.5, None, later, "", "", "13%", None, 1.3, None]]
        fast, slow = _both(_table(spec, rows))
        _same(fast, slow)
        assert [isinstance(d.document, Packed) for d in fast] == [True, True, False]
        assert [line.delivery_date for d in fast[:2] for line in d.document.lines] == \
            [later.date(), None, dt.date(2026, 3, 25)]
        assert fast[0].document.lines[1].amount == Decimal("3.75") and fast[1].document.lines[0].tax_rate == Decimal("0.13")


def test_plain_opening_stock_rows_come_packed(monkeypatch):
    """期初库存 (read row by row, one document a row): a row with a good 数量 and 单位成本 comes packed,
    as the model it would otherwise be (its parts too); a 数量 of 0 is the model's, a row in error none."""
    day = dt.datetime(2026, 1, 1)
    table = _table(OPENING_STOCK, [[day, "WH1", "I001", 10, 2.5, ""], [day, "WH1", "I002", 0, 2.5, ""],
                                   [day, "WH1", "I003", 3, None, ""]])
    fast = parse.parse_documents(table, "book.xlsx")
    monkeypatch.setattr(parse, "pack", lambda *args: None)
    slow = parse.parse_documents(table, "book.xlsx")
    _same(fast, slow)
    assert [type(d.document).__name__ for d in fast] == ["Packed", "Document", "NoneType"]


def test_a_sheet_without_an_optional_column_reads_alike():
    spec = SALES
    skip = {c.zh for c in spec.columns if not c.required and c.kind not in ("status",)}
    rows = [["XS1", dt.datetime(2026, 3, 5), "出库", "C01", "WH1", "I001", 2, 9.9]]
    table = _table(spec, [r + [None] * 8 for r in rows], skip)
    fast, slow = _both(table)
    assert fast[0].document is not None
    _same(fast, slow)


def test_only_the_rows_of_documents_to_read_are_converted(monkeypatch):
    """500 new lines typed into a posted 100,000-line book: the posted documents are known by
    their digest, and only the new document's rows are converted (and the order stays the sheet's)."""
    head = ["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价", "金额", "原单号", "备注", "状态"]
    rows = [[f"CG{n}", dt.datetime(2026, 3, 5), "入库", "S01", "WH1", f"I{n:03d}", n, 2.5, None, None, "", ""]
            for n in range(1, 41)]
    values = [head] + rows
    header_row, cols = header_of(PURCHASES, values)
    table = Table(PURCHASES, "采购", header_row, cols, [(r, row) for r, row in enumerate(rows, start=2)])
    first = parse.parse_documents(table, "book.xlsx", None, MASTERS)
    known = {(d.journal, d.doc_no): d.digest for d in first if d.doc_no not in ("CG7", "CG33")}
    converted = []
    built = columns.Columns.__init__

    def counting(self, table, wanted):
        converted.extend(wanted)
        built(self, table, wanted)
    monkeypatch.setattr(columns.Columns, "__init__", counting)
    again = parse.parse_documents(table, "book.xlsx", known, MASTERS)
    assert sorted(table.rows[i][0] for i in converted) == [8, 34]           # CG7's and CG33's rows only
    assert [d.doc_no for d in again] == [d.doc_no for d in first]
    assert [d.document for d in again if not d.unchanged] == [first[6].document, first[32].document]


def test_a_master_code_has_a_codes_length_and_a_name_a_texts():
    """商品编码 is a code (100 characters at most), 商品名称 text (1,000): the master row path
    tells them apart by the sheet's code columns."""
    from jxc_xl.sheets.contract import ITEMS
    head = [c.zh for c in ITEMS.columns]
    rows = [["A" * 101, "螺丝"], ["A002", "名" * 101], ["A003", "名" * 1001]]
    values = [head] + [r + [None] * (len(head) - 2) for r in rows]
    header_row, cols = header_of(ITEMS, values)
    table = Table(ITEMS, "商品", header_row, cols, [(r, row) for r, row in enumerate(values[1:], start=2)])
    items, problems = parse.parse_items(table, "book.xlsx")
    assert [i.sku for i in items] == ["A002"]
    assert [(p.code, p.source.row, p.field, p.args["limit"]) for p in problems] == \
        [("too_long", 2, "商品编码", 100), ("too_long", 4, "商品名称", 1000)]
