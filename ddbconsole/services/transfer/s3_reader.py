"""Reading a finished DynamoDB export to S3 as AWS writes it, into the console's export formats.

The layout (AWS's "DynamoDB data export to Amazon S3: output"): under
`<prefix>/AWSDynamoDB/<export id>/`, `manifest-summary.json` (one JSON object: the export's ARN,
times, item count, `manifestFilesS3Key`, `outputFormat`, `exportType`), `manifest-files.json` (one
JSON object per line: `dataFileS3Key`, `itemCount`, `md5Checksum`, `etag`) and the gzip data files
it names. A full export's DYNAMODB_JSON lines are `{"Item": {...}}`; an incremental export's are
`{"Metadata": ..., "Keys": {...}, "NewImage": {...}, "OldImage": {...}}` (no NewImage: a delete).

Every data file is streamed (GetObject read in chunks, gunzipped incrementally with a bounded
output per step, split into lines), converted and written through formats.ExportFile (FILE.partial
renamed when complete), so memory stays flat whatever the export's size. Lines already in the
requested layout (DYNAMODB_JSON to `dynamodb-json` or `dynamodb-jsonl`) are passed through as text.
A full export to `jsonl` or `csv` converts a whole block of lines at once (codec_blocks), in a few
worker processes for a large export (block_workers.py); a block that path refuses, and incremental
exports, go line by line (`convert_lines`). ION exports are read by transfer/ion.py (the subset of
Ion text DynamoDB writes) into any of the formats. One block is converted while the next is read
and gunzipped; blocks are written in order.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import json
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddbconsole import codec
from ddbconsole.codec import AttributeValue, CodecError, Item
from ddbconsole.codec_blocks import Column, answer
from ddbconsole.codec_writer import json_item_line
from ddbconsole.errors import UserInputError
from ddbconsole.services.transfer import ion as ion_reader
from ddbconsole.services.transfer.block_workers import GONE, BlockWorkers, worker_count
from ddbconsole.services.transfer.formats import (
    ITEM_PREFIX,
    ExportFile,
    Format,
    Formatter,
    check_format,
    json_csv_cell,
    unwrap_item,
)
from ddbconsole.services.transfer.progress import ProgressFn, TransferProgress

if TYPE_CHECKING:
    from ddbconsole.services.session import AwsSession

CHUNK = 256 << 10  # bytes read from S3 per step
AHEAD = 16  # chunks read ahead of the conversion at most (4 MiB)
OUT_STEP = 1 << 20  # decompressed bytes per step at most: memory stays flat (a few MB of items)


class ExportUnreadable(UserInputError):
    """The export cannot be read as AWS documents it (missing manifest, ION, not finished)."""


@dataclass(frozen=True)
class ExportManifest:
    bucket: str
    summary_key: str
    summary: dict[str, Any]
    files: tuple[dict[str, Any], ...]  # manifest-files.json, one entry per data file

    @property
    def output_format(self) -> str:
        return str(self.summary.get("outputFormat", "DYNAMODB_JSON"))

    @property
    def export_type(self) -> str:
        return str(self.summary.get("exportType", "FULL_EXPORT"))

    @property
    def item_count(self) -> int:
        return int(self.summary.get("itemCount") or sum(f.get("itemCount", 0) for f in self.files))


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    items: int
    deleted: int  # incremental exports: deletes (no NewImage), not written
    files: int
    compressed_bytes: int
    bytes: int
    elapsed: float


def _binary(value: AttributeValue) -> AttributeValue:
    """DynamoDB JSON's base64 strings -> bytes, recursively (the codec's items hold bytes)."""
    ((kind, raw),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(raw)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in raw]}
    if kind == "M":
        return {"M": {k: _binary(v) for k, v in raw.items()}}
    if kind == "L":
        return {"L": [_binary(v) for v in raw]}
    return value


def item_from_json(data: dict[str, Any]) -> Item:
    """A DynamoDB JSON item as parsed by json.loads -> the codec's item. Lossless: every number
    is a string in DynamoDB JSON, so json.loads never turns one into a float."""
    return {name: _binary(value) for name, value in data.items()}


async def _get_json(session: AwsSession, bucket: str, key: str) -> bytes:
    resp = await session.call("s3", "get_object", Bucket=bucket, Key=key)
    async with resp["Body"] as body:
        data: bytes = await body.read()
    return data


async def read_manifest(session: AwsSession, bucket: str, summary_key: str) -> ExportManifest:
    """manifest-summary.json, then the manifest-files.json it names."""
    if not summary_key.endswith("manifest-summary.json"):
        raise ExportUnreadable(
            f"{summary_key} is not a manifest-summary.json",
            "give the export's ARN, or the S3 key of its manifest-summary.json",
        )
    try:
        summary = json.loads(await _get_json(session, bucket, summary_key))
        files_key = str(summary.get("manifestFilesS3Key") or "")
        if not files_key:
            files_key = summary_key.rsplit("/", 1)[0] + "/manifest-files.json"
        text = (await _get_json(session, bucket, files_key)).decode("utf-8")
        files = tuple(json.loads(line) for line in text.splitlines() if line.strip())
    except ValueError as exc:
        raise ExportUnreadable("The export's manifest is not valid JSON", str(exc)) from None
    manifest = ExportManifest(bucket, summary_key, summary, files)
    if manifest.output_format not in ("DYNAMODB_JSON", "ION"):
        raise ExportUnreadable(
            f"The export is in {manifest.output_format}", "ddbconsole reads DYNAMODB_JSON and ION"
        )
    return manifest


def _full_codec(line: str, incremental: bool) -> Item | None:
    """A line through the codec's own parser (codec.loads): for what the fast path does not
    take, it gives the same item, or says what is wrong and where (CodecError)."""
    if not incremental:
        return codec.loads(unwrap_item(line), "dynamodb")
    image = json.loads(line).get("NewImage")
    return None if image is None else codec.loads(json.dumps(image), "dynamodb")


def convert_lines(
    lines: list[str], fmt: Format, formatter: Formatter, incremental: bool
) -> tuple[str, int, int]:
    """DynamoDB JSON lines -> (text in `fmt`, items, deletes).

    Each line is parsed by json.loads (every number is a string in DynamoDB JSON, so none goes
    through float) and written at once by the codec's writer for DynamoDB JSON
    (codec_writer.json_item_line, formats.json_csv_cell): no item is kept, so the cyclic garbage
    collector has little to walk. A line the writer refuses goes through the full codec instead
    (`_full_codec`), which gives the same text or a clear error; tests/unit/test_s3_convert.py
    checks that both give the same text.
    """
    loads, image_key = json.loads, ("NewImage" if incremental else "Item")
    out: list[str] = []
    rows = csv.writer(_Appender(out), lineterminator="\n") if fmt == "csv" else None
    items = deleted = 0
    for line in lines:
        try:
            image = loads(line).get(image_key)
            if image is not None:
                if rows is not None:
                    rows.writerow(formatter.row(image, json_csv_cell))
                else:
                    out.append(json_item_line(image) + "\n")
        except Exception:  # the full codec decides, and explains
            image = _full_codec(line, incremental)
            if image is not None:
                if rows is not None:
                    rows.writerow(formatter.row(image))
                else:
                    out.append(codec.dumps(image, indent=None) + "\n")
        if image is None:
            deleted += 1
        else:
            items += 1
    return "".join(out), items, deleted


class _Appender:
    """csv.writer's file: appends each row's text to a list."""

    def __init__(self, parts: list[str]) -> None:
        self.write = parts.append


def _converter(
    fmt: Format, incremental: bool, ion: bool = False
) -> tuple[Callable[[list[str]], Any], bool]:
    """(lines -> text or items, whether the result is text) for ION and the pass-through formats
    (the others: convert_lines)."""
    if ion:

        def from_ion(lines: list[str]) -> list[Item | None]:
            return [ion_reader.item_of(ion_reader.loads_line(line), incremental) for line in lines]

        return from_ion, False
    if not incremental and fmt == "dynamodb-json":
        return (lambda lines: "".join(line + "\n" for line in lines)), True
    if not incremental and fmt == "dynamodb-jsonl":
        return (lambda lines: "".join(unwrap_item(line) + "\n" for line in lines)), True

    def items(lines: list[str]) -> list[Item | None]:
        out: list[Item | None] = []
        for line in lines:
            data = json.loads(line)
            image = data.get("Item") if not incremental else data.get("NewImage")
            out.append(item_from_json(image) if image is not None else None)
        return out

    return items, False


class _Lines:
    """Blocks of complete lines from a stream of decompressed bytes (a partial last line is kept)."""

    def __init__(self) -> None:
        self.rest = b""

    def feed(self, data: bytes) -> bytes:
        data = self.rest + data
        cut = data.rfind(b"\n") + 1
        self.rest = data[cut:]
        return data[:cut]

    def end(self) -> bytes:
        rest, self.rest = self.rest, b""
        return rest + b"\n" if rest.strip() else b""

    @staticmethod
    def split(block: bytes) -> list[str]:
        return [line for line in block.decode("utf-8").split("\n") if line.strip()]


class _ReadAhead:
    """The data files' bytes, read by a task up to AHEAD chunks ahead of the conversion, so the
    download (S3's time and the network's) overlaps the conversion (this process's time) with
    memory still bounded. `next()` gives the next chunk of the current file, b"" at its end."""

    def __init__(self, session: AwsSession, bucket: str, keys: list[str]) -> None:
        self.queue: asyncio.Queue[bytes | BaseException] = asyncio.Queue(AHEAD)
        self.task = asyncio.ensure_future(self._fill(session, bucket, keys))

    async def _fill(self, session: AwsSession, bucket: str, keys: list[str]) -> None:
        try:
            for key in keys:
                resp = await session.call("s3", "get_object", Bucket=bucket, Key=key)
                async with resp["Body"] as body:
                    while chunk := await body.read(CHUNK):
                        await self.queue.put(chunk)
                await self.queue.put(b"")
        except Exception as exc:  # handed to the reader, raised there
            await self.queue.put(exc)

    async def next(self) -> bytes:
        got = await self.queue.get()
        if isinstance(got, BaseException):
            raise got
        return got

    async def __aenter__(self) -> _ReadAhead:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


WORKERS_FROM = 200_000  # items: a smaller export converts in this process (workers take ~0.3 s)


async def _abort(
    out: ExportFile,
    formatter: Formatter,
    writing: asyncio.Future[Any] | None,
    pool: BlockWorkers | None,
) -> None:
    """Stop the workers, and close the partial file (FILE.partial keeps what was written) once the
    thread writing a block (if any) is done with it."""
    if pool is not None:
        pool.kill()
        await pool.close()
    if writing is not None:
        await asyncio.wait([writing])
        if not writing.cancelled():
            writing.exception()  # retrieved: the error that matters is already raised
    await asyncio.to_thread(out.abort, formatter)


async def download_export(
    session: AwsSession,
    manifest: ExportManifest,
    path: str | Path,
    *,
    fmt: Format = "jsonl",
    progress: ProgressFn | None = None,
    workers: int | None = None,
) -> DownloadResult:
    """Convert every data file of `manifest` into `path` (see the module docstring). `workers`:
    how many worker processes convert blocks to JSON lines or CSV (None: block_workers.worker_count()
    for an export of WORKERS_FROM items or more, else none; 0: none)."""
    check_format(fmt)
    incremental = manifest.export_type == "INCREMENTAL_EXPORT"
    convert, as_text = _converter(fmt, incremental, manifest.output_format == "ION")
    state = TransferProgress(total=manifest.item_count or None)
    formatter = Formatter(fmt)
    try:
        out = await asyncio.to_thread(ExportFile, path, fmt)
    except OSError as exc:
        raise UserInputError(f"Cannot write {path}", exc.strerror or str(exc)) from None
    deleted = compressed = 0

    direct = manifest.output_format != "ION" and fmt in ("jsonl", "csv")
    # A full export to JSON lines or CSV converts whole blocks at once (codec_blocks), here or in
    # worker processes; the CSV columns so far go with each block (`known`, set by the writer).
    at_once = direct and not incremental
    known: list[tuple[Column, ...]] = [()]

    def request(block: bytes) -> bytes:
        if fmt == "jsonl":
            return b"J" + block
        return b"C" + json.dumps(known[0]).encode() + b"\n" + block

    def accepted(result: bytes) -> bytes | None:
        """A block's rows from its converted form, checked UTF-8, or None (it goes line by line)."""
        try:
            if fmt == "jsonl":
                result.decode("utf-8")
                return result
            cut = result.index(b"\n")
            columns = [(str(n), str(t)) for n, t in json.loads(result[:cut])]
            rows = result[cut + 1 :]
            rows.decode("utf-8")
        except UnicodeDecodeError:  # the per-line path says where
            return None
        current = list(formatter.columns)
        if columns[: len(current)] != current[: len(columns)]:
            return None  # columns were added since the block was sent: another order
        for column in columns[len(current) :]:
            formatter.columns[column] = len(formatter.columns)
        return rows

    def write(block: bytes, result: bytes | None) -> tuple[int, int, int]:
        """Write a block of lines, converted at once (`result`: codec_blocks.answer, here or by a
        worker) or else line by line; (items, deletes, size written)."""
        try:
            rows = accepted(result) if result is not None else None
            if rows is not None:
                out.rows.flush()  # after any text written line by line
                out.rows.buffer.write(rows)  # type: ignore[attr-defined]
                return block.count(b"\n"), 0, len(rows)
            return write_lines(block)
        finally:
            known[0] = tuple(formatter.columns)

    def write_lines(block: bytes) -> tuple[int, int, int]:
        lines = _Lines.split(block)
        if direct:
            text, count, gone = convert_lines(lines, fmt, formatter, incremental)
            out.rows.write(text)
            return count, gone, len(text)
        if as_text:
            text = convert(lines)
            out.rows.write(text)
            return len(lines), 0, len(text)
        parsed = convert(lines)
        kept = [i for i in parsed if i is not None]
        text = formatter.lines(kept)
        out.rows.write(text)
        return len(kept), len(parsed) - len(kept), len(text)

    # One block is converted in a thread while the next is read and gunzipped (zlib and the
    # file's writes release the GIL); blocks are written in order, one at a time.
    pending: asyncio.Future[tuple[int, int, int]] | None = None

    async def settle() -> None:
        """Wait for the block being converted, and count it."""
        nonlocal deleted, pending
        if pending is None:
            return
        try:
            # shielded: a cancelled download still waits (in _abort) for the thread to finish
            items, gone, size = await asyncio.shield(pending)
            pending = None
        except (ValueError, KeyError, TypeError, CodecError) as exc:
            pending = None
            what = exc.message if isinstance(exc, CodecError) else str(exc)
            raise ExportUnreadable("A data file holds a line that is not an item", what) from None
        state.items += items
        state.bytes += size
        deleted += gone
        if progress is not None:
            progress(state)

    def convert_and_write(block: bytes) -> tuple[int, int, int]:
        return write(block, answer(request(block)) if at_once else None)

    async def write_next(job: Callable[[], tuple[int, int, int]]) -> None:
        """Run `job` (a block's conversion and writing) in a thread once the block before it is
        written."""
        nonlocal pending
        await settle()
        pending = asyncio.ensure_future(asyncio.to_thread(job))

    # Blocks at the workers, oldest first: a few per worker, so none waits for the next block.
    converting: deque[tuple[bytes, asyncio.Future[bytes | None]]] = deque()
    if workers is None:
        workers = worker_count() if manifest.item_count >= WORKERS_FROM else 0
    pool: BlockWorkers | None = None

    async def flush(block: bytes) -> None:
        if not block:
            return
        if pool is None:
            await write_next(partial(convert_and_write, block))
            return
        converting.append((block, await pool.submit(request(block))))
        if len(converting) > 2 * workers:
            await written_one()

    async def written_one() -> None:
        block, answer = converting.popleft()
        result = await answer
        if result == GONE:  # the worker stopped: the block is converted here
            await write_next(partial(convert_and_write, block))
        else:
            await write_next(partial(write, block, result))

    try:
        if at_once and workers > 0:
            pool = await BlockWorkers.start(workers)
        keys = [str(entry["dataFileS3Key"]) for entry in manifest.files]
        async with _ReadAhead(session, manifest.bucket, keys) as chunks:
            for key in keys:
                gunzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
                lines = _Lines()
                read = 0
                while chunk := await chunks.next():
                    read += len(chunk)
                    compressed += len(chunk)
                    data = chunk
                    while data:
                        if gunzip.eof:  # another gzip member follows the last one
                            gunzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
                        await flush(lines.feed(gunzip.decompress(data, OUT_STEP)))
                        data = gunzip.unused_data if gunzip.eof else gunzip.unconsumed_tail
                if read == 0:
                    continue  # an empty partition's file: AWS writes one per partition, even empty
                if not gunzip.eof:
                    raise ExportUnreadable(f"{key} ends before its gzip stream does", "truncated?")
                await flush(lines.feed(gunzip.flush()) + lines.end())
        while converting:
            await written_one()
        await settle()
        expected = sum(int(f.get("itemCount", 0)) for f in manifest.files)
        if expected and state.items + deleted != expected:
            raise ExportUnreadable(
                f"Read {state.items + deleted:,} items, the manifest lists {expected:,}",
                "the export's files differ from its manifest; nothing was renamed into place",
            )
    except zlib.error as exc:
        await _abort(out, formatter, pending, pool)
        raise ExportUnreadable("A data file is not valid gzip", str(exc)) from None
    except BaseException:
        await _abort(out, formatter, pending, pool)
        raise
    if pool is not None:
        await pool.close()
    written = await asyncio.to_thread(out.finish, formatter)
    if fmt == "csv":
        state.bytes = written
    if progress is not None:
        progress(state)
    return DownloadResult(
        out.target,
        state.items,
        deleted,
        len(manifest.files),
        compressed,
        state.bytes,
        state.elapsed,
    )


__all__ = [
    "ITEM_PREFIX",
    "DownloadResult",
    "ExportManifest",
    "ExportUnreadable",
    "download_export",
    "item_from_json",
    "read_manifest",
]
