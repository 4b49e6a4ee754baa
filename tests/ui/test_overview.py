"""The all-tables overview over 50 tables: bounded CloudWatch calls, sorted by attention, Enter opens.

Bound per refresh, for T tables on the server and A metric alarms (stated in screens/overview.py):
ceil(16·T / 500) GetMetricData + ceil(T / 100) ListTables + min(ceil(A / 100), 10) DescribeAlarms.
T is read from the screen. This module has a moto server of its own, holding the demo tables and
these 50 (T = 52): 2 GetMetricData calls, 1 ListTables and 1 DescribeAlarms. On the session's server
T was whatever the tests run before on the same xdist worker had left there (94 once: 4 calls).
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ddbconsole.demo.server import MotoProcess
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.main import MainScreen
from ddbconsole.ui.metrics.overview import OverviewScreen
from ddbconsole.ui.tables.table_list import TableList
from tests.helpers import static_text, wait_for

SIZE = (180, 50)


def _client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoProcess]:
    """Overrides the session's server for this module: the bound under test depends on T."""
    with MotoProcess(seed=True, record_requests=True, test_shims=True) as server:
        yield server


@pytest.fixture
def fifty_tables(moto_url: str) -> Iterator[list[str]]:
    ddb = _client(moto_url, "dynamodb")
    prefix = f"Ov-{uuid.uuid4().hex[:6]}-"
    names = [f"{prefix}{i:02d}" for i in range(50)]
    for name in names:
        ddb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PROVISIONED",
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        )
    cw = _client(moto_url, "cloudwatch")
    when = datetime.now(UTC).replace(second=10, microsecond=0) - timedelta(minutes=2)

    def put(metric: str, dims: dict[str, str], value: float) -> None:
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

    for name in names:
        put("ProvisionedReadCapacityUnits", {"TableName": name}, 5.0)
    put("WriteThrottleEvents", {"TableName": names[7]}, 9.0)
    put("SystemErrors", {"TableName": names[3], "Operation": "Query"}, 2.0)
    put("ConsumedReadCapacityUnits", {"TableName": names[5]}, 1290.0)  # 4.5/s of 5: 90 %
    alarm = f"test/{names[11]}/latency"
    cw.put_metric_alarm(
        AlarmName=alarm, Namespace="AWS/DynamoDB", MetricName="SuccessfulRequestLatency",
        Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=10.0,
        ComparisonOperator="GreaterThanThreshold",
        Dimensions=[{"Name": "TableName", "Value": names[11]}, {"Name": "Operation", "Value": "Query"}],
    )  # fmt: skip
    cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test")
    yield names
    cw.delete_alarms(AlarmNames=[alarm])
    for name in names:
        ddb.delete_table(TableName=name)


async def test_overview_of_50_tables_is_bounded_sorted_and_opens_a_table(
    app_for: Callable[..., DdbConsoleApp], fifty_tables: list[str], moto_server: MotoProcess
) -> None:
    names = fifty_tables
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await wait_for(pilot, lambda: names[-1] in main.query_one(TableList).names)
        # Start-up work still sends after the list is shown (DescribeAlarms for the markers, the
        # first table's DescribeTable and its details): let it finish before counting requests.
        await wait_for(
            pilot,
            lambda: main.table_info is not None and all(w.is_finished for w in app.workers),
        )
        moto_server.reset_requests()
        await pilot.press("O")
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        await wait_for(pilot, lambda: screen.refreshes >= 1, timeout=20)
        calls = Counter(r["operation"] for r in moto_server.requests())
        tables = len(screen.rows)
        assert tables >= 50
        alarms = len(_client(moto_server.url, "cloudwatch").describe_alarms()["MetricAlarms"])
        # The bound: ceil(16·T/500) GetMetricData (2 for T < 94), ceil(T/100) ListTables,
        # ceil(A/100) DescribeAlarms; nothing per table.
        assert calls["GetMetricData"] == math.ceil(16 * tables / 500) <= 3
        assert calls["ListTables"] == math.ceil(tables / 100)
        assert calls["DescribeAlarms"] == max(1, math.ceil(alarms / 100))
        assert set(calls) == {"GetMetricData", "ListTables", "DescribeAlarms"}
        assert screen.calls == {
            "ListTables": calls["ListTables"],
            "GetMetricData": calls["GetMetricData"],
            "DescribeAlarms": calls["DescribeAlarms"],
        }
        # Sorted by attention: throttling, then alarms firing, errors, high utilisation.
        ours = [(a, r.table) for a, r in screen.rows if r.table in names]
        assert ours[:4] == [
            ("throttling", names[7]),
            ("alarm", names[11]),
            ("errors", names[3]),
            ("high-utilisation", names[5]),
        ]
        assert all(a == "ok" for a, _ in ours[4:])
        head = static_text(screen.query_one("#overview-head"))  # type: ignore[arg-type]
        assert "need attention" in head and "GetMetricData" in head
        # Enter jumps to the table under the cursor in the main screen.
        screen.query_one("#overview").move_cursor(  # type: ignore[attr-defined]
            row=[r.table for _, r in screen.rows].index(names[3])
        )
        await pilot.press("enter")
        assert app.screen is main
        await wait_for(pilot, lambda: main.selected_table == names[3])
        highlighted = main.query_one(TableList).option_list.highlighted_option
        assert highlighted is not None and highlighted.id == names[3]
        # Table list markers: the alarm in ALARM shows next to its table.
        assert main.query_one(TableList).alarming.get(names[11]) == 1
