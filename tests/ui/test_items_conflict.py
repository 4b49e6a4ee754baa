"""Pilot tests of the conflict dialog: "Overwrite with mine" is conditional on the version it showed.

Someone may change the item again while the dialog is open; pressing o then must not write over a
version the operator never saw, but show it as a fresh conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from textual.widgets import DataTable, TextArea

from ddbconsole.demo.server import MotoProcess
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.items.conflict import ConflictScreen
from ddbconsole.ui.main import MainScreen
from tests.helpers import editor_ready, static_text, wait_for
from tests.ui.test_items import SIZE, events_table, open_items

__all__ = ["events_table"]  # the fixture, shared with test_items


def _set_tags(client: Any, table: str, key: dict[str, Any], tag: str) -> None:
    """Someone else changes an attribute the editor loaded (an added one would not conflict)."""
    client.update_item(
        TableName=table, Key=key, UpdateExpression="SET tags = :v",
        ExpressionAttributeValues={":v": {"SS": [tag]}},
    )  # fmt: skip


async def _edit_and_save(app: DdbConsoleApp, pilot: Any, note: str) -> None:
    area = app.screen.query_one(TextArea)
    area.load_text(area.text.replace('"kind": "', f'"note": "{note}",\n  "kind": "', 1))
    await pilot.press("ctrl+s")


async def test_overwrite_after_a_second_change_is_a_fresh_conflict(
    app_for: Callable[..., DdbConsoleApp],
    events_table: str,
    moto_url: str,
    moto_server: MotoProcess,
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        item = pane.current_item()
        assert item is not None and "note" not in item
        key = {"pk": item["pk"], "sk": item["sk"]}
        await pilot.press("e")
        await wait_for(pilot, lambda: editor_ready(app))
        _set_tags(client, events_table, key, "theirs-1")  # behind the editor's back
        await _edit_and_save(app, pilot, "mine")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        first = app.screen
        assert '"theirs-1"' in static_text(first.query_one("#theirs"))
        _set_tags(client, events_table, key, "theirs-2")  # again, while the dialog is open
        moto_server.reset_requests()
        await pilot.press("o")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ConflictScreen) and app.screen is not first
        )
        # Nothing written over the version the operator never saw; the dialog shows it now.
        stored = client.get_item(TableName=events_table, Key=key)["Item"]
        assert stored["tags"] == {"SS": ["theirs-2"]} and "note" not in stored
        assert '"theirs-2"' in static_text(app.screen.query_one("#theirs"))
        assert '"mine"' in static_text(app.screen.query_one("#yours"))
        sent = [r["operation"] for r in moto_server.requests()]
        assert "PutItem" not in sent and sent.count("UpdateItem") == 1
        # Now the operator has seen theirs-2: o writes (still conditionally).
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        stored = client.get_item(TableName=events_table, Key=key)["Item"]
        assert stored == {**item, "note": {"S": "mine"}}
        assert stored["big"] == {"N": "12345678901234567890123456789012345678"}


async def test_overwrite_of_a_deleted_item_is_a_create_that_checks_it_is_still_gone(
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
        client.delete_item(TableName=events_table, Key=key)
        await _edit_and_save(app, pilot, "mine")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        first = app.screen
        assert "(deleted)" in static_text(first.query_one("#theirs"))
        # Someone creates it again while the dialog says it is deleted.
        client.put_item(TableName=events_table, Item={**key, "note": {"S": "recreated"}})
        await pilot.press("o")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ConflictScreen) and app.screen is not first
        )
        assert client.get_item(TableName=events_table, Key=key)["Item"] == {
            **key,
            "note": {"S": "recreated"},
        }
        assert '"recreated"' in static_text(app.screen.query_one("#theirs"))
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        stored = client.get_item(TableName=events_table, Key=key)["Item"]
        assert stored["note"] == {"S": "mine"} and stored["kind"] == item["kind"]


async def test_overwrite_of_a_deleted_item_creates_it_when_still_gone(
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
        client.delete_item(TableName=events_table, Key=key)
        await _edit_and_save(app, pilot, "mine")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        stored = client.get_item(TableName=events_table, Key=key)["Item"]
        assert stored == {**item, "note": {"S": "mine"}}
