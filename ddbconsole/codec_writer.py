"""The plain form's writer (codec.py describes the form), fast enough for bulk conversions.

One writer serves the editor, the CLI and every export: `codec.dumps(item)` and the conversion of a
DynamoDB export's lines (services/transfer/s3_reader.py) are two instances of the same functions,
which differ only in where binary comes from: an item holds ``bytes``; DynamoDB JSON, as json.loads
parses it, holds base64 text, which is decoded and encoded again exactly as
``base64.b64encode(base64.b64decode(text))`` would (so the text written is the same as for the
decoded item). Numbers are written from their literal text (normalised only when the literal is not
a JSON number, see `json_number`), never through ``float``.

A value that is not well formed (not one tag, an unknown tag, a BOOL that is not a boolean, a NULL
that is not true, a map or list of the wrong JSON type, a string or number that is not text) raises
ValueError or TypeError; the bulk path then hands the line to the full parser (codec.loads), which
says what is wrong and where. Writing is per value, with no state: the cost is a handful of C calls
per attribute (see docs/ARCHITECTURE.md, "Lossless items").
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ddbconsole.jsonnodes import NUMBER

TAGS = ("$B", "$SS", "$NS", "$BS", "$M")

# What json.dumps(value, ensure_ascii=False) writes for a str, without its per-call set-up.
_str: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]
_is_number = NUMBER.fullmatch


def json_number(literal: str) -> str:
    """`literal` as a JSON number: itself when it already is one (the usual case), else normalised."""
    if _is_number(literal):
        return literal
    return str(Decimal(literal.strip()))


def base64_of_bytes(data: bytes) -> str:
    return binascii.b2a_base64(bytes(data), newline=False).decode("ascii")


def base64_of_text(text: str) -> str:
    """Base64 text as b64encode(b64decode(text)) gives it (non-alphabet characters dropped, as
    b64decode does; ValueError if it is not base64)."""
    if type(text) is not str:
        raise TypeError("binary in DynamoDB JSON is base64 text")
    return binascii.b2a_base64(binascii.a2b_base64(text), newline=False).decode("ascii")


ValueWriter = Callable[[Mapping[str, Any], "str | None", str], str]
MembersWriter = Callable[[Mapping[str, Any], "str | None", str], str]


def make_writer(b64: Callable[[Any], str]) -> tuple[ValueWriter, MembersWriter]:
    """(value writer, members writer) with binary encoded by `b64`.

    value(v, pad, step) writes one attribute value, members(m, pad, step) a map's members as a JSON
    object (an item is its members: the top level is never a tag). pad is None for one line, else
    the newline and indentation of the line the value starts on; step is one level of indentation.
    Pretty output has a line per map member and list element; tagged values stay on one line.
    """

    def value(v: Mapping[str, Any], pad: str | None, step: str) -> str:
        try:
            ((kind, raw),) = v.items()
        except (ValueError, AttributeError):
            raise ValueError(f"not a DynamoDB attribute value: {v!r}") from None
        if kind == "S":
            return _str(raw)
        if kind == "N":
            return raw if _is_number(raw) else json_number(raw)
        if kind == "M":
            if type(raw) is not dict:
                raise ValueError("M takes an object")
            body = members(raw, pad, step)
            if len(raw) == 1 and next(iter(raw)) in TAGS:
                return ('{"$M":' if pad is None else '{"$M": ') + body + "}"
            return body
        if kind == "L":
            if type(raw) is not list:
                raise ValueError("L takes an array")
            if not raw:
                return "[]"
            if pad is None:
                return "[" + ",".join([value(x, None, step) for x in raw]) + "]"
            inner = pad + step
            rows = [value(x, inner, step) for x in raw]
            return "[" + inner + ("," + inner).join(rows) + pad + "]"
        if kind == "BOOL":
            if raw is True:
                return "true"
            if raw is False:
                return "false"
            raise ValueError("BOOL takes true or false")
        if kind == "NULL":
            if raw is not True:
                raise ValueError("NULL must be true")
            return "null"
        sep, colon = (",", ":") if pad is None else (", ", ": ")
        if kind == "B":
            return '{"$B"' + colon + '"' + b64(raw) + '"}'
        if kind == "SS":
            return '{"$SS"' + colon + "[" + sep.join([_str(s) for s in raw]) + "]}"
        if kind == "NS":
            return '{"$NS"' + colon + "[" + sep.join([json_number(n) for n in raw]) + "]}"
        if kind == "BS":
            return '{"$BS"' + colon + "[" + sep.join(['"' + b64(b) + '"' for b in raw]) + "]}"
        raise ValueError(f"unknown DynamoDB type {kind!r}")

    def members(m: Mapping[str, Any], pad: str | None, step: str) -> str:
        if not m:
            return "{}"
        if pad is None:
            return (
                "{" + ",".join([_str(k) + ":" + value(x, None, step) for k, x in m.items()]) + "}"
            )
        inner = pad + step
        parts = [_str(k) + ": " + value(x, inner, step) for k, x in m.items()]
        return "{" + inner + ("," + inner).join(parts) + pad + "}"

    return value, members


# Items (binary as bytes): codec.dumps and codec.dumps_value.
value_text, members_text = make_writer(base64_of_bytes)
# DynamoDB JSON as json.loads parses it (binary as base64 text): the export conversions.
json_value_text, json_members_text = make_writer(base64_of_text)


def item_text(item: Mapping[str, Any], indent: int | None = None) -> str:
    """An item in the plain form: one line (indent None) or pretty, keys in the order stored."""
    if indent is None:
        return members_text(item, None, "")
    return members_text(item, "\n", " " * indent)


def json_item_line(data: Mapping[str, Any]) -> str:
    """A DynamoDB JSON item (as json.loads parses it) as one line of the plain form: the same text
    as item_text of the item it describes."""
    return json_members_text(data, None, "")
