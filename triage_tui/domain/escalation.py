"""Escalations that live: a saved assessment is an escalation with an append-only timeline.

Pure rules, no I/O. The timeline is the only truth: the status, the clocks and the trend are
*derived* by folding its events (:func:`fold`), never stored apart. :func:`apply` appends one
event after checking the transition is allowed, raising :class:`EscalationError` (one line).

The method behind it (seed ``000_…``): stay involved after escalating, update the customer
before they ask ("here's when I'll have the next update"), do not wait past two business days
without progress, and check in within 48 hours of the resolution.

Statuses (derived):

==============  ============================================================================
open            handle it yourself: the CSM works it (decision *handle-yourself*)
escalated       routed; waiting for the team to acknowledge
acknowledged    the routed team acknowledged it
resolved        the team says fixed; satisfaction recorded; the check-in is next
closed          the post-escalation check-in is done
de-escalated    back to the CSM, with a reason
==============  ============================================================================

Transitions (anything else is refused):

- ``acknowledged``: only while *escalated*.
- ``update`` (a customer update): while open, escalated, acknowledged or de-escalated.
- ``note``: always (documentation never hurts, even once closed).
- ``rescored``: while not closed. A move *up* a band into an escalating band makes it
  *escalated* and restarts the acknowledgement clock for the new route — also from
  *acknowledged*: the new route (CS leadership at urgency, the CRO at immediately) has not
  acknowledged it. A change of issue type while escalated/acknowledged is a new team, so the
  same applies. A move *down* into *handle it yourself* while escalated/acknowledged makes it
  *de-escalated* (back to the CSM; the re-score's reason is the reason). Any other re-score
  keeps the status. A resolved escalation can be re-scored (calibration) and stays resolved.
  A re-score of an open or de-escalated one is a re-assessment: it restarts the
  two-business-day clock.
- ``de-escalated``: only while escalated or acknowledged (never a handle-it-yourself one).
- ``resolved``: while open, escalated, acknowledged or de-escalated.
- ``checked-in``: only while resolved; it closes the escalation.
- Events are in time order: one dated before the last event is refused.

Clocks (:func:`clocks`; defaults in :mod:`.clock`, each configurable in ``config.toml``):

- acknowledgement due ``ack_hours`` (per issue type) after the clock started (escalating,
  or a re-score that restarted it) — while *escalated*;
- next customer update due ``update_days`` business days (per decision) after the last
  customer update of the current escalated stint, or after escalating if none yet; an update
  with ``next`` sets the date instead — while escalated or acknowledged. Due on that day
  (``update-due``), overdue from the day after (``update-overdue``);
- stalled: no progress (created/escalated, ack, update, note, re-score) for ``stall_days``
  (calendar days at urgency and immediately, business days at support) — while escalated or
  acknowledged;
- escalating late: open or de-escalated and more business days than the two-business-day
  rule (``late_thresholds.handle-yourself``) since it was opened (``open_since`` when given),
  de-escalated or last re-scored: due for re-assessment;
- deadline passed: the "by when" is past and it is not resolved;
- check-in: due ``checkin_hours`` after the resolution of an escalation that was ever
  escalated (``checkin-due`` from the resolution, ``checkin-overdue`` after).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from ..errors import TriageError
from .clock import day_of, end_of, start_of, to_utc
from .engine import add_business_days, evaluate
from .models import Assessment, Scores
from .rubric import Decision, Dimension, IssueType, Signal
from .settings import DEFAULT_SETTINGS, Settings

UPDATE_TEMPLATE_NAME = "customer-update.md.j2"


class Status(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DE_ESCALATED = "de-escalated"


class EventKind(StrEnum):
    CREATED = "created"
    ACKNOWLEDGED = "acknowledged"
    UPDATE = "update"
    NOTE = "note"
    RESCORED = "rescored"
    DE_ESCALATED = "de-escalated"
    RESOLVED = "resolved"
    CHECKED_IN = "checked-in"


class DueKind(StrEnum):
    ACK_OVERDUE = "ack-overdue"
    UPDATE_DUE = "update-due"
    UPDATE_OVERDUE = "update-overdue"
    STALLED = "stalled"
    DEADLINE_PASSED = "deadline-passed"
    CHECKIN_DUE = "checkin-due"
    CHECKIN_OVERDUE = "checkin-overdue"
    ESCALATING_LATE = "escalating-late"


class Trend(StrEnum):
    WORSENING = "worsening"
    STEADY = "steady"
    IMPROVING = "improving"


# The one command that acts on each due item (the Today screen's key, the CLI's hint).
DUE_ACTIONS: dict[DueKind, str] = {
    DueKind.ACK_OVERDUE: "ack",
    DueKind.UPDATE_DUE: "update",
    DueKind.UPDATE_OVERDUE: "update",
    DueKind.STALLED: "note",
    DueKind.DEADLINE_PASSED: "resolve",
    DueKind.CHECKIN_DUE: "checkin",
    DueKind.CHECKIN_OVERDUE: "checkin",
    DueKind.ESCALATING_LATE: "rescore",
}
DUE_LABELS: dict[DueKind, str] = {
    DueKind.ACK_OVERDUE: "acknowledgement overdue",
    DueKind.UPDATE_DUE: "customer update due today",
    DueKind.UPDATE_OVERDUE: "customer update overdue",
    DueKind.STALLED: "stalled: no progress",
    DueKind.DEADLINE_PASSED: "deadline passed",
    DueKind.CHECKIN_DUE: "post-escalation check-in due",
    DueKind.CHECKIN_OVERDUE: "post-escalation check-in overdue",
    DueKind.ESCALATING_LATE: "past the two-business-day rule: re-assess",
}
EVENT_LABELS: dict[EventKind, str] = {
    EventKind.CREATED: "created",
    EventKind.ACKNOWLEDGED: "acknowledged",
    EventKind.UPDATE: "customer update",
    EventKind.NOTE: "note",
    EventKind.RESCORED: "re-scored",
    EventKind.DE_ESCALATED: "de-escalated",
    EventKind.RESOLVED: "resolved",
    EventKind.CHECKED_IN: "checked in",
}

# Events that count as progress against a stall.
PROGRESS = frozenset({EventKind.CREATED, EventKind.ACKNOWLEDGED, EventKind.UPDATE,
                      EventKind.NOTE, EventKind.RESCORED})
WORKING = frozenset({Status.ESCALATED, Status.ACKNOWLEDGED})  # with the routed team
WITH_CSM = frozenset({Status.OPEN, Status.DE_ESCALATED})  # handled by the CSM
DONE = frozenset({Status.RESOLVED, Status.CLOSED})

_KINDS = {k.value: k for k in EventKind}
_DECISIONS = {d.value: d for d in Decision}
_TYPES = {t.value: t for t in IssueType}


class EscalationError(TriageError):
    """A refused event or a malformed timeline, as one line."""


# --- events ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the timeline. ``at`` is stored in UTC; ``data`` holds JSON values only
    (a verdict for created/rescored, ``satisfaction`` for resolved, ``next`` for an update)."""

    at: datetime
    kind: EventKind
    text: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is not timezone.utc:
            object.__setattr__(self, "at", to_utc(self.at))
        if type(self.kind) is not EventKind:
            object.__setattr__(self, "kind", EventKind(self.kind))

    def to_json(self, data: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at.isoformat(), "kind": self.kind.value,
                               "text": self.text}
        if data:
            out["data"] = dict(self.data)
        return out

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Event:
        try:
            kind = _KINDS[doc["kind"]]
            at = datetime.fromisoformat(doc["at"])
            text = doc.get("text") or ""
            data = doc.get("data") or {}
            if not isinstance(text, str) or not isinstance(data, dict):
                raise TypeError("text must be a string and data an object")
            return cls(at=at, kind=kind, text=text, data=data)
        except (KeyError, TypeError, ValueError) as exc:
            raise EscalationError(f"malformed timeline event: {exc}") from None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the clocks need of an assessment's verdict (the event keeps the whole of it)."""

    total: int
    decision: Decision
    issue_type: IssueType

    @classmethod
    def from_data(cls, data: Any) -> Verdict:
        try:
            return cls(total=int(data["total"]), decision=_DECISIONS[data["decision"]],
                       issue_type=_TYPES[data["issue_type"]])
        except (KeyError, TypeError, ValueError) as exc:
            raise EscalationError(f"malformed verdict on the timeline: {exc}") from None


def verdict_data(a: Assessment | Mapping[str, Any]) -> dict[str, Any]:
    """The verdict of an assessment (or of its stored JSON document) as event data: scores,
    total, decision (band and final), issue type, signals, manager surprise."""
    if isinstance(a, Mapping):
        return {
            "scores": {d.value: a["scores"][d.value] for d in Dimension},
            "total": a["total"],
            "score_decision": a.get("score_decision", a["decision"]),
            "decision": a["decision"],
            "issue_type": a["issue_type"],
            "signals": list(a.get("signals") or []),
            "manager_surprised": bool(a.get("manager_surprised", False)),
        }
    return {
        "scores": {d.value: a.scores[d] for d in Dimension},
        "total": a.total,
        "score_decision": a.score_decision.value,
        "decision": a.decision.value,
        "issue_type": a.issue_type.value,
        "signals": [s.value for s in a.signals],
        "manager_surprised": a.manager_surprised,
    }


# --- the fold -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class State:
    """The escalation as of its last event (derived; never stored)."""

    status: Status
    verdict: Verdict
    totals: tuple[int, ...]  # the total at creation and after each re-score
    created_at: datetime
    by: date | None  # the deadline ("by when")
    open_since: date | None  # when the issue started, if the CSM said
    escalated_at: datetime | None  # first time it was escalated
    stint_from: datetime | None  # start of the current escalated stint
    ack_from: datetime | None  # start of the current acknowledgement clock
    acknowledged_at: datetime | None  # None while the current clock runs
    last_progress: datetime
    last_update_at: datetime | None
    next_update_on: date | None  # set by the last update's `next`
    late_from: datetime  # the two-business-day clock (open / de-escalated) …
    late_from_day: date | None  # … or from this day (open_since) when given
    deescalated_at: datetime | None
    resolved_at: datetime | None
    satisfaction: int | None
    closed_at: datetime | None
    last_at: datetime


_STATE_FIELDS = tuple(f.name for f in dataclasses.fields(State))
_VERBS = {
    EventKind.CREATED: "create",
    EventKind.ACKNOWLEDGED: "acknowledge",
    EventKind.UPDATE: "log a customer update",
    EventKind.NOTE: "add a note",
    EventKind.RESCORED: "re-score",
    EventKind.DE_ESCALATED: "de-escalate",
    EventKind.RESOLVED: "resolve",
    EventKind.CHECKED_IN: "check in",
}
_ALLOWED: dict[EventKind, frozenset[Status]] = {
    EventKind.ACKNOWLEDGED: frozenset({Status.ESCALATED}),
    EventKind.UPDATE: WITH_CSM | WORKING,
    EventKind.NOTE: frozenset(Status),
    EventKind.RESCORED: frozenset(Status) - {Status.CLOSED},
    EventKind.DE_ESCALATED: WORKING,
    EventKind.RESOLVED: WITH_CSM | WORKING,
    EventKind.CHECKED_IN: frozenset({Status.RESOLVED}),
}
_NEEDS_TEXT = {
    EventKind.UPDATE: "a customer update needs its text",
    EventKind.NOTE: "a note needs its text",
    EventKind.RESCORED: "a re-score needs a reason",
    EventKind.DE_ESCALATED: "a de-escalation needs a reason",
}


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "?"


def _why_refused(s: State, kind: EventKind) -> str:
    status = s.status
    if kind is EventKind.ACKNOWLEDGED:
        if status is Status.ACKNOWLEDGED:
            return f"already acknowledged on {_when(s.acknowledged_at)}"
        if status in WITH_CSM:
            return (f"it is {status} (handled by the CSM): there is no routed team to "
                    "acknowledge it; re-score it to escalate")
    if kind is EventKind.DE_ESCALATED:
        if status is Status.OPEN:
            return "it was never escalated: handle-it-yourself items are already the CSM's"
        if status is Status.DE_ESCALATED:
            return f"already de-escalated on {_when(s.deescalated_at)}"
    if kind is EventKind.CHECKED_IN:
        if status is Status.CLOSED:
            return f"the check-in was already done on {_when(s.closed_at)}"
        return f"it is {status}, not resolved: the check-in follows the resolution"
    if kind is EventKind.UPDATE and status is Status.RESOLVED:
        return "it is resolved: the next customer contact is the post-escalation check-in"
    if status in DONE:
        return f"it was already resolved on {_when(s.resolved_at)}" + (
            " and is closed" if status is Status.CLOSED else "")
    return f"it is {status}"


def _date(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise EscalationError(f"malformed {what} on the timeline: {value!r}") from None


def _start(e: Event) -> dict[str, Any]:
    """Every field of the state after the created event."""
    if e.kind is not EventKind.CREATED:
        raise EscalationError(f"a timeline starts with its created event, not {e.kind}")
    v = Verdict.from_data(e.data.get("verdict"))
    open_since = _date(e.data.get("open_since"), "open-since date")
    escalated = e.at if v.decision.escalates else None
    return dict(
        status=Status.ESCALATED if escalated else Status.OPEN, verdict=v, totals=(v.total,),
        created_at=e.at, by=_date(e.data.get("by"), "deadline"), open_since=open_since,
        escalated_at=escalated, stint_from=escalated, ack_from=escalated, acknowledged_at=None,
        last_progress=e.at, last_update_at=None, next_update_on=None,
        late_from=e.at, late_from_day=open_since,
        deescalated_at=None, resolved_at=None, satisfaction=None, closed_at=None, last_at=e.at,
    )


def _step(s: State | _Fold, e: Event) -> dict[str, Any]:
    """The fields ``e`` changes, or EscalationError when ``e`` is not allowed now."""
    kind = e.kind
    if kind is EventKind.CREATED:
        raise EscalationError("cannot create: the timeline already has its created event")
    if e.at < s.last_at:
        raise EscalationError(
            f"cannot {_VERBS[kind]} at {_when(e.at)}: the timeline's last event is later "
            f"({_when(s.last_at)}); events are recorded in time order"
        )
    if s.status not in _ALLOWED[kind]:
        raise EscalationError(f"cannot {_VERBS[kind]}: {_why_refused(s, kind)}")
    if kind in _NEEDS_TEXT and not e.text.strip():
        raise EscalationError(f"cannot {_VERBS[kind]}: {_NEEDS_TEXT[kind]}")
    change: dict[str, Any] = {"last_at": e.at}
    if kind in PROGRESS:
        change["last_progress"] = e.at

    if kind is EventKind.ACKNOWLEDGED:
        change.update(status=Status.ACKNOWLEDGED, acknowledged_at=e.at)
    elif kind is EventKind.UPDATE:
        change.update(last_update_at=e.at, next_update_on=_date(e.data.get("next"), "next date"))
    elif kind is EventKind.RESCORED:
        change.update(_rescore(s, e))
    elif kind is EventKind.DE_ESCALATED:
        change.update(status=Status.DE_ESCALATED, deescalated_at=e.at,
                      late_from=e.at, late_from_day=None)
    elif kind is EventKind.RESOLVED:
        satisfaction = e.data.get("satisfaction")  # None only in a migrated old record
        if satisfaction is not None and (isinstance(satisfaction, bool)
                                         or satisfaction not in range(1, 6)):
            raise EscalationError(f"cannot resolve: satisfaction must be 1-5, got {satisfaction!r}")
        change.update(status=Status.RESOLVED, resolved_at=e.at, satisfaction=satisfaction)
    elif kind is EventKind.CHECKED_IN:
        change.update(status=Status.CLOSED, closed_at=e.at)
    return change


def _rescore(s: State | _Fold, e: Event) -> dict[str, Any]:
    before, after = s.verdict, Verdict.from_data(e.data.get("after"))
    change: dict[str, Any] = {"verdict": after, "totals": (*s.totals, after.total)}
    if s.status in DONE:
        return change  # calibration only: a resolved escalation stays resolved
    up = after.decision.rank > before.decision.rank
    new_team = after.issue_type is not before.issue_type and s.status in WORKING
    if after.decision.escalates and (up or new_team):
        change.update(status=Status.ESCALATED, ack_from=e.at, acknowledged_at=None,
                      escalated_at=s.escalated_at or e.at)
        if s.status in WITH_CSM:
            change["stint_from"] = e.at  # escalated again: a new stint
    elif not after.decision.escalates and s.status in WORKING:
        change.update(status=Status.DE_ESCALATED, deescalated_at=e.at,
                      late_from=e.at, late_from_day=None)
    elif s.status in WITH_CSM:
        change.update(late_from=e.at, late_from_day=None)  # re-assessed
    return change


class _Fold:
    """The state while folding: mutable, so an event costs only the fields it changes
    (the fold runs once per stored event: 100 000 times for 10 000 escalations)."""

    __slots__ = _STATE_FIELDS

    def __init__(self, created: Event) -> None:
        for name, value in _start(created).items():
            setattr(self, name, value)

    def step(self, event: Event) -> None:
        for name, value in _step(self, event).items():
            setattr(self, name, value)

    def freeze(self) -> State:
        return State(**{name: getattr(self, name) for name in _STATE_FIELDS})


def replay(events: Iterable[Event]) -> Iterator[tuple[State | None, Event, State]]:
    """(state before, event, state after) for each event, checking every transition."""
    acc: _Fold | None = None
    before: State | None = None
    for event in events:
        if acc is None:
            acc = _Fold(event)
        else:
            acc.step(event)
        after = acc.freeze()
        yield before, event, after
        before = after


def fold(events: Iterable[Event]) -> State:
    """The state after all ``events`` (EscalationError if the timeline is not valid)."""
    acc: _Fold | None = None
    for event in events:
        if acc is None:
            acc = _Fold(event)
        else:
            acc.step(event)
    if acc is None:
        raise EscalationError("a timeline needs at least its created event")
    return acc.freeze()


@dataclass(frozen=True)
class Escalation:
    """An escalation: its id, account and timeline; ``state`` is folded from the events."""

    id: int | None
    account: str
    events: tuple[Event, ...]
    state: State = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", tuple(self.events))
        object.__setattr__(self, "state", fold(self.events))

    @property
    def status(self) -> Status:
        return self.state.status

    def apply(self, event: Event) -> Escalation:
        return apply(self, event)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "account": self.account,
                "events": [e.to_json() for e in self.events]}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Escalation:
        """From a stored document with ``id``, ``account`` and ``events`` (JSON form)."""
        events = doc.get("events")
        if not isinstance(events, list):
            raise EscalationError("malformed escalation: no timeline (events)")
        return cls(id=doc.get("id"), account=doc["account"],
                   events=tuple(Event.from_json(e) for e in events))


def apply(escalation: Escalation, event: Event) -> Escalation:
    """The escalation with ``event`` appended, or EscalationError (one line) if the
    transition is not allowed. The original is unchanged."""
    _step(escalation.state, event)  # check first: a refused event changes nothing
    return Escalation(id=escalation.id, account=escalation.account,
                      events=(*escalation.events, event))


def refused(esc: Escalation, kind: EventKind) -> str | None:
    """Why an event of ``kind`` cannot be recorded on ``esc`` now (the one line
    :func:`apply` would raise, text aside), or None when it can: for a screen that offers
    the action before asking for its text."""
    if kind is EventKind.CREATED:
        return "cannot create: the timeline already has its created event"
    s = esc.state
    if s.status not in _ALLOWED[kind]:
        return f"cannot {_VERBS[kind]}: {_why_refused(s, kind)}"
    return None


def checkin_refused(esc: Escalation, resolved: bool, ref: str) -> str | None:
    """Why the post-escalation check-in cannot be recorded on ``esc`` (``ref`` names it,
    e.g. "assessment #3"), or None when it can. A closed escalation is not refused: its
    check-in is done, and recording it again changes nothing (the stores return it)."""
    if esc.status is Status.CLOSED:
        return None
    if not resolved:
        return (f"{ref} is not resolved yet: the check-in follows the resolution "
                f"(triage resolve {esc.id} --satisfaction N)")
    if esc.state.escalated_at is None:
        return f"{ref} was handled without escalating: no post-escalation check-in is due"
    return None


# --- building events ------------------------------------------------------------------
# ``now`` is the caller's aware "now" (its time zone is the user's: a ``next`` date is
# checked against the local day).

def created_event(a: Assessment) -> Event:
    return Event(at=a.created_at, kind=EventKind.CREATED, data={
        "verdict": verdict_data(a),
        "by": a.by.isoformat() if a.by else None,
        "open_since": a.open_since.isoformat() if a.open_since else None,
    })


def new_escalation(a: Assessment) -> Escalation:
    """A saved assessment becomes an escalation with its created event."""
    return Escalation(id=a.id, account=a.account, events=(created_event(a),))


def ack_event(now: datetime, text: str = "") -> Event:
    return Event(at=now, kind=EventKind.ACKNOWLEDGED, text=text)


def update_event(now: datetime, text: str, next_on: date | None = None) -> Event:
    """A customer update; ``next_on`` (``--next``) promises the next one on that day."""
    if next_on is not None and next_on < now.date():
        raise EscalationError(f"the next update date {next_on} is in the past")
    return Event(at=now, kind=EventKind.UPDATE, text=text,
                 data={"next": next_on.isoformat()} if next_on else {})


def note_event(now: datetime, text: str) -> Event:
    return Event(at=now, kind=EventKind.NOTE, text=text)


def rescore_event(now: datetime, reason: str, before: Assessment, after: Assessment) -> Event:
    return Event(at=now, kind=EventKind.RESCORED, text=reason,
                 data={"before": verdict_data(before), "after": verdict_data(after)})


def deescalate_event(now: datetime, reason: str) -> Event:
    return Event(at=now, kind=EventKind.DE_ESCALATED, text=reason)


def resolve_event(now: datetime, satisfaction: int, note: str = "") -> Event:
    if isinstance(satisfaction, bool) or satisfaction not in range(1, 6):
        raise EscalationError(f"cannot resolve: satisfaction must be 1-5, got {satisfaction!r}")
    return Event(at=now, kind=EventKind.RESOLVED, text=note,
                 data={"satisfaction": satisfaction})


def checkin_event(now: datetime, note: str = "") -> Event:
    return Event(at=now, kind=EventKind.CHECKED_IN, text=note)


def reassess(
    a: Assessment,
    now: datetime,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    scores: Mapping[Dimension | str, int] | None = None,
    issue_type: IssueType | None = None,
    signals: Iterable[Signal | str] | None = None,
    manager_surprised: bool | None = None,
) -> Assessment:
    """The same assessment re-scored in place: new scores/type/signals, a fresh verdict
    (decision, route, warnings) as of ``now``; id, created time and lifecycle kept."""
    draft = a.draft()
    changed = dataclasses.asdict(draft.scores)
    for dim, value in (scores or {}).items():
        changed[Dimension(dim).value] = value
    try:
        draft = dataclasses.replace(
            draft,
            scores=Scores(**changed),
            issue_type=IssueType(issue_type or draft.issue_type),
            signals=list(draft.signals if signals is None else signals),
            manager_surprised=(draft.manager_surprised if manager_surprised is None
                               else manager_surprised),
        )  # a new Draft: its checks run (type, canonical signals)
    except ValueError as exc:
        raise EscalationError(f"cannot re-score: {exc}") from None
    evaluation = evaluate(draft, settings, today=now.date())
    keep = {f: getattr(a, f) for f in ("schema_version", "id", "created_at", "resolved_at",
                                       "satisfaction", "resolution_note", "checkin_done_at")}
    return Assessment.from_parts(draft, evaluation, **keep)


# --- migration ------------------------------------------------------------------------

def legacy_events(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The timeline a schema-2 assessment document (a schema-1 one after its own step)
    implies, in JSON form: created; resolved with its satisfaction and note; checked in
    (closed). Times that run backwards in an old file are moved up to keep the timeline
    in order (the original time is kept in the event's data)."""
    created = to_utc(datetime.fromisoformat(doc["created_at"]))
    events = [Event(at=created, kind=EventKind.CREATED, data={
        "verdict": verdict_data(doc), "by": doc.get("by"), "open_since": doc.get("open_since"),
    })]
    last = created

    def add(kind: EventKind, stamp: str, text: str, data: dict[str, Any]) -> None:
        nonlocal last
        at = to_utc(datetime.fromisoformat(stamp))
        if at < last:
            data = {**data, "recorded_at": at.isoformat()}
            at = last
        events.append(Event(at=at, kind=kind, text=text, data=data))
        last = at

    if doc.get("resolved_at"):
        add(EventKind.RESOLVED, doc["resolved_at"], doc.get("resolution_note") or "",
            {"satisfaction": doc.get("satisfaction")})
        if doc.get("checkin_done_at"):
            add(EventKind.CHECKED_IN, doc["checkin_done_at"], "", {})
    fold(events)  # a legacy record must give a valid timeline
    return [e.to_json() for e in events]


def from_legacy(doc: Mapping[str, Any]) -> Escalation:
    return Escalation.from_json({"id": doc.get("id"), "account": doc["account"],
                                 "events": legacy_events(doc)})


# --- clocks ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Clocks:
    """Where an escalation stands at ``now`` (dates are in ``now``'s time zone)."""

    status: Status
    ack_due: datetime | None  # while escalated
    next_update_due: date | None  # while escalated or acknowledged
    stall_at: datetime | None  # when it is (or will be) stalled; escalated/acknowledged
    stall_on: date | None  # the day after which it is stalled, when counted in business days
    stalled: bool
    late_on: date | None  # first day past the two-business-day rule (open / de-escalated)
    deadline: date | None  # the "by when", while not resolved
    checkin_due: datetime | None  # while resolved (after an escalation)
    trend: Trend | None


def trend(state: State) -> Trend | None:
    """The direction of the last re-score (None before any re-score)."""
    if len(state.totals) < 2:
        return None
    last, previous = state.totals[-1], state.totals[-2]
    return Trend.WORSENING if last > previous else (
        Trend.IMPROVING if last < previous else Trend.STEADY)


def update_due_on(state: State, tz: tzinfo | None, settings: Settings) -> date | None:
    """When the next customer update is due (while escalated or acknowledged)."""
    if state.status not in WORKING or state.stint_from is None:
        return None
    last = state.last_update_at
    if last is not None and last >= state.stint_from:
        if state.next_update_on is not None:
            return state.next_update_on
        base = last
    else:
        base = state.stint_from
    days = settings.update_days_for(state.verdict.decision)
    return None if days is None else business_day_after(day_of(base, tz), days)


def stall_moment(state: State, tz: tzinfo | None, settings: Settings
                 ) -> tuple[datetime, date | None] | None:
    """When an escalated/acknowledged escalation is stalled without further progress: the
    instant, and the day after which, when the stall is counted in business days."""
    stall = settings.stall_after(state.verdict.decision) if state.status in WORKING else None
    if stall is None:
        return None
    days, business = stall
    if business:
        day = business_day_after(day_of(state.last_progress, tz), days)
        return end_of(day, tz), day
    return state.last_progress + timedelta(days=days), None


def business_day_after(day: date, n: int) -> date:
    """The ``n``-th business day after ``day`` (n ≥ 1): the first day ``d`` with
    ``business_days_between(day, d) == n``. From a weekday that is
    ``add_business_days(day, n)``; from a weekend day the next Monday is already the first
    (``add_business_days`` counts from Monday as day 0)."""
    return add_business_days(day, n if day.weekday() < 5 else n - 1)


def late_day(start: date, threshold: int) -> date:
    """The first day past the two-business-day rule: ``business_days_between(start, d)``
    exceeds ``threshold``."""
    return business_day_after(start, threshold + 1)


def clocks(esc: Escalation, now: datetime, settings: Settings = DEFAULT_SETTINGS) -> Clocks:
    s = esc.state
    tz = now.tzinfo
    status = s.status

    ack_due = None
    if status is Status.ESCALATED and s.ack_from is not None:
        ack_due = s.ack_from + timedelta(hours=settings.ack_hours_for(s.verdict.issue_type))

    stall_at, stall_on = stall_moment(s, tz, settings) or (None, None)

    late_on = None
    if status in WITH_CSM:
        start = s.late_from_day or day_of(s.late_from, tz)
        late_on = late_day(start, settings.late_threshold(Decision.HANDLE_YOURSELF))

    checkin_due = None
    if status is Status.RESOLVED and s.escalated_at is not None and s.resolved_at is not None:
        checkin_due = s.resolved_at + timedelta(hours=settings.checkin_hours)

    return Clocks(
        status=status, ack_due=ack_due, next_update_due=update_due_on(s, tz, settings),
        stall_at=stall_at, stall_on=stall_on, stalled=stall_at is not None and now >= stall_at,
        late_on=late_on,
        deadline=s.by if status not in DONE else None, checkin_due=checkin_due,
        trend=trend(s),
    )


@dataclass(frozen=True, slots=True)
class DueItem:
    """One thing that needs the CSM now. ``due`` is a date for day clocks and a datetime
    for hour clocks; ``deadline`` is the instant it was (or will be) overdue."""

    id: int | None
    account: str
    kind: DueKind
    due: date | datetime
    overdue: bool
    deadline: datetime

    @property
    def action(self) -> str:
        return DUE_ACTIONS[self.kind]

    def late_by(self, now: datetime) -> timedelta:
        """How late (negative: how long until it is)."""
        return now - self.deadline

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "account": self.account, "kind": self.kind.value,
                "due": self.due.isoformat(), "overdue": self.overdue}


_KIND_ORDER = {k: i for i, k in enumerate(DueKind)}


def due_for(esc: Escalation, now: datetime, settings: Settings = DEFAULT_SETTINGS
            ) -> list[DueItem]:
    """What one escalation needs now (unsorted)."""
    c = clocks(esc, now, settings)
    tz = now.tzinfo
    today = now.date()
    items: list[DueItem] = []

    def add(kind: DueKind, due: date | datetime, overdue: bool, deadline: datetime) -> None:
        items.append(DueItem(id=esc.id, account=esc.account, kind=kind, due=due,
                             overdue=overdue, deadline=deadline))

    if c.ack_due is not None and now > c.ack_due:
        add(DueKind.ACK_OVERDUE, c.ack_due, True, c.ack_due)
    if c.next_update_due is not None and today >= c.next_update_due:
        late = today > c.next_update_due
        add(DueKind.UPDATE_OVERDUE if late else DueKind.UPDATE_DUE, c.next_update_due, late,
            end_of(c.next_update_due, tz))
    if c.stalled and c.stall_at is not None:
        add(DueKind.STALLED, c.stall_on or c.stall_at, True, c.stall_at)
    if c.deadline is not None and today > c.deadline:
        add(DueKind.DEADLINE_PASSED, c.deadline, True, end_of(c.deadline, tz))
    if c.checkin_due is not None:
        late = now > c.checkin_due
        add(DueKind.CHECKIN_OVERDUE if late else DueKind.CHECKIN_DUE, c.checkin_due, late,
            c.checkin_due)
    if c.late_on is not None and today >= c.late_on:
        add(DueKind.ESCALATING_LATE, c.late_on, True, start_of(c.late_on, tz))
    return items


def due_items(escalations: Iterable[Escalation], now: datetime,
              settings: Settings = DEFAULT_SETTINGS) -> list[DueItem]:
    """Everything that needs the CSM now, most urgent first: overdue before due, then the
    longest overdue (earliest deadline) first. Never lists a closed escalation."""
    items = [item for esc in escalations for item in due_for(esc, now, settings)]
    items.sort(key=lambda i: (not i.overdue, i.deadline, _KIND_ORDER[i.kind], i.id or 0))
    return items


@dataclass(frozen=True, slots=True)
class NextDue:
    """One of the escalation's running clocks, for the detail screen's "what is due next"."""

    what: str  # "acknowledgement", "customer update", "stall", "deadline", "re-assessment",
    #            "check-in"
    due: date | datetime
    deadline: datetime  # the instant it is overdue (for "in 3 h" / "2 days late")


def next_due(esc: Escalation, now: datetime, settings: Settings = DEFAULT_SETTINGS
             ) -> list[NextDue]:
    """Every running clock of the escalation, soonest (or most overdue) first; empty once
    closed, or resolved without a check-in to do."""
    c = clocks(esc, now, settings)
    tz = now.tzinfo
    found: list[NextDue] = []
    if c.ack_due is not None:
        found.append(NextDue(what="acknowledgement", due=c.ack_due, deadline=c.ack_due))
    if c.next_update_due is not None:
        found.append(NextDue(what="customer update", due=c.next_update_due,
                             deadline=end_of(c.next_update_due, tz)))
    if c.stall_at is not None:
        found.append(NextDue(what="stall", due=c.stall_on or c.stall_at, deadline=c.stall_at))
    if c.deadline is not None:
        found.append(NextDue(what="deadline", due=c.deadline, deadline=end_of(c.deadline, tz)))
    if c.late_on is not None:
        found.append(NextDue(what="re-assessment", due=c.late_on,
                             deadline=start_of(c.late_on, tz)))
    if c.checkin_due is not None:
        found.append(NextDue(what="check-in", due=c.checkin_due, deadline=c.checkin_due))
    return sorted(found, key=lambda n: n.deadline)


def show_fields(esc: Escalation, now: datetime, settings: Settings = DEFAULT_SETTINGS
                ) -> dict[str, Any]:
    """What ``show --json`` adds to the assessment object."""
    c = clocks(esc, now, settings)
    return {
        "status": c.status.value,
        "ack_due": c.ack_due.isoformat() if c.ack_due else None,
        "next_update_due": c.next_update_due.isoformat() if c.next_update_due else None,
        "stalled": c.stalled,
        "trend": c.trend.value if c.trend else None,
        "events": [e.to_json(data=False) for e in esc.events],
    }


def timeline_json(esc: Escalation) -> list[dict[str, Any]]:
    """``timeline --json``: every event, oldest first, with its data."""
    return [e.to_json() for e in esc.events]


def previous_verdict(esc: Escalation) -> tuple[int, Decision, datetime] | None:
    """The total and decision before the last re-score, and when (for the brief's line
    "previously N/20, <decision>, on <date>"); None if never re-scored."""
    for event in reversed(esc.events):
        if event.kind is EventKind.RESCORED:
            before = Verdict.from_data(event.data.get("before"))
            return before.total, before.decision, event.at
    return None


# --- the customer update draft --------------------------------------------------------

_CUSTOMER_NEWS = {"acknowledged", "note", "rescored", "resolved"}


def update_context(a: Assessment, esc: Escalation, now: datetime,
                   settings: Settings = DEFAULT_SETTINGS) -> dict[str, Any]:
    """Everything the customer-update template may use. User text is passed as data."""
    s = esc.state
    since = s.last_update_at
    changes = []
    for e in esc.events:
        if e.kind is EventKind.CREATED or (since is not None and e.at <= since):
            continue
        item: dict[str, Any] = {"kind": e.kind.value, "on": _day_label(day_of(e.at, now.tzinfo)),
                                "text": e.text}
        if e.kind is EventKind.RESCORED:
            before = Verdict.from_data(e.data.get("before"))
            after = Verdict.from_data(e.data.get("after"))
            item["direction"] = ("up" if after.decision.rank > before.decision.rank else
                                 "down" if after.decision.rank < before.decision.rank else "same")
        changes.append(item)
    # What the customer hears of it: the team picking it up, progress notes, a raised
    # priority, the fix (re-score reasons and de-escalations are internal).
    news = [c for c in changes
            if c["kind"] in _CUSTOMER_NEWS and c.get("direction") in (None, "up")]
    days = settings.update_days_for(s.verdict.decision)
    next_on = business_day_after(now.date(), days) if days and s.status not in DONE else None
    return {
        "account": a.account,
        "situation": a.situation,
        "status": s.status.value,
        "escalated": s.status in WORKING,
        "team": a.route.to if a.route is not None and s.status in WORKING else "",
        "acknowledged": s.status is Status.ACKNOWLEDGED,
        "changes": changes,
        "news": news,
        "last_update": _day_label(day_of(since, now.tzinfo)) if since else "",
        "next_update": _day_label(next_on) if next_on else "",
        "next_update_date": next_on.isoformat() if next_on else "",
        "by": a.by.isoformat() if a.by else "",
    }


def _day_label(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def render_customer_update(a: Assessment, esc: Escalation, now: datetime,
                           settings: Settings = DEFAULT_SETTINGS,
                           template: Path | None = None) -> str:
    """The drafted customer update (templates/customer-update.md.j2, or the user's
    ``update_template``), rendered in the brief's sandboxed environment and filters."""
    from .brief import _environment, templates_dir  # jinja2 only when drafting

    template = template or settings.update_template
    if template is not None:
        env = _environment(str(Path(template).expanduser().resolve().parent))
        name = Path(template).name
    else:
        env = _environment(str(templates_dir()))
        name = UPDATE_TEMPLATE_NAME
    return env.get_template(name).render(**update_context(a, esc, now, settings))

