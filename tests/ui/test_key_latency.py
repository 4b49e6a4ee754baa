"""What keeps keys fast (docs/ARCHITECTURE.md, "Responsiveness"): the footer repaints only when its
keys change, the grid keeps its rendered cells across focus changes, the Metrics charts are drawn
off the event loop and only while shown. tests/bench/bench_keys.py measures the latency itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.renderables.styled import Styled
from textual.widgets import DataTable, TabbedContent

from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.common.footer import KeyFooter
from ddbconsole.ui.common.help import HelpScreen
from ddbconsole.ui.main import MainScreen
from ddbconsole.ui.tables.table_list import TableList
from tests.helpers import wait_for

SIZE = (160, 48)


async def _select(app: DdbConsoleApp, pilot: Any, table: str) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    table_list = screen.query_one(TableList)
    await wait_for(pilot, lambda: table in table_list.visible_names())
    table_list.select(table)
    await wait_for(pilot, lambda: screen.table_info is not None and screen.table_info.name == table)
    return screen


def _count_renders(widget: Any) -> list[int]:
    calls = [0]
    render = widget.render

    def counted() -> Any:
        calls[0] += 1
        return render()

    widget.render = counted
    return calls


async def test_footer_repaints_only_when_its_keys_change(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _select(app, pilot, "Orders")
        footer = screen.query_one(KeyFooter)
        await wait_for(pilot, lambda: any(i.description == "Help" for i in footer.items))
        await pilot.pause(0.2)
        renders = _count_renders(footer)
        shown = footer.items
        for _ in range(5):  # what Textual does after every focus change
            screen.refresh_bindings()
            await pilot.pause()
        assert footer.items is shown and renders == [0]
        # Keys that change do repaint: the Metrics tab's keys replace the table list's.
        await pilot.press("3")
        await wait_for(pilot, lambda: any(i.description == "Period" for i in footer.items))
        await pilot.pause()
        assert renders[0] >= 1
        assert footer.palette is not None and footer.palette.display == "^p"
        # A click on a key presses it, as in Textual's footer.
        help_x = next(a for a, _b, item in footer._spans if item.description == "Help")
        await pilot.click(KeyFooter, offset=(help_x + 1, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_grid_keeps_its_rendered_cells_across_focus_changes(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _select(app, pilot, "Orders")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.items_pane is not None)
        pane = screen.items_pane
        assert pane is not None
        grid = pane.query_one("#items", DataTable)
        await wait_for(pilot, lambda: app.focused is grid and bool(pane.row_items))
        await pilot.pause(0.3)
        tabs = screen.query_one(TabbedContent)
        await pilot.press("3")
        await wait_for(pilot, lambda: tabs.active == "metrics" and app.focused is not grid)
        await pilot.pause(0.2)
        renders = _count_cell_renders(grid)
        await pilot.press("1")
        await wait_for(pilot, lambda: tabs.active == "items" and app.focused is grid)
        await pilot.pause(0.3)
        # Its look does not depend on focus: no visible cell is drawn again (at most a row's).
        assert renders[0] <= len(grid.columns), renders[0]


def _count_cell_renders(grid: Any) -> list[int]:
    calls = [0]
    console = grid.app.console
    render_lines = console.render_lines

    def counted(renderable: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(renderable, Styled):  # how a DataTable renders a cell
            calls[0] += 1
        return render_lines(renderable, *args, **kwargs)

    console.render_lines = counted
    return calls
