"""Helpers shared by the Pilot tests (this project runs async tests without a plugin)."""

from __future__ import annotations

import asyncio
import functools


def asynctest(fn):
    """Run an async test with asyncio.run (no pytest-asyncio plugin in this project)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    """Pause until ``condition()`` holds; fail after ``timeout`` seconds."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("timed out waiting")
