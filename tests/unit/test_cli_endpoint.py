"""The console script with a bad endpoint URL, or one that is not DynamoDB at all."""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
from collections.abc import Iterator

import pytest


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ddbconsole", *args],
        capture_output=True,
        text=True,
        timeout=45,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("args", "env", "source"),
    [
        (("--endpoint-url", "http://[::1"), {}, "--endpoint-url"),
        (("--endpoint-url", "http://localhost:99999"), {}, "--endpoint-url"),
        ((), {"AWS_ENDPOINT_URL": "http://[::1"}, "AWS_ENDPOINT_URL"),
        ((), {"AWS_ENDPOINT_URL_DYNAMODB": "http://host:port"}, "AWS_ENDPOINT_URL_DYNAMODB"),
    ],
)
def test_unparseable_endpoint_url_is_a_config_error(
    args: tuple[str, ...], env: dict[str, str], source: str
) -> None:
    out = run(*args, "--region", "us-east-1", "tables", env=env)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and source in lines[0] and "endpoint URL" in lines[0]
    assert "Unexpected error" not in out.stderr and "Traceback" not in out.stderr


def _not_found_server(body: bytes, content_type: str) -> http.server.ThreadingHTTPServer:
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)


@pytest.fixture(
    params=[
        (b"<html><head><title>404 Not Found</title></head><body>nope</body></html>", "text/html"),
        (b"", "text/plain"),
        (b"404 page not found\n", "text/plain"),
    ],
    ids=["html", "empty", "text"],
)
def not_dynamodb(request: pytest.FixtureRequest) -> Iterator[str]:
    """A plain web server on loopback that answers every request with 404 Not Found."""
    server = _not_found_server(*request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_an_endpoint_answering_404_is_not_dynamodb(not_dynamodb: str) -> None:
    out = run("--endpoint-url", not_dynamodb, "--region", "us-east-1", "tables")
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "The endpoint URL answered 404 Not Found" in lines[0]
    assert "not a DynamoDB endpoint" in lines[0] and "--endpoint-url" in lines[0]
    assert out.returncode == 4  # a connection problem: nothing answered from AWS
