"""Throttling diagnosis: why (the limit hit), who (hot keys), and what to do (advice).

See docs/ARCHITECTURE.md, "Diagnose". Frozen dataclasses only: services/diagnose.py, hotkeys.py and
analysis.py build them; the Diagnose screen and the CLI show them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Side = Literal["Read", "Write"]
# The limit kinds DynamoDB names in ThrottlingReasons and in its per-reason metrics.
LimitKind = Literal[
    "KeyRangeThroughput", "ProvisionedThroughput", "AccountLimit", "MaxOnDemandThroughput"
]
LIMIT_KINDS: tuple[LimitKind, ...] = (
    "KeyRangeThroughput",
    "ProvisionedThroughput",
    "AccountLimit",
    "MaxOnDemandThroughput",
)
LIMIT_TEXT: dict[str, str] = {
    "KeyRangeThroughput": "partition (key range) limit",
    "ProvisionedThroughput": "provisioned capacity",
    "AccountLimit": "account's per-table quota",
    "MaxOnDemandThroughput": "on-demand maximum",
}

_REASON = re.compile(
    r"^(?P<resource>Table|Index)(?P<side>Read|Write)"
    r"(?P<limit>KeyRangeThroughput|ProvisionedThroughput|AccountLimit|MaxOnDemandThroughput)Exceeded$"
)


@dataclass(frozen=True)
class ThrottlingReason:
    """One entry of a throttling exception's ThrottlingReasons: `reason` is
    ResourceType + OperationType + LimitType (TableWriteKeyRangeThroughputExceeded), `resource` the
    ARN of the table or index."""

    reason: str
    resource: str = ""

    @property
    def parts(self) -> tuple[str, str, str] | None:
        found = _REASON.match(self.reason)
        return (found["resource"], found["side"], found["limit"]) if found else None

    @property
    def where(self) -> str:
        """`Orders` or `Orders/index/ByStatus` from the ARN (the ARN itself if it is not one)."""
        _, _, rest = self.resource.partition(":table/")
        return rest or self.resource

    def describe(self) -> str:
        parts = self.parts
        if parts is None:
            return f"{self.reason} on {self.where}" if self.resource else self.reason
        _, side, limit = parts
        text = f"{side.lower()}s over the {LIMIT_TEXT[limit]}"
        return f"{text} of {self.where}" if self.resource else text


@dataclass(frozen=True)
class ReasonCount:
    """How often one limit throttled one table or GSI over the range (a per-reason metric)."""

    table: str
    index: str | None
    side: Side
    limit: LimitKind
    events: float  # throttle events over the range
    peak: float  # the most events in one period
    first: datetime | None = None  # the first and last period with events
    last: datetime | None = None

    @property
    def metric(self) -> str:
        return f"{self.side}{self.limit}ThrottleEvents"

    @property
    def where(self) -> str:
        return self.table if self.index is None else f"{self.table} / GSI {self.index}"

    def describe(self) -> str:
        return f"{self.side.lower()}s over the {LIMIT_TEXT[self.limit]} of {self.where}"


@dataclass(frozen=True)
class ThrottleSummary:
    """Which limits were hit, on which resource, when: the per-reason metrics over a range."""

    start: datetime
    end: datetime
    period: int
    reasons: tuple[ReasonCount, ...]  # with events only, most events first
    consumed: dict[str, float] = field(default_factory=dict)  # "Orders:Write" -> peak units/s
    provisioned: dict[str, float] = field(default_factory=dict)  # same keys, latest units/s
    requests: int = 1  # GetMetricData calls

    @property
    def throttled(self) -> bool:
        return bool(self.reasons)


# --- Contributor Insights ----------------------------------------------------------------------

RuleKind = Literal["PKC", "PKT", "SKC", "SKT"]
RULE_TEXT: dict[str, str] = {
    "PKC": "most accessed partition keys",
    "SKC": "most accessed items (partition and sort key)",
    "PKT": "most throttled partition keys",
    "SKT": "most throttled items (partition and sort key)",
}


def rule_kind(rule: str) -> RuleKind | None:
    """The kind of a Contributor Insights rule from its name: DynamoDBContributorInsights-PKC-..."""
    found = re.match(r"^DynamoDBContributorInsights-(PKC|PKT|SKC|SKT)-", rule)
    return found.group(1) if found else None  # type: ignore[return-value]


@dataclass(frozen=True)
class InsightsStatus:
    """DescribeContributorInsights of a table or one GSI."""

    table: str
    index: str | None
    status: str  # ENABLING | ENABLED | DISABLING | DISABLED | FAILED
    mode: str | None = None  # ACCESSED_AND_THROTTLED_KEYS | THROTTLED_KEYS
    rules: tuple[str, ...] = ()
    last_update: datetime | None = None
    failure: str = ""

    @property
    def enabled(self) -> bool:
        return self.status == "ENABLED"

    @property
    def where(self) -> str:
        return self.table if self.index is None else f"{self.table} / GSI {self.index}"


@dataclass(frozen=True)
class Contributor:
    """One key of a rule's report: its keys (partition, or partition and sort) and its share."""

    keys: tuple[str, ...]
    value: float  # the rule's aggregate over the range (requests, or throttled requests)
    share: float  # of the rule's aggregate over all contributors, 0..1
    peak: float = 0.0  # the most in one period


@dataclass(frozen=True)
class RuleReport:
    """GetInsightRuleReport of one rule over a range: its top contributors, ranked."""

    rule: str
    kind: RuleKind | None
    table: str
    index: str | None
    key_labels: tuple[str, ...]
    aggregate: float  # over all contributors
    unique: int | None
    contributors: tuple[Contributor, ...]
    period: int
    start: datetime
    end: datetime

    @property
    def title(self) -> str:
        return RULE_TEXT.get(self.kind or "", self.rule)

    @property
    def throttled(self) -> bool:
        return self.kind in ("PKT", "SKT")

    @property
    def partition_level(self) -> bool:
        return self.kind in ("PKC", "PKT")


# --- advice ------------------------------------------------------------------------------------

AdviceKind = Literal[
    "raise-provisioned",
    "raise-autoscaling-max",
    "raise-on-demand-max",
    "account-quota",
    "shard-key",
]


@dataclass(frozen=True)
class Advice:
    """One concrete next step with its numbers. Advice never changes anything by itself."""

    kind: AdviceKind
    title: str
    detail: str
    where: str  # the table or GSI it applies to
    numbers: dict[str, float] = field(default_factory=dict)
    shards: int | None = None  # for shard-key: the suggested suffix count
    key: str | None = None  # for shard-key: the hot partition key


@dataclass(frozen=True)
class Diagnosis:
    """Everything the Diagnose view shows for one table."""

    table: str
    summary: ThrottleSummary
    insights: tuple[InsightsStatus, ...]
    reports: tuple[RuleReport, ...]
    advice: tuple[Advice, ...]
    notes: tuple[str, ...] = ()  # what could not be read (CI not enabled, access denied...)
