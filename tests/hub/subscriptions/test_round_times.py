"""The ETAs of a round's stops on the bike: the first door as its window opens, then a doorstep minute
and the ride to each next door; never before a window opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hub.subscriptions.round_times import DOORSTEP_S, TimedStop, stop_etas

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEPOT = (31.2304, 121.4737)
SIX = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)  # 06:00 in Shanghai


def test_each_stop_after_the_one_before_and_a_late_opening_window_waits() -> None:
    a, b, c = (31.2310, 121.4740), (31.2400, 121.4800), (31.2405, 121.4805)
    etas = stop_etas(DEPOT, [TimedStop(a, SIX), TimedStop(b, SIX), TimedStop(c, SIX + timedelta(hours=1))], SHANGHAI)
    assert etas[0] == SIX
    ride = etas[1] - etas[0] - timedelta(seconds=DOORSTEP_S)
    assert timedelta(minutes=4) < ride < timedelta(minutes=6)  # about 1.2 km of streets at 16 km/h
    assert etas[2] == SIX + timedelta(hours=1), "the last door opens at 07:00: the rider does not ring before"


def test_no_stops_no_etas() -> None:
    assert stop_etas(DEPOT, [], SHANGHAI) == []
