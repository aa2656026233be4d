"""A team lead's history screen (F3) on the real PostgreSQL (tests/pg_server.py): the team's
rows, newest first, read a page at a time (more as the view reaches the last row read), and
a filter answered by the server with exactly the rows the whole history filtered gives
(looking through a window of rows at a time, reading on while the table wants more)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest
from pg_server import TeamDB, pw_of
from tui_helpers import asynctest, wait_for

from triage_tui.domain.settings import Settings
from triage_tui.readmodel import filter_rows, rows_from_docs
from triage_tui.storage.demo import demo_assessments
from triage_tui.storage.team import TeamStore, add_member, init_team
from triage_tui.tui.screens.history import FilterInput
from triage_tui.tui.app import make_app
from triage_tui.tui.widgets.history_table import HistoryTable

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
EACH = 130  # escalations per CSM: the team's history is more than two pages


@pytest.fixture(autouse=True)
def _paged(monkeypatch) -> None:  # noqa: ANN001
    """Pages from 100 rows on (a team's history is read whole up to WHOLE_UP_TO)."""
    monkeypatch.setattr("triage_tui.tui.screens.history.WHOLE_UP_TO", 100)


@pytest.fixture
def lead_url(team_db: TeamDB) -> str:
    admin = team_db.admin_url
    init_team(admin)
    for csm in ("ann", "bob"):
        add_member(admin, csm, "T", password=pw_of(csm))
    add_member(admin, "lena", "T", lead=True, password=pw_of("lena"))
    items = sorted(demo_assessments(2 * EACH, NOW, span_days=300), key=lambda a: a.created_at)
    for i in range(3):  # an account only the oldest rows have (never in the first page)
        items[i] = replace(items[i], account="Zephyr Oldco")
    items[40] = replace(items[40], account="Straße GmbH")  # "strasse" matches it (casefold)
    for n, csm in enumerate(("ann", "bob")):
        with TeamStore(team_db.url(csm)) as store:
            store.add_many(items[n::2])
    return team_db.url("lena")


def _everything(url: str) -> tuple[list, dict[int, str]]:
    """The lead's whole history read at once (the file store's way), with each owner."""
    with TeamStore(url) as store:
        docs = store.documents(with_owner=True)
    return rows_from_docs(docs), {d["id"]: d["owner"] for d in docs}


async def _open_history(pilot):  # noqa: ANN001, ANN202
    await pilot.press("f3")
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "loaded", False))
    return pilot.app.screen, pilot.app.screen.query_one(HistoryTable)


async def _scroll_to_the_end(pilot, table: HistoryTable) -> None:  # noqa: ANN001
    """End, until no more rows come (each end reaches the last row read: the next page)."""
    for _ in range(20):
        await pilot.press("end")
        await wait_for(pilot, lambda: not table.more or not pilot.app.screen._fetching)
        await pilot.pause(0.05)
        if not table.more:
            return
    raise AssertionError("the table never reached the oldest row")


@asynctest
async def test_a_leads_history_shows_the_team_a_page_at_a_time(lead_url: str) -> None:
    everything, owner = _everything(lead_url)
    ids = [r.id for r in everything]
    assert len(ids) == 2 * EACH
    app = make_app(db_path=lead_url, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, table = await _open_history(pilot)
        first = [r.id for r in table.rows]
        assert 0 < len(first) < len(ids)  # a page, not the whole team
        assert first == ids[: len(first)]  # the newest, in order
        assert {owner[i] for i in first} == {"ann", "bob"}  # the team's, not the lead's own
        assert str(screen.query_one("#history-count").render()) == f"{len(ids)} assessments"
        await _scroll_to_the_end(pilot, table)
        assert [r.id for r in table.rows] == ids  # every row once, newest first
        await pilot.press("end")
        assert table.current is not None and table.current.id == ids[-1]  # the oldest


@asynctest
async def test_a_leads_filter_is_answered_by_the_server(lead_url: str, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr("triage_tui.readmodel.SCAN_FIRST", 20)  # the server looks a window
    monkeypatch.setattr("triage_tui.readmodel.SCAN", 50)  # at a time
    everything, _ = _everything(lead_url)
    oldest = everything[-1]
    queries = ["zephyr", "strasse", "immediately", "cross-team", f"{oldest.local:%Y-%m-%d}",
               f"{oldest.local:%B}".lower(), "zephyr oldco"]
    app = make_app(db_path=lead_url, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, table = await _open_history(pilot)
        loaded = {r.id for r in table.rows}
        for number, query in enumerate(queries):
            if number:  # from the filter to the table (escape on the table goes back)
                await pilot.press("escape")
            await pilot.press("slash")
            # the whole query at once (a paste): each keystroke would ask the server again
            screen.query_one(FilterInput).value = query
            await wait_for(pilot, lambda: screen.shown_query == query)  # noqa: B023
            await _scroll_to_the_end(pilot, table)
            want = [r.id for r in filter_rows(everything, query)]
            assert want, query
            assert [r.id for r in table.rows] == want, query
        # the oldest rows were found on the server, not among the rows first read
        assert not {r.id for r in filter_rows(everything, "zephyr")} & loaded
