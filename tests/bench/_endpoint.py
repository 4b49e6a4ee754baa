"""The endpoint a benchmark runs against: moto in a child process (default), dynalite, or any URL.

--server moto        moto in a child process, as `ddbconsole --demo` runs it
--server dynalite    dynalite (Node.js, LevelDB in memory), a DynamoDB-compatible local server
                     whose Scan pages do not rescan the table; install it once with
                     `npm install --prefix ~/.cache/ddbconsole-bench dynalite`, or point
                     DDBCONSOLE_DYNALITE at its `dynalite` script
--endpoint-url URL   any running DynamoDB-compatible endpoint (DynamoDB Local, ...)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ddbconsole.demo.server import DEMO_CREDENTIALS, MotoProcess

DYNALITE_PREFIX = Path.home() / ".cache" / "ddbconsole-bench"


@dataclass(frozen=True)
class Endpoint:
    url: str
    pid: int | None = None  # the server process, when started here

    def server_cpu(self) -> float | None:
        """CPU seconds the server process has used so far (Linux), None if unknown."""
        if self.pid is None:
            return None
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_share(endpoint: Endpoint, before: float | None, elapsed: float) -> str:
    """ "; server busy X s (Y%)" for a run that started when the server had used `before` s."""
    after = endpoint.server_cpu()
    if before is None or after is None:
        return ""
    busy = after - before
    return f"; server CPU {busy:.1f} s ({100 * busy / elapsed:.0f}% of the run)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", choices=("moto", "dynalite"), default="moto")
    parser.add_argument("--endpoint-url", help="use this running endpoint instead of --server")


def _dynalite() -> str:
    candidates = [
        os.environ.get("DDBCONSOLE_DYNALITE"),
        str(DYNALITE_PREFIX / "node_modules" / ".bin" / "dynalite"),
        shutil.which("dynalite"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit(
        "dynalite is not installed: run "
        f"`npm install --prefix {DYNALITE_PREFIX} dynalite` (needs Node.js), "
        "or set DDBCONSOLE_DYNALITE to its dynalite script"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def endpoint(args: argparse.Namespace) -> Iterator[Endpoint]:
    """Yield the endpoint; servers started here are stopped on exit."""
    os.environ.update(DEMO_CREDENTIALS)  # local servers accept any credentials
    if args.endpoint_url:
        yield Endpoint(args.endpoint_url)
        return
    if args.server == "moto":
        server = MotoProcess(seed=False).start()
        try:
            yield Endpoint(server.url, server.pid)
        finally:
            server.stop()
        return
    port = _free_port()
    node = shutil.which("node") or "node"
    instant = ["--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]
    process = subprocess.Popen(
        [node, _dynalite(), "--port", str(port), *instant],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("dynalite did not start")
            time.sleep(0.05)
        yield Endpoint(f"http://127.0.0.1:{port}", process.pid)
    finally:
        process.terminate()
        process.wait(10)
