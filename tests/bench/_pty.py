"""Run a terminal program in a pseudo-terminal and time until some text is painted."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Mapping

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[>=]")


def time_until_painted(
    argv: list[str], needle: bytes, env: Mapping[str, str], timeout: float = 60.0
) -> float:
    """Seconds from exec to `needle` appearing on the screen; the program is then killed."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.clear()
        os.environ.update(env)
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "160", "LINES": "48"})
        os.execvp(argv[0], argv)
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
        seen = b""
        deadline = start + timeout
        while needle not in ANSI.sub(b"", seen):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{needle!r} not painted within {timeout}s")
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
        return time.perf_counter() - start
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
