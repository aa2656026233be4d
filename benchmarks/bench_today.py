"""The Today screen (F5) against the history screen (F3) at N escalations with ~10 events
each: from the key to the list shown (every row loaded), in process, same run, sizes and
screens interleaved so a busy machine slows them alike.

    python benchmarks/bench_today.py [--count 10000] [--open-share 0.4] [--runs 3]

Issue 13's budget: the Today screen opens within 1.5× the history screen.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def build(path: Path, count: int, open_share: float, seed: int = 13) -> None:
    from triage_tui.domain import escalation as E
    from triage_tui.storage import HistoryStore
    from triage_tui.storage.demo import demo_assessments

    rng = random.Random(seed)
    items = demo_assessments(count, NOW, seed=seed)
    timelines = []
    for a in items:
        a_events = [E.created_event(a)]
        at = a.created_at
        esc = E.Escalation(id=None, account=a.account, events=tuple(a_events))
        steps = 9
        if esc.status is E.Status.ESCALATED:
            at += timedelta(hours=1)
            a_events.append(E.ack_event(at))
            steps -= 1
        closing = rng.random() >= open_share and esc.status in E.WORKING | {E.Status.ESCALATED}
        for n in range(steps - (2 if closing else 0)):
            at += timedelta(minutes=30)
            a_events.append(E.note_event(at, f"progress {n}"))
        if closing:
            a_events.append(E.resolve_event(at + timedelta(hours=1), 4))
            a_events.append(E.checkin_event(at + timedelta(hours=2)))
        timelines.append(a_events)
    items = [replace_id(a) for a in items]
    HistoryStore(path).add_many(items, timelines)


def replace_id(a):
    from dataclasses import replace

    return replace(a, resolved_at=None, satisfaction=None, resolution_note="",
                   checkin_done_at=None)


async def measure(path: Path, key: str, done) -> float:
    from triage_tui.domain.settings import Settings
    from triage_tui.tui.app import make_app

    app = make_app(db_path=path, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        while app.overdue is None:  # the header's count read first (the start-up work)
            await asyncio.sleep(0.01)
        await pilot.pause(0.2)
        start = time.perf_counter()
        await pilot.press(key)
        while not done(app):
            await asyncio.sleep(0.002)
        await pilot.pause()  # the rows drawn
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--open-share", type=float, default=0.4)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            os.environ[name] = str(Path(tmp) / name.lower())
        path = Path(tmp) / "history.json"
        build(path, args.count, args.open_share)
        from triage_tui.storage import HistoryStore

        store = HistoryStore(path)
        escs = store.escalations()
        print(f"{len(escs)} escalations, {sum(len(e.events) for e in escs)} events, "
              f"{sum(e.status.value != 'closed' for e in escs)} not closed")
        history, today = [], []
        for _ in range(args.runs):
            history.append(asyncio.run(measure(
                path, "f3", lambda app: getattr(app.screen, "complete", False))))
            today.append(asyncio.run(measure(
                path, "f5", lambda app: getattr(app.screen, "loaded", False))))
        h, t = statistics.median(history), statistics.median(today)
        print(f"history screen (F3 → every row): median {h * 1000:.0f} ms {[round(x * 1000) for x in history]}")
        print(f"today screen   (F5 → the due list): median {t * 1000:.0f} ms {[round(x * 1000) for x in today]}")
        print(f"ratio today / history: {t / h:.2f} (budget 1.5)")


if __name__ == "__main__":
    main()
