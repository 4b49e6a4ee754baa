"""A Metrics chart drawn off the event loop.

Drawing a chart with plotext takes tens of milliseconds of Python; `PlotextPlot` does it in
`render`, on the event loop, so five charts after each poll held up the keys pressed meanwhile
(docs/ARCHITECTURE.md, "Responsiveness"). A `ChartPlot` holds what it should show (`Drawing`) and
the text last built for it; the Metrics pane builds the texts of stale charts in a thread worker
(`build`), only while the tab is shown, and hands them back; `render` only returns the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import events
from textual.message import Message
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from ddbconsole.ui.metrics.metric_charts import Chart, draw


@dataclass(frozen=True)
class Drawing:
    """What a chart shows: a chart over a time window, or only a title ("loading…")."""

    title: str = ""
    chart: Chart | None = None
    start: datetime | None = None
    end: datetime | None = None


# What a built text was built for: the drawing, the plot's width and height, the plotext theme.
Key = tuple[Drawing, int, int, str]


def build(key: Key) -> Text:
    """The chart's text (any thread: a plotext `Plot` has no global state)."""
    drawing, width, height, theme = key
    plt = Plot()
    if drawing.chart is not None and drawing.start is not None and drawing.end is not None:
        draw(plt, drawing.chart, drawing.start, drawing.end, width)
    else:
        plt.title(drawing.title)
    # As PlotextPlot.render does (its _set_size is textual-plotext's own resizing workaround).
    plt.plotsize(width, height)
    plt._set_size(width, height)
    plt.theme(theme)
    return Text.from_ansi(plt.build())


class ChartPlot(PlotextPlot):
    """PlotextPlot's theme handling, with the drawing done elsewhere (see the module's doc)."""

    class Stale(Message):
        """The chart's size or theme changed: its text must be built again."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.drawing = Drawing()
        self.text = Text()
        self.built_for: Key | None = None

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(
            self, lambda _theme: self.post_message(self.Stale())
        )

    def wanted(self) -> Key:
        # PlotextPlot registers the app's theme with plotext under this name ("auto" theme).
        theme = f"textual-auto-{self.app.theme}"
        return (self.drawing, self.size.width, self.size.height, theme)

    @property
    def stale(self) -> bool:
        return self.built_for != self.wanted()

    def show(self, text: Text, key: Key) -> None:
        self.text, self.built_for = text, key
        self.refresh()

    def on_resize(self, _event: events.Resize) -> None:
        if self.stale:
            self.post_message(self.Stale())

    def render(self) -> Text:
        return self.text
