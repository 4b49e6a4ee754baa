"""What screens and widgets may use of the app: the ConsoleContext protocol.

Nothing under ui/ imports ui/app.py except the entry point (see docs/ARCHITECTURE.md, Layers):
screens and widgets reach the running app through this protocol, via the common base's `ctx`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from ddbconsole.config import Settings
    from ddbconsole.services import Services
    from ddbconsole.services.prefetch import TablePrefetch


class ConsoleContext(Protocol):
    @property
    def settings(self) -> Settings:
        """The session's settings (profile, region, read-only, page size, refresh interval)."""

    @property
    def services(self) -> Services:
        """The session's services: every AWS call goes through them, inside a worker."""

    @property
    def read_only(self) -> bool:
        """True when write actions are hidden (the client hook refuses them anyway)."""

    def report_error(self, exc: BaseException | None, source: str = "") -> None:
        """The error funnel: a notification with a title and one line of advice."""

    def take_prefetch(self) -> TablePrefetch | None:
        """The table names being listed since start-up, handed out once (then None)."""


def context_of(node: DOMNode) -> ConsoleContext:
    """The console behind `node`'s running app."""
    return cast("ConsoleContext", node.app)
