"""Forms keep their promises: enter reviews from any field, a checkbox included (space toggles it;
enter never toggles and reviews at once), ctrl+s saves the alarm form, and a field refused by
validation comes back focused with its text selected."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from textual.widgets import Checkbox, Input, Static

from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.capacity.capacity_forms import ThroughputForm
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.tables.table_settings import TtlForm
from tests.helpers import show_table, static_text, wait_for

SIZE = (160, 48)


@pytest.fixture
def table(moto_url: str) -> Iterator[str]:
    client: Any = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    name = f"Forms-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    yield name
    client.delete_table(TableName=name)


async def test_enter_on_a_checkbox_reviews_and_space_toggles(
    app_for: Callable[..., DdbConsoleApp], table: str
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await show_table(app, pilot, table, "4")
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TtlForm))
        form = app.screen
        box = form.query_one("#ttl-enabled", Checkbox)
        await wait_for(pilot, lambda: app.focused is box)
        assert box.value is False
        await pilot.press("space")
        assert box.value is True
        await pilot.press("enter")  # reviews (and finds the attribute missing); no toggle
        await wait_for(pilot, lambda: "TTL attribute is required" in static_text(
            form.query_one("#form-error", Static)))  # fmt: skip
        assert box.value is True
        attribute = form.query_one("#ttl-attribute", Input)
        assert app.focused is attribute
        await pilot.press(*"expires_at")
        box.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert box.value is True
        assert "UpdateTimeToLive" in static_text(app.screen.query_one("#confirm-body", Static))
        await pilot.press("n")


async def test_a_refused_field_comes_back_selected(
    app_for: Callable[..., DdbConsoleApp], table: str
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await show_table(app, pilot, table, "2")
        screen = app.screen
        await wait_for(pilot, lambda: screen.capacity_pane is not None
                       and screen.capacity_pane.state is not None)  # fmt: skip
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ThroughputForm))
        form = app.screen
        read = form.query_one("#read", Input)
        read.value = "lots"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Invalid read capacity" in static_text(
            form.query_one("#form-error", Static)))  # fmt: skip
        assert app.focused is read
        await pilot.press("7")  # typed over the refused text, not appended to it
        assert read.value == "7"
