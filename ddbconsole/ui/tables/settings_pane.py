"""The Settings tab: the table's description (TableDetails) made editable, plus the
table-level create and delete flows the main screen's keys start.

Every change goes form or toggle -> Plan (the service checks DynamoDB's rules, nothing sent) ->
confirmation showing the exact requests and their CLI equivalent -> execute (re-planned first;
refused if the table changed) -> follow the table's status live (DescribeTable polls in a worker,
shown in the status line) -> re-describe.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from ddbconsole.errors import DdbConsoleError
from ddbconsole.models import TableInfo, TableProgress
from ddbconsole.services.plans import Plan
from ddbconsole.ui.bindings import make_binding, write_actions
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.plan_form import confirm_and_send, sent_title
from ddbconsole.ui.keys import TABLE_ACTIONS
from ddbconsole.ui.tables.create_table import CreateTableScreen
from ddbconsole.ui.tables.table_details import TableDetails
from ddbconsole.ui.tables.table_settings import (
    AddGsiForm,
    DeleteGsiForm,
    GsiValues,
    StreamForm,
    TagsForm,
    TtlForm,
    TtlValues,
)

if TYPE_CHECKING:
    from ddbconsole.services.table_admin import TableAdminService

OTHER_CLASS = {"STANDARD": "STANDARD_INFREQUENT_ACCESS", "STANDARD_INFREQUENT_ACCESS": "STANDARD"}


class SettingsPane(ConsoleBase, Vertical):
    WRITE_ACTIONS = write_actions(TABLE_ACTIONS)
    DEFAULT_CSS = """
    SettingsPane { height: 1fr; }
    SettingsPane #settings-status { height: auto; padding: 0 1; color: $text-muted; }
    SettingsPane TableDetails { height: 1fr; }
    """
    BINDINGS = [make_binding(a) for a in TABLE_ACTIONS]

    class TableChanged(Message):
        """A table's settings or status changed: re-describe it."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class TableListChanged(Message):
        """A table was created or deleted: reload the list (and select `select` if given)."""

        def __init__(self, select: str | None) -> None:
            super().__init__()
            self.select = select

    class Progress(Message):
        """One status poll of a followed table."""

        def __init__(self, progress: TableProgress) -> None:
            super().__init__()
            self.progress = progress

        def can_replace(self, message: Message) -> bool:
            return (
                isinstance(message, SettingsPane.Progress)
                and message.progress.table == self.progress.table
            )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.info: TableInfo | None = None
        self.last_progress: dict[str, TableProgress] = {}  # table -> latest poll (tests read it)
        self._announce: set[str] = set()

    @property
    def admin(self) -> TableAdminService:
        return self.ctx.services.admin

    def compose(self) -> ComposeResult:
        yield Static("", id="settings-status")
        yield TableDetails(id="details")

    def on_mount(self) -> None:
        self._status("")

    def set_table(self, info: TableInfo) -> None:
        self.info = info

    def _status(self, text: Text | str) -> None:
        line = self.query_one("#settings-status", Static)
        line.update(text)
        line.display = bool(text)

    # --- following a table's status -------------------------------------------------------------

    def follow(self, name: str, until: str = "ACTIVE", announce: bool = False) -> None:
        """Poll the table's status in a worker of its own (one per table); `announce` notifies
        when it settles (creates, deletes, new GSIs)."""
        if announce:
            self._announce.add(name)
        self.run_worker(
            self._follow(name, until),
            name=f"follow {name}",
            group=f"table-follow-{name}",
            exclusive=True,
            exit_on_error=False,
        )

    async def _follow(self, name: str, until: str) -> None:
        def heard(progress: TableProgress) -> None:
            self.post_message(self.Progress(progress))

        await self.admin.wait_status(name, "GONE" if until == "GONE" else "ACTIVE", heard)

    def on_settings_pane_progress(self, message: SettingsPane.Progress) -> None:
        p = message.progress
        before = self.last_progress.get(p.table)
        self.last_progress[p.table] = p
        if not p.settled:
            text = Text("⟳ ", style="yellow")
            text.append(p.describe(), style="bold yellow")
            text.append(f"  (followed live: {p.polls} polls, {p.elapsed:.0f} s)", style="dim")
            self._status(text)
            if before is None or before.status != p.status:
                self.post_message(self.TableChanged(p.table))
            return
        done = f"{p.table} deleted" if p.status == "GONE" else f"{p.table} is ACTIVE"
        self._status(Text(f"✓ {done}", style="green"))
        if p.table in self._announce:
            self._announce.discard(p.table)
            self.notify(done, title="Table status")
        if p.status == "GONE":
            self.post_message(self.TableListChanged(None))
        else:
            self.post_message(self.TableChanged(p.table))

    # --- create and delete (started by the main screen's keys) ---------------------------------

    def new_table(self) -> None:
        self.app.push_screen(CreateTableScreen(self.admin), self._created)

    def _created(self, name: str | None) -> None:
        if name:
            self.notify(f"CreateTable sent for {name}; following its status", title="Create table")
            self._status(Text(f"⟳ {name}: CREATING", style="bold yellow"))
            self.post_message(self.TableListChanged(name))
            self.follow(name, "ACTIVE", announce=True)

    @work(exclusive=True, exit_on_error=False, group="table-delete")
    async def delete_table(self, name: str) -> None:
        try:
            plan = await self.admin.plan_delete(name)
        except DdbConsoleError as exc:
            text = Text(f"✗ {exc.title}", style="bold red")
            if exc.advice:
                text.append(f"\n{exc.advice}", style="red")
            self._status(text)
            raise
        info = self.info if self.info is not None and self.info.name == name else None
        if info is not None:
            about = f"About {info.item_count:,} items; indexes: " + (
                ", ".join(i.name for i in info.indexes) or "none"
            )
            plan = replace(plan, notes=(*plan.notes[:1], about, *plan.notes[1:]))
        plan = replace(plan, notes=(*plan.notes, *await self._safety_notes(name)))
        sent, _ = await confirm_and_send(self, plan, backup_first=name)
        if not sent:
            return
        self.notify(f"DeleteTable sent for {name}; following until it is gone", title="Delete")
        self._status(Text(f"⟳ {name}: DELETING", style="bold yellow"))
        self.follow(name, "GONE", announce=True)

    async def _safety_notes(self, name: str) -> tuple[str, ...]:
        """The newest backup of `name` and whether PITR is on, for the delete confirmation."""
        backups = self.ctx.services.backups
        try:
            newest = await backups.newest_backup(name)
            last = (
                "none (ctrl+b takes one first)"
                if newest is None
                else f"{newest.name}, {newest.created:%Y-%m-%d %H:%M} UTC ({newest.status})"
                if newest.created
                else newest.name
            )
        except DdbConsoleError as exc:
            last = f"unknown ({exc.title})"
        try:
            pitr = (await backups.pitr(name)).describe()
        except DdbConsoleError as exc:
            pitr = f"PITR unknown ({exc.title})"
        return (f"Newest backup: {last}.", f"{pitr}.")

    # --- settings actions -----------------------------------------------------------------------

    def _ready(self) -> TableInfo | None:
        if self.info is None:
            self.notify("Select a table first", severity="warning")
        return self.info

    def action_edit_ttl(self) -> None:
        info = self._ready()
        if info is None:
            return
        admin, name = self.admin, info.name

        async def build(v: TtlValues) -> Plan:
            return await admin.plan_ttl(name, v.enabled, v.attribute)

        intro = (
            "Items whose TTL attribute (epoch seconds) is in the past are deleted by DynamoDB "
            "within a few days, at no cost. AWS allows ONE TTL change per table per hour, and "
            "the attribute of an enabled TTL cannot be changed: disable, wait, enable."
        )
        self.app.push_screen(TtlForm(info, f"Time to live of {name}", intro, build), self._review)

    def action_edit_stream(self) -> None:
        info = self._ready()
        if info is None:
            return
        admin, name = self.admin, info.name

        async def build(view: str | None) -> Plan:
            return await admin.plan_stream(name, view)

        intro = (
            "A stream records item changes for 24 hours. Its view type cannot be changed while "
            "enabled: disable it, then enable with the new view type (a new stream ARN)."
        )
        self.app.push_screen(StreamForm(info, f"Stream of {name}", intro, build), self._review)

    def action_edit_tags(self) -> None:
        info = self._ready()
        if info is None:
            return
        admin, name = self.admin, info.name

        async def build(desired: dict[str, str]) -> Plan:
            return await admin.plan_tags(name, desired)

        intro = (
            "One tag per line as key=value. Change a value to edit it; delete a line to remove "
            "the tag. Keys are 1-128 characters (no aws: prefix), values up to 256; at most 50."
        )
        self.app.push_screen(TagsForm(info, f"Tags of {name}", intro, build), self._review)

    def action_add_gsi(self) -> None:
        info = self._ready()
        if info is None:
            return
        admin, name = self.admin, info.name

        async def build(v: GsiValues) -> Plan:
            return await admin.plan_add_gsi(name, v.index, local=v.local)

        mode = "provisioned" if info.billing_mode == "PROVISIONED" else "on-demand"
        intro = (
            f"{name} is {mode}: "
            + (
                "the GSI needs its own read and write capacity units. "
                if mode == "provisioned"
                else "read/write are an optional maximum. "
            )
            + "At most 20 GSIs; LSIs can only be created with the table."
        )
        form = AddGsiForm(info, f"Add a global secondary index to {name}", intro, build)
        self.app.push_screen(form, self._review)

    def action_delete_gsi(self) -> None:
        info = self._ready()
        if info is None:
            return
        if not info.gsis:
            self.notify(f"{info.name} has no global secondary indexes", severity="warning")
            return
        admin, name = self.admin, info.name

        async def build(index: str) -> Plan:
            return await admin.plan_delete_gsi(name, index)

        intro = "Deleting a GSI removes its data; re-creating it means a new backfill."
        form = DeleteGsiForm(info, f"Delete a GSI of {name}", intro, build)
        self.app.push_screen(form, self._review)

    def action_toggle_pitr(self) -> None:
        info = self._ready()
        if info is not None:
            self._plan_toggle("pitr", info)

    def action_toggle_deletion_protection(self) -> None:
        info = self._ready()
        if info is not None:
            self._plan_toggle("protection", info)

    def action_toggle_table_class(self) -> None:
        info = self._ready()
        if info is not None:
            self._plan_toggle("class", info)

    @work(exclusive=True, exit_on_error=False, group="table-plan")
    async def _plan_toggle(self, what: str, info: TableInfo) -> None:
        admin, name = self.admin, info.name
        if what == "pitr":
            plan = await admin.plan_pitr(name, info.pitr_status != "ENABLED")
        elif what == "protection":
            plan = await admin.plan_deletion_protection(name, not info.deletion_protection)
        else:
            target = OTHER_CLASS.get(info.table_class, "STANDARD")
            plan = await admin.plan_table_class(name, target)
        self._review(plan)

    # --- confirmation -> execution --------------------------------------------------------------

    def _review(self, plan: Plan | None) -> None:
        if plan is not None and self.info is not None:
            self._send(plan, self.info.name)

    @work(exclusive=True, exit_on_error=False, group="table-write")
    async def _send(self, plan: Plan, table: str) -> None:
        try:
            sent, _ = await confirm_and_send(self, plan)
        except BaseException:
            self.post_message(self.TableChanged(table))
            raise
        if not sent:
            return
        self.notify(plan.done, title=sent_title(plan))
        self.post_message(self.TableChanged(table))
        gsi = any("GlobalSecondaryIndexUpdates" in p.params for p in plan)
        self.follow(table, "ACTIVE", announce=gsi)
