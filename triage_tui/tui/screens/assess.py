"""The assess screen: the draft on the left, the live verdict on the right.

Every change on the left updates the Draft and calls the pure engine (`evaluate`); the
score / decision / route / warnings panel is updated at once, while the Markdown preview
of the brief is debounced because rendering Markdown is slow.

A slider key is the hot path (budget: twice a no-op key press), so it is kept short:
the screen watches each slider's value (a synchronous callback in the same step as the
key, rather than a Changed message that bubbles through two more queues), replaces only
the scores in the Draft instead of reading the whole form again, and each panel text is
rebuilt, as Content (no markup parsing), only when what it depends on changed; it asks
for a new layout only when its height changes.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Label, Static

from ...domain.engine import (
    account_value_reason,
    add_business_days,
    evaluate,
    final_decision,
    suggest_account_value,
)
from ...domain.models import Draft, Evaluation, Rationale, Scores
from ...domain.parse import ParseError, parse_optional_amount, parse_optional_date
from ...domain.rubric import (
    BAND_BY_DECISION,
    DEFAULT_DEADLINE_BUSINESS_DAYS,
    DIMENSIONS,
    ISSUE_TYPES,
    SIGNALS,
    TOTAL_MAX,
    WARNINGS,
    Dimension,
    IssueType,
    Signal,
    Strategic,
)
from ..repaint import direct_repaints, use_dirty_region_compositor
from ..widgets.bandbar import BandBar
from ..widgets.cached import PanelText, content_height
from ..widgets.slider import Slider

if TYPE_CHECKING:
    from textual.widgets import Checkbox, OptionList, RadioButton, RadioSet, TextArea

    from ...domain.models import Assessment
    from ..app import TriageApp

PREVIEW_DELAY = 0.2  # seconds of quiet before the Markdown preview re-renders

STRATEGIC_ORDER = (Strategic.NONE, Strategic.MODERATE, Strategic.HIGH)


# ----------------------------------------------------------------- the verdict panel texts
# Built as Content (no markup to parse), only when what they show changed.


def _total_content(total: int) -> Content:
    return Content.assemble("Total ", (str(total), "b"), f"/{TOTAL_MAX}")


def _decision_content(ev: Evaluation) -> Content:
    band = BAND_BY_DECISION[ev.decision]
    colour = f"${band.style}"
    parts: list[str | tuple[str, str]] = [
        (f"● {band.label}", f"b {colour}"), "\n", (f"{band.summary}.", "$text-muted"),
    ]
    if ev.raised_by_manager_surprise:
        score_band = BAND_BY_DECISION[ev.score_decision].label.lower()
        parts += ["\n", (f"Raised from {score_band} by the manager-surprise test.", colour)]
    return Content.assemble(*parts)


def _route_content(route: tuple[str, str] | None, by: date | None) -> Content:
    if route is not None:
        parts: list[str | tuple[str, str]] = [
            ("Route to", "b"), " ", (route[0], "b $primary"), "\n", (route[1], "$text-muted"),
        ]
    else:
        parts = [("No route", "b"), " ", ("— you handle this yourself", "$text-muted")]
    if by is not None:
        parts += ["\n", ("By", "b"), f" {by.isoformat()}"]
    return Content.assemble(*parts)


def _why_content(why: str, what_ifs: tuple[str, ...]) -> Content:
    parts: list[str | tuple[str, str]] = [("Why", "b"), f" {why}"]
    for text in what_ifs:
        parts += ["\n", ("What if", "b"), f" {text}"]
    return Content.assemble(*parts)


def _warnings_content(warnings: tuple[tuple[Any, str], ...]) -> Content:
    if not warnings:
        return Content.styled("✓ No warnings", "$success")
    parts: list[str | tuple[str, str]] = []
    for code, message in warnings:
        title = WARNINGS[code][0]
        rest = message[len(title) :].lstrip(": ")
        if parts:
            parts.append("\n")
        parts += [(f"⚠ {title}:", "b $warning"), " ", (rest, "$text-muted")]
    return Content.assemble(*parts)


class AssessScreen(Screen[None]):
    """The split screen: draft on the left, live verdict and brief on the right."""

    AUTO_FOCUS = "#account"

    # ctrl+s/o/n are not priority bindings on purpose: they travel through the focused
    # widget's queue, so keys typed just before them (a fast script, a paste) have been
    # applied when the action reads the form. Tab *is* priority so focus moves at once and
    # the keys typed right after it reach the next field (e.g. "Acme<Tab>5").
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="assess.save"),
        Binding("ctrl+o", "export", "Export", id="assess.export"),
        Binding("ctrl+y", "copy_brief", "Copy", id="assess.copy", priority=True),
        Binding("ctrl+n", "new", "New", id="assess.new"),
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True, id="assess.next"),
        Binding(
            "shift+tab", "app.focus_previous", "Previous field", show=False, priority=True,
            id="assess.previous",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        use_dirty_region_compositor(self)
        self._draft = Draft()
        self._evaluation: Evaluation | None = None
        self._baseline: dict[str, Any] | None = None
        self._by_user_edited = False
        self._by_auto: date | None = None
        self._why_value_auto = ""
        self._preview_timer: Timer | None = None
        self._preview_widget: Any = None
        self._last_panel: dict[str, str] = {}
        self._evaluations: dict[tuple[Any, ...], Evaluation] = {}
        self._heights: dict[str, int] = {}
        self._date_errors: dict[str, str] = {}
        self._arr_error = ""

    @property
    def triage(self) -> TriageApp:
        return self.app  # type: ignore[return-value]

    # ----------------------------------------------------------------- compose

    def compose(self) -> ComposeResult:
        """The first frame: little to build, so the app starts about as fast as a bare one.

        Everything else (sliders, the rest of the form, the verdict details, the brief
        preview) is mounted right after the first frame by `mount_rest`; keys typed in
        between are held by the app and replayed, so nothing is lost.
        """
        yield Header()
        with VerticalScroll(id="form"):
            yield Label("Account", classes="field-label")
            yield Input(placeholder="Account name (required to save)", id="account")
        with VerticalScroll(id="side"):
            yield PanelText("", id="total")
            yield PanelText("", id="decision")
        # The Footer (one widget per key) is mounted with the rest, after the first frame.

    def compose_side(self) -> ComposeResult:
        yield PanelText("", id="route")
        yield PanelText("", id="why")
        yield PanelText("", id="warnings")
        # Same account, again: this account's previous scores beside the current ones.
        from ..widgets.previous import PreviousScores

        yield PreviousScores(hide_when_empty=True, id="previous")
        yield Static("Brief preview", id="preview-title", classes="section")
        yield Vertical(id="preview")

    def compose_rest(self) -> ComposeResult:
        """The rest of the form, mounted just after the first frame (fast start)."""
        from textual.widgets import Checkbox, OptionList, RadioButton, RadioSet, TextArea
        from textual.widgets.option_list import Option

        settings = self.triage.settings
        fmt = settings.rubric_fmt()
        yield Label("Scores", classes="section")
        for dim in Dimension:
            spec = DIMENSIONS[dim]
            yield Slider(
                spec.label,
                {n: spec.level_text(n, **fmt) for n in range(1, 6)},
                id=dim.value,
            )
        yield Label("Why these scores", classes="section")
        for dim in Dimension:
            yield Input(
                placeholder=f"Why {DIMENSIONS[dim].phrase}…",
                id=f"why-{dim.value}",
                classes="why",
            )
        yield Label("Account value helper", classes="section")
        yield Input(placeholder=f"Annual recurring revenue ({settings.currency}), e.g. 42k", id="arr")
        with Horizontal(id="strategic-row"):
            yield Label("Strategic value", classes="inline-label")
            with RadioSet(id="strategic"):
                for tier in STRATEGIC_ORDER:
                    yield RadioButton(tier.value.capitalize(), id=f"strategic-{tier.value}")
        yield Static(
            "ARR and strategic tier suggest the account value.",
            id="arr-hint",
            classes="hint",
        )
        yield Label("Issue type", classes="section")
        yield OptionList(
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
        yield Label("Escalation signals", classes="section")
        for signal, text in SIGNALS.items():
            yield Checkbox(text, id=f"signal-{signal.value}", classes="signal")
        yield Checkbox(
            "My manager would be surprised to hear this from the customer",
            id="manager-surprised",
        )
        yield Label("Open since (YYYY-MM-DD)", classes="field-label")
        with Horizontal(classes="date-row"):
            yield Input(placeholder="YYYY-MM-DD", id="open-since", classes="date")
            yield Static("", id="open-since-error", classes="validation")
        yield Label("Situation", classes="field-label")
        yield TextArea(id="situation", soft_wrap=True, show_line_numbers=False)
        yield Label("Specific ask (what, from whom)", classes="field-label")
        yield Input(placeholder="What you need, from whom", id="ask")
        yield Label("By when (YYYY-MM-DD)", classes="field-label")
        with Horizontal(classes="date-row"):
            yield Input(placeholder="YYYY-MM-DD", id="by", classes="date")
            yield Static("", id="by-error", classes="validation")
        yield Label("Customer communication", classes="field-label")
        yield Input(placeholder="What you tell the customer, and when", id="comms")

    def on_mount(self) -> None:
        self._rest_ready = False
        self._rest_mounting = False
        self._loading = False
        self._pending_draft: Draft | None = None
        self._inputs = {"account": self.query_one("#account", Input)}
        self._sliders: dict[Dimension, Slider] = {}
        self._why: dict[Dimension, Input] = {}
        self._total = self.query_one("#total", PanelText)
        self._decision = self.query_one("#decision", PanelText)
        self.recompute()
        if self.triage.first_frame_shown:
            self.call_after_refresh(self.mount_rest)

    async def mount_rest(self) -> None:
        """Build what the first frame did not need, then let held keys through."""
        if self._rest_ready or self._rest_mounting or not self.is_attached or self.app._exit:
            return
        self._rest_mounting = True
        try:
            await self._mount_rest()
        finally:
            self.triage.release_keys()

    async def _mount_rest(self) -> None:
        from textual.widgets import Checkbox, OptionList, RadioButton, RadioSet, TextArea

        await self.mount(Footer(compact=True))
        side = self.query_one("#side", VerticalScroll)
        await side.mount(BandBar(id="band"), after="#total")
        await side.mount_compose(self.compose_side())
        form = self.query_one("#form", VerticalScroll)
        await form.mount(Static("", id="account-error", classes="validation"), after="#account")
        await form.mount_compose(self.compose_rest())
        self._sliders = {dim: self.query_one(f"#{dim.value}", Slider) for dim in Dimension}
        for dim, slider in self._sliders.items():
            self.watch(slider, "value", partial(self._slider_moved, dim), init=False)
        self._band = self.query_one("#band", BandBar)
        self._route = self.query_one("#route", PanelText)
        self._why_panel = self.query_one("#why", PanelText)
        self._warnings = self.query_one("#warnings", PanelText)
        self._errors = {
            name: self.query_one(f"#{name}", Static)
            for name in ("open-since-error", "by-error", "arr-hint", "account-error")
        }
        self._previous = self.query_one("#previous")
        self._why = {dim: self.query_one(f"#why-{dim.value}", Input) for dim in Dimension}
        self._signals = {s: self.query_one(f"#signal-{s.value}", Checkbox) for s in Signal}
        for name in ("arr", "open-since", "ask", "by", "comms"):
            self._inputs[name] = self.query_one(f"#{name}", Input)
        self._strategic = self.query_one("#strategic", RadioSet)
        self._strategic_buttons = list(self._strategic.query(RadioButton))
        self._issue_type = self.query_one("#issue-type", OptionList)
        with self.prevent(OptionList.OptionHighlighted):
            self._issue_type.highlighted = 0
        self._manager = self.query_one("#manager-surprised", Checkbox)
        self._situation = self.query_one("#situation", TextArea)
        self._rest_ready = True
        self._fit_footer(self.size.width)
        self.refresh_bindings()  # the Footer composes its keys on this signal
        pending, self._pending_draft = self._pending_draft, None
        if pending is not None:
            self.load_draft(pending)
        else:
            self.recompute()
            self._baseline = self._comparable(self._draft)
            self._schedule_preview()

    def on_resize(self, event: events.Resize) -> None:
        if self._rest_ready:
            self._fit_footer(event.size.width)

    def _fit_footer(self, width: int) -> None:
        # Narrow terminals: compact keys, and below ~84 columns no palette hint (it would
        # push the last keys off the footer; ctrl+p still works and is listed in F1 help).
        footer = self.query_one(Footer)
        footer.compact = width < 110
        footer.show_command_palette = width >= 84

    # ----------------------------------------------------------------- reading the form

    def _read_draft(self) -> Draft:
        inputs = self._inputs
        if not self._rest_ready:
            base = self._pending_draft or Draft()
            return dataclasses.replace(base, account=inputs["account"].value.strip())
        self._date_errors = {}
        open_since = self._read_date("open-since")
        if open_since is not None and open_since > self.triage.today():
            self._date_errors["open-since"] = "is in the future"
            open_since = None
        by = self._read_date("by")
        try:
            arr = parse_optional_amount(inputs["arr"].value)
            self._arr_error = ""
        except ValueError:
            arr, self._arr_error = None, "ARR must be an amount like 42000 or 42k"
        highlighted = self._issue_type.highlighted
        issue_type = list(IssueType)[highlighted] if highlighted is not None else IssueType.PRODUCT_DEFECT
        return Draft(
            account=inputs["account"].value.strip(),
            arr=arr,
            strategic=self._read_strategic(),
            scores=Scores(**{d.value: s.value for d, s in self._sliders.items()}),
            rationale=Rationale(**{d.value: w.value for d, w in self._why.items()}),
            issue_type=issue_type,
            signals=[s for s, box in self._signals.items() if box.value],
            manager_surprised=self._manager.value,
            open_since=open_since,
            situation=self._situation.text,
            ask=inputs["ask"].value,
            by=by,
            comms=inputs["comms"].value,
        )

    def _read_date(self, name: str) -> date | None:
        try:
            return parse_optional_date(self._inputs[name].value)
        except ParseError as exc:
            self._date_errors[name] = exc.reason
            return None

    def _read_strategic(self) -> Strategic | None:
        for tier, button in zip(STRATEGIC_ORDER, self._strategic_buttons):
            if button.value:
                return tier
        return None

    # ----------------------------------------------------------------- live update

    def recompute(self) -> None:
        """Rebuild the draft from the whole form, evaluate it, update the panel."""
        self._evaluations.clear()  # anything but the scores may have changed
        self._apply(self._read_draft())
        self._update_validation()

    def _slider_moved(self, dim: Dimension, value: int) -> None:
        """A slider's value changed (called synchronously by the reactive): only the
        scores changed, so the Draft is the last one with one score replaced."""
        if self._loading or not self._rest_ready:
            return
        draft = copy.copy(self._draft)  # the rest of the draft was read and checked already
        draft.scores = draft.scores.with_score(dim, value)
        self._apply(draft)
        self._schedule_preview()

    def _apply(self, draft: Draft) -> None:
        """Evaluate `draft` (the automatic "by when" first) and show the verdict.

        Evaluations are kept by scores until anything else in the form changes, so
        moving a slider back and forth does not evaluate the same draft again."""
        today = self.triage.today()
        if not self._by_user_edited:
            decision = final_decision(draft.scores.total, draft.manager_surprised)
            auto = add_business_days(today, DEFAULT_DEADLINE_BUSINESS_DAYS[decision])
            draft.by = auto
            if self._rest_ready and (
                auto != self._by_auto or self._inputs["by"].value != auto.isoformat()
            ):
                self._by_auto = auto
                by_input = self._inputs["by"]
                with self.prevent(Input.Changed):
                    by_input.value = auto.isoformat()
                self._date_errors.pop("by", None)
        scores = draft.scores
        key = (
            scores.customer_impact, scores.account_value, scores.time_sensitivity,
            scores.csm_capability, draft.by, today,
        )
        evaluation = self._evaluations.get(key)
        if evaluation is None:
            if len(self._evaluations) >= 32:
                self._evaluations.clear()
            evaluation = self._evaluations[key] = evaluate(draft, self.triage.settings, today=today)
        self._draft, self._evaluation = draft, evaluation
        self._update_panel(draft, evaluation)

    def _set(self, widget: Static, key: str, content: str) -> None:
        """Update a (validation) Static only when its markup changed, and ask for a new
        layout only when its height changes."""
        if self._last_panel.get(key) == content:
            return
        self._last_panel[key] = content
        width = widget.content_region.width
        visual = Content.from_markup(content)
        height = content_height(visual, width)
        layout = width == 0 or self._heights.get(key) != (width, height)
        self._heights[key] = (width, height)
        widget.update(visual, layout=layout)

    def _update_panel(self, draft: Draft, ev: Evaluation) -> None:
        self._total.show(ev.total, partial(_total_content, ev.total))
        self._decision.show(
            (ev.decision, ev.raised_by_manager_surprise, ev.score_decision),
            partial(_decision_content, ev),
        )
        decision_class = f"decision-{ev.decision.value}"
        if not self._decision.has_class(decision_class):  # set_classes checks its names
            self._decision.set_classes(decision_class)
        if not self._rest_ready:
            return
        self._band.total = ev.total
        route = (ev.route.to, ev.route.when) if ev.route is not None else None
        self._route.show((route, draft.by), partial(_route_content, route, draft.by))
        what_ifs = tuple(w.text for w in (ev.what_if.up, ev.what_if.down) if w is not None)
        self._why_panel.show(
            (ev.why.text, what_ifs), partial(_why_content, ev.why.text, what_ifs)
        )
        warnings = tuple((w.code, w.message) for w in ev.warnings)
        self._warnings.show(warnings, partial(_warnings_content, warnings))
        self._previous.follow(draft.account, draft.scores, ev.decision)

    def _update_validation(self) -> None:
        if not self._rest_ready:
            return
        for name in ("open-since", "by"):
            message = self._date_errors.get(name, "")
            self._inputs[name].set_class(bool(message), "-invalid")
            error = self._errors[f"{name}-error"]
            self._set(error, f"{name}-error", f"✗ {escape(message)}" if message else "")
        hint = self._errors["arr-hint"]
        self._inputs["arr"].set_class(bool(self._arr_error), "-invalid")
        if self._arr_error:
            self._set(hint, "arr-hint", f"[$error]✗ {escape(self._arr_error)}[/]")
        elif self._draft.arr is not None or self._draft.strategic is not None:
            value = suggest_account_value(self._draft.arr, self._draft.strategic, self.triage.settings)
            reason = account_value_reason(self._draft.arr, self._draft.strategic, self.triage.settings)
            self._set(hint, "arr-hint", f"{escape(reason)} → suggests account value [b]{value}[/b]")
        else:
            self._set(hint, "arr-hint", "ARR and strategic tier suggest the account value.")
        if self._draft.account:
            self._set_account_error("")

    def _set_account_error(self, message: str) -> None:
        if not self._rest_ready:
            return
        self._inputs["account"].set_class(bool(message), "-invalid")
        self._set(self._errors["account-error"], "account-error", f"✗ {escape(message)}" if message else "")

    # ----------------------------------------------------------------- events

    # Sliders: see `_slider_moved` (their Changed messages are for other listeners).
    # Handlers by name (not @on) for widgets imported only after the first frame.
    def _form_changed(self) -> None:
        self.recompute()
        self._schedule_preview()

    def on_checkbox_changed(self) -> None:
        self._form_changed()

    def on_text_area_changed(self) -> None:
        self._form_changed()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "by":
            self._by_user_edited = True
        self.recompute()
        if event.input.id == "arr":
            self._apply_account_value_suggestion()
        self._schedule_preview()

    def on_radio_set_changed(self) -> None:  # the strategic tier
        self.recompute()
        self._apply_account_value_suggestion()
        self._schedule_preview()

    def on_option_list_option_highlighted(self) -> None:  # the issue type
        self.recompute()
        self._schedule_preview()

    def _apply_account_value_suggestion(self) -> None:
        draft = self._draft
        if self._arr_error or (draft.arr is None and draft.strategic is None):
            return
        settings = self.triage.settings
        value = suggest_account_value(draft.arr, draft.strategic, settings)
        self._sliders[Dimension.ACCOUNT_VALUE].value = value
        why = self._why[Dimension.ACCOUNT_VALUE]
        if not why.value.strip() or why.value == self._why_value_auto:
            reason = account_value_reason(draft.arr, draft.strategic, settings)
            self._why_value_auto = f"{reason} (suggested {value})"
            with self.prevent(Input.Changed):
                why.value = self._why_value_auto
        self.recompute()

    # ----------------------------------------------------------------- preview (debounced)

    def _schedule_preview(self) -> None:
        if self._preview_timer is None:
            self._preview_timer = self.set_timer(PREVIEW_DELAY, self._update_preview)
        else:
            self._preview_timer.reset()
            self._preview_timer.resume()

    def current_assessment(self) -> Assessment:
        from ...domain.engine import assess

        return assess(self._draft, self.triage.settings, now=self.triage.now())

    def render_brief(self) -> str:
        from ...domain.brief import render_brief

        return render_brief(self.current_assessment(), self.triage.settings)

    async def _update_preview(self) -> None:
        self._preview_timer = None
        try:
            text = self.render_brief()
        except Exception as exc:  # a user template can fail in many ways
            text = f"**Cannot render the brief:** {exc}"
        if self._preview_widget is None:
            from textual.widgets import Markdown

            self._preview_widget = Markdown(text, id="brief")
            await self.query_one("#preview", Vertical).mount(self._preview_widget)
        else:
            await self._preview_widget.update(text)

    # ----------------------------------------------------------------- dirty tracking

    def _comparable(self, draft: Draft) -> dict[str, Any]:
        data = draft.to_dict()
        if not self._by_user_edited:
            data["by"] = None
        if data["rationale"]["account_value"] == self._why_value_auto:
            data["rationale"]["account_value"] = ""
        return data

    @property
    def dirty(self) -> bool:
        return self._baseline is not None and self._comparable(self._draft) != self._baseline

    # ----------------------------------------------------------------- loading a draft

    def load_draft(self, draft: Draft) -> None:
        """Put `draft` in the form as a new, unsaved assessment (also used by ctrl+n)."""
        if not self._rest_ready:
            self._pending_draft = draft
            return
        from textual.widgets import Checkbox, OptionList, RadioButton, RadioSet, TextArea

        prevented = (
            Input.Changed, Slider.Changed, Checkbox.Changed, TextArea.Changed,
            RadioSet.Changed, RadioButton.Changed, OptionList.OptionHighlighted,
        )
        self._loading = True
        with self.prevent(*prevented):
            self._inputs["account"].value = draft.account
            self._inputs["arr"].value = "" if draft.arr is None else f"{draft.arr:g}"
            pressed = None
            for tier, button in zip(STRATEGIC_ORDER, self._strategic_buttons):
                button.value = tier is draft.strategic
                if button.value:
                    pressed = button
            # RadioSet tracks the pressed button from messages we just prevented.
            self._strategic._pressed_button = pressed
            for dim, slider in self._sliders.items():
                slider.value = draft.scores[dim]
                self._why[dim].value = draft.rationale[dim]
            self._issue_type.highlighted = list(IssueType).index(draft.issue_type)
            for signal, box in self._signals.items():
                box.value = signal in draft.signals
            self._manager.value = draft.manager_surprised
            self._inputs["open-since"].value = draft.open_since.isoformat() if draft.open_since else ""
            self._situation.load_text(draft.situation)
            self._inputs["ask"].value = draft.ask
            self._inputs["comms"].value = draft.comms
            self._by_user_edited = draft.by is not None
            self._by_auto = None
            self._why_value_auto = ""
            self._inputs["by"].value = draft.by.isoformat() if draft.by else ""
            self._loading = False
            self.recompute()
        self._set_account_error("")
        self._baseline = self._comparable(self._draft)
        self._schedule_preview()
        self._form_scroll_home()
        self._inputs["account"].focus()

    def _form_scroll_home(self) -> None:
        self.query_one("#form", VerticalScroll).scroll_home(animate=False)

    # ----------------------------------------------------------------- actions

    async def settle(self) -> None:
        """Let text fields finish the keys already sent to them (a paste, a fast script),
        so an action reads what was typed just before it."""
        if not self._rest_ready:
            await asyncio.sleep(0.01)
        for _ in range(100):
            pending = any(
                not getattr(field, "_message_queue").empty()
                for field in (*self._inputs.values(), *self._why.values(), self._situation)
            )
            if not pending:
                return
            await asyncio.sleep(0.002)

    def _require_valid(self, what: str) -> bool:
        """Warnings never block; but an account is needed, and a field the user typed
        that cannot be read (a bad date or amount) is not silently dropped."""
        if not self._require_account(what):
            return False
        invalid = [name for name in ("open-since", "by") if name in self._date_errors]
        if self._arr_error:
            invalid.append("arr")
        if not invalid:
            return True
        labels = {"open-since": "open since", "by": "by when", "arr": "ARR"}
        self.notify(
            f"Fix {', '.join(labels[n] for n in invalid)} to {what} (see the message next to it).",
            title="Check the form",
            severity="error",
        )
        self._inputs[invalid[0]].focus()
        return False

    def _require_account(self, what: str) -> bool:
        if self._draft.account:
            return True
        self._set_account_error(f"an account name is needed to {what}")
        self.notify(f"Give an account name to {what}.", title="Account missing", severity="error")
        self._inputs["account"].focus()
        return False

    async def action_save(self) -> None:
        await self.settle()
        self.recompute()
        if not self._require_valid("save"):
            return
        self._save(self.current_assessment(), self._comparable(self._draft))

    @work(thread=True, group="save")
    def _save(self, assessment: Assessment, snapshot: dict[str, Any]) -> None:
        try:
            from ...storage import StoreError
        except ImportError:
            StoreError = OSError  # noqa: N806 - the store is not installed yet
        try:
            saved = self.triage.store().add(assessment)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not saved", severity="error", timeout=10)
            return
        except (ImportError, OSError) as exc:
            self.app.call_from_thread(
                self.notify, f"Cannot save: {exc}", title="Not saved", severity="error", timeout=10
            )
            return
        self.app.call_from_thread(self._saved, saved, snapshot)

    def _saved(self, saved: Assessment, snapshot: dict[str, Any]) -> None:
        self._baseline = snapshot
        ident = f"#{saved.id} " if getattr(saved, "id", None) is not None else ""
        label = BAND_BY_DECISION[saved.decision].label.lower()
        self.notify(
            f"{ident}{saved.account}: {saved.total}/{TOTAL_MAX}, {label}.",
            title="Saved to history",
        )

    async def action_export(self) -> None:
        await self.settle()
        self.recompute()
        if not self._require_valid("export the brief"):
            return
        from .export import export_brief_flow

        export_brief_flow(self, self._draft.account, self.triage.today(), self.render_brief)

    async def action_copy_brief(self) -> None:
        await self.settle()
        self.recompute()
        try:
            text = self.render_brief()
        except Exception as exc:
            self.notify(f"Cannot render the brief: {exc}", severity="error")
            return
        self.app.copy_to_clipboard(text)
        self.notify("The brief is on the clipboard.", title="Copied")

    async def action_new(self) -> None:
        await self.settle()
        self.recompute()
        if not self.dirty:
            self.load_draft(Draft())
            return
        from .confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.load_draft(Draft())

        self.app.push_screen(
            ConfirmScreen(
                "This assessment has unsaved changes.\nDiscard them and start a new one?",
                title="New assessment",
                yes="Discard",
                no="Keep editing",
            ),
            callback=answered,
        )
