"""What the Items grid does with the rows already loaded (nothing is fetched): find text in them,
copy an item or its key to the clipboard (through the terminal: OSC 52, Textual's copy), and say
what a PartiQL write did."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.widget import Widget
from textual.widgets import DataTable

from ddbconsole import codec
from ddbconsole.errors import DdbConsoleError
from ddbconsole.models import TableInfo
from ddbconsole.services.items import key_of
from ddbconsole.ui.context import context_of


def find_row(items: Sequence[dict[str, Any]], text: str, start: int) -> int | None:
    """The first row at or after `start` (wrapping) whose item JSON holds `text`, any case."""
    needle = text.strip().lower()
    if not needle or not items:
        return None
    count = len(items)
    for step in range(count):
        row = (start + step) % count
        if needle in codec.dumps(items[row]).lower():
            return row
    return None


def copy_json(owner: Widget, value: dict[str, Any], what: str) -> None:
    """Copy `value` as the editor's JSON (lossless) and say so."""
    text = codec.dumps(value)
    owner.app.copy_to_clipboard(text)
    owner.notify(f"Copied the {what} ({len(text):,} characters)", title="Clipboard")


def copy_key(owner: Widget, table: TableInfo, item: dict[str, Any]) -> None:
    """Copy the item's key; a row without its key attributes (a projection) says so."""
    try:
        key = key_of(table, item)
    except DdbConsoleError as exc:
        context_of(owner).report_error(exc)
        return
    copy_json(owner, key, "key")


def jump_to(owner: Widget, grid: DataTable[Any], items: Sequence[dict[str, Any]], text: str,
            start: int) -> None:  # fmt: skip
    """Move the grid's cursor to the next row holding `text`, or say there is none."""
    row = find_row(items, text, start)
    if row is not None:
        grid.move_cursor(row=row)
    elif text.strip():
        owner.notify(f"{text.strip()!r} is in none of the rows loaded", severity="warning")


def write_summary(statement: str) -> str:
    """What a PartiQL write did, for the grid's info line (a PartiQL write touches one item:
    INSERT refuses an existing key, UPDATE a missing one; DELETE of a missing key is no error)."""
    verb = (statement.split() or ["STATEMENT"])[0].upper()
    done = {
        "INSERT": "1 item inserted",
        "UPDATE": "1 item changed",
        "DELETE": "the item is gone (deleted if it was there)",
    }
    return f"{verb} executed: {done.get(verb, 'done')}. It is not sent again: f and enter scan."


def plural(count: int, one: str, many: str = "") -> str:
    """'1 request', '3 requests', '1 retry', '2 retries'."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"
