"""The live verdict: total, band, decision, route, why / what-if and warnings.

Fed a draft and its evaluation with `show(draft, evaluation)` (the assess screen calls it
on every change of the form). The texts are built as Content (no markup is parsed, user
text stays data).

Stable layout: a slider key must not move anything. Each text keeps the lines it has
needed at the current width (a reservation that only grows; it starts with room for
the usual case), so a new text that fits is a repaint of the widget alone, never a new
layout of the screen. Only a text taller than any before at this width asks for one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ...domain.models import Draft, Evaluation
from ...domain.rubric import BAND_BY_DECISION, TOTAL_MAX, WARNINGS
from .bandbar import BandBar

Parts = list[str | tuple[str, str]]


def total_content(total: int) -> Content:
    return Content.assemble("Total ", (str(total), "b"), f"/{TOTAL_MAX}")


def decision_content(ev: Evaluation) -> Content:
    band = BAND_BY_DECISION[ev.decision]
    colour = f"${band.style}"
    parts: Parts = [(f"● {band.label}", f"b {colour}"), "\n", (f"{band.summary}.", "$text-muted")]
    if ev.raised_by_manager_surprise:
        score_band = BAND_BY_DECISION[ev.score_decision].label.lower()
        parts += ["\n", (f"Raised from {score_band} by the manager-surprise test.", colour)]
    return Content.assemble(*parts)


def route_content(route: tuple[str, str] | None, by: date | None) -> Content:
    if route is not None:
        parts: Parts = [("Route to", "b"), " ", (route[0], "b $primary"), "\n", (route[1], "$text-muted")]
    else:
        parts = [("Route", "b"), " ", ("no escalation: handle it yourself", "$text-muted")]
    if by is not None:
        parts += ["\n", ("By", "b"), f" {by.isoformat()}"]
    return Content.assemble(*parts)


def why_content(why: str, what_ifs: tuple[str, ...]) -> Content:
    parts: Parts = [("Why", "b"), f" {why}"]
    for text in what_ifs:
        parts += ["\n", ("What if", "b"), f" {text}"]
    return Content.assemble(*parts)


def warnings_content(warnings: tuple[tuple[Any, str], ...]) -> Content:
    if not warnings:
        return Content.styled("✓ No warnings", "$success")
    parts: Parts = []
    for code, message in warnings:
        title = WARNINGS[code][0]
        rest = message[len(title) :].lstrip(": ")
        if parts:
            parts.append("\n")
        parts += [(f"⚠ {title}:", "b $warning"), " ", (rest, "$text-muted")]
    return Content.assemble(*parts)


class VerdictPanel(Vertical):
    """The verdict of a draft, updated in place."""

    # Lines reserved from the start (the usual case; app.tcss gives them as min-height):
    # decision (label, summary, the manager-surprise line), route (team, when, by), why
    # and two what-ifs.
    RESERVED = {"total": 1, "decision": 3, "route": 3, "why": 3, "warnings": 1}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: dict[str, Any] = {}  # text id → what it shows (skip equal updates)
        self._reserved = dict(self.RESERVED)  # text id → lines reserved at this width

    def compose(self) -> ComposeResult:
        yield Static(id="total")
        yield BandBar(id="band")
        yield Static(id="decision")
        yield Static(id="route")
        yield Static(id="why")
        yield Static(id="warnings")

    def on_mount(self) -> None:
        self._texts = {
            name: self.query_one(f"#{name}", Static)
            for name in ("total", "decision", "route", "why", "warnings")
        }
        self._band = self.query_one(BandBar)

    def on_resize(self, event: events.Resize) -> None:
        # New width: the texts wrap anew; measure them again on their next update.
        self._reserved = dict(self.RESERVED)
        for text in self._texts.values():
            text.styles.min_height = None  # back to the stylesheet's

    def show(self, draft: Draft, ev: Evaluation) -> None:
        """Show the verdict of `draft` (its evaluation `ev`)."""
        self._put("total", ev.total, total_content)
        self._band.total = ev.total
        self._put("decision", (ev.decision, ev.raised_by_manager_surprise, ev.score_decision),
                  lambda _: decision_content(ev))
        decision = self._texts["decision"]
        decision_class = f"decision-{ev.decision.value}"
        if not decision.has_class(decision_class):
            decision.set_classes(decision_class)
        route = (ev.route.to, ev.route.when) if ev.route is not None else None
        self._put("route", (route, draft.by), lambda key: route_content(*key))
        what_ifs = tuple(w.text for w in (ev.what_if.up, ev.what_if.down) if w is not None)
        self._put("why", (ev.why.text, what_ifs), lambda key: why_content(*key))
        warnings = tuple((w.code, w.message) for w in ev.warnings)
        self._put("warnings", warnings, warnings_content)

    def _put(self, name: str, key: Any, build: Any) -> None:
        """Show `build(key)` in the text `name`, unless it shows `key` already; a repaint
        only, while the text fits the lines reserved for it."""
        if self._shown.get(name, self) == key:
            return
        self._shown[name] = key
        text = self._texts[name]
        content: Content = build(key)
        width = text.content_size.width
        if not width:  # not laid out yet: the first layout measures it
            text.update(content)
            return
        lines = len(content.wrap(width))
        if lines <= self._reserved[name]:
            text.update(content, layout=False)
            return
        self._reserved[name] = lines
        text.styles.min_height = lines + text.styles.gutter.height
        text.update(content)
