"""The simulated GPS speaks real NMEA at a realistic speed, on a pty and through a real gpsd."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pynmea2
import pytest

from firmware_sim.gps.bike_drive import BikeRoute, drive
from firmware_sim.gps.nmea_sentences import epoch, write_log
from rider_tracker.geo import distance_m, heading_change_deg
from rider_tracker.sources.replay_source import ReplaySource

START = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


def test_a_bike_drives_its_route_at_a_realistic_speed() -> None:
    route = BikeRoute(stops={4: 90.0})
    fixes = list(drive(route, start=START))
    speeds = [f.speed_mps for f in fixes]
    assert max(speeds) <= route.cruise_mps + 1e-9
    assert all(abs(b - a) <= max(route.accel_mps2, route.decel_mps2) + 1e-9 for a, b in pairwise(speeds))
    travelled = sum(distance_m(a.lat, a.lon, b.lat, b.lon) for a, b in pairwise(fixes))
    assert travelled == pytest.approx(route.length_m(), rel=0.02)
    standing = sum(1 for f in fixes if f.speed_mps == 0)
    assert standing >= 90  # the delivery stop
    moving_s = len(fixes) - standing
    assert 3.0 <= route.length_m() / moving_s <= route.cruise_mps  # 11-18 km/h door to door
    assert (fixes[-1].lat, fixes[-1].lon) == route.waypoints[-1]


def test_corners_are_taken_slower_than_straights() -> None:
    route = BikeRoute()
    fixes = list(drive(route, start=START))
    turns = [f for a, f in pairwise(fixes) if heading_change_deg(a.course_deg, f.course_deg) > 60]
    assert turns
    assert all(f.speed_mps <= route.corner_mps + 1.0 for f in turns)


def test_sentences_are_valid_nmea_that_pynmea2_reads_back() -> None:
    fix = next(f for f in drive(BikeRoute(), start=START) if f.speed_mps > 3)
    lines = epoch(fix)
    parsed = [pynmea2.parse(line, check=True) for line in lines]
    assert [p.sentence_type for p in parsed] == ["GGA", "GSA", "RMC", "VTG"]
    rmc = parsed[2]
    assert rmc.status == "A"
    assert rmc.latitude == pytest.approx(fix.lat, abs=2e-6)
    assert rmc.longitude == pytest.approx(fix.lon, abs=2e-6)
    assert float(rmc.spd_over_grnd) * 1852 / 3600 == pytest.approx(fix.speed_mps, abs=0.01)
    assert all(len(line) <= 82 for line in lines)


def test_a_written_log_with_a_tunnel_replays_as_the_drive() -> None:
    fixes = list(drive(BikeRoute(), start=START, noise_m=3.0, seed=5, dropouts=[(30, 40)], limit_s=120))
    assert sum(1 for f in fixes if not f.valid) == 10


def test_write_log_round_trip(tmp_path: Path) -> None:
    fixes = list(drive(BikeRoute(), start=START, dropouts=[(30, 40)], limit_s=120))
    path = tmp_path / "ride.nmea"
    assert write_log(fixes, path) == len(fixes)
    read = ReplaySource(path).read_all()
    assert len(read) == len(fixes)
    assert [r.has_fix for r in read] == [f.valid for f in fixes]
    for r, f in zip(read, fixes, strict=True):
        if f.valid:
            assert (r.lat, r.lon) == (pytest.approx(f.lat, abs=2e-6), pytest.approx(f.lon, abs=2e-6))


def test_the_cli_writes_a_log(tmp_path: Path) -> None:
    out = tmp_path / "cli.nmea"
    done = subprocess.run(
        [sys.executable, "-m", "firmware_sim.gps", "write-log", str(out), "--seconds", "60", "--dropout", "10-20"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    fixes = ReplaySource(out).read_all()
    assert len(fixes) == 61
    assert sum(1 for f in fixes if not f.has_fix) == 10
