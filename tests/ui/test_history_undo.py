"""Item history (`h`) and undo (`u`) with the pilot, against moto: restoring an earlier image after
confirming the exact request, refusal with both versions when the item changed meanwhile, undo of
a console delete byte-identical, and read-only mode."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.widgets import DataTable

from ddbconsole.demo.server import MotoProcess
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.items.conflict import ConflictScreen
from ddbconsole.ui.items.item_editor import ItemEditorScreen
from ddbconsole.ui.items.items_pane import ItemsPane
from ddbconsole.ui.streams.history import ItemHistoryScreen
from tests.helpers import show_table, static_text, wait_for
from tests.plans_helpers import reached_bodies
from tests.streams_helpers import client, stream_table

SIZE = (120, 36)
BIG = "12345678901234567890123456789012345678"
WRITES = {"PutItem", "UpdateItem", "DeleteItem"}


async def _items(app: DdbConsoleApp, pilot: Any, table: str) -> ItemsPane:
    screen = await show_table(app, pilot, table, "1")
    await wait_for(pilot, lambda: screen.items_pane is not None)
    pane = screen.query_one(ItemsPane)
    await wait_for(pilot, lambda: pane.pager is not None and pane.pager.current is not None)
    pane.query_one(DataTable).focus()
    return pane


def _get(url: str, table: str, pk: str) -> Any:
    return (
        client("dynamodb", url)
        .get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True)
        .get("Item")
    )


async def test_history_restores_an_earlier_image_and_refuses_over_a_change(
    app_for: Callable[..., DdbConsoleApp], moto_url: str, moto_server: MotoProcess
) -> None:
    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    first = {"pk": {"S": "h"}, "v": {"N": BIG}, "b": {"B": b"\x00\xff"}}
    ddb.put_item(TableName=table, Item=first)
    ddb.put_item(TableName=table, Item={"pk": {"S": "h"}, "v": {"N": "2"}})
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await _items(app, pilot, table)
        await pilot.press("enter")  # the item viewer
        await wait_for(pilot, lambda: isinstance(app.screen, ItemEditorScreen))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, ItemHistoryScreen))
        history = app.screen
        assert isinstance(history, ItemHistoryScreen)
        await wait_for(pilot, lambda: history.loaded)
        assert [r.event for r in history.records] == ["INSERT", "MODIFY"]
        history.query_one(DataTable).move_cursor(row=0)
        # Someone changes the item first: the restore is refused, both versions shown.
        ddb.put_item(TableName=table, Item={"pk": {"S": "h"}, "v": {"N": "3"}})
        moto_server.reset_requests()
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = static_text(app.screen.query_one("#confirm-body"))
        assert "PutItem" in body and BIG in body and "ConditionExpression" in body
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        assert '"v": 3' in static_text(app.screen.query_one("#theirs"))
        assert BIG in static_text(app.screen.query_one("#yours"))
        assert reached_bodies(moto_server, WRITES) == []
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is history)
        # Reloaded, the latest image is v=3: now the restore goes through.
        history.load()
        await wait_for(pilot, lambda: len(history.records) == 3)
        history.query_one(DataTable).move_cursor(row=0)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: _get(moto_url, table, "h") == first, timeout=10)
        assert [op for op, _ in reached_bodies(moto_server, WRITES)] == ["PutItem"]


async def test_undo_a_console_delete_and_choose_over_a_concurrent_change(
    app_for: Callable[..., DdbConsoleApp], moto_url: str, moto_server: MotoProcess
) -> None:
    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    item = {"pk": {"S": "u"}, "n": {"N": BIG}, "s": {"SS": ["x", "y"]}, "b": {"B": b"\x01"}}
    ddb.put_item(TableName=table, Item=item)
    before = _get(moto_url, table, "u")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await _items(app, pilot, table)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: _get(moto_url, table, "u") is None)
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Undo of: DeleteItem" in static_text(app.screen.query_one("#confirm-body"))
        await pilot.press("y")
        await wait_for(pilot, lambda: _get(moto_url, table, "u") == before)  # byte-identical
        # Delete it again; someone creates it meanwhile; undo shows both, the operator chooses.
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: _get(moto_url, table, "u") is None)
        ddb.put_item(TableName=table, Item={"pk": {"S": "u"}, "who": {"S": "them"}})  # meanwhile
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        assert '"them"' in static_text(app.screen.query_one("#theirs"))
        await pilot.press("o")  # overwrite theirs: conditional on the version shown
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: _get(moto_url, table, "u") == before)
        assert pane.ctx.services.journal.last() is None  # both deletes undone


async def test_read_only_reads_history_and_refuses_undo(
    app_for: Callable[..., DdbConsoleApp], moto_url: str, moto_server: MotoProcess
) -> None:
    table = stream_table(moto_url)
    client("dynamodb", moto_url).put_item(TableName=table, Item={"pk": {"S": "r"}})
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _items(app, pilot, table)
        assert pane.check_action("undo", ()) is False
        moto_server.reset_requests()
        await pilot.press("u")
        await asyncio.sleep(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, ItemHistoryScreen))
        history = app.screen
        assert isinstance(history, ItemHistoryScreen)
        await wait_for(pilot, lambda: history.loaded)
        assert len(history.records) == 1
        assert history.check_action("restore", ("after",)) is False
        await pilot.press("r")
        await asyncio.sleep(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
        assert reached_bodies(moto_server, WRITES) == []


async def test_session_changes_from_the_operation_log(
    app_for: Callable[..., DdbConsoleApp], moto_url: str, moto_server: MotoProcess
) -> None:
    from ddbconsole.ui.streams.journal_screen import JournalScreen

    table = stream_table(moto_url)
    client("dynamodb", moto_url).put_item(TableName=table, Item={"pk": {"S": "j"}, "v": {"N": "1"}})
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await _items(app, pilot, table)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: _get(moto_url, table, "j") is None)
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        await pilot.press("L", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, JournalScreen))
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        grid = screen.query_one(DataTable)
        assert grid.row_count == 1
        cells = [str(c) for c in grid.get_row_at(0)]
        assert cells[1:5] == ["DeleteItem", table, '{"pk":"j"}', "deleted"]
        assert '"v"' not in "".join(cells)  # keys only, no item contents
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: _get(moto_url, table, "j") is not None)
        await wait_for(pilot, lambda: "undone" in str(grid.get_row_at(0)[5]))


async def test_history_and_undo_are_in_the_footer_help_and_palette(
    app_for: Callable[..., DdbConsoleApp], moto_url: str
) -> None:
    from textual.widgets import Static

    from ddbconsole.ui.common.footer import KeyFooter
    from ddbconsole.ui.common.help import HelpScreen

    table = stream_table(moto_url)
    client("dynamodb", moto_url).put_item(TableName=table, Item={"pk": {"S": "a"}})
    app = app_for()
    async with app.run_test(size=(160, 48)) as pilot:
        await _items(app, pilot, table)
        await pilot.pause(0.3)
        footer = {k.description: k.display for k in app.screen.query_one(KeyFooter).items}
        assert footer.get("History") == "h" and footer.get("Undo") == "u", footer
        titles = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert titles["Item history"].startswith("key h:")
        assert titles["Undo last change"].startswith("key u:")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = static_text(app.screen.query_one("#help-table", Static))
        assert "Item history" in text and "Undo last change" in text


async def test_undo_of_an_import_from_the_items_tab_says_what_it_left(
    app_for: Callable[..., DdbConsoleApp], moto_url: str, tmp_path: Any
) -> None:
    from ddbconsole import codec

    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    ddb.put_item(TableName=table, Item={"pk": {"S": "old"}, "v": {"S": "before"}})
    rows = [{"pk": {"S": "old"}, "v": {"S": "imported"}}, {"pk": {"S": "new"}, "v": {"N": BIG}}]
    rows.append({"pk": {"S": "theirs"}, "v": {"S": "imported"}})
    source = tmp_path / "in.jsonl"
    source.write_text("".join(codec.dumps(r, indent=None) + "\n" for r in rows))
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await _items(app, pilot, table)
        info = await app.services.tables.describe(table)
        plan = await app.services.transfer.plan_import(info, source, undo=True)
        await app.services.execute(plan)  # as the import form sends it once confirmed
        ddb.put_item(TableName=table, Item={"pk": {"S": "theirs"}, "v": {"S": "changed"}})
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = static_text(app.screen.query_one("#confirm-body"))
        assert "Undo of: Import in.jsonl" in body and "3 items" in body
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: any("1 changed since the import" in n.message for n in app._notifications),
        )
        assert _get(moto_url, table, "old") == {"pk": {"S": "old"}, "v": {"S": "before"}}
        assert _get(moto_url, table, "new") is None
        assert _get(moto_url, table, "theirs") == {"pk": {"S": "theirs"}, "v": {"S": "changed"}}
