"""Help: every key and command, generated from the bindings (with the user's remaps)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ddbconsole.ui.keys import (
    APP_ACTIONS,
    CAPACITY_ACTIONS,
    ITEM_ACTIONS,
    MAIN_ACTIONS,
    METRICS_ACTIONS,
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
        "plus": "+",
        "minus": "-",
        "greater_than_sign": ">",
        "less_than_sign": "<",
    }
    return ", ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


def help_table(keymap: Mapping[str, str], read_only: bool) -> Table:
    table = Table(expand=True, box=None, padding=(0, 2))
    table.add_column("Key", style="bold cyan", no_wrap=True)
    table.add_column("Command")
    table.add_column("What it does", style="dim")
    table.add_column("Id", style="dim")
    sections: list[tuple[str, tuple[Action, ...]]] = [
        ("Anywhere", APP_ACTIONS),
        ("Main screen", MAIN_ACTIONS),
        ("Items tab", ITEM_ACTIONS),
        ("Capacity tab", CAPACITY_ACTIONS),
        ("Metrics tab", METRICS_ACTIONS),
        ("Settings tab", TABLE_ACTIONS),
    ]
    for title, actions in sections:
        table.add_row(f"[b]{title}[/b]", "", "", "")
        for action in actions:
            if read_only and action.write:
                continue
            table.add_row(
                _key_display(keymap.get(action.id, action.key)),
                action.title,
                action.help,
                action.id,
            )
    table.add_row("", "", "", "")
    table.add_row("ctrl+p", "Command palette", "Every command by name", "")
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 100; height: 80%; border: thick $accent; background: $surface; padding: 1 2; }
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
            yield Static(help_table(self.keymap, self.read_only), id="help-table")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
