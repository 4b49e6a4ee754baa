"""The Backups and S3 jobs screens as an operator meets them at 80x24: confirmations keep their
buttons on screen (the requests scroll), long forms scroll to the field in focus, the download
dialog fits and names its file after the format, the import form sends the CSV delimiter chosen,
and read-only mode does not hint at keys that are off."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import boto3
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select

from ddbconsole.models import ExportInfo
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.backups.backups_screen import BackupsScreen
from ddbconsole.ui.backups.forms import ImportForm
from ddbconsole.ui.backups.jobs_screen import DownloadScreen, JobsScreen
from ddbconsole.ui.common.confirm import ConfirmScreen
from tests.helpers import create_pk_table, static_text, wait_for
from tests.ui.test_tables_admin import main, select

SMALL = (80, 24)


def on_screen(app: DdbConsoleApp, widget: Any) -> bool:
    """The widget is drawn whole inside the terminal and inside every scrolling parent."""
    region = widget.region
    if not app.screen.region.contains_region(region) or region.height == 0:
        return False
    return all(
        parent.region.contains_region(region)
        for parent in widget.ancestors
        if isinstance(parent, VerticalScroll)
    )


async def open_jobs(pilot: Pilot[Any], app: DdbConsoleApp) -> JobsScreen:
    await wait_for(pilot, lambda: main(app).is_mounted)
    await pilot.press("J")
    await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen))
    screen = app.screen
    assert isinstance(screen, JobsScreen)
    return screen


async def test_confirmation_keeps_its_buttons_on_a_small_terminal(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for()
    async with app.run_test(size=SMALL) as pilot:
        await select(pilot, app, "Users")
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, BackupsScreen))
        await pilot.press("p")  # restore to a point in time: a long confirmation
        await wait_for(pilot, lambda: app.screen.query("#target"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        confirm = app.screen
        await pilot.pause(0.2)
        box = confirm.query_one("ConfirmScreen > Vertical")
        assert box.region.width <= SMALL[0]  # not cut off on the right
        assert on_screen(app, confirm.query_one("#yes", Button))
        assert on_screen(app, confirm.query_one("#no", Button))
        body = confirm.query_one(VerticalScroll)
        assert body.max_scroll_y > 0  # the requests scroll instead of pushing the buttons out
        assert "RestoreTableToPointInTime" in static_text(confirm.query_one("#confirm-body"))
        await pilot.press("escape")


async def test_import_form_scrolls_to_the_field_in_focus_and_sends_the_delimiter(
    app_for: Callable[..., DdbConsoleApp], moto_url: str
) -> None:
    bucket = f"uicsv-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="in/a.csv", Body=b"id;name\n1;Ada\n")
    app = app_for()
    async with app.run_test(size=SMALL) as pilot:
        await open_jobs(pilot, app)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportForm))
        form = app.screen
        await pilot.pause()
        form.query_one("#bucket", Input).value = bucket
        form.query_one("#prefix", Input).value = "in/"
        form.query_one("#format", Select).value = "CSV"
        form.query_one("#table", Input).value = "imported-csv"
        form.query_one("#pk", Input).value = "id"
        form.query_one("#delimiter", Select).value = ";"
        billing = form.query_one("#billing", Select)
        billing.focus()
        await pilot.pause(0.2)
        assert on_screen(app, billing)  # the last field, scrolled into view at 80x24
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = static_text(app.screen.query_one("#confirm-body"))  # type: ignore[arg-type]
        assert '"Delimiter": ";"' in body and '"InputFormat": "CSV"' in body
        await pilot.press("escape")


async def test_download_dialog_fits_and_follows_the_format(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for()
    async with app.run_test(size=SMALL) as pilot:
        jobs = await open_jobs(pilot, app)
        table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Users"
        export = ExportInfo(arn="arn:x", status="COMPLETED", table_arn=table_arn)
        jobs.app.push_screen(DownloadScreen(export))
        await wait_for(pilot, lambda: isinstance(app.screen, DownloadScreen))
        await pilot.pause()
        dialog = app.screen
        path = dialog.query_one("#download-path", Input)
        assert path.value == "Users-export.jsonl"
        assert dialog.query_one("DownloadScreen > Vertical").region.width <= SMALL[0]
        dialog.query_one("#download-format", Select).value = "csv"
        await pilot.pause()
        assert path.value == "Users-export.csv"
        path.value = "mine.txt"  # a name the operator typed is kept
        dialog.query_one("#download-format", Select).value = "jsonl"
        await pilot.pause()
        assert path.value == "mine.txt"
        await pilot.press("escape")


async def test_read_only_backups_status_does_not_offer_a_write_key(
    app_for: Callable[..., DdbConsoleApp], moto_url: str
) -> None:
    table = f"uiro-{uuid.uuid4().hex[:8]}"  # a table without backups
    create_pk_table(boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1"), table)
    app = app_for(read_only=True)
    async with app.run_test(size=SMALL) as pilot:
        await select(pilot, app, table)
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, BackupsScreen))
        status = app.screen.query_one("#backups-status")
        await wait_for(pilot, lambda: "backup" in static_text(status))  # type: ignore[arg-type]
        text = static_text(status)  # type: ignore[arg-type]
        assert text == "No backups yet"  # no "(n: back up now)": n is off in read-only mode
