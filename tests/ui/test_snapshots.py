"""A few snapshots pin the look (pytest-textual-snapshot; update with --snapshot-update)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from ddbconsole.services.tables import parse_table
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.items.item_editor import ItemEditorScreen
from tests.conftest import make_settings
from tests.helpers import wait_for
from tests.ui.conftest import fast_services

SIZE = (120, 36)
UNREACHABLE = "http://127.0.0.1:9"  # nothing listens: a deterministic screen without AWS

TABLE = parse_table(
    {
        "TableName": "Users",
        "TableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Users",
        "KeySchema": [{"AttributeName": "UserId", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "UserId", "AttributeType": "S"}],
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
    }
)
ITEM: dict[str, Any] = {
    "UserId": {"S": "user-fidelity"},
    "BigNumber": {"N": "12345678901234567890123456789012345678"},
    "SmallNumber": {"N": "0.12345678901234567890123456789012345678"},
    "Tags": {"SS": ["a", "b"]},
    "Blob": {"B": b"\x00\xffbinary"},
    "Nothing": {"NULL": True},
    "Nested": {"M": {"L": {"L": [{"BOOL": True}, {"S": ""}]}}},
}


def _app(read_only: bool = False) -> DdbConsoleApp:
    return DdbConsoleApp(make_settings(UNREACHABLE, read_only=read_only), fast_services)


async def _settled(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, DdbConsoleApp)
    await wait_for(pilot, lambda: bool(app.errors), timeout=30)
    app.clear_notifications()
    await pilot.pause()


def test_main_screen_unreachable_read_only(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(_app(read_only=True), terminal_size=SIZE, run_before=_settled)


def test_help_screen(snap_compare: Callable[..., bool]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=(120, 48), run_before=run_before)


def test_item_editor_fidelity(snap_compare: Callable[..., bool]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settled(pilot)
        await pilot.app.push_screen(ItemEditorScreen(TABLE, ITEM, mode="view"))
        await pilot.pause(0.5)

    assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)
