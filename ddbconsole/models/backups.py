"""Backups, point-in-time recovery, and DynamoDB's own export to and import from S3."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ddbconsole.models.tables import Throughput

BackupType = Literal["USER", "SYSTEM", "AWS_BACKUP", "ALL"]


def _time(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None


@dataclass(frozen=True)
class BackupInfo:
    """One on-demand (USER), SYSTEM or AWS Backup backup (ListBackups / DescribeBackup)."""

    arn: str
    name: str
    table: str
    table_arn: str
    status: str  # CREATING | AVAILABLE | DELETED
    type: str  # USER | SYSTEM | AWS_BACKUP
    created: datetime | None
    size_bytes: int | None = None
    item_count: int | None = None  # DescribeBackup only (SourceTableDetails)
    expires: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @staticmethod
    def from_summary(s: dict[str, Any]) -> BackupInfo:
        return BackupInfo(
            arn=str(s.get("BackupArn", "")),
            name=str(s.get("BackupName", "")),
            table=str(s.get("TableName", "")),
            table_arn=str(s.get("TableArn", "")),
            status=str(s.get("BackupStatus", "?")),
            type=str(s.get("BackupType", "?")),
            created=_time(s.get("BackupCreationDateTime")),
            size_bytes=s.get("BackupSizeBytes"),
            expires=_time(s.get("BackupExpiryDateTime")),
            raw=s,
        )

    @staticmethod
    def from_description(d: dict[str, Any]) -> BackupInfo:
        details = d.get("BackupDetails") or {}
        source = d.get("SourceTableDetails") or {}
        return BackupInfo(
            arn=str(details.get("BackupArn", "")),
            name=str(details.get("BackupName", "")),
            table=str(source.get("TableName", "")),
            table_arn=str(source.get("TableArn", "")),
            status=str(details.get("BackupStatus", "?")),
            type=str(details.get("BackupType", "?")),
            created=_time(details.get("BackupCreationDateTime")),
            size_bytes=details.get("BackupSizeBytes", source.get("TableSizeBytes")),
            item_count=source.get("ItemCount"),
            expires=_time(details.get("BackupExpiryDateTime")),
            raw=d,
        )


@dataclass(frozen=True)
class BackupPage:
    backups: tuple[BackupInfo, ...]
    next_start: str | None = None  # LastEvaluatedBackupArn: pass it back for the next page


@dataclass(frozen=True)
class PitrInfo:
    """Point-in-time recovery of a table (DescribeContinuousBackups)."""

    table: str
    status: str  # ENABLED | DISABLED | ENABLING? (AWS: ENABLED | DISABLED)
    earliest: datetime | None = None
    latest: datetime | None = None
    recovery_days: int | None = None

    @property
    def enabled(self) -> bool:
        return self.status == "ENABLED"

    def describe(self) -> str:
        if not self.enabled:
            return f"PITR {self.status.lower()}"
        window = ""
        if self.earliest and self.latest:
            window = f": restorable {self.earliest:%Y-%m-%d %H:%M:%S} .. {self.latest:%H:%M:%S} UTC"
        days = f" ({self.recovery_days}-day recovery period)" if self.recovery_days else ""
        return f"PITR on{window}{days}"


@dataclass(frozen=True)
class RestoreOptions:
    """What a restore may change from the source (RestoreTableFromBackup / ToPointInTime).

    `gsis`/`lsis`: the indexes to keep (None keeps them all, () drops them all). `sse`: None keeps
    the source's encryption; "DEFAULT" (AWS owned key) or "KMS" (with `kms_key`, or the AWS managed
    key when empty)."""

    billing_mode: str | None = None  # PAY_PER_REQUEST | PROVISIONED (None: as the source)
    provisioned: Throughput | None = None  # with PROVISIONED: table read/write units
    gsis: tuple[str, ...] | None = None
    lsis: tuple[str, ...] | None = None
    sse: str | None = None
    kms_key: str = ""


@dataclass(frozen=True)
class ExportInfo:
    """A DynamoDB export to S3 (DescribeExport, or a ListExports summary: fewer fields)."""

    arn: str
    status: str  # IN_PROGRESS | COMPLETED | FAILED
    table_arn: str = ""
    bucket: str = ""
    prefix: str = ""
    format: str = ""  # DYNAMODB_JSON | ION
    type: str = ""  # FULL_EXPORT | INCREMENTAL_EXPORT
    item_count: int | None = None
    billed_bytes: int | None = None
    started: datetime | None = None
    ended: datetime | None = None
    export_time: datetime | None = None
    manifest: str = ""  # the S3 key of manifest-summary.json
    failure: str = ""  # FailureCode: FailureMessage

    @property
    def table(self) -> str:
        return self.table_arn.rsplit("/", 1)[-1]

    @staticmethod
    def from_api(d: dict[str, Any]) -> ExportInfo:
        failure = ": ".join(str(d[k]) for k in ("FailureCode", "FailureMessage") if d.get(k))
        return ExportInfo(
            arn=str(d.get("ExportArn", "")),
            status=str(d.get("ExportStatus", "?")),
            table_arn=str(d.get("TableArn", "")),
            bucket=str(d.get("S3Bucket", "")),
            prefix=str(d.get("S3Prefix") or ""),
            format=str(d.get("ExportFormat", "")),
            type=str(d.get("ExportType", "")),
            item_count=d.get("ItemCount"),
            billed_bytes=d.get("BilledSizeBytes"),
            started=_time(d.get("StartTime")),
            ended=_time(d.get("EndTime")),
            export_time=_time(d.get("ExportTime")),
            manifest=str(d.get("ExportManifest") or ""),
            failure=failure,
        )


@dataclass(frozen=True)
class ImportInfo:
    """A DynamoDB import from S3 (DescribeImport, or a ListImports summary: fewer fields)."""

    arn: str
    status: str  # IN_PROGRESS | COMPLETED | CANCELLING | CANCELLED | FAILED
    table_arn: str = ""
    bucket: str = ""
    prefix: str = ""
    format: str = ""  # CSV | DYNAMODB_JSON | ION
    compression: str = ""  # NONE | GZIP | ZSTD
    processed: int | None = None
    imported: int | None = None
    errors: int | None = None
    processed_bytes: int | None = None
    started: datetime | None = None
    ended: datetime | None = None
    log_group: str = ""  # CloudWatchLogGroupArn: where DynamoDB writes the rows it refused
    failure: str = ""

    @property
    def table(self) -> str:
        return self.table_arn.rsplit("/", 1)[-1]

    @staticmethod
    def from_api(d: dict[str, Any]) -> ImportInfo:
        source = d.get("S3BucketSource") or {}
        failure = ": ".join(str(d[k]) for k in ("FailureCode", "FailureMessage") if d.get(k))
        return ImportInfo(
            arn=str(d.get("ImportArn", "")),
            status=str(d.get("ImportStatus", "?")),
            table_arn=str(d.get("TableArn", "")),
            bucket=str(source.get("S3Bucket", "")),
            prefix=str(source.get("S3KeyPrefix") or ""),
            format=str(d.get("InputFormat", "")),
            compression=str(d.get("InputCompressionType", "")),
            processed=d.get("ProcessedItemCount"),
            imported=d.get("ImportedItemCount"),
            errors=d.get("ErrorCount"),
            processed_bytes=d.get("ProcessedSizeBytes"),
            started=_time(d.get("StartTime")),
            ended=_time(d.get("EndTime")),
            log_group=str(d.get("CloudWatchLogGroupArn") or ""),
            failure=failure,
        )
