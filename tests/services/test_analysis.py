"""Sampled key analysis on a table with a known distribution: exact when the sample covers the table,
never past its budget (items or read capacity), on moto and, where the test can start one, on
dynalite (a second local DynamoDB server, whose Scan reports real consumed capacity)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from ddbconsole.cli import main
from ddbconsole.errors import UserInputError
from ddbconsole.models.analysis import AnalysisBudget
from ddbconsole.services import Services
from tests.conftest import FAST_RETRIES, make_settings

# Partition key -> items: one hot key, one warm, 48 of 6 each (988 items in all).
DISTRIBUTION = {"k-hot": 500, "k-warm": 200, **{f"k{n:02d}": 6 for n in range(48)}}
TOTAL = sum(DISTRIBUTION.values())


def _ddb(url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1")


def _load(url: str, *, lsi: bool = False) -> str:
    ddb = _ddb(url)
    name = f"an-{uuid.uuid4().hex[:8]}"
    extra: dict[str, Any] = {}
    attrs = [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
    ]
    if lsi:
        attrs.append({"AttributeName": "when", "AttributeType": "S"})
        extra["LocalSecondaryIndexes"] = [
            {
                "IndexName": "ByWhen",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "when", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ]
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=attrs,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})
    items = []
    for key, count in DISTRIBUTION.items():
        for n in range(count):
            item = {"pk": {"S": key}, "sk": {"N": str(n)}, "when": {"S": f"2026-{n:04d}"}}
            if n % 4 == 0:
                item["note"] = {"S": "x" * (2000 if key == "k-warm" else 10)}
            items.append({"PutRequest": {"Item": item}})
    for i in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={name: items[i : i + 25]})
    return name


def _check_exact(result: Any) -> None:
    assert result.complete and result.items == TOTAL
    assert result.cardinality == len(DISTRIBUTION)
    top = [(k.key, k.items) for k in result.top_by_items[:3]]
    assert top[:2] == [("k-hot", 500), ("k-warm", 200)]
    assert result.hottest.share == pytest.approx(500 / TOTAL)
    # k-warm's notes are 2,000 bytes: it is first by bytes although second by items.
    assert result.top_by_bytes[0].key == "k-warm"
    shares = dict(result.attribute_share)
    assert shares["pk"] == 1.0 and shares["note"] == pytest.approx(
        sum((c + 3) // 4 for c in DISTRIBUTION.values()) / TOTAL
    )
    assert sum(n for _, n in result.size_histogram) == TOTAL


async def test_a_covering_sample_names_the_top_keys_exactly(
    services: Services, moto_url: str
) -> None:
    name = _load(moto_url, lsi=True)
    table = await services.tables.describe(name)
    seen: list[int] = []
    result = await services.analysis.analyze(
        table, AnalysisBudget(max_items=10_000, top=5), progress=lambda s: seen.append(s.items)
    )
    _check_exact(result)
    assert seen and seen == sorted(seen) and seen[-1] == TOTAL  # progress only grows
    assert result.has_lsi and result.collections[0].key == "k-warm"
    assert len(result.largest) == 5 and result.largest[0].bytes > 2000


async def test_the_item_budget_is_never_exceeded(services: Services, moto_url: str) -> None:
    name = _load(moto_url)
    table = await services.tables.describe(name)
    for limit in (1, 150, 400):
        result = await services.analysis.analyze(table, AnalysisBudget(max_items=limit, segments=4))
        assert result.items == limit and not result.complete


async def test_the_rcu_budget_is_never_exceeded(services: Services, moto_url: str) -> None:
    name = _load(moto_url)
    table = await services.tables.describe(name)
    for budget in (0.5, 2.0, 5.0):
        result = await services.analysis.analyze(table, AnalysisBudget(max_rcu=budget, segments=3))
        assert 0 < result.rcu <= budget
        assert 0 < result.items < TOTAL


async def test_estimate_and_bad_budgets(services: Services, moto_url: str) -> None:
    table = await services.tables.describe("Orders")
    estimate = services.analysis.estimate(table, AnalysisBudget(max_items=100))
    assert estimate.items == 100 and not estimate.covers_table and estimate.rcu > 0
    assert services.analysis.estimate(table, AnalysisBudget(max_items=10**6)).covers_table
    for bad in (AnalysisBudget(), AnalysisBudget(max_items=0), AnalysisBudget(max_rcu=0.1)):
        with pytest.raises(UserInputError):
            services.analysis.estimate(table, bad)
    with pytest.raises(UserInputError, match="no index"):
        services.analysis.estimate(table, AnalysisBudget(max_items=5), index="Nope")


async def test_stop_ends_it_with_what_was_read(services: Services, moto_url: str) -> None:
    name = _load(moto_url)
    table = await services.tables.describe(name)
    stop = asyncio.Event()

    def progress(state: Any) -> None:
        if state.items >= 100:
            stop.set()

    budget = AnalysisBudget(max_items=10_000, segments=1, page_items=50)
    result = await services.analysis.analyze(table, budget, progress=progress, stop=stop)
    assert result.cancelled and not result.complete and 100 <= result.items < TOTAL


def test_cli_analyze_json_names_the_hottest_key_first(
    moto_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    name = _load(moto_url)
    code = main(["--endpoint-url", moto_url, "--region", "us-east-1", "analyze", name,
                 "--sample-items", "5000", "--output", "json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0
    assert "Scans the whole table" in err  # the cost, before it runs
    report = json.loads(out)
    assert report["complete"] and report["items"] == TOTAL
    assert report["top_by_items"][0] == {
        "key": "k-hot",
        "items": 500,
        "bytes": report["top_by_items"][0]["bytes"],
        "share": 500 / TOTAL,
    }
    code = main(
        ["--endpoint-url", moto_url, "--region", "us-east-1", "analyze", name, "--top", "2"]
    )
    out, _ = capsys.readouterr()
    assert code == 0 and out.splitlines()[0].startswith("Hottest partition key: k-hot  500 items")
    assert "storage skew" in out


# --- dynalite ----------------------------------------------------------------------------------


def _dynalite() -> str | None:
    candidates = [
        os.environ.get("DDBCONSOLE_DYNALITE"),
        str(Path.home() / ".cache" / "ddbconsole-bench" / "node_modules" / ".bin" / "dynalite"),
        shutil.which("dynalite"),
    ]
    return next((c for c in candidates if c and Path(c).exists()), None)


_DYNALITE = _dynalite()  # read before the autouse fixture moves HOME


@pytest.fixture(scope="module")
def dynalite_url() -> Iterator[str]:
    if _DYNALITE is None or shutil.which("node") is None:
        pytest.skip(
            "dynalite is not installed (npm install --prefix ~/.cache/ddbconsole-bench dynalite)"
        )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        ["node", _DYNALITE, "--port", str(port), "--createTableMs", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert proc.poll() is None and time.monotonic() < deadline, "dynalite did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


async def test_on_dynalite_too(dynalite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    name = _load(dynalite_url, lsi=True)
    svc = Services(make_settings(dynalite_url), retries=FAST_RETRIES, oplog_file=False)
    try:
        table = await svc.tables.describe(name)
        _check_exact(await svc.analysis.analyze(table, AnalysisBudget(max_items=10_000)))
        capped = await svc.analysis.analyze(table, AnalysisBudget(max_rcu=3.0, segments=2))
        assert 0 < capped.rcu <= 3.0 and not capped.complete
    finally:
        await svc.close()
