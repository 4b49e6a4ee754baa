"""Import and export edge cases: side files, odd input, repeated keys, a request DynamoDB refuses,
a recreated table, and what a failed export leaves behind. Against the moto server."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest

from ddbconsole.errors import AwsError, UserInputError
from ddbconsole.services import Services
from ddbconsole.services.transfer import checkpoint_path, checkpoints, partial_path
from tests.conftest import FAST_RETRIES, make_settings
from tests.services.test_transfer import make_table, plain_lines, write_lines
from tests.services.test_transfer_faults import _response


def _client(url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1")


async def test_failure_file_cannot_be_the_input(
    services: Services, moto_url: str, tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "in.jsonl", plain_lines(3))
    info = await services.tables.describe(make_table(moto_url))
    for failures in (source, checkpoint_path(source)):
        with pytest.raises(UserInputError, match="is the input or its checkpoint"):
            await services.transfer.import_file(info, source, failures=failures)
    assert source.read_text() == "".join(line + "\n" for line in plain_lines(3))
    assert await services.transfer.count(info.name) == 0


async def test_only_regular_files_are_imported(
    services: Services, moto_url: str, tmp_path: Path
) -> None:
    info = await services.tables.describe(make_table(moto_url))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for source in (fifo, tmp_path):
        with pytest.raises(UserInputError, match="give a regular file"):
            await services.transfer.import_file(info, source)


async def test_unwritable_checkpoint_stops_before_writing(
    services: Services, moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Path, data: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(checkpoints, "save", refuse)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(10))
    info = await services.tables.describe(make_table(moto_url))
    with pytest.raises(UserInputError, match="Cannot write the checkpoint"):
        await services.transfer.import_file(info, source)
    assert await services.transfer.count(info.name) == 0


async def test_repeated_keys_end_with_the_files_last_version(
    services: Services, moto_url: str, tmp_path: Path
) -> None:
    lines = [json.dumps({"pk": "same", "v": i}) for i in range(1, 201)]
    lines += [json.dumps({"pk": f"other-{i}", "v": i}) for i in range(100)]
    source = write_lines(tmp_path / "dup.jsonl", lines)
    info = await services.tables.describe(make_table(moto_url))
    result = await services.transfer.import_file(info, source, concurrency=16)
    assert result.ok and result.written == 300
    item = _client(moto_url).get_item(TableName=info.name, Key={"pk": {"S": "same"}})["Item"]
    assert item["v"] == {"N": "200"}


async def test_a_refused_request_is_retried_item_by_item(moto_url: str, tmp_path: Path) -> None:
    """DynamoDB refuses a whole BatchWriteItem for one bad item (ValidationException): the other
    items are then written one by one and only the bad one fails."""

    def refuse_poison(request: Any, **_: Any) -> Any:
        if b"poison" in request.body:
            return _response(
                request,
                400,
                {
                    "__type": "com.amazon.coral.validate#ValidationException",
                    "message": "One or more parameter values were invalid",
                },
            )
        return None

    lines = plain_lines(30)
    lines[5] = json.dumps({"pk": "poison", "v": 1})
    source = write_lines(tmp_path / "in.jsonl", lines)
    faulty = Services(
        make_settings(moto_url),
        retries=FAST_RETRIES,
        hooks=[("before-send.dynamodb.BatchWriteItem", refuse_poison)],
        oplog_file=False,
    )
    try:
        info = await faulty.tables.describe(make_table(moto_url))
        result = await faulty.transfer.import_file(info, source, count=True)
    finally:
        await faulty.close()
    assert result.written == 29 and result.failed == 1 and result.table_count == 29
    assert result.failures_path is not None
    failures = [json.loads(line) for line in result.failures_path.read_text().splitlines()]
    assert [(f["record"], f["line"]) for f in failures] == [(6, 6)]
    assert "ValidationException" in failures[0]["reason"] or "invalid" in failures[0]["reason"]


async def test_index_key_too_long_is_refused_by_validation(
    services: Services, moto_url: str, tmp_path: Path
) -> None:
    name = make_table(moto_url)
    client = _client(moto_url)
    client.update_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "status", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "ByStatus",
                    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            }
        ],
    )
    source = write_lines(
        tmp_path / "in.jsonl",
        [json.dumps({"pk": "ok", "status": "x"}), json.dumps({"pk": "long", "status": "x" * 3000})],
    )
    info = await services.tables.describe(name)
    total, invalid = await services.transfer.validate(info, source)
    assert total == 2 and list(invalid) == [2]
    assert "partition key of index ByStatus" in invalid[2]


async def test_csv_with_bom_blank_lines_and_big_cells(
    services: Services, moto_url: str, tmp_path: Path
) -> None:
    big = "y" * 200_000  # over csv's default 128 KB field limit
    source = tmp_path / "in.csv"
    source.write_bytes(
        b"\xef\xbb\xbfpk:S,name:S,b:B\r\n"
        + b"a,Ada,\\\r\n"  # an empty binary value
        + b"\r\n"  # a blank line: not a record
        + f"b,{big},AQ==\r\n".encode()
    )
    info = await services.tables.describe(make_table(moto_url))
    result = await services.transfer.import_file(info, source, fmt="csv")
    assert result.ok and result.records == 2 and result.written == 2
    client = _client(moto_url)
    ada = client.get_item(TableName=info.name, Key={"pk": {"S": "a"}})["Item"]
    assert ada == {"pk": {"S": "a"}, "name": {"S": "Ada"}, "b": {"B": b""}}
    other = client.get_item(TableName=info.name, Key={"pk": {"S": "b"}})["Item"]
    assert other["name"]["S"] == big


async def test_checkpoint_of_a_recreated_table_is_refused(
    services: Services, moto_url: str, tmp_path: Path
) -> None:
    name = make_table(moto_url)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(5))
    info = await services.tables.describe(name)
    fingerprint = checkpoints.fingerprint(source, info, "jsonl")
    checkpoints.save(checkpoint_path(source), {**fingerprint, "done": [[1, 5]]})
    client = _client(moto_url)
    client.delete_table(TableName=name)
    await asyncio.sleep(1.1)  # creation times have one-second resolution in moto
    make_table_named(moto_url, name)
    recreated = await services.tables.describe(name)
    with pytest.raises(UserInputError, match="table_created"):
        await services.transfer.import_file(recreated, source, resume=True)


def make_table_named(url: str, name: str) -> None:
    _client(url).create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


async def test_failed_export_leaves_the_old_file_and_a_partial(
    moto_url: str, tmp_path: Path
) -> None:
    calls = {"n": 0}

    def fail_third_page(request: Any, **_: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            return _response(
                request,
                400,
                {"__type": "com.amazon.coral.validate#ValidationException", "message": "no"},
            )
        return None

    name = make_table(moto_url)
    client = _client(moto_url)
    for i in range(30):
        client.put_item(TableName=name, Item={"pk": {"S": f"k{i:02d}"}})
    out = tmp_path / "out.jsonl"
    out.write_text("the previous export\n")
    faulty = Services(
        make_settings(moto_url),
        retries=FAST_RETRIES,
        hooks=[("before-send.dynamodb.Scan", fail_third_page)],
        oplog_file=False,
    )
    try:
        info = await faulty.tables.describe(name)
        for fmt in ("jsonl", "csv"):
            calls["n"] = 0
            with pytest.raises(AwsError, match="Rejected by DynamoDB"):
                await faulty.transfer.export(info, out, fmt=fmt, segments=1, page_limit=10)
            assert out.read_text() == "the previous export\n"
            lines = partial_path(out).read_text().splitlines()
            if fmt == "csv":
                assert lines.pop(0) == "pk:S"
            # Whole items of the pages written before the failure (the second may still have
            # been queued when the third request failed).
            assert len(lines) in (10, 20)
            assert all(line.strip('"{}').startswith(("pk", "k")) for line in lines)
            assert not (tmp_path / "out.jsonl.body.tmp").exists()
        # And a good export replaces the file and leaves no partial.
        result = await faulty.transfer.export(info, out, segments=2)
    finally:
        await faulty.close()
    assert result.items == 30 and len(out.read_text().splitlines()) == 30
    assert not partial_path(out).exists()


async def test_export_refuses_segments_for_a_query_and_too_many(
    services: Services, tmp_path: Path
) -> None:
    from ddbconsole.models import QuerySpec

    info = await services.tables.describe("Users")
    query = QuerySpec(partition_value={"S": "user-0001"})
    with pytest.raises(UserInputError, match="whole-table scan"):
        await services.transfer.export(info, tmp_path / "x", query=query, segments=4)
    with pytest.raises(UserInputError, match=r"1 \.\. 1000 segments"):
        await services.transfer.export(info, tmp_path / "x", segments=1001)
    assert not (tmp_path / "x").exists()
