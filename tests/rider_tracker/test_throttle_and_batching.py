"""The publish throttle and the batching policy: pure rules, checked one by one and on a real drive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from firmware_sim.gps.bike_drive import BikeRoute, drive
from rider_tracker.batching import BatchRules, LinkHealth, batch_due, link_health
from rider_tracker.geo import destination
from rider_tracker.throttle import PublishReason, PublishThrottle, Sample, ThrottleRules

T0 = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
HOME = (31.2304, 121.4737)


def sample(
    seconds: float,
    metres: float = 0.0,
    *,
    bearing: float = 90.0,
    speed: float | None = 0.0,
    heading: float | None = None,
    accuracy: float | None = 5.0,
) -> Sample:
    lat, lon = destination(*HOME, bearing, metres)
    return Sample(T0 + timedelta(seconds=seconds), lat, lon, speed, heading, accuracy)


def test_first_fix_goes_and_nothing_goes_faster_than_the_minimum_interval() -> None:
    t = PublishThrottle(ThrottleRules(min_interval_s=1.0))
    assert t.consider(sample(0)) is PublishReason.FIRST
    assert t.consider(sample(0.5, 300, speed=10, heading=90)) is None


def test_moving_bike_reports_by_interval_distance_and_turns() -> None:
    rules = ThrottleRules(moving_interval_s=5, min_distance_m=25, heading_change_deg=30, moving_speed_mps=1.5)
    t = PublishThrottle(rules, sample(0, speed=4.0, heading=90))
    assert t.consider(sample(2, 8, speed=4.0, heading=92)) is None
    assert t.consider(sample(5, 20, speed=4.0, heading=92)) is PublishReason.MOVING_INTERVAL
    assert t.consider(sample(7, 50, speed=13.0, heading=92)) is PublishReason.DISTANCE
    assert t.consider(sample(9, 60, speed=3.0, heading=150)) is PublishReason.HEADING
    assert t.consider(sample(11, 65, speed=3.0, heading=160)) is None  # 10 degrees more: not a turn


def test_a_parked_receivers_jitter_sends_nothing_but_a_heartbeat() -> None:
    rules = ThrottleRules(stationary_interval_s=60, min_distance_m=25)
    t = PublishThrottle(rules, sample(0))
    jitter = [
        t.consider(sample(s, metres=(s * 7) % 20, bearing=s * 37 % 360, speed=0.1, heading=s * 53 % 360))
        for s in range(1, 60)
    ]
    assert jitter == [None] * 59
    assert t.consider(sample(60, 3, speed=0.0)) is PublishReason.HEARTBEAT
    # A 40 m "move" from a fix that says it is only good to 80 m is jitter too.
    assert t.consider(sample(70, 40, speed=0.0, accuracy=80.0)) is None
    assert t.consider(sample(80, 40, speed=0.0, accuracy=10.0)) is PublishReason.DISTANCE


def test_without_a_reported_speed_the_throttle_uses_the_distance_covered() -> None:
    t = PublishThrottle(ThrottleRules(moving_interval_s=5), sample(0, speed=None))
    assert t.consider(sample(5, 20, speed=None)) is PublishReason.MOVING_INTERVAL  # 4 m/s: moving


def test_a_real_drive_reports_often_when_moving_and_rarely_when_standing() -> None:
    route = BikeRoute(stops={3: 300.0})  # a five-minute delivery on the way
    fixes = list(drive(route, start=T0, noise_m=2.0, seed=7))
    t = PublishThrottle(ThrottleRules())
    sent = [f for f in fixes if t.consider(Sample(f.at, f.lat, f.lon, f.speed_mps, f.course_deg, f.hdop * 5))]
    moving = [f for f in sent if f.speed_mps >= 1.5]
    standing = [f for f in sent if f.speed_mps < 1.5]
    assert len(fixes) > 1000
    assert len(sent) < len(fixes) / 3
    assert len(moving) > 5 * len(standing)
    gaps = [(b.at - a.at).total_seconds() for a, b in pairwise(sent)]
    assert max(gaps) <= 60.0
    assert min(gaps) >= 1.0


@pytest.mark.parametrize(
    ("connected", "backlog", "health"),
    [
        (False, 0, LinkHealth.DOWN),
        (True, 5, LinkHealth.SLOW),
        (True, 0, LinkHealth.HEALTHY),
        (True, 2, LinkHealth.HEALTHY),
    ],
)
def test_link_health(connected: bool, backlog: int, health: LinkHealth) -> None:
    assert link_health(connected=connected, backlog=backlog, rules=BatchRules(slow_backlog=3)) is health


def test_batches_are_small_and_prompt_online_and_large_when_the_link_is_down() -> None:
    rules = BatchRules(online_max_positions=20, online_max_delay_s=5, slow_max_positions=300, slow_max_delay_s=600)
    healthy, down = LinkHealth.HEALTHY, LinkHealth.DOWN
    assert not batch_due(rules, waiting=0, oldest_age_s=999, health=healthy)
    assert not batch_due(rules, waiting=3, oldest_age_s=1, health=healthy)
    assert batch_due(rules, waiting=3, oldest_age_s=5, health=healthy)
    assert batch_due(rules, waiting=20, oldest_age_s=0, health=healthy)
    assert not batch_due(rules, waiting=299, oldest_age_s=599, health=down)
    assert batch_due(rules, waiting=300, oldest_age_s=0, health=down)
    assert batch_due(rules, waiting=1, oldest_age_s=600, health=down)
    # Eight hours at 1 Hz with the link down: about a hundred messages.
    assert 28_800 / rules.slow_max_positions == 96


def test_batch_rules_respect_the_contract() -> None:
    with pytest.raises(ValueError, match="5000"):
        BatchRules(slow_max_positions=6000)
