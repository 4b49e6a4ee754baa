"""Contributor Insights for the embedded moto server, which lacks it: a stand-in for the service.

moto implements neither DynamoDB's Contributor Insights (Describe/Update/ListContributorInsights)
nor CloudWatch's GetInsightRuleReport. The moto child process (demo/_child.py) answers them here,
from the requests it really served: while Contributor Insights is on for a table or GSI, each
DynamoDB request counts once per minute for every partition key it read or wrote there (the PKC
rule: a Query of one partition is one access, whatever it returned) and once for every item, by
partition and sort key (SKC). Throttled requests (PKT, SKT) are counted from requests the server
answered with a throttling error; moto itself never throttles, so in the demo those reports stay
empty unless something in front of moto throttles. Never a canned answer: an empty table gives an
empty report. Standing in for the service only; the console's code does not know about it.

What counts as an access: the item of GetItem, PutItem, UpdateItem and DeleteItem (by the key or
item sent); every item a Query or Scan returned (on the index queried, if any); the items of
BatchGetItem's answer, of BatchWriteItem's request (less the unprocessed ones) and of the
transactions. A PutItem also counts on each GSI whose keys the item carries.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from typing import Any

RETENTION_MINUTES = 24 * 60
JSON10 = "application/x-amz-json-1.0"
JSON11 = "application/x-amz-json-1.1"
DATA_OPS = frozenset(
    {
        "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
        "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
    }
)  # fmt: skip
THROTTLE_CODES = ("ProvisionedThroughputExceeded", "ThrottlingException", "RequestLimitExceeded")
ACCESSED = "ACCESSED_AND_THROTTLED_KEYS"

Resource = tuple[str, str | None]  # (table, index or None)
Payload = tuple[str, list[tuple[str, str]], bytes]


def _key_text(value: Any) -> str:
    """A key attribute value as Contributor Insights shows it: the string, the number, base64."""
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value.values())))
    return str(value)


class _Rule:
    def __init__(self, name: str, kind: str, resource: Resource) -> None:
        self.name = name
        self.kind = kind  # PKC | PKT | SKC | SKT
        self.resource = resource


class InsightsStandIn:
    """State (who has Contributor Insights on) and counts (per resource, rule kind, minute, key)."""

    def __init__(self, account: str | None = None) -> None:
        self.lock = threading.Lock()
        self.status: dict[Resource, dict[str, Any]] = {}
        self.rules: dict[str, _Rule] = {}
        # (resource, "C" accessed | "T" throttled, level "PK" | "SK") -> minute -> key -> count
        self.counts: dict[tuple[Resource, str, str], dict[int, Counter[tuple[str, ...]]]] = (
            defaultdict(lambda: defaultdict(Counter))
        )
        self.account = account

    # --- moto's tables ---------------------------------------------------------------------------

    def _table(self, region: str, name: str) -> Any:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[self.account or DEFAULT_ACCOUNT_ID][region or "us-east-1"]
        return backend.tables.get(name.rsplit("/", 1)[-1] if name.startswith("arn:") else name)

    @staticmethod
    def _schema(table: Any, index: str | None) -> tuple[str, str | None] | None:
        if index is None:
            return table.hash_key_attr, table.range_key_attr
        for idx in list(table.global_indexes) + list(table.indexes):
            if idx.name == index:
                keys = {k["KeyType"]: k["AttributeName"] for k in idx.schema}
                return keys.get("HASH", ""), keys.get("RANGE")
        return None

    # --- answering the APIs moto lacks ------------------------------------------------------------

    def answer(self, service: str, operation: str, region: str, body: bytes) -> Payload | None:
        if service == "dynamodb" and operation in (
            "DescribeContributorInsights", "UpdateContributorInsights", "ListContributorInsights"
        ):  # fmt: skip
            params = json.loads(body or b"{}")
            handler = getattr(self, "_" + operation)
            return handler(region, params)  # type: ignore[no-any-return]
        if service == "monitoring" and operation == "GetInsightRuleReport":
            return self._GetInsightRuleReport(json.loads(body or b"{}"))
        return None

    @staticmethod
    def _ok(payload: dict[str, Any], content_type: str = JSON10) -> Payload:
        data = json.dumps(payload).encode()
        return "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(data)))], data

    @staticmethod
    def _error(code: str, message: str, content_type: str = JSON10) -> Payload:
        data = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
        )
        raw = data.encode()
        headers = [("Content-Type", content_type), ("Content-Length", str(len(raw)))]
        return "400 Bad Request", [*headers, ("x-amzn-ErrorType", code)], raw

    def _resource(self, region: str, params: dict[str, Any]) -> tuple[Resource, Any] | Payload:
        name = str(params.get("TableName", ""))
        index = params.get("IndexName")
        table = self._table(region, name)
        if table is None:
            return self._error("ResourceNotFoundException", f"Requested resource not found: {name}")
        if index is not None and self._schema(table, index) is None:
            return self._error("ResourceNotFoundException", f"Index not found: {index}")
        return (table.name, index), table

    def _describe(self, resource: Resource) -> dict[str, Any]:
        state = self.status.get(resource) or {"ContributorInsightsStatus": "DISABLED"}
        out = {"TableName": resource[0], **state}
        if resource[1] is not None:
            out["IndexName"] = resource[1]
        return out

    def _DescribeContributorInsights(self, region: str, params: dict[str, Any]) -> Payload:
        found = self._resource(region, params)
        if not isinstance(found[0], tuple):
            return found  # type: ignore[return-value]
        with self.lock:
            return self._ok(self._describe(found[0]))  # type: ignore[arg-type]

    def _UpdateContributorInsights(self, region: str, params: dict[str, Any]) -> Payload:
        found = self._resource(region, params)
        if not isinstance(found[0], tuple):
            return found  # type: ignore[return-value]
        resource, table = found  # type: ignore[misc]
        action = params.get("ContributorInsightsAction")
        mode = params.get("ContributorInsightsMode") or ACCESSED
        if action not in ("ENABLE", "DISABLE") or mode not in (ACCESSED, "THROTTLED_KEYS"):
            return self._error("ValidationException", "invalid ContributorInsightsAction or Mode")
        with self.lock:
            for name in self.status.get(resource, {}).get("ContributorInsightsRuleList", []):
                self.rules.pop(name, None)
            if action == "DISABLE":
                self.status[resource] = {"ContributorInsightsStatus": "DISABLED"}
                for key in [k for k in self.counts if k[0] == resource]:
                    del self.counts[key]
                reply = "DISABLING"
            else:
                schema = self._schema(table, resource[1]) or ("", None)
                kinds = ["PKC", "PKT"] + (["SKC", "SKT"] if schema[1] else [])
                if mode != ACCESSED:
                    kinds = [k for k in kinds if k.endswith("T")]
                label = resource[0] if resource[1] is None else f"{resource[0]}-{resource[1]}"
                stamp = int(time.time() * 1000)
                names = [f"DynamoDBContributorInsights-{k}-{label}-{stamp}" for k in kinds]
                for kind, name in zip(kinds, names, strict=True):
                    self.rules[name] = _Rule(name, kind, resource)
                self.status[resource] = {
                    "ContributorInsightsStatus": "ENABLED",
                    "ContributorInsightsMode": mode,
                    "ContributorInsightsRuleList": names,
                    "LastUpdateDateTime": time.time(),
                }
                reply = "ENABLING"
            out = {"TableName": resource[0], "ContributorInsightsStatus": reply}
            if resource[1] is not None:
                out["IndexName"] = resource[1]
            if action == "ENABLE":
                out["ContributorInsightsMode"] = mode
        return self._ok(out)

    def _ListContributorInsights(self, region: str, params: dict[str, Any]) -> Payload:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[self.account or DEFAULT_ACCOUNT_ID][region or "us-east-1"]
        wanted = params.get("TableName")
        rows = []
        with self.lock:
            for name, table in sorted(backend.tables.items()):
                if wanted and name != wanted:
                    continue
                for index in [None, *(i.name for i in table.global_indexes)]:
                    described = self._describe((name, index))
                    described.pop("ContributorInsightsRuleList", None)
                    described.pop("LastUpdateDateTime", None)
                    rows.append(described)
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxResults") or 100)
        out: dict[str, Any] = {"ContributorInsightsSummaries": rows[start : start + size]}
        if start + size < len(rows):
            out["NextToken"] = str(start + size)
        return self._ok(out)

    def _GetInsightRuleReport(self, params: dict[str, Any]) -> Payload:
        name = str(params.get("RuleName", ""))
        with self.lock:
            rule = self.rules.get(name)
            if rule is None:
                data = json.dumps({"__type": "ResourceNotFoundException", "message": name}).encode()
                headers = [("Content-Type", JSON10), ("Content-Length", str(len(data)))]
                return "400 Bad Request", headers, data
            level = rule.kind[:2]
            counts = self.counts.get((rule.resource, rule.kind[2], level), {})
            start, end = float(params["StartTime"]), float(params["EndTime"])
            period = max(60, int(params.get("Period") or 60))
            per_key: dict[tuple[str, ...], Counter[int]] = defaultdict(Counter)
            for minute, keys in counts.items():
                ts = minute * 60
                if start <= ts < end:
                    bucket = int(ts // period * period)
                    for key, n in keys.items():
                        per_key[key][bucket] += n
        top = int(params.get("MaxContributorCount") or 10)
        ranked = sorted(per_key.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        labels = ["PartitionKey"] if level == "PK" else ["PartitionKey", "SortKey"]
        buckets: Counter[int] = Counter()
        for series in per_key.values():
            buckets.update(series)
        return self._ok(
            {
                "KeyLabels": labels,
                "AggregationStatistic": "Sum",
                "AggregateValue": float(sum(buckets.values())),
                "ApproximateUniqueCount": len(per_key),
                "Contributors": [
                    {
                        "Keys": list(key),
                        "ApproximateAggregateValue": float(sum(series.values())),
                        "Datapoints": [
                            {"Timestamp": ts, "ApproximateValue": float(n)}
                            for ts, n in sorted(series.items())
                        ],
                    }
                    for key, series in ranked[:top]
                ],
                "MetricDatapoints": [
                    {"Timestamp": ts, "Sum": float(n)} for ts, n in sorted(buckets.items())
                ],
            }
        )

    # --- counting what the server served ------------------------------------------------------------

    def watching(self) -> bool:
        return bool(self.rules)

    def observe(
        self, region: str, operation: str, request: bytes, status: str, response: bytes
    ) -> None:
        """Count the items one served DynamoDB request touched, on every resource with
        Contributor Insights on. Called after moto answered."""
        if operation not in DATA_OPS or not self.rules:
            return
        try:
            params = json.loads(request or b"{}")
            throttled = not status.startswith("2") and any(
                code in response.decode("utf-8", "replace") for code in THROTTLE_CODES
            )
            if not status.startswith("2") and not throttled:
                return
            answer = json.loads(response or b"{}") if not throttled else {}
        except ValueError:
            return
        touched: list[tuple[str, str | None, dict[str, Any]]] = []  # (table, index, item or key)
        for table, index, item in self._touched(operation, params, answer):
            touched.append((table, index, item))
            if operation in ("PutItem", "BatchWriteItem") and index is None:
                found = self._table(region, table)
                for gsi in list(getattr(found, "global_indexes", []) or []):
                    touched.append((table, gsi.name, item))
        minute = int(time.time() // 60)
        kind = "T" if throttled else "C"
        partitions: set[tuple[Resource, str]] = set()  # once per request for each partition
        with self.lock:
            for table_name, index, item in touched:
                state = self.status.get((table_name, index))
                if not state or state.get("ContributorInsightsStatus") != "ENABLED":
                    continue
                if kind == "C" and state.get("ContributorInsightsMode") != ACCESSED:
                    continue
                table = self._table(region, table_name)
                schema = self._schema(table, index) if table is not None else None
                if not schema or schema[0] not in item:
                    continue
                pk = _key_text(item[schema[0]])
                resource = (table_name, index)
                if (resource, pk) not in partitions:
                    partitions.add((resource, pk))
                    self.counts[(resource, kind, "PK")][minute][(pk,)] += 1
                if schema[1] and schema[1] in item:
                    sk = _key_text(item[schema[1]])
                    self.counts[(resource, kind, "SK")][minute][(pk, sk)] += 1
            self._prune(minute)

    def _prune(self, minute: int) -> None:
        for series in self.counts.values():
            for old in [m for m in series if m < minute - RETENTION_MINUTES]:
                del series[old]

    @staticmethod
    def _touched(
        operation: str, params: dict[str, Any], answer: dict[str, Any]
    ) -> list[tuple[str, str | None, dict[str, Any]]]:
        table = str(params.get("TableName", ""))
        if operation in ("GetItem", "UpdateItem", "DeleteItem"):
            return [(table, None, params.get("Key") or {})]
        if operation == "PutItem":
            return [(table, None, params.get("Item") or {})]
        if operation in ("Query", "Scan"):
            index = params.get("IndexName")
            return [(table, index, item) for item in answer.get("Items") or []]
        out: list[tuple[str, str | None, dict[str, Any]]] = []
        if operation == "BatchGetItem":
            for name, items in (answer.get("Responses") or {}).items():
                out += [(name, None, item) for item in items]
            if not answer:  # throttled: what was asked for
                for name, spec in (params.get("RequestItems") or {}).items():
                    out += [(name, None, key) for key in spec.get("Keys") or []]
        elif operation == "BatchWriteItem":
            unprocessed = answer.get("UnprocessedItems") or {}
            for name, writes in (params.get("RequestItems") or {}).items():
                left = unprocessed.get(name) or []
                for write in writes:
                    if write in left:
                        continue
                    put = write.get("PutRequest", {}).get("Item")
                    out.append((name, None, put or write.get("DeleteRequest", {}).get("Key", {})))
        elif operation == "TransactGetItems":
            for entry in params.get("TransactItems") or []:
                get = entry.get("Get") or {}
                out.append((str(get.get("TableName", "")), None, get.get("Key") or {}))
        elif operation == "TransactWriteItems":
            for entry in params.get("TransactItems") or []:
                for kind in ("Put", "Update", "Delete", "ConditionCheck"):
                    spec = entry.get(kind)
                    if spec:
                        item = spec.get("Item") if kind == "Put" else spec.get("Key")
                        out.append((str(spec.get("TableName", "")), None, item or {}))
        return out
