"""The one place worker failures become notifications (DESIGN.md rule 7)."""

from __future__ import annotations

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from ddbconsole.errors import DdbConsoleError, translate


def describe_error(exc: BaseException | None, profile: str | None = None) -> DdbConsoleError:
    return translate(exc or RuntimeError("unknown error"), profile=profile)


class WorkerErrors:
    """Mixin for any node that starts workers: failed workers are reported through the app."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            assert isinstance(self, DOMNode)
            report = getattr(self.app, "report_error", None)
            if report is not None:
                report(event.worker.error, source=event.worker.group)
