"""Issue 24, the write side of a post: parts nobody edited copied as their compressed bytes,
状态 written as shared strings where the workbook keeps them, generated sheets written as they
are made (never held whole), and the file the same to every reader."""
from __future__ import annotations

import datetime as dt
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl

from .test_shapes import post_patched
from ..wb import TODAY, purchase, type_rows, cell


def raw_bytes(path: Path, name: str) -> bytes:
    """A part's bytes as the zip stores them (compressed), read past its local header."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        skip = sum(struct.unpack("<HH", header[26:30]))
        fh.seek(info.header_offset + 30 + skip)
        return fh.read(info.compress_size)


def at_level_nine(path: Path) -> None:
    """The workbook's zip written again, every part compressed at level 9 (zipfile's default,
    which a part copied through it would get, is 6; this writer's own is 1)."""
    with zipfile.ZipFile(path) as z:
        parts = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info, data in parts:
            z.writestr(info.filename, data)


def test_parts_nobody_edited_are_copied_as_their_compressed_bytes(file_book):
    [row] = type_rows(file_book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    at_level_nine(file_book)
    with zipfile.ZipFile(file_book) as z:
        before = z.getinfo("xl/theme/theme1.xml")
        theme = z.read("xl/theme/theme1.xml")
    raw = raw_bytes(file_book, "xl/theme/theme1.xml")
    for level in (1, 6):                                     # recompressed, it would differ
        squeeze = zlib.compressobj(level, zlib.DEFLATED, -15)
        assert raw != squeeze.compress(theme) + squeeze.flush()
    post_patched(file_book)
    assert raw_bytes(file_book, "xl/theme/theme1.xml") == raw
    with zipfile.ZipFile(file_book) as z:
        assert z.testzip() is None                           # every part's CRC holds
        after = z.getinfo("xl/theme/theme1.xml")
        assert (after.CRC, after.compress_size, after.file_size) == (before.CRC, before.compress_size, before.file_size)
        assert z.read("xl/theme/theme1.xml") == theme
    assert cell(file_book, "采购", row, "状态").startswith("已过账")
    openpyxl.load_workbook(file_book)                         # and the file opens as a whole


def test_the_parts_keep_their_order(file_book):
    """Copied raw or written anew, every part stays where it was in the zip."""
    type_rows(file_book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    with zipfile.ZipFile(file_book) as z:
        order = z.namelist()
    post_patched(file_book)
    with zipfile.ZipFile(file_book) as z:
        assert z.namelist()[:len(order)] == order
