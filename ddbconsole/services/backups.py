"""On-demand backups, point-in-time recovery and restores.

Reads: ListBackups (paged, on-demand and AWS Backup types), DescribeBackup, DescribeContinuousBackups
(the restorable window). Writes are Plans (services/plans.py; docs/ARCHITECTURE.md, "Every change
is a Plan"): CreateBackup (a name from the template `<table>-<UTC timestamp>`), DeleteBackup (the
backup's name typed to confirm, as for tables), RestoreTableFromBackup and
RestoreTableToPointInTime into a new table, with the overrides AWS allows (billing mode and
capacity, which GSIs/LSIs to keep, encryption). A restore's plan re-checks that the target name is
still free; the caller follows the new table until ACTIVE (`wait_active`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ddbconsole.errors import NotFound, UserInputError
from ddbconsole.models import (
    BackupInfo,
    BackupPage,
    BackupType,
    PitrInfo,
    PlannedRequest,
    RestoreOptions,
    TableProgress,
)
from ddbconsole.services.plans import Plan, write_plan
from ddbconsole.services.table_rules import DDB, check_name, provisioned
from ddbconsole.services.table_status import StatusCallback

if TYPE_CHECKING:
    from ddbconsole.services.session import AwsSession
    from ddbconsole.services.table_admin import TableAdminService

BACKUP_NAME = re.compile(r"[A-Za-z0-9_.\-]{3,255}")
BACKUP_TYPES = ("ALL", "USER", "SYSTEM", "AWS_BACKUP")
SSE_CHOICES = ("DEFAULT", "KMS")
FOLLOW = "the new table is followed until it is ACTIVE (elapsed time shown), then selected"


class BackupRuleError(UserInputError):
    """A backup or restore DynamoDB would refuse; refused before anything is sent."""


class PitrRequired(BackupRuleError):
    """The change needs point-in-time recovery on (restore to a time, export to S3)."""

    def __init__(self, table: str, what: str) -> None:
        super().__init__(
            f"Point-in-time recovery is off for {table}",
            f"{what} needs it on: turn it on first (a planned UpdateContinuousBackups)",
            code="PitrRequired",
        )
        self.table = table


def backup_name(table: str, now: datetime | None = None) -> str:
    """The default name of a new backup: `<table>-<UTC timestamp>` (fits the 255-char limit)."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{table[: 255 - len(stamp) - 1]}-{stamp}"


def parse_time(text: str, what: str = "time") -> datetime:
    """An ISO 8601 time (UTC when it gives no offset); UserInputError naming `what` if not."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BackupRuleError(
            f"Invalid {what} {text.strip()!r}", "give ISO 8601, e.g. 2026-03-04T05:06:07Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_backup_name(name: str) -> None:
    if not BACKUP_NAME.fullmatch(name):
        raise BackupRuleError(
            f"Invalid backup name {name!r}",
            "3-255 characters: letters, digits, '_', '-' and '.'",
            code="InvalidName",
        )


def _index_overrides(
    source: Sequence[dict[str, Any]],
    keep: tuple[str, ...] | None,
    kind: str,
    capacity: dict[str, int] | None,
) -> list[dict[str, Any]]:
    """The index definitions to restore (all, or those named in `keep`), each as the restore
    request takes it: name, key schema, projection and, for a provisioned GSI, its capacity."""
    by_name = {str(i["IndexName"]): i for i in source}
    names = list(by_name) if keep is None else list(keep)
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise BackupRuleError(
            f"The source has no {kind} named {', '.join(unknown)}",
            f"its {kind}s: " + (", ".join(by_name) or "none"),
        )
    out = []
    for name in names:
        index = by_name[name]
        one: dict[str, Any] = {
            "IndexName": name,
            "KeySchema": index["KeySchema"],
            "Projection": index["Projection"],
        }
        if kind == "GSI" and capacity is not None:
            own = index.get("ProvisionedThroughput") or {}
            read, write = own.get("ReadCapacityUnits") or 0, own.get("WriteCapacityUnits") or 0
            one["ProvisionedThroughput"] = (
                {"ReadCapacityUnits": read, "WriteCapacityUnits": write}
                if read > 0 and write > 0
                else dict(capacity)
            )
        out.append(one)
    return out


def restore_overrides(
    options: RestoreOptions,
    *,
    source_billing: str,
    gsis: Sequence[dict[str, Any]],
    lsis: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The override parameters of a restore request for `options` (no I/O)."""
    params: dict[str, Any] = {}
    mode = options.billing_mode
    if mode is not None and mode not in ("PAY_PER_REQUEST", "PROVISIONED"):
        raise BackupRuleError("Invalid billing mode", "PAY_PER_REQUEST or PROVISIONED")
    capacity: dict[str, int] | None = None
    if mode is not None:
        params["BillingModeOverride"] = mode
    if mode == "PROVISIONED":
        capacity = provisioned("the restored table", options.provisioned)
        params["ProvisionedThroughputOverride"] = capacity
    elif options.provisioned is not None:
        raise BackupRuleError(
            "Capacity given without PROVISIONED billing",
            "choose PROVISIONED billing to set capacity units",
        )
    switching = mode == "PROVISIONED" and source_billing != "PROVISIONED"
    if options.gsis is not None or (switching and gsis):
        # A GSI of a table restored as provisioned needs capacity too: the source GSI's own, or the
        # table's units when the source had none (it was on-demand).
        params["GlobalSecondaryIndexOverride"] = _index_overrides(
            gsis, options.gsis, "GSI", capacity if mode == "PROVISIONED" else None
        )
    if options.lsis is not None:
        params["LocalSecondaryIndexOverride"] = _index_overrides(lsis, options.lsis, "LSI", None)
    if options.sse == "KMS":
        sse: dict[str, Any] = {"Enabled": True, "SSEType": "KMS"}
        if options.kms_key:
            sse["KMSMasterKeyId"] = options.kms_key
        params["SSESpecificationOverride"] = sse
    elif options.sse == "DEFAULT":
        params["SSESpecificationOverride"] = {"Enabled": False}
    elif options.sse is not None:
        raise BackupRuleError("Invalid encryption", "DEFAULT (AWS owned key) or KMS")
    return params


class BackupService:
    def __init__(self, session: AwsSession, admin: TableAdminService) -> None:
        self._session = session
        self._admin = admin

    async def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        return await self._session.call(DDB, operation, **params)

    # --- reading ------------------------------------------------------------------------------

    async def list_backups(
        self,
        table: str | None = None,
        *,
        backup_type: BackupType = "ALL",
        limit: int = 25,
        start: str | None = None,
        details: bool = False,
    ) -> BackupPage:
        """One page of backups, newest first within the page (ListBackups; `start` is the
        previous page's `next_start`). With `details`, each backup is described as well (item
        count), at most four at a time."""
        if backup_type not in BACKUP_TYPES:
            raise UserInputError("Invalid backup type", "one of " + ", ".join(BACKUP_TYPES))
        params: dict[str, Any] = {"BackupType": backup_type, "Limit": limit}
        if table:
            params["TableName"] = table
        if start:
            params["ExclusiveStartBackupArn"] = start
        raw = await self._call("list_backups", **params)
        backups = [BackupInfo.from_summary(s) for s in raw.get("BackupSummaries", [])]
        if details:
            gate = asyncio.Semaphore(4)

            async def one(b: BackupInfo) -> BackupInfo:
                async with gate:
                    try:
                        return await self.describe_backup(b.arn)
                    except NotFound:  # deleted meanwhile
                        return b

            backups = list(await asyncio.gather(*(one(b) for b in backups)))
        backups.sort(key=lambda b: b.created or datetime.min.replace(tzinfo=UTC), reverse=True)
        return BackupPage(tuple(backups), raw.get("LastEvaluatedBackupArn"))

    async def all_backups(self, table: str | None = None) -> list[BackupInfo]:
        """Every backup (all pages), newest first."""
        out: list[BackupInfo] = []
        start: str | None = None
        while True:
            page = await self.list_backups(table, limit=100, start=start)
            out.extend(page.backups)
            if not page.next_start:
                break
            start = page.next_start
        out.sort(key=lambda b: b.created or datetime.min.replace(tzinfo=UTC), reverse=True)
        return out

    async def newest_backup(self, table: str) -> BackupInfo | None:
        backups = [b for b in await self.all_backups(table) if b.status != "DELETED"]
        return backups[0] if backups else None

    async def describe_backup(self, arn: str) -> BackupInfo:
        raw = await self._call("describe_backup", BackupArn=arn)
        return BackupInfo.from_description(raw.get("BackupDescription") or {})

    async def pitr(self, table: str) -> PitrInfo:
        raw = await self._call("describe_continuous_backups", TableName=table)
        desc = (raw.get("ContinuousBackupsDescription") or {}).get(
            "PointInTimeRecoveryDescription"
        ) or {}
        earliest, latest = (
            desc.get("EarliestRestorableDateTime"),
            desc.get("LatestRestorableDateTime"),
        )
        return PitrInfo(
            table,
            str(desc.get("PointInTimeRecoveryStatus", "DISABLED")),
            earliest if isinstance(earliest, datetime) else None,
            latest if isinstance(latest, datetime) else None,
            desc.get("RecoveryPeriodInDays"),
        )

    async def wait_active(
        self, name: str, on_status: StatusCallback | None = None
    ) -> TableProgress:
        """Follow a restored table until it is ACTIVE (DescribeTable polls)."""
        return await self._admin.wait_status(name, "ACTIVE", on_status)

    # --- writes -------------------------------------------------------------------------------

    @write_plan(DDB, "CreateBackup")
    async def plan_create_backup(self, table: str, name: str | None = None) -> Plan:
        name = (name or "").strip() or backup_name(table)
        check_backup_name(name)
        desc = (await self._call("describe_table", TableName=table))["Table"]
        if desc.get("TableStatus") != "ACTIVE":
            raise BackupRuleError(
                f"{table} is {desc.get('TableStatus')}", "a backup can be taken of an ACTIVE table"
            )

        async def result(responses: list[dict[str, Any]]) -> BackupInfo:
            details = responses[0].get("BackupDetails") or {}
            return BackupInfo.from_description(
                {"BackupDetails": details, "SourceTableDetails": {"TableName": table}}
            )

        return Plan(
            f"Back up {table} as {name}?",
            (PlannedRequest(DDB, "CreateBackup", {"TableName": table, "BackupName": name}),),
            notes=(
                f"About {desc.get('ItemCount', 0):,} items, {desc.get('TableSizeBytes', 0):,} "
                "bytes; an on-demand backup reads no capacity and is kept until deleted.",
            ),
            confirm_label="Create backup",
            done=f"Backup {name} of {table} requested",
            after=result,
        )

    @write_plan(DDB, "DeleteBackup")
    async def plan_delete_backup(self, arn: str) -> Plan:
        backup = await self.describe_backup(arn)
        if backup.status != "AVAILABLE":
            raise BackupRuleError(
                f"Backup {backup.name} is {backup.status}",
                "only an AVAILABLE backup can be deleted",
            )
        if backup.type == "AWS_BACKUP":
            raise BackupRuleError(
                f"{backup.name} is managed by AWS Backup",
                "delete it from its AWS Backup vault (aws backup delete-recovery-point)",
            )
        made = f"{backup.created:%Y-%m-%d %H:%M} UTC" if backup.created else "?"
        return Plan(
            f"Delete backup {backup.name} of {backup.table}?",
            (PlannedRequest(DDB, "DeleteBackup", {"BackupArn": arn}),),
            checks=(),
            notes=(
                f"Taken {made}; {backup.item_count if backup.item_count is not None else '?'} "
                "items. This cannot be undone.",
            ),
            confirm_label="Delete backup",
            require_text=backup.name,
            done=f"Backup {backup.name} deleted",
        )

    async def _check_target_free(self, target: str) -> None:
        check_name(target, "table")
        try:
            desc = (await self._call("describe_table", TableName=target))["Table"]
        except NotFound:
            return
        raise BackupRuleError(
            f"Table {target} already exists ({desc.get('TableStatus', '?')})",
            "a restore creates a new table: choose another name",
            code="TableExists",
        )

    def _restore_plan(
        self, title: str, request: PlannedRequest, target: str, replan: Any, notes: tuple[str, ...]
    ) -> Plan:
        return Plan(
            title,
            (request,),
            checks=(f"DescribeTable: no table named {target} yet",),
            then=(FOLLOW,),
            notes=notes,
            confirm_label="Restore",
            done=f"Restore into {target} started",
            refresh=replan,
        )

    @write_plan(DDB, "RestoreTableFromBackup")
    async def plan_restore(
        self, arn: str, target: str, options: RestoreOptions | None = None
    ) -> Plan:
        """RestoreTableFromBackup into the new table `target`."""
        options = options or RestoreOptions()
        await self._check_target_free(target)
        raw = (await self._call("describe_backup", BackupArn=arn)).get("BackupDescription") or {}
        backup = BackupInfo.from_description(raw)
        if backup.status != "AVAILABLE":
            raise BackupRuleError(
                f"Backup {backup.name} is {backup.status}",
                "only an AVAILABLE backup can be restored",
            )
        source = raw.get("SourceTableDetails") or {}
        features = raw.get("SourceTableFeatureDetails") or {}
        billing = str(source.get("BillingMode") or "PROVISIONED")
        params = {"TargetTableName": target, "BackupArn": arn}
        params.update(
            restore_overrides(
                options,
                source_billing=billing,
                gsis=features.get("GlobalSecondaryIndexes") or [],
                lsis=features.get("LocalSecondaryIndexes") or [],
            )
        )
        notes = (
            f"Backup {backup.name} of {backup.table or '?'}, taken "
            + (f"{backup.created:%Y-%m-%d %H:%M:%S} UTC" if backup.created else "?"),
            "Auto scaling, alarms, TTL, tags, streams and IAM policies are not restored: set "
            "them on the new table.",
        )
        return self._restore_plan(
            f"Restore backup {backup.name} into a new table {target}?",
            PlannedRequest(DDB, "RestoreTableFromBackup", params),
            target,
            lambda: self.plan_restore(arn, target, options),
            notes,
        )

    @write_plan(DDB, "RestoreTableToPointInTime")
    async def plan_restore_pitr(
        self,
        source: str,
        target: str,
        *,
        when: datetime | None = None,
        options: RestoreOptions | None = None,
    ) -> Plan:
        """RestoreTableToPointInTime of `source` at `when` (None: the latest restorable time)."""
        options = options or RestoreOptions()
        await self._check_target_free(target)
        pitr = await self.pitr(source)
        if not pitr.enabled:
            raise PitrRequired(source, "a point-in-time restore")
        params: dict[str, Any] = {"SourceTableName": source, "TargetTableName": target}
        if when is None:
            params["UseLatestRestorableTime"] = True
            at = "the latest restorable time"
        else:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            if (pitr.earliest and when < pitr.earliest) or (pitr.latest and when > pitr.latest):
                raise BackupRuleError(
                    f"{when:%Y-%m-%d %H:%M:%S} UTC is outside the restorable window",
                    pitr.describe(),
                    code="OutsideWindow",
                )
            params["RestoreDateTime"] = when
            at = f"{when.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
        desc = (await self._call("describe_table", TableName=source))["Table"]
        billing = str((desc.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED")
        params.update(
            restore_overrides(
                options,
                source_billing=billing,
                gsis=desc.get("GlobalSecondaryIndexes") or [],
                lsis=desc.get("LocalSecondaryIndexes") or [],
            )
        )
        return self._restore_plan(
            f"Restore {source} as of {at} into a new table {target}?",
            PlannedRequest(DDB, "RestoreTableToPointInTime", params),
            target,
            lambda: self.plan_restore_pitr(source, target, when=when, options=options),
            (
                pitr.describe(),
                "Auto scaling, alarms, TTL, tags, streams and IAM policies are not restored: set "
                "them on the new table.",
            ),
        )
