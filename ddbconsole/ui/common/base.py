"""The base of every console widget and screen: the app through `ConsoleContext`, write actions
hidden in read-only mode, and worker failures reported (see docs/ARCHITECTURE.md, Workers).

`ConsoleBase` is a mixin placed before the Textual class (`class Pane(ConsoleBase, Vertical)`);
it is not a DOMNode at run time, so the widget's CSS type names stay those of its Textual base.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from ddbconsole.errors import DdbConsoleError
from ddbconsole.ui.context import ConsoleContext, context_of
from ddbconsole.ui.errors import describe_error

if TYPE_CHECKING:
    from textual.widget import Widget

    _Widget = Widget  # screens are widgets too
else:
    _Widget = object


class ConsoleBase(_Widget):
    # Actions that change something (`Action.write` in ui/keys.py, see `bindings.write_actions`):
    # hidden from the footer and the palette, and refused, in read-only mode. The client hook is
    # the guarantee (docs/ARCHITECTURE.md, Read-only at the client); this keeps on-call screens free
    # of actions that would only be refused.
    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    @property
    def ctx(self) -> ConsoleContext:
        return context_of(self)

    def describe(self, exc: BaseException | None) -> DdbConsoleError:
        """`exc` as the user reads it: a title and one line of advice."""
        return describe_error(exc, self.ctx.settings.profile.aws_profile)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self.WRITE_ACTIONS and self.ctx.read_only)

    def on_key(self, event: events.Key) -> None:
        """Read-only must say no, not nothing: a write key (hidden and refused by `check_action`)
        shows a one-line notice instead of doing nothing silently."""
        if self.WRITE_ACTIONS and self.ctx.read_only:
            title = self.write_key_title(event.key)
            if title is not None:
                event.stop()
                event.prevent_default()
                self.notify_read_only(title)

    def write_key_title(self, key: str) -> str | None:
        """The title of this widget's write action bound to `key` (remaps included), if any."""
        from ddbconsole.ui.keys import ACTION_TITLES

        remaps = self.ctx.settings.keys
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.action in self.WRITE_ACTIONS:
                keys = (remaps.get(binding.id or "") or binding.key).split(",")
                if key in (k.strip() for k in keys):
                    return ACTION_TITLES.get(binding.id or "", binding.description)
        return None

    def notify_read_only(self, title: str) -> None:
        self.notify(f"read-only mode: {title} is off", severity="warning", timeout=4)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Subclasses do not handle this message themselves (Textual calls the handler of every
        # class in the MRO): they override `worker_failed` to show a failure in place.
        if event.state == WorkerState.ERROR:
            worker = event.worker
            try:
                self.worker_failed(worker, worker.error)
            finally:  # reported even if showing it in place failed
                self.ctx.report_error(worker.error, source=worker.group)

    def worker_failed(self, worker: Worker[Any], error: BaseException | None) -> None:
        """Put what the failed worker was showing back in a usable state, before it is reported."""
