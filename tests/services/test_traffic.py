"""The demo traffic simulator, in its own moto child process (it writes to the demo tables)."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from ddbconsole.demo.server import MotoProcess
from ddbconsole.demo.traffic import FLASH_PK, Simulator

NS = "AWS/DynamoDB"


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def traffic_server() -> Iterator[MotoProcess]:
    with MotoProcess(seed=True, traffic=True) as server:
        assert server.pid is not None
        # What seeding plus the backfill cost the child, read as soon as it reports ready.
        server.startup_cpu_seconds = _cpu_seconds(server.pid)  # type: ignore[attr-defined]
        yield server


def _client(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="demo",
        aws_secret_access_key="demo",
    )


def _datapoints(cw: Any, metric: str, dims: dict[str, str], since: timedelta, period: int) -> Any:
    now = datetime.now(UTC)
    return cw.get_metric_statistics(
        Namespace=NS,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        StartTime=now - since,
        EndTime=now + timedelta(minutes=1),
        Period=period,
        Statistics=["Sum"],
    )["Datapoints"]


def _snapshot(ddb: Any) -> tuple[int, set[str]]:
    users = ddb.scan(TableName="Users", ProjectionExpression="LoginCount")["Items"]
    logins = sum(int(u["LoginCount"]["N"]) for u in users if "LoginCount" in u)
    orders = ddb.scan(TableName="Orders", ProjectionExpression="OrderId")["Items"]
    return logins, {o["OrderId"]["S"] for o in orders}


def test_traffic_changes_items_and_publishes_metrics(traffic_server: MotoProcess) -> None:
    ddb = _client("dynamodb", traffic_server.url)
    cw = _client("cloudwatch", traffic_server.url)

    # History is there from the first second: 14 days hourly (plus the last hour per minute).
    history = _datapoints(
        cw, "ConsumedReadCapacityUnits", {"TableName": "Orders"}, timedelta(days=15), 3600
    )
    assert len(history) >= 14 * 24 - 2
    gsi = {"TableName": "Orders", "GlobalSecondaryIndexName": "ByStatus"}
    assert _datapoints(cw, "ProvisionedReadCapacityUnits", gsi, timedelta(days=15), 3600)

    before = _snapshot(ddb)
    started = datetime.now(UTC)
    deadline = time.monotonic() + 30
    changed = live = False
    while time.monotonic() < deadline and not (changed and live):
        time.sleep(1)
        changed = changed or _snapshot(ddb) != before
        recent = _datapoints(
            cw, "ConsumedReadCapacityUnits", {"TableName": "Orders"}, timedelta(minutes=2), 60
        )
        live = any(d["Timestamp"] >= started.replace(second=0, microsecond=0) for d in recent)
    assert changed, "the simulator wrote nothing"
    assert live, "no live ConsumedReadCapacityUnits datapoints for Orders"
    latency = _datapoints(
        cw,
        "SuccessfulRequestLatency",
        {"TableName": "Users", "Operation": "GetItem"},
        timedelta(minutes=5),
        60,
    )
    assert latency
    assert traffic_server.alive()


def test_orders_burst_over_provisioned_capacity_throttles(traffic_server: MotoProcess) -> None:
    ddb = _client("dynamodb", traffic_server.url)
    cw = _client("cloudwatch", traffic_server.url)
    sim = Simulator(ddb, cw, random.Random(7))
    sim.in_burst = lambda: True  # type: ignore[method-assign]
    for _ in range(40):
        sim.step()
    published = sim.flush(elapsed=1.0)  # 40 scaled requests in one second: far over 5 units/s
    assert published > 0
    throttles = [
        d
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents")
        for d in _datapoints(cw, metric, {"TableName": "Orders"}, timedelta(minutes=2), 60)
    ]
    assert sum(d["Sum"] for d in throttles) > 0


def test_flash_sale_throttles_by_reason_and_names_the_hot_key(
    traffic_server: MotoProcess,
) -> None:
    ddb = _client("dynamodb", traffic_server.url)
    cw = _client("cloudwatch", traffic_server.url)
    sim = Simulator(ddb, cw, random.Random(11))
    for n in range(300):
        sim.flash_step()
        if n % 5 == 0:
            sim.step()  # ordinary traffic goes on during the sale
    sim.flush(elapsed=1.0)
    orders = {"TableName": "Orders"}
    key_range = _datapoints(
        cw, "WriteKeyRangeThroughputThrottleEvents", orders, timedelta(minutes=2), 60
    )
    provisioned = _datapoints(
        cw, "WriteProvisionedThroughputThrottleEvents", orders, timedelta(minutes=2), 60
    )
    assert sum(d["Sum"] for d in key_range) > 0
    assert sum(d["Sum"] for d in provisioned) > 0
    # Contributor Insights is on for Orders from the start; the stand-in counted the real requests.
    status = ddb.describe_contributor_insights(TableName="Orders")
    assert status["ContributorInsightsStatus"] == "ENABLED"
    rule = next(r for r in status["ContributorInsightsRuleList"] if "-PKC-" in r)
    now = datetime.now(UTC)
    report = cw.get_insight_rule_report(
        RuleName=rule,
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=1),
        Period=60,
    )
    assert report["Contributors"][0]["Keys"] == [FLASH_PK]


def test_startup_with_backfill_stays_fast(traffic_server: MotoProcess) -> None:
    # Seeding plus the 14-day backfill, imports included: about 2.4 CPU seconds. CPU time, not
    # wall-clock time: on a loaded machine the child waits for a core, which costs it nothing.
    assert traffic_server.startup_cpu_seconds < 10  # type: ignore[attr-defined]


@pytest.mark.parametrize("range_name", ["15m", "1h", "3h", "12h", "1d", "3d", "1w", "2w"])
async def test_history_at_every_default_period_stays_within_provisioned_capacity(
    traffic_server: MotoProcess, range_name: str
) -> None:
    """The GSI's consumed capacity per second, as the Metrics pane computes it (Sum / period) at
    each range's default period, never exceeds what was provisioned: the demo's history has at
    least the resolution of that period. (Hourly history read at a 1-minute period once showed
    "peak 28.9" on a GSI provisioned at 5: an hour's Sum divided by 60 seconds.)"""
    from ddbconsole.services import Services
    from ddbconsole.services.metrics import RANGES, series_key
    from tests.conftest import FAST_RETRIES, make_settings

    services = Services(make_settings(traffic_server.url), retries=FAST_RETRIES)
    try:
        info = await services.tables.describe("Orders")
        snap = await services.metrics.table_snapshot(info, range_seconds=RANGES[range_name])
    finally:
        await services.close()
    for index in (None, "ByStatus"):
        for side in ("Read", "Write"):
            consumed = snap.get(series_key("Orders", f"Consumed{side}CapacityUnits", index=index))
            provisioned = snap.get(
                series_key("Orders", f"Provisioned{side}CapacityUnits", index=index)
            )
            assert consumed is not None and consumed.values, (index, side)
            assert provisioned is not None and provisioned.values, (index, side)
            # Live traffic may run a few seconds ahead of the capacity it reports: 10 % slack.
            limit = max(provisioned.values) * 1.1
            assert max(consumed.values) <= limit, (range_name, index, side, max(consumed.values))


def test_demo_get_metric_data_answers_as_moto_does(
    traffic_server: MotoProcess, moto_server: MotoProcess
) -> None:
    """The demo's faster GetMetricData (demo/fast_metrics.py, installed with the traffic) gives
    moto's own answer: the same datums sent to both servers, the same queries asked."""
    table = f"fm-{random.randrange(10**9)}"
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    rng = random.Random(7)
    datums = []
    for minute in range(0, 600, 3):
        when = now - timedelta(minutes=minute)
        for index in (None, "G"):
            dims = [{"Name": "TableName", "Value": table}]
            if index:
                dims.append({"Name": "GlobalSecondaryIndexName", "Value": index})
            values = [rng.uniform(0, 9) for _ in range(rng.randrange(1, 4))]
            datums.append({
                "MetricName": "ConsumedReadCapacityUnits", "Dimensions": dims, "Timestamp": when,
                "StatisticValues": {"SampleCount": float(len(values)), "Sum": sum(values),
                                    "Minimum": min(values), "Maximum": max(values)},
                "Unit": "Count",
            })  # fmt: skip
        datums.append({"MetricName": f"{table}-Errors", "Timestamp": when, "Value": minute % 7,
                       "Unit": "Count"})  # fmt: skip
    queries = []
    for i, (metric, dims, stat, unit) in enumerate([
        ("ConsumedReadCapacityUnits", {"TableName": table}, "Sum", None),
        ("ConsumedReadCapacityUnits", {"TableName": table, "GlobalSecondaryIndexName": "G"},
         "Average", "Count"),
        ("ConsumedReadCapacityUnits", {"TableName": table}, "SampleCount", "Seconds"),
        (f"{table}-Errors", {}, "Maximum", None),
    ]):  # fmt: skip
        stat_q: dict[str, Any] = {
            "Metric": {"Namespace": NS, "MetricName": metric,
                       "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]},
            "Period": 300, "Stat": stat,
        }  # fmt: skip
        if unit:
            stat_q["Unit"] = unit
        queries.append({"Id": f"q{i}", "MetricStat": stat_q})
    answers = []
    for server in (traffic_server, moto_server):
        cw = _client("cloudwatch", server.url)
        for i in range(0, len(datums), 500):
            cw.put_metric_data(Namespace=NS, MetricData=datums[i : i + 500])
        answers.append([
            [(r["Id"], r["Timestamps"], [round(v, 9) for v in r["Values"]])
             for r in cw.get_metric_data(MetricDataQueries=queries, StartTime=now - timedelta(hours=12),
                                         EndTime=now + timedelta(minutes=1), ScanBy=scan)["MetricDataResults"]]
            for scan in ("TimestampAscending", "TimestampDescending")
        ])  # fmt: skip
    assert answers[0] == answers[1]
    assert answers[0][0][0][2] and answers[0][0][3][2]  # there was data to compare
