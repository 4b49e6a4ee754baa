"""The PartiQL statement history: JSON lines in the XDG state dir, bounded, created on first write."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from ddbconsole import codec, locations
from ddbconsole.codec import AttributeValue
from ddbconsole.errors import DdbConsoleError
from ddbconsole.models import StatementRecord

log = logging.getLogger(__name__)


class StatementHistory:
    """Recent PartiQL statements as JSON lines in the XDG state dir; created on the first write."""

    FILE_NAME = "partiql-history.jsonl"

    def __init__(self, path: Path | None = None, *, limit: int = 200) -> None:
        self._path = path
        self.limit = limit

    @property
    def path(self) -> Path:
        if self._path is not None:
            return self._path
        return locations.state_dir() / self.FILE_NAME

    def load(self) -> list[StatementRecord]:
        """Newest first. Unreadable lines are skipped."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except OSError as exc:
            log.warning("cannot read PartiQL history: %s", exc)
            return []
        records: list[StatementRecord] = []
        for line in reversed(lines):
            try:
                raw = json.loads(line)
                params = tuple(
                    codec.loads_value(json.dumps(p), "dynamodb") for p in raw.get("parameters", [])
                )
                at = datetime.fromisoformat(raw["at"]) if raw.get("at") else None
                records.append(StatementRecord(str(raw["statement"]), params, at))
            except (ValueError, KeyError, TypeError, DdbConsoleError):
                continue
        return records

    def add(self, statement: str, parameters: Sequence[AttributeValue] = ()) -> None:
        """Remember a statement (moved to the top if already there); never raises on disk errors."""
        entry = {
            "statement": statement,
            "parameters": [json.loads(codec.dumps_value(p, "dynamodb")) for p in parameters],
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        path = self.path
        try:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                lines = []
            kept = []
            for line in lines:
                try:
                    old = json.loads(line)
                except ValueError:
                    continue
                if (old.get("statement"), old.get("parameters")) != (
                    entry["statement"],
                    entry["parameters"],
                ):
                    kept.append(line)
            kept.append(json.dumps(entry, ensure_ascii=False))
            kept = kept[-self.limit :]
            # Statements hold literal values: the file is 0600 in a 0700 directory (the rename
            # replaces an older, more open file too).
            locations.ensure_parent_dir(path)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with locations.open_private(tmp, "w") as stream:
                stream.write("\n".join(kept) + "\n")
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot write PartiQL history: %s", exc)
