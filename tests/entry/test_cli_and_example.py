"""The README's example runs as printed, and the `jxc ledger` commands answer from a real file."""
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from jxc_xl.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_readme_example_runs_and_self_checks(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "quickstart.py"), str(tmp_path)],
                         capture_output=True, text=True, check=True).stdout
    assert "posted: ['CG-001', 'XS-001']" in out
    assert "可用只有 70" in out                       # XS-002 refused: not enough stock
    assert "stock: A001 WH1 100.0000 42.500000 4250.00" in out   # XS-001 reversed
    assert "self-check: ok" in out
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    payable = next(line for line in out.splitlines() if line.startswith("payable to S01:"))
    assert payable == "payable to S01: 4250.00" and f"`{payable}`" in readme   # the text says what it prints
    assert (ROOT / "examples" / "quickstart.py").read_text(encoding="utf-8").split('"""', 2)[2].strip() in readme


def test_what_the_readme_points_to_is_in_a_clone():
    """A clone has no ../shared: the contract and the design it cites are in docs/, every command is
    in its table, and what the demo writes is ignored by git."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme
    for name in ("workbook", "design", "glossary", "practice"):
        assert f"`docs/{name}.md`" in readme and (ROOT / "docs" / f"{name}.md").is_file()
    for name, command in main.commands.items():
        if not command.hidden:
            assert f"`jxc {name} " in readme or f"`jxc {name}`" in readme, name
    ignored = subprocess.run(["git", "check-ignore", "-q", "jxc-demo/demo.xlsx"], cwd=ROOT)
    assert ignored.returncode == 0


def test_the_guide_sheet_names_every_generated_sheet():
    from jxc_xl.io.template import GUIDE
    from jxc_xl.sheets.contract import GENERATED
    for spec in GENERATED:
        assert f"“{spec.zh}”" in GUIDE


def test_ledger_commands(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "examples" / "quickstart.py"), str(tmp_path)], check=True,
                   capture_output=True)
    db = str(tmp_path / "quickstart.jxc.db")
    runner = CliRunner()
    verified = runner.invoke(main, ["ledger", "verify", db])
    assert verified.exit_code == 0 and "verified" in verified.output
    stock = runner.invoke(main, ["ledger", "stock", db, "--as-of", "2026-11-01"])
    assert stock.exit_code == 0 and stock.output == ""
    stock = runner.invoke(main, ["ledger", "stock", db])
    assert stock.output.split() == ["WH1", "A001", "100.0000", "42.500000", "4250.00"]
    missing = runner.invoke(main, ["ledger", "verify", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "找不到账簿文件" in missing.output
    (tmp_path / "junk.db").write_text("not a database")
    junk = runner.invoke(main, ["ledger", "verify", str(tmp_path / "junk.db")])
    assert junk.exit_code == 2 and "不是可用的账簿" in junk.output
