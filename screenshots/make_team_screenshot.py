"""Write screenshots/review-lead.svg: a team lead's review screen (F4) on the team server.

    python screenshots/make_team_screenshot.py [--size 120x40]

Starts a throwaway PostgreSQL the way the tests do (tests/pg_server.py: the system's
binaries, a temporary folder, a free loopback port), sets up team "emea" (four CSMs and
lena, the lead), saves each CSM's demo history with its timeline (fixed seeds, a fixed
clock, UTC) and shoots the lead's review of the last 90 days. The server is removed at the
end; nothing of the user's is touched. Without PostgreSQL binaries it says so and writes
nothing (make_screenshots.py then skips this picture).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
CSMS = {"alice": 101, "bob": 202, "chen": 303, "dana": 404}  # user → the seed of their history
LEAD = "lena"


async def _until(pilot, condition, timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            break
        await pilot.pause(0.01)
    await pilot.pause(0.2)
    await pilot.wait_for_scheduled_animations()


def _fill(server, name: str) -> str:
    """Team "emea" on database ``name``; returns the lead's URL."""
    from triage_tui.storage.demo import demo_assessments, demo_timeline
    from triage_tui.storage.team import TeamStore, add_member, init_team

    admin = server.admin_url(name)
    init_team(admin)
    for user in (*CSMS, LEAD):
        add_member(admin, user, "emea", lead=user == LEAD, password=f"pw-{user}")
    for user, seed in CSMS.items():
        rng = random.Random(seed)
        items = demo_assessments(12, NOW, seed=seed, span_days=100)
        if user == "dana":  # a CSM who does not log updates: it shows
            items = [replace(a, resolved_at=None, satisfaction=None, checkin_done_at=None)
                     for a in items]
        timelines = [_quick_ack(demo_timeline(a, NOW, rng, events=8 if user != "dana" else 2),
                                rng, slow=user == "dana")
                     for a in items]
        with TeamStore(server.url(user, f"pw-{user}", name)) as store:
            store.add_many(items, timelines=timelines)
    return server.url(LEAD, f"pw-{LEAD}", name)


def _quick_ack(timeline: list, rng: random.Random, slow: bool) -> list:
    """The demo spreads events evenly over an escalation's life; a routed team usually
    acknowledges within hours (a slow CSM's within days): move the ack there."""
    from triage_tui.domain.escalation import EventKind

    out = list(timeline)
    for n, event in enumerate(out[1:], start=1):
        if event.kind is EventKind.ACKNOWLEDGED:
            hours = rng.uniform(20, 60) if slow else rng.uniform(0.5, 9)
            later = out[n + 1].at if n + 1 < len(out) else event.at
            at = min(out[0].at + timedelta(hours=hours), later)
            out[n] = replace(event, at=at)
    return out


async def shoot(url: str, size: tuple[int, int], out: Path) -> Path:
    from triage_tui.domain.settings import Settings
    from triage_tui.tui.app import make_app

    app = make_app(db_path=url, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=size) as pilot:
        app.cursor_blink = False
        await pilot.press("f4")
        await _until(pilot, lambda: getattr(app.screen, "team", None) is not None)
        await pilot.press("2")  # 90 days: a quarter of the team
        await _until(pilot, lambda: app.screen.team is not None
                     and app.screen.team.period_days == 90)
        return Path(app.save_screenshot("review-lead.svg", str(out)))


async def shoot_all(out: Path = HERE, size: tuple[int, int] = (120, 40)) -> list[Path]:
    """review-lead.svg in ``out``, or nothing without PostgreSQL (also called by
    make_screenshots.py)."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    for path in (HERE.parent, HERE.parent / "tests"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    import psycopg
    from pg_server import PgServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        print("review-lead.svg: no PostgreSQL binaries (initdb, pg_ctl): skipped",
              file=sys.stderr)
        return []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            os.environ[name] = str(Path(tmp) / name.lower())
        config = Path(tmp) / "config.toml"
        config.write_text("")
        os.environ["TRIAGE_CONFIG"] = str(config)
        server = PgServer(bindir, Path(tempfile.mkdtemp(prefix="triage-pg-")))
        try:
            server.start()
            with psycopg.connect(server.admin_url(), autocommit=True) as conn:
                conn.execute('CREATE DATABASE "screens"')
            url = _fill(server, "screens")
            return [await shoot(url, size, out)]
        finally:
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    for path in asyncio.run(shoot_all(args.out, (width, height))):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
