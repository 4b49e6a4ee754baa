"""ItemService against a real moto server: pages, safe writes, conflicts, batch deletes, PartiQL.

moto is looser than DynamoDB, so these tests assert the requests that were sent (parameters through a
botocore hook, arrivals through the server's request log), and inject UnprocessedItems through
botocore hooks so the retry path really runs.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import boto3
import pytest

from ddbconsole import codec
from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import (
    ItemConflict,
    ItemExists,
    ItemMissing,
    ReadOnlyViolation,
    UserInputError,
)
from ddbconsole.models import FilterCondition, QuerySpec, ScanSpec, SortCondition, TableInfo
from ddbconsole.services import Services
from ddbconsole.services import items as items_module
from ddbconsole.services.wire import DynamoDBJSONSerializer, ParserFactory
from tests.conftest import FAST_RETRIES, make_settings

Item = dict[str, Any]


# --- fixtures and helpers ----------------------------------------------------------------------


class Sent:
    """Records every DynamoDB call's operation and parameters as the client builds the request."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def hook(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, copy.deepcopy(params)))

    def ops(self) -> list[str]:
        return [op for op, _ in self.calls]

    def last(self, op: str) -> dict[str, Any]:
        return [p for o, p in self.calls if o == op][-1]

    def clear(self) -> None:
        self.calls.clear()


@pytest.fixture
def boto(moto_url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")


@pytest.fixture
def sent() -> Sent:
    return Sent()


@pytest.fixture
async def svc(moto_url: str, sent: Sent) -> AsyncIterator[Services]:
    s = Services(
        make_settings(moto_url),
        retries=FAST_RETRIES,
        hooks=[("before-parameter-build.dynamodb", sent.hook)],
        oplog_file=False,
    )
    try:
        yield s
    finally:
        await s.close()


def _table(boto: Any, *, sort: str | None = "N", pk_type: str = "S", gsi: bool = True) -> str:
    name = f"items-{uuid.uuid4().hex[:10]}"
    attrs = [{"AttributeName": "pk", "AttributeType": pk_type}]
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    extra: dict[str, Any] = {}
    if sort:
        attrs.append({"AttributeName": "sk", "AttributeType": sort})
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
    if gsi:
        attrs += [
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "day", "AttributeType": "S"},
        ]
        extra["GlobalSecondaryIndexes"] = [
            {
                "IndexName": "ByStatus",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "day", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
        if sort:
            extra["LocalSecondaryIndexes"] = [
                {
                    "IndexName": "ByDay",
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "day", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ]
    boto.create_table(
        TableName=name,
        AttributeDefinitions=attrs,
        KeySchema=schema,
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )
    return name


@pytest.fixture
def table_name(boto: Any) -> Iterator[str]:
    name = _table(boto)
    yield name
    boto.delete_table(TableName=name)


@pytest.fixture
async def table(svc: Services, table_name: str) -> TableInfo:
    return await svc.tables.describe(table_name)


def _put(boto: Any, table: str, item: Item) -> None:
    boto.put_item(TableName=table, Item=item)


def _get(boto: Any, table: str, key: Item) -> Item | None:
    item: Item | None = boto.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return item


def _fill(boto: Any, table: str, n: int, pk: str = "p") -> list[Item]:
    made = []
    for i in range(n):
        item = {
            "pk": {"S": pk},
            "sk": {"N": str(i)},
            "status": {"S": "PAID" if i % 2 else "NEW"},
            "day": {"S": f"2026-01-{i % 28 + 1:02d}"},
            "note": {"S": f"note {i}"},
        }
        _put(boto, table, item)
        made.append(item)
    return made


FIDELITY: Item = {
    "pk": {"S": "fidelity"},
    "sk": {"N": "12345678901234567890123456789012345678"},
    "small": {"N": "0.12345678901234567890123456789012345678"},
    "tiny": {"N": "-1E-130"},
    "huge": {"N": "9.9999999999999999999999999999999999999E+125"},
    "empty": {"S": ""},
    "null": {"NULL": True},
    "flags": {"L": [{"BOOL": True}, {"BOOL": False}]},
    "blob": {"B": b"\x00\xff\x00"},
    "ss": {"SS": ["a", "ü"]},
    "ns": {"NS": ["1", "1.5"]},
    "bs": {"BS": [b"\x01", b"\x02"]},
    "nested": {"M": {"deep": {"L": [{"M": {"x": {"NULL": True}}}]}, "em": {"M": {}}}},
    "uni": {"S": "日本語 🚀"},
}


# --- reads -------------------------------------------------------------------------------------


async def test_get_item(svc: Services, boto: Any, table_name: str, sent: Sent) -> None:
    _put(boto, table_name, FIDELITY)
    key = {"pk": FIDELITY["pk"], "sk": FIDELITY["sk"]}
    got = await svc.items.get_item(table_name, key, consistent=True)
    assert got == FIDELITY
    assert sent.last("GetItem")["ConsistentRead"] is True
    assert await svc.items.get_item(table_name, {"pk": {"S": "nope"}, "sk": {"N": "1"}}) is None


async def test_scan_pages_one_request_each(
    svc: Services, boto: Any, table: TableInfo, moto_server: MotoProcess, sent: Sent
) -> None:
    made = _fill(boto, table.name, 23)
    seen: list[Item] = []
    start: Item | None = None
    pages = 0
    while True:
        moto_server.reset_requests()
        page = await svc.items.scan_page(table, ScanSpec(limit=10), start)
        assert [r["operation"] for r in moto_server.requests()] == ["Scan"]
        pages += 1
        seen.extend(page.items)
        assert page.count == len(page.items) and page.scanned_count == len(page.items)
        assert page.consumed is not None and page.consumed.total is not None
        if not page.has_more:
            break
        start = page.last_evaluated_key
    assert pages == 3
    assert sorted(int(i["sk"]["N"]) for i in seen) == sorted(int(i["sk"]["N"]) for i in made)
    params = sent.last("Scan")
    assert params["ReturnConsumedCapacity"] == "INDEXES" and params["Limit"] == 10


async def test_scan_filters_and_projection_use_placeholders(
    svc: Services, boto: Any, table: TableInfo, sent: Sent
) -> None:
    _fill(boto, table.name, 10)
    _put(boto, table.name, {"pk": {"S": "q"}, "sk": {"N": "1"}, "a.b": {"S": "dotted"}})
    spec = ScanSpec(
        filters=(FilterCondition("a.b", "=", ({"S": "dotted"},)),),
        projection=("pk", "a.b"),
    )
    page = await svc.items.scan_page(table, spec)
    assert page.items == ({"pk": {"S": "q"}, "a.b": {"S": "dotted"}},)
    params = sent.last("Scan")
    assert "dotted" not in params["FilterExpression"] and "a.b" not in params["FilterExpression"]
    assert set(params["ExpressionAttributeNames"].values()) == {"a.b", "pk"}
    assert params["ExpressionAttributeValues"] == {":v0": {"S": "dotted"}}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        (FilterCondition("sk", ">=", ({"N": "7"},)), {7, 8, 9}),
        (FilterCondition("sk", "between", ({"N": "2"}, {"N": "4"})), {2, 3, 4}),
        (FilterCondition("sk", "in", ({"N": "1"}, {"N": "5"})), {1, 5}),
        (FilterCondition("sk", "<>", ({"N": "0"},)), set(range(1, 10))),
        (FilterCondition("note", "begins_with", ({"S": "note 3"},)), {3}),
        (FilterCondition("note", "contains", ({"S": "e 9"},)), {9}),
        (FilterCondition("extra", "attribute_exists"), {4}),
        (FilterCondition("extra", "attribute_not_exists"), set(range(10)) - {4}),
        (FilterCondition("extra", "attribute_type", ({"S": "SS"},)), {4}),
        # moto raises on size() of a missing attribute (DynamoDB says false): size on `note`.
        (FilterCondition("note", ">", ({"N": "6"},), size=True), {4}),
        (
            FilterCondition("note", "between", ({"N": "1"}, {"N": "6"}), size=True),
            set(range(10)) - {4},
        ),
        (FilterCondition(("m", "inner", 0), "=", ({"S": "x"},)), {6}),
    ],
)
async def test_filter_operators(
    svc: Services, boto: Any, table: TableInfo, term: FilterCondition, expected: set[int]
) -> None:
    _fill(boto, table.name, 10)
    boto.update_item(
        TableName=table.name,
        Key={"pk": {"S": "p"}, "sk": {"N": "4"}},
        UpdateExpression="SET extra = :s, note = :n",
        ExpressionAttributeValues={":s": {"SS": ["a", "b"]}, ":n": {"S": "a longer note"}},
    )
    boto.update_item(
        TableName=table.name,
        Key={"pk": {"S": "p"}, "sk": {"N": "6"}},
        UpdateExpression="SET m = :m",
        ExpressionAttributeValues={":m": {"M": {"inner": {"L": [{"S": "x"}]}}}},
    )
    page = await svc.items.scan_page(table, ScanSpec(filters=(term,)))
    assert {int(i["sk"]["N"]) for i in page.items} == expected


async def test_filters_match_any(svc: Services, boto: Any, table: TableInfo) -> None:
    _fill(boto, table.name, 10)
    terms = (
        FilterCondition("sk", "=", ({"N": "1"},)),
        FilterCondition("sk", "=", ({"N": "8"},)),
    )
    page = await svc.items.scan_page(table, ScanSpec(filters=terms, match_any=True))
    assert {int(i["sk"]["N"]) for i in page.items} == {1, 8}


async def test_query_gsi_with_sort_condition_descending(
    svc: Services, boto: Any, table: TableInfo, sent: Sent
) -> None:
    _fill(boto, table.name, 20)
    spec = QuerySpec(
        index="ByStatus",
        partition_value={"S": "PAID"},
        sort=SortCondition("between", {"S": "2026-01-04"}, {"S": "2026-01-12"}),
        ascending=False,
        filters=(FilterCondition("note", "contains", ({"S": "1"},)),),
    )
    page = await svc.items.query_page(table, spec)
    days = [i["day"]["S"] for i in page.items]
    assert days == sorted(days, reverse=True)
    assert all("1" in i["note"]["S"] and i["status"]["S"] == "PAID" for i in page.items)
    assert {int(i["sk"]["N"]) for i in page.items} == {11}
    params = sent.last("Query")
    assert params["IndexName"] == "ByStatus" and params["ScanIndexForward"] is False
    assert params["KeyConditionExpression"] == "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2"
    assert params["ExpressionAttributeNames"]["#n0"] == "status"
    assert "ConsistentRead" not in params


async def test_query_table_begins_with_and_pages(
    svc: Services, boto: Any, table: TableInfo, moto_server: MotoProcess
) -> None:
    _fill(boto, table.name, 12)
    spec = QuerySpec(partition_value={"S": "p"}, sort=SortCondition(">", {"N": "2"}), limit=4)
    moto_server.reset_requests()
    first = await svc.items.query_page(table, spec)
    second = await svc.items.query_page(table, spec, first.last_evaluated_key)
    assert [r["operation"] for r in moto_server.requests()] == ["Query", "Query"]
    assert [int(i["sk"]["N"]) for i in first.items + second.items] == list(range(3, 11))
    lsi = QuerySpec(
        partition_value={"S": "p"},
        index="ByDay",
        sort=SortCondition("begins_with", {"S": "2026-01-0"}),
        consistent=True,
    )
    page = await svc.items.query_page(table, lsi)
    assert page.count == 9


async def test_query_refusals_send_nothing(
    svc: Services, table: TableInfo, moto_server: MotoProcess
) -> None:
    moto_server.reset_requests()
    bad = [
        QuerySpec(index="ByStatus", partition_value={"S": "PAID"}, consistent=True),
        QuerySpec(partition_value={"N": "1"}),
        QuerySpec(partition_value={"S": ""}),
        QuerySpec(partition_value={"S": "p"}, sort=SortCondition("begins_with", {"N": "1"})),
        QuerySpec(partition_value={"S": "p"}, sort=SortCondition("between", {"N": "1"})),
        QuerySpec(index="Nope", partition_value={"S": "p"}),
        QuerySpec(partition_value={"S": "p"}, filters=(FilterCondition("x", "between"),)),
    ]
    messages = []
    for spec in bad:
        with pytest.raises(UserInputError) as err:
            await svc.items.query_page(table, spec)
        messages.append(str(err.value))
    assert "Consistent read is not available on ByStatus" in messages[0]
    assert "must be a string (S), not a number (N)" in messages[1]
    assert "empty" in messages[2]
    assert moto_server.requests() == []


# --- safe writes -------------------------------------------------------------------------------


async def test_put_new_refuses_existing_key(
    svc: Services, boto: Any, table: TableInfo, sent: Sent
) -> None:
    await svc.items.put_new(table, FIDELITY)
    assert _get(boto, table.name, {"pk": FIDELITY["pk"], "sk": FIDELITY["sk"]}) == FIDELITY
    assert "attribute_not_exists" in sent.last("PutItem")["ConditionExpression"]
    other = {**FIDELITY, "empty": {"S": "changed"}}
    with pytest.raises(ItemExists):
        await svc.items.put_new(table, other)
    assert _get(boto, table.name, {"pk": FIDELITY["pk"], "sk": FIDELITY["sk"]}) == FIDELITY


async def test_unchanged_save_sends_nothing(
    svc: Services, boto: Any, table: TableInfo, moto_server: MotoProcess
) -> None:
    _put(boto, table.name, FIDELITY)
    loaded = await svc.items.get_item(table.name, {"pk": FIDELITY["pk"], "sk": FIDELITY["sk"]})
    assert loaded is not None
    # Through the editor: item -> plain text -> item, untouched.
    edited = codec.loads(codec.dumps(loaded))
    moto_server.reset_requests()
    result = await svc.items.save(table, loaded, edited)
    assert not result.written
    assert moto_server.requests() == []


async def test_save_is_one_conditional_update(
    svc: Services, boto: Any, table: TableInfo, moto_server: MotoProcess, sent: Sent
) -> None:
    _put(boto, table.name, FIDELITY)
    new = {k: v for k, v in FIDELITY.items() if k != "null"}
    new["uni"] = {"S": "changed ✓"}
    new["added"] = {"NS": ["12345678901234567890123456789012345678"]}
    moto_server.reset_requests()
    result = await svc.items.save(table, FIDELITY, new)
    assert [r["operation"] for r in moto_server.requests()] == ["UpdateItem"]
    assert result.written and result.operation == "UpdateItem"
    assert codec.same_item(_get(boto, table.name, {"pk": new["pk"], "sk": new["sk"]}) or {}, new)
    params = sent.last("UpdateItem")
    # The condition covers every attribute of what was loaded, through placeholders only.
    assert params["ConditionExpression"].count(" AND ") == len(FIDELITY) - 1
    assert set(params["ExpressionAttributeNames"].values()) >= set(FIDELITY)
    assert "REMOVE" in params["UpdateExpression"] and "SET" in params["UpdateExpression"]
    assert "changed" not in params["UpdateExpression"]


async def test_conflict_carries_the_current_version(
    svc: Services, boto: Any, table: TableInfo, moto_server: MotoProcess, sent: Sent
) -> None:
    _put(boto, table.name, FIDELITY)
    key = {"pk": FIDELITY["pk"], "sk": FIDELITY["sk"]}
    theirs = {**FIDELITY, "ss": {"SS": ["a", "ü", "theirs"]}}
    _put(boto, table.name, theirs)  # someone else saved meanwhile
    mine = {**FIDELITY, "uni": {"S": "mine"}}
    moto_server.reset_requests()
    with pytest.raises(ItemConflict) as err:
        await svc.items.save(table, FIDELITY, mine)
    assert err.value.current == theirs
    assert err.value.original == FIDELITY and err.value.attempted == mine
    assert [r["operation"] for r in moto_server.requests()] == ["UpdateItem", "GetItem"]
    assert sent.last("GetItem")["ConsistentRead"] is True
    assert _get(boto, table.name, key) == theirs  # nothing written
    # The deliberate overwrite: conditional on the version the conflict showed.
    sent.clear()
    result = await svc.items.save(table, err.value.current, mine)
    assert result.written and result.operation == "UpdateItem"
    assert "ConditionExpression" in sent.last("UpdateItem")
    assert _get(boto, table.name, key) == mine


async def test_overwrite_after_a_conflict_never_replaces_an_unseen_version(
    svc: Services, boto: Any, table: TableInfo, moto_server: MotoProcess
) -> None:
    key = {"pk": FIDELITY["pk"], "sk": FIDELITY["sk"]}
    _put(boto, table.name, FIDELITY)
    mine = {**FIDELITY, "uni": {"S": "mine"}}
    _put(boto, table.name, {**FIDELITY, "uni": {"S": "theirs-1"}})
    with pytest.raises(ItemConflict) as first:
        await svc.items.save(table, FIDELITY, mine)
    shown = first.value.current
    assert shown is not None and shown["uni"] == {"S": "theirs-1"}
    # It changes again before the user chooses to overwrite what they were shown.
    second = {**FIDELITY, "uni": {"S": "theirs-2"}}
    _put(boto, table.name, second)
    moto_server.reset_requests()
    with pytest.raises(ItemConflict) as again:
        await svc.items.save(table, shown, mine)
    assert again.value.current == second
    assert [r["operation"] for r in moto_server.requests()] == ["UpdateItem", "GetItem"]
    assert _get(boto, table.name, key) == second
    assert (await svc.items.save(table, second, mine)).written
    assert _get(boto, table.name, key) == mine


async def test_overwrite_of_a_deleted_item_is_conditional_on_it_being_gone(
    svc: Services, boto: Any, table: TableInfo, sent: Sent
) -> None:
    key = {"pk": FIDELITY["pk"], "sk": FIDELITY["sk"]}
    mine = {**FIDELITY, "uni": {"S": "mine"}}
    recreated = {**key, "v": {"S": "recreated"}}
    _put(boto, table.name, recreated)  # the conflict showed it deleted; someone created it again
    with pytest.raises(ItemConflict) as err:
        await svc.items.save(table, None, mine)
    assert err.value.current == recreated and err.value.operation == "PutItem"
    assert "attribute_not_exists" in sent.last("PutItem")["ConditionExpression"]
    assert _get(boto, table.name, key) == recreated
    boto.delete_item(TableName=table.name, Key=key)
    result = await svc.items.save(table, None, mine)
    assert result.written and result.operation == "PutItem"
    assert _get(boto, table.name, key) == mine


async def test_moving_over_a_conflict_is_conditional_on_the_version_shown(
    svc: Services, boto: Any, table: TableInfo, sent: Sent
) -> None:
    a = {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "1"}}
    moved = {**a, "pk": {"S": "m"}}
    _put(boto, table.name, {**a, "v": {"S": "theirs-1"}})
    with pytest.raises(ItemConflict) as first:
        await svc.items.save(table, a, moved)
    second = {**a, "v": {"S": "theirs-2"}}
    _put(boto, table.name, second)
    with pytest.raises(ItemConflict) as again:
        await svc.items.save(table, first.value.current, moved)
    assert again.value.current == second
    delete = sent.last("TransactWriteItems")["TransactItems"][0]["Delete"]
    assert "ConditionExpression" in delete
    assert _get(boto, table.name, {"pk": {"S": "a"}, "sk": {"N": "1"}}) == second
    assert _get(boto, table.name, {"pk": {"S": "m"}, "sk": {"N": "1"}}) is None


async def test_conflict_when_deleted_meanwhile(svc: Services, boto: Any, table: TableInfo) -> None:
    _put(boto, table.name, FIDELITY)
    boto.delete_item(TableName=table.name, Key={"pk": FIDELITY["pk"], "sk": FIDELITY["sk"]})
    with pytest.raises(ItemConflict) as err:
        await svc.items.save(table, FIDELITY, {**FIDELITY, "uni": {"S": "x"}})
    assert err.value.current is None
    assert "deleted" in str(err.value)


async def test_attribute_added_meanwhile_is_kept_and_reported(
    svc: Services, boto: Any, table: TableInfo
) -> None:
    item = {"pk": {"S": "k"}, "sk": {"N": "1"}, "a": {"S": "x"}}
    _put(boto, table.name, item)
    _put(boto, table.name, {**item, "theirs": {"S": "kept"}})
    result = await svc.items.save(table, item, {**item, "a": {"S": "y"}})
    assert result.kept_attributes == ("theirs",)
    assert _get(boto, table.name, {"pk": item["pk"], "sk": item["sk"]}) == {
        **item,
        "a": {"S": "y"},
        "theirs": {"S": "kept"},
    }


async def test_key_change_is_one_transaction(
    svc: Services, boto: Any, table: TableInfo, moto_server: MotoProcess, sent: Sent
) -> None:
    _put(boto, table.name, FIDELITY)
    moved = {**FIDELITY, "sk": {"N": "2"}}
    moto_server.reset_requests()
    result = await svc.items.save(table, FIDELITY, moved)
    assert result.operation == "TransactWriteItems"
    assert [r["operation"] for r in moto_server.requests()] == ["TransactWriteItems"]
    ops = sent.last("TransactWriteItems")["TransactItems"]
    assert [next(iter(op)) for op in ops] == ["Delete", "Put"]
    assert "ConditionExpression" in ops[0]["Delete"] and "ConditionExpression" in ops[1]["Put"]
    assert _get(boto, table.name, {"pk": FIDELITY["pk"], "sk": FIDELITY["sk"]}) is None
    assert _get(boto, table.name, {"pk": moved["pk"], "sk": moved["sk"]}) == moved


async def test_key_change_conflicts(svc: Services, boto: Any, table: TableInfo) -> None:
    a = {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "1"}}
    b = {"pk": {"S": "b"}, "sk": {"N": "1"}, "v": {"S": "b"}}
    _put(boto, table.name, a)
    _put(boto, table.name, b)
    with pytest.raises(ItemExists):  # the new key is taken
        await svc.items.save(table, a, {**a, "pk": {"S": "b"}})
    changed = {**a, "v": {"S": "2"}}
    _put(boto, table.name, changed)
    with pytest.raises(ItemConflict) as err:  # the original changed underneath
        await svc.items.save(table, a, {**a, "pk": {"S": "c"}})
    assert err.value.current == changed
    assert _get(boto, table.name, {"pk": {"S": "a"}, "sk": {"N": "1"}}) == changed
    assert _get(boto, table.name, {"pk": {"S": "b"}, "sk": {"N": "1"}}) == b
    assert _get(boto, table.name, {"pk": {"S": "c"}, "sk": {"N": "1"}}) is None


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"pk": {"S": "x"}}, "Missing key attribute sk"),
        ({"pk": {"N": "1"}, "sk": {"N": "1"}}, "Key attribute 'pk' has the wrong type"),
        ({"pk": {"S": ""}, "sk": {"N": "1"}}, "Key attribute 'pk' is empty"),
        ({"pk": {"S": "x"}, "sk": {"S": "1"}}, "it must be a number (N), not a string (S)"),
        (
            {"pk": {"S": "x"}, "sk": {"N": "1"}, "status": {"N": "1"}},
            "as a key of index ByStatus, it must be a string (S)",
        ),
        ({"pk": {"S": "x" * 2049}, "sk": {"N": "1"}}, "Key attribute 'pk' is too long"),
        (
            {"pk": {"S": "x"}, "sk": {"N": "1"}, "big": {"B": b"\x00" * (400 * 1024)}},
            "Item too large: 409,610 bytes; DynamoDB's limit is 409,600 bytes (400 KB)",
        ),
    ],
)
async def test_validation_before_sending(
    svc: Services, table: TableInfo, moto_server: MotoProcess, item: Item, message: str
) -> None:
    original = {"pk": {"S": "x"}, "sk": {"N": "1"}}
    moto_server.reset_requests()
    for call in (
        svc.items.put_new(table, item),
        svc.items.put(table, item),
        svc.items.save(table, original, item),
    ):
        with pytest.raises(UserInputError) as err:
            await call
        assert message in str(err.value)
    assert moto_server.requests() == []


async def test_binary_and_number_keys(svc: Services, boto: Any) -> None:
    name = _table(boto, sort=None, pk_type="B", gsi=False)
    try:
        info = await svc.tables.describe(name)
        item = {"pk": {"B": b"\x00\x01"}, "v": {"N": "0.12345678901234567890123456789012345678"}}
        await svc.items.put_new(info, item)
        got = await svc.items.get_item(name, {"pk": {"B": b"\x00\x01"}})
        assert got == item
        # ... through the direct attribute-value parser and serializer (services/wire.py)
        client = await svc.session.client("dynamodb")
        assert isinstance(client._endpoint._response_parser_factory, ParserFactory)
        assert isinstance(client._serializer._serializer, DynamoDBJSONSerializer)
        text = codec.dumps(got or {})
        assert '"pk": {"$B": "AAE="}' in text
        assert codec.loads(text) == item
    finally:
        boto.delete_table(TableName=name)


# --- delete ------------------------------------------------------------------------------------


async def test_delete_item(svc: Services, boto: Any, table: TableInfo) -> None:
    _put(boto, table.name, FIDELITY)
    key = {"pk": FIDELITY["pk"], "sk": FIDELITY["sk"]}
    with pytest.raises(ItemConflict):
        await svc.items.delete_item(table.name, key, expected={**FIDELITY, "uni": {"S": "x"}})
    assert _get(boto, table.name, key) == FIDELITY
    old = await svc.items.delete_item(table.name, key, expected=FIDELITY)
    assert old == FIDELITY
    assert _get(boto, table.name, key) is None
    with pytest.raises(ItemMissing):
        await svc.items.delete_item(table.name, key)


# --- batch delete ------------------------------------------------------------------------------


class Unprocessed:
    """Fault injection: DynamoDB leaves some deletes unprocessed. The held-back keys are really not
    sent (a harmless decoy key takes their place) and come back as UnprocessedItems."""

    def __init__(self, table: str, *, per_request: int, times: int | None) -> None:
        self.table = table
        self.per_request = per_request
        self.times = times  # None: for ever
        self.held: list[Item] = []
        self.sizes: list[int] = []
        self.decoys = 0

    def before(self, params: dict[str, Any], **_: Any) -> None:
        requests = params["RequestItems"][self.table]
        self.sizes.append(len(requests))
        self.held = []
        if self.times is not None and self.times <= 0:
            return
        if self.times is not None:
            self.times -= 1
        for request in requests[: self.per_request]:
            self.held.append(request["DeleteRequest"]["Key"])
            self.decoys += 1
            request["DeleteRequest"]["Key"] = {
                "pk": {"S": f"decoy-{self.decoys}"},
                "sk": {"N": "0"},
            }

    def after(self, parsed: dict[str, Any], **_: Any) -> None:
        if self.held:
            parsed["UnprocessedItems"] = {
                self.table: [{"DeleteRequest": {"Key": k}} for k in self.held]
            }

    def hooks(self) -> list[tuple[str, Any]]:
        return [
            ("before-parameter-build.dynamodb.BatchWriteItem", self.before),
            ("after-call.dynamodb.BatchWriteItem", self.after),
        ]


async def test_batch_delete_chunks_of_25(
    svc: Services, boto: Any, table: TableInfo, moto_server: MotoProcess, sent: Sent
) -> None:
    made = _fill(boto, table.name, 60)
    keys = [{"pk": i["pk"], "sk": i["sk"]} for i in made]
    progress: list[tuple[int, int]] = []
    moto_server.reset_requests()
    result = await svc.items.batch_delete(
        table.name, [*keys, keys[0]], lambda d, t: progress.append((d, t))
    )
    assert result.ok and result.requested == 60 and result.succeeded == 60
    # The items are read first for the undo journal (one BatchGetItem), then deleted.
    assert [r["operation"] for r in moto_server.requests()] == ["BatchGetItem"] + [
        "BatchWriteItem"
    ] * 3
    sizes = [len(p["RequestItems"][table.name]) for op, p in sent.calls if op == "BatchWriteItem"]
    assert sizes == [25, 25, 10]
    assert progress == [(25, 60), (50, 60), (60, 60)]
    assert boto.scan(TableName=table.name)["Count"] == 0


async def test_batch_delete_retries_unprocessed_with_backoff(
    moto_url: str,
    boto: Any,
    table: TableInfo,
    moto_server: MotoProcess,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = _fill(boto, table.name, 30)
    keys = [{"pk": i["pk"], "sk": i["sk"]} for i in made]
    fault = Unprocessed(table.name, per_request=7, times=3)
    delays: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(items_module, "_sleep", fake_sleep)
    async with Services(make_settings(moto_url), retries=FAST_RETRIES, hooks=fault.hooks()) as s:
        moto_server.reset_requests()
        result = await s.items.batch_delete(table.name, keys, base_delay=0.1, max_delay=0.3)
    assert result.ok and result.succeeded == 30
    # chunk 1: 25 keys, 7 held back three times, then done; chunk 2: 5 keys at once.
    assert fault.sizes == [25, 7, 7, 7, 5]
    assert result.requests == 5 and result.retries == 3
    ops = [r["operation"] for r in moto_server.requests()]
    assert [op for op in ops if op != "BatchGetItem"] == ["BatchWriteItem"] * 5  # read first
    assert len(delays) == 3
    caps = [0.2, 0.3, 0.3]  # min(max_delay, base * 2**attempt) for attempts 1, 2, 3
    assert all(0 <= d <= cap for d, cap in zip(delays, caps, strict=True))
    assert boto.scan(TableName=table.name)["Count"] == 0


async def test_batch_delete_reports_exactly_which_keys_failed(
    moto_url: str, boto: Any, table: TableInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _fill(boto, table.name, 5)
    keys = [{"pk": i["pk"], "sk": i["sk"]} for i in made]
    fault = Unprocessed(table.name, per_request=2, times=None)

    async def no_sleep(seconds: float) -> None:
        return None

    monkeypatch.setattr(items_module, "_sleep", no_sleep)
    async with Services(make_settings(moto_url), retries=FAST_RETRIES, hooks=fault.hooks()) as s:
        result = await s.items.batch_delete(table.name, keys, max_attempts=4)
    assert not result.ok
    assert [f.key for f in result.failed] == keys[:2]
    assert "4 attempts" in result.failed[0].reason
    assert result.succeeded == 3 and result.requests == 4
    left = boto.scan(TableName=table.name)["Items"]
    assert sorted(int(i["sk"]["N"]) for i in left) == [0, 1]


async def test_batch_delete_missing_table_fails_every_key(svc: Services) -> None:
    keys = [{"pk": {"S": "x"}, "sk": {"N": str(i)}} for i in range(30)]
    result = await svc.items.batch_delete("no-such-table-xyz", keys)
    assert len(result.failed) == 30 and result.succeeded == 0
    assert result.requests == 1
    assert result.failed[-1].reason.startswith("not attempted")


# --- read-only ---------------------------------------------------------------------------------


async def test_read_only_refuses_every_write_before_sending(
    ro_services: Services, boto: Any, table: TableInfo, moto_server: MotoProcess
) -> None:
    _put(boto, table.name, FIDELITY)
    key = {"pk": FIDELITY["pk"], "sk": FIDELITY["sk"]}
    changed = {**FIDELITY, "uni": {"S": "x"}}
    moto_server.reset_requests()
    attempts = [
        ro_services.items.put_new(table, {**FIDELITY, "sk": {"N": "9"}}),
        ro_services.items.put(table, changed),
        ro_services.items.save(table, FIDELITY, changed),
        ro_services.items.save(table, None, changed),
        ro_services.items.delete_item(table.name, key),
        ro_services.items.batch_delete(table.name, [key]),
        ro_services.items.execute_statement(f"DELETE FROM \"{table.name}\" WHERE pk = 'x'"),
    ]
    for attempt in attempts:
        with pytest.raises(ReadOnlyViolation) as err:
            await attempt
        assert err.value.exit_code == 3
    assert moto_server.requests() == []
    assert _get(boto, table.name, key) == FIDELITY
    # Reads still work.
    assert await ro_services.items.get_item(table.name, key) == FIDELITY


# --- PartiQL -----------------------------------------------------------------------------------


async def test_partiql_select_insert_and_read_only(
    svc: Services, ro_services: Services, boto: Any, table: TableInfo, moto_server: MotoProcess
) -> None:
    _fill(boto, table.name, 3)
    # (moto answers 500 to parameters in INSERT, so this one is literal)
    insert = f"INSERT INTO \"{table.name}\" VALUE {{'pk': 'partiql', 'sk': 7}}"
    await svc.items.execute_statement(insert)
    assert _get(boto, table.name, {"pk": {"S": "partiql"}, "sk": {"N": "7"}}) is not None
    page = await svc.items.execute_statement(f'SELECT * FROM "{table.name}"')
    assert page.count == 4 and len(page.items) == 4

    moto_server.reset_requests()
    with pytest.raises(ReadOnlyViolation):
        await ro_services.items.execute_statement(insert)
    assert moto_server.requests() == []
    page = await ro_services.items.execute_statement(f'SELECT * FROM "{table.name}"')
    assert page.count == 4
    assert [r["operation"] for r in moto_server.requests()] == ["ExecuteStatement"]


async def test_partiql_history_is_lazy_bounded_and_deduplicated(
    svc: Services, table: TableInfo
) -> None:
    from ddbconsole.locations import state_dir

    history = svc.items.history
    assert not history.path.exists()  # nothing is created before the first statement
    history.limit = 3
    select = f'SELECT * FROM "{table.name}"'
    for n in range(5):
        await svc.items.execute_statement(f"{select} WHERE pk = ?", [{"S": f"p{n}"}])
    await svc.items.execute_statement(f"{select} WHERE pk = ?", [{"S": "p3"}])
    await svc.items.execute_statement(f"{select} WHERE pk = ?", [{"B": b"\x00"}])
    assert history.path.parent == state_dir()
    records = history.load()
    assert [r.parameters for r in records] == [({"B": b"\x00"},), ({"S": "p3"},), ({"S": "p4"},)]
    assert all(json.loads(line) for line in history.path.read_text().splitlines())
    # Asking for a further page (next_token) does not add an entry.
    await svc.items.execute_statement(select, next_token="a-token")  # (moto ignores the token)
    assert len(history.load()) == 3


async def test_statement_history_file_not_created_at_import(tmp_path: Any) -> None:
    from ddbconsole.services.items import StatementHistory

    history = StatementHistory(tmp_path / "sub" / "h.jsonl")
    assert history.load() == []
    assert not (tmp_path / "sub").exists()
    history.add("SELECT 1", [{"N": "12345678901234567890123456789012345678"}])
    assert history.load()[0].parameters == ({"N": "12345678901234567890123456789012345678"},)
