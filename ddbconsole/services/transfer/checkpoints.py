"""Import checkpoints: which records of a file are known to be in the table, so an import resumes.

The checkpoint is a JSON file next to the input (``FILE.import-checkpoint.json``) holding the ranges
of record numbers DynamoDB has accepted. A record enters it only after DynamoDB has accepted it, so
a crash never skips one; a resumed import skips the ranges recorded there (a put written twice is
harmless). It is valid for that file as it is (format, size, mtime) and that table (name, creation
time) only: anything else is refused rather than resumed. Saves write a temporary file and rename
it, so a crash mid-save leaves the previous checkpoint whole.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import os
import uuid
from pathlib import Path
from stat import S_ISREG
from typing import Any

from ddbconsole.errors import UserInputError
from ddbconsole.models import TableInfo
from ddbconsole.services.transfer.formats import Format

CHECKPOINT_SUFFIX = ".import-checkpoint.json"


def checkpoint_path(source: str | Path) -> Path:
    return Path(str(source) + CHECKPOINT_SUFFIX)


class Ranges:
    """A set of record numbers as sorted, merged, inclusive ranges."""

    def __init__(self, ranges: list[list[int]] | None = None) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for a, b in ranges or ():
            self.add(a, b)

    def add(self, a: int, b: int) -> None:
        i = bisect.bisect_left(self.ends, a - 1)
        j = bisect.bisect_right(self.starts, b + 1)
        if i < j:
            a = min(a, self.starts[i])
            b = max(b, self.ends[j - 1])
        self.starts[i:j] = [a]
        self.ends[i:j] = [b]

    def __contains__(self, n: object) -> bool:
        if not isinstance(n, int):
            return False
        i = bisect.bisect_right(self.starts, n) - 1
        return i >= 0 and n <= self.ends[i]

    def count(self) -> int:
        return sum(b - a + 1 for a, b in zip(self.starts, self.ends, strict=True))

    def as_list(self) -> list[list[int]]:
        return [[a, b] for a, b in zip(self.starts, self.ends, strict=True)]

    def add_numbers(self, numbers: list[int]) -> None:
        """Add record numbers in any order (consecutive ones become one range)."""
        if not numbers:
            return
        numbers = sorted(numbers)
        start = prev = numbers[0]
        for n in numbers[1:]:
            if n != prev + 1:
                self.add(start, prev)
                start = n
            prev = n
        self.add(start, prev)


def fingerprint(path: Path, table: TableInfo, fmt: Format) -> dict[str, Any]:
    """What a checkpoint is valid for: this file as it is, this table (not one recreated since)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise UserInputError(f"Cannot read {path}", exc.strerror or str(exc)) from None
    if not S_ISREG(stat.st_mode):
        raise UserInputError(
            f"Cannot import from {path}",
            "import reads the file twice (validation, then writing): give a regular file, "
            "not a pipe, a device or a directory",
        )
    created = table.created.isoformat() if table.created else None
    return {
        "table": table.name,
        "table_created": created,
        "format": fmt,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def load(path: Path, fingerprint: dict[str, Any]) -> Ranges:
    """The records written by earlier runs; none if there is no checkpoint. UserInputError if it
    was written for another file or table."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return Ranges()
    except (OSError, ValueError) as exc:
        raise UserInputError(f"Cannot read the checkpoint {path}", str(exc)) from None
    for key, value in fingerprint.items():
        if data.get(key) != value:
            raise UserInputError(
                "The checkpoint does not match this import",
                f"{path} was written for another {key} ({data.get(key)!r}); delete it to start over",
                code="CheckpointMismatch",
            )
    return Ranges(data.get("done") or [])


async def write(path: Path, fingerprint: dict[str, Any], done: Ranges) -> None:
    """Save the checkpoint (in a thread), with an OSError explained."""
    try:
        await asyncio.to_thread(save, path, {**fingerprint, "done": done.as_list()})
    except OSError as exc:
        raise UserInputError(
            f"Cannot write the checkpoint {path}",
            f"{exc.strerror or exc}; it goes next to the input file, which must be in a "
            "writable folder",
        ) from None


def save(path: Path, data: dict[str, Any]) -> None:
    """Write `data` to `path` whole: a temporary file, synced, then renamed over it."""
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")  # saves may overlap
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
