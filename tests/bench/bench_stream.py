"""Stream tail throughput and memory: records per second through a bare boto3 GetRecords loop,
ddbconsole's tail (service + JSON lines, and the `ddbconsole tail` command), and the Stream tab
(the real app, headless), and resident memory as 100,000 records go by.

    python tests/bench/bench_stream.py [--records 100000] [--endpoint-url URL]

moto in a child process by default (dynalite has no DynamoDB Streams). Every record is an INSERT of
an item with a 38-digit number, a string set, binary and a nested map.

moto answers GetRecords at a few hundred records a second (it serialises every record through its
service model), so it, not the client, sets the pace. `--replay` measures the clients instead: the
GetRecords pages moto sent are captured once, then served again from memory (a before-send hook, as
the tests inject faults) to every reader alike, cycling until `--records` went by; `--rate R`
makes them available at R a second to the Stream tab (a table written at that rate), and
`--latency MS` answers each replayed GetRecords MS later (a network round trip: the blocking bare
loop waits it out, the asynchronous tail's event loop is free meanwhile).

The reference is a bare loop that keeps DynamoDB Streams' limit of 5 GetRecords calls per second
per shard, as the tail does; the unpaced loop (over the limit: DynamoDB would throttle it) is
printed too. Stream tab: `BENCH_GC_FREEZE=1` adds a gc.freeze() once the app is up,
`BENCH_GC_THRESHOLD=a,b,c` other thresholds (the app sets its own: ddbconsole/ui/memory.py), and
`BENCH_GC_CENSUS=1` prints the tracked objects by type at the end (see RESULTS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[2]))

from _endpoint import add_arguments as add_endpoint_arguments  # type: ignore[import-not-found]
from _endpoint import endpoint as bench_endpoint
from bench_browse import rss_mib  # type: ignore[import-not-found]

from ddbconsole.config import Profile, Settings
from ddbconsole.services import Services
from ddbconsole.services.stream_records import RecordRing, json_line

ROOT = Path(__file__).parents[2]

BIG = "12345678901234567890123456789012345678"


def load(endpoint: str, table: str, count: int) -> None:
    import boto3
    from botocore.config import Config

    config = Config(read_timeout=300, retries={"mode": "standard", "max_attempts": 10})
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1", config=config)
    ddb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    batch: list[dict[str, Any]] = []
    for i in range(count):
        item = {
            "id": {"S": f"item-{i:07d}"},
            "n": {"N": BIG},
            "tags": {"SS": ["a", "b"]},
            "blob": {"B": b"\x00\xff" * 8},
            "m": {"M": {"city": {"S": "Oslo"}, "l": {"L": [{"N": str(i)}, {"BOOL": True}]}}},
        }
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25 or i == count - 1:
            ddb.batch_write_item(RequestItems={table: batch})
            batch = []
        if i and i % 20_000 == 0:
            print(f"  loaded {i} items", flush=True)


class Replay:
    """GetRecords records captured from the server, served again from memory until `total`
    records went by (then empty pages: the current end of an open shard). With `rate`, records
    become available at that many a second, as a table written at that rate would make them."""

    def __init__(
        self,
        records: list[bytes],
        total: int,
        *,
        armed: bool = True,
        rate: float = 0.0,
        latency: float = 0.0,
    ) -> None:
        self.records = records  # each record's JSON
        self.total = total
        self.latency = latency  # a network round trip: the answer comes this many seconds later
        self.armed = armed  # until armed, every read is empty (the Stream tab's LATEST start)
        self.rate = rate
        self.since = time.perf_counter()

    def arm(self) -> None:
        self.armed = True
        self.since = time.perf_counter()

    def __call__(self, request: Any, **_: Any) -> Any:
        import json

        body = json.loads(request.body)
        iterator, limit = body["ShardIterator"], int(body.get("Limit") or 1000)
        position = int(iterator.rsplit("|", 1)[1]) if "|replay|" in iterator else 0
        available = (
            self.total if not self.rate else int((time.perf_counter() - self.since) * self.rate)
        )
        end = min(position + limit, self.total, available) if self.armed else position
        end = max(end, position)
        n = len(self.records)
        chunk = b",".join(self.records[i % n] for i in range(position, end))
        payload = b'{"Records": [%s], "NextShardIterator": "x|replay|%d"}' % (chunk, end)
        return self.response(request, payload)

    def response(self, request: Any, payload: bytes) -> Any:
        from botocore.awsrequest import AWSResponse

        class Raw:
            def __init__(self, data: bytes) -> None:
                self.data = data

            def stream(self, **_: Any) -> Any:
                yield self.data

        if self.latency:
            time.sleep(self.latency)  # a blocking client waits for the network
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 200, headers, Raw(payload))


class AioReplay(Replay):
    def response(self, request: Any, payload: bytes) -> Any:
        from aiobotocore.awsrequest import AioAWSResponse

        latency = self.latency

        class Raw:
            def __init__(self, data: bytes) -> None:
                self.data = data

            async def read(self) -> bytes:
                if latency:
                    await asyncio.sleep(latency)  # the event loop is free meanwhile
                return self.data

        headers = {"Content-Type": "application/x-amz-json-1.0"}
        return AioAWSResponse(request.url, 200, headers, Raw(payload))


def capture(endpoint: str, table: str) -> list[bytes]:
    """Every record of the stream as the server sent it, as raw JSON (one per record)."""
    import json

    records: list[bytes] = []

    def keep(http_response: Any = None, **_: Any) -> None:
        records.extend(json.dumps(r).encode() for r in json.loads(http_response.content)["Records"])

    bare_loop(endpoint, table, hooks=[("after-call.dynamodbstreams.GetRecords", keep)])
    return records


def bare_loop(
    endpoint: str,
    table: str,
    hooks: list[tuple[str, Any]] = (),  # type: ignore[assignment]
    *,
    lines: bool = False,
    paced: bool = False,
) -> tuple[int, float]:
    """The reference: boto3, TRIM_HORIZON, GetRecords (Limit 1000) until an empty read; with
    `lines`, each record also as `json.dumps(record, default=str)` (a lossy bare tail); with
    `paced`, calls start at least 0.2 s apart (DynamoDB Streams' 5 calls per second per shard,
    which the tail keeps: the honest reference)."""
    import json

    import boto3

    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    streams = boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name="us-east-1")
    for event, handler in hooks:
        streams.meta.events.register(event, handler)
    start = time.perf_counter()
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    count = 0
    last = -1.0
    while iterator:
        if paced and (wait := last + 0.2 - time.perf_counter()) > 0:
            time.sleep(wait)
        last = time.perf_counter()
        resp = streams.get_records(ShardIterator=iterator, Limit=1000)
        if not resp["Records"]:
            break
        count += len(resp["Records"])
        if lines:
            for record in resp["Records"]:
                json.dumps(record, default=str)
        iterator = resp.get("NextShardIterator")
    return count, time.perf_counter() - start


def _hooks(replay: Replay | None) -> list[tuple[str, Any]]:
    return [("before-send.dynamodbstreams.GetRecords", replay)] if replay else []


async def service_tail(
    endpoint: str, table: str, total: int, replay: Replay | None, *, lines: bool = True
) -> tuple[int, float, list[str]]:
    """ddbconsole's tail in-process, each record turned into its JSON line (what `tail` prints),
    kept in a 10,000-record ring (what the Stream tab keeps); RSS at checkpoints."""
    profile = Profile(name="bench", region="us-east-1", endpoint_url=endpoint)
    services = Services(Settings(profile=profile), oplog_file=False, hooks=_hooks(replay))
    ring = RecordRing(10_000)
    marks = [m for m in (10_000, 50_000, 100_000, total) if m <= total]
    rss: list[str] = []
    start = time.perf_counter()
    stream = await services.streams.find(table)
    assert stream is not None
    count = size = 0
    async for batch in services.streams.tail(stream, from_start=True, follow=False).batches():
        if lines:
            for record in batch.records:
                size += len(json_line(record))
        ring.extend(batch.records)
        before, count = count, count + len(batch.records)
        rss.extend(f"{m:,}: {rss_mib():.1f}" for m in marks if before < m <= count)
    elapsed = time.perf_counter() - start
    await services.close()
    return count, elapsed, rss


def cli_tail(endpoint: str, table: str) -> tuple[int, float]:
    argv = [sys.executable, "-m", "ddbconsole", "--endpoint-url", endpoint, "--region",
            "us-east-1", "tail", table, "--from-start"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, env=env, check=True)
    elapsed = time.perf_counter() - start
    return proc.stdout.count(b"\n"), elapsed


async def tui_tail(
    endpoint: str, table: str, total: int, replay: Replay | None, rate: float = 0.0
) -> dict[str, Any]:
    """The Stream tab of the real app (headless, 120x36): read the whole stream (`a`) and time it
    until every record is in the ring and drawn; how long each redraw held the event loop."""
    from textual.widgets import DataTable

    from ddbconsole.ui.app import make_app
    from tests.helpers import show_table, wait_for

    profile = Profile(name="bench", region="us-east-1", endpoint_url=endpoint)
    settings = Settings(profiles={"bench": profile}, profile=profile)
    app = make_app(settings, lambda s: Services(s, oplog_file=False, hooks=_hooks(replay)))
    if replay is not None:
        replay.armed = False
        replay.rate = rate
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await show_table(app, pilot, table, "5")
        await wait_for(pilot, lambda: screen.pane("stream") is not None)
        pane = screen.pane("stream")
        await wait_for(pilot, lambda: pane.searched)
        lags: list[float] = []

        async def sample_lag() -> None:
            """How late the event loop runs a 10 ms timer: what a key press waits."""
            while True:
                t = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append(time.perf_counter() - t - 0.01)

        import gc

        gc_pauses: list[float] = []
        gc_started: list[float] = [0.0]
        young: dict[int, list[float]] = {0: [], 1: []}

        def gc_timer(phase: str, info: dict[str, Any]) -> None:
            if phase == "start":
                gc_started[0] = time.perf_counter()
                return
            took = time.perf_counter() - gc_started[0]
            (gc_pauses if info.get("generation") == 2 else young[info["generation"]]).append(took)

        gc.callbacks.append(gc_timer)
        sampler = asyncio.create_task(sample_lag())
        await asyncio.sleep(1.0)
        idle = sorted(lags)
        lags.clear()
        if os.environ.get("BENCH_GC_FREEZE"):
            gc.freeze()
        if os.environ.get("BENCH_GC_THRESHOLD"):  # e.g. 700,10,10 (Python's default)
            gc.set_threshold(*(int(n) for n in os.environ["BENCH_GC_THRESHOLD"].split(",")))
        if replay is not None:
            replay.arm()
        start = time.perf_counter()
        await pilot.press("a")
        grid = pane.query_one("#records", DataTable)
        await wait_for(pilot, lambda: pane.ring.total >= total and grid.row_count > 0, timeout=900)
        elapsed = time.perf_counter() - start
        sampler.cancel()
        gc.callbacks.remove(gc_timer)
        if os.environ.get("BENCH_GC_CENSUS"):
            census(gc)
        t = time.perf_counter()
        gc.collect()
        full_ms = (time.perf_counter() - t) * 1000  # what one full collection costs now
        busy = sorted(lags)
        durations = list(pane.flush_seconds)
        return {
            "records": pane.ring.total,
            "seconds": elapsed,
            "kept": len(pane.ring),
            "rows": grid.row_count,
            "flush_ms_median": statistics.median(durations) * 1000 if durations else 0.0,
            "flush_ms_max": max(durations) * 1000 if durations else 0.0,
            "redraws": pane.flushes,
            "lag_p50": busy[len(busy) // 2] * 1000 if busy else 0.0,
            "lag_p99": busy[int(len(busy) * 0.99)] * 1000 if busy else 0.0,
            "lag_max": busy[-1] * 1000 if busy else 0.0,
            "idle_lag_p99": idle[int(len(idle) * 0.99)] * 1000 if idle else 0.0,
            "skipped": pane.skipped,
            "gc_full": len(gc_pauses),
            "gc_max_ms": max(gc_pauses, default=0.0) * 1000,
            "gc_full_now_ms": full_ms,
            "gc_young": "; ".join(
                f"gen{g}: {len(t)} collections, {sum(t) * 1000:.0f} ms in all, longest "
                f"{max(t, default=0) * 1000:.0f} ms"
                for g, t in young.items()
            ),
            "rss": rss_mib(),
        }


def census(gc: Any) -> None:
    """What a full collection scans: tracked objects by type, and by the module of their type."""
    from collections import Counter

    objects = gc.get_objects()
    print(f"tracked objects: {len(objects):,} (frozen, not scanned: {gc.get_freeze_count():,})")
    by_type = Counter(type(o).__qualname__ for o in objects)
    by_module = Counter(str(type(o).__dict__.get("__module__", "?")).split(".")[0] for o in objects)
    print("  by type:", ", ".join(f"{n} {c:,}" for n, c in by_type.most_common(15)))
    print("  by module:", ", ".join(f"{n} {c:,}" for n, c in by_module.most_common(8)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-tui", action="store_true")
    parser.add_argument("--only-tui", action="store_true")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="with --replay: the Stream tab's records/s (0: all at once)",
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs of each reader; best is shown")
    parser.add_argument(
        "--replay", type=int, metavar="RECORDS", help="load RECORDS, then replay them (see above)"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="with --replay: each GetRecords answer comes MS later (a network round trip)",
    )
    add_endpoint_arguments(parser)
    args = parser.parse_args()
    with bench_endpoint(args) as server:
        table = f"stream-{uuid.uuid4().hex[:6]}"
        t0 = time.perf_counter()
        loaded = args.replay or args.records
        load(server.url, table, loaded)
        print(f"loaded {loaded:,} items (INSERT records) in {time.perf_counter() - t0:.1f} s")
        replay = aio_replay = None
        if args.replay:
            captured = capture(server.url, table)
            latency = args.latency / 1000
            replay = Replay(captured, args.records, latency=latency)
            aio_replay = AioReplay(captured, args.records, latency=latency)
            print(f"replaying {len(captured):,} captured records until {args.records:,} went by")

        def best(run: Any) -> tuple[int, float, Any]:
            """The fastest of `--repeat` runs (the machine is shared: the best is the least
            disturbed)."""
            runs = [run() for _ in range(args.repeat)]
            return min(runs, key=lambda r: r[1])

        count, secs, _ = best(lambda: (*bare_loop(server.url, table, _hooks(replay)), None))
        unpaced = count / secs
        print(
            f"bare boto3 GetRecords loop, unpaced (over DynamoDB's limit): {count:,} records in "
            f"{secs:.2f} s = {unpaced:,.0f} rec/s"
        )
        count, secs, _ = best(
            lambda: (*bare_loop(server.url, table, _hooks(replay), paced=True), None)
        )
        bare = count / secs
        print(
            f"bare loop, 5 calls/s (the reference): {count:,} records in {secs:.2f} s = "
            f"{bare:,.0f} rec/s"
        )
        if not args.only_tui:
            count, secs, _ = best(
                lambda: (
                    *bare_loop(server.url, table, _hooks(replay), lines=True, paced=True),
                    None,
                )
            )
            bare_lines = count / secs
            print(
                f"bare loop, 5 calls/s, + json.dumps per record: {count:,} in {secs:.2f} s = "
                f"{bare_lines:,.0f} rec/s"
            )
            count, secs, rss = best(
                lambda: asyncio.run(
                    service_tail(server.url, table, args.records, aio_replay, lines=False)
                )
            )
            print(
                f"ddbconsole tail (service: records decoded, no output): {count:,} in {secs:.2f} s = "
                f"{count / secs:,.0f} rec/s ({count / secs / bare:.2f}x paced bare, "
                f"{count / secs / unpaced:.2f}x unpaced); RSS MiB at {'; '.join(rss)}"
            )
            count, secs, rss = best(
                lambda: asyncio.run(service_tail(server.url, table, args.records, aio_replay))
            )
            print(
                f"ddbconsole tail (service + lossless JSON lines): {count:,} in {secs:.2f} s = "
                f"{count / secs:,.0f} rec/s ({count / secs / bare_lines:.2f}x paced bare + json.dumps)"
            )
            if not args.replay:  # (the command runs in its own process: no hook to replay with)
                lines, secs = cli_tail(server.url, table)
                print(
                    f"ddbconsole tail --from-start > file (process, start-up included): {lines:,} lines "
                    f"in {secs:.2f} s = {lines / secs:,.0f} rec/s ({lines / secs / bare:.2f}x bare)"
                )
        if not args.skip_tui:
            tui = asyncio.run(tui_tail(server.url, table, args.records, aio_replay, args.rate))
            print(
                f"Stream tab (headless app{f', written at {args.rate:,.0f}/s' if args.rate else ''}): {tui['records']:,} records in {tui['seconds']:.2f} s = "
                f"{tui['records'] / tui['seconds']:,.0f} rec/s ({tui['records'] / tui['seconds'] / bare:.2f}x bare); "
                f"kept {tui['kept']:,}, {tui['rows']} rows; {tui['redraws']} redraws, "
                f"median {tui['flush_ms_median']:.1f} ms, max {tui['flush_ms_max']:.1f} ms; "
                f"event-loop lag p50 {tui['lag_p50']:.0f} / p99 {tui['lag_p99']:.0f} / max "
                f"{tui['lag_max']:.0f} ms (idle p99 {tui['idle_lag_p99']:.0f} ms); "
                f"{tui['skipped']:,} rows not drawn in bursts; {tui['gc_full']} full GCs "
                f"(longest {tui['gc_max_ms']:.0f} ms); RSS {tui['rss']:.1f} MiB"
            )
            print(
                f"young collections: {tui['gc_young']}; one full collection at the end: "
                f"{tui['gc_full_now_ms']:.0f} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
