"""CapacityService against the real moto server. Each test makes its own tables (the demo tables are
shared by parallel tests). moto enforces none of the capacity rules, so the tests assert what reached
the server (the request log) and what the client sent (a before-parameter-build hook)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ddbconsole import locations
from ddbconsole.demo.seed import add_target_tracking
from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import ReadOnlyViolation
from ddbconsole.models import CapacityResource, PlannedRequest, Throughput
from ddbconsole.services import Services
from ddbconsole.services.capacity import (
    NO_MAXIMUM,
    CapacityRuleError,
    DecreaseLimitReached,
    PlanChanged,
    SwitchLimitReached,
    TableBusy,
    check_decrease,
    switch_budget,
)
from tests.helpers import SentWrites, create_table_with_gsi

GSI = "ByStatus"
Hook = tuple[str, Callable[..., Any]]


def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


@pytest.fixture
def ddb(moto_url: str) -> Any:
    return _session().client("dynamodb", endpoint_url=moto_url)


@pytest.fixture
def aas(moto_url: str) -> Any:
    return _session().client("application-autoscaling", endpoint_url=moto_url)


def make_table(ddb: Any, *, on_demand: bool = False) -> str:
    return create_table_with_gsi(ddb, f"cap-{uuid.uuid4().hex[:10]}", GSI, on_demand=on_demand)


def add_autoscaling(aas: Any, table: str) -> None:
    """Target tracking at 70 % on read and write of the table and its GSI (like the demo)."""
    add_target_tracking(aas, table, (GSI,), scale_out_cooldown=30)


def targets(aas: Any, table: str) -> dict[tuple[str, str], dict[str, Any]]:
    ids = [f"table/{table}", f"table/{table}/index/{GSI}"]
    found = aas.describe_scalable_targets(ServiceNamespace="dynamodb", ResourceIds=ids)
    return {(t["ResourceId"], t["ScalableDimension"]): t for t in found["ScalableTargets"]}


def policies(aas: Any, table: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rid in (f"table/{table}", f"table/{table}/index/{GSI}"):
        page = aas.describe_scaling_policies(ServiceNamespace="dynamodb", ResourceId=rid)
        out += [p for p in page["ScalingPolicies"] if p["ResourceId"] == rid]  # moto: substring
    return out


def assert_provisioned_with_autoscaling_restored(
    ddb: Any, aas: Any, table: str, before: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """Back on provisioned at 7 R (table) and 4 W (GSI), with the 4 targets as `before` and their
    target-tracking policies (70 %, cooldowns in 60 s / out 30 s) re-created."""
    desc = ddb.describe_table(TableName=table)["Table"]
    assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    assert desc["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    after = targets(aas, table)
    assert {k: (t["MinCapacity"], t["MaxCapacity"]) for k, t in after.items()} == {
        k: (t["MinCapacity"], t["MaxCapacity"]) for k, t in before.items()
    }
    restored = policies(aas, table)
    assert len(restored) == 4
    for p in restored:
        config = p["TargetTrackingScalingPolicyConfiguration"]
        assert config["TargetValue"] == 70.0
        assert (config["ScaleInCooldown"], config["ScaleOutCooldown"]) == (60, 30)


def writes(moto_server: MotoProcess) -> list[tuple[str, str]]:
    reads = ("Describe", "List", "Get")
    return [
        (r["service"], r["operation"])
        for r in moto_server.requests()
        if not r["operation"].startswith(reads)
    ]


async def test_state(services: Services, ddb: Any, aas: Any) -> None:
    table = make_table(ddb)
    add_autoscaling(aas, table)
    state = await services.capacity.state(table)
    assert state.billing_mode == "PROVISIONED" and not state.on_demand and not state.busy
    assert [r.index for r in state.resources] == [None, GSI]
    assert state.table_resource.provisioned == Throughput(5, 5)
    assert state.resource(GSI).provisioned == Throughput(5, 5)
    assert state.table_resource.warm == Throughput(5, 5)  # moto reports warm throughput
    read = state.resource(GSI).read_scaling
    assert read is not None and (read.min_capacity, read.max_capacity) == (5, 100)
    assert read.target_tracking is not None and read.target_tracking.target_value == 70.0
    assert read.target_tracking.scale_out_cooldown == 30
    assert state.switch_budget.remaining == 4 and state.switch_budget.next_free is None
    assert state.remembered is None and state.last_switch_to_on_demand is None
    # Reading writes none of the capacity files.
    for name in ("autoscaling-memory.json", "billing-switches.json"):
        assert not (locations.state_dir() / name).exists()


async def test_on_demand_and_back_restores_autoscaling(
    make_services: Callable[..., Services], ddb: Any, aas: Any
) -> None:
    sent = SentWrites()
    services = make_services(("before-parameter-build", sent.hook))
    table = make_table(ddb)
    add_autoscaling(aas, table)
    before = targets(aas, table)
    assert len(before) == 4

    plan = await services.capacity.plan_switch_to_on_demand(table)
    assert plan[0] == PlannedRequest(
        "dynamodb", "UpdateTable", {"TableName": table, "BillingMode": "PAY_PER_REQUEST"}
    )
    # 4 targets: one DeleteScalingPolicy each, then DeregisterScalableTarget.
    assert [p.operation for p in plan[1:]].count("DeregisterScalableTarget") == 4
    assert [p.operation for p in plan[1:]].count("DeleteScalingPolicy") == 4
    await services.execute(plan)
    assert plan == sent.calls  # what was shown is what was sent

    desc = ddb.describe_table(TableName=table)["Table"]
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert targets(aas, table) == {} and policies(aas, table) == []
    memory = json.loads((locations.state_dir() / "autoscaling-memory.json").read_text())
    assert list(memory["tables"]) == [f"123456789012/us-east-1/{table}"]
    remembered = await services.capacity.remembered_autoscaling(table)
    assert remembered is not None and len(remembered.targets) == 4
    state = await services.capacity.state(table)
    assert state.on_demand and state.table_resource.provisioned is None
    assert state.switch_budget.remaining == 3

    sent.calls.clear()
    plan = await services.capacity.plan_switch_to_provisioned(
        table, Throughput(7, 8), {GSI: Throughput(3, 4)}, restore_autoscaling=True
    )
    assert plan[0].params == {
        "TableName": table,
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 8},
        "GlobalSecondaryIndexUpdates": [
            {
                "Update": {
                    "IndexName": GSI,
                    "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
                }
            }
        ],
    }
    await services.execute(plan)
    assert sent.calls == plan
    assert_provisioned_with_autoscaling_restored(ddb, aas, table, before)
    assert await services.capacity.remembered_autoscaling(table) is None  # forgotten once restored


async def test_switch_to_provisioned_needs_every_gsi(services: Services, ddb: Any) -> None:
    table = make_table(ddb, on_demand=True)
    with pytest.raises(CapacityRuleError, match="every global secondary index"):
        await services.capacity.plan_switch_to_provisioned(table, Throughput(5, 5))
    with pytest.raises(CapacityRuleError, match="No remembered auto scaling"):
        await services.capacity.plan_switch_to_provisioned(
            table, Throughput(5, 5), {GSI: Throughput(5, 5)}, restore_autoscaling=True
        )
    with pytest.raises(CapacityRuleError, match="at least 1"):
        await services.capacity.plan_switch_to_provisioned(
            table, Throughput(0, 5), {GSI: Throughput(5, 5)}
        )


async def test_fifth_switch_in_24_hours_is_refused_before_sending(
    services: Services, ddb: Any, moto_server: MotoProcess
) -> None:
    table = make_table(ddb)
    for _ in range(4):
        await services.execute(await services.capacity.plan_switch_to_on_demand(table))
        await services.execute(
            await services.capacity.plan_switch_to_provisioned(
                table, Throughput(5, 5), {GSI: Throughput(5, 5)}
            )
        )
    state = await services.capacity.state(table)
    budget = state.switch_budget
    assert budget.remaining == 0 and len(budget.counted) == 4
    assert budget.next_free is not None
    assert budget.next_free - budget.counted[0] == timedelta(hours=24)
    assert "0 of 4" in budget.describe()

    moto_server.reset_requests()
    with pytest.raises(SwitchLimitReached) as err:
        await services.execute(await services.capacity.plan_switch_to_on_demand(table))
    assert "4 switches to on-demand per rolling 24 hours" in str(err.value)
    assert err.value.exit_code == 2  # a UserInputError
    assert writes(moto_server) == []  # no UpdateTable reached the server
    # On-demand -> provisioned stays allowed any time (here: the table is provisioned already).


def test_switch_budget_merges_ledger_and_describe_table() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    ledger = [now - timedelta(hours=30), now - timedelta(hours=5), now - timedelta(hours=1)]
    # The ledger's entry 30 h ago is outside the window; DescribeTable's last switch is the ledger's
    # latest (within 5 minutes: counted once).
    same = switch_budget(ledger[1:], now - timedelta(hours=1, minutes=2), now)
    assert len(same.counted) == 2 and same.remaining == 2
    # A switch made elsewhere, 3 h ago, is known only from DescribeTable: counted too.
    other = switch_budget(ledger, now - timedelta(hours=3), now)
    assert other.counted == (now - timedelta(hours=5), now - timedelta(hours=3), ledger[2])
    assert other.next_free == now + timedelta(hours=19)


def test_decrease_rules() -> None:
    now = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
    res = CapacityResource(index=None, status="ACTIVE", provisioned=Throughput(10, 10))
    check_decrease(res, now)  # 0 decreases today
    check_decrease(CapacityResource(None, "ACTIVE", None, decreases_today=3), now)
    # 4 used, the last 20 minutes ago: wait until an hour after it.
    recent = CapacityResource(
        None, "ACTIVE", None, decreases_today=4, last_decrease=now - timedelta(minutes=20)
    )
    with pytest.raises(DecreaseLimitReached, match="after 11:10 UTC"):
        check_decrease(recent, now)
    # 4 used, the last 2 hours ago: allowed.
    check_decrease(
        CapacityResource(None, "ACTIVE", None, decreases_today=4, last_decrease=now - timedelta(2)),
        now,
    )
    # 14 by 10:30 UTC is more than 4 + one an hour (4 + 10): refused.
    with pytest.raises(DecreaseLimitReached):
        check_decrease(CapacityResource("G1", "ACTIVE", None, decreases_today=14), now)
    with pytest.raises(DecreaseLimitReached, match="27 decreases per UTC day"):
        check_decrease(CapacityResource("G1", "ACTIVE", None, decreases_today=27), now)


async def test_edit_table_and_gsi_throughput(
    services: Services, ddb: Any, moto_server: MotoProcess
) -> None:
    table = make_table(ddb)
    plan = await services.capacity.plan_update_throughput(table, 9, None, gsi=GSI)
    assert plan == [
        PlannedRequest(
            "dynamodb",
            "UpdateTable",
            {
                "TableName": table,
                "GlobalSecondaryIndexUpdates": [
                    {
                        "Update": {
                            "IndexName": GSI,
                            "ProvisionedThroughput": {
                                "ReadCapacityUnits": 9,
                                "WriteCapacityUnits": 5,
                            },
                        }
                    }
                ],
            },
        )
    ]
    await services.execute(plan)
    desc = ddb.describe_table(TableName=table)["Table"]
    assert desc["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 9
    await services.execute(await services.capacity.plan_update_throughput(table, 6, 7))
    desc = ddb.describe_table(TableName=table)["Table"]
    assert (desc["ProvisionedThroughput"]["ReadCapacityUnits"], 7) == (
        6,
        desc["ProvisionedThroughput"]["WriteCapacityUnits"],
    )

    moto_server.reset_requests()
    with pytest.raises(CapacityRuleError, match="No change"):
        await services.execute(await services.capacity.plan_update_throughput(table, 6, 7))
    with pytest.raises(CapacityRuleError, match="at least 1"):
        await services.execute(await services.capacity.plan_update_throughput(table, 0, None))
    # moto's DescribeLimits: 10,000 per table.
    with pytest.raises(CapacityRuleError, match="per-table limit of 10000"):
        await services.execute(
            await services.capacity.plan_update_throughput(table, 20000, None, gsi=GSI)
        )
    with pytest.raises(CapacityRuleError, match="No index"):
        await services.execute(
            await services.capacity.plan_update_throughput(table, 6, 8, gsi="Nope")
        )
    with pytest.raises(CapacityRuleError, match="is provisioned"):
        await services.execute(await services.capacity.plan_update_on_demand_max(table, 100, None))
    assert writes(moto_server) == []
    limits = [r for r in moto_server.requests() if r["operation"] == "DescribeLimits"]
    assert len(limits) <= 1  # cached per session


async def test_decrease_limit_from_describe_table_is_enforced(
    make_services: Callable[..., Services], ddb: Any, moto_server: MotoProcess
) -> None:
    table = make_table(ddb)

    def many_decreases(parsed: dict[str, Any], **_: Any) -> None:
        # Fault injection: DynamoDB would report today's decreases; moto always says 0.
        pt = parsed.get("Table", {}).get("ProvisionedThroughput")
        if parsed.get("Table", {}).get("TableName") == table and pt is not None:
            pt["NumberOfDecreasesToday"] = 27

    services = make_services(("after-call.dynamodb.DescribeTable", many_decreases))
    moto_server.reset_requests()
    with pytest.raises(DecreaseLimitReached):
        await services.execute(await services.capacity.plan_update_throughput(table, 4, None))
    assert writes(moto_server) == []
    await services.execute(
        await services.capacity.plan_update_throughput(table, 6, None)
    )  # increases are always allowed
    assert writes(moto_server) == [("dynamodb", "UpdateTable")]


async def test_switch_refused_while_a_gsi_is_not_active(
    make_services: Callable[..., Services], ddb: Any, moto_server: MotoProcess
) -> None:
    table = make_table(ddb)

    def gsi_updating(parsed: dict[str, Any], **_: Any) -> None:
        # Fault injection: moto makes every index ACTIVE at once.
        if parsed.get("Table", {}).get("TableName") == table:
            parsed["Table"]["GlobalSecondaryIndexes"][0]["IndexStatus"] = "UPDATING"

    services = make_services(("after-call.dynamodb.DescribeTable", gsi_updating))
    moto_server.reset_requests()
    with pytest.raises(TableBusy, match="ByStatus UPDATING"):
        await services.execute(await services.capacity.plan_switch_to_on_demand(table))
    with pytest.raises(TableBusy):
        await services.execute(await services.capacity.plan_update_throughput(table, 6, 6))
    assert (await services.capacity.state(table)).busy
    assert writes(moto_server) == []


async def test_enable_and_disable_autoscaling_on_table_and_gsi(
    make_services: Callable[..., Services], ddb: Any, aas: Any
) -> None:
    sent = SentWrites()
    services = make_services(("before-parameter-build", sent.hook))
    table = make_table(ddb)
    plan = await services.capacity.plan_enable_autoscaling(
        table, "read", 5, 50, 60.0, scale_in_cooldown=120, scale_out_cooldown=30
    )
    await services.execute(plan)
    await services.execute(
        await services.capacity.plan_enable_autoscaling(table, "write", 2, 20, gsi=GSI)
    )
    assert sent.calls[: len(plan)] == plan
    found = targets(aas, table)
    assert found[(f"table/{table}", "dynamodb:table:ReadCapacityUnits")]["MaxCapacity"] == 50
    gsi_target = found[(f"table/{table}/index/{GSI}", "dynamodb:index:WriteCapacityUnits")]
    assert (gsi_target["MinCapacity"], gsi_target["MaxCapacity"]) == (2, 20)
    names = {p["PolicyName"]: p for p in policies(aas, table)}
    assert set(names) == {
        f"DynamoDBReadCapacityUtilization:table/{table}",
        f"DynamoDBWriteCapacityUtilization:table/{table}/index/{GSI}",
    }
    config = names[f"DynamoDBReadCapacityUtilization:table/{table}"][
        "TargetTrackingScalingPolicyConfiguration"
    ]
    assert config["TargetValue"] == 60.0
    assert (config["ScaleInCooldown"], config["ScaleOutCooldown"]) == (120, 30)

    # Editing keeps the policy (same name), changes target and range.
    await services.execute(
        await services.capacity.plan_enable_autoscaling(table, "read", 10, 80, 75.0)
    )
    state = await services.capacity.state(table)
    read = state.table_resource.read_scaling
    assert read is not None and (read.min_capacity, read.max_capacity) == (10, 80)
    assert len(read.policies) == 1 and read.policies[0].target_value == 75.0

    with pytest.raises(CapacityRuleError, match="target utilisation"):
        await services.capacity.plan_enable_autoscaling(table, "read", 5, 50, 95.0)
    with pytest.raises(CapacityRuleError, match="min <= max"):
        await services.capacity.plan_enable_autoscaling(table, "read", 50, 5)

    await services.execute(await services.capacity.plan_disable_autoscaling(table, "read"))
    await services.execute(
        await services.capacity.plan_disable_autoscaling(table, "write", gsi=GSI)
    )
    assert targets(aas, table) == {} and policies(aas, table) == []
    with pytest.raises(CapacityRuleError, match="nothing to disable"):
        await services.capacity.plan_disable_autoscaling(table, "read")


async def test_on_demand_maximum(services: Services, ddb: Any) -> None:
    table = make_table(ddb, on_demand=True)
    plan = await services.capacity.plan_update_on_demand_max(table, 100, NO_MAXIMUM)
    assert plan[0].params == {
        "TableName": table,
        "OnDemandThroughput": {"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": -1},
    }
    gsi_plan = await services.capacity.plan_update_on_demand_max(table, None, 50, gsi=GSI)
    await services.execute(gsi_plan)
    assert gsi_plan[0].params["GlobalSecondaryIndexUpdates"] == [
        {"Update": {"IndexName": GSI, "OnDemandThroughput": {"MaxWriteRequestUnits": 50}}}
    ]
    with pytest.raises(CapacityRuleError, match="at least 1"):
        await services.capacity.plan_update_on_demand_max(table, 0, None)
    with pytest.raises(CapacityRuleError, match="already on-demand"):
        await services.capacity.plan_switch_to_on_demand(table)
    with pytest.raises(CapacityRuleError, match="is on-demand"):
        await services.capacity.plan_enable_autoscaling(table, "read")


async def test_changed_plan_is_not_sent(
    services: Services, ddb: Any, aas: Any, moto_server: MotoProcess
) -> None:
    table = make_table(ddb)
    shown = await services.capacity.plan_switch_to_on_demand(table)
    add_autoscaling(aas, table)  # someone adds auto scaling meanwhile: the plan grows
    moto_server.reset_requests()
    with pytest.raises(PlanChanged):
        await services.execute(shown)
    assert writes(moto_server) == []


async def test_read_only_refuses_every_change_with_zero_requests(
    ro_services: Services, moto_server: MotoProcess
) -> None:
    cap = ro_services.capacity
    moto_server.reset_requests()
    changes = [
        cap.plan_switch_to_on_demand("Orders"),
        cap.plan_switch_to_provisioned("Users", Throughput(5, 5)),
        cap.plan_update_throughput("Orders", 6, 6),
        cap.plan_update_on_demand_max("Users", 10, 10),
        cap.plan_enable_autoscaling("Orders", "read"),
        cap.plan_disable_autoscaling("Orders", "read"),
        cap.plan_restore_autoscaling("Orders"),
    ]
    for change in changes:
        with pytest.raises(ReadOnlyViolation):
            await change
    assert moto_server.requests() == []
    # Reading is fine in read-only mode.
    assert (await cap.state("Orders")).billing_mode == "PROVISIONED"


async def test_suggestion_and_cost_from_cloudwatch(
    services: Services, ddb: Any, moto_url: str
) -> None:
    table = make_table(ddb)
    cw = _session().client("cloudwatch", endpoint_url=moto_url)
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)

    def put(metric: str, value: float, index: str | None = None) -> None:
        dims = [{"Name": "TableName", "Value": table}]
        if index:
            dims.append({"Name": "GlobalSecondaryIndexName", "Value": index})
        cw.put_metric_data(
            Namespace="AWS/DynamoDB",
            MetricData=[
                {
                    "MetricName": metric,
                    "Dimensions": dims,
                    "Timestamp": hour + timedelta(minutes=10),
                    "Value": value,
                }
            ],
        )

    put("ConsumedReadCapacityUnits", 36000.0)  # 10 RCU/s over that hour
    put("ConsumedWriteCapacityUnits", 7200.0, GSI)  # 2 WCU/s on the GSI
    usage = await services.capacity.usage(table, days=1)
    assert [r.index for r in usage.resources] == [None, GSI]
    assert max(usage.resources[0].read) == pytest.approx(10.0)
    assert usage.resources[0].hours == 24

    suggestion = await services.capacity.suggest_provisioned(table, usage=usage)
    by_index = {s.index: (s.read, s.write) for s in suggestion}
    # ceil(10 / 0.7) = 15; ceil(2 / 0.7) = 3; no traffic -> 1
    assert by_index == {None: (15, 1), GSI: (1, 3)}

    est = await services.capacity.cost_estimate(table, usage=usage)
    assert est.current == "provisioned-current"
    assert {o.kind for o in est.options} == {
        "on-demand",
        "provisioned-current",
        "provisioned-suggested",
        "autoscaling",
    }
    current = est.option("provisioned-current")
    assert current is not None and current.throttled_hours == 1  # 10 RCU/s > 5 in that hour
    assert est.recommended is not None and est.assumptions


async def test_scaling_activities_where_available(services: Services, ddb: Any) -> None:
    table = make_table(ddb)
    result = await services.capacity.scaling_activities(table)
    # moto (5.2) answers DescribeScalingActivities with a 500: reported, not raised.
    assert result.table == table and result.activities == ()
    assert result.unavailable in (
        None,
        "scaling activities unavailable on this endpoint (HTTP 500)",
    )
