"""The frame shared by every change form (capacity, table settings): read what the user typed, ask a
service for the plan (its rule checks run, nothing is sent), and close with a `Change` for the pane
to confirm and execute. Errors show under the fields (what was typed is kept) and go through the
app's error funnel.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from ddbconsole.errors import DdbConsoleError, UserInputError
from ddbconsole.models import PlannedRequest
from ddbconsole.ui.errors import WorkerErrors

if TYPE_CHECKING:
    from ddbconsole.ui.app import DdbConsoleApp

V = TypeVar("V")


@dataclass(frozen=True)
class Change:
    """A change ready to confirm: the exact requests and the call that sends them."""

    title: str  # the confirmation's question
    plan: tuple[PlannedRequest, ...]
    execute: Callable[[], Awaitable[object]]
    done: str  # the notification once sent
    notes: tuple[str, ...] = ()
    confirm_label: str = "Send"


def render_change(change: Change) -> Text:
    """The confirmation body: notes, then every request as JSON, in the order they are sent."""
    body = Text()
    for note in change.notes:
        body.append(f"{note}\n", style="italic")
    if change.notes:
        body.append("\n")
    count = len(change.plan)
    body.append(f"{count} request{'s' if count != 1 else ''}, sent in this order:\n", style="dim")
    for n, request in enumerate(change.plan, 1):
        body.append(f"\n{n}. {request.service} {request.operation}\n", style="bold")
        body.append(json.dumps(request.params, indent=2, ensure_ascii=False, default=str))
        body.append("\n")
    return body


class FieldError(UserInputError):
    """Bad input in one field: the message shows under the form and that field gets focus."""

    def __init__(self, field: str, title: str, advice: str) -> None:
        super().__init__(title, advice)
        self.field = field


class PlanForm(WorkerErrors, ModalScreen[Change | None], Generic[V]):
    """Title, intro, fields, error and status lines, Review/Cancel. Subclasses give the fields,
    `read_values` (raising FieldError/UserInputError) and a `build` coroutine making the Change."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form_cancel"),
        Binding("ctrl+s", "submit", "Review request", id="form_submit"),
    ]

    def __init__(self, title: str, build: Callable[[V], Awaitable[Change]]) -> None:
        super().__init__()
        self.title_text = title
        self.build = build

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(f"[b]{self.title_text}[/b]", id="form-title")
            yield from self.compose_intro()
            with Vertical(id="fields"):
                yield from self.compose_fields()
            yield Static("", id="form-error")
            yield Static("", id="form-status")
            with Horizontal(classes="buttons"):
                yield Button("Review request", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")
                yield Label("enter/ctrl+s review the requests · esc cancel", classes="hint")

    def compose_intro(self) -> Iterable[Widget]:
        return ()

    def compose_fields(self) -> Iterable[Widget]:
        raise NotImplementedError

    def read_values(self) -> V:
        raise NotImplementedError

    def on_mount(self) -> None:
        focusable = [w for w in self.query("#fields *") if w.focusable]
        if focusable:
            focusable[0].focus()

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

    def say(self, which: str, text: Text | str) -> None:
        """Show (or with "" hide) the error or status line under the fields."""
        line = self.query_one(f"#form-{which}", Static)
        line.update(text)
        line.display = bool(text)

    def show_error(self, exc: DdbConsoleError) -> None:
        text = Text(exc.title, style="bold")
        if exc.advice:
            text.append(f": {exc.advice}")
        self.say("error", text)
        self.say("status", "")
        if isinstance(exc, FieldError) and self.query(f"#{exc.field}"):
            self.query(f"#{exc.field}").first().focus()

    @on(Button.Pressed, "#submit")
    @on(Input.Submitted)
    def action_submit(self) -> None:
        self.say("error", "")
        try:
            values = self.read_values()
        except UserInputError as exc:
            self.show_error(exc)
            return
        self._plan(values)

    @work(exclusive=True, exit_on_error=False, group="plan")
    async def _plan(self, values: V) -> None:
        self.say("status", "Checking the rules and building the requests…")
        try:
            change = await self.build(values)
        except DdbConsoleError as exc:
            self.show_error(exc)
            app: DdbConsoleApp = self.app  # type: ignore[assignment]
            app.report_error(exc, source="plan")
            return
        self.dismiss(change)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
