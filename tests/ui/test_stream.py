"""The Stream tab with the pilot, against moto: live records, filters, pause, a record's detail
with its diff, going to the item, and offering to enable a stream (refused in read-only mode)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.widgets import DataTable, Input

from ddbconsole.demo.server import MotoProcess
from ddbconsole.ui.app import DdbConsoleApp
from ddbconsole.ui.common.confirm import ConfirmScreen
from ddbconsole.ui.streams.record_detail import RecordDetailScreen
from ddbconsole.ui.streams.stream_pane import StreamPane
from tests.helpers import show_table, static_text, wait_for
from tests.plans_helpers import reached_bodies
from tests.streams_helpers import client, stream_table

SIZE = (120, 36)


async def open_stream(app: DdbConsoleApp, pilot: Any, table: str) -> StreamPane:
    screen = await show_table(app, pilot, table, "5")
    await wait_for(pilot, lambda: screen.pane("stream") is not None)
    pane: StreamPane = screen.pane("stream")
    await wait_for(pilot, lambda: pane.searched)
    return pane


async def test_live_records_filter_pause_and_detail(
    app_for: Callable[..., DdbConsoleApp], moto_url: str
) -> None:
    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_stream(app, pilot, table)
        assert "NEW_AND_OLD_IMAGES" in static_text(pane.query_one("#stream-info"))
        # the filter's key example is in this table's partition key, not another table's
        assert 'key:{"pk": "a"}' in pane.query_one("#stream-filter", Input).placeholder
        await asyncio.sleep(0.5)  # the tail has its LATEST iterator
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "2"}, "w": {"S": "x"}})
        ddb.put_item(TableName=table, Item={"pk": {"S": "b"}})
        grid = pane.query_one("#records", DataTable)
        await wait_for(pilot, lambda: grid.row_count == 3, timeout=10)
        assert [r.event for r in pane.shown] == ["INSERT", "MODIFY", "INSERT"]
        assert grid.cursor_row == 2  # following the newest

        pane.query_one("#stream-filter", Input).value = "MODIFY attr:w"
        await pilot.press("f", "enter")
        await wait_for(pilot, lambda: grid.row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordDetailScreen))
        detail = static_text(app.screen.query_one("#record-detail"))
        assert "changed" in detail and "added" in detail and '"x"' in detail
        await pilot.press("escape")

        pane.query_one("#stream-filter", Input).value = ""
        await pilot.press("f", "enter")
        await wait_for(pilot, lambda: grid.row_count == 3)
        await pilot.press("s")  # pause: the grid stays still while records arrive
        ddb.delete_item(TableName=table, Key={"pk": {"S": "b"}})
        await wait_for(pilot, lambda: pane.arrived_while_paused == 1, timeout=10)
        await pilot.pause(0.4)
        assert grid.row_count == 3
        assert "PAUSED (1 new)" in static_text(pane.query_one("#stream-status"))
        await pilot.press("s")
        await wait_for(pilot, lambda: grid.row_count == 4)
        assert pane.shown[-1].event == "REMOVE"

        # Go to the record's item: the Items tab queries its key.
        grid.move_cursor(row=1)
        await pilot.press("o")
        screen = app.screen
        await wait_for(pilot, lambda: screen.items_pane is not None)
        items = screen.items_pane
        assert items is not None
        await wait_for(pilot, lambda: items.row_items != [])
        assert [i["pk"] for i in items.row_items] == [{"S": "a"}]


async def test_no_stream_offers_a_planned_enable(
    app_for: Callable[..., DdbConsoleApp], moto_url: str, moto_server: MotoProcess
) -> None:
    table = stream_table(moto_url, None)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_stream(app, pilot, table)
        assert "has no stream" in static_text(pane.query_one("#stream-info"))
        moto_server.reset_requests()
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "NEW_AND_OLD_IMAGES" in static_text(app.screen.query_one("#confirm-body"))
        await pilot.press("y")
        await wait_for(pilot, lambda: pane.stream is not None, timeout=10)
        sent = reached_bodies(moto_server, {"UpdateTable"})
        assert sent == [
            (
                "UpdateTable",
                {
                    "TableName": table,
                    "StreamSpecification": {
                        "StreamEnabled": True,
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                    },
                },
            )
        ]


async def test_read_only_shows_the_stream_and_refuses_enabling(
    app_for: Callable[..., DdbConsoleApp], moto_url: str, moto_server: MotoProcess
) -> None:
    table = stream_table(moto_url, None)
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_stream(app, pilot, table)
        assert "refused in read-only mode" in static_text(pane.query_one("#stream-info"))
        assert pane.check_action("enable_stream", ()) is False
        moto_server.reset_requests()
        await pilot.press("E")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmScreen)
        assert reached_bodies(moto_server, {"UpdateTable"}) == []
        # The demo's Orders stream is readable.
        screen = await show_table(app, pilot, "Orders", "5")
        await wait_for(pilot, lambda: pane.stream is not None and pane.stream.table == "Orders")
        assert screen is app.screen


STREAM_READS = {"ListStreams", "DescribeStream", "GetShardIterator", "GetRecords"}


async def _quiet_while_hidden(pilot: Any, pane: StreamPane, moto_server: MotoProcess) -> None:
    """Nothing reaches the stream while the pane is hidden, for longer than its idle backoff."""
    await wait_for(pilot, lambda: not pane.gate.is_set())
    await pilot.pause(0.5)  # a request already in flight ends
    moto_server.reset_requests()
    await asyncio.sleep(2.5)
    assert [r for r in moto_server.requests() if r["operation"] in STREAM_READS] == []


async def test_the_tail_sends_nothing_while_the_tab_is_hidden_and_misses_nothing(
    app_for: Callable[..., DdbConsoleApp], moto_url: str, moto_server: MotoProcess
) -> None:
    table = stream_table(moto_url)
    ddb = client("dynamodb", moto_url)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_stream(app, pilot, table)
        grid = pane.query_one("#records", DataTable)
        await asyncio.sleep(0.5)  # the tail has its LATEST iterator
        ddb.put_item(TableName=table, Item={"pk": {"S": "shown"}})
        await wait_for(pilot, lambda: grid.row_count == 1, timeout=10)

        await pilot.press("1")  # the Items tab
        ddb.put_item(TableName=table, Item={"pk": {"S": "while-items"}})
        await _quiet_while_hidden(pilot, pane, moto_server)
        assert pane.ring is not None and pane.ring.total == 1
        await pilot.press("5")  # back: it goes on from the last record read
        await wait_for(pilot, lambda: grid.row_count == 2, timeout=10)
        assert [r.keys["pk"]["S"] for r in pane.shown] == ["shown", "while-items"]

        await pilot.press("question_mark")  # another screen on top
        ddb.put_item(TableName=table, Item={"pk": {"S": "while-help"}})
        await _quiet_while_hidden(pilot, pane, moto_server)
        await pilot.press("escape")
        await wait_for(pilot, lambda: grid.row_count == 3, timeout=10)
        assert pane.shown[-1].keys == {"pk": {"S": "while-help"}}


async def test_a_backlog_is_drawn_from_the_ring_once_a_second_and_says_what_went_by(
    app_for: Callable[..., DdbConsoleApp], moto_url: str
) -> None:
    from datetime import UTC, datetime

    from ddbconsole.models.streams import StreamRecord
    from ddbconsole.ui.streams import stream_pane

    def records(start: int, count: int) -> list[StreamRecord]:
        when = datetime(2026, 1, 1, tzinfo=UTC)
        return [
            StreamRecord(str(n), "s", "INSERT", when, {"pk": {"S": f"k{n}"}}, None, {})
            for n in range(start, start + count)
        ]

    table = stream_table(moto_url)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_stream(app, pilot, table)
        grid = pane.query_one("#records", DataTable)
        # Fewer than a redraw adds: appended at the next redraw, none left out.
        pane.collect(records(0, 10))
        await wait_for(pilot, lambda: grid.row_count == 10)
        # More than a redraw adds (a backlog): the newest SHOWN from the ring, the rest counted.
        pane.collect(records(10, 3 * stream_pane.SHOWN))
        await wait_for(
            pilot, lambda: pane.shown[-1].sequence == str(10 + 3 * stream_pane.SHOWN - 1)
        )
        assert grid.row_count == stream_pane.SHOWN
        assert (
            pane.backlog is False
            and pane.skipped == 10 + 3 * stream_pane.SHOWN - 10 - stream_pane.SHOWN
        )
        drawn = pane.flushes
        # Still behind within BACKLOG_FLUSH: counts go on, the grid waits, then shows the newest.
        pane.collect(records(10_000, stream_pane.BURST + 1))
        pane.flush()
        assert pane.flushes == drawn and pane.backlog is True
        assert f"{pane.ring.total:,} records" in static_text(pane.query_one("#stream-status"))
        await wait_for(pilot, lambda: pane.shown[-1].sequence == str(10_000 + stream_pane.BURST))
        assert "passed too fast to draw" in static_text(pane.query_one("#stream-status"))
        # Pausing draws at once, every record within reach again.
        await pilot.press("s")
        assert pane.skipped == 0 and pane.paused
