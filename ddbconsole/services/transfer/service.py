"""TransferService: the bulk operations the console and the CLI call (export, import, count).

It sends the reads (Scan, Query, Select=COUNT) with botocore's retries off and retries them itself
(services/retry.py; docs/ARCHITECTURE.md, "Retries"), from the same ExclusiveStartKey, so nothing
is read twice or skipped. Writing the file is export.py's; the import is importer.py's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from pathlib import Path
from typing import Any

from ddbconsole.codec import Item
from ddbconsole.errors import UserInputError
from ddbconsole.models import PlannedRequest, QuerySpec, TableInfo
from ddbconsole.services.items import ItemService
from ddbconsole.services.journal_bulk import KEEP_BYTES
from ddbconsole.services.plans import Plan, execute, refuse_read_only
from ddbconsole.services.retry import Retrier
from ddbconsole.services.session import AwsSession
from ddbconsole.services.transfer import checkpoints
from ddbconsole.services.transfer.checkpoints import Ranges, checkpoint_path
from ddbconsole.services.transfer.export import ExportResult, segment_count, write_export
from ddbconsole.services.transfer.formats import Format, check_format
from ddbconsole.services.transfer.importer import (
    Importer,
    ImportResult,
    first_batch,
    validate_file,
)
from ddbconsole.services.transfer.progress import ProgressFn, TransferProgress

MAX_CONCURRENCY = 256  # import requests in flight at most
MAX_IMPORT_SECONDS = 86_400  # a --rate that needs longer than a day is surely a typo


class TransferService:
    def __init__(self, session: AwsSession, items: ItemService) -> None:
        self._session = session
        self._items = items

    async def _retrying(
        self, progress: TransferProgress, operation: str, max_attempts: int, **params: Any
    ) -> dict[str, Any]:
        """One DynamoDB request, sent once by botocore and retried here while transient."""
        retrier = Retrier(max_attempts, on_retry=progress.count_retry)
        return await retrier.call(
            lambda: self._session.call("dynamodb", operation, retry=False, **params)
        )

    async def _query_page(
        self,
        table: TableInfo,
        query: QuerySpec,
        start: Item | None,
        state: TransferProgress,
        max_attempts: int,
    ) -> dict[str, Any]:
        retrier = Retrier(max_attempts, on_retry=state.count_retry)
        page = await retrier.call(lambda: self._items.query_page(table, query, start))
        return {"Items": list(page.items), "LastEvaluatedKey": page.last_evaluated_key}

    # -- export

    async def export(
        self,
        table: TableInfo,
        path: str | Path,
        *,
        fmt: Format = "jsonl",
        segments: int | None = None,
        query: QuerySpec | None = None,
        progress: ProgressFn | None = None,
        queue_pages: int | None = None,
        page_limit: int | None = None,
        max_attempts: int = 10,
    ) -> ExportResult:
        """Write every item of `table` (or of `query`) to `path`; returns the exact count.

        A regular file (or a symlink to one) is written as `FILE.partial`, renamed to FILE at the
        end, so a failed or cancelled export never damages an earlier file; it leaves
        `FILE.partial` (whole lines or rows). A pipe, a device or "-" (standard output) is
        written directly (see formats.ExportFile).
        """
        check_format(fmt)
        n = segment_count(table, segments, query)
        # A query's size is unknown; a table's ItemCount is an estimate (updated every ~6 hours).
        state = TransferProgress(total=None if query is not None else table.item_count or None)

        async def read_page(segment: int, start: Item | None) -> dict[str, Any]:
            if query is not None:
                return await self._query_page(table, query, start, state, max_attempts)
            params: dict[str, Any] = {"TableName": table.name}
            if n > 1:
                params.update(Segment=segment, TotalSegments=n)
            if start:
                params["ExclusiveStartKey"] = start
            if page_limit:
                params["Limit"] = page_limit
            return await self._retrying(state, "scan", max_attempts, **params)

        return await write_export(
            read_page,
            path,
            fmt=fmt,
            segments=n,
            state=state,
            progress=progress,
            queue_pages=queue_pages,
        )

    # -- import

    async def validate(
        self, table: TableInfo, path: str | Path, fmt: Format = "jsonl"
    ) -> tuple[int, dict[int, str]]:
        """(records in the file, {record number: why it cannot be written}); nothing is sent.
        UserInputError if the file cannot be read at all."""
        return await asyncio.to_thread(validate_file, table, Path(path), fmt)

    async def import_file(self, table: TableInfo, path: str | Path, **options: Any) -> ImportResult:
        """Plan the import of `path` and send it (the CLI's path: no confirmation to wait for);
        `options` are `plan_import`'s."""
        result: ImportResult = await execute(
            self._session, await self.plan_import(table, path, **options)
        )
        return result

    async def plan_import(
        self,
        table: TableInfo,
        path: str | Path,
        *,
        fmt: Format = "jsonl",
        rate: float | None = None,
        concurrency: int = 8,
        failures: str | Path | None = None,
        resume: bool = False,
        progress: ProgressFn | None = None,
        count: bool = False,
        max_attempts: int = 10,
        undo: bool = False,
    ) -> Plan:
        """Validate `path` and plan putting every valid record into `table` (importer.py's
        docstring says how). The Plan shows the first BatchWriteItem request exactly as it will be
        sent and how many follow; executing it re-checks that the file is unchanged, then writes.

        Everything that can be refused is refused before the first write: the arguments, the
        file (validation pass), a checkpoint of another file or table, unwritable side files.
        With `undo` (the console: its session has an undo journal), each batch's items are read
        first and the import joins the journal (services/journal_bulk.py).
        """
        refuse_read_only(self._session, "dynamodb", "BatchWriteItem")
        check_format(fmt)
        if rate is not None and rate <= 0:
            raise UserInputError("Invalid rate", "give a positive number of WCU per second")
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise UserInputError(
                "Invalid concurrency", f"give 1 .. {MAX_CONCURRENCY} requests in flight"
            )
        source = Path(path)
        fail_path = Path(failures) if failures else Path(str(source) + ".failures.jsonl")
        cp_path = checkpoint_path(source)
        fingerprint = await asyncio.to_thread(checkpoints.fingerprint, source, table, fmt)
        if await asyncio.to_thread(_same_file, fail_path, source, cp_path):
            raise UserInputError(
                f"The failure file {fail_path} is the input or its checkpoint",
                "give another --failures path",
            )
        done = Ranges()
        if resume:
            done = await asyncio.to_thread(checkpoints.load, cp_path, fingerprint)
        # Validation pass: the whole file, in a thread, before anything is written.
        total, invalid = await asyncio.to_thread(validate_file, table, source, fmt)
        if rate is not None and (total - len(invalid)) / rate > MAX_IMPORT_SECONDS:
            # Every put costs at least one WCU: a rate this low would run for days.
            raise UserInputError(
                "Rate too low",
                f"{rate:g} WCU/s needs more than a day for {total:,} records: give at least "
                f"{math.ceil(total / MAX_IMPORT_SECONDS * 1000) / 1000:g}",
            )
        first = await asyncio.to_thread(first_batch, table, source, fmt, done, invalid)
        already = sum(1 for n in range(1, total + 1) if n in done and n not in invalid)
        to_write = total - len(invalid) - already

        async def send() -> ImportResult:
            now = await asyncio.to_thread(checkpoints.fingerprint, source, table, fmt)
            if now != fingerprint:
                raise UserInputError(
                    f"{source} changed since it was validated", "review the import again"
                )
            # The side files must be writable before the first write: a checkpoint that cannot
            # be saved would make the import impossible to resume.
            await checkpoints.write(cp_path, fingerprint, done)
            try:
                failure_file = await asyncio.to_thread(open, fail_path, "w", encoding="utf-8")
            except OSError as exc:
                raise UserInputError(
                    f"Cannot write the failure file {fail_path}", exc.strerror or str(exc)
                ) from None
            journal = self._items.journal if undo else None
            bulk = entry = None
            if journal is not None:
                from ddbconsole.services.journal_bulk import BulkImages

                bulk = BulkImages()
                entry = journal.record(table.name, {}, None, None, f"Import {source.name}",
                                       bulk=bulk)  # fmt: skip
            importer = Importer(
                self._session,
                table,
                source,
                fmt=fmt,
                fingerprint=fingerprint,
                done=done,
                total=total,
                invalid=invalid,
                failures=fail_path,
                failure_file=failure_file,
                rate=rate,
                concurrency=concurrency,
                progress=progress,
                max_attempts=max_attempts,
                undo=bulk,
            )
            try:
                result = await importer.run()
            finally:
                if journal is not None and entry is not None and bulk and not bulk.written:
                    journal.entries.remove(entry)  # nothing written: nothing to undo
            if count:
                result = dataclasses.replace(result, table_count=await self.count(table.name))
            return result

        requests: tuple[PlannedRequest, ...] = ()
        if first:
            requests = (
                PlannedRequest("dynamodb", "BatchWriteItem", {"RequestItems": {table.name: first}}),
            )
        notes = ["each record replaces the whole item with its key (PutRequest)"]
        if invalid:
            notes.append(f"{len(invalid):,} invalid records are not sent: see {fail_path}")
        if already:
            notes.append(f"{already:,} records are already written (checkpoint): skipped")
        if undo and self._items.journal is not None:
            notes.append(
                "Undo (u): before each batch its items are read (consistent BatchGetItem) and "
                f"kept, up to {KEEP_BYTES // 2**20} MiB of images; the undo puts back only items "
                "still as the import wrote them"
            )
        pace = f"at most {rate:g} WCU/s" if rate else f"{concurrency} requests in flight"
        return Plan(
            f"Import {to_write:,} records from {source.name} into {table.name}?",
            requests,
            checks=(
                f"{source.name} is unchanged since it was validated (size, modification time)",
            ),
            then=(
                "UnprocessedItems, throttling and dropped connections are retried with "
                "exponential backoff and jitter",
                f"records DynamoDB refuses go to {fail_path}; written ranges to {cp_path.name}",
                *(["the table's items are counted (Select=COUNT scan)"] if count else []),
            ),
            notes=tuple(notes),
            confirm_label=f"Import {to_write:,}",
            summary=f"{to_write:,} records in BatchWriteItem requests of at most 25 items, "
            f"{pace}; the first request is shown",
            sender=send,
        )

    async def count(self, table: str, segments: int = 4) -> int:
        """The exact number of items (a parallel Select=COUNT scan)."""
        state = TransferProgress()

        async def one(segment: int) -> int:
            total, start = 0, None
            while True:
                params: dict[str, Any] = {
                    "TableName": table,
                    "Select": "COUNT",
                    "Segment": segment,
                    "TotalSegments": segments,
                }
                if start:
                    params["ExclusiveStartKey"] = start
                resp = await self._retrying(state, "scan", 10, **params)
                total += int(resp.get("Count", 0))
                start = resp.get("LastEvaluatedKey")
                if not start:
                    return total

        return sum(await asyncio.gather(*(one(s) for s in range(segments))))


def _same_file(candidate: Path, *others: Path) -> bool:
    resolved = candidate.resolve()
    return any(resolved == other.resolve() for other in others)
