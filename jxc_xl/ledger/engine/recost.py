"""Recompute costs forward from the earliest movement a posting touched.

Costs live per item × warehouse. A posting marks the keys it touched from their earliest new
movement; each key is replayed from there through :func:`jxc_xl.domain.costing.run`, and a
movement whose value changed marks the movements that take their value from it (the
receiving leg of a transfer, a return that names it, its reversal) so their keys are
replayed in turn, until nothing changes.

In a ledger an earlier jxc-xl costed, nothing dated before the day this version's conventions
start (``Settings.costing_from``, see :mod:`.conventions`) is replayed: a replay starts there from
the balance the books stored, and a change that would reach back before it is a closed one.
"""
from __future__ import annotations

import datetime as dt
import gc
import heapq
import sqlite3
from operator import add, itemgetter
from dataclasses import dataclass, field, replace

from ...domain import costing, order
from ...domain.model import CostMethod
from ...domain.money import (ZERO, div_half_up, from_cents, from_qty_units, from_unit_cost_units, prorate, ratio,
                             to_cents, to_qty_units, to_unit_cost_units)
from ..stores.schema import TABLES

Key = tuple[str, str]
_COLUMNS = ("id, doc, date, pos, item, warehouse, direction, rule, base_qty, fixed_value, given_unit_cost, link, "
            "link_qty, qty, value, unit_cost, bal_qty, bal_value, last_unit")
# What a replay reads of each movement, as plain tuples (sqlite.Connection.tuples): only the
# columns costing, comparing and writing need, a plain movement's UnitMove a slice of it.
# Measured on bench's back_dated (one key, 100,000 movements after the receipt): sqlite3.Row
# of every column took 0.44 s to fetch, these tuples 0.29 s (a shared 2-core machine).
_REPLAYED = ("id, date, direction, rule, base_qty, COALESCE(fixed_value, 0), given_unit_cost, link, link_qty, pos, "
             "qty, value, unit_cost, bal_qty, bal_value, last_unit")
# … and what a replay that writes reads on SQLite (Connection.compares_on_write): the same without the
# stored figures, which the engine compares as it writes (update_rows' changed_only; the few rows whose
# old figures matter — counts, closed ones, sources of linked movements — are read by id). Measured on
# bench's back_dated (CPU, the replay alone): the six figures were 0.12 s of the 0.27 s fetch and their
# comparison in Python 0.05 s, while the UPDATE skipping rows that are the same costs what the UPDATE of
# them all did (0.22 s; 0.12 s when none changes, as reading their figures did).
_INPUTS = _REPLAYED[:_REPLAYED.index(", qty")]
_ID, _DATE, _DIRECTION, _RULE, _BASE_QTY, _FIXED, _GIVEN, _LINK, _LINK_QTY, _POS, _QTY = range(11)
_MOVE = slice(_DIRECTION, _GIVEN + 1)       # direction, rule, base_qty, fixed value, given unit cost
_STORED = slice(_QTY, None)                 # qty, value, unit_cost, bal_qty, bal_value, last_unit
_FIGURES_SQL = "qty, value, unit_cost, bal_qty, bal_value, last_unit"
# Replays of one batch stop here: only a monthly average with transfers both ways in one
# month could chase cents round a cycle, and then the ledger keeps the last pass.
MAX_REPLAYS_PER_KEY = 20
# Cost with the method's Decimal ``run`` even where it has an integer ``run_units``: the slow
# reference path, which tests compare the fast one against.
REFERENCE = False


@dataclass(frozen=True)
class Settings:
    """``costing_from``: the day this version's costing conventions start (see
    :mod:`.conventions`); movements dated before it were costed by an earlier jxc-xl, are closed,
    and are taken as stored. None: every movement follows them."""

    method: CostMethod = CostMethod.moving_average
    allow_negative: bool = False
    closed_through: dt.date | None = None
    costing_from: dt.date | None = None

    @property
    def since(self) -> int:
        """The first key costed by this version's conventions (0: the first there is)."""
        return order.day_key(self.costing_from) if self.costing_from else 0


@dataclass(frozen=True)
class Failure:
    """Why a replay cannot stand: ``kind`` is shortage, no_cost or closed."""

    kind: str
    movement: sqlite3.Row
    item: str
    warehouse: str
    needed: object = None
    available: object = None


@dataclass
class Replayed:
    """What a replay came to: the failure that stopped it, else (on a dry run) the movements
    whose stored figures differ from the replayed ones."""

    failure: Failure | None = None
    differences: list[tuple] = field(default_factory=list)


def recost(conn: sqlite3.Connection, settings: Settings, dirty: dict[Key, int], dry_run: bool = False) -> Replayed:
    """Replay the ``dirty`` keys (each from its pos) and write what changed.

    With ``dry_run`` nothing is written and the differences found are kept instead (the
    ledger's self-check).

    Python's cycle collector is paused meanwhile: a replay makes a few hundred thousand tuples
    (rows read, figures costed, rows to write) and no cycle, and the collector would rescan them
    as they pile up. Measured on bench's back_dated (one key, 100,000 movements after the
    receipt; gc.callbacks timing the collections): 0.03–0.06 s of a 0.6 s post, ~560 collections.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        return _recost(conn, settings, dirty, dry_run)
    finally:
        if was:
            gc.enable()


def _recost(conn: sqlite3.Connection, settings: Settings, dirty: dict[Key, int], dry_run: bool) -> Replayed:
    since = settings.since                     # nothing before it is replayed (taken as stored)
    pending = {key: max(pos, since) for key, pos in dirty.items()}   # key → the earliest pos to replay from
    queue = [(pos, key) for key, pos in pending.items()]
    heapq.heapify(queue)                       # earliest first; entries a lower pos replaced are skipped
    replays: dict[Key, int] = {}
    replayed = Replayed()
    while queue:
        start, key = heapq.heappop(queue)
        if pending.get(key) != start:
            continue
        del pending[key]
        replays[key] = replays.get(key, 0) + 1
        result = _replay(conn, settings, key, start, dry_run)
        if isinstance(result, Failure):
            return Replayed(failure=result)
        updates, counts = result
        if dry_run:
            replayed.differences.extend(updates)
            continue
        dependents = _dependents(conn, updates)
        _write(conn, updates)
        if counts:
            _note_counts(conn, counts)
        if replays[key] >= MAX_REPLAYS_PER_KEY:
            continue
        for item, warehouse, pos, movement in dependents:
            if pos < since:                    # a closed movement costed by the old rules would change
                row = conn.execute(f"SELECT {_COLUMNS} FROM movements WHERE id = ?", (movement,)).fetchone()
                return Replayed(failure=Failure("closed", row, item, warehouse))
            dep = (item, warehouse)
            if dep not in pending or pos < pending[dep]:
                pending[dep] = pos
                heapq.heappush(queue, (pos, dep))
    return replayed


# Where a replayed row (:data:`_REPLAYED`) holds its pos and its figures, by name, for a check that reads them.
COLUMN_AT = {"pos": _POS, **{name: _QTY + n for n, name in enumerate(("qty", "value", "unit_cost", "bal_qty",
                                                                       "bal_value", "last_unit"))}}


def by_key(conn: sqlite3.Connection, settings: Settings) -> dict[Key, tuple[list[tuple], list[tuple]]]:
    """Every movement, read once (as :data:`_REPLAYED`), by key in ledger order: (those before the
    pos the method replays from in ``settings``, those from it) — what :func:`check` replays."""
    start = costing.METHODS[settings.method].replay_start(settings.since)
    return _cut(conn, start) or _keyed(conn, start)


# Each key's movements counted, and where the count of those before the replay's start falls.
_COUNTED = ("SELECT item, warehouse, COUNT(*), SUM(CASE WHEN pos < ? THEN 1 ELSE 0 END) FROM movements "
            "GROUP BY item, warehouse ORDER BY item, warehouse")


def _cut(conn: sqlite3.Connection, start: int) -> dict[Key, tuple[list[tuple], list[tuple]]] | None:
    """:func:`by_key` from two reads: each key's count (the index alone), then the movements as
    :data:`_REPLAYED` in key order, cut into slices by the counts — no key read with every row,
    no row copied to drop it. None where the two reads may not be of the same movements (a post
    between them: every movement kept, none deleted, none moved to another key, so the same
    total is the same rows; a pos moved across ``start`` is seen at the cut). Measured on the
    100,000-movement bench ledger (CPU, best of five): 0.59 s → 0.47 s; `jxc verify` of its book,
    peak memory 186 → 156 MB."""
    counts = conn.tuples(_COUNTED, (start,))
    rows = conn.tuples(f"SELECT {_REPLAYED} FROM movements ORDER BY item, warehouse, pos")
    if len(rows) != sum(n for _, _, n, _ in counts):
        return None
    keys: dict[Key, tuple[list[tuple], list[tuple]]] = {}
    at = 0
    for item, warehouse, n, before in counts:
        cut = at + before
        if (cut > at and rows[cut - 1][_POS] >= start) or (cut < at + n and rows[cut][_POS] < start):
            return None
        keys[(item, warehouse)] = (rows[at:cut], rows[cut:at + n])
        at += n
    return keys


def _keyed(conn: sqlite3.Connection, start: int) -> dict[Key, tuple[list[tuple], list[tuple]]]:
    """:func:`by_key` from one read, each row with its key (where :func:`_cut` could not tell)."""
    keys: dict[Key, tuple[list, list]] = {}
    for row in conn.tuples(f"SELECT item, warehouse, pos < ?, {_REPLAYED} FROM movements "
                           "ORDER BY item, warehouse, pos", (start,)):
        keys.setdefault((row[0], row[1]), ([], []))[0 if row[2] else 1].append(row[3:])
    return keys


def check(conn: sqlite3.Connection, settings: Settings, keys: dict[Key, tuple[list, list]]) -> Replayed:
    """The ledger's self-check: what :func:`recost` of every key with movements finds on a dry run
    (the same failure, the same differences in the same order), from the movements :func:`by_key`
    read in one pass instead of two queries per key. Measured on the 100,000-movement bench book
    (5,000 keys): the queries per key were ~1.4 s of 核对's 2.4 s self-check."""
    start = costing.METHODS[settings.method].replay_start(settings.since)
    links = {row[_LINK] for _, rows in keys.values() for row in rows if row[_RULE] == "linked"}
    sources = {row[_ID]: (row[_QTY], row[_QTY + 1], *key)       # as _sources reads them: qty, value, key
               for key, (before, rows) in keys.items() for row in before + rows if row[_ID] in links}
    replayed = Replayed()
    for key in sorted(keys):                   # recost's order: the earliest pos (all alike), then the key
        before, rows = keys[key]
        last = before[-1] if before else None
        prev = None if last is None else (*last[_STORED][3:5], last[-1], last[_POS])   # as _replay reads it
        result = _replayed(conn, settings, key, start, prev, rows, sources)
        if isinstance(result, Failure):
            return Replayed(failure=result)
        replayed.differences.extend(result[0])
    return replayed


def _replay(conn: sqlite3.Connection, settings: Settings, key: Key, start: int, dry_run: bool):
    """One key replayed from ``start``: its rows read with their stored figures, on a dry run (the
    differences are what it finds) and on an engine that compares rows cheaper in Python than as
    it writes them (a server); else without (every row is given to :func:`_write`)."""
    item, warehouse = key
    method = costing.METHODS[settings.method]
    start = method.replay_start(start)
    prev = conn.execute("SELECT bal_qty, bal_value, last_unit, pos FROM movements WHERE item=? AND warehouse=? "
                        "AND pos < ? ORDER BY pos DESC LIMIT 1", (item, warehouse, start)).fetchone()
    slim = not dry_run and conn.compares_on_write
    if slim and _plain(settings, start):
        return _replayed_plain(conn, settings, key, start, prev)
    rows = conn.tuples(f"SELECT {_inputs(settings, start) if slim else _REPLAYED} FROM movements "
                       "WHERE item=? AND warehouse=? AND pos >= ? ORDER BY pos", (item, warehouse, start))
    return _replayed(conn, settings, key, start, prev, rows, _sources(conn, rows))


def _plain(settings: Settings, start: int) -> bool:
    """Whether a replay that writes (on SQLite: see :func:`_replay`) can be :func:`_replayed_plain`:
    the method's integer path, no closed period, no FIFO layers carried in."""
    method = costing.METHODS[settings.method]
    return (settings.closed_through is None and not REFERENCE and hasattr(method, "run_units")
            and not (hasattr(method, "carry") and start < settings.since))


# What the integer path costs of a movement (costing.UnitMove), as one read gives it: _REPLAYED's _MOVE.
_UNIT_MOVE = "direction, rule, base_qty, COALESCE(fixed_value, 0), given_unit_cost"
assert f"date, {_UNIT_MOVE}, link" in _REPLAYED          # the columns of _MOVE


def _replayed_plain(conn: sqlite3.Connection, settings: Settings, key: Key, start: int, prev):
    """:func:`_replayed` of rows read as :data:`_INPUTS` where :func:`_plain` says so, by two reads:
    each movement as the integer path costs it (:data:`_UNIT_MOVE`, a plain one given to it as read)
    and its id (a 1-tuple, which each row's figures are joined to as it is written); a linked
    movement and a count, few, are read again by id. Measured on bench's back_dated (100,000
    movements; CPU, the collector paused, nine of each alternately, twice, on a busy shared
    machine): the replay reading whole rows, slicing each into its move and putting its id after
    its figures took 0.25–0.27 s at best (medians 0.31–0.32 s), this 0.23–0.26 s (0.25–0.28 s);
    the whole post 0.63 s at best (median 0.72 s), this 0.60 s (0.66 s)."""
    where = "FROM movements WHERE item=? AND warehouse=? AND pos >= ? ORDER BY pos, id"
    moves = conn.tuples(f"SELECT {_UNIT_MOVE} {where}", (*key, start))
    ids = conn.tuples(f"SELECT id {where}", (*key, start))
    rules = set(map(itemgetter(1), moves))
    if "linked" in rules:
        at = [n for n, move in enumerate(moves) if move[1] == "linked"]
        read = {row[_ID]: row for row in conn.tuples_among(f"SELECT {_INPUTS} FROM movements WHERE id IN ({{}})",
                                                            [ids[n][0] for n in at])}
        linked = [read[ids[n][0]] for n in at]
        sources = _sources(conn, linked)
        for n, row in zip(at, linked):
            moves[n] = _unit_move(row, sources)
    method = costing.METHODS[settings.method]
    opening = _opening(prev, settings.since if settings.method is CostMethod.moving_average else 0)
    outcome = method.run_units(opening, moves, settings.allow_negative)
    if outcome.failure is not None:
        return _failure(outcome.failure, _read(conn, ids[outcome.failure.index][0]), key)
    stored = outcome.results
    counts = []
    if "count" in rules:
        at = [n for n, move in enumerate(moves) if move[1] == "count"]
        old = _stored_figures(conn, [ids[n][0] for n in at])
        counts = [(ids[n][0], old[ids[n][0]][0], stored[n][0]) for n in at
                  if old[ids[n][0]][0] is not None and old[ids[n][0]][0] != stored[n][0]]
    return list(map(add, stored, ids)), counts


def _inputs(settings: Settings, start: int) -> str:
    """:data:`_INPUTS`, with NULL for a date or pos nothing of this replay reads: the date is read
    by a closed period's check and the Decimal path (:func:`_move`), the pos by FIFO's carry
    (:func:`_carried`). Measured on bench's back_dated (CPU, best of five): the fetch 0.19 → 0.15 s."""
    method = costing.METHODS[settings.method]
    dated = settings.closed_through is not None or REFERENCE or not hasattr(method, "run_units")
    placed = hasattr(method, "carry") and start < settings.since
    return _INPUTS.replace("date,", "date," if dated else "NULL,").replace(", pos", ", pos" if placed else ", NULL")


def _replayed(conn: sqlite3.Connection, settings: Settings, key: Key, start: int, prev, rows: list[tuple],
              sources: dict[int, tuple]):
    """One key's movements from ``start`` (after ``prev``, the one before them as stored) replayed:
    (the changed figures, the count lines they change), or the failure that stops them. Rows read
    without their figures (:data:`_INPUTS`) give every row's figures, the unchanged ones left to
    the write to skip; those a check needs compared — counts, and all in a closed period — are
    compared here with their stored figures, read by id."""
    item, warehouse = key
    method = costing.METHODS[settings.method]
    opening = _opening(prev, settings.since if settings.method is CostMethod.moving_average else 0)
    if hasattr(method, "carry") and start < settings.since:
        rows, opening = _carried(conn, method, settings, key, rows, sources)
    stored = _cost(settings, key, opening, rows, sources)
    if isinstance(stored, Failure):
        return replace(stored, movement=_read(conn, stored.movement[_ID]))
    closed = settings.closed_through.isoformat() if settings.closed_through else None
    slim = bool(rows) and len(rows[0]) == _QTY          # read as _INPUTS
    if not slim:
        changed = [(row, new) for row, new in zip(rows, stored) if row[_STORED] != new]
    else:
        compared = [(row, new) for row, new in zip(rows, stored)
                    if row[_RULE] == "count" or (closed and row[_DATE] <= closed)]
        old = _stored_figures(conn, [row[_ID] for row, _ in compared])
        changed = [(row[:_QTY] + old[row[_ID]], new) for row, new in compared if old[row[_ID]] != new]
    for row, _ in changed if closed else ():
        if row[_DATE] <= closed:
            return Failure("closed", _read(conn, row[_ID]), item, warehouse)
    counts = [(row[_ID], row[_QTY], new[0]) for row, new in changed
              if row[_RULE] == "count" and row[_QTY] is not None and row[_QTY] != new[0]]
    if slim:
        return [(*new, row[_ID]) for row, new in zip(rows, stored)], counts
    return [(*new, row[_ID]) for row, new in changed], counts


def _stored_figures(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple]:
    """The stored figures (:data:`_FIGURES`) of the movements ``ids``, by id."""
    return {r[0]: r[1:] for r in conn.tuples_among(f"SELECT id, {_FIGURES_SQL} FROM movements WHERE id IN ({{}})", ids)}


def _read(conn: sqlite3.Connection, movement: int) -> sqlite3.Row:
    """A movement as a failure names it: the whole stored row."""
    return conn.execute(f"SELECT {_COLUMNS} FROM movements WHERE id = ?", (movement,)).fetchone()


def _cost(settings: Settings, key: Key, opening, rows: list[tuple], sources: dict[int, tuple]) -> list[tuple] | Failure:
    """The figures each of ``rows`` (one key's movements in ledger order, after ``opening``, read
    as :data:`_REPLAYED`) is to store, by the ledger's method — or the failure that stops them."""
    method = costing.METHODS[settings.method]
    if hasattr(method, "run_units") and not REFERENCE:
        moves = [row[_MOVE] if row[_RULE] != "linked" else _unit_move(row, sources) for row in rows]
        outcome = method.run_units(opening, moves, settings.allow_negative)
        stored = outcome.results
    elif hasattr(method, "run_wide") and not REFERENCE and not isinstance(opening, costing.State):
        outcome = method.run_wide(opening, [_wide_move(row, key, sources) for row in rows], settings.allow_negative)
        stored = outcome.results
    else:
        if not isinstance(opening, costing.State):
            opening = costing.State(from_qty_units(opening[0]), from_cents(opening[1]),
                                    None if opening[2] is None else from_unit_cost_units(opening[2]))
        outcome = costing.run(settings.method, opening, [_move(row, key, sources) for row in rows],
                              settings.allow_negative)
        stored = [_stored(res) for res in outcome.results]
    if outcome.failure is None:
        return stored
    return _failure(outcome.failure, rows[outcome.failure.index], key)


def _failure(failure, row, key: Key) -> Failure:
    """A costing failure (costing.Shortage or NoCost) as a replay reports it, naming ``row``."""
    if isinstance(failure, costing.Shortage):
        return Failure("shortage", row, *key, failure.needed, failure.available)
    return Failure("no_cost", row, *key)


# A queued movement (posting.Writer) is a list of the table's columns in their order, its
# figures filled in here: a list is a third of the dict it was (22 MB of a 100,000-line post).
QUEUED = {column: i for i, column in enumerate(TABLES["movements"]["columns"])}
_ITEM, _WAREHOUSE, _QUEUED_LINK, _QUEUED_DATE, _QUEUED_POS = (QUEUED[c] for c in ("item", "warehouse", "link", "date", "pos"))
_READ = tuple(QUEUED[c] for c in ("id", "date", "direction", "rule", "base_qty", "fixed_value", "given_unit_cost",
                                  "link", "link_qty", "pos"))


_read_queued = itemgetter(*_READ)


def _as_read(row: list) -> tuple:
    """A queued movement row as a replay reads a stored one (:data:`_REPLAYED`, without the
    figures it has yet to be given): a column it was not given is NULL, a fixed value 0."""
    read = _read_queued(row)
    return read if read[_FIXED] is not None else (*read[:_FIXED], 0, *read[_FIXED + 1:])


_FIGURES = ("qty", "value", "unit_cost", "bal_qty", "bal_value", "last_unit")
_FIGURES_AT = tuple(QUEUED[c] for c in _FIGURES)
# … one run of columns, filled in by one slice assignment (measured with _as_read's itemgetter on
# bench's 100,000 queued movements, CPU, each way twice: cost_queued 0.37 s → 0.30 s)
_FIGURES_SLICE = slice(_FIGURES_AT[0], _FIGURES_AT[-1] + 1)
assert _FIGURES_AT == tuple(range(_FIGURES_SLICE.start, _FIGURES_SLICE.stop))


def cost_queued(conn: sqlite3.Connection, settings: Settings, queued: list[list],
                dirty: dict[Key, int]) -> dict[Key, int]:
    """Cost a batch's queued movements before they are written, where the replay :func:`recost`
    would make reads nothing but them: a key no stored movement follows from (a new key, or —
    under the moving average, whose state is the balance — one they all come after), none of
    them taking its figures from another (linked), none before ``costing_from`` or in a closed
    period. Their figures are filled into the queued rows; the keys left (and any whose costing
    fails: recost then finds the same failure and the batch is refused document by document, as
    before) are returned for :func:`recost`.

    Measured on bench's 100,000-line post: recosting after the insert read every new movement
    back and rewrote it (an UPDATE each), 2.5 s of 11.5 s on SQLite and more on a server;
    costing the queued rows first leaves one INSERT per movement."""
    if REFERENCE:
        return dirty
    by_key: dict[Key, list[list]] = {}
    for row in queued:
        by_key.setdefault((row[_ITEM], row[_WAREHOUSE]), []).append(row)
    closed = settings.closed_through.isoformat() if settings.closed_through else ""
    appends = settings.method is CostMethod.moving_average
    left: dict[Key, int] = {}
    stocked = {tuple(r) for r in conn.execute("SELECT item, warehouse FROM stock_keys")}    # keys with movements
    for key, start in dirty.items():
        rows = by_key.get(key)
        if (not rows or start < settings.since or any(row[_QUEUED_LINK] is not None for row in rows)
                or (closed and min(row[_QUEUED_DATE] for row in rows) <= closed)):
            left[key] = start
            continue
        prev = None if key not in stocked else conn.execute(
            "SELECT bal_qty, bal_value, last_unit, pos FROM movements WHERE item=? AND warehouse=? "
            "ORDER BY pos DESC LIMIT 1", key).fetchone()
        if prev is not None and (not appends or prev["pos"] >= start):
            left[key] = start
            continue
        rows.sort(key=itemgetter(_QUEUED_POS))
        opening = _opening(prev, settings.since if appends else 0)
        stored = _cost(settings, key, opening, [_as_read(row) for row in rows], {})
        if isinstance(stored, Failure):
            left[key] = start
            continue
        for row, new in zip(rows, stored):
            row[_FIGURES_SLICE] = new
    return left


def _opening(prev, since: int) -> tuple[int, int, int | None]:
    """The balance a replay starts from: the movement before it as stored, its rate the one it
    kept — or, for the last movement an earlier jxc-xl costed (before ``since``), whose kept unit
    cost meant value ÷ quantity, that: the stored quantity and value are what the closed books hold."""
    if prev is None:
        return 0, 0, None
    qty, value, last, pos = prev
    return qty, value, None if pos < since and qty > 0 else last


def _carried(conn: sqlite3.Connection, method, settings: Settings, key: Key, rows: list[tuple],
             sources: dict[int, tuple]):
    """FIFO's layers where this version's conventions start: the movements before ``since``
    replayed by them (their figures taken as stored, never compared or written), the layers then
    made to hold the balance the books stored there (:func:`fifo.carry`). The rows from there on,
    and that opening."""
    since = settings.since
    before = [row for row in rows if row[_POS] < since]
    rows = rows[len(before):]
    if not before:
        return rows, costing.State()
    last = before[-1]
    stored = last[_STORED] if len(last) > _QTY else _stored_figures(conn, [last[_ID]])[last[_ID]]   # read as _INPUTS
    bal_qty, bal_value = stored[3:5]
    replayed = costing.run(settings.method, costing.State(), [_move(row, key, sources) for row in before],
                           settings.allow_negative)
    state = replayed.results[-1].state if replayed.failure is None else costing.State()
    return rows, method.carry(state, from_qty_units(bal_qty), from_cents(bal_value))


def _sources(conn: sqlite3.Connection, rows: list[tuple]) -> dict[int, tuple]:
    """The movements the linked ``rows`` take their quantity and value from, fetched at once:
    id → (qty, value, item, warehouse)."""
    links = [row[_LINK] for row in rows if row[_RULE] == "linked"]
    return {r[0]: r[1:] for r in conn.tuples_among(
        "SELECT id, qty, value, item, warehouse FROM movements WHERE id IN ({})", links)}


def _unit_move(row: tuple, sources: dict[int, tuple]) -> costing.UnitMove:
    """A linked movement for a method's integer path (see :func:`_move`, which it mirrors; a
    plain one is its own slice, :data:`_MOVE`)."""
    source_qty, source_value = sources[row[_LINK]][:2]
    whole = abs(source_qty) if source_qty is not None else row[_BASE_QTY]
    qty = whole if row[_LINK_QTY] is None else row[_LINK_QTY]
    value = 0
    if whole and source_value is not None:
        value = abs(source_value) if qty == whole else div_half_up(abs(source_value) * qty, whole)
    direction = row[_DIRECTION] if not source_qty else (-1 if source_qty > 0 else 1)
    return direction, "fixed", qty, value, row[_GIVEN]


def _wide_move(row: tuple, key: Key, sources: dict[int, tuple]) -> costing.WideMove:
    """:func:`_move` in units, for a method's ``run_wide`` (its linked movement's figures as
    :func:`_unit_move` works them out)."""
    movement, date, direction, rule, base_qty, fixed, given, link = row[:_POS - 1]
    month = int(date[:4]) * 12 + int(date[5:7])
    if rule != "linked":
        return movement, month, direction, rule, base_qty, fixed or 0, given, None, True
    direction, _, qty, value, _ = _unit_move(row, sources)
    return (movement, month, direction, "fixed", qty, value, given, link if direction < 0 else None,
            tuple(sources[link][2:4]) != key)


def _move(row: tuple, key: Key, sources: dict[int, tuple]) -> costing.Move:
    movement, date, direction, rule, base_qty, fixed, given, link, link_qty = row[:_POS]
    date = dt.date.fromisoformat(date)
    given = None if given is None else from_unit_cost_units(given)
    if rule != "linked":
        return costing.Move(movement, date, direction, rule, from_qty_units(base_qty),
                            from_cents(fixed) if fixed else ZERO, given)
    source = sources[link]
    source_qty = abs(from_qty_units(source[0])) if source[0] is not None else from_qty_units(base_qty)
    qty = source_qty if link_qty is None else from_qty_units(link_qty)
    value = prorate(abs(from_cents(source[1])), qty, source_qty) if source_qty and source[1] is not None else ZERO
    direction = direction if not source[0] else (-1 if source[0] > 0 else 1)
    same_key = tuple(source[2:4]) == key
    return costing.Move(movement, date, direction, "fixed", qty, value, given,
                        layer=link if direction < 0 else None, in_basis=not same_key)


def _stored(res: costing.Result) -> tuple:
    """A result as the movements row stores it: qty, value, unit cost, balances, fallback cost."""
    unit = ZERO if res.qty == 0 else abs(ratio(res.value, res.qty))
    last = res.state.last_unit
    return (to_qty_units(res.qty), to_cents(res.value), to_unit_cost_units(unit),
            to_qty_units(res.state.qty), to_cents(res.state.value),
            None if last is None else to_unit_cost_units(last))


def _write(conn: sqlite3.Connection, updates: list[tuple]) -> None:
    """The new figures, marked as touched by the batch being posted (the latest); a movement
    whose figures are the same is left as it is (compared by the engine, or by :func:`_replayed`
    where the engine does not: see :func:`_replay`)."""
    if updates:
        batch = conn.execute("SELECT MAX(id) FROM batches").fetchone()[0]
        conn.update_rows("movements", _FIGURES, updates, {"touched": batch}, changed_only=conn.compares_on_write)


def _note_counts(conn: sqlite3.Connection, counts: list[tuple[int, int, int]]) -> None:
    """Posted counts whose difference (counted − book) this batch changes: the counted quantity
    stands, so the difference follows the book — and that is recorded, once per count line and
    batch with its difference before the batch, to be said and accepted (see ledger.counts).
    A count posted by this very batch is not changed: it is being posted."""
    batch = "(SELECT MAX(id) FROM batches)"
    for movement, old, new in counts:
        if conn.execute(f"SELECT 1 FROM movements m JOIN documents d ON d.id = m.doc WHERE m.id = ? "
                        f"AND d.batch = {batch}", (movement,)).fetchone():
            continue
        if conn.execute(f"UPDATE count_changes SET new_qty = ? WHERE movement = ? AND batch = {batch}",
                        (new, movement)).rowcount == 0:
            conn.execute(f"INSERT INTO count_changes (movement, batch, old_qty, new_qty) "
                         f"SELECT ?, {batch}, ?, ?", (movement, old, new))


# A replay of this many movements or more first looks for what links to them by one range of
# the link index (see _linked_to).
RANGED_FROM = 1000


def _dependents(conn: sqlite3.Connection, updates: list[tuple]) -> list[tuple[str, str, int, int]]:
    """The movements that take their figures from one of ``updates`` whose figures change (read
    before they are written): item, warehouse, pos, id."""
    linked = _linked_to(conn, [u[-1] for u in updates])
    if not linked:
        return []
    sources = {row[4] for row in linked}
    new = {u[-1]: u[:-1] for u in updates if u[-1] in sources}
    old = _stored_figures(conn, list(new))
    return [row[:4] for row in linked if old[row[4]] != new[row[4]]]


def _linked_to(conn: sqlite3.Connection, ids: list[int]) -> list[tuple]:
    """The movements linked to one of ``ids`` (item, warehouse, pos, id, link). Linked movements
    (returns, transfers in, reversals) are few beside a long replay: for one of
    :data:`RANGED_FROM` movements or more, those linked anywhere between its least and greatest
    id are read by one range of the link index, up to a quarter as many as the replay has, and
    kept if they link to one of them; only where there are more is each id looked up. Measured
    on bench's back_dated (100,000 ids, nothing linked; CPU, best of seven): the lookups by
    IN lists of 500 took 0.018 s, the range 0.005 s. At worst (as many linked in the range as
    a quarter of the replay) the range is read for nothing: a quarter more than the lookups."""
    if len(ids) >= RANGED_FROM:
        most = len(ids) // 4
        found = conn.tuples("SELECT item, warehouse, pos, id, link FROM movements WHERE link BETWEEN ? AND ? "
                            "LIMIT ?", (min(ids), max(ids), most))
        if len(found) < most:
            wanted = set(ids)
            return [row for row in found if row[4] in wanted]
    return conn.tuples_among("SELECT item, warehouse, pos, id, link FROM movements WHERE link IN ({})", ids)
