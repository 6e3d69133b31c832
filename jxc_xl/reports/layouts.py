"""Report tables placed on a sheet: the title rows every report starts with, one or more tables
each with its header and 合计 row, and how the sheet prints (see sheets.layout)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..sheets.contract import REPORT_NOTE as NOTE
from ..sheets.contract import Column, Held, SheetSpec, holding, without_costs
from ..sheets.layout import Cell, Chart, Layout, fit_widths, text_width

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
    never taken for one that failed. ``subtotals``: the rows (by index) that close a group
    within the table (增值税's 合计 per 方向), drawn as a 合计 row is."""

    columns: tuple[Column, ...]
    rows: list[list]
    total: list | None = None
    caption: str = ""
    empty: str = ""
    subtotals: frozenset[int] = frozenset()

    def without_costs(self) -> "Block":
        """The table as 采购 and 销售 see it: its cost columns left out."""
        columns, rows = without_costs(self.columns, self.rows)
        total = None if self.total is None else without_costs(self.columns, [self.total])[1][0]
        return Block(columns, rows, total, self.caption, self.empty, self.subtotals)

    def holding(self, held: Held | None) -> "Block":
        """The table with its codes as their masters' sheets hold them."""
        return Block(self.columns, holding(self.columns, self.rows, held), self.total, self.caption, self.empty,
                     self.subtotals)

    def cells(self) -> list[list[Cell | None]]:
        out: list[list[Cell | None]] = [[Cell(self.caption, "label")]] if self.caption else []
        out.append([Cell(c.zh, "header") for c in self.columns])
        for n, row in enumerate(self.rows):
            look = "total" if n in self.subtotals else "body"
            out.append([Cell(v, look, c.kind) for v, c in zip(row, self.columns)])
        if not self.rows and self.empty:
            out.append([Cell(self.empty, "label")])
        elif self.total is not None:
            out.append([Cell(v, "total", c.kind) for v, c in zip(self.total, self.columns)])
        return out


def report_layout(spec: SheetSpec, heading: Heading, blocks: list[Block], extra: str = "",
                  charts: list[Chart] | None = None, foot: list[list[Cell | None]] | None = None,
                  whole_titles: bool = True) -> Layout:
    """A report sheet: the title rows, then each block after a blank row, then the ``foot`` rows
    (a 对账单's lines to sign), landscape when it is wide. One table: its header frozen and printed on every page. Several: each later one starts
    a new page (a repeated header would be the first table's above the others). Its columns are
    at least as wide as its title lines (room_for_titles), unless not ``whole_titles`` (图表,
    whose charts carry the page further)."""
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
    widths = room_for_titles(rows, fit_widths(rows)) if whole_titles else fit_widths(rows)
    return Layout(spec, rows, widths, company=heading.company,
                  repeat=None if breaks else (header_row, header_row), freeze=header_row,
                  landscape=width > 7, breaks=breaks, charts=charts or [])


def room_for_titles(rows: list[list[Cell | None]], widths: list[float]) -> list[float]:
    """``widths`` spread, where the columns together are narrower than the longest title line,
    until it fits: a sheet prints up to its last column, so a narrow table (增值税's five) would
    cut its period and generation time off the page. A title's larger font takes about 1.3 widths."""
    need = max((text_width(c.value) * (1.3 if c.look == "title" else 1) + 2 for row in rows for c in row
                if c is not None and c.look in ("title", "subtitle", "note")), default=0)
    short = need - sum(widths)
    return [w + short / len(widths) for w in widths] if short > 0 and widths else widths
