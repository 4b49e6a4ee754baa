"""Textual Bindings built from the action registry in keys.py."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding

from ddbconsole.ui.keys import Action


def make_binding(action: Action) -> Binding:
    return Binding(
        action.key, action.action, action.label, show=action.show, id=action.id, tooltip=action.help
    )


def write_actions(actions: Iterable[Action]) -> frozenset[str]:
    """The Textual action names of the registry's write actions (`ConsoleBase.WRITE_ACTIONS`)."""
    return frozenset(a.action for a in actions if a.write)
