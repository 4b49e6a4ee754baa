"""terraform apply against the moto server, read back through ddbconsole's own services, destroy.

One deployment (module-scoped) in its own region with unique names, so the demo-seeded tables of the
shared moto server are untouched. The tests run in file order; the last one destroys.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError

from ddbconsole.config import Profile, Settings, parse_config
from ddbconsole.errors import NotFound, ReadOnlyViolation
from ddbconsole.models import ScalingSide
from ddbconsole.services import Services
from ddbconsole.services.readonly import ALLOWED_OPERATIONS, PARTIQL_OPERATIONS
from tests.conftest import FAST_RETRIES
from tests.infra.conftest import Terraform, build_writer_zip

REGION = "eu-central-1"
ACCOUNT = "123456789012"  # moto's default account
TAGS = {"app": "users", "team": "platform", "env": "infra-test"}

# The on-call policy must hold exactly ddbconsole's read-only allow-list. IAM names most actions
# after the API operation; these differ:
#   TransactGetItems has no action of its own: DynamoDB authorises each item read as GetItem.
#   PartiQL ExecuteStatement / BatchExecuteStatement / ExecuteTransaction are allowed read-only only
#   for SELECT statements (readonly.check), and IAM authorises a PartiQL SELECT as PartiQLSelect
#   (INSERT/UPDATE/DELETE would need PartiQLInsert/PartiQLUpdate/PartiQLDelete).
#   DynamoDB Streams' operations (the dynamodbstreams API) are IAM actions of dynamodb.
IAM_ACTION_FOR = {
    ("dynamodb", "TransactGetItems"): "dynamodb:GetItem",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    **{("dynamodb", op): "dynamodb:PartiQLSelect" for op in PARTIQL_OPERATIONS},
    **{
        ("dynamodbstreams", op): f"dynamodb:{op}"
        for op in ALLOWED_OPERATIONS.get("dynamodbstreams", ())
    },
}
NEEDS_NO_POLICY = {("sts", "GetCallerIdentity")}  # always allowed: it reads nothing
ACCOUNT_LEVEL_DYNAMODB = {
    "dynamodb:ListBackups",
    "dynamodb:ListExports",
    "dynamodb:ListImports",
    "dynamodb:ListStreams",
    "dynamodb:ListTables",
    "dynamodb:DescribeLimits",
    "dynamodb:DescribeEndpoints",
    "dynamodb:ListContributorInsights",
}
STREAM_ACTIONS = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}
WRITE_ACTION = re.compile(
    r":(Put|Update|Delete|Create|BatchWrite|Tag|Untag|Restore|Import|Export|Enable|Disable|"
    r"Register|Deregister|Set|Start|Stop|Purchase|ConditionCheck|PartiQL(Insert|Update|Delete))"
)


def expected_oncall_actions() -> set[str]:
    return {
        IAM_ACTION_FOR.get((service, op), f"{service}:{op}")
        for service, ops in ALLOWED_OPERATIONS.items()
        for op in ops
        if (service, op) not in NEEDS_NO_POLICY
    }


@dataclass
class Deployment:
    tf: Terraform
    url: str
    prefix: str
    table: str
    zip_path: Path
    outputs: dict[str, Any]

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.url, region_name=REGION)

    def services(self, *, read_only: bool = False, role_arn: str | None = None) -> Services:
        profile = Profile(name="infra", region=REGION, endpoint_url=self.url, role_arn=role_arn)
        settings = Settings(profiles={"infra": profile}, profile=profile, read_only=read_only)
        return Services(settings, retries=FAST_RETRIES)


@pytest.fixture(scope="module")
def deployed(
    tf_factory: Callable[..., Terraform], moto_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    prefix = f"ddbc{uuid.uuid4().hex[:6]}"
    table = f"{prefix}-Users"
    zip_path = build_writer_zip(tmp_path_factory.mktemp("writer-zip"))
    tf = tf_factory(
        "deploy",
        moto_url=moto_server.url,
        region=REGION,
        name_prefix=prefix,
        table_name=table,
        billing_mode="PROVISIONED",
        deletion_protection=True,
        tags=TAGS,
        alarm_email="oncall@example.com",
        oncall_principal_arns=[f"arn:aws:iam::{ACCOUNT}:role/pager"],
        sample_writer_zip=zip_path,
        ddbconsole_endpoint_url=moto_server.url,
    )
    deployment = Deployment(tf, moto_server.url, prefix, table, zip_path, {})
    assert moto_server.alive(), "the session's moto server is not running"
    try:
        tf.apply()
        raw = json.loads(tf.run("output", "-json").stdout)
        deployment.outputs = {name: value["value"] for name, value in raw.items()}
        yield deployment
    finally:
        # Whatever happened, leave nothing behind (nothing to do once the destroy test has run).
        if tf.run("state", "list", check=False).stdout.strip():
            off = tf.var_args(deletion_protection=False)
            tf.run("apply", "-auto-approve", "-no-color", *off, check=False)
            tf.run("destroy", "-auto-approve", "-no-color", *off, check=False)


@pytest.fixture
async def svc(deployed: Deployment) -> AsyncIterator[Services]:
    async with deployed.services(read_only=True) as services:
        yield services


def _policy_document(iam: Any, policy_arn: str) -> dict[str, Any]:
    version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    doc = iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)["PolicyVersion"][
        "Document"
    ]
    return doc if isinstance(doc, dict) else json.loads(doc)


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for st in doc["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        out.append({**st, "Action": sorted(actions), "Resource": sorted(resources)})
    return out


def _role_policy(deployed: Deployment, role_arn: str) -> list[dict[str, Any]]:
    iam = deployed.client("iam")
    name = role_arn.rsplit("/", 1)[-1]
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert len(attached) == 1, attached
    return _statements(_policy_document(iam, attached[0]["PolicyArn"]))


# --- the deployment as Terraform sees it ------------------------------------------------------


def test_second_plan_is_empty(deployed: Deployment) -> None:
    proc = deployed.tf.run(
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        *deployed.tf.var_args(),
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_outputs(deployed: Deployment) -> None:
    out = deployed.outputs
    table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{deployed.table}"
    assert out["table_names"] == [deployed.table]
    assert out["table_arns"] == {deployed.table: table_arn}
    iam = deployed.client("iam")
    for key, role in (
        ("operator_role_arn", f"{deployed.prefix}-operator"),
        ("oncall_role_arn", f"{deployed.prefix}-oncall-readonly"),
        ("sample_writer_role_arn", f"{deployed.prefix}-users-writer-lambda"),
    ):
        assert out[key] == iam.get_role(RoleName=role)["Role"]["Arn"]
    assert out["sample_writer_function_name"] == f"{deployed.prefix}-users-writer"


# --- read back through ddbconsole's services -------------------------------------------------


async def test_table_as_deployed(deployed: Deployment, svc: Services) -> None:
    info = await svc.tables.describe(deployed.table)
    assert info.unavailable == {}
    assert info.arn == deployed.outputs["table_arns"][deployed.table]
    assert [(k.name, k.type, k.role) for k in info.keys] == [("UserId", "S", "HASH")]
    assert info.billing_mode == "PROVISIONED"
    assert info.provisioned is not None
    assert (info.provisioned.read, info.provisioned.write) == (5, 5)
    assert info.pitr_status == "ENABLED"
    assert (info.ttl_status, info.ttl_attribute) == ("ENABLED", "ExpiresAt")
    assert info.deletion_protection is True
    assert info.tags == TAGS
    assert info.indexes == ()


async def test_autoscaling_as_deployed(deployed: Deployment, svc: Services) -> None:
    scaling = await svc.autoscaling.for_table(deployed.table)
    assert scaling.enabled
    assert sorted((t.resource_id, t.side) for t in scaling.targets) == [
        (f"table/{deployed.table}", "read"),
        (f"table/{deployed.table}", "write"),
    ]
    sides: list[tuple[ScalingSide, str]] = [
        ("read", "DynamoDBReadCapacityUtilization"),
        ("write", "DynamoDBWriteCapacityUtilization"),
    ]
    for side, metric in sides:
        target = scaling.target(side)
        assert target is not None
        assert (target.min_capacity, target.max_capacity) == (5, 100)
        assert target.index_name is None and target.suspended == ()
        assert len(target.policies) == 1
        policy = target.target_tracking
        assert policy is not None
        assert policy.name == f"{deployed.table}-{side}-target-tracking"
        assert (policy.target_value, policy.predefined_metric) == (70.0, metric)
        assert policy.disable_scale_in is False


async def test_alarms_as_deployed(deployed: Deployment, svc: Services) -> None:
    topic = deployed.outputs["alarm_topic_arn"]
    alarms = {a.name: a for a in await svc.alarms.for_table(deployed.table)}
    ours = {name: a for name, a in alarms.items() if not a.managed_by_autoscaling}
    t = deployed.table
    expected = {
        f"{t}-consumed-read-capacity-high",
        f"{t}-consumed-write-capacity-high",
        f"{t}-read-throttles",
        f"{t}-write-throttles",
        f"{t}-system-errors",
    }
    assert set(ours) == expected == set(deployed.outputs["alarm_names"])
    for alarm in ours.values():
        assert alarm.alarm_actions == (topic,) and alarm.ok_actions == (topic,)
        assert alarm.actions_enabled and alarm.comparison == "GreaterThanThreshold"
        assert all(m.dimensions["TableName"] == t for m in alarm.metrics)
        assert all(m.period == 60 for m in alarm.metrics)
    for side in ("Read", "Write"):
        consumed = ours[f"{t}-consumed-{side.lower()}-capacity-high"]
        assert consumed.threshold == 80.0 and consumed.evaluation_periods == 5
        assert consumed.expression == "100 * (consumed / PERIOD(consumed)) / provisioned"
        assert {(m.query_id, m.name, m.stat) for m in consumed.metrics} == {
            ("consumed", f"Consumed{side}CapacityUnits", "Sum"),
            ("provisioned", f"Provisioned{side}CapacityUnits", "Average"),
        }
        throttles = ours[f"{t}-{side.lower()}-throttles"]
        assert [(m.name, m.stat) for m in throttles.metrics] == [(f"{side}ThrottleEvents", "Sum")]
        assert throttles.threshold == 0.0 and throttles.expression is None
    errors = ours[f"{t}-system-errors"]
    assert errors.expression == "SUM(METRICS())"
    assert {m.name for m in errors.metrics} == {"SystemErrors"}
    assert {m.dimensions["Operation"] for m in errors.metrics} == {
        "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchWriteItem"
    }  # fmt: skip
    subscriptions = deployed.client("sns").list_subscriptions_by_topic(TopicArn=topic)
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions["Subscriptions"]] == [
        ("email", "oncall@example.com")
    ]


# --- IAM ---------------------------------------------------------------------------------------


def test_oncall_policy_is_exactly_the_read_only_allow_list(deployed: Deployment) -> None:
    statements = _role_policy(deployed, deployed.outputs["oncall_role_arn"])
    assert all(st["Effect"] == "Allow" for st in statements)
    actions = {a for st in statements for a in st["Action"]}
    assert actions == expected_oncall_actions()
    # ...which grants no write: no write verb, no wildcard, no PartiQL but SELECT.
    assert [a for a in actions if WRITE_ACTION.search(a) or "*" in a] == []
    assert {a for a in actions if "PartiQL" in a} == {"dynamodb:PartiQLSelect"}
    # Table reads are scoped to the managed table and its indexes, stream reads to its streams;
    # backup, export and import reads to its backups and exports and the imports into tables
    # named after it.
    table_arn = deployed.outputs["table_arns"][deployed.table]
    bucket_arn = f"arn:aws:s3:::{deployed.outputs['exports_bucket']}"
    for st in statements:
        scoped = [a for a in st["Action"] if a.startswith("dynamodb:")]
        if any(a not in ACCOUNT_LEVEL_DYNAMODB for a in scoped):
            if set(scoped) <= STREAM_ACTIONS:
                assert st["Resource"] == [f"{table_arn}/stream/*"]
            else:
                assert st["Resource"] in (
                    [table_arn, f"{table_arn}/index/*"],
                    [f"{table_arn}/backup/*", f"{table_arn}/export/*"],
                    [f"{table_arn}-*/import/*"],
                ), st
        if any(a.startswith("s3:") for a in st["Action"]):
            assert st["Resource"] in ([bucket_arn], [f"{bucket_arn}/*"]), st


def test_operator_policy_is_scoped_to_the_managed_tables(deployed: Deployment) -> None:
    statements = _role_policy(deployed, deployed.outputs["operator_role_arn"])
    table_arn = deployed.outputs["table_arns"][deployed.table]
    actions = {a for st in statements for a in st["Action"]}
    assert not [a for a in actions if "*" in a]
    assert expected_oncall_actions() <= actions  # an operator can do all on-call can
    assert {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:UpdateTable",
        "dynamodb:UpdateTimeToLive",
        "dynamodb:UpdateContinuousBackups",
        "dynamodb:TagResource",
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:PutScalingPolicy",
    } <= actions
    assert {
        "dynamodb:CreateBackup",
        "dynamodb:DeleteBackup",
        "dynamodb:RestoreTableFromBackup",
        "dynamodb:RestoreTableToPointInTime",
        "dynamodb:ExportTableToPointInTime",
        "dynamodb:ImportTable",
        "s3:PutObject",
    } <= actions
    bucket_arn = f"arn:aws:s3:::{deployed.outputs['exports_bucket']}"
    for st in statements:
        table_actions = [
            a for a in st["Action"] if a.startswith("dynamodb:") and a not in ACCOUNT_LEVEL_DYNAMODB
        ]
        if table_actions and set(table_actions) <= STREAM_ACTIONS:
            assert st["Resource"] == [f"{table_arn}/stream/*"], st
        elif table_actions:
            # The managed table (and indexes, backups, exports), or the tables named after it
            # that a restore or an import creates.
            assert st["Resource"] in (
                [table_arn, f"{table_arn}/index/*"],
                [table_arn],
                [f"{table_arn}/backup/*", f"{table_arn}/export/*"],
                [f"{table_arn}-*", f"{table_arn}-*/index/*"],
                [f"{table_arn}-*/import/*"],
            ), st
        if any(a.startswith("s3:") for a in st["Action"]):
            assert st["Resource"] in ([bucket_arn], [f"{bucket_arn}/*"]), st
        if "*" in st["Resource"]:
            writes = [a for a in st["Action"] if WRITE_ACTION.search(a)]
            assert writes == [] or all(a.startswith("application-autoscaling:") for a in writes)
        if "cloudwatch:PutMetricAlarm" in st["Action"]:
            assert st["Resource"] == [
                f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:TargetTracking-table/{deployed.table}-*"
            ]


def test_trust_policies(deployed: Deployment) -> None:
    iam = deployed.client("iam")

    def principals(role: str) -> list[Any]:
        doc = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        doc = doc if isinstance(doc, dict) else json.loads(doc)
        return [(st["Action"], st["Principal"]) for st in doc["Statement"]]

    assert principals(f"{deployed.prefix}-operator") == [
        ("sts:AssumeRole", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    ]
    assert principals(f"{deployed.prefix}-oncall-readonly") == [
        ("sts:AssumeRole", {"AWS": f"arn:aws:iam::{ACCOUNT}:role/pager"})
    ]
    assert principals(f"{deployed.prefix}-users-writer-lambda") == [
        ("sts:AssumeRole", {"Service": "lambda.amazonaws.com"})
    ]


def test_sample_writer_deployed_with_least_privilege(deployed: Deployment) -> None:
    fn = deployed.client("lambda").get_function(
        FunctionName=deployed.outputs["sample_writer_function_name"]
    )["Configuration"]
    assert (fn["Runtime"], fn["Handler"]) == ("python3.12", "users_writer.handler")
    assert fn["Environment"]["Variables"] == {"TABLE_NAME": deployed.table}
    assert fn["Role"] == deployed.outputs["sample_writer_role_arn"]
    digest = base64.b64encode(hashlib.sha256(deployed.zip_path.read_bytes()).digest()).decode()
    assert fn["CodeSha256"] == digest  # the zip built by this test, not a committed one
    iam = deployed.client("iam")
    role = deployed.outputs["sample_writer_role_arn"].rsplit("/", 1)[-1]
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["users-item-crud"]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    doc = iam.get_role_policy(RoleName=role, PolicyName="users-item-crud")["PolicyDocument"]
    statements = {
        st["Sid"]: st for st in _statements(doc if isinstance(doc, dict) else json.loads(doc))
    }
    table_arn = deployed.outputs["table_arns"][deployed.table]
    assert statements["UsersItemCrud"]["Action"] == [
        "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"
    ]  # fmt: skip
    assert statements["UsersItemCrud"]["Resource"] == [table_arn]
    log_group = (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{deployed.prefix}-users-writer:*"
    )
    assert statements["OwnLogs"]["Resource"] == [log_group]
    assert set(statements) == {"UsersItemCrud", "OwnLogs"}


# --- the profile snippet -----------------------------------------------------------------------


async def test_profile_snippet_is_a_working_ddbconsole_config(deployed: Deployment) -> None:
    config = parse_config(
        yaml.safe_load(deployed.outputs["ddbconsole_profiles"]), "terraform output"
    )
    profiles = config["profiles"]
    assert set(profiles) == {f"{deployed.prefix}-operator", f"{deployed.prefix}-oncall"}
    oncall = profiles[f"{deployed.prefix}-oncall"]
    operator = profiles[f"{deployed.prefix}-operator"]
    assert (oncall.role_arn, oncall.read_only) == (deployed.outputs["oncall_role_arn"], True)
    assert (operator.role_arn, operator.read_only) == (deployed.outputs["operator_role_arn"], False)
    assert oncall.region == operator.region == REGION
    assert oncall.endpoint_url == deployed.url and oncall.aws_profile is None

    # Connect as each profile says (assuming its role through STS) and use the table.
    settings = Settings(profiles=profiles, profile=Profile()).with_profile(operator)
    async with Services(settings, retries=FAST_RETRIES) as services:
        await services.session.call(
            "dynamodb", "put_item", TableName=deployed.table, Item={"UserId": {"S": "via-operator"}}
        )
    settings = Settings(profiles=profiles, profile=Profile()).with_profile(oncall)
    async with Services(settings, retries=FAST_RETRIES) as services:
        assert services.read_only
        info = await services.tables.describe(deployed.table)
        assert info.item_count >= 0 and info.unavailable == {}
        item = await services.session.call(
            "dynamodb", "get_item", TableName=deployed.table, Key={"UserId": {"S": "via-operator"}}
        )
        assert item["Item"]["UserId"] == {"S": "via-operator"}
        with pytest.raises(ReadOnlyViolation):
            await services.session.call(
                "dynamodb", "delete_item", TableName=deployed.table, Key={"UserId": {"S": "x"}}
            )
    assert deployed.client("sts").get_caller_identity()["Account"] == ACCOUNT


# --- destroy (last) ---------------------------------------------------------------------------


async def test_destroy_removes_the_table_and_everything_else(deployed: Deployment) -> None:
    tf = deployed.tf
    tf.apply(deletion_protection=False)  # protection is on: lift it first, as the README says
    async with deployed.services() as services:
        assert (await services.tables.describe(deployed.table)).deletion_protection is False
        tf.destroy(deletion_protection=False)
        with pytest.raises(NotFound):
            await services.tables.describe(deployed.table)
        assert deployed.table not in await services.tables.list_table_names()
        scaling = await services.autoscaling.for_table(deployed.table, index_names=[])
        assert scaling.targets == ()
        alarms = await services.alarms.for_table(deployed.table)
        assert [a.name for a in alarms if not a.managed_by_autoscaling] == []
    iam = deployed.client("iam")
    for role in ("operator", "oncall-readonly", "users-writer-lambda"):
        with pytest.raises(ClientError):
            iam.get_role(RoleName=f"{deployed.prefix}-{role}")
    with pytest.raises(ClientError):
        deployed.client("lambda").get_function(FunctionName=f"{deployed.prefix}-users-writer")
    # The demo-seeded tables of the shared moto server were never touched.
    demo = boto3.client("dynamodb", endpoint_url=deployed.url, region_name="us-east-1")
    assert {"Users", "Orders"} <= set(demo.list_tables()["TableNames"])
    assert json.loads(tf.run("show", "-json").stdout).get("values") is None  # empty state
