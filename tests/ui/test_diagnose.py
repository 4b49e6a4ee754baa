"""The Diagnose screen, driving the real app against moto: the limits hit (per-reason metrics), the
hot keys ranked from the traffic the moto stand-in counted, a key opening its partition in the
Items tab, Contributor Insights turned on through a confirmed Plan, the sampled key analysis with
its cost first, and read-only mode."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
from textual.widgets import DataTable, Input, Static

from ddbconsole.demo.server import MotoProcess
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.diagnose.diagnose_screen import DiagnoseScreen
from ddbconsole.ui.main import MainScreen
from tests.helpers import create_table_with_gsi, show_table, static_text, wait_for

SIZE = (120, 36)


def _client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")


def _hot_table(url: str) -> str:
    """A table with Contributor Insights on, key-range throttling reported, and known traffic."""
    ddb, cw = _client("dynamodb", url), _client("cloudwatch", url)
    table = create_table_with_gsi(ddb, f"dgui-{uuid.uuid4().hex[:8]}", "ByS")
    ddb.update_contributor_insights(TableName=table, ContributorInsightsAction="ENABLE")
    for key, n in (("hot", 30), ("warm", 6), ("cold", 2)):
        ddb.put_item(TableName=table, Item={"pk": {"S": key}, "s": {"S": key}})
        for _ in range(n - 1):
            ddb.get_item(TableName=table, Key={"pk": {"S": key}})
    cw.put_metric_data(
        Namespace="AWS/DynamoDB",
        MetricData=[
            {
                "MetricName": "ReadKeyRangeThroughputThrottleEvents",
                "Dimensions": [{"Name": "TableName", "Value": table}],
                "Timestamp": datetime.now(UTC),
                "Value": 120,
            }
        ],
    )
    return table


async def _diagnose(app: DdbConsoleApp, pilot: Any, table: str) -> DiagnoseScreen:
    await show_table(app, pilot, table, "3")  # from the Metrics tab
    await pilot.press("H")
    await wait_for(pilot, lambda: isinstance(app.screen, DiagnoseScreen))
    screen = app.screen
    assert isinstance(screen, DiagnoseScreen)
    await wait_for(pilot, lambda: screen.diagnosis is not None)
    return screen


async def test_diagnose_names_the_limit_the_hot_key_and_a_shard_count(
    app_for: Callable[..., DdbConsoleApp], moto_url: str
) -> None:
    table = _hot_table(moto_url)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _diagnose(app, pilot, table)
        why = static_text(screen.query_one("#diag-why", Static), width=200)
        assert f"120 reads over the partition (key range) limit of {table}" in why
        keys = screen.query_one("#diag-keys", DataTable)
        first = [str(c) for c in keys.get_row_at(0)]
        assert first[0] == "most accessed partition keys" and first[-1] == "hot"
        assert first[3].strip() == "78.9%"  # 30 of 38 accesses
        advice = static_text(screen.query_one("#diag-advice", Static), width=400)
        assert "Shard the hot key 'hot'" in advice and "into 2 suffixes" in advice

        keys.focus()
        await pilot.press("enter")  # the hot key's partition, as a query in the Items tab
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        main = app.screen
        assert isinstance(main, MainScreen)
        await wait_for(pilot, lambda: main.items_pane is not None)
        pane = main.items_pane
        assert pane is not None
        await wait_for(pilot, lambda: pane.source == f"Query {table}")
        assert pane.query_one("#pk", Input).value == "hot"
        await wait_for(pilot, lambda: len(pane.row_items) == 1)
        assert pane.row_items[0]["pk"] == {"S": "hot"}


async def test_contributor_insights_on_through_the_confirmed_plan(
    app_for: Callable[..., DdbConsoleApp], moto_url: str, moto_server: MotoProcess
) -> None:
    ddb = _client("dynamodb", moto_url)
    table = create_table_with_gsi(ddb, f"dgci-{uuid.uuid4().hex[:8]}", "ByS")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _diagnose(app, pilot, table)
        await pilot.press("i")  # the GSI
        assert screen.scope == "ByS"
        await pilot.press("I")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = static_text(app.screen.query_one("#confirm-body"), width=400)
        assert "Cost: CloudWatch Contributor Insights bills each rule" in body
        assert "aws dynamodb update-contributor-insights" in body
        moto_server.reset_requests()
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, DiagnoseScreen))
        sent = [
            json.loads(base64.b64decode(r["body"]))
            for r in moto_server.requests(bodies=True)
            if r["operation"] == "UpdateContributorInsights"
        ]
        assert sent == [
            {
                "TableName": table,
                "IndexName": "ByS",
                "ContributorInsightsAction": "ENABLE",
                "ContributorInsightsMode": "ACCESSED_AND_THROTTLED_KEYS",
            }
        ]
        assert json.dumps(sent[0], indent=2) in body
        await wait_for(
            pilot,
            lambda: (
                screen.diagnosis is not None
                and any(s.index == "ByS" and s.enabled for s in screen.diagnosis.insights)
            ),
        )


async def test_key_analysis_shows_its_cost_first_then_the_report(
    app_for: Callable[..., DdbConsoleApp], moto_url: str
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _diagnose(app, pilot, "Orders")
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = static_text(app.screen.query_one("#confirm-body"), width=400)
        assert "Scans the whole table of ~" in body and "storage skew" in body
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.analysis is not None, timeout=30)
        assert screen.analysis is not None and screen.analysis.complete
        text = static_text(screen.query_one("#diag-analysis", Static), width=200)
        assert "Hottest by items: USER#" in text and "storage skew" in text


async def test_read_only_hides_and_refuses_the_insights_change(
    app_for: Callable[..., DdbConsoleApp], moto_server: MotoProcess
) -> None:
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _diagnose(app, pilot, "Orders")
        bindings = {b.binding.action for b in screen.active_bindings.values()}
        assert "toggle_insights" not in bindings and "switch_insights_mode" not in bindings
        moto_server.reset_requests()
        await pilot.press("I")
        await pilot.press("M")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmScreen)
        assert [r for r in moto_server.requests() if r["operation"].startswith("Update")] == []
        assert "refresh" in bindings  # reads stay
