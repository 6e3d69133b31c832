"""发票 and 开票跟踪: invoices registered against posted documents, typed from scratch."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl

from jxc_xl.app.usecases import reverse_book
from jxc_xl.io.patch import PatchBook
from tests.tax.conftest import cells, taxed_book
from tests.wb import TODAY, error_marks, post, table_rows

D = Decimal
DAY = dt.date(2026, 11, 2)
LATER = dt.date(2026, 11, 5)


def _buy(no, qty=100, price=500, party="S1", kind="入库", source=None, day=DAY):
    return [no, day, kind, party, "W", "A", qty, price, None, None, None, None, None, None, source, None]


def _sell(no, qty=10, price=1000, kind="出库", source=None, sku="A", rate=None, day=DAY):
    return [no, day, kind, "C1", "W", sku, qty, price, None, rate, None, None, None, source, None]


def _invoice(no, doc, total, amount=None, tax=None, direction="开出", party="C1", kind="专票", day=LATER):
    return [no, day, direction, party, kind, doc, amount, tax, total, None, None]


def _book(tmp_path, invoices=(), sales=None, purchases=None):
    return taxed_book(tmp_path / "b.xlsx", purchases=purchases or [_buy("CG1")],
                      sales=sales if sales is not None else [_sell("XS1"), _sell("XS2"), _sell("XS3")],
                      invoices=list(invoices))


def _errors(report):
    return {row: message for sheet, row, message in report.error_rows if sheet == "发票"}


def _status(book):
    return [str(r["状态"] or "") for r in cells(book, "发票")]


def test_an_invoice_for_three_shipments_is_three_rows_under_one_number_and_moves_nothing(tmp_path, open_ledger):
    book = _book(tmp_path, [_invoice("FP1", "XS1", 11300, 10000, 1300), _invoice("FP1", "XS2", 11300),
                            _invoice("FP1", "XS3", D("5650"))])
    report = post(book)
    assert not report.error_rows, report.error_rows
    assert all(s.startswith("已过账") for s in _status(book))
    ledger = open_ledger(book)
    (doc,) = ledger.conn.execute("SELECT * FROM documents WHERE journal = 'invoices'").fetchall()
    assert (doc["doc_no"], doc["type"], doc["party"], doc["invoice_type"]) == ("FP1", "invoice_issued", "C1", "special")
    covered = ledger.conn.execute(
        "SELECT s.doc_no, l.amount, l.tax, l.total_with_tax FROM lines l JOIN documents s ON s.id = l.covers "
        "WHERE l.doc = ? ORDER BY l.line_no", (doc["id"],)).fetchall()
    assert [tuple(r) for r in covered] == [("XS1", 1000000, 130000, 1130000), ("XS2", None, None, 1130000),
                                           ("XS3", None, None, 565000)]
    for table in ("movements", "party_entries"):
        assert not ledger.conn.execute(f"SELECT 1 FROM {table} WHERE doc = ?", (doc["id"],)).fetchall()
    assert post(book).posted == 0                                    # posted once: the next 过账 leaves it


def test_a_received_invoice_covers_a_receipt_of_its_supplier(tmp_path, open_ledger):
    book = _book(tmp_path, [_invoice("SP9", "CG1", 56500, direction="收到", party="S1")])
    assert not post(book).error_rows
    assert open_ledger(book).conn.execute("SELECT type FROM documents WHERE doc_no = 'SP9'").fetchone()[0] == \
        "invoice_received"


def test_an_invoice_may_not_cover_more_than_its_document_nor_what_is_not_its_own(tmp_path, open_ledger):
    book = _book(tmp_path, [
        _invoice("FP1", "XS1", D("11300.01")),                       # a cent over XS1's 价税合计
        _invoice("FP2", "XS2", 11300, direction="收到", party="S1"),   # a shipment is not received from a supplier
        _invoice("FP3", "CG1", 100),                                 # a receipt is not invoiced to a customer
        _invoice("FP4", "XS9", 100),                                 # not posted
        _invoice("FP5", "XS3", 11300, 10000, 1200),                  # 价税合计 ≠ 金额 + 税额
        _invoice("FP6", "XS3", 6000), _invoice("FP7", "XS3", 6000)])  # together over XS3
    errors = _errors(post(book))
    assert set(errors) == {2, 3, 4, 5, 6, 8}, errors
    assert "11,300.01" in errors[2] and "11,300.00" in errors[2] and "XS1" in errors[2]
    assert "采购入库" in errors[3] and "销售出库" in errors[4] and "XS9" in errors[5]
    assert "价税合计" in errors[6] and "11,200.00" in errors[6]
    assert "5,300.00" in errors[8]                                  # what FP6 left open of XS3
    ledger = open_ledger(book)
    assert [r[0] for r in ledger.conn.execute("SELECT doc_no FROM documents WHERE journal = 'invoices'")] == ["FP6"]


def test_an_invoice_dated_before_its_document_or_for_another_party_is_refused(tmp_path):
    book = _book(tmp_path, purchases=[_buy("CG1"), _buy("CG2", party="S3")])
    assert not post(book).error_rows
    _append(book, "发票", _invoice("FP1", "XS1", 100, day=dt.date(2026, 11, 1)))
    _append(book, "发票", _invoice("SP1", "CG2", 100, direction="收到", party="S1"))
    errors = _errors(post(book))
    assert "2026-11-02" in errors[2] and "2026-11-01" in errors[2], errors
    assert "S3" in errors[3] and "S1" in errors[3]


def test_a_return_lowers_what_may_be_invoiced(tmp_path):
    book = _book(tmp_path, [_invoice("FP1", "XS1", 11300)],
                 sales=[_sell("XS1"), _sell("XT1", qty=2, kind="退货", source="XS1")])
    errors = _errors(post(book))
    assert "9,040.00" in errors[2], errors                           # 11,300 less the return's 2,260
    book = _book(tmp_path, [_invoice("FP1", "XS1", 9040)],
                 sales=[_sell("XS1"), _sell("XT1", qty=2, kind="退货", source="XS1")])
    assert not post(book).error_rows


def test_a_red_invoice_gives_back_what_it_names_and_no_more(tmp_path, open_ledger):
    book = _book(tmp_path, [_invoice("FP1", "XS1", 11300, 10000, 1300),
                            _invoice("FP2", "XS1", -11300, -10000, -1300, day=dt.date(2026, 11, 6)),
                            _invoice("FP3", "XS1", 11300, day=dt.date(2026, 11, 7)),
                            _invoice("FP4", "XS2", -1, day=dt.date(2026, 11, 7))])
    errors = _errors(post(book))
    assert set(errors) == {5}, errors                                # XS2 was never invoiced
    assert "红字" in errors[5]
    invoiced = open_ledger(book).conn.execute(
        "SELECT SUM(l.total_with_tax) FROM lines l JOIN documents d ON d.id = l.doc WHERE d.journal = 'invoices'").fetchone()[0]
    assert invoiced == 1130000


def test_an_invoiced_document_is_reversed_only_after_its_invoice(tmp_path, open_ledger):
    book = _book(tmp_path, [_invoice("FP1", "XS1", 5000)])
    assert not post(book).error_rows
    refused = reverse_book(PatchBook(book), book, "XS1", today=TODAY, sheet="销售")
    assert not refused.posted and "FP1" in " ".join(refused.sheet_problems), refused.sheet_problems
    done = reverse_book(PatchBook(book), book, "FP1", today=TODAY, sheet="发票")
    assert done.posted == 1, done.sheet_problems
    assert "已红字冲销" in _status(book)[0]
    assert reverse_book(PatchBook(book), book, "XS1", today=TODAY, sheet="销售").posted == 1
    ledger = open_ledger(book)
    assert ledger.conn.execute("SELECT COUNT(*) FROM documents WHERE reversal = 1").fetchone()[0] == 2


def test_a_reversed_invoice_frees_its_document_for_another(tmp_path):
    book = _book(tmp_path, [_invoice("FP1", "XS1", 11300)])
    assert not post(book).error_rows
    assert reverse_book(PatchBook(book), book, "FP1", today=TODAY, sheet="发票").posted == 1
    _append(book, "发票", _invoice("FP2", "XS1", 11300))
    assert not _errors(post(book))


def test_invoice_status_shows_each_taxed_document_not_fully_invoiced_or_invoiced_this_month(tmp_path):
    book = _book(tmp_path, [_invoice("FP1", "XS2", 5000), _invoice("FP2", "XS3", 11300),
                            _invoice("SP1", "CG1", 56500, direction="收到", party="S1")],
                 sales=[_sell("XS1"), _sell("XS2"), _sell("XS3"), _sell("XS4", rate=0),
                        _sell("XS5", day=dt.date(2026, 10, 2))],
                 purchases=[_buy("CG1", day=dt.date(2026, 10, 1))])
    assert not post(book).error_rows
    rows = {r["单号"]: r for r in table_rows(book, "开票跟踪")}
    assert set(rows) == {"XS1", "XS2", "XS3", "XS5", "CG1"}        # XS4 has no tax
    assert [rows["XS1"][k] for k in ("方向", "往来单位", "价税合计", "已开票", "未开票", "开票状态")] == \
        ["开出", "C1", 11300, None, 11300, "未开票"]
    assert [rows["XS2"][k] for k in ("已开票", "未开票", "开票状态")] == [5000, 6300, "部分开票"]
    assert [rows["XS3"][k] for k in ("已开票", "未开票", "开票状态")] == [11300, None, "已开票"]
    assert rows["CG1"]["方向"] == "收到" and rows["CG1"]["开票状态"] == "已开票"   # invoiced this month
    assert rows["XS5"]["开票状态"] == "未开票"                         # last month's, still open


def test_an_invoice_row_edited_after_posting_is_said_and_the_books_stay(tmp_path, open_ledger):
    book = _book(tmp_path, [_invoice("FP1", "XS1", 11300), _invoice("FP1", "XS2", 11300)])
    assert not post(book).error_rows
    wb = openpyxl.load_workbook(book)
    wb["发票"]["I3"] = 10000
    wb.save(book)
    errors = _errors(post(book))
    assert set(errors) == {3} and "价税合计" in errors[3] and "11300 → 10000" in errors[3], errors
    assert _status(book)[0].startswith("已过账")
    assert open_ledger(book).conn.execute("SELECT SUM(total_with_tax) FROM lines WHERE covers IS NOT NULL").fetchone()[0] == \
        2260000

    _append(book, "发票", _invoice("FP1", "XS3", 100))               # a row added to the posted invoice
    errors = _errors(post(book))
    assert "后加的" in errors[4] and (4, 1) in error_marks(book, "发票"), errors      # its 发票号码 marked


def test_only_finance_posts_invoices_on_a_ledger_with_users(tmp_path, open_ledger):
    book = _book(tmp_path, [_invoice("FP1", "XS1", 11300)])
    ledger = open_ledger(book)
    assert ledger.add_user("管家", "管理员", by="管家") is None
    for name, role in (("小采", "采购"), ("小销", "销售"), ("老王", "财务")):
        assert ledger.add_user(name, role, by="管家") is None
    ledger.close()
    post(book, user="小采")
    errors = _errors(post(book, user="小销"))
    assert "不能过账开出发票" in errors[2], errors
    assert not _errors(post(book, user="老王"))
    assert _status(book)[0].startswith("已过账")


def _append(book, sheet, row):
    wb = openpyxl.load_workbook(book)
    wb[sheet].append(row)
    wb.save(book)


def test_the_template_has_the_invoice_sheets_with_their_drop_downs(tmp_path):
    from jxc_xl.io.template import new_workbook
    wb = openpyxl.load_workbook(new_workbook(tmp_path / "t.xlsx"))

    def lists(sheet):
        ws = wb[sheet]
        head = {c.column_letter: c.value for c in ws[1]}
        return {head[str(dv.sqref).split(":")[0].rstrip("0123456789")]: dv.formula1
                for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert "Invoices" in wb["发票"].tables and "开票跟踪" in wb.sheetnames
    assert [c.value for c in wb["发票"][1]] == ["发票号码", "开票日期", "方向", "往来单位", "发票类型", "单号", "金额",
                                              "税额", "价税合计", "备注", "状态"]
    found = lists("发票")
    assert found["方向"] == '"开出,收到"' and found["发票类型"] == '"专票,普票"' and found["往来单位"] == "往来单位列表"
    assert lists("采购")["发票类型"] == '"专票,普票,无票"'


def test_on_a_server_ledger_finance_registers_the_invoice_and_the_guard_holds(tmp_path, server_ledger, pg_server,
                                                                            start_poster):
    from jxc_xl.ledger import Ledger
    from tests.conftest import login
    from tests.wb import type_rows
    with Ledger.open(server_ledger) as owner:
        urls = {name: login(owner, pg_server, name, role)
                for name, role in (("管家", "管理员"), ("小采", "采购"), ("小销", "销售"), ("老王", "财务"))}
    start_poster()
    book = _book(tmp_path, [_invoice("FP1", "XS1", 11300, 10000, 1300)])
    for name in ("小采", "小销", "老王"):                # each department posts its own, the server enforcing it
        type_rows(book, "设置", [{"项目": "账簿文件", "值": urls[name]}], start=4)
        report = post(book)
    assert not report.error_rows, report.error_rows
    assert all(s.startswith("已过账") for s in _status(book))
    refused = reverse_book(PatchBook(book), book, "XS1", today=TODAY, sheet="销售")
    assert not refused.posted and "FP1" in " ".join(refused.sheet_problems)
    assert reverse_book(PatchBook(book), book, "FP1", today=TODAY, sheet="发票").posted == 1
    assert reverse_book(PatchBook(book), book, "XS1", today=TODAY, sheet="销售").posted == 1
    assert {r["单号"]: r["开票状态"] for r in table_rows(book, "开票跟踪")} == {"CG1": "未开票", "XS2": "未开票", "XS3": "未开票"}
