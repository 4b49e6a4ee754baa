"""The Settings tab: the full DescribeTable (+ TTL, PITR, tags) of the selected table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ddbconsole.models import IndexInfo, KeyAttribute, TableInfo

STATUS_STYLE = {"ACTIVE": "green", "ENABLED": "green", "DISABLED": "dim"}


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _keys(keys: tuple[KeyAttribute, ...]) -> str:
    return ", ".join(
        f"{k.name} ({k.type}, {'partition' if k.role == 'HASH' else 'sort'})" for k in keys
    )


def _status(value: str | None) -> Text:
    if value is None:
        return Text("unknown", style="dim")
    return Text(value, style=STATUS_STYLE.get(value, "yellow"))


def _capacity(info: TableInfo | IndexInfo, on_demand: bool) -> str:
    if on_demand:
        limit = info.on_demand_max
        return "on-demand" + (f", max {limit.describe()}" if limit else ", no maximum")
    return f"provisioned {info.provisioned.describe()}" if info.provisioned else "provisioned"


def _last_switch(info: TableInfo, recorded: tuple[datetime | None, bool] | None) -> Text:
    """As the Capacity tab shows it: DescribeTable's time, else ddbconsole's own record."""
    at = info.last_billing_switch
    if at is None and recorded is not None and recorded[0] is not None:
        text = Text(recorded[0].isoformat(sep=" ", timespec="seconds"))
        text.append("  (ddbconsole's record; DescribeTable reports none)", style="dim")
        return text
    return Text(at.isoformat(sep=" ", timespec="seconds") if at else "-")


def render_table(
    info: TableInfo, recorded: tuple[datetime | None, bool] | None = None
) -> RenderableType:
    on_demand = info.billing_mode == "PAY_PER_REQUEST"
    overview = Table.grid(padding=(0, 2))
    overview.add_column(style="bold")
    overview.add_column()
    rows: list[tuple[str, RenderableType]] = [
        ("Table", Text(info.name, style="bold")),
        ("ARN", info.arn),
        ("Status", _status(info.status)),
        ("Keys", _keys(info.keys)),
        (
            "Attribute definitions",
            ", ".join(f"{n}: {t}" for n, t in sorted(info.attribute_definitions.items())),
        ),
        ("Billing mode", info.billing_mode),
        ("Capacity", _capacity(info, on_demand)),
        ("Warm throughput", info.warm_throughput.describe() if info.warm_throughput else "-"),
        ("Items (approx.)", f"{info.item_count:,}"),
        ("Size (approx.)", human_bytes(info.size_bytes)),
        ("Created", info.created.isoformat(sep=" ", timespec="seconds") if info.created else "-"),
        ("Table class", info.table_class),
        (
            "Stream",
            f"enabled, {info.stream_view_type}" if info.stream_enabled else Text("disabled", "dim"),
        ),
        (
            "TTL",
            Text.assemble(
                _status(info.ttl_status), f" ({info.ttl_attribute})" if info.ttl_attribute else ""
            ),
        ),
        ("Point-in-time recovery", _status(info.pitr_status)),
        (
            "Deletion protection",
            Text("on", style="green") if info.deletion_protection else Text("off", style="yellow"),
        ),
        ("Last switch to on-demand", _last_switch(info, recorded)),
        (
            "Tags",
            ", ".join(f"{k}={v}" for k, v in sorted(info.tags.items())) or Text("none", "dim"),
        ),
    ]
    for label, value in rows:
        overview.add_row(label, value)
    parts: list[RenderableType] = [overview]
    if info.indexes:
        indexes = Table(title="Indexes", title_justify="left", expand=True)
        for column in ("Name", "Type", "Keys", "Projection", "Status", "Capacity", "Items"):
            indexes.add_column(column)
        for idx in info.indexes:
            projection = idx.projection
            if idx.projected_attributes:
                projection += " (" + ", ".join(idx.projected_attributes) + ")"
            status = _status(idx.status)
            if idx.backfilling:
                status.append(" backfilling", style="yellow")
            indexes.add_row(
                idx.name,
                idx.kind,
                _keys(idx.keys),
                projection,
                status,
                "table's" if idx.kind == "LSI" else _capacity(idx, on_demand),
                "-" if idx.item_count is None else f"{idx.item_count:,}",
            )
        parts.append(Text())
        parts.append(indexes)
    if info.unavailable:
        parts.append(Text())
        for part, reason in info.unavailable.items():
            parts.append(Text(f"{part}: could not be read ({reason})", style="yellow"))
    return Group(*parts)


class TableDetails(VerticalScroll):
    DEFAULT_CSS = """
    TableDetails { padding: 0 1; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("Select a table to see its description.", id="details-body")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.info: TableInfo | None = None
        # table -> the Capacity tab's last switch to on-demand (time, from ddbconsole's record)
        self.recorded: dict[str, tuple[datetime | None, bool]] = {}

    def show(self, info: TableInfo) -> None:
        self.info = info
        body = render_table(info, self.recorded.get(info.name))
        self.query_one("#details-body", Static).update(body)

    def set_recorded_switch(self, table: str, at: datetime | None, from_record: bool) -> None:
        if self.recorded.get(table) != (at, from_record):
            self.recorded[table] = (at, from_record)
            if self.info is not None and self.info.name == table:
                self.show(self.info)

    def show_message(self, message: str) -> None:
        self.query_one("#details-body", Static).update(Text(message, style="dim"))
