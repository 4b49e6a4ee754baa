"""Export: pages of a parallel scan (or of one query) written to a file as they arrive.

N segment readers put pages on a bounded queue; one writer formats them and writes them from a
thread, so memory stays flat and the event loop never blocks on the file. The file is written as
``FILE.partial`` and renamed to FILE when complete (see formats.ExportFile), so a failed or
cancelled export never damages an earlier FILE and leaves what it read in ``FILE.partial``. The
readers retry transient failures (throttling, 500s, dropped connections) from the same
ExclusiveStartKey, so the file holds every item exactly once.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ddbconsole.codec import Item
from ddbconsole.errors import UserInputError
from ddbconsole.models import QuerySpec, TableInfo
from ddbconsole.services.transfer.formats import ExportFile, Format, Formatter
from ddbconsole.services.transfer.progress import ProgressFn, TransferProgress

GIB = 1024**3
MAX_SEGMENTS = 16  # default segments at most (one per GiB)
MAX_EXPLICIT_SEGMENTS = 1000

T = TypeVar("T")
# (segment, ExclusiveStartKey) -> one Scan or Query answer (Items, LastEvaluatedKey), retried.
ReadPage = Callable[[int, Item | None], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    items: int
    bytes: int
    segments: int
    elapsed: float
    requests: int
    retries: int


def default_segments(table: TableInfo) -> int:
    """One segment per started GiB, clamped 1..16, and at least 4 for tables of 10,000+ items."""
    segments = max(1, min(MAX_SEGMENTS, math.ceil(table.size_bytes / GIB)))
    if table.item_count >= 10_000:
        segments = max(segments, 4)
    return segments


def segment_count(table: TableInfo, segments: int | None, query: QuerySpec | None) -> int:
    """The readers an export runs: one for a query, else `segments` or the table's default."""
    if query is not None and segments not in (None, 1):
        raise UserInputError(
            "Segments split a whole-table scan", "a query is read in order: drop the segments"
        )
    n = 1 if query is not None else (segments or default_segments(table))
    if not 1 <= n <= MAX_EXPLICIT_SEGMENTS:
        raise UserInputError("Invalid segment count", f"give 1 .. {MAX_EXPLICIT_SEGMENTS} segments")
    return n


async def _writing(target: Path, operation: Awaitable[T]) -> T:
    """`operation` on the export's files, with an OSError (no space, no folder...) explained."""
    try:
        return await operation
    except OSError as exc:
        raise UserInputError(f"Cannot write {target}", exc.strerror or str(exc)) from None


async def write_export(
    read_page: ReadPage,
    path: str | Path,
    *,
    fmt: Format,
    segments: int,
    state: TransferProgress,
    progress: ProgressFn | None = None,
    queue_pages: int | None = None,
) -> ExportResult:
    """Read `segments` segments with `read_page` and write every item to `path`."""
    queue: asyncio.Queue[list[Item] | None] = asyncio.Queue(maxsize=queue_pages or 2 * segments + 2)
    requests = 0

    async def read_segment(segment: int) -> None:
        nonlocal requests
        start: Item | None = None
        while True:
            resp = await read_page(segment, start)
            requests += 1
            items = resp.get("Items") or []
            if items:
                await queue.put(items)
            start = resp.get("LastEvaluatedKey")
            if not start:
                return

    formatter = Formatter(fmt)
    target = Path(path)  # until opened: then where the items really go
    out = await _writing(target, asyncio.to_thread(ExportFile, path, fmt))
    target = out.target

    def write(items: list[Item]) -> int:
        text = formatter.lines(items)
        out.rows.write(text)
        return len(text.encode("utf-8")) if fmt != "csv" else len(text)

    async def writer() -> None:
        while True:
            items = await queue.get()
            if items is None:
                return
            state.bytes += await _writing(target, asyncio.to_thread(write, items))
            state.items += len(items)
            if progress is not None:
                progress(state)

    writer_task = asyncio.create_task(writer())
    readers = [asyncio.create_task(read_segment(s)) for s in range(segments)]
    try:
        await asyncio.gather(*readers)
        await queue.put(None)
        await writer_task
    except BaseException:
        for task in (*readers, writer_task):
            task.cancel()
        await asyncio.gather(*readers, writer_task, return_exceptions=True)
        await asyncio.to_thread(out.abort, formatter)
        raise
    written = await _writing(target, asyncio.to_thread(out.finish, formatter))
    if fmt == "csv":
        state.bytes = written
    if progress is not None:
        progress(state)
    return ExportResult(
        target, state.items, state.bytes, segments, state.elapsed, requests, state.retries
    )
