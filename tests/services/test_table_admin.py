"""TableAdminService against the real moto server. moto enforces few of DynamoDB's table rules, so
the tests prove the refusals happen before sending (the server's request log) and that what was
sent is exactly the plan (a before-parameter-build hook)."""

from __future__ import annotations

import json
import shlex
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import ReadOnlyViolation
from ddbconsole.models import (
    IndexSpec,
    KeySpec,
    PlannedRequest,
    TableProgress,
    TableSpec,
    Throughput,
)
from ddbconsole.services import Services
from ddbconsole.services.awscli import aws_cli
from ddbconsole.services.plans import execute
from ddbconsole.services.table_admin import (
    AttributeDefinitionError,
    DeletionProtected,
    IndexRuleError,
    NothingToChange,
    PlanChanged,
    TableAdminService,
    TableExists,
    TableRuleError,
    TableUpdateInProgress,
    TtlRuleError,
    WaitTimedOut,
)
from ddbconsole.services.table_rules import (
    InvalidName,
    check_definitions_match,
    check_not_busy,
    name_problem,
)
from tests.helpers import SentWrites

Hook = tuple[str, Callable[..., Any]]
READS = ("Describe", "List", "Get")


@pytest.fixture
def ddb(moto_url: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def writes(moto_server: MotoProcess) -> list[str]:
    return [r["operation"] for r in moto_server.requests() if not r["operation"].startswith(READS)]


def unique(prefix: str = "adm") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def spec(name: str, **kwargs: Any) -> TableSpec:
    base: dict[str, Any] = {
        "name": name,
        "partition_key": KeySpec("pk", "S"),
        "sort_key": KeySpec("sk", "N"),
    }
    return TableSpec(**{**base, **kwargs})


GSI = IndexSpec(
    "ByStatus",
    KeySpec("status", "S"),
    KeySpec("sk", "N"),
    projection="INCLUDE",
    non_key_attributes=("total",),
)
LSI = IndexSpec("ByDate", KeySpec("pk", "S"), KeySpec("date", "S"), projection="KEYS_ONLY")


# --- pure rules ---------------------------------------------------------------------------------


def test_name_rules() -> None:
    assert name_problem("Orders_2024.v1-a") is None
    assert "3-255" in str(name_problem("ab"))
    assert "3-255" in str(name_problem("x" * 256))
    assert "'/'" in str(name_problem("a/b/c"))
    assert name_problem("") == "a table name is required"


def test_plan_create_full_request() -> None:
    s = spec(
        "Orders",
        billing_mode="PROVISIONED",
        provisioned=Throughput(5, 3),
        gsis=(IndexSpec(**{**GSI.__dict__, "provisioned": Throughput(2, 1)}),),
        lsis=(LSI,),
        table_class="STANDARD_INFREQUENT_ACCESS",
        deletion_protection=True,
        stream_view_type="NEW_AND_OLD_IMAGES",
        tags=(("team", "core"), ("env", "prod")),
    )
    plan = TableAdminService.plan_create(s)
    assert plan.operation == "CreateTable" and plan.service == "dynamodb"
    assert plan.params == {
        "TableName": "Orders",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "date", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "ByStatus",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]},
                "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 1},
            }
        ],
        "LocalSecondaryIndexes": [
            {
                "IndexName": "ByDate",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "date", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "TableClass": "STANDARD_INFREQUENT_ACCESS",
        "DeletionProtectionEnabled": True,
        "Tags": [{"Key": "team", "Value": "core"}, {"Key": "env", "Value": "prod"}],
    }


def test_cli_command_round_trips_through_the_shell() -> None:
    s = spec(
        "my.table-1",
        gsis=(GSI,),
        on_demand_max=Throughput(100, 50),
        tags=(("note", 'it\'s "quoted" $HOME'),),
        deletion_protection=False,
    )
    plan = TableAdminService.plan_create(s)
    cmd = aws_cli(
        plan.service, plan.operation, plan.params, region="eu-west-1",
        endpoint_url="http://127.0.0.1:1", multiline=True,
    )  # fmt: skip
    assert cmd.startswith("aws dynamodb create-table \\\n  --table-name ")
    argv = shlex.split(cmd.replace("\\\n", " "))
    assert argv[:3] == ["aws", "dynamodb", "create-table"]
    args: dict[str, Any] = {}
    i = 3
    while i < len(argv):
        flag = argv[i]
        if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            args[flag] = argv[i + 1]
            i += 2
        else:
            args[flag] = True
            i += 1
    assert args["--table-name"] == "my.table-1"
    assert args["--billing-mode"] == "PAY_PER_REQUEST"
    assert "--no-deletion-protection-enabled" in args
    for flag, key in (
        ("--attribute-definitions", "AttributeDefinitions"),
        ("--key-schema", "KeySchema"),
        ("--global-secondary-indexes", "GlobalSecondaryIndexes"),
        ("--on-demand-throughput", "OnDemandThroughput"),
        ("--tags", "Tags"),
    ):
        assert json.loads(args[flag]) == plan.params[key]
    assert args["--region"] == "eu-west-1" and args["--endpoint-url"] == "http://127.0.0.1:1"
    one_line = aws_cli(plan.service, plan.operation, plan.params)
    assert "\n" not in one_line and shlex.split(one_line)[1:3] == ["dynamodb", "create-table"]


@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        (spec("ab"), InvalidName, "3-255"),
        (spec("bad name!"), InvalidName, "only letters"),
        (spec("okname", partition_key=KeySpec("")), AttributeDefinitionError, "Missing"),
        (spec("okname", partition_key=KeySpec("p" * 256)), AttributeDefinitionError, "255 bytes"),
        (spec("okname", sort_key=KeySpec("pk")), AttributeDefinitionError, "same attribute"),
        (
            spec("okname", gsis=(IndexSpec("ByPk", KeySpec("pk", "N")),)),
            AttributeDefinitionError,
            "two types",
        ),
        (spec("okname", lsis=(IndexSpec("ByX", KeySpec("other"), KeySpec("x")),)), IndexRuleError,
         "share the table's partition key"),
        (spec("okname", sort_key=None, lsis=(LSI,)), IndexRuleError, "needs a table with a sort key"),
        (spec("okname", lsis=(IndexSpec("ByNothing", KeySpec("pk", "S")),)), IndexRuleError,
         "needs a sort key"),
        (
            spec("okname", gsis=tuple(IndexSpec(f"g{n:03}", KeySpec("g")) for n in range(21))),
            IndexRuleError,
            "at most 20",
        ),
        (
            spec(
                "okname",
                lsis=tuple(
                    IndexSpec(f"l{n:03}", KeySpec("pk"), KeySpec(f"s{n}")) for n in range(6)
                ),
            ),
            IndexRuleError,
            "at most 5",
        ),
        (spec("okname", gsis=(GSI, GSI)), IndexRuleError, "used twice"),
        (spec("okname", gsis=(IndexSpec("gsi", KeySpec("g"), projection="INCLUDE"),)),
         IndexRuleError, "lists no attributes"),
        (
            spec(
                "okname",
                gsis=tuple(
                    IndexSpec(
                        f"g{n:03}",
                        KeySpec("g"),
                        projection="INCLUDE",
                        non_key_attributes=tuple(f"a{n}_{m}" for m in range(51)),
                    )
                    for n in range(2)
                ),
            ),
            IndexRuleError,
            "at most 100 non-key attributes",
        ),
        (spec("okname", billing_mode="PROVISIONED"), TableRuleError, "Capacity missing"),
        (
            spec("okname", billing_mode="PROVISIONED", provisioned=Throughput(0, 1)),
            TableRuleError,
            "at least 1",
        ),
        (
            spec("okname", billing_mode="PROVISIONED", provisioned=Throughput(1, 1), gsis=(GSI,)),
            TableRuleError,
            "Capacity missing for GSI ByStatus",
        ),
        (spec("okname", on_demand_max=Throughput(0, None)), TableRuleError, "at least 1"),
        (spec("okname", provisioned=Throughput(1, 1)), TableRuleError, "on-demand table"),
        (spec("okname", tags=(("aws:x", "y"),)), TableRuleError, "reserved"),
        (spec("okname", tags=(("a", "1"), ("a", "2"))), TableRuleError, "twice"),
        (spec("okname", stream_view_type="ALL"), TableRuleError, "stream view type"),
    ],
)  # fmt: skip
async def test_create_refused_before_sending(
    make_services: Callable[..., Services],
    moto_server: MotoProcess,
    bad: TableSpec,
    error: type[Exception],
    words: str,
) -> None:
    services = make_services()
    moto_server.reset_requests()
    with pytest.raises(error) as info:
        await services.execute(services.admin.plan_create_table(bad))
    assert words in str(info.value)
    assert moto_server.requests() == []


def test_definitions_must_match_key_schemas() -> None:
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    ok = {
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": schema,
    }
    check_definitions_match(ok)
    extra = {
        **ok,
        "AttributeDefinitions": [
            *ok["AttributeDefinitions"],
            {"AttributeName": "x", "AttributeType": "S"},
        ],
    }  # type: ignore[list-item]
    with pytest.raises(AttributeDefinitionError, match="defined but not in any key: x"):
        check_definitions_match(extra)
    with pytest.raises(AttributeDefinitionError, match="not defined: pk"):
        check_definitions_match({"AttributeDefinitions": [], "KeySchema": schema})


def test_busy_rule() -> None:
    check_not_busy({"TableName": "t", "TableStatus": "ACTIVE"})
    with pytest.raises(TableUpdateInProgress, match="GSI g BACKFILLING"):
        check_not_busy(
            {
                "TableName": "t",
                "TableStatus": "ACTIVE",
                "GlobalSecondaryIndexes": [
                    {"IndexName": "g", "IndexStatus": "CREATING", "Backfilling": True}
                ],
            }
        )
    with pytest.raises(TableUpdateInProgress, match="table UPDATING"):
        check_not_busy({"TableName": "t", "TableStatus": "UPDATING"})


# --- against moto -------------------------------------------------------------------------------


async def test_create_sends_the_plan_and_follows_to_active(
    make_services: Callable[..., Services], moto_server: MotoProcess, ddb: Any
) -> None:
    sent = SentWrites()
    services = make_services(("before-parameter-build", sent.hook))
    s = spec(unique(), gsis=(GSI,), lsis=(LSI,), deletion_protection=True, tags=(("a", "b"),))
    plan = services.admin.plan_create_table(s)
    moto_server.reset_requests()
    await services.execute(plan)
    assert sent.calls == plan
    assert writes(moto_server) == ["CreateTable"]
    seen: list[TableProgress] = []
    final = await services.admin.wait_status(s.name, "ACTIVE", seen.append)
    assert final.settled and final.status == "ACTIVE" and seen[-1] == final
    assert final.indexes == (("ByStatus", "ACTIVE", False),)
    info = await services.tables.describe(s.name)
    assert [i.name for i in info.indexes] == ["ByStatus", "ByDate"]
    assert info.deletion_protection and info.tags == {"a": "b"}
    # A second create of the same name is refused before sending (moto's answer would say "busy").
    moto_server.reset_requests()
    with pytest.raises(TableExists):
        await services.execute(services.admin.plan_create_table(s))
    assert writes(moto_server) == []
    ddb.update_table(TableName=s.name, DeletionProtectionEnabled=False)
    ddb.delete_table(TableName=s.name)


async def test_changed_plan_is_refused(
    make_services: Callable[..., Services], moto_server: MotoProcess
) -> None:
    services = make_services()
    s = spec(unique())
    stale = services.admin.plan_create(spec(s.name, table_class="STANDARD_INFREQUENT_ACCESS"))
    moto_server.reset_requests()
    with pytest.raises(PlanChanged):
        await execute(services.session, services.admin.plan_create_table(s), [stale])
    assert moto_server.requests() == []


async def test_delete_refused_while_protected_then_deleted(
    make_services: Callable[..., Services], moto_server: MotoProcess
) -> None:
    sent = SentWrites()
    services = make_services(("before-parameter-build", sent.hook))
    name = unique()
    await services.execute(services.admin.plan_create_table(spec(name, deletion_protection=True)))
    moto_server.reset_requests()
    with pytest.raises(DeletionProtected) as info:
        await services.execute(await services.admin.plan_delete(name))
    assert "no-deletion-protection-enabled" in info.value.advice
    assert "never turns it off" in info.value.advice
    assert writes(moto_server) == []
    plan = await services.admin.plan_deletion_protection(name, False)
    assert plan == [
        PlannedRequest(
            "dynamodb", "UpdateTable", {"TableName": name, "DeletionProtectionEnabled": False}
        )
    ]
    await services.execute(plan)
    with pytest.raises(NothingToChange):
        await services.admin.plan_deletion_protection(name, False)
    plan = await services.admin.plan_delete(name)
    sent.calls.clear()
    await services.execute(plan)
    assert sent.calls == plan
    gone = await services.admin.wait_status(name, "GONE")
    assert gone.status == "GONE"


async def test_settings_plans_are_what_is_sent(
    make_services: Callable[..., Services], moto_server: MotoProcess, ddb: Any
) -> None:
    sent = SentWrites()
    services = make_services(("before-parameter-build", sent.hook))
    admin = services.admin
    name = unique()
    await services.execute(
        admin.plan_create_table(spec(name, tags=(("keep", "1"), ("drop", "2"), ("edit", "3"))))
    )
    sent.calls.clear()
    plans: list[PlannedRequest] = []

    plan = await admin.plan_ttl(name, True, "expires")
    assert plan[0].params["TimeToLiveSpecification"] == {
        "Enabled": True,
        "AttributeName": "expires",
    }
    await services.execute(plan)
    plans += plan
    plan = await admin.plan_pitr(name, True)
    await services.execute(plan)
    plans += plan
    plan = await admin.plan_stream(name, "NEW_IMAGE")
    await services.execute(plan)
    plans += plan
    plan = await admin.plan_table_class(name, "STANDARD_INFREQUENT_ACCESS")
    await services.execute(plan)
    plans += plan
    plan = await admin.plan_tags(name, {"keep": "1", "edit": "three", "new": "4"})
    assert [p.operation for p in plan] == ["TagResource", "UntagResource"]
    assert plan[0].params["Tags"] == [
        {"Key": "edit", "Value": "three"},
        {"Key": "new", "Value": "4"},
    ]
    assert plan[1].params["TagKeys"] == ["drop"]
    await services.execute(plan)
    plans += plan
    assert sent.calls == plans

    info = await services.tables.describe(name)
    assert info.ttl_status == "ENABLED" and info.ttl_attribute == "expires"
    assert info.pitr_status == "ENABLED"
    assert info.stream_enabled and info.stream_view_type == "NEW_IMAGE"
    assert info.tags == {"keep": "1", "edit": "three", "new": "4"}

    moto_server.reset_requests()
    # One TTL change per hour: refused here (moto would accept it), also by a new session
    # (the change is recorded in the state dir, not only in memory).
    with pytest.raises(TtlRuleError, match="one TTL change per table per hour"):
        await admin.plan_ttl(name, False, "")
    with pytest.raises(TtlRuleError, match="one TTL change per table per hour"):
        await make_services().admin.plan_ttl(name, False, "")
    with pytest.raises(TtlRuleError, match="disable TTL first"):
        await services.execute(await admin.plan_ttl(name, True, "other"))
    with pytest.raises(TableRuleError, match="cannot be changed"):
        await services.execute(await admin.plan_stream(name, "KEYS_ONLY"))
    with pytest.raises(NothingToChange):
        await services.execute(await admin.plan_pitr(name, True))
    with pytest.raises(TableRuleError, match="reserved"):
        await services.execute(await admin.plan_tags(name, {"aws:cloudformation": "x"}))
    assert writes(moto_server) == []
    ddb.delete_table(TableName=name)


async def test_gsi_add_and_delete(
    make_services: Callable[..., Services], moto_server: MotoProcess, ddb: Any
) -> None:
    sent = SentWrites()
    services = make_services(("before-parameter-build", sent.hook))
    admin = services.admin
    name = unique()
    await services.execute(
        admin.plan_create_table(
            spec(name, billing_mode="PROVISIONED", provisioned=Throughput(1, 1), lsis=(LSI,))
        )
    )
    index = IndexSpec(
        "ByStatus", KeySpec("status"), KeySpec("sk", "N"), provisioned=Throughput(2, 2)
    )
    plan = await admin.plan_add_gsi(name, index)
    assert plan[0].params == {
        "TableName": name,
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "date", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexUpdates": [
            {
                "Create": {
                    "IndexName": "ByStatus",
                    "KeySchema": [
                        {"AttributeName": "status", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2},
                }
            }
        ],
    }
    sent.calls.clear()
    await services.execute(plan)
    assert sent.calls == plan
    await admin.wait_status(name, "ACTIVE")
    info = await services.tables.describe(name)
    assert [i.name for i in info.gsis] == ["ByStatus"] and info.keys[1].type == "N"

    moto_server.reset_requests()
    refusals: list[tuple[Any, str]] = [
        (admin.plan_add_gsi(name, index), "already has an index named ByStatus"),
        (admin.plan_add_gsi(name, IndexSpec("ByDate2", KeySpec("pk"), KeySpec("x")), local=True),
         "only with the table"),
        (admin.plan_add_gsi(name, IndexSpec("ByDate", KeySpec("q"), provisioned=Throughput(1, 1))),
         "already has an index named ByDate"),
        (admin.plan_add_gsi(name, IndexSpec("ByQ", KeySpec("q"))), "Capacity missing"),
        (admin.plan_add_gsi(name, IndexSpec("ByQ", KeySpec("sk", "S"), provisioned=Throughput(1, 1))),
         "two types"),
        (admin.plan_add_gsi(name, IndexSpec("x", KeySpec("q"))), "3-255"),
        (admin.plan_delete_gsi(name, "ByDate"), "cannot be deleted"),
        (admin.plan_delete_gsi(name, "Nope"), "global secondary indexes: ByStatus"),
    ]  # fmt: skip
    for call, words in refusals:
        with pytest.raises(TableRuleError) as info_:
            await call
        assert words in str(info_.value)
    assert writes(moto_server) == []

    plan = await admin.plan_delete_gsi(name, "ByStatus")
    assert plan[0].params["GlobalSecondaryIndexUpdates"] == [{"Delete": {"IndexName": "ByStatus"}}]
    await services.execute(plan)
    ddb.delete_table(TableName=name)


async def test_one_update_at_a_time(
    make_services: Callable[..., Services],
    moto_server: MotoProcess,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """moto makes every change ACTIVE at once: fake a backfilling GSI in DescribeTable."""
    services = make_services()
    admin = services.admin
    name = unique()
    await services.execute(
        admin.plan_create_table(spec(name, gsis=(IndexSpec("ByG", KeySpec("g")),)))
    )
    real = admin._describe

    async def busy(table: str) -> dict[str, Any]:
        desc = await real(table)
        desc["GlobalSecondaryIndexes"][0].update(IndexStatus="CREATING", Backfilling=True)
        return desc

    monkeypatch.setattr(admin, "_describe", busy)
    moto_server.reset_requests()
    for call in (
        admin.plan_stream(name, "KEYS_ONLY"),
        admin.plan_deletion_protection(name, True),
        admin.plan_table_class(name, "STANDARD_INFREQUENT_ACCESS"),
        admin.plan_add_gsi(name, IndexSpec("ByH", KeySpec("h"))),
        admin.plan_delete_gsi(name, "ByG"),
    ):
        with pytest.raises(TableUpdateInProgress, match="GSI ByG BACKFILLING"):
            await call
    assert writes(moto_server) == []
    seen: list[TableProgress] = []
    with pytest.raises(WaitTimedOut, match="continues in AWS"):
        await admin.wait_status(name, "ACTIVE", seen.append, interval=0.01, max_wait=0.05)
    assert seen and "GSI ByG CREATING (backfilling)" in seen[-1].describe()
    monkeypatch.setattr(admin, "_describe", real)
    await services.execute(await admin.plan_delete(name))


async def test_read_only_refuses_every_change(
    make_services: Callable[..., Services], moto_server: MotoProcess
) -> None:
    services = make_services(read_only=True)
    admin = services.admin
    moto_server.reset_requests()
    for call in (
        services.execute(admin.plan_create_table(spec(unique()))),
        admin.plan_delete("Orders"),
        admin.plan_ttl("Orders", True, "x"),
        admin.plan_pitr("Orders", True),
        admin.plan_tags("Orders", {"a": "b"}),
        admin.plan_add_gsi("Orders", GSI),
    ):
        with pytest.raises(ReadOnlyViolation):
            await call
    assert writes(moto_server) == []
