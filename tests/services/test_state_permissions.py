"""State files hold operation history and PartiQL statements with literal values: only the user may
read them, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ddbconsole.locations import state_dir
from ddbconsole.models import OperationLogEntry
from ddbconsole.services import Services
from ddbconsole.services.oplog import OperationLog
from ddbconsole.services.partiql_history import StatementHistory
from tests.conftest import FAST_RETRIES, make_settings


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask_022")
async def test_state_dir_and_files_are_private_to_the_user(moto_url: str) -> None:
    svc = Services(make_settings(moto_url), retries=FAST_RETRIES)
    try:
        await svc.tables.describe_raw("Users")  # one operation log entry
        await svc.items.execute_statement(  # one PartiQL history entry, with a literal value
            "SELECT * FROM \"Users\" WHERE UserId = 'user-0001'"
        )
        assert svc.oplog.flush()
    finally:
        await svc.close()
    directory = state_dir()
    assert mode(directory) == 0o700
    assert mode(directory / "operations.jsonl") == 0o600
    history = directory / StatementHistory.FILE_NAME
    assert "user-0001" in history.read_text()
    assert mode(history) == 0o600


@pytest.mark.usefixtures("umask_022")
def test_existing_state_that_is_too_open_is_tightened(isolated_env: Path) -> None:
    directory = state_dir()
    directory.mkdir(parents=True, mode=0o755)
    os.chmod(directory, 0o755)
    ops, history = directory / "operations.jsonl", directory / StatementHistory.FILE_NAME
    for path in (ops, history):
        path.write_text("")
        os.chmod(path, 0o644)
    log = OperationLog()
    log.record(_entry())
    assert log.flush()
    log.close()
    StatementHistory().add("SELECT * FROM \"Users\" WHERE UserId = 'x'")
    assert mode(directory) == 0o700
    assert (mode(ops), mode(history)) == (0o600, 0o600)
    assert ops.read_text() and "UserId = 'x'" in history.read_text()


@pytest.mark.usefixtures("umask_022")
def test_a_new_directory_for_a_given_path_is_private(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)  # an existing directory that is not ddbconsole's: left as it is
    StatementHistory(tmp_path / "new" / "h.jsonl").add("SELECT 1")
    log = OperationLog(path=tmp_path / "other" / "ops.jsonl")
    log.record(_entry())
    assert log.flush()
    log.close()
    assert (mode(tmp_path / "new"), mode(tmp_path / "new" / "h.jsonl")) == (0o700, 0o600)
    assert (mode(tmp_path / "other"), mode(tmp_path / "other" / "ops.jsonl")) == (0o700, 0o600)
    assert mode(tmp_path) == 0o755


def _entry() -> OperationLogEntry:
    return OperationLogEntry(
        time=datetime.now(UTC),
        service="dynamodb",
        operation="ListTables",
        table=None,
        duration_ms=1.0,
        consumed_capacity=None,
        result="OK",
        cli="aws dynamodb list-tables",
    )
