"""The patching writer's row surgery on hand-made sheet XML (attribute orders other writers use)."""
from jxc_xl.workbook.patch import Styles, _patch_sheet

STYLES = (b'<styleSheet><fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/>'
          b'</fill></fills><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          b'</cellXfs></styleSheet>')


def sheet(rows: bytes) -> bytes:
    return b'<worksheet><sheetData>' + rows + b'</sheetData><pageMargins/></worksheet>'


def test_rows_found_by_their_number_are_rewritten_in_place():
    xml = sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row r="2"/>'
                b'<row r="3"><c r="B3"><v>5</v></c></row>')
    out = _patch_sheet(xml, {3: {1: ("value", "ok")}, 2: {2: ("value", 7)}}, Styles(STYLES))
    assert b'<row r="2"><c r="B2"><v>7</v></c></row>' in out
    assert b'<row r="3"><c r="A3" t="inlineStr"><is><t xml:space="preserve">ok</t></is></c><c r="B3"><v>5</v></c></row>' in out
    assert out.startswith(b'<worksheet><sheetData><row r="1"><c r="A1"') and out.endswith(b'<pageMargins/></worksheet>')


def test_missing_rows_and_other_attribute_orders_take_the_full_walk():
    xml = sheet(b'<row spans="1:2" r="1"><c r="A1"><v>1</v></c></row><row ht="15" r="4"><c r="A4"><v>4</v></c></row>')
    styles = Styles(STYLES)
    out = _patch_sheet(xml, {2: {2: ("value", "=not a formula")}, 4: {"_mark": ({1}, 2)}, 6: {1: ("value", 1)}},
                       styles)
    body = out.split(b"<sheetData>")[1]
    assert body.index(b'r="1"') < body.index(b'<row r="2">') < body.index(b'r="4"') < body.index(b'<row r="6">')
    assert b't="inlineStr"><is><t xml:space="preserve">=not a formula</t>' in out   # text, never a formula
    assert b'<c s="1" r="A4"><v>4</v></c>' in out                                    # highlighted
    assert b"FFFFC7CE" in styles.xml.encode() and styles.changed
