"""Column widths for a DataTable, set when its rows are set.

Textual measures auto-width columns on a later idle pass, but cells drawn before that pass stay in
its render cache: on a busy screen a grid could show its rows cut to the headers' widths until the
terminal was resized. Widths given with the rows never change after the first paint.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.widget import PseudoClasses
from textual.widgets import DataTable


def _width(value: object) -> int:
    if isinstance(value, Text):
        return value.cell_len
    return max((cell_len(line) for line in str(value).splitlines()), default=0)


def fit_columns(table: DataTable[Any]) -> None:
    """Give every column the width of its widest cell or label (call after adding the rows)."""
    for index, column in enumerate(table.ordered_columns):
        cells = table.get_column_at(index) if table.row_count else []
        column.width = max([_width(column.label), *(_width(c) for c in cells)])
        column.auto_width = False
    table.refresh()


class StableGrid(DataTable[Any]):
    """A DataTable that keeps its rendered cells when it gains or loses focus.

    A DataTable keys its cell and line caches on its pseudo-classes and clears them whenever it is
    restyled, which Textual does on every focus change; its default CSS also tints it and brightens
    the cursor while focused. So each focus change rendered every visible cell again through Rich
    (hundreds of cells at 160x48: most of the time a tab switch took). Here the grid looks the
    same focused or not (the cursor row as when focused) and its frame shows the focus ring
    (`.grid-frame:focus-within` in app.tcss); its cache keys ignore focus and hover, a restyle
    clears the caches only when the grid's rules or the theme changed, and being shown again (its
    tab selected: Textual sends a Resize of the same size) keeps them
    (docs/ARCHITECTURE.md, "Responsiveness").
    """

    DEFAULT_CSS = """
    StableGrid, StableGrid:focus {
        background-tint: $foreground 0%;
        & > .datatable--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .datatable--fixed-cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        & > .datatable--header {
            background-tint: $foreground 0%;
        }
    }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._look: tuple[str, object] | None = None
        self._sized: Size | None = None

    def on_resize(self, event: events.Resize) -> None:
        if event.size == self._sized:
            # Shown again at the same size: DataTable's own handler (which runs after this one
            # unless prevented) would invalidate every cached cell.
            event.prevent_default()
        self._sized = event.size

    def notify_style_update(self) -> None:
        look = (self.app.theme, self.styles.get_rules())
        if look == self._look:
            # Restyled with the same rules (a focus change): keep the rendered cells. Skips only
            # DataTable's own override, which clears its render caches.
            super(DataTable, self).notify_style_update()
            return
        self._look = look
        super().notify_style_update()

    def get_pseudo_class_state(self) -> PseudoClasses:
        # Textual uses this only as a part of render cache keys; the look does not depend on focus
        # or hover (see DEFAULT_CSS), so neither may the keys.
        state = super().get_pseudo_class_state()
        return PseudoClasses(enabled=state.enabled, focus=False, hover=False)
