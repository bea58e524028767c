"""Fleets of simulated bikes for load tests.

``ContractFleet`` publishes ``RiderPositionBatch`` messages (the real contract, real envelopes, QoS 1
awaited on PUBACK) for many bikes over a few MQTT connections, as fast as asked: it is what drives
the hub's ingest benchmark. ``TrackerFleet`` runs the real rider tracker per bike (validity,
throttle, SQLite journal, device outbox, acks) with simulated receivers: slower, but every byte
goes the way a bike's does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contracts import topics
from contracts.rider import RiderPosition, RiderPositionBatch
from firmware_sim.gps.bike_drive import BikeRoute, SimFix, drive
from firmware_sim.gps.sim_source import SimulatedBikeSource
from mqttlink.device_outbox import DeviceOutbox
from mqttlink.messages import publish_body
from mqttlink.paho_link import PahoMqttLink
from mqttlink.settings import MqttSettings
from rider_tracker.batching import BatchRules
from rider_tracker.fix_validity import ValidityRules
from rider_tracker.geo import destination
from rider_tracker.spool import RiderSpool
from rider_tracker.throttle import ThrottleRules
from rider_tracker.tracker import RiderTracker

logger = logging.getLogger(__name__)

CITY_CENTRE = (31.2304, 121.4737)


def city_route(index: int, *, centre: tuple[float, float] = CITY_CENTRE, radius_m: float = 6000.0) -> BikeRoute:
    """A deterministic loop of 6-9 legs somewhere within ``radius_m`` of the centre."""
    rng = random.Random(index)
    start = destination(*centre, rng.uniform(0, 360), rng.uniform(0, radius_m))
    points = [start]
    heading = rng.uniform(0, 360)
    for _ in range(rng.randint(6, 9)):
        heading = (heading + rng.choice((-90, 0, 90, 45, -45))) % 360
        points.append(destination(*points[-1], heading, rng.uniform(150, 600)))
    points.append(start)
    return BikeRoute(waypoints=tuple(points), cruise_mps=rng.uniform(4.0, 6.5))


def endless_drive(index: int, start: datetime, *, fix_interval_s: float = 1.0) -> Iterator[SimFix]:
    """Readings every ``fix_interval_s`` for bike ``index``, looping its route forever; times strictly increase."""
    route = city_route(index)
    at = start
    while True:
        last = at
        for fix in drive(route, start=at, seed=index, rate_hz=1.0 / fix_interval_s):
            last = fix.at
            yield fix
        at = last + timedelta(seconds=fix_interval_s)


@dataclass(frozen=True)
class FleetReport:
    bikes: int
    positions: int
    messages: int
    seconds: float

    @property
    def positions_per_s(self) -> float:
        return self.positions / self.seconds if self.seconds > 0 else 0.0


class ContractFleet:
    def __init__(
        self,
        settings: MqttSettings,
        *,
        bikes: int,
        batch_size: int = 50,
        connections: int = 4,
        in_flight: int = 64,
        prefix: str = "bike",
        start: datetime | None = None,
        fix_interval_s: float = 1.0,
    ) -> None:
        """Each bike's fixes are ``fix_interval_s`` apart from ``start`` (default: an hour ago). A fast
        run sends many fixes per bike per second: keep ``start`` far enough back (or the interval
        small) that the last fixes are not in the future, which the hub refuses."""
        if bikes < 1 or not 1 <= batch_size <= 5000 or fix_interval_s <= 0:
            raise ValueError("need bikes >= 1, 1 <= batch_size <= 5000 and fix_interval_s > 0")
        self.settings = settings
        self.bikes = [f"{prefix}-{i:05d}" for i in range(bikes)]
        self.batch_size = batch_size
        self.connections = max(1, min(connections, bikes))
        self.in_flight = in_flight
        begin = start or datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        self._drives = {
            bike: endless_drive(i, begin, fix_interval_s=fix_interval_s) for i, bike in enumerate(self.bikes)
        }
        self.queued_positions = 0
        self.sent_positions = 0
        """Positions the broker acknowledged (PUBACK)."""
        self.sent_messages = 0

    def next_batch(self, bike: str) -> RiderPositionBatch:
        readings = self._drives[bike]
        positions: list[RiderPosition] = []
        while len(positions) < self.batch_size:
            fix = next(readings)
            positions.append(
                RiderPosition(
                    rider_id=bike,
                    fix_at=fix.at,
                    lat=fix.lat,
                    lon=fix.lon,
                    speed_mps=round(fix.speed_mps, 2),
                    heading_deg=round(fix.course_deg % 360.0, 1),
                    accuracy_m=round(fix.hdop * 5.0, 1),
                )
            )
        return RiderPositionBatch(rider_id=bike, positions=tuple(positions))

    async def run(
        self, *, positions: int | None = None, duration_s: float | None = None, rate: float | None = None
    ) -> FleetReport:
        """Publish until ``positions`` were sent or ``duration_s`` passed; ``rate`` caps positions/s."""
        if positions is None and duration_s is None:
            raise ValueError("give positions or duration_s")
        links = [
            PahoMqttLink(
                self.settings.model_copy(
                    update={"client_id": f"{self.settings.client_id}-{n}", "persistent_session": False}
                )
            )
            for n in range(self.connections)
        ]
        for link in links:
            await link.start()
        try:
            for link in links:
                await link.wait_connected(10)
            started = time.monotonic()
            deadline = started + duration_s if duration_s is not None else math.inf
            budget = positions if positions is not None else math.inf
            await asyncio.gather(
                *(
                    self._drive_link(link, self.bikes[n :: self.connections], started, deadline, budget, rate)
                    for n, link in enumerate(links)
                )
            )
            return FleetReport(len(self.bikes), self.sent_positions, self.sent_messages, time.monotonic() - started)
        finally:
            for link in links:
                await link.stop()

    async def _drive_link(
        self, link: PahoMqttLink, bikes: list[str], started: float, deadline: float, budget: float, rate: float | None
    ) -> None:
        gate = asyncio.Semaphore(self.in_flight)
        pending: set[asyncio.Task[None]] = set()
        root = self.settings.topic_root
        turn = 0
        while time.monotonic() < deadline and self.queued_positions < budget:
            if rate is not None:
                ahead = self.queued_positions / rate - (time.monotonic() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
            bike = bikes[turn % len(bikes)]
            turn += 1
            batch = self.next_batch(bike)
            self.queued_positions += len(batch.positions)
            await gate.acquire()

            async def send(body: RiderPositionBatch = batch, source: str = bike) -> None:
                try:
                    await publish_body(link, topics.RIDER_POSITIONS, body, source=source, root=root, rider_id=source)
                    self.sent_messages += 1
                    self.sent_positions += len(body.positions)
                finally:
                    gate.release()

            task = asyncio.create_task(send())
            pending.add(task)
            task.add_done_callback(pending.discard)
        if pending:
            await asyncio.gather(*pending)


class TrackerFleet:
    """``bikes`` real rider trackers (one MQTT connection, spool and outbox each) on simulated receivers."""

    def __init__(
        self,
        settings: MqttSettings,
        *,
        bikes: int,
        time_scale: float = 10.0,
        seconds: float = 120.0,
        workdir: Path | None = None,
        prefix: str = "bike",
        throttle: ThrottleRules | None = None,
    ) -> None:
        self.settings = settings
        self.bike_ids = [f"{prefix}-{i:04d}" for i in range(bikes)]
        self.time_scale = time_scale
        self.seconds = seconds
        self.throttle = throttle or ThrottleRules()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="brigade-fleet-")
            workdir = Path(self._tmp.name)
        self.workdir = workdir
        self.trackers: list[RiderTracker] = []
        self._closers: list[tuple[DeviceOutbox, PahoMqttLink, RiderSpool]] = []

    async def run(self) -> list[RiderTracker]:
        """Drive every bike for ``seconds`` of simulated time; returns the trackers (status, counts)."""
        start = datetime.now(UTC)
        try:
            for index, bike in enumerate(self.bike_ids):
                link = PahoMqttLink(self.settings.model_copy(update={"client_id": bike}))
                await link.start()
                spool_path = self.workdir / f"{bike}.sqlite3"
                spool = RiderSpool(spool_path)
                outbox = DeviceOutbox(
                    spool_path, link, device_id=bike, root=self.settings.topic_root, retry_after_s=5.0
                )
                await outbox.start()
                readings = drive(city_route(index), start=start, seed=index, limit_s=self.seconds)
                tracker = RiderTracker(
                    rider_id=bike,
                    source=SimulatedBikeSource(readings, name=f"sim:{bike}", time_scale=self.time_scale),
                    spool=spool,
                    outbox=outbox,
                    link=link,
                    validity=ValidityRules(clock_trusted=False),
                    throttle=self.throttle,
                    batching=BatchRules(online_max_delay_s=2.0),
                )
                self.trackers.append(tracker)
                self._closers.append((outbox, link, spool))
            await asyncio.gather(*(t.follow_source() for t in self.trackers))
            for tracker in self.trackers:
                await tracker.seal_if_due(force=True)
            return self.trackers
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        for outbox, link, spool in self._closers:
            with contextlib.suppress(Exception):
                await outbox.stop()
            await link.stop()
            spool.close()
        self._closers.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
