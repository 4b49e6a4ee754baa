"""DynamoDB items <-> editor JSON, losslessly, in two forms.

An *item* in this module is DynamoDB's own wire form, exactly as the API returns it:
``{"Name": {"S": "Ada"}, "Age": {"N": "36"}, "Blob": {"B": b"..."}}``. Numbers stay the strings
DynamoDB sent, binary stays ``bytes``, sets stay lists in the order they came. Nothing goes through
``float``.

Plain form (the editor's and the CLI's default)
-----------------------------------------------
The item is a JSON object of attribute names to values:

=========  ==========================================  =====================================
DynamoDB   plain JSON                                  example
=========  ==========================================  =====================================
S          JSON string                                 ``"Ada"``, ``""``
N          JSON number, written exactly as stored      ``12345678901234567890123456789012345678``,
                                                       ``0.12345678901234567890123456789012345678``,
                                                       ``-1E-130``
BOOL       ``true`` / ``false``
NULL       ``null``
M          JSON object                                 ``{"City": "Oslo"}``, ``{}``
L          JSON array                                  ``[1, "two", null]``, ``[]``
B          ``{"$B": "<base64>"}``                      ``{"$B": "AP8="}``
SS         ``{"$SS": [strings]}``                      ``{"$SS": ["a", "b"]}``
NS         ``{"$NS": [numbers]}``                      ``{"$NS": [1, 1.5]}``
BS         ``{"$BS": ["<base64>", ...]}``              ``{"$BS": ["AQ==", "AgM="]}``
=========  ==========================================  =====================================

A JSON object with exactly one key that is ``$B``, ``$SS``, ``$NS``, ``$BS`` or ``$M`` is a tagged
value; any other object is a map. A real map whose single key happens to be one of those tags is
written with the ``$M`` escape: the map ``{"$B": "x"}`` is ``{"$M": {"$B": "x"}}``. So every DynamoDB
value has exactly one plain spelling, which is what `dumps` writes (reading also accepts a needless
``$M``). The top-level object is always the item itself, never a tag. Base64 is standard, padded.

Numbers are parsed from their literal text (never through ``float``) and checked against DynamoDB's
rules before anything is sent: at most 38 significant digits, magnitude between 1E-130 and
9.9999999999999999999999999999999999999E+125, or zero.

Sets must be non-empty and free of duplicates (numbers compare by value: ``1`` and ``1.0`` are the
same), as DynamoDB requires. Objects must not repeat a key: silently keeping one would lose data.

DynamoDB JSON form
------------------
The form the API and ``aws dynamodb`` use: ``{"Name": {"S": "Ada"}, "Age": {"N": "36"}}``, with
binary as base64 strings.

Both forms are written pretty (2-space indent) with keys in the order stored, so the same item always
gives the same text; ``indent=None`` gives one compact line (JSON Lines). The plain form's writer is
codec_writer.py, shared with the bulk export paths.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, DecimalException, InvalidOperation
from typing import Any, Literal

from ddbconsole import codec_writer
from ddbconsole.errors import UserInputError
from ddbconsole.jsonnodes import (
    KIND_NAMES,
    MAX_NESTING,
    QUICK,
    SURROGATE_ESCAPE,
    Doubt,
    Node,
)
from ddbconsole.jsonnodes import CodecError as CodecError  # part of this module's API
from ddbconsole.jsonnodes import Parser as _Parser

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]
Form = Literal["plain", "dynamodb"]

MAX_ITEM_BYTES = 400 * 1024
MAX_DIGITS = 38
TAGS = ("$B", "$SS", "$NS", "$BS", "$M")
TYPES = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")

# What DynamoDB takes as a number's text: ASCII digits, an optional sign, point and exponent. Decimal
# alone would also take " 1", "1_000" and other scripts' digits.
_N_LITERAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


# --- numbers ------------------------------------------------------------------------------------


def check_number(literal: str) -> Decimal:
    """The value of a DynamoDB number literal; ValueError (plain English) if DynamoDB would refuse it."""
    try:
        value = Decimal(literal)
    except InvalidOperation:
        raise ValueError(f"{literal!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{literal} is not allowed: DynamoDB numbers must be finite")
    if not _N_LITERAL.fullmatch(literal):
        raise ValueError(f"{literal!r} is not a number (digits 0-9, sign, point, exponent)")
    if value.is_zero():
        return value
    digits = "".join(map(str, value.as_tuple().digits)).strip("0")
    if len(digits) > MAX_DIGITS:
        raise ValueError(
            f"{literal} has {len(digits)} significant digits; DynamoDB keeps at most {MAX_DIGITS}"
        )
    if value.adjusted() > 125:
        raise ValueError(f"{literal} is too large; DynamoDB numbers go up to 9.99...E+125")
    if value.adjusted() < -130:
        raise ValueError(f"{literal} is too small; the smallest DynamoDB number is 1E-130")
    return value


def _significant_digits(literal: str) -> int:
    value = Decimal(literal)
    digits = "".join(map(str, value.as_tuple().digits)).strip("0")
    return max(1, len(digits))


# --- plain form ---------------------------------------------------------------------------------


class _PlainReader:
    def __init__(self, parser: _Parser) -> None:
        self.p = parser

    def number(self, node: Node) -> str:
        try:
            check_number(node[1])
        except ValueError as exc:
            raise self.p.fail_line(str(exc), node[2]) from None
        return str(node[1])

    def base64(self, node: Node, what: str) -> bytes:
        if node[0] != "str":
            raise self.p.fail_line(f"{what} must be a base64 string", node[2])
        try:
            return base64.b64decode(node[1], validate=True)
        except (binascii.Error, ValueError):
            raise self.p.fail_line(f"{what}: invalid base64 {_short(node[1])}", node[2]) from None

    def value(self, node: Node) -> AttributeValue:
        kind, raw, pos = node
        if kind == "str":
            return {"S": raw}
        if kind == "num":
            return {"N": self.number(node)}
        if kind in ("true", "false"):
            return {"BOOL": kind == "true"}
        if kind == "null":
            return {"NULL": True}
        if kind == "arr":
            return {"L": [self.value(n) for n in raw]}
        if len(raw) == 1 and raw[0][0] in TAGS:
            return self.tagged(raw[0][0], raw[0][2], pos)
        return {"M": self.members(raw)}

    def members(self, members: list[tuple[str, int, Node]]) -> Item:
        return {key: self.value(node) for key, _, node in members}

    def elements(self, tag: str, node: Node) -> list[Node]:
        if node[0] != "arr":
            raise self.p.fail_line(f"{tag} takes an array, got {KIND_NAMES[node[0]]}", node[2])
        if not node[1]:
            raise self.p.fail_line(f"empty {tag}: DynamoDB does not allow empty sets", node[2])
        elements: list[Node] = node[1]
        return elements

    def tagged(self, tag: str, node: Node, pos: int) -> AttributeValue:
        if tag == "$B":
            return {"B": self.base64(node, "$B")}
        if tag == "$M":
            if node[0] != "obj":
                raise self.p.fail_line(f"$M takes an object, got {KIND_NAMES[node[0]]}", node[2])
            return {"M": self.members(node[1])}
        elements = self.elements(tag, node)
        if tag == "$SS":
            out: list[Any] = []
            for el in elements:
                if el[0] != "str":
                    raise self.p.fail_line("$SS values must be strings", el[2])
                out.append(el[1])
        elif tag == "$NS":
            out, keyed = [], []
            for el in elements:
                if el[0] != "num":
                    raise self.p.fail_line("$NS values must be numbers", el[2])
                out.append(self.number(el))
                keyed.append(Decimal(el[1]))
            return {"NS": self._unique(tag, out, keyed, elements)}
        else:
            out = [self.base64(el, "$BS values") for el in elements]
        return {tag[1:]: self._unique(tag, out, out, elements)}

    def _unique(self, tag: str, out: list[Any], keys: list[Any], nodes: list[Node]) -> list[Any]:
        if len(set(keys)) == len(keys):
            return out
        seen: dict[Any, str] = {}
        for key, node in zip(keys, nodes, strict=True):
            shown = _short(node[1]) if node[0] == "str" else str(node[1])
            first = seen.get(key)
            if first is not None:
                what = (
                    f"{shown} twice" if first == shown else f"{first} and {shown}, which are equal"
                )
                raise self.p.fail_line(f"{tag} holds {what}; a set cannot hold duplicates", node[2])
            seen[key] = shown
        return out


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + '..."'


def _item_node(parser: _Parser, node: Node) -> list[tuple[str, int, Node]]:
    if node[0] != "obj":
        raise parser.fail_line(f"an item must be a JSON object, got {KIND_NAMES[node[0]]}", node[2])
    members: list[tuple[str, int, Node]] = node[1]
    return members


def _read_item(text: str, reader: type[_PlainReader] | type[_DdbReader]) -> Item:
    parser = _Parser(text)
    try:
        if text.count("{") + text.count("[") > MAX_NESTING:
            raise Doubt("maybe nested too deeply")
        if "\\u" in text and SURROGATE_ESCAPE.search(text):
            raise Doubt("surrogate escape")  # the precise parser refuses unpaired ones
        text.encode("utf-8")  # raw unpaired surrogates
        node = QUICK.decode(text)
        if type(node) is not tuple or node[0] != "obj":
            raise Doubt("not an object")
        return reader(parser).members(node[1])
    except Exception:  # whatever it is, the precise parser decides and explains
        node = parser.document()
        return reader(parser).members(_item_node(parser, node))


def _loads_plain(text: str) -> Item:
    return _read_item(text, _PlainReader)


_b64 = codec_writer.base64_of_bytes


# --- DynamoDB JSON form ---------------------------------------------------------------------------


class _DdbReader:
    def __init__(self, parser: _Parser) -> None:
        self.p = parser
        self.plain = _PlainReader(parser)

    def members(self, members: list[tuple[str, int, Node]]) -> Item:
        return {key: self.value(node) for key, _, node in members}

    def value(self, node: Node) -> AttributeValue:
        kind, raw, pos = node
        if kind != "obj" or len(raw) != 1 or raw[0][0] not in TYPES:
            raise self.p.fail_line(
                'expected a typed value such as {"S": "text"} or {"N": "1"}, with one of '
                + ", ".join(TYPES),
                pos,
            )
        tag, _, inner = raw[0]
        ikind, iraw, ipos = inner
        if tag == "S":
            if ikind != "str":
                raise self.p.fail_line("S values must be strings", ipos)
            return {"S": iraw}
        if tag == "N":
            return {"N": self.number(inner)}
        if tag == "B":
            return {"B": self.plain.base64(inner, "B")}
        if tag in ("NULL", "BOOL"):
            if ikind not in ("true", "false"):
                raise self.p.fail_line(f"{tag} takes true or false", ipos)
            if tag == "NULL" and ikind != "true":
                raise self.p.fail_line("NULL must be true", ipos)
            return {tag: ikind == "true"}
        if tag == "M":
            if ikind != "obj":
                raise self.p.fail_line(f"M takes an object, got {KIND_NAMES[ikind]}", ipos)
            return {"M": self.members(iraw)}
        if tag == "L":
            if ikind != "arr":
                raise self.p.fail_line(f"L takes an array, got {KIND_NAMES[ikind]}", ipos)
            return {"L": [self.value(n) for n in iraw]}
        elements = self.plain.elements(tag, inner)
        if tag == "SS":
            for el in elements:
                if el[0] != "str":
                    raise self.p.fail_line("SS values must be strings", el[2])
            values = [el[1] for el in elements]
            return {"SS": self.plain._unique(tag, values, values, elements)}
        if tag == "NS":
            nums = [self.number(el) for el in elements]
            keys = [Decimal(n) for n in nums]
            return {"NS": self.plain._unique(tag, nums, keys, elements)}
        blobs = [self.plain.base64(el, "BS values") for el in elements]
        return {"BS": self.plain._unique(tag, blobs, blobs, elements)}

    def number(self, node: Node) -> str:
        if node[0] != "str":
            raise self.p.fail_line(
                'N values are strings in DynamoDB JSON, e.g. {"N": "1.5"}', node[2]
            )
        literal = str(node[1])
        try:
            check_number(literal)
        except ValueError as exc:
            raise self.p.fail_line(str(exc), node[2]) from None
        return literal


def _loads_ddb(text: str) -> Item:
    return _read_item(text, _DdbReader)


def _jsonable(value: AttributeValue) -> dict[str, Any]:
    ((kind, raw),) = value.items()
    if kind == "B":
        return {"B": _b64(raw)}
    if kind == "BS":
        return {"BS": [_b64(b) for b in raw]}
    if kind == "M":
        return {"M": {k: _jsonable(v) for k, v in raw.items()}}
    if kind == "L":
        return {"L": [_jsonable(v) for v in raw]}
    if kind not in TYPES:
        raise ValueError(f"unknown DynamoDB type {kind!r}")
    return {kind: raw}


def to_dynamodb_json(item: Mapping[str, AttributeValue]) -> dict[str, Any]:
    """The item as JSON-ready DynamoDB JSON (binary as base64 strings)."""
    return {name: _jsonable(value) for name, value in item.items()}


# --- public API -----------------------------------------------------------------------------------


def dumps(
    item: Mapping[str, AttributeValue], form: Form = "plain", *, indent: int | None = 2
) -> str:
    """The item as text: pretty (2-space indent, keys as stored) or one line with indent=None."""
    if form == "plain":
        return codec_writer.item_text(item, indent)
    if indent is None:
        return json.dumps(to_dynamodb_json(item), ensure_ascii=False, separators=(",", ":"))
    return json.dumps(to_dynamodb_json(item), ensure_ascii=False, indent=indent)


def loads(text: str, form: Form = "plain") -> Item:
    """Parse an item; CodecError (line, column, plain English) if it is not a valid item."""
    return _loads_plain(text) if form == "plain" else _loads_ddb(text)


def dumps_value(value: AttributeValue, form: Form = "plain") -> str:
    """One attribute value on one line (for table cells and key fields)."""
    if form == "plain":
        return codec_writer.value_text(value, None, "")
    return json.dumps(_jsonable(value), ensure_ascii=False, separators=(",", ":"))


def loads_value(text: str, form: Form = "plain") -> AttributeValue:
    """Parse one attribute value, e.g. a key typed into a field: `"user-1"`, `42`, `{"$B": "AQ=="}`."""
    parser = _Parser(text)
    node = parser.document()
    if form == "plain":
        return _PlainReader(parser).value(node)
    return _DdbReader(parser).value(node)


def to_python(item: Mapping[str, AttributeValue]) -> dict[str, Any]:
    """Python-native values (Decimal, set, boto3 Binary, dict, list...) via boto3's TypeDeserializer."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    try:
        return {name: deserializer.deserialize(value) for name, value in item.items()}
    except DecimalException as exc:
        # boto3's decimal context is narrower than DynamoDB's documented range near 1E-130.
        raise UserInputError(
            "Cannot convert a number to Python", f"boto3 refuses it ({type(exc).__name__})"
        ) from None


def from_python(data: Mapping[str, Any]) -> Item:
    """Python-native values to an item via boto3's TypeSerializer (floats are refused: use Decimal)."""
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    try:
        return {str(name): serializer.serialize(value) for name, value in data.items()}
    except (TypeError, ValueError) as exc:
        raise UserInputError("Cannot store this value in DynamoDB", str(exc)) from None


# --- comparison and size -------------------------------------------------------------------------


def canonical(value: AttributeValue) -> Any:
    """A hashable form of `value`, equal for values DynamoDB sees as equal (numbers by value, sets
    and maps regardless of order): for comparing items and keys, and as a dict or set key."""
    ((kind, raw),) = value.items()
    if kind == "N":
        return ("N", Decimal(raw))
    if kind == "NS":
        return ("NS", frozenset(Decimal(n) for n in raw))
    if kind in ("SS", "BS"):
        return (kind, frozenset(bytes(x) if kind == "BS" else x for x in raw))
    if kind == "B":
        return ("B", bytes(raw))
    if kind == "M":
        return ("M", frozenset((k, canonical(v)) for k, v in raw.items()))
    if kind == "L":
        return ("L", tuple(canonical(v) for v in raw))
    return (kind, raw)


def same_value(a: AttributeValue, b: AttributeValue) -> bool:
    """Equal as DynamoDB sees it: numbers by value, sets and maps regardless of order."""
    return bool(canonical(a) == canonical(b))


def same_item(a: Mapping[str, AttributeValue], b: Mapping[str, AttributeValue]) -> bool:
    """True when two items are equal as DynamoDB sees them (see same_value)."""
    return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def _number_size(literal: str) -> int:
    return (_significant_digits(literal) + 1) // 2 + 1


def value_size(value: AttributeValue) -> int:
    """DynamoDB's size of one attribute value, in bytes (without the attribute name)."""
    ((kind, raw),) = value.items()
    if kind == "S":
        return _utf8(raw)
    if kind == "N":
        return _number_size(raw)
    if kind == "B":
        return len(raw)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(_utf8(s) for s in raw)
    if kind == "NS":
        return sum(_number_size(n) for n in raw)
    if kind == "BS":
        return sum(len(b) for b in raw)
    if kind == "M":
        return 3 + sum(1 + _utf8(k) + value_size(v) for k, v in raw.items())
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in raw)
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: Mapping[str, AttributeValue]) -> int:
    """DynamoDB's size of an item in bytes (names + values), for the 400 KB pre-check.

    Strings and names count their UTF-8 bytes, binary its bytes, numbers about one byte per two
    significant digits plus one, BOOL and NULL one byte, maps and lists 3 bytes plus one per element.
    """
    return sum(_utf8(name) + value_size(value) for name, value in item.items())


def type_of(value: AttributeValue) -> str:
    """The DynamoDB type letter(s) of a value: S, N, B, SS, NS, BS, M, L, NULL or BOOL."""
    return next(iter(value))


def iter_types(item: Mapping[str, AttributeValue]) -> Iterable[tuple[str, str]]:
    """(attribute name, type) for each top-level attribute, in order."""
    return ((name, type_of(value)) for name, value in item.items())
