"""services/retry.py: which failures are retried, how long it waits, and how attempts are counted."""

from __future__ import annotations

import pytest

from ddbconsole.errors import AwsError, ConnectionProblem, ReadOnlyViolation, UserInputError
from ddbconsole.services import retry
from ddbconsole.services.retry import THROTTLE_CODES, Retrier, backoff, is_transient


def test_backoff_is_full_jitter_under_an_exponential_cap() -> None:
    for attempt, cap in ((1, 0.1), (2, 0.2), (3, 0.4), (10, 5.0), (30, 5.0)):
        delays = [backoff(attempt, 0.05, 5.0) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays)
        assert min(delays) < cap / 4  # full jitter: not just a fraction of the cap


def test_transient_failures() -> None:
    assert all(is_transient(AwsError("x", code=code)) for code in THROTTLE_CODES)
    assert is_transient(ConnectionProblem("Connection problem"))
    assert not is_transient(AwsError("x", code="ValidationException"))
    assert not is_transient(UserInputError("x"))
    assert not is_transient(ReadOnlyViolation("dynamodb", "BatchWriteItem"))
    assert not is_transient(ValueError("x"))


class Flaky:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


async def test_call_retries_transient_failures_and_counts_each_retry() -> None:
    delays: list[float] = []
    retries: list[None] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    flaky = Flaky([AwsError("t", code="ThrottlingException"), ConnectionProblem("gone")])
    retrier = Retrier(5, on_retry=lambda: retries.append(None), sleep=sleep, base=0.1, cap=0.3)
    assert await retrier.call(flaky) == "ok"
    assert flaky.calls == 3 and retrier.attempt == 3 and len(retries) == 2
    assert 0 <= delays[0] <= 0.2 and 0 <= delays[1] <= 0.3


async def test_call_gives_up_after_its_attempts_and_at_once_on_a_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(retry, "_sleep", sleep)  # the default sleep is read at call time
    throttled = Flaky([AwsError("t", code="ThrottlingException") for _ in range(5)])
    with pytest.raises(AwsError):
        await Retrier(3).call(throttled)
    assert throttled.calls == 3 and len(slept) == 2
    refused = Flaky([AwsError("v", code="ValidationException"), AwsError("v")])
    with pytest.raises(AwsError, match="v"):
        await Retrier(3).call(refused)
    assert refused.calls == 1 and len(slept) == 2


def test_one_attempt_count_for_errors_and_unprocessed_work() -> None:
    retrier = Retrier(2)
    assert retrier.begin() == 1 and retrier.can_retry()
    assert not retrier.can_retry(AwsError("v", code="ValidationException"))
    assert retrier.begin() == 2
    assert not retrier.can_retry() and not retrier.can_retry(ConnectionProblem("gone"))
