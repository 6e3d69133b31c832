"""Holes 22 and 18: a saved workbook keeps its permissions, and a run holds the workbook with a
lock beside it, so a second run waits (and says so) and the temporary files a killed save left
are removed by the next run — with real processes."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jxc_xl.io.template import new_workbook
from jxc_xl.io.files import lock_workbook
from jxc_xl.io.package import WorkbookError

from .test_shapes import post_patched


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("before", [0o644, 0o664, 0o640])
def test_a_saved_workbook_keeps_its_permissions(book, before):
    os.chmod(book, before)
    post_patched(book)
    assert mode(book) == before and mode(book.with_name(book.name + ".bak")) == before


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_a_new_workbook_gets_the_usual_permissions(tmp_path, umask):
    old = os.umask(umask)
    try:
        path = new_workbook(tmp_path / "新账本.xlsx")
    finally:
        os.umask(old)
    assert mode(path) == 0o666 & ~umask


def start(code: str, *args: str) -> subprocess.Popen:
    """A Python process running ``code`` (with the workbook path in sys.argv[1]); it says "ready"
    on stdout once it got where the test waits for it."""
    child = subprocess.Popen([sys.executable, "-c", code, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout.readline().strip() == "ready"
    return child


HOLD = """
import sys
from jxc_xl.io.files import lock_workbook
with lock_workbook(sys.argv[1]):
    print("ready", flush=True)
    sys.stdin.read()                      # until the test closes our stdin
"""


def test_a_second_run_waits_for_the_first_and_says_so(book):
    first = start(HOLD, str(book))
    told: list[str] = []
    threading.Timer(1.0, first.stdin.close).start()
    began = time.monotonic()
    with lock_workbook(book, told.append):
        waited = time.monotonic() - began
    first.wait(timeout=30)
    assert waited >= 0.9 and len(told) == 1 and "另一个 jxc 正在处理工作簿 账本.xlsx" in told[0]
    told.clear()
    with lock_workbook(book, told.append):                    # nobody else: no waiting, nothing said
        pass
    assert told == []


def test_a_run_that_cannot_get_the_workbook_in_time_says_so(book):
    first = start(HOLD, str(book))
    try:
        with pytest.raises(WorkbookError, match="另一个 jxc 正在处理此工作簿"):
            with lock_workbook(book, lambda _: None, timeout=0.5):
                pass
    finally:
        first.stdin.close()
        first.wait(timeout=30)


KILLED_SAVE = """
import sys, time
from pathlib import Path
from jxc_xl.io.files import save_atomically

def write(tmp):
    Path(tmp).write_bytes(b"half a workbook")
    print("ready", flush=True)
    time.sleep(60)                        # killed here, in the middle of the save

save_atomically(Path(sys.argv[1]), write)
"""


def test_temporary_files_of_a_killed_save_are_removed_by_the_next_run(book):
    saving = start(KILLED_SAVE, str(book))
    os.kill(saving.pid, signal.SIGKILL)
    saving.wait(timeout=30)
    [left] = [p for p in book.parent.iterdir() if p.name.startswith(".~账本") and p.suffix == ".xlsx"]
    others = [book.with_name(".~账本2abcdefgh.xlsx"), book.with_name(".~账本abcdefgh.xlsx.txt"),
              book.with_name(book.name + ".bak")]                 # another workbook's, and not ours
    for other in others:
        other.write_bytes(b"x")
    with lock_workbook(book, lambda _: None):
        assert not left.exists()
    assert all(other.exists() for other in others)
    post_patched(book)                                          # and the workbook is as it was


# -- issue 21.19: a workbook open in LibreOffice is noticed as one open in Excel is -----------------------
def _open_in_libreoffice(book: Path, profile: Path) -> subprocess.Popen:
    """LibreOffice (headless) holding the workbook open, as a clerk's LibreOffice Calc does: once
    its lock file beside the workbook is there."""
    office = subprocess.Popen(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                               str(book)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    lock = book.with_name(f".~lock.{book.name}#")
    for _ in range(600):
        if lock.exists() and lock.stat().st_size:
            return office
        time.sleep(0.1)
    _kill(office)
    raise AssertionError("LibreOffice never opened the workbook")


def _kill(office: subprocess.Popen) -> None:
    """LibreOffice killed, all of it: ``soffice`` is a script whose soffice.bin would outlive it
    (the run's session is killed, and waited for)."""
    os.killpg(office.pid, signal.SIGKILL)
    office.wait(timeout=60)


def test_a_workbook_open_in_libreoffice_is_not_posted_and_the_line_says_who_holds_it(file_book, tmp_path):
    import socket
    from click.testing import CliRunner
    from jxc_xl.cli import main
    from ..wb import posted_anything, purchase, type_rows
    import datetime as dt
    type_rows(file_book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 6)])
    typed = file_book.read_bytes()
    office = _open_in_libreoffice(file_book, tmp_path / "profile")
    try:
        held = CliRunner().invoke(main, ["post", str(file_book)])
    finally:
        _kill(office)                                   # LibreOffice dies: its lock stays behind, stale
    [line] = held.output.splitlines()
    assert held.exit_code == 2 and "LibreOffice" in line and socket.gethostname() in line, line
    assert file_book.read_bytes() == typed and not posted_anything(file_book)
    stale = CliRunner().invoke(main, ["post", str(file_book)])           # a stale lock: said how to go on
    assert stale.exit_code == 2 and f"删除残留的锁文件 .~lock.{file_book.name}#" in stale.output, stale.output
    file_book.with_name(f".~lock.{file_book.name}#").unlink()
    assert CliRunner().invoke(main, ["post", str(file_book)]).exit_code == 0


def test_excel_s_owner_file_names_the_user_who_has_the_workbook_open(file_book):
    """Excel's ``~$`` owner file: the name's length in a byte, the name in the 8-bit code page,
    padding to byte 55, then the length again and the name in UTF-16 (what LibreOffice writes too)."""
    from jxc_xl.io.files import check_writable
    name = "王小明"
    owner = bytes([len(name)]) + b"???" + b" " * 51 + bytes([len(name), 0]) + name.encode("utf-16-le")
    file_book.with_name("~$" + file_book.name).write_bytes(owner + b" \x00" * 40)
    with pytest.raises(WorkbookError, match=f"Excel.*王小明.*删除残留的锁文件 ~\\$账本.xlsx"):
        check_writable(file_book)


def test_the_run_lock_is_hidden_beside_the_workbook_and_never_removed_under_a_waiting_run(book):
    """The run lock is a dot file (hidden on Linux and macOS; Samba shares hide it from Windows);
    on Windows filelock deletes it when released. It is not deleted here: a run waiting on it holds
    the same file, and a third run would lock a new one beside it — two runs at once."""
    with lock_workbook(book):
        pass
    left = [p.name for p in book.parent.iterdir() if "jxc-lock" in p.name]
    assert left == [f".~{book.name}.jxc-lock"]
