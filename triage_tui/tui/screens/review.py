"""Review screen (F4): the seed's monthly pattern review, for a chosen period.

Counts by decision and by issue type (as bars), accounts escalating repeatedly, time to
escalate, time to resolve by quarter with its trend, satisfaction, follow-ups due, and
the calibration (for resolved escalations: satisfaction and days to resolve per band).
The numbers come from ``domain.review.build_review``; this screen only draws them.

For a team lead on the team server, the team comes first: a table per CSM (escalations,
median time to acknowledge, late acknowledgements, updates on time, stalls, satisfaction;
``widgets.team_table``) and the accounts escalated by more than one CSM, for the same
period, from ``store.team_review`` (the numbers ``triage stats`` prints). A store with no
team to show (a history file, a CSM who leads no team) answers None: no team section. The
history is read in a worker thread, so the screen paints at once, and only what the
period needs is read (``readmodel.load_review_rows``: the period's records and the pending
follow-ups, as plain documents); a shorter period reuses what a longer one read.

Keys: 1 30 days · 2 90 days · 3 365 days · 4 all · p next period · ctrl+r reload;
a lead: t the team table (s / S sort, or click a header).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tab, Tabs

from ...domain.rubric import (
    BAND_BY_DECISION,
    DEFAULT_LATE_THRESHOLD_DAYS,
    REVIEW_NAME,
    REVIEW_PERIOD_DAYS,
    Decision,
    IssueType,
    plural,
)
from ...domain.text import fit, inert, pad
from ..widgets.commands import ScreenCommands
from ..widgets.team_table import TeamTable
from ...readmodel import TYPE_SHORT

if TYPE_CHECKING:
    from ...domain.review import Review, TeamReview
    from ...readmodel import Row
    from ..app import TriageApp

PERIODS: tuple[tuple[str, str, int | None], ...] = (
    ("p30", "30 days", 30),
    ("p90", "90 days", 90),
    ("p365", "365 days", 365),
    ("pall", "All", None),
)
DEFAULT_PERIOD = f"p{REVIEW_PERIOD_DAYS}"  # the monthly review, as `triage stats`
WIDE_AT = 110
CARDS = ("decisions", "types", "repeats", "escalate", "resolve", "satisfaction",
         "followups", "calibration")
TITLES = {
    "decisions": "By decision", "types": "By issue type",
    "repeats": "Accounts escalating repeatedly", "escalate": "Time to escalate",
    "resolve": "Time to resolve, by quarter", "satisfaction": "Customer satisfaction",
    "followups": "Follow-ups due (48-hour check-in)",
    "calibration": "Calibration: resolved escalations per band",
}
TREND = {
    "growing": "[b $warning]▲ growing[/]: resolutions take longer than last quarter",
    "shrinking": "[b $success]▼ shrinking[/]: resolutions are faster than last quarter",
    "steady": "[$text-muted]= steady[/]: about the same as last quarter",
}


def bar(value: float, most: float, width: int, style: str) -> str:
    """A horizontal bar, ``width`` cells for ``most``, in eighths."""
    if most <= 0 or value <= 0:
        return " " * width
    eighths = max(1, round(value / most * width * 8))
    full, part = divmod(eighths, 8)
    text = "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")
    return f"[{style}]{text}[/]" + " " * (width - len(text))


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} d"


SHARED_SHOWN = 8  # accounts listed on the card; `triage stats` lists them all


def team_title(team: TeamReview) -> Content:
    """The per-CSM card's title: "Team A · escalations per CSM" (team names are data)."""
    word = "Team" if len(team.teams) == 1 else "Teams"
    names = ", ".join(inert(t) for t in team.teams)
    return Content.from_markup(f"{word} $names · escalations per CSM", names=names)


def shared_card(team: TeamReview, width: int) -> Content:
    """Accounts escalated by two or more CSMs (most escalations first) with who escalated
    them, in ``width`` cells. Accounts and usernames are data: markup variables, inert."""
    if not team.shared_accounts:
        return Content.from_markup(
            "[$text-muted]No account was escalated by more than one CSM in the period.[/]")
    account_width = max(12, min(40, (width - 8) // 2))
    lines = [f"[$text-muted]{'account':<{account_width}} {'escal.':>6}  CSMs[/]"]
    values: dict[str, str] = {}
    for n, shared in enumerate(team.shared_accounts[:SHARED_SHOWN]):
        values[f"account{n}"] = pad(fit(inert(shared.account), account_width), account_width)
        values[f"csms{n}"] = fit(", ".join(inert(c) for c in shared.csms),
                                 max(8, width - account_width - 9))
        lines.append(f"[b]$account{n}[/b] [b $warning]{shared.escalations:>6}[/]  $csms{n}")
    more = len(team.shared_accounts) - SHARED_SHOWN
    if more > 0:
        lines.append(f"[$text-muted]+{more} more (triage stats)[/]")
    return Content.from_markup("\n".join(lines), **values)


def review_cards(r: Review, width: int, now: Any) -> dict[str, Content]:
    """Each card, bars ``width`` cells wide. User text (account names) goes in as markup
    *variables* (``$user0``…), filled in as plain, inert text: never parsed as markup."""
    cards: dict[str, str] = {}
    user: dict[str, str] = {}

    def text(value: str, width: int | None = None) -> str:
        shown = inert(value)
        if width is not None:
            shown = pad(fit(shown, width), width)
        name = f"user{len(user)}"
        user[name] = shown
        return f"${name}"

    most = max((c.count for c in r.by_decision), default=0)
    cards["decisions"] = "\n".join(
        f"{escape(c.label):<21} {bar(c.count, most, width, '$' + BAND_BY_DECISION[Decision(c.key)].style)}"
        f" {c.count:>5}"
        for c in r.by_decision
    )

    most = max((c.count for c in r.by_issue_type), default=0)
    cards["types"] = "\n".join(
        f"{escape(TYPE_SHORT[IssueType(c.key)]):<21} {bar(c.count, most, width, '$primary')}"
        f" {c.count:>5}"
        for c in r.by_issue_type
    )

    if r.repeat_accounts:
        lines = [f"[$text-muted]{'account':<22} {'escal.':>6} {f'in {r.repeat_window_days} d':>8}  last[/]"]
        for rep in r.repeat_accounts[:6]:
            lines.append(
                f"[b]{text(rep.account, 22)}[/b] {rep.escalations:>6} "
                f"[b $warning]{rep.most_in_window:>8}[/]  {rep.last_at.astimezone():%Y-%m-%d}"
            )
        if len(r.repeat_accounts) > 6:
            lines.append(f"[$text-muted]+{len(r.repeat_accounts) - 6} more[/]")
        cards["repeats"] = "\n".join(lines)
    else:
        cards["repeats"] = "[$text-muted]No account escalated twice within the window.[/]"

    t = r.time_to_escalate
    if t.measured:
        late = (f"[b $warning]{t.late} late[/] (open past the {DEFAULT_LATE_THRESHOLD_DAYS}-business-day rule)"
                if t.late else "[$success]none late[/]")
        cards["escalate"] = (
            f"Business days open before escalating ({plural(t.measured, 'escalation')})\n"
            f"average [b]{t.average_days}[/b] · median [b]{t.median_days}[/b] · max [b]{t.max_days}[/b]\n"
            f"{late}"
        )
    else:
        cards["escalate"] = "[$text-muted]No escalation with an open-since date in the period.[/]"

    if r.time_to_resolve:
        most_days = max(q.average_days for q in r.time_to_resolve)
        lines = [
            f"{q.quarter}  {bar(q.average_days, most_days, width, '$accent')} "
            f"{q.average_days:>5.1f} d  [$text-muted]n={q.resolved}[/]"
            for q in r.time_to_resolve[-6:]
        ]
        lines.append(TREND.get(r.resolve_trend or "", "[$text-muted]one quarter: no trend yet[/]"))
        cards["resolve"] = "\n".join(lines)
    else:
        cards["resolve"] = "[$text-muted]No resolved escalation in the period.[/]"

    s = r.satisfaction
    if s.rated:
        most = max(s.distribution.values())
        lines = [f"average [b $accent]{s.average}[/]/5 from {s.rated} rated"]
        for n in range(5, 0, -1):
            count = s.distribution.get(n, 0)
            style = "$success" if n >= 4 else ("$warning" if n == 3 else "$error")
            lines.append(f"{'★' * n:>5} {bar(count, most, width, style)} {count:>5}")
        cards["satisfaction"] = "\n".join(lines)
    else:
        cards["satisfaction"] = "[$text-muted]No rated resolution in the period.[/]"

    if r.followups:
        lines = [f"{len(r.followups)} due · [b $error]{r.followups_overdue} overdue[/]"
                 if r.followups_overdue else f"{len(r.followups)} due · none overdue"]
        for f in r.followups[:6]:
            when = f"{f.due_at.astimezone():%Y-%m-%d %H:%M}"
            flag = "[b $error reverse]⚑ overdue[/]" if f.overdue else "[b $warning]⚑ due[/]"
            lines.append(f"{flag} #{f.id} [b]{text(f.account)}[/b] {when}")
        if len(r.followups) > 6:
            lines.append(f"[$text-muted]+{len(r.followups) - 6} more (triage followups)[/]")
        cards["followups"] = "\n".join(lines)
    else:
        cards["followups"] = "[$success]✓ No post-escalation check-in is due.[/]"

    lines = [f"[$text-muted]{'band':<22}{'resolved':>9}{'satisf.':>9}{'days':>7}[/]"]
    for c in r.calibration:
        band = BAND_BY_DECISION[c.decision]
        sat = "—" if c.average_satisfaction is None else f"{c.average_satisfaction:.1f}"
        days = "—" if c.average_days_to_resolve is None else f"{c.average_days_to_resolve:.1f}"
        lines.append(f"[${band.style}]{escape(band.label):<22}[/]{c.resolved:>9}{sat:>9}{days:>7}")
    cards["calibration"] = "\n".join(lines)
    return {key: Content.from_markup(markup, **user) for key, markup in cards.items()}


class ReviewScreen(Screen[None]):
    """The pattern review for the last 30 / 90 / 365 days or everything."""

    CSS_PATH = "review.tcss"
    COMMANDS = {ScreenCommands}
    AUTO_FOCUS = "#review-body"

    BINDINGS = [
        Binding("1", "period('p30')", "30 d", show=False, id="review.p30"),
        Binding("2", "period('p90')", "90 d", show=False, id="review.p90"),
        Binding("3", "period('p365')", "365 d", show=False, id="review.p365"),
        Binding("4", "period('pall')", "All", show=False, id="review.pall"),
        Binding("p", "next_period", "Period", id="review.period"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="review.reload"),
        Binding("t", "focus_team", "Team table", show=False, id="review.team"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period = DEFAULT_PERIOD
        self.review: Review | None = None
        self.team: TeamReview | None = None  # a team lead's: per CSM, shared accounts
        self.loaded = False
        self.load_seconds: float | None = None
        self._items: list[Row] | None = None  # read for the periods from _since on
        self._since: datetime | None = None  # None: the whole history
        self._sig: Any = False

    @property
    def triage(self) -> TriageApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        # No `active=` here: Tabs checks it on its own mount, which a fast screen switch
        # can run before its tabs are in (seen under load as "No Tab with id 'p30'").
        # The first tab is the default period (a test checks it).
        yield Tabs(*(Tab(label, id=key) for key, label, _ in PERIODS), id="period")
        with VerticalScroll(id="review-body"):
            yield Static("Reading the history…", id="review-summary")
            with Container(id="review-team") as team:
                team.display = False  # a team lead's only (see _draw)
                with Vertical(id="card-team", classes="review-card"):
                    yield Static("", id="team-empty")
                    yield TeamTable(id="team-table")
                shared = Static("", id="card-shared", classes="review-card")
                shared.border_title = "Accounts escalated by more than one CSM"
                yield shared
            with Container(id="review-grid") as grid:
                grid.display = False  # until the first review is computed
                for key in CARDS:
                    card = Static("", id=f"card-{key}", classes="review-card")
                    card.border_title = TITLES[key]
                    yield card
        yield Footer(compact=True)

    def on_screen_resume(self) -> None:
        self._compute()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE_AT, "-wide")
        self._draw()

    # ----------------------------------------------------------------- period

    @property
    def period_days(self) -> int | None:
        return next(days for key, _, days in PERIODS if key == self.period)

    @on(Tabs.TabActivated, "#period")
    def _tab(self, event: Tabs.TabActivated) -> None:
        if event.tab.id and event.tab.id != self.period:
            self.period = event.tab.id
            self._compute()

    def action_period(self, key: str) -> None:
        self.query_one("#period", Tabs).active = key

    def action_next_period(self) -> None:
        keys = [key for key, _, _ in PERIODS]
        self.action_period(keys[(keys.index(self.period) + 1) % len(keys)])

    def action_focus_team(self) -> None:
        if self.team is not None:
            self.query_one("#team-table", TeamTable).focus()
            self.query_one("#card-team").scroll_visible(animate=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_team":
            return self.team is not None  # a lead's key; hidden for everyone else
        return True

    def action_reload(self) -> None:
        self._sig = False
        self._compute()

    # ----------------------------------------------------------------- computing

    def _compute(self) -> None:
        self._started = time.perf_counter()
        self._work(self.period)

    @work(thread=True, exclusive=True, group="review")
    def _work(self, period: str) -> None:
        from ...domain.review import build_review
        from ...readmodel import load_review_rows
        from ...storage.store import paused_gc

        store = self.triage.store()
        now = self.triage.now()
        days = next(d for k, _, d in PERIODS if k == period)
        since = None if days is None else now - timedelta(days=days)
        try:
            sig = store.signature()
            covered = self._items is not None and sig == self._sig and (
                self._since is None or (since is not None and self._since <= since))
            if not covered:
                # Plain documents of the period, not store.all(): pydantic would validate
                # 10 000 records (about 1 s) that the store wrote or validated itself (see
                # HistoryStore.documents), and the review reads a few fields of each.
                with paused_gc():
                    self._items = load_review_rows(store, since)
                self._sig, self._since = sig, since
            review = build_review(self._items, now, days)
            # a lead's per-CSM figures, summed by the server for the same period and now
            team = store.team_review(now, days)
        except Exception as exc:  # StoreError
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._done, review, team, period)

    def _failed(self, message: str) -> None:
        self.query_one("#review-summary", Static).update(Content.from_markup(
            "[$error]Cannot read the history: $message[/]", message=inert(message)))
        self.loaded = True

    def _done(self, review: Review, team: TeamReview | None, period: str) -> None:
        if period != self.period:
            return
        self.review, self.team = review, team
        self.refresh_bindings()  # t (the team table) shows for a lead only
        self._draw()
        self.load_seconds = time.perf_counter() - self._started
        self.loaded = True

    # ----------------------------------------------------------------- drawing

    def _draw(self) -> None:
        r = self.review
        if r is None or not self.is_mounted:
            return
        label = next(lbl for k, lbl, _ in PERIODS if k == self.period)
        since = (f"since {r.since.astimezone():%Y-%m-%d}" if r.since is not None
                 else "everything on file")
        name = f" · the {REVIEW_NAME}" if self.period == DEFAULT_PERIOD else ""
        self.query_one("#review-summary", Static).update(
            f"[b $primary]{label}{name}[/] [$text-muted]({since})[/]\n"
            f"{plural(r.assessments, 'assessment')} · {plural(r.escalations, 'escalation')} · "
            f"[b]{r.open}[/b] open · [b]{r.resolved}[/b] resolved"
        )
        self.query_one("#review-grid").display = True
        self._draw_team()
        width = self.size.width
        card_width = (width - 5) // 2 - 4 if width >= WIDE_AT else width - 8
        bar_width = max(6, min(30, card_width - 30))
        for key, text in review_cards(r, bar_width, self.triage.now()).items():
            self.query_one(f"#card-{key}", Static).update(text)

    def _draw_team(self) -> None:
        team = self.team
        section = self.query_one("#review-team")
        section.display = team is not None
        if team is None:
            return
        card = self.query_one("#card-team")
        card.border_title = team_title(team)
        card.border_subtitle = (f"{plural(len(team.csms), 'CSM')} · t table · s sort"
                                if team.csms else None)
        table = self.query_one("#team-table", TeamTable)
        table.display = bool(team.csms)
        empty = self.query_one("#team-empty", Static)
        empty.display = not team.csms
        empty.update(Content.from_markup(
            "[$text-muted]No escalation by the team in the period.[/]"))
        table.show(team.csms)
        self.query_one("#card-shared", Static).update(
            shared_card(team, max(40, self.size.width - 8)))

    # ----------------------------------------------------------------- palette

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        commands = [
            (f"Review: last {label}" if days else "Review: all time", f"Period ({n})",
             lambda key=key: self.action_period(key))
            for n, (key, label, days) in enumerate(PERIODS, start=1)
        ]
        commands.append(("Review: reload", "Read the history again (ctrl+r)", self.action_reload))
        if self.team is not None:
            commands.append(("Review: the team per CSM", "Focus the per-CSM table (t)",
                             self.action_focus_team))
        return commands
