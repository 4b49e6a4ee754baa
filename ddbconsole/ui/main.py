"""The main screen: table list on the left, tabs (Items, Capacity, Metrics, Settings, Stream) on the
right."""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING, Any, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList, TabbedContent, TabPane
from textual.worker import Worker

from ddbconsole.ui.bindings import make_binding, write_actions
from ddbconsole.ui.common.base import ConsoleBase
from ddbconsole.ui.common.footer import KeyFooter
from ddbconsole.ui.keys import (
    APP_ACTIONS,
    CAPACITY_ACTIONS,
    ITEM_ACTIONS,
    MAIN_ACTIONS,
    METRICS_ACTIONS,
    STREAM_ACTIONS,
    TABLE_ACTIONS,
    Action,
    keys_of,
)
from ddbconsole.ui.messages import SwitchRecorded, TableChanged, TableDescribed, TablesLoaded
from ddbconsole.ui.tables.settings_pane import SettingsPane
from ddbconsole.ui.tables.status_bar import StatusBar
from ddbconsole.ui.tables.table_details import TableDetails
from ddbconsole.ui.tables.table_list import TableList

if TYPE_CHECKING:
    from ddbconsole.models import TableInfo
    from ddbconsole.ui.capacity.capacity_pane import CapacityPane
    from ddbconsole.ui.items.items_pane import ItemsPane
    from ddbconsole.ui.metrics.metrics_pane import MetricsPane

# Tabs whose pane is built the first time the tab is shown (start-up time: only the Settings tab,
# which shows first, is built with the screen): tab id -> (module, class, widget id).
LAZY_PANES = {
    "items": ("ddbconsole.ui.items.items_pane", "ItemsPane", "items-pane"),
    "capacity": ("ddbconsole.ui.capacity.capacity_pane", "CapacityPane", "capacity-pane"),
    "metrics": ("ddbconsole.ui.metrics.metrics_pane", "MetricsPane", "metrics-pane"),
    "stream": ("ddbconsole.ui.streams.stream_pane", "StreamPane", "stream-pane"),
}


# The motion keys (App.action_cursor) never run a tab's action from the table list.
MOTIONS = tuple(a for a in APP_ACTIONS if a.id.startswith("cursor_"))
MOTION_KEYS = frozenset(("up", "down", "home", "end", "pageup", "pagedown"))

# The actions of each tab's pane (the palette and the tab keys pressed from the table list).
PANE_ACTIONS = {
    "items": ITEM_ACTIONS,
    "capacity": CAPACITY_ACTIONS,
    "metrics": METRICS_ACTIONS,
    "settings": TABLE_ACTIONS,
    "stream": STREAM_ACTIONS,
}


class MainScreen(ConsoleBase, Screen[None]):
    BINDINGS = [make_binding(a) for a in MAIN_ACTIONS]
    # The first focus is the table list, never the filter field: keys typed while the console
    # starts are commands, not text.
    AUTO_FOCUS = "#tables"
    # Create and delete table: hidden in read-only, on-call users never see them.
    WRITE_ACTIONS = write_actions(MAIN_ACTIONS)
    # Describing on every cursor move would flood the API while scrolling: wait for a pause.
    DESCRIBE_DELAY = 0.15

    def __init__(self) -> None:
        super().__init__()
        self.selected_table: str | None = None
        self._pending_select: str | None = None  # a table to highlight once listed
        self.table_info: TableInfo | None = None  # the selected table's description, once known
        self._panes: dict[str, Any] = {}  # lazily built panes by tab id

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            yield TableList(id="table-list")
            with TabbedContent(id="tabs", initial="settings"):
                # In the order of their keys (1..5); a pane is mounted when its tab is first
                # shown, but for Settings.
                for tab_id, title in (
                    ("items", "Items"),
                    ("capacity", "Capacity"),
                    ("metrics", "Metrics"),
                ):
                    yield TabPane(self._tab_title(tab_id, title), id=tab_id)
                with TabPane(self._tab_title("settings", "Settings"), id="settings"):
                    yield SettingsPane(id="settings-pane")  # TableDetails + its actions
                yield TabPane(self._tab_title("stream", "Stream"), id="stream")
        yield KeyFooter()

    def _tab_title(self, tab_id: str, title: str) -> str:
        """'1 Items': the tab's key (remaps included) in its title, so the footer need not list it."""
        action = next(a for a in MAIN_ACTIONS if a.id == f"tab_{tab_id}")
        keys = keys_of(action, self.ctx.settings.keys)
        return f"{self.app.get_key_display(Binding(keys[0], ''))} {title}" if keys else title

    def on_mount(self) -> None:
        self.refresh_status()
        self.load_tables()
        self.query_one(TableList).option_list.focus()

    def refresh_status(self) -> None:
        app = self.ctx
        self.query_one(StatusBar).show(app.settings, app.services.session.region)

    # --- tables -------------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="tables")
    async def load_tables(self) -> None:
        app = self.ctx
        prefetch = app.take_prefetch()
        if prefetch is not None:
            listed = await prefetch.names()
            app.services.session.prepare()  # now that the screen is up
            if listed is not None:
                prefetch.log_calls(app.services.oplog)
                self.post_message(TablesLoaded(tuple(listed), done=True))
                return
        names: list[str] = []
        async for page in app.services.tables.iter_table_names():
            names.extend(page)
            self.post_message(TablesLoaded(tuple(names), done=False))
        self.post_message(TablesLoaded(tuple(names), done=True))

    def on_tables_loaded(self, message: TablesLoaded) -> None:
        table_list = self.query_one(TableList)
        table_list.set_names(message.names, message.done)
        if message.done:
            self.refresh_status()
            self.load_alarm_states()
            self._select_pending(message.names)
            if not message.names:
                self.query_one(TableDetails).show_message("No tables in this account and region.")

    # --- alarm markers and metrics polling ------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="alarm-states")
    async def load_alarm_states(self) -> None:
        """Which tables have alarms in ALARM: at most ALARM_STATE_PAGES DescribeAlarms calls."""
        from ddbconsole.services.alarms import ALARM_STATE_PAGES

        states = await self.ctx.services.alarms.states_by_table(max_pages=ALARM_STATE_PAGES)
        self.query_one(TableList).set_alarm_states(states)

    def on_metrics_pane_alarms_loaded(self, message: MetricsPane.AlarmsLoaded) -> None:
        firing = sum(a.in_alarm for a in message.alarms)
        self.query_one(TableList).set_alarm_state(message.table, firing)

    def pane(self, tab: str) -> Any:
        """The pane of a lazily built tab, or None until it was first shown (kept by
        `_build_pane`: a query by id walks the whole screen, several times per key)."""
        pane = self._panes.get(tab)
        return pane if pane is not None and pane.is_attached else None

    @property
    def items_pane(self) -> ItemsPane | None:
        return cast("ItemsPane | None", self.pane("items"))

    @property
    def capacity_pane(self) -> CapacityPane | None:
        return cast("CapacityPane | None", self.pane("capacity"))

    @property
    def metrics_pane(self) -> MetricsPane | None:
        return cast("MetricsPane | None", self.pane("metrics"))

    async def _build_pane(self, tab: str) -> Any:
        existing = self.pane(tab)
        if existing is not None:
            return existing
        module_name, class_name, widget_id = LAZY_PANES[tab]
        pane = getattr(importlib.import_module(module_name), class_name)(id=widget_id)
        self._panes[tab] = pane
        await self.query_one(f"TabPane#{tab}", TabPane).mount(pane)
        if self.table_info is not None:
            pane.set_table(self.table_info)
        return pane

    def on_screen_suspend(self) -> None:
        if self.metrics_pane is not None:
            self.metrics_pane.visibility_changed()  # another screen on top: stop polling
        if (stream := self.pane("stream")) is not None:
            stream.visibility_changed()  # and stop reading the stream

    def on_screen_resume(self) -> None:
        if self.metrics_pane is not None:
            self.metrics_pane.visibility_changed()
        if (stream := self.pane("stream")) is not None:
            stream.visibility_changed()

    def select_table(self, name: str) -> None:
        """Jump to `name` in the table list (the overview's Enter)."""
        self.query_one(TableList).select(name)

    def worker_failed(self, worker: Worker[Any], error: BaseException | None) -> None:
        if worker.group == "tables":
            err = self.describe(error)
            self.query_one(TableList).show_error(err.title, err.advice)

    @on(OptionList.OptionHighlighted, "#tables")
    def table_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        name = event.option.id
        if name and name != self.selected_table:
            self.selected_table = name
            self.describe_table(name)

    @work(exclusive=True, exit_on_error=False, group="describe")
    async def describe_table(self, name: str, delay: float | None = None) -> None:
        await asyncio.sleep(self.DESCRIBE_DELAY if delay is None else delay)
        info = await self.ctx.services.tables.describe(name)
        self.post_message(TableDescribed(info))

    def on_table_described(self, message: TableDescribed) -> None:
        if message.info.name == self.selected_table:
            self.query_one(TableDetails).show(message.info)
            self.query_one(SettingsPane).set_table(message.info)
            self.table_info = message.info
            active = self.query_one(TabbedContent).active
            if (items := self.items_pane) is not None:
                items.set_table(message.info)
                if active == "items":
                    items.ensure_loaded()
            if (capacity := self.capacity_pane) is not None:
                capacity.set_table(message.info)
                if active == "capacity":
                    capacity.ensure_loaded()
            if (metrics := self.metrics_pane) is not None:
                metrics.set_table(message.info)  # polls only while shown
            if (stream := self.pane("stream")) is not None:
                stream.set_table(message.info)
                if active == "stream":
                    stream.ensure_loaded()

    @on(TabbedContent.TabActivated, "#tabs")
    async def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or ""
        if tab in LAZY_PANES:
            await self._build_pane(tab)
        if (metrics := self.metrics_pane) is not None:
            metrics.set_shown(tab == "metrics")  # polling stops while another tab shows
        if (stream := self.pane("stream")) is not None:
            stream.set_shown(tab == "stream")  # so does reading the stream
        if tab == "items" and (pane := self.items_pane) is not None:
            pane.ensure_loaded()
        elif tab == "capacity" and (capacity := self.capacity_pane) is not None:
            capacity.ensure_loaded()
        self.focus_tab(tab)

    def focus_tab(self, tab: str | None = None) -> None:
        """Focus the shown tab's main widget, where its keys act."""
        tab = tab or self.query_one(TabbedContent).active
        if tab == "metrics" and (metrics := self.metrics_pane) is not None:
            metrics.query_one("#alarms", DataTable).focus()
        elif tab == "items" and (items := self.items_pane) is not None:
            items.query_one("#items", DataTable).focus()
        elif tab == "capacity" and (capacity := self.capacity_pane) is not None:
            capacity.query_one(DataTable).focus()
        elif tab == "stream" and (stream := self.pane("stream")) is not None:
            stream.ensure_loaded()
            stream.query_one(DataTable).focus()
        elif tab == "settings" and self.selected_table is not None:
            self.query_one(TableDetails).focus()  # its keys (TTL, PITR, ...) act on the table

    @on(OptionList.OptionSelected, "#tables")
    def table_opened(self) -> None:
        """Enter on the table list opens the table: its items, with the grid focused."""
        tabs = self.query_one(TabbedContent)
        if tabs.active == "items":
            self.focus_tab("items")
        else:
            tabs.active = "items"

    # --- keys -----------------------------------------------------------------------------------

    def shown_pane(self) -> Any:
        """The shown tab's pane (None while a lazy tab is not built yet)."""
        active = self.query_one(TabbedContent).active
        if active == "settings":
            return self.query_one(SettingsPane)
        return self.pane(active) if active in LAZY_PANES else None

    def action_groups(self) -> list[tuple[Any, tuple[Action, ...]]]:
        """(the widget that runs them, actions): the screen's own, then the shown tab's."""
        groups: list[tuple[Any, tuple[Action, ...]]] = [(self, MAIN_ACTIONS)]
        pane = self.shown_pane()
        if pane is not None:
            groups.append((pane, PANE_ACTIONS[self.query_one(TabbedContent).active]))
        return groups

    def on_key(self, event: events.Key) -> None:
        """A tab's key pressed where the tab's pane has no focus (the table list, the tab bar)
        runs in the shown tab: `f`, `e`, `x` work as soon as a table is selected."""
        focused = self.focused
        pane = self.shown_pane()
        if pane is None or isinstance(focused, Input) or (focused and pane in focused.ancestors):
            return
        remaps = self.ctx.settings.keys
        if event.key in MOTION_KEYS or any(event.key in keys_of(a, remaps) for a in MOTIONS):
            return  # j/k/g/G move in the focused list, whatever a tab binds them to
        tab = self.query_one(TabbedContent).active
        for action in PANE_ACTIONS[tab]:
            if event.key in keys_of(action, remaps) and event.key != "enter":
                event.stop()
                event.prevent_default()
                if action.action in pane.WRITE_ACTIONS and self.ctx.read_only:
                    self.notify_read_only(action.title)
                else:
                    self.focus_tab(tab)
                    self.call_later(pane.run_action, action.action)
                return

    # --- actions ------------------------------------------------------------------------------

    def action_back_or_quit(self) -> None:
        self.app.exit(0)

    def action_refresh(self) -> None:
        self.load_tables()
        if self.selected_table:
            self.describe_table(self.selected_table, delay=0)
        # ... and what the shown tab holds (the Capacity tab reloads with the description).
        active = self.query_one(TabbedContent).active
        if active == "metrics" and (metrics := self.metrics_pane) is not None:
            metrics.action_refresh_now()
        elif active == "items" and (items := self.items_pane) is not None:
            items.reload_page()  # same query, same page

    async def on_stream_pane_show_item(self, message: Any) -> None:
        """A stream record's "go to item": the Items tab, querying that key."""
        if self.table_info is None or message.table != self.table_info.name:
            return
        self.query_one(TabbedContent).active = "items"
        pane = await self._build_pane("items")
        pane.show_key(message.key)

    # --- diagnose (docs/ARCHITECTURE.md, "Diagnose") ----------------------------------------------

    def action_diagnose(self) -> None:
        if self.table_info is None:
            self.notify("Select a table to diagnose first", severity="warning")
            return
        from ddbconsole.ui.diagnose.diagnose_screen import DiagnoseScreen

        self.app.push_screen(DiagnoseScreen(self.table_info), self._diagnose_closed)

    def _diagnose_closed(self, key: tuple[str | None, str] | None) -> None:
        if key is not None and self.table_info is not None:
            self.open_partition(self.table_info.name, *key)

    @work(exclusive=True, exit_on_error=False, group="open-partition")
    async def open_partition(self, table: str, index: str | None, key: str) -> None:
        """The Items tab, querying `key`'s partition of the table or an index."""
        if self.table_info is None or self.table_info.name != table:
            return
        self.query_one(TabbedContent).active = "items"
        pane = await self._build_pane("items")
        pane.show_partition(index, key)

    def action_filter_tables(self) -> None:
        table_list = self.query_one(TableList)
        table_list.display = True
        table_list.filter_input.focus()

    def action_leave_input(self) -> None:
        """Esc: out of a text field (to the list or grid it belongs to); on the table list, clear
        its filter. Single-letter keys act again once out of the field."""
        focused = self.focused
        table_list = self.query_one(TableList)
        if isinstance(focused, Input):
            if focused is table_list.filter_input:
                table_list.option_list.focus()
                return
            for pane in focused.ancestors:
                if hasattr(pane, "leave_input"):
                    pane.leave_input(focused)
                    return
                if isinstance(pane, TabPane):
                    grids = list(pane.query(DataTable))
                    if grids:
                        grids[0].focus()
                    else:
                        self.set_focus(None)
                    return
            self.set_focus(None)
        elif focused is table_list.option_list and table_list.filter_input.value:
            table_list.filter_input.value = ""

    def action_toggle_tables(self) -> None:
        table_list = self.query_one(TableList)
        table_list.display = not table_list.display
        if (
            not table_list.display
            and self.focused is not None
            and table_list in self.focused.ancestors
        ):
            self.focus_tab()
        elif table_list.display:
            table_list.option_list.focus()

    def action_focus_tables(self) -> None:
        table_list = self.query_one(TableList)
        table_list.display = True
        table_list.option_list.focus()

    def action_show_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active == tab:
            self.focus_tab(tab)  # the key moves focus into the tab it names
        else:
            tabs.active = tab

    # --- tables: create and delete (the flows live in SettingsPane) ----------------------------

    def action_new_table(self) -> None:
        self.query_one(SettingsPane).new_table()

    def action_delete_table(self) -> None:
        if self.selected_table is None:
            self.notify("Select the table to delete first", severity="warning")
        else:
            self.query_one(SettingsPane).delete_table(self.selected_table)

    # --- backups and S3 jobs: screens of their own ----------------------------------------------

    def action_backups(self) -> None:
        if self.selected_table is None:
            self.notify("Select a table first", severity="warning")
            return
        from ddbconsole.ui.backups.backups_screen import BackupsScreen

        self.app.push_screen(BackupsScreen(self.selected_table), self._restored)

    def action_s3_jobs(self) -> None:
        from ddbconsole.ui.backups.jobs_screen import JobsScreen

        self.app.push_screen(JobsScreen())

    def _restored(self, name: str | None) -> None:
        """A restore finished (ACTIVE): list the tables again and select the new one."""
        if name:
            self._pending_select = name
            self.load_tables()

    def on_settings_pane_table_changed(self, message: SettingsPane.TableChanged) -> None:
        if message.name == self.selected_table:
            self.describe_table(message.name, delay=0)

    def on_table_changed(self, message: TableChanged) -> None:
        """A change made in any tab: describe again, and every tab shows the new state."""
        if message.name == self.selected_table:
            self.describe_table(message.name, delay=0)

    def on_switch_recorded(self, message: SwitchRecorded) -> None:
        self.query_one(TableDetails).set_recorded_switch(
            message.name, message.at, message.from_record
        )

    def on_settings_pane_table_list_changed(self, message: SettingsPane.TableListChanged) -> None:
        self._pending_select = message.select
        self.load_tables()

    def _select_pending(self, names: tuple[str, ...]) -> None:
        """After a create: highlight the new table (which describes it)."""
        name, self._pending_select = self._pending_select, None
        table_list = self.query_one(TableList)
        if name in names and name in table_list.visible_names():
            table_list.option_list.highlighted = table_list.visible_names().index(name)

    async def reconnect(self) -> None:
        """After a profile or region switch: start over with the new connection.

        The Items, Capacity and Metrics panes are dropped and built afresh: nothing shown from the
        old connection (rows, capacity, a pager that would fetch) may be acted on through the new
        one, where the same key could be another item in another region or account."""
        self.selected_table = None
        self.table_info = None
        if self.metrics_pane is not None:
            self.metrics_pane.clear_table()  # stop polling the old connection's table
        for tab in LAZY_PANES:
            if (pane := self.pane(tab)) is not None:
                await pane.remove()
            self._panes.pop(tab, None)
        active = self.query_one(TabbedContent).active
        if active in LAZY_PANES:
            await self._build_pane(active)
        self.query_one(TableList).set_names((), False)
        self.query_one(TableDetails).show_message("Select a table to see its description.")
        self.refresh_status()
        self.load_tables()
