"""Costing methods: each a module with ``run`` (an opening balance and one item × warehouse's
movements, in ledger order → each movement's signed quantity and value and the running balance,
or the first movement that cannot be costed) and ``replay_start`` (from which movement a
back-dated change must be replayed, given the state the method keeps). Nothing here touches
the database; the ledger picks a method from :data:`METHODS`.
"""
from __future__ import annotations

from types import ModuleType

from ..model import CostMethod
from . import fifo, monthly_average, moving_average
from .base import Costed, CostedUnits, Move, NoCost, Result, Shortage, State, Stored, UnitMove, WideMove

METHODS: dict[CostMethod, ModuleType] = {
    CostMethod.moving_average: moving_average,
    CostMethod.fifo: fifo,
    CostMethod.monthly_average: monthly_average,
}


def run(method: CostMethod, opening: State, moves: list[Move], allow_negative: bool) -> Costed:
    """Cost ``moves`` (one item × warehouse, in ledger order) from ``opening`` by ``method``."""
    return METHODS[method].run(opening, moves, allow_negative)


__all__ = ["METHODS", "Costed", "CostedUnits", "Move", "NoCost", "Result", "Shortage", "State", "Stored",
           "UnitMove", "WideMove", "run"]
