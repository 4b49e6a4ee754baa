"""A small JSON parser that keeps positions and number literals, for the item codec (codec.py).

The codec must say where a mistake is (line and column), keep every number as the literal text
written (never through ``float``), and refuse a repeated key. json.loads does none of that, so the
precise `Parser` below walks the text; most text is valid, so a quick path lets json.loads (in C)
build the same nodes first (see "the quick path").
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from ddbconsole.errors import UserInputError

# JSON's number grammar: a literal that matches is written back as it is.
NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WS = re.compile(r"[ \t\n\r]*")
MAX_NESTING = 200  # parser guard; DynamoDB's own limit (32 levels) is checked by DynamoDB


class CodecError(UserInputError):
    """Text that is not a valid item: where (line, column; 1-based) and what is wrong."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__("Invalid item JSON", message, code="CodecError")
        self.message = message
        self.line = line
        self.column = column


# --- a small JSON parser that keeps positions and number literals --------------------------------
# Nodes are tuples (kind, value, pos): kind "str" | "num" (value = literal) | "true" | "false" |
# "null" | "arr" (list of nodes) | "obj" (list of (key, key_pos, node)).

Node = tuple[str, Any, int]


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def where(self, pos: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, pos) + 1
        column = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        return line, column

    def fail(self, message: str, pos: int | None = None) -> CodecError:
        line, column = self.where(self.pos if pos is None else pos)
        return CodecError(f"line {line}, column {column}: {message}", line, column)

    def fail_line(self, message: str, pos: int) -> CodecError:
        line, column = self.where(pos)
        return CodecError(f"line {line}: {message}", line, column)

    def skip(self) -> None:
        self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def document(self) -> Node:
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail("the text is empty; expected a JSON object")
        node = self.value()
        self.skip()
        if self.pos < len(self.text):
            raise self.fail("unexpected text after the end of the JSON value")
        return node

    def value(self) -> Node:
        text, pos = self.text, self.pos
        if pos >= len(text):
            raise self.fail("unexpected end of text; expected a value")
        ch = text[pos]
        if ch == "{":
            return self.obj()
        if ch == "[":
            return self.arr()
        if ch == '"':
            return ("str", self.string(), pos)
        for word in ("true", "false", "null"):
            if text.startswith(word, pos):
                self.pos = pos + len(word)
                return (word, None, pos)
        match = NUMBER.match(text, pos)
        if match:
            self.pos = match.end()
            return ("num", match.group(0), pos)
        if text.startswith(("NaN", "Infinity", "-Infinity"), pos):
            raise self.fail("NaN and Infinity are not allowed: DynamoDB numbers must be finite")
        if ch == "'":
            raise self.fail("strings must use double quotes")
        if ch in "}]":
            raise self.fail(f"unexpected '{ch}'; expected a value")
        raise self.fail("expected a value (string, number, object, array, true, false or null)")

    def string(self) -> str:
        try:
            value, end = scanstring(self.text, self.pos + 1)
        except json.JSONDecodeError as exc:
            if exc.msg.startswith("Unterminated"):
                raise self.fail("this string is never closed (missing '\"')") from None
            raise self.fail(
                exc.msg.replace("Invalid", "invalid").split(" at")[0], exc.pos
            ) from None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise self.fail("the string holds an unpaired surrogate (\\ud800-\\udfff)") from None
        self.pos = end
        return str(value)

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail("nested too deeply")

    def obj(self) -> Node:
        start = self.pos
        self.nested()
        self.pos += 1
        members: list[tuple[str, int, Node]] = []
        seen: set[str] = set()
        self.skip()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            self.depth -= 1
            return ("obj", members, start)
        while True:
            self.skip()
            if not self.text.startswith('"', self.pos):
                if self.text.startswith("}", self.pos):
                    raise self.fail("trailing comma before '}'")
                raise self.fail("expected a key in double quotes")
            key_pos = self.pos
            key = self.string()
            if key in seen:
                line, column = self.where(key_pos)
                raise CodecError(f"duplicate key {key!r} on line {line}", line, column)
            seen.add(key)
            self.skip()
            if not self.text.startswith(":", self.pos):
                raise self.fail("expected ':' after the key")
            self.pos += 1
            self.skip()
            members.append((key, key_pos, self.value()))
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("}", self.pos):
                self.pos += 1
                self.depth -= 1
                return ("obj", members, start)
            if self.pos >= len(self.text):
                raise self.fail("unexpected end of text; expected ',' or '}'")
            raise self.fail("expected ',' or '}'")

    def arr(self) -> Node:
        start = self.pos
        self.nested()
        self.pos += 1
        elements: list[Node] = []
        self.skip()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            self.depth -= 1
            return ("arr", elements, start)
        while True:
            self.skip()
            if self.text.startswith("]", self.pos):
                raise self.fail("trailing comma before ']'")
            elements.append(self.value())
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("]", self.pos):
                self.pos += 1
                self.depth -= 1
                return ("arr", elements, start)
            if self.pos >= len(self.text):
                raise self.fail("unexpected end of text; expected ',' or ']'")
            raise self.fail("expected ',' or ']'")


KIND_NAMES = {
    "str": "a string",
    "num": "a number",
    "true": "true",
    "false": "false",
    "null": "null",
    "arr": "an array",
    "obj": "an object",
}


# --- the quick path: json.loads (C) builds the same nodes ----------------------------------------
# The precise parser above walks the text in Python so that it can say where a mistake is. Most text is
# valid, so `_read_item` first lets json.loads build the nodes (positions unknown, 0) and runs the same
# reader over them; on any doubt or error it parses again with the precise parser, which accepts or
# refuses exactly as before and gives the line and column. Text with more brackets than the nesting
# limit, or with a surrogate escape, goes to the precise parser directly (it checks both).

SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class Doubt(Exception):
    """The quick path cannot vouch for this text."""


def _quick_number(literal: str) -> Node:
    return ("num", literal, 0)


def _quick_constant(name: str) -> Node:
    raise Doubt(name)  # NaN, Infinity: the precise parser explains


def _quick_node(value: Any) -> Node:
    """The node of a value json.loads returned; objects and numbers are nodes already."""
    kind = type(value)
    if kind is tuple:
        node: Node = value
        return node
    if kind is str:
        return ("str", value, 0)
    if kind is list:
        return ("arr", [_quick_node(v) for v in value], 0)
    if value is None:
        return ("null", None, 0)
    return ("true" if value else "false", None, 0)


def _quick_object(pairs: list[tuple[str, Any]]) -> Node:
    members = [(key, 0, _quick_node(value)) for key, value in pairs]
    if len({m[0] for m in members}) != len(members):
        raise Doubt("duplicate key")
    return ("obj", members, 0)


QUICK = json.JSONDecoder(
    object_pairs_hook=_quick_object,
    parse_int=_quick_number,
    parse_float=_quick_number,
    parse_constant=_quick_constant,
)
