"""The cost what-if of a table's capacity choices: pure arithmetic over consumed capacity, no I/O.

Input: for the table and each GSI, the consumed read/write capacity hour by hour (per-second averages
of each hour, i.e. CloudWatch's hourly Sum / 3600), optionally with per-minute peaks. Output: a
`CostEstimate` with the monthly cost (730 hours) of

* **on-demand**: every consumed capacity unit is one request unit. CloudWatch's consumed capacity
  already counts an eventually consistent 4 KB read as 0.5, a transactional one as 2, exactly as
  request units are billed, so hourly units = per-second average x 3600. Cost = units x price / 10^6.
* **provisioned at the current capacity** (when the table is provisioned) and **at the suggested
  capacity** (`suggest_capacity`): capacity x hourly price x 730, whatever the history length.
* **provisioned with auto scaling**: `simulate_autoscaling`, hour by hour; each hour is billed at its
  capacity.

An hour is "throttled" when consumption (the per-minute peak when known, else the hourly average)
exceeds the capacity of that hour; `recommended` is the cheapest option without throttled hours.
The simplifications are listed in `CostEstimate.assumptions` so the UI can show them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ddbconsole.config import PRICE_KEYS
from ddbconsole.errors import UserInputError
from ddbconsole.models import (
    AutoScalingSettings,
    CostEstimate,
    CostOption,
    CostOptionKind,
    Prices,
    ResourceUsage,
    ScalingSide,
    Throughput,
)

HOURS_PER_MONTH = 730
SECONDS_PER_HOUR = 3600
DEFAULT_TARGET = 70.0  # percent: AWS console's default target utilisation
DEFAULT_REGION = "us-east-1"
# DynamoDB: 4 decreases at any time in a UTC day, then one per hour without a decrease in the hour
# before (27 a day at most).
FREE_DECREASES_PER_DAY = 4

# us-east-1 list prices, standard table class (on-demand after the November 2024 price cut).
DEFAULT_PRICES: Mapping[str, Prices] = {
    "us-east-1": Prices(
        region="us-east-1",
        on_demand_read_per_million=0.125,
        on_demand_write_per_million=0.625,
        rcu_hour=0.00013,
        wcu_hour=0.00065,
    ),
}

ResourceSide = tuple[str | None, ScalingSide]


def prices_for(
    region: str | None, overrides: Mapping[str, Mapping[str, float]] | None = None
) -> Prices:
    """The prices of `region`: the built-in table, then the config's `prices.<region>` overrides.

    A region missing from the built-in table uses us-east-1's prices (source "fallback") unless the
    config gives its own.
    """
    region = region or DEFAULT_REGION
    base = DEFAULT_PRICES.get(region)
    source = "default"
    if base is None:
        base, source = DEFAULT_PRICES[DEFAULT_REGION], "fallback"
    override = (overrides or {}).get(region) or {}
    values = {k: float(v) for k, v in override.items() if k in PRICE_KEYS}
    if values:
        source = "config"
    return replace(base, region=region, source=source, **values)  # type: ignore[arg-type]


def _ceil(value: float) -> int:
    # Round first so that 7 / 0.7 = 10.000000000000002 suggests 10, not 11.
    return math.ceil(round(value, 6))


def suggest_capacity(
    hourly: Sequence[float], peaks: Sequence[float] | None = None, target: float = DEFAULT_TARGET
) -> int:
    """Provisioned capacity for one side: the highest hourly average / target utilisation, at least
    the highest per-minute peak when known, rounded up, at least 1."""
    need = max(hourly, default=0.0) / (target / 100.0)
    if peaks:
        need = max(need, max(peaks))
    return max(1, _ceil(need))


def simulate_autoscaling(
    consumed: Sequence[float], settings: AutoScalingSettings
) -> tuple[int, ...]:
    """The capacity target tracking would have set, hour by hour (a simplification).

    * desired(h) = consumed(h) / target, rounded up, within min..max;
    * the first hour starts at its desired capacity (as if settled);
    * scale-out is immediate: the hour runs (and is billed) at the higher capacity;
    * scale-in waits for a whole hour below target: capacity drops to the larger of this hour's and
      the previous hour's desired capacity;
    * decreases per day (24-hour blocks from the start of the history): the first 4 at any time,
      then one only if the hour before had none (DynamoDB allows one per hour without a decrease in
      the last hour; with hourly steps "the previous step" is the conservative reading).
    """
    lo, hi = settings.min_capacity, max(settings.min_capacity, settings.max_capacity)
    desired = [min(hi, max(lo, 1, _ceil(c / (settings.target / 100.0)))) for c in consumed]
    out: list[int] = []
    current = 0
    decreases = 0
    last_decrease = -2
    for hour, want in enumerate(desired):
        if hour % 24 == 0:
            decreases = 0
        if hour == 0 or want > current:
            current = want
        else:
            lagged = max(want, desired[hour - 1])
            allowed = decreases < FREE_DECREASES_PER_DAY or last_decrease != hour - 1
            if lagged < current and allowed:
                current = lagged
                decreases += 1
                last_decrease = hour
        out.append(current)
    return tuple(out)


def throttled_hours(
    consumed: Sequence[float], capacity: Sequence[int], peaks: Sequence[float] | None = None
) -> set[int]:
    """Hours where consumption (the per-minute peak when known) exceeded the capacity."""
    demand = peaks if peaks is not None else consumed
    return {h for h, (d, c) in enumerate(zip(demand, capacity, strict=True)) if d > c + 1e-9}


def _sides(
    res: ResourceUsage,
) -> list[tuple[ScalingSide, tuple[float, ...], tuple[float, ...] | None]]:
    return [("read", res.read, res.read_peak), ("write", res.write, res.write_peak)]


def _validate(usage: Sequence[ResourceUsage]) -> int:
    if not usage:
        raise UserInputError("No consumed-capacity history", "there is nothing to estimate from")
    hours = usage[0].hours
    for res in usage:
        lengths = {len(res.read), len(res.write)}
        lengths |= {len(p) for p in (res.read_peak, res.write_peak) if p is not None}
        if lengths != {hours}:
            raise UserInputError(
                "Inconsistent consumed-capacity history",
                f"{res.index or 'table'}: every series must cover the same {hours} hours",
            )
    if hours == 0:
        raise UserInputError("No consumed-capacity history", "the history holds no hours")
    return hours


def _label(index: str | None) -> str:
    return index or "table"


def _fixed_option(
    kind: CostOptionKind,
    label: str,
    usage: Sequence[ResourceUsage],
    capacity: Mapping[ResourceSide, int],
    prices: Prices,
) -> CostOption:
    hours = usage[0].hours
    read = sum(capacity[(r.index, "read")] for r in usage) * prices.rcu_hour * HOURS_PER_MONTH
    write = sum(capacity[(r.index, "write")] for r in usage) * prices.wcu_hour * HOURS_PER_MONTH
    throttled: set[int] = set()
    for res in usage:
        for side, consumed, peaks in _sides(res):
            throttled |= throttled_hours(consumed, [capacity[(res.index, side)]] * hours, peaks)
    detail = ", ".join(
        f"{_label(r.index)} {capacity[(r.index, 'read')]} RCU / {capacity[(r.index, 'write')]} WCU"
        for r in usage
    )
    return CostOption(kind, label, read + write, read, write, len(throttled), detail)


def estimate(
    usage: Sequence[ResourceUsage],
    prices: Prices,
    *,
    billing_mode: str | None = None,
    current_provisioned: Mapping[str | None, Throughput] | None = None,
    autoscaling: Mapping[ResourceSide, AutoScalingSettings] | None = None,
    default_autoscaling: AutoScalingSettings | None = None,
    target: float = DEFAULT_TARGET,
) -> CostEstimate:
    """Estimate the monthly cost of each capacity choice over `usage` (the table and its GSIs).

    `current_provisioned`: the table's capacities now (adds the "provisioned-current" option).
    `autoscaling`: the table's auto scaling settings per (index, side); sides without settings are
    simulated with `default_autoscaling` (AWS console defaults: min 5, target 70 %, max 40,000).
    """
    hours = _validate(usage)
    scale = HOURS_PER_MONTH / hours
    options: list[CostOption] = []

    # On-demand: request units = per-second average x 3600, per hour.
    read_units = sum(sum(r.read) for r in usage) * SECONDS_PER_HOUR
    write_units = sum(sum(r.write) for r in usage) * SECONDS_PER_HOUR
    od_read = read_units * scale * prices.on_demand_read_per_million / 1e6
    od_write = write_units * scale * prices.on_demand_write_per_million / 1e6
    options.append(
        CostOption(
            "on-demand",
            "On-demand",
            od_read + od_write,
            od_read,
            od_write,
            0,
            f"{read_units * scale:,.0f} read and {write_units * scale:,.0f} write request units "
            "a month",
        )
    )

    if current_provisioned and billing_mode != "PAY_PER_REQUEST":
        current_caps: dict[ResourceSide, int] = {}
        for res in usage:
            tp = current_provisioned.get(res.index) or Throughput()
            current_caps[(res.index, "read")] = tp.read or 0
            current_caps[(res.index, "write")] = tp.write or 0
        options.append(
            _fixed_option(
                "provisioned-current", "Provisioned (current)", usage, current_caps, prices
            )
        )

    suggested: dict[ResourceSide, int] = {}
    for res in usage:
        for side, consumed, peaks in _sides(res):
            suggested[(res.index, side)] = suggest_capacity(consumed, peaks, target)
    options.append(
        _fixed_option("provisioned-suggested", "Provisioned (suggested)", usage, suggested, prices)
    )

    # Auto scaling: simulate each side of each resource.
    defaults = default_autoscaling or AutoScalingSettings(target=target)
    known = dict(autoscaling or {})
    as_read = as_write = 0.0
    as_throttled: set[int] = set()
    details: list[str] = []
    for res in usage:
        for side, consumed, peaks in _sides(res):
            settings = known.get((res.index, side), defaults)
            caps = simulate_autoscaling(consumed, settings)
            as_throttled |= throttled_hours(consumed, caps, peaks)
            if side == "read":
                as_read += sum(caps) * prices.rcu_hour * scale
            else:
                as_write += sum(caps) * prices.wcu_hour * scale
            origin = "current" if (res.index, side) in known else "default"
            details.append(
                f"{_label(res.index)} {side} {settings.min_capacity}..{settings.max_capacity} "
                f"at {settings.target:g} % ({origin}), average {sum(caps) / hours:.1f}"
            )
    options.append(
        CostOption(
            "autoscaling",
            "Provisioned with auto scaling",
            as_read + as_write,
            as_read,
            as_write,
            len(as_throttled),
            "; ".join(details),
        )
    )

    current: CostOptionKind | None = None
    if billing_mode == "PAY_PER_REQUEST":
        current = "on-demand"
    elif billing_mode == "PROVISIONED" and known:
        current = "autoscaling"
    elif billing_mode == "PROVISIONED" and current_provisioned:
        current = "provisioned-current"
    fine = [o for o in options if not o.throttled]
    recommended = min(fine, key=lambda o: o.monthly).kind if fine else None
    return CostEstimate(
        region=prices.region,
        prices=prices,
        hours=hours,
        options=tuple(options),
        current=current,
        recommended=recommended,
        assumptions=assumptions(prices, hours, target),
    )


def assumptions(prices: Prices, hours: int, target: float = DEFAULT_TARGET) -> tuple[str, ...]:
    source = {
        "default": "built-in list prices",
        "config": "prices from the config file",
        "fallback": f"no built-in prices for {prices.region}: us-east-1 list prices "
        "(set prices in the config)",
    }.get(prices.source, prices.source)
    return (
        f"Based on {hours} hours of consumed capacity (hourly averages), scaled to a month of "
        f"{HOURS_PER_MONTH} hours.",
        f"Prices for {prices.region} ({source}): on-demand ${prices.on_demand_read_per_million:g} "
        f"per million read and ${prices.on_demand_write_per_million:g} per million write request "
        f"units; provisioned ${prices.rcu_hour:g} per RCU-hour and ${prices.wcu_hour:g} per "
        "WCU-hour. Standard table class; storage, backups, streams, replicas, data transfer, "
        "free tier and reserved capacity are not included.",
        "On-demand: each consumed capacity unit is billed as one request unit; the on-demand "
        "maximum throughput and the warm-up of new peaks are ignored.",
        f"Provisioned (suggested): the highest hourly average / {target:g} % target utilisation, "
        "at least the highest per-minute peak when known, rounded up, at least 1.",
        "Auto scaling: simulated hour by hour: capacity = consumption / target within min..max; "
        "scale-out takes effect in the same hour (AWS needs a few minutes, usually covered by "
        "burst capacity); scale-in only after a whole hour below target, and after 4 decreases "
        "in a day only every other hour; each hour is billed at its capacity.",
        "Throttling: an hour counts as throttled when consumption (the per-minute peak when "
        "known, else the hourly average) exceeds that hour's capacity; burst and adaptive "
        "capacity and hot partitions are not modelled.",
    )
