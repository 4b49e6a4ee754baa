"""The read-only allow-list, enforced as a client event hook.

See docs/ARCHITECTURE.md, "Read-only at the client".

When read-only is on, every client the console opens gets a `before-parameter-build` hook that raises
ReadOnlyViolation for any operation not listed here, before a request is even built: nothing leaves the
machine. PartiQL passes only when every statement is a SELECT. This list is the single source of truth:
the README documents it and the on-call IAM policy in infra/ is tested against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ddbconsole.errors import ReadOnlyViolation

ALLOWED_OPERATIONS: Mapping[str, frozenset[str]] = {
    "dynamodb": frozenset(
        {
            "BatchGetItem",
            "DescribeBackup",
            "DescribeContinuousBackups",
            "DescribeContributorInsights",
            "DescribeEndpoints",
            "DescribeExport",
            "DescribeImport",
            "DescribeKinesisStreamingDestination",
            "DescribeLimits",
            "DescribeTable",
            "DescribeTableReplicaAutoScaling",
            "DescribeTimeToLive",
            "GetItem",
            "ListBackups",
            "ListExports",
            "ListImports",
            "ListContributorInsights",
            "ListTables",
            "ListTagsOfResource",
            "Query",
            "Scan",
            "TransactGetItems",
            # PartiQL: allowed only when every statement is a SELECT (checked below).
            "BatchExecuteStatement",
            "ExecuteStatement",
            "ExecuteTransaction",
        }
    ),
    "cloudwatch": frozenset(
        {
            "DescribeAlarmHistory",
            "DescribeAlarms",
            "DescribeAlarmsForMetric",
            "GetInsightRuleReport",
            "GetMetricData",
            "GetMetricStatistics",
            "ListMetrics",
            "ListTagsForResource",
        }
    ),
    "application-autoscaling": frozenset(
        {
            "DescribeScalableTargets",
            "DescribeScalingActivities",
            "DescribeScalingPolicies",
            "DescribeScheduledActions",
        }
    ),
    # Reading a finished export to S3 (its manifests and data files), and checking a bucket.
    "s3": frozenset({"GetObject", "ListObjectsV2"}),
    # DynamoDB Streams: the tail and item history (IAM names these dynamodb:<Operation>).
    "dynamodbstreams": frozenset(
        {"DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"}
    ),
    # Who am I: shown in the status bar; reads nothing from the account's data.
    "sts": frozenset({"GetCallerIdentity"}),
}

PARTIQL_OPERATIONS = frozenset({"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"})

# Leading whitespace, `--` line comments and `/* */` block comments, then the first keyword.
_LEADING = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.DOTALL)


def is_select(statement: str) -> bool:
    """True when a PartiQL statement is a SELECT (and so reads only)."""
    rest = statement[_LEADING.match(statement).end() :]  # type: ignore[union-attr]
    keyword = re.match(r"[A-Za-z]+", rest)
    return keyword is not None and keyword.group(0).upper() == "SELECT"


def _statements(operation: str, params: Mapping[str, Any]) -> Iterable[str]:
    if operation == "ExecuteStatement":
        return [str(params.get("Statement", ""))]
    key = "Statements" if operation == "BatchExecuteStatement" else "TransactStatements"
    return [str(s.get("Statement", "")) for s in params.get(key) or []]


def check(service: str, operation: str, params: Mapping[str, Any]) -> None:
    """Raise ReadOnlyViolation unless the call is on the allow-list."""
    allowed = ALLOWED_OPERATIONS.get(service, frozenset())
    if operation not in allowed:
        raise ReadOnlyViolation(service, operation)
    if service == "dynamodb" and operation in PARTIQL_OPERATIONS:
        statements = list(_statements(operation, params))
        if not statements or not all(is_select(s) for s in statements):
            raise ReadOnlyViolation(
                service, operation, "only PartiQL SELECT statements run in read-only mode"
            )


def install(client: Any, service: str) -> None:
    """Register the guard on a (aio)botocore client. Every operation goes through it."""

    def guard(params: Mapping[str, Any], model: Any, **_: Any) -> None:
        check(service, model.name, params)

    # Registering on the bare event name catches `before-parameter-build.<service>.<op>` for all ops.
    client.meta.events.register("before-parameter-build", guard, unique_id="ddbconsole-read-only")
