"""The alarm preset form: create an alarm on a table (or a GSI) from a preset, or edit its thresholds.

The form only reads what was typed into an AlarmPreset and checks it (services.alarm_presets.validate,
nothing sent); errors show under the fields and the form stays open with the values as typed. The
pane then confirms the exact PutMetricAlarm request and sends it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ddbconsole.errors import UserInputError
from ddbconsole.models import AlarmPreset, AlarmPresetKind, TableInfo
from ddbconsole.services.alarm_presets import SYSTEM_ERROR_OPERATIONS, describe, validate
from ddbconsole.services.metrics import OPERATIONS
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.form_keys import ENTER_REVIEWS, FormKeys, focus_field
from ddbconsole.ui.common.plan_form import FieldError, parse_number

TABLE = "__table__"
KINDS: tuple[tuple[str, AlarmPresetKind], ...] = (
    ("Consumed capacity above X % of provisioned", "capacity"),
    ("Any throttling", "throttling"),
    ("Any system errors", "system-errors"),
    ("Latency above X ms", "latency"),
)
# Which inputs each kind uses (the others are hidden).
FIELDS: dict[str, tuple[str, ...]] = {
    "capacity": ("target", "side", "percent", "units"),
    "throttling": ("target",),
    "system-errors": (),
    "latency": ("operation", "threshold"),
}


def _number(raw: str, field: str, what: str, *, blank: float | None = None) -> float | None:
    value = parse_number(raw, field, what, blank=blank)
    if raw.strip() and value is not None and value <= 0:  # blank gives `blank`, unchecked
        raise FieldError(field, f"Invalid {what}", f"must be above 0 (got {raw.strip()})")
    return value


def _minutes(raw: str) -> int:
    text = raw.strip()
    if not text.isdigit() or not 1 <= int(text) <= 1440:
        raise FieldError(
            "minutes",
            "Invalid duration",
            f"whole minutes from 1 to 1440 (got {text!r})",
        )
    return int(text)


class AlarmForm(FormKeys, ConsoleBase, ModalScreen[AlarmPreset | None]):
    """Create (`preset=None`) or edit an alarm preset on `table`."""

    DEFAULT_CSS = """
    AlarmForm { align: center middle; }
    AlarmForm > Vertical { width: 90; max-width: 100%; height: auto; max-height: 95%;
        border: thick $accent;
        background: $surface; padding: 1 2; }
    AlarmForm .row { height: 1; margin-bottom: 1; }
    AlarmForm .row > Label { width: 22; }
    AlarmForm .row > Select, AlarmForm .row > Input { width: 1fr; }
    AlarmForm #alarm-error { color: $error; height: auto; }
    AlarmForm #alarm-preview { color: $text-muted; height: auto; margin-bottom: 1; }
    AlarmForm Horizontal.buttons { height: auto; }
    AlarmForm Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="alarm_form_cancel"),
        Binding("ctrl+s", "save", "Save alarm", id="alarm_form_save"),
        ENTER_REVIEWS,
    ]
    REVIEW_ACTION = "save"

    def __init__(self, table: TableInfo, preset: AlarmPreset | None = None) -> None:
        super().__init__()
        self.table = table
        self.editing = preset is not None
        self.initial = preset or AlarmPreset(kind="capacity", table=table.name)

    def compose(self) -> ComposeResult:
        p = self.initial
        verb = "Edit alarm thresholds" if self.editing else "Create an alarm"
        targets = [(f"table {self.table.name}", TABLE)] + [
            (f"GSI {g.name}", g.name) for g in self.table.gsis
        ]
        with Vertical():
            yield Label(f"[b]{verb}[/b] on {self.table.name}")
            yield Static("", id="alarm-preview")
            with Horizontal(classes="row"):
                yield Label("Preset")
                yield Select(
                    [(label, kind) for label, kind in KINDS], value=p.kind, allow_blank=False,
                    id="kind", compact=True, disabled=self.editing,
                )  # fmt: skip
            with Horizontal(classes="row", id="row-target"):
                yield Label("On")
                yield Select(
                    targets, value=p.index or TABLE, allow_blank=False, id="target",
                    compact=True, disabled=self.editing,
                )  # fmt: skip
            with Horizontal(classes="row", id="row-side"):
                yield Label("Capacity")
                yield Select(
                    [("read", "read"), ("write", "write")], value=p.side, allow_blank=False,
                    id="side", compact=True, disabled=self.editing,
                )  # fmt: skip
            with Horizontal(classes="row", id="row-percent"):
                yield Label("Above % of capacity")
                yield Input(f"{p.percent:g}", id="percent", compact=True)
            with Horizontal(classes="row", id="row-units"):
                yield Label("Against units/s")
                yield Input(
                    "" if p.capacity_units is None else f"{p.capacity_units:g}",
                    placeholder="blank: provisioned (on-demand tables: give units/s)",
                    id="units",
                    compact=True,
                )
            with Horizontal(classes="row", id="row-operation"):
                yield Label("Operation")
                yield Select(
                    [(op, op) for op in OPERATIONS], value=p.operation, allow_blank=False,
                    id="operation", compact=True, disabled=self.editing,
                )  # fmt: skip
            with Horizontal(classes="row", id="row-threshold"):
                yield Label("Above ms")
                yield Input(f"{p.threshold_ms:g}", id="threshold", compact=True)
            with Horizontal(classes="row"):
                yield Label("For minutes")
                yield Input(str(p.minutes), id="minutes", compact=True)
            with Horizontal(classes="row"):
                yield Label("SNS topic ARN")
                yield Input(
                    p.sns_topic_arn or "",
                    placeholder="optional: arn:aws:sns:region:account:topic",
                    id="sns",
                    compact=True,
                )
            yield Static("", id="alarm-error")
            with Horizontal(classes="buttons"):
                yield Button("Save" if self.editing else "Create", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show_fields()
        first = "#threshold" if self.initial.kind == "latency" else "#percent"
        if self.editing and self.initial.kind in ("capacity", "latency"):
            self.query_one(first, Input).focus()
        elif self.editing:
            self.query_one("#minutes", Input).focus()
        else:
            self.query_one("#kind", Select).focus()

    def _kind(self) -> str:
        return str(self.query_one("#kind", Select).value)

    def _show_fields(self) -> None:
        used = FIELDS.get(self._kind(), ())
        for name in ("target", "side", "percent", "units", "operation", "threshold"):
            self.query_one(f"#row-{name}").display = name in used
        self._preview()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "kind":
            self._show_fields()
        else:
            self._preview()

    @on(Input.Changed)
    def _input_changed(self) -> None:
        self._preview()

    def _preview(self) -> None:
        try:
            text = Text(describe(self.read_preset()), style="italic")
        except UserInputError:
            text = Text("")
        self.query_one("#alarm-preview", Static).update(text)

    def read_preset(self) -> AlarmPreset:
        """The preset as typed; FieldError naming the field when something is wrong."""
        kind = self._kind()
        target = self.query_one("#target", Select).value
        index = None if target == TABLE or kind not in ("capacity", "throttling") else str(target)
        values: dict[str, Any] = {
            "kind": kind,
            "table": self.table.name,
            "index": index,
            "minutes": _minutes(self.query_one("#minutes", Input).value),
            "sns_topic_arn": self.query_one("#sns", Input).value.strip() or None,
        }
        if kind == "capacity":
            values["side"] = str(self.query_one("#side", Select).value)
            values["percent"] = _number(
                self.query_one("#percent", Input).value, "percent", "percentage"
            )
            values["capacity_units"] = (
                _number(self.query_one("#units", Input).value, "units", "capacity", blank=0.0)
                or None
            )
            if values["capacity_units"] is None and self._on_demand(index):
                raise FieldError(
                    "units",
                    "On-demand has no provisioned capacity",
                    "give the capacity in units per second to compare against",
                )
        if kind == "latency":
            values["operation"] = str(self.query_one("#operation", Select).value)
            values["threshold_ms"] = _number(
                self.query_one("#threshold", Input).value, "threshold", "latency threshold"
            )
        preset = replace(self.initial, **values)
        if kind == "system-errors" and preset.operation not in SYSTEM_ERROR_OPERATIONS:
            preset = replace(preset, operation="GetItem")
        try:
            validate(preset)
        except FieldError:
            raise
        except UserInputError as exc:
            field = (
                "sns" if "SNS" in exc.title else "minutes" if "duration" in exc.title else "kind"
            )
            raise FieldError(field, exc.title, exc.advice) from None
        return preset

    def _on_demand(self, index: str | None) -> bool:
        if self.table.billing_mode == "PAY_PER_REQUEST":
            return True
        throughput = (
            self.table.provisioned if index is None else self.table.index(index).provisioned
        )
        return throughput is None

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        try:
            preset = self.read_preset()
        except FieldError as exc:
            self.query_one("#alarm-error", Static).update(f"{exc.title}: {exc.advice}")
            focus_field(self.query_one(f"#{exc.field}"))
            self.ctx.report_error(exc)
            return
        self.dismiss(preset)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
