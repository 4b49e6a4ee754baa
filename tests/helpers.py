"""Small helpers shared by tests (not fixtures)."""

from __future__ import annotations

import asyncio
import copy
import io
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static


async def wait_for(
    pilot: Pilot[object], predicate: Callable[[], object], timeout: float = 15.0
) -> None:
    """Let the app run until `predicate()` is true; fail with a clear message on timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await pilot.pause(0.05)
    await asyncio.sleep(0)


def editor_ready(app: Any) -> bool:
    """The item editor is shown and usable (in edit mode: the whole item was read first)."""
    from ddbconsole.ui.items.item_editor import ItemEditorScreen

    screen = app.screen
    return isinstance(screen, ItemEditorScreen) and screen.ready


def static_text(widget: Static, width: int = 160) -> str:
    """What a Static shows, as plain text (Rich renderables rendered at `width`)."""
    content = widget.content
    if isinstance(content, str):
        return content
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(content)
    return console.export_text()


def create_pk_table(ddb: Any, name: str) -> str:
    """Create `name`: on-demand, partition key pk (S), nothing else."""
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def create_table_with_gsi(
    ddb: Any, name: str, gsi: str, *, gsi_key: str = "s", on_demand: bool = False
) -> str:
    """Create `name`: partition key pk (S) and one KEYS_ONLY GSI on `gsi_key` (S); provisioned
    5/5 for both, or on-demand. Returns the name."""
    capacity: dict[str, Any] = {"BillingMode": "PAY_PER_REQUEST"}
    index: dict[str, Any] = {
        "IndexName": gsi,
        "KeySchema": [{"AttributeName": gsi_key, "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
    if not on_demand:
        five = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        capacity = {"BillingMode": "PROVISIONED", "ProvisionedThroughput": five}
        index["ProvisionedThroughput"] = five
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": gsi_key, "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[index],
        **capacity,
    )
    return name


async def show_table(app: Any, pilot: Pilot[Any], table: str, tab_key: str) -> Any:
    """Filter the table list down to `table`, wait until it is described, then press `tab_key`
    (1 Items, 2 Capacity, 3 Metrics, 4 Settings). Returns the main screen."""
    from ddbconsole.ui.main import MainScreen
    from ddbconsole.ui.tables.table_list import TableList

    await wait_for(pilot, lambda: table in app.screen.query_one(TableList).names)
    table_list = app.screen.query_one(TableList)
    table_list.filter_input.value = table
    await wait_for(pilot, lambda: table_list.visible_names() == [table])
    screen = app.screen
    assert isinstance(screen, MainScreen)
    await wait_for(pilot, lambda: screen.table_info is not None and screen.table_info.name == table)
    await pilot.press(tab_key)
    return screen


class SentWrites:
    """A before-parameter-build hook recording every non-read call a client makes, as built."""

    READS = ("Describe", "List", "Get")

    def __init__(self) -> None:
        from ddbconsole.models import PlannedRequest

        self._request = PlannedRequest
        self.calls: list[Any] = []

    def hook(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if not model.name.startswith(self.READS):
            service = model.service_model.service_name
            self.calls.append(self._request(service, model.name, copy.deepcopy(params)))
