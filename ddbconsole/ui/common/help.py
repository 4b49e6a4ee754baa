"""Help: every key and command, generated from the bindings (with the user's remaps)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from rich.markup import escape
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ddbconsole.ui.keys import (
    APP_ACTIONS,
    BACKUP_ACTIONS,
    CAPACITY_ACTIONS,
    DIAGNOSE_ACTIONS,
    ITEM_ACTIONS,
    JOB_ACTIONS,
    MAIN_ACTIONS,
    METRICS_ACTIONS,
    STREAM_ACTIONS,
    TABLE_ACTIONS,
    Action,
)


def _key_display(key: str) -> str:
    names = {
        "question_mark": "?",
        "colon": ":",
        "slash": "/",
        "right_square_bracket": "]",
        "left_square_bracket": "[",
        "dollar_sign": "$",
        "number_sign": "#",
        "exclamation_mark": "!",
        "plus": "+",
        "minus": "-",
        "greater_than_sign": ">",
        "less_than_sign": "<",
        "backslash": "\\",
        "escape": "esc",
    }
    return ", ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


# Dialogs whose keys the help lists from their own BINDINGS: (title, module under ui/, class,
# writes only).
DIALOGS: tuple[tuple[str, str, str, bool], ...] = (
    ("Item editor", "items.item_editor", "ItemEditorScreen", False),
    ("Save conflict", "items.conflict", "ConflictScreen", True),
    ("PartiQL", "items.partiql", "PartiQLScreen", False),
    ("New table", "tables.create_table", "CreateTableScreen", True),
    ("Capacity and settings forms", "common.plan_form", "PlanForm", True),
    ("Overview of all tables", "metrics.overview", "OverviewScreen", False),
    ("Operation log", "metrics.oplog", "OperationLogScreen", False),
)
WRITE_BINDINGS = frozenset({"editor_edit", "editor_save"})


NARROW = 100  # below this many columns the id goes under its command instead of in a column


def help_table(keymap: Mapping[str, str], read_only: bool, width: int | None = None) -> Table:
    # Section titles sit in the Command column: the Key column stays as narrow as the keys, and
    # ids are never cut (the descriptions wrap instead). On a narrow terminal (80x24) a fourth
    # column would squeeze the descriptions to a few words a line: each command then takes two
    # lines, "title  what it does" and its id.
    narrow = width is not None and width < NARROW
    table = Table(expand=True, box=None, padding=(0, 1))
    table.add_column("Key", style="bold cyan", no_wrap=True, max_width=14)
    if narrow:
        table.add_column("Command, what it does, id")
    else:
        table.add_column("Command", ratio=2)
        table.add_column("What it does", style="dim", ratio=3)
        table.add_column("Id", style="dim", no_wrap=True)

    def section(title: str) -> None:
        cells = ("", f"[b]{title}[/b]") if narrow else ("", f"[b]{title}[/b]", "", "")
        table.add_row(*cells)

    def entry(key: str, title: str, what: str, ident: str) -> None:
        if not narrow:
            table.add_row(_key_display(key), title, what, ident)
            return
        text = escape(title) + (f"  [dim]{escape(what)}[/dim]" if what else "")
        table.add_row(_key_display(key), text + (f"\n[dim]{ident}[/dim]" if ident else ""))

    sections: list[tuple[str, tuple[Action, ...]]] = [
        ("Anywhere", APP_ACTIONS),
        ("Main screen", MAIN_ACTIONS),
        ("Items tab", ITEM_ACTIONS),
        ("Capacity tab", CAPACITY_ACTIONS),
        ("Metrics tab", METRICS_ACTIONS),
        ("Settings tab", TABLE_ACTIONS),
        ("Backups screen", BACKUP_ACTIONS),
        ("S3 jobs screen", JOB_ACTIONS),
        ("Stream tab", STREAM_ACTIONS),
        ("Diagnose", DIAGNOSE_ACTIONS),
    ]
    for title, actions in sections:
        section(title)
        for action in actions:
            if read_only and action.write:
                continue
            entry(keymap.get(action.id, action.key), action.title, action.help, action.id)
    for title, module, name, writes in DIALOGS:
        if read_only and writes:
            continue  # dialogs only writes reach
        section(title)
        screen = getattr(importlib.import_module(f"ddbconsole.ui.{module}"), name)
        for binding in screen.BINDINGS:
            if not isinstance(binding, Binding) or (read_only and binding.id in WRITE_BINDINGS):
                continue
            key = keymap.get(binding.id, binding.key) if binding.id else binding.key
            entry(key, binding.description, "", binding.id or "")
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 100%; max-width: 130; height: 90%; border: thick $accent; background: $surface; padding: 1 2; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="close_help"),
    ]

    def __init__(self, keymap: Mapping[str, str], read_only: bool) -> None:
        super().__init__()
        self.keymap = keymap
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("[b]ddbconsole keys[/b]  (remap by id under keys: in the config)\n")
            table = help_table(self.keymap, self.read_only, width=self.app.size.width)
            yield Static(table, id="help-table")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
