"""Backups, point-in-time recovery and restores against the moto server: round trips item for item,
the requests sent, the refusals made before sending.

moto (5.2) restores every item of the source whatever the restore time: the tests assert the items
for the round trips. DescribeBackup's SourceTableFeatureDetails and the restore's overrides (billing
mode, indexes, encryption) are the embedded moto's stand-ins (ddbconsole/demo/standins.py)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ddbconsole import codec
from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import ReadOnlyViolation
from ddbconsole.models import RestoreOptions, Throughput
from ddbconsole.services import Services
from ddbconsole.services.backups import (
    BackupRuleError,
    PitrRequired,
    backup_name,
    restore_overrides,
)
from tests.helpers import create_pk_table, create_table_with_gsi
from tests.services.test_transfer import FIDELITY

WRITES = {
    "CreateBackup",
    "DeleteBackup",
    "RestoreTableFromBackup",
    "RestoreTableToPointInTime",
    "UpdateContinuousBackups",
}


@pytest.fixture
def ddb(moto_url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")


@pytest.fixture
def tables(ddb: Any) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for name in made:
        with contextlib.suppress(ddb.exceptions.ResourceNotFoundException):
            ddb.delete_table(TableName=name)


def tricky_items() -> list[dict[str, Any]]:
    first = codec.loads(FIDELITY)
    return [first, *({"pk": {"S": f"k{i}"}, "n": {"N": f"{i}.50"}} for i in range(30))]


def fill(
    ddb: Any, tables: list[str], *, gsi: bool = False, prefix: str = "bk"
) -> tuple[str, list[dict[str, Any]]]:
    """A new on-demand table (`pk`, optionally a GSI) holding `tricky_items`; cleaned up by
    the `tables` fixture."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    if gsi:
        create_table_with_gsi(ddb, name, "ByS", on_demand=True)
    else:
        create_pk_table(ddb, name)
    tables.append(name)
    items = tricky_items()
    for item in items:
        ddb.put_item(TableName=name, Item=item)
    return name, items


def all_items(ddb: Any, table: str) -> list[Any]:
    """Every item of `table`, canonical and sorted (order-free comparison, lossless)."""
    out: list[Any] = []
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        out.extend(page["Items"])
    return sorted((codec.canonical({"M": i}) for i in out), key=repr)


def reached(server: MotoProcess) -> list[str]:
    return [r["operation"] for r in server.requests() if r["operation"] in WRITES]


def test_backup_name_template() -> None:
    at = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert backup_name("Users", at) == "Users-20260304T050607Z"
    assert len(backup_name("x" * 255, at)) == 255


async def test_backup_delete_items_restore_gives_identical_items(
    services: Services, ddb: Any, tables: list[str]
) -> None:
    table, items = fill(ddb, tables)
    before = all_items(ddb, table)
    assert len(before) == len(items)
    plan = await services.backups.plan_create_backup(table)
    assert plan.operations == ("CreateBackup",)
    assert plan.requests[0].params["BackupName"].startswith(f"{table}-")
    made = await services.execute(plan)
    assert made.arn and made.name == plan.requests[0].params["BackupName"]
    listed = await services.backups.list_backups(table, details=True)
    assert [b.arn for b in listed.backups] == [made.arn]
    assert listed.backups[0].type == "USER" and listed.backups[0].item_count == len(items)
    # the source loses items; the restore brings back every one, lossless
    for item in items[:10]:
        ddb.delete_item(TableName=table, Key={"pk": item["pk"]})
    target = f"{table}-restored"
    tables.append(target)
    restore = await services.backups.plan_restore(made.arn, target)
    assert restore.operations == ("RestoreTableFromBackup",)
    await services.execute(restore)
    services.admin.poll_interval = 0.02
    progress = await services.backups.wait_active(target)
    assert progress.status == "ACTIVE"
    assert all_items(ddb, target) == before
    assert (await services.backups.newest_backup(table)).arn == made.arn  # type: ignore[union-attr]


async def test_restore_to_an_existing_name_is_refused_before_sending(
    services: Services, ddb: Any, tables: list[str], moto_server: MotoProcess
) -> None:
    table, _ = fill(ddb, tables)
    made = await services.execute(await services.backups.plan_create_backup(table, "keep-me"))
    moto_server.reset_requests()
    with pytest.raises(BackupRuleError, match=f"Table {table} already exists"):
        await services.backups.plan_restore(made.arn, table)
    assert reached(moto_server) == []


async def test_delete_backup_asks_for_its_name(
    services: Services, ddb: Any, tables: list[str]
) -> None:
    table, _ = fill(ddb, tables)
    made = await services.execute(await services.backups.plan_create_backup(table, "to-delete"))
    plan = await services.backups.plan_delete_backup(made.arn)
    assert plan.require_text == "to-delete" and plan.operations == ("DeleteBackup",)
    await services.execute(plan)
    assert (await services.backups.list_backups(table)).backups == ()


async def test_invalid_backup_name_is_refused(services: Services) -> None:
    with pytest.raises(BackupRuleError, match="Invalid backup name"):
        await services.backups.plan_create_backup("Users", "a b")


async def test_pitr_window_and_restore_to_latest(
    services: Services, ddb: Any, tables: list[str]
) -> None:
    table, items = fill(ddb, tables)
    with pytest.raises(PitrRequired, match="Point-in-time recovery is off"):
        await services.backups.plan_restore_pitr(table, f"{table}-pitr")
    await services.execute(await services.admin.plan_pitr(table, True))
    pitr = await services.backups.pitr(table)
    assert pitr.enabled and pitr.earliest is not None and pitr.latest is not None
    assert pitr.earliest <= pitr.latest and pitr.recovery_days == 35
    too_old = pitr.earliest - timedelta(days=1)
    with pytest.raises(BackupRuleError, match="outside the restorable window"):
        await services.backups.plan_restore_pitr(table, f"{table}-pitr", when=too_old)
    at = await services.backups.plan_restore_pitr(table, f"{table}-pitr", when=pitr.latest)
    assert at.requests[0].params["RestoreDateTime"] == pitr.latest
    plan = await services.backups.plan_restore_pitr(table, f"{table}-pitr")
    assert plan.requests[0].params == {
        "SourceTableName": table,
        "TargetTableName": f"{table}-pitr",
        "UseLatestRestorableTime": True,
    }
    tables.append(f"{table}-pitr")
    before = all_items(ddb, table)
    await services.execute(plan)
    services.admin.poll_interval = 0.02
    await services.backups.wait_active(f"{table}-pitr")
    assert all_items(ddb, f"{table}-pitr") == before
    assert len(before) == len(items)


async def test_pitr_window_ends_now_so_a_later_time_can_be_chosen(
    services: Services, ddb: Any, tables: list[str]
) -> None:
    """Stand-in (demo/standins.py): moto froze LatestRestorableDateTime when PITR was turned on,
    so the console refused every later time; the stand-in's window ends now, as its restore
    copies the items the table holds now."""
    table, _ = fill(ddb, tables)
    await services.execute(await services.admin.plan_pitr(table, True))
    first = await services.backups.pitr(table)
    await asyncio.sleep(1.2)
    second = await services.backups.pitr(table)
    assert first.latest is not None and second.latest is not None and second.earliest is not None
    assert second.earliest == first.earliest and second.latest > first.latest
    assert second.latest <= datetime.now(UTC) + timedelta(seconds=1)
    later = second.earliest + timedelta(seconds=1)  # after PITR was turned on
    plan = await services.backups.plan_restore_pitr(table, f"{table}-t", when=later)
    assert plan.requests[0].params["RestoreDateTime"] == later


def change_items(ddb: Any, table: str) -> None:
    """An update (in place), a put over an item, a delete and a new item."""
    ddb.update_item(TableName=table, Key={"pk": {"S": "k1"}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "99"}})  # fmt: skip
    ddb.put_item(TableName=table, Item={"pk": {"S": "k2"}, "tags": {"SS": ["x"]}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "k3"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "new"}, "b": {"B": b"\x00"}})


async def test_pitr_restore_to_an_earlier_time_has_the_items_of_that_time(
    services: Services, ddb: Any, tables: list[str]
) -> None:
    """Stand-in (demo/history.py): the history recorded while PITR is on puts back the items
    as they were at the chosen time; the latest time gives today's items; the on-demand source's
    billing mode is kept (moto dropped it)."""
    table, _ = fill(ddb, tables)
    await services.execute(await services.admin.plan_pitr(table, True))
    ddb.put_item(TableName=table, Item={"pk": {"S": "k0"}, "n": {"N": "1E-130"}})
    await asyncio.sleep(1.1)  # request times may be whole seconds
    then, before = datetime.now(UTC), all_items(ddb, table)
    await asyncio.sleep(1.1)
    change_items(ddb, table)
    assert all_items(ddb, table) != before
    services.admin.poll_interval = 0.02
    for target, when, expected in (
        (f"{table}-then", then, before),
        (f"{table}-now", None, all_items(ddb, table)),
    ):
        tables.append(target)
        await services.execute(await services.backups.plan_restore_pitr(table, target, when=when))
        await services.backups.wait_active(target)
        assert all_items(ddb, target) == expected, target
        described = ddb.describe_table(TableName=target)["Table"]
        assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"  # the source's


async def test_restore_overrides_keep_chosen_indexes_with_capacity(
    services: Services, ddb: Any, tables: list[str]
) -> None:
    table, _ = fill(ddb, tables, gsi=True)
    made = await services.execute(await services.backups.plan_create_backup(table))
    options = RestoreOptions(
        billing_mode="PROVISIONED", provisioned=Throughput(7, 3), sse="KMS", kms_key="alias/x"
    )
    plan = await services.backups.plan_restore(made.arn, f"{table}-p", options)
    params = plan.requests[0].params
    assert params["BillingModeOverride"] == "PROVISIONED"
    assert params["ProvisionedThroughputOverride"] == {
        "ReadCapacityUnits": 7,
        "WriteCapacityUnits": 3,
    }
    # the on-demand source's GSI gets the table's units (a provisioned GSI needs its own)
    (gsi,) = params["GlobalSecondaryIndexOverride"]
    assert gsi["IndexName"] == "ByS" and gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    assert params["SSESpecificationOverride"] == {
        "Enabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": "alias/x",
    }
    tables.append(f"{table}-p")
    await services.execute(plan)
    restored = await services.tables.describe(f"{table}-p")
    assert restored.billing_mode == "PROVISIONED" and restored.provisioned == Throughput(7, 3)
    assert [g.name for g in restored.gsis] == ["ByS"]
    assert restored.raw.get("SSEDescription", {}).get("SSEType") == "KMS"
    dropped = await services.backups.plan_restore(made.arn, f"{table}-q", RestoreOptions(gsis=()))
    assert dropped.requests[0].params["GlobalSecondaryIndexOverride"] == []
    tables.append(f"{table}-q")
    await services.execute(dropped)
    assert (await services.tables.describe(f"{table}-q")).gsis == ()
    with pytest.raises(BackupRuleError, match="no GSI named Nope"):
        await services.backups.plan_restore(made.arn, f"{table}-z", RestoreOptions(gsis=("Nope",)))


def test_restore_overrides_refuse_capacity_without_provisioned() -> None:
    with pytest.raises(BackupRuleError, match="without PROVISIONED"):
        restore_overrides(
            RestoreOptions(provisioned=Throughput(1, 1)), source_billing="X", gsis=[], lsis=[]
        )
    assert restore_overrides(
        RestoreOptions(sse="DEFAULT"), source_billing="X", gsis=[], lsis=[]
    ) == {"SSESpecificationOverride": {"Enabled": False}}


@pytest.mark.parametrize(
    "start",
    [
        lambda s, t: s.backups.plan_create_backup(t),
        lambda s, t: s.backups.plan_restore_pitr(t, t + "-x"),
        lambda s, t: s.backups.plan_delete_backup("arn:aws:dynamodb:us-east-1:1:table/t/backup/1"),
    ],
)
async def test_read_only_refuses_before_sending(
    make_services: Callable[..., Services],
    moto_server: MotoProcess,
    start: Callable[[Services, str], Any],
) -> None:
    svc = make_services(read_only=True)
    moto_server.reset_requests()
    with pytest.raises(ReadOnlyViolation):
        await start(svc, "Users")
    assert moto_server.requests() == []


async def test_backups_and_pitr_read_in_read_only_mode(ro_services: Services) -> None:
    page = await ro_services.backups.list_backups("Users")
    assert isinstance(page.backups, tuple)
    assert (await ro_services.backups.pitr("Users")).enabled  # the demo turns PITR on for Users
