"""The package's structure as jxc edits it: sheets, Tables, relationships, content types and
the hidden defined names that mark which ledger state a generated sheet shows. All edits go
through ``xml.etree`` elements of the small parts (see :class:`~.package.Package`)."""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from ..sheets.book import OWNER_NAME, ref_sheet, sheet_ref
from ..sheets.contract import SheetSpec
from .package import DOC_REL, MAIN, Package, damaged, resolve

_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.{}+xml"
WORKSHEET_ROOT = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  f'<worksheet xmlns="{MAIN}" xmlns:r="{DOC_REL}">').encode()


@dataclass
class TablePart:
    part: str
    sheet: str                    # the part of the sheet that refers to it
    id: int
    name: str
    columns: list[str]


def tables(pkg: Package) -> list[TablePart]:
    """Every Table a sheet refers to (Excel loads no other), with its id, name and columns."""
    found = []
    for _, sheet in pkg.sheets():
        if not sheet or not pkg.has(pkg.rels_name(sheet)):
            continue
        for _, part in pkg.targets(sheet, "table"):
            if pkg.has(part):
                root = pkg.xml(part)
                found.append(TablePart(part, sheet, int(root.get("id", "0")) if root.get("id", "").isdigit() else 0,
                                    root.get("name") or root.get("displayName") or "",
                                    [c.get("name", "") for c in root.iter(f"{{{MAIN}}}tableColumn")]))
    return found


def grow_tables(pkg: Package, sheet: str, last_row: int) -> None:
    """The sheet's Tables reaching down to ``last_row`` at least: rows jxc wrote under a Table
    (a 盘点表 it filled, rows a clerk typed below it where nothing grew it) become its rows, with
    its banding, filter and sorting."""
    for table in tables(pkg):
        if table.sheet != sheet:
            continue
        root = pkg.xml(table.part)
        first, _, last = root.get("ref", "").partition(":")
        found = re.fullmatch(r"([A-Z]+)(\d+)", last)
        if found and int(found.group(2)) < last_row and re.fullmatch(r"[A-Z]+\d+", first):
            ref = f"{first}:{found.group(1)}{last_row}"
            root = pkg.xml(table.part, edit=True)
            root.set("ref", ref)
            for auto in root.iter(f"{{{MAIN}}}autoFilter"):
                auto.set("ref", ref)


def table_xml(spec: SheetSpec, table_id: int, ref: str) -> bytes:
    columns = "".join(f'<tableColumn id="{n}" name="{escape(c.zh)}"/>' for n, c in enumerate(spec.columns, 1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="{MAIN}" id="{table_id}" '
            f'name="{spec.en}" displayName="{spec.en}" ref="{ref}" headerRowCount="1"><autoFilter ref="{ref}"/>'
            f'<tableColumns count="{len(spec.columns)}">{columns}</tableColumns><tableStyleInfo '
            f'name="TableStyleLight15" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
            f'showColumnStripes="0"/></table>').encode("utf-8")


def free_part(pkg: Package, pattern: str) -> str:
    n = 1
    while pkg.has(pattern.format(n)):
        n += 1
    return pattern.format(n)


def add_sheet(pkg: Package, name: str) -> str:
    """A new, empty worksheet at the end of the workbook: its part, relationship, <sheet> entry
    and content type. Returns the part."""
    workbook = pkg.workbook_part
    root = pkg.xml(workbook, edit=True)
    sheets = root.find(f"{{{MAIN}}}sheets")
    if sheets is None:
        raise damaged(pkg.path, workbook)
    part = free_part(pkg, posixpath.join(posixpath.dirname(workbook), "worksheets/sheet{}.xml"))
    pkg.put(part, WORKSHEET_ROOT + b"<sheetData/></worksheet>")
    ids = [int(s.get("sheetId")) for s in sheets if s.get("sheetId", "").isdigit()]
    ET.SubElement(sheets, f"{{{MAIN}}}sheet", {"name": name, "sheetId": str(max(ids, default=0) + 1),
                                                f"{{{DOC_REL}}}id": relate(pkg, workbook, "worksheet", part)})
    declare(pkg, part, "worksheet")
    return part


def relate(pkg: Package, source: str, kind: str, target: str) -> str:
    """A new relationship of ``source`` to ``target``; returns its id."""
    name = pkg.rels_name(source)
    if not pkg.has(name):
        pkg.put(name, f'<Relationships xmlns="{_PKG_REL}"/>'.encode())
    rels = pkg.xml(name, edit=True)
    ids = {rel.get("Id") for rel in rels}
    rid = next(f"rId{n}" for n in range(1, len(ids) + 2) if f"rId{n}" not in ids)
    ET.SubElement(rels, f"{{{_PKG_REL}}}Relationship", {
        "Id": rid, "Type": f"{DOC_REL}/{kind}", "Target": posixpath.relpath(target, posixpath.dirname(source))})
    return rid


def unrelate(pkg: Package, source: str, target: str) -> None:
    rels = pkg.xml(pkg.rels_name(source), edit=True)
    for rel in list(rels):
        if rel.get("TargetMode") != "External" and resolve(source, rel.get("Target", "")) == target:
            rels.remove(rel)


def declare(pkg: Package, part: str, kind: str | None, raw: bool = False) -> None:
    """The part's content type in [Content_Types].xml (``kind`` None: its override removed; a
    SpreadsheetML kind such as "worksheet", or with ``raw`` the whole content type)."""
    types = pkg.xml("[Content_Types].xml", edit=True)
    for override in types.findall(f"{{{_TYPES}}}Override"):
        if override.get("PartName", "").lower() == "/" + part.lower():
            types.remove(override)
    if kind:
        ET.SubElement(types, f"{{{_TYPES}}}Override", {"PartName": "/" + part, "ContentType": kind if raw else _CONTENT.format(kind)})


def mark_name(spec: SheetSpec) -> str:
    return f"_jxc_{spec.en}"


def defined_mark(pkg: Package, spec: SheetSpec) -> str | None:
    """The ledger state a generated sheet shows, from its hidden defined name."""
    for name in pkg.xml(pkg.workbook_part).iter(f"{{{MAIN}}}definedName"):
        if name.get("name") == mark_name(spec):
            return (name.text or "").strip().strip('"')
    return None


def defined_names(pkg: Package) -> ET.Element:
    """The workbook's <definedNames>, made where the schema puts it if there is none."""
    root = pkg.xml(pkg.workbook_part, edit=True)
    names = root.find(f"{{{MAIN}}}definedNames")
    if names is None:                    # after sheets, functionGroups, externalReferences
        before = [i for i, el in enumerate(root) if el.tag.rpartition("}")[2] in
                  ("sheets", "functionGroups", "externalReferences")]
        names = ET.Element(f"{{{MAIN}}}definedNames")
        root.insert(max(before, default=len(root) - 1) + 1, names)
    return names


def set_mark(pkg: Package, spec: SheetSpec, mark: str) -> None:
    """The hidden defined name that says which ledger state a generated sheet shows."""
    _set_name(pkg, mark_name(spec), f'"{mark}"')


def set_owner(pkg: Package, spec: SheetSpec, sheet: str) -> None:
    """The hidden defined name that marks ``sheet`` as the one jxc writes ``spec`` on."""
    _set_name(pkg, OWNER_NAME.format(spec.en), sheet_ref(sheet))


def owned_sheets(pkg: Package) -> set[str]:
    """The sheets jxc's markers name (workbook-wide names only: a sheet's own copy of a name,
    made when a sheet is copied in Excel, marks nothing)."""
    prefix = OWNER_NAME.format("")
    return {ref_sheet(n.text or "") for n in pkg.xml(pkg.workbook_part).iter(f"{{{MAIN}}}definedName")
            if n.get("name", "").startswith(prefix) and n.get("localSheetId") is None} - {None}


def _set_name(pkg: Package, name: str, value: str) -> None:
    names = defined_names(pkg)
    for old in list(names):
        if old.get("name") == name and old.get("localSheetId") is None:
            names.remove(old)
    ET.SubElement(names, f"{{{MAIN}}}definedName", {"name": name, "hidden": "1"}).text = value
