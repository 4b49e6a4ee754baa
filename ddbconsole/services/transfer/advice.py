"""Local export or DynamoDB's export to S3? A local export scans the table through this machine:
right for megabytes, wrong for terabytes. Above a size threshold (the config's
`s3_export_threshold_gb`, default 5 GB) the console measures the scan rate with one timed Scan page
and says how long the local export would take, pointing to the export to S3 (which reads no table
capacity and scales with the table)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddbconsole.models import TableInfo
from ddbconsole.services.transfer.export import default_segments

if TYPE_CHECKING:
    from ddbconsole.services.session import AwsSession

GB = 1000**3
DEFAULT_THRESHOLD_GB = 5.0


@dataclass(frozen=True)
class ExportAdvice:
    table: str
    size_bytes: int
    threshold_bytes: int
    rate_bytes: float  # bytes per second at the measured rate, all segments together
    segments: int

    @property
    def seconds(self) -> float:
        return self.size_bytes / self.rate_bytes if self.rate_bytes > 0 else float("inf")

    def describe(self) -> str:
        hours = self.seconds / 3600
        took = f"{hours:,.1f} h" if hours >= 1 else f"{self.seconds / 60:,.0f} min"
        return (
            f"{self.table} holds {self.size_bytes / GB:,.1f} GB (over the "
            f"{self.threshold_bytes / GB:g} GB threshold): a local export would take about {took} "
            f"at the measured {self.rate_bytes / 1e6:,.1f} MB/s ({self.segments} segments) and "
            "read the whole table's capacity. DynamoDB's export to S3 reads no capacity: "
            f"ddbconsole s3-export start {self.table} --bucket BUCKET, then s3-export download."
        )


async def advise(
    session: AwsSession,
    table: TableInfo,
    threshold_gb: float = DEFAULT_THRESHOLD_GB,
    segments: int | None = None,
) -> ExportAdvice | None:
    """None below the threshold; else the advice, from one timed Scan page (at most 1 MB)."""
    threshold = int(threshold_gb * GB)
    if table.size_bytes <= threshold:
        return None
    n = segments or default_segments(table)
    started = time.monotonic()
    params: dict[str, Any] = {"TableName": table.name, "Segment": 0, "TotalSegments": max(n, 1)}
    page = await session.call("dynamodb", "scan", **params)
    elapsed = max(time.monotonic() - started, 1e-3)
    average = table.size_bytes / table.item_count if table.item_count else 1024.0
    read = int(page.get("ScannedCount", 0)) * average
    rate = read / elapsed * n
    return ExportAdvice(table.name, table.size_bytes, threshold, rate, n)
