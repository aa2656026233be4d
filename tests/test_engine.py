"""The escalation method, table-driven: every score combination, every type, every edge."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage_tui.domain.engine import (
    add_business_days,
    business_days_between,
    evaluate,
    final_decision,
    score_decision,
    suggest_account_value,
)
from triage_tui.domain.models import Draft, Scores
from triage_tui.domain.rubric import (
    DIMENSIONS,
    ISSUE_TYPES,
    Decision,
    Dimension,
    EscalationKind,
    IssueType,
    Signal,
    Strategic,
    WarningCode,
)
from triage_tui.domain.settings import ArrBands, Settings

TODAY = date(2026, 11, 20)  # a Friday

# Written out from the seed, independently of rubric.BANDS.
SEED_BANDS = [
    (range(4, 9), "handle-yourself"),
    (range(9, 14), "escalate-for-support"),
    (range(14, 18), "escalate-with-urgency"),
    (range(18, 21), "escalate-immediately"),
]
SEED_ROUTES = {
    "product-defect": "Engineering via support platform",
    "feature-gap": "Product management",
    "service-failure": "CS leadership + support leadership",
    "commercial-dispute": "CS leadership + finance",
    "relationship-risk": "CS leadership",
    "executive-intervention": "CRO or CEO office (via CS leadership)",
    "cross-functional": "Relevant team leads",
}


def expected_band(total: int) -> str:
    return next(slug for span, slug in SEED_BANDS if total in span)


def draft(*scores: int, **kw) -> Draft:
    return Draft(
        account="Acme",
        scores=Scores(**dict(zip([d.value for d in Dimension], scores))),
        **kw,
    )


ALL_SCORES = list(itertools.product(range(1, 6), repeat=4))


def test_there_are_625_combinations() -> None:
    assert len(ALL_SCORES) == 625


# The route for each type and band, written out by hand from the seed's two tables
# (decision logic × routing), not computed: 9–13 the type's team; 14–17 CS leadership and
# the type's team; 18–20 CS leadership, the CRO if needed and the type's team, same day;
# no team named twice.
SUPPORT, URGENCY, IMMEDIATELY = (
    "escalate-for-support", "escalate-with-urgency", "escalate-immediately")
EXPECTED_ROUTES: dict[tuple[str, str], tuple[str, list[str]]] = {
    ("product-defect", SUPPORT): (
        "Engineering via support platform", ["Engineering"]),
    ("product-defect", URGENCY): (
        "CS leadership and Engineering via support platform", ["CS leadership", "Engineering"]),
    ("product-defect", IMMEDIATELY): (
        "CS leadership, the CRO (if needed) and Engineering via support platform, same day",
        ["CS leadership", "CRO", "Engineering"]),
    ("feature-gap", SUPPORT): ("Product management", ["Product management"]),
    ("feature-gap", URGENCY): (
        "CS leadership and Product management", ["CS leadership", "Product management"]),
    ("feature-gap", IMMEDIATELY): (
        "CS leadership, the CRO (if needed) and Product management, same day",
        ["CS leadership", "CRO", "Product management"]),
    ("service-failure", SUPPORT): (
        "CS leadership and support leadership", ["CS leadership", "Support leadership"]),
    ("service-failure", URGENCY): (
        "CS leadership and support leadership", ["CS leadership", "Support leadership"]),
    ("service-failure", IMMEDIATELY): (
        "CS leadership, the CRO (if needed) and support leadership, same day",
        ["CS leadership", "CRO", "Support leadership"]),
    ("commercial-dispute", SUPPORT): ("CS leadership and finance", ["CS leadership", "Finance"]),
    ("commercial-dispute", URGENCY): ("CS leadership and finance", ["CS leadership", "Finance"]),
    ("commercial-dispute", IMMEDIATELY): (
        "CS leadership, the CRO (if needed) and finance, same day",
        ["CS leadership", "CRO", "Finance"]),
    ("relationship-risk", SUPPORT): ("CS leadership", ["CS leadership"]),
    ("relationship-risk", URGENCY): ("CS leadership", ["CS leadership"]),
    ("relationship-risk", IMMEDIATELY): (
        "CS leadership and the CRO (if needed), same day", ["CS leadership", "CRO"]),
    ("executive-intervention", SUPPORT): (
        "The CRO or CEO office (via CS leadership)", ["CS leadership", "CRO or CEO office"]),
    ("executive-intervention", URGENCY): (
        "The CRO or CEO office (via CS leadership)", ["CS leadership", "CRO or CEO office"]),
    ("executive-intervention", IMMEDIATELY): (
        "The CRO or CEO office (via CS leadership), same day",
        ["CS leadership", "CRO or CEO office"]),
    ("cross-functional", SUPPORT): ("The relevant team leads", ["Relevant team leads"]),
    ("cross-functional", URGENCY): (
        "CS leadership and the relevant team leads", ["CS leadership", "Relevant team leads"]),
    ("cross-functional", IMMEDIATELY): (
        "CS leadership, the CRO (if needed) and the relevant team leads, same day",
        ["CS leadership", "CRO", "Relevant team leads"]),
}
SEED_WHEN = {
    "product-defect": "When the issue cannot be resolved through standard support channels "
    "within SLA",
    "feature-gap": "When the gap is affecting retention and there is no workaround",
    "service-failure": "When the pattern indicates a systemic problem, not a one-off",
    "commercial-dispute": "When the customer disputes terms the CSM cannot resolve",
    "relationship-risk": "When the relationship damage exceeds what the CSM can repair alone",
    "executive-intervention": "When the situation requires a peer-level response from your "
    "leadership",
    "cross-functional": "When the resolution requires coordinated action across teams the CSM "
    "does not control",
}


def test_the_route_table_covers_every_type_and_escalating_band() -> None:
    assert set(EXPECTED_ROUTES) == {
        (t.value, d) for t in IssueType for d in (SUPPORT, URGENCY, IMMEDIATELY)}


@pytest.mark.parametrize("surprised", [False, True], ids=["plain", "manager-surprised"])
@pytest.mark.parametrize("issue_type", list(IssueType))
def test_every_combination_and_type(issue_type: IssueType, surprised: bool) -> None:
    for combo in ALL_SCORES:
        ev = evaluate(draft(*combo, issue_type=issue_type, manager_surprised=surprised),
                      today=TODAY)
        total = sum(combo)
        band = expected_band(total)
        assert ev.total == total
        assert ev.score_decision.value == band
        # the manager-surprise test raises "handle it yourself" to "escalate for support"
        decision = SUPPORT if surprised and band == "handle-yourself" else band
        assert ev.decision.value == decision
        if decision == "handle-yourself":
            assert ev.route is None
            continue
        assert ev.route is not None
        to, teams = EXPECTED_ROUTES[(issue_type.value, decision)]
        assert (ev.route.to, ev.route.teams) == (to, teams)
        assert ev.route.when == SEED_WHEN[issue_type.value]
        assert len(set(ev.route.teams)) == len(ev.route.teams)  # no team twice
        assert ev.route.to.count("CS leadership") <= 1
        assert ev.route.to.count("CRO") <= 1
        assert ("CS leadership" in ev.route.teams) == (
            decision != SUPPORT or "CS leadership" in EXPECTED_ROUTES[(issue_type.value, SUPPORT)][1])
        assert ev.route.to.endswith(", same day") == (decision == IMMEDIATELY)


def test_route_json_has_to_when_and_teams() -> None:
    ev = evaluate(draft(5, 5, 5, 5), today=TODAY)
    assert ev.route is not None
    assert ev.route.to_dict(json_safe=True) == {
        "to": "CS leadership, the CRO (if needed) and Engineering via support platform, same day",
        "when": SEED_WHEN["product-defect"],
        "teams": ["CS leadership", "CRO", "Engineering"],
    }


@pytest.mark.parametrize(
    ("total", "decision"),
    [(4, "handle-yourself"), (8, "handle-yourself"), (9, "escalate-for-support"),
     (13, "escalate-for-support"), (14, "escalate-with-urgency"),
     (17, "escalate-with-urgency"), (18, "escalate-immediately"), (20, "escalate-immediately")],
)
def test_band_edges(total: int, decision: str) -> None:
    assert score_decision(total).value == decision


@pytest.mark.parametrize("total", [3, 21, 0])
def test_totals_outside_the_scale_are_rejected(total: int) -> None:
    with pytest.raises(ValueError):
        score_decision(total)


@pytest.mark.parametrize("bad", [0, 6, -1])
def test_scores_outside_1_to_5_are_rejected(bad: int) -> None:
    with pytest.raises(ValueError):
        Scores(customer_impact=bad)


def test_new_draft_starts_at_ones_and_product_defect() -> None:
    d = Draft()
    assert [d.scores[x] for x in Dimension] == [1, 1, 1, 1]
    assert d.issue_type is IssueType.PRODUCT_DEFECT


def test_rubric_texts_cover_every_level_and_name_the_in_betweens() -> None:
    for spec in DIMENSIONS.values():
        assert set(spec.levels) == {1, 3, 5}
        for level in (1, 3, 5):
            assert spec.levels[level].split("{")[0] in spec.level_text(level)
        assert "Between low (1) and medium (3)" in spec.level_text(2)
        assert "Between medium (3) and high (5)" in spec.level_text(4)


def test_every_type_has_an_escalation_kind() -> None:
    kinds = {spec.kind for spec in ISSUE_TYPES.values()}
    assert kinds == set(EscalationKind)
    assert ISSUE_TYPES[IssueType.PRODUCT_DEFECT].kind is EscalationKind.TECHNICAL
    assert ISSUE_TYPES[IssueType.EXECUTIVE_INTERVENTION].kind is EscalationKind.HIERARCHICAL
    assert ISSUE_TYPES[IssueType.RELATIONSHIP_RISK].kind is EscalationKind.RELATIONSHIP


# ----------------------------------------------------------------- manager surprise


@pytest.mark.parametrize("total", range(4, 21))
def test_manager_surprise_raises_to_at_least_support(total: int) -> None:
    raised = final_decision(total, manager_surprised=True)
    band = score_decision(total)
    if band is Decision.HANDLE_YOURSELF:
        assert raised is Decision.ESCALATE_FOR_SUPPORT
    else:
        assert raised is band


def test_manager_surprise_says_why_and_routes() -> None:
    ev = evaluate(draft(2, 1, 2, 1, manager_surprised=True), today=TODAY)
    assert ev.score_decision is Decision.HANDLE_YOURSELF
    assert ev.decision is Decision.ESCALATE_FOR_SUPPORT
    assert ev.raised_by_manager_surprise
    assert ev.route is not None and ev.route.to == "Engineering via support platform"
    surprise = [w for w in ev.warnings if w.code is WarningCode.MANAGER_SURPRISE]
    assert surprise and "raised" in surprise[0].message


# ----------------------------------------------------------------- warnings


def codes(d: Draft, settings: Settings | None = None) -> set[str]:
    return {w.code.value for w in evaluate(d, settings or Settings(), today=TODAY).warnings}


def test_escalation_warnings_only_when_escalating() -> None:
    assert codes(draft(1, 1, 1, 1)) == set()
    assert codes(draft(3, 3, 3, 3)) == {
        "no-specific-ask", "no-customer-comms", "no-deadline", "no-situation"}


def test_filled_escalation_has_no_warnings() -> None:
    d = draft(3, 3, 3, 3, ask="Fix by Friday", comms="Told them", by=date(2026, 11, 27),
              situation="Exports fail.")
    assert codes(d) == set()


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_blank_text_counts_as_missing(blank: str) -> None:
    d = draft(5, 5, 5, 5, ask=blank, comms="ok", by=TODAY, situation="ok")
    assert codes(d) == {"no-specific-ask"}


def test_escalating_late_uses_business_days_and_two_day_rule() -> None:
    # Friday 2026-11-20: opened Wednesday = 2 business days (not late), Tuesday = 3 (late)
    assert "escalating-late" not in codes(draft(1, 1, 1, 1, open_since=date(2026, 11, 18)))
    assert "escalating-late" in codes(draft(1, 1, 1, 1, open_since=date(2026, 11, 17)))
    # weekends do not count: opened Friday a week ago = 5 business days
    ev = evaluate(draft(1, 1, 1, 1, open_since=date(2026, 11, 13)), today=TODAY)
    assert ev.business_days_open == 5


def test_late_threshold_per_band_is_configurable() -> None:
    settings = Settings(late_thresholds={"escalate-for-support": 5})
    d = draft(3, 3, 3, 3, open_since=date(2026, 11, 16))  # 4 business days
    assert "escalating-late" not in codes(d, settings)
    assert "escalating-late" in codes(d)


def test_signals_converging_only_while_handling_it_yourself() -> None:
    two = [Signal.HEALTH_RED, Signal.WORKFLOW_BLOCKED]
    assert "signals-converging" in codes(draft(1, 1, 1, 1, signals=two))
    assert "signals-converging" not in codes(draft(1, 1, 1, 1, signals=two[:1]))
    assert "signals-converging" not in codes(draft(3, 3, 3, 3, signals=two))
    # raised by the manager-surprise test: no longer "handle it yourself"
    assert "signals-converging" not in codes(draft(1, 1, 1, 1, signals=two, manager_surprised=True))


def test_duplicate_signals_count_once() -> None:
    d = draft(1, 1, 1, 1, signals=[Signal.HEALTH_RED, Signal.HEALTH_RED])
    assert d.signals == [Signal.HEALTH_RED]
    assert "signals-converging" not in codes(d)


# ----------------------------------------------------------------- ARR helper


@pytest.mark.parametrize(
    ("arr", "strategic", "expected"),
    [
        (0, None, 1), (9_999, None, 1), (10_000, None, 3), (50_000, None, 3),
        (50_001, None, 5), (2_000_000, None, 5), (None, None, 1),
        (5_000, Strategic.NONE, 1), (5_000, Strategic.MODERATE, 3), (5_000, Strategic.HIGH, 5),
        (60_000, Strategic.MODERATE, 5), (20_000, Strategic.HIGH, 5),
        (None, Strategic.MODERATE, 3),
    ],
)
def test_account_value_helper(arr, strategic, expected) -> None:
    assert suggest_account_value(arr, strategic) == expected


def test_account_value_bands_are_configurable() -> None:
    settings = Settings(currency="USD", arr_bands=ArrBands(low=20_000, high=100_000))
    assert suggest_account_value(15_000, None, settings) == 1
    assert suggest_account_value(60_000, None, settings) == 3
    assert "USD 20k" in DIMENSIONS[Dimension.ACCOUNT_VALUE].level_text(1, **settings.rubric_fmt())


@pytest.mark.parametrize(
    ("issue_type", "configured", "scores", "to", "teams"),
    [
        ("feature-gap", "PM on-call", (3, 3, 3, 3), "PM on-call", ["PM on-call"]),
        ("feature-gap", "PM on-call", (4, 4, 4, 4), "CS leadership and PM on-call",
         ["CS leadership", "PM on-call"]),
        ("feature-gap", "PM on-call", (5, 5, 5, 5),
         "CS leadership, the CRO (if needed) and PM on-call, same day",
         ["CS leadership", "CRO", "PM on-call"]),
        # "A + B" names two teams, as the seed writes them; CS leadership is not repeated
        ("commercial-dispute", "CS leadership + Billing", (4, 4, 4, 4),
         "CS leadership and Billing", ["CS leadership", "Billing"]),
        ("relationship-risk", "cs leadership", (5, 5, 5, 5),
         "Cs leadership and the CRO (if needed), same day", ["cs leadership", "CRO"]),
        # a configured team that already names the CRO: no "CRO (if needed)" on top
        ("executive-intervention", "CRO office", (5, 5, 5, 5),
         "CS leadership and CRO office, same day", ["CS leadership", "CRO office"]),
        ("product-defect", "Micro services team", (5, 5, 5, 5),
         "CS leadership, the CRO (if needed) and Micro services team, same day",
         ["CS leadership", "CRO", "Micro services team"]),
    ],
)
def test_configured_team_names_follow_the_band_rule(issue_type, configured, scores, to, teams) -> None:
    settings = Settings(routes={issue_type: configured})
    ev = evaluate(draft(*scores, issue_type=IssueType(issue_type)), settings, today=TODAY)
    assert ev.route is not None
    assert (ev.route.to, ev.route.teams) == (to, teams)


@pytest.mark.parametrize("bad", ["", "  ", " + "])
def test_a_configured_route_must_name_a_team(bad: str) -> None:
    with pytest.raises(ValueError, match="routes.feature-gap"):
        Settings(routes={"feature-gap": bad})


# ----------------------------------------------------------------- why and what-if


def test_why_names_the_driving_dimensions() -> None:
    ev = evaluate(draft(5, 1, 4, 5), today=TODAY)
    assert ev.why.drivers == [Dimension.CUSTOMER_IMPACT, Dimension.CSM_CAPABILITY]
    assert "customer impact (5)" in ev.why.text and "account value (1)" in ev.why.text


def test_what_if_example_from_the_issue() -> None:
    ev = evaluate(draft(4, 3, 3, 3), today=TODAY)  # 13: escalate for support
    up = ev.what_if.up
    assert up is not None and up.decision is Decision.ESCALATE_WITH_URGENCY
    assert {(c.dimension, c.from_, c.to) for c in up.changes} >= {
        (Dimension.CSM_CAPABILITY, 3, 4)}
    assert "CSM capability 3→4" in up.text and "escalate with urgency" in up.text


@given(st.tuples(*[st.integers(1, 5)] * 4), st.booleans())
def test_what_if_is_the_smallest_single_change(combo, surprised) -> None:
    scores = Scores(**dict(zip([d.value for d in Dimension], combo)))
    ev = evaluate(Draft(account="x", scores=scores, manager_surprised=surprised), today=TODAY)
    for direction, what_if in ((1, ev.what_if.up), (-1, ev.what_if.down)):
        # brute force: every single-dimension change, the smallest that moves the decision
        moves = []
        for dim in Dimension:
            for new in range(1, 6):
                delta = new - scores[dim]
                if delta * direction <= 0:
                    continue
                dec = final_decision(ev.total + delta, surprised)
                if dec is not ev.decision:
                    moves.append((abs(delta), dim, new, dec))
        if not moves:
            assert what_if is None
            continue
        smallest = min(m[0] for m in moves)
        expected = {(dim, new) for d, dim, new, _ in moves if d == smallest}
        assert what_if is not None
        assert {(c.dimension, c.to) for c in what_if.changes} == expected
        assert what_if.decision.rank == ev.decision.rank + direction


# ----------------------------------------------------------------- business days


def test_business_days() -> None:
    assert business_days_between(date(2026, 11, 20), date(2026, 11, 20)) == 0
    assert business_days_between(date(2026, 11, 20), date(2026, 11, 23)) == 1  # Fri → Mon
    assert business_days_between(date(2026, 11, 21), date(2026, 11, 22)) == 0  # Sat → Sun
    assert business_days_between(date(2026, 11, 2), date(2026, 11, 30)) == 20
    assert add_business_days(date(2026, 11, 20), 1) == date(2026, 11, 23)
    assert add_business_days(date(2026, 11, 21), 0) == date(2026, 11, 23)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)), st.integers(0, 400))
def test_business_days_match_a_day_by_day_count(start: date, span: int) -> None:
    from datetime import timedelta

    end = start + timedelta(days=span)
    naive = sum(1 for i in range(1, span + 1) if (start + timedelta(days=i)).weekday() < 5)
    assert business_days_between(start, end) == naive


# ----------------------------------------------------------------- issue 12: the sentences


@pytest.mark.parametrize(
    ("scores", "text"),
    [
        ((1, 1, 1, 1), "All four dimensions score 1: no single one drives the total."),
        ((5, 5, 5, 5), "All four dimensions score 5: no single one drives the total."),
        ((2, 1, 1, 1), "Every dimension scores low (1–2); the highest: customer impact (2)."),
        ((2, 2, 1, 1), "Every dimension scores low (1–2); the highest: customer impact (2) "
                       "and account value (2)."),
        ((5, 5, 4, 4), "Every dimension scores high (4–5); the lowest: time sensitivity (4) "
                       "and CSM capability (4)."),
        ((5, 4, 5, 5), "Every dimension scores high (4–5); the lowest: account value (4)."),
        ((5, 1, 4, 5), "Driven by customer impact (5) and CSM capability (5); "
                       "held down by account value (1)."),
        ((5, 3, 1, 2), "Driven by customer impact (5); held down by time sensitivity (1)."),
        ((5, 5, 5, 1), "Driven by customer impact (5), account value (5) and time "
                       "sensitivity (5); held down by CSM capability (1)."),
        ((3, 1, 1, 1), "Driven by customer impact (3); held down by account value (1), "
                       "time sensitivity (1) and CSM capability (1)."),
    ],
)
def test_why_sentences(scores, text) -> None:
    assert evaluate(draft(*scores), today=TODAY).why.text == text


def test_why_never_says_driven_by_a_low_score_or_held_down_by_a_high_one() -> None:
    for combo in ALL_SCORES:
        text = evaluate(draft(*combo), today=TODAY).why.text
        if max(combo) <= 2:
            assert "Driven by" not in text, combo
        if min(combo) >= 4:
            assert "held down" not in text, combo


@pytest.mark.parametrize(
    ("items", "word", "text"),
    [([], "and", ""), (["a"], "and", "a"), (["a", "b"], "and", "a and b"),
     (["a", "b", "c"], "and", "a, b and c"), (["a", "b"], "or", "a or b")],
)
def test_join_words_keeps_its_and(items, word, text) -> None:
    from triage_tui.domain.rubric import join_words

    assert join_words(items, word) == text


def test_what_if_sentences() -> None:
    ev = evaluate(draft(4, 3, 3, 3), today=TODAY)
    assert ev.what_if.up is not None and ev.what_if.down is None  # 13 cannot drop 5
    assert ev.what_if.up.text == (
        "customer impact 4→5, account value 3→4, time sensitivity 3→4 or CSM capability 3→4 "
        "would change the decision to “escalate with urgency”")
    ev = evaluate(draft(3, 3, 2, 2), today=TODAY)
    assert ev.what_if.down is not None
    assert ev.what_if.down.text == (
        "customer impact 3→1 or account value 3→1 would change the decision to "
        "“handle it yourself”")


def messages(d: Draft, settings: Settings | None = None) -> dict[str, str]:
    ev = evaluate(d, settings or Settings(), today=TODAY)
    return {w.code.value: w.message for w in ev.warnings}


def test_every_warning_sentence() -> None:
    got = messages(draft(3, 3, 3, 3, open_since=date(2026, 11, 16)))  # Monday: 4 business days
    assert got == {
        "no-specific-ask": "Escalating as a complaint, not an ask: no specific ask yet. "
        "Say what you need, from whom and by when: “I need [team] to [do X] by [date]”.",
        "no-customer-comms": "Escalating instead of communicating: no plan yet for telling "
        "the customer. Tell them in parallel: “I have escalated this to [team] and expect an "
        "update by [date]”.",
        "no-deadline": "No deadline: no “by when” yet (suggested: 2026-11-25). Say by when "
        "you need it: an escalation without a date gets no priority.",
        "no-situation": "Escalating without context: no situation described yet. Give the "
        "history, the ask and the commercial context, not just “customer is unhappy”.",
        "escalating-late": "Escalating too late: open for 4 business days, past the 2 business "
        "days allowed for “escalate for support”. Keep a rule: if you cannot resolve it within "
        "the limit for its severity, escalate.",
    }
    got = messages(draft(1, 1, 1, 1, signals=[Signal.SLA_BREACHED, Signal.HEALTH_RED]))
    assert got == {
        "signals-converging": "Escalation signals converging: 2 signals (SLA passed without "
        "progress and health score red) while the score says “handle it yourself”. Several "
        "signals at once usually mean it is time to escalate: check the scores.",
    }


def test_one_business_day_is_singular() -> None:
    settings = Settings(late_thresholds={"handle-yourself": 0})
    got = messages(draft(1, 1, 1, 1, open_since=date(2026, 11, 19)), settings)
    assert "open for 1 business day, past the 0 business days allowed" in got["escalating-late"]


def test_manager_surprise_says_the_decision_was_raised() -> None:
    got = messages(draft(2, 2, 2, 1, manager_surprised=True, ask="a", comms="c", situation="s",
                         by=TODAY))
    assert got == {
        "manager-surprise": "Manager-surprise test: your manager would be surprised to hear "
        "this from the customer, so the decision is raised from “handle it yourself” (score 7) "
        "to “escalate for support”.",
    }


@pytest.mark.parametrize("scores", [(3, 3, 3, 3), (4, 4, 3, 3), (5, 5, 5, 5)])
def test_manager_surprise_confirms_an_escalation_the_score_calls_for(scores) -> None:
    ev = evaluate(draft(*scores, manager_surprised=True), today=TODAY)
    assert not ev.raised_by_manager_surprise
    message = {w.code: w.message for w in ev.warnings}[WarningCode.MANAGER_SURPRISE]
    label = {12: "escalate for support", 14: "escalate with urgency",
             20: "escalate immediately"}[ev.total]
    assert message == (
        "Manager-surprise test: your manager would be surprised to hear this from the "
        f"customer, which confirms the escalation the score already calls for (score "
        f"{ev.total}: “{label}”).")
    assert "not that bad" not in message and "raised" not in message


# ----------------------------------------------------------------- the suggested deadline


@pytest.mark.parametrize(
    ("scores", "suggested"),
    [  # TODAY is Friday 2026-11-20; written out with a calendar
        ((1, 1, 1, 1), date(2026, 12, 4)),    # handle it yourself: 10 business days
        ((3, 3, 3, 3), date(2026, 11, 25)),   # for support: 3 → Wednesday
        ((4, 4, 3, 3), date(2026, 11, 23)),   # with urgency: 1 → Monday
        ((5, 5, 5, 5), date(2026, 11, 20)),   # immediately: today
    ],
)
def test_suggested_deadline_is_offered_but_never_counts(scores, suggested) -> None:
    d = draft(*scores)
    ev = evaluate(d, today=TODAY)
    assert ev.suggested_by == suggested
    assert d.by is None  # the draft keeps no deadline until the CSM accepts one
    if ev.decision.escalates:
        assert "no-deadline" in {w.code.value for w in ev.warnings}
    accepted = evaluate(draft(*scores, by=ev.suggested_by), today=TODAY)
    assert "no-deadline" not in {w.code.value for w in accepted.warnings}


# ----------------------------------------------------------------- business-day arithmetic


def test_thursday_plus_three_business_days_is_tuesday() -> None:
    thursday = date(2026, 11, 19)
    assert thursday.weekday() == 3
    assert add_business_days(thursday, 3) == date(2026, 11, 24)
    assert add_business_days(thursday, 1) == date(2026, 11, 20)
    assert add_business_days(thursday, 2) == date(2026, 11, 23)
    assert add_business_days(thursday, 0) == thursday
    assert add_business_days(date(2026, 11, 21), 0) == date(2026, 11, 23)  # Saturday → Monday
    assert add_business_days(date(2026, 11, 22), 1) == date(2026, 11, 24)  # Sunday: from Monday


def test_add_business_days_against_a_day_by_day_count_over_a_year() -> None:
    from datetime import timedelta

    start = date(2026, 1, 1)
    for offset in range(366):
        day = start + timedelta(days=offset)
        # a weekend start counts from the Monday after it
        origin = day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)
        for n in range(0, 12):
            got = add_business_days(day, n)
            assert got.weekday() < 5, (day, n)
            # count weekdays one by one from the origin up to the result
            walked = sum(1 for i in range(1, (got - origin).days + 1)
                         if (origin + timedelta(days=i)).weekday() < 5)
            assert walked == n, (day, n, got)
            assert business_days_between(origin, got) == n


# ----------------------------------------------------------------- words and labels


@pytest.mark.parametrize(
    ("text", "decision"),
    [("immediately", "escalate-immediately"), ("escalate-immediately", "escalate-immediately"),
     ("Escalate immediately", "escalate-immediately"), ("urgency", "escalate-with-urgency"),
     ("with urgency", "escalate-with-urgency"), ("support", "escalate-for-support"),
     ("for support", "escalate-for-support"), ("yourself", "handle-yourself"),
     ("handle yourself", "handle-yourself"), ("HANDLE_YOURSELF", "handle-yourself"),
     ("immed", "escalate-immediately")],
)
def test_decision_words(text: str, decision: str) -> None:
    from triage_tui.domain.rubric import decision_from_text

    assert decision_from_text(text).value == decision


@pytest.mark.parametrize(("text", "reason"), [
    ("escalate", "could mean"), ("e", "could mean"), ("panic", "unknown decision"),
    ("", "no decision"), ("support urgency", "unknown decision")])
def test_ambiguous_or_unknown_decision_words(text: str, reason: str) -> None:
    from triage_tui.domain.rubric import decision_from_text

    with pytest.raises(ValueError, match=reason):
        decision_from_text(text)


@pytest.mark.parametrize(
    ("arr", "strategic", "text"),
    [(5_000, Strategic.NONE, "EUR 5,000 ARR, not strategic"),
     (5_000, Strategic.MODERATE, "EUR 5,000 ARR, moderate strategic value"),
     (None, Strategic.HIGH, "high strategic value"), (42_000, None, "EUR 42,000 ARR")],
)
def test_account_value_reason(arr, strategic, text) -> None:
    from triage_tui.domain.engine import account_value_reason

    assert account_value_reason(arr, strategic) == text


def test_plural() -> None:
    from triage_tui.domain.rubric import plural

    assert [plural(n, "escalation") for n in (0, 1, 2)] == [
        "0 escalations", "1 escalation", "2 escalations"]
    assert plural(1, "business day") == "1 business day"


def test_suggested_deadline_follows_the_raised_decision() -> None:
    ev = evaluate(draft(1, 1, 1, 1, manager_surprised=True), today=TODAY)
    assert ev.decision is Decision.ESCALATE_FOR_SUPPORT
    assert ev.suggested_by == date(2026, 11, 25)  # support's 3 business days, not 10
