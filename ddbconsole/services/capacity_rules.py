"""The capacity rules AWS enforces (and moto does not) and the shapes of the requests a capacity
change sends: pure functions, no I/O. See services/capacity.py for how they are applied.

Decreases of provisioned capacity: DynamoDB allows 4 decreases at any time in a UTC day plus one more
per hour without a decrease in the preceding hour (27 a day). `check_decrease` approximates this per
table/GSI from DescribeTable's NumberOfDecreasesToday and LastDecreaseDateTime: below 4 a decrease is
allowed; from 4 on it is refused while the last decrease is less than an hour old, when the day's
count already reaches 4 + the whole hours elapsed since midnight UTC, and at 27. AWS stays the judge
(its LimitExceededException is translated), since the real rule is finer than these counters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from ddbconsole.errors import DdbConsoleError, UserInputError
from ddbconsole.models import (
    CapacityResource,
    CapacityState,
    PlannedRequest,
    ScalableTargetInfo,
    ScalingPolicyInfo,
    ScalingSide,
    SwitchBudget,
    TableAutoScaling,
    Throughput,
)
from ddbconsole.services.autoscaling import NAMESPACE, resource_id
from ddbconsole.services.capacity_store import SWITCH_WINDOW, as_utc

DDB = "dynamodb"
AAS = "application-autoscaling"
SWITCH_LIMIT = 4
FREE_DECREASES = 4
MAX_DECREASES_PER_DAY = 27
NO_MAXIMUM = -1  # on-demand maximum throughput: remove the maximum
MIN_TARGET, MAX_TARGET = 20.0, 90.0  # target utilisation percent accepted for DynamoDB
DEFAULT_MIN_CAPACITY = 5  # AWS console default
MAX_HISTORY_DAYS = 60  # 1440 hourly points per series
# A ledger entry and DescribeTable's last switch closer than this are the same switch.
_SAME_SWITCH = timedelta(minutes=5)


class CapacityRuleError(UserInputError):
    """A capacity change AWS would refuse (or that makes no sense), caught before sending."""


class SwitchLimitReached(CapacityRuleError):
    pass


class TableBusy(CapacityRuleError):
    pass


class DecreaseLimitReached(CapacityRuleError):
    pass


class PlanChanged(CapacityRuleError):
    """The table changed between showing the requests and confirming them: nothing was sent."""


class ChangeIncomplete(DdbConsoleError):
    """A multi-request change stopped part-way: `sent` went through, `failed` did not."""

    def __init__(
        self, sent: Sequence[PlannedRequest], failed: PlannedRequest, cause: DdbConsoleError
    ) -> None:
        super().__init__(
            f"{failed.operation} failed after {len(sent)} of the change's requests were sent",
            f"{cause}; the requests before it took effect, the rest were not sent",
            code=cause.code or "ChangeIncomplete",
        )
        self.sent = tuple(sent)
        self.failed = failed
        self.cause = cause


# --- parsing DescribeTable ------------------------------------------------------------------------


def utc_or_none(value: Any) -> datetime | None:
    return as_utc(value) if isinstance(value, datetime) else None


def _pair(raw: Mapping[str, Any] | None, read: str, write: str) -> Throughput | None:
    if not raw or (raw.get(read) is None and raw.get(write) is None):
        return None
    r, w = raw.get(read), raw.get(write)
    return Throughput(None if r is None else int(r), None if w is None else int(w))


def parse_resource(
    raw: Mapping[str, Any], index: str | None, on_demand: bool, scaling: TableAutoScaling
) -> CapacityResource:
    pt = raw.get("ProvisionedThroughput") or {}
    return CapacityResource(
        index=index,
        status=str(raw.get("IndexStatus" if index else "TableStatus", "ACTIVE")),
        provisioned=None if on_demand else _pair(pt, "ReadCapacityUnits", "WriteCapacityUnits"),
        on_demand_max=_pair(
            raw.get("OnDemandThroughput"), "MaxReadRequestUnits", "MaxWriteRequestUnits"
        ),
        warm=_pair(raw.get("WarmThroughput"), "ReadUnitsPerSecond", "WriteUnitsPerSecond"),
        decreases_today=int(pt.get("NumberOfDecreasesToday") or 0),
        last_increase=utc_or_none(pt.get("LastIncreaseDateTime")),
        last_decrease=utc_or_none(pt.get("LastDecreaseDateTime")),
        read_scaling=scaling.target("read", index),
        write_scaling=scaling.target("write", index),
        backfilling=bool(raw.get("Backfilling", False)),
    )


def switch_budget(
    ledger: Sequence[datetime], last_switch: datetime | None, now: datetime
) -> SwitchBudget:
    """The ledger's switches in the window, plus DescribeTable's last switch if not already there."""
    counted = [t for t in ledger if now - t < SWITCH_WINDOW]
    if (
        last_switch is not None
        and now - last_switch < SWITCH_WINDOW
        and all(abs(t - last_switch) > _SAME_SWITCH for t in counted)
    ):
        counted.append(last_switch)
    return SwitchBudget(limit=SWITCH_LIMIT, counted=tuple(sorted(counted)), now=now)


def check_decrease(res: CapacityResource, now: datetime) -> None:
    """Refuse a decrease DynamoDB would refuse today (the approximation in the module docstring)."""
    n = res.decreases_today
    if n < FREE_DECREASES:
        return
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = midnight + timedelta(days=1)
    if n >= MAX_DECREASES_PER_DAY:
        raise DecreaseLimitReached(
            f"No more decreases today for {res.label}",
            f"DynamoDB allows {MAX_DECREASES_PER_DAY} decreases per UTC day; "
            f"the next is possible after {tomorrow:%Y-%m-%d %H:%M} UTC",
            code="DecreaseLimit",
        )
    if res.last_decrease is not None and now - res.last_decrease < timedelta(hours=1):
        at = res.last_decrease + timedelta(hours=1)
        raise DecreaseLimitReached(
            f"Decrease not allowed yet for {res.label}",
            f"{n} decreases today: after the first {FREE_DECREASES}, DynamoDB allows one per hour "
            f"without a decrease in the hour before; try after {at:%H:%M} UTC",
            code="DecreaseLimit",
        )
    hours = int((now - midnight).total_seconds() // 3600)
    if n >= FREE_DECREASES + hours:
        at = midnight + timedelta(hours=hours + 1)
        raise DecreaseLimitReached(
            f"Decrease not allowed yet for {res.label}",
            f"{n} decreases today: after the first {FREE_DECREASES}, DynamoDB allows about one per "
            f"hour; try after {at:%H:%M} UTC",
            code="DecreaseLimit",
        )


def units(read: int, write: int) -> dict[str, int]:
    return {"ReadCapacityUnits": read, "WriteCapacityUnits": write}


def gsi_update(index: str, **update: Any) -> dict[str, Any]:
    return {"Update": {"IndexName": index, **update}}


def check_positive(what: str, tp: Throughput) -> tuple[int, int]:
    if tp.read is None or tp.write is None:
        raise CapacityRuleError(f"Capacity missing for {what}", "give both read and write units")
    for side, value in (("read", tp.read), ("write", tp.write)):
        if value < 1:
            raise CapacityRuleError(
                f"Invalid {side} capacity for {what}", f"must be at least 1 (got {value})"
            )
    return tp.read, tp.write


def check_busy(state: CapacityState) -> None:
    busy = [r for r in state.resources if r.busy]
    if state.status != "ACTIVE" or busy:
        who = ", ".join(f"{r.label} {'BACKFILLING' if r.backfilling else r.status}" for r in busy)
        raise TableBusy(
            f"{state.table} is being updated",
            f"DynamoDB runs one table update at a time ({who or state.status}); wait until the "
            "table and all its indexes are ACTIVE",
            code="TableBusy",
        )


def target_requests(target: ScalableTargetInfo) -> list[PlannedRequest]:
    """Register `target` and put its target-tracking policies, as remembered."""
    ident = {
        "ServiceNamespace": NAMESPACE,
        "ResourceId": target.resource_id,
        "ScalableDimension": target.dimension,
    }
    register: dict[str, Any] = {
        **ident,
        "MinCapacity": target.min_capacity,
        "MaxCapacity": target.max_capacity,
    }
    if target.suspended:
        register["SuspendedState"] = {f"{s}Suspended": True for s in target.suspended}
    out = [PlannedRequest(AAS, "RegisterScalableTarget", register)]
    for policy in target.policies:
        if policy.policy_type != "TargetTrackingScaling" or policy.target_value is None:
            continue
        config: dict[str, Any] = {"TargetValue": policy.target_value}
        if policy.predefined_metric:
            config["PredefinedMetricSpecification"] = {
                "PredefinedMetricType": policy.predefined_metric
            }
        if policy.scale_in_cooldown is not None:
            config["ScaleInCooldown"] = policy.scale_in_cooldown
        if policy.scale_out_cooldown is not None:
            config["ScaleOutCooldown"] = policy.scale_out_cooldown
        if policy.disable_scale_in:
            config["DisableScaleIn"] = True
        out.append(
            PlannedRequest(
                AAS,
                "PutScalingPolicy",
                {
                    "PolicyName": policy.name,
                    **ident,
                    "PolicyType": "TargetTrackingScaling",
                    "TargetTrackingScalingPolicyConfiguration": config,
                },
            )
        )
    return out


def removal_requests(target: ScalableTargetInfo) -> list[PlannedRequest]:
    """Delete the target's policies, then deregister it. (AWS's DeregisterScalableTarget deletes
    the policies itself; moto does not, and saying it explicitly costs one request per policy.)"""
    ident = {
        "ServiceNamespace": NAMESPACE,
        "ResourceId": target.resource_id,
        "ScalableDimension": target.dimension,
    }
    out = [
        PlannedRequest(AAS, "DeleteScalingPolicy", {"PolicyName": p.name, **ident})
        for p in target.policies
    ]
    out.append(PlannedRequest(AAS, "DeregisterScalableTarget", dict(ident)))
    return out


def policy_name(side: ScalingSide, table: str, index: str | None = None) -> str:
    """The AWS console's name: `DynamoDBReadCapacityUtilization:table/Orders/index/ByStatus`."""
    return f"{_metric(side)}:{resource_id(table, index)}"


def _metric(side: ScalingSide) -> str:
    return f"DynamoDB{'Read' if side == 'read' else 'Write'}CapacityUtilization"


def budget_text(budget: SwitchBudget) -> str:
    """`3 of 4 switches to on-demand left in 24 h; next frees up at ...`."""
    text = f"{budget.remaining} of {budget.limit} switches to on-demand left in 24 h"
    if budget.next_free is not None:
        text += f"; next frees up at {budget.next_free:%Y-%m-%d %H:%M} UTC"
    return text


def check_confirmed(
    plan: Sequence[PlannedRequest], confirmed: Sequence[PlannedRequest] | None
) -> None:
    if confirmed is not None and list(confirmed) != list(plan):
        raise PlanChanged(
            "The table changed since the requests were shown",
            "nothing was sent; review the new requests and confirm again",
            code="PlanChanged",
        )


def tracking_policy(
    name: str,
    side: ScalingSide,
    target: float,
    scale_in_cooldown: int | None,
    scale_out_cooldown: int | None,
) -> ScalingPolicyInfo:
    return ScalingPolicyInfo(
        name=name,
        arn="",
        policy_type="TargetTrackingScaling",
        target_value=float(target),
        predefined_metric=_metric(side),
        scale_in_cooldown=scale_in_cooldown,
        scale_out_cooldown=scale_out_cooldown,
    )


def on_demand_throughput(
    what: str,
    max_read: int | None,
    max_write: int | None,
    *,
    error: type[UserInputError] | None = None,
    unset: str = f"{NO_MAXIMUM} for no maximum",
) -> dict[str, int]:
    """OnDemandThroughput's Max*RequestUnits for the sides given (None: not given); each at least
    1 or NO_MAXIMUM. `unset` says how to ask for no maximum in the caller's form."""
    out: dict[str, int] = {}
    for side, key, value in (
        ("read", "MaxReadRequestUnits", max_read),
        ("write", "MaxWriteRequestUnits", max_write),
    ):
        if value is None:
            continue
        if value != NO_MAXIMUM and value < 1:
            raise (error or CapacityRuleError)(
                f"Invalid on-demand maximum {side} for {what}",
                f"must be at least 1, or {unset} (got {value})",
            )
        out[key] = value
    return out
