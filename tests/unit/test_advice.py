"""The advice arithmetic: demand, suggested capacity, and shard counts against partition limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ddbconsole.models import KeyAttribute, TableInfo, Throughput
from ddbconsole.models.diagnose import Contributor, ReasonCount, RuleReport, ThrottleSummary
from ddbconsole.services.advice import (
    advise,
    demand_per_second,
    shard_count,
    suggested_capacity,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _table(billing: str = "PROVISIONED") -> TableInfo:
    return TableInfo(
        name="Orders",
        arn="arn:aws:dynamodb:us-east-1:1:table/Orders",
        status="ACTIVE",
        keys=(KeyAttribute("PK", "S", "HASH"),),
        attribute_definitions={"PK": "S"},
        billing_mode=billing,
        provisioned=Throughput(100, 50) if billing == "PROVISIONED" else None,
        on_demand_max=Throughput(200, 300) if billing != "PROVISIONED" else None,
        item_count=0,
        size_bytes=0,
        created=None,
    )


def _summary(
    *reasons: ReasonCount, consumed: float = 0.0, provisioned: float = 0.0
) -> ThrottleSummary:
    return ThrottleSummary(
        start=T0,
        end=T0,
        period=60,
        reasons=reasons,
        consumed={"Orders:Write": consumed, "Orders:Read": consumed},
        provisioned={"Orders:Write": provisioned} if provisioned else {},
    )


def _reason(limit: str, side: str = "Write", events: float = 600, peak: float = 600) -> ReasonCount:
    return ReasonCount("Orders", None, side, limit, events, peak)  # type: ignore[arg-type]


def _report(kind: str, *rows: tuple[str, float, float]) -> RuleReport:
    total = sum(v for _, v, _ in rows)
    return RuleReport(
        rule=f"DynamoDBContributorInsights-{kind}-Orders-1",
        kind=kind,  # type: ignore[arg-type]
        table="Orders",
        index=None,
        key_labels=("PK",),
        aggregate=total,
        unique=len(rows),
        contributors=tuple(Contributor((k,), v, v / total, peak) for k, v, peak in rows),
        period=60,
        start=T0,
        end=T0,
    )


def test_demand_and_suggested_capacity() -> None:
    assert demand_per_second(50.0, 600, 60) == 60.0  # 50 served + 10 refused per second
    assert suggested_capacity(70.0) == 100  # 70 % utilisation
    assert suggested_capacity(60.0) == 86  # ceil(85.71)
    assert suggested_capacity(0.0) == 1


def test_shard_count_against_partition_limits() -> None:
    assert shard_count(2400.0, "Write") == 3  # 2400 / (1000 x 0.8) = 3
    assert shard_count(2401.0, "Write") == 4
    assert shard_count(7200.0, "Read") == 3  # 7200 / (3000 x 0.8) = 3
    assert shard_count(10.0, "Write") == 2  # throttled at the key range: at least 2
    with pytest.raises(KeyError):
        shard_count(1.0, "Both")


def test_provisioned_throughput_advice() -> None:
    summary = _summary(_reason("ProvisionedThroughput"), consumed=50.0, provisioned=50.0)
    (advice,) = advise(_table(), summary)
    assert advice.kind == "raise-provisioned"
    assert advice.numbers["demand_per_second"] == 60.0
    assert advice.numbers["suggested"] == 86
    assert "86 WCU" in advice.title and "auto scaling" in advice.detail


def test_on_demand_and_account_advice() -> None:
    (odm,) = advise(
        _table("PAY_PER_REQUEST"), _summary(_reason("MaxOnDemandThroughput"), consumed=300)
    )
    assert odm.kind == "raise-on-demand-max"
    assert odm.numbers["suggested"] == 443  # ceil(310 / 0.7)
    assert odm.numbers["on_demand_max"] == 300
    (quota,) = advise(_table("PAY_PER_REQUEST"), _summary(_reason("AccountLimit"), consumed=40000))
    assert quota.kind == "account-quota" and quota.numbers["quota_request"] == 57_158


def test_key_range_advice_shards_the_hot_key_from_its_consumption() -> None:
    # The hot key served 48,000 writes in its busiest minute (800/s) and was refused 96,000 more
    # (1,600/s): it wants 2,400 WCU/s, one partition gives 1,000: 3 shards at 80 %.
    accessed = _report("PKC", ("USER#7", 120_000, 48_000), ("USER#1", 1_000, 20))
    throttled = _report("PKT", ("USER#7", 200_000, 96_000))
    (advice,) = advise(_table(), _summary(_reason("KeyRangeThroughput")), [accessed, throttled])
    assert advice.kind == "shard-key"
    assert advice.key == "USER#7"
    assert advice.numbers["key_demand_per_second"] == 2400.0
    assert advice.shards == 3
    assert "USER#7#<n>" in advice.detail and "querying the 3 shards" in advice.detail


def test_key_range_advice_without_contributor_insights_says_how_to_find_the_key() -> None:
    (advice,) = advise(_table(), _summary(_reason("KeyRangeThroughput")))
    assert advice.kind == "shard-key" and advice.shards is None
    assert "Contributor Insights" in advice.detail
