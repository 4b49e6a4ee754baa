"""One stream record: its diff and its images; `g` shows the item in the Items tab."""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ddbconsole.models.streams import StreamRecord
from ddbconsole.ui.common.footer import KeyFooter
from ddbconsole.ui.streams.rows import detail

Choice = Literal["goto", "close"]


class RecordDetailScreen(ModalScreen[Choice]):
    DEFAULT_CSS = """
    RecordDetailScreen { align: center middle; }
    RecordDetailScreen > Vertical { width: 95%; height: 90%; border: thick $primary;
        background: $surface; padding: 0 1; }
    RecordDetailScreen VerticalScroll { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "choose('close')", "Back", id="record_close"),
        Binding("g", "choose('goto')", "Go to item", id="record_goto"),
    ]

    def __init__(self, record: StreamRecord, lacks: str = "") -> None:
        super().__init__()
        self.record = record
        self.lacks = lacks

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll():
                yield Static(detail(self.record, self.lacks), id="record-detail")
            yield KeyFooter()

    def action_choose(self, choice: Choice) -> None:
        self.dismiss(choice)
