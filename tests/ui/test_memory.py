"""The console and the garbage collector (docs/ARCHITECTURE.md, Memory and the garbage collector):
a cleared Textual cache is freed by reference counting, not left as a cycle for a full collection;
the app freezes what start-up made and sets its thresholds once its first screen is up."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.cache import LRUCache
from textual.widgets import DataTable

from ddbconsole.ui import memory
from ddbconsole.ui.app import DdbConsoleApp
from tests.helpers import wait_for


class _Value:
    pass


def test_a_cleared_cache_is_freed_at_once() -> None:
    memory.release_cleared_caches()
    cache: LRUCache[int, _Value] = LRUCache(100)
    values = [_Value() for _ in range(50)]
    for n, value in enumerate(values):
        cache.set(n, value)
    refs = [weakref.ref(v) for v in values]
    del values, value
    gc.disable()
    try:
        cache.clear()
        assert all(r() is None for r in refs)  # freed without a collection
        assert len(cache) == 0 and cache.get(1) is None
        cache.set(1, _Value())  # and it still works
        assert cache.get(1) is not None
    finally:
        gc.enable()


class _GridApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


async def test_a_grid_replacing_its_rows_leaves_little_garbage() -> None:
    memory.release_cleared_caches()
    app = _GridApp()
    async with app.run_test(size=(120, 36)) as pilot:
        grid: DataTable[str] = app.query_one(DataTable)
        grid.add_columns("a", "b")
        await pilot.pause()
        gc.collect()
        gc.disable()
        try:
            for round_ in range(5):
                grid.clear()
                grid.add_rows([(f"{round_}-{n}", "x" * 20) for n in range(200)])
                await pilot.pause()  # drawn: the render caches fill
            grid.clear()
            # Left: rendered lines that cache themselves (about 2,000 objects); without the fix
            # the cleared caches' links, rows and cells came to about 21,000.
            assert gc.collect() < 5_000
        finally:
            gc.enable()


async def test_the_app_freezes_start_up_and_sets_its_thresholds(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: gc.get_freeze_count() > 0)
        assert gc.get_threshold() == memory.THRESHOLDS
        await pilot.pause(1.0)  # start-up's reads end before the app does
