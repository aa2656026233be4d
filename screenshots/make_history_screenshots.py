"""Write screenshots/history.svg, detail.svg, review.svg and today.svg from a fixed demo history.

    python screenshots/make_history_screenshots.py [--size 120x40]

Deterministic: a fixed seed and clock, UTC, a temporary database (the real history is
never touched).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


async def _until(pilot, condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            break
        await pilot.pause(0.01)
    await pilot.pause(0.2)


async def shoot(db: Path, size: tuple[int, int], out: Path) -> list[Path]:
    from triage_tui.domain.settings import Settings
    from triage_tui.tui.app import make_app

    written = []
    app = make_app(db_path=db, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=size) as pilot:
        app.cursor_blink = False
        await pilot.press("f3")
        await _until(pilot, lambda: getattr(app.screen, "loaded", False))
        await pilot.press("down", "down")
        await pilot.pause(0.1)
        written.append(Path(app.save_screenshot("history.svg", str(out))))

        await pilot.press("slash", *"northwind", "enter", "enter")
        await _until(pilot, lambda: app.screen.__class__.__name__ == "DetailScreen")
        written.append(Path(app.save_screenshot("detail.svg", str(out))))

        await pilot.press("escape", "f4")
        await _until(pilot, lambda: getattr(app.screen, "loaded", False))
        await pilot.press("3")  # 365 days: a year of patterns
        await _until(pilot, lambda: app.screen.review is not None
                     and app.screen.review.period_days == 365)
        written.append(Path(app.save_screenshot("review.svg", str(out))))

        await pilot.press("f5")
        await _until(pilot, lambda: getattr(app.screen, "loaded", False)
                     and app.overdue is not None)
        written.append(Path(app.save_screenshot("today.svg", str(out))))
    return written


async def shoot_all(out: Path = HERE, size: tuple[int, int] = (120, 40)) -> list[Path]:
    """history.svg, detail.svg, review.svg and today.svg in ``out`` (also called by make_screenshots.py)."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    with tempfile.TemporaryDirectory() as tmp:
        # never touch the user's real data, config or theme
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            os.environ[name] = str(Path(tmp) / name.lower())
        os.environ["TRIAGE_CONFIG"] = str(Path(tmp) / "config.toml")
        if str(HERE.parent) not in sys.path:
            sys.path.insert(0, str(HERE.parent))
        from triage_tui.storage import HistoryStore
        from triage_tui.storage.demo import demo_assessments

        db = Path(tmp) / "demo.json"
        HistoryStore(db).add_many(demo_assessments(60, NOW, seed=20251))
        return await shoot(db, size, out)


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
