"""Export and import screens: a small form, then progress (bar, items/s, ETA) with Cancel.

The transfer runs in a worker of this screen; Cancel cancels the worker. A cancelled export leaves
FILE.partial; a cancelled import leaves its checkpoint (resume with the same file) and failure
file. Both are named in the result line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static
from textual.worker import Worker

from ddbconsole.errors import DdbConsoleError
from ddbconsole.models import QuerySpec, TableInfo
from ddbconsole.services.transfer import partial_path
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.common.plan_form import confirm_and_send

if TYPE_CHECKING:
    from ddbconsole.services import Services
    from ddbconsole.services.transfer import Format, TransferProgress

Mode = Literal["export", "import"]
_FORMATS = [
    ("JSON lines (plain)", "jsonl"),
    ("DynamoDB JSON lines", "dynamodb-jsonl"),
    ("DynamoDB JSON, S3 import layout", "dynamodb-json"),
    ("CSV", "csv"),
]


class TransferScreen(ConsoleBase, ModalScreen[str]):
    """Dismissed with the result line (or "" if closed before starting)."""

    DEFAULT_CSS = """
    TransferScreen { align: center middle; }
    TransferScreen > Vertical { width: 90; height: auto; border: thick $accent; background: $surface;
        padding: 1 2; }
    TransferScreen Input, TransferScreen Select { margin-bottom: 1; }
    TransferScreen Horizontal { height: auto; margin-top: 1; }
    TransferScreen Button { margin-right: 2; }
    TransferScreen ProgressBar { margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close / cancel", id="transfer_close")]

    def __init__(
        self,
        services: Services,
        table: TableInfo,
        mode: Mode,
        *,
        query: QuerySpec | None = None,
        query_label: str = "",
    ) -> None:
        super().__init__()
        self.services = services
        self.table = table
        self.mode = mode
        self.export_query = query  # export: the Items tab's query, offered beside the whole table
        self.query_label = query_label
        self.result_text = ""
        self.running = False
        self._items: int | None = None  # items (or records) done so far, once progress came
        self.path = Path()
        self.advice = ""  # shown when the table is over the local-export size threshold

    def compose(self) -> ComposeResult:
        verb = "Export" if self.mode == "export" else "Import into"
        with Vertical():
            yield Label(f"[b]{verb} {self.table.name}[/b]")
            default = f"{self.table.name}.jsonl" if self.mode == "export" else ""
            yield Input(default, placeholder="file path", id="transfer-path")
            if self.export_query is not None:
                yield Select(
                    [(f"The query's result: {escape(self.query_label)}", "query"),
                     ("The whole table (parallel scan)", "table")],
                    value="query", allow_blank=False, id="transfer-what",
                )  # fmt: skip
            yield Select(_FORMATS, value="jsonl", allow_blank=False, id="transfer-format")
            if self.mode == "export":
                yield Input(
                    placeholder="segments (default: from the table size)", id="transfer-extra"
                )
            else:
                yield Input(placeholder="rate limit in WCU/s (default: none)", id="transfer-extra")
            if self.mode == "import":
                yield Static(
                    "[dim]Each record is a PutItem: an item with the same key is replaced whole "
                    "(attributes not in the record are gone).[/dim]",
                    id="transfer-note",
                )
            yield ProgressBar(total=None, show_eta=False, id="transfer-bar")
            yield Static("", id="transfer-status")
            with Horizontal():
                yield Button("Start", variant="primary", id="transfer-start")
                yield Button("Cancel", variant="error", id="transfer-cancel", disabled=True)
                yield Button("Close", id="transfer-closebtn")

    def _what(self) -> str:
        if self.export_query is None:
            return "table"
        return str(self.query_one("#transfer-what", Select).value)

    @on(Select.Changed, "#transfer-what")
    def what_changed(self) -> None:
        # Segments split a scan; a query is read in order, one page after another.
        self.query_one("#transfer-extra", Input).disabled = self._what() == "query"

    def on_mount(self) -> None:
        self.query_one("#transfer-path", Input).focus()
        if self.mode == "export":
            self.what_changed()
            self.advise()

    @work(exclusive=True, exit_on_error=False, group="transfer-advice")
    async def advise(self) -> None:
        """Above the config's size threshold, say how long a local export would take and point
        to DynamoDB's export to S3 (Backups screen, x)."""
        from ddbconsole.services.transfer.advice import advise

        threshold = self.ctx.settings.s3_export_threshold_gb
        advice = await advise(self.services.session, self.table, threshold)
        if advice is not None and not self.running:
            self.advice = advice.describe() + " In the console: Backups (K), then x."
            self._status(f"[yellow]{escape(self.advice)}[/yellow]")

    def _status(self, text: str) -> None:
        self.query_one("#transfer-status", Static).update(text)

    @on(Button.Pressed, "#transfer-start")
    def start(self) -> None:
        if self.running:
            return
        path = self.query_one("#transfer-path", Input).value.strip()
        fmt = cast("Format", self.query_one("#transfer-format", Select).value)
        extra = self.query_one("#transfer-extra", Input).value.strip()
        if not path:
            self._status("[red]Give a file path[/red]")
            return
        if path == "-":  # standard output is the console's own screen here
            self._status(
                "[red]'-' (standard output) is for the command line: give a file path[/red]"
            )
            return
        number: float | None = None
        if extra:
            try:
                number = float(extra) if self.mode == "import" else int(extra)
            except ValueError:
                self._status(f"[red]{extra!r} is not a number[/red]")
                return
            if number <= 0:
                self._status("[red]Give a positive number[/red]")
                return
        target = Path(path).expanduser()
        if self.mode == "export" and target.exists():

            def answered(yes: bool | None) -> None:
                if yes:
                    self._begin(target, fmt, number)

            body = f"{target} exists; the export replaces it once it is complete."
            self.app.push_screen(
                ConfirmScreen(f"Overwrite {target.name}?", body, confirm_label="Overwrite"),
                answered,
            )
            return
        self._begin(target, fmt, number)

    def _begin(self, target: Path, fmt: Format, number: float | None) -> None:
        self.running = True
        self.query_one("#transfer-start", Button).disabled = True
        self.query_one("#transfer-cancel", Button).disabled = False
        self._status("Validating…" if self.mode == "import" else "Scanning…")
        self.path = target
        self.run_transfer(target, fmt, number)

    def _progress(self, progress: TransferProgress) -> None:
        self._items = progress.items
        bar = self.query_one("#transfer-bar", ProgressBar)
        if progress.total:
            bar.update(total=progress.total, progress=min(progress.items, progress.total))
        self._status(progress.describe())

    @work(exclusive=True, exit_on_error=False, group="transfer")
    async def run_transfer(self, path: Path, fmt: Format, number: float | None) -> None:
        transfer = self.services.transfer
        try:
            if self.mode == "export":
                segments = int(number) if number else None
                result = await transfer.export(
                    self.table,
                    path,
                    fmt=fmt,
                    segments=segments,
                    query=self.export_query if self._what() == "query" else None,
                    progress=self._progress,
                )
                where = Path(result.path).absolute()  # where it is, whatever the cwd was
                text = f"Exported {result.items:,} items to {where} in {result.elapsed:.1f} s"
            else:
                from ddbconsole.services.transfer import checkpoint_path

                plan = await transfer.plan_import(
                    self.table,
                    path,
                    fmt=fmt,
                    rate=number,
                    progress=self._progress,
                    resume=checkpoint_path(path).exists(),  # continue an interrupted import
                    undo=True,  # the session's undo journal keeps the items it replaces
                )
                self._status("Review the import…")
                # Each record replaces the item with its key: offer a backup first.
                confirmed, imported = await confirm_and_send(
                    self, plan, backup_first=self.table.name
                )
                if not confirmed:
                    self.finish("Not started: nothing was written")
                    return
                text = f"Imported {imported.written:,} of {imported.records:,} records"
                if imported.skipped:
                    text += f" ({imported.skipped:,} already written)"
                if imported.failed:
                    listed = Path(imported.failures_path).absolute()
                    text += f"; {imported.failed:,} failed, listed in {listed}"
        except DdbConsoleError as exc:
            text = f"[red]{escape(str(exc))}[/red]"
        self.finish(text)

    def worker_failed(self, worker: Worker[Any], error: BaseException | None) -> None:
        """Anything else (a bug, say) ends the transfer too, with the error shown here as well as
        in the notification: the dialog never stays "running"."""
        if worker.group == "transfer":
            self.finish(f"[red]{escape(str(self.describe(error)))}[/red]")

    @on(Input.Changed, "#transfer-path")
    def path_changed(self, event: Input.Changed) -> None:
        # The format follows the file's extension when it names one.
        suffix = Path(event.value.strip()).suffix.lower()
        chosen = self.query_one("#transfer-format", Select)
        if suffix == ".csv":
            chosen.value = "csv"
        elif suffix in (".jsonl", ".ndjson", ".json") and chosen.value == "csv":
            chosen.value = "jsonl"

    def finish(self, text: str) -> None:
        if self._items is not None and not text.startswith(("Cancelled", "[red]", "Not started")):
            bar = self.query_one("#transfer-bar", ProgressBar)
            done = max(1, self._items)
            bar.update(total=done, progress=done)  # complete (a query's total was unknown)
        self.running = False
        self.result_text = text
        self._status(text)
        self.query_one("#transfer-cancel", Button).disabled = True
        self.query_one("#transfer-start", Button).disabled = False

    @on(Button.Pressed, "#transfer-cancel")
    def cancel(self) -> None:
        if not self.running:
            return
        self.workers.cancel_group(self, "transfer")
        done = self._items or 0
        if self.mode == "export":
            text = f"Cancelled after {done:,} items; in {partial_path(self.path).absolute()}"
        else:
            text = (
                f"Cancelled after {done:,} records; start again with the same file to resume"
                " (the checkpoint is next to it)"
            )
        self.finish(text)

    @on(Button.Pressed, "#transfer-closebtn")
    def action_close(self) -> None:
        if self.running:
            self.cancel()
        self.dismiss(self.result_text)


def open_transfer(pane: Any, mode: str) -> None:
    """The Items tab's export (`o`) or import (`I`): the export offers the query in the form when
    it holds a valid one; an import reloads the page when it ends."""
    from textual.widgets import Select

    if pane.table is None:
        pane.notify("Select a table first", severity="warning")
        return
    query, label = None, ""
    if mode == "export" and pane.query_one("#mode", Select).value == "query":
        try:  # offer the query result when the form holds a valid query
            query = pane._query_spec(limit=None)
        except DdbConsoleError as exc:
            pane.notify(f"The query form is incomplete ({exc}); table export only", timeout=8)
        else:
            keys = pane.table.index(query.index).keys if query.index else pane.table.keys
            label = f"{keys[0].name} = {pane.query_one('#pk', Input).value.strip()}"
            label += f" on {query.index}" if query.index else ""
            label += " + sort key condition" if query.sort else ""
            label += " + filter" if query.filters else ""
    screen = TransferScreen(
        pane.ctx.services,
        pane.table,
        "export" if mode == "export" else "import",
        query=query,
        query_label=label,
    )
    pane.app.push_screen(screen, lambda _: pane.reload_page() if mode == "import" else None)
