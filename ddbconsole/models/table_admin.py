"""Table administration: what the create-table form asks for, and a table followed to ACTIVE."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ddbconsole.models.tables import KeyType, Throughput

BillingMode = Literal["PAY_PER_REQUEST", "PROVISIONED"]
ProjectionType = Literal["ALL", "KEYS_ONLY", "INCLUDE"]


@dataclass(frozen=True)
class KeySpec:
    """One key attribute of a table or index to create: its name and scalar type."""

    name: str
    type: KeyType = "S"


@dataclass(frozen=True)
class IndexSpec:
    """A secondary index to create. An LSI's partition key must be the table's."""

    name: str
    partition_key: KeySpec
    sort_key: KeySpec | None = None
    projection: ProjectionType = "ALL"
    non_key_attributes: tuple[str, ...] = ()  # INCLUDE only
    provisioned: Throughput | None = None  # a GSI's own capacity on a provisioned table
    on_demand_max: Throughput | None = None  # a GSI's optional maximum on an on-demand table


@dataclass(frozen=True)
class TableSpec:
    """Everything the create-table form asks for; `plan_create` turns it into one CreateTable."""

    name: str
    partition_key: KeySpec
    sort_key: KeySpec | None = None
    billing_mode: BillingMode = "PAY_PER_REQUEST"
    provisioned: Throughput | None = None  # PROVISIONED: read and write capacity units
    on_demand_max: Throughput | None = None  # PAY_PER_REQUEST: optional maximum request units
    gsis: tuple[IndexSpec, ...] = ()
    lsis: tuple[IndexSpec, ...] = ()
    table_class: str = "STANDARD"  # STANDARD | STANDARD_INFREQUENT_ACCESS
    deletion_protection: bool = False
    stream_view_type: str | None = None  # None: no stream
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TableProgress:
    """One DescribeTable poll while following a table to ACTIVE (or until it is gone)."""

    table: str
    status: str  # TableStatus, or GONE once DescribeTable says the table does not exist
    indexes: tuple[tuple[str, str, bool], ...] = ()  # (GSI name, IndexStatus, Backfilling)
    polls: int = 1
    elapsed: float = 0.0  # seconds since following started

    @property
    def settled(self) -> bool:
        """The table and every GSI ACTIVE, none backfilling (or the table is gone)."""
        if self.status == "GONE":
            return True
        return self.status == "ACTIVE" and all(s == "ACTIVE" and not b for _, s, b in self.indexes)

    def describe(self) -> str:
        parts = [f"{self.table}: {self.status}"]
        for name, status, backfilling in self.indexes:
            if status != "ACTIVE" or backfilling:
                parts.append(f"GSI {name} {status}{' (backfilling)' if backfilling else ''}")
        return ", ".join(parts)
