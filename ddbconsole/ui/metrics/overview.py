"""The all-tables overview (like k9s' pulses): every table's health, most urgent first.

One refresh costs, for T tables and A metric alarms in the region:
  ListTables: ceil(T / 100) calls; GetMetricData: ceil(16·T / 500) calls (MetricsService.overview,
  one datapoint per series; 50 tables = 2 calls); DescribeAlarms: ceil(A / 100) calls, at most
  ALARM_STATE_PAGES (services/alarms.py). Like the metrics pane, the next refresh is armed only after the previous one
  finished, and none runs while another screen is on top.
"""

from __future__ import annotations

import asyncio
from datetime import UTC

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Static

from ddbconsole.models import AlarmInfo, MetricsOverview, TableHealth
from ddbconsole.services.metrics import ATTENTION_RANK, attention_with_alarms
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.footer import KeyFooter
from ddbconsole.ui.common.grid import fit_columns

WINDOW_SECONDS = 300
ATTENTION_STYLE = {
    "throttling": ("▲ throttling", "bold red"),
    "alarm": ("● alarm", "bold red"),
    "errors": ("✖ errors", "red"),
    "high-utilisation": ("◆ busy", "yellow"),
    "ok": ("ok", "green"),
}


def _rate(consumed: float | None, provisioned: float | None, util: float | None) -> Text:
    text = Text("-" if consumed is None else f"{consumed:,.1f}")
    if provisioned:
        text.append(f" / {provisioned:,.0f}", style="dim")
        if util is not None:
            text.append(f"  {util * 100:.0f}%", style="bold red" if util >= 0.8 else "green")
    else:
        text.append(" on-demand" if consumed is not None else "", style="dim")
    return text


def _count(value: float) -> Text:
    return Text(f"{value:,.0f}", style="bold red" if value else "dim")


class OverviewScreen(ConsoleBase, Screen[str | None]):
    DEFAULT_CSS = """
    OverviewScreen #overview-head { height: auto; padding: 0 1; background: $panel; }
    OverviewScreen #overview-notice { height: auto; padding: 0 1; color: $error; }
    OverviewScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="overview_close"),
        Binding("r", "refresh_now", "Refresh", id="overview_refresh"),
        Binding("enter", "open_table", "Open table", id="overview_open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.overview: MetricsOverview | None = None
        self.alarms: dict[str, list[AlarmInfo]] = {}
        self.rows: list[tuple[str, TableHealth]] = []  # (attention, row), in display order
        self.calls: dict[str, int] = {}  # what the last refresh cost, by operation
        self.refreshes = 0
        self.refreshing = False
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("All tables: loading…", id="overview-head")
        yield Static("", id="overview-notice")
        yield DataTable(id="overview", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("Attention", "attention"), ("Table", "table"),
                           ("Read RCU/s (prov)", "read"), ("Write WCU/s (prov)", "write"),
                           ("Throttles", "throttles"), ("System errors", "errors"),
                           ("Alarms", "alarms")):  # fmt: skip
            table.add_column(label, key=key)
        table.focus()

    def on_screen_resume(self) -> None:
        if not self.refreshing and self._timer is None:
            self.refresh_overview()

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _rearm(self) -> None:
        self.refreshing = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.app.screen is self:
            interval = float(self.ctx.settings.metrics_refresh_seconds)
            self._timer = self.set_timer(interval, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if self.app.screen is self:
            self.refresh_overview()

    def refresh_overview(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.refreshing = True
        self._refresh()

    @work(exclusive=True, exit_on_error=False, group="overview")
    async def _refresh(self) -> None:
        services = self.ctx.services
        head = self.query_one("#overview-head", Static)
        try:
            names: list[str] = []
            list_calls = 0
            async for page in services.tables.iter_table_names():
                list_calls += 1
                names.extend(page)
            head.update(Text(f"All tables ({len(names)}): reading CloudWatch…", style="yellow"))
            overview = await services.metrics.overview(names, window_seconds=WINDOW_SECONDS)
            alarms, alarm_calls = await services.alarms.by_table()
        except asyncio.CancelledError:
            raise  # a newer refresh replaced this one: it re-arms the timer
        except Exception:
            self._rearm()
            if self.overview is not None:
                self.query_one("#overview-notice", Static).update(
                    "Refresh failed (see the notification); showing the previous data, retrying."
                )
            raise
        self._rearm()
        self.calls = {"ListTables": list_calls, "GetMetricData": overview.requests,
                      "DescribeAlarms": alarm_calls}  # fmt: skip
        self.query_one("#overview-notice", Static).update("")
        self.show(overview, alarms)

    def show(self, overview: MetricsOverview, alarms: dict[str, list[AlarmInfo]]) -> None:
        self.overview = overview
        self.alarms = alarms
        self.refreshes += 1
        rows = [(attention_with_alarms(r, alarms.get(r.table, ())), r) for r in overview.rows]
        rows.sort(
            key=lambda pair: ATTENTION_RANK[pair[0]]
        )  # stable: the service's order within a group
        self.rows = rows
        table = self.query_one(DataTable)
        current = self.selected_table()
        table.clear()
        for attention, row in rows:
            label, style = ATTENTION_STYLE[attention]
            table_alarms = alarms.get(row.table, [])
            firing = sum(a.in_alarm for a in table_alarms)
            alarm_text = Text(f"{len(table_alarms)}" if table_alarms else "-", style="dim")
            if firing:
                alarm_text = Text(f"● {firing} ALARM of {len(table_alarms)}", style="bold red")
            table.add_row(
                Text(label, style=style),
                Text(row.table, style="bold"),
                _rate(row.consumed_read, row.provisioned_read, row.read_utilisation),
                _rate(row.consumed_write, row.provisioned_write, row.write_utilisation),
                _count(row.throttles),
                _count(row.system_errors),
                alarm_text,
                key=row.table,
            )
        fit_columns(table)
        names = [r.table for _, r in rows]
        if current in names:
            table.move_cursor(row=names.index(current))
        need = sum(1 for a, _ in rows if a != "ok")
        head = Text(f"All tables ({len(rows)})", style="bold")
        head.append(
            f"  {need} need attention" if need else "  all ok",
            style="bold red" if need else "green",
        )
        head.append(
            f"  last {WINDOW_SECONDS // 60} min, updated {overview.fetched_at.astimezone(UTC):%H:%M:%S} UTC"
            f", {sum(self.calls.values())} calls ("
            + ", ".join(f"{n} {op}" for op, n in self.calls.items())
            + ")   Enter opens a table, r refreshes, q back",
            style="dim",
        )
        self.query_one("#overview-head", Static).update(head)

    def selected_table(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row][1].table

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open_table()

    def action_open_table(self) -> None:
        name = self.selected_table()
        if name is not None:
            self.dismiss(name)

    def action_refresh_now(self) -> None:
        self.refresh_overview()

    def action_close(self) -> None:
        self.dismiss(None)
