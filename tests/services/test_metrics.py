"""MetricsService against the real moto server: metrics are published by the tests with boto3."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import UserInputError
from ddbconsole.services import Services
from ddbconsole.services.metrics import (
    MAX_POINTS_PER_SERIES,
    MetricQuery,
    _Partial,
    calls_bound,
    choose_period,
    make_window,
    merge_page,
    overview_queries,
    series_key,
    table_queries,
)

NS = "AWS/DynamoDB"


def _cw(url: str) -> Any:
    return boto3.client("cloudwatch", endpoint_url=url, region_name="us-east-1")


def _minute(offset: int) -> datetime:
    """A timestamp 10 s into the minute `offset` minutes before the current one."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now - timedelta(minutes=offset) + timedelta(seconds=10)


def _put(cw: Any, metric: str, dims: dict[str, str], when: datetime, *values: float) -> None:
    cw.put_metric_data(
        Namespace=NS,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Timestamp": when,
                "Value": v,
            }
            for v in values
        ],
    )


def _get_metric_data_calls(server: MotoProcess) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r["operation"] == "GetMetricData"]


async def test_snapshot_series_values_units_in_one_call(
    services: Services, moto_server: MotoProcess
) -> None:
    table = f"mt-{uuid.uuid4().hex[:8]}"
    cw = _cw(moto_server.url)
    t = {"TableName": table}
    for offset, total in ((5, 120.0), (4, 240.0), (3, 60.0)):
        _put(cw, "ConsumedReadCapacityUnits", t, _minute(offset), total)
        _put(cw, "ProvisionedReadCapacityUnits", t, _minute(offset), 5.0)
    _put(cw, "ConsumedWriteCapacityUnits", t, _minute(4), 30.0, 30.0)
    _put(cw, "ConsumedReadCapacityUnits", {**t, "GlobalSecondaryIndexName": "G1"}, _minute(4), 90)
    _put(cw, "SuccessfulRequestLatency", {**t, "Operation": "GetItem"}, _minute(3), 3.0, 5.0)
    _put(cw, "ThrottledRequests", {**t, "Operation": "Query"}, _minute(3), 7.0)
    _put(cw, "SystemErrors", {**t, "Operation": "PutItem"}, _minute(2), 1.0)
    _put(cw, "ReadThrottleEvents", t, _minute(2), 4.0)
    _put(cw, "ConditionalCheckFailedRequests", t, _minute(2), 2.0)

    moto_server.reset_requests()
    snap = await services.metrics.table_snapshot(table, gsis=["G1"], range_seconds=900)

    assert len(_get_metric_data_calls(moto_server)) == 1
    assert snap.requests == 1
    assert snap.period == 60
    assert len(snap.series) == len(table_queries(table, ["G1"]))

    consumed = snap.series[series_key(table, "ConsumedReadCapacityUnits")]
    assert consumed.unit == "RCU/s"
    assert consumed.values == pytest.approx((2.0, 4.0, 1.0))  # Sum / 60 s
    assert list(consumed.timestamps) == sorted(consumed.timestamps)
    assert consumed.timestamps[0] == _minute(5).replace(second=0)
    provisioned = snap.series[series_key(table, "ProvisionedReadCapacityUnits")]
    assert provisioned.unit == "RCU/s" and provisioned.values == pytest.approx((5.0, 5.0, 5.0))
    writes = snap.series[series_key(table, "ConsumedWriteCapacityUnits")]
    assert writes.unit == "WCU/s" and writes.values == pytest.approx((1.0,))
    gsi = snap.series[series_key(table, "ConsumedReadCapacityUnits", index="G1")]
    assert gsi.index == "G1" and gsi.values == pytest.approx((1.5,))
    latency = snap.series[series_key(table, "SuccessfulRequestLatency", operation="GetItem")]
    assert latency.unit == "ms" and latency.values == pytest.approx((4.0,))  # Average
    throttled = snap.series[series_key(table, "ThrottledRequests", operation="Query")]
    assert throttled.unit == "count" and throttled.total == 7.0
    assert snap.series[series_key(table, "SystemErrors", operation="PutItem")].total == 1.0
    assert snap.series[series_key(table, "ReadThrottleEvents")].total == 4.0
    assert snap.series[series_key(table, "ConditionalCheckFailedRequests")].total == 2.0
    assert snap.series[series_key(table, "SystemErrors", operation="GetItem")].values == ()
    assert snap.start <= _minute(5) and snap.end >= datetime.now(UTC)
    assert snap.fetched_at.tzinfo is not None


async def test_snapshot_of_table_info_includes_its_gsis(
    services: Services, moto_server: MotoProcess
) -> None:
    info = await services.tables.describe("Orders")
    moto_server.reset_requests()
    snap = await services.metrics.table_snapshot(info, range_seconds=3600)
    assert len(_get_metric_data_calls(moto_server)) == 1
    assert series_key("Orders", "ProvisionedWriteCapacityUnits", index="ByStatus") in snap.series
    assert series_key(None, "UserErrors") in snap.series
    assert not any(s.index == "ByDate" for s in snap.series.values())  # LSIs have no metrics


async def test_more_than_500_queries_are_split(
    services: Services, moto_server: MotoProcess
) -> None:
    queries = [
        MetricQuery(
            key=f"t{i}:ConsumedReadCapacityUnits",
            metric="ConsumedReadCapacityUnits",
            stat="Sum",
            dimensions=(("TableName", f"split-{i}"),),
            label=f"t{i}",
            unit="RCU/s",
            per_second=True,
            table=f"split-{i}",
        )
        for i in range(1100)
    ]
    window = make_window(900)
    moto_server.reset_requests()
    snap = await services.metrics.fetch(queries, window)
    assert len(_get_metric_data_calls(moto_server)) == 3 == snap.requests == calls_bound(1100)
    assert len(snap.series) == 1100


async def test_overview_of_50_tables_is_bounded_and_sorted(
    services: Services, moto_server: MotoProcess
) -> None:
    prefix = f"ov-{uuid.uuid4().hex[:6]}-"
    names = [f"{prefix}{i:02d}" for i in range(50)]
    cw = _cw(moto_server.url)
    when = _minute(2)
    for name in names:
        _put(cw, "ProvisionedReadCapacityUnits", {"TableName": name}, when, 5.0)
        _put(cw, "ConsumedReadCapacityUnits", {"TableName": name}, when, 60.0)  # 0.2/s: 4 %
    _put(cw, "ReadThrottleEvents", {"TableName": names[7]}, when, 12.0)
    _put(cw, "SystemErrors", {"TableName": names[3], "Operation": "Query"}, when, 2.0)
    _put(cw, "ConsumedReadCapacityUnits", {"TableName": names[5]}, when, 1290.0)  # 4.5/s: 90 %
    _put(cw, "ConsumedWriteCapacityUnits", {"TableName": names[9]}, when, 300.0)

    moto_server.reset_requests()
    overview = await services.metrics.overview(names)
    calls = len(_get_metric_data_calls(moto_server))

    bound = calls_bound(sum(len(overview_queries(n)) for n in names))
    assert bound == 2  # ceil(16 * 50 / 500)
    assert calls == overview.requests <= bound
    rows = overview.rows
    assert len(rows) == 50
    assert [r.table for r in rows[:3]] == [names[7], names[3], names[5]]
    assert [r.attention for r in rows[:3]] == ["throttling", "errors", "high-utilisation"]
    assert rows[0].read_throttles == 12.0 and rows[1].system_errors == 2.0
    assert rows[2].read_utilisation == pytest.approx(0.9)
    assert rows[2].consumed_read == pytest.approx(4.5) and rows[2].provisioned_read == 5.0
    assert all(r.attention == "ok" for r in rows[3:])
    row9 = next(r for r in rows if r.table == names[9])
    assert row9.consumed_write == pytest.approx(1.0) and row9.write_utilisation is None
    assert [r.table for r in rows[3:]] == sorted(r.table for r in rows[3:])


async def test_overview_counts_gsi_throttles(services: Services, moto_server: MotoProcess) -> None:
    info = await services.tables.describe("Orders")
    assert len(overview_queries(info)) == 16 + 2
    moto_server.reset_requests()
    overview = await services.metrics.overview([info, "Users"])
    assert len(_get_metric_data_calls(moto_server)) == 1 == overview.requests
    assert {r.table for r in overview.rows} == {"Orders", "Users"}


def test_default_periods_and_point_limit() -> None:
    now = datetime(2026, 11, 26, 12, 0, 7, tzinfo=UTC)
    expected = {900: 60, 3600: 60, 3 * 3600: 60, 86400: 300, 3 * 86400: 900, 14 * 86400: 3600}
    for range_seconds, period in expected.items():
        assert choose_period(range_seconds, now=now) == period
        window = make_window(range_seconds, now=now)
        assert window.points <= 360
        assert window.start.timestamp() % period == 0 and window.end > now
    # A requested period that would give more than 1440 points is raised to fit.
    assert choose_period(14 * 86400, 60, now=now) == 840
    assert make_window(14 * 86400, 60, now=now).points <= MAX_POINTS_PER_SERIES
    assert choose_period(3600, 300, now=now) == 300


def test_period_rules_reject_bad_input_and_honour_retention() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    with pytest.raises(UserInputError):
        choose_period(3600, 45, now=now)  # DynamoDB metrics: multiples of 60 only
    with pytest.raises(UserInputError):
        choose_period(60, now=now)  # less than 15 minutes
    with pytest.raises(UserInputError):
        choose_period(15 * 86400, now=now)  # more than 14 days
    # Data older than 15 days exists at 5-minute resolution only.
    assert choose_period(3600, 60, end=now - timedelta(days=20), now=now) == 300
    assert choose_period(3600, 60, end=now - timedelta(days=70), now=now) == 3600


def test_merge_page_joins_series_split_over_next_token_pages() -> None:
    acc: dict[str, _Partial] = {}
    messages: list[str] = []
    t0, t1 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 1, tzinfo=UTC)
    merge_page(
        acc,
        {
            "MetricDataResults": [
                {"Id": "q0", "Timestamps": [t0], "Values": [1.0], "StatusCode": "PartialData"}
            ],
            "NextToken": "more",
        },
        messages,
    )
    merge_page(
        acc,
        {
            "MetricDataResults": [{"Id": "q0", "Timestamps": [t1], "Values": [2.0]}],
            "Messages": [{"Code": "MaxQueryTimeRangeExceed", "Value": "too wide"}],
        },
        messages,
    )
    assert acc["q0"].timestamps == [t0, t1] and acc["q0"].values == [1.0, 2.0]
    assert acc["q0"].status == "PartialData"
    assert messages == ["MaxQueryTimeRangeExceed: too wide"]


def test_calls_bound() -> None:
    assert calls_bound(0) == 0
    assert calls_bound(44, 1440) == 1
    assert calls_bound(500) == 1 and calls_bound(501) == 2
    assert calls_bound(500, 1440) == 8  # 70 full series per 100,800-datapoint page
    assert len(table_queries("T")) == 46 and len(table_queries("T", ["A", "B"])) == 74


def test_embedded_moto_takes_gzipped_put_metric_data(moto_server: MotoProcess) -> None:
    """botocore gzips a PutMetricData body over 10 KiB (the demo's backfill batches are); moto 5.2's
    server alone answered those with a 500 (it gunzipped them twice), ddbconsole.demo._child decodes."""
    cw = _cw(moto_server.url)
    encodings: list[str] = []

    def sent(request: Any, **_: Any) -> None:
        value = request.headers.get("Content-Encoding") or b""
        encodings.append(value.decode() if isinstance(value, bytes) else value)

    cw.meta.events.register("before-send.cloudwatch.PutMetricData", sent)
    table = f"gz-{uuid.uuid4().hex[:8]}"
    _put(cw, "ConsumedWriteCapacityUnits", {"TableName": table}, _minute(2), *[1.0] * 400)
    assert encodings == ["gzip"]
    stats = cw.get_metric_statistics(
        Namespace=NS,
        MetricName="ConsumedWriteCapacityUnits",
        Dimensions=[{"Name": "TableName", "Value": table}],
        StartTime=_minute(10),
        EndTime=_minute(-1),
        Period=60,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    assert [(d["Sum"], d["SampleCount"]) for d in stats] == [(400.0, 400.0)]
