"""Bulk export and import: parallel scan to a file, concurrent BatchWriteItem from a file.

Formats (one item per line or row):

- ``jsonl`` (default): the editor's plain JSON form (ddbconsole/codec.py), one item per line.
- ``dynamodb-jsonl``: DynamoDB JSON (``{"Name": {"S": "Ada"}}``), one item per line.
- ``csv``: a header row of ``name:TYPE`` columns (``Name:S,Age:N,Tags:SS``), then one row per item.
  S cells hold the text itself, N the number literal, B base64, BOOL ``true``/``false``, NULL
  ``null``; SS, NS, BS, M and L cells hold the value in plain JSON (``{"$SS": ["a"]}``, ``[1, "x"]``).
  An empty cell means the item has no such attribute. An S value that is empty or starts with a
  backslash is written with one backslash in front (``""`` -> ``\\``, ``\\x`` -> ``\\\\x``); an empty
  B value is written ``\\`` too (not valid base64, so never ambiguous). An
  attribute that holds different types in different items gets one column per type
  (``Age:N,Age:S``). The name is everything before the last colon, so names may contain colons.

Export streams: N segment readers put pages on a bounded queue; one writer formats and writes them
from a thread, so memory stays flat and the event loop never blocks on the file. It writes
``FILE.partial`` and renames it to FILE when complete, so a failed or cancelled export never damages
an earlier FILE and leaves what it read in ``FILE.partial``; a symlink is written through to its
target, and a pipe, a device or ``-`` (standard output) is written directly. Transient failures
(throttling, 500s, dropped connections) are retried from the same ExclusiveStartKey, so the file holds
every item exactly once.

Import follows DESIGN.md rule 4: a validation pass first (keys present and typed, index keys typed,
size <= 400 KB), then batches of 25 sent by several workers, UnprocessedItems and transient errors
retried with exponential backoff and full jitter, an optional WCU/s token bucket, a failure file (JSON
lines: ``{"record": N, "line": L, "item": ..., "reason": ...}``, L the file line) listing exactly the
records not written (a request DynamoDB refuses as a whole is retried item by item, so one bad item
fails alone), and a
checkpoint file next to the input (``FILE.import-checkpoint.json``) holding the ranges of records
known to be written. A record enters the checkpoint only after DynamoDB has accepted it, so a crash
never skips one; `resume=True` skips the ranges recorded there (a put written twice is harmless). The
checkpoint is valid for that file (size, mtime) and that table (name, creation time) only. A key
that appears more than once is written in file order (a later record waits for the earlier one's
request), so the last version in the file wins, as it would with one writer.
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import contextlib
import csv
import errno
import io
import json
import math
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import IO, Any, Literal, TypeVar

from ddbconsole import codec
from ddbconsole.codec import AttributeValue, CodecError, Item
from ddbconsole.errors import (
    AwsError,
    ConnectionProblem,
    DdbConsoleError,
    ReadOnlyViolation,
    UserInputError,
)
from ddbconsole.models import QuerySpec, TableInfo
from ddbconsole.services.items import (
    BATCH_SIZE,
    THROTTLE_CODES,
    ItemService,
    _backoff,
    validate_item,
)
from ddbconsole.services.session import AwsSession

Format = Literal["jsonl", "dynamodb-jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "dynamodb-jsonl", "csv")
GIB = 1024**3
MAX_SEGMENTS = 16  # default segments at most (one per GiB)
MAX_EXPLICIT_SEGMENTS = 1000
MAX_CONCURRENCY = 256
CHECKPOINT_SUFFIX = ".import-checkpoint.json"
_CHUNK_LINES = 2000  # records read per thread hop
_CHECKPOINT_EVERY = 1.0  # seconds between checkpoint saves
MAX_IMPORT_SECONDS = 86_400  # a --rate that needs longer than a day is surely a typo

ProgressFn = Callable[["TransferProgress"], object]
T = TypeVar("T")
_sleep = asyncio.sleep  # tests may replace it


def default_segments(table: TableInfo) -> int:
    """One segment per started GiB, clamped 1..16, and at least 4 for tables of 10,000+ items."""
    segments = max(1, min(MAX_SEGMENTS, math.ceil(table.size_bytes / GIB)))
    if table.item_count >= 10_000:
        segments = max(segments, 4)
    return segments


def partial_path(target: str | Path) -> Path:
    """Where an export writes until it is complete (then renamed to `target`)."""
    return Path(str(target) + ".partial")


async def _writing(target: Path, operation: Awaitable[T]) -> T:
    """`operation` on the export's files, with an OSError (no space, no folder...) explained."""
    try:
        return await operation
    except OSError as exc:
        raise UserInputError(f"Cannot write {target}", exc.strerror or str(exc)) from None


def _close_quietly(handle: IO[str]) -> None:
    with contextlib.suppress(OSError):
        handle.close()


STDOUT = "-"  # export to standard output, as Unix tools read "-"


class _ExportFile:
    """Where an export writes, opened in a thread.

    A regular file, or a symlink to one (written through to its target, the link kept), is written
    as `TARGET.partial` and renamed to TARGET when complete: an earlier file is never damaged. A
    pipe, a character device (a terminal, /dev/null) or `-` (standard output) is written directly:
    renaming would replace the pipe or device node itself, and its reader would get nothing.
    CSV rows go to a temporary body file first, because the header (one column per name and type)
    is known only at the end.
    """

    def __init__(self, path: str | Path, fmt: Format) -> None:
        self.stdout = str(path) == STDOUT
        self.direct = self.stdout
        if not self.stdout:
            try:
                mode: int | None = os.stat(path).st_mode  # follows symlinks
            except FileNotFoundError:
                mode = None  # a new file, or a symlink to one yet to be created
            if mode is not None and S_ISDIR(mode):
                raise IsADirectoryError(errno.EISDIR, "it is a directory")
            self.direct = mode is not None and not S_ISREG(mode)
        self.target = Path(path) if self.direct else Path(os.path.realpath(path))
        self._out = self._open_out()
        self._body: Path | None = None
        self.rows: IO[str] = self._out
        if fmt == "csv":
            folder = None if self.direct else self.target.parent
            fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".body", dir=folder)
            self._body = Path(name)
            self.rows = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def _open_out(self) -> IO[str]:
        if self.stdout:
            sys.stdout.flush()
            return os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", newline="")
        where = self.target if self.direct else partial_path(self.target)
        return open(where, "w", encoding="utf-8", newline="")

    def _write_csv(self, formatter: _Formatter) -> int:
        """The header, then the body file's rows; returns the characters written."""
        assert self._body is not None
        self.rows.close()
        size = self._out.write(formatter.header())
        with open(self._body, encoding="utf-8", newline="") as src:
            while chunk := src.read(1 << 20):
                size += self._out.write(chunk)
        self._body.unlink()
        return size

    def finish(self, formatter: _Formatter) -> int:
        """Complete the file (CSV: header first); returns the CSV's size (else 0)."""
        size = self._write_csv(formatter) if self._body is not None else 0
        self._out.close()
        if not self.direct:
            os.replace(partial_path(self.target), self.target)
        return size

    def abort(self, formatter: _Formatter) -> None:
        """Keep what was written (CSV: the rows so far, with their header), without the rename."""
        with contextlib.suppress(OSError):
            if self._body is not None:
                self._write_csv(formatter)
        if self._body is not None:
            with contextlib.suppress(OSError):
                self._body.unlink(missing_ok=True)
        _close_quietly(self.rows)
        _close_quietly(self._out)


def checkpoint_path(source: str | Path) -> Path:
    return Path(str(source) + CHECKPOINT_SUFFIX)


def _transient(exc: DdbConsoleError) -> bool:
    return isinstance(exc, ConnectionProblem) or (
        isinstance(exc, AwsError) and exc.code in THROTTLE_CODES
    )


@dataclass
class TransferProgress:
    """Where a transfer stands; `total` is an estimate (the table's ItemCount) or the record count."""

    items: int = 0
    bytes: int = 0
    total: int | None = None
    started: float = field(default_factory=time.monotonic)
    failed: int = 0
    retries: int = 0

    @property
    def elapsed(self) -> float:
        return max(1e-9, time.monotonic() - self.started)

    @property
    def rate(self) -> float:
        return self.items / self.elapsed

    @property
    def eta(self) -> float | None:
        if not self.total or self.items <= 0 or self.items >= self.total:
            return None
        return (self.total - self.items) / self.rate

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.items / self.total)

    def describe(self) -> str:
        eta = self.eta
        parts = [f"{self.items:,} items", f"{self.rate:,.0f} items/s"]
        if self.total:
            parts.insert(1, f"of ~{self.total:,}")
        if eta is not None:
            parts.append(f"ETA {eta:,.0f} s")
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        return ", ".join(parts)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    items: int
    bytes: int
    segments: int
    elapsed: float
    requests: int
    retries: int


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


# --- formats --------------------------------------------------------------------------------------


def _csv_cell(value: AttributeValue) -> str:
    kind = codec.type_of(value)
    raw = value[kind]
    if kind == "S":
        text = str(raw)
        return "\\" + text if text == "" or text.startswith("\\") else text
    if kind == "N":
        return str(raw)
    if kind == "B":
        return base64.b64encode(raw).decode("ascii") or "\\"  # empty: "\\", not absent
    if kind == "BOOL":
        return "true" if raw else "false"
    if kind == "NULL":
        return "null"
    return codec.dumps_value(value)


def _csv_value(cell: str, kind: str) -> AttributeValue:
    if kind == "S":
        return {"S": cell[1:] if cell.startswith("\\") else cell}
    if kind == "N":
        codec.check_number(cell)
        return {"N": cell}
    if kind == "B":
        if cell == "\\":
            return {"B": b""}
        try:
            return {"B": base64.b64decode(cell, validate=True)}
        except ValueError:
            raise UserInputError("Invalid base64", f"{cell[:40]!r}") from None
    if kind == "BOOL":
        if cell not in ("true", "false"):
            raise UserInputError("Invalid BOOL", f"{cell[:40]!r}: write true or false")
        return {"BOOL": cell == "true"}
    if kind == "NULL":
        return {"NULL": True}
    value = codec.loads_value(cell)
    if codec.type_of(value) != kind:
        raise UserInputError(
            "Wrong type in CSV cell", f"column type {kind}, value {codec.type_of(value)}"
        )
    return value


def parse_csv_header(row: list[str]) -> list[tuple[str, str]]:
    columns = []
    for cell in row:
        name, sep, kind = cell.rpartition(":")
        if not sep or not name or kind not in codec.TYPES:
            raise UserInputError(
                f"Invalid CSV header column {cell!r}",
                "write name:TYPE with TYPE one of " + ", ".join(codec.TYPES),
            )
        columns.append((name, kind))
    return columns


class _Formatter:
    """Turns items into text; CSV rows go to a body file and get their header at the end."""

    def __init__(self, fmt: Format) -> None:
        self.fmt = fmt
        self.columns: dict[tuple[str, str], int] = {}

    def lines(self, items: list[Item]) -> str:
        if self.fmt == "jsonl":
            return "".join(codec.dumps(i, "plain", indent=None) + "\n" for i in items)
        if self.fmt == "dynamodb-jsonl":
            return "".join(codec.dumps(i, "dynamodb", indent=None) + "\n" for i in items)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for item in items:
            cells: dict[int, str] = {}
            for name, value in item.items():
                column = (name, codec.type_of(value))
                index = self.columns.setdefault(column, len(self.columns))
                cells[index] = _csv_cell(value)
            width = max(cells) + 1 if cells else 0
            writer.writerow([cells.get(i, "") for i in range(width)])
        return out.getvalue()

    def header(self) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([f"{n}:{t}" for n, t in self.columns])
        return out.getvalue()


@dataclass
class _Record:
    number: int  # 1-based record number (non-blank line for JSON lines, data row for CSV)
    text: str  # the record as read, for the failure file
    item: Item | None = None
    error: str = ""
    line: int = 0  # the file line the record ends on (1-based), for the failure file


def _read_records(handle: IO[str], fmt: Format) -> Iterator[_Record]:
    """Records of a file, parsed; a record that does not parse carries its error."""
    if fmt == "csv":
        yield from _read_csv(handle)
        return
    form: codec.Form = "dynamodb" if fmt == "dynamodb-jsonl" else "plain"
    number = 0
    for line_number, line in enumerate(handle, 1):
        stripped = line.strip()
        if not stripped:
            continue
        number += 1
        try:
            yield _Record(number, stripped, codec.loads(stripped, form), line=line_number)
        except (CodecError, ValueError) as exc:
            # The codec counts lines within the record: this one is always "line 1".
            error = str(exc).replace("line 1, column", "column").replace("line 1: ", "")
            yield _Record(number, stripped, error=error, line=line_number)


# An item is at most 400 KB; base64 makes a binary cell up to 4/3 of that. csv's default is 128 KB.
_CSV_FIELD_LIMIT = 1 << 20


def _read_csv(handle: IO[str]) -> Iterator[_Record]:
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    reader = csv.reader(handle)
    try:
        header = next(reader)
        columns = parse_csv_header(header)
        number = 0
        for row in reader:
            if not row:
                continue  # a blank line
            number += 1
            text = json.dumps(row, ensure_ascii=False)
            line = reader.line_num
            if len(row) > len(columns):
                yield _Record(
                    number, text, error=f"{len(row)} cells for {len(columns)} columns", line=line
                )
                continue
            try:
                item: Item = {}
                for (name, kind), cell in zip(columns, row, strict=False):
                    if cell == "":
                        continue
                    if name in item:
                        raise UserInputError(f"Attribute {name!r} given twice", "one type per row")
                    item[name] = _csv_value(cell, kind)
                yield _Record(number, text, item, line=line)
            except (DdbConsoleError, ValueError) as exc:
                yield _Record(number, text, error=str(exc), line=line)
    except StopIteration:
        return
    except csv.Error as exc:
        raise UserInputError(f"Unreadable CSV at line {reader.line_num}", str(exc)) from None


# --- checkpoint ranges ----------------------------------------------------------------------------


class Ranges:
    """A set of record numbers as sorted, merged, inclusive ranges."""

    def __init__(self, ranges: list[list[int]] | None = None) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for a, b in ranges or ():
            self.add(a, b)

    def add(self, a: int, b: int) -> None:
        i = bisect.bisect_left(self.ends, a - 1)
        j = bisect.bisect_right(self.starts, b + 1)
        if i < j:
            a = min(a, self.starts[i])
            b = max(b, self.ends[j - 1])
        self.starts[i:j] = [a]
        self.ends[i:j] = [b]

    def __contains__(self, n: object) -> bool:
        if not isinstance(n, int):
            return False
        i = bisect.bisect_right(self.starts, n) - 1
        return i >= 0 and n <= self.ends[i]

    def count(self) -> int:
        return sum(b - a + 1 for a, b in zip(self.starts, self.ends, strict=True))

    def as_list(self) -> list[list[int]]:
        return [[a, b] for a, b in zip(self.starts, self.ends, strict=True)]


def _add_numbers(ranges: Ranges, numbers: list[int]) -> None:
    if not numbers:
        return
    numbers = sorted(numbers)
    start = prev = numbers[0]
    for n in numbers[1:]:
        if n != prev + 1:
            ranges.add(start, prev)
            start = n
        prev = n
    ranges.add(start, prev)


def _fingerprint(path: Path, table: TableInfo, fmt: Format) -> dict[str, Any]:
    """What a checkpoint is valid for: this file as it is, this table (not one recreated since)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise UserInputError(f"Cannot read {path}", exc.strerror or str(exc)) from None
    if not S_ISREG(stat.st_mode):
        raise UserInputError(
            f"Cannot import from {path}",
            "import reads the file twice (validation, then writing): give a regular file, "
            "not a pipe, a device or a directory",
        )
    created = table.created.isoformat() if table.created else None
    return {
        "table": table.name,
        "table_created": created,
        "format": fmt,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def _same_file(candidate: Path, *others: Path) -> bool:
    resolved = candidate.resolve()
    return any(resolved == other.resolve() for other in others)


async def _write_checkpoint(path: Path, data: dict[str, Any]) -> None:
    try:
        await asyncio.to_thread(_save_checkpoint, path, data)
    except OSError as exc:
        raise UserInputError(
            f"Cannot write the checkpoint {path}",
            f"{exc.strerror or exc}; it goes next to the input file, which must be in a "
            "writable folder",
        ) from None


def _save_checkpoint(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")  # saves may overlap
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


# --- rate limit -----------------------------------------------------------------------------------


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


# --- the service ----------------------------------------------------------------------------------


@dataclass
class _Batch:
    records: list[_Record]
    keys: set[Any]  # their primary keys (canonical)
    finished: asyncio.Event  # set when the batch is written or has failed


class TransferService:
    def __init__(self, session: AwsSession, items: ItemService) -> None:
        self._session = session
        self._items = items

    async def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        # Sent once: `_retrying` owns the retries (session.py, "Retries").
        return await self._session.call("dynamodb", operation, retry=False, **params)

    async def _retrying(
        self, progress: TransferProgress, operation: str, max_attempts: int, **params: Any
    ) -> dict[str, Any]:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._call(operation, **params)
            except DdbConsoleError as exc:
                if not _transient(exc) or attempt >= max_attempts:
                    raise
                progress.retries += 1
                await _sleep(_backoff(attempt, 0.05, 5.0))

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
        written directly (see `_ExportFile`).
        """
        if fmt not in FORMATS:
            raise UserInputError(f"Unknown format {fmt!r}", "use " + ", ".join(FORMATS))
        if query is not None and segments not in (None, 1):
            raise UserInputError(
                "Segments split a whole-table scan", "a query is read in order: drop the segments"
            )
        target = Path(path)  # until opened: then where the items really go
        n = 1 if query is not None else (segments or default_segments(table))
        if not 1 <= n <= MAX_EXPLICIT_SEGMENTS:
            raise UserInputError(
                "Invalid segment count", f"give 1 .. {MAX_EXPLICIT_SEGMENTS} segments"
            )
        # A query's size is unknown; a table's ItemCount is an estimate (updated every ~6 hours).
        state = TransferProgress(total=None if query is not None else table.item_count or None)
        queue: asyncio.Queue[list[Item] | None] = asyncio.Queue(maxsize=queue_pages or 2 * n + 2)
        requests = 0

        async def read_segment(segment: int) -> None:
            nonlocal requests
            start: Item | None = None
            while True:
                if query is not None:
                    resp = await self._query_page(table, query, start, state, max_attempts)
                else:
                    params: dict[str, Any] = {"TableName": table.name}
                    if n > 1:
                        params.update(Segment=segment, TotalSegments=n)
                    if start:
                        params["ExclusiveStartKey"] = start
                    if page_limit:
                        params["Limit"] = page_limit
                    resp = await self._retrying(state, "scan", max_attempts, **params)
                requests += 1
                items = resp.get("Items") or []
                if items:
                    await queue.put(items)
                start = resp.get("LastEvaluatedKey")
                if not start:
                    return

        formatter = _Formatter(fmt)
        out = await _writing(target, asyncio.to_thread(_ExportFile, path, fmt))
        target = out.target

        def write(items: list[Item]) -> int:
            text = formatter.lines(items)
            out.rows.write(text)
            return len(text.encode("utf-8")) if fmt != "csv" else len(text)

        async def writer() -> None:
            while True:
                items = await queue.get()
                if items is None:
                    return
                state.bytes += await _writing(target, asyncio.to_thread(write, items))
                state.items += len(items)
                if progress is not None:
                    progress(state)

        writer_task = asyncio.create_task(writer())
        readers = [asyncio.create_task(read_segment(s)) for s in range(n)]
        try:
            await asyncio.gather(*readers)
            await queue.put(None)
            await writer_task
        except BaseException:
            for task in (*readers, writer_task):
                task.cancel()
            await asyncio.gather(*readers, writer_task, return_exceptions=True)
            await asyncio.to_thread(out.abort, formatter)
            raise
        written = await _writing(target, asyncio.to_thread(out.finish, formatter))
        if fmt == "csv":
            state.bytes = written
        if progress is not None:
            progress(state)
        return ExportResult(
            target, state.items, state.bytes, n, state.elapsed, requests, state.retries
        )

    async def _query_page(
        self,
        table: TableInfo,
        query: QuerySpec,
        start: Item | None,
        state: TransferProgress,
        max_attempts: int,
    ) -> dict[str, Any]:
        attempt = 0
        while True:
            attempt += 1
            try:
                page = await self._items.query_page(table, query, start)
            except DdbConsoleError as exc:
                if not _transient(exc) or attempt >= max_attempts:
                    raise
                state.retries += 1
                await _sleep(_backoff(attempt, 0.05, 5.0))
                continue
            return {"Items": list(page.items), "LastEvaluatedKey": page.last_evaluated_key}

    # -- import

    async def validate(
        self, table: TableInfo, path: str | Path, fmt: Format = "jsonl"
    ) -> tuple[int, dict[int, str]]:
        """(records in the file, {record number: why it cannot be written}); nothing is sent.
        UserInputError if the file cannot be read at all."""
        return await asyncio.to_thread(_validate_file, table, Path(path), fmt)

    async def import_file(
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
    ) -> ImportResult:
        """Put every valid record of `path` into `table` (see the module docstring)."""
        if self._session.read_only:
            raise ReadOnlyViolation("dynamodb", "BatchWriteItem")
        if fmt not in FORMATS:
            raise UserInputError(f"Unknown format {fmt!r}", "use " + ", ".join(FORMATS))
        if rate is not None and rate <= 0:
            raise UserInputError("Invalid rate", "give a positive number of WCU per second")
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise UserInputError(
                "Invalid concurrency", f"give 1 .. {MAX_CONCURRENCY} requests in flight"
            )
        source = Path(path)
        fail_path = Path(failures) if failures else Path(str(source) + ".failures.jsonl")
        cp_path = checkpoint_path(source)
        fingerprint = await asyncio.to_thread(_fingerprint, source, table, fmt)
        if await asyncio.to_thread(_same_file, fail_path, source, cp_path):
            raise UserInputError(
                f"The failure file {fail_path} is the input or its checkpoint",
                "give another --failures path",
            )
        done = Ranges()
        if resume:
            done = await asyncio.to_thread(_load_checkpoint, cp_path, fingerprint)
        # Validation pass: the whole file, in a thread, before anything is written.
        total, invalid = await asyncio.to_thread(_validate_file, table, source, fmt)
        if rate is not None and (total - len(invalid)) / rate > MAX_IMPORT_SECONDS:
            # Every put costs at least one WCU: a rate this low would run for days.
            raise UserInputError(
                "Rate too low",
                f"{rate:g} WCU/s needs more than a day for {total:,} records: give at least "
                f"{math.ceil(total / MAX_IMPORT_SECONDS * 1000) / 1000:g}",
            )
        state = TransferProgress(total=total)
        skipped = 0  # counted while reading
        read = 0  # records the writing pass read (must equal the validation pass's total)
        # The side files must be writable before the first write: a checkpoint that cannot be
        # saved would make the import impossible to resume.
        await _write_checkpoint(cp_path, {**fingerprint, "done": done.as_list()})
        try:
            fail_handle = await asyncio.to_thread(open, fail_path, "w", encoding="utf-8")
        except OSError as exc:
            raise UserInputError(
                f"Cannot write the failure file {fail_path}", exc.strerror or str(exc)
            ) from None
        failed_count = 0
        written = requests = 0
        last_save = time.monotonic()
        bucket = TokenBucket(rate) if rate else None
        queue: asyncio.Queue[_Batch | None] = asyncio.Queue(maxsize=2 * concurrency)
        fail_lock = asyncio.Lock()

        async def record_failures(pairs: list[tuple[_Record, str]]) -> None:
            nonlocal failed_count
            text = "".join(
                json.dumps(
                    {"record": r.number, "line": r.line, "item": _record_value(r), "reason": why},
                    ensure_ascii=False,
                )
                + "\n"
                for r, why in pairs
            )
            async with fail_lock:
                await asyncio.to_thread(_write_flush, fail_handle, text)
                failed_count += len(pairs)
                state.failed = failed_count

        save_lock = asyncio.Lock()

        async def save_checkpoint(force: bool = False) -> None:
            nonlocal last_save
            if save_lock.locked() and not force:
                return  # a save is under way; the next batch saves again
            async with save_lock:
                if force or time.monotonic() - last_save >= _CHECKPOINT_EVERY:
                    last_save = time.monotonic()
                    await _write_checkpoint(cp_path, {**fingerprint, "done": done.as_list()})

        # Keys of the records queued or being written, with the event their batch sets when it is
        # done: a later record with the same key waits for it, so the file's last version wins.
        in_flight: dict[Any, asyncio.Event] = {}

        async def send(batch: list[_Record], keys: set[Any]) -> None:
            finished = asyncio.Event()
            for key in keys:
                in_flight[key] = finished
            await queue.put(_Batch(batch, keys, finished))

        async def producer() -> None:
            nonlocal skipped, read
            handle = await asyncio.to_thread(open, source, encoding="utf-8-sig", newline="")
            try:
                records = _read_records(handle, fmt)
                batch: list[_Record] = []
                keys: set[Any] = set()
                while True:
                    chunk = await asyncio.to_thread(_take, records, _CHUNK_LINES)
                    if not chunk:
                        break
                    read += len(chunk)
                    bad: list[tuple[_Record, str]] = []
                    for record in chunk:
                        if record.number in done:
                            skipped += 1
                            state.items += 1
                            continue
                        reason = invalid.get(record.number)
                        if reason is not None or record.item is None:
                            bad.append((record, reason or record.error))
                            continue
                        key = codec._canonical(
                            {"M": {k.name: record.item[k.name] for k in table.keys}}
                        )
                        if key in keys or len(batch) >= BATCH_SIZE:
                            # BatchWriteItem refuses two puts of one key in a request.
                            await send(batch, keys)
                            batch, keys = [], set()
                        earlier = in_flight.get(key)
                        if earlier is not None:
                            if batch:
                                await send(batch, keys)
                                batch, keys = [], set()
                            await earlier.wait()
                        batch.append(record)
                        keys.add(key)
                    if bad:
                        await record_failures(bad)
                if batch:
                    await send(batch, keys)
            finally:
                await asyncio.to_thread(handle.close)
            for _ in range(max(1, concurrency)):
                await queue.put(None)

        async def write(records: list[_Record]) -> None:
            """Write `records` (one request's worth), retrying what DynamoDB leaves unprocessed."""
            nonlocal written, requests
            pending = records
            attempt = 0
            while pending:
                attempt += 1
                if bucket is not None:
                    await bucket.take(sum(write_units(r.item or {}) for r in pending))
                requests += 1
                try:
                    # Every item passed the validation pass: skip botocore's second one.
                    resp = await self._session.call(
                        "dynamodb",
                        "batch_write_item",
                        validate=False,
                        retry=False,  # this loop retries (session.py, "Retries")
                        RequestItems={
                            table.name: [{"PutRequest": {"Item": r.item}} for r in pending]
                        },
                    )
                except ReadOnlyViolation:
                    raise
                except DdbConsoleError as exc:
                    if _transient(exc) and attempt < max_attempts:
                        state.retries += 1
                        await _sleep(_backoff(attempt, 0.05, 5.0))
                        continue
                    if isinstance(exc, ConnectionProblem):
                        # Unreachable through every retry: an outage, not a refusal. The failure
                        # file is for records DynamoDB refused; stop the whole import instead
                        # (the checkpoint is saved on the way out) so --resume continues.
                        raise ConnectionProblem(
                            exc.title,
                            f"{exc.advice + '; ' if exc.advice else ''}the import stopped; what "
                            f"was written is in {cp_path.name}: resume once it is back",
                            code=exc.code,
                        ) from exc
                    if len(pending) > 1 and not _transient(exc):
                        # DynamoDB refused the whole request for one item's sake (say a GSI
                        # key too long): write them one by one so only that one fails.
                        for record in pending:
                            await write([record])
                        return
                    await record_failures([(r, str(exc)) for r in pending])
                    return
                unprocessed = (resp.get("UnprocessedItems") or {}).get(table.name, [])
                accepted, pending = _split_unprocessed(table, pending, unprocessed)
                _add_numbers(done, [r.number for r in accepted])
                written += len(accepted)
                state.items += len(accepted)
                state.bytes += sum(len(r.text) for r in accepted)
                if progress is not None:
                    progress(state)
                await save_checkpoint()
                if not pending:
                    return
                if attempt >= max_attempts:
                    reason = f"still unprocessed after {attempt} attempts (throttled)"
                    await record_failures([(r, reason) for r in pending])
                    return
                state.retries += 1
                await _sleep(_backoff(attempt, 0.05, 5.0))

        async def worker() -> None:
            while True:
                batch = await queue.get()
                if batch is None:
                    return
                try:
                    await write(batch.records)
                finally:
                    for key in batch.keys:
                        if in_flight.get(key) is batch.finished:
                            del in_flight[key]
                    batch.finished.set()

        tasks = [asyncio.create_task(producer())]
        tasks += [asyncio.create_task(worker()) for _ in range(max(1, concurrency))]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await save_checkpoint(force=True)
            await asyncio.to_thread(fail_handle.close)
            raise
        await asyncio.to_thread(fail_handle.close)
        if read != total:
            await save_checkpoint(force=True)
            raise UserInputError(
                f"{source} changed during the import",
                f"the validation pass read {total:,} records, the writing pass {read:,}; "
                "what was written is in the checkpoint (--resume once the file is final)",
            )
        if failed_count == 0:
            await asyncio.to_thread(_remove, cp_path)
            await asyncio.to_thread(_remove, fail_path)
        else:
            await save_checkpoint(force=True)
        if progress is not None:
            progress(state)
        table_count = await self.count(table.name) if count else None
        return ImportResult(
            records=total,
            written=written,
            skipped=skipped,
            failed=failed_count,
            invalid=len(invalid),
            requests=requests,
            retries=state.retries,
            elapsed=state.elapsed,
            failures_path=fail_path if failed_count else None,
            table_count=table_count,
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


# --- helpers run in threads -----------------------------------------------------------------------


def _split_unprocessed(
    table: TableInfo, pending: list[_Record], unprocessed: list[dict[str, Any]]
) -> tuple[list[_Record], list[_Record]]:
    """(accepted, still pending): matched by primary key (one put per key in a request)."""
    if not unprocessed:
        return pending, []

    def key(item: Mapping[str, AttributeValue]) -> Any:
        return codec._canonical({"M": {k.name: item[k.name] for k in table.keys}})

    left = {key(u["PutRequest"]["Item"]) for u in unprocessed}
    accepted = [r for r in pending if key(r.item or {}) not in left]
    return accepted, [r for r in pending if key(r.item or {}) in left]


def _take(records: Iterator[_Record], n: int) -> list[_Record]:
    out = []
    for record in records:
        out.append(record)
        if len(out) >= n:
            break
    return out


def _write_flush(handle: IO[str], text: str) -> None:
    handle.write(text)
    handle.flush()


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def _record_value(record: _Record) -> Any:
    if record.item is not None:
        return json.loads(codec.dumps(record.item, "dynamodb", indent=None))
    return record.text


def _validate_file(table: TableInfo, path: Path, fmt: Format) -> tuple[int, dict[int, str]]:
    """(records, {record number: reason}) for every record that cannot be written."""
    invalid: dict[int, str] = {}
    total = 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:  # a BOM is not data
            for record in _read_records(handle, fmt):
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


def _load_checkpoint(path: Path, fingerprint: dict[str, Any]) -> Ranges:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return Ranges()
    except (OSError, ValueError) as exc:
        raise UserInputError(f"Cannot read the checkpoint {path}", str(exc)) from None
    for key, value in fingerprint.items():
        if data.get(key) != value:
            raise UserInputError(
                "The checkpoint does not match this import",
                f"{path} was written for another {key} ({data.get(key)!r}); delete it to start over",
                code="CheckpointMismatch",
            )
    return Ranges(data.get("done") or [])
