"""Startup: launch to a painted table list, against `aws dynamodb list-tables` on the same endpoint.

    python tests/bench/bench_startup.py [--endpoint-url URL] [--runs 7]

Without --endpoint-url it starts moto in a child process (the demo's seed data). The AWS CLI must be
on PATH (`pip install awscli`). Prints the median of each and the ratio (ddbconsole / aws; <= 1.0
means ddbconsole paints its list no slower than the AWS CLI prints it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _pty import time_until_painted

from ddbconsole.demo.server import DEMO_CREDENTIALS, MotoProcess


def time_aws_cli(endpoint: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["aws", "dynamodb", "list-tables", "--endpoint-url", endpoint, "--output", "json"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--table", default="Orders", help="a table name to wait for on screen")
    args = parser.parse_args()
    if not shutil.which("aws"):
        print("the AWS CLI is not on PATH: pip install awscli", file=sys.stderr)
        return 2
    server = None
    endpoint = args.endpoint_url
    if not endpoint:
        server = MotoProcess(seed=True).start()
        endpoint = server.url
    env = {
        **os.environ,
        **DEMO_CREDENTIALS,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    try:
        # Warm the OS caches once for both.
        time_aws_cli(endpoint, env)
        argv = ["ddbconsole", "--endpoint-url", endpoint, "--region", "us-east-1"]
        time_until_painted(argv, args.table.encode(), env)
        aws, ours = [], []
        for _ in range(args.runs):
            aws.append(time_aws_cli(endpoint, env))
            ours.append(time_until_painted(argv, args.table.encode(), env))
    finally:
        if server:
            server.stop()
    a, o = statistics.median(aws), statistics.median(ours)
    print(f"endpoint: {endpoint}  runs: {args.runs}")
    print(
        f"aws dynamodb list-tables          median {a * 1000:7.0f} ms  (min {min(aws) * 1000:.0f})"
    )
    print(
        f"ddbconsole launch -> painted list median {o * 1000:7.0f} ms  (min {min(ours) * 1000:.0f})"
    )
    print(f"ratio ddbconsole / aws: {o / a:.2f}  ({'OK' if o <= a else 'SLOWER'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
