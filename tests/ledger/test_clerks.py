"""Issue 13: several clerks posting into one ledger at once — four processes of 1,000 documents
each into a PostgreSQL ledger, two into an SQLite file — and a clerk told when a post waits.

Real processes (spawn) released together by a barrier. Each clerk posts batches of 50 documents
of random dates in one month, into the same items and warehouses as the others, so almost every
batch is back-dated into what another clerk posted a moment before and recosts it. The books
that come out must verify and equal, movement for movement, one post of all the documents in
date order.
"""
import datetime as dt
import multiprocessing
import random
import time
import traceback
from pathlib import Path

import pytest

from jxc_xl import Ledger
from jxc_xl.ledger.stores.postgres import COPIED_FROM

from ..conftest import login, standard_masters
from ..dsl import docs, stock_rows
from .test_concurrency import _collect
from .test_documents import HEAD

DOCS, BATCH = 1000, 50
SPAWN = multiprocessing.get_context("spawn")
SEED = "".join(f"| 2026-01-31 | 采购入库 | OPEN-{item}{wh} | S1 | {wh} | | {item} | 100000 | 5 | | |\n"
               for item in "AB" for wh in ("W1", "W2"))


def clerk_rows(clerk: int) -> list[str]:
    """A clerk's documents, in the order the clerk posts them: February, any day, any key; an
    even clerk is 采购's (receipts), an odd one 销售's (shipments)."""
    rng = random.Random(clerk)
    rows = []
    for k in range(DOCS):
        day = dt.date(2026, 2, 1) + dt.timedelta(days=rng.randrange(28))
        key = f"| {rng.choice(('W1', 'W2'))} | | {rng.choice('AB')}"
        if clerk % 2 == 0:
            rows.append(f"| {day} | 采购入库 | P{clerk}-{k:04d} | S1 {key} | {rng.randint(1, 20)} | "
                        f"{rng.choice(('4', '5.5', '6.25', '7.125'))} | | |\n")
        else:
            rows.append(f"| {day} | 销售出库 | X{clerk}-{k:04d} | C2 {key} | {rng.randint(1, 9)} | 9.9 | | |\n")
    return rows


def _clerk(where: str, clerk: int, barrier, results) -> None:
    """Post the clerk's documents a batch at a time; report what posted, refusals, waits, time."""
    try:
        waits = 0

        def waited() -> None:
            nonlocal waits
            waits += 1
        rows = clerk_rows(clerk)
        with Ledger.open(where, create=False) as ledger:
            ledger.waiting = waited
            barrier.wait(timeout=60)
            start, posted, problems = time.monotonic(), 0, []
            for at in range(0, DOCS, BATCH):
                result = ledger.post(docs(HEAD + "".join(rows[at:at + BATCH])), user=f"clerk{clerk}")
                posted += len(result.posted)
                problems += [str(p) for p in result.problems]
            results.put((clerk, posted, problems, waits, time.monotonic() - start))
    except BaseException:
        barrier.abort()
        results.put((clerk, None, traceback.format_exc(), None, None))


def _figures(ledger: Ledger) -> list[tuple]:
    """Every movement's figures, by document and line (ids differ with the posting order)."""
    return sorted(tuple(r) for r in ledger.conn.execute(
        "SELECT d.doc_no, l.line_no, m.leg, m.item, m.warehouse, m.qty, m.value, m.unit_cost, m.bal_qty, "
        "m.bal_value FROM movements m JOIN documents d ON d.id = m.doc JOIN lines l ON l.id = m.line"))


def _logins(request, url: str, clerks: int) -> list[str]:
    """Each clerk's own login to the server ledger at ``url``: 采购 and 销售 by turns."""
    server = request.getfixturevalue("pg_server")
    with Ledger.open(url) as owner:
        login(owner, server, "管家", "管理员")
        return [login(owner, server, f"{url.rsplit('/', 1)[1]}_clerk{c}", "销售" if c % 2 else "采购")
                for c in range(clerks)]


@pytest.mark.parametrize("engine, clerks", [("postgres", 4), ("sqlite", 2)])
def test_clerks_posting_at_once_leave_the_books_one_ordered_post_would(engine, clerks, tmp_path, request):
    """On the server each clerk logs in as a 采购 or 销售 login of its own, so every post — and
    every recosting of another department's movements — passes the server's row-level security."""
    where = request.getfixturevalue("server_ledger") if engine == "postgres" else str(tmp_path / "shop.jxc.db")
    with Ledger.open(where) as ledger:
        standard_masters(ledger)
        assert ledger.post(docs(HEAD + SEED)).ok
    logins = _logins(request, where, clerks) if engine == "postgres" else [where] * clerks
    if engine == "postgres":
        request.getfixturevalue("start_poster")()          # the server posts what the clerks submit
    barrier, results = SPAWN.Barrier(clerks), SPAWN.Queue()
    workers = [SPAWN.Process(target=_clerk, args=(logins[c], c, barrier, results)) for c in range(clerks)]
    started = time.monotonic()
    for p in workers:
        p.start()
    seen = _collect(workers, results, clerks, seconds=900)
    wall = time.monotonic() - started
    assert [r[2] for r in seen if r[1] is None] == [] and len(seen) == clerks
    assert all(posted == DOCS and problems == [] for _, posted, problems, *_ in seen), seen
    print(f"\n{engine}: {clerks} clerks × {DOCS} documents in {wall:.1f} s "
          f"({clerks * DOCS / wall:.0f} documents/s); waits told: {[r[3] for r in seen]}")

    with Ledger.open(tmp_path / "ordered.jxc.db") as ordered:
        standard_masters(ordered)
        everything = SEED + "".join(row for c in range(clerks) for row in clerk_rows(c))
        assert ordered.post(docs(HEAD + everything)).ok
        with Ledger.open(where, read_only=True) as shared:
            assert shared.verify() == []
            assert _figures(shared) == _figures(ordered)
            assert stock_rows(shared) == stock_rows(ordered) and shared.totals() == ordered.totals()
            assert shared.balance("C2") == ordered.balance("C2") and shared.balance("S1") == ordered.balance("S1")
            assert shared.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == clerks * DOCS + 4



def test_a_clerks_receipt_back_dated_before_many_movements_recosts_them_as_an_ordered_post(ledger_path, tmp_path,
                                                                                         request):
    """A 采购 clerk's receipt dated before more later movements of its key than the server sets
    one statement each (postgres.COPIED_FROM: the rest go through a temp table and one UPDATE …
    FROM, by the poster on the clerk's behalf) recosts every one of them, and the books equal
    one post of everything in date order."""
    pairs = COPIED_FROM // 2 + 50
    history = "".join(f"| 2026-02-{k % 28 + 1:02d} | 采购入库 | P{k:04d} | S1 | W1 | | A | {k % 7 + 4} | {k % 5 + 4}.25 | | |\n"
                      f"| 2026-02-{k % 28 + 1:02d} | 销售出库 | X{k:04d} | C2 | W1 | | A | {k % 3 + 1} | 9.9 | | |\n"
                      for k in range(pairs))
    back = "| 2026-01-15 | 采购入库 | BACK | S1 | W1 | | A | 3 | 5.55 | | |\n"
    with Ledger.open(ledger_path) as ledger:
        standard_masters(ledger)
        assert ledger.post(docs(HEAD + history)).ok
    where = ledger_path if isinstance(ledger_path, Path) else _logins(request, ledger_path, 1)[0]    # 采购's
    if not isinstance(ledger_path, Path):
        request.getfixturevalue("start_poster")()
    with Ledger.open(where, create=False) as clerk:
        assert clerk.post(docs(HEAD + back)).ok
        assert clerk.conn.execute("SELECT COUNT(*) FROM movements WHERE touched = (SELECT MAX(id) FROM batches)"
                                  ).fetchone()[0] == 2 * pairs + 1 > COPIED_FROM
    with Ledger.open(tmp_path / "ordered.jxc.db") as ordered, Ledger.open(ledger_path, read_only=True) as books:
        standard_masters(ordered)
        assert ordered.post(docs(HEAD + back + history)).ok
        assert books.verify() == []
        assert _figures(books) == _figures(ordered)

def _hold(where: str, holding, release) -> None:
    """Another clerk's post, held open until told to finish."""
    with Ledger.open(where, create=False) as ledger, ledger._transaction():
        ledger.conn.execute("UPDATE documents SET raw_hash = raw_hash")
        holding.set()
        release.wait(timeout=60)


def test_a_post_that_waits_on_another_clerks_says_so_and_then_posts(ledger_path):
    """The ledger's ``waiting`` is told (the ribbon shows it in Excel's status bar) while the
    other post holds the books, and the post goes through when it ends."""
    with Ledger.open(ledger_path) as ledger:
        standard_masters(ledger)
    holding, release = SPAWN.Event(), SPAWN.Event()
    other = SPAWN.Process(target=_hold, args=(str(ledger_path), holding, release))
    other.start()
    try:
        assert holding.wait(timeout=60)
        told = []
        with Ledger.open(ledger_path, create=False) as ledger:
            ledger.waiting = lambda: (told.append(time.monotonic()), release.set())
            result = ledger.post(docs(HEAD + "| 2026-02-01 | 采购入库 | P1 | S1 | W1 | | A | 1 | 5 | | |"))
        assert len(told) == 1 and result.posted == ["P1"]
    finally:
        release.set()
        other.join(timeout=30)


def test_a_clerk_whose_post_waits_is_told_in_the_progress_and_the_post_goes_through(book):
    """过账 from a workbook while another clerk's post holds the books: the progress (Excel's
    status bar, the CLI's bar) says it waits, and then every row posts."""
    from jxc_xl.app.usecases import WAITING

    from ..wb import ledger_at, post, purchase, type_rows
    type_rows(book, "采购", [purchase("CG1", dt.date(2026, 11, 2), "A001", 10, 4)])
    where = str(ledger_at(book))
    Ledger.open(where).close()
    holding, release = SPAWN.Event(), SPAWN.Event()
    other = SPAWN.Process(target=_hold, args=(where, holding, release))
    other.start()
    try:
        assert holding.wait(timeout=60)
        steps = []

        def progress(step: str, done: int, total: int) -> None:
            steps.append(step)
            if step == WAITING:
                release.set()
        report = post(book, progress=progress)
        assert WAITING in steps and report.posted == 1 and report.exit_code == 0
    finally:
        release.set()
        other.join(timeout=30)
