"""Pilot tests of table administration against moto: create a table with a GSI and an LSI through
the form and follow it to ACTIVE; change TTL, PITR, tags and deletion protection and add a GSI from
the Settings tab; delete refused while protected (nothing sent), then deleted by typing the name;
read-only hides and refuses it all. Each test uses its own table names."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, TextArea

from ddbconsole.demo.server import MotoProcess
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.main import MainScreen
from ddbconsole.ui.tables.create_table import CreateTableScreen, IndexRow
from ddbconsole.ui.tables.settings_pane import SettingsPane
from ddbconsole.ui.tables.table_details import TableDetails
from ddbconsole.ui.tables.table_list import TableList
from ddbconsole.ui.tables.table_settings import (
    AddGsiForm,
    DeleteGsiForm,
    StreamForm,
    TagsForm,
    TtlForm,
)
from tests.helpers import static_text, wait_for
from tests.ui.reported import reported

SIZE = (180, 60)
READS = ("Describe", "List", "Get")


@pytest.fixture
def ddb(moto_url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")


def sent(moto_server: MotoProcess) -> list[str]:
    return [r["operation"] for r in moto_server.requests() if not r["operation"].startswith(READS)]


def fast(app: DdbConsoleApp) -> DdbConsoleApp:
    app.services.admin.poll_interval = 0.02
    return app


def main(app: DdbConsoleApp) -> MainScreen:
    screen = app.screen_stack[1] if len(app.screen_stack) > 1 else app.screen
    assert isinstance(screen, MainScreen)
    return screen


def pane(app: DdbConsoleApp) -> SettingsPane:
    return main(app).query_one(SettingsPane)


async def select(pilot: Pilot[Any], app: DdbConsoleApp, name: str) -> None:
    """Highlight `name` in the table list, wait for its description, focus the Settings tab."""
    tables = main(app).query_one(TableList)
    await wait_for(pilot, lambda: name in tables.names and tables.loading_done)
    tables.option_list.highlighted = tables.visible_names().index(name)
    await wait_for(pilot, lambda: pane(app).info is not None and pane(app).info.name == name)
    main(app).query_one(TableDetails).focus()
    await pilot.pause()


def details(app: DdbConsoleApp) -> str:
    return static_text(main(app).query_one("#details-body"))  # type: ignore[arg-type]


async def confirm(pilot: Pilot[Any], app: DdbConsoleApp) -> str:
    """Wait for the confirmation, return its text, and confirm."""
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    text = static_text(app.screen.query_one("#confirm-body"))  # type: ignore[arg-type]
    await pilot.press("y")
    await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    return text


def fill(screen: Any, **values: str) -> None:
    for field, value in values.items():
        screen.query_one(f"#{field.replace('_', '-')}", Input).value = value


async def test_create_table_with_gsi_and_lsi(
    app_for: Callable[..., DdbConsoleApp], moto_server: MotoProcess, ddb: Any
) -> None:
    name = f"Created-{uuid.uuid4().hex[:8]}"
    app = fast(app_for())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: main(app).query_one(TableList).loading_done)
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateTableScreen))
        form = app.screen
        # The name is checked as you type.
        await pilot.press("a", "b")
        assert "3-255" in str(form.query_one("#name-hint").content)
        await pilot.press("!")
        assert "only letters" in str(form.query_one("#name-hint").content)
        form.query_one("#name", Input).value = name
        await pilot.pause()
        assert "valid" in str(form.query_one("#name-hint").content)
        fill(form, pk="pk", sk="sk", tags="team=core, env=test")
        form.query_one("#sk-type", Select).value = "N"
        form.query_one("#stream", Select).value = "NEW_IMAGE"
        await pilot.press("ctrl+g")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: len(form.query(IndexRow)) == 2)
        fill(form, idx1_name="ByStatus", idx1_pk="status", idx1_include="total, note")
        form.query_one("#idx1-projection", Select).value = "INCLUDE"
        fill(form, idx2_name="ByDate", idx2_sk="date")
        # A bad LSI (no sort key) is refused in the form, keeping what was typed; nothing sent.
        fill(form, idx2_sk="")
        moto_server.reset_requests()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "ByDate needs a sort key" in static_text(form.query_one("#form-error"))  # type: ignore[arg-type]
        assert form.query_one("#idx1-include", Input).value == "total, note"
        fill(form, idx2_sk="date")
        # A third index row, removed again by its button.
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: len(form.query(IndexRow)) == 3)
        form.query_one("#idx3-remove").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(form.query(IndexRow)) == 2)
        await pilot.press("ctrl+s")
        body = await confirm(pilot, app)
        assert '"TableName": "' + name in body and '"LocalSecondaryIndexes"' in body
        assert '"NonKeyAttributes": [' in body
        assert "aws dynamodb create-table" in body and f"--table-name {name}" in body
        await wait_for(pilot, lambda: not isinstance(app.screen, CreateTableScreen))
        # The new table is listed, selected and followed to ACTIVE.
        tables = main(app).query_one(TableList)
        await wait_for(pilot, lambda: name in tables.names)
        await wait_for(
            pilot,
            lambda: (p := pane(app).last_progress.get(name)) is not None and p.status == "ACTIVE",
        )
        await wait_for(pilot, lambda: main(app).selected_table == name)
        await wait_for(pilot, lambda: "ByDate" in details(app))
        assert "ACTIVE" in static_text(pane(app).query_one("#settings-status"))  # type: ignore[arg-type]
        assert sent(moto_server) == ["CreateTable"]
    desc = ddb.describe_table(TableName=name)["Table"]
    assert [g["IndexName"] for g in desc["GlobalSecondaryIndexes"]] == ["ByStatus"]
    assert [i["IndexName"] for i in desc["LocalSecondaryIndexes"]] == ["ByDate"]
    assert desc["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    ddb.delete_table(TableName=name)


async def test_settings_then_delete(
    app_for: Callable[..., DdbConsoleApp], moto_server: MotoProcess, ddb: Any
) -> None:
    name = f"Settings-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "old", "Value": "1"}],
    )
    app = fast(app_for())
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, name)
        moto_server.reset_requests()

        # TTL
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TtlForm))
        app.screen.query_one("#ttl-enabled", Checkbox).value = True
        app.screen.query_one("#ttl-attribute", Input).value = "expires"
        await pilot.press("ctrl+s")
        body = await confirm(pilot, app)
        assert "UpdateTimeToLive" in body and "one TTL change per table per hour" in body
        assert "aws dynamodb update-time-to-live" in body
        await wait_for(pilot, lambda: "ENABLED (expires)" in details(app))

        # PITR: a toggle, confirmed with the request
        await pilot.press("B")
        body = await confirm(pilot, app)
        assert '"PointInTimeRecoveryEnabled": true' in body
        await wait_for(
            pilot,
            lambda: pane(app).info is not None and pane(app).info.pitr_status == "ENABLED",
        )

        # Tags: edit one, remove one, add one
        await pilot.press("number_sign")
        await wait_for(pilot, lambda: isinstance(app.screen, TagsForm))
        app.screen.query_one(TextArea).text = "team=core\nenv=test"
        await pilot.press("ctrl+s")
        body = await confirm(pilot, app)
        assert "TagResource" in body and "UntagResource" in body
        await wait_for(pilot, lambda: "env=test, team=core" in details(app))

        # Deletion protection on
        await pilot.press("exclamation_mark")
        body = await confirm(pilot, app)
        assert '"DeletionProtectionEnabled": true' in body
        await wait_for(
            pilot, lambda: pane(app).info is not None and pane(app).info.deletion_protection
        )

        # Add a GSI; its status is followed
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, AddGsiForm))
        fill(app.screen, idx0_name="ByTeam", idx0_pk="team")
        await pilot.press("ctrl+s")
        body = await confirm(pilot, app)
        assert "GlobalSecondaryIndexUpdates" in body
        await wait_for(pilot, lambda: "ByTeam" in details(app))

        # Stream on, then delete the GSI again
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, StreamForm))
        app.screen.query_one("#stream-view", Select).value = "NEW_AND_OLD_IMAGES"
        await pilot.press("ctrl+s")
        body = await confirm(pilot, app)
        assert '"StreamViewType": "NEW_AND_OLD_IMAGES"' in body
        await wait_for(pilot, lambda: "enabled, NEW_AND_OLD_IMAGES" in details(app))
        await pilot.press("minus")
        await wait_for(pilot, lambda: isinstance(app.screen, DeleteGsiForm))
        await pilot.press("ctrl+s")
        body = await confirm(pilot, app)
        assert '"Delete": {' in body and "ByTeam" in body
        await wait_for(pilot, lambda: "ByTeam" not in details(app))

        assert sent(moto_server) == [
            "UpdateTimeToLive",
            "UpdateContinuousBackups",
            "TagResource",
            "UntagResource",
            "UpdateTable",
            "UpdateTable",
            "UpdateTable",
            "UpdateTable",
        ]

        # Delete while protected: refused with the way out, nothing sent, no confirmation.
        moto_server.reset_requests()
        await pilot.press("ctrl+d")
        await wait_for(  # DeletionProtected, as the user reads it
            pilot,
            lambda: any(n.title == f"Deletion protection is on for {name}" for n in reported(app)),
        )
        assert not isinstance(app.screen, ConfirmScreen)
        status = static_text(pane(app).query_one("#settings-status"))  # type: ignore[arg-type]
        assert "Deletion protection is on" in status and "no-deletion-protection-enabled" in status
        assert sent(moto_server) == []

        # Turn it off, then delete by typing the name.
        await pilot.press("exclamation_mark")
        await confirm(pilot, app)
        await wait_for(
            pilot, lambda: pane(app).info is not None and not pane(app).info.deletion_protection
        )
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        dialog = app.screen
        assert "Deletion protection: off" in static_text(dialog.query_one("#confirm-body"))  # type: ignore[arg-type]
        await pilot.press("y")  # typed into the name box: not a confirmation
        await pilot.press("enter")
        assert app.screen is dialog
        dialog.query_one("#confirm-text", Input).value = name
        await pilot.press("enter")
        tables = main(app).query_one(TableList)
        await wait_for(pilot, lambda: name not in tables.names and tables.loading_done)
        assert pane(app).last_progress[name].status == "GONE"
        assert sent(moto_server)[-2:] == ["UpdateTable", "DeleteTable"]
    assert name not in ddb.list_tables()["TableNames"]


async def test_read_only_hides_and_refuses(
    app_for: Callable[..., DdbConsoleApp], moto_server: MotoProcess
) -> None:
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "Orders")
        moto_server.reset_requests()
        for key in ("C", "ctrl+d", "T", "B", "exclamation_mark", "plus", "number_sign"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen), key
        assert main(app).check_action("new_table", ()) is False
        assert pane(app).check_action("edit_ttl", ()) is False
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Create table" not in titles and "Change time to live" not in titles
        assert sent(moto_server) == []
        # Even if reached, the client hook refuses.
        with pytest.raises(Exception, match="Read-only"):
            await app.services.execute(await app.services.admin.plan_pitr("Orders", True))
        assert sent(moto_server) == []
