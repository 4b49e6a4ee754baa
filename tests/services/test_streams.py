"""The stream service against moto's DynamoDB Streams: finding and describing a stream, the tail
(from now, from the start, since a time, to the end or following), decoded images, and the polling
limits. moto has one shard per stream and no expiry or trimming: those are recorded responses
played back through a before-send hook (see tests/streams_helpers.py)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from datetime import timedelta
from typing import Any

import pytest

from ddbconsole.config import Profile, Settings
from ddbconsole.errors import ReadOnlyViolation
from ddbconsole.models.streams import ShardInfo
from ddbconsole.services import Services
from ddbconsole.services.stream_records import changes_of
from ddbconsole.services.streams import MIN_INTERVAL, StreamService, lineage_order
from tests.conftest import FAST_RETRIES
from tests.streams_helpers import client, error, response, stream_table

BIG = "12345678901234567890123456789012345678"  # 38 significant digits


def _services(url: str, hooks: list[tuple[str, Any]] | None = None, **kw: Any) -> Services:
    profile = Profile(name="test", region="us-east-1", endpoint_url=url)
    settings = Settings(profiles={"test": profile}, profile=profile, **kw)
    return Services(settings, retries=FAST_RETRIES, hooks=hooks or [], oplog_file=False)


async def _all(tail: Any) -> list[Any]:
    out = []
    async for batch in tail.batches():
        out.extend(batch.records)
    return out


async def test_no_stream_is_none(services: Services, moto_url: str) -> None:
    table = stream_table(moto_url, None)
    assert await services.streams.find(table) is None


async def test_describe_the_demo_orders_stream(services: Services) -> None:
    info = await services.streams.find("Orders")
    assert info is not None
    assert info.view_type == "NEW_AND_OLD_IMAGES" and info.status == "ENABLED"
    assert info.key_names == ("PK", "SK")
    assert len(info.shards) == 1 and not info.shards[0].closed
    assert info.lacks() == ""


async def test_from_start_to_the_end_decodes_every_type(services: Services, moto_url: str) -> None:
    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    item = {
        "pk": {"S": "a"},
        "n": {"N": "1"},
        "ss": {"SS": ["x", "y"]},
        "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": [b"\x00", b"\xff\x01"]},
        "b": {"B": b"\x00\xff"},
        "m": {"M": {"deep": {"M": {"l": {"L": [{"NULL": True}, {"BOOL": False}, {"S": ""}]}}}}},
    }
    ddb.put_item(TableName=table, Item=item)
    ddb.update_item(
        TableName=table, Key={"pk": {"S": "a"}},
        UpdateExpression="SET n = :n, added = :a REMOVE ss ADD ns :more",
        ExpressionAttributeValues={":n": {"N": BIG}, ":a": {"B": b"\x01"}, ":more": {"NS": ["3"]}},
    )  # fmt: skip
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    stream = await services.streams.find(table)
    assert stream is not None
    records = await _all(services.streams.tail(stream, from_start=True, follow=False))
    assert [r.event for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = records
    assert insert.new == item and insert.old is None and insert.keys == {"pk": {"S": "a"}}
    assert modify.old == item
    assert modify.new is not None and modify.new["n"] == {"N": BIG}
    changes = {c.name: c for c in changes_of(modify)}
    assert {n: c.kind for n, c in changes.items()} == {
        "n": "changed", "ss": "removed", "ns": "changed", "added": "added"
    }  # fmt: skip
    assert changes["n"].old == {"N": "1"} and changes["n"].new == {"N": BIG}
    assert changes["added"].new == {"B": b"\x01"}
    assert remove.old == modify.new and remove.new is None and not remove.expired
    assert int(insert.sequence) < int(modify.sequence) < int(remove.sequence)


async def test_latest_sees_only_later_writes_and_follow_shows_them_quickly(
    services: Services, moto_url: str
) -> None:
    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    ddb.put_item(TableName=table, Item={"pk": {"S": "before"}})
    stream = await services.streams.find(table)
    assert stream is not None
    tail = services.streams.tail(stream, follow=True)
    seen: list[tuple[str, float]] = []

    async def consume() -> None:
        async for batch in tail.batches():
            seen.extend((r.keys["pk"]["S"], time.monotonic()) for r in batch.records)
            if len(seen) >= 3:
                return

    task = asyncio.create_task(consume())
    await asyncio.sleep(1.5)  # the first empty reads back off
    written: list[float] = []
    for key in ("x1", "x2", "x3"):
        await asyncio.to_thread(ddb.put_item, TableName=table, Item={"pk": {"S": key}})
        written.append(time.monotonic())
    await asyncio.wait_for(task, 10)
    assert [k for k, _ in seen] == ["x1", "x2", "x3"]  # in order; "before" is not shown
    assert max(t - w for (_, t), w in zip(seen, written, strict=True)) < 2.0


async def test_since_skips_older_records(services: Services, moto_url: str) -> None:
    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    ddb.put_item(TableName=table, Item={"pk": {"S": "old"}})
    stream = await services.streams.find(table)
    assert stream is not None
    assert [
        r.keys
        for r in await _all(
            services.streams.tail(stream, since=timedelta(minutes=15), follow=False)
        )
    ] == [{"pk": {"S": "old"}}]
    tail = services.streams.tail(stream, since=timedelta(seconds=0.001), follow=False)
    await asyncio.sleep(0.05)
    assert await _all(tail) == []
    assert tail.counters.skipped == 1


async def test_polling_stays_within_five_reads_per_second_and_backs_off(
    moto_url: str, moto_server: Any
) -> None:
    table = stream_table(moto_url)
    calls: list[float] = []

    def count(request: Any, **_: Any) -> None:
        calls.append(time.monotonic())

    async with _services(moto_url, [("before-send.dynamodbstreams.GetRecords", count)]) as svc:
        stream = await svc.streams.find(table)
        assert stream is not None
        tail = svc.streams.tail(stream, follow=True)

        async def run() -> None:
            async for _ in tail.batches():
                pass

        task = asyncio.create_task(run())
        await asyncio.sleep(3.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert gaps and min(gaps) >= MIN_INTERVAL * 0.95  # never more than 5 a second
    assert len(calls) <= 8  # empty reads back off (0.2, 0.4, 0.8, 1.0, 1.0 ...), not 15 calls
    assert gaps[-1] > gaps[0]


async def test_expired_iterator_is_reacquired_after_the_last_record(moto_url: str) -> None:
    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    for key in ("a", "b"):
        ddb.put_item(TableName=table, Item={"pk": {"S": key}})
    reads = {"n": 0}
    iterator_requests: list[dict[str, Any]] = []

    def expire_second_read(request: Any, **_: Any) -> Any:
        reads["n"] += 1
        return error(request, "ExpiredIteratorException") if reads["n"] == 2 else None

    def record_iterators(request: Any, **_: Any) -> None:
        iterator_requests.append(json.loads(request.body))

    hooks = [
        ("before-send.dynamodbstreams.GetRecords", expire_second_read),
        ("before-send.dynamodbstreams.GetShardIterator", record_iterators),
    ]
    async with _services(moto_url, hooks) as svc:
        stream = await svc.streams.find(table)
        assert stream is not None
        tail = svc.streams.tail(stream, from_start=True, follow=False, limit=1)
        notices: list[str] = []
        keys: list[str] = []
        async for batch in tail.batches():
            notices.extend(batch.notices)
            keys.extend(r.keys["pk"]["S"] for r in batch.records)
    assert keys == ["a", "b"]  # nothing lost, nothing twice
    assert any("expired" in n for n in notices)
    assert [r["ShardIteratorType"] for r in iterator_requests] == [
        "TRIM_HORIZON", "AFTER_SEQUENCE_NUMBER"
    ]  # fmt: skip
    assert tail.counters.reacquired == 1


async def test_trimmed_data_restarts_at_trim_horizon_with_a_notice(moto_url: str) -> None:
    table = stream_table(moto_url)
    client("dynamodb", moto_url).put_item(TableName=table, Item={"pk": {"S": "a"}})
    state = {"first": True}

    def trim_once(request: Any, **_: Any) -> Any:
        if state["first"]:
            state["first"] = False
            return error(request, "TrimmedDataAccessException")
        return None

    async with _services(moto_url, [("before-send.dynamodbstreams.GetRecords", trim_once)]) as svc:
        stream = await svc.streams.find(table)
        assert stream is not None
        notices: list[str] = []
        records = []
        async for batch in svc.streams.tail(stream, from_start=True, follow=False).batches():
            notices.extend(batch.notices)
            records.extend(batch.records)
    assert [r.keys for r in records] == [{"pk": {"S": "a"}}]
    assert any("trimmed" in n for n in notices)


def test_lineage_puts_parents_before_children() -> None:
    child = ShardInfo("c", "p", "300")
    parent = ShardInfo("p", "g", "200", "299")
    grand = ShardInfo("g", None, "100", "199")
    other = ShardInfo("o", None, "150")
    assert [s.id for s in lineage_order([child, other, parent, grand])] == ["g", "o", "p", "c"]


# --- across a shard split: moto keeps one shard, so these are recorded responses ---------------------

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/Split/stream/2026-01-01T00:00:00.000"


def _record(seq: int, key: str, event: str = "INSERT", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": time.time(),
        "Keys": {"pk": {"S": key}},
        "SequenceNumber": str(seq),
        "SizeBytes": 10,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if event != "REMOVE":
        body["NewImage"] = {"pk": {"S": key}, "v": {"N": str(seq)}}
    if event != "INSERT":
        body["OldImage"] = {"pk": {"S": key}, "v": {"N": str(seq - 1)}}
    return {"eventID": str(seq), "eventName": event, "dynamodb": body, **extra}


P, L, R = (f"shardId-00000001700000000000-{n:0>8}" for n in ("parent", "left", "right"))


class RecordedSplit:
    """A stream whose shard `parent` (records 100, 101) closes and splits into `left` (200) and
    `right` (300): DescribeStream shows the children only after the parent was drained."""

    def __init__(self) -> None:
        self.split = False
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.records = {
            P: [_record(100, "k1"), _record(101, "k1", "MODIFY")],
            L: [_record(200, "k1", "MODIFY")],
            R: [_record(300, "k2")],
        }

    def __call__(self, request: Any, model: Any = None, **_: Any) -> Any:
        op = request.headers["X-Amz-Target"].decode().split(".")[-1]
        body = json.loads(request.body)
        self.sent.append((op, body))
        if op == "DescribeStream":
            shards = [
                {
                    "ShardId": P,
                    "SequenceNumberRange": {
                        "StartingSequenceNumber": "100",
                        **({"EndingSequenceNumber": "199"} if self.split else {}),
                    },
                }
            ]
            if self.split:
                shards += [
                    {
                        "ShardId": L,
                        "ParentShardId": P,
                        "SequenceNumberRange": {"StartingSequenceNumber": "200"},
                    },
                    {
                        "ShardId": R,
                        "ParentShardId": P,
                        "SequenceNumberRange": {"StartingSequenceNumber": "300"},
                    },
                ]
            return response(
                request,
                200,
                {
                    "StreamDescription": {
                        "StreamArn": ARN,
                        "StreamLabel": "x",
                        "StreamStatus": "ENABLED",
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                        "TableName": "Split",
                        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                        "Shards": shards,
                    }
                },
            )
        if op == "GetShardIterator":
            return response(request, 200, {"ShardIterator": f"{body['ShardId']}|0"})
        shard, pos = body["ShardIterator"].split("|")
        rest = self.records[shard][int(pos) :]
        if shard == P and not rest:
            self.split = True
            return response(request, 200, {"Records": []})  # closed: no NextShardIterator
        page = rest[:1]
        return response(request, 200, {
            "Records": page, "NextShardIterator": f"{shard}|{int(pos) + len(page)}"})  # fmt: skip


async def test_tail_follows_a_split_parent_first(moto_url: str) -> None:
    recorded = RecordedSplit()
    hooks = [(f"before-send.dynamodbstreams.{op}", recorded)
             for op in ("DescribeStream", "GetShardIterator", "GetRecords")]  # fmt: skip
    async with _services(moto_url, hooks) as svc:
        stream = await svc.streams.describe(ARN)
        assert [s.id for s in stream.shards] == [P]
        tail = svc.streams.tail(stream, from_start=True, follow=False)
        notices: list[str] = []
        records = []
        async for batch in tail.batches():
            records.extend(batch.records)
            notices.extend(batch.notices)
    assert [(r.shard_id, r.sequence) for r in records] == [
        (P, "100"), (P, "101"), (L, "200"), (R, "300")
    ]  # fmt: skip
    assert sum("new shard" in n for n in notices) == 2
    # The children were read from their start, once the parent was drained.
    iterators = [b for op, b in recorded.sent if op == "GetShardIterator"]
    assert [(b["ShardId"], b["ShardIteratorType"]) for b in iterators] == [
        (P, "TRIM_HORIZON"), (L, "TRIM_HORIZON"), (R, "TRIM_HORIZON")
    ]  # fmt: skip


async def test_ttl_removal_is_marked_expired(moto_url: str) -> None:
    recorded = RecordedSplit()
    ttl = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    recorded.records[P] = [
        _record(100, "k1", "REMOVE", userIdentity=ttl),
        _record(101, "k2", "REMOVE"),
    ]
    hooks = [(f"before-send.dynamodbstreams.{op}", recorded)
             for op in ("DescribeStream", "GetShardIterator", "GetRecords")]  # fmt: skip
    async with _services(moto_url, hooks) as svc:
        stream = await svc.streams.describe(ARN)
        records = await _all(svc.streams.tail(stream, from_start=True, follow=False))
    assert [(r.keys["pk"]["S"], r.expired) for r in records[:2]] == [("k1", True), ("k2", False)]


async def test_reads_work_in_read_only_mode(moto_url: str) -> None:
    table = stream_table(moto_url)
    client("dynamodb", moto_url).put_item(TableName=table, Item={"pk": {"S": "a"}})
    async with _services(moto_url, read_only=True) as svc:
        stream = await svc.streams.find(table)
        assert stream is not None
        records = await _all(svc.streams.tail(stream, from_start=True, follow=False))
        assert len(records) == 1
        # ...and the allow-list holds no stream write (there is none), nor a DynamoDB write.
        with pytest.raises(ReadOnlyViolation):
            await svc.session.call(
                "dynamodb", "delete_item", TableName=table, Key={"pk": {"S": "a"}}
            )


async def test_item_history_is_that_items_records(services: Services, moto_url: str) -> None:
    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "b"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    stream, history = await services.streams.item_history(table, {"pk": {"S": "a"}})
    assert stream is not None
    assert [(r.event, (r.new or {}).get("v")) for r in history] == [
        ("INSERT", {"N": "1"}), ("MODIFY", {"N": "2"})
    ]  # fmt: skip
    assert isinstance(services.streams, StreamService)
