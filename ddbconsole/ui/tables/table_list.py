"""The table list with an incremental filter."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


def matches(name: str, query: str) -> bool:
    """Case-insensitive: every character of the query appears in order (fuzzy, like k9s' filter)."""
    q = query.strip().lower()
    if not q:
        return True
    lowered = name.lower()
    if q in lowered:
        return True
    pos = 0
    for ch in q:
        pos = lowered.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


class TableList(Vertical):
    DEFAULT_CSS = """
    TableList { width: 34; max-width: 30%; border-right: solid $panel-lighten-2; }
    TableList > Input { margin: 0; border: tall $panel; }
    TableList > #table-count { height: 1; color: $text-muted; padding: 0 1; }
    TableList > OptionList { height: 1fr; border: none; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.names: tuple[str, ...] = ()
        self.loading_done = False
        self.alarming: dict[str, int] = {}  # table -> alarms in ALARM (the list's marker)

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filter tables", id="table-filter")
        yield Static("loading tables…", id="table-count")
        yield OptionList(id="tables")

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#tables", OptionList)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#table-filter", Input)

    def set_names(self, names: tuple[str, ...], done: bool) -> None:
        self.names = names
        self.loading_done = done
        self._refilter()

    def set_alarm_states(self, states: dict[str, int]) -> None:
        """Tables with alarms in ALARM (table -> how many); the others show no marker."""
        self.alarming = {name: n for name, n in states.items() if n}
        self._refilter()

    def set_alarm_state(self, table: str, firing: int) -> None:
        if self.alarming.get(table, 0) != firing:
            self.set_alarm_states({**self.alarming, table: firing})

    def _prompt(self, name: str) -> Text | str:
        firing = self.alarming.get(name)
        if not firing:
            return name
        text = Text(name)
        text.append(" ● ALARM" if firing == 1 else f" ● {firing} ALARM", style="bold red")
        return text

    def select(self, name: str) -> None:
        """Highlight `name` (clearing a filter that hides it) and focus the list."""
        if name not in self.visible_names():
            self.filter_input.value = ""
            self._refilter()
        visible = self.visible_names()
        if name in visible:
            self.option_list.highlighted = visible.index(name)
        self.option_list.focus()

    def show_error(self, title: str, advice: str) -> None:
        self.loading_done = True
        self.query_one("#table-count", Static).update(Text(title, style="bold red"))
        self.option_list.clear_options()
        self.option_list.add_option(Option(Text(advice, style="red"), disabled=True))

    def visible_names(self) -> list[str]:
        query = self.filter_input.value
        return [n for n in self.names if matches(n, query)]

    def _refilter(self) -> None:
        options = self.option_list
        highlighted = options.highlighted_option.id if options.highlighted_option else None
        visible = self.visible_names()
        options.clear_options()
        options.add_options([Option(self._prompt(name), id=name) for name in visible])
        if highlighted in visible:
            options.highlighted = visible.index(highlighted)  # type: ignore[arg-type]
        elif visible:
            options.highlighted = 0
        total = len(self.names)
        more = "" if self.loading_done else "+ (loading)"
        shown = f"{len(visible)} of {total}{more}" if self.filter_input.value else f"{total}{more}"
        self.query_one("#table-count", Static).update(f"{shown} tables")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._refilter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.option_list.focus()
