"""Fixtures shared by the service tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from ddbconsole.services import Services
from ddbconsole.services.session import Hook
from tests.conftest import FAST_RETRIES, make_settings


@pytest.fixture
async def make_services(moto_url: str) -> AsyncIterator[Callable[..., Services]]:
    """A factory of Services on the moto server (no botocore retries, given hooks), closed after
    the test; table admin polls every 20 ms."""
    made: list[Services] = []

    def factory(*hooks: Hook, read_only: bool = False) -> Services:
        svc = Services(
            make_settings(moto_url, read_only=read_only),
            retries=FAST_RETRIES,
            hooks=list(hooks),
            oplog_file=False,
        )
        svc.admin.poll_interval = 0.02
        made.append(svc)
        return svc

    yield factory
    for svc in made:
        await svc.close()
