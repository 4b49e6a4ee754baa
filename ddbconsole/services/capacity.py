"""Capacity: billing mode, provisioned throughput, on-demand maximums and auto scaling of a table and
its GSIs, plus suggestions and the cost what-if from CloudWatch consumed capacity.

Every change is a Plan, shown before it is sent (services/plans.py): `plan_*` reads the current
state, checks the rules AWS enforces (and moto does not), and returns the exact requests.
`plans.execute` re-plans from the current state and refuses (`PlanChanged`, nothing sent) a plan
that changed meanwhile, then sends exactly it.

Rules checked before any request (each a `CapacityRuleError`, a UserInputError):

* at most 4 switches PROVISIONED -> PAY_PER_REQUEST per rolling 24 hours (see `SwitchLedger` for
  what the local count can and cannot know); on-demand -> provisioned is allowed any time;
* one update at a time: the table and every GSI must be ACTIVE (and no GSI backfilling);
* capacities >= 1 and within DescribeLimits (per-table maximum for the table and each GSI, and the
  account maximum for their sum; fetched once per session);
* provisioned decreases: DynamoDB allows 4 decreases at any time in a UTC day plus one more per hour
  without a decrease in the preceding hour (27 a day). Approximated per table/GSI from
  DescribeTable's NumberOfDecreasesToday and LastDecreaseDateTime: below 4 a decrease is allowed;
  from 4 on it is refused while the last decrease is less than an hour old, when the day's count
  already reaches 4 + the whole hours elapsed since midnight UTC, and at 27. AWS stays the judge
  (its LimitExceededException is translated) since the real rule is finer than these counters.

Switching to on-demand snapshots the table's and GSIs' auto scaling (targets and target-tracking
policies) into the state dir, then removes them (DeleteScalingPolicy + DeregisterScalableTarget),
as the AWS console does; unlike the console, the settings are remembered and can be restored when
the table returns to provisioned (`plan_switch_to_provisioned(..., restore_autoscaling=True)`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ddbconsole.errors import DdbConsoleError, ReadOnlyViolation
from ddbconsole.models import (
    AutoScalingSettings,
    CapacityLimits,
    CapacityState,
    CapacitySuggestion,
    CostEstimate,
    RememberedAutoScaling,
    ScalingActivities,
    ScalingActivity,
    TableAutoScaling,
    TableUsage,
    Throughput,
)
from ddbconsole.services import cost
from ddbconsole.services.autoscaling import (
    NAMESPACE,
    AutoScalingService,
    resource_id,
)
from ddbconsole.services.capacity_plans import CapacityPlanner
from ddbconsole.services.capacity_rules import (
    AAS,
    DDB,
    NO_MAXIMUM,
    SWITCH_LIMIT,
    CapacityRuleError,
    ChangeIncomplete,
    DecreaseLimitReached,
    PlanChanged,
    SwitchLimitReached,
    TableBusy,
    check_decrease,
    parse_resource,
    policy_name,
    switch_budget,
    utc_or_none,
)
from ddbconsole.services.capacity_store import (
    AutoScalingMemory,
    SwitchLedger,
    table_key,
)
from ddbconsole.services.capacity_usage import hourly_usage
from ddbconsole.services.metrics import MetricsService
from ddbconsole.services.session import AwsSession

ACTIVITIES_RETRY_AFTER = 600.0  # seconds before asking again an endpoint that failed (5xx)
BUSY_CHECK = "DescribeTable: the table and its GSIs ACTIVE (re-planned; refused if it changed)"


class CapacityService(CapacityPlanner):
    def __init__(
        self,
        session: AwsSession,
        *,
        autoscaling: AutoScalingService,
        metrics: MetricsService,
        prices: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        self._session = session
        self._autoscaling = autoscaling
        self._metrics = metrics
        self._prices = dict(prices or {})
        self._limits: CapacityLimits | None = None
        self._activities_off: tuple[float, str] = (0.0, "")  # (monotonic until, why)
        self._limits_known = False
        self.ledger = SwitchLedger()
        self.memory = AutoScalingMemory()

    # --- reading --------------------------------------------------------------------------------

    async def _describe(self, table: str) -> dict[str, Any]:
        result = await self._session.call(DDB, "describe_table", TableName=table)
        desc: dict[str, Any] = result["Table"]
        return desc

    async def state(self, table: str) -> CapacityState:
        """Billing mode, capacities, auto scaling, switch budget and remembered auto scaling."""
        desc = await self._describe(table)
        gsis = [g["IndexName"] for g in desc.get("GlobalSecondaryIndexes", [])]
        scaling = await self._autoscaling.for_table(table, gsis)
        # _state reads two small JSON files (switch ledger, remembered auto scaling): in a thread.
        return await asyncio.to_thread(self._state, desc, scaling)

    def _state(self, desc: dict[str, Any], scaling: TableAutoScaling) -> CapacityState:
        now = datetime.now(UTC)
        billing = desc.get("BillingModeSummary") or {}
        mode = str(billing.get("BillingMode") or "PROVISIONED")
        on_demand = mode == "PAY_PER_REQUEST"
        resources = [parse_resource(desc, None, on_demand, scaling)]
        resources += [
            parse_resource(g, g["IndexName"], on_demand, scaling)
            for g in desc.get("GlobalSecondaryIndexes", [])
        ]
        key = table_key(desc.get("TableArn", ""))
        last = utc_or_none(billing.get("LastUpdateToPayPerRequestDateTime"))
        # Records from before the table's creation belong to an earlier table of that name.
        created = utc_or_none(desc.get("CreationDateTime"))
        switches = self.ledger.switches(key, now, created)
        remembered = self.memory.load(key, desc["TableName"])
        if remembered is not None and created is not None and remembered.saved_at < created:
            remembered = None
        return CapacityState(
            table=desc["TableName"],
            arn=desc.get("TableArn", ""),
            status=str(desc.get("TableStatus", "UNKNOWN")),
            billing_mode=mode,
            resources=tuple(resources),
            autoscaling=scaling,
            last_switch_to_on_demand=last,
            switch_budget=switch_budget(switches, last, now),
            remembered=remembered,
            fetched_at=now,
        )

    async def remembered_autoscaling(self, table: str) -> RememberedAutoScaling | None:
        """The auto scaling settings saved when `table` last went on-demand, if any."""
        desc = await self._describe(table)
        return await asyncio.to_thread(self.memory.load, table_key(desc.get("TableArn", "")), table)

    async def limits(self) -> CapacityLimits | None:
        """DescribeLimits, once per session; None where the endpoint does not answer it."""
        if not self._limits_known:
            try:
                raw = await self._session.call(DDB, "describe_limits")
            except (ReadOnlyViolation, DdbConsoleError):
                raw = {}
            keys = (
                "TableMaxReadCapacityUnits",
                "TableMaxWriteCapacityUnits",
                "AccountMaxReadCapacityUnits",
                "AccountMaxWriteCapacityUnits",
            )
            if all(k in raw for k in keys):
                self._limits = CapacityLimits(*(int(raw[k]) for k in keys))
            self._limits_known = True
        return self._limits

    async def _check_limits(self, wanted: Mapping[str, Throughput]) -> None:
        limits = await self.limits()
        if limits is None:
            return
        for what, tp in wanted.items():
            for side, value, most in (
                ("read", tp.read, limits.table_max_read),
                ("write", tp.write, limits.table_max_write),
            ):
                if value is not None and value > most:
                    raise CapacityRuleError(
                        f"{side.capitalize()} capacity too high for {what}",
                        f"{value} is above the per-table limit of {most} (DescribeLimits); "
                        "ask AWS for a quota increase",
                        code="TableLimit",
                    )
        for side, total, most in (
            ("read", sum(t.read or 0 for t in wanted.values()), limits.account_max_read),
            ("write", sum(t.write or 0 for t in wanted.values()), limits.account_max_write),
        ):
            if total > most:
                raise CapacityRuleError(
                    f"{side.capitalize()} capacity above the account limit",
                    f"{total} in total is above the account's {most} (DescribeLimits)",
                    code="AccountLimit",
                )

    async def scaling_activities(self, table: str, limit: int = 50) -> ScalingActivities:
        """Recent scaling activities of the table and its GSIs (one DescribeScalingActivities).

        Endpoints without the API (moto answers 500) give `unavailable` instead of an error.
        """
        prefix = resource_id(table)
        off_until, why = self._activities_off
        if time.monotonic() < off_until:  # it failed on the server lately: not asked again yet
            return ScalingActivities(table=table, unavailable=why)
        try:  # informational: one attempt, no retries (a 500 must not cost four requests)
            page = await self._session.call(
                AAS, "describe_scaling_activities", retry=False,
                ServiceNamespace=NAMESPACE, MaxResults=limit,
            )  # fmt: skip
        except DdbConsoleError as exc:
            reason = f"HTTP {exc.code}" if exc.code.isdigit() else str(exc)
            why = f"scaling activities unavailable on this endpoint ({reason})"
            if exc.code.isdigit() and int(exc.code) >= 500:
                self._activities_off = (time.monotonic() + ACTIVITIES_RETRY_AFTER, why)
            return ScalingActivities(table=table, unavailable=why)
        found = [
            ScalingActivity(
                resource_id=a["ResourceId"],
                dimension=a.get("ScalableDimension", ""),
                status=a.get("StatusCode", ""),
                description=a.get("Description", ""),
                cause=a.get("Cause", ""),
                start=utc_or_none(a.get("StartTime")),
                end=utc_or_none(a.get("EndTime")),
                message=a.get("StatusMessage", ""),
            )
            for a in page.get("ScalingActivities", [])
            if a.get("ResourceId") == prefix or a.get("ResourceId", "").startswith(prefix + "/")
        ]
        return ScalingActivities(table=table, activities=tuple(found))

    # --- consumed capacity, suggestions and cost -------------------------------------------------

    async def usage(self, table: str, days: int = 14) -> TableUsage:
        """Hourly consumed capacity (per-second averages) of the table and its GSIs over the last
        `days` whole hours-aligned days, in one GetMetricData call. Hours without datapoints
        (no traffic) count as 0."""
        return await hourly_usage(self._describe, self._metrics, table, days)

    async def suggest_provisioned(
        self,
        table: str,
        days: int = 14,
        *,
        target: float = cost.DEFAULT_TARGET,
        usage: TableUsage | None = None,
    ) -> tuple[CapacitySuggestion, ...]:
        """Suggested RCU/WCU for the table and each GSI from the last `days` of consumed capacity:
        the highest hourly average (units per second) / target utilisation (70 %), rounded up,
        at least 1. Hourly averages smooth out minute spikes; burst capacity covers short ones."""
        usage = usage or await self.usage(table, days)
        return tuple(
            CapacitySuggestion(
                index=r.index,
                read=cost.suggest_capacity(r.read, r.read_peak, target),
                write=cost.suggest_capacity(r.write, r.write_peak, target),
                read_peak=max(r.read, default=0.0),
                write_peak=max(r.write, default=0.0),
                read_mean=sum(r.read) / max(1, r.hours),
                write_mean=sum(r.write) / max(1, r.hours),
            )
            for r in usage.resources
        )

    async def cost_estimate(
        self, table: str, days: int = 14, *, usage: TableUsage | None = None
    ) -> CostEstimate:
        """The cost what-if (see services/cost.py) over the last `days` of consumed capacity."""
        state = await self.state(table)
        usage = usage or await self.usage(table, days)
        current = {r.index: r.provisioned for r in state.resources if r.provisioned is not None}
        scaling = {
            (t.index_name, t.side): AutoScalingSettings(
                min_capacity=t.min_capacity,
                max_capacity=t.max_capacity,
                target=(t.target_tracking.target_value if t.target_tracking else None)
                or cost.DEFAULT_TARGET,
            )
            for t in state.autoscaling.targets
        }
        return cost.estimate(
            usage.resources,
            cost.prices_for(self._session.region, self._prices),
            billing_mode=state.billing_mode,
            current_provisioned=current or None,
            autoscaling=scaling,
        )


__all__ = [
    "NO_MAXIMUM",
    "SWITCH_LIMIT",
    "CapacityRuleError",
    "CapacityService",
    "ChangeIncomplete",
    "DecreaseLimitReached",
    "PlanChanged",
    "SwitchLimitReached",
    "TableBusy",
    "check_decrease",
    "policy_name",
    "switch_budget",
]
