"""The Plans of item writes (every change is a Plan, shown before it is sent): create, save,
key change, delete, batch delete and PartiQL statements, with the exact requests ItemService sends,
built with the same expression code (services/expressions.py, boto3's condition builder).

A failed condition is turned into what it means (ItemExists, ItemConflict with the server's current
item, ItemMissing) by the plan's `failed`, so nothing is ever written over a version the user has
not seen.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ddbconsole import codec
from ddbconsole.codec import AttributeValue, Item
from ddbconsole.errors import (
    AwsError,
    ConditionFailed,
    DdbConsoleError,
    ItemConflict,
    ItemExists,
    ItemMissing,
    UserInputError,
)
from ddbconsole.models import PlannedRequest, SaveResult, TableInfo
from ddbconsole.services.expressions import (
    Expressions,
    check_length,
    equals_all,
    exists,
    not_exists,
)
from ddbconsole.services.item_rules import key_of
from ddbconsole.services.plans import Plan

if TYPE_CHECKING:
    from ddbconsole.services.items import ItemService

DDB = "dynamodb"
BATCH_SIZE = 25  # BatchWriteItem's limit
UNCHANGED = "the item still as loaded (ConditionExpression: every attribute as shown)"


def _request(operation: str, params: dict[str, Any]) -> PlannedRequest:
    return PlannedRequest(DDB, operation, params)


def _journal(
    service: ItemService, table: str, key: Item, before: Item | None, after: Item | None, op: str
) -> None:
    """Keep the write's images in the undo journal (services/journal.py), if there is one."""
    journal = getattr(service, "journal", None)
    if journal is not None:
        journal.record(table, key, before, after, op)


def put_new(service: ItemService, table: TableInfo, item: Mapping[str, AttributeValue]) -> Plan:
    """PutItem conditional on the key being free; ItemExists if it is taken."""
    expr = Expressions()
    condition = not_exists(expr, table.partition_key.name)
    params = {
        "TableName": table.name,
        "Item": dict(item),
        "ConditionExpression": condition,
        **expr.params(),
    }

    async def failed(exc: DdbConsoleError) -> BaseException:
        if isinstance(exc, ConditionFailed):
            return ItemExists(table.name, key_of(table, item), operation="PutItem")
        return exc

    async def created(responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
        _journal(service, table.name, key_of(table, item), None, dict(item), "PutItem")
        return responses

    return Plan(
        f"Create this item in {table.name}?",
        (_request("PutItem", params),),
        checks=("the key is still free (ConditionExpression)",),
        then=("the page is reloaded",),
        confirm_label="Create",
        done="Item created",
        failed=failed,
        after=created,
    )


def put(table: TableInfo, item: Mapping[str, AttributeValue]) -> Plan:
    """PutItem replacing any item with the same key (like `aws dynamodb put-item`)."""
    return Plan(
        f"Put this item into {table.name} (replacing any item with its key)?",
        (_request("PutItem", {"TableName": table.name, "Item": dict(item)}),),
        confirm_label="Put",
        done="Item written",
    )


def save(
    service: ItemService,
    table: TableInfo,
    original: Mapping[str, AttributeValue] | None,
    new: Mapping[str, AttributeValue],
) -> Plan | None:
    """The save of an edited item (see ItemService.save); None when there is nothing to write."""
    if original is None:
        return recreate(service, table, new)
    if codec.same_item(original, new):
        return None
    old_key, new_key = key_of(table, original), key_of(table, new)
    if not codec.same_item(old_key, new_key):
        return move(service, table, original, new, new_key)
    expr = Expressions()
    condition = equals_all(expr, original)
    sets = [
        f"{expr.name(n)} = {expr.value(v)}"
        for n, v in new.items()
        if n not in old_key and (n not in original or not codec.same_value(original[n], v))
    ]
    removes = [expr.name(n) for n in original if n not in new]
    update = " ".join(
        part
        for part in (
            "SET " + ", ".join(sets) if sets else "",
            "REMOVE " + ", ".join(removes) if removes else "",
        )
        if part
    )
    if not update:
        return None
    params = {
        "TableName": table.name,
        "Key": old_key,
        "UpdateExpression": check_length(update, "update expression"),
        "ConditionExpression": condition,
        "ReturnValues": "ALL_NEW",
        **expr.params(),
    }

    async def failed(exc: DdbConsoleError) -> BaseException:
        if isinstance(exc, ConditionFailed):
            return await service.conflict(table, original, new, "UpdateItem")
        return exc

    async def result(responses: list[dict[str, Any]]) -> SaveResult:
        stored: Item = responses[0].get("Attributes") or dict(new)
        _journal(service, table.name, old_key, dict(original), stored, "UpdateItem")
        kept = tuple(n for n in stored if n not in new)
        return SaveResult(written=True, item=stored, operation="UpdateItem", kept_attributes=kept)

    return Plan(
        f"Save this item in {table.name}?",
        (_request("UpdateItem", params),),
        checks=(UNCHANGED,),
        then=("the page is reloaded",),
        confirm_label="Save",
        done="Item saved",
        failed=failed,
        after=result,
    )


def recreate(service: ItemService, table: TableInfo, new: Mapping[str, AttributeValue]) -> Plan:
    """Save over an item that was deleted: a put conditional on its key still being free. If
    someone created it again, that is a conflict (with their item), not ItemExists."""
    plan = put_new(service, table, new)

    async def failed(exc: DdbConsoleError) -> BaseException:
        if isinstance(exc, ConditionFailed):
            return await service.conflict(table, None, new, "PutItem")
        return exc

    async def result(responses: list[dict[str, Any]]) -> SaveResult:
        _journal(service, table.name, key_of(table, new), None, dict(new), "PutItem")
        return SaveResult(written=True, item=dict(new), operation="PutItem")

    return Plan(
        f"Create this item again in {table.name}?",
        plan.requests,
        checks=plan.checks,
        then=plan.then,
        confirm_label="Save",
        done="Item saved",
        failed=failed,
        after=result,
    )


def move(
    service: ItemService,
    table: TableInfo,
    original: Mapping[str, AttributeValue],
    new: Mapping[str, AttributeValue],
    new_key: Item,
) -> Plan:
    """A key change: delete the original (if unchanged) + put the new item (if its key is free),
    in one TransactWriteItems."""
    delete_expr, put_expr = Expressions(), Expressions()
    delete: dict[str, Any] = {
        "TableName": table.name,
        "Key": key_of(table, original),
        "ConditionExpression": equals_all(delete_expr, original),
        **delete_expr.params(),
    }
    put_params: dict[str, Any] = {
        "TableName": table.name,
        "Item": dict(new),
        "ConditionExpression": not_exists(put_expr, table.partition_key.name),
        **put_expr.params(),
    }
    params = {
        "TransactItems": [{"Delete": delete}, {"Put": put_params}],
        "ClientRequestToken": uuid.uuid4().hex,
    }

    async def failed(exc: DdbConsoleError) -> BaseException:
        if not isinstance(exc, AwsError) or exc.code != "TransactionCanceledException":
            return exc
        from ddbconsole.services.items import cancellation_codes

        codes = cancellation_codes(exc)
        if codes and codes[0] == "ConditionalCheckFailed":
            return await service.conflict(table, original, new, "TransactWriteItems")
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            return ItemExists(table.name, new_key, operation="TransactWriteItems")
        return exc

    async def result(responses: list[dict[str, Any]]) -> SaveResult:
        op = "TransactWriteItems"
        _journal(service, table.name, key_of(table, original), dict(original), None, op)
        _journal(service, table.name, new_key, None, dict(new), op)
        return SaveResult(written=True, item=dict(new), operation=op)

    return Plan(
        f"Change the key of this item in {table.name}?",
        (_request("TransactWriteItems", params),),
        checks=(UNCHANGED, "the new key is free"),
        then=("the page is reloaded",),
        confirm_label="Save",
        done="Item saved",
        failed=failed,
        after=result,
    )


def delete_item(
    service: ItemService,
    table: str,
    key: Mapping[str, AttributeValue],
    expected: Mapping[str, AttributeValue] | None,
) -> Plan:
    """DeleteItem returning the old item; conditional on every attribute of `expected` (or, without
    it, on the item existing)."""
    if not key:
        raise UserInputError("Missing key", "give the item's key attributes")
    expr = Expressions()
    condition = equals_all(expr, expected) if expected else exists(expr, next(iter(key)))
    params = {
        "TableName": table,
        "Key": dict(key),
        "ConditionExpression": condition,
        "ReturnValues": "ALL_OLD",
        **expr.params(),
    }

    async def failed(exc: DdbConsoleError) -> BaseException:
        if not isinstance(exc, ConditionFailed):
            return exc
        current = await service.get_item(table, key, consistent=True) if expected else None
        if current is None:
            return ItemMissing(table, dict(key), operation="DeleteItem")
        return ItemConflict(
            table, original=dict(expected or {}), attempted={}, current=current,
            operation="DeleteItem",
        )  # fmt: skip

    async def result(responses: list[dict[str, Any]]) -> Item:
        old: Item = responses[0].get("Attributes") or {}
        if old:
            _journal(service, table, dict(key), old, None, "DeleteItem")
        return old

    return Plan(
        f"Delete this item from {table}?",
        (_request("DeleteItem", params),),
        checks=(UNCHANGED if expected else "the item exists (ConditionExpression)",),
        then=("the page is reloaded",),
        confirm_label="Delete",
        done="Item deleted",
        failed=failed,
        after=result,
    )


def unique_keys(keys: Sequence[Mapping[str, AttributeValue]]) -> list[Item]:
    """The keys without duplicates, in order (a batch sends each key once)."""
    unique: dict[Any, Item] = {}
    for key in keys:
        unique.setdefault(codec.canonical({"M": dict(key)}), dict(key))
    return list(unique.values())


def batch_requests(table: str, keys: Sequence[Item]) -> list[PlannedRequest]:
    """The BatchWriteItem requests deleting `keys`, 25 keys each, as first sent."""
    return [
        _request(
            "BatchWriteItem",
            {"RequestItems": {table: [{"DeleteRequest": {"Key": k}} for k in keys[i : i + 25]]}},
        )
        for i in range(0, len(keys), BATCH_SIZE)
    ]


def statement_params(
    statement: str,
    parameters: Sequence[AttributeValue] = (),
    next_token: str | None = None,
    *,
    limit: int | None = None,
    consistent: bool = False,
) -> dict[str, Any]:
    """The ExecuteStatement parameters, exactly as sent."""
    if not statement.strip():
        raise UserInputError("Empty statement", "type a PartiQL statement, e.g. SELECT * FROM t")
    params: dict[str, Any] = {"Statement": statement, "ReturnConsumedCapacity": "TOTAL"}
    if parameters:
        params["Parameters"] = list(parameters)
    if next_token:
        params["NextToken"] = next_token
    if limit is not None:
        params["Limit"] = limit
    if consistent:
        params["ConsistentRead"] = True
    return params
