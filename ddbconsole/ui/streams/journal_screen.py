"""This session's item changes (the undo journal), from the operation log (`c`): which write, which
table and key, when, and whether it was undone; `u` undoes the selected one, conditionally.

Only keys are shown, not item contents; the journal itself stays in memory (services/journal.py).
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ddbconsole.services.journal import JournalEntry
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.footer import KeyFooter


class JournalScreen(ConsoleBase, Screen[None]):
    DEFAULT_CSS = """
    JournalScreen #journal-head { height: auto; padding: 0 1; background: $panel; }
    JournalScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="journal_close"),
        Binding("u", "undo", "Undo selected", id="journal_undo"),
    ]
    WRITE_ACTIONS = frozenset({"undo"})

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[JournalEntry] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="journal-head")
        yield DataTable(id="journal", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Time (UTC)", "Write", "Table", "Key", "Change", "")
        self.show()
        self.query_one(DataTable).focus()

    def show(self) -> None:
        journal = self.ctx.services.journal
        self.entries = list(reversed(journal.entries))
        grid = self.query_one(DataTable)
        grid.clear()
        for e in self.entries:
            undone = Text("undone", style="dim") if e.id in journal.undone else ""
            what = f"not undoable: {e.blocked}" if e.blocked else e.what
            grid.add_row(f"{e.time:%H:%M:%S}", e.operation, e.table, e.key_text, what,
                         undone)  # fmt: skip
        head = Text(f"This session's item changes: {len(self.entries)}", style="bold")
        head.append("  newest first; u undoes the selected one if the item is still as written"
                    + ("" if journal.path is None else f"; journal file {journal.path}"),
                    style="dim")  # fmt: skip
        self.query_one("#journal-head", Static).update(head)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_undo(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.entries):
            entry = self.entries[row]
            if entry.id in self.ctx.services.journal.undone:
                self.notify("Already undone", severity="warning")
            else:
                self._undo(entry)

    @work(exclusive=True, exit_on_error=False, group="journal-undo")
    async def _undo(self, entry: JournalEntry) -> None:
        from ddbconsole.ui.streams.history import undo_entry

        if await undo_entry(self, entry):
            if entry.bulk is None:
                self.notify("Change undone", title="Undo")
            self.show()
