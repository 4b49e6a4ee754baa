"""The operation log: every AWS call this console made, live, with the equivalent AWS CLI command.

Rows come from `services.oplog.entries` (a bounded deque) and, while the screen is open, from its
subscription (`OperationLog.subscribe`, called on the event loop; unsubscribed on close). Item
contents are redacted by the log itself (see services/oplog.py); so is the CLI command shown here.
The log is also written as JSON lines to the state directory (its path is shown).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ddbconsole.models import OperationLogEntry
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.footer import KeyFooter


def _result(entry: OperationLogEntry) -> Text:
    if entry.ok:
        return Text("OK", style="green")
    return Text(entry.result, style="bold red")


class OperationLogScreen(ConsoleBase, Screen[None]):
    DEFAULT_CSS = """
    OperationLogScreen #oplog-head { height: auto; padding: 0 1; background: $panel; }
    OperationLogScreen DataTable { height: 1fr; }
    OperationLogScreen #oplog-detail-box { height: 9; border-top: solid $panel-lighten-2; }
    OperationLogScreen #oplog-detail { padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="oplog_close"),
        Binding("f", "toggle_follow", "Follow", id="oplog_follow"),
        Binding("c", "changes", "Session changes", id="oplog_changes"),
        Binding("y", "copy_cli", "Copy command", id="oplog_copy"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[OperationLogEntry] = []  # in display order, oldest first
        self.follow = True  # keep the cursor on the newest call
        self._unsubscribe: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="oplog-head")
        yield DataTable(id="oplog", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="oplog-detail-box"):
            yield Static("Select a call to see its AWS CLI equivalent.", id="oplog-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("Time (UTC)", "time"), ("Service", "service"),
                           ("Operation", "operation"), ("Table", "table"), ("ms", "ms"),
                           ("Capacity", "capacity"), ("Result", "result")):  # fmt: skip
            table.add_column(label, key=key)
        log = self.ctx.services.oplog
        for entry in list(log.entries):
            self._add(entry)
        self._unsubscribe = log.subscribe(self._on_entry)
        self._update_head()
        if self.entries:
            table.move_cursor(row=len(self.entries) - 1)
        table.focus()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_entry(self, entry: OperationLogEntry) -> None:
        if not self.is_attached:
            return
        self._add(entry)
        self._update_head()
        if self.follow:
            self.query_one(DataTable).move_cursor(row=len(self.entries) - 1)

    def _add(self, entry: OperationLogEntry) -> None:
        self.entries.append(entry)
        self.query_one(DataTable).add_row(
            entry.time.strftime("%H:%M:%S.%f")[:-3],
            entry.service,
            Text(entry.operation, style="bold"),
            entry.table or "",
            "" if entry.duration_ms is None else f"{entry.duration_ms:,.0f}",
            "" if entry.consumed_capacity is None else f"{entry.consumed_capacity:g}",
            _result(entry),
        )

    def _update_head(self) -> None:
        log = self.ctx.services.oplog
        failed = sum(not e.ok for e in self.entries)
        head = Text(f"Operation log: {len(self.entries)} calls", style="bold")
        if failed:
            head.append(f", {failed} failed", style="bold red")
        head.append("  (live" if self.follow else "  (paused on selection", style="dim")
        head.append(", f toggles follow)", style="dim")
        where = f"  file: {log.path}" if log.write_file else "  (not written to a file)"
        if log.file_error:
            where = f"  file disabled: {log.file_error}"
        head.append(where, style="dim")
        self.query_one("#oplog-head", Static).update(head)

    def selected(self) -> OperationLogEntry | None:
        row = self.query_one(DataTable).cursor_row
        return self.entries[row] if 0 <= row < len(self.entries) else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        entry = self.selected()
        detail = self.query_one("#oplog-detail", Static)
        if entry is None:
            detail.update("Select a call to see its AWS CLI equivalent.")
            return
        text = Text("AWS CLI equivalent:\n", style="bold")
        text.append(entry.cli + "\n", style="cyan")
        extra = f"HTTP {entry.http_status}" if entry.http_status else ""
        if entry.retries:
            extra += f", {entry.retries} retries"
        text.append(f"{entry.service} {entry.operation} at {entry.time:%Y-%m-%d %H:%M:%S} UTC"
                    f" → {entry.result} {extra}", style="dim")  # fmt: skip
        detail.update(text)

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        if self.follow and self.entries:
            self.query_one(DataTable).move_cursor(row=len(self.entries) - 1)
        self._update_head()

    def action_changes(self) -> None:
        """This session's item changes (the undo journal: keys only, no item contents here)."""
        from ddbconsole.ui.streams.journal_screen import JournalScreen

        self.app.push_screen(JournalScreen())

    def action_copy_cli(self) -> None:
        """The selected call's `aws` command to the clipboard (through the terminal, OSC 52)."""
        entry = self.selected()
        if entry is None:
            self.notify("Select a call first", severity="warning")
            return
        self.app.copy_to_clipboard(entry.cli)
        self.notify(f"Copied: {entry.cli[:60]}{'…' if len(entry.cli) > 60 else ''}",
                    title="Clipboard")  # fmt: skip

    def action_close(self) -> None:
        self.dismiss(None)
