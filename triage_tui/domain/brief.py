"""The markdown brief: Jinja2 rendering (sandboxed) and markdown-safe user text."""

from __future__ import annotations

import operator
import re
import sys
import time
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

# A user's template is code someone else may have written: it gets this long and may
# write this much (the shipped one takes a few milliseconds and writes ~2 000 characters).
RENDER_SECONDS = 2.0
RENDER_MAX_CHARS = 1_000_000


class TemplateLimitError(Exception):
    """A template ran too long or wrote too much (a loop that never ends, say)."""

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


class _LimitedSandbox(SandboxedEnvironment):
    """Jinja2's sandbox, plus no ``*`` or ``**`` that would build a huge value in one
    C-level step (``"x" * 10**10``), which no time limit could interrupt."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            if isinstance(right, (int, float)) and abs(right) > 64:
                raise TemplateLimitError("the template raises a number to too high a power")
            return operator.pow(left, right)
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, bytes, list, tuple)) and isinstance(count, int) \
                    and len(seq) * count > RENDER_MAX_CHARS:
                raise TemplateLimitError(
                    f"the template builds a value of more than {RENDER_MAX_CHARS:,} items")
        return operator.mul(left, right)


@lru_cache(maxsize=8)
def _environment(search_dir: str) -> SandboxedEnvironment:
    env = _LimitedSandbox(
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
    return render_limited(env.get_template(name), brief_context(a, settings, previous))


def render_limited(template: Any, context: dict[str, Any], *, seconds: float | None = None,
                   max_chars: int | None = None) -> str:
    """``template`` rendered, stopped with :class:`TemplateLimitError` after ``seconds``
    or ``max_chars`` of output.

    The time limit is checked on every line the compiled template runs (a trace function
    on this thread, for the template's own code only), so a loop that writes nothing is
    stopped too; the previous trace function (a debugger, coverage) is put back after."""
    seconds = RENDER_SECONDS if seconds is None else seconds
    max_chars = RENDER_MAX_CHARS if max_chars is None else max_chars
    deadline = time.monotonic() + seconds
    filename = template.filename or "<template>"

    def too_slow() -> TemplateLimitError:
        return TemplateLimitError(f"the template took longer than {seconds:g} s (stopped)")

    def local(frame: Any, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise too_slow()
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == filename:
            return local(frame, event, arg)
        return None

    tracer = sys.gettrace()
    sys.settrace(calls)
    try:
        out: list[str] = []
        size = 0
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > max_chars:
                raise TemplateLimitError(
                    f"the template wrote more than {max_chars:,} characters (stopped)")
            out.append(chunk)
        return "".join(out)
    finally:
        sys.settrace(tracer)
