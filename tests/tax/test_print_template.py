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
from jxc_xl.sheets.format import FORMATS
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


def _validation(ws, column: str) -> str | None:
    """The drop-down list a column's cells offer (its formula), by header."""
    letter = openpyxl.utils.get_column_letter([c.value for c in ws[1]].index(column) + 1)
    return next((dv.formula1 for dv in ws.data_validations.dataValidation
                 if f"{letter}2" in dv.sqref and dv.type == "list"), None)


def test_a_new_workbook_has_the_tax_columns_an_invoice_type_list_and_the_tax_settings(tmp_path):
    from jxc_xl.io.template import new_workbook
    wb = openpyxl.load_workbook(new_workbook(tmp_path / "n.xlsx"))
    for sheet in ("采购", "销售", "采购订单", "销售订单"):
        head = [c.value for c in wb[sheet][1]]
        assert {"税率", "含税单价", "税额", "价税合计"} <= set(head), sheet
        assert wb[sheet].cell(2, head.index("税率") + 1).number_format == FORMATS["rate"]
    for sheet in ("商品", "往来单位"):
        head = [c.value for c in wb[sheet][1]]
        assert wb[sheet].cell(2, head.index("税率") + 1).number_format == FORMATS["rate"]
    assert _validation(wb["采购"], "发票类型") == '"专票,普票,无票"'
    assert "发票类型" not in [c.value for c in wb["销售"][1]]
    settings = wb["设置"]
    rows = {r[0].value: r[1] for r in settings.iter_rows(min_row=2) if r[0].value}
    assert rows["纳税人类型"].value == "小规模纳税人" and rows["默认税率"].value is None
    assert rows["默认税率"].number_format == FORMATS["rate"]
    lists = {dv.formula1 for dv in settings.data_validations.dataValidation if rows["纳税人类型"].coordinate in dv.sqref}
    assert lists == {'"小规模纳税人,一般纳税人"'}
    assert settings.tables["Settings"].ref == f"A1:B{settings.max_row}"
    note = wb["采购"]["H1"].comment.text
    assert "单价" in note and "含税单价" in note                  # 单价 or 含税单价: either is enough


def test_a_line_priced_only_with_tax_in_a_new_workbook_recalculated_by_libreoffice_posts(tmp_path):
    """The template's 金额 formula gives an empty cell (not 0, which would read as a typed 金额 and
    be refused) when 单价 is empty; 过账 works the line out from its 含税单价 and writes 单价 in."""
    from tests.wb import masters, type_rows
    assert shutil.which("soffice"), "LibreOffice (libreoffice-calc) must be installed"
    from jxc_xl.io.template import new_workbook
    book = new_workbook(tmp_path / "n.xlsx")
    masters(book)
    type_rows(book, "设置", [{"项目": "纳税人类型", "值": "一般纳税人"}, {"项目": "默认税率", "值": "13%"}],
              start=next(r for r, row in enumerate(openpyxl.load_workbook(book)["设置"].iter_rows(values_only=True),
                                                   start=1) if row[0] == "纳税人类型"))
    [row] = type_rows(book, "采购", [{"单号": "CG1", "日期": DAY, "业务类型": "入库", "供应商": "S01", "仓库": "WH1",
                                     "商品编码": "A001", "数量": 7, "含税单价": D("9.99")}])
    out = tmp_path / "lo"
    done = subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                           "--calc", "--convert-to", "xlsx", "--outdir", str(out), str(book)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    recalculated = out / book.name
    [typed] = [r for r in cells(recalculated, "采购") if r["单号"] == "CG1"]
    assert str(typed["金额"]).startswith("=IF(")
    amount = openpyxl.load_workbook(recalculated, data_only=True)["采购"].cell(row, 9).value
    assert amount in (None, ""), amount                              # not 0
    report = post(recalculated)
    assert not report.error_rows, report.error_rows
    [posted] = [r for r in cells(recalculated, "采购") if r["单号"] == "CG1"]
    assert str(posted["状态"]).startswith("已过账")
    # 69.93 × 0.13 ÷ 1.13 = 8.045… → 8.05; 金额 61.88; 单价 61.88 ÷ 7 = 8.84
    assert (posted["单价"], posted["税额"], posted["价税合计"]) == (D("8.84"), D("8.05"), D("69.93"))
    assert not post(recalculated).error_rows                          # and it stays posted
