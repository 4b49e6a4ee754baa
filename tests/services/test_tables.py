from __future__ import annotations

import uuid

import boto3
import pytest

from ddbconsole.errors import NotFound
from ddbconsole.services import Services


async def test_list_tables_includes_demo_tables(services: Services) -> None:
    names = await services.tables.list_table_names()
    assert {"Users", "Orders"} <= set(names)


async def test_list_tables_paginates_over_hundreds(services: Services, moto_url: str) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    prefix = f"many-{uuid.uuid4().hex[:6]}-"
    for i in range(230):
        client.create_table(
            TableName=f"{prefix}{i:03d}",
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    try:
        pages = [page async for page in services.tables.iter_table_names()]
        names = [n for page in pages for n in page]
        assert len(pages) >= 3  # 100 per ListTables page
        assert all(len(p) <= 100 for p in pages)
        assert sum(1 for n in names if n.startswith(prefix)) == 230
        assert len(names) == len(set(names))
    finally:
        for i in range(230):
            client.delete_table(TableName=f"{prefix}{i:03d}")


async def test_describe_orders_reports_everything(services: Services) -> None:
    info = await services.tables.describe("Orders")
    assert [(k.name, k.type, k.role) for k in info.keys] == [
        ("PK", "S", "HASH"),
        ("SK", "S", "RANGE"),
    ]
    assert info.billing_mode == "PROVISIONED"
    assert info.provisioned is not None and (info.provisioned.read, info.provisioned.write) == (
        5,
        5,
    )
    gsi = info.index("ByStatus")
    assert gsi.kind == "GSI" and gsi.projection == "INCLUDE"
    assert set(gsi.projected_attributes) == {"OrderId", "Total"}
    assert [k.name for k in gsi.keys] == ["Status", "OrderDate"]
    lsi = info.index("ByDate")
    assert lsi.kind == "LSI" and lsi.projection == "ALL"
    assert info.item_count >= 0
    assert info.stream_enabled and info.stream_view_type == "NEW_AND_OLD_IMAGES"
    assert info.tags.get("app") == "demo"
    assert info.attribute_definitions["OrderDate"] == "S"


async def test_describe_users_ttl_pitr(services: Services) -> None:
    info = await services.tables.describe("Users")
    assert info.billing_mode == "PAY_PER_REQUEST"
    assert info.provisioned is None
    assert info.ttl_status == "ENABLED" and info.ttl_attribute == "ExpiresAt"
    assert info.pitr_status == "ENABLED"
    assert info.deletion_protection is False
    assert info.table_class == "STANDARD"
    assert info.unavailable == {}


async def test_describe_missing_table_is_a_friendly_error(services: Services) -> None:
    with pytest.raises(NotFound) as err:
        await services.tables.describe("NoSuchTable")
    assert err.value.code == "ResourceNotFoundException"
    assert "region" in err.value.advice
