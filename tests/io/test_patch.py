"""The patching writer's row surgery and error marks on hand-made sheet XML (attribute orders and
element layouts other writers use)."""
import sys
import zipfile

import pytest

from jxc_xl.io.package import MAIN, Package
from jxc_xl.io.sheetdata import _top_elements, marked, patch_sheet, sheet_chunks, with_marks
from jxc_xl.io.styles import Styles

STYLES = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/>'
          b'</fill></fills><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          b'</cellXfs><tableStyles count="0"/></styleSheet>')


@pytest.fixture
def styles(tmp_path):
    """styles.xml in a real package, as the writer edits it."""
    path = tmp_path / "styles.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/styles.xml", STYLES)
    with Package(path) as pkg:
        yield Styles(pkg, "xl/styles.xml")


def _children(root) -> list[str]:
    return [el.tag.rpartition("}")[2] for el in root]


def sheet(rows: bytes, tail: bytes = b"<pageMargins/>") -> bytes:
    return b'<worksheet><sheetData>' + rows + b'</sheetData>' + tail + b'</worksheet>'


def test_rows_found_by_their_number_are_rewritten_in_place(styles):
    xml = sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row r="2"/>'
                b'<row r="3"><c r="B3" s="4"><v>5</v></c></row>')
    out = patch_sheet(xml, {3: {1: ("ok", None), 2: (6, None)}, 2: {2: (7, None)}}, styles)
    assert b'<row r="2"><c r="B2"><v>7</v></c></row>' in out
    assert b'<row r="3"><c r="A3" t="inlineStr"><is><t xml:space="preserve">ok</t></is></c><c r="B3" s="4"><v>6</v></c></row>' in out
    assert out.startswith(b'<worksheet><sheetData><row r="1"><c r="A1"') and out.endswith(b'<pageMargins/></worksheet>')


@pytest.mark.parametrize("found", [True, False], ids=["rows found", "full walk"])
def test_a_patched_sheet_is_three_pieces_that_hold_nothing_of_the_sheet_read(styles, found):
    """Issue 24 (memory): the patched sheet waits for saving as its XML before the rows, its rows in
    one buffer and its tail, never as views of the sheet read (which would keep it alive) nor as two
    objects per edited row (84 MB of a 100,000-line post's save)."""
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in range(1, 2001))
    xml = sheet(rows if found else rows.replace(b'<row r="7">', b'<row spans="1:1" r="7">'))
    before = sys.getrefcount(xml)
    chunks = sheet_chunks(xml, {r: {2: ("已过账", None)} for r in range(2, 2001, 2)}, styles)
    assert sys.getrefcount(xml) == before                     # nothing of it kept: let go when the caller is done
    assert len(chunks) == 3 and not any(isinstance(c, memoryview) for c in chunks)
    out = b"".join(chunks)
    assert out == patch_sheet(xml, {r: {2: ("已过账", None)} for r in range(2, 2001, 2)}, styles)
    assert out.count("已过账".encode()) == 1000 and b'<row r="1999"><c r="A1999"><v>1999</v></c></row>' in out


def test_missing_rows_and_other_attribute_orders_take_the_full_walk(styles):
    xml = sheet(b'<row spans="1:2" r="1"><c r="A1"><v>1</v></c></row><row ht="15" r="4"><c r="A4"><v>4</v></c></row>')
    out = patch_sheet(xml, {2: {2: ("=not a formula", None)}, 6: {1: (1, None)}}, styles)
    body = out.split(b"<sheetData>")[1]
    assert body.index(b'r="1"') < body.index(b'<row r="2">') < body.index(b'r="4"') < body.index(b'<row r="6">')
    assert b't="inlineStr"><is><t xml:space="preserve">=not a formula</t>' in out   # text, never a formula


def test_a_written_date_shows_as_a_date_and_a_number_as_its_column(styles):
    """Issue 21.6: a date the program writes carries a date format, a number its column's; the
    cell's own looks (its fill here) stay, and a number format the cell has of its own is kept."""
    import datetime as dt
    from decimal import Decimal
    filled = styles.style(fill="FFDDEBF7")
    own = styles.style("0.0")
    xml = sheet(f'<row r="2"><c r="A2" s="{filled}"/><c r="C2" s="{own}"/></row>'.encode())
    out = patch_sheet(xml, {2: {1: (dt.date(2026, 12, 5), None), 2: (Decimal("12.5"), "#,##0.00##"),
                                3: (Decimal(3), "#,##0.00##")},
                            3: {1: (dt.date(2026, 12, 6), "yyyy-mm-dd"), 4: ("已过账", None)}}, styles)
    xfs = styles.root.find(f"{{{MAIN}}}cellXfs")
    formats = {f.get("numFmtId"): f.get("formatCode") for f in styles.root.iter(f"{{{MAIN}}}numFmt")}

    def look(ref: str) -> tuple[str, str]:
        import re
        s = int(re.search(rb'<c r="%s" s="(\d+)"' % ref.encode(), out).group(1))
        xf = xfs[s]
        return formats.get(xf.get("numFmtId"), xf.get("numFmtId")), xf.get("fillId")

    assert look("A2") == ("yyyy-mm-dd", xfs[filled].get("fillId"))      # a date, and still filled
    assert look("B2")[0] == "#,##0.00##" and look("C2")[0] == "0.0"      # the column's; the cell's own
    assert look("A3")[0] == "yyyy-mm-dd"
    assert b'<c r="D3" t="inlineStr">' in out                            # text takes no format
    assert b"<v>46361</v>" in out


def test_marks_go_in_their_place_in_the_element_order_and_first_in_priority(styles):
    user_rule = (b'<conditionalFormatting sqref="A1:A9"><cfRule type="cellIs" dxfId="0" priority="1" operator="lessThan">'
                 b'<formula>0</formula></cfRule></conditionalFormatting>')
    tail = (b'<sheetProtection sheet="1"/><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>' + user_rule +
            b'<dataValidations count="1"><dataValidation sqref="C2" prompt="a&gt;b"><formula1>"x"</formula1>'
            b'</dataValidation></dataValidations><pageMargins/><extLst><ext><cfRule priority="3"/></ext></extLst>')
    out = with_marks(sheet(b"", tail), {(2, 3), (2, 4), (5, 1)}, styles)
    names = [name for name, _, _ in _top_elements(out.split(b"</sheetData>")[1])]
    assert names == [b"sheetProtection", b"mergeCells", b"conditionalFormatting", b"conditionalFormatting",
                     b"dataValidations", b"pageMargins", b"extLst"]
    assert b'<conditionalFormatting sqref="C2:D2 A5"><cfRule type="expression" dxfId="0" priority="1">' in out
    assert b'priority="2" operator="lessThan"' in out and b'<cfRule priority="4"/>' in out   # theirs after ours
    fill = styles.root.find(f"{{{MAIN}}}dxfs/{{{MAIN}}}dxf/{{{MAIN}}}fill/{{{MAIN}}}patternFill/{{{MAIN}}}fgColor")
    assert fill.get("rgb") == "FFFFC7CE" and styles.root.find(f"{{{MAIN}}}dxfs").get("count") == "1"
    assert _children(styles.root) == ["fills", "cellXfs", "dxfs", "tableStyles"]
    assert marked(out) == {(2, 3), (2, 4), (5, 1)}
    again = with_marks(out, {(5, 1)}, styles)                   # replaced, not added to; theirs kept
    assert marked(again) == {(5, 1)} and again.count(b"<conditionalFormatting") == 2
    assert b'priority="2" operator="lessThan"' in again                  # no creeping priorities
    cleared = with_marks(again, set(), styles)
    assert marked(cleared) == set() and cleared == sheet(b"", tail.replace(b'priority="1"', b'priority="2"')
                                                                   .replace(b'priority="3"', b'priority="4"'))


def test_marks_on_a_sheet_with_nothing_after_its_rows(styles):
    out = with_marks(b'<worksheet><sheetData/></worksheet>', {(3, 2)}, styles)
    assert out.startswith(b'<worksheet><sheetData/><conditionalFormatting sqref="B3">')


def test_styles_are_reused_and_sections_made_in_the_schemas_order(styles):
    first = styles.style("#,##0.00", bold=True, fill="FFDDEBF7")
    assert styles.style("#,##0.00", bold=True, fill="FFDDEBF7") == first == 1
    assert _children(styles.root) == ["numFmts", "fonts", "fills", "cellXfs", "tableStyles"]
    number = styles.root.find(f"{{{MAIN}}}numFmts/{{{MAIN}}}numFmt")
    assert number.get("numFmtId") == "164" and number.get("formatCode") == "#,##0.00"
    assert styles.style("0.0000") == 2 and len(styles.root.find(f"{{{MAIN}}}numFmts")) == 2
    assert styles.root.find(f"{{{MAIN}}}fills").get("count") == "3"       # the two of Excel's, and ours
