from __future__ import annotations

import pytest

from ddbconsole.errors import UserInputError
from ddbconsole.filters import (
    FilterSyntaxError,
    key_value,
    parse_filter,
    parse_projection,
    sort_condition,
)
from ddbconsole.models import FilterCondition, SortCondition


def test_comparisons_and_functions() -> None:
    f = parse_filter(
        'Status = "PAID" and Total >= 100.50 and begins_with(SK, "ORDER#") and attribute_exists(Gift)'
    )
    assert not f.match_any
    assert f.terms == (
        FilterCondition("Status", "=", ({"S": "PAID"},)),
        FilterCondition("Total", ">=", ({"N": "100.50"},)),
        FilterCondition("SK", "begins_with", ({"S": "ORDER#"},)),
        FilterCondition("Gift", "attribute_exists"),
    )


def test_or_size_between_in_paths_and_quoted_names() -> None:
    f = parse_filter(
        'size(Lines) > 2 or Address.City in ("Oslo", "Kyoto") or Lines[0].Qty between 1 and 3 or attribute_not_exists(`odd name.x`)'
    )
    assert f.match_any
    assert f.terms[0] == FilterCondition("Lines", ">", ({"N": "2"},), size=True)
    assert f.terms[1] == FilterCondition(("Address", "City"), "in", ({"S": "Oslo"}, {"S": "Kyoto"}))
    assert f.terms[2] == FilterCondition(("Lines", 0, "Qty"), "between", ({"N": "1"}, {"N": "3"}))
    assert f.terms[3] == FilterCondition("odd name.x", "attribute_not_exists")


def test_typed_values_are_exact() -> None:
    f = parse_filter(
        'Big = 12345678901234567890123456789012345678 and Tags = {"$SS": ["a", "b"]} and N != null'
    )
    assert f.terms[0].values == ({"N": "12345678901234567890123456789012345678"},)
    assert f.terms[1].values == ({"SS": ["a", "b"]},)
    assert f.terms[2] == FilterCondition("N", "<>", ({"NULL": True},))


def test_empty_is_no_filter() -> None:
    assert parse_filter("   ").terms == ()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Status = PAID", "expected a value"),
        ('Status = "PAID" and', "expected an attribute name"),
        ("a = 1 and b = 2 or c = 3", "either 'and' or 'or'"),
        ("a ~ 1", "expected an operator"),
        ("a between 1", "between LOW and HIGH"),
        ("a = 1 b = 2", "expected 'and' or 'or'"),
        ("`unclosed = 1", "unclosed"),
        ('a = {"$SS": []}', "bad value"),
    ],
)
def test_errors_point_at_the_column(text: str, words: str) -> None:
    with pytest.raises(FilterSyntaxError) as err:
        parse_filter(text)
    assert words in str(err.value)
    assert "column" in str(err.value)


def test_key_values_follow_the_key_type() -> None:
    assert key_value("12", "S") == {"S": "12"}
    assert key_value("12.50", "N") == {"N": "12.50"}
    assert key_value('" padded "', "S") == {"S": " padded "}
    assert key_value("AAE=", "B") == {"B": b"\x00\x01"}
    assert key_value("", "S") is None
    with pytest.raises(UserInputError) as err:
        key_value("twelve", "N")
    assert "number" in str(err.value)


def test_sort_condition_and_projection() -> None:
    assert sort_condition("begins_with", "S", "ORDER#2026") == SortCondition(
        "begins_with", {"S": "ORDER#2026"}
    )
    assert sort_condition("between", "N", "1", "9") == SortCondition(
        "between", {"N": "1"}, {"N": "9"}
    )
    assert sort_condition("=", "S", "") is None
    with pytest.raises(UserInputError):
        sort_condition("between", "N", "1", "")
    assert parse_projection("a, b.c , d[2]") == ("a", ("b", "c"), ("d", 2))
    with pytest.raises(FilterSyntaxError):
        parse_projection("a b")


@pytest.mark.parametrize(
    ("text", "key_type", "what", "words"),
    [
        ("AA", "B", "sort key", 'Invalid sort key value: line 1: $B: invalid base64 "AA"'),
        ('{"$B": 1}', "B", "partition key", "Invalid partition key value: "),
        ('"unclosed', "S", "sort key", "Invalid sort key value: "),
        ("twelve", "N", "partition key", "The partition key is a number (N)"),
    ],
)
def test_key_value_errors_name_the_key(text: str, key_type: str, what: str, words: str) -> None:
    with pytest.raises(UserInputError) as err:
        key_value(text, key_type, what)
    assert str(err.value).startswith(words), str(err.value)
    assert "item JSON" not in str(err.value)


def test_projection_errors_say_projection() -> None:
    with pytest.raises(UserInputError) as err:
        parse_projection("a b")
    assert str(err.value).startswith("Projection: expected ','"), str(err.value)
    assert "column 3" in str(err.value)
    with pytest.raises(UserInputError) as err:
        parse_projection("a, ")
    assert str(err.value).startswith("Projection: expected an attribute name")
    # The filter's own errors keep their title.
    with pytest.raises(FilterSyntaxError) as err:
        parse_filter("a ~ 1")
    assert str(err.value).startswith("Filter: ")
