"""Issue 13: the ledger on a PostgreSQL server — moving books there and back, what the server
itself refuses a department, who a post is recorded for, and the worksheet functions' counter.

A real server (started by the session's ``pg_server`` fixture), real logins with passwords kept
in a pgpass file, real connections.
"""
import datetime as dt
from decimal import Decimal
from urllib.parse import quote

import psycopg
import pytest
from click.testing import CliRunner

from jxc_xl import Ledger, LedgerError, lookup
from jxc_xl.domain import order
from jxc_xl.domain.model import Account, Document, DocType
from jxc_xl.cli import main
from jxc_xl.ledger.stores.copying import differences

from ..conftest import login, standard_masters
from ..dsl import docs, stock_rows
from .test_documents import HEAD, SALES

BOOKS = SALES + ("| 2026-01-03 | 采购入库 | P0  | S2 | W2 | | B | 4  | 2.5 | | |\n"     # back-dated
                 "| 2026-01-08 | 调拨     | T1  |    | W1 | W2 | A | 3 | | | |\n"
                 "| 2026-01-09 | 收款     | R1  | C1 |    | | | | 20 | | |\n")


def _books(ledger: Ledger) -> None:
    standard_masters(ledger)
    result = ledger.post(docs(HEAD + BOOKS), user="王会计", workbook="账本.xlsx")
    assert result.ok, [str(p) for p in result.problems]
    ledger.close_period(dt.date(2026, 1, 5), user="王会计")


def test_books_move_to_the_server_and_back_equal_figure_for_figure(tmp_path, server_ledger):
    """jxc ledger copy: file → server → file; each copy reads back equal table by table, its
    figures verify, and posting goes on where it stopped (batch and log numbers included)."""
    first, back = tmp_path / "books.jxc.db", tmp_path / "back.jxc.db"
    with Ledger.open(first) as ledger:
        _books(ledger)
    run = CliRunner().invoke(main, ["ledger", "copy", str(first), server_ledger])
    assert run.exit_code == 0, run.output
    assert "逐表核对一致" in run.output and "复制后的账簿自检通过" in run.output
    run = CliRunner().invoke(main, ["ledger", "copy", server_ledger, str(back)])
    assert run.exit_code == 0, run.output
    with Ledger.open(first, read_only=True) as one, Ledger.open(server_ledger) as server, \
            Ledger.open(back, read_only=True) as other:
        assert differences(one, server) == [] and differences(one, other) == []
        assert stock_rows(server) == stock_rows(one) and server.totals() == one.totals()
        assert server.balance("C1") == one.balance("C1") and server.settings == one.settings
        assert server.generation() == one.generation()          # a 台账 written from the file refreshes on
        later = server.post(docs(HEAD + "| 2026-01-10 | 销售出库 | S2 | C1 | W2 | | A | 1 | 9 | | |"))
        assert later.ok and later.batch == 2 and server.verify() == []
        assert [a.action for a in server.audit_log()][-1] == "post"
    again = CliRunner().invoke(main, ["ledger", "copy", str(first), server_ledger])
    assert again.exit_code == 2 and "已有内容" in again.output          # never merged into books


def test_init_upgrade_and_what_an_empty_or_unreachable_server_says(server_ledger, pg_server):
    """An empty database is no ledger until `jxc ledger init`; a password in the URL is refused;
    a server that is not there is one line, exit 2."""
    with pytest.raises(LedgerError, match="jxc ledger init"):
        Ledger.open(server_ledger, create=False)
    assert CliRunner().invoke(main, ["ledger", "init", server_ledger]).exit_code == 0
    sales = f"{server_ledger.rsplit('/', 1)[1]}:sales"
    granted = f"SELECT has_table_privilege('{sales}', 'documents', 'INSERT')"
    with psycopg.connect(server_ledger, autocommit=True) as conn:
        conn.execute(f'GRANT INSERT ON documents TO "{sales}"')           # granted by hand
        assert conn.execute(granted).fetchone()[0] is True
        run = CliRunner().invoke(main, ["ledger", "upgrade", server_ledger])
        assert run.exit_code == 0 and "版本" in run.output
        assert conn.execute(granted).fetchone()[0] is False             # the grants made again: the poster writes
    with pytest.raises(LedgerError, match="pgpass"):
        Ledger.open(server_ledger.replace("jxc_owner@", "jxc_owner:secret@"))
    with pytest.raises(LedgerError, match="只能写用户"):             # the host a workbook shows is the host
        Ledger.open(server_ledger + "?host=127.0.0.2")
    gone = CliRunner().invoke(main, ["ledger", "stock", f"postgresql://jxc_owner@127.0.0.1:1/{pg_server.port}"])
    assert gone.exit_code == 2 and "连不上账簿服务器" in gone.output and "Traceback" not in gone.output


@pytest.fixture
def departments(server_ledger, pg_server, start_poster):
    """A server ledger with books, and logins for 管家 (管理员), 小销 (销售) and 老王 (财务)."""
    with Ledger.open(server_ledger) as owner:
        _books(owner)
        for name, role in (("管家", "管理员"), ("小销", "销售"), ("老王", "财务")):
            login(owner, pg_server, name, role)
    start_poster()
    return lambda name: server_ledger.replace("jxc_owner@", f"{quote(name, safe='')}@")


def _document(no: int, doc_type: str = "sales_shipment", journal: str = "sales", date: str = "2026-01-20",
              user: str = "小销", reversal: int = 0) -> str:
    """A document row typed straight into the table, numbered next, in the login's latest batch."""
    return ("INSERT INTO documents (id, journal, doc_no, revision, reversal, type, date, pos, batch, \"user\") "
            f"VALUES ((SELECT MAX(id) + 1 FROM documents), '{journal}', 'X{no}', 1, {reversal}, '{doc_type}', "
            f"'{date}', {order.doc_key(dt.date.fromisoformat(date), 1, 1)}, (SELECT MAX(id) FROM batches), '{user}')")


NEW_BATCH = ("INSERT INTO batches (id, posted_at, \"user\") VALUES "
             "((SELECT MAX(id) + 1 FROM batches), '2026-01-20T09:00:00', session_user)")


def test_the_server_refuses_a_sales_login_what_its_department_may_not_do(departments):
    """Connected straight to the server, past jxc, 小销 writes nothing of the books (issue 25: the
    poster writes): not a delete, a quantity, the log, a batch, a sale of its own, a recost of
    another's movement or a setting; nor does 老王 (财务) reverse or post by hand."""
    refused = ["DELETE FROM movements", "DELETE FROM documents WHERE doc_no = 'P1'", "DELETE FROM audit",
               "UPDATE lines SET qty = qty * 2", "UPDATE movements SET base_qty = 0",
               "UPDATE audit SET detail = ''", "UPDATE users SET role = 'admin'",
               "UPDATE meta SET value = 'fifo' WHERE key = 'cost_method'",
               "INSERT INTO audit (at, \"user\", action) VALUES ('2026-01-01', '老王', 'close')",
               "INSERT INTO batches (id, posted_at, \"user\") VALUES (9223372036854775807, 'x', '小销')", NEW_BATCH,
               _document(1, "purchase_receipt", "purchases"), _document(2, reversal=1), _document(9),
               "INSERT INTO party_entries (id, doc, date, party, side, amount) VALUES "
               "((SELECT MAX(id) + 1 FROM party_entries), (SELECT id FROM documents WHERE doc_no = 'S1'), "
               "'2026-01-20', 'C1', 'AR', -100000)",
               "UPDATE movements SET value = 1, touched = (SELECT MAX(id) FROM batches) "
               "WHERE doc = (SELECT id FROM documents WHERE doc_no = 'P2')",
               "SELECT jxc_enrol('小销', 'finance', NULL)", "TRUNCATE jxc_changes"]
    for name, sqls in (("小销", refused), ("老王", [_document(10, user="老王", reversal=1),
                                                     "UPDATE documents SET reversed_by = NULL WHERE doc_no = 'S1'",
                                                     "UPDATE meta SET value = '2026-12-31' WHERE key = 'closed_through'"])):
        with psycopg.connect(departments(name), autocommit=True) as conn:
            for sql in sqls:
                with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                    conn.execute(sql)
    with Ledger.open(departments("老王"), create=False, read_only=True) as ledger:
        assert ledger.verify() == []


def test_an_administrator_manages_logins_and_nothing_else_on_the_server(departments, pg_server):
    """管家 (管理员) adds and disables logins through jxc, but cannot make itself the owner, touch
    the owner's login or a login this ledger did not make, or create roles of its own."""
    if not pg_server.superuser().execute("SELECT 1 FROM pg_roles WHERE rolname = '其他程序'").fetchone():
        pg_server.add_role("其他程序", "other-pw")
    database = departments("管家").rsplit("/", 1)[1]
    with psycopg.connect(departments("管家"), autocommit=True) as conn:
        for sql in ("CREATE TEMP TABLE jxc_logins (name text)",        # a stand-in the function must not see
                    "GRANT jxc_owner TO 管家", "CREATE ROLE evil LOGIN",
                    "SELECT jxc_enrol('jxc_owner', 'sales', 'pwned')", "SELECT jxc_enrol('其他程序', 'sales', 'x')",
                    f"SELECT jxc_enrol('{database}:sales', 'admin', NULL)", "SELECT jxc_enrol('pg_monitor', 'sales', NULL)",
                    "SELECT jxc_disable('jxc_owner')", "ALTER ROLE 老王 PASSWORD 'pwned'"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE meta SET value = 'fifo' WHERE key = 'cost_method'")
    with Ledger.open(departments("管家"), create=False) as admin:
        login(admin, pg_server, "小仓", "仓管")
    with Ledger.open(departments("小仓"), create=False) as clerk:
        assert clerk.login == "小仓" and clerk.refusal("小仓", "close") is not None


def test_a_login_posts_as_itself_and_only_its_departments_documents(departments):
    """Through jxc, the name a workbook gives does not matter: the login is who posted; a
    purchase is refused on its row naming the role; a back-dated sale recosts what others posted."""
    with Ledger.open(departments("小销"), create=False) as clerk:
        assert clerk.login == "小销"
        result = clerk.post(docs(HEAD + "| 2026-01-06 | 销售出库 | S9 | C2 | W1 | | A | 1 | 9 | | |\n"
                                        "| 2026-01-06 | 采购入库 | P9 | S1 | W1 | | A | 1 | 9 | | |"), user="老板")
        assert result.posted == ["S9"] and "销售" in str(result.problems[0]) and "采购入库" in str(result.problems[0])
        with pytest.raises(LedgerError, match="看不到成本"):
            clerk.verify()                                                  # its figures are costs: 财务's below
        assert clerk.conn.execute("SELECT DISTINCT b.\"user\" FROM movements m JOIN documents d ON d.id = m.doc "
                                  "JOIN batches b ON b.id = d.batch WHERE d.batch = ?",
                                  (result.batch,)).fetchall() == [("小销",)]
        assert not clerk.reverse("S1").ok                                   # 财务's, not 销售's
        assert clerk.sees_costs("老板") is False                             # the login's role, not the name
    lookup._readers.clear()
    assert lookup.stock(departments("小销"), ["A"], figure="value") == [lookup.NO_COSTS]
    assert lookup.stock(departments("老王"), ["A"], figure="value") != [lookup.NO_COSTS]
    lookup._readers.clear()
    with Ledger.open(departments("老王"), create=False) as finance:
        assert finance.reverse("S9").ok and finance.verify() == []
        assert [(a.user, a.action) for a in finance.audit_log()][-3:] == [
            ("小销", "post"), ("小销", "reverse_refused"), ("老王", "reverse")]


def test_finance_posts_an_expense_and_a_receipt_through_an_account_on_the_server(departments):
    """财务's login keeps the 账户 master and posts a 费用 and a 收款 through an account (their money
    entries under the server's row security), and reverses one; 销售 may put no money entry even
    under a document of its own, past jxc."""
    day = dt.date(2026, 1, 20)
    with Ledger.open(departments("老王"), create=False) as finance:
        assert finance.upsert_masters(accounts=[Account(code="GH", name="工商银行", kind="bank")]) == []
        result = finance.post([
            Document(type=DocType.expense, doc_no="FY1", date=day, account="GH", category="房租", amount=Decimal(300)),
            Document(type=DocType.customer_receipt, doc_no="SK9", date=day, party="C1", account="GH",
                     amount=Decimal("500.05"))])
        assert result.ok and sorted(result.posted) == ["FY1", "SK9"], [str(p) for p in result.problems]
        assert finance.cash() == {"GH": Decimal("200.05")} and finance.verify() == []
        assert finance.reverse("FY1").ok and finance.cash() == {"GH": Decimal("500.05")}
        assert [(line.doc_no, line.balance) for line in finance.cash_journal()] == [
            ("FY1", -30000), ("SK9", 20005), ("FY1", 50005)]
    with psycopg.connect(departments("小销"), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction(force_rollback=True):
            conn.execute(NEW_BATCH)
            conn.execute(_document(20))
            conn.execute("INSERT INTO cash_entries (id, doc, date, pos, account, amount) VALUES "
                         "((SELECT MAX(id) + 1 FROM cash_entries), (SELECT MAX(id) FROM documents), '2026-01-20', "
                         f"{order.doc_key(dt.date(2026, 1, 20), 1, 1)}, 'GH', 100)")


def test_users_disabled_on_the_server_can_no_longer_log_in(departments):
    with Ledger.open(departments("管家"), create=False) as admin:
        assert admin.disable_user("小销") is None
    with pytest.raises(LedgerError, match="连不上账簿服务器|没有这个权限"):     # made here / on another ledger
        Ledger.open(departments("小销"), create=False)


def test_worksheet_functions_notice_another_clerks_post(server_ledger):
    """The cached reader keeps its answers until the server's change counter moves."""
    with Ledger.open(server_ledger) as ledger:
        _books(ledger)
        before = lookup.stock(server_ledger, ["A"])
        counter = lookup.reader(server_ledger).version
        assert lookup.stock(server_ledger, ["A"]) == before and lookup.reader(server_ledger).version == counter
        ledger.post(docs(HEAD + "| 2026-01-20 | 采购入库 | P7 | S1 | W1 | | A | 5 | 5 | | |"))
        assert lookup.stock(server_ledger, ["A"]) == [before[0] + 5]
        assert lookup.reader(server_ledger).version > counter


def test_a_server_books_backup_is_a_checked_file_beside_the_workbook(tmp_path, server_ledger):
    """备份 of a workbook whose books are on a server: an SQLite copy in 备份 beside the workbook,
    equal to the server's; 恢复 onto the server is refused with what to do instead."""
    from ..conftest import _new_book
    from ..wb import post, purchase, type_rows
    book = _new_book(tmp_path)
    Ledger.open(server_ledger).close()
    type_rows(book, "设置", [{"项目": "账簿文件", "值": server_ledger}], start=3)
    type_rows(book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 4)])
    assert post(book).exit_code == 0
    run = CliRunner().invoke(main, ["backup", str(book)])
    assert run.exit_code == 0, run.output
    [copy] = (tmp_path / "备份").glob("ledger_*.db")
    with Ledger.open(copy, read_only=True) as kept, Ledger.open(server_ledger, read_only=True) as books:
        assert differences(kept, books) == [] and stock_rows(kept) == stock_rows(books) != []
    refused = CliRunner().invoke(main, ["restore", str(book), str(copy)])
    assert refused.exit_code == 2 and "jxc ledger copy" in refused.output


def test_a_clerks_workbook_posts_to_allowed_servers_only_and_its_settings_give_way(tmp_path, departments, monkeypatch):
    """A workbook naming a server this computer does not post to is refused before connecting;
    a 销售 clerk's 设置 asking for other settings than the books' is told the books' stand, and
    the sale posts."""
    from ..conftest import _new_book
    from ..wb import post, sale, type_rows
    book = _new_book(tmp_path).rename(tmp_path / "销售部.xlsx")      # 销售's own workbook
    type_rows(book, "设置", [{"项目": "账簿文件", "值": departments("小销")}], start=3)
    type_rows(book, "设置", [{"项目": "允许负库存", "值": "是"}], start=5)
    type_rows(book, "商品", [{"商品编码": "A", "商品名称": "苹果", "单位": "箱"}])       # as the books know them
    type_rows(book, "往来单位", [{"编码": "C1", "名称": "第一百货", "类型": "客户", "账期天数": 30, "信用额度": 50000}])
    type_rows(book, "仓库", [{"编码": "W1", "名称": "总仓"}])
    type_rows(book, "销售", [sale("XS1", dt.date(2026, 1, 20), "A", 1, 9, customer="C1", wh="W1")])
    monkeypatch.setenv("JXC_LEDGER_SERVERS", "books.example.com")
    with pytest.raises(LedgerError, match="JXC_LEDGER_SERVERS"):
        post(book)
    monkeypatch.setenv("JXC_LEDGER_SERVERS", "books.example.com, 127.0.0.1")
    report = post(book)
    assert report.exit_code == 0 and report.posted == 1, (report.error_rows, report.sheet_problems)
    assert any("以账簿为准" in note for note in report.notes)
    with Ledger.open(departments("老王"), create=False, read_only=True) as books:
        assert books.settings.allow_negative is False
    type_rows(book, "设置", [{"项目": "账簿文件", "值": departments("管家")}], start=3)
    report = post(book)                       # 管理员's department posts nothing: the masters stay the books'
    assert report.exit_code == 0 and any("您的部门不过账" in note for note in report.notes), report.notes


def test_the_readmes_set_up_works_as_written(pg_server):
    """Database jxc owned by jxc_owner, as the README sets it up: init, users, the owner's post —
    and the 老板 department's role is not the owner's login."""
    with pg_server.superuser() as su:
        su.execute("DROP DATABASE IF EXISTS jxc WITH (FORCE)")
        su.execute("CREATE DATABASE jxc OWNER jxc_owner")
    url = pg_server.url("jxc", "jxc_owner")
    try:
        for args in (["ledger", "init", url], ["users", "add", url, "管家", "--role", "管理员"],
                     ["users", "add", url, "小销", "--role", "销售"]):
            run = CliRunner().invoke(main, args)
            assert run.exit_code == 0, run.output
        with Ledger.open(url, create=False) as owner:
            _books(owner)
            assert owner.verify() == []
            member = owner.conn.execute("SELECT pg_has_role('jxc_owner', 'jxc:owner', 'MEMBER')").fetchone()[0]
            assert member is False
    finally:
        with pg_server.superuser() as su:
            su.execute("DROP DATABASE jxc WITH (FORCE)")


def test_a_clerks_back_dated_sale_records_the_count_it_changed_and_only_finance_accepts_it(departments):
    """Issue 21.3 on the server: the change a 销售 login's post makes to a posted count is
    recorded under its own login's rights; 销售 may not accept it, not even past jxc; 财务 may."""
    with Ledger.open(departments("jxc_owner"), create=False) as owner:
        assert owner.post(docs(HEAD + "| 2026-01-28 | 盘点 | PD1 | | W1 | | A | 0 | | | |")).ok
        counted = owner.count_differences()[("counts", "PD1", 1)]
    with Ledger.open(departments("小销"), create=False) as clerk:
        result = clerk.post(docs(HEAD + "| 2026-01-20 | 销售出库 | S8 | C2 | W1 | | A | 1 | 9 | | |"))
        assert result.ok and [(c.doc_no, c.cause) for c in result.count_changes] == [("PD1", "S8")]
        assert clerk.count_differences()[("counts", "PD1", 1)] == counted + 1
        assert clerk.accept_count("PD1")[1].code == "act_denied"
    with psycopg.connect(departments("小销"), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE count_changes SET accepted_at = 'x', accepted_by = '小销'")
    with Ledger.open(departments("老王"), create=False) as finance:
        assert finance.accept_count("PD1")[1] is None and finance.changed_counts() == []
