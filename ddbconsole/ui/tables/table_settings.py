"""Small forms of the Settings tab: TTL, stream, tags, add GSI, delete GSI.

Each reads what the user typed (kept on any error), asks the table admin service for the plan
(which checks DynamoDB's rules; nothing is sent) and closes with a `Plan` for the pane to confirm
and execute. Errors show under the fields and go through the app's error funnel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from ddbconsole.models import IndexSpec, KeySpec, TableInfo
from ddbconsole.services.plans import Plan
from ddbconsole.ui.common.plan_form import FieldError, PlanForm
from ddbconsole.ui.tables.create_table import (
    FORM_CSS,
    STREAM_OFF,
    STREAMS,
    IndexRow,
    parse_tags,
    row,
)

if TYPE_CHECKING:
    pass

V = TypeVar("V")


class SettingsForm(PlanForm[V]):
    DEFAULT_CSS = (
        FORM_CSS.format(name="SettingsForm")
        + """
    SettingsForm TextArea { height: 10; margin-bottom: 1; }
    """
    )

    def __init__(
        self, info: TableInfo, title: str, intro: str, build: Callable[[V], Awaitable[Plan]]
    ) -> None:
        super().__init__(title, build)
        self.info = info
        self.intro = intro

    def compose_intro(self) -> Iterable[Widget]:
        yield Static(self.intro, classes="intro")


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
