"""List the tables in a forked child while the UI starts, so start-up uses both cores.

Importing Textual and building the screen, and importing aiobotocore and calling ListTables, are each
a few hundred milliseconds of CPU; in one process they share one core (the GIL). The console forks
before it starts any thread; the child lists the tables and writes the names to a pipe (plain
botocore with the same client settings and read-only guard, and no aiohttp to import); the parent
paints them as soon as its screen is up. If anything goes wrong in the child (an error, or no answer
within the timeout), the parent lists the tables itself and reports errors as usual.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ddbconsole.config import Settings
from ddbconsole.models import OperationLogEntry
from ddbconsole.services.awscli import aws_cli
from ddbconsole.services.oplog import OperationLog


def _list_tables(settings: Settings) -> dict[str, Any]:
    """ListTables with plain botocore (no aiohttp to import: this is the start-up path)."""
    import botocore.session
    from botocore.config import Config

    from ddbconsole.services import readonly
    from ddbconsole.services.session import DEFAULT_RETRIES, config_kwargs

    profile = settings.profile
    session = botocore.session.Session(profile=profile.aws_profile)
    if profile.region:
        session.set_config_variable("region", profile.region)
    client: Any = session.create_client(
        "dynamodb",
        endpoint_url=profile.endpoint_for("dynamodb"),
        config=Config(**config_kwargs(dict(DEFAULT_RETRIES), 5.0, 30.0)),
    )
    if settings.read_only:
        readonly.install(client, "dynamodb")
    names: list[str] = []
    calls: list[dict[str, Any]] = []  # for the parent's operation log
    params: dict[str, Any] = {}
    while True:
        started, t0 = time.time(), time.perf_counter()
        page = client.list_tables(**params)
        calls.append({"time": started, "ms": (time.perf_counter() - t0) * 1000, "params": params})
        names.extend(page.get("TableNames", []))
        last = page.get("LastEvaluatedTableName")
        if not last:
            return {"names": names, "calls": calls, "region": client.meta.region_name}
        params = {"ExclusiveStartTableName": last}


def _child(settings: Settings, write_fd: int) -> None:
    code = 1
    try:
        os.write(write_fd, json.dumps(_list_tables(settings)).encode())
        code = 0
    except BaseException:  # the parent falls back to listing itself and reports the error
        pass
    finally:
        os._exit(code)


@dataclass
class TablePrefetch:
    pid: int
    read_fd: int
    calls: list[dict[str, Any]] = field(default_factory=list)
    region: str | None = None

    @classmethod
    def start(cls, settings: Settings) -> TablePrefetch | None:
        """Fork the child; None where fork is unavailable. Call before starting any thread."""
        if not hasattr(os, "fork") or sys.platform == "darwin":  # macOS: fork is unsafe
            return None
        if settings.profile.role_arn:
            return None  # assuming a role is the async session's job; no shortcut here
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(settings, write_fd)
        os.close(write_fd)
        return cls(pid, read_fd)

    def _collect(self, timeout: float) -> list[str] | None:
        chunks = []
        deadline = time.monotonic() + timeout
        try:
            while True:
                ready, _, _ = select.select(
                    [self.read_fd], [], [], max(0.0, deadline - time.monotonic())
                )
                if not ready:  # a stuck child must never hang start-up: fall back
                    os.kill(self.pid, signal.SIGKILL)
                    break
                chunk = os.read(self.read_fd, 65536)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(self.read_fd)
            _, status = os.waitpid(self.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        payload = json.loads(b"".join(chunks))
        self.calls = list(payload["calls"])
        self.region = payload.get("region")
        return [str(n) for n in payload["names"]]

    def log_calls(self, oplog: OperationLog) -> None:
        """Put the child's ListTables calls in the console's operation log: they were its calls."""
        profile = oplog.profile
        for call in self.calls:
            oplog.record(
                OperationLogEntry(
                    time=datetime.fromtimestamp(call["time"], UTC),
                    service="dynamodb",
                    operation="ListTables",
                    table=None,
                    duration_ms=round(call["ms"], 3),
                    consumed_capacity=None,
                    result="OK",
                    cli=aws_cli(
                        "dynamodb",
                        "ListTables",
                        call["params"],
                        region=self.region,
                        endpoint_url=profile.endpoint_for("dynamodb") if profile else None,
                        profile=profile.aws_profile if profile else None,
                    ),
                    http_status=200,
                    params=call["params"],
                )
            )

    async def names(self, timeout: float = 10.0) -> list[str] | None:
        """The table names, or None if the child could not list them (in `timeout` seconds)."""
        return await asyncio.to_thread(self._collect, timeout)
