"""A fault-injecting HTTP proxy on loopback, in front of the moto server.

Requests pass through to moto unchanged unless a fault is switched on:

- ``throttle``: operations (X-Amz-Target suffixes such as ``BatchWriteItem``) answered with a 400
  ``ThrottlingException``, as DynamoDB does under load, without reaching moto;
- ``down()``: the listening socket is closed, so new connections are refused (the endpoint is gone);
  ``up()`` listens again on the same port.

It counts what it throttled and what it forwarded, per operation, so tests can assert what was sent.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

_THROTTLE = json.dumps(
    {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate exceeded"}
).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # up() again on the same port right after down()


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.throttle: set[str] = set()
        self.throttle_body = _THROTTLE  # the 400 answer's body (e.g. with ThrottlingReasons)
        self.throttled: Counter[str] = Counter()
        self.forwarded: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> FaultProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if proxy._server is None:  # down: a kept-alive connection is dropped unanswered
                    self.close_connection = True
                    return
                operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
                with proxy._lock:
                    throttle = operation in proxy.throttle
                    (proxy.throttled if throttle else proxy.forwarded)[operation] += 1
                if throttle:
                    self._answer(
                        400, {"Content-Type": "application/x-amz-json-1.0"}, proxy.throttle_body
                    )
                    return
                conn = http.client.HTTPConnection(*proxy._upstream, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    conn.request("POST", self.path, body, headers)
                    answer = conn.getresponse()
                    data = answer.read()
                    self._answer(answer.status, dict(answer.getheaders()), data)
                finally:
                    conn.close()

            def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        server = _Server(("127.0.0.1", self.port), Handler)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def down(self) -> None:
        """Stop listening: new connections are refused (open keep-alive ones are closed too)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FaultProxy:
        return self.up()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.down()
