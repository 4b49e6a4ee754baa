"""DynamoDB's own export to S3 and import from S3: distributed, reading no table capacity.

- Export (ExportTableToPointInTime): full, or incremental over a time window, to a bucket and
  prefix (bucket owner, SSE-S3 or SSE-KMS), in DYNAMODB_JSON or ION. Point-in-time recovery must
  be on: without it the plan is refused with PitrRequired, and the caller offers the planned
  change that turns it on (TableAdminService.plan_pitr) first.
- Import (ImportTable): CSV, DYNAMODB_JSON or ION, optionally GZIP/ZSTD compressed, from a bucket
  and prefix into a new table defined like the create-table form's (keys, GSIs, billing).
- Jobs: ListExports/DescribeExport and ListImports/DescribeImport, followed until they end.
- A finished export is read as AWS writes it (transfer/s3_reader.py) into a local file.

Both writes carry an explicit ClientToken, so the request shown is the request sent (botocore
would otherwise fill in a random one) and a retried request cannot start a second job.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ddbconsole.errors import AwsError, NotFound, UserInputError
from ddbconsole.models import ExportInfo, ImportInfo, PlannedRequest, TableSpec
from ddbconsole.services.backups import PitrRequired
from ddbconsole.services.plans import Plan, write_plan
from ddbconsole.services.table_rules import DDB, create_request
from ddbconsole.services.table_status import WaitTimedOut
from ddbconsole.services.transfer.formats import Format
from ddbconsole.services.transfer.progress import ProgressFn
from ddbconsole.services.transfer.s3_reader import (
    DownloadResult,
    ExportUnreadable,
    download_export,
    read_manifest,
)

if TYPE_CHECKING:
    from ddbconsole.services.session import AwsSession

EXPORT_FORMATS = ("DYNAMODB_JSON", "ION")
IMPORT_FORMATS = ("CSV", "DYNAMODB_JSON", "ION")
COMPRESSIONS = ("NONE", "GZIP", "ZSTD")
VIEW_TYPES = ("NEW_AND_OLD_IMAGES", "NEW_IMAGE")
SSE = ("AES256", "KMS")
# What ImportTable's TableCreationParameters accept of a CreateTable request.
IMPORT_TABLE_KEYS = (
    "TableName",
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "ProvisionedThroughput",
    "OnDemandThroughput",
    "SSESpecification",
    "GlobalSecondaryIndexes",
)
MIN_WINDOW, MAX_WINDOW = timedelta(minutes=15), timedelta(hours=24)

T = TypeVar("T")


class S3JobError(UserInputError):
    """An export or import DynamoDB or S3 would refuse; refused before anything is sent."""


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise S3JobError(f"Invalid {what} {value!r}", "one of " + ", ".join(choices))
    return value


class S3JobService:
    def __init__(
        self, session: AwsSession, *, poll_interval: float = 5.0, max_wait: float = 86_400.0
    ) -> None:
        self._session = session
        self.poll_interval = poll_interval
        self.max_wait = max_wait

    async def _ddb(self, operation: str, **params: Any) -> dict[str, Any]:
        return await self._session.call(DDB, operation, **params)

    async def _check_bucket(self, bucket: str, prefix: str = "", owner: str | None = None) -> int:
        """Refuse a bucket that does not exist (ListObjectsV2 of one key); returns how many keys
        it found under `prefix` (0 or 1). A bucket we may not list (another account's) is left
        to DynamoDB to judge (-1)."""
        if not bucket.strip():
            raise S3JobError("No bucket given", "name the S3 bucket")
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": 1}
        if owner:
            params["ExpectedBucketOwner"] = owner
        try:
            listed = await self._session.call("s3", "list_objects_v2", **params)
        except NotFound:
            raise S3JobError(
                f"Bucket {bucket} does not exist", "create it first, or check the name"
            ) from None
        except AwsError as exc:
            if exc.code in {"AccessDenied", "Forbidden", "403"}:
                return -1
            raise
        return int(listed.get("KeyCount") or len(listed.get("Contents") or []))

    # --- exports ------------------------------------------------------------------------------

    @write_plan(DDB, "ExportTableToPointInTime")
    async def plan_export(
        self,
        table: str,
        bucket: str,
        prefix: str = "",
        *,
        owner: str | None = None,
        sse: str | None = None,
        kms_key: str = "",
        export_format: str = "DYNAMODB_JSON",
        export_time: datetime | None = None,
        incremental: tuple[datetime, datetime] | None = None,
        view_type: str = "NEW_AND_OLD_IMAGES",
    ) -> Plan:
        """ExportTableToPointInTime: full (as of `export_time`, or now), or incremental over
        `incremental` = (from, to)."""
        _choice(export_format, EXPORT_FORMATS, "export format")
        desc = (await self._ddb("describe_table", TableName=table))["Table"]
        raw = await self._ddb("describe_continuous_backups", TableName=table)
        pitr = (raw.get("ContinuousBackupsDescription") or {}).get(
            "PointInTimeRecoveryDescription"
        ) or {}
        if pitr.get("PointInTimeRecoveryStatus") != "ENABLED":
            raise PitrRequired(table, "an export to S3")
        await self._check_bucket(bucket, owner=owner)
        params: dict[str, Any] = {"TableArn": desc["TableArn"], "S3Bucket": bucket}
        if prefix.strip("/"):
            params["S3Prefix"] = prefix.strip("/")
        if owner:
            params["S3BucketOwner"] = owner
        if sse is not None:
            params["S3SseAlgorithm"] = _choice(sse, SSE, "encryption")
            if kms_key:
                if sse != "KMS":
                    raise S3JobError("A KMS key needs KMS encryption", "choose KMS, or no key")
                params["S3SseKmsKeyId"] = kms_key
        params["ExportFormat"] = export_format
        what = "full export"
        if incremental is not None:
            start, end = (_utc(t) for t in incremental)
            if not MIN_WINDOW <= end - start <= MAX_WINDOW:
                raise S3JobError(
                    "Invalid incremental window",
                    "an incremental export covers 15 minutes to 24 hours (from < to)",
                )
            params["ExportType"] = "INCREMENTAL_EXPORT"
            params["IncrementalExportSpecification"] = {
                "ExportFromTime": start,
                "ExportToTime": end,
                "ExportViewType": _choice(view_type, VIEW_TYPES, "view type"),
            }
            what = f"incremental export {start:%Y-%m-%d %H:%M} .. {end:%H:%M} UTC"
        else:
            params["ExportType"] = "FULL_EXPORT"
            if export_time is not None:
                params["ExportTime"] = _utc(export_time)
        params["ClientToken"] = uuid.uuid4().hex
        where = f"s3://{bucket}/{params.get('S3Prefix', '')}"

        async def described(responses: list[dict[str, Any]]) -> ExportInfo:
            return ExportInfo.from_api(responses[0].get("ExportDescription") or {})

        return Plan(
            f"Start a {what} of {table} to {where}?",
            (PlannedRequest(DDB, "ExportTableToPointInTime", params),),
            checks=(),
            then=("the export is followed (DescribeExport) until it completes or fails",),
            notes=(
                f"About {desc.get('TableSizeBytes', 0):,} bytes: DynamoDB reads its PITR "
                "backup, not the table, so no read capacity is used; billed per GB exported.",
            ),
            confirm_label="Start export",
            done=f"Export of {table} started",
            after=described,
        )

    async def _described(
        self,
        arns: list[str],
        describe: Callable[[str], Awaitable[T]],
    ) -> list[T]:
        gate = asyncio.Semaphore(4)

        async def one(arn: str) -> T:
            async with gate:
                return await describe(arn)

        return list(await asyncio.gather(*(one(a) for a in arns)))

    async def list_exports(
        self, table_arn: str | None = None, *, limit: int = 25, token: str | None = None
    ) -> tuple[list[ExportInfo], str | None]:
        """One page of exports (all tables, or one), each described (status, counts, times)."""
        params: dict[str, Any] = {"MaxResults": limit}
        if table_arn:
            params["TableArn"] = table_arn
        if token:
            params["NextToken"] = token
        raw = await self._ddb("list_exports", **params)
        arns = [str(s["ExportArn"]) for s in raw.get("ExportSummaries", [])]
        return await self._described(arns, self.describe_export), raw.get("NextToken")

    async def describe_export(self, arn: str) -> ExportInfo:
        raw = await self._ddb("describe_export", ExportArn=arn)
        return ExportInfo.from_api(raw.get("ExportDescription") or {})

    async def _wait(
        self,
        describe: Callable[[], Awaitable[T]],
        on_status: Callable[[T], object] | None,
        what: str,
    ) -> T:
        loop = asyncio.get_running_loop()
        start = loop.time()
        while True:
            info = await describe()
            if on_status is not None:
                on_status(info)
            if getattr(info, "status", "") not in ("IN_PROGRESS", "CANCELLING"):
                return info
            if loop.time() - start + self.poll_interval > self.max_wait:
                raise WaitTimedOut(
                    f"Stopped following {what}", "it continues in AWS; check it later"
                )
            await asyncio.sleep(self.poll_interval)

    async def wait_export(
        self, arn: str, on_status: Callable[[ExportInfo], object] | None = None
    ) -> ExportInfo:
        return await self._wait(lambda: self.describe_export(arn), on_status, "the export")

    async def download(
        self,
        export: str,
        path: str | Path,
        *,
        fmt: Format = "jsonl",
        bucket: str | None = None,
        progress: ProgressFn | None = None,
        workers: int | None = None,
    ) -> DownloadResult:
        """Read a finished export into `path`: `export` is its ARN, or (with `bucket`) the S3 key
        of its manifest-summary.json. Reads S3 only: no table capacity. `workers`: see
        s3_reader.download_export."""
        if bucket is None:
            info = await self.describe_export(export)
            if info.status != "COMPLETED":
                raise ExportUnreadable(
                    f"The export is {info.status}",
                    info.failure or "only a COMPLETED export can be read",
                )
            if not info.manifest:
                raise ExportUnreadable(
                    "The export names no manifest", "give --bucket and the manifest-summary key"
                )
            bucket, key = info.bucket, info.manifest
        else:
            key = export
        manifest = await read_manifest(self._session, bucket, key)
        return await download_export(
            self._session, manifest, path, fmt=fmt, progress=progress, workers=workers
        )

    # --- imports ------------------------------------------------------------------------------

    @write_plan(DDB, "ImportTable")
    async def plan_import(
        self,
        bucket: str,
        prefix: str,
        spec: TableSpec,
        *,
        input_format: str = "DYNAMODB_JSON",
        compression: str = "NONE",
        owner: str | None = None,
        csv_delimiter: str | None = None,
        csv_header: tuple[str, ...] = (),
    ) -> Plan:
        """ImportTable into the new table `spec` (keys, GSIs, billing: the create-table form's)."""
        _choice(input_format, IMPORT_FORMATS, "input format")
        _choice(compression, COMPRESSIONS, "compression")
        if spec.lsis:
            raise S3JobError(
                "ImportTable creates no local secondary indexes",
                "drop the LSIs (or make them GSIs); LSIs exist only from CreateTable",
            )
        create = create_request(replace(spec, tags=(), stream_view_type=None))
        table = {k: v for k, v in create.items() if k in IMPORT_TABLE_KEYS}
        try:
            found = (await self._ddb("describe_table", TableName=spec.name))["Table"]
        except NotFound:
            pass
        else:
            raise S3JobError(
                f"Table {spec.name} already exists ({found.get('TableStatus', '?')})",
                "an import creates a new table: choose another name",
                code="TableExists",
            )
        prefix = prefix.lstrip("/")
        if await self._check_bucket(bucket, prefix, owner) == 0:
            raise S3JobError(
                f"No objects under s3://{bucket}/{prefix}",
                "upload the files first, or fix the prefix",
            )
        source: dict[str, Any] = {"S3Bucket": bucket}
        if owner:
            source["S3BucketOwner"] = owner
        if prefix:
            source["S3KeyPrefix"] = prefix
        params: dict[str, Any] = {
            "ClientToken": uuid.uuid4().hex,
            "S3BucketSource": source,
            "InputFormat": input_format,
        }
        if input_format == "CSV" and (csv_delimiter or csv_header):
            csv: dict[str, Any] = {}
            if csv_delimiter:
                csv["Delimiter"] = csv_delimiter
            if csv_header:
                csv["HeaderList"] = list(csv_header)
            params["InputFormatOptions"] = {"Csv": csv}
        elif csv_delimiter or csv_header:
            raise S3JobError("CSV options given for a non-CSV import", "drop them")
        params["InputCompressionType"] = compression
        params["TableCreationParameters"] = table
        notes = [
            "Writes no capacity: DynamoDB loads the files into the new table. Rows it cannot "
            "read are counted as errors and logged to CloudWatch Logs (/aws-dynamodb/imports).",
        ]
        extra = [
            what
            for what, on in (
                ("tags", bool(spec.tags)),
                ("a stream", spec.stream_view_type is not None),
                ("deletion protection", spec.deletion_protection),
                ("the table class", spec.table_class != "STANDARD"),
            )
            if on
        ]
        if extra:
            notes.append("Not part of an import: set " + ", ".join(extra) + " once it is done.")

        async def described(responses: list[dict[str, Any]]) -> ImportInfo:
            return ImportInfo.from_api(responses[0].get("ImportTableDescription") or {})

        return Plan(
            f"Import s3://{bucket}/{prefix} ({input_format}) into a new table {spec.name}?",
            (PlannedRequest(DDB, "ImportTable", params),),
            checks=(),
            then=("the import is followed (DescribeImport) until it completes or fails",),
            notes=tuple(notes),
            confirm_label="Start import",
            done=f"Import into {spec.name} started",
            after=described,
        )

    async def list_imports(
        self, table_arn: str | None = None, *, limit: int = 25, token: str | None = None
    ) -> tuple[list[ImportInfo], str | None]:
        params: dict[str, Any] = {"PageSize": limit}
        if table_arn:
            params["TableArn"] = table_arn
        if token:
            params["NextToken"] = token
        raw = await self._ddb("list_imports", **params)
        arns = [str(s["ImportArn"]) for s in raw.get("ImportSummaryList", [])]
        return await self._described(arns, self.describe_import), raw.get("NextToken")

    async def describe_import(self, arn: str) -> ImportInfo:
        raw = await self._ddb("describe_import", ImportArn=arn)
        return ImportInfo.from_api(raw.get("ImportTableDescription") or {})

    async def wait_import(
        self, arn: str, on_status: Callable[[ImportInfo], object] | None = None
    ) -> ImportInfo:
        return await self._wait(lambda: self.describe_import(arn), on_status, "the import")
