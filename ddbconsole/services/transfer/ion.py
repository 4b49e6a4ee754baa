"""Reading the Amazon Ion text DynamoDB writes in an ION export, one item per line, losslessly.

DynamoDB's mapping ("DynamoDB table export output format", Amazon Ion): S is an Ion string, N a
decimal (`103.`, `2d1`, `-1.5d-3`), BOOL a bool, NULL `null`, B a blob (`{{base64}}`), L a list,
M a struct, and the sets lists annotated `$dynamodb_SS::`, `$dynamodb_NS::`, `$dynamodb_BS::`.
A line is a struct (`{Item:{...}}`, or an incremental export's `{Keys:..., NewImage:...}`),
the first one preceded by the version marker `$ion_1_0`. This reads that subset of Ion text
(comments, quoted symbols, long strings and every string escape included) and nothing more:
anything else is refused with the column it was found at, never guessed.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from ddbconsole.codec import AttributeValue

_SPACE = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER = re.compile(
    r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[dDeE][-+]?[0-9]+)?|[-+]?\.[0-9]+(?:[dD][-+]?[0-9]+)?"
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "0": "\0", "a": "\a",
            "v": "\v", "?": "?", "'": "'", '"': '"', "\\": "\\", "/": "/"}  # fmt: skip
SETS = {"$dynamodb_SS": "SS", "$dynamodb_NS": "NS", "$dynamodb_BS": "BS"}


class IonError(ValueError):
    pass


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> IonError:
        near = self.text[self.pos : self.pos + 20]
        return IonError(f"Ion: {what} at column {self.pos + 1} (near {near!r})")

    def space(self) -> None:
        self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def peek(self, token: str) -> bool:
        self.space()
        return self.text.startswith(token, self.pos)

    def expect(self, token: str) -> None:
        if not self.peek(token):
            raise self.fail(f"expected {token!r}")
        self.pos += len(token)

    def string(self, quote: str) -> str:
        out: list[str] = []
        i, text = self.pos + 1, self.text
        while True:
            if i >= len(text):
                raise self.fail("unterminated string")
            ch = text[i]
            if ch == quote:
                self.pos = i + 1
                return "".join(out)
            if ch == "\\":
                code = text[i + 1 : i + 2]
                if code in _ESCAPES:
                    out.append(_ESCAPES[code])
                    i += 2
                elif code in ("x", "u", "U"):
                    size = {"x": 2, "u": 4, "U": 8}[code]
                    digits = text[i + 2 : i + 2 + size]
                    if len(digits) != size or not re.fullmatch(r"[0-9A-Fa-f]+", digits):
                        raise self.fail("bad escape")
                    out.append(chr(int(digits, 16)))
                    i += 2 + size
                elif code == "\n":  # a line continuation
                    i += 2
                else:
                    raise self.fail("bad escape")
                continue
            out.append(ch)
            i += 1

    def text_value(self) -> str:
        """A string: "short", or adjacent '''long''' segments (concatenated)."""
        if self.text.startswith("'''", self.pos):
            parts = []
            while self.text.startswith("'''", self.pos):
                end = self.text.find("'''", self.pos + 3)
                if end < 0:
                    raise self.fail("unterminated long string")
                segment = _Reader(self.text[self.pos + 2 : end + 1])
                parts.append(segment.string("'"))
                self.pos = end + 3
                self.space()
            return "".join(parts)
        return self.string('"')

    def symbol(self) -> str:
        self.space()
        if self.text.startswith("'", self.pos) and not self.text.startswith("'''", self.pos):
            return self.string("'")
        if self.text.startswith('"', self.pos):
            return self.string('"')
        found = _IDENT.match(self.text, self.pos)
        if found is None:
            raise self.fail("expected a field name")
        self.pos = found.end()
        return found.group(0)

    def value(self) -> AttributeValue:
        self.space()
        annotation = None
        found = _IDENT.match(self.text, self.pos)
        if found and self.text.startswith("::", found.end()):
            annotation = found.group(0)
            self.pos = found.end() + 2
            self.space()
        text, pos = self.text, self.pos
        if annotation is not None:
            kind = SETS.get(annotation)
            if kind is None or not text.startswith("[", pos):
                raise self.fail(f"unexpected annotation {annotation}")
            members = self.sequence()
            want = {"SS": "S", "NS": "N", "BS": "B"}[kind]
            if not members or any(next(iter(m)) != want for m in members):
                raise self.fail(f"{annotation} holds a value that is not {want}")
            return {kind: [m[want] for m in members]}
        if text.startswith("{{", pos):
            end = text.find("}}", pos)
            if end < 0:
                raise self.fail("unterminated blob")
            try:
                data = base64.b64decode("".join(text[pos + 2 : end].split()), validate=True)
            except ValueError:
                raise self.fail("bad base64 in a blob") from None
            self.pos = end + 2
            return {"B": data}
        if text.startswith("{", pos):
            return {"M": self.struct()}
        if text.startswith("[", pos):
            return {"L": self.sequence()}
        if text.startswith('"', pos) or text.startswith("'''", pos):
            return {"S": self.text_value()}
        for word, value in (("true", {"BOOL": True}), ("false", {"BOOL": False})):
            if text.startswith(word, pos):
                self.pos += len(word)
                return value
        if text.startswith("null", pos):
            self.pos += 4
            if text.startswith(".null", self.pos):
                self.pos += 5
            return {"NULL": True}
        number = _NUMBER.match(text, pos)
        if number is not None:
            self.pos = number.end()
            return {"N": _number(number.group(0))}
        raise self.fail("unexpected value")

    def sequence(self) -> list[AttributeValue]:
        self.expect("[")
        out: list[AttributeValue] = []
        while not self.peek("]"):
            out.append(self.value())
            if not self.peek("]"):
                self.expect(",")
        self.pos += 1
        return out

    def struct(self) -> dict[str, AttributeValue]:
        self.expect("{")
        out: dict[str, AttributeValue] = {}
        while not self.peek("}"):
            name = self.symbol()
            self.expect(":")
            if name in out:
                raise self.fail(f"field {name!r} given twice")
            out[name] = self.value()
            if not self.peek("}"):
                self.expect(",")
        self.pos += 1
        return out


def _number(literal: str) -> str:
    """An Ion decimal or int as a DynamoDB number literal: `103.` -> 103, `2d1` -> 2E1."""
    text = literal.replace("_", "").replace("d", "E").replace("D", "E")
    mantissa, sep, exponent = text.partition("E")
    if mantissa.endswith("."):
        mantissa = mantissa[:-1]
    if mantissa.startswith(("+", "-")) and mantissa[1:2] == ".":
        mantissa = mantissa[0] + "0" + mantissa[1:]
    elif mantissa.startswith("."):
        mantissa = "0" + mantissa
    return mantissa + (sep + exponent if sep else "")


def loads_line(line: str) -> dict[str, Any]:
    """One line of an ION export: its struct, as {field: AttributeValue} (the version marker
    `$ion_1_0` in front of it, if any, skipped)."""
    reader = _Reader(line)
    reader.space()
    if reader.text.startswith("$ion_1_0", reader.pos):
        reader.pos += len("$ion_1_0")
    value = reader.struct()
    reader.space()
    if reader.pos != len(reader.text):
        raise reader.fail("more than one value on the line")
    return value


def item_of(row: dict[str, Any], incremental: bool) -> dict[str, Any] | None:
    """The item of a row: Item (full export), NewImage (incremental; None for a delete)."""
    image = row.get("NewImage" if incremental else "Item")
    if image is None:
        if incremental:
            return None
        raise IonError("Ion: the line has no Item")
    if next(iter(image)) != "M":
        raise IonError("Ion: the Item is not a struct")
    return dict(image["M"])
