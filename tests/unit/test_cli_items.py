"""Item subcommands through the real `ddbconsole` console script, against the moto server.

Global flags go before the subcommand (`ddbconsole --endpoint-url URL --read-only get T KEY`).
`get` output fed to `put` must round-trip losslessly for items of every type.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from ddbconsole import codec
from ddbconsole.cli_items import parse_filters, parse_sort, read_text
from ddbconsole.demo.server import MotoProcess
from ddbconsole.errors import UserInputError
from ddbconsole.models import FilterCondition, KeyAttribute, SortCondition

Item = dict[str, Any]
BIG = "12345678901234567890123456789012345678"
SMALL = "0.12345678901234567890123456789012345678"


def ddb(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ddbconsole", "--endpoint-url", url, "--region", "us-east-1", *args],
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin if stdin is not None else "",
    )


@pytest.fixture
def boto(moto_url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")


def make_table(boto: Any, pk_type: str = "S", sk_type: str | None = None) -> str:
    name = f"cli-{uuid.uuid4().hex[:10]}"
    attrs = [{"AttributeName": "pk", "AttributeType": pk_type}]
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if sk_type:
        attrs.append({"AttributeName": "sk", "AttributeType": sk_type})
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
    boto.create_table(
        TableName=name, AttributeDefinitions=attrs, KeySchema=schema, BillingMode="PAY_PER_REQUEST"
    )
    return name


@pytest.fixture
def tables(boto: Any) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for name in made:
        boto.delete_table(TableName=name)


EVERY_TYPE: Item = {
    "s": {"S": "Fidelity ✓ 日本語 🚀"},
    "empty": {"S": ""},
    "big": {"N": BIG},
    "small": {"N": SMALL},
    "tiny": {"N": "-1E-130"},
    "huge": {"N": "9.9999999999999999999999999999999999999E+125"},
    "null": {"NULL": True},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "blob": {"B": b"\x00\xffbinary\x00"},
    "emptyblob": {"B": b""},
    "ss": {"SS": ["a", "b", "ü"]},
    "ns": {"NS": ["1", "1.5", BIG]},
    "bs": {"BS": [b"\x01", b"\x02\x03"]},
    "map": {"M": {"deep": {"L": [{"N": "1"}, {"S": "two"}, {"M": {"three": {"NULL": True}}}]}}},
    "emptymap": {"M": {}},
    "emptylist": {"L": []},
    "tagmap": {"M": {"$B": {"S": "a map, not binary"}}},
}
KEYS: list[tuple[str, str | None, Item]] = [
    ("S", None, {"pk": {"S": "user-ü"}}),
    ("N", None, {"pk": {"N": BIG}}),
    ("B", None, {"pk": {"B": b"\x00\x01\xfe"}}),
    ("S", "N", {"pk": {"S": "p"}, "sk": {"N": SMALL}}),
    ("N", "B", {"pk": {"N": "-1E-130"}, "sk": {"B": b"\xff"}}),
]


@pytest.mark.parametrize(("pk_type", "sk_type", "key"), KEYS)
def test_get_put_round_trip_every_type(
    moto_url: str, boto: Any, tables: list[str], pk_type: str, sk_type: str | None, key: Item
) -> None:
    source, copy = make_table(boto, pk_type, sk_type), make_table(boto, pk_type, sk_type)
    tables += [source, copy]
    item = {**key, **EVERY_TYPE}
    boto.put_item(TableName=source, Item=item)

    got = ddb(moto_url, "get", source, codec.dumps(key))
    assert got.returncode == 0, got.stderr
    assert codec.loads(got.stdout) == item
    # Into another table, from the text alone; then back out: byte-identical.
    put = ddb(moto_url, "put", copy, "@-", stdin=got.stdout)
    assert put.returncode == 0, put.stderr
    assert boto.get_item(TableName=copy, Key=key)["Item"] == item
    again = ddb(moto_url, "get", copy, codec.dumps(key, indent=None))
    assert again.stdout == got.stdout
    # The DynamoDB JSON form round-trips too.
    djson = ddb(moto_url, "get", source, codec.dumps(key), "--output", "dynamodb-json")
    assert codec.loads(djson.stdout, "dynamodb") == item
    back = ddb(moto_url, "put", copy, djson.stdout, "--input-format", "dynamodb-json")
    assert back.returncode == 0, back.stderr
    assert boto.get_item(TableName=copy, Key=key)["Item"] == item


def test_put_from_file_and_if_not_exists(
    moto_url: str, boto: Any, tables: list[str], tmp_path: Path
) -> None:
    name = make_table(boto)
    tables.append(name)
    path = tmp_path / "item.json"
    path.write_text('{\n  "pk": "k",\n  "n": 1.50\n}\n', encoding="utf-8")
    assert ddb(moto_url, "put", name, f"@{path}", "--if-not-exists").returncode == 0
    assert boto.get_item(TableName=name, Key={"pk": {"S": "k"}})["Item"]["n"] == {"N": "1.50"}
    refused = ddb(moto_url, "put", name, '{"pk": "k", "n": 2}', "--if-not-exists")
    assert refused.returncode == 1
    assert "already exists" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert boto.get_item(TableName=name, Key={"pk": {"S": "k"}})["Item"]["n"] == {"N": "1.50"}
    # Without --if-not-exists, put replaces (like `aws dynamodb put-item`).
    assert ddb(moto_url, "put", name, '{"pk": "k", "n": 2}').returncode == 0
    assert boto.get_item(TableName=name, Key={"pk": {"S": "k"}})["Item"] == {
        "pk": {"S": "k"},
        "n": {"N": "2"},
    }


def test_read_only_refuses_writes_with_exit_3(
    moto_url: str, boto: Any, tables: list[str], moto_server: MotoProcess
) -> None:
    name = make_table(boto)
    tables.append(name)
    boto.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"S": "old"}})
    moto_server.reset_requests()
    put = ddb(moto_url, "--read-only", "put", name, '{"pk": "k", "v": "new"}')
    delete = ddb(moto_url, "--read-only", "delete", name, '{"pk": "k"}')
    for out in (put, delete):
        assert out.returncode == 3
        assert out.stdout == ""
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and "Read-only mode" in lines[0] and "refused" in lines[0]
    assert moto_server.requests() == []
    assert boto.get_item(TableName=name, Key={"pk": {"S": "k"}})["Item"]["v"] == {"S": "old"}
    # Reads still work in read-only mode.
    got = ddb(moto_url, "--read-only", "get", name, '{"pk": "k"}')
    assert got.returncode == 0 and json.loads(got.stdout) == {"pk": "k", "v": "old"}


def test_errors_are_one_line_on_stderr(moto_url: str, boto: Any, tables: list[str]) -> None:
    name = make_table(boto, "S", "N")
    tables.append(name)
    cases = [
        (("put", name, '{\n "pk": "a",\n "sk": 1\n "x": 2}'), 2, "line 4, column 2: expected ','"),
        (("put", name, '{"pk": "a", "sk": {"$NS": []}}'), 2, "empty $NS"),
        (("put", name, '{"pk": "a"}'), 2, "Missing key attribute sk"),
        (("put", name, "@/nonexistent/item.json"), 2, "Cannot read /nonexistent/item.json"),
        (("get", name, '{"pk": "a", "sk": "1"}'), 2, "must be a number (N), not a string (S)"),
        (("get", name, '{"pk": "a", "sk": 1}'), 1, "Item not found"),
        (("delete", name, '{"pk": "a", "sk": 1}'), 1, "No such item"),
        (("get", "no-such-table-cli", '{"pk": "a"}'), 1, "Not found"),
        (("query", name, "--pk", "a", "--sk", "begins_with 1"), 2, "does not apply to numbers"),
        (("scan", name, "--filter", "nonsense"), 2, "Filter: "),
        (("scan", name, "--filter", "a = 1 or b = 2", "--filter", "c = 3"), 2, "'or' filter"),
    ]
    for args, code, message in cases:
        out = ddb(moto_url, *args)
        assert out.returncode == code, (args, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ddbconsole: "), out.stderr
        assert message in lines[0], lines[0]
        assert out.stdout == ""


def test_delete(moto_url: str, boto: Any, tables: list[str]) -> None:
    name = make_table(boto, "N")
    tables.append(name)
    boto.put_item(TableName=name, Item={"pk": {"N": BIG}, "v": {"S": "x"}})
    assert ddb(moto_url, "delete", name, f'{{"pk": {BIG}}}').returncode == 0
    assert "Item" not in boto.get_item(TableName=name, Key={"pk": {"N": BIG}})


def test_get_and_delete_refuse_a_key_with_other_attributes(
    moto_url: str, boto: Any, tables: list[str], moto_server: MotoProcess
) -> None:
    name = make_table(boto, "S", "N")
    tables.append(name)
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    boto.put_item(TableName=name, Item={**key, "v": {"N": "1"}})
    moto_server.reset_requests()
    cases = [
        ('{"pk": "a", "sk": 1, "v": 999}', "not part of the table's key: v"),
        ('{"pk": "a", "sk": 1, "v": 999, "w": ""}', "not part of the table's key: v, w"),
        ('{"pk": "a"}', "Missing key attribute sk"),
        ('{"pk": "a", "v": 999}', "Missing key attribute sk"),
    ]
    for command in ("delete", "get"):
        for text, message in cases:
            out = ddb(moto_url, command, name, text)
            assert out.returncode == 2, (command, text, out.stderr)
            lines = out.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("ddbconsole: "), out.stderr
            assert message in lines[0], lines[0]
            assert out.stdout == ""
    assert (
        "The key has attributes that are not part of the table's key: v"
        in ddb(moto_url, "delete", name, '{"pk": "a", "sk": 1, "v": 999}').stderr
    )
    # Refused before any item request was sent; the item is still there.
    sent = {r["operation"] for r in moto_server.requests()}
    assert not sent & {"DeleteItem", "GetItem"}, sent
    assert boto.get_item(TableName=name, Key=key)["Item"] == {**key, "v": {"N": "1"}}


@pytest.fixture
def orders(boto: Any, tables: list[str]) -> str:
    name = f"cli-orders-{uuid.uuid4().hex[:8]}"
    boto.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByStatus",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    tables.append(name)
    for i in range(30):
        boto.put_item(
            TableName=name,
            Item={
                "pk": {"S": "u1" if i < 20 else "u2"},
                "sk": {"N": str(i)},
                "status": {"S": "PAID" if i % 3 == 0 else "NEW"},
                "total": {"N": f"{i}.50"},
                "tags": {"SS": ["gift"] if i % 5 == 0 else ["plain"]},
            },
        )
    return name


def test_query_unknown_sort_operator_exits_2(moto_url: str, orders: str) -> None:
    out = ddb(moto_url, "query", orders, "--pk", "u1", "--sk", "like 5")
    assert out.returncode == 2 and out.stdout == "", (out.returncode, out.stdout)
    assert "begins_with" in out.stderr and "like" in out.stderr


def test_query_outputs(moto_url: str, orders: str) -> None:
    out = ddb(moto_url, "query", orders, "--pk", "u1", "--sk", "between 5 and 12", "--descending")
    assert out.returncode == 0, out.stderr
    items = json.loads(out.stdout, parse_float=Decimal)
    assert [int(i["sk"]) for i in items] == list(range(12, 4, -1))
    assert items[0]["total"] == Decimal("12.50") and items[0]["tags"] == {"$SS": ["plain"]}

    jsonl = ddb(
        moto_url, "query", orders, "--index", "ByStatus", "--pk", "PAID", "--sk", ">= 9",
        "--filter", 'contains(tags, "gift")', "--output", "jsonl",
    )  # fmt: skip
    assert jsonl.returncode == 0, jsonl.stderr
    lines = jsonl.stdout.splitlines()
    assert [codec.loads(line)["sk"] for line in lines] == [{"N": "15"}]

    limited = ddb(
        moto_url, "query", orders, "--pk", "u1", "--limit", "7", "--page-size", "3",
        "--output", "dynamodb-json", "--projection", "pk, sk",
    )  # fmt: skip
    assert limited.returncode == 0, limited.stderr
    raw = json.loads(limited.stdout)
    assert [r["sk"]["N"] for r in raw] == [str(i) for i in range(7)]
    assert all(set(r) == {"pk", "sk"} for r in raw)


def test_scan_filters_and_limit(moto_url: str, orders: str) -> None:
    out = ddb(
        moto_url, "scan", orders, "--filter", "total >= 25", "--filter", 'status = "PAID"',
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert sorted(int(i["sk"]) for i in json.loads(out.stdout)) == [27]
    anyof = ddb(
        moto_url, "scan", orders, "--filter", "sk = 1 or sk in (2, 3)",
    )  # fmt: skip
    assert sorted(int(i["sk"]) for i in json.loads(anyof.stdout)) == [1, 2, 3]
    limited = ddb(moto_url, "scan", orders, "--limit", "4", "--output", "jsonl")
    assert len(limited.stdout.splitlines()) == 4
    empty = ddb(moto_url, "scan", orders, "--filter", 'status = "NOPE"')
    assert empty.returncode == 0 and empty.stdout == "[]\n"


# --- argument parsing (no server) --------------------------------------------------------------


def test_filters_join_with_and() -> None:
    terms, match_any = parse_filters(["Total > 100", 'begins_with(Name, "A")'])
    assert not match_any
    assert terms == (
        FilterCondition("Total", ">", ({"N": "100"},)),
        FilterCondition("Name", "begins_with", ({"S": "A"},)),
    )
    terms, match_any = parse_filters(["a = 1 or b = 2"])
    assert match_any and len(terms) == 2
    assert parse_filters([]) == ((), False)


def test_sort_values_follow_the_key_type() -> None:
    s, n, b = (KeyAttribute("k", t, "RANGE") for t in ("S", "N", "B"))
    assert parse_sort("begins_with ORDER#", s) == SortCondition("begins_with", {"S": "ORDER#"})
    assert parse_sort(">= 10", n) == SortCondition(">=", {"N": "10"})
    assert parse_sort(">= 10", s) == SortCondition(">=", {"S": "10"})
    assert parse_sort(f"= {BIG}", n) == SortCondition("=", {"N": BIG})
    assert parse_sort("plain", s) == SortCondition("=", {"S": "plain"})
    assert parse_sort("= plain value", s) == SortCondition("=", {"S": "plain value"})
    assert parse_sort('"plain value"', s) == SortCondition("=", {"S": "plain value"})
    assert parse_sort("between 1 and 5", n) == SortCondition("between", {"N": "1"}, {"N": "5"})
    assert parse_sort("= AAE=", b) == SortCondition("=", {"B": b"\x00\x01"})
    for bad in ("between 1", "> abc", ">"):
        with pytest.raises(UserInputError):
            parse_sort(bad, n)


def test_sort_between_keeps_hash_values() -> None:
    # Single-table design keys carry '#': it is part of the value, never a comment.
    s = KeyAttribute("SK", "S", "RANGE")
    assert parse_sort("between ORDER#20260601 and ORDER#20260701", s) == SortCondition(
        "between", {"S": "ORDER#20260601"}, {"S": "ORDER#20260701"}
    )
    assert parse_sort('between A#1 and "B # 2"', s) == SortCondition(
        "between", {"S": "A#1"}, {"S": "B # 2"}
    )


def test_sort_unknown_operator_is_an_error_listing_the_valid_ones() -> None:
    s = KeyAttribute("SK", "S", "RANGE")
    for text in ("like ORDER", "contains ORDER#", "!= 5", "plain value"):
        with pytest.raises(UserInputError) as info:
            parse_sort(text, s)
        message = str(info.value)
        assert "begins_with" in message and "between" in message, message


def test_sort_quotes_do_not_crash() -> None:
    s, b = KeyAttribute("k", "S", "RANGE"), KeyAttribute("k", "B", "RANGE")
    # After an operator the value is the text as typed: a lone quote is part of the string.
    assert parse_sort("= 'x", s) == SortCondition("=", {"S": "'x"})
    assert parse_sort("'x", s) == SortCondition("=", {"S": "'x"})
    assert parse_sort("begins_with O'Brien", s) == SortCondition("begins_with", {"S": "O'Brien"})
    assert parse_sort('between "a b" and "c"', s) == SortCondition(
        "between", {"S": "a b"}, {"S": "c"}
    )
    cases = [
        (
            'begins_with "ORD',
            s,
            "Invalid sort key value: line 1, column 1: this string is never closed",
        ),
        ("between 'a and b", s, "Invalid sort key condition: unbalanced quote"),
        ('between "a and b', s, "Invalid sort key condition: unbalanced quote"),
        ("= 'x", b, "Invalid sort key value: "),
    ]
    for text, key, words in cases:
        with pytest.raises(UserInputError) as err:
            parse_sort(text, key)
        assert str(err.value).startswith(words), (text, str(err.value))


def test_key_and_projection_errors_name_the_argument(
    moto_url: str, boto: Any, tables: list[str]
) -> None:
    name = make_table(boto, "N", "B")
    tables.append(name)
    cases = [
        (("query", name, "--pk", "1", "--sk", "begins_with AA"), "Invalid sort key value: "),
        (("query", name, "--pk", "1", "--sk", "= 'x"), "Invalid sort key value: "),
        (("query", name, "--pk", "1", "--sk", 'begins_with "ORD'), "Invalid sort key value: "),
        (("query", name, "--pk", "1", "--sk", "between 'a and b"), "unbalanced quote"),
        (("query", name, "--pk", "1", "--sk", "between A and 'b"), "unbalanced quote"),
        (("query", name, "--pk", "x"), "The partition key is a number (N)"),
        (("get", name, '{"pk": 1, "sk": {"$B": "AA"}}'), "Invalid item JSON in the argument"),
        (("scan", name, "--projection", "a b"), "Projection: expected ','"),
        (("query", name, "--pk", "1", "--projection", "a,"), "Projection: "),
    ]
    for args, message in cases:
        out = ddb(moto_url, *args)
        assert out.returncode == 2, (args, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ddbconsole: "), out.stderr
        assert message in lines[0], lines[0]


def test_sort_value_with_a_quote_queries_it(moto_url: str, boto: Any, tables: list[str]) -> None:
    name = make_table(boto, "S", "S")
    tables.append(name)
    for sk in ("'x", "O'Brien", "x"):
        boto.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": sk}})
    for sk, expected in [("= 'x", ["'x"]), ("begins_with O'", ["O'Brien"])]:
        out = ddb(moto_url, "query", name, "--pk", "p", "--sk", sk)
        assert out.returncode == 0, out.stderr
        assert [i["sk"] for i in json.loads(out.stdout)] == expected


def put_bytes(url: str, table: str, arg: str, data: bytes, env: dict[str, str]) -> Any:
    return subprocess.run(
        ["ddbconsole", "--endpoint-url", url, "--region", "us-east-1", "put", table, arg],
        capture_output=True,
        timeout=60,
        input=data,
        env={**os.environ, **env},
    )


# A strict decoder (UnicodeDecodeError) and C.UTF-8 (surrogateescape: a lone surrogate).
LOCALES = [{"PYTHONIOENCODING": "utf-8:strict"}, {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": ""}]


@pytest.mark.parametrize("env", LOCALES)
def test_put_input_that_is_not_utf8(
    moto_url: str, boto: Any, tables: list[str], tmp_path: Path, env: dict[str, str]
) -> None:
    name = make_table(boto)
    tables.append(name)
    latin1 = '{"pk": "k", "city": "Málaga"}'.encode("latin-1")
    path = tmp_path / "latin1.json"
    path.write_bytes(latin1)
    for arg, source in [("@-", "stdin"), (f"@{path}", str(path))]:
        out = put_bytes(moto_url, name, arg, latin1, env)
        assert out.returncode == 2, out.stderr
        lines = out.stderr.decode().strip().splitlines()
        assert lines == [f"ddbconsole: Cannot read {source}: not UTF-8 text (byte 23)"], lines
    assert "Item" not in boto.get_item(TableName=name, Key={"pk": {"S": "k"}})


@pytest.mark.parametrize("env", LOCALES)
def test_put_accepts_a_utf8_bom(
    moto_url: str, boto: Any, tables: list[str], tmp_path: Path, env: dict[str, str]
) -> None:
    name = make_table(boto)
    tables.append(name)
    text = '\ufeff{"pk": "k", "city": "Málaga ✓"}'.encode()
    path = tmp_path / "bom.json"
    path.write_bytes(text)
    for arg in (f"@{path}", "@-"):
        boto.delete_item(TableName=name, Key={"pk": {"S": "k"}})
        out = put_bytes(moto_url, name, arg, text, env)
        assert out.returncode == 0, out.stderr
        item = boto.get_item(TableName=name, Key={"pk": {"S": "k"}})["Item"]
        assert item == {"pk": {"S": "k"}, "city": {"S": "Málaga ✓"}}


def test_read_text_decodes_utf8_and_drops_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": "\xc3\xa9"}')
    assert read_text(f"@{path}") == ('{"a": "é"}', str(path))
    path.write_bytes(b'\xef\xbb\xbf{"a": "\xe9"}')  # latin-1 é: byte 11 (3 of BOM, 7 of `{"a": "`)
    with pytest.raises(UserInputError) as err:
        read_text(f"@{path}")
    assert str(err.value) == f"Cannot read {path}: not UTF-8 text (byte 11)"
    assert read_text('{"a": 1}') == ('{"a": 1}', "the argument")
