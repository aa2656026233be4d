"""“Same account, again”: the previous scores beside the current ones.

A reusable widget for the detail screen and the assess screen. Feed it the current
scores and decision and the account's earlier assessments (newest first):

    prev = PreviousScores()
    prev.show(current_scores, current_decision, [Earlier.from_assessment(a), ...])

It shows, per dimension, the score last time, now, and the change; the totals and the
decisions; and the dates of up to three earlier assessments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual.content import Content
from textual.markup import escape
from textual.widgets import Static

from ...domain.rubric import BAND_BY_DECISION, DIMENSIONS, TOTAL_MAX, Decision, Dimension
from ...readmodel import DECISION_SHORT, account_key

_DIMS = tuple(Dimension)


@dataclass(frozen=True)
class Earlier:
    """One earlier assessment of the same account (just what the comparison needs)."""

    id: int | None
    created: datetime
    scores: tuple[int, int, int, int]  # in Dimension order
    total: int
    decision: Decision

    @classmethod
    def from_assessment(cls, a: Any) -> Earlier:
        return cls(
            id=a.id, created=a.created_at, total=a.total, decision=Decision(a.decision),
            scores=tuple(a.scores[d] for d in _DIMS),  # type: ignore[arg-type]
        )

    @classmethod
    def from_row(cls, row: Any) -> Earlier:
        """From a read-model Row (see triage_tui/readmodel.py)."""
        return cls(id=row.id, created=row.created_at, scores=row.scores, total=row.total,
                   decision=row.decision)


def _scores_tuple(scores: Any) -> tuple[int, ...]:
    if isinstance(scores, Mapping):
        return tuple(int(scores[d.value] if d.value in scores else scores[d]) for d in _DIMS)
    if isinstance(scores, Sequence):
        return tuple(int(s) for s in scores)
    return tuple(int(scores[d]) for d in _DIMS)  # a Scores object


def _delta(before: int, now: int) -> str:
    if now > before:
        return f"[b $warning]▲ {now - before}[/]"
    if now < before:
        return f"[b $success]▼ {before - now}[/]"
    return "[$text-muted]=[/]"


def comparison_markup(
    current: Any, decision: Decision, earlier: Sequence[Earlier], *, now_label: str = "now"
) -> str:
    """The comparison as Textual markup (also used by tests)."""
    if not earlier:
        return "[$text-muted]First assessment for this account: nothing to compare with.[/]"
    last = earlier[0]
    ident = f"#{last.id} " if last.id is not None else ""
    count = f" ({len(earlier)} earlier)" if len(earlier) > 1 else ""
    lines = [
        "[b $primary]Same account, before[/]",
        f"[$text-muted]last: {ident}on {last.created.astimezone():%Y-%m-%d}{count}[/]",
        f"[$text-muted]{'':<18}{'then':>5}  {now_label:>4}[/]",
    ]
    now_scores = _scores_tuple(current)
    for dim, before, now in zip(_DIMS, last.scores, now_scores):
        arrow = "→" if before != now else " "
        lines.append(
            f"{escape(DIMENSIONS[dim].label):<18}{before:>5} {arrow}{now:>4}  {_delta(before, now)}"
        )
    total_now = sum(now_scores)
    arrow = "→" if last.total != total_now else " "
    lines.append(
        f"[b]{'Total':<18}{last.total:>5} {arrow}{total_now:>4}[/b]  {_delta(last.total, total_now)}"
        f"  [$text-muted]/{TOTAL_MAX}[/]"
    )
    then_band, now_band = BAND_BY_DECISION[last.decision], BAND_BY_DECISION[Decision(decision)]
    if then_band is now_band:
        lines.append(f"[b]Decision[/b]  [${now_band.style}]● {escape(now_band.label)}[/] (same)")
    else:
        lines.append(f"[b]Decision[/b]  then [${then_band.style}]● {escape(then_band.label)}[/]")
        lines.append(f"{'':<10}{now_label:<4} [b ${now_band.style}]● {escape(now_band.label)}[/]")
    if len(earlier) > 1:
        lines.append("[$text-muted]Earlier[/]")
        for e in earlier[:3]:
            band = BAND_BY_DECISION[e.decision]
            ident = f"#{e.id}" if e.id is not None else ""
            lines.append(
                f"  {e.created.astimezone():%Y-%m-%d} {ident:>6} {e.total:>3}/{TOTAL_MAX}  "
                f"[${band.style}]● {DECISION_SHORT[e.decision]}[/]"
            )
        if len(earlier) > 3:
            lines.append(f"  [$text-muted]+{len(earlier) - 3} more (filter the history)[/]")
    return "\n".join(lines)


class PreviousScores(Static):
    """The account's previous scores next to the current ones."""

    DEFAULT_CSS = """
    PreviousScores {
        height: auto;
        width: 1fr;
        margin: 1 0 0 0;
    }
    PreviousScores.-empty.-hide-empty {
        display: none;
    }
    """

    def __init__(self, *, hide_when_empty: bool = False, now_label: str = "now",
                 name: str | None = None, id: str | None = None,  # noqa: A002
                 classes: str | None = None) -> None:
        super().__init__("", name=name, id=id, classes=classes)
        self.now_label = now_label
        self.set_class(hide_when_empty, "-hide-empty")
        self.add_class("-empty")
        self.earlier: list[Earlier] = []
        self._markup: str | None = None

    def show(self, current: Any, decision: Decision, earlier: Sequence[Earlier]) -> None:
        """Compare ``current`` scores (Scores, a mapping or 4 ints) with ``earlier[0]``."""
        self.earlier = list(earlier)
        if self.has_class("-empty") == bool(earlier):  # called on every keystroke
            self.set_class(not earlier, "-empty")
        if not earlier and self.has_class("-hide-empty"):
            markup = ""
        else:
            markup = comparison_markup(current, decision, earlier, now_label=self.now_label)
        if markup == self._markup:  # called on every keystroke of a form
            return
        self._markup = markup
        self.update(Content.from_markup(markup))

    # ------------------------------------------------------------------ following a draft

    def follow(self, account: str, current: Any, decision: Decision) -> None:
        """For a form being edited (the assess screen): call on every recompute.

        When the account name changes (after a short pause in typing) the account's
        earlier assessments are read from the app's store in a worker thread; the
        comparison is redrawn with ``current`` at once, cheaply."""

        self._current = (current, decision)
        key = account_key(account)
        if key != getattr(self, "_account_key", None):
            self._account_key = key
            self.earlier = []
            self._loaded_key = None
            timer = getattr(self, "_timer", None)
            if timer is not None:
                timer.stop()
            self._timer = self.set_timer(FOLLOW_DELAY, lambda: self._lookup(account, key)) \
                if key else None
        self.show(current, decision, self.earlier if self._loaded_key == key else [])

    def _lookup(self, account: str, key: str) -> None:
        self.run_worker(lambda: self._read(account, key), thread=True, exclusive=True,
                        group="previous-scores")

    def _read(self, account: str, key: str) -> None:
        try:
            earlier = earlier_assessments(self.app.store(), account)  # type: ignore[attr-defined]
        except Exception:  # no store, a corrupt file: nothing to compare with
            earlier = []
        self.app.call_from_thread(self._found, key, earlier)

    def _found(self, key: str, earlier: list[Earlier]) -> None:
        if key != getattr(self, "_account_key", None):
            return  # the name changed meanwhile
        self._loaded_key = key
        current, decision = self._current
        self.show(current, decision, earlier)


FOLLOW_DELAY = 0.3  # seconds of quiet in the account field before the history is read


def earlier_assessments(store: Any, account: str, before: Any = None,
                        exclude_id: int | None = None) -> list[Earlier]:
    """The account's assessments in ``store`` (same name, any case or spacing), newest
    first; only those created before ``before`` when given."""

    key = account_key(account)
    if not key:
        return []
    found = [
        a for a in store.query(account=" ".join(account.split()))
        if account_key(a.account) == key and a.id != exclude_id
        and (before is None or a.created_at < before)
    ]
    found.sort(key=lambda a: (a.created_at, a.id or 0), reverse=True)
    return [Earlier.from_assessment(a) for a in found]
