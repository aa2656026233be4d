"""The seed's escalation method as data: one place for every table and threshold.

The engine, the TUI labels, the CLI help and the brief all read from here.
Source: ``seeds/002_…txt`` (rubric, bands, routing, mistakes) and ``seeds/000_…txt``
(escalation types, signals, the two-business-day rule, the 48-hour check-in).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Dimension(StrEnum):
    CUSTOMER_IMPACT = "customer_impact"
    ACCOUNT_VALUE = "account_value"
    TIME_SENSITIVITY = "time_sensitivity"
    CSM_CAPABILITY = "csm_capability"


class Decision(StrEnum):
    HANDLE_YOURSELF = "handle-yourself"
    ESCALATE_FOR_SUPPORT = "escalate-for-support"
    ESCALATE_WITH_URGENCY = "escalate-with-urgency"
    ESCALATE_IMMEDIATELY = "escalate-immediately"

    @property
    def rank(self) -> int:
        return list(Decision).index(self)

    @property
    def escalates(self) -> bool:
        return self is not Decision.HANDLE_YOURSELF


class IssueType(StrEnum):
    PRODUCT_DEFECT = "product-defect"
    FEATURE_GAP = "feature-gap"
    SERVICE_FAILURE = "service-failure"
    COMMERCIAL_DISPUTE = "commercial-dispute"
    RELATIONSHIP_RISK = "relationship-risk"
    EXECUTIVE_INTERVENTION = "executive-intervention"
    CROSS_FUNCTIONAL = "cross-functional"


class EscalationKind(StrEnum):
    """The four escalation types of the background seed."""

    TECHNICAL = "technical"
    FUNCTIONAL = "functional"
    HIERARCHICAL = "hierarchical"
    RELATIONSHIP = "relationship"


class Signal(StrEnum):
    SLA_BREACHED = "sla-breached"
    SENIOR_REQUESTED = "senior-requested"
    BEYOND_EXPERTISE = "beyond-expertise"
    HEALTH_RED = "health-red"
    WORKFLOW_BLOCKED = "workflow-blocked"


class Strategic(StrEnum):
    NONE = "none"
    MODERATE = "moderate"
    HIGH = "high"


class WarningCode(StrEnum):
    NO_SPECIFIC_ASK = "no-specific-ask"
    NO_CUSTOMER_COMMS = "no-customer-comms"
    NO_DEADLINE = "no-deadline"
    NO_SITUATION = "no-situation"
    ESCALATING_LATE = "escalating-late"
    MANAGER_SURPRISE = "manager-surprise"
    SIGNALS_CONVERGING = "signals-converging"


SCORE_MIN = 1
SCORE_MAX = 5
TOTAL_MIN = SCORE_MIN * len(Dimension)
TOTAL_MAX = SCORE_MAX * len(Dimension)


@dataclass(frozen=True)
class DimensionSpec:
    key: Dimension
    label: str
    levels: dict[int, str]  # the seed's text for levels 1, 3 and 5
    level_names = {1: "Low", 3: "Medium", 5: "High"}

    @property
    def phrase(self) -> str:
        """The label inside a sentence: 'customer impact', but 'CSM capability'."""
        return lcfirst(self.label)

    def level_text(self, value: int, **fmt: str) -> str:
        """Rubric text for any level 1–5; 2 and 4 sit between their neighbours.

        ``fmt`` fills the account-value placeholders (``cur``, ``low``, ``high``).
        """
        fmt = {"cur": DEFAULT_CURRENCY, "low": "10k", "high": "50k", **fmt}
        if value in self.levels:
            return f"{self.level_names[value]}: {self.levels[value].format(**fmt)}"
        lower, upper = value - 1, value + 1
        return (
            f"Between {self.level_names[lower].lower()} ({lower}) and "
            f"{self.level_names[upper].lower()} ({upper}) — more than "
            f"“{self.levels[lower].format(**fmt)}”, less than "
            f"“{self.levels[upper].format(**fmt)}”"
        )


DIMENSIONS: dict[Dimension, DimensionSpec] = {
    Dimension.CUSTOMER_IMPACT: DimensionSpec(
        Dimension.CUSTOMER_IMPACT,
        "Customer impact",
        {
            1: "Inconvenience. Workaround exists. No business disruption",
            3: "Moderate disruption. Workaround is painful. Some business impact",
            5: "Severe disruption. No workaround. Direct business or revenue impact",
        },
    ),
    Dimension.ACCOUNT_VALUE: DimensionSpec(
        Dimension.ACCOUNT_VALUE,
        "Account value",
        {
            1: "<{cur} {low} ARR, non-strategic",
            3: "{cur} {low}-{high} ARR or moderate strategic value",
            5: ">{cur} {high} ARR or high strategic value (logo, reference, board-level)",
        },
    ),
    Dimension.TIME_SENSITIVITY: DimensionSpec(
        Dimension.TIME_SENSITIVITY,
        "Time sensitivity",
        {
            1: "Can be addressed within normal cadence (1-2 weeks)",
            3: "Needs resolution within days",
            5: "Needs resolution today. Delay creates compounding damage",
        },
    ),
    Dimension.CSM_CAPABILITY: DimensionSpec(
        Dimension.CSM_CAPABILITY,
        "CSM capability",
        {
            1: "You can resolve this with existing resources and authority",
            3: "You need input or resources you do not have, but the issue is defined",
            5: "The issue is beyond your expertise, authority, or access. "
            "You cannot resolve it alone",
        },
    ),
}


@dataclass(frozen=True)
class Team:
    """One team on a route: its name (``route.teams``) and how it reads in the route
    sentence (``route.to``). ``phrase`` None: another team's phrase already names it
    ("the CRO or CEO office (via CS leadership)" names CS leadership)."""

    name: str
    phrase: str | None


CS_LEADERSHIP = Team("CS leadership", "CS leadership")
CRO_IF_NEEDED = Team("CRO", "the CRO (if needed)")


@dataclass(frozen=True)
class Band:
    decision: Decision
    low: int
    high: int
    label: str
    summary: str
    style: str  # a Textual theme variable name, used by the TUI
    short: str  # the word the history table prints ("immediately")
    # Who the band adds to the issue type's team(s), from the seed's decision table
    # ("route to CS leadership and the relevant functional team"), and when.
    adds: tuple[Team, ...] = ()
    route_when: str = ""


BANDS: tuple[Band, ...] = (
    Band(
        Decision.HANDLE_YOURSELF,
        4,
        8,
        "Handle it yourself",
        "Standard CSM resolution. No escalation needed",
        "success",
        "handle yourself",
    ),
    Band(
        Decision.ESCALATE_FOR_SUPPORT,
        9,
        13,
        "Escalate for support",
        "You need resources, not rescue. Route to the appropriate team with a clear ask",
        "primary",
        "for support",
    ),
    Band(
        Decision.ESCALATE_WITH_URGENCY,
        14,
        17,
        "Escalate with urgency",
        "This requires attention beyond your level. "
        "Route to CS leadership and the relevant functional team",
        "warning",
        "with urgency",
        adds=(CS_LEADERSHIP,),
    ),
    Band(
        Decision.ESCALATE_IMMEDIATELY,
        18,
        20,
        "Escalate immediately",
        "Executive-level attention. Same-day routing to CS leadership and potentially CRO",
        "error",
        "immediately",
        adds=(CS_LEADERSHIP, CRO_IF_NEEDED),
        route_when="same day",
    ),
)
BAND_BY_DECISION: dict[Decision, Band] = {b.decision: b for b in BANDS}


@dataclass(frozen=True)
class IssueTypeSpec:
    key: IssueType
    label: str
    route_to: str  # the seed's "Route To" column, as written
    when: str
    kind: EscalationKind
    teams: tuple[Team, ...]  # the same route as teams, for route.teams and the band rule


ISSUE_TYPES: dict[IssueType, IssueTypeSpec] = {
    spec.key: spec
    for spec in (
        IssueTypeSpec(
            IssueType.PRODUCT_DEFECT,
            "Product defect (technical)",
            "Engineering via support platform",
            "When the issue cannot be resolved through standard support channels within SLA",
            EscalationKind.TECHNICAL,
            (Team("Engineering", "Engineering via support platform"),),
        ),
        IssueTypeSpec(
            IssueType.FEATURE_GAP,
            "Feature gap blocking the customer",
            "Product management",
            "When the gap is affecting retention and there is no workaround",
            EscalationKind.TECHNICAL,
            (Team("Product management", "Product management"),),
        ),
        IssueTypeSpec(
            IssueType.SERVICE_FAILURE,
            "Service failure (SLA breach, repeated issues)",
            "CS leadership + support leadership",
            "When the pattern indicates a systemic problem, not a one-off",
            EscalationKind.FUNCTIONAL,
            (CS_LEADERSHIP, Team("Support leadership", "support leadership")),
        ),
        IssueTypeSpec(
            IssueType.COMMERCIAL_DISPUTE,
            "Commercial dispute (billing, contract, pricing)",
            "CS leadership + finance",
            "When the customer disputes terms the CSM cannot resolve",
            EscalationKind.FUNCTIONAL,
            (CS_LEADERSHIP, Team("Finance", "finance")),
        ),
        IssueTypeSpec(
            IssueType.RELATIONSHIP_RISK,
            "Relationship at risk (trust damage, champion frustration)",
            "CS leadership",
            "When the relationship damage exceeds what the CSM can repair alone",
            EscalationKind.RELATIONSHIP,
            (CS_LEADERSHIP,),
        ),
        IssueTypeSpec(
            IssueType.EXECUTIVE_INTERVENTION,
            "Executive intervention needed",
            "CRO or CEO office (via CS leadership)",
            "When the situation requires a peer-level response from your leadership",
            EscalationKind.HIERARCHICAL,
            (
                Team("CS leadership", None),
                Team("CRO or CEO office", "the CRO or CEO office (via CS leadership)"),
            ),
        ),
        IssueTypeSpec(
            IssueType.CROSS_FUNCTIONAL,
            "Cross-functional coordination",
            "Relevant team leads",
            "When the resolution requires coordinated action across teams "
            "the CSM does not control",
            EscalationKind.FUNCTIONAL,
            (Team("Relevant team leads", "the relevant team leads"),),
        ),
    )
}


SIGNALS: dict[Signal, str] = {
    Signal.SLA_BREACHED: "Open longer than the SLA allows without meaningful progress",
    Signal.SENIOR_REQUESTED: "The customer asked to speak with someone more senior",
    Signal.BEYOND_EXPERTISE: "Needs access or expertise you do not have",
    Signal.HEALTH_RED: "Customer health score is red (multiple converging signals)",
    Signal.WORKFLOW_BLOCKED: "Blocking the customer's workflow, not just an inconvenience",
}
SIGNALS_CONVERGING_AT = 2  # "multiple converging" signals
# The same signals, short, for a sentence ("… while the score says handle it yourself").
SIGNAL_NAMES: dict[Signal, str] = {
    Signal.SLA_BREACHED: "SLA passed without progress",
    Signal.SENIOR_REQUESTED: "customer asked for someone senior",
    Signal.BEYOND_EXPERTISE: "needs access or expertise you lack",
    Signal.HEALTH_RED: "health score red",
    Signal.WORKFLOW_BLOCKED: "customer's workflow blocked",
}


# The mistakes table: each warning code, its short title and the seed's advice.
# The message of a warning is "<title>: <what is missing or happened> <advice>".
WARNINGS: dict[WarningCode, tuple[str, str]] = {
    WarningCode.NO_SPECIFIC_ASK: (
        "Escalating as a complaint, not an ask",
        "Say what you need, from whom and by when: “I need [team] to [do X] by [date]”.",
    ),
    WarningCode.NO_CUSTOMER_COMMS: (
        "Escalating instead of communicating",
        "Tell them in parallel: “I have escalated this to [team] "
        "and expect an update by [date]”.",
    ),
    WarningCode.NO_DEADLINE: (
        "No deadline",
        "Say by when you need it: an escalation without a date gets no priority.",
    ),
    WarningCode.NO_SITUATION: (
        "Escalating without context",
        "Give the history, the ask and the commercial context, not just “customer is unhappy”.",
    ),
    WarningCode.ESCALATING_LATE: (
        "Escalating too late",
        "Keep a rule: if you cannot resolve it within the limit for its severity, escalate.",
    ),
    WarningCode.MANAGER_SURPRISE: (
        "Manager-surprise test",
        "If your manager would be surprised to hear this from the customer, escalate.",
    ),
    WarningCode.SIGNALS_CONVERGING: (
        "Escalation signals converging",
        "Several signals at once usually mean it is time to escalate: check the scores.",
    ),
}

# Warnings that only make sense when the decision is to escalate.
ESCALATION_ONLY_WARNINGS = (
    WarningCode.NO_SPECIFIC_ASK,
    WarningCode.NO_CUSTOMER_COMMS,
    WarningCode.NO_DEADLINE,
    WarningCode.NO_SITUATION,
)

# The two-business-day rule, the default threshold for every band.
DEFAULT_LATE_THRESHOLD_DAYS = 2
# Default "by when" offered by the TUI, in business days, per decision.
DEFAULT_DEADLINE_BUSINESS_DAYS: dict[Decision, int] = {
    Decision.HANDLE_YOURSELF: 10,
    Decision.ESCALATE_FOR_SUPPORT: 3,
    Decision.ESCALATE_WITH_URGENCY: 1,
    Decision.ESCALATE_IMMEDIATELY: 0,
}
# The post-escalation check-in is due within this many hours of resolution.
CHECKIN_HOURS = 48
# The account-value helper, the seed's bands (configurable).
DEFAULT_CURRENCY = "EUR"
DEFAULT_ARR_LOW = 10_000
DEFAULT_ARR_HIGH = 50_000
STRATEGIC_MIN_SCORE: dict[Strategic, int] = {
    Strategic.NONE: 1,
    Strategic.MODERATE: 3,
    Strategic.HIGH: 5,
}
# The pattern review: the seed says review escalation patterns monthly. `triage stats`
# and the review screen both default to this period.
REVIEW_NAME = "monthly review"
REVIEW_PERIOD_DAYS = 30
# "Accounts escalating repeatedly" in the pattern review.
REPEAT_WINDOW_DAYS = 90
REPEAT_MIN_ESCALATIONS = 2


def lcfirst(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (CSM, CRO, SLA)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def ucfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 escalation', '2 escalations', '0 business days'."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def join_words(items: list[str], word: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _words(text: str) -> list[str]:
    return text.lower().replace("-", " ").replace("_", " ").split()


def decision_from_text(text: str) -> Decision:
    """A decision from its slug, its label, the word the history table prints
    ("immediately") or an unambiguous word or prefix ("urgency", "support", "yourself").
    Raises ValueError with a one-line reason otherwise."""
    words = _words(text)
    if not words:
        raise ValueError("no decision given")
    for band in BANDS:
        if any(words == _words(name) for name in (band.decision.value, band.short, band.label)):
            return band.decision
    matches = [
        band.decision
        for band in BANDS
        if all(
            any(known.startswith(word) for known in
                {*_words(band.decision.value), *_words(band.short), *_words(band.label)})
            for word in words
        )
    ]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(d.value for d in Decision)
    if matches:
        raise ValueError(
            f"{text.strip()!r} could mean {join_words([d.value for d in matches], 'or')}"
        )
    raise ValueError(f"unknown decision {text.strip()!r}: use one of {known}")


def band_for_total(total: int) -> Band:
    for band in BANDS:
        if band.low <= total <= band.high:
            return band
    raise ValueError(f"total {total} is outside {TOTAL_MIN}-{TOTAL_MAX}")
