"""`ddbconsole tail TABLE`: a table's stream, one line per record, like `kubectl logs -f`.

    ddbconsole tail Orders --since 15m                 # the last 15 minutes, then stop
    ddbconsole tail Orders --follow                    # from now on, until Ctrl-C
    ddbconsole tail Orders --from-start --event REMOVE --key '{"PK": "CUST#1"}'

Lines are JSON (`jsonl`, the default): event, time, sequence, shard, keys, old and new image, in the
editor's lossless plain JSON (`--output dynamodb-json` for DynamoDB JSON); `--output text` is for
people. Records keep stream order within each partition key. Without --follow the tail stops at the
stream's current end. Notices (trimmed data, new shards, what a KEYS_ONLY stream lacks) go to stderr.
Ctrl-C ends it (exit 130); a closed stdout (`| head`) ends it quietly (exit 141).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ddbconsole import codec
from ddbconsole.errors import NotFound, UserInputError

if TYPE_CHECKING:
    from ddbconsole.services import Services

OUTPUTS = ("jsonl", "dynamodb-json", "text")


def _filter(args: argparse.Namespace, key_names: tuple[str, ...]) -> Any:
    from ddbconsole.services.stream_records import RecordFilter, parse_events

    key = None
    if args.key:
        from ddbconsole.cli_items import parse_item

        key = parse_item(args.key)
        unknown = [n for n in key if key_names and n not in key_names]
        if unknown:
            raise UserInputError(
                f"--key names {', '.join(unknown)}, which is not a key attribute",
                "key attributes: " + ", ".join(key_names),
            )
    return RecordFilter(
        events=parse_events(args.event) if args.event else frozenset(),
        key=key,
        key_prefix=args.key_prefix or "",
        partition_key=key_names[0] if key_names else "",
        attribute=args.attribute or "",
    )


async def cmd_tail(services: Services, args: argparse.Namespace) -> int:
    from ddbconsole.services.stream_records import json_line, parse_since, text_line

    since = parse_since(args.since) if args.since else None
    stream = await services.streams.find(args.table)
    if stream is None:
        raise NotFound(
            f"{args.table} has no stream",
            "enable one (console: Settings tab, S; or aws dynamodb update-table "
            "--stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES)",
            code="NoStream",
        )
    keep = _filter(args, stream.key_names)
    if stream.lacks():
        print(f"ddbconsole: {stream.lacks()}", file=sys.stderr, flush=True)
    if stream.status not in ("ENABLED", "ENABLING"):
        print(
            f"ddbconsole: the stream is {stream.status}: it keeps records for 24 hours",
            file=sys.stderr,
        )
    form: codec.Form = "dynamodb" if args.output == "dynamodb-json" else "plain"
    tail = services.streams.tail(
        stream, from_start=args.from_start, since=since, follow=args.follow
    )
    out = sys.stdout
    async for batch in tail.batches():
        for notice in batch.notices:
            print(f"ddbconsole: {notice}", file=sys.stderr, flush=True)
        lines = [
            text_line(r) if args.output == "text" else json_line(r, form)
            for r in batch.records
            if not keep.active or keep.matches(r)
        ]
        if lines:
            # A closed stdout (`| head`) raises BrokenPipeError here: cli.main ends quietly (141).
            out.write("\n".join(lines) + "\n")
            out.flush()
    return 0


def add_stream_commands(subparsers: Any) -> None:
    tail = subparsers.add_parser(
        "tail", help="print a table's stream records (what changed), optionally following it"
    )
    tail.add_argument("table")
    start = tail.add_mutually_exclusive_group()
    start.add_argument(
        "--since", metavar="DURATION", help="records of the last DURATION (15m, 2h, 90s; max 24h)"
    )
    start.add_argument(
        "--from-start", action="store_true", help="every record the stream holds (24 hours)"
    )
    tail.add_argument(
        "--follow", "-f", action="store_true", help="keep printing new records until Ctrl-C"
    )
    tail.add_argument(
        "--event", metavar="INSERT,MODIFY,REMOVE", help="only these events (EXPIRED: TTL removals)"
    )
    tail.add_argument("--key", metavar="JSON", help='key attributes to match, e.g. \'{"PK": "a"}\'')
    tail.add_argument("--key-prefix", metavar="TEXT", help="partition keys starting with TEXT")
    tail.add_argument(
        "--attribute",
        metavar="NAME",
        help="only records that added, changed or removed the attribute NAME",
    )
    tail.add_argument(
        "--output", choices=OUTPUTS, default="jsonl", help="jsonl (default), dynamodb-json, text"
    )
    tail.set_defaults(run=cmd_tail)
