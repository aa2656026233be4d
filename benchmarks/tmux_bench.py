"""What the user sees, timed in a real terminal (tmux), against bare Textual apps run the
same way in the same run (alternating, so load on a shared machine hits both alike).

    python benchmarks/tmux_bench.py            # both figures
    python benchmarks/tmux_bench.py --quick    # fewer repetitions
    python benchmarks/tmux_bench.py --only first|key

first  From starting the command in a fresh 120×40 tmux window until the complete first
       screen is in the pane (`tmux capture-pane`): the four dimension names and the total,
       against a bare app (Header, Static, Footer) until its text and footer are. Median of
       the runs; budget ≤ 1.3×.
key    From `tmux send-keys` of a slider key until the new total is in the pane, against a
       bare app whose key binding updates a label (Static.update), until the new label is.
       A random walk over all four sliders and values (arrows, h/l, digits, home/end); focus
       moves (Tab) between timed keys are not timed. Budget: median ≤ 1.5×, p90 ≤ 2×.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SOCKET = f"triage-bench-{os.getpid()}"  # a tmux server of our own
DIMENSIONS = ("Customer impact", "Account value", "Time sensitivity", "CSM capability")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True).stdout


def pane(name: str) -> str:
    return tmux("capture-pane", "-p", "-t", name)


def wait_for(name: str, condition, timeout: float = 20.0) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if condition(pane(name)):
            return
    raise SystemExit(f"timed out waiting in {name}:\n{pane(name)}")


def start(name: str, command: str, env: dict[str, str]) -> float:
    """Start `command` in a new 120×40 window; return the perf_counter just before."""
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    # Each run starts afresh: the draft a stopped run kept would be offered back first.
    for kept in Path(env["XDG_DATA_HOME"]).glob("*/draft*.json"):
        kept.unlink()
    t0 = time.perf_counter()
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", f"env {exports} {command}")
    return t0


def stop(name: str) -> None:
    tmux("kill-session", "-t", name)


def environment(tmp: Path) -> dict[str, str]:
    (tmp / "config.toml").touch()  # TRIAGE_CONFIG naming a missing file is refused
    return {
        "XDG_DATA_HOME": str(tmp / "data"), "XDG_CONFIG_HOME": str(tmp / "config"),
        "XDG_STATE_HOME": str(tmp / "state"), "TRIAGE_CONFIG": str(tmp / "config.toml"),
        "TRIAGE_DB": str(tmp / "history.json"),
        # compiled bytecode, as an installed copy has (see bench.py); an empty value
        # overrides a PYTHONDONTWRITEBYTECODE=1 inherited through the tmux server,
        # under which every start compiled the app's sources again
        "PYTHONPYCACHEPREFIX": str(tmp / "pycache"), "PYTHONDONTWRITEBYTECODE": "",
        "TERM": "xterm-256color",
    }


TRIAGE = f"{BIN / 'triage'}"
BARE_FIRST = f"{sys.executable} {HERE / 'tmux_apps.py'} first"
BARE_KEY = f"{sys.executable} {HERE / 'tmux_apps.py'} key"


def triage_complete(text: str) -> bool:
    return all(name in text for name in DIMENSIONS) and "Total 4/20" in text


def bare_complete(text: str) -> bool:
    return "Hello" in text and "Quit" in text


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[max(0, int(round(q * len(xs))) - 1)]


def show(name: str, app: list[float], bare: list[float], budgets: dict[str, float]) -> None:
    for label, q in (("median", 0.5), ("p90", 0.9)):
        if label not in budgets:
            continue
        a, b = (statistics.median(app), statistics.median(bare)) if q == 0.5 else (pct(app, q), pct(bare, q))
        ratio = a / b
        verdict = "ok" if ratio <= budgets[label] else "OVER BUDGET"
        print(f"  {name} {label}: {a * 1000:7.1f} ms | bare {b * 1000:7.1f} ms | "
              f"{ratio:4.2f}x | ≤ {budgets[label]}x {verdict}", flush=True)


def bench_first(reps: int, tmp: Path) -> None:
    print(f"first screen in tmux 120x40, {reps} runs each, alternating", flush=True)
    env = environment(tmp)
    app, bare = [], []
    for i in range(reps + 1):  # run 0 warms the file cache and the bytecode
        for command, complete, into in ((BARE_FIRST, bare_complete, bare), (TRIAGE, triage_complete, app)):
            name = f"first{i}{len(into)}{'b' if into is bare else 'a'}"
            t0 = start(name, command, env)
            wait_for(name, complete)
            elapsed = time.perf_counter() - t0
            stop(name)
            if i:
                into.append(elapsed)
    show("first screen", app, bare, {"median": 1.3})


def slider_walk(name: str, steps: int, rng: random.Random) -> list[float]:
    """Random walk over the sliders; per timed key, send-keys → new total in the pane."""
    values = [1, 1, 1, 1]
    focus = -1  # the account field
    times = []
    for _ in range(steps):
        dim = rng.randrange(4)
        while focus != dim:  # not timed
            if focus < dim:
                tmux("send-keys", "-t", name, "Tab")
                focus += 1
            else:
                tmux("send-keys", "-t", name, "BTab")
                focus -= 1
            time.sleep(0.05)
        current = values[dim]
        target = rng.choice([v for v in range(1, 6) if v != current])
        keys = [str(target)]
        if abs(target - current) == 1:
            keys += ["Right", "l"] if target > current else ["Left", "h"]
        if target in (1, 5):
            keys.append("Home" if target == 1 else "End")
        key = rng.choice(keys)
        values[dim] = target
        expected = f"Total {sum(values)}/20"
        time.sleep(rng.uniform(0.1, 0.4))  # a person's pause between keys (not timed)
        t0 = time.perf_counter()
        tmux("send-keys", "-t", name, key)
        wait_for(name, lambda text: expected in text)
        times.append(time.perf_counter() - t0)
    return times


def label_walk(name: str, steps: int, rng: random.Random) -> list[float]:
    times = []
    for n in range(1, steps + 1):
        time.sleep(rng.uniform(0.1, 0.4))
        expected = f"Count {n}"
        t0 = time.perf_counter()
        tmux("send-keys", "-t", name, "l")
        wait_for(name, lambda text: expected in text)
        times.append(time.perf_counter() - t0)
    return times


def bench_key(rounds: int, steps: int, tmp: Path) -> None:
    print(f"key in tmux 120x40: {rounds} alternating rounds of {steps} keys each", flush=True)
    env = environment(tmp)
    rng = random.Random(10)
    app, bare = [], []
    for r in range(rounds):
        name = f"keyb{r}"
        start(name, BARE_KEY, env)
        wait_for(name, lambda text: "Count 0" in text)
        time.sleep(0.5)
        bare += label_walk(name, steps, rng)[3:]
        stop(name)
        name = f"keya{r}"
        start(name, TRIAGE, env)
        wait_for(name, triage_complete)
        time.sleep(1.0)  # the lazily mounted parts and the first preview
        app += slider_walk(name, steps, rng)[3:]
        stop(name)
    show("slider key", app, bare, {"median": 1.5, "p90": 2.0})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="first,key")
    args = parser.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        # A session that lives through the run: the server does not exit (and restart)
        # each time a measured session ends.
        tmux("new-session", "-d", "-s", "keep", "sleep 3600")
        try:
            if "first" in only:
                bench_first(5 if args.quick else 12, tmp)
            if "key" in only:
                bench_key(2 if args.quick else 4, 20 if args.quick else 40, tmp)
        finally:
            tmux("kill-server")
    print("(shared machine: ratios are from this run only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
