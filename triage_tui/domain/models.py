"""Pydantic models: what the CSM enters (Draft), what the engine says (Evaluation),
and what the history keeps (Assessment = draft + evaluation + lifecycle)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

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

SCHEMA_VERSION = 2
JSON_KEY_ORDER = (
    "id", "account", "scores", "total", "score_decision", "decision", "issue_type",
    "route", "warnings", "why", "what_if",
)

Score = int


class Scores(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_impact: int = Field(SCORE_MIN, ge=SCORE_MIN, le=SCORE_MAX)
    account_value: int = Field(SCORE_MIN, ge=SCORE_MIN, le=SCORE_MAX)
    time_sensitivity: int = Field(SCORE_MIN, ge=SCORE_MIN, le=SCORE_MAX)
    csm_capability: int = Field(SCORE_MIN, ge=SCORE_MIN, le=SCORE_MAX)

    @property
    def total(self) -> int:
        return sum(self[d] for d in Dimension)

    def __getitem__(self, dim: Dimension | str) -> int:
        return getattr(self, str(dim))

    def with_score(self, dim: Dimension, value: int) -> Scores:
        return self.model_copy(update={str(dim): value})


class Rationale(BaseModel):
    """The CSM's "why" per dimension."""

    model_config = ConfigDict(extra="forbid")

    customer_impact: str = ""
    account_value: str = ""
    time_sensitivity: str = ""
    csm_capability: str = ""

    def __getitem__(self, dim: Dimension | str) -> str:
        return getattr(self, str(dim))


class Draft(BaseModel):
    """Everything the CSM enters. Scores start at 1, type at product defect."""

    model_config = ConfigDict(extra="ignore")

    account: str = ""
    arr: float | None = Field(None, ge=0)
    strategic: Strategic | None = None
    scores: Scores = Scores()
    rationale: Rationale = Rationale()
    issue_type: IssueType = IssueType.PRODUCT_DEFECT
    signals: list[Signal] = Field(default_factory=list)
    manager_surprised: bool = False
    open_since: date | None = None
    situation: str = ""
    ask: str = ""
    by: date | None = None
    comms: str = ""

    @field_validator("signals")
    @classmethod
    def _unique_signals(cls, value: list[Signal]) -> list[Signal]:
        return [s for s in Signal if s in value]  # canonical order, no duplicates


class WarningItem(BaseModel):
    code: WarningCode
    message: str


class Route(BaseModel):
    to: str
    when: str


class Change(BaseModel):
    dimension: Dimension
    from_: int = Field(alias="from")
    to: int

    model_config = ConfigDict(populate_by_name=True)


class WhatIf(BaseModel):
    decision: Decision
    changes: list[Change]
    text: str


class WhatIfs(BaseModel):
    up: WhatIf | None = None
    down: WhatIf | None = None


class Why(BaseModel):
    drivers: list[Dimension]
    text: str


class Evaluation(BaseModel):
    total: int
    score_decision: Decision
    decision: Decision
    raised_by_manager_surprise: bool = False
    route: Route | None = None
    warnings: list[WarningItem] = Field(default_factory=list)
    why: Why
    what_if: WhatIfs
    business_days_open: int | None = None
    assessed_on: date

    @property
    def warning_codes(self) -> list[WarningCode]:
        return [w.code for w in self.warnings]


class Assessment(Draft, Evaluation):
    """One saved assessment: the draft, the engine's verdict at the time, its lifecycle."""

    schema_version: int = SCHEMA_VERSION
    id: int | None = None
    created_at: datetime
    resolved_at: datetime | None = None
    satisfaction: int | None = Field(None, ge=1, le=5)
    resolution_note: str = ""
    checkin_done_at: datetime | None = None

    @property
    def status(self) -> str:
        if self.resolved_at is not None:
            return "resolved"
        return "open"

    @property
    def checkin_due_at(self) -> datetime | None:
        """When the post-escalation check-in is due (resolved escalations only)."""
        if self.resolved_at is None or not self.decision.escalates:
            return None
        return self.resolved_at + timedelta(hours=CHECKIN_HOURS)

    def followup_pending(self) -> bool:
        return self.checkin_due_at is not None and self.checkin_done_at is None

    def followup_overdue(self, now: datetime) -> bool:
        due = self.checkin_due_at
        return self.followup_pending() and due is not None and now > due

    def draft(self) -> Draft:
        return Draft.model_validate(self.model_dump(include=set(Draft.model_fields)))

    def evaluation(self) -> Evaluation:
        return Evaluation.model_validate(self.model_dump(include=set(Evaluation.model_fields)))

    def to_json(self) -> dict[str, Any]:
        """The CLI's --json object (also what the store keeps)."""
        data = self.model_dump(mode="json", by_alias=True)
        if data["id"] is None:
            del data["id"]
        data["status"] = self.status
        due = self.checkin_due_at
        data["checkin_due_at"] = due.isoformat() if due else None
        first = [k for k in JSON_KEY_ORDER if k in data]
        return {**{k: data[k] for k in first}, **data}
