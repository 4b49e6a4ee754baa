"""Capacity: billing mode, provisioned throughput, on-demand maximums and auto scaling of a table and
its GSIs, plus suggestions and the cost what-if from CloudWatch consumed capacity.

Every change is first a plan: `plan_*` reads the current state, checks the rules AWS enforces (and
moto does not), and returns the exact requests as `PlannedRequest(service, operation, params)`. The
executing methods build the same plan and send it request by request, so what the UI shows is what
is sent; pass the plan the user confirmed as `confirmed=` and a plan that changed meanwhile is
refused (`PlanChanged`) instead of sent.

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
the table returns to provisioned (`switch_to_provisioned(..., restore_autoscaling=True)`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ddbconsole.errors import DdbConsoleError, ReadOnlyViolation, UserInputError
from ddbconsole.models import (
    AutoScalingSettings,
    CapacityLimits,
    CapacityResource,
    CapacityState,
    CapacitySuggestion,
    CostEstimate,
    PlannedRequest,
    RememberedAutoScaling,
    ResourceUsage,
    ScalableTargetInfo,
    ScalingActivities,
    ScalingActivity,
    ScalingSide,
    TableAutoScaling,
    TableUsage,
    Throughput,
)
from ddbconsole.services import cost
from ddbconsole.services.autoscaling import (
    NAMESPACE,
    AutoScalingService,
    resource_id,
    scalable_dimension,
)
from ddbconsole.services.capacity_rules import (
    AAS,
    DDB,
    DEFAULT_MIN_CAPACITY,
    MAX_HISTORY_DAYS,
    MAX_TARGET,
    MIN_TARGET,
    NO_MAXIMUM,
    SWITCH_LIMIT,
    CapacityRuleError,
    ChangeIncomplete,
    DecreaseLimitReached,
    PlanChanged,
    SwitchLimitReached,
    TableBusy,
    check_busy,
    check_confirmed,
    check_decrease,
    check_positive,
    gsi_update,
    on_demand_throughput,
    parse_resource,
    policy_name,
    removal_requests,
    switch_budget,
    target_requests,
    tracking_policy,
    units,
    utc_or_none,
)
from ddbconsole.services.capacity_store import (
    AutoScalingMemory,
    SwitchLedger,
    table_key,
)
from ddbconsole.services.metrics import MetricQuery, MetricsService, Window
from ddbconsole.services.session import AwsSession


class CapacityService:
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
        switches = self.ledger.switches(key, now)
        remembered = self.memory.load(key, desc["TableName"])
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
        try:
            page = await self._session.call(
                AAS, "describe_scaling_activities", ServiceNamespace=NAMESPACE, MaxResults=limit
            )
        except DdbConsoleError as exc:
            reason = f"HTTP {exc.code}" if exc.code.isdigit() else str(exc)
            return ScalingActivities(
                table=table, unavailable=f"this endpoint gave no scaling activities ({reason})"
            )
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
        if not 1 <= days <= MAX_HISTORY_DAYS:
            raise UserInputError(
                "Invalid history length", f"choose 1 to {MAX_HISTORY_DAYS} days (got {days})"
            )
        desc = await self._describe(table)
        indexes: list[str | None] = [None]
        indexes += [g["IndexName"] for g in desc.get("GlobalSecondaryIndexes", [])]
        queries: list[MetricQuery] = []
        for index in indexes:
            dims: tuple[tuple[str, str], ...] = (("TableName", table),)
            if index:
                dims += (("GlobalSecondaryIndexName", index),)
            for side in ("Read", "Write"):
                metric = f"Consumed{side}CapacityUnits"
                queries.append(
                    MetricQuery(
                        key=f"{index or ''}:{side}",
                        metric=metric,
                        stat="Sum",
                        dimensions=dims,
                        label=f"{index or table} {side.lower()}",
                        unit="RCU/s" if side == "Read" else "WCU/s",
                        per_second=True,
                        table=table,
                        index=index,
                    )
                )
        end_ts = int(datetime.now(UTC).timestamp()) // 3600 * 3600  # last whole hour
        hours = days * 24
        window = Window(
            start=datetime.fromtimestamp(end_ts - hours * 3600, UTC),
            end=datetime.fromtimestamp(end_ts, UTC),
            period=3600,
        )
        snap = await self._metrics.fetch(queries, window)

        def grid(key: str) -> tuple[float, ...]:
            values = [0.0] * hours
            series = snap.series.get(key)
            for ts, value in zip(series.timestamps, series.values, strict=True) if series else ():
                slot = int((ts - window.start).total_seconds() // 3600)
                if 0 <= slot < hours:
                    values[slot] = value
            return tuple(values)

        resources = tuple(
            ResourceUsage(index=i, read=grid(f"{i or ''}:Read"), write=grid(f"{i or ''}:Write"))
            for i in indexes
        )
        return TableUsage(table, window.start, window.end, resources, snap.messages)

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

    # --- planning ---------------------------------------------------------------------------------

    async def plan_switch_to_on_demand(
        self, table: str, max_read: int | None = None, max_write: int | None = None
    ) -> list[PlannedRequest]:
        return self._plan_on_demand(await self.state(table), max_read, max_write)

    def _plan_on_demand(
        self, state: CapacityState, max_read: int | None, max_write: int | None
    ) -> list[PlannedRequest]:
        if state.on_demand:
            raise CapacityRuleError(f"{state.table} is already on-demand", "nothing to switch")
        check_busy(state)
        budget = state.switch_budget
        if budget.remaining <= 0:
            raise SwitchLimitReached(
                f"No switch to on-demand left for {state.table}",
                f"AWS allows {budget.limit} switches to on-demand per rolling 24 hours; "
                + (
                    f"the next frees up at {budget.next_free:%Y-%m-%d %H:%M} UTC"
                    if budget.next_free
                    else "try again later"
                ),
                code="SwitchLimit",
            )
        params: dict[str, Any] = {"TableName": state.table, "BillingMode": "PAY_PER_REQUEST"}
        maximum = on_demand_throughput(state.table, max_read, max_write)
        if maximum:
            params["OnDemandThroughput"] = maximum
        plan = [PlannedRequest(DDB, "UpdateTable", params)]
        for target in state.autoscaling.targets:
            plan += removal_requests(target)
        return plan

    async def plan_switch_to_provisioned(
        self,
        table: str,
        table_throughput: Throughput,
        gsi_throughputs: Mapping[str, Throughput] | None = None,
        restore_autoscaling: bool = False,
    ) -> list[PlannedRequest]:
        state = await self.state(table)
        return await self._plan_provisioned(
            state, table_throughput, gsi_throughputs or {}, restore_autoscaling
        )

    async def _plan_provisioned(
        self,
        state: CapacityState,
        table_throughput: Throughput,
        gsi_throughputs: Mapping[str, Throughput],
        restore: bool,
    ) -> list[PlannedRequest]:
        if not state.on_demand:
            raise CapacityRuleError(f"{state.table} is already provisioned", "nothing to switch")
        check_busy(state)
        names = [g.index for g in state.gsis if g.index]
        missing = [n for n in names if n not in gsi_throughputs]
        unknown = [n for n in gsi_throughputs if n not in names]
        if missing or unknown:
            raise CapacityRuleError(
                "Give a capacity for every global secondary index",
                (f"missing: {', '.join(missing)}" if missing else "")
                + ("; " if missing and unknown else "")
                + (f"no such index: {', '.join(unknown)}" if unknown else ""),
            )
        read, write = check_positive("the table", table_throughput)
        params: dict[str, Any] = {
            "TableName": state.table,
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": units(read, write),
        }
        updates = []
        for name in names:
            r, w = check_positive(name, gsi_throughputs[name])
            updates.append(gsi_update(name, ProvisionedThroughput=units(r, w)))
        if updates:
            params["GlobalSecondaryIndexUpdates"] = updates
        await self._check_limits({"the table": table_throughput, **gsi_throughputs})
        plan = [PlannedRequest(DDB, "UpdateTable", params)]
        if restore:
            plan += self._restore_requests(state)
        return plan

    def _restore_requests(self, state: CapacityState) -> list[PlannedRequest]:
        if state.remembered is None or not state.remembered.targets:
            raise CapacityRuleError(
                f"No remembered auto scaling for {state.table}",
                "ddbconsole saves it only when it switches a table with auto scaling to on-demand",
            )
        names = {g.index for g in state.gsis}
        plan: list[PlannedRequest] = []
        for target in state.remembered.targets:
            if target.index_name is None or target.index_name in names:  # skip deleted GSIs
                plan += target_requests(target)
        return plan

    async def plan_restore_autoscaling(self, table: str) -> list[PlannedRequest]:
        """Re-register remembered auto scaling on a table that is provisioned already."""
        return self._plan_restore(await self.state(table))

    def _plan_restore(self, state: CapacityState) -> list[PlannedRequest]:
        if state.on_demand:
            raise CapacityRuleError(
                f"{state.table} is on-demand", "switch it to provisioned to restore auto scaling"
            )
        return self._restore_requests(state)

    async def plan_update_throughput(
        self, table: str, read: int | None, write: int | None, gsi: str | None = None
    ) -> list[PlannedRequest]:
        """New provisioned capacity for the table or one GSI; None keeps a side as it is."""
        return await self._plan_throughput(await self.state(table), read, write, gsi)

    async def _plan_throughput(
        self, state: CapacityState, read: int | None, write: int | None, gsi: str | None
    ) -> list[PlannedRequest]:
        if state.on_demand:
            raise CapacityRuleError(
                f"{state.table} is on-demand",
                "provisioned capacity applies to provisioned tables; edit the on-demand maximum",
            )
        res = self._resource(state, gsi)
        check_busy(state)
        current = res.provisioned or Throughput()
        new = Throughput(
            read if read is not None else current.read,
            write if write is not None else current.write,
        )
        r, w = check_positive(res.label, new)
        if (r, w) == (current.read, current.write):
            raise CapacityRuleError(f"No change for {res.label}", f"it already has {r} R / {w} W")
        if r < (current.read or 0) or w < (current.write or 0):
            check_decrease(res, datetime.now(UTC))
        await self._check_limits({res.label: new})
        if gsi is None:
            params: dict[str, Any] = {
                "TableName": state.table,
                "ProvisionedThroughput": units(r, w),
            }
        else:
            params = {
                "TableName": state.table,
                "GlobalSecondaryIndexUpdates": [gsi_update(gsi, ProvisionedThroughput=units(r, w))],
            }
        return [PlannedRequest(DDB, "UpdateTable", params)]

    async def plan_update_on_demand_max(
        self, table: str, max_read: int | None, max_write: int | None, gsi: str | None = None
    ) -> list[PlannedRequest]:
        """New on-demand maximum throughput (request units per second) for the table or a GSI;
        None keeps a side as it is, NO_MAXIMUM (-1) removes the maximum."""
        state = await self.state(table)
        if not state.on_demand:
            raise CapacityRuleError(
                f"{state.table} is provisioned",
                "the maximum throughput applies to on-demand tables",
            )
        res = self._resource(state, gsi)
        check_busy(state)
        maximum = on_demand_throughput(res.label, max_read, max_write)
        if not maximum:
            raise CapacityRuleError(f"No change for {res.label}", "give a read or write maximum")
        await self._check_limits(
            {
                res.label: Throughput(
                    maximum.get("MaxReadRequestUnits"), maximum.get("MaxWriteRequestUnits")
                )
            }
        )
        if gsi is None:
            params: dict[str, Any] = {"TableName": table, "OnDemandThroughput": maximum}
        else:
            params = {
                "TableName": table,
                "GlobalSecondaryIndexUpdates": [gsi_update(gsi, OnDemandThroughput=maximum)],
            }
        return [PlannedRequest(DDB, "UpdateTable", params)]

    async def plan_enable_autoscaling(
        self,
        table: str,
        side: ScalingSide,
        min_capacity: int = DEFAULT_MIN_CAPACITY,
        max_capacity: int = 100,
        target: float = cost.DEFAULT_TARGET,
        gsi: str | None = None,
        scale_in_cooldown: int | None = None,
        scale_out_cooldown: int | None = None,
    ) -> list[PlannedRequest]:
        """Register (or update) the scalable target and put (or update) its target-tracking policy.

        An existing target-tracking policy keeps its name; a new one gets the console's name."""
        state = await self.state(table)
        if state.on_demand:
            raise CapacityRuleError(
                f"{state.table} is on-demand", "auto scaling applies to provisioned capacity"
            )
        res = self._resource(state, gsi)
        if not 1 <= min_capacity <= max_capacity:
            raise CapacityRuleError(
                f"Invalid auto scaling range for {res.label}",
                f"need 1 <= min <= max (got min {min_capacity}, max {max_capacity})",
            )
        if not MIN_TARGET <= target <= MAX_TARGET:
            raise CapacityRuleError(
                "Invalid target utilisation",
                f"choose {MIN_TARGET:g} to {MAX_TARGET:g} percent (got {target:g})",
            )
        for name, value in (("scale-in", scale_in_cooldown), ("scale-out", scale_out_cooldown)):
            if value is not None and value < 0:
                raise CapacityRuleError(f"Invalid {name} cooldown", f"must be >= 0 (got {value})")
        read_max = max_capacity if side == "read" else None
        write_max = max_capacity if side == "write" else None
        await self._check_limits({res.label: Throughput(read_max, write_max)})
        existing = res.scaling(side)
        tracking = existing.target_tracking if existing else None
        policy = ScalableTargetInfo(
            resource_id=resource_id(table, gsi),
            dimension=scalable_dimension(side, index=gsi is not None),
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            policies=(
                tracking_policy(
                    tracking.name if tracking else policy_name(side, table, gsi),
                    side,
                    target,
                    scale_in_cooldown,
                    scale_out_cooldown,
                ),
            ),
        )
        return target_requests(policy)

    async def plan_disable_autoscaling(
        self, table: str, side: ScalingSide, gsi: str | None = None
    ) -> list[PlannedRequest]:
        state = await self.state(table)
        res = self._resource(state, gsi)
        target = res.scaling(side)
        if target is None:
            raise CapacityRuleError(
                f"No {side} auto scaling on {res.label}", "there is nothing to disable"
            )
        return removal_requests(target)

    @staticmethod
    def _resource(state: CapacityState, gsi: str | None) -> CapacityResource:
        try:
            return state.resource(gsi)
        except KeyError:
            raise CapacityRuleError(
                f"No index {gsi!r} on {state.table}",
                "global secondary indexes: "
                + (", ".join(str(g.index) for g in state.gsis) or "none"),
            ) from None

    # --- executing --------------------------------------------------------------------------------

    def _refuse_read_only(self, service: str, operation: str) -> None:
        if self._session.read_only:
            raise ReadOnlyViolation(service, operation)

    async def _apply(
        self,
        guard: tuple[str, str],
        planning: Callable[[], Awaitable[list[PlannedRequest]]],
        confirmed: Sequence[PlannedRequest] | None,
    ) -> list[PlannedRequest]:
        """Refuse in read-only mode (before any request), plan, then send what was confirmed."""
        self._refuse_read_only(*guard)
        plan = await planning()
        await self.send(plan, confirmed)
        return plan

    async def send(
        self, plan: Sequence[PlannedRequest], confirmed: Sequence[PlannedRequest] | None = None
    ) -> list[dict[str, Any]]:
        """Send `plan` request by request; refuse (sending nothing) if it differs from `confirmed`."""
        check_confirmed(plan, confirmed)
        sent: list[PlannedRequest] = []
        results: list[dict[str, Any]] = []
        for request in plan:
            try:
                results.append(
                    await self._session.call(request.service, request.method, **request.params)
                )
            except DdbConsoleError as exc:
                if not sent:
                    raise
                raise ChangeIncomplete(sent, request, exc) from exc
            sent.append(request)
        return results

    async def switch_to_on_demand(
        self,
        table: str,
        max_read: int | None = None,
        max_write: int | None = None,
        *,
        confirmed: Sequence[PlannedRequest] | None = None,
    ) -> list[PlannedRequest]:
        """Switch to PAY_PER_REQUEST; auto scaling is saved to the state dir, then removed."""
        self._refuse_read_only(DDB, "UpdateTable")
        state = await self.state(table)
        plan = self._plan_on_demand(state, max_read, max_write)
        key = table_key(state.arn)
        check_confirmed(plan, confirmed)
        if state.autoscaling.targets:
            await asyncio.to_thread(
                self.memory.save, key, state.autoscaling.targets, datetime.now(UTC)
            )
        results = await self.send(plan, confirmed)
        summary = (results[0].get("TableDescription") or {}).get("BillingModeSummary") or {}
        at = utc_or_none(summary.get("LastUpdateToPayPerRequestDateTime")) or datetime.now(UTC)
        await asyncio.to_thread(self.ledger.record, key, at)
        return plan

    async def switch_to_provisioned(
        self,
        table: str,
        table_throughput: Throughput,
        gsi_throughputs: Mapping[str, Throughput] | None = None,
        restore_autoscaling: bool = False,
        *,
        confirmed: Sequence[PlannedRequest] | None = None,
    ) -> list[PlannedRequest]:
        """Switch to PROVISIONED with these capacities (every GSI needs one); optionally restore
        the remembered auto scaling, which is then forgotten."""
        self._refuse_read_only(DDB, "UpdateTable")
        state = await self.state(table)
        plan = await self._plan_provisioned(
            state, table_throughput, gsi_throughputs or {}, restore_autoscaling
        )
        await self.send(plan, confirmed)
        if restore_autoscaling:
            await asyncio.to_thread(self.memory.forget, table_key(state.arn))
        return plan

    async def restore_autoscaling(
        self, table: str, *, confirmed: Sequence[PlannedRequest] | None = None
    ) -> list[PlannedRequest]:
        self._refuse_read_only(AAS, "RegisterScalableTarget")
        state = await self.state(table)
        plan = self._plan_restore(state)
        await self.send(plan, confirmed)
        await asyncio.to_thread(self.memory.forget, table_key(state.arn))
        return plan

    async def update_throughput(
        self,
        table: str,
        read: int | None,
        write: int | None,
        gsi: str | None = None,
        *,
        confirmed: Sequence[PlannedRequest] | None = None,
    ) -> list[PlannedRequest]:
        return await self._apply(
            (DDB, "UpdateTable"),
            lambda: self.plan_update_throughput(table, read, write, gsi),
            confirmed,
        )

    async def update_on_demand_max(
        self,
        table: str,
        max_read: int | None,
        max_write: int | None,
        gsi: str | None = None,
        *,
        confirmed: Sequence[PlannedRequest] | None = None,
    ) -> list[PlannedRequest]:
        return await self._apply(
            (DDB, "UpdateTable"),
            lambda: self.plan_update_on_demand_max(table, max_read, max_write, gsi),
            confirmed,
        )

    async def enable_autoscaling(
        self,
        table: str,
        side: ScalingSide,
        min_capacity: int = DEFAULT_MIN_CAPACITY,
        max_capacity: int = 100,
        target: float = cost.DEFAULT_TARGET,
        gsi: str | None = None,
        scale_in_cooldown: int | None = None,
        scale_out_cooldown: int | None = None,
        *,
        confirmed: Sequence[PlannedRequest] | None = None,
    ) -> list[PlannedRequest]:
        args = (table, side, min_capacity, max_capacity, target, gsi)
        return await self._apply(
            (AAS, "RegisterScalableTarget"),
            lambda: self.plan_enable_autoscaling(*args, scale_in_cooldown, scale_out_cooldown),
            confirmed,
        )

    async def disable_autoscaling(
        self,
        table: str,
        side: ScalingSide,
        gsi: str | None = None,
        *,
        confirmed: Sequence[PlannedRequest] | None = None,
    ) -> list[PlannedRequest]:
        return await self._apply(
            (AAS, "DeregisterScalableTarget"),
            lambda: self.plan_disable_autoscaling(table, side, gsi),
            confirmed,
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
