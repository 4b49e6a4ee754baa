"""The embedded demo: the real `ddbconsole --demo` in a pseudo-terminal, and no orphaned moto."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from ddbconsole.demo.server import MotoProcess

ANSI = re.compile(rb"\x1b\[[0-9;:?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[>=]")


def _moto_children(parent: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"ddbconsole.demo._child" in cmdline:
            found.append(int(proc.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: list[int], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def _read_until(fd: int, needle: bytes, timeout: float, also: bytes = b"") -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in ANSI.sub(b"", seen) or also not in ANSI.sub(b"", seen):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{needle!r} not shown within {timeout}s; saw {ANSI.sub(b'', seen)[-400:]!r}"
            )
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the console exited and closed the terminal
                chunk = b""
            if not chunk:
                raise AssertionError(
                    f"the console exited before showing {needle!r}; saw {ANSI.sub(b'', seen)[-400:]!r}"
                )
            seen += chunk
    return seen


def test_demo_shows_tables_read_only_and_quits_without_orphans() -> None:
    pid, fd = pty.fork()
    if pid == 0:  # child: the real console script in a 160x48 terminal
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "160", "LINES": "48"})
        os.execvp("ddbconsole", ["ddbconsole", "--demo", "--read-only"])
    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
        _read_until(fd, b"Orders", timeout=60, also=b"READ-ONLY")
        children = _moto_children(pid)
        assert len(children) == 1
        os.write(fd, b"q")
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            select.select([fd], [], [], 0.1)
            with contextlib.suppress(OSError):
                os.read(fd, 65536)
        assert status is not None and os.waitstatus_to_exitcode(status) == 0
        assert _wait_gone(children), "moto outlived the console"
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)


def test_moto_dies_when_the_console_is_killed() -> None:
    """Even SIGKILL of the console (no cleanup code runs) leaves no moto behind."""
    code = (
        "import sys, time\n"
        "from ddbconsole.demo.server import MotoProcess\n"
        "m = MotoProcess(seed=False).start()\n"
        "print(m.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.kill()
        parent.wait()
        assert _wait_gone([child]), "moto survived its parent's SIGKILL"
    finally:
        if parent.poll() is None:
            parent.kill()


def test_server_keeps_serving_after_many_requests() -> None:
    """Regression: the child's request log once filled an unread pipe and froze moto (~650 requests)."""
    import boto3

    with MotoProcess(seed=False) as server:
        client = boto3.client(
            "dynamodb",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="a",
            aws_secret_access_key="b",
        )
        for _ in range(1500):
            client.list_tables()
        assert client.list_tables()["TableNames"] == []
