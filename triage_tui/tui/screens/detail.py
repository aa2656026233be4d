"""One past assessment (pushed over the history): its brief and what to do with it.

Keys: escape back · o reopen as a new draft · ctrl+o export · ctrl+y copy the brief ·
x (or delete) delete, after a yes; and the escalation's keys, as on the Today screen
(screens/act.py): u customer update · n note · a ack · e re-score · d de-escalate ·
v resolve (satisfaction 1–5) · k check-in done.

The side panel shows the escalation's status, what is due next (every running clock,
soonest first) and its timeline, oldest first, read from the store in a worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from datetime import datetime

from ...domain.escalation import EVENT_LABELS, clocks, next_due
from ...domain.rubric import BAND_BY_DECISION, ISSUE_TYPES, TOTAL_MAX
from ...domain.text import inert
from ..messages import AssessmentChanged, AssessmentDeleted, announce
from ..widgets.commands import ScreenCommands
from ..widgets.previous import Earlier, PreviousScores
from .act import ACTION_BINDINGS, ACTIONS, EscalationActions, span

if TYPE_CHECKING:
    from ...domain.models import Assessment
    from ...domain.escalation import Escalation
    from ...readmodel import Row
    from ..app import TriageApp

WIDE_AT = 110  # columns from which the brief and the side panel sit side by side


def _when(moment: Any) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M}" if moment else "—"


def _due_when(due: Any) -> str:
    return _when(due) if isinstance(due, datetime) else f"{due:%Y-%m-%d}"


STATUS_STYLE = {"open": "warning", "escalated": "error", "acknowledged": "accent",
                "resolved": "success", "closed": "text-muted", "de-escalated": "warning"}


def _event_extra(e: Any) -> str:
    """The data of an event worth a word: a re-score's move, a resolution's satisfaction,
    an update's promised next date."""
    data = e.data
    if e.kind == "rescored":
        try:
            before, after = data["before"], data["after"]
            return f"{before['total']}→{after['total']}/{TOTAL_MAX} ({after['decision']})"
        except (KeyError, TypeError):
            return ""
    if e.kind == "resolved" and data.get("satisfaction") is not None:
        return f"satisfaction {data['satisfaction']}/5"
    if e.kind == "update" and data.get("next"):
        return f"next by {data['next']}"
    return ""


class DetailScreen(EscalationActions, Screen[None]):
    """An assessment from the history, with its brief and lifecycle actions."""

    CSS_PATH = "history.tcss"
    AUTO_FOCUS = "#detail-body"
    COMMANDS = {ScreenCommands}

    BINDINGS = [
        Binding("escape", "close", "Back", id="detail.back"),
        Binding("o", "reopen", "Reopen", id="detail.reopen"),
        Binding("ctrl+o", "export", "Export", id="detail.export"),
        Binding("ctrl+y", "copy_brief", "Copy", id="detail.copy"),
        *ACTION_BINDINGS,
        Binding("x,delete", "delete", "Delete", id="detail.delete"),
    ]

    def __init__(self, assessment: Assessment, rows: Sequence[Row] | None = None) -> None:
        """``rows``: every row of the history, when the caller has them all (the earlier
        assessments of the same account are then found there, not read again)."""
        super().__init__()
        self.assessment = assessment
        self._rows = rows
        self.deleted = False
        self.escalation: Escalation | None = None  # read in a worker on mount
        self._announce = False  # tell the other screens once the change is read back

    @property
    def triage(self) -> TriageApp:
        return self.app  # type: ignore[return-value]

    # ----------------------------------------------------------------- compose

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown

        yield Header()
        yield Static("", id="detail-title")
        with VerticalScroll(id="detail-body"):
            with Vertical(id="detail-side"):
                yield Static("Lifecycle", classes="side-section")
                yield Static("", id="lifecycle")
                yield Static("Warnings", classes="side-section")
                yield Static("", id="detail-warnings")
                yield Static("Timeline", classes="side-section")
                yield Static("", id="timeline")
                yield PreviousScores(id="previous")
            with VerticalScroll(id="detail-brief-scroll"):
                yield Markdown(self._brief_markdown(), id="detail-brief")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._refresh_view()
        self._show_previous()
        self._load_escalation()

    def on_resize(self, event: events.Resize) -> None:
        # Wide: the brief on the left, the side panel docked right, each scrolling.
        # Narrow: one scrolling column, the side panel above the brief.
        wide = event.size.width >= WIDE_AT
        self.set_class(wide, "-wide")
        body = self.query_one("#detail-body")
        brief = self.query_one("#detail-brief-scroll")
        if self.focused in (None, body, brief):
            (brief if wide else body).focus()
        self.query_one(Footer).show_command_palette = event.size.width >= 100

    def _brief_text(self) -> str:
        from ...domain.brief import render_brief

        try:
            return render_brief(self.assessment, self.triage.settings)
        except Exception as exc:  # a user template can fail in many ways
            return f"**Cannot render the brief:** {exc}"

    def _brief_markdown(self) -> str:
        """The brief as the Markdown widget gets it: control characters made visible (a
        custom template may print user text without the md filters)."""
        return inert(self._brief_text(), keep_newlines=True)

    def _refresh_view(self) -> None:
        a = self.assessment
        band = BAND_BY_DECISION[a.decision]
        status = self.escalation.status.value if self.escalation is not None else "…"
        self.query_one("#detail-title", Static).update(Content.from_markup(
            f"#{a.id} [b]$account[/b]  {a.created_at.astimezone():%Y-%m-%d}  "
            f"[b ${band.style}]● {escape(band.label)}[/] {a.total}/{TOTAL_MAX} · {status}",
            account=inert(a.account),  # user text: a variable, never parsed as markup
        ))
        self.query_one("#lifecycle", Static).update(self._lifecycle())
        self.query_one("#detail-warnings", Static).update(self._warnings())
        self.query_one("#timeline", Static).update(self._timeline())
        self.refresh_bindings()

    def _warnings(self) -> Content:
        """The warnings stored with the assessment (as they were when it was saved)."""
        warnings = self.assessment.warnings
        if not warnings:
            return Content.styled("none", "$text-muted")
        return Content("\n").join(
            Content.assemble(("⚠ ", "$warning"), (inert(w.message), "")) for w in warnings
        )

    def _lifecycle(self) -> Content:
        """The lifecycle lines; user text (route, note) goes in as plain Content values."""
        a = self.assessment
        esc = self.escalation
        now = self.triage.now()
        parts: list[Any] = [("Type", "b"), f"      {ISSUE_TYPES[a.issue_type].label}\n"]
        if a.route is not None:
            parts += [("Route", "b"), "     ", inert(a.route.to), "\n"]
        if esc is None:
            parts += [("Status", "b"), "    ", ("…", "$text-muted")]
            return Content.assemble(*parts)
        state = esc.state
        status = state.status.value
        parts += [("Status", "b"), "    ", (status, f"b ${STATUS_STYLE.get(status, 'text')}")]
        trend = clocks(esc, now, self.triage.settings).trend
        if trend is not None:
            parts += ["  ", (f"({trend.value})", "$text-muted")]
        parts.append("\n")
        if state.satisfaction is not None:
            stars = "★" * state.satisfaction + "☆" * (5 - state.satisfaction)
            parts += [("Satisfied", "b"), " ", (stars, "$accent"), f" {state.satisfaction}/5\n"]
        due = next_due(esc, now, self.triage.settings)
        if not due:
            parts += [("Next", "b"), "      ", ("nothing due", "$text-muted")]
        for n, item in enumerate(due):
            late = item.deadline - now
            when = _due_when(item.due)
            if late.total_seconds() <= 0:
                style, tail = "b $error", f"  {span(-late)} late"
            else:
                style, tail = "$warning" if n == 0 else "", f"  in {span(late)}"
            parts += [("Next" if n == 0 else "", "b"), " " * (10 - (4 if n == 0 else 0)),
                      (f"{item.what} {when}", style), (tail, "$text-muted"),
                      "\n" if n < len(due) - 1 else ""]
        return Content.assemble(*parts)

    def _timeline(self) -> Content:
        esc = self.escalation
        if esc is None:
            return Content.styled("Loading the timeline…", "$text-muted")
        parts: list[Any] = []
        for n, e in enumerate(esc.events):
            parts += [(f"{_when(e.at)} ", "$text-muted"), (EVENT_LABELS[e.kind], "b")]
            extra = _event_extra(e)
            if extra:
                parts.append(f" {extra}")
            if e.text:
                parts += ["\n  ", inert(e.text, keep_newlines=True).replace("\n", "\n  ")]
            if n < len(esc.events) - 1:
                parts.append("\n")
        return Content.assemble(*parts)

    @work(thread=True, exclusive=True, group="detail-escalation")
    def _load_escalation(self) -> None:
        from .act import load_escalation

        try:
            a, esc = load_escalation(self.triage.store(), self.assessment.id)
        except Exception as exc:  # a store problem: the brief still shows
            self.app.call_from_thread(self.notify, inert(str(exc)), title="Timeline",
                                      severity="error", markup=False)
            return
        self.app.call_from_thread(self._escalation_loaded, a, esc)

    def _escalation_loaded(self, a: Assessment, esc: Escalation) -> None:
        changed = a != self.assessment
        self.assessment, self.escalation = a, esc
        if changed:
            self.query_one("#detail-brief").update(self._brief_markdown())  # type: ignore[attr-defined]
        self._refresh_view()
        if self._announce:
            self._announce = False
            announce(self, lambda: AssessmentChanged(a, esc.status.value))

    # ----------------------------------------------------------------- same account, again

    def _show_previous(self) -> None:
        a = self.assessment
        if self._rows is not None:
            from ...readmodel import earlier_rows, row_from_assessment

            row = row_from_assessment(a)
            earlier = [Earlier.from_row(r) for r in earlier_rows(self._rows, row)]
            self._set_previous(earlier)
        else:
            self._load_previous()

    @work(thread=True, exclusive=True, group="detail-previous")
    def _load_previous(self) -> None:
        from ..widgets.previous import earlier_assessments

        a = self.assessment
        try:
            earlier = earlier_assessments(self.triage.store(), a.account, before=a.created_at,
                                          exclude_id=a.id)
        except Exception:  # a store problem: no comparison
            return
        self.app.call_from_thread(self._set_previous, earlier)

    def _set_previous(self, earlier: list[Earlier]) -> None:
        a = self.assessment
        self.query_one(PreviousScores).show(a.scores, a.decision, earlier)

    # ----------------------------------------------------------------- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.deleted and action not in ("close",):
            return False
        if action == "act" and self.escalation is not None:
            from ...domain.escalation import refused

            return refused(self.escalation, ACTIONS[str(parameters[0])].kind) is None
        return True

    def action_close(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()

    # ----------------------------------------------------------------- reopen

    def action_reopen(self) -> None:
        draft = self.assessment.draft()
        try:
            dirty = bool(getattr(self.triage.assess_screen, "dirty", False))
        except LookupError:
            dirty = False
        if not dirty:
            self._reopen(draft)
            return
        from .confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._reopen(draft)

        self.app.push_screen(
            ConfirmScreen(
                "The assess screen has unsaved changes.\nDiscard them and open this "
                "assessment as a new draft?",
                title="Reopen as a new draft", yes="Discard", no="Keep them",
            ),
            callback=answered,
        )

    def _reopen(self, draft: Any) -> None:
        self.action_close()
        self.triage.load_draft(draft)
        self.app.notify(
            f"#{self.assessment.id} {self.assessment.account} opened as a new, unsaved draft.",
            title="Reopened",
        )

    # ----------------------------------------------------------------- export / copy

    async def action_export(self) -> None:
        from ...domain.brief import render_brief
        from .export import export_brief_flow

        a = self.assessment
        export_brief_flow(self, a.account, a.created_at.astimezone().date(),
                          lambda: render_brief(a, self.triage.settings))

    def action_copy_brief(self) -> None:
        self.app.copy_to_clipboard(self._brief_text())
        self.notify("The brief is on the clipboard.", title="Copied")

    # ----------------------------------------------------------------- acting

    def acting_on(self) -> tuple[int, str] | None:
        a = self.assessment
        return None if self.deleted or a.id is None else (a.id, a.account)

    def escalation_changed(self, record_id: int) -> None:
        self._announce = True
        self._load_escalation()

    # ----------------------------------------------------------------- delete

    async def action_delete(self) -> None:
        from .confirm import ConfirmScreen

        a = self.assessment

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete()

        await self.app.push_screen(
            ConfirmScreen(f"Delete #{a.id} {a.account} ({_when(a.created_at)}) from the history?\n"
                          "This cannot be undone.", title="Delete assessment",
                          yes="Delete", no="Keep"),
            callback=answered,
        )

    @work(thread=True, exclusive=True, group="detail-change")
    def _delete(self) -> None:
        a = self.assessment
        try:
            self.triage.store().delete(a.id)
        except Exception as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not deleted",
                                      severity="error", timeout=10)
            return
        self.app.call_from_thread(self._deleted)

    def _deleted(self) -> None:
        a = self.assessment
        self.deleted = True
        announce(self, lambda: AssessmentDeleted(a.id))
        self.action_close()
        self.app.notify(f"#{a.id} {a.account} deleted.", title="Deleted")

    # ----------------------------------------------------------------- palette

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        commands = [
            ("Assessment: reopen as a new draft", "On the assess screen (o)", self.action_reopen),
            ("Assessment: export the brief", "Write it to a markdown file (ctrl+o)", self.action_export),
            ("Assessment: copy the brief", "To the clipboard (ctrl+y)", self.action_copy_brief),
            ("Assessment: delete", "After a confirmation (x)", self.action_delete),
        ]
        for action in ACTIONS.values():
            if self.check_action("act", (action.name,)):
                commands.append((f"Escalation: {action.verb.lower()}", f"({action.key})",
                                 lambda name=action.name: self.action_act(name)))
        return commands
