"""Cancellation under throttling and a lost endpoint, through a fault-injecting proxy on loopback.

These run with the console's own retry configuration (not the tests' one-attempt one): the promise
is that whatever botocore's retry state, a cancelled import ends within seconds and the session
still writes afterwards, and that an endpoint lost mid-import ends it promptly with the checkpoint
saved, so a resume writes exactly the rest.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest

from ddbconsole.errors import ConnectionProblem
from ddbconsole.services import Services
from ddbconsole.services import retry as retry_module
from ddbconsole.services.transfer import TransferProgress, checkpoint_path
from ddbconsole.services.transfer import importer as importer_module
from tests.conftest import make_settings
from tests.faultproxy import FaultProxy
from tests.services.test_transfer import make_table, plain_lines, write_lines


@pytest.fixture
def proxy(moto_url: str) -> Iterator[FaultProxy]:
    with FaultProxy(moto_url) as running:
        yield running


@pytest.fixture
async def proxied(proxy: FaultProxy) -> AsyncIterator[Services]:
    """Services through the proxy with the console's default retry configuration."""
    svc = Services(make_settings(proxy.url), oplog_file=False)
    try:
        yield svc
    finally:
        await asyncio.wait_for(svc.close(), 10)


async def _until(predicate: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_cancel_while_throttled_ends_promptly_and_the_session_still_writes(
    proxied: Services, proxy: FaultProxy, moto_url: str, tmp_path: Path
) -> None:
    name = make_table(moto_url)
    info = await proxied.tables.describe(name)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(2000))
    proxy.throttle = {"BatchWriteItem"}
    task = asyncio.create_task(proxied.transfer.import_file(info, source))
    await _until(lambda: proxy.throttled["BatchWriteItem"] >= 20)
    started = time.monotonic()
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert done, "the cancelled import did not finish within 5 s"
    assert time.monotonic() - started < 5
    assert task.cancelled()
    assert checkpoint_path(source).exists()  # saved on the way out

    # The same session, same clients: a second import is written in full, promptly.
    proxy.throttle = set()
    again = write_lines(tmp_path / "again.jsonl", plain_lines(60, start=5000))
    result = await asyncio.wait_for(proxied.transfer.import_file(info, again), 20)
    assert result.written == 60 and result.failed == 0
    await asyncio.wait_for(proxied.items.put(info, {"pk": {"S": "after"}}), 10)
    ddb = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    assert ddb.scan(TableName=name, Select="COUNT")["Count"] == 61
    # Bulk writes are sent once by botocore: the import's own loop retried every throttle.
    assert proxy.forwarded["BatchWriteItem"] == 3


async def test_lost_endpoint_ends_the_import_with_its_checkpoint_and_resume_finishes(
    proxied: Services,
    proxy: FaultProxy,
    moto_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def short(delay: float) -> None:
        await asyncio.sleep(min(delay, 0.05))

    monkeypatch.setattr(retry_module, "_sleep", short)
    monkeypatch.setattr(importer_module, "_CHECKPOINT_EVERY", 0.0)
    name = make_table(moto_url)
    info = await proxied.tables.describe(name)
    total = 3000
    source = write_lines(tmp_path / "in.jsonl", plain_lines(total))
    failures = tmp_path / "failures.jsonl"
    gone = asyncio.Event()

    def progress(state: TransferProgress) -> None:
        if state.items >= 500:
            gone.set()

    async def take_down() -> None:
        await gone.wait()
        await asyncio.to_thread(proxy.down)

    killer = asyncio.create_task(take_down())
    started = time.monotonic()
    with pytest.raises(ConnectionProblem) as caught:
        # 100 WCU/s: 30 s for the file, so the endpoint is lost early in the run.
        await proxied.transfer.import_file(
            info, source, rate=100, failures=failures, progress=progress
        )
    lost_after = time.monotonic() - started
    await killer
    assert lost_after < 30, f"the import ran on for {lost_after:.0f} s after the endpoint was lost"
    assert "resume" in str(caught.value)
    # Nothing in the failure file: it is for records DynamoDB refused, not for an outage.
    assert not failures.exists() or failures.read_text() == ""
    checkpoint = json.loads(checkpoint_path(source).read_text())
    recorded = sum(b - a + 1 for a, b in checkpoint["done"])
    ddb = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    on_server = ddb.scan(TableName=name, Select="COUNT")["Count"]
    assert 500 <= recorded <= on_server < total

    proxy.up()
    result = await proxied.transfer.import_file(info, source, resume=True, failures=failures)
    assert result.ok and result.skipped == recorded
    assert result.skipped + result.written == total
    assert ddb.scan(TableName=name, Select="COUNT")["Count"] == total
