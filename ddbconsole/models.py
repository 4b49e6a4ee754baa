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
