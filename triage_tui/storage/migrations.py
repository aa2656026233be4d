"""Upgrading stored documents from older schema versions, on read.

Each step takes a raw document of version N and returns one of version N+1. The store
runs every step a document needs before validating it, and the next save writes the
upgraded form. Steps never drop what the user entered or the verdict of the time.

Version 1 (the first release) kept scores as flat keys and had no lifecycle::

    {"schema_version": 1, "account": "Initech", "impact": 4, "value": 3, "time": 5,
     "capability": 3, "type": "service-failure", "total": 15,
     "decision": "escalate-with-urgency", "route": "CS leadership + support leadership",
     "warnings": ["no-deadline"], "situation": "…", "ask": "…", "by": null, "comms": "",
     "signals": [], "manager_surprised": false, "open_since": "2025-02-03",
     "created": "2025-02-05T09:30:00+00:00"}

Version 2 nested scores and rationale, score_decision, route with its "when", warning
messages, why / what-if and the lifecycle.

Version 3 is :class:`triage_tui.domain.models.Assessment`: the route also lists its teams
(``route.teams``; a version 2 route "A + B" named the two teams A and B), and the
deadline the app suggests for the decision is kept (``suggested_by``).

Version 4 (escalations that live) keeps each record's append-only timeline in ``events``
(see :mod:`triage_tui.domain.escalation`) and, first in the record, two markers folded
from that timeline: ``watch`` (false once nothing can fall due: the store reads it on the
raw bytes to skip such records) and ``status``.
A version 3 record gets the events its lifecycle implies: created; resolved with its
satisfaction and note; checked in (closed).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Callable

from ..domain.models import SCHEMA_VERSION

Doc = dict[str, Any]


class MigrationError(ValueError):
    """A document that claims an old version but cannot be upgraded."""


def _v1_to_v2(doc: Doc) -> Doc:
    from ..domain.engine import business_days_between, evaluate
    from ..domain.models import Draft, Scores
    from ..domain.rubric import ISSUE_TYPES, WARNINGS, Decision, IssueType, WarningCode, band_for_total

    try:
        issue_type = IssueType(doc["type"])
        scores = Scores(
            customer_impact=doc["impact"],
            account_value=doc["value"],
            time_sensitivity=doc["time"],
            csm_capability=doc["capability"],
        )
        created = datetime.fromisoformat(doc["created"])
        if created.tzinfo is None:
            created = created.replace(tzinfo=timezone.utc)
        total = int(doc.get("total", scores.total))
        decision = Decision(doc["decision"])
        open_since = date.fromisoformat(doc["open_since"]) if doc.get("open_since") else None
        by = date.fromisoformat(doc["by"]) if doc.get("by") else None
        draft = Draft(
            account=str(doc["account"]),
            scores=scores,
            issue_type=issue_type,
            signals=doc.get("signals") or [],
            manager_surprised=bool(doc.get("manager_surprised", False)),
            open_since=open_since,
            situation=str(doc.get("situation") or ""),
            ask=str(doc.get("ask") or ""),
            by=by,
            comms=str(doc.get("comms") or ""),
        )
        codes = [WarningCode(code) for code in doc.get("warnings") or []]
    except (KeyError, TypeError, ValueError) as exc:
        raise MigrationError(f"cannot upgrade a version 1 record: {exc}") from None

    assessed_on = created.date()
    # The explanations (why / what-if) were not stored in version 1: recompute them from
    # the scores. The verdict itself (total, decision, route, warnings) is kept as it was.
    explained = evaluate(draft, today=assessed_on)
    score_decision = band_for_total(total).decision
    route = None
    if doc.get("route"):
        route = {"to": doc["route"], "when": ISSUE_TYPES[issue_type].when}
    return {
        **draft.to_dict(json_safe=True),
        "total": total,
        "score_decision": score_decision.value,
        "decision": decision.value,
        "raised_by_manager_surprise": decision is not score_decision,
        "route": route,
        "warnings": [
            {"code": code.value, "message": f"{WARNINGS[code][0]}: {WARNINGS[code][1]}"}
            for code in codes
        ],
        "why": explained.why.to_dict(json_safe=True),
        "what_if": explained.what_if.to_dict(json_safe=True),
        "business_days_open": (
            business_days_between(open_since, assessed_on) if open_since else None
        ),
        "assessed_on": assessed_on.isoformat(),
        "schema_version": 2,
        "created_at": created.isoformat(),
        "resolved_at": None,
        "satisfaction": None,
        "resolution_note": "",
        "checkin_done_at": None,
    }


def _v2_to_v3(doc: Doc) -> Doc:
    from ..domain.engine import suggested_deadline
    from ..domain.rubric import Decision

    try:
        suggested = suggested_deadline(
            Decision(doc["decision"]), date.fromisoformat(doc["assessed_on"])
        ).isoformat()
    except (KeyError, TypeError, ValueError) as exc:
        raise MigrationError(f"cannot upgrade a version 2 record: {exc}") from None
    route = doc.get("route")
    if isinstance(route, dict) and "teams" not in route:
        to = route.get("to")
        if not isinstance(to, str):
            raise MigrationError("cannot upgrade a version 2 record: its route has no 'to'")
        route = {**route, "teams": [name.strip() for name in to.split("+") if name.strip()]}
    return {**doc, "route": route, "suggested_by": suggested, "schema_version": 3}


def _v3_to_v4(doc: Doc) -> Doc:
    from ..domain.escalation import Event, EscalationError, fold, legacy_events

    try:
        events = legacy_events(doc)
        state = fold(Event.from_json(e) for e in events)
    except (EscalationError, KeyError, TypeError, ValueError) as exc:
        raise MigrationError(f"cannot upgrade a version 3 record: {exc}") from None
    return with_markers({**doc, "events": events, "schema_version": 4}, state)


def with_markers(doc: Doc, state: Any) -> Doc:
    """``doc`` led by its two markers, from its folded timeline (an escalation ``State``):
    ``watch`` (false once nothing can fall due any more: closed, or resolved without ever
    having been escalated) and ``status``. The store tests ``{"watch":false`` on the raw
    bytes to skip such records without parsing them."""
    from ..domain.escalation import Status

    done = state.status is Status.CLOSED or (
        state.status is Status.RESOLVED and state.escalated_at is None)
    out: Doc = {"watch": not done, "status": state.status.value}
    out.update((k, v) for k, v in doc.items() if k not in ("watch", "status"))
    return out


# from-version → step to the next version
MIGRATIONS: dict[int, Callable[[Doc], Doc]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


def doc_version(doc: Doc) -> int | None:
    version = doc.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        return None
    return version


def migrate(doc: Doc) -> Doc:
    """Upgrade ``doc`` to SCHEMA_VERSION (a no-op for current documents)."""
    version = doc_version(doc)
    if version is None:
        raise MigrationError("no schema_version")
    if version > SCHEMA_VERSION:
        raise MigrationError(
            f"schema version {version} is newer than this triage-tui reads ({SCHEMA_VERSION})"
        )
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise MigrationError(f"no migration from schema version {version}")
        doc = step(doc)
        version = doc_version(doc) or SCHEMA_VERSION
    return doc
