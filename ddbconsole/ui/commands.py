"""Command palette entries: every action of the action registry (ui/keys.py) that applies where the
palette was opened, under its plain-English title. Write actions are left out in read-only mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual.app import SystemCommand
from textual.screen import Screen
from textual.widgets import TabbedContent

from ddbconsole.ui.keys import (
    APP_ACTIONS,
    CAPACITY_ACTIONS,
    DIAGNOSE_ACTIONS,
    ITEM_ACTIONS,
    MAIN_ACTIONS,
    METRICS_ACTIONS,
    STREAM_ACTIONS,
    TABLE_ACTIONS,
    Action,
)
from ddbconsole.ui.main import MainScreen

# The tab's pane that runs each tab's actions.
PANE_ACTIONS = {
    "items": ITEM_ACTIONS,
    "capacity": CAPACITY_ACTIONS,
    "metrics": METRICS_ACTIONS,
    "stream": STREAM_ACTIONS,
}


def _runner(target: Any, action: str) -> Callable[[], Any]:
    async def run() -> None:
        await target.run_action(action)

    return run


def action_commands(app: Any, screen: Screen[Any], read_only: bool) -> Iterator[SystemCommand]:
    groups: list[tuple[Any, tuple[Action, ...]]] = [(app, APP_ACTIONS)]
    if isinstance(screen, MainScreen):
        groups.append((screen, MAIN_ACTIONS))
        active = screen.query_one(TabbedContent).active
        if active in PANE_ACTIONS and (pane := screen.pane(active)) is not None:
            groups.append((pane, PANE_ACTIONS[active]))
        elif active == "settings":
            groups.append((screen.query_one("#settings-pane"), TABLE_ACTIONS))
    elif type(screen).__name__ == "DiagnoseScreen":  # by name: its module loads on first use
        groups.append((screen, DIAGNOSE_ACTIONS))
    for target, actions in groups:
        for action in actions:
            if action.id == "command_palette" or (read_only and action.write):
                continue
            yield SystemCommand(action.title, action.help, _runner(target, action.action))
