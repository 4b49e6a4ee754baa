"""What to do about throttling: one concrete next step per finding, with its numbers.

Pure arithmetic over what the Diagnose view already read (the per-reason throttle metrics, the
table's capacity settings, the hot keys); it never sends anything (docs/ARCHITECTURE.md, "Diagnose").

* Demand is what was served plus what was refused: consumed units per second plus throttle events
  per second (each refused request wanted at least one unit), at the busiest period of the range.
* Capacity, the on-demand maximum and quotas are suggested so that demand runs at TARGET_UTILISATION
  (70 %, auto scaling's usual target): ceil(demand / 0.7).
* A hot key (a key range limit) is sharded: one partition serves at most 3,000 read units and 1,000
  write units per second, so a key whose demand is D units/s needs ceil(D / (limit x 0.8)) suffixes
  (80 % of the limit, leaving room for bursts), and at least 2 since the key was throttled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ddbconsole.models import TableInfo
from ddbconsole.models.diagnose import Advice, ReasonCount, RuleReport, ThrottleSummary

PARTITION_LIMITS = {"Read": 3000.0, "Write": 1000.0}  # units per second per partition
TARGET_UTILISATION = 0.7
SHARD_HEADROOM = 0.8
DEFAULT_TABLE_QUOTA = 40_000  # read or write units per second per table (default account quota)


def demand_per_second(consumed_peak: float, events_peak: float, period: int) -> float:
    """Units per second wanted at the busiest period: served plus refused."""
    return consumed_peak + events_peak / max(1, period)


def suggested_capacity(demand: float) -> int:
    """The capacity at which `demand` runs at TARGET_UTILISATION."""
    return max(1, math.ceil(demand / TARGET_UTILISATION - 1e-9))


def shard_count(key_demand: float, side: str) -> int:
    """Suffixes for a hot key wanting `key_demand` units/s of `side` (Read or Write)."""
    limit = PARTITION_LIMITS[side] * SHARD_HEADROOM
    return max(2, math.ceil(key_demand / limit - 1e-9))


def key_demand(report: RuleReport, key: str, throttled: RuleReport | None = None) -> float:
    """A key's busiest period in the report (plus its throttled requests), per second: at least
    one unit per request."""

    def peak(r: RuleReport | None) -> float:
        if r is None:
            return 0.0
        return max((c.peak for c in r.contributors if c.keys and c.keys[0] == key), default=0.0)

    return (peak(report) + (peak(throttled) if throttled is not report else 0.0)) / max(
        1, report.period
    )


def _reports_for(reports: Sequence[RuleReport], index: str | None) -> tuple[RuleReport | None, ...]:
    def find(kind: str) -> RuleReport | None:
        return next((r for r in reports if r.kind == kind and r.index == index), None)

    return find("PKT"), find("PKC")


def _capacity_of(table: TableInfo, index: str | None, side: str) -> tuple[int | None, int | None]:
    """(provisioned, on-demand maximum) of the table or GSI for `side`."""
    if index is None:
        prov, odm = table.provisioned, table.on_demand_max
    else:
        try:
            gsi = table.index(index)
        except KeyError:
            return None, None
        prov, odm = gsi.provisioned, gsi.on_demand_max

    def pick(t: object) -> int | None:
        value = getattr(t, "read" if side == "Read" else "write", None) if t else None
        return value if isinstance(value, int) and value > 0 else None

    return pick(prov), pick(odm)


def advise(
    table: TableInfo,
    summary: ThrottleSummary,
    reports: Sequence[RuleReport] = (),
) -> tuple[Advice, ...]:
    """One piece of advice per (resource, side, limit) that throttled, most events first."""
    out: list[Advice] = []
    for reason in summary.reasons:
        out.append(_one(table, summary, reason, reports))
    return tuple(out)


def _one(
    table: TableInfo, summary: ThrottleSummary, reason: ReasonCount, reports: Sequence[RuleReport]
) -> Advice:
    side, where = reason.side, reason.where
    scope = f"{reason.table}/{reason.index}" if reason.index else reason.table
    consumed = summary.consumed.get(f"{scope}:{side}", 0.0)
    demand = demand_per_second(consumed, reason.peak, summary.period)
    unit = "RCU" if side == "Read" else "WCU"
    numbers = {
        "consumed_per_second": round(consumed, 2),
        "throttle_events": reason.events,
        "demand_per_second": round(demand, 2),
    }
    if reason.limit == "KeyRangeThroughput":
        return _shard(reason, reports, numbers)
    suggested = suggested_capacity(demand)
    numbers["suggested"] = suggested
    provisioned, odm = _capacity_of(table, reason.index, side)
    if reason.limit == "ProvisionedThroughput":
        current = summary.provisioned.get(f"{scope}:{side}") or provisioned or 0.0
        numbers["provisioned"] = current
        suggested = max(suggested, int(current) + 1)
        numbers["suggested"] = suggested
        return Advice(
            "raise-provisioned",
            f"Raise {where}'s {side.lower()} capacity to {suggested:,} {unit}",
            f"demand peaked at ~{demand:,.1f} {unit}/s against {current:,.0f} provisioned "
            f"({reason.events:,.0f} throttle events); {suggested:,} runs it at "
            f"{TARGET_UTILISATION:.0%}. With auto scaling, raise its maximum to at least "
            f"{suggested:,} instead (Capacity tab: w throughput, a auto scaling).",
            where,
            numbers,
        )
    if reason.limit == "MaxOnDemandThroughput":
        numbers["on_demand_max"] = float(odm or 0)
        return Advice(
            "raise-on-demand-max",
            f"Raise {where}'s on-demand maximum {side.lower()} to {suggested:,} units/s",
            f"demand peaked at ~{demand:,.1f} units/s against a maximum of {odm or '?'} "
            f"({reason.events:,.0f} throttle events) (Capacity tab: m on-demand max).",
            where,
            numbers,
        )
    quota = max(suggested, DEFAULT_TABLE_QUOTA)
    numbers["quota_request"] = quota
    return Advice(
        "account-quota",
        f"Request a higher per-table {side.lower()} quota (at least {quota:,} units/s)",
        f"{where} hit the account's per-table {side.lower()} throughput quota "
        f"({reason.events:,.0f} throttle events, demand ~{demand:,.1f} units/s): ask Service "
        "Quotas for DynamoDB 'Table-level read/write throughput limit' in this region.",
        where,
        numbers,
    )


def _shard(reason: ReasonCount, reports: Sequence[RuleReport], numbers: dict[str, float]) -> Advice:
    side, where = reason.side, reason.where
    throttled, accessed = _reports_for(reports, reason.index)
    source = throttled if throttled is not None and throttled.contributors else accessed
    if source is None or not source.contributors:
        return Advice(
            "shard-key",
            f"Find and shard {where}'s hot partition key",
            f"{reason.events:,.0f} {side.lower()}s hit one partition's limit "
            f"({PARTITION_LIMITS[side]:,.0f} units/s). Turn Contributor Insights on (or run a "
            "sampled key analysis) to name the key, then write to KEY#<n> and read by querying "
            "the n shards.",
            where,
            numbers,
        )
    key = source.contributors[0].keys[0]
    other = accessed if source is throttled else throttled
    demand = key_demand(source, key, other)
    shards = shard_count(demand, side)
    numbers.update(
        key_demand_per_second=round(demand, 2),
        partition_limit=PARTITION_LIMITS[side],
        key_share=round(source.contributors[0].share, 4),
    )
    return Advice(
        "shard-key",
        f"Shard the hot key {key!r} of {where} into {shards} suffixes",
        f"{key!r} takes {source.contributors[0].share:.0%} of {source.title} and wanted "
        f"~{demand:,.1f} {side.lower()} units/s at its peak; one partition serves "
        f"{PARTITION_LIMITS[side]:,.0f}/s. Write to '{key}#<n>' (n = 0..{shards - 1}, e.g. a hash "
        f"of the sort key mod {shards}) and read by querying the {shards} shards and merging.",
        where,
        numbers,
        shards=shards,
        key=key,
    )
