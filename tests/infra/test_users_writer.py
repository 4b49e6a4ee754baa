"""The sample writer's CRUD and its backoff on throttling, against the moto server.

moto never throttles, so throttling is injected client-side with a botocore `before-send` hook that
answers the first N attempts with DynamoDB's own 400 (DESIGN.md, Testing); every other request
reaches moto, and what was written is read back with a separate client.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ClientError

from tests.infra.conftest import WRITER_SOURCE

REGION = "us-east-1"


def _load_writer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("users_writer", WRITER_SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


uw = _load_writer()


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class Faults:
    """Answer the first `count` attempts of `operations` with an AWS error; count every attempt."""

    def __init__(self, client: Any, code: str, count: int, status: int = 400) -> None:
        self.code, self.count, self.status = code, count, status
        self.attempts: list[str] = []
        client.meta.events.register("before-send.dynamodb", self)

    def __call__(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        operation = request.headers.get("X-Amz-Target", b"")
        operation = operation.decode() if isinstance(operation, bytes) else str(operation)
        self.attempts.append(operation.split(".")[-1])
        if len(self.attempts) > self.count:
            return None  # let it reach moto
        body = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{self.code}", "message": "injected"}
        ).encode()
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.0"
        headers["x-amzn-RequestId"] = "injected"
        return AWSResponse(request.url, self.status, headers, _Raw(body))


@pytest.fixture
def table_name(moto_url: str) -> Iterator[str]:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name=REGION)
    name = f"writer-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "UserId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "UserId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    client.delete_table(TableName=name)


@pytest.fixture
def stored(moto_url: str, table_name: str) -> Any:
    """An independent view of the table: what really reached moto."""
    table = boto3.resource("dynamodb", endpoint_url=moto_url, region_name=REGION).Table(table_name)

    def get(user_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = table.get_item(Key={"UserId": user_id}).get("Item")
        return item

    return get


def _writer(moto_url: str, table_name: str, **backoff: Any) -> tuple[Any, list[float]]:
    sleeps: list[float] = []
    options = {"sleep": sleeps.append, "rand": lambda: 1.0, **backoff}
    table = uw.make_table(table_name, endpoint_url=moto_url, region_name=REGION)
    return uw.UsersWriter(table, uw.Backoff(**options)), sleeps


def _body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def test_crud_round_trip(moto_url: str, table_name: str, stored: Any) -> None:
    writer, sleeps = _writer(moto_url, table_name)
    created = writer.handle(
        {"action": "create", "user_id": "u1", "attributes": {"Name": "Ada", "Balance": 12.5}}
    )
    assert created["statusCode"] == 201
    assert stored("u1") == {"UserId": "u1", "Name": "Ada", "Balance": Decimal("12.5")}
    again = writer.handle({"action": "create", "user_id": "u1", "attributes": {"Name": "Eve"}})
    assert again["statusCode"] == 409
    assert stored("u1")["Name"] == "Ada"  # the conditional put did not overwrite
    got = writer.handle({"action": "get", "user_id": "u1"})
    assert (got["statusCode"], _body(got)["Name"]) == (200, "Ada")
    updated = writer.handle(
        {"action": "update", "user_id": "u1", "attributes": {"Name": "Ada L.", "Logins": 3}}
    )
    assert updated["statusCode"] == 200
    assert stored("u1") == {
        "UserId": "u1",
        "Name": "Ada L.",
        "Balance": Decimal("12.5"),
        "Logins": Decimal(3),
    }
    assert writer.handle({"action": "delete", "user_id": "u1"})["statusCode"] == 200
    assert stored("u1") is None
    for action in ("get", "update", "delete"):
        missing = writer.handle({"action": action, "user_id": "u1", "attributes": {"A": 1}})
        assert missing["statusCode"] == 404, action
    assert stored("u1") is None  # update of a missing user did not create it
    assert writer.handle({"action": "create"})["statusCode"] == 400
    assert writer.handle({"action": "explode", "user_id": "u2"})["statusCode"] == 400
    assert sleeps == []


def test_throttled_write_is_retried_with_exponential_backoff(
    moto_url: str, table_name: str, stored: Any
) -> None:
    writer, sleeps = _writer(moto_url, table_name, base_delay=0.05, max_delay=2.0)
    faults = Faults(writer.table.meta.client, "ProvisionedThroughputExceededException", count=3)
    response = writer.handle({"action": "create", "user_id": "u2", "attributes": {"N": 1}})
    assert response["statusCode"] == 201
    assert faults.attempts == ["PutItem"] * 4  # 3 throttled + 1 that reached moto; no SDK retries
    assert sleeps == pytest.approx([0.05, 0.1, 0.2])  # rand() == 1: the full exponential bound
    assert stored("u2") == {"UserId": "u2", "N": Decimal(1)}


def test_backoff_is_capped_and_jittered(moto_url: str, table_name: str, stored: Any) -> None:
    writer, sleeps = _writer(
        moto_url, table_name, base_delay=0.05, max_delay=0.15, rand=random.Random(7).random
    )
    faults = Faults(writer.table.meta.client, "ThrottlingException", count=5)
    assert writer.handle({"action": "create", "user_id": "u3"})["statusCode"] == 201
    assert len(faults.attempts) == 6
    bounds = [0.05, 0.1, 0.15, 0.15, 0.15]
    assert len(sleeps) == len(bounds)
    assert all(0 <= s <= b for s, b in zip(sleeps, bounds, strict=True))
    assert sleeps != bounds  # full jitter: not the deterministic bound
    assert stored("u3") == {"UserId": "u3"}


def test_gives_up_after_max_attempts(moto_url: str, table_name: str, stored: Any) -> None:
    writer, sleeps = _writer(moto_url, table_name, max_attempts=4)
    faults = Faults(writer.table.meta.client, "ProvisionedThroughputExceededException", count=99)
    response = writer.handle({"action": "create", "user_id": "u4", "attributes": {"N": 1}})
    assert response["statusCode"] == 503
    assert _body(response)["attempts"] == 4
    assert len(faults.attempts) == 4
    assert len(sleeps) == 3  # no sleep after the last attempt
    assert stored("u4") is None


@pytest.mark.parametrize(
    ("code", "status"), [("InternalServerError", 500), ("ValidationException", 400)]
)
def test_other_errors_are_not_retried(
    moto_url: str, table_name: str, stored: Any, code: str, status: int
) -> None:
    writer, sleeps = _writer(moto_url, table_name)
    faults = Faults(writer.table.meta.client, code, count=1, status=status)
    with pytest.raises(ClientError) as err:
        writer.create("u5", {"N": 1})
    assert err.value.response["Error"]["Code"] == code
    assert len(faults.attempts) == 1 and sleeps == []
    assert stored("u5") is None


def test_lambda_entry_point_uses_table_name_from_environment(
    moto_url: str, table_name: str, stored: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLE_NAME", table_name)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_url)
    monkeypatch.setattr(uw, "_writer", None)
    event = {"action": "create", "user_id": "u6", "attributes": {"Email": "x@example.com"}}
    assert uw.handler(event, None)["statusCode"] == 201
    assert uw.handler({"action": "get", "user_id": "u6"}, None)["statusCode"] == 200
    assert stored("u6") == {"UserId": "u6", "Email": "x@example.com"}
