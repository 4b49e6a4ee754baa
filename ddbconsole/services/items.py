"""Items: get, scan and query one page (one request) at a time, safe writes, batch delete, PartiQL.

Items are DynamoDB's wire form (see ddbconsole/codec.py), so nothing is converted on the way through.
Every expression is built with placeholders only (services/expressions.py).

Writes never silently overwrite: a create is conditional on the key not existing; a save is
conditional on every attribute being what was loaded, and an overwrite after a conflict on the
version the user was shown there (ItemConflict carries the server's current version, read
consistently). An unchanged save sends nothing; a key change is a delete + put in one transaction.
Batch deletes go 25 keys per BatchWriteItem and retry UnprocessedItems with exponential
backoff and full jitter, then report exactly which keys failed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ddbconsole import codec
from ddbconsole.codec import AttributeValue, Item
from ddbconsole.errors import (
    AwsError,
    ConditionFailed,
    ItemConflict,
    ItemExists,
    ItemMissing,
    ReadOnlyViolation,
    UserInputError,
)
from ddbconsole.models import (
    AttributePath,
    BatchResult,
    ConsumedCapacity,
    FailedKey,
    KeyAttribute,
    Page,
    QuerySpec,
    SaveResult,
    ScanSpec,
    SortCondition,
    TableInfo,
)
from ddbconsole.services.expressions import (
    COMPARISONS,
    Expressions,
    check_length,
    equals_all,
    exists,
    filter_expression,
    not_exists,
    projection_expression,
)
from ddbconsole.services.partiql_history import StatementHistory
from ddbconsole.services.retry import THROTTLE_CODES
from ddbconsole.services.retry import backoff as _backoff
from ddbconsole.services.session import AwsSession

BATCH_SIZE = 25  # BatchWriteItem's limit
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024
TYPE_NAMES = {"S": "a string (S)", "N": "a number (N)", "B": "binary (B)"}

ProgressCallback = Callable[[int, int], object]
_sleep = asyncio.sleep  # the backoff's sleep (tests replace it to record the delays)


# --- validation -----------------------------------------------------------------------------------


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


def _consumed(raw: Any) -> ConsumedCapacity | None:
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if not isinstance(raw, dict):
        return None
    indexes: dict[str, float] = {}
    for group in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        for name, part in (raw.get(group) or {}).items():
            indexes[name] = float(part.get("CapacityUnits", 0))

    def num(value: Any) -> float | None:
        return None if value is None else float(value)

    return ConsumedCapacity(
        total=num(raw.get("CapacityUnits")),
        read=num(raw.get("ReadCapacityUnits")),
        write=num(raw.get("WriteCapacityUnits")),
        table=num((raw.get("Table") or {}).get("CapacityUnits")),
        indexes=indexes,
    )


def _page(resp: Mapping[str, Any]) -> Page:
    items = tuple(resp.get("Items", ()))
    return Page(
        items=items,
        count=int(resp.get("Count", len(items))),
        scanned_count=resp.get("ScannedCount"),
        last_evaluated_key=resp.get("LastEvaluatedKey"),
        consumed=_consumed(resp.get("ConsumedCapacity")),
    )


def _cancellation_codes(exc: BaseException) -> list[str]:
    cause = exc.__cause__
    response: dict[str, Any] = getattr(cause, "response", None) or {}
    return [str(r.get("Code", "None")) for r in response.get("CancellationReasons") or []]


# --- the service ----------------------------------------------------------------------------------


class ItemService:
    def __init__(self, session: AwsSession, *, history: StatementHistory | None = None) -> None:
        self._session = session
        self.history = history or StatementHistory()

    # -- plumbing

    async def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        return await self._session.call("dynamodb", operation, **params)

    def _check_writable(self, operation: str) -> None:
        # The client hook is the guarantee; this only refuses before any pre-read is sent.
        if self._session.read_only:
            raise ReadOnlyViolation("dynamodb", operation)

    # -- reads

    async def get_item(
        self,
        table: str,
        key: Mapping[str, AttributeValue],
        *,
        consistent: bool = False,
        projection: Sequence[AttributePath] = (),
    ) -> Item | None:
        """The item with this key, or None. One GetItem."""
        params: dict[str, Any] = {
            "TableName": table,
            "Key": dict(key),
            "ConsistentRead": consistent,
        }
        if projection:
            expr = Expressions()
            params["ProjectionExpression"] = projection_expression(expr, projection)
            params.update(expr.params())
        resp = await self._call("get_item", **params)
        item: Item | None = resp.get("Item")
        return item

    def _read_params(
        self,
        table: TableInfo | str,
        index: str | None,
        consistent: bool,
        limit: int | None,
        start_key: Mapping[str, AttributeValue] | None,
    ) -> dict[str, Any]:
        name = table if isinstance(table, str) else table.name
        if index is not None and not isinstance(table, str):
            _, kind = key_schema(table, index)
            if consistent and kind == "GSI":
                raise UserInputError(
                    f"Consistent read is not available on {index}",
                    "global secondary indexes are eventually consistent; turn consistent read off "
                    "or read the table or a local index",
                    code="ConsistentReadOnGsi",
                )
        params: dict[str, Any] = {"TableName": name, "ReturnConsumedCapacity": "INDEXES"}
        if index is not None:
            params["IndexName"] = index
        if consistent:
            params["ConsistentRead"] = True
        if limit is not None:
            if limit < 1:
                raise UserInputError("Invalid page size", "the limit must be at least 1")
            params["Limit"] = limit
        if start_key:
            params["ExclusiveStartKey"] = dict(start_key)
        return params

    async def scan_page(
        self,
        table: TableInfo | str,
        spec: ScanSpec = ScanSpec(),  # noqa: B008 - frozen dataclass
        start_key: Mapping[str, AttributeValue] | None = None,
    ) -> Page:
        """One Scan request: a page of items and what it cost. Pass `last_evaluated_key` back."""
        params = self._read_params(table, spec.index, spec.consistent, spec.limit, start_key)
        expr = Expressions()
        filter_expr = filter_expression(expr, spec.filters, spec.match_any)
        if filter_expr:
            params["FilterExpression"] = filter_expr
        if spec.projection:
            params["ProjectionExpression"] = projection_expression(expr, spec.projection)
        if spec.total_segments is not None:
            params["Segment"] = spec.segment or 0
            params["TotalSegments"] = spec.total_segments
        params.update(expr.params())
        return _page(await self._call("scan", **params))

    async def query_page(
        self,
        table: TableInfo,
        spec: QuerySpec,
        start_key: Mapping[str, AttributeValue] | None = None,
    ) -> Page:
        """One Query request on the table or an index. Refuses consistent reads on a GSI."""
        from boto3.dynamodb.conditions import Key

        params = self._read_params(table, spec.index, spec.consistent, spec.limit, start_key)
        keys, _ = key_schema(table, spec.index)
        pk = keys[0]
        _check_key_value(pk.name, spec.partition_value, pk.type, "for this query")
        expr = Expressions()
        conditions = [Key(expr.alias(pk.name)).eq(spec.partition_value)]
        if spec.sort is not None:
            sk = keys[1] if len(keys) > 1 else None
            if sk is None:
                where = spec.index or table.name
                raise UserInputError(
                    f"{where} has no sort key", "remove the sort key condition", code="NoSortKey"
                )
            conditions.append(_sort_condition(Key(expr.alias(sk.name)), sk, spec.sort))
        params["KeyConditionExpression"] = expr.join(conditions, key=True)
        filter_expr = filter_expression(expr, spec.filters, spec.match_any)
        if filter_expr:
            params["FilterExpression"] = filter_expr
        if spec.projection:
            params["ProjectionExpression"] = projection_expression(expr, spec.projection)
        if not spec.ascending:
            params["ScanIndexForward"] = False
        params.update(expr.params())
        return _page(await self._call("query", **params))

    # -- writes

    async def put_new(self, table: TableInfo, item: Mapping[str, AttributeValue]) -> None:
        """Create an item; ItemExists (nothing written) if an item with its key is already there."""
        self._check_writable("PutItem")
        validate_item(table, item)
        expr = Expressions()
        condition = not_exists(expr, table.partition_key.name)
        try:
            await self._call(
                "put_item",
                TableName=table.name,
                Item=dict(item),
                ConditionExpression=condition,
                **expr.params(),
            )
        except ConditionFailed:
            raise ItemExists(table.name, key_of(table, item), operation="PutItem") from None

    async def put(self, table: TableInfo, item: Mapping[str, AttributeValue]) -> None:
        """Write an item, replacing any item with the same key (like `aws dynamodb put-item`)."""
        self._check_writable("PutItem")
        validate_item(table, item)
        await self._call("put_item", TableName=table.name, Item=dict(item))

    async def save(
        self,
        table: TableInfo,
        original: Mapping[str, AttributeValue] | None,
        new: Mapping[str, AttributeValue],
    ) -> SaveResult:
        """Save an edited item, conditional on the server still holding `original`.

        `original` is what the user loaded or, after a conflict, the server's version they chose
        to overwrite (None: the item was deleted, so the write is conditional on it still being
        absent). If it no longer holds, ItemConflict carries the newer version and nothing is
        written: no write ever replaces a version the user has not seen.

        Sends nothing when `new` equals `original`. Otherwise one UpdateItem (SET changed, REMOVE
        dropped attributes) conditional on every attribute of `original`; an attribute someone else
        added meanwhile is kept and reported in `kept_attributes`. A changed key is one
        TransactWriteItems: delete the original (same condition) + put the new item (if its key is
        free). Raises ItemConflict (with the server's current item) or ItemExists.
        """
        self._check_writable("UpdateItem")
        validate_item(table, new)
        if original is None:
            return await self._recreate(table, new)
        if codec.same_item(original, new):
            return SaveResult(written=False, item=dict(original))
        old_key, new_key = key_of(table, original), key_of(table, new)
        if not codec.same_item(old_key, new_key):
            return await self._move(table, original, new, old_key, new_key)
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
            return SaveResult(written=False, item=dict(original))
        try:
            resp = await self._call(
                "update_item",
                TableName=table.name,
                Key=old_key,
                UpdateExpression=check_length(update, "update expression"),
                ConditionExpression=condition,
                ReturnValues="ALL_NEW",
                **expr.params(),
            )
        except ConditionFailed:
            raise await self._conflict(table, original, new, "UpdateItem") from None
        stored: Item = resp.get("Attributes") or dict(new)
        kept = tuple(n for n in stored if n not in new)
        return SaveResult(written=True, item=stored, operation="UpdateItem", kept_attributes=kept)

    async def _recreate(self, table: TableInfo, new: Mapping[str, AttributeValue]) -> SaveResult:
        """Save over an item that was deleted: a put conditional on its key still being free. If
        someone created it again, that is a conflict (with their item), not ItemExists."""
        try:
            await self.put_new(table, new)
        except ItemExists:
            raise await self._conflict(table, None, new, "PutItem") from None
        return SaveResult(written=True, item=dict(new), operation="PutItem")

    async def _move(
        self,
        table: TableInfo,
        original: Mapping[str, AttributeValue],
        new: Mapping[str, AttributeValue],
        old_key: Item,
        new_key: Item,
    ) -> SaveResult:
        delete_expr, put_expr = Expressions(), Expressions()
        delete: dict[str, Any] = {
            "TableName": table.name,
            "Key": old_key,
            "ConditionExpression": equals_all(delete_expr, original),
            **delete_expr.params(),
        }
        put: dict[str, Any] = {
            "TableName": table.name,
            "Item": dict(new),
            "ConditionExpression": not_exists(put_expr, table.partition_key.name),
            **put_expr.params(),
        }
        try:
            await self._call(
                "transact_write_items",
                TransactItems=[{"Delete": delete}, {"Put": put}],
                ClientRequestToken=uuid.uuid4().hex,
            )
        except AwsError as exc:
            if exc.code != "TransactionCanceledException":
                raise
            codes = _cancellation_codes(exc)
            if codes and codes[0] == "ConditionalCheckFailed":
                raise await self._conflict(table, original, new, "TransactWriteItems") from None
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise ItemExists(table.name, new_key, operation="TransactWriteItems") from None
            raise
        return SaveResult(written=True, item=dict(new), operation="TransactWriteItems")

    async def _conflict(
        self,
        table: TableInfo,
        original: Mapping[str, AttributeValue] | None,
        new: Mapping[str, AttributeValue],
        operation: str,
    ) -> ItemConflict:
        key = key_of(table, original if original is not None else new)
        current = await self.get_item(table.name, key, consistent=True)
        return ItemConflict(
            table.name,
            original=dict(original or {}),
            attempted=dict(new),
            current=current,
            operation=operation,
        )

    async def delete_item(
        self,
        table: str,
        key: Mapping[str, AttributeValue],
        *,
        expected: Mapping[str, AttributeValue] | None = None,
    ) -> Item:
        """Delete one item and return it. ItemMissing if it is not there; with `expected`, also
        ItemConflict (nothing deleted) if it no longer equals `expected`."""
        self._check_writable("DeleteItem")
        if not key:
            raise UserInputError("Missing key", "give the item's key attributes")
        expr = Expressions()
        condition = equals_all(expr, expected) if expected else exists(expr, next(iter(key)))
        try:
            resp = await self._call(
                "delete_item",
                TableName=table,
                Key=dict(key),
                ConditionExpression=condition,
                ReturnValues="ALL_OLD",
                **expr.params(),
            )
        except ConditionFailed:
            current = await self.get_item(table, key, consistent=True) if expected else None
            if current is None:
                raise ItemMissing(table, dict(key), operation="DeleteItem") from None
            raise ItemConflict(
                table,
                original=dict(expected or {}),
                attempted={},
                current=current,
                operation="DeleteItem",
            ) from None
        old: Item = resp.get("Attributes") or {}
        return old

    async def batch_delete(
        self,
        table: str,
        keys: Sequence[Mapping[str, AttributeValue]],
        progress_cb: ProgressCallback | None = None,
        *,
        max_attempts: int = 8,
        base_delay: float = 0.05,
        max_delay: float = 5.0,
    ) -> BatchResult:
        """Delete many items: BatchWriteItem in chunks of 25, UnprocessedItems retried with
        exponential backoff and full jitter (at most `max_attempts` requests per chunk).

        Returns which keys failed and why; never raises for per-key failures. `progress_cb(done,
        total)` is called after every request. Duplicate keys are sent once.
        """
        self._check_writable("BatchWriteItem")
        unique: dict[Any, Item] = {}
        for key in keys:
            unique.setdefault(codec._canonical({"M": dict(key)}), dict(key))
        pending_keys = list(unique.values())
        total = len(pending_keys)
        done = requests = retries = 0
        failed: list[FailedKey] = []
        chunks = [pending_keys[i : i + BATCH_SIZE] for i in range(0, total, BATCH_SIZE)]
        for number, chunk in enumerate(chunks):
            pending = chunk
            attempt = 0
            while pending:
                attempt += 1
                try:
                    requests += 1
                    resp = await self._call(
                        "batch_write_item",
                        RequestItems={table: [{"DeleteRequest": {"Key": k}} for k in pending]},
                    )
                except AwsError as exc:
                    if exc.code in THROTTLE_CODES and attempt < max_attempts:
                        retries += 1
                        await _sleep(_backoff(attempt, base_delay, max_delay))
                        continue
                    reason = str(exc)
                    failed.extend(FailedKey(k, reason) for k in pending)
                    if exc.code not in THROTTLE_CODES:
                        # Not transient (permissions, validation, missing table): stop here.
                        rest = [k for c in chunks[number + 1 :] for k in c]
                        failed.extend(FailedKey(k, f"not attempted: {reason}") for k in rest)
                        return BatchResult(total, done, tuple(failed), requests, retries)
                    break
                unprocessed = [
                    r["DeleteRequest"]["Key"]
                    for r in (resp.get("UnprocessedItems") or {}).get(table, [])
                ]
                done += len(pending) - len(unprocessed)
                if progress_cb is not None:
                    progress_cb(done, total)
                if not unprocessed:
                    break
                if attempt >= max_attempts:
                    failed.extend(
                        FailedKey(k, f"still unprocessed after {attempt} attempts (throttled)")
                        for k in unprocessed
                    )
                    break
                retries += 1
                await _sleep(_backoff(attempt, base_delay, max_delay))
                pending = unprocessed
        return BatchResult(total, done, tuple(failed), requests, retries)

    # -- PartiQL

    async def execute_statement(
        self,
        statement: str,
        parameters: Sequence[AttributeValue] = (),
        next_token: str | None = None,
        *,
        limit: int | None = None,
        consistent: bool = False,
        remember: bool = True,
    ) -> Page:
        """One ExecuteStatement request. The first page of a statement is added to the history.

        In read-only mode the client hook lets only SELECT through (ReadOnlyViolation otherwise).
        """
        if not statement.strip():
            raise UserInputError(
                "Empty statement", "type a PartiQL statement, e.g. SELECT * FROM t"
            )
        if next_token is None and remember:
            await asyncio.to_thread(self.history.add, statement, parameters)
        params: dict[str, Any] = {"Statement": statement, "ReturnConsumedCapacity": "TOTAL"}
        if parameters:
            params["Parameters"] = list(parameters)
        if next_token:
            params["NextToken"] = next_token
        if limit is not None:
            params["Limit"] = limit
        if consistent:
            params["ConsistentRead"] = True
        resp = await self._call("execute_statement", **params)
        items = tuple(resp.get("Items", ()))
        return Page(
            items=items,
            count=len(items),
            next_token=resp.get("NextToken"),
            consumed=_consumed(resp.get("ConsumedCapacity")),
        )


def _sort_condition(key: Any, attr: KeyAttribute, cond: SortCondition) -> Any:
    _check_key_value(attr.name, cond.value, attr.type, "in the sort key condition")
    if cond.op == "between":
        if cond.value2 is None:
            raise UserInputError("Incomplete sort key condition", "between needs two values")
        _check_key_value(attr.name, cond.value2, attr.type, "in the sort key condition")
        return key.between(cond.value, cond.value2)
    if cond.op == "begins_with":
        if attr.type == "N":
            raise UserInputError(
                "begins_with does not apply to numbers", f"{attr.name} is a number sort key"
            )
        return key.begins_with(cond.value)
    method = COMPARISONS.get(cond.op)
    if method is None:
        raise UserInputError("Invalid sort key condition", f"unknown operator {cond.op!r}")
    return getattr(key, method)(cond.value)
