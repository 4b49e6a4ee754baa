"""Browse memory: page through 100,000 items the way the Items tab does, and watch resident memory.

    python tests/bench/bench_browse.py [--items 100000] [--page-size 100] [--server moto|dynalite]
                                        [--endpoint-url URL]

Loads a table on moto in a child process (or the given endpoint), then pages forward with the same
Pager + ItemService the UI uses. Prints RSS after 1k, 10k and 100k items (it must stay flat: the
page cache is bounded) and the requests per page (must be 1).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2]))

from _endpoint import add_arguments as add_endpoint_arguments  # type: ignore[import-not-found]
from _endpoint import endpoint as bench_endpoint

from ddbconsole.config import Profile, Settings
from ddbconsole.models import ScanSpec
from ddbconsole.services import Services
from ddbconsole.services.paging import Pager


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(endpoint: str, table: str, count: int) -> None:
    import boto3
    from botocore.config import Config

    config = Config(read_timeout=300, retries={"mode": "standard", "max_attempts": 10})
    ddb = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1", config=config)
    ddb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    body = "x" * 200
    with ddb.Table(table).batch_writer() as writer:
        for i in range(count):
            writer.put_item(Item={"id": f"item-{i:07d}", "n": i, "body": body, "tags": {"a", "b"}})
            if i and i % 20_000 == 0:
                print(f"  loaded {i} items", flush=True)


async def browse(endpoint: str, table: str, total: int, page_size: int) -> None:
    profile = Profile(name="bench", region="us-east-1", endpoint_url=endpoint)
    services = Services(Settings(profile=profile), oplog_file=False)
    spec = ScanSpec(limit=page_size)
    pager = Pager(lambda start: services.items.scan_page(table, spec, start))
    seen, pages = 0, 0
    checkpoints = {1_000, 10_000, 100_000, total}
    start = time.perf_counter()
    page = await pager.first()
    print(
        f"{'items':>8} {'pages':>6} {'requests':>8} {'req/page':>8} {'cached pages':>12} {'RSS MiB':>8}"
    )
    while True:
        seen += len(page.items)
        pages += 1
        if any(seen >= c > seen - len(page.items) for c in checkpoints):
            print(
                f"{seen:8d} {pages:6d} {pager.requests:8d} {pager.requests / pages:8.2f} {pager.cached_pages:12d} {rss_mib():8.1f}"
            )
        nxt = await pager.next()
        if nxt is None:
            break
        page = nxt
    elapsed = time.perf_counter() - start
    await services.close()
    print(f"paged {seen} items in {pages} pages, {pager.requests} requests, {elapsed:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100)
    add_endpoint_arguments(parser)
    args = parser.parse_args()
    with bench_endpoint(args) as server:
        endpoint = server.url
        table = f"browse-{uuid.uuid4().hex[:6]}"
        t0 = time.perf_counter()
        load(endpoint, table, args.items)
        print(
            f"loaded {args.items} items in {time.perf_counter() - t0:.1f} s; RSS before browsing {rss_mib():.1f} MiB"
        )
        asyncio.run(browse(endpoint, table, args.items, args.page_size))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
