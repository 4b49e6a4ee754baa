"""Undo of a bulk write (an import): the pre-images of the items it overwrites, read before each
batch, and the undo that puts them back (see docs/ARCHITECTURE.md, Streams and undo).

An import's journal entry holds, per item it wrote, the item as it was before the import (None:
the import created it) and as the import last wrote it. BatchWriteItem has no ReturnValues, so each
batch's items are read first (consistent BatchGetItem, 100 keys a request). A key written twice by
one import keeps its first pre-image and its last written image.

Memory is bounded: the images are kept up to `KEEP_BYTES`; after that, later items are neither
read nor journalled and the entry says "undo covers the first N of M items". An item whose
pre-image could not be read (a read error, keys left unprocessed) is not covered either, and is
never guessed to have been absent.

The undo reads the covered items again (consistently) and, for each one still exactly as the
import wrote it, sends one conditional PutItem of its pre-image, or DeleteItem if the import
created it (the same requests as a single undo, services/restore.py). Items changed since are left
as they are and reported with their current version; they stay in the entry for a later try.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddbconsole import codec
from ddbconsole.codec import Item
from ddbconsole.errors import ConditionFailed, DdbConsoleError, ReadOnlyViolation, UserInputError
from ddbconsole.models import PlannedRequest, TableInfo
from ddbconsole.services.plans import Plan

if TYPE_CHECKING:
    from ddbconsole.services.items import ItemService
    from ddbconsole.services.journal import JournalEntry
    from ddbconsole.services.session import AwsSession

KEEP_BYTES = 64 * 2**20  # images of one import kept for undo (before and after, DynamoDB's sizes)
GET_BATCH = 100  # BatchGetItem's limit
READ_ATTEMPTS = 8
UNDO_CONCURRENCY = 8


def canonical(key: Mapping[str, Any]) -> Any:
    return codec.canonical({"M": dict(key)})


class BulkImages:
    """The images of the items one bulk write changed, bounded in memory."""

    def __init__(self, limit_bytes: int | None = None) -> None:
        self.changes: dict[Any, list[Any]] = {}  # canonical key -> [key, before, after]
        self.limit = KEEP_BYTES if limit_bytes is None else limit_bytes
        self.bytes = 0
        self.full = False
        self.written = 0  # items written, covered or not
        self.uncovered: set[Any] = set()  # written without a known pre-image: never covered
        self.unreadable = 0  # of which the pre-image read failed
        # Set by the journal when it has a file: the changes recorded are appended to it by
        # `write_pending` (the importer runs it in a thread after each batch).
        self.spill: Callable[[int, list[tuple[Item, Item | None, Item]]], None] | None = None
        self.entry_id = 0
        self._unwritten: list[tuple[Item, Item | None, Item]] = []

    def wanted(self, keys: Iterable[Any]) -> list[Any]:
        """The canonical keys among `keys` whose pre-image must be read before they are written."""
        if self.full:
            return []
        return [k for k in keys if k not in self.changes and k not in self.uncovered]

    def add(self, key: Item, after: Item, images: Mapping[Any, Item], read: set[Any]) -> None:
        """`key` was written as `after`; `images` and `read` are the batch's pre-image read
        (the keys read, and the items found among them)."""
        self.written += 1
        c = canonical(key)
        change = self.changes.get(c)
        if change is not None:
            change[2] = after  # written again: keep the first pre-image, the last image
            if self.spill is not None:
                self._unwritten.append((key, change[1], after))
            return
        if self.full or c in self.uncovered:
            return
        if c not in read:
            self.uncovered.add(c)  # a later write of it must not take the import's as before
            self.unreadable += 1
            return
        before = images.get(c)
        size = codec.item_size(after) + (codec.item_size(before) if before is not None else 0)
        if self.bytes + size > self.limit:
            self.full = True  # from here on nothing new is read or kept
            return
        self.bytes += size
        self.changes[c] = [key, before, after]
        if self.spill is not None:
            self._unwritten.append((key, before, after))

    def write_pending(self) -> None:
        """Append the changes recorded since the last call to the journal file (blocking I/O:
        not on the event loop)."""
        if self.spill is not None and self._unwritten:
            changes, self._unwritten = self._unwritten, []
            self.spill(self.entry_id, changes)

    def describe(self) -> str:
        covered = len(self.changes)
        text = f"{covered:,} items"
        if self.full:
            text += (
                f"; journal full: undo covers the first {covered:,} items of "
                f"{self.written:,} written"
            )
        if self.unreadable:
            text += f"; {self.unreadable:,} not covered (their pre-image could not be read)"
        return text


async def read_known(
    session: AwsSession, table: str, keys: Sequence[Item]
) -> tuple[dict[Any, Item], set[Any]]:
    """({canonical key: item} of the items found, the canonical keys that were read: a key read
    and not found is absent). Consistent BatchGetItem, 100 keys a request, unprocessed keys asked
    again; a key left unread (an error, unprocessed after every try) is in neither."""
    found: dict[Any, Item] = {}
    read: set[Any] = set()
    for start in range(0, len(keys), GET_BATCH):
        chunk = [dict(k) for k in keys[start : start + GET_BATCH]]
        names = list(chunk[0]) if chunk else []
        pending = chunk
        for _ in range(READ_ATTEMPTS):
            if not pending:
                break
            try:
                resp = await session.call(
                    "dynamodb",
                    "batch_get_item",
                    RequestItems={table: {"Keys": pending, "ConsistentRead": True}},
                )
            except ReadOnlyViolation:
                raise
            except DdbConsoleError:
                break
            for item in (resp.get("Responses") or {}).get(table, []):
                found[canonical({n: item[n] for n in names if n in item})] = item
            left = ((resp.get("UnprocessedKeys") or {}).get(table) or {}).get("Keys") or []
            unread = {canonical(k) for k in left}
            read.update(c for c in (canonical(k) for k in pending) if c not in unread)
            pending = left
            if pending:
                await asyncio.sleep(0.05)
    return found, read


@dataclass(frozen=True)
class BulkUndoResult:
    restored: int  # items put back as they were (or deleted: the import created them)
    unchanged: int  # already as they were before the import: nothing sent
    conflicts: tuple[tuple[Item, Item | None], ...]  # (key, current item): changed since

    @property
    def summary(self) -> str:
        text = f"{self.restored:,} items restored"
        if self.unchanged:
            text += f", {self.unchanged:,} already as before"
        if self.conflicts:
            keys = ", ".join(codec.dumps(k, indent=None) for k, _ in self.conflicts[:3])
            more = "…" if len(self.conflicts) > 3 else ""
            text += (
                f"; {len(self.conflicts):,} changed since the import were left as they are "
                f"({keys}{more}); u tries them again"
            )
        return text


def _request(items: ItemService, table: TableInfo, change: Sequence[Any]) -> PlannedRequest | None:
    """The conditional write that puts one item back (None: it already is its pre-image)."""
    from ddbconsole.services.restore import plan_write_image

    key, before, after = change
    try:
        plan = plan_write_image(items, table, key, before, after, title="", done="", journal=False)
    except UserInputError:
        return None  # the import wrote the item as it already was
    return plan.requests[0]


def plan_undo_bulk(
    items: ItemService, table: TableInfo, entry: JournalEntry, on_done: Callable[[], object]
) -> Plan:
    """Put back every covered item of a bulk write, each conditional on its being unchanged."""
    from ddbconsole.services.restore import same_state

    bulk = entry.bulk
    assert bulk is not None
    session = items._session
    changes = list(bulk.changes.values())
    first = next((r for r in (_request(items, table, c) for c in changes) if r is not None), None)

    async def send() -> BulkUndoResult:
        restored = unchanged = 0
        conflicts: list[tuple[Item, Item | None]] = []
        left: dict[Any, list[Any]] = {}
        gate = asyncio.Semaphore(UNDO_CONCURRENCY)

        async def put_back(change: list[Any], request: PlannedRequest) -> None:
            nonlocal restored
            async with gate:
                try:
                    await session.call("dynamodb", request.method, **request.params)
                    restored += 1
                except ConditionFailed:
                    current = await items.get_item(table.name, change[0], consistent=True)
                    conflicts.append((change[0], current))
                    left[canonical(change[0])] = change

        for start in range(0, len(changes), GET_BATCH):
            chunk = changes[start : start + GET_BATCH]
            found, read = await read_known(session, table.name, [c[0] for c in chunk])
            tasks = []
            for change in chunk:
                c = canonical(change[0])
                current = found.get(c)
                request = _request(items, table, change)
                if c in read and (request is None or same_state(current, change[1])):
                    unchanged += 1
                elif c in read and same_state(current, change[2]) and request is not None:
                    tasks.append(put_back(change, request))
                else:
                    conflicts.append((change[0], current))
                    left[c] = change
            await asyncio.gather(*tasks)
        bulk.changes = left
        if not left:
            on_done()
        return BulkUndoResult(restored, unchanged, tuple(conflicts))

    n = len(changes)
    return Plan(
        f"Undo {entry.operation} in {table.name} ({n:,} items)?",
        (first,) if first is not None else (),
        checks=(
            "each item is read first (consistent BatchGetItem, 100 keys a request) and written "
            "only if it is still exactly what the import wrote; the ConditionExpression checks "
            "again as it is written",
        ),
        then=("items changed since the import are left as they are and listed",),
        notes=(f"Undo of: {entry.summary} at {entry.time:%H:%M:%S} UTC",),
        confirm_label=f"Undo {n:,}",
        done="Import undone",
        summary=f"up to {n:,} conditional PutItem (the item before the import) or DeleteItem "
        f"(items the import created) requests, {UNDO_CONCURRENCY} in flight; the first is shown",
        sender=send,
    )
