"""The live verdict: total, band, decision, route, why / what-if and warnings.

Fed a draft and its evaluation with `show(draft, evaluation)` (the assess screen calls it
on every change of the form). The texts are built as Content (no markup is parsed, user
text stays data).

Stable layout: a slider key must not move anything. At each width, the decision, route,
why and warnings texts reserve the lines of the tallest text any score could give them
with the rest of the draft as it is (measured in a worker thread: 625 evaluations of the
pure engine, kept per width and draft shape), so a slider key is a repaint of the changed
texts alone, never a new layout of the screen. A measurement sets the reservations to what
it found; until it lands (another field changed the draft), a text taller than its
reservation grows it, with one new layout.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import date
from typing import Any

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ...domain.engine import evaluate
from ...domain.models import Draft, Evaluation, Scores
from ...domain.rubric import BAND_BY_DECISION, SCORE_MAX, SCORE_MIN, TOTAL_MAX, WARNINGS, Dimension
from .bandbar import BandBar
from .lines import KeptText

Parts = list[str | tuple[str, str]]

# Measurements (the tallest texts any scores give), by settings, width and draft shape: a
# pure function of those, so kept for the process (a resize back, the same case again,
# the next window of the app) and bounded. Touched on the app's thread only.
_TALLEST: dict[tuple[str, int, tuple[Any, ...]], dict[str, int]] = {}


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
        parts = [("No route", "b"), " ", ("— you handle this yourself", "$text-muted")]
    if by is not None:
        parts += ["\n", ("By", "b"), f" {by.isoformat()}"]
    return Content.assemble(*parts)


def texts(draft: Draft, ev: Evaluation) -> dict[str, tuple[Any, Callable[[], Content]]]:
    """Per text: what it shows (equal keys, equal text) and how to build its content."""
    route = (ev.route.to, ev.route.when) if ev.route is not None else None
    what_ifs = tuple(w.text for w in (ev.what_if.up, ev.what_if.down) if w is not None)
    warnings = tuple((w.code, w.message) for w in ev.warnings)
    return {
        "total": (ev.total, lambda: total_content(ev.total)),
        "decision": (
            (ev.decision, ev.raised_by_manager_surprise, ev.score_decision),
            lambda: decision_content(ev),
        ),
        "route": ((route, draft.by), lambda: route_content(route, draft.by)),
        "why": ((ev.why.text, what_ifs), lambda: why_content(ev.why.text, what_ifs)),
        "warnings": (warnings, lambda: warnings_content(warnings)),
    }


def _shape(draft: Draft, today: date) -> tuple[Any, ...]:
    """What besides the scores the measured texts depend on."""
    return (draft.issue_type, draft.manager_surprised, tuple(draft.signals), draft.by,
            draft.open_since, today,
            *(not text.strip() for text in (draft.ask, draft.comms, draft.situation)))


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
    MEASURED = ("decision", "route", "why", "warnings")  # reserved for any scores (module doc)

    def __init__(self, settings: Any, today: Callable[[], date], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.today = today
        self._draft: Draft | None = None
        self._shown: dict[str, Any] = {}  # text id → what it shows (skip equal updates)
        self._reserved = dict(self.RESERVED)  # text id → lines reserved at this width
        self._measured = -1  # the width the tallest texts were measured at
        self._measured_for: tuple[Any, ...] = ()  # … and the parts of the draft they depend on
        self._applied: tuple[Any, ...] = ()  # the last measurement applied
        self._settings_key = repr(settings)  # the measurements depend on them (rubric, routes)
        self._width = -1

    def compose(self) -> ComposeResult:
        # Lines kept per text shown (widgets/lines.py): most slider keys bring back a
        # total, band, decision, route or warnings shown before. Not the why / what-if
        # text: it names the scores, so it is seldom the same twice.
        yield KeptText(id="total")
        yield BandBar(id="band")
        yield KeptText(id="decision")
        yield KeptText(id="route")
        yield Static(id="why")
        yield KeptText(id="warnings")

    def on_mount(self) -> None:
        self._texts = {name: self.query_one(f"#{name}", Static) for name in self.RESERVED}
        self._band = self.query_one(BandBar)

    def show(self, draft: Draft, ev: Evaluation) -> None:
        """Show the verdict of `draft` (its evaluation `ev`)."""
        self._draft = draft
        self._band.total = ev.total
        width = self._texts["why"].content_size.width
        if width and width != self._measured:  # laid out at a new width
            # Measure again, at this width. Until that lands the lines reserved at the
            # last width stay (a text that needs more grows them), and the measurement
            # sets them exactly: one new layout, not one to shrink and one to grow again.
            self._measured = width
            self._measured_for = self._applied = ()
        shape = _shape(draft, self.today())
        if width and shape != self._measured_for:  # new width, or a new kind of case
            self._measured_for = shape
            known = _TALLEST.get((self._settings_key, width, self._measured_for))
            if known is not None:  # measured before (a resize back, the same case again)
                self._measured_at(width, self._measured_for, known)
            else:
                self._measure(draft, width)
        for name, (key, build) in texts(draft, ev).items():
            if self._shown.get(name, self) != key:
                self._shown[name] = key
                self._put(name, build(), width)

    def on_resize(self, event: events.Resize) -> None:
        # A new width (a new height is the reservations at work: nothing to do).
        if event.size.width != self._width:
            self._width = event.size.width
            self._shown.clear()  # show again: measured and wrapped at the new width
            self.call_after_refresh(self._show_again)

    def _show_again(self) -> None:
        if self._draft is not None:
            self.show(self._draft, evaluate(self._draft, self.settings, today=self.today()))

    def _put(self, name: str, content: Content, width: int) -> None:
        """Show `content` in the text `name`: a repaint only, while it fits the lines
        reserved for it."""
        text = self._texts[name]
        if not width:  # not laid out yet: the first layout measures it
            text.update(content)
            return
        if name in self.MEASURED and not self.measuring and width == self._measured:
            # Measured for any scores with this draft at this width: it fits.
            text.update(content, layout=False)
            return
        lines = len(content.wrap(width))
        if lines <= self._reserved[name]:
            text.update(content, layout=False)
            return
        self._reserve({name: lines})
        text.update(content)

    def _reserve(self, lines: dict[str, int], *, measured: bool = False) -> None:
        """Reserve `lines` (a count per text): a text only grows, unless the counts are
        a measurement for the draft shown (then they are exactly what it needs, so the
        lines reserved never depend on which earlier measurements happened to land)."""
        for name, count in lines.items():
            if measured:
                count = max(count, self.RESERVED[name])
            if count > self._reserved[name] or (measured and count != self._reserved[name]):
                self._reserved[name] = count
                text = self._texts[name]
                text.styles.min_height = count + text.styles.gutter.height

    @property
    def measuring(self) -> bool:
        """Lines for the current draft are still being measured (in a thread)."""
        return self._measured_for != self._applied

    @work(thread=True, exclusive=True, group="verdict-measure")
    def _measure(self, draft: Draft, width: int) -> None:
        """The tallest decision, route, why and warnings that any scores give with the rest of
        `draft`, at `width` (in a thread: the pure engine and text wrapping)."""
        today = self.today()
        tallest = dict.fromkeys(self.MEASURED, 0)
        wrapped: dict[tuple[str, Any], int] = {}  # many scores give the same text: wrap it once
        dims = [d.value for d in Dimension]
        for values in itertools.product(range(SCORE_MIN, SCORE_MAX + 1), repeat=len(dims)):
            scored = dataclasses.replace(draft, scores=Scores(**dict(zip(dims, values))))
            shown = texts(scored, evaluate(scored, self.settings, today=today))
            for name in self.MEASURED:
                key, build = shown[name]
                lines = wrapped.get((name, key))
                if lines is None:
                    lines = wrapped[name, key] = len(build().wrap(width))
                tallest[name] = max(tallest[name], lines)
        self.app.call_from_thread(self._measured_at, width, _shape(draft, today), tallest)

    def _measured_at(self, width: int, shape: tuple[Any, ...], tallest: dict[str, int]) -> None:
        # Only for what is shown now: a late result for an earlier draft would reserve
        # lines that depend on how fast the thread ran.
        if len(_TALLEST) >= 256:
            _TALLEST.clear()
        _TALLEST[self._settings_key, width, shape] = tallest
        if width == self._measured and shape == self._measured_for:
            self._applied = shape
            self._reserve(tallest, measured=True)
