"""What the error funnel (`report_error`) showed the user: tests read the notifications on screen
rather than state kept for them."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.notifications import Notification


def reported(app: App[Any]) -> list[Notification]:
    """The error funnel's notifications still shown, oldest first: errors, and read-only refusals
    (warnings titled "Read-only mode: ...")."""
    return [
        n
        for n in app._notifications
        if n.severity == "error"
        or (n.severity == "warning" and n.title.startswith("Read-only mode"))
    ]


def last_reported(app: App[Any]) -> Notification:
    found = reported(app)
    assert found, "nothing was reported"
    return found[-1]
