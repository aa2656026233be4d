"""One past assessment (pushed over the history): its brief and what to do with it.

Keys: escape back · o reopen as a new draft · ctrl+o export · ctrl+y copy the brief ·
r resolve (satisfaction 1–5) · c check-in done · x (or delete) delete, after a yes.
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

from ...domain.rubric import BAND_BY_DECISION, ISSUE_TYPES, TOTAL_MAX
from ..messages import AssessmentChanged, AssessmentDeleted, announce
from ..widgets.commands import ScreenCommands
from ..widgets.previous import Earlier, PreviousScores

if TYPE_CHECKING:
    from ...domain.models import Assessment
    from ...readmodel import Row
    from ..app import TriageApp
    from .resolve import Resolution

WIDE_AT = 110  # columns from which the brief and the side panel sit side by side


def _when(moment: Any) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M}" if moment else "—"


class DetailScreen(Screen[None]):
    """An assessment from the history, with its brief and lifecycle actions."""

    CSS_PATH = "history.tcss"
    AUTO_FOCUS = "#detail-body"
    COMMANDS = {ScreenCommands}

    BINDINGS = [
        Binding("escape", "close", "Back", id="detail.back"),
        Binding("o", "reopen", "Reopen", id="detail.reopen"),
        Binding("ctrl+o", "export", "Export", id="detail.export"),
        Binding("ctrl+y", "copy_brief", "Copy", id="detail.copy"),
        Binding("r", "resolve", "Resolve", id="detail.resolve"),
        Binding("c", "checkin", "Check-in done", id="detail.checkin"),
        Binding("x,delete", "delete", "Delete", id="detail.delete"),
    ]

    def __init__(self, assessment: Assessment, rows: Sequence[Row] | None = None) -> None:
        """``rows``: every row of the history, when the caller has them all (the earlier
        assessments of the same account are then found there, not read again)."""
        super().__init__()
        self.assessment = assessment
        self._rows = rows
        self.deleted = False

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
                yield PreviousScores(id="previous")
            with VerticalScroll(id="detail-brief-scroll"):
                yield Markdown(self._brief_text(), id="detail-brief")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._refresh_view()
        self._show_previous()

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

    def _refresh_view(self) -> None:
        a = self.assessment
        band = BAND_BY_DECISION[a.decision]
        self.query_one("#detail-title", Static).update(
            f"#{a.id} [b]{escape(a.account)}[/b]  {a.created_at.astimezone():%Y-%m-%d}  "
            f"[b ${band.style}]● {escape(band.label)}[/] {a.total}/{TOTAL_MAX} · {a.status}"
        )
        self.query_one("#lifecycle", Static).update(self._lifecycle())
        self.query_one("#detail-warnings", Static).update(self._warnings())
        self.refresh_bindings()

    def _warnings(self) -> Content:
        """The warnings stored with the assessment (as they were when it was saved)."""
        warnings = self.assessment.warnings
        if not warnings:
            return Content.styled("none", "$text-muted")
        return Content("\n").join(
            Content.assemble(("⚠ ", "$warning"), (w.message, "")) for w in warnings
        )

    def _lifecycle(self) -> str:
        a = self.assessment
        now = self.triage.now()
        lines = [f"[b]Type[/b]      {escape(ISSUE_TYPES[a.issue_type].label)}"]
        if a.route is not None:
            lines.append(f"[b]Route[/b]     {escape(a.route.to)}")
        if a.resolved_at is None:
            lines.append("[b]Status[/b]    [b $warning]open[/]  [$text-muted](r to resolve)[/]")
        else:
            stars = "★" * (a.satisfaction or 0) + "☆" * (5 - (a.satisfaction or 0))
            lines.append(f"[b]Status[/b]    resolved {_when(a.resolved_at)}")
            lines.append(f"[b]Satisfied[/b] [$accent]{stars}[/] {a.satisfaction}/5")
            if a.resolution_note:
                lines.append(f"[b]Note[/b]      {escape(a.resolution_note)}")
        due = a.checkin_due_at
        if due is not None:
            if a.checkin_done_at is not None:
                lines.append(f"[b]Check-in[/b]  [$success]✓ done {_when(a.checkin_done_at)}[/]")
            elif a.followup_overdue(now):
                lines.append(f"[b]Check-in[/b]  [b $error reverse]⚑ overdue[/] since {_when(due)}  "
                             "[$text-muted](c when done)[/]")
            else:
                lines.append(f"[b]Check-in[/b]  [b $warning]⚑ due {_when(due)}[/]  "
                             "[$text-muted](c when done)[/]")
        elif a.resolved_at is not None and not a.decision.escalates:
            lines.append("[b]Check-in[/b]  [$text-muted]none (handled without escalating)[/]")
        return "\n".join(lines)

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
        a = self.assessment
        if self.deleted and action not in ("close",):
            return False
        if action == "resolve":
            return a.resolved_at is None
        if action == "checkin":
            return a.followup_pending()
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

    # ----------------------------------------------------------------- resolve / check-in

    async def action_resolve(self) -> None:
        from .resolve import ResolveScreen

        a = self.assessment
        # Awaited: the dialog is mounted before the next key is read ("r 4 tab note enter").
        await self.app.push_screen(ResolveScreen(f"Resolve #{a.id} {a.account}"),
                                   callback=self._resolution)

    def _resolution(self, result: Resolution | None) -> None:
        if result is not None:
            self._change("resolve", result.satisfaction, result.note)

    def action_checkin(self) -> None:
        self._change("checkin")

    @work(thread=True, exclusive=True, group="detail-change")
    def _change(self, what: str, satisfaction: int = 0, note: str = "") -> None:
        store = self.triage.store()
        a = self.assessment
        now = self.triage.now()
        try:
            if what == "resolve":
                new = store.resolve(a.id, satisfaction, note, now=now)
                message = f"#{a.id} {a.account} resolved (satisfaction {satisfaction}/5)."
                if new.checkin_due_at is not None:
                    message += f" Check-in due {_when(new.checkin_due_at)}."
            else:
                new = store.checkin(a.id, now=now)
                message = f"#{a.id} {a.account}: post-escalation check-in done."
        except Exception as exc:  # StoreError: one line naming the problem
            self.app.call_from_thread(self.notify, str(exc), title="Not saved",
                                      severity="error", timeout=10)
            return
        self.app.call_from_thread(self._changed, new, message)

    def _changed(self, new: Assessment, message: str) -> None:
        self.assessment = new
        self._refresh_view()
        announce(self, lambda: AssessmentChanged(new))
        self.notify(message, title="Saved")

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
        if self.assessment.resolved_at is None:
            commands.insert(3, ("Assessment: resolve", "Satisfaction 1–5 and a note (r)",
                                self.action_resolve))
        if self.assessment.followup_pending():
            commands.insert(3, ("Assessment: check-in done", "The 48-hour check-in (c)",
                                self.action_checkin))
        return commands
