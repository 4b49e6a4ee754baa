"""Capacity: the capacity tab's view of a table, its GSIs and their limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ddbconsole.models.autoscaling import (
    RememberedAutoScaling,
    ScalableTargetInfo,
    ScalingSide,
    TableAutoScaling,
)
from ddbconsole.models.tables import Throughput


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
