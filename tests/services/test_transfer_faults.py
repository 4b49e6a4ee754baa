"""Import and export under injected faults: nothing lost, nothing duplicated.

Faults are injected with botocore `before-send` hooks on the session's clients (DESIGN.md, Testing):
at a seeded 30% rate a request is answered, without reaching moto, by ProvisionedThroughputExceeded
(400), InternalServerError (500), a 200 that reports every item as UnprocessedItems, or a dropped
connection (ConnectionClosedError / EndpointConnectionError); or, as DynamoDB does under load, a
random part of a BatchWriteItem is really written (forwarded to moto) and the rest reported as
UnprocessedItems. botocore's own retries are off
(FAST_RETRIES), so every recovery is the transfer service's.
"""

from __future__ import annotations

import json
import random
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiobotocore.awsrequest import AioAWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from ddbconsole.services import Services
from ddbconsole.services import retry as retry_module
from tests.conftest import FAST_RETRIES, make_settings
from tests.services.test_transfer import canonical_lines, make_table, plain_lines, write_lines

ITEMS = 20_000


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    async def read(self) -> bytes:
        return self.body


def _response(request: Any, status: int, body: dict[str, Any]) -> AioAWSResponse:
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    return AioAWSResponse(request.url, status, headers, _Raw(json.dumps(body).encode()))


class Faults:
    """A before-send handler failing `rate` of the requests, deterministically (seeded)."""

    def __init__(self, rate: float, seed: int) -> None:
        self.rate = rate
        self.rng = random.Random(seed)
        self.injected: Counter[str] = Counter()
        self.passed = 0
        self.partial_written = 0  # items the "partial" faults wrote for real

    def __call__(self, request: Any, **_: Any) -> AioAWSResponse | None:
        if self.rng.random() >= self.rate:
            self.passed += 1
            return None
        kind = self.rng.choice(["throttle", "500", "unprocessed", "partial", "closed", "endpoint"])
        self.injected[kind] += 1
        if kind == "throttle":
            return _response(
                request,
                400,
                {
                    "__type": "com.amazonaws.dynamodb.v20120810#"
                    "ProvisionedThroughputExceededException",
                    "message": "injected",
                },
            )
        if kind == "500":
            return _response(
                request, 500, {"__type": "com.amazon.coral.service#InternalServerError"}
            )
        if kind in ("unprocessed", "partial"):
            body = json.loads(request.body)
            if "RequestItems" not in body:  # a Scan: answer with a throttle instead
                return _response(
                    request,
                    400,
                    {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException"},
                )
            if kind == "unprocessed":
                return _response(request, 200, {"UnprocessedItems": body["RequestItems"]})
            return self._partial(request, body["RequestItems"])
        if kind == "closed":
            raise ConnectionClosedError(endpoint_url=request.url)
        raise EndpointConnectionError(endpoint_url=request.url)

    def _partial(self, request: Any, request_items: dict[str, Any]) -> AioAWSResponse:
        """Write a random part of the batch for real; report the rest as unprocessed."""
        ((table, writes),) = request_items.items()
        written = set(self.rng.sample(range(len(writes)), self.rng.randrange(len(writes))))
        unprocessed = [w for i, w in enumerate(writes) if i not in written]
        if written:
            part = {"RequestItems": {table: [w for i, w in enumerate(writes) if i in written]}}
            headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
            forward = urllib.request.Request(
                request.url, json.dumps(part).encode(), headers, method="POST"
            )
            with urllib.request.urlopen(forward, timeout=30) as answer:  # moto, on loopback
                left = json.loads(answer.read()).get("UnprocessedItems", {})
            unprocessed += left.get(table, [])
        self.partial_written += len(written)
        return _response(request, 200, {"UnprocessedItems": {table: unprocessed}})


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    async def short(delay: float) -> None:
        import asyncio

        await asyncio.sleep(min(delay, 0.01))

    monkeypatch.setattr(retry_module, "_sleep", short)


async def test_import_under_faults_lands_every_item_once(
    services: Services, moto_url: str, tmp_path: Path
) -> None:
    name = make_table(moto_url)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(ITEMS))
    faults = Faults(0.3, seed=8)
    faulty = Services(
        make_settings(moto_url),
        retries=FAST_RETRIES,
        hooks=[("before-send.dynamodb.BatchWriteItem", faults)],
        oplog_file=False,
    )
    try:
        info = await faulty.tables.describe(name)
        result = await faulty.transfer.import_file(info, source, concurrency=16, max_attempts=20)
    finally:
        await faulty.close()
    assert result.ok and result.written == ITEMS and result.failed == 0
    assert result.retries >= sum(faults.injected.values())
    assert set(faults.injected) == {
        *("throttle", "500", "unprocessed", "partial", "closed", "endpoint")
    }
    assert faults.partial_written > 0  # some batches were really only partly written
    # Count (Select=COUNT scan) and content (export, compare sorted) through a clean session.
    assert await services.transfer.count(name) == ITEMS
    out = tmp_path / "out.jsonl"
    exported = await services.transfer.export(await services.tables.describe(name), out)
    assert exported.items == ITEMS
    assert canonical_lines(out) == canonical_lines(source)


async def test_export_under_faults_is_complete_and_duplicate_free(
    services: Services, moto_url: str, tmp_path: Path
) -> None:
    name = make_table(moto_url)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(3000))
    info = await services.tables.describe(name)
    assert (await services.transfer.import_file(info, source)).written == 3000
    faults = Faults(0.3, seed=9)
    faulty = Services(
        make_settings(moto_url),
        retries=FAST_RETRIES,
        hooks=[("before-send.dynamodb.Scan", faults)],
        oplog_file=False,
    )
    out = tmp_path / "out.jsonl"
    try:
        # Small pages (many requests, many faults): moto honours Limit through ExclusiveStartKey.
        result = await faulty.transfer.export(
            await faulty.tables.describe(name), out, segments=4, page_limit=50, max_attempts=20
        )
    finally:
        await faulty.close()
    assert sum(faults.injected.values()) > 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert result.items == len(lines) == 3000
    assert len(set(lines)) == 3000
    assert canonical_lines(out) == canonical_lines(source)
