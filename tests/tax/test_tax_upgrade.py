"""Issue 22: schema 10 on both engines — a schema 9 ledger opens, upgrades and keeps every figure
(its documents stay 已过账 when their workbook is posted again), and a taxed post on a PostgreSQL
server, by the owner or by a 采购 clerk under row-level security, books what SQLite books."""
from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from urllib.parse import quote

import openpyxl
from click.testing import CliRunner

from jxc_xl import Ledger
from jxc_xl.cli import main
from jxc_xl.ledger.stores.schema import _TAX_COLUMNS, SCHEMA_VERSION
from tests.conftest import login
from tests.dsl import stock_rows
from tests.tax.conftest import cells, taxed_book
from tests.tax.test_tax_books import _row
from tests.wb import ledger_at, post, purchase, sale, type_rows

D = Decimal
DAY = dt.date(2026, 11, 2)
# what a ledger holds that no upgrade may change (ids, figures, fingerprints)
FIGURES = {"documents": "id, doc_no, revision, reversal, type, amount, fingerprint",
           "lines": "id, doc, item, qty, price, amount, unit_cost",
           "movements": "id, doc, qty, value, unit_cost, bal_qty, bal_value, fixed_value, rule",
           "party_entries": "id, doc, party, side, amount"}


def _figures(conn) -> dict:
    return {t: [tuple(r) for r in conn.execute(f"SELECT {cols} FROM {t} ORDER BY id")] for t, cols in FIGURES.items()}


def _as_version_9(path) -> None:
    """What this ledger was before 增值税: no tax columns, schema 9 in meta and in the header."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP INDEX idx_lines_covers")
        for table, columns in _TAX_COLUMNS.items():
            for column in columns:
                conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
        conn.execute("PRAGMA user_version = 9")
    conn.close()


def test_a_schema_9_ledger_upgrades_to_10_keeping_every_figure_and_every_posted_row(file_book):
    type_rows(file_book, "采购", [purchase("CG1", DAY, "A001", 10, 5), purchase("CG2", DAY, "B002", 3, D("2.35")),
                                  purchase("CT1", DAY, "A001", 2, 5, kind="退货", src="CG1")])
    type_rows(file_book, "销售", [sale("XS1", DAY, "A001", 4, 9), sale("XT1", DAY, "A001", 1, 9, kind="退货", src="XS1")])
    assert post(file_book).posted == 5
    path = ledger_at(file_book)
    with sqlite3.connect(path) as conn:
        before = _figures(conn)
        statuses = [r["状态"] for r in cells(file_book, "采购") + cells(file_book, "销售")]
    _as_version_9(path)
    with Ledger.open(path, read_only=True) as old:                 # read as it is: no tax columns, no tax
        assert old.verify() == [] and old._meta("schema_version") == "9"
    verified = CliRunner().invoke(main, ["verify", str(file_book)])
    assert verified.exit_code == 0, verified.output
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE documents SET raw_hash = NULL")        # every row read and fingerprinted again
    report = post(file_book)
    assert report.exit_code == 0 and report.posted == 0 and not report.error_rows
    assert [r["状态"] for r in cells(file_book, "采购") + cells(file_book, "销售")] == statuses
    with Ledger.open(path) as ledger:
        assert ledger._meta("schema_version") == str(SCHEMA_VERSION) and ledger.verify() == []
        assert _figures(ledger.conn) == before
        assert ledger.conn.execute("SELECT COUNT(*) FROM lines WHERE amount IS NOT NULL AND "
                                   "(tax != 0 OR tax_rate != 0 OR total_with_tax != amount)").fetchone()[0] == 0
        assert ledger.conn.execute("SELECT DISTINCT deductible FROM documents WHERE journal = 'purchases'"
                                   ).fetchall()[0][:] == (0,)


def _taxed_rows():
    purchases = [_row("CG1", "入库", "S1", "A", 10, 1000), _row("CG2", "入库", "S1", "A", 3, with_tax=D("113"),
                                                             invoice="普票"),
                 _row("CG3", "入库", "S3", "B", 7, with_tax=D("9.99")), _row("CT1", "退货", "S1", "A", 2, 1000,
                                                                           source="CG1")]
    sales = [_row("XS1", "出库", "C1", "A", 4, 2000, sales=True), _row("XT1", "退货", "C1", "A", 1, 2000, source="XS1",
                                                                    sales=True)]
    return purchases, sales


def _on(book, url):
    wb = openpyxl.load_workbook(book)
    wb["设置"].append(["账簿文件", url])
    wb.save(book)
    return book


# the figures of a taxed post, as both engines must hold them (ids and stamps aside)
TAXED = ("SELECT d.doc_no, d.invoice_type, d.deductible, l.line_no, l.qty, l.price, l.amount, l.tax_rate, "
         "l.price_with_tax, l.tax, l.total_with_tax, m.value, m.bal_value, e.amount FROM documents d JOIN lines l ON l.doc = d.id "
         "LEFT JOIN movements m ON m.line = l.id LEFT JOIN party_entries e ON e.doc = d.id ORDER BY d.doc_no, l.line_no")


def _taxed_figures(where) -> tuple:
    with Ledger.open(where, create=False, read_only=True) as ledger:
        assert ledger.verify() == []
        return [tuple(r) for r in ledger.conn.execute(TAXED)], stock_rows(ledger)


def test_a_taxed_post_on_a_server_books_what_sqlite_books(tmp_path, server_ledger):
    purchases, sales = _taxed_rows()
    file = taxed_book(tmp_path / "file.xlsx", purchases=purchases, sales=sales)
    served = _on(taxed_book(tmp_path / "served.xlsx", purchases=purchases, sales=sales), server_ledger)
    Ledger.open(server_ledger).close()
    assert not post(file).error_rows and not post(served).error_rows
    assert _taxed_figures(server_ledger) == _taxed_figures(ledger_at(file))
    written = lambda book: [{k: v for k, v in r.items() if k != "状态"} for r in cells(book, "采购")]  # noqa: E731
    assert written(served) == written(file)


def test_a_purchasing_clerks_taxed_purchase_goes_through_the_poster(tmp_path, server_ledger, pg_server, start_poster):
    purchases, _ = _taxed_rows()
    with Ledger.open(server_ledger) as owner:
        login(owner, pg_server, "管家", "管理员")               # the first user manages the others
        clerk = login(owner, pg_server, "小采", "采购")
    start_poster()
    assert clerk == server_ledger.replace("jxc_owner@", f"{quote('小采', safe='')}@")
    file = taxed_book(tmp_path / "file.xlsx", purchases=purchases)
    served = _on(taxed_book(tmp_path / "采购部.xlsx", purchases=purchases), clerk)
    assert not post(file).error_rows
    report = post(served)
    assert report.posted == 4 and not report.error_rows, report.error_rows
    assert _taxed_figures(server_ledger) == _taxed_figures(ledger_at(file))     # (采购 sees no costs to verify)
    with Ledger.open(server_ledger, read_only=True) as books:
        assert [r[0] for r in books.conn.execute("SELECT DISTINCT d.\"user\" FROM lines l JOIN documents d "
                                                              "ON d.id = l.doc")] == ["小采"]


def test_a_schema_9_server_ledger_upgrades_on_opening_and_then_takes_a_taxed_post(tmp_path, server_ledger):
    from tests.conftest import standard_masters
    from tests.dsl import docs
    from tests.ledger.test_server import BOOKS, HEAD
    with Ledger.open(server_ledger) as ledger:
        standard_masters(ledger)
        assert ledger.post(docs(HEAD + BOOKS)).ok
        before = _figures(ledger.conn)
        with ledger._transaction():
            ledger.conn.drop_views()                # (a version-9 server had none over these columns)
            ledger.conn.execute("DROP INDEX idx_lines_covers")
            for table, columns in _TAX_COLUMNS.items():
                for column in columns:
                    ledger.conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
            ledger.conn.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    with Ledger.open(server_ledger) as ledger:
        assert ledger._meta("schema_version") == str(SCHEMA_VERSION) and ledger.verify() == []
        assert _figures(ledger.conn) == before
        assert ledger.conn.execute("SELECT COUNT(*) FROM lines WHERE amount IS NOT NULL AND total_with_tax = amount "
                                   "AND tax = 0").fetchone()[0] == ledger.conn.execute(
            "SELECT COUNT(*) FROM lines WHERE amount IS NOT NULL").fetchone()[0] > 0
    purchases, _ = _taxed_rows()
    served = _on(taxed_book(tmp_path / "served.xlsx", purchases=purchases), server_ledger)
    assert post(served).posted == 4
    with Ledger.open(server_ledger, read_only=True) as ledger:
        assert ledger.verify() == []
