"""Every change is a Plan, shown before it is sent: for every plan-producing service method (one per
write action of the key registry), the requests that reach the moto server are exactly the plan's
requests, serialized the way botocore sends them (operation and body, in order)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from ddbconsole.demo.seed import add_target_tracking
from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import ReadOnlyViolation, UserInputError
from ddbconsole.models import (
    AlarmPreset,
    IndexSpec,
    KeySpec,
    PlannedRequest,
    RestoreOptions,
    TableSpec,
    Throughput,
)
from ddbconsole.services import Services
from ddbconsole.services.plans import Plan, PlanChanged, aws_cli, execute
from ddbconsole.ui.keys import ALL_ACTIONS
from tests.helpers import create_table_with_gsi

GSI = "ByS"


def _client(service: str, url: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return session.client(service, endpoint_url=url)  # type: ignore[call-overload]


def _decoded(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body  # CBOR (CloudWatch): compared byte for byte


def wire(request: PlannedRequest, url: str) -> tuple[str, Any]:
    """A planned request as botocore puts it on the wire: operation and body."""
    client = _client(request.service, url)
    model = client.meta.service_model.operation_model(request.operation)
    sent = client._serializer.serialize_to_request(request.params, model)
    body = sent["body"]
    return request.operation, _decoded(body if isinstance(body, bytes) else body.encode())


def reached(server: MotoProcess, operations: set[str]) -> list[tuple[str, Any]]:
    """The requests of these operations that reached the server, in order (reads the services
    make around a change, DescribeTable and the like, are left out)."""
    return [
        (r["operation"], _decoded(base64.b64decode(r["body"])))
        for r in server.requests(bodies=True)
        if r["operation"] in operations
    ]


@dataclass
class Case:
    """A write action: `setup` prepares a table, `plan` builds the Plan the UI shows."""

    actions: tuple[str, ...]  # the key registry's write actions this covers
    plan: Callable[[Services, str, Any], Awaitable[Plan]]
    on_demand: bool = False
    autoscaling: bool = False
    remembered: bool = False  # switch to on-demand first, so auto scaling is remembered
    back: bool = False  # then back to provisioned (keeping the remembered auto scaling)


def _spec(name: str) -> TableSpec:
    return TableSpec(name, KeySpec("pk"), KeySpec("sk", "N"), tags=(("team", "core"),))


async def _table(svc: Services, name: str) -> Any:
    return await svc.tables.describe(name)


async def _put_new(svc: Services, name: str, ddb: Any) -> Plan:
    return svc.items.plan_put_new(await _table(svc, name), {"pk": {"S": "new"}, "n": {"N": "1"}})


async def _save(svc: Services, name: str, ddb: Any) -> Plan:
    old = {"pk": {"S": "a"}, "s": {"S": "x"}, "gone": {"BOOL": True}}
    ddb.put_item(TableName=name, Item=old)
    new = {"pk": {"S": "a"}, "s": {"S": "y"}, "n": {"N": "12345678901234567890.5"}}
    plan = svc.items.plan_save(await _table(svc, name), old, new)
    assert plan is not None
    return plan


async def _move(svc: Services, name: str, ddb: Any) -> Plan:
    old = {"pk": {"S": "a"}, "s": {"S": "x"}}
    ddb.put_item(TableName=name, Item=old)
    plan = svc.items.plan_save(await _table(svc, name), old, {"pk": {"S": "b"}, "s": {"S": "x"}})
    assert plan is not None
    return plan


async def _delete(svc: Services, name: str, ddb: Any) -> Plan:
    item = {"pk": {"S": "a"}, "s": {"S": "x"}, "l": {"L": [{"N": "1"}]}}
    ddb.put_item(TableName=name, Item=item)
    return svc.items.plan_delete_item(name, {"pk": {"S": "a"}}, item)


async def _batch(svc: Services, name: str, ddb: Any) -> Plan:
    keys = [{"pk": {"S": f"k{i}"}} for i in range(30)]
    for key in keys:
        ddb.put_item(TableName=name, Item=key)
    return svc.items.plan_batch_delete(name, keys)


async def _partiql(svc: Services, name: str, ddb: Any) -> Plan:
    # moto answers ExecuteStatement with Parameters with a 500: literal values here.
    return svc.items.plan_statement(f"INSERT INTO \"{name}\" VALUE {{'pk': 'p', 's': 'q'}}")


async def _create(svc: Services, name: str, ddb: Any) -> Plan:
    ddb.delete_table(TableName=name)
    ddb.get_waiter("table_not_exists").wait(TableName=name)
    return svc.admin.plan_create_table(_spec(name))


async def _tags(svc: Services, name: str, ddb: Any) -> Plan:
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "drop", "Value": "1"}])
    return await svc.admin.plan_tags(name, {"team": "core", "env": "test"})


async def _autoscaling(svc: Services, name: str, ddb: Any) -> Plan:
    read = await svc.capacity.plan_enable_autoscaling(name, "read", 2, 20, 60.0, gsi=GSI)
    return read + await svc.capacity.plan_enable_autoscaling(name, "write", 2, 20, 60.0, gsi=GSI)


async def _alarm(svc: Services, name: str, ddb: Any) -> Plan:
    return svc.alarm_presets.plan_put_alarm(AlarmPreset(kind="throttling", table=name))


async def _alarm_edit(svc: Services, name: str, ddb: Any) -> Plan:
    old = await svc.alarm_presets.put_alarm(AlarmPreset(kind="system-errors", table=name))
    preset = AlarmPreset(kind="throttling", table=name, minutes=3)
    return svc.alarm_presets.plan_put_alarm(preset, old)


async def _alarm_delete(svc: Services, name: str, ddb: Any) -> Plan:
    alarm = await svc.alarm_presets.put_alarm(AlarmPreset(kind="system-errors", table=name))
    return svc.alarm_presets.plan_delete_alarms([alarm])


# Tables a case's restore or import creates besides the test's own (deleted afterwards).
EXTRA_TABLES: list[str] = []


def _bucket(url: str, key: str = "") -> str:
    name = f"plan-{uuid.uuid4().hex[:10]}"
    s3 = _client("s3", url)
    s3.create_bucket(Bucket=name)
    if key:
        s3.put_object(Bucket=name, Key=key, Body=b'{"Item":{"pk":{"S":"a"}}}\n')
    return name


def _url(ddb: Any) -> str:
    return str(ddb.meta.endpoint_url)


def _pitr(ddb: Any, name: str) -> None:
    ddb.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )


async def _backup_delete(svc: Services, name: str, ddb: Any) -> Plan:
    arn = ddb.create_backup(TableName=name, BackupName="to-delete")["BackupDetails"]["BackupArn"]
    return await svc.backups.plan_delete_backup(arn)


async def _restore(svc: Services, name: str, ddb: Any) -> Plan:
    arn = ddb.create_backup(TableName=name, BackupName="to-restore")["BackupDetails"]["BackupArn"]
    EXTRA_TABLES.append(f"{name}-r")
    options = RestoreOptions(gsis=(GSI,), sse="DEFAULT")
    return await svc.backups.plan_restore(arn, f"{name}-r", options)


async def _restore_pitr(svc: Services, name: str, ddb: Any) -> Plan:
    _pitr(ddb, name)
    EXTRA_TABLES.append(f"{name}-p")
    return await svc.backups.plan_restore_pitr(name, f"{name}-p")


async def _s3_export(svc: Services, name: str, ddb: Any) -> Plan:
    _pitr(ddb, name)
    return await svc.s3jobs.plan_export(name, _bucket(_url(ddb)), "nightly", sse="AES256")


async def _s3_import(svc: Services, name: str, ddb: Any) -> Plan:
    bucket = _bucket(_url(ddb), "in/part-0.json")
    EXTRA_TABLES.append(f"{name}-i")
    spec = TableSpec(f"{name}-i", KeySpec("pk"), billing_mode="PAY_PER_REQUEST")
    return await svc.s3jobs.plan_import(bucket, "in/", spec)


async def _undo(svc: Services, name: str, ddb: Any) -> Plan:
    table = await _table(svc, name)
    item = {"pk": {"S": "u"}, "s": {"S": "x"}, "b": {"B": b"\x00\xff"}, "n": {"N": "1E+125"}}
    await svc.items.put_new(table, item)
    await svc.items.delete_item(name, {"pk": {"S": "u"}}, expected=item)
    entry = svc.journal.last()
    assert entry is not None
    return svc.journal.plan_undo(svc.items, table, entry)  # a conditional PutItem of the item


async def _restore(svc: Services, name: str, ddb: Any) -> Plan:
    from ddbconsole.services.restore import plan_write_image

    table = await _table(svc, name)
    old, latest = {"pk": {"S": "r"}, "s": {"S": "1"}}, {"pk": {"S": "r"}, "s": {"S": "2"}}
    ddb.put_item(TableName=name, Item=latest)
    return plan_write_image(svc.items, table, {"pk": {"S": "r"}}, old, latest, title="t", done="d")


async def _insights_mode(svc: Services, name: str, ddb: Any) -> Plan:
    ddb.update_contributor_insights(
        TableName=name, IndexName=GSI, ContributorInsightsAction="ENABLE"
    )
    return await svc.hotkeys.plan_update(name, GSI, enabled=True, mode="THROTTLED_KEYS")


CASES = {
    "put_new": Case(("item_new", "item_duplicate"), _put_new),
    "save": Case(("item_edit",), _save),
    "key_change": Case(("item_edit",), _move),
    "delete_item": Case(("item_delete",), _delete),
    "batch_delete": Case(("item_delete_marked",), _batch),
    "partiql_write": Case((), _partiql),
    "create_table": Case(("new_table",), _create),
    "delete_table": Case(("delete_table",), lambda s, n, d: s.admin.plan_delete(n)),
    "ttl": Case(("table_ttl",), lambda s, n, d: s.admin.plan_ttl(n, True, "expires")),
    "pitr": Case(("table_pitr",), lambda s, n, d: s.admin.plan_pitr(n, True)),
    "stream": Case(("table_stream",), lambda s, n, d: s.admin.plan_stream(n, "NEW_IMAGE")),
    "protection": Case(
        ("table_protection",), lambda s, n, d: s.admin.plan_deletion_protection(n, True)
    ),
    "table_class": Case(
        ("table_class",), lambda s, n, d: s.admin.plan_table_class(n, "STANDARD_INFREQUENT_ACCESS")
    ),
    "tags": Case(("table_tags",), _tags),
    "add_gsi": Case(
        ("table_add_gsi",),
        lambda s, n, d: s.admin.plan_add_gsi(
            n, IndexSpec("ByT", KeySpec("t"), provisioned=Throughput(1, 1))
        ),
    ),
    "delete_gsi": Case(("table_delete_gsi",), lambda s, n, d: s.admin.plan_delete_gsi(n, GSI)),
    "to_on_demand": Case(
        ("cap_switch_billing",),
        lambda s, n, d: s.capacity.plan_switch_to_on_demand(n, 100, None),
        autoscaling=True,
    ),
    "to_provisioned": Case(
        ("cap_switch_billing",),
        lambda s, n, d: s.capacity.plan_switch_to_provisioned(
            n, Throughput(3, 4), {GSI: Throughput(1, 2)}, True
        ),
        autoscaling=True,
        remembered=True,
    ),
    "throughput": Case(
        ("cap_throughput",), lambda s, n, d: s.capacity.plan_update_throughput(n, 9, None, GSI)
    ),
    "on_demand_max": Case(
        ("cap_on_demand_max",),
        lambda s, n, d: s.capacity.plan_update_on_demand_max(n, 50, -1),
        on_demand=True,
    ),
    "autoscaling": Case(("cap_autoscaling",), _autoscaling),
    "disable_autoscaling": Case(
        ("cap_disable_autoscaling",),
        lambda s, n, d: s.capacity.plan_disable_autoscaling(n, "write"),
        autoscaling=True,
    ),
    "restore_autoscaling": Case(
        ("cap_restore_autoscaling",),
        lambda s, n, d: s.capacity.plan_restore_autoscaling(n),
        autoscaling=True,
        remembered=True,
        back=True,
    ),
    "alarm_new": Case(("alarm_new",), _alarm),
    "alarm_edit": Case(("alarm_edit",), _alarm_edit),
    "alarm_delete": Case(("alarm_delete",), _alarm_delete),
    "backup_create": Case(
        ("backup_create",), lambda s, n, d: s.backups.plan_create_backup(n, "plan-backup")
    ),
    "backup_delete": Case(("backup_delete",), _backup_delete),
    "backup_restore": Case(("backup_restore",), _restore),
    "backup_restore_pitr": Case(("backup_restore_pitr",), _restore_pitr),
    "s3_export": Case(("s3_export",), _s3_export),
    "s3_import": Case(("s3_import",), _s3_import),
    "undo": Case(("item_undo",), _undo),
    "history_restore": Case((), _restore),
    "enable_stream": Case(
        ("stream_enable",), lambda s, n, d: s.admin.plan_stream(n, "NEW_AND_OLD_IMAGES")
    ),
    "insights": Case(
        ("diag_insights",), lambda s, n, d: s.hotkeys.plan_update(n, None, enabled=True)
    ),
    "insights_mode": Case(("diag_insights_mode",), _insights_mode),
}


@pytest.fixture
def tables(moto_url: str) -> Iterator[list[str]]:
    """Tables a test creates, deleted afterwards (other tests count the server's tables)."""
    made: list[str] = []
    yield made
    ddb = _client("dynamodb", moto_url)
    made += EXTRA_TABLES
    EXTRA_TABLES.clear()
    for name in made:
        try:
            ddb.update_table(TableName=name, DeletionProtectionEnabled=False)
            ddb.delete_table(TableName=name)
        except ddb.exceptions.ResourceNotFoundException:
            pass


def test_every_write_action_has_a_plan_case() -> None:
    covered = {a for case in CASES.values() for a in case.actions} | {"item_import"}
    writes = {a.id for a in ALL_ACTIONS if a.write}
    # Import (thousands of requests) is covered by test_import_plan_is_what_is_sent below.
    assert writes - covered == set()


@pytest.mark.parametrize("name", list(CASES))
async def test_what_reaches_the_server_is_the_plan(
    name: str,
    make_services: Callable[..., Services],
    moto_server: MotoProcess,
    moto_url: str,
    tables: list[str],
) -> None:
    case = CASES[name]
    svc = make_services()
    ddb, aas = _client("dynamodb", moto_url), _client("application-autoscaling", moto_url)
    table = create_table_with_gsi(
        ddb, f"plan_{uuid.uuid4().hex[:10]}", GSI, on_demand=case.on_demand
    )
    tables.append(table)
    if case.autoscaling:
        add_target_tracking(aas, table, (GSI,), scale_out_cooldown=30)
    if case.remembered:
        await svc.execute(await svc.capacity.plan_switch_to_on_demand(table))
    if case.back:
        five = Throughput(5, 5)
        await svc.execute(await svc.capacity.plan_switch_to_provisioned(table, five, {GSI: five}))
    plan = await case.plan(svc, table, ddb)
    assert plan.requests and plan.title
    moto_server.reset_requests()
    await svc.execute(plan)
    operations = set(plan.operations)
    assert reached(moto_server, operations) == [wire(r, moto_url) for r in plan]


async def test_execute_refuses_in_read_only_mode_before_sending(
    make_services: Callable[..., Services], moto_server: MotoProcess, moto_url: str
) -> None:
    svc = make_services(read_only=True)
    plan = svc.alarm_presets.plan_put_alarm(AlarmPreset(kind="throttling", table="Users"))
    moto_server.reset_requests()
    with pytest.raises(ReadOnlyViolation):
        await execute(svc.session, plan)
    assert moto_server.requests(bodies=True) == []


async def test_a_plan_that_changed_since_it_was_shown_is_refused(
    make_services: Callable[..., Services],
    moto_server: MotoProcess,
    moto_url: str,
    tables: list[str],
) -> None:
    svc = make_services()
    ddb = _client("dynamodb", moto_url)
    table = create_table_with_gsi(ddb, f"plan_{uuid.uuid4().hex[:10]}", GSI)
    tables.append(table)
    plan = await svc.admin.plan_tags(table, {"a": "1"})
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}])  # meanwhile
    moto_server.reset_requests()
    with pytest.raises(PlanChanged):
        await svc.execute(plan)
    assert not reached(moto_server, {"TagResource", "UntagResource"})


def test_one_cli_renderer() -> None:
    request = PlannedRequest(
        "dynamodb", "DeleteItem", {"TableName": "T", "Key": {"pk": {"S": "a b"}}}
    )
    assert aws_cli(request.service, request.operation, request.params, region="eu-west-1") == (
        """aws dynamodb delete-item --table-name T --key '{"pk":{"S":"a b"}}' --region eu-west-1"""
    )


async def test_import_plan_is_what_is_sent(
    make_services: Callable[..., Services],
    moto_server: MotoProcess,
    moto_url: str,
    tables: list[str],
    tmp_path: Path,
) -> None:
    """An import's Plan shows its first BatchWriteItem request and how many records follow: the
    first request that reaches the server is that one, and every record is sent."""
    svc = make_services()
    ddb = _client("dynamodb", moto_url)
    table = create_table_with_gsi(ddb, f"plan_{uuid.uuid4().hex[:10]}", GSI)
    tables.append(table)
    lines = [json.dumps({"pk": f"k{i:03d}", "s": "x", "n": i}) for i in range(60)]
    lines[3] = '{"pk": 1}'  # invalid: never sent, listed in the failure file
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    info = await svc.tables.describe(table)
    plan = await svc.transfer.plan_import(info, source, concurrency=1)
    assert plan.title.startswith("Import 59 records") and plan.operations == ("BatchWriteItem",)
    assert len(plan.requests[0].params["RequestItems"][table]) == 25
    assert any("1 invalid" in note for note in plan.notes)
    moto_server.reset_requests()
    result = await svc.execute(plan)
    assert result.written == 59 and result.invalid == 1
    sent = reached(moto_server, {"BatchWriteItem"})
    assert sent[0] == wire(plan.requests[0], moto_url)
    assert sum(len(body["RequestItems"][table]) for _, body in sent) == 59
    assert len(sent) == 3


async def test_import_plan_refuses_a_file_changed_since_it_was_shown(
    make_services: Callable[..., Services],
    moto_server: MotoProcess,
    moto_url: str,
    tables: list[str],
    tmp_path: Path,
) -> None:
    svc = make_services()
    ddb = _client("dynamodb", moto_url)
    table = create_table_with_gsi(ddb, f"plan_{uuid.uuid4().hex[:10]}", GSI)
    tables.append(table)
    source = tmp_path / "in.jsonl"
    source.write_text('{"pk": "a", "s": "x"}\n', encoding="utf-8")
    plan = await svc.transfer.plan_import(await svc.tables.describe(table), source)
    source.write_text('{"pk": "a", "s": "x"}\n{"pk": "b", "s": "y"}\n', encoding="utf-8")
    moto_server.reset_requests()
    with pytest.raises(UserInputError, match="changed since it was validated"):
        await svc.execute(plan)
    assert reached(moto_server, {"BatchWriteItem"}) == []
