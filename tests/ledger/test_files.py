"""Issue 8, the ledger file itself: damaged, foreign, newer, older, missing, read-only, restored.

Every refusal is a LedgerError (one line, Chinese / English) and leaves the file byte for byte
as it was. Real SQLite files; a real second process holds the lock where one is needed.
"""
import hashlib
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from jxc_xl import Ledger, LedgerError
from jxc_xl.ledger import restore
from jxc_xl.ledger.stores.schema import SCHEMA_VERSION
from jxc_xl.ledger.stores.sqlite import APPLICATION_ID

from ..conftest import standard_masters
from ..dsl import docs, stock_rows
from .test_documents import HEAD, post_ok

PURCHASES = ("| 2026-01-02 | 采购入库 | CG1 | S1 | W1 | | A | 10 | 5 | | |\n"
             "| 2026-01-03 | 采购入库 | CG2 | S1 | W1 | | B | 4  | 2 | | |")


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def companions(path):
    """Files beside ``path`` with something in them (a reader of a WAL-mode file leaves an
    empty -wal and its -shm index behind: SQLite's, not a write to the ledger)."""
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name + "-")
                  and not (p.name.endswith("-shm") or (p.name.endswith("-wal") and p.stat().st_size == 0)))


def made(path, rows=PURCHASES):
    with Ledger.open(path) as ledger:
        standard_masters(ledger)
        post_ok(ledger, rows)
    return path


def refused(path, kind, **options):
    """Open must raise LedgerError of ``kind`` and leave the file (and its folder) untouched."""
    before = digest(path) if path.is_file() else None
    with pytest.raises(LedgerError) as caught:
        Ledger.open(path, **options)
    error = caught.value
    assert error.kind == kind, str(error)
    assert str(error) == f"{error.message} / {error.message_en}" and "\n" not in str(error)
    assert (digest(path) if path.is_file() else None) == before and companions(path) == []
    return error


# -- hole 12: damaged files and files that are not ledgers ----------------------------------------------
def test_a_text_file_is_not_a_ledger(tmp_path):
    path = tmp_path / "x.jxc.db"
    path.write_text("账簿？这只是一个文本文件\n")
    assert "不是 jxc 账簿" in refused(path, "not_sqlite").message


def test_a_truncated_ledger_is_damaged_and_says_to_restore(tmp_path):
    path = made(tmp_path / "t.jxc.db")
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    error = refused(path, "corrupt")
    assert "jxc restore" in error.message and "备份" in error.message and "restore" in error.message_en


def test_a_ledger_damaged_inside_is_a_ledger_error_from_the_first_question(tmp_path):
    """Damage open cannot see without reading every page (the movements) surfaces as a
    LedgerError from the first question that reads it, and integrity() reports it."""
    path = made(tmp_path / "d.jxc.db")
    with sqlite3.connect(path) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'movements'").fetchone()[0]
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page:root * page] = b"\xde\xad" * (page // 2)
    path.write_bytes(bytes(data))
    with Ledger.open(path) as ledger:
        with pytest.raises(LedgerError) as caught:
            ledger.stock()
        assert caught.value.kind == "corrupt" and "jxc restore" in str(caught.value)
        try:
            assert ledger.integrity() != []
        except LedgerError as error:
            assert error.kind == "corrupt"


def test_another_programs_database_is_refused_and_not_written(tmp_path):
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        other.execute("CREATE TABLE meta (k TEXT, v TEXT)")          # a meta table of its own shape
    other.close()
    assert "其他程序" in refused(path, "foreign").message
    assert path.read_bytes()[18:20] == b"\x01\x01"                   # still not in WAL mode


def test_a_database_stamped_by_another_application_is_refused_even_when_empty(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as other:
        other.execute("PRAGMA application_id = 1234")
    other.close()
    refused(path, "foreign")


def test_a_folder_is_not_a_ledger(tmp_path):
    error = refused(tmp_path, "cannot_open")
    assert str(tmp_path) in error.message


# -- hole 19: our ledgers are marked, newer ones refused, older ones upgraded and stamped ------------------
def test_a_new_ledger_carries_our_application_id_and_its_schema_version(tmp_path):
    path = made(tmp_path / "n.jxc.db")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID == 0x4A58434C
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    assert path.read_bytes()[68:72] == b"JXCL"


def test_a_ledger_of_a_newer_schema_is_refused(tmp_path):
    path = made(tmp_path / "new.jxc.db")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    error = refused(path, "newer")
    assert "99" in error.message and "升级" in error.message
    refused(path, "newer", read_only=True)


def _as_version_2(path):
    """What a ledger made before this issue looks like: no audit, no stamp, no ledger id."""
    _as_version_3(path)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE audit")
        conn.execute("PRAGMA application_id = 0")
        conn.execute("PRAGMA user_version = 0")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        conn.execute("DELETE FROM meta WHERE key = 'ledger_id'")
    conn.close()


def _as_version_3(path):
    """A ledger before the stock keys: stock as of a date summed every movement."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE stock_keys")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        conn.execute("PRAGMA user_version = 3")
    conn.close()


def test_a_version_3_ledger_is_read_as_it_is_and_gets_its_stock_keys_on_opening(tmp_path):
    path = made(tmp_path / "v3.jxc.db")
    _as_version_3(path)
    with Ledger.open(path, read_only=True) as old:
        assert stock_rows(old) == [("W1", "A", "10", "50"), ("W1", "B", "4", "8")]
    with Ledger.open(path) as ledger:
        keys = ledger.conn.execute("SELECT item, warehouse FROM stock_keys ORDER BY item").fetchall()
        assert [tuple(k) for k in keys] == [("A", "W1"), ("B", "W1")] and ledger.verify() == []
        post_ok(ledger, "| 2026-01-05 | 采购入库 | CG9 | S1 | W2 | | A | 1 | 9 | | |")
        assert len(ledger.conn.execute("SELECT * FROM stock_keys").fetchall()) == 3
        assert stock_rows(ledger) == [("W1", "A", "10", "50"), ("W2", "A", "1", "9"), ("W1", "B", "4", "8")]


def test_a_version_2_ledger_is_recognised_upgraded_and_stamped_on_opening(tmp_path):
    path = made(tmp_path / "v2.jxc.db")
    _as_version_2(path)
    with Ledger.open(path, read_only=True) as old:                 # readable as it is, not changed
        assert stock_rows(old) == [("W1", "A", "10", "50"), ("W1", "B", "4", "8")] and old.audit_log() == []
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    conn.close()
    with Ledger.open(path) as ledger:
        assert ledger._meta("schema_version") == str(SCHEMA_VERSION) and ledger._meta("ledger_id")
        assert ledger.close_period(ledger.settings.closed_through or __import__("datetime").date(2026, 1, 1))
        assert [a.action for a in ledger.audit_log(("close",))] == ["close"] and ledger.verify() == []
        post_ok(ledger, "| 2026-01-05 | 销售出库 | XS1 | C1 | W1 | | A | 1 | 9 | | |")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_a_version_1_ledger_read_only_says_to_post_once(tmp_path):
    path = made(tmp_path / "v1.jxc.db")
    _as_version_2(path)
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE movements DROP COLUMN touched")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    assert "过账一次" in refused(path, "old", read_only=True).message


# -- Ledger.open(create=..., read_only=...) ---------------------------------------------------------------
def test_create_false_and_read_only_never_make_a_ledger(tmp_path):
    path = tmp_path / "none.jxc.db"
    assert "找不到账簿" in refused(path, "missing", create=False).message
    refused(path, "missing", read_only=True)
    assert not path.exists()
    path.touch()                                                      # 0 bytes: no ledger yet
    refused(path, "empty", read_only=True)
    refused(path, "missing", create=False)
    with Ledger.open(path) as ledger:                                  # a 0-byte file counts as new
        assert ledger.stock() == []


def test_read_only_reads_and_never_writes(tmp_path):
    path = made(tmp_path / "ro.jxc.db")
    before = digest(path)
    with Ledger.open(path, read_only=True) as ledger:
        assert stock_rows(ledger) == [("W1", "A", "10", "50"), ("W1", "B", "4", "8")]
        assert ledger.verify() == [] and ledger.integrity() == [] and ledger.generation()
        for write in (lambda: ledger.post(docs(HEAD + "| 2026-01-05 | 销售出库 | XS1 | C1 | W1 | | A | 1 | 9 | | |")),
                      lambda: ledger.close_period(__import__("datetime").date(2026, 1, 31)),
                      lambda: ledger.upsert_masters()):
            with pytest.raises(LedgerError) as caught:
                write()
            assert caught.value.kind == "read_only"
    assert digest(path) == before
    with pytest.raises(ValueError):
        Ledger.open(path, cost_method="fifo", read_only=True)


# -- hole 23: restore ----------------------------------------------------------------------------------------
def test_restore_puts_a_checked_backup_in_place_and_keeps_the_old_ledger_aside(tmp_path):
    path = made(tmp_path / "r.jxc.db")
    backup = tmp_path / "备份" / "r-1.jxc.db"
    assert Ledger.open(path).backup(backup) == []
    with Ledger.open(path) as ledger:
        post_ok(ledger, "| 2026-01-05 | 销售出库 | XS1 | C1 | W1 | | A | 3 | 9 | | |")
        reader = Ledger.open(path, read_only=True)                     # a connection that stays open
        assert stock_rows(reader)[0] == ("W1", "A", "7", "35")
        aside = restore(path, backup, user="王会计")
        assert stock_rows(ledger)[0] == ("W1", "A", "10", "50")        # open connections see the restore
    assert stock_rows(reader)[0] == ("W1", "A", "10", "50")
    reader.close()
    assert aside.parent == path.parent and aside.name.startswith("r.jxc.replaced-") and aside.suffix == ".db"
    with Ledger.open(aside, read_only=True) as old:
        assert stock_rows(old)[0] == ("W1", "A", "7", "35") and old.verify() == []
    with Ledger.open(path) as ledger:
        assert ledger.verify() == [] and [a.action for a in ledger.audit_log(("restore",))] == ["restore"]
        assert ledger.audit_log()[-1].user == "王会计" and str(aside) in ledger.audit_log()[-1].detail
    assert restore(path, backup) != aside                              # a second restore: its own name


@pytest.mark.parametrize("damage", ["text", "truncated", "foreign", "newer", "missing"])
def test_restore_refuses_a_backup_that_is_not_good(tmp_path, damage):
    path = made(tmp_path / "r.jxc.db")
    backup = made(tmp_path / "b.jxc.db")
    data = backup.read_bytes()
    if damage == "text":
        backup.write_text("not a ledger")
    elif damage == "truncated":
        backup.write_bytes(data[:len(data) // 2])
    elif damage == "missing":
        backup.unlink()
    else:
        with sqlite3.connect(backup) as conn:
            conn.execute("CREATE TABLE other_programs_table (id)" if damage == "foreign" else
                         "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
            if damage == "foreign":
                conn.execute("DROP TABLE documents")
        conn.close()
    before = digest(path)
    with pytest.raises(LedgerError) as caught:
        restore(path, backup)
    assert caught.value.kind == "bad_backup" and "备份" in caught.value.message
    assert digest(path) == before and [p.name for p in tmp_path.glob("*replaced*")] == []


def test_restore_refuses_while_a_post_holds_the_ledger(tmp_path):
    path = made(tmp_path / "r.jxc.db")
    backup = tmp_path / "b.jxc.db"
    Ledger.open(path).backup(backup)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, sys, time
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        time.sleep(30)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(LedgerError) as caught:
            restore(path, backup)
        assert caught.value.kind == "locked" and time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()
    assert [p.name for p in tmp_path.glob("*replaced*")] == []


def test_restore_over_a_damaged_ledger_moves_it_aside(tmp_path):
    path = made(tmp_path / "r.jxc.db")
    backup = tmp_path / "b.jxc.db"
    Ledger.open(path).backup(backup)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    aside = restore(path, backup)
    assert aside.read_bytes() == data[:len(data) // 2]
    with Ledger.open(path) as ledger:
        assert stock_rows(ledger)[0] == ("W1", "A", "10", "50") and ledger.verify() == []


def test_restore_where_there_is_no_ledger_yet(tmp_path):
    backup = made(tmp_path / "b.jxc.db")
    path = tmp_path / "gone.jxc.db"
    assert restore(path, backup) is None
    with Ledger.open(path, create=False) as ledger:
        assert stock_rows(ledger)[0] == ("W1", "A", "10", "50")
