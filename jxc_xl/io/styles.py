"""styles.xml, edited as an element tree: just enough to add the number formats, fonts, fills,
cell styles and differential styles (for conditional formats) that jxc's sheets use.

An item equal to one already there is reused, so saving again adds nothing."""
from __future__ import annotations

import datetime as dt
import posixpath
from xml.etree import ElementTree as ET

from ..sheets.format import BORDER_GREY, BUILTIN_DATES, DATE_FORMAT, GENERAL, GREY_TEXT, TEXT, Exact, format_for
from .package import MAIN, Package, damaged

# styleSheet's children in the schema's order: a missing section goes before the first later one
_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
          "tableStyles", "colors", "extLst")
_FIRST_OWN_FORMAT = 164                    # ids below are Excel's built-in number formats


def styles_part(pkg: Package) -> str:
    found = pkg.targets(pkg.workbook_part, "styles")
    part = found[0][1] if found else posixpath.join(posixpath.dirname(pkg.workbook_part), "styles.xml")
    if not pkg.has(part):
        raise damaged(pkg.path, part)
    return part


def _q(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"


def _item(markup: str) -> ET.Element:
    return ET.fromstring(f'<x xmlns="{MAIN}">{markup}</x>')[0]


def _same(a: ET.Element, b: ET.Element) -> bool:
    return (a.tag == b.tag and a.attrib == b.attrib and (a.text or "").strip() == (b.text or "").strip()
            and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b)))


class Styles:
    def __init__(self, pkg: Package, part: str):
        self.pkg, self.part = pkg, part
        self.root = pkg.xml(part)
        self._restyled: dict[tuple, int] = {}       # (style, kind of value, column format) → style
        self._by_class: dict[tuple, int] = {}       # (style, class of value, column format) → style
        # (a cell's style as its s="…" digits or None, class of value, column format) → the style attribute
        # a cell written with it gets (` s="N"`, or none): a patched row's cells skip for_value and the
        # number's text (measured on bench's taxed save, 500,000 cells, CPU A/B on a shared machine: ~0.2 s of its 4.8 s)
        self.attributes: dict[tuple, str] = {}

    def _section(self, tag: str, create: bool = False) -> ET.Element | None:
        found = self.root.find(_q(tag))
        if found is None and create:
            found = ET.Element(_q(tag))
            later = {_q(t) for t in _ORDER[_ORDER.index(tag) + 1:]}
            at = next((i for i, el in enumerate(self.root) if el.tag in later), len(self.root))
            self.root.insert(at, found)
        return found

    def _add(self, tag: str, markup: str | ET.Element) -> int:
        """The index of an item equal to ``markup`` in section ``tag``, added if none is."""
        item = _item(markup) if isinstance(markup, str) else markup
        section = self._section(tag, create=True)
        items = [el for el in section if el.tag == item.tag]
        for i, el in enumerate(items):
            if _same(el, item):
                return i
        section.append(item)
        section.set("count", str(len(items) + 1))
        self.pkg.xml(self.part, edit=True)          # written back on save
        return len(items)

    def _format(self, code: str) -> int:
        section = self._section("numFmts")
        formats = [] if section is None else list(section.iter(_q("numFmt")))
        for f in formats:
            if f.get("formatCode") == code:
                return int(f.get("numFmtId"))
        new = max([_FIRST_OWN_FORMAT - 1, *(int(f.get("numFmtId", 0)) for f in formats)]) + 1
        section = self._section("numFmts", create=True)
        ET.SubElement(section, _q("numFmt"), numFmtId=str(new), formatCode=code)
        section.set("count", str(len(formats) + 1))
        self.pkg.xml(self.part, edit=True)
        return new

    def style(self, number_format: str | None = None, bold: bool = False, italic_grey: bool = False,
              fill: str | None = None, size: int | None = None, border: bool = False, font: str | None = None,
              center: bool = False) -> int:
        """The index of a cell style (cellXfs) with these looks; ``font`` names the typeface (a
        Chinese sans, see sheets.format.FORM_FONT), else the workbook's default is kept."""
        num = self._format(number_format) if number_format else 0
        font_id = 0
        if bold or size or italic_grey or font:
            named = f'<name val="{font}"/><family val="2"/><charset val="134"/>' if font else ""
            font_id = self._add("fonts", "<font>" + ('<b val="1"/>' if bold else "") +
                                ('<i val="1"/>' if italic_grey else "") +
                                (f'<sz val="{size or 11}"/>' if size or font else "") +
                                (f'<color rgb="{GREY_TEXT}"/>' if italic_grey else "") + named + "</font>")
        fill_id = 0 if fill is None else self._add(
            "fills", f'<fill><patternFill patternType="solid"><fgColor rgb="{fill}"/></patternFill></fill>')
        border_id = self._add("borders", "<border>" + "".join(
            f'<{side} style="thin"><color rgb="{BORDER_GREY}"/></{side}>' for side in ("left", "right", "top", "bottom")) +
            "<diagonal/></border>") if border else 0
        align = ' applyAlignment="1"><alignment horizontal="center" vertical="center"/></xf>' if center else "/>"
        return self._add("cellXfs", f'<xf numFmtId="{num}" fontId="{font_id}" fillId="{fill_id}" borderId="{border_id}" '
                                    f'applyNumberFormat="1" applyFont="1" applyFill="1" applyBorder="1" xfId="0"{align}')

    def _xf(self, index: int) -> ET.Element | None:
        section = self._section("cellXfs")
        found = [] if section is None else [el for el in section if el.tag == _q("xf")]
        return found[index] if 0 <= index < len(found) else None

    def number_format(self, index: int) -> str:
        """The number format code of cell style ``index``: what matters is whether it shows a
        date, text or nothing in particular, so a built-in date format reads as ours and any
        other built-in number format as ``0``."""
        xf = self._xf(index)
        num = int(xf.get("numFmtId", 0)) if xf is not None else 0
        section = self._section("numFmts")
        custom = {int(f.get("numFmtId", -1)): f.get("formatCode") for f in
                  ([] if section is None else section.iter(_q("numFmt")))}
        if num in custom:
            return custom[num] or GENERAL
        return DATE_FORMAT if num in BUILTIN_DATES else TEXT if num == 49 else GENERAL if num == 0 else "0"

    def for_value(self, index: int, value: object, column: str | None) -> int:
        """The style a cell of style ``index`` needs to show ``value`` (see format_for): the same,
        or a copy of it — font, fill, border and alignment kept — with the number format wanted.
        Which it is depends on the value's class alone, so it is remembered by that (a taxed post
        asks it for five cells a row: for_value was 3.1 s of the taxed post's 186 s under cProfile)."""
        key = (index, value.__class__, column)
        found = self._by_class.get(key)
        if found is None:
            found = self._by_class[key] = self._for_value(index, value, column)
        return found

    def _for_value(self, index: int, value: object, column: str | None) -> int:
        if value is None or isinstance(value, (str, bool)) and not isinstance(value, Exact):
            return index                                    # text takes no number format
        key = (index, type(value) if isinstance(value, dt.date) else "number", column)
        if key not in self._restyled:
            self._restyled[key] = self._restyle(index, format_for(value, self.number_format(index), column))
        return self._restyled[key]

    def _restyle(self, index: int, wanted: str | None) -> int:
        if wanted is None:
            return index
        xf = self._xf(index)
        copy = ET.fromstring(ET.tostring(xf)) if xf is not None else _item('<xf numFmtId="0" fontId="0" fillId="0" '
                                                                            'borderId="0" xfId="0"/>')
        copy.set("numFmtId", str(self._format(wanted)))
        copy.set("applyNumberFormat", "1")
        return self._add("cellXfs", copy)

    def dxf(self, rgb: str) -> int:
        """A differential style of a solid fill (both colours: Excel reads a conditional
        format's fill from bgColor, other programs from fgColor)."""
        return self._add("dxfs", f'<dxf><fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/>'
                                 f'<bgColor rgb="{rgb}"/></patternFill></fill></dxf>')

    def count(self) -> int:
        """How many cell styles the workbook has: one added after is in no cell of the file yet."""
        section = self._section("cellXfs")
        return 0 if section is None else sum(1 for el in section if el.tag == _q("xf"))
