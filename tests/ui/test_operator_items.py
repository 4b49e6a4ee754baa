"""Pilot tests of the Items tab as an operator uses it: query results keep their widths and the mark
column, a conflict's reload reaches the grid."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import boto3
import pytest
from textual.widgets import DataTable, Input, Select, TextArea

from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.items.conflict import ConflictScreen
from ddbconsole.ui.items.item_editor import ItemEditorScreen
from ddbconsole.ui.items.items_pane import ItemsPane
from ddbconsole.ui.main import MainScreen
from tests.helpers import editor_ready, show_table, wait_for

SIZE = (160, 48)


async def _items(app: DdbConsoleApp, pilot: object, table: str) -> ItemsPane:
    screen = await show_table(app, pilot, table, "1")  # type: ignore[arg-type]
    await wait_for(pilot, lambda: screen.items_pane is not None)  # type: ignore[arg-type]
    pane = screen.query_one(ItemsPane)
    await wait_for(pilot, lambda: bool(pane.row_items))  # type: ignore[arg-type]
    return pane


def _grid_lines(app: DdbConsoleApp) -> list[str]:
    grid = app.screen.query_one(ItemsPane).query_one("#items", DataTable)
    return [grid.render_line(y).text for y in range(min(grid.size.height, 6))]


async def test_query_results_keep_their_widths_and_the_mark_column(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await _items(app, pilot, "Orders")
        pk = str(pane.row_items[0]["PK"]["S"])
        await pilot.press("f")
        pane.query_one("#pk", Input).focus()
        await pilot.press(*pk)
        pane.query_one("#sk-op", Select).value = "begins_with"
        pane.query_one("#sk", Input).focus()
        await pilot.press(*"ORDER#", "enter")
        await wait_for(pilot, lambda: pane.source.startswith("Query"))
        await wait_for(
            pilot, lambda: bool(pane.row_items) and all(r["PK"]["S"] == pk for r in pane.row_items)
        )
        grid = pane.query_one("#items", DataTable)
        # Every width is known when the rows are shown (a paint before Textual's idle pass must
        # not cut the cells to the header's width), and the mark column is always there.
        columns = list(grid.ordered_columns)
        assert str(columns[0].key.value) == "__mark__" and columns[0].width == 1
        assert [str(c.label) for c in columns[1:4]] == ["PK S", "SK S", "OrderId S"]
        for c in columns:
            assert not c.auto_width, c.label
        for row in range(grid.row_count):
            for c in columns:
                assert (
                    grid.get_cell(grid.coordinate_to_cell_key((row, 0)).row_key, c.key).cell_len
                    <= c.width
                )
        assert columns[1].width >= len(pk) and columns[2].width >= len("ORDER#20260606T230000#0282")
        assert grid.fixed_columns == 3  # mark, PK, SK stay put when scrolling right
        await pilot.press("space")  # marking needs write mode: the mark shows in the first column
        await wait_for(pilot, lambda: str(grid.get_cell_at((0, 0))) == "●")
        lines = _grid_lines(app)
        assert pk in lines[1] and "ORDER#" in lines[1], lines


@pytest.fixture
def notes_table(moto_url: str) -> Iterator[str]:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    name = f"Notes-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "note": {"S": "first"}})
    yield name
    client.delete_table(TableName=name)


async def test_reload_theirs_reaches_the_grid_and_delete_offers_a_way_forward(
    app_for: Callable[..., DdbConsoleApp], notes_table: str, moto_url: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    key = {"pk": {"S": "a"}}

    def theirs(note: str) -> None:
        client.put_item(TableName=notes_table, Item={**key, "note": {"S": note}})

    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await _items(app, pilot, notes_table)
        pane.query_one("#items", DataTable).focus()
        await pilot.press("e")
        await wait_for(pilot, lambda: editor_ready(app))
        theirs("second")
        area = app.screen.query_one(TextArea)
        area.load_text(area.text.replace('"first"', '"mine"'))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        await pilot.press("r")  # reload theirs
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ItemEditorScreen)
                and '"second"' in app.screen.query_one(TextArea).text
            ),
        )
        await pilot.press("escape")  # nothing edited since the reload: closes
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        # The grid shows the server's version now, not the row loaded before the conflict.
        await wait_for(pilot, lambda: pane.row_items[0]["note"] == {"S": "second"})
        theirs("third")  # the row is stale again
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: any("press d again" in n.message for n in app._notifications))
        await wait_for(pilot, lambda: pane.row_items[0]["note"] == {"S": "third"})
        assert "Item" in client.get_item(TableName=notes_table, Key=key)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "Item" not in client.get_item(TableName=notes_table, Key=key))


async def test_editing_a_projected_row_reads_the_whole_item(
    app_for: Callable[..., DdbConsoleApp],
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await _items(app, pilot, "Orders")
        projection = pane.query_one("#projection", Input)
        projection.value = "PK, SK"
        projection.focus()
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: bool(pane.row_items) and set(pane.row_items[0]) == {"PK", "SK"}
        )
        await pilot.press("e")
        await wait_for(pilot, lambda: editor_ready(app))
        text = app.screen.query_one(TextArea).text
        assert '"OrderId"' in text and '"Total"' in text  # the whole item, not the projection
        assert any("loaded with a projection" in n.message for n in app._notifications)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        projection.value = "Total"  # rows without their key attributes
        projection.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(pane.row_items) and set(pane.row_items[0]) == {"Total"})
        await pilot.press("e")
        await wait_for(
            pilot, lambda: any("cannot be edited" in n.message for n in app._notifications)
        )
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
