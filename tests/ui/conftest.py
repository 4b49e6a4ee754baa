from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ddbconsole.config import Settings
from ddbconsole.services import Services
from ddbconsole.ui.app import DdbConsoleApp, make_app
from tests.conftest import FAST_RETRIES, make_settings


def fast_services(settings: Settings) -> Services:
    return Services(settings, retries=FAST_RETRIES)


@pytest.fixture
def app_for(moto_url: str) -> Callable[..., DdbConsoleApp]:
    """Build the real app against the session's moto server."""

    def build(read_only: bool = False, **kwargs: Any) -> DdbConsoleApp:
        return make_app(make_settings(moto_url, read_only=read_only, **kwargs), fast_services)

    return build
