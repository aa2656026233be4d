"""triage-tui benchmark: every figure is a ratio against a baseline measured in the same run.

    python benchmarks/bench.py            # everything (a few minutes)
    python benchmarks/bench.py --quick    # fewer repetitions
    python benchmarks/bench.py --only startup,keypress,cli,scale

Budgets (README, "Performance"):
  first frame ≤ 1.3× a bare Textual app (Header + Static + Footer)
  slider key → the new total drawn, in process: p95 < 8 ms (tmux figures: tmux_bench.py)
  CLI `assess --json` ≤ 2× `python -c "import pydantic, jinja2, tinydb"`
  at 10 000 assessments, on the app's own file and on the same documents in TinyDB's
  layout: `history --limit 20`, `show`, `stats`, `followups` and a save ≤ 1.5× their
  median at 100, peak memory ≤ 2×; at 50 000 ≤ 3×; opening the history screen ≤ 2×, one
  filter keystroke < 16.7 ms (one 60 Hz frame).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
FRAME_60HZ = 1 / 60
RESULTS: list[tuple[str, str, str, str, str]] = []


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)]


def ms(x: float) -> str:
    return f"{x * 1000:8.2f} ms"


def report(name: str, value: float, baseline: float | None, budget: float | None,
           baseline_name: str = "") -> None:
    if baseline:
        ratio = value / baseline
        verdict = "" if budget is None else ("ok" if ratio <= budget else "OVER BUDGET")
        RESULTS.append((name, ms(value), f"{ms(baseline)} ({baseline_name})",
                        f"{ratio:5.2f}x", f"≤ {budget}x {verdict}" if budget else ""))
    else:
        verdict = "" if budget is None else ("ok" if value <= budget else "OVER BUDGET")
        RESULTS.append((name, ms(value), "", "", f"≤ {ms(budget).strip()} {verdict}"
                        if budget else ""))
    print(f"  {RESULTS[-1][0]}: {' | '.join(RESULTS[-1][1:])}", flush=True)


def run_cmd(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{proc.stderr.decode()}")
    return elapsed


def isolated_env(tmp: Path) -> dict[str, str]:
    (tmp / "config.toml").touch()  # TRIAGE_CONFIG naming a missing file is refused
    env = dict(os.environ)
    env.update(
        XDG_DATA_HOME=str(tmp / "data"), XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        TRIAGE_CONFIG=str(tmp / "config.toml"), TRIAGE_DB=str(tmp / "history.json"),
        # Child processes start as an installed copy does: with compiled bytecode.
        # (With PYTHONDONTWRITEBYTECODE set and an editable install, every start would
        # compile the package from source, ~25 ms that no user pays: pip compiles the
        # package when it installs it.) The bytecode goes to the run's temp folder.
        PYTHONPYCACHEPREFIX=str(tmp / "pycache"),
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


# --------------------------------------------------------------------------- startup


def bench_startup(reps: int, tmp: Path) -> None:
    print("startup: headless start to first rendered frame (fresh process each run)")
    env = isolated_env(tmp)
    probe = str(HERE / "probe_start.py")

    def first_frame(kind: str) -> tuple[float, float]:
        out = subprocess.run([PY, probe, kind, str(tmp / "history.json")],
                             capture_output=True, text=True, env=env, check=True).stdout
        ready, settled = out.strip().splitlines()[-1].split()
        return float(ready), float(settled)

    first_frame("bare"), first_frame("triage")  # warm the file cache
    bare, app = [], []
    for _ in range(reps):
        bare.append(first_frame("bare"))
        app.append(first_frame("triage"))
    report("first frame (Ready, median)", median([a[0] for a in app]),
           median([b[0] for b in bare]), 1.3, "bare Textual app")
    report("fully built and idle (median)", median([a[1] for a in app]),
           median([b[1] for b in bare]), None, "bare Textual app")


# --------------------------------------------------------------------------- keypress


def _watch_drawn(widget) -> dict[str, object]:
    """Record when the compositor last drew `widget`, and what it showed (its lines are
    asked for by the compositor right before the frame is written)."""
    drawn: dict[str, object] = {"text": "", "at": 0.0}
    render_lines = widget.render_lines

    def recording(crop):
        lines = render_lines(crop)
        drawn["text"] = "".join(line.text for line in lines)
        drawn["at"] = time.perf_counter()
        return lines

    widget.render_lines = recording  # this instance only
    return drawn


async def _key_times(app, steps, ready, warmup: int = 5) -> list[float]:
    """Per step (focus, key, text expected on the watched widget): from the key entering
    the app until the watched widget is drawn showing the text. Focus moves and settling
    between keys are not timed."""
    from textual import events

    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        for focus, key, expected, drawn in steps(app):
            if app.focused is not focus:
                focus.focus()
                await pilot.pause(0.3)
            await pilot.pause(0.05)
            start = time.perf_counter()
            app.post_message(events.Key(key, key if len(key) == 1 else None))
            while expected not in drawn["text"]:  # type: ignore[operator]
                await asyncio.sleep(0)
            times.append(drawn["at"] - start)  # type: ignore[operator]
    return times[warmup:]


def bench_keypress(presses: int, tmp: Path) -> None:
    print(f"keypress: {presses} keys, key → the new total drawn (a random walk over every "
          "slider and value), against a key whose binding updates a label")
    import random

    from triage_tui.domain.settings import Settings
    from triage_tui.tui.app import make_app
    from triage_tui.tui.widgets.slider import Slider

    from tmux_apps import BareKey as Bare  # the same baseline the tmux bench runs

    async def bare_ready(pilot) -> None:
        await pilot.pause(0.3)

    def bare_steps(app):
        label = app.query_one("#label")
        drawn = _watch_drawn(label)
        for n in range(1, presses + 6):
            yield label, "l", f"Count {n}", drawn

    async def triage_ready(pilot) -> None:
        while not pilot.app.screen.query("#brief"):  # the deferred parts are in
            await pilot.pause(0.05)
        await pilot.pause(1.0)

    def triage_steps(app):
        rng = random.Random(7)
        sliders = list(app.screen.query(Slider))
        drawn = _watch_drawn(app.screen.query_one("#total"))
        values = [1, 1, 1, 1]
        for _ in range(presses + 5):
            dim = rng.randrange(4)
            target = rng.choice([v for v in range(1, 6) if v != values[dim]])
            keys = [str(target)]
            if abs(target - values[dim]) == 1:
                keys += ["right", "l"] if target > values[dim] else ["left", "h"]
            values[dim] = target
            yield sliders[dim], rng.choice(keys), f"Total {sum(values)}/20", drawn

    bare = asyncio.run(_key_times(Bare(), bare_steps, bare_ready))
    app = asyncio.run(_key_times(
        make_app(db_path=tmp / "kp.json", settings=Settings()), triage_steps, triage_ready))
    report("slider key → total drawn, median", median(app), median(bare), None, "label key")
    report("slider key → total drawn, p95", p95(app), p95(bare), None, "label key")
    report("slider key → total drawn, p95 (absolute)", p95(app), None, 0.008)


# --------------------------------------------------------------------------- CLI


ASSESS = ["assess", "--account", "Initech", "--impact", "4", "--value", "3", "--time", "4",
          "--capability", "3", "--type", "service-failure", "--json"]


def bench_cli(reps: int, tmp: Path) -> None:
    print("cli: `triage assess --json` (fresh process each run)")
    env = isolated_env(tmp)
    base_cmd = [PY, "-c", "import pydantic, jinja2, tinydb"]
    cli_cmd = [PY, "-m", "triage_tui", *ASSESS]
    run_cmd(base_cmd, env), run_cmd(cli_cmd, env)
    base, cli = [], []
    for _ in range(reps):
        base.append(run_cmd(base_cmd, env))
        cli.append(run_cmd(cli_cmd, env))
    report("assess --json (median)", median(cli), median(base), 2.0,
           "import pydantic, jinja2, tinydb")


# --------------------------------------------------------------------------- scale

SIZES = (100, 10_000, 50_000)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
COMMANDS = {
    "history --limit 20": ["history", "--limit", "20"],
    "show": ["show", "5"],
    "stats": ["stats"],
    "followups": ["followups"],
    "due": ["due"],
    "save (assess --save)": [*ASSESS[:-1], "--save"],
}
BUDGET_10K, BUDGET_50K, MEMORY_10K = 1.5, 3.0, 2.0


MAKE = """
import json, random, sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from triage_tui.storage import HistoryStore
from triage_tui.storage.demo import demo_assessments, demo_timeline
own, tiny, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
now, rng = datetime(2026, 11, 20, 12, tzinfo=timezone.utc), random.Random(7)
items = demo_assessments(n, now, seed=7)  # each an escalation with a timeline of 10 events
if "--live-demo" not in sys.argv:
    # A CSM's history: what was opened more than 30 days ago has been resolved (and checked
    # in, if escalated); the live escalations are the recent ones. (The demo leaves 8 % of
    # every age unresolved: 1 000 live escalations at 10 000, see --live-demo.)
    old = now - timedelta(days=30)
    items = [a if a.resolved_at or a.created_at >= old else replace(
        a, resolved_at=a.created_at + timedelta(days=3), satisfaction=3,
        checkin_done_at=(a.created_at + timedelta(days=4)) if a.decision.escalates else None)
        for a in items]
HistoryStore(own, notes=own.parent / "scratch-notes").add_many(
    items, [demo_timeline(a, now, rng) for a in items])
# The same documents as TinyDB itself writes them (json.dump: one line, its own key order):
# the _meta checksum no longer matches, so the app must validate the file.
tiny.write_text(json.dumps(json.loads(own.read_bytes())), "utf-8")
"""


LIVE_DEMO = False  # --live-demo: keep the demo's unresolved escalations of every age


def make_histories(own: Path, tiny: Path, n: int) -> None:
    """Made in a child process: the benchmark's own memory stays small, so the children it
    forks start small (their peak RSS counts what they inherited before exec)."""
    subprocess.run([PY, "-c", MAKE, str(own), str(tiny), str(n),
                    *(["--live-demo"] if LIVE_DEMO else [])], check=True,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)))


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.stderr and proc.stderr.close()
    if status != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{err}")
    return elapsed, usage.ru_maxrss / 1024  # Linux: KiB


def report_mb(name: str, value: float, baseline: float, budget: float | None) -> None:
    ratio = value / baseline
    verdict = "" if budget is None else ("ok" if ratio <= budget else "OVER BUDGET")
    RESULTS.append((name, f"{value:8.1f} MB", f"{baseline:.1f} MB (same @ 100)",
                    f"{ratio:5.2f}x", f"≤ {budget}x {verdict}" if budget else ""))
    print(f"  {RESULTS[-1][0]}: {' | '.join(RESULTS[-1][1:])}", flush=True)


async def _history_screen_times(db: Path, filter_keys: str) -> tuple[float, list[float]]:
    """Seconds from F3 to the history table showing its rows (drawn); then, for each
    filter keystroke, from the key to the narrowed table drawn. Timed like the keypress
    figure: poll for the effect with sleep(0), then apply the pending redraw."""
    from textual import events

    from triage_tui.domain.settings import Settings
    from triage_tui.tui.app import make_app
    from triage_tui.tui.screens.history import HistoryScreen

    app = make_app(db_path=db, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        app._driver.send_message(events.Key("f3", None))
        while not (isinstance(app.screen, HistoryScreen) and app.screen.loaded):
            await asyncio.sleep(0)
        app.screen._on_timer_update()
        opened = time.perf_counter() - start
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        screen = app.screen
        keys = []
        for i, char in enumerate(filter_keys):
            t0 = time.perf_counter()
            app._driver.send_message(events.Key(char, char))
            while screen._query != filter_keys[: i + 1]:
                await asyncio.sleep(0)
            screen._on_timer_update()
            keys.append(time.perf_counter() - t0)
            await pilot.pause()
        return opened, keys


def bench_scale(reps: int, tmp: Path, sizes: tuple[int, ...] = SIZES, screens: bool = True
                ) -> None:
    """The CLI commands at each size, on the app's own file and on the same documents in
    TinyDB's layout: median time and peak memory of repeated child processes, against the
    same at 100. The sizes take turns run by run (100, 10 000, 50 000, 100, …), so a busy
    machine slows them alike. The first command on a file validates it in full and notes it
    (in the user cache folder); it is run once before the repetitions and reported apart."""
    print(f"scale: {' / '.join(f'{n:,}' for n in sizes)} stored assessments, own layout "
          "and TinyDB layout (ratios against the same at 100, sizes interleaved)")
    env = dict(isolated_env(tmp), TRIAGE_NOW=NOW.isoformat())  # the histories' "now"
    dbs: dict[tuple[int, str], Path] = {}
    for n in sizes:
        own, tiny = tmp / f"master-{n}.json", tmp / f"master-{n}-tinydb.json"
        make_histories(own, tiny, n)
        for layout, master in (("own", own), ("tinydb", tiny)):
            db = dbs[n, layout] = tmp / f"h-{n}-{layout}.json"
            shutil.copy(master, db)
            first = run_child([PY, "-m", "triage_tui", "--db", str(db), "history", "--limit",
                               "20"], env)  # the first read: validates and notes the file
            print(f"  first read [{layout}] @ {n} ({master.stat().st_size / 1e6:.1f} MB): "
                  f"{first[0] * 1000:.0f} ms, {first[1]:.1f} MB", flush=True)
    for layout in ("own", "tinydb"):
        for name, args in COMMANDS.items():  # the save last: it rewrites the file
            runs: dict[int, list[tuple[float, float]]] = {n: [] for n in sizes}
            for _ in range(reps):
                for n in sizes:  # (a save adds one record each time)
                    runs[n].append(run_child(
                        [PY, "-m", "triage_tui", "--db", str(dbs[n, layout]), *args], env))
            key = f"{name} [{layout}]"
            base_s, base_mb = median([r[0] for r in runs[sizes[0]]]), max(
                r[1] for r in runs[sizes[0]])
            for n in sizes:
                budget = BUDGET_10K if n == 10_000 else BUDGET_50K if n == 50_000 else None
                report(f"{key} @ {n}", median([r[0] for r in runs[n]]), base_s, budget,
                       "same @ 100")
                report_mb(f"{key} @ {n} peak memory", max(r[1] for r in runs[n]), base_mb,
                          MEMORY_10K if n == 10_000 else None)
    if screens:
        base_open = 0.0
        for n in (n for n in sizes if n <= 10_000):
            db = tmp / f"screen-{n}.json"
            shutil.copy(tmp / f"master-{n}.json", db)
            opened, keys = [], []
            for _ in range(max(3, reps // 2)):
                o, k = asyncio.run(_history_screen_times(db, "northwind"))
                opened.append(o)
                keys.extend(k)
            base_open = base_open or median(opened)
            report(f"history screen open @ {n}", median(opened), base_open,
                   BUDGET_10K if n == 10_000 else None, "same @ 100")
            report(f"filter keystroke @ {n}", median(keys), None, FRAME_60HZ)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--only", default="startup,keypress,cli,scale")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="scale: numbers of assessments (the first is the baseline)")
    parser.add_argument("--live-demo", action="store_true",
                        help="scale: keep the demo's 8 %% unresolved escalations of every age "
                        "(1 000 live at 10 000) instead of resolving those over 30 days old")
    parser.add_argument("--no-screens", action="store_true",
                        help="scale: the CLI commands only (no history screen)")
    args = parser.parse_args()
    global LIVE_DEMO
    LIVE_DEMO = args.live_demo
    reps = 5 if args.quick else 15
    only = set(args.only.split(","))
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ.update(isolated_env(tmp))  # never touch the real history or config
        if "startup" in only:
            bench_startup(reps, tmp)
        if "keypress" in only:
            bench_keypress(60 if args.quick else 150, tmp)
        if "cli" in only:
            bench_cli(reps, tmp)
        if "scale" in only:
            bench_scale(reps, tmp, tuple(int(x) for x in args.sizes.split(",")),
                        screens=not args.no_screens)
    print("\nsummary")
    width = max(len(r[0]) for r in RESULTS)
    for name, value, baseline, ratio, budget in RESULTS:
        print(f"  {name:<{width}}  {value}  {ratio:>6}  {budget}  {baseline}")
    over = [r for r in RESULTS if "OVER" in r[4]]
    print(f"\n{len(RESULTS) - len(over)} within budget, {len(over)} over budget")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
