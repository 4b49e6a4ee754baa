"""Stream records: diffs of every attribute type, TTL removals, filters, the bounded ring, and the
one-line forms (lossless)."""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ddbconsole import codec
from ddbconsole.errors import UserInputError
from ddbconsole.models.streams import StreamInfo, StreamRecord
from ddbconsole.services.stream_records import (
    RecordFilter,
    RecordRing,
    decode,
    diff,
    json_line,
    parse_events,
    parse_since,
    text_line,
)

BIG = "-0.12345678901234567890123456789012345678"


def _rec(
    seq: int, event: str, keys: dict[str, Any], old: Any = None, new: Any = None
) -> StreamRecord:
    return StreamRecord(str(seq), "s", event, datetime(2026, 1, 1, tzinfo=UTC), keys, old, new)  # type: ignore[arg-type]


def test_diff_of_every_type() -> None:
    old = {
        "pk": {"S": "a"},
        "n": {"N": "1.0"},
        "big": {"N": "1"},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2"]},
        "bs": {"BS": [b"\x00"]},
        "b": {"B": b"\x00"},
        "m": {"M": {"x": {"M": {"y": {"L": [{"NULL": True}]}}}}},
        "gone": {"BOOL": True},
        "e": {"S": ""},
    }
    new = {
        "pk": {"S": "a"},
        "n": {"N": "1"},  # the same number
        "big": {"N": BIG},
        "ss": {"SS": ["b", "a"]},  # the same set
        "ns": {"NS": ["1", "2", "3"]},
        "bs": {"BS": [b"\x00", b"\x01"]},
        "b": {"B": b"\x01"},
        "m": {"M": {"x": {"M": {"y": {"L": [{"BOOL": False}]}}}}},
        "e": {"S": ""},
        "new": {"NULL": True},
    }
    changes = diff(old, new)
    assert [(c.name, c.kind) for c in changes] == [
        ("big", "changed"), ("ns", "changed"), ("bs", "changed"), ("b", "changed"),
        ("m", "changed"), ("gone", "removed"), ("new", "added"),
    ]  # fmt: skip
    big = changes[0]
    assert big.old == {"N": "1"} and big.new == {"N": BIG}
    assert diff(None, {"a": {"S": "x"}})[0].kind == "added"
    assert diff({"a": {"S": "x"}}, None)[0].kind == "removed"


def test_json_line_is_lossless_in_both_forms() -> None:
    image = {
        "pk": {"S": "a"},
        "n": {"N": BIG},
        "b": {"B": b"\x00\xff"},
        "s": {"NS": ["1", "1E+125"]},
    }
    record = _rec(7, "MODIFY", {"pk": {"S": "a"}}, {"pk": {"S": "a"}}, image)
    line = json_line(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["event"] == "MODIFY" and parsed["sequence"] == "7"
    assert parsed["time"] == "2026-01-01T00:00:00.000Z"
    # The images read back exactly, digits and bytes included.
    inner = line[line.index('"new":') + 6 : -1]
    assert codec.loads(inner) == image
    ddb = json.loads(json_line(record, "dynamodb"))
    assert codec.loads(json.dumps(ddb["new"]), "dynamodb") == image
    assert json.loads(json_line(_rec(1, "REMOVE", {"pk": {"S": "a"}})))["new"] is None


def test_decode_marks_ttl_removals_and_keeps_wire_values() -> None:
    raw = {
        "eventName": "REMOVE",
        "userIdentity": {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"},
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 1, 1, 12, 0),
            "Keys": {"pk": {"S": "a"}},
            "OldImage": {"pk": {"S": "a"}, "exp": {"N": "1700000000"}},
            "SequenceNumber": "42",
            "SizeBytes": 30,
        },
    }
    record = decode(raw, "shard-1")
    assert record.expired and record.event == "REMOVE" and record.size == 30
    assert record.time == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert "EXPIRED" in text_line(record)
    by_user = decode({**raw, "userIdentity": None}, "shard-1")
    assert not by_user.expired and "REMOVE" in text_line(by_user)


def test_filters() -> None:
    a1 = _rec(1, "INSERT", {"pk": {"S": "user#1"}, "sk": {"N": "1"}}, None, {"pk": {"S": "user#1"}})
    a2 = _rec(2, "MODIFY", {"pk": {"S": "user#1"}, "sk": {"N": "2"}},
              {"pk": {"S": "user#1"}, "x": {"N": "1"}}, {"pk": {"S": "user#1"}, "x": {"N": "2"}})  # fmt: skip
    b = _rec(3, "REMOVE", {"pk": {"S": "order#9"}, "sk": {"N": "1"}}, {"pk": {"S": "order#9"}})
    records = [a1, a2, b]

    def shown(f: RecordFilter) -> list[str]:
        return [r.sequence for r in records if f.matches(r)]

    assert shown(RecordFilter()) == ["1", "2", "3"]
    assert shown(RecordFilter(events=parse_events("insert, remove"))) == ["1", "3"]
    assert shown(RecordFilter(key={"pk": {"S": "user#1"}})) == ["1", "2"]
    assert shown(RecordFilter(key={"pk": {"S": "user#1"}, "sk": {"N": "2.0"}})) == ["2"]
    assert shown(RecordFilter(key_prefix="order", partition_key="pk")) == ["3"]
    assert shown(RecordFilter(attribute="x")) == ["2"]
    assert "changed x" in RecordFilter(attribute="x").describe()
    with pytest.raises(UserInputError):
        parse_events("INSERT,UPSERT")


def test_since() -> None:
    assert parse_since("15m") == timedelta(minutes=15)
    assert parse_since("90s") == timedelta(seconds=90)
    assert parse_since("2h") == timedelta(hours=2)
    assert parse_since("3d") == timedelta(hours=24)  # a stream keeps 24 hours
    for bad in ("", "15x", "-1m", "0m"):
        with pytest.raises(UserInputError):
            parse_since(bad)


def test_ring_memory_is_bounded() -> None:
    ring = RecordRing(1000)
    image = {"pk": {"S": "x" * 50}, "v": {"N": "1"}}

    def fill(n: int, start: int) -> None:
        ring.extend(
            _rec(start + i, "INSERT", {"pk": {"S": str(i)}}, None, dict(image)) for i in range(n)
        )

    fill(2000, 0)
    tracemalloc.start()
    fill(20_000, 2000)
    before = tracemalloc.take_snapshot()
    fill(50_000, 22_000)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert len(ring) == 1000 and ring.total == 72_000 and ring.dropped == 71_000
    assert grown < 200_000  # 50,000 more records, no more memory (a few stray objects)
    newest = ring.newest(3)
    assert [r.sequence for r in newest] == ["71997", "71998", "71999"]
    assert (
        ring.newest(2, RecordFilter(key={"pk": {"S": "0"}}))
        == [r for r in ring if r.keys == {"pk": {"S": "0"}}][-2:]
    )


def test_what_a_stream_lacks() -> None:
    def info(view: str) -> StreamInfo:
        return StreamInfo("T", "arn", "l", "ENABLED", view)

    assert info("NEW_AND_OLD_IMAGES").lacks() == ""
    assert "only the keys" in info("KEYS_ONLY").lacks()
    assert "no old image" in info("NEW_IMAGE").lacks()
    assert "no new image" in info("OLD_IMAGE").lacks()
    record = _rec(1, "MODIFY", {"pk": {"S": "a"}}, None, {"pk": {"S": "a"}})
    assert "lacks an image" in text_line(record)


def test_view_filter_line() -> None:
    from ddbconsole.services.stream_records import parse_view_filter

    f = parse_view_filter(
        'remove  key:{"PK": "a b", "SK": 1} prefix:CUST attr:Status', ("PK", "SK")
    )
    assert f.events == {"REMOVE"} and f.key == {"PK": {"S": "a b"}, "SK": {"N": "1"}}
    assert f.key_prefix == "CUST" and f.partition_key == "PK" and f.attribute == "Status"
    assert not parse_view_filter("", ("PK",)).active
    for bad in ("key:{oops", "UPSERT", 'key:{"X": 1}'):
        with pytest.raises(UserInputError):
            parse_view_filter(bad, ("PK", "SK"))
