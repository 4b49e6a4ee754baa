"""Demo traffic: real reads and writes against the demo tables, and the AWS/DynamoDB metrics to match.

Runs only inside the embedded moto child process (ddbconsole.demo._child, `--traffic`); the AWS/
namespace is reserved on real AWS, which rejects PutMetricData to it, and this never targets AWS.

* At start, `backfill` publishes 14 days of history, minute by minute for the last 3 hours and
  coarser further back (HISTORY_TIERS: never coarser than the Metrics pane's default period for a
  range reaching that far; batched PutMetricData, a few seconds), so charts and the capacity cost
  model have data at once.
* Then one daemon thread performs a few requests per second (seeded RNG, a hot user and a hot order
  partition, occasional conditional-check failures and user errors), and another publishes every
  FLUSH_SECONDS what that traffic consumed. Each real request stands for SCALE simulated ones, and
  every few minutes the Orders table gets a burst: when the simulated load exceeds the provisioned
  capacity, the excess is reported as throttle events (and capped consumption), as DynamoDB would.
  SystemErrors are simulated, rarely. Latency is the real latency of the calls to moto.
* Every FLASH_PERIOD seconds (the first FLASH_START seconds in) a flash sale runs for FLASH_LENGTH
  seconds: shoppers hammer one user's partition of Orders (FLASH_PK) with real writes and reads, many
  per second, driving Orders over its provisioned capacity. Its throttle events are reported by
  reason, as DynamoDB does: the flash key's share as the key range (partition) limit, the rest as the
  provisioned throughput. Contributor Insights is turned on for Orders at start, so the embedded
  moto's stand-in (demo/insights.py) counts the real requests per key and names the hot key.

Both threads are daemons and stop with the process (or `stop_traffic()`).
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

from ddbconsole.demo.seed import N_USERS, ORDERS, USERS
from ddbconsole.demo.server import DEMO_REGION

SEED = 20261126
NAMESPACE = "AWS/DynamoDB"
GSI = "ByStatus"
TICK_SECONDS = 0.3  # about three real requests per second
FLUSH_SECONDS = 5.0
SCALE = 3  # simulated requests per real request
BURST_PERIOD = 180.0  # seconds between Orders bursts
BURST_LENGTH = 30.0
BURST_FACTOR = 6.0
HOT_USER = "user-0007"
HOT_ORDER_PK = "USER#user-0003"
FLASH_START = 45.0  # seconds after start: the first flash sale
FLASH_PERIOD = 300.0  # seconds between flash sales
FLASH_LENGTH = 120.0
FLASH_TICK = 0.12  # seconds between flash-sale requests
FLASH_PK = "USER#user-0042"
MAX_PUT_BATCH = 1000  # PutMetricData datums per call
MISSING_TABLE = "Archive"  # never exists: requests to it are the demo's user errors

Dims = tuple[tuple[str, str], ...]
_STOP = threading.Event()


def _dims(table: str | None, *, index: str | None = None, operation: str | None = None) -> Dims:
    out: list[tuple[str, str]] = []
    if table is not None:
        out.append(("TableName", table))
    if index is not None:
        out.append(("GlobalSecondaryIndexName", index))
    if operation is not None:
        out.append(("Operation", operation))
    return tuple(out)


def _datum(
    metric: str, dims: Dims, when: datetime, values: list[float], unit: str = "Count"
) -> dict[str, Any]:
    return {
        "MetricName": metric,
        "Dimensions": [{"Name": n, "Value": v} for n, v in dims],
        "Timestamp": when,
        "StatisticValues": {
            "SampleCount": float(len(values)),
            "Sum": float(sum(values)),
            "Minimum": float(min(values)),
            "Maximum": float(max(values)),
        },
        "Unit": unit,
    }


def _aggregate(
    metric: str, dims: Dims, when: datetime, total: float, samples: int, unit: str = "Count"
) -> dict[str, Any]:
    """A datum standing for `samples` one-minute values adding up to `total`."""
    mean = total / samples
    return {
        "MetricName": metric,
        "Dimensions": [{"Name": n, "Value": v} for n, v in dims],
        "Timestamp": when,
        "StatisticValues": {
            "SampleCount": float(samples),
            "Sum": float(total),
            "Minimum": mean * 0.6,
            "Maximum": mean * 1.5,
        },
        "Unit": unit,
    }


def publish(cw: Any, datums: list[dict[str, Any]]) -> int:
    for i in range(0, len(datums), MAX_PUT_BATCH):
        cw.put_metric_data(Namespace=NAMESPACE, MetricData=datums[i : i + MAX_PUT_BATCH])
    return len(datums)


# --- history --------------------------------------------------------------------------------


def _daily_shape(when: datetime) -> float:
    """0.3 at night to 1.0 at the afternoon peak (UTC), a little lower at weekends."""
    hour = when.hour + when.minute / 60
    day = 0.3 + 0.7 * max(0.0, math.sin(math.pi * (hour - 6) / 16)) if 6 <= hour <= 22 else 0.3
    return day * (0.75 if when.weekday() >= 5 else 1.0)


def _history_point(
    when: datetime, seconds: int, samples: int, rng: random.Random, spike: bool
) -> list[dict[str, Any]]:
    shape = _daily_shape(when) * rng.uniform(0.85, 1.15)
    out: list[dict[str, Any]] = []
    orders, users = _dims(ORDERS), _dims(USERS)
    gsi = _dims(ORDERS, index=GSI)
    rates = {
        (orders, "Read"): 4.2 * shape * (1.6 if spike else 1.0),
        (orders, "Write"): 2.6 * shape,
        (gsi, "Read"): 1.8 * shape,
        (gsi, "Write"): 2.0 * shape,
        (users, "Read"): 9.0 * shape,
        (users, "Write"): 1.4 * shape,
    }
    for (dims, side), rate in rates.items():
        consumed = rate
        if dims[0][1] == ORDERS:
            consumed = min(rate, 5.0)
            out.append(
                _aggregate(f"Provisioned{side}CapacityUnits", dims, when, 5.0 * samples, samples)
            )
            if rate > 5.0:
                events = round((rate - 5.0) * seconds / 2)
                out.append(_aggregate(f"{side}ThrottleEvents", dims, when, events, samples))
                reason = f"{side}ProvisionedThroughputThrottleEvents"
                out.append(_aggregate(reason, dims, when, events, samples))
                if dims == orders:
                    op = "Query" if side == "Read" else "PutItem"
                    throttled = _dims(ORDERS, operation=op)
                    out.append(_aggregate("ThrottledRequests", throttled, when, events, samples))
        out.append(
            _aggregate(f"Consumed{side}CapacityUnits", dims, when, consumed * seconds, samples)
        )
    for table, op, ms in (
        (ORDERS, "Query", 6.0),
        (ORDERS, "PutItem", 7.5),
        (ORDERS, "GetItem", 3.5),
        (USERS, "GetItem", 3.2),
        (USERS, "UpdateItem", 6.5),
    ):
        latency = ms * (1 + 0.3 * shape) * rng.uniform(0.9, 1.1)
        dims = _dims(table, operation=op)
        out.append(
            _aggregate(
                "SuccessfulRequestLatency", dims, when, latency * samples, samples, "Milliseconds"
            )
        )
    ccf = round(seconds / 60 * shape * rng.uniform(0, 0.6))
    if ccf:
        out.append(_aggregate("ConditionalCheckFailedRequests", orders, when, ccf, samples))
    user_errors = round(seconds / 120 * rng.uniform(0, 0.4))
    if user_errors:
        out.append(_aggregate("UserErrors", (), when, user_errors, samples))
    if rng.random() < 0.01:
        out.append(_aggregate("SystemErrors", _dims(ORDERS, operation="PutItem"), when, 1, samples))
    return out


# The history's resolution, newest first: (age up to which it applies, seconds per point). Each is
# the default period of the ranges reaching that far back (services/metrics.py `default_period`:
# 60 s up to 3 h, 5 min up to a day, 15 min up to 3 days, an hour beyond), so that a point never
# holds more than one period's Sum and Sum / period is the rate at every default period. A
# period chosen finer than the default on a long range sees the coarser points as spikes.
HISTORY_TIERS: tuple[tuple[float, int], ...] = (
    (3 * 3600, 60),
    (86400, 300),
    (3 * 86400, 900),
    (math.inf, 3600),
)


def _step(age: float) -> int:
    return next(step for reach, step in HISTORY_TIERS if age < reach)


def backfill(cw: Any, now: datetime, rng: random.Random, days: int = 14) -> int:
    """`days` of history, finer towards now (HISTORY_TIERS). Returns the datum count."""
    end = now.replace(second=0, microsecond=0)
    oldest = end - timedelta(days=days)
    spikes = {rng.randrange(days * 24) for _ in range(6)}  # a few throttling afternoons
    datums: list[dict[str, Any]] = []
    t = end  # from now backwards: each point's step is that of the tier its newest edge is in
    while t > oldest:
        step = _step((end - t).total_seconds())
        when = t - timedelta(seconds=step)
        hour = int((when - oldest).total_seconds() // 3600)
        datums += _history_point(when, step, step // 60, rng, hour in spikes)
        t = when
    return publish(cw, datums)


# --- live traffic -----------------------------------------------------------------------------


class _Recorder:
    """What the traffic consumed since the last flush, per (metric, dimensions)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[tuple[str, Dims], list[float]] = {}

    def add(self, metric: str, dims: Dims, value: float, times: int = 1) -> None:
        with self.lock:
            self.values.setdefault((metric, dims), []).extend([value] * times)

    def drain(self) -> dict[tuple[str, Dims], list[float]]:
        with self.lock:
            out, self.values = self.values, {}
        return out


class Simulator:
    def __init__(self, ddb: Any, cw: Any, rng: random.Random) -> None:
        self.ddb = ddb
        self.cw = cw
        self.rng = rng
        self.rec = _Recorder()
        self.created: deque[dict[str, Any]] = deque()
        self.started = time.monotonic()
        self.provisioned = {(ORDERS, None): (5.0, 5.0), (ORDERS, GSI): (5.0, 5.0)}
        self.counter = 0
        self.flash_units = {"Read": 0.0, "Write": 0.0}  # the flash key's units since the flush

    # One simulated request: real call, real latency, estimated capacity.
    def _call(
        self, table: str, op: str, fn: Any, units: list[tuple[str | None, str, float]], **kw: Any
    ) -> Any:
        t0 = time.perf_counter()
        try:
            result = fn(**kw)
        except self.ddb.exceptions.ConditionalCheckFailedException:
            self.rec.add("ConditionalCheckFailedRequests", _dims(table), 1, SCALE)
            for index, side, u in units:  # a failed conditional write still consumes capacity
                self.rec.add(f"Consumed{side}CapacityUnits", _dims(table, index=index), u, SCALE)
            return None
        except self.ddb.exceptions.ResourceNotFoundException:
            self.rec.add("UserErrors", (), 1, SCALE)
            return None
        ms = (time.perf_counter() - t0) * 1000
        self.rec.add("SuccessfulRequestLatency", _dims(table, operation=op), ms, SCALE)
        for index, side, u in units:
            self.rec.add(f"Consumed{side}CapacityUnits", _dims(table, index=index), u, SCALE)
        if self.rng.random() < 0.002:
            self.rec.add("SystemErrors", _dims(table, operation=op), 1)
        return result

    def step(self) -> None:
        rng = self.rng
        self.counter += 1
        roll = rng.random()
        if roll < 0.25:
            user = HOT_USER if rng.random() < 0.4 else f"user-{rng.randrange(N_USERS):04d}"
            self._call(
                USERS,
                "GetItem",
                self.ddb.get_item,
                [(None, "Read", 0.5)],
                TableName=USERS,
                Key={"UserId": {"S": user}},
            )
        elif roll < 0.45:
            pk = HOT_ORDER_PK if rng.random() < 0.5 else f"USER#user-{rng.randrange(40):04d}"
            out = self._call(
                ORDERS,
                "Query",
                self.ddb.query,
                [],
                TableName=ORDERS,
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}},
            )
            if out is not None:
                units = max(0.5, math.ceil(out.get("Count", 0) * 400 / 4096) * 0.5)
                self.rec.add("ConsumedReadCapacityUnits", _dims(ORDERS), units, SCALE)
        elif roll < 0.55:
            status = rng.choice(["PENDING", "PAID", "SHIPPED"])
            out = self._call(
                ORDERS,
                "Query",
                self.ddb.query,
                [],
                TableName=ORDERS,
                IndexName=GSI,
                Limit=20,
                KeyConditionExpression="#s = :s",
                ExpressionAttributeNames={"#s": "Status"},
                ExpressionAttributeValues={":s": {"S": status}},
            )
            if out is not None:
                units = max(0.5, math.ceil(out.get("Count", 0) * 120 / 4096) * 0.5)
                self.rec.add("ConsumedReadCapacityUnits", _dims(ORDERS, index=GSI), units, SCALE)
        elif roll < 0.70:
            self._put_order()
        elif roll < 0.82:
            ok = rng.random() > 0.08  # now and then a user that does not exist: condition fails
            user = f"user-{rng.randrange(N_USERS):04d}" if ok else "user-9999"
            self._call(
                USERS,
                "UpdateItem",
                self.ddb.update_item,
                [(None, "Write", 1.0)],
                TableName=USERS,
                Key={"UserId": {"S": user}},
                UpdateExpression="ADD LoginCount :one",
                ConditionExpression="attribute_exists(UserId)",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        elif roll < 0.92:
            self._delete_order()
        elif roll < 0.97:
            self._call(
                USERS, "Scan", self.ddb.scan, [(None, "Read", 4.0)], TableName=USERS, Limit=25
            )
        else:
            self._call(
                MISSING_TABLE,
                "GetItem",
                self.ddb.get_item,
                [],
                TableName=MISSING_TABLE,
                Key={"Id": {"S": "x"}},
            )

    def in_flash(self) -> bool:
        t = time.monotonic() - self.started - FLASH_START
        return t >= 0 and t % FLASH_PERIOD < FLASH_LENGTH

    def flash_step(self) -> None:
        """One shopper of the flash sale: an order into FLASH_PK, or a look at its orders."""
        if self.rng.random() < 0.7:
            self._put_order(FLASH_PK)
            self.flash_units["Write"] += 1.0
            return
        out = self._call(
            ORDERS,
            "Query",
            self.ddb.query,
            [],
            TableName=ORDERS,
            Limit=5,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": FLASH_PK}},
        )
        if out is not None:
            self.rec.add("ConsumedReadCapacityUnits", _dims(ORDERS), 0.5, SCALE)
            self.flash_units["Read"] += 0.5

    def _put_order(self, flash_pk: str | None = None) -> None:
        rng = self.rng
        if flash_pk is None and self.created and rng.random() < 0.12:
            item = self.created[rng.randrange(len(self.created))]  # a duplicate: condition fails
        else:
            pk = HOT_ORDER_PK if rng.random() < 0.5 else f"USER#user-{rng.randrange(40):04d}"
            pk = flash_pk or pk
            now = datetime.now(UTC)
            n = self.counter
            item = {
                "PK": {"S": pk},
                "SK": {"S": f"ORDER#{now:%Y%m%dT%H%M%S}#sim{n:06d}"},
                "OrderId": {"S": f"sim-{n:06d}"},
                "Status": {"S": "PENDING"},
                "OrderDate": {"S": now.date().isoformat()},
                "Total": {"N": f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}"},
            }
        out = self._call(
            ORDERS,
            "PutItem",
            self.ddb.put_item,
            [(None, "Write", 1.0), (GSI, "Write", 1.0)],
            TableName=ORDERS,
            Item=item,
            ConditionExpression="attribute_not_exists(PK)",
        )
        if out is not None:
            self.created.append(item)
            while len(self.created) > 100:
                self._delete_order()

    def _delete_order(self) -> None:
        if not self.created:
            return
        item = self.created.popleft()
        self._call(
            ORDERS,
            "DeleteItem",
            self.ddb.delete_item,
            [(None, "Write", 1.0), (GSI, "Write", 1.0)],
            TableName=ORDERS,
            Key={"PK": item["PK"], "SK": item["SK"]},
        )

    # --- publishing -------------------------------------------------------------------------

    def refresh_provisioned(self) -> None:
        desc = self.ddb.describe_table(TableName=ORDERS)["Table"]
        pt = desc.get("ProvisionedThroughput") or {}
        self.provisioned[(ORDERS, None)] = (
            float(pt.get("ReadCapacityUnits") or 5),
            float(pt.get("WriteCapacityUnits") or 5),
        )
        for gsi in desc.get("GlobalSecondaryIndexes") or []:
            gpt = gsi.get("ProvisionedThroughput") or {}
            self.provisioned[(ORDERS, gsi["IndexName"])] = (
                float(gpt.get("ReadCapacityUnits") or 5),
                float(gpt.get("WriteCapacityUnits") or 5),
            )

    def in_burst(self) -> bool:
        return (time.monotonic() - self.started) % BURST_PERIOD >= BURST_PERIOD - BURST_LENGTH

    def flush(self, elapsed: float) -> int:
        when = datetime.now(UTC)
        values = self.rec.drain()
        flash, self.flash_units = self.flash_units, {"Read": 0.0, "Write": 0.0}
        burst = BURST_FACTOR if self.in_burst() else 1.0
        datums: list[dict[str, Any]] = []
        for (table, index), capacity in self.provisioned.items():
            dims = _dims(table, index=index)
            for side, provisioned in zip(("Read", "Write"), capacity, strict=True):
                datums.append(_datum(f"Provisioned{side}CapacityUnits", dims, when, [provisioned]))
                key = (f"Consumed{side}CapacityUnits", dims)
                used = values.pop(key, [])
                demand = sum(used) * burst
                allowed = provisioned * elapsed
                if demand > allowed:
                    excess = demand - allowed
                    events = max(1, round(excess / (sum(used) / len(used))))
                    values[key] = [allowed / len(used)] * len(used)
                    values[(f"{side}ThrottleEvents", dims)] = [1.0] * events
                    # By reason: the flash key's share of the demand hit its partition's limit.
                    share = min(1.0, flash[side] * SCALE / sum(used)) if index is None else 0.0
                    hot = round(events * share)
                    for limit, n in (
                        ("KeyRangeThroughput", hot),
                        ("ProvisionedThroughput", events - hot),
                    ):
                        if n > 0:
                            values[(f"{side}{limit}ThrottleEvents", dims)] = [1.0] * n
                    if index is None:
                        op = "Query" if side == "Read" else "PutItem"
                        values[("ThrottledRequests", _dims(table, operation=op))] = [1.0] * events
                elif used:
                    values[key] = [u * burst for u in used]
        for (metric, dims), vals in values.items():
            if vals:
                unit = "Milliseconds" if metric == "SuccessfulRequestLatency" else "Count"
                datums.append(_datum(metric, dims, when, vals, unit))
        return publish(self.cw, datums)


def _clients(endpoint_url: str) -> tuple[Any, Any]:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="demo", aws_secret_access_key="demo", region_name=DEMO_REGION
    )
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=10)
    return (
        session.client("dynamodb", endpoint_url=endpoint_url, config=config),
        session.client("cloudwatch", endpoint_url=endpoint_url, config=config),
    )


def _traffic_loop(sim: Simulator) -> None:
    last_step = 0.0
    while not _STOP.is_set():
        try:
            if sim.in_flash():
                sim.flash_step()
            now = time.monotonic()
            if now - last_step >= TICK_SECONDS * sim.rng.uniform(0.5, 1.5):
                last_step = now
                sim.step()
        except Exception:  # the demo must keep going whatever one request does
            _STOP.wait(1.0)
        _STOP.wait(FLASH_TICK if sim.in_flash() else TICK_SECONDS * sim.rng.uniform(0.5, 1.5))


def _publish_loop(sim: Simulator) -> None:
    last = time.monotonic()
    ticks = 0
    while not _STOP.wait(FLUSH_SECONDS):
        now = time.monotonic()
        try:
            if ticks % 12 == 0:
                sim.refresh_provisioned()
            sim.flush(now - last)
        except Exception:
            pass
        last = now
        ticks += 1


def start_traffic(endpoint_url: str, *, seed: int = SEED) -> None:
    """Backfill history (synchronously, < 2 s), then start the traffic and publisher daemons."""
    _STOP.clear()
    rng = random.Random(seed)
    ddb, cw = _clients(endpoint_url)
    backfill(cw, datetime.now(UTC), random.Random(seed + 1))
    # Contributor Insights on for Orders, as an operator who watches it would have it.
    ddb.update_contributor_insights(TableName=ORDERS, ContributorInsightsAction="ENABLE")
    sim = Simulator(ddb, cw, rng)
    threading.Thread(target=_traffic_loop, args=(sim,), name="demo-traffic", daemon=True).start()
    threading.Thread(target=_publish_loop, args=(sim,), name="demo-metrics", daemon=True).start()


def stop_traffic() -> None:
    _STOP.set()
