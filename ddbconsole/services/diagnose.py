"""Diagnose a table's throttling: why (which limit, from the per-reason metrics), who (Contributor
Insights' top keys) and what to do (services/advice.py).

See docs/ARCHITECTURE.md, "Diagnose". The metrics come from the same single GetMetricData call the
Metrics pane makes (`MetricsService.table_snapshot`, which includes the per-reason throttle
metrics); Contributor Insights adds 1 + G DescribeContributorInsights and one GetInsightRuleReport
per rule of each enabled table or GSI.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from ddbconsole.errors import DdbConsoleError
from ddbconsole.models import MetricSeries, MetricsSnapshot, TableInfo
from ddbconsole.models.diagnose import (
    LIMIT_KINDS,
    Diagnosis,
    InsightsStatus,
    ReasonCount,
    RuleReport,
    ThrottleSummary,
)
from ddbconsole.services.advice import advise
from ddbconsole.services.hotkeys import HotKeyService
from ddbconsole.services.metrics import MetricsService, series_key


def _when(series: MetricSeries) -> tuple[datetime | None, datetime | None]:
    hit = [ts for ts, v in zip(series.timestamps, series.values, strict=True) if v > 0]
    return (hit[0], hit[-1]) if hit else (None, None)


def summarize(snapshot: MetricsSnapshot, table: str, gsis: tuple[str, ...] = ()) -> ThrottleSummary:
    """Which limits throttled which resource, when, from a snapshot holding the per-reason
    metrics (`metrics.table_queries`); also the consumed peaks and latest provisioned capacity
    the advice needs. Reasons come most events first."""
    reasons: list[ReasonCount] = []
    consumed: dict[str, float] = {}
    provisioned: dict[str, float] = {}
    for index in (None, *gsis):
        scope = table if index is None else f"{table}/{index}"
        for side in ("Read", "Write"):
            used = snapshot.get(series_key(table, f"Consumed{side}CapacityUnits", index=index))
            if used is not None and used.values:
                consumed[f"{scope}:{side}"] = max(used.values)
            prov = snapshot.get(series_key(table, f"Provisioned{side}CapacityUnits", index=index))
            if prov is not None and prov.latest:
                provisioned[f"{scope}:{side}"] = float(prov.latest)
            for limit in LIMIT_KINDS:
                metric = f"{side}{limit}ThrottleEvents"
                series = snapshot.get(series_key(table, metric, index=index))
                if series is None or not series.total:
                    continue
                first, last = _when(series)
                reasons.append(
                    ReasonCount(
                        table=table,
                        index=index,
                        side=side,  # type: ignore[arg-type]
                        limit=limit,
                        events=series.total,
                        peak=series.peak or 0.0,
                        first=first,
                        last=last,
                    )
                )
    reasons.sort(key=lambda r: (-r.events, r.index or "", r.side, r.limit))
    return ThrottleSummary(
        start=snapshot.start,
        end=snapshot.end,
        period=snapshot.period,
        reasons=tuple(reasons),
        consumed=consumed,
        provisioned=provisioned,
        requests=snapshot.requests,
    )


class DiagnoseService:
    def __init__(self, metrics: MetricsService, hotkeys: HotKeyService) -> None:
        self._metrics = metrics
        self._hotkeys = hotkeys

    async def diagnose(
        self, table: TableInfo, *, range_seconds: int = 3600, top: int = 10
    ) -> Diagnosis:
        """Everything the Diagnose view shows: the metrics snapshot and Contributor Insights
        (status and reports) are read concurrently; Contributor Insights failing (not allowed,
        not supported by the endpoint) becomes a note, never hides the metrics."""
        gsis = tuple(i.name for i in table.gsis)
        snapshot_job = self._metrics.table_snapshot(table, range_seconds=range_seconds)
        insights_job = self._insights(table, range_seconds, top)
        snapshot, (statuses, reports, notes) = await asyncio.gather(snapshot_job, insights_job)
        summary = summarize(snapshot, table.name, gsis)
        return Diagnosis(
            table=table.name,
            summary=summary,
            insights=statuses,
            reports=reports,
            advice=advise(table, summary, reports),
            notes=notes + tuple(snapshot.messages),
        )

    async def _insights(
        self, table: TableInfo, range_seconds: int, top: int
    ) -> tuple[tuple[InsightsStatus, ...], tuple[RuleReport, ...], tuple[str, ...]]:
        try:
            statuses = await self._hotkeys.statuses(table)
        except DdbConsoleError as exc:
            return (), (), (f"Contributor Insights could not be read: {exc}",)
        reports, notes = await self._hotkeys.reports(statuses, range_seconds=range_seconds, top=top)
        return statuses, reports, notes
