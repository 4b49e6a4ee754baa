"""Pilot tests: the real app against the moto server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rich.text import Text
from textual.widgets import Input, OptionList, Static, TabbedContent

from ddbconsole.config import Profile
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.common.help import HelpScreen
from ddbconsole.ui.common.pickers import ProfilePicker, RegionPicker
from ddbconsole.ui.main import MainScreen
from ddbconsole.ui.tables.status_bar import StatusBar
from ddbconsole.ui.tables.table_list import TableList
from tests.conftest import make_settings
from tests.helpers import static_text, wait_for
from tests.ui.conftest import fast_services
from tests.ui.reported import last_reported, reported

SIZE = (160, 48)


def _table_names(app: DdbConsoleApp) -> list[str]:
    options = app.screen.query_one("#tables", OptionList)
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


def _details_text(app: DdbConsoleApp) -> str:
    return static_text(app.screen.query_one("#details-body", Static))


def _rendered(widget: Static) -> str:
    return static_text(widget)


async def test_lists_tables_and_describes_selection(app_for: Callable[..., DdbConsoleApp]) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: {"Users", "Orders"} <= set(_table_names(app)))
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one(TabbedContent).active == "settings"
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"ordr")  # fuzzy: o-r-d-r in order
        await wait_for(pilot, lambda: _table_names(app) == ["Orders"])
        await pilot.press("enter")  # back to the list
        assert isinstance(app.focused, OptionList)
        await wait_for(pilot, lambda: "ByStatus" in _details_text(app))
        text = _details_text(app)
        for expected in ("PROVISIONED", "ByDate", "LSI", "GSI", "INCLUDE", "NEW_AND_OLD_IMAGES"):
            assert expected in text


async def test_status_bar_and_read_only_badge(app_for: Callable[..., DdbConsoleApp]) -> None:
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Users" in _table_names(app))
        status = app.screen.query_one(StatusBar)
        text = status.content
        assert isinstance(text, Text)
        assert "READ-ONLY" in text.plain and "us-east-1" in text.plain
        assert status.has_class("read-only")
        badge = next(span for span in text.spans if "on red" in str(span.style))
        assert text.plain[badge.start : badge.end].strip() == "READ-ONLY"


async def test_no_read_only_badge_by_default(app_for: Callable[..., DdbConsoleApp]) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Users" in _table_names(app))
        assert "READ-ONLY" not in _rendered(app.screen.query_one(StatusBar))


async def test_help_screen_lists_every_binding_and_remaps(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for(keys={"refresh": "f5", "editor_external": "ctrl+x"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = _rendered(app.screen.query_one("#help-table", Static))
        for words in ("Refresh", "Switch profile", "Switch region", "Filter tables", "Quit", "f5"):
            assert words in text
        # Dialogs' own keys too, from their bindings, with remaps.
        for words in ("Item editor", "ctrl+x", "$EDITOR", "PartiQL", "ctrl+r", "Save conflict"):
            assert words in text
        assert "ctrl+o" not in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        # The remap works: f5 refreshes (the table list reloads), r no longer does.
        before = len(app.screen.query_one(TableList).names)
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.screen.query_one(TableList).loading_done)
        assert len(app.screen.query_one(TableList).names) == before >= 2


async def test_tabs_switch_by_number(app_for: Callable[..., DdbConsoleApp]) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Users" in _table_names(app))
        tabs = app.screen.query_one(TabbedContent)
        for key, tab in (("1", "items"), ("2", "capacity"), ("3", "metrics"), ("4", "settings")):
            await pilot.press(key)
            assert tabs.active == tab


async def test_command_palette_has_every_action(app_for: Callable[..., DdbConsoleApp]) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Users" in _table_names(app))
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in (
            "Refresh",
            "Switch profile",
            "Switch region",
            "Show help",
            "Filter tables",
            "Quit",
        ):
            assert title in titles


async def test_switch_region_from_palette(app_for: Callable[..., DdbConsoleApp]) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Users" in _table_names(app))
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RegionPicker))
        await pilot.press(*"nowhere", "enter")  # invalid: explained, text kept
        assert app.screen.query_one("#region", Input).value == "nowhere"
        assert "not a region" in _rendered(app.screen.query_one("#region-error", Static))
        app.screen.query_one("#region", Input).value = "eu-west-1"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.settings.profile.region == "eu-west-1")
        # moto keeps regions apart: the demo tables live in us-east-1 only.
        await wait_for(pilot, lambda: app.screen.query_one(TableList).loading_done)
        assert "Users" not in _table_names(app)
        assert "eu-west-1" in _rendered(app.screen.query_one(StatusBar))


async def test_switch_profile(moto_url: str) -> None:
    other = Profile(name="other", region="us-east-1", endpoint_url=moto_url, read_only=True)
    settings = make_settings(moto_url)
    settings = replace(settings, profiles={**settings.profiles, "other": other})
    app = DdbConsoleApp(settings, fast_services)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Users" in _table_names(app))
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilePicker))
        profiles = app.screen.query_one("#profiles", OptionList)
        profiles.focus()
        profiles.highlighted = 0  # sorted: other, test
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.settings.profile.name == "other")
        # A read-only profile turns read-only on for its clients.
        assert app.settings.read_only and app.services.read_only
        await wait_for(pilot, lambda: "READ-ONLY" in _rendered(app.screen.query_one(StatusBar)))


async def test_unreachable_endpoint_is_explained(isolated_env: object) -> None:
    settings = make_settings("http://127.0.0.1:9")  # discard port: connection refused
    app = DdbConsoleApp(settings, fast_services)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(reported(app)), timeout=30)
        assert last_reported(app).title == "Cannot reach the endpoint"
        count = _rendered(app.screen.query_one("#table-count", Static))
        assert "Cannot reach the endpoint" in count


async def test_q_quits(app_for: Callable[..., DdbConsoleApp]) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Users" in _table_names(app))
        await pilot.press("q")
        await wait_for(pilot, lambda: app.return_code is not None)
    assert app.return_code == 0


async def test_help_in_read_only_leaves_out_write_keys(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = _rendered(app.screen.query_one("#help-table", Static))
        assert "Item editor" in text and "Plain/DynamoDB JSON" in text
        for words in ("editor_save", "Save conflict", "New table", "Capacity and settings forms"):
            assert words not in text


async def test_region_switch_drops_the_old_regions_rows(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    """Rows of the old region must not stay on screen, where a delete or an edit would go to
    the same key in the new region."""
    from textual.widgets import DataTable

    from tests.ui.test_items import open_items

    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, "Users")
        assert pane.query_one(DataTable).row_count > 0
        app._region_chosen("eu-west-1")
        await wait_for(pilot, lambda: app.settings.profile.region == "eu-west-1")
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await wait_for(
            pilot, lambda: screen.items_pane is not None and screen.items_pane is not pane
        )
        fresh = screen.items_pane
        assert fresh is not None and fresh.table is None
        assert fresh.query_one(DataTable).row_count == 0
        await pilot.press("d")  # nothing to delete: no confirmation appears
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_palette_opens_with_colon_and_ctrl_p(app_for: Callable[..., DdbConsoleApp]) -> None:
    from textual.command import CommandPalette

    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Users" in _table_names(app))
        for key in ("colon", "ctrl+p"):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
