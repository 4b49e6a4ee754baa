"""Export speed: ddbconsole's parallel-scan export vs `aws dynamodb scan` and a bare boto3 scan loop.

    python tests/bench/bench_export.py [--items 100000] [--segments N] [--server moto|dynalite]
                                        [--endpoint-url URL]

Loads a table on moto in a child process (or dynalite, or the given endpoint: see _endpoint.py),
then exports it three ways to files, all with 1 MB pages (no Limit), and checks every file holds
exactly the table's items:
  - `aws dynamodb scan --table-name T --output json > file` (the AWS CLI paginates by itself);
  - a bare boto3 loop: client.scan page after page, json.dumps of each item, one per line;
  - `ddbconsole export T -o file` through the service (parallel segments, streaming writer).
Prints seconds, items/s, the server's CPU share, this process's peak memory growth during each
in-process run (the CLI runs in its own process) and the ratios (targets: >= 3x faster than the
CLI, within 1.25x of boto3).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2]))

from _endpoint import add_arguments as add_endpoint_arguments  # type: ignore[import-not-found]
from _endpoint import endpoint as bench_endpoint
from _endpoint import server_share
from bench_browse import load  # type: ignore[import-not-found]

from ddbconsole.config import Profile, Settings
from ddbconsole.services import Services


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise OSError(field)


def reset_peak_rss() -> float | None:
    """Reset this process's peak RSS (Linux) and return the current RSS, MiB; None if unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return _status_mib("VmRSS")
    except OSError:
        return None


def peak_rss() -> float:
    return _status_mib("VmHWM")


def aws_cli(endpoint: str, table: str, out: Path) -> int:
    with open(out, "w") as handle:
        subprocess.run(
            [
                *("aws", "dynamodb", "scan", "--table-name", table, "--output", "json"),
                *("--endpoint-url", endpoint, "--region", "us-east-1"),
            ],
            stdout=handle,
            check=True,
        )
    return len(json.loads(out.read_text())["Items"])


def boto3_loop(endpoint: str, table: str, out: Path) -> int:
    import boto3

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    count = 0
    params: dict[str, object] = {"TableName": table}
    with open(out, "w") as handle:
        while True:
            page = client.scan(**params)
            for item in page["Items"]:
                handle.write(json.dumps(item) + "\n")
            count += len(page["Items"])
            if "LastEvaluatedKey" not in page:
                return count
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


async def ours(endpoint: str, table: str, out: Path, segments: int | None) -> tuple[int, int]:
    profile = Profile(name="bench", region="us-east-1", endpoint_url=endpoint)
    services = Services(Settings(profile=profile), oplog_file=False)
    try:
        info = await services.tables.describe(table)
        result = await services.transfer.export(info, out, segments=segments)
        return result.items, result.segments
    finally:
        await services.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--segments", type=int)
    add_endpoint_arguments(parser)
    args = parser.parse_args()
    with bench_endpoint(args) as server, tempfile.TemporaryDirectory() as tmp:
        endpoint = server.url
        table = f"export-{uuid.uuid4().hex[:6]}"
        t0 = time.perf_counter()
        load(endpoint, table, args.items)
        print(f"loaded {args.items} items in {time.perf_counter() - t0:.1f} s")
        times: dict[str, float] = {}
        for name, run in [
            ("aws dynamodb scan", lambda p: aws_cli(endpoint, table, p)),
            ("boto3 scan loop", lambda p: boto3_loop(endpoint, table, p)),
            (
                "ddbconsole export",
                lambda p: asyncio.run(ours(endpoint, table, p, args.segments))[0],
            ),
        ]:
            out = Path(tmp) / f"{len(times)}.out"
            cpu = server.server_cpu()
            base = reset_peak_rss()
            start = time.perf_counter()
            count = run(out)
            times[name] = elapsed = time.perf_counter() - start
            status = "exact" if count == args.items else f"WRONG ({count})"
            in_process = name != "aws dynamodb scan"  # its count is this script's json.loads
            growth = f"; peak RSS +{peak_rss() - base:.0f} MiB" if base and in_process else ""
            print(
                f"{name:20s} {elapsed:8.2f} s  {args.items / elapsed:9,.0f} items/s  count {status}"
                + server_share(server, cpu, elapsed)
                + growth
            )
    ddb = times["ddbconsole export"]
    print(f"speed-up vs aws CLI:  {times['aws dynamodb scan'] / ddb:.2f}x (target >= 3)")
    print(f"ddbconsole / boto3:   {ddb / times['boto3 scan loop']:.2f} (target <= 1.25)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
