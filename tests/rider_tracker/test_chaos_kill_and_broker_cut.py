"""Chaos: the real ``brigade-rider --headless`` process, killed with SIGKILL mid-stream and restarted, and
its broker stopped for a while and started again. The hub (bridge + ingest on PostgreSQL) ends up
with every position exactly once, and no envelope's positions are applied twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from firmware_sim.gps.bike_drive import BikeRoute, drive
from firmware_sim.gps.nmea_sentences import write_log
from hub.app import create_app
from hub.delivery.settings import DeliverySettings
from mqttlink import MqttSettings, PahoMqttLink
from rider_tracker.fix_validity import FixValidator, ValidityRules, Verdict
from rider_tracker.sources.replay_source import ReplaySource
from tests.databases import postgres_database
from tests.hub.conftest import mqtt_settings
from tests.hub.delivery.helpers import make_rider
from tests.hub.seed import login, make_admin, register_device, seed_store
from tests.rider_tracker.hub_stand_in import HubStandIn
from tests.services import PrivateMosquitto

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

SECONDS = 400
SPEED = 25.0


class TrackerProcess:
    """``python -m rider_tracker --headless`` with its settings in the environment; ours to kill."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        log = (self.workdir / f"tracker-{self.runs}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rider_tracker", "--headless"],
            cwd=self.workdir,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        self.process.wait(15)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def spool_counts(path: Path) -> tuple[int, int]:
    """(messages waiting for the hub's ack, positions waiting for a batch), read as the unit left them."""
    if not path.exists():
        return 0, 0
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
        try:
            outbox = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            journal = db.execute("SELECT COUNT(*) FROM rider_positions").fetchone()[0]
        except sqlite3.OperationalError:
            return 0, 0
    return int(outbox), int(journal)


async def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    async def _wait() -> None:
        while not condition():
            await asyncio.sleep(0.1)

    try:
        await asyncio.wait_for(_wait(), timeout)
    except TimeoutError as exc:
        raise AssertionError(f"timed out waiting for {what}") from exc


async def test_killing_the_tracker_and_cutting_the_broker_loses_nothing_and_applies_nothing_twice(
    private_broker: PrivateMosquitto, tmp_path: Path
) -> None:
    root = f"t{uuid.uuid4().hex[:12]}"
    broker = MqttSettings(
        port=private_broker.port,
        client_id=f"t-{uuid.uuid4().hex[:8]}",
        topic_root=root,
        reconnect_min_s=0.2,
        reconnect_max_s=1.0,
    )
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=SECONDS + 120)
    log = tmp_path / "ride.nmea"
    write_log(drive(BikeRoute(), start=start, noise_m=2.0, seed=11, limit_s=SECONDS), log)
    validator = FixValidator(ValidityRules(clock_trusted=False))
    expected = [f.fix_at for f in ReplaySource(log).read_all() if validator.judge(f) is Verdict.ACCEPTED]
    assert len(expected) == SECONDS + 1

    with postgres_database() as url:
        app = create_app(mqtt_settings(url, tmp_path, broker, delivery=DeliverySettings(auto_dispatch=False)))
        with TestClient(app) as client:
            headers = login(client, make_admin(url))
            store = seed_store(client, headers)
            rider_id = make_rider(client, headers, store.store_id)
            unit = f"unit-{uuid.uuid4().hex[:8]}"
            register_device(client, headers, unit, "rider_tracker", rider_id=rider_id)  # the bike's tracker

            def stored() -> list[datetime]:
                track = client.get(f"/riders/{rider_id}/track", params={"limit": 10000}, headers=headers).json()
                return [datetime.fromisoformat(p["fix_at"]) for p in track]

            observer_link = PahoMqttLink(broker.model_copy(update={"client_id": f"obs-{uuid.uuid4().hex[:8]}"}))
            await observer_link.start()
            await observer_link.wait_connected(10)
            observer = await HubStandIn(observer_link, root=root, ack=False).start()  # sees every delivery

            spool = tmp_path / "unit" / "rider-spool.sqlite3"
            tracker = TrackerProcess(
                tmp_path,
                {
                    "BRIGADE_RIDER_RIDER_ID": rider_id,
                    "BRIGADE_RIDER_DEVICE_ID": unit,
                    "BRIGADE_RIDER_SOURCE": "replay",
                    "BRIGADE_RIDER_REPLAY__PATH": str(log),
                    "BRIGADE_RIDER_REPLAY__SPEED": str(SPEED),
                    "BRIGADE_RIDER_SPOOL_PATH": str(spool),
                    "BRIGADE_RIDER_MQTT__PORT": str(private_broker.port),
                    "BRIGADE_RIDER_MQTT__TOPIC_ROOT": root,
                    "BRIGADE_RIDER_MQTT__RECONNECT_MIN_S": "0.2",
                    "BRIGADE_RIDER_MQTT__RECONNECT_MAX_S": "1.0",
                    "BRIGADE_RIDER_VALIDITY__CLOCK_TRUSTED": "false",
                    "BRIGADE_RIDER_THROTTLE__MIN_INTERVAL_S": "0",
                    "BRIGADE_RIDER_THROTTLE__MOVING_INTERVAL_S": "0",
                    "BRIGADE_RIDER_THROTTLE__STATIONARY_INTERVAL_S": "0",
                    "BRIGADE_RIDER_BATCHING__ONLINE_MAX_POSITIONS": "10",
                    "BRIGADE_RIDER_BATCHING__ONLINE_MAX_DELAY_S": "0.5",
                    "BRIGADE_RIDER_BATCHING__SLOW_MAX_POSITIONS": "60",
                    "BRIGADE_RIDER_BATCHING__SLOW_MAX_DELAY_S": "2",
                    "BRIGADE_RIDER_OUTBOX_RETRY_S": "2",
                    "BRIGADE_RIDER_LOG_LEVEL": "INFO",
                },
            )
            try:
                tracker.start()
                await wait_for(lambda: len(stored()) >= 60, 30, "the first positions at the hub")
                tracker.kill(signal.SIGKILL)  # mid-stream: journal, outbox and in-flight messages as they are
                tracker.start()
                await wait_for(lambda: len(stored()) >= 150, 30, "positions after the restart")

                private_broker.stop()  # the broker is gone for a while; the unit keeps tracking
                before = spool_counts(spool)
                await wait_for(lambda: spool_counts(spool)[0] >= before[0] + 2, 30, "messages kept while offline")
                assert tracker.alive()
                private_broker.start()

                await wait_for(lambda: len(stored()) >= len(expected), 60, "every position at the hub")
                await wait_for(lambda: spool_counts(spool) == (0, 0), 30, "the unit's outbox to drain on acks")
                tracker.kill(signal.SIGTERM)
            finally:
                if tracker.alive():
                    tracker.kill(signal.SIGKILL)
                await observer_link.stop()

            assert stored() == expected  # nothing lost, nothing twice, in order
            # On the wire: a redelivery carries the same envelope id (the hub's inbox drops it). The
            # only way a position can travel under two ids is a kill inside the few milliseconds
            # between sealing a batch and clearing it from the journal: at most one batch per kill.
            resealed = {frozenset(ids) for ids in observer.resealed().values()}
            assert len(resealed) <= 1, resealed
            assert {at for _, at in observer.positions} == set(expected)
            rider = client.get(f"/riders/{rider_id}", headers=headers).json()
            assert datetime.fromisoformat(rider["last_fix"]["fix_at"]) == expected[-1]
