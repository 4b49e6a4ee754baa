"""Stream records: decoded from GetRecords, compared attribute by attribute, filtered and kept in a
bounded ring (see docs/ARCHITECTURE.md, Streams and undo). Pure functions: no AWS calls here.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ddbconsole import codec
from ddbconsole.errors import UserInputError
from ddbconsole.models.streams import EVENTS, AttributeChange, StreamRecord

TTL_PRINCIPAL = "dynamodb.amazonaws.com"
MAX_SINCE = timedelta(hours=24)  # what a stream keeps


def decode(raw: Mapping[str, Any], shard_id: str) -> StreamRecord:
    """One GetRecords record as a StreamRecord (images stay DynamoDB's wire form)."""
    body = raw.get("dynamodb") or {}
    identity = raw.get("userIdentity") or {}
    event = str(raw.get("eventName", ""))
    when = body.get("ApproximateCreationDateTime")
    if isinstance(when, int | float):
        when = datetime.fromtimestamp(when, UTC)
    if isinstance(when, datetime):
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    # The API spells these PrincipalId/Type; Lambda's event copies principalId/type.
    principal = identity.get("PrincipalId", identity.get("principalId"))
    kind = identity.get("Type", identity.get("type"))
    expired = event == "REMOVE" and kind == "Service" and principal == TTL_PRINCIPAL
    return StreamRecord(
        sequence=str(body.get("SequenceNumber", "0")),
        shard_id=shard_id,
        event=event if event in EVENTS else "MODIFY",  # type: ignore[arg-type]
        time=when if isinstance(when, datetime) else None,
        keys=dict(body.get("Keys") or {}),
        old=body.get("OldImage"),
        new=body.get("NewImage"),
        expired=expired,
        size=int(body.get("SizeBytes") or 0),
    )


def diff(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> tuple[AttributeChange, ...]:
    """Attribute-level changes from `old` to `new`: removed and changed in `old`'s order, then
    added in `new`'s. Values compare as DynamoDB sees them (numbers by value, sets unordered)."""
    old, new = old or {}, new or {}
    changes: list[AttributeChange] = []
    for name, before in old.items():
        if name not in new:
            changes.append(AttributeChange(name, "removed", old=before))
        elif not codec.same_value(before, new[name]):
            changes.append(AttributeChange(name, "changed", old=before, new=new[name]))
    changes.extend(AttributeChange(n, "added", new=v) for n, v in new.items() if n not in old)
    return tuple(changes)


def changes_of(record: StreamRecord) -> tuple[AttributeChange, ...]:
    """What a record changed, as far as its images show (() when the stream carries no images)."""
    if record.event == "MODIFY" and (record.old is None or record.new is None):
        return ()
    return diff(record.old, record.new)


def event_label(record: StreamRecord) -> str:
    return "EXPIRED" if record.expired else record.event


# --- filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordFilter:
    """Which records to show. Empty fields match everything.

    `key`: key attributes that must all be equal (e.g. just the partition key); `key_prefix`: the
    partition key's text starts with it (S keys; N keys by their digits); `attribute`: the record
    changed (added, removed or changed) that top-level attribute."""

    events: frozenset[str] = frozenset()
    key: Mapping[str, Any] | None = None
    key_prefix: str = ""
    partition_key: str = ""
    attribute: str = ""

    @property
    def active(self) -> bool:
        return bool(self.events or self.key or self.key_prefix or self.attribute)

    def matches(self, record: StreamRecord) -> bool:
        if (
            self.events
            and event_label(record) not in self.events
            and record.event not in self.events
        ):
            return False
        if self.key:
            for name, value in self.key.items():
                have = record.keys.get(name)
                if have is None or not codec.same_value(have, value):
                    return False
        if self.key_prefix:
            value = record.keys.get(self.partition_key) if self.partition_key else None
            if value is None and record.keys:
                value = next(iter(record.keys.values()))
            raw = next(iter(value.values())) if value else None
            if not isinstance(raw, str) or not raw.startswith(self.key_prefix):
                return False
        if self.attribute:
            return any(c.name == self.attribute for c in changes_of(record))
        return True

    def describe(self) -> str:
        parts = []
        if self.events:
            parts.append("event " + "/".join(sorted(self.events)))
        if self.key:
            parts.append("key " + codec.dumps(dict(self.key), indent=None))
        if self.key_prefix:
            parts.append(f"key prefix {self.key_prefix!r}")
        if self.attribute:
            parts.append(f"changed {self.attribute}")
        return ", ".join(parts) or "none"


def parse_events(text: str) -> frozenset[str]:
    """`INSERT,MODIFY` -> {"INSERT", "MODIFY"}; also EXPIRED (TTL removals). Case-insensitive."""
    names = {t.strip().upper() for t in text.replace(" ", ",").split(",") if t.strip()}
    known = {*EVENTS, "EXPIRED"}
    unknown = sorted(names - known)
    if unknown:
        raise UserInputError(
            f"Unknown event {', '.join(unknown)}", "events: INSERT, MODIFY, REMOVE, EXPIRED"
        )
    return frozenset(names)


_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)?\s*", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}


def parse_since(text: str) -> timedelta:
    """'15m', '2h', '90s', '1d' (at most the stream's 24 hours) as a timedelta."""
    match = _DURATION.fullmatch(text)
    if not match:
        raise UserInputError(f"Invalid duration {text!r}", "write e.g. 15m, 2h, 90s or 1d")
    seconds = float(match.group(1)) * _UNITS[(match.group(2) or "m").lower()]
    if seconds <= 0:
        raise UserInputError(f"Invalid duration {text!r}", "give a positive duration")
    return min(timedelta(seconds=seconds), MAX_SINCE)


# --- the ring -------------------------------------------------------------------------------------


class RecordRing:
    """The newest `capacity` records; older ones drop off whatever the write rate (memory stays
    bounded). `dropped` counts what fell off."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise UserInputError("Invalid stream buffer size", "keep at least 1 record")
        self._records: deque[StreamRecord] = deque(maxlen=capacity)
        self.capacity = capacity
        self.dropped = 0
        self.total = 0

    def extend(self, records: Iterable[StreamRecord]) -> None:
        for record in records:
            if len(self._records) == self.capacity:
                self.dropped += 1
            self._records.append(record)
            self.total += 1

    def clear(self) -> None:
        self._records.clear()

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[StreamRecord]:
        return iter(self._records)

    def newest(self, count: int, keep: RecordFilter | None = None) -> list[StreamRecord]:
        """The newest `count` records passing `keep`, oldest first."""
        out: list[StreamRecord] = []
        for record in reversed(self._records):
            if keep is None or keep.matches(record):
                out.append(record)
                if len(out) >= count:
                    break
        out.reverse()
        return out


# --- one line per record (the CLI, the view's copy) -------------------------------------------------


def _image(item: Mapping[str, Any] | None, form: codec.Form) -> str:
    return "null" if item is None else codec.dumps(item, form, indent=None)


def _time(record: StreamRecord) -> str:
    if record.time is None:
        return ""
    return record.time.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_line(record: StreamRecord, form: codec.Form = "plain") -> str:
    """One record as one JSON object: event, time, sequence, keys, old, new (lossless images)."""
    import json

    head = (
        f'{{"event":{json.dumps(event_label(record))},"time":{json.dumps(_time(record))},'
        f'"sequence":{json.dumps(record.sequence)},"shard":{json.dumps(record.shard_id)},'
    )
    return (
        head + f'"keys":{_image(record.keys, form)},"old":{_image(record.old, form)},'
        f'"new":{_image(record.new, form)}}}'
    )


def text_line(record: StreamRecord) -> str:
    """One record for people: time, event, key, and what changed."""
    keys = codec.dumps(record.keys, indent=None)
    parts = [_time(record) or "-", f"{event_label(record):<8}", keys]
    if record.event == "MODIFY":
        changes = changes_of(record)
        if changes:
            parts.append(" ".join(change_text(c) for c in changes))
        elif record.old is None or record.new is None:
            parts.append("(no diff: the stream lacks an image)")
    elif record.event == "INSERT" and record.new is not None:
        parts.append(_image(record.new, "plain"))
    elif record.event == "REMOVE" and record.old is not None:
        parts.append(_image(record.old, "plain"))
    return "  ".join(parts)


def change_text(change: AttributeChange) -> str:
    if change.kind == "added":
        return f"+{change.name}={codec.dumps_value(change.new or {'NULL': True})}"
    if change.kind == "removed":
        return f"-{change.name}"
    old = codec.dumps_value(change.old or {"NULL": True})
    new = codec.dumps_value(change.new or {"NULL": True})
    return f"{change.name}: {old} -> {new}"


def parse_view_filter(text: str, key_names: tuple[str, ...] = ()) -> RecordFilter:
    """The stream view's filter line: event names (INSERT MODIFY REMOVE EXPIRED), `key:{JSON}`
    (key attributes in plain JSON), `prefix:TEXT` (partition key prefix), `attr:NAME`."""
    import json

    events: set[str] = set()
    key: dict[str, Any] | None = None
    prefix = attribute = ""
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text.startswith("key:", i):
            try:
                _, end = json.JSONDecoder().raw_decode(text, i + 4)
            except ValueError:
                raise UserInputError(
                    "Invalid key filter", 'write key:{"PK": "value"} (plain JSON)'
                ) from None
            key = codec.loads(text[i + 4 : end])
            unknown = [n for n in key if key_names and n not in key_names]
            if unknown:
                raise UserInputError(
                    f"{', '.join(unknown)} is not a key attribute", "keys: " + ", ".join(key_names)
                )
            i = end
            continue
        end = i
        while end < len(text) and not text[end].isspace():
            end += 1
        token, i = text[i:end], end
        if token.startswith("prefix:"):
            prefix = token[len("prefix:") :]
        elif token.startswith("attr:"):
            attribute = token[len("attr:") :]
        else:
            events |= parse_events(token)
    return RecordFilter(
        events=frozenset(events),
        key=key,
        key_prefix=prefix,
        partition_key=key_names[0] if key_names else "",
        attribute=attribute,
    )
