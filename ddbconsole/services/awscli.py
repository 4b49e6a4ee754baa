"""The `aws` CLI command equivalent to a call: the one renderer, used by confirmations (through
services/plans.py) and by the operation log. Kept free of heavy imports for start-up."""

from __future__ import annotations

import base64
import json
import shlex
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def json_default(value: Any) -> Any:
    """JSON for what botocore params and log entries hold (dates, Decimal, bytes, sets)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def kebab(name: str) -> str:
    """An API name as the AWS CLI spells it: UpdateTable -> update-table."""
    from botocore import xform_name  # lazy: botocore is heavy

    return str(xform_name(name, "-"))


def aws_cli(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    profile: str | None = None,
    multiline: bool = False,
) -> str:
    """The `aws <service> <operation> ...` command equivalent to a call, shell-quoted (structures
    as single-quoted compact JSON); one line, or one flag per line with `\\` continuations."""
    parts = [f"aws {service} {kebab(operation)}"]
    for name, value in params.items():
        flag = kebab(name)
        if isinstance(value, bool):
            parts.append(f"--{flag}" if value else f"--no-{flag}")
        elif isinstance(value, int | float | Decimal):
            parts.append(f"--{flag} {value}")
        elif isinstance(value, str):
            parts.append(f"--{flag} {shlex.quote(value)}")
        elif isinstance(value, datetime | date):
            parts.append(f"--{flag} {value.isoformat()}")
        else:
            text = json.dumps(
                value, default=json_default, ensure_ascii=False, separators=(",", ":")
            )
            parts.append(f"--{flag} {shlex.quote(text)}")
    if region:
        parts.append(f"--region {shlex.quote(region)}")
    if endpoint_url:
        parts.append(f"--endpoint-url {shlex.quote(endpoint_url)}")
    if profile:
        parts.append(f"--profile {shlex.quote(profile)}")
    return (" \\\n  " if multiline else " ").join(parts)
