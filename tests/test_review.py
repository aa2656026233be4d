"""The pattern review (domain.review.build_review): a pure function over assessments."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from triage_tui.domain.engine import assess
from triage_tui.domain.models import Assessment, Draft, Scores
from triage_tui.domain.review import build_review, quarter
from triage_tui.domain.rubric import Decision
from triage_tui.storage.demo import demo_assessments

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def make(account: str, total_scores: tuple[int, int, int, int], days_ago: float,
         resolved_after: float | None = None, satisfaction: int | None = None,
         checkin_done: bool = False, type_: str = "product-defect",
         open_since: date | None = None, id_: int | None = None) -> Assessment:
    i, v, t, c = total_scores
    created = NOW - timedelta(days=days_ago)
    a = assess(Draft(account=account, issue_type=type_, open_since=open_since,
                     scores=Scores(customer_impact=i, account_value=v,
                                   time_sensitivity=t, csm_capability=c)), now=created)
    update: dict[str, object] = {"id": id_}
    if resolved_after is not None:
        resolved = created + timedelta(days=resolved_after)
        update.update(resolved_at=resolved, satisfaction=satisfaction)
        if checkin_done:
            update["checkin_done_at"] = resolved + timedelta(hours=5)
    return replace(a, **update)


SUPPORT = (3, 3, 3, 3)  # 12: escalate for support
URGENT = (4, 4, 4, 3)  # 15: escalate with urgency
NOW_ = (5, 5, 5, 4)  # 19: escalate immediately
HANDLE = (1, 1, 1, 1)


def sample() -> list[Assessment]:
    return [
        make("Acme", URGENT, 120, 2, 4, True, id_=1),
        make("ACME ", SUPPORT, 20, 4, 3, True, id_=2),
        make("acme", NOW_, 10, None, id_=3),
        make("Solo", SUPPORT, 60, 6, 2, True, "service-failure", id_=4),
        make("Spread", URGENT, 200, 1, 5, True, "feature-gap", id_=5),
        make("Spread", URGENT, 50, 8, 1, True, "feature-gap", id_=6),
        make("Calm", HANDLE, 5, 1, 5, id_=7),
        make("Due Co", URGENT, 4, 3.5, 4, id_=8),  # resolved 12 h ago: check-in due
        make("Late Co", SUPPORT, 9, 6, 3, id_=9),  # resolved 3 days ago: overdue
    ]


def test_counts_by_decision_and_type() -> None:
    review = build_review(sample(), NOW)
    assert review.assessments == 9 and review.escalations == 8
    assert review.open == 1 and review.resolved == 8
    by_decision = {c.key: c.count for c in review.by_decision}
    assert by_decision == {"handle-yourself": 1, "escalate-for-support": 3,
                           "escalate-with-urgency": 4, "escalate-immediately": 1}
    by_type = {c.key: c.count for c in review.by_issue_type}
    assert by_type["product-defect"] == 6 and by_type["feature-gap"] == 2
    assert by_type["commercial-dispute"] == 0 and len(by_type) == 7


def test_repeat_accounts_need_two_escalations_within_the_window() -> None:
    review = build_review(sample(), NOW)
    assert [r.account for r in review.repeat_accounts] == ["acme"]  # case-insensitive, latest name
    acme = review.repeat_accounts[0]
    assert acme.escalations == 3 and acme.most_in_window == 2
    # "Spread" escalated twice, 150 days apart: not repeatedly


def test_time_to_escalate_uses_business_days_open() -> None:
    items = [
        make("A", URGENT, 3, open_since=(NOW - timedelta(days=3)).date() - timedelta(days=7)),
        make("B", URGENT, 2, open_since=(NOW - timedelta(days=2)).date()),
        make("C", HANDLE, 1, open_since=(NOW - timedelta(days=1)).date() - timedelta(days=14)),
    ]
    t = build_review(items, NOW).time_to_escalate
    assert t.measured == 2 and t.max_days == 5 and t.average_days == 2.5 and t.late == 1


def test_time_to_resolve_by_quarter_and_trend() -> None:
    items = [
        make("A", URGENT, 160, 2, 4),  # resolved 2026-06: Q2, 2 days
        make("B", URGENT, 150, 2, 4),
        make("C", URGENT, 100, 6, 3),  # resolved 2026-08: Q3, 6 days
        make("D", URGENT, 90, 4, 3),
    ]
    review = build_review(items, NOW)
    assert [(q.quarter, q.resolved, q.average_days) for q in review.time_to_resolve] == [
        ("2026-Q2", 2, 2.0), ("2026-Q3", 2, 5.0)]
    assert review.resolve_trend == "growing"
    steady = build_review(items[:3] + [make("D", URGENT, 90, 0.5, 3)], NOW)
    assert steady.time_to_resolve[-1].average_days == 3.2
    assert steady.resolve_trend == "growing"
    shrinking = build_review([make("A", URGENT, 160, 8), make("B", URGENT, 100, 2)], NOW)
    assert shrinking.resolve_trend == "shrinking"
    assert build_review([make("A", URGENT, 160, 8)], NOW).resolve_trend is None
    assert quarter(datetime(2026, 12, 31, 23, tzinfo=timezone.utc)) == "2026-Q4"


def test_satisfaction_followups_and_calibration() -> None:
    review = build_review(sample(), NOW)
    assert review.satisfaction.rated == 8
    assert review.satisfaction.average == round((4 + 3 + 2 + 5 + 1 + 5 + 4 + 3) / 8, 1)
    assert review.satisfaction.distribution == {1: 1, 2: 1, 3: 2, 4: 2, 5: 2}
    assert [(f.id, f.overdue) for f in review.followups] == [(9, True), (8, False)]
    assert review.followups_overdue == 1
    rows = {row.decision: row for row in review.calibration}
    assert Decision.HANDLE_YOURSELF not in rows
    support = rows[Decision.ESCALATE_FOR_SUPPORT]
    assert support.resolved == 3 and support.average_satisfaction == round((3 + 2 + 3) / 3, 1)
    assert support.average_days_to_resolve == round((4 + 6 + 6) / 3, 1)
    immediate = rows[Decision.ESCALATE_IMMEDIATELY]
    assert immediate.resolved == 0 and immediate.average_satisfaction is None


def test_period_limits_counts_but_not_followups() -> None:
    review = build_review(sample(), NOW, period_days=30)
    assert review.period_days == 30 and review.since == NOW - timedelta(days=30)
    assert review.assessments == 5  # created within the last 30 days
    assert [r.account for r in review.repeat_accounts] == ["acme"]
    assert len(review.followups) == 2
    short = build_review(sample(), NOW, period_days=1)
    assert short.assessments == 0 and len(short.followups) == 2


def test_empty_history() -> None:
    review = build_review([], NOW)
    assert review.assessments == 0 and review.repeat_accounts == []
    assert review.time_to_escalate.average_days is None
    assert review.satisfaction.average is None and review.resolve_trend is None
    json.dumps(review.to_dict(json_safe=True))


def test_demo_history_gives_a_review_with_something_to_say() -> None:
    review = build_review(demo_assessments(60, NOW, 20251), NOW)
    assert review.repeat_accounts
    assert len(review.time_to_resolve) >= 4
    assert review.satisfaction.rated > 30
    assert review.followups and review.followups_overdue >= 1
    assert all(row.resolved for row in review.calibration)


def test_review_from_stored_documents_is_the_same_review(tmp_path) -> None:
    """The review screen's fast path (plain documents, no pydantic) gives the same review
    as validated assessments, for every period."""
    from triage_tui.readmodel import Row, load_review_rows, rows_from_docs
    from triage_tui.storage import HistoryStore

    store = HistoryStore(tmp_path / "h.json")
    store.add_many(demo_assessments(300, NOW, 7))
    store.add_many(sample())  # ids, resolutions and check-ins of every kind
    items = rows_from_docs(store.documents())
    assert all(isinstance(i, Row) for i in items)
    everything = store.all()
    for days in (1, 30, 90, 365, None):
        expected = build_review(everything, NOW, days)
        assert build_review(items, NOW, days) == expected
        # what the review screen reads: the period and the pending follow-ups only
        since = None if days is None else NOW - timedelta(days=days)
        some = load_review_rows(store, since)
        assert build_review(some, NOW, days) == expected
        if days is not None and days < 365:
            assert len(some) < len(items)
        for longer in (365, None):  # a shorter period reuses a longer period's read
            wider = load_review_rows(store, None if longer is None else NOW - timedelta(days=longer))
            if longer is None or days is not None and days <= longer:
                assert build_review(wider, NOW, days) == expected
    for item, a in zip(items, everything):
        # the row's status is the escalation's (the stored record's marker)
        assert (item.status, item.checkin_due_at, item.followup_pending(),
                item.followup_overdue(NOW)) == (store.escalation(a.id).status.value,
                                                 a.checkin_due_at, a.followup_pending(),
                                                 a.followup_overdue(NOW))
