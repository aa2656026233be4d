"""Time for the escalation's clocks: their defaults (data, from the method and its router),
"now" (``TRIAGE_NOW`` is read by the caller and passed in: the domain reads no environment),
and the few calendar conversions the clocks need.

Business days come from :mod:`triage_tui.domain.engine` (``add_business_days``,
``business_days_between``); nothing here counts them again.

Dates versus instants: a clock counted in hours (acknowledgement, check-in, a stall counted
in calendar days) ends at an instant; a clock counted in business days (customer update,
a stall at *escalate for support*, escalating late) ends with a calendar *day* in the
user's time zone — the time zone of the ``now`` the caller passes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo

from .rubric import Decision, IssueType

# How long the routed team has to acknowledge, in hours, per issue type (the router's
# defaults; `[ack_hours]` in config.toml changes each).
DEFAULT_ACK_HOURS: dict[IssueType, int] = {
    IssueType.PRODUCT_DEFECT: 4,
    IssueType.FEATURE_GAP: 48,
    IssueType.SERVICE_FAILURE: 4,
    IssueType.COMMERCIAL_DISPUTE: 48,
    IssueType.RELATIONSHIP_RISK: 24,
    IssueType.EXECUTIVE_INTERVENTION: 8,  # same working day
    IssueType.CROSS_FUNCTIONAL: 24,
}
# The next customer update is due this many business days after the last one (or after
# escalating), per decision (`[update_days]`). "Communicate proactively, even when there's
# no update … and here's when I'll have the next update."
DEFAULT_UPDATE_BUSINESS_DAYS: dict[Decision, int] = {
    Decision.ESCALATE_FOR_SUPPORT: 3,
    Decision.ESCALATE_WITH_URGENCY: 2,
    Decision.ESCALATE_IMMEDIATELY: 1,
}
# Stalled: this long without progress (ack, customer update, note, re-score), per decision
# (`[stall_days]`). Counted in calendar days, except for the decisions below, counted in
# business days.
DEFAULT_STALL_DAYS: dict[Decision, int] = {
    Decision.ESCALATE_FOR_SUPPORT: 5,
    Decision.ESCALATE_WITH_URGENCY: 2,
    Decision.ESCALATE_IMMEDIATELY: 2,
}
STALL_IN_BUSINESS_DAYS: frozenset[Decision] = frozenset({Decision.ESCALATE_FOR_SUPPORT})


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time (or date: midnight) as an aware datetime in the local time
    zone; without an offset it is local time. Raises ValueError with a one-line message."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValueError(
            f"not an ISO 8601 date-time (e.g. 2026-01-05T09:30+01:00): {text!r}"
        ) from None
    return moment.astimezone()  # naive: taken as local time; aware: converted to local


def current_time(override: str | None = None) -> datetime:
    """Now, as an aware local datetime; ``override`` (the caller's ``TRIAGE_NOW``) wins."""
    if override:
        return parse_instant(override)
    return datetime.now().astimezone()


def to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a time on the timeline must carry its time zone")
    return moment.astimezone(timezone.utc)


def day_of(moment: datetime, tz: tzinfo | None) -> date:
    """The calendar day of ``moment`` in the time zone ``tz``."""
    return moment.astimezone(tz).date()


def start_of(day: date, tz: tzinfo | None) -> datetime:
    """The instant ``day`` begins in ``tz``."""
    return datetime.combine(day, time(0), tzinfo=tz or timezone.utc)


def end_of(day: date, tz: tzinfo | None) -> datetime:
    """The instant a clock due on ``day`` is overdue: the start of the next day."""
    return start_of(day + timedelta(days=1), tz)
