"""The Backups screen of one table: its backups (on-demand, system and AWS Backup; paged) and its
point-in-time recovery window; back up, delete a backup, restore a backup or a point in time into
a new table (followed until ACTIVE, then the screen closes with the new table's name so the main
screen selects it), and start an export to S3.

Every write goes form -> Plan -> confirm_and_send (docs/ARCHITECTURE.md, "A write").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ddbconsole.errors import DdbConsoleError
from ddbconsole.models import BackupInfo, PitrInfo, TableProgress
from ddbconsole.services.backups import backup_name
from ddbconsole.services.plans import Plan
from ddbconsole.ui.backups.forms import ExportForm, RestoreForm
from ddbconsole.ui.bindings import make_binding, write_actions
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.plan_form import confirm_and_send, sent_title
from ddbconsole.ui.keys import BACKUP_ACTIONS


def age(moment: datetime | None) -> str:
    if moment is None:
        return "?"
    seconds = (datetime.now(UTC) - moment.astimezone(UTC)).total_seconds()
    for unit, size in (("d", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{max(seconds, 0):.0f} s"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def size(value: int | None) -> str:
    if value is None:
        return "?"
    for unit, step in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= step:
            return f"{value / step:,.1f} {unit}"
    return f"{value:,} B"


class BackupsScreen(ConsoleBase, Screen[str | None]):
    """Dismissed with the name of a table restored here (to select it), or None."""

    DEFAULT_CSS = """
    BackupsScreen #backups-head { height: auto; padding: 0 1; background: $panel; }
    BackupsScreen #backups-status { height: auto; padding: 0 1; }
    BackupsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [make_binding(a) for a in BACKUP_ACTIONS]
    WRITE_ACTIONS = write_actions(BACKUP_ACTIONS)
    PALETTE_ACTIONS = BACKUP_ACTIONS

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table
        self.backups: list[BackupInfo] = []
        self.next_start: str | None = None
        self.pitr: PitrInfo | None = None
        self.last_progress: TableProgress | None = None  # the followed restore's latest poll

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Backups of {self.table}[/b]", id="backups-head")
        yield DataTable(id="backups", cursor_type="row", zebra_stripes=True)
        yield Static("", id="backups-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Name", "Type", "Status", "Created (UTC)", "Age", "Size", "Items"):
            table.add_column(label, key=label)
        table.focus()
        self.load()

    def status(self, text: Text | str) -> None:
        self.query_one("#backups-status", Static).update(text)

    # --- reading ------------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="backups-load")
    async def load(self, more: bool = False) -> None:
        backups = self.ctx.services.backups
        if not more:
            self.pitr = await backups.pitr(self.table)
            self.show_head()
        page = await backups.list_backups(
            self.table, start=self.next_start if more else None, details=True
        )
        self.backups = [*self.backups, *page.backups] if more else list(page.backups)
        self.next_start = page.next_start
        self.show_rows()

    def show_head(self) -> None:
        text = Text(f"Backups of {self.table}", style="bold")
        if self.pitr is not None:
            style = "green" if self.pitr.enabled else "yellow"
            text.append(f"   {self.pitr.describe()}", style=style)
            if not self.pitr.enabled:
                text.append("  (turn it on in the Settings tab: B)", style="dim")
        self.query_one("#backups-head", Static).update(text)

    def show_rows(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for b in self.backups:
            made = f"{b.created.astimezone(UTC):%Y-%m-%d %H:%M:%S}" if b.created else "?"
            items = "?" if b.item_count is None else f"{b.item_count:,}"
            table.add_row(b.name, b.type, b.status, made, age(b.created), size(b.size_bytes),
                          items, key=b.arn)  # fmt: skip
        more = " (m: more)" if self.next_start else ""
        if self.backups:
            self.status(f"{plural(len(self.backups), 'backup')}{more}")
        else:  # the hint only where the key works (read-only mode hides it)
            self.status("No backups yet" + ("" if self.ctx.read_only else " (n: back up now)"))

    def selected(self) -> BackupInfo | None:
        table = self.query_one(DataTable)
        if not self.backups or table.cursor_row < 0 or table.cursor_row >= len(self.backups):
            self.notify("Select a backup first", severity="warning")
            return None
        return self.backups[table.cursor_row]

    def action_refresh(self) -> None:
        self.load()

    def action_more_backups(self) -> None:
        if self.next_start:
            self.load(more=True)
        else:
            self.notify("Every backup is listed")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_open_jobs(self) -> None:
        from ddbconsole.ui.backups.jobs_screen import JobsScreen

        self.app.push_screen(JobsScreen())

    # --- writes -------------------------------------------------------------------------------

    def action_create_backup(self) -> None:
        self._create()

    @work(exclusive=True, exit_on_error=False, group="backup-write")
    async def _create(self) -> None:
        plan = await self.ctx.services.backups.plan_create_backup(self.table)
        sent, made = await confirm_and_send(self, plan)
        if sent:
            self.notify(f"Backup {made.name} requested", title=sent_title(plan))
            self.load()

    def action_delete_backup(self) -> None:
        backup = self.selected()
        if backup is not None:
            self._delete(backup.arn)

    @work(exclusive=True, exit_on_error=False, group="backup-write")
    async def _delete(self, arn: str) -> None:
        plan = await self.ctx.services.backups.plan_delete_backup(arn)
        sent, _ = await confirm_and_send(self, plan)
        if sent:
            self.notify(plan.done, title=sent_title(plan))
            self.load()

    @on(DataTable.RowSelected, "#backups")
    def row_selected(self) -> None:
        if not self.ctx.read_only:
            self.action_restore_backup()

    def action_restore_backup(self) -> None:
        backup = self.selected()
        if backup is not None:
            self._restore(backup)

    def action_restore_pitr(self) -> None:
        self._restore(None)

    @work(exclusive=True, exit_on_error=False, group="backup-write")
    async def _restore(self, backup: BackupInfo | None) -> None:
        backups = self.ctx.services.backups
        stamp = backup_name("", None).lstrip("-").lower()
        target = f"{self.table[:200]}-restored-{stamp}"
        if backup is None:
            window = self.pitr.describe() if self.pitr else "PITR: unknown"
            title, intro = f"Restore {self.table} to a point in time", window

            async def build(values: Any) -> Plan:
                name, when, options = values
                return await backups.plan_restore_pitr(self.table, name, when=when, options=options)
        else:
            title = f"Restore backup {backup.name}"
            intro = "Into a new table; the source table is not touched."

            async def build(values: Any) -> Plan:
                name, _, options = values
                return await backups.plan_restore(backup.arn, name, options)

        form = RestoreForm(title, intro, build, pitr=backup is None, target=target)
        plan = await self.app.push_screen_wait(form)
        if plan is None:
            return
        sent, _ = await confirm_and_send(self, plan)
        if not sent:
            return
        name = str(plan.requests[0].params["TargetTableName"])
        self.notify(f"Restore into {name} started; following it", title=sent_title(plan))

        def heard(progress: TableProgress) -> None:
            self.last_progress = progress
            text = Text("⟳ ", style="yellow")
            text.append(f"{name}: {progress.status}", style="bold yellow")
            text.append(f"  ({progress.elapsed:.0f} s, {progress.polls} polls)", style="dim")
            self.status(text)

        done = await backups.wait_active(name, heard)
        self.notify(f"{name} is ACTIVE after {done.elapsed:.0f} s", title="Restore")
        self.dismiss(name)

    def action_export_s3(self) -> None:
        self._export()

    @work(exclusive=True, exit_on_error=False, group="backup-write")
    async def _export(self) -> None:
        services = self.ctx.services
        pitr = await services.backups.pitr(self.table)
        if not pitr.enabled:
            # An export reads the PITR backup: offer the planned change that turns it on first.
            pitr_plan = await services.admin.plan_pitr(self.table, True)
            why = "An export to S3 needs point-in-time recovery: turn it on first?"
            notes = (why, *pitr_plan.notes)
            sent, _ = await confirm_and_send(self, replace(pitr_plan, notes=notes))
            if not sent:
                return
            self.load()

        async def build(values: dict[str, Any]) -> Plan:
            return await services.s3jobs.plan_export(self.table, **values)

        intro = (
            "DynamoDB writes the table's PITR data to S3 in the background: no read capacity is "
            "used, and the job shows in S3 jobs (j), where a finished export can be downloaded."
        )
        form = ExportForm(
            f"Export {self.table} to S3",
            intro,
            build,
            prefix=self.table,
            bucket=self.ctx.settings.s3_bucket,
        )
        plan = await self.app.push_screen_wait(form)
        if plan is None:
            return
        sent, started = await confirm_and_send(self, plan)
        if sent:
            self.notify(f"Export {started.arn.rsplit('/', 1)[-1]} started", title="S3 export")
            from ddbconsole.ui.backups.jobs_screen import JobsScreen

            self.app.push_screen(JobsScreen(started=started))

    def worker_failed(self, worker: Any, error: BaseException | None) -> None:
        if isinstance(error, DdbConsoleError):
            self.status(Text(f"✗ {error.title}: {error.advice}", style="red"))
