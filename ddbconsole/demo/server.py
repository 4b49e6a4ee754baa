"""Start and stop the embedded moto server in a child process.

The child is tied to this process three ways so that no moto is ever left behind: `stop()` (also run
at exit), a stdin pipe whose end-of-file makes the child exit when this process dies for any reason
(even SIGKILL), and on Linux PR_SET_PDEATHSIG in the child.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from typing import IO, Any

DEMO_REGION = "us-east-1"
DEMO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"}


class DemoStartError(RuntimeError):
    pass


@dataclass
class MotoProcess:
    """A moto server running in a child process on 127.0.0.1."""

    seed: bool = True
    traffic: bool = False
    test_shims: bool = False
    record_requests: bool = False
    startup_timeout: float = 60.0
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    port: int = field(default=0, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoProcess:
        args = [sys.executable, "-m", "ddbconsole.demo._child", "--port", "0"]
        if self.seed:
            args.append("--seed")
        if self.traffic:
            args.append("--traffic")
        if self.test_shims:
            args.append("--test-shims")
        if self.record_requests:
            args.append("--record-requests")
        env = {**os.environ, **DEMO_CREDENTIALS, "AWS_DEFAULT_REGION": DEMO_REGION}
        for var in (
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_DYNAMODB",
        ):
            env.pop(var, None)
        self._proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        atexit.register(self.stop)
        line = self._read_ready(self._proc.stdout)
        if line is None:
            err = self._drain_stderr()
            self.stop()
            raise DemoStartError(f"the embedded moto server did not start: {err or 'no output'}")
        ready = json.loads(line)
        if "error" in ready:
            self.stop()
            raise DemoStartError(f"the embedded moto server did not start: {ready['error']}")
        self.port = int(ready["port"])
        return self

    def _read_ready(self, stream: IO[bytes] | None) -> str | None:
        # The child prints one JSON line when it is listening (and seeded).
        assert stream is not None
        deadline = time.monotonic() + self.startup_timeout
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(stream, selectors.EVENT_READ)
        try:
            while time.monotonic() < deadline:
                if not sel.select(timeout=0.2):
                    if self._proc is not None and self._proc.poll() is not None:
                        return None
                    continue
                raw = stream.readline()
                if not raw:
                    return None
                text = raw.decode("utf-8", "replace").strip()
                if text.startswith("{"):
                    return text
            return None
        finally:
            sel.close()

    def _drain_stderr(self) -> str:
        if self._proc is None or self._proc.stderr is None:
            return ""
        if self._proc.poll() is None:
            return ""
        data = self._proc.stderr.read().decode("utf-8", "replace").strip()
        return data.splitlines()[-1] if data else ""

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()  # the child exits on EOF
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        finally:
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        atexit.unregister(self.stop)

    # --- request log (only with record_requests) -----------------------------------------------

    def requests(self, *, bodies: bool = False) -> list[dict[str, Any]]:
        """The AWS requests that reached the server since the last reset: service and operation,
        and with `bodies` each request's body as it arrived (base64)."""
        with urllib.request.urlopen(f"{self.url}/_ddbconsole/requests", timeout=10) as resp:
            data: list[dict[str, Any]] = json.loads(resp.read())
        if not bodies:
            for entry in data:
                entry.pop("body", None)
        return data

    def reset_requests(self) -> None:
        req = urllib.request.Request(f"{self.url}/_ddbconsole/requests", method="DELETE")
        with urllib.request.urlopen(req, timeout=10):
            pass

    def __enter__(self) -> MotoProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
