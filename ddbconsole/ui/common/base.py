"""The base of every console widget and screen: the app through `ConsoleContext`, write actions
hidden in read-only mode, and worker failures reported (see docs/ARCHITECTURE.md, Workers).

`ConsoleBase` is a mixin placed before the Textual class (`class Pane(ConsoleBase, Vertical)`);
it is not a DOMNode at run time, so the widget's CSS type names stay those of its Textual base.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

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
