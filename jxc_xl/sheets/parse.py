"""Sheet rows → masters, settings and documents, with every bad cell as a Problem.

How a document sheet's rows become documents is the contract's data (each column says which
field it fills, each sheet its journal, 业务类型 words and whether it has lines); reading one cell
is ``cells.py``'s.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from operator import itemgetter
from dataclasses import dataclass, field, replace
from typing import Callable
from decimal import Decimal

from ..domain.model import Account, Document, DocType, Item, Line, Party, Source, Warehouse
from ..domain.packed import pack
from ..domain.money import MAX_AMOUNT, MAX_QTY, MAX_UNIT_PRICE, mul_money
from ..domain.problems import Problem
from ..domain.tax import units_text
from ..domain.validate import MAX_TERMS_DAYS, Masters
from .book import Table
from .columns import NUMBER_KINDS, Columns
from .cells import RowReader, text_fault, to_date, to_number, to_rate
from .format import Exact
from .contract import (ACCOUNT_KINDS, CHART, CHART_USES, COST_METHODS, NO, OPENING_BALANCES, OPENING_CASH, OPENING_STOCK,
                       OPENINGS, PARTY_KINDS, SETTING_KEYS, TAXPAYER_TYPES, YES, Column, SheetSpec)

# -- masters and settings ---------------------------------------------------------------------
def _parse_masters(table: Table, workbook: str, build, key: str) -> tuple[list, list[Problem]]:
    """Each row through ``build`` (a RowReader → model); rows with any problem are left out, and
    so are rows whose code (the column ``key``) another row has too: which one is meant cannot be
    told, so each of them says which row it repeats."""
    found, problems = [], []
    rows: dict[str, list[tuple[int, object]]] = {}
    for row, values in table.rows:
        r = RowReader(table, row, values, workbook)
        model = build(r)
        problems += r.problems
        if not r.problems:
            rows.setdefault(r.text(key).upper(), []).append((row, model))
    for same in rows.values():
        if len(same) == 1:
            found.append(same[0][1])
            continue
        for row, model in same:
            other = next(r for r, _ in same if r != row)
            problems.append(Problem("duplicate_master", "", None, key,
                                    {"value": table.get(dict(table.rows)[row], key), "expected": other},
                                    Source(workbook=workbook, sheet=table.sheet, row=row)))
    return found, problems


def parse_items(table: Table, workbook: str) -> tuple[list[Item], list[Problem]]:
    def build(r: RowReader) -> Item | None:
        sku, name = r.text("商品编码", True), r.text("商品名称", True)
        fields = dict(spec=r.text("规格"), unit=r.text("单位"), category=r.text("类别"), barcode=r.text("条码"),
                      purchase_price=r.number("参考进价", limit=MAX_UNIT_PRICE),
                      sale_price=r.number("参考售价", limit=MAX_UNIT_PRICE),
                      min_qty=r.number("安全库存", limit=MAX_QTY), max_qty=r.number("最高库存", limit=MAX_QTY),
                      inactive=r.text("停用").lower() in YES, tax_rate=r.rate("税率"))
        return None if r.problems else Item(sku=sku, name=name, **fields)
    return _parse_masters(table, workbook, build, "商品编码")


def parse_parties(table: Table, workbook: str) -> tuple[list[Party], list[Problem]]:
    def build(r: RowReader) -> Party | None:
        code, name = r.text("编码", True), r.text("名称", True)
        kind = r.choice("类型", PARTY_KINDS)
        limit, terms = r.number("信用额度", limit=MAX_AMOUNT), r.number("账期天数", limit=Decimal(MAX_TERMS_DAYS + 1))
        if terms is not None and (terms < 0 or terms != terms.to_integral_value()):
            r.bad("bad_number", "账期天数", value=str(terms))
        if r.problems:
            return None
        return Party(code=code, name=name, kind=kind, contact=r.text("联系人"), phone=r.text("电话"),
                     address=r.text("地址"), credit_limit=limit, terms_days=int(terms or 0), tax_rate=r.rate("税率"))
    return _parse_masters(table, workbook, build, "编码")


def parse_warehouses(table: Table, workbook: str) -> tuple[list[Warehouse], list[Problem]]:
    def build(r: RowReader) -> Warehouse | None:
        code, name = r.text("编码", True), r.text("名称", True)
        return None if r.problems else Warehouse(code=code, name=name)
    return _parse_masters(table, workbook, build, "编码")


def parse_accounts(table: Table, workbook: str) -> tuple[list[Account], list[Problem]]:
    def build(r: RowReader) -> Account | None:
        code, name = r.text("编码", True), r.text("名称", True)
        kind = r.choice("类型", ACCOUNT_KINDS, required=False)
        if r.problems:
            return None
        return Account(code=code, name=name, kind=kind or "other", number=r.text("账号"),
                       inactive=r.text("停用").lower() in YES)
    return _parse_masters(table, workbook, build, "编码")


def parse_chart(table: Table | None, workbook: str) -> tuple[dict[str, tuple[str, str]], list[Problem]]:
    """科目 as {用途: (科目编码, 科目名称)}: the contract's 小企业会计准则 defaults when the workbook
    has no such sheet or nothing typed in it; else its rows, a 用途 empty, unknown or repeated
    being a problem of its row."""
    if table is None or not table.rows:
        return {use: (code, name) for use, code, name in CHART.filled}, []

    def build(r: RowReader) -> tuple[str, str, str] | None:
        use = r.choice("用途", CHART_USES, required=True)
        code, name = r.text("科目编码", True), r.text("科目名称", True)
        return None if r.problems else (use, code, name)
    rows, problems = _parse_masters(table, workbook, build, "用途")
    return {use: (code, name) for use, code, name in rows}, problems


def parse_settings(table: Table | None) -> dict[str, str]:
    """设置 as {key: text}; unknown keys are kept under their own name."""
    settings: dict[str, object] = {}
    for _, values in (table.rows if table else []):
        key, value = table.get(values, "项目"), table.get(values, "值")
        if key is None or not str(key).strip():
            continue
        name = SETTING_KEYS.get(str(key).strip().lower().replace(" ", ""), str(key).strip())
        settings[name] = value
    return settings


def setting_method(value: object) -> str | None:
    return COST_METHODS.get(str(value or "").strip().lower().replace(" ", ""))


def setting_taxes(raw: dict[str, object]) -> tuple[bool, Decimal | None, list[str]]:
    """设置's 纳税人类型 (whether it is a 一般纳税人) and 默认税率, and what in them is wrong."""
    problems = []
    kind = str(raw.get("taxpayer") or "").strip().lower().replace(" ", "")
    if kind not in TAXPAYER_TYPES:
        problems.append(f"设置：纳税人类型“{raw['taxpayer']}”无效，应为 小规模纳税人 / 一般纳税人")
    given = raw.get("default_rate")
    rate = None
    if given not in (None, "") and str(given).strip():
        rate = to_rate(given)
        if rate is None:
            problems.append(f"设置：默认税率“{given}”无效，应为如 13%、13 或 0.13 的税率")
    return TAXPAYER_TYPES.get(kind) == "general", rate, problems


def setting_bool(value: object) -> bool | None:
    text = str(value if value is not None else "").strip().lower()
    return True if text in YES else False if text in NO else None


# -- documents ------------------------------------------------------------------------------
@dataclass
class ParsedDoc:
    document: Document | None
    rows: list[int]
    problems: list[Problem]
    journal: str
    doc_no: str
    digest: str = ""              # of the rows as typed: unchanged since posted = nothing to read
    unchanged: bool = False
    # the date its rows give, read even where they cannot post (结账 asks which month a row in error is of)
    date: dt.date | None = None
    # each row as read: (sheet row, its header fields or None when the row has a problem, its line);
    # empty for a document read column-wise, whose rows all agree: see :attr:`parts`
    read_parts: list[tuple[int, dict | None, Line | None]] = field(default_factory=list)
    header_fields: tuple[str, ...] = ()
    # its document was let go once the ledger took it (see :meth:`forget`)
    forgotten: bool = False

    @property
    def was_read(self) -> bool:
        """Whether its rows were read into a document or problems (not passed over as unchanged,
        not blank): whether :attr:`parts` has any, without building them — and still known once the
        document is let go."""
        return self.forgotten or bool(self.read_parts) or (self.document is not None and bool(self.header_fields))

    @property
    def sent(self) -> bool:
        """Whether it read as a document, the one the ledger is given (held or let go)."""
        return self.forgotten or self.document is not None

    def forget(self) -> None:
        """Let go of the document and its rows as read, once the ledger has taken it without a
        problem: what 状态 asks of it then is only :attr:`was_read`, :attr:`sent` and its rows
        (measured on the bench's 100,000 lines: held, the documents' ~87 MB stood beside the rows
        brought back to write 状态, whose step peaked at 325 MB; let go, 315 MB, below 过账's 314;
        and asking :attr:`was_read`, not :attr:`parts`, saved 状态 ~2 s of CPU rebuilding the rows
        three times). :attr:`parts` is then empty."""
        self.document, self.read_parts, self.forgotten = None, [], True

    @property
    def parts(self) -> list[tuple[int, dict | None, Line | None]]:
        """Each row as read. A document read column-wise gives them from itself when asked (rarely:
        when it differs from its posted version) instead of holding a dict per row (65 MB of a
        100,000-line post)."""
        if self.read_parts or self.document is None or not self.header_fields:
            return self.read_parts
        doc = self.document
        header = {name: getattr(doc, name) for name in self.header_fields}
        if not doc.lines:                                    # one row, one document (收付款)
            return [(doc.source.row, {**header, "source": doc.source}, None)]
        return [(line.source.row, {**header, "source": line.source}, line) for line in doc.lines]

    def row_documents(self) -> list[tuple[int, Document | None]]:
        """Each row as a document of its own (None where the row cannot be read): what a posted
        document's rows are compared with, one by one."""
        return [(row, None if header is None else Document(
                    doc_no=self.doc_no, lines=(line,) if line else (), **header))
                for row, header, line in self.parts]


# problems of agreement between a document's rows: each row on its own still reads
_AGREEMENT = {"header_mismatch", "duplicate_row_doc"}


def parse_documents(table: Table, workbook: str, known: dict[tuple[str, str], str] | Callable | None = None,
                    masters: Masters | None = None, skip: int = 0) -> list[ParsedDoc]:
    """Group rows by 单号 (the sheet's key column: 发票's 发票号码), adjacent or not, into documents;
    check each against its first row.

    A document whose rows hash to the digest ``known`` for it (its rows as they were when it
    was posted) is not read again: the ledger already holds exactly it (``known`` may be what
    gives them for a set of (journal, 单号)). ``masters``: a party or
    warehouse one row gives by name and another by code is the same header field. ``skip``: the
    first rows are passed over, not even grouped (:func:`seen_rows` found them as they were).
    """
    spec = table.spec
    if spec in OPENINGS:
        return [_opening(table, row, values, workbook) for row, values in table.rows]
    journal = spec.journal
    cols = _digested(table)
    doc_col = table.columns[spec.key] - 1
    groups: dict[str, list[int]] = {}
    blank: list[ParsedDoc] = []
    for i, (row, values) in enumerate(table.rows[skip:], start=skip):
        key = _doc_key(values, doc_col)
        if not key:
            r = RowReader(table, row, values, workbook)
            r.text(spec.key, True)
            blank.append(ParsedDoc(None, [row], r.problems, "", "", date=_quiet_date(table, row, values)))
        else:
            groups.setdefault(key, []).append(i)
    if callable(known):                          # asked of the 单号 these rows hold only
        known = known({(journal, key) for key in groups})
    out: list[ParsedDoc | None] = []
    unread = []                                  # (place in out, 单号, indices, rows, digest)
    for doc_no, indices in groups.items():
        rows = [table.rows[i] for i in indices]
        digest = rows_digest(cols, rows)
        if known and known.get((journal, doc_no)) == digest:
            out.append(ParsedDoc(None, [r for r, _ in rows], [], journal, doc_no, digest, True))
        else:
            unread.append((len(out), doc_no, indices, rows, digest))
            out.append(None)
    whole = Columns(table, [i for _, _, indices, _, _ in unread for i in indices]) if unread else None
    for place, doc_no, indices, rows, digest in unread:
        plain = whole.document(doc_no, indices, [r for r, _ in rows], workbook)
        if plain:
            parsed = ParsedDoc(plain, [r for r, _ in rows], [], journal, doc_no, header_fields=whole.header_fields)
        else:
            parsed = _document(table, doc_no, rows, workbook, masters)
        parsed.digest = digest
        out[place] = parsed
    return out + blank


def _doc_key(values: list, at: int) -> str:
    """A row's 单号 as documents are grouped by it ("" for none): 1001 typed as a number is "1001"."""
    key = values[at] if at < len(values) else None
    return str(int(key) if isinstance(key, float) and key.is_integer() else key).strip() if key is not None else ""


@dataclass(frozen=True)
class Seen:
    """The first :attr:`rows` of a sheet's rows, found exactly as they were when a post left them
    alone (its 单号, figures and 状态 alike): the documents :attr:`keys` they hold are neither read
    nor marked again. ``segments``: (rows, digest) of each stretch, as remembered."""

    rows: int = 0
    keys: frozenset[str] = frozenset()
    segments: tuple[tuple[int, str], ...] = ()


def block_digest(rows: list[tuple[int, list]], written: dict[int, dict[int, object]] | None = None) -> str:
    """Of whole rows (sheet row numbers and every cell as read, 状态 too): a row edited, moved,
    inserted or deleted changes it. ``written`` (1-based column → row → value): the rows as the
    file reader will give them once that is saved in them (numbers as floats).

    The ``repr`` of the rows, a few thousand at a time (the whole stretch at once held 50 MB more
    at the peak of a first post of 100,000 lines). Measured on the bench sheet of 50,250 rows:
    repr 0.157 s, pickle 0.163 s, column by column (floats as arrays, texts joined) 0.167 s;
    grouping the same rows by 单号 and hashing each document, as :func:`rows_digest` does, 0.45 s."""
    digest = hashlib.blake2b(digest_size=16)
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        digest.update(repr(_as_written(chunk, written) if written else chunk).encode())
    return digest.hexdigest()


_CHUNK = 2000
_SEGMENTS = 64          # stretches remembered of a sheet, one a post that added rows, before they are made one


def seen_rows(table: Table, segments) -> Seen:
    """How many of the sheet's first rows are the ``segments`` remembered (each stretch hashed
    again, the longest run from the top that matches), and their 单号. None of them is seen when
    a row after them has one of those 单号 (a document's rows would be split) or when the sheet
    is an opening one."""
    if table.spec in OPENINGS or not segments:
        return Seen()
    done, kept = 0, []
    for count, digest in segments:
        if count <= 0 or done + count > len(table.rows) or block_digest(table.rows[done:done + count]) != digest:
            break
        done += count
        kept.append((count, digest))
    at = table.columns[table.spec.key] - 1
    column = [_raw(v, at) for _, v in table.rows[:done]]
    keys = frozenset(filter(None, (_doc_key((raw,), 0) for _, raw in set(zip(map(type, column), column)))))
    if any(_doc_key(values, at) in keys for _, values in table.rows[done:]):
        return Seen()
    return Seen(done, keys, tuple(kept))


def _raw(values: list, at: int) -> object:
    return values[at] if at < len(values) else None


def seen_after(table: Table, seen: Seen, quiet: set[str], written: dict[int, dict[int, object]]) -> tuple[tuple[int, str], ...]:
    """The segments to remember after a post: those seen, and one more stretch of the rows after
    them where each row's document is ``quiet`` (it stands in the books as its rows say: nothing
    but its 状态 and figures read back are written to them) and ends within it. The stretch is
    hashed as the rows will read once ``written`` (1-based column → row → value) is saved."""
    if table.spec in OPENINGS:
        return seen.segments
    at, start = table.columns[table.spec.key] - 1, seen.rows
    keys = [_doc_key(values, at) for _, values in table.rows[start:]]
    last = {key: i for i, key in enumerate(keys, start=start)}
    reach, end = start, start
    for i, key in enumerate(keys, start=start):
        if not key or key not in quiet:
            break
        reach = max(reach, last[key])
        if reach == i:
            end = i + 1
    if end == start:
        return seen.segments
    if len(seen.segments) + 1 > _SEGMENTS:       # one stretch again: hashing them costs the same, the record stays small
        return ((end, block_digest(table.rows[:end], written)),)
    return seen.segments + ((end - start, block_digest(table.rows[start:end], written)),)


def _as_written(rows: list[tuple[int, list]], written: dict[int, dict[int, object]]) -> list[tuple[int, list]]:
    columns = [(col - 1, at) for col, at in written.items()]
    out = []
    for row, values in rows:
        copy = None
        for i, at in columns:
            value = at.get(row, _UNWRITTEN)
            if value is not _UNWRITTEN:
                if copy is None:
                    copy = list(values)
                if i >= len(copy):
                    copy += [""] * (i + 1 - len(copy))
                copy[i] = float(value) if isinstance(value, (Decimal, Exact)) else value
        out.append((row, values if copy is None else copy))
    return out


_UNWRITTEN = object()


def document_numbers(table: Table) -> set[tuple[str, str]]:
    """(journal, 单号) of every document a sheet's rows hold, readable or not, as
    :func:`parse_documents` numbers them, without reading any of them (an opening row is
    numbered by its own fields: read)."""
    spec = table.spec
    if spec in OPENINGS:
        return {(p.journal, p.doc_no) for p in parse_documents(table, "")}
    at = table.columns[spec.key] - 1
    return {(spec.journal, key) for key in (_doc_key(values, at) for _, values in table.rows) if key}


def key_numbers(spec: SheetSpec, keys: list) -> set[tuple[str, str]]:
    """:func:`document_numbers` of a sheet (not an opening one) from its key column's values alone
    (each value read: a set of them would take Decimal 1 and 1.0, two 单号, for one)."""
    return {(spec.journal, key) for key in (_doc_key((value,), 0) for value in keys) if key}


@dataclass(frozen=True)
class ReadBack:
    """Where a sheet's cells may hold what 过账 writes back, worked out once per sheet (its
    columns by 0-based index): dates typed as text, figures typed as text, and the 金额 with the
    数量 and 单价 it is the product of. Per row only those cells are looked at (measured: asking
    every column of every row by name cost a 20,000-line post 0.5 s)."""

    dates: tuple[tuple[str, int], ...]
    figures: tuple[tuple[str, int], ...]
    amount: tuple[str, int, int, int] | None
    taxed: tuple[tuple[str, int, int], ...] = ()     # where a line's 增值税 figures show: (column, index, in units)

    @classmethod
    def of(cls, table: Table) -> "ReadBack":
        at = {c.zh: table.columns[c.zh] - 1 for c in table.spec.columns if c.zh in table.columns}
        shown = [c for c in table.spec.columns if c.zh in at]
        by_field = {c.to: c.zh for c in shown}
        amount = next((c.zh for c in shown if c.kind == "formula"), None)
        product = amount and {"qty", "price"} <= by_field.keys()
        taxed = tuple((c.zh, at[c.zh], _UNITS[c.to]) for c in shown if c.to in _UNITS)
        return cls(tuple((c.zh, at[c.zh]) for c in shown if c.kind == "date"),
                   tuple((c.zh, at[c.zh]) for c in shown if c.kind in NUMBER_KINDS),
                   (amount, at[amount], at[by_field["qty"]], at[by_field["price"]]) if product else None,
                   taxed if {"tax_rate", "price_with_tax", "tax", "total_with_tax"} & by_field.keys() else ())

    def as_read(self, values: list, units: tuple | None = None) -> dict[str, object]:
        """What a row's cells were read as, where that is not what they hold: a figure typed as
        text ('100', '¥38.50', '66元') as its number, a date typed as text or digits as its date;
        a 金额 left empty as 数量 × 单价 — the amount the ledger computed for it; and, for a taxed
        line (``units``: its figures as the ledger holds them, documents.posted_units), each of
        its 增值税 figures whose cell is empty, as its exact text (a figure typed back hashes as the
        one worked out; tax.units_text: no Decimal made, and the 金额 not multiplied twice)."""
        cell = lambda i: values[i] if i < len(values) else None      # noqa: E731
        out: dict[str, object] = {}
        for zh, i in self.dates:
            raw = cell(i)
            if raw not in (None, "") and not isinstance(raw, dt.date) and (found := to_date(raw)) is not None:
                out[zh] = found
        for zh, i in self.figures:
            raw = cell(i)
            if isinstance(raw, str) and raw.strip() and (found := to_number(raw)) is not None:
                out[zh] = found
        if units is not None:
            for zh, i, at in self.taxed:
                if cell(i) in (None, ""):
                    out[zh] = Exact(units_text(units, at))
        if self.amount and self.amount[0] not in out and cell(self.amount[1]) in (None, ""):
            qty, price = (to_number(cell(i)) for i in self.amount[2:])
            if qty is not None and price is not None:
                out[self.amount[0]] = mul_money(qty, price)
        return out


# a document column's field → its place in Figures.units (tax.UNITS), where a line's figure shows
_UNITS = {"tax_rate": 0, "price": 1, "price_with_tax": 2, "amount": 3, "tax": 4, "total_with_tax": 5}


def _digested(table: Table) -> list[int]:
    """The 0-based columns a document's digest covers: every column read, not 状态 or system ones."""
    return [table.columns[c.zh] - 1 for c in table.spec.columns if c.zh in table.columns
            and c.kind not in ("status", "system")]


def rows_digest(cols: list[int], rows: list[tuple[int, list]]) -> str:
    take, last = (itemgetter(*cols), max(cols)) if len(cols) > 1 else (None, 0)   # a row as long: read in C
    return hashlib.blake2b(repr([list(take(v)) if take and len(v) > last else
                                 [v[c] if c < len(v) else None for c in cols] for _, v in rows]).encode(),
                           digest_size=16).hexdigest()


def digest_as_written(table: Table, rows: list[tuple[int, list]], written: dict[int, dict[int, object]]) -> str:
    """The digest the rows will have once ``written`` (row → 1-based column → value) is in them,
    read back as the file reader gives cells (numbers as floats, dates as dates): what 过账 wrote
    back does not make the document look edited. (Read another way — through Excel — the
    digest differs, the document is read once more, and its fingerprint finds it unchanged.)
    Each row's own cells only are looked at (a figure written as exact text reads back as the
    float of that text, as one written as a Decimal does)."""
    out = []
    for row, values in rows:
        cells = written.get(row)
        if cells:
            values = list(values)
            values += [None] * (max(cells) - len(values))
            for col, value in cells.items():
                values[col - 1] = float(value) if isinstance(value, (Decimal, Exact)) else value
        out.append((row, values))
    return rows_digest(_digested(table), out)


def _document(table: Table, doc_no: str, rows: list[tuple[int, list]], workbook: str,
              masters: Masters | None = None) -> ParsedDoc:
    spec = table.spec
    readers = [RowReader(table, row, values, workbook, doc_no=doc_no) for row, values in rows]
    first = readers[0]
    fault = text_fault(doc_no, True)
    if fault:                   # the 单号 the rows are grouped by (read before any reader)
        for r in readers:
            r.bad(fault[0], spec.key, **fault[1])
    header, agreed = _header(spec, first)
    lines, parts, dates = [], [], [header.get("date")]
    for r in readers:
        own = header
        if r is not first:
            own, other = _header(spec, r)
            dates.append(own.get("date"))
            for column in spec.at("header"):
                mine, theirs = other.get(column.zh), agreed.get(column.zh)
                if column.zh in table.columns and mine != theirs and \
                        _meant(column, mine, masters) != _meant(column, theirs, masters):
                    r.bad("header_mismatch", column.zh, value=first.row)
            if not spec.has_lines:
                r.bad("duplicate_row_doc", "单号", value=doc_no)
        line = _line(spec, r) if spec.has_lines else None
        if line is not None:
            lines.append(line)
        parts.append((r.row, None if any(p.code not in _AGREEMENT for p in r.problems) else
                      {**own, "source": r.source}, line))
    problems = [p for r in readers for p in r.problems]
    if problems:
        return ParsedDoc(None, [r.row for r in readers], problems, spec.journal, doc_no, read_parts=parts,
                         date=next((day for day in dates if day is not None), None))
    doc = Document(doc_no=doc_no, lines=tuple(lines), source=first.source, **header)
    return ParsedDoc(doc, [r.row for r in readers], [], spec.journal, doc_no, read_parts=parts)


# header fields that name a master: compared by the master they name, not as typed
_REFERS = {"party": "party", "warehouse": "warehouse", "to_warehouse": "warehouse"}


def _meant(column: Column, value: object, masters: Masters | None) -> object:
    """A header cell as the document means it: a party or warehouse given by name (or in another
    letter case) is its code; anything the masters do not know stays as typed."""
    kind = _REFERS.get(column.to)
    if masters is None or kind is None or not isinstance(value, str) or not value:
        return value
    return masters.code(kind, value) or value


def _quiet_date(table: Table, row: int, values: list) -> dt.date | None:
    """A row's 日期 (发票's 开票日期) where it reads, its problems left to whoever reads the row."""
    dated = next((c.zh for c in table.spec.columns if c.to == "date"), "日期")
    return RowReader(table, row, values, "").date(dated)


def _read(spec: SheetSpec, r: RowReader, column: Column) -> object:
    """One cell as its column's kind says: a 业务类型 word, a date, a number or a text."""
    required = column.required and not (column.unless and r.raw(column.unless) is not None)
    if column.to == "type":
        return r.choice(column.zh, spec.types)
    if column.kind == "choice":
        return r.choice(column.zh, column.choices, required) or ""
    if column.kind == "date":
        return r.date(column.zh, required)
    if column.kind == "rate":
        return r.rate(column.zh)
    if column.kind in NUMBER_KINDS:
        return r.number(column.zh, required)
    return r.text(column.zh, required)


def _header(spec: SheetSpec, r: RowReader) -> tuple[dict, dict]:
    """One row's document header (type, date, party, warehouses…) and the raw fields that
    every line of the document must repeat, by column name."""
    h: dict = {} if spec.types else {"type": spec.doc_type}
    raw: dict = {}
    for column in spec.at("header"):
        h[column.to] = raw[column.zh] = _read(spec, r, column)
    return h, raw


def _line(spec: SheetSpec, r: RowReader) -> Line:
    fields: dict = {column.to: _read(spec, r, column) for column in spec.at("line")}
    if fields.get("qty") is None:
        fields["qty"] = Decimal(0)
    return Line(**fields, source=r.source)


def _opening(table: Table, row: int, values: list, workbook: str) -> ParsedDoc:
    r = RowReader(table, row, values, workbook)
    date = r.date("日期", True)
    if table.spec is OPENING_STOCK:
        warehouse, sku = r.text("仓库", True), r.text("商品编码", True)
        qty, cost = r.number("数量", True), r.number("单位成本", True)
        doc_no = f"期初-{date}-{warehouse}-{sku}"
        header = dict(type=DocType.opening_stock, warehouse=warehouse)
        stock = {"item": sku, "qty": qty or Decimal(0), "unit_cost": cost}
    elif table.spec is OPENING_CASH:
        account = r.text("账户", True)
        doc_no = f"期初-{date}-{account}"
        header = dict(type=DocType.opening_cash, account=account, amount=r.number("金额", True))
        lines = ()
    else:
        party = r.text("往来单位", True)
        doc_no = f"期初-{date}-{party}"
        header = dict(type=DocType.opening_balance, party=party, receivable=r.number("应收"),
                      payable=r.number("应付"), due_date=r.date("到期日"))
        lines = ()
    r.problems = [replace(p, doc_no=doc_no) for p in r.problems]
    journal = header["type"].journal
    if r.problems:
        return ParsedDoc(None, [row], r.problems, journal, doc_no, date=date)
    if table.spec is OPENING_STOCK:         # a plain one as integers (domain.packed), else its model
        packed = pack({**header, "doc_no": doc_no, "date": date}, [{**stock, "row": row}], r.source.workbook,
                      r.source.sheet)
        if packed:
            return ParsedDoc(packed, [row], [], journal, doc_no, header_fields=("type", "warehouse", "date"))
        lines = (Line(**stock, source=r.source),)
    doc = Document(doc_no=doc_no, date=date, lines=lines, source=r.source, **header)
    parts = [(row, {**header, "date": date, "source": r.source}, lines[0] if lines else None)]
    return ParsedDoc(doc, [row], [], journal, doc_no, read_parts=parts)
