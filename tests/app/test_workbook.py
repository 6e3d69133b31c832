"""The clerk's loop on real .xlsx files: type rows, post, read statuses and generated sheets back."""
import datetime as dt
import os
import shutil
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment

from jxc_xl import Ledger
from jxc_xl.app.usecases import refresh_book, verify_book
from jxc_xl.io.patch import PatchBook as FileBook
from jxc_xl.sheets.format import WARN_FILL

from ..wb import TODAY, cell, check, error_marks, post, purchase, sale, table_rows, type_rows, ledger_at, posted_anything

D = Decimal
d = dt.date


def ledger_of(book):
    return Ledger.open(ledger_at(book))


def status(book, sheet, row):
    return cell(book, sheet, row, "状态") or ""


def test_new_post_and_every_figure_matches_the_ledger(book):
    type_rows(book, "期初库存", [{"日期": d(2026, 11, 1), "仓库": "WH1", "商品编码": "A001", "数量": 10,
                               "单位成本": 4}])
    type_rows(book, "期初往来", [{"日期": d(2026, 11, 1), "往来单位": "C01", "应收": 500, "到期日": d(2026, 9, 1)}])
    rows = type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6),
                                   purchase("CG1", d(2026, 11, 2), "B002", 4, "2.50")])
    sales = type_rows(book, "销售", [sale("XS1", "2026/11/5", "A001", 5, 9), sale("XS2", "20261106", "苹果", 1, 9,
                                                                                 customer="惠民便利店", wh="总仓")])
    type_rows(book, "调拨", [{"单号": "DB1", "日期": "2026.11.07", "调出仓库": "WH1", "调入仓库": "WH2",
                            "商品编码": "A001", "数量": 2}])
    type_rows(book, "收付款", [{"单号": "SK1", "日期": d(2026, 11, 8), "业务类型": "收款", "往来单位": "C01",
                             "金额": "1,000.00"}])
    report = post(book)
    assert report.exit_code == 0 and report.posted == 7 and report.error_rows == []
    assert all(status(book, "采购", r).startswith("已过账 批次1") for r in rows)
    assert all(status(book, "销售", r).startswith("已过账") for r in sales)
    with ledger_of(book) as ledger:
        stock = {(r["仓库"], r["商品编码"]): r for r in table_rows(book, "库存")}
        assert {k: (D(str(v["数量"])), D(str(v["库存金额"]))) for k, v in stock.items()} == \
               {(r.warehouse, r.item): (r.qty, r.value) for r in ledger.stock() if r.qty}
        assert stock[("WH1", "A001")]["库存金额"] == 60        # 20 @ 5 = 100, less 6 @ 5 and 2 @ 5
        assert stock[("WH2", "A001")]["预警"] is None   # 2 here, but 14 in all: not below 安全库存 5
        assert sum(D(str(r["库存金额"])) for r in stock.values()) == sum(r.value for r in ledger.stock())
        [c01] = [r for r in table_rows(book, "应收") if r["客户"] == "C01"]
        # 500 opening + 45 shipped − 1,000 received: both settled, 455 paid ahead (shown not yet due)
        assert (c01["应收余额"], c01["未到期"], c01["61-90天"]) == (-455, -455, 0)
        journal = table_rows(book, "台账")
        assert len(journal) == len(ledger.stock_card())
        note = openpyxl.load_workbook(book)["库存"]["A1"].value
        assert note.startswith("此表由系统根据账簿生成") and "生成时间" in note
    assert verify_book(FileBook(book), book, TODAY) == []


def test_aging_sheet_buckets_as_of_the_day_it_is_generated(book):
    type_rows(book, "期初往来", [{"日期": d(2026, 6, 1), "往来单位": "C01", "应收": 800, "到期日": d(2026, 7, 1)},
                               {"日期": d(2026, 6, 1), "往来单位": "C02", "应收": 300, "到期日": d(2026, 12, 1)},
                               {"日期": d(2026, 6, 1), "往来单位": "S01", "应付": 200}])
    type_rows(book, "收付款", [{"单号": "SK1", "日期": d(2026, 11, 1), "业务类型": "收款", "往来单位": "C01", "金额": 100}])
    assert post(book).exit_code == 0
    ar = {r["客户"]: r for r in table_rows(book, "应收")}
    assert (ar["C01"]["应收余额"], ar["C01"]["120天以上"], ar["C01"]["信用额度"]) == (700, 700, 1000)
    assert ar["C02"]["未到期"] == 300 and ar["C01"]["超出额度"] == 0
    [ap] = table_rows(book, "应付")
    assert (ap["供应商"], ap["应付余额"], ap["120天以上"]) == ("S01", 200, 200)   # due 2026-07-01: 143 days


def test_posting_twice_changes_nothing(book):
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6)])
    post(book)
    before = [[c.value for c in r] for r in openpyxl.load_workbook(book)["采购"].iter_rows(max_row=3)]
    report = post(book)
    assert (report.posted, report.already, report.exit_code) == (0, 1, 0)
    assert [[c.value for c in r] for r in openpyxl.load_workbook(book)["采购"].iter_rows(max_row=3)] == before
    with ledger_of(book) as ledger:
        assert ledger.conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0] == 1


def test_a_document_split_across_non_adjacent_rows_is_one_document(book):
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6),
                            purchase("CG2", d(2026, 11, 2), "A001", 1, 6),
                            purchase("CG1", d(2026, 11, 2), "B002", 3, 2)])
    assert post(book).posted == 2
    with ledger_of(book) as ledger:
        lines = ledger.conn.execute("SELECT COUNT(*) FROM lines l JOIN documents d ON d.id = l.doc "
                                    "WHERE d.doc_no = 'CG1'").fetchone()[0]
        assert lines == 2


def test_validate_marks_errors_and_posts_nothing(book):
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6)])
    type_rows(book, "销售", [sale("XS1", d(2026, 11, 1), "A001", 3, 9)])
    report = check(book)
    assert report.exit_code == 1
    assert status(book, "采购", 2) == ""
    assert "库存不足" in status(book, "销售", 2)                # found by a rolled-back posting
    assert not posted_anything(book)


def test_fixed_row_posts_next_time_and_its_highlight_clears(book):
    [row] = type_rows(book, "销售", [sale("XS1", d(2026, 11, 2), "X9", 1, 9)])
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", 10, 6)])
    post(book)
    assert (row, 6) in error_marks(book, "销售")
    type_rows(book, "销售", [{"商品编码": "A001"}], start=row)
    assert post(book).exit_code == 0
    assert not error_marks(book, "销售") and status(book, "销售", row).startswith("已过账")


# -- one test per kind of bad input: the exact row and message, nothing else changed -------------------
GOOD = purchase("CG0", d(2026, 11, 1), "A001", 10, 6)


@pytest.mark.parametrize("sheet, rows, bad_row, field, words", [
    ("销售", [sale("XS1", d(2026, 11, 2), "Q404", 1, 9)], 0, "商品编码", "商品编码“Q404”不存在"),
    ("销售", [sale("XS1", d(2026, 11, 2), "A001", 1, 9, customer="C99")], 0, "客户", "往来单位“C99”不存在"),
    ("销售", [sale("XS1", d(2026, 11, 2), "A001", 1, 9, wh="WH9")], 0, "仓库", "仓库“WH9”不存在"),
    ("销售", [sale("XS1", "2026-02-30", "A001", 1, 9)], 0, "日期", "日期“2026-02-30”不是有效日期"),
    ("销售", [sale("XS1", d(2026, 11, 2), "A001", "三", 9)], 0, "数量", "数量“三”不是数字"),
    ("销售", [sale("XS1", d(2026, 11, 2), "A001", -2, 9)], 0, "数量", "数量必须大于0（现为 -2）"),
    ("销售", [sale("XS1", d(2026, 11, 2), "A001", 0, 9)], 0, "数量", "数量必须大于0"),
    ("销售", [sale(None, d(2026, 11, 2), "A001", 1, 9)], 0, "单号", "单号不能为空"),
    ("销售", [sale("XS1", d(2026, 11, 2), "A001", 1, 9), sale("XS1", d(2026, 11, 3), "A001", 1, 9)], 1, "日期",
     "日期与同一单号第 2 行不一致"),
    ("销售", [sale("XS1", d(2026, 11, 2), "A001", 2, 9), sale("XT1", d(2026, 11, 3), "A001", 3, 9, kind="退货",
                                                              src="XS1")], 1, "数量", "超过原单“XS1”"),
    ("销售", [sale("XS1", d(2026, 11, 2), "A001", 11, 9)], 0, "数量", "可用只有 10"),
    ("采购", [purchase("CG1", d(2026, 11, 2), "A001", 1, 6), purchase("CG1", d(2026, 11, 2), "B002", 1, "abc")], 1,
     "单价", "单价“abc”不是数字"),
])
def test_bad_input(book, sheet, rows, bad_row, field, words):
    [good_row] = type_rows(book, "采购", [GOOD])
    used = type_rows(book, sheet, rows)
    report = post(book)
    assert report.exit_code == 1
    message = status(book, sheet, used[bad_row])
    assert message.startswith("错误：") and words in message, message
    col = [c.value for c in openpyxl.load_workbook(book)[sheet][1]].index(field) + 1
    assert (used[bad_row], col) in error_marks(book, sheet)
    assert status(book, "采购", good_row).startswith("已过账")
    with ledger_of(book) as ledger:
        posted = {r[0] for r in ledger.conn.execute("SELECT doc_no FROM documents")}
    bad_doc = rows[bad_row]["单号"]
    assert bad_doc not in posted and "CG0" in posted


def test_date_in_a_closed_period(book):
    from jxc_xl import Ledger
    post(book)                                               # the ledger made
    with Ledger.open(ledger_at(book)) as ledger:
        assert ledger.close_month(d(2026, 10, 31)) == []
    [row] = type_rows(book, "采购", [purchase("CG1", d(2026, 10, 31), "A001", 1, 6)])
    post(book)
    assert "在已结账期间内（结账日期 2026-10-31）" in status(book, "采购", row)


def test_edited_posted_row_is_reported_on_that_row(book):
    [row] = type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6)])
    post(book)
    type_rows(book, "采购", [{"数量": 12}], start=row)
    report = post(book)
    assert report.exit_code == 1 and "已过账，但本行与已过账的不同（数量 10 → 12）" in status(book, "采购", row)
    assert "红字冲销" in status(book, "采购", row)
    with ledger_of(book) as ledger:
        assert ledger.stock()[0].qty == 10
    type_rows(book, "采购", [{"数量": 10}], start=row)      # put back: posted again, nothing re-posted
    assert post(book).exit_code == 0 and status(book, "采购", row).startswith("已过账 批次1")


def test_duplicate_doc_no_with_other_content(book):
    type_rows(book, "收付款", [{"单号": "SK1", "日期": d(2026, 11, 8), "业务类型": "收款", "往来单位": "C01", "金额": 10}])
    post(book)
    [row] = type_rows(book, "收付款", [{"单号": "SK1", "日期": d(2026, 11, 9), "业务类型": "收款",
                                      "往来单位": "C01", "金额": 20}])
    post(book)
    assert "单号“SK1”已过账，本行是后加的，没有过账" in status(book, "收付款", row)


def test_missing_master_sheet_is_named(book):
    wb = openpyxl.load_workbook(book)
    del wb["仓库"]
    wb.save(book)
    report = post(book)
    assert report.exit_code == 1 and any("缺少“仓库”表" in p for p in report.sheet_problems)


def test_renamed_header_names_the_missing_column(book):
    wb = openpyxl.load_workbook(book)
    wb["采购"]["G1"] = "件数"
    wb.save(book)
    type_rows(book, "采购", [{"单号": "CG1", "日期": d(2026, 11, 2), "业务类型": "入库", "供应商": "S01",
                            "仓库": "WH1", "商品编码": "A001", "件数": 1, "单价": 2}])
    report = post(book)
    assert any("“采购”表找不到“数量”列" in p for p in report.sheet_problems)
    with ledger_of(book) as ledger:
        assert not ledger.has_postings()


def test_merged_cells_in_a_row(book):
    rows = type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 1, 6),
                                   purchase("CG1", d(2026, 11, 2), "B002", 1, 6)])
    wb = openpyxl.load_workbook(book)
    wb["采购"].merge_cells(f"A{rows[0]}:A{rows[1]}")
    wb.save(book)
    post(book)
    assert "合并单元格（A2:A3）" in status(book, "采购", rows[0])


def test_na_formula_result_in_an_input_cell(book, tmp_path):
    [row] = type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "=NA()", 1, 6)])
    _recalculate_with_libreoffice(book, tmp_path)
    post(book)
    assert "商品编码是公式错误值 #N/A" in status(book, "采购", row)


def _recalculate_with_libreoffice(book, tmp_path):
    """Have LibreOffice compute and cache every formula result, as Excel would on save."""
    import subprocess
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out), str(book)],
                   check=True, capture_output=True, timeout=180)
    shutil.copy(out / book.name, book)


# -- files: atomic save, backup, locks, what the user made -------------------------------------------------
def test_saved_atomically_with_a_backup(book):
    before = book.read_bytes()
    type_rows(book, "采购", [GOOD])
    typed = book.read_bytes()
    post(book)
    assert book.with_name(book.name + ".bak").read_bytes() == typed != before
    assert not [p for p in book.parent.iterdir() if p.name.startswith(".~")]


def test_open_in_another_program_or_read_only_is_a_clear_error(file_book, monkeypatch):
    book = file_book
    from click.testing import CliRunner
    from jxc_xl.cli import main
    type_rows(book, "采购", [GOOD])
    lock = book.with_name("~$" + book.name)
    lock.write_text("")
    result = CliRunner().invoke(main, ["post", str(book)])
    assert result.exit_code == 2 and "正在被其他程序" in result.output
    lock.unlink()
    os.chmod(book, 0o444)
    if os.access(book, os.W_OK):      # root ignores permission bits: let access() read them as a user would
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: real(p, mode) and (
            not mode & os.W_OK or bool(os.stat(p).st_mode & 0o200)))
    try:
        result = CliRunner().invoke(main, ["post", str(book)])
        assert result.exit_code == 2 and "只读" in result.output
    finally:
        os.chmod(book, 0o644)
    assert not posted_anything(book)


def test_a_failed_save_after_posting_is_re_marked_from_the_ledger(book, monkeypatch):
    [row] = type_rows(book, "采购", [GOOD])

    def broken(self):
        raise OSError("disk full")

    monkeypatch.setattr(FileBook, "save", broken)
    with pytest.raises(OSError):
        post(book)
    monkeypatch.undo()
    assert status(book, "采购", row) == ""          # the file was not written…
    report = post(book)                              # …so the next run re-marks from the ledger
    assert (report.posted, report.already) == (0, 1)
    assert status(book, "采购", row).startswith("已过账 批次1")


def test_user_content_survives_a_post(book):
    wb = openpyxl.load_workbook(book)
    ws = wb["采购"]
    ws["N1"] = "我的备注列"
    ws["N2"] = "=G2*2"
    ws["N2"].number_format = "0.000"
    ws["B1"].comment = Comment("老板说日期要写清楚", "王会计")
    extra = wb.create_sheet("我的统计")
    extra["A1"] = "自己的表"
    extra["B2"] = "=SUM(采购!G:G)"
    wb.save(book)
    type_rows(book, "采购", [GOOD])
    post(book)
    wb = openpyxl.load_workbook(book)
    assert (wb["采购"]["N1"].value, wb["采购"]["N2"].value, wb["采购"]["N2"].number_format) == \
           ("我的备注列", "=G2*2", "0.000")
    assert wb["采购"]["B1"].comment.text == "老板说日期要写清楚"
    assert wb["我的统计"]["B2"].value == "=SUM(采购!G:G)"
    assert wb["采购"]["I2"].value.startswith("=IF(")              # the 金额 formula is kept


def test_formula_like_text_from_the_ledger_is_written_as_text(book):
    type_rows(book, "商品", [{"商品编码": "=1+2", "商品名称": "+危险名称"}])
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "=1+2", 1, 6)])
    # a clerk typing "=1+2" makes a formula; as text it would come as the typed code
    wb = openpyxl.load_workbook(book)
    for ws in (wb["商品"], wb["采购"]):
        for row in ws.iter_rows():
            for c in row:
                if c.value == "=1+2":
                    c.data_type = "s"
    wb.save(book)
    post(book)
    ws = openpyxl.load_workbook(book)["库存"]
    cells = {c.value: c.data_type for row in ws.iter_rows(min_row=3) for c in row if isinstance(c.value, str)}
    assert cells["=1+2"] == "s" and cells["+危险名称"] == "s"


def test_typed_from_scratch_with_english_headers_and_a_title_row(tmp_path):
    path = tmp_path / "scratch.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Items"
    ws.append(["SKU", "Name"])
    ws.append([" A1 ", "Apple"])
    ws = wb.create_sheet("Parties")
    ws.append(["code", "NAME", "Kind"])
    ws.append(["S1", "Supplier One", "Supplier"])
    ws = wb.create_sheet("Warehouses")
    ws.append(["Code", "Name"])
    ws.append(["W", "Main"])
    ws = wb.create_sheet("Purchases")
    ws.append(["2026年11月采购单"])
    ws.append([])
    ws.append(["My column", "DocNo", "Date", "Type", "Supplier", "Warehouse", "SKU", "Qty", "UnitPrice", "Status"])
    ws.append(["x", "P1", "2026/11/02", "Receipt", "Supplier One", "Main", "A1", " 1,200.50 ", "2"])
    wb.save(path)
    report = post(path)
    assert report.exit_code == 0, (report.error_rows, report.sheet_problems)
    assert openpyxl.load_workbook(path)["Purchases"]["J4"].value.startswith("已过账")
    with ledger_of(path) as ledger:
        [row] = ledger.stock()
        assert (row.qty, row.value) == (D("1200.5"), D("2401.00"))
    assert {"库存", "应收", "应付", "台账"} <= set(openpyxl.load_workbook(path).sheetnames)


def test_reverse_marks_the_rows_and_refreshes(book):
    rows = type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6)])
    post(book)
    from jxc_xl.app.usecases import reverse_book
    report = reverse_book(FileBook(book), book, "CG1", today=TODAY)
    assert report.exit_code == 0
    assert "已红字冲销" in status(book, "采购", rows[0])
    [row] = table_rows(book, "库存")                      # nothing left, and A001 has a safety stock
    assert (row["数量"], row["库存金额"], row["预警"]) == (0, 0, "缺货")
    assert [r["单据类型"] for r in table_rows(book, "台账")] == ["采购入库", "采购入库（红字冲销）"]
    # the 红字冲销 shows as a negative in its original's column, not as an issue
    assert [(r["入库数量"], r["出库数量"], r["金额"]) for r in table_rows(book, "台账")] == [(10, None, 60), (-10, None, -60)]
    alert = openpyxl.load_workbook(book)["库存"]["I3"]                          # 预警 coloured
    assert alert.value == "缺货" and alert.fill.fgColor.rgb == WARN_FILL


def test_the_fast_writer_edits_the_file_without_openpyxl(book, monkeypatch):
    """A workbook made by `jxc new` is patched in place; openpyxl's writer is never needed."""
    from jxc_xl.io import xlsx
    [row] = type_rows(book, "采购", [GOOD])
    before = {n: zipfile.ZipFile(book).read(n) for n in zipfile.ZipFile(book).namelist()}

    def no_openpyxl(*args, **kwargs):
        raise AssertionError("the fast path fell back to openpyxl")

    monkeypatch.setattr(xlsx.FileBook, "save", no_openpyxl)
    monkeypatch.setattr(openpyxl, "load_workbook", no_openpyxl)     # the slow writer imports it when used
    assert post(book).exit_code == 0
    monkeypatch.undo()
    assert status(book, "采购", row).startswith("已过账")
    after = {n: zipfile.ZipFile(book).read(n) for n in zipfile.ZipFile(book).namelist()}
    changed = {n for n in before if before[n] != after.get(n)}
    sheets = {n for n in changed if n.startswith("xl/worksheets/sheet")}
    assert len(sheets) == 6                      # 采购 and the five generated sheets, nothing else
    # beside them: styles, table ranges, and workbook.xml for the journal's generation mark
    assert changed - sheets <= {"xl/styles.xml", "xl/workbook.xml"} | {n for n in changed if n.startswith("xl/tables/")}
    assert [r["库存金额"] for r in table_rows(book, "库存")] == [60]


def journal_in_full(book) -> list[list]:
    """What 台账 must hold: the whole journal from the ledger, as openpyxl reads numbers back."""
    from jxc_xl.reports.generate import journal_rows
    with Ledger.open(ledger_at(book)) as ledger:
        rows = journal_rows(ledger)[1]
    return [[float(v) if type(v).__name__ == "Exact" else v for v in r] for r in rows]


def journal_in_sheet(book) -> list[list]:
    import openpyxl
    ws = openpyxl.load_workbook(book)["台账"]
    return [[v.date() if isinstance(v, dt.datetime) else v for v in r]
            for r in ws.iter_rows(min_row=3, values_only=True)]


def test_the_journal_keeps_its_untouched_rows_and_rewrites_from_the_first_touched(book, monkeypatch):
    from jxc_xl.io import sheetdata as patch
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", 10, 5), purchase("CG2", d(2026, 11, 3), "B002", 4, 2)])
    type_rows(book, "销售", [sale("XS1", d(2026, 11, 5), "A001", 3, 9)])
    post(book)
    assert journal_in_sheet(book) == journal_in_full(book)
    written = []
    real = patch._data_rows
    monkeypatch.setattr(patch, "_data_rows", lambda rows, *a: written.append(len(rows)) or real(rows, *a))
    type_rows(book, "销售", [sale("XS2", d(2026, 11, 6), "B002", 1, 4)])       # after everything: appended
    post(book)
    assert written[-1] == 1 and journal_in_sheet(book) == journal_in_full(book)
    type_rows(book, "采购", [purchase("CG3", d(2026, 11, 2), "A001", 10, 7)])   # back-dated: recosts XS1
    post(book)
    assert written[-1] == 4 and journal_in_sheet(book) == journal_in_full(book)   # CG3, CG2, XS1, XS2
    post(book)                                                               # nothing new: nothing rewritten
    assert written[-1] == 0 and journal_in_sheet(book) == journal_in_full(book)
    refresh_book(FileBook(book), book, today=TODAY)                          # 刷新 rewrites it all
    assert written[-1] == 5 and journal_in_sheet(book) == journal_in_full(book)


def test_a_restored_ledger_backup_gets_the_journal_rewritten(file_book, monkeypatch):
    """Batch numbers come again after a backup is restored: the mark's batch time tells them apart."""
    book = file_book
    from jxc_xl.io import sheetdata as patch
    ledger = ledger_at(book)
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", 10, 5)])
    post(book)
    saved = ledger.read_bytes()
    type_rows(book, "采购", [purchase("CG2", d(2026, 11, 2), "A001", 1, 5)])
    post(book)                                                # batch 2, the mark says so
    ledger.write_bytes(saved)                                 # the backup from before batch 2
    for extra in (ledger.with_name(ledger.name + "-wal"), ledger.with_name(ledger.name + "-shm")):
        extra.unlink(missing_ok=True)
    with Ledger.open(ledger) as led:                          # a different batch 2, at another time
        led.conn.execute("INSERT INTO batches(posted_at, user, workbook) VALUES ('2000-01-01T00:00:00', 'x', 'y')")
    written = []
    real = patch._data_rows
    monkeypatch.setattr(patch, "_data_rows", lambda rows, *a: written.append(len(rows)) or real(rows, *a))
    post(book)                                                # CG2 posts again, into the restored ledger
    assert written[-1] == 2 and journal_in_sheet(book) == journal_in_full(book)


def test_a_journal_from_another_ledger_is_rewritten_in_full(file_book, tmp_path, monkeypatch):
    book = file_book
    from jxc_xl.io import sheetdata as patch
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", 10, 5)])
    post(book)
    other = tmp_path / "other.jxc.db"
    type_rows(book, "设置", [{"项目": "账簿文件", "值": other.name}], start=3)
    written = []
    real = patch._data_rows
    monkeypatch.setattr(patch, "_data_rows", lambda rows, *a: written.append(len(rows)) or real(rows, *a))
    post(book, new_ledger=True)                   # the same rows, now in a new, different ledger
    assert written[-1] == 1 and journal_in_sheet(book) == journal_in_full(book)         # 设置 names other.jxc.db now


def test_a_journal_written_in_an_earlier_format_is_rewritten_in_full(book, monkeypatch):
    """A 台账 whose mark names this ledger but not the way rows are shown now (one written before
    returns showed as negative 入库) keeps none of its rows: no sheet mixes two sign rules."""
    import zipfile
    from jxc_xl.io import sheetdata as patch
    from jxc_xl.reports.generate import JOURNAL_FORMAT
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 1), "A001", 10, 5)])
    post(book)
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(JOURNAL_FORMAT.encode(), b"")   # as an older jxc wrote it
    with zipfile.ZipFile(book, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    written = []
    real = patch._data_rows
    monkeypatch.setattr(patch, "_data_rows", lambda rows, *a: written.append(len(rows)) or real(rows, *a))
    type_rows(book, "采购", [purchase("CG2", d(2026, 11, 2), "A001", 1, 5)])
    post(book)
    assert written[-1] == 2 and journal_in_sheet(book) == journal_in_full(book)


def test_english_statuses_when_the_language_is_english(book):
    type_rows(book, "设置", [{"项目": "语言", "值": "English"}], start=7)
    rows = type_rows(book, "采购", [GOOD, purchase("CG9", d(2026, 11, 2), "NOPE", 1, 6)])
    post(book)
    assert status(book, "采购", rows[0]).startswith("Posted batch 1")
    assert status(book, "采购", rows[1]) == "Error: Unknown SKU 'NOPE': add it to the Items sheet first or check the spelling."


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.tuples(st.integers(1, 20), st.sampled_from(["A001", "B002"]), st.integers(1, 5)),
                         min_size=1, max_size=3), min_size=1, max_size=4))
def test_the_journal_sheet_always_equals_the_whole_journal(tmp_path_factory, batches):
    """Batches of receipts in any date order (so later ones recost earlier rows), each posted
    on its own: the incrementally written 台账 is always the ledger's whole journal."""
    from jxc_xl.io.template import new_workbook

    from ..wb import masters
    book = new_workbook(tmp_path_factory.mktemp("journal") / "账本.xlsx")
    masters(book)
    n = 0
    for batch in batches:
        rows = []
        for day, sku, qty in batch:
            n += 1
            rows.append(purchase(f"CG{n}", d(2026, 10, day), sku, qty, 1 + n % 7))
        type_rows(book, "采购", rows)
        assert post(book).exit_code == 0
        assert journal_in_sheet(book) == journal_in_full(book)


def test_a_clerk_posts_only_what_the_role_may_and_the_row_says_why(file_book):
    """Once the ledger has users, a 销售 clerk's 过账 posts the sales rows and marks a purchase row
    with who may not post it and what the role may; 财务 then posts it. `jxc users` keeps the list."""
    book = file_book
    from click.testing import CliRunner
    from jxc_xl.cli import main
    post(book)                                                    # the ledger, empty
    path = str(ledger_at(book))
    runner = CliRunner()
    assert runner.invoke(main, ["users", "add", path, "管家", "--role", "管理员", "--user", "管家"]).exit_code == 0
    for name, role in (("小销", "销售"), ("小采", "采购")):
        assert runner.invoke(main, ["users", "add", path, name, "--role", role, "--user", "管家"]).exit_code == 0
    refused = runner.invoke(main, ["users", "add", path, "外人", "--role", "老板", "--user", "小销"])
    assert refused.exit_code == 1 and "不能管理用户" in refused.output
    rows = type_rows(book, "采购", [GOOD])
    sold = type_rows(book, "销售", [sale("XS1", d(2026, 11, 3), "A001", 1, 9)])
    assert post(book, user="小销").exit_code == 1
    assert status(book, "采购", rows[0]).startswith("错误：用户“小销”（销售）不能过账采购入库：销售可以销售出库")
    assert status(book, "销售", sold[0]).startswith("错误：")             # nothing in stock yet to ship
    assert post(book, user="小采").exit_code == 1                # the sale now waits for 小销
    assert status(book, "采购", rows[0]).startswith("已过账") and status(book, "销售", sold[0]).startswith("错误：用户“小采”")
    listed = runner.invoke(main, ["users", "list", path]).output
    assert "小销\t销售\t在用" in listed and "管家\t管理员\t在用" in listed
