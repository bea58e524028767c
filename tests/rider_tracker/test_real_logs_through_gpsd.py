"""The real NMEA recordings, replayed by gpsfake through a real gpsd, read by the tracker through
gpsd-py3, and carried over Mosquitto: first to a stand-in for the hub's side of the contract, then
to the hub itself (its MQTT bridge and position ingest on PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from firmware_sim.gps.gpsd_process import GpsdMissing, GpsfakeProcess
from hub.app import create_app
from hub.delivery.settings import DeliverySettings
from mqttlink import MqttSettings, PahoMqttLink
from rider_tracker.batching import BatchRules
from rider_tracker.fix import Fix
from rider_tracker.fix_validity import FixValidator, ValidityRules, Verdict
from rider_tracker.geo import distance_m
from rider_tracker.sources.gpsd_source import GpsdSource
from tests import services
from tests.databases import postgres_database
from tests.hub.conftest import mqtt_settings
from tests.hub.delivery.helpers import make_rider
from tests.hub.seed import login, make_admin, register_device, seed_store
from tests.rider_tracker.fixes import GPS_DATA, REAL_LOGS, real_log, require_real_logs
from tests.rider_tracker.hub_stand_in import HubStandIn
from tests.rider_tracker.rig import EVERY_FIX, RiderRig

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:The 'warn' method is deprecated:DeprecationWarning"),
]

CYCLE_S = {"haicom-305N.log": 0.03, "quectel-eg25-g.log": 0.015, "nl2008u.log": 0.06}
"""gpsfake's pause between sentences: each log in seconds (real receivers: one fix a second), slow enough that
a 10 ms poll sees every fix even on a loaded 2-core CI machine."""
# Recorded years ago, and gpsd dates them by its own week-rollover rules (nl2008u comes out in
# 2035): judge staleness by the recording's own clock, as on a unit without a real-time clock.
VALIDITY = ValidityRules(clock_trusted=False)


@dataclass
class LogRun:
    name: str
    valid: list[Fix]
    """The recording's RMC fixes with status A, decoded straight from the file."""
    accepted_offline: int
    """How many of them the validity rules accept when the file is read directly."""
    rig: RiderRig


def offline(name: str) -> tuple[list[Fix], int]:
    fixes = [f for f in real_log(name) if f.has_fix]
    validator = FixValidator(VALIDITY)
    return fixes, sum(validator.judge(f) is Verdict.ACCEPTED for f in fixes)


def matches_a_recorded_fix(lat: float, lon: float, valid: list[Fix]) -> bool:
    return any(abs(lat - f.lat) < 1e-6 and abs(lon - f.lon) < 1e-6 for f in valid)  # type: ignore[operator]


async def replay_through_gpsd(name: str, rig: RiderRig) -> None:
    """gpsfake -> gpsd -> GpsdSource -> tracker -> outbox -> broker, until the log's last fix is read."""
    require_real_logs()
    try:
        gpsfake = GpsfakeProcess(GPS_DATA / name, cycle_s=CYCLE_S[name])
    except GpsdMissing as exc:
        services.missing(str(exc))
        raise
    valid, _ = offline(name)
    last = valid[-1]
    times_at_last_place = sum(1 for f in valid if _same_place(f, last))  # nl2008u ends parked: two fixes
    source = GpsdSource(port=gpsfake.port, poll_interval_s=0.01, reconnect_min_s=0.05, reconnect_max_s=0.1)
    rig.tracker.source = source
    seen_at_last_place: set[object] = set()

    def on_change() -> None:
        fix = rig.tracker.status.last_fix
        if fix is not None and fix.has_fix and _same_place(fix, last):
            seen_at_last_place.add(fix.fix_at)

    rig.tracker.on_change(on_change)
    tracker = asyncio.create_task(rig.tracker.run())  # connecting before gpsd exists: it retries
    try:
        gpsfake.start()

        async def until_last_fix_read() -> None:
            while len(seen_at_last_place) < times_at_last_place:
                await asyncio.sleep(0.05)

        await asyncio.wait_for(until_last_fix_read(), 40)
    finally:
        tracker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tracker
        gpsfake.stop()
    await rig.tracker.seal_if_due(force=True)


async def drained(rig: RiderRig) -> None:
    while rig.outbox.pending():  # the hub acks each message once it is stored
        await asyncio.sleep(0.05)


def _same_place(a: Fix, b: Fix) -> bool:
    return abs(a.lat - b.lat) < 1e-6 and abs(a.lon - b.lon) < 1e-6  # type: ignore[operator]


def check_track(run: LogRun, fix_times: list, coords: list[tuple[float, float]]) -> None:
    status = run.rig.tracker.status
    assert len(coords) == status.journaled  # every position the unit kept reached the other side, once
    assert fix_times == sorted(set(fix_times))
    assert all(matches_a_recorded_fix(lat, lon, run.valid) for lat, lon in coords)  # never a V fix, never moved
    assert status.journaled >= 0.9 * run.accepted_offline  # gpsd and a 10 ms poll lose next to nothing
    for (a, b), (ta, tb) in zip(pairwise(coords), pairwise(fix_times), strict=True):
        assert distance_m(*a, *b) / (tb - ta).total_seconds() < VALIDITY.max_speed_mps + 20  # no multipath jump


async def test_the_noisy_recording_through_gpsfake_and_gpsd_reaches_the_broker_once(
    mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    """The hub's side of the contract as a stand-in: every envelope applied once, no position twice."""
    name = "quectel-eg25-g.log"
    root = mosquitto_settings.topic_root
    hub_link = PahoMqttLink(mosquitto_settings.model_copy(update={"client_id": f"hub-{uuid.uuid4().hex[:8]}"}))
    unit = f"unit-{uuid.uuid4().hex[:8]}"
    link = PahoMqttLink(mosquitto_settings.model_copy(update={"client_id": unit}))
    for each in (hub_link, link):
        await each.start()
        await each.wait_connected(10)
    hub = await HubStandIn(hub_link, root=root).start()
    rig = RiderRig(
        tmp_path / "spool.sqlite3",
        link,
        root=root,
        rider_id="r-gps",
        device_id=unit,
        throttle=EVERY_FIX,
        validity=VALIDITY,
        batching=BatchRules(online_max_positions=10, online_max_delay_s=0.5),
    )
    await rig.outbox.start()
    try:
        valid, accepted = offline(name)
        run = LogRun(name, valid, accepted, rig)
        await replay_through_gpsd(name, rig)
        await hub.wait_until(lambda: rig.outbox.pending() == 0 and len(hub.positions) >= rig.tracker.status.journaled)
        times = hub.fix_times("r-gps")
        coords = [(hub.positions[("r-gps", t)].lat, hub.positions[("r-gps", t)].lon) for t in times]
        check_track(run, times, coords)
        assert hub.resealed() == {}
        assert rig.tracker.status.rejected[Verdict.NO_FIX] >= 1  # the V sentences
        assert rig.tracker.status.rejected[Verdict.IMPOSSIBLE_JUMP] >= 1  # the multipath jumps
    finally:
        await rig.close()
        await link.stop()
        await hub_link.stop()


async def test_real_recordings_through_gpsd_reach_the_hub(mosquitto_settings: MqttSettings, tmp_path: Path) -> None:
    """The hub's bridge and ingest (PostgreSQL) store every position the unit sent, exactly once."""
    with postgres_database() as url:
        delivery = DeliverySettings(auto_dispatch=False, max_future_fix_s=20 * 365 * 86400)  # gpsd's 2035 dates
        app = create_app(mqtt_settings(url, tmp_path, mosquitto_settings, delivery=delivery))
        with TestClient(app) as client:
            headers = login(client, make_admin(url))
            store = seed_store(client, headers)
            for name in REAL_LOGS:
                rider_id = make_rider(client, headers, store.store_id)
                unit = f"unit-{uuid.uuid4().hex[:8]}"
                register_device(client, headers, unit, "rider_tracker", rider_id=rider_id)
                link = PahoMqttLink(mosquitto_settings.model_copy(update={"client_id": unit}))
                await link.start()
                await link.wait_connected(10)
                rig = RiderRig(
                    tmp_path / f"{name}.sqlite3",
                    link,
                    root=mosquitto_settings.topic_root,
                    rider_id=rider_id,
                    device_id=unit,
                    throttle=EVERY_FIX,
                    validity=VALIDITY,
                    batching=BatchRules(online_max_positions=10, online_max_delay_s=0.5),
                )
                await rig.outbox.start()
                try:
                    valid, accepted = offline(name)
                    await replay_through_gpsd(name, rig)

                    await asyncio.wait_for(drained(rig), 30)
                    track = client.get(f"/riders/{rider_id}/track", params={"limit": 10000}, headers=headers).json()
                    times = [datetime.fromisoformat(p["fix_at"]) for p in track]
                    coords = [(p["lat"], p["lon"]) for p in track]
                    check_track(LogRun(name, valid, accepted, rig), times, coords)
                    rider = client.get(f"/riders/{rider_id}", headers=headers).json()
                    assert datetime.fromisoformat(rider["last_fix"]["fix_at"]) == times[-1]
                finally:
                    await rig.close()
                    await link.stop()
