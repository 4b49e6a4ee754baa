"""ddbconsole's own records in the XDG state dir: the billing-switch and TTL-change ledgers and the
auto scaling memory. Nothing is read or created at import; the directory is created on the first write.

The files are keyed by `account/region/table` (taken from the table's ARN), written atomically
(temporary file + rename) and tolerant of a missing or unreadable file (treated as empty: these are
aids, not the source of truth).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ddbconsole import locations
from ddbconsole.models import RememberedAutoScaling, ScalableTargetInfo, ScalingPolicyInfo

LEDGER_FILE = "billing-switches.json"
MEMORY_FILE = "autoscaling-memory.json"
SWITCH_WINDOW = timedelta(hours=24)


def table_key(arn: str) -> str:
    """`account/region/table` from `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or not parts[5].startswith("table/"):
        return arn
    return f"{parts[4]}/{parts[3]}/{parts[5].removeprefix('table/').split('/')[0]}"


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(name: str, data: dict[str, Any]) -> None:
    directory = locations.ensure_state_dir()
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, directory / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ChangeLedger:
    """When changes were made through ddbconsole, per table (`account/region/table`), kept for
    `window`: for explaining AWS's rate rules before a request is refused. It only knows this
    user's changes on this machine, so it can be too lenient but never too strict; AWS decides."""

    def __init__(self, file_name: str, window: timedelta, field: str = "changes") -> None:
        self.file_name = file_name
        self.window = window
        self.field = field

    def _path(self) -> Path:
        return locations.state_dir() / self.file_name

    def _entries(self, now: datetime) -> list[tuple[str, datetime]]:
        raw = _read(self._path()).get(self.field, [])
        out: list[tuple[str, datetime]] = []
        for entry in raw if isinstance(raw, list) else []:
            try:
                at = as_utc(datetime.fromisoformat(entry["at"]))
                if now - at < self.window:
                    out.append((str(entry["table"]), at))
            except (KeyError, TypeError, ValueError):
                continue
        return out

    def times(self, key: str, now: datetime, created: datetime | None = None) -> list[datetime]:
        """This table's changes within the window, oldest first. Changes from before `created`
        (the table's CreationDateTime) belong to an earlier table of that name: left out."""
        return sorted(
            at
            for table, at in self._entries(now)
            if table == key and (created is None or at >= as_utc(created))
        )

    def record(self, key: str, at: datetime) -> None:
        kept = [
            {"table": table, "at": when.isoformat()}
            for table, when in self._entries(datetime.now(UTC))
        ]
        kept.append({"table": key, "at": as_utc(at).isoformat()})
        _write(self.file_name, {"version": 1, self.field: kept})


class SwitchLedger(ChangeLedger):
    """Switches from PROVISIONED to PAY_PER_REQUEST made through ddbconsole, per table.

    Limits, and why the budget built from it is an upper bound: the ledger only knows switches made
    by ddbconsole for this user on this machine. DescribeTable adds the latest switch
    (LastUpdateToPayPerRequestDateTime) whoever made it, but earlier switches made elsewhere (AWS
    console, CLI, IaC, another machine) in the same 24 hours are invisible. So ddbconsole may allow
    a switch that AWS then refuses (LimitExceededException, explained to the user), but never refuses
    one that AWS would allow on the ledger's account. Entries older than 24 hours are pruned.
    """

    def __init__(self) -> None:
        super().__init__(LEDGER_FILE, SWITCH_WINDOW, "switches")

    def switches(self, key: str, now: datetime, created: datetime | None = None) -> list[datetime]:
        return self.times(key, now, created)


def _policy_json(policy: ScalingPolicyInfo) -> dict[str, Any]:
    return {
        "name": policy.name,
        "policy_type": policy.policy_type,
        "target_value": policy.target_value,
        "predefined_metric": policy.predefined_metric,
        "scale_in_cooldown": policy.scale_in_cooldown,
        "scale_out_cooldown": policy.scale_out_cooldown,
        "disable_scale_in": policy.disable_scale_in,
    }


def _target_json(target: ScalableTargetInfo) -> dict[str, Any]:
    return {
        "resource_id": target.resource_id,
        "dimension": target.dimension,
        "min_capacity": target.min_capacity,
        "max_capacity": target.max_capacity,
        "suspended": list(target.suspended),
        # Only target tracking can be restored from what is stored (step scaling needs alarms).
        "policies": [
            _policy_json(p) for p in target.policies if p.policy_type == "TargetTrackingScaling"
        ],
    }


def _target_from_json(raw: dict[str, Any]) -> ScalableTargetInfo:
    return ScalableTargetInfo(
        resource_id=str(raw["resource_id"]),
        dimension=str(raw["dimension"]),
        min_capacity=int(raw["min_capacity"]),
        max_capacity=int(raw["max_capacity"]),
        suspended=tuple(str(s) for s in raw.get("suspended", [])),
        policies=tuple(
            ScalingPolicyInfo(
                name=str(p["name"]),
                arn="",
                policy_type=str(p["policy_type"]),
                target_value=p.get("target_value"),
                predefined_metric=p.get("predefined_metric"),
                scale_in_cooldown=p.get("scale_in_cooldown"),
                scale_out_cooldown=p.get("scale_out_cooldown"),
                disable_scale_in=bool(p.get("disable_scale_in", False)),
            )
            for p in raw.get("policies", [])
        ),
    )


class AutoScalingMemory:
    """Auto scaling settings (targets + target-tracking policies) saved before a switch to
    on-demand, so that they can be restored when the table returns to provisioned."""

    def _path(self) -> Path:
        return locations.state_dir() / MEMORY_FILE

    def load(self, key: str, table: str) -> RememberedAutoScaling | None:
        entry = _read(self._path()).get("tables", {}).get(key)
        if not isinstance(entry, dict):
            return None
        try:
            return RememberedAutoScaling(
                table=table,
                saved_at=as_utc(datetime.fromisoformat(entry["saved_at"])),
                targets=tuple(_target_from_json(t) for t in entry["targets"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def save(self, key: str, targets: Iterable[ScalableTargetInfo], at: datetime) -> None:
        data = _read(self._path())
        tables = data.get("tables") if isinstance(data.get("tables"), dict) else {}
        assert isinstance(tables, dict)
        tables[key] = {
            "saved_at": as_utc(at).isoformat(),
            "targets": [_target_json(t) for t in targets],
        }
        _write(MEMORY_FILE, {"version": 1, "tables": tables})

    def forget(self, key: str) -> None:
        data = _read(self._path())
        tables = data.get("tables")
        if isinstance(tables, dict) and key in tables:
            del tables[key]
            _write(MEMORY_FILE, {"version": 1, "tables": tables})
