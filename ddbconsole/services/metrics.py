"""CloudWatch metrics for the live pane and the all-tables overview, in as few calls as CloudWatch allows.

Everything one screen shows is ONE GetMetricData request. The bounds:

* GetMetricData takes at most 500 MetricDataQueries per call, so a screen with Q queries costs
  ceil(Q / 500) calls. A table with G GSIs and the default 10 operations needs 46 + 14·G queries
  (8 of them per resource are the per-reason throttle metrics, `THROTTLE_REASONS`): one call up to
  G = 32.
* One call returns at most 100,800 datapoints; beyond that CloudWatch pages with NextToken, and each
  page is one more call. With at most 1440 points per series (enforced here) a call holds at least 70
  full series (a table with one GSI is one call even at 1440 points); the default periods give at
  most 360 points per series (one call for up to 280 series: a table with up to 16 GSIs).
* The overview asks one datapoint per series: ceil(sum of queries / 500) calls, no paging. That is
  ceil(16·N / 500) calls for N tables without GSIs (2 for 50 tables), see `overview_queries`.

Capacity is converted to units per second (Sum / period), as the AWS console shows it, so that
consumed and provisioned share one axis.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ddbconsole.errors import UserInputError
from ddbconsole.models import (
    AlarmInfo,
    Attention,
    MetricSeries,
    MetricsOverview,
    MetricsSnapshot,
    TableHealth,
    TableInfo,
)
from ddbconsole.services.session import AwsSession

NAMESPACE = "AWS/DynamoDB"
MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
MAX_POINTS_PER_SERIES = 1440
MIN_RANGE_SECONDS = 15 * 60
MAX_RANGE_SECONDS = 14 * 86400
HIGH_UTILISATION = 0.8  # overview: consumed/provisioned at or above this needs attention

# The operations whose latency, throttles and system errors the pane shows.
OPERATIONS: tuple[str, ...] = (
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
)

# Range choices for the pane (seconds) and the default period for each (<= 360 points).
RANGES: dict[str, int] = {
    "15m": 900,
    "1h": 3600,
    "3h": 3 * 3600,
    "12h": 12 * 3600,
    "1d": 86400,
    "3d": 3 * 86400,
    "1w": 7 * 86400,
    "2w": 14 * 86400,
}
NICE_PERIODS: tuple[int, ...] = (60, 300, 900, 3600, 6 * 3600, 86400)
DEFAULT_POINTS = 360

# The per-reason throttle metrics (`{side}{limit}ThrottleEvents`), for the table and each GSI: which
# limit throttled (docs/ARCHITECTURE.md, "Diagnose").
THROTTLE_LIMITS: tuple[str, ...] = (
    "KeyRangeThroughput",
    "ProvisionedThroughput",
    "AccountLimit",
    "MaxOnDemandThroughput",
)
THROTTLE_REASONS: tuple[str, ...] = tuple(
    f"{side}{limit}ThrottleEvents" for side in ("Read", "Write") for limit in THROTTLE_LIMITS
)

_READ = "RCU/s"
_WRITE = "WCU/s"


@dataclass(frozen=True)
class MetricQuery:
    """One series to fetch. `per_second` divides each Sum by the seconds it covers."""

    key: str
    metric: str
    stat: str
    dimensions: tuple[tuple[str, str], ...]
    label: str
    unit: str
    per_second: bool = False
    table: str | None = None
    index: str | None = None
    operation: str | None = None

    def to_cloudwatch(self, query_id: str, period: int) -> dict[str, Any]:
        return {
            "Id": query_id,
            "Label": self.label,
            "ReturnData": True,
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": self.metric,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
                },
                "Period": period,
                "Stat": self.stat,
            },
        }


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    period: int

    @property
    def points(self) -> int:
        return math.ceil((self.end - self.start).total_seconds() / self.period)


def series_key(
    table: str | None, metric: str, *, index: str | None = None, operation: str | None = None
) -> str:
    """The stable id of a series: `Orders:ConsumedReadCapacityUnits`,
    `Orders/ByStatus:ReadThrottleEvents`, `Orders:SuccessfulRequestLatency:GetItem`, `*:UserErrors`
    (account-level). Table names cannot hold `/`, `:` or `*`, so keys never collide."""
    scope = "*" if table is None else table if index is None else f"{table}/{index}"
    return f"{scope}:{metric}" if operation is None else f"{scope}:{metric}:{operation}"


def _capacity(table: str, index: str | None, prefix: str) -> list[MetricQuery]:
    dims: tuple[tuple[str, str], ...] = (("TableName", table),)
    if index is not None:
        dims += (("GlobalSecondaryIndexName", index),)
    who = f"{index} " if index else ""
    out: list[MetricQuery] = []
    for side, unit in (("Read", _READ), ("Write", _WRITE)):
        for kind, stat in (("Consumed", "Sum"), ("Provisioned", "Average")):
            metric = f"{kind}{side}CapacityUnits"
            out.append(
                MetricQuery(
                    key=series_key(table, metric, index=index),
                    metric=metric,
                    stat=stat,
                    dimensions=dims,
                    label=f"{prefix}{who}{kind.lower()} {side.lower()}",
                    unit=unit,
                    per_second=kind == "Consumed",
                    table=table,
                    index=index,
                )
            )
        metric = f"{side}ThrottleEvents"
        out.append(
            MetricQuery(
                key=series_key(table, metric, index=index),
                metric=metric,
                stat="Sum",
                dimensions=dims,
                label=f"{prefix}{who}{side.lower()} throttle events",
                unit="count",
                table=table,
                index=index,
            )
        )
    return out


def reason_queries(table: str, index: str | None = None) -> list[MetricQuery]:
    """The 8 per-reason throttle metrics of the table or one GSI (Sum per period)."""
    dims: tuple[tuple[str, str], ...] = (("TableName", table),)
    if index is not None:
        dims += (("GlobalSecondaryIndexName", index),)
    who = f"{index} " if index else ""
    return [
        MetricQuery(
            key=series_key(table, metric, index=index),
            metric=metric,
            stat="Sum",
            dimensions=dims,
            label=f"{who}{metric.removesuffix('ThrottleEvents')} throttles",
            unit="count",
            table=table,
            index=index,
        )
        for metric in THROTTLE_REASONS
    ]


def _per_operation(
    table: str, metric: str, stat: str, unit: str, what: str, operations: Iterable[str]
) -> list[MetricQuery]:
    return [
        MetricQuery(
            key=series_key(table, metric, operation=op),
            metric=metric,
            stat=stat,
            dimensions=(("TableName", table), ("Operation", op)),
            label=f"{op} {what}",
            unit=unit,
            table=table,
            operation=op,
        )
        for op in operations
    ]


def table_queries(
    table: str, gsis: Sequence[str] = (), operations: Sequence[str] = OPERATIONS
) -> list[MetricQuery]:
    """Everything the pane shows for a table and its GSIs: 16 + 3·len(operations) + 14·len(gsis)
    (capacity, throttle events and the per-reason throttle metrics of each)."""
    out = _capacity(table, None, "") + reason_queries(table)
    for index in gsis:
        out += _capacity(table, index, "") + reason_queries(table, index)
    table_dims = (("TableName", table),)
    out.append(
        MetricQuery(
            key=series_key(table, "ConditionalCheckFailedRequests"),
            metric="ConditionalCheckFailedRequests",
            stat="Sum",
            dimensions=table_dims,
            label="conditional check failures",
            unit="count",
            table=table,
        )
    )
    # UserErrors has no dimensions in AWS/DynamoDB: it is account-wide for the region.
    out.append(
        MetricQuery(
            key=series_key(None, "UserErrors"),
            metric="UserErrors",
            stat="Sum",
            dimensions=(),
            label="user errors (account, region)",
            unit="count",
        )
    )
    out += _per_operation(table, "ThrottledRequests", "Sum", "count", "throttled", operations)
    out += _per_operation(table, "SystemErrors", "Sum", "count", "system errors", operations)
    out += _per_operation(table, "SuccessfulRequestLatency", "Average", "ms", "latency", operations)
    return out


def overview_queries(table: str | TableInfo) -> list[MetricQuery]:
    """The overview's queries for one table: 16, plus 2 (read/write throttle events) per GSI."""
    name = table if isinstance(table, str) else table.name
    gsis = () if isinstance(table, str) else tuple(i.name for i in table.gsis)
    out = _capacity(name, None, "")
    for index in gsis:
        out += [q for q in _capacity(name, index, "") if q.metric.endswith("ThrottleEvents")]
    out += _per_operation(name, "SystemErrors", "Sum", "count", "system errors", OPERATIONS)
    return out


def calls_bound(n_queries: int, points_per_series: int = 1) -> int:
    """The most GetMetricData calls `n_queries` series of `points_per_series` points can take."""
    if n_queries <= 0:
        return 0
    per_page = max(1, MAX_DATAPOINTS_PER_CALL // max(1, points_per_series))
    full, rest = divmod(n_queries, MAX_QUERIES_PER_CALL)
    chunks = [MAX_QUERIES_PER_CALL] * full + ([rest] if rest else [])
    return sum(math.ceil(c / per_page) for c in chunks)


# --- time windows -------------------------------------------------------------------------------


def default_period(range_seconds: int) -> int:
    """The smallest 'nice' period giving at most DEFAULT_POINTS points over the range."""
    for period in NICE_PERIODS:
        if math.ceil(range_seconds / period) <= DEFAULT_POINTS:
            return period
    return NICE_PERIODS[-1]


def _ceil_to(value: int, step: int) -> int:
    return -(-value // step) * step


def choose_period(
    range_seconds: int,
    period: int | None = None,
    *,
    end: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """A period CloudWatch accepts for this range, honouring the requested one where possible.

    DynamoDB metrics are standard resolution: the period is a multiple of 60 s. At most 1440 points
    per series: a smaller period is raised to the smallest multiple of 60 that fits. Retention: data
    older than 15 days exists only at 5-minute resolution (period a multiple of 300), older than 63
    days only hourly (multiple of 3600).
    """
    if not MIN_RANGE_SECONDS <= range_seconds <= MAX_RANGE_SECONDS:
        raise UserInputError(
            "Metrics range out of bounds",
            f"choose between 15 minutes and 14 days (got {range_seconds} s)",
        )
    if period is None:
        period = default_period(range_seconds)
    elif period <= 0 or period % 60:
        raise UserInputError(
            "Invalid metrics period",
            f"DynamoDB metrics need a period that is a multiple of 60 seconds (got {period})",
        )
    period = max(period, _ceil_to(math.ceil(range_seconds / MAX_POINTS_PER_SERIES), 60))
    current = now or datetime.now(UTC)
    start = (end or current) - timedelta(seconds=range_seconds)
    age = (current - start).total_seconds()
    if age > 63 * 86400:
        period = _ceil_to(period, 3600)
    elif age > 15 * 86400:
        period = _ceil_to(period, 300)
    return min(period, _ceil_to(range_seconds, 60))


def make_window(
    range_seconds: int,
    period: int | None = None,
    *,
    end: datetime | None = None,
    now: datetime | None = None,
) -> Window:
    """Aligned to the period (as CloudWatch prefers): the last bucket holds `end` and may be partial."""
    period = choose_period(range_seconds, period, end=end, now=now)
    end_ts = int((end or now or datetime.now(UTC)).timestamp())
    aligned_end = (end_ts // period + 1) * period
    n = math.ceil(range_seconds / period)
    return Window(
        start=datetime.fromtimestamp(aligned_end - n * period, UTC),
        end=datetime.fromtimestamp(aligned_end, UTC),
        period=period,
    )


# --- fetching -----------------------------------------------------------------------------------


@dataclass
class _Partial:
    timestamps: list[datetime]
    values: list[float]
    status: str = "Complete"


def merge_page(acc: dict[str, _Partial], page: dict[str, Any], messages: list[str]) -> None:
    """Fold one GetMetricData page into `acc` (one series may continue over several pages)."""
    for result in page.get("MetricDataResults", []):
        part = acc.setdefault(result["Id"], _Partial([], []))
        part.timestamps.extend(result.get("Timestamps", []))
        part.values.extend(float(v) for v in result.get("Values", []))
        status = result.get("StatusCode", "Complete")
        if status != "Complete" and part.status == "Complete":
            part.status = status
        messages.extend(f"{m.get('Code')}: {m.get('Value')}" for m in result.get("Messages", []))
    messages.extend(f"{m.get('Code')}: {m.get('Value')}" for m in page.get("Messages", []))


def _as_utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _series(q: MetricQuery, part: _Partial | None, period: int, now: datetime) -> MetricSeries:
    pairs = sorted(zip(map(_as_utc, part.timestamps), part.values, strict=True)) if part else []
    if q.per_second:
        # The bucket holding `now` is partial: divide by the seconds it covers so far (>= 60).
        def rate(ts: datetime, value: float) -> float:
            covered = min(period, max(60.0, (now - ts).total_seconds()))
            return value / covered

        pairs = [(ts, rate(ts, v)) for ts, v in pairs]
    return MetricSeries(
        label=q.label,
        unit=q.unit,
        timestamps=tuple(ts for ts, _ in pairs),
        values=tuple(v for _, v in pairs),
        metric=q.metric,
        stat=q.stat,
        table=q.table,
        index=q.index,
        operation=q.operation,
        status=part.status if part else "Complete",
    )


class MetricsService:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    async def _chunk(
        self,
        queries: list[dict[str, Any]],
        window: Window,
        acc: dict[str, _Partial],
        msgs: list[str],
    ) -> int:
        params: dict[str, Any] = {
            "MetricDataQueries": queries,
            "StartTime": window.start,
            "EndTime": window.end,
            "ScanBy": "TimestampAscending",
        }
        calls = 0
        while True:
            page = await self._session.call("cloudwatch", "get_metric_data", **params)
            calls += 1
            merge_page(acc, page, msgs)
            token = page.get("NextToken")
            if not token:
                return calls
            params["NextToken"] = token

    async def fetch(self, queries: Sequence[MetricQuery], window: Window) -> MetricsSnapshot:
        """One GetMetricData call for up to 500 queries (more pages only past 100,800 datapoints);
        ceil(len(queries) / 500) calls beyond, run concurrently. Duplicate keys are fetched once."""
        unique = list({q.key: q for q in queries}.values())
        ids = {f"q{i}": q for i, q in enumerate(unique)}
        cw = [q.to_cloudwatch(qid, window.period) for qid, q in ids.items()]
        acc: dict[str, _Partial] = {}
        messages: list[str] = []
        chunks = [cw[i : i + MAX_QUERIES_PER_CALL] for i in range(0, len(cw), MAX_QUERIES_PER_CALL)]
        calls = await asyncio.gather(*(self._chunk(c, window, acc, messages) for c in chunks))
        now = datetime.now(UTC)
        series = {q.key: _series(q, acc.get(qid), window.period, now) for qid, q in ids.items()}
        return MetricsSnapshot(
            fetched_at=now,
            start=window.start,
            end=window.end,
            period=window.period,
            series=series,
            requests=sum(calls),
            messages=tuple(dict.fromkeys(messages)),
        )

    async def table_snapshot(
        self,
        table: str | TableInfo,
        *,
        gsis: Sequence[str] | None = None,
        range_seconds: int = 3600,
        period: int | None = None,
        end: datetime | None = None,
        operations: Sequence[str] = OPERATIONS,
    ) -> MetricsSnapshot:
        """Everything the metrics pane shows for a table and its GSIs, in one GetMetricData call.

        `gsis` defaults to the table's GSIs when a TableInfo is given. Keys: see `series_key`.
        """
        name = table if isinstance(table, str) else table.name
        if gsis is None:
            gsis = () if isinstance(table, str) else [i.name for i in table.gsis]
        window = make_window(range_seconds, period, end=end)
        return await self.fetch(table_queries(name, gsis, operations), window)

    async def overview(
        self, tables: Sequence[str | TableInfo], *, window_seconds: int = 300
    ) -> MetricsOverview:
        """Current consumed vs provisioned, throttles and system errors for many tables.

        Averages over the last `window_seconds` complete minutes (one datapoint per series). Bound:
        ceil(Q / 500) GetMetricData calls where Q = sum of `overview_queries` lengths, i.e.
        ceil(16·N / 500) for N tables without GSIs (50 tables: 2 calls), plus 2 queries per GSI when
        TableInfo is given. Rows come back sorted: throttling, then errors, then high utilisation
        (>= 80 %), then the rest; most severe first, then by name.
        """
        if window_seconds < 60 or window_seconds % 60:
            raise UserInputError("Invalid overview window", "use a multiple of 60 seconds")
        end_ts = int(datetime.now(UTC).timestamp()) // 60 * 60
        window = Window(
            start=datetime.fromtimestamp(end_ts - window_seconds, UTC),
            end=datetime.fromtimestamp(end_ts, UTC),
            period=window_seconds,
        )
        per_table = [overview_queries(t) for t in tables]
        snapshot = await self.fetch([q for qs in per_table for q in qs], window)
        rows = [_health(qs, snapshot) for qs in per_table]
        rows.sort(key=_attention_order)
        return MetricsOverview(
            fetched_at=snapshot.fetched_at,
            window_seconds=window_seconds,
            rows=tuple(rows),
            requests=snapshot.requests,
            messages=snapshot.messages,
        )


def _health(queries: list[MetricQuery], snap: MetricsSnapshot) -> TableHealth:
    def values(metric: str, *, table_only: bool = False) -> list[float]:
        found = [snap.series[q.key] for q in queries if q.metric == metric]
        if table_only:
            found = [s for s in found if s.index is None]
        return [v for s in found for v in s.values]

    def average(metric: str) -> float | None:
        vals = values(metric, table_only=True)
        return sum(vals) / len(vals) if vals else None

    def consumed(metric: str) -> float | None:
        vals = values(metric, table_only=True)  # already per second over the one bucket
        return sum(vals) if vals else None

    row = TableHealth(
        table=queries[0].table or "",
        consumed_read=consumed("ConsumedReadCapacityUnits"),
        consumed_write=consumed("ConsumedWriteCapacityUnits"),
        provisioned_read=average("ProvisionedReadCapacityUnits"),
        provisioned_write=average("ProvisionedWriteCapacityUnits"),
        read_throttles=float(sum(values("ReadThrottleEvents"))),
        write_throttles=float(sum(values("WriteThrottleEvents"))),
        system_errors=float(sum(values("SystemErrors"))),
    )
    return replace(row, attention=_attention(row))


def _attention(row: TableHealth) -> Attention:
    if row.throttles > 0:
        return "throttling"
    if row.system_errors > 0:
        return "errors"
    if (row.utilisation or 0.0) >= HIGH_UTILISATION:
        return "high-utilisation"
    return "ok"


# How urgent each attention is, most urgent first: one ranking for the service's order of the
# overview's rows and for the overview screen, which also knows alarms in ALARM ("alarm").
ATTENTION_RANK: dict[str, int] = {
    "throttling": 0,
    "alarm": 1,
    "errors": 2,
    "high-utilisation": 3,
    "ok": 4,
}


def attention_with_alarms(row: TableHealth, alarms: Iterable[AlarmInfo]) -> str:
    """The row's attention once the table's alarms are known: an alarm in ALARM ranks just after
    throttling."""
    if row.attention == "throttling":
        return "throttling"
    if any(a.in_alarm for a in alarms):
        return "alarm"
    return row.attention


def _attention_order(row: TableHealth) -> tuple[int, float, float, float, str]:
    return (
        ATTENTION_RANK[row.attention],
        -row.throttles,
        -row.system_errors,
        -(row.utilisation or 0.0),
        row.table,
    )
