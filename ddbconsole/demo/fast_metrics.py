"""GetMetricData for the demo's moto, in one pass over the data per query.

moto answers GetMetricData by scanning every datum in the window once per period and query: with
the demo's 14 days of history (finer towards now, see traffic.HISTORY_TIERS) the Metrics pane's
call for two weeks took about 30 s, for a day 10 s. This does the same filtering (moto's own
expressions: name, then namespace or dimensions, then unit) per datum once, buckets the matches by
period, and computes each bucket with moto's `Statistics`: the same answer, for the MetricStat
queries the console sends; anything else (metric math, Insights) goes to moto's implementation.
Installed only with the demo's traffic (`_child --traffic`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any


def install() -> None:
    from moto.cloudwatch import models

    original = models.CloudWatchBackend.get_metric_data

    def get_metric_data(
        self: Any,
        queries: list[dict[str, Any]],
        start_time: datetime,
        end_time: datetime,
        scan_by: str = "TimestampAscending",
    ) -> list[dict[str, Any]]:
        start_time = start_time.replace(microsecond=0)
        end_time = end_time.replace(microsecond=0)
        if start_time >= end_time or any("MetricStat" not in q for q in queries):
            return original(self, queries, start_time, end_time, scan_by)  # and its errors
        by_name: dict[str, list[Any]] = defaultdict(list)
        for md in self.get_all_metrics():
            if start_time <= md.timestamp < end_time:
                by_name[md.name].append(md)
        results = []
        for query in queries:
            metric_stat = query["MetricStat"]
            namespace = metric_stat["Metric"]["Namespace"]
            name = metric_stat["Metric"]["MetricName"]
            delta = timedelta(seconds=int(metric_stat["Period"]))
            dimensions = sorted(
                models.Dimension(name=d["Name"], value=d["Value"])
                for d in metric_stat["Metric"].get("Dimensions", [])
            )
            unit = metric_stat.get("Unit")
            stat = metric_stat["Stat"]
            buckets: dict[int, list[Any]] = defaultdict(list)
            for md in by_name.get(name, ()):
                matches = (
                    sorted(md.dimensions) == dimensions if dimensions else md.namespace == namespace
                )
                if matches and (not unit or md.unit == unit):
                    buckets[(md.timestamp - start_time) // delta].append(md)
            values: list[Any] = []
            timestamps: list[datetime] = []
            for i in sorted(buckets):
                stats = models.Statistics([stat], start_time + i * delta)
                stats.metric_data = buckets[i]
                values.append(stats.get_statistics_for_type(stat))
                timestamps.append(stats.timestamp)
            if scan_by == "TimestampDescending":
                values.reverse()
                timestamps.reverse()
            if query.get("ReturnData", True):
                results.append(
                    {
                        "id": query["Id"],
                        "label": query.get("Label") or f"{name} {stat}",
                        "values": values,
                        "timestamps": timestamps,
                        "status_code": "Complete",
                    }
                )
        return results

    models.CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]
