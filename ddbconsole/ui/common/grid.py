"""Column widths for a DataTable, set when its rows are set.

Textual measures auto-width columns on a later idle pass, but cells drawn before that pass stay in
its render cache: on a busy screen a grid could show its rows cut to the headers' widths until the
terminal was resized. Widths given with the rows never change after the first paint.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
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
