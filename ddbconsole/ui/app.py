"""DdbConsoleApp: settings and services injected, bindings with ids, the error funnel."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ddbconsole.config import Profile, Settings
from ddbconsole.errors import ReadOnlyViolation
from ddbconsole.services import Services
from ddbconsole.services.prefetch import TablePrefetch
from ddbconsole.ui import memory
from ddbconsole.ui.bindings import make_binding
from ddbconsole.ui.commands import action_commands
from ddbconsole.ui.common.help import HelpScreen
from ddbconsole.ui.common.pickers import ProfilePicker, RegionPicker
from ddbconsole.ui.context import ConsoleContext
from ddbconsole.ui.errors import describe_error
from ddbconsole.ui.keys import APP_ACTIONS
from ddbconsole.ui.main import MainScreen

ServicesFactory = Callable[[Settings], Services]
CLOSE_TIMEOUT = 5.0  # seconds the clients get to close at exit


class DdbConsoleApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "ddbconsole"
    BINDINGS = [make_binding(a) for a in APP_ACTIONS]

    def __init__(
        self,
        settings: Settings,
        services_factory: ServicesFactory = Services,
        services: Services | None = None,
        prefetch: TablePrefetch | None = None,
    ) -> None:
        super().__init__()
        memory.release_cleared_caches()  # docs/ARCHITECTURE.md, Memory and the garbage collector
        self.settings = settings
        self._services_factory = services_factory
        self.services = services or services_factory(settings)
        # Table names being listed by a forked child during start-up (used once, then None).
        self.prefetch = prefetch

    @property
    def read_only(self) -> bool:
        return self.settings.read_only

    def take_prefetch(self) -> TablePrefetch | None:
        prefetch, self.prefetch = self.prefetch, None
        return prefetch

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        else:
            self.notify(
                f"Unknown theme '{self.settings.theme}'; using the default.", severity="warning"
            )
        if self.settings.keys:
            self.set_keymap(dict(self.settings.keys))
        self.push_screen(MainScreen())
        self.call_after_refresh(memory.settle)  # start-up's objects: frozen, not walked again

    async def on_unmount(self) -> None:
        # Closing the clients must never keep the console from exiting (a connection stuck in
        # a half-open state, say): give it a few seconds, then leave anyway.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.services.close(), CLOSE_TIMEOUT)

    # --- errors -------------------------------------------------------------------------------

    def report_error(self, exc: BaseException | None, source: str = "") -> None:
        """The one place errors become notifications: a title and one line of advice."""
        err = describe_error(exc, self.settings.profile.aws_profile)
        severity: SeverityLevel = "warning" if isinstance(err, ReadOnlyViolation) else "error"
        self.notify(err.advice or err.title, title=err.title, severity=severity, timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.report_error(event.worker.error, source=event.worker.group)

    # --- commands -----------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from action_commands(self, screen, self.settings.read_only)
        yield from super().get_system_commands(screen)

    def action_cursor(self, where: str) -> None:
        """j/k/g/G on whichever list or grid has focus (text fields take the letters as text)."""
        from textual.widgets import DataTable, OptionList

        focused = self.focused
        if isinstance(focused, DataTable):
            last = max(focused.row_count - 1, 0)
            row = {"down": focused.cursor_row + 1, "up": focused.cursor_row - 1, "top": 0}
            focused.move_cursor(row=max(0, min(row.get(where, last), last)))
        elif isinstance(focused, OptionList) and focused.option_count:
            actions = {"down": "cursor_down", "up": "cursor_up", "top": "first", "bottom": "last"}
            getattr(focused, f"action_{actions[where]}")()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.settings.keys, self.settings.read_only))

    # --- the all-tables overview and the operation log -----------------------------------------

    def action_overview(self) -> None:
        from ddbconsole.ui.metrics.overview import OverviewScreen

        if not isinstance(self.screen, OverviewScreen):
            self.push_screen(OverviewScreen(), self._overview_closed)

    def _overview_closed(self, table: str | None) -> None:
        if table is None:
            return
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.select_table(table)

    def action_oplog(self) -> None:
        from ddbconsole.ui.metrics.oplog import OperationLogScreen

        if not isinstance(self.screen, OperationLogScreen):
            self.push_screen(OperationLogScreen())

    def action_switch_profile(self) -> None:
        source = str(self.settings.config_path or "the config file")
        picker = ProfilePicker(dict(self.settings.profiles), self.settings.profile.name, source)
        self.push_screen(picker, self._profile_chosen)

    def _profile_chosen(self, profile: Profile | None) -> None:
        if profile is not None:
            self.switch_connection(self.settings.with_profile(profile))

    def action_switch_region(self) -> None:
        self.push_screen(RegionPicker(self.services.session.region), self._region_chosen)

    def _region_chosen(self, region: str | None) -> None:
        if region:
            profile = replace(self.settings.profile, region=region)
            self.switch_connection(self.settings.with_profile(profile))

    @work(exclusive=True, exit_on_error=False, group="connection")
    async def switch_connection(self, settings: Settings) -> None:
        """Close the old clients, open new ones, and reload every pane."""
        old = self.services
        self.settings = settings
        self.services = self._services_factory(settings)
        await old.close()
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                await screen.reconnect()
        self.notify(
            f"Connected: profile {settings.profile.name}, region {settings.profile.region or 'default'}"
        )


def make_app(
    settings: Settings,
    services_factory: ServicesFactory = Services,
    services: Services | None = None,
    prefetch: TablePrefetch | None = None,
) -> DdbConsoleApp:
    """The app factory, shared by the CLI and the tests."""
    return DdbConsoleApp(settings, services_factory, services, prefetch)


def _context(app: DdbConsoleApp) -> ConsoleContext:
    return app  # the type checker proves the app is what screens and widgets take it for
