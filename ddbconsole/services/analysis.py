"""Sampled key analysis: a bounded parallel scan reporting how items and bytes spread over partition
keys, for any table on any endpoint (docs/ARCHITECTURE.md, "Diagnose").

It measures storage skew, not traffic (`STORAGE_SKEW_NOTE`). The budget is a number of items, a
number of read capacity units, or both, and is never exceeded: every Scan request reserves what it
may read before it is sent (its `Limit`, and at most that many items' worth of capacity at the
largest per-item cost seen so far), so parallel segments together stay within it. The cost of a page
is counted as DynamoDB charges a Scan, half a unit per started 4 KB of the items it read (eventually
consistent); what the server reported is shown beside it (moto reports one unit per page). Requests are sent once by botocore and
retried here (services/retry.py), from the same ExclusiveStartKey.
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import heapq
import json
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ddbconsole import codec
from ddbconsole.errors import UserInputError
from ddbconsole.models import TableInfo
from ddbconsole.models.analysis import (
    SIZE_BUCKETS,
    AnalysisBudget,
    AnalysisEstimate,
    KeyAnalysis,
    KeyCount,
    LargeItem,
)
from ddbconsole.services.retry import Retrier
from ddbconsole.services.session import AwsSession

RCU_BYTES = 4096
DEFAULT_ITEM_BYTES = 1024  # per-item guess when the table reports no size yet
MAX_REQUEST_ITEMS = 10_000  # the most one Scan request reserves (DynamoDB stops at 1 MB anyway)
MIN_REQUEST_ITEMS = 100
PAGE_TARGET_BYTES = 768 * 1024  # what one request asks for: under DynamoDB's 1 MB page


def key_text(value: dict[str, Any]) -> str:
    """A key value as the Items tab's query form takes it: S as is, N as its digits, B base64."""
    ((kind, raw),) = value.items()
    if kind == "B":
        data = raw if isinstance(raw, bytes | bytearray) else bytes(raw)
        return base64.b64encode(data).decode("ascii")
    return str(raw)


def _digits(literal: str) -> int:
    """Significant digits of a number literal (leading and trailing zeros trimmed)."""
    mantissa = literal.lstrip("+-").partition("e")[0].partition("E")[0].replace(".", "")
    return max(1, len(mantissa.strip("0")))


def item_size(item: dict[str, Any]) -> int:
    """codec.item_size, with fast paths for the common top-level types (the analysis sizes every
    item it reads; tests check both agree)."""
    total = 0
    for name, value in item.items():
        total += len(name) if name.isascii() else len(name.encode("utf-8"))
        text = value.get("S")
        if text is not None:
            total += len(text) if text.isascii() else len(text.encode("utf-8"))
            continue
        number = value.get("N")
        if number is not None:
            total += (_digits(number) + 1) // 2 + 1
            continue
        total += codec.value_size(value)
    return total


def page_rcu(sizes_total: int) -> float:
    """What DynamoDB charges an eventually consistent Scan page reading `sizes_total` bytes."""
    return 0.5 * max(1, math.ceil(sizes_total / RCU_BYTES))


@dataclass
class AnalysisProgress:
    items: int = 0
    rcu: float = 0.0
    server_rcu: float = 0.0  # what the server reported (moto reports 1 per page, whatever read)
    requests: int = 0
    retries: int = 0
    started: float = field(default_factory=time.monotonic)
    limit_items: int | None = None
    limit_rcu: float | None = None

    def count_retry(self) -> None:
        self.retries += 1

    @property
    def fraction(self) -> float | None:
        parts = []
        if self.limit_items:
            parts.append(self.items / self.limit_items)
        if self.limit_rcu:
            parts.append(self.rcu / self.limit_rcu)
        return min(1.0, max(parts)) if parts else None

    def describe(self) -> str:
        rate = self.items / max(1e-9, time.monotonic() - self.started)
        return f"{self.items:,} items, {self.rcu:,.1f} RCU, {self.requests:,} requests, {rate:,.0f} items/s"


class _Tally:
    """What the sample says, folded page by page."""

    def __init__(self, pk: str, keys: tuple[str, ...], top: int) -> None:
        self.pk = pk
        self.keys = keys
        self.top = top
        self.items_by_key: Counter[str] = Counter()
        self.bytes_by_key: Counter[str] = Counter()
        self.attributes: Counter[str] = Counter()
        self.histogram = [0] * (len(SIZE_BUCKETS) + 1)
        self.largest: list[tuple[int, str]] = []  # min-heap of (bytes, key json)
        self.items = 0
        self.bytes = 0

    def add(self, items: list[dict[str, Any]]) -> int:
        total = 0
        pk, by_items, by_bytes = self.pk, self.items_by_key, self.bytes_by_key
        histogram, attributes = self.histogram, self.attributes
        for item in items:
            size = item_size(item)
            total += size
            value = item.get(pk)
            if value is not None:
                key = value["S"] if "S" in value else key_text(value)
                by_items[key] += 1
                by_bytes[key] += size
            attributes.update(item.keys())
            histogram[bisect.bisect_left(SIZE_BUCKETS, size)] += 1
            if len(self.largest) < self.top or size > self.largest[0][0]:
                ident = json.dumps(
                    {k: key_text(item[k]) for k in self.keys if k in item}, ensure_ascii=False
                )
                entry = (size, ident)
                if len(self.largest) < self.top:
                    heapq.heappush(self.largest, entry)
                else:
                    heapq.heapreplace(self.largest, entry)
        self.items += len(items)
        self.bytes += total
        return total

    def ranked(self, counter: Counter[str], total: int) -> tuple[KeyCount, ...]:
        rows = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[: self.top]
        return tuple(
            KeyCount(
                key,
                self.items_by_key[key],
                self.bytes_by_key[key],
                (value / total) if total else 0.0,
            )
            for key, value in rows
        )


class AnalysisService:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    # --- before it runs ------------------------------------------------------------------------

    @staticmethod
    def _avg_item_bytes(table: TableInfo, index: str | None) -> float:
        count, size = table.item_count, table.size_bytes
        if index is not None:
            info = table.index(index)
            count, size = info.item_count or 0, info.size_bytes or 0
        return (size / count) if count and size else DEFAULT_ITEM_BYTES

    def estimate(
        self, table: TableInfo, budget: AnalysisBudget, index: str | None = None
    ) -> AnalysisEstimate:
        """What the analysis reads and costs at most, from DescribeTable's (estimated) size."""
        if budget.max_items is None and budget.max_rcu is None:
            raise UserInputError("An analysis needs a budget", "give --sample-items or --max-rcu")
        if budget.max_items is not None and budget.max_items < 1:
            raise UserInputError("Invalid --sample-items", "give at least 1 item")
        if budget.max_rcu is not None and budget.max_rcu < 0.5:
            raise UserInputError("Invalid --max-rcu", "give at least 0.5 read capacity units")
        if not 1 <= budget.segments <= 64:
            raise UserInputError("Invalid segment count", "give 1 .. 64 segments")
        if index is not None:
            try:
                table.index(index)
            except KeyError:
                raise UserInputError(f"{table.name} has no index {index!r}") from None
        avg = self._avg_item_bytes(table, index)
        total = table.item_count if index is None else (table.index(index).item_count or 0)
        items = budget.max_items if budget.max_items is not None else math.inf
        if budget.max_rcu is not None:
            items = min(items, budget.max_rcu * 2 * RCU_BYTES / avg)
        covers = items >= total if total else False
        items_read = int(min(items, total)) if total else int(min(items, 10**12))
        rcu = 0.5 * math.ceil(items_read * avg / RCU_BYTES)
        if budget.max_rcu is not None:
            rcu = min(rcu, budget.max_rcu)
        return AnalysisEstimate(
            table=table.name,
            index=index,
            table_items=total,
            table_bytes=table.size_bytes,
            items=items_read,
            rcu=rcu,
            segments=budget.segments,
            covers_table=covers,
        )

    # --- the scan ------------------------------------------------------------------------------

    async def analyze(
        self,
        table: TableInfo,
        budget: AnalysisBudget,
        *,
        index: str | None = None,
        progress: Callable[[AnalysisProgress], object] | None = None,
        stop: asyncio.Event | None = None,
        max_attempts: int = 10,
    ) -> KeyAnalysis:
        """Scan within `budget` and report. Setting `stop` ends it after the requests in flight,
        with the report of what was read (`cancelled`)."""
        estimate = self.estimate(table, budget, index)
        keys = table.index(index).keys if index else table.keys
        pk = keys[0].name
        key_names = tuple(dict.fromkeys([k.name for k in keys] + [k.name for k in table.keys]))
        tally = _Tally(pk, key_names, budget.top)
        state = AnalysisProgress(limit_items=budget.max_items, limit_rcu=budget.max_rcu)
        reserved_items = 0
        reserved_rcu = 0.0
        table_avg = self._avg_item_bytes(table, index)
        per_item = 0.5 * table_avg / RCU_BYTES
        per_item_seen = 0.0

        def page_items() -> int:
            """Items per request: about PAGE_TARGET_BYTES at the average size seen so far (a
            Limit past what fits in DynamoDB's 1 MB page only makes the server read more)."""
            if budget.page_items:
                return budget.page_items
            avg = tally.bytes / tally.items if tally.items else table_avg
            return max(MIN_REQUEST_ITEMS, min(MAX_REQUEST_ITEMS, int(PAGE_TARGET_BYTES / avg)))

        finished = [False] * budget.segments
        lock = asyncio.Condition()

        async def reserve() -> tuple[int, float]:
            """Items and capacity the next request may use (0 when the budget is spent). While
            other requests hold what is left, wait: they may read less than they reserved."""
            nonlocal reserved_items, reserved_rcu
            async with lock:
                while True:
                    limit, rcu = room()
                    if limit or (reserved_items == 0 and reserved_rcu <= 0):
                        break
                    await lock.wait()
                if limit:
                    reserved_items += limit
                    reserved_rcu += rcu
                return limit, rcu

        def room() -> tuple[int, float]:
            limit = page_items()
            if budget.max_items is not None:
                limit = min(limit, budget.max_items - state.items - reserved_items)
            cost_each = max(per_item, per_item_seen)
            rcu = 0.0
            if budget.max_rcu is not None:
                # Pages cost whole half units: 0.5 x ceil(bytes / 4 KB).
                halves = math.floor((budget.max_rcu - state.rcu - reserved_rcu) * 2 + 1e-9)
                limit = min(limit, int(halves / (2 * cost_each)) if halves > 0 else 0)
                rcu = 0.5 * math.ceil(limit * cost_each * 2 - 1e-9)
            return max(0, limit), rcu

        async def segment(n: int) -> None:
            nonlocal reserved_items, reserved_rcu, per_item_seen
            start: dict[str, Any] | None = None
            while not (stop is not None and stop.is_set()):
                limit, rcu = await reserve()
                if not limit:
                    return
                params: dict[str, Any] = {
                    "TableName": table.name,
                    "Limit": limit,
                    "ReturnConsumedCapacity": "TOTAL",
                }
                if index is not None:
                    params["IndexName"] = index
                if budget.segments > 1:
                    params.update(Segment=n, TotalSegments=budget.segments)
                if start:
                    params["ExclusiveStartKey"] = start
                retrier = Retrier(
                    max_attempts, on_retry=lambda: setattr(state, "retries", state.retries + 1)
                )
                try:
                    resp = await retrier.call(
                        lambda p=params: self._session.call("dynamodb", "scan", retry=False, **p)  # type: ignore[misc]
                    )
                except BaseException:
                    async with lock:
                        reserved_items -= limit
                        reserved_rcu -= rcu
                        lock.notify_all()
                    raise
                items = resp.get("Items") or []
                size = tally.add(items)
                reported = float((resp.get("ConsumedCapacity") or {}).get("CapacityUnits") or 0)
                cost = page_rcu(size)
                async with lock:
                    state.server_rcu += reported
                    reserved_items -= limit
                    reserved_rcu -= rcu
                    state.items += len(items)
                    state.rcu += cost
                    state.requests += 1
                    if items:
                        per_item_seen = max(per_item_seen, cost / len(items))
                    lock.notify_all()
                if progress is not None:
                    progress(state)
                start = resp.get("LastEvaluatedKey")
                if not start:
                    finished[n] = True
                    return

        await asyncio.gather(*(segment(n) for n in range(budget.segments)))
        return self._report(table, index, tally, state, estimate, all(finished), stop)

    def _report(
        self,
        table: TableInfo,
        index: str | None,
        tally: _Tally,
        state: AnalysisProgress,
        estimate: AnalysisEstimate,
        complete: bool,
        stop: asyncio.Event | None,
    ) -> KeyAnalysis:
        histogram = tuple(
            (SIZE_BUCKETS[i] if i < len(SIZE_BUCKETS) else 0, n)
            for i, n in enumerate(tally.histogram)
        )
        has_lsi = bool(table.lsis) and index is None
        shares = sorted(
            ((name, n / tally.items) for name, n in tally.attributes.items()),
            key=lambda kv: (-kv[1], kv[0]),
        )
        return KeyAnalysis(
            table=table.name,
            index=index,
            partition_key=tally.pk,
            items=tally.items,
            bytes=tally.bytes,
            rcu=state.rcu,
            server_rcu=state.server_rcu,
            requests=state.requests,
            complete=complete,
            cancelled=bool(stop is not None and stop.is_set() and not complete),
            elapsed=time.monotonic() - state.started,
            cardinality=len(tally.items_by_key),
            top_by_items=tally.ranked(tally.items_by_key, tally.items),
            top_by_bytes=tally.ranked(tally.bytes_by_key, tally.bytes),
            collections=tally.ranked(tally.bytes_by_key, tally.bytes) if has_lsi else (),
            has_lsi=has_lsi,
            size_histogram=histogram,
            largest=tuple(LargeItem(k, b) for b, k in sorted(tally.largest, reverse=True)),
            attribute_share=tuple(shares),
            table_items=estimate.table_items,
        )
