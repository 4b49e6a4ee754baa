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
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ddbconsole.codec import AttributeValue, Item
from ddbconsole.errors import (
    ConnectionProblem,
    DdbConsoleError,
    ItemConflict,
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
    PlannedRequest,
    QuerySpec,
    SaveResult,
    ScanSpec,
    SortCondition,
    TableInfo,
)
from ddbconsole.services import item_plans
from ddbconsole.services.expressions import (
    COMPARISONS,
    Expressions,
    filter_expression,
    projection_expression,
)
from ddbconsole.services.item_plans import BATCH_SIZE as BATCH_SIZE
from ddbconsole.services.item_rules import _check_key_value
from ddbconsole.services.item_rules import key_of as key_of
from ddbconsole.services.item_rules import key_schema as key_schema
from ddbconsole.services.item_rules import new_item_template as new_item_template
from ddbconsole.services.item_rules import validate_item as validate_item
from ddbconsole.services.item_rules import validate_key as validate_key
from ddbconsole.services.partiql_history import StatementHistory
from ddbconsole.services.plans import Plan, execute
from ddbconsole.services.retry import Retrier, is_transient
from ddbconsole.services.session import AwsSession

if TYPE_CHECKING:
    from ddbconsole.services.journal import Journal

ProgressCallback = Callable[[int, int], object]
_sleep = asyncio.sleep  # the backoff's sleep (tests replace it to record the delays)


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


def cancellation_codes(exc: BaseException) -> list[str]:
    cause = exc.__cause__
    response: dict[str, Any] = getattr(cause, "response", None) or {}
    return [str(r.get("Code", "None")) for r in response.get("CancellationReasons") or []]


# --- the service ----------------------------------------------------------------------------------


class ItemService:
    # The undo journal the writes' images go to (services/journal.py); Services sets it.
    journal: Journal | None = None

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
        await execute(self._session, self.plan_put_new(table, item))

    def plan_put_new(self, table: TableInfo, item: Mapping[str, AttributeValue]) -> Plan:
        validate_item(table, item)
        return item_plans.put_new(self, table, item)

    async def put(self, table: TableInfo, item: Mapping[str, AttributeValue]) -> None:
        """Write an item, replacing any item with the same key (like `aws dynamodb put-item`)."""
        self._check_writable("PutItem")
        await execute(self._session, self.plan_put(table, item))

    def plan_put(self, table: TableInfo, item: Mapping[str, AttributeValue]) -> Plan:
        validate_item(table, item)
        return item_plans.put(table, item)

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
        plan = self.plan_save(table, original, new)
        if plan is None:
            return SaveResult(written=False, item=dict(original or new))
        result: SaveResult = await execute(self._session, plan)
        return result

    def plan_save(
        self,
        table: TableInfo,
        original: Mapping[str, AttributeValue] | None,
        new: Mapping[str, AttributeValue],
    ) -> Plan | None:
        """The Plan of `save`; None when there is nothing to write."""
        validate_item(table, new)
        return item_plans.save(self, table, original, new)

    async def conflict(
        self,
        table: TableInfo,
        original: Mapping[str, AttributeValue] | None,
        new: Mapping[str, AttributeValue],
        operation: str,
    ) -> ItemConflict:
        """The conflict of a failed conditional write, with the server's current item."""
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
        old: Item = await execute(self._session, self.plan_delete_item(table, key, expected))
        return old

    def plan_delete_item(
        self,
        table: str,
        key: Mapping[str, AttributeValue],
        expected: Mapping[str, AttributeValue] | None = None,
    ) -> Plan:
        return item_plans.delete_item(self, table, key, expected)

    async def batch_delete(
        self,
        table: str,
        keys: Sequence[Mapping[str, AttributeValue]],
        progress_cb: ProgressCallback | None = None,
        **retry: Any,
    ) -> BatchResult:
        """Delete many items (the Plan of `plan_batch_delete`); `retry` as for `_batch_delete`."""
        self._check_writable("BatchWriteItem")
        plan = self.plan_batch_delete(table, keys, progress_cb, **retry)
        result: BatchResult = await execute(self._session, plan)
        return result

    def plan_batch_delete(
        self,
        table: str,
        keys: Sequence[Mapping[str, AttributeValue]],
        progress_cb: ProgressCallback | None = None,
        **retry: Any,
    ) -> Plan:
        """BatchWriteItem requests of at most 25 DeleteRequests (duplicate keys sent once), as
        first sent; UnprocessedItems are then sent again with backoff (the plan's sender)."""
        unique = item_plans.unique_keys(keys)
        requests = item_plans.batch_requests(table, unique)
        return Plan(
            f"Delete {len(unique)} items from {table}?",
            tuple(requests),
            then=(
                "UnprocessedItems are sent again (the same DeleteRequests) with exponential "
                "backoff and jitter; keys that still fail stay marked",
                "the page is reloaded",
            ),
            confirm_label=f"Delete {len(unique)}",
            summary=f"{len(unique)} items in BatchWriteItem requests of at most 25 keys",
            sender=lambda: self._journalled_batch_delete(table, unique, progress_cb, **retry),
        )

    async def _journalled_batch_delete(
        self, table: str, keys: Sequence[Item], progress_cb: ProgressCallback | None, **retry: Any
    ) -> BatchResult:
        """The batch delete, with the items read first (consistently) for the undo journal."""
        from ddbconsole.services import journal

        images = await journal.read_images(self._session, table, keys) if self.journal else {}
        result = await self._batch_delete(table, keys, progress_cb, **retry)
        failed = [f.key for f in result.failed]
        journal.record_batch_delete(self.journal, table, keys, images, failed)
        return result

    async def _batch_delete(
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
        pending_keys = [dict(k) for k in keys]
        total = len(pending_keys)
        done = requests = retries = 0
        failed: list[FailedKey] = []
        chunks = [pending_keys[i : i + BATCH_SIZE] for i in range(0, total, BATCH_SIZE)]
        for number, chunk in enumerate(chunks):
            pending = chunk
            # Sent once by botocore, retried here (services/retry.py): errors and unprocessed
            # keys share one attempt count per chunk.
            retrier = Retrier(
                max_attempts, sleep=lambda d: _sleep(d), base=base_delay, cap=max_delay
            )
            while pending:
                retrier.begin()
                try:
                    requests += 1
                    resp = await self._session.call(
                        "dynamodb",
                        "batch_write_item",
                        retry=False,
                        RequestItems={table: [{"DeleteRequest": {"Key": k}} for k in pending]},
                    )
                except DdbConsoleError as exc:
                    if isinstance(exc, ReadOnlyViolation):
                        raise
                    if retrier.can_retry(exc):
                        retries += 1
                        await retrier.wait()
                        continue
                    reason = str(exc)
                    failed.extend(FailedKey(k, reason) for k in pending)
                    if not is_transient(exc) or isinstance(exc, ConnectionProblem):
                        # Not transient (permissions, validation, missing table), or the
                        # endpoint unreachable through every retry: stop here.
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
                if not retrier.can_retry():
                    failed.extend(
                        FailedKey(
                            k, f"still unprocessed after {retrier.attempt} attempts (throttled)"
                        )
                        for k in unprocessed
                    )
                    break
                retries += 1
                await retrier.wait()
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
        params = item_plans.statement_params(
            statement, parameters, next_token, limit=limit, consistent=consistent
        )
        if next_token is None and remember:
            await asyncio.to_thread(self.history.add, statement, parameters)
        return statement_page(await self._call("execute_statement", **params))

    def plan_statement(
        self, statement: str, parameters: Sequence[AttributeValue] = (), *, remember: bool = True
    ) -> Plan:
        """A PartiQL write as a Plan: its one ExecuteStatement request (the statement is added to
        the history when sent); the result is the statement's Page."""
        from ddbconsole.services.partiql_undo import StatementJournal

        params = item_plans.statement_params(statement, parameters)
        undo = StatementJournal(self, statement, parameters)

        async def before() -> None:
            if remember:
                await asyncio.to_thread(self.history.add, statement, parameters)
            if self.journal is not None:
                await undo.before()

        async def page(responses: list[dict[str, Any]]) -> Page:
            await undo.after()
            return statement_page(responses[0])

        return Plan(
            "Run this PartiQL write?",
            (PlannedRequest("dynamodb", "ExecuteStatement", params),),
            then=("the result is shown in the Items browser (never re-run by r)",),
            notes=(undo.plan_note,) if self.journal is not None else (),
            confirm_label="Run",
            done="PartiQL write sent",
            before=before,
            after=page,
        )


def statement_page(resp: Mapping[str, Any]) -> Page:
    """One ExecuteStatement response as a Page."""
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
