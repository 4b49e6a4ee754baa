"""Confirmations show the Plan: the exact request JSON that then reaches the server (expression
placeholders and values included, never a description) and its `aws` CLI equivalent."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from textual.widgets import DataTable

from ddbconsole.demo.server import MotoProcess
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.main import MainScreen
from tests.helpers import static_text, wait_for
from tests.ui.test_items import SIZE, events_table, open_items

__all__ = ["events_table"]  # the fixture, shared with test_items


def sent_bodies(server: MotoProcess, operation: str) -> list[dict[str, object]]:
    return [
        json.loads(base64.b64decode(r["body"]))
        for r in server.requests(bodies=True)
        if r["operation"] == operation
    ]


async def test_item_delete_confirmation_is_the_request_sent(
    app_for: Callable[..., DdbConsoleApp], events_table: str, moto_server: MotoProcess
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = static_text(app.screen.query_one("#confirm-body"), width=400)
        assert "every attribute still as shown" not in body  # a description is never shown
        assert "aws dynamodb delete-item" in body and "--condition-expression" in body
        moto_server.reset_requests()
        await pilot.press("y")
        await wait_for(pilot, lambda: bool(sent_bodies(moto_server, "DeleteItem")))
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        [sent] = sent_bodies(moto_server, "DeleteItem")
        assert json.dumps(sent, indent=2, ensure_ascii=False) in body
        assert "#" in str(sent["ConditionExpression"]) and sent["ExpressionAttributeValues"]


async def test_batch_delete_confirmation_is_the_requests_sent(
    app_for: Callable[..., DdbConsoleApp], events_table: str, moto_server: MotoProcess
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        for _ in range(3):
            await pilot.press("space")
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = static_text(app.screen.query_one("#confirm-body"), width=400)
        assert "aws dynamodb batch-write-item" in body and "--request-items" in body
        assert "3 items in BatchWriteItem requests" in body
        moto_server.reset_requests()
        await pilot.press("y")
        await wait_for(pilot, lambda: bool(sent_bodies(moto_server, "BatchWriteItem")))
        [sent] = sent_bodies(moto_server, "BatchWriteItem")
        assert json.dumps(sent, indent=2, ensure_ascii=False) in body
