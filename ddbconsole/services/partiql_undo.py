"""Undo for PartiQL writes (see docs/ARCHITECTURE.md, Streams and undo).

ExecuteStatement has no ReturnValues, so the pre-image is read first: for an UPDATE or a DELETE, a
consistent `SELECT * FROM "T" WHERE <the statement's own WHERE clause>` with the WHERE clause's
parameters, sent only when that clause names every key attribute with `=` and has no OR (so the
read is one item, never a scan); for an INSERT, the item is known to be absent (INSERT refuses an
existing key) and its key is read from the VALUE document. After the write, a consistent GetItem
reads what the statement left. Both images join the undo journal.

A statement whose item cannot be determined (no WHERE, a key given by an expression, an OR) is
journalled as "not undoable" with the reason, never guessed. The reads are not atomic with the
write: a change someone makes between them makes the undo's condition fail (both versions shown),
it is never silently overwritten.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ddbconsole.codec import AttributeValue, Item
from ddbconsole.errors import DdbConsoleError, ReadOnlyViolation

if TYPE_CHECKING:
    from ddbconsole.services.items import ItemService

OPERATION = "ExecuteStatement"

_TOKEN = re.compile(
    r"""\s+|--[^\n]*|/\*.*?\*/            # space and comments (skipped)
    |(?P<str>'(?:[^']|'')*')               # 'string' ('' escapes a quote)
    |(?P<ident>"(?:[^"]|"")*")             # "quoted identifier"
    |(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    |(?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    |(?P<param>\?)
    |(?P<punct><<|>>|<>|!=|<=|>=|.)""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # str ident num word param punct
    text: str
    start: int
    end: int

    @property
    def name(self) -> str:
        """An identifier's name: quotes removed; a keyword upper-cased for comparison."""
        if self.kind == "ident":
            return self.text[1:-1].replace('""', '"')
        return self.text

    def keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokens(statement: str) -> list[Token]:
    out: list[Token] = []
    for match in _TOKEN.finditer(statement):
        kind = match.lastgroup
        if kind is not None:
            out.append(Token(kind, match.group(), match.start(), match.end()))
    return out


@dataclass(frozen=True)
class Target:
    """Which item a PartiQL write touches, as far as the statement says."""

    verb: str  # INSERT, UPDATE, DELETE, or another statement's first word
    table: str = ""
    where: str = ""  # UPDATE/DELETE: the WHERE clause's text
    where_parameters: tuple[AttributeValue, ...] = ()
    where_names: frozenset[str] = frozenset()  # attributes compared with = at the top level
    has_or: bool = False
    values: Mapping[str, AttributeValue] = field(default_factory=dict)  # INSERT: literal attrs
    reason: str = ""  # why the item cannot be determined ("" when it can be, given the keys)

    def select(self) -> tuple[str, list[AttributeValue]]:
        """The consistent read of the item the statement's WHERE clause names."""
        table = '"' + self.table.replace('"', '""') + '"'
        return f"SELECT * FROM {table} WHERE {self.where}", list(self.where_parameters)

    def missing_key(self, keys: Sequence[str]) -> str:
        """Why the item cannot be known with these key attributes ("" when it can)."""
        if self.reason:
            return self.reason
        if self.verb == "INSERT":
            absent = [k for k in keys if k not in self.values]
            if absent:
                return f"the VALUE does not give {', '.join(absent)} as a literal or parameter"
            return ""
        if self.has_or:
            return "the WHERE clause has an OR or a NOT"
        absent = [k for k in keys if k not in self.where_names]
        if absent:
            return f"the WHERE clause does not compare {', '.join(absent)} with ="
        return ""


def target(statement: str, parameters: Sequence[AttributeValue] = ()) -> Target:
    """Parse what `statement` writes: its verb, table and the item's key (or why it cannot)."""
    toks = tokens(statement)
    if not toks:
        return Target("", reason="an empty statement")
    verb = toks[0].text.upper()
    try:
        if verb == "INSERT":
            return _insert(toks, parameters)
        if verb in ("UPDATE", "DELETE"):
            return _update_or_delete(verb, toks, statement, parameters)
    except (IndexError, ValueError):
        pass
    return Target(verb, reason="the console cannot tell which item this statement writes")


def _table_at(toks: list[Token], i: int) -> str:
    tok = toks[i]
    if tok.kind not in ("ident", "word"):
        raise ValueError("no table name")
    if i + 1 < len(toks) and toks[i + 1].text == ".":
        raise ValueError("an index is not a write target")
    return tok.name


def _update_or_delete(
    verb: str, toks: list[Token], statement: str, parameters: Sequence[AttributeValue]
) -> Target:
    at = 1
    if verb == "DELETE":
        if not toks[1].keyword("FROM"):
            raise ValueError("DELETE without FROM")
        at = 2
    table = _table_at(toks, at)
    where = next((i for i, t in enumerate(toks) if t.keyword("WHERE")), None)
    if where is None:
        return Target(verb, table, reason="the statement has no WHERE clause")
    end = next((i for i in range(where + 1, len(toks)) if toks[i].keyword("RETURNING")), len(toks))
    body = toks[where + 1 : end]
    if not body:
        raise ValueError("an empty WHERE clause")
    before = sum(1 for t in toks[:where] if t.kind == "param")
    count = sum(1 for t in body if t.kind == "param")
    if before + count > len(parameters):
        return Target(verb, table, reason="the statement has more ? than parameters")
    depth = 0
    names: set[str] = set()
    has_or = False
    for i, tok in enumerate(body):
        if tok.text in ("(", "[", "{", "<<"):
            depth += 1
        elif tok.text in (")", "]", "}", ">>"):
            depth -= 1
        elif tok.keyword("OR", "NOT"):
            has_or = True  # NOT (a = 1 AND b = 2) is an OR too
        elif (
            depth == 0
            and tok.kind in ("ident", "word")
            and i + 1 < len(body)
            and body[i + 1].text == "="
            and (i == 0 or body[i - 1].text != ".")
            and (i + 2 >= len(body) or body[i + 2].text not in (".", "["))
        ):
            names.add(tok.name)
    return Target(
        verb,
        table,
        where=statement[body[0].start : body[-1].end],
        where_parameters=tuple(parameters[before : before + count]),
        where_names=frozenset(names),
        has_or=has_or,
    )


def _insert(toks: list[Token], parameters: Sequence[AttributeValue]) -> Target:
    if not toks[1].keyword("INTO"):
        raise ValueError("INSERT without INTO")
    table = _table_at(toks, 2)
    if not toks[3].keyword("VALUE") or toks[4].text != "{":
        raise ValueError("INSERT without a VALUE document")
    values: dict[str, AttributeValue] = {}
    param = sum(1 for t in toks[:5] if t.kind == "param")
    i = 5
    while toks[i].text != "}":
        name, colon = toks[i], toks[i + 1]
        if name.kind != "str" or colon.text != ":":
            raise ValueError("not a document")
        i += 2
        value, i, param = _value(toks, i, parameters, param)
        if value is not None:
            values[name.text[1:-1].replace("''", "'")] = value
        if toks[i].text == ",":
            i += 1
    return Target("INSERT", table, values=values)


def _value(
    toks: list[Token], i: int, parameters: Sequence[AttributeValue], param: int
) -> tuple[AttributeValue | None, int, int]:
    """A top-level value of the VALUE document: (its AttributeValue when it is a string, a number
    or a parameter, else None; the index after it; the parameters used so far)."""
    tok = toks[i]
    if tok.kind == "str":
        return {"S": tok.text[1:-1].replace("''", "'")}, i + 1, param
    if tok.kind == "num":
        return {"N": tok.text}, i + 1, param
    if tok.kind == "param":
        if param >= len(parameters):
            raise ValueError("more ? than parameters")
        return dict(parameters[param]), i + 1, param + 1
    depth = 0
    while True:  # anything else (a map, list, set, keyword): skipped, counting its parameters
        tok = toks[i]
        if tok.text in ("(", "[", "{", "<<"):
            depth += 1
        elif tok.text in (")", "]", "}", ">>"):
            if depth == 0:
                return None, i, param
            depth -= 1
        elif tok.text == "," and depth == 0:
            return None, i, param
        elif tok.kind == "param":
            param += 1
        i += 1


# --- around the write -----------------------------------------------------------------------------


class StatementJournal:
    """Reads a PartiQL write's item before and after it and records both in the undo journal;
    or records why it cannot. `before()` runs just before the ExecuteStatement, `after()` once it
    went through (a refused statement records nothing)."""

    def __init__(
        self, items: ItemService, statement: str, parameters: Sequence[AttributeValue]
    ) -> None:
        self.items = items
        self.target = target(statement, parameters)
        self.reason = ""
        self.key: Item | None = None
        self.pre: Item | None = None

    @property
    def plan_note(self) -> str:
        t = self.target
        reason = t.missing_key(())  # what is wrong whatever the table's keys
        if reason:
            return f"Not undoable: {reason}"
        if t.verb == "INSERT":
            return "Undo (u): the item is new; it is read after the write for the undo journal"
        return (
            "Undo (u): the item is read first (consistent SELECT with this WHERE clause) and "
            "after the write, for the undo journal; not undoable if the WHERE clause does not "
            "compare every key attribute with ="
        )

    async def before(self) -> None:
        t = self.target
        if t.reason:
            self.reason = t.reason
            return
        try:
            desc = await self.items._session.call("dynamodb", "describe_table", TableName=t.table)
            keys = [k["AttributeName"] for k in desc["Table"]["KeySchema"]]
            self.reason = t.missing_key(keys)
            if self.reason:
                return
            if t.verb == "INSERT":
                self.key = {k: t.values[k] for k in keys}
                return
            statement, params = t.select()
            extra: dict[str, Any] = {"Parameters": params} if params else {}
            resp = await self.items._session.call(
                "dynamodb", "execute_statement", Statement=statement, ConsistentRead=True, **extra
            )
        except ReadOnlyViolation:
            raise
        except DdbConsoleError as exc:
            self.reason = f"its item could not be read first ({exc.title})"
            return
        found = resp.get("Items") or []
        if len(found) > 1 or resp.get("NextToken"):
            self.reason = "the WHERE clause matches more than one item"
        elif found:
            self.pre = found[0]
            self.key = {k: found[0][k] for k in keys}
        else:
            self.reason = "no item matched the WHERE clause when it was read first"

    async def after(self) -> None:
        journal = self.items.journal
        if journal is None:
            return
        t = self.target
        if self.key is None:
            if t.verb == "DELETE" and self.reason.startswith("no item matched"):
                return  # nothing was there to delete: nothing changed
            journal.record(t.table, {}, None, None, OPERATION, blocked=self.reason or "unknown")
            return
        now: Item | None = None
        if t.verb != "DELETE":
            try:
                now = await self.items.get_item(t.table, self.key, consistent=True)
            except DdbConsoleError as exc:
                journal.record(
                    t.table, self.key, self.pre, None, OPERATION,
                    blocked=f"the item could not be read after the write ({exc.title})",
                )  # fmt: skip
                return
        journal.record(t.table, self.key, self.pre, now, OPERATION)
