"""Writing an earlier image of an item back: the restore of the item history and the console's undo
(see docs/ARCHITECTURE.md, Streams and undo).

One request, conditional on the item still being `expected` (its latest image, or what the console
wrote): a PutItem of the image (the item becomes exactly that image, byte for byte), or a DeleteItem
when the earlier state is "no item". Before sending, a consistent read checks the item is exactly
`expected` (the condition cannot see attributes someone added); if it is not, or the condition fails,
ItemConflict carries the server's current item and nothing is written: never a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ddbconsole import codec
from ddbconsole.codec import Item
from ddbconsole.errors import ConditionFailed, DdbConsoleError, ItemConflict, UserInputError
from ddbconsole.models import PlannedRequest, TableInfo
from ddbconsole.services.expressions import Expressions, equals_all, not_exists
from ddbconsole.services.item_rules import key_of
from ddbconsole.services.plans import Plan

if TYPE_CHECKING:
    from ddbconsole.services.items import ItemService


def same_state(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """Both absent, or both present and equal as DynamoDB sees them."""
    if a is None or b is None:
        return a is None and b is None
    return codec.same_item(a, b)


def plan_write_image(
    items: ItemService,
    table: TableInfo,
    key: Mapping[str, Any],
    target: Mapping[str, Any] | None,
    expected: Mapping[str, Any] | None,
    *,
    title: str,
    done: str,
    notes: tuple[str, ...] = (),
    journal: bool = True,
    on_done: Callable[[], object] | None = None,
) -> Plan:
    """Make the item with `key` be `target` (None: no item), only if it is still `expected`.
    With `journal`, the write joins the undo journal (an undo's own write does not); `on_done` is
    called once it went through."""
    key = dict(key)
    if target is not None and not codec.same_item(key_of(table, target), key):
        raise UserInputError("The image has another key", "an image restores only its own item")
    if same_state(target, expected):
        raise UserInputError("Nothing to change", "the item already is that image")
    expr = Expressions()
    operation = "PutItem" if target is not None else "DeleteItem"
    params: dict[str, Any] = {"TableName": table.name}
    if target is not None:
        params["Item"] = dict(target)
        params["ConditionExpression"] = (
            equals_all(expr, expected)
            if expected is not None
            else not_exists(expr, table.partition_key.name)
        )
    else:
        assert expected is not None
        params["Key"] = key
        params["ConditionExpression"] = equals_all(expr, expected)
        params["ReturnValues"] = "ALL_OLD"
    params.update(expr.params())

    async def conflict() -> ItemConflict:
        current = await items.get_item(table.name, key, consistent=True)
        return ItemConflict(
            table.name,
            original=dict(expected or {}),
            attempted=dict(target or {}),
            current=current,
            operation=operation,
        )

    async def refresh() -> Plan:
        current = await items.get_item(table.name, key, consistent=True)
        if not same_state(current, expected):
            raise await conflict()
        return replace(plan, refresh=None)

    async def failed(exc: DdbConsoleError) -> BaseException:
        return await conflict() if isinstance(exc, ConditionFailed) else exc

    async def result(responses: list[dict[str, Any]]) -> Item | None:
        after = dict(target) if target is not None else None
        log = getattr(items, "journal", None) if journal else None
        if log is not None:
            log.record(table.name, key, dict(expected) if expected else None, after, operation)
        if on_done is not None:
            on_done()
        return after

    state = "absent" if expected is None else "as last seen (every attribute)"
    plan = Plan(
        title,
        (PlannedRequest("dynamodb", operation, params),),
        checks=(
            f"the item is still {state}: a consistent GetItem first, then the ConditionExpression",
        ),
        then=("if it changed meanwhile, nothing is written and both versions are shown",),
        notes=notes,
        confirm_label="Restore" if target is not None else "Delete",
        done=done,
        refresh=refresh,
        failed=failed,
        after=result,
    )
    return plan
