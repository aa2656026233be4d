"""Escalations that live (domain.escalation): the timeline, its derived status, the clocks,
the due list, the migration of old records, the review figures and the customer update.

The expectations are written out from the method and PRODUCT.md, independently of the
tables in the code."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage_tui import config
from triage_tui.domain import escalation as E
from triage_tui.domain.clock import current_time, parse_instant
from triage_tui.domain.engine import assess, business_days_between, evaluate
from triage_tui.domain.escalation import DueKind, EscalationError, EventKind, Status
from triage_tui.domain.models import Assessment, Draft, Scores
from triage_tui.domain.review import build_escalation_review
from triage_tui.domain.rubric import Decision, IssueType, WarningCode
from triage_tui.domain.settings import Settings

UTC = timezone.utc
MON = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)
D = timedelta(days=1)

# A score set per decision (totals 4, 12, 15, 19).
SCORES = {
    "handle-yourself": (1, 1, 1, 1),
    "escalate-for-support": (3, 3, 3, 3),
    "escalate-with-urgency": (4, 4, 4, 3),
    "escalate-immediately": (5, 5, 5, 4),
}
DIMS = ("customer_impact", "account_value", "time_sensitivity", "csm_capability")
# From PRODUCT.md / the issue, written out here on purpose.
ACK_HOURS = {"product-defect": 4, "feature-gap": 48, "service-failure": 4,
             "commercial-dispute": 48, "relationship-risk": 24,
             "executive-intervention": 8, "cross-functional": 24}
UPDATE_DAYS = {"escalate-for-support": 3, "escalate-with-urgency": 2,
               "escalate-immediately": 1}


def assessment(decision: str = "escalate-with-urgency", type_: str = "product-defect",
               at: datetime = MON, by: date | None = None, open_since: date | None = None,
               id_: int = 1, account: str = "Acme", **draft) -> Assessment:
    scores = Scores(**dict(zip(DIMS, SCORES[decision])))
    a = assess(Draft(account=account, scores=scores, issue_type=type_, by=by,
                     open_since=open_since, **draft), now=at)
    assert a.decision.value == decision
    return replace(a, id=id_)


def start(decision: str = "escalate-with-urgency", **kw) -> tuple[E.Escalation, Assessment]:
    a = assessment(decision, **kw)
    return E.new_escalation(a), a


def rescore(esc: E.Escalation, a: Assessment, decision: str, at: datetime,
            type_: str | None = None) -> tuple[E.Escalation, Assessment]:
    b = E.reassess(a, at, scores=dict(zip(DIMS, SCORES[decision])),
                   issue_type=IssueType(type_) if type_ else None)
    return esc.apply(E.rescore_event(at, "facts changed", a, b)), b


def kinds(items: list[E.DueItem]) -> list[str]:
    return [i.kind.value for i in items]


def in_status(status: str) -> tuple[E.Escalation, Assessment]:
    """An escalation brought to ``status`` by the shortest path (last event at MON + 2 h)."""
    if status == "open":
        esc, a = start("handle-yourself")
        return esc.apply(E.note_event(MON + 2 * H, "working it")), a
    esc, a = start("escalate-with-urgency")
    path = {
        "escalated": [E.note_event(MON + 2 * H, "n")],
        "acknowledged": [E.ack_event(MON + 2 * H)],
        "de-escalated": [E.deescalate_event(MON + 2 * H, "we can fix it ourselves")],
        "resolved": [E.resolve_event(MON + 2 * H, 4)],
        "closed": [E.resolve_event(MON + H, 4), E.checkin_event(MON + 2 * H)],
    }[status]
    for event in path:
        esc = esc.apply(event)
    return esc, a


def event_of(kind: str, a: Assessment, at: datetime) -> E.Event:
    return {
        "acknowledged": lambda: E.ack_event(at),
        "update": lambda: E.update_event(at, "still on it"),
        "note": lambda: E.note_event(at, "progress"),
        "rescored": lambda: E.rescore_event(at, "same facts", a, a),  # a steady re-score
        "de-escalated": lambda: E.deescalate_event(at, "back to me"),
        "resolved": lambda: E.resolve_event(at, 4),
        "checked-in": lambda: E.checkin_event(at),
    }[kind]()


# status → {allowed event kind → status after}; everything else is refused.
TRANSITIONS = {
    "open": {"update": "open", "note": "open", "rescored": "open", "resolved": "resolved"},
    "escalated": {"acknowledged": "acknowledged", "update": "escalated", "note": "escalated",
                  "rescored": "escalated", "de-escalated": "de-escalated",
                  "resolved": "resolved"},
    "acknowledged": {"update": "acknowledged", "note": "acknowledged",
                     "rescored": "acknowledged", "de-escalated": "de-escalated",
                     "resolved": "resolved"},
    "resolved": {"note": "resolved", "rescored": "resolved", "checked-in": "closed"},
    "closed": {"note": "closed"},
    "de-escalated": {"update": "de-escalated", "note": "de-escalated",
                     "rescored": "de-escalated", "resolved": "resolved"},
}
EVENT_KINDS = ["acknowledged", "update", "note", "rescored", "de-escalated", "resolved",
               "checked-in"]


# --- statuses and transitions ---------------------------------------------------------

@pytest.mark.parametrize("decision,status", [
    ("handle-yourself", "open"), ("escalate-for-support", "escalated"),
    ("escalate-with-urgency", "escalated"), ("escalate-immediately", "escalated"),
])
def test_created_status_follows_the_decision(decision: str, status: str) -> None:
    esc, _ = start(decision)
    assert esc.status == status
    assert [e.kind for e in esc.events] == [EventKind.CREATED]


def test_manager_surprise_makes_a_low_score_an_escalation() -> None:
    a = assess(Draft(account="A", manager_surprised=True), now=MON)
    assert E.new_escalation(a).status is Status.ESCALATED


@pytest.mark.parametrize("status", list(TRANSITIONS))
@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_transition_table(status: str, kind: str) -> None:
    esc, a = in_status(status)
    assert esc.status == status
    event = event_of(kind, a, MON + 3 * H)
    if kind in TRANSITIONS[status]:
        after = E.apply(esc, event)
        assert after.status == TRANSITIONS[status][kind]
        assert after.events == (*esc.events, event)
    else:
        with pytest.raises(EscalationError) as err:
            E.apply(esc, event)
        message = str(err.value)
        assert message.startswith("cannot ") and "\n" not in message
        assert esc.status == status and len(esc.events) == len(in_status(status)[0].events)


@pytest.mark.parametrize("status,kind,words", [
    ("resolved", "acknowledged", "already resolved"),
    ("acknowledged", "acknowledged", "already acknowledged"),
    ("open", "de-escalated", "never escalated"),
    ("open", "checked-in", "not resolved"),
    ("closed", "checked-in", "already done"),
    ("closed", "rescored", "closed"),
    ("resolved", "update", "check-in"),
    ("resolved", "resolved", "already resolved"),
])
def test_refusals_say_why(status: str, kind: str, words: str) -> None:
    esc, a = in_status(status)
    with pytest.raises(EscalationError, match=words):
        E.apply(esc, event_of(kind, a, MON + 3 * H))


def test_events_are_kept_in_time_order() -> None:
    esc, _ = in_status("acknowledged")
    with pytest.raises(EscalationError, match="time order"):
        esc.apply(E.note_event(MON + H, "earlier than the ack"))
    assert esc.apply(E.note_event(MON + 2 * H, "same moment is fine")).status == "acknowledged"


@pytest.mark.parametrize("maker,message", [
    (lambda: E.update_event(MON, "  "), "needs its text"),
    (lambda: E.note_event(MON, ""), "needs its text"),
    (lambda: E.deescalate_event(MON, ""), "needs a reason"),
])
def test_text_is_required_where_the_contract_says(maker, message) -> None:
    esc, _ = start()
    with pytest.raises(EscalationError, match=message):
        esc.apply(maker())


@pytest.mark.parametrize("satisfaction", [0, 6, True, "4", None])
def test_resolution_needs_a_satisfaction_of_1_to_5(satisfaction) -> None:
    with pytest.raises(EscalationError, match="satisfaction"):
        E.resolve_event(MON, satisfaction)


@pytest.mark.parametrize("data", [{"satisfaction": 9}, {"satisfaction": "5"}])
def test_a_stored_resolution_with_a_bad_satisfaction_is_refused(data) -> None:
    esc, _ = start()
    with pytest.raises(EscalationError, match="satisfaction"):
        esc.apply(E.Event(at=MON + H, kind=EventKind.RESOLVED, data=data))
    with pytest.raises(EscalationError, match="malformed"):
        E.Escalation.from_json({"id": 1, "account": "A", "events": [{"kind": "created"}]})


def test_a_timeline_starts_with_one_created_event() -> None:
    esc, a = start()
    with pytest.raises(EscalationError, match="starts with"):
        E.fold([E.note_event(MON, "x")])
    with pytest.raises(EscalationError, match="already has"):
        esc.apply(E.created_event(a))
    with pytest.raises(EscalationError):
        E.fold([])


def test_next_update_date_cannot_be_in_the_past() -> None:
    with pytest.raises(EscalationError, match="in the past"):
        E.update_event(MON, "x", next_on=MON.date() - D)


# --- re-scoring -----------------------------------------------------------------------

# (status before, decision before, re-scored to, new type) → (status after, ack restarted)
RESCORES = [
    ("open", "handle-yourself", "handle-yourself", None, "open", False),
    ("open", "handle-yourself", "escalate-for-support", None, "escalated", True),
    ("open", "handle-yourself", "escalate-immediately", None, "escalated", True),
    ("escalated", "escalate-with-urgency", "escalate-immediately", None, "escalated", True),
    ("escalated", "escalate-with-urgency", "escalate-for-support", None, "escalated", False),
    ("escalated", "escalate-with-urgency", "escalate-with-urgency", None, "escalated", False),
    ("escalated", "escalate-with-urgency", "handle-yourself", None, "de-escalated", False),
    ("acknowledged", "escalate-with-urgency", "escalate-immediately", None, "escalated", True),
    ("acknowledged", "escalate-with-urgency", "escalate-for-support", None,
     "acknowledged", False),
    ("acknowledged", "escalate-with-urgency", "escalate-with-urgency", "feature-gap",
     "escalated", True),
    ("acknowledged", "escalate-with-urgency", "handle-yourself", None, "de-escalated", False),
    ("de-escalated", "escalate-with-urgency", "escalate-for-support", None,
     "de-escalated", False),
    ("de-escalated", "escalate-with-urgency", "escalate-immediately", None, "escalated", True),
    ("resolved", "escalate-with-urgency", "escalate-immediately", None, "resolved", False),
]


@pytest.mark.parametrize("status,before,to,type_,after,restarted", RESCORES)
def test_rescore_moves(status, before, to, type_, after, restarted) -> None:
    esc, a = in_status(status)
    assert a.decision.value == before
    at = MON + D
    old_ack = E.clocks(esc, at).ack_due
    esc2, b = rescore(esc, a, to, at, type_)
    assert esc2.status == after
    c = E.clocks(esc2, at)
    if restarted:
        hours = ACK_HOURS[type_ or "product-defect"]
        assert c.ack_due == at + timedelta(hours=hours)
    elif after == "escalated":
        assert c.ack_due == old_ack  # the clock runs on
    else:
        assert c.ack_due is None  # nobody is waited on
    # the timeline keeps the earlier scores
    event = esc2.events[-1]
    assert event.kind is EventKind.RESCORED
    assert event.data["before"]["total"] == a.total and event.data["after"]["total"] == b.total


def test_reassess_keeps_identity_and_recomputes_the_verdict() -> None:
    a = assessment("escalate-for-support", id_=42, by=date(2026, 1, 9))
    b = E.reassess(a, MON + D, scores={"customer_impact": 5, "time_sensitivity": 5},
                   signals=["health-red"])
    assert (b.id, b.created_at, b.by, b.account) == (42, a.created_at, a.by, a.account)
    assert b.total == 16 and b.decision is Decision.ESCALATE_WITH_URGENCY
    assert b.assessed_on == (MON + D).date() and [s.value for s in b.signals] == ["health-red"]
    with pytest.raises(EscalationError, match="re-score"):
        E.reassess(a, MON, scores={"customer_impact": 6})


@pytest.mark.parametrize("totals,expected", [
    ((), None), (("escalate-immediately",), "worsening"),
    (("escalate-for-support",), "improving"), (("escalate-with-urgency",), "steady"),
    (("escalate-immediately", "escalate-for-support"), "improving"),
])
def test_trend_is_the_direction_of_the_last_rescore(totals, expected) -> None:
    esc, a = start("escalate-with-urgency")
    for i, decision in enumerate(totals):
        esc, a = rescore(esc, a, decision, MON + (i + 1) * H)
    assert E.show_fields(esc, MON + D)["trend"] == expected


def test_previous_verdict_for_the_brief() -> None:
    esc, a = start("escalate-for-support")
    assert E.previous_verdict(esc) is None
    esc, _ = rescore(esc, a, "escalate-immediately", MON + D)
    assert E.previous_verdict(esc) == (12, Decision.ESCALATE_FOR_SUPPORT, MON + D)


# --- clocks ---------------------------------------------------------------------------

@pytest.mark.parametrize("type_,hours", ACK_HOURS.items())
def test_ack_clock_per_issue_type(type_: str, hours: int) -> None:
    esc, _ = start("escalate-for-support", type_=type_)
    due = MON + timedelta(hours=hours)
    assert E.clocks(esc, MON).ack_due == due
    assert "ack-overdue" not in kinds(E.due_items([esc], due))
    late = E.due_items([esc], due + timedelta(seconds=1))
    assert kinds(late)[0] == "ack-overdue" and late[0].overdue and late[0].due == due
    acked = esc.apply(E.ack_event(due + H))
    assert E.clocks(acked, due + 2 * H).ack_due is None
    assert "ack-overdue" not in kinds(E.due_items([acked], due + 2 * H))


def test_ack_hours_come_from_the_settings() -> None:
    esc, _ = start(type_="feature-gap")
    custom = Settings(ack_hours={IssueType.FEATURE_GAP: 2})
    assert E.clocks(esc, MON, custom).ack_due == MON + 2 * H


# created on → {decision: first customer update due}
CADENCE = [
    (MON, {"escalate-for-support": date(2026, 1, 8), "escalate-with-urgency": date(2026, 1, 7),
           "escalate-immediately": date(2026, 1, 6)}),
    (MON + 4 * D, {"escalate-for-support": date(2026, 1, 14),  # Friday → Wednesday
                   "escalate-with-urgency": date(2026, 1, 13),
                   "escalate-immediately": date(2026, 1, 12)}),
    (MON + 5 * D, {"escalate-for-support": date(2026, 1, 14),  # Saturday: Monday is the 1st
                   "escalate-with-urgency": date(2026, 1, 13),
                   "escalate-immediately": date(2026, 1, 12)}),
]


@pytest.mark.parametrize("created,expected", CADENCE)
def test_update_cadence_in_business_days(created: datetime, expected: dict) -> None:
    for decision, due in expected.items():
        esc, _ = start(decision, at=created)
        assert E.clocks(esc, created).next_update_due == due, decision
        assert business_days_between(created.date(), due) == UPDATE_DAYS[decision]


def test_update_due_on_the_day_then_overdue_and_an_update_moves_it_on() -> None:
    esc, _ = start("escalate-with-urgency")  # due Wednesday 7th
    tue, wed, thu = MON + D, MON + 2 * D, MON + 3 * D
    assert "update-due" not in kinds(E.due_items([esc], tue))
    due = [i for i in E.due_items([esc], wed) if i.kind is DueKind.UPDATE_DUE]
    assert due and not due[0].overdue and due[0].due == date(2026, 1, 7)
    over = [i for i in E.due_items([esc], thu) if i.kind is DueKind.UPDATE_OVERDUE]
    assert over and over[0].overdue
    updated = esc.apply(E.update_event(thu, "still on it"))  # Thursday → Monday 12th
    assert E.clocks(updated, thu).next_update_due == date(2026, 1, 12)
    assert not {"update-due", "update-overdue"} & set(kinds(E.due_items([updated], thu)))


def test_next_sets_the_update_date_until_the_following_update() -> None:
    esc, _ = start("escalate-for-support")
    esc = esc.apply(E.update_event(MON + H, "sent", next_on=date(2026, 1, 20)))
    assert E.clocks(esc, MON + H).next_update_due == date(2026, 1, 20)
    esc = esc.apply(E.update_event(MON + D, "sent again"))  # Tuesday + 3 → Friday
    assert E.clocks(esc, MON + D).next_update_due == date(2026, 1, 9)


def test_update_cadence_comes_from_the_settings() -> None:
    esc, _ = start("escalate-for-support")
    custom = Settings(update_days={Decision.ESCALATE_FOR_SUPPORT: 1})
    assert E.clocks(esc, MON, custom).next_update_due == date(2026, 1, 6)


def test_no_update_cadence_when_handled_or_done() -> None:
    for status in ("open", "de-escalated", "resolved", "closed"):
        esc, _ = in_status(status)
        assert E.clocks(esc, MON + 30 * D).next_update_due is None, status


@pytest.mark.parametrize("decision,stall_at", [
    ("escalate-with-urgency", MON + 2 * D),  # 2 calendar days
    ("escalate-immediately", MON + 2 * D),
    # 5 business days after Monday is the next Monday; stalled once that day is over
    ("escalate-for-support", datetime(2026, 1, 13, tzinfo=UTC)),
])
def test_stall_thresholds(decision: str, stall_at: datetime) -> None:
    esc, _ = start(decision)
    esc = esc.apply(E.update_event(MON, "told them"))  # keep the update clock out of it
    esc = esc.apply(E.update_event(MON, "x", next_on=date(2026, 3, 1)))
    just_before = stall_at - timedelta(seconds=1)
    assert not E.clocks(esc, just_before).stalled
    assert "stalled" not in kinds(E.due_items([esc], just_before))
    assert E.clocks(esc, stall_at).stalled
    assert "stalled" in kinds(E.due_items([esc], stall_at))
    noted = esc.apply(E.note_event(just_before, "engineering has a lead"))
    assert not E.clocks(noted, stall_at).stalled  # progress resets it


@pytest.mark.parametrize("event", ["acknowledged", "update", "note", "rescored"])
def test_progress_is_ack_update_note_or_rescore(event: str) -> None:
    esc, a = start("escalate-with-urgency")
    later = E.apply(esc, event_of(event, a, MON + D))
    assert E.clocks(esc, MON + 2 * D).stalled
    assert not E.clocks(later, MON + 2 * D).stalled


def test_escalating_late_for_a_handle_yourself_item() -> None:
    esc, a = start("handle-yourself")  # opened Monday
    assert "escalating-late" not in kinds(E.due_items([esc], MON + 2 * D))  # Wednesday
    items = E.due_items([esc], MON + 3 * D)  # Thursday: 3 business days > 2
    assert kinds(items) == ["escalating-late"] and items[0].due == date(2026, 1, 8)
    reassessed, _ = rescore(esc, a, "handle-yourself", MON + 3 * D)  # re-assessed: restarts
    assert "escalating-late" not in kinds(E.due_items([reassessed], MON + 3 * D))
    escalated, _ = rescore(esc, a, "escalate-for-support", MON + 3 * D)
    assert "escalating-late" not in kinds(E.due_items([escalated], MON + 10 * D))


@given(open_since=st.dates(date(2025, 12, 1), date(2026, 1, 5)),
       days=st.integers(0, 20))
def test_escalating_late_agrees_with_the_engine_warning(open_since: date, days: int) -> None:
    """A handle-yourself item is listed exactly when the engine would warn escalating-late
    on that day."""
    esc, a = start("handle-yourself", open_since=open_since)
    now = MON + timedelta(days=days)
    listed = "escalating-late" in kinds(E.due_items([esc], now))
    warned = WarningCode.ESCALATING_LATE in evaluate(a.draft(), today=now.date()).warning_codes
    assert listed == warned


def test_de_escalated_counts_from_the_de_escalation() -> None:
    esc, _ = start("escalate-with-urgency")  # escalated Monday
    esc = esc.apply(E.ack_event(MON + H))
    esc = esc.apply(E.deescalate_event(MON + 2 * D, "we can fix it ourselves"))  # Wednesday
    assert "escalating-late" not in kinds(E.due_items([esc], MON + 4 * D))  # Friday
    assert "escalating-late" in kinds(E.due_items([esc], MON + 7 * D))  # Monday: 3 > 2


def test_deadline_passed_until_resolved() -> None:
    esc, _ = start("handle-yourself", by=date(2026, 1, 6))
    assert "deadline-passed" not in kinds(E.due_items([esc], MON + D + 14 * H))  # on the day
    assert "deadline-passed" in kinds(E.due_items([esc], MON + 2 * D))
    resolved = esc.apply(E.resolve_event(MON + 2 * D, 5))
    assert kinds(E.due_items([resolved], MON + 3 * D)) == []  # never escalated: no check-in


def test_checkin_due_from_resolution_then_overdue_after_48_hours() -> None:
    esc, _ = in_status("resolved")  # resolved MON + 2 h
    resolved_at = MON + 2 * H
    due = [i for i in E.due_items([esc], resolved_at) if i.kind is DueKind.CHECKIN_DUE]
    assert due and due[0].due == resolved_at + timedelta(hours=48) and not due[0].overdue
    assert kinds(E.due_items([esc], resolved_at + timedelta(hours=48))) == ["checkin-due"]
    late = E.due_items([esc], resolved_at + timedelta(hours=48, seconds=1))
    assert kinds(late) == ["checkin-overdue"] and late[0].overdue
    closed = esc.apply(E.checkin_event(resolved_at + 50 * H))
    assert E.due_items([closed], resolved_at + 100 * H) == []
    custom = Settings(checkin_hours=24)
    assert E.clocks(esc, MON, custom).checkin_due == resolved_at + timedelta(hours=24)


def test_a_de_escalated_then_resolved_escalation_still_gets_its_checkin() -> None:
    esc, _ = in_status("de-escalated")
    esc = esc.apply(E.resolve_event(MON + D, 3))
    assert kinds(E.due_items([esc], MON + D)) == ["checkin-due"]


def test_dates_follow_the_callers_time_zone() -> None:
    """Business days count in the caller's time zone: created on a Monday morning in
    Sydney, which is still Sunday in UTC."""
    sydney = timezone(timedelta(hours=11))
    monday_there = datetime(2026, 1, 5, 8, 0, tzinfo=sydney)  # Sunday 21:00 UTC
    esc, _ = start("escalate-with-urgency", at=monday_there)
    assert E.clocks(esc, monday_there).next_update_due == date(2026, 1, 7)  # Mon + 2
    assert E.clocks(esc, monday_there.astimezone(UTC)).next_update_due == date(2026, 1, 6)
    thursday_there = datetime(2026, 1, 8, 1, 0, tzinfo=sydney)
    assert "update-overdue" in kinds(E.due_items([esc], thursday_there))


# --- the due list ---------------------------------------------------------------------

def test_due_items_most_urgent_first() -> None:
    now = MON + 4 * D + 10 * H  # Friday 19:00
    ack, _ = start("escalate-for-support", id_=1, account="Ack Co")  # ack due Mon 13:00
    upd, _ = start("escalate-with-urgency", id_=2, account="Upd Co", at=MON + 2 * D)
    upd = upd.apply(E.ack_event(MON + 2 * D + H))  # update due Fri: due today
    dl, _ = start("handle-yourself", id_=3, account="Deadline Co", at=MON + 3 * D,
                  by=date(2026, 1, 7))  # deadline passed (Wed)
    res, _ = start("escalate-for-support", id_=4, account="Res Co", at=MON + 4 * D)
    res = res.apply(E.resolve_event(MON + 4 * D + H, 5))  # check-in due Sunday
    items = E.due_items([res, dl, upd, ack], now)
    assert [(i.id, i.kind.value) for i in items] == [
        (1, "ack-overdue"),  # since Monday 13:00
        (3, "deadline-passed"),  # by Wednesday: overdue since Thursday 00:00
        (1, "update-overdue"),  # due Thursday: overdue since Friday 00:00
        (2, "stalled"),  # no progress since Wednesday 10:00: since Friday 10:00
        (2, "update-due"),  # due today, not overdue yet
        (4, "checkin-due"),  # Sunday 10:00
    ]


def test_due_json_has_the_contract_keys() -> None:
    esc, _ = start("escalate-for-support")
    [item] = E.due_items([esc], MON + 5 * H)
    assert item.to_json() == {"id": 1, "account": "Acme", "kind": "ack-overdue",
                              "due": "2026-01-05T13:00:00+00:00", "overdue": True}
    assert item.action == "ack"


def test_next_due_lists_the_running_clocks_soonest_first() -> None:
    esc, _ = start("escalate-with-urgency", by=date(2026, 1, 9))
    assert [(n.what, n.due) for n in E.next_due(esc, MON)] == [
        ("acknowledgement", MON + 4 * H), ("stall", MON + 2 * D),  # Wednesday 09:00
        ("customer update", date(2026, 1, 7)),  # overdue once Wednesday is over
        ("deadline", date(2026, 1, 9))]
    closed, _ = in_status("closed")
    assert E.next_due(closed, MON + D) == []
    resolved, _ = in_status("resolved")
    assert [n.what for n in E.next_due(resolved, MON + D)] == ["check-in"]
    handled, _ = start("handle-yourself")
    assert [(n.what, n.due) for n in E.next_due(handled, MON)] == [
        ("re-assessment", date(2026, 1, 8))]


def test_show_fields_for_show_json() -> None:
    esc, a = start("escalate-with-urgency")
    esc = esc.apply(E.note_event(MON + H, "called Jane"))
    fields = E.show_fields(esc, MON + H)
    assert fields == {
        "status": "escalated", "ack_due": "2026-01-05T13:00:00+00:00",
        "next_update_due": "2026-01-07", "stalled": False, "trend": None,
        "events": [{"at": "2026-01-05T09:00:00+00:00", "kind": "created", "text": ""},
                   {"at": "2026-01-05T10:00:00+00:00", "kind": "note",
                    "text": "called Jane"}],
    }
    assert E.timeline_json(esc)[0]["data"]["verdict"]["total"] == 15


# --- property tests -------------------------------------------------------------------

STEP = st.tuples(
    st.sampled_from(EVENT_KINDS),
    st.integers(0, 60 * 60 * 30),  # seconds after the previous attempt
    st.sampled_from(list(SCORES)),  # for a re-score: the new band
    st.booleans(),  # for a re-score: a new issue type
)


def reference(status: str, rank: int, kind: str, new_rank: int, new_type: bool) -> str | None:
    """The status after ``kind`` as the method reads (None: refused)."""
    working = status in ("escalated", "acknowledged")
    if kind == "note":
        return status
    if kind == "acknowledged":
        return "acknowledged" if status == "escalated" else None
    if kind == "update":
        return status if status not in ("resolved", "closed") else None
    if kind == "de-escalated":
        return "de-escalated" if working else None
    if kind == "resolved":
        return "resolved" if status not in ("resolved", "closed") else None
    if kind == "checked-in":
        return "closed" if status == "resolved" else None
    # rescored
    if status == "closed":
        return None
    if status == "resolved":
        return status
    if new_rank > 0 and (new_rank > rank or (new_type and working)):
        return "escalated"
    if new_rank == 0 and working:
        return "de-escalated"
    return status


def play(first: str, steps) -> tuple[E.Escalation, list[E.Event], str]:
    esc, a = start(first)
    at, status, rank, attempts = MON, esc.status.value, list(SCORES).index(first), []
    for kind, seconds, band, new_type in steps:
        at += timedelta(seconds=seconds)
        if kind == "rescored":
            other = (IssueType.FEATURE_GAP if a.issue_type is IssueType.PRODUCT_DEFECT
                     else IssueType.PRODUCT_DEFECT)
            b = E.reassess(a, at, scores=dict(zip(DIMS, SCORES[band])),
                           issue_type=other if new_type else None)
            event = E.rescore_event(at, "r", a, b)
        else:
            b, event = a, event_of(kind, a, at)
        expected = reference(status, rank, kind, list(SCORES).index(band),
                             new_type) if kind == "rescored" else reference(
            status, rank, kind, rank, False)
        before = esc
        try:
            esc = esc.apply(event)
        except EscalationError:
            assert expected is None, (status, kind)
            assert esc is before
            continue
        assert expected is not None and esc.status == expected, (status, kind, esc.status)
        attempts.append(event)
        status, a = expected, b
        rank = b.decision.rank
    return esc, attempts, status


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.sampled_from(list(SCORES)), steps=st.lists(STEP, max_size=14))
def test_status_is_the_fold_of_any_event_sequence(first: str, steps) -> None:
    esc, accepted, status = play(first, steps)
    assert E.fold(esc.events).status == status
    assert len(esc.events) == len(accepted) + 1
    again = E.Escalation.from_json(esc.to_json())  # stored and read back: same state
    assert again.state == esc.state and again.events == esc.events


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.sampled_from(list(SCORES)), steps=st.lists(STEP, max_size=12),
       later=st.integers(0, 60 * 24 * 30))
def test_due_list_never_lists_a_closed_one_and_is_sorted(first, steps, later) -> None:
    esc, _, status = play(first, steps)
    now = esc.state.last_at + timedelta(minutes=later)
    items = E.due_items([esc], now)
    if status == "closed":
        assert items == []
    if status == "resolved":
        assert set(kinds(items)) <= {"checkin-due", "checkin-overdue"}
    keys = [(not i.overdue, i.deadline) for i in items]
    assert keys == sorted(keys)
    for i in items:  # overdue exactly when past the deadline (hour clocks: strictly)
        strict = i.kind in (DueKind.ACK_OVERDUE, DueKind.CHECKIN_DUE, DueKind.CHECKIN_OVERDUE)
        assert i.overdue == (now > i.deadline if strict else now >= i.deadline)


@settings(max_examples=200, deadline=None)
@given(decision=st.sampled_from(list(UPDATE_DAYS)),
       gaps=st.lists(st.integers(0, 60 * 60 * 24 * 4), min_size=1, max_size=8))
def test_an_update_always_pushes_the_next_one_forward(decision: str, gaps: list[int]) -> None:
    esc, _ = start(decision)
    at = MON
    previous = E.clocks(esc, at).next_update_due
    for gap in gaps:
        at += timedelta(seconds=gap)
        esc = esc.apply(E.update_event(at, "update"))
        due = E.clocks(esc, at).next_update_due
        assert due is not None and previous is not None and due >= previous
        assert due > at.date()
        assert business_days_between(at.date(), due) == UPDATE_DAYS[decision]
        previous = due


def weekdays_after(day: date, until: date) -> int:
    """Day by day: weekdays in (day, until]."""
    count, d = 0, day
    while d < until:
        d += D
        count += d.weekday() < 5
    return count


@given(day=st.dates(date(2020, 1, 1), date(2030, 12, 31)), n=st.integers(1, 15))
def test_business_day_after_matches_a_day_by_day_count(day: date, n: int) -> None:
    result = E.business_day_after(day, n)
    assert result.weekday() < 5
    assert weekdays_after(day, result) == n
    assert weekdays_after(day, result - D) == n - 1  # the first such day


@given(day=st.dates(date(2020, 1, 1), date(2030, 12, 31)), threshold=st.integers(0, 10))
def test_late_day_is_the_first_day_past_the_threshold(day: date, threshold: int) -> None:
    late = E.late_day(day, threshold)
    assert business_days_between(day, late) > threshold
    assert business_days_between(day, late - D) <= threshold


# --- migration ------------------------------------------------------------------------

def legacy(a: Assessment, **lifecycle) -> dict:
    return replace(a, **lifecycle).to_dict(json_safe=True)


@pytest.mark.parametrize("decision,lifecycle,status,events", [
    ("escalate-with-urgency", {}, "escalated", ["created"]),
    ("handle-yourself", {}, "open", ["created"]),
    ("escalate-for-support", {"resolved_at": MON + D, "satisfaction": 4,
                              "resolution_note": "patched"},
     "resolved", ["created", "resolved"]),
    ("escalate-immediately", {"resolved_at": MON + D, "satisfaction": 2,
                              "checkin_done_at": MON + 2 * D},
     "closed", ["created", "resolved", "checked-in"]),
    ("handle-yourself", {"resolved_at": MON + D, "satisfaction": 5}, "resolved",
     ["created", "resolved"]),
])
def test_legacy_records_become_escalations(decision, lifecycle, status, events) -> None:
    a = assessment(decision, by=date(2026, 1, 9), open_since=date(2026, 1, 2))
    esc = E.from_legacy(legacy(a, **lifecycle))
    assert esc.status == status and [e.kind.value for e in esc.events] == events
    assert esc.id == a.id and esc.account == a.account
    assert esc.state.verdict == E.Verdict(total=a.total, decision=a.decision,
                                          issue_type=a.issue_type)
    assert esc.state.by == a.by and esc.state.open_since == a.open_since
    if "resolved_at" in lifecycle:
        assert esc.state.resolved_at == lifecycle["resolved_at"]
        assert esc.state.satisfaction == lifecycle["satisfaction"]
        assert esc.events[1].text == lifecycle.get("resolution_note", "")


def test_legacy_times_running_backwards_are_kept_in_order() -> None:
    a = assessment("escalate-for-support")
    doc = legacy(a, resolved_at=MON - D, satisfaction=3)
    [created, resolved] = E.legacy_events(doc)
    assert resolved["at"] == created["at"]
    assert resolved["data"]["recorded_at"] == (MON - D).isoformat()


def test_schema_1_records_migrate_through_schema_2() -> None:
    from triage_tui.storage.migrations import migrate

    v1 = {"schema_version": 1, "account": "Initech", "impact": 4, "value": 3, "time": 5,
          "capability": 3, "type": "service-failure", "total": 15,
          "decision": "escalate-with-urgency", "route": "CS leadership + support leadership",
          "warnings": ["no-deadline"], "situation": "s", "ask": "", "by": None, "comms": "",
          "signals": [], "manager_surprised": False, "open_since": "2025-02-03",
          "created": "2025-02-05T09:30:00+00:00"}
    esc = E.from_legacy({**migrate(v1), "id": 9})
    assert esc.status is Status.ESCALATED and esc.state.verdict.total == 15
    assert esc.state.open_since == date(2025, 2, 3)


def test_every_record_of_a_current_release_file_migrates(tmp_path: Path) -> None:
    from triage_tui.storage import HistoryStore
    from triage_tui.storage.demo import demo_assessments

    store = HistoryStore(tmp_path / "history.json")
    store.add_many(demo_assessments(120, seed=3, now=MON))
    docs = store.documents()
    assert len(docs) == 120
    for doc in docs:
        esc = E.from_legacy(doc)
        expected = ("closed" if doc["checkin_done_at"] else "resolved" if doc["resolved_at"]
                    else "escalated" if doc["decision"] != "handle-yourself" else "open")
        assert esc.status == expected and esc.id == doc["id"]


# --- review ---------------------------------------------------------------------------

def test_review_counts_escalations_not_rescores() -> None:
    esc, a = start("escalate-for-support", id_=1)
    esc, a = rescore(esc, a, "escalate-immediately", MON + H)  # up
    esc, a = rescore(esc, a, "escalate-with-urgency", MON + 2 * H)  # down
    esc, a = rescore(esc, a, "escalate-with-urgency", MON + 3 * H)  # steady
    open_, _ = start("handle-yourself", id_=2)  # never escalated: not counted
    review = build_escalation_review([esc, open_], MON + D)
    assert review.escalations == 1
    assert (review.rescores_up, review.rescores_down, review.rescores_steady) == (1, 1, 1)


def test_review_figures() -> None:
    # 1: acked after 2 h, update on time, resolved after 2 days with satisfaction 5
    one, _ = start("escalate-for-support", id_=1, type_="product-defect")
    one = one.apply(E.ack_event(MON + 2 * H))
    one = one.apply(E.update_event(MON + 3 * D, "on time"))  # due Thursday: on the day
    one = one.apply(E.resolve_event(MON + 3 * D + 9 * H, 5))
    # 2: acked after 6 h (late: 4 h), update late, stalled, de-escalated
    two, _ = start("escalate-with-urgency", id_=2, type_="product-defect")
    two = two.apply(E.ack_event(MON + 6 * H))
    two = two.apply(E.update_event(MON + 4 * D, "late"))  # due Wednesday; stalled too
    two = two.apply(E.deescalate_event(MON + 4 * D + H, "fixed by config"))
    # 3: opened as handle-yourself, escalated a day later by a re-score, never acked
    three, a3 = start("handle-yourself", id_=3, type_="feature-gap")
    three, _ = rescore(three, a3, "escalate-with-urgency", MON + D)
    now = MON + 4 * D + 2 * H  # Friday: three's first update (due Wednesday) is overdue
    review = build_escalation_review([one, two, three], now)
    assert review.escalations == 3
    ack = {r.issue_type.value: r for r in review.ack_by_route}
    assert ack["product-defect"].acknowledged == 2 and ack["product-defect"].median_hours == 4.0
    assert ack["product-defect"].late == 1 and ack["feature-gap"].acknowledged == 0
    assert (review.updates, review.updates_on_time, review.updates_missed) == (2, 1, 1)
    assert review.updates_on_time_pct == pytest.approx(33.3)
    assert review.stalled == 2  # two stalled before its late update; three is stalled now
    assert review.stall_rate_pct == pytest.approx(66.7)
    assert review.de_escalations == 1
    assert review.escalated_later == 1 and review.median_days_to_escalate == 0.0
    assert review.median_days_to_resolve == pytest.approx(3.4)
    assert (review.satisfaction_rated, review.satisfaction_average) == (1, 5.0)
    assert build_escalation_review([one, two, three], now, period_days=0).escalations == 0
    dumped = json.loads(json.dumps(review.to_dict(json_safe=True)))  # stats --json
    assert dumped["ack_by_route"][0]["issue_type"] == "product-defect"


def test_review_counts_a_rescore_into_handle_yourself_as_a_de_escalation() -> None:
    esc, a = start("escalate-with-urgency")
    esc, _ = rescore(esc, a, "handle-yourself", MON + H)
    assert build_escalation_review([esc], MON + D).de_escalations == 1


# --- the customer update --------------------------------------------------------------

def test_customer_update_draft_follows_the_seed_pattern() -> None:
    esc, a = start("escalate-with-urgency", account="Acme | {{ 7*7 }}\n# Inc")
    esc = esc.apply(E.update_event(MON + H, "first update"))
    esc = esc.apply(E.ack_event(MON + 2 * H))
    esc = esc.apply(E.note_event(MON + 3 * H, "root cause in the *sync* job {% if 1 %}"))
    esc, b = rescore(esc, a, "escalate-for-support", MON + 4 * H)  # internal: not told
    text = E.render_customer_update(b, esc, MON + D)  # Tuesday
    assert "We're still working on this" in text
    assert "root cause in the \\*sync\\* job {% if 1 %}" in text  # data, not template
    assert "Acme \\| {{ 7\\*7 }} \\# Inc" in text and "49" not in text
    assert "Engineering via support platform" in text  # who is on it
    assert "facts changed" not in text  # the re-score's reason stays internal
    assert "raised its priority" not in text  # … and a move down is not news to tell
    assert "I'll have the next update for you by Friday 9 January 2026" in text  # Tue + 3
    assert "first update" not in text  # only what changed since the last update


def test_customer_update_with_no_news_and_a_custom_template(tmp_path: Path) -> None:
    esc, a = start("escalate-immediately")
    text = E.render_customer_update(a, esc, MON)
    assert "Nothing new" in text and "by Tuesday 6 January 2026" in text
    custom = tmp_path / "mine.md.j2"
    custom.write_text("{{ account | md }} next {{ next_update_date }}\n")
    assert E.render_customer_update(a, esc, MON, Settings(update_template=custom)) == (
        "Acme next 2026-01-06\n")


# --- settings, config and now ---------------------------------------------------------

def test_clock_settings_from_config_toml(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('checkin_hours = 24\n[ack_hours]\nfeature-gap = 12\n'
                    '[update_days]\nescalate-for-support = 5\n'
                    '[stall_days]\nescalate-with-urgency = 3\n')
    s = config.load_settings(path)
    assert s.ack_hours_for(IssueType.FEATURE_GAP) == 12
    assert s.ack_hours_for(IssueType.PRODUCT_DEFECT) == 4
    assert s.update_days_for(Decision.ESCALATE_FOR_SUPPORT) == 5
    assert s.update_days_for(Decision.HANDLE_YOURSELF) is None
    assert s.stall_after(Decision.ESCALATE_WITH_URGENCY) == (3, False)
    assert s.stall_after(Decision.ESCALATE_FOR_SUPPORT) == (5, True)
    assert s.checkin_hours == 24


@pytest.mark.parametrize("body,words", [
    ("[ack_hours]\nproduct-defect = 0\n", "ack_hours.product-defect"),
    ("[ack_hours]\nbogus = 3\n", "ack_hours"),
    ("[update_days]\nhandle-yourself = 2\n", "update_days.handle-yourself"),
    ("[stall_days]\nescalate-immediately = 0\n", "stall_days.escalate-immediately"),
    ("checkin_hours = 0\n", "checkin_hours"),
    ('update_template = "nope.j2"\n', "update_template"),
])
def test_bad_clock_settings_are_one_line_naming_the_key(tmp_path: Path, body, words) -> None:
    path = tmp_path / "config.toml"
    path.write_text(body)
    with pytest.raises(config.ConfigError) as err:
        config.load_settings(path)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_triage_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_NOW", "2026-01-05T09:30:00+00:00")
    assert config.current_time() == MON + timedelta(minutes=30)
    assert config.current_time().tzinfo is not None
    monkeypatch.setenv("TRIAGE_NOW", "2026-01-05T09:30")  # local time
    assert config.current_time() == datetime(2026, 1, 5, 9, 30).astimezone()
    monkeypatch.setenv("TRIAGE_NOW", "next tuesday")
    with pytest.raises(config.ConfigError, match="TRIAGE_NOW"):
        config.current_time()
    monkeypatch.delenv("TRIAGE_NOW")
    assert abs(config.current_time() - datetime.now(UTC)) < timedelta(minutes=1)


def test_parse_instant_and_current_time() -> None:
    assert parse_instant("2026-01-05") == datetime(2026, 1, 5).astimezone()
    assert current_time("2026-01-05T09:00Z") == MON
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_instant("05/01/2026")


def test_escalation_module_is_pure_and_light() -> None:
    code = ("import sys, triage_tui.domain.escalation, triage_tui.domain.review; "
            "bad = {'textual', 'jinja2', 'tinydb', 'triage_tui.storage'} & set(sys.modules); "
            "assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(("status", "resolved", "words"), [
    ("escalated", False, "is not resolved yet"),
    ("acknowledged", False, "is not resolved yet"),
    ("resolved", True, None),
    ("closed", True, None),  # done already: nothing to refuse, nothing to record
])
def test_checkin_refusals_shared_by_both_stores(status, resolved, words) -> None:
    esc, _ = in_status(status)
    refusal = E.checkin_refused(esc, resolved, "assessment #1")
    if words is None:
        assert refusal is None
    else:
        assert refusal.startswith(f"assessment #1 {words}") and "triage resolve 1" in refusal


def test_a_checkin_after_handling_it_yourself_is_refused() -> None:
    esc, a = start("handle-yourself")
    esc = esc.apply(E.resolve_event(MON + H, 4))
    assert "handled without escalating" in E.checkin_refused(esc, True, "escalation 1")
