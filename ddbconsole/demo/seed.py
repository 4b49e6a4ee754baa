"""Seed data for the demo: `Users` (on-demand) and `Orders` (provisioned 5/5, GSI + LSI, auto scaling).

Items use every DynamoDB type: 38-digit numbers, string/number/binary sets, binary, nested maps and
lists, NULL, booleans and empty strings. Deterministic (seeded RNG), so the demo looks the same each run.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ddbconsole.demo.server import DEMO_REGION

USERS = "Users"
ORDERS = "Orders"
N_USERS = 120
N_ORDERS = 300

_FIRST = [
    "Ada",
    "Grace",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Édouard",
    "Zoë",
]
_LAST = [
    "Lovelace",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Ø",
    "李",
]
_PRODUCTS = ["keyboard", "monitor", "cable", "dock", "headset", "chair", "lamp", "mouse"]
_STATUSES = ["PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"]


def user_items(rng: random.Random) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(N_USERS):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        item: dict[str, Any] = {
            "UserId": f"user-{i:04d}",
            "Name": f"{first} {last}",
            "Email": f"{first.lower()}.{i}@example.com",
            "CreatedAt": (base + timedelta(hours=rng.randint(0, 8000))).isoformat(),
            "Active": rng.random() > 0.2,
            "LoginCount": rng.randint(0, 5000),
            "Balance": Decimal(f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}"),
            "Roles": {"reader"} | ({"admin"} if i % 7 == 0 else set()),
            "Address": {
                "Street": f"{rng.randint(1, 999)} Main St",
                "City": rng.choice(["Lisbon", "Oslo", "Kyoto", "Austin", "Zürich"]),
                "Geo": [
                    Decimal(str(round(rng.uniform(-90, 90), 6))),
                    Decimal(str(round(rng.uniform(-180, 180), 6))),
                ],
            },
            "Nickname": "" if i % 5 == 0 else first.lower(),
            "ExpiresAt": int((base + timedelta(days=400 + i)).timestamp()),
        }
        if i % 3 == 0:
            item["Avatar"] = bytes(rng.getrandbits(8) for _ in range(24))
        if i % 4 == 0:
            item["ManagerId"] = None
        if i % 6 == 0:
            item["Scores"] = {Decimal(rng.randint(1, 100)) for _ in range(3)}
        if i % 10 == 0:
            item["Fingerprints"] = {bytes([i % 256, 1, 2]), bytes([i % 256, 3, 4])}
        items.append(item)
    # The fidelity showcase: the edges that lossy tools break.
    items.append(
        {
            "UserId": "user-fidelity",
            "Name": "Fidelity check ✓",
            "BigNumber": Decimal("12345678901234567890123456789012345678"),
            "SmallNumber": Decimal("0.12345678901234567890123456789012345678"),
            "Negative": Decimal("-1E-130"),
            "Huge": Decimal("9.9999999999999999999999999999999999999E+125"),
            "EmptyString": "",
            "Nothing": None,
            "Flags": [True, False, None],
            "Blob": b"\x00\xffbinary\x00",
            "Tags": {"a", "b", "ü"},
            "Numbers": {
                Decimal("1"),
                Decimal("1.5"),
                Decimal("12345678901234567890123456789012345678"),
            },
            "Blobs": {b"\x01", b"\x02\x03"},
            "Nested": {
                "L": [{"M": {"deep": [Decimal("1"), "two", {"three": None}]}}],
                "EmptyMap": {},
                "EmptyList": [],
            },
            "Unicode": "日本語 – emoji 🚀",
        }
    )
    return items


def order_items(rng: random.Random) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    base = datetime(2026, 6, 1, tzinfo=UTC)
    for i in range(N_ORDERS):
        user = f"user-{rng.randint(0, 39):04d}"
        when = base + timedelta(minutes=rng.randint(0, 200000))
        lines: list[dict[str, Any]] = [
            {
                "Sku": rng.choice(_PRODUCTS),
                "Qty": rng.randint(1, 4),
                "Price": Decimal(f"{rng.randint(5, 500)}.99"),
            }
            for _ in range(rng.randint(1, 3))
        ]
        total = sum((line["Price"] * line["Qty"] for line in lines), Decimal(0))
        items.append(
            {
                "PK": f"USER#{user}",
                "SK": f"ORDER#{when:%Y%m%dT%H%M%S}#{i:04d}",
                "OrderId": f"o-{i:05d}",
                "Status": rng.choice(_STATUSES),
                "OrderDate": when.date().isoformat(),
                "Total": total,
                "Lines": lines,
                "Gift": rng.random() < 0.1,
                "Note": "" if i % 9 else "leave at the door",
                "Coupons": {"WELCOME"}
                if i % 11 == 0
                else {"WELCOME", "SPRING"}
                if i % 13 == 0
                else None,
            }
        )
        if items[-1]["Coupons"] is None:
            del items[-1]["Coupons"]
    return items


def create_tables(ddb: Any) -> None:
    ddb.create_table(
        TableName=USERS,
        AttributeDefinitions=[{"AttributeName": "UserId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "UserId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "app", "Value": "demo"}, {"Key": "owner", "Value": "platform"}],
    )
    ddb.create_table(
        TableName=ORDERS,
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
            {"AttributeName": "Status", "AttributeType": "S"},
            {"AttributeName": "OrderDate", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByStatus",
                "KeySchema": [
                    {"AttributeName": "Status", "KeyType": "HASH"},
                    {"AttributeName": "OrderDate", "KeyType": "RANGE"},
                ],
                "Projection": {
                    "ProjectionType": "INCLUDE",
                    "NonKeyAttributes": ["OrderId", "Total"],
                },
                "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "ByDate",
                "KeySchema": [
                    {"AttributeName": "PK", "KeyType": "HASH"},
                    {"AttributeName": "OrderDate", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        Tags=[{"Key": "app", "Value": "demo"}],
    )
    ddb.update_time_to_live(
        TableName=USERS, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ExpiresAt"}
    )
    ddb.update_continuous_backups(
        TableName=USERS, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )


def add_target_tracking(
    aas: Any,
    table: str,
    indexes: tuple[str, ...] = (),
    *,
    scale_in_cooldown: int = 60,
    scale_out_cooldown: int = 60,
) -> None:
    """Target tracking at 70% (min 5, max 100) on read and write of a table and its GSIs, as the
    AWS console sets it up. Used by the demo and by tests that need a table with auto scaling."""
    resources = [(f"table/{table}", "table")]
    resources += [(f"table/{table}/index/{index}", "index") for index in indexes]
    for resource, kind in resources:
        for side in ("Read", "Write"):
            dimension = f"dynamodb:{kind}:{side}CapacityUnits"
            aas.register_scalable_target(
                ServiceNamespace="dynamodb",
                ResourceId=resource,
                ScalableDimension=dimension,
                MinCapacity=5,
                MaxCapacity=100,
            )
            aas.put_scaling_policy(
                PolicyName=f"{resource.replace('/', '-')}-{side.lower()}-target-tracking",
                ServiceNamespace="dynamodb",
                ResourceId=resource,
                ScalableDimension=dimension,
                PolicyType="TargetTrackingScaling",
                TargetTrackingScalingPolicyConfiguration={
                    "TargetValue": 70.0,
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": f"DynamoDB{side}CapacityUtilization"
                    },
                    "ScaleInCooldown": scale_in_cooldown,
                    "ScaleOutCooldown": scale_out_cooldown,
                },
            )


DEMO_BUCKET = "ddbconsole-demo-exports"


def seed(endpoint_url: str) -> None:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="demo", aws_secret_access_key="demo", region_name=DEMO_REGION
    )
    ddb = session.client("dynamodb", endpoint_url=endpoint_url)
    aas = session.client("application-autoscaling", endpoint_url=endpoint_url)
    create_tables(ddb)
    add_target_tracking(aas, ORDERS, ("ByStatus",))
    rng = random.Random(20261126)
    resource = session.resource("dynamodb", endpoint_url=endpoint_url)
    for table_name, items in ((USERS, user_items(rng)), (ORDERS, order_items(rng))):
        with resource.Table(table_name).batch_writer() as writer:
            for item in items:
                writer.put_item(Item=item)
    # A bucket for DynamoDB's export to S3 and import from S3 (Users has PITR on).
    session.client("s3", endpoint_url=endpoint_url).create_bucket(Bucket=DEMO_BUCKET)
