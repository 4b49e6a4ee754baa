"""Exceptions as the user reads them: the error funnel (`report_error`) and panes that show a
failure in place use this (see docs/ARCHITECTURE.md, Errors)."""

from __future__ import annotations

from ddbconsole.errors import DdbConsoleError, translate


def describe_error(exc: BaseException | None, profile: str | None = None) -> DdbConsoleError:
    return translate(exc or RuntimeError("unknown error"), profile=profile)
