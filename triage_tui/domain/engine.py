"""The escalation engine: pure functions from a Draft to an Evaluation."""

from __future__ import annotations

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
    DIMENSIONS,
    ESCALATION_ONLY_WARNINGS,
    ISSUE_TYPES,
    SCORE_MAX,
    SCORE_MIN,
    SIGNALS_CONVERGING_AT,
    STRATEGIC_MIN_SCORE,
    WARNINGS,
    Decision,
    Dimension,
    Strategic,
    WarningCode,
    band_for_total,
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
    if strategic is not None:
        parts.append(f"{strategic.value} strategic value")
    return ", ".join(parts)


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
    labels = {d: DIMENSIONS[d].phrase for d in Dimension}
    if top == low:
        return Why(
            drivers=list(Dimension),
            text=f"All four dimensions score {top}: no single dimension drives the total.",
        )
    drivers = [d for d in Dimension if scores[d] == top]
    held = [d for d in Dimension if scores[d] == low]
    text = (
        f"Driven by {_join([f'{labels[d]} ({top})' for d in drivers])}; "
        f"held down by {_join([f'{labels[d]} ({low})' for d in held])}."
    )
    return Why(drivers=drivers, text=text)


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


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
        text=f"{_join(options, 'or')} would make this {label}",
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

    route = None
    if decision.escalates:
        spec = ISSUE_TYPES[draft.issue_type]
        route = Route(to=settings.route_to(draft.issue_type), when=spec.when)

    warnings: list[WarningItem] = []

    def warn(code: WarningCode, detail: str) -> None:
        title, advice = WARNINGS[code]
        warnings.append(WarningItem(code=code, message=f"{title}: {detail} {advice}".strip()))

    if decision.escalates:
        missing = {
            WarningCode.NO_SPECIFIC_ASK: not draft.ask.strip(),
            WarningCode.NO_CUSTOMER_COMMS: not draft.comms.strip(),
            WarningCode.NO_DEADLINE: draft.by is None,
            WarningCode.NO_SITUATION: not draft.situation.strip(),
        }
        details = {
            WarningCode.NO_SPECIFIC_ASK: "no specific ask.",
            WarningCode.NO_CUSTOMER_COMMS: "no customer communication plan.",
            WarningCode.NO_DEADLINE: "no “by when”.",
            WarningCode.NO_SITUATION: "no situation described.",
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
                f"open {days_open} business days, beyond the {threshold}-business-day "
                f"threshold for “{BAND_BY_DECISION[decision].label.lower()}”.",
            )

    if draft.manager_surprised:
        if raised:
            detail = (
                "your manager would be surprised to hear this from the customer, so the "
                f"decision is raised from “{BAND_BY_DECISION[band_decision].label.lower()}” "
                f"to “{BAND_BY_DECISION[decision].label.lower()}”."
            )
        else:
            detail = (
                "your manager would be surprised to hear this from the customer; "
                "the score already says escalate."
            )
        warn(WarningCode.MANAGER_SURPRISE, detail)

    if decision is Decision.HANDLE_YOURSELF and len(draft.signals) >= SIGNALS_CONVERGING_AT:
        names = ", ".join(s.value for s in draft.signals)
        warn(
            WarningCode.SIGNALS_CONVERGING,
            f"{len(draft.signals)} signals ({names}) while the decision is handle it yourself.",
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

