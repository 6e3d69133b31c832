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
