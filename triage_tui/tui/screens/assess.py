"""The assess screen: the form on the left, the live verdict on the right.

The first frame holds what a user needs to start: the account field, the four sliders
(names and rubric text) and the verdict (total, band, decision, route, why, warnings).
The rest of the form, the previous-assessment panel and the brief preview come in just
after it, in `Deferred` placeholders (Textual's `Lazy` idea, timed so the first frame
reaches the terminal first: see widgets/deferred.py).

The screen keeps one reactive `verdict` (the draft and its evaluation). Every change of
the form builds the new draft and calls the pure engine (`evaluate`); the verdict panel is
updated from the screen, and the lazily mounted parts watch `verdict` themselves once they
exist (`watch(..., init=True)` hands them the current one), so nothing has to wait for
them. The Markdown preview of the brief re-renders after a short quiet (rendering
Markdown is slow).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content

from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Label, Static

from ...domain.text import inert
from ...domain.parse import ParseError, parse_optional_amount, parse_optional_date
from ...domain.engine import (
    account_value_reason,
    evaluate,
    suggest_account_value,
)
from ...domain.models import Draft, Evaluation, Rationale, Scores
from ...domain.rubric import (
    BAND_BY_DECISION,
    DIMENSIONS,
    ISSUE_TYPES,
    SIGNALS,
    TOTAL_MAX,
    Dimension,
    IssueType,
    Strategic,
)
from ..widgets.deferred import Deferred
from ..widgets.footer import SteadyFooter
from ..widgets.previous import PreviousScores
from ..widgets.slider import Slider
from ..widgets.text import update_text
from ..widgets.verdict import VerdictPanel

if TYPE_CHECKING:
    from ...domain.models import Assessment
    from ..app import TriageApp

# Seconds of quiet before the Markdown preview re-renders (rendering Markdown mounts a
# widget per block: ~50-100 ms that would delay the next key's frame). Sliders are moved
# in bursts, so the preview waits for them to rest; typed text shows sooner.
PREVIEW_DELAY = 0.3
PREVIEW_DELAY_SCORES = 1.0
# Evaluations kept per draft shape (every score combination: 5**4 = 625, a few KB each).
EVALUATIONS_KEPT = 1024
# Seconds between looks at the form for the private autosave of an unsaved draft.
AUTOSAVE_EVERY = 1.0

STRATEGIC_ORDER = (Strategic.NONE, Strategic.MODERATE, Strategic.HIGH)

ACCEPT_KEY = "ctrl+b"  # accepts the suggested "by when" (shown next to the field)
PANEL_KEY = "ctrl+l"  # focuses the right-hand panel (verdict, warnings, brief) and back
VALUE_HINT = "ARR and the strategic tier suggest an account value."


@dataclass(frozen=True)
class Verdict:
    """What the screen shows: the draft, its evaluation, and which load it comes from."""

    draft: Draft
    evaluation: Evaluation
    loaded: int  # counts the drafts loaded into the form (a new one refills the fields)


def _content(text: str, style: str = "") -> Content:
    return Content.styled(text, style) if style else Content(text)


def _only_scores_changed(last: Draft | None, draft: Draft, *, or_by: bool = False) -> bool:
    """`draft` is `last` with other scores (slider keys) — and, with `or_by`, another
    "by when" too. What waits until the sliders rest asks this."""
    if last is None:
        return False
    return dataclasses.replace(draft, scores=last.scores, by=last.by if or_by else draft.by) == last


def _compact_footer(width: int) -> bool:
    return width < 110


def _palette_hint(width: int) -> bool:
    # Shown only where every compact key fits beside it with a space between (from 100
    # columns; at 99 they touch); narrower, the hint covered the last keys (ctrl+p still
    # works and is listed in F1 help).
    return width >= 100


def _stacked_helper(width: int) -> bool:
    return width < 100


def _say(static: Static, content: Content | str) -> None:
    """Show `content` in a message line, hidden (class -blank) while it is empty."""
    update_text(static, content)
    static.set_class(not content, "-blank")


# ----------------------------------------------------------------- the lazily mounted parts


class ValueHelper(Vertical):
    """The account value helper, right under the account value slider: ARR and the
    strategic tier, and what they suggest. It only *suggests*: the
    screen applies the suggestion while the slider has not been moved by hand, and says
    so; once the CSM set the score, the hint names the suggestion and keeps their score."""

    def __init__(self, settings: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.errors: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        from textual.widgets import RadioButton, RadioSet

        yield Input(
            placeholder=f"ARR ({self.settings.currency}), e.g. 42k", id="arr",
            select_on_focus=False,
        )
        with Horizontal(id="strategic-row"):
            yield Label("Strategic", classes="inline-label")
            with RadioSet(id="strategic"):
                for tier in STRATEGIC_ORDER:
                    yield RadioButton(tier.value.capitalize(), id=f"strategic-{tier.value}")
        yield Static(VALUE_HINT, id="arr-hint", classes="hint")

    def on_mount(self) -> None:
        from textual.widgets import RadioButton, RadioSet

        self._arr = self.query_one("#arr", Input)
        self._radio = self.query_one("#strategic", RadioSet)
        self._strategic = list(self._radio.query(RadioButton))
        self._hint = self.query_one("#arr-hint", Static)
        self.hint_key: Any = None  # what the hint shown was made from (the screen's)
        self._loaded = -1
        self.watch(self.screen, "verdict", self._follow)

    def _follow(self, verdict: Verdict | None) -> None:
        if verdict is not None and verdict.loaded != self._loaded:
            self._loaded = verdict.loaded
            self.fill(verdict.draft)

    def fill(self, draft: Draft) -> None:
        from textual.widgets import RadioButton

        with self.prevent(Input.Changed):
            self._arr.value = "" if draft.arr is None else f"{draft.arr:g}"
        # The RadioSet follows its buttons' Changed messages, and re-presses a button
        # pressed off; a new draft with no tier turns them all off without telling it.
        with self.prevent(RadioButton.Changed):
            for tier, button in zip(STRATEGIC_ORDER, self._strategic):
                if draft.strategic is None:
                    button.value = False
        for tier, button in zip(STRATEGIC_ORDER, self._strategic):
            if tier is draft.strategic:
                button.value = True
        self.errors = {}
        self._arr.set_class(False, "-invalid")
        self.screen.show_value_hint()  # type: ignore[attr-defined]

    def read(self, draft: Draft) -> Draft:
        """`draft` with ARR and the tier read in (before this is mounted, `draft` as it is:
        the fields will be filled from it)."""
        if not self.is_mounted:
            return draft
        self.errors = {}
        try:
            arr = parse_optional_amount(self._arr.value)
        except ValueError:
            arr, self.errors["arr"] = None, "ARR must be an amount like 42000 or 42k"
        self._arr.set_class("arr" in self.errors, "-invalid")
        strategic = next(
            (tier for tier, button in zip(STRATEGIC_ORDER, self._strategic) if button.value), None
        )
        return dataclasses.replace(draft, arr=arr, strategic=strategic)

    def show_hint(self, hint: Content) -> None:
        update_text(self._hint, hint)

    def focus_field(self, name: str) -> None:
        self._arr.focus()


class DraftDetails(Vertical):
    """The form below the sliders: rationale, issue type, signals, dates and the texts
    of the brief. Mounted lazily; it fills itself from the screen's verdict when it
    arrives and whenever another draft is loaded."""

    def __init__(self, settings: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.errors: dict[str, str] = {}  # field id → why it cannot be read
        self._shown_errors: dict[str, str] = {}
        self._loaded = -1
        self._suggested: date | None = None
        self._suggest_timer: Timer | None = None
        self._last: Draft | None = None  # the draft of the last verdict seen

    def compose(self) -> ComposeResult:
        from textual.widgets import Checkbox, OptionList, TextArea
        from textual.widgets.option_list import Option

        # The fields are kept as they are made (not queried in on_mount: quitting while
        # this form mounts removes them before it hears its Mount event).
        settings = self.settings
        yield Label("Why these scores", classes="section")
        self._why = {
            dim: Input(placeholder=f"Why {DIMENSIONS[dim].phrase}…", id=f"why-{dim.value}",
                       classes="why", select_on_focus=False)
            for dim in Dimension
        }
        yield from self._why.values()
        yield Label("Issue type", classes="section")
        self._issue_type = OptionList(
            *(
                Option(
                    Content.assemble(
                        (spec.label, "bold"), "\n", ("→ " + settings.route_to(key), "$text-muted")
                    ),
                    id=key.value,
                )
                for key, spec in ISSUE_TYPES.items()
            ),
            id="issue-type",
        )
        yield self._issue_type
        yield Label("Escalation signals", classes="section")
        self._signals = {
            signal: Checkbox(text, id=f"signal-{signal.value}", classes="signal")
            for signal, text in SIGNALS.items()
        }
        yield from self._signals.values()
        self._manager = Checkbox(
            "My manager would be surprised to hear this from the customer", id="manager-surprised"
        )
        yield self._manager
        self._inputs = {
            "open-since": Input(placeholder="YYYY-MM-DD", id="open-since", classes="date",
                                select_on_focus=False),
            "ask": Input(placeholder="What you need, from whom", id="ask", select_on_focus=False),
            "by": Input(placeholder="YYYY-MM-DD", id="by", classes="date", select_on_focus=False),
            "comms": Input(placeholder="What you tell the customer, when", id="comms",
                           select_on_focus=False),
        }
        yield Label("Open since (YYYY-MM-DD)", classes="field-label")
        with Horizontal(classes="date-row"):
            yield self._inputs["open-since"]
            yield Static("", id="open-since-error", classes="validation -blank")
        yield Label("Situation", classes="field-label")
        self._situation = TextArea(id="situation", soft_wrap=True, show_line_numbers=False)
        yield self._situation
        yield Label("Specific ask (what, from whom)", classes="field-label")
        yield self._inputs["ask"]
        yield Label("By when (YYYY-MM-DD)", classes="field-label")
        self._by_hint = Static("", id="by-hint", classes="date-hint -blank")
        with Horizontal(classes="date-row"):
            yield self._inputs["by"]
            yield Static("", id="by-error", classes="validation -blank")
            yield self._by_hint
        yield Label("Customer communication", classes="field-label")
        yield self._inputs["comms"]

    def on_mount(self) -> None:
        from textual.widgets import Checkbox, OptionList, TextArea

        self._prevented = (
            Input.Changed, Checkbox.Changed, TextArea.Changed, OptionList.OptionHighlighted,
        )
        self.watch(self.screen, "verdict", self._follow)

    # -------------------------------------------------------------- the screen → the fields

    def _follow(self, verdict: Verdict | None) -> None:
        if verdict is None:
            return
        if verdict.loaded != self._loaded:
            self._loaded = verdict.loaded
            self.fill(verdict.draft)
        # Once the sliders rest, as the brief preview: this field is usually below the
        # fold, and a change off screen has Textual map the whole screen again, which a
        # slider key would wait for. Any other change of the form shows it at once.
        if self._suggest_timer is not None:
            self._suggest_timer.stop()
            self._suggest_timer = None
        last, self._last = self._last, verdict.draft
        if _only_scores_changed(last, verdict.draft):
            self._suggest_timer = self.set_timer(PREVIEW_DELAY_SCORES, self._show_suggestion)
        else:
            self._show_suggestion()

    def _suggestion(self) -> date | None:
        """The deadline the decision suggests, offered (never filled in): until the CSM
        accepts it (ctrl+b) or types a date, the draft has no "by when" and the
        `no-deadline` warning stands, as in the CLI."""
        verdict: Verdict | None = self.screen.verdict  # type: ignore[attr-defined]
        if verdict is None or verdict.draft.by is not None or "by" in self.errors:
            return None
        return verdict.evaluation.suggested_by

    def _show_suggestion(self) -> None:
        self._suggest_timer = None
        suggested = self._suggestion()
        if suggested == self._suggested:
            return
        self._suggested = suggested
        self._inputs["by"].placeholder = suggested.isoformat() if suggested else "YYYY-MM-DD"
        _say(
            self._by_hint,
            Content.assemble(("suggested " + suggested.isoformat(), "b"), f" · {ACCEPT_KEY} accepts it")
            if suggested else ""
        )

    def fill(self, draft: Draft) -> None:
        """Put `draft` in the fields (no change messages: the screen has it already)."""
        inputs = self._inputs
        with self.prevent(*self._prevented):
            for dim, why in self._why.items():
                why.value = draft.rationale[dim]
            self._issue_type.highlighted = list(IssueType).index(draft.issue_type)
            self._issue_type.scroll_to_highlight()
            for signal, box in self._signals.items():
                box.value = signal in draft.signals
            self._manager.value = draft.manager_surprised
            inputs["open-since"].value = draft.open_since.isoformat() if draft.open_since else ""
            self._situation.load_text(draft.situation)
            inputs["ask"].value = draft.ask
            inputs["by"].value = draft.by.isoformat() if draft.by else ""
            inputs["comms"].value = draft.comms
        self.errors = {}
        self._show_errors()

    def set_why_value(self, text: str) -> None:
        if not self.is_mounted:  # the screen's draft has it: the fields are filled from it
            return
        with self.prevent(Input.Changed):
            self._why[Dimension.ACCOUNT_VALUE].value = text

    @property
    def settled(self) -> bool:
        """The suggested deadline shown is the current one (none is waiting)."""
        return self._suggest_timer is None

    def accept_suggested_by(self) -> bool:
        """Put the suggested deadline in "by when" (the screen hears the change)."""
        # The current suggestion, shown yet or not (none before the fields exist).
        suggested = self._suggestion() if self.is_mounted else None
        if suggested is None:
            return False
        by = self._inputs["by"]
        by.value = suggested.isoformat()
        by.cursor_position = len(by.value)
        return True

    # -------------------------------------------------------------- the fields → a draft

    def read(self, draft: Draft, today: date) -> Draft:
        """`draft` with every field of this form read in; `errors` says what could not be.
        Until this form is mounted (it comes just after the first frame, and a key may be
        quicker), `draft` as it is: the fields will be filled from it."""
        if not self.is_mounted:
            return draft
        inputs = self._inputs
        self.errors = {}
        open_since = self._read_date("open-since")
        if open_since is not None and open_since > today:
            self.errors["open-since"] = "is in the future"
            open_since = None
        highlighted = self._issue_type.highlighted
        draft = dataclasses.replace(
            draft,
            rationale=Rationale(**{d.value: w.value for d, w in self._why.items()}),
            issue_type=list(IssueType)[highlighted] if highlighted is not None else draft.issue_type,
            signals=[s for s, box in self._signals.items() if box.value],
            manager_surprised=self._manager.value,
            open_since=open_since,
            situation=self._situation.text,
            ask=inputs["ask"].value,
            by=self._read_date("by"),
            comms=inputs["comms"].value,
        )
        self._show_errors()
        return draft

    def _read_date(self, name: str) -> date | None:
        try:
            return parse_optional_date(self._inputs[name].value)
        except ParseError as exc:
            self.errors[name] = exc.reason
            return None

    def _show_errors(self) -> None:
        for name in ("open-since", "by"):
            message = self.errors.get(name, "")
            if message != self._shown_errors.get(name, ""):
                self._shown_errors[name] = message
                self._inputs[name].set_class(bool(message), "-invalid")
                _say(self.query_one(f"#{name}-error", Static),
                     _content(f"✗ {message}") if message else "")

    def focus_field(self, name: str) -> None:
        self._inputs[name].focus()


class BriefPreview(Vertical):
    """The Markdown brief, re-rendered after a short quiet (mounted lazily)."""

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown

        yield Static("Brief preview", id="preview-title", classes="section")
        yield Markdown(id="brief")

    def on_mount(self) -> None:
        self._timer: Timer | None = None
        self._text: str | None = None
        verdict = self.screen.verdict  # type: ignore[attr-defined]
        # The draft the first render shows: a slider key after it waits as long as any.
        self._draft: Draft | None = verdict.draft if verdict is not None else None
        self.watch(self.screen, "verdict", self._schedule, init=False)
        self.call_later(self._show_brief)

    def _schedule(self, verdict: Verdict | None) -> None:
        if verdict is None:
            return
        last, self._draft = self._draft, verdict.draft
        scores_only = _only_scores_changed(last, verdict.draft, or_by=True)
        delay = PREVIEW_DELAY_SCORES if scores_only else PREVIEW_DELAY
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self._show_brief)

    async def _show_brief(self) -> None:
        import asyncio

        from textual.widgets import Markdown

        self._timer = None
        render = self.screen.render_brief  # type: ignore[attr-defined]
        try:
            # A user's template may take up to its time limit (brief.py): in a thread,
            # so keys keep working. The shipped one takes milliseconds: at once.
            custom = self.app.settings.template is not None  # type: ignore[attr-defined]
            text = await asyncio.to_thread(render) if custom else render()
        except Exception as exc:  # a user template can fail in many ways
            text = f"**Cannot render the brief:** {exc}"
            if text != self._text:
                self.notify(f"Cannot render the brief: {exc}", title="Template",
                            severity="error", timeout=10)
        # Control characters a custom template printed without the md filters: visible.
        text = inert(text, keep_newlines=True)
        if text != self._text and self.is_mounted:
            self._text = text
            await self.query_one(Markdown).update(text)

    @property
    def settled(self) -> bool:
        """The preview shows the brief of the current draft (no re-render pending)."""
        return self._timer is None and self._text is not None


class FollowingPrevious(PreviousScores):
    """This account's previous scores beside the current ones (mounted lazily)."""

    def on_mount(self) -> None:
        self.watch(self.screen, "verdict", self._follow)

    def _follow(self, verdict: Verdict | None) -> None:
        if verdict is not None:
            self.follow(verdict.draft.account, verdict.draft.scores, verdict.evaluation.decision)


# ----------------------------------------------------------------- the screen


class AssessScreen(Screen[None]):
    """The split screen: the form and its actions; the verdict and the brief beside it."""

    # No automatic focus ("" turns it off; None would inherit the app's "*", which
    # focused the form's scroll container first: two restyles of the whole form before
    # the first frame). The account field is focused in on_mount, without scrolling to it.
    AUTO_FOCUS = ""

    # ctrl+s/o/n are not priority bindings on purpose: they travel through the focused
    # widget's queue, so keys typed just before them (a fast script, a paste) have been
    # applied when the action reads the form. Tab *is* priority so focus moves at once and
    # the keys typed right after it reach the next field (e.g. "Acme<Tab>5").
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="assess.save"),
        Binding("ctrl+o", "export", "Export", id="assess.export"),
        Binding("ctrl+y", "copy_brief", "Copy", id="assess.copy", priority=True),
        Binding("ctrl+n", "new", "New", id="assess.new"),
        # Shown next to "by when" (and in F1 help) rather than in a full footer.
        Binding(ACCEPT_KEY, "accept_deadline", "Use the suggested deadline", show=False,
                id="assess.accept-deadline"),
        Binding(PANEL_KEY, "toggle_panel", "Panel", id="assess.panel"),
        Binding("tab", "next_field", "Next field", show=False, priority=True, id="assess.next"),
        Binding(
            "shift+tab", "previous_field", "Previous field", show=False, priority=True,
            id="assess.previous",
        ),
    ]

    verdict: var[Verdict | None] = var(None, init=False)
    """The draft on screen and its evaluation (the lazily mounted parts watch it)."""

    def __init__(self) -> None:
        super().__init__()
        self._draft = Draft()
        self._evaluation: Evaluation | None = None
        self._baseline: dict[str, Any] | None = None
        self._loaded = 0
        self._value_by_hand = False  # the CSM moved the account value slider themselves
        self._suggesting = False  # the helper is setting the account value slider
        self._back_from_panel: Any = None  # the widget to return to from the panel
        self._why_value_auto = ""
        self._account_message = ""
        self._evaluations: dict[tuple[Any, ...], Evaluation] = {}
        self._autosave_due = False  # the form changed since the draft was last kept

    @property
    def triage(self) -> TriageApp:
        return self.app  # type: ignore[return-value]

    # ----------------------------------------------------------------- compose

    def compose(self) -> ComposeResult:
        settings = self.triage.settings
        fmt = settings.rubric_fmt()
        yield Header()
        with VerticalScroll(id="form"):
            yield Label("Account", classes="field-label")
            yield Input(placeholder="Account name (required to save)", id="account",
                        select_on_focus=False)
            yield Static("", id="account-error", classes="validation -blank")
            yield Label("Scores", classes="section")
            for dim in Dimension:
                spec = DIMENSIONS[dim]
                yield Slider(
                    spec.label, {n: spec.level_text(n, **fmt) for n in range(1, 6)}, id=dim.value
                )
                if dim is Dimension.ACCOUNT_VALUE:
                    # The helper sits right under its slider, in the first frame (not
                    # deferred): the tab order is the same however fast keys arrive.
                    self._helper = ValueHelper(
                        settings, id="value-helper",
                        classes="-stacked" if _stacked_helper(self.app.size.width) else None,
                    )
                    yield self._helper
            self._details = DraftDetails(settings, id="details")  # in the DOM once mounted
            yield Deferred(self._details)
        with VerticalScroll(id="side"):
            yield VerdictPanel(settings, self.triage.today, id="verdict")
            # Same account, again: this account's previous scores beside the current ones.
            yield Deferred(FollowingPrevious(hide_when_empty=True, id="previous"))
            yield Deferred(BriefPreview(id="preview"))
        # no rebuild per focus move (see the widget); composed for the terminal's width
        # (on_resize changing it would restyle and rebuild the footer before the first frame)
        footer = SteadyFooter(compact=_compact_footer(self.app.size.width))
        footer.show_command_palette = _palette_hint(self.app.size.width)
        yield footer

    def on_mount(self) -> None:
        self.triage.assess = self
        self._account = self.query_one("#account", Input)
        self._account_error = self.query_one("#account-error", Static)
        self._sliders = {dim: self.query_one(f"#{dim.value}", Slider) for dim in Dimension}
        self._panel = self.query_one(VerdictPanel)
        for dim, slider in self._sliders.items():
            self.watch(slider, "value", partial(self._slider_moved, dim), init=False)
        self._apply(self._draft)
        self._baseline = self._comparable(self._draft)
        # Already in view: Textual would otherwise centre it ("scroll visible"), moving
        # the form down by a line or two at 80×24 before anything was typed.
        self._account.focus(scroll_visible=False)
        self.set_interval(AUTOSAVE_EVERY, self.autosave)

    def on_resize(self, event: events.Resize) -> None:
        # Narrow terminals: compact keys, and no palette hint where it would cover keys.
        footer = self.query_one(Footer)
        footer.compact = _compact_footer(event.size.width)
        footer.show_command_palette = _palette_hint(event.size.width)
        self._helper.set_class(_stacked_helper(event.size.width), "-stacked")

    # ----------------------------------------------------------------- live update

    def read_form(self) -> Draft:
        """The draft as the form holds it now."""
        draft = dataclasses.replace(
            self._draft,
            account=self._account.value.strip(),
            scores=Scores(**{d.value: s.value for d, s in self._sliders.items()}),
        )
        draft = self._helper.read(draft)
        return self._details.read(draft, self.triage.today())

    def recompute(self) -> None:
        """Read the whole form, evaluate it, show the verdict."""
        self._evaluations.clear()  # anything but the scores may have changed
        self._apply(self.read_form())

    def _slider_moved(self, dim: Dimension, value: int) -> None:
        """A slider's value changed (the screen watches each one, so the verdict follows
        in the same step as the key): the last draft with that one score replaced."""
        if dim is Dimension.ACCOUNT_VALUE and not self._suggesting:
            self._value_by_hand = True
        if self._draft.scores[dim] != value:
            self._apply(dataclasses.replace(self._draft, scores=self._draft.scores.with_score(dim, value)))

    def _apply(self, draft: Draft) -> None:
        """Evaluate `draft` and show the verdict. The "by when" is what the CSM typed or
        accepted, never filled in behind their back: the CLI gives the same verdict.

        Evaluations are kept by scores until anything else in the form changes, so
        moving a slider back and forth does not evaluate the same draft again."""
        today = self.triage.today()
        scores = draft.scores
        key = (
            scores.customer_impact, scores.account_value, scores.time_sensitivity,
            scores.csm_capability, draft.by, today,
        )
        evaluation = self._evaluations.get(key)
        if evaluation is None:
            if len(self._evaluations) >= EVALUATIONS_KEPT:
                self._evaluations.clear()
            evaluation = self._evaluations[key] = evaluate(draft, self.triage.settings, today=today)
        self._draft, self._evaluation = draft, evaluation
        self.verdict = Verdict(draft, evaluation, self._loaded)

    def watch_verdict(self, verdict: Verdict | None) -> None:
        self._autosave_due = True
        if verdict is not None:
            self._panel.show(verdict.draft, verdict.evaluation)
            if verdict.draft.account:
                self._set_account_error("")
            self.show_value_hint()

    def _set_account_error(self, message: str) -> None:
        if message != self._account_message:
            self._account_message = message
            self._account.set_class(bool(message), "-invalid")
            _say(self._account_error, _content(f"✗ {message}") if message else "")

    # ----------------------------------------------------------------- events of the form

    @on(Input.Changed)
    def _input_changed(self) -> None:
        self._form_changed()

    def on_checkbox_changed(self) -> None:
        self._form_changed()

    def on_text_area_changed(self) -> None:
        self._form_changed()

    def on_radio_set_changed(self) -> None:  # the strategic tier
        self._form_changed()

    def on_option_list_option_highlighted(self) -> None:  # the issue type
        self._form_changed()

    def _form_changed(self) -> None:
        before = self._draft
        self.recompute()
        draft = self._draft
        if (draft.arr, draft.strategic) != (before.arr, before.strategic):
            self._apply_account_value_suggestion()

    def _suggested_value(self) -> int | None:
        draft = self._draft
        if (draft.arr is None and draft.strategic is None) or "arr" in self._helper.errors:
            return None
        return suggest_account_value(draft.arr, draft.strategic, self.triage.settings)

    def _apply_account_value_suggestion(self) -> None:
        """ARR or tier changed: the suggestion is applied while the CSM has not set the
        account value by hand (the hint says so); after that it is only offered."""
        value = self._suggested_value()
        if value is None or self._value_by_hand:
            return
        draft = self._draft
        settings = self.triage.settings
        self._suggesting = True
        try:
            self._sliders[Dimension.ACCOUNT_VALUE].value = value
        finally:
            self._suggesting = False
        why = draft.rationale.account_value
        if not why.strip() or why == self._why_value_auto:
            reason = account_value_reason(draft.arr, draft.strategic, settings)
            self._why_value_auto = f"{reason} (suggested {value})"
            rationale = dataclasses.replace(draft.rationale, account_value=self._why_value_auto)
            self._draft = dataclasses.replace(self._draft, rationale=rationale)
            self._details.set_why_value(self._why_value_auto)
        self.recompute()

    def show_value_hint(self) -> None:
        """What the helper says: its suggestion, and whether it set the slider."""
        helper = self._helper
        draft = self._draft
        key = (helper.errors.get("arr"), draft.arr, draft.strategic, self._value_by_hand,
               draft.scores.account_value)
        if not helper.is_mounted or key == helper.hint_key:
            return  # called on every slider key: nothing to do unless the helper's inputs changed
        helper.hint_key = key
        if "arr" in self._helper.errors:
            hint = _content(f"✗ {self._helper.errors['arr']}", "$error")
        else:
            value = self._suggested_value()
            current = draft.scores.account_value
            if value is None:
                hint = Content(VALUE_HINT)
            else:
                reason = account_value_reason(draft.arr, draft.strategic, self.triage.settings)
                if not self._value_by_hand:
                    hint = Content.assemble(
                        reason, " → account value set to ", (str(value), "b"),
                        " (suggested; move the slider to change it)",
                    )
                elif value == current:
                    hint = Content.assemble(reason, " → suggests ", (str(value), "b"),
                                            ", as you set it")
                else:
                    hint = Content.assemble(
                        reason, " → suggests ", (str(value), "b $warning"),
                        f"; your {current} is kept (press {value} on the slider to use it)",
                    )
        self._helper.show_hint(hint)

    # ----------------------------------------------------------------- the brief

    def current_assessment(self) -> Assessment:
        from ...domain.engine import assess

        return assess(self._draft, self.triage.settings, now=self.triage.now())

    def render_brief(self) -> str:
        from ...domain.brief import render_brief

        return render_brief(self.current_assessment(), self.triage.settings)

    # ----------------------------------------------------------------- dirty tracking

    def _comparable(self, draft: Draft) -> dict[str, Any]:
        data = dataclasses.asdict(draft)
        if data["rationale"]["account_value"] == self._why_value_auto:
            data["rationale"]["account_value"] = ""
        return data

    @property
    def dirty(self) -> bool:
        return self._baseline is not None and self._comparable(self._draft) != self._baseline

    # ----------------------------------------------------------------- the kept draft

    @staticmethod
    def _draft_file() -> Any:
        from ...paths import draft_path

        return draft_path()

    def autosave(self, *, force: bool = False) -> None:
        """Keep the unsaved draft privately (see storage/drafts.py): a moment after a
        change, and when the app quits. A form with nothing unsaved writes nothing (a
        kept draft not yet restored is not overwritten by an empty form)."""
        if not (self._autosave_due or force) or not self.dirty:
            return
        from ...storage.drafts import save_draft

        self._autosave_due = False
        try:
            save_draft(self._draft_file(), self._draft, now=self.triage.now())
        except OSError as exc:
            self.notify(f"Could not keep the draft: {exc}", title="Draft", severity="warning")

    def _forget_kept_draft(self, *, keep_copy: bool = False) -> None:
        from ...storage.drafts import clear_draft

        try:
            clear_draft(self._draft_file(), keep_copy=keep_copy)
        except OSError:
            pass

    def offer_kept_draft(self) -> None:
        """At start: a draft kept from last time (a crash, a closed terminal, a quit
        without saving) is offered back — restore it or discard it."""
        from ...storage.drafts import load_draft

        kept = load_draft(self._draft_file())
        if kept is None:
            return
        draft, saved_at = kept
        from .confirm import ConfirmScreen

        def answered(restore: bool | None) -> None:
            if restore:
                self.load_draft(draft)
                self._baseline = self._comparable(Draft())  # unsaved: quitting asks
                self._autosave_due = True
                self.notify("The unsaved draft is back in the form.", title="Draft restored")
            else:
                self._forget_kept_draft(keep_copy=True)

        when = f" from {saved_at.astimezone():%Y-%m-%d %H:%M}" if saved_at else ""
        account = draft.account or "(no account yet)"
        self.app.push_screen(
            ConfirmScreen(
                f"An unsaved assessment was kept{when}:\n{account}, total "
                f"{draft.scores.total}/{TOTAL_MAX}.\nRestore it into the form?",
                title="Unsaved draft", yes="Restore", no="Discard",
            ),
            callback=answered,
        )

    # ----------------------------------------------------------------- loading a draft

    def load_draft(self, draft: Draft) -> None:
        """Put `draft` in the form as a new, unsaved assessment (also used by ctrl+n).
        The lower form fills itself from the verdict (now, or when it is mounted).
        Control characters in its texts (a stored record reopened) are made visible,
        as the fields show them (see TriageApp.on_input_changed)."""
        from ..app import field_text

        draft = dataclasses.replace(
            draft,
            account=inert(draft.account),
            rationale=Rationale(**{d.value: inert(draft.rationale[d]) for d in Dimension}),
            situation=field_text(draft.situation),
            ask=inert(draft.ask),
            comms=inert(draft.comms),
        )
        with self.prevent(Input.Changed):
            self._account.value = draft.account
            for dim, slider in self._sliders.items():
                slider.value = draft.scores[dim]
        self._loaded += 1  # the verdict below refills the lower form
        # A new draft's account value is the helper's to suggest; a reopened one's was set.
        self._value_by_hand = draft.scores.account_value != Draft().scores.account_value
        self._why_value_auto = ""
        self._evaluations.clear()
        self._apply(dataclasses.replace(draft))
        self._set_account_error("")
        self._baseline = self._comparable(self._draft)
        self.query_one("#form", VerticalScroll).scroll_home(animate=False)
        self._account.focus(scroll_visible=False)

    # ----------------------------------------------------------------- actions

    def _require_valid(self, what: str) -> bool:
        """Warnings never block; but an account is needed, and a field the user typed
        that cannot be read (a bad date or amount) is not silently dropped."""
        if not self._require_account(what):
            return False
        errors = {**self._details.errors, **self._helper.errors}
        invalid = [name for name in ("open-since", "by", "arr") if name in errors]
        if not invalid:
            return True
        labels = {"open-since": "open since", "by": "by when", "arr": "ARR"}
        self.notify(
            f"Fix {', '.join(labels[n] for n in invalid)} to {what} (see the message next to it).",
            title="Check the form",
            severity="error",
        )
        (self._helper if invalid[0] == "arr" else self._details).focus_field(invalid[0])
        return False

    def _require_account(self, what: str) -> bool:
        if self._draft.account:
            return True
        self._set_account_error(f"an account name is needed to {what}")
        self.notify(f"Give an account name to {what}.", title="Account missing", severity="error")
        self._account.focus()
        return False

    def action_save(self) -> None:
        self.recompute()
        if not self._require_valid("save"):
            return
        self._save(self.current_assessment(), self._comparable(self._draft))

    @work(thread=True, group="save")
    def _save(self, assessment: Assessment, snapshot: dict[str, Any]) -> None:
        from ...storage import StoreError

        try:
            saved = self.triage.store().add(assessment)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not saved", severity="error", timeout=10)
            return
        except OSError as exc:
            self.app.call_from_thread(
                self.notify, f"Cannot save: {exc}", title="Not saved", severity="error", timeout=10
            )
            return
        self.app.call_from_thread(self._saved, saved, snapshot)

    def on_worker_state_changed(self, event: Any) -> None:
        if event.worker.group == "save" and event.worker.is_finished:
            self.triage.save_finished()

    def _saved(self, saved: Assessment, snapshot: dict[str, Any]) -> None:
        self._baseline = snapshot
        self._forget_kept_draft()
        ident = f"#{saved.id} " if getattr(saved, "id", None) is not None else ""
        label = BAND_BY_DECISION[saved.decision].label.lower()
        self.notify(
            f"{ident}{saved.account}: {saved.total}/{TOTAL_MAX}, {label}.",
            title="Saved to history",
        )

    def action_export(self) -> None:
        self.recompute()
        if not self._require_valid("export the brief"):
            return
        from .export import export_brief_flow

        export_brief_flow(self, self._draft.account, self.triage.today(), self.render_brief)

    def action_accept_deadline(self) -> None:
        """Use the suggested "by when" (the CSM can still type over it)."""
        if not self._details.accept_suggested_by():
            self.notify("There is no suggested deadline to use: a date is already given.",
                        severity="warning", timeout=3)

    def tab_order(self) -> list[Any]:
        """The fields in Tab order: the four sliders one after another (``Tab 5 Tab 4 Tab 4
        Tab 3`` scores them, as it always has), then the account-value helper shown under
        its slider, then the rest of the form in screen order."""
        chain = self.focus_chain
        helper = [w for w in chain if self._helper in w.ancestors_with_self]
        rest = [w for w in chain if w not in helper]
        last_slider = self.query_one(f"#{Dimension.CSM_CAPABILITY.value}", Slider)
        at = rest.index(last_slider) + 1 if last_slider in rest else len(rest)
        return rest[:at] + helper + rest[at:]

    def _step_focus(self, step: int) -> None:
        order = self.tab_order()
        if not order:
            return
        focused = self.focused
        at = (order.index(focused) + step) % len(order) if focused in order else 0
        self.set_focus(order[at])  # at once (as Textual's focus_next): the next key goes there

    def action_next_field(self) -> None:
        self._step_focus(1)

    def action_previous_field(self) -> None:
        self._step_focus(-1)

    def action_toggle_panel(self) -> None:
        """Focus the right-hand panel (scroll it with the arrow keys), or go back to the
        field the CSM was in."""
        side = self.query_one("#side", VerticalScroll)
        if self.focused is side:
            back = self._back_from_panel
            (back if back is not None and back.is_attached else self._account).focus()
        else:
            self._back_from_panel = self.focused
            side.focus()

    def action_copy_brief(self) -> None:
        self.recompute()
        try:
            text = self.render_brief()
        except Exception as exc:
            self.notify(f"Cannot render the brief: {exc}", severity="error")
            return
        self.app.copy_to_clipboard(text)
        self.notify("The brief is on the clipboard.", title="Copied")

    def action_new(self) -> None:
        self.recompute()
        if not self.dirty:
            self.load_draft(Draft())
            return
        from .confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.load_draft(Draft())
                self._forget_kept_draft(keep_copy=True)

        self.app.push_screen(
            ConfirmScreen(
                "This assessment has unsaved changes.\nDiscard them and start a new one?",
                title="New assessment",
                yes="Discard",
                no="Keep editing",
            ),
            callback=answered,
        )
