"""The operation log screen: the calls just made, live, with their AWS CLI equivalent."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from textual.widgets import DataTable, Static

from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.main import MainScreen
from ddbconsole.ui.metrics.oplog import OperationLogScreen
from ddbconsole.ui.tables.table_list import TableList
from tests.helpers import static_text, wait_for

SIZE = (180, 50)


async def test_operation_log_lists_calls_live_with_cli(
    app_for: Callable[..., DdbConsoleApp], moto_url: str
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await wait_for(pilot, lambda: "Orders" in main.query_one(TableList).names)
        # The first table's description is read once it is highlighted: let those calls land
        # first, or the log (following new calls) moves the cursor off the call checked below.
        await wait_for(pilot, lambda: main.table_info is not None)
        await pilot.pause(0.3)
        await pilot.press("L")
        screen = app.screen
        assert isinstance(screen, OperationLogScreen)
        ops = [e.operation for e in screen.entries]
        assert "ListTables" in ops
        assert screen.query_one(DataTable).row_count == len(screen.entries)

        # A call made while the screen is open appears at once (subscription), selected.
        count = len(screen.entries)
        await app.services.tables.describe("Orders")
        await wait_for(pilot, lambda: len(screen.entries) > count)
        entry = next(e for e in screen.entries[count:] if e.operation == "DescribeTable")
        assert entry.table == "Orders" and entry.ok and entry.duration_ms is not None
        table = screen.query_one(DataTable)
        table.move_cursor(row=screen.entries.index(entry))
        await pilot.pause()
        detail = static_text(screen.query_one("#oplog-detail", Static), width=400)
        assert "aws dynamodb describe-table --table-name Orders" in detail
        assert f"--endpoint-url {moto_url}" in detail
        # A failed call shows its error code.
        with contextlib.suppress(Exception):
            await app.services.tables.describe("NoSuchTable-oplog")
        await wait_for(pilot, lambda: screen.entries[-1].table == "NoSuchTable-oplog")
        assert screen.entries[-1].result == "ResourceNotFoundException"
        head = static_text(screen.query_one("#oplog-head", Static), width=400)
        assert "failed" in head

        # Closed: unsubscribed (new calls no longer reach it).
        await pilot.press("escape")
        assert app.screen is main
        count = len(screen.entries)
        await app.services.tables.describe("Orders")
        await pilot.pause(0.2)
        assert len(screen.entries) == count
