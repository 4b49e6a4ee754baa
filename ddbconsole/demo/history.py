"""The demo's item history: what moto lacks for point-in-time restores and incremental exports.

Runs in the embedded moto's child process only (demo/standins.py installs it). moto keeps only the
current items, so a restore to an earlier time and an incremental export could not be computed.
This records every change moto makes to a table while its point-in-time recovery is on (PutItem,
UpdateItem, DeleteItem, and the batch and transaction writes built on them): the time, the key, the
item before and after, in DynamoDB JSON. From that, honestly:

- `items_at(table, t)`: the items as they were at `t` (today's items with the later changes undone);
  a restore to a point in time and a full export at an ExportTime use it;
- `changes(table, start, end)`: per key changed in [start, end), its image before the first change
  and after the last (None: it did not exist), as an incremental export writes them.

At most HISTORY changes are kept per table; when older ones are dropped, the table's restorable
window starts at the oldest kept (`earliest`), as AWS's recovery period bounds it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any

HISTORY = 50_000  # changes kept per table (the demo writes about one a second to Users)

Change = tuple[float, str, "dict[str, Any] | None", "dict[str, Any] | None"]  # time, key, old, new

_lock = threading.Lock()
_changes: dict[str, deque[Change]] = {}
_dropped: dict[str, float] = {}  # table ARN -> time of the newest change dropped


def _pitr_on(table: Any) -> bool:
    pitr = (getattr(table, "continuous_backups", None) or {}).get(
        "PointInTimeRecoveryDescription"
    ) or {}
    return bool(pitr.get("PointInTimeRecoveryStatus") == "ENABLED")


def _attrs(item: Any) -> dict[str, Any] | None:
    """An Item's attributes in DynamoDB JSON, copied (moto updates items in place)."""
    if item is None:
        return None
    from moto.dynamodb.models.utilities import DynamoJsonEncoder

    attrs: dict[str, Any] = json.loads(
        json.dumps(item.to_json()["Attributes"], cls=DynamoJsonEncoder)
    )
    return attrs


def key_of(table: Any, attrs: dict[str, Any]) -> str:
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return json.dumps([attrs.get(n) for n in names], sort_keys=True)


def _append(table: Any, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    shown = after if after is not None else before
    if shown is None:
        return
    with _lock:
        kept = _changes.setdefault(table.table_arn, deque())
        if len(kept) >= HISTORY:
            _dropped[table.table_arn] = kept.popleft()[0]
        kept.append((time.time(), key_of(table, shown), before, after))


def earliest(table: Any) -> float | None:
    """The start of the window the kept history can restore, if changes were dropped."""
    return _dropped.get(table.table_arn)


def items_at(table: Any, moment: float) -> list[dict[str, Any]]:
    """The table's items as they were at `moment` (epoch seconds)."""
    state = {
        key_of(table, attrs): attrs for attrs in (_attrs(i) for i in table.all_items()) if attrs
    }
    with _lock:
        later = [c for c in _changes.get(table.table_arn, ()) if c[0] > moment]
    for _, key, old, _ in reversed(later):
        if old is None:
            state.pop(key, None)
        else:
            state[key] = old
    return list(state.values())


def changes(
    table: Any, start: float, end: float
) -> list[tuple[float, dict[str, Any] | None, dict[str, Any] | None]]:
    """(time of the last change, image before, image after) per key changed in [start, end)."""
    with _lock:
        window = [c for c in _changes.get(table.table_arn, ()) if start <= c[0] < end]
    first: dict[str, dict[str, Any] | None] = {}
    last: dict[str, tuple[float, dict[str, Any] | None]] = {}
    for moment, key, old, new in window:
        first.setdefault(key, old)
        last[key] = (moment, new)
    out = []
    for key, (moment, new) in last.items():
        if first[key] is None and new is None:
            continue  # made and deleted within the window: no change to report
        out.append((moment, first[key], new))
    return out


def install() -> None:
    """Record moto's item changes (see the module docstring)."""
    from moto.dynamodb.models import DynamoDBBackend, table
    from moto.dynamodb.models.dynamo_type import DynamoType

    Table: Any = table.Table
    Backend: Any = DynamoDBBackend
    put_item, delete_item, update_item = Table.put_item, Table.delete_item, Backend.update_item

    def current(tbl: Any, attrs: dict[str, Any]) -> Any:
        try:
            hash_value = DynamoType(attrs[tbl.hash_key_attr])
            range_value = DynamoType(attrs[tbl.range_key_attr]) if tbl.range_key_attr else None
            return tbl.get_item(hash_value, range_value)
        except Exception:  # not a valid key: the write refuses it, nothing to record
            return None

    def recorded_put(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if not _pitr_on(self):
            return put_item(self, item_attrs, *args, **kwargs)
        old = _attrs(current(self, item_attrs))
        item = put_item(self, item_attrs, *args, **kwargs)
        _append(self, old, _attrs(item))
        return item

    def recorded_delete(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = delete_item(self, *args, **kwargs)
        if item is not None and _pitr_on(self):
            _append(self, _attrs(item), None)
        return item

    def recorded_update(
        self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        tbl = self.get_table(table_name)
        if not _pitr_on(tbl):
            return update_item(self, table_name, key, *args, **kwargs)
        old = _attrs(current(tbl, key))
        item = update_item(self, table_name, key, *args, **kwargs)
        _append(tbl, old, _attrs(item))
        return item

    Table.put_item = recorded_put
    Table.delete_item = recorded_delete
    Backend.update_item = recorded_update
