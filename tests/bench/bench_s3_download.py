"""Reading a finished DynamoDB export to S3: ddbconsole's download vs a bare gzip + json loop.

    python tests/bench/bench_s3_download.py [--items 1000000] [--files 10] [--formats ...]

Builds an export in the layout AWS documents (manifest-summary.json, manifest-files.json, gzip
DynamoDB JSON data files of `{"Item": ...}` lines; varied attribute types) in moto's S3 (a child
process), then reads it:
  - bare: boto3 get_object of each data file, gzip.decompress of the whole body, json.loads of
    every line (nothing written): the cost of reading alone;
  - bare convert: the same, plus the conversion a user would write with boto3 (TypeDeserializer,
    json.dumps(default=default), one line per item written to a file): lossy, but what a hand-written
    converter costs;
  - ddbconsole: `s3-export download` through the service (manifests first, every data file
    streamed and gunzipped in bounded steps, converted, written to a file), once per format.
Prints seconds, items/s, this process's peak RSS growth during each run (Linux), the CPU seconds
used by this process and its children (worker processes convert a large download's blocks to JSON
lines or CSV; `--workers 0` converts in this process), and the ratio to the bare read loop (goal:
no slower than 1.2x). Every run must count exactly --items items. (A worker's own peak RSS is not
in these figures: see RESULTS.md.)
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2]))

from bench_export import peak_rss, reset_peak_rss  # type: ignore[import-not-found]

from ddbconsole.config import Profile, Settings
from ddbconsole.demo.server import DEMO_CREDENTIALS, MotoProcess
from ddbconsole.services import Services


def item_line(i: int, rng: random.Random) -> str:
    item = {
        "pk": {"S": f"user-{i:08d}"},
        "n": {"N": str(rng.randint(0, 10**12))},
        "price": {"N": f"{rng.random() * 1000:.4f}"},
        "name": {"S": f"Name {i} ✓"},
        "tags": {"SS": ["a", f"t{i % 13}"]},
        "active": {"BOOL": i % 2 == 0},
        "blob": {"B": "AP9iaW5hcnkA"},
        "address": {"M": {"city": {"S": "Oslo"}, "geo": {"L": [{"N": "59.9"}, {"N": "10.7"}]}}},
    }
    return json.dumps({"Item": item}, ensure_ascii=False, separators=(",", ":"))


def build(s3: object, bucket: str, items: int, files: int) -> tuple[str, list[str]]:
    """The documented layout, uploaded; returns (manifest-summary key, data file keys)."""
    rng = random.Random(17)
    base = f"bench/AWSDynamoDB/01700000000000-{uuid.uuid4().hex[:8]}"
    per = -(-items // files)
    keys, entries = [], []
    for n in range(files):
        lines = [item_line(i, rng) for i in range(n * per, min(items, (n + 1) * per))]
        data = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6)
        key = f"{base}/data/{uuid.uuid4().hex[:26]}.json.gz"
        s3.put_object(Bucket=bucket, Key=key, Body=data)  # type: ignore[attr-defined]
        keys.append(key)
        entries.append(
            {"itemCount": len(lines), "md5Checksum": "", "etag": "", "dataFileS3Key": key}
        )
    files_key = f"{base}/manifest-files.json"
    body = "".join(json.dumps(e) + "\n" for e in entries)
    s3.put_object(Bucket=bucket, Key=files_key, Body=body.encode())  # type: ignore[attr-defined]
    summary = {"version": "2020-06-30", "manifestFilesS3Key": files_key, "itemCount": items,
               "outputFormat": "DYNAMODB_JSON", "exportType": "FULL_EXPORT"}  # fmt: skip
    key = f"{base}/manifest-summary.json"
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(summary).encode())  # type: ignore[attr-defined]
    return key, keys


def bare(s3: object, bucket: str, keys: list[str]) -> int:
    count = 0
    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[attr-defined]
        for line in gzip.decompress(body).splitlines():
            if line:
                json.loads(line)
                count += 1
    return count


def bare_convert(s3: object, bucket: str, keys: list[str], out: Path) -> int:
    """The conversion a user would write with boto3: json.loads, TypeDeserializer (binary
    base64-decoded first, as DynamoDB JSON holds it as text), json.dumps(default=default), write. Lossy
    (numbers become quoted strings, sets their Python repr), but the honest hand-written loop."""
    import base64

    from boto3.dynamodb.types import Binary, TypeDeserializer

    class Deserializer(TypeDeserializer):
        def _deserialize_b(self, value: str) -> object:
            return super()._deserialize_b(base64.b64decode(value))

        def _deserialize_bs(self, value: list[str]) -> object:
            return super()._deserialize_bs([base64.b64decode(v) for v in value])

    def default(value: object) -> object:
        if isinstance(value, Binary):
            return base64.b64encode(value.value).decode("ascii")
        if isinstance(value, set):
            return list(value)
        return str(value)  # Decimal: a quoted string

    deserialize = Deserializer().deserialize
    count = 0
    with open(out, "w", encoding="utf-8") as handle:
        for key in keys:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[attr-defined]
            for line in gzip.decompress(body).splitlines():
                if line:
                    item = json.loads(line)["Item"]
                    python = {name: deserialize(value) for name, value in item.items()}
                    handle.write(json.dumps(python, ensure_ascii=False, default=default) + "\n")
                    count += 1
    return count


def cpu_seconds() -> float:
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def measure(label: str, run: object, items: int, baseline: float | None) -> float:
    before = reset_peak_rss()
    cpu = cpu_seconds()
    started = time.perf_counter()
    count = run()  # type: ignore[operator]
    took = time.perf_counter() - started
    cpu = cpu_seconds() - cpu
    growth = f"{peak_rss() - before:,.0f} MiB" if before is not None else "?"
    assert count == items, f"{label}: {count} items, expected {items}"
    ratio = f"{took / baseline:.2f}x" if baseline else "1.00x"
    print(
        f"{label:<32} {took:8.2f} s {items / took:12,.0f} items/s  peak RSS +{growth:>8}  "
        f"CPU {cpu:6.2f} s  {ratio}"
    )
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument(
        "--formats", nargs="+", default=["dynamodb-json", "dynamodb-jsonl", "jsonl", "csv"]
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[-1, 0],
        help="worker processes for jsonl and csv, one run each (-1: as the console chooses)",
    )  # fmt: skip
    args = parser.parse_args()
    import os

    import boto3

    os.environ.update(DEMO_CREDENTIALS)
    with MotoProcess(seed=False) as server, tempfile.TemporaryDirectory() as tmp:
        s3 = boto3.client("s3", endpoint_url=server.url, region_name="us-east-1")
        bucket = "bench-exports"
        s3.create_bucket(Bucket=bucket)
        started = time.perf_counter()
        summary, keys = build(s3, bucket, args.items, args.files)
        print(f"built {args.items:,} items in {args.files} data files in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        baseline = measure(
            "bare gzip + json.loads", lambda: bare(s3, bucket, keys), args.items, None
        )
        measure(
            "bare convert (boto3, lossy)",
            lambda: bare_convert(s3, bucket, keys, Path(tmp) / "bare.jsonl"),
            args.items,
            baseline,
        )
        profile = Profile(name="bench", region="us-east-1", endpoint_url=server.url)

        runs = [
            (fmt, w)
            for fmt in args.formats
            for w in (args.workers if fmt in ("jsonl", "csv") else [-1])
        ]
        for fmt, workers in runs:
            out = Path(tmp) / f"out.{fmt}"

            def run(fmt: str = fmt, out: Path = out, workers: int = workers) -> int:
                async def go() -> int:
                    async with Services(Settings(profile=profile), oplog_file=False) as svc:
                        result = await svc.s3jobs.download(
                            summary, out, bucket=bucket, fmt=fmt,  # type: ignore[arg-type]
                            workers=None if workers < 0 else workers,
                        )  # fmt: skip
                        return result.items

                return asyncio.run(go())

            label = f"ddbconsole -> {fmt}" + (f" ({workers} workers)" if workers >= 0 else "")
            measure(label, run, args.items, baseline)
            out.unlink()


if __name__ == "__main__":
    main()
