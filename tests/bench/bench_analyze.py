"""Sampled key analysis speed: `ddbconsole analyze` through the service vs a bare boto3 scan loop.

    python tests/bench/bench_analyze.py [--items 100000] [--segments 4] [--server moto|dynalite]
                                         [--endpoint-url URL]

Loads a table with a known skew (partition key `pk`: one key holding 5 % of the items, one 2 %, the
rest spread over 2,000 keys; a sort key `sk`; items of about 250 bytes), then reads all of it twice:
  - a bare boto3 loop: client.scan page after page (1 MB pages), counting items per partition key;
  - ddbconsole's analysis (AnalysisService.analyze, parallel segments, every item sized and tallied)
    with a budget covering the table.
Checks that both count every item and that the analysis names the top keys exactly, prints seconds,
items/s, the server's CPU share and the ratio (goal: no slower than boto3). Then runs the analysis
with budgets (--sample-items 10% of the table, --max-rcu 100) and checks none read past its budget.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[2]))

from _endpoint import add_arguments as add_endpoint_arguments  # type: ignore[import-not-found]
from _endpoint import endpoint as bench_endpoint
from _endpoint import server_share

from ddbconsole.config import Profile, Settings
from ddbconsole.models.analysis import AnalysisBudget, KeyAnalysis
from ddbconsole.services import Services

HOT, WARM, SPREAD = "user-hot", "user-warm", 2_000


def key_for(i: int, count: int) -> str:
    if i < count * 5 // 100:
        return HOT
    if i < count * 7 // 100:
        return WARM
    return f"user-{i % SPREAD:05d}"


def load(endpoint: str, table: str, count: int) -> None:
    import boto3
    from botocore.config import Config

    config = Config(read_timeout=300, retries={"mode": "standard", "max_attempts": 10})
    ddb = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1", config=config)
    ddb.create_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    body = "x" * 200
    with ddb.Table(table).batch_writer() as writer:
        for i in range(count):
            writer.put_item(Item={"pk": key_for(i, count), "sk": i, "body": body, "tags": {"a"}})
            if i and i % 20_000 == 0:
                print(f"  loaded {i} items", flush=True)


def boto3_loop(endpoint: str, table: str) -> Counter[str]:
    import boto3

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    counts: Counter[str] = Counter()
    params: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**params)
        counts.update(item["pk"]["S"] for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            return counts
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


async def ours(endpoint: str, table: str, budget: AnalysisBudget) -> KeyAnalysis:
    profile = Profile(name="bench", region="us-east-1", endpoint_url=endpoint)
    services = Services(Settings(profile=profile), oplog_file=False)
    try:
        info = await services.tables.describe(table)
        print(f"  {services.analysis.estimate(info, budget).describe()}")
        return await services.analysis.analyze(info, budget)
    finally:
        await services.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--segments", type=int, default=4)
    add_endpoint_arguments(parser)
    args = parser.parse_args()
    failures = 0
    with bench_endpoint(args) as server:
        endpoint = server.url
        table = f"analyze-{uuid.uuid4().hex[:6]}"
        t0 = time.perf_counter()
        load(endpoint, table, args.items)
        print(f"loaded {args.items} items in {time.perf_counter() - t0:.1f} s")

        cpu, start, own = server.server_cpu(), time.perf_counter(), time.process_time()
        counts = boto3_loop(endpoint, table)
        bare = time.perf_counter() - start
        bare_cpu = time.process_time() - own
        exact = sum(counts.values()) == args.items
        print(
            f"{'boto3 scan loop':24s} {bare:8.2f} s  {args.items / bare:9,.0f} items/s  "
            f"count {'exact' if exact else 'WRONG'}; client CPU {bare_cpu:.1f} s"
            + server_share(server, cpu, bare)
        )

        budget = AnalysisBudget(max_items=args.items * 2, segments=args.segments)
        cpu, start, own = server.server_cpu(), time.perf_counter(), time.process_time()
        result = asyncio.run(ours(endpoint, table, budget))
        mine = time.perf_counter() - start
        mine_cpu = time.process_time() - own
        top = [k.key for k in result.top_by_items[:3]]
        expected = [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
        right = result.complete and result.items == args.items and top == expected
        failures += not (exact and right)
        print(
            f"{'ddbconsole analyze':24s} {mine:8.2f} s  {args.items / mine:9,.0f} items/s  "
            f"count {'exact' if result.items == args.items else 'WRONG'}, top keys "
            f"{'exact' if top == expected else 'WRONG'} ({top[0]} {result.top_by_items[0].share:.1%})"
            f"; client CPU {mine_cpu:.1f} s" + server_share(server, cpu, mine)
        )
        print(
            f"ddbconsole / boto3:      {mine / bare:.2f} (goal <= 1.00), client CPU {mine_cpu / bare_cpu:.2f}"
        )

        for label, capped in (
            (f"--sample-items {args.items // 10:,}", AnalysisBudget(max_items=args.items // 10)),
            ("--max-rcu 100", AnalysisBudget(max_rcu=100.0)),
        ):
            start = time.perf_counter()
            sample = asyncio.run(ours(endpoint, table, capped))
            within = (capped.max_items is None or sample.items <= capped.max_items) and (
                capped.max_rcu is None or sample.rcu <= capped.max_rcu
            )
            failures += not within
            print(
                f"{label:24s} {time.perf_counter() - start:8.2f} s  read {sample.items:,} items, "
                f"{sample.rcu:,.1f} RCU (server said {sample.server_rcu:,.1f}): "
                f"{'within budget' if within else 'OVER BUDGET'}; hottest {sample.hottest.key if sample.hottest else '-'}"
            )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
