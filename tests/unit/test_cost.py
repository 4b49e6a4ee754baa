"""The cost what-if on fixed histories. Every expected number is worked out by hand in the comments.

Prices (us-east-1 defaults): on-demand $0.125 per million read request units (RRU) and $0.625 per
million write request units (WRU); provisioned $0.00013 per RCU-hour and $0.00065 per WCU-hour.
A month is 730 hours; the histories here are 24 hours long, so history totals scale by 730 / 24.
"""

from __future__ import annotations

import pytest

from ddbconsole.errors import UserInputError
from ddbconsole.models import AutoScalingSettings, ResourceUsage, Throughput
from ddbconsole.services.cost import (
    estimate,
    prices_for,
    simulate_autoscaling,
    suggest_capacity,
)

PRICES = prices_for("us-east-1")
H = 24
approx = pytest.approx


def table(read: list[float], write: list[float], **kw: tuple[float, ...]) -> ResourceUsage:
    return ResourceUsage(index=None, read=tuple(read), write=tuple(write), **kw)


def test_default_prices_and_overrides() -> None:
    assert (PRICES.on_demand_read_per_million, PRICES.on_demand_write_per_million) == (0.125, 0.625)
    assert (PRICES.rcu_hour, PRICES.wcu_hour, PRICES.source) == (0.00013, 0.00065, "default")
    assert prices_for(None).region == "us-east-1"
    other = prices_for("eu-central-1")
    assert other.source == "fallback" and other.rcu_hour == 0.00013
    mine = prices_for("eu-west-1", {"eu-west-1": {"rcu_hour": 0.000147}})
    assert (mine.source, mine.rcu_hour, mine.wcu_hour) == ("config", 0.000147, 0.00065)


def test_steady_load() -> None:
    # 10 RCU/s and 2 WCU/s every hour of the day.
    usage = [table([10.0] * H, [2.0] * H)]
    est = estimate(
        usage, PRICES, billing_mode="PROVISIONED", current_provisioned={None: Throughput(5, 5)}
    )
    on_demand = est.option("on-demand")
    assert on_demand is not None
    # reads: 10/s x 3600 s x 24 h = 864,000 RRU a day -> x 730/24 = 26,280,000 a month
    #        26.28 million x $0.125 = $3.285
    # writes: 2/s x 3600 x 24 = 172,800 WRU -> x 730/24 = 5,256,000 -> 5.256 x $0.625 = $3.285
    assert on_demand.read_monthly == approx(3.285)
    assert on_demand.write_monthly == approx(3.285)
    assert on_demand.monthly == approx(6.57)
    assert on_demand.throttled_hours == 0

    # Current 5/5: 5 x 0.00013 x 730 = $0.4745 + 5 x 0.00065 x 730 = $2.3725 -> $2.847,
    # but 10 RCU/s > 5 in all 24 hours: throttled.
    current = est.option("provisioned-current")
    assert current is not None
    assert current.monthly == approx(2.847)
    assert current.throttled_hours == 24

    # Suggested: ceil(10 / 0.7) = ceil(14.29) = 15 RCU, ceil(2 / 0.7) = ceil(2.86) = 3 WCU
    # 15 x 0.00013 x 730 = $1.4235; 3 x 0.00065 x 730 = $1.4235 -> $2.847, no throttling.
    suggested = est.option("provisioned-suggested")
    assert suggested is not None
    assert suggested.detail == "table 15 RCU / 3 WCU"
    assert suggested.read_monthly == approx(1.4235)
    assert suggested.write_monthly == approx(1.4235)
    assert suggested.monthly == approx(2.847)
    assert not suggested.throttled

    # Auto scaling with the defaults (min 5, target 70 %): reads settle at 15, writes want 3 but
    # stay at the minimum 5: 1.4235 + 5 x 0.00065 x 730 = 1.4235 + 2.3725 = $3.796.
    scaling = est.option("autoscaling")
    assert scaling is not None
    assert scaling.monthly == approx(3.796)
    assert scaling.throttled_hours == 0

    assert est.current == "provisioned-current"
    # Suggested and current cost the same, but current throttles: the suggestion wins.
    assert est.recommended == "provisioned-suggested"
    assert est.hours == 24
    assert any("730 hours" in a for a in est.assumptions)
    assert any("$0.125 per million read" in a for a in est.assumptions)


def test_spiky_load() -> None:
    # 1 RCU/s for 23 hours and 100 RCU/s in hour 10; no writes. Auto scaling 5..100 at 70 %.
    read = [1.0] * H
    read[10] = 100.0
    usage = [table(read, [0.0] * H)]
    settings = AutoScalingSettings(min_capacity=5, max_capacity=100, target=70.0)
    est = estimate(
        usage,
        PRICES,
        billing_mode="PROVISIONED",
        autoscaling={(None, "read"): settings, (None, "write"): settings},
    )
    # On-demand: (23 x 1 + 100) x 3600 = 442,800 RRU a day -> x 730/24 = 13,468,500 a month
    # -> 13.4685 x $0.125 = $1.6835625. Nothing written: $0.
    on_demand = est.option("on-demand")
    assert on_demand is not None
    assert on_demand.monthly == approx(1.6835625)

    # Suggested: ceil(100 / 0.7) = ceil(142.86) = 143 RCU; writes 0 -> the minimum 1 WCU.
    # 143 x 0.00013 x 730 = $13.5707 + 1 x 0.00065 x 730 = $0.4745 -> $14.0452
    suggested = est.option("provisioned-suggested")
    assert suggested is not None
    assert suggested.monthly == approx(14.0452)

    # Auto scaling, read: desired = ceil(1 / 0.7) = 2 -> min 5 in quiet hours; 143 -> max 100 in
    # hour 10 (scale-out in the same hour); hour 11 keeps 100 (scale-in waits a whole low hour);
    # hour 12 back to 5. RCU-hours: 10 x 5 + 100 + 100 + 12 x 5 = 310.
    # Writes: 24 x 5 = 120 WCU-hours.
    # (310 x 0.00013 + 120 x 0.00065) x 730/24 = (0.0403 + 0.078) x 30.41667 = $3.59829
    caps = simulate_autoscaling(read, settings)
    assert caps == (5,) * 10 + (100, 100) + (5,) * 12
    scaling = est.option("autoscaling")
    assert scaling is not None
    assert scaling.read_monthly == approx(0.0403 * 730 / 24)
    assert scaling.monthly == approx(3.598291667)
    assert scaling.throttled_hours == 0  # 100 consumed <= 100 provisioned

    assert est.current == "autoscaling"
    assert est.recommended == "on-demand"  # $1.68 < $3.60 < $14.05

    # With max 50 the spike hour throttles (100 > 50): RCU-hours 10x5 + 50 + 50 + 12x5 = 210.
    low = AutoScalingSettings(min_capacity=5, max_capacity=50)
    capped = estimate(usage, PRICES, autoscaling={(None, "read"): low, (None, "write"): low})
    capped_scaling = capped.option("autoscaling")
    assert capped_scaling is not None
    assert capped_scaling.throttled_hours == 1
    assert capped_scaling.read_monthly == approx(210 * 0.00013 * 730 / 24)


def test_idle_table() -> None:
    # No traffic at all: on-demand costs nothing; provisioned pays for its minimum.
    usage = [table([0.0] * H, [0.0] * H)]
    est = estimate(usage, PRICES, billing_mode="PAY_PER_REQUEST")
    costs = {o.kind: o.monthly for o in est.options}
    # on-demand: 0 units -> $0
    # suggested: 1 RCU + 1 WCU (the minimum): 0.00013 x 730 + 0.00065 x 730 = 0.0949 + 0.4745
    # auto scaling at the console's min 5: 5 x (0.00013 + 0.00065) x 730 = $2.847
    assert costs == {
        "on-demand": approx(0.0),
        "provisioned-suggested": approx(0.5694),
        "autoscaling": approx(2.847),
    }
    assert est.current == "on-demand"
    assert est.recommended == "on-demand"


def test_per_minute_peaks_raise_the_suggestion_and_reveal_throttling() -> None:
    # Steady 10 RCU/s, but in hour 5 one minute peaked at 20 RCU/s (other hours peak at 12).
    peaks = [12.0] * H
    peaks[5] = 20.0
    usage = [table([10.0] * H, [2.0] * H, read_peak=tuple(peaks), write_peak=(2.0,) * H)]
    # Suggested read: max(ceil(10 / 0.7) = 15, highest peak 20) = 20 -> never throttles.
    assert suggest_capacity([10.0] * H, peaks) == 20
    est = estimate(usage, PRICES)
    suggested = est.option("provisioned-suggested")
    assert suggested is not None and suggested.detail == "table 20 RCU / 3 WCU"
    assert not suggested.throttled
    # Auto scaling follows the hourly average (15 RCU): the 20 RCU/s minute in hour 5 throttles.
    scaling = est.option("autoscaling")
    assert scaling is not None and scaling.throttled_hours == 1
    assert est.current is None  # no billing mode given
    # suggested: 20 x 0.00013 x 730 + 3 x 0.00065 x 730 = 1.898 + 1.4235 = $3.3215
    # on-demand is $6.57 (see test_steady_load): provisioned wins.
    assert suggested.monthly == approx(3.3215)
    assert est.recommended == "provisioned-suggested"


def test_gsis_add_their_own_capacity() -> None:
    # Table 10 R / 2 W per second; GSI 0 R / 2 W (every table write also writes the index).
    usage = [
        table([10.0] * H, [2.0] * H),
        ResourceUsage(index="ByStatus", read=(0.0,) * H, write=(2.0,) * H),
    ]
    est = estimate(usage, PRICES)
    on_demand = est.option("on-demand")
    assert on_demand is not None
    # writes double: 2 x $3.285 = $6.57, plus reads $3.285 -> $9.855
    assert on_demand.monthly == approx(9.855)
    suggested = est.option("provisioned-suggested")
    assert suggested is not None
    # table 15 R / 3 W ($2.847) + GSI 1 R / 3 W: 0.0949 + 1.4235 = $1.5184 -> $4.3654
    assert suggested.detail == "table 15 RCU / 3 WCU, ByStatus 1 RCU / 3 WCU"
    assert suggested.monthly == approx(4.3654)


def test_scale_in_is_limited_per_day() -> None:
    # Load falls by 1 capacity unit an hour: desired 30, 29, 28, ..., 7 (consumed = desired x 0.7).
    # Scale-in lags one hour; after 4 decreases in the day, only every other hour.
    desired = list(range(30, 30 - H, -1))
    caps = simulate_autoscaling([d * 0.7 for d in desired], AutoScalingSettings(1, 100, 70.0))
    # h0 30 (start), h1 30 (lag), h2 29, h3 28, h4 27, h5 26 (4 decreases), h6 26 (blocked: one in
    # the hour before), h7 max(24, 23) = 24, h8 24 (blocked), h9 max(22, 21) = 22, ...
    assert caps[:10] == (30, 30, 29, 28, 27, 26, 26, 24, 24, 22)
    assert caps[-2:] == (10, 8)


def test_bad_histories_are_refused() -> None:
    with pytest.raises(UserInputError):
        estimate([], PRICES)
    with pytest.raises(UserInputError):
        estimate([table([1.0, 2.0], [1.0])], PRICES)
    with pytest.raises(UserInputError):
        estimate([table([], [])], PRICES)
