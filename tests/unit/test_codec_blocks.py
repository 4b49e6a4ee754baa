"""A block of an export's lines converted at once (codec_blocks.plain_lines, csv_rows) gives, byte
for byte, what converting each line gives (codec_writer.json_item_line; the CSV Formatter and
csv.writer), or refuses the block (None) so that the per-line path takes it; ordinary items (for
CSV: a block of one shape) are never refused (hypothesis). The worker process and the pool that
feeds it (block_workers) answer in order, and a stopped worker answers GONE."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from ddbconsole import codec
from ddbconsole.codec_blocks import DEPTH, FRAME, REFUSED, csv_rows, plain_lines, serve
from ddbconsole.codec_writer import json_item_line
from ddbconsole.services.transfer.block_workers import GONE, BlockWorkers
from ddbconsole.services.transfer.formats import Formatter
from ddbconsole.services.transfer.s3_reader import convert_lines
from tests.unit.test_codec import FAST, FIDELITY, items, scalars_of, values_of
from tests.unit.test_s3_convert import export_line


def block_of(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


def per_line(lines: list[str]) -> bytes:
    return "".join(json_item_line(json.loads(line)["Item"]) + "\n" for line in lines).encode()


def depth(value: dict[str, Any]) -> int:
    ((kind, raw),) = value.items()
    if kind == "M":
        return 1 + max((depth(v) for v in raw.values()), default=0)
    if kind == "L":
        return 1 + max((depth(v) for v in raw), default=0)
    return 0


@FAST
@given(st.lists(items, min_size=1, max_size=4))
@example([FIDELITY])
def test_a_block_is_refused_or_converted_as_each_line(batch: list[dict[str, Any]]) -> None:
    lines = [export_line(i) for i in batch]
    converted = plain_lines(block_of(lines))
    assert converted is None or converted == per_line(lines)


# Ordinary data, as most tables hold: no backslash, control character, `}` or `]` in any string,
# names that are not tags; any other character, `{`, `[`, `:`, `,` and emoji included.
plain_texts = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters='\\"}]'),
    max_size=12,
)
plain_names = plain_texts.filter(lambda n: n not in ("", "M", "Item") and not n.startswith("$"))
plain_scalars = scalars_of(plain_texts, st.binary(max_size=12))
plain_values = values_of(plain_scalars, plain_names)
plain_items = st.dictionaries(plain_names, plain_values, max_size=8)


@FAST
@given(st.lists(plain_items, min_size=1, max_size=4))
def test_ordinary_items_are_converted_at_once(batch: list[dict[str, Any]]) -> None:
    assume(all(depth({"M": item}) <= DEPTH + 1 for item in batch))
    lines = [export_line(i) for i in batch]
    converted = plain_lines(block_of(lines))
    assert converted == per_line(lines)
    assert converted is not None
    assert [codec.loads(line) for line in converted.decode().splitlines()] == batch  # lossless


ACCEPTED = [
    '{"Item":{}}',
    '{"Item":{"Item":{"M":{"a":{"NULL":true}}},"e":{"M":{}},"l":{"L":[]}}}',
    '{"Item":{"a":{"L":[{"L":[{"L":[]}]},{"M":{"x":{"B":""}}},{"BS":["AA==","AAE="]}]}}}',
    '{"Item":{"s":{"S":""},"n":{"NS":["-1.5E-130","0","10"]},"u":{"S":"日本 🚀 {:[,"}}}',
    '{"Item":{"a":{"M":{"b":{"M":{"c":{"S":"x"}}},"M":{"BOOL":false}}}}}',
    # a map whose first name is a type, holding a list: not a set once the list's opening goes
    '{"Item":{"NS":{"L":[{"SS":[""]}]},"x":{"M":{"SS":{"L":[{"N":"1"}]},"BS":{"L":[]}}}}}',
]


@pytest.mark.parametrize("line", ACCEPTED)
def test_unusual_but_ordinary_lines_are_converted_at_once(line: str) -> None:
    assert plain_lines(block_of([line])) == per_line([line])


REFUSED_LINES = [
    '{"Item":{"a":{"S":"back\\\\slash"}}}',  # an escape: the writer may spell it differently
    '{"Item":{"a":{"S":"brace}"}}}',  # `}` or `]` in a string: the replacements would reach it
    '{"Item":{"a":{"SS":["x]"]}}}',
    '{"Item":{"$B":{"S":"x"}}}',  # a tag as a name: the writer wraps such a map in $M
    '{"Item":{"M":{"S":"x"}}}',  # a map whose first name is M looks like an M value
    '{"Item":{"a":{"M":{"Item":{"S":"x"}}}}}',
    '{"Item":{"a":{"B":"AB=="}}}',  # not base64 as b64encode writes it (unused bits set)
    '{"Item":{"a":{"N":"01"}}}',  # not a JSON number: the writer normalises it
    '{"Item":{"a":{"N":"1."}}}',
    '{"Item":{"a":{"X":"1"}}}',  # unknown type, wrong JSON types
    '{"Item":{"a":{"BOOL":"true"}}}',
    '{"Item":{"a":{"NULL":false}}}',
    '{"Item":{"a":{"S":"x","N":"1"}}}',
    '{"Item":{"a":{"SS":[]}}}',
    '{"Item": {"a":{"S":"x"}}}',  # another spelling than AWS's compact one
    '{"Item":{"a":{"S":"x"}}}\r',
    "",
    '{"Metadata":{},"NewImage":{"a":{"S":"x"}}}',
    '{"Item":{"a":{"S":"x"}}}{"Item":{}}',
    '{"Item":{"a":{"S":"x"}},"b":{"S":"y"}}}',
    '{"Item":{"a":' + '{"L":[' * (DEPTH + 1) + "]}" * (DEPTH + 1) + "}}",  # deeper than DEPTH
]


@pytest.mark.parametrize("line", REFUSED_LINES)
def test_lines_outside_the_shape_refuse_the_whole_block(line: str) -> None:
    ok = '{"Item":{"ok":{"S":"fine"}}}'
    assert plain_lines(block_of([ok, line, ok])) is None
    assert plain_lines(block_of([ok, ok])) == per_line([ok, ok])


def test_a_block_without_its_last_newline_is_refused() -> None:
    assert plain_lines(b'{"Item":{"a":{"S":"x"}}}') is None


def test_the_worker_answers_each_block_in_turn() -> None:
    good, bad = (
        b"J" + block_of(['{"Item":{"a":{"N":"1"}}}']),
        b"J" + block_of(['{"Item":{"a":{"N":"01"}}}']),
    )
    requests = io.BytesIO(b"".join(FRAME.pack(len(b)) + b for b in (good, bad, good)))
    answers = io.BytesIO()
    serve(requests, answers)
    body = answers.getvalue()
    (size,) = FRAME.unpack_from(body)
    assert body[4 : 4 + size] == b'{"a":1}\n'
    rest = body[4 + size :]
    assert FRAME.unpack_from(rest) == (REFUSED,)
    assert rest[4:] == FRAME.pack(size) + b'{"a":1}\n'


async def test_worker_processes_answer_in_order_and_a_stopped_one_answers_gone() -> None:
    blocks = [block_of([f'{{"Item":{{"n":{{"N":"{i}"}}}}}}']) for i in range(6)]
    blocks[3] = block_of(['{"Item":{"a":{"S":"x\\\\y"}}}'])  # refused: None
    pool = await BlockWorkers.start(2)
    assert pool is not None
    try:
        answers = [await pool.submit(b"J" + b) for b in blocks]
        got = await asyncio.gather(*answers)
        assert got == [plain_lines(b) for b in blocks]
        assert got[3] is None and got[5] == b'{"n":5}\n'
        pool.kill()  # a worker that stops (or was never there) answers GONE: convert it yourself
        after = await asyncio.wait_for(await pool.submit(b"J" + blocks[0]), 10)
        assert after == GONE
    finally:
        await pool.close()
    assert all(w.process.returncode is not None for w in pool._workers)


# --- CSV -----------------------------------------------------------------------------------------


def csv_per_line(blocks: list[list[str]]) -> tuple[list[str], list[tuple[tuple[str, str], ...]]]:
    """Each block's rows and the columns after it, as the per-line path writes them."""
    formatter, texts, columns = Formatter("csv"), [], []
    for lines in blocks:
        text, _, _ = convert_lines(lines, "csv", formatter, False)
        texts.append(text)
        columns.append(tuple(formatter.columns))
    return texts, columns


@FAST
@given(st.lists(items, min_size=1, max_size=3), st.lists(items, min_size=1, max_size=3))
@example([FIDELITY], [FIDELITY])
def test_csv_rows_are_refused_or_as_the_formatter_writes_them(
    first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> None:
    lines = [[export_line(i) for i in first], [export_line(i) for i in second]]
    texts, (before, after) = csv_per_line(lines)
    got = csv_rows(block_of(lines[1]), before)
    if got is not None:
        every, rows = got
        assert rows.decode() == texts[1]
        assert every == after or (after == before and before[: len(every)] == every)


@st.composite
def uniform_blocks(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Items of one shape (names and types in one order), some without their last attributes."""
    template = draw(plain_items)
    assume(depth({"M": template}) <= DEPTH + 1)
    batch = [template]
    for _ in range(draw(st.integers(0, 4))):
        item = {}
        for name, value in template.items():
            ((kind, _),) = value.items()
            item[name] = draw(plain_scalars.filter(lambda v, k=kind: k in v)) if kind in (
                "S", "N", "B", "BOOL", "SS") else value  # fmt: skip
        keep = draw(st.integers(0, len(item)))
        batch.append(dict(list(item.items())[:keep]))
    return batch


@FAST
@given(uniform_blocks())
def test_a_block_of_one_shape_is_written_at_once(batch: list[dict[str, Any]]) -> None:
    lines = [export_line(i) for i in batch]
    texts, (columns,) = csv_per_line([lines])
    got = csv_rows(block_of(lines), ())
    assert got is not None
    assert got == (columns, texts[0].encode())


CSV_CELLS = [
    '{"Item":{"a":{"S":"x,y"},"b":{"L":[]},"c":{"L":[{"N":"1"},{"NULL":true}]},"d":{"M":{}}}}',
    '{"Item":{"a":{"S":""},"b":{"L":[{"S":"q"}]},"c":{"L":[]},"d":{"M":{"k,":{"S":"v,"}}}}}',
    '{"Item":{"a":{"S":"ü ✓ :{["}}}',
    '{"Item":{}}',
    '{"Item":{"b":{"L":[{"B":""},{"S":""}]},"c":{"B":""},"d":{"S":""},"e":{"M":{"":{"S":""}}}}}',
]


def test_csv_cells_quoted_only_when_they_must_be() -> None:
    texts, (columns,) = csv_per_line([CSV_CELLS[:3]])
    assert csv_rows(block_of(CSV_CELLS[:3]), ()) == (columns, texts[0].encode())
    assert texts[0].splitlines()[0] == '"x,y",[],"[1,null]",{}'
    # an item without attributes is an empty row, after the columns so far
    assert csv_rows(block_of(CSV_CELLS[3:4]), columns) == (columns, b"\n")
    # empty strings and binary: "\\" as cells, "" inside a map's or list's JSON
    texts, (columns,) = csv_per_line([CSV_CELLS[4:]])
    assert texts[0] == '"[{""$B"":""""},""""]",\\,\\,"{"""":""""}"\n'
    assert csv_rows(block_of(CSV_CELLS[4:]), ()) == (columns, texts[0].encode())
    mixed = [CSV_CELLS[3], CSV_CELLS[2], CSV_CELLS[3], CSV_CELLS[3], CSV_CELLS[2], CSV_CELLS[3]]
    texts, (columns,) = csv_per_line([mixed])
    assert csv_rows(block_of(mixed), ()) is None  # the first line has no shape to go by
    assert csv_rows(block_of(mixed[1:]), ()) == (columns, texts[0].encode()[1:])


def test_a_block_of_another_shape_is_refused() -> None:
    one, other = '{"Item":{"a":{"S":"x"}}}', '{"Item":{"b":{"S":"x"}}}'
    assert csv_rows(block_of([one, other]), ()) is None
    assert csv_rows(block_of([one]), (("b", "S"),)) is None
    assert csv_rows(block_of([one.replace('"S":"x"', '"N":"1"')]), (("a", "S"),)) is None
