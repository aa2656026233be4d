"""Review screen (F4): the pattern review drawn from build_review, per period."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from tui_helpers import asynctest, wait_for
from triage_tui.domain.review import build_review
from triage_tui.domain.settings import Settings
from triage_tui.storage import HistoryStore
from triage_tui.storage.demo import demo_assessments
from triage_tui.tui.app import make_app
from triage_tui.tui.screens.review import PERIODS, bar, review_cards

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
COUNT = 60


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "demo.json"
    HistoryStore(path).add_many(demo_assessments(COUNT, NOW, seed=20251))
    return path


def app_for(db: Path):
    return make_app(db_path=db, settings=Settings(), now=lambda: NOW)


async def open_review(pilot):
    await pilot.press("f4")
    app = pilot.app
    await wait_for(pilot, lambda: getattr(app.screen, "review", None) is not None)
    await pilot.pause()
    return app.screen


def card(screen, key: str) -> str:
    return str(screen.query_one(f"#card-{key}").render())


# ----------------------------------------------------------------------------- drawing (no UI)


def test_bar_scales_to_the_largest() -> None:
    assert bar(10, 10, 8, "$primary") == "[$primary]████████[/]"
    assert bar(0, 10, 8, "$primary") == " " * 8
    half = bar(5, 10, 8, "$primary")
    assert half.startswith("[$primary]████[/]") and len(half) == len("[$primary]████[/]") + 4
    assert "▌" in bar(1, 16, 8, "$x")  # eighths: 1/16 of 8 cells is half a cell


def test_cards_show_every_section(demo_db: Path) -> None:
    review = build_review(HistoryStore(demo_db).all(), NOW, 365)
    cards = {key: card.plain for key, card in review_cards(review, 20, NOW).items()}
    assert set(cards) == {"decisions", "types", "repeats", "escalate", "resolve",
                          "satisfaction", "followups", "calibration"}
    for count in review.by_decision:
        assert count.label in cards["decisions"]
    assert "Northwind Traders" in cards["repeats"] or "Globex Industries" in cards["repeats"]
    for f in review.followups:
        assert f"#{f.id}" in cards["followups"]
    if review.resolve_trend:
        assert review.resolve_trend in cards["resolve"]
    for row in review.calibration:
        assert row.label in cards["calibration"]


# ----------------------------------------------------------------------------- the screen


@asynctest
async def test_review_opens_on_the_monthly_period_like_stats(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        expected = build_review(HistoryStore(demo_db).all(), NOW, 30)  # as `triage stats`
        assert screen.period == "p30"
        assert screen.review.to_dict() == expected.to_dict()
        summary = str(screen.query_one("#review-summary").render())
        assert "the monthly review" in summary
        assert f"{expected.assessments} assessment" in summary
        assert f"{expected.escalations} escalation" in summary
        assert "Escalate for support" in card(screen, "decisions")
        assert screen.has_class("-wide")


@asynctest
async def test_period_keys_and_tabs(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        everything = HistoryStore(demo_db).all()
        for key, period, days in (("4", "pall", None), ("1", "p30", 30), ("3", "p365", 365)):
            await pilot.press(key)
            await wait_for(pilot, lambda: screen.review is not None
                           and screen.review.period_days == days)
            assert screen.period == period
            assert screen.review.assessments == build_review(everything, NOW, days).assessments
        await pilot.press("p")  # next period after 365 days: all
        await wait_for(pilot, lambda: screen.review.period_days is None)
        assert screen.review.assessments == COUNT
        assert [p[0] for p in PERIODS] == ["p30", "p90", "p365", "pall"]
        assert not screen.has_class("-wide")


@asynctest
async def test_review_reflects_a_resolution(demo_db: Path) -> None:
    app = app_for(demo_db)
    store = HistoryStore(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        before = screen.review.resolved
        target = next(a for a in store.all() if a.resolved_at is None)
        store.resolve(target.id, 5, "done", now=NOW)
        await pilot.press("f2")
        await pilot.press("f4")
        await wait_for(pilot, lambda: screen.review.resolved == before + 1)


@asynctest
async def test_empty_history_review(tmp_path: Path) -> None:
    app = app_for(tmp_path / "none.json")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        assert screen.review.assessments == 0
        assert "No post-escalation check-in is due" in card(screen, "followups")
        assert "No rated resolution" in card(screen, "satisfaction")


@asynctest
async def test_corrupt_history_review(tmp_path: Path) -> None:
    db = tmp_path / "bad.json"
    db.write_text("[]", encoding="utf-8")
    app = app_for(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await wait_for(pilot, lambda: app.screen.loaded)
        assert "Cannot read the history" in str(app.screen.query_one("#review-summary").render())


@asynctest
async def test_review_palette_commands(demo_db: Path) -> None:
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        commands = {title: cb for title, _, cb in screen.palette_commands()}
        assert "Review: last 30 days" in commands and "Review: all time" in commands
        commands["Review: all time"]()
        await wait_for(pilot, lambda: screen.review.period_days is None)
