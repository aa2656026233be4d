"""The domain's records: what the CSM enters (Draft), what the engine says (Evaluation),
and what the history keeps (Assessment = draft + evaluation + lifecycle).

They are plain dataclasses, so scoring a situation never pays for pydantic's start-up
(the CLI's `assess` and the TUI's first frame stay fast). Pydantic validates them where data
comes from outside: ``Model.validate(data)`` builds a pydantic ``TypeAdapter`` on first use
(stored documents, config files). ``to_dict()`` is the plain way back; a changed copy is
``dataclasses.replace(record, field=value)`` (which runs the same checks as the constructor).
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from datetime import MAXYEAR, date, datetime, timedelta
from enum import Enum
from typing import Any, ClassVar, Self

from .rubric import (
    CHECKIN_HOURS,
    SCORE_MAX,
    SCORE_MIN,
    Decision,
    Dimension,
    IssueType,
    Signal,
    Strategic,
    WarningCode,
)

SCHEMA_VERSION = 4
JSON_KEY_ORDER = (
    "id", "account", "scores", "total", "score_decision", "decision", "issue_type",
    "route", "warnings", "why", "what_if",
)

# Field names that are not valid Python names in JSON (`from` in a what-if change).
_ALIASES = {"from_": "from"}
_UNALIASES = {v: k for k, v in _ALIASES.items()}


def _dump(value: Any, json_mode: bool) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            _ALIASES.get(f.name, f.name): _dump(getattr(value, f.name), json_mode)
            for f in dataclasses.fields(value)
        }
    if isinstance(value, Enum):
        return value.value if json_mode else value
    if isinstance(value, (date, datetime)):
        return value.isoformat() if json_mode else value
    if isinstance(value, (list, tuple)):
        return [_dump(v, json_mode) for v in value]
    if isinstance(value, dict):
        return {str(k) if json_mode else k: _dump(v, json_mode) for k, v in value.items()}
    return value


def _unalias(value: Any) -> Any:
    if isinstance(value, dict):
        return {_UNALIASES.get(k, k): _unalias(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unalias(v) for v in value]
    return value


class Model:
    """The two helpers the domain dataclasses share: to a dict, and validated from one."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "ignore"}  # read by pydantic
    _adapter: ClassVar[Any] = None

    def to_dict(self, *, json_safe: bool = False) -> dict[str, Any]:
        """The fields as a dict (nested records as dicts; ``from`` for ``from_``, as stored).
        ``json_safe``: enums as their values, dates as ISO strings, keys as strings — what
        ``json.dumps`` takes and the history file keeps."""
        return _dump(self, json_mode=json_safe)

    @classmethod
    def validate(cls, data: Any) -> Self:
        """Outside data (a dict from a file: JSON names, strings for enums and dates),
        validated by pydantic (imported on first use); an instance is returned as is."""
        if isinstance(data, cls):
            return data
        adapter = cls.__dict__.get("_adapter")
        if adapter is None:
            from pydantic import TypeAdapter

            adapter = TypeAdapter(cls)
            cls._adapter = adapter
        return adapter.validate_python(_unalias(data))


def _check_score(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number {SCORE_MIN}-{SCORE_MAX}")
    if not SCORE_MIN <= value <= SCORE_MAX:
        raise ValueError(f"{name} must be {SCORE_MIN}-{SCORE_MAX}, got {value}")


@dataclass(kw_only=True)
class Scores(Model):
    __pydantic_config__ = {"extra": "forbid"}

    customer_impact: int = SCORE_MIN
    account_value: int = SCORE_MIN
    time_sensitivity: int = SCORE_MIN
    csm_capability: int = SCORE_MIN

    def __post_init__(self) -> None:
        for dim in Dimension:
            _check_score(dim.value, getattr(self, dim.value))

    @property
    def total(self) -> int:
        return sum(self[d] for d in Dimension)

    def __getitem__(self, dim: Dimension | str) -> int:
        return getattr(self, str(dim))

    def with_score(self, dim: Dimension, value: int) -> Scores:
        """A copy with one score changed (checked; the others were checked already).
        On every slider key, so a plain copy rather than a full re-validation."""
        name = str(dim)
        _check_score(name, value)
        scores = copy.copy(self)
        setattr(scores, name, value)
        return scores


@dataclass(kw_only=True)
class Rationale(Model):
    """The CSM's "why" per dimension."""

    __pydantic_config__ = {"extra": "forbid"}

    customer_impact: str = ""
    account_value: str = ""
    time_sensitivity: str = ""
    csm_capability: str = ""

    def __getitem__(self, dim: Dimension | str) -> str:
        return getattr(self, str(dim))


@dataclass(kw_only=True)
class Draft(Model):
    """Everything the CSM enters. Scores start at 1, type at product defect."""

    account: str = ""
    arr: float | None = None
    strategic: Strategic | None = None
    scores: Scores = field(default_factory=Scores)
    rationale: Rationale = field(default_factory=Rationale)
    issue_type: IssueType = IssueType.PRODUCT_DEFECT
    signals: list[Signal] = field(default_factory=list)
    manager_surprised: bool = False
    open_since: date | None = None
    situation: str = ""
    ask: str = ""
    by: date | None = None
    comms: str = ""

    def __post_init__(self) -> None:
        self.issue_type = IssueType(self.issue_type)
        if self.strategic is not None:
            self.strategic = Strategic(self.strategic)
        if self.arr is not None and not self.arr >= 0:
            raise ValueError("arr must be 0 or more")
        chosen = {Signal(s) for s in self.signals}
        self.signals = [s for s in Signal if s in chosen]  # canonical order, no duplicates


@dataclass(kw_only=True)
class WarningItem(Model):
    code: WarningCode
    message: str


@dataclass(kw_only=True)
class Route(Model):
    """Who to route to: ``to`` a sentence, ``teams`` the same as a list of names,
    ``when`` the seed's "When" text for the issue type."""

    to: str
    when: str
    teams: list[str]


@dataclass(kw_only=True)
class Change(Model):
    dimension: Dimension
    from_: int
    to: int


@dataclass(kw_only=True)
class WhatIf(Model):
    decision: Decision
    changes: list[Change]
    text: str


@dataclass(kw_only=True)
class WhatIfs(Model):
    up: WhatIf | None = None
    down: WhatIf | None = None


@dataclass(kw_only=True)
class Why(Model):
    drivers: list[Dimension]
    text: str


@dataclass(kw_only=True)
class Evaluation(Model):
    total: int
    score_decision: Decision
    decision: Decision
    raised_by_manager_surprise: bool = False
    route: Route | None = None
    warnings: list[WarningItem] = field(default_factory=list)
    why: Why
    what_if: WhatIfs
    business_days_open: int | None = None
    assessed_on: date
    # A deadline the app may offer for "by when"; never counts as one until the CSM
    # accepts it (then it is the draft's ``by``).
    suggested_by: date | None = None

    @property
    def warning_codes(self) -> list[WarningCode]:
        return [w.code for w in self.warnings]


@dataclass(kw_only=True)
class Assessment(Draft, Evaluation):
    """One saved assessment: the draft, the engine's verdict at the time, its lifecycle."""

    schema_version: int = SCHEMA_VERSION
    id: int | None = None
    created_at: datetime
    resolved_at: datetime | None = None
    satisfaction: int | None = None
    resolution_note: str = ""
    checkin_done_at: datetime | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.satisfaction is not None and not 1 <= self.satisfaction <= 5:
            raise ValueError("satisfaction must be 1-5")

    @property
    def status(self) -> str:
        return "resolved" if self.resolved_at is not None else "open"

    @property
    def checkin_due_at(self) -> datetime | None:
        """When the post-escalation check-in is due (resolved escalations only)."""
        if self.resolved_at is None or not self.decision.escalates:
            return None
        try:
            return self.resolved_at + timedelta(hours=CHECKIN_HOURS)
        except OverflowError:  # resolved at the calendar's very end (a stored 9999-12-31)
            return self.resolved_at.replace(year=MAXYEAR, month=12, day=31, hour=23,
                                            minute=59, second=59)

    def followup_pending(self) -> bool:
        return self.checkin_due_at is not None and self.checkin_done_at is None

    def followup_overdue(self, now: datetime) -> bool:
        due = self.checkin_due_at
        return self.followup_pending() and due is not None and now > due

    @classmethod
    def from_parts(cls, draft: Draft, evaluation: Evaluation, **extra: Any) -> Assessment:
        parts = {f.name: getattr(draft, f.name) for f in dataclasses.fields(Draft)}
        parts |= {f.name: getattr(evaluation, f.name) for f in dataclasses.fields(Evaluation)}
        return cls(**parts, **extra)

    def draft(self) -> Draft:
        names = {f.name for f in dataclasses.fields(Draft)}
        return Draft(**{n: getattr(self, n) for n in names})

    def evaluation(self) -> Evaluation:
        names = {f.name for f in dataclasses.fields(Evaluation)}
        return Evaluation(**{n: getattr(self, n) for n in names})

    def to_json(self) -> dict[str, Any]:
        """The CLI's --json object."""
        data = self.to_dict(json_safe=True)
        if data["id"] is None:
            del data["id"]
        data["status"] = self.status
        due = self.checkin_due_at
        data["checkin_due_at"] = due.isoformat() if due else None
        first = [k for k in JSON_KEY_ORDER if k in data]
        return {**{k: data[k] for k in first}, **data}
