"""Alarm presets: create, edit and delete against moto, read back with boto3."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import boto3
import pytest

from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import ReadOnlyViolation, UserInputError
from ddbconsole.models import AlarmPreset
from ddbconsole.services import Services
from ddbconsole.services.alarm_presets import alarm_name, build_alarm, preset_from_alarm

TOPIC = "arn:aws:sns:us-east-1:123456789012:oncall"


def _cw(url: str) -> Any:
    return boto3.client("cloudwatch", endpoint_url=url, region_name="us-east-1")


def _alarm(cw: Any, name: str) -> dict[str, Any] | None:
    alarms: list[dict[str, Any]] = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return alarms[0] if alarms else None


def _tags(cw: Any, alarm: dict[str, Any]) -> dict[str, str]:
    """The alarm's tags, where the preset is kept; its description is only the human text."""
    assert "ddbconsole-preset" not in alarm.get("AlarmDescription", "")
    assert "{" not in alarm.get("AlarmDescription", "")
    raw = cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    return {t["Key"]: t["Value"] for t in raw}


def _table() -> str:
    return f"al-{uuid.uuid4().hex[:8]}"


async def test_create_each_preset_and_read_it_back(services: Services, moto_url: str) -> None:
    cw = _cw(moto_url)
    table = _table()
    presets = [
        AlarmPreset(kind="capacity", table=table, side="write", percent=75, minutes=3),
        AlarmPreset(kind="throttling", table=table, index="ByStatus", sns_topic_arn=TOPIC),
        AlarmPreset(kind="system-errors", table=table),
        AlarmPreset(kind="latency", table=table, operation="Query", threshold_ms=25, minutes=10),
    ]
    names = [await services.alarm_presets.put_alarm(p) for p in presets]
    assert names == [
        f"ddbconsole/{table}/write-capacity",
        f"ddbconsole/{table}/ByStatus/throttling",
        f"ddbconsole/{table}/system-errors",
        f"ddbconsole/{table}/latency-Query",
    ]
    capacity, throttling, errors, latency = (_alarm(cw, n) for n in names)

    assert capacity is not None
    assert capacity["Threshold"] == 75.0 and capacity["EvaluationPeriods"] == 3
    assert capacity["ComparisonOperator"] == "GreaterThanThreshold"
    metrics = {m["Id"]: m for m in capacity["Metrics"]}
    assert "PERIOD(consumed)" in metrics["utilisation"]["Expression"]
    stat = metrics["provisioned"]["MetricStat"]
    assert stat["Metric"]["MetricName"] == "ProvisionedWriteCapacityUnits"
    assert stat["Metric"]["Dimensions"] == [{"Name": "TableName", "Value": table}]

    assert throttling is not None
    assert throttling["AlarmActions"] == [TOPIC] and throttling["OKActions"] == [TOPIC]
    assert throttling["Threshold"] == 0.0 and throttling["DatapointsToAlarm"] == 1
    dims = throttling["Metrics"][0]["MetricStat"]["Metric"]["Dimensions"]
    assert {"Name": "GlobalSecondaryIndexName", "Value": "ByStatus"} in dims

    assert errors is not None
    assert len(errors["Metrics"]) == 10  # 9 operations + the expression (CloudWatch's limit)

    assert latency is not None
    assert latency["MetricName"] == "SuccessfulRequestLatency"
    assert latency["Statistic"] == "Average" and latency["Threshold"] == 25.0
    assert {"Name": "Operation", "Value": "Query"} in latency["Dimensions"]

    for preset, name in zip(presets, names, strict=True):
        alarm = _alarm(cw, name)
        assert alarm is not None and preset_from_alarm(alarm, _tags(cw, alarm)) == preset
    await services.alarm_presets.delete_alarms(names)


async def test_edit_threshold_keeps_the_alarm_and_delete_removes_it(
    services: Services, moto_url: str
) -> None:
    cw = _cw(moto_url)
    preset = AlarmPreset(kind="capacity", table=_table(), percent=80)
    name = await services.alarm_presets.put_alarm(preset)
    alarm = _alarm(cw, name)
    assert alarm is not None
    reopened = preset_from_alarm(alarm, _tags(cw, alarm))
    assert reopened is not None
    edited = replace(reopened, percent=90, minutes=10, sns_topic_arn=TOPIC)
    assert await services.alarm_presets.put_alarm(edited) == name
    after = cw.describe_alarms(AlarmNamePrefix=f"ddbconsole/{preset.table}/")["MetricAlarms"]
    assert len(after) == 1
    assert after[0]["Threshold"] == 90.0 and after[0]["EvaluationPeriods"] == 10
    assert after[0]["AlarmActions"] == [TOPIC]
    assert preset_from_alarm(after[0], _tags(cw, after[0])) == edited

    assert await services.alarm_presets.delete_alarms([name]) == 1
    assert _alarm(cw, name) is None


async def test_replace_alarm_renames(services: Services, moto_url: str) -> None:
    cw = _cw(moto_url)
    preset = AlarmPreset(kind="latency", table=_table(), operation="GetItem")
    old = await services.alarm_presets.put_alarm(preset)
    new = await services.alarm_presets.replace_alarm(old, replace(preset, operation="PutItem"))
    assert new != old and _alarm(cw, old) is None and _alarm(cw, new) is not None
    await services.alarm_presets.delete_alarms([new])


async def test_static_capacity_threshold_for_on_demand(services: Services, moto_url: str) -> None:
    preset = AlarmPreset(kind="capacity", table=_table(), capacity_units=10, percent=50)
    params = build_alarm(preset)
    assert params["Threshold"] == 300.0  # 10 units/s * 60 s * 50 %
    assert params["MetricName"] == "ConsumedReadCapacityUnits" and params["Statistic"] == "Sum"
    name = await services.alarm_presets.put_alarm(preset)
    cw = _cw(moto_url)
    alarm = _alarm(cw, name)
    assert alarm is not None and preset_from_alarm(alarm, _tags(cw, alarm)) == preset
    await services.alarm_presets.delete_alarms([name])


async def test_delete_batches_100_names_per_call(
    services: Services, moto_server: MotoProcess
) -> None:
    cw = _cw(moto_server.url)
    table = _table()
    names = [f"ddbconsole/{table}/bulk-{i:03d}" for i in range(120)]
    for name in names:
        cw.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/DynamoDB",
            MetricName="SystemErrors",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=0,
            ComparisonOperator="GreaterThanThreshold",
        )
    moto_server.reset_requests()
    assert await services.alarm_presets.delete_alarms(names) == 120
    deletes = [r for r in moto_server.requests() if r["operation"] == "DeleteAlarms"]
    assert len(deletes) == 2
    assert cw.describe_alarms(AlarmNamePrefix=f"ddbconsole/{table}/")["MetricAlarms"] == []


@pytest.mark.parametrize(
    "preset",
    [
        AlarmPreset(kind="capacity", table="T", sns_topic_arn="not-an-arn"),
        AlarmPreset(kind="capacity", table="T", percent=0),
        AlarmPreset(kind="latency", table="T", threshold_ms=-1),
        AlarmPreset(kind="throttling", table="T", minutes=0),
        AlarmPreset(kind="system-errors", table="T", index="G"),
        AlarmPreset(kind="capacity", table=""),
    ],
)
async def test_invalid_presets_send_nothing(
    services: Services, moto_server: MotoProcess, preset: AlarmPreset
) -> None:
    moto_server.reset_requests()
    with pytest.raises(UserInputError):
        await services.alarm_presets.put_alarm(preset)
    assert moto_server.requests() == []


async def test_read_only_refuses_alarm_changes_with_nothing_sent(
    ro_services: Services, moto_server: MotoProcess
) -> None:
    moto_server.reset_requests()
    with pytest.raises(ReadOnlyViolation):
        await ro_services.alarm_presets.put_alarm(AlarmPreset(kind="throttling", table="Orders"))
    with pytest.raises(ReadOnlyViolation):
        await ro_services.alarm_presets.delete_alarms(["ddbconsole/Orders/throttling"])
    assert moto_server.requests() == []


def test_alarm_names_are_stable_across_threshold_edits() -> None:
    base = AlarmPreset(kind="capacity", table="Orders", index="ByStatus", side="read")
    assert alarm_name(base) == alarm_name(replace(base, percent=95, minutes=30))
    assert alarm_name(base) == "ddbconsole/Orders/ByStatus/read-capacity"
    assert preset_from_alarm({"AlarmName": "someone-elses", "AlarmDescription": "x"}) is None
    assert preset_from_alarm({"AlarmName": "someone-elses"}, {"owner": "x"}) is None
    # An alarm made by an older version: the preset at the end of its description, still read.
    legacy = {"AlarmDescription": 'x [ddbconsole-preset {"kind":"latency","table":"T"}]'}
    found = preset_from_alarm(legacy)
    assert found is not None and found.kind == "latency" and found.table == "T"
