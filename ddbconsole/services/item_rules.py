"""What an item and its key must be before a request is sent: the table's key attributes, their
types and DynamoDB's size limits (moto is looser than DynamoDB, so the console checks them)."""

from __future__ import annotations

from collections.abc import Mapping

from ddbconsole import codec
from ddbconsole.codec import AttributeValue, Item
from ddbconsole.errors import UserInputError
from ddbconsole.models import KeyAttribute, TableInfo

MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024
TYPE_NAMES = {"S": "a string (S)", "N": "a number (N)", "B": "binary (B)"}


def key_schema(table: TableInfo, index: str | None) -> tuple[tuple[KeyAttribute, ...], str | None]:
    """The key attributes (partition first) of the table or one of its indexes, and the index kind
    (GSI, LSI, or None for the table). UserInputError naming the indexes if there is no such index."""
    if index is None:
        return table.keys, None
    try:
        info = table.index(index)
    except KeyError:
        known = ", ".join(i.name for i in table.indexes) or "none"
        raise UserInputError(
            f"No index {index!r} on {table.name}", f"indexes: {known}", code="UnknownIndex"
        ) from None
    return info.keys, info.kind


def key_of(table: TableInfo, item: Mapping[str, AttributeValue]) -> Item:
    """The primary key of `item` (its key attributes, in key schema order)."""
    missing = [k.name for k in table.keys if k.name not in item]
    if missing:
        raise UserInputError(
            f"Missing key attribute{'s' if len(missing) > 1 else ''} " + ", ".join(missing),
            f"every item in {table.name} needs "
            + " and ".join(f"{k.name} ({TYPE_NAMES.get(k.type, k.type)})" for k in table.keys),
            code="MissingKey",
        )
    return {k.name: item[k.name] for k in table.keys}


def validate_key(table: TableInfo, given: Mapping[str, AttributeValue]) -> Item:
    """The primary key `given` by the user, checked for presence and types. Other attributes are
    an error, as in DynamoDB: dropping them would get or delete an item the user did not describe."""
    key = key_of(table, given)
    extra = [name for name in given if name not in key]
    if extra:
        raise UserInputError(
            "The key has attributes that are not part of the table's key: " + ", ".join(extra),
            f"the key of {table.name} is "
            + " and ".join(f"{k.name} ({TYPE_NAMES.get(k.type, k.type)})" for k in table.keys),
            code="KeyExtraAttributes",
        )
    for k in table.keys:
        _check_key_value(k.name, key[k.name], k.type, "as the table's key,")
    return key


def _check_key_value(name: str, value: AttributeValue, wanted: str, where: str) -> None:
    got = codec.type_of(value)
    if got != wanted:
        raise UserInputError(
            f"Key attribute {name!r} has the wrong type",
            f"{where} it must be {TYPE_NAMES.get(wanted, wanted)}, not {TYPE_NAMES.get(got, got)}",
            code="KeyType",
        )
    if wanted in ("S", "B") and len(value[wanted]) == 0:
        raise UserInputError(
            f"Key attribute {name!r} is empty",
            "DynamoDB key values cannot be empty strings or empty binary",
            code="KeyEmpty",
        )


def validate_item(table: TableInfo, item: Mapping[str, AttributeValue]) -> None:
    """Check an item before sending it: key attributes present and typed, index keys typed, size."""
    key_of(table, item)
    roles = {k.name: "the table's key" for k in table.keys}
    for index in table.indexes:
        for k in index.keys:
            roles.setdefault(k.name, f"a key of index {index.name}")
    for name, where in roles.items():
        if name in item:
            wanted = table.attribute_definitions.get(name)
            if wanted:
                _check_key_value(name, item[name], wanted, f"as {where},")
    # Key size limits hold for index keys too (DynamoDB refuses the write, not just the index).
    limits: dict[str, tuple[int, str]] = {}
    for index_name, keys in [(None, table.keys), *((i.name, i.keys) for i in table.indexes)]:
        for k in keys:
            limit = MAX_PARTITION_KEY_BYTES if k.role == "HASH" else MAX_SORT_KEY_BYTES
            what = "partition" if k.role == "HASH" else "sort"
            what += f" key of index {index_name}" if index_name else " key"
            if k.name not in limits or limit < limits[k.name][0]:
                limits[k.name] = (limit, what)
    for name, (limit, what) in limits.items():
        if name in item and (size := codec.value_size(item[name])) > limit:
            raise UserInputError(
                f"Key attribute {name!r} is too long",
                f"{size} bytes; DynamoDB allows {limit} for a {what}",
                code="KeyTooLong",
            )
    size = codec.item_size(item)
    if size > codec.MAX_ITEM_BYTES:
        raise UserInputError(
            "Item too large",
            f"{size:,} bytes; DynamoDB's limit is {codec.MAX_ITEM_BYTES:,} bytes (400 KB)",
            code="ItemTooLarge",
        )


def new_item_template(table: TableInfo) -> Item:
    """A new item holding just the key attributes with empty values of the right types."""
    blank: dict[str, AttributeValue] = {"S": {"S": ""}, "N": {"N": "0"}, "B": {"B": b""}}
    return {k.name: dict(blank.get(k.type, {"S": ""})) for k in table.keys}
