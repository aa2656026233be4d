"""The app on the team server: the same screens through the same store interface; a fault
is a notification and the draft stays (the real throwaway PostgreSQL of tests/pg_server.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from pg_server import TeamDB, _free_port, pw_of
from tui_helpers import asynctest, wait_for

from triage_tui.domain.escalation import note_event
from triage_tui.domain.settings import Settings
from triage_tui.storage.demo import demo_assessments
from triage_tui.storage.team import TeamStore, add_member, init_team
from triage_tui.tui.app import make_app
from triage_tui.tui.screens.assess import AssessScreen

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def alice_url(team_db: TeamDB) -> str:
    init_team(team_db.admin_url)
    add_member(team_db.admin_url, "alice", "A", password=pw_of("alice"))
    return team_db.url("alice")


async def _ready(pilot) -> AssessScreen:  # noqa: ANN001
    """The whole assess screen mounted (its lazy parts come after the first frame)."""
    for _ in range(100):
        await pilot.pause()
        screen = pilot.app.screen
        if isinstance(screen, AssessScreen) and len(screen.query("#situation, #brief")) == 2:
            return screen
    raise AssertionError("the assess screen never finished mounting")


@asynctest
async def test_the_app_saves_to_the_team_server(alice_url: str) -> None:
    app = make_app(db_path=alice_url, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(pilot)
        await pilot.press(*"Acme Corp", "tab", "4", "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not [n for n in app._notifications if n.severity == "error"]
    with TeamStore(alice_url) as store:
        [saved] = store.query()
        assert saved.account == "Acme Corp" and saved.scores.customer_impact == 4
        assert store.record(saved.id).owner == "alice"


@asynctest
async def test_an_unreachable_server_is_a_notification_and_the_draft_stays(
        team_db: TeamDB) -> None:
    url = f"postgresql://alice:{pw_of('alice')}@127.0.0.1:{_free_port()}/{team_db.name}"
    app = make_app(db_path=url, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _ready(pilot)
        await pilot.press(*"Acme Corp", "tab", "4", "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "cannot reach the team server at 127.0.0.1:" in errors[0].message
        assert "\n" not in errors[0].message and pw_of("alice") not in errors[0].message
        assert screen.current_assessment().account == "Acme Corp"  # the draft is kept
        assert screen.current_assessment().scores.customer_impact == 4


@asynctest
async def test_a_stale_edit_in_the_app_is_refused_and_writes_nothing(alice_url: str) -> None:
    """The Today screen read the escalation when the note dialog opened; another window
    adds a note before this one is saved: refused (a notification saying why), nothing
    of it written."""
    urgent = next(a for a in demo_assessments(20) if a.decision.escalates)
    with TeamStore(alice_url) as store:
        saved = store.add(replace(urgent, created_at=NOW - timedelta(hours=6), resolved_at=None,
                                  satisfaction=None, resolution_note="", checkin_done_at=None))
    app = make_app(db_path=alice_url, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await _ready(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: getattr(app.screen, "loaded", False))
        assert [i.id for i in app.screen.items][:1] == [saved.id]
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "EventDialog")
        with TeamStore(alice_url) as other:  # another window, meanwhile
            other.append(saved.id, note_event(NOW - timedelta(hours=1), "from another window"))
        await pilot.press(*"from this window", "enter")
        await wait_for(pilot, lambda: any(n.severity == "error" for n in app._notifications))
        [error] = [n for n in app._notifications if n.severity == "error"]
        assert f"escalation {saved.id} changed since you read it" in error.message
        assert "nothing was saved" in error.message and "\n" not in error.message
    with TeamStore(alice_url) as store:
        assert [e.text for e in store.escalation(saved.id).events] == ["", "from another window"]
