"""The analysis' fast item size agrees with codec.item_size (DynamoDB's size of an item)."""

from __future__ import annotations

import pytest

from ddbconsole import codec
from ddbconsole.services.analysis import item_size, key_text

ITEMS = [
    {"pk": {"S": "a"}, "n": {"N": "1000"}, "z": {"N": "-0.00120"}, "e": {"N": "1E+5"}},
    {
        "pk": {"S": "Zoë 李"},
        "ñame": {"S": ""},
        "big": {"N": "12345678901234567890123456789012345678"},
    },
    {"pk": {"N": "0"}, "b": {"B": b"\x00\x01\x02"}, "ok": {"BOOL": True}, "none": {"NULL": True}},
    {
        "pk": {"B": b"key"},
        "m": {"M": {"x": {"L": [{"S": "y"}, {"N": "2"}]}}},
        "ss": {"SS": ["a", "bc"]},
    },
]


@pytest.mark.parametrize("item", ITEMS)
def test_fast_size_is_dynamodb_size(item: dict[str, object]) -> None:
    assert item_size(item) == codec.item_size(item)  # type: ignore[arg-type]


def test_key_text_is_what_the_query_form_takes() -> None:
    assert key_text({"S": "USER#1"}) == "USER#1"
    assert key_text({"N": "42.50"}) == "42.50"
    assert key_text({"B": b"\x00\xff"}) == "AP8="
