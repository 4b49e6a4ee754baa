"""Confirmation dialogs that say exactly what will be sent (docs/ARCHITECTURE.md, Every change is a Plan)."""

from __future__ import annotations

from rich.console import RenderableType
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ConfirmScreen(ModalScreen[bool]):
    """Yes/no with the request shown; optionally the user must type `require_text` to confirm.

    With `extra_label`, a third choice (a button and ctrl+b, e.g. "Back up first") answers False
    with `chose_extra` set.
    """

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: thick $error;
        background: $surface; padding: 1 2; }
    ConfirmScreen > Vertical > Label { width: 100%; }
    ConfirmScreen VerticalScroll { height: auto; max-height: 30; }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmScreen Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("escape,n", "cancel", "Cancel", id="confirm_cancel"),
        Binding("y", "confirm", "Confirm", id="confirm_yes"),
        # ctrl+b also works while the typed-confirmation field has the focus.
        Binding("ctrl+b", "extra", "Back up first", id="confirm_extra", priority=True),
    ]

    def __init__(
        self,
        title: str,
        body: RenderableType,
        *,
        confirm_label: str = "Confirm",
        require_text: str = "",
        extra_label: str = "",
    ) -> None:
        super().__init__()
        self.extra_label = extra_label
        self.chose_extra = False
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label
        self.require_text = require_text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{self.title_text}[/b]")
            with VerticalScroll():
                yield Static(self.body, id="confirm-body")
            if self.require_text:
                yield Label(f"Type [b]{self.require_text}[/b] to confirm:")
                yield Input(id="confirm-text")
            with Horizontal():
                yield Button(self.confirm_label, variant="error", id="yes")
                yield Button("Cancel", id="no")
                if self.extra_label:
                    yield Button(f"{self.extra_label} (ctrl+b)", variant="primary", id="extra")

    def on_mount(self) -> None:
        if self.require_text:
            self.query_one("#confirm-text", Input).focus()
        else:
            self.query_one("#no", Button).focus()
        self.call_after_refresh(self.fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit)

    def fit(self) -> None:
        """Keep the buttons on screen (80x24 included): the requests scroll in what is left."""
        box = self.query_one("ConfirmScreen > Vertical", Vertical)
        scroll = box.query_one(VerticalScroll)
        chrome = box.styles.gutter.height  # border and padding
        others = sum(
            child.outer_size.height + child.styles.margin.height
            for child in box.children
            if child is not scroll
        )
        room = int(self.size.height * 0.9) - chrome - others
        scroll.styles.max_height = max(3, min(30, room))

    def _typed_ok(self) -> bool:
        return (
            not self.require_text
            or self.query_one("#confirm-text", Input).value == self.require_text
        )

    @on(Button.Pressed, "#yes")
    def action_confirm(self) -> None:
        if self._typed_ok():
            self.dismiss(True)
        else:
            self.notify(f"Type {self.require_text} exactly to confirm", severity="warning")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self.extra_label) if action == "extra" else True

    @on(Button.Pressed, "#extra")
    def action_extra(self) -> None:
        if self.extra_label:
            self.chose_extra = True
            self.dismiss(False)

    @on(Button.Pressed, "#no")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted, "#confirm-text")
    def submitted(self) -> None:
        self.action_confirm()
