"""Pilot tests for the assess screen: keys, live score, type, save, export, validation."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from tui_helpers import asynctest, wait_for
from triage_tui.domain.engine import add_business_days
from triage_tui.domain.models import Draft, Rationale, Scores
from triage_tui.domain.rubric import DEFAULT_DEADLINE_BUSINESS_DAYS, Decision, IssueType, Signal
from triage_tui.domain.settings import Settings
from triage_tui.tui.app import TriageApp, make_app
from triage_tui.tui.screens.assess import AssessScreen
from triage_tui.tui.widgets.slider import Slider

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)  # a Friday
TODAY = NOW.astimezone().date()


@pytest.fixture
def app(db_file: Path) -> TriageApp:
    return make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)


async def ready(pilot) -> AssessScreen:
    """Wait until the whole assess screen is mounted (it finishes after the first frame)."""
    app = pilot.app
    for _ in range(100):
        await pilot.pause()
        screen = app.screen
        if isinstance(screen, AssessScreen) and len(screen.query("#situation, #brief")) == 2:  # the lazy parts are in
            return screen
    raise AssertionError("the assess screen never finished mounting")


def panel_text(screen: AssessScreen, widget_id: str) -> str:
    return str(screen.query_one(f"#{widget_id}").render())


def scores(screen: AssessScreen) -> tuple[int, int, int, int]:
    s = screen._draft.scores
    return (s.customer_impact, s.account_value, s.time_sensitivity, s.csm_capability)


# ----------------------------------------------------------------------------- focus and keys


@asynctest
async def test_new_assessment_defaults_and_focus(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        assert app.focused is screen.query_one("#account")
        assert scores(screen) == (1, 1, 1, 1)
        assert screen._draft.issue_type is IssueType.PRODUCT_DEFECT
        assert "4/20" in panel_text(screen, "total")
        assert "Handle it yourself" in panel_text(screen, "decision")
        await pilot.press("tab")
        assert app.focused is screen.query_one("#customer_impact")


@asynctest
async def test_slider_keys(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("tab", "5")
        slider = screen.query_one("#customer_impact", Slider)
        assert slider.value == 5
        await pilot.press("left", "h")
        assert slider.value == 3
        await pilot.press("right", "l", "l", "l")  # clamped at 5
        assert slider.value == 5
        await pilot.press("home")
        assert slider.value == 1
        await pilot.press("end")
        assert slider.value == 5
        await pilot.pause()
        assert "8/20" in panel_text(screen, "total")


@asynctest
async def test_fast_key_sequence_lands_on_the_right_sliders(app: TriageApp) -> None:
    """What a script in tmux sends in one go: every key must reach the field focused then."""
    async with app.run_test(size=(120, 40)) as pilot:
        # account, impact, value, time, capability (the value helper comes after them)
        await pilot.press(*"Acme", "tab", "5", "tab", "l", "l", "l", "tab", "4", "tab", "h", "3")
        screen = await ready(pilot)
        await pilot.pause()
        assert screen._draft.account == "Acme"
        assert scores(screen) == (5, 4, 4, 3)
        assert "16/20" in panel_text(screen, "total")
        assert "Escalate with urgency" in panel_text(screen, "decision")
        assert screen._evaluation.decision is Decision.ESCALATE_WITH_URGENCY


@asynctest
async def test_tab_visits_the_four_sliders_then_the_value_helper(app: TriageApp) -> None:
    """Tab from the account: the sliders one after another, then the ARR helper shown under
    account value, then the rest of the form; shift+tab walks the same way back."""
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        seen = []
        for _ in range(7):
            await pilot.press("tab")
            seen.append(screen.focused.id)
        assert seen == ["customer_impact", "account_value", "time_sensitivity",
                        "csm_capability", "arr", "strategic", seen[6]]
        assert seen[6] not in {"arr", "strategic"} and seen[6] is not None
        for expected in ("strategic", "arr", "csm_capability"):
            await pilot.press("shift+tab")
            assert screen.focused.id == expected


@asynctest
async def test_slider_click_sets_value(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        slider = screen.query_one("#time_sensitivity", Slider)
        positions = slider._positions(slider.content_region.width)
        # the track is the second line of the slider's content
        offset = (slider.styles.gutter.left + positions[3], slider.styles.gutter.top + 1)
        await pilot.click(slider, offset=offset)
        await pilot.pause()
        assert slider.value == 4


@asynctest
async def test_slider_change_updates_the_panel_in_the_same_step(app: TriageApp) -> None:
    """The screen watches each slider's value: no message round trip before the panel
    follows (the hot path of the keypress budget)."""
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        screen.query_one("#customer_impact", Slider).value = 5
        assert scores(screen) == (5, 1, 1, 1)  # no pause in between
        assert "8/20" in panel_text(screen, "total")
        assert "customer impact (5)" in panel_text(screen, "why")
        screen.query_one("#customer_impact", Slider).value = 4
        screen.query_one("#account_value", Slider).value = 5
        assert scores(screen) == (4, 5, 1, 1)
        assert "11/20" in panel_text(screen, "total")
        assert "Escalate for support" in panel_text(screen, "decision")


@asynctest
async def test_cached_lines_follow_the_theme(app: TriageApp) -> None:
    """Slider, band bar and panel keep rendered lines per state; a theme change must not
    show the old colours."""
    from textual.geometry import Region

    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        widgets = [screen.query_one(f"#{name}") for name in ("customer_impact", "band", "total")]

        def lines() -> list[list[object]]:
            return [
                [list(strip) for strip in w.render_lines(Region(0, 0, *w.region.size))]
                for w in widgets
            ]

        before = lines()
        assert lines() == before  # a repaint of the same state is the same
        app.theme = "textual-light"
        await pilot.pause()
        after = lines()
        for old, new in zip(before, after):
            assert old != new


def test_slider_values_are_clamped() -> None:
    slider = Slider("x")
    assert slider.validate_value(9) == 5 and slider.validate_value(-2) == 1


# ----------------------------------------------------------------------------- type, route, signals


@asynctest
async def test_issue_type_changes_the_route(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        for dim in ("customer_impact", "account_value", "time_sensitivity"):
            screen.query_one(f"#{dim}", Slider).value = 4
        screen.query_one("#issue-type").focus()
        await pilot.press("down", "down")
        await pilot.pause()
        assert screen._draft.issue_type is IssueType.SERVICE_FAILURE
        assert "CS leadership and support leadership" in panel_text(screen, "route")
        await pilot.press("down")
        await pilot.pause()
        assert screen._draft.issue_type is IssueType.COMMERCIAL_DISPUTE
        assert "CS leadership and finance" in panel_text(screen, "route")


@asynctest
async def test_manager_surprise_raises_the_decision(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        screen.query_one("#manager-surprised").focus()
        await pilot.press("space")
        await pilot.pause()
        assert screen._evaluation.decision is Decision.ESCALATE_FOR_SUPPORT
        assert "manager-surprise" in panel_text(screen, "decision")
        assert "Engineering via support platform" in panel_text(screen, "route")


@asynctest
async def test_signals_converging_warning(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        for signal in (Signal.SLA_BREACHED, Signal.HEALTH_RED):
            screen.query_one(f"#signal-{signal.value}").focus()
            await pilot.press("space")
        await pilot.pause()
        assert "signals converging" in panel_text(screen, "warnings").lower()


# ----------------------------------------------------------------------------- helpers and defaults


@asynctest
async def test_arr_and_tier_suggest_account_value(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        screen.query_one("#arr").focus()
        await pilot.press(*"60k")
        await pilot.pause()
        value = screen.query_one("#account_value", Slider)
        assert value.value == 5
        assert "suggested 5" in screen.query_one("#why-account_value").value
        hint = panel_text(screen, "arr-hint")
        assert "account value set to 5" in hint and "suggested" in hint
        value.focus()
        await pilot.press("h")  # the user may override
        await pilot.pause()
        assert value.value == 4
        screen.query_one("#arr").focus()
        await pilot.press("ctrl+u", *"20000")
        await pilot.pause()
        assert value.value == 4  # set by hand: kept, and the hint says so
        hint = panel_text(screen, "arr-hint")
        assert "suggests 3" in hint and "your 4 is kept" in hint
        screen.query_one("#strategic").focus()
        await pilot.press("right", "right", "enter")  # High
        await pilot.pause()
        assert value.value == 4
        assert "suggests 5" in panel_text(screen, "arr-hint")
        value.focus()
        await pilot.press("5")
        await pilot.pause()
        assert "as you set it" in panel_text(screen, "arr-hint")


@asynctest
async def test_the_value_helper_sits_under_the_account_value_slider(db_file: Path) -> None:
    from triage_tui.paths import draft_path

    for size in ((120, 40), (80, 24)):
        draft_path().unlink(missing_ok=True)  # the last run's unsaved draft would be offered back
        app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
        async with app.run_test(size=size) as pilot:
            screen = await ready(pilot)
            slider = screen.query_one("#account_value", Slider).region
            arr = screen.query_one("#arr").region
            time = screen.query_one("#time_sensitivity", Slider).region
            assert slider.bottom <= arr.y < time.y, size


@asynctest
async def test_by_when_is_suggested_not_filled_in(app: TriageApp) -> None:
    """The decision's deadline is offered next to the field; the draft has none (and the
    no-deadline warning stands) until the CSM accepts it with ctrl+b or types a date."""
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        by = screen.query_one("#by")
        expected = add_business_days(TODAY, DEFAULT_DEADLINE_BUSINESS_DAYS[Decision.HANDLE_YOURSELF])
        assert by.value == "" and screen._draft.by is None
        assert by.placeholder == expected.isoformat()
        assert f"suggested {expected.isoformat()}" in panel_text(screen, "by-hint")
        assert "ctrl+b" in panel_text(screen, "by-hint")
        assert screen.query_one("#by-hint").display  # seen, not only rendered
        from triage_tui.tui.screens.help import key_sections

        keys = {k: d for _, rows in key_sections(screen) for k, d in rows}
        assert "suggested deadline" in keys["ctrl+b"] and keys["ctrl+l"] == "Panel"  # F1 help
        for dim in ("customer_impact", "account_value", "time_sensitivity", "csm_capability"):
            screen.query_one(f"#{dim}", Slider).value = 5
        await pilot.pause()
        assert by.value == "" and screen._draft.by is None
        # Slider keys: the suggestion beside the field (often below the fold) follows once
        # they rest; ctrl+b accepts the current one either way (below).
        assert not screen.query_one("#details").settled
        await wait_for(pilot, lambda: screen.query_one("#details").settled)
        assert f"suggested {TODAY.isoformat()}" in panel_text(screen, "by-hint")  # same day
        codes = [w.code.value for w in screen._evaluation.warnings]
        assert "no-deadline" in codes
        assert "no “by when” yet" in panel_text(screen, "warnings")
        await pilot.press("ctrl+b")  # accept the suggestion, from any field
        await pilot.pause()
        assert by.value == TODAY.isoformat() and screen._draft.by == TODAY
        assert "no-deadline" not in [w.code.value for w in screen._evaluation.warnings]
        assert panel_text(screen, "by-hint") == ""
        by.focus()
        await pilot.press("ctrl+u", *"2026-12-01")  # or type over it
        await pilot.pause()
        screen.query_one("#customer_impact", Slider).value = 1
        await pilot.pause()
        assert by.value == "2026-12-01"
        assert screen._draft.by == date(2026, 12, 1)


@asynctest
async def test_same_inputs_same_verdict_as_the_cli(app: TriageApp) -> None:
    """The same case through the Pilot and through `triage assess --json`: the same
    warnings and route (no deadline given in either)."""
    import subprocess
    import sys

    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press(*"Acme", "tab", "5", "tab", "4", "tab", "4", "tab", "3")
        screen.query_one("#issue-type").focus()
        await pilot.press("down", "down")  # service failure
        screen.query_one("#ask").focus()
        await pilot.press(*"Restore the EU cluster, SRE lead")
        await pilot.pause()
        evaluation = screen._evaluation
        tui = ([w.code.value for w in evaluation.warnings], evaluation.route.to,
               evaluation.decision.value)
    out = subprocess.run(
        [sys.executable, "-m", "triage_tui", "assess", "--account", "Acme",
         "--impact", "5", "--value", "4", "--time", "4", "--capability", "3",
         "--type", "service-failure", "--ask", "Restore the EU cluster, SRE lead",
         "--json"],
        capture_output=True, text=True, check=True,
    )
    cli = json.loads(out.stdout)
    assert tui == ([w["code"] for w in cli["warnings"]], cli["route"]["to"], cli["decision"])
    assert "no-deadline" in tui[0]


@asynctest
async def test_date_validation_messages(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        screen.query_one("#open-since").focus()
        await pilot.press(*"2026-13-01")
        await pilot.pause()
        assert "not a real date" in panel_text(screen, "open-since-error")
        assert screen.query_one("#open-since-error").region.height > 0  # on screen
        assert screen.query_one("#open-since").has_class("-invalid")
        await pilot.press("ctrl+u", *"20261101")
        await pilot.pause()
        assert "YYYY-MM-DD" in panel_text(screen, "open-since-error")
        await pilot.press("ctrl+u", *"2027-01-01")
        await pilot.pause()
        assert "future" in panel_text(screen, "open-since-error")
        await pilot.press("ctrl+u", *"2026-11-02")
        await pilot.pause()
        assert panel_text(screen, "open-since-error") == ""
        assert screen._draft.open_since == date(2026, 11, 2)
        assert "escalating too late" in panel_text(screen, "warnings").lower()


# ----------------------------------------------------------------------------- save


@asynctest
async def test_save_writes_the_assessment(app: TriageApp, db_file: Path) -> None:
    from triage_tui.storage import HistoryStore

    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press(*"Acme Corp", "tab", "4", "tab", "3", "tab", "3", "tab", "2")
        screen.query_one("#ask").focus()
        await pilot.press(*"Fix | now")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.dirty
        await pilot.press("5")  # the draft stays editable after saving
        assert screen.dirty
    saved = HistoryStore(db_file).all()
    assert len(saved) == 1
    record = saved[0]
    assert record.account == "Acme Corp"
    assert (record.scores.customer_impact, record.scores.account_value,
            record.scores.time_sensitivity, record.scores.csm_capability) == (4, 3, 3, 2)
    assert record.total == 12 and record.decision is Decision.ESCALATE_FOR_SUPPORT
    assert record.ask == "Fix | now"
    assert record.created_at == NOW


@asynctest
async def test_save_needs_an_account(app: TriageApp, db_file: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("tab", "5", "ctrl+s")
        await pilot.pause()
        assert "account name is needed" in panel_text(screen, "account-error")
        assert app.focused is screen.query_one("#account")
        assert any(n.severity == "error" for n in app._notifications)
        await pilot.press(*"Acme")
        await pilot.pause()
        assert panel_text(screen, "account-error") == ""
    assert not db_file.exists()


@asynctest
async def test_save_error_is_notified(app: TriageApp, db_file: Path) -> None:
    db_file.write_text("this is not a history file", encoding="utf-8")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press(*"Acme", "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and str(db_file) in errors[0].message
    assert db_file.read_text(encoding="utf-8") == "this is not a history file"


# ----------------------------------------------------------------------------- export, copy


@asynctest
async def test_export_writes_the_brief(app: TriageApp, tmp_path: Path, monkeypatch) -> None:
    from triage_tui.tui.screens.export import ExportScreen

    monkeypatch.chdir(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press(*"../../Acme", "tab", "5", "ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.query_one("#export-path").value == f"{TODAY.isoformat()}-acme.md"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
    written = tmp_path / f"{TODAY.isoformat()}-acme.md"
    text = written.read_text(encoding="utf-8")
    assert text.startswith("## Escalation Assessment: ")
    assert "| Customer impact | 5 |" in text


@asynctest
async def test_export_asks_before_overwriting(app: TriageApp, tmp_path: Path, monkeypatch) -> None:
    from triage_tui.tui.screens.confirm import ConfirmScreen

    monkeypatch.chdir(tmp_path)
    target = tmp_path / f"{TODAY.isoformat()}-acme.md"
    target.write_text("keep me", encoding="utf-8")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press(*"Acme", "ctrl+o")
        await pilot.pause()
        await pilot.press("ctrl+u", *target.name, "enter")  # typed: an existing file
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == "keep me"
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("ctrl+u", *target.name, "enter")
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert target.read_text(encoding="utf-8").startswith("## Escalation Assessment: Acme")


@asynctest
async def test_export_suggests_the_next_free_name_like_the_cli(
    app: TriageApp, tmp_path: Path, monkeypatch
) -> None:
    """One account assessed twice in a day: the suggestion is "-2", never an overwrite."""
    from triage_tui.tui.screens.export import ExportScreen

    monkeypatch.chdir(tmp_path)
    first = tmp_path / f"{TODAY.isoformat()}-acme.md"
    first.write_text("the morning's brief", encoding="utf-8")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press(*"Acme", "ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.query_one("#export-path").value == f"{TODAY.isoformat()}-acme-2.md"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
    assert first.read_text(encoding="utf-8") == "the morning's brief"
    assert (tmp_path / f"{TODAY.isoformat()}-acme-2.md").read_text().startswith("## Escalation")


@asynctest
async def test_export_to_a_missing_folder_keeps_the_dialog_open(
    app: TriageApp, tmp_path: Path, monkeypatch
) -> None:
    from triage_tui.tui.screens.export import ExportScreen

    monkeypatch.chdir(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press(*"Acme", "ctrl+o")
        await pilot.pause()
        await pilot.press("ctrl+u", *"nowhere/brief.md", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)  # still open, the text kept
        assert app.screen.query_one("#export-path").value == "nowhere/brief.md"
        error = str(app.screen.query_one("#export-error").render())
        assert "does not exist" in error and "nowhere" in error
        (tmp_path / "nowhere").mkdir()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
    assert (tmp_path / "nowhere" / "brief.md").read_text().startswith("## Escalation")


@asynctest
async def test_export_cancel_writes_nothing(app: TriageApp, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press(*"Acme", "ctrl+o")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
    assert not list(tmp_path.glob("*.md"))


@asynctest
async def test_copy_brief_to_clipboard(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press(*"Acme", "ctrl+y")
        await pilot.pause()
        assert app.clipboard.startswith("## Escalation Assessment: Acme")


@asynctest
async def test_brief_preview_is_rendered(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press(*"Preview Co")
        await pilot.pause(0.4)
        brief = screen.query_one("#brief")
        assert "Escalation Assessment: Preview Co" in brief.source


# ----------------------------------------------------------------------------- new, load


@asynctest
async def test_new_asks_when_there_are_unsaved_changes(app: TriageApp) -> None:
    from triage_tui.tui.screens.confirm import ConfirmScreen

    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("ctrl+n")  # nothing to lose: no question
        await pilot.pause()
        assert app.screen is screen
        await pilot.press(*"Acme", "tab", "5", "ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert screen._draft.account == "Acme"
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert screen._draft.account == ""
        assert scores(screen) == (1, 1, 1, 1)
        assert app.focused is screen.query_one("#account")


@asynctest
async def test_load_draft_fills_the_form(app: TriageApp) -> None:
    draft = Draft(
        account="Globex",
        arr=42000,
        scores=Scores(customer_impact=4, account_value=2, time_sensitivity=3, csm_capability=5),
        rationale=Rationale(customer_impact="outage"),
        issue_type=IssueType.FEATURE_GAP,
        signals=[Signal.HEALTH_RED],
        manager_surprised=True,
        open_since=date(2026, 11, 16),
        situation="Two days down",
        ask="Hotfix",
        by=date(2026, 11, 24),
        comms="Daily update",
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        app.load_draft(draft)
        await pilot.pause()
        await pilot.pause()
        got = screen._draft
        assert got.account == "Globex" and got.arr == 42000
        assert scores(screen) == (4, 2, 3, 5)  # the loaded value, not the ARR suggestion
        assert got.issue_type is IssueType.FEATURE_GAP
        assert got.signals == [Signal.HEALTH_RED] and got.manager_surprised
        assert got.situation == "Two days down" and got.by == date(2026, 11, 24)
        assert got.rationale.customer_impact == "outage"
        assert not screen.dirty
        assert "Product management" in panel_text(screen, "route")


# ----------------------------------------------------------------------------- shell


@asynctest
async def test_help_modes_and_escape(app: TriageApp) -> None:
    from triage_tui.tui.screens.help import HelpScreen
    from triage_tui.tui.screens.history import HistoryScreen
    from triage_tui.tui.screens.review import ReviewScreen

    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        assert "Between low (1) and medium (3)" in text and "ctrl+s" in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and app.current_mode == "assess"


@asynctest
async def test_palette_has_every_action(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        titles = {command.title for command in app.get_system_commands(screen)}
        assert {"Save", "Export brief", "Copy brief", "New assessment", "History", "Review",
                "Help", "Theme", "Quit"} <= titles


@asynctest
async def test_theme_choice_persists(db_file: Path) -> None:
    from triage_tui.paths import state_path

    first = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
    async with first.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        first.theme = "nord"
        await pilot.pause()
    assert json.loads(state_path().read_text(encoding="utf-8"))["theme"] == "nord"
    second = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
    assert second.theme == "nord"


@asynctest
async def test_usable_at_80x24(app: TriageApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press(*"Acme", "tab", "5", "tab", "5", "tab", "5")
        await pilot.pause()
        for widget_id in ("total", "decision", "route"):
            region = screen.query_one(f"#{widget_id}").region
            assert region.height > 0 and region.bottom <= 23, widget_id
        assert "16/20" in panel_text(screen, "total")


@asynctest
async def test_save_refuses_an_unreadable_date(app: TriageApp, db_file: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press(*"Acme")
        screen.query_one("#open-since").focus()
        await pilot.press(*"yesterday", "ctrl+s")
        await pilot.pause()
        assert app.focused is screen.query_one("#open-since")
        assert any("open since" in n.message for n in app._notifications)
    assert not db_file.exists()


# ----------------------------------------------------------------------------- the lazy parts


LOADED = Draft(
    account="Globex", arr=42000, strategic=None,
    scores=Scores(customer_impact=4, account_value=2, time_sensitivity=3, csm_capability=5),
    rationale=Rationale(customer_impact="outage"), issue_type=IssueType.FEATURE_GAP,
    signals=[Signal.HEALTH_RED], manager_surprised=True, open_since=date(2026, 11, 16),
    situation="Two days down", ask="Hotfix", by=date(2026, 11, 24), comms="Daily update",
)


@asynctest
async def test_loaded_draft_is_what_the_fields_show(app: TriageApp) -> None:
    """After a load, reading the form back gives the loaded draft (every field shows it)."""
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        app.load_draft(LOADED)
        await pilot.pause()
        await pilot.pause()
        assert screen.read_form() == LOADED
        assert screen.query_one("#situation").text == "Two days down"


class _LoadsOnMount(AssessScreen):
    """Loads a draft in its first step, before the lazily mounted form is there."""

    def on_mount(self) -> None:
        super().on_mount()
        self.lower_form_was_there = bool(self.query("#situation"))
        self.first_step = (len(self.query(Slider)), str(self.query_one("#total").render()))
        self.load_draft(LOADED)


@asynctest
async def test_a_draft_loaded_before_the_lazy_form_is_mounted_fills_it(db_file: Path) -> None:
    """The first step holds the account, the four sliders and the verdict; the lower form
    comes in lazily and fills itself from a draft loaded before it was there."""

    class App(TriageApp):
        def get_default_screen(self) -> _LoadsOnMount:  # the assess mode's screen
            return _LoadsOnMount()

    app = App(db_path=db_file, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.pause()
        assert not screen.lower_form_was_there
        assert screen.first_step == (4, "Total 4/20")
        assert screen.read_form() == LOADED
        assert screen.query_one("#situation").text == "Two days down"


# ----------------------------------------------------------------------------- issue 12


@asynctest
async def test_typing_right_after_tab_keeps_the_fields_text(app: TriageApp) -> None:
    """Tab and text in one burst: nothing already in the next field is selected and
    replaced (no select-on-focus anywhere in the form)."""
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        screen.load_draft(Draft(account="Acme", ask="Fix the export", comms="Call Dana",
                                by=date(2026, 12, 4)))
        await pilot.pause()
        screen.query_one("#ask").focus()
        await pilot.pause()
        await pilot.press("tab", *" today")  # ask → by when
        await pilot.press("shift+tab", "tab", "tab", *" by noon")  # → comms
        await pilot.pause()
        assert screen.query_one("#comms").value == "Call Dana by noon"
        assert screen.query_one("#by").value.startswith("2026-12-04")
        for field in screen.query("#form Input"):
            assert field.select_on_focus is False, field.id


@asynctest
async def test_date_fields_show_the_whole_date(db_file: Path) -> None:
    from triage_tui.paths import draft_path

    for size in ((120, 40), (80, 24)):
        draft_path().unlink(missing_ok=True)  # the last run's unsaved draft would be offered back
        app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
        async with app.run_test(size=size) as pilot:
            screen = await ready(pilot)
            for name in ("open-since", "by"):
                field = screen.query_one(f"#{name}")
                field.focus()
                await pilot.press(*"2026-11-30")
                await pilot.pause()
                assert field.content_region.width >= len("2026-11-30") + 1, (size, name)
                assert field.scroll_offset.x == 0, (size, name)


@asynctest
async def test_new_draft_is_new_in_every_field(app: TriageApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        screen.query_one("#arr").focus()
        await pilot.press(*"90k")
        screen.query_one("#strategic").focus()
        await pilot.press("right", "right", "enter")  # High
        screen.query_one("#issue-type").focus()
        await pilot.press("down", "down", "down")  # commercial dispute
        screen.query_one("#signal-sla-breached").focus()
        await pilot.press("space")
        screen.query_one("#open-since").focus()
        await pilot.press(*"2026-11-02")
        screen.query_one("#by").focus()
        await pilot.press(*"2026-11-27")
        await pilot.pause()
        draft = screen._draft
        assert draft.strategic is not None and draft.issue_type is IssueType.COMMERCIAL_DISPUTE
        await pilot.press("ctrl+n", "y")  # discard the changes
        await pilot.pause()
        await pilot.pause()
        draft = screen._draft
        assert draft == Draft(issue_type=IssueType.PRODUCT_DEFECT)
        assert not any(b.value for b in screen.query("#strategic RadioButton"))
        options = screen.query_one("#issue-type")
        assert options.highlighted == 0  # shown highlighted: the type used
        assert screen.query_one("#arr").value == "" and screen.query_one("#by").value == ""
        assert not screen.query_one("#signal-sla-breached").value
        options.focus()
        await pilot.press("down")
        await pilot.pause()
        assert screen._draft.issue_type is IssueType.FEATURE_GAP  # the next one, not a jump
        screen.query_one("#strategic").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen._draft.strategic is not None  # the tier buttons work again


@asynctest
async def test_panel_key_focuses_and_scrolls_the_side_panel(db_file: Path) -> None:
    from triage_tui.paths import draft_path

    for size in ((120, 40), (80, 24)):
        draft_path().unlink(missing_ok=True)  # the last run's unsaved "Acme" would be offered back
        app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
        async with app.run_test(size=size) as pilot:
            screen = await ready(pilot)
            await pilot.press(*"Acme", "tab", "5", "tab", "5")
            await pilot.pause(0.3)
            slider = screen.query_one("#account_value")
            assert app.focused is slider
            await pilot.press("ctrl+l")
            side = screen.query_one("#side")
            assert app.focused is side, size
            assert side.max_scroll_y > 0
            await pilot.press("pagedown")
            await pilot.pause()
            assert side.scroll_y > 0, size
            await pilot.press("ctrl+l")  # and back to where the CSM was
            assert app.focused is slider
            footer = " ".join(str(k.render()) for k in screen.query("FooterKey"))
            assert "Panel" in footer and ("^l" in footer or "ctrl+l" in footer), footer


@asynctest
async def test_a_slider_key_moves_nothing_on_screen(app: TriageApp) -> None:
    """A walk over every slider and value: after each key, every widget on screen keeps
    its place and size (the verdict reserves the lines of its tallest texts, hints keep
    their height), so nothing the CSM is reading jumps."""
    import random

    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await wait_for(pilot, lambda: not screen.query_one("VerdictPanel").measuring)
        sliders = list(screen.query(Slider))
        rng = random.Random(3)

        def places() -> dict[object, object]:
            return {w: w.region for w in screen.query("*")
                    if w.display and w.region.overlaps(screen.region)}

        before = places()
        moved: list[str] = []
        for _ in range(30):
            slider = rng.choice(sliders)
            if app.focused is not slider:
                slider.focus()  # may scroll the form to it: not a key's doing
                await pilot.wait_for_scheduled_animations()
                await pilot.pause()
                before = places()
            await pilot.press(rng.choice("12345"))
            await pilot.pause()
            after = places()
            # (Widgets new since the last key are not moves: the brief preview re-renders
            # its Markdown blocks when a slow machine leaves a second between two keys.)
            moved += [f"{w!r}: {before[w]} → {r}" for w, r in after.items()
                      if w in before and before[w] != r]
            before = after
        assert not moved, moved[:5]


@asynctest
async def test_ctrl_b_right_after_a_slider_key_accepts_the_new_suggestion(app: TriageApp) -> None:
    """The hint beside "by when" follows slider keys once they rest; ctrl+b pressed
    before that accepts the deadline of the decision on screen, not the hint's."""
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await wait_for(pilot, lambda: screen.query_one("#details").settled)
        before = panel_text(screen, "by-hint")
        screen.query_one("#customer_impact", Slider).focus()
        await pilot.press(*"5", "tab", "5", "tab", "5", "tab", "5", "ctrl+b")
        await pilot.pause()
        assert screen._evaluation.decision is Decision.ESCALATE_IMMEDIATELY
        assert screen._draft.by == TODAY  # the urgent deadline, not the one shown before
        assert TODAY.isoformat() not in before


@asynctest
async def test_verdict_texts_are_never_cut_off_when_the_form_empties_again(app: TriageApp) -> None:
    """The verdict reserves the lines of its tallest texts for any scores with the rest of
    the form as it is; emptying the ask, the communication and the situation brings their
    warnings back: whatever the scores then, every line of every text is shown."""
    import random

    from textual.widgets import Input, TextArea

    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        panel = screen.query_one("VerdictPanel")
        screen.load_draft(Draft(account="Initech", ask="Eng fix by Fri", comms="Daily at 5pm",
                                situation="Exports fail"))
        await wait_for(pilot, lambda: not panel.measuring and screen._draft.ask)
        await pilot.pause()
        screen.query_one("#ask", Input).value = ""
        screen.query_one("#comms", Input).value = ""
        screen.query_one("#situation", TextArea).clear()
        await wait_for(pilot, lambda: not screen._draft.ask and not screen._draft.situation)
        await wait_for(pilot, lambda: not panel.measuring)
        await pilot.pause()
        rng = random.Random(5)
        sliders = list(screen.query(Slider))
        cut: list[str] = []
        for _ in range(30):
            rng.choice(sliders).value = rng.randint(1, 5)
            await pilot.pause()
            for name in ("decision", "route", "why", "warnings"):
                text = screen.query_one(f"#{name}")
                lines = len(text.render().wrap(text.content_size.width))
                if lines > text.content_size.height:
                    cut.append(f"{name} at {scores(screen)}: {lines} > {text.content_size.height}")
        assert "no specific ask yet" in panel_text(screen, "warnings") or scores(screen) < (2,)
        assert not cut, cut[:3]


@asynctest
async def test_after_a_resize_the_verdict_texts_fit_and_keep_no_stale_lines(app: TriageApp) -> None:
    """A new width measures the tallest texts again. While that runs, slider keys cut no
    text off (a text that needs more lines grows); once it lands, each text holds exactly
    the lines measured for the new width — none left over from the old one."""
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        panel = screen.query_one("VerdictPanel")
        await wait_for(pilot, lambda: not panel.measuring)
        await pilot.pause()
        names = ("decision", "route", "why", "warnings")

        def heights() -> dict[str, int]:
            return {name: screen.query_one(f"#{name}").content_size.height for name in names}

        def cut() -> list[str]:
            found = []
            for name in names:
                text = screen.query_one(f"#{name}")
                lines = len(text.render().wrap(text.content_size.width))
                if lines > text.content_size.height:
                    found.append(f"{name}: {lines} > {text.content_size.height}")
            return found

        import random

        rng = random.Random(2)
        sliders = list(screen.query(Slider))
        wide = heights()
        for size in ((84, 30), (120, 40)):
            await pilot.resize_terminal(*size)
            seen: list[str] = []
            for _ in range(200):  # slider keys while the new width is measured
                rng.choice(sliders).value = rng.randint(1, 5)
                await pilot.pause()
                seen += cut()
                if not panel.measuring and panel.size.width and screen.size.width == size[0]:
                    break
            for slider in sliders:  # the scores the reservations at 120 were made with
                slider.value = 1
            await pilot.pause()
            assert not seen and not cut(), seen[:3]
            if size == (84, 30):
                assert heights() != wide  # narrower: more lines for the long texts
        assert heights() == wide  # back at 120: what was reserved there, no more
