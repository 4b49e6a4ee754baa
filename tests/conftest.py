"""Shared fixtures: one moto server (child process) per test session/worker, isolated env and XDG dirs."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from ddbconsole.config import Profile, Settings
from ddbconsole.demo.server import MotoProcess
from ddbconsole.services import Services

# Fail fast on a moto 500 rather than retrying (DESIGN.md, Testing).
FAST_RETRIES: dict[str, Any] = {"total_max_attempts": 1}

_AWS_VARS = [v for v in os.environ if v.startswith(("AWS_", "DDBCONSOLE_"))]

# Subprocesses (the `ddbconsole` script, `python -m ddbconsole`) import this checkout first: an
# editable install may point at another checkout of the project.
CHECKOUT = str(Path(__file__).parents[1])
_PYTHONPATH = os.pathsep.join(p for p in (CHECKOUT, os.environ.get("PYTHONPATH", "")) if p)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real AWS account, config or state: dummy credentials and private XDG dirs for every test."""
    for var in _AWS_VARS:
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("PYTHONPATH", _PYTHONPATH)
    return home


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoProcess]:
    """A real moto server on 127.0.0.1 in a child process, seeded with the demo tables.

    It records the requests that reach it (`requests()`/`reset_requests()`) and carries the test-only
    Application Auto Scaling ListTagsForResource shim (see ddbconsole/demo/_child.py).
    """
    with MotoProcess(seed=True, record_requests=True, test_shims=True) as server:
        yield server


@pytest.fixture
def moto_url(moto_server: MotoProcess) -> str:
    return moto_server.url


def make_settings(url: str, *, read_only: bool = False, **kwargs: Any) -> Settings:
    profile = Profile(name="test", region="us-east-1", endpoint_url=url)
    return Settings(profiles={"test": profile}, profile=profile, read_only=read_only, **kwargs)


@pytest.fixture
async def services(moto_url: str) -> AsyncIterator[Services]:
    svc = Services(make_settings(moto_url), retries=FAST_RETRIES)
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def ro_services(moto_url: str) -> AsyncIterator[Services]:
    svc = Services(make_settings(moto_url, read_only=True), retries=FAST_RETRIES)
    try:
        yield svc
    finally:
        await svc.close()
