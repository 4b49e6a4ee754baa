"""The Capacity tab: billing mode, throughput, auto scaling and the cost of each choice.

State (DescribeTable + Application Auto Scaling) and recent scaling activities load in one worker,
the cost what-if (CloudWatch) in another, so a slow GetMetricData never holds up the rest. Every
change goes form -> Plan (the service checks AWS's rules, nothing sent) -> confirmation showing the
exact requests and their CLI equivalent -> execute (re-planned first; refused if the table changed
meanwhile) -> reload.
The target of a change is the row under the cursor (the table or a GSI); forms can change it.
"""

from __future__ import annotations

import operator
from dataclasses import replace
from functools import reduce
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static
from textual.worker import Worker

from ddbconsole.errors import DdbConsoleError
from ddbconsole.models import (
    CapacityState,
    CapacitySuggestion,
    CostEstimate,
    ScalingActivities,
    TableInfo,
)
from ddbconsole.services.capacity_rules import DEFAULT_MIN_CAPACITY
from ddbconsole.services.cost import DEFAULT_TARGET
from ddbconsole.services.plans import Plan
from ddbconsole.ui.bindings import make_binding, write_actions
from ddbconsole.ui.capacity.capacity_forms import (
    AutoScalingForm,
    AutoScalingValues,
    DisableAutoScalingForm,
    DisableValues,
    OnDemandMaxForm,
    OnDemandMaxValues,
    ThroughputForm,
    ThroughputValues,
)
from ddbconsole.ui.capacity.capacity_switch import (
    OnDemandSwitchForm,
    OnDemandSwitchValues,
    ProvisionedSwitchForm,
    ProvisionedSwitchValues,
)
from ddbconsole.ui.capacity.capacity_view import (
    RESOURCE_COLUMNS,
    render_activities,
    render_cost,
    render_summary,
    resource_row,
)
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.grid import fit_columns
from ddbconsole.ui.common.plan_form import confirm_and_send, sent_title
from ddbconsole.ui.keys import CAPACITY_ACTIONS
from ddbconsole.ui.messages import SwitchRecorded, TableChanged

if TYPE_CHECKING:
    from ddbconsole.services.capacity import CapacityService

HISTORY_DAYS = 14
DEFAULT_MAX_CAPACITY = 100  # the service's default maximum for new auto scaling


class CapacityPane(ConsoleBase, VerticalScroll):
    WRITE_ACTIONS = write_actions(CAPACITY_ACTIONS)
    DEFAULT_CSS = """
    CapacityPane { height: 1fr; padding: 0 1; }
    CapacityPane #cap-summary { height: auto; margin-bottom: 1; }
    CapacityPane #cap-resources { height: auto; max-height: 14; margin-bottom: 1; }
    CapacityPane #cap-activities { height: auto; margin-bottom: 1; }
    CapacityPane #cap-cost { height: auto; }
    """
    BINDINGS = [make_binding(a) for a in CAPACITY_ACTIONS]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table_name: str | None = None
        self.state: CapacityState | None = None
        self.estimate: CostEstimate | None = None
        self.activities: ScalingActivities | None = None
        self.suggestions: dict[str | None, CapacitySuggestion] | None = None
        self.loaded_for: str | None = None

    @property
    def capacity(self) -> CapacityService:
        return self.ctx.services.capacity

    def compose(self) -> ComposeResult:
        yield Static("Select a table.", id="cap-summary")
        yield DataTable(id="cap-resources", cursor_type="row", zebra_stripes=True)
        yield Static("", id="cap-activities")
        yield Static("", id="cap-cost")

    # --- loading ------------------------------------------------------------------------------

    def set_table(self, info: TableInfo) -> None:
        """A (re)description of the selected table arrived: reload when next shown."""
        if info.name != self.table_name:
            self.table_name = info.name
            self.state = self.estimate = self.activities = self.suggestions = None
            self.query_one("#cap-summary", Static).update(Text("Loading…", style="dim"))
            self.query_one(DataTable).clear(columns=True)
            self.query_one("#cap-activities", Static).update("")
            self.query_one("#cap-cost", Static).update("")
        self.loaded_for = None

    def ensure_loaded(self) -> None:
        if self.table_name is not None and self.loaded_for != self.table_name:
            self.loaded_for = self.table_name
            self.reload()

    def reload(self, cost: bool = True) -> None:
        self.load_state()
        if cost:
            self.load_cost()

    @work(exclusive=True, exit_on_error=False, group="capacity")
    async def load_state(self) -> None:
        table = self.table_name
        if table is None:
            return
        if self.state is None:
            self.query_one("#cap-summary", Static).update(Text("Loading capacity…", style="dim"))
        state = await self.capacity.state(table)
        if table != self.table_name:
            return
        self.show_state(state)
        counted = state.switch_budget.counted
        last = state.last_switch_to_on_demand or (counted[-1] if counted else None)
        self.post_message(SwitchRecorded(table, last, state.last_switch_to_on_demand is None))
        if self.activities is None:
            self.query_one("#cap-activities", Static).update(
                Text("Recent scaling activities: loading…", style="dim")
            )
        activities = await self.capacity.scaling_activities(table)
        if table == self.table_name:
            self.activities = activities
            self.query_one("#cap-activities", Static).update(render_activities(activities))

    @work(exclusive=True, exit_on_error=False, group="capacity-cost")
    async def load_cost(self) -> None:
        table = self.table_name
        if table is None:
            return
        self.query_one("#cap-cost", Static).update(
            Text(
                f"Cost what-if: loading {HISTORY_DAYS} days of consumed capacity from CloudWatch…",
                style="dim",
            )
        )
        usage = await self.capacity.usage(table, HISTORY_DAYS)
        estimate = await self.capacity.cost_estimate(table, HISTORY_DAYS, usage=usage)
        suggestions = await self.capacity.suggest_provisioned(table, HISTORY_DAYS, usage=usage)
        if table != self.table_name:
            return
        self.estimate = estimate
        self.suggestions = {s.index: s for s in suggestions}
        body = render_cost(estimate)
        if usage.messages:
            body = Group(body, Text("CloudWatch: " + "; ".join(usage.messages), style="yellow"))
        self.query_one("#cap-cost", Static).update(body)

    def worker_failed(self, worker: Worker[Any], error: BaseException | None) -> None:
        """Failed loads say so in place (and, through the base, in a notification)."""
        if worker.group in ("capacity", "capacity-cost"):
            err = self.describe(error)
            what = "Capacity" if worker.group == "capacity" else "Cost what-if"
            text = Text(f"{what} unavailable: {err.title}", style="bold red")
            if err.advice:
                text.append(f"\n{err.advice}", style="red")
            text.append("\nPress r to retry" if what == "Capacity" else "\nPress $ to retry")
            target = "#cap-summary" if worker.group == "capacity" else "#cap-cost"
            self.query_one(target, Static).update(text)

    def show_state(self, state: CapacityState) -> None:
        self.state = state
        self.query_one("#cap-summary", Static).update(render_summary(state))
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        for name in RESOURCE_COLUMNS:
            table.add_column(name)
        for res in state.resources:
            table.add_row(*resource_row(res, state.on_demand), key=res.index or "")
        fit_columns(table)
        if 0 <= row < table.row_count:
            table.move_cursor(row=row)

    # --- the target of a change ---------------------------------------------------------------

    def _ready(self) -> CapacityState | None:
        if self.state is None or self.state.table != self.table_name:
            self.notify("Capacity is still loading", severity="warning")
            return None
        return self.state

    def cursor_index(self) -> str | None:
        """The GSI under the cursor, or None for the table row."""
        table = self.query_one(DataTable)
        state = self.state
        if state is None or not 0 <= table.cursor_row < len(state.resources):
            return None
        return state.resources[table.cursor_row].index

    # --- actions ------------------------------------------------------------------------------

    def action_refresh_cost(self) -> None:
        if self.table_name is not None:
            self.load_cost()

    def action_switch_billing(self) -> None:
        state = self._ready()
        if state is None:
            return
        if state.on_demand:
            self._open_provisioned_form(state)
        else:
            self.app.push_screen(OnDemandSwitchForm(state, self._build_on_demand), self._review)

    def action_edit_throughput(self) -> None:
        state = self._ready()
        if state is None:
            return
        if state.on_demand:
            self.notify(
                f"{state.table} is on-demand: switch to provisioned (b) or edit the on-demand "
                "maximum (m)",
                severity="warning",
            )
            return
        form = ThroughputForm(state, self.cursor_index(), self._build_throughput)
        self.app.push_screen(form, self._review)

    def action_edit_on_demand_max(self) -> None:
        state = self._ready()
        if state is None:
            return
        if not state.on_demand:
            self.notify(
                f"{state.table} is provisioned: the on-demand maximum applies to on-demand "
                "tables; edit throughput (w) instead",
                severity="warning",
            )
            return
        form = OnDemandMaxForm(state, self.cursor_index(), self._build_on_demand_max)
        self.app.push_screen(form, self._review)

    def action_edit_autoscaling(self) -> None:
        state = self._ready()
        if state is None:
            return
        if state.on_demand:
            self.notify(
                f"{state.table} is on-demand: auto scaling applies to provisioned capacity",
                severity="warning",
            )
            return
        form = AutoScalingForm(
            state,
            self.cursor_index(),
            self._build_autoscaling,
            default_min=DEFAULT_MIN_CAPACITY,
            default_max=DEFAULT_MAX_CAPACITY,
            default_target=DEFAULT_TARGET,
        )
        self.app.push_screen(form, self._review)

    def action_disable_autoscaling(self) -> None:
        state = self._ready()
        if state is None:
            return
        if not state.autoscaling.targets:
            self.notify(f"No auto scaling on {state.table}", severity="warning")
            return
        index = self.cursor_index()
        res = state.resource(index)
        if res.read_scaling is None and res.write_scaling is None:
            # Start on a resource that has something to disable.
            index = next(
                (r.index for r in state.resources if r.read_scaling or r.write_scaling), index
            )
        form = DisableAutoScalingForm(state, index, self._build_disable)
        self.app.push_screen(form, self._review)

    def action_restore_autoscaling(self) -> None:
        if self._ready() is not None:
            self._plan_restore()

    # --- plans -> confirmation -> execution -----------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="capacity-suggest")
    async def _open_provisioned_form(self, state: CapacityState) -> None:
        note = (
            f"Pre-filled from the last {HISTORY_DAYS} days of consumed capacity: the highest "
            f"hourly average / {DEFAULT_TARGET:g} % target utilisation, rounded up, at least 1."
        )
        if self.suggestions is None:
            self.notify("Reading consumed capacity for suggestions…", timeout=3)
            try:
                found = await self.capacity.suggest_provisioned(state.table, HISTORY_DAYS)
                self.suggestions = {s.index: s for s in found}
            except DdbConsoleError as exc:
                note = f"No suggestion ({exc.title}): AWS's default of 5 pre-filled."
        if state.table != self.table_name:
            return
        form = ProvisionedSwitchForm(state, self.suggestions, note, self._build_provisioned)
        self.app.push_screen(form, self._review)

    @work(exclusive=True, exit_on_error=False, group="capacity-plan")
    async def _plan_restore(self) -> None:
        self._review(await self.capacity.plan_restore_autoscaling(self._table()))

    def _review(self, plan: Plan | None) -> None:
        if plan is not None:
            self._send(plan)

    @work(exclusive=True, exit_on_error=False, group="capacity-write")
    async def _send(self, plan: Plan) -> None:
        try:
            sent, _ = await confirm_and_send(self, plan)
        except BaseException:
            self.reload()
            raise
        if sent:
            self.notify(plan.done, title=sent_title(plan))
            # Every pane showing the table re-reads it (this one reloads with the description).
            self.post_message(TableChanged(self._table()))

    def _table(self) -> str:
        assert self.table_name is not None
        return self.table_name

    async def _build_on_demand(self, values: OnDemandSwitchValues) -> Plan:
        return await self.capacity.plan_switch_to_on_demand(
            self._table(), values.max_read, values.max_write
        )

    async def _build_provisioned(self, values: ProvisionedSwitchValues) -> Plan:
        return await self.capacity.plan_switch_to_provisioned(
            self._table(), values.table, values.gsis, values.restore
        )

    async def _build_throughput(self, values: ThroughputValues) -> Plan:
        return await self.capacity.plan_update_throughput(
            self._table(), values.read, values.write, values.index
        )

    async def _build_on_demand_max(self, values: OnDemandMaxValues) -> Plan:
        return await self.capacity.plan_update_on_demand_max(
            self._table(), values.max_read, values.max_write, values.index
        )

    async def _build_autoscaling(self, values: AutoScalingValues) -> Plan:
        plans = [
            await self.capacity.plan_enable_autoscaling(
                self._table(),
                side,
                values.min_capacity,
                values.max_capacity,
                values.target,
                values.index,
                values.scale_in_cooldown,
                values.scale_out_cooldown,
            )
            for side in values.sides
        ]
        what = f"GSI {values.index}" if values.index else self._table()
        return replace(
            reduce(operator.add, plans),
            title=f"Auto scale {' and '.join(values.sides)} of {what} "
            f"({values.min_capacity}..{values.max_capacity} at {values.target:g} %)?",
        )

    async def _build_disable(self, values: DisableValues) -> Plan:
        plans = [
            await self.capacity.plan_disable_autoscaling(self._table(), side, values.index)
            for side in values.sides
        ]
        what = f"GSI {values.index}" if values.index else self._table()
        return replace(
            reduce(operator.add, plans),
            title=f"Disable {' and '.join(values.sides)} auto scaling of {what}?",
        )
