"""The escalation engine: pure functions from a Draft to an Evaluation."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from .models import (
    Assessment,
    Change,
    Draft,
    Evaluation,
    Route,
    Scores,
    WarningItem,
    WhatIf,
    WhatIfs,
    Why,
)
from .rubric import (
    BAND_BY_DECISION,
    CRO_IF_NEEDED,
    CS_LEADERSHIP,
    DEFAULT_DEADLINE_BUSINESS_DAYS,
    DIMENSIONS,
    ESCALATION_ONLY_WARNINGS,
    ISSUE_TYPES,
    SCORE_MAX,
    SCORE_MIN,
    SIGNAL_NAMES,
    SIGNALS_CONVERGING_AT,
    STRATEGIC_MIN_SCORE,
    WARNINGS,
    Decision,
    Dimension,
    IssueType,
    Strategic,
    Team,
    WarningCode,
    band_for_total,
    join_words,
    plural,
    ucfirst,
)
from .settings import DEFAULT_SETTINGS, Settings


def score_decision(total: int) -> Decision:
    """The band alone."""
    return band_for_total(total).decision


def final_decision(total: int, manager_surprised: bool) -> Decision:
    """The band, raised to at least *escalate for support* by the manager-surprise test."""
    decision = score_decision(total)
    if manager_surprised and decision is Decision.HANDLE_YOURSELF:
        return Decision.ESCALATE_FOR_SUPPORT
    return decision


def suggest_account_value(
    arr: float | None,
    strategic: Strategic | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> int:
    """The account-value helper: ARR band, raised by the strategic tier."""
    score = SCORE_MIN
    if arr is not None:
        if arr > settings.arr_bands.high:
            score = 5
        elif arr >= settings.arr_bands.low:
            score = 3
    return max(score, STRATEGIC_MIN_SCORE[strategic or Strategic.NONE])


def account_value_reason(
    arr: float | None, strategic: Strategic | None, settings: Settings = DEFAULT_SETTINGS
) -> str:
    parts = []
    if arr is not None:
        parts.append(f"{settings.currency} {arr:,.0f} ARR")
    if strategic is Strategic.NONE:
        parts.append("not strategic")
    elif strategic is not None:
        parts.append(f"{strategic.value} strategic value")
    return ", ".join(parts)


def _names(team: Team, other: Team) -> bool:
    """Whether ``other``'s name already names ``team`` ("CRO or CEO office" names the CRO)."""
    return re.search(rf"\b{re.escape(team.name.lower())}\b", other.name.lower()) is not None


def _team_order(team: Team) -> int:
    """CS leadership first, then the CRO, then the type's teams in the seed's order."""
    if _names(CS_LEADERSHIP, team):
        return 0
    return 1 if _names(CRO_IF_NEEDED, team) else 2


def route_for(
    issue_type: IssueType, decision: Decision, settings: Settings = DEFAULT_SETTINGS
) -> Route | None:
    """The seed's routing table, by band: 9–13 the type's team; 14–17 CS leadership and
    the type's team; 18–20 CS leadership, the CRO if needed and the type's team, same day.
    No team is named twice; configured team names replace the seed's."""
    if not decision.escalates:
        return None
    band = BAND_BY_DECISION[decision]
    own = settings.type_teams(issue_type)
    added = [t for t in band.adds if not any(_names(t, o) for o in own)]
    teams = sorted([*added, *own], key=_team_order)
    to = ucfirst(join_words([t.phrase for t in teams if t.phrase]))
    if band.route_when:
        to += f", {band.route_when}"
    return Route(to=to, when=ISSUE_TYPES[issue_type].when, teams=[t.name for t in teams])


def suggested_deadline(decision: Decision, today: date) -> date:
    """The "by when" the app offers for a decision (the CSM accepts it or types another)."""
    return add_business_days(today, DEFAULT_DEADLINE_BUSINESS_DAYS[decision])


def business_days_between(start: date, end: date) -> int:
    """Business days (Mon–Fri) elapsed after ``start`` up to and including ``end``."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


@lru_cache(maxsize=256)  # pure; asked on every slider key for the automatic deadline
def add_business_days(start: date, days: int) -> date:
    """``days`` business days after ``start``; a weekend start counts from Monday
    (Saturday + 0 is Monday, Thursday + 3 is Tuesday)."""
    current = start
    while current.weekday() >= 5:
        current += timedelta(days=1)
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def _why(scores: Scores) -> Why:
    top = max(scores[d] for d in Dimension)
    low = min(scores[d] for d in Dimension)
    drivers = [d for d in Dimension if scores[d] == top]
    held = [d for d in Dimension if scores[d] == low]

    def named(dims: list[Dimension], value: int) -> str:
        return join_words([f"{DIMENSIONS[d].phrase} ({value})" for d in dims])

    if top == low:
        text = f"All four dimensions score {top}: no single one drives the total."
        return Why(drivers=list(Dimension), text=text)
    if top <= 2:
        text = f"Every dimension scores low (1–2); the highest: {named(drivers, top)}."
    elif low >= 4:
        text = f"Every dimension scores high (4–5); the lowest: {named(held, low)}."
    else:
        text = f"Driven by {named(drivers, top)}; held down by {named(held, low)}."
    return Why(drivers=drivers, text=text)


def _what_if(scores: Scores, manager_surprised: bool, direction: int) -> WhatIf | None:
    """The smallest single-dimension change that moves the decision one band up or down."""
    current = final_decision(scores.total, manager_surprised)
    best: list[Change] = []
    best_delta = SCORE_MAX
    target: Decision | None = None
    for dim in Dimension:
        value = scores[dim]
        for new in range(value + direction, SCORE_MAX + 1 if direction > 0 else 0, direction):
            if not SCORE_MIN <= new <= SCORE_MAX:
                break
            decision = final_decision(scores.total - value + new, manager_surprised)
            if decision is current:
                continue
            delta = abs(new - value)
            change = Change(dimension=dim, from_=value, to=new)
            if delta < best_delta:
                best, best_delta, target = [change], delta, decision
            elif delta == best_delta:
                best.append(change)
            break
    if not best or target is None:
        return None
    label = BAND_BY_DECISION[target].label.lower()
    options = [f"{DIMENSIONS[c.dimension].phrase} {c.from_}→{c.to}" for c in best]
    return WhatIf(
        decision=target,
        changes=best,
        text=f"{join_words(options, 'or')} would change the decision to “{label}”",
    )


def evaluate(
    draft: Draft,
    settings: Settings = DEFAULT_SETTINGS,
    today: date | None = None,
) -> Evaluation:
    today = today or date.today()
    total = draft.scores.total
    band_decision = score_decision(total)
    decision = final_decision(total, draft.manager_surprised)
    raised = decision is not band_decision

    route = route_for(draft.issue_type, decision, settings)
    suggested_by = suggested_deadline(decision, today)

    def quoted(d: Decision) -> str:
        return f"“{BAND_BY_DECISION[d].label.lower()}”"

    warnings: list[WarningItem] = []

    def warn(code: WarningCode, detail: str, advice: str | None = None) -> None:
        title, default_advice = WARNINGS[code]
        advice = default_advice if advice is None else advice
        warnings.append(WarningItem(code=code, message=f"{title}: {detail} {advice}".strip()))

    if decision.escalates:
        missing = {
            WarningCode.NO_SPECIFIC_ASK: not draft.ask.strip(),
            WarningCode.NO_CUSTOMER_COMMS: not draft.comms.strip(),
            WarningCode.NO_DEADLINE: draft.by is None,
            WarningCode.NO_SITUATION: not draft.situation.strip(),
        }
        details = {
            WarningCode.NO_SPECIFIC_ASK: "no specific ask yet.",
            WarningCode.NO_CUSTOMER_COMMS: "no plan yet for telling the customer.",
            WarningCode.NO_DEADLINE: f"no “by when” yet (suggested: {suggested_by.isoformat()}).",
            WarningCode.NO_SITUATION: "no situation described yet.",
        }
        for code in ESCALATION_ONLY_WARNINGS:
            if missing[code]:
                warn(code, details[code])

    days_open = None
    if draft.open_since is not None:
        days_open = business_days_between(draft.open_since, today)
        threshold = settings.late_threshold(decision)
        if days_open > threshold:
            warn(
                WarningCode.ESCALATING_LATE,
                f"open for {plural(days_open, 'business day')}, past the "
                f"{plural(threshold, 'business day')} allowed for {quoted(decision)}.",
            )

    if draft.manager_surprised:
        surprised = "your manager would be surprised to hear this from the customer"
        if raised:
            detail = (
                f"{surprised}, so the decision is raised from {quoted(band_decision)} "
                f"(score {total}) to {quoted(decision)}."
            )
        else:
            detail = (
                f"{surprised}, which confirms the escalation the score already calls for "
                f"(score {total}: {quoted(decision)})."
            )
        warn(WarningCode.MANAGER_SURPRISE, detail, advice="")

    if decision is Decision.HANDLE_YOURSELF and len(draft.signals) >= SIGNALS_CONVERGING_AT:
        names = join_words([SIGNAL_NAMES[s] for s in draft.signals])
        warn(
            WarningCode.SIGNALS_CONVERGING,
            f"{plural(len(draft.signals), 'signal')} ({names}) while the score says "
            f"{quoted(decision)}.",
        )

    return Evaluation(
        total=total,
        score_decision=band_decision,
        decision=decision,
        raised_by_manager_surprise=raised,
        route=route,
        warnings=warnings,
        why=_why(draft.scores),
        what_if=WhatIfs(
            up=_what_if(draft.scores, draft.manager_surprised, +1),
            down=_what_if(draft.scores, draft.manager_surprised, -1),
        ),
        business_days_open=days_open,
        assessed_on=today,
        suggested_by=suggested_by,
    )


def assess(
    draft: Draft,
    settings: Settings = DEFAULT_SETTINGS,
    now: datetime | None = None,
) -> Assessment:
    """Evaluate a draft and stamp it as an assessment ready to save or render."""
    now = now or datetime.now(timezone.utc)
    evaluation = evaluate(draft, settings, today=now.astimezone().date())
    return Assessment.from_parts(draft, evaluation, created_at=now)

