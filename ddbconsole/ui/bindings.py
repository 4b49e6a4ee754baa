"""Textual Bindings built from the action registry in keys.py."""

from __future__ import annotations

from textual.binding import Binding

from ddbconsole.ui.keys import Action


def make_binding(action: Action) -> Binding:
    return Binding(
        action.key, action.action, action.label, show=action.show, id=action.id, tooltip=action.help
    )
