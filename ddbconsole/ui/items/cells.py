"""How the Items grid shows items: one typed, compact cell per attribute value, key attributes
first, and column labels naming the types seen (nothing is fetched here)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ddbconsole import codec
from ddbconsole.models import TableInfo

CELL_WIDTH = 40


def cell(value: dict[str, Any]) -> Text:
    """A compact, typed rendering of one attribute value for a table cell."""
    kind = codec.type_of(value)
    if kind == "S":
        text = Text(value["S"] if value["S"] else '""', style="" if value["S"] else "dim")
    elif kind == "N":
        text = Text(value["N"], style="cyan")
    elif kind == "BOOL":
        text = Text(str(value["BOOL"]).lower(), style="magenta")
    elif kind == "NULL":
        text = Text("null", style="dim italic")
    else:
        text = Text(
            codec.dumps_value(value), style="yellow" if kind in ("SS", "NS", "BS", "B") else ""
        )
    if len(text) > CELL_WIDTH:
        text.truncate(CELL_WIDTH - 1)
        text.append("…")
    return text


def columns_for(
    table: TableInfo, index: str | None, items: tuple[dict[str, Any], ...]
) -> list[str]:
    """Key attributes first (table, then index keys), then every other attribute seen, in order."""
    names = [k.name for k in table.keys]
    if index:
        names += [k.name for k in table.index(index).keys if k.name not in names]
    seen = dict.fromkeys(names)
    for item in items:
        for name in item:
            seen.setdefault(name)
    return list(seen)


def column_label(name: str, items: tuple[dict[str, Any], ...]) -> Text:
    types = sorted({codec.type_of(item[name]) for item in items if name in item})
    label = Text(name, style="bold")
    if types:
        label.append(" " + "|".join(types), style="dim")
    return label
