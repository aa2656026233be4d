"""Regenerate the README screenshots (screenshots/*.svg) with the app's own factory.

    python screenshots/make_screenshots.py

Uses a temporary database, a frozen clock and no cursor blink, so the pictures only
change when the UI does.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def sample_draft():
    from triage_tui.storage.demo import sample_draft

    return sample_draft()


async def shoot(name: str, size: tuple[int, int], keys: tuple[str, ...] = (), draft=None) -> Path:
    from triage_tui.domain.settings import Settings
    from triage_tui.tui.app import make_app
    from triage_tui.tui.screens.assess import AssessScreen

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(db_path=Path(tmp) / "history.json", settings=Settings(), now=lambda: NOW)
        async with app.run_test(size=size) as pilot:
            for _ in range(100):
                await pilot.pause()
                if isinstance(app.screen, AssessScreen) and len(app.screen.query("#situation, #brief")) == 2:  # the lazy parts are in
                    break
            if draft is not None:
                app.load_draft(draft)
                await pilot.pause()
            for widget in app.screen.query("Input, TextArea"):
                widget.cursor_blink = False
            if keys:
                await pilot.press(*keys)
            await pilot.pause(0.6)
            await pilot.wait_for_scheduled_animations()
            svg = app.export_screenshot(title="triage")
    target = HERE / f"{name}.svg"
    target.write_text(svg, encoding="utf-8")
    return target


async def main() -> None:
    # Isolate the user's config and UI state (theme) from the pictures.
    tmp_home = tempfile.mkdtemp()
    os.environ["XDG_DATA_HOME"] = tmp_home
    os.environ["TRIAGE_CONFIG"] = str(Path(tmp_home) / "config.toml")
    written = [
        await shoot("assess", (120, 40), draft=sample_draft()),
        await shoot("assess-80x24", (80, 24), draft=sample_draft()),
        await shoot("help", (120, 40), keys=("f1",)),
    ]
    # history.svg, detail.svg, review.svg: a fixed demo history (issue #5)
    from make_history_screenshots import shoot_all as history_shots

    written += await history_shots(HERE)
    # review-lead.svg: a team lead's review on a throwaway PostgreSQL (skipped without one)
    from make_team_screenshot import shoot_all as team_shots

    written += await team_shots(HERE)
    for path in written:
        print(path.relative_to(HERE.parent))


if __name__ == "__main__":
    asyncio.run(main())
