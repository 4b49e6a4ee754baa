"""A DynamoDB export's lines -> the plain form, a whole block at a time: the download's fast path.

An export to S3 writes every item as one line of compact DynamoDB JSON (`{"Item":{"pk":{"S":"a"}}}`).
Parsing each line into objects and writing it again (s3_reader.convert_lines) costs a Python call per
attribute value; most of that work is only taking off each value's wrapper, which can be done to a
whole block of lines at once with a few C-level passes (bytes.replace, re.split), once a single
validating pattern has shown that the block is in the shape those passes assume:

- every line is `{"Item":{...}}` in AWS's compact spelling, every value a wrapper with a known type
  and a value of the right JSON type, maps and lists nested at most DEPTH levels;
- no string (name or value) holds a backslash, a control character, `}` or `]`: so every `"`, `}`
  and `]` in the block is JSON structure, and a literal replacement can never reach into a string;
- numbers are JSON numbers and base64 is canonical (what the writer would write is the text itself);
- no map key is one of the plain form's tags (`$B`, `$M`...: the writer wraps such a map in `$M`),
  no map's first key is `M` (`{"M":{` would look like an M value's wrapper), no nested map's
  first key is `Item`.

A block that is not (a backslash, a deeper item, an unusual key, a malformed line) gives None and
goes through the per-line path, which writes the same text or names the line's error; the two are
checked identical in tests/unit/test_codec_blocks.py (hypothesis). The one difference: a name given
twice in one map (which DynamoDB never writes) stays twice here, where json.loads keeps the last.

`python -m ddbconsole.codec_blocks` serves plain_lines to a parent over its standard input and
output (services/transfer/block_workers.py): a large download converts blocks in a few such
processes at once. The module imports nothing but the standard library, so one starts quickly.
"""

from __future__ import annotations

import contextlib
import json
import re
import struct
import sys
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

DEPTH = 6  # map and list levels under an item the pattern takes; deeper items take the other path

_NUM = rb"-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+(?:[eE][-+]?[0-9]++)?+"  # jsonnodes.NUMBER
_BODY = rb'[^"\\}\]\x00-\x1f]*+'
_STR = b'"' + _BODY + b'"'
_NUMQ = b'"' + _NUM + b'"'
# base64 exactly as b64encode writes it (unused bits zero), so decoding and encoding again is itself
_B64 = rb'"(?:[A-Za-z0-9+/]{4})*+(?:[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=|[A-Za-z0-9+/][AQgw]==)?+"'
_KEY = rb'"(?!\$(?:B|SS|NS|BS|M)")' + _BODY + b'"'
_LEAVES = (
    rb'S":' + _STR + rb'|N":' + _NUMQ + rb"|BOOL\":(?:true|false)|B\":" + _B64
    + rb"|SS\":\[" + _STR + b"(?:," + _STR + rb")*+\]"
    + rb"|NS\":\[" + _NUMQ + b"(?:," + _NUMQ + rb")*+\]"
    + rb"|BS\":\[" + _B64 + b"(?:," + _B64 + rb")*+\]"
    + rb'|NULL":true'
)  # fmt: skip


def _members(value: bytes) -> bytes:
    return b"(?:" + _KEY + b":" + value + rb'(?:,(?=")|(?=\})))*+'


def _value(depth: int) -> bytes:
    if depth == 0:
        return rb'\{"(?:' + _LEAVES + rb")\}"
    inner = _value(depth - 1)
    return (
        rb'\{"(?:' + _LEAVES + rb'|M":\{(?!"(?:M|Item)":)' + _members(inner) + rb"\}"
        + rb"|L\":\[(?:" + inner + rb"(?:,(?=\{)|(?=\])))*+\])\}"
    )  # fmt: skip


@cache
def _block() -> re.Pattern[bytes]:
    """Lines of `{"Item":...}`, each ending in a newline (compiled once, on first use)."""
    line = rb'\{"Item":\{(?!"M":)' + _members(_value(DEPTH)) + rb"\}\}\n"
    return re.compile(b"(?:" + line + b")*+")


# An L value's own `]}` (the list's close, then its wrapper's): the list's last value closed just
# before, or it is empty. A set's `]` follows a string, and keeps its wrapper (as $SS...).
_LIST_CLOSE = re.compile(rb"\](?<=[}\[]\])\}")
_S_OR_N = re.compile(rb'\{"(?:S":("' + _BODY + rb'")|N":"(' + _NUM + rb')")\}')
_NS = re.compile(rb'\{"NS":\[[^\]]*+\]\}')


def _number_set(match: re.Match[bytes]) -> bytes:
    return b'{"$NS":' + match.group()[6:].replace(b'"', b"")


def plain_lines(block: bytes) -> bytes | None:
    """`block` (lines of a DynamoDB JSON export, each ending in a newline) in the plain form, one
    item per line, byte for byte what codec_writer.json_item_line writes; None when the block is
    not in the shape this path takes (see the module docstring)."""
    if not _block().fullmatch(block):
        return None
    data = _LIST_CLOSE.sub(b"]", block)
    # Binary and sets keep their wrapper, tagged as the plain form tags them (before the lists'
    # openings go: `{"SS":[` is then a set's, never a map whose first name is SS holding a list).
    if b'{"B":"' in data:
        data = data.replace(b'{"B":"', b'{"$B":"')
    if b'":["' in data:
        data = data.replace(b'{"SS":[', b'{"$SS":[').replace(b'{"BS":[', b'{"$BS":[')
        if b'{"NS":[' in data:
            data = _NS.sub(_number_set, data)
    # Wrappers whose value is a map or a list lose their opening; BOOL and NULL are whole tokens.
    data = data.replace(b'{"Item":{', b"{").replace(b'{"M":{', b"{").replace(b'{"L":[', b"[")
    data = data.replace(b'{"BOOL":true}', b"true").replace(b'{"BOOL":false}', b"false")
    if b'{"NULL":' in data:
        data = data.replace(b'{"NULL":true}', b"null")
    # A string or a number without its wrapper (and a number without its quotes).
    data = b"".join(filter(None, _S_OR_N.split(data)))
    # Every `}` left is a map's close followed by its M wrapper's (or the item's), or closes a
    # binary or set value just before such pairs: collapsing each pair to one brace keeps those.
    return data.replace(b"}}", b"}")


# --- CSV ------------------------------------------------------------------------------------------
# formats.py describes the CSV form: a column per (name, type) in the order first seen, a row per
# item, cells as Formatter.row writes them and csv.writer quotes them. A block whose every item
# holds the block's columns in that order (a prefix of them: sparse trailing attributes are fine),
# the first ones being the columns so far, gets its rows here; any other block takes the per-line
# path (s3_reader.convert_lines), as does every block plain_lines refuses.

Column = tuple[str, str]  # (attribute name, DynamoDB type)

_KIND = {b'"': "S", b"t": "BOOL", b"f": "BOOL", b"n": "NULL", b"[": "L"}
_TAGGED = {b'{"$B":': "B", b'{"$SS"': "SS", b'{"$NS"': "NS", b'{"$BS"': "BS"}


def _loose(depth: int) -> bytes:
    """A map or list of a block plain_lines wrote (so: valid, no `"` in any string)."""
    inner = b"" if depth == 0 else b"|" + _loose(depth - 1)
    return rb'[\[{](?:"[^"]*+"|[^"\[\]{}]++' + inner + rb")*+[\]}]"


_CONTAINER = _loose(DEPTH + 2)  # sets and binary are maps too, one level more
_MEMBER = re.compile(rb'[{,]"([^"]*+)":("[^"]*+"|[^",{}\[\]\n]++|' + _CONTAINER + rb")")
_VALUE = {
    "N": rb"-?[0-9][-+.0-9eE]*+",
    "BOOL": rb"true|false",
    "NULL": rb"null",
    "SS": rb'\{"\$SS":\[[^\]]*+\]\}',
    "NS": rb'\{"\$NS":\[[^\]]*+\]\}',
    "BS": rb'\{"\$BS":\[[^\]]*+\]\}',
    "M": rb'(?=\{(?!"\$))' + _CONTAINER,
    "L": rb"(?=\[)" + _CONTAINER,
}


def _kind(value: bytes) -> str:
    return _KIND.get(value[:1]) or _TAGGED.get(value[:6]) or ("M" if value[:1] == b"{" else "N")


def _shape(line: bytes) -> tuple[Column, ...]:
    return tuple((n.decode("utf-8"), _kind(v)) for n, v in _MEMBER.findall(line))


@dataclass(frozen=True)
class _Rows:
    """One line of a block whose members are a prefix of the columns, in order, as groups that
    are its CSV row's text: each comma, each cell (a string's without its quotes unless it holds a
    comma), the newline. A line per match, so a line of another shape leaves text between."""

    pattern: re.Pattern[bytes]
    stride: int  # re.split's items per line: the text before it, then every group
    strings: tuple[int, ...]  # groups of quoted strings and binary (empty: "\\", formats.py)
    containers: tuple[int, ...]  # groups of maps, lists and sets (plain JSON, quoted for CSV)


@cache
def _rows(columns: tuple[Column, ...]) -> _Rows:
    members, groups, strings, containers = [], 0, [], []
    for at, (name, kind) in enumerate(columns):
        member = b"(,)" if at else b""
        groups += bool(at)
        member += b'"' + re.escape(name.encode("utf-8")) + b'":'
        if kind in ("S", "B"):
            value = rb'"([^",]++)"|("[^"]*+")' if kind == "S" else rb'\{"\$B":(?:"([^"]++)"|(""))\}'
            member += b"(?:" + value + b")"
            strings.append(groups + 2)
            groups += 2
        else:
            member += b"(" + _VALUE[kind] + b")"
            groups += 1
            if kind not in ("N", "BOOL", "NULL"):
                containers.append(groups)
        members.append(member)
    nested = b""
    for member in reversed(members):
        nested = b"(?:" + member + nested + b")?"
    pattern = re.compile(rb"\{" + nested + rb"\}(\n)")
    return _Rows(pattern, groups + 2, tuple(strings), tuple(containers))


def _cells(values: list[bytes | None]) -> list[bytes | None]:
    """Maps', lists' and sets' cells (None: an item without it): their plain JSON, quoted for CSV
    when it must be (it holds a quote or a comma)."""
    if None not in values and all(map(bytes.__contains__, values, repeat(b'"'))):  # type: ignore[arg-type]
        doubled = b"\x00".join(values).replace(b'"', b'""')  # type: ignore[arg-type]
        return (b'"' + doubled.replace(b"\x00", b'"\x00"') + b'"').split(b"\x00")  # type: ignore[return-value]
    return [
        v
        if v is None or (b'"' not in v and b"," not in v)
        else b'"' + v.replace(b'"', b'""') + b'"'
        for v in values
    ]


def csv_rows(block: bytes, columns: tuple[Column, ...]) -> tuple[tuple[Column, ...], bytes] | None:
    """(the columns, the CSV rows) of `block`, whose rows use the columns so far (`columns`) and
    any new ones after them; None when the block takes the per-line path."""
    plain = plain_lines(block)
    if plain is None:
        return None
    shape = _shape(plain[: plain.index(b"\n") + 1])
    if columns[: len(shape)] == shape:
        every = columns
    elif shape[: len(columns)] == columns:
        every = shape
    else:
        return None
    if len(set(every)) != len(every):
        return None
    rows = _rows(every)
    parts = rows.pattern.split(plain)
    if any(parts[0 :: rows.stride]):
        return None  # a line of another shape
    for group in rows.containers:
        parts[group :: rows.stride] = _cells(parts[group :: rows.stride])
    if b'""' in plain:
        for group in rows.strings:
            parts[group :: rows.stride] = [
                b"\\" if v == b'""' else v for v in parts[group :: rows.stride]
            ]
    return every, b"".join(filter(None, parts))


# The worker's frames: a request is a length (4 bytes, little-endian) and that many bytes: a mode
# byte (J: plain_lines; C: csv_rows, the columns so far as a JSON line first), then the lines. The
# answer is the result the same way (C: the columns as a JSON line, then the rows), or REFUSED
# alone (the block takes the per-line path).
FRAME = struct.Struct("<I")
REFUSED = 0xFFFFFFFF
PIPE_SIZE = 1 << 20  # bytes: a block is about 1 MiB (s3_reader.OUT_STEP)


def answer(request: bytes) -> bytes | None:
    """One request's answer (see FRAME), None for a refusal."""
    if request[:1] == b"J":
        return plain_lines(request[1:])
    cut = request.index(b"\n") + 1
    columns = tuple((str(n), str(t)) for n, t in json.loads(request[1:cut]))
    result = csv_rows(request[cut:], columns)
    if result is None:
        return None
    every, rows = result
    return json.dumps(every).encode() + b"\n" + rows


def _widen(*pipes: BinaryIO) -> None:
    """Pipes of a block's size (Linux): a block passes in one write, where 64 KiB ones would also
    copy the rest along the parent's buffer each time."""
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    for pipe in pipes if setsize is not None else ():
        with contextlib.suppress(OSError, ValueError):  # not a pipe, or over pipe-max-size
            fcntl.fcntl(pipe.fileno(), setsize, PIPE_SIZE)  # type: ignore[union-attr,arg-type]


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer each request read from `requests` until it ends (the parent closed the pipe)."""
    _widen(requests, answers)
    _block()
    while len(head := requests.read(FRAME.size)) == FRAME.size:
        (size,) = FRAME.unpack(head)
        request = requests.read(size)
        try:
            result = answer(request)
        except Exception:  # a refusal: the parent's per-line path says what is wrong
            result = None
        if result is None:
            answers.write(FRAME.pack(REFUSED))
        else:
            answers.write(FRAME.pack(len(result)))
            answers.write(result)
        answers.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
