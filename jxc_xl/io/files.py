"""Saving a workbook file safely: refuse early when it could not be saved, write it beside the
old one, keep the old one as ``<name>.bak``, replace it; and one jxc run at a time per workbook.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from .package import WorkbookError


def check_writable(path: Path) -> None:
    """Refuse early, before any posting, when the file could not be saved afterwards."""
    if not path.is_file():
        raise WorkbookError(f"找不到工作簿 {path} / workbook not found")
    for lock, program, holder in ((path.with_name("~$" + path.name), "Excel", _excel_owner),
                                  (path.with_name(f".~lock.{path.name}#"), "LibreOffice", _libreoffice_owner)):
        if lock.exists():
            who = _read(lock, holder)
            raise WorkbookError(f"工作簿 {path.name} 正在被其他程序（{program}）打开{who}：请先关闭它再运行；若 {program} "
                                f"已关闭，请删除残留的锁文件 {lock.name} 后再运行 / the workbook is open in {program}: "
                                f"close it first (or delete the stale lock file)")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise WorkbookError(f"工作簿 {path.name} 是只读的：请取消只读属性或另存一份 / the workbook is read-only")


def _read(lock: Path, holder: Callable[[bytes], str]) -> str:
    """Who the lock file says holds the workbook, as （…） — or nothing when it cannot be read."""
    try:
        who = holder(lock.read_bytes()[:1024])
    except (OSError, ValueError, IndexError):
        return ""
    return f"（{who}）" if who else ""


def _excel_owner(data: bytes) -> str:
    """Excel's ``~$`` owner file: the user name's length in its first byte, the name in the 8-bit
    code page, spaces to byte 55, then the length again (two bytes) and the name in UTF-16."""
    size = data[55]
    return data[57:57 + 2 * size].decode("utf-16-le").strip() if 0 < data[0] <= 52 and 0 < size <= 52 else ""


def _libreoffice_owner(data: bytes) -> str:
    """LibreOffice's ``.~lock.<name>#``: name, login, computer, since when, profile — comma separated."""
    name, login, host, since = data.decode("utf-8").split(",")[:4]
    return f"用户 {name or login}，电脑 {host}，{since} 起"


def save_atomically(path: Path, write: Callable[[str], None]) -> None:
    """``write`` the new file beside ``path``, keep the old one as .bak, then replace it:
    never a half-written workbook. The new file keeps the old one's permissions (a new file
    gets the usual ones, 0666 less the umask), not the private 0600 of a temporary file."""
    fd, tmp = tempfile.mkstemp(prefix=".~" + path.stem, suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(path))
        if path.exists():
            shutil.copy2(path, path.with_name(path.name + ".bak"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _stale_temporaries(path: Path) -> list[Path]:
    """What ``save_atomically`` leaves when killed while saving this workbook: ``.~<stem>`` and
    tempfile's eight random characters, then the suffix — no other workbook's file matches."""
    pattern = re.compile(re.escape(".~" + path.stem) + r"[a-z0-9_]{8}" + re.escape(path.suffix))
    return [p for p in path.parent.glob(".~*") if pattern.fullmatch(p.name)]


@contextlib.contextmanager
def lock_workbook(path: str | Path, on_wait: Callable[[str], None] = lambda _: None,
                  timeout: float = 600) -> Iterator[None]:
    """Hold the workbook for a whole run: a second jxc on the same workbook waits (told once
    through ``on_wait``) rather than posting and saving over the first. Once held, temporary
    files a killed save left beside the workbook are removed — no other run can be saving it."""
    from filelock import FileLock, Timeout
    path = Path(path).resolve()
    lock = FileLock(str(path.with_name(f".~{path.name}.jxc-lock")))
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            on_wait(f"另一个 jxc 正在处理工作簿 {path.name}，等待它完成…… / waiting for another jxc run on this workbook")
            lock.acquire(timeout=timeout)
    except Timeout:
        raise WorkbookError(f"另一个 jxc 正在处理此工作簿 {path.name}，等了 {timeout / 60:g} 分钟仍未完成：请稍后再试 / "
                            f"another jxc run still holds this workbook: try again later") from None
    except PermissionError as exc:
        raise WorkbookError(f"无法在工作簿旁创建锁文件（{exc.filename}）：文件夹是只读的 / "
                            f"cannot create a lock file beside the workbook") from exc
    try:
        for stale in _stale_temporaries(path):
            stale.unlink(missing_ok=True)
        yield
    finally:
        lock.release()
