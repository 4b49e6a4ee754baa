"""Contributor Insights: status per table and GSI, enable / disable / change mode as Plans, and the
top contributors of each rule from CloudWatch GetInsightRuleReport.

See docs/ARCHITECTURE.md, "Diagnose". UpdateContributorInsights is a write: it is only ever planned
here, shown with its cost, and sent by `execute`; read-only mode refuses it before anything is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ddbconsole.errors import DdbConsoleError, UserInputError
from ddbconsole.models import PlannedRequest, TableInfo
from ddbconsole.models.diagnose import Contributor, InsightsStatus, RuleReport, rule_kind
from ddbconsole.services.plans import Plan, refuse_read_only
from ddbconsole.services.session import AwsSession

DDB = "dynamodb"
MODES = ("ACCESSED_AND_THROTTLED_KEYS", "THROTTLED_KEYS")
ALL = "*"  # `reports`: every status (no table or index is named "*")
MAX_CONTRIBUTORS = 100  # GetInsightRuleReport's MaxContributorCount at most
# What enabling costs, stated in the confirmation (CloudWatch pricing, us-east-1, 2025).
COST_NOTE = (
    "Cost: CloudWatch Contributor Insights bills each rule (DynamoDB creates 2, or 4 with a sort "
    "key, per table or GSI: about $0.50 per rule per month) and each event it matches (about "
    "$0.02 per million in ACCESSED_AND_THROTTLED_KEYS mode, where every read and write is an "
    "event; THROTTLED_KEYS mode matches only throttled requests)."
)


def _status(raw: dict[str, Any], table: str, index: str | None) -> InsightsStatus:
    failure = raw.get("FailureException") or {}
    return InsightsStatus(
        table=str(raw.get("TableName") or table),
        index=raw.get("IndexName") or index,
        status=str(raw.get("ContributorInsightsStatus") or "DISABLED"),
        mode=raw.get("ContributorInsightsMode"),
        rules=tuple(raw.get("ContributorInsightsRuleList") or ()),
        last_update=raw.get("LastUpdateDateTime"),
        failure=" ".join(
            str(failure.get(k, "")) for k in ("ExceptionName", "ExceptionDescription")
        ).strip(),
    )


def _period_for(range_seconds: int) -> int:
    """One minute up to 6 hours, then 5 minutes, then an hour (at most 360 points)."""
    for period in (60, 300, 3600):
        if range_seconds / period <= 360:
            return period
    return 86400


def parse_report(
    raw: dict[str, Any],
    rule: str,
    status: InsightsStatus,
    start: datetime,
    end: datetime,
    period: int,
) -> RuleReport:
    """A GetInsightRuleReport answer as a ranked RuleReport, each contributor with its share."""
    aggregate = float(raw.get("AggregateValue") or 0.0)
    rows = raw.get("Contributors") or []
    total = aggregate or sum(float(c.get("ApproximateAggregateValue") or 0) for c in rows)
    contributors = sorted(
        (
            Contributor(
                keys=tuple(str(k) for k in c.get("Keys") or ()),
                value=float(c.get("ApproximateAggregateValue") or 0.0),
                share=(float(c.get("ApproximateAggregateValue") or 0.0) / total) if total else 0.0,
                peak=max(
                    (float(d.get("ApproximateValue") or 0) for d in c.get("Datapoints") or ()),
                    default=0.0,
                ),
            )
            for c in rows
        ),
        key=lambda c: (-c.value, c.keys),
    )
    unique = raw.get("ApproximateUniqueCount")
    return RuleReport(
        rule=rule,
        kind=rule_kind(rule),
        table=status.table,
        index=status.index,
        key_labels=tuple(raw.get("KeyLabels") or ()),
        aggregate=total,
        unique=int(unique) if unique is not None else None,
        contributors=tuple(contributors),
        period=period,
        start=start,
        end=end,
    )


class HotKeyService:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    # --- status ---------------------------------------------------------------------------------

    async def status(self, table: str, index: str | None = None) -> InsightsStatus:
        params: dict[str, Any] = {"TableName": table}
        if index is not None:
            params["IndexName"] = index
        raw = await self._session.call(DDB, "describe_contributor_insights", **params)
        return _status(raw, table, index)

    async def statuses(self, table: TableInfo) -> tuple[InsightsStatus, ...]:
        """The table's and each GSI's status (concurrently: 1 + G DescribeContributorInsights)."""
        names: list[str | None] = [None, *(i.name for i in table.gsis)]
        found = await asyncio.gather(*(self.status(table.name, n) for n in names))
        return tuple(found)

    async def list_statuses(self, table: str | None = None) -> tuple[InsightsStatus, ...]:
        """ListContributorInsights (every page): the account's tables and GSIs, or one table's."""
        out: list[InsightsStatus] = []
        params: dict[str, Any] = {"MaxResults": 100}
        if table is not None:
            params["TableName"] = table
        while True:
            raw = await self._session.call(DDB, "list_contributor_insights", **params)
            for summary in raw.get("ContributorInsightsSummaries") or []:
                out.append(_status(summary, str(summary.get("TableName", "")), None))
            token = raw.get("NextToken")
            if not token:
                return tuple(out)
            params["NextToken"] = token

    # --- changes (Plans) -----------------------------------------------------------------------

    def _request(self, table: str, index: str | None, action: str, mode: str | None) -> Plan:
        params: dict[str, Any] = {"TableName": table}
        if index is not None:
            params["IndexName"] = index
        params["ContributorInsightsAction"] = action
        if mode is not None:
            params["ContributorInsightsMode"] = mode
        where = table if index is None else f"{table} / GSI {index}"
        return Plan(
            title="",
            requests=(PlannedRequest(DDB, "UpdateContributorInsights", params),),
            done=f"{where}: Contributor Insights change sent",
            then=("DescribeContributorInsights until ENABLED or DISABLED",),
        )

    async def plan_update(
        self, table: str, index: str | None, *, enabled: bool, mode: str | None = None
    ) -> Plan:
        """Enable (with `mode`), disable, or change the mode of Contributor Insights on the table or
        one GSI. Refused in read-only mode before the status is read."""
        refuse_read_only(self._session, DDB, "UpdateContributorInsights")
        if mode is not None and mode not in MODES:
            raise UserInputError("Unknown Contributor Insights mode", "use " + " or ".join(MODES))
        current = await self.status(table, index)
        where = current.where
        on = current.status in ("ENABLED", "ENABLING")
        if not enabled:
            if not on:
                raise UserInputError(f"Contributor Insights is already off for {where}")
            plan = self._request(table, index, "DISABLE", None)
            title = f"Turn Contributor Insights off for {where}?"
            notes: tuple[str, ...] = ("Its rules and their history stop; nothing else changes.",)
        else:
            mode = mode or current.mode or MODES[0]
            if on and current.mode == mode:
                raise UserInputError(f"Contributor Insights is already on for {where} ({mode})")
            plan = self._request(table, index, "ENABLE", mode)
            verb = "Change the Contributor Insights mode" if on else "Turn Contributor Insights on"
            title = f"{verb} for {where} ({mode})?"
            notes = (COST_NOTE,)
        return replace(
            plan,
            title=title,
            notes=notes,
            checks=(f"DescribeContributorInsights: {where} is {current.status}",),
        )

    # --- reports -------------------------------------------------------------------------------

    async def report(
        self,
        rule: str,
        status: InsightsStatus,
        *,
        range_seconds: int = 3600,
        top: int = 10,
        end: datetime | None = None,
    ) -> RuleReport:
        """The top `top` contributors of one rule over the last `range_seconds`."""
        if not 1 <= top <= MAX_CONTRIBUTORS:
            raise UserInputError("Invalid --top", f"give 1 .. {MAX_CONTRIBUTORS}")
        period = _period_for(range_seconds)
        end_ts = int((end or datetime.now(UTC)).timestamp()) // period * period + period
        end_at = datetime.fromtimestamp(end_ts, UTC)
        start_at = end_at - timedelta(seconds=range_seconds)
        raw = await self._session.call(
            "cloudwatch",
            "get_insight_rule_report",
            RuleName=rule,
            StartTime=start_at,
            EndTime=end_at,
            Period=period,
            MaxContributorCount=top,
            Metrics=["UniqueContributors", "Sum"],
            OrderBy="Sum",
        )
        return parse_report(raw, rule, status, start_at, end_at, period)

    async def reports(
        self,
        statuses: Sequence[InsightsStatus],
        *,
        range_seconds: int = 3600,
        top: int = 10,
        index: str | None = ALL,
    ) -> tuple[tuple[RuleReport, ...], tuple[str, ...]]:
        """The report of every rule of every enabled status (concurrently), and notes on the
        statuses without one. `index` (a GSI name, or None for the table) narrows to one."""
        wanted = [s for s in statuses if index == ALL or s.index == index]
        notes = [
            f"Contributor Insights is {s.status.lower()} for {s.where}"
            + (f" ({s.failure})" if s.failure else "")
            for s in wanted
            if not s.enabled
        ]
        jobs = [
            self.report(rule, s, range_seconds=range_seconds, top=top)
            for s in wanted
            if s.enabled
            for rule in s.rules
        ]
        found = await asyncio.gather(*jobs, return_exceptions=True)
        out: list[RuleReport] = []
        for result in found:
            if isinstance(result, DdbConsoleError):
                notes.append(f"GetInsightRuleReport: {result}")
            elif isinstance(result, BaseException):
                raise result
            else:
                out.append(result)
        order = {"PKC": 0, "PKT": 1, "SKC": 2, "SKT": 3}
        out.sort(key=lambda r: (r.index or "", order.get(r.kind or "", 9)))
        return tuple(out), tuple(notes)
