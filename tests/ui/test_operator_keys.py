"""Pilot tests of the keyboard flow an operator expects: Esc, Enter, tab keys from the table list,
list motion keys, read-only refusals that say so."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import DataTable, Input, OptionList, TabbedContent

from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.main import MainScreen
from ddbconsole.ui.tables.table_list import TableList
from tests.helpers import wait_for

SIZE = (160, 48)


def _names(app: DdbConsoleApp) -> list[str]:
    return app.screen.query_one(TableList).visible_names()


async def test_esc_leaves_the_table_filter_and_a_second_esc_clears_it(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: {"Users", "Orders"} <= set(_names(app)))
        table_list = app.screen.query_one(TableList)
        await pilot.press("slash", *"ordr")
        await wait_for(pilot, lambda: _names(app) == ["Orders"])
        await pilot.press("escape")
        assert not isinstance(app.focused, Input)
        assert isinstance(app.focused, OptionList)
        await pilot.press("2")  # a tab key now, not text in the filter
        await pilot.pause()
        assert table_list.filter_input.value == "ordr"
        assert app.screen.query_one(TabbedContent).active == "capacity"
        table_list.option_list.focus()
        await pilot.press("escape")  # the second Esc clears the filter
        await wait_for(pilot, lambda: table_list.filter_input.value == "")
        assert {"Users", "Orders"} <= set(_names(app))


def _messages(app: DdbConsoleApp) -> list[str]:
    return [n.message for n in app._notifications]


async def _select(app: DdbConsoleApp, pilot: object, table: str) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    await wait_for(pilot, lambda: table in _names(app))  # type: ignore[arg-type]
    screen.query_one(TableList).select(table)
    await wait_for(  # type: ignore[arg-type]
        pilot, lambda: screen.table_info is not None and screen.table_info.name == table
    )
    return screen


async def test_enter_on_the_table_list_opens_the_items_grid(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _select(app, pilot, "Orders")
        assert isinstance(app.focused, OptionList)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.items_pane is not None)
        pane = screen.items_pane
        assert pane is not None
        assert screen.query_one(TabbedContent).active == "items"
        await wait_for(pilot, lambda: app.focused is pane.query_one("#items", DataTable))
        await wait_for(pilot, lambda: bool(pane.row_items))
        # j/k/g/G move the grid's cursor
        grid = pane.query_one("#items", DataTable)
        await pilot.press("j", "j")
        assert grid.cursor_row == 2
        await pilot.press("k")
        assert grid.cursor_row == 1
        await pilot.press("G")
        assert grid.cursor_row == grid.row_count - 1 > 1
        await pilot.press("g")
        assert grid.cursor_row == 0


async def test_tab_keys_work_from_the_table_list(app_for: Callable[..., DdbConsoleApp]) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _select(app, pilot, "Orders")
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.items_pane is not None)
        pane = screen.items_pane
        assert pane is not None
        await wait_for(pilot, lambda: bool(pane.row_items))
        screen.query_one(TableList).option_list.focus()
        await pilot.press("f")  # the Items tab's query key, pressed on the table list
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        assert app.focused is not None and app.focused.id == "filter"
        await pilot.press("escape")  # out of the field, into the grid
        assert app.focused is pane.query_one("#items", DataTable)
        await pilot.press("t", "j")  # j moves the table list now
        assert isinstance(app.focused, OptionList)


async def test_read_only_write_keys_say_they_are_off(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _select(app, pilot, "Orders")
        await pilot.press("C")  # create table, from the table list
        await wait_for(pilot, lambda: "read-only mode: Create table is off" in _messages(app))
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.items_pane is not None)
        pane = screen.items_pane
        assert pane is not None
        await wait_for(pilot, lambda: bool(pane.row_items))
        for key, title in (("e", "Edit item"), ("d", "Delete item"), ("n", "New item")):
            await pilot.press(key)
            await wait_for(pilot, lambda t=title: f"read-only mode: {t} is off" in _messages(app))  # type: ignore[misc]
        assert len(app.screen_stack) == 2  # no editor opened
        screen.query_one(TableList).option_list.focus()
        await pilot.press("D")  # forwarded from the table list: refused the same way
        await wait_for(
            pilot, lambda: "read-only mode: Delete marked items is off" in _messages(app)
        )
        await pilot.press("2")
        await wait_for(pilot, lambda: screen.capacity_pane is not None)
        await pilot.press("b")
        await wait_for(
            pilot, lambda: "read-only mode: Switch billing mode is off" in _messages(app)
        )
        # ... while the footer and the palette still hide them
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Switch billing mode" not in titles and "Create table" not in titles


async def test_palette_shows_each_actions_key(app_for: Callable[..., DdbConsoleApp]) -> None:
    app = app_for(keys={"refresh": "f5"})
    async with app.run_test(size=SIZE) as pilot:
        await _select(app, pilot, "Orders")
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["Filter tables"].startswith("key /:")
        assert helps["Refresh"].startswith("key f5:")  # the remapped key, not the default
        assert helps["Create table"].startswith("key C:")


async def test_search_loaded_rows_and_copy_the_item(app_for: Callable[..., DdbConsoleApp]) -> None:
    app = app_for()
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        screen = await _select(app, pilot, "Users")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.items_pane is not None)
        pane = screen.items_pane
        assert pane is not None
        await wait_for(pilot, lambda: len(pane.row_items) > 5)
        grid = pane.query_one("#items", DataTable)
        await wait_for(pilot, lambda: app.focused is grid)
        target = pane.row_items[4]["UserId"]["S"]
        await pilot.press("slash", *target)  # the grid's search, not the table filter
        assert screen.query_one(TableList).filter_input.value == ""
        await wait_for(pilot, lambda: grid.cursor_row == 4)
        await pilot.press("escape")
        assert app.focused is grid and not pane.query_one("#search", Input).display
        await pilot.press("y")
        assert copied and f'"UserId": "{target}"' in copied[-1]
        await pilot.press("Y")
        assert copied[-1].replace(" ", "").replace("\n", "") == f'{{"UserId":"{target}"}}'
        await pilot.press("L")  # the operation log: y copies the aws command of a call
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: copied[-1].startswith("aws "))


async def test_footer_fits_160_columns_on_every_tab(app_for: Callable[..., DdbConsoleApp]) -> None:
    from ddbconsole.ui.common.footer import KeyFooter

    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _select(app, pilot, "Orders")
        tabs = screen.query_one(TabbedContent)
        for key, tab in (("1", "items"), ("2", "capacity"), ("3", "metrics"), ("4", "settings"),
                         ("5", "stream")):  # fmt: skip
            await pilot.press(key)
            await wait_for(pilot, lambda t=tab: tabs.active == t)  # type: ignore[misc]
            await pilot.pause(0.3)
            footer = screen.query_one(KeyFooter)
            assert len(footer.items) > 5
            assert footer.right_edge <= SIZE[0], (tab, [k.description for k in footer.items])
            descriptions = [k.description for k in footer.items]
            # ^p on the right, not : as well
            assert "Commands" not in descriptions and footer.palette is not None, descriptions
            if tab == "items":  # history and undo where they apply
                assert {"History", "Undo"} <= set(descriptions), descriptions
        assert "1 Items" in str(tabs.get_tab("items").label)


async def test_keys_typed_at_start_never_land_in_the_filter(
    app_for: Callable[..., DdbConsoleApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    first_focus: list[object] = []
    on_mount = MainScreen.on_mount

    def record(self: MainScreen) -> None:
        first_focus.append(self.focused)  # what keys typed during start-up would reach
        on_mount(self)

    monkeypatch.setattr(MainScreen, "on_mount", record)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "2")
        assert first_focus and isinstance(first_focus[0], OptionList)
        assert app.screen.query_one(TableList).filter_input.value == ""


async def test_grids_get_their_widths_with_their_rows(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    """Capacity and alarm grids: widths given with the rows (no cells cut to header width)."""
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _select(app, pilot, "Orders")
        await pilot.press("2")
        await wait_for(pilot, lambda: screen.capacity_pane is not None
                       and screen.capacity_pane.state is not None)  # fmt: skip
        await pilot.press("3")
        await wait_for(pilot, lambda: screen.metrics_pane is not None
                       and screen.query_one("#alarms", DataTable).row_count > 0)  # fmt: skip
        for grid in (screen.query_one("#cap-resources", DataTable),
                     screen.query_one("#alarms", DataTable)):  # fmt: skip
            assert grid.row_count > 0
            for index, column in enumerate(grid.ordered_columns):
                assert not column.auto_width, column.label
                widest = max(len(str(c)) for c in grid.get_column_at(index))
                assert column.width >= widest, (column.label, column.width, widest)


def test_no_screen_binds_a_motion_key_to_an_action() -> None:
    """j/k/g/G move in whatever list or grid has focus: no pane or screen may take them for an
    action (the Settings tab once turned deletion protection on for `g`)."""
    from ddbconsole.ui import keys

    motion = {"j", "k", "g", "G"}
    for name in dir(keys):
        group = getattr(keys, name)
        if not name.endswith("_ACTIONS") or name in ("ALL_ACTIONS", "APP_ACTIONS"):
            continue
        taken = {(a.id, k) for a in group for k in keys.keys_of(a) if k in motion}
        assert not taken, (name, taken)


async def test_motion_keys_on_the_table_list_move_it_whatever_the_tab(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _select(app, pilot, "Orders")
        tabs = screen.query_one(TabbedContent)
        options = screen.query_one(TableList).option_list
        for tab in ("4", "5", "1"):
            await pilot.press(tab)
            await wait_for(pilot, lambda: tabs.active != "")
            options.focus()
            await pilot.pause()
            for key in ("g", "j", "k", "G"):
                await pilot.press(key)
                await pilot.pause()
                assert isinstance(app.screen, MainScreen), (tab, key)
                assert app.focused is options, (tab, key)
            assert options.highlighted == len(_names(app)) - 1  # G: the last table
