"""The operation log, recording real calls made to the moto server."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ddbconsole.errors import ConnectionProblem, NotFound
from ddbconsole.locations import state_dir
from ddbconsole.models import OperationLogEntry
from ddbconsole.services import Services
from ddbconsole.services.awscli import aws_cli
from ddbconsole.services.oplog import OperationLog, redact, table_of
from tests.conftest import FAST_RETRIES, make_settings


@pytest.fixture
async def logged(moto_url: str) -> AsyncIterator[Services]:
    svc = Services(make_settings(moto_url), retries=FAST_RETRIES)
    try:
        yield svc
    finally:
        await svc.close()


async def test_successful_call_is_recorded_with_cli_equivalent(
    logged: Services, moto_url: str
) -> None:
    seen: list[OperationLogEntry] = []
    logged.oplog.subscribe(seen.append)
    await logged.tables.describe_raw("Orders")
    entry = logged.oplog.entries[-1]
    assert seen == [entry]
    assert (entry.service, entry.operation, entry.table) == ("dynamodb", "DescribeTable", "Orders")
    assert entry.result == "OK" and entry.ok and entry.http_status == 200
    assert entry.duration_ms is not None and entry.duration_ms > 0
    assert entry.consumed_capacity is None
    assert (datetime.now(UTC) - entry.time).total_seconds() < 30
    assert entry.cli == (
        f"aws dynamodb describe-table --table-name Orders --region us-east-1 --endpoint-url {moto_url}"
    )


async def test_consumed_capacity_and_redacted_key(logged: Services) -> None:
    await logged.session.call(
        "dynamodb",
        "get_item",
        TableName="Users",
        Key={"UserId": {"S": "user-0001"}},
        ReturnConsumedCapacity="TOTAL",
    )
    entry = logged.oplog.entries[-1]
    assert entry.operation == "GetItem" and entry.table == "Users"
    assert entry.consumed_capacity is not None and entry.consumed_capacity > 0
    assert "--key '<redacted>'" in entry.cli
    assert "--return-consumed-capacity TOTAL" in entry.cli
    assert "user-0001" not in entry.cli and "user-0001" not in json.dumps(entry.params)


async def test_query_on_an_index_renders_kebab_case_json_and_redacts_values(
    logged: Services,
) -> None:
    await logged.session.call(
        "dynamodb",
        "query",
        TableName="Orders",
        IndexName="ByStatus",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "Status"},
        ExpressionAttributeValues={":s": {"S": "PENDING"}},
        ScanIndexForward=False,
        Limit=5,
    )
    cli = logged.oplog.entries[-1].cli
    assert cli.startswith("aws dynamodb query --table-name Orders --index-name ByStatus ")
    assert "--key-condition-expression '#s = :s'" in cli
    assert """--expression-attribute-names '{"#s":"Status"}'""" in cli
    assert "--expression-attribute-values '<redacted>'" in cli
    assert "--no-scan-index-forward --limit 5" in cli
    assert "PENDING" not in cli


async def test_values_are_shown_when_asked(logged: Services) -> None:
    logged.oplog.include_values = True
    await logged.session.call(
        "dynamodb", "get_item", TableName="Users", Key={"UserId": {"S": "user-0002"}}
    )
    assert """--key '{"UserId":{"S":"user-0002"}}'""" in logged.oplog.entries[-1].cli


async def test_error_code_is_recorded(logged: Services) -> None:
    with pytest.raises(NotFound):
        await logged.tables.describe_raw("NoSuchTable")
    entry = logged.oplog.entries[-1]
    assert entry.result == "ResourceNotFoundException" and not entry.ok
    assert entry.http_status == 400 and entry.table == "NoSuchTable"


async def test_connection_failure_is_recorded() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    svc = Services(make_settings(f"http://127.0.0.1:{port}"), retries=FAST_RETRIES)
    try:
        with pytest.raises(ConnectionProblem):
            await svc.tables.describe_raw("Orders")
    finally:
        await svc.close()
    entry = svc.oplog.entries[-1]
    assert entry.result == "EndpointConnectionError" and entry.http_status is None


async def test_written_as_json_lines_to_the_state_dir_without_contents_or_secrets(
    logged: Services,
) -> None:
    path = state_dir() / "operations.jsonl"
    assert not path.exists()  # nothing is created before the first call
    await logged.session.call(
        "dynamodb", "get_item", TableName="Users", Key={"UserId": {"S": "user-0003"}}
    )
    await logged.session.call(
        "dynamodb",
        "put_item",
        TableName="Users",
        Item={"UserId": {"S": "oplog-secret-item"}, "Pin": {"S": "4242"}},
    )
    assert logged.oplog.flush()
    assert logged.oplog.path == path
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["operation"], r["table"], r["result"]) for r in lines] == [
        ("GetItem", "Users", "OK"),
        ("PutItem", "Users", "OK"),
    ]
    assert all(r["duration_ms"] > 0 and r["cli"].startswith("aws dynamodb ") for r in lines)
    text = path.read_text()
    for secret in ("user-0003", "oplog-secret-item", "4242", "testing"):
        assert secret not in text  # item contents and the access key ("testing")
    await logged.session.call(
        "dynamodb", "delete_item", TableName="Users", Key={"UserId": {"S": "oplog-secret-item"}}
    )


async def test_file_writing_can_be_disabled(moto_url: str) -> None:
    svc = Services(make_settings(moto_url), retries=FAST_RETRIES, oplog_file=False)
    try:
        await svc.tables.describe_raw("Users")
    finally:
        await svc.close()
    assert svc.oplog.entries[-1].operation == "DescribeTable"
    assert not (state_dir() / "operations.jsonl").exists()
    assert not state_dir().exists()


def test_bounded_deque_subscribers_and_unsubscribe(tmp_path: Path) -> None:
    log = OperationLog(maxlen=3, path=tmp_path / "ops.jsonl")
    seen: list[str] = []
    unsubscribe = log.subscribe(lambda e: seen.append(e.operation))
    log.subscribe(lambda e: 1 / 0)  # a failing subscriber never breaks the log
    for i in range(5):
        log.record(
            OperationLogEntry(
                time=datetime.now(UTC),
                service="dynamodb",
                operation=f"Op{i}",
                table=None,
                duration_ms=1.0,
                consumed_capacity=None,
                result="OK",
                cli="aws dynamodb op",
            )
        )
        if i == 2:
            unsubscribe()
    assert [e.operation for e in log.entries] == ["Op2", "Op3", "Op4"]
    assert seen == ["Op0", "Op1", "Op2"]
    log.close()
    assert len((tmp_path / "ops.jsonl").read_text().splitlines()) == 5


def test_redaction_of_batches_transactions_and_secrets() -> None:
    params = {
        "RequestItems": {
            "Orders": [
                {"PutRequest": {"Item": {"PK": {"S": "secret"}}}},
                {"DeleteRequest": {"Key": {"PK": {"S": "secret2"}}}},
            ],
            "Users": {"Keys": [{"UserId": {"S": "u"}}], "ProjectionExpression": "Name"},
        },
        "TransactItems": [{"Update": {"TableName": "Users", "Key": {"UserId": {"S": "u"}}}}],
        "SessionToken": "tok",
    }
    out = redact(params)
    assert out["RequestItems"]["Orders"] == "<1 puts, 1 deletes redacted>"
    assert out["RequestItems"]["Users"] == {"Keys": "<redacted>", "ProjectionExpression": "Name"}
    assert out["TransactItems"][0]["Update"]["Key"] == "<redacted>"
    assert out["SessionToken"] == "<redacted>"
    shown = redact(params, include_values=True)
    assert shown["RequestItems"]["Orders"][0]["PutRequest"]["Item"] == {"PK": {"S": "secret"}}
    assert shown["SessionToken"] == "<redacted>"  # secrets never
    assert table_of("dynamodb", params) == "Orders,Users"
    assert redact({"Statement": "SELECT * FROM Users WHERE pin = '1'"}) == {
        "Statement": "<redacted>"
    }


def test_cli_command_rendering() -> None:
    cli = aws_cli(
        "cloudwatch",
        "GetMetricData",
        {"StartTime": datetime(2026, 1, 1, tzinfo=UTC), "MaxDatapoints": 10, "ScanBy": "x y"},
        profile="prod",
    )
    assert cli == (
        "aws cloudwatch get-metric-data --start-time 2026-01-01T00:00:00+00:00 "
        "--max-datapoints 10 --scan-by 'x y' --profile prod"
    )
    assert table_of("application-autoscaling", {"ResourceId": "table/Orders/index/G"}) == "Orders"
    assert table_of("dynamodb", {"ResourceArn": "arn:aws:dynamodb:r:1:table/Users"}) == "Users"
