"""The operation log: one entry per AWS call the console made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class OperationLogEntry:
    """One AWS call the console made. `params` and `cli` hold no item contents unless asked to."""

    time: datetime
    service: str  # dynamodb | cloudwatch | application-autoscaling | sts
    operation: str  # the API name, e.g. Query
    table: str | None
    duration_ms: float | None
    consumed_capacity: float | None  # capacity units, when the response reported them
    result: str  # "OK" or the error code
    cli: str  # the equivalent AWS CLI command
    http_status: int | None = None
    retries: int = 0
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return self.result == "OK"

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(),
            "service": self.service,
            "operation": self.operation,
            "table": self.table,
            "duration_ms": self.duration_ms,
            "consumed_capacity": self.consumed_capacity,
            "result": self.result,
            "http_status": self.http_status,
            "retries": self.retries,
            "cli": self.cli,
        }
