"""A Layout as a PDF, through LibreOffice headless: the sheet alone in a workbook of its own
(LibreOffice prints every sheet of a workbook it converts), converted with ``soffice``."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..sheets.layout import Layout
from .files import save_atomically
from .patch import PatchBook

TIMEOUT = 180


class PdfError(Exception):
    """LibreOffice is missing or could not make the PDF: the message says which."""


def layout_pdf(layout: Layout, target: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise PdfError("找不到 LibreOffice（soffice）：生成 PDF 需要安装 LibreOffice / LibreOffice is not installed")
    from openpyxl import Workbook
    with tempfile.TemporaryDirectory(prefix="jxc-pdf-") as folder:
        book_path = Path(folder) / f"{target.stem}.xlsx"
        wb = Workbook()
        wb.active.title = layout.spec.zh
        save_atomically(book_path, wb.save)
        book = PatchBook(book_path)
        book.write_layout(layout)
        book.save()
        try:
            done = subprocess.run([soffice, f"-env:UserInstallation={Path(folder, 'profile').as_uri()}", "--headless",
                                   "--convert-to", "pdf", "--outdir", folder, str(book_path)],
                                  capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"LibreOffice 在 {TIMEOUT} 秒内没有生成 PDF：请关闭其他 LibreOffice 窗口后再试") from exc
        made = Path(folder) / f"{target.stem}.pdf"
        if not made.is_file():
            raise PdfError(f"LibreOffice 没能生成 PDF：{(done.stderr or done.stdout).strip()[:200]}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made, target)
    return target
