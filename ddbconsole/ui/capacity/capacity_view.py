"""How the Capacity tab shows a table's capacity: the summary, the table and GSI rows, recent
scaling activities and the cost what-if (models in, Rich renderables out; nothing is fetched here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ddbconsole.models import (
    CapacityResource,
    CapacityState,
    CostEstimate,
    ScalableTargetInfo,
    ScalingActivities,
)
from ddbconsole.services.capacity_rules import budget_text
from ddbconsole.ui.capacity.capacity_switch import utc

if TYPE_CHECKING:
    pass

STATUS_STYLE = {"ACTIVE": "green"}
ACTIVITY_STYLE = {"Successful": "green", "Failed": "red", "InProgress": "yellow"}
SHOWN_ACTIVITIES = 8
RESOURCE_COLUMNS = (
    "Resource",
    "Status",
    "Capacity",
    "Warm",
    "Read auto scaling",
    "Write auto scaling",
    "Decr. today",
)


def _scaling_cell(target: ScalableTargetInfo | None) -> Text:
    if target is None:
        return Text("off", style="dim")
    text = Text(f"{target.min_capacity}..{target.max_capacity}")
    tracking = target.target_tracking
    if tracking is not None and tracking.target_value is not None:
        text.append(f" @{tracking.target_value:g}%", style="cyan")
        cooldowns = (tracking.scale_in_cooldown, tracking.scale_out_cooldown)
        if any(c is not None for c in cooldowns):
            shown = ["-" if c is None else str(c) for c in cooldowns]
            text.append(f" cd {shown[0]}/{shown[1]}s", style="dim")
    else:
        text.append(" no target tracking", style="yellow")
    if target.suspended:
        text.append(" suspended", style="yellow")
    return text


def _capacity_cell(res: CapacityResource, on_demand: bool) -> Text:
    if not on_demand:
        return Text(res.provisioned.describe() if res.provisioned else "-")
    limit = res.on_demand_max
    if limit is None or all(v is None or v <= 0 for v in (limit.read, limit.write)):
        return Text("on-demand, no max", style="dim")
    return Text(f"on-demand, max {limit.describe()}")


def render_summary(state: CapacityState) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    head = Text(state.table, style="bold")
    head.append(f"  {state.billing_mode}", style="bold cyan")
    head.append(f"  {state.status}", style=STATUS_STYLE.get(state.status, "yellow"))
    if state.fetched_at:
        head.append(f"  (read {state.fetched_at:%H:%M:%S} UTC)", style="dim")
    grid.add_row("Table", head)
    sides = len(state.autoscaling.targets)
    if state.on_demand:
        mode = Text("On-demand: billed per request; no capacity to manage")
    else:
        mode = Text("Provisioned: ")
        mode.append(
            f"auto scaling on {sides} of {2 * len(state.resources)} read/write sides"
            if sides
            else "fixed capacity, no auto scaling"
        )
    grid.add_row("Billing mode", mode)
    if state.busy:
        busy = [
            f"{r.label} {'BACKFILLING' if r.backfilling else r.status}" for r in state.resources
        ]
        grid.add_row(
            "Busy",
            Text(
                "an update is running ("
                + ", ".join(b for b in busy if "ACTIVE" not in b)
                + "); DynamoDB takes one update at a time: wait, then refresh (r)",
                style="bold yellow",
            ),
        )
    # The budget in one line; the rules behind it are in the switch form and in help (b).
    budget = state.switch_budget
    grid.add_row(
        "Switch budget",
        Text(budget_text(budget), style="bold red" if budget.remaining == 0 else "bold"),
    )
    last = Text(utc(state.last_switch_to_on_demand))
    counted = state.switch_budget.counted
    if state.last_switch_to_on_demand is None and counted:
        last = Text(utc(counted[-1]))
        last.append("  (ddbconsole's record; DescribeTable reports none)", style="dim")
    grid.add_row("Last switch to on-demand", last)
    remembered = state.remembered
    if remembered is not None and remembered.targets:
        text = Text(
            f"{len(remembered.targets)} target(s) saved {utc(remembered.saved_at)}: "
            + ", ".join(f"{t.index_name or 'table'} {t.side}" for t in remembered.targets),
            style="magenta",
        )
        text.append("  (offered when switching to provisioned, b; or restore with u)", style="dim")
        grid.add_row("Remembered auto scaling", text)
    return grid


def render_activities(found: ScalingActivities) -> RenderableType:
    title = Text("Recent scaling activities", style="bold")
    if found.unavailable:
        return Group(title, Text(f"Unavailable: {found.unavailable}", style="dim"))
    if not found.activities:
        return Group(title, Text("None recorded for this table and its indexes.", style="dim"))
    lines = Table.grid(padding=(0, 2))
    for a in found.activities[:SHOWN_ACTIVITIES]:
        side = "read" if a.dimension.endswith("ReadCapacityUnits") else "write"
        _, _, index = a.resource_id.partition("/index/")
        lines.add_row(
            Text(f"{a.start:%m-%d %H:%M}" if a.start else "-", style="dim"),
            f"{index or 'table'} {side}",
            Text(a.status, style=ACTIVITY_STYLE.get(a.status, "")),
            a.description,
        )
    more = len(found.activities) - SHOWN_ACTIVITIES
    if more > 0:
        return Group(title, lines, Text(f"... and {more} more", style="dim"))
    return Group(title, lines)


def render_cost(estimate: CostEstimate) -> RenderableType:
    title = Text(
        f"Cost what-if: monthly (730 h), from the last {estimate.hours} hours of consumed capacity",
        style="bold",
    )
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
    table.add_column("Option")
    table.add_column("USD/month", justify="right")
    table.add_column("read", justify="right", style="dim")
    table.add_column("write", justify="right", style="dim")
    table.add_column("Throttled hours", justify="right")
    based_on = Text("Based on:\n", style="bold dim")
    for opt in estimate.options:
        name = Text(opt.label)
        if opt.kind == estimate.current:
            name.append(" (current)", style="cyan")
        if opt.kind == estimate.recommended:
            name.append(" ★ recommended", style="bold green")
        table.add_row(
            name,
            f"{opt.monthly:,.2f}",
            f"{opt.read_monthly:,.2f}",
            f"{opt.write_monthly:,.2f}",
            Text(str(opt.throttled_hours), style="red" if opt.throttled else "green"),
        )
        if opt.detail:
            based_on.append(f"• {opt.label}: {opt.detail}\n", style="dim")
    best = estimate.option(estimate.recommended) if estimate.recommended else None
    if best is None:
        verdict = Text(
            "No option ran without throttling over the history: raise capacity or use on-demand.",
            style="yellow",
        )
    elif estimate.recommended == estimate.current:
        verdict = Text(
            f"Recommendation: keep {best.label} (${best.monthly:,.2f}/month), the cheapest that "
            "would not have throttled.",
            style="green",
        )
    else:
        verdict = Text(
            f"Recommendation: {best.label} (${best.monthly:,.2f}/month), the cheapest that would "
            "not have throttled.",
            style="bold green",
        )
    assumptions = Text("Assumptions:\n", style="bold dim")
    for line in estimate.assumptions:
        assumptions.append(f"• {line}\n", style="dim")
    return Group(title, table, Text(""), verdict, Text(""), based_on, assumptions)


def resource_row(res: CapacityResource, on_demand: bool) -> tuple[Text, ...]:
    """The cells of one row (the table or a GSI) under RESOURCE_COLUMNS."""
    busy = "BACKFILLING" if res.backfilling else res.status
    return (
        Text(f"GSI {res.index}" if res.index else "table", style="bold"),
        Text(busy, style=STATUS_STYLE.get(busy, "yellow")),
        _capacity_cell(res, on_demand),
        Text(res.warm.describe() if res.warm else "-", style="dim"),
        _scaling_cell(res.read_scaling),
        _scaling_cell(res.write_scaling),
        Text(
            "-" if on_demand else str(res.decreases_today),
            style="dim" if not res.decreases_today else "",
        ),
    )
