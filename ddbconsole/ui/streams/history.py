"""An item's history from the table's stream (up to 24 hours) as a timeline of diffs, restoring an
earlier image; and undo of the console's own last write. Both write conditionally (services/
restore.py): if the item changed meanwhile, both versions are shown and the operator chooses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from ddbconsole import codec
from ddbconsole.errors import ItemConflict, UserInputError
from ddbconsole.models import TableInfo
from ddbconsole.models.streams import StreamInfo, StreamRecord
from ddbconsole.services.journal import JournalEntry
from ddbconsole.services.plans import Plan
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.footer import KeyFooter
from ddbconsole.ui.common.plan_form import confirm_and_send
from ddbconsole.ui.streams.rows import COLUMNS, detail, row

Item = dict[str, Any]


async def send_with_conflicts(
    owner: Widget, table: str, make_plan: Callable[[Item | None, bool], Plan], target: Item | None
) -> bool:
    """Confirm and send `make_plan(expected=None, override=False)`; on a conflict show both
    versions and, if the operator chooses to overwrite, plan again conditional on the version
    shown (`make_plan(current, True)`). True when something was written."""
    from ddbconsole.ui.items.conflict import ConflictScreen

    plan = make_plan(None, False)
    while True:
        try:
            sent, _ = await confirm_and_send(owner, plan)
            return bool(sent)
        except ItemConflict as conflict:
            current = conflict.current
            screen = ConflictScreen(table, dict(target or {}), current)
            if await owner.app.push_screen_wait(screen) != "overwrite":
                return False
            plan = make_plan(current, True)


async def undo_last(owner: Widget) -> bool:
    """Undo the session's last item write (the `u` key). True when something was written."""
    from ddbconsole.ui.context import context_of

    services = context_of(owner).services
    entry = services.journal.last()
    if entry is None:
        owner.notify("Nothing to undo: no item written in this session", severity="warning")
        return False
    return await undo_entry(owner, entry)


async def undo_entry(owner: Widget, entry: JournalEntry) -> bool:
    """Undo one journal entry, asking first. A change that cannot be undone (a PartiQL statement
    whose item is unknown) says why; an import's undo reports what it left. True when written."""
    from ddbconsole.ui.context import context_of

    services = context_of(owner).services
    if entry.blocked:
        owner.notify(
            f"{entry.summary}. Earlier changes: c in the operation log",
            title="Cannot undo the last change" if entry is services.journal.last() else "Undo",
            severity="warning",
        )
        return False
    table = await services.tables.describe(entry.table)
    if entry.bulk is not None:
        bulk_plan = services.journal.plan_undo(services.items, table, entry)
        sent, result = await confirm_and_send(owner, bulk_plan)
        if sent:
            warn = bool(result.conflicts)
            owner.notify(result.summary, title="Import undone",
                         severity="warning" if warn else "information")  # fmt: skip
        return bool(sent)

    def plan(current: Item | None, override: bool) -> Plan:
        return services.journal.plan_undo(
            services.items, table, entry, over=current, override=override
        )

    return await send_with_conflicts(owner, entry.table, plan, entry.before)


class ItemHistoryScreen(ConsoleBase, Screen[bool]):
    """Returns True when a restore was written."""

    DEFAULT_CSS = """
    ItemHistoryScreen #history-title { height: auto; padding: 0 1; background: $panel; }
    ItemHistoryScreen #timeline { height: 40%; }
    ItemHistoryScreen #history-detail { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="history_close"),
        Binding("r", "restore('after')", "Restore this version", id="history_restore"),
        Binding("b", "restore('before')", "Restore version before", id="history_restore_before"),
    ]
    WRITE_ACTIONS = frozenset({"restore"})

    def __init__(self, table: TableInfo, key: Item) -> None:
        super().__init__()
        self.table = table
        self.key = key
        self.stream: StreamInfo | None = None
        self.records: list[StreamRecord] = []
        self.loaded = False
        self.wrote = False

    def compose(self) -> ComposeResult:
        yield Static(self._title("reading the stream…"), id="history-title")
        with Vertical():
            yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="history-detail"):
                yield Static("", id="history-record")
        yield KeyFooter()

    def _title(self, state: str) -> Text:
        text = Text(f"History of {codec.dumps(self.key, indent=None)} in {self.table.name}", "bold")
        text.append(f"  {state}", style="dim")
        return text

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.load()

    @work(exclusive=True, exit_on_error=False, group="history")
    async def load(self) -> None:
        stream, records = await self.ctx.services.streams.item_history(self.table.name, self.key)
        self.stream, self.records, self.loaded = stream, records, True
        grid = self.query_one(DataTable)
        grid.clear()
        grid.add_rows([row(r) for r in records])
        if stream is None:
            state = "the table has no stream: no history (enable one in the Stream tab)"
        elif not records:
            state = "no changes of this item in the stream (it keeps 24 hours)"
        else:
            state = f"{len(records)} change(s), oldest first · {stream.view_type}"
            grid.move_cursor(row=len(records) - 1)
        if stream is not None and stream.lacks():
            state += f" · {stream.lacks()}"
        self.query_one("#history-title", Static).update(self._title(state))
        grid.focus()

    @on(DataTable.RowHighlighted, "#timeline")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.records):
            lacks = self.stream.lacks() if self.stream else ""
            shown = detail(self.records[event.cursor_row], lacks)
            self.query_one("#history-record", Static).update(shown)

    def action_close(self) -> None:
        self.dismiss(self.wrote)

    def action_restore(self, which: str) -> None:
        grid = self.query_one(DataTable)
        if not self.records or not 0 <= grid.cursor_row < len(self.records):
            self.notify("No change selected", severity="warning")
            return
        try:
            target, latest = self._images(self.records[grid.cursor_row], which)
        except UserInputError as exc:
            self.ctx.report_error(exc)
            return
        self._restore(target, latest)

    def _images(self, record: StreamRecord, which: str) -> tuple[Item | None, Item | None]:
        """The image to restore and the latest one (what the item must still be)."""
        assert self.stream is not None
        newest = self.records[-1]
        if not self.stream.has_new:
            raise UserInputError(
                "This stream has no new images", "the latest version is unknown: cannot restore"
            )
        latest = newest.new if newest.event != "REMOVE" else None
        if which == "after":
            return (record.new if record.event != "REMOVE" else None), latest
        if not self.stream.has_old:
            raise UserInputError(
                "This stream has no old images", "restore the version after a change instead (r)"
            )
        return (record.old if record.event != "INSERT" else None), latest

    @work(exclusive=True, exit_on_error=False, group="history-write")
    async def _restore(self, target: Item | None, latest: Item | None) -> None:
        from ddbconsole.services.restore import plan_write_image

        items = self.ctx.services.items

        def plan(current: Item | None, override: bool) -> Plan:
            expected = current if override else latest
            return plan_write_image(
                items, self.table, self.key, target, expected,
                title=f"Restore this version of the item in {self.table.name}?",
                done="Earlier version restored",
                notes=("The item is written back exactly as this image (a PutItem), or deleted "
                       "if the image is 'no item'.",),
            )  # fmt: skip

        if await send_with_conflicts(self, self.table.name, plan, target):
            self.wrote = True
            self.notify("Earlier version restored (u in the Items tab undoes it)", title="Restore")
            self.load()
