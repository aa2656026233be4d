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
class Band:
    decision: Decision
    low: int
    high: int
    label: str
    summary: str
    style: str  # a Textual theme variable name, used by the TUI


BANDS: tuple[Band, ...] = (
    Band(
        Decision.HANDLE_YOURSELF,
        4,
        8,
        "Handle it yourself",
        "Standard CSM resolution. No escalation needed",
        "success",
    ),
    Band(
        Decision.ESCALATE_FOR_SUPPORT,
        9,
        13,
        "Escalate for support",
        "You need resources, not rescue. Route to the appropriate team with a clear ask",
        "primary",
    ),
    Band(
        Decision.ESCALATE_WITH_URGENCY,
        14,
        17,
        "Escalate with urgency",
        "This requires attention beyond your level. "
        "Route to CS leadership and the relevant functional team",
        "warning",
    ),
    Band(
        Decision.ESCALATE_IMMEDIATELY,
        18,
        20,
        "Escalate immediately",
        "Executive-level attention. Same-day routing to CS leadership and potentially CRO",
        "error",
    ),
)
BAND_BY_DECISION: dict[Decision, Band] = {b.decision: b for b in BANDS}


@dataclass(frozen=True)
class IssueTypeSpec:
    key: IssueType
    label: str
    route_to: str
    when: str
    kind: EscalationKind


ISSUE_TYPES: dict[IssueType, IssueTypeSpec] = {
    spec.key: spec
    for spec in (
        IssueTypeSpec(
            IssueType.PRODUCT_DEFECT,
            "Product defect (technical)",
            "Engineering via support platform",
            "When the issue cannot be resolved through standard support channels within SLA",
            EscalationKind.TECHNICAL,
        ),
        IssueTypeSpec(
            IssueType.FEATURE_GAP,
            "Feature gap blocking the customer",
            "Product management",
            "When the gap is affecting retention and there is no workaround",
            EscalationKind.TECHNICAL,
        ),
        IssueTypeSpec(
            IssueType.SERVICE_FAILURE,
            "Service failure (SLA breach, repeated issues)",
            "CS leadership + support leadership",
            "When the pattern indicates a systemic problem, not a one-off",
            EscalationKind.FUNCTIONAL,
        ),
        IssueTypeSpec(
            IssueType.COMMERCIAL_DISPUTE,
            "Commercial dispute (billing, contract, pricing)",
            "CS leadership + finance",
            "When the customer disputes terms the CSM cannot resolve",
            EscalationKind.FUNCTIONAL,
        ),
        IssueTypeSpec(
            IssueType.RELATIONSHIP_RISK,
            "Relationship at risk (trust damage, champion frustration)",
            "CS leadership",
            "When the relationship damage exceeds what the CSM can repair alone",
            EscalationKind.RELATIONSHIP,
        ),
        IssueTypeSpec(
            IssueType.EXECUTIVE_INTERVENTION,
            "Executive intervention needed",
            "CRO or CEO office (via CS leadership)",
            "When the situation requires a peer-level response from your leadership",
            EscalationKind.HIERARCHICAL,
        ),
        IssueTypeSpec(
            IssueType.CROSS_FUNCTIONAL,
            "Cross-functional coordination",
            "Relevant team leads",
            "When the resolution requires coordinated action across teams "
            "the CSM does not control",
            EscalationKind.FUNCTIONAL,
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


# The mistakes table: each warning code, its short title and the seed's advice.
WARNINGS: dict[WarningCode, tuple[str, str]] = {
    WarningCode.NO_SPECIFIC_ASK: (
        "Escalating as a complaint, not an ask",
        "Every escalation must include a specific ask: what you need, from whom, by when.",
    ),
    WarningCode.NO_CUSTOMER_COMMS: (
        "Escalating instead of communicating",
        "Tell the customer in parallel: “I have escalated this to [team] "
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
        "If you cannot resolve it in the threshold for its severity, escalate.",
    ),
    WarningCode.MANAGER_SURPRISE: (
        "Not escalating because “it is not that bad”",
        "If your manager would be surprised to hear this from the customer, escalate.",
    ),
    WarningCode.SIGNALS_CONVERGING: (
        "Escalation signals converging",
        "Several escalation signals are present while the score says handle it yourself.",
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
# "Accounts escalating repeatedly" in the pattern review.
REPEAT_WINDOW_DAYS = 90
REPEAT_MIN_ESCALATIONS = 2


def lcfirst(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (CSM, CRO, SLA)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def band_for_total(total: int) -> Band:
    for band in BANDS:
        if band.low <= total <= band.high:
            return band
    raise ValueError(f"total {total} is outside {TOTAL_MIN}-{TOTAL_MAX}")
