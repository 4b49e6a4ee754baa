"""Small helpers shared by tests (not fixtures)."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static


async def wait_for(
    pilot: Pilot[object], predicate: Callable[[], object], timeout: float = 15.0
) -> None:
    """Let the app run until `predicate()` is true; fail with a clear message on timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await pilot.pause(0.05)
    await asyncio.sleep(0)


def static_text(widget: Static, width: int = 160) -> str:
    """What a Static shows, as plain text (Rich renderables rendered at `width`)."""
    content = widget.content
    if isinstance(content, str):
        return content
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(content)
    return console.export_text()
