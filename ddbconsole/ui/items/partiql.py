"""PartiQL console: a statement, optional parameters, and the history of recent statements."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from ddbconsole import codec
from ddbconsole.errors import UserInputError
from ddbconsole.services.plans import Plan
from ddbconsole.services.readonly import is_select
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.plan_form import plan_screen

if TYPE_CHECKING:
    from ddbconsole.models import StatementRecord

# (statement, parameters, the confirmed write or None for a SELECT)
Request = tuple[str, list[dict[str, Any]], Plan | None]


def parse_parameters(text: str) -> list[dict[str, Any]]:
    """`["a", 1]` in the editor's plain JSON -> AttributeValues (DynamoDB's `?` parameters)."""
    if not text.strip():
        return []
    wrapper = codec.loads(f'{{"p": {text}}}')["p"]
    if codec.type_of(wrapper) != "L":
        raise UserInputError("Parameters", 'give a JSON array, e.g. ["user-1", 42]')
    values: list[dict[str, Any]] = wrapper["L"]
    return values


class PartiQLScreen(ConsoleBase, ModalScreen[Request | None]):
    DEFAULT_CSS = """
    PartiQLScreen { align: center middle; }
    PartiQLScreen > Vertical { width: 90%; height: 80%; border: thick $accent; background: $surface;
        padding: 1 2; }
    PartiQLScreen #statement { height: 8; }
    PartiQLScreen #history { height: 1fr; }
    PartiQLScreen #partiql-error { color: $error; height: auto; }
    """
    BINDINGS = [
        Binding("ctrl+r", "run", "Run", id="partiql_run"),
        Binding("escape", "cancel", "Cancel", id="partiql_cancel"),
    ]

    def __init__(self, table: str | None) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        example = f'SELECT * FROM "{self.table}"' if self.table else 'SELECT * FROM "Table"'
        with Vertical():
            yield Label("[b]PartiQL[/b]  ctrl+r runs · results page into the Items browser")
            yield TextArea(example, id="statement")
            yield Input(
                placeholder='parameters for ?, as a JSON array: ["user-1", 42]', id="params"
            )
            yield Label("", id="partiql-error")
            yield Label("History (Enter puts it back in the editor):")
            yield OptionList(id="history")

    def on_mount(self) -> None:
        self._records: list[StatementRecord] = []
        self.query_one("#statement", TextArea).focus()
        self.load_history()

    @work(exclusive=True, exit_on_error=False, group="partiql-history")
    async def load_history(self) -> None:
        """Read the history file in a thread, then list it (newest first)."""
        records = await asyncio.to_thread(self.ctx.services.items.history.load)
        self._records = list(reversed(records))
        history = self.query_one("#history", OptionList)
        for record in self._records:
            params = json.dumps(list(record.parameters)) if record.parameters else ""
            history.add_option(
                Option(Text(" ".join(record.statement.split()) + (f"  {params}" if params else "")))
            )

    @on(OptionList.OptionSelected, "#history")
    def recall(self, event: OptionList.OptionSelected) -> None:
        record = self._records[event.option_index]
        self.query_one("#statement", TextArea).load_text(record.statement)
        plain = [
            codec.dumps_value(codec.loads_value(json.dumps(p), "dynamodb"))
            for p in record.parameters
        ]
        self.query_one("#params", Input).value = "[" + ", ".join(plain) + "]" if plain else ""
        self.query_one("#statement", TextArea).focus()

    def action_run(self) -> None:
        statement = self.query_one("#statement", TextArea).text
        try:
            if not statement.strip():
                raise UserInputError("Empty statement", "type a PartiQL statement")
            params = parse_parameters(self.query_one("#params", Input).value)
        except UserInputError as exc:
            self.query_one("#partiql-error", Label).update(Text(str(exc)))
            return
        if is_select(statement) or self.ctx.read_only:
            self.dismiss((statement, params, None))  # read-only: the client hook refuses a write
            return
        # A write is a Plan: its exact ExecuteStatement request is shown and, once confirmed,
        # sent as shown by the Items browser (which pages the result).
        plan = self.ctx.services.items.plan_statement(statement, params)

        def done(ok: bool | None) -> None:
            if ok:
                self.dismiss((statement, params, plan))

        self.app.push_screen(plan_screen(plan, self.ctx.services), done)

    @on(Input.Submitted, "#params")
    def params_submitted(self) -> None:
        self.action_run()

    def action_cancel(self) -> None:
        self.dismiss(None)
