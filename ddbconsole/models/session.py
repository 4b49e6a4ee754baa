"""Who the console is signed in as."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str
