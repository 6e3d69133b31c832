"""The built add-in, jxc.xlam: its ribbon resolves, its VBA is the installed xlwings', its
worksheet functions have wrappers, olevba and LibreOffice read it; install/uninstall."""
from __future__ import annotations

import inspect
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

import pytest
import xlwings
from click.testing import CliRunner
from oletools.olevba import VBA_Parser

from jxc_xl import addin, ribbon
from jxc_xl.cli import main
from udfs.jxc import FUNCTIONS

NS = {"c": "http://schemas.microsoft.com/office/2006/01/customui"}
MODULES = {"ThisWorkbook", "Dictionary", "RibbonJxc", "Sheet2", "xlwings", "JxcFunctions"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("addin") / "jxc.xlam"
    result = CliRunner().invoke(main, ["addin", "build", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def vba(built) -> dict[str, str]:
    """Module name → source, as olevba (oletools) reads them."""
    parser = VBA_Parser(str(built))
    try:
        return {name.rsplit(".", 1)[0]: code.replace("\r\n", "\n") for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def subs(code: str) -> set[str]:
    return set(re.findall(r"(?mi)^\s*(?:Public\s+|Private\s+)?(?:Sub|Function)\s+(\w+)", code))


def test_olevba_reads_every_module(vba):
    assert set(vba) == MODULES


def test_every_button_calls_a_vba_sub_and_every_tag_is_a_python_route(built, vba):
    with zipfile.ZipFile(built) as z:
        ui = ET.fromstring(z.read("customUI/customUI.xml"))
        rels = z.read("_rels/.rels").decode()
    assert "customUI/customUI.xml" in rels                     # Excel finds the ribbon
    buttons = ui.findall(".//c:button", NS)
    assert len(buttons) == 19 and ui.find(".//c:tab", NS).get("label") == "进销存"
    for button in buttons:
        module, sub = button.get("onAction").split(".")
        assert sub in subs(vba[module]), button.get("onAction")
        assert button.get("tag") in ribbon.ROUTES
    assert 'RunPython "import jxc_xl.ribbon; jxc_xl.ribbon.dispatch(\'" & control.Tag & "\')"' in vba["RibbonJxc"]
    assert "Sub OnAction(control As IRibbonControl)" in vba["RibbonJxc"]


def test_the_embedded_xlwings_is_the_installed_custom_addin_form_named_jxc(vba):
    code = vba["xlwings"]
    assert f"'Version: {xlwings.__version__}" in code
    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in code
    assert 'PROJECT_NAME As String = "jxc"' in code
    assert "Set wb = ActiveWorkbook" in code                   # acts on the user's workbook


def test_the_project_and_the_config_sheet_are_named_jxc(built):
    from pyopenvba import ExcelFile
    with ExcelFile(built) as wb:
        assert wb.vba_project().name == "jxc"
        assert wb.validate() == []
    with zipfile.ZipFile(built) as z:
        assert 'name="jxc.conf"' in z.read("xl/workbook.xml").decode()
    assert addin.read_config(built)["UDF Modules"] == "udfs.jxc"


def test_every_worksheet_function_has_a_vba_wrapper_with_its_arguments(vba):
    code = vba["JxcFunctions"]
    for fn in FUNCTIONS:
        args = [p for p in inspect.signature(fn).parameters if p != "caller"]
        match = re.search(rf"(?m)^Function {fn.__name__}\((.*)\)$", code)
        assert match, fn.__name__
        assert [a.replace("Optional ", "") for a in match.group(1).split(", ")] == args
        assert f'XLPy.CallUDF("udfs.jxc", "{fn.__name__}", Array({", ".join(args)}, Nothing), ActiveWorkbook' in code
        assert f'MacroOptions Macro:="{fn.__name__}"' in code
        assert len(inspect.getdoc(fn).splitlines()) == 1       # Excel shows one line
    assert "RegisterJxcFunctions" in vba["ThisWorkbook"]
    assert all(ord(ch) < 128 for ch in code)                   # VBA source is code-page text


def test_vba_strings_carry_chinese_as_chrw():
    assert addin.vba_string('进销存 "a"') == 'ChrW(&H8FDB) & ChrW(&H9500) & ChrW(&H5B58) & " ""a"""'


def test_libreoffice_opens_the_addin_and_lists_its_modules(built, tmp_path):
    assert shutil.which("soffice"), "LibreOffice (libreoffice-calc) must be installed"
    done = subprocess.run(["soffice", "--headless", "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods",
                           "--outdir", str(tmp_path), str(built)], capture_output=True, text=True, timeout=180)
    ods = tmp_path / "jxc.ods"
    assert done.returncode == 0 and ods.exists(), done.stdout + done.stderr
    with zipfile.ZipFile(ods) as z:
        modules = {n.split("/")[-1][:-4] for n in z.namelist() if n.startswith("Basic/jxc/") and
                   not n.endswith("script-lb.xml")}
        ribbon_source = z.read("Basic/jxc/RibbonJxc.xml").decode()
    assert modules == MODULES
    assert "Sub OnAction(control As IRibbonControl)" in ribbon_source


def test_install_puts_the_addin_in_xlstart_set_to_this_python(tmp_path):
    target = addin.install("win32", env={"APPDATA": str(tmp_path / "Roaming")})
    assert target == tmp_path / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "jxc.xlam"
    config = addin.read_config(target)
    assert config["Interpreter_Win"].startswith(str(addin.Path(sys.executable).parent))
    assert (addin.Path(config["PYTHONPATH"]) / "jxc_xl" / "ribbon.py").exists()
    assert (addin.Path(config["PYTHONPATH"]) / "udfs" / "jxc.py").exists()
    assert addin.uninstall("win32", env={"APPDATA": str(tmp_path / "Roaming")}) == target
    assert not target.exists()
    assert addin.uninstall("win32", env={"APPDATA": str(tmp_path / "Roaming")}) is None


def test_install_on_macos_goes_to_excels_startup_folder(tmp_path):
    target = addin.install("darwin", home=tmp_path)
    assert target.parent.name == "Excel" and "Startup.localized" in str(target)
    assert addin.read_config(target)["Interpreter_Mac"] == sys.executable


def test_install_on_linux_explains_that_excel_is_not_available():
    result = CliRunner().invoke(main, ["addin", "install"])
    assert result.exit_code == 2 and "Excel 不能在 Linux 上运行" in result.output
