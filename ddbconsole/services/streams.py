"""DynamoDB Streams: find a table's stream, follow its shards, read its records (see
docs/ARCHITECTURE.md, Streams and undo).

Reads only: ListStreams, DescribeStream, GetShardIterator and GetRecords (all on the read-only
allow-list). A tail follows the shard lineage: a child shard is read only once its parent is drained,
so the records of one key stay in order when a shard splits. Each shard is polled at most
`1 / MIN_INTERVAL` = 5 times a second (the service's limit), backing off to `MAX_INTERVAL` while
reads come back empty. An expired iterator is re-acquired after the last sequence number read;
trimmed data (older than 24 hours) restarts the shard at TRIM_HORIZON with a notice of the gap.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ddbconsole import codec
from ddbconsole.errors import AwsError
from ddbconsole.models.streams import ShardInfo, StreamInfo, StreamRecord, TailBatch
from ddbconsole.services.session import AwsSession
from ddbconsole.services.stream_records import decode

SERVICE = "dynamodbstreams"
MIN_INTERVAL = 0.2  # GetRecords: at most 5 calls per second per shard
MAX_INTERVAL = 1.0  # the back-off cap on empty reads: a change shows within about a second
REDESCRIBE = 10.0  # while following: DescribeStream this often, for shards that appear
RECORDS_PER_CALL = 1000  # GetRecords' Limit (its maximum)
ITERATOR_TYPES = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")


def lineage_order(shards: list[ShardInfo]) -> tuple[ShardInfo, ...]:
    """Parents before their children; otherwise by starting sequence number."""
    by_id = {s.id: s for s in shards}
    ordered: list[ShardInfo] = []
    seen: set[str] = set()

    def visit(shard: ShardInfo) -> None:
        if shard.id in seen:
            return
        seen.add(shard.id)
        parent = by_id.get(shard.parent_id or "")
        if parent is not None:
            visit(parent)
        ordered.append(shard)

    for shard in sorted(shards, key=lambda s: int(s.starting_sequence or 0)):
        visit(shard)
    return tuple(ordered)


def _shard(raw: Mapping[str, Any]) -> ShardInfo:
    seq = raw.get("SequenceNumberRange") or {}
    return ShardInfo(
        id=str(raw["ShardId"]),
        parent_id=raw.get("ParentShardId"),
        starting_sequence=str(seq.get("StartingSequenceNumber") or "0"),
        ending_sequence=seq.get("EndingSequenceNumber"),
    )


class StreamService:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    async def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return await self._session.call(SERVICE, operation, **params)

    async def list_streams(self, table: str | None = None) -> list[dict[str, Any]]:
        """Every stream (of `table`), as ListStreams gives them, all pages."""
        streams: list[dict[str, Any]] = []
        params: dict[str, Any] = {"TableName": table} if table else {}
        while True:
            resp = await self.call("list_streams", **params)
            streams.extend(resp.get("Streams") or [])
            last = resp.get("LastEvaluatedStreamArn")
            if not last:
                return streams
            params["ExclusiveStartStreamArn"] = last

    async def find(self, table: str) -> StreamInfo | None:
        """The table's newest stream (a disabled one stays readable for 24 hours), or None."""
        streams = await self.list_streams(table)
        if not streams:
            return None
        newest = max(streams, key=lambda s: str(s.get("StreamLabel", "")))
        return await self.describe(str(newest["StreamArn"]))

    async def describe(self, arn: str) -> StreamInfo:
        """DescribeStream, all pages of shards, in lineage order."""
        shards: list[ShardInfo] = []
        params: dict[str, Any] = {"StreamArn": arn}
        while True:
            desc = (await self.call("describe_stream", **params))["StreamDescription"]
            shards.extend(_shard(s) for s in desc.get("Shards") or [])
            last = desc.get("LastEvaluatedShardId")
            if not last:
                break
            params["ExclusiveStartShardId"] = last
        keys = sorted(desc.get("KeySchema") or [], key=lambda k: k.get("KeyType") != "HASH")
        return StreamInfo(
            table=str(desc.get("TableName", "")),
            arn=arn,
            label=str(desc.get("StreamLabel", "")),
            status=str(desc.get("StreamStatus", "")),
            view_type=str(desc.get("StreamViewType", "")),
            key_names=tuple(str(k["AttributeName"]) for k in keys),
            shards=lineage_order(shards),
        )

    async def iterator(
        self, arn: str, shard_id: str, kind: str, sequence: str | None = None
    ) -> str:
        """GetShardIterator: TRIM_HORIZON, LATEST, or AT_/AFTER_SEQUENCE_NUMBER `sequence`."""
        params: dict[str, Any] = {"StreamArn": arn, "ShardId": shard_id, "ShardIteratorType": kind}
        if sequence is not None:
            params["SequenceNumber"] = sequence
        return str((await self.call("get_shard_iterator", **params))["ShardIterator"])

    def tail(
        self,
        stream: StreamInfo,
        *,
        from_start: bool = False,
        since: timedelta | None = None,
        follow: bool = True,
        resume: Mapping[str, str] | None = None,
        limit: int = RECORDS_PER_CALL,
        gate: Callable[[], Awaitable[object]] | None = None,
    ) -> StreamTail:
        """Follow `stream`: from now (LATEST), from the start (TRIM_HORIZON, 24 hours), the last
        `since` (read from TRIM_HORIZON, older records skipped) or after `resume`'s sequence
        numbers (shard id -> the last one read). Without `follow`, it stops at the current end.
        `gate` is awaited before each round of requests: a view that is not shown holds the tail
        there (no request is sent), and it goes on from where it was when let through."""
        start_time = datetime.now(UTC) - since if since is not None else None
        return StreamTail(
            self, stream, from_start=from_start or since is not None, since=start_time,
            follow=follow, resume=dict(resume or {}), limit=limit, gate=gate,
        )  # fmt: skip

    async def item_history(
        self, table: str, key: Mapping[str, Any], *, stream: StreamInfo | None = None
    ) -> tuple[StreamInfo | None, list[StreamRecord]]:
        """Every record of the item with `key` still in the stream (up to 24 hours), oldest first."""
        stream = stream or await self.find(table)
        if stream is None:
            return None, []
        found: list[StreamRecord] = []
        async for batch in self.tail(stream, from_start=True, follow=False).batches():
            found.extend(r for r in batch.records if codec.same_item(r.keys, dict(key)))
        return stream, found


@dataclass
class _Cursor:
    shard: ShardInfo
    start: str  # the iterator type when nothing was read yet
    last: str | None = None  # the last sequence number read
    iterator: str | None = None
    done: bool = False  # closed and drained (or gone)
    at_end: bool = False  # the last read was empty: caught up with an open shard
    next_poll: float = 0.0
    delay: float = MIN_INTERVAL
    reads: int = 0


@dataclass
class TailCounters:
    requests: int = 0
    empty: int = 0
    records: int = 0
    skipped: int = 0  # older than `since`
    reacquired: int = 0
    describes: int = 0
    per_shard: dict[str, int] = field(default_factory=dict)


class StreamTail:
    """Polls a stream's shards and yields TailBatch rounds (see the module docstring)."""

    def __init__(
        self,
        service: StreamService,
        stream: StreamInfo,
        *,
        from_start: bool,
        since: datetime | None,
        follow: bool,
        resume: dict[str, str],
        limit: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        gate: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.service = service
        self.gate = gate
        self.stream = stream
        self.from_start = from_start
        self.since = since
        self.follow = follow
        self.resume = resume
        self.limit = limit
        self.clock = clock
        self.sleep = sleep
        self.cursors: dict[str, _Cursor] = {}
        self.counters = TailCounters()
        self._notices: list[str] = []
        self._next_describe = 0.0
        self._lineage_changed = False  # a shard closed: its children must be found
        self._started = False

    # --- shards ---------------------------------------------------------------------------------

    def _track(self, shards: tuple[ShardInfo, ...], initial: bool) -> None:
        for shard in shards:
            known = self.cursors.get(shard.id)
            if known is not None:
                known.shard = shard  # it may have closed meanwhile
                continue
            cursor = _Cursor(shard, "TRIM_HORIZON")
            if shard.id in self.resume:
                cursor.last = self.resume[shard.id]
            elif initial and not self.from_start:
                if shard.closed:
                    cursor.done = True  # before "now": nothing to follow there
                else:
                    cursor.start = "LATEST"
            elif not initial:
                self._notices.append(f"new shard {shard.id} (after a split), read from its start")
            self.cursors[shard.id] = cursor

    async def _describe(self, initial: bool = False) -> None:
        self.counters.describes += 1
        fresh = await self.service.describe(self.stream.arn)
        self.stream = replace(self.stream, shards=fresh.shards, status=fresh.status)
        self._track(fresh.shards, initial)
        self._next_describe = self.clock() + REDESCRIBE

    def _ready(self, cursor: _Cursor) -> bool:
        """Not drained, and its parent (if still tracked) is: a key's records stay in order."""
        if cursor.done:
            return False
        parent = self.cursors.get(cursor.shard.parent_id or "")
        return parent is None or parent.done

    def caught_up(self) -> bool:
        return all(c.done or c.at_end for c in self.cursors.values())

    # --- reading ----------------------------------------------------------------------------------

    async def _acquire(self, cursor: _Cursor) -> str:
        if cursor.last is not None:
            return await self.service.iterator(
                self.stream.arn, cursor.shard.id, "AFTER_SEQUENCE_NUMBER", cursor.last
            )
        return await self.service.iterator(self.stream.arn, cursor.shard.id, cursor.start)

    async def _read(self, cursor: _Cursor) -> list[StreamRecord]:
        shard = cursor.shard.id
        started = self.clock()  # the 5-a-second limit counts from each call's start
        try:
            if cursor.iterator is None:
                cursor.iterator = await self._acquire(cursor)
            self.counters.requests += 1
            resp = await self.service.call(
                "get_records", ShardIterator=cursor.iterator, Limit=self.limit
            )
        except AwsError as exc:
            return self._read_failed(cursor, exc)
        raw = resp.get("Records") or []
        cursor.reads += 1
        cursor.iterator = resp.get("NextShardIterator")
        now = self.clock()
        if raw:
            cursor.at_end = False
            cursor.delay = MIN_INTERVAL
        else:
            self.counters.empty += 1
            cursor.at_end = True
            cursor.delay = min(cursor.delay * 2, MAX_INTERVAL)
        cursor.next_poll = started + MIN_INTERVAL if raw else now + cursor.delay
        if cursor.iterator is None:
            cursor.done = True  # a closed shard, drained: its children come next
            self._lineage_changed = True
        records = [decode(r, shard) for r in raw]
        if records:
            cursor.last = records[-1].sequence
        self.counters.records += len(records)
        self.counters.per_shard[shard] = self.counters.per_shard.get(shard, 0) + len(records)
        if self.since is not None:
            kept = [r for r in records if r.time is None or r.time >= self.since]
            self.counters.skipped += len(records) - len(kept)
            records = kept
        return records

    def _read_failed(self, cursor: _Cursor, exc: AwsError) -> list[StreamRecord]:
        shard = cursor.shard.id
        cursor.iterator = None  # acquired afresh on the next read
        cursor.next_poll = self.clock() + MIN_INTERVAL
        if exc.code == "ExpiredIteratorException":
            self.counters.reacquired += 1
            where = f"after {cursor.last}" if cursor.last else f"at {cursor.start}"
            self._notices.append(f"shard {shard}: iterator expired, re-acquired {where}")
            return []
        if exc.code == "TrimmedDataAccessException":
            self.counters.reacquired += 1
            cursor.last = None
            cursor.start = "TRIM_HORIZON"
            self._notices.append(
                f"shard {shard}: records were trimmed (older than 24 hours) before they were "
                "read; continuing from the oldest record kept, so some changes are missing"
            )
            return []
        if exc.code == "ResourceNotFoundException":
            cursor.done = True
            self._notices.append(f"shard {shard}: no longer in the stream ({exc.advice or exc})")
            return []
        raise exc

    async def batches(self) -> AsyncIterator[TailBatch]:
        """Rounds of records until the end (without follow) or until cancelled."""
        if not self._started:
            self._started = True
            self._track(self.stream.shards, initial=True)
            if not self.stream.shards:
                await self._describe(initial=True)
            self._next_describe = self.clock() + REDESCRIBE
        while True:
            if self.gate is not None:
                await self.gate()  # held while the view is not shown: nothing is sent
            now = self.clock()
            if self._lineage_changed or (self.follow and now >= self._next_describe):
                self._lineage_changed = False
                await self._describe()
                now = self.clock()
            ready = [c for c in self.cursors.values() if self._ready(c) and c.next_poll <= now]
            if not ready:
                if not self.follow and self.caught_up():
                    yield TailBatch((), self._take_notices(), caught_up=True)
                    return
                waiting = [c.next_poll for c in self.cursors.values() if self._ready(c)]
                wake = min([*waiting, self._next_describe]) if waiting else self._next_describe
                await self.sleep(max(0.01, min(wake - now, MAX_INTERVAL)))
                continue
            results = await asyncio.gather(*(self._read(c) for c in ready))
            records = tuple(r for batch in results for r in batch)
            end = not self.follow and self.caught_up() and not self._lineage_changed
            if records or self._notices or end:
                yield TailBatch(records, self._take_notices(), caught_up=end)
            if end:
                return

    def _take_notices(self) -> tuple[str, ...]:
        notices, self._notices = tuple(self._notices), []
        return notices
