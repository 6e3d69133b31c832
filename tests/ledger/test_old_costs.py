"""Ledgers costed by the previous jxc-xl keep working (issue 21.4): the upgrade to schema 9 starts
the new costing conventions the day after the closed period, recosts the open movements from the
closed books' balance, and never touches a closed month.

An old ledger cannot be made by the old code inside a test, so these post with today's tables
and a small test-only step that costs an issue the old way (a share of the value left, the drift
the issue was about), set the schema version back to 8 and then open the books with this code —
through `jxc ledger upgrade`, on a file and on a server.
"""
import datetime as dt
from decimal import Decimal

import pytest
from click.testing import CliRunner

from jxc_xl import Document, Ledger, Line
from jxc_xl.cli import main
from jxc_xl.domain.costing import fifo, moving_average
from jxc_xl.domain.money import prorate
from jxc_xl.ledger.engine import recost

from ..conftest import login, standard_masters

D = Decimal
AUGUST, SEPTEMBER = dt.date(2026, 8, 31), dt.date(2026, 9, 30)


def _old_rule(monkeypatch, method: str) -> None:
    """Cost issues as the previous jxc-xl did: a share of the value left (moving average), a
    share of what was left of the layer (FIFO)."""
    monkeypatch.setattr(recost, "REFERENCE", True)   # (through the Decimal path: the integer ones cost issues inline)
    if method == "moving_average":
        monkeypatch.setattr(moving_average, "issue_value",
                            lambda state, qty, rate: state.value if qty >= state.qty else prorate(state.value, qty, state.qty))
    else:
        monkeypatch.setattr(fifo, "issue_value", lambda state, qty, rate: prorate(state.value, qty, state.qty))


def _sale(no: str, day: dt.date, lines: int, item: str = "A") -> Document:
    return Document(type="sales_shipment", doc_no=no, date=day, party="C1", warehouse="W1",
                    lines=tuple(Line(item=item, qty=D("0.1"), price=D(1)) for _ in range(lines)))


def _buy(no: str, day: dt.date, qty: str, amount: str, item: str = "A") -> Document:
    return Document(type="purchase_receipt", doc_no=no, date=day, party="S1", warehouse="W1",
                    lines=(Line(item=item, qty=D(qty), price=(D(amount) / D(qty)).quantize(D("0.000001")),
                                amount=D(amount)),))


def _old_ledger(path, method: str, monkeypatch) -> None:
    """Books posted and August closed under the old rule, then marked schema 8 (before 21.4)."""
    with monkeypatch.context() as patched:
        _old_rule(patched, method)
        with Ledger.open(path, cost_method=method) as ledger:
            standard_masters(ledger)
            assert ledger.post([_buy("P1", dt.date(2026, 8, 2), "7", "24.46"),
                                _sale("S1", dt.date(2026, 8, 10), 64),
                                _buy("P2", dt.date(2026, 8, 20), "3", "10.00", item="B"),
                                _sale("S2", dt.date(2026, 8, 21), 10, item="B")]).ok
            assert ledger.verify() == []                  # consistent by the old rule
            assert ledger.close_month(AUGUST) == []
            assert ledger.post([_sale("S3", dt.date(2026, 9, 5), 2)]).ok
            ledger.conn.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
            ledger.conn.execute("DELETE FROM meta WHERE key = 'costing_from'")


def _closed(ledger: Ledger) -> tuple[list, list]:
    moves = ledger.conn.execute("SELECT * FROM movements WHERE date <= ? ORDER BY id", (AUGUST.isoformat(),))
    stock = ledger.conn.execute("SELECT * FROM closing_stock ORDER BY item, warehouse")
    return [tuple(r) for r in moves.fetchall()], [tuple(r) for r in stock.fetchall()]


@pytest.mark.parametrize("method", ["moving_average", "fifo"])
def test_an_old_ledger_is_upgraded_without_touching_its_closed_month(ledger_path, method, monkeypatch):
    """The old books hold August's 64 sales of 0.1 A at the drifting share of 7 bought for 24.46
    (the 64th at 0.34: 0.6 left worth 2.07, not 24.46 − 64 × 0.35 = 2.06) and two September sales
    (0.35, then 0.34). After the upgrade August stands as stored, verify is clean, September's
    opening is August's closing, September's sales cost 0.35 each (the moving average's rate
    2.07 / 0.6 = 3.45, FIFO's layer 3.494286 holding the stored 2.07) and the last takes what is
    left; a later post of A in September (under FIFO, a replay of A's whole history) goes
    through, and September closes."""
    _old_ledger(ledger_path, method, monkeypatch)
    with Ledger.open(ledger_path, read_only=True) as old:
        closed = _closed(old)
        assert closed[1][0][1:] == ("A", "W1", 6000, 207)            # the old drift, kept
        assert old.verify() == []             # read as it is, not yet upgraded: its costs as stored
    run = CliRunner().invoke(main, ["ledger", "upgrade", str(ledger_path)])
    assert run.exit_code == 0, run.output
    with Ledger.open(ledger_path) as ledger:
        assert ledger.verify() == []
        assert _closed(ledger) == closed
        assert ledger._meta("costing_from") == "2026-09-01"
        [september] = [r for r in ledger.summary(dt.date(2026, 9, 1), SEPTEMBER) if r.item == "A"]
        assert (september.open_qty, september.open_value) == (D("0.6"), D("2.07"))
        out = [c for c in ledger.stock_card("A", "W1", start=dt.date(2026, 9, 1)) if c.out_qty]
        assert [c.value for c in out] == [D("-0.35")] * 2
        [entry] = ledger.audit_log(("costing_upgrade",))
        assert "2026-09-01" in entry.detail and "1 笔" in entry.detail
        assert ledger.post([_sale("S4", dt.date(2026, 9, 6), 4)]).ok
        assert [c.value for c in ledger.stock_card("A", "W1", start=dt.date(2026, 9, 6))] == \
            [D("-0.35"), D("-0.35"), D("-0.35"), D("-0.32")]           # 2.07 − 5 × 0.35
        assert ledger.verify() == [] and _closed(ledger) == closed
        assert ledger.close_month(SEPTEMBER) == []


def test_reopening_before_the_conventions_start_recosts_from_the_new_boundary(ledger_path, monkeypatch):
    """反结账 into the months the old rule costed: they are open again, so the new conventions
    start the day after the new closed date and everything after it is recosted at once (and
    logged); verify stays clean and August posts again."""
    _old_ledger(ledger_path, "moving_average", monkeypatch)
    with Ledger.open(ledger_path) as ledger:
        assert ledger.reopen(dt.date(2026, 7, 31))
        assert ledger._meta("costing_from") == "2026-08-01" and ledger.verify() == []
        august = [c.value for c in ledger.stock_card("A", "W1", end=AUGUST) if c.out_qty]
        assert august == [D("-0.35")] * 64                          # no longer the drift
        assert len(ledger.audit_log(("costing_upgrade",))) == 2
        assert ledger.post([_sale("S5", dt.date(2026, 8, 25), 1)]).ok
        assert ledger.verify() == []


def test_on_a_server_a_finance_login_reopening_the_old_months_recosts_them(server_ledger, pg_server, monkeypatch,
                                                                           start_poster):
    """Under the server's row security: 财务's login reopens August, and the recost it brings
    (its own batch, the movements, the new day in meta, the log) is what its department may write."""
    _old_ledger(server_ledger, "moving_average", monkeypatch)
    with Ledger.open(server_ledger) as owner:
        login(owner, pg_server, "管家", "管理员")
        finance = login(owner, pg_server, "老王", "财务")
    start_poster()
    with Ledger.open(finance) as ledger:
        assert ledger.reopen(dt.date(2026, 7, 31))
        assert ledger._meta("costing_from") == "2026-08-01" and ledger.verify() == []
        assert ledger.audit_log(("costing_upgrade",))[-1].user == "老王"
