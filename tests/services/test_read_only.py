"""Read-only mode: every client refuses every operation off the allow-list, and nothing reaches the server."""

from __future__ import annotations

import pytest
from botocore import xform_name

from ddbconsole.config import SERVICES
from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import ReadOnlyViolation
from ddbconsole.services import Services
from ddbconsole.services.readonly import ALLOWED_OPERATIONS


@pytest.mark.parametrize("validate", [True, False], ids=["client", "unvalidated bulk client"])
@pytest.mark.parametrize("service", SERVICES)
async def test_every_write_is_refused_before_sending(
    service: str, validate: bool, ro_services: Services, moto_server: MotoProcess
) -> None:
    client = await ro_services.session.client(service, validate=validate)
    operations = client.meta.service_model.operation_names
    refused = [op for op in operations if op not in ALLOWED_OPERATIONS.get(service, frozenset())]
    if service == "dynamodbstreams":  # four operations, all reads: all on the allow-list
        assert refused == [] and len(operations) == 4
    else:
        assert refused, "every other service has write operations"
    moto_server.reset_requests()
    for op in refused:
        with pytest.raises(ReadOnlyViolation) as err:
            await getattr(client, xform_name(op))()
        assert err.value.operation == op
    assert moto_server.requests() == []


async def test_partiql_only_select_passes(ro_services: Services, moto_server: MotoProcess) -> None:
    client = await ro_services.session.client("dynamodb")
    moto_server.reset_requests()
    writes = [
        "INSERT INTO \"Users\" VALUE {'UserId': 'x'}",
        "  update Users SET Name='x' WHERE UserId='user-0001'",
        "/* SELECT */ DELETE FROM Users WHERE UserId='user-0001'",
        "-- SELECT\nDELETE FROM Users WHERE UserId='user-0001'",
    ]
    for statement in writes:
        with pytest.raises(ReadOnlyViolation):
            await client.execute_statement(Statement=statement)
    with pytest.raises(ReadOnlyViolation):
        await client.batch_execute_statement(
            Statements=[
                {"Statement": "SELECT * FROM Users"},
                {"Statement": "DELETE FROM Users WHERE UserId='a'"},
            ]
        )
    with pytest.raises(ReadOnlyViolation):
        await client.execute_transaction(
            TransactStatements=[{"Statement": "UPDATE Users SET a=1 WHERE UserId='a'"}]
        )
    assert moto_server.requests() == []
    result = await client.execute_statement(
        Statement="SELECT * FROM \"Users\" WHERE UserId = 'user-0001'"
    )
    assert result["Items"][0]["UserId"] == {"S": "user-0001"}
    assert moto_server.requests() == [{"service": "dynamodb", "operation": "ExecuteStatement"}]


async def test_reads_still_reach_the_server(
    ro_services: Services, moto_server: MotoProcess
) -> None:
    moto_server.reset_requests()
    names = await ro_services.tables.list_table_names()
    info = await ro_services.tables.describe("Orders")
    assert "Orders" in names and info.name == "Orders"
    ops = {r["operation"] for r in moto_server.requests()}
    assert {"ListTables", "DescribeTable", "DescribeTimeToLive"} <= ops


async def test_service_call_surfaces_read_only_violation(
    ro_services: Services, moto_server: MotoProcess
) -> None:
    moto_server.reset_requests()
    with pytest.raises(ReadOnlyViolation) as err:
        await ro_services.session.call("dynamodb", "delete_table", TableName="Users")
    assert "read-only" in str(err.value).lower()
    assert moto_server.requests() == []


async def test_write_mode_does_send(services: Services, moto_server: MotoProcess) -> None:
    """The control: without read-only the same kind of call reaches the server."""
    moto_server.reset_requests()
    client = await services.session.client("dynamodb")
    await client.put_item(TableName="Users", Item={"UserId": {"S": "ro-control"}})
    assert {"service": "dynamodb", "operation": "PutItem"} in moto_server.requests()
    await client.delete_item(TableName="Users", Key={"UserId": {"S": "ro-control"}})
