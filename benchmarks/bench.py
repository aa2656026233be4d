"""triage-tui benchmark: every figure is a ratio against a baseline measured in the same run.

    python benchmarks/bench.py            # everything (a few minutes)
    python benchmarks/bench.py --quick    # fewer repetitions
    python benchmarks/bench.py --only startup,keypress,cli,scale

Budgets (README, "Performance"):
  first frame ≤ 1.3× a bare Textual app (Header + Static + Footer)
  slider keypress → updated score panel ≤ 2× a keypress on a no-op widget
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


async def _press_times(app, keys: list[str], focus, done, warmup: int = 6) -> list[float]:
    """Per key: from the key entering the app until its effect is there (``done``) and
    the screen is redrawn (the pending compositor update applied). Polls with sleep(0),
    not Pilot's idle detection, whose 20 ms steps and per-widget round trips would swamp
    the figure.

    "Redrawn" includes every widget the key changed: a widget's refresh reaches the
    screen as messages (a Prompt to the widget, then an Update to the screen), so the
    figure waits until no message is pending anywhere on the screen before it applies
    the compositor update. (Drawing as soon as ``done`` held drew only what had reached
    the screen by then: not the panel, and with a synchronous handler nothing at all.)"""
    from textual import events

    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        focus(app)
        await pilot.pause()
        pumps = [app, *app.screen.walk_children(with_self=True)]
        # Each pump's pending messages (a deque, true while not empty): checked in one
        # C-level `any`, so a screen with many widgets pays little for being polled.
        queues = [pump._message_queue.values for pump in pumps]
        for i, key in enumerate(keys):
            start = time.perf_counter()
            app._driver.send_message(events.Key(key, None))
            while not done(app, i):
                await asyncio.sleep(0)
            while any(queues):
                await asyncio.sleep(0)  # the repaints on their way to the screen
            app.screen._on_timer_update()  # draw what changed
            times.append(time.perf_counter() - start)
            await pilot.pause()  # settle before the next key (not timed)
    return times[warmup:]  # the first keys of a fresh app warm its caches


def bench_keypress(presses: int, tmp: Path) -> None:
    print(f"keypress: {presses} presses in 4 alternating rounds, key → handlers done and "
          "screen redrawn")
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.widget import Widget
    from textual.widgets import Footer, Header, Static

    from triage_tui.domain.settings import Settings
    from triage_tui.tui.app import make_app
    from triage_tui.tui.widgets.slider import Slider

    class NoOp(Widget, can_focus=True):
        BINDINGS = [Binding("right", "noop", "noop"), Binding("left", "noop", "noop")]
        presses = 0

        def action_noop(self) -> None:
            self.presses += 1

    class Bare(App):
        def compose(self) -> ComposeResult:
            yield Header()
            yield NoOp()
            yield Static("hello")
            yield Footer()

    rounds = 4  # bare and app alternate, so drift on a shared machine hits both alike
    keys = ["right", "left"] * (presses // rounds // 2 + 3)  # + 6 warm-up keys per round

    panel: dict[str, object] = {}

    def focus_slider(app) -> None:
        slider = app.screen.query(Slider).first()
        slider.value = 3  # so that both right and left change the total
        slider.focus()
        panel["total"] = app.screen.query_one("#total")  # looked up once, not per poll

    def total_updated(app, i: int) -> bool:
        # customer impact 3 → 4 → 3 …, the other three at 1: the total is 7 or 6
        expected = 7 if keys[i] == "right" else 6
        return f"{expected}/20" in str(panel["total"].render())

    def noop_ran(app, i: int) -> bool:
        return panel["noop"].presses == i + 1

    def focus_noop(app) -> None:
        panel["noop"] = app.query_one(NoOp)
        panel["noop"].focus()

    bare: list[float] = []
    app: list[float] = []
    for round_ in range(rounds):
        bare += asyncio.run(_press_times(Bare(), keys, focus_noop, noop_ran))
        app += asyncio.run(_press_times(
            make_app(db_path=tmp / f"kp{round_}.json", settings=Settings()), keys,
            focus_slider, total_updated))
    report("slider keypress median", median(app), median(bare), 2.0, "no-op widget")
    report("slider keypress p95", p95(app), p95(bare), 2.0, "no-op widget")


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
    "save (assess --save)": [*ASSESS[:-1], "--save"],
}
BUDGET_10K, BUDGET_50K, MEMORY_10K = 1.5, 3.0, 2.0


MAKE = """
import json, sys
from datetime import datetime, timezone
from pathlib import Path
from triage_tui.storage import HistoryStore
from triage_tui.storage.demo import demo_assessments
own, tiny, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
HistoryStore(own, notes=own.parent / "scratch-notes").add_many(
    demo_assessments(n, datetime(2026, 11, 20, 12, tzinfo=timezone.utc), seed=7))
# The same documents as TinyDB itself writes them (json.dump: one line, its own key order):
# the _meta checksum no longer matches, so the app must validate the file.
tiny.write_text(json.dumps(json.loads(own.read_bytes())), "utf-8")
"""


def make_histories(own: Path, tiny: Path, n: int) -> None:
    """Made in a child process: the benchmark's own memory stays small, so the children it
    forks start small (their peak RSS counts what they inherited before exec)."""
    subprocess.run([PY, "-c", MAKE, str(own), str(tiny), str(n)], check=True,
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
    env = isolated_env(tmp)
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
                   2.0 if n == 10_000 else None, "same @ 100")
            report(f"filter keystroke @ {n}", median(keys), None, FRAME_60HZ)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--only", default="startup,keypress,cli,scale")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="scale: numbers of assessments (the first is the baseline)")
    parser.add_argument("--no-screens", action="store_true",
                        help="scale: the CLI commands only (no history screen)")
    args = parser.parse_args()
    reps = 5 if args.quick else 15
    only = set(args.only.split(","))
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ.update(isolated_env(tmp))  # never touch the real history or config
        if "startup" in only:
            bench_startup(reps, tmp)
        if "keypress" in only:
            bench_keypress(60 if args.quick else 200, tmp)
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
