"""Ctrl-C in the CLI always ends the process: the command is cancelled (an import saves its
checkpoint), and if cancelling does not finish, a second Ctrl-C or a grace period ends it anyway."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.faultproxy import FaultProxy
from tests.services.test_transfer import make_table, plain_lines, write_lines
from tests.unit.test_cli import _default_sigint

STUBBORN = textwrap.dedent(
    """
    import asyncio, sys
    from ddbconsole.cli import run_interruptible

    async def stubborn() -> int:
        print("ready", flush=True)
        while True:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                pass  # a task that never finishes cancelling

    try:
        run_interruptible(stubborn(), grace=float(sys.argv[1]))
    except KeyboardInterrupt:
        sys.exit(130)
    """
)


def _start_stubborn(grace: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", STUBBORN, str(grace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    return proc


def _wait(proc: subprocess.Popen[str], timeout: float) -> tuple[int, float, str]:
    started = time.monotonic()
    try:
        code = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.stderr is not None
    return code, time.monotonic() - started, proc.stderr.read()


def test_a_cancellation_that_never_finishes_ends_after_the_grace_period() -> None:
    proc = _start_stubborn(grace=1.0)
    proc.send_signal(signal.SIGINT)
    code, took, stderr = _wait(proc, timeout=15)
    assert code == 130
    assert 0.9 <= took < 10
    assert "cancelling took more than 1 s" in stderr


def _read_stderr_until(proc: subprocess.Popen[str], text: str, timeout: float) -> str:
    """What the process printed to stderr up to and including `text` (fails after `timeout`)."""
    assert proc.stderr is not None
    fd, seen = proc.stderr.fileno(), b""
    deadline = time.monotonic() + timeout
    while text.encode() not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"{text!r} not printed within {timeout} s; saw {seen!r}"
        if select.select([fd], [], [], remaining)[0]:
            chunk = os.read(fd, 4096)
            assert chunk, f"exited before printing {text!r}; saw {seen!r}"
            seen += chunk
    return seen.decode()


def test_a_second_ctrl_c_exits_at_once() -> None:
    proc = _start_stubborn(grace=120.0)
    proc.send_signal(signal.SIGINT)
    # The second Ctrl-C once the "cancelling…" notice is out (0.5 s after the first is handled).
    notice = _read_stderr_until(proc, "Ctrl-C again to exit now", timeout=15)
    proc.send_signal(signal.SIGINT)
    code, took, rest = _wait(proc, timeout=15)
    stderr = notice + rest
    assert code == 130 and took < 10
    assert "Ctrl-C again to exit now" in stderr and "interrupted again" in stderr


def test_ctrl_c_during_a_throttled_import_exits_130_with_the_checkpoint(
    moto_url: str, tmp_path: Path
) -> None:
    name = make_table(moto_url)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(2000))
    with FaultProxy(moto_url) as proxy:
        proxy.throttle = {"BatchWriteItem"}
        command = ["ddbconsole", "--endpoint-url", proxy.url, "--region", "us-east-1"]
        proc = subprocess.Popen(
            [*command, "import", name, str(source)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_default_sigint,
            env={**os.environ},
        )
        deadline = time.monotonic() + 30
        while proxy.throttled["BatchWriteItem"] < 20:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        code, took, stderr = _wait(proc, timeout=15)
    assert code == 130, stderr
    assert took < 4  # cancelled cleanly, well within the grace period
    assert Path(str(source) + ".import-checkpoint.json").exists()
