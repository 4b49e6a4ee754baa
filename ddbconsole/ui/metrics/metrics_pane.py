"""The Metrics tab: live CloudWatch charts of the table and its GSIs, and the table's alarms.

Polling: everything on screen is ONE GetMetricData call per refresh
(`MetricsService.table_snapshot`), fetched with the table's alarms in one named worker. The next poll
is armed with `set_timer` only once the previous one has finished, so a slow CloudWatch never stacks
requests; polling stops while the pane is hidden (another tab, another screen on top, the app
suspended) and resumes when it is shown again. A slow or failed poll shows a notice above the charts
(the last good data stays), and the notice clears when CloudWatch answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Select, Static

from ddbconsole.errors import DdbConsoleError
from ddbconsole.models import AlarmInfo, MetricsSnapshot, TableInfo
from ddbconsole.services.metrics import RANGES
from ddbconsole.ui.bindings import make_binding, write_actions
from ddbconsole.ui.common.grid import fit_columns
from ddbconsole.ui.common.on_screen import OnScreen
from ddbconsole.ui.keys import METRICS_ACTIONS
from ddbconsole.ui.metrics.alarm_actions import AlarmActions
from ddbconsole.ui.metrics.chart_plot import ChartPlot, Drawing, Key, build
from ddbconsole.ui.metrics.metric_charts import charts, describe_range, period_choices, summary

TABLE = "__table__"
RANGE_NAMES = tuple(RANGES)
CHART_IDS = ("chart-read", "chart-write", "chart-throttles", "chart-errors", "chart-latency")
STATE_STYLE = {"ALARM": "bold red", "OK": "green", "INSUFFICIENT_DATA": "yellow"}
STATE_MARK = {"ALARM": "● ALARM", "OK": "● OK", "INSUFFICIENT_DATA": "○ NO DATA"}


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _clock(ts: datetime | None = None) -> str:
    return (ts or datetime.now(UTC)).astimezone(UTC).strftime("%H:%M:%S")


class MetricsPane(AlarmActions, OnScreen, Vertical):
    WRITE_ACTIONS = write_actions(METRICS_ACTIONS)
    DEFAULT_CSS = """
    MetricsPane { height: 1fr; }
    MetricsPane #metrics-bar { height: 1; }
    MetricsPane #metrics-bar > Select { width: 22; margin-right: 1; }
    MetricsPane #metrics-status { width: 1fr; padding: 0 1; }
    MetricsPane #metrics-notice { height: auto; padding: 0 1; display: none; }
    MetricsPane #metrics-notice.-shown { display: block; }
    MetricsPane #metrics-notice.-error { background: $error 30%; }
    MetricsPane #metrics-notice.-slow { background: $warning 30%; }
    MetricsPane #charts { grid-size: 2 3; grid-gutter: 0 1; height: 1fr; min-height: 15; }
    MetricsPane ChartPlot { height: 1fr; }
    MetricsPane #metrics-summary { height: 1fr; padding: 0 1; overflow: hidden; }
    MetricsPane #alarms-title { height: 1; padding: 0 1; background: $panel; }
    MetricsPane #alarms { height: 7; }
    """
    BINDINGS = [make_binding(a) for a in METRICS_ACTIONS]
    SLOW_SECONDS = 5.0  # a poll still running after this long shows "CloudWatch is slow"

    class AlarmsLoaded(Message):
        """The alarms of a table were (re)read: the table list updates its marker."""

        def __init__(self, table: str, alarms: tuple[AlarmInfo, ...]) -> None:
            super().__init__()
            self.table = table
            self.alarms = alarms

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table: TableInfo | None = None
        self.snapshot: MetricsSnapshot | None = None
        self.alarms: tuple[AlarmInfo, ...] = ()
        self.range_name = "1h"
        self.period: int | None = None  # None: the service picks (<= 360 points)
        self.scope: str | None = None  # None: the table; else a GSI name
        self.paused = False
        self.polling = False  # a poll is in flight
        self.failures = 0  # consecutive failed polls
        self.last_error: DdbConsoleError | None = None
        self.updated_at: datetime | None = None
        self._timer: Timer | None = None
        self._slow_timer: Timer | None = None
        self._poll_started = 0.0
        self._drawing = False  # a thread is building chart texts
        self._draw_again = False  # ... and charts went stale meanwhile

    @property
    def interval(self) -> float:
        return float(self.ctx.settings.metrics_refresh_seconds)

    def compose(self) -> ComposeResult:
        with Horizontal(id="metrics-bar"):
            yield Select(
                [(f"range {name}", name) for name in RANGE_NAMES], value=self.range_name,
                allow_blank=False, id="range", compact=True,
            )  # fmt: skip
            yield Select(
                [(f"period {label}", value or 0) for label, value in period_choices()],
                value=0, allow_blank=False, id="period", compact=True,
            )  # fmt: skip
            yield Select(
                [("table", TABLE)], value=TABLE, allow_blank=False, id="scope", compact=True
            )
            yield Static("Select a table.", id="metrics-status")
        yield Static("", id="metrics-notice")
        with Grid(id="charts"):
            for chart_id in CHART_IDS:
                yield ChartPlot(id=chart_id)
            yield Static("", id="metrics-summary")
        yield Static("Alarms", id="alarms-title")
        yield DataTable(id="alarms", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        alarms = self.query_one("#alarms", DataTable)
        for label, key in (("State", "state"), ("Alarm", "name"), ("Watches", "what"),
                           ("Reason", "reason"), ("Since", "since")):  # fmt: skip
            alarms.add_column(label, key=key)
        self.follow_app_suspension()

    # --- the table and visibility -------------------------------------------------------------

    def set_table(self, info: TableInfo) -> None:
        changed = self.table is None or self.table.name != info.name
        self.table = info
        gsis = [g.name for g in info.gsis]
        if self.scope not in gsis:
            self.scope = None
        scope = self.query_one("#scope", Select)
        with scope.prevent(Select.Changed):
            scope.set_options([("table", TABLE)] + [(f"GSI {name}", name) for name in gsis])
            scope.value = self.scope or TABLE
        if not changed:
            return
        self.snapshot = None
        self.updated_at = None
        self.alarms = ()
        self.failures = 0
        self._stop_poll()  # the previous table's answer would be dropped, and nothing re-armed
        self._clear_notice()
        self.query_one("#alarms", DataTable).clear()
        self.query_one("#alarms-title", Static).update(f"Alarms on {info.name}: loading…")
        self._show_snapshot()
        self.visibility_changed(force=True)  # polls if shown, else once shown

    def _stop_poll(self) -> None:
        self._cancel_timer()
        self.workers.cancel_group(self, "metrics-poll")
        self.polling = False
        if self._slow_timer is not None:
            self._slow_timer.stop()
            self._slow_timer = None

    def clear_table(self) -> None:
        """No table (the connection changed): stop polling and forget the data."""
        self._stop_poll()
        self.table = None
        self.snapshot = None
        self.updated_at = None
        self.alarms = ()
        self.failures = 0
        self._clear_notice()
        self.query_one("#alarms", DataTable).clear()
        self.query_one("#alarms-title", Static).update("Alarms")
        self._show_snapshot()
        self._update_status()

    def is_visible_now(self) -> bool:
        """Whether polling should run: on screen (ui/common/on_screen.py), with a table."""
        return self.on_screen() and self.table is not None

    def visibility_changed(self, force: bool = False) -> None:
        """Start, resume or stop polling to match what is on screen (cheap; call freely)."""
        self.draw_charts()  # what changed while hidden
        if not self.is_visible_now() or self.paused:
            self._cancel_timer()
            first_look = self.snapshot is None and not self.polling
            if self.paused and first_look and self.is_visible_now():
                self.poll_now()  # pausing stops the refresh, not the first look at a table
            self._update_status()
            return
        if self.polling and not force:
            return
        fresh = (
            self.snapshot is not None
            and self.updated_at is not None
            and (datetime.now(UTC) - self.updated_at).total_seconds() < self.interval
        )
        if force or not fresh:
            self.poll_now()
        elif self._timer is None:
            assert self.updated_at is not None
            age = (datetime.now(UTC) - self.updated_at).total_seconds()
            self._arm(max(0.1, self.interval - age))
        self._update_status()

    # --- polling ------------------------------------------------------------------------------

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _arm(self, delay: float | None = None) -> None:
        self._cancel_timer()
        if self.is_visible_now() and not self.paused:
            self._timer = self.set_timer(self.interval if delay is None else delay, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if self.is_visible_now() and not self.paused:
            self.poll_now()
        else:
            self._update_status()

    def poll_now(self) -> None:
        self._cancel_timer()
        if self.table is None:
            return
        self.polling = True
        self._poll_started = time.monotonic()
        if self._slow_timer is not None:
            self._slow_timer.stop()
        self._slow_timer = self.set_timer(self.SLOW_SECONDS, self._still_polling)
        self._update_status()
        self._poll(self.table, RANGES[self.range_name], self.period)

    @work(exclusive=True, exit_on_error=False, group="metrics-poll")
    async def _poll(self, table: TableInfo, range_seconds: int, period: int | None) -> None:
        services = self.ctx.services
        metrics, alarms = await asyncio.gather(
            services.metrics.table_snapshot(table, range_seconds=range_seconds, period=period),
            services.alarms.for_table(table.name),
            return_exceptions=True,
        )
        # Not cancelled (a newer poll would have cancelled this one): record, then re-arm.
        self._finish_poll(table.name, metrics, alarms)

    def _finish_poll(self, table: str, metrics: object, alarms: object) -> None:
        self.polling = False
        if self._slow_timer is not None:
            self._slow_timer.stop()
            self._slow_timer = None
        if self.table is None or table != self.table.name:
            self.visibility_changed()  # an answer for an earlier table: poll the current one
            return
        if isinstance(metrics, MetricsSnapshot):
            if self.failures:
                self.notify(
                    f"CloudWatch answers again; metrics updated at {_clock()} UTC",
                    title="Metrics recovered",
                )
            self.failures = 0
            self.last_error = None
            self.snapshot = metrics
            self.updated_at = metrics.fetched_at
            self._clear_notice()
            self._show_snapshot()
        elif isinstance(metrics, BaseException):
            self._poll_failed(metrics)
        if isinstance(alarms, tuple | list):
            self._show_alarms(tuple(alarms))
        elif isinstance(alarms, BaseException):
            err = self.describe(alarms)
            self.query_one("#alarms-title", Static).update(
                Text(f"Alarms on {table}: cannot read them ({err.title})", style="red")
            )
        self._update_status()
        self._arm()

    def _poll_failed(self, exc: BaseException) -> None:
        self.failures += 1
        err = self.describe(exc)
        self.last_error = err
        if self.failures == 1:
            self.ctx.report_error(exc, source="metrics-poll")  # once per outage, not per poll
        kept = (
            f"showing data from {_clock(self.updated_at)} UTC" if self.updated_at else "no data yet"
        )
        self._set_notice(
            f"CloudWatch failed ({self.failures}x): {err.title}. {err.advice}  "
            f"Retrying every {self.interval:g} s; {kept}.",
            "-error",
        )

    def _still_polling(self) -> None:
        self._slow_timer = None
        if self.polling:
            waited = time.monotonic() - self._poll_started
            self._set_notice(
                f"CloudWatch is slow: still waiting after {waited:.0f} s "
                f"({describe_range(self.range_name, self.period)}). The console stays usable.",
                "-slow",
            )
            self._slow_timer = self.set_timer(1.0, self._still_polling)  # count the seconds

    def _set_notice(self, text: str, kind: str) -> None:
        notice = self.query_one("#metrics-notice", Static)
        notice.update(text)
        notice.set_classes(f"-shown {kind}")

    def _clear_notice(self) -> None:
        notice = self.query_one("#metrics-notice", Static)
        notice.update("")
        notice.set_classes("")

    @property
    def notice(self) -> str:
        """The notice above the charts ("" when none): slow or failing CloudWatch."""
        content = self.query_one("#metrics-notice", Static).content
        return str(content)

    def _update_status(self) -> None:
        status = Text()
        if self.table is None:
            status.append("Select a table.", style="dim")
        elif self.polling:
            status.append(
                f"loading {describe_range(self.range_name, self.period)}…", style="bold yellow"
            )
        elif self.paused:
            status.append("❚❚ paused (s resumes)", style="bold yellow")
        elif self.is_visible_now():
            status.append(f"● live, every {self.interval:g} s", style="green")
        else:
            status.append("○ not polling while hidden", style="dim")
        if self.updated_at is not None:
            status.append(f"  last updated {_clock(self.updated_at)} UTC", style="bold")
        if self.failures:
            status.append(f"  {self.failures} failed", style="bold red")
        self.query_one("#metrics-status", Static).update(status)

    @property
    def status_text(self) -> str:
        return str(self.query_one("#metrics-status", Static).content)

    # --- drawing ------------------------------------------------------------------------------

    def _show_snapshot(self) -> None:
        snap = self.snapshot
        table = self.table
        summary_widget = self.query_one("#metrics-summary", Static)
        if snap is None or table is None:
            for chart_id in CHART_IDS:
                plot = self.query_one(f"#{chart_id}", ChartPlot)
                plot.drawing = Drawing("loading…" if table else "")
            summary_widget.update("")
        else:
            for chart in charts(snap, table.name, self.scope, table):
                plot = self.query_one(f"#{chart.id}", ChartPlot)
                plot.drawing = Drawing(chart.title, chart, snap.start, snap.end)
            summary_widget.update(summary(snap, table.name, self.scope, table))
        self.draw_charts()

    # Charts are drawn by plotext in a thread, only while the tab is shown, one batch at a time
    # (ui/metrics/chart_plot.py): the event loop only swaps in the finished texts.

    def draw_charts(self) -> None:
        """Build the texts of the charts that changed, if the tab is shown."""
        if not (self.tab_active and self.on_top()):
            return  # drawn when shown again
        if self._drawing:
            self._draw_again = True
            return
        jobs = [(plot, plot.wanted()) for plot in self.query(ChartPlot)]
        jobs = [(plot, key) for plot, key in jobs if key != plot.built_for and key[1] and key[2]]
        if jobs:
            self._drawing = True
            self._draw_again = False
            self._build_charts(jobs)

    @work(thread=True, exit_on_error=False, group="metrics-draw")
    def _build_charts(self, jobs: list[tuple[ChartPlot, Key]]) -> None:
        built: list[tuple[ChartPlot, Key, Text]] = []
        try:
            for plot, key in jobs:
                built.append((plot, key, build(key)))
        finally:  # handed back even after a failure, so that drawing never stays blocked
            with contextlib.suppress(RuntimeError):  # the app has closed meanwhile
                self.app.call_from_thread(self._charts_built, built)

    def _charts_built(self, built: list[tuple[ChartPlot, Key, Text]]) -> None:
        self._drawing = False
        for plot, key, text in built:
            if plot.is_attached and plot.wanted() == key:
                plot.show(text, key)
        if self._draw_again:
            self.draw_charts()

    def on_chart_plot_stale(self, event: ChartPlot.Stale) -> None:
        event.stop()
        self.draw_charts()

    def charts_text(self) -> dict[str, str]:
        """What each chart shows now, by id (tests)."""
        return {chart_id: self.query_one(f"#{chart_id}", ChartPlot).text.plain
                for chart_id in CHART_IDS}  # fmt: skip

    def _show_alarms(self, alarms: tuple[AlarmInfo, ...]) -> None:
        assert self.table is not None
        self.alarms = alarms
        grid = self.query_one("#alarms", DataTable)
        selected = self.selected_alarm()
        grid.clear()
        for alarm in alarms:
            desc = alarm.description.split(" [ddbconsole-preset")[0] or ", ".join(
                m.name for m in alarm.metrics
            )
            since = f"{alarm.state_updated:%m-%d %H:%M}" if alarm.state_updated else ""
            grid.add_row(
                Text(
                    STATE_MARK.get(alarm.state, alarm.state), style=STATE_STYLE.get(alarm.state, "")
                ),
                _clip(alarm.name, 48),
                _clip(desc, 44),
                _clip(alarm.state_reason, 110),
                since,
                key=alarm.name,
            )
        fit_columns(grid)
        if selected is not None and selected.name in [a.name for a in alarms]:
            grid.move_cursor(row=[a.name for a in alarms].index(selected.name))
        firing = sum(a.in_alarm for a in alarms)
        title = Text(f"Alarms on {self.table.name}: {len(alarms)}", style="bold")
        if firing:
            title.append(f"  {firing} in ALARM", style="bold red")
        if not self.ctx.read_only:
            title.append("   N new · E edit · X delete", style="dim")
        self.query_one("#alarms-title", Static).update(title)
        self.post_message(self.AlarmsLoaded(self.table.name, alarms))

    # --- selectors ----------------------------------------------------------------------------

    # Keys change the state first, then the Select without a Changed message: repeated presses
    # step from the state, and stale Changed messages can never bounce the value back and forth.

    @on(Select.Changed, "#range")
    def _range_changed(self, event: Select.Changed) -> None:
        self._set_range(str(event.value))

    @on(Select.Changed, "#period")
    def _period_changed(self, event: Select.Changed) -> None:
        self._set_period(int(str(event.value)) or None)

    @on(Select.Changed, "#scope")
    def _scope_changed(self, event: Select.Changed) -> None:
        self._set_scope(None if event.value in (TABLE, Select.BLANK) else str(event.value))

    def _set_range(self, name: str) -> None:
        if name != self.range_name:
            self.range_name = name
            self._quietly("#range", name)
            self._restart()

    def _set_period(self, period: int | None) -> None:
        if period != self.period:
            self.period = period
            self._quietly("#period", period or 0)
            self._restart()

    def _set_scope(self, scope: str | None) -> None:
        if scope != self.scope:
            self.scope = scope
            self._quietly("#scope", scope or TABLE)
            self._show_snapshot()  # every GSI is in the snapshot already: no request

    def _quietly(self, selector: str, value: object) -> None:
        select: Select[Any] = self.query_one(selector, Select)
        with select.prevent(Select.Changed):
            select.value = value

    def _restart(self) -> None:
        # A range or period asked for is fetched even while paused (pausing stops the automatic
        # refresh only): the charts never show one period under another's label.
        if self.is_visible_now():
            self.poll_now()
        else:
            self._update_status()

    def action_range_longer(self) -> None:
        i = RANGE_NAMES.index(self.range_name)
        self._set_range(RANGE_NAMES[min(i + 1, len(RANGE_NAMES) - 1)])

    def action_range_shorter(self) -> None:
        i = RANGE_NAMES.index(self.range_name)
        self._set_range(RANGE_NAMES[max(i - 1, 0)])

    def action_next_period(self) -> None:
        values = [value for _, value in period_choices()]
        i = values.index(self.period)
        self._set_period(values[(i + 1) % len(values)])

    def action_next_scope(self) -> None:
        if self.table is None:
            return
        values: list[str | None] = [None, *(g.name for g in self.table.gsis)]
        i = values.index(self.scope)
        self._set_scope(values[(i + 1) % len(values)])

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self._cancel_timer()
            self.notify("Metrics refresh paused (s resumes)")
        else:
            self.notify("Metrics refresh resumed")
        self.visibility_changed()

    def action_refresh_now(self) -> None:
        if self.table is not None:
            self.poll_now()
