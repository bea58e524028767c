"""WGS-84 / GCJ-02 / BD-09 against published reference points.

Reference values: wandergis/coordtransform (MIT), test/app.js, for the point (116.404, 39.915),
reproduced by hutool's CoordinateUtilTest and the coordtransform Rust crates. Its gcj02towgs84 is a
one-step approximation; ours iterates to the exact inverse, so that one is compared within metres.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.kernel.geo import (
    CoordSystem,
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    haversine_m,
    to_wgs84,
    wgs84_to_gcj02,
)

LON, LAT = 116.404, 39.915


def test_wgs84_to_gcj02_matches_the_published_value() -> None:
    assert wgs84_to_gcj02(LAT, LON) == pytest.approx((39.91640428150164, 116.41024449916938), abs=1e-12)


def test_gcj02_to_bd09_and_back_match_the_published_values() -> None:
    assert gcj02_to_bd09(LAT, LON) == pytest.approx((39.92133699351021, 116.41036949371029), abs=1e-12)
    assert bd09_to_gcj02(LAT, LON) == pytest.approx((39.90865673957631, 116.39762729119315), abs=1e-12)


def test_gcj02_to_wgs84_is_within_a_metre_of_the_published_approximation() -> None:
    lat, lon = gcj02_to_wgs84(LAT, LON)
    assert haversine_m(lat, lon, 39.91359571849836, 116.39775550083061) < 1.0


@pytest.mark.parametrize(
    ("city", "lat", "lon"),
    [
        ("Beijing", 39.9087, 116.3975),
        ("Shanghai", 31.2304, 121.4737),
        ("Guangzhou", 23.1291, 113.2644),
        ("Chengdu", 30.5728, 104.0668),
        ("Urumqi", 43.8256, 87.6168),
        ("Harbin", 45.8038, 126.5349),
    ],
)
def test_the_offset_is_the_published_few_hundred_metres_and_inverts(city: str, lat: float, lon: float) -> None:
    glat, glon = wgs84_to_gcj02(lat, lon)
    assert 100 < haversine_m(lat, lon, glat, glon) < 1400, city
    back = gcj02_to_wgs84(glat, glon)
    assert haversine_m(lat, lon, *back) < 0.01
    blat, blon = gcj02_to_bd09(glat, glon)
    # Baidu's published inverse (bd09 -> gcj02) is itself approximate: decimetres.
    assert haversine_m(lat, lon, *to_wgs84(blat, blon, CoordSystem.BD09)) < 0.5


@pytest.mark.parametrize(("lat", "lon"), [(35.6762, 139.6503), (-33.8688, 151.2093), (51.5074, -0.1278)])
def test_outside_china_gcj02_is_wgs84(lat: float, lon: float) -> None:
    assert wgs84_to_gcj02(lat, lon) == (lat, lon)
    assert to_wgs84(lat, lon, "gcj02") == (lat, lon)


@given(st.floats(min_value=18.2, max_value=53.0), st.floats(min_value=74.0, max_value=134.7))
def test_round_trip_through_gcj02_is_below_a_centimetre(lat: float, lon: float) -> None:
    assert haversine_m(lat, lon, *gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon))) < 0.01


def test_haversine_one_degree_of_latitude() -> None:
    assert haversine_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(111_195, rel=1e-3)
