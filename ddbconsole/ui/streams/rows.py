"""How a stream record looks in a row and in the detail: time, event, key, what changed."""

from __future__ import annotations

from datetime import UTC

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ddbconsole import codec
from ddbconsole.models.streams import StreamRecord
from ddbconsole.services.stream_records import change_text, changes_of, event_label

EVENT_STYLES = {"INSERT": "green", "MODIFY": "yellow", "REMOVE": "red", "EXPIRED": "magenta"}
COLUMNS = ("Time", "Event", "Key", "Change")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def row(record: StreamRecord) -> tuple[Text | str, ...]:
    when = record.time.strftime("%H:%M:%S.%f")[:-3] if record.time else "-"  # UTC already
    label = event_label(record)
    if record.event == "MODIFY":
        changes = changes_of(record)
        what = " ".join(change_text(c) for c in changes) if changes else "(no diff in this stream)"
    elif record.event == "INSERT" and record.new is not None:
        what = f"{len(record.new)} attributes"
    elif record.old is not None:
        what = f"{len(record.old)} attributes"
    else:
        what = ""
    return (
        when,
        Text(label, style=EVENT_STYLES.get(label, "")),
        _clip(codec.dumps(record.keys, indent=None), 48),
        _clip(what, 100),
    )


def detail(record: StreamRecord, lacks: str = "") -> RenderableType:
    """The record: header, the attribute-level diff, and the images in the editor's JSON."""
    label = event_label(record)
    head = Text()
    head.append(label, style=f"bold {EVENT_STYLES.get(label, '')}")
    when = record.time.astimezone(UTC).isoformat(timespec="milliseconds") if record.time else "-"
    head.append(f"  {when}  sequence {record.sequence}  shard {record.shard_id}\n", style="dim")
    if record.expired:
        head.append("Removed by TTL (user identity dynamodb.amazonaws.com), not by a client\n")
    head.append("Key: ", style="bold")
    head.append(codec.dumps(record.keys, indent=None) + "\n")
    if lacks:
        head.append(lacks + "\n", style="italic")
    parts: list[RenderableType] = [head]
    changes = changes_of(record) if record.event == "MODIFY" else ()
    if changes:
        table = Table("Attribute", "Change", "Before", "After", expand=True, show_lines=False)
        for change in changes:
            table.add_row(
                change.name,
                Text(
                    change.kind,
                    style={"added": "green", "removed": "red"}.get(change.kind, "yellow"),
                ),
                codec.dumps_value(change.old) if change.old is not None else "",
                codec.dumps_value(change.new) if change.new is not None else "",
            )
        parts.append(table)
    for title, image in (("Old image", record.old), ("New image", record.new)):
        if image is not None:
            parts.append(Text(f"\n{title}", style="bold"))
            parts.append(Text(codec.dumps(image)))
    return Group(*parts)
