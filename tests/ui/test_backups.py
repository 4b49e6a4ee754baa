"""Pilot tests of the Backups and S3 jobs screens against moto: back up, restore into a new table
(followed to ACTIVE, then selected), the "back up first" safety net before deleting a table and
before a key change, the delete confirmation's newest backup and PITR lines, export to S3 and its
download, and read-only hiding every write. The confirmation shows exactly what reaches moto."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from ddbconsole.demo.server import MotoProcess
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.backups.backups_screen import BackupsScreen
from ddbconsole.ui.backups.forms import ExportForm, RestoreForm
from ddbconsole.ui.backups.jobs_screen import DownloadScreen, JobsScreen
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.tables.table_list import TableList
from tests.helpers import create_pk_table, static_text, wait_for
from tests.ui.test_tables_admin import SIZE, fast, main, select

WRITES = {"CreateBackup", "DeleteBackup", "RestoreTableFromBackup", "DeleteTable",
          "ExportTableToPointInTime", "UpdateContinuousBackups"}  # fmt: skip


@pytest.fixture
def ddb(moto_url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")


def new_table(ddb: Any) -> str:
    name = f"uibk-{uuid.uuid4().hex[:8]}"
    create_pk_table(ddb, name)
    for i in range(5):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "n": {"N": f"{i}.5"}})
    return name


def writes(server: MotoProcess) -> list[tuple[str, Any]]:
    return [
        (r["operation"], json.loads(base64.b64decode(r["body"])))
        for r in server.requests(bodies=True)
        if r["operation"] in WRITES
    ]


async def shown_and_confirmed(pilot: Pilot[Any], app: DdbConsoleApp) -> str:
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    text = static_text(app.screen.query_one("#confirm-body"))  # type: ignore[arg-type]
    await pilot.press("y")
    await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    return text


async def open_backups(pilot: Pilot[Any], app: DdbConsoleApp, table: str) -> BackupsScreen:
    await select(pilot, app, table)
    await pilot.press("K")
    await wait_for(pilot, lambda: isinstance(app.screen, BackupsScreen))
    screen = app.screen
    assert isinstance(screen, BackupsScreen)
    await wait_for(pilot, lambda: screen.pitr is not None)
    return screen


async def test_back_up_then_restore_into_a_new_table_selects_it(
    app_for: Callable[..., DdbConsoleApp], moto_server: MotoProcess, ddb: Any
) -> None:
    table = new_table(ddb)
    app = fast(app_for())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_backups(pilot, app, table)
        assert "PITR disabled" in static_text(screen.query_one("#backups-head"))  # type: ignore[arg-type]
        moto_server.reset_requests()
        await pilot.press("n")
        body = await shown_and_confirmed(pilot, app)
        assert '"BackupName": "' + table + "-" in body and "aws dynamodb create-backup" in body
        await wait_for(pilot, lambda: len(screen.backups) == 1)
        ((op, sent),) = writes(moto_server)
        assert op == "CreateBackup" and sent["BackupName"] in body
        assert screen.backups[0].item_count == 5
        # enter on the backup: the restore form, its plan, then the table followed to ACTIVE
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RestoreForm))
        target = f"{table}-r"
        app.screen.query_one("#target", Input).value = target
        moto_server.reset_requests()
        await pilot.press("ctrl+s")
        body = await shown_and_confirmed(pilot, app)
        assert f'"TargetTableName": "{target}"' in body
        await wait_for(pilot, lambda: not isinstance(app.screen, BackupsScreen))
        assert screen.last_progress is not None and screen.last_progress.status == "ACTIVE"
        ((op, sent),) = writes(moto_server)
        assert op == "RestoreTableFromBackup" and sent["TargetTableName"] == target
        tables = main(app).query_one(TableList)
        await wait_for(pilot, lambda: main(app).selected_table == target)
        assert target in tables.names
    assert ddb.scan(TableName=target)["Count"] == 5


async def test_delete_table_shows_newest_backup_and_offers_one_first(
    app_for: Callable[..., DdbConsoleApp], moto_server: MotoProcess, ddb: Any
) -> None:
    table = new_table(ddb)
    app = fast(app_for())
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, table)
        moto_server.reset_requests()
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        dialog = app.screen
        text = static_text(dialog.query_one("#confirm-body"))  # type: ignore[arg-type]
        assert "Newest backup: none" in text and "PITR disabled" in text
        await pilot.press("ctrl+b")  # one key, even with the name box focused
        await wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen is not dialog
        )
        backup = app.screen
        assert "CreateBackup" in static_text(backup.query_one("#confirm-body"))  # type: ignore[arg-type]
        await pilot.press("y")
        # ... then the delete is shown again
        await wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen is not backup
        )
        assert "Delete table" in str(app.screen.query_one("#yes").label)  # type: ignore[attr-defined]
        assert [op for op, _ in writes(moto_server)] == ["CreateBackup"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert [op for op, _ in writes(moto_server)] == ["CreateBackup"]  # nothing deleted
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        text = static_text(app.screen.query_one("#confirm-body"))  # type: ignore[arg-type]
        assert f"Newest backup: {table}-" in text
        await pilot.press("escape")
    assert table in ddb.list_tables()["TableNames"]


async def test_export_to_s3_then_download(
    app_for: Callable[..., DdbConsoleApp], moto_server: MotoProcess, ddb: Any, tmp_path: Path
) -> None:
    table = new_table(ddb)
    bucket = f"ui-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=moto_server.url, region_name="us-east-1").create_bucket(
        Bucket=bucket
    )
    app = fast(app_for(s3_bucket=bucket))  # the form starts with the configured bucket
    async with app.run_test(size=SIZE) as pilot:
        await open_backups(pilot, app, table)
        moto_server.reset_requests()
        await pilot.press("x")
        # PITR is off: the planned change turning it on comes first
        body = await shown_and_confirmed(pilot, app)
        assert "needs point-in-time recovery" in body and "UpdateContinuousBackups" in body
        await wait_for(pilot, lambda: isinstance(app.screen, ExportForm))
        assert app.screen.query_one("#bucket", Input).value == bucket
        await pilot.press("ctrl+s")
        body = await shown_and_confirmed(pilot, app)
        assert f'"S3Bucket": "{bucket}"' in body
        sent = writes(moto_server)
        assert [op for op, _ in sent] == ["UpdateContinuousBackups", "ExportTableToPointInTime"]
        assert sent[1][1]["S3Bucket"] == bucket and sent[1][1]["ClientToken"] in body
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen))
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await wait_for(
            pilot,
            lambda: any(
                j.table == table and j.status == "COMPLETED"
                for j in jobs.jobs  # type: ignore[attr-defined]
            ),
        )
        jobs.action_refresh()
        await pilot.pause(0.3)
        row = next(i for i, j in enumerate(jobs.jobs) if getattr(j, "bucket", "") == bucket)
        jobs.query_one("#jobs").move_cursor(row=row)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DownloadScreen))
        out = tmp_path / "dl.jsonl"
        app.screen.query_one("#download-path", Input).value = str(out)
        await pilot.press("enter")
        await wait_for(pilot, lambda: jobs.downloaded != "")
        assert "Downloaded 5 items" in jobs.downloaded
    assert len(out.read_text().splitlines()) == 5


async def test_read_only_hides_backup_writes(
    app_for: Callable[..., DdbConsoleApp], moto_server: MotoProcess
) -> None:
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_backups(pilot, app, "Users")
        moto_server.reset_requests()
        for key in ("n", "d", "p", "x", "enter"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, key
        assert screen.check_action("create_backup", ()) is False
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Show S3 jobs" in titles and "Create on-demand backup" not in titles
        assert writes(moto_server) == []


async def test_key_change_offers_a_backup_first(
    app_for: Callable[..., DdbConsoleApp], moto_server: MotoProcess, ddb: Any
) -> None:
    from textual.widgets import DataTable, TextArea

    from ddbconsole.ui.items.item_editor import ItemEditorScreen
    from tests.ui.test_items import open_items

    table = new_table(ddb)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, table)
        pane.query_one(DataTable).focus()
        item = pane.current_item()
        assert item is not None
        old = item["pk"]["S"]
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ItemEditorScreen))
        editor = app.screen
        area = editor.query_one(TextArea)
        area.load_text(area.text.replace(f'"{old}"', '"moved"', 1))
        moto_server.reset_requests()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        ask = app.screen
        assert "the item moves" in static_text(ask.query_one("#confirm-body"))  # type: ignore[arg-type]
        await pilot.press("ctrl+b")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen is not ask
        )
        backup = app.screen
        assert "CreateBackup" in static_text(backup.query_one("#confirm-body"))  # type: ignore[arg-type]
        await pilot.press("y")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen is not backup
        )
        await pilot.press("y")  # move it
        await wait_for(pilot, lambda: not isinstance(app.screen, (ConfirmScreen, ItemEditorScreen)))
        assert [op for op, _ in writes(moto_server)] == ["CreateBackup"]
    assert "Item" in ddb.get_item(TableName=table, Key={"pk": {"S": "moved"}})
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": old}})


async def test_export_form_points_large_tables_to_s3(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    """moto reports TableSizeBytes 0: the table's description is given a size here."""
    from dataclasses import replace

    from ddbconsole.services.transfer.advice import GB
    from ddbconsole.ui.items.transfer import TransferScreen

    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "Users")
        info = main(app).table_info
        assert info is not None
        screen = TransferScreen(app.services, replace(info, size_bytes=50 * GB), "export")
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.advice != "")
        assert "50.0 GB" in screen.advice and "Backups (K)" in screen.advice
        small = TransferScreen(app.services, replace(info, size_bytes=GB), "export")
        await app.push_screen(small)
        await pilot.pause(0.5)
        assert small.advice == ""
