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
from dataclasses import dataclass

from ddbconsole.config import Settings


def _list_tables(settings: Settings) -> list[str]:
    """ListTables with plain botocore (no aiohttp to import: this is the start-up path)."""
    import botocore.session
    from botocore.config import Config

    from ddbconsole.services import readonly
    from ddbconsole.services.session import DEFAULT_RETRIES, config_kwargs

    profile = settings.profile
    session = botocore.session.Session(profile=profile.aws_profile)
    if profile.region:
        session.set_config_variable("region", profile.region)
    client = session.create_client(
        "dynamodb",
        endpoint_url=profile.endpoint_for("dynamodb"),
        config=Config(**config_kwargs(dict(DEFAULT_RETRIES), 5.0, 30.0)),
    )
    if settings.read_only:
        readonly.install(client, "dynamodb")
    names: list[str] = []
    for page in client.get_paginator("list_tables").paginate():
        names.extend(page.get("TableNames", []))
    return names


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
        names = json.loads(b"".join(chunks))
        return [str(n) for n in names]

    async def names(self, timeout: float = 10.0) -> list[str] | None:
        """The table names, or None if the child could not list them (in `timeout` seconds)."""
        return await asyncio.to_thread(self._collect, timeout)
