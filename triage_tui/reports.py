"""The text reports the command line prints: one assessment, its lifecycle, the history
and follow-up tables, the pattern review. Pure formatting (no I/O, no argparse): each
function returns the lines and ``cli.py`` prints them.

User text (accounts, notes, team names from the config) goes through :func:`cell`: the one
sanitizer (:func:`~triage_tui.domain.text.inert`) so it stays on its line and shows its control
characters, and columns measured in terminal cells, so wide (CJK, emoji) and zero-width
characters keep a table aligned."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .domain.rubric import (
    BAND_BY_DECISION,
    DIMENSIONS,
    ISSUE_TYPES,
    REVIEW_NAME,
    REVIEW_PERIOD_DAYS,
    Dimension,
    lcfirst,
    plural,
)
from .domain.text import display_width, fit, inert, pad

if TYPE_CHECKING:
    from .domain.escalation import DueItem, Escalation, NextDue
    from .domain.models import Assessment
    from .domain.review import EscalationReview, Review
    from .domain.settings import Settings


def summary_lines(a: Assessment) -> list[str]:
    """A readable summary of one assessment for the terminal."""
    band = BAND_BY_DECISION[a.decision]
    head = f"{cell(a.account)}: {a.total}/20 · {band.label}"
    if a.id is not None:
        head = f"#{a.id} {head}"
    lines = [head]
    if a.raised_by_manager_surprise:
        lines.append(
            f"  (the score alone says {BAND_BY_DECISION[a.score_decision].label.lower()}; "
            "raised by the manager-surprise test)"
        )
    lines.append(
        "  scores: "
        + ", ".join(f"{DIMENSIONS[d].phrase} {a.scores[d]}" for d in Dimension)
    )
    lines.append(f"  type: {ISSUE_TYPES[a.issue_type].label}")
    if a.route:
        lines.append(f"  route to: {cell(a.route.to)} ({lcfirst(a.route.when)})")
    lines.append(f"  why: {a.why.text}")
    for what_if in (a.what_if.up, a.what_if.down):
        if what_if:
            lines.append(f"  what if: {what_if.text}")
    if a.warnings:
        lines.append("  warnings:")
        lines.extend(f"    ! [{w.code}] {w.message}" for w in a.warnings)
    return lines


def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if not moment:
        return ""
    try:
        moment = moment.astimezone()
    except (OverflowError, ValueError):  # a stored date at the calendar's edge: as stored
        pass
    return moment.strftime(fmt)


def cell(text: str, width: int | None = None) -> str:
    """User text for one terminal line: control characters (a newline too) shown inert,
    cut to ``width`` terminal columns."""
    text = inert(text)
    return text if width is None else fit(text, width)


def _table(header: list[str], rows: list[list[str]], right: frozenset[int] = frozenset()) -> list[str]:
    widths = [max(display_width(h), *(display_width(r[i]) for r in rows))
              for i, h in enumerate(header)]

    def fmt(cells: list[str]) -> str:
        parts = [pad(c, w, right=i in right) for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(parts).rstrip()

    return [fmt(header), *(fmt(r) for r in rows)]


_SHORT_DECISION = {d: band.short for d, band in BAND_BY_DECISION.items()}  # table words


def _status(a: Assessment, now: datetime) -> str:
    if a.followup_overdue(now):
        return "check-in overdue"
    if a.followup_pending():
        return "check-in due"
    return a.status


def history_lines(items: Sequence[Assessment], now: datetime,
                  statuses: dict[int | None, str] | None = None) -> list[str]:
    """The ``triage history`` table, one row per assessment (in the order given);
    ``statuses``: the status to show per id (see :func:`status_word`)."""
    rows = [
        [str(a.id), local_time(a.created_at, "%Y-%m-%d"), cell(a.account, 24), f"{a.total}/20",
         _SHORT_DECISION[a.decision], a.issue_type.value,
         statuses[a.id] if statuses and a.id in statuses else _status(a, now)]
        for a in items
    ]
    return _table(["ID", "DATE", "ACCOUNT", "SCORE", "DECISION", "TYPE", "STATUS"],
                  rows, right=frozenset({0, 3}))


def followup_lines(items: Sequence[Assessment], now: datetime) -> list[str]:
    """The ``triage followups`` table: each pending check-in, due or overdue by how long."""
    rows = []
    for a in items:
        due = a.checkin_due_at
        assert due is not None
        hours = abs(due - now).total_seconds() / 3600
        state = f"overdue by {hours:.0f} h" if now > due else f"due in {hours:.0f} h"
        rows.append([str(a.id), cell(a.account, 24), _SHORT_DECISION[a.decision],
                     local_time(a.resolved_at), local_time(due), state])
    return _table(["ID", "ACCOUNT", "DECISION", "RESOLVED", "CHECK-IN DUE", "STATE"],
                  rows, right=frozenset({0}))


def review_lines(review: Review) -> list[str]:
    """The pattern review as text."""
    period = f"last {plural(review.period_days, 'day')}" if review.period_days else "all time"
    name = (f"The {REVIEW_NAME}" if review.period_days == REVIEW_PERIOD_DAYS
            else "Escalation pattern review")
    out = [f"{name} ({period}): {plural(review.assessments, 'assessment')}, "
           f"{plural(review.escalations, 'escalation')}, {review.open} open, "
           f"{review.resolved} resolved"]
    if not review.assessments:
        return out + ["nothing to review yet"]

    out += ["", "By decision"]
    out += [f"  {c.label:<24}{c.count:>5}" for c in review.by_decision]
    out += ["", "By issue type"]
    out += [f"  {c.key.replace('-', ' '):<24}{c.count:>5}" for c in review.by_issue_type]

    out += ["", f"Accounts escalating repeatedly (2+ within {review.repeat_window_days} days)"]
    if review.repeat_accounts:
        out += [f"  {pad(cell(r.account, 30), 32)}{plural(r.escalations, 'escalation'):>15} "
                f"(up to {r.most_in_window} in {review.repeat_window_days} days), "
                f"last {local_time(r.last_at, '%Y-%m-%d')}" for r in review.repeat_accounts]
    else:
        out.append("  none")

    t = review.time_to_escalate
    out += ["", "Time to escalate (business days open when assessed)"]
    if t.measured:
        out.append(f"  average {t.average_days}, median {t.median_days}, longest {t.max_days} "
                   f"({plural(t.measured, 'escalation')} with an open date); "
                   f"flagged late: {t.late}")
    else:
        out.append("  no escalation recorded when its issue was opened")

    out += ["", "Time to resolve escalations, by quarter resolved (days)"]
    if review.time_to_resolve:
        out += [f"  {q.quarter}  {q.resolved:>3} resolved  average {q.average_days:>5}  "
                f"median {q.median_days:>5}" for q in review.time_to_resolve]
        trend = {"growing": "growing: the process has a bottleneck",
                 "shrinking": "shrinking", "steady": "steady"}.get(review.resolve_trend or "")
        if trend:
            out.append(f"  last quarter against the one before: {trend}")
    else:
        out.append("  no escalation resolved yet")

    sat = review.satisfaction
    out += ["", "Satisfaction"]
    if sat.rated:
        dist = "  ".join(f"{n}:{c}" for n, c in sat.distribution.items())
        out.append(f"  average {sat.average}/5 over {sat.rated} resolved ({dist})")
    else:
        out.append("  no satisfaction recorded yet")

    out += ["", "Calibration (resolved escalations per band)"]
    out.append(f"  {'band':<24}{'resolved':>9}{'avg satisfaction':>18}{'avg days':>10}")
    for row in review.calibration:
        avg_sat = "-" if row.average_satisfaction is None else f"{row.average_satisfaction}"
        avg_days = "-" if row.average_days_to_resolve is None else f"{row.average_days_to_resolve}"
        out.append(f"  {row.label:<24}{row.resolved:>9}{avg_sat:>18}{avg_days:>10}")

    out += ["", f"Follow-ups due: {len(review.followups)} "
            f"({review.followups_overdue} overdue): triage followups"]
    return out


# --------------------------------------------------------------------- escalations that live


def _at(moment: date | datetime | None, now: datetime) -> str:
    """A due date or instant in the time zone of ``now`` (TRIAGE_NOW's, or the local one)."""
    if moment is None:
        return "-"
    if isinstance(moment, datetime):
        try:
            return moment.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M")
        except (OverflowError, ValueError):
            return moment.strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()


def span(delta: timedelta) -> str:
    """A duration in words: "45 min", "3 h", "2 days"."""
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)} h"
    return plural(round(seconds / 86400), "day")


def _lateness(deadline: datetime, now: datetime) -> str:
    late = now - deadline
    return f"late by {span(late)}" if late > timedelta(0) else f"due in {span(late)}"


def status_word(esc: Escalation, now: datetime, settings: Settings) -> str:
    """The status, and the most urgent thing due if any: "escalated · update overdue"."""
    from .domain.escalation import due_items

    items = due_items([esc], now, settings)
    return esc.status.value + (f" · {items[0].kind.value}" if items else "")


def due_lines(items: Sequence[DueItem], now: datetime) -> list[str]:
    """The ``triage due`` table: most urgent first, each with how late and the one command
    that acts on it."""
    from .domain.escalation import DUE_LABELS

    rows = [
        [str(i.id), cell(i.account, 24), DUE_LABELS[i.kind], _at(i.due, now),
         _lateness(i.deadline, now), f"triage {i.action} {i.id}"]
        for i in items
    ]
    return _table(["ID", "ACCOUNT", "WHAT", "DUE", "WHEN", "ACT"], rows, right=frozenset({0}))


def _event_detail(kind: str, data: dict) -> str:
    if kind in ("rescored",):
        before, after = data.get("before") or {}, data.get("after") or {}
        try:
            return (f"{before['total']}/20 {BAND_BY_DECISION_SLUG[before['decision']]} → "
                    f"{after['total']}/20 {BAND_BY_DECISION_SLUG[after['decision']]}")
        except (KeyError, TypeError):
            return ""
    if kind == "created":
        verdict = data.get("verdict") or {}
        try:
            return f"{verdict['total']}/20 {BAND_BY_DECISION_SLUG[verdict['decision']]}"
        except (KeyError, TypeError):
            return ""
    if kind == "resolved" and data.get("satisfaction") is not None:
        return f"satisfaction {data['satisfaction']}/5"
    if kind == "update" and data.get("next"):
        return f"next update by {data['next']}"
    return ""


BAND_BY_DECISION_SLUG = {d.value: band.label.lower() for d, band in BAND_BY_DECISION.items()}


def timeline_lines(esc: Escalation, now: datetime) -> list[str]:
    """Every event, oldest first: when, what, its detail and its text."""
    from .domain.escalation import EVENT_LABELS

    out = []
    for e in esc.events:
        detail = _event_detail(e.kind.value, dict(e.data))
        parts = [p for p in (detail, cell(e.text)) if p]
        out.append(f"  {_at(e.at, now)}  {EVENT_LABELS[e.kind]:<15} {' · '.join(parts)}".rstrip())
    return out


def escalation_lines(esc: Escalation, now: datetime, settings: Settings) -> list[str]:
    """Status, what is due next and the timeline (``show`` and ``timeline``)."""
    from .domain.escalation import clocks, next_due

    c = clocks(esc, now, settings)
    status = c.status.value + (" (stalled)" if c.stalled else "")
    if c.trend is not None:
        status += f", trend {c.trend.value}"
    out = [f"  status: {status}"]
    upcoming: list[NextDue] = next_due(esc, now, settings)
    if upcoming:
        out.append("  next: " + "; ".join(
            f"{n.what} {_at(n.due, now)} ({_lateness(n.deadline, now)})" for n in upcoming))
    out.append("  timeline:")
    out += timeline_lines(esc, now)
    return out


def escalation_review_lines(r: EscalationReview) -> list[str]:
    """What the timeline adds to the pattern review."""
    def num(value: float | None, unit: str = "") -> str:
        return "-" if value is None else f"{value}{unit}"

    out = ["", f"Escalations that live ({plural(r.escalations, 'escalation')} routed; "
           "a re-score never counts twice)"]
    acked = [row for row in r.ack_by_route if row.acknowledged]
    out.append("  time to acknowledge (median per route):")
    if acked:
        out += [f"    {row.issue_type.value:<24}{num(row.median_hours, ' h'):>9}  "
                f"{row.acknowledged} acknowledged, {row.late} late" for row in acked]
    else:
        out.append("    none acknowledged yet")
    out.append(f"  customer updates on time: {num(r.updates_on_time_pct, ' %')} "
               f"({r.updates_on_time} of {r.updates} logged on time, {r.updates_missed} overdue now)")
    out.append(f"  stall rate: {num(r.stall_rate_pct, ' %')} ({r.stalled} stalled)")
    out.append(f"  de-escalations: {r.de_escalations}")
    out.append(f"  re-scores: {r.rescores_up} up, {r.rescores_down} down, "
               f"{r.rescores_steady} steady")
    out.append(f"  time from open to escalated: median {num(r.median_days_to_escalate, ' days')} "
               f"({r.escalated_later} escalated after starting as handle-it-yourself)")
    out.append(f"  time to resolve (from escalated): median {num(r.median_days_to_resolve, ' days')}")
    out.append(f"  satisfaction: {num(r.satisfaction_average, '/5')} "
               f"over {r.satisfaction_rated} rated")
    return out
