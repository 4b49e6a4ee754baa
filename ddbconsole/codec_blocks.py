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
checked identical in tests/unit/test_s3_convert.py (hypothesis). The one difference: a name given
twice in one map (which DynamoDB never writes) stays twice here, where json.loads keeps the last.

`python -m ddbconsole.codec_blocks` serves plain_lines to a parent over its standard input and
output (services/transfer/block_workers.py): a large download converts blocks in a few such
processes at once. The module imports nothing but the standard library, so one starts quickly.
"""

from __future__ import annotations

import re
import struct
import sys
from functools import cache
from typing import BinaryIO

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
    # Wrappers whose value is a map or a list lose their opening; BOOL and NULL are whole tokens.
    data = data.replace(b'{"Item":{', b"{").replace(b'{"M":{', b"{").replace(b'{"L":[', b"[")
    data = data.replace(b'{"BOOL":true}', b"true").replace(b'{"BOOL":false}', b"false")
    if b'{"NULL":' in data:
        data = data.replace(b'{"NULL":true}', b"null")
    # Binary and sets keep their wrapper, tagged as the plain form tags them.
    if b'{"B":"' in data:
        data = data.replace(b'{"B":"', b'{"$B":"')
    if b'":["' in data:
        data = data.replace(b'{"SS":[', b'{"$SS":[').replace(b'{"BS":[', b'{"$BS":[')
        if b'{"NS":[' in data:
            data = _NS.sub(_number_set, data)
    # A string or a number without its wrapper (and a number without its quotes).
    data = b"".join(filter(None, _S_OR_N.split(data)))
    # Every `}` left is a map's close followed by its M wrapper's (or the item's), or closes a
    # binary or set value just before such pairs: collapsing each pair to one brace keeps those.
    return data.replace(b"}}", b"}")


# The worker's frames: a request is a length (4 bytes, little-endian) and that many bytes of lines;
# the answer is the converted block the same way, or REFUSED alone (the block takes the other path).
FRAME = struct.Struct("<I")
REFUSED = 0xFFFFFFFF


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer each block read from `requests` until it ends (the parent closed the pipe)."""
    _block()
    while len(head := requests.read(FRAME.size)) == FRAME.size:
        (size,) = FRAME.unpack(head)
        block = requests.read(size)
        try:
            converted = plain_lines(block)
        except Exception:  # a refusal: the parent's per-line path says what is wrong
            converted = None
        if converted is None:
            answers.write(FRAME.pack(REFUSED))
        else:
            answers.write(FRAME.pack(len(converted)))
            answers.write(converted)
        answers.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
