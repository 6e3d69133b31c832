"""What travels through the door: a request's arguments and its answer as JSON, read back as the
same values — documents and masters (pydantic models), problems, outcomes and results
(dataclasses), Decimals exact, dates, enums, tuples and sets as themselves.

Only the types named here are ever made from what a clerk sends: the poster reads no class a
request names that is not in :data:`TYPES`."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from enum import Enum

from pydantic import BaseModel

from ...domain.model import (Account, AccountKind, CostMethod, Document, DocType, Item, Line, Party, PartyKind, Source,
                             Warehouse)
from ...domain.packed import Packed
from ...domain.problems import Problem
from ...domain.tax import Figures
from ...domain.validate import Masters
from ..engine.approvals import Pending
from ..engine.counts import CountChange
from ..results import Outcome, PostResult
from ..engine.vouchers import Entry, Voucher

TYPES = {cls.__name__: cls for cls in (Account, AccountKind, CostMethod, Document, DocType, Item, Line, Party,
                                       PartyKind, Source, Warehouse, Problem, Figures, Masters, CountChange, Outcome,
                                       PostResult, Entry, Voucher, Pending)}


def dumps(value: object) -> str:
    return json.dumps(dump(value), ensure_ascii=False, separators=(",", ":"))


def dump(value: object) -> object:
    """``value`` as plain JSON values, tagged where JSON alone would lose what it is."""
    if value is None or isinstance(value, (bool, int)) and not isinstance(value, Enum):
        return value
    if isinstance(value, Enum):
        return {"$enum": type(value).__name__, "v": value.value}
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {"$date": value.isoformat()}
    if isinstance(value, Packed):                # a packed document travels as its model
        return dump(value.document())
    if isinstance(value, BaseModel):
        return {"$model": type(value).__name__, "v": value.model_dump(mode="json")}
    if dataclasses.is_dataclass(value):
        return {"$class": type(value).__name__,
                "v": {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}}
    if isinstance(value, tuple):
        return {"$tuple": [dump(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"$set": [dump(v) for v in value]}
    if isinstance(value, list):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {"$dict": [[dump(k), dump(v)] for k, v in value.items()]}
    raise TypeError(f"cannot send a {type(value).__name__}")


def load(value: object) -> object:
    """The value :func:`dump` made ``value`` of (TypeError for anything it would not make)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, list):
        return [load(v) for v in value]
    tags = [key for key in value if key.startswith("$")] if isinstance(value, dict) else []
    if len(tags) != 1 or len(value) > 2:
        raise TypeError("not a value sent through the door")
    tag = tags[0]                   # (jsonb keeps an object's keys in an order of its own)
    if tag == "$dec":
        return Decimal(value[tag])
    if tag == "$date":
        return dt.date.fromisoformat(value[tag])
    if tag == "$tuple":
        return tuple(load(v) for v in value[tag])
    if tag == "$set":
        return {load(v) for v in value[tag]}
    if tag == "$dict":
        return {load(k): load(v) for k, v in value[tag]}
    cls = TYPES.get(value[tag]) if isinstance(value[tag], str) else None
    if cls is None or "v" not in value:
        raise TypeError(f"not a value sent through the door: {tag} {value[tag]!r:.40}")
    if tag == "$enum" and issubclass(cls, Enum):
        return cls(value["v"])
    if tag == "$model" and issubclass(cls, BaseModel):
        return cls.model_validate(value["v"])
    if tag == "$class" and dataclasses.is_dataclass(cls):
        return cls(**{k: load(v) for k, v in value["v"].items()})
    raise TypeError(f"not a value sent through the door: {tag} {value[tag]!r:.40}")
