"""Creating, deleting and configuring tables: TTL, point-in-time recovery, streams, deletion
protection, table class, tags, and adding or deleting GSIs.

Every change is a Plan, shown before it is sent (services/plans.py): `plan_*` reads what it needs,
checks the rules DynamoDB enforces (and moto does not; see services/table_rules.py) and returns the
exact requests; `plans.execute` sends exactly them, re-planning first and refusing (`PlanChanged`,
nothing sent) when the table changed meanwhile. Refusals are UserInputError
subclasses raised before any write.

Deletion protection is never turned off implicitly: deleting a protected table is refused with the
way to turn it off. AWS allows one TTL change per table per hour (a second UpdateTimeToLive within
the hour fails); the service records TTL changes made through it for an hour (state dir, across
sessions) and refuses a second one early.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ddbconsole.errors import NotFound
from ddbconsole.models import (
    IndexSpec,
    PlannedRequest,
    TableProgress,
    TableSpec,
)
from ddbconsole.services.capacity_rules import PlanChanged, utc_or_none
from ddbconsole.services.capacity_store import ChangeLedger, table_key
from ddbconsole.services.plans import Plan, write_plan
from ddbconsole.services.session import AwsSession
from ddbconsole.services.table_rules import (
    DDB,
    MAX_TAGS,
    AttributeDefinitionError,
    DeletionProtected,
    IndexRuleError,
    NothingToChange,
    TableRuleError,
    TableUpdateInProgress,
    TtlRuleError,
    check_attribute_name,
    check_definitions_match,
    check_index_counts,
    check_name,
    check_not_busy,
    check_projected_total,
    check_table_class,
    check_tag,
    create_request,
    definitions,
    existing_keys,
    index_request,
    stream_specification,
)
from ddbconsole.services.table_status import StatusCallback, WaitTimedOut, wait_status

__all__ = [
    "AttributeDefinitionError",
    "DeletionProtected",
    "IndexRuleError",
    "NothingToChange",
    "PlanChanged",
    "TableAdminService",
    "TableExists",
    "TableRuleError",
    "TableUpdateInProgress",
    "TtlRuleError",
    "WaitTimedOut",
]

TTL_CHANGE_INTERVAL = timedelta(hours=1)
FOLLOW = "the table's status is followed until it is ACTIVE, then it is described again"
NOT_BUSY = "DescribeTable: the table and its indexes ACTIVE (re-planned; refused if changed)"
TTL_LEDGER_FILE = "ttl-changes.json"


class TableExists(TableRuleError):
    pass


class TableAdminService:
    def __init__(
        self, session: AwsSession, *, poll_interval: float = 2.0, max_wait: float = 3600.0
    ) -> None:
        self._session = session
        self.poll_interval = poll_interval  # seconds between DescribeTable polls while following
        self.max_wait = max_wait  # seconds before wait_status gives up (AWS carries on)
        # TTL changes made through ddbconsole (kept an hour, across sessions, on this machine).
        self.ttl_ledger = ChangeLedger(TTL_LEDGER_FILE, TTL_CHANGE_INTERVAL)

    # --- reading ------------------------------------------------------------------------------

    async def _describe(self, name: str) -> dict[str, Any]:
        result = await self._session.call(DDB, "describe_table", TableName=name)
        table: dict[str, Any] = result["Table"]
        return table

    async def wait_status(
        self,
        name: str,
        until: Literal["ACTIVE", "GONE"] = "ACTIVE",
        on_status: StatusCallback | None = None,
        *,
        interval: float | None = None,
        max_wait: float | None = None,
    ) -> TableProgress:
        """Poll DescribeTable until the table and its GSIs are ACTIVE (none backfilling), or until
        it is gone; `on_status` hears every poll. Cancel by cancelling the awaiting task; gives up
        with WaitTimedOut after `max_wait` seconds."""
        return await wait_status(
            self._describe,
            name,
            until,
            on_status,
            interval=self.poll_interval if interval is None else interval,
            max_wait=self.max_wait if max_wait is None else max_wait,
        )

    # --- sending ------------------------------------------------------------------------------

    def _plan(
        self,
        title: str,
        requests: Sequence[PlannedRequest],
        refresh: Callable[[], Awaitable[Plan]],
        **extra: Any,
    ) -> Plan:
        extra.setdefault("then", (FOLLOW,))
        return Plan(title, tuple(requests), refresh=refresh, **extra)

    # --- create and delete --------------------------------------------------------------------

    @staticmethod
    def plan_create(spec: TableSpec) -> PlannedRequest:
        """The exact CreateTable request for `spec` (no I/O); refuses what DynamoDB would refuse."""
        return PlannedRequest(DDB, "CreateTable", create_request(spec))

    def plan_create_table(self, spec: TableSpec) -> Plan:
        """The Plan creating `spec` (no I/O): the name is checked to be free just before sending."""
        request = self.plan_create(spec)

        async def check_free() -> Plan:
            try:
                desc = await self._describe(spec.name)
            except NotFound:
                return plan
            raise TableExists(
                f"Table {spec.name} already exists ({desc.get('TableStatus', '?')})",
                "choose another name; nothing was sent",
                code="TableExists",
            )

        plan = Plan(
            f"Create table {spec.name}?",
            (request,),
            checks=(f"DescribeTable: no table named {spec.name} yet",),
            then=("DynamoDB creates the table in the background; its status is followed live",),
            confirm_label="Create",
            done=f"CreateTable sent for {spec.name}",
            refresh=check_free,
        )
        return plan

    @write_plan(DDB, "DeleteTable")
    async def plan_delete(self, name: str) -> Plan:
        desc = await self._describe(name)
        if desc.get("DeletionProtectionEnabled"):
            raise DeletionProtected(
                f"Deletion protection is on for {name}",
                "nothing was sent. Turn it off first (Settings tab: g, or "
                f"aws dynamodb update-table --table-name {name} --no-deletion-protection-enabled), "
                "then delete; ddbconsole never turns it off by itself",
                code="DeletionProtected",
            )
        status = str(desc.get("TableStatus", "ACTIVE"))
        if status != "ACTIVE":
            raise TableUpdateInProgress(
                f"{name} is {status}",
                "a table can be deleted once it is ACTIVE"
                if status != "DELETING"
                else "it is already being deleted",
                code="TableBusy",
            )
        return self._plan(
            f"Delete table {name}?",
            [PlannedRequest(DDB, "DeleteTable", {"TableName": name})],
            lambda: self.plan_delete(name),
            checks=("DescribeTable: deletion protection off, the table ACTIVE",),
            then=("the table is followed until it is gone",),
            notes=(
                f"Deletion protection: off. Deleting {name} removes all its items and indexes.",
                "This cannot be undone (back up first if needed).",
            ),
            confirm_label="Delete table",
            require_text=name,
            done=f"DeleteTable sent for {name}",
        )

    # --- settings -----------------------------------------------------------------------------

    @staticmethod
    def _update(name: str, **params: Any) -> list[PlannedRequest]:
        return [PlannedRequest(DDB, "UpdateTable", {"TableName": name, **params})]

    @write_plan(DDB, "UpdateTimeToLive")
    async def plan_ttl(self, name: str, enabled: bool, attribute: str) -> Plan:
        """UpdateTimeToLive. AWS allows one TTL change per table per hour, and an enabled TTL's
        attribute cannot be changed directly (disable it, wait the hour, enable again)."""
        desc = await self._describe(name)
        raw = await self._session.call(DDB, "describe_time_to_live", TableName=name)
        ttl = raw.get("TimeToLiveDescription") or {}
        status = str(ttl.get("TimeToLiveStatus", "DISABLED"))
        current = ttl.get("AttributeName")
        if status in ("ENABLING", "DISABLING"):
            raise TtlRuleError(
                f"TTL of {name} is {status}",
                "a TTL change takes up to an hour to finish; AWS allows one change per hour",
            )
        if enabled:
            attribute = attribute.strip()
            check_attribute_name(attribute, "TTL")
            if status == "ENABLED" and current == attribute:
                raise NothingToChange(f"TTL of {name} is already on ({attribute})")
            if status == "ENABLED":
                raise TtlRuleError(
                    f"TTL of {name} is already on, with attribute {current}",
                    "to use another attribute, disable TTL first and enable it again after an "
                    "hour (AWS allows one TTL change per table per hour)",
                )
        else:
            if status == "DISABLED":
                raise NothingToChange(f"TTL of {name} is already off")
            attribute = str(current or attribute)
        now = datetime.now(UTC)
        # Records from before the table's creation belong to an earlier table of that name.
        created = utc_or_none(desc.get("CreationDateTime"))
        key = table_key(desc["TableArn"])
        changes = await asyncio.to_thread(self.ttl_ledger.times, key, now, created)
        last = changes[-1] if changes else None
        if last is not None:
            at = last + TTL_CHANGE_INTERVAL
            raise TtlRuleError(
                f"TTL of {name} was changed at {last:%H:%M} UTC",
                f"AWS allows one TTL change per table per hour; try after {at:%H:%M} UTC",
                code="TtlChangeTooSoon",
            )
        spec = {"Enabled": enabled, "AttributeName": attribute}

        async def record(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
            await asyncio.to_thread(self.ttl_ledger.record, key, datetime.now(UTC))
            return results

        state = f"on ({attribute})" if enabled else "off"
        return self._plan(
            f"Turn TTL of {name} {state}?",
            [
                PlannedRequest(
                    DDB, "UpdateTimeToLive", {"TableName": name, "TimeToLiveSpecification": spec}
                )
            ],
            lambda: self.plan_ttl(name, enabled, attribute),
            checks=(
                "DescribeTimeToLive: TTL not changing, no TTL change through ddbconsole "
                "in the last hour",
            ),
            notes=("AWS allows one TTL change per table per hour; the next one must wait.",),
            confirm_label="Change TTL",
            done=f"{name}: TTL {state}",
            after=record,
        )

    @write_plan(DDB, "UpdateContinuousBackups")
    async def plan_pitr(self, name: str, enabled: bool) -> Plan:
        raw = await self._session.call(DDB, "describe_continuous_backups", TableName=name)
        pitr = (raw.get("ContinuousBackupsDescription") or {}).get(
            "PointInTimeRecoveryDescription"
        ) or {}
        if (pitr.get("PointInTimeRecoveryStatus") == "ENABLED") == enabled:
            raise NothingToChange(
                f"Point-in-time recovery of {name} is already {'on' if enabled else 'off'}"
            )
        spec = {"PointInTimeRecoveryEnabled": enabled}
        on = "on" if enabled else "off"
        return self._plan(
            f"Turn point-in-time recovery {on} for {name}?",
            [
                PlannedRequest(
                    DDB,
                    "UpdateContinuousBackups",
                    {"TableName": name, "PointInTimeRecoverySpecification": spec},
                )
            ],
            lambda: self.plan_pitr(name, enabled),
            checks=("DescribeContinuousBackups: recovery not already " + on,),
            notes=(
                ("Continuous backups are billed per GB-month.",)
                if enabled
                else ("Turning it off discards the restore window.",)
            ),
            done=f"{name}: change sent",
        )

    @write_plan(DDB, "UpdateTable")
    async def plan_stream(self, name: str, view_type: str | None) -> Plan:
        """Enable the stream with `view_type`, or disable it (None)."""
        desc = await self._describe(name)
        stream = desc.get("StreamSpecification") or {}
        enabled = bool(stream.get("StreamEnabled"))
        current = stream.get("StreamViewType")
        spec = stream_specification(view_type)
        if view_type is None and not enabled:
            raise NothingToChange(f"The stream of {name} is already off")
        if view_type is not None and enabled:
            if current == view_type:
                raise NothingToChange(f"The stream of {name} is already on ({view_type})")
            raise TableRuleError(
                f"The stream of {name} is on with {current}",
                "a stream's view type cannot be changed: disable the stream, then enable it with "
                "the new view type (consumers move to the new stream ARN)",
            )
        check_not_busy(desc)
        what = f"enable the stream ({view_type})" if view_type else "disable the stream"
        return self._plan(
            f"{what.capitalize()} of {name}?",
            self._update(name, StreamSpecification=spec),
            lambda: self.plan_stream(name, view_type),
            checks=(NOT_BUSY,),
            confirm_label="Update",
            done=f"{name}: {what} sent",
        )

    @write_plan(DDB, "UpdateTable")
    async def plan_deletion_protection(self, name: str, enabled: bool) -> Plan:
        desc = await self._describe(name)
        if bool(desc.get("DeletionProtectionEnabled")) == enabled:
            raise NothingToChange(
                f"Deletion protection of {name} is already {'on' if enabled else 'off'}"
            )
        check_not_busy(desc)
        on = "on" if enabled else "off"
        return self._plan(
            f"Turn deletion protection {on} for {name}?",
            self._update(name, DeletionProtectionEnabled=enabled),
            lambda: self.plan_deletion_protection(name, enabled),
            checks=(NOT_BUSY,),
            notes=(
                ("While on, DeleteTable is refused.",)
                if enabled
                else ("With protection off, the table can be deleted.",)
            ),
            done=f"{name}: change sent",
        )

    @write_plan(DDB, "UpdateTable")
    async def plan_table_class(self, name: str, table_class: str) -> Plan:
        check_table_class(table_class)
        desc = await self._describe(name)
        current = (desc.get("TableClassSummary") or {}).get("TableClass", "STANDARD")
        if current == table_class:
            raise NothingToChange(f"{name} is already {table_class}")
        check_not_busy(desc)
        return self._plan(
            f"Change the table class of {name} to {table_class}?",
            self._update(name, TableClass=table_class),
            lambda: self.plan_table_class(name, table_class),
            checks=(NOT_BUSY,),
            notes=(
                "STANDARD_INFREQUENT_ACCESS: cheaper storage, dearer reads and writes.",
                "Table class changes are limited (two per 30 days in AWS).",
            ),
            done=f"{name}: change sent",
        )

    @write_plan(DDB, "TagResource")
    async def plan_tags(self, name: str, desired: Mapping[str, str]) -> Plan:
        """TagResource for added or changed tags, UntagResource for removed ones."""
        if len(desired) > MAX_TAGS:
            raise TableRuleError(f"Too many tags ({len(desired)})", f"at most {MAX_TAGS} per table")
        for key, value in desired.items():
            check_tag(key, value)
        desc = await self._describe(name)
        arn = desc["TableArn"]
        current: dict[str, str] = {}
        params: dict[str, Any] = {"ResourceArn": arn}
        while True:
            page = await self._session.call(DDB, "list_tags_of_resource", **params)
            current.update({t["Key"]: t["Value"] for t in page.get("Tags", [])})
            if not page.get("NextToken"):
                break
            params["NextToken"] = page["NextToken"]
        changed = [{"Key": k, "Value": v} for k, v in desired.items() if current.get(k) != v]
        removed = sorted(k for k in current if k not in desired)
        requests: list[PlannedRequest] = []
        if changed:
            requests.append(
                PlannedRequest(DDB, "TagResource", {"ResourceArn": arn, "Tags": changed})
            )
        if removed:
            requests.append(
                PlannedRequest(DDB, "UntagResource", {"ResourceArn": arn, "TagKeys": removed})
            )
        if not requests:
            raise NothingToChange(f"The tags of {name} are already these")
        return self._plan(
            f"Change the tags of {name}?",
            requests,
            lambda: self.plan_tags(name, desired),
            checks=("ListTagsOfResource: the current tags (re-planned; refused if changed)",),
            confirm_label="Update tags",
            done=f"{name}: tags updated",
        )

    # --- secondary indexes --------------------------------------------------------------------

    @write_plan(DDB, "UpdateTable")
    async def plan_add_gsi(self, name: str, index: IndexSpec, *, local: bool = False) -> Plan:
        """UpdateTable creating one GSI (AttributeDefinitions: every key attribute of the table
        and its indexes, so they match the key schemas exactly). LSIs are refused: DynamoDB only
        creates them with the table."""
        if local:
            raise IndexRuleError(
                f"Cannot add LSI {index.name} to an existing table",
                "DynamoDB creates local secondary indexes only with the table; add a GSI, or "
                "create a new table with the LSI and copy the items",
            )
        check_name(index.name, "index")
        desc = await self._describe(name)
        gsis = list(desc.get("GlobalSecondaryIndexes", []))
        lsis = list(desc.get("LocalSecondaryIndexes", []))
        taken = {i["IndexName"] for i in (*gsis, *lsis)}
        if index.name in taken:
            raise IndexRuleError(
                f"{name} already has an index named {index.name}", "choose another name"
            )
        check_index_counts(len(gsis) + 1, len(lsis))
        already = sum(
            len((i.get("Projection") or {}).get("NonKeyAttributes", [])) for i in (*gsis, *lsis)
        )
        check_projected_total([index], already)
        mode = (desc.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
        create = index_request(index, mode, local=False)
        check_not_busy(desc)
        keys = existing_keys(desc)
        keys.append((index.partition_key, f"the partition key of GSI {index.name}"))
        if index.sort_key is not None:
            keys.append((index.sort_key, f"the sort key of GSI {index.name}"))
        attribute_definitions = definitions(keys)
        check_definitions_match(
            {
                "AttributeDefinitions": attribute_definitions,
                "KeySchema": desc["KeySchema"],
                "GlobalSecondaryIndexes": [*gsis, create],
                "LocalSecondaryIndexes": lsis,
            }
        )
        return self._plan(
            f"Add GSI {index.name} to {name}?",
            self._update(
                name,
                AttributeDefinitions=attribute_definitions,
                GlobalSecondaryIndexUpdates=[{"Create": create}],
            ),
            lambda: self.plan_add_gsi(name, index, local=local),
            checks=(NOT_BUSY,),
            then=("the index's backfill is followed live until it is ACTIVE",),
            notes=(
                "DynamoDB backfills the index from the table's items; the table takes no "
                "other update until the index is ACTIVE.",
            ),
            confirm_label="Add GSI",
            done=f"{name}: GSI {index.name} is being created (backfill followed live)",
        )

    @write_plan(DDB, "UpdateTable")
    async def plan_delete_gsi(self, name: str, index: str) -> Plan:
        desc = await self._describe(name)
        gsis = [g["IndexName"] for g in desc.get("GlobalSecondaryIndexes", [])]
        if index in [i["IndexName"] for i in desc.get("LocalSecondaryIndexes", [])]:
            raise IndexRuleError(
                f"{index} is a local secondary index",
                "LSIs cannot be deleted: they exist as long as the table does",
            )
        if index not in gsis:
            raise IndexRuleError(
                f"{name} has no GSI named {index}",
                "global secondary indexes: " + (", ".join(gsis) or "none"),
            )
        check_not_busy(desc)
        return self._plan(
            f"Delete GSI {index} of {name}?",
            self._update(name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": index}}]),
            lambda: self.plan_delete_gsi(name, index),
            checks=(NOT_BUSY,),
            notes=("Queries using this index will fail once it is gone.",),
            confirm_label="Delete GSI",
            done=f"{name}: GSI {index} is being deleted",
        )
