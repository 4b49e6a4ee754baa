"""Application Auto Scaling of a table and its GSIs: targets, policies, activities, and the
settings remembered before a switch to on-demand removed them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ScalingSide = Literal["read", "write"]


@dataclass(frozen=True)
class ScalingPolicyInfo:
    """One Application Auto Scaling policy on a scalable target."""

    name: str
    arn: str
    policy_type: str  # TargetTrackingScaling | StepScaling
    target_value: float | None = None  # target tracking: utilisation percent
    predefined_metric: str | None = None  # e.g. DynamoDBReadCapacityUtilization
    scale_in_cooldown: int | None = None
    scale_out_cooldown: int | None = None
    disable_scale_in: bool = False
    alarm_names: tuple[str, ...] = ()  # the alarms Application Auto Scaling made for it


@dataclass(frozen=True)
class ScalableTargetInfo:
    """Auto scaling of one capacity dimension (read or write) of a table or a GSI."""

    resource_id: str  # table/NAME or table/NAME/index/INDEX
    dimension: str  # dynamodb:table:ReadCapacityUnits, dynamodb:index:WriteCapacityUnits, ...
    min_capacity: int
    max_capacity: int
    arn: str | None = None
    role_arn: str | None = None
    suspended: tuple[str, ...] = ()  # DynamicScalingIn, DynamicScalingOut, ScheduledScaling
    policies: tuple[ScalingPolicyInfo, ...] = ()

    @property
    def index_name(self) -> str | None:
        _, sep, index = self.resource_id.partition("/index/")
        return index if sep else None

    @property
    def side(self) -> ScalingSide:
        return "read" if self.dimension.endswith("ReadCapacityUnits") else "write"

    @property
    def target_tracking(self) -> ScalingPolicyInfo | None:
        for policy in self.policies:
            if policy.policy_type == "TargetTrackingScaling":
                return policy
        return None


def _find_target(
    targets: tuple[ScalableTargetInfo, ...], side: ScalingSide, index: str | None
) -> ScalableTargetInfo | None:
    """The target of `side` of the table (`index` None) or of one GSI, if there is one."""
    for target in targets:
        if target.side == side and target.index_name == index:
            return target
    return None


@dataclass(frozen=True)
class TableAutoScaling:
    """Every scalable target (with its policies) of a table and its GSIs."""

    table: str
    targets: tuple[ScalableTargetInfo, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.targets)

    def target(self, side: ScalingSide, index: str | None = None) -> ScalableTargetInfo | None:
        return _find_target(self.targets, side, index)


@dataclass(frozen=True)
class RememberedAutoScaling:
    """Auto scaling settings saved by ddbconsole before a switch to on-demand removed them."""

    table: str
    saved_at: datetime
    targets: tuple[ScalableTargetInfo, ...]

    def target(self, side: ScalingSide, index: str | None = None) -> ScalableTargetInfo | None:
        return _find_target(self.targets, side, index)


# --- scaling activities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScalingActivity:
    resource_id: str
    dimension: str
    status: str  # Successful | InProgress | Failed ...
    description: str
    cause: str = ""
    start: datetime | None = None
    end: datetime | None = None
    message: str = ""


@dataclass(frozen=True)
class ScalingActivities:
    """Recent scaling activities; `unavailable` says why there are none when the endpoint failed."""

    table: str
    activities: tuple[ScalingActivity, ...] = ()
    unavailable: str | None = None
