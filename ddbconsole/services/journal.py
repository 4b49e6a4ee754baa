"""The undo journal: the item images before and after each of the console's own writes (see
docs/ARCHITECTURE.md, Streams and undo).

Kept in memory for the session. It holds item contents, so it is written to disk only when the
config asks (`undo_journal_file: true`): JSON lines in the state directory, created 0600. The
operation log never holds item contents; it lists changes by operation, table and time only.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddbconsole import codec
from ddbconsole.codec import Item
from ddbconsole.errors import DdbConsoleError, ReadOnlyViolation, UserInputError
from ddbconsole.models import TableInfo
from ddbconsole.services.plans import Plan

if TYPE_CHECKING:
    from ddbconsole.services.items import ItemService
    from ddbconsole.services.journal_bulk import BulkImages
    from ddbconsole.services.session import AwsSession

JOURNAL_FILE = "undo-journal.jsonl"
KEEP = 1000  # entries kept in memory (the newest)
GET_BATCH = 100  # BatchGetItem's limit


@dataclass(frozen=True)
class JournalEntry:
    id: int
    time: datetime
    table: str
    key: Item
    before: Item | None  # None: there was no item
    after: Item | None  # None: the write deleted it
    operation: str
    blocked: str = ""  # why this change cannot be undone ("" when it can)
    bulk: BulkImages | None = None  # an import: the images of every item it wrote

    @property
    def what(self) -> str:
        if self.blocked:
            return "not undoable"
        if self.bulk is not None:
            return self.bulk.describe()
        return "created" if self.before is None else "deleted" if self.after is None else "changed"

    @property
    def key_text(self) -> str:
        return codec.dumps(self.key, indent=None) if self.key else "-"

    @property
    def summary(self) -> str:
        """What changed, without item contents beyond the key (for lists and the op log)."""
        text = f"{self.operation} {self.table} {self.key_text} {self.what}"
        return f"{text}: {self.blocked}" if self.blocked else text


class Journal:
    def __init__(self, path: Path | None = None, keep: int = KEEP) -> None:
        self.path = path
        self.entries: deque[JournalEntry] = deque(maxlen=keep)
        self.undone: set[int] = set()
        self._ids = itertools.count(1)

    def record(
        self,
        table: str,
        key: Mapping[str, Any],
        before: Item | None,
        after: Item | None,
        operation: str,
        *,
        blocked: str = "",
        bulk: BulkImages | None = None,
    ) -> JournalEntry:
        entry = JournalEntry(
            next(self._ids), datetime.now(UTC), table, dict(key), before, after, operation,
            blocked, bulk,
        )  # fmt: skip
        if bulk is not None:
            bulk.spill = self._append_changes if self.path is not None else None
            bulk.entry_id = entry.id
        self.entries.append(entry)
        if self.path is not None:
            self._append(entry)
        return entry

    def _append(self, entry: JournalEntry) -> None:
        line: dict[str, Any] = {
            "id": entry.id,
            "time": entry.time.isoformat(),
            "table": entry.table,
            "operation": entry.operation,
            "key": codec.to_dynamodb_json(entry.key),
            "before": None if entry.before is None else codec.to_dynamodb_json(entry.before),
            "after": None if entry.after is None else codec.to_dynamodb_json(entry.after),
        }
        if entry.blocked:
            line["not_undoable"] = entry.blocked
        self._write(line)

    def _append_changes(self, entry_id: int, changes: list[tuple[Item, Item | None, Item]]) -> None:
        """Items of a bulk entry (an import), as they were written."""
        self._write(*(
            {
                "entry": entry_id,
                "key": codec.to_dynamodb_json(key),
                "before": None if before is None else codec.to_dynamodb_json(before),
                "after": codec.to_dynamodb_json(after),
            }
            for key, before, after in changes
        ))  # fmt: skip

    def _write(self, *lines: Mapping[str, Any]) -> None:
        from ddbconsole.locations import ensure_parent_dir, open_private

        assert self.path is not None
        ensure_parent_dir(self.path)
        with open_private(self.path, "a") as handle:
            handle.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)

    def last(self) -> JournalEntry | None:
        """The newest change not yet undone."""
        return next((e for e in reversed(self.entries) if e.id not in self.undone), None)

    def pending(self) -> list[JournalEntry]:
        """This session's changes not undone, newest first."""
        return [e for e in reversed(self.entries) if e.id not in self.undone]

    def plan_undo(
        self,
        items: ItemService,
        table: TableInfo,
        entry: JournalEntry,
        *,
        over: Item | None = None,
        override: bool = False,
    ) -> Plan:
        """Put the item back as it was before `entry`, conditional on it still being what the
        console wrote; after a conflict, with `override`, on `over` instead: the version the
        operator was shown and chose to replace (None: the item was absent)."""
        from ddbconsole.services.restore import plan_write_image

        if entry.blocked:
            raise UserInputError(f"{entry.operation} in {entry.table} cannot be undone",
                                 entry.blocked)  # fmt: skip
        if entry.bulk is not None:
            from ddbconsole.services.journal_bulk import plan_undo_bulk

            return plan_undo_bulk(items, table, entry, lambda: self.undone.add(entry.id))
        expected = over if override or over is not None else entry.after
        return plan_write_image(
            items, table, entry.key, entry.before, expected,
            title=f"Undo {entry.operation} in {table.name}?",
            done="Change undone",
            notes=(f"Undo of: {entry.summary} at {entry.time:%H:%M:%S} UTC",),
            journal=False, on_done=lambda: self.undone.add(entry.id),
        )  # fmt: skip


async def read_images(
    session: AwsSession, table: str, keys: Sequence[Mapping[str, Any]]
) -> dict[Any, Item]:
    """The items with `keys` now (consistent BatchGetItem, 100 keys a request, unprocessed keys
    asked again), by canonical key: the pre-images of a batch delete. A failed read (a missing
    table, no permission) gives what was read so far: the delete itself reports the failure."""
    found: dict[Any, Item] = {}
    try:
        await _read_images(session, table, keys, found)
    except ReadOnlyViolation:
        raise
    except DdbConsoleError:
        pass  # keys without a pre-image are not journalled, so they cannot be undone
    return found


async def _read_images(
    session: AwsSession, table: str, keys: Sequence[Mapping[str, Any]], found: dict[Any, Item]
) -> None:
    for start in range(0, len(keys), GET_BATCH):
        pending: list[Any] = [dict(k) for k in keys[start : start + GET_BATCH]]
        for _ in range(8):
            if not pending:
                break
            resp = await session.call(
                "dynamodb",
                "batch_get_item",
                RequestItems={table: {"Keys": pending, "ConsistentRead": True}},
            )
            for item in (resp.get("Responses") or {}).get(table, []):
                names = next(iter(pending)).keys()
                found[_canonical({n: item[n] for n in names if n in item})] = item
            pending = ((resp.get("UnprocessedKeys") or {}).get(table) or {}).get("Keys") or []


def _canonical(key: Mapping[str, Any]) -> Any:
    return codec.canonical({"M": dict(key)})


def record_batch_delete(
    journal: Journal | None,
    table: str,
    keys: Sequence[Mapping[str, Any]],
    images: Mapping[Any, Item],
    failed: Sequence[Mapping[str, Any]],
) -> None:
    """Journal each key the batch deleted whose item existed before it."""
    if journal is None:
        return
    refused = {_canonical(k) for k in failed}
    for key in keys:
        canonical = _canonical(key)
        if canonical in refused or canonical not in images:
            continue
        journal.record(table, key, images[canonical], None, "BatchWriteItem")
