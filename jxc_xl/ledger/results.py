"""What the ledger answers a post or a question about its history with."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.model import Source
from ..domain.problems import Problem


@dataclass(frozen=True)
class Outcome:
    """What became of one document: posted, already (posted before, unchanged) or error; with
    过账需审核, waiting (for 审核) or rejected (驳回), and then ``pending`` is its submitted version."""

    doc_no: str
    journal: str
    status: str
    problems: tuple[Problem, ...] = ()
    source: Source = Source()
    # a posted document's 增值税 figures by line number, as the ledger now holds them (its lines
    # with tax only; in its units, Figures.units' order): what 过账 writes back into the rows,
    # without asking the ledger again
    figures: dict[int, tuple] = field(default_factory=dict, compare=False)
    pending: object = field(default=None, compare=False)        # approvals.Pending


@dataclass
class PostResult:
    batch: int | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    count_changes: list = field(default_factory=list)     # posted counts whose difference this post changed

    def _with(self, status: str) -> list[str]:
        return [o.doc_no for o in self.outcomes if o.status == status]

    @property
    def posted(self) -> list[str]:
        return self._with("posted")

    @property
    def already(self) -> list[str]:
        return self._with("already")

    @property
    def waiting(self) -> list[str]:
        """Documents kept for 审核 (submitted now or before, unchanged), not posted."""
        return self._with("waiting")

    @property
    def rejected(self) -> list[str]:
        return self._with("rejected")

    @property
    def problems(self) -> list[Problem]:
        return [p for o in self.outcomes for p in o.problems]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class AuditRow:
    """One entry of the audit log: who did what to the books, when, from where."""

    at: str
    user: str
    action: str
    detail: str
    workbook: str
    machine: str
