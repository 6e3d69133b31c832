from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

from jxc_xl import Item, Ledger, Party, Warehouse

ENGINES = ["sqlite", "postgres"]
OWNER = "jxc_owner"


def standard_masters(ledger: Ledger) -> None:
    ledger.upsert_masters(
        items=[Item(sku="A", name="苹果", unit="箱", min_qty=Decimal(5), max_qty=Decimal(1000)),
               Item(sku="B", name="香蕉", unit="箱"),
               Item(sku="Z", name="旧货", inactive=True)],
        parties=[Party(code="S1", name="华东供应商", kind="supplier", terms_days=30),
                 Party(code="S2", name="华南供应商", kind="supplier"),
                 Party(code="C1", name="第一百货", kind="customer", terms_days=30, credit_limit=Decimal(50000)),
                 Party(code="C2", name="第二超市", kind="customer"),
                 Party(code="X1", name="两用公司", kind="both", terms_days=15)],
        warehouses=[Warehouse(code="W1", name="总仓"), Warehouse(code="W2", name="门店仓")])


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """One PostgreSQL server for the whole run, started here and stopped at the end; a test
    that needs it fails (never skips) where PostgreSQL is not installed."""
    from .pgserver import Server
    shm = Path("/dev/shm")           # a database made on tmpfs takes 10 ms, on this disk 100-270 ms
    base = Path(tempfile.mkdtemp(prefix="jxc-pg", dir=shm)) if shm.is_dir() else tmp_path_factory.mktemp("postgres")
    server = Server.start(base)
    try:
        server.add_role(OWNER, "owner-secret", createrole=True)
        os.environ["PGPASSFILE"] = str(server.pgpass)
        os.environ["JXC_LEDGER_SERVERS"] = server.host          # this computer posts to it
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def login(ledger: Ledger, server, name: str, role: str) -> str:
    """``name`` a user of the server ledger in ``role``, logging in with the password "<name>-pw"
    (set when the server first makes the login: the same clerk on its other ledgers keeps it)."""
    known = ledger.conn.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)).fetchone()
    assert ledger.add_user(name, role, password=None if known else f"{name}-pw") is None
    server.remember(name, f"{name}-pw")
    return ledger.path.replace(f"{quote(ledger.login, safe='')}@", f"{quote(name, safe='')}@")


@pytest.fixture
def server_ledger(pg_server):
    """A new, empty database on the server, as the URL 设置 would hold (no password in it);
    dropped after the test."""
    name = pg_server.new_database(OWNER)
    yield pg_server.url(name, OWNER)
    with pg_server.superuser() as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


class Poster:
    """``jxc ledger serve URL`` in a process of its own, as an office runs it beside the server."""

    def __init__(self, url: str, folder: Path):
        self.url, self.folder = url, folder
        self.process: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> "Poster":
        """Started (and, with ``wait``, serving: it has said so)."""
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        self.process = subprocess.Popen([sys.executable, "-m", "jxc_xl", "ledger", "serve", self.url],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        cwd=self.folder, env=env)
        if wait:
            line = self.process.stdout.readline()
            assert "过账服务已启动" in line, line + self.process.stdout.read()
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def start_poster(server_ledger, tmp_path):
    """``start_poster()``: the poster of the server ledger (set up already), running until the
    test ends."""
    started: list[Poster] = []
    yield lambda: started.append(Poster(server_ledger, tmp_path).start()) or started[-1]
    for one in started:
        one.kill()


@pytest.fixture
def poster(server_ledger, start_poster):
    """The poster of the server ledger (set up first with its owner's login), running."""
    Ledger.open(server_ledger).close()
    return start_poster()


@pytest.fixture(params=ENGINES)
def ledger_path(request, tmp_path):
    """Where a new ledger is: a file, and a database on the PostgreSQL server — each test that
    takes it runs on both engines."""
    if request.param == "postgres":
        return request.getfixturevalue("server_ledger")
    return tmp_path / "books.jxc.db"


@pytest.fixture
def ledger_file(tmp_path):
    """A ledger that is an SQLite file (what only a file can be asked: its bytes, its backups)."""
    return tmp_path / "books.jxc.db"


def named(ledger: Ledger, name: str) -> str:
    """Who the ledger records for a user called ``name``: on a server, always its login."""
    return ledger.login or name


@pytest.fixture
def file_ledger(ledger_file):
    """A ledger file with the standard masters: users named by the caller (roles advisory)."""
    with Ledger.open(ledger_file) as led:
        standard_masters(led)
        yield led


@pytest.fixture
def ledger(ledger_path):
    with Ledger.open(ledger_path) as led:
        standard_masters(led)
        yield led


@pytest.fixture(params=[(m, e) for m in ["moving_average", "fifo", "monthly_average"] for e in ENGINES],
                ids=lambda p: "-".join(p))
def any_ledger(request, tmp_path):
    method, engine = request.param
    where = request.getfixturevalue("server_ledger") if engine == "postgres" else tmp_path / f"{method}.jxc.db"
    with Ledger.open(where, cost_method=method) as led:
        standard_masters(led)
        yield led


def _new_book(folder: Path) -> Path:
    from jxc_xl.io.template import new_workbook

    from .wb import masters
    path = new_workbook(folder / "账本.xlsx")
    masters(path)
    return path


@pytest.fixture(params=ENGINES)
def book(request, tmp_path):
    """A new workbook from the template, with masters typed in; its ledger the file beside it,
    and (each test runs twice) a server's, set up with `jxc ledger init` and named in 设置."""
    path = _new_book(tmp_path)
    if request.param == "postgres":
        from .wb import type_rows
        url = request.getfixturevalue("server_ledger")
        Ledger.open(url).close()
        type_rows(path, "设置", [{"项目": "账簿文件", "值": url}], start=3)
    return path


@pytest.fixture
def file_book(tmp_path):
    """A workbook whose ledger is the file beside it (what only a file can be asked)."""
    return _new_book(tmp_path)
