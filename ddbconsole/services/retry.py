"""Retries for bulk work: which failures are transient, how long to wait, and one retry loop.

Bulk work (import, export, counts, batch deletes) sends many requests and must lose nothing
(docs/ARCHITECTURE.md, "Nothing lost in bulk"), so it retries throttling, 5xx answers and dropped
connections itself, with exponential backoff and full jitter: the wait before retry n is uniform in
[0, min(cap, base * 2**n)], so many writers that were throttled together do not come back together.

How this meets botocore's own retries (docs/ARCHITECTURE.md, "Retries"): every client retries in
botocore's `standard` mode, but a caller of this module must send its requests with botocore's
retries off, `session.call(..., retry=False)` (session.py gives such callers a client configured for
one attempt). Otherwise each of our attempts would be up to botocore's four, and `attempts` here
would mean four times as many requests, made without our backoff or our count of retries. With
botocore sending each request once, `attempts` is exactly the number of requests made, every retry
is counted (`on_retry`), and cancelling lands between two of our requests or in our own sleep.

A `Retrier` counts the attempts of one request: `call` retries a call that either answers or fails;
a loop where an answer can also ask for another attempt (BatchWriteItem's UnprocessedItems) uses
`begin`, `can_retry` and `wait` itself, so errors and unprocessed items share one attempt count.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ddbconsole.errors import AwsError, ConnectionProblem, DdbConsoleError

# Error codes worth another attempt: throttling and the service's own 5xx answers.
THROTTLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
BASE_DELAY = 0.05  # seconds: the first retry waits up to 2 * BASE_DELAY
MAX_DELAY = 5.0  # seconds: no wait is longer

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[object]]
_sleep: Sleep = asyncio.sleep  # the backoff's sleep when none is given (tests replace it)


def backoff(attempt: int, base: float = BASE_DELAY, cap: float = MAX_DELAY) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): exponential, full jitter."""
    return random.uniform(0, min(cap, base * (2**attempt)))


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt: throttled, a service 5xx, or the endpoint not reached."""
    return isinstance(exc, ConnectionProblem) or (
        isinstance(exc, AwsError) and exc.code in THROTTLE_CODES
    )


class Retrier:
    """The attempts of one request: counts them, says whether another is allowed, waits between.

    A loop calls `begin()` before each attempt and, when the attempt failed or left work undone,
    `can_retry(exc)` then `wait()`. `on_retry` is called once per retry (for progress counters).
    """

    def __init__(
        self,
        attempts: int,
        *,
        on_retry: Callable[[], object] | None = None,
        sleep: Sleep | None = None,
        base: float = BASE_DELAY,
        cap: float = MAX_DELAY,
    ) -> None:
        self.attempts = attempts
        self.attempt = 0  # attempts begun so far
        self._on_retry = on_retry
        self._sleep = sleep
        self._base = base
        self._cap = cap

    def begin(self) -> int:
        """Start the next attempt; returns its number (1-based)."""
        self.attempt += 1
        return self.attempt

    def can_retry(self, exc: BaseException | None = None) -> bool:
        """Another attempt is allowed and, if the last one raised `exc`, it was transient."""
        return self.attempt < self.attempts and (exc is None or is_transient(exc))

    async def wait(self) -> None:
        """Count a retry and sleep the backoff for the attempt that just ended."""
        if self._on_retry is not None:
            self._on_retry()
        sleep = self._sleep or _sleep  # read at call time, so a replaced `_sleep` applies
        await sleep(backoff(self.attempt, self._base, self._cap))

    async def call(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call()`'s answer, retrying transient failures; the last failure is raised."""
        while True:
            self.begin()
            try:
                return await call()
            except DdbConsoleError as exc:
                if not self.can_retry(exc):
                    raise
            await self.wait()
