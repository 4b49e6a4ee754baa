"""Frozen dataclasses passed between the services and the UI, one module per domain.

Everything is re-exported here: import from `ddbconsole.models`, not from its modules.
"""

from ddbconsole.models.alarms import AlarmInfo, AlarmMetric, AlarmPreset, AlarmPresetKind
from ddbconsole.models.autoscaling import (
    RememberedAutoScaling,
    ScalableTargetInfo,
    ScalingActivities,
    ScalingActivity,
    ScalingPolicyInfo,
    ScalingSide,
    TableAutoScaling,
)
from ddbconsole.models.capacity import CapacityLimits, CapacityResource, CapacityState, SwitchBudget
from ddbconsole.models.cost import (
    AutoScalingSettings,
    CapacitySuggestion,
    CostEstimate,
    CostOption,
    CostOptionKind,
    Prices,
    ResourceUsage,
    TableUsage,
)
from ddbconsole.models.items import (
    AttributePath,
    BatchResult,
    ConsumedCapacity,
    FailedKey,
    FilterCondition,
    FilterOp,
    Page,
    QuerySpec,
    SaveResult,
    ScanSpec,
    SortCondition,
    SortOp,
    StatementRecord,
)
from ddbconsole.models.metrics import (
    Attention,
    MetricSeries,
    MetricsOverview,
    MetricsSnapshot,
    TableHealth,
)
from ddbconsole.models.oplog import OperationLogEntry
from ddbconsole.models.plans import PlannedRequest
from ddbconsole.models.table_admin import (
    BillingMode,
    IndexSpec,
    KeySpec,
    ProjectionType,
    TableProgress,
    TableSpec,
)
from ddbconsole.models.tables import IndexInfo, KeyAttribute, KeyType, TableInfo, Throughput

__all__ = [
    "AlarmInfo",
    "AlarmMetric",
    "AlarmPreset",
    "AlarmPresetKind",
    "Attention",
    "AttributePath",
    "AutoScalingSettings",
    "BatchResult",
    "BillingMode",
    "CapacityLimits",
    "CapacityResource",
    "CapacityState",
    "CapacitySuggestion",
    "ConsumedCapacity",
    "CostEstimate",
    "CostOption",
    "CostOptionKind",
    "FailedKey",
    "FilterCondition",
    "FilterOp",
    "IndexInfo",
    "IndexSpec",
    "KeyAttribute",
    "KeySpec",
    "KeyType",
    "MetricSeries",
    "MetricsOverview",
    "MetricsSnapshot",
    "OperationLogEntry",
    "Page",
    "PlannedRequest",
    "Prices",
    "ProjectionType",
    "QuerySpec",
    "RememberedAutoScaling",
    "ResourceUsage",
    "SaveResult",
    "ScalableTargetInfo",
    "ScalingActivities",
    "ScalingActivity",
    "ScalingPolicyInfo",
    "ScalingSide",
    "ScanSpec",
    "SortCondition",
    "SortOp",
    "StatementRecord",
    "SwitchBudget",
    "TableAutoScaling",
    "TableHealth",
    "TableInfo",
    "TableProgress",
    "TableSpec",
    "TableUsage",
    "Throughput",
]
