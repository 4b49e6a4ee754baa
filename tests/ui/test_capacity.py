"""Pilot tests of the Capacity tab against moto: billing switches with auto scaling remembered and
restored, GSI throughput, auto scaling on the table and a GSI, the 24-hour switch budget (refused
before sending), confirmations showing the requests, and read-only mode.

Each test makes its own table (the demo tables are shared). moto enforces none of the capacity
rules, so the tests assert what reached the server as well as what moto answers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from typing import Any

import boto3
import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from ddbconsole.demo.seed import add_target_tracking
from ddbconsole.demo.server import MotoProcess
from ddbconsole.services.capacity_store import SwitchLedger, table_key
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.capacity.capacity_forms import (
    AutoScalingForm,
    CapacityForm,
    DisableAutoScalingForm,
    OnDemandMaxForm,
    ThroughputForm,
)
from ddbconsole.ui.capacity.capacity_pane import CapacityPane
from ddbconsole.ui.capacity.capacity_switch import OnDemandSwitchForm, ProvisionedSwitchForm
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.main import MainScreen
from tests.helpers import create_table_with_gsi, show_table, static_text, wait_for
from tests.services.test_capacity import (
    assert_provisioned_with_autoscaling_restored,
    policies,
    targets,
)
from tests.ui.reported import last_reported, reported

SIZE = (180, 50)
GSI = "ByStatus"
Factory = Callable[..., str]


def _client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")


@pytest.fixture
def ddb(moto_url: str) -> Any:
    return _client(moto_url, "dynamodb")


@pytest.fixture
def aas(moto_url: str) -> Any:
    return _client(moto_url, "application-autoscaling")


@pytest.fixture
def make_table(ddb: Any, aas: Any) -> Iterator[Factory]:
    """A provisioned table (5/5) with a 5/5 GSI, optionally with target tracking on all 4 sides
    (5..100 at 70 %, cooldowns in 60 s / out 30 s); removed with its auto scaling afterwards."""
    made: list[str] = []

    def make(autoscaling: bool = True) -> str:
        name = create_table_with_gsi(ddb, f"CapUi-{uuid.uuid4().hex[:8]}", GSI)
        made.append(name)
        if autoscaling:
            add_target_tracking(aas, name, (GSI,), scale_out_cooldown=30)
        return name

    yield make
    for name in made:
        for key in targets(aas, name):
            for p in policies(aas, name):
                if (p["ResourceId"], p["ScalableDimension"]) == key:
                    aas.delete_scaling_policy(
                        PolicyName=p["PolicyName"],
                        ServiceNamespace="dynamodb",
                        ResourceId=key[0],
                        ScalableDimension=key[1],
                    )
            aas.deregister_scalable_target(
                ServiceNamespace="dynamodb", ResourceId=key[0], ScalableDimension=key[1]
            )
        ddb.delete_table(TableName=name)


def sent(moto_server: MotoProcess) -> list[str]:
    """The write operations that reached the server since the last reset."""
    reads = ("Describe", "List", "Get")
    return [r["operation"] for r in moto_server.requests() if not r["operation"].startswith(reads)]


async def open_capacity(app: DdbConsoleApp, pilot: Pilot[Any], table: str) -> CapacityPane:
    screen = await show_table(app, pilot, table, "2")
    await wait_for(pilot, lambda: screen.capacity_pane is not None)
    pane = screen.query_one(CapacityPane)
    await wait_for(pilot, lambda: pane.table_name == table)
    await wait_for(pilot, lambda: pane.state is not None and pane.state.table == table)
    assert pane.query_one(DataTable).has_focus
    return pane


async def open_form(app: DdbConsoleApp, pilot: Pilot[Any], key: str, kind: type[Any]) -> Any:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, kind))
    await pilot.pause()
    return app.screen


async def submit(app: DdbConsoleApp, pilot: Pilot[Any]) -> str:
    """Submit the open form; return the confirmation's text (the requests)."""
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    return static_text(app.screen.query_one("#confirm-body", Static))


async def confirm_and_wait(
    app: DdbConsoleApp, pilot: Pilot[Any], pane: CapacityPane, done: Callable[[], bool]
) -> None:
    before = pane.state
    await pilot.press("y")
    await wait_for(pilot, lambda: pane.state is not before and done())
    assert not reported(app), reported(app)


def summary(pane: CapacityPane) -> str:
    return static_text(pane.query_one("#cap-summary", Static))


async def test_on_demand_and_back_restores_autoscaling(
    app_for: Callable[..., DdbConsoleApp],
    make_table: Factory,
    ddb: Any,
    aas: Any,
    moto_server: MotoProcess,
) -> None:
    table = make_table()
    before = targets(aas, table)
    assert len(before) == 4
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_capacity(app, pilot, table)
        assert "4 of 4 switches to on-demand left in 24 h" in summary(pane)
        rows = pane.query_one(DataTable)
        assert rows.row_count == 2
        assert "5..100 @70% cd 60/30s" in str(rows.get_row_at(1)[4])
        await wait_for(pilot, lambda: pane.estimate is not None)
        cost = static_text(pane.query_one("#cap-cost", Static), width=200)
        assert "On-demand" in cost and "recommended" in cost and "Assumptions" in cost

        form = await open_form(app, pilot, "b", OnDemandSwitchForm)
        assert "4 of 4 switches to on-demand left" in static_text(form.query_one("#budget"))
        body = await submit(app, pilot)
        assert '"BillingMode": "PAY_PER_REQUEST"' in body
        assert body.count("DeleteScalingPolicy") == 4
        assert body.count("DeregisterScalableTarget") == 4
        moto_server.reset_requests()
        await confirm_and_wait(
            app, pilot, pane, lambda: pane.state is not None and pane.state.on_demand
        )
        ops = sent(moto_server)
        assert ops[0] == "UpdateTable" and ops.count("DeregisterScalableTarget") == 4
        assert targets(aas, table) == {} and policies(aas, table) == []
        text = summary(pane)
        assert "3 of 4 switches to on-demand left in 24 h; next frees up at" in text
        assert "Remembered auto scaling" in text and "4 target(s)" in text

        form = await open_form(app, pilot, "b", ProvisionedSwitchForm)
        assert form.query_one("#restore", Checkbox).value is True
        for field, value in (("r-0", "7"), ("w-0", "8"), ("r-1", "3"), ("w-1", "4")):
            form.query_one(f"#{field}", Input).value = value
        body = await submit(app, pilot)
        assert '"BillingMode": "PROVISIONED"' in body and '"IndexName": "ByStatus"' in body
        assert body.count("RegisterScalableTarget") == 4 and body.count("PutScalingPolicy") == 4
        await confirm_and_wait(
            app,
            pilot,
            pane,
            lambda: (
                pane.state is not None
                and not pane.state.on_demand
                and len(pane.state.autoscaling.targets) == 4
            ),
        )
        assert "Remembered auto scaling" not in summary(pane)  # forgotten once restored

    assert_provisioned_with_autoscaling_restored(ddb, aas, table, before)


async def test_edit_gsi_throughput_with_validation(
    app_for: Callable[..., DdbConsoleApp],
    make_table: Factory,
    ddb: Any,
    moto_server: MotoProcess,
) -> None:
    table = make_table(autoscaling=False)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_capacity(app, pilot, table)
        await pilot.press("down")  # the GSI row is the target
        form = await open_form(app, pilot, "w", ThroughputForm)
        assert form.query_one("#target", Select).value == GSI
        read, write = form.query_one("#read", Input), form.query_one("#write", Input)
        assert (read.value, write.value) == ("5", "5")
        # Bad input: a clear message, the form stays open with what was typed.
        read.value = "lots"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ThroughputForm)
        assert "Invalid read capacity" in static_text(form.query_one("#form-error", Static))
        assert read.value == "lots" and read.has_focus
        read.value = "0"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "at least 1" in static_text(form.query_one("#form-error", Static))
        # The service's rules show in the form too, and go through the error funnel.
        read.value = "5"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(reported(app)))
        assert "No change for ByStatus" in static_text(form.query_one("#form-error", Static))
        assert last_reported(app).title == "No change for ByStatus"
        assert isinstance(app.screen, ThroughputForm) and read.value == "5"
        read.value, write.value = "12", "9"
        moto_server.reset_requests()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = static_text(app.screen.query_one("#confirm-body", Static))
        assert sent(moto_server) == []  # planning sends nothing
        assert '"IndexName": "ByStatus"' in body and '"ReadCapacityUnits": 12' in body
        assert '"TableName": "' + table in body and "ProvisionedThroughput" in body
        # Cancel sends nothing; confirm sends the one UpdateTable.
        await pilot.press("n")
        await pilot.pause()
        assert sent(moto_server) == []
        form = await open_form(app, pilot, "w", ThroughputForm)
        form.query_one("#read", Input).value = "12"
        form.query_one("#write", Input).value = "9"
        await submit(app, pilot)
        app.clear_notifications()
        await confirm_and_wait(
            app,
            pilot,
            pane,
            lambda: (
                pane.state is not None
                and pane.state.resource(GSI).provisioned is not None
                and pane.state.resource(GSI).provisioned.read == 12
            ),  # type: ignore[union-attr]
        )
        assert sent(moto_server) == ["UpdateTable"]
    gsi = ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 12
    assert gsi["ProvisionedThroughput"]["WriteCapacityUnits"] == 9


async def test_enable_and_disable_autoscaling_on_table_and_gsi(
    app_for: Callable[..., DdbConsoleApp], make_table: Factory, aas: Any
) -> None:
    table = make_table(autoscaling=False)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_capacity(app, pilot, table)
        # The table, both sides, AWS console defaults pre-filled and edited.
        form = await open_form(app, pilot, "a", AutoScalingForm)
        assert form.query_one("#min", Input).value == "5"
        assert form.query_one("#target-value", Input).value == "70"
        form.query_one("#max", Input).value = "50"
        form.query_one("#target-value", Input).value = "60"
        form.query_one("#scale-in", Input).value = "120"
        body = await submit(app, pilot)
        assert body.count("RegisterScalableTarget") == 2 and body.count("PutScalingPolicy") == 2
        assert '"TargetValue": 60.0' in body and '"ScaleInCooldown": 120' in body
        await confirm_and_wait(
            app, pilot, pane, lambda: pane.state is not None and pane.state.autoscaling.enabled
        )
        # The GSI, read side only.
        await pilot.press("down")
        form = await open_form(app, pilot, "a", AutoScalingForm)
        assert form.query_one("#target", Select).value == GSI
        form.query_one("#side", Select).value = "read"
        form.query_one("#max", Input).value = "30"
        body = await submit(app, pilot)
        assert "dynamodb:index:ReadCapacityUnits" in body and "WriteCapacityUnits" not in body
        await confirm_and_wait(
            app,
            pilot,
            pane,
            lambda: pane.state is not None and len(pane.state.autoscaling.targets) == 3,
        )
        found = targets(aas, table)
        assert found[(f"table/{table}", "dynamodb:table:ReadCapacityUnits")]["MaxCapacity"] == 50
        assert (
            found[(f"table/{table}/index/{GSI}", "dynamodb:index:ReadCapacityUnits")]["MaxCapacity"]
            == 30
        )
        configs = {
            (p["ResourceId"], p["ScalableDimension"]): p["TargetTrackingScalingPolicyConfiguration"]
            for p in policies(aas, table)
        }
        table_read = configs[(f"table/{table}", "dynamodb:table:ReadCapacityUnits")]
        assert table_read["TargetValue"] == 60.0 and table_read["ScaleInCooldown"] == 120
        assert table_read["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
            "DynamoDBReadCapacityUtilization"
        )

        # Disable on the GSI (cursor still there): only the read side exists.
        form = await open_form(app, pilot, "A", DisableAutoScalingForm)
        assert form.query_one("#target", Select).value == GSI
        body = await submit(app, pilot)
        assert body.count("DeregisterScalableTarget") == 1 and f"/index/{GSI}" in body
        await confirm_and_wait(
            app,
            pilot,
            pane,
            lambda: pane.state is not None and len(pane.state.autoscaling.targets) == 2,
        )
        # And on the table.
        await pilot.press("up")
        form = await open_form(app, pilot, "A", DisableAutoScalingForm)
        assert form.query_one("#target", Select).value == "__table__"
        body = await submit(app, pilot)
        assert body.count("DeregisterScalableTarget") == 2
        await confirm_and_wait(
            app, pilot, pane, lambda: pane.state is not None and not pane.state.autoscaling.enabled
        )
    assert targets(aas, table) == {} and policies(aas, table) == []


async def test_fifth_switch_within_24_hours_is_refused_before_sending(
    app_for: Callable[..., DdbConsoleApp],
    make_table: Factory,
    ddb: Any,
    moto_server: MotoProcess,
) -> None:
    table = make_table(autoscaling=False)
    desc = ddb.describe_table(TableName=table)["Table"]
    key = table_key(desc["TableArn"])
    # Four switches through ddbconsole in the last 24 hours, all since the table was created
    # (records from before its creation belong to an earlier table of that name).
    created = desc["CreationDateTime"].astimezone(UTC)
    times = [created + timedelta(seconds=s) for s in (1, 2, 3, 4)]
    ledger = SwitchLedger()
    for at in times:
        ledger.record(key, at)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_capacity(app, pilot, table)
        frees = times[0] + timedelta(hours=24)
        expected = f"0 of 4 switches to on-demand left in 24 h; next frees up at {frees:%Y-%m-%d %H:%M} UTC"
        assert expected in summary(pane)
        form = await open_form(app, pilot, "b", OnDemandSwitchForm)
        assert expected in static_text(form.query_one("#budget"))
        moto_server.reset_requests()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(reported(app)))
        # SwitchLimitReached, as the user reads it
        assert last_reported(app).title == f"No switch to on-demand left for {table}"
        assert "switches to on-demand per rolling 24 hours" in last_reported(app).message
        assert isinstance(app.screen, CapacityForm)  # still open, nothing to confirm
        error = static_text(app.screen.query_one("#form-error", Static))
        assert "No switch to on-demand left" in error and "4 switches" in error
        assert sent(moto_server) == []  # no UpdateTable reached the server
    assert (
        ddb.describe_table(TableName=table)["Table"]["BillingModeSummary"]["BillingMode"]
        == "PROVISIONED"
    )


async def test_read_only_hides_write_actions_and_shows_state(
    app_for: Callable[..., DdbConsoleApp], make_table: Factory
) -> None:
    table = make_table()
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_capacity(app, pilot, table)
        text = summary(pane)
        assert "PROVISIONED" in text and "4 of 4 switches" in text
        assert pane.query_one(DataTable).row_count == 2
        await pilot.pause()
        shown = {b.binding.action for b in app.active_bindings.values() if b.enabled}
        assert "refresh_cost" in shown
        for action in (
            "switch_billing",
            "edit_throughput",
            "edit_on_demand_max",
            "edit_autoscaling",
            "disable_autoscaling",
            "restore_autoscaling",
        ):
            assert action not in shown
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Refresh cost what-if" in titles
        assert "Switch billing mode" not in titles and "Disable auto scaling" not in titles
        await pilot.press("b", "w", "a", "A")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)  # no form opened
        await wait_for(pilot, lambda: pane.estimate is not None)


async def test_palette_offers_capacity_actions_on_the_capacity_tab(
    app_for: Callable[..., DdbConsoleApp], make_table: Factory
) -> None:
    table = make_table(autoscaling=False)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await open_capacity(app, pilot, table)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in ("Switch billing mode", "Edit provisioned throughput", "Disable auto scaling"):
            assert title in titles
        await pilot.press("1")
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Switch billing mode" not in titles


async def test_on_demand_maximum_and_restore_later(
    app_for: Callable[..., DdbConsoleApp],
    make_table: Factory,
    aas: Any,
    moto_server: MotoProcess,
) -> None:
    table = make_table()
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_capacity(app, pilot, table)
        await open_form(app, pilot, "b", OnDemandSwitchForm)
        await submit(app, pilot)
        await confirm_and_wait(
            app, pilot, pane, lambda: pane.state is not None and pane.state.on_demand
        )
        # The on-demand maximum of the GSI (cursor row).
        await pilot.press("down")
        form = await open_form(app, pilot, "m", OnDemandMaxForm)
        assert form.query_one("#target", Select).value == GSI
        form.query_one("#max-write", Input).value = "50"
        body = await submit(app, pilot)
        assert '"OnDemandThroughput": {' in body and '"MaxWriteRequestUnits": 50' in body
        assert '"IndexName": "ByStatus"' in body and "MaxReadRequestUnits" not in body
        moto_server.reset_requests()
        await confirm_and_wait(app, pilot, pane, lambda: True)
        assert sent(moto_server) == ["UpdateTable"]
        # Back to provisioned without restoring: the settings stay remembered ...
        form = await open_form(app, pilot, "b", ProvisionedSwitchForm)
        form.query_one("#restore", Checkbox).value = False
        body = await submit(app, pilot)
        assert "RegisterScalableTarget" not in body
        await confirm_and_wait(
            app, pilot, pane, lambda: pane.state is not None and not pane.state.on_demand
        )
        assert targets(aas, table) == {}
        assert "Remembered auto scaling" in summary(pane)
        # ... and u restores them later.
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = static_text(app.screen.query_one("#confirm-body", Static))
        assert body.count("RegisterScalableTarget") == 4 and body.count("PutScalingPolicy") == 4
        await confirm_and_wait(
            app,
            pilot,
            pane,
            lambda: pane.state is not None and len(pane.state.autoscaling.targets) == 4,
        )
        assert "Remembered auto scaling" not in summary(pane)
    assert len(targets(aas, table)) == 4 and len(policies(aas, table)) == 4


async def test_plan_changed_since_confirmation_is_not_sent(
    app_for: Callable[..., DdbConsoleApp],
    make_table: Factory,
    ddb: Any,
    aas: Any,
    moto_server: MotoProcess,
) -> None:
    table = make_table(autoscaling=False)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await open_capacity(app, pilot, table)
        await open_form(app, pilot, "b", OnDemandSwitchForm)
        body = await submit(app, pilot)
        assert "DeregisterScalableTarget" not in body
        # Someone adds auto scaling while the confirmation is open: the plan would grow.
        aas.register_scalable_target(
            ServiceNamespace="dynamodb",
            ResourceId=f"table/{table}",
            ScalableDimension="dynamodb:table:ReadCapacityUnits",
            MinCapacity=5,
            MaxCapacity=10,
        )
        moto_server.reset_requests()
        await pilot.press("y")
        await wait_for(pilot, lambda: bool(reported(app)))
        # PlanChanged, as the user reads it
        assert last_reported(app).title == "The table changed since the requests were shown"
        assert sent(moto_server) == []
    assert (
        ddb.describe_table(TableName=table)["Table"]["BillingModeSummary"]["BillingMode"]
        == "PROVISIONED"
    )
