"""The demo's ImportTable stand-in: one S3 object's rows, as DynamoDB's import reads them.

Runs in the embedded moto's child process only (demo/standins.py calls it). Each row is an item in
DynamoDB JSON (what moto's table stores) or the exception that made it unreadable, which the import
counts as an error row, as DynamoDB does:

- DYNAMODB_JSON: one `{"Item": {...}}` per line, read with the standard JSON parser.
- CSV (AWS's "DynamoDB data import from Amazon S3: formats"): the first line is the header unless
  the request's InputFormatOptions.Csv.HeaderList gives it (then every line is data); the
  delimiter is InputFormatOptions.Csv.Delimiter (a comma by default). Key attributes, of the table
  and its indexes, take their type from the AttributeDefinitions; every other attribute is
  imported as a string. Read with Python's csv reader, line by line. Stand-in choice: an empty
  cell is left out of the item (AWS does not document it).
- ION: the text Ion DynamoDB exports (`$ion_1_0 {Item:{...}}` per line), read by the console's own
  reader of that subset (services/transfer/ion.py).
ZSTD compression is not simulated (Python's standard library has no zstd before 3.14): such an
import ends FAILED saying so, rather than pretending.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from typing import Any

NOT_SIMULATED = "the local stand-in does not decompress ZSTD (no zstd in Python's standard library)"


def decompress(raw: bytes, compression: str | None) -> bytes:
    if compression == "GZIP":
        return gzip.decompress(raw)
    if compression in (None, "NONE"):
        return raw
    raise ValueError(NOT_SIMULATED)


def rows(
    raw: bytes, input_format: str, options: dict[str, Any], attrs: list[dict[str, str]]
) -> Iterator[tuple[int, dict[str, Any] | Exception]]:
    """(bytes read, item or the reason it is unreadable) for each row of one object."""
    text = raw.decode("utf-8")
    if input_format == "CSV":
        yield from _csv_rows(text, options.get("Csv") or {}, attrs)
        return
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            yield len(line), _ion_item(line) if input_format == "ION" else json.loads(line)["Item"]
        except Exception as exc:  # an unreadable row, counted by the import
            yield len(line), exc


def _ion_item(line: str) -> dict[str, Any]:
    from ddbconsole import codec
    from ddbconsole.services.transfer import ion

    item = ion.item_of(ion.loads_line(line), incremental=False)
    assert item is not None
    return codec.to_dynamodb_json(item)


def _csv_rows(
    text: str, options: dict[str, Any], attrs: list[dict[str, str]]
) -> Iterator[tuple[int, dict[str, Any] | Exception]]:
    types = {a["AttributeName"]: a["AttributeType"] for a in attrs}
    reader = csv.reader(io.StringIO(text), delimiter=options.get("Delimiter") or ",")
    header = list(options.get("HeaderList") or [])
    for row in reader:
        size = sum(len(cell) for cell in row) + len(row)  # the row's characters, about
        if not header:
            header = row
            continue
        if not any(row):
            continue
        if len(row) > len(header):
            yield size, ValueError(f"{len(row)} values for {len(header)} columns")
            continue
        item = {
            name: {types.get(name, "S"): cell}
            for name, cell in zip(header, row, strict=False)
            if cell != ""
        }
        yield size, item
