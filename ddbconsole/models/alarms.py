"""CloudWatch alarms: what an alarm preset asks for, and the alarms as CloudWatch describes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

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
