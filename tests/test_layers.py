"""The rooms stay rooms: import-linter's contracts in pyproject.toml (imports point down only; the
ledger's sub-rooms — server over engine over stores; only io and the entry points touch openpyxl,
xlwings or calamine; only the ledger speaks to a database server) hold for the code as it is, and
bite when broken."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()"], cwd=where, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(where)})


def test_imports_point_down_only():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout and "Contracts: 4 kept, 0 broken." in done.stdout, done.stdout[-2000:]


def test_a_store_that_reaches_into_the_engine_breaks_the_sub_rooms_contract(tmp_path):
    shutil.copytree(ROOT / "jxc_xl", tmp_path / "jxc_xl", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    sqlite = tmp_path / "jxc_xl" / "ledger" / "stores" / "sqlite.py"
    sqlite.write_text(sqlite.read_text() + "\nfrom ..engine import recost  # noqa\n")
    done = _lint(tmp_path)
    assert done.returncode != 0 and "jxc_xl.ledger.stores is not allowed to import jxc_xl.ledger.engine" in done.stdout
    assert "Contracts: 3 kept, 1 broken." in done.stdout, done.stdout[-2000:]


def test_every_room_of_the_package_is_installed():
    """`pip install .` installs the packages pyproject.toml lists, not the folders: a room left off
    the list imports from the source tree (the tests) but not on a clerk's PC (`jxc demo`)."""
    import tomllib
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    rooms = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "jxc_xl").rglob("__init__.py")}
    assert rooms <= listed, sorted(rooms - listed)
