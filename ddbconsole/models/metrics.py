"""CloudWatch metrics of one table, and the all-tables overview."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal


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


# --- the all-tables overview ----------------------------------------------------------------------


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
