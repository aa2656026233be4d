"""A realistic, deterministic demo history (for `triage demo`, tests, snapshots, benchmarks).

``demo_assessments(n, now, seed)`` always returns the same assessments for the same
arguments: about a year of escalation judgment calls across a book of accounts, with
a few accounts that escalate again and again, every issue type and band, most older
items resolved with a satisfaction score, resolution times that grow quarter over
quarter (so the review has something to say), and post-escalation check-ins done,
due and overdue.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.engine import add_business_days, evaluate, suggest_account_value
from ..domain.models import Assessment, Draft, Rationale, Scores
from ..paths import data_dir
from ..domain.rubric import BANDS, CHECKIN_HOURS, IssueType, Signal, Strategic

if TYPE_CHECKING:
    from ..domain.escalation import Event

DEMO_FILE = "demo.json"
DEFAULT_SEED = 20251
DEFAULT_COUNT = 60

# name, ARR (EUR), strategic tier, how often it comes up (weight)
ACCOUNTS: tuple[tuple[str, float, Strategic | None, int], ...] = (
    ("Northwind Traders", 182_000, Strategic.HIGH, 9),  # repeat escalator
    ("Globex Industries", 64_000, Strategic.MODERATE, 8),  # repeat escalator
    ("Initech", 38_000, None, 6),
    ("Umbrella Health", 240_000, Strategic.HIGH, 5),
    ("Acme Logistics", 21_000, None, 5),
    ("Stark Analytics", 95_000, Strategic.MODERATE, 4),
    ("Wayne Retail Group", 410_000, Strategic.HIGH, 3),
    ("Hooli Cloud", 12_500, None, 3),
    ("Vandelay Imports", 8_400, None, 3),
    ("Soylent Foods", 27_000, Strategic.NONE, 2),
    ("Tyrell Biotech", 55_000, None, 2),
    ("Cyberdyne Systems", 71_000, Strategic.MODERATE, 2),
    ("Massive Dynamic", 130_000, None, 2),
    ("Oscorp Media", 6_000, None, 1),
    ("Pied Piper", 4_800, Strategic.MODERATE, 1),
    ("Dunder Mifflin Paper", 16_000, None, 1),
)

# issue type: weight, and how it leans across (impact, time sensitivity, CSM capability)
TYPES: dict[IssueType, tuple[int, tuple[int, int, int]]] = {
    IssueType.PRODUCT_DEFECT: (30, (3, 2, 2)),
    IssueType.FEATURE_GAP: (14, (2, 1, 2)),
    IssueType.SERVICE_FAILURE: (14, (3, 3, 1)),
    IssueType.COMMERCIAL_DISPUTE: (10, (1, 2, 3)),
    IssueType.RELATIONSHIP_RISK: (12, (2, 2, 2)),
    IssueType.EXECUTIVE_INTERVENTION: (6, (3, 3, 4)),
    IssueType.CROSS_FUNCTIONAL: (14, (1, 2, 3)),
}
# How often each band comes up: most calls are "handle it" or "escalate for support".
BAND_WEIGHTS = (30, 40, 22, 8)

TEXTS: dict[IssueType, tuple[tuple[str, str, str], ...]] = {
    IssueType.PRODUCT_DEFECT: (
        ("The nightly sync to their ERP has failed {n} times since Monday; finance cannot "
         "close the month.", "An engineer assigned to the sync failure and a root cause",
         "Told their ops lead we escalated to engineering; next update Thursday"),
        ("Exports time out for reports over 50k rows; their weekly board pack is blocked.",
         "A fix or a supported workaround for large exports", ""),
        ("SSO logins fail for about a third of their users after the identity update.",
         "Priority investigation of the SSO regression",
         "Daily status email to their IT admin until fixed"),
    ),
    IssueType.FEATURE_GAP: (
        ("They need audit logs for a regulator review and we have none.",
         "A roadmap date for audit logs, or an interim export", ""),
        ("Missing bulk edit makes their quarterly price update a two-day manual job.",
         "A product call to scope bulk edit", "Shared the workaround guide with their admin"),
    ),
    IssueType.SERVICE_FAILURE: (
        ("Third SLA breach this quarter on P1 tickets; their VP has noticed.",
         "A support-leadership review of the P1 queue", "Apology call booked with their VP"),
        ("Onboarding is six weeks late after two handovers on our side.",
         "A dedicated onboarding lead until go-live", ""),
    ),
    IssueType.COMMERCIAL_DISPUTE: (
        ("They dispute the overage invoice ({n} extra seats they say were never used).",
         "Finance to review seat usage and the invoice", "Told them the invoice is on hold"),
        ("Renewal quote came in 18% higher than the signed cap.",
         "Approval to honour the contract cap", ""),
    ),
    IssueType.RELATIONSHIP_RISK: (
        ("Our champion left; the new director questions the renewal and skipped the QBR.",
         "An executive sponsor intro within two weeks", ""),
        ("Usage down {n}% over three months and the sponsor stopped replying.",
         "A leadership-led account review", "Sent a recap and asked for a 30-minute call"),
    ),
    IssueType.EXECUTIVE_INTERVENTION: (
        ("Their CEO emailed ours after a public outage hit their launch.",
         "A same-day call between our CRO and their CEO",
         "Told their chief of staff to expect a call today"),
    ),
    IssueType.CROSS_FUNCTIONAL: (
        ("A data migration needs professional services, support and engineering at once.",
         "One owner across the three teams and a joint plan", ""),
        ("Their security review needs legal, security and product answers by quarter end.",
         "Named owners for each open questionnaire section",
         "Shared a timeline with their procurement lead"),
    ),
}

RATIONALES = {
    "customer_impact": ("Workaround exists but costs them hours", "Blocks a core workflow",
                        "Revenue-facing process is down"),
    "time_sensitivity": ("Can wait for the next sprint", "Month-end close in three days",
                         "Their launch is tomorrow"),
    "csm_capability": ("Needs an engineer", "Needs a pricing approval",
                       "Needs an executive conversation"),
}


def sample_draft() -> Draft:
    """One realistic, fully filled-in draft (README screenshots, snapshot tests)."""
    return Draft(
        account="Northwind Logistics",
        arr=84000,
        scores=Scores(customer_impact=4, account_value=5, time_sensitivity=4, csm_capability=3),
        rationale=Rationale(
            customer_impact="Route planning down for 3 depots; manual workaround",
            account_value="EUR 84,000 ARR (suggested 5)",
            time_sensitivity="Peak season starts Monday",
            csm_capability="Needs engineering access",
        ),
        issue_type=IssueType.PRODUCT_DEFECT,
        signals=[Signal.SLA_BREACHED, Signal.WORKFLOW_BLOCKED],
        open_since=date(2026, 11, 18),
        situation="Since the 2.14 release, route optimisation times out for depots with "
        "more than 400 stops. Ops planners rebuild routes by hand every morning.",
        ask="Engineering to prioritise the timeout fix and share an ETA",
        by=date(2026, 11, 23),
        comms="Told their VP Ops we escalated; next update Monday 10:00",
    )


def demo_db_path() -> Path:
    """The demo's own file, next to (never instead of) the real history."""
    return data_dir() / DEMO_FILE


def _pick_account(rng: random.Random) -> tuple[str, float, Strategic | None]:
    name, arr, strategic, _ = rng.choices(ACCOUNTS, weights=[a[3] for a in ACCOUNTS])[0]
    return name, arr, strategic


def _scores(rng: random.Random, value: int, lean: tuple[int, int, int]) -> Scores:
    """Scores whose total falls in a band drawn by BAND_WEIGHTS (account value from ARR)."""
    band = rng.choices(BANDS, weights=BAND_WEIGHTS)[0]
    total = min(max(rng.randint(band.low, band.high), value + 3), value + 15)
    dims = [1, 1, 1]
    for _ in range(total - value - 3):
        room = [i for i in range(3) if dims[i] < 5]
        dims[rng.choices(room, weights=[lean[i] for i in room])[0]] += 1
    return Scores(customer_impact=dims[0], account_value=value,
                  time_sensitivity=dims[1], csm_capability=dims[2])


def _created_times(rng: random.Random, n: int, now: datetime, span_days: int) -> list[datetime]:
    times = []
    for _ in range(n):
        moment = now - timedelta(days=rng.uniform(0.2, span_days))
        while moment.weekday() >= 5:  # CSMs triage on working days
            moment -= timedelta(days=1)
        moment = moment.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59),
                                second=rng.randint(0, 59), microsecond=0)
        times.append(min(moment, now - timedelta(hours=1)))
    return sorted(times)


def _one(rng: random.Random, created: datetime, now: datetime, progress: float) -> Assessment:
    account, arr, strategic = _pick_account(rng)
    issue_type = rng.choices(list(TYPES), weights=[t[0] for t in TYPES.values()])[0]
    scores = _scores(rng, suggest_account_value(arr, strategic), TYPES[issue_type][1])
    situation, ask, comms = rng.choice(TEXTS[issue_type])
    situation = situation.format(n=rng.randint(2, 40))
    if rng.random() < 0.15:
        ask = ""  # some CSMs still escalate without an ask
    if rng.random() < 0.2:
        comms = ""
    signals = [s for s in Signal if rng.random() < 0.18]
    open_days = rng.choice((0, 0, 1, 1, 2, 2, 3, 4, 6, 9))
    open_since = created.date() - timedelta(days=open_days)
    rationale = {
        key: rng.choice(texts) for key, texts in RATIONALES.items() if rng.random() < 0.5
    }
    draft = Draft(
        account=account,
        arr=arr,
        strategic=strategic,
        scores=scores,
        rationale=Rationale(account_value=f"EUR {arr:,.0f} ARR", **rationale),
        issue_type=issue_type,
        signals=signals,
        manager_surprised=rng.random() < 0.08,
        open_since=open_since,
        situation=situation,
        ask=ask,
        by=add_business_days(created.date(), rng.choice((1, 2, 3, 5))) if rng.random() < 0.8
        else None,
        comms=comms,
    )
    evaluation = evaluate(draft, today=created.date())
    fields: dict[str, object] = {"created_at": created}

    # Lifecycle: resolution takes longer as the year goes on (a bottleneck to spot).
    base_days = {0: (0.5, 4), 1: (1, 7), 2: (0.5, 5), 3: (0.2, 2)}[evaluation.decision.rank]
    days = rng.uniform(*base_days) * (1 + 0.9 * progress)
    resolved = created + timedelta(days=days)
    if resolved < now - timedelta(hours=2) and rng.random() < 0.92:
        late = 1 if evaluation.business_days_open and evaluation.business_days_open > 2 else 0
        satisfaction = 5 - int(days > 3) - int(days > 6) - late + rng.choice((-1, 0, 0, 0, 1))
        fields.update(
            resolved_at=resolved,
            satisfaction=max(1, min(5, satisfaction)),
            resolution_note=rng.choice(("", "", "Fixed in the next release",
                                        "Credit note agreed", "Workaround accepted",
                                        "Sponsor re-engaged after the exec call")),
        )
        due = resolved + timedelta(hours=CHECKIN_HOURS)
        if evaluation.decision.escalates and due < now - timedelta(days=1):
            fields["checkin_done_at"] = resolved + timedelta(hours=rng.uniform(3, 44))
    return Assessment.from_parts(draft, evaluation, **fields)


def demo_assessments(
    n: int = DEFAULT_COUNT,
    now: datetime | None = None,
    seed: int = DEFAULT_SEED,
    span_days: int = 365,
) -> list[Assessment]:
    """``n`` assessments over the ``span_days`` before ``now``, oldest first, without ids."""
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    rng = random.Random(seed)
    times = _created_times(rng, n, now, span_days)
    start = times[0] if times else now
    items = [
        _one(rng, created, now, (created - start) / (now - start) if now > start else 0.0)
        for created in times
    ]
    _stage_followups(items, now)
    return items


def _stage_followups(items: list[Assessment], now: datetime) -> None:
    """Make sure the demo shows an open escalation, a check-in overdue and one due."""
    escalations = [i for i in range(len(items) - 1, -1, -1) if items[i].decision.escalates]
    if not escalations:
        return
    latest = escalations.pop(0)
    items[latest] = replace(
        items[latest], resolved_at=None, satisfaction=None, resolution_note="", checkin_done_at=None,
    )
    wanted = [timedelta(hours=60), timedelta(hours=10)]  # resolved this long ago
    for i in escalations:
        if not wanted:
            break
        a = items[i]
        if a.created_at < now - wanted[0] - timedelta(hours=12):
            items[i] = replace(
                a,
                resolved_at=now - wanted.pop(0),
                satisfaction=a.satisfaction or 4,
                checkin_done_at=None,
            )


def demo_timeline(a: Assessment, now: datetime, rng: random.Random, events: int = 10
                  ) -> list[Event]:
    """A plausible timeline of about ``events`` events for a demo assessment, in step with
    its lifecycle: created; acknowledged (when escalated); customer updates and notes
    spread until the resolution (or ``now``); resolved; checked in."""
    from ..domain import escalation as E

    timeline = [E.created_event(a)]
    end = a.resolved_at or now
    closing = int(a.resolved_at is not None) + int(a.checkin_done_at is not None)
    middle = max(0, events - 1 - closing)
    step = max(end - a.created_at, timedelta(0)) / (middle + 1)
    for i in range(middle):
        at = a.created_at + step * (i + 1)
        if i == 0 and a.decision.escalates:
            timeline.append(E.ack_event(at, "Picked up by the routed team"))
        elif rng.random() < 0.5:
            timeline.append(E.update_event(at, "Still on it: next update as promised"))
        else:
            timeline.append(E.note_event(at, "Progress noted"))
    if a.resolved_at is not None:
        timeline.append(E.resolve_event(a.resolved_at, a.satisfaction or 3, a.resolution_note))
        if a.checkin_done_at is not None:
            timeline.append(E.checkin_event(a.checkin_done_at))
    return timeline
