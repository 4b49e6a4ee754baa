"""Export and import against the moto server: lossless round trips, CSV, resume, failures, rate."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from ddbconsole import codec
from ddbconsole.errors import ReadOnlyViolation
from ddbconsole.models import QuerySpec
from ddbconsole.services import Services
from ddbconsole.services.transfer import Ranges, TransferProgress, checkpoint_path
from ddbconsole.services.transfer import importer as importer_module

FIDELITY = (
    '{"pk": "fidelity", "Name": "Fidelity check ✓", '
    '"BigNumber": 12345678901234567890123456789012345678, '
    '"SmallNumber": 0.12345678901234567890123456789012345678, "Negative": -1E-130, '
    '"Huge": 9.9999999999999999999999999999999999999E+125, "EmptyString": "", "Nothing": null, '
    '"EmptyBlob": {"$B": ""}, '
    '"Flags": [true, false, null], "Blob": {"$B": "AP9iaW5hcnkA"}, "Tags": {"$SS": ["a", "b", "ü"]}, '
    '"Numbers": {"$NS": [1, 1.5, 12345678901234567890123456789012345678]}, '
    '"Blobs": {"$BS": ["AQ==", "AgM="]}, "Backslash": "\\\\start", '
    '"Nested": {"L": [{"M": {"deep": [1, "two", {"three": null}]}}], "EmptyMap": {}, '
    '"EmptyList": [], "tagged": {"$M": {"$B": "x"}}}, "Unicode": "日本語 – emoji 🚀"}'
)


def make_table(url: str, pk_type: str = "S") -> str:
    name = f"xfer-{uuid.uuid4().hex[:10]}"
    boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1").create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": pk_type}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def plain_lines(n: int, start: int = 0) -> list[str]:
    return [
        codec.dumps(
            {
                "pk": {"S": f"item-{i:06d}"},
                "n": {"N": str(i)},
                "tags": {"SS": ["a", f"t{i % 7}"]},
                "m": {"M": {"x": {"L": [{"N": "1.50"}, {"NULL": True}]}}},
            },
            indent=None,
        )
        for i in range(start, start + n)
    ]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def canonical_lines(path: Path) -> list[Any]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        out.append(codec.canonical({"M": codec.loads(line)}))
    return sorted(out, key=repr)


async def test_round_trip_every_type(services: Services, moto_url: str, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", [FIDELITY, *plain_lines(300)])
    first, second = make_table(moto_url), make_table(moto_url)
    info = await services.tables.describe(first)
    result = await services.transfer.import_file(info, source, count=True)
    assert result.ok and result.written == 301 and result.table_count == 301
    assert not checkpoint_path(source).exists()
    for fmt in ("jsonl", "dynamodb-jsonl", "dynamodb-json", "csv"):
        exported = tmp_path / f"out.{fmt}"
        res = await services.transfer.export(info, exported, fmt=fmt, segments=3)  # type: ignore[arg-type]
        assert res.items == 301 and res.segments == 3
        second_info = await services.tables.describe(second)
        back = await services.transfer.import_file(second_info, exported, fmt=fmt)  # type: ignore[arg-type]
        assert back.written == 301 and back.ok
        again = tmp_path / f"again.{fmt}.jsonl"
        await services.transfer.export(second_info, again)
        assert canonical_lines(again) == canonical_lines(source), fmt


async def test_csv_header_convention(services: Services, moto_url: str, tmp_path: Path) -> None:
    name = make_table(moto_url)
    info = await services.tables.describe(name)
    source = write_lines(
        tmp_path / "in.jsonl",
        [
            '{"pk": "a", "Age": 36, "Tags": {"$SS": ["x"]}, "Name": ""}',
            '{"pk": "b", "Age": "unknown", "Ok": true}',
        ],
    )
    await services.transfer.import_file(info, source)
    out = tmp_path / "out.csv"
    await services.transfer.export(info, out, fmt="csv", segments=1)
    lines = out.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert set(header) == {"pk:S", "Age:N", "Tags:SS", "Name:S", "Age:S", "Ok:BOOL"}
    row_a = next(line for line in lines[1:] if line.startswith("a,"))
    assert "\\" in row_a  # the empty string is written as a lone backslash


async def test_query_export(services: Services, tmp_path: Path) -> None:
    info = await services.tables.describe("Orders")
    spec = QuerySpec(partition_value={"S": "user-0001"})
    expected = 0
    start = None
    while True:
        page = await services.items.query_page(info, spec, start)
        expected += page.count
        start = page.last_evaluated_key
        if not start:
            break
    out = tmp_path / "q.jsonl"
    result = await services.transfer.export(info, out, query=spec)
    assert result.items == expected == len(out.read_text().splitlines())


async def test_failures_file_lists_invalid_records(
    services: Services, moto_url: str, tmp_path: Path
) -> None:
    name = make_table(moto_url)
    info = await services.tables.describe(name)
    big = "x" * (401 * 1024)
    lines = [
        '{"pk": "ok-1"}',
        '{"other": 1}',  # missing key
        '{"pk": 5}',  # wrong key type
        json.dumps({"pk": "big", "body": big}),  # > 400 KB
        "{not json",
        '{"pk": "ok-2"}',
    ]
    source = write_lines(tmp_path / "in.jsonl", lines)
    failures = tmp_path / "fail.jsonl"
    result = await services.transfer.import_file(info, source, failures=failures, count=True)
    assert (result.written, result.failed, result.invalid, result.table_count) == (2, 4, 4, 2)
    rows = [json.loads(line) for line in failures.read_text().splitlines()]
    assert [r["record"] for r in rows] == [2, 3, 4, 5]
    reasons = " | ".join(r["reason"] for r in rows)
    assert "Missing key" in reasons and "wrong type" in reasons and "too large" in reasons
    assert rows[0]["item"] == {"other": {"N": "1"}}
    assert rows[3]["item"] == "{not json"
    assert checkpoint_path(source).exists()  # failures left: the checkpoint stays for --resume


async def test_resume_after_interrupt(services: Services, moto_url: str, tmp_path: Path) -> None:
    name = make_table(moto_url)
    info = await services.tables.describe(name)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(2000))
    stopped = asyncio.Event()
    monkey_every = importer_module._CHECKPOINT_EVERY
    importer_module._CHECKPOINT_EVERY = 0.0
    try:

        def progress(p: TransferProgress) -> None:
            if p.items >= 600:
                stopped.set()

        task = asyncio.create_task(
            services.transfer.import_file(info, source, progress=progress, concurrency=2)
        )
        waiter = asyncio.create_task(stopped.wait())
        await asyncio.wait([waiter, task], return_when=asyncio.FIRST_COMPLETED)
        assert not task.done(), "the import ended before it could be interrupted"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        importer_module._CHECKPOINT_EVERY = monkey_every
    data = json.loads(checkpoint_path(source).read_text())
    done = Ranges(data["done"])
    assert 600 <= done.count() < 2000
    moto_server_count = await services.transfer.count(name)
    assert moto_server_count >= done.count()  # nothing recorded that was not written
    result = await services.transfer.import_file(info, source, resume=True, count=True)
    assert result.skipped == done.count()
    assert result.written == 2000 - done.count()
    assert result.table_count == 2000
    assert not checkpoint_path(source).exists()


async def test_rate_limit(services: Services, moto_url: str, tmp_path: Path) -> None:
    name = make_table(moto_url)
    info = await services.tables.describe(name)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(300))
    started = time.monotonic()
    result = await services.transfer.import_file(info, source, rate=100)
    elapsed = time.monotonic() - started
    # 300 WCU at 100 WCU/s with a one-second burst: at least ~2 s.
    assert result.written == 300
    assert elapsed >= 1.8


async def test_read_only_refused(ro_services: Services, moto_server: Any, tmp_path: Path) -> None:
    info = await ro_services.tables.describe("Users")
    source = write_lines(tmp_path / "in.jsonl", plain_lines(5))
    moto_server.reset_requests()
    with pytest.raises(ReadOnlyViolation):
        await ro_services.transfer.import_file(info, source)
    assert not any("BatchWriteItem" in str(r) for r in moto_server.requests())


def test_ranges() -> None:
    r = Ranges()
    for a, b in [(5, 6), (1, 2), (3, 4), (10, 10), (8, 8)]:
        r.add(a, b)
    assert r.as_list() == [[1, 6], [8, 8], [10, 10]]
    r.add(7, 9)
    assert r.as_list() == [[1, 10]]
    assert 10 in r and 11 not in r and r.count() == 10
