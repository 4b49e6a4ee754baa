"""Import speed: ddbconsole's import vs a plain boto3 `table.batch_writer()` loop.

    python tests/bench/bench_import.py [--items 100000] [--concurrency 8] [--server moto|dynalite]
                                        [--endpoint-url URL]

Writes N items (same shape as bench_browse) to a JSON lines file, then imports it into two fresh
tables on moto in a child process (or dynalite, or the given endpoint: see _endpoint.py): once
with boto3's batch_writer (reading the same file, codec.to_python per line) and once with the
transfer service (validation pass, concurrent BatchWriteItem). Both are counted afterwards with a Select=COUNT scan (exact counts).
Target: ddbconsole >= 1.5x faster.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2]))

from _endpoint import add_arguments as add_endpoint_arguments  # type: ignore[import-not-found]
from _endpoint import endpoint as bench_endpoint
from _endpoint import server_share

from ddbconsole import codec
from ddbconsole.config import Profile, Settings
from ddbconsole.services import Services


def create(endpoint: str, name: str) -> None:
    import boto3

    boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1").create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


def write_file(path: Path, count: int) -> None:
    body = "x" * 200
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            item = {
                "id": {"S": f"item-{i:07d}"},
                "n": {"N": str(i)},
                "body": {"S": body},
                "tags": {"SS": ["a", "b"]},
            }
            handle.write(codec.dumps(item, indent=None) + "\n")


def batch_writer(endpoint: str, table: str, path: Path) -> None:
    import boto3

    ddb = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    with ddb.Table(table).batch_writer() as writer, open(path, encoding="utf-8") as handle:
        for line in handle:
            writer.put_item(Item=codec.to_python(codec.loads(line)))


async def ours(endpoint: str, table: str, path: Path, concurrency: int) -> int:
    profile = Profile(name="bench", region="us-east-1", endpoint_url=endpoint)
    services = Services(Settings(profile=profile), oplog_file=False)
    try:
        info = await services.tables.describe(table)
        result = await services.transfer.import_file(info, path, concurrency=concurrency)
        return result.written
    finally:
        await services.close()


async def count(endpoint: str, table: str) -> int:
    profile = Profile(name="bench", region="us-east-1", endpoint_url=endpoint)
    services = Services(Settings(profile=profile), oplog_file=False)
    try:
        return await services.transfer.count(table)
    finally:
        await services.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=8)
    add_endpoint_arguments(parser)
    args = parser.parse_args()
    with bench_endpoint(args) as server, tempfile.TemporaryDirectory() as tmp:
        endpoint = server.url
        path = Path(tmp) / "items.jsonl"
        write_file(path, args.items)
        times: dict[str, float] = {}
        for name in ("boto3 batch_writer", "ddbconsole import"):
            table = f"import-{uuid.uuid4().hex[:6]}"
            create(endpoint, table)
            cpu = server.server_cpu()
            start = time.perf_counter()
            if name == "ddbconsole import":
                asyncio.run(ours(endpoint, table, path, args.concurrency))
            else:
                batch_writer(endpoint, table, path)
            times[name] = elapsed = time.perf_counter() - start
            share = server_share(server, cpu, elapsed)
            counted = asyncio.run(count(endpoint, table))
            status = "exact" if counted == args.items else f"WRONG ({counted})"
            print(
                f"{name:20s} {elapsed:8.2f} s  {args.items / elapsed:9,.0f} items/s  count {status}"
                + share
            )
    ratio = times["boto3 batch_writer"] / times["ddbconsole import"]
    print(f"speed-up vs batch_writer: {ratio:.2f}x (target >= 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
