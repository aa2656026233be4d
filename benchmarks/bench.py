"""triage-tui benchmark: every figure is a ratio against a baseline measured in the same run.

    python benchmarks/bench.py            # everything (a few minutes)
    python benchmarks/bench.py --quick    # fewer repetitions
    python benchmarks/bench.py --only startup,keypress,cli,scale

Budgets (README, "Performance"):
  first frame ≤ 1.3× a bare Textual app (Header + Static + Footer)
  slider keypress → updated score panel ≤ 2× a keypress on a no-op widget
  CLI `assess --json` ≤ 2× `python -c "import pydantic, jinja2, tinydb"`
  at 10 000 assessments: save and `history --limit 20` ≤ 1.5× their cost at 100,
  opening the history screen ≤ 2×, one filter keystroke < 16.7 ms (one 60 Hz frame).
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
        TRIAGE_CONFIG=str(tmp / "config.toml"), TRIAGE_DB=str(tmp / "history.json"),
    )
    return env


# --------------------------------------------------------------------------- startup


def bench_startup(reps: int, tmp: Path) -> None:
    print("startup: headless start to first rendered frame (fresh process each run)")
    env = isolated_env(tmp)
    probe = str(HERE / "probe_start.py")

    def first_frame(kind: str) -> float:
        out = subprocess.run([PY, probe, kind, str(tmp / "history.json")],
                             capture_output=True, text=True, env=env, check=True).stdout
        return float(out.strip().splitlines()[-1])

    first_frame("bare"), first_frame("triage")  # warm the file cache
    bare, app = [], []
    for _ in range(reps):
        bare.append(first_frame("bare"))
        app.append(first_frame("triage"))
    report("first frame (median)", median(app), median(bare), 1.3, "bare Textual app")


# --------------------------------------------------------------------------- keypress


async def _press_times(app, keys: list[str], focus) -> list[float]:
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        focus(app)
        await pilot.pause()
        for key in keys:
            start = time.perf_counter()
            await pilot.press(key)
            times.append(time.perf_counter() - start)
    return times


def bench_keypress(presses: int, tmp: Path) -> None:
    print(f"keypress: {presses} presses, key → handlers done and panel updated")
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.widget import Widget
    from textual.widgets import Footer, Header, Static

    from triage_tui.domain.settings import Settings
    from triage_tui.tui.app import make_app
    from triage_tui.tui.widgets.slider import Slider

    class NoOp(Widget, can_focus=True):
        BINDINGS = [Binding("right", "noop", "noop"), Binding("left", "noop", "noop")]

        def action_noop(self) -> None:
            pass

    class Bare(App):
        def compose(self) -> ComposeResult:
            yield Header()
            yield NoOp()
            yield Static("hello")
            yield Footer()

    keys = ["right", "left"] * (presses // 2)

    def focus_noop(app) -> None:
        app.query_one(NoOp).focus()

    def focus_slider(app) -> None:
        slider = app.screen.query(Slider).first()
        slider.value = 3  # so that both right and left change the total
        slider.focus()

    bare = asyncio.run(_press_times(Bare(), keys, focus_noop))
    app = asyncio.run(_press_times(
        make_app(db_path=tmp / "kp.json", settings=Settings()), keys, focus_slider))
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
