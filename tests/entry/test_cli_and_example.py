"""The README's example runs as printed, and the `jxc ledger` commands answer from a real file."""
import datetime as dt
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


# -- issue 21.18: the command speaks Chinese first, takes the sheets' dates, and fits 80 columns ----------
def _commands(group=main, path=("jxc",)):
    """Every command under ``group`` with the words that run it."""
    import click
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def _columns(line: str) -> int:
    """How many terminal columns a line takes (a Chinese character two)."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_usage_errors_are_in_chinese_with_english_beside_and_exit_2(tmp_path):
    book = str(tmp_path / "账本.xlsx")
    runner = CliRunner()
    cases = {("post",): ("缺少参数 BOOK", "Missing argument"),
             ("nosuch",): ("没有命令“nosuch”", "No such command"),
             ("postt", book): ("没有命令“postt”", "post"),                       # and what was meant
             ("post", book, "--nosuch"): ("没有选项“--nosuch”", "No such option"),
             ("report", book, "--from", "2026/13/01"): ("--from 的值不对：“2026/13/01”不是日期", "not a date"),
             ("report", book, "--from"): ("选项 --from 后面要有一个值", "requires an argument"),
             ("post", "我的", "账本.xlsx"): ("多余的参数“账本.xlsx”", "unexpected extra argument"),
             ("ledger", "stock", "x.db", "--as-of", "46361"): ("“46361”不是日期", "not a date"),
             ("users", "add", "x.db", "小王"): ("缺少选项 --role", "Missing option")}
    for args, (chinese, english) in cases.items():
        result = runner.invoke(main, list(args))
        assert result.exit_code == 2, (args, result.output)
        assert chinese in result.output and english in result.output, (args, result.output)
        assert "用法 / Usage:" in result.output and "错误 / Error:" in result.output, result.output
        assert "\nError:" not in result.output and not result.output.startswith("Usage:"), result.output


def test_date_options_take_every_date_form_the_sheets_take(file_book):
    runner = CliRunner()
    import click
    dated = [(path, command, option) for path, command in _commands() for option in command.params
             if option.name in ("start", "end", "date", "as_of")]
    assert len(dated) >= 9
    for path, command, option in dated:                        # one date type, shown as 日期
        assert option.type.name == "日期" and option.make_metavar(click.Context(command)) == "日期", path
        for typed in ("2026-11-05", "2026/11/5", "20261105", "2026年11月5日", "2026.11.05"):
            assert option.type.convert(typed, option, None) == dt.date(2026, 11, 5), (path, typed)
    assert runner.invoke(main, ["post", str(file_book)]).exit_code == 0                # (a ledger to report from)
    result = runner.invoke(main, ["report", str(file_book), "--from", "2026/11/1", "--to", "2026年11月30日"])
    assert result.exit_code == 0 and "2026-11-01 至 2026-11-30" in result.output, result.output
    shown = runner.invoke(main, ["report", "--help"]).output
    assert "--from 日期" in shown and "%Y" not in shown


def test_help_is_chinese_first_and_fits_80_columns():
    runner = CliRunner()
    listed = runner.invoke(main, ["--help"], env={"COLUMNS": "80"}).output
    assert "用法 / Usage: jxc" in listed and "..." not in listed.split("命令 / Commands:")[1], listed
    for path, command in [(("jxc",), main), *_commands()]:
        shown = runner.invoke(main, [*path[1:], "--help"], env={"COLUMNS": "80"}).output
        assert all(_columns(line) <= 80 for line in shown.splitlines()), (path, shown)
        assert "显示帮助并退出" in shown and "选项 / Options:" in shown, shown
        listed = command.get_short_help_str(100) if len(path) > 1 else "主 / main"
        assert _columns(listed) > len(listed) and " / " in listed, path           # Chinese, English beside
        chinese, english = command.help.split("\n\n")
        assert _columns(chinese) > len(chinese) and english[:1].isascii(), path               # both, in that order
        for option in command.params:
            if option.param_type_name == "option":
                assert option.help and _columns(option.help) > len(option.help), (path, option.name)
