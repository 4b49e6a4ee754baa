"""A table's stream, its shards and its records (see docs/ARCHITECTURE.md, Streams and undo).

Images and keys are DynamoDB's wire form (ddbconsole/codec.py), exactly as the stream sent them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

EventName = Literal["INSERT", "MODIFY", "REMOVE"]
EVENTS: tuple[EventName, ...] = ("INSERT", "MODIFY", "REMOVE")
ChangeKind = Literal["added", "removed", "changed"]
# What each view type carries: (old image, new image).
VIEW_IMAGES: dict[str, tuple[bool, bool]] = {
    "KEYS_ONLY": (False, False),
    "NEW_IMAGE": (False, True),
    "OLD_IMAGE": (True, False),
    "NEW_AND_OLD_IMAGES": (True, True),
}


@dataclass(frozen=True)
class ShardInfo:
    id: str
    parent_id: str | None
    starting_sequence: str
    ending_sequence: str | None = None  # set once the shard is closed (it split or was retired)

    @property
    def closed(self) -> bool:
        return self.ending_sequence is not None


@dataclass(frozen=True)
class StreamInfo:
    table: str
    arn: str
    label: str
    status: str  # ENABLING | ENABLED | DISABLING | DISABLED
    view_type: str  # KEYS_ONLY | NEW_IMAGE | OLD_IMAGE | NEW_AND_OLD_IMAGES
    key_names: tuple[str, ...] = ()  # partition key first
    shards: tuple[ShardInfo, ...] = ()  # parents before their children

    @property
    def has_old(self) -> bool:
        return VIEW_IMAGES.get(self.view_type, (False, False))[0]

    @property
    def has_new(self) -> bool:
        return VIEW_IMAGES.get(self.view_type, (False, False))[1]

    def lacks(self) -> str:
        """What this stream's records do not carry, in plain English ('' when they carry all)."""
        old, new = self.has_old, self.has_new
        if old and new:
            return ""
        if not old and not new:
            return "KEYS_ONLY stream: records carry only the keys (no old or new image, no diff)"
        if new:
            return "NEW_IMAGE stream: no old image, so a MODIFY shows the new item without a diff"
        return "OLD_IMAGE stream: no new image, so a MODIFY shows the old item without a diff"


@dataclass(frozen=True)
class AttributeChange:
    name: str
    kind: ChangeKind
    old: dict[str, Any] | None = None  # the attribute value before (absent when added)
    new: dict[str, Any] | None = None  # the attribute value after (absent when removed)


@dataclass(frozen=True)
class StreamRecord:
    sequence: str
    shard_id: str
    event: EventName
    time: datetime | None
    keys: dict[str, Any]
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    expired: bool = False  # a REMOVE made by TTL (user identity dynamodb.amazonaws.com)
    size: int = 0

    @property
    def order(self) -> int:
        """The sequence number as a number (they are ordered within a shard)."""
        return int(self.sequence)


@dataclass(frozen=True)
class TailBatch:
    """What one round of polling brought: records in stream order within each shard, notices
    (trimmed data, re-acquired iterators, new shards) and whether every shard is at its end."""

    records: tuple[StreamRecord, ...] = ()
    notices: tuple[str, ...] = ()
    caught_up: bool = False


@dataclass(frozen=True)
class TailStats:
    requests: int = 0
    records: int = 0
    empty_reads: int = 0
    shards: tuple[str, ...] = field(default_factory=tuple)
