"""The operation log: every AWS call the console made, for the UI and as JSON lines on disk.

Hooks into every client through botocore events (see AwsSession `hooks`):
`before-parameter-build` keeps the API parameters (after the read-only guard, so refused calls never
appear), `before-call` starts the clock, `after-call` records the result (HTTP errors included, with
their error code) and `after-call-error` records failures that have no response (connection errors).
The hooks run on the event loop, so they only build a small record, append it to a bounded deque,
call the subscribers and hand one line to a writer thread; all file I/O happens in that thread, which
starts on the first entry and appends to `state_dir()/operations.jsonl` (rotated at 10 MB).

Never item contents or secrets by default: values of Item, Key, ExpressionAttributeValues,
PartiQL statements and the like are replaced by "<redacted>" unless `include_values=True`; secrets
(keys, tokens, passwords) are always redacted.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ddbconsole.config import Profile
from ddbconsole.models import OperationLogEntry
from ddbconsole.services.awscli import aws_cli, json_default
from ddbconsole.services.session import Hook

log = logging.getLogger(__name__)

REDACTED = "<redacted>"
LOG_FILE_NAME = "operations.jsonl"
MAX_FILE_BYTES = 10 * 1024 * 1024
_STASH = "ddbconsole.oplog"

# Parameters whose values are item contents (or hold key values): redacted unless include_values.
VALUE_PARAMETERS = frozenset(
    {
        "AttributeUpdates",
        "ExclusiveStartKey",
        "Expected",
        "ExpressionAttributeValues",
        "Item",
        "Key",
        "KeyConditions",
        "Keys",
        "Parameters",
        "QueryFilter",
        "ScanFilter",
        "Statement",
    }
)
# Always redacted, whatever include_values says.
SECRET_PARAMETERS = frozenset(
    {"SecretAccessKey", "SessionToken", "TokenCode", "Password", "SecretString", "WebIdentityToken"}
)

Subscriber = Callable[[OperationLogEntry], None]


def _writes(requests: list[Any]) -> str:
    puts = sum(1 for r in requests if isinstance(r, Mapping) and "PutRequest" in r)
    return f"<{puts} puts, {len(requests) - puts} deletes redacted>"


def redact(value: Any, *, include_values: bool = False) -> Any:
    """A copy of request parameters with item contents and secrets replaced by "<redacted>".

    A BatchWriteItem's write list becomes one count ("<25 puts, 0 deletes redacted>"): an import
    sends thousands of them, and 25 copies of a redacted item per entry said nothing."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in SECRET_PARAMETERS or (not include_values and key in VALUE_PARAMETERS):
                out[key] = REDACTED
            elif key == "RequestItems" and not include_values and isinstance(item, Mapping):
                out[key] = {
                    table: _writes(v) if isinstance(v, list) else redact(v)
                    for table, v in item.items()
                }
            else:
                out[key] = redact(item, include_values=include_values)
        return out
    if isinstance(value, list | tuple):
        return [redact(v, include_values=include_values) for v in value]
    return value


def _table_from_arn(arn: str) -> str | None:
    if ":table/" in arn:
        return arn.split(":table/", 1)[1].split("/", 1)[0]
    return None


def table_of(service: str, params: Mapping[str, Any]) -> str | None:
    """The table(s) a call is about, from its parameters: "Orders", "Orders,Users", "12 tables"."""
    names: list[str] = []
    if isinstance(params.get("TableName"), str):
        names.append(params["TableName"])
    if isinstance(params.get("RequestItems"), Mapping):
        names += list(params["RequestItems"])
    for item in params.get("TransactItems") or []:
        for part in item.values() if isinstance(item, Mapping) else []:
            if isinstance(part, Mapping) and isinstance(part.get("TableName"), str):
                names.append(part["TableName"])
    for key in ("ResourceArn", "TableArn"):
        if isinstance(params.get(key), str):
            names += [n for n in [_table_from_arn(params[key])] if n]
    resource = params.get("ResourceId")
    is_aas = service == "application-autoscaling"
    if is_aas and isinstance(resource, str) and resource.startswith("table/"):
        names.append(resource.split("/")[1])
    dims = list(params.get("Dimensions") or [])
    for query in [*(params.get("MetricDataQueries") or []), *(params.get("Metrics") or [])]:
        metric = ((query or {}).get("MetricStat") or {}).get("Metric") or {}
        dims += metric.get("Dimensions") or []
    names += [d["Value"] for d in dims if isinstance(d, Mapping) and d.get("Name") == "TableName"]
    unique = list(dict.fromkeys(names))
    if not unique:
        return None
    return ",".join(unique) if len(unique) <= 3 else f"{len(unique)} tables"


def consumed_capacity(parsed: Mapping[str, Any]) -> float | None:
    """Total capacity units a response reports (ReturnConsumedCapacity), None when absent."""
    cc = parsed.get("ConsumedCapacity")
    if isinstance(cc, Mapping):
        units = cc.get("CapacityUnits")
        return None if units is None else float(units)
    if isinstance(cc, list) and cc:
        return float(sum(float(c.get("CapacityUnits") or 0) for c in cc))
    return None


class _Writer:
    """Appends lines to a file from a daemon thread; the event loop only enqueues."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.queue: queue.SimpleQueue[str | threading.Event | None] = queue.SimpleQueue()
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, name="ddbconsole-oplog", daemon=True)
        self.thread.start()

    def _open(self) -> IO[str]:
        from ddbconsole import locations

        locations.ensure_parent_dir(self.path)  # 0700: other users must not read the log
        return locations.open_private(self.path, "a")

    def _run(self) -> None:
        stream: IO[str] | None = None
        try:
            while True:
                item = self.queue.get()
                batch: list[str] = []
                markers: list[threading.Event] = []
                stop = False
                while True:
                    if item is None:
                        stop = True
                    elif isinstance(item, threading.Event):
                        markers.append(item)
                    else:
                        batch.append(item)
                    try:
                        item = self.queue.get_nowait()
                    except queue.Empty:
                        break
                if batch and self.error is None:
                    try:
                        stream = stream or self._open()
                        stream.write("".join(batch))
                        stream.flush()
                        if stream.tell() > MAX_FILE_BYTES:
                            stream.close()
                            stream = None
                            self.path.replace(self.path.with_name(self.path.name + ".1"))
                    except OSError as exc:
                        self.error = f"{self.path}: {exc.strerror or exc}"
                        log.warning("operation log disabled: %s", self.error)
                for marker in markers:
                    marker.set()
                if stop:
                    return
        finally:
            if stream is not None:
                stream.close()


class OperationLog:
    """Every AWS call the console made: a bounded deque for the UI, JSON lines on disk, subscribers."""

    def __init__(
        self,
        *,
        maxlen: int = 1000,
        write_file: bool = True,
        include_values: bool = False,
        profile: Profile | None = None,
        path: Path | None = None,
    ) -> None:
        self.entries: deque[OperationLogEntry] = deque(maxlen=maxlen)
        self.write_file = write_file
        self.include_values = include_values
        self._profile = profile
        self._path = path
        self._writer: _Writer | None = None
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        if self._path is None:
            from ddbconsole.locations import state_dir

            return state_dir() / LOG_FILE_NAME
        return self._path

    @property
    def profile(self) -> Profile | None:
        """The connection profile the logged calls went through (for their CLI equivalents)."""
        return self._profile

    @property
    def file_error(self) -> str | None:
        """Why the file could not be written, if it could not (the log then stays in memory)."""
        return self._writer.error if self._writer else None

    def hooks(self) -> list[Hook]:
        return [
            ("before-parameter-build", self._on_params),
            ("before-call", self._on_before_call),
            ("after-call", self._on_after_call),
            ("after-call-error", self._on_error),
        ]

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(entry)` for every new entry (on the event loop); returns an unsubscribe."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    # --- botocore event handlers: never raise, never block ------------------------------------

    def _on_params(
        self, params: Mapping[str, Any], model: Any, context: Any = None, **_: Any
    ) -> None:
        if context is None:
            return
        try:
            context[_STASH] = {
                "service": str(model.service_model.service_name),
                "operation": str(model.name),
                "params": params,
                "time": datetime.now(UTC),
                "t0": time.perf_counter(),
                "region": context.get("client_region"),
            }
        except Exception:  # pragma: no cover - a log must never break a call
            log.debug("operation log: cannot stash parameters", exc_info=True)

    def _on_before_call(self, context: Any = None, **_: Any) -> None:
        stash = (context or {}).get(_STASH)
        if stash is not None:
            stash["t0"] = time.perf_counter()

    def _on_after_call(
        self, http_response: Any = None, parsed: Any = None, context: Any = None, **_: Any
    ) -> None:
        stash = (context or {}).pop(_STASH, None)
        if stash is None:
            return
        try:
            parsed = parsed if isinstance(parsed, Mapping) else {}
            status = getattr(http_response, "status_code", None)
            code = "OK"
            if status is not None and status >= 300:
                code = str((parsed.get("Error") or {}).get("Code") or f"HTTP{status}")
            meta = parsed.get("ResponseMetadata") or {}
            self._finish(stash, code, status, consumed_capacity(parsed), meta.get("RetryAttempts"))
        except Exception:  # pragma: no cover
            log.debug("operation log: cannot record a call", exc_info=True)

    def _on_error(
        self, exception: BaseException | None = None, context: Any = None, **_: Any
    ) -> None:
        stash = (context or {}).pop(_STASH, None)
        if stash is None:
            return
        try:
            self._finish(stash, type(exception).__name__, None, None, None)
        except Exception:  # pragma: no cover
            log.debug("operation log: cannot record a failure", exc_info=True)

    def _finish(
        self,
        stash: dict[str, Any],
        result: str,
        status: int | None,
        capacity: float | None,
        retries: Any,
    ) -> None:
        service, operation = stash["service"], stash["operation"]
        params = redact(stash["params"], include_values=self.include_values)
        profile = self._profile
        entry = OperationLogEntry(
            time=stash["time"],
            service=service,
            operation=operation,
            table=table_of(service, stash["params"]),
            duration_ms=round((time.perf_counter() - stash["t0"]) * 1000, 3),
            consumed_capacity=capacity,
            result=result,
            cli=aws_cli(
                service,
                operation,
                params,
                region=stash.get("region"),
                endpoint_url=profile.endpoint_for(service) if profile else None,
                profile=profile.aws_profile if profile else None,
            ),
            http_status=status,
            retries=int(retries or 0),
            params=params,
        )
        self.record(entry)

    # --- recording ----------------------------------------------------------------------------

    def record(self, entry: OperationLogEntry) -> None:
        """Keep `entry`, tell the subscribers, and queue it for the file (no I/O here)."""
        self.entries.append(entry)
        for callback in list(self._subscribers):
            try:
                callback(entry)
            except Exception:
                log.exception("operation log subscriber failed")
        if self.write_file:
            line = json.dumps(entry.to_json(), default=json_default, ensure_ascii=False) + "\n"
            self._ensure_writer().queue.put(line)

    def _ensure_writer(self) -> _Writer:
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = _Writer(self.path)
                    atexit.register(self.close)
        return self._writer

    def flush(self, timeout: float = 5.0) -> bool:
        """Block until every queued line is written (tests, shutdown). Not for the event loop."""
        if self._writer is None or not self._writer.thread.is_alive():
            return True
        marker = threading.Event()
        self._writer.queue.put(marker)
        return marker.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued and stop the writer thread."""
        writer, self._writer = self._writer, None
        if writer is None:
            return
        atexit.unregister(self.close)
        writer.queue.put(None)
        writer.thread.join(timeout)

    async def aclose(self) -> None:
        import asyncio

        if self._writer is not None:
            await asyncio.to_thread(self.close)
