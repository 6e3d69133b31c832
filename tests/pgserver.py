"""A throwaway PostgreSQL server for tests, started in a temp dir and removed afterwards.

Tests run the ledger against a real server rather than a mock, so what they prove holds for
PostgreSQL's locking, roles and collation.  The cluster is made fresh each time (initdb) and
tuned for speed, not durability: nothing in it must survive the test run.

PostgreSQL refuses to run as root, and tests run as root locally and in CI, so the server
binaries then run as the ``postgres`` system user via ``runuser``, in a dir it owns under
``base``; the test process itself stays the client and keeps the pgpass file to itself.
"""
from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

AS_ROOT = os.geteuid() == 0


def find_bin() -> Path:
    """The directory holding initdb/pg_ctl: Debian keeps them off PATH, per major version."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else -1)
    if found:
        return found[-1].parent
    if on_path := shutil.which("initdb"):
        return Path(on_path).resolve().parent     # a symlink's target dir also has pg_ctl
    raise RuntimeError("PostgreSQL 未安装 / not installed: apt-get install postgresql")


def _free_port() -> int:
    """A port nobody listens on right now (the server may still lose a race for it; see start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pgpass_escape(field: str) -> str:
    """libpq reads ``\\`` and ``:`` in a pgpass field only when backslash-escaped."""
    if "\n" in field:
        raise ValueError("a pgpass field cannot hold a newline")
    return field.replace("\\", "\\\\").replace(":", "\\:")


class Server:
    """One running cluster: TCP on 127.0.0.1 (password auth) and a unix socket (trust)."""

    host = "127.0.0.1"

    def __init__(self, base: Path, bin_dir: Path):
        self.base = base
        self.bin_dir = bin_dir
        self.pg_dir = base / "pg"                 # everything the server writes; postgres owns it
        self.data_dir = self.pg_dir / "data"
        self.log = self.pg_dir / "server.log"
        # A unix socket path may be at most 107 bytes; pytest's tmp paths can be longer.
        self.socket_dir = self.pg_dir / "sock"
        if len(str(self.socket_dir / ".s.PGSQL.65535")) > 100:
            self.socket_dir = Path(tempfile.mkdtemp(prefix="pgsock"))
        self.port = 0
        self._db_numbers = itertools.count(1)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        """Run a server binary, as ``postgres`` when we are root (cwd: somewhere it may enter)."""
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if AS_ROOT:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, cwd=self.pg_dir, capture_output=True, text=True)

    @classmethod
    def start(cls, base: Path) -> Server:
        """initdb a new cluster under ``base`` and start it; RuntimeError (with the log) if it won't."""
        base = Path(base).resolve()
        base.mkdir(parents=True, exist_ok=True)
        self = cls(base, find_bin())
        self.pg_dir.mkdir()
        self.socket_dir.mkdir(exist_ok=True)
        if AS_ROOT:
            # postgres must be able to walk down to its dir; tempfile/pytest make theirs 0700.
            for d in [base, *base.parents]:
                mode = d.stat().st_mode
                if not mode & stat.S_IXOTH:
                    d.chmod(mode | stat.S_IXOTH)
            user = pwd.getpwnam("postgres")
            for d in (self.pg_dir, self.socket_dir):
                os.chown(d, user.pw_uid, user.pw_gid)
        init = self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth-local=trust",
                         "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync")
        if init.returncode:
            raise RuntimeError(f"initdb failed:\n{init.stdout}{init.stderr}")
        settings = {"listen_addresses": "127.0.0.1", "unix_socket_directories": str(self.socket_dir),
                    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                    "max_connections": "200"}
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            for key, value in settings.items():
                conf.write(f"{key} = '{value.replace(chr(39), chr(39) * 2)}'\n")
        for _ in range(3):                        # another process may grab the port first
            self.port = _free_port()
            ctl = self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log), "-o",
                            f"-p {self.port}", "-w", "-t", "60", "start")
            if ctl.returncode == 0:
                return self
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            if "could not bind" not in log:
                break
        self.stop()
        tail = "\n".join(log.splitlines()[-20:])
        raise RuntimeError(f"PostgreSQL did not start:\n{ctl.stdout}{ctl.stderr}\n--- {self.log} ---\n{tail}")

    def superuser(self) -> psycopg.Connection:
        """``postgres`` over the unix socket, where trust auth needs no password."""
        return psycopg.connect(host=str(self.socket_dir), port=self.port, user="postgres",
                               dbname="postgres", autocommit=True)

    @property
    def pgpass(self) -> Path:
        """Passwords for TCP logins; point PGPASSFILE here so URLs never carry a password."""
        return self.base / "pgpass"

    def add_role(self, name: str, password: str, *, createrole: bool = False,
                 createdb: bool = False, login: bool = True) -> None:
        """Create a role with a scram password and record it in the pgpass file."""
        flags = [sql.SQL(f) for f, on in (("LOGIN", login), ("CREATEROLE", createrole),
                                          ("CREATEDB", createdb)) if on]
        with self.superuser() as conn:
            conn.execute(sql.SQL("CREATE ROLE {} WITH {} PASSWORD {}").format(
                sql.Identifier(name), sql.SQL(" ").join(flags), sql.Literal(password)))
        self.remember(name, password)

    def remember(self, name: str, password: str) -> None:
        """Keep ``name``'s password in the pgpass file, as a clerk's PC keeps it."""
        line = ":".join(_pgpass_escape(f) for f in (self.host, str(self.port), "*", name, password))
        with open(self.pgpass, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        self.pgpass.chmod(0o600)                  # libpq ignores a group/world-readable pgpass

    def new_database(self, owner: str) -> str:
        """A fresh empty database, owned by ``owner``.

        FILE_COPY copies the template's files; WAL_LOG (PG15's default) also writes every page
        to WAL, so it took about twice as long here (tmpfs: 9 vs 19 ms).  template0 copies as
        fast as template1 and, as nobody can connect to it, never fails with "source database
        is being accessed by other users"."""
        name = f"ledger_{next(self._db_numbers)}"
        with self.superuser() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 STRATEGY FILE_COPY")
                         .format(sql.Identifier(name), sql.Identifier(owner)))
        return name

    def url(self, database: str, user: str) -> str:
        """A TCP URL without password: libpq takes that from the pgpass file."""
        return f"postgresql://{quote(user, safe='')}@{self.host}:{self.port}/{quote(database, safe='')}"

    def stop(self) -> None:
        """Kill the server at once (nothing to keep) and delete its data; the log stays in base."""
        if self.data_dir.exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.data_dir, ignore_errors=True)
        if not self.socket_dir.is_relative_to(self.pg_dir):
            shutil.rmtree(self.socket_dir, ignore_errors=True)
