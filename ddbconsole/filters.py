"""A small condition language for filters, typed by operators in the UI and the CLI.

    Status = "PAID" and Total >= 100
    begins_with(SK, "ORDER#2026") or contains(Tags, "vip")
    size(Lines) > 2 and attribute_exists(Gift) and Address.City in ("Oslo", "Kyoto")
    Total between 10 and 20 and attribute_type(Note, "S") and attribute_not_exists(`weird name`)

Values are written in the editor's plain JSON form ("x" is S, 12.50 is N exactly, {"$SS": [...]} a
set...), so the filter and the editor agree on types. Terms are joined all by `and` or all by `or`.
Names are bare (letters, digits, _ and -), or quoted in backticks for anything else; `a.b[0]` is a
document path. The result is FilterCondition values: user text never becomes expression syntax (the
service builds expressions with placeholders).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ddbconsole import codec
from ddbconsole.errors import UserInputError
from ddbconsole.models import AttributePath, FilterCondition, SortCondition

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_WS = re.compile(r"\s*")
_OPS = ("<=", ">=", "<>", "!=", "=", "<", ">")
_FUNCS = (
    "begins_with",
    "contains",
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "size",
)


class FilterSyntaxError(UserInputError):
    def __init__(self, message: str, text: str, pos: int, what: str = "Filter") -> None:
        pointer = f"at column {pos + 1}" + (
            f" ('{text[pos : pos + 12]}')" if pos < len(text) else " (end)"
        )
        super().__init__(f"{what}: {message}", pointer, code="FilterSyntax")
        self.column = pos + 1


@dataclass(frozen=True)
class Filter:
    terms: tuple[FilterCondition, ...]
    match_any: bool = False


class _Reader:
    def __init__(self, text: str, what: str = "Filter") -> None:
        self.text = text
        self.pos = 0
        self.what = what  # names the field in error titles

    def fail(self, message: str) -> FilterSyntaxError:
        return FilterSyntaxError(message, self.text, self.pos, self.what)

    def ws(self) -> None:
        self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def done(self) -> bool:
        self.ws()
        return self.pos >= len(self.text)

    def peek_word(self) -> str:
        self.ws()
        m = _NAME.match(self.text, self.pos)
        return m.group(0).lower() if m else ""

    def expect(self, token: str) -> None:
        self.ws()
        if not self.text.startswith(token, self.pos):
            raise self.fail(f"expected '{token}'")
        self.pos += len(token)

    def accept(self, token: str) -> bool:
        self.ws()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def word(self, word: str) -> bool:
        if self.peek_word() == word:
            self.pos += len(word)
            return True
        return False

    def name(self) -> str:
        self.ws()
        if self.accept("`"):
            end = self.text.find("`", self.pos)
            if end < 0:
                raise self.fail("unclosed ` in a name")
            name = self.text[self.pos : end]
            self.pos = end + 1
            if not name:
                raise self.fail("empty name")
            return name
        m = _NAME.match(self.text, self.pos)
        if not m:
            raise self.fail("expected an attribute name")
        self.pos = m.end()
        return m.group(0)

    def path(self) -> AttributePath:
        parts: list[str | int] = [self.name()]
        while True:
            if self.text.startswith(".", self.pos):
                self.pos += 1
                parts.append(self.name())
            elif self.text.startswith("[", self.pos):
                m = re.compile(r"\[(\d+)\]").match(self.text, self.pos)
                if not m:
                    raise self.fail("expected [index]")
                parts.append(int(m.group(1)))
                self.pos = m.end()
            else:
                break
        return parts[0] if len(parts) == 1 and isinstance(parts[0], str) else tuple(parts)

    def value(self) -> dict[str, object]:
        self.ws()
        try:
            _, end = json.JSONDecoder().raw_decode(self.text, self.pos)
        except json.JSONDecodeError:
            raise self.fail(
                'expected a value in JSON ("text", 12, true, null, {"$SS": [...]})'
            ) from None
        literal = self.text[self.pos : end]
        try:
            value = codec.loads_value(literal)
        except UserInputError as exc:
            raise self.fail(f"bad value: {exc.advice or exc.title}") from None
        self.pos = end
        return value

    def op(self) -> str:
        self.ws()
        for op in _OPS:
            if self.text.startswith(op, self.pos):
                self.pos += len(op)
                return "<>" if op == "!=" else op
        raise self.fail("expected an operator (=, <>, <, <=, >, >=, between, in)")


def _term(r: _Reader) -> FilterCondition:
    word = r.peek_word()
    if word in _FUNCS:
        save = r.pos
        r.word(word)
        if not r.accept("("):
            r.pos = save  # an attribute that happens to be called like a function
        else:
            path = r.path()
            if word == "size":
                r.expect(")")
                return _comparison(r, path, size=True)
            if word in ("attribute_exists", "attribute_not_exists"):
                r.expect(")")
                return FilterCondition(path, word)  # type: ignore[arg-type]
            r.expect(",")
            value = r.value()
            r.expect(")")
            return FilterCondition(path, word, (value,))  # type: ignore[arg-type]
    return _comparison(r, r.path(), size=False)


def _comparison(r: _Reader, path: AttributePath, *, size: bool) -> FilterCondition:
    if r.word("between"):
        low = r.value()
        if not r.word("and"):
            raise r.fail("between needs: between LOW and HIGH")
        return FilterCondition(path, "between", (low, r.value()), size=size)
    if r.word("in"):
        r.expect("(")
        values = [r.value()]
        while r.accept(","):
            values.append(r.value())
        r.expect(")")
        return FilterCondition(path, "in", tuple(values), size=size)
    op = r.op()
    return FilterCondition(path, op, (r.value(),), size=size)  # type: ignore[arg-type]


def parse_filter(text: str) -> Filter:
    """Parse a filter; an empty text is no filter. Raises FilterSyntaxError pointing at the column."""
    r = _Reader(text)
    if r.done():
        return Filter(())
    terms = [_term(r)]
    joiner = ""
    while not r.done():
        word = r.peek_word()
        if word not in ("and", "or"):
            raise r.fail("expected 'and' or 'or' between conditions")
        if joiner and word != joiner:
            raise r.fail("use either 'and' or 'or' between all conditions, not both")
        joiner = word
        r.word(word)
        terms.append(_term(r))
    return Filter(tuple(terms), match_any=joiner == "or")


SORT_OPS = ("=", "<", "<=", ">", ">=", "between", "begins_with")


def sort_condition(op: str, key_type: str, value: str, value2: str = "") -> SortCondition | None:
    """A sort key condition from the query form's fields; None when no value was typed."""
    if not value.strip():
        return None
    if op not in SORT_OPS:
        raise UserInputError(
            "Sort key condition", f"unknown operator {op!r}; use one of {', '.join(SORT_OPS)}"
        )
    second = key_value(value2, key_type, "second sort key") if op == "between" else None
    if op == "between" and second is None:
        raise UserInputError("Sort key condition", "between needs a second value")
    first = key_value(value, key_type, "sort key")
    assert first is not None
    return SortCondition(op, first, second)  # type: ignore[arg-type]


def key_value(text: str, key_type: str, what: str = "key") -> dict[str, object] | None:
    """A key value typed in a form field, read as the key's type (S, N or B).

    S: the text as typed (or a JSON string literal, to include surrounding spaces); N: an exact
    number; B: base64 (or {"$B": "..."}). None when nothing was typed.
    """
    if not text.strip():
        return None
    stripped = text.strip()
    if key_type == "S":
        if stripped.startswith('"'):
            value = _loads_key(stripped, what)
            if codec.type_of(value) != "S":
                raise UserInputError(f"The {what} is a string (S)", f"got {stripped}")
            return value
        return {"S": text}
    if key_type == "N":
        try:
            codec.check_number(stripped)
        except ValueError as exc:
            raise UserInputError(f"The {what} is a number (N)", str(exc)) from None
        return {"N": stripped}
    if key_type == "B":
        literal = stripped if stripped.startswith("{") else json.dumps({"$B": stripped})
        value = _loads_key(literal, what)
        if codec.type_of(value) != "B":
            raise UserInputError(f"The {what} is binary (B)", "give it as base64")
        return value
    raise UserInputError(f"Unknown key type {key_type!r}", "expected S, N or B")


def _loads_key(literal: str, what: str) -> dict[str, object]:
    """codec.loads_value, its errors titled by the field ("Invalid sort key value"), not as items."""
    try:
        return codec.loads_value(literal)
    except codec.CodecError as exc:
        raise UserInputError(f"Invalid {what} value", exc.advice, code=exc.code) from None


def parse_projection(text: str) -> tuple[AttributePath, ...]:
    """`a, b.c, d[0]` -> paths."""
    if not text.strip():
        return ()
    r = _Reader(text, "Projection")
    paths = [r.path()]
    while r.accept(","):
        paths.append(r.path())
    if not r.done():
        raise r.fail("expected ',' between attribute names")
    return tuple(paths)
