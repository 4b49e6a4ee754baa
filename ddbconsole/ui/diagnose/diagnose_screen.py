"""The Diagnose screen of one table: why it is throttled (the limits hit, from the per-reason
metrics), who is hot (Contributor Insights' top keys as a ranked bar list with each key's share; a
key opens its partition as a query in the Items tab), what to do (advice with its numbers), and a
sampled key analysis (its cost shown first, progress, cancel).

One refresh: the Metrics pane's one GetMetricData call, 1 + G DescribeContributorInsights and one
GetInsightRuleReport per rule of each enabled table or GSI (services/diagnose.py). Contributor
Insights changes are Plans, confirmed with their cost (ui/common/plan_form.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from ddbconsole.models import TableInfo
from ddbconsole.models.analysis import AnalysisBudget, KeyAnalysis
from ddbconsole.models.diagnose import Diagnosis, RuleReport
from ddbconsole.services.metrics import RANGES
from ddbconsole.ui.bindings import make_binding, write_actions
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.common.footer import KeyFooter
from ddbconsole.ui.common.plan_form import confirm_and_send
from ddbconsole.ui.diagnose import render
from ddbconsole.ui.keys import DIAGNOSE_ACTIONS

RANGE_NAMES = tuple(RANGES)
DEFAULT_RANGE = "15m"
TOP_KEYS = 5  # contributors listed per rule
ANALYSIS_ITEMS = 20_000  # the sampled analysis' budget from the screen
OpenKey = tuple[str | None, str]  # (index or None, partition key value as the query form takes it)


class DiagnoseScreen(ConsoleBase, Screen[OpenKey | None]):
    """Dismissed with (index, key) to open that partition in the Items tab, or None."""

    DEFAULT_CSS = """
    DiagnoseScreen #diag-head { height: auto; padding: 0 1; background: $panel; }
    DiagnoseScreen #diag-body { height: 1fr; padding: 0 1; }
    DiagnoseScreen #diag-body > Static { height: auto; margin-bottom: 1; }
    DiagnoseScreen #diag-keys { height: auto; max-height: 14; margin-bottom: 1; }
    DiagnoseScreen #diag-progress { height: auto; padding: 0 1; }
    """
    BINDINGS = [make_binding(a) for a in DIAGNOSE_ACTIONS]
    WRITE_ACTIONS = write_actions(DIAGNOSE_ACTIONS)

    class Loaded(Message):
        def __init__(self, diagnosis: Diagnosis) -> None:
            super().__init__()
            self.diagnosis = diagnosis

    class Analysed(Message):
        def __init__(self, result: KeyAnalysis) -> None:
            super().__init__()
            self.result = result

    class Progress(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, table: TableInfo) -> None:
        super().__init__()
        self.table = table
        self.range_name = DEFAULT_RANGE
        self.scope: str | None = None  # None: the table; else a GSI name
        self.diagnosis: Diagnosis | None = None
        self.analysis: KeyAnalysis | None = None
        self.rows: list[tuple[RuleReport, int]] = []  # the key list's rows: (report, rank)
        self._stop: asyncio.Event | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="diag-head")
        with VerticalScroll(id="diag-body"):
            yield Static("Reading the metrics and Contributor Insights…", id="diag-why")
            yield Static("", id="diag-insights")
            yield DataTable(id="diag-keys", cursor_type="row", zebra_stripes=True)
            yield Static("", id="diag-advice")
            yield Static(
                "Key analysis: z runs a sampled scan (its cost is shown first).", id="diag-analysis"
            )
        yield Static("", id="diag-progress")
        yield KeyFooter()

    def on_mount(self) -> None:
        keys = self.query_one("#diag-keys", DataTable)
        for label, key in (("Contributors", "rule"), ("#", "rank"), ("Share", "bar"),
                           ("%", "share"), ("Count", "count"), ("Key", "key")):  # fmt: skip
            keys.add_column(label, key=key)
        keys.focus()
        self._head()
        self.load()

    # --- reading ---------------------------------------------------------------------------------

    def _head(self, status: str = "") -> None:
        scope = "table" if self.scope is None else f"GSI {self.scope}"
        text = Text(f"Diagnose {self.table.name}", style="bold")
        text.append(
            f"  range {self.range_name} · hot keys of the {scope} (i) · {status}", style="dim"
        )
        self.query_one("#diag-head", Static).update(text)

    @work(exclusive=True, exit_on_error=False, group="diagnose")
    async def load(self) -> None:
        self._head("reading…")
        diagnosis = await self.ctx.services.diagnose.diagnose(
            self.table, range_seconds=RANGES[self.range_name], top=TOP_KEYS
        )
        self.post_message(self.Loaded(diagnosis))

    def on_diagnose_screen_loaded(self, message: Loaded) -> None:
        self.diagnosis = message.diagnosis
        self._show()

    def _show(self) -> None:
        d = self.diagnosis
        if d is None:
            return
        self.query_one("#diag-why", Static).update(render.reasons(d))
        parts: list[Any] = [render.insights(d.insights, self.scope)] if d.insights else []
        if d.notes:
            parts.append(Text("\n".join(d.notes), style="yellow"))
        self.query_one("#diag-insights", Static).update(Group(*parts))
        table = self.query_one("#diag-keys", DataTable)
        table.clear()
        self.rows = []
        for report, rank, cells in render.contributor_rows(d.reports, self.scope):
            table.add_row(*cells)
            self.rows.append((report, rank))
        if not self.rows:
            table.add_row(Text("no contributors in this range", style="dim"), "", "", "", "", "")
        self.query_one("#diag-advice", Static).update(render.advice(d.advice))
        calls = d.summary.requests
        self._head(f"{calls} GetMetricData call{'s' if calls != 1 else ''}")

    def worker_failed(self, worker: Worker[Any], error: BaseException | None) -> None:
        if worker.group == "diagnose":
            err = self.describe(error)
            self.query_one("#diag-why", Static).update(
                Text(f"{err.title}: {err.advice}", style="red")
            )
            self._head("failed")
        elif worker.group == "analysis":
            self.query_one("#diag-progress", Static).update("")

    # --- actions -----------------------------------------------------------------------------------

    def action_close(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.load()

    def _move_range(self, step: int) -> None:
        at = RANGE_NAMES.index(self.range_name) + step
        if 0 <= at < len(RANGE_NAMES):
            self.range_name = RANGE_NAMES[at]
            self.load()

    def action_range_longer(self) -> None:
        self._move_range(1)

    def action_range_shorter(self) -> None:
        self._move_range(-1)

    def action_next_scope(self) -> None:
        scopes: list[str | None] = [None, *(i.name for i in self.table.gsis)]
        self.scope = scopes[(scopes.index(self.scope) + 1) % len(scopes)]
        self._show()
        self._head()

    def selected_key(self) -> OpenKey | None:
        row = self.query_one("#diag-keys", DataTable).cursor_row
        if not 0 <= row < len(self.rows):
            return None
        report, rank = self.rows[row]
        contributor = report.contributors[rank - 1]
        return (report.index, contributor.keys[0]) if contributor.keys else None

    def action_open_key(self) -> None:
        key = self.selected_key()
        if key is None:
            self.notify("Select a key in the list first", severity="warning")
            return
        if self._stop is not None:
            self._stop.set()
        self.dismiss(key)

    @on(DataTable.RowSelected, "#diag-keys")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_key()

    # --- Contributor Insights changes (Plans) ------------------------------------------------------

    def _status(self) -> Any:
        d = self.diagnosis
        return next((s for s in (d.insights if d else ()) if s.index == self.scope), None)

    def action_toggle_insights(self) -> None:
        status = self._status()
        self.change_insights(not (status is not None and status.enabled), None)

    def action_switch_insights_mode(self) -> None:
        status = self._status()
        modes = ("ACCESSED_AND_THROTTLED_KEYS", "THROTTLED_KEYS")
        mode = modes[1] if status is not None and status.mode == modes[0] else modes[0]
        self.change_insights(True, mode)

    @work(exclusive=True, exit_on_error=False, group="diag-write")
    async def change_insights(self, enabled: bool, mode: str | None) -> None:
        plan = await self.ctx.services.hotkeys.plan_update(
            self.table.name, self.scope, enabled=enabled, mode=mode
        )
        confirmed, _ = await confirm_and_send(self, plan)
        if confirmed:
            self.notify(plan.done)
            self.load()

    # --- the sampled key analysis ----------------------------------------------------------------

    def action_analyze(self) -> None:
        if self._stop is not None:
            self.notify("A key analysis is already running (x cancels it)", severity="warning")
            return
        self.run_analysis()

    def action_cancel_analysis(self) -> None:
        if self._stop is not None:
            self._stop.set()

    @work(exclusive=True, exit_on_error=False, group="analysis")
    async def run_analysis(self) -> None:
        services = self.ctx.services
        budget = AnalysisBudget(max_items=ANALYSIS_ITEMS)
        estimate = services.analysis.estimate(self.table, budget)
        question = ConfirmScreen(
            f"Sampled key analysis of {self.table.name}?",
            render.estimate(estimate),
            confirm_label="Scan",
        )
        if not await self.app.push_screen_wait(question):
            return
        self._stop = stop = asyncio.Event()
        try:
            result = await services.analysis.analyze(
                self.table,
                budget,
                stop=stop,
                progress=lambda s: self.post_message(self.Progress(s.describe() + "  (x cancels)")),
            )
        finally:
            self._stop = None
        self.post_message(self.Analysed(result))

    def on_diagnose_screen_progress(self, message: Progress) -> None:
        if self._stop is not None:
            self.query_one("#diag-progress", Static).update(Text(message.text, style="cyan"))

    def on_diagnose_screen_analysed(self, message: Analysed) -> None:
        self.analysis = message.result
        self.query_one("#diag-progress", Static).update("")
        self.query_one("#diag-analysis", Static).update(render.analysis(message.result))
