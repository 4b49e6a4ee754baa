"""Someone changed the item meanwhile: both versions side by side; reload, overwrite or cancel."""

from __future__ import annotations

from typing import Any, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ddbconsole import codec

Choice = Literal["reload", "overwrite", "cancel"]


def differing(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[str]:
    a, b = a or {}, b or {}
    names = list(dict.fromkeys([*a, *b]))
    return [n for n in names if n not in a or n not in b or not codec.same_value(a[n], b[n])]


class ConflictScreen(ModalScreen[Choice]):
    DEFAULT_CSS = """
    ConflictScreen { align: center middle; }
    ConflictScreen > Vertical { width: 95%; height: 90%; border: thick $warning; background: $surface;
        padding: 1 2; }
    ConflictScreen #sides { height: 1fr; }
    ConflictScreen #sides > VerticalScroll { width: 1fr; border: round $panel-lighten-2; padding: 0 1; }
    ConflictScreen #choices { height: auto; margin-top: 1; }
    ConflictScreen Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("r", "choose('reload')", "Reload theirs", id="conflict_reload"),
        Binding("o", "choose('overwrite')", "Overwrite", id="conflict_overwrite"),
        Binding("escape,c", "choose('cancel')", "Keep editing", id="conflict_cancel"),
    ]

    def __init__(
        self, table: str, attempted: dict[str, Any], current: dict[str, Any] | None
    ) -> None:
        super().__init__()
        self.table = table
        self.attempted = attempted
        self.current = current

    def compose(self) -> ComposeResult:
        changed = differing(self.attempted, self.current)
        with Vertical():
            yield Label(
                f"[b]This item in {self.table} changed since you loaded it.[/b] Nothing was written."
            )
            yield Label("Differs: " + (", ".join(changed) or "(only attributes you did not touch)"))
            with Horizontal(id="sides"):
                with VerticalScroll():
                    yield Static(Text("Your version", style="bold"))
                    yield Static(Text(codec.dumps(self.attempted)), id="yours")
                with VerticalScroll():
                    yield Static(Text("Now on the server", style="bold"))
                    theirs = codec.dumps(self.current) if self.current is not None else "(deleted)"
                    yield Static(Text(theirs), id="theirs")
            with Horizontal(id="choices"):
                yield Button("Reload theirs (r)", id="reload")
                yield Button("Overwrite with mine (o)", variant="error", id="overwrite")
                yield Button("Keep editing (esc)", id="cancel")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)  # type: ignore[arg-type]

    def action_choose(self, choice: Choice) -> None:
        self.dismiss(choice)
