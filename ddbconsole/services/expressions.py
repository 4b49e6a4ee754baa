"""DynamoDB expressions built with placeholders only (`#n0`, `:v0`): user text never becomes syntax.

Conditions come from boto3's `boto3.dynamodb.conditions` and its ConditionExpressionBuilder. Names
are handed to boto3 as safe aliases (a0, a1, ...) and swapped back afterwards, so attribute names
holding dots or brackets stay literal names; nested paths are tuples ("Address", "City").
Values are DynamoDB wire-form AttributeValues, passed through untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ddbconsole import codec
from ddbconsole.codec import AttributeValue
from ddbconsole.errors import UserInputError
from ddbconsole.models import AttributePath, FilterCondition

MAX_EXPRESSION_BYTES = 4096  # DynamoDB's limit on each expression string


class Expressions:
    """Builds condition/key/filter/projection/update expressions with placeholders only."""

    def __init__(self) -> None:
        from boto3.dynamodb.conditions import ConditionExpressionBuilder

        self._builder = ConditionExpressionBuilder()
        self._alias: dict[str, str] = {}  # real name -> alias without dots or brackets
        self._real: dict[str, str] = {}  # alias -> real name
        self.names: dict[str, str] = {}
        self.values: dict[str, AttributeValue] = {}
        self._extra = 0

    def alias(self, path: AttributePath) -> str:
        parts: tuple[str | int, ...] = (path,) if isinstance(path, str) else path
        if not parts or not isinstance(parts[0], str):
            raise UserInputError("Invalid attribute path", f"{path!r} must start with a name")
        out = ""
        for part in parts:
            if isinstance(part, int):
                out += f"[{part}]"
                continue
            if part == "":
                raise UserInputError("Invalid attribute path", "attribute names cannot be empty")
            alias = self._alias.get(part)
            if alias is None:
                alias = f"a{len(self._alias)}"
                self._alias[part] = alias
                self._real[alias] = part
            out += ("." if out else "") + alias
        return out

    def build(self, condition: Any, *, key: bool = False) -> str:
        built = self._builder.build_expression(condition, is_key_condition=key)
        for placeholder, alias in built.attribute_name_placeholders.items():
            self.names[placeholder] = self._real[alias]
        self.values.update(built.attribute_value_placeholders)
        return str(built.condition_expression)

    def join(self, conditions: Iterable[Any], joiner: str = " AND ", *, key: bool = False) -> str:
        return joiner.join(self.build(c, key=key) for c in conditions)

    def name(self, path: AttributePath) -> str:
        """A placeholder path for projection/update expressions (#p0.#p1[2])."""
        parts: tuple[str | int, ...] = (path,) if isinstance(path, str) else path
        out = ""
        for part in parts:
            if isinstance(part, int):
                out += f"[{part}]"
                continue
            placeholder = f"#p{self._extra}"
            self._extra += 1
            self.names[placeholder] = part
            out += ("." if out else "") + placeholder
        return out

    def value(self, value: AttributeValue) -> str:
        placeholder = f":p{self._extra}"
        self._extra += 1
        self.values[placeholder] = value
        return placeholder

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.names:
            out["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            out["ExpressionAttributeValues"] = dict(self.values)
        return out


def check_length(expression: str, what: str) -> str:
    if len(expression.encode("utf-8")) > MAX_EXPRESSION_BYTES:
        raise UserInputError(
            f"The {what} is too long for DynamoDB",
            f"{len(expression)} bytes; DynamoDB accepts at most {MAX_EXPRESSION_BYTES}",
        )
    return expression


COMPARISONS = {"=": "eq", "<>": "ne", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_VALUE_COUNTS = {"between": 2, "attribute_exists": 0, "attribute_not_exists": 0}


def condition(expr: Expressions, term: FilterCondition) -> Any:
    from boto3.dynamodb.conditions import Attr

    attr = Attr(expr.alias(term.path))
    shown = term.path if isinstance(term.path, str) else ".".join(map(str, term.path))
    wanted = _VALUE_COUNTS.get(term.op, 1)
    if term.op == "in":
        if not 1 <= len(term.values) <= 100:
            raise UserInputError(f"Filter on {shown}", "IN takes between 1 and 100 values")
    elif len(term.values) != wanted:
        raise UserInputError(
            f"Filter on {shown}", f"{term.op} takes {wanted} value{'s' if wanted != 1 else ''}"
        )
    if term.size:
        if term.op not in COMPARISONS and term.op != "between":
            raise UserInputError(f"Filter on {shown}", f"size() cannot be used with {term.op}")
        if any(codec.type_of(v) != "N" for v in term.values):
            raise UserInputError(f"Filter on {shown}", "size() compares with numbers")
        attr = attr.size()
    if term.op in COMPARISONS:
        return getattr(attr, COMPARISONS[term.op])(term.values[0])
    if term.op == "between":
        return attr.between(term.values[0], term.values[1])
    if term.op == "in":
        return attr.is_in(list(term.values))
    if term.op == "begins_with":
        if codec.type_of(term.values[0]) not in ("S", "B"):
            raise UserInputError(f"Filter on {shown}", "begins_with takes a string or binary")
        return attr.begins_with(term.values[0])
    if term.op == "contains":
        return attr.contains(term.values[0])
    if term.op == "attribute_exists":
        return attr.exists()
    if term.op == "attribute_not_exists":
        return attr.not_exists()
    if term.op == "attribute_type":
        value = term.values[0]
        if codec.type_of(value) != "S" or value["S"] not in codec.TYPES:
            raise UserInputError(
                f"Filter on {shown}", "attribute_type takes one of " + ", ".join(codec.TYPES)
            )
        return attr.attribute_type(value)
    raise UserInputError(f"Filter on {shown}", f"unknown operator {term.op!r}")


def filter_expression(expr: Expressions, terms: Sequence[FilterCondition], match_any: bool) -> str:
    if not terms:
        return ""
    joined = expr.join((condition(expr, t) for t in terms), " OR " if match_any else " AND ")
    return check_length(joined, "filter expression")


def projection_expression(expr: Expressions, paths: Sequence[AttributePath]) -> str:
    return check_length(", ".join(expr.name(p) for p in paths), "projection")


def equals_all(expr: Expressions, item: Mapping[str, AttributeValue]) -> str:
    """A condition that holds only while every attribute of `item` still has its value."""
    from boto3.dynamodb.conditions import Attr

    terms = []
    for name, value in item.items():
        attr = Attr(expr.alias(name))
        if codec.type_of(value) == "NULL":
            terms.append(attr.attribute_type({"S": "NULL"}))
        else:
            terms.append(attr.eq(value))
    expression = expr.join(terms)
    if len(expression.encode()) > MAX_EXPRESSION_BYTES:
        raise UserInputError(
            "This item has too many attributes for a conditional save",
            f"the condition would exceed DynamoDB's {MAX_EXPRESSION_BYTES}-byte expression limit; "
            "no save can be conditional on it; replace it deliberately with `ddbconsole put` "
            "(unconditional) after checking it has not changed",
        )
    return expression


def not_exists(expr: Expressions, name: str) -> str:
    from boto3.dynamodb.conditions import Attr

    return expr.build(Attr(expr.alias(name)).not_exists())


def exists(expr: Expressions, name: str) -> str:
    from boto3.dynamodb.conditions import Attr

    return expr.build(Attr(expr.alias(name)).exists())
