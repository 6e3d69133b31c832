"""Issue 25: the server posts; clerks submit. A clerk's login writes nothing of the books: it
submits requests through one door, and the poster (`jxc ledger serve`, a process of its own under
the owner's login) runs them with the same engine, answering the clerk.

A real server, real logins from a pgpass file, the poster a real process; the attacks typed as
SQL straight into the clerk's own connection, past jxc.
"""
import datetime as dt
import json
import os
import signal
import time
from urllib.parse import quote

import psycopg
import pytest
from click.testing import CliRunner

from jxc_xl import Ledger, LedgerError
from jxc_xl.cli import main
from jxc_xl.ledger.schema import TABLES
from jxc_xl.ledger.server import clerk as clerk_side
from jxc_xl.ledger.server import door

from ..conftest import Poster, login, standard_masters
from ..dsl import docs, stock_rows
from .test_documents import HEAD

OPENING = ("| 2026-01-02 | 采购入库 | P1 | S1 | W1 | | A | 10 | 5 | | |\n"
           "| 2026-01-03 | 采购入库 | P2 | S1 | W1 | | B | 20 | 2.5 | | |\n")
SALE = ("| 2026-01-06 | 销售出库 | S1 | C1 | W1 | | A | 6 | 9 | | |\n"
        "| 2026-01-04 | 销售出库 | S2 | C2 | W1 | | B | 5 | 4 | | |\n")       # back-dated: recosts


@pytest.fixture
def office(server_ledger, pg_server):
    """A server ledger with masters and a receipt, and logins for 管家 (管理员), 小销 (销售),
    老王 (财务) and 老板 (老板): ``office(name)`` is the URL that login's workbook names."""
    with Ledger.open(server_ledger) as owner:
        standard_masters(owner)
        assert owner.post(docs(HEAD + OPENING)).ok
        for name, role in (("管家", "管理员"), ("小销", "销售"), ("老王", "财务"), ("老板", "老板")):
            login(owner, pg_server, name, role)
    return lambda name: server_ledger.replace("jxc_owner@", f"{quote(name, safe='')}@")


def _figures(ledger: Ledger) -> list[tuple]:
    return sorted(tuple(r) for r in ledger.conn.execute(
        "SELECT d.doc_no, m.item, m.warehouse, m.qty, m.value, m.bal_qty, m.bal_value FROM movements m "
        "JOIN documents d ON d.id = m.doc"))


def test_a_clerks_post_goes_through_the_poster_and_equals_a_direct_post(office, poster, tmp_path):
    """小销's workbook posts as before — through the poster — and the books equal one post of
    the same documents by the owner; the audit log and the batch say 小销."""
    with Ledger.open(office("小销"), create=False) as clerk:
        result = clerk.post(docs(HEAD + SALE), user="别人")
        assert sorted(result.posted) == ["S1", "S2"] and result.ok, [str(p) for p in result.problems]
        refused = clerk.post(docs(HEAD + "| 2026-01-06 | 采购入库 | P9 | S1 | W1 | | A | 1 | 9 | | |\n"))
        assert refused.posted == [] and "销售" in str(refused.problems[0])
        assert not clerk.reverse("S1").ok                                   # 财务's, not 销售's
    with Ledger.open(tmp_path / "direct.jxc.db") as direct:
        standard_masters(direct)
        assert direct.post(docs(HEAD + OPENING)).ok and direct.post(docs(HEAD + SALE)).ok
        with Ledger.open(office("老王"), create=False) as server:
            assert server.verify() == []
            assert _figures(server) == _figures(direct) and stock_rows(server) == stock_rows(direct)
            assert server.totals() == direct.totals()
            assert [(a.user, a.action) for a in server.audit_log()][-3:] == [
                ("小销", "post"), ("小销", "post_refused"), ("小销", "reverse_refused")]
            assert server.reverse("S1").ok and server.verify() == []          # 财务's reversal, by request too


def test_a_sales_login_holds_no_write_privilege_and_no_temp(office):
    """As 小销's own login: no INSERT, UPDATE, DELETE or TRUNCATE on any table of the books (nor on
    the change counter or the inbox), no TEMP on the database; SELECT stays."""
    with psycopg.connect(office("小销"), autocommit=True) as conn:
        for table in [*TABLES, "jxc_changes", door.REQUESTS]:
            for privilege in ("INSERT", "UPDATE", "DELETE", "TRUNCATE"):
                assert conn.execute("SELECT has_table_privilege(%s, %s)", (table, privilege)).fetchone()[0] is False, \
                    (table, privilege)
        assert conn.execute("SELECT has_database_privilege(current_database(), 'TEMP')").fetchone()[0] is False
        assert conn.execute("SELECT has_table_privilege('documents', 'SELECT')").fetchone()[0] is True
