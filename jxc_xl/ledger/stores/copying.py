"""``jxc ledger copy``: the same books on another engine — a shop moving its file to a server, or
a server's books into a file (a backup, or back again) — copied in one transaction, then proved
equal to the source row for row and its figures recomputed.

Rows keep their ids, so a 台账 written from the source goes on being refreshed (its mark names the
ledger and a batch) once 设置 points at the copy. On a server, every active user of the books
becomes a login in their department's role (with no password until an administrator sets one).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from ..errors import LedgerError
from .schema import TABLES, Transaction, quoted

if TYPE_CHECKING:
    from .. import Ledger

PAGE = 5000          # rows read and written at a time, so a large ledger never sits in memory whole


@dataclass
class Copied:
    rows: dict[str, int] = field(default_factory=dict)       # table → rows copied
    differences: list[str] = field(default_factory=list)     # what recomputing the copy's figures found


def copy(source: Ledger, target: Ledger) -> Copied:
    """Copy every row of ``source`` into the new ``target``; committed only when every table reads
    back equal to the source's. A target that holds anything but its own settings is refused
    (nothing is merged)."""
    if any(target.conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in TABLES if t != "meta"):
        raise LedgerError("not_empty", target.path)
    done = Copied()
    source.conn.begin_read()          # one snapshot of the source: posts meanwhile are not half-copied
    try:
        _copy(source, target, done)
    finally:
        source.conn.execute("ROLLBACK")
    done.differences = target.verify()
    return done


def _copy(source: Ledger, target: Ledger, done: Copied) -> None:
    with Transaction(target.conn, target.waiting):
        for table, spec in TABLES.items():
            columns = tuple(spec["columns"])
            insert = (f"INSERT INTO {table} ({', '.join(map(quoted, columns))}) VALUES ({', '.join('?' * len(columns))})"
                      + (" ON CONFLICT (key) DO UPDATE SET value = excluded.value" if table == "meta" else ""))
            done.rows[table] = 0
            for page in _pages(source.conn, table):
                target.conn.executemany(insert, page)
                done.rows[table] += len(page)
            target.conn.renumber(table)
        for user in source.users():
            if user.active:
                target.conn.enrol(user.name, user.role, None)
        unequal = differences(source, target)          # read inside the copy's own transaction
        if unequal:
            raise LedgerError("copy_differs", target.path, detail=unequal[0])


def differences(one: Ledger, other: Ledger) -> list[str]:
    """Every table's rows compared in key order: the first row that differs in each, or a count."""
    found = []
    for table in TABLES:
        left, right = _rows(one.conn, table), _rows(other.conn, table)
        for a, b in zip(left, right):
            if a != b:
                found.append(f"{table}: {a} ≠ {b}")
                break
        else:
            if next(left, None) is not None or next(right, None) is not None:
                found.append(f"{table}: 行数不同 / row counts differ")
    return found


def _key(table: str) -> tuple[str, ...]:
    pk = TABLES[table]["pk"]
    return pk if isinstance(pk, tuple) else (pk,)


def _pages(conn, table: str, columns: tuple[str, ...] | None = None) -> Iterator[list[tuple]]:
    """The table's rows (``columns``, else all of them) in key order, a page at a time (each page
    starts after the last key)."""
    columns = columns or tuple(TABLES[table]["columns"])
    key = _key(table)
    at = [columns.index(k) for k in key]
    select = f"SELECT {', '.join(map(quoted, columns))} FROM {table}"
    order = f" ORDER BY {', '.join(key)} LIMIT {PAGE}"
    after: tuple | None = None
    while True:
        where = "" if after is None else f" WHERE ({', '.join(key)}) > ({', '.join('?' * len(key))})"
        page = [tuple(r) for r in conn.execute(select + where + order, after or ())]
        if not page:
            return
        yield page
        after = tuple(page[-1][i] for i in at)


def table_rows(conn, table: str) -> tuple[tuple[str, ...], Iterator[list[tuple]]]:
    """The columns of ``table`` this ledger has (an old one read as it is lacks the later ones)
    and its rows, a page at a time: what `jxc export` writes out."""
    columns = tuple(c for c in TABLES[table]["columns"] if c in conn.columns(table))
    return columns, _pages(conn, table, columns)


def _rows(conn, table: str) -> Iterator[tuple]:
    for page in _pages(conn, table):
        yield from page
