"""The markdown brief: Jinja2 rendering (sandboxed) and markdown-safe user text."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from .models import Assessment
from .rubric import BAND_BY_DECISION, DIMENSIONS, ISSUE_TYPES, SIGNALS, Decision, Dimension, lcfirst
from .settings import DEFAULT_SETTINGS, Settings

TEMPLATE_NAME = "assessment.md.j2"

# Characters that can start or change markdown structure inline; all are escaped with
# a backslash (CommonMark lets any ASCII punctuation be escaped).
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!&])")
# Characters that only matter at the start of a line (lists, quotes, headings, rules).
_LINE_START_SPECIAL = re.compile(r"^([-+=>:])")
_ORDERED_LIST = re.compile(r"^(\d+)([.)])")


def _clean(text: object) -> str:
    """Drop control characters; keep newlines for the caller to decide."""
    text = "" if text is None else str(text)
    return "".join(
        ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else " "
        for ch in text.replace("\r\n", "\n").replace("\r", "\n")
    )


def md_inline(text: object) -> str:
    """User text as one safe markdown line: no newlines, no live markup, no `|`."""
    line = " ".join(_clean(text).split())
    line = _INLINE_SPECIAL.sub(r"\\\1", line)
    line = _LINE_START_SPECIAL.sub(r"\\\1", line)
    return _ORDERED_LIST.sub(r"\1\\\2", line)


def md_block(text: object) -> str:
    """User text as safe markdown paragraphs (blank lines separate paragraphs)."""
    paragraphs = re.split(r"\n\s*\n", _clean(text).strip())
    return "\n\n".join(md_inline(p) for p in paragraphs if p.strip())


def templates_dir() -> Path:
    """The shipped templates: inside the wheel, or the repository's templates/."""
    packaged = Path(__file__).resolve().parent.parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


@lru_cache(maxsize=8)
def _environment(search_dir: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(search_dir),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["md"] = md_inline
    env.filters["md_block"] = md_block
    env.filters["lcfirst"] = lcfirst
    return env


def previously(previous: tuple[int, Decision, datetime] | None) -> str:
    """The brief's line for a re-scored escalation: "N/20, <decision>, on <date>" (the
    verdict before the last re-score; see ``escalation.previous_verdict``), or ""."""
    if previous is None:
        return ""
    total, decision, when = previous
    return f"{total}/20, {BAND_BY_DECISION[decision].label.lower()}, on {when:%Y-%m-%d}"


def brief_context(a: Assessment, settings: Settings = DEFAULT_SETTINGS,
                  previous: tuple[int, Decision, datetime] | None = None) -> dict[str, Any]:
    """Everything a template may use. Raw user text is passed as data, never as template.
    ``previous``: the verdict before the last re-score, if any."""
    band = BAND_BY_DECISION[a.decision]
    rows = [
        {
            "key": dim.value,
            "label": DIMENSIONS[dim].label,
            "score": a.scores[dim],
            "rationale": a.rationale[dim],
        }
        for dim in Dimension
    ]
    return {
        "a": a,
        "account": a.account,
        "situation": a.situation,
        "rows": rows,
        "total": a.total,
        "decision": a.decision.value,
        "decision_label": band.label,
        "decision_summary": band.summary,
        "score_decision_label": BAND_BY_DECISION[a.score_decision].label,
        "raised": a.raised_by_manager_surprise,
        "escalates": a.decision.escalates,
        "issue_type_label": ISSUE_TYPES[a.issue_type].label,
        "escalation_kind": ISSUE_TYPES[a.issue_type].kind.value,
        "route": a.route,
        "route_teams": list(a.route.teams) if a.route else [],
        "ask": a.ask,
        "by": a.by.isoformat() if a.by else "",
        "comms": a.comms,
        "why": a.why.text,
        "what_if_up": a.what_if.up.text if a.what_if.up else "",
        "what_if_down": a.what_if.down.text if a.what_if.down else "",
        "signals": [SIGNALS[s] for s in a.signals],
        "business_days_open": a.business_days_open,
        "warnings": [w.message for w in a.warnings],
        "brief_warnings": settings.brief_warnings,
        "currency": settings.currency,
        "previously": previously(previous),
    }


def render_brief(
    a: Assessment,
    settings: Settings = DEFAULT_SETTINGS,
    template: Path | None = None,
    previous: tuple[int, Decision, datetime] | None = None,
) -> str:
    """Render the brief with the user's template (settings.template) or the shipped one."""
    template = template or settings.template
    if template is not None:
        env = _environment(str(Path(template).expanduser().resolve().parent))
        name = Path(template).name
    else:
        env = _environment(str(templates_dir()))
        name = TEMPLATE_NAME
    return env.get_template(name).render(**brief_context(a, settings, previous))
