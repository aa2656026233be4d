"""The user-tunable parts of the rules (read from config.toml by ``triage_tui.config``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .rubric import (
    DEFAULT_ARR_HIGH,
    DEFAULT_ARR_LOW,
    DEFAULT_CURRENCY,
    DEFAULT_LATE_THRESHOLD_DAYS,
    ISSUE_TYPES,
    Decision,
    IssueType,
)


class ArrBands(BaseModel):
    model_config = ConfigDict(extra="forbid")

    low: float = Field(DEFAULT_ARR_LOW, gt=0, description="below this ARR: account value 1")
    high: float = Field(DEFAULT_ARR_HIGH, gt=0, description="above this ARR: account value 5")

    @model_validator(mode="after")
    def _ordered(self) -> ArrBands:
        if self.high <= self.low:
            raise ValueError("high must be greater than low")
        return self


class Settings(BaseModel):
    """Everything config.toml may change. Unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")

    currency: str = Field(DEFAULT_CURRENCY, min_length=1, max_length=12)
    arr_bands: ArrBands = ArrBands()
    # Team names per issue type, replacing the seed's route names.
    routes: dict[IssueType, str] = Field(default_factory=dict)
    # Business days an issue may stay open before `escalating-late`, per band.
    late_thresholds: dict[Decision, int] = Field(default_factory=dict)
    # A custom brief template (Jinja2, markdown).
    template: Path | None = None

    @model_validator(mode="after")
    def _check(self) -> Settings:
        for decision, days in self.late_thresholds.items():
            if days < 0:
                raise ValueError(f"late_thresholds.{decision}: must be 0 or more")
        for issue_type, team in self.routes.items():
            if not team.strip():
                raise ValueError(f"routes.{issue_type}: must not be empty")
        return self

    def route_to(self, issue_type: IssueType) -> str:
        return self.routes.get(issue_type) or ISSUE_TYPES[issue_type].route_to

    def late_threshold(self, decision: Decision) -> int:
        return self.late_thresholds.get(decision, DEFAULT_LATE_THRESHOLD_DAYS)

    def money(self, amount: float) -> str:
        """Short money label: 10000 → '10k', 1500000 → '1.5M'."""
        for size, suffix in ((1_000_000, "M"), (1_000, "k")):
            if amount >= size:
                return f"{amount / size:g}{suffix}"
        return f"{amount:g}"

    def rubric_fmt(self) -> dict[str, str]:
        return {
            "cur": self.currency,
            "low": self.money(self.arr_bands.low),
            "high": self.money(self.arr_bands.high),
        }


DEFAULT_SETTINGS = Settings()
