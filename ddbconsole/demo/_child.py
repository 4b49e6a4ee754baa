"""The child process behind MotoProcess: a moto server on 127.0.0.1, optionally seeded.

Prints one JSON line ({"port": N}) when ready, then serves until its stdin closes (the parent died or
stopped it). Never run by hand; see ddbconsole.demo.server.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import json
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

_OP_IN_PATH = re.compile(r"/operation/([A-Za-z]+)")
_ACTION = re.compile(rb"(?:^|&)Action=([A-Za-z]+)")
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")
_REGION = re.compile(r"Credential=[^/]+/[^/]+/([^/]+)/")


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:
            pass

    def watch_stdin() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)

    threading.Thread(target=watch_stdin, name="parent-watch", daemon=True).start()


def _service(environ: Environ) -> str:
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return scope.group(1) if scope else ""


def _operation(environ: Environ, body: bytes) -> tuple[str, str]:
    service = _service(environ)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return service, target.split(".", 1)[-1]
    path_op = _OP_IN_PATH.search(environ.get("PATH_INFO", ""))
    if path_op:
        return service, path_op.group(1)
    action = _ACTION.search(body)
    return service, action.group(1).decode() if action else environ.get("PATH_INFO", "")


def _region(environ: Environ) -> str:
    scope = _REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
    return scope.group(1) if scope else "us-east-1"


class Middleware:
    """Request log for tests (what reached the server), a test-only moto shim, and the stand-in
    for Contributor Insights (demo/insights.py), which moto lacks."""

    def __init__(self, app: WsgiApp, *, record: bool, shims: bool) -> None:
        from ddbconsole.demo.insights import InsightsStandIn

        self.app = app
        self.record = record
        self.shims = shims
        self.insights = InsightsStandIn()
        self.log: list[dict[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/_ddbconsole/requests":
            return self._log_endpoint(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if environ.get("HTTP_CONTENT_ENCODING") == "gzip" and _service(environ) != "s3":
            # SDKs gzip large requests (botocore: PutMetricData over 10 KiB). moto 5.2's server
            # gunzips the stream and then, for JSON/CBOR protocols, gunzips the body again (a 500).
            # Decode here, once, as moto itself would for every service but S3 (whose objects keep
            # their Content-Encoding); moto then sees a plain body.
            body = gzip.decompress(body)
            del environ["HTTP_CONTENT_ENCODING"]
            environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = io.BytesIO(body)
        service, operation = _operation(environ, body)
        if self.record:
            with self.lock:
                # The body as it arrived (base64: CBOR and form bodies are not all text), so
                # tests can compare what reached the server with what was shown.
                entry = {"service": service, "operation": operation}
                entry["body"] = base64.b64encode(body).decode("ascii")
                self.log.append(entry)
        if (
            self.shims
            and service == "application-autoscaling"
            and operation == "ListTagsForResource"
        ):
            # moto 5.2 does not implement Application Auto Scaling ListTagsForResource, which the
            # Terraform AWS provider calls after creating a scalable target. Test-only: answer
            # "no tags" so infra tests can apply the real configuration.
            payload = b'{"Tags": {}}'
            start_response(
                "200 OK",
                [
                    ("Content-Type", "application/x-amz-json-1.1"),
                    ("Content-Length", str(len(payload))),
                ],
            )
            return [payload]
        return self._serve(environ, start_response, service, operation, body)

    def _serve(
        self,
        environ: Environ,
        start_response: StartResponse,
        service: str,
        operation: str,
        body: bytes,
    ) -> Iterable[bytes]:
        """moto's answer; Contributor Insights answered by the stand-in, which also counts what
        each served DynamoDB request touched while it is on for some table."""
        region = _region(environ)
        answered = self.insights.answer(service, operation, region, body)
        if answered is not None:
            status, headers, payload = answered
            start_response(status, headers)
            return [payload]
        if service != "dynamodb" or not self.insights.watching():
            return self.app(environ, start_response)
        seen: dict[str, str] = {}

        def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen["status"] = status
            return start_response(status, headers, exc_info)

        answer = b"".join(self.app(environ, capture))
        self.insights.observe(region, operation, body, seen.get("status", ""), answer)
        return [answer]

    def _log_endpoint(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        with self.lock:
            if environ.get("REQUEST_METHOD") == "DELETE":
                self.log.clear()
            payload = json.dumps(self.log).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [payload]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ddbconsole.demo._child")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--traffic", action="store_true")
    parser.add_argument("--test-shims", action="store_true")
    parser.add_argument("--record-requests", action="store_true")
    args = parser.parse_args(argv)
    _die_with_parent()

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    from ddbconsole.demo import standins

    standins.install()  # what moto lacks in backups, exports and imports (see that module)
    if args.traffic:
        from ddbconsole.demo import fast_metrics

        fast_metrics.install()  # the demo's history answered in seconds, not tens of seconds

    app = Middleware(
        DomainDispatcherApplication(create_backend_app),
        record=args.record_requests,
        shims=args.test_shims,
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        _prepare(url, seed=args.seed, traffic=args.traffic)
    except Exception as exc:  # report one line to the parent rather than a traceback
        sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        sys.stdout.flush()
        os._exit(1)
    sys.stdout.write(json.dumps({"port": port, "url": url}) + "\n")
    sys.stdout.flush()
    # Nobody reads our stdout/stderr after this line: a full pipe would block the server.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    threading.Event().wait()
    return 0


def _prepare(url: str, *, seed: bool, traffic: bool) -> None:
    if seed:
        from ddbconsole.demo.seed import seed as seed_tables

        seed_tables(url)
    if traffic:
        from ddbconsole.demo.traffic import start_traffic

        start_traffic(url)


if __name__ == "__main__":
    raise SystemExit(main())
