"""Small forms of the Settings tab: TTL, stream, tags, add GSI, delete GSI.

Each reads what the user typed (kept on any error), asks the table admin service for the plan
(which checks DynamoDB's rules; nothing is sent) and closes with a `Change` for the pane to confirm
and execute. Errors show under the fields and go through the app's error funnel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from ddbconsole.errors import DdbConsoleError, UserInputError
from ddbconsole.models import IndexSpec, KeySpec, TableInfo
from ddbconsole.ui.errors import WorkerErrors
from ddbconsole.ui.screens.capacity_forms import Change, FieldError
from ddbconsole.ui.screens.create_table import (
    FORM_CSS,
    STREAM_OFF,
    STREAMS,
    IndexRow,
    parse_tags,
    row,
)

if TYPE_CHECKING:
    from ddbconsole.ui.app import DdbConsoleApp

V = TypeVar("V")


class SettingsForm(WorkerErrors, ModalScreen[Change | None], Generic[V]):
    DEFAULT_CSS = (
        FORM_CSS.format(name="SettingsForm")
        + """
    SettingsForm TextArea { height: 10; margin-bottom: 1; }
    """
    )
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="settings_form_cancel"),
        Binding("ctrl+s", "submit", "Review request", id="settings_form_submit"),
    ]

    def __init__(
        self, info: TableInfo, title: str, intro: str, build: Callable[[V], Awaitable[Change]]
    ) -> None:
        super().__init__()
        self.info = info
        self.title_text = title
        self.intro = intro
        self.build = build

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(f"[b]{self.title_text}[/b]")
            yield Static(self.intro, classes="intro")
            with Vertical(id="fields"):
                yield from self.compose_fields()
            yield Static("", id="form-error")
            yield Static("", id="form-status")
            with Horizontal(classes="buttons"):
                yield Button("Review request", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def compose_fields(self) -> Iterable[Widget]:
        raise NotImplementedError

    def read_values(self) -> V:
        raise NotImplementedError

    def on_mount(self) -> None:
        focusable = [w for w in self.query("#fields *") if w.focusable]
        if focusable:
            focusable[0].focus()

    def say(self, which: str, text: Text | str) -> None:
        line = self.query_one(f"#form-{which}", Static)
        line.update(text)
        line.display = bool(text)

    def show_error(self, exc: DdbConsoleError) -> None:
        text = Text(exc.title, style="bold")
        if exc.advice:
            text.append(f": {exc.advice}")
        self.say("error", text)
        self.say("status", "")
        if isinstance(exc, FieldError) and self.query(f"#{exc.field}"):
            self.query(f"#{exc.field}").first().focus()

    @on(Button.Pressed, "#submit")
    @on(Input.Submitted)
    def action_submit(self) -> None:
        self.say("error", "")
        try:
            values = self.read_values()
        except UserInputError as exc:
            self.show_error(exc)
            return
        self._plan(values)

    @work(exclusive=True, exit_on_error=False, group="table-plan")
    async def _plan(self, values: V) -> None:
        self.say("status", "Checking the rules and building the request…")
        try:
            change = await self.build(values)
        except DdbConsoleError as exc:
            self.show_error(exc)
            app: DdbConsoleApp = self.app  # type: ignore[assignment]
            app.report_error(exc, source="table-plan")
            return
        self.dismiss(change)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class TtlValues:
    enabled: bool
    attribute: str


class TtlForm(SettingsForm[TtlValues]):
    def compose_fields(self) -> Iterable[Widget]:
        on = self.info.ttl_status in ("ENABLED", "ENABLING")
        yield Checkbox("TTL enabled", value=on, id="ttl-enabled")
        yield row(
            "TTL attribute",
            Input(self.info.ttl_attribute or "", placeholder="e.g. expires_at", id="ttl-attribute"),
            hint="a Number attribute holding epoch seconds",
        )

    def read_values(self) -> TtlValues:
        enabled = self.query_one("#ttl-enabled", Checkbox).value
        attribute = self.query_one("#ttl-attribute", Input).value.strip()
        if enabled and not attribute:
            raise FieldError("ttl-attribute", "The TTL attribute is required", "type its name")
        return TtlValues(enabled, attribute)


class StreamForm(SettingsForm[str | None]):
    def compose_fields(self) -> Iterable[Widget]:
        current = self.info.stream_view_type if self.info.stream_enabled else STREAM_OFF
        yield row(
            "Stream",
            Select(STREAMS, value=current or STREAM_OFF, allow_blank=False, id="stream-view"),
        )

    def read_values(self) -> str | None:
        value = self.query_one("#stream-view", Select).value
        return None if value == STREAM_OFF else str(value)


class TagsForm(SettingsForm[dict[str, str]]):
    def compose_fields(self) -> Iterable[Widget]:
        text = "\n".join(f"{k}={v}" for k, v in sorted(self.info.tags.items()))
        yield TextArea(text, id="tags-text", show_line_numbers=False)

    def read_values(self) -> dict[str, str]:
        pairs = parse_tags(self.query_one("#tags-text", TextArea).text, "tags-text")
        keys = [k for k, _ in pairs]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise FieldError("tags-text", f"Tag key given twice: {', '.join(dupes)}", "each once")
        return dict(pairs)


@dataclass(frozen=True)
class GsiValues:
    index: IndexSpec
    local: bool


class AddGsiForm(SettingsForm[GsiValues]):
    def compose_fields(self) -> Iterable[Widget]:
        yield row(
            "Index type",
            Select(
                [("Global (GSI)", "GSI"), ("Local (LSI): only at table creation", "LSI")],
                value="GSI",
                allow_blank=False,
                id="index-kind",
            ),
        )
        yield IndexRow("GSI", 0, removable=False)

    def read_values(self) -> GsiValues:
        local = self.query_one("#index-kind", Select).value == "LSI"
        info = self.info
        pk = KeySpec(info.partition_key.name, info.partition_key.type)  # type: ignore[arg-type]
        index = self.query_one(IndexRow).read_spec(info.billing_mode, pk)
        return GsiValues(index, local)


class DeleteGsiForm(SettingsForm[str]):
    def compose_fields(self) -> Iterable[Widget]:
        names = [g.name for g in self.info.gsis]
        yield row(
            "GSI to delete",
            Select([(n, n) for n in names], value=names[0], allow_blank=False, id="gsi-name"),
        )

    def read_values(self) -> str:
        return str(self.query_one("#gsi-name", Select).value)
