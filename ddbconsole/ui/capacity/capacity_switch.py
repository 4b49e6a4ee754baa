"""The billing-mode switch forms: to on-demand (with the 24-hour switch budget shown where the user
decides) and back to provisioned (a capacity for the table and every GSI, suggested from consumed
capacity, and the offer to restore remembered auto scaling)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Static

from ddbconsole.models import CapacityState, CapacitySuggestion, Throughput
from ddbconsole.services.capacity_rules import budget_text
from ddbconsole.services.plans import Plan
from ddbconsole.ui.capacity.capacity_forms import (
    CapacityForm,
    describe_target,
    field_row,
    max_units_rows,
    optional_int,
)
from ddbconsole.ui.common.plan_form import parse_int

FALLBACK_CAPACITY = 5  # when there is no consumed-capacity history to suggest from


def utc(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def switch_rules(state: CapacityState) -> Text:
    """The rules that decide whether a switch goes through, for the pane and the forms."""
    budget = state.switch_budget
    text = Text()
    text.append(budget_text(budget), style="bold red" if budget.remaining == 0 else "bold")
    text.append(
        ". AWS allows 4 switches from provisioned to on-demand per rolling 24 hours; back to "
        "provisioned is allowed any time; DynamoDB runs one table update at a time. Switches "
        "made outside ddbconsole (except the latest) are not counted here.",
        style="dim",
    )
    return text


@dataclass(frozen=True)
class OnDemandSwitchValues:
    max_read: int | None
    max_write: int | None


class OnDemandSwitchForm(CapacityForm[OnDemandSwitchValues]):
    def __init__(
        self,
        state: CapacityState,
        build: Callable[[OnDemandSwitchValues], Awaitable[Plan]],
    ) -> None:
        super().__init__(state, f"Switch {state.table} to on-demand (PAY_PER_REQUEST)", build)

    def compose_intro(self) -> Iterable[Widget]:
        state = self.state
        classes = "warning" if state.switch_budget.remaining == 0 else "intro"
        yield Static(switch_rules(state), id="budget", classes=classes)
        if state.autoscaling.targets:
            names = ", ".join(
                f"{t.index_name or 'table'} {t.side}" for t in state.autoscaling.targets
            )
            yield Static(
                f"Auto scaling ({names}) is removed when a table goes on-demand, as the AWS console "
                "does; ddbconsole saves it first and offers to restore it when you switch back.",
                classes="intro",
            )
        if state.busy:
            yield Static(
                f"{state.table} is being updated ({state.status}); wait until it is ACTIVE.",
                classes="warning",
            )

    def compose_fields(self) -> Iterable[Widget]:
        yield from max_units_rows("none", "blank: no maximum")

    def read_values(self) -> OnDemandSwitchValues:
        return OnDemandSwitchValues(
            optional_int(self.value("max-read"), "max-read", "maximum read units", minimum=1),
            optional_int(self.value("max-write"), "max-write", "maximum write units", minimum=1),
        )


@dataclass(frozen=True)
class ProvisionedSwitchValues:
    table: Throughput
    gsis: Mapping[str, Throughput]
    restore: bool


class ProvisionedSwitchForm(CapacityForm[ProvisionedSwitchValues]):
    """Rows `r-N`/`w-N` are the table (N=0) and the GSIs in DescribeTable's order."""

    def __init__(
        self,
        state: CapacityState,
        suggestions: Mapping[str | None, CapacitySuggestion] | None,
        suggestion_note: str,
        build: Callable[[ProvisionedSwitchValues], Awaitable[Plan]],
    ) -> None:
        super().__init__(state, f"Switch {state.table} to provisioned", build)
        self.suggestions = dict(suggestions or {})
        self.suggestion_note = suggestion_note

    def compose_intro(self) -> Iterable[Widget]:
        yield Static(
            "On-demand -> provisioned is allowed any time (switching back to on-demand counts "
            "against the 4 per 24 hours). Give read and write capacity units for the table and "
            f"every GSI. {self.suggestion_note}",
            classes="intro",
        )
        if self.state.busy:
            yield Static(
                f"{self.state.table} is being updated ({self.state.status}); wait until it is "
                "ACTIVE.",
                classes="warning",
            )

    def compose_fields(self) -> Iterable[Widget]:
        for n, res in enumerate(self.state.resources):
            tip = self.suggestions.get(res.index)
            remembered = self.state.remembered
            # Never below the remembered auto scaling minimum: that floor was chosen on purpose.
            floor = {
                side: (t.min_capacity if (t := remembered.target(side, res.index)) else 0)
                if remembered is not None else 0
                for side in ("read", "write")
            }  # fmt: skip
            read = str(max(tip.read if tip else FALLBACK_CAPACITY, floor["read"]))
            write = str(max(tip.write if tip else FALLBACK_CAPACITY, floor["write"]))
            read_hint = f"peak hourly average {tip.read_peak:.1f}/s" if tip else "no history"
            write_hint = f"peak hourly average {tip.write_peak:.1f}/s" if tip else "no history"
            label = "table" if res.index is None else f"GSI {res.index}"
            yield field_row(f"{label} read", Input(read, id=f"r-{n}", compact=True), read_hint)
            yield field_row(f"{label} write", Input(write, id=f"w-{n}", compact=True), write_hint)
        remembered = self.state.remembered
        if remembered is not None and remembered.targets:
            lines = "; ".join(
                f"{t.index_name or 'table'} {t.side} {describe_target(t)}"
                for t in remembered.targets
            )
            yield Checkbox(
                f"Restore the auto scaling saved {utc(remembered.saved_at)}",
                value=True,
                id="restore",
            )
            yield Static(lines, classes="intro")

    def read_values(self) -> ProvisionedSwitchValues:
        found: dict[str | None, Throughput] = {}
        for n, res in enumerate(self.state.resources):
            read = parse_int(self.value(f"r-{n}"), f"r-{n}", f"read capacity of {res.label}")
            write = parse_int(self.value(f"w-{n}"), f"w-{n}", f"write capacity of {res.label}")
            found[res.index] = Throughput(read, write)
        restore = self.query("#restore")
        return ProvisionedSwitchValues(
            table=found.pop(None),
            gsis={str(k): v for k, v in found.items()},
            restore=bool(restore) and self.query_one("#restore", Checkbox).value,
        )
