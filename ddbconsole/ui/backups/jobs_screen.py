"""The S3 jobs screen: DynamoDB's exports to and imports from S3 in this account and region (jobs
started elsewhere too), each described (status, items, bytes, start, end, failure, log group);
followed while any runs. Enter on a finished export downloads it (its manifests and gzip data
files, read from S3: no table capacity) into a local file in one of the export formats; `i`
starts an import into a new table."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Select, Static

from ddbconsole.errors import DdbConsoleError
from ddbconsole.models import ExportInfo, ImportInfo
from ddbconsole.services.plans import Plan
from ddbconsole.services.transfer import TransferProgress
from ddbconsole.ui.backups.backups_screen import plural, size
from ddbconsole.ui.backups.forms import ImportForm
from ddbconsole.ui.bindings import make_binding, write_actions
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.plan_form import confirm_and_send, sent_title
from ddbconsole.ui.keys import JOB_ACTIONS, keys_of

RUNNING = ("IN_PROGRESS", "CANCELLING")
EXTENSIONS = {
    "jsonl": "jsonl",
    "dynamodb-jsonl": "ddb.jsonl",
    "dynamodb-json": "json",
    "csv": "csv",
}
JOB_MORE = next(a for a in JOB_ACTIONS if a.id == "jobs_more")
FORMATS = [
    ("JSON lines (plain)", "jsonl"),
    ("DynamoDB JSON lines", "dynamodb-jsonl"),
    ("DynamoDB JSON, S3 import layout", "dynamodb-json"),
    ("CSV", "csv"),
]


def when(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}" if moment else ""


class DownloadScreen(ModalScreen[tuple[str, str] | None]):
    """Where to write a finished export, and in which format."""

    DEFAULT_CSS = """
    DownloadScreen { align: center middle; }
    DownloadScreen > Vertical { width: 90; max-width: 100%; height: auto; border: thick $accent;
        background: $surface; padding: 1 2; }
    DownloadScreen Input, DownloadScreen Select { margin-bottom: 1; }
    DownloadScreen Horizontal { height: auto; }
    DownloadScreen Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="download_cancel")]

    def __init__(self, export: ExportInfo) -> None:
        super().__init__()
        self.export = export

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]Download the export of {self.export.table}[/b]")
            yield Static(
                f"{self.export.item_count or 0:,} items from s3://{self.export.bucket}/"
                f"{self.export.prefix}: read from S3 only, no table capacity."
            )
            yield Label("Local file")
            yield Input(self.default_path("jsonl"), id="download-path")
            yield Label("Format")
            yield Select(FORMATS, value="jsonl", allow_blank=False, id="download-format")
            with Horizontal():
                yield Button("Download", variant="primary", id="download-start")
                yield Button("Cancel", id="download-cancel")

    def on_mount(self) -> None:
        self.query_one("#download-path", Input).focus()

    def default_path(self, fmt: str) -> str:
        return f"{self.export.table}-export.{EXTENSIONS[fmt]}"

    @on(Select.Changed, "#download-format")
    def format_changed(self, event: Select.Changed) -> None:
        """The suggested file name follows the format, until the operator types their own."""
        path = self.query_one("#download-path", Input)
        if path.value in {self.default_path(f) for f in EXTENSIONS}:
            path.value = self.default_path(str(event.value))

    @on(Button.Pressed, "#download-start")
    @on(Input.Submitted)
    def start(self) -> None:
        path = self.query_one("#download-path", Input).value.strip()
        if path:
            self.dismiss((path, str(self.query_one("#download-format", Select).value)))

    @on(Button.Pressed, "#download-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class JobsScreen(ConsoleBase, Screen[None]):
    DEFAULT_CSS = """
    JobsScreen #jobs-head { height: auto; padding: 0 1; background: $panel; }
    JobsScreen #jobs-status { height: auto; padding: 0 1; }
    JobsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [make_binding(a) for a in JOB_ACTIONS]
    WRITE_ACTIONS = write_actions(JOB_ACTIONS)
    PALETTE_ACTIONS = JOB_ACTIONS
    POLL_SECONDS = 5.0

    def __init__(self, started: ExportInfo | ImportInfo | None = None) -> None:
        super().__init__()
        # A job just started here: shown and selected even when it is not on the first pages
        self.started = started
        self.jobs: list[ExportInfo | ImportInfo] = []
        # ListExports' and ListImports' next pages (None: no more); read on demand ("Paging")
        self.tokens: dict[str, str | None] = {"export": None, "import": None}
        self.downloaded: str = ""  # the last download's result line (tests read it)

    def compose(self) -> ComposeResult:
        yield Static(
            "[b]S3 exports and imports[/b]  (this account and region; enter: download a "
            "finished export)",
            id="jobs-head",
        )
        yield DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
        yield Static("", id="jobs-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Kind", "Table", "Status", "Items", "Bytes", "Started", "Ended", "Detail"):
            table.add_column(label, key=label)
        table.focus()
        self.load()

    def status(self, text: Text | str) -> None:
        self.query_one("#jobs-status", Static).update(text)

    @property
    def more(self) -> bool:
        """Whether ListExports or ListImports has pages not read yet."""
        return any(self.tokens.values())

    @work(exclusive=True, exit_on_error=False, group="jobs-load")
    async def load(self, *, poll: bool = False) -> None:
        """The first page of each list, merged into what is shown (jobs read from later pages
        stay; the running ones among them are described again). A refresh (not a poll) also
        starts the next pages again from the first ones. A job just started is described
        and selected even when it is not on the first pages."""
        s3jobs = self.ctx.services.s3jobs
        exports, export_token = await s3jobs.list_exports()
        imports, import_token = await s3jobs.list_imports()
        fresh: list[ExportInfo | ImportInfo] = [*exports, *imports]
        seen = {j.arn for j in fresh}
        started, self.started = self.started, None
        again = [j for j in self.jobs if j.arn not in seen and j.status in RUNNING]
        if started is not None and started.arn not in seen:
            again.append(started)
        for job in again:
            fresh.append(
                await s3jobs.describe_export(job.arn)
                if isinstance(job, ExportInfo)
                else await s3jobs.describe_import(job.arn)
            )
        if not poll:
            self.tokens = {"export": export_token, "import": import_token}
        self.merge(fresh)
        if started is not None:
            arns = [j.arn for j in self.jobs]
            if started.arn in arns:
                self.query_one(DataTable).move_cursor(row=arns.index(started.arn))
        if any(j.status in RUNNING for j in self.jobs):
            self.set_timer(self.POLL_SECONDS, lambda: self.load(poll=True))  # after this poll

    def action_more(self) -> None:
        if self.more:
            self.load_more()
        else:
            self.status(f"{plural(len(self.jobs), 'job')}: all shown")

    @work(exclusive=True, exit_on_error=False, group="jobs-more")
    async def load_more(self) -> None:
        """The next page of exports and of imports (whichever has one), added to the list."""
        s3jobs = self.ctx.services.s3jobs
        self.status(Text(f"{len(self.jobs)} jobs; loading more…", style="dim"))
        found: list[ExportInfo | ImportInfo] = []
        if token := self.tokens["export"]:
            exports, self.tokens["export"] = await s3jobs.list_exports(token=token)
            found.extend(exports)
        if token := self.tokens["import"]:
            imports, self.tokens["import"] = await s3jobs.list_imports(token=token)
            found.extend(imports)
        self.merge(found)

    def merge(self, found: list[ExportInfo | ImportInfo]) -> None:
        """Show `found` (updating the jobs shown, adding new ones), newest first, the cursor kept
        on the job it was on."""
        jobs = {j.arn: j for j in self.jobs}
        jobs.update((j.arn, j) for j in found)
        far = datetime.min.replace(tzinfo=UTC)
        self.jobs = sorted(jobs.values(), key=lambda j: j.started or far, reverse=True)
        self.show_rows()

    def show_rows(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        current = self.jobs_arn(row)
        table.clear()
        for job in self.jobs:
            if isinstance(job, ExportInfo):
                kind = "export" + (" (incr.)" if job.type == "INCREMENTAL_EXPORT" else "")
                items, size_ = job.item_count, job.billed_bytes
                detail = job.failure or f"s3://{job.bucket}/{job.prefix}"
            else:
                kind, items, size_ = "import", job.imported, job.processed_bytes
                errors = f"{job.errors:,} errors; " if job.errors else ""
                detail = job.failure or f"{errors}logs: {job.log_group or '?'}"
            style = {"COMPLETED": "green", "FAILED": "red"}.get(job.status, "yellow")
            table.add_row(kind, job.table, Text(job.status, style=style),
                          "" if items is None else f"{items:,}", size(size_),
                          when(job.started), when(job.ended), detail, key=job.arn)  # fmt: skip
        arns = [j.arn for j in self.jobs]
        if current in arns:
            table.move_cursor(row=arns.index(current))
        elif self.jobs:
            table.move_cursor(row=max(0, min(row, len(self.jobs) - 1)))
        self.show_count()

    def jobs_arn(self, row: int) -> str | None:
        return self.jobs[row].arn if 0 <= row < len(self.jobs) else None

    def show_count(self) -> None:
        if not self.jobs:
            self.status("No exports or imports yet")
            return
        key = keys_of(JOB_MORE, self.ctx.settings.keys)[0]
        more = f"; more: press {key} or move to the end" if self.more else ""
        self.status(f"{plural(len(self.jobs), 'job')}{more}")

    @on(DataTable.RowHighlighted, "#jobs")
    def at_the_end(self, event: DataTable.RowHighlighted) -> None:
        """Reaching the last row reads the next pages, as scrolling a long list would."""
        if self.more and event.cursor_row >= len(self.jobs) - 1:
            self.load_more()

    def action_refresh(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(DataTable.RowSelected, "#jobs")
    def action_download(self) -> None:
        row = self.query_one(DataTable).cursor_row
        job = self.jobs[row] if 0 <= row < len(self.jobs) else None
        if not isinstance(job, ExportInfo) or job.status != "COMPLETED":
            self.notify("Select a COMPLETED export to download", severity="warning")
            return
        self._download(job)

    @work(exclusive=True, exit_on_error=False, group="jobs-download")
    async def _download(self, export: ExportInfo) -> None:
        answer = await self.app.push_screen_wait(DownloadScreen(export))
        if answer is None:
            return
        path, fmt = answer

        def progress(state: TransferProgress) -> None:
            self.status(Text(f"⟳ Downloading: {state.describe()}", style="yellow"))

        result = await self.ctx.services.s3jobs.download(
            export.arn, Path(path).expanduser(), fmt=cast("Any", fmt), progress=progress
        )
        self.downloaded = (
            f"Downloaded {plural(result.items, 'item')} from {plural(result.files, 'file')} "
            f"to {result.path} in {result.elapsed:.1f} s"
        )
        self.status(Text(f"✓ {self.downloaded}", style="green"))

    def action_import_s3(self) -> None:
        self._import()

    @work(exclusive=True, exit_on_error=False, group="jobs-write")
    async def _import(self) -> None:
        s3jobs = self.ctx.services.s3jobs

        async def build(values: dict[str, Any]) -> Plan:
            return await s3jobs.plan_import(**values)

        intro = (
            "DynamoDB creates the new table and loads every object under the prefix into it "
            "(CSV, DynamoDB JSON or Ion), using no write capacity. `ddbconsole export --format "
            "dynamodb-json` files can be uploaded and imported as they are."
        )
        plan = await self.app.push_screen_wait(
            ImportForm("Import from S3", intro, build, bucket=self.ctx.settings.s3_bucket)
        )
        if plan is None:
            return
        sent, started = await confirm_and_send(self, plan)
        if sent:
            self.notify(f"Import into {started.table} started", title=sent_title(plan))
            self.started = started
            self.load()

    def worker_failed(self, worker: Any, error: BaseException | None) -> None:
        if isinstance(error, DdbConsoleError):
            self.status(Text(f"✗ {error.title}: {error.advice}", style="red"))
