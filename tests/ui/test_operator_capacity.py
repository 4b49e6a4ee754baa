"""After a change made in the Capacity tab, every tab that shows the table shows the new state
(no `r` needed), and the Settings tab's last switch to on-demand agrees with the Capacity tab's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import Input, Static

from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.capacity.capacity_forms import ThroughputForm
from ddbconsole.ui.capacity.capacity_switch import OnDemandSwitchForm, ProvisionedSwitchForm
from ddbconsole.ui.main import MainScreen
from tests.helpers import static_text, wait_for
from tests.ui.test_capacity import (  # noqa: F401  (fixtures)
    Factory,
    aas,
    confirm_and_wait,
    ddb,
    make_table,
    open_capacity,
    open_form,
    submit,
)

SIZE = (180, 50)


def _details(app: DdbConsoleApp) -> str:
    return static_text(app.screen.query_one("#details-body", Static), width=180)


async def test_settings_tab_follows_a_capacity_change(
    app_for: Callable[..., DdbConsoleApp],
    make_table: Factory,  # noqa: F811
    ddb: Any,  # noqa: F811
) -> None:
    table = make_table(autoscaling=False)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_capacity(app, pilot, table)
        assert "provisioned 5 R / 5 W" in _details(app)
        form = await open_form(app, pilot, "w", ThroughputForm)
        form.query_one("#read", Input).value = "7"
        form.query_one("#write", Input).value = "6"
        await submit(app, pilot)
        await confirm_and_wait(
            app, pilot, pane,
            lambda: pane.state is not None and pane.state.resources[0].provisioned is not None
            and pane.state.resources[0].provisioned.read == 7,
        )  # fmt: skip
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("4")  # no refresh pressed: the Settings tab shows the change
        await wait_for(pilot, lambda: "provisioned 7 R / 6 W" in _details(app))
        assert screen.table_info is not None and screen.table_info.provisioned is not None
        assert screen.table_info.provisioned.read == 7

        await pilot.press("2")
        form = await open_form(app, pilot, "b", OnDemandSwitchForm)
        await submit(app, pilot)
        await confirm_and_wait(
            app, pilot, pane, lambda: pane.state is not None and pane.state.on_demand
        )
        await pilot.press("4")
        await wait_for(pilot, lambda: "PAY_PER_REQUEST" in _details(app))
        state = pane.state
        assert state is not None
        counted = state.switch_budget.counted
        last = state.last_switch_to_on_demand or counted[-1]
        shown = last.isoformat(sep=" ", timespec="seconds")
        await wait_for(pilot, lambda: shown in _details(app))


async def test_manual_throughput_under_auto_scaling_warns_and_the_floor_is_kept(
    app_for: Callable[..., DdbConsoleApp],
    make_table: Factory,  # noqa: F811
    aas: Any,  # noqa: F811
) -> None:
    table = make_table(autoscaling=True)
    aas.register_scalable_target(  # a floor above the form's fallback of 5
        ServiceNamespace="dynamodb", ResourceId=f"table/{table}",
        ScalableDimension="dynamodb:table:ReadCapacityUnits", MinCapacity=12, MaxCapacity=100,
    )  # fmt: skip
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_capacity(app, pilot, table)
        form = await open_form(app, pilot, "w", ThroughputForm)
        current = static_text(form.query_one("#current", Static), width=300)
        assert "Auto scaling is on for read (12..100) and write (5..100)" in current
        assert "raise its minimum instead" in current
        await pilot.press("escape")
        form = await open_form(app, pilot, "b", OnDemandSwitchForm)
        await submit(app, pilot)
        await confirm_and_wait(
            app, pilot, pane, lambda: pane.state is not None and pane.state.on_demand
        )
        form = await open_form(app, pilot, "b", ProvisionedSwitchForm)
        # never below the remembered minimum
        assert int(form.query_one("#r-0", Input).value) >= 12
        assert int(form.query_one("#w-0", Input).value) >= 5
