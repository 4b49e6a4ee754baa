"""Frozen dataclasses passed between the services and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

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
