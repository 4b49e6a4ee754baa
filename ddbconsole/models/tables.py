"""What a table is: its keys, indexes, capacity settings and the rest of DescribeTable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

KeyType = Literal["S", "N", "B"]


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: str  # S | N | B
    role: str  # HASH | RANGE


@dataclass(frozen=True)
class Throughput:
    """Provisioned capacity (read/write units) or on-demand maximums; None where not set."""

    read: int | None = None
    write: int | None = None

    def describe(self) -> str:
        def one(v: int | None) -> str:
            return "-" if v is None or v <= 0 else str(v)

        return f"{one(self.read)} R / {one(self.write)} W"


class _KeySchema:
    """The partition and sort key of a table or an index, from its `keys` (HASH first)."""

    keys: tuple[KeyAttribute, ...]

    @property
    def partition_key(self) -> KeyAttribute:
        return self.keys[0]

    @property
    def sort_key(self) -> KeyAttribute | None:
        return self.keys[1] if len(self.keys) > 1 else None


@dataclass(frozen=True)
class IndexInfo(_KeySchema):
    name: str
    kind: Literal["GSI", "LSI"]
    keys: tuple[KeyAttribute, ...]
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    projected_attributes: tuple[str, ...] = ()
    status: str = "ACTIVE"
    backfilling: bool = False
    provisioned: Throughput | None = None
    on_demand_max: Throughput | None = None
    item_count: int | None = None
    size_bytes: int | None = None


@dataclass(frozen=True)
class TableInfo(_KeySchema):
    name: str
    arn: str
    status: str
    keys: tuple[KeyAttribute, ...]
    attribute_definitions: dict[str, str]
    billing_mode: str  # PROVISIONED | PAY_PER_REQUEST
    provisioned: Throughput | None
    on_demand_max: Throughput | None
    item_count: int
    size_bytes: int
    created: datetime | None
    indexes: tuple[IndexInfo, ...] = ()
    stream_enabled: bool = False
    stream_view_type: str | None = None
    stream_arn: str | None = None
    ttl_status: str | None = None  # ENABLED | DISABLED | ENABLING | DISABLING, None if unknown
    ttl_attribute: str | None = None
    pitr_status: str | None = None  # ENABLED | DISABLED, None if unknown
    deletion_protection: bool = False
    table_class: str = "STANDARD"
    tags: dict[str, str] = field(default_factory=dict)
    last_billing_switch: datetime | None = None
    warm_throughput: Throughput | None = None
    # Parts of the description that could not be read (e.g. AccessDenied on tags): name -> reason.
    unavailable: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def gsis(self) -> tuple[IndexInfo, ...]:
        return tuple(i for i in self.indexes if i.kind == "GSI")

    @property
    def lsis(self) -> tuple[IndexInfo, ...]:
        return tuple(i for i in self.indexes if i.kind == "LSI")

    def index(self, name: str) -> IndexInfo:
        for idx in self.indexes:
            if idx.name == name:
                return idx
        raise KeyError(name)
