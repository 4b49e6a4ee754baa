"""Key-to-paint latency: how long after a key press the screen shows its effect.

    python tests/bench/bench_keys.py [--rows 1000] [--presses 100] [--no-traffic] [--profile TEXT]

Runs the real console (Textual's pilot, headless, 160x48) against moto in a child process with the
demo's seed and live traffic simulator, on a table of `--rows` items loaded as one page of the Items
grid (page size = rows). The clock starts when the key is sent and stops at the first screen update
(the compositor's frame handed to the driver) taken after the key's effect is in place: so it
includes handling the key, laying out and rendering the frame, not the terminal's own drawing.

Measured: j/k and pagedown/pageup/G/g in the 1,000-row grid; tab switches Items <-> Metrics while
the Metrics pane polls CloudWatch every second; opening the item viewer (enter) and closing it
(esc). Prints p50/p95/max per key group. Nothing the operator presses should wait on the network.
`--profile TEXT` runs cProfile while the presses of the groups whose name contains TEXT are measured
(e.g. `--profile "tab switch"`) and prints where their time went.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[2]))

from ddbconsole.config import Profile, Settings
from ddbconsole.demo.server import MotoProcess

TABLE = "BenchKeys"


class PaintClock:
    """Wraps the app's frame output: `press` returns seconds from the key to the first frame
    taken once `done()` holds."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._waiting: tuple[Callable[[], bool], float, asyncio.Future[float]] | None = None
        display = app._display

        def timed(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            waiting = self._waiting
            if waiting is not None and renderable is not None:
                done, start, future = waiting
                if not future.done() and done():
                    future.set_result(time.perf_counter() - start)

        app._display = timed

    async def press(self, pilot: Any, key: str, done: Callable[[], bool]) -> float:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting = (done, time.perf_counter(), future)
        await pilot.press(key)
        try:
            return await asyncio.wait_for(future, 10)
        finally:
            self._waiting = None


def load(url: str, rows: int) -> None:
    import boto3

    ddb = boto3.resource("dynamodb", endpoint_url=url, region_name="us-east-1")
    ddb.create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with ddb.Table(TABLE).batch_writer() as writer:
        for i in range(rows):
            writer.put_item(Item={"id": f"row-{i:05d}", "n": i, "body": "x" * 80, "tags": {"a"}})


def report(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {p95:.1f} | {ms[-1]:.1f} |"


async def run(
    url: str, rows: int, presses: int, profile_groups: str | None = None,
    profile_out: str | None = None,
) -> list[str]:  # fmt: skip
    from textual.widgets import DataTable, TabbedContent

    from ddbconsole.ui.app import make_app
    from ddbconsole.ui.items.item_editor import ItemEditorScreen
    from ddbconsole.ui.main import MainScreen
    from ddbconsole.ui.tables.table_list import TableList

    profile = Profile(name="bench", region="us-east-1", endpoint_url=url)
    settings = Settings(profiles={"bench": profile}, profile=profile, page_size=rows,
                        metrics_refresh_seconds=1.0, demo=True)  # fmt: skip
    app = make_app(settings)
    clock = PaintClock(app)
    lines: list[str] = []

    async def until(pilot: Any, predicate: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("the console did not get there")
            await pilot.pause(0.05)

    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await until(pilot, lambda: TABLE in screen.query_one(TableList).names)
        screen.query_one(TableList).select(TABLE)
        await until(
            pilot, lambda: screen.table_info is not None and screen.table_info.name == TABLE
        )
        await pilot.press("enter")
        await until(pilot, lambda: screen.items_pane is not None
                    and len(screen.items_pane.row_items) == rows)  # fmt: skip
        pane = screen.items_pane
        assert pane is not None
        grid = pane.query_one("#items", DataTable)
        await until(pilot, lambda: app.focused is grid)
        await pilot.pause(1.0)

        samples: dict[str, list[float]] = {}
        profiler = cProfile.Profile()
        collections: list[tuple[int, float]] = []  # (generation, seconds) while measuring
        gc_started = [0.0]

        def gc_timer(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                gc_started[0] = time.perf_counter()
            else:
                collections.append((info["generation"], time.perf_counter() - gc_started[0]))

        gc.callbacks.append(gc_timer)

        async def measure(group: str, key: str, done: Callable[[], bool]) -> None:
            profiled = profile_groups is not None and profile_groups in group
            if profiled:
                profiler.enable()
            try:
                samples.setdefault(group, []).append(await clock.press(pilot, key, done))
            finally:
                if profiled:
                    profiler.disable()

        for _ in range(presses):
            row = grid.cursor_row
            await measure("j / k (1,000-row grid)", "j", lambda r=row: grid.cursor_row == r + 1)
        for _ in range(presses):
            row = grid.cursor_row
            await measure("j / k (1,000-row grid)", "k", lambda r=row: grid.cursor_row == r - 1)
        for _ in range(presses // 4):
            row = grid.cursor_row
            await measure("pagedown / pageup", "pagedown", lambda r=row: grid.cursor_row > r)
            row = grid.cursor_row
            await measure("pagedown / pageup", "pageup", lambda r=row: grid.cursor_row < r)
            await measure("G / g", "G", lambda: grid.cursor_row == rows - 1)
            await measure("G / g", "g", lambda: grid.cursor_row == 0)
        tabs = screen.query_one(TabbedContent)
        for _ in range(presses // 4):
            await measure("tab switch to Metrics (polling 1 s)", "3",
                          lambda: tabs.active == "metrics" and screen.metrics_pane is not None)  # fmt: skip
            await pilot.pause(0.3)  # let a poll run now and then
            await measure("tab switch back to Items", "1", lambda: tabs.active == "items")
        for _ in range(presses // 4):
            await measure("open item viewer (enter)", "enter",
                          lambda: isinstance(app.screen, ItemEditorScreen))  # fmt: skip
            await measure("close item viewer (esc)", "escape",
                          lambda: isinstance(app.screen, MainScreen))  # fmt: skip
        lines.append("| keys | presses | p50 ms | p95 ms | max ms |")
        lines.append("| --- | ---: | ---: | ---: | ---: |")
        lines.extend(report(name, values) for name, values in samples.items())
        every = [v for values in samples.values() for v in values]
        lines.append(report("all", every))
        gc.callbacks.remove(gc_timer)
        for generation in (0, 1, 2):
            times = [t * 1000 for g, t in collections if g == generation]
            if times:
                lines.append(f"garbage collections of generation {generation}: {len(times)}, "
                             f"total {sum(times):.0f} ms, longest {max(times):.1f} ms")  # fmt: skip
        if profile_groups is not None:
            out = io.StringIO()
            if profile_out:
                profiler.dump_stats(profile_out)
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
            lines.append(out.getvalue())
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--presses", type=int, default=100)
    parser.add_argument("--no-traffic", action="store_true")
    parser.add_argument("--profile", metavar="TEXT", help="cProfile the groups named with TEXT")
    parser.add_argument("--profile-out", metavar="FILE", help="also save the profile (pstats)")
    args = parser.parse_args()
    for name, value in (("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench")):
        os.environ.setdefault(name, value)
    with MotoProcess(seed=True, traffic=not args.no_traffic) as server:
        load(server.url, args.rows)
        lines = asyncio.run(
            run(server.url, args.rows, args.presses, args.profile, args.profile_out)
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
