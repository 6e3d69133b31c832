"""增值税 on paper and in a new workbook: the printed 单据 of a taxed document, the template's tax
columns and settings, a line priced only by its 含税单价 in a `jxc new` workbook recalculated by
LibreOffice."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl

from jxc_xl.app.reports import print_document
from jxc_xl.io.patch import PatchBook
from jxc_xl.io.pdf import layout_pdf
from tests.tax.conftest import cells, taxed_book
from tests.wb import post

D = Decimal
DAY = dt.date(2026, 11, 2)


def _purchase(no, sku, qty, price=None, rate=None, with_tax=None, kind="入库", source=None):
    return [no, DAY, kind, "S1", "W", sku, qty, price, None, rate, with_tax, None, None, None, source, None]


def _printed(book: Path, doc_no: str, pdf: Path | None = None) -> tuple[list[list], str]:
    """The 打印 sheet's rows (values) and, ``pdf`` given, the text of its PDF."""
    done, layout = print_document(PatchBook(book), book, doc_no)
    assert done.ok, done.message
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(book)["打印"].iter_rows()]
    text = ""
    if pdf:
        text = subprocess.run(["pdftotext", "-layout", str(layout_pdf(layout, pdf)), "-"], capture_output=True,
                              text=True, check=True).stdout
    return rows, text


def _table(rows: list[list]) -> tuple[list, list[list], list]:
    """The lines' header, the lines and the 合计 row, trailing empty cells cut."""
    at = next(i for i, r in enumerate(rows) if r[:1] == ["商品编码"])
    end = next(i for i in range(at, len(rows)) if rows[i][:1] == ["合计"])
    exact = lambda v: Decimal(repr(v)) if isinstance(v, float) else v       # noqa: E731
    cut = lambda r: [exact(v) for v in r][:len([h for h in rows[at] if h])]  # noqa: E731
    return cut(rows[at]), [cut(r) for r in rows[at + 1:end]], cut(rows[end])


def _words(rows: list[list]) -> list[str]:
    return [str(v) for r in rows for v in r if v not in (None, "")]


def test_a_taxed_document_prints_rate_tax_and_total_and_says_the_total_with_tax_in_words(tmp_path):
    assert shutil.which("soffice") and shutil.which("pdftotext"), "LibreOffice and poppler-utils must be installed"
    book = taxed_book(tmp_path / "b.xlsx", purchases=[
        _purchase("CG1", "A", 10, 1000), _purchase("CG1", "B", 3, with_tax=D("113"))])   # 13% from 设置
    assert not post(book).error_rows
    rows, text = _printed(book, "CG1", tmp_path / "CG1.pdf")
    head, lines, total = _table(rows)
    assert head == ["商品编码", "商品名称", "规格", "单位", "数量", "单价", "金额", "税率", "税额", "价税合计"]
    assert [line[4:] for line in lines] == [[10, 1000, 10000, D("0.13"), 1300, 11300], [3, 100, 300, D("0.13"), 39, 339]]
    assert total[4:] == [13, None, 10300, None, 1339, 11639]
    assert "价税合计（大写）：人民币壹万壹仟陆佰叁拾玖元整" in _words(rows)
    for said in ("采购入库单", "税率", "价税合计", "13%", "1,300.00", "11,639.00", "人民币壹万壹仟陆佰叁拾玖元整"):
        assert said in text, said
    assert "合计金额（大写）" not in text


def test_the_total_in_words_is_of_the_total_with_tax_on_the_contracts_example(tmp_path):
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_purchase("CG1", "A", 10, 1000)])
    assert not post(book).error_rows
    rows, _ = _printed(book, "CG1")
    assert "价税合计（大写）：人民币壹万壹仟叁佰元整" in _words(rows)


def test_a_rate_with_decimals_prints_them(tmp_path):
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_purchase("CG1", "B", 2, 100, rate="1.5%")])
    assert not post(book).error_rows
    _, text = _printed(book, "CG1", tmp_path / "CG1.pdf")
    assert "1.50%" in text and "203.00" in text


def test_a_document_without_tax_prints_exactly_as_before(tmp_path):
    book = taxed_book(tmp_path / "b.xlsx", default_rate=None, purchases=[_purchase("CG1", "B", 4, D("12.5"))])
    assert not post(book).error_rows and cells(book, "采购")[0]["税额"] is None
    rows, text = _printed(book, "CG1", tmp_path / "CG1.pdf")
    head, lines, total = _table(rows)
    assert head == ["商品编码", "商品名称", "规格", "单位", "数量", "单价", "金额"]
    assert [line[4:] for line in lines] == [[4, D("12.5"), 50]] and total[4:] == [4, None, 50]
    assert "合计金额（大写）：人民币伍拾元整" in _words(rows)
    assert "税" not in text and "价税合计" not in text
