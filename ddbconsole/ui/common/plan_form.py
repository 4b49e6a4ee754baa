"""The frame shared by every change form (capacity, table settings): read what the user typed, ask a
service for the plan (its rule checks run, nothing is sent), and close with a `Plan` for the pane
to confirm and execute. Errors show under the fields (what was typed is kept) and go through the
app's error funnel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rich.console import Group, RenderableType
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
from ddbconsole.services.plans import Plan, request_json, session_cli
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.common.form_keys import ENTER_REVIEWS, FormKeys, focus_field
from ddbconsole.ui.context import context_of

if TYPE_CHECKING:
    from ddbconsole.services import Services

V = TypeVar("V")
R = TypeVar("R")


def render_plan(plan: Plan, cli: Callable[[PlannedRequest], str]) -> RenderableType:
    """The confirmation body: notes, every request as JSON in the order they are sent, what is
    re-checked first, what follows, and each request's equivalent `aws` CLI command."""
    body = Text()
    for note in plan.notes:
        body.append(f"{note}\n", style="italic")
    if plan.notes:
        body.append("\n")
    count = len(plan)
    if plan.summary:  # a bulk plan: how the requests shown stand for all that are sent
        body.append(f"{plan.summary}:\n", style="dim")
    else:
        body.append(
            f"{count} request{'s' if count != 1 else ''}, sent in this order:\n", style="dim"
        )
    for n, request in enumerate(plan, 1):
        body.append(f"\n{n}. {request.service} {request.operation}\n", style="bold")
        body.append(request_json(request))
        body.append("\n")
    for heading, lines in (("Re-checked before sending:", plan.checks), ("Then:", plan.then)):
        if lines:
            body.append(f"\n{heading}\n", style="bold")
            for line in lines:
                body.append(f"  - {line}\n")
    clis = [Text(cli(request), style="cyan") for request in plan]
    heading = "Equivalent AWS CLI command" + ("s:" if len(clis) != 1 else ":")
    return Group(body, Text(heading, style="bold"), *clis)


def plan_screen(plan: Plan, services: Services) -> ConfirmScreen:
    """The confirmation of `plan`: its requests, checks, what follows and the CLI equivalent."""
    body = render_plan(plan, lambda r: session_cli(services.session, r))
    return ConfirmScreen(
        plan.title, body, confirm_label=plan.confirm_label, require_text=plan.require_text
    )


async def confirm_and_send(owner: Widget, plan: Plan) -> tuple[bool, Any]:
    """Show `plan`, wait for the answer and, if confirmed, send exactly it (`Services.execute`).
    Returns (confirmed, result). Call from a worker: every change is a Plan, shown before it is
    sent, and this is the one way the UI shows and sends one."""
    services = context_of(owner).services
    if not await owner.app.push_screen_wait(plan_screen(plan, services)):
        return False, None
    return True, await services.execute(plan)


def sent_title(plan: Plan) -> str:
    count = len(plan)
    return f"{count} request{'s' if count != 1 else ''} sent"


class FieldError(UserInputError):
    """Bad input in one field: the message shows under the form and that field gets focus."""

    def __init__(self, field: str, title: str, advice: str, *, code: str = "") -> None:
        super().__init__(title, advice, code=code)
        self.field = field


def parse_number(
    raw: str, field: str, what: str, *, blank: float | None = None, whole: bool = False
) -> float | None:
    """A number as typed (thousands separators and a trailing % allowed); blank gives `blank`
    (None: required). FieldError names the field when it is not a number."""
    kind = "whole number" if whole else "number"
    text = raw.strip().replace(",", "").replace("_", "").removesuffix("%").strip()
    if not text:
        if blank is None:
            raise FieldError(field, f"{what.capitalize()} is required", f"type a {kind}")
        return blank
    try:
        return int(text) if whole else float(text)
    except ValueError:
        raise FieldError(field, f"Invalid {what}", f"type a {kind} (got {raw.strip()!r})") from None


def parse_int(
    raw: str, field: str, what: str, *, blank: int | None = None, minimum: int = 1
) -> int | None:
    """A whole number >= `minimum`; blank gives `blank` (None: required)."""
    value = parse_number(raw, field, what, blank=blank, whole=True)
    if value is None or value == blank:
        return blank
    if value < minimum:
        raise FieldError(field, f"Invalid {what}", f"must be at least {minimum} (got {int(value)})")
    return int(value)


class FormScreen(FormKeys, ConsoleBase, ModalScreen[R]):
    """A modal form with an error line (`#form-error`) and a status line (`#form-status`) under
    its fields: errors show there, what was typed is kept, and a FieldError focuses its field with
    its text selected. Enter reviews from a checkbox too (`FormKeys`, with `ENTER_REVIEWS` bound)."""

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
        if isinstance(exc, FieldError):
            found = self.query(f"#{exc.field}")
            if found:
                focus_field(found.first())


class PlanForm(FormScreen[Plan | None], Generic[V]):
    """Title, intro, fields, error and status lines, Review/Cancel. Subclasses give the fields,
    `read_values` (raising FieldError/UserInputError) and a `build` coroutine making the Plan."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form_cancel"),
        Binding("ctrl+s", "submit", "Review request", id="form_submit"),
        ENTER_REVIEWS,
    ]

    def __init__(self, title: str, build: Callable[[V], Awaitable[Plan]]) -> None:
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
        if self.query("#fields TextArea"):  # enter is a new line there
            self.query_one(".buttons .hint", Label).update(
                "ctrl+s reviews the requests (enter elsewhere) · esc cancel"
            )

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

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
            plan = await self.build(values)
        except DdbConsoleError as exc:
            self.show_error(exc)
            self.ctx.report_error(exc, source="plan")
            return
        self.dismiss(plan)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
