"""Acting on an escalation, from the Today screen and from the detail screen.

The dialogs are typed modals that return a domain :class:`Event` (built with the domain's
event builders and checked against the escalation with :meth:`Escalation.apply`, so a
refused event never leaves the dialog) — or ``None`` when cancelled:

- :class:`EventDialog` — a customer update (the drafted update prefilled, copyable, and an
  optional next update date), a note, an acknowledgement, a de-escalation, a check-in;
- :class:`RescoreDialog` — a reason, the four scores and the issue type, with the new
  total and decision shown as you type (returns the event and the re-scored assessment);
- resolving reuses :class:`~.resolve.ResolveScreen` (satisfaction 1–5 and a note).

:class:`EscalationActions` is the mixin both screens share: the keys (u n a e d v k),
the worker that reads the escalation and opens the dialog, and the worker that appends
the event through the store. The screen says which escalation the keys act on
(``acting_on``) and what to do afterwards (``escalation_changed``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from ...domain.escalation import (
    Escalation,
    EscalationError,
    Event,
    EventKind,
    ack_event,
    checkin_event,
    deescalate_event,
    note_event,
    refused,
    rescore_event,
    resolve_event,
    update_event,
)
from ...domain.rubric import BAND_BY_DECISION, DIMENSIONS, ISSUE_TYPES, TOTAL_MAX, Dimension
from ...domain.text import inert

if TYPE_CHECKING:
    from ...domain.models import Assessment
    from ..app import TriageApp


@dataclass(frozen=True)
class Action:
    name: str  # the domain's DUE_ACTIONS value ("update", "ack", …)
    key: str
    kind: EventKind
    label: str  # footer / help
    verb: str  # dialog title, "Log a customer update"
    done: str  # notification, "customer update logged"


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("update", "u", EventKind.UPDATE, "Update", "Log a customer update",
           "customer update logged"),
    Action("note", "n", EventKind.NOTE, "Note", "Add an internal note", "note added"),
    Action("ack", "a", EventKind.ACKNOWLEDGED, "Ack", "The routed team acknowledged it",
           "acknowledged"),
    Action("rescore", "e", EventKind.RESCORED, "Re-score", "Re-score in place", "re-scored"),
    Action("deescalate", "d", EventKind.DE_ESCALATED, "De-escalate",
           "De-escalate: back to handling it yourself", "de-escalated"),
    Action("resolve", "v", EventKind.RESOLVED, "Resolve", "Resolve", "resolved"),
    Action("checkin", "k", EventKind.CHECKED_IN, "Check-in", "Post-escalation check-in done",
           "checked in (closed)"),
)}

ACTION_BINDINGS = [
    # de-escalating is no answer to a due item: in help and the palette, not the footer
    Binding(a.key, f"act('{a.name}')", a.label, id=f"escalation.{a.name}",
            show=a.name != "deescalate")
    for a in ACTIONS.values()
]


def span(delta: timedelta) -> str:
    """"45 min", "3 h", "2 d" (under two days in hours)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


# ----------------------------------------------------------------------------- the store

def load_escalation(store: Any, record_id: int) -> tuple[Assessment, Escalation]:
    """The stored assessment and its escalation (timeline)."""
    return store.get(record_id), store.escalation(record_id)


def append_event(store: Any, record_id: int, event: Event, read: Escalation,
                 assessment: Assessment | None = None) -> Escalation:
    """Append ``event`` to the stored timeline (a re-score also stores the new verdict).
    ``read``: the escalation the dialog checked the event against; if the timeline changed
    since (another window, a script), the store refuses and nothing is written."""
    return store.append(record_id, event, expect=len(read.events), assessment=assessment)


# ----------------------------------------------------------------------------- dialogs

class _Dialog(ModalScreen["Any"]):
    CSS_PATH = "today.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="act.cancel"),
        Binding("ctrl+s", "submit", "Save", id="act.submit"),
        # priority: the focus moves at once (a date typed right after tab lands in the
        # date field, not in the draft)
        Binding("tab", "app.focus_next", "Next", show=False, priority=True, id="act.next"),
        Binding("shift+tab", "app.focus_previous", "Previous", show=False, priority=True,
                id="act.previous"),
    ]

    def _error(self, message: str) -> None:
        self.query_one(".validation", Static).update(Content(inert(message)))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class EventDialog(_Dialog):
    """Ask for the text (and, for a customer update, the next update date) of one event."""

    def __init__(self, action: Action, heading: str, escalation: Escalation, now: datetime,
                 draft: str = "") -> None:
        super().__init__()
        self.act = action
        self.heading = heading
        self.escalation = escalation
        self.now = now
        self.draft = draft

    @property
    def _text_required(self) -> bool:
        return self.act.kind in (EventKind.UPDATE, EventKind.NOTE, EventKind.DE_ESCALATED)

    def compose(self) -> ComposeResult:
        update = self.act.kind is EventKind.UPDATE
        with Vertical(id="dialog", classes="dialog act -update" if update else "dialog act"):
            yield Label(Content(inert(f"{self.act.verb} · {self.heading}")),
                        classes="dialog-title")
            if update:
                yield Static("The drafted update: edit it · ctrl+y copy · ctrl+s log it as sent",
                             classes="hint")
                yield TextArea(self.draft, id="event-text", soft_wrap=True)
                with Horizontal(classes="date-row"):
                    yield Label("Next update on", classes="inline-label")
                    yield Input(placeholder="YYYY-MM-DD", id="event-next", classes="date",
                                max_length=10)
                    yield Static("empty: by the cadence", classes="hint")
            else:
                label = {EventKind.NOTE: "Note", EventKind.DE_ESCALATED: "Reason"}.get(
                    self.act.kind, "Note (optional)")
                yield Label(label, classes="field-label")
                yield Input(id="event-text", placeholder=label)
            yield Static("", classes="validation")
            with Horizontal(classes="buttons"):
                if self.act.kind is EventKind.UPDATE:
                    yield Button("Copy (ctrl+y)", id="copy")
                yield Button(f"{self.act.label} (ctrl+s)", id="submit", variant="primary")
                yield Button("Cancel", id="cancel")

    BINDINGS = [
        *_Dialog.BINDINGS,
        Binding("ctrl+y", "copy", "Copy", id="act.copy", priority=True),  # not TextArea's redo
    ]

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#event-text"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy":
            return self.act.kind is EventKind.UPDATE
        return True

    def _text(self) -> str:
        field = self.query_one("#event-text")
        return (field.text if isinstance(field, TextArea) else field.value).strip()

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._text())
        self.notify("The customer update is on the clipboard.", title="Copied")

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        text = self._text()
        if self._text_required and not text:
            self._error(f"✗ {'a reason' if self.act.kind is EventKind.DE_ESCALATED else 'the text'}"
                        " is needed")
            return
        try:
            event = self.build(text)
            self.escalation.apply(event)  # refused here, not by the store
        except EscalationError as exc:
            self._error(f"✗ {exc}")
            return
        self.dismiss(event)

    def build(self, text: str) -> Event:
        kind, now = self.act.kind, self.now
        if kind is EventKind.UPDATE:
            raw = self.query_one("#event-next", Input).value.strip()
            next_on = None
            if raw:
                try:
                    next_on = date.fromisoformat(raw)
                except ValueError:
                    raise EscalationError(f"the next update date is not YYYY-MM-DD: {raw}") from None
            return update_event(now, text, next_on)
        if kind is EventKind.NOTE:
            return note_event(now, text)
        if kind is EventKind.ACKNOWLEDGED:
            return ack_event(now, text)
        if kind is EventKind.DE_ESCALATED:
            return deescalate_event(now, text)
        return checkin_event(now, text)


@dataclass(frozen=True)
class Rescore:
    event: Event
    assessment: Assessment  # the re-scored assessment (new scores, verdict, route)


class RescoreDialog(_Dialog):
    """A reason, the four scores and the issue type; the new verdict shown as you type."""

    def __init__(self, heading: str, assessment: Assessment, escalation: Escalation,
                 now: datetime, settings: Any) -> None:
        super().__init__()
        self.heading = heading
        self.assessment = assessment
        self.escalation = escalation
        self.now = now
        self.settings = settings

    def compose(self) -> ComposeResult:
        a = self.assessment
        band = BAND_BY_DECISION[a.decision]
        with Vertical(id="dialog", classes="dialog act"):
            yield Label(Content(inert(f"Re-score · {self.heading} · now {a.total}/{TOTAL_MAX}, "
                                      f"{band.label.lower()}")), classes="dialog-title")
            yield Label("Reason (what changed)", classes="field-label")
            yield Input(id="rescore-reason", placeholder="Reason", compact=True)
            dims = list(Dimension)
            for pair, classes in ((dims[:2], "score-row -first"), (dims[2:], "score-row")):
                with Horizontal(classes=classes):
                    for dim in pair:
                        yield Label(DIMENSIONS[dim].label, classes="score-label")
                        yield Input(str(a.scores[dim]), id=f"score-{dim.value}",
                                    classes="score", restrict=r"[1-5]?", max_length=1,
                                    compact=True, select_on_focus=True)
            yield Select([(spec.label, t) for t, spec in ISSUE_TYPES.items()],
                         value=a.issue_type, allow_blank=False, id="rescore-type",
                         compact=True)
            yield Static("", id="rescore-preview")
            yield Static("", classes="validation")
            with Horizontal(classes="buttons"):
                yield Button("Re-score (ctrl+s)", id="submit", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#rescore-reason"))
        self._preview()

    def _rescored(self) -> Assessment:
        from ...domain.escalation import reassess

        scores = {}
        for dim in Dimension:
            raw = self.query_one(f"#score-{dim.value}", Input).value
            if not raw:
                raise EscalationError(f"{DIMENSIONS[dim].label}: a score from 1 to 5 is needed")
            scores[dim] = int(raw)
        issue_type = self.query_one("#rescore-type", Select).value
        return reassess(self.assessment, self.now, self.settings, scores=scores,
                        issue_type=issue_type)  # type: ignore[arg-type]

    @on(Input.Changed)
    @on(Select.Changed)
    def _preview(self) -> None:
        preview = self.query_one("#rescore-preview", Static)
        try:
            new = self._rescored()
        except EscalationError as exc:
            preview.update(Content(inert(str(exc))))
            return
        before = self.assessment
        band = BAND_BY_DECISION[new.decision]
        arrow = "↑" if new.total > before.total else "↓" if new.total < before.total else "="
        preview.update(Content.assemble(
            f"→ {new.total}/{TOTAL_MAX} {arrow}  ", (band.label, f"b ${band.style}")))

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        reason = self.query_one("#rescore-reason", Input).value.strip()
        if not reason:
            self._error("✗ a re-score needs a reason")
            self.query_one("#rescore-reason").focus()
            return
        try:
            new = self._rescored()
            event = rescore_event(self.now, reason, self.assessment, new)
            self.escalation.apply(event)
        except EscalationError as exc:
            self._error(f"✗ {exc}")
            return
        self.dismiss(Rescore(event, new))


# ----------------------------------------------------------------------------- the mixin

class EscalationActions:
    """Keys that act on one escalation (mixed into a Screen). The screen defines
    ``acting_on()`` (the id the keys act on, or None) and ``escalation_changed(id)``."""

    app: TriageApp  # provided by Screen

    def acting_on(self) -> tuple[int, str] | None:  # (id, account)
        raise NotImplementedError

    def escalation_changed(self, record_id: int) -> None:
        raise NotImplementedError

    async def action_act(self, name: str) -> None:
        """Read the escalation (in a thread) and open the dialog — awaited, so keys typed
        right after the action key ("v 4 tab note enter" from a script or a fast typist)
        reach the dialog, not the screen under it."""
        target = self.acting_on()
        if target is None:
            self.notify("Nothing selected.", severity="warning")  # type: ignore[attr-defined]
            return
        record_id = target[0]
        app = self.app
        action = ACTIONS[name]
        now = app.now()
        try:
            a, esc, draft = await asyncio.to_thread(self._prepare, record_id, action, now)
        except Exception as exc:  # StoreError / EscalationError: one line
            self.notify(inert(str(exc)), title=action.label,  # type: ignore[attr-defined]
                        severity="warning", markup=False)
            return
        heading = f"#{record_id} {a.account}"
        if action.kind is EventKind.RESCORED:
            dialog: ModalScreen[Any] = RescoreDialog(heading, a, esc, now, app.settings)
        elif action.kind is EventKind.RESOLVED:
            from .resolve import ResolveScreen

            dialog = ResolveScreen(f"Resolve {heading}")
        else:
            dialog = EventDialog(action, heading, esc, now, draft)

        def done(result: Any) -> None:
            if result is None:
                return
            if action.kind is EventKind.RESOLVED:
                try:
                    event = resolve_event(now, result.satisfaction, result.note)
                    esc.apply(event)
                except EscalationError as exc:
                    self.notify(inert(str(exc)), severity="error", markup=False)  # type: ignore[attr-defined]
                    return
                self._append(record_id, a.account, action, esc, event, None)
            elif isinstance(result, Rescore):
                self._append(record_id, a.account, action, esc, result.event, result.assessment)
            else:
                self._append(record_id, a.account, action, esc, result, None)

        await app.push_screen(dialog, callback=done)

    def _prepare(self, record_id: int, action: Action, now: datetime
                 ) -> tuple[Assessment, Escalation, str]:
        """(in a thread) The stored assessment, its escalation, and for an update the
        drafted customer update; EscalationError when the status refuses the action."""
        app = self.app
        a, esc = load_escalation(app.store(), record_id)
        why = refused(esc, action.kind)
        if why is not None:
            raise EscalationError(why)
        draft = ""
        if action.kind is EventKind.UPDATE:
            from ...domain.escalation import render_customer_update

            try:
                draft = render_customer_update(a, esc, now, app.settings)
            except Exception as exc:  # a user template can fail in many ways
                draft = f"(cannot draft the update: {exc})"
        return a, esc, draft

    @work(thread=True, exclusive=True, group="escalation-append")
    def _append(self, record_id: int, account: str, action: Action, read: Escalation,
                event: Event, assessment: Assessment | None) -> None:
        app = self.app
        try:
            append_event(app.store(), record_id, event, read, assessment)
        except Exception as exc:  # StoreError / EscalationError: nothing was written
            app.call_from_thread(self.notify, inert(str(exc)), title="Not saved",  # type: ignore[attr-defined]
                                 severity="error", timeout=10, markup=False)
            return

        def after() -> None:
            self.notify(inert(f"#{record_id} {account}: {action.done}."),  # type: ignore[attr-defined]
                        title="Saved", markup=False)
            self.escalation_changed(record_id)
            app.refresh_overdue()

        app.call_from_thread(after)
