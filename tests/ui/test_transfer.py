"""Pilot tests of the export/import screens: form, progress, result, cancel, read-only."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from textual.widgets import Button, DataTable, Input, ProgressBar, Select, Static

from ddbconsole.services.transfer import TransferService, checkpoint_path
from ddbconsole.services.transfer import importer as importer_module
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.items.transfer import TransferScreen
from tests.helpers import static_text, wait_for
from tests.services.test_transfer import canonical_lines, make_table, plain_lines, write_lines
from tests.ui.reported import last_reported, reported
from tests.ui.test_items import SIZE, events_table, open_items

__all__ = ["events_table"]


def status_lines(screen: TransferScreen) -> list[str]:
    """Every text the dialog's status line shows from now on, in order."""
    status = screen.query_one("#transfer-status", Static)
    shown: list[str] = []
    update = status.update

    def record(content: Any = "", *args: Any, **kwargs: Any) -> None:
        shown.append(str(content))
        update(content, *args, **kwargs)

    status.update = record  # type: ignore[method-assign]
    return shown


async def confirm_import(pilot: Any, app: Any, screen: TransferScreen) -> str:
    """An import shows its Plan first (the first BatchWriteItem request as sent and the aws
    command): confirm it with y and return what the confirmation showed."""
    from ddbconsole.ui.common.confirm import ConfirmScreen

    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    body = static_text(app.screen.query_one("#confirm-body", Static), width=400)
    await pilot.press("y")
    await wait_for(pilot, lambda: app.screen is screen)
    return body


async def test_export_then_import_with_progress(
    app_for: Callable[..., DdbConsoleApp],
    events_table: str,
    moto_url: str,
    tmp_path: Path,
) -> None:
    app = app_for()
    out = tmp_path / "events.jsonl"
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferScreen))
        screen = app.screen
        assert isinstance(screen, TransferScreen)
        screen.query_one("#transfer-path", Input).value = str(out)
        screen.query_one("#transfer-extra", Input).value = "2"
        shown = status_lines(screen)
        await pilot.click("#transfer-start")
        await wait_for(pilot, lambda: screen.result_text.startswith("Exported 30 items"))
        assert screen.query_one(ProgressBar).progress == 30
        assert shown[-1] == screen.result_text  # the progress line shown last before the result:
        assert "items/s" in shown[-2]
        await pilot.press("escape")
        assert len(out.read_text().splitlines()) == 30

    # Import into a fresh table, then export it and compare with the input.
    target = make_table(moto_url)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(50))
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        info = await app.services.tables.describe(target)
        screen = TransferScreen(app.services, info, "import")
        await app.push_screen(screen)
        screen.query_one("#transfer-path", Input).value = str(source)
        screen.query_one("#transfer-format", Select).value = "jsonl"
        await pilot.click("#transfer-start")
        shown = await confirm_import(pilot, app, screen)
        assert (
            "50 records in BatchWriteItem requests" in shown and "dynamodb BatchWriteItem" in shown
        )
        assert "aws dynamodb batch-write-item" in shown
        await wait_for(pilot, lambda: screen.result_text.startswith("Imported 50 of 50"))
        back = tmp_path / "back.jsonl"
        await app.services.transfer.export(info, back)
    assert canonical_lines(back) == canonical_lines(source)
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    assert client.scan(TableName=target, Select="COUNT")["Count"] == 50


async def test_cancel_import_keeps_checkpoint(
    app_for: Callable[..., DdbConsoleApp], moto_url: str, tmp_path: Path
) -> None:
    target = make_table(moto_url)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(400))
    importer_module._CHECKPOINT_EVERY, saved = 0.0, importer_module._CHECKPOINT_EVERY
    app = app_for()
    try:
        async with app.run_test(size=SIZE) as pilot:
            info = await app.services.tables.describe(target)
            screen = TransferScreen(app.services, info, "import")
            await app.push_screen(screen)
            screen.query_one("#transfer-path", Input).value = str(source)
            screen.query_one("#transfer-extra", Input).value = "100"  # WCU/s: slow enough to cancel
            await pilot.click("#transfer-start")
            await confirm_import(pilot, app, screen)
            bar = screen.query_one(ProgressBar)
            await wait_for(pilot, lambda: (bar.progress or 0) > 0)
            transfers = [w for w in app.workers if w.group == "transfer"]
            assert transfers
            await pilot.click("#transfer-cancel")
            assert screen.result_text.startswith("Cancelled after")
            # The cancelled import saves its checkpoint on the way out: wait for it to end.
            await wait_for(pilot, lambda: all(w.is_finished for w in transfers))
            assert not screen.running
    finally:
        importer_module._CHECKPOINT_EVERY = saved
    data = json.loads(checkpoint_path(source).read_text())
    assert data["done"] and data["done"][-1][1] < 400


async def test_import_hidden_in_read_only(
    app_for: Callable[..., DdbConsoleApp],
    events_table: str,
) -> None:
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        await pilot.press("I")
        await pilot.pause()
        assert not isinstance(app.screen, TransferScreen)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferScreen))


async def test_export_the_query_result(
    app_for: Callable[..., DdbConsoleApp], events_table: str, tmp_path: Path
) -> None:
    app = app_for()
    out = tmp_path / "dev-1.jsonl"
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one("#pk", Input).value = "[/]"  # markup-like text must not break the form
        await pilot.pause()
        pane.query_one(DataTable).focus()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TransferScreen))
        pane.query_one("#pk", Input).value = "dev-1"  # switches the form to query mode
        await pilot.pause()
        pane.query_one(DataTable).focus()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferScreen))
        screen = app.screen
        assert isinstance(screen, TransferScreen)
        what = screen.query_one("#transfer-what", Select)
        assert what.value == "query"
        assert screen.query_one("#transfer-extra", Input).disabled  # no segments for a query
        screen.query_one("#transfer-path", Input).value = str(out)
        await pilot.click("#transfer-start")
        await wait_for(pilot, lambda: screen.result_text.startswith("Exported"))
        assert screen.result_text.startswith("Exported 10 items")
        # The other choice exports the whole table.
        what.value = "table"
        await pilot.pause()
        assert not screen.query_one("#transfer-extra", Input).disabled
        screen.query_one("#transfer-path", Input).value = str(tmp_path / "all.jsonl")
        await pilot.click("#transfer-start")
        await wait_for(pilot, lambda: screen.result_text.startswith("Exported 30 items"))
    keys = sorted(json.loads(line)["sk"] for line in out.read_text().splitlines())
    assert keys == [i for i in range(30) if i % 3 == 1]  # exactly the partition's items


async def test_export_asks_before_overwriting_and_follows_the_extension(
    app_for: Callable[..., DdbConsoleApp], events_table: str, tmp_path: Path
) -> None:
    from ddbconsole.ui.common.confirm import ConfirmScreen

    existing = tmp_path / "keep.csv"
    existing.write_text("precious\n")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferScreen))
        screen = app.screen
        assert isinstance(screen, TransferScreen)
        screen.query_one("#transfer-path", Input).value = str(existing)
        await pilot.pause()
        assert screen.query_one("#transfer-format", Select).value == "csv"
        await pilot.click("#transfer-start")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")  # keep the file
        await wait_for(pilot, lambda: app.screen is screen)
        assert not screen.running and existing.read_text() == "precious\n"
        await pilot.click("#transfer-start")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.result_text.startswith("Exported 30 items"))
        assert screen.query_one(ProgressBar).percentage == 1.0
    assert existing.read_text().splitlines()[0].startswith("pk:S,sk:N")


async def test_cancel_while_throttled_then_import_again_and_quit(
    moto_url: str, tmp_path: Path
) -> None:
    """With the console's own retry configuration, through a proxy that throttles every write:
    Esc cancels the import at once, the same session then imports in full, and q exits."""
    from ddbconsole.services import Services
    from ddbconsole.ui.app import make_app
    from tests.conftest import make_settings
    from tests.faultproxy import FaultProxy

    target = make_table(moto_url)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(300))
    with FaultProxy(moto_url) as proxy:
        app = make_app(make_settings(proxy.url), Services)
        async with app.run_test(size=SIZE) as pilot:
            info = await app.services.tables.describe(target)
            screen = TransferScreen(app.services, info, "import")
            await app.push_screen(screen)
            screen.query_one("#transfer-path", Input).value = str(source)
            proxy.throttle = {"BatchWriteItem"}
            await pilot.click("#transfer-start")
            await confirm_import(pilot, app, screen)
            await wait_for(pilot, lambda: proxy.throttled["BatchWriteItem"] >= 20)
            assert screen.running
            await pilot.click("#transfer-cancel")
            assert screen.result_text.startswith("Cancelled after 0 records")
            # The cancelled worker is really gone within a few seconds.
            await wait_for(pilot, lambda: not screen.workers, timeout=5)
            proxy.throttle = set()
            await pilot.click("#transfer-start")
            await confirm_import(pilot, app, screen)
            await wait_for(pilot, lambda: screen.result_text.startswith("Imported 300 of 300"))
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is not screen)
            await pilot.press("q")
            await wait_for(pilot, lambda: not app.is_running, timeout=5)
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    assert client.scan(TableName=target, Select="COUNT")["Count"] == 300


async def test_a_bug_in_the_transfer_ends_it_with_the_error_shown(
    app_for: Callable[..., DdbConsoleApp],
    events_table: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not a DdbConsoleError (a bug, say): the dialog still finishes, shows the error, and the app
    reports it; it is never left "running"."""

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(TransferService, "export", broken)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        info = await app.services.tables.describe(events_table)
        screen = TransferScreen(app.services, info, "export")
        await app.push_screen(screen)
        screen.query_one("#transfer-path", Input).value = str(tmp_path / "out.jsonl")
        await pilot.click("#transfer-start")
        await wait_for(pilot, lambda: bool(reported(app)))
        await wait_for(pilot, lambda: not screen.running)
        status = static_text(screen.query_one("#transfer-status", Static))
        assert "RuntimeError: disk on fire" in status
        assert "RuntimeError: disk on fire" in screen.result_text
        assert not screen.query_one("#transfer-start", Button).disabled  # can start again
        assert screen.query_one("#transfer-cancel", Button).disabled
        assert last_reported(app).title == "Unexpected error"
        assert "RuntimeError: disk on fire" in last_reported(app).message
        assert not (tmp_path / "out.jsonl").exists()


async def test_an_import_not_confirmed_writes_nothing(
    app_for: Callable[..., DdbConsoleApp], moto_url: str, tmp_path: Path
) -> None:
    from ddbconsole.ui.common.confirm import ConfirmScreen

    target = make_table(moto_url)
    source = write_lines(tmp_path / "in.jsonl", plain_lines(30))
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        info = await app.services.tables.describe(target)
        screen = TransferScreen(app.services, info, "import")
        await app.push_screen(screen)
        screen.query_one("#transfer-path", Input).value = str(source)
        await pilot.click("#transfer-start")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.result_text.startswith("Not started"))
        assert not screen.running
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    assert client.scan(TableName=target, Select="COUNT")["Count"] == 0
    assert not checkpoint_path(source).exists()
