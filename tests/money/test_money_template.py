"""`jxc new` and money: the 资金 sheets, their drop-down lists and widths, 科目's defaults, and a
说明 that tells a clerk about them."""
from __future__ import annotations

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from jxc_xl.io.template import new_workbook
from jxc_xl.sheets.contract import CHART


def _list(ws, column: str) -> str | None:
    """The drop-down list a column's cells offer (its formula), by header."""
    letter = get_column_letter([c.value for c in ws[1]].index(column) + 1)
    return next((dv.formula1 for dv in ws.data_validations.dataValidation
                 if f"{letter}2" in str(dv.sqref) and dv.type == "list"), None)


def _width(ws, column: str) -> float:
    """A column's width, by its header (row 1; a generated sheet's row 2, under its note)."""
    head = next(row for row in ([c.value for c in r] for r in ws.iter_rows(max_row=2)) if column in row)
    return ws.column_dimensions[get_column_letter(head.index(column) + 1)].width


def test_a_new_workbook_has_the_money_sheets_with_their_lists(tmp_path):
    wb = openpyxl.load_workbook(new_workbook(tmp_path / "n.xlsx"))
    assert {"账户", "期初资金", "其他收支", "核销", "科目", "资金", "资金日记账"} <= set(wb.sheetnames)
    assert _list(wb["其他收支"], "业务类型") == '"费用,其他收入,转账"'
    assert _list(wb["核销"], "业务类型") == '"预收冲应收,预付冲应付,应收冲应付"'
    assert _list(wb["收付款"], "业务类型") == '"收款,付款,预收,预付"'
    assert _list(wb["账户"], "类型") == '"现金,银行,微信,支付宝,其他"'
    assert _list(wb["往来单位"], "类型") == '"客户,供应商,客户及供应商"'
    assert _list(wb["科目"], "用途") == '"' + ",".join(row[0] for row in CHART.filled) + '"'
    for sheet, column in (("收付款", "账户"), ("其他收支", "账户"), ("其他收支", "转入账户"), ("期初资金", "账户")):
        assert _list(wb[sheet], column) == "账户列表", (sheet, column)
    assert isinstance(wb.defined_names["账户列表"], DefinedName)
    assert "'账户'!$A$2" in wb.defined_names["账户列表"].attr_text
    chart = [tuple(c.value for c in row) for row in wb["科目"].iter_rows(min_row=2) if row[0].value]
    assert chart == list(CHART.filled)                                # the 小企业会计准则 defaults, editable
    assert _width(wb["科目"], "科目名称") >= 28 and _width(wb["账户"], "账号") >= 20
    assert _width(wb["其他收支"], "备注") >= 16 and _width(wb["资金日记账"], "摘要") >= 24


def test_the_guide_tells_of_accounts_other_money_advances_and_vouchers(tmp_path):
    wb = openpyxl.load_workbook(new_workbook(tmp_path / "n.xlsx"))
    guide = "\n".join(str(c.value) for c in wb["说明"]["A"] if c.value)
    for words in ("“账户”", "“期初资金”", "“资金”", "“资金日记账”", "“其他收支”", "预收", "预付", "“核销”", "应收冲应付",
                  "“科目”", "“凭证”", "jxc vouchers"):
        assert words in guide, words
