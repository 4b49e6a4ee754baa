"""Pilot tests of the Metrics tab against moto, with metrics the tests publish with boto3.

The pane renders the series (one GetMetricData call per refresh), refreshes on its timer, stops
polling while hidden (another tab, another screen on top, paused) and resumes when shown, shows a
notice when CloudWatch is slow or fails and clears it when CloudWatch answers again, and creates,
edits and deletes alarms through confirmations; read-only hides and refuses alarm changes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import ReadOnlyViolation
from ddbconsole.models import AlarmPreset
from ddbconsole.services.metrics import series_key
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.common.help import HelpScreen
from ddbconsole.ui.main import MainScreen
from ddbconsole.ui.metrics.alarm_form import AlarmForm
from ddbconsole.ui.metrics.metrics_pane import MetricsPane
from ddbconsole.ui.tables.table_list import TableList
from tests.helpers import create_table_with_gsi, show_table, static_text, wait_for
from tests.ui.reported import reported

SIZE = (180, 56)
GSI = "ByKind"
NS = "AWS/DynamoDB"


def _client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")


def _minute(offset: int) -> datetime:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now - timedelta(minutes=offset) + timedelta(seconds=10)


def _put(cw: Any, metric: str, dims: dict[str, str], when: datetime, value: float) -> None:
    cw.put_metric_data(
        Namespace=NS,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Timestamp": when,
                "Value": value,
            }
        ],
    )


@pytest.fixture
def metrics_table(moto_url: str) -> Iterator[str]:
    """A provisioned table (5/5) with a GSI, and 3 minutes of metrics for both."""
    ddb = _client(moto_url, "dynamodb")
    name = create_table_with_gsi(ddb, f"MetUi-{uuid.uuid4().hex[:8]}", GSI, gsi_key="kind")
    cw = _client(moto_url, "cloudwatch")
    t = {"TableName": name}
    g = {**t, "GlobalSecondaryIndexName": GSI}
    for offset, total in ((5, 120.0), (4, 240.0), (3, 60.0)):
        _put(cw, "ConsumedReadCapacityUnits", t, _minute(offset), total)
        _put(cw, "ProvisionedReadCapacityUnits", t, _minute(offset), 5.0)
        _put(cw, "ConsumedReadCapacityUnits", g, _minute(offset), total / 2)
    _put(cw, "WriteThrottleEvents", g, _minute(4), 3.0)
    _put(cw, "ReadThrottleEvents", t, _minute(3), 4.0)
    _put(cw, "SuccessfulRequestLatency", {**t, "Operation": "GetItem"}, _minute(3), 7.0)
    _put(cw, "SystemErrors", {**t, "Operation": "PutItem"}, _minute(2), 1.0)
    yield name
    alarms = cw.describe_alarms(AlarmNamePrefix=f"ddbconsole/{name}")["MetricAlarms"]
    if alarms:
        cw.delete_alarms(AlarmNames=[a["AlarmName"] for a in alarms])
    ddb.delete_table(TableName=name)


def gmd_calls(server: MotoProcess) -> int:
    return sum(1 for r in server.requests() if r["operation"] == "GetMetricData")


def polls_sent(server: MotoProcess) -> int:
    """Metrics polls that reached the server: each reads the table's alarms with one DescribeAlarms
    (they fit one page) beside its GetMetricData. Only while nothing else reads alarms."""
    return sum(1 for r in server.requests() if r["operation"] == "DescribeAlarms")


async def open_metrics(app: DdbConsoleApp, pilot: Pilot[Any], table: str) -> MetricsPane:
    screen = await show_table(app, pilot, table, "3")
    await wait_for(pilot, lambda: screen.metrics_pane is not None)
    pane = screen.query_one(MetricsPane)
    await wait_for(pilot, lambda: pane.table is not None and pane.table.name == table)
    await wait_for(pilot, lambda: pane.snapshot is not None and not pane.polling)
    return pane


def chart_text(pane: MetricsPane, chart_id: str) -> str:
    """What the chart shows (drawn in a thread: wait for the text expected)."""
    return pane.charts_text()[chart_id]


async def idle(pilot: Pilot[Any], pane: MetricsPane) -> None:
    """Let an in-flight poll finish (it may complete after the pane is hidden)."""
    await wait_for(pilot, lambda: not pane.polling)
    await pilot.pause(0.2)


async def test_pane_renders_series_in_one_call_and_refreshes(
    app_for: Callable[..., DdbConsoleApp], metrics_table: str, moto_server: MotoProcess
) -> None:
    app = app_for(metrics_refresh_seconds=1)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_metrics(app, pilot, metrics_table)
        snap = pane.snapshot
        assert snap is not None and snap.requests == 1  # everything on screen: one call
        read = snap.series[series_key(metrics_table, "ConsumedReadCapacityUnits")]
        assert read.unit == "RCU/s"
        assert list(read.values)[:3] == [2.0, 4.0, 1.0]  # Sum / 60 s
        prov = snap.series[series_key(metrics_table, "ProvisionedReadCapacityUnits")]
        assert set(prov.values) == {5.0}
        gsi = snap.series[series_key(metrics_table, "ConsumedReadCapacityUnits", index=GSI)]
        assert list(gsi.values)[:3] == [1.0, 2.0, 0.5]
        latency = snap.series[
            series_key(metrics_table, "SuccessfulRequestLatency", operation="GetItem")
        ]
        assert latency.values == (7.0,)
        # Visible: titled charts with units and a summary of the latest values.
        await wait_for(pilot, lambda: "Read capacity (RCU/s)" in chart_text(pane, "chart-read"))
        await wait_for(
            pilot, lambda: "Latency by operation (ms" in chart_text(pane, "chart-latency")
        )
        summary = static_text(pane.query_one("#metrics-summary", Static))
        assert "provisioned 5" in summary and "GetItem 7 ms" in summary
        assert "read events 4" in summary
        assert "last updated" in pane.status_text and "live, every 1 s" in pane.status_text

        # The timer re-arms after each poll: more polls come, each exactly one GetMetricData
        # (and one DescribeAlarms: the table's alarms fit one page, so it counts the polls).
        await idle(pilot, pane)
        moto_server.reset_requests()
        await wait_for(pilot, lambda: polls_sent(moto_server) >= 2, timeout=10)
        await idle(pilot, pane)
        assert gmd_calls(moto_server) == polls_sent(moto_server)

        # Pause, then switch to the GSI: drawn from the snapshot held, no request.
        await pilot.press("s")
        assert pane.paused and "paused" in pane.status_text
        await idle(pilot, pane)
        moto_server.reset_requests()
        await pilot.press("i")
        await pilot.pause(1.5)
        assert pane.scope == GSI
        await wait_for(pilot, lambda: f"GSI {GSI}" in chart_text(pane, "chart-read"))
        summary = static_text(pane.query_one("#metrics-summary", Static))
        assert "write events 3" in summary
        assert gmd_calls(moto_server) == 0
        # A range asked for while paused is fetched once (the charts never show one range under
        # another's label), and the pane stays paused: no timer re-arms.
        await pilot.press("greater_than_sign")
        assert pane.range_name == "3h"
        await wait_for(pilot, lambda: gmd_calls(moto_server) == 1)
        await wait_for(
            pilot,
            lambda: (
                pane.snapshot is not None
                and (pane.snapshot.end - pane.snapshot.start).total_seconds() == 3 * 3600
            ),
        )
        assert pane.snapshot is not None and pane.snapshot.period == 60
        await idle(pilot, pane)
        await pilot.pause(2.5)  # longer than the 1 s interval: nothing more while paused
        assert pane.paused and gmd_calls(moto_server) == 1
        await pilot.press("s")
        await wait_for(pilot, lambda: gmd_calls(moto_server) >= 2)


async def test_rapid_range_keys_settle_on_one_poll(
    app_for: Callable[..., DdbConsoleApp], metrics_table: str, moto_server: MotoProcess
) -> None:
    """Regression: Select.Changed messages from key presses once bounced the range back and forth
    forever, cancelling every poll (no data, a busy event loop)."""
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_metrics(app, pilot, metrics_table)
        for _ in range(7):  # keys arriving faster than the Selects' messages are handled
            pane.action_range_longer()
        pane.action_range_shorter()
        pane.action_range_shorter()
        await pilot.pause(0.2)
        await wait_for(pilot, lambda: not pane.polling)
        assert pane.range_name == "3d" and pane.query_one("#range", Select).value == "3d"
        assert pane.snapshot is not None
        assert (pane.snapshot.end - pane.snapshot.start).total_seconds() == 3 * 86400
        moto_server.reset_requests()
        await pilot.pause(1.0)
        assert gmd_calls(moto_server) == 0 and not pane.polling  # settled: no ping-pong


async def test_r_refreshes_the_metrics_shown(
    app_for: Callable[..., DdbConsoleApp], metrics_table: str, moto_server: MotoProcess
) -> None:
    app = app_for()  # default interval (60 s): no timer poll during the test
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_metrics(app, pilot, metrics_table)
        await idle(pilot, pane)
        updated = pane.updated_at
        moto_server.reset_requests()
        await pilot.press("r")
        await wait_for(pilot, lambda: pane.updated_at != updated)  # the poll completed
        await idle(pilot, pane)
        assert gmd_calls(moto_server) == 1


async def test_polling_stops_while_hidden(
    app_for: Callable[..., DdbConsoleApp], metrics_table: str, moto_server: MotoProcess
) -> None:
    app = app_for(metrics_refresh_seconds=1)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_metrics(app, pilot, metrics_table)
        # Another tab: no GetMetricData at all for well over the interval.
        await pilot.press("4")
        await idle(pilot, pane)
        moto_server.reset_requests()
        await pilot.pause(2.5)
        assert gmd_calls(moto_server) == 0
        assert "not polling while hidden" in pane.status_text
        # Shown again: it polls at once (the data is stale) and keeps polling.
        await pilot.press("3")
        await wait_for(pilot, lambda: gmd_calls(moto_server) >= 2, timeout=10)
        # Another screen on top (help): no polling either.
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await idle(pilot, pane)
        moto_server.reset_requests()
        await pilot.pause(2.5)
        assert gmd_calls(moto_server) == 0
        await pilot.press("escape")
        await wait_for(  # a poll went out and completed
            pilot, lambda: gmd_calls(moto_server) > 0 and not pane.polling, timeout=10
        )
        # The app suspended (ctrl+z): no polling until it resumes.
        await idle(pilot, pane)
        app.app_suspend_signal.publish(app)
        moto_server.reset_requests()
        await pilot.pause(2.5)
        assert gmd_calls(moto_server) == 0
        app.app_resume_signal.publish(app)
        await wait_for(  # a poll went out and completed
            pilot, lambda: gmd_calls(moto_server) > 0 and not pane.polling, timeout=10
        )


async def test_slow_and_failing_cloudwatch_show_a_notice_and_recover(
    app_for: Callable[..., DdbConsoleApp], metrics_table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_for(metrics_refresh_seconds=1)
    monkeypatch.setattr(MetricsPane, "SLOW_SECONDS", 0.3)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_metrics(app, pilot, metrics_table)
        good = pane.snapshot
        client = await app.services.session.client("cloudwatch")
        plan = {"slow": 1, "fail": 0}

        async def fault(**_: Any) -> None:
            if plan["slow"]:
                plan["slow"] -= 1
                await asyncio.sleep(1.5)
            elif plan["fail"]:
                plan["fail"] -= 1
                raise EndpointConnectionError(endpoint_url="https://monitoring.example")

        client.meta.events.register("before-send.cloudwatch.GetMetricData", fault)
        try:
            # Slow: a notice while waiting; the UI keeps answering keys meanwhile.
            await wait_for(pilot, lambda: "slow" in pane.notice, timeout=10)
            await pilot.press("4")
            await pilot.press("3")
            assert pane.tab_active
            await wait_for(pilot, lambda: pane.notice == "" and plan["slow"] == 0, timeout=10)
            # Failing: a clear notice (the last good data stays), reported once, then recovery.
            errors = len(reported(app))
            plan["fail"] = 2
            await wait_for(pilot, lambda: pane.failures >= 1, timeout=10)
            assert "CloudWatch failed" in pane.notice and "showing data from" in pane.notice
            assert pane.snapshot is not None
            await wait_for(pilot, lambda: pane.failures == 2, timeout=10)
            assert "2x" in pane.notice and "2 failed" in pane.status_text
            assert len(reported(app)) == errors + 1  # one notification per outage, not per poll
            await wait_for(pilot, lambda: pane.failures == 0, timeout=10)
            assert pane.notice == ""
            assert pane.snapshot is not good and pane.last_error is None
            assert any(n.title == "Metrics recovered" for n in app._notifications)
        finally:
            client.meta.events.unregister("before-send.cloudwatch.GetMetricData", fault)


def _alarm(cw: Any, name: str) -> dict[str, Any] | None:
    found = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return found[0] if found else None


async def test_alarm_create_edit_delete(
    app_for: Callable[..., DdbConsoleApp], metrics_table: str, moto_url: str
) -> None:
    cw = _client(moto_url, "cloudwatch")
    name = f"ddbconsole/{metrics_table}/latency-GetItem"
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_metrics(app, pilot, metrics_table)
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, AlarmForm))
        form = app.screen
        assert isinstance(form, AlarmForm)
        form.query_one("#kind", Select).value = "latency"
        await pilot.pause()
        assert (
            form.query_one("#row-threshold").display and not form.query_one("#row-percent").display
        )
        # Bad input: a clear error, the form stays open with what was typed.
        form.query_one("#threshold", Input).value = "fast"
        form.query_one("#minutes", Input).value = "3"
        form.query_one("#sns", Input).value = "arn:aws:sns:us-east-1:123456789012:ops"
        await pilot.click("#save")
        await wait_for(
            pilot, lambda: "Invalid" in static_text(form.query_one("#alarm-error", Static))
        )
        assert app.screen is form
        assert "Invalid latency threshold" in static_text(form.query_one("#alarm-error", Static))
        assert form.query_one("#threshold", Input).value == "fast"
        form.query_one("#threshold", Input).value = "250"
        form.query_one("#threshold", Input).focus()
        await pilot.press("enter")  # Enter in any field saves (the button ignores quick re-clicks)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        body = static_text(confirm.query_one("#confirm-body", Static))
        assert "PutMetricAlarm" in body and name in body and '"Threshold": 250.0' in body
        assert _alarm(cw, name) is None  # nothing sent before confirming
        await pilot.press("y")
        await wait_for(pilot, lambda: name in [a.name for a in pane.alarms])
        created = _alarm(cw, name)
        assert created is not None
        assert created["Threshold"] == 250.0 and created["EvaluationPeriods"] == 3
        assert created["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:ops"]

        # Edit the threshold of the selected alarm.
        pane.query_one("#alarms").focus()
        pane.query_one("#alarms").move_cursor(row=[a.name for a in pane.alarms].index(name))  # type: ignore[attr-defined]
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, AlarmForm))
        form = app.screen
        assert isinstance(form, AlarmForm)
        assert form.query_one("#threshold", Input).value == "250"
        assert form.query_one("#kind", Select).disabled
        form.query_one("#threshold", Input).value = "400"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: (_alarm(cw, name) or {}).get("Threshold") == 400.0)
        await wait_for(pilot, lambda: any(a.threshold == 400.0 for a in pane.alarms))

        # Delete: the confirmation shows the exact request.
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        body = static_text(confirm.query_one("#confirm-body", Static))
        assert "DeleteAlarms" in body and f'"{name}"' in body
        await pilot.press("y")
        await wait_for(pilot, lambda: name not in [a.name for a in pane.alarms])
        assert _alarm(cw, name) is None


async def test_alarm_markers_and_read_only(
    app_for: Callable[..., DdbConsoleApp], metrics_table: str, moto_server: MotoProcess
) -> None:
    cw = _client(moto_server.url, "cloudwatch")
    firing = f"ddbconsole/{metrics_table}/throttling"
    cw.put_metric_alarm(
        AlarmName=firing, Namespace=NS, MetricName="ReadThrottleEvents", Statistic="Sum",
        Dimensions=[{"Name": "TableName", "Value": metrics_table}], Period=60,
        EvaluationPeriods=1, Threshold=0.0, ComparisonOperator="GreaterThanThreshold",
    )  # fmt: skip
    cw.set_alarm_state(AlarmName=firing, StateValue="ALARM", StateReason="test: throttling")
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        table_list = app.screen.query_one(TableList)
        # The table list marks the table once the alarm states load (after the table list).
        await wait_for(pilot, lambda: table_list.alarming.get(metrics_table) == 1)
        pane = await open_metrics(app, pilot, metrics_table)
        await wait_for(pilot, lambda: [a.name for a in pane.alarms] == [firing])
        title = static_text(pane.query_one("#alarms-title", Static))
        assert "1 in ALARM" in title and "N new" not in title
        # Viewing works; alarm changes are hidden (footer, palette) and refused.
        assert pane.check_action("new_alarm", ()) is False
        assert pane.check_action("delete_alarm", ()) is False
        assert pane.check_action("toggle_pause", ()) is True
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Pause or resume metrics" in titles and "All-tables overview" in titles
        assert not {"Create alarm", "Edit alarm thresholds", "Delete alarm"} & titles
        for key in ("N", "E", "X"):
            await pilot.press(key)
            assert isinstance(app.screen, MainScreen)
        moto_server.reset_requests()
        with pytest.raises(ReadOnlyViolation):
            await app.services.alarm_presets.put_alarm(AlarmPreset("throttling", metrics_table))
        with pytest.raises(ReadOnlyViolation):
            await app.services.alarm_presets.delete_alarms([firing])
        ops = {r["operation"] for r in moto_server.requests()}
        assert not ops & {"PutMetricAlarm", "DeleteAlarms"}
    # Back to OK: the marker goes once the pane rereads the table's alarms.
    cw.set_alarm_state(AlarmName=firing, StateValue="OK", StateReason="test: calm")
    app = app_for(metrics_refresh_seconds=1)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_metrics(app, pilot, metrics_table)
        table_list = app.screen.query_one(TableList)
        await wait_for(pilot, lambda: metrics_table not in table_list.alarming)


async def test_switching_tables_during_a_slow_poll_or_while_paused_never_stays_loading(
    app_for: Callable[..., DdbConsoleApp], metrics_table: str, moto_url: str
) -> None:
    """The Metrics tab once stayed on "loading…" with no error: a table selected while the tab
    was hidden and a poll for the previous table was still out, or while paused."""
    other = create_table_with_gsi(
        _client(moto_url, "dynamodb"), f"MetUi2-{uuid.uuid4().hex[:8]}", GSI, gsi_key="kind"
    )
    app = app_for(metrics_refresh_seconds=30)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_metrics(app, pilot, metrics_table)
        screen = app.screen
        client = await app.services.session.client("cloudwatch")
        slow = {"n": 1}

        async def fault(**_: Any) -> None:
            if slow["n"]:
                slow["n"] -= 1
                await asyncio.sleep(2.0)

        client.meta.events.register("before-send.cloudwatch.GetMetricData", fault)
        try:
            await pilot.press("f5")  # a poll for the first table, answered in 2 s
            await wait_for(pilot, lambda: pane.polling and slow["n"] == 0)
            await pilot.press("1")
            table_list = screen.query_one(TableList)
            table_list.filter_input.value = other
            await wait_for(pilot, lambda: screen.table_info.name == other)  # type: ignore[union-attr]
            assert pane.table is not None and pane.table.name == other
            await pilot.press("3")  # back while the first table's poll is still out
            await wait_for(
                pilot,
                lambda: pane.snapshot is not None and not pane.polling,
                timeout=10,
            )
            assert "loading" not in pane.status_text
            # Paused, another table: its metrics are fetched once (and it stays paused).
            await pilot.press("s")
            assert pane.paused
            table_list.filter_input.value = metrics_table
            await wait_for(pilot, lambda: screen.table_info.name == metrics_table)  # type: ignore[union-attr]
            await wait_for(
                pilot,
                lambda: pane.snapshot is not None and pane.table.name == metrics_table,  # type: ignore[union-attr]
                timeout=10,
            )
            assert pane.paused and "paused" in pane.status_text
        finally:
            client.meta.events.unregister("before-send.cloudwatch.GetMetricData", fault)
    _client(moto_url, "dynamodb").delete_table(TableName=other)
