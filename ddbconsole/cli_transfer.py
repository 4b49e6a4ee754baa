"""Bulk subcommands: export and import (formats and guarantees: ddbconsole/services/transfer/).

    ddbconsole export Users -o users.jsonl                     # plain JSON lines, parallel scan
    ddbconsole export Orders -o paid.csv --format csv --index ByStatus --pk PAID
    ddbconsole import Users users.jsonl --rate 500 --failures bad.jsonl
    ddbconsole import Users users.jsonl --resume               # after an interruption

With --pk (and optionally --sk, --index) export writes a query result instead of the whole table.
Progress (items, items/s, ETA) goes to stderr when it is a terminal. Import exits 1 if any record
could not be written (they are listed in the failure file), 3 in read-only mode (nothing sent).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import TYPE_CHECKING, Any

from ddbconsole.errors import ReadOnlyViolation

if TYPE_CHECKING:
    from ddbconsole.services import Services
    from ddbconsole.services.transfer import TransferProgress

FORMAT_CHOICES = ("jsonl", "dynamodb-jsonl", "csv")


class _Progress:
    """Progress on stderr, at most a few times a second, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, progress: TransferProgress) -> None:
        now = time.monotonic()
        if self.enabled and now - self.last >= 0.25:
            self.last = now
            sys.stderr.write("\r\x1b[K" + progress.describe())
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")


async def cmd_export(services: Services, args: argparse.Namespace) -> int:
    from ddbconsole.cli_items import _key, key_arguments
    from ddbconsole.errors import UserInputError
    from ddbconsole.models import QuerySpec

    table = await services.tables.describe(args.table)
    query = None
    if args.pk is not None:
        keys, sort = key_arguments(table, args)
        query = QuerySpec(
            partition_value=_key(args.pk, keys[0], "partition key"), index=args.index, sort=sort
        )
    elif args.index or args.sk:
        raise UserInputError("--index and --sk need --pk", "give the partition key to query")
    progress = _Progress()
    result = await services.transfer.export(
        table, args.output, fmt=args.format, segments=args.segments, query=query, progress=progress
    )
    progress.done()
    print(
        f"exported {result.items:,} items ({result.bytes:,} bytes) to {result.path} "
        f"in {result.elapsed:.1f} s, {result.segments} segment(s)",
        file=sys.stderr,
    )
    return 0


async def cmd_import(services: Services, args: argparse.Namespace) -> int:
    if services.read_only:
        raise ReadOnlyViolation("dynamodb", "BatchWriteItem")
    from ddbconsole.services.transfer import checkpoint_path

    table = await services.tables.describe(args.table)
    if args.resume and not checkpoint_path(args.file).exists():
        print(
            f"no checkpoint {checkpoint_path(args.file)}: starting from the first record",
            file=sys.stderr,
        )
    progress = _Progress()
    result = await services.transfer.import_file(
        table,
        args.file,
        fmt=args.format,
        rate=args.rate,
        concurrency=args.concurrency,
        failures=args.failures,
        resume=args.resume,
        progress=progress,
        count=not args.no_count,
    )
    progress.done()
    parts = [f"imported {result.written:,} of {result.records:,} records"]
    if result.skipped:
        parts.append(f"{result.skipped:,} already written (resume)")
    if result.failed:
        parts.append(
            f"{result.failed:,} failed ({result.invalid:,} invalid), see {result.failures_path}"
        )
    if result.table_count is not None:
        parts.append(f"table now holds {result.table_count:,} items")
    print("; ".join(parts) + f"; {result.elapsed:.1f} s", file=sys.stderr)
    return 0 if result.ok else 1


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def add_transfer_commands(subparsers: Any) -> None:
    """Register export and import; each sets `run=async (services, args) -> int`."""
    from ddbconsole.cli_items import _positive

    export = subparsers.add_parser("export", help="export a table or a query result to a file")
    export.add_argument("table")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    export.add_argument("--format", choices=FORMAT_CHOICES, default="jsonl")
    export.add_argument(
        "--segments", type=_positive, help="parallel scan segments (default: from the table size)"
    )
    export.add_argument("--pk", metavar="VALUE", help="export the query on this partition key")
    export.add_argument("--sk", metavar="COND", help="sort key condition, as for `query`")
    export.add_argument("--index", help="query this index (with --pk)")
    export.set_defaults(run=cmd_export)

    imp = subparsers.add_parser("import", help="import items from a file (BatchWriteItem)")
    imp.add_argument("table")
    imp.add_argument("file")
    imp.add_argument("--format", choices=FORMAT_CHOICES, default="jsonl")
    imp.add_argument("--rate", type=_positive_float, metavar="WCU", help="write units per second")
    imp.add_argument("--concurrency", type=_positive, default=8, help="requests in flight (8)")
    imp.add_argument(
        "--failures", metavar="FILE", help="failure file (default: FILE.failures.jsonl)"
    )
    imp.add_argument(
        "--resume", action="store_true", help="skip records an interrupted import already wrote"
    )
    imp.add_argument("--no-count", action="store_true", help="skip the final count scan")
    imp.set_defaults(run=cmd_import)
