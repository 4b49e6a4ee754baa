"""Textual Bindings built from the action registry in keys.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual.binding import Binding

from ddbconsole.ui.keys import Action


def make_binding(action: Action) -> Binding:
    return Binding(
        action.key, action.action, action.label, show=action.show, id=action.id, tooltip=action.help
    )


class HidesWritesWhenReadOnly:
    """Mixin for panes: their write actions vanish from the footer and palette in read-only mode.

    The client hook is the guarantee (DESIGN.md rule 1); this keeps on-call screens free of actions
    that would only be refused.
    """

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        app: Any = getattr(self, "app", None)
        return not (action in self.WRITE_ACTIONS and app is not None and app.settings.read_only)


def write_actions(actions: Iterable[Action]) -> frozenset[str]:
    return frozenset(a.action for a in actions if a.write)
