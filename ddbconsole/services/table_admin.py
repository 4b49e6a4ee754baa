"""Creating, deleting and configuring tables: TTL, point-in-time recovery, streams, deletion
protection, table class, tags, and adding or deleting GSIs.

Every change is first a plan, as in services/capacity.py: `plan_*` reads what it needs, checks the
rules DynamoDB enforces (and moto does not; see services/table_rules.py) and returns the exact
requests as `PlannedRequest`s. The executing methods build the plan again and send exactly it; pass
the plan the user confirmed as `confirmed=` and a plan that changed meanwhile is refused
(`PlanChanged`) with nothing sent. Refusals are UserInputError subclasses raised before any write.

Deletion protection is never turned off implicitly: deleting a protected table is refused with the
way to turn it off. AWS allows one TTL change per table per hour (a second UpdateTimeToLive within
the hour fails); the service records TTL changes made through it for an hour (state dir, across
sessions) and refuses a second one early.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from ddbconsole.errors import DdbConsoleError, NotFound, ReadOnlyViolation
from ddbconsole.models import (
    IndexSpec,
    KeySpec,
    KeyType,
    PlannedRequest,
    TableProgress,
    TableSpec,
)
from ddbconsole.services.capacity_rules import ChangeIncomplete, PlanChanged, check_confirmed
from ddbconsole.services.capacity_store import ChangeLedger, table_key
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
    aws_cli_command,
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
    index_request,
    stream_specification,
)

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
TTL_LEDGER_FILE = "ttl-changes.json"
StatusCallback = Callable[[TableProgress], None]


class TableExists(TableRuleError):
    pass


class WaitTimedOut(DdbConsoleError):
    """Following a table's status gave up; the change itself continues in AWS."""


def _keys_of(raw: Mapping[str, Any]) -> list[str]:
    return [k["AttributeName"] for k in raw.get("KeySchema", [])]


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

    def aws_cli_command(self, plan: PlannedRequest, multiline: bool = True) -> str:
        """The AWS CLI command equivalent to `plan`, with this session's region/endpoint/profile."""
        profile = self._session.profile
        return aws_cli_command(
            plan,
            region=self._session.region,
            endpoint_url=profile.endpoint_for(plan.service),
            profile=profile.aws_profile,
            multiline=multiline,
        )

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
        loop = asyncio.get_running_loop()
        start = loop.time()
        step = self.poll_interval if interval is None else interval
        limit = self.max_wait if max_wait is None else max_wait
        polls = 0
        while True:
            polls += 1
            elapsed = loop.time() - start
            try:
                desc = await self._describe(name)
            except NotFound:
                progress = TableProgress(name, "GONE", polls=polls, elapsed=elapsed)
            else:
                indexes = tuple(
                    (
                        g["IndexName"],
                        str(g.get("IndexStatus", "ACTIVE")),
                        bool(g.get("Backfilling")),
                    )
                    for g in desc.get("GlobalSecondaryIndexes", [])
                )
                status = str(desc.get("TableStatus", "ACTIVE"))
                progress = TableProgress(name, status, indexes, polls=polls, elapsed=elapsed)
            if on_status is not None:
                on_status(progress)
            if until == "GONE" and progress.status == "GONE":
                return progress
            if until == "ACTIVE":
                if progress.status == "GONE":
                    raise NotFound(f"{name} no longer exists", "it was deleted while followed")
                if progress.settled:
                    return progress
            if elapsed + step > limit:
                raise WaitTimedOut(
                    f"Stopped following {name} after {elapsed:.0f} s ({progress.describe()})",
                    "the change continues in AWS; refresh (r) later to see its status",
                    code="WaitTimedOut",
                )
            await asyncio.sleep(step)

    # --- sending ------------------------------------------------------------------------------

    def _refuse_read_only(self, operation: str) -> None:
        if self._session.read_only:
            raise ReadOnlyViolation(DDB, operation)

    async def send(
        self, plan: Sequence[PlannedRequest], confirmed: Sequence[PlannedRequest] | None = None
    ) -> list[dict[str, Any]]:
        """Send `plan` in order; refuse (sending nothing) if it differs from `confirmed`."""
        if plan:
            self._refuse_read_only(plan[0].operation)
        check_confirmed(plan, confirmed)
        results: list[dict[str, Any]] = []
        for n, request in enumerate(plan):
            try:
                results.append(
                    await self._session.call(request.service, request.method, **request.params)
                )
            except DdbConsoleError as exc:
                if n == 0:
                    raise
                raise ChangeIncomplete(plan[:n], request, exc) from exc
        return results

    # --- create and delete --------------------------------------------------------------------

    @staticmethod
    def plan_create(spec: TableSpec) -> PlannedRequest:
        """The exact CreateTable request for `spec` (no I/O); refuses what DynamoDB would refuse."""
        return PlannedRequest(DDB, "CreateTable", create_request(spec))

    async def create(
        self, spec: TableSpec, *, confirmed: PlannedRequest | None = None
    ) -> PlannedRequest:
        """Create the table (returns at once; follow it with `wait_status`)."""
        self._refuse_read_only("CreateTable")
        plan = self.plan_create(spec)
        check_confirmed([plan], None if confirmed is None else [confirmed])
        try:
            desc = await self._describe(spec.name)
        except NotFound:
            pass
        else:
            raise TableExists(
                f"Table {spec.name} already exists ({desc.get('TableStatus', '?')})",
                "choose another name; nothing was sent",
                code="TableExists",
            )
        await self.send([plan])
        return plan

    async def plan_delete(self, name: str) -> list[PlannedRequest]:
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
        return [PlannedRequest(DDB, "DeleteTable", {"TableName": name})]

    async def delete(
        self, name: str, *, confirmed: Sequence[PlannedRequest] | None = None
    ) -> list[PlannedRequest]:
        self._refuse_read_only("DeleteTable")
        plan = await self.plan_delete(name)
        await self.send(plan, confirmed)
        return plan

    # --- settings -----------------------------------------------------------------------------

    def _update(self, name: str, **params: Any) -> list[PlannedRequest]:
        return [PlannedRequest(DDB, "UpdateTable", {"TableName": name, **params})]

    async def plan_ttl(self, name: str, enabled: bool, attribute: str) -> list[PlannedRequest]:
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
        changes = await asyncio.to_thread(self.ttl_ledger.times, table_key(desc["TableArn"]), now)
        last = changes[-1] if changes else None
        if last is not None:
            at = last + TTL_CHANGE_INTERVAL
            raise TtlRuleError(
                f"TTL of {name} was changed at {last:%H:%M} UTC",
                f"AWS allows one TTL change per table per hour; try after {at:%H:%M} UTC",
                code="TtlChangeTooSoon",
            )
        spec = {"Enabled": enabled, "AttributeName": attribute}
        return [
            PlannedRequest(
                DDB, "UpdateTimeToLive", {"TableName": name, "TimeToLiveSpecification": spec}
            )
        ]

    async def set_ttl(
        self,
        name: str,
        enabled: bool,
        attribute: str,
        *,
        confirmed: Sequence[PlannedRequest] | None = None,
    ) -> list[PlannedRequest]:
        self._refuse_read_only("UpdateTimeToLive")
        plan = await self.plan_ttl(name, enabled, attribute)
        desc = await self._describe(name)
        await self.send(plan, confirmed)
        key = table_key(desc["TableArn"])
        await asyncio.to_thread(self.ttl_ledger.record, key, datetime.now(UTC))
        return plan

    async def plan_pitr(self, name: str, enabled: bool) -> list[PlannedRequest]:
        raw = await self._session.call(DDB, "describe_continuous_backups", TableName=name)
        pitr = (raw.get("ContinuousBackupsDescription") or {}).get(
            "PointInTimeRecoveryDescription"
        ) or {}
        if (pitr.get("PointInTimeRecoveryStatus") == "ENABLED") == enabled:
            raise NothingToChange(
                f"Point-in-time recovery of {name} is already {'on' if enabled else 'off'}"
            )
        spec = {"PointInTimeRecoveryEnabled": enabled}
        return [
            PlannedRequest(
                DDB,
                "UpdateContinuousBackups",
                {"TableName": name, "PointInTimeRecoverySpecification": spec},
            )
        ]

    async def set_pitr(
        self, name: str, enabled: bool, *, confirmed: Sequence[PlannedRequest] | None = None
    ) -> list[PlannedRequest]:
        self._refuse_read_only("UpdateContinuousBackups")
        plan = await self.plan_pitr(name, enabled)
        await self.send(plan, confirmed)
        return plan

    async def plan_stream(self, name: str, view_type: str | None) -> list[PlannedRequest]:
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
        return self._update(name, StreamSpecification=spec)

    async def set_stream(
        self,
        name: str,
        view_type: str | None,
        *,
        confirmed: Sequence[PlannedRequest] | None = None,
    ) -> list[PlannedRequest]:
        self._refuse_read_only("UpdateTable")
        plan = await self.plan_stream(name, view_type)
        await self.send(plan, confirmed)
        return plan

    async def plan_deletion_protection(self, name: str, enabled: bool) -> list[PlannedRequest]:
        desc = await self._describe(name)
        if bool(desc.get("DeletionProtectionEnabled")) == enabled:
            raise NothingToChange(
                f"Deletion protection of {name} is already {'on' if enabled else 'off'}"
            )
        check_not_busy(desc)
        return self._update(name, DeletionProtectionEnabled=enabled)

    async def set_deletion_protection(
        self, name: str, enabled: bool, *, confirmed: Sequence[PlannedRequest] | None = None
    ) -> list[PlannedRequest]:
        self._refuse_read_only("UpdateTable")
        plan = await self.plan_deletion_protection(name, enabled)
        await self.send(plan, confirmed)
        return plan

    async def plan_table_class(self, name: str, table_class: str) -> list[PlannedRequest]:
        check_table_class(table_class)
        desc = await self._describe(name)
        current = (desc.get("TableClassSummary") or {}).get("TableClass", "STANDARD")
        if current == table_class:
            raise NothingToChange(f"{name} is already {table_class}")
        check_not_busy(desc)
        return self._update(name, TableClass=table_class)

    async def set_table_class(
        self, name: str, table_class: str, *, confirmed: Sequence[PlannedRequest] | None = None
    ) -> list[PlannedRequest]:
        self._refuse_read_only("UpdateTable")
        plan = await self.plan_table_class(name, table_class)
        await self.send(plan, confirmed)
        return plan

    async def plan_tags(self, name: str, desired: Mapping[str, str]) -> list[PlannedRequest]:
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
        plan: list[PlannedRequest] = []
        if changed:
            plan.append(PlannedRequest(DDB, "TagResource", {"ResourceArn": arn, "Tags": changed}))
        if removed:
            plan.append(
                PlannedRequest(DDB, "UntagResource", {"ResourceArn": arn, "TagKeys": removed})
            )
        if not plan:
            raise NothingToChange(f"The tags of {name} are already these")
        return plan

    async def set_tags(
        self,
        name: str,
        desired: Mapping[str, str],
        *,
        confirmed: Sequence[PlannedRequest] | None = None,
    ) -> list[PlannedRequest]:
        self._refuse_read_only("TagResource")
        plan = await self.plan_tags(name, desired)
        await self.send(plan, confirmed)
        return plan

    # --- secondary indexes --------------------------------------------------------------------

    async def plan_add_gsi(
        self, name: str, index: IndexSpec, *, local: bool = False
    ) -> list[PlannedRequest]:
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
        types = {a["AttributeName"]: a["AttributeType"] for a in desc["AttributeDefinitions"]}
        keys: list[tuple[KeySpec, str]] = []
        for where, raw in [
            ("the table", desc),
            *((f"index {i['IndexName']}", i) for i in (*gsis, *lsis)),
        ]:
            for attr in _keys_of(raw):
                if attr not in types:
                    raise AttributeDefinitionError(
                        f"No type known for {attr} ({where})",
                        "DescribeTable did not define it; refresh and try again",
                    )
                keys.append((KeySpec(attr, cast(KeyType, types[attr])), where))
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
        return self._update(
            name,
            AttributeDefinitions=attribute_definitions,
            GlobalSecondaryIndexUpdates=[{"Create": create}],
        )

    async def add_gsi(
        self,
        name: str,
        index: IndexSpec,
        *,
        local: bool = False,
        confirmed: Sequence[PlannedRequest] | None = None,
    ) -> list[PlannedRequest]:
        self._refuse_read_only("UpdateTable")
        plan = await self.plan_add_gsi(name, index, local=local)
        await self.send(plan, confirmed)
        return plan

    async def plan_delete_gsi(self, name: str, index: str) -> list[PlannedRequest]:
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
        return self._update(name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": index}}])

    async def delete_gsi(
        self, name: str, index: str, *, confirmed: Sequence[PlannedRequest] | None = None
    ) -> list[PlannedRequest]:
        self._refuse_read_only("UpdateTable")
        plan = await self.plan_delete_gsi(name, index)
        await self.send(plan, confirmed)
        return plan
