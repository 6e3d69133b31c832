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
from jxc_xl.sheets.contract import GENERATED
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


def test_refresh_as_of_a_day_shows_the_aging_of_that_day_and_says_so(book):
    """Closing November on 12-05: 刷新 --as-of 2026-11-30 shows what was owed and how overdue on
    11-30 (a receipt of 12-01 not yet in), the title row says so, and 核对 holds the sheet to that
    day; a plain 刷新 then shows today's again."""
    from click.testing import CliRunner
    from jxc_xl.cli import main
    type_rows(book, "期初往来", [{"日期": d(2026, 10, 1), "往来单位": "C01", "应收": 800, "到期日": d(2026, 11, 1)},
                               {"日期": d(2026, 10, 1), "往来单位": "S01", "应付": 200, "到期日": d(2026, 11, 1)}])
    type_rows(book, "收付款", [{"单号": "SK1", "日期": d(2026, 12, 1), "业务类型": "收款", "往来单位": "C01", "金额": 100},
                            {"单号": "FK1", "日期": d(2026, 12, 2), "业务类型": "付款", "往来单位": "S01", "金额": 50}])
    assert post(book).exit_code == 0
    done = CliRunner().invoke(main, ["refresh", str(book), "--as-of", "2026/11/30"])
    assert done.exit_code == 0, done.output
    [ar], [ap] = table_rows(book, "应收"), table_rows(book, "应付")
    assert (ar["应收余额"], ar["0-30天"], ar["31-60天"]) == (800, 800, 0)          # 29 days past due on 11-30
    assert (ap["应付余额"], ap["0-30天"]) == (200, 200)
    titles = openpyxl.load_workbook(book)
    assert all("账龄截至 2026-11-30" in titles[sheet]["A1"].value for sheet in ("应收", "应付"))
    assert "逾期天数截至 2026-11-30" not in titles["订单跟踪"]["A1"].value              # orders stay as they stand
    assert verify_book(FileBook(book), book, d(2026, 12, 5)) == []
    refresh_book(FileBook(book), book, today=d(2026, 12, 5))
    [ar] = table_rows(book, "应收")
    assert (ar["应收余额"], ar["0-30天"], ar["31-60天"]) == (700, 0, 700)            # 34 days on 12-05
    assert "账龄截至 2026-12-05" in openpyxl.load_workbook(book)["应收"]["A1"].value


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
    ("销售", [sale("XS1", d(2026, 11, 2), "A001", "1,20", 9)], 0, "数量", "数量“1,20”看不懂：是 1.20 还是 120？"),
    ("销售", [sale("XS1", d(2026, 11, 2), "A001", 1, "¥1,2,3")], 0, "单价", "单价“¥1,2,3”看不懂：是 123 吗？"),
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
    assert len(sheets) == 1 + len(GENERATED)     # 采购 and the generated sheets, nothing else
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


def test_header_comments_of_a_new_workbook_speak_chinese(file_book):
    """Issue 21.17: a required column's note says what to type, in Chinese — no `DocNo` or
    `FromWarehouse` for a clerk to puzzle over."""
    import re
    wb = openpyxl.load_workbook(file_book)
    notes = {(ws.title, c.value): c.comment.text for ws in wb for c in ws[1] if c.comment}
    assert notes[("采购", "单号")].startswith("必填") and notes[("调拨", "调出仓库")].startswith("必填")
    assert "仓库" in notes[("调拨", "调出仓库")] and "入库" in notes[("采购", "业务类型")]
    assert len(notes) > 40 and not [n for n in notes.values() if re.search("[A-Za-z]", n)]


def _cli(*args):
    from click.testing import CliRunner
    from jxc_xl.cli import main
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_missing_master_sheet_stops_the_summary_without_balances(book):
    """Issue 21.17: with 仓库 missing the run reads no books, so it prints no 库存金额 0.00 or
    应收 0.00 as if the books were empty, and no "错误行 0": it names the sheet and stops."""
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6)])
    assert post(book).exit_code == 0
    wb = openpyxl.load_workbook(book)
    del wb["仓库"]
    wb.save(book)
    for command in ("post", "validate"):
        done = _cli(command, book)
        assert done.exit_code == 1 and "缺少“仓库”表" in done.output
        assert "已停止" in done.output
        assert "库存金额" not in done.output and "应收" not in done.output and "错误行" not in done.output
    message, _ = _press(book, "post")
    assert "缺少“仓库”表" in message and "过账完成" not in message and "库存金额" not in message


def test_a_refused_reversal_says_it_was_refused_and_why_without_counts(book):
    """Issue 21.17: 红字冲销 in a closed period: "冲销被拒" and the reason, not "错误行 0"."""
    type_rows(book, "采购", [purchase("CG1", d(2026, 10, 2), "A001", 10, 6)])
    assert post(book).exit_code == 0
    with ledger_of(book) as ledger:
        ledger.close_period(d(2026, 10, 31))
    done = _cli("reverse", book, "CG1")
    assert done.exit_code == 1
    lines = done.output.splitlines()
    assert lines[0].strip().startswith("日期 2026-10-02 在已结账期间内")              # why, then what
    assert lines[1] == "冲销被拒：单号 CG1 没有冲销 / reversal refused"
    assert "错误行" not in done.output and "过账单据" not in done.output
    assert "库存金额 / stock value: 60.00" in done.output          # what the books hold is still true
    refused = _cli("close-order", book, "NOPE")
    assert refused.exit_code == 1 and refused.output.startswith("订单 NOPE 没有关闭：")


def test_reverse_and_restore_with_a_missing_master_sheet_change_nothing(file_book):
    """Issue 21.17 (sibling): they read the master sheets to mark rows; with one missing they stop
    before touching the books (the reversal used to be made, then the run crashed)."""
    book = file_book
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6)])
    assert post(book).exit_code == 0
    assert _cli("backup", book).exit_code == 0
    [backup] = (book.parent / "备份").glob("*.db")
    wb = openpyxl.load_workbook(book)
    del wb["商品"]
    wb.save(book)
    before = book.read_bytes()
    done = _cli("reverse", book, "CG1")
    assert done.exit_code == 1 and "缺少“商品”表" in done.output and "没有冲销" in done.output
    again = _cli("restore", book, backup)
    assert again.exit_code == 1 and "缺少“商品”表" in again.output and "没有恢复" in again.output
    assert book.read_bytes() == before and not list(book.parent.glob("*replaced*"))
    with ledger_of(book) as ledger:
        assert ledger.stock()[0].qty == 10 and [a.action for a in ledger.audit_log()] == ["post"]


def _press(path, tag):
    from ..entry.test_ribbon import press
    return press(path, tag)


def test_header_fields_agree_when_one_row_names_what_another_gives_by_code(book):
    """Issue 21.17: 门店仓 on one row and its code WH2 on the next name the same warehouse, and 朝阳超市
    and C01 the same customer: one document, posted once, unchanged on the next post. Two
    different warehouses still disagree."""
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 6), purchase("CG1", d(2026, 11, 2), "B002", 10, 2)])
    moved = type_rows(book, "调拨", [
        {"单号": "DB1", "日期": d(2026, 11, 7), "调出仓库": "总仓", "调入仓库": "门店仓", "商品编码": "A001", "数量": 2},
        {"单号": "DB1", "日期": d(2026, 11, 7), "调出仓库": "WH1", "调入仓库": "wh2", "商品编码": "B002", "数量": 2},
        {"单号": "DB2", "日期": d(2026, 11, 7), "调出仓库": "WH1", "调入仓库": "WH2", "商品编码": "A001", "数量": 1},
        {"单号": "DB2", "日期": d(2026, 11, 7), "调出仓库": "WH1", "调入仓库": "WH1", "商品编码": "B002", "数量": 1}])
    sold = type_rows(book, "销售", [sale("XS1", d(2026, 11, 8), "A001", 1, 9, customer="朝阳超市", wh="总仓"),
                                   sale("XS1", d(2026, 11, 8), "B002", 1, 5)])
    report = post(book)
    assert report.posted == 3 and {(s, r) for s, r, _ in report.error_rows} == {("调拨", moved[2]), ("调拨", moved[3])}
    assert all(status(book, "调拨", r).startswith("已过账") for r in moved[:2])
    assert all(status(book, "销售", r).startswith("已过账") for r in sold)
    assert "调入仓库与同一单号第" in status(book, "调拨", moved[3])
    with ledger_of(book) as ledger:
        assert {(r.warehouse, r.item): r.qty for r in ledger.stock() if r.qty} == \
               {("WH1", "A001"): 7, ("WH1", "B002"): 7, ("WH2", "A001"): 2, ("WH2", "B002"): 2}
    again = post(book)
    assert again.posted == 0 and {(s, r) for s, r, _ in again.error_rows} == {("调拨", moved[2]), ("调拨", moved[3])}


def test_a_suppliers_refund_posts_and_shows_on_payables_and_its_statement(book):
    """Issue 21.17: 收款 from the supplier S01 (it pays back what we paid ahead) posts and raises
    应付 back to 0; its 对账单 shows it as a refund and closes on JXC_BALANCE's figure."""
    from jxc_xl import lookup
    from jxc_xl.app.reports import write_statement
    from jxc_xl.sheets.contract import C
    from .test_reports import report_table
    type_rows(book, "采购", [purchase("CG1", d(2026, 11, 2), "A001", 10, 80)])
    rows = type_rows(book, "收付款", [
        {"单号": "FK1", "日期": d(2026, 11, 3), "业务类型": "付款", "往来单位": "S01", "金额": 1000},
        {"单号": "SK1", "日期": d(2026, 11, 9), "业务类型": "收款", "往来单位": "烟台果业", "金额": 150}])
    report = post(book)
    assert report.exit_code == 0 and all(status(book, "收付款", r).startswith("已过账") for r in rows)
    [ap] = table_rows(book, "应付")
    assert (ap["供应商"], ap["应付余额"], ap["未到期"]) == ("S01", -50, -50)       # 200 ahead, 150 of it back
    assert write_statement(FileBook(book), book, "S01", d(2026, 11, 1), d(2026, 11, 30)).ok
    columns = tuple(C(zh, "") for zh in ("日期", "单号", "单据类型", "摘要", "应付增加", "付出", "应付余额"))
    found, total = report_table(book, "对账单", columns, "往来单位：S01 烟台果业")
    assert [(r["单号"], r["单据类型"], r["应付增加"], r["付出"], r["应付余额"]) for r in found[1:]] == [
        ("CG1", "采购入库", D("800"), None, D("800")), ("FK1", "付款", None, D("1000"), D("-200")),
        ("SK1", "收款（供应商退款）", None, D("-150"), D("-50"))]
    [[balance]] = [lookup.balance(ledger_at(book), ["S01"], d(2026, 11, 30))]
    assert -total["应付余额"] == balance == D("50.00")     # what we owe, shown positive: JXC_BALANCE's AR − AP turned over


def test_a_doc_no_in_two_sheets_is_reversed_by_naming_its_sheet(book):
    """Issue 21.17 (sibling): "请指明是哪一类单据" must be something a clerk can do: `--sheet`."""
    type_rows(book, "采购", [purchase("X1", d(2026, 11, 2), "A001", 10, 6)])
    type_rows(book, "销售", [sale("X1", d(2026, 11, 3), "A001", 1, 9)])
    assert post(book).exit_code == 0
    both = _cli("reverse", book, "X1")
    assert both.exit_code == 1 and "（采购入库、销售出库）" in both.output and "--sheet" in both.output
    done = _cli("reverse", book, "X1", "--sheet", "销售")
    assert done.exit_code == 0 and "已红字冲销 单号 X1" in done.output
    with ledger_of(book) as ledger:
        assert [r.qty for r in ledger.stock()] == [10]


# -- what the program writes into input sheets shows as what it is (issue 21.6) ----------------------------------
def _looks(path, sheet, row, header):
    """(value, number format) of a cell as a spreadsheet shows it."""
    ws = openpyxl.load_workbook(path)[sheet]
    header_row = next(r for r in range(1, 21) if header in [c.value for c in ws[r]])
    c = ws.cell(row, [c.value for c in ws[header_row]].index(header) + 1)
    return c.value, c.number_format


def _writer(kind, path):
    """The Book each writer is: the fast patch writer, the openpyxl one, live Excel through xlwings."""
    from jxc_xl.io.excel import XlwingsBook
    from jxc_xl.io.xlsx import FileBook as OpenpyxlBook
    from ..xlengine import open_book
    return {"patch": lambda: FileBook(path), "openpyxl": lambda: OpenpyxlBook(path),
            "xlwings": lambda: XlwingsBook(open_book(path))}[kind]()


@pytest.mark.parametrize("writer", ["patch", "openpyxl", "xlwings"])
def test_count_sheet_rows_show_their_date_and_quantities_formatted(file_book, writer):
    from jxc_xl.app.tools import count_sheet
    from jxc_xl.sheets.format import is_date_format
    book = file_book
    type_rows(book, "采购", [GOOD, purchase("CG1", d(2026, 11, 2), "B002", "2.5", 6),
                            purchase("CG2", d(2026, 11, 2), "A001", 3, 6, wh="WH2")])
    assert post(book).exit_code == 0
    target = _writer(writer, book)
    done = count_sheet(target, book, "WH1", d(2026, 11, 30))
    if writer == "xlwings":
        target.book.save()
    assert done.ok, done.message
    for row in (2, 3):
        day, shown = _looks(book, "盘点", row, "日期")
        assert day == dt.datetime(2026, 11, 30) and is_date_format(shown), (row, day, shown)
        assert _looks(book, "盘点", row, "账面数量")[1] == "#,##0.00##"
    type_rows(book, "盘点", [{"实盘数量": 10}, {"实盘数量": 2}], start=2)
    assert post(book).exit_code == 0
    assert _looks(book, "盘点", 3, "账面数量") == (2.5, "#,##0.00##")
    assert _looks(book, "盘点", 3, "差异") == (-0.5, "#,##0.00##")


def test_count_sheet_date_option_takes_the_forms_the_sheets_take(file_book):
    from click.testing import CliRunner
    from jxc_xl.cli import main
    book = file_book
    type_rows(book, "采购", [GOOD])
    assert post(book).exit_code == 0
    result = CliRunner().invoke(main, ["count-sheet", str(book), "WH1", "--date", "2026/11/30"])
    assert result.exit_code == 0 and "PD20261130-001" in result.output, result.output
    assert _looks(book, "盘点", 2, "日期")[0] == dt.datetime(2026, 11, 30)
    result = CliRunner().invoke(main, ["count-sheet", str(book), "WH1", "--date", "20261131"])
    assert result.exit_code == 2 and "“20261131”不是日期" in result.output, result.output


def test_count_sheet_and_new_number_read_no_other_sheet_to_find_the_ledger(file_book, monkeypatch):
    """Issue 24 (the sibling of 核对 reading only 单号): 盘点表 and 新单号 open the ledger beside the
    book without reading the document sheets (a 100,000-line 采购 parsed to open it); where no
    ledger is found, they read them as before to tell a book separated from its books."""
    from jxc_xl.app.tools import count_sheet, next_doc_no
    book = file_book
    type_rows(book, "采购", [GOOD])
    type_rows(book, "销售", [sale("XS1", d(2026, 11, 2), "A001", 1, 9)])
    assert post(book).exit_code == 0
    read = FileBook.values
    monkeypatch.setattr(FileBook, "values", lambda self, sheet: pytest.fail(f"{sheet} read")
                        if sheet in ("采购", "商品") else read(self, sheet))
    assert count_sheet(FileBook(book), book, "WH1", d(2026, 11, 30)).ok
    assert next_doc_no(FileBook(book), book, "销售", 3, 3, d(2026, 11, 30)).ok
    monkeypatch.setattr(FileBook, "values", read)
    ledger_at(book).rename(book.with_name("elsewhere.db"))
    with pytest.raises(Exception, match="账簿"):
        count_sheet(FileBook(book), book, "WH1", d(2026, 11, 30))


def test_closed_through_shows_as_a_date_on_a_settings_sheet_typed_from_scratch(tmp_path):
    from jxc_xl.app.periods import close_month
    from jxc_xl.sheets.format import is_date_format
    path = tmp_path / "scratch.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "商品"
    wb["商品"].append(["商品编码", "商品名称"])
    wb["商品"].append(["A1", "苹果"])
    for name, header, row in (("往来单位", ["编码", "名称", "类型"], ["S1", "供应商一", "供应商"]),
                              ("仓库", ["编码", "名称"], ["W", "总仓"]), ("设置", ["项目", "值"], ["公司名称", "小店"])):
        wb.create_sheet(name).append(header)
        wb[name].append(row)
    wb.save(path)
    assert post(path).exit_code == 0
    assert close_month(FileBook(path), path, "2026-10").ok
    ws = openpyxl.load_workbook(path)["设置"]
    assert (ws["A3"].value, ws["B3"].value) == ("结账日期", dt.datetime(2026, 10, 31))
    assert is_date_format(ws["B3"].number_format), ws["B3"].number_format


# -- figures and dates read from text go back as numbers and dates (issue 21.7) -----------------------------------
def test_figures_typed_as_text_are_written_back_as_numbers_and_a_cleared_amount_is_filled(book, tmp_path):
    rows = type_rows(book, "采购", [purchase("CG1", "2026/11/02", "A001", "'100'".strip("'"), "¥38.50"),
                                   purchase("CG1", "2026/11/02", "B002", "66元", "2"),
                                   purchase("CG2", d(2026, 11, 3), "A001", 2, "1,200.50")])
    wb = openpyxl.load_workbook(book)
    for r in rows:
        wb["采购"].cell(r, 9).value = None                    # 金额 cleared (the formula deleted)
    wb.save(book)
    first = post(book)
    assert first.exit_code == 0 and first.posted == 2, first.error_rows
    shown = [(_looks(book, "采购", r, "日期"), _looks(book, "采购", r, "数量"), _looks(book, "采购", r, "单价"),
              _looks(book, "采购", r, "金额")) for r in rows]
    assert [[v for v, _ in cells] for cells in shown] == [
        [dt.datetime(2026, 11, 2), 100, 38.5, 3850], [dt.datetime(2026, 11, 2), 66, 2, 132],
        [dt.datetime(2026, 11, 3), 2, 1200.5, 2401]]
    assert [f for _, f in shown[0]] == [f for _, f in shown[1]] == ["yyyy-mm-dd", "#,##0.00##", "#,##0.0000",
                                                                    "#,##0.00"]
    assert [f for _, f in shown[2][2:]] == ["#,##0.0000", "#,##0.00"]      # typed as text, or cleared
    # the sheet now adds up to what we owe, as LibreOffice computes it
    wb = openpyxl.load_workbook(book)
    wb["采购"]["P1"] = "=SUM(I2:I4)"
    wb.save(book)
    _recalculate_with_libreoffice(book, tmp_path)
    assert openpyxl.load_workbook(book, data_only=True)["采购"]["P1"].value == 3850 + 132 + 2401
    statuses = [status(book, "采购", r) for r in rows]
    with ledger_of(book) as ledger:
        batches = ledger.conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0]
        documents = ledger.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    from jxc_xl.app.inputs import read_input, read_sheets
    written = FileBook(book)
    docs = read_input(written, read_sheets(written)).docs      # read afresh, no digest to skip by
    with ledger_of(book) as ledger:
        posted = ledger.latest_documents()
        assert {p.doc_no: p.document.fingerprint() for p in docs} == \
            {p.doc_no: posted[(p.journal, p.doc_no)]["fingerprint"] for p in docs}
    again = post(book)                  # the same values: the fingerprints are the ones posted
    assert (again.exit_code, again.posted, again.already) == (0, 0, 2)
    assert [status(book, "采购", r) for r in rows] == statuses
    with ledger_of(book) as ledger:
        assert ledger.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == documents
        assert ledger.conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0] <= batches + 1


def test_the_digest_remembered_is_of_the_rows_as_written_back(file_book, monkeypatch):
    """What was written back is what the next post reads: the documents are not read again."""
    from jxc_xl.sheets import parse
    book = file_book
    type_rows(book, "采购", [purchase("CG1", "2026/11/02", "A001", "100", "¥38.50")])
    assert post(book).exit_code == 0
    read = []
    real = parse._document
    monkeypatch.setattr(parse, "_document", lambda *a: read.append(a[1]) or real(*a))
    assert post(book).already == 1 and read == []


# -- codes on generated sheets as their masters hold them (issue 21.9) ------------------------------------------
def test_numeric_codes_stay_numbers_so_the_owners_lookups_find_them(file_book, tmp_path):
    """商品 holds 1001 as a number, 往来单位 2001, 仓库 7: 库存, 台账, 应付 and the reports write
    them as numbers, and LibreOffice's VLOOKUP and COUNTIF from the masters' cells find them."""
    from jxc_xl.app.reports import make_reports, print_document
    book = file_book
    type_rows(book, "商品", [{"商品编码": 1001, "商品名称": "数字商品", "单位": "个"}])
    type_rows(book, "往来单位", [{"编码": 2001, "名称": "数字供应商", "类型": "供应商"}])
    type_rows(book, "仓库", [{"编码": 7, "名称": "七号仓"}])
    type_rows(book, "采购", [{**purchase("CG1", d(2026, 11, 2), 1001, 10, 6, wh=7), "供应商": 2001},
                            purchase("CG2", d(2026, 11, 2), "A001", 1, 6)])
    assert post(book).exit_code == 0
    assert make_reports(FileBook(book), book, d(2026, 11, 1), d(2026, 11, 30), today=TODAY).ok
    assert print_document(FileBook(book), book, "CG1")[0].ok
    assert verify_book(FileBook(book), book, today=TODAY) == []           # the sheets are the ledger's
    wb = openpyxl.load_workbook(book)
    item_row = next(r for r in range(2, 10) if wb["商品"].cell(r, 1).value == 1001)
    party_row = next(r for r in range(2, 10) if wb["往来单位"].cell(r, 1).value == 2001)
    ws = wb.create_sheet("我的查询")
    for r, formula in enumerate([f"=VLOOKUP(商品!A{item_row},库存!B:E,4,FALSE)",
                                 f"=COUNTIF(库存!B:B,商品!A{item_row})", f"=COUNTIF(库存!A:A,仓库!A4)",
                                 f"=COUNTIF(台账!F:F,商品!A{item_row})", f"=VLOOKUP(往来单位!A{party_row},应付!A:C,3,FALSE)",
                                 f"=COUNTIF(进销存汇总!B:B,商品!A{item_row})", f"=COUNTIF(打印!A:A,商品!A{item_row})"],
                                start=1):
        ws.cell(r, 1, formula)
    wb.save(book)
    _recalculate_with_libreoffice(book, tmp_path)
    found = [c.value for c in openpyxl.load_workbook(book, data_only=True)["我的查询"]["A"]]
    assert found == [10, 1, 1, 1, 60, 1, 1], found
    assert table_rows(book, "库存")[0]["商品编码"] in (1001, "A001")
    assert {r["商品编码"] for r in table_rows(book, "库存")} == {1001, "A001"}      # text codes stay text
