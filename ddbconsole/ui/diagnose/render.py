"""What the Diagnose screen draws: pure functions from the diagnosis models to Rich renderables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ddbconsole.models.analysis import (
    PARTIAL_NOTE,
    STORAGE_SKEW_NOTE,
    AnalysisEstimate,
    KeyAnalysis,
)
from ddbconsole.models.diagnose import Advice, Diagnosis, InsightsStatus, RuleReport

BAR_WIDTH = 20


def share_bar(share: float, width: int = BAR_WIDTH) -> Text:
    full = max(0, min(width, round(share * width)))
    text = Text("█" * full, style="bold red" if share >= 0.5 else "cyan")
    text.append("·" * (width - full), style="dim")
    return text


def reasons(d: Diagnosis) -> RenderableType:
    s = d.summary
    head = Text(f"Why · {s.start:%m-%d %H:%M} .. {s.end:%m-%d %H:%M} UTC", style="bold")
    if not s.reasons:
        return Group(head, Text("No throttling in this range.", style="green"))
    grid = Table.grid(padding=(0, 1))
    for r in s.reasons:
        when = f"{r.first:%H:%M}..{r.last:%H:%M}" if r.first and r.last else ""
        grid.add_row(
            Text(f"{r.events:>8,.0f}", style="bold red"),
            Text(r.describe()),
            Text(f"peak {r.peak:,.0f}/{s.period // 60} min", style="dim"),
            Text(when, style="dim"),
        )
    return Group(head, grid)


def insights(statuses: Sequence[InsightsStatus], scope: str | None) -> RenderableType:
    grid = Table.grid(padding=(0, 1))
    for st in statuses:
        style = "green" if st.enabled else "yellow"
        mark = "▶" if st.index == scope else " "
        text = Text(f"{mark} Contributor Insights {st.where}: ")
        text.append(st.status, style=style)
        if st.mode:
            text.append(f" ({st.mode})", style="dim")
        if st.failure:
            text.append(f" {st.failure}", style="red")
        grid.add_row(text)
    return grid


def contributor_rows(
    reports: Sequence[RuleReport], scope: str | None
) -> Iterator[tuple[RuleReport, int, tuple[Text, ...]]]:
    """Rows of the ranked bar list: (report, rank, cells) for the reports of `scope`."""
    for report in reports:
        if report.index != scope:
            continue
        for rank, c in enumerate(report.contributors, 1):
            yield (
                report,
                rank,
                (
                    Text(report.title if rank == 1 else "", style="bold"),
                    Text(f"{rank:>2}"),
                    share_bar(c.share),
                    Text(f"{c.share:6.1%}"),
                    Text(f"{c.value:,.0f}"),
                    Text(" | ".join(c.keys), style="cyan"),
                ),
            )


def advice(items: Sequence[Advice]) -> RenderableType:
    if not items:
        return Text("What to do · nothing: no limit was hit in this range.", style="dim")
    parts: list[RenderableType] = [Text("What to do", style="bold")]
    for a in items:
        parts.append(Text(f"▸ {a.title}", style="bold yellow"))
        parts.append(Text(f"  {a.detail}"))
    parts.append(Text("Advice only: nothing is changed until you make the change.", style="dim"))
    return Group(*parts)


def estimate(e: AnalysisEstimate) -> RenderableType:
    return Group(
        Text(e.describe() + "."),
        Text(
            "Consumes read capacity like any Scan (eventually consistent: half a unit per 4 KB).",
            style="dim",
        ),
        Text(STORAGE_SKEW_NOTE, style="dim"),
    )


def analysis(a: KeyAnalysis) -> RenderableType:
    where = a.table if a.index is None else f"{a.table} / {a.index}"
    cover = "whole table" if a.complete else f"sample, {a.coverage or 0:.0%} of ~{a.table_items:,}"
    head = Text(
        f"Key analysis · {where}: {a.items:,} items ({cover}), {a.rcu:,.1f} RCU", style="bold"
    )
    if a.cancelled:
        head.append(" (cancelled)", style="yellow")
    lines: list[RenderableType] = [head]
    if a.hottest is not None:
        h = a.hottest
        lines.append(Text(f"Hottest by items: {h.key}: {h.items:,} items, {h.share:.1%}"))
    grid = Table.grid(padding=(0, 1))
    for k in a.top_by_items[:5]:
        grid.add_row(
            share_bar(k.share),
            Text(f"{k.share:6.1%} {k.items:>8,} items"),
            Text(k.key, style="cyan"),
        )
    for k in a.top_by_bytes[:3]:
        grid.add_row(
            share_bar(k.share),
            Text(f"{k.share:6.1%} {k.bytes:>8,} bytes"),
            Text(k.key, style="cyan"),
        )
    lines.append(grid)
    lines.append(Text(f"{a.cardinality:,} distinct partition keys in the sample"))
    if a.largest:
        big = a.largest[0]
        lines.append(Text(f"Largest item {big.bytes:,} bytes of 400 KB: {big.key}"))
    if a.has_lsi and a.collections:
        c = a.collections[0]
        lines.append(Text(f"Largest item collection {c.bytes / 1024**3:.6f} GB of 10 GB: {c.key}"))
    if not a.complete:
        lines.append(Text(PARTIAL_NOTE, style="dim"))
    lines.append(Text(STORAGE_SKEW_NOTE, style="dim"))
    return Group(*lines)
