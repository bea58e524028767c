"""NMEA 0183 decoding on the real recordings: every valid fix, no bad checksum let through."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from firmware_sim.gps.nmea_sentences import sentence
from rider_tracker.sources.nmea_decoder import NmeaDecoder
from tests.rider_tracker.fixes import GPS_DATA, require_real_logs

GGA = "GPGGA,095305.802,2712.6547,S,15303.1350,E,1,04,21.1,3.0,M,42.2,M,,"
RMC = "GPRMC,095305.802,A,2712.6547,S,15303.1350,E,1.93,133.96,080407,,,A"


def decode(lines: list[str]) -> tuple[NmeaDecoder, list]:
    decoder = NmeaDecoder()
    out = []
    for line in lines:
        out += decoder.feed(line + "\r\n")
    return decoder, out + decoder.flush()


@pytest.mark.parametrize(
    ("name", "rmc", "valid", "first", "last"),
    [
        ("haicom-305N.log", 74, 68, "2007-04-08T09:53:04.802", "2007-04-08T09:54:15.787"),
        ("quectel-eg25-g.log", 60, 23, "2022-09-11T19:15:03.010", "2022-09-11T19:15:33.980"),
        ("nl2008u.log", 9, 9, "2015-10-10T09:12:32", "2015-10-10T09:34:53"),
    ],
)
def test_real_recordings_decode_to_their_fixes(name: str, rmc: int, valid: int, first: str, last: str) -> None:
    require_real_logs()
    decoder = NmeaDecoder()
    fixes = []
    for line in (GPS_DATA / name).read_bytes().splitlines(keepends=True):
        fixes += decoder.feed(line)
    fixes += decoder.flush()
    good = [f for f in fixes if f.has_fix]
    assert len(fixes) == rmc
    assert len(good) == valid
    assert decoder.stats.bad_checksum == 0
    assert good[0].fix_at == datetime.fromisoformat(first).replace(tzinfo=UTC)
    assert good[-1].fix_at == datetime.fromisoformat(last).replace(tzinfo=UTC)
    assert all(f.accuracy_m is not None for f in good)  # every epoch paired with its GGA
    assert [f.fix_at for f in good] == sorted(f.fix_at for f in good)


def test_positions_are_the_receivers_wgs84_degrees_unconverted() -> None:
    _, fixes = decode([sentence(GGA), sentence(RMC)])
    (f,) = fixes
    assert f.lat == pytest.approx(-(27 + 12.6547 / 60), abs=1e-9)
    assert f.lon == pytest.approx(153 + 3.1350 / 60, abs=1e-9)
    assert f.speed_mps == pytest.approx(1.93 * 1852 / 3600)
    assert f.heading_deg == pytest.approx(133.96)
    assert f.accuracy_m == pytest.approx(21.1 * 5)


def test_rmc_before_gga_is_paired_too() -> None:
    _, fixes = decode([sentence(RMC), sentence(GGA), sentence("GPVTG,133.96,T,,M,1.93,N,3.57,K,A")])
    assert len(fixes) == 1
    assert fixes[0].accuracy_m == pytest.approx(105.5)


def test_bad_or_missing_checksums_are_dropped_and_counted() -> None:
    good = sentence(RMC)
    flipped = good.replace("2712.6547", "2712.6548")  # one digit changed, checksum kept
    decoder, fixes = decode([flipped, "$" + RMC, good[:-1] + ("0" if good[-1] != "0" else "1")])
    assert fixes == []
    assert decoder.stats.bad_checksum == 3


def test_comments_proprietary_and_garbage_lines_are_skipped_anywhere() -> None:
    decoder, fixes = decode(
        [
            "# Started driving",
            sentence("PQGSV,1,1,01,01,,,,*"),
            "\x00\xff garbage",
            sentence("GPRMC,095305.802,A,99xx.0000,S,15303.1350,E,1.93,133.96,080407,,,A"),
            sentence(RMC),
            "# Stopped car",
        ]
    )
    assert decoder.stats.skipped == 4
    assert [f.has_fix for f in fixes] == [True]


def test_status_v_and_mode_n_or_e_are_no_fix_but_nmea41_nav_status_is_ignored() -> None:
    _, fixes = decode(
        [
            sentence("GPRMC,,V,,,,,,,,,,N"),
            sentence("GPRMC,100000.00,A,2712.6547,S,15303.1350,E,0.0,,080407,,,N"),
            sentence("GPRMC,100001.00,A,2712.6547,S,15303.1350,E,0.0,,080407,,,E"),
            sentence("GNRMC,100002.000,A,4813.0535,N,00824.8697,E,0.00,0.00,101015,,,A,V"),
        ]
    )
    assert [f.has_fix for f in fixes] == [False, False, False, True]
    assert fixes[0].fix_at is None
    assert fixes[3].heading_deg == 0.0
