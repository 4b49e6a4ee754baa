"""Scriptable item subcommands: get, put, delete, query, scan, over the same services as the console.

Keys and items use the editor's plain JSON form (ddbconsole/codec.py): a JSON number is N, a string
is S, {"$SS": [...]} a string set, {"$B": "<base64>"} binary, and so on. `get` prints exactly what
`put` reads, so `ddbconsole get T KEY > item.json && ddbconsole put T @item.json` changes nothing.

    ddbconsole get Users '{"UserId": "user-0001"}'
    ddbconsole put Users @item.json              # replaces the item, like `aws dynamodb put-item`
    ddbconsole put Users @- --if-not-exists      # from stdin; refuses to replace an existing item
    ddbconsole delete Users '{"UserId": "user-0001"}'
    ddbconsole query Orders --index ByStatus --pk PAID --sk 'begins_with 2026-07' --limit 20
    ddbconsole scan Users --filter 'LoginCount > 4000' --filter 'Roles contains admin' --output jsonl

Filters (`--filter`, repeatable, joined with AND or with OR under --any) read `PATH OP [VALUE...]`:
PATH is a name or a document path (Address.City, Lines[0].Sku; a name in double quotes is taken
literally) or size(PATH); OP is one of = <> < <= > >= between in begins_with contains exists
not_exists type. A VALUE is plain JSON when it looks like JSON (numbers, "quoted strings", true,
false, null, {...}, [...]) and a string otherwise. `--pk` and `--sk` values follow the key's type:
`--pk 42` on a string key is the string "42".

Errors print one line on stderr with a non-zero exit code; in read-only mode writes exit with 3.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from ddbconsole import codec
from ddbconsole.codec import AttributeValue, CodecError, Item
from ddbconsole.errors import NotFound, UserInputError
from ddbconsole.models import (
    AttributePath,
    FilterCondition,
    FilterOp,
    KeyAttribute,
    Page,
    QuerySpec,
    ScanSpec,
    SortCondition,
    SortOp,
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
    """The text of an argument that may be `@FILE` or `@-` (stdin); also a name for messages."""
    if not arg.startswith("@"):
        return arg, "the argument"
    path = arg[1:]
    if path == "-":
        return sys.stdin.read(), "stdin"
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(), path
    except OSError as exc:
        raise UserInputError(f"Cannot read {path}", exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise UserInputError(f"Cannot read {path}", "the file is not UTF-8 text") from None


def parse_item(arg: str, form: codec.Form = "plain") -> Item:
    text, source = read_text(arg)
    try:
        return codec.loads(text, form)
    except CodecError as exc:
        exc.title = f"Invalid item JSON in {source}"
        raise


_LOOKS_JSON = re.compile(r'\s*(?:[\[{"]|-?\d|true\s*$|false\s*$|null\s*$)')


def guess_value(text: str) -> AttributeValue:
    """A filter value: plain JSON when it looks like JSON, otherwise the text as a string."""
    if _LOOKS_JSON.match(text):
        try:
            return codec.loads_value(text)
        except CodecError as exc:
            if text.lstrip()[:1] in '[{"':
                raise UserInputError(f"Invalid value {text!r}", exc.message) from None
    return {"S": text}


def typed_value(text: str, key: KeyAttribute) -> AttributeValue:
    """A key value given on the command line, read according to the key's type."""
    stripped = text.strip()
    if key.type == "S":
        if stripped.startswith('"'):
            value = codec.loads_value(stripped)
            if codec.type_of(value) == "S":
                return value
        return {"S": text}
    if key.type == "N":
        try:
            codec.check_number(stripped)
        except ValueError as exc:
            raise UserInputError(f"{key.name} is a number key", str(exc)) from None
        return {"N": stripped}
    if stripped.startswith("{"):
        return codec.loads_value(stripped)
    return codec.loads_value(json.dumps({"$B": stripped}))


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]|(\.)")


def parse_path(text: str) -> AttributePath:
    """`Address.City` -> ("Address", "City"); `Lines[0].Sku` -> ("Lines", 0, "Sku");
    `"a.b"` (double quotes) -> the literal name a.b."""
    text = text.strip()
    if text.startswith('"'):
        try:
            name = json.loads(text)
        except ValueError:
            raise UserInputError(f"Invalid attribute name {text}", "unbalanced quotes") from None
        return str(name)
    parts: list[str | int] = []
    pos = 0
    for match in _PATH_PART.finditer(text):
        if match.start() != pos:
            break
        pos = match.end()
        if match.group(1) is not None:
            parts.append(match.group(1))
        elif match.group(2) is not None:
            parts.append(int(match.group(2)))
    if pos != len(text) or not parts or not isinstance(parts[0], str):
        raise UserInputError(f"Invalid attribute path {text!r}", "write e.g. Address.City or L[0]")
    return parts[0] if len(parts) == 1 else tuple(parts)


_OPS: dict[str, str] = {
    "=": "=",
    "==": "=",
    "<>": "<>",
    "!=": "<>",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "between": "between",
    "in": "in",
    "begins_with": "begins_with",
    "contains": "contains",
    "exists": "attribute_exists",
    "attribute_exists": "attribute_exists",
    "not_exists": "attribute_not_exists",
    "attribute_not_exists": "attribute_not_exists",
    "type": "attribute_type",
    "attribute_type": "attribute_type",
}
_FILTER = re.compile(
    r'\s*(?:size\((?P<size>[^)]*)\)|(?P<path>"(?:[^"\\]|\\.)*"|[^\s=<>!]+))\s*'
    r"(?P<op><>|!=|<=|>=|==|=|<|>|[a-z_]+\b)\s*(?P<rest>.*)\Z",
    re.DOTALL,
)


def _split_values(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=False)
    lexer.whitespace_split = True
    lexer.whitespace += ","
    return [t for t in lexer if t.lower() != "and"]


def parse_filter(text: str) -> FilterCondition:
    match = _FILTER.match(text)
    op = _OPS.get(match.group("op").lower()) if match else None
    if match is None or op is None:
        raise UserInputError(
            f"Cannot read the filter {text!r}",
            "write PATH OP VALUE, e.g. 'Total > 100', 'Name begins_with A', 'Nick exists'",
        )
    size = match.group("size") is not None
    path = parse_path(match.group("size") if size else match.group("path"))
    rest = match.group("rest").strip()
    if op in ("attribute_exists", "attribute_not_exists"):
        if rest:
            raise UserInputError(f"Cannot read the filter {text!r}", f"{op} takes no value")
        values: tuple[AttributeValue, ...] = ()
    elif op in ("between", "in"):
        values = tuple(guess_value(v) for v in _split_values(rest))
    elif op == "attribute_type":
        values = ({"S": rest.strip('"')},)
    else:
        if not rest:
            raise UserInputError(f"Cannot read the filter {text!r}", f"{op} needs a value")
        values = (guess_value(rest),)
    return FilterCondition(path, cast(FilterOp, op), values, size=size)


_SORT_OPS = ("=", "<", "<=", ">", ">=", "between", "begins_with")


def parse_sort(text: str, key: KeyAttribute) -> SortCondition:
    """`--sk 'begins_with ORDER#'`, `--sk '>= 10'`, `--sk 'between A Z'`, or a bare value for =."""
    lexer = shlex.shlex(text, posix=False)
    lexer.whitespace_split = True
    tokens = list(lexer)
    if not tokens:
        raise UserInputError("Empty sort key condition", "write e.g. --sk 'begins_with 2026-'")
    op = tokens[0].lower()
    if op == "==":
        op = "="
    if op not in _SORT_OPS:
        return SortCondition("=", typed_value(text, key))
    rest = text.strip()[len(tokens[0]) :].strip()
    if op == "between":
        bounds = [t for t in tokens[1:] if t.lower() != "and"]
        if len(bounds) != 2:
            raise UserInputError("Invalid sort key condition", "between takes two values")
        return SortCondition("between", typed_value(bounds[0], key), typed_value(bounds[1], key))
    return SortCondition(cast(SortOp, op), typed_value(rest, key))


def _projection(text: str | None) -> tuple[AttributePath, ...]:
    if not text:
        return ()
    return tuple(parse_path(p) for p in _split_values(text))


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
    if services.read_only:
        # The client hook would refuse the write; refuse before even describing the table.
        from ddbconsole.errors import ReadOnlyViolation

        raise ReadOnlyViolation("dynamodb", "PutItem")
    table = await _describe(services, args.table)
    if args.if_not_exists:
        await services.items.put_new(table, item)
    else:
        await services.items.put(table, item)
    return 0


async def cmd_delete(services: Services, args: argparse.Namespace) -> int:
    from ddbconsole.services.items import validate_key

    given = parse_item(args.key, _form(args.input_format))
    if services.read_only:
        from ddbconsole.errors import ReadOnlyViolation

        raise ReadOnlyViolation("dynamodb", "DeleteItem")
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
    printer = Printer(args.output)
    shown = 0
    try:
        async for page in _pages(fetch, args.limit, args.page_size):
            for item in page.items:
                if args.limit is not None and shown >= args.limit:
                    break
                printer.item(item)
                shown += 1
        printer.close()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    return 0


def _filters(args: argparse.Namespace) -> tuple[FilterCondition, ...]:
    return tuple(parse_filter(f) for f in args.filter or ())


async def cmd_scan(services: Services, args: argparse.Namespace) -> int:
    table: TableInfo | str = args.table
    if args.index or args.consistent:
        table = await _describe(services, args.table)
    base = ScanSpec(
        index=args.index,
        filters=_filters(args),
        match_any=args.any,
        projection=_projection(args.projection),
        consistent=args.consistent,
    )

    async def fetch(start: Item | None, size: int | None) -> Page:
        spec = replace(base, limit=size)
        return await services.items.scan_page(table, spec, start)

    return await _emit(args, fetch)


async def cmd_query(services: Services, args: argparse.Namespace) -> int:
    from ddbconsole.services.items import key_schema

    table = await _describe(services, args.table)
    keys, _ = key_schema(table, args.index)
    sort = None
    if args.sk is not None:
        if len(keys) < 2:
            raise UserInputError(f"{args.index or args.table} has no sort key", "drop --sk")
        sort = parse_sort(args.sk, keys[1])
    base = QuerySpec(
        partition_value=typed_value(args.pk, keys[0]),
        index=args.index,
        sort=sort,
        filters=_filters(args),
        match_any=args.any,
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
        metavar="'PATH OP VALUE'",
        help="filter on any attribute, e.g. 'Total > 100' (repeatable; joined with AND)",
    )
    parser.add_argument("--any", action="store_true", help="join the filters with OR")
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
        help="sort key condition: = < <= > >= VALUE, 'between A B', 'begins_with PREFIX'",
    )
    query.add_argument("--descending", action="store_true", help="sort key order high to low")
    _reads(query)
    query.set_defaults(run=cmd_query)

    scan = subparsers.add_parser("scan", help="scan a table or index, printing items as JSON")
    scan.add_argument("table")
    _reads(scan)
    scan.set_defaults(run=cmd_scan)
