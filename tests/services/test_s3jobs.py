"""Export to S3, reading a finished export, and import from S3, against the moto server.

moto writes an export's items without AWS's manifests; the embedded moto's stand-in
(ddbconsole/demo/standins.py) completes it in the documented layout from the table's real items,
and these tests also build that layout themselves (manifests plus gzip DynamoDB JSON data files,
incremental rows, several gzip members) in moto's S3, so the reader is tested on the layout AWS
documents, not only on the stand-in's."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from ddbconsole import codec
from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import ReadOnlyViolation
from ddbconsole.models import IndexSpec, KeySpec, TableSpec
from ddbconsole.services import Services
from ddbconsole.services.backups import PitrRequired
from ddbconsole.services.s3jobs import S3JobError
from ddbconsole.services.transfer.formats import Formatter
from ddbconsole.services.transfer.s3_reader import ExportUnreadable
from tests.services.test_backups import all_items, fill, tricky_items

WRITES = {"ExportTableToPointInTime", "ImportTable"}


def client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")  # type: ignore[call-overload]


@pytest.fixture
def ddb(moto_url: str) -> Any:
    return client("dynamodb", moto_url)


@pytest.fixture
def s3(moto_url: str) -> Any:
    return client("s3", moto_url)


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"exports-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def tables(ddb: Any) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for name in made:
        with contextlib.suppress(ddb.exceptions.ResourceNotFoundException):
            ddb.delete_table(TableName=name)


def new_table(ddb: Any, tables: list[str], *, pitr: bool = True) -> tuple[str, list[Any]]:
    name, items = fill(ddb, tables, prefix="s3")
    if pitr:
        ddb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    return name, items


def file_items(path: Path, fmt: str) -> list[Any]:
    from ddbconsole.services.transfer.formats import read_records

    with open(path, encoding="utf-8", newline="") as handle:
        records = list(read_records(handle, fmt))  # type: ignore[arg-type]
    assert all(r.item is not None for r in records), [r.error for r in records if r.error]
    return sorted((codec.canonical({"M": r.item}) for r in records), key=repr)


def reached(server: MotoProcess) -> list[str]:
    return [r["operation"] for r in server.requests() if r["operation"] in WRITES]


async def test_export_follow_download_gives_identical_items(
    services: Services, ddb: Any, bucket: str, tables: list[str], tmp_path: Path
) -> None:
    table, items = new_table(ddb, tables)
    services.s3jobs.poll_interval = 0.05
    plan = await services.s3jobs.plan_export(table, bucket, "nightly/")
    params = plan.requests[0].params
    assert plan.operations == ("ExportTableToPointInTime",)
    assert params["S3Prefix"] == "nightly" and params["ExportType"] == "FULL_EXPORT"
    assert len(params["ClientToken"]) == 32
    started = await services.execute(plan)
    done = await services.s3jobs.wait_export(started.arn)
    assert done.status == "COMPLETED" and done.item_count == len(items)
    assert done.manifest.endswith("manifest-summary.json") and done.table == table
    listed, _ = await services.s3jobs.list_exports()
    assert started.arn in [e.arn for e in listed]
    expected = all_items(ddb, table)
    for fmt in ("jsonl", "dynamodb-json", "dynamodb-jsonl", "csv"):
        out = tmp_path / f"out.{fmt}"
        result = await services.s3jobs.download(started.arn, out, fmt=fmt)
        assert result.items == len(items) and result.files >= 1
        assert file_items(out, fmt) == expected, fmt


async def test_ion_export_downloads_to_identical_items(
    services: Services, ddb: Any, bucket: str, tables: list[str], tmp_path: Path
) -> None:
    """The stand-in writes an ION export as DynamoDB maps the types; read back, item for item."""
    table, items = new_table(ddb, tables)
    services.s3jobs.poll_interval = 0.05
    plan = await services.s3jobs.plan_export(table, bucket, "ion", export_format="ION")
    done = await services.s3jobs.wait_export((await services.execute(plan)).arn)
    assert done.status == "COMPLETED" and done.format == "ION"
    out = tmp_path / "ion.jsonl"
    result = await services.s3jobs.download(done.arn, out, fmt="jsonl")
    assert result.items == len(items)
    assert file_items(out, "jsonl") == all_items(ddb, table)


async def test_full_export_at_an_earlier_time_and_an_incremental_export(
    services: Services, ddb: Any, s3: Any, bucket: str, tables: list[str], tmp_path: Path
) -> None:
    """Stand-in (demo/history.py): a full export holds the items of its ExportTime; an
    incremental export writes each item changed in the window (NewImage, OldImage as it was
    before, no NewImage for a delete), which the reader turns into the new images and a count
    of deletes."""
    from tests.services.test_backups import change_items

    table, _ = new_table(ddb, tables)
    await asyncio.sleep(1.1)
    then, before = datetime.now(UTC), all_items(ddb, table)
    await asyncio.sleep(1.1)
    change_items(ddb, table)
    services.s3jobs.poll_interval = 0.05

    async def exported(**options: Any) -> Any:
        plan = await services.s3jobs.plan_export(
            table, bucket, f"at-{uuid.uuid4().hex[:6]}", **options
        )
        done = await services.s3jobs.wait_export((await services.execute(plan)).arn)
        assert done.status == "COMPLETED", done.failure
        return done

    full = await exported(export_time=then)
    out = tmp_path / "then.jsonl"
    await services.s3jobs.download(full.arn, out, fmt="jsonl")
    assert file_items(out, "jsonl") == before

    end = datetime.now(UTC) + timedelta(seconds=1)
    incremental = await exported(incremental=(end - timedelta(minutes=20), end))
    out = tmp_path / "changes.jsonl"
    result = await services.s3jobs.download(incremental.arn, out, fmt="jsonl")
    assert (result.items, result.deleted) == (3, 1)  # k1, k2, new written; k3 deleted
    changed = {"k1", "k2", "new"}
    now = [i for i in all_items(ddb, table) if dict(i[1])["pk"] in (("S", k) for k in changed)]
    assert file_items(out, "jsonl") == now
    data = incremental.manifest.rsplit("/", 1)[0] + "/data/"
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=data)["Contents"]]
    rows = {json.loads(r)["Keys"]["pk"]["S"]: json.loads(r) for r in
            gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).splitlines()}  # fmt: skip
    assert rows["k1"]["OldImage"]["n"] == {"N": "1.50"} and rows["k1"]["NewImage"]["n"] == {
        "N": "99"
    }
    assert "OldImage" not in rows["new"] and "NewImage" not in rows["k3"]


async def test_export_refusals_before_sending(
    services: Services, ddb: Any, bucket: str, tables: list[str], moto_server: MotoProcess
) -> None:
    off, _ = new_table(ddb, tables, pitr=False)
    on, _ = new_table(ddb, tables)
    moto_server.reset_requests()
    with pytest.raises(PitrRequired, match="Point-in-time recovery is off"):
        await services.s3jobs.plan_export(off, bucket)
    # ... and the change the console offers first is the ordinary PITR plan
    assert (await services.admin.plan_pitr(off, True)).operations == ("UpdateContinuousBackups",)
    with pytest.raises(S3JobError, match="does not exist"):
        await services.s3jobs.plan_export(on, f"no-such-{uuid.uuid4().hex[:8]}")
    with pytest.raises(S3JobError, match="incremental window"):
        from datetime import UTC, datetime, timedelta

        now = datetime.now(UTC)
        await services.s3jobs.plan_export(on, bucket, incremental=(now - timedelta(minutes=5), now))
    assert reached(moto_server) == []


def put_export(
    s3: Any,
    bucket: str,
    lines_per_file: list[list[str]],
    *,
    export_type: str = "FULL_EXPORT",
    output_format: str = "DYNAMODB_JSON",
    members: int = 1,
) -> str:
    """The layout AWS documents, built by hand: returns the manifest-summary.json key."""
    base = f"hand/AWSDynamoDB/01700000000000-{uuid.uuid4().hex[:8]}"
    entries = []
    for n, lines in enumerate(lines_per_file):
        text = "".join(line + "\n" for line in lines).encode()
        step = max(1, len(text) // members)
        # several gzip members in one file (a valid gzip stream; cut at arbitrary bytes)
        parts = [text[i : i + step] for i in range(0, len(text), step)] or [b""]
        data = b"".join(gzip.compress(part) for part in parts)
        key = f"{base}/data/file{n}.json.gz"
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        entries.append(
            {"itemCount": len(lines), "md5Checksum": "", "etag": "", "dataFileS3Key": key}
        )
    s3.put_object(
        Bucket=bucket,
        Key=f"{base}/manifest-files.json",
        Body="".join(json.dumps(e) + "\n" for e in entries).encode(),
    )
    summary = {
        "version": "2020-06-30",
        "manifestFilesS3Key": f"{base}/manifest-files.json",
        "itemCount": sum(len(x) for x in lines_per_file),
        "outputFormat": output_format,
        "exportType": export_type,
    }
    s3.put_object(Bucket=bucket, Key=f"{base}/manifest-summary.json", Body=json.dumps(summary))
    return f"{base}/manifest-summary.json"


def item_line(item: dict[str, Any]) -> str:
    return '{"Item":' + codec.dumps(item, "dynamodb", indent=None) + "}"


async def test_reader_on_the_documented_layout(
    ro_services: Services, s3: Any, bucket: str, tmp_path: Path
) -> None:
    """Several data files, several gzip members each, read in read-only mode (S3 reads only)."""
    items = tricky_items() * 1
    lines = [item_line(i) for i in items]
    key = put_export(s3, bucket, [lines[:7], lines[7:], [], []], members=3)
    # AWS writes a file for every partition, an empty partition's empty: a zero-byte object here
    empty = key.replace("manifest-summary.json", "data/file3.json.gz")
    s3.put_object(Bucket=bucket, Key=empty, Body=b"")
    out = tmp_path / "hand.jsonl"
    result = await ro_services.s3jobs.download(key, out, bucket=bucket, fmt="jsonl")
    assert (result.items, result.files, result.deleted) == (len(items), 4, 0)
    assert file_items(out, "jsonl") == sorted((codec.canonical({"M": i}) for i in items), key=repr)


async def test_worker_processes_write_what_this_process_writes(
    services: Services, s3: Any, bucket: str, tmp_path: Path
) -> None:
    """Blocks converted by worker processes (a large download's) come out in order, byte for
    byte as converted here, in JSON lines and CSV; a block the fast path refuses (an escaped
    string, a tag as a name) is converted here, in its place."""
    items = [{"pk": {"S": f"k{i:05}"}, "n": {"N": str(i)}, "m": {"M": {"l": {"L": [{"N": "1"}]}}}}
             for i in range(12000)]  # fmt: skip
    items[7000] = tricky_items()[0]  # "LooksTagged" and escapes: refused, per-line path
    lines = [item_line(i) for i in items]
    key = put_export(s3, bucket, [lines[:5000], lines[5000:], []], members=2)
    for fmt in ("jsonl", "csv"):
        here, there = tmp_path / f"here.{fmt}", tmp_path / f"there.{fmt}"
        mine = await services.s3jobs.download(key, here, bucket=bucket, fmt=fmt, workers=0)
        theirs = await services.s3jobs.download(key, there, bucket=bucket, fmt=fmt, workers=2)
        assert mine.items == theirs.items == len(items)
        assert there.read_bytes() == here.read_bytes(), fmt
        assert file_items(there, fmt) == sorted(
            (codec.canonical({"M": i}) for i in items), key=repr
        )
    got = [codec.loads(line) for line in there.with_suffix(".jsonl").read_text().splitlines()]
    assert got == items  # in order
    # CSV: the refused block's item added its columns; the blocks after it (sent before) fit
    formatter = Formatter("csv")
    rows = formatter.lines(items)
    assert there.read_text(encoding="utf-8") == formatter.header() + rows


def block_workers() -> set[int]:
    """This process's children running `python -m ddbconsole.codec_blocks` (Linux's /proc)."""
    found = set()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (proc / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"ddbconsole.codec_blocks" in command:
            found.add(int(proc.name))
    return found


async def test_a_cancelled_download_stops_its_workers(
    services: Services, s3: Any, bucket: str, tmp_path: Path
) -> None:
    lines = [item_line({"pk": {"S": f"k{i:06}"}}) for i in range(60000)]
    key = put_export(s3, bucket, [lines[i : i + 10000] for i in range(0, 60000, 10000)])
    out = tmp_path / "cancelled.jsonl"
    running: list[set[int]] = []

    def progress(_: object) -> None:  # the first block written: cancel, as Ctrl-C would
        if not running:
            running.append(block_workers())
            task.cancel()

    task = asyncio.create_task(
        services.s3jobs.download(key, out, bucket=bucket, workers=2, progress=progress)
    )
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(running[0]) == 2
    assert block_workers() == set()  # ended and reaped
    assert not out.exists()  # nothing renamed into place (what was written stays as .partial)


async def test_a_worker_that_dies_leaves_its_blocks_to_this_process(
    services: Services, s3: Any, bucket: str, tmp_path: Path
) -> None:
    import signal

    items = [{"pk": {"S": f"k{i:06}"}, "n": {"N": str(i)}} for i in range(60000)]
    lines = [item_line(i) for i in items]
    key = put_export(s3, bucket, [lines[i : i + 10000] for i in range(0, 60000, 10000)])
    out = tmp_path / "survived.jsonl"
    killed: list[int] = []

    def progress(_: object) -> None:  # the first block written: one worker dies
        if not killed:
            killed.append(min(block_workers()))
            os.kill(killed[0], signal.SIGKILL)

    result = await services.s3jobs.download(key, out, bucket=bucket, workers=2, progress=progress)
    assert killed and result.items == len(items)
    assert [codec.loads(line) for line in out.read_text().splitlines()] == items
    assert block_workers() == set()


async def test_workers_that_cannot_work_leave_every_block_to_this_process(
    services: Services, s3: Any, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers that exit at once (here `true` stands in for Python) answer GONE: each block is
    converted in this process instead, in order, and the download says nothing of it."""
    import shutil

    from ddbconsole.services.transfer import block_workers as pool

    monkeypatch.setattr(pool.sys, "executable", shutil.which("true"))
    items = [{"pk": {"S": f"k{i:06}"}, "n": {"N": str(i)}} for i in range(30000)]
    key = put_export(
        s3, bucket, [[item_line(i) for i in items[j : j + 5000]] for j in range(0, 30000, 5000)]
    )
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"alone.{fmt}"
        result = await services.s3jobs.download(key, out, bucket=bucket, fmt=fmt, workers=2)
        assert result.items == len(items)
        formatter = Formatter(fmt)  # type: ignore[arg-type]
        rows = formatter.lines(items)
        assert out.read_text(encoding="utf-8") == formatter.header() * (fmt == "csv") + rows


async def test_reader_incremental_writes_new_images_and_counts_deletes(
    services: Services, s3: Any, bucket: str, tmp_path: Path
) -> None:
    new = {"pk": {"S": "a"}, "b": {"B": "AAE="}, "n": {"N": "1.10"}}
    rows = [
        json.dumps({"Metadata": {"WriteTimestampMicros": {"N": "1"}}, "Keys": {"pk": {"S": "a"}},
                    "NewImage": new, "OldImage": {"pk": {"S": "a"}}}),
        json.dumps({"Metadata": {"WriteTimestampMicros": {"N": "2"}}, "Keys": {"pk": {"S": "gone"}},
                    "OldImage": {"pk": {"S": "gone"}}}),
    ]  # fmt: skip
    key = put_export(s3, bucket, [rows], export_type="INCREMENTAL_EXPORT")
    out = tmp_path / "inc.dynamodb-json"
    result = await services.s3jobs.download(key, out, bucket=bucket, fmt="dynamodb-json")
    assert (result.items, result.deleted) == (1, 1)
    (line,) = out.read_text().splitlines()
    assert json.loads(line) == {"Item": new}


async def test_reader_on_an_ion_export(
    services: Services, s3: Any, bucket: str, tmp_path: Path
) -> None:
    from tests.unit.test_ion import DOCUMENTED

    rows = [DOCUMENTED, "{Item:{Id:104.,Blob:{{AP8=}},Tags:$dynamodb_NS::[1.5,2d1]}}"]
    key = put_export(s3, bucket, [rows], output_format="ION")
    out = tmp_path / "ion.dynamodb-jsonl"
    result = await services.s3jobs.download(key, out, bucket=bucket, fmt="dynamodb-jsonl")
    assert result.items == 2
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["Authors"] == {"SS": ["Author1", "Author2"]} and first["Id"] == {"N": "103"}
    assert second == {"Id": {"N": "104"}, "Blob": {"B": "AP8="}, "Tags": {"NS": ["1.5", "2E1"]}}


async def test_reader_refuses_a_broken_file(
    services: Services, s3: Any, bucket: str, tmp_path: Path
) -> None:
    key = put_export(s3, bucket, [[item_line({"pk": {"S": "a"}})]])
    data_key = key.replace("manifest-summary.json", "data/file0.json.gz")
    s3.put_object(Bucket=bucket, Key=data_key, Body=gzip.compress(b'{"Item":{}}\n' * 50)[:40])
    out = tmp_path / "broken.jsonl"
    with pytest.raises(ExportUnreadable):
        await services.s3jobs.download(key, out, bucket=bucket)
    assert not out.exists()  # nothing renamed into place


async def test_local_export_uploaded_to_s3_imports_as_it_is(
    services: Services, ddb: Any, s3: Any, bucket: str, tables: list[str], tmp_path: Path
) -> None:
    """`ddbconsole export --format dynamodb-json`, uploaded unchanged (and gzipped), is what
    ImportTable reads with InputFormat DYNAMODB_JSON: the new table holds the same items."""
    table, items = new_table(ddb, tables, pitr=False)
    local = tmp_path / "local.json"
    info = await services.tables.describe(table)
    await services.transfer.export(info, local, fmt="dynamodb-json")
    s3.put_object(Bucket=bucket, Key="up/part-0.json.gz", Body=gzip.compress(local.read_bytes()))
    target = f"{table}-imp"
    spec = TableSpec(target, KeySpec("pk"))
    plan = await services.s3jobs.plan_import(bucket, "up/", spec, compression="GZIP")
    params = plan.requests[0].params
    assert params["S3BucketSource"] == {"S3Bucket": bucket, "S3KeyPrefix": "up/"}
    assert params["TableCreationParameters"]["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"}
    ]
    tables.append(target)
    services.s3jobs.poll_interval = 0.05
    started = await services.execute(plan)
    done = await services.s3jobs.wait_import(started.arn)
    assert done.status == "COMPLETED", done.failure
    assert (done.imported, done.errors) == (len(items), 0)
    assert done.bucket == bucket and done.log_group
    assert all_items(ddb, target) == all_items(ddb, table)
    listed, _ = await services.s3jobs.list_imports()
    assert started.arn in [i.arn for i in listed]


def canonical(items: list[dict[str, Any]]) -> list[Any]:
    return sorted((codec.canonical({"M": i}) for i in items), key=repr)


async def imported(services: Services, tables: list[str], plan_for: Any) -> Any:
    name = f"s3-imp-{uuid.uuid4().hex[:8]}"
    tables.append(name)
    services.s3jobs.poll_interval = 0.05
    plan = await plan_for(name)
    return name, plan, await services.s3jobs.wait_import((await services.execute(plan)).arn)


async def test_csv_import_types_keys_and_reads_the_rest_as_strings(
    services: Services, ddb: Any, s3: Any, bucket: str, tables: list[str]
) -> None:
    """Stand-in behaviour (demo/import_formats.py), as AWS documents CSV imports: key attributes
    typed from the AttributeDefinitions, every other value a string; HeaderList makes the first
    line data; the delimiter is the request's."""
    s3.put_object(Bucket=bucket, Key="csv1/a.csv", Body=b"1;Ada;36\n2;Bob;\n")
    s3.put_object(Bucket=bucket, Key="csv1/b.csv", Body=b'3;"x;y";1.50\n')

    def plan_for(name: str) -> Any:
        spec = TableSpec(name, KeySpec("id", "N"))
        return services.s3jobs.plan_import(bucket, "csv1/", spec, input_format="CSV",
                                           csv_delimiter=";", csv_header=("id", "name", "age"))  # fmt: skip

    name, plan, done = await imported(services, tables, plan_for)
    assert plan.requests[0].params["InputFormatOptions"] == {
        "Csv": {"Delimiter": ";", "HeaderList": ["id", "name", "age"]}
    }
    assert done.status == "COMPLETED", done.failure
    assert (done.processed, done.imported, done.errors) == (3, 3, 0)
    assert all_items(ddb, name) == canonical(
        [{"id": {"N": "1"}, "name": {"S": "Ada"}, "age": {"S": "36"}},
         {"id": {"N": "2"}, "name": {"S": "Bob"}},
         {"id": {"N": "3"}, "name": {"S": "x;y"}, "age": {"S": "1.50"}}]
    )  # fmt: skip


async def test_csv_import_reads_its_header_from_the_first_line_and_counts_bad_rows(
    services: Services, ddb: Any, s3: Any, bucket: str, tables: list[str]
) -> None:
    s3.put_object(Bucket=bucket, Key="csv2/a.csv.gz",
                  Body=gzip.compress(b"pk,note\na,hello\nb,x,too many\n"))  # fmt: skip

    def plan_for(name: str) -> Any:
        spec = TableSpec(name, KeySpec("pk"))
        return services.s3jobs.plan_import(
            bucket, "csv2/", spec, input_format="CSV", compression="GZIP"
        )

    name, _, done = await imported(services, tables, plan_for)
    assert (done.processed, done.imported, done.errors) == (2, 1, 1)
    assert done.status == "FAILED" and "3 values for 2 columns" in done.failure
    assert all_items(ddb, name) == canonical([{"pk": {"S": "a"}, "note": {"S": "hello"}}])


async def test_ion_export_imports_to_identical_items(
    services: Services, ddb: Any, bucket: str, tables: list[str]
) -> None:
    """An ION export's data files (gzip Ion text), imported with InputFormat ION: the new table
    holds the same items, tricky values included (the stand-in reads Ion with the console's
    reader of DynamoDB's subset)."""
    table, _ = new_table(ddb, tables)
    services.s3jobs.poll_interval = 0.05
    plan = await services.s3jobs.plan_export(table, bucket, "ionrt", export_format="ION")
    export = await services.s3jobs.wait_export((await services.execute(plan)).arn)
    data = export.manifest.rsplit("/", 1)[0] + "/data/"

    def plan_for(name: str) -> Any:
        spec = TableSpec(name, KeySpec("pk"))
        return services.s3jobs.plan_import(
            bucket, data, spec, input_format="ION", compression="GZIP"
        )

    name, _, done = await imported(services, tables, plan_for)
    assert done.status == "COMPLETED", done.failure
    assert all_items(ddb, name) == all_items(ddb, table)


async def test_stand_in_import_says_what_it_does_not_simulate(
    services: Services, s3: Any, bucket: str, tables: list[str]
) -> None:
    s3.put_object(Bucket=bucket, Key="z/a.json.zst", Body=b"(zstd bytes)")

    def plan_for(name: str) -> Any:
        return services.s3jobs.plan_import(
            bucket, "z/", TableSpec(name, KeySpec("pk")), compression="ZSTD"
        )

    _, _, done = await imported(services, tables, plan_for)
    assert done.status == "FAILED" and "does not decompress ZSTD" in done.failure


async def test_import_refusals_before_sending(
    services: Services, s3: Any, bucket: str, moto_server: MotoProcess
) -> None:
    s3.put_object(Bucket=bucket, Key="in/a.json", Body=b"{}")
    moto_server.reset_requests()
    with pytest.raises(S3JobError, match="Table Users already exists"):
        await services.s3jobs.plan_import(bucket, "in/", TableSpec("Users", KeySpec("UserId")))
    with pytest.raises(S3JobError, match="No objects under"):
        await services.s3jobs.plan_import(bucket, "nothing/", TableSpec("NewOne", KeySpec("pk")))
    with pytest.raises(S3JobError, match="does not exist"):
        await services.s3jobs.plan_import("no-such-bkt-x1", "", TableSpec("NewOne", KeySpec("pk")))
    lsi = IndexSpec("L", KeySpec("pk"), KeySpec("x"))
    spec = TableSpec("NewOne", KeySpec("pk"), KeySpec("sk"), lsis=(lsi,))
    with pytest.raises(S3JobError, match="no local secondary indexes"):
        await services.s3jobs.plan_import(bucket, "in/", spec)
    assert reached(moto_server) == []


@pytest.mark.parametrize(
    "start",
    [
        lambda s, b: s.s3jobs.plan_export("Users", b),
        lambda s, b: s.s3jobs.plan_import(b, "", TableSpec("NewOne", KeySpec("pk"))),
    ],
)
async def test_read_only_refuses_jobs_before_sending(
    make_services: Callable[..., Services],
    moto_server: MotoProcess,
    bucket: str,
    start: Callable[[Services, str], Any],
) -> None:
    svc = make_services(read_only=True)
    moto_server.reset_requests()
    with pytest.raises(ReadOnlyViolation):
        await start(svc, bucket)
    assert moto_server.requests() == []


async def test_large_table_advice_measures_the_scan_rate(services: Services) -> None:
    from dataclasses import replace

    from ddbconsole.services.transfer.advice import GB, advise

    info = await services.tables.describe("Users")
    assert await advise(services.session, replace(info, size_bytes=GB), 5) is None
    big = replace(info, size_bytes=2000 * GB, item_count=4_000_000_000)
    advice = await advise(services.session, big, 5)
    assert advice is not None and advice.rate_bytes > 0 and advice.segments == 16
    text = advice.describe()
    assert "2,000.0 GB" in text and "a local export would take about" in text
    assert "s3-export start Users" in text
