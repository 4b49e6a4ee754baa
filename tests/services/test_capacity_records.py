"""ddbconsole's records in the state dir belong to the table they were made for: a switch or a
remembered auto scaling from before the table's creation (an earlier table of that name, such as
a previous demo's) is not shown for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from ddbconsole.services import Services
from ddbconsole.services.capacity_store import SwitchLedger, table_key
from tests.services.test_capacity import make_table


def key_and_creation(ddb: Any, table: str) -> tuple[str, datetime]:
    """The state dir's key of `table`, and when the table was created."""
    desc = ddb.describe_table(TableName=table)["Table"]
    return table_key(desc["TableArn"]), desc["CreationDateTime"].astimezone(UTC)


async def test_switches_before_the_table_was_created_are_not_counted(
    services: Services, moto_url: str
) -> None:
    ddb: Any = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    table = make_table(ddb)
    key, created = key_and_creation(ddb, table)
    ledger = SwitchLedger()
    ledger.record(key, created - timedelta(hours=2))  # a switch of the table's predecessor
    state = await services.capacity.state(table)
    assert state.switch_budget.counted == ()
    assert state.switch_budget.remaining == 4
    now = datetime.now(UTC)
    ledger.record(key, now)
    state = await services.capacity.state(table)
    assert len(state.switch_budget.counted) == 1
    assert state.switch_budget.remaining == 3


async def test_ttl_changes_before_the_table_was_created_are_not_counted(
    services: Services, moto_url: str
) -> None:
    from ddbconsole.errors import DdbConsoleError

    ddb: Any = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    table = make_table(ddb)
    key, created = key_and_creation(ddb, table)
    ledger = services.admin.ttl_ledger
    ledger.record(key, created - timedelta(minutes=10))  # the predecessor's change, this hour
    plan = await services.admin.plan_ttl(table, True, "expires")  # not "changed at ..."
    assert plan.requests[0].operation == "UpdateTimeToLive"
    ledger.record(key, datetime.now(UTC))  # this table's own change still counts
    try:
        await services.admin.plan_ttl(table, True, "expires")
    except DdbConsoleError as exc:
        assert "was changed at" in str(exc)
    else:
        raise AssertionError("a TTL change made to this table within the hour was not counted")
