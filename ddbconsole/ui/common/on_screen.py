"""Panes that work only while the operator can see them (see docs/ARCHITECTURE.md,
Responsiveness): the Metrics tab polls and the Stream tab reads only while their tab is the
active one, their screen is on top and the app is not suspended.

`OnScreen` is a mixin placed before the Textual class, like `ConsoleBase`; the pane calls
`follow_app_suspension()` when mounted and defines `visibility_changed()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.widget import Widget

    _Widget = Widget
else:
    _Widget = object


class OnScreen(_Widget):
    tab_active = False  # the pane's tab is the active one (MainScreen says, via set_shown)
    app_suspended = False

    def follow_app_suspension(self) -> None:
        self.app.app_suspend_signal.subscribe(self, self._on_app_suspend)
        self.app.app_resume_signal.subscribe(self, self._on_app_resume)

    def set_shown(self, shown: bool) -> None:
        """The pane's tab became the active tab (True) or another tab did (False)."""
        self.tab_active = shown
        self.visibility_changed()

    def on_top(self) -> bool:
        """No other screen (a dialog, help, the item viewer) covers the pane's screen."""
        try:
            return self.app.screen is self.screen
        except Exception:
            return False  # not mounted (yet, or any more)

    def on_screen(self) -> bool:
        return self.tab_active and self.on_top() and not self.app_suspended

    def visibility_changed(self) -> None:
        """Start or stop the pane's work to match `on_screen()` (cheap; called freely)."""

    def _on_app_suspend(self, _app: object) -> None:
        self.app_suspended = True
        self.visibility_changed()

    def _on_app_resume(self, _app: object) -> None:
        self.app_suspended = False
        self.visibility_changed()
