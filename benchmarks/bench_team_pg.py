"""Team server at two sizes: 1 000 and 100 000 escalations (10 events each, 50 CSMs in one
team and its lead), on a throwaway PostgreSQL started from the system binaries.

    python benchmarks/bench_team_pg.py [--sizes 1000,100000] [--reps 15] [--tui [--tui-only]]

The history grows with time, not with the pace of work: the team opens escalations at the
same rate at both sizes (one every 43 minutes: 1 000 a month), so 1 000 is a month of the
team's history and 100 000 about eight years. Escalations older than two weeks are closed
(created, acknowledged, three updates, three notes, resolved, checked in); the newer ones
are in progress (ten events, not resolved). Each size is loaded with COPY as the admin, the
timelines built and checked by the domain, each row's status and review facts as the app
writes them.

Then times, in the same run, the commands through the real entry point (``main(argv)`` in
this process, ``--db postgresql://…``, a new connection each time, as a CLI call makes):
``history --limit 20`` (a CSM, the lead), a save (``assess --save``), ``due`` (a CSM),
``due --team`` and ``stats`` (the lead, 30 days), ``stats`` (a CSM), the lead's
``signature()`` (what the history and review screens ask on each refresh) and a few whole
``triage`` processes.
Prints medians and the ratio of the big size to the small one.

``--tui`` adds what a person feels in the app (headless, ``App.run_test`` in this process,
against the same server, as the lead and as a CSM): the start (to the first screen, and to
the overdue badge counted, the start-up read), F3 (the key to the history table drawn with
its rows), a filter keystroke in F3 (the key to the table drawn for the new query), F5 (to
the due list drawn) and F4 (to the review drawn). ``--tui-only`` skips the commands.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pg_server import PgServer, find_bindir  # noqa: E402

from triage_tui.cli import main  # noqa: E402
from triage_tui.domain.escalation import (  # noqa: E402
    Escalation,
    ack_event,
    checkin_event,
    created_event,
    note_event,
    resolve_event,
    update_event,
)
from triage_tui.domain.review import timeline_facts  # noqa: E402
from triage_tui.storage.demo import demo_assessments  # noqa: E402
from triage_tui.storage.store import stored_doc, synced  # noqa: E402
from triage_tui.storage.team import TeamStore, add_member, init_team  # noqa: E402

CSMS = 50
SPACING = timedelta(minutes=43)  # 1 000 escalations a month, at both sizes
OPEN_FOR = timedelta(days=14)  # newer ones are in progress, older ones closed
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)  # a Monday: TRIAGE_NOW for every command
H = timedelta(hours=1)


def timeline(a, closed: bool):  # noqa: ANN001, ANN201
    """Ten events from ``a.created_at``: the domain checks each transition."""
    t = a.created_at
    step = H if closed else timedelta(minutes=10)  # in progress: the last hours' work
    events = [created_event(a)]
    escalates = a.decision.escalates
    events.append(ack_event(t + step) if escalates else note_event(t + step, "looked into it"))
    for k in range(3):
        events.append(update_event(t + (2 + 2 * k) * step, f"update {k}"))
        events.append(note_event(t + (3 + 2 * k) * step, f"note {k}"))
    if closed:
        events.append(resolve_event(t + 80 * H, 4, "fixed"))
        events.append(checkin_event(t + 100 * H) if escalates else note_event(t + 100 * H, "done"))
    else:
        events += [note_event(t + 8 * step, "note"), note_event(t + 9 * step, "note")]
    return Escalation(id=None, account=a.account, events=tuple(events))


def load(admin_url: str, n: int) -> None:
    init_team(admin_url)
    for i in range(CSMS):
        add_member(admin_url, f"csm{i:02d}", "T", password="pw")
    add_member(admin_url, "lead", "T", lead=True, password="pw")
    base = [dataclasses.replace(a, resolved_at=None, satisfaction=None, resolution_note="",
                                checkin_done_at=None, by=None) for a in demo_assessments(1000)]
    t0 = time.perf_counter()
    with psycopg.connect(admin_url) as conn, conn.cursor() as cur:
        heads, events = [], []
        for i in range(n):
            at = NOW - 6 * H - (n - 1 - i) * SPACING  # oldest first, the newest 6 h ago
            a = dataclasses.replace(base[i % len(base)], created_at=at)
            esc = timeline(a, closed=NOW - at > OPEN_FOR)
            a = synced(a, esc)
            doc = stored_doc(a, 0)
            del doc["id"]
            owner = f"csm{i % CSMS:02d}"
            heads.append((owner, "T", a.account, at, doc["decision"], doc["total"],
                          doc["issue_type"], esc.status.value, len(esc.events),
                          orjson.dumps(doc).decode(), orjson.dumps(timeline_facts(esc)).decode()))
            events += [(i + 1, owner, "T", e.at, e.kind.value, e.text,
                        orjson.dumps(dict(e.data)).decode()) for e in esc.events]
        with cur.copy("COPY triage.escalations (owner, team, account, created_at, decision, "
                      "total, issue_type, status, version, doc, facts) FROM STDIN") as copy:
            for row in heads:
                copy.write_row(row)
        with cur.copy("COPY triage.events (escalation_id, owner, team, at, kind, text, data) "
                      "FROM STDIN") as copy:
            for row in events:
                copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE triage.escalations")
        cur.execute("VACUUM ANALYZE triage.events")
    print(f"  loaded {n} escalations + {len(events)} events in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)


def run(*argv: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(list(argv))
    if code not in (0, 1):
        raise SystemExit(f"{argv}: exit {code}\n{out.getvalue()[-500:]}")


def timed(fn, reps: int) -> float:  # noqa: ANN001
    fn()  # warm
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(server: PgServer, db: str, reps: int) -> dict[str, float]:
    csm, lead = server.url("csm07", "pw", db), server.url("lead", "pw", db)
    os.environ["TRIAGE_NOW"] = NOW.isoformat()
    save = ("assess", "--account", "Bench Co", "--impact", "4", "--value", "4", "--time", "3",
            "--capability", "3", "--type", "product-defect", "--ask", "a fix", "--save")
    out = {
        "csm history --limit 20": timed(lambda: run("--db", csm, "history", "--limit", "20"), reps),
        "lead history --limit 20": timed(lambda: run("--db", lead, "history", "--limit", "20"),
                                         reps),
        "csm save (assess --save)": timed(lambda: run("--db", csm, *save), reps),
        "csm due": timed(lambda: run("--db", csm, "due"), reps),
        "lead due --team": timed(lambda: run("--db", lead, "due", "--team"), reps),
        "lead stats (30 days, per CSM)": timed(lambda: run("--db", lead, "stats"), reps),
        "csm stats (30 days)": timed(lambda: run("--db", csm, "stats"), reps),
    }
    with TeamStore(lead) as store:  # what a screen asks on each refresh, connected
        out["lead signature (TUI refresh)"] = timed(store.signature, reps)
    env = {**os.environ, "TRIAGE_DB": lead}
    for name, argv in (("process: lead stats", ["stats"]), ("process: csm due", ["due"])):
        if name.endswith("csm due"):
            env["TRIAGE_DB"] = csm
        out[name] = timed(lambda: subprocess.run(  # noqa: B023
            [sys.executable, "-m", "triage_tui", *argv], env=env, check=False,  # noqa: B023
            stdout=subprocess.DEVNULL), max(3, reps // 5))
    return out


FILTER = "north"  # typed in F3, one key at a time (an account of the demo data)


async def _until(done, limit: float = 120.0) -> None:  # noqa: ANN001
    import asyncio

    end = time.perf_counter() + limit
    while not done():
        if time.perf_counter() > end:
            raise SystemExit("the TUI never got there")
        await asyncio.sleep(0.002)


async def tui_times(url: str) -> dict[str, float]:
    """One app session: the start, F3 and a filter, F5, F4 (each from the key to the
    screen drawn with its data)."""
    from triage_tui.domain.settings import Settings
    from triage_tui.tui.app import make_app

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    app = make_app(db_path=url, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        out["start → first screen"] = time.perf_counter() - t0
        await _until(lambda: app.overdue is not None)
        out["start → overdue badge"] = time.perf_counter() - t0
        await pilot.pause(0.2)

        async def key(name: str, done) -> float:  # noqa: ANN001
            from textual import events

            await pilot.pause(0.05)
            start = time.perf_counter()  # as benchmarks/bench.py: the key enters the app
            app._driver.send_message(events.Key(name, name if len(name) == 1 else None))
            await _until(done)
            await pilot.pause()  # drawn
            return time.perf_counter() - start

        out["F3 → history rows drawn"] = await key(
            "f3", lambda: getattr(app.screen, "loaded", False))
        screen = app.screen
        await pilot.pause(0.3)
        await pilot.press("slash")
        await pilot.pause(0.1)
        keys = []
        for i, char in enumerate(FILTER):
            keys.append(await key(char, lambda i=i: screen.shown_query == FILTER[: i + 1]))
        out["F3 filter keystroke (median)"] = statistics.median(keys)
        out["F3 filter keystroke (worst)"] = max(keys)
        assert screen.rows(), "the filter found nothing"
        await pilot.press("escape")
        for name, label in (("f5", "F5 → today list drawn"), ("f4", "F4 → review drawn")):
            await pilot.pause(0.2)
            out[label] = await key(name, lambda name=name: app.current_mode == {
                "f5": "today", "f4": "review"}[name] and getattr(app.screen, "loaded", False))
    return out


def measure_tui(server: PgServer, db: str, reps: int) -> dict[str, float]:
    import asyncio

    os.environ["TRIAGE_NOW"] = NOW.isoformat()
    out: dict[str, list[float]] = {}
    for who in ("lead", "csm07"):
        for _ in range(reps):
            for name, value in asyncio.run(tui_times(server.url(who, "pw", db))).items():
                out.setdefault(f"tui {'lead' if who == 'lead' else 'csm'}: {name}",
                               []).append(value)
    return {name: statistics.median(values) for name, values in out.items()}


def main_bench() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--tui", action="store_true", help="time the TUI's screens too")
    parser.add_argument("--tui-only", action="store_true", help="the TUI's screens only")
    parser.add_argument("--tui-reps", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    bindir = find_bindir()
    if bindir is None:
        sys.exit("no PostgreSQL binaries")
    server = PgServer(bindir, Path(tempfile.mkdtemp(prefix="triage-pg-bench-")))
    server.start()
    try:
        for n in sizes:
            with psycopg.connect(server.admin_url(), autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE bench_{n}")
            print(f"size {n}:", flush=True)
            load(server.admin_url(f"bench_{n}"), n)
        results: dict[int, dict[str, list[float]]] = {n: {} for n in sizes}
        for _round in range(2):  # sizes interleaved: a busy machine slows both alike
            for n in sizes:
                got = {} if args.tui_only else measure(server, f"bench_{n}", args.reps)
                if args.tui or args.tui_only:
                    got.update(measure_tui(server, f"bench_{n}", args.tui_reps))
                for name, value in got.items():
                    results[n].setdefault(name, []).append(value)
        small, big = sizes[0], sizes[-1]
        print(f"\n{'operation':44} {small:>10} {big:>10}  ratio   (medians, ms; PostgreSQL "
              f"{server.version.split()[0]})")
        for name in results[small]:
            a = min(results[small][name]) * 1e3
            b = min(results[big][name]) * 1e3
            print(f"{name:44} {a:10.1f} {b:10.1f}  {b / a:5.2f}x")
    finally:
        server.stop()


if __name__ == "__main__":
    main_bench()
