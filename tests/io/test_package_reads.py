"""Reading a large part a piece at a time finds what reading it whole finds."""
import zipfile

import pytest

from jxc_xl.io.package import Package


@pytest.mark.parametrize("chunk", [1, 2, 5, 6, 7, 64, 1 << 20])
def test_a_part_read_in_pieces_holds_what_it_holds_whole(tmp_path, chunk):
    path = tmp_path / "p.zip"
    body = b'<c r="A1"><v>1</v></c>' * 50 + b'<c r="B9" t="e"><v>#N/A</v></c>' + b"<c/>" * 9
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("sheet.xml", body)
        z.writestr("plain.xml", body.replace(b't="e"', b't="n"'))
    with Package(path) as pkg:
        assert pkg.holds("sheet.xml", b't="e"', chunk) is True
        assert pkg.holds("plain.xml", b't="e"', chunk) is False
