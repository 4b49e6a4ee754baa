"""Pilot tests of the Items tab against moto: query a GSI, page, edit, conflict, delete, PartiQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import boto3
import pytest
from textual.widgets import DataTable, Input, Select, TextArea

from ddbconsole.demo.server import MotoProcess
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.items.conflict import ConflictScreen
from ddbconsole.ui.items.item_editor import ItemEditorScreen
from ddbconsole.ui.items.items_pane import ItemsPane
from ddbconsole.ui.items.partiql import PartiQLScreen
from ddbconsole.ui.main import MainScreen
from tests.helpers import editor_ready, show_table, static_text, wait_for
from tests.ui.reported import last_reported, reported

SIZE = (180, 50)


@pytest.fixture
def events_table(moto_url: str) -> Iterator[str]:
    """A fresh table: pk/sk plus a GSI ByKind(kind, n) holding 30 items, 10 per page."""
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    name = f"Events-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "kind", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByKind",
                "KeySchema": [
                    {"AttributeName": "kind", "KeyType": "HASH"},
                    {"AttributeName": "n", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(30):
        client.put_item(
            TableName=name,
            Item={
                "pk": {"S": f"dev-{i % 3}"},
                "sk": {"N": str(i)},
                "kind": {"S": "click" if i % 2 else "view"},
                "n": {"N": str(i)},
                "big": {"N": "12345678901234567890123456789012345678"},
                "tags": {"SS": ["a", "b"]},
            },
        )
    yield name
    client.delete_table(TableName=name)


async def open_items(app: DdbConsoleApp, pilot: object, table: str) -> ItemsPane:
    screen = await show_table(app, pilot, table, "1")  # type: ignore[arg-type]
    await wait_for(pilot, lambda: screen.items_pane is not None)  # type: ignore[arg-type]
    pane = screen.query_one(ItemsPane)
    await wait_for(pilot, lambda: pane.pager is not None and pane.pager.current is not None)  # type: ignore[arg-type]
    return pane


def rows(pane: ItemsPane) -> list[dict[str, object]]:
    return list(pane.row_items)


async def test_query_gsi_with_sort_condition_and_paging(
    app_for: Callable[..., DdbConsoleApp], events_table: str, moto_server: MotoProcess
) -> None:
    app = app_for(page_size=4)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one("#index", Select).value = "ByKind"
        await pilot.pause()
        pane.query_one("#mode", Select).value = "query"
        pane.query_one("#pk", Input).value = "click"
        pane.query_one("#sk-op", Select).value = "between"
        pane.query_one("#sk", Input).value = "5"
        pane.query_one("#sk2", Input).value = "20"
        pane.query_one("#pk", Input).focus()
        moto_server.reset_requests()
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                pane.source.startswith("Query")
                and pane.pager is not None
                and pane.pager.current is not None
            ),
        )
        first = [r["n"]["N"] for r in rows(pane)]  # type: ignore[index]
        assert first == ["5", "7", "9", "11"]
        assert [r["operation"] for r in moto_server.requests()] == ["Query"]
        columns = [str(c.label) for c in pane.query_one(DataTable).columns.values()]
        assert columns[1:5] == ["pk S", "sk N", "kind S", "n N"]  # mark, table keys, index keys
        info = static_text(pane.query_one("#page-info"))
        assert "Count 4" in info and "page 1" in info
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: pane.pager is not None and pane.pager.index == 1)
        assert [r["n"]["N"] for r in rows(pane)] == ["13", "15", "17", "19"]  # type: ignore[index]
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: pane.pager is not None and pane.pager.index == 2)
        assert [r["n"]["N"] for r in rows(pane)] == [] or all(
            int(r["n"]["N"]) <= 20 for r in rows(pane)
        )  # type: ignore[index]
        queries = len(moto_server.requests())
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: pane.pager is not None and pane.pager.index == 1)
        assert [r["n"]["N"] for r in rows(pane)] == ["13", "15", "17", "19"]  # type: ignore[index]
        assert len(moto_server.requests()) == queries  # back from the page cache: no request
        # Descending order, same query.
        pane.query_one("#desc").value = True  # type: ignore[attr-defined]
        pane.query_one("#pk", Input).focus()
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                pane.pager is not None
                and pane.pager.index == 0
                and rows(pane)
                and rows(pane)[0]["n"]["N"] == "19"
            ),
        )  # type: ignore[index]


async def test_bad_filter_is_explained_and_kept(
    app_for: Callable[..., DdbConsoleApp], events_table: str
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        box = pane.query_one("#filter", Input)
        box.value = "kind = click"
        box.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(reported(app)))
        assert "Filter" in last_reported(app).title and "column" in last_reported(app).message
        assert box.value == "kind = click"
        box.value = 'kind = "click" and n >= 25'
        box.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: {r["n"]["N"] for r in rows(pane)} == {"25", "27", "29"})  # type: ignore[index]


async def test_edit_save_and_conflict(
    app_for: Callable[..., DdbConsoleApp],
    events_table: str,
    moto_url: str,
    moto_server: MotoProcess,
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        item = pane.current_item()
        assert item is not None
        key = {"pk": item["pk"], "sk": item["sk"]}
        await pilot.press("enter")  # view
        await wait_for(pilot, lambda: editor_ready(app))
        editor = app.screen
        area = editor.query_one(TextArea)
        assert area.read_only
        assert "12345678901234567890123456789012345678" in area.text
        assert '"$SS"' in area.text
        # Unchanged save sends nothing.
        await pilot.press("e")
        await wait_for(pilot, lambda: editor_ready(app))  # the whole item read first
        assert not area.read_only
        moto_server.reset_requests()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ItemEditorScreen))
        assert not [
            r for r in moto_server.requests() if r["operation"] in ("PutItem", "UpdateItem")
        ]
        # Edit and save.
        await pilot.press("e")
        await wait_for(pilot, lambda: editor_ready(app))
        area = app.screen.query_one(TextArea)
        area.load_text(area.text.replace('"kind": "', '"note": "edited",\n  "kind": "'))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ItemEditorScreen))
        stored = client.get_item(TableName=events_table, Key=key)["Item"]
        assert stored["note"] == {"S": "edited"}
        assert stored["big"] == {"N": "12345678901234567890123456789012345678"}
        # Someone else changes it; our save shows both versions.
        await wait_for(pilot, lambda: "note" in (pane.current_item() or {}))
        await pilot.press("e")
        await wait_for(pilot, lambda: editor_ready(app))
        client.update_item(
            TableName=events_table, Key=key, UpdateExpression="SET note = :v",
            ExpressionAttributeValues={":v": {"S": "theirs"}},
        )  # fmt: skip
        area = app.screen.query_one(TextArea)
        area.load_text(area.text.replace('"edited"', '"mine"'))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        assert '"theirs"' in static_text(app.screen.query_one("#theirs"))
        assert '"mine"' in static_text(app.screen.query_one("#yours"))
        await pilot.press("escape")  # keep editing: text kept, nothing written
        await wait_for(pilot, lambda: editor_ready(app))
        assert '"mine"' in app.screen.query_one(TextArea).text
        assert client.get_item(TableName=events_table, Key=key)["Item"]["note"] == {"S": "theirs"}
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        await pilot.press("o")  # overwrite deliberately
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert client.get_item(TableName=events_table, Key=key)["Item"]["note"] == {"S": "mine"}


async def test_invalid_json_keeps_text_and_points_at_line(
    app_for: Callable[..., DdbConsoleApp], events_table: str
) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        await pilot.press("e")
        await wait_for(pilot, lambda: editor_ready(app))
        area = app.screen.query_one(TextArea)
        broken = area.text.replace('"kind"', '"kind" "oops"', 1)
        area.load_text(broken)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(reported(app)))
        assert "line" in f"{last_reported(app).title}: {last_reported(app).message}"
        assert (
            isinstance(app.screen, ItemEditorScreen)
            and app.screen.query_one(TextArea).text == broken
        )
        assert "line" in static_text(app.screen.query_one("#problem"))


async def test_new_item_and_delete_with_confirmation(
    app_for: Callable[..., DdbConsoleApp], events_table: str, moto_url: str
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        await pilot.press("n")
        await wait_for(pilot, lambda: editor_ready(app))
        area = app.screen.query_one(TextArea)
        assert '"pk": ""' in area.text and '"sk": 0' in area.text
        area.load_text('{"pk": "dev-0", "sk": 0, "x": 1}')  # exists already
        await pilot.press("ctrl+s")
        await wait_for(  # ItemExists, as the user reads it
            pilot,
            lambda: (
                bool(reported(app))
                and last_reported(app).title == f"Item already exists in {events_table}"
            ),
        )
        area.load_text('{"pk": "new", "sk": 1, "x": 1}')
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert client.get_item(TableName=events_table, Key={"pk": {"S": "new"}, "sk": {"N": "1"}})[
            "Item"
        ]["x"] == {"N": "1"}
        # Delete it: find it, confirm.
        box = pane.query_one("#pk", Input)
        box.value = "new"
        box.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: [r["pk"]["S"] for r in rows(pane)] == ["new"])  # type: ignore[index]
        pane.query_one(DataTable).focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = static_text(app.screen.query_one("#confirm-body"))
        assert "DeleteItem" in body and '"new"' in body
        await pilot.press("n")  # no: nothing deleted
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert "Item" in client.get_item(
            TableName=events_table, Key={"pk": {"S": "new"}, "sk": {"N": "1"}}
        )
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: (
                "Item"
                not in client.get_item(
                    TableName=events_table, Key={"pk": {"S": "new"}, "sk": {"N": "1"}}
                )
            ),
        )


async def test_batch_delete_marked(
    app_for: Callable[..., DdbConsoleApp],
    events_table: str,
    moto_url: str,
    moto_server: MotoProcess,
) -> None:
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        box = pane.query_one("#pk", Input)
        box.value = "dev-1"
        box.focus()
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: len(rows(pane)) == 10 and all(r["pk"]["S"] == "dev-1" for r in rows(pane)),
        )  # type: ignore[index]
        pane.query_one(DataTable).focus()
        for _ in range(3):
            await pilot.press("space")
        assert len(pane.marked) == 3
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Delete 3 items" in app.screen.title_text  # type: ignore[attr-defined]
        moto_server.reset_requests()
        await pilot.press("y")
        await wait_for(pilot, lambda: len(rows(pane)) == 7)
        assert [r["operation"] for r in moto_server.requests()].count("BatchWriteItem") == 1
        left = client.query(
            TableName=events_table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "dev-1"}},
        )
        assert left["Count"] == 7


async def test_partiql_select_pages_into_browser(
    app_for: Callable[..., DdbConsoleApp], events_table: str
) -> None:
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, PartiQLScreen))
        app.screen.query_one("#statement", TextArea).load_text(
            f'SELECT * FROM "{events_table}" WHERE pk = ?'
        )
        app.screen.query_one("#params", Input).value = '["dev-2"]'
        await pilot.press("ctrl+r")
        await wait_for(
            pilot,
            lambda: (
                pane.source.startswith("PartiQL")
                and pane.pager is not None
                and pane.pager.current is not None
            ),
        )
        assert len(rows(pane)) == 10 and {r["pk"]["S"] for r in rows(pane)} == {"dev-2"}  # type: ignore[index]
        # A write is refused by read-only mode, with a clear message.
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, PartiQLScreen))
        history = app.screen.query_one("#history")
        assert history.option_count >= 1  # type: ignore[attr-defined]
        app.screen.query_one("#statement", TextArea).load_text(
            f"DELETE FROM \"{events_table}\" WHERE pk = 'dev-2' AND sk = 2"
        )
        await pilot.press("ctrl+r")
        await wait_for(  # ReadOnlyViolation, as the user reads it: a warning
            pilot,
            lambda: (
                bool(reported(app))
                and last_reported(app).title.startswith("Read-only mode:")
                and last_reported(app).severity == "warning"
            ),
        )


async def test_read_only_hides_write_actions(
    app_for: Callable[..., DdbConsoleApp], events_table: str
) -> None:
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        await pilot.pause()
        shown = {b.binding.action for b in app.active_bindings.values() if b.enabled}  # type: ignore[attr-defined]
        assert "next_page" in shown and "partiql" in shown
        for action in ("edit_item", "new_item", "delete_item", "delete_marked", "duplicate_item"):
            assert action not in shown
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Edit item" not in titles and "Next page" in titles
        await pilot.press("enter")
        await wait_for(pilot, lambda: editor_ready(app))
        await pilot.press("e")
        assert app.screen.query_one(TextArea).read_only


async def test_external_editor_round_trip(
    app_for: Callable[..., DdbConsoleApp],
    events_table: str,
    tmp_path: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ctrl+o hands the text to $EDITOR; what comes back stays in the editor; a failure keeps it."""
    import sys
    from pathlib import Path

    script = Path(str(tmp_path)) / "editor.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path).read()\n"
        'open(path, \'w\').write(text.replace(\'"kind":\', \'"edited_by": "editor",\\n  "kind":\'))\n'
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_items(app, pilot, events_table)
        pane.query_one(DataTable).focus()
        await pilot.press("e")
        await wait_for(pilot, lambda: editor_ready(app))
        await pilot.press("ctrl+o")
        await wait_for(
            pilot, lambda: '"edited_by": "editor"' in app.screen.query_one(TextArea).text
        )
        text = app.screen.query_one(TextArea).text
        monkeypatch.setenv("EDITOR", f"{sys.executable} -c 'raise SystemExit(3)'")
        await pilot.press("ctrl+o")
        await pilot.pause(0.5)
        assert app.screen.query_one(TextArea).text == text  # the failed editor changed nothing
