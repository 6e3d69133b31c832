"""Issue 24 (memory): a post lets go of what it read and posted before it makes the generated
sheets and saves — the rows read (calamine's values, the largest thing a run holds) and the
parsed documents are not alive while 刷新 runs. Tested by the mechanism (weak references to the
rows read, the documents left in the heap), not by a figure of memory, which would be flaky."""
from __future__ import annotations

import datetime as dt
import gc
import re
import shutil
import sys
import weakref

import pytest

from python_calamine import CalamineWorkbook

from jxc_xl.app import tools, usecases
from jxc_xl.app.statuses import StatusWriter
from jxc_xl.app.usecases import post_book, reverse_book
from jxc_xl.domain.model import Document, Line
from jxc_xl.domain.packed import Packed
from jxc_xl.io.patch import PatchBook
from jxc_xl.ledger import Ledger
from jxc_xl.sheets.parse import ParsedDoc

from ..wb import TODAY, ledger_at, purchase, sale, type_rows

d = dt.date


class _Row(list):
    """A row as read, that a weak reference can watch (a plain list cannot have one)."""


class _WatchedBook(PatchBook):
    """The file's book, every row it reads watched."""

    def __init__(self, path):
        super().__init__(path)
        self.read: dict[str, list[weakref.ref]] = {}

    def _read(self, sheet):
        if sheet not in self._parsed:
            rows, merged = super()._read(sheet)
            self._parsed[sheet] = ([_Row(r) for r in rows], merged)
            self.read.setdefault(sheet, []).extend(weakref.ref(r) for r in self._parsed[sheet][0])
        return self._parsed[sheet]


def _typed(book) -> None:
    type_rows(book, "采购", [purchase(f"CG{n}", d(2026, 11, 2), "A001", 10, 6) for n in range(30)])
    type_rows(book, "销售", [sale(f"XS{n}", d(2026, 11, 5), "A001", 1, 9) for n in range(30)])


def _documents() -> int:
    gc.collect()
    return sum(isinstance(o, (Document, Packed, ParsedDoc)) for o in gc.get_objects())


def _alive_when_refreshed(monkeypatch, book: _WatchedBook) -> dict:
    """What of the run's reading is alive when the generated sheets are made (refresh_sheets)."""
    alive: dict = {}
    refresh = usecases.refresh_sheets
    before = _documents()                   # alive before the run (another test's): not the run's

    def watched(*args, **kwargs):
        alive["rows"] = {sheet: sum(ref() is not None for ref in refs) for sheet, refs in book.read.items()}
        alive["documents"] = _documents() - before
        return refresh(*args, **kwargs)

    for module in (usecases, tools):
        monkeypatch.setattr(module, "refresh_sheets", watched)
    return alive


def test_the_rows_read_and_the_documents_are_let_go_before_the_generated_sheets_are_made(file_book, monkeypatch):
    _typed(file_book)
    book = _WatchedBook(file_book)
    alive = _alive_when_refreshed(monkeypatch, book)
    report = post_book(book, file_book, today=TODAY)
    assert report.exit_code == 0 and report.posted == 60
    assert {"采购", "销售"} <= alive["rows"].keys() and sum(len(refs) for refs in book.read.values()) > 60
    assert alive == {"rows": {sheet: 0 for sheet in book.read}, "documents": 0}


@pytest.mark.parametrize("run", ["reverse", "restore"])
def test_a_reversal_and_a_restore_let_go_of_the_rows_they_re_marked_too(file_book, tmp_path, monkeypatch, run):
    _typed(file_book)
    assert post_book(PatchBook(file_book), file_book, today=TODAY).posted == 60
    backup = tmp_path / "backup.jxc.db"
    shutil.copy(ledger_at(file_book), backup)
    book = _WatchedBook(file_book)
    alive = _alive_when_refreshed(monkeypatch, book)
    held = _alive_when_statuses_are_written(monkeypatch)
    if run == "reverse":
        report = reverse_book(book, file_book, "XS3", today=TODAY)
        assert report.posted == 1 and report.exit_code == 0
    else:
        report = tools.restore_ledger(book, file_book, backup, today=TODAY)
        assert report.stock_value is not None and not report.sheet_problems
    assert {"采购", "销售"} <= alive["rows"].keys()
    assert alive == {"rows": {sheet: 0 for sheet in book.read}, "documents": 0}
    # nor held while 状态 is said again (a reversal's: of the document reversed)
    assert held == {"documents": 0, "lines": 0, "read": 1 if run == "reverse" else 60}


def _alive_while_posting(monkeypatch, book: _WatchedBook) -> dict:
    """How many of the rows read are alive while the ledger posts, by sheet."""
    alive: dict = {}
    post = Ledger.post

    def watched(self, *args, **kwargs):
        gc.collect()
        alive.update({sheet: sum(ref() is not None for ref in refs) for sheet, refs in book.read.items()})
        return post(self, *args, **kwargs)

    monkeypatch.setattr(Ledger, "post", watched)
    return alive


def _statuses(path) -> dict:
    """Each row's 状态 as saved, the time it was posted left out (two posts: two times)."""
    book, found = PatchBook(path), {}
    for sheet in ("采购", "销售"):
        values = book.values(sheet)
        header = next(r for r, row in enumerate(values) if "状态" in row)
        col = values[header].index("状态")
        found[sheet] = [re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?", "", str(row[col])) for row in values[header + 1:]]
    return found


def test_a_large_post_holds_the_rows_read_compactly_while_the_ledger_posts(file_book, tmp_path, monkeypatch):
    """Issue 24 (memory): while a large post posts, the rows read are held as one pickled buffer
    (100,000 lines: 382 → 324 MB at its peak) and are back, as read, to write every 状态."""
    _typed(file_book)
    plain = tmp_path / "plain.xlsx"
    shutil.copy(file_book, plain)
    assert post_book(PatchBook(plain), plain, today=TODAY).posted == 60        # small: rows left as they are
    monkeypatch.setattr(usecases, "LARGE_POST", 60, raising=False)
    book = _WatchedBook(file_book)
    alive = _alive_while_posting(monkeypatch, book)
    report = post_book(book, file_book, today=TODAY)
    assert report.exit_code == 0 and report.posted == 60
    assert alive["采购"] == alive["销售"] == 0 and sum(len(refs) for refs in book.read.values()) > 60
    parked, left = _statuses(file_book), _statuses(plain)
    assert parked == left and sum(str(s).startswith("已过账") for s in parked["采购"] + parked["销售"]) == 60


def test_a_posts_size_is_counted_without_making_a_packed_documents_lines(monkeypatch):
    """Whether a post is large is asked of the documents read: a packed one (domain.packed) is
    counted by its integer lines, no model made of them (bench's 20,000 documents: 1.1 s under cProfile)."""
    from decimal import Decimal
    from types import SimpleNamespace
    from jxc_xl.domain.model import DocType
    from jxc_xl.domain.packed import pack
    line = {"item": "A001", "qty": Decimal(1), "price": Decimal(2), "row": 2}
    doc = pack({"type": DocType.purchase_receipt, "doc_no": "CG1", "date": TODAY}, [line, {**line, "row": 3}],
               "b.xlsx", "采购")
    monkeypatch.setattr(Packed, "lines", property(lambda self: pytest.fail("a packed document's lines were made")))
    monkeypatch.setattr(usecases, "LARGE_POST", 4, raising=False)
    assert usecases._large([doc, doc], SimpleNamespace(tables={"采购": SimpleNamespace(rows=[()] * 20)}))
    assert not usecases._large([doc], SimpleNamespace(tables={"采购": SimpleNamespace(rows=[()] * 20)}))


def test_a_small_post_leaves_the_rows_read_as_they_are(file_book, monkeypatch):
    """500 lines into a book of 100,000 would pay 0.6 s to hold the rows compactly for nothing."""
    _typed(file_book)
    book = _WatchedBook(file_book)
    alive = _alive_while_posting(monkeypatch, book)
    assert post_book(book, file_book, today=TODAY).posted == 60
    assert alive["采购"] == len(book.read["采购"]) > 30 and alive["销售"] == len(book.read["销售"])



def _alive_when_statuses_are_written(monkeypatch) -> dict:
    """How many documents and lines are alive as 状态 starts being written (the run's own), and how
    many of the documents parsed 状态 is told were read."""
    alive: dict = {}
    run = StatusWriter.run
    before = _models()                      # alive before the run (another test's): not the run's

    def watched(self, docs):
        alive.update({kind: n - before[kind] for kind, n in _models().items()})
        alive["read"] = sum(p.was_read for p in docs)
        return run(self, docs)

    monkeypatch.setattr(StatusWriter, "run", watched)
    return alive


def _models() -> dict:
    gc.collect()
    objects = gc.get_objects()
    packed = [o for o in objects if isinstance(o, Packed)]          # (a plain purchase or sale: domain.packed)
    return {"documents": sum(isinstance(o, Document) for o in objects) + len(packed),
            "lines": sum(isinstance(o, Line) for o in objects) + sum(len(o.units) for o in packed)}


def test_the_documents_posted_are_let_go_before_their_statuses_are_written(file_book, tmp_path, monkeypatch):
    """Issue 24 (memory): once the ledger has posted a document, 状态 needs of it only that it was
    read and its rows, not the document (100,000 lines: ~87 MB of models held beside the rows
    brought back from parking). A document the ledger refuses keeps it: its rows are compared with
    the version posted before. Every 状态 and message is what it was with the documents held."""
    rows = type_rows(file_book, "采购", [purchase(f"CG{n}", d(2026, 11, 2), "A001", 10, 6) for n in range(3)])
    assert post_book(PatchBook(file_book), file_book, today=TODAY).posted == 3
    type_rows(file_book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 11, 6)], start=rows[1])     # posted, edited
    type_rows(file_book, "采购", [purchase(f"CG{n}", d(2026, 11, 3), "A001", 5, 6) for n in range(3, 8)])
    held = tmp_path / "held.xlsx"
    shutil.copy(file_book, held)
    shutil.copy(ledger_at(file_book), ledger_at(held))
    with monkeypatch.context() as m:                          # the documents held through 状态, as before
        m.setattr(ParsedDoc, "forget", lambda self: None)
        before = post_book(PatchBook(held), held, today=TODAY)
    alive = _alive_when_statuses_are_written(monkeypatch)
    report = post_book(PatchBook(file_book), file_book, today=TODAY)
    assert report.posted == before.posted == 5 and report.error_rows == before.error_rows != []
    assert alive == {"documents": 1, "lines": 1, "read": 6}          # CG1's, refused
    assert _statuses(file_book) == _statuses(held)


def test_the_journals_rows_are_made_from_the_ledgers_cursor_holding_repeated_texts_once(tmp_path):
    """Issue 24 (memory, the 1,000,000-line post): 台账's rows are made one at a time from the
    ledger's cursor — the query's rows were fetched whole beside them (about 600 MB at 1,000,000
    lines) — and a text the rows repeat (单号, 仓库, 商品编码) is one object, an exact figure
    without a ``__dict__``. The rows are those of the ledger's journal, as before."""
    import tracemalloc

    from jxc_xl.domain.model import DocType
    from jxc_xl.reports.generate import journal_rows
    from jxc_xl.sheets.format import Exact
    from tests.conftest import standard_masters
    with Ledger.open(tmp_path / "books.jxc.db") as ledger:
        standard_masters(ledger)
        ledger.post([Document(type=DocType.purchase_receipt, doc_no=f"CG{n:05d}", date=d(2026, 11, 2), party="S1",
                              warehouse="W1", lines=[Line(item="AB"[k % 2], qty=k + 1, price=3) for k in range(5)])
                     for n in range(1_000)])
        whole = ledger.journal()[1]
        gc.collect()
        tracemalloc.start()
        try:
            kept, rows = journal_rows(ledger)
            held, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert kept == 0 and len(rows) == len(whole) == 5_000
    assert [[r[0], r[1].isoformat(), r[3], r[4], r[5], *r[6:]] for r in rows] == \
        [[w[0], w[1], w[4], w[5], w[6], *w[7:]] for w in whole]
    assert peak < held * 1.25, (held, peak)       # fetched whole: the tuples beside the rows, ×1.7
    assert len({id(r[3]) for r in rows}) == 1_000 and len({id(r[4]) for r in rows}) == 1
    assert len({id(r[5]) for r in rows}) == 2
    assert not hasattr(Exact("1.5"), "__dict__")


def _alive_when_costed(monkeypatch) -> list[int]:
    """How many of the run's documents are alive each time the ledger costs a batch's queued
    movements (the first pass written whole: where a large post's memory peaked)."""
    from jxc_xl.ledger.engine import batch
    alive: list[int] = []
    cost = batch.cost_queued
    before = _models()["documents"]

    def watched(*args, **kwargs):
        alive.append(_models()["documents"] - before)
        return cost(*args, **kwargs)

    monkeypatch.setattr(batch, "cost_queued", watched)
    return alive


def _asked_again(monkeypatch) -> list[int]:
    """How many documents the app made again each time the ledger asked."""
    asked: list[int] = []
    again = usecases._documents_again

    def watched(*args):
        asked.append(len(made := again(*args)))
        return made

    monkeypatch.setattr(usecases, "_documents_again", watched)
    return asked


def test_the_ledger_lets_go_of_each_document_as_it_writes_it(file_book, monkeypatch):
    """Issue 24 (memory): the documents a post hands the ledger are the ledger's while it posts,
    and each is let go once written — none is alive when the batch's queued movements are costed
    (100,000 lines: the post's peak, 308 → 271 MB). A document refused comes back to 状态."""
    type_rows(file_book, "采购", [purchase(f"CG{n}", d(2026, 11, 2), "A001", 10, 6) for n in range(30)]
              + [purchase("CGX", d(2026, 11, 2), "NOPE", 1, 6)])
    alive, asked = _alive_when_costed(monkeypatch), _asked_again(monkeypatch)
    held = _alive_when_statuses_are_written(monkeypatch)
    report = post_book(PatchBook(file_book), file_book, today=TODAY)
    assert report.posted == 30 and [r for _, r, _ in report.error_rows] != []
    assert alive == [1] and asked == []            # CGX's (refused before it is written), and no other
    assert held["documents"] == 1 and held["read"] == 31


def _shortage_rows(book) -> None:
    """Three sales of 4 against a receipt of 10, in one batch: the third is short, found only by
    the batch's final recost — the batch is written again document by document."""
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6)])
    type_rows(book, "销售", [sale(f"XS{n}", d(2026, 11, 5 + n), "A001", 4, 9) for n in range(3)]
              + [sale("XS9", d(2026, 11, 9), "NOPE", 1, 9)])


def test_a_batch_written_again_asks_the_app_for_its_documents_and_refuses_the_same_ones(file_book, tmp_path,
                                                                                        monkeypatch):
    """The rare path: a batch whose final recost finds a shortage is written again document by
    document, and needs every document again — the app reads them again from the book. Every
    document's outcome, 状态 and message is what it is when the ledger holds them all."""
    _shortage_rows(file_book)
    held = tmp_path / "held.xlsx"
    shutil.copy(file_book, held)
    with monkeypatch.context() as m:                     # the ledger given the documents to hold, as before
        post = Ledger.post
        m.setattr(Ledger, "post", lambda self, documents, again=None, **kw: post(self, documents, **kw))
        before = post_book(PatchBook(held), held, today=TODAY)
    asked = _asked_again(monkeypatch)
    report = post_book(PatchBook(file_book), file_book, today=TODAY)
    assert asked == [5]
    assert (report.posted, report.error_rows) == (before.posted, before.error_rows) and report.posted == 3
    assert [sheet_row for sheet_row in report.error_rows if "库存不足" in sheet_row[2]] != []
    assert _statuses(file_book) == _statuses(held)
    with Ledger.open(ledger_at(file_book)) as ledger:
        assert sorted(ledger.latest_documents()) == sorted(Ledger.open(ledger_at(held)).latest_documents())


def test_the_journal_rows_held_until_saving_share_each_text_that_repeats(file_book):
    """Issue 24 (memory): 台账's rows wait for the save beside the sheets it patches (100,000
    lines: the post's peak, at saving, 312 → 292 MB): a 单号, 仓库, 商品, quantity or unit cost
    that repeats is one object, each figure still the exact text the ledger rendered."""
    from jxc_xl.reports.generate import journal_rows
    from jxc_xl.sheets.format import Exact
    type_rows(file_book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6)] * 2)
    assert post_book(PatchBook(file_book), file_book, today=TODAY).posted == 1
    with Ledger.open(ledger_at(file_book)) as ledger:
        _, rows = journal_rows(ledger)
    first, second = rows
    assert [first[i] is second[i] for i in (3, 4, 5, 6, 8)] == [True] * 5
    assert first[3:9] == ["CG1", "WH1", "A001", "10.0000", None, "6.000000"] and type(first[6]) is Exact


def _shared_columns(rows: list[list]) -> dict[str, tuple[int, int]]:
    """For each column below the header: (its distinct values, the distinct objects holding them)."""
    header = next(r for r, row in enumerate(rows) if "单号" in row)
    found = {}
    for col, name in enumerate(rows[header]):
        values = [row[col] for row in rows[header + 1:] if len(row) > col and row[col] not in (None, "")]
        if values:
            found[name] = (len(set(values)), len({id(v) for v in values}))
    return found


def _each_block_shares(rows: list[list], names: list[str], block: int) -> bool:
    """Whether, in each block of ``block`` rows (as the rows are parked), the columns ``names`` hold
    each value they repeat as one object."""
    header = next(r for r, row in enumerate(rows) if "单号" in row)
    cols = [rows[header].index(name) for name in names]
    for start in range(0, len(rows), block):
        for col in cols:
            values = [row[col] for row in rows[max(start, header + 1):start + block] if row[col] not in (None, "")]
            if len(set(values)) != len({id(v) for v in values}):
                return False
    return True


@pytest.mark.parametrize("reader,block", [("calamine", 65_536), ("xml", 65_536), ("calamine", 8)])
def test_the_rows_read_hold_each_repeated_text_and_date_once_and_again_after_they_are_parked(file_book, reader, block,
                                                                                           monkeypatch):
    """Issue 24 (memory): calamine (and unpickling the parked rows) makes an object per cell; the
    rows as read hold each repeated 单号, 日期, 类型, 供应商, 仓库 and 商品编码 once (1,000,000 lines:
    ≈ 290 MB less), equal to what was read, and so do they when they come back after the post,
    block by block (a value repeated across blocks is one object per block there). A column with
    numbers is left as read (1 == 1.0 == True: sharing could change a value's type); a column of
    distinct text (备注) is left as read too. In blocks of 8 rows: a value is shared across blocks
    as read, and the rows come back block by block."""
    from jxc_xl.sheets import book as books
    monkeypatch.setattr(books, "_SHARE_BLOCK", block)
    type_rows(file_book, "采购", [{**purchase(f"CG{n // 4}", d(2026, 11, 2 + n % 3), "A001" if n % 2 else "B002",
                                            10 + n % 2, 6), "备注": f"第 {n} 行"} for n in range(40)])
    expected = PatchBook(file_book).values("采购")           # a plain read, for equality
    book = PatchBook(file_book)
    if reader == "xml":
        book._reader = None                                  # a sheet calamine cannot read
    rows = book.values("采购")
    assert rows == expected if reader == "calamine" else len(rows) == len(expected)
    as_read = [list(row) for row in rows]
    shared = _shared_columns(rows)
    texts = ["单号", "业务类型", "供应商", "仓库", "商品编码"] + (["日期"] if reader == "calamine" else [])
    assert {name: shared[name][1] for name in texts} == {name: shared[name][0] for name in texts}
    assert shared["单号"] == (10, 10) and shared["备注"] == (40, 40)
    for _ in range(2):                                       # and once more
        with book.parked():
            assert book._parsed == {}
        back = book.values("采购")
        assert back == as_read and [list(map(type, r)) for r in back] == [list(map(type, r)) for r in as_read]
        assert _each_block_shares(back, texts, block) and _shared_columns(back)["备注"] == (40, 40)
        if block > len(back):
            assert _shared_columns(back) == shared


def test_a_column_holding_numbers_keeps_each_value_as_read():
    """Equal is not the same: 1 == 1.0 == True and 0.0 == -0.0, so a column with a number in it
    keeps its own objects (a shared one would change a value's type or sign)."""
    from jxc_xl.sheets.book import shared_rows
    rows = [["数量", "单号"], [1.0, "A"], [1, "A"], [True, "A"], [-0.0, "B"], [0.0, "B"]]
    values = [list(row) for row in rows]
    rows = shared_rows(rows)
    assert [[(type(v), repr(v)) for v in row] for row in rows] == [[(type(v), repr(v)) for v in row] for row in values]
    assert rows[1][1] is rows[2][1] is rows[3][1] and all(a is b for a, b in zip(rows[1], values[1]))



def _read_peak(monkeypatch, path, rows_of) -> tuple[list[list], int, int]:
    """A sheet's rows read afresh with calamine's rows taken by ``rows_of``: the rows, the memory
    they hold and the peak of making them from calamine's (tracemalloc, from calamine's first row
    to the rows made, so what the file's reading holds beside them is left out)."""
    import tracemalloc

    from jxc_xl.io import xlsx
    made = []
    shared = xlsx.shared_rows

    def starting(parsed):
        made.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.reset_peak()
        return rows_of(parsed)

    def shared_then(rows):
        rows = shared(rows)
        made.append(tracemalloc.get_traced_memory())
        return rows
    monkeypatch.setattr(xlsx, "_calamine_rows", starting)
    monkeypatch.setattr(xlsx, "shared_rows", shared_then)
    gc.collect()
    tracemalloc.start()
    try:
        rows = PatchBook(path).values("采购")
    finally:
        tracemalloc.stop()
    before, (after, peak) = made
    return rows, after - before, peak - before


def test_calamines_rows_are_shared_block_by_block_so_they_never_stand_unshared_whole(file_book, monkeypatch):
    """Issue 24 (memory, the 1,000,000-line post): the rows are taken from calamine's iterator a
    block at a time and each block shared before the next is made, not from its whole list shared
    after (which stood whole, an object per cell, beside calamine's own copy: the read's peak, and
    half-used memory left behind). Equal to calamine's whole list, value for value and type for type."""
    from jxc_xl.io import xlsx
    from jxc_xl.sheets import book as books
    type_rows(file_book, "采购", [purchase(f"CG{n // 5:05d}", d(2026, 11, 2 + n % 20), f"A00{n % 3 + 1}", 10, 6)
                                 for n in range(2_000)])
    monkeypatch.setattr(books, "_SHARE_BLOCK", 128)
    rows, held, peak = _read_peak(monkeypatch, file_book, xlsx._calamine_rows)
    whole = CalamineWorkbook.from_path(str(file_book)).get_sheet_by_name("采购").to_python(skip_empty_area=False)
    assert rows == whole and [list(map(type, r)) for r in rows] == [list(map(type, r)) for r in whole]
    _, held_whole, peak_whole = _read_peak(monkeypatch, file_book,      # calamine's whole list, shared after
                                           lambda parsed: parsed.to_python(skip_empty_area=False))
    assert abs(held_whole - held) < held * 0.01
    assert peak < held * 1.25 and peak_whole > held * 1.8, (held, peak, peak_whole)     # measured ×1.08, ×2.16



def _made_when_status_is_written(monkeypatch) -> list[tuple[int, int]]:
    """What StatusWriter.write has made and holds when it writes the 采购 sheet's 状态 block
    (tracemalloc, from write's start), beside the size of the dict of that sheet's statuses."""
    import tracemalloc

    from jxc_xl.app import statuses
    found, write, sheets = [], statuses._write, {}
    run = statuses.StatusWriter.write

    def traced(self, book, report):
        sheets.update(self.sheets)
        tracemalloc.start()
        try:
            return run(self, book, report)
        finally:
            tracemalloc.stop()

    def measured(book, table, column, first, block):
        if column == "状态" and table.sheet == "采购":
            found.append((tracemalloc.get_traced_memory()[0], sys.getsizeof(sheets["采购"].statuses)))
        return write(book, table, column, first, block)
    monkeypatch.setattr(statuses.StatusWriter, "write", traced)
    monkeypatch.setattr(statuses, "_write", measured)
    return found


def test_the_statuses_are_written_with_no_dict_of_every_row_but_the_one_written(file_book, monkeypatch):
    """Issue 24 (memory, the 1,000,000-line post, whose peak 写入状态 was): writing the 状态 makes the
    block to write and nothing else of every row — no dict of every row's 状态 as read (each is
    compared as it is written) nor of the rows the block leaves as they are (none in a first post).
    Each such dict was ≈ 40 MB at 1,000,000 lines; what write made was ×3.3 the statuses' dict,
    now ×1.3. The 状态 written are those of before."""
    type_rows(file_book, "采购", [purchase(f"CG{n // 3}", d(2026, 11, 2), "A001", 10, 6) for n in range(600)])
    found = _made_when_status_is_written(monkeypatch)
    assert post_book(PatchBook(file_book), file_book, today=TODAY).posted == 200
    [(made, one)] = found
    assert made < one * 1.8, (made, one)
    assert sum(str(s).startswith("已过账") for s in _statuses(file_book)["采购"]) == 600


def test_the_ribbons_book_shares_repeated_texts_and_keeps_them_shared_when_parked(file_book):
    """The sibling in the ribbon's Book (xlwings, on the test engine): Excel's values come as an
    object per cell too; they are shared as a file's are, and stay so through parking."""
    from jxc_xl.io.excel import XlwingsBook

    from ..xlengine import open_book
    type_rows(file_book, "采购", [purchase(f"CG{n // 4}", d(2026, 11, 2 + n % 3), "A001" if n % 2 else "B002",
                                            10 + n % 2, 6) for n in range(40)])
    book = XlwingsBook(open_book(file_book))
    rows = book.values("采购")
    as_read = [list(row) for row in rows]
    texts = ["单号", "业务类型", "供应商", "仓库", "商品编码"]
    shared = _shared_columns(rows)
    assert {name: shared[name][1] for name in texts} == {name: shared[name][0] for name in texts}
    with book.parked():
        assert book._values == {}
    assert book.values("采购") == as_read and _shared_columns(book.values("采购")) == shared
