"""Alarm presets and alarm create/edit/delete (the read side lives in services/alarms.py).

A preset (models.AlarmPreset) becomes PutMetricAlarm parameters with `build_alarm`:

* capacity: consumed capacity above X % of provisioned for N minutes. For provisioned tables this is
  a **metric math** alarm, `100 * (FILL(consumed,0) / PERIOD(consumed)) / FILL(provisioned,REPEAT)`,
  because a static threshold computed from today's provisioned capacity goes stale as soon as auto
  scaling or an operator changes the capacity (the demo's Orders table scales between 5 and 100).
  AWS's own target-tracking alarms use static thresholds only because auto scaling rewrites them on
  every change; nothing rewrites ours. When the caller gives `capacity_units` (on-demand tables have
  no provisioned metric, or a fixed reference is wanted) it is a **static** threshold on the 60 s Sum:
  capacity_units * 60 * X / 100.
* throttling: any read or write throttle event (metric math sum of both) in the last N minutes.
* system-errors: any SystemErrors on the main operations (metric math sum; CloudWatch allows at most
  10 metrics per alarm, so 9 operations + the expression).
* latency: average SuccessfulRequestLatency of one operation above X ms for N minutes.

All use a 60 s period (DynamoDB publishes one-minute metrics) and treat missing data as not
breaching. Names are stable per table/index/kind (`ddbconsole/Orders/ByStatus/read-capacity`), so
editing a threshold is PutMetricAlarm on the same name (it replaces the alarm). The preset, as
JSON, is the alarm's `ddbconsole:preset` tag, so `preset_from_alarm` can reopen it for editing; the
description holds only the human text the AWS console and SNS e-mails show. (Alarms made by older
versions carried the JSON at the end of the description: still read.)

Writes go through AwsSession.call, so read-only mode refuses them in the client hook: nothing is sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields
from typing import Any

from ddbconsole.errors import UserInputError
from ddbconsole.models import AlarmPreset, PlannedRequest
from ddbconsole.services.metrics import OPERATIONS
from ddbconsole.services.plans import Plan, execute
from ddbconsole.services.session import AwsSession

NAMESPACE = "AWS/DynamoDB"
NAME_PREFIX = "ddbconsole/"
PERIOD = 60
MAX_DELETE_BATCH = 100  # DeleteAlarms takes at most 100 names
# SystemErrors alarms: the operations the Metrics pane charts, but for TransactGetItems.
SYSTEM_ERROR_OPERATIONS: tuple[str, ...] = tuple(
    op for op in OPERATIONS if op != "TransactGetItems"
)
_SNS_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
_MARKER = re.compile(r"\[ddbconsole-preset (\{.*\})\]\s*$")  # older versions' description
PRESET_TAG = "ddbconsole:preset"


def alarm_name(preset: AlarmPreset) -> str:
    scope = preset.table if preset.index is None else f"{preset.table}/{preset.index}"
    if preset.kind == "capacity":
        slug = f"{preset.side}-capacity"
    elif preset.kind == "latency":
        slug = f"latency-{preset.operation}"
    else:
        slug = preset.kind
    return f"{NAME_PREFIX}{scope}/{slug}"


def validate(preset: AlarmPreset) -> None:
    """Raise UserInputError naming the field when a preset cannot become a valid alarm."""

    def bad(title: str, advice: str) -> UserInputError:
        return UserInputError(title, advice, code="InvalidAlarmPreset")

    if not preset.table:
        raise bad("No table", "an alarm preset needs a table name")
    if preset.kind not in {"capacity", "throttling", "system-errors", "latency"}:
        raise bad("Unknown alarm preset", f"got {preset.kind!r}")
    if not 1 <= preset.minutes <= 1440:
        raise bad("Invalid duration", "minutes must be between 1 and 1440 (one day)")
    if preset.kind == "capacity":
        if not 0 < preset.percent <= 1000:
            raise bad("Invalid percentage", "use a percentage above 0 (e.g. 80)")
        if preset.side not in {"read", "write"}:
            raise bad("Invalid capacity side", "choose read or write")
        if preset.capacity_units is not None and preset.capacity_units <= 0:
            raise bad("Invalid capacity", "capacity units per second must be above 0")
    if preset.kind == "latency":
        if preset.threshold_ms <= 0:
            raise bad("Invalid latency threshold", "milliseconds must be above 0")
        if preset.index is not None:
            raise bad("Latency is per table", "SuccessfulRequestLatency has no index dimension")
    if preset.kind == "system-errors" and preset.index is not None:
        raise bad("System errors are per table", "SystemErrors has no index dimension")
    if preset.sns_topic_arn and not _SNS_ARN.match(preset.sns_topic_arn):
        raise bad(
            "Invalid SNS topic ARN",
            f"expected arn:aws:sns:<region>:<account>:<topic>, got {preset.sns_topic_arn!r}",
        )


def _dims(preset: AlarmPreset, operation: str | None = None) -> list[dict[str, str]]:
    dims = [{"Name": "TableName", "Value": preset.table}]
    if preset.index is not None:
        dims.append({"Name": "GlobalSecondaryIndexName", "Value": preset.index})
    if operation is not None:
        dims.append({"Name": "Operation", "Value": operation})
    return dims


def _stat(query_id: str, metric: str, stat: str, dims: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "Id": query_id,
        "ReturnData": False,
        "MetricStat": {
            "Metric": {"Namespace": NAMESPACE, "MetricName": metric, "Dimensions": dims},
            "Period": PERIOD,
            "Stat": stat,
        },
    }


def describe(preset: AlarmPreset) -> str:
    where = preset.table if preset.index is None else f"{preset.table} index {preset.index}"
    span = f"{preset.minutes} minute{'s' if preset.minutes != 1 else ''}"
    if preset.kind == "capacity":
        against = (
            f"{preset.capacity_units:g} units/s"
            if preset.capacity_units is not None
            else "provisioned"
        )
        return f"{where}: consumed {preset.side} capacity above {preset.percent:g}% of {against} for {span}"
    if preset.kind == "throttling":
        return f"{where}: any read or write throttling within {span}"
    if preset.kind == "system-errors":
        return f"{where}: any system errors within {span}"
    return (
        f"{where}: average {preset.operation} latency above {preset.threshold_ms:g} ms for {span}"
    )


def build_alarm(preset: AlarmPreset) -> dict[str, Any]:
    """PutMetricAlarm parameters for a preset (validated first)."""
    validate(preset)
    marker = json.dumps(
        {k: v for k, v in asdict(preset).items() if k != "sns_topic_arn"}, separators=(",", ":")
    )
    params: dict[str, Any] = {
        "AlarmName": alarm_name(preset),
        "AlarmDescription": describe(preset),
        "Tags": [{"Key": PRESET_TAG, "Value": marker}],
        "ActionsEnabled": True,
        "EvaluationPeriods": preset.minutes,
        "TreatMissingData": "notBreaching",
        "ComparisonOperator": "GreaterThanThreshold",
    }
    if preset.sns_topic_arn:
        params["AlarmActions"] = [preset.sns_topic_arn]
        params["OKActions"] = [preset.sns_topic_arn]
    side = preset.side.capitalize()
    if preset.kind == "capacity" and preset.capacity_units is not None:
        params.update(
            Namespace=NAMESPACE,
            MetricName=f"Consumed{side}CapacityUnits",
            Dimensions=_dims(preset),
            Statistic="Sum",
            Period=PERIOD,
            Threshold=preset.capacity_units * PERIOD * preset.percent / 100,
            DatapointsToAlarm=preset.minutes,
        )
    elif preset.kind == "capacity":
        params.update(
            Metrics=[
                _stat("consumed", f"Consumed{side}CapacityUnits", "Sum", _dims(preset)),
                _stat("provisioned", f"Provisioned{side}CapacityUnits", "Average", _dims(preset)),
                {
                    "Id": "utilisation",
                    "Label": f"Consumed {preset.side} capacity, % of provisioned",
                    "Expression": "100 * (FILL(consumed, 0) / PERIOD(consumed))"
                    " / FILL(provisioned, REPEAT)",
                    "ReturnData": True,
                },
            ],
            Threshold=float(preset.percent),
            DatapointsToAlarm=preset.minutes,
        )
    elif preset.kind == "throttling":
        params.update(
            Metrics=[
                _stat("reads", "ReadThrottleEvents", "Sum", _dims(preset)),
                _stat("writes", "WriteThrottleEvents", "Sum", _dims(preset)),
                {
                    "Id": "throttles",
                    "Label": "Throttle events",
                    "Expression": "FILL(reads, 0) + FILL(writes, 0)",
                    "ReturnData": True,
                },
            ],
            Threshold=0.0,
            DatapointsToAlarm=1,
        )
    elif preset.kind == "system-errors":
        ids = [f"e{i}" for i in range(len(SYSTEM_ERROR_OPERATIONS))]
        params.update(
            Metrics=[
                *(
                    _stat(qid, "SystemErrors", "Sum", _dims(preset, op))
                    for qid, op in zip(ids, SYSTEM_ERROR_OPERATIONS, strict=True)
                ),
                {
                    "Id": "errors",
                    "Label": "System errors",
                    "Expression": " + ".join(f"FILL({qid}, 0)" for qid in ids),
                    "ReturnData": True,
                },
            ],
            Threshold=0.0,
            DatapointsToAlarm=1,
        )
    else:
        params.update(
            Namespace=NAMESPACE,
            MetricName="SuccessfulRequestLatency",
            Dimensions=_dims(preset, preset.operation),
            Statistic="Average",
            Period=PERIOD,
            Threshold=float(preset.threshold_ms),
            DatapointsToAlarm=preset.minutes,
        )
    return params


def preset_from_alarm(
    alarm: Mapping[str, Any], tags: Mapping[str, str] | None = None
) -> AlarmPreset | None:
    """The preset behind an alarm this console created (from DescribeAlarms and the alarm's tags,
    ListTagsForResource), else None.

    Thresholds, duration and SNS topic are read from the alarm itself, so an alarm edited elsewhere
    reopens with its current values where they map onto the preset.
    """
    marker = (tags or {}).get(PRESET_TAG)
    if marker is None:
        found = _MARKER.search(str(alarm.get("AlarmDescription") or ""))
        if not found:
            return None
        marker = found.group(1)
    try:
        raw = json.loads(marker)
    except ValueError:
        return None
    known = {f.name for f in fields(AlarmPreset)}
    values: dict[str, Any] = {k: v for k, v in raw.items() if k in known}
    if "kind" not in values or "table" not in values:
        return None
    actions = list(alarm.get("AlarmActions") or [])
    values["sns_topic_arn"] = actions[0] if actions else None
    if alarm.get("EvaluationPeriods"):
        values["minutes"] = int(alarm["EvaluationPeriods"])
    threshold = alarm.get("Threshold")
    if threshold is not None:
        if values["kind"] == "latency":
            values["threshold_ms"] = float(threshold)
        elif values["kind"] == "capacity" and values.get("capacity_units"):
            values["percent"] = float(threshold) * 100 / (float(values["capacity_units"]) * PERIOD)
        elif values["kind"] == "capacity":
            values["percent"] = float(threshold)
    try:
        return AlarmPreset(**values)
    except TypeError:
        return None


class AlarmPresetService:
    """Create, edit and delete alarms (PutMetricAlarm / DeleteAlarms), each a Plan."""

    def __init__(self, session: AwsSession) -> None:
        self._session = session

    def plan_put_alarm(self, preset: AlarmPreset, old_name: str | None = None) -> Plan:
        """PutMetricAlarm for the preset (creates it, or replaces the alarm of that name); when an
        edit changes the name (other table, index or kind), DeleteAlarms of the old one follows."""
        params = build_alarm(preset)
        name = str(params["AlarmName"])
        requests = [PlannedRequest("cloudwatch", "PutMetricAlarm", params)]
        if old_name is not None and old_name != name:
            requests.append(
                PlannedRequest("cloudwatch", "DeleteAlarms", {"AlarmNames": [old_name]})
            )
        verb = "Create" if old_name is None else "Update"

        async def saved(results: list[dict[str, Any]]) -> str:
            return name

        return Plan(
            f"{verb} alarm {name}?",
            tuple(requests),
            then=("the alarms are read again",),
            confirm_label=verb,
            done=f"{name} saved",
            after=saved,
        )

    def plan_delete_alarms(self, names: Sequence[str]) -> Plan:
        """DeleteAlarms by name, 100 per request."""
        unique = list(dict.fromkeys(names))
        requests = tuple(
            PlannedRequest(
                "cloudwatch", "DeleteAlarms", {"AlarmNames": unique[i : i + MAX_DELETE_BATCH]}
            )
            for i in range(0, len(unique), MAX_DELETE_BATCH)
        )

        async def count(results: list[dict[str, Any]]) -> int:
            return len(unique)

        what = unique[0] if len(unique) == 1 else f"{len(unique)} alarms"
        return Plan(
            f"Delete alarm {what}?" if len(unique) == 1 else f"Delete {what}?",
            requests,
            then=("the alarms are read again",),
            confirm_label="Delete",
            done=f"{what} deleted",
            after=count,
        )

    async def tags(self, alarm_arn: str) -> dict[str, str]:
        """The alarm's tags (ListTagsForResource): where a preset's JSON is kept."""
        raw = await self._session.call(
            "cloudwatch", "list_tags_for_resource", ResourceARN=alarm_arn
        )
        return {str(t["Key"]): str(t["Value"]) for t in raw.get("Tags", [])}

    async def put_alarm(self, preset: AlarmPreset) -> str:
        """Create the preset's alarm, or replace it (same name) with new values. Returns the name."""
        name: str = await execute(self._session, self.plan_put_alarm(preset))
        return name

    async def replace_alarm(self, old_name: str, preset: AlarmPreset) -> str:
        """Edit an alarm whose name changes with the edit (other table, index or kind)."""
        name: str = await execute(self._session, self.plan_put_alarm(preset, old_name))
        return name

    async def delete_alarms(self, names: Sequence[str]) -> int:
        """Delete alarms by name, 100 per DeleteAlarms call. Returns how many names were sent."""
        count: int = await execute(self._session, self.plan_delete_alarms(names))
        return count
