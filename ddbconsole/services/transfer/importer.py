"""Import: every valid record of a file put into a table, with nothing lost and a way to resume.

The rule it keeps is docs/ARCHITECTURE.md's "Nothing lost in bulk":

- A validation pass reads the whole file first (keys present and typed, index keys typed, size
  <= 400 KB); nothing is written before it is over. TransferService.import_file runs it, checks
  the arguments and opens the side files, then hands an `Importer` the rest.
- Batches of 25 are sent by several workers; UnprocessedItems and transient errors are retried with
  exponential backoff and full jitter (services/retry.py), paced by an optional WCU/s token bucket.
- A failure file (JSON lines: ``{"record": N, "line": L, "item": ..., "reason": ...}``, L the file
  line) lists exactly the records not written. A request DynamoDB refuses as a whole is retried item
  by item, so one bad item fails alone.
- A checkpoint next to the input (checkpoints.py) holds the records known to be written, so
  `resume=True` continues where a failed, cancelled or crashed import stopped. An endpoint lost
  through every retry ends the import (ConnectionProblem) with its checkpoint saved: the failure file
  is for records DynamoDB refused, not for an outage.
- A key that appears more than once is written in file order (a later record waits for the earlier
  one's request), so the last version in the file wins, as it would with one writer.
- The writing pass must read as many records as the validation pass did, or the file changed.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ddbconsole import codec
from ddbconsole.codec import AttributeValue
from ddbconsole.errors import ConnectionProblem, DdbConsoleError, ReadOnlyViolation, UserInputError
from ddbconsole.models import TableInfo
from ddbconsole.services.items import BATCH_SIZE, validate_item
from ddbconsole.services.journal_bulk import BulkImages, read_known
from ddbconsole.services.retry import Retrier, is_transient
from ddbconsole.services.session import AwsSession
from ddbconsole.services.transfer import checkpoints
from ddbconsole.services.transfer.checkpoints import Ranges, checkpoint_path
from ddbconsole.services.transfer.formats import Format, Record, read_records
from ddbconsole.services.transfer.progress import ProgressFn, TransferProgress

_CHUNK_LINES = 2000  # records read per thread hop
_CHECKPOINT_EVERY = 1.0  # seconds between checkpoint saves (read at call time: tests lower it)


@dataclass(frozen=True)
class ImportResult:
    records: int  # records in the file
    written: int  # accepted by DynamoDB in this run
    skipped: int  # already written (resume)
    failed: int  # in the failure file (invalid + not written)
    invalid: int  # of which refused by validation
    requests: int
    retries: int
    elapsed: float
    failures_path: Path | None
    table_count: int | None = None  # Select=COUNT scan after the import, if asked

    @property
    def ok(self) -> bool:
        return self.failed == 0


class TokenBucket:
    """WCU/s budget: `take(n)` waits until n units are available; burst of one second."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self, units: float) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= min(units, self.rate):
                    self.tokens -= units  # may go negative for a batch bigger than one second
                    return
                await asyncio.sleep((min(units, self.rate) - self.tokens) / self.rate)


def write_units(item: Mapping[str, AttributeValue]) -> int:
    """WCUs of a put: one per started KB."""
    return max(1, math.ceil(codec.item_size(item) / 1024))


def validate_file(table: TableInfo, path: Path, fmt: Format) -> tuple[int, dict[int, str]]:
    """(records, {record number: reason}) for every record that cannot be written."""
    invalid: dict[int, str] = {}
    total = 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:  # a BOM is not data
            for record in read_records(handle, fmt):
                total = record.number
                if record.item is None:
                    invalid[record.number] = record.error
                    continue
                try:
                    validate_item(table, record.item)
                except DdbConsoleError as exc:
                    invalid[record.number] = str(exc)
    except OSError as exc:
        raise UserInputError(f"Cannot read {path}", exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise UserInputError(f"Cannot read {path}", "the file is not UTF-8 text") from None
    return total, invalid


@dataclass
class _Batch:
    records: list[Record]
    keys: set[Any]  # their primary keys (canonical)
    finished: asyncio.Event  # set when the batch is written or has failed


class Importer:
    """One import run: the producer reads the file into batches, workers write them.

    Made once the file is validated and the side files are open (TransferService.import_file),
    then `run` once. It holds what the producer and the workers share: the counters, the
    checkpoint's ranges, the failure file, the keys in flight and the token bucket.
    """

    def __init__(
        self,
        session: AwsSession,
        table: TableInfo,
        source: Path,
        *,
        fmt: Format,
        fingerprint: dict[str, Any],
        done: Ranges,
        total: int,
        invalid: dict[int, str],
        failures: Path,
        failure_file: IO[str],
        rate: float | None,
        concurrency: int,
        progress: ProgressFn | None,
        max_attempts: int,
        undo: BulkImages | None = None,
    ) -> None:
        self._session = session
        self.undo = undo  # the undo journal's images of this import (journal_bulk.py), if kept
        self.table = table
        self.source = source
        self.fmt = fmt
        self.checkpoint = checkpoint_path(source)
        self.fingerprint = fingerprint
        self.done = done  # records known to be written (this run and earlier ones)
        self.total = total
        self.invalid = invalid
        self.failures = failures
        self._failure_file = failure_file
        self.concurrency = concurrency
        self.progress = progress
        self.max_attempts = max_attempts
        self.state = TransferProgress(total=total)
        self.skipped = 0  # counted while reading
        self.read = 0  # records the writing pass read (must equal the validation pass's total)
        self.failed = 0
        self.written = 0
        self.requests = 0
        self.bucket = TokenBucket(rate) if rate else None
        self.queue: asyncio.Queue[_Batch | None] = asyncio.Queue(maxsize=2 * concurrency)
        # Keys of the records queued or being written, with the event their batch sets when it is
        # done: a later record with the same key waits for it, so the file's last version wins.
        self.in_flight: dict[Any, asyncio.Event] = {}
        self._fail_lock = asyncio.Lock()
        self._save_lock = asyncio.Lock()
        self._last_save = time.monotonic()

    async def run(self) -> ImportResult:
        """Write every record not yet written; the checkpoint is saved however this ends."""
        tasks = [asyncio.create_task(self.producer())]
        tasks += [asyncio.create_task(self.worker()) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.save_checkpoint(force=True)
            await asyncio.to_thread(self._failure_file.close)
            raise
        await asyncio.to_thread(self._failure_file.close)
        if self.read != self.total:
            await self.save_checkpoint(force=True)
            raise UserInputError(
                f"{self.source} changed during the import",
                f"the validation pass read {self.total:,} records, the writing pass "
                f"{self.read:,}; what was written is in the checkpoint (--resume once the file "
                "is final)",
            )
        if self.failed == 0:
            await asyncio.to_thread(self.checkpoint.unlink, missing_ok=True)
            await asyncio.to_thread(self.failures.unlink, missing_ok=True)
        else:
            await self.save_checkpoint(force=True)
        if self.progress is not None:
            self.progress(self.state)
        return ImportResult(
            records=self.total,
            written=self.written,
            skipped=self.skipped,
            failed=self.failed,
            invalid=len(self.invalid),
            requests=self.requests,
            retries=self.state.retries,
            elapsed=self.state.elapsed,
            failures_path=self.failures if self.failed else None,
        )

    async def record_failures(self, pairs: list[tuple[Record, str]]) -> None:
        """Add records to the failure file, each with why it was not written."""
        text = "".join(
            json.dumps(
                {"record": r.number, "line": r.line, "item": _record_value(r), "reason": why},
                ensure_ascii=False,
            )
            + "\n"
            for r, why in pairs
        )
        async with self._fail_lock:
            await asyncio.to_thread(_write_flush, self._failure_file, text)
            self.failed += len(pairs)
            self.state.failed = self.failed

    async def save_checkpoint(self, force: bool = False) -> None:
        """Save the checkpoint at most every `_CHECKPOINT_EVERY` seconds, or now if `force`."""
        if self._save_lock.locked() and not force:
            return  # a save is under way; the next batch saves again
        async with self._save_lock:
            if force or time.monotonic() - self._last_save >= _CHECKPOINT_EVERY:
                self._last_save = time.monotonic()
                await checkpoints.write(self.checkpoint, self.fingerprint, self.done)

    def _key(self, item: Mapping[str, AttributeValue]) -> Any:
        return primary_key(self.table, item)

    def _key_of(self, item: Mapping[str, AttributeValue]) -> dict[str, AttributeValue]:
        return {k.name: item[k.name] for k in self.table.keys}

    async def _pre_images(self, records: list[Record]) -> tuple[dict[Any, Any], set[Any]]:
        """The batch's items as they are before it is written, for undo: (found, keys read)."""
        if self.undo is None:
            return {}, set()
        keys = {self._key(r.item or {}): self._key_of(r.item or {}) for r in records}
        wanted = self.undo.wanted(keys)
        if not wanted:
            return {}, set()
        return await read_known(self._session, self.table.name, [keys[c] for c in wanted])

    async def _send(self, batch: list[Record], keys: set[Any]) -> None:
        finished = asyncio.Event()
        for key in keys:
            self.in_flight[key] = finished
        await self.queue.put(_Batch(batch, keys, finished))

    async def producer(self) -> None:
        """Read the file into batches of distinct keys; then tell every worker to stop."""
        handle = await asyncio.to_thread(open, self.source, encoding="utf-8-sig", newline="")
        try:
            records = read_records(handle, self.fmt)
            batch: list[Record] = []
            keys: set[Any] = set()
            while True:
                chunk = await asyncio.to_thread(_take, records, _CHUNK_LINES)
                if not chunk:
                    break
                self.read += len(chunk)
                bad: list[tuple[Record, str]] = []
                for record in chunk:
                    if record.number in self.done:
                        self.skipped += 1
                        self.state.items += 1
                        continue
                    reason = self.invalid.get(record.number)
                    if reason is not None or record.item is None:
                        bad.append((record, reason or record.error))
                        continue
                    key = self._key(record.item)
                    if key in keys or len(batch) >= BATCH_SIZE:
                        # BatchWriteItem refuses two puts of one key in a request.
                        await self._send(batch, keys)
                        batch, keys = [], set()
                    earlier = self.in_flight.get(key)
                    if earlier is not None:
                        if batch:
                            await self._send(batch, keys)
                            batch, keys = [], set()
                        await earlier.wait()
                    batch.append(record)
                    keys.add(key)
                if bad:
                    await self.record_failures(bad)
            if batch:
                await self._send(batch, keys)
        finally:
            await asyncio.to_thread(handle.close)
        for _ in range(self.concurrency):
            await self.queue.put(None)

    async def worker(self) -> None:
        """Write batches until the producer says stop; release each batch's keys when done."""
        while True:
            batch = await self.queue.get()
            if batch is None:
                return
            try:
                await self.write(batch.records)
            finally:
                for key in batch.keys:
                    if self.in_flight.get(key) is batch.finished:
                        del self.in_flight[key]
                batch.finished.set()

    async def write(self, records: list[Record]) -> None:
        """Write `records` (one request's worth), retrying what DynamoDB leaves unprocessed."""
        images, read = await self._pre_images(records)
        pending = records
        retrier = Retrier(self.max_attempts, on_retry=self.state.count_retry)
        while pending:
            retrier.begin()
            if self.bucket is not None:
                await self.bucket.take(sum(write_units(r.item or {}) for r in pending))
            self.requests += 1
            try:
                # Every item passed the validation pass: skip botocore's second one.
                resp = await self._session.call(
                    "dynamodb",
                    "batch_write_item",
                    validate=False,
                    retry=False,  # the retrier retries (docs/ARCHITECTURE.md, "Retries")
                    RequestItems={
                        self.table.name: [{"PutRequest": {"Item": r.item}} for r in pending]
                    },
                )
            except ReadOnlyViolation:
                raise
            except DdbConsoleError as exc:
                if retrier.can_retry(exc):
                    await retrier.wait()
                    continue
                await self._refused(pending, exc)
                return
            unprocessed = (resp.get("UnprocessedItems") or {}).get(self.table.name, [])
            accepted, pending = self._split_unprocessed(pending, unprocessed)
            self.done.add_numbers([r.number for r in accepted])
            if self.undo is not None:
                for r in accepted:
                    self.undo.add(self._key_of(r.item or {}), r.item or {}, images, read)
                if self.undo.spill is not None:  # the journal file: off the event loop
                    await asyncio.to_thread(self.undo.write_pending)
            self.written += len(accepted)
            self.state.items += len(accepted)
            self.state.bytes += sum(len(r.text) for r in accepted)
            if self.progress is not None:
                self.progress(self.state)
            await self.save_checkpoint()
            if not pending:
                return
            if not retrier.can_retry():
                reason = f"still unprocessed after {retrier.attempt} attempts (throttled)"
                await self.record_failures([(r, reason) for r in pending])
                return
            await retrier.wait()

    async def _refused(self, pending: list[Record], exc: DdbConsoleError) -> None:
        """A request failed for good: stop on an outage, else record exactly which records failed."""
        if isinstance(exc, ConnectionProblem):
            # Unreachable through every retry: an outage, not a refusal. The failure file is for
            # records DynamoDB refused; stop the whole import instead (the checkpoint is saved on
            # the way out) so --resume continues.
            raise ConnectionProblem(
                exc.title,
                f"{exc.advice + '; ' if exc.advice else ''}the import stopped; what was written "
                f"is in {self.checkpoint.name}: resume once it is back",
                code=exc.code,
            ) from exc
        if len(pending) > 1 and not is_transient(exc):
            # DynamoDB refused the whole request for one item's sake (say a GSI key too long):
            # write them one by one so only that one fails.
            for record in pending:
                await self.write([record])
            return
        await self.record_failures([(r, str(exc)) for r in pending])

    def _split_unprocessed(
        self, pending: list[Record], unprocessed: list[dict[str, Any]]
    ) -> tuple[list[Record], list[Record]]:
        """(accepted, still pending): matched by primary key (one put per key in a request)."""
        if not unprocessed:
            return pending, []
        left = {self._key(u["PutRequest"]["Item"]) for u in unprocessed}
        accepted = [r for r in pending if self._key(r.item or {}) not in left]
        return accepted, [r for r in pending if self._key(r.item or {}) in left]


# --- helpers run in threads -----------------------------------------------------------------------


def primary_key(table: TableInfo, item: Mapping[str, AttributeValue]) -> Any:
    """The item's primary key, comparable across records."""
    return codec.canonical({"M": {k.name: item[k.name] for k in table.keys}})


def first_batch(
    table: TableInfo, path: Path, fmt: Format, done: Ranges, invalid: Mapping[int, str]
) -> list[AttributeValue]:
    """The items of the import's first BatchWriteItem request, as the producer forms it: valid
    records not yet written, in file order, until 25 or a key repeats."""
    items: list[AttributeValue] = []
    keys: set[Any] = set()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for record in read_records(handle, fmt):
            if record.number in done or record.number in invalid or record.item is None:
                continue
            key = primary_key(table, record.item)
            if key in keys or len(items) >= BATCH_SIZE:
                break
            keys.add(key)
            items.append({"PutRequest": {"Item": record.item}})
    return items


def _take(records: Iterator[Record], n: int) -> list[Record]:
    out = []
    for record in records:
        out.append(record)
        if len(out) >= n:
            break
    return out


def _write_flush(handle: IO[str], text: str) -> None:
    handle.write(text)
    handle.flush()


def _record_value(record: Record) -> Any:
    if record.item is not None:
        return json.loads(codec.dumps(record.item, "dynamodb", indent=None))
    return record.text
