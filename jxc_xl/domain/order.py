"""The ledger's order key (schema 13): where a document, a movement or a money entry stands.

One integer of 63 bits, built from high to low as

    ((date ordinal · 2²² + rank · 2²⁰ + slot) · 2¹⁷ + line) · 2² + leg

— the day first (so the day of a key is ``key >> 41`` and a day's keys are one range), then the
rank of the document's type within the day (openings and orders 0, most documents 1, counts 2,
invoices 3), then the document's slot among the documents of that day and rank, then its line and
the line's leg (a transfer has two). A document's own key is its line 0, leg 0.

It replaced a text key (``2026-03-01|1|XS10|sales|001|0|00001|0``) that sorted the documents of
a day by their 单号 as text: the slots follow that same text order (so ``XS10`` still comes before
``XS1``, as '|' sorts after '0'; see :mod:`jxc_xl.ledger.engine.slots`), and every book's movements kept
their order, hence their costs, through the upgrade. What an integer gives besides: a number
compares in one step where the text compared up to 40 characters (the replay, the 台账, stock as
of a date all sort or seek by it), the index on it is a third of the size, and the key's day is
arithmetic — a server's row policy holds it to the row's date, so no key typed outside jxc can put
a movement of an open month among the closed ones.

Sizes: 2²⁰ slots a day and rank (a million documents), 2¹⁷ − 1 lines a document, 4 legs; the
latest day, 9999-12-31, still fits in 63 bits.
"""
from __future__ import annotations

import datetime as dt

LEG_BITS, LINE_BITS, SLOT_BITS, RANK_BITS = 2, 17, 20, 2
LINE = 1 << LEG_BITS                     # one line further
SLOT = LINE << LINE_BITS                 # one document further
RANK = SLOT << SLOT_BITS                 # one rank further
DAY = RANK << RANK_BITS                  # one day further
DAY_SHIFT = LEG_BITS + LINE_BITS + SLOT_BITS + RANK_BITS     # 41
SLOTS = 1 << SLOT_BITS
LINES = 1 << LINE_BITS
LAST = (1 << 63) - 1                     # after every key


def day_key(day: dt.date) -> int:
    """The first key of ``day``."""
    return day.toordinal() << DAY_SHIFT


def after_day(day: dt.date | None) -> int:
    """A bound above every key of ``day`` and below every key of a later one (None: above all)."""
    return LAST if day is None else day_key(day) + DAY


def key_day(key: int) -> dt.date:
    return dt.date.fromordinal(key >> DAY_SHIFT)


def month_key(key: int) -> int:
    """The first key of the month ``key`` falls in (0, before every day, stays 0)."""
    return day_key(key_day(key).replace(day=1)) if key >= DAY else 0


def doc_key(day: dt.date, rank: int, slot: int) -> int:
    return day_key(day) + rank * RANK + slot * SLOT


def move_key(doc: int, line_no: int, leg: int) -> int:
    """The key of a document's line ``line_no``'s leg ``leg``."""
    return doc + line_no * LINE + leg


def line_leg(key: int) -> tuple[int, int]:
    """The line and leg a movement's key names."""
    return (key % SLOT) // LINE, key % LINE


def of_document(key: int) -> int:
    """A movement's document's key."""
    return key - key % SLOT


def day_rank(key: int) -> int:
    """The first key of the day and rank ``key`` falls in (slot 0)."""
    return key - key % RANK
