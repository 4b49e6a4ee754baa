"""Sampled key analysis: what a bounded scan of a table says about storage skew (not traffic)."""

from __future__ import annotations

from dataclasses import dataclass

STORAGE_SKEW_NOTE = (
    "This measures storage skew (items and bytes per partition key), not traffic: a key with few "
    "items can still be the hottest. Hot keys by access: Contributor Insights."
)
PARTIAL_NOTE = (
    "A partial scan reads whole partitions in the order of their keys' hashes: it samples "
    "partitions, not items, so its ranking is of the partitions it reached. Only a scan covering "
    "the table ranks every key exactly."
)
ITEM_SIZE_LIMIT = 400 * 1024  # bytes: DynamoDB's largest item
COLLECTION_LIMIT = 10 * 1024**3  # bytes: an item collection of a table with an LSI
# Upper bounds of the item size histogram's buckets (bytes); the last bucket is open.
SIZE_BUCKETS: tuple[int, ...] = (1024, 4096, 16384, 65536, 131072, ITEM_SIZE_LIMIT)


@dataclass(frozen=True)
class KeyCount:
    """A partition key value (as the query form takes it) with its items and bytes in the sample."""

    key: str
    items: int
    bytes: int
    share: float  # of the sample's items (top by count) or bytes (top by bytes), 0..1


@dataclass(frozen=True)
class LargeItem:
    key: str  # the item's key as compact JSON
    bytes: int


@dataclass(frozen=True)
class AnalysisBudget:
    """What an analysis may read: an item count, or read capacity units (or both)."""

    max_items: int | None = None
    max_rcu: float | None = None
    segments: int = 4
    top: int = 10
    page_items: int | None = None  # Limit of each Scan request (default: from the budget)


@dataclass(frozen=True)
class AnalysisEstimate:
    """Shown before the scan runs: what it will read and cost at most."""

    table: str
    index: str | None
    table_items: int  # DescribeTable's ItemCount (an estimate, refreshed about every 6 hours)
    table_bytes: int
    items: int  # the most items it reads
    rcu: float  # the most read capacity units it consumes (eventually consistent scan)
    segments: int
    covers_table: bool  # the budget reaches past the table's estimated size

    def describe(self) -> str:
        what = "the whole table" if self.covers_table else f"up to {self.items:,} items"
        return (
            f"Scans {what} of ~{self.table_items:,} ({self.segments} parallel segments), "
            f"at most {self.rcu:,.0f} read capacity units"
        )


@dataclass(frozen=True)
class KeyAnalysis:
    """The report. It measures how items and bytes spread over keys: storage skew, not traffic."""

    table: str
    index: str | None
    partition_key: str
    items: int  # items read
    bytes: int  # their estimated size
    rcu: float  # read capacity consumed, as DynamoDB charges a Scan (0.5 per started 4 KB a page)
    server_rcu: float  # what the server reported consuming
    requests: int
    complete: bool  # the whole table (or index) was read
    cancelled: bool
    elapsed: float
    cardinality: int  # distinct partition keys in the sample
    top_by_items: tuple[KeyCount, ...]
    top_by_bytes: tuple[KeyCount, ...]
    collections: tuple[KeyCount, ...]  # tables with an LSI: the largest item collections
    has_lsi: bool
    size_histogram: tuple[tuple[int, int], ...]  # (bucket upper bound or 0 for open, items)
    largest: tuple[LargeItem, ...]
    attribute_share: tuple[tuple[str, float], ...]  # attribute -> share of items carrying it
    table_items: int = 0  # DescribeTable's estimate, for the coverage line

    @property
    def hottest(self) -> KeyCount | None:
        return self.top_by_items[0] if self.top_by_items else None

    @property
    def coverage(self) -> float | None:
        if self.complete:
            return 1.0
        return min(1.0, self.items / self.table_items) if self.table_items else None
