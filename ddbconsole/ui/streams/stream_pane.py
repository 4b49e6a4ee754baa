"""The Stream tab: the selected table's stream, live, like `kubectl logs -f`.

The tail runs in one worker and only collects records (a bounded ring, `stream_records` in the
config); a timer draws what arrived every FLUSH seconds, so the view stays responsive at thousands
of records a second: one batch of rows per flush, at most SHOWN rows in the grid. Paused, the grid
stays still while records keep arriving. While the tab is not shown (another tab, another screen
on top, the app suspended) the tail sends nothing and nothing is drawn; shown again, it goes on
from the last record read, so nothing is missed (the stream keeps 24 hours). See
docs/ARCHITECTURE.md, Streams and undo.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from ddbconsole.errors import DdbConsoleError, UserInputError
from ddbconsole.models import TableInfo
from ddbconsole.models.streams import StreamInfo, StreamRecord
from ddbconsole.services.stream_records import RecordFilter, RecordRing, parse_view_filter
from ddbconsole.ui.bindings import make_binding, write_actions
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.on_screen import OnScreen
from ddbconsole.ui.common.plan_form import confirm_and_send
from ddbconsole.ui.keys import STREAM_ACTIONS
from ddbconsole.ui.streams.rows import COLUMNS, row

FLUSH = 0.25  # seconds between redraws
# Reading a backlog (more arrives between redraws than one adds, BURST), the grid is redrawn from
# the ring with the newest SHOWN at most this often: Textual measures every new cell, and redrawing
# four times a second took a fifth of the event loop from reading (tests/bench/RESULTS.md).
BACKLOG_FLUSH = 1.0
SHOWN = 500  # rows in the grid, up to twice this between redraws (the ring keeps more)
BURST = 250  # rows one redraw adds at most (1,000 records/s at 4 redraws/s); pause shows all
NEW_VIEW = "NEW_AND_OLD_IMAGES"


def filter_hint(partition_key: str) -> str:
    """The filter's placeholder, its key example in the table's own partition key."""
    example = json.dumps({partition_key: "a"}, ensure_ascii=False)
    return f"filter: INSERT MODIFY REMOVE EXPIRED  key:{example}  prefix:TEXT  attr:NAME"


class StreamPane(ConsoleBase, OnScreen, Vertical):
    DEFAULT_CSS = """
    StreamPane #stream-info { height: auto; padding: 0 1; }
    StreamPane #stream-filter { margin: 0 1; }
    StreamPane DataTable { height: 1fr; }
    StreamPane #stream-status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [make_binding(a) for a in STREAM_ACTIONS]
    WRITE_ACTIONS = write_actions(STREAM_ACTIONS)

    class ShowItem(Message):
        """Show this item in the Items tab."""

        def __init__(self, table: str, key: dict[str, Any]) -> None:
            super().__init__()
            self.table = table
            self.key = key

    class Found(Message):
        def __init__(self, table: str, stream: StreamInfo | None) -> None:
            super().__init__()
            self.table = table
            self.stream = stream

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table: TableInfo | None = None
        self.stream: StreamInfo | None = None
        self.loaded_for: str | None = None
        self.searched = False  # the stream was looked up (None then means: no stream)
        self.ring: RecordRing | None = None
        self.keep = RecordFilter()
        self.paused = False
        self.pending: list[StreamRecord] = []
        self.rebuild = False  # redraw the grid from the ring at the next flush
        self.backlog = False  # that redraw is because more arrived than the grid holds
        self.backlog_drawn = 0.0  # when such a redraw was last made (time.monotonic)
        self.drawn_total = 0  # the ring's total at the last redraw
        self.shown: list[StreamRecord] = []  # the grid's rows, in order
        self.notices: list[str] = []
        self.arrived_while_paused = 0
        self.skipped = 0  # records a burst kept out of the live grid (still in the ring)
        self.flushes = 0  # redraws that changed the grid (the benchmark reads it)
        self.flush_seconds: deque[float] = deque(maxlen=1000)  # how long each redraw took
        self.gate = asyncio.Event()  # the tail waits on it: set while the tab is on screen

    def compose(self) -> ComposeResult:
        yield Static("Select a table.", id="stream-info")
        yield Input(placeholder=filter_hint("PK"), id="stream-filter", compact=True)
        yield DataTable(id="records", cursor_type="row", zebra_stripes=True)
        yield Static("", id="stream-status")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.ring = RecordRing(self.ctx.settings.stream_records)
        self.set_interval(FLUSH, self.flush)
        self.follow_app_suspension()

    # --- shown or not: the tail reads only while the tab is on screen -------------------------

    def visibility_changed(self) -> None:
        """Let the tail through, or hold it before its next request (cheap; call freely)."""
        if self.on_screen():
            self.gate.set()
        else:
            self.gate.clear()

    # --- the table and its stream ---------------------------------------------------------------

    def set_table(self, info: TableInfo) -> None:
        changed = self.table is None or self.table.name != info.name
        self.table = info
        if changed:
            self.query_one("#stream-filter", Input).placeholder = filter_hint(
                info.partition_key.name
            )
            self.workers.cancel_group(self, "stream-tail")
            self.loaded_for = None
            self.stream = None
            self.searched = False
            self._reset()
            self._show_info()

    def ensure_loaded(self) -> None:
        if self.table is not None and self.loaded_for != self.table.name:
            self.loaded_for = self.table.name
            self.start()

    def start(self, *, from_start: bool = False) -> None:
        self._reset()
        self._tail(from_start)

    def _reset(self) -> None:
        if self.ring is not None:
            self.ring.clear()
            self.ring.dropped = self.ring.total = 0
        self.pending.clear()
        self.shown.clear()
        self.notices.clear()
        self.arrived_while_paused = 0
        self.rebuild = self.backlog = False
        self.drawn_total = 0
        if self.is_mounted:
            self.query_one(DataTable).clear()

    @work(exclusive=True, exit_on_error=False, group="stream-tail")
    async def _tail(self, from_start: bool) -> None:
        assert self.table is not None
        table = self.table.name
        streams = self.ctx.services.streams
        stream = await streams.find(table)
        self.post_message(self.Found(table, stream))
        if stream is None:
            return
        # GetRecords' full Limit (1,000): a page of 500 halved the tab's rate catching up a backlog
        # (5 calls a second per shard), and live pages are small whatever the Limit
        # (tests/bench/RESULTS.md, bench_stream.py).
        tail = streams.tail(stream, from_start=from_start, follow=True, gate=self.gate.wait)
        async for batch in tail.batches():
            self.collect(batch.records)
            self.notices.extend(batch.notices)

    def collect(self, records: tuple[StreamRecord, ...] | list[StreamRecord]) -> None:
        """Take records in (no drawing: the flush timer draws)."""
        assert self.ring is not None
        self.ring.extend(records)
        if self.paused:
            self.arrived_while_paused += len(records)
            return
        self.pending.extend(records)
        if len(self.pending) > 2 * SHOWN:
            self.rebuild = self.backlog = True  # more than the grid holds: redraw from the ring
            self.pending.clear()

    def worker_failed(self, worker: Any, error: BaseException | None) -> None:
        if worker.group == "stream-tail":
            err = self.describe(error)
            text = Text(f"Reading the stream failed: {err.title}", style="bold red")
            if err.advice:
                text.append(f" ({err.advice})")
            text.append(". r refreshes, a reads from the start.")
            self.query_one("#stream-info", Static).update(text)

    def on_stream_pane_found(self, message: Found) -> None:
        if self.table is not None and message.table == self.table.name:
            self.stream = message.stream
            self.searched = True
            self._show_info()
            self.refresh_bindings()

    def _show_info(self) -> None:
        info = self.query_one("#stream-info", Static)
        if self.table is None:
            info.update("Select a table.")
            return
        name = self.table.name
        if not self.searched:
            info.update(Text(f"Looking for the stream of {name}…", style="dim"))
            return
        if self.stream is None:
            text = Text(f"{name} has no stream. ", style="bold")
            if self.ctx.read_only:
                text.append("Enabling one is a write: refused in read-only mode.")
            else:
                text.append(f"Press E to enable one ({NEW_VIEW}); the request is shown first.")
            info.update(text)
            return
        s = self.stream
        text = Text(f"{name} ", style="bold")
        text.append(f"stream {s.status} · {s.view_type} · {len(s.shards)} shard(s)")
        if s.lacks():
            text.append(f"\n{s.lacks()}", style="italic yellow")
        info.update(text)

    # --- drawing ------------------------------------------------------------------------------

    def flush(self, now: bool = False) -> None:
        """Draw what arrived since the last flush (one batch of rows), and the status line;
        `now`: at once, even while reading a backlog (the operator paused or filtered)."""
        grids = self.query("#records").results(DataTable)
        grid = next(iter(grids), None)
        if self.ring is None or grid is None or not self.gate.is_set():
            return  # not mounted yet, being removed, or not on screen (nothing arrives then)
        if not self.paused and len(self.pending) > BURST:
            self.backlog = True  # arriving faster than a redraw adds rows
        if self.backlog and not now and time.monotonic() - self.backlog_drawn < BACKLOG_FLUSH:
            self._show_status()  # reading a backlog: the grid waits, the counts go on
            return
        if self.backlog:
            self.rebuild = True  # the newest SHOWN from the ring, once a BACKLOG_FLUSH
        if not self.paused and (self.rebuild or self.pending):
            started = time.perf_counter()
            self.flushes += 1
            follow = grid.row_count == 0 or grid.cursor_row >= grid.row_count - 1
            if self.rebuild:
                if self.backlog:  # what went by since the last redraw beyond the SHOWN drawn
                    self.backlog_drawn = time.monotonic()
                    self.skipped += max(0, self.ring.total - self.drawn_total - SHOWN)
                else:
                    self.skipped = 0  # paused or filtered: every record is in the grid's reach
                self.rebuild = self.backlog = False
                self.pending.clear()
                self.shown = self.ring.newest(SHOWN, self.keep if self.keep.active else None)
                grid.clear()
                grid.add_rows([row(r) for r in self.shown])
            else:
                new = [r for r in self.pending if not self.keep.active or self.keep.matches(r)]
                self.pending.clear()  # at most BURST: more makes a backlog redraw (above)
                if new:
                    self._append(grid, new)
            self.drawn_total = self.ring.total
            if follow and grid.row_count:
                grid.move_cursor(row=grid.row_count - 1, animate=False)
            self.flush_seconds.append(time.perf_counter() - started)
        self._show_status()

    def _append(self, grid: DataTable[Any], new: list[StreamRecord]) -> None:
        """Add rows at the end. The grid grows to twice SHOWN, then is redrawn with the newest
        SHOWN: DataTable's remove_row costs O(rows) each, one redraw of SHOWN rows is cheap."""
        if len(self.shown) + len(new) > 2 * SHOWN:
            self.shown = (self.shown + new)[-SHOWN:]
            grid.clear()
            grid.add_rows([row(r) for r in self.shown])
            return
        self.shown.extend(new)
        grid.add_rows([row(r) for r in new])

    def _show_status(self) -> None:
        assert self.ring is not None
        parts = [f"{self.ring.total:,} records", f"{len(self.ring):,} kept"]
        if self.ring.dropped:
            parts.append(f"{self.ring.dropped:,} older dropped")
        if self.skipped and not self.paused:
            parts.append(f"{self.skipped:,} passed too fast to draw (s pauses and shows them)")
        if self.keep.active:
            parts.append(f"filter: {self.keep.describe()} ({len(self.shown)} shown)")
        state = "PAUSED" if self.paused else "following"
        if self.paused and self.arrived_while_paused:
            state += f" ({self.arrived_while_paused:,} new)"
        parts.append(state)
        if self.notices:
            parts.append(self.notices[-1])
        self.query_one("#stream-status", Static).update(" · ".join(parts))

    # --- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not super().check_action(action, parameters):
            return False
        if action == "enable_stream":
            return self.searched and self.stream is None
        return True

    def action_toggle_pause(self) -> None:
        """Pause: the grid is redrawn once with the newest records (none left out), then stays
        still; follow: redrawn from the ring with what arrived meanwhile."""
        self.rebuild = True
        self.flush(now=True)
        self.paused = not self.paused
        self.arrived_while_paused = 0
        self._show_status()

    def action_focus_filter(self) -> None:
        self.query_one("#stream-filter", Input).focus()

    @on(Input.Submitted, "#stream-filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            keys = self.stream.key_names if self.stream else ()
            self.keep = parse_view_filter(event.value, keys)
        except UserInputError as exc:
            self.ctx.report_error(exc)
            return
        self.rebuild = True
        self.flush(now=True)
        self.query_one(DataTable).focus()

    def current(self) -> StreamRecord | None:
        grid = self.query_one(DataTable)
        if not self.shown or grid.cursor_row < 0 or grid.cursor_row >= len(self.shown):
            return None
        return self.shown[grid.cursor_row]

    @on(DataTable.RowSelected, "#records")
    def action_view_record(self) -> None:
        record = self.current()
        if record is None:
            return
        from ddbconsole.ui.streams.record_detail import RecordDetailScreen

        lacks = self.stream.lacks() if self.stream else ""

        def closed(choice: str | None) -> None:
            if choice == "goto":
                self._goto(record)

        self.app.push_screen(RecordDetailScreen(record, lacks), closed)

    def action_goto_item(self) -> None:
        record = self.current()
        if record is None:
            self.notify("Select a record first", severity="warning")
        else:
            self._goto(record)

    def _goto(self, record: StreamRecord) -> None:
        if self.table is not None:
            self.post_message(self.ShowItem(self.table.name, dict(record.keys)))

    def action_from_start(self) -> None:
        if self.table is not None:
            self.start(from_start=True)
            self.notify("Reading the whole stream (up to 24 hours)")

    def action_enable_stream(self) -> None:
        if self.table is not None:
            self._enable(self.table.name)

    @work(exclusive=True, exit_on_error=False, group="stream-write")
    async def _enable(self, table: str) -> None:
        try:
            plan = await self.ctx.services.admin.plan_stream(table, NEW_VIEW)
        except DdbConsoleError as exc:
            self.ctx.report_error(exc)
            return
        sent, _ = await confirm_and_send(self, plan)
        if sent:
            self.notify(plan.done or "Stream enabled", title="UpdateTable")
            self.start()
