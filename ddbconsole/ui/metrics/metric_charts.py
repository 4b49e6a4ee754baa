"""What the metrics pane draws: chart lines picked out of a MetricsSnapshot, and drawing them.

Pure functions over the snapshot (no I/O): the pane holds one snapshot per refresh and redraws
from it when the user switches between the table and a GSI, without asking CloudWatch again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual_plotext.plot import Plot

from ddbconsole.models import MetricSeries, MetricsSnapshot, TableInfo
from ddbconsole.models.diagnose import LIMIT_TEXT
from ddbconsole.services.metrics import OPERATIONS, series_key


@dataclass(frozen=True)
class Line:
    label: str
    xs: tuple[float, ...]  # epoch seconds
    ys: tuple[float, ...]
    color: str | None = None

    @property
    def empty(self) -> bool:
        return not self.xs


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    unit: str
    lines: tuple[Line, ...]
    note: str = ""  # shown in the title when there is nothing to draw


def _line(series: MetricSeries | None, label: str, color: str | None = None) -> Line:
    if series is None:
        return Line(label, (), (), color)
    return Line(label, tuple(t.timestamp() for t in series.timestamps), tuple(series.values), color)


def _summed(series: Iterable[MetricSeries | None], label: str, color: str | None = None) -> Line:
    """Several series added point by point (per-operation counts into one line)."""
    totals: dict[datetime, float] = {}
    for one in series:
        if one is None:
            continue
        for ts, value in zip(one.timestamps, one.values, strict=True):
            totals[ts] = totals.get(ts, 0.0) + value
    points = sorted(totals.items())
    return Line(label, tuple(t.timestamp() for t, _ in points), tuple(v for _, v in points), color)


def _flat(value: float | None, start: datetime, end: datetime, label: str, color: str) -> Line:
    if value is None or value <= 0:
        return Line(label, (), (), color)
    return Line(label, (start.timestamp(), end.timestamp()), (float(value), float(value)), color)


def _configured(table: TableInfo | None, index: str | None, side: str) -> float | None:
    """The provisioned capacity DescribeTable reports (a fallback when CloudWatch has none)."""
    if table is None:
        return None
    throughput = table.provisioned if index is None else table.index(index).provisioned
    if throughput is None or table.billing_mode == "PAY_PER_REQUEST":
        return None
    value = throughput.read if side == "Read" else throughput.write
    return None if value is None else float(value)


def capacity_chart(
    snap: MetricsSnapshot, table: str, index: str | None, side: str, info: TableInfo | None
) -> Chart:
    """Consumed vs provisioned `side` ("Read"/"Write") capacity of the table or a GSI, units/s."""
    unit = "RCU/s" if side == "Read" else "WCU/s"
    consumed = snap.get(series_key(table, f"Consumed{side}CapacityUnits", index=index))
    provisioned = snap.get(series_key(table, f"Provisioned{side}CapacityUnits", index=index))
    lines = [_line(consumed, "consumed", "cyan")]
    note = ""
    if provisioned is not None and provisioned.values:
        lines.append(_line(provisioned, "provisioned", "red"))
    else:
        configured = _configured(info, index, side)
        if configured is not None:
            lines.append(_flat(configured, snap.start, snap.end, "provisioned (table)", "red"))
        elif info is not None and info.billing_mode == "PAY_PER_REQUEST":
            note = "on-demand"
    where = "" if index is None else f" · GSI {index}"
    return Chart(
        f"chart-{side.lower()}", f"{side} capacity ({unit}){where}", unit, tuple(lines), note
    )


def throttle_chart(snap: MetricsSnapshot, table: str, index: str | None) -> Chart:
    reads = snap.get(series_key(table, "ReadThrottleEvents", index=index))
    writes = snap.get(series_key(table, "WriteThrottleEvents", index=index))
    lines = [_line(reads, "read events", "orange"), _line(writes, "write events", "magenta")]
    if index is None:
        requests = [
            snap.get(series_key(table, "ThrottledRequests", operation=op)) for op in OPERATIONS
        ]
        lines.append(_summed(requests, "throttled requests", "red"))
    where = "" if index is None else f" · GSI {index}"
    return Chart(
        "chart-throttles", f"Throttles (count per {_period(snap.period)}){where}", "count",
        tuple(lines),
    )  # fmt: skip


def error_chart(snap: MetricsSnapshot, table: str) -> Chart:
    system = [snap.get(series_key(table, "SystemErrors", operation=op)) for op in OPERATIONS]
    lines = (
        _summed(system, "system errors", "red"),
        _line(snap.get(series_key(None, "UserErrors")), "user errors (account)", "yellow"),
        _line(snap.get(series_key(table, "ConditionalCheckFailedRequests")), "cond. check", "blue"),
    )
    return Chart("chart-errors", f"Errors (count per {_period(snap.period)})", "count", lines)


def latency_chart(snap: MetricsSnapshot, table: str) -> Chart:
    lines = []
    for op in OPERATIONS:
        series = snap.get(series_key(table, "SuccessfulRequestLatency", operation=op))
        if series is not None and series.values:
            lines.append(_line(series, op))
    return Chart("chart-latency", "Latency by operation (ms, average)", "ms", tuple(lines))


def charts(
    snap: MetricsSnapshot, table: str, index: str | None, info: TableInfo | None
) -> list[Chart]:
    return [
        capacity_chart(snap, table, index, "Read", info),
        capacity_chart(snap, table, index, "Write", info),
        throttle_chart(snap, table, index),
        error_chart(snap, table),
        latency_chart(snap, table),
    ]


# --- drawing ------------------------------------------------------------------------------------


def _period(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def time_ticks(start: datetime, end: datetime, count: int = 4) -> tuple[list[float], list[str]]:
    """Evenly spaced ticks with UTC labels: HH:MM within a day, else MM-DD HH:MM."""
    a, b = start.timestamp(), end.timestamp()
    fmt = "%H:%M" if b - a <= 86400 else "%m-%d %H:%M"
    ticks = [a + (b - a) * i / (count - 1) for i in range(count)]
    return ticks, [datetime.fromtimestamp(t, UTC).strftime(fmt) for t in ticks]


def segments(
    xs: Sequence[float], ys: Sequence[float]
) -> list[tuple[Sequence[float], Sequence[float]]]:
    """A line cut where points are missing (a step over 1.5 times the usual one), so that a gap
    in the data is drawn as a gap, never as a slope joining the points around it."""
    steps = [b - a for a, b in pairwise(xs) if b > a]
    if len(xs) < 3 or not steps:
        return [(xs, ys)]
    step = min(steps)
    out: list[tuple[Sequence[float], Sequence[float]]] = []
    start = 0
    for i in range(1, len(xs)):
        if xs[i] - xs[i - 1] > 1.5 * step:
            out.append((xs[start:i], ys[start:i]))
            start = i
    out.append((xs[start:], ys[start:]))
    return out


def fit_title(title: str, width: int) -> str:
    """A title that fits `width` columns (plotext drops a title wider than its plot): the
    parenthesised details go first, then the end is cut with an ellipsis."""
    room = max(width - 2, 1)
    if len(title) <= room:
        return title
    short = re.sub(r" \([^)]*\)", "", title)
    return short if len(short) <= room else short[: max(room - 1, 1)] + "…"


NARROW = 40  # columns: below this a chart's time axis leaves out its last label


def draw(plt: Plot, chart: Chart, start: datetime, end: datetime, width: int) -> None:
    """Draw `chart` on a plotext figure `width` columns wide (ui/metrics/chart_plot.py builds it
    off the event loop)."""
    drawn = [line for line in chart.lines if not line.empty]
    title = chart.title if drawn else f"{chart.title}: {chart.note or 'no data in range'}"
    plt.title(fit_title(title, width) if width else title)
    top = 0.0
    for line in drawn:
        top = max(top, *line.ys)
        for n, (xs, ys) in enumerate(segments(line.xs, line.ys)):
            style: dict[str, str] = {"color": line.color} if line.color else {}
            if n == 0:
                style["label"] = line.label  # once per line in the legend
            plt.plot(list(xs), list(ys), marker="braille", **style)
    ticks, labels = time_ticks(start, end)
    plt.xlim(ticks[0], ticks[-1])
    if width and width < NARROW:
        # A narrow plot has no room for a label on its right edge: plotext would draw it or
        # drop it from one refresh to the next. The end of the range is "now" anyway.
        ticks, labels = ticks[:-1], labels[:-1]
    plt.xticks(ticks, labels)
    # Room above the highest point for the legend; counts never go below zero.
    plt.ylim(0, top * 1.3 if top > 0 else 1)


# --- the summary cell ---------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}" if value % 1 else f"{value:,.0f}"


def summary(
    snap: MetricsSnapshot, table: str, index: str | None, info: TableInfo | None
) -> RenderableType:
    """Latest and peak values as text: what the charts show, readable at a glance."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("Scope", Text(table + ("" if index is None else f" / GSI {index}"), style="cyan"))
    for side in ("Read", "Write"):
        chart = capacity_chart(snap, table, index, side, info)
        consumed, prov = chart.lines[0], chart.lines[1] if len(chart.lines) > 1 else None
        now = consumed.ys[-1] if consumed.ys else None
        text = Text(f"{_num(now)} {chart.unit} now, peak {_num(max(consumed.ys, default=None))}")
        limit = prov.ys[-1] if prov is not None and prov.ys else None
        if limit:
            pct = 100 * (now or 0.0) / limit
            text.append(f", provisioned {_num(limit)}")
            text.append(f" ({pct:.0f} %)", style="bold red" if pct >= 80 else "green")
        elif chart.note:
            text.append(f" ({chart.note})", style="dim")
        grid.add_row(side, text)
    throttles = throttle_chart(snap, table, index)
    counts = {line.label: sum(line.ys) for line in throttles.lines}
    text = Text(", ".join(f"{label} {_num(n)}" for label, n in counts.items()))
    if any(counts.values()):
        text.stylize("bold red")
    grid.add_row("Throttles", text)
    grid.add_row("Limits hit", limits_hit(snap, table, index))
    errors = error_chart(snap, table)
    grid.add_row("Errors", ", ".join(f"{line.label} {_num(sum(line.ys))}" for line in errors.lines))
    latency = latency_chart(snap, table)
    grid.add_row(
        "Latency",
        ", ".join(f"{line.label} {_num(line.ys[-1])} ms" for line in latency.lines) or "no data",
    )
    grid.add_row(
        "Window",
        Text(
            f"{snap.start:%m-%d %H:%M} .. {snap.end:%m-%d %H:%M} UTC, period {_period(snap.period)},"
            f" {snap.requests} GetMetricData call{'s' if snap.requests != 1 else ''}",
            style="dim",
        ),
    )
    for message in snap.messages[:3]:
        grid.add_row("CloudWatch", Text(message, style="yellow"))
    return grid


def limits_hit(snap: MetricsSnapshot, table: str, index: str | None) -> Text:
    """Which limits throttled the table or GSI in the range: the per-reason throttle metrics
    (fetched in the same GetMetricData call). H opens the Diagnose view for more."""
    from ddbconsole.services.diagnose import summarize

    found = [
        r
        for r in summarize(snap, table, () if index is None else (index,)).reasons
        if r.index == index
    ]
    if not found:
        return Text("none", style="green")
    text = Text(
        ", ".join(f"{r.side.lower()} {LIMIT_TEXT[r.limit]} {_num(r.events)}" for r in found)
    )
    text.stylize("bold red")
    text.append("  (H: diagnose)", style="dim")
    return text


def describe_range(label: str, period: int | None) -> str:
    return f"{label}, period {'auto' if period is None else _period(period)}"


def period_choices() -> Sequence[tuple[str, int | None]]:
    from ddbconsole.services.metrics import NICE_PERIODS

    return [("auto", None), *((_period(p), p) for p in NICE_PERIODS)]
