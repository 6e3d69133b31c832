"""The contract as data: each document sheet says how its rows become documents."""
from jxc_xl.sheets.contract import DOCUMENT_SHEETS, PAYMENTS, PURCHASES


def test_each_document_sheet_says_how_its_rows_become_documents():
    for spec in DOCUMENT_SHEETS:
        assert spec.journal and spec.doc_prefix and (spec.types or spec.doc_type)
        assert {c.to for c in spec.at("header")} >= {"date"}
        assert spec.has_lines == bool(spec.at("line"))
        assert {t.journal for t in [*spec.types.values(), spec.doc_type] if t} == {spec.journal}   # domain agrees
    assert PAYMENTS.prefix("付款") == "FK" and PAYMENTS.prefix("收款") == "SK" and PURCHASES.prefix() == "CG"
    assert PURCHASES.type_choices == ["入库", "退货"]


def test_generated_money_columns_show_a_nine_digit_amount_whole():
    """No ### for 123,456,789.00 on a generated sheet, nor on a report (whose widths follow its content)."""
    from decimal import Decimal
    from jxc_xl.sheets.contract import GENERATED
    from jxc_xl.sheets.format import Exact
    from jxc_xl.sheets.layout import Cell, fit_widths, shown_width
    amount = Cell(Exact("123456789.00"), kind="money")
    assert shown_width(amount) == len("123,456,789.00")
    assert all(c.width >= shown_width(amount) + 2 for spec in GENERATED for c in spec.columns if c.kind == "money")
    assert fit_widths([[Cell("合计", "total"), amount, Cell(Decimal("-1234.5"), kind="price")]]) == [6, 16, 13]
