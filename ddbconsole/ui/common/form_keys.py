"""Keys every form keeps: enter and ctrl+s review it from any field, a checkbox included (space
toggles a checkbox; enter never toggles and reviews at once), and a field refused by validation
gets focus with its text selected, ready to be typed over."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Checkbox, Input, RadioButton

# priority: a focused checkbox would take enter (toggle) before the form saw it.
ENTER_REVIEWS = Binding(
    "enter", "enter_review", "Review", show=False, priority=True, id="form_enter"
)


class FormKeys:
    """Mixin for a form screen (before the Textual class): `REVIEW_ACTION` is its review action."""

    REVIEW_ACTION = "submit"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enter_review":  # only where enter would otherwise toggle a checkbox
            return isinstance(getattr(self, "focused", None), Checkbox | RadioButton)
        return super().check_action(action, parameters)  # type: ignore[misc, no-any-return]

    async def action_enter_review(self) -> None:
        screen: Any = self
        await screen.run_action(self.REVIEW_ACTION)


def focus_field(widget: Widget) -> None:
    """Focus a field refused by validation, its text selected so typing replaces it."""
    widget.focus()
    if isinstance(widget, Input):
        widget.action_select_all()
