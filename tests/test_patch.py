"""The patching writer's row surgery and error marks on hand-made sheet XML (attribute orders and
element layouts other writers use)."""
from jxc_xl.io.patch import Styles, _marked, _patch_sheet, _top_elements, _with_marks

STYLES = (b'<styleSheet><fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/>'
          b'</fill></fills><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          b'</cellXfs><tableStyles count="0"/></styleSheet>')


def sheet(rows: bytes, tail: bytes = b"<pageMargins/>") -> bytes:
    return b'<worksheet><sheetData>' + rows + b'</sheetData>' + tail + b'</worksheet>'


def test_rows_found_by_their_number_are_rewritten_in_place():
    xml = sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row r="2"/>'
                b'<row r="3"><c r="B3" s="4"><v>5</v></c></row>')
    out = _patch_sheet(xml, {3: {1: "ok", 2: 6}, 2: {2: 7}})
    assert b'<row r="2"><c r="B2"><v>7</v></c></row>' in out
    assert b'<row r="3"><c r="A3" t="inlineStr"><is><t xml:space="preserve">ok</t></is></c><c r="B3" s="4"><v>6</v></c></row>' in out
    assert out.startswith(b'<worksheet><sheetData><row r="1"><c r="A1"') and out.endswith(b'<pageMargins/></worksheet>')


def test_missing_rows_and_other_attribute_orders_take_the_full_walk():
    xml = sheet(b'<row spans="1:2" r="1"><c r="A1"><v>1</v></c></row><row ht="15" r="4"><c r="A4"><v>4</v></c></row>')
    out = _patch_sheet(xml, {2: {2: "=not a formula"}, 6: {1: 1}})
    body = out.split(b"<sheetData>")[1]
    assert body.index(b'r="1"') < body.index(b'<row r="2">') < body.index(b'r="4"') < body.index(b'<row r="6">')
    assert b't="inlineStr"><is><t xml:space="preserve">=not a formula</t>' in out   # text, never a formula


def test_marks_go_in_their_place_in_the_element_order_and_first_in_priority():
    user_rule = (b'<conditionalFormatting sqref="A1:A9"><cfRule type="cellIs" dxfId="0" priority="1" operator="lessThan">'
                 b'<formula>0</formula></cfRule></conditionalFormatting>')
    tail = (b'<sheetProtection sheet="1"/><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>' + user_rule +
            b'<dataValidations count="1"><dataValidation sqref="C2" prompt="a&gt;b"><formula1>"x"</formula1>'
            b'</dataValidation></dataValidations><pageMargins/><extLst><ext><cfRule priority="3"/></ext></extLst>')
    styles = Styles(STYLES)
    out = _with_marks(sheet(b"", tail), {(2, 3), (2, 4), (5, 1)}, styles)
    names = [name for name, _, _ in _top_elements(out.split(b"</sheetData>")[1])]
    assert names == [b"sheetProtection", b"mergeCells", b"conditionalFormatting", b"conditionalFormatting",
                     b"dataValidations", b"pageMargins", b"extLst"]
    assert b'<conditionalFormatting sqref="C2:D2 A5"><cfRule type="expression" dxfId="0" priority="1">' in out
    assert b'priority="2" operator="lessThan"' in out and b'<cfRule priority="4"/>' in out   # theirs after ours
    assert b"<dxfs count=\"1\"><dxf><fill><patternFill patternType=\"solid\"><fgColor rgb=\"FFFFC7CE\"/>" in styles.xml.encode()
    assert styles.xml.index("<dxfs") < styles.xml.index("<tableStyles")
    assert _marked(out) == {(2, 3), (2, 4), (5, 1)}
    again = _with_marks(out, {(5, 1)}, styles)                   # replaced, not added to; theirs kept
    assert _marked(again) == {(5, 1)} and again.count(b"<conditionalFormatting") == 2
    assert b'priority="2" operator="lessThan"' in again                  # no creeping priorities
    cleared = _with_marks(again, set(), styles)
    assert _marked(cleared) == set() and cleared == sheet(b"", tail.replace(b'priority="1"', b'priority="2"')
                                                                   .replace(b'priority="3"', b'priority="4"'))


def test_marks_on_a_sheet_with_nothing_after_its_rows():
    out = _with_marks(b'<worksheet><sheetData/></worksheet>', {(3, 2)}, Styles(STYLES))
    assert out.startswith(b'<worksheet><sheetData/><conditionalFormatting sqref="B3">')
