"""Consumed capacity of a table and its GSIs, hour by hour, for suggestions and the cost what-if."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from ddbconsole.errors import UserInputError
from ddbconsole.models import ResourceUsage, TableUsage
from ddbconsole.services.capacity_rules import MAX_HISTORY_DAYS
from ddbconsole.services.metrics import MetricQuery, MetricsService, Window


async def hourly_usage(
    describe: Callable[[str], Awaitable[dict[str, Any]]],
    metrics: MetricsService,
    table: str,
    days: int,
) -> TableUsage:
    """Hourly consumed capacity (per-second averages) of the table and its GSIs over the last
    `days` whole hours-aligned days, in one GetMetricData call. Hours without datapoints (no
    traffic) count as 0."""
    if not 1 <= days <= MAX_HISTORY_DAYS:
        raise UserInputError(
            "Invalid history length", f"choose 1 to {MAX_HISTORY_DAYS} days (got {days})"
        )
    desc = await describe(table)
    indexes: list[str | None] = [None]
    indexes += [g["IndexName"] for g in desc.get("GlobalSecondaryIndexes", [])]
    queries: list[MetricQuery] = []
    for index in indexes:
        dims: tuple[tuple[str, str], ...] = (("TableName", table),)
        if index:
            dims += (("GlobalSecondaryIndexName", index),)
        for side in ("Read", "Write"):
            metric = f"Consumed{side}CapacityUnits"
            queries.append(
                MetricQuery(
                    key=f"{index or ''}:{side}",
                    metric=metric,
                    stat="Sum",
                    dimensions=dims,
                    label=f"{index or table} {side.lower()}",
                    unit="RCU/s" if side == "Read" else "WCU/s",
                    per_second=True,
                    table=table,
                    index=index,
                )
            )
    end_ts = int(datetime.now(UTC).timestamp()) // 3600 * 3600  # last whole hour
    hours = days * 24
    window = Window(
        start=datetime.fromtimestamp(end_ts - hours * 3600, UTC),
        end=datetime.fromtimestamp(end_ts, UTC),
        period=3600,
    )
    snap = await metrics.fetch(queries, window)

    def grid(key: str) -> tuple[float, ...]:
        values = [0.0] * hours
        series = snap.series.get(key)
        for ts, value in zip(series.timestamps, series.values, strict=True) if series else ():
            slot = int((ts - window.start).total_seconds() // 3600)
            if 0 <= slot < hours:
                values[slot] = value
        return tuple(values)

    resources = tuple(
        ResourceUsage(index=i, read=grid(f"{i or ''}:Read"), write=grid(f"{i or ''}:Write"))
        for i in indexes
    )
    return TableUsage(table, window.start, window.end, resources, snap.messages)
