"""Consumed-capacity history, capacity suggestions and the monthly cost of each capacity choice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal


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


# --- the cost estimate ----------------------------------------------------------------------------


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
