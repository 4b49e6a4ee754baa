"""Command palette entries: every action of the action registry (ui/keys.py) that applies where the
palette was opened, under its plain-English title. Write actions are left out in read-only mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ddbconsole.ui.keys import APP_ACTIONS, DIAGNOSE_ACTIONS, Action, keys_of
from ddbconsole.ui.main import MainScreen


def _runner(target: Any, action: str) -> Callable[[], Any]:
    async def run() -> None:
        await target.run_action(action)

    return run


def action_commands(app: Any, screen: Screen[Any], read_only: bool) -> Iterator[SystemCommand]:
    groups: list[tuple[Any, tuple[Action, ...]]] = [(app, APP_ACTIONS)]
    if isinstance(screen, MainScreen):
        groups.extend(screen.action_groups())
    elif type(screen).__name__ == "DiagnoseScreen":  # by name: its module loads on first use
        groups.append((screen, DIAGNOSE_ACTIONS))
    remaps = app.settings.keys
    for target, actions in groups:
        for action in actions:
            if action.id == "command_palette" or (read_only and action.write):
                continue
            keys = " or ".join(app.get_key_display(Binding(k, "")) for k in keys_of(action, remaps))
            help_text = f"key {keys}: {action.help}" if keys else action.help
            yield SystemCommand(action.title, help_text, _runner(target, action.action))
