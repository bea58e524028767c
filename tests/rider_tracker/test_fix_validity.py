"""Fix validity: what never reaches the hub, and the real recordings judged as a rider would need."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

import pytest

from rider_tracker.fix_validity import Anchor, FixValidator, ValidityRules, Verdict
from rider_tracker.geo import destination, distance_m
from tests.rider_tracker.fixes import T0, fix, real_log, require_real_logs


def judge_all(validator: FixValidator, fixes: list) -> list[Verdict]:
    return [validator.judge(f) for f in fixes]


def test_no_fix_status_v_null_island_and_out_of_range_are_refused() -> None:
    v = FixValidator(ValidityRules())
    assert v.judge(fix(0, has_fix=False)) is Verdict.NO_FIX
    assert v.judge(fix(0, lat=None, lon=None)) is Verdict.NO_FIX
    assert v.judge(replace(fix(0), fix_at=None)) is Verdict.NO_FIX
    assert v.judge(fix(1, lat=0.0, lon=0.0)) is Verdict.NULL_ISLAND
    assert v.judge(fix(2, lat=91.0)) is Verdict.OUT_OF_RANGE
    assert v.judge(fix(3, lat=float("nan"))) is Verdict.OUT_OF_RANGE
    assert v.judge(fix(4, accuracy=900.0)) is Verdict.INACCURATE
    assert v.anchor is None
    assert v.judge(fix(5)) is Verdict.ACCEPTED


def test_a_fix_not_newer_than_the_last_accepted_is_refused() -> None:
    v = FixValidator(ValidityRules())
    assert v.judge(fix(10)) is Verdict.ACCEPTED
    assert v.judge(fix(10)) is Verdict.NOT_NEWER  # gpsd answering a poll with the same fix
    assert v.judge(fix(9)) is Verdict.NOT_NEWER
    assert v.judge(fix(11)) is Verdict.ACCEPTED


def test_stale_and_future_against_a_trusted_clock() -> None:
    v = FixValidator(ValidityRules(clock_trusted=True, max_age_s=15, max_future_s=300))
    assert v.judge(fix(0, lag_s=40)) is Verdict.STALE
    assert v.judge(fix(1, lag_s=-3600 * 24 * 7 * 1024)) is Verdict.FUTURE  # a GPS week rollover bug
    assert v.judge(fix(2, lag_s=-100)) is Verdict.ACCEPTED  # a unit clock a bit behind
    assert v.judge(fix(3, lag_s=14)) is Verdict.ACCEPTED


def test_stale_without_a_trusted_clock_follows_the_growing_lag_not_the_wall_clock() -> None:
    v = FixValidator(ValidityRules(clock_trusted=False, max_age_s=15))
    # A unit whose wall clock is years off: fixes from 2026 read "now" in 1970 are still fresh.
    first = replace(fix(0), received_at=T0 - timedelta(days=20000))
    assert v.judge(first) is Verdict.ACCEPTED
    assert v.judge(fix(1, lag_s=1.0)) is Verdict.ACCEPTED
    # The source starts handing over fixes 30 s late (a backlog after a hiccup): stale.
    assert v.judge(fix(2, lag_s=30.0)) is Verdict.STALE
    assert v.judge(fix(3, lag_s=0.2)) is Verdict.ACCEPTED


def test_a_replay_faster_than_real_time_is_never_stale() -> None:
    v = FixValidator(ValidityRules(clock_trusted=False, max_age_s=5))
    verdicts = [v.judge(fix(s, lat=31.23 + s * 1e-5, received_mono=100 + s / 20)) for s in range(300)]
    assert set(verdicts) == {Verdict.ACCEPTED}


def test_an_impossible_jump_is_refused_and_the_track_continues_from_the_good_fix() -> None:
    v = FixValidator(ValidityRules(max_speed_mps=30, max_accuracy_slack_m=20))
    assert v.judge(fix(0)) is Verdict.ACCEPTED
    far = destination(31.2304, 121.4737, 90, 400)  # 400 m in 1 s
    assert v.judge(fix(1, *far)) is Verdict.IMPOSSIBLE_JUMP
    near = destination(31.2304, 121.4737, 90, 6)
    assert v.judge(fix(2, *near)) is Verdict.ACCEPTED
    assert v.anchor == Anchor(T0 + timedelta(seconds=2), near[0], near[1], 5.0)


def test_a_jump_far_above_the_receivers_doppler_speed_is_refused() -> None:
    v = FixValidator(ValidityRules(max_speed_mps=30, doppler_margin_mps=15))
    assert v.judge(fix(0, speed=2.0)) is Verdict.ACCEPTED
    jump = destination(31.2304, 121.4737, 0, 35)  # 35 m in 1 s: 25 m/s after 10 m of stated error
    assert v.judge(fix(1, *jump, speed=2.0)) is Verdict.IMPOSSIBLE_JUMP
    assert v.judge(fix(1, *jump, speed=12.0)) is Verdict.ACCEPTED  # really going that fast


def test_after_several_agreeing_fixes_elsewhere_the_validator_re_anchors() -> None:
    v = FixValidator(ValidityRules(reanchor_after=3))
    assert v.judge(fix(0)) is Verdict.ACCEPTED
    elsewhere = destination(31.2304, 121.4737, 45, 3000)  # the bike really was carried 3 km
    moved = [destination(*elsewhere, 45, 4 * n) for n in range(4)]
    verdicts = [v.judge(fix(1 + n, *p)) for n, p in enumerate(moved)]
    assert verdicts == [Verdict.IMPOSSIBLE_JUMP, Verdict.IMPOSSIBLE_JUMP, Verdict.ACCEPTED, Verdict.ACCEPTED]


def test_a_long_gap_allows_a_long_way() -> None:
    v = FixValidator(ValidityRules())
    assert v.judge(fix(0)) is Verdict.ACCEPTED
    assert v.judge(fix(1200, *destination(31.2304, 121.4737, 10, 8000))) is Verdict.ACCEPTED  # 6.7 m/s


@pytest.mark.parametrize(
    ("name", "accepted_at_least", "no_fix"),
    [("haicom-305N.log", 68, 6), ("quectel-eg25-g.log", 15, 37), ("nl2008u.log", 9, 0)],
)
def test_real_recordings(name: str, accepted_at_least: int, no_fix: int) -> None:
    require_real_logs()
    rules = ValidityRules(clock_trusted=False)  # recorded years ago: judge by the recording's own clock
    v = FixValidator(rules)
    fixes = real_log(name)
    verdicts = judge_all(v, fixes)
    assert verdicts.count(Verdict.NO_FIX) == no_fix  # every V sentence, and only those
    accepted = [f for f, verdict in zip(fixes, verdicts, strict=True) if verdict is Verdict.ACCEPTED]
    assert len(accepted) >= accepted_at_least
    for a, b in pairwise(accepted):
        seconds = (b.fix_at - a.fix_at).total_seconds()
        assert seconds > 0
        slack = min((a.accuracy_m or 0) + (b.accuracy_m or 0), rules.max_accuracy_slack_m)
        assert (distance_m(a.lat, a.lon, b.lat, b.lon) - slack) / seconds <= rules.max_speed_mps


def test_the_noisy_phone_recording_loses_its_multipath_jumps() -> None:
    """quectel-eg25-g: a phone walking at most 6.5 kn whose fixes jump up to ~90 m between seconds."""
    require_real_logs()
    fixes = [f for f in real_log("quectel-eg25-g.log") if f.has_fix]
    v = FixValidator(ValidityRules(clock_trusted=False))
    verdicts = judge_all(v, fixes)
    assert Verdict.IMPOSSIBLE_JUMP in verdicts
    raw = [distance_m(a.lat, a.lon, b.lat, b.lon) / (b.fix_at - a.fix_at).total_seconds() for a, b in pairwise(fixes)]
    kept = [f for f, verdict in zip(fixes, verdicts, strict=True) if verdict is Verdict.ACCEPTED]
    cleaned = [
        distance_m(a.lat, a.lon, b.lat, b.lon) / (b.fix_at - a.fix_at).total_seconds() for a, b in pairwise(kept)
    ]
    assert max(raw) > 80
    assert max(cleaned) < 30
