"""The Items tab's query form: scan or query, the index, key conditions, filter and projection.

Three one-line rows (keys, sort key, filter), so that at 80x24 no field is squeezed out; the
pane's DEFAULT_CSS sizes them.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Select

from ddbconsole.filters import SORT_OPS

TABLE = "__table__"  # the index selector's value for the table itself


def query_bar() -> ComposeResult:
    """The form's widgets (`yield from` in the pane's compose)."""
    with Vertical(id="query-bar"):
        with Horizontal(classes="row"):
            yield Select(
                [("Scan", "scan"), ("Query", "query")],
                value="scan",
                allow_blank=False,
                id="mode",
                compact=True,
            )
            yield Select(
                [("table", TABLE)], value=TABLE, allow_blank=False, id="index", compact=True
            )
            yield Input(placeholder="partition key value", id="pk", compact=True)
        with Horizontal(classes="row", id="sort-row"):
            yield Select(
                [(op, op) for op in SORT_OPS],
                value="=",
                allow_blank=False,
                id="sk-op",
                compact=True,
            )
            yield Input(placeholder="sort key value", id="sk", compact=True)
            yield Input(placeholder="and (between)", id="sk2", compact=True)
        with Horizontal(classes="row"):
            yield Input(
                placeholder='filter, e.g. Status = "PAID" and size(Lines) > 1',
                id="filter",
                compact=True,
            )
            yield Input(placeholder="projection: a, b.c", id="projection", compact=True)
            yield Checkbox("desc", id="desc", compact=True)
            yield Checkbox("consistent", id="consistent", compact=True)
