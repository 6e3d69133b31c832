"""Issue 25: the server posts; clerks submit. A clerk's login writes nothing of the books: it
submits requests through one door, and the poster (`jxc ledger serve`, a process of its own under
the owner's login) runs them with the same engine, answering the clerk.

A real server, real logins from a pgpass file, the poster a real process; the attacks typed as
SQL straight into the clerk's own connection, past jxc.
"""
import datetime as dt
import json
import time
from urllib.parse import quote

import psycopg
import pytest
from click.testing import CliRunner

from jxc_xl import Ledger, LedgerError
from jxc_xl.cli import main
from jxc_xl.ledger.stores.schema import TABLES
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


def test_the_attacks_typed_in_psql_are_refused(office):
    """What issue 25 typed as each login, past jxc: 老板 moving the change counter, a temp table
    standing in for `audit` (or `order_closes`), a clerk locking 商品 against everyone's reading,
    销售 forging a collection with a negative 应收 entry, rewriting movements' figures, a digest or a
    master, keying a movement into a closed day, 财务 planting rows in a close's snapshot, setting
    the closed date to 'zzzz' or reopening by hand — each refused by the server; nothing changed."""
    attacks = {"老板": ["UPDATE jxc_changes SET n = 9223372036854775807"],
               "小销": ["CREATE TEMP TABLE audit (id bigint)", "CREATE TEMP TABLE order_closes (id bigint)",
                        "LOCK TABLE items IN ACCESS EXCLUSIVE MODE",
                        "INSERT INTO party_entries (id, doc, date, party, side, amount) VALUES "
                        "((SELECT MAX(id) + 1 FROM party_entries), (SELECT MAX(id) FROM documents), '2026-01-20', "
                        "'C1', 'AR', -100000)",
                        "SELECT nextval(pg_get_serial_sequence('audit', 'id'))",
                        "UPDATE movements SET qty = 0", "UPDATE movements SET pos = 1", "UPDATE documents SET raw_hash = 'x'",
                        "UPDATE items SET name = '别的'", "DELETE FROM audit", "TRUNCATE movements"],
               "老王": ["INSERT INTO closing_stock SELECT * FROM closing_stock",
                        "INSERT INTO closing_balances SELECT * FROM closing_balances",
                        "UPDATE meta SET value = 'zzzz' WHERE key = 'closed_through'",
                        "UPDATE closes SET reopened_by = '老王'"],
               "管家": ["SELECT jxc_enrol('ghost', 'finance', 'pw')", "UPDATE users SET added_by = 'laoban'"]}
    with Ledger.open(office("老王"), create=False) as reader:
        before = (reader.conn.changes(), _figures(reader), reader.audit_log(), reader.users())
    for name, sqls in attacks.items():
        with psycopg.connect(office(name), autocommit=True) as conn:
            for sql in sqls:
                with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                    conn.execute(sql)
    with Ledger.open(office("老王"), create=False) as reader:
        assert (reader.conn.changes(), _figures(reader), reader.audit_log(), reader.users()) == before


def test_the_door_signs_requests_and_keeps_each_clerks_answers_to_itself(office, poster, server_ledger):
    """A request is signed with the session's login whatever it says; a kind that is not a request,
    or a payload naming what the door does not carry, is answered refused or failed (posting
    nothing); another clerk's answer cannot be read or withdrawn."""
    with psycopg.connect(office("小销"), autocommit=True) as conn:
        forged = conn.execute("SELECT jxc_submit('enforce', %s::jsonb, 5)", (json.dumps({"args": {}}),)).fetchone()[0]
        odd = conn.execute("SELECT jxc_submit('post', %s::jsonb, 5)",
                           (json.dumps({"args": {"$dict": [["documents", {"$class": "Popen", "v": {}}]]}}),)).fetchone()[0]
        time.sleep(1.5)
        answers = [conn.execute("SELECT jxc_answer(%s)", (n,)).fetchone()[0] for n in (forged, odd)]
        assert [a["state"] for a in answers] == ["refused", "failed"], answers
    with psycopg.connect(office("老王"), autocommit=True) as conn:
        assert conn.execute("SELECT jxc_answer(%s)", (forged,)).fetchone()[0] is None
        assert conn.execute("SELECT jxc_withdraw(%s)", (forged,)).fetchone()[0] is None
    with psycopg.connect(server_ledger) as owner:
        assert owner.execute("SELECT login FROM jxc_requests ORDER BY id").fetchall() == [("小销",), ("小销",)]


def _waiting_poster(conn, seconds: float = 30) -> None:
    """Until the poster's connection waits on a lock (the change counter, its last write)."""
    deadline = time.monotonic() + seconds
    while not conn.execute("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'jxc-xl' "
                           "AND wait_event_type = 'Lock' AND datname = current_database())").fetchone()[0]:
        assert time.monotonic() < deadline, "the poster never got to its commit"
        time.sleep(0.05)


def _post_aside(url: str, rows: str) -> tuple[list, "threading.Thread"]:
    """The clerk at ``url`` posting ``rows`` in a thread; what came of it in the list."""
    import threading
    came: list = []

    def run() -> None:
        try:
            with Ledger.open(url, create=False) as clerk:
                came.append(clerk.post(docs(HEAD + rows)))
        except LedgerError as exc:
            came.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    return came, thread


@pytest.mark.parametrize("restarted", [True, False])
def test_a_poster_killed_before_it_commits_posts_the_request_once_or_not_at_all(office, poster, server_ledger,
                                                                             restarted, monkeypatch):
    """The poster is killed after it took 小销's request and wrote everything but its commit: the
    request posted nothing. Restarted, the poster posts it once and 小销 is told it posted; not
    restarted, 小销 is told plainly nothing posted, and a poster started later does not post it."""
    monkeypatch.setattr(clerk_side, "GONE_SECONDS", 30.0 if restarted else 2.0)
    with psycopg.connect(server_ledger, autocommit=True) as owner:
        with owner.transaction():
            owner.execute("SELECT n FROM jxc_changes FOR UPDATE")          # the poster's last write waits here
            came, thread = _post_aside(office("小销"), SALE)
            _waiting_poster(owner)
            poster.kill()
        if restarted:
            poster.start()
        thread.join(60)
        if restarted:
            assert sorted(came[0].posted) == ["S1", "S2"]
        else:
            assert isinstance(came[0], LedgerError) and "没有运行过账服务" in str(came[0])
            poster.start()
            time.sleep(1)
        posted = owner.execute("SELECT COUNT(*) FROM documents WHERE doc_no IN ('S1', 'S2')").fetchone()[0]
        assert posted == (2 if restarted else 0)
        states = [r[0] for r in owner.execute("SELECT state FROM jxc_requests ORDER BY id")]
        assert states == (["done"] if restarted else ["withdrawn"])
    with Ledger.open(office("老王"), create=False) as reader:
        assert reader.verify() == []


def test_no_poster_is_one_line_and_exit_2_and_a_late_poster_posts_nothing(office, server_ledger, tmp_path):
    """No poster runs: 小销's `jxc post` says so in one line, exit 2, and posts nothing; a request
    left in the inbox past its wait (a clerk whose PC went away) is refused by a poster started after."""
    from .. import wb
    from ..conftest import _new_book
    book = _new_book(tmp_path)
    wb.type_rows(book, "设置", [{"项目": "账簿文件", "值": office("小销")}], start=3)
    wb.type_rows(book, "销售", [wb.sale("S1", dt.date(2026, 1, 6), "A", 6, 9, customer="C1", wh="W1")])
    run = CliRunner().invoke(main, ["post", str(book)])
    assert run.exit_code == 2 and "没有运行过账服务" in run.output and "Traceback" not in run.output, run.output
    assert len(run.output.strip().splitlines()) == 1
    with psycopg.connect(office("小销"), autocommit=True) as conn:
        left = conn.execute("SELECT jxc_submit('post', %s::jsonb, 1)",
                            (json.dumps({"args": {"$dict": [["documents", []]]}}),)).fetchone()[0]
    time.sleep(1.2)
    late = Poster(server_ledger, tmp_path).start()
    try:
        time.sleep(1)
        with psycopg.connect(office("小销"), autocommit=True) as conn:
            assert conn.execute("SELECT jxc_answer(%s)", (left,)).fetchone()[0]["state"] == "expired"
    finally:
        late.kill()
    with Ledger.open(office("老王"), create=False) as reader:
        assert reader.conn.execute("SELECT COUNT(*) FROM documents WHERE doc_no = 'S1'").fetchone()[0] == 0


def test_a_disabled_clerks_requests_post_nothing_more(office, poster, server_ledger):
    """小销's ledger stays open while 管家 disables 小销 (through the poster too): its next post is
    refused, one line; and a request 小销 left waiting before the disable is refused by the
    poster, which asks at the moment it takes it."""
    with Ledger.open(office("小销"), create=False) as clerk:
        poster.kill()
        with psycopg.connect(office("小销"), autocommit=True) as conn:
            waiting = conn.execute("SELECT jxc_submit('post', %s::jsonb, 60)", (json.dumps(
                {"args": {"$dict": [["documents", clerk_side.wire.dump(docs(HEAD + SALE))]]}}),)).fetchone()[0]
        with Ledger.open(server_ledger, create=False) as owner:
            assert owner.disable_user("小销") is None
        poster.start()
        with Ledger.open(office("管家"), create=False) as admin:
            assert admin.disable_user("老王") is None                      # 管理员's, through the poster
        with pytest.raises(LedgerError, match="没有这个权限|已停用|结束了这个连接"):
            clerk.post(docs(HEAD + SALE))                               # (its session was ended, too)
    with psycopg.connect(server_ledger, autocommit=True) as owner:
        state, outcome = owner.execute("SELECT state, outcome FROM jxc_requests WHERE id = %s", (waiting,)).fetchone()
        assert state == "refused" and "已停用" in outcome["detail"]
        assert owner.execute("SELECT COUNT(*) FROM documents WHERE doc_no = 'S1'").fetchone()[0] == 0
        assert owner.execute("SELECT pg_has_role('老王', current_database() || ':finance', 'MEMBER')").fetchone()[0] \
            is False
    with Ledger.open(server_ledger, create=False) as reader:
        assert [(a.user, a.action) for a in reader.audit_log()][-1] == ("管家", "user_disable")


def test_a_second_poster_on_the_same_ledger_does_not_start(office, poster, server_ledger, tmp_path):
    second = Poster(server_ledger, tmp_path).start(wait=False)
    out, _ = second.process.communicate(timeout=60)
    assert second.process.returncode == 2 and "已有一个过账服务在运行" in out and "Traceback" not in out
    with Ledger.open(office("小销"), create=False) as clerk:
        assert sorted(clerk.post(docs(HEAD + SALE)).posted) == ["S1", "S2"]


def test_what_travels_through_the_door_comes_back_as_it_left(file_ledger):
    """A post's documents, masters and answer (outcomes, problems with their figures, 增值税 by
    line, count changes) read back equal; a class the door does not carry is refused."""
    from decimal import Decimal

    from jxc_xl.domain.problems import Problem
    from jxc_xl.ledger.server import wire
    documents = docs(HEAD + OPENING + SALE + "| 2026-01-07 | 销售出库 | S3 | C1 | W1 | | A | 99 | 9 | | |\n")
    result = file_ledger.post(documents, credit_block=True)
    sent = {"documents": documents, "masters": file_ledger.masters(), "when": dt.date(2026, 1, 7), "uses": {"x"},
            "problem": Problem("bad_value", "S3", 1, "数量", {"value": Decimal("1.005"), "expected": 3}),
            "result": result}
    back = wire.load(json.loads(wire.dumps(sent)))
    assert back["documents"] == documents and back["result"] == result and back["problem"] == sent["problem"]
    assert back["masters"].items == sent["masters"].items and back["uses"] == {"x"}
    assert result.problems and back["result"].outcomes[-1].problems == result.outcomes[-1].problems
    from jxc_xl.ledger.results import Outcome           # a taxed line's figures, in the ledger's units
    taxed = Outcome("XS1", "sales", "posted", figures={1: (130000, 100000000, None, 30000, 3900, 33900)})
    assert wire.load(json.loads(wire.dumps(taxed))).figures == taxed.figures
    with pytest.raises(TypeError):
        wire.load({"$class": "Popen", "v": {"args": "sh"}})


def test_a_clerks_session_left_in_a_transaction_ends(office, server_ledger):
    """A login the ledger made has its own time limits on this database (a psql session: an idle
    transaction, a statement); one left idle in a transaction — here with the limit made 1 s — is
    ended by the server, its lock and snapshot with it."""
    with psycopg.connect(server_ledger, autocommit=True) as owner:
        [settings] = owner.execute("SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = "
                                   "s.setdatabase WHERE d.datname = current_database() AND s.setrole = '小销'::regrole"
                                   ).fetchone()
        assert {"idle_in_transaction_session_timeout=60s", "statement_timeout=300s"} <= set(settings)
        owner.execute("ALTER ROLE \"小销\" IN DATABASE " + owner.info.dbname.join('""') +
                      " SET idle_in_transaction_session_timeout = '1s'")
        clerk = psycopg.connect(office("小销"))
        clerk.execute("SELECT COUNT(*) FROM items").fetchone()                # a transaction, an ACCESS SHARE lock
        time.sleep(2.5)
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
            clerk.execute("SELECT 1")
        clerk.close()
        assert owner.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE usename = '小销'").fetchone()[0] == 0
        assert owner.execute("SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                             "WHERE c.relname = 'items' AND l.pid <> pg_backend_pid()").fetchone()[0] == 0


def test_admin_changes_refuse_an_existing_name_are_logged_and_end_a_disabled_logins_sessions(office, poster,
                                                                                           server_ledger):
    """管家 (through the poster) cannot add 小销 again — no password reset behind the log's back;
    each change is in the audit log, a password's setting said; disabling 小销 ends 小销's open
    session (one that had `SET ROLE` its department), so it can neither read nor post."""
    sales = f'"{psycopg.connect(server_ledger).info.dbname}:sales"'
    session = psycopg.connect(office("小销"), autocommit=True)
    session.execute(f"SET ROLE {sales}")
    assert session.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 3
    with Ledger.open(office("管家"), create=False) as admin:
        again = admin.add_user("小销", "财务", password="new-pw")
        assert again is not None and again.code == "user_exists" and "已是本账簿的用户" in again.message
        assert admin.add_user("小新", "采购", password="小新-pw") is None
        assert admin.disable_user("小销") is None
        with pytest.raises(psycopg.OperationalError):
            session.execute("SELECT COUNT(*) FROM items")
        assert admin.add_user("小销", "销售") is None                        # back (disabled first: logged)
    with psycopg.connect(office("小新"), password="小新-pw", autocommit=True) as new:
        assert new.execute("SELECT current_user").fetchone()[0] == "小新"
    with Ledger.open(server_ledger, create=False) as owner:
        log = [(a.user, a.action, a.detail) for a in owner.audit_log()][-4:]
        assert log == [("管家", "user_refused", "小销（财务）"), ("管家", "user_add", "小新（采购，设了密码）"),
                       ("管家", "user_disable", "小销"), ("管家", "user_add", "小销（销售）")], log
        assert [(u.name, u.role, u.active) for u in owner.users() if u.name == "小销"] == [("小销", "sales", True)]
        kept = [r[0] for r in owner.conn.execute(f"SELECT payload::text FROM {door.REQUESTS} WHERE kind = 'add_user'")]
        assert kept and not any("pw" in payload for payload in kept), kept       # no password kept in the inbox


def test_what_a_clerks_workbook_or_psql_may_carry_that_the_books_cannot_is_refused_plainly(office, poster, tmp_path):
    """A NUL byte in a 备注 (the server's text cannot hold it) and a 3,000-character 单号 are errors
    on their rows, said in Chinese, while the good sale posts; 财务 asking the poster straight to
    close through 'zzzz' is refused, the books' 结账日期 untouched, and posting goes on."""
    from .. import wb
    from ..conftest import _new_book
    book = _new_book(tmp_path)
    wb.type_rows(book, "设置", [{"项目": "账簿文件", "值": office("小销")}], start=3)
    wb.type_rows(book, "商品", [{"商品编码": "A", "商品名称": "苹果", "单位": "箱"}])
    wb.type_rows(book, "往来单位", [{"编码": "C1", "名称": "第一百货", "类型": "客户"}])
    wb.type_rows(book, "仓库", [{"编码": "W1", "名称": "总仓"}])
    sales = [wb.sale("S1", dt.date(2026, 1, 6), "A", 1, 9, customer="C1", wh="W1"),
             {**wb.sale("S2", dt.date(2026, 1, 6), "A", 1, 9, customer="C1", wh="W1"), "备注": "坏_x0000_字"},   # a NUL
             wb.sale("S" * 3000, dt.date(2026, 1, 6), "A", 1, 9, customer="C1", wh="W1")]
    rows = wb.type_rows(book, "销售", sales)
    run = CliRunner().invoke(main, ["post", str(book)])
    assert run.exit_code == 1 and "意外错误" not in run.output and "过账单据 / documents posted: 1" in run.output, \
        run.output
    statuses = [wb.cell(book, "销售", row, "状态") for row in rows]
    assert statuses[0].startswith("已过账") and "备注" in statuses[1] and "控制字符" in statuses[1], statuses
    assert "单号" in statuses[2] and "太长" in statuses[2] and "3000" in statuses[2], statuses
    with psycopg.connect(office("老王"), autocommit=True) as conn:
        for kind, through, said in (("close_month", "zzzz", "through"),          # not a date
                                    ("close_period", {"$date": "2099-12-31"}, "close_period")):  # 结账 unchecked: not asked
            asked = conn.execute("SELECT jxc_submit(%s, %s::jsonb, 5)",
                                 (kind, json.dumps({"args": {"$dict": [["through", through]]}}),)).fetchone()[0]
            deadline = time.monotonic() + 20
            while (answer := conn.execute("SELECT jxc_answer(%s)", (asked,)).fetchone()[0])["state"] == "waiting":
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert answer["state"] == "refused" and said in answer["outcome"]["detail"], answer
        assert conn.execute("SELECT value FROM meta WHERE key = 'closed_through'").fetchone() in (None, ("",))
    with Ledger.open(office("小销"), create=False) as clerk:
        assert clerk.post(docs(HEAD + "| 2026-01-07 | 销售出库 | S9 | C1 | W1 | | A | 1 | 9 | | |\n")).ok


def test_a_sales_logins_workbook_adds_masters_but_changes_none_and_finances_change_is_logged(office, poster, tmp_path):
    """Issue 25: 小销's workbook renames 商品 A and raises C1's 信用额度 to 10,000,000: through the
    poster the books keep 苹果 and 50,000 (said once), the shipment over 50,000 is refused by
    信用控制 = 禁止, and 小销's new customer C9 is added; 老王's (财务) change goes in, logged
    from → to."""
    from decimal import Decimal

    from .. import wb
    from ..app.test_master_rights import master_row
    from ..conftest import _new_book
    book = _new_book(tmp_path)
    wb.type_rows(book, "设置", [{"项目": "账簿文件", "值": office("小销")}], start=3)
    wb.type_rows(book, "设置", [{"项目": "信用控制", "值": "禁止"}], start=master_row(book, "设置", "信用控制"))
    wb.type_rows(book, "商品", [{"商品编码": "A", "商品名称": "红苹果", "单位": "箱"}])
    wb.type_rows(book, "往来单位", [{"编码": "C1", "名称": "第一百货", "类型": "客户", "信用额度": 10_000_000},
                                 {"编码": "C9", "名称": "新开超市", "类型": "客户"}])
    wb.type_rows(book, "仓库", [{"编码": "W1", "名称": "总仓"}])
    rows = wb.type_rows(book, "销售", [wb.sale("S1", dt.date(2026, 1, 6), "A", 6, 9000, customer="C1", wh="W1"),
                                      wb.sale("S2", dt.date(2026, 1, 6), "A", 1, 9, customer="C9", wh="W1")])
    run = CliRunner().invoke(main, ["post", str(book)])
    assert "商品 A 的 名称" in run.output and "往来单位 C1 的 信用额度" in run.output \
        and "只有财务可以修改已有的资料" in run.output, run.output
    assert "超出信用额度 50,000.00" in wb.cell(book, "销售", rows[0], "状态")
    assert wb.cell(book, "销售", rows[1], "状态").startswith("已过账")
    with Ledger.open(office("老王"), create=False) as finance:
        m = finance.masters()
        assert (m.items["A"].name, m.parties["C1"].credit_limit, m.parties["C9"].name) == ("苹果", 50000, "新开超市")
        assert finance.upsert_masters(parties=[m.parties["C1"].model_copy(update={"credit_limit": Decimal(60000)})]) == []
        assert finance.masters().parties["C1"].credit_limit == 60000
    with Ledger.open(office("老王"), create=False) as finance:
        log = [(a.user, a.detail) for a in finance.audit_log(("masters",))]
    assert ("小销", "新增 往来单位 C9（新开超市）") in log and log[-1] == ("老王", "往来单位 C1：信用额度 50000.00 → 60000.00"), log
    assert all(user == "小销" and detail.startswith("新增") for user, detail in log[:-1]), log     # A001…: the template's


def test_reopen_on_a_server_keeps_a_checked_copy_of_the_books_first(office, poster, server_ledger, tmp_path):
    """Issue 25: 反结账 asked of the poster straight (not through the workbook's 反结账, which backs
    up on the PC) first writes a checked SQLite copy of the books, as they stood closed, into the
    poster's own 备份 folder, logged; a copy that cannot be made reopens nothing."""
    import shutil
    with Ledger.open(office("老王"), create=False) as finance:
        assert finance.close_month(dt.date(2026, 1, 31), today=dt.date(2026, 2, 10)) == []
        assert finance.reopen(dt.date(2025, 12, 31)) is True
        assert finance.settings.closed_through == dt.date(2025, 12, 31)
        log = [(a.user, a.action, a.detail) for a in finance.audit_log(("backup", "reopen"))]
    [copy] = (tmp_path / "备份").glob("*.db")
    with Ledger.open(copy, create=False, read_only=True) as kept:
        assert kept.settings.closed_through == dt.date(2026, 1, 31) and kept.verify() == []
        assert kept.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 2         # P1, P2
    assert log == [("老王", "backup", f"反结账前的账簿备份 / before reopening: {copy}"),
                   ("老王", "reopen", "2026-01-31 → 2025-12-31")], log
    with Ledger.open(office("老王"), create=False) as finance:
        assert finance.close_month(dt.date(2026, 1, 31), today=dt.date(2026, 2, 10)) == []
        shutil.rmtree(tmp_path / "备份")
        (tmp_path / "备份").write_text("not a folder")                  # no copy can be made there
        with pytest.raises(LedgerError, match="备份"):
            finance.reopen(dt.date(2025, 12, 31))
        assert finance.settings.closed_through == dt.date(2026, 1, 31)


def test_what_a_review_found_a_clerk_could_still_do_is_refused(office, server_ledger, start_poster):
    """Found by reading the door after it was built, each typed as a clerk would: figures of its own
    sent with a line (a receivable of 1.00 for 6 × 9) are worked out again; a clerk holding the
    ledger's write lock and the poster's lock in psql stalls nothing (the poster starts, posts go on);
    a request nested past what JSON decodes is answered failed and the poster serves on; a setting
    the workbook gives as the books hold it asks the poster nothing (none needs to run); a digest of
    another department's document is not remembered; a cost method changed is in the audit log."""
    from decimal import Decimal

    from jxc_xl.domain.tax import Figures
    from jxc_xl.ledger.stores.postgres import _POST_LOCK
    with Ledger.open(office("小销"), create=False) as clerk:            # no poster runs yet
        assert clerk.set_cost_method(clerk.settings.method) is None and clerk.set_approval_required(False) is None
    squatter = psycopg.connect(office("小销"), autocommit=True)
    squatter.execute("SELECT pg_advisory_lock(%s), pg_advisory_lock(%s)", (_POST_LOCK, door.POSTER_LOCK))
    serving = start_poster()                                           # the clerk's session holding its lock ends
    with pytest.raises(psycopg.OperationalError):
        squatter.execute("SELECT 1")
    with psycopg.connect(office("小销"), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_POST_LOCK,))      # the old write lock: binds nobody now
        deep = "[" * 5000 + "]" * 5000
        asked = conn.execute("SELECT jxc_submit('post', %s::jsonb, 5)", (f'{{"args": {deep}}}',)).fetchone()[0]
        deadline = time.monotonic() + 20
        while (answer := conn.execute("SELECT jxc_answer(%s)", (asked,)).fetchone()[0])["state"] == "waiting":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert answer["state"] == "failed", answer
        for args in ("[1]", '{"$dict": 7}', '"x"'):                     # args of no shape the door sends
            conn.execute("SELECT jxc_withdraw(jxc_submit('post', %s::jsonb, 5))", (f'{{"args": {args}}}',))
        [sale] = docs(HEAD + "| 2026-01-06 | 销售出库 | S5 | C1 | W1 | | A | 6 | 9 | | |\n")
        forged = sale.model_copy(update={"lines": tuple(line.model_copy(update={"figures": Figures(
            Decimal(0), Decimal(9), Decimal(9), Decimal("1.00"), Decimal(0), Decimal("1.00"))}) for line in sale.lines)})
        with Ledger.open(office("小销"), create=False) as clerk:
            assert clerk.post([forged]).posted == ["S5"]
            clerk.remember_digests([("forged", "purchases", "P1"), ("mine", "sales", "S5")])
    with Ledger.open(server_ledger) as owner:
        assert owner.balance("C1") == Decimal("54.00")                  # 6 × 9, not 1.00
        assert dict(owner.conn.execute("SELECT doc_no, raw_hash FROM documents WHERE doc_no IN ('P1', 'S5')")
                    .fetchall()) == {"P1": None, "S5": "mine"}
    with Ledger.open(office("管家"), create=False) as admin:
        assert admin.set_allow_negative(True) is None
    with Ledger.open(server_ledger) as owner:
        assert [(a.user, a.detail) for a in owner.audit_log(("setting",))] == [("管家", "允许负库存：是")]
