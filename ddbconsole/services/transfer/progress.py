"""Where a transfer stands, for progress bars and the CLI's progress line."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

ProgressFn = Callable[["TransferProgress"], object]


@dataclass
class TransferProgress:
    """Where a transfer stands; `total` is an estimate (the table's ItemCount) or the record count."""

    items: int = 0
    bytes: int = 0
    total: int | None = None
    started: float = field(default_factory=time.monotonic)
    failed: int = 0
    retries: int = 0

    def count_retry(self) -> None:
        """One more request retried (throttled, a 5xx, a dropped connection, UnprocessedItems)."""
        self.retries += 1

    @property
    def elapsed(self) -> float:
        return max(1e-9, time.monotonic() - self.started)

    @property
    def rate(self) -> float:
        return self.items / self.elapsed

    @property
    def eta(self) -> float | None:
        if not self.total or self.items <= 0 or self.items >= self.total:
            return None
        return (self.total - self.items) / self.rate

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.items / self.total)

    def describe(self) -> str:
        eta = self.eta
        parts = [f"{self.items:,} items", f"{self.rate:,.0f} items/s"]
        if self.total:
            parts.insert(1, f"of ~{self.total:,}")
        if eta is not None:
            parts.append(f"ETA {eta:,.0f} s")
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        return ", ".join(parts)
