"""Keeping Python's full garbage collections short (docs/ARCHITECTURE.md, "Responsiveness").

A full collection walks every object the collector tracks. With the console's widgets, a page of a
thousand items and the grid's rendered cells, that walk took up to 330 ms, and it comes every few
seconds of use: a key pressed then waited for it. Half a second after start-up, a page of items
shown, a tab switch or a screen closed, `settle_soon` collects what is garbage and freezes the rest
(`gc.freeze`): frozen objects are never walked again. They are still freed as usual when nothing
refers to them (rows of an earlier page, say); only a cycle among them that becomes garbage later
is kept, so `release` unfreezes everything when the app closes.
"""

from __future__ import annotations

import gc
from typing import Any
from weakref import WeakSet

SETTLE_DELAY = 0.5  # seconds after the request: the screen is painted, a burst of pages is over

_armed: WeakSet[Any] = WeakSet()  # apps with a settle timer running


def settle_soon(app: Any) -> None:
    """Collect and freeze in a moment (at most one timer per app)."""
    if app in _armed:
        return
    _armed.add(app)

    def settle() -> None:
        _armed.discard(app)
        gc.collect()
        gc.freeze()

    app.set_timer(SETTLE_DELAY, settle)


def release() -> None:
    """Everything frozen is walked again (the app is closing: its objects may be garbage now)."""
    gc.unfreeze()
