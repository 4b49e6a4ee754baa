"""The read-only auto scaling and alarm services the infra tests read back with, on their own.

Against the shared moto server: the demo's `Orders` table has auto scaling on the table and its GSI
`ByStatus`; alarms are created here with boto3 on uniquely named tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from ddbconsole.errors import NotFound
from ddbconsole.services import Services
from ddbconsole.services.autoscaling import resource_id, scalable_dimension

REGION = "us-east-1"


async def test_orders_table_and_gsi_targets(ro_services: Services) -> None:
    scaling = await ro_services.autoscaling.for_table("Orders")
    assert [(t.resource_id, t.dimension) for t in scaling.targets] == [
        ("table/Orders", "dynamodb:table:ReadCapacityUnits"),
        ("table/Orders", "dynamodb:table:WriteCapacityUnits"),
        ("table/Orders/index/ByStatus", "dynamodb:index:ReadCapacityUnits"),
        ("table/Orders/index/ByStatus", "dynamodb:index:WriteCapacityUnits"),
    ]
    gsi_write = scaling.target("write", index="ByStatus")
    assert gsi_write is not None and gsi_write.index_name == "ByStatus"
    assert (gsi_write.min_capacity, gsi_write.max_capacity) == (5, 100)
    for target in scaling.targets:
        # Each target has its own policy only (moto answers a ResourceId filter by substring).
        assert [p.name for p in target.policies] == [
            f"{target.resource_id.replace('/', '-')}-{target.side}-target-tracking"
        ]
        policy = target.target_tracking
        assert policy is not None and policy.target_value == 70.0
        assert policy.predefined_metric == f"DynamoDB{target.side.title()}CapacityUtilization"
        assert (policy.scale_in_cooldown, policy.scale_out_cooldown) == (60, 60)
        assert policy.alarm_names  # the alarms target tracking made


async def test_known_indexes_skip_describe_table(ro_services: Services, moto_server: Any) -> None:
    moto_server.reset_requests()
    scaling = await ro_services.autoscaling.for_table("Orders", index_names=[])
    operations = [r["operation"] for r in moto_server.requests()]
    assert "DescribeTable" not in operations
    assert operations.count("DescribeScalableTargets") == 1
    assert {t.index_name for t in scaling.targets} == {None}


async def test_table_without_auto_scaling(ro_services: Services) -> None:
    scaling = await ro_services.autoscaling.for_table("Users")
    assert scaling.table == "Users" and not scaling.enabled
    assert scaling.target("read") is None


async def test_missing_table_is_not_found(ro_services: Services) -> None:
    with pytest.raises(NotFound):
        await ro_services.autoscaling.for_table("NoSuchTable")


def test_resource_ids_and_dimensions() -> None:
    assert resource_id("T") == "table/T"
    assert resource_id("T", "I") == "table/T/index/I"
    assert scalable_dimension("read") == "dynamodb:table:ReadCapacityUnits"
    assert scalable_dimension("write", index=True) == "dynamodb:index:WriteCapacityUnits"


@pytest.fixture
def alarm_tables(moto_url: str) -> Iterator[tuple[str, str]]:
    """Alarms on two made-up table names: plain, metric-math, GSI, and one elsewhere."""
    cw = boto3.client("cloudwatch", endpoint_url=moto_url, region_name=REGION)
    mine, other = f"alarms-{uuid.uuid4().hex[:8]}", f"other-{uuid.uuid4().hex[:8]}"
    topic = f"arn:aws:sns:{REGION}:123456789012:pager"

    def dims(table: str, **extra: str) -> list[dict[str, str]]:
        return [{"Name": "TableName", "Value": table}] + [
            {"Name": k, "Value": v} for k, v in extra.items()
        ]

    common: dict[str, Any] = {"EvaluationPeriods": 2, "ComparisonOperator": "GreaterThanThreshold"}
    cw.put_metric_alarm(
        AlarmName=f"{mine}-throttles",
        Namespace="AWS/DynamoDB",
        MetricName="ReadThrottleEvents",
        Dimensions=dims(mine),
        Statistic="Sum",
        Period=60,
        Threshold=0,
        AlarmActions=[topic],
        AlarmDescription="reads throttled",
        **common,
    )
    cw.put_metric_alarm(
        AlarmName=f"{mine}-gsi-throttles",
        Namespace="AWS/DynamoDB",
        MetricName="WriteThrottleEvents",
        Dimensions=dims(mine, GlobalSecondaryIndexName="ByEmail"),
        Statistic="Sum",
        Period=300,
        Threshold=5,
        **common,
    )
    cw.put_metric_alarm(
        AlarmName=f"{mine}-math",
        Metrics=[
            {"Id": "e", "Expression": "m1 * 2", "ReturnData": True},
            {
                "Id": "m1",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/DynamoDB",
                        "MetricName": "SystemErrors",
                        "Dimensions": dims(mine, Operation="GetItem"),
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
        ],
        Threshold=1,
        **common,
    )
    cw.put_metric_alarm(
        AlarmName=f"{other}-throttles",
        Namespace="AWS/DynamoDB",
        MetricName="ReadThrottleEvents",
        Dimensions=dims(other),
        Statistic="Sum",
        Period=60,
        Threshold=0,
        **common,
    )
    # Same dimension name and value, another namespace: not a DynamoDB alarm.
    cw.put_metric_alarm(
        AlarmName=f"{mine}-custom",
        Namespace="MyApp",
        MetricName="Errors",
        Dimensions=dims(mine),
        Statistic="Sum",
        Period=60,
        Threshold=0,
        **common,
    )
    yield mine, other
    names = [f"{mine}-throttles", f"{mine}-gsi-throttles", f"{mine}-math", f"{mine}-custom"]
    cw.delete_alarms(AlarmNames=[*names, f"{other}-throttles"])


async def test_alarms_for_table(ro_services: Services, alarm_tables: tuple[str, str]) -> None:
    mine, _ = alarm_tables
    alarms = await ro_services.alarms.for_table(mine)
    assert [a.name for a in alarms] == [
        f"{mine}-gsi-throttles",
        f"{mine}-math",
        f"{mine}-throttles",
    ]
    gsi, math, plain = alarms
    assert plain.description == "reads throttled" and plain.state in {"OK", "INSUFFICIENT_DATA"}
    assert plain.alarm_actions == (f"arn:aws:sns:{REGION}:123456789012:pager",)
    assert [(m.name, m.stat, m.period, m.query_id) for m in plain.metrics] == [
        ("ReadThrottleEvents", "Sum", 60, None)
    ]
    assert (plain.threshold, plain.evaluation_periods, plain.expression) == (0.0, 2, None)
    assert plain.index_names == () and not plain.managed_by_autoscaling
    assert gsi.index_names == ("ByEmail",) and gsi.metrics[0].period == 300
    assert math.expression == "m1 * 2"
    assert [(m.query_id, m.name, m.dimensions) for m in math.metrics] == [
        ("m1", "SystemErrors", {"TableName": mine, "Operation": "GetItem"})
    ]


async def test_alarms_name_prefix_and_autoscaling_alarms(
    ro_services: Services, alarm_tables: tuple[str, str]
) -> None:
    mine, other = alarm_tables
    assert [a.name for a in await ro_services.alarms.for_table(other)] == [f"{other}-throttles"]
    assert await ro_services.alarms.for_table(mine, name_prefix=other) == []
    orders = await ro_services.alarms.for_table("Orders")
    tracking = [a for a in orders if a.name.startswith("TargetTracking-table/Orders")]
    assert tracking and all(a.managed_by_autoscaling for a in tracking)
