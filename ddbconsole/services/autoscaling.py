"""Application Auto Scaling of a table's and its GSIs' provisioned capacity (read side).

A table's scalable targets are `table/NAME` and `table/NAME/index/INDEX` in the `dynamodb`
namespace, one per dimension (read/write). Every call here is on the read-only allow-list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ddbconsole.models import ScalableTargetInfo, ScalingPolicyInfo, ScalingSide, TableAutoScaling
from ddbconsole.services.session import AwsSession

SERVICE = "application-autoscaling"
NAMESPACE = "dynamodb"
# DescribeScalableTargets accepts at most 50 resource ids per request.
_MAX_RESOURCE_IDS = 50


def resource_id(table: str, index: str | None = None) -> str:
    return f"table/{table}/index/{index}" if index else f"table/{table}"


def scalable_dimension(side: ScalingSide, *, index: bool = False) -> str:
    kind = "index" if index else "table"
    return f"dynamodb:{kind}:{'Read' if side == 'read' else 'Write'}CapacityUnits"


def parse_policy(raw: dict[str, Any]) -> ScalingPolicyInfo:
    tracking = raw.get("TargetTrackingScalingPolicyConfiguration") or {}
    predefined = tracking.get("PredefinedMetricSpecification") or {}
    target = tracking.get("TargetValue")
    return ScalingPolicyInfo(
        name=raw["PolicyName"],
        arn=raw.get("PolicyARN", ""),
        policy_type=raw.get("PolicyType", ""),
        target_value=None if target is None else float(target),
        predefined_metric=predefined.get("PredefinedMetricType"),
        scale_in_cooldown=tracking.get("ScaleInCooldown"),
        scale_out_cooldown=tracking.get("ScaleOutCooldown"),
        disable_scale_in=bool(tracking.get("DisableScaleIn", False)),
        alarm_names=tuple(a["AlarmName"] for a in raw.get("Alarms", [])),
    )


def parse_target(
    raw: dict[str, Any], policies: Sequence[ScalingPolicyInfo] = ()
) -> ScalableTargetInfo:
    suspended = raw.get("SuspendedState") or {}
    return ScalableTargetInfo(
        resource_id=raw["ResourceId"],
        dimension=raw["ScalableDimension"],
        min_capacity=int(raw["MinCapacity"]),
        max_capacity=int(raw["MaxCapacity"]),
        arn=raw.get("ScalableTargetARN"),
        role_arn=raw.get("RoleARN"),
        suspended=tuple(sorted(k.removesuffix("Suspended") for k, v in suspended.items() if v)),
        policies=tuple(policies),
    )


class AutoScalingService:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    async def for_table(
        self, table: str, index_names: Sequence[str] | None = None
    ) -> TableAutoScaling:
        """The scalable targets and policies of `table` and its GSIs.

        Pass `index_names` (the table's GSIs) when already known; otherwise DescribeTable finds them.
        LSIs share the table's capacity and have no targets of their own.
        """
        if index_names is None:
            desc = await self._session.call("dynamodb", "describe_table", TableName=table)
            index_names = [g["IndexName"] for g in desc["Table"].get("GlobalSecondaryIndexes", [])]
        ids = [resource_id(table), *(resource_id(table, i) for i in index_names)]
        raw_targets: list[dict[str, Any]] = []
        for start in range(0, len(ids), _MAX_RESOURCE_IDS):
            raw_targets += await self._targets(ids[start : start + _MAX_RESOURCE_IDS])
        with_targets = sorted({t["ResourceId"] for t in raw_targets})
        policy_lists = await asyncio.gather(*(self._policies(rid) for rid in with_targets))
        policies: dict[tuple[str, str], list[ScalingPolicyInfo]] = {}
        for raw in (p for plist in policy_lists for p in plist):
            key = (raw["ResourceId"], raw["ScalableDimension"])
            policies.setdefault(key, []).append(parse_policy(raw))
        order = {rid: n for n, rid in enumerate(ids)}
        targets = sorted(
            (
                parse_target(t, policies.get((t["ResourceId"], t["ScalableDimension"]), ()))
                for t in raw_targets
            ),
            key=lambda t: (order.get(t.resource_id, len(order)), t.side),
        )
        return TableAutoScaling(table=table, targets=tuple(targets))

    async def _targets(self, resource_ids: Sequence[str]) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"ServiceNamespace": NAMESPACE, "ResourceIds": list(resource_ids)}
        found: list[dict[str, Any]] = []
        while True:
            page = await self._session.call(SERVICE, "describe_scalable_targets", **params)
            found += page.get("ScalableTargets", [])
            token = page.get("NextToken")
            if not token:
                return found
            params["NextToken"] = token

    async def _policies(self, rid: str) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"ServiceNamespace": NAMESPACE, "ResourceId": rid}
        found: list[dict[str, Any]] = []
        while True:
            page = await self._session.call(SERVICE, "describe_scaling_policies", **params)
            # Exact match: moto (5.2) treats ResourceId as a substring and returns the table's
            # policies again for each of its indexes.
            found += [p for p in page.get("ScalingPolicies", []) if p.get("ResourceId") == rid]
            token = page.get("NextToken")
            if not token:
                return found
            params["NextToken"] = token
