"""An unexpected failure, written down for a bug report: the CLI and the ribbon show one line
naming this log instead of a traceback."""
from __future__ import annotations

import datetime as dt
import sys
import tempfile
import traceback
from pathlib import Path

ERROR_LOG = "jxc-错误日志.log"


def log_crash(exc: BaseException, folder: Path) -> Path:
    """Append the details to the error log in ``folder`` (beside the workbook and its ledger),
    or in the temporary folder when that one cannot be written; returns where it went."""
    from .. import __version__
    text = f"=== {dt.datetime.now().isoformat(timespec='seconds')} jxc {__version__} {' '.join(sys.argv[1:])}\n" + \
        "".join(traceback.format_exception(exc))
    for place in (folder, Path(tempfile.gettempdir())):
        try:
            with open(place / ERROR_LOG, "a", encoding="utf-8") as log:
                log.write(text)
            return place / ERROR_LOG
        except OSError:
            continue
    return Path(ERROR_LOG)
