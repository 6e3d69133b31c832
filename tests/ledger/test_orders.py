"""采购订单 / 销售订单 in the ledger (issue 11): posted like documents, moving nothing; receipts
and shipments naming them (订单号) fulfil them; returns give back, reversals undo, 关闭订单 closes.

Real SQLite files (the ``ledger`` fixture), documents in the table form of dsl.py.
"""
import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from jxc_xl import Ledger

from ..conftest import named, standard_masters
from ..dsl import docs
from .test_documents import only_problem
from .test_properties import common

HEAD = "| date | type | no | party | wh | to | item | qty | price | cost | src | order |\n"
ORDER = ("| 2026-11-01 | 采购订单 | PO1 | S1 | W1 | | A | 10 | 5 | | | |\n"
         "| 2026-11-01 | 采购订单 | PO1 | S1 | W1 | | B | 4  | 2 | | | |\n")


def post(ledger, rows):
    return ledger.post(docs(HEAD + rows))


def ok(ledger, rows):
    result = post(ledger, rows)
    assert result.ok, [str(p) for p in result.problems]
    assert ledger.verify() == []


def open_of(ledger, doc_no="PO1", journal="purchase_orders"):
    return {item: f.open // 10000 for item, f in ledger.order_figures(journal, doc_no).items()}


def test_an_order_posts_like_a_document_and_moves_nothing(ledger):
    ok(ledger, ORDER)
    assert ledger.stock() == [] and ledger.balance("S1", side="AP") == 0
    assert open_of(ledger) == {"A": 10, "B": 4}
    again = post(ledger, ORDER)
    assert again.posted == [] and again.already == ["PO1"]
    changed = post(ledger, ORDER.replace("| A | 10 |", "| A | 11 |"))
    assert only_problem(changed).code == "duplicate_changed"


def test_receipts_fulfil_partly_then_fully_and_more_than_open_is_refused_naming_the_order(ledger):
    ok(ledger, ORDER + "| 2026-11-03 | 采购入库 | CG1 | S1 | W1 | | A | 6 | 5 | | | PO1 |")
    assert open_of(ledger) == {"A": 4, "B": 4}
    over = post(ledger, "| 2026-11-04 | 采购入库 | CG2 | S1 | W1 | | A | 5 | 5 | | | PO1 |")
    problem = only_problem(over)
    assert problem.code == "order_exceeds" and problem.line == 1
    assert problem.message == "订单“PO1”的商品“A”尚未执行 4，本单要执行 5：请减少数量，或另开订单。"
    ok(ledger, "| 2026-11-04 | 采购入库 | CG2 | S1 | W1 | | A | 4 | 5 | | | PO1 |\n"
               "| 2026-11-04 | 采购入库 | CG2 | S1 | W1 | | B | 4 | 2 | | | PO1 |")
    assert open_of(ledger) == {"A": 0, "B": 0}


def test_two_lines_of_one_document_share_what_the_order_has_open(ledger):
    ok(ledger, ORDER)
    over = post(ledger, "| 2026-11-03 | 采购入库 | CG1 | S1 | W1 | | A | 6 | 5 | | | PO1 |\n"
                        "| 2026-11-03 | 采购入库 | CG1 | S1 | W1 | | A | 5 | 5 | | | PO1 |")
    problem = only_problem(over)
    assert problem.line == 2 and "尚未执行 4，本单要执行 5" in problem.message


def test_the_order_must_stand_be_the_partys_be_earlier_and_list_the_item(ledger):
    ok(ledger, ORDER + "| 2026-11-05 | 销售订单 | SO1 | C1 | W1 | | A | 3 | 9 | | | |\n"
                       "| 2026-11-01 | 采购订单 | PO2 | S1 | W1 | | A | 3 | 5 | | | |")
    cases = {"order_missing": "| 2026-11-03 | 采购入库 | CG1 | S1 | W1 | | A | 1 | 5 | | | PO9 |",
             "order_party": "| 2026-11-03 | 采购入库 | CG1 | S2 | W1 | | A | 1 | 5 | | | PO1 |",
             "order_dated_later": "| 2026-10-30 | 采购入库 | CG1 | S1 | W1 | | A | 1 | 5 | | | PO1 |",
             "order_item": "| 2026-11-03 | 采购入库 | CG1 | S1 | W1 | | B | 1 | 5 | | | PO2 |"}
    for code, row in cases.items():
        assert only_problem(post(ledger, row)).code == code, code
    # a purchase receipt cannot fulfil a sales order of the same number, nor a return any order
    assert only_problem(post(ledger, "| 2026-11-06 | 采购入库 | CG1 | S1 | W1 | | A | 1 | 5 | | | SO1 |")).code \
        == "order_missing"
    assert only_problem(post(ledger, "| 2026-11-06 | 采购退货 | CR1 | S1 | W1 | | A | 1 | 5 | | | PO1 |")).code \
        == "order_no_not_here"


def test_an_order_and_its_receipts_in_one_batch_in_any_order_and_back_dated(ledger):
    rows = ("| 2026-11-09 | 采购入库 | CG2 | S1 | W1 | | A | 3 | 5 | | | PO1 |\n"
            "| 2026-11-03 | 采购入库 | CG1 | S1 | W1 | | A | 6 | 5 | | | PO1 |\n" + ORDER)
    ok(ledger, rows)
    assert open_of(ledger) == {"A": 1, "B": 4}
    ok(ledger, "| 2026-11-02 | 采购入库 | CG0 | S1 | W1 | | A | 1 | 5 | | | PO1 |")       # back-dated
    assert open_of(ledger) == {"A": 0, "B": 4}


def test_a_return_gives_back_and_a_reversal_undoes_what_its_original_fulfilled(ledger):
    ok(ledger, ORDER + "| 2026-11-03 | 采购入库 | CG1 | S1 | W1 | | A | 10 | 5 | | | PO1 |")
    ok(ledger, "| 2026-11-05 | 采购退货 | CR1 | S1 | W1 | | A | 3 | 5 | | CG1 | |")
    assert open_of(ledger) == {"A": 3, "B": 4}
    assert ledger.reverse("CR1").posted and open_of(ledger) == {"A": 0, "B": 4}
    assert ledger.reverse("CG1", date=dt.date(2026, 11, 6)).posted and open_of(ledger) == {"A": 10, "B": 4}


def test_an_order_with_standing_fulfilments_is_reversed_only_after_them(ledger):
    ok(ledger, ORDER + "| 2026-11-03 | 采购入库 | CG1 | S1 | W1 | | A | 2 | 5 | | | PO1 |")
    problem = only_problem(ledger.reverse("PO1"))
    assert problem.code == "reverse_dependents" and "CG1" in problem.message
    assert ledger.reverse("CG1").posted and ledger.reverse("PO1").posted
    assert ledger.order_figures("purchase_orders", "PO1") == {}


def test_closing_an_order_short_and_undoing_it(ledger):
    ok(ledger, ORDER + "| 2026-11-03 | 采购入库 | CG1 | S1 | W1 | | A | 6 | 5 | | | PO1 |")
    assert ledger.close_order("PO1", user="采购员", date=dt.date(2026, 11, 20)) == []
    assert open_of(ledger) == {"A": 0, "B": 0}
    assert [(a.action, a.user, a.detail) for a in ledger.audit_log(("close_order",))] == [("close_order", named(ledger, "采购员"), "PO1（采购订单）关闭 2 行")]
    late = post(ledger, "| 2026-11-21 | 采购入库 | CG2 | S1 | W1 | | A | 1 | 5 | | | PO1 |")
    assert "尚未执行 0" in only_problem(late).message
    assert [p.code for p in ledger.close_order("PO1")] == ["order_nothing_open"]
    assert ledger.close_order("PO1", undo=True) == [] and open_of(ledger) == {"A": 4, "B": 4}
    assert [p.code for p in ledger.close_order("PO1", undo=True)] == ["order_not_closed"]
    assert [p.code for p in ledger.close_order("NOPE")] == ["order_not_found"]
    ledger.close_period(dt.date(2026, 11, 30))
    assert [p.code for p in ledger.close_order("PO1", date=dt.date(2026, 11, 30))] == ["closed_period"]


def test_sales_orders_are_fulfilled_by_shipments(ledger):
    ok(ledger, "| 2026-11-01 | 采购入库 | CG1 | S1 | W1 | | A | 10 | 5 | | | |\n"
               "| 2026-11-02 | 销售订单 | SO1 | C1 | W1 | | A | 8 | 9 | | | |\n"
               "| 2026-11-03 | 销售出库 | XS1 | C1 | W1 | | A | 5 | 9 | | | SO1 |")
    assert open_of(ledger, "SO1", "sales_orders") == {"A": 3}
    ok(ledger, "| 2026-11-04 | 销售退货 | XR1 | C1 | W1 | | A | 2 | 9 | | XS1 | |")
    assert open_of(ledger, "SO1", "sales_orders") == {"A": 5}


op = st.tuples(st.sampled_from(["receive", "receive", "return", "reverse", "close", "undo"]),
               st.integers(1, 6), st.integers(0, 20))


@common
@given(st.lists(op, min_size=1, max_size=20))
def test_open_is_ordered_less_fulfilled_plus_returned_less_closed(ops):
    """Random receipts, returns, reversals, closes and undos against one order of 12: the
    ledger's figures equal a model kept beside it, step by step."""
    with tempfile.TemporaryDirectory() as folder, Ledger.open(Path(folder) / "o.jxc.db") as ledger:
        standard_masters(ledger)
        ok(ledger, "| 2026-11-01 | 采购订单 | PO1 | S1 | W1 | | A | 12 | 5 | | | |")
        receipts, returns, closed = {}, {}, 0
        for n, (action, qty, day) in enumerate(ops):
            before = ledger.order_figures("purchase_orders", "PO1")["A"].open // 10000
            if action == "receive":
                done = post(ledger, f"| 2026-11-{day + 2:02d} | 采购入库 | CG{n} | S1 | W1 | | A | {qty} | 5 | | | PO1 |")
                assert bool(done.posted) == (qty <= before)
                if done.posted:
                    receipts[f"CG{n}"] = qty
            elif action == "return" and receipts:
                source = sorted(receipts)[day % len(receipts)]
                room = receipts[source] - sum(q for s, q in returns.values() if s == source)
                if room >= qty and post(ledger, f"| 2026-11-25 | 采购退货 | CR{n} | S1 | W1 | | A | {qty} | 5 | | "
                                                f"{source} | |").posted:
                    returns[f"CR{n}"] = (source, qty)
            elif action == "reverse" and (returns or receipts):
                pool = returns or receipts
                doc_no = sorted(pool)[day % len(pool)]
                if ledger.reverse(doc_no).posted:
                    pool.pop(doc_no)
            elif action == "close":
                assert (ledger.close_order("PO1") == []) == (before > 0)
                closed += max(before, 0)
            elif action == "undo":
                assert (ledger.close_order("PO1", undo=True) == []) == (closed > 0)
                closed = 0
            figures = ledger.order_figures("purchase_orders", "PO1")["A"]
            fulfilled = sum(receipts.values()) - sum(q for s, q in returns.values())
            assert (figures.fulfilled, figures.closed) == (fulfilled * 10000, closed * 10000)
            assert figures.open == (12 - fulfilled - closed) * 10000
