"""A post into a posted book passes over the rows the last post left as they were (issue 24:
"incremental by construction"): they are not grouped, parsed or marked again, and whatever
changed in them — or in the books since — reads them again exactly as before."""
import datetime as dt
import re
import shutil

import openpyxl
import pytest

from jxc_xl import Ledger
from jxc_xl.app.statuses import StatusWriter
from jxc_xl.app.usecases import reverse_book
from jxc_xl.io.patch import PatchBook as FileBook
from jxc_xl.sheets import parse

from ..wb import TODAY, error_marks, ledger_at, post, purchase, sale, type_rows

d = dt.date
OLD = [purchase("CG1", d(2026, 11, 2), "A001", 10, 6), purchase("CG2", d(2026, 11, 2), "A001", 5, 6),
       purchase("CG1", d(2026, 11, 2), "B002", 3, 2), purchase("CG3", d(2026, 11, 3), "B002", 4, 2),
       purchase("CG4", d(2026, 11, 3), "A001", 1, 6)]
NEW = [purchase("CG5", d(2026, 11, 4), "A001", 2, 6)]


@pytest.fixture
def read(monkeypatch):
    """The rows parse_documents is given to read (sheet → rows), a post at a time."""
    seen: dict[str, list[int]] = {}
    original = parse.parse_documents

    def spy(table, *args, skip=0, **kwargs):
        seen.setdefault(table.sheet, []).extend(r for r, _ in table.rows[skip:])
        return original(table, *args, skip=skip, **kwargs)
    monkeypatch.setattr(parse, "parse_documents", spy)
    return seen


def _posted_once(book):
    type_rows(book, "采购", OLD)
    type_rows(book, "销售", [sale("XS1", d(2026, 11, 5), "A001", 1, 9)])
    assert post(book).exit_code == 0


def test_the_rows_a_post_left_as_they_were_are_not_read_again(book, read, monkeypatch):
    _posted_once(book)
    assert read["采购"] == [2, 3, 4, 5, 6]                # the first post reads every row
    [row] = type_rows(book, "采购", NEW)
    read.clear()
    marked, run = [], StatusWriter.run
    monkeypatch.setattr(StatusWriter, "run", lambda self, docs: (marked.extend(p.doc_no for p in docs), run(self, docs)))
    report = post(book)
    assert (report.posted, report.already, report.exit_code) == (1, 5, 0)
    assert read["采购"] == [row] and read["销售"] == []    # only the row typed since is read
    assert marked == ["CG5"]                              # and only its 状态 is worked out
    statuses = _statuses(book)
    assert all(text.startswith("已过账 批次1") for text in statuses["采购"][:5])
    assert statuses["采购"][5].startswith("已过账 批次2") and statuses["销售"][0].startswith("已过账 批次1")
    read.clear()
    assert post(book).already == 6 and read["采购"] == []    # and then none of them


def _statuses(book) -> dict[str, list[str]]:
    """Each document sheet's 状态 down to its last row, the posting times blanked."""
    wb = openpyxl.load_workbook(book)
    out = {}
    for sheet in ("采购", "销售"):
        ws = wb[sheet]
        col = [c.value for c in ws[1]].index("状态") + 1
        out[sheet] = [re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "T", str(ws.cell(r, col).value or ""))
                      for r in range(2, ws.max_row + 1)]
    return out


def _edit_cell(book):
    type_rows(book, "采购", [{"数量": 12}], start=3)


def _move_row(book):
    wb = openpyxl.load_workbook(book)
    ws = wb["采购"]
    ws.move_range("A2:K2", rows=5)          # CG1's first row to below the others
    ws.delete_rows(2)
    wb.save(book)


def _delete_row(book):
    wb = openpyxl.load_workbook(book)
    wb["采购"].delete_rows(4)               # CG1's second row
    wb.save(book)


def _clear_row(book):
    type_rows(book, "采购", [{k: None for k in OLD[0]}], start=5)     # CG3 cleared where it stood


def _renumber(book):
    type_rows(book, "采购", [{"单号": "CG9"}], start=6)


def _insert_row(book):
    wb = openpyxl.load_workbook(book)
    wb["采购"].insert_rows(4)
    wb.save(book)
    type_rows(book, "采购", [purchase("CG7", d(2026, 11, 4), "B002", 1, 2)], start=4)


def _old_number_below(book):
    type_rows(book, "采购", [purchase("CG2", d(2026, 11, 2), "B002", 1, 2)])


def _status_typed_over(book):
    type_rows(book, "采购", [{"状态": "我改的"}], start=2)


def _merged(book):
    wb = openpyxl.load_workbook(book)
    wb["采购"].merge_cells("J5:K5")
    wb.save(book)


def _reversed(book):
    reverse_book(FileBook(book), book, "CG2", today=TODAY)


def _reversed_elsewhere(book):
    """By another workbook on the same books: these rows are as they were, their 状态 is not."""
    with Ledger.open(ledger_at(book)) as ledger:
        assert ledger.reverse("CG2", "purchases", user="x", workbook="其他.xlsx").ok


@pytest.mark.parametrize("edit", [_edit_cell, _move_row, _delete_row, _clear_row, _renumber, _insert_row,
                                  _old_number_below, _status_typed_over, _merged, _reversed, _reversed_elsewhere])
def test_whatever_changed_is_read_again_exactly_as_without_what_was_remembered(tmp_path, file_book, edit, monkeypatch):
    """Each edit, made to two copies of a posted book: one posted with what the last post
    remembered of its rows, one without (every row read, as before): the same 状态, marks,
    figures and counts."""
    _posted_once(file_book)
    other = tmp_path / "b" / file_book.name
    other.parent.mkdir()
    shutil.copy(file_book, other)
    shutil.copy(ledger_at(file_book), ledger_at(other))
    outcomes = []
    for book, remembered in ((file_book, True), (other, False)):
        edit(book)
        type_rows(book, "采购", NEW)
        with monkeypatch.context() as m:
            if not remembered:
                m.setattr(Ledger, "rows_seen", lambda self, workbook, english: (0, {}))
            report = post(book)
        outcomes.append((report.posted, report.already, report.exit_code, report.sheet_problems,
                         [(s, r, re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "T", m)) for s, r, m in report.error_rows],
                         _statuses(book), error_marks(book, "采购")))
    assert outcomes[0] == outcomes[1]


def test_a_remembered_stretch_that_no_longer_matches_is_read_and_those_before_it_are_not(file_book, read):
    _posted_once(file_book)
    type_rows(file_book, "采购", [purchase("CG5", d(2026, 11, 4), "A001", 2, 6)])
    post(file_book)                                          # rows 2–6 seen, row 7 posted
    post(file_book)                                          # and row 7 seen: two stretches
    with Ledger.open(ledger_at(file_book)) as ledger:
        assert [n for n, _ in ledger.rows_seen(file_book.name, False)[1]["purchases"]] == [5, 1]
    type_rows(file_book, "采购", [{"单价": 7}], start=7)
    read.clear()
    report = post(file_book)
    assert read["采购"] == [7] and report.exit_code == 1     # the first stretch still passed over


def test_stretches_remembered_are_made_one_past_a_few(file_book, read, monkeypatch):
    monkeypatch.setattr(parse, "_SEGMENTS", 2)
    _posted_once(file_book)
    for n in range(5, 8):
        type_rows(file_book, "采购", [purchase(f"CG{n}", d(2026, 11, 4), "A001", 1, 6)])
        assert post(file_book).exit_code == 0
    with Ledger.open(ledger_at(file_book)) as ledger:
        assert [n for n, _ in ledger.rows_seen(file_book.name, False)[1]["purchases"]] == [7, 1]
    [row] = type_rows(file_book, "采购", [purchase("CG8", d(2026, 11, 4), "A001", 1, 6)])
    read.clear()
    assert post(file_book).posted == 1 and read["采购"] == [row]


def test_figures_written_back_into_taxed_rows_read_as_remembered(tmp_path, read):
    """The cells a post writes into its rows (a taxed line's 税额, 价税合计, a price worked out) are
    remembered as the file will read them: the next post passes over those rows too."""
    from decimal import Decimal as D

    from tests.tax.conftest import taxed_book
    from tests.tax.test_tax_write_back import _purchase
    book = taxed_book(tmp_path / "b.xlsx", purchases=[_purchase("CG1", "A", 3, with_tax=D("113")),
                                                      _purchase("CG2", "A", 7, D("8.845"), rate="9%"),
                                                      _purchase("CG2", "B", 2, D("5"), rate="0%")])
    assert post(book).exit_code == 0
    read.clear()
    report = post(book)
    assert (report.already, read["采购"]) == (2, [])


def test_a_book_typed_from_scratch_is_passed_over_once_its_status_column_is_made(tmp_path, read):
    from ..wb import scratch_book
    book = scratch_book(tmp_path / "b.xlsx", [["单号", "日期", "业务类型", "供应商", "仓库", "商品编码", "数量", "单价"],
                                              ["CG1", d(2026, 11, 2), "入库", "S1", "W", "A1", 3, 2],
                                              ["CG2", d(2026, 11, 2), "入库", "S1", "W", "A1", 1, 2]])
    assert post(book).posted == 2
    read.clear()
    assert post(book).already == 2 and read["采购"] == []


def _twins(tmp_path, book):
    """The posted book and a copy of it with its own copy of the ledger."""
    other = tmp_path / "twin" / book.name
    other.parent.mkdir()
    shutil.copy(book, other)
    shutil.copy(ledger_at(book), ledger_at(other))
    return book, other


@pytest.mark.parametrize("when", ["reading", "remembering"])
def test_a_batch_by_another_during_a_post_leaves_nothing_remembered(tmp_path, file_book, monkeypatch, when):
    """Another clerk reverses CG2 while a post runs (as it reads its rows, or as it is about to
    remember them): what the post remembers would name a batch after the reversal, so the next
    post would pass over rows still saying CG2 is posted. Nothing is remembered; two posts
    later the rows read as in a copy that never remembered anything."""
    _posted_once(file_book)
    outcomes = []
    for book, remembered in zip(_twins(tmp_path, file_book), (True, False)):
        type_rows(book, "采购", NEW)
        method = "rows_seen" if when == "reading" else "remember_rows_seen"
        original = getattr(Ledger, method)

        def racing(self, *args, book=book, original=original):
            answer = original(self, *args) if when == "reading" else None
            with Ledger.open(ledger_at(book)) as elsewhere:
                assert elsewhere.reverse("CG2", "purchases", user="x", workbook="其他.xlsx").ok
            return answer if when == "reading" else original(self, *args)
        with monkeypatch.context() as m:
            m.setattr(Ledger, method, racing)
            post(book)
        with monkeypatch.context() as m:
            if not remembered:
                m.setattr(Ledger, "rows_seen", lambda self, workbook, english: (0, {}))
            post(book)
            post(book)
        outcomes.append(_statuses(book))
    assert outcomes[0] == outcomes[1]
    assert "已红字冲销" in outcomes[0]["采购"][1]


def test_rows_remembered_in_one_language_are_read_again_in_the_other(tmp_path, file_book, monkeypatch):
    """设置's 语言 changes no batch: rows remembered with Chinese 状态 are read again once the
    book says English, and get the English 状态 a book that remembered nothing gets."""
    _posted_once(file_book)
    outcomes = []
    for book, remembered in zip(_twins(tmp_path, file_book), (True, False)):
        type_rows(book, "设置", [{"项目": "语言", "值": "English"}], start=7)
        with monkeypatch.context() as m:
            if not remembered:
                m.setattr(Ledger, "rows_seen", lambda self, workbook, english: (0, {}))
            post(book)
        outcomes.append(_statuses(book))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0]["采购"][0].startswith("Posted")
