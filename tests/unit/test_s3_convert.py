"""Converting an S3 export's DynamoDB JSON lines: the fast path (json.loads, then the codec's writer
for DynamoDB JSON) and the full codec (codec.loads, then codec.dumps / the CSV formatter) give the
same text, and a line the fast path refuses goes through the full codec's error (hypothesis)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ddbconsole import codec, codec_writer
from ddbconsole.codec import CodecError
from ddbconsole.services.transfer.formats import Formatter, json_csv_cell, unwrap_item
from ddbconsole.services.transfer.s3_reader import convert_lines
from tests.unit.test_codec import FAST, FIDELITY, items, values


def export_line(item: dict[str, Any], incremental: bool = False) -> str:
    image = codec.to_dynamodb_json(item)
    if incremental:
        keys = {k: v for k, v in list(image.items())[:1]}
        return json.dumps({"Metadata": {"WriteTimestampMicros": {"N": "1"}}, "Keys": keys,
                           "NewImage": image}, ensure_ascii=False)  # fmt: skip
    return json.dumps({"Item": image}, ensure_ascii=False, separators=(",", ":"))


def full_codec_jsonl(line: str) -> str:
    return codec.dumps(codec.loads(unwrap_item(line), "dynamodb"), indent=None) + "\n"


@FAST
@given(items)
@example(FIDELITY)
def test_jsonl_fast_path_equals_the_full_codec(item: dict[str, Any]) -> None:
    line = export_line(item)
    text, count, deleted = convert_lines([line], "jsonl", Formatter("jsonl"), False)
    assert (count, deleted) == (1, 0)
    assert text == full_codec_jsonl(line) == codec.dumps(item, indent=None) + "\n"
    assert codec.loads(text) == item  # lossless: 38 digits, sets, binary, nested maps


@FAST
@given(items)
def test_incremental_new_image_converts_like_a_full_line(item: dict[str, Any]) -> None:
    text, count, _ = convert_lines([export_line(item, True)], "jsonl", Formatter("jsonl"), True)
    assert (count, text) == (1, codec.dumps(item, indent=None) + "\n")


@FAST
@given(st.lists(items, max_size=6))
@example([FIDELITY, {"Other": {"N": "1"}}, FIDELITY])
def test_csv_fast_path_equals_the_formatter_of_items(batch: list[dict[str, Any]]) -> None:
    fast, full = Formatter("csv"), Formatter("csv")
    text, count, _ = convert_lines([export_line(i) for i in batch], "csv", fast, False)
    assert count == len(batch)
    assert text == full.lines(batch)
    assert fast.header() == full.header()


@FAST
@given(values)
def test_one_value_either_way(value: dict[str, Any]) -> None:
    as_json = json.loads(json.dumps(codec.to_dynamodb_json({"v": value})))["v"]
    assert codec_writer.json_value_text(as_json, None, "") == codec.dumps_value(value)
    assert json_csv_cell(as_json) == Formatter("csv").row({"v": value})[0]


# Values the fast path must not write as they stand: each line goes to the full codec, which refuses it.
REFUSED = [
    '{"Item":{"a":{"BOOL":"false"}}}',
    '{"Item":{"a":{"NULL":false}}}',
    '{"Item":{"a":{"N":1.5}}}',
    '{"Item":{"a":{"S":7}}}',
    '{"Item":{"a":{"S":"x","N":"1"}}}',
    '{"Item":{"a":{"X":"1"}}}',
    '{"Item":{"a":{"L":{"S":"x"}}}}',
    '{"Item":{"a":{"M":[{"S":"x"}]}}}',
    '{"Item":{"a":{"B":"not base64!"}}}',
    '{"Item":{"a":{}}}',
]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("line", REFUSED)
def test_lines_the_fast_path_refuses_get_the_codecs_error(line: str, fmt: str) -> None:
    formatter = Formatter(fmt)  # type: ignore[arg-type]
    with pytest.raises(CodecError) as caught:
        convert_lines(['{"Item":{"ok":{"S":"fine"}}}', line], fmt, formatter, False)  # type: ignore[arg-type]
    assert "line 1" in str(caught.value)  # the codec's position, not a traceback
    assert list(formatter.columns) in ([], [("ok", "S")])  # the refused line added no column


def test_spacing_and_base64_spelling_come_out_as_the_codec_writes_them() -> None:
    blob = base64.b64encode(b"\x00\xff").decode()
    line = (
        '{ "Item" : { "b" : { "B" : "%s" }, "n": {"N": "007"}, "m": {"M": {"$B": {"S": "x"}}} } }'
    )
    text, _, _ = convert_lines([line % blob], "jsonl", Formatter("jsonl"), False)
    assert text == '{"b":{"$B":"AP8="},"n":7,"m":{"$M":{"$B":"x"}}}\n'
    assert text == full_codec_jsonl(line % blob)
