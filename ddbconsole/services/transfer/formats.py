"""Export and import file formats, and where an export writes.

Formats (one item per line or row):

- ``jsonl`` (default): the editor's plain JSON form (ddbconsole/codec.py), one item per line.
- ``dynamodb-jsonl``: DynamoDB JSON (``{"Name": {"S": "Ada"}}``), one item per line.
- ``dynamodb-json``: DynamoDB JSON in the layout of DynamoDB's own S3 export and import
  (``{"Item": {"Name": {"S": "Ada"}}}``), one item per line: such a file, uploaded to S3 as it is
  (optionally gzipped), is what ImportTable reads with InputFormat DYNAMODB_JSON.
- ``csv``: a header row of ``name:TYPE`` columns (``Name:S,Age:N,Tags:SS``), then one row per item.
  S cells hold the text itself, N the number literal, B base64, BOOL ``true``/``false``, NULL
  ``null``; SS, NS, BS, M and L cells hold the value in plain JSON (``{"$SS": ["a"]}``, ``[1, "x"]``).
  An empty cell means the item has no such attribute. An S value that is empty or starts with a
  backslash is written with one backslash in front (``""`` -> ``\\``, ``\\x`` -> ``\\\\x``); an empty
  B value is written ``\\`` too (not valid base64, so never ambiguous). An
  attribute that holds different types in different items gets one column per type
  (``Age:N,Age:S``). The name is everything before the last colon, so names may contain colons.

Reading yields numbered records (blank lines are not data); a record that does not parse carries
its error and the file line it ends on, for the import's failure file.

An export's file (`ExportFile`): a regular file, or a symlink to one, is written as ``FILE.partial``
and renamed to FILE when complete, so a failed or cancelled export never damages an earlier FILE;
a pipe, a device or ``-`` (standard output) is written directly.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import errno
import io
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import IO, Any, Literal

from ddbconsole import codec, codec_writer
from ddbconsole.codec import AttributeValue, CodecError, Item
from ddbconsole.errors import DdbConsoleError, UserInputError

Format = Literal["jsonl", "dynamodb-jsonl", "dynamodb-json", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "dynamodb-jsonl", "dynamodb-json", "csv")
ITEM_PREFIX = '{"Item":'  # a line of the S3 layout (dynamodb-json)
STDOUT = "-"  # export to standard output, as Unix tools read "-"


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UserInputError(f"Unknown format {fmt!r}", "use " + ", ".join(FORMATS))


# --- writing --------------------------------------------------------------------------------------


def _cell_writer(
    b64: Callable[[Any], str], value_text: codec_writer.ValueWriter
) -> Callable[[AttributeValue], str]:
    """A CSV cell's text for a value whose binary is encoded by `b64` (bytes in an item, base64
    text in DynamoDB JSON as json.loads parses it: the same cell either way)."""

    def cell(value: AttributeValue) -> str:
        if len(value) != 1:
            raise ValueError(f"not a DynamoDB attribute value: {value!r}")
        for kind, raw in value.items():
            if kind == "S":
                if type(raw) is not str:
                    raise TypeError("S values are strings")
                return "\\" + raw if raw == "" or raw[0] == "\\" else raw
            if kind == "N":
                if type(raw) is not str:
                    raise TypeError("N values are strings")
                return raw
            if kind == "B":
                return b64(raw) or "\\"  # empty: "\\", not absent
            if kind == "BOOL":
                if type(raw) is not bool:
                    raise ValueError("BOOL takes true or false")
                return "true" if raw else "false"
            if kind == "NULL":
                if raw is not True:
                    raise ValueError("NULL must be true")
                return "null"
        return value_text(value, None, "")

    return cell


# Items (binary as bytes), and DynamoDB JSON as json.loads parses it (binary as base64 text).
csv_cell = _cell_writer(codec_writer.base64_of_bytes, codec_writer.value_text)
json_csv_cell = _cell_writer(codec_writer.base64_of_text, codec_writer.json_value_text)


class Formatter:
    """Turns items into text; CSV rows go to a body file and get their header at the end."""

    def __init__(self, fmt: Format) -> None:
        self.fmt = fmt
        self.columns: dict[tuple[str, str], int] = {}

    def lines(self, items: Iterable[Item]) -> str:
        if self.fmt == "jsonl":
            return "".join(codec.dumps(i, "plain", indent=None) + "\n" for i in items)
        if self.fmt == "dynamodb-jsonl":
            return "".join(codec.dumps(i, "dynamodb", indent=None) + "\n" for i in items)
        if self.fmt == "dynamodb-json":
            return "".join(
                ITEM_PREFIX + codec.dumps(i, "dynamodb", indent=None) + "}\n" for i in items
            )
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for item in items:
            writer.writerow(self.row(item))
        return out.getvalue()

    def row(self, item: Item, cell: Callable[[AttributeValue], str] = csv_cell) -> list[str]:
        """An item's CSV cells, in the columns so far (new names or types add columns). The
        cells are computed before any column is added, so a value that fails adds none."""
        cells = [((name, next(iter(value))), cell(value)) for name, value in item.items()]
        columns = self.columns
        indexes = []
        for column, _ in cells:
            index = columns.get(column)
            if index is None:
                index = columns[column] = len(columns)
            indexes.append(index)
        row = [""] * (max(indexes) + 1 if indexes else 0)
        for index, (_, text) in zip(indexes, cells, strict=True):
            row[index] = text
        return row

    def header(self) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([f"{n}:{t}" for n, t in self.columns])
        return out.getvalue()


def partial_path(target: str | Path) -> Path:
    """Where an export writes until it is complete (then renamed to `target`)."""
    return Path(str(target) + ".partial")


def _close_quietly(handle: IO[str]) -> None:
    with contextlib.suppress(OSError):
        handle.close()


class ExportFile:
    """Where an export writes, opened in a thread.

    A regular file, or a symlink to one (written through to its target, the link kept), is written
    as `TARGET.partial` and renamed to TARGET when complete: an earlier file is never damaged. A
    pipe, a character device (a terminal, /dev/null) or `-` (standard output) is written directly:
    renaming would replace the pipe or device node itself, and its reader would get nothing.
    CSV rows go to a temporary body file first, because the header (one column per name and type)
    is known only at the end.
    """

    def __init__(self, path: str | Path, fmt: Format) -> None:
        self.stdout = str(path) == STDOUT
        self.direct = self.stdout
        if not self.stdout:
            try:
                mode: int | None = os.stat(path).st_mode  # follows symlinks
            except FileNotFoundError:
                mode = None  # a new file, or a symlink to one yet to be created
            if mode is not None and S_ISDIR(mode):
                raise IsADirectoryError(errno.EISDIR, "it is a directory")
            self.direct = mode is not None and not S_ISREG(mode)
        self.target = Path(path) if self.direct else Path(os.path.realpath(path))
        self._out = self._open_out()
        self._body: Path | None = None
        self.rows: IO[str] = self._out
        if fmt == "csv":
            folder = None if self.direct else self.target.parent
            fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".body", dir=folder)
            self._body = Path(name)
            self.rows = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def _open_out(self) -> IO[str]:
        if self.stdout:
            sys.stdout.flush()
            return os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", newline="")
        where = self.target if self.direct else partial_path(self.target)
        return open(where, "w", encoding="utf-8", newline="")

    def _write_csv(self, formatter: Formatter) -> int:
        """The header, then the body file's rows, copied as bytes; returns the bytes written."""
        assert self._body is not None
        self.rows.close()
        header = formatter.header().encode("utf-8")
        self._out.flush()
        out = self._out.buffer  # type: ignore[attr-defined]
        out.write(header)
        with open(self._body, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
        out.flush()
        size = len(header) + self._body.stat().st_size
        self._body.unlink()
        return size

    def finish(self, formatter: Formatter) -> int:
        """Complete the file (CSV: header first); returns the CSV's size in bytes (else 0)."""
        size = self._write_csv(formatter) if self._body is not None else 0
        self._out.close()
        if not self.direct:
            os.replace(partial_path(self.target), self.target)
        return size

    def abort(self, formatter: Formatter) -> None:
        """Keep what was written (CSV: the rows so far, with their header), without the rename."""
        with contextlib.suppress(OSError):
            if self._body is not None:
                self._write_csv(formatter)
        if self._body is not None:
            with contextlib.suppress(OSError):
                self._body.unlink(missing_ok=True)
        _close_quietly(self.rows)
        _close_quietly(self._out)


# --- reading --------------------------------------------------------------------------------------


@dataclass
class Record:
    number: int  # 1-based record number (non-blank line for JSON lines, data row for CSV)
    text: str  # the record as read, for the failure file
    item: Item | None = None
    error: str = ""
    line: int = 0  # the file line the record ends on (1-based), for the failure file


def read_records(handle: IO[str], fmt: Format) -> Iterator[Record]:
    """Records of a file, parsed; a record that does not parse carries its error."""
    if fmt == "csv":
        yield from _read_csv(handle)
        return
    form: codec.Form = "plain" if fmt == "jsonl" else "dynamodb"
    number = 0
    for line_number, line in enumerate(handle, 1):
        stripped = line.strip()
        if not stripped:
            continue
        number += 1
        try:
            text = unwrap_item(stripped) if fmt == "dynamodb-json" else stripped
            yield Record(number, stripped, codec.loads(text, form), line=line_number)
        except (CodecError, ValueError) as exc:
            # The codec counts lines within the record: this one is always "line 1".
            error = str(exc).replace("line 1, column", "column").replace("line 1: ", "")
            yield Record(number, stripped, error=error, line=line_number)


def unwrap_item(line: str) -> str:
    """The item of an S3-layout line, `{"Item": {...}}`, as text (the codec parses it: lossless,
    repeated keys refused)."""
    text = line.strip()
    if text.startswith(ITEM_PREFIX) and text.endswith("}"):
        return text[len(ITEM_PREFIX) : -1]
    compact = re.match(r'\{\s*"Item"\s*:', text)
    if compact is None or not text.endswith("}"):
        raise ValueError('expected {"Item": {...}} (the layout of DynamoDB\'s S3 export)')
    return text[compact.end() : -1]


def _csv_value(cell: str, kind: str) -> AttributeValue:
    if kind == "S":
        return {"S": cell[1:] if cell.startswith("\\") else cell}
    if kind == "N":
        codec.check_number(cell)
        return {"N": cell}
    if kind == "B":
        if cell == "\\":
            return {"B": b""}
        try:
            return {"B": base64.b64decode(cell, validate=True)}
        except ValueError:
            raise UserInputError("Invalid base64", f"{cell[:40]!r}") from None
    if kind == "BOOL":
        if cell not in ("true", "false"):
            raise UserInputError("Invalid BOOL", f"{cell[:40]!r}: write true or false")
        return {"BOOL": cell == "true"}
    if kind == "NULL":
        return {"NULL": True}
    value = codec.loads_value(cell)
    if codec.type_of(value) != kind:
        raise UserInputError(
            "Wrong type in CSV cell", f"column type {kind}, value {codec.type_of(value)}"
        )
    return value


def parse_csv_header(row: list[str]) -> list[tuple[str, str]]:
    columns = []
    for cell in row:
        name, sep, kind = cell.rpartition(":")
        if not sep or not name or kind not in codec.TYPES:
            raise UserInputError(
                f"Invalid CSV header column {cell!r}",
                "write name:TYPE with TYPE one of " + ", ".join(codec.TYPES),
            )
        columns.append((name, kind))
    return columns


# An item is at most 400 KB; base64 makes a binary cell up to 4/3 of that. csv's default is 128 KB.
_CSV_FIELD_LIMIT = 1 << 20


def _read_csv(handle: IO[str]) -> Iterator[Record]:
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    reader = csv.reader(handle)
    try:
        header = next(reader)
        columns = parse_csv_header(header)
        number = 0
        for row in reader:
            if not row:
                continue  # a blank line
            number += 1
            text = json.dumps(row, ensure_ascii=False)
            line = reader.line_num
            if len(row) > len(columns):
                yield Record(
                    number, text, error=f"{len(row)} cells for {len(columns)} columns", line=line
                )
                continue
            try:
                item: Item = {}
                for (name, kind), cell in zip(columns, row, strict=False):
                    if cell == "":
                        continue
                    if name in item:
                        raise UserInputError(f"Attribute {name!r} given twice", "one type per row")
                    item[name] = _csv_value(cell, kind)
                yield Record(number, text, item, line=line)
            except (DdbConsoleError, ValueError) as exc:
                yield Record(number, text, error=str(exc), line=line)
    except StopIteration:
        return
    except csv.Error as exc:
        raise UserInputError(f"Unreadable CSV at line {reader.line_num}", str(exc)) from None
