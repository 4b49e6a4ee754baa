"""Items and the requests that read and write them: pages, scan and query specs, batch results.

Items are DynamoDB's wire form, {"Name": {"S": "Ada"}, ...} (see ddbconsole/codec.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

# --- reading: pages and what one request cost -----------------------------------------------------


@dataclass(frozen=True)
class ConsumedCapacity:
    """What one request cost (ReturnConsumedCapacity=INDEXES); None where DynamoDB did not say."""

    total: float | None = None
    read: float | None = None
    write: float | None = None
    table: float | None = None
    indexes: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        if self.total is None:
            return "-"
        parts = [f"{self.total:g} CU"]
        if self.indexes:
            parts.append(", ".join(f"{name} {cu:g}" for name, cu in self.indexes.items()))
        return " · ".join(parts)


@dataclass(frozen=True)
class Page:
    """One page of Scan, Query or PartiQL results: the answer of one request, or of `requests`
    requests when a filtered read read on to find matches (services/paging.py, `read_on`)."""

    items: tuple[dict[str, Any], ...]
    count: int
    scanned_count: int | None = None
    last_evaluated_key: dict[str, Any] | None = None  # Scan/Query: pass back as start_key
    next_token: str | None = None  # PartiQL: pass back as next_token
    consumed: ConsumedCapacity | None = None
    requests: int = 1

    @property
    def has_more(self) -> bool:
        return self.last_evaluated_key is not None or self.next_token is not None


# --- reading: scan and query specs ----------------------------------------------------------------


SortOp = Literal["=", "<", "<=", ">", ">=", "between", "begins_with"]
FilterOp = Literal[
    "=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "between",
    "in",
    "begins_with",
    "contains",
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
]
# A document path: ("Address", "City") or ("Lines", 0, "Sku"). A plain str is one top-level name,
# taken literally (dots and brackets included).
AttributePath = str | tuple[str | int, ...]


@dataclass(frozen=True)
class SortCondition:
    """The sort key condition of a Query; `value2` is the upper bound of `between`."""

    op: SortOp
    value: dict[str, Any]
    value2: dict[str, Any] | None = None


@dataclass(frozen=True)
class FilterCondition:
    """One filter term. With size=True the comparison is on size(path) and values are numbers.

    `values` holds the operands: one for comparisons, begins_with and contains, two for between,
    any number for in, none for attribute_exists/not_exists; attribute_type takes {"S": "N"} etc.
    """

    path: AttributePath
    op: FilterOp
    values: tuple[dict[str, Any], ...] = ()
    size: bool = False


@dataclass(frozen=True)
class ScanSpec:
    index: str | None = None
    filters: tuple[FilterCondition, ...] = ()
    match_any: bool = False  # filters joined by OR instead of AND
    projection: tuple[AttributePath, ...] = ()
    consistent: bool = False
    limit: int | None = None  # DynamoDB's Limit: items evaluated per page
    segment: int | None = None
    total_segments: int | None = None


@dataclass(frozen=True)
class QuerySpec:
    partition_value: dict[str, Any]
    index: str | None = None
    sort: SortCondition | None = None
    filters: tuple[FilterCondition, ...] = ()
    match_any: bool = False
    projection: tuple[AttributePath, ...] = ()
    ascending: bool = True
    consistent: bool = False
    limit: int | None = None


# --- writing: saves and batch writes --------------------------------------------------------------


@dataclass(frozen=True)
class SaveResult:
    """What `ItemService.save` did. `item` is the item as stored afterwards (None if nothing sent)."""

    written: bool
    item: dict[str, Any] | None = None
    operation: str = ""  # "" | UpdateItem | PutItem | TransactWriteItems
    # Attributes someone else added meanwhile, kept by the save (reported, never dropped).
    kept_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FailedKey:
    key: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class BatchResult:
    """The outcome of a batch write: exactly which keys were not written, and why."""

    requested: int
    succeeded: int
    failed: tuple[FailedKey, ...] = ()
    requests: int = 0  # BatchWriteItem calls sent
    retries: int = 0  # of which retries of UnprocessedItems

    @property
    def ok(self) -> bool:
        return not self.failed


# --- PartiQL history ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementRecord:
    """One entry of the PartiQL history (parameters in DynamoDB JSON, binary as base64)."""

    statement: str
    parameters: tuple[dict[str, Any], ...] = ()
    at: datetime | None = None
