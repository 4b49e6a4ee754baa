"""CloudWatch alarms on DynamoDB tables (read side).

An alarm belongs to a table when any metric it watches, directly or inside its metric math, is in
the AWS/DynamoDB namespace with that table's TableName dimension (GSI metrics included). Every call
here is on the read-only allow-list.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from ddbconsole.models import AlarmInfo, AlarmMetric
from ddbconsole.services.session import AwsSession

SERVICE = "cloudwatch"
NAMESPACE = "AWS/DynamoDB"
ALARM_STATE_PAGES = 10  # DescribeAlarms pages (100 alarms each) read for alarm states, at most


def _metric(raw: dict[str, Any], *, stat: Any, period: Any, query_id: str | None) -> AlarmMetric:
    return AlarmMetric(
        namespace=str(raw.get("Namespace", "")),
        name=str(raw.get("MetricName", "")),
        dimensions={d["Name"]: d["Value"] for d in raw.get("Dimensions", [])},
        stat=None if stat is None else str(stat),
        period=None if period is None else int(period),
        query_id=query_id,
    )


def parse_alarm(raw: dict[str, Any]) -> AlarmInfo:
    metrics: list[AlarmMetric] = []
    expression: str | None = None
    if raw.get("MetricName"):
        metrics.append(
            _metric(
                raw,
                stat=raw.get("Statistic") or raw.get("ExtendedStatistic"),
                period=raw.get("Period"),
                query_id=None,
            )
        )
    for query in raw.get("Metrics") or []:
        stat = query.get("MetricStat")
        if stat:
            metrics.append(
                _metric(
                    stat["Metric"],
                    stat=stat.get("Stat"),
                    period=stat.get("Period"),
                    query_id=query["Id"],
                )
            )
        elif query.get("Expression") and query.get("ReturnData", True):
            expression = str(query["Expression"])
    threshold = raw.get("Threshold")
    updated = raw.get("StateUpdatedTimestamp")
    return AlarmInfo(
        name=raw["AlarmName"],
        arn=raw.get("AlarmArn", ""),
        state=raw.get("StateValue", "INSUFFICIENT_DATA"),
        state_reason=raw.get("StateReason", ""),
        state_updated=updated if isinstance(updated, datetime) else None,
        description=raw.get("AlarmDescription", ""),
        metrics=tuple(metrics),
        expression=expression,
        comparison=raw.get("ComparisonOperator", ""),
        threshold=None if threshold is None else float(threshold),
        evaluation_periods=int(raw.get("EvaluationPeriods", 1)),
        datapoints_to_alarm=raw.get("DatapointsToAlarm"),
        treat_missing_data=raw.get("TreatMissingData"),
        actions_enabled=bool(raw.get("ActionsEnabled", True)),
        alarm_actions=tuple(raw.get("AlarmActions", ())),
        ok_actions=tuple(raw.get("OKActions", ())),
        insufficient_data_actions=tuple(raw.get("InsufficientDataActions", ())),
    )


def tables_of(alarm: AlarmInfo) -> set[str]:
    """The tables whose metrics (their indexes' included) `alarm` watches."""
    return {
        m.dimensions["TableName"]
        for m in alarm.metrics
        if m.namespace == NAMESPACE and "TableName" in m.dimensions
    }


def watches_table(alarm: AlarmInfo, table: str) -> bool:
    return any(
        m.namespace == NAMESPACE and m.dimensions.get("TableName") == table for m in alarm.metrics
    )


class AlarmService:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    async def iter_alarms(
        self, *, name_prefix: str | None = None
    ) -> AsyncIterator[list[AlarmInfo]]:
        """Metric alarms one DescribeAlarms page (up to 100) at a time."""
        params: dict[str, Any] = {"AlarmTypes": ["MetricAlarm"], "MaxRecords": 100}
        if name_prefix:
            params["AlarmNamePrefix"] = name_prefix
        while True:
            page = await self._session.call(SERVICE, "describe_alarms", **params)
            yield [parse_alarm(a) for a in page.get("MetricAlarms", [])]
            token = page.get("NextToken")
            if not token:
                return
            params["NextToken"] = token

    async def for_table(self, table: str, *, name_prefix: str | None = None) -> list[AlarmInfo]:
        """The alarms watching `table` or its indexes, by name (auto scaling's own included)."""
        found: list[AlarmInfo] = []
        async for page in self.iter_alarms(name_prefix=name_prefix):
            found += [a for a in page if watches_table(a, table)]
        return sorted(found, key=lambda a: a.name)

    async def by_table(
        self, *, max_pages: int = ALARM_STATE_PAGES
    ) -> tuple[dict[str, list[AlarmInfo]], int]:
        """Every metric alarm on a DynamoDB table, by table; and the DescribeAlarms calls it took
        (at most `max_pages`)."""
        found: dict[str, list[AlarmInfo]] = {}
        pages = 0
        async for page in self.iter_alarms():
            pages += 1
            for alarm in page:
                for table in tables_of(alarm):
                    found.setdefault(table, []).append(alarm)
            if pages >= max_pages:
                break
        return found, pages

    async def states_by_table(self, *, max_pages: int = ALARM_STATE_PAGES) -> dict[str, int]:
        """How many alarms are in ALARM, per table (tables with none are absent)."""
        found, _ = await self.by_table(max_pages=max_pages)
        return {t: n for t, alarms in found.items() if (n := sum(a.in_alarm for a in alarms))}
