"""Position sources: NMEA from a serial port (a pty), a recorded log, gpsd (real, and a fake one for
the faults gpsd-py3 trips over)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firmware_sim.gps.bike_drive import BikeRoute, drive
from firmware_sim.gps.fake_gpsd import FakeGpsd, GpsdFaults, moving_tpv
from firmware_sim.gps.gpsd_process import GpsdMissing, GpsdProcess
from firmware_sim.gps.nmea_sentences import sentence, write_log
from firmware_sim.gps.pty_gps import PtyGps
from rider_tracker.errors import SourceUnavailable
from rider_tracker.fix import Fix
from rider_tracker.sources.gpsd_source import GpsdSource
from rider_tracker.sources.port import PositionSourcePort
from rider_tracker.sources.replay_source import ReplaySource
from rider_tracker.sources.serial_source import SerialNmeaSource
from tests import services

pytestmark = pytest.mark.filterwarnings("ignore:The 'warn' method is deprecated:DeprecationWarning")  # gpsd-py3

START = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


async def collect(source: PositionSourcePort, until: Callable[[list[Fix]], bool], timeout: float = 10.0) -> list[Fix]:
    out: list[Fix] = []

    async def run() -> None:
        async with contextlib.aclosing(source.fixes()) as fixes:
            async for fix in fixes:
                out.append(fix)
                if until(out):
                    return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(run(), timeout)
    return out


def good(fixes: list[Fix]) -> list[Fix]:
    return [f for f in fixes if f.has_fix]


# -- serial ------------------------------------------------------------------------------------


async def test_serial_source_reads_a_receiver_on_a_pty() -> None:
    readings = list(drive(BikeRoute(), start=datetime.now(UTC), seed=2, limit_s=30))
    with PtyGps(readings, time_scale=20, extra_lines=["# boot banner", "$GPTXT,garbage*00"]) as gps:
        fixes = await collect(SerialNmeaSource(gps.path, read_timeout_s=0.3), lambda f: len(good(f)) >= 10)
    got = good(fixes)
    assert len(got) >= 10
    by_time = {r.at.replace(microsecond=r.at.microsecond // 10000 * 10000): r for r in readings}
    for f in got:
        r = by_time[f.fix_at]
        assert f.lat == pytest.approx(r.lat, abs=2e-6)  # NMEA carries 1e-4 minutes
        assert f.lon == pytest.approx(r.lon, abs=2e-6)
        assert f.speed_mps == pytest.approx(r.speed_mps, abs=0.01)


async def test_serial_source_survives_a_missing_port_and_keeps_trying(tmp_path: Path) -> None:
    source = SerialNmeaSource(str(tmp_path / "ttyUSB9"), read_timeout_s=0.1, reconnect_max_s=0.05)
    fixes = await collect(source, lambda f: False, timeout=0.5)
    assert fixes == []


# -- replay ------------------------------------------------------------------------------------


def _log(tmp_path: Path, seconds: int = 20) -> Path:
    path = tmp_path / "ride.nmea"
    write_log(drive(BikeRoute(), start=START, limit_s=seconds), path)
    return path


async def test_replay_is_paced_by_the_fix_times(tmp_path: Path) -> None:
    path = _log(tmp_path, 20)
    started = time.monotonic()
    fixes = await collect(ReplaySource(path, speed=20), lambda f: False)
    elapsed = time.monotonic() - started
    assert len(fixes) == 21
    assert 0.9 <= elapsed <= 3.0  # 20 s of driving at 20x
    assert [f.fix_at for f in fixes] == [START + timedelta(seconds=s) for s in range(21)]


async def test_replay_resumes_after_what_was_already_handled_and_can_look_live(tmp_path: Path) -> None:
    path = _log(tmp_path, 20)
    resumed = await collect(ReplaySource(path, speed=0, resume_after=START + timedelta(seconds=15)), lambda f: False)
    assert [f.fix_at for f in resumed] == [START + timedelta(seconds=s) for s in range(16, 21)]
    live = await collect(ReplaySource(path, speed=0, rebase_times=True), lambda f: False)
    assert abs((live[0].fix_at - datetime.now(UTC)).total_seconds()) < 5
    assert live[1].fix_at - live[0].fix_at == timedelta(seconds=1)


# -- gpsd: the real daemon ---------------------------------------------------------------------


def real_gpsd(devices: list[str]) -> GpsdProcess:
    try:
        return GpsdProcess(devices)
    except GpsdMissing as exc:
        services.missing(str(exc))
        raise


@pytest.mark.integration
async def test_gpsd_source_reads_a_real_gpsd_fed_by_the_simulated_receiver() -> None:
    readings = list(drive(BikeRoute(), start=datetime.now(UTC), seed=3, limit_s=60))
    with PtyGps(readings, time_scale=10) as gps, real_gpsd([gps.path]) as gpsd:
        source = GpsdSource(port=gpsd.port, poll_interval_s=0.02)
        fixes = await collect(source, lambda f: len(good(f)) >= 8, timeout=20)
    got = good(fixes)
    assert len(got) >= 8
    assert len({f.fix_at for f in got}) == len(got)  # each fix passed on once
    assert all(f.speed_mps is not None and f.accuracy_m is not None for f in got)
    by_second = {r.at.replace(microsecond=r.at.microsecond // 10000 * 10000): r for r in readings}
    for f in got:  # what gpsd reports is what the receiver sent, in WGS-84, unconverted
        assert f.lat == pytest.approx(by_second[f.fix_at].lat, abs=2e-6)
        assert f.lon == pytest.approx(by_second[f.fix_at].lon, abs=2e-6)


@pytest.mark.integration
async def test_gpsd_source_reconnects_when_gpsd_restarts() -> None:
    readings = list(drive(BikeRoute(), start=datetime.now(UTC), seed=4, limit_s=600))
    with PtyGps(readings, time_scale=5) as gps:
        first = real_gpsd([gps.path]).start()
        source = GpsdSource(port=first.port, poll_interval_s=0.05, read_timeout_s=1.0, reconnect_max_s=0.3)
        seen: list[Fix] = []
        restarted: list[GpsdProcess] = []

        def until(fixes: list[Fix]) -> bool:
            seen[:] = fixes
            if not restarted and len(good(fixes)) >= 3:
                first.stop()
                restarted.append(real_gpsd([gps.path]))
                restarted[0].port = first.port
                restarted[0].start()
            return source.connects >= 2 and len(good(fixes)) >= 6

        try:
            await collect(source, until, timeout=30)
        finally:
            first.stop()
            for g in restarted:
                g.stop()
    assert source.connects >= 2
    assert len(good(seen)) >= 6


# -- gpsd: faults, from the fake gpsd ----------------------------------------------------------


async def test_gpsd_source_tolerates_no_device_no_sky_notices_and_missing_fields() -> None:
    faults = GpsdFaults(
        devices=False, sky=False, notice_before_poll=True, drop={"speed", "track", "eph"}, old_alt_only=True
    )
    with FakeGpsd(lambda n: moving_tpv(n) if n > 2 else None, faults) as fake:
        source = GpsdSource(port=fake.port, poll_interval_s=0.01)
        fixes = await collect(source, lambda f: len(good(f)) >= 3)
    assert source.device is None  # gpsd-py3's device() raised KeyError: tolerated
    assert [f.has_fix for f in fixes[:1]] == [False]  # no report yet
    got = good(fixes)
    assert len(got) == 3
    assert got[0].speed_mps is None and got[0].heading_deg is None  # missing, not 0
    assert got[0].accuracy_m == 5.0  # max(epx, epy) without eph
    assert got[1].lat > got[0].lat


async def test_gpsd_source_gives_up_on_a_port_that_never_greets() -> None:
    with FakeGpsd(moving_tpv, GpsdFaults(greet=False)) as fake:
        source = GpsdSource(port=fake.port, connect_timeout_s=0.2, reconnect_max_s=0.05)
        started = time.monotonic()
        fixes = await collect(source, lambda f: False, timeout=1.5)
    assert fixes == []
    assert fake.connections >= 3  # each attempt was cut off by the watchdog, not left hanging
    assert time.monotonic() - started < 3


async def test_gpsd_source_reconnects_when_gpsd_stops_answering() -> None:
    with FakeGpsd(moving_tpv, GpsdFaults(silent_after_polls=3)) as fake:
        source = GpsdSource(port=fake.port, poll_interval_s=0.01, read_timeout_s=0.2, reconnect_max_s=0.05)
        fixes = await collect(source, lambda f: len(good(f)) >= 7, timeout=10)
    assert len(good(fixes)) >= 7
    assert fake.connections >= 3
    assert source.connects >= 3


async def test_only_one_gpsd_connection_per_process() -> None:
    with FakeGpsd(moving_tpv) as fake:
        one, two = GpsdSource(port=fake.port, poll_interval_s=0.01), GpsdSource(port=fake.port)
        async with contextlib.aclosing(one.fixes()) as first:
            await anext(first)
            with pytest.raises(SourceUnavailable, match="one connection per process"):
                await anext(two.fixes())
        assert len(await collect(two, lambda f: len(f) >= 1)) == 1  # released when the first closed


def test_checksums_in_generated_sentences_match_pynmea2() -> None:
    import pynmea2

    msg = pynmea2.parse(sentence("GPGGA,120000.00,3113.8240,N,12128.4220,E,1,09,0.9,12.0,M,7.9,M,,"), check=True)
    assert msg.gps_qual == 1
