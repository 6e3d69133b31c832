"""Report tables placed on a sheet: the title rows every report starts with, one or more tables
each with its header and 合计 row, and how the sheet prints (see sheets.layout)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..sheets.contract import REPORT_NOTE as NOTE
from ..sheets.contract import Column, Held, SheetSpec, holding, without_costs
from ..sheets.layout import Cell, Chart, Layout, fit_widths

TOTAL = "合计"


@dataclass
class Heading:
    """What a report's title rows say: who, what, for which period, made when."""

    company: str
    period: str                     # e.g. 2026-08-01 至 2026-08-31
    made: dt.datetime

    def rows(self, title: str, extra: str = "") -> list[list[Cell | None]]:
        """Company, title, period and when made, then ``extra`` (what a figure means, how a list
        is chosen) on a line of its own — beside the period it ran off a portrait page — and the note."""
        said = f"期间：{self.period}　　生成时间：{self.made:%Y-%m-%d %H:%M}"
        return [[Cell(self.company or title, "title")], [Cell(title, "title")], [Cell(said, "subtitle")],
                *([[Cell(extra, "subtitle")]] if extra else []), [Cell(NOTE, "note")]]


@dataclass
class Block:
    """One table on a report sheet: a caption above it (optional), its header, its rows and, when
    its figures add up, the 合计 row (None in a cell: nothing to add there). A table with no
    rows says ``empty`` under its header instead (no 合计 of nothing), so an empty report is
    never taken for one that failed."""

    columns: tuple[Column, ...]
    rows: list[list]
    total: list | None = None
    caption: str = ""
    empty: str = ""

    def without_costs(self) -> "Block":
        """The table as 采购 and 销售 see it: its cost columns left out."""
        columns, rows = without_costs(self.columns, self.rows)
        total = None if self.total is None else without_costs(self.columns, [self.total])[1][0]
        return Block(columns, rows, total, self.caption, self.empty)

    def holding(self, held: Held | None) -> "Block":
        """The table with its codes as their masters' sheets hold them."""
        return Block(self.columns, holding(self.columns, self.rows, held), self.total, self.caption, self.empty)

    def cells(self) -> list[list[Cell | None]]:
        out: list[list[Cell | None]] = [[Cell(self.caption, "label")]] if self.caption else []
        out.append([Cell(c.zh, "header") for c in self.columns])
        for row in self.rows:
            out.append([Cell(v, "body", c.kind) for v, c in zip(row, self.columns)])
        if not self.rows and self.empty:
            out.append([Cell(self.empty, "label")])
        elif self.total is not None:
            out.append([Cell(v, "total", c.kind) for v, c in zip(self.total, self.columns)])
        return out


def report_layout(spec: SheetSpec, heading: Heading, blocks: list[Block], extra: str = "",
                  charts: list[Chart] | None = None, foot: list[list[Cell | None]] | None = None) -> Layout:
    """A report sheet: the title rows, then each block after a blank row, then the ``foot`` rows
    (a 对账单's lines to sign), landscape when it is wide. One table: its header frozen and printed on every page. Several: each later one starts
    a new page (a repeated header would be the first table's above the others)."""
    rows = heading.rows(spec.zh, extra)
    header_row = len(rows) + 2 + (1 if blocks and blocks[0].caption else 0)     # after a blank row
    breaks = []
    for block in blocks:
        if len(rows) > header_row:
            breaks.append(len(rows))
        rows += [[]] if rows[-1] else []
        rows += block.cells()
    rows += foot or []
    width = max((len(b.columns) for b in blocks), default=1)
    return Layout(spec, rows, fit_widths(rows), company=heading.company,
                  repeat=None if breaks else (header_row, header_row), freeze=header_row,
                  landscape=width > 7, breaks=breaks, charts=charts or [])
