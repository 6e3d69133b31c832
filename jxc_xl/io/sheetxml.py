"""A sheet's cell values straight from its XML: where calamine cannot read a sheet (its own
errors, or a Rust panic on an out-of-range date serial) it is read here, so no cell value can
stop a run; and the formula error values (#N/A…) calamine leaves out."""
from __future__ import annotations

import io
import math
import re
from xml.etree import ElementTree as ET

from ..sheets.book import cell_range, column_number
from .package import Package, damaged

MAX_ROW, MAX_COL = 1_048_576, 16_384           # Excel's grid: cells beyond it are not Excel's


def read_sheet_xml(pkg: Package, part: str) -> tuple[list[list], list[tuple[int, int, int, int]]]:
    """A sheet's values and merged areas straight from its XML: shared and inline strings,
    numbers (dates stay serial numbers; the parse layer reads those), booleans, error texts.
    Whatever a cell holds, it comes back as a value, never as an exception."""
    strings = _shared_strings(pkg)
    cells: dict[tuple[int, int], object] = {}
    merged: list[tuple[int, int, int, int]] = []
    row = col = 0
    try:
        for event, el in ET.iterparse(io.BytesIO(pkg.read(part)), events=("start", "end")):
            tag = el.tag.rpartition("}")[2]
            if event == "start":
                if tag == "row":
                    row, col = _int(el.get("r"), row + 1), 0
                continue
            if tag == "c":
                row, col = _cell_ref(el.get("r"), row, col + 1)
                value = _cell_value(el, strings)
                if value is not None and row <= MAX_ROW and col <= MAX_COL:
                    cells[(row, col)] = value
                el.clear()
            elif tag == "mergeCell":
                found = cell_range(el.get("ref", ""))
                if found:
                    merged.append(found)
    except ET.ParseError as exc:
        raise damaged(pkg.path, part) from exc
    return _grid(cells), merged


def _grid(cells: dict[tuple[int, int], object]) -> list[list]:
    rows = max((r for r, _ in cells), default=0)
    width = max((c for _, c in cells), default=0)
    grid = [[None] * width for _ in range(rows)]
    for (r, c), value in cells.items():
        grid[r - 1][c - 1] = value
    return grid


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


def _cell_ref(ref: str | None, row: int, col: int) -> tuple[int, int]:
    found = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", ref or "")
    if not found:
        return row, col
    return int(found.group(2)), column_number(found.group(1).upper())


def _cell_value(el: ET.Element, strings: list[str]) -> object:
    kind = el.get("t", "n")
    if kind == "inlineStr":
        inline = next((child for child in el if child.tag.endswith("is")), None)
        return _text(inline) if inline is not None else None
    v = next((child.text for child in el if child.tag.rpartition("}")[2] == "v"), None)
    if v is None or v == "":
        return None
    if kind == "s":
        index = _int(v.strip(), -1)
        return strings[index] if 0 <= index < len(strings) else None
    if kind == "b":
        return {"1": True, "0": False}.get(v.strip(), v)
    if kind != "n":                                   # str, e, d, and types Excel does not have
        return v
    try:
        number = float(v)
    except ValueError:
        return v
    return number if math.isfinite(number) else v


def _text(el: ET.Element) -> str:
    """A string item's text: its runs, without the phonetic guide (rPh) Excel keeps beside them."""
    parts = []
    for child in el:
        local = child.tag.rpartition("}")[2]
        if local == "t":
            parts.append(child.text or "")
        elif local == "r":
            parts += [t.text or "" for t in child if t.tag.rpartition("}")[2] == "t"]
    return "".join(parts)


def _shared_strings(pkg: Package) -> list[str]:
    found = pkg.targets(pkg.workbook_part, "sharedStrings")
    if not found or not pkg.has(found[0][1]):
        return []
    strings = []
    try:
        for _, el in ET.iterparse(io.BytesIO(pkg.read(found[0][1]))):
            if el.tag.rpartition("}")[2] == "si":
                strings.append(_text(el))
                el.clear()
    except ET.ParseError as exc:
        raise damaged(pkg.path, found[0][1]) from exc
    return strings
