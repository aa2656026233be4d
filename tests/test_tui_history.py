"""History screen (F3) and the assessment detail: Pilot tests on a fixed demo history."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tui_helpers import asynctest, wait_for
from triage_tui.domain.settings import Settings
from triage_tui.storage import HistoryStore, UnknownIdError
from triage_tui.storage.demo import demo_assessments
from triage_tui.tui.app import make_app
from triage_tui.readmodel import (
    Row,
    earlier_rows,
    filter_rows,
    load_rows,
    row_from_assessment,
    sort_rows,
)
from triage_tui.tui.widgets.history_table import HistoryTable, layout

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
COUNT = 60
SEED = 20251


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "demo.json"
    HistoryStore(path).add_many(demo_assessments(COUNT, NOW, seed=SEED))
    return path


def app_for(db: Path):
    return make_app(db_path=db, settings=Settings(), now=lambda: NOW)


async def open_history(pilot):
    """F3, then wait until the table shows every row (not just the first page)."""
    await pilot.press("f3")
    app = pilot.app
    await wait_for(pilot, lambda: getattr(app.screen, "complete", False))
    await pilot.pause()
    return app.screen


def table(app) -> HistoryTable:
    return app.screen.query_one(HistoryTable)


# ----------------------------------------------------------------------------- rows (no UI)


def test_rows_match_the_store(demo_db: Path) -> None:
    store = HistoryStore(demo_db)
    rows = load_rows(store)
    assessments = store.all()
    assert [r.id for r in rows] == [a.id for a in assessments]  # newest first
    for row, a in zip(rows, assessments):
        assert row.account == a.account
        assert row.total == a.total
        assert row.decision is a.decision
        assert row.issue_type is a.issue_type
        assert row.status == a.status
        assert row.checkin_due_at == a.checkin_due_at
        assert row.followup_pending() == a.followup_pending()
        assert row.followup_overdue(NOW) == a.followup_overdue(NOW)
        assert row == row_from_assessment(a)


def test_filter_rows_is_case_insensitive_and_searches_text(demo_db: Path) -> None:
    rows = load_rows(HistoryStore(demo_db))
    initech = filter_rows(rows, "INITECH")
    assert initech and all(r.account == "Initech" for r in initech)
    assert len(initech) == sum(r.account == "Initech" for r in rows)
    # text the CSM wrote: situation, ask, rationale, resolution note
    regulator = filter_rows(rows, "regulator")
    assert regulator and all("regulator" in r.hay for r in regulator)
    assert filter_rows(rows, "needs an executive conversation")  # a rationale
    # every word must match; the month is searchable
    both = filter_rows(rows, "initech march")
    assert all(r.account == "Initech" and r.local.month == 3 for r in both)
    assert filter_rows(rows, "") == rows
    assert filter_rows(rows, "zzz-no-such-thing") == []


def test_filter_matches_the_words_the_table_shows(demo_db: Path) -> None:
    """Decision, type and status words as the table prints them (and their long forms)."""
    from triage_tui.domain.rubric import Decision, IssueType

    rows = load_rows(HistoryStore(demo_db))

    def check(query: str, predicate) -> None:
        found = filter_rows(rows, query)
        assert found, query
        assert all(predicate(r) for r in found), query
        assert found == [r for r in rows if predicate(r)], query

    check("immediately", lambda r: r.decision is Decision.ESCALATE_IMMEDIATELY)
    check("urgency", lambda r: r.decision is Decision.ESCALATE_WITH_URGENCY)
    check("handle it", lambda r: r.decision is Decision.HANDLE_YOURSELF)
    check("defect", lambda r: r.issue_type is IssueType.PRODUCT_DEFECT)
    check("commercial", lambda r: r.issue_type is IssueType.COMMERCIAL_DISPUTE)
    check("resolved", lambda r: r.resolved_at is not None)
    found = filter_rows(rows, "initech resolved")
    assert found and all(r.account == "Initech" and r.resolved_at is not None for r in found)


def test_sort_rows_by_each_column(demo_db: Path) -> None:
    rows = load_rows(HistoryStore(demo_db))
    by_date = sort_rows(rows, "date")
    assert [r.created_at for r in by_date] == sorted((r.created_at for r in rows), reverse=True)
    by_account = sort_rows(rows, "account")
    assert [r.account_key for r in by_account] == sorted(r.account_key for r in rows)
    by_total = sort_rows(rows, "total")
    assert by_total[0].total == max(r.total for r in rows)
    assert sort_rows(rows, "total", reverse=True)[0].total == min(r.total for r in rows)
    by_followup = sort_rows(rows, "followup")
    pending = [r for r in rows if r.followup_pending()]
    assert pending and by_followup[: len(pending)] and all(
        r.followup_pending() for r in by_followup[: len(pending)])


def test_earlier_rows_same_account_only(demo_db: Path) -> None:
    rows = load_rows(HistoryStore(demo_db))
    newest_initech = next(r for r in rows if r.account == "Initech")
    earlier = earlier_rows(rows, newest_initech)
    assert earlier and all(r.account_key == "initech" for r in earlier)
    assert all(r.created_at < newest_initech.created_at for r in earlier)
    assert earlier == sorted(earlier, key=lambda r: r.created_at, reverse=True)


@pytest.mark.parametrize("width", [73, 78, 79, 100, 118, 200])
def test_table_layout_fits(width: int) -> None:
    columns = layout(width)
    used = sum(w for _, w in columns) + len(columns) - 1
    assert used == width
    keys = [c.key for c, _ in columns]
    assert {"date", "account", "total", "decision", "type", "status", "followup"} <= set(keys)
    if width >= 78:  # an 80-column terminal keeps the # column
        assert "id" in keys


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_headers_are_whole_when_sorted(demo_db: Path, size) -> None:
    import asyncio

    async def run() -> None:
        app = app_for(demo_db)
        async with app.run_test(size=size) as pilot:
            screen = await open_history(pilot)
            for key in ("total", "decision", "followup", "id"):
                screen.set_sort(key)
                await pilot.pause()
                header = table(app).render_line(0).text
                assert "…" not in header, (key, header)
                assert "▼" in header or "▲" in header
            line = table(app).render_line(1).text
            assert line.split()[0].isdigit(), line  # the # column, at 80 columns too

    asyncio.run(run())


# ----------------------------------------------------------------------------- the screen


@asynctest
async def test_history_lists_every_assessment_newest_first(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_history(pilot)
        rows = table(app).rows
        assert len(rows) == COUNT
        assert [r.created_at for r in rows] == sorted((r.created_at for r in rows), reverse=True)
        assert app.focused is table(app)
        assert "60 assessments" in str(screen.query_one("#history-count").render())


@asynctest
async def test_filter_narrows_as_you_type_and_enter_moves_to_the_table(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot)
        await pilot.press("slash")
        assert app.focused.id == "history-filter"
        await pilot.press("i", "n")
        some = len(table(app).rows)
        await pilot.press("i", "t", "E", "c", "h")
        rows = table(app).rows
        assert 0 < len(rows) < some <= COUNT
        assert all(r.account == "Initech" for r in rows)
        await pilot.press("enter")
        assert app.focused is table(app)
        await pilot.press("backspace")  # the table has focus: the filter is unchanged
        assert app.screen.query_one("#history-filter").value == "initEch"


@asynctest
async def test_fast_keys_open_the_first_match(demo_db: Path) -> None:
    """The acceptance script's `F3 / ini Enter Enter`, sent without waiting."""
    app = app_for(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app._press_keys(["f3", "slash", "i", "n", "i", "enter", "enter"])
        from triage_tui.tui.screens.detail import DetailScreen

        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        newest = max((a for a in HistoryStore(demo_db).all() if a.account == "Initech"),
                     key=lambda a: a.created_at)
        assert app.screen.assessment.id == newest.id
        await pilot.press("escape")
        assert app.current_mode == "history" and app.focused is table(app)


@asynctest
async def test_escape_in_the_filter_goes_back_to_the_table(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot)
        await pilot.press("slash", "g", "l", "o", "escape")
        assert app.focused is table(app)
        assert all(r.account == "Globex Industries" for r in table(app).rows)
        await pilot.press("escape")  # on the table: the app's back
        assert app.current_mode == "assess"


@asynctest
async def test_nothing_matches(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot)
        await pilot.press("slash", *"qqqq")
        assert table(app).rows == []
        assert "Nothing matches" in table(app).empty_text
        await pilot.press("enter", "enter")  # nothing to open: no error
        assert app.screen is not None and app.current_mode == "history"


@asynctest
async def test_sort_by_key_and_by_header_click(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_history(pilot)
        await pilot.press("s")  # next column after date: account
        rows = table(app).rows
        assert [r.account_key for r in rows] == sorted(r.account_key for r in rows)
        await pilot.press("r")  # r is resolve elsewhere: it does nothing here
        assert [r.account_key for r in table(app).rows] == [r.account_key for r in rows]
        await pilot.press("S")  # shift+s reverses
        rows = table(app).rows
        assert [r.account_key for r in rows] == sorted((r.account_key for r in rows), reverse=True)
        # click the "Total" header
        from triage_tui.tui.widgets.history_table import GAP

        x = 0
        for column, width in layout(table(app).scrollable_content_region.width):
            if column.key == "total":
                break
            x += width + GAP
        await pilot.click(HistoryTable, offset=(x + 1, 0))
        await pilot.pause()
        totals = [r.total for r in table(app).rows]
        assert totals == sorted(totals, reverse=True)
        assert screen._sort == "total"


@asynctest
async def test_cursor_keys_and_mouse(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot)
        t = table(app)
        await pilot.press("down", "down", "j")
        assert t.cursor == 3
        await pilot.press("end")
        assert t.cursor == COUNT - 1 and t.scroll_y > 0
        await pilot.press("home")
        assert t.cursor == 0 and t.scroll_y == 0
        await pilot.click(HistoryTable, offset=(3, 3))  # the third row
        assert t.cursor == 2
        await pilot.click(HistoryTable, offset=(3, 3))  # again: opens it
        from triage_tui.tui.screens.detail import DetailScreen

        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert app.screen.assessment.id == t.rows[2].id


# ----------------------------------------------------------------------------- the detail


async def open_row(pilot, predicate) -> object:
    """Open the first row of the history that satisfies ``predicate``."""
    app = pilot.app
    screen = await open_history(pilot)
    t = table(app)
    index = next(i for i, r in enumerate(t.rows) if predicate(r))
    t.cursor = index
    await pilot.press("enter")
    from triage_tui.tui.screens.detail import DetailScreen

    await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
    await pilot.pause()
    return screen


@asynctest
async def test_detail_shows_the_brief_and_previous_scores(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_row(pilot, lambda r: r.account == "Initech")
        detail = app.screen
        a = detail.assessment
        from textual.widgets import Markdown

        md = detail.query_one(Markdown)
        assert f"## Escalation Assessment: {a.account}" in md.source
        previous = detail.query_one("#previous")
        assert previous.earlier, "Initech has earlier assessments"
        assert all(e.created < a.created_at for e in previous.earlier)
        text = str(previous.render())
        assert "Same account, before" in text and "Total" in text
        await pilot.press("escape")
        assert isinstance(app.screen, type(app.screen)) and app.current_mode == "history"
        assert app.screen.__class__.__name__ == "HistoryScreen"


@asynctest
async def test_first_assessment_of_an_account_says_so(tmp_path: Path) -> None:
    db = tmp_path / "h.json"
    items = demo_assessments(8, NOW, seed=3)
    HistoryStore(db).add_many([replace(items[0], account="Only Once Ltd"), *items[1:]])
    app = app_for(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_row(pilot, lambda r: r.account == "Only Once Ltd")
        assert "First assessment for this account" in str(app.screen.query_one("#previous").render())


@asynctest
async def test_resolve_from_the_detail(demo_db: Path) -> None:
    app = app_for(demo_db)
    store = HistoryStore(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_row(pilot, lambda r: r.resolved_at is None and r.decision.escalates)
        a = app.screen.assessment
        await pilot.press("r")
        from triage_tui.tui.screens.resolve import ResolveScreen

        assert isinstance(app.screen, ResolveScreen)
        await pilot.press("ctrl+s")  # no satisfaction yet: refused
        assert isinstance(app.screen, ResolveScreen)
        assert "choose a satisfaction" in str(app.screen.query_one("#resolve-error").render())
        await pilot.press("4", "tab", *"Fixed it", "enter")
        await wait_for(pilot, lambda: store.get(a.id).resolved_at is not None)
        saved = store.get(a.id)
        assert saved.satisfaction == 4 and saved.resolution_note == "Fixed it"
        assert saved.resolved_at == NOW
        await wait_for(pilot, lambda: app.screen.assessment.resolved_at is not None)
        assert app.screen.check_action("resolve", ()) is False  # no second resolve
        assert "⚑ due" in str(app.screen.query_one("#lifecycle").render())
        await pilot.press("escape")
        row = next(r for r in table(app).rows if r.id == a.id)
        assert row.status == "resolved" and row.followup_pending()


@asynctest
async def test_resolve_cancel_changes_nothing(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_row(pilot, lambda r: r.resolved_at is None)
        a = app.screen.assessment
        await pilot.press("r", "5", "escape")
        await pilot.pause()
        assert HistoryStore(demo_db).get(a.id).resolved_at is None
        assert app.screen.assessment.id == a.id


@asynctest
async def test_checkin_done_from_the_detail(demo_db: Path) -> None:
    app = app_for(demo_db)
    store = HistoryStore(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_row(pilot, lambda r: r.followup_pending())
        a = app.screen.assessment
        assert app.screen.check_action("checkin", ()) is True
        await pilot.press("c")
        await wait_for(pilot, lambda: store.get(a.id).checkin_done_at is not None)
        assert store.get(a.id).checkin_done_at == NOW
        await wait_for(pilot, lambda: not app.screen.assessment.followup_pending())
        assert app.screen.check_action("checkin", ()) is False
        await pilot.press("escape")
        row = next(r for r in table(app).rows if r.id == a.id)
        assert not row.followup_pending()


@asynctest
async def test_delete_asks_first(demo_db: Path) -> None:
    app = app_for(demo_db)
    store = HistoryStore(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_row(pilot, lambda r: r.account == "Hooli Cloud")
        a = app.screen.assessment
        await pilot.press("x", "n")  # no: kept
        await pilot.pause()
        assert store.get(a.id).id == a.id
        await pilot.press("x", "y")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "HistoryScreen")
        with pytest.raises(UnknownIdError):
            store.get(a.id)
        assert a.id not in [r.id for r in table(app).rows]
        assert len(table(app).rows) == COUNT - 1


@asynctest
async def test_reopen_as_a_new_draft(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_row(pilot, lambda r: r.account == "Northwind Traders")
        a = app.screen.assessment
        await pilot.press("o")
        await wait_for(pilot, lambda: app.current_mode == "assess")
        await pilot.pause(0.1)
        assess = app.assess_screen
        assert assess.query_one("#account").value == "Northwind Traders"
        assert assess._draft.scores == a.scores
        assert assess._draft.issue_type is a.issue_type
        # the history stack is back on the table (no detail left behind)
        await pilot.press("f3")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HistoryScreen"


@asynctest
async def test_export_the_brief(demo_db: Path, tmp_path: Path) -> None:
    app = app_for(demo_db)
    target = tmp_path / "out.md"
    async with app.run_test(size=(120, 40)) as pilot:
        await open_row(pilot, lambda r: True)
        a = app.screen.assessment
        await pilot.press("ctrl+o")
        from textual.widgets import Input

        field = app.screen.query_one("#export-path", Input)
        assert field.value.endswith(".md") and "/" not in field.value
        field.value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists)
        text = target.read_text(encoding="utf-8")
        assert text.startswith(f"## Escalation Assessment: {a.account}")


@asynctest
async def test_copy_the_brief(demo_db: Path) -> None:
    app = app_for(demo_db)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_row(pilot, lambda r: True)
        await pilot.press("ctrl+y")
        assert copied and copied[0].startswith("## Escalation Assessment:")


@asynctest
async def test_history_reloads_after_a_save_elsewhere(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot)
        await pilot.press("f2")
        extra = demo_assessments(1, NOW + timedelta(hours=2), seed=99)[0]
        HistoryStore(demo_db).add(
            replace(extra, account="Brand New Co", created_at=NOW + timedelta(hours=1)))
        await pilot.press("f3")
        await wait_for(pilot, lambda: len(table(app).rows) == COUNT + 1)
        assert table(app).rows[0].account == "Brand New Co"


@asynctest
async def test_empty_history(tmp_path: Path) -> None:
    app = app_for(tmp_path / "none.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot)
        assert table(app).rows == []
        assert "No assessments yet" in table(app).empty_text
        await pilot.press("enter")
        assert app.screen.__class__.__name__ == "HistoryScreen"


@asynctest
async def test_corrupt_history_is_reported(tmp_path: Path) -> None:
    db = tmp_path / "bad.json"
    db.write_text("{not json", encoding="utf-8")
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot)
        assert "Cannot read the history" in table(app).empty_text
        assert db.read_text(encoding="utf-8") == "{not json"


@asynctest
async def test_palette_lists_history_commands(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_history(pilot)
        titles = [title for title, _, _ in screen.palette_commands()]
        assert "History: filter" in titles and "History: sort by account" in titles
        dict((t, cb) for t, _, cb in screen.palette_commands())["History: sort by total"]()
        await pilot.pause()
        assert screen._sort == "total"


@asynctest
async def test_large_history_filters_quickly(tmp_path: Path) -> None:
    """2 000 records: the filter work per keystroke stays small (not a benchmark)."""
    db = tmp_path / "big.json"
    HistoryStore(db).add_many(demo_assessments(2000, NOW, seed=5))
    app = app_for(db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_history(pilot)
        assert len(table(app).rows) == 2000
        import time

        await pilot.press("slash")
        rows: list[Row] = screen.rows()
        start = time.perf_counter()
        for text in ("n", "no", "nor", "nort"):
            screen._filter.value = text
            screen._filter_changed(type("E", (), {"value": text})())
        per_key = (time.perf_counter() - start) / 4
        assert per_key < 0.05
        assert all("nort" in r.hay for r in table(app).rows)
        assert len(rows) == 2000


# ----------------------------------------------------------------------------- previous scores


def test_earlier_assessments_from_the_store(demo_db: Path) -> None:
    from triage_tui.tui.widgets.previous import comparison_markup, earlier_assessments

    store = HistoryStore(demo_db)
    earlier = earlier_assessments(store, "  INITECH ")
    initech = [a for a in store.all() if a.account == "Initech"]
    assert [e.id for e in earlier] == [a.id for a in initech]  # newest first
    newest = initech[0]
    before = earlier_assessments(store, "Initech", before=newest.created_at)
    assert [e.id for e in before] == [a.id for a in initech[1:]]
    text = comparison_markup(newest.scores, newest.decision, before)
    assert "Same account, before" in text and f"#{initech[1].id}" in text
    assert "First assessment" in comparison_markup(newest.scores, newest.decision, [])
    assert earlier_assessments(store, "   ") == []


@asynctest
async def test_previous_scores_follow_a_draft(demo_db: Path) -> None:
    """The widget the assess screen uses: it reads the account's history by itself."""
    from textual.app import App

    from triage_tui.domain.models import Scores
    from triage_tui.domain.rubric import Decision
    from triage_tui.tui.widgets.previous import PreviousScores

    class Host(App):
        def __init__(self) -> None:
            super().__init__()
            self._store = HistoryStore(demo_db)

        def store(self):
            return self._store

        def compose(self):
            yield PreviousScores(hide_when_empty=True)

    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        widget = app.query_one(PreviousScores)
        scores = Scores(customer_impact=5, account_value=3, time_sensitivity=4, csm_capability=2)
        widget.follow("Initec", scores, Decision.ESCALATE_WITH_URGENCY)
        widget.follow("Initech", scores, Decision.ESCALATE_WITH_URGENCY)  # typing on
        await wait_for(pilot, lambda: bool(widget.earlier))
        assert all(e.id is not None for e in widget.earlier)
        assert widget.display and not widget.has_class("-empty")
        assert "14" in str(widget.render())  # the current total
        widget.follow("Nobody Inc", scores, Decision.ESCALATE_WITH_URGENCY)
        await pilot.pause(0.5)
        assert widget.earlier == [] and widget.has_class("-empty")


def burst(app, keys) -> None:
    """Keys as a terminal delivers a script's keys: all at once, no waiting between."""
    from textual import events

    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


@asynctest
async def test_fast_keys_resolve_and_delete(demo_db: Path) -> None:
    """`r 4 Tab note Enter` and `x y` sent in one go, as tmux send-keys does."""
    from triage_tui.tui.screens.detail import DetailScreen

    app = app_for(demo_db)
    store = HistoryStore(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_row(pilot, lambda r: r.resolved_at is None)
        a = app.screen.assessment
        burst(app, ["r", "4", "tab", *"called 2x", "enter"])
        await wait_for(pilot, lambda: store.get(a.id).resolved_at is not None)
        saved = store.get(a.id)
        assert (saved.satisfaction, saved.resolution_note) == (4, "called 2x")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        burst(app, ["x", "y"])
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "HistoryScreen")
        with pytest.raises(UnknownIdError):
            store.get(a.id)


@asynctest
async def test_reopen_asks_before_discarding_unsaved_changes(demo_db: Path) -> None:
    from triage_tui.tui.screens.confirm import ConfirmScreen
    from triage_tui.tui.screens.detail import DetailScreen

    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press(*"Draft In Progress")
        await pilot.pause()
        await open_row(pilot, lambda r: r.account == "Initech")
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # keep them: nothing happens
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert app.assess_screen.query_one("#account").value == "Draft In Progress"
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.current_mode == "assess")
        await pilot.pause(0.1)
        assert app.assess_screen.query_one("#account").value == "Initech"


@asynctest
async def test_first_paint_does_not_wait_for_the_rows(demo_db: Path, monkeypatch) -> None:
    """Loading runs in a worker thread: the screen is up (and says so) while it reads."""
    import threading

    from triage_tui.tui.screens import history as history_module

    release = threading.Event()
    real = history_module.load_rows

    def slow_load(store, limit=None):
        release.wait(5)
        return real(store, limit)

    monkeypatch.setattr(history_module, "load_rows", slow_load)
    app = app_for(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause(0.2)
        screen = app.screen
        assert screen.__class__.__name__ == "HistoryScreen" and not screen.loaded
        assert "Loading" in table(app).empty_text
        assert "loading" in str(screen.query_one("#history-count").render())
        release.set()
        await wait_for(pilot, lambda: screen.loaded)
        assert len(table(app).rows) == COUNT


@asynctest
async def test_assess_screen_shows_the_accounts_previous_scores(demo_db: Path) -> None:
    """Same account, again, while drafting: type an account that has a history."""
    from triage_tui.tui.widgets.previous import PreviousScores

    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause()
            if len(app.screen.query("#situation, #brief")) == 2:  # the lazy parts are in
                break
        previous = app.screen.query_one("#previous", PreviousScores)
        assert not previous.display or previous.has_class("-empty")
        await pilot.press(*"initech")
        await wait_for(pilot, lambda: bool(previous.earlier))
        newest = max((a for a in HistoryStore(demo_db).all() if a.account == "Initech"),
                     key=lambda a: a.created_at)
        assert previous.earlier[0].id == newest.id
        text = str(previous.render())
        assert "Same account, before" in text and f"#{newest.id}" in text
        assert previous.display
        await pilot.press("tab", "5")  # customer impact 5: the comparison follows at once
        await pilot.pause()
        assert "5" in str(previous.render()).split("Customer impact", 1)[1].split("\n", 1)[0]
        await pilot.press("shift+tab", *["backspace"] * 7, *"Nobody Ltd")
        await wait_for(pilot, lambda: previous.has_class("-empty"))
        assert previous.earlier == []


def _gate_the_rest(monkeypatch, page: int):
    """Make the history screen show ``page`` rows first and hold the rest until the
    returned event is set."""
    import threading

    from triage_tui.tui.screens import history as history_module

    monkeypatch.setattr(history_module, "FIRST_PAGE", page)
    release = threading.Event()
    real = history_module.load_rows

    def gated(store, limit=None):
        if limit is None:
            release.wait(5)
        return real(store, limit)

    monkeypatch.setattr(history_module, "load_rows", gated)
    return release


async def open_first_page(pilot):
    """F3 with the rest held back (see _gate_the_rest): the screen showing its first page."""
    app = pilot.app
    await pilot.press("f3")
    await wait_for(pilot, lambda: getattr(app.screen, "loaded", False))
    assert not app.screen.complete
    return app.screen


@asynctest
async def test_a_large_history_shows_its_newest_page_then_the_rest(demo_db: Path,
                                                                  monkeypatch) -> None:
    """The newest page is on screen (``loaded``) before the rest is read; the rest arrives
    without a key press, and a filter typed meanwhile is applied again to every row."""
    release = _gate_the_rest(monkeypatch, 10)
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first_page(pilot)
        count = screen.query_one("#history-count")
        newest = [d["id"] for d in HistoryStore(demo_db).documents(limit=10)]
        assert [r.id for r in table(app).rows] == newest  # real rows, newest first
        assert "60, loading" in str(count.render())
        await pilot.press("slash", *"initech")
        partial = [r.id for r in table(app).rows]
        assert set(partial) <= set(newest) and "so far" in str(count.render())
        release.set()
        await wait_for(pilot, lambda: screen.complete)
        await pilot.pause()
        everything = load_rows(HistoryStore(demo_db))
        expected = [r.id for r in filter_rows(everything, "initech")]
        assert [r.id for r in table(app).rows] == expected and len(expected) > len(partial)
        assert f"{len(expected)} of 60" in str(count.render())
        assert len(screen.rows()) == COUNT


@asynctest
async def test_a_sort_chosen_before_the_rest_arrives_is_kept(demo_db: Path, monkeypatch) -> None:
    release = _gate_the_rest(monkeypatch, 10)
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first_page(pilot)
        screen.set_sort("total")
        release.set()
        await wait_for(pilot, lambda: screen.complete)
        await pilot.pause()
        totals = [r.total for r in table(app).rows]
        assert len(totals) == COUNT and totals == sorted(totals, reverse=True)


@asynctest
async def test_enter_typed_before_the_rest_arrives_opens_the_first_match_of_all(
        demo_db: Path, monkeypatch) -> None:
    """`F3 / text Enter Enter` typed at once: enter waits for every row, so it opens the
    newest match of the whole history even when the first page has none."""
    release = _gate_the_rest(monkeypatch, 1)
    app = app_for(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        newest = HistoryStore(demo_db).documents()
        target = next(d for d in newest[1:] if d["account"] != newest[0]["account"])
        word = target["account"].split()[0].lower()
        assert word not in newest[0]["account"].lower()
        await app._press_keys(["f3", "slash", *word, "enter", "enter"])
        await pilot.pause(0.2)
        release.set()
        from triage_tui.tui.screens.detail import DetailScreen

        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        first = next(d for d in newest if word in d["account"].lower())
        assert app.screen.assessment.id == first["id"]


@asynctest
async def test_detail_shows_the_stored_warnings(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_row(pilot, lambda r: len(r.warning_codes) >= 1)
        await pilot.pause()
        a = app.screen.assessment
        shown = str(app.screen.query_one("#detail-warnings").render())
        assert a.warnings
        for warning in a.warnings:
            assert warning.message[:40] in shown.replace("\n", " ")
        await pilot.press("escape")
        await open_row(pilot, lambda r: not r.warning_codes)
        await pilot.pause()
        assert str(app.screen.query_one("#detail-warnings").render()) == "none"
