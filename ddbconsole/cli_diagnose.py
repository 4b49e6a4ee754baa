"""Throttling and hot keys from the command line, over the same services as the Diagnose view.

    ddbconsole diagnose Orders --range 15m            # which limit, which key, what to do
    ddbconsole hot-keys Orders --index ByStatus --top 5 --output json   # Contributor Insights
    ddbconsole analyze Orders --sample-items 50000    # sampled key analysis (storage skew)
    ddbconsole analyze Orders --max-rcu 200 --output json

A table for people, JSON for scripts. `analyze` prints what it will read and cost on stderr before it
starts, its progress on stderr while it runs (on a terminal), and the hottest partition key first.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ddbconsole.errors import DdbConsoleError, UserInputError
from ddbconsole.models.analysis import PARTIAL_NOTE, STORAGE_SKEW_NOTE, KeyAnalysis
from ddbconsole.models.diagnose import Diagnosis, RuleReport

if TYPE_CHECKING:
    from ddbconsole.services import Services

RANGE_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
DEFAULT_SAMPLE = 10_000
BAR = 24


def parse_range(text: str) -> int:
    """`15m`, `1h`, `3d`, `2w` -> seconds, between 15 minutes and 14 days."""
    value, unit = text.strip()[:-1], text.strip()[-1:].lower()
    if unit not in RANGE_UNITS or not value.isdigit():
        raise UserInputError(f"Invalid --range {text!r}", "give e.g. 15m, 1h, 12h, 3d or 2w")
    seconds = int(value) * RANGE_UNITS[unit]
    if not 900 <= seconds <= 14 * 86400:
        raise UserInputError(f"Invalid --range {text!r}", "choose between 15m and 14d")
    return seconds


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _dump(value: Any) -> str:
    return json.dumps(
        dataclasses.asdict(value), indent=2, default=_json_default, ensure_ascii=False
    )


def bar(share: float, width: int = BAR) -> str:
    full = max(0, min(width, round(share * width)))
    return "█" * full + "·" * (width - full)


def report_lines(report: RuleReport) -> list[str]:
    where = report.table if report.index is None else f"{report.table} / GSI {report.index}"
    unique = f", {report.unique:,} distinct" if report.unique is not None else ""
    out = [f"{report.title} ({where}): {report.aggregate:,.0f} in all{unique}"]
    if not report.contributors:
        out.append("  (none in this range)")
    for n, c in enumerate(report.contributors, 1):
        key = " | ".join(c.keys)
        out.append(f"  {n:>2}. {bar(c.share)} {c.share:6.1%} {c.value:>10,.0f}  {key}")
    return out


def diagnosis_lines(d: Diagnosis) -> list[str]:
    s = d.summary
    out = [f"{d.table}: {s.start:%m-%d %H:%M} .. {s.end:%m-%d %H:%M} UTC"]
    if not s.reasons:
        out.append("No throttling in this range.")
    for r in s.reasons:
        when = f", {r.first:%H:%M}..{r.last:%H:%M} UTC" if r.first and r.last else ""
        out.append(f"  THROTTLED {r.events:,.0f} events: {r.describe()}{when}")
    for status in d.insights:
        mode = f" ({status.mode})" if status.mode else ""
        out.append(f"Contributor Insights {status.where}: {status.status}{mode}")
    for report in d.reports:
        out += report_lines(report)
    for advice in d.advice:
        out += [f"DO: {advice.title}", f"    {advice.detail}"]
    out += [f"note: {n}" for n in d.notes]
    return out


def analysis_lines(a: KeyAnalysis) -> list[str]:
    where = a.table if a.index is None else f"{a.table} / {a.index}"
    cover = (
        "the whole table"
        if a.complete
        else f"a sample ({a.coverage or 0:.0%} of ~{a.table_items:,})"
    )
    out = []
    if a.hottest is not None:
        h = a.hottest
        out.append(
            f"Hottest partition key: {h.key}  {h.items:,} items ({h.share:.1%} of the sample)"
        )
    out += [
        f"{where}: {a.items:,} items, {a.bytes:,} bytes read from {cover}"
        + (" (cancelled)" if a.cancelled else ""),
        f"  {a.rcu:,.1f} RCU ({a.server_rcu:,.1f} as the server reported), {a.requests:,} requests,"
        f" {a.elapsed:.1f} s",
        f"  {a.cardinality:,} distinct values of {a.partition_key}",
        "Top partition keys by items:",
    ]
    out += [f"  {bar(k.share)} {k.share:6.1%} {k.items:>9,}  {k.key}" for k in a.top_by_items]
    out.append("Top partition keys by bytes:")
    out += [f"  {bar(k.share)} {k.share:6.1%} {k.bytes:>11,}  {k.key}" for k in a.top_by_bytes]
    if a.has_lsi:
        out.append("Item collections (table items; the LSIs' copies add to them) vs 10 GB:")
        out += [f"  {k.bytes / 1024**3:10.6f} GB  {k.key}" for k in a.collections]
    out.append("Item sizes:")
    for upper, n in a.size_histogram:
        label = f"<= {upper // 1024:,} KB" if upper else "> 400 KB"
        out.append(f"  {label:>10} {n:>9,}")
    out.append("Largest items (limit 400 KB):")
    out += [f"  {i.bytes:>9,} B  {i.key}" for i in a.largest]
    out.append("Attributes (share of items carrying each):")
    out += [f"  {share:6.1%}  {name}" for name, share in a.attribute_share]
    if not a.complete:
        out.append(PARTIAL_NOTE)
    out.append(STORAGE_SKEW_NOTE)
    return out


# --- commands ----------------------------------------------------------------------------------


async def cmd_diagnose(services: Services, args: argparse.Namespace) -> int:
    table = await services.tables.describe(args.table)
    d = await services.diagnose.diagnose(table, range_seconds=parse_range(args.range), top=args.top)
    print(_dump(d) if args.output == "json" else "\n".join(diagnosis_lines(d)))
    return 0


async def cmd_hot_keys(services: Services, args: argparse.Namespace) -> int:
    table = await services.tables.describe(args.table)
    if args.index is not None and args.index not in {i.name for i in table.gsis}:
        raise UserInputError(f"{args.table} has no global secondary index {args.index!r}")
    status = await services.hotkeys.status(table.name, args.index)
    reports, notes = await services.hotkeys.reports(
        [status], range_seconds=parse_range(args.range), top=args.top
    )
    if args.output == "json":
        payload = {
            "status": dataclasses.asdict(status),
            "reports": [dataclasses.asdict(r) for r in reports],
        }
        print(json.dumps(payload, indent=2, default=_json_default, ensure_ascii=False))
    else:
        for report in reports:
            print("\n".join(report_lines(report)))
    if not status.enabled:
        where = table.name + (f" --index-name {args.index}" if args.index else "")
        raise DdbConsoleError(
            notes[0] if notes else f"Contributor Insights is off for {status.where}",
            "turn it on in the console's Diagnose view, or: aws dynamodb "
            f"update-contributor-insights --table-name {where} --contributor-insights-action ENABLE",
        )
    for note in notes:
        print(f"ddbconsole: {note}", file=sys.stderr)
    return 0


async def cmd_analyze(services: Services, args: argparse.Namespace) -> int:
    from ddbconsole.models.analysis import AnalysisBudget

    table = await services.tables.describe(args.table)
    items = args.sample_items
    if items is None and args.max_rcu is None:
        items = DEFAULT_SAMPLE
    budget = AnalysisBudget(
        max_items=items, max_rcu=args.max_rcu, segments=args.segments, top=args.top
    )
    estimate = services.analysis.estimate(table, budget, args.index)
    print(f"ddbconsole: {estimate.describe()}", file=sys.stderr, flush=True)
    tty = sys.stderr.isatty()

    def progress(state: Any) -> None:
        if tty:
            print(f"\r{state.describe()}   ", end="", file=sys.stderr, flush=True)

    result = await services.analysis.analyze(table, budget, index=args.index, progress=progress)
    if tty:
        print(file=sys.stderr)
    print(_dump(result) if args.output == "json" else "\n".join(analysis_lines(result)))
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _units(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0.5:
        raise argparse.ArgumentTypeError("must be at least 0.5")
    return value


def add_diagnose_commands(subparsers: Any) -> None:
    outputs = ("table", "json")
    diagnose = subparsers.add_parser(
        "diagnose", help="why a table is throttled, which key is hot, and what to do"
    )
    diagnose.add_argument("table")
    diagnose.add_argument("--range", default="1h", help="15m .. 14d (default 1h)")
    diagnose.add_argument("--top", type=_positive, default=10)
    diagnose.add_argument("--output", choices=outputs, default="table")
    diagnose.set_defaults(run=cmd_diagnose)

    hot = subparsers.add_parser(
        "hot-keys", help="Contributor Insights: the most accessed and throttled keys"
    )
    hot.add_argument("table")
    hot.add_argument("--index", help="a global secondary index (default: the table)")
    hot.add_argument("--range", default="1h", help="15m .. 14d (default 1h)")
    hot.add_argument("--top", type=_positive, default=10)
    hot.add_argument("--output", choices=outputs, default="table")
    hot.set_defaults(run=cmd_hot_keys)

    analyze = subparsers.add_parser(
        "analyze", help="sampled key analysis: how items and bytes spread over partition keys"
    )
    analyze.add_argument("table")
    analyze.add_argument("--index", help="analyze a secondary index instead of the table")
    budget = analyze.add_mutually_exclusive_group()
    budget.add_argument(
        "--sample-items", type=_positive, help=f"read at most N items (default {DEFAULT_SAMPLE:,})"
    )
    budget.add_argument("--max-rcu", type=_units, help="read at most N read capacity units")
    analyze.add_argument("--segments", type=_positive, default=4, help="parallel scan segments")
    analyze.add_argument("--top", type=_positive, default=10)
    analyze.add_argument("--output", choices=outputs, default="table")
    analyze.set_defaults(run=cmd_analyze)
