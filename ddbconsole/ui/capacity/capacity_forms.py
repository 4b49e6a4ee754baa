"""Small forms of the Capacity tab. Each reads what the user typed (keeping it on any error), asks
the capacity service for the plan (which checks AWS's rules before anything is sent) and returns a
a `Plan`: the exact requests, for the pane to confirm and send.

Errors from the form's own parsing and from the service's rules appear under the fields (and go
through the app's error funnel); the form stays open with the values as typed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from textual import on
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from ddbconsole.errors import UserInputError
from ddbconsole.models import (
    CapacityResource,
    CapacityState,
    ScalableTargetInfo,
    ScalingSide,
)
from ddbconsole.services.plans import Plan
from ddbconsole.ui.common.plan_form import FieldError, PlanForm, parse_int

if TYPE_CHECKING:
    pass

TABLE = "__table__"  # the Select value meaning "the table itself" (GSI names are the others)
SIDES: dict[str, tuple[ScalingSide, ...]] = {
    "both": ("read", "write"),
    "read": ("read",),
    "write": ("write",),
}

V = TypeVar("V")

__all__ = ["FieldError"]  # re-exported for the capacity pane


def optional_int(raw: str, field: str, what: str, minimum: int = 0) -> int | None:
    text = raw.strip()
    return None if not text else parse_int(text, field, what, minimum=minimum)


def max_units_rows(placeholder: str, hint: str) -> Iterable[Widget]:
    """The on-demand maximum fields (#max-read, #max-write)."""
    for side in ("read", "write"):
        yield field_row(
            f"Maximum {side} units/s",
            Input(placeholder=placeholder, id=f"max-{side}", compact=True),
            hint,
        )


def target_options(state: CapacityState) -> list[tuple[str, str]]:
    return [("table " + state.table, TABLE)] + [
        (f"GSI {g.index}", str(g.index)) for g in state.gsis
    ]


def target_value(index: str | None) -> str:
    return TABLE if index is None else index


def index_of(value: object) -> str | None:
    return None if value == TABLE or value is Select.BLANK else str(value)


def field_row(label: str, field: Widget, hint: str = "") -> Horizontal:
    return Horizontal(
        Label(label, classes="field-label"), field, Label(hint, classes="hint"), classes="field"
    )


class CapacityForm(PlanForm[V]):
    """A capacity change form over the table's CapacityState."""

    index: str | None = None  # the GSI the form acts on (None: the table)

    DEFAULT_CSS = """
    CapacityForm { align: center middle; }
    CapacityForm > VerticalScroll { width: 96; max-width: 100%; height: auto; max-height: 90%;
        border: thick $accent;
        background: $surface; padding: 1 2; }
    CapacityForm .intro { color: $text-muted; margin-bottom: 1; }
    CapacityForm .warning { color: $warning; margin-bottom: 1; }
    CapacityForm .field { height: 1; margin-bottom: 1; }
    CapacityForm .field-label { width: 26; }
    CapacityForm #fields { height: auto; }
    CapacityForm .field Input { width: 14; background: $boost; }
    CapacityForm .field Select { width: 34; }
    CapacityForm .hint { color: $text-muted; margin-left: 2; width: 1fr; }
    CapacityForm #form-error { color: $error; height: auto; margin-top: 1; display: none; }
    CapacityForm #form-status { color: $text-muted; height: auto; margin-top: 1; display: none; }
    CapacityForm .buttons { height: auto; margin-top: 1; }
    CapacityForm Button { margin-right: 2; }
    CapacityForm .buttons .hint { padding-top: 1; }
    CapacityForm Checkbox { margin-bottom: 1; }
    """

    def __init__(
        self, state: CapacityState, title: str, build: Callable[[V], Awaitable[Plan]]
    ) -> None:
        super().__init__(title, build)
        self.state = state

    def target_row(self) -> Horizontal:
        """The "Table or index" select, on the row the form was opened for (`self.index`)."""
        return field_row(
            "Table or index",
            Select(
                target_options(self.state),
                value=target_value(self.index),
                allow_blank=False,
                id="target",
                compact=True,
            ),
        )

    def on_mount(self) -> None:
        first = self.query(Input).first() if self.query(Input) else None
        if first is not None:
            first.focus()


# --- provisioned throughput, on-demand maximum ---------------------------------------------------


@dataclass(frozen=True)
class ThroughputValues:
    index: str | None
    read: int
    write: int


class ThroughputForm(CapacityForm[ThroughputValues]):
    def __init__(
        self,
        state: CapacityState,
        index: str | None,
        build: Callable[[ThroughputValues], Awaitable[Plan]],
    ) -> None:
        super().__init__(state, f"Edit provisioned throughput of {state.table}", build)
        self.index = index

    def compose_intro(self) -> Iterable[Widget]:
        yield Static(
            "Capacity units are at least 1 and within the account's limits (DescribeLimits). "
            "Increases: any time. Decreases: 4 per UTC day at any time, then one per hour without "
            "a decrease in the hour before (27 a day).",
            classes="intro",
        )

    def compose_fields(self) -> Iterable[Widget]:
        res = self.state.resource(self.index)
        current = res.provisioned
        yield self.target_row()
        yield field_row(
            "Read capacity units",
            Input(str(current.read or "") if current else "", id="read", compact=True),
        )
        yield field_row(
            "Write capacity units",
            Input(str(current.write or "") if current else "", id="write", compact=True),
        )
        yield Static(self._current(res), id="current", classes="intro")

    @staticmethod
    def _current(res: CapacityResource) -> str:
        now = res.provisioned.describe() if res.provisioned else "-"
        text = f"{res.label}: now {now}; {res.decreases_today} decrease(s) today"
        scaled = [
            f"{side} ({t.min_capacity}..{t.max_capacity})"
            for side, t in (("read", res.read_scaling), ("write", res.write_scaling))
            if t is not None
        ]
        if scaled:  # a manual value would only last until the next scaling action
            text += (
                f". Auto scaling is on for {' and '.join(scaled)} and will override a manual"
                " value: to keep capacity up, raise its minimum instead (a, Auto scaling)"
            )
        return text

    @on(Select.Changed, "#target")
    def target_changed(self, event: Select.Changed) -> None:
        index = index_of(event.value)
        if index == self.index:
            return
        self.index = index
        res = self.state.resource(index)
        tp = res.provisioned
        self.query_one("#read", Input).value = str(tp.read or "") if tp else ""
        self.query_one("#write", Input).value = str(tp.write or "") if tp else ""
        self.query_one("#current", Static).update(self._current(res))

    def read_values(self) -> ThroughputValues:
        read = parse_int(self.value("read"), "read", "read capacity")
        write = parse_int(self.value("write"), "write", "write capacity")
        assert read is not None and write is not None
        return ThroughputValues(self.index, read, write)


@dataclass(frozen=True)
class OnDemandMaxValues:
    index: str | None
    max_read: int | None  # None: keep; -1: no maximum
    max_write: int | None


class OnDemandMaxForm(CapacityForm[OnDemandMaxValues]):
    def __init__(
        self,
        state: CapacityState,
        index: str | None,
        build: Callable[[OnDemandMaxValues], Awaitable[Plan]],
    ) -> None:
        super().__init__(state, f"Edit on-demand maximum throughput of {state.table}", build)
        self.index = index

    def compose_intro(self) -> Iterable[Widget]:
        yield Static(
            "Caps the request units per second an on-demand table or index may consume "
            "(requests above it are throttled). Leave a side blank to keep it; -1 removes the "
            "maximum.",
            classes="intro",
        )

    def compose_fields(self) -> Iterable[Widget]:
        yield self.target_row()
        yield from max_units_rows("keep", "blank: keep; -1: none")
        yield Static(self._current(), id="current", classes="intro")

    def _current(self) -> str:
        res = self.state.resource(self.index)
        limit = res.on_demand_max
        now = f"maximum {limit.describe()}" if limit else "no maximum"
        return f"{res.label} now: {now}"

    @on(Select.Changed, "#target")
    def target_changed(self, event: Select.Changed) -> None:
        self.index = index_of(event.value)
        self.query_one("#current", Static).update(self._current())

    def read_values(self) -> OnDemandMaxValues:
        def one(field: str, what: str) -> int | None:
            if self.value(field).strip() == "-1":
                return -1
            return optional_int(self.value(field), field, what, minimum=1)

        return OnDemandMaxValues(
            self.index,
            one("max-read", "maximum read units"),
            one("max-write", "maximum write units"),
        )


# --- auto scaling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AutoScalingValues:
    index: str | None
    sides: tuple[ScalingSide, ...]
    min_capacity: int
    max_capacity: int
    target: float
    scale_in_cooldown: int | None
    scale_out_cooldown: int | None


def _sides_select(value: str) -> Select[str]:
    return Select(
        [("read and write", "both"), ("read", "read"), ("write", "write")],
        value=value,
        allow_blank=False,
        id="side",
        compact=True,
    )


def scaling_summary(res: CapacityResource) -> str:
    parts = []
    for side in SIDES["both"]:
        target = res.scaling(side)
        parts.append(f"{side} {describe_target(target) if target else 'off'}")
    return f"{res.label}: " + "; ".join(parts)


def describe_target(target: ScalableTargetInfo) -> str:
    """`5..100 at 70 % (cooldown in 60s, out 30s)`."""
    text = f"{target.min_capacity}..{target.max_capacity}"
    tracking = target.target_tracking
    if tracking is not None and tracking.target_value is not None:
        text += f" at {tracking.target_value:g} %"
        cooldowns = []
        if tracking.scale_in_cooldown is not None:
            cooldowns.append(f"in {tracking.scale_in_cooldown}s")
        if tracking.scale_out_cooldown is not None:
            cooldowns.append(f"out {tracking.scale_out_cooldown}s")
        if cooldowns:
            text += f" (cooldown {', '.join(cooldowns)})"
    elif target.policies:
        text += f" ({target.policies[0].policy_type})"
    else:
        text += " (no policy)"
    if target.suspended:
        text += f" suspended: {', '.join(target.suspended)}"
    return text


class AutoScalingForm(CapacityForm[AutoScalingValues]):
    def __init__(
        self,
        state: CapacityState,
        index: str | None,
        build: Callable[[AutoScalingValues], Awaitable[Plan]],
        *,
        default_min: int,
        default_max: int,
        default_target: float,
    ) -> None:
        super().__init__(state, f"Auto scaling of {state.table}", build)
        self.index = index
        self.defaults = (default_min, default_max, default_target)

    def compose_intro(self) -> Iterable[Widget]:
        yield Static(
            "Target tracking through Application Auto Scaling: capacity follows consumption to keep "
            "utilisation at the target, within min..max. Registers (or updates) the scalable target "
            "and puts the DynamoDB{Read,Write}CapacityUtilization policy. Blank cooldowns use "
            "AWS's defaults.",
            classes="intro",
        )

    def compose_fields(self) -> Iterable[Widget]:
        yield self.target_row()
        yield field_row("Side", _sides_select("both"))
        yield field_row("Minimum capacity", Input(id="min", compact=True), "units")
        yield field_row("Maximum capacity", Input(id="max", compact=True), "units")
        yield field_row("Target utilisation", Input(id="target-value", compact=True), "% (20-90)")
        yield field_row(
            "Scale-in cooldown",
            Input(placeholder="default", id="scale-in", compact=True),
            "seconds",
        )
        yield field_row(
            "Scale-out cooldown",
            Input(placeholder="default", id="scale-out", compact=True),
            "seconds",
        )
        yield Static("", id="current", classes="intro")

    def on_mount(self) -> None:
        self._prefill()
        super().on_mount()

    def _prefill(self) -> None:
        res = self.state.resource(self.index)
        existing = res.read_scaling or res.write_scaling
        low, high, target = self.defaults
        values = {"min": str(low), "max": str(high), "target-value": f"{target:g}"}
        values["scale-in"] = values["scale-out"] = ""
        if existing is not None:
            values["min"], values["max"] = str(existing.min_capacity), str(existing.max_capacity)
            tracking = existing.target_tracking
            if tracking is not None:
                if tracking.target_value is not None:
                    values["target-value"] = f"{tracking.target_value:g}"
                for field, seconds in (
                    ("scale-in", tracking.scale_in_cooldown),
                    ("scale-out", tracking.scale_out_cooldown),
                ):
                    values[field] = "" if seconds is None else str(seconds)
        for field, value in values.items():
            self.query_one(f"#{field}", Input).value = value
        self.query_one("#current", Static).update("Now: " + scaling_summary(res))

    @on(Select.Changed, "#target")
    def target_changed(self, event: Select.Changed) -> None:
        index = index_of(event.value)
        if index != self.index:
            self.index = index
            self._prefill()

    def read_values(self) -> AutoScalingValues:
        low = parse_int(self.value("min"), "min", "minimum capacity")
        high = parse_int(self.value("max"), "max", "maximum capacity")
        assert low is not None and high is not None
        if high < low:
            raise FieldError(
                "max", "Maximum below minimum", f"need minimum <= maximum ({low} > {high})"
            )
        raw = self.value("target-value").strip().rstrip("%").strip()
        try:
            target = float(raw)
        except ValueError:
            raise FieldError(
                "target-value", "Invalid target utilisation", f"type a percentage (got {raw!r})"
            ) from None
        side = str(self.query_one("#side", Select).value)
        return AutoScalingValues(
            self.index,
            SIDES.get(side, ("read", "write")),
            low,
            high,
            target,
            optional_int(self.value("scale-in"), "scale-in", "scale-in cooldown"),
            optional_int(self.value("scale-out"), "scale-out", "scale-out cooldown"),
        )


@dataclass(frozen=True)
class DisableValues:
    index: str | None
    sides: tuple[ScalingSide, ...]


class DisableAutoScalingForm(CapacityForm[DisableValues]):
    def __init__(
        self,
        state: CapacityState,
        index: str | None,
        build: Callable[[DisableValues], Awaitable[Plan]],
    ) -> None:
        super().__init__(state, f"Disable auto scaling of {state.table}", build)
        self.index = index

    def compose_intro(self) -> Iterable[Widget]:
        yield Static(
            "Deletes the scaling policies and deregisters the scalable target; the provisioned "
            "capacity stays at its current value.",
            classes="intro",
        )

    def compose_fields(self) -> Iterable[Widget]:
        yield self.target_row()
        yield field_row("Side", _sides_select("both"))
        yield Static(
            "Now: " + scaling_summary(self.state.resource(self.index)),
            id="current",
            classes="intro",
        )

    def on_mount(self) -> None:
        self.query_one("#submit", Button).focus()

    @on(Select.Changed, "#target")
    def target_changed(self, event: Select.Changed) -> None:
        self.index = index_of(event.value)
        res = self.state.resource(self.index)
        self.query_one("#current", Static).update("Now: " + scaling_summary(res))

    def read_values(self) -> DisableValues:
        side = str(self.query_one("#side", Select).value)
        res = self.state.resource(self.index)
        sides = tuple(s for s in SIDES.get(side, ()) if res.scaling(s) is not None)
        if not sides:
            raise UserInputError(
                f"No {'' if side == 'both' else side + ' '}auto scaling on {res.label}",
                "there is nothing to disable",
            )
        return DisableValues(self.index, sides)
