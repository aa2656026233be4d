"""Snapshot tests of the assess screen and its modals at 80×24 and 120×40.

Deterministic: frozen clock (the `now` factory argument), a temporary database, no
cursor blink, and a pause long enough for the debounced brief preview to render.
Update with `pytest tests/test_snapshots_assess.py --snapshot-update`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from triage_tui.domain.models import Draft
from triage_tui.domain.settings import Settings
from triage_tui.storage.demo import sample_draft
from triage_tui.tui.app import TriageApp, make_app
from triage_tui.tui.screens.assess import AssessScreen
from textual.screen import ModalScreen

from tui_helpers import wait_for

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)

# The README's sample, with no deadline or customer communication (so warnings show).
SAMPLE = replace(
    sample_draft(),
    open_since=date(2026, 11, 17),
    situation="Since the 2.14 release, route optimisation times out for large depots.",
    by=None,
    comms="",
)


@pytest.fixture
def app(db_file: Path) -> TriageApp:
    return make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)


async def settle(pilot, draft: Draft | None = None) -> None:
    """Wait for the full screen, optionally load a draft, stop blinking, let the preview render."""
    app = pilot.app
    for _ in range(100):
        await pilot.pause()
        if isinstance(app.screen, AssessScreen) and len(app.screen.query("#situation, #brief")) == 2:  # the lazy parts are in
            break
    if draft is not None:
        # The empty form's measurement first: reservations only grow, so whether it lands
        # before or after the draft's would change the reserved lines (seen in CI).
        await wait_for(pilot, lambda: not app.screen.query_one("VerdictPanel").measuring)
        app.load_draft(draft)
        await pilot.pause()
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()
    # Workers (the verdict measures the lines it reserves), the preview's re-render and the
    # suggested deadline after a short quiet: wait for all, however busy the machine.
    screen = app.screen
    for _ in range(3):  # settled twice in a row: nothing left to start another round
        await wait_for(pilot, lambda: not screen.query_one("VerdictPanel").measuring
                       and screen.query_one("#preview").settled
                       and screen.query_one("#details").settled)
        await pilot.pause(0.1)
    await pilot.pause(0.2)
    await pilot.wait_for_scheduled_animations()


def test_assess_new_80x24(snap_compare, app: TriageApp) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_assess_filled_80x24(snap_compare, app: TriageApp) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot, SAMPLE)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_assess_filled_120x40(snap_compare, app: TriageApp) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot, SAMPLE)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_assess_sliders_by_keys_120x40(snap_compare, app: TriageApp) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press(*"Acme", "tab", "5", "tab", "4", "tab", "l", "l")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_help_modal_120x40(snap_compare, app: TriageApp) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("#account").focus()  # the keys listed follow the focus
        await pilot.pause()
        await pilot.press("f1")
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "HelpScreen")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_help_modal_80x24(snap_compare, app: TriageApp) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("#account").focus()  # the keys listed follow the focus
        await pilot.pause()
        await pilot.press("f1")
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "HelpScreen")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_export_modal_80x24(snap_compare, app: TriageApp, monkeypatch) -> None:
    monkeypatch.chdir("/tmp")  # the modal shows the folder: keep it the same everywhere

    async def run_before(pilot) -> None:
        await settle(pilot, SAMPLE)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModalScreen))
        await pilot.pause()
        for widget in pilot.app.screen.query("Input"):
            widget.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
