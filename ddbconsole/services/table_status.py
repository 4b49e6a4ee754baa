"""Following a table's status after a change: DescribeTable polls until ACTIVE or gone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from ddbconsole.errors import DdbConsoleError, NotFound
from ddbconsole.models import TableProgress

StatusCallback = Callable[[TableProgress], None]


class WaitTimedOut(DdbConsoleError):
    """Following a table's status gave up; the change itself continues in AWS."""


async def wait_status(
    describe: Callable[[str], Awaitable[dict[str, Any]]],
    name: str,
    until: Literal["ACTIVE", "GONE"] = "ACTIVE",
    on_status: StatusCallback | None = None,
    *,
    interval: float,
    max_wait: float,
) -> TableProgress:
    """Poll DescribeTable until the table and its GSIs are ACTIVE (none backfilling), or until
    it is gone; `on_status` hears every poll. Cancel by cancelling the awaiting task; gives up
    with WaitTimedOut after `max_wait` seconds."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    step, limit = interval, max_wait
    polls = 0
    while True:
        polls += 1
        elapsed = loop.time() - start
        try:
            desc = await describe(name)
        except NotFound:
            progress = TableProgress(name, "GONE", polls=polls, elapsed=elapsed)
        else:
            indexes = tuple(
                (
                    g["IndexName"],
                    str(g.get("IndexStatus", "ACTIVE")),
                    bool(g.get("Backfilling")),
                )
                for g in desc.get("GlobalSecondaryIndexes", [])
            )
            status = str(desc.get("TableStatus", "ACTIVE"))
            progress = TableProgress(name, status, indexes, polls=polls, elapsed=elapsed)
        if on_status is not None:
            on_status(progress)
        if until == "GONE" and progress.status == "GONE":
            return progress
        if until == "ACTIVE":
            if progress.status == "GONE":
                raise NotFound(f"{name} no longer exists", "it was deleted while followed")
            if progress.settled:
                return progress
        if elapsed + step > limit:
            raise WaitTimedOut(
                f"Stopped following {name} after {elapsed:.0f} s ({progress.describe()})",
                "the change continues in AWS; refresh (r) later to see its status",
                code="WaitTimedOut",
            )
        await asyncio.sleep(step)
