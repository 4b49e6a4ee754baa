"""Table listing and description."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any

from ddbconsole.errors import DdbConsoleError
from ddbconsole.models import IndexInfo, KeyAttribute, TableInfo, Throughput
from ddbconsole.services.session import AwsSession


def _keys(schema: list[dict[str, Any]], types: dict[str, str]) -> tuple[KeyAttribute, ...]:
    ordered = sorted(schema, key=lambda k: 0 if k["KeyType"] == "HASH" else 1)
    return tuple(
        KeyAttribute(
            name=k["AttributeName"], type=types.get(k["AttributeName"], "?"), role=k["KeyType"]
        )
        for k in ordered
    )


def _throughput(raw: dict[str, Any] | None, read: str, write: str) -> Throughput | None:
    if not raw:
        return None
    r, w = raw.get(read), raw.get(write)
    if r is None and w is None:
        return None
    return Throughput(read=None if r is None else int(r), write=None if w is None else int(w))


def _provisioned(raw: dict[str, Any] | None) -> Throughput | None:
    return _throughput(raw, "ReadCapacityUnits", "WriteCapacityUnits")


def _on_demand(raw: dict[str, Any] | None) -> Throughput | None:
    return _throughput(raw, "MaxReadRequestUnits", "MaxWriteRequestUnits")


def _index(raw: dict[str, Any], kind: str, types: dict[str, str], on_demand: bool) -> IndexInfo:
    projection = raw.get("Projection", {})
    return IndexInfo(
        name=raw["IndexName"],
        kind=kind,  # type: ignore[arg-type]
        keys=_keys(raw["KeySchema"], types),
        projection=projection.get("ProjectionType", "ALL"),
        projected_attributes=tuple(projection.get("NonKeyAttributes", ())),
        status=raw.get("IndexStatus", "ACTIVE"),
        backfilling=bool(raw.get("Backfilling", False)),
        provisioned=None if on_demand else _provisioned(raw.get("ProvisionedThroughput")),
        on_demand_max=_on_demand(raw.get("OnDemandThroughput")),
        item_count=raw.get("ItemCount"),
        size_bytes=raw.get("IndexSizeBytes"),
    )


def parse_table(
    desc: dict[str, Any],
    *,
    ttl: dict[str, Any] | None = None,
    backups: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
    unavailable: dict[str, str] | None = None,
) -> TableInfo:
    """Build a TableInfo from DescribeTable (+ TTL, continuous backups and tags when available)."""
    types = {a["AttributeName"]: a["AttributeType"] for a in desc.get("AttributeDefinitions", [])}
    billing = desc.get("BillingModeSummary", {})
    mode = billing.get("BillingMode") or "PROVISIONED"
    on_demand = mode == "PAY_PER_REQUEST"
    stream = desc.get("StreamSpecification") or {}
    pitr = ((backups or {}).get("PointInTimeRecoveryDescription") or {}).get(
        "PointInTimeRecoveryStatus"
    )
    indexes = [_index(g, "GSI", types, on_demand) for g in desc.get("GlobalSecondaryIndexes", [])]
    indexes += [_index(i, "LSI", types, on_demand) for i in desc.get("LocalSecondaryIndexes", [])]
    switched = billing.get("LastUpdateToPayPerRequestDateTime")
    warm = desc.get("WarmThroughput")
    return TableInfo(
        name=desc["TableName"],
        arn=desc.get("TableArn", ""),
        status=desc.get("TableStatus", "UNKNOWN"),
        keys=_keys(desc["KeySchema"], types),
        attribute_definitions=types,
        billing_mode=mode,
        provisioned=None if on_demand else _provisioned(desc.get("ProvisionedThroughput")),
        on_demand_max=_on_demand(desc.get("OnDemandThroughput")),
        item_count=int(desc.get("ItemCount", 0)),
        size_bytes=int(desc.get("TableSizeBytes", 0)),
        created=desc.get("CreationDateTime")
        if isinstance(desc.get("CreationDateTime"), datetime)
        else None,
        indexes=tuple(indexes),
        stream_enabled=bool(stream.get("StreamEnabled", False)),
        stream_view_type=stream.get("StreamViewType"),
        stream_arn=desc.get("LatestStreamArn"),
        ttl_status=(ttl or {}).get("TimeToLiveStatus"),
        ttl_attribute=(ttl or {}).get("AttributeName"),
        pitr_status=pitr,
        deletion_protection=bool(desc.get("DeletionProtectionEnabled", False)),
        table_class=(desc.get("TableClassSummary") or {}).get("TableClass", "STANDARD"),
        tags=dict(tags or {}),
        last_billing_switch=switched if isinstance(switched, datetime) else None,
        warm_throughput=_throughput(warm, "ReadUnitsPerSecond", "WriteUnitsPerSecond"),
        unavailable=dict(unavailable or {}),
        raw=desc,
    )


class TableService:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    async def iter_table_names(self, page_size: int = 100) -> AsyncIterator[list[str]]:
        """Table names one ListTables page at a time (100 per page), so the list paints early."""
        params: dict[str, Any] = {"Limit": page_size}
        while True:
            page = await self._session.call("dynamodb", "list_tables", **params)
            yield list(page.get("TableNames", []))
            last = page.get("LastEvaluatedTableName")
            if not last:
                return
            params["ExclusiveStartTableName"] = last

    async def list_table_names(self) -> list[str]:
        names: list[str] = []
        async for page in self.iter_table_names():
            names.extend(page)
        return names

    async def describe_raw(self, name: str) -> dict[str, Any]:
        result = await self._session.call("dynamodb", "describe_table", TableName=name)
        table: dict[str, Any] = result["Table"]
        return table

    async def describe(self, name: str) -> TableInfo:
        """Everything about one table: DescribeTable, TTL, PITR and tags, fetched concurrently.

        A part that cannot be read (permissions, an endpoint that lacks the API) is reported in
        `unavailable` rather than failing the whole description.
        """
        desc = await self.describe_raw(name)
        unavailable: dict[str, str] = {}
        call = partial(self._session.call, "dynamodb")

        async def optional(part: str, fetch: Callable[[], Awaitable[Any]]) -> Any:
            try:
                return await fetch()
            except DdbConsoleError as exc:
                unavailable[part] = str(exc)
                return None

        ttl, backups, tags = await asyncio.gather(
            optional("ttl", lambda: call("describe_time_to_live", TableName=name)),
            optional("pitr", lambda: call("describe_continuous_backups", TableName=name)),
            optional("tags", lambda: self.tags(desc["TableArn"])),
        )
        return parse_table(
            desc,
            ttl=(ttl or {}).get("TimeToLiveDescription"),
            backups=(backups or {}).get("ContinuousBackupsDescription"),
            tags=tags,
            unavailable=unavailable,
        )

    async def tags(self, arn: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        params: dict[str, Any] = {"ResourceArn": arn}
        while True:
            page = await self._session.call("dynamodb", "list_tags_of_resource", **params)
            tags.update({t["Key"]: t["Value"] for t in page.get("Tags", [])})
            token = page.get("NextToken")
            if not token:
                return tags
            params["NextToken"] = token
