"""Sample application writer for the Users table (the Lambda of the original architecture).

Create, read, update and delete users, retrying throttled requests with capped exponential backoff
and full jitter (delay = random(0, min(cap, base * 2**attempt))). botocore's own retries are turned
off so the two do not multiply; only throttling is retried, because a throttled request is known not
to have been applied, whereas a retried 500 might repeat a write.

Event: {"action": "create" | "get" | "update" | "delete", "user_id": "...", "attributes": {...}}
Result: {"statusCode": 200 | 201 | 400 | 404 | 409 | 503, "body": "<json>"}
Environment: TABLE_NAME (required). Plain boto3: nothing to vendor.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import boto3
from boto3.dynamodb.conditions import Attr
from botocore.config import Config
from botocore.exceptions import ClientError

T = TypeVar("T")

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "Throttling",
    }
)
KEY = "UserId"


class Throttled(Exception):
    """Still throttled after every attempt."""

    def __init__(self, attempts: int, last: ClientError) -> None:
        super().__init__(f"throttled {attempts} times: {last}")
        self.attempts = attempts
        self.last = last


class NotFound(Exception):
    pass


class Backoff:
    """Retry a call while it is throttled: capped exponential backoff with full jitter."""

    def __init__(
        self,
        *,
        max_attempts: int = 8,
        base_delay: float = 0.05,
        max_delay: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._rand = rand

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (0-based)."""
        return self._rand() * min(self.max_delay, self.base_delay * 2.0**attempt)

    def call(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        for attempt in range(self.max_attempts):
            try:
                return fn(**kwargs)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in THROTTLING_CODES:
                    raise
                if attempt == self.max_attempts - 1:
                    raise Throttled(self.max_attempts, exc) from exc
                self._sleep(self.delay(attempt))
        raise AssertionError("unreachable")


def _decimals(value: Any) -> Any:
    """JSON numbers -> Decimal, as DynamoDB wants them (floats would be refused)."""
    return json.loads(json.dumps(value), parse_float=Decimal, parse_int=Decimal)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


class UsersWriter:
    def __init__(self, table: Any, backoff: Backoff | None = None) -> None:
        self.table = table  # a boto3 dynamodb.Table
        self.backoff = backoff or Backoff()

    def create(self, user_id: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
        item = {**_decimals(dict(attributes)), KEY: user_id}
        self.backoff.call(
            self.table.put_item, Item=item, ConditionExpression=Attr(KEY).not_exists()
        )
        return item

    def get(self, user_id: str) -> dict[str, Any]:
        found = self.backoff.call(self.table.get_item, Key={KEY: user_id}, ConsistentRead=True)
        if "Item" not in found:
            raise NotFound(user_id)
        item: dict[str, Any] = found["Item"]
        return item

    def update(self, user_id: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
        values = _decimals({k: v for k, v in attributes.items() if k != KEY})
        if not values:
            raise ValueError("nothing to update")
        names = {f"#a{i}": name for i, name in enumerate(values)}
        sets = ", ".join(f"#a{i} = :v{i}" for i in range(len(values)))
        result = self.backoff.call(
            self.table.update_item,
            Key={KEY: user_id},
            UpdateExpression=f"SET {sets}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={f":v{i}": v for i, v in enumerate(values.values())},
            ConditionExpression=Attr(KEY).exists(),
            ReturnValues="ALL_NEW",
        )
        item: dict[str, Any] = result["Attributes"]
        return item

    def delete(self, user_id: str) -> dict[str, Any]:
        result = self.backoff.call(
            self.table.delete_item,
            Key={KEY: user_id},
            ConditionExpression=Attr(KEY).exists(),
            ReturnValues="ALL_OLD",
        )
        item: dict[str, Any] = result["Attributes"]
        return item

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        action = event.get("action")
        user_id = event.get("user_id")
        attributes = event.get("attributes") or {}
        if not isinstance(user_id, str) or not user_id:
            return _response(400, {"error": "user_id (a non-empty string) is required"})
        if not isinstance(attributes, Mapping):
            return _response(400, {"error": "attributes must be an object"})
        try:
            if action == "create":
                return _response(201, self.create(user_id, attributes))
            if action == "get":
                return _response(200, self.get(user_id))
            if action == "update":
                return _response(200, self.update(user_id, attributes))
            if action == "delete":
                return _response(200, self.delete(user_id))
        except NotFound:
            return _response(404, {"error": f"no user {user_id}"})
        except ValueError as exc:
            return _response(400, {"error": str(exc)})
        except Throttled as exc:
            return _response(503, {"error": "throttled, try again later", "attempts": exc.attempts})
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "ConditionalCheckFailedException":
                status = 409 if action == "create" else 404
                return _response(status, {"error": f"user {user_id} {_conflict(action)}"})
            raise
        return _response(400, {"error": f"unknown action {action!r}"})


def _conflict(action: Any) -> str:
    return "already exists" if action == "create" else "does not exist"


def _response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "body": json.dumps(_jsonable(body), sort_keys=True)}


def make_table(table_name: str, **client_kwargs: Any) -> Any:
    """The Users table with botocore retries off: Backoff does the retrying."""
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return boto3.resource("dynamodb", config=config, **client_kwargs).Table(table_name)


_writer: UsersWriter | None = None


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    global _writer
    if _writer is None:  # once per container, reused across invocations
        _writer = UsersWriter(make_table(os.environ["TABLE_NAME"]))
    return _writer.handle(event)
