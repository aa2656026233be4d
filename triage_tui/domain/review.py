"""The monthly pattern review (background seed, "Document and review"): pure computation.

``build_review(assessments, now, period_days)`` → :class:`Review`, used by ``triage stats``
and the TUI's review screen. It takes validated :class:`Assessment` objects or anything
with the fields it reads (:class:`Reviewed`): for a large history, the read model's light
rows built from the stored JSON documents without pydantic
(``triage_tui.readmodel.load_review_rows(store, since)``: the period's records and the
pending follow-ups only; at 10 000 assessments the 90-day review reads in about 50 ms what
``store.all()`` validated in about 1 s, and gives the same review). It answers the seed's questions: what gets escalated (counts
by decision and issue type), which accounts escalate repeatedly, how long CSMs wait
before escalating, whether resolution times are growing quarter over quarter, how
satisfied customers were, which post-escalation check-ins are due, and a calibration
table (for resolved escalations: satisfaction and time to resolve per decision band).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from statistics import mean, median
from typing import Any, Iterable, Literal, Mapping, Protocol, Sequence

from .clock import start_of
from .escalation import (
    WORKING,
    Escalation,
    EventKind,
    Status,
    replay,
    stall_moment,
    update_due_on,
)
from .models import Model
from .rubric import (
    BAND_BY_DECISION,
    ISSUE_TYPES,
    REPEAT_MIN_ESCALATIONS,
    REPEAT_WINDOW_DAYS,
    Decision,
    IssueType,
    WarningCode,
)
from .settings import DEFAULT_SETTINGS, Settings

TREND_TOLERANCE = 0.10  # a change under 10 % between quarters is "steady"


@dataclass(kw_only=True)
class Count(Model):
    key: str
    label: str
    count: int


@dataclass(kw_only=True)
class RepeatAccount(Model):
    account: str
    escalations: int  # in the period
    most_in_window: int  # most escalations within any REPEAT_WINDOW_DAYS
    first_at: datetime
    last_at: datetime


@dataclass(kw_only=True)
class TimeToEscalate(Model):
    """Business days the issue was open when it was escalated."""

    measured: int
    average_days: float | None
    median_days: float | None
    max_days: int | None
    late: int  # escalations flagged escalating-late


@dataclass(kw_only=True)
class QuarterResolve(Model):
    quarter: str  # "2026-Q3", by the date of resolution
    resolved: int
    average_days: float
    median_days: float


@dataclass(kw_only=True)
class Satisfaction(Model):
    rated: int
    average: float | None
    distribution: dict[int, int]  # 1..5 → count


@dataclass(kw_only=True)
class Followup(Model):
    id: int | None
    account: str
    decision: Decision
    resolved_at: datetime
    due_at: datetime
    overdue: bool


@dataclass(kw_only=True)
class CalibrationRow(Model):
    decision: Decision
    label: str
    resolved: int
    average_satisfaction: float | None
    average_days_to_resolve: float | None


@dataclass(kw_only=True)
class Review(Model):
    generated_at: datetime
    period_days: int | None
    since: datetime | None
    assessments: int
    escalations: int
    open: int
    resolved: int
    by_decision: list[Count]
    by_issue_type: list[Count]
    repeat_window_days: int = REPEAT_WINDOW_DAYS
    repeat_accounts: list[RepeatAccount]
    time_to_escalate: TimeToEscalate
    time_to_resolve: list[QuarterResolve]
    resolve_trend: Literal["growing", "shrinking", "steady"] | None
    satisfaction: Satisfaction
    followups: list[Followup]
    followups_overdue: int
    calibration: list[CalibrationRow]


class Reviewed(Protocol):
    """What the review reads of one assessment (an :class:`Assessment`, or a read-model row
    with the same names)."""

    id: int | None
    account: str
    created_at: datetime
    decision: Decision
    issue_type: IssueType
    business_days_open: int | None
    resolved_at: datetime | None
    satisfaction: int | None

    @property
    def warning_codes(self) -> Sequence[WarningCode]: ...

    @property
    def checkin_due_at(self) -> datetime | None: ...

    def followup_pending(self) -> bool: ...

    def followup_overdue(self, now: datetime) -> bool: ...


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86_400


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def quarter(moment: datetime) -> str:
    moment = _utc(moment).astimezone(timezone.utc)
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _most_in_window(times: list[datetime], window: timedelta) -> int:
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


def _trend(quarters: list[QuarterResolve]) -> Literal["growing", "shrinking", "steady"] | None:
    if len(quarters) < 2:
        return None
    previous, last = quarters[-2].average_days, quarters[-1].average_days
    if last > previous * (1 + TREND_TOLERANCE):
        return "growing"
    if last < previous * (1 - TREND_TOLERANCE):
        return "shrinking"
    return "steady"


def build_review(
    assessments: Iterable[Reviewed], now: datetime, period_days: int | None = None
) -> Review:
    """The review of the assessments created in the last ``period_days`` (None: all).

    Follow-ups are always the current ones, whatever the period."""
    now = _utc(now)
    everything = list(assessments)
    since = now - timedelta(days=period_days) if period_days is not None else None
    items = [a for a in everything if since is None or _utc(a.created_at) >= since]
    escalations = [a for a in items if a.decision.escalates]
    resolved = [a for a in items if a.resolved_at is not None]

    by_decision = defaultdict(int, {d: 0 for d in Decision})
    by_type = defaultdict(int, {t: 0 for t in IssueType})
    for a in items:
        by_decision[a.decision] += 1
        by_type[a.issue_type] += 1

    # Accounts escalating repeatedly (names compared case-insensitively).
    per_account: dict[str, list[Reviewed]] = defaultdict(list)
    for a in escalations:
        per_account[" ".join(a.account.casefold().split())].append(a)
    window = timedelta(days=REPEAT_WINDOW_DAYS)
    repeats = []
    for group in per_account.values():
        group.sort(key=lambda a: _utc(a.created_at))
        times = [_utc(a.created_at) for a in group]
        most = _most_in_window(times, window)
        if most >= REPEAT_MIN_ESCALATIONS:
            repeats.append(RepeatAccount(
                account=group[-1].account, escalations=len(group), most_in_window=most,
                first_at=times[0], last_at=times[-1],
            ))
    repeats.sort(key=lambda r: (-r.most_in_window, -r.escalations, r.account.casefold()))

    open_days = [a.business_days_open for a in escalations if a.business_days_open is not None]
    time_to_escalate = TimeToEscalate(
        measured=len(open_days),
        average_days=_round(mean(open_days)) if open_days else None,
        median_days=_round(median(open_days)) if open_days else None,
        max_days=max(open_days) if open_days else None,
        late=sum(WarningCode.ESCALATING_LATE in a.warning_codes for a in escalations),
    )

    per_quarter: dict[str, list[float]] = defaultdict(list)
    for a in escalations:
        if a.resolved_at is not None:
            per_quarter[quarter(a.resolved_at)].append(
                max(0.0, _days(_utc(a.resolved_at) - _utc(a.created_at)))
            )
    quarters = [
        QuarterResolve(quarter=q, resolved=len(v), average_days=round(mean(v), 1),
                       median_days=round(median(v), 1))
        for q, v in sorted(per_quarter.items())
    ]

    ratings = [a.satisfaction for a in resolved if a.satisfaction is not None]
    satisfaction = Satisfaction(
        rated=len(ratings),
        average=_round(mean(ratings)) if ratings else None,
        distribution={n: ratings.count(n) for n in range(1, 6)},
    )

    followups = sorted(
        (
            Followup(id=a.id, account=a.account, decision=a.decision, resolved_at=a.resolved_at,
                     due_at=a.checkin_due_at, overdue=a.followup_overdue(now))
            for a in everything
            if a.followup_pending() and a.resolved_at and a.checkin_due_at
        ),
        key=lambda f: (f.due_at, f.id or 0),
    )

    calibration = []
    for decision in Decision:
        if not decision.escalates:
            continue
        done = [a for a in escalations if a.decision is decision and a.resolved_at is not None]
        rated = [a.satisfaction for a in done if a.satisfaction is not None]
        durations = [_days(_utc(a.resolved_at) - _utc(a.created_at)) for a in done
                     if a.resolved_at is not None]
        calibration.append(CalibrationRow(
            decision=decision, label=BAND_BY_DECISION[decision].label, resolved=len(done),
            average_satisfaction=_round(mean(rated)) if rated else None,
            average_days_to_resolve=_round(max(0.0, mean(durations))) if durations else None,
        ))

    return Review(
        generated_at=now,
        period_days=period_days,
        since=since,
        assessments=len(items),
        escalations=len(escalations),
        open=sum(a.resolved_at is None for a in items),
        resolved=len(resolved),
        by_decision=[Count(key=d.value, label=BAND_BY_DECISION[d].label, count=by_decision[d])
                     for d in Decision],
        by_issue_type=[Count(key=t.value, label=ISSUE_TYPES[t].label, count=by_type[t])
                       for t in IssueType],
        repeat_accounts=repeats,
        time_to_escalate=time_to_escalate,
        time_to_resolve=quarters,
        resolve_trend=_trend(quarters),
        satisfaction=satisfaction,
        followups=followups,
        followups_overdue=sum(f.overdue for f in followups),
        calibration=calibration,
    )


# --- escalations that live: what the timeline adds to the review ---------------------
# Counted per escalation (one per saved assessment, however often it was re-scored),
# over the escalations created in the period that were ever escalated.


@dataclass(kw_only=True)
class RouteAck(Model):
    """Time for the routed team to acknowledge, per issue type (its route)."""

    issue_type: IssueType
    route: str
    acknowledged: int
    median_hours: float | None
    late: int  # acknowledged after its clock ran out


@dataclass(kw_only=True)
class EscalationReview(Model):
    generated_at: datetime
    period_days: int | None
    escalations: int  # ever escalated; a re-score never counts twice
    ack_by_route: list[RouteAck]
    updates: int  # customer updates logged while escalated
    updates_on_time: int  # … on or before the day they were due
    updates_missed: int  # updates overdue now
    updates_on_time_pct: float | None  # on time / (logged + overdue now)
    stalled: int  # escalations that stalled at least once (or are stalled now)
    stall_rate_pct: float | None
    de_escalations: int  # moves back to the CSM (by hand or by a re-score down)
    rescores_up: int  # by total
    rescores_down: int
    rescores_steady: int
    escalated_later: int  # opened as handle-it-yourself, escalated afterwards
    median_days_to_escalate: float | None  # from opened (open_since if given) to escalated
    median_days_to_resolve: float | None  # from escalated to resolved
    satisfaction_rated: int
    satisfaction_average: float | None


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# Bump when what :func:`escalation_facts` computes changes: facts cached outside the history
# (keyed by this, the time zone and the settings) are then computed afresh.
FACTS_VERSION = 1


@dataclass
class _Walk:
    """What one replay of a timeline gives (see :func:`_walk`)."""

    acks: list[tuple[IssueType, float]]  # (issue type then, hours) per acknowledgement
    updates: int = 0  # customer updates logged while escalated
    on_time: int = 0  # … on or before the day they were due
    stalled: bool = False  # an event came after the escalation had stalled
    de_escalations: int = 0  # moves back to the CSM (by hand or by a re-score down)
    up: int = 0  # re-scores, by total
    down: int = 0
    steady: int = 0


def _walk(esc: Escalation, tz: tzinfo | None, settings: Settings) -> _Walk:
    """Replay an escalation's timeline once, counting what the reviews need (days in ``tz``)."""
    walk = _Walk(acks=[])
    for before, event, after in replay(esc.events):
        if before is None:
            continue
        if before.status in WORKING:
            stall = stall_moment(before, tz, settings)
            walk.stalled |= stall is not None and event.at >= stall[0]
        if event.kind is EventKind.ACKNOWLEDGED and before.ack_from is not None:
            walk.acks.append((before.verdict.issue_type,
                              (event.at - before.ack_from).total_seconds() / 3600))
        elif event.kind is EventKind.UPDATE and before.status in WORKING:
            due = update_due_on(before, tz, settings)
            walk.updates += 1
            walk.on_time += due is None or event.at.astimezone(tz).date() <= due
        elif event.kind is EventKind.RESCORED:
            delta = after.verdict.total - before.verdict.total
            walk.up += delta > 0
            walk.down += delta < 0
            walk.steady += delta == 0
        if after.status is Status.DE_ESCALATED and before.status is not Status.DE_ESCALATED:
            walk.de_escalations += 1
    return walk


def escalation_facts(esc: Escalation, tz: tzinfo | None, settings: Settings = DEFAULT_SETTINGS
                     ) -> dict[str, Any]:
    """What :func:`build_escalation_review` needs of one escalation, as JSON: everything its
    timeline says (days counted in ``tz``, the review's time zone) that does not depend on
    "now", so it can be computed once per timeline and kept (see
    :func:`escalation_review_from_facts`)."""
    walk = _walk(esc, tz, settings)
    state = esc.state
    stall = stall_moment(state, tz, settings)
    update_due = update_due_on(state, tz, settings)
    escalated_at = state.escalated_at or state.created_at
    opened = start_of(state.open_since, tz) if state.open_since else state.created_at
    resolved = state.resolved_at
    return {
        "created_at": state.created_at.isoformat(),
        "escalated": state.escalated_at is not None,
        "acks": [[issue_type.value, hours] for issue_type, hours in walk.acks],
        "updates": walk.updates,
        "updates_on_time": walk.on_time,
        "stalled": walk.stalled,
        "stall_at": stall[0].isoformat() if stall else None,
        "update_due": update_due.isoformat() if update_due else None,
        "de_escalations": walk.de_escalations,
        "rescores": [walk.up, walk.down, walk.steady],
        "escalated_later": escalated_at > state.created_at,
        "days_to_escalate": max(0.0, _days(escalated_at - opened)),
        "days_to_resolve": None if resolved is None else max(0.0, _days(resolved - escalated_at)),
        "satisfaction": None if resolved is None else state.satisfaction,
    }


def build_escalation_review(
    escalations: Iterable[Escalation], now: datetime,
    settings: Settings = DEFAULT_SETTINGS, period_days: int | None = None,
) -> EscalationReview:
    """The timeline's figures for the escalations created in the last ``period_days``."""
    now = _utc(now)
    since = now - timedelta(days=period_days) if period_days is not None else None
    chosen = (e for e in escalations if e.state.escalated_at is not None
              and (since is None or e.state.created_at >= since))
    return escalation_review_from_facts(
        (escalation_facts(e, now.tzinfo, settings) for e in chosen), now, settings, period_days)


def escalation_review_from_facts(
    facts: Iterable[Mapping[str, Any]], now: datetime,
    settings: Settings = DEFAULT_SETTINGS, period_days: int | None = None,
) -> EscalationReview:
    """:func:`build_escalation_review` from each escalation's :func:`escalation_facts`
    (computed in ``now``'s time zone with the same settings)."""
    now = _utc(now)
    since = now - timedelta(days=period_days) if period_days is not None else None
    chosen = [f for f in facts if f["escalated"]
              and (since is None or datetime.fromisoformat(f["created_at"]) >= since)]

    ack_hours: dict[IssueType, list[float]] = defaultdict(list)
    ack_late: dict[IssueType, int] = defaultdict(int)
    updates = on_time = missed = stalled = de_escalations = 0
    up = down = steady = later = 0
    to_escalate: list[float] = []
    to_resolve: list[float] = []
    ratings: list[int] = []
    today = now.date()
    for f in chosen:
        for type_slug, hours in f["acks"]:
            issue_type = IssueType(type_slug)
            ack_hours[issue_type].append(hours)
            ack_late[issue_type] += hours > settings.ack_hours_for(issue_type)
        updates += f["updates"]
        on_time += f["updates_on_time"]
        stall_at = f["stall_at"]
        stalled += f["stalled"] or (stall_at is not None
                                    and now >= datetime.fromisoformat(stall_at))
        update_due = f["update_due"]
        missed += update_due is not None and today > date.fromisoformat(update_due)
        de_escalations += f["de_escalations"]
        f_up, f_down, f_steady = f["rescores"]
        up, down, steady = up + f_up, down + f_down, steady + f_steady
        later += f["escalated_later"]
        to_escalate.append(f["days_to_escalate"])
        if f["days_to_resolve"] is not None:
            to_resolve.append(f["days_to_resolve"])
            if f["satisfaction"] is not None:
                ratings.append(f["satisfaction"])

    return EscalationReview(
        generated_at=now,
        period_days=period_days,
        escalations=len(chosen),
        ack_by_route=[
            RouteAck(issue_type=t, route=settings.route_to(t), acknowledged=len(ack_hours[t]),
                     median_hours=_round(median(ack_hours[t])) if ack_hours[t] else None,
                     late=ack_late[t])
            for t in IssueType
        ],
        updates=updates,
        updates_on_time=on_time,
        updates_missed=missed,
        updates_on_time_pct=_pct(on_time, updates + missed),
        stalled=stalled,
        stall_rate_pct=_pct(stalled, len(chosen)),
        de_escalations=de_escalations,
        rescores_up=up,
        rescores_down=down,
        rescores_steady=steady,
        escalated_later=later,
        median_days_to_escalate=_round(median(to_escalate)) if to_escalate else None,
        median_days_to_resolve=_round(median(to_resolve)) if to_resolve else None,
        satisfaction_rated=len(ratings),
        satisfaction_average=_round(mean(ratings)) if ratings else None,
    )


# --- a team lead's review: the same figures per CSM, and accounts shared across CSMs -----
# The team server keeps, per escalation, the figures its timeline gives (timeline_facts,
# computed when it is written), so the lead's review is aggregated by the server instead of
# replaying every escalation of the team on each run.


def timeline_facts(esc: Escalation, settings: Settings = DEFAULT_SETTINGS) -> dict[str, Any]:
    """What the team review needs of one escalation, from its timeline alone (days counted
    in UTC), as JSON: ever escalated; hours to each acknowledgement and how many were late;
    customer updates logged while escalated and how many on time; whether it ever stalled;
    when it will stall and when the next update is due (for "now" at read time); the
    customer's satisfaction. The same replay as :func:`build_escalation_review`."""
    tz = timezone.utc
    walk = _walk(esc, tz, settings)
    state = esc.state
    stall_now = stall_moment(state, tz, settings)
    update_due = update_due_on(state, tz, settings)
    return {
        "escalated": state.escalated_at is not None,
        "ack_hours": [round(hours, 4) for _, hours in walk.acks],
        "ack_late": sum(hours > settings.ack_hours_for(t) for t, hours in walk.acks),
        "updates": walk.updates,
        "updates_on_time": walk.on_time,
        "stalled": walk.stalled,
        "stall_at": stall_now[0].isoformat() if stall_now else None,
        "update_due": update_due.isoformat() if update_due else None,
        "satisfaction": state.satisfaction,
    }


@dataclass(kw_only=True)
class CsmFigures(Model):
    """One CSM's escalations in the period (those ever escalated)."""

    csm: str
    escalations: int
    acknowledged: int
    median_hours_to_ack: float | None
    acks_late: int
    updates: int
    updates_on_time: int
    updates_missed: int  # overdue now
    updates_on_time_pct: float | None
    stalled: int  # stalled at least once, or stalled now
    satisfaction_rated: int
    satisfaction_average: float | None


@dataclass(kw_only=True)
class SharedAccount(Model):
    """An account escalated by two or more CSMs in the period: a pattern no single
    history shows."""

    account: str
    csms: list[str]
    escalations: int


@dataclass(kw_only=True)
class TeamReview(Model):
    generated_at: datetime
    period_days: int | None
    teams: list[str]
    csms: list[CsmFigures]
    shared_accounts: list[SharedAccount]


def csm_figures(csm: str, escalations: int, ack_hours: Sequence[float], acks_late: int,
                updates: int, on_time: int, missed: int, stalled: int, rated: int,
                average: float | None) -> CsmFigures:
    """One row of the team review from the sums of its escalations' :func:`timeline_facts`
    (``rated``/``average``: how many satisfaction ratings, and their mean)."""
    return CsmFigures(
        csm=csm, escalations=escalations, acknowledged=len(ack_hours),
        median_hours_to_ack=_round(median(ack_hours)) if ack_hours else None,
        acks_late=acks_late, updates=updates, updates_on_time=on_time, updates_missed=missed,
        updates_on_time_pct=_pct(on_time, updates + missed), stalled=stalled,
        satisfaction_rated=rated,
        satisfaction_average=_round(float(average)) if average is not None else None,
    )
