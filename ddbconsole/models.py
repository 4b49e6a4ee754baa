"""Frozen dataclasses passed between the services and the UI."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple

KeyType = Literal["S", "N", "B"]


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: str  # S | N | B
    role: str  # HASH | RANGE


@dataclass(frozen=True)
class Throughput:
    """Provisioned capacity (read/write units) or on-demand maximums; None where not set."""

    read: int | None = None
    write: int | None = None

    def describe(self) -> str:
        def one(v: int | None) -> str:
            return "-" if v is None or v <= 0 else str(v)

        return f"{one(self.read)} R / {one(self.write)} W"


@dataclass(frozen=True)
class IndexInfo:
    name: str
    kind: Literal["GSI", "LSI"]
    keys: tuple[KeyAttribute, ...]
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    projected_attributes: tuple[str, ...] = ()
    status: str = "ACTIVE"
    backfilling: bool = False
    provisioned: Throughput | None = None
    on_demand_max: Throughput | None = None
    item_count: int | None = None
    size_bytes: int | None = None

    @property
    def partition_key(self) -> KeyAttribute:
        return self.keys[0]

    @property
    def sort_key(self) -> KeyAttribute | None:
        return self.keys[1] if len(self.keys) > 1 else None


@dataclass(frozen=True)
class TableInfo:
    name: str
    arn: str
    status: str
    keys: tuple[KeyAttribute, ...]
    attribute_definitions: dict[str, str]
    billing_mode: str  # PROVISIONED | PAY_PER_REQUEST
    provisioned: Throughput | None
    on_demand_max: Throughput | None
    item_count: int
    size_bytes: int
    created: datetime | None
    indexes: tuple[IndexInfo, ...] = ()
    stream_enabled: bool = False
    stream_view_type: str | None = None
    stream_arn: str | None = None
    ttl_status: str | None = None  # ENABLED | DISABLED | ENABLING | DISABLING, None if unknown
    ttl_attribute: str | None = None
    pitr_status: str | None = None  # ENABLED | DISABLED, None if unknown
    deletion_protection: bool = False
    table_class: str = "STANDARD"
    tags: dict[str, str] = field(default_factory=dict)
    last_billing_switch: datetime | None = None
    warm_throughput: Throughput | None = None
    # Parts of the description that could not be read (e.g. AccessDenied on tags): name -> reason.
    unavailable: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def partition_key(self) -> KeyAttribute:
        return self.keys[0]

    @property
    def sort_key(self) -> KeyAttribute | None:
        return self.keys[1] if len(self.keys) > 1 else None

    @property
    def gsis(self) -> tuple[IndexInfo, ...]:
        return tuple(i for i in self.indexes if i.kind == "GSI")

    @property
    def lsis(self) -> tuple[IndexInfo, ...]:
        return tuple(i for i in self.indexes if i.kind == "LSI")

    def index(self, name: str) -> IndexInfo:
        for idx in self.indexes:
            if idx.name == name:
                return idx
        raise KeyError(name)


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str


# --- metrics, overview, operation log and alarm presets (issue 6) --------------------------------


@dataclass(frozen=True)
class MetricSeries:
    """One CloudWatch series, oldest point first. Capacity is in units per second (see `unit`)."""

    label: str
    unit: str  # "RCU/s", "WCU/s", "count", "ms"
    timestamps: tuple[datetime, ...]
    values: tuple[float, ...]
    metric: str = ""  # the CloudWatch metric name, e.g. ConsumedReadCapacityUnits
    stat: str = ""  # Sum | Average | ...
    table: str | None = None  # None for account-level metrics (UserErrors)
    index: str | None = None  # GSI name
    operation: str | None = None  # GetItem, Query, ... for per-operation metrics
    status: str = "Complete"  # CloudWatch StatusCode: Complete | PartialData | InternalError ...

    @property
    def latest(self) -> float | None:
        return self.values[-1] if self.values else None

    @property
    def peak(self) -> float | None:
        return max(self.values) if self.values else None

    @property
    def total(self) -> float:
        return float(sum(self.values))


@dataclass(frozen=True)
class MetricsSnapshot:
    """Everything one refresh fetched: series keyed by a stable id (see services.metrics.series_key)."""

    fetched_at: datetime
    start: datetime
    end: datetime
    period: int  # seconds
    series: Mapping[str, MetricSeries]
    requests: int = 1  # GetMetricData calls this snapshot took (pages included)
    messages: tuple[str, ...] = ()  # CloudWatch messages (partial data, forbidden metrics...)

    def get(self, key: str) -> MetricSeries | None:
        return self.series.get(key)


Attention = Literal["throttling", "errors", "high-utilisation", "ok"]


@dataclass(frozen=True)
class TableHealth:
    """One row of the all-tables overview. Rates are units per second over the overview window."""

    table: str
    consumed_read: float | None
    consumed_write: float | None
    provisioned_read: float | None  # None: on-demand, or no datapoint in the window
    provisioned_write: float | None
    read_throttles: float
    write_throttles: float
    system_errors: float
    attention: Attention = "ok"

    @property
    def read_utilisation(self) -> float | None:
        """Consumed / provisioned read, as a fraction (0.8 = 80 %); None when not provisioned."""
        if not self.provisioned_read or self.consumed_read is None:
            return None
        return self.consumed_read / self.provisioned_read

    @property
    def write_utilisation(self) -> float | None:
        if not self.provisioned_write or self.consumed_write is None:
            return None
        return self.consumed_write / self.provisioned_write

    @property
    def utilisation(self) -> float | None:
        both = [u for u in (self.read_utilisation, self.write_utilisation) if u is not None]
        return max(both) if both else None

    @property
    def throttles(self) -> float:
        return self.read_throttles + self.write_throttles


@dataclass(frozen=True)
class MetricsOverview:
    fetched_at: datetime
    window_seconds: int
    rows: tuple[TableHealth, ...]  # most in need of attention first
    requests: int  # GetMetricData calls it took
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperationLogEntry:
    """One AWS call the console made. `params` and `cli` hold no item contents unless asked to."""

    time: datetime
    service: str  # dynamodb | cloudwatch | application-autoscaling | sts
    operation: str  # the API name, e.g. Query
    table: str | None
    duration_ms: float | None
    consumed_capacity: float | None  # capacity units, when the response reported them
    result: str  # "OK" or the error code
    cli: str  # the equivalent AWS CLI command
    http_status: int | None = None
    retries: int = 0
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return self.result == "OK"

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(),
            "service": self.service,
            "operation": self.operation,
            "table": self.table,
            "duration_ms": self.duration_ms,
            "consumed_capacity": self.consumed_capacity,
            "result": self.result,
            "http_status": self.http_status,
            "retries": self.retries,
            "cli": self.cli,
        }


AlarmPresetKind = Literal["capacity", "throttling", "system-errors", "latency"]


@dataclass(frozen=True)
class AlarmPreset:
    """What an alarm preset asks for; services.alarm_presets turns it into PutMetricAlarm parameters.

    capacity:      consumed `side` capacity above `percent` % of provisioned for `minutes` minutes
                   (against `capacity_units` per second instead, when given: on-demand tables)
    throttling:    any read or write throttle event in `minutes` minutes
    system-errors: any system error (HTTP 500) in `minutes` minutes
    latency:       average SuccessfulRequestLatency of `operation` above `threshold_ms` for `minutes`
    """

    kind: AlarmPresetKind
    table: str
    index: str | None = None  # a GSI (capacity and throttling presets)
    side: Literal["read", "write"] = "read"
    percent: float = 80.0
    minutes: int = 5
    capacity_units: float | None = None
    operation: str = "GetItem"
    threshold_ms: float = 100.0
    sns_topic_arn: str | None = None


# --- items (issue 3) ------------------------------------------------------------------------------
# Items are DynamoDB's wire form, {"Name": {"S": "Ada"}, ...} (see ddbconsole/codec.py).


@dataclass(frozen=True)
class ConsumedCapacity:
    """What one request cost (ReturnConsumedCapacity=INDEXES); None where DynamoDB did not say."""

    total: float | None = None
    read: float | None = None
    write: float | None = None
    table: float | None = None
    indexes: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        if self.total is None:
            return "-"
        parts = [f"{self.total:g} CU"]
        if self.indexes:
            parts.append(", ".join(f"{name} {cu:g}" for name, cu in self.indexes.items()))
        return " · ".join(parts)


@dataclass(frozen=True)
class Page:
    """One page of Scan, Query or PartiQL results: the answer of exactly one request."""

    items: tuple[dict[str, Any], ...]
    count: int
    scanned_count: int | None = None
    last_evaluated_key: dict[str, Any] | None = None  # Scan/Query: pass back as start_key
    next_token: str | None = None  # PartiQL: pass back as next_token
    consumed: ConsumedCapacity | None = None

    @property
    def has_more(self) -> bool:
        return self.last_evaluated_key is not None or self.next_token is not None


SortOp = Literal["=", "<", "<=", ">", ">=", "between", "begins_with"]
FilterOp = Literal[
    "=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "between",
    "in",
    "begins_with",
    "contains",
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
]
# A document path: ("Address", "City") or ("Lines", 0, "Sku"). A plain str is one top-level name,
# taken literally (dots and brackets included).
AttributePath = str | tuple[str | int, ...]


@dataclass(frozen=True)
class SortCondition:
    """The sort key condition of a Query; `value2` is the upper bound of `between`."""

    op: SortOp
    value: dict[str, Any]
    value2: dict[str, Any] | None = None


@dataclass(frozen=True)
class FilterCondition:
    """One filter term. With size=True the comparison is on size(path) and values are numbers.

    `values` holds the operands: one for comparisons, begins_with and contains, two for between,
    any number for in, none for attribute_exists/not_exists; attribute_type takes {"S": "N"} etc.
    """

    path: AttributePath
    op: FilterOp
    values: tuple[dict[str, Any], ...] = ()
    size: bool = False


@dataclass(frozen=True)
class ScanSpec:
    index: str | None = None
    filters: tuple[FilterCondition, ...] = ()
    match_any: bool = False  # filters joined by OR instead of AND
    projection: tuple[AttributePath, ...] = ()
    consistent: bool = False
    limit: int | None = None  # DynamoDB's Limit: items evaluated per page
    segment: int | None = None
    total_segments: int | None = None


@dataclass(frozen=True)
class QuerySpec:
    partition_value: dict[str, Any]
    index: str | None = None
    sort: SortCondition | None = None
    filters: tuple[FilterCondition, ...] = ()
    match_any: bool = False
    projection: tuple[AttributePath, ...] = ()
    ascending: bool = True
    consistent: bool = False
    limit: int | None = None


@dataclass(frozen=True)
class SaveResult:
    """What `ItemService.save` did. `item` is the item as stored afterwards (None if nothing sent)."""

    written: bool
    item: dict[str, Any] | None = None
    operation: str = ""  # "" | UpdateItem | PutItem | TransactWriteItems
    # Attributes someone else added meanwhile, kept by the save (reported, never dropped).
    kept_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FailedKey:
    key: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class BatchResult:
    """The outcome of a batch write: exactly which keys were not written, and why."""

    requested: int
    succeeded: int
    failed: tuple[FailedKey, ...] = ()
    requests: int = 0  # BatchWriteItem calls sent
    retries: int = 0  # of which retries of UnprocessedItems

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class StatementRecord:
    """One entry of the PartiQL history (parameters in DynamoDB JSON, binary as base64)."""

    statement: str
    parameters: tuple[dict[str, Any], ...] = ()
    at: datetime | None = None


# --- auto scaling (services/autoscaling.py) ---------------------------------------------------

ScalingSide = Literal["read", "write"]


@dataclass(frozen=True)
class ScalingPolicyInfo:
    """One Application Auto Scaling policy on a scalable target."""

    name: str
    arn: str
    policy_type: str  # TargetTrackingScaling | StepScaling
    target_value: float | None = None  # target tracking: utilisation percent
    predefined_metric: str | None = None  # e.g. DynamoDBReadCapacityUtilization
    scale_in_cooldown: int | None = None
    scale_out_cooldown: int | None = None
    disable_scale_in: bool = False
    alarm_names: tuple[str, ...] = ()  # the alarms Application Auto Scaling made for it


@dataclass(frozen=True)
class ScalableTargetInfo:
    """Auto scaling of one capacity dimension (read or write) of a table or a GSI."""

    resource_id: str  # table/NAME or table/NAME/index/INDEX
    dimension: str  # dynamodb:table:ReadCapacityUnits, dynamodb:index:WriteCapacityUnits, ...
    min_capacity: int
    max_capacity: int
    arn: str | None = None
    role_arn: str | None = None
    suspended: tuple[str, ...] = ()  # DynamicScalingIn, DynamicScalingOut, ScheduledScaling
    policies: tuple[ScalingPolicyInfo, ...] = ()

    @property
    def index_name(self) -> str | None:
        _, sep, index = self.resource_id.partition("/index/")
        return index if sep else None

    @property
    def side(self) -> ScalingSide:
        return "read" if self.dimension.endswith("ReadCapacityUnits") else "write"

    @property
    def target_tracking(self) -> ScalingPolicyInfo | None:
        for policy in self.policies:
            if policy.policy_type == "TargetTrackingScaling":
                return policy
        return None


@dataclass(frozen=True)
class TableAutoScaling:
    """Every scalable target (with its policies) of a table and its GSIs."""

    table: str
    targets: tuple[ScalableTargetInfo, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.targets)

    def target(self, side: ScalingSide, index: str | None = None) -> ScalableTargetInfo | None:
        for target in self.targets:
            if target.side == side and target.index_name == index:
                return target
        return None


# --- alarms (services/alarms.py) --------------------------------------------------------------


@dataclass(frozen=True)
class AlarmMetric:
    """A metric an alarm watches (directly, or as one input of its metric math)."""

    namespace: str
    name: str
    dimensions: dict[str, str] = field(default_factory=dict)
    stat: str | None = None
    period: int | None = None
    query_id: str | None = None  # the id in a metric-math alarm


@dataclass(frozen=True)
class AlarmInfo:
    """A CloudWatch metric alarm."""

    name: str
    arn: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA
    state_reason: str = ""
    state_updated: datetime | None = None
    description: str = ""
    metrics: tuple[AlarmMetric, ...] = ()
    expression: str | None = None  # metric math whose result the alarm compares, if any
    comparison: str = ""
    threshold: float | None = None
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None
    treat_missing_data: str | None = None
    actions_enabled: bool = True
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()

    @property
    def in_alarm(self) -> bool:
        return self.state == "ALARM"

    @property
    def managed_by_autoscaling(self) -> bool:
        """Made by an auto scaling target-tracking policy: do not edit or delete it by hand."""
        return self.name.startswith("TargetTracking-")

    @property
    def index_names(self) -> tuple[str, ...]:
        names = {
            m.dimensions["GlobalSecondaryIndexName"]
            for m in self.metrics
            if "GlobalSecondaryIndexName" in m.dimensions
        }
        return tuple(sorted(names))


# --- capacity and cost (issue 5: services/capacity.py, services/cost.py) -----------------------


class PlannedRequest(NamedTuple):
    """One request a capacity change will send, exactly as sent: shown to the user before confirming.

    `operation` is the API name (UpdateTable); `params` are the call's parameters.
    """

    service: str  # dynamodb | application-autoscaling
    operation: str
    params: dict[str, Any]

    @property
    def method(self) -> str:
        """The (aio)botocore client method name: UpdateTable -> update_table."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.operation).lower()


@dataclass(frozen=True)
class CapacityLimits:
    """DescribeLimits: per-table and per-account maximum provisioned capacity (units per second)."""

    table_max_read: int
    table_max_write: int
    account_max_read: int
    account_max_write: int


@dataclass(frozen=True)
class CapacityResource:
    """The capacity of the table itself (`index` None) or of one GSI."""

    index: str | None
    status: str  # ACTIVE | CREATING | UPDATING | DELETING ...
    provisioned: Throughput | None  # None when the table is on-demand
    on_demand_max: Throughput | None = None  # None or -1: no maximum
    warm: Throughput | None = None
    decreases_today: int = 0
    last_increase: datetime | None = None
    last_decrease: datetime | None = None
    read_scaling: ScalableTargetInfo | None = None
    write_scaling: ScalableTargetInfo | None = None
    backfilling: bool = False

    @property
    def label(self) -> str:
        return self.index or "table"

    @property
    def busy(self) -> bool:
        return self.status != "ACTIVE" or self.backfilling

    def scaling(self, side: ScalingSide) -> ScalableTargetInfo | None:
        return self.read_scaling if side == "read" else self.write_scaling


@dataclass(frozen=True)
class SwitchBudget:
    """Switches from PROVISIONED to PAY_PER_REQUEST left in AWS's rolling 24-hour window (limit 4).

    `counted` are the switches known to have happened in the window (oldest first): from ddbconsole's
    local ledger and DescribeTable's LastUpdateToPayPerRequestDateTime. Switches made elsewhere (the
    AWS console, the CLI, another machine) are invisible except the latest, so `remaining` can be too
    high; it is never too low. `next_free` is when the oldest counted switch leaves the window.
    """

    limit: int
    counted: tuple[datetime, ...]
    now: datetime

    @property
    def remaining(self) -> int:
        return max(0, self.limit - len(self.counted))

    @property
    def next_free(self) -> datetime | None:
        return self.counted[0] + timedelta(hours=24) if self.counted else None

    def describe(self) -> str:
        text = f"{self.remaining} of {self.limit} switches to on-demand left in the last 24 h"
        if self.remaining == 0 and self.next_free is not None:
            text += f"; next one frees up at {self.next_free:%Y-%m-%d %H:%M} UTC"
        return text


@dataclass(frozen=True)
class RememberedAutoScaling:
    """Auto scaling settings saved by ddbconsole before a switch to on-demand removed them."""

    table: str
    saved_at: datetime
    targets: tuple[ScalableTargetInfo, ...]

    def target(self, side: ScalingSide, index: str | None = None) -> ScalableTargetInfo | None:
        for target in self.targets:
            if target.side == side and target.index_name == index:
                return target
        return None


@dataclass(frozen=True)
class CapacityState:
    """Everything the capacity tab shows about one table."""

    table: str
    arn: str
    status: str
    billing_mode: str  # PROVISIONED | PAY_PER_REQUEST
    resources: tuple[CapacityResource, ...]  # the table first, then its GSIs
    autoscaling: TableAutoScaling
    last_switch_to_on_demand: datetime | None
    switch_budget: SwitchBudget
    remembered: RememberedAutoScaling | None = None
    fetched_at: datetime | None = None

    @property
    def on_demand(self) -> bool:
        return self.billing_mode == "PAY_PER_REQUEST"

    @property
    def table_resource(self) -> CapacityResource:
        return self.resources[0]

    @property
    def gsis(self) -> tuple[CapacityResource, ...]:
        return self.resources[1:]

    @property
    def busy(self) -> bool:
        """An update is running (table or a GSI not ACTIVE): DynamoDB takes one at a time."""
        return self.status != "ACTIVE" or any(r.busy for r in self.resources)

    def resource(self, index: str | None = None) -> CapacityResource:
        for res in self.resources:
            if res.index == index:
                return res
        raise KeyError(index)


@dataclass(frozen=True)
class ScalingActivity:
    resource_id: str
    dimension: str
    status: str  # Successful | InProgress | Failed ...
    description: str
    cause: str = ""
    start: datetime | None = None
    end: datetime | None = None
    message: str = ""


@dataclass(frozen=True)
class ScalingActivities:
    """Recent scaling activities; `unavailable` says why there are none when the endpoint failed."""

    table: str
    activities: tuple[ScalingActivity, ...] = ()
    unavailable: str | None = None


@dataclass(frozen=True)
class ResourceUsage:
    """Consumed capacity of the table (`index` None) or a GSI, hour by hour, oldest first.

    `read`/`write` are per-second averages over each hour (CloudWatch hourly Sum / 3600). The optional
    `*_peak` are, per hour, the highest per-minute average (units per second) within that hour.
    """

    index: str | None
    read: tuple[float, ...]
    write: tuple[float, ...]
    read_peak: tuple[float, ...] | None = None
    write_peak: tuple[float, ...] | None = None

    @property
    def hours(self) -> int:
        return len(self.read)


@dataclass(frozen=True)
class TableUsage:
    table: str
    start: datetime
    end: datetime
    resources: tuple[ResourceUsage, ...]  # the table first, then its GSIs
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class CapacitySuggestion:
    """Suggested provisioned capacity for one resource, with what it is based on."""

    index: str | None
    read: int
    write: int
    read_peak: float  # the highest hourly average consumed (units per second)
    write_peak: float
    read_mean: float
    write_mean: float


@dataclass(frozen=True)
class AutoScalingSettings:
    """Target tracking of one side of one resource, for the cost simulation."""

    min_capacity: int = 5
    max_capacity: int = 40000
    target: float = 70.0  # utilisation percent


@dataclass(frozen=True)
class Prices:
    """USD list prices of one region (standard table class)."""

    region: str
    on_demand_read_per_million: float
    on_demand_write_per_million: float
    rcu_hour: float
    wcu_hour: float
    source: str = "default"  # default | config | fallback


CostOptionKind = Literal["on-demand", "provisioned-current", "provisioned-suggested", "autoscaling"]


@dataclass(frozen=True)
class CostOption:
    """The estimated monthly cost (730 h) of one capacity choice over the consumed-capacity history."""

    kind: CostOptionKind
    label: str
    monthly: float  # USD
    read_monthly: float
    write_monthly: float
    throttled_hours: int  # hours in the history where consumption exceeded capacity
    detail: str = ""

    @property
    def throttled(self) -> bool:
        return self.throttled_hours > 0


@dataclass(frozen=True)
class CostEstimate:
    region: str
    prices: Prices
    hours: int  # length of the history the estimate is based on
    options: tuple[CostOption, ...]
    current: CostOptionKind | None  # the option that is the table's current mode
    recommended: CostOptionKind | None  # the cheapest option that would not have throttled
    assumptions: tuple[str, ...]

    def option(self, kind: CostOptionKind) -> CostOption | None:
        for opt in self.options:
            if opt.kind == kind:
                return opt
        return None


# --- table administration (issue 4: services/table_admin.py) ------------------------------------

BillingMode = Literal["PAY_PER_REQUEST", "PROVISIONED"]
ProjectionType = Literal["ALL", "KEYS_ONLY", "INCLUDE"]


@dataclass(frozen=True)
class KeySpec:
    """One key attribute of a table or index to create: its name and scalar type."""

    name: str
    type: KeyType = "S"


@dataclass(frozen=True)
class IndexSpec:
    """A secondary index to create. An LSI's partition key must be the table's."""

    name: str
    partition_key: KeySpec
    sort_key: KeySpec | None = None
    projection: ProjectionType = "ALL"
    non_key_attributes: tuple[str, ...] = ()  # INCLUDE only
    provisioned: Throughput | None = None  # a GSI's own capacity on a provisioned table
    on_demand_max: Throughput | None = None  # a GSI's optional maximum on an on-demand table


@dataclass(frozen=True)
class TableSpec:
    """Everything the create-table form asks for; `plan_create` turns it into one CreateTable."""

    name: str
    partition_key: KeySpec
    sort_key: KeySpec | None = None
    billing_mode: BillingMode = "PAY_PER_REQUEST"
    provisioned: Throughput | None = None  # PROVISIONED: read and write capacity units
    on_demand_max: Throughput | None = None  # PAY_PER_REQUEST: optional maximum request units
    gsis: tuple[IndexSpec, ...] = ()
    lsis: tuple[IndexSpec, ...] = ()
    table_class: str = "STANDARD"  # STANDARD | STANDARD_INFREQUENT_ACCESS
    deletion_protection: bool = False
    stream_view_type: str | None = None  # None: no stream
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TableProgress:
    """One DescribeTable poll while following a table to ACTIVE (or until it is gone)."""

    table: str
    status: str  # TableStatus, or GONE once DescribeTable says the table does not exist
    indexes: tuple[tuple[str, str, bool], ...] = ()  # (GSI name, IndexStatus, Backfilling)
    polls: int = 1
    elapsed: float = 0.0  # seconds since following started

    @property
    def settled(self) -> bool:
        """The table and every GSI ACTIVE, none backfilling (or the table is gone)."""
        if self.status == "GONE":
            return True
        return self.status == "ACTIVE" and all(s == "ACTIVE" and not b for _, s, b in self.indexes)

    def describe(self) -> str:
        parts = [f"{self.table}: {self.status}"]
        for name, status, backfilling in self.indexes:
            if status != "ACTIVE" or backfilling:
                parts.append(f"GSI {name} {status}{' (backfilling)' if backfilling else ''}")
        return ", ".join(parts)
