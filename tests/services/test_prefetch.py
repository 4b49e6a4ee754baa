"""The start-up prefetch: a forked child lists the tables; failures fall back to the parent."""

from __future__ import annotations

import os

from ddbconsole.demo.server import MotoProcess
from ddbconsole.services.oplog import OperationLog
from ddbconsole.services.prefetch import TablePrefetch
from tests.conftest import make_settings


async def test_prefetch_lists_tables(moto_server: MotoProcess) -> None:
    moto_server.reset_requests()
    prefetch = TablePrefetch.start(make_settings(moto_server.url, read_only=True))
    assert prefetch is not None
    names = await prefetch.names()
    assert names is not None and {"Users", "Orders"} <= set(names)
    assert {r["operation"] for r in moto_server.requests()} == {"ListTables"}
    # The child's calls are the console's calls: they go into its operation log.
    oplog = OperationLog(write_file=False, profile=make_settings(moto_server.url).profile)
    prefetch.log_calls(oplog)
    entries = list(oplog.entries)
    assert [e.operation for e in entries] == ["ListTables"] * len(prefetch.calls) != []
    assert entries[0].cli.startswith("aws dynamodb list-tables")
    assert moto_server.url in entries[0].cli and entries[0].duration_ms is not None
    try:  # the child was reaped by names(): no zombie left behind
        os.waitpid(prefetch.pid, os.WNOHANG)
        raise AssertionError("the prefetch child was not reaped")
    except ChildProcessError:
        pass


async def test_prefetch_failure_returns_none() -> None:
    prefetch = TablePrefetch.start(make_settings("http://127.0.0.1:9"))
    assert prefetch is not None
    assert await prefetch.names() is None


async def test_prefetch_skips_role_profiles(moto_url: str) -> None:
    from dataclasses import replace

    settings = make_settings(moto_url)
    settings = settings.with_profile(replace(settings.profile, role_arn="arn:aws:iam::1:role/x"))
    assert TablePrefetch.start(settings) is None
