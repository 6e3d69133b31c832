"""Issue 8, hole 13: several processes opening one new ledger at once, and readers meanwhile.

Real processes (multiprocessing, spawn), released together by a barrier, on real files. Every
worker reports what it saw; a traceback anywhere fails the test.
"""
import datetime as dt
import multiprocessing
import queue
import subprocess
import sys
import textwrap
import time
import traceback
from pathlib import Path

import pytest

from jxc_xl import Ledger, LedgerError
from jxc_xl.domain import order

from ..conftest import standard_masters
from ..dsl import docs, stock_rows
from .test_documents import HEAD

WORKERS = 4
ROUNDS = 6
SPAWN = multiprocessing.get_context("spawn")


def _collect(processes, results, expected: int, seconds: float = 180) -> list:
    """What the workers reported: ``expected`` reports, or fewer once every worker has ended."""
    got, deadline = [], time.monotonic() + seconds
    while len(got) < expected and time.monotonic() < deadline:
        try:
            got.append(results.get(timeout=0.5))
        except queue.Empty:
            if not any(p.is_alive() for p in processes) and results.empty():
                break
    for p in processes:
        p.join(timeout=10)
        if p.is_alive():
            p.kill()
    return got


def _own_documents(worker: int) -> str:
    return "".join(f"| 2026-01-0{1 + k} | 采购入库 | W{worker}-{k} | S1 | W1 | | A | {worker + 1} | 5 | | |\n"
                   for k in range(3))


# The same documents posted by every worker, as when several clerks post one workbook at once.
SHARED = "".join(f"| 2026-01-0{1 + k} | 采购入库 | SH-{k} | S1 | W1 | | B | 10 | 2 | | |\n" for k in range(2))


def _poster(folder: str, worker: int, barrier, results) -> None:
    """Open each round's new ledger at the same moment as the others and post own documents."""
    try:
        for n in range(ROUNDS):
            barrier.wait(timeout=60)
            with Ledger.open(Path(folder) / f"new{n}.jxc.db") as ledger:
                standard_masters(ledger)
                result = ledger.post(docs(HEAD + _own_documents(worker) + SHARED), user=f"clerk{worker}")
                results.put((worker, n, sorted(result.posted), sorted(result.already),
                             [str(p) for p in result.problems]))
    except BaseException:
        barrier.abort()                       # release the others: this round cannot be whole
        results.put((worker, None, traceback.format_exc(), None, None))


@pytest.mark.parametrize("existing", [False, True], ids=["new ledger", "existing ledger"])
def test_four_processes_posting_at_once_post_each_document_once(tmp_path, existing):
    """A new ledger: one process creates it, the others wait and find it made. Either way, the
    documents all four post (the same ones, as from one workbook) are each posted once."""
    for n in range(ROUNDS if existing else 0):
        with Ledger.open(tmp_path / f"new{n}.jxc.db") as ledger:
            standard_masters(ledger)
    barrier, results = SPAWN.Barrier(WORKERS), SPAWN.Queue()
    workers = [SPAWN.Process(target=_poster, args=(str(tmp_path), w, barrier, results)) for w in range(WORKERS)]
    for p in workers:
        p.start()
    seen = _collect(workers, results, WORKERS * ROUNDS)
    assert [r[2] for r in seen if r[1] is None] == [] and len(seen) == WORKERS * ROUNDS
    shared = ["SH-0", "SH-1"]
    for worker, n, posted, already, problems in seen:
        own = [f"W{worker}-{k}" for k in range(3)]
        assert problems == [] and sorted(set(posted) - set(shared)) == own, (worker, n, problems)
        assert sorted(set(posted) & set(shared) | set(already)) == shared
    for n in range(ROUNDS):
        posters = [w for w, m, posted, *_ in seen for doc in posted if m == n and doc in shared]
        assert len(posters) == len(shared)                                  # each shared one posted once
        with Ledger.open(tmp_path / f"new{n}.jxc.db", read_only=True) as ledger:
            assert ledger.verify() == []
            numbers = [r[0] for r in ledger.conn.execute("SELECT doc_no FROM documents ORDER BY doc_no")]
            assert numbers == sorted(shared + [f"W{w}-{k}" for w in range(WORKERS) for k in range(3)])
            assert stock_rows(ledger) == [("W1", "A", "30", "150"), ("W1", "B", "20", "40")]


def _first_post(path: str, started, done) -> None:
    with Ledger.open(Path(path)) as ledger:
        started.set()
        standard_masters(ledger)
        rows = "".join(f"| 2026-01-{1 + k % 28:02d} | 采购入库 | CG{k:04d} | S1 | W1 | | {'AB'[k % 2]} | 2 | 3 | | |\n"
                       for k in range(1500))
        assert ledger.post(docs(HEAD + rows)).ok
    done.set()


def _reader(path: str, done, results) -> None:
    """Read the ledger, read-only or not creating it, again and again while the first post
    runs: each answer is either "no ledger yet", empty, or the whole answer."""
    seen, n = set(), 0
    try:
        while True:
            finished, n = done.is_set(), n + 1
            try:
                with Ledger.open(Path(path), create=False, read_only=n % 2 == 0) as ledger:
                    seen.add(tuple(stock_rows(ledger)))
            except LedgerError as error:
                seen.add(error.kind)
            if finished:
                break
        results.put(("ok", seen))
    except BaseException:
        results.put(("crash", traceback.format_exc()))


def test_readers_during_the_first_post_of_a_new_ledger_see_nothing_or_everything(tmp_path):
    path = str(tmp_path / "first.jxc.db")
    started, done, results = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
    readers = [SPAWN.Process(target=_reader, args=(path, done, results)) for _ in range(2)]
    for p in readers:
        p.start()
    writer = SPAWN.Process(target=_first_post, args=(path, started, done))
    writer.start()
    writer.join(timeout=180)
    if writer.exitcode != 0:
        done.set()                             # let the readers end
    answers = _collect(readers, results, len(readers))
    assert writer.exitcode == 0
    assert [a for a in answers if a[0] == "crash"] == [] and len(answers) == len(readers)
    whole = (("W1", "A", "1500", "4500"), ("W1", "B", "1500", "4500"))
    for _, seen in answers:
        assert seen <= {"missing", "empty", (), whole} and whole in seen, seen


def _holding(path, sql: str):
    """A real process that writes ``sql`` in a transaction held open for a moment."""
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, time
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute({sql!r})
        print("holding", flush=True)
        time.sleep(1.5)
        conn.execute("COMMIT")
        """)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def test_a_setting_is_decided_on_what_another_process_committed_meanwhile(ledger_file):
    """The check and the change are one transaction: a close that another process moved further
    meanwhile is not moved back, and a method is not changed under a post that just landed."""
    ledger_path, ledger = ledger_file, Ledger.open(ledger_file)
    holder = _holding(ledger_path, "INSERT OR REPLACE INTO meta(key, value) VALUES ('closed_through', '2026-11-30')")
    assert ledger.close_period(dt.date(2026, 11, 10)) is False
    holder.wait()
    assert ledger.settings.closed_through == dt.date(2026, 11, 30)
    holder = _holding(ledger_path, "INSERT INTO documents(journal, doc_no, revision, reversal, type, date, pos) "
                                   f"VALUES ('purchases', 'CG9', 1, 0, 'purchase_receipt', '2026-12-01', {order.day_key(dt.date(2026, 12, 1))})")
    problem = ledger.set_cost_method("fifo")
    holder.wait()
    assert problem.code == "cost_method_locked" and "先进先出" in problem.message and "移动加权平均" in problem.message
    assert "fifo" not in problem.message and "FIFO" in problem.message_en
    assert ledger.settings.method.value == "moving_average"
