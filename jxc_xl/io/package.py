"""An .xlsx as its parts, and the one-line errors for a file that cannot be used.

:class:`Package` reads and edits the parts of the zip; every problem with the file itself
becomes one :class:`WorkbookError` line. Small XML parts are edited with ``xml.etree``; the
cell data of big sheets is rewritten at the byte level elsewhere (``patch.py``), which is what
makes saving fast.
"""
from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_NS = "http://www.w3.org/XML/1998/namespace"
STRICT = b"http://purl.oclc.org/ooxml/"              # ISO 29500 Strict's namespaces begin so
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)
# a part written as it is made: called when the file is written, it gives the part's bytes in
# pieces, so a 100,000-row sheet is never held whole (see Package.write)
Chunks = Callable[[], Iterable[bytes]]
# bytes inflated at a time by Package.inflated. Measured (tracemalloc) on the bench book's 29 MB
# 采购 sheet: zipfile reads each piece into a buffer of its own and joins it with what it had over,
# so pieces of 16 MB peaked at 77 MB while the sheet was read (the top of the 100,000-line post's
# save), 4 MB at 46 MB, 1 MB at 34 MB and faster too (0.11 → 0.05 s), 256 KB no better.
PIECE = 1 << 20


class WorkbookError(Exception):
    """The workbook file cannot be used (missing, not a workbook, damaged, locked, read-only)."""


def damaged(path: Path, part: str | None = None) -> WorkbookError:
    """The one line for a damaged file: which part, what to do, and the .bak to fall back to."""
    bak = path.with_name(path.name + ".bak")
    where, where_en = (f"（{part} 无法读取）", f" ({part} is unreadable)") if part else ("", "")
    fallback, fallback_en = ((f"；上一版保存在旁边的 {bak.name}，可改用它", f"; the previous version is {bak.name}")
                             if bak.is_file() else ("", ""))
    return WorkbookError(f"工作簿 {path.name} 已损坏{where}：请用 Excel 打开并修复后另存{fallback} / "
                         f"the workbook is damaged{where_en}: open and repair it in Excel{fallback_en}")

def check_format(path: Path) -> None:
    """An .xlsx is a zip holding xl/workbook.xml; say plainly what else it is (an old .xls, a
    password-protected file, an .xlsb, a Strict Open XML workbook) and what to do, before
    anything tries to read it. A Strict workbook reads, but its parts speak namespaces this
    writer does not edit: refused here, it is refused before anything posts."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    name = path.name
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":          # an OLE2 compound file
        if "EncryptedPackage".encode("utf-16-le") in path.read_bytes():
            raise WorkbookError(f"工作簿 {name} 设置了打开密码：请在 Excel 中取消密码（文件 → 信息 → 保护工作簿 → "
                                f"用密码进行加密，清空后保存）再运行 / the workbook is password-protected: remove the password")
        raise WorkbookError(f"{name} 是旧的 .xls 格式：请在 Excel 中打开，选择 文件 → 另存为 → Excel 工作簿 (*.xlsx)，"
                            f"再用新文件 / {name} is an old .xls file: save it as .xlsx in Excel "
                            f"(File → Save As → Excel Workbook)")
    if not head.startswith(b"PK"):
        raise WorkbookError(f"{name} 不是可读取的 Excel 工作簿（.xlsx）/ not a workbook")
    with Package(path) as pkg:
        if not pkg.has(pkg.workbook_part):
            binary = pkg.has("xl/workbook.bin")
            raise WorkbookError(f"{name} 不是可读取的 Excel 工作簿（.xlsx）" +
                                ("：它是二进制工作簿 (.xlsb)，请在 Excel 中另存为 Excel 工作簿 (*.xlsx)" if binary else "") +
                                " / not an .xlsx workbook" + (" (an .xlsb: save it as .xlsx)" if binary else ""))
        if STRICT in pkg.head(pkg.workbook_part, 2048):
            raise WorkbookError(f"{name}：此工作簿是 Strict Open XML 格式：请在 Excel 中另存为“Excel 工作簿(*.xlsx)”后再过账 / "
                                f"a Strict Open XML workbook: save it as an Excel Workbook (*.xlsx) in Excel first")


class Package:
    """An .xlsx as its parts: read with errors that say the file is damaged, edited in memory,
    and written out with every part nobody edited copied as it was (pictures, charts, VBA…).

    Small XML parts (workbook, relationships, content types, tables) are edited as ElementTree
    elements and written back with the prefixes they were read with, so markup-compatibility
    attributes (``mc:Ignorable="x14ac"``) still name declared prefixes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile as exc:
            raise damaged(self.path) from exc
        self._names = set(self.zip.namelist())
        self._new: dict[str, bytes | Chunks | None] = {}     # None: removed
        self._trees: dict[str, tuple[ET.Element, list[tuple[str, str]]]] = {}
        self._edited: set[str] = set()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def has(self, name: str) -> bool:
        return self._new[name] is not None if name in self._new else name in self._names

    def replaced(self, name: str) -> bool:
        """Whether part ``name`` was put (or removed) since the file was read: the file's is not it."""
        return name in self._new

    def holds(self, name: str, text: bytes, chunk: int = 1 << 20) -> bool:
        """Whether part ``name`` holds ``text``, read a piece at a time: most sheets hold no error
        cell, and a 100,000-row sheet read whole to find none was 30 MB of a post's peak memory."""
        if self._new.get(name) is not None:
            return text in self._new[name]
        tail = b""
        try:
            with self.zip.open(name) as part:
                while piece := part.read(chunk):
                    seen = tail + piece
                    if text in seen:
                        return True
                    tail = seen[1 - len(text):]            # the text may straddle pieces
        except ZIP_ERRORS as exc:
            raise damaged(self.path, name) from exc
        return False

    def read(self, name: str) -> bytes:
        new = self._new.get(name)
        if new is not None:
            return new if isinstance(new, bytes) else b"".join(new())
        if not self.has(name):
            raise damaged(self.path, name)
        return self.original(name)

    def inflated(self, name: str) -> bytes | bytearray:
        """:meth:`read`, a part of the file inflated a piece at a time into one buffer of its size.
        Measured: zipfile's read of a whole part inflates it in blocks joined at the end, so reading
        the 1,000,000-row 采购 sheet (648 MB) peaked at 1,392 MB; in pieces, 758 MB."""
        if self._new.get(name) is not None or not self.has(name):
            return self.read(name)
        try:
            info = self.zip.getinfo(name)
            with self.zip.open(info) as fh:
                data = bytearray(info.file_size)
                view, at = memoryview(data), 0
                while piece := fh.read(PIECE):
                    view[at:at + len(piece)] = piece
                    at += len(piece)
                view.release()
        except (KeyError, ValueError, *ZIP_ERRORS) as exc:
            raise damaged(self.path, name) from exc
        if at != len(data):
            raise damaged(self.path, name)
        return data

    def original(self, name: str) -> bytes:
        """The part as the file holds it, whatever this package has put in its place."""
        try:
            return self.zip.read(name)
        except (KeyError, *ZIP_ERRORS) as exc:
            raise damaged(self.path, name) from exc

    def head(self, name: str, size: int = 4096) -> bytes:
        """The first bytes of a part, without inflating all of a large sheet."""
        try:
            with self.zip.open(name) as fh:
                return fh.read(size)
        except (KeyError, *ZIP_ERRORS) as exc:
            raise damaged(self.path, name) from exc

    def xml(self, name: str, edit: bool = False) -> ET.Element:
        """The part parsed (once); ``edit``: it is written back from this element on ``write``."""
        if name not in self._trees:
            spaces: list[tuple[str, str]] = []
            try:
                parser = ET.iterparse(io.BytesIO(self.read(name)), events=("start-ns",))
                spaces = [ns for _, ns in parser]
            except ET.ParseError as exc:
                raise damaged(self.path, name) from exc
            self._trees[name] = (parser.root, spaces)
        if edit:
            self._edited.add(name)
        return self._trees[name][0]

    def put(self, name: str, data: bytes | Chunks | None) -> None:
        """Replace (or add, or with None remove) a part; ``data`` may be :data:`Chunks`, made
        only as the file is written."""
        self._new[name] = data
        self._edited.discard(name)
        self._trees.pop(name, None)

    def write(self, target: str) -> None:
        """The package to ``target``: every part nobody edited copied as its compressed bytes
        (measured on a 500-line post into a 100,000-line book: recompressing the 131 parts cost
        0.5 s, nearly all of it on parts that had not changed), the others compressed as they
        are made."""
        for name in self._edited:
            root, spaces = self._trees[name]
            self._new[name] = xml_bytes(root, spaces)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out, \
                open(self.path, "rb") as source:
            for info in self.zip.infolist():
                if info.filename not in self._new:
                    _copy_raw(source, info, out, self.path)
                elif self._new[info.filename] is not None:
                    _write_part(out, info.filename, self._new[info.filename])
            for name, data in self._new.items():
                if name not in self._names and data is not None:
                    _write_part(out, name, data)

    # -- relationships ---------------------------------------------------------------------
    @staticmethod
    def rels_name(part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def relationships(self, part: str) -> list[ET.Element]:
        name = self.rels_name(part)
        return list(self.xml(name)) if self.has(name) else []

    def targets(self, part: str, kind: str) -> list[tuple[str, str]]:
        """(relationship id, part name) of ``part``'s relationships of type ``…/kind``."""
        return [(rel.get("Id"), resolve(part, rel.get("Target", ""))) for rel in self.relationships(part)
                if rel.get("Type", "").rsplit("/", 1)[-1] == kind and rel.get("TargetMode") != "External"]

    @property
    def workbook_part(self) -> str:
        found = self.targets("", "officeDocument") if self.has("_rels/.rels") else []
        return found[0][1] if found else "xl/workbook.xml"

    def sheets(self) -> list[tuple[str, str | None]]:
        """(name, part) of every sheet, in workbook order; part None when no worksheet part is named."""
        workbook = self.workbook_part
        if not self.has(self.rels_name(workbook)):            # no sheet can be found without it
            raise damaged(self.path, self.rels_name(workbook))
        parts = dict(self.targets(workbook, "worksheet"))
        return [(s.get("name", ""), parts.get(s.get(f"{{{DOC_REL}}}id", "")))
                for s in self.xml(workbook).iter(f"{{{MAIN}}}sheet")]


def _write_part(out: zipfile.ZipFile, name: str, data: bytes | Chunks) -> None:
    if isinstance(data, bytes):
        out.writestr(name, data)
        return
    with out.open(name, "w") as fh:
        for chunk in data():
            fh.write(chunk)


def _copy_raw(source, info: zipfile.ZipInfo, out: zipfile.ZipFile, path: Path) -> None:
    """``info``'s part copied from ``source`` into ``out`` as the compressed bytes it is, under a
    local header of our own (its sizes and CRC known, so no data descriptor; no extra fields).
    zipfile has no call for this: it is what its own ``write`` of a directory does."""
    source.seek(info.header_offset)
    header = source.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04" or info.flag_bits & 0x1:
        raise damaged(path, info.filename)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    source.seek(info.header_offset + 30 + name_length + extra_length)
    data = source.read(info.compress_size)
    if len(data) < info.compress_size:
        raise damaged(path, info.filename)
    copied = zipfile.ZipInfo(info.filename, info.date_time)
    copied.compress_type, copied.flag_bits = info.compress_type, info.flag_bits & ~0x08   # no data descriptor
    copied.CRC, copied.compress_size, copied.file_size = info.CRC, info.compress_size, info.file_size
    copied.create_system, copied.external_attr = info.create_system, info.external_attr
    copied.header_offset = out.fp.tell()
    out.fp.write(copied.FileHeader())
    out.fp.write(data)
    out.filelist.append(copied)
    out.NameToInfo[copied.filename] = copied
    out.start_dir = out.fp.tell()


def resolve(source: str, target: str) -> str:
    """A relationship's target as a part name: absolute from the package root, else relative to
    the source part's folder."""
    target = unquote(target)
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def xml_bytes(root: ET.Element, spaces: list[tuple[str, str]]) -> bytes:
    """An element tree as XML, every namespace with the prefix the part declared for it (all
    declared on the root, so none that an ``mc:Ignorable`` names goes missing)."""
    declared: dict[str, str] = {}                       # prefix -> namespace
    for prefix, uri in spaces:
        declared.setdefault(prefix, uri)
    prefixes = {uri: prefix for prefix, uri in reversed(list(declared.items()))}

    def name(tag: str, attribute: bool = False) -> str:
        if not tag.startswith("{"):
            return tag
        uri, local = tag[1:].split("}", 1)
        if uri == XML_NS:
            return "xml:" + local
        prefix = prefixes.get(uri)
        if prefix is None or (attribute and not prefix):  # an attribute needs a prefix
            prefix = next(f"ns{n}" for n in range(len(declared) + 1) if f"ns{n}" not in declared)
            declared[prefix] = uri
            prefixes.setdefault(uri, prefix)
        return f"{prefix}:{local}" if prefix else local

    def walk(element: ET.Element, out: list[str]) -> None:
        tag = name(element.tag)
        out.append("<" + tag + "".join(f" {name(k, True)}={_attr(v)}" for k, v in element.attrib.items()))
        if len(element) or element.text:
            out.append(">" + escape(element.text or ""))
            for child in element:
                walk(child, out)
                out.append(escape(child.tail or ""))
            out.append(f"</{tag}>")
        else:
            out.append("/>")

    parts: list[str] = []
    walk(root, parts)
    names = "".join(f' xmlns{":" + p if p else ""}={_attr(u)}' for p, u in declared.items())
    parts[0] += names                                    # the root's start tag, before its end
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + "".join(parts)).encode("utf-8")


def _attr(value: str) -> str:
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
