"""Pilot tests of Items-tab fixes found in review: refresh, PartiQL writes, editor, form, cursor."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import boto3
from textual.widgets import Checkbox, DataTable, Input, Select, Static, TextArea

from ddbconsole.demo.server import MotoProcess
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.items.items_pane import ItemsPane
from ddbconsole.ui.items.partiql import PartiQLScreen
from ddbconsole.ui.main import MainScreen
from ddbconsole.ui.tables.table_list import TableList
from tests.helpers import create_table_with_gsi, editor_ready, static_text, wait_for
from tests.ui.reported import last_reported, reported
from tests.ui.test_items import SIZE, events_table, open_items, rows

__all__ = ["events_table"]  # the fixture, shared with test_items


def page_shown(pane: ItemsPane) -> bool:
    """The pager the pane's source names has its page: the grid shows that source's rows."""
    return pane.pager is not None and pane.pager.current is not None


def statements_sent(moto_server: MotoProcess) -> int:
    return [r["operation"] for r in moto_server.requests()].count("ExecuteStatement")


async def run_partiql(app: DdbConsoleApp, pilot: object, pane: ItemsPane, statement: str) -> None:
    pane.query_one(DataTable).focus()
    await pilot.press("x")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, PartiQLScreen))  # type: ignore[arg-type]
    app.screen.query_one("#statement", TextArea).load_text(statement)
    await pilot.press("ctrl+r")  # type: ignore[attr-defined]


async def test_refresh_does_not_resend_a_partiql_write(
    app_for: Callable[..., DdbConsoleApp],
    events_table: str,
    moto_url: str,
    moto_server: MotoProcess,
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        await run_partiql(
            app, pilot, pane, f"INSERT INTO \"{events_table}\" VALUE {{'pk': 'once', 'sk': 1}}"
        )
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(
            pilot, lambda: pane.source.startswith("PartiQL INSERT") and pane.pager is not None
        )
        await wait_for(pilot, lambda: pane.pager is not None and pane.pager.current is not None)
        assert "Item" in client.get_item(
            TableName=events_table, Key={"pk": {"S": "once"}, "sk": {"N": "1"}}
        )
        # The write says what it did instead of leaving an empty grid.
        info = static_text(pane.query_one("#page-info", Static))
        assert "INSERT executed: 1 item inserted" in info, info
        moto_server.reset_requests()
        pane.query_one(DataTable).focus()
        await pilot.press("r")
        await wait_for(
            pilot, lambda: any("not sent again" in n.message for n in app._notifications)
        )
        await pilot.pause(0.5)
        assert statements_sent(moto_server) == 0
        assert not reported(app)  # a resent INSERT would fail: the item exists
        # A SELECT result still reloads with one request.
        await run_partiql(app, pilot, pane, f"SELECT * FROM \"{events_table}\" WHERE pk = 'once'")
        await wait_for(pilot, lambda: pane.source.startswith("PartiQL SELECT") and page_shown(pane))
        assert len(pane.row_items) == 1
        moto_server.reset_requests()
        await pilot.press("r")
        await wait_for(pilot, lambda: statements_sent(moto_server) == 1)


async def test_partiql_write_asks_first_and_cancel_keeps_the_statement(
    app_for: Callable[..., DdbConsoleApp], events_table: str, moto_url: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    key = {"pk": {"S": "asked"}, "sk": {"N": "7"}}
    statement = f"INSERT INTO \"{events_table}\" VALUE {{'pk': 'asked', 'sk': 7}}"
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        await run_partiql(app, pilot, pane, statement)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = static_text(app.screen.query_one("#confirm-body"))
        assert "ExecuteStatement" in body and "'pk': 'asked'" in body
        await pilot.press("n")  # cancel: back in the editor, statement kept, nothing sent
        await wait_for(pilot, lambda: isinstance(app.screen, PartiQLScreen))
        assert app.screen.query_one("#statement", TextArea).text == statement
        assert "Item" not in client.get_item(TableName=events_table, Key=key)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "Item" in client.get_item(TableName=events_table, Key=key))
        assert not reported(app)


async def test_escape_leaves_the_editor_after_asking_to_discard(
    app_for: Callable[..., DdbConsoleApp], events_table: str, moto_url: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        item = pane.current_item()
        assert item is not None
        key = {"pk": item["pk"], "sk": item["sk"]}
        await pilot.press("e")
        await wait_for(pilot, lambda: editor_ready(app))
        area = app.screen.query_one(TextArea)
        assert area.has_focus and not area.read_only
        await pilot.press("z", "z")
        assert "zz" in area.text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.title_text == "Discard changes?"  # type: ignore[attr-defined]
        await pilot.press("n")  # keep editing
        await wait_for(pilot, lambda: editor_ready(app))
        assert "zz" in app.screen.query_one(TextArea).text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert client.get_item(TableName=events_table, Key=key)["Item"] == item


async def test_failed_page_request_restores_the_info_line(
    app_for: Callable[..., DdbConsoleApp], events_table: str
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        shown = rows(pane)
        pane.query_one("#index", Select).value = "ByKind"
        await pilot.pause()
        pane.query_one("#consistent", Checkbox).value = True
        box = pane.query_one("#pk", Input)
        box.value = "click"
        box.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(reported(app)))
        assert "Consistent read is not available on ByKind" in last_reported(app).title
        await pilot.pause(0.2)
        info = static_text(pane.query_one("#page-info", Static), width=300)
        assert "loading" not in info
        assert f"Scan {events_table}" in info and "page 1" in info  # what the grid still shows
        assert "failed: Consistent read is not available on ByKind" in info
        assert pane.source == f"Scan {events_table}" and rows(pane) == shown


async def test_query_form_is_cleared_for_another_table(
    app_for: Callable[..., DdbConsoleApp], events_table: str, moto_url: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    other = create_table_with_gsi(client, f"Other-{uuid.uuid4().hex[:8]}", "ByS", on_demand=True)
    client.put_item(TableName=other, Item={"pk": {"S": "p1"}, "s": {"S": "x"}})
    try:
        app = app_for()
        async with app.run_test(size=SIZE) as pilot:
            pane = await open_items(app, pilot, events_table)
            pane.query_one("#pk", Input).value = "dev-1"
            pane.query_one("#sk-op", Select).value = ">="
            pane.query_one("#sk", Input).value = "3"
            pane.query_one("#projection", Input).value = "pk, sk"
            box = pane.query_one("#filter", Input)
            box.value = 'kind = "click"'
            box.focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: pane.source.startswith("Query") and page_shown(pane))
            assert rows(pane)
            screen = app.screen
            assert isinstance(screen, MainScreen)
            table_list = screen.query_one(TableList)
            await wait_for(pilot, lambda: other in table_list.names)
            table_list.filter_input.value = other
            await wait_for(pilot, lambda: table_list.visible_names() == [other])
            # Not `bool(rows(pane))`: until the Scan's page arrives the grid still holds the
            # previous table's rows (the source changes when the request starts).
            await wait_for(pilot, lambda: pane.source == f"Scan {other}" and page_shown(pane))
            for name in ("#pk", "#sk", "#sk2", "#filter", "#projection"):
                assert pane.query_one(name, Input).value == "", name
            assert pane.query_one("#sk-op", Select).value == "="
            assert rows(pane) == [{"pk": {"S": "p1"}, "s": {"S": "x"}}]
    finally:
        client.delete_table(TableName=other)


async def test_cursor_stays_on_the_saved_item(
    app_for: Callable[..., DdbConsoleApp], events_table: str, moto_url: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        grid = pane.query_one(DataTable)
        grid.focus()
        await pilot.press("down", "down", "down")
        assert grid.cursor_row == 3
        item = pane.current_item()
        assert item is not None
        key = {"pk": item["pk"], "sk": item["sk"]}
        await pilot.press("e")
        await wait_for(pilot, lambda: editor_ready(app))
        area = app.screen.query_one(TextArea)
        area.load_text(area.text.replace('"kind": "', '"note": "saved",\n  "kind": "'))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await wait_for(
            pilot, lambda: "note" in client.get_item(TableName=events_table, Key=key)["Item"]
        )
        await wait_for(pilot, lambda: any("note" in r for r in rows(pane)))
        assert grid.cursor_row == 3
        current = pane.current_item()
        assert current is not None and current["note"] == {"S": "saved"}
        assert {"pk": current["pk"], "sk": current["sk"]} == key


async def test_read_only_footers_show_no_write_keys(
    app_for: Callable[..., DdbConsoleApp], events_table: str
) -> None:
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        await pilot.pause()
        listed = {b.binding.action for b in app.active_bindings.values()}  # shown, even dimmed
        assert "next_page" in listed and "mark_item" not in listed
        await pilot.press("space")
        assert not pane.marked
        await pilot.press("enter")
        await wait_for(pilot, lambda: editor_ready(app))
        await pilot.pause()
        listed = {b.binding.action for b in app.active_bindings.values()}
        assert "close" in listed and "toggle_form" in listed
        assert not listed & {"start_edit", "save", "external_editor"}


async def test_a_partiql_write_says_it_can_be_undone_and_u_undoes_it(
    app_for: Callable[..., DdbConsoleApp], events_table: str, moto_url: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    key = {"pk": {"S": "undo-me"}, "sk": {"N": "3"}}
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        statement = f"INSERT INTO \"{events_table}\" VALUE {{'pk': 'undo-me', 'sk': 3}}"
        await run_partiql(app, pilot, pane, statement)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Undo (u)" in static_text(app.screen.query_one("#confirm-body"))
        await pilot.press("y")
        await wait_for(pilot, lambda: any("u undoes it" in n.message for n in app._notifications))
        assert "Item" in client.get_item(TableName=events_table, Key=key)
        pane.query_one(DataTable).focus()
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "DeleteItem" in static_text(app.screen.query_one("#confirm-body"))
        await pilot.press("y")
        await wait_for(
            pilot, lambda: "Item" not in client.get_item(TableName=events_table, Key=key)
        )
        # A statement whose item the console cannot know says so, and u does not guess.
        await run_partiql(
            app, pilot, pane, f"UPDATE \"{events_table}\" SET x = 1 WHERE pk = 'a' OR pk = 'b'"
        )
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Not undoable" in static_text(app.screen.query_one("#confirm-body"))
        await pilot.press("n")
        assert not reported(app)
