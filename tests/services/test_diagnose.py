"""Diagnose against the real moto server: the per-reason throttle metrics in the Metrics pane's one
GetMetricData call, Contributor Insights (answered by the moto child's stand-in from the requests it
served) ranking traffic with a known skew, its Plans, and the throttling reason in errors."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import ReadOnlyViolation, Throttled, UserInputError
from ddbconsole.models.diagnose import ThrottlingReason
from ddbconsole.services import Services
from ddbconsole.services.diagnose import summarize
from ddbconsole.services.metrics import THROTTLE_REASONS, series_key, table_queries
from tests.conftest import FAST_RETRIES, make_settings
from tests.faultproxy import FaultProxy
from tests.helpers import create_table_with_gsi


def _client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")


def _minute(offset: int) -> datetime:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now - timedelta(minutes=offset) + timedelta(seconds=5)


def _put(cw: Any, metric: str, dims: dict[str, str], when: datetime, value: float) -> None:
    cw.put_metric_data(
        Namespace="AWS/DynamoDB",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Timestamp": when,
                "Value": value,
            }
        ],
    )


def test_the_pane_queries_every_reason_for_the_table_and_each_gsi() -> None:
    queries = table_queries("T", ["G"])
    reasons = {(q.metric, q.index) for q in queries if q.metric in THROTTLE_REASONS}
    assert reasons == {(m, i) for m in THROTTLE_REASONS for i in (None, "G")}
    assert len(THROTTLE_REASONS) == 8
    assert "WriteKeyRangeThroughputThrottleEvents" in THROTTLE_REASONS
    assert "ReadMaxOnDemandThroughputThrottleEvents" in THROTTLE_REASONS


async def test_per_reason_metrics_come_in_the_one_get_metric_data_call(
    services: Services, moto_server: MotoProcess
) -> None:
    table = f"dg-{uuid.uuid4().hex[:8]}"
    cw = _client("cloudwatch", moto_server.url)
    t = {"TableName": table}
    g = {**t, "GlobalSecondaryIndexName": "G1"}
    _put(cw, "WriteKeyRangeThroughputThrottleEvents", t, _minute(4), 30)
    _put(cw, "WriteKeyRangeThroughputThrottleEvents", t, _minute(2), 12)
    _put(cw, "WriteProvisionedThroughputThrottleEvents", t, _minute(3), 5)
    _put(cw, "ReadAccountLimitThrottleEvents", g, _minute(2), 2)
    _put(cw, "ConsumedWriteCapacityUnits", t, _minute(3), 600)  # 10 WCU/s over the minute

    moto_server.reset_requests()
    snap = await services.metrics.table_snapshot(table, gsis=["G1"], range_seconds=900)
    calls = [r for r in moto_server.requests(bodies=True) if r["operation"] == "GetMetricData"]
    assert len(calls) == 1 and snap.requests == 1
    sent = json.loads(base64.b64decode(calls[0]["body"]))
    names = {q["MetricStat"]["Metric"]["MetricName"] for q in sent["MetricDataQueries"]}
    assert set(THROTTLE_REASONS) <= names
    assert snap.get(series_key(table, "WriteKeyRangeThroughputThrottleEvents")).total == 42

    summary = summarize(snap, table, ("G1",))
    got = [(r.index, r.side, r.limit, r.events, r.peak) for r in summary.reasons]
    assert got == [
        (None, "Write", "KeyRangeThroughput", 42.0, 30.0),
        (None, "Write", "ProvisionedThroughput", 5.0, 5.0),
        ("G1", "Read", "AccountLimit", 2.0, 2.0),
    ]
    first = summary.reasons[0]
    assert first.first is not None and first.last is not None and first.first < first.last
    assert summary.consumed[f"{table}:Write"] == pytest.approx(10.0, rel=0.01)


async def test_contributor_insights_ranks_keys_by_known_skew(
    services: Services, moto_server: MotoProcess
) -> None:
    ddb = _client("dynamodb", moto_server.url)
    table = create_table_with_gsi(ddb, f"ci-{uuid.uuid4().hex[:8]}", "ByS")
    info = await services.tables.describe(table)
    statuses = await services.hotkeys.statuses(info)
    assert [(s.index, s.status) for s in statuses] == [(None, "DISABLED"), ("ByS", "DISABLED")]

    plan = await services.hotkeys.plan_update(table, None, enabled=True)
    moto_server.reset_requests()
    await services.execute(plan)
    sent = [r for r in moto_server.requests(bodies=True) if r["operation"].startswith("Update")]
    assert [json.loads(base64.b64decode(r["body"])) for r in sent] == [plan.requests[0].params]
    assert plan.requests[0].params == {
        "TableName": table,
        "ContributorInsightsAction": "ENABLE",
        "ContributorInsightsMode": "ACCESSED_AND_THROTTLED_KEYS",
    }
    assert any("Cost" in note for note in plan.notes)

    skew = {"hot": 40, "warm": 15, "mild": 4, "cold": 1}  # accesses per key, known
    for key, n in skew.items():
        ddb.put_item(TableName=table, Item={"pk": {"S": key}, "s": {"S": "x"}})
        for _ in range(n - 1):
            ddb.get_item(TableName=table, Key={"pk": {"S": key}})

    statuses = await services.hotkeys.statuses(info)
    assert statuses[0].enabled and statuses[0].mode == "ACCESSED_AND_THROTTLED_KEYS"
    assert len(statuses[0].rules) == 2  # no sort key: PKC and PKT
    reports, notes = await services.hotkeys.reports(statuses, range_seconds=900, top=3)
    assert notes == (f"Contributor Insights is disabled for {table} / GSI ByS",)
    accessed = next(r for r in reports if r.kind == "PKC")
    assert [c.keys[0] for c in accessed.contributors] == ["hot", "warm", "mild"]  # top 3
    assert [c.value for c in accessed.contributors] == [40, 15, 4]
    assert accessed.aggregate == 60 and accessed.unique == 4
    assert accessed.contributors[0].share == pytest.approx(40 / 60)
    throttled = next(r for r in reports if r.kind == "PKT")
    assert throttled.contributors == ()  # moto never throttles

    # The GSI saw the puts only (each item carries its key "s").
    await services.execute(await services.hotkeys.plan_update(table, "ByS", enabled=True))
    ddb.put_item(TableName=table, Item={"pk": {"S": "new"}, "s": {"S": "y"}})
    statuses = await services.hotkeys.statuses(info)
    reports, _ = await services.hotkeys.reports(statuses, range_seconds=900, index="ByS")
    gsi = next(r for r in reports if r.kind == "PKC")
    assert [(c.keys, c.value) for c in gsi.contributors] == [(("y",), 1.0)]

    # Mode change and disable are plans too; a no-op is refused before anything is sent.
    with pytest.raises(UserInputError, match="already on"):
        await services.hotkeys.plan_update(table, None, enabled=True)
    mode = await services.hotkeys.plan_update(table, None, enabled=True, mode="THROTTLED_KEYS")
    assert mode.requests[0].params["ContributorInsightsMode"] == "THROTTLED_KEYS"
    await services.execute(mode)
    assert len((await services.hotkeys.status(table)).rules) == 1  # PKT only
    off = await services.hotkeys.plan_update(table, None, enabled=False)
    assert off.requests[0].params == {"TableName": table, "ContributorInsightsAction": "DISABLE"}
    await services.execute(off)
    assert (await services.hotkeys.status(table)).status == "DISABLED"
    listed = await services.hotkeys.list_statuses(table)
    assert [(s.index, s.status) for s in listed] == [(None, "DISABLED"), ("ByS", "ENABLED")]


async def test_update_contributor_insights_is_refused_in_read_only(
    ro_services: Services, moto_server: MotoProcess
) -> None:
    moto_server.reset_requests()
    with pytest.raises(ReadOnlyViolation):
        await ro_services.hotkeys.plan_update("Orders", None, enabled=True)
    assert moto_server.requests() == []  # not even the status read
    # The reads are allowed.
    assert (await ro_services.hotkeys.status("Orders")).table == "Orders"


async def test_a_throttled_call_names_its_reason(moto_url: str) -> None:
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "message": "Throughput exceeds the current capacity",
        "ThrottlingReasons": [
            {"reason": "TableWriteKeyRangeThroughputExceeded", "resource": arn},
            {"reason": "IndexWriteProvisionedThroughputExceeded", "resource": arn + "/index/G"},
        ],
    }
    with FaultProxy(moto_url) as proxy:
        proxy.throttle = {"PutItem"}
        proxy.throttle_body = json.dumps(body).encode()
        svc = Services(make_settings(proxy.url), retries=FAST_RETRIES, oplog_file=False)
        try:
            with pytest.raises(Throttled) as caught:
                await svc.session.call(
                    "dynamodb", "put_item", TableName="Orders", Item={"PK": {"S": "a"}}
                )
        finally:
            await svc.close()
    err = caught.value
    assert err.reasons == (
        ThrottlingReason("TableWriteKeyRangeThroughputExceeded", arn),
        ThrottlingReason("IndexWriteProvisionedThroughputExceeded", arn + "/index/G"),
    )
    assert err.title == "Throttled: writes over the partition (key range) limit of Orders"
    assert "hot" in err.advice and "provisioned capacity of Orders/index/G" in err.advice


def test_cli_hot_keys_and_diagnose(moto_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from ddbconsole.cli import main

    ddb = _client("dynamodb", moto_url)
    table = create_table_with_gsi(ddb, f"cli-{uuid.uuid4().hex[:8]}", "ByS")
    flags = ["--endpoint-url", moto_url, "--region", "us-east-1"]
    assert main([*flags, "hot-keys", table]) == 1  # off: says how to turn it on
    assert "update-contributor-insights" in capsys.readouterr().err
    ddb.update_contributor_insights(TableName=table, ContributorInsightsAction="ENABLE")
    for key, n in (("a", 3), ("b", 9), ("c", 1)):
        for _ in range(n):
            ddb.put_item(TableName=table, Item={"pk": {"S": key}, "s": {"S": "x"}})
    assert main([*flags, "hot-keys", table, "--range", "15m", "--output", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    accessed = next(r for r in payload["reports"] if r["kind"] == "PKC")
    assert [c["keys"] for c in accessed["contributors"]] == [["b"], ["a"], ["c"]]
    assert main([*flags, "hot-keys", table, "--top", "1"]) == 0
    out = capsys.readouterr().out
    assert "most accessed partition keys" in out and " 69.2%" in out and "  b" in out
    assert main([*flags, "diagnose", table, "--range", "15m"]) == 0
    out = capsys.readouterr().out
    assert "No throttling in this range." in out and "Contributor Insights" in out
    assert main([*flags, "diagnose", table, "--range", "5m"]) == 2
    assert "Invalid --range" in capsys.readouterr().err
