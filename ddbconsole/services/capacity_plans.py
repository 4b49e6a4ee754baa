"""Planning capacity changes: each `plan_*` reads the table's capacity state, checks the rules AWS
enforces (see services/capacity_rules.py) and returns a Plan of the exact requests, which re-plans
itself before it is sent (services/plans.py). Mixed into CapacityService (services/capacity.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from ddbconsole.models import (
    CapacityResource,
    CapacityState,
    PlannedRequest,
    ScalableTargetInfo,
    ScalingSide,
    Throughput,
)
from ddbconsole.services import cost
from ddbconsole.services.autoscaling import resource_id, scalable_dimension
from ddbconsole.services.capacity_rules import (
    AAS,
    DDB,
    DEFAULT_MIN_CAPACITY,
    MAX_TARGET,
    MIN_TARGET,
    CapacityRuleError,
    SwitchLimitReached,
    budget_text,
    check_busy,
    check_decrease,
    check_positive,
    gsi_update,
    on_demand_throughput,
    policy_name,
    removal_requests,
    target_requests,
    tracking_policy,
    units,
    utc_or_none,
)
from ddbconsole.services.capacity_store import AutoScalingMemory, SwitchLedger, table_key
from ddbconsole.services.plans import Plan, write_plan
from ddbconsole.services.session import AwsSession

BUSY_CHECK = "DescribeTable: the table and its GSIs ACTIVE (re-planned; refused if it changed)"


class CapacityPlanner:
    """The `plan_*` half of CapacityService: reads through `state` and `_check_limits`."""

    _session: AwsSession
    ledger: SwitchLedger
    memory: AutoScalingMemory

    async def state(self, table: str) -> CapacityState:
        raise NotImplementedError

    async def _check_limits(self, wanted: Mapping[str, Throughput]) -> None:
        raise NotImplementedError

    # --- planning ---------------------------------------------------------------------------------

    @write_plan(DDB, "UpdateTable")
    async def plan_switch_to_on_demand(
        self, table: str, max_read: int | None = None, max_write: int | None = None
    ) -> Plan:
        return self._plan_on_demand(await self.state(table), max_read, max_write)

    def _plan_on_demand(
        self, state: CapacityState, max_read: int | None, max_write: int | None
    ) -> Plan:
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
        requests = [PlannedRequest(DDB, "UpdateTable", params)]
        for target in state.autoscaling.targets:
            requests += removal_requests(target)
        key, table = table_key(state.arn), state.table
        targets = state.autoscaling.targets

        async def remember() -> None:
            if targets:
                await asyncio.to_thread(self.memory.save, key, targets, datetime.now(UTC))

        async def record(results: list[dict[str, Any]]) -> Plan:
            summary = (results[0].get("TableDescription") or {}).get("BillingModeSummary") or {}
            at = utc_or_none(summary.get("LastUpdateToPayPerRequestDateTime")) or datetime.now(UTC)
            await asyncio.to_thread(self.ledger.record, key, at)
            return plan

        notes = [f"Budget: {budget_text(budget)}; this switch uses one."]
        if len(requests) > 1:
            notes.append(
                "Auto scaling is saved by ddbconsole, then removed (requests 2 onwards); it is "
                "offered back when you switch to provisioned."
            )
        plan = Plan(
            f"Switch {table} to on-demand?",
            tuple(requests),
            checks=(BUSY_CHECK, "the switches to on-demand left in the last 24 hours"),
            then=("the capacity is read again",),
            notes=tuple(notes),
            confirm_label="Switch",
            done=f"{table}: switch to on-demand sent",
            refresh=lambda: self.plan_switch_to_on_demand(table, max_read, max_write),
            before=remember,
            after=record,
        )
        return plan

    @write_plan(DDB, "UpdateTable")
    async def plan_switch_to_provisioned(
        self,
        table: str,
        table_throughput: Throughput,
        gsi_throughputs: Mapping[str, Throughput] | None = None,
        restore_autoscaling: bool = False,
    ) -> Plan:
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
    ) -> Plan:
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
        requests = [PlannedRequest(DDB, "UpdateTable", params)]
        if restore:
            requests += self._restore_requests(state)
        notes = ["Back to provisioned is allowed any time."]
        if restore:
            notes.append("The remembered auto scaling is re-registered after the switch.")
        table = state.table
        return Plan(
            f"Switch {table} to provisioned?",
            tuple(requests),
            checks=(BUSY_CHECK, "DescribeLimits: the table's and account's maximum capacity"),
            then=("the capacity is read again",),
            notes=tuple(notes),
            confirm_label="Switch",
            done=f"{table}: switch to provisioned sent",
            refresh=lambda: self.plan_switch_to_provisioned(
                table, table_throughput, gsi_throughputs, restore
            ),
            after=self._forget(state) if restore else None,
        )

    def _forget(self, state: CapacityState) -> Callable[[list[dict[str, Any]]], Awaitable[Any]]:
        """Once restored, the remembered auto scaling is forgotten."""

        async def forget(results: list[dict[str, Any]]) -> Any:
            await asyncio.to_thread(self.memory.forget, table_key(state.arn))
            return results

        return forget

    def _restore_requests(self, state: CapacityState) -> list[PlannedRequest]:
        if state.remembered is None or not state.remembered.targets:
            raise CapacityRuleError(
                f"No remembered auto scaling for {state.table}",
                "ddbconsole saves it only when it switches a table with auto scaling to on-demand",
            )
        names = {g.index for g in state.gsis}
        requests: list[PlannedRequest] = []
        for target in state.remembered.targets:
            if target.index_name is None or target.index_name in names:  # skip deleted GSIs
                requests += target_requests(target)
        return requests

    @write_plan(AAS, "RegisterScalableTarget")
    async def plan_restore_autoscaling(self, table: str) -> Plan:
        """Re-register remembered auto scaling on a table that is provisioned already."""
        return self._plan_restore(await self.state(table))

    def _plan_restore(self, state: CapacityState) -> Plan:
        if state.on_demand:
            raise CapacityRuleError(
                f"{state.table} is on-demand", "switch it to provisioned to restore auto scaling"
            )
        table = state.table
        return Plan(
            f"Restore the remembered auto scaling of {table}?",
            tuple(self._restore_requests(state)),
            checks=("the table still provisioned, the remembered settings (re-planned)",),
            then=("the saved settings are forgotten", "the capacity is read again"),
            notes=("The saved settings are forgotten once restored.",),
            confirm_label="Restore",
            done=f"Auto scaling of {table} restored",
            refresh=lambda: self.plan_restore_autoscaling(table),
            after=self._forget(state),
        )

    @write_plan(DDB, "UpdateTable")
    async def plan_update_throughput(
        self, table: str, read: int | None, write: int | None, gsi: str | None = None
    ) -> Plan:
        """New provisioned capacity for the table or one GSI; None keeps a side as it is."""
        return await self._plan_throughput(await self.state(table), read, write, gsi)

    async def _plan_throughput(
        self, state: CapacityState, read: int | None, write: int | None, gsi: str | None
    ) -> Plan:
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
        what, table = f"GSI {gsi}" if gsi else state.table, state.table
        return Plan(
            f"Set {what} to {r} R / {w} W?",
            (PlannedRequest(DDB, "UpdateTable", params),),
            checks=(BUSY_CHECK, "the decreases left today", "DescribeLimits"),
            then=("the capacity is read again",),
            confirm_label="Update",
            done=f"{what}: throughput update sent",
            refresh=lambda: self.plan_update_throughput(table, read, write, gsi),
        )

    @write_plan(DDB, "UpdateTable")
    async def plan_update_on_demand_max(
        self, table: str, max_read: int | None, max_write: int | None, gsi: str | None = None
    ) -> Plan:
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
        what = f"GSI {gsi}" if gsi else table
        return Plan(
            f"Change the on-demand maximum of {what}?",
            (PlannedRequest(DDB, "UpdateTable", params),),
            checks=(BUSY_CHECK, "DescribeLimits"),
            then=("the capacity is read again",),
            notes=("-1 removes a maximum.",),
            confirm_label="Update",
            done=f"{what}: on-demand maximum update sent",
            refresh=lambda: self.plan_update_on_demand_max(table, max_read, max_write, gsi),
        )

    @write_plan(AAS, "RegisterScalableTarget")
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
    ) -> Plan:
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
        what = f"GSI {gsi}" if gsi else table
        return Plan(
            f"Auto scale {side} of {what} ({min_capacity}..{max_capacity} at {target:g} %)?",
            tuple(target_requests(policy)),
            checks=("the table still provisioned, its current auto scaling (re-planned)",),
            then=("the capacity is read again",),
            confirm_label="Apply",
            done=f"{what}: auto scaling set",
            refresh=lambda: self.plan_enable_autoscaling(
                table, side, min_capacity, max_capacity, target, gsi,
                scale_in_cooldown, scale_out_cooldown,
            ),
        )  # fmt: skip

    @write_plan(AAS, "DeregisterScalableTarget")
    async def plan_disable_autoscaling(
        self, table: str, side: ScalingSide, gsi: str | None = None
    ) -> Plan:
        state = await self.state(table)
        res = self._resource(state, gsi)
        target = res.scaling(side)
        if target is None:
            raise CapacityRuleError(
                f"No {side} auto scaling on {res.label}", "there is nothing to disable"
            )
        what = f"GSI {gsi}" if gsi else table
        return Plan(
            f"Disable {side} auto scaling of {what}?",
            tuple(removal_requests(target)),
            checks=("the current auto scaling (re-planned; refused if it changed)",),
            then=("the capacity is read again",),
            notes=("The provisioned capacity stays where auto scaling left it.",),
            confirm_label="Disable",
            done=f"{what}: auto scaling disabled",
            refresh=lambda: self.plan_disable_autoscaling(table, side, gsi),
        )

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
