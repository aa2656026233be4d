"""The user-tunable parts of the rules (read from config.toml by ``triage_tui.config``).

A plain dataclass like the other domain records; ``Settings.validate(toml_data)``
validates a config file with pydantic (unknown keys are rejected)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .clock import (
    DEFAULT_ACK_HOURS,
    DEFAULT_STALL_DAYS,
    DEFAULT_UPDATE_BUSINESS_DAYS,
    STALL_IN_BUSINESS_DAYS,
)
from .models import Model
from .rubric import (
    CHECKIN_HOURS,
    DEFAULT_ARR_HIGH,
    DEFAULT_ARR_LOW,
    DEFAULT_CURRENCY,
    DEFAULT_LATE_THRESHOLD_DAYS,
    ISSUE_TYPES,
    Decision,
    IssueType,
    Team,
)


@dataclass(kw_only=True, frozen=True)
class ArrBands(Model):
    """The account-value helper: below ``low`` scores 1, above ``high`` scores 5."""

    __pydantic_config__ = {"extra": "forbid"}

    low: float = DEFAULT_ARR_LOW
    high: float = DEFAULT_ARR_HIGH

    def __post_init__(self) -> None:
        if not self.low > 0:
            raise ValueError("low: must be greater than 0")
        if not self.high > self.low:
            raise ValueError("high: must be greater than low")


@dataclass(kw_only=True, frozen=True)
class Settings(Model):
    """Everything config.toml may change."""

    __pydantic_config__ = {"extra": "forbid"}

    currency: str = DEFAULT_CURRENCY
    arr_bands: ArrBands = field(default_factory=ArrBands)
    # Team names per issue type, replacing the seed's route names ("A + B": two teams).
    routes: dict[IssueType, str] = field(default_factory=dict)
    # Business days an issue may stay open before `escalating-late`, per band.
    late_thresholds: dict[Decision, int] = field(default_factory=dict)
    # A custom brief template (Jinja2, markdown).
    template: Path | None = None
    # Add the warnings to the brief as a last section (off: the brief keeps the seed's format).
    brief_warnings: bool = False
    # The escalation's clocks (defaults in domain/clock.py): hours for the routed team to
    # acknowledge, per issue type; business days between customer updates and days without
    # progress before "stalled", per escalating decision; hours to the post-escalation
    # check-in.
    ack_hours: dict[IssueType, int] = field(default_factory=dict)
    update_days: dict[Decision, int] = field(default_factory=dict)
    stall_days: dict[Decision, int] = field(default_factory=dict)
    checkin_hours: int = CHECKIN_HOURS
    # A custom customer-update template (Jinja2, markdown).
    update_template: Path | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.currency.strip()) <= 12:
            raise ValueError("currency: must be 1-12 characters")
        for decision, days in self.late_thresholds.items():
            if days < 0:
                raise ValueError(f"late_thresholds.{decision}: must be 0 or more")
        for issue_type, team in self.routes.items():
            if not any(name.strip() for name in team.split("+")):
                raise ValueError(f"routes.{issue_type}: must name a team")
        for issue_type, hours in self.ack_hours.items():
            if hours < 1:
                raise ValueError(f"ack_hours.{issue_type}: must be 1 or more")
        for name, table in (("update_days", self.update_days), ("stall_days", self.stall_days)):
            for decision, days in table.items():
                if not Decision(decision).escalates:
                    raise ValueError(f"{name}.{decision}: only escalating decisions have one")
                if days < 1:
                    raise ValueError(f"{name}.{decision}: must be 1 or more")
        if self.checkin_hours < 1:
            raise ValueError("checkin_hours: must be 1 or more")

    def route_to(self, issue_type: IssueType) -> str:
        return self.routes.get(issue_type) or ISSUE_TYPES[issue_type].route_to

    def type_teams(self, issue_type: IssueType) -> tuple[Team, ...]:
        """The issue type's own team(s): the configured name, else the seed's."""
        configured = self.routes.get(issue_type)
        if not configured:
            return ISSUE_TYPES[issue_type].teams
        names = [name.strip() for name in configured.split("+") if name.strip()]
        return tuple(Team(name, name) for name in names)

    def late_threshold(self, decision: Decision) -> int:
        return self.late_thresholds.get(decision, DEFAULT_LATE_THRESHOLD_DAYS)

    def ack_hours_for(self, issue_type: IssueType) -> int:
        return self.ack_hours.get(issue_type, DEFAULT_ACK_HOURS[issue_type])

    def update_days_for(self, decision: Decision) -> int | None:
        """Business days between customer updates (None: handle it yourself, no cadence)."""
        if not decision.escalates:
            return None
        return self.update_days.get(decision, DEFAULT_UPDATE_BUSINESS_DAYS[decision])

    def stall_after(self, decision: Decision) -> tuple[int, bool] | None:
        """(days without progress before "stalled", counted in business days?)."""
        if not decision.escalates:
            return None
        days = self.stall_days.get(decision, DEFAULT_STALL_DAYS[decision])
        return days, decision in STALL_IN_BUSINESS_DAYS

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
