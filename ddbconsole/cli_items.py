"""Scriptable item subcommands: get, put, delete, query, scan, over the same services as the console.

Keys and items use the editor's plain JSON form (ddbconsole/codec.py): a JSON number is N, a string
is S, {"$SS": [...]} a string set, {"$B": "<base64>"} binary, and so on. `get` prints exactly what
`put` reads, so `ddbconsole get T KEY > item.json && ddbconsole put T @item.json` changes nothing.

    ddbconsole get Users '{"UserId": "user-0001"}'
    ddbconsole put Users @item.json              # replaces the item, like `aws dynamodb put-item`
    ddbconsole put Users @- --if-not-exists      # from stdin; refuses to replace an existing item
    ddbconsole delete Users '{"UserId": "user-0001"}'
    ddbconsole query Orders --index ByStatus --pk PAID --sk 'begins_with 2026-07' --limit 20
    ddbconsole scan Users --filter 'LoginCount > 4000 and contains(Roles, "admin")' --output jsonl

`--filter` takes the console's filter language (ddbconsole/filters.py): values in plain JSON
("PAID" is a string, 100 a number), terms joined by `and` or by `or`, functions begins_with,
contains, attribute_exists, attribute_not_exists, attribute_type and size; several --filter flags
are joined with AND. `--pk` and `--sk` values are read as the key's type, as in the console's query
form: `--pk 42` on a string key is the string "42". `--sk` takes `OP VALUE` (= < <= > >=
begins_with), `between LOW and HIGH` or one bare word (=); an unknown operator is an error
(exit 2). `--projection` takes `a, b.c, d[0]`.

Errors print one line on stderr with a non-zero exit code; in read-only mode writes exit with 3.
"""

from __future__ import annotations

import argparse
import codecs
import shlex
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ddbconsole import codec
from ddbconsole.codec import AttributeValue, CodecError, Item
from ddbconsole.errors import NotFound, UserInputError
from ddbconsole.models import (
    AttributePath,
    FilterCondition,
    KeyAttribute,
    Page,
    QuerySpec,
    ScanSpec,
    SortCondition,
    TableInfo,
)

if TYPE_CHECKING:
    from ddbconsole.services import Services

OUTPUTS = ("json", "jsonl", "dynamodb-json")
INPUTS = ("plain", "dynamodb-json")

# --- parsing arguments ---------------------------------------------------------------------------


def _form(name: str) -> codec.Form:
    return "dynamodb" if name == "dynamodb-json" else "plain"


def read_text(arg: str) -> tuple[str, str]:
    """The text of an argument that may be `@FILE` or `@-` (stdin); also a name for messages.

    Files and stdin are UTF-8 whatever the locale (a leading BOM is dropped)."""
    if not arg.startswith("@"):
        return arg, "the argument"
    path = arg[1:]
    source = "stdin" if path == "-" else path
    try:
        if path == "-":
            data = _read_stdin()
        else:
            with open(path, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        raise UserInputError(f"Cannot read {source}", exc.strerror or str(exc)) from None
    body = data.removeprefix(codecs.BOM_UTF8)  # as "utf-8-sig", keeping byte offsets right
    try:
        return body.decode("utf-8"), source
    except UnicodeDecodeError as exc:
        byte = len(data) - len(body) + exc.start + 1
        raise UserInputError(f"Cannot read {source}", f"not UTF-8 text (byte {byte})") from None


def _read_stdin() -> bytes:
    """All of stdin. Ctrl-C while waiting interrupts at once: under asyncio.run the first Ctrl-C
    only cancels the command at its next await, which a blocking read never reaches."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous in (
        None,
        signal.SIG_IGN,
        signal.default_int_handler,
    ):
        return sys.stdin.buffer.read()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return sys.stdin.buffer.read()
    finally:
        signal.signal(signal.SIGINT, previous)


def parse_item(arg: str, form: codec.Form = "plain") -> Item:
    text, source = read_text(arg)
    try:
        return codec.loads(text, form)
    except CodecError as exc:
        exc.title = f"Invalid item JSON in {source}"
        raise


def parse_sort(text: str, key: KeyAttribute) -> SortCondition:
    """`--sk 'begins_with ORDER#'`, `--sk '>= 10'`, `--sk 'between A and Z'`, or a bare value (=).

    Values are read as the sort key's type, as in the console's query form (filters.key_value).
    """
    from ddbconsole.filters import SORT_OPS, sort_condition

    tokens = text.split(maxsplit=1)
    if not tokens:
        raise UserInputError("Empty sort key condition", "write e.g. --sk 'begins_with 2026-'")
    op = "=" if tokens[0] == "==" else tokens[0].lower()
    if op not in SORT_OPS:
        if len(tokens) > 1 and not text.strip().startswith('"'):
            # Two words and the first is no operator: a typo ("like X") must not become "= like X".
            raise UserInputError(
                "Invalid sort key condition",
                f"unknown operator {tokens[0]!r}; use one of {', '.join(SORT_OPS)}"
                " (a value with spaces: '= VALUE' or a JSON string)",
            )
        op, value, value2 = "=", text, ""
    elif op == "between":
        # Only here are quotes grouping ("a b" is one bound); elsewhere the value is as typed.
        # '#' is part of a value (ORDER#2026 in single-table design), never a comment.
        lexer = shlex.shlex(text, posix=False)
        lexer.commenters = ""
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:  # shlex: "No closing quotation"
            raise UserInputError(
                "Invalid sort key condition", f"unbalanced quote in {text.strip()!r}"
            ) from None
        bounds = [t for t in tokens[1:] if t.lower() != "and"]
        if len(bounds) != 2:
            raise UserInputError("Invalid sort key condition", "write 'between LOW and HIGH'")
        value, value2 = bounds
    else:
        value, value2 = text.strip()[len(tokens[0]) :].strip(), ""
        if not value:
            raise UserInputError("Invalid sort key condition", f"{op} needs a value")
    condition = sort_condition(op, key.type, value, value2)
    assert condition is not None
    return condition


def parse_filters(texts: Sequence[str]) -> tuple[tuple[FilterCondition, ...], bool]:
    """The --filter expressions (the console's filter language, ddbconsole/filters.py): terms and
    whether they are joined by OR. Several --filter flags are joined with AND."""
    from ddbconsole.filters import parse_filter

    parsed = [parse_filter(t) for t in texts]
    parsed = [f for f in parsed if f.terms]
    if len(parsed) == 1:
        return parsed[0].terms, parsed[0].match_any
    if any(f.match_any and len(f.terms) > 1 for f in parsed):
        raise UserInputError(
            "Cannot join an 'or' filter with other --filter flags",
            "write the whole condition in one --filter",
        )
    return tuple(t for f in parsed for t in f.terms), False


def _projection(text: str | None) -> tuple[AttributePath, ...]:
    from ddbconsole.filters import parse_projection

    return parse_projection(text or "")


def key_arguments(
    table: TableInfo, args: argparse.Namespace
) -> tuple[tuple[KeyAttribute, ...], SortCondition | None]:
    """The key attributes of the table (or `--index`) and the `--sk` condition, if any."""
    from ddbconsole.services.items import key_schema

    keys, _ = key_schema(table, args.index)
    if args.sk is None:
        return keys, None
    if len(keys) < 2:
        raise UserInputError(f"{args.index or args.table} has no sort key", "drop --sk")
    return keys, parse_sort(args.sk, keys[1])


def _key(text: str, key: KeyAttribute, what: str) -> AttributeValue:
    from ddbconsole.filters import key_value

    value = key_value(text, key.type, what)
    if value is None:
        raise UserInputError(f"Missing {what} value", f"give the value of {key.name}")
    return value


# --- output ---------------------------------------------------------------------------------------


class Printer:
    """Writes items as they arrive (memory stays flat), in one of the --output forms."""

    def __init__(self, output: str, write: Callable[[str], object] = sys.stdout.write) -> None:
        self.output = output
        self.write = write
        self.count = 0

    def item(self, item: Item) -> None:
        form = _form(self.output)
        if self.output == "jsonl":
            self.write(codec.dumps(item, form, indent=None) + "\n")
            return
        text = codec.dumps(item, form)
        self.write(("[\n" if self.count == 0 else ",\n") + _indent(text))
        self.count += 1

    def close(self) -> None:
        if self.output != "jsonl":
            self.write("[]\n" if self.count == 0 else "\n]\n")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.split("\n"))


# --- commands -------------------------------------------------------------------------------------


async def _describe(services: Services, table: str) -> TableInfo:
    return await services.tables.describe(table)


async def cmd_get(services: Services, args: argparse.Namespace) -> int:
    from ddbconsole.services.items import validate_key

    given = parse_item(args.key, _form(args.input_format))
    table = await _describe(services, args.table)
    key = validate_key(table, given)
    item = await services.items.get_item(
        args.table, key, consistent=args.consistent, projection=_projection(args.projection)
    )
    if item is None:
        raise NotFound(
            "Item not found",
            f"no item in {args.table} has the key {codec.dumps(key, indent=None)}",
            code="ItemNotFound",
        )
    indent = None if args.output == "jsonl" else 2
    sys.stdout.write(codec.dumps(item, _form(args.output), indent=indent) + "\n")
    return 0


async def cmd_put(services: Services, args: argparse.Namespace) -> int:
    item = parse_item(args.item, _form(args.input_format))
    from ddbconsole.services.plans import refuse_read_only

    # The client hook would refuse the write; refuse before even describing the table.
    refuse_read_only(services.session, "dynamodb", "PutItem")
    table = await _describe(services, args.table)
    if args.if_not_exists:
        await services.items.put_new(table, item)
    else:
        await services.items.put(table, item)
    return 0


async def cmd_delete(services: Services, args: argparse.Namespace) -> int:
    from ddbconsole.services.items import validate_key

    given = parse_item(args.key, _form(args.input_format))
    from ddbconsole.services.plans import refuse_read_only

    refuse_read_only(services.session, "dynamodb", "DeleteItem")
    table = await _describe(services, args.table)
    await services.items.delete_item(args.table, validate_key(table, given))
    return 0


async def _pages(
    fetch: Callable[[Item | None, int | None], Any], limit: int | None, page_size: int | None
) -> AsyncIterator[Page]:
    start: Item | None = None
    remaining = limit
    while True:
        size = page_size
        if remaining is not None:
            size = remaining if size is None else min(size, remaining)
        page: Page = await fetch(start, size)
        yield page
        if remaining is not None:
            remaining -= page.count
            if remaining <= 0:
                return
        if page.last_evaluated_key is None:
            return
        start = page.last_evaluated_key


async def _emit(args: argparse.Namespace, fetch: Callable[[Item | None, int | None], Any]) -> int:
    # A closed stdout (`| head`) raises BrokenPipeError here: cli.main stops quietly (exit 141).
    printer = Printer(args.output)
    shown = 0
    async for page in _pages(fetch, args.limit, args.page_size):
        for item in page.items:
            if args.limit is not None and shown >= args.limit:
                break
            printer.item(item)
            shown += 1
    printer.close()
    return 0


async def cmd_scan(services: Services, args: argparse.Namespace) -> int:
    table: TableInfo | str = args.table
    if args.index or args.consistent:
        table = await _describe(services, args.table)
    filters, match_any = parse_filters(args.filter or ())
    base = ScanSpec(
        index=args.index,
        filters=filters,
        match_any=match_any,
        projection=_projection(args.projection),
        consistent=args.consistent,
    )

    async def fetch(start: Item | None, size: int | None) -> Page:
        spec = replace(base, limit=size)
        return await services.items.scan_page(table, spec, start)

    return await _emit(args, fetch)


async def cmd_query(services: Services, args: argparse.Namespace) -> int:

    table = await _describe(services, args.table)
    keys, sort = key_arguments(table, args)
    filters, match_any = parse_filters(args.filter or ())
    base = QuerySpec(
        partition_value=_key(args.pk, keys[0], "partition key"),
        index=args.index,
        sort=sort,
        filters=filters,
        match_any=match_any,
        projection=_projection(args.projection),
        ascending=not args.descending,
        consistent=args.consistent,
    )

    async def fetch(start: Item | None, size: int | None) -> Page:
        spec = replace(base, limit=size)
        return await services.items.query_page(table, spec, start)

    return await _emit(args, fetch)


# --- registration ---------------------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _reads(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", help="a global or local secondary index")
    parser.add_argument(
        "--filter",
        action="append",
        metavar="EXPR",
        help="filter on any attribute, e.g. 'Total >= 100 and begins_with(Name, \"A\")' "
        "(the console's filter language; repeatable, joined with AND)",
    )
    parser.add_argument("--projection", metavar="A,B.C", help="attributes to return")
    parser.add_argument("--limit", type=_positive, help="print at most this many items")
    parser.add_argument(
        "--page-size", type=_positive, help="items DynamoDB evaluates per request (its Limit)"
    )
    parser.add_argument(
        "--consistent", action="store_true", help="strongly consistent read (not on a GSI)"
    )
    parser.add_argument(
        "--output", choices=OUTPUTS, default="json", help="json (default), jsonl, dynamodb-json"
    )


def _input(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input-format", choices=INPUTS, default="plain", help="plain (default) or dynamodb-json"
    )


def add_item_commands(subparsers: Any) -> None:
    """Register get, put, delete, query and scan; each sets `run=async (services, args) -> int`."""
    get = subparsers.add_parser("get", help="print one item as JSON")
    get.add_argument("table")
    get.add_argument(
        "key", metavar="KEY_JSON", help="the key in plain JSON, or @FILE, e.g. '{\"Id\": 1}'"
    )
    get.add_argument("--consistent", action="store_true", help="strongly consistent read")
    get.add_argument("--projection", metavar="A,B.C", help="attributes to return")
    get.add_argument("--output", choices=OUTPUTS, default="json")
    _input(get)
    get.set_defaults(run=cmd_get)

    put = subparsers.add_parser(
        "put",
        help="write one item (replaces an existing item with the same key unless --if-not-exists)",
    )
    put.add_argument("table")
    put.add_argument(
        "item", metavar="ITEM_JSON_OR_@FILE", help="the item in plain JSON, @FILE or @-"
    )
    put.add_argument(
        "--if-not-exists",
        action="store_true",
        help="fail (nothing written) if an item with this key already exists",
    )
    _input(put)
    put.set_defaults(run=cmd_put)

    delete = subparsers.add_parser("delete", help="delete one item (fails if it does not exist)")
    delete.add_argument("table")
    delete.add_argument("key", metavar="KEY_JSON", help="the key in plain JSON, or @FILE")
    _input(delete)
    delete.set_defaults(run=cmd_delete)

    query = subparsers.add_parser("query", help="query a table or index, printing items as JSON")
    query.add_argument("table")
    query.add_argument("--pk", required=True, metavar="VALUE", help="partition key value")
    query.add_argument(
        "--sk",
        metavar="'OP VALUE'",
        help="sort key condition: = < <= > >= VALUE, 'between A and B', 'begins_with PREFIX'",
    )
    query.add_argument("--descending", action="store_true", help="sort key order high to low")
    _reads(query)
    query.set_defaults(run=cmd_query)

    scan = subparsers.add_parser("scan", help="scan a table or index, printing items as JSON")
    scan.add_argument("table")
    _reads(scan)
    scan.set_defaults(run=cmd_scan)
