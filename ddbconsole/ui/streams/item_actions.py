"""The Items tab's stream-related actions (kept here so the pane stays small): show an item by its
key (a stream record's "go to item"), its history (`h`) and undo (`u`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import DataTable, Input, Select

from ddbconsole import codec
from ddbconsole.services.items import key_of

if TYPE_CHECKING:
    from ddbconsole.models import Page
    from ddbconsole.services.journal import JournalEntry
    from ddbconsole.services.plans import Plan
    from ddbconsole.ui.items.items_pane import ItemsPane


def show_key(pane: ItemsPane, key: dict[str, Any]) -> None:
    """Query the table for the item with `key`."""
    from ddbconsole.ui.items.query_bar import TABLE

    table = pane.table
    if table is None:
        return
    pane.loaded_for = table.name
    pane.query_one("#index", Select).value = TABLE
    pane.query_one("#mode", Select).value = "query"
    pane.query_one("#sk-op", Select).value = "="
    for field, attr in (("#pk", table.partition_key), ("#sk", table.sort_key)):
        value = key.get(attr.name) if attr is not None else None
        pane.query_one(field, Input).value = codec.dumps_value(value) if value else ""
    pane.query_one("#sk2", Input).value = ""
    pane.run_query()
    pane.query_one(DataTable).focus()


def open_history(pane: ItemsPane) -> None:
    """The selected item's history from the table's stream."""
    from ddbconsole.ui.streams.history import ItemHistoryScreen

    item = pane.current_item()
    if item is None or pane.table is None:
        pane.notify("Select an item first", severity="warning")
        return
    screen = ItemHistoryScreen(pane.table, key_of(pane.table, item))
    pane.app.push_screen(screen, lambda wrote: pane.reload_page() if wrote else None)


def undo(pane: ItemsPane) -> None:
    """Undo the session's last item write (in a worker: it asks, then sends)."""
    from ddbconsole.ui.streams.history import undo_last

    async def run() -> None:
        if await undo_last(pane):
            pane.notify("Last change undone", title="Undo")
            pane.reload_page()

    pane.run_worker(run(), exclusive=True, exit_on_error=False, group="item-write")


async def send_partiql_write(pane: ItemsPane, plan: Plan) -> Page:
    """Send a confirmed PartiQL write, then say whether `u` can undo it (its journal entry)."""
    journal = pane.ctx.services.journal
    previous = journal.entries[-1] if journal.entries else None
    page: Page = await pane.ctx.services.execute(plan)
    entry = journal.entries[-1] if journal.entries else None
    if entry is not None and entry is not previous:
        tell_undo(pane, entry)
    return page


def tell_undo(pane: ItemsPane, entry: JournalEntry) -> None:
    if entry.blocked:
        pane.notify(f"Not undoable: {entry.blocked}", title="PartiQL write", severity="warning")
    else:
        pane.notify(f"{entry.summary}: u undoes it", title="PartiQL write")
