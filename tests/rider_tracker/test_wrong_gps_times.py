"""A unit without a trusted clock (``CLOCK_TRUSTED=false``) and a fix dated hours ahead, as gpsd invents
after a GPS week rollover: it never blocks the tracker, before or after a restart, and every drop is
logged and shown on the rider's screen.

The track is a real receiver's (haicom-305N, walking, 1 Hz); the bogus fix is one of its own fixes
re-dated three hours ahead.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Static

from mqttlink import FakeBroker, FakeMqttLink
from rider_tracker.fix import Fix
from rider_tracker.fix_validity import Anchor, FixValidator, ValidityRules, Verdict
from rider_tracker.runtime import RiderRuntime
from rider_tracker.throttle import ThrottleRules
from rider_tracker.ui.app import RiderApp
from tests.rider_tracker.fixes import fix, real_log
from tests.rider_tracker.hub_stand_in import HubStandIn
from tests.rider_tracker.rig import RIDER, FixListSource, RiderRig

UNTRUSTED = ValidityRules(clock_trusted=False)
AHEAD = timedelta(hours=3)


def walk() -> list[Fix]:
    """The recording's valid fixes, read one second apart on the unit's monotonic clock."""
    fixes = [f for f in real_log("haicom-305N.log") if f.has_fix]
    assert fixes[0].fix_at is not None
    return [
        replace(f, received_mono=5000.0 + (f.fix_at - fixes[0].fix_at).total_seconds() + 0.3)  # type: ignore[operator]
        for f in fixes
    ]


def invented(after: Fix) -> Fix:
    """gpsd's fix after a week rollover: the receiver's own position, dated hours ahead, read at once."""
    assert after.fix_at is not None
    return replace(after, fix_at=after.fix_at + AHEAD, received_mono=after.received_mono + 0.5)


# -- the validator ---------------------------------------------------------------------------------


def test_a_fix_hours_ahead_in_the_middle_of_a_track_is_refused_as_future_and_the_track_goes_on() -> None:
    v = FixValidator(UNTRUSTED)
    track = walk()
    assert [v.judge(f) for f in track[:10]].count(Verdict.ACCEPTED) >= 8
    assert v.judge(invented(track[9])) is Verdict.FUTURE
    later = [v.judge(f) for f in track[10:]]
    assert later.count(Verdict.ACCEPTED) >= len(later) - 3  # as many as without the bogus fix
    assert v.anchor is not None and v.anchor.fix_at <= track[-1].fix_at  # type: ignore[operator]


def test_an_anchor_dated_hours_ahead_gives_way_to_the_receivers_time_after_a_few_fixes() -> None:
    """After a restart the spool's last position may be the bogus one (or it was the first fix seen)."""
    track = walk()
    bogus = invented(track[0])
    assert bogus.fix_at is not None and bogus.lat is not None and bogus.lon is not None
    v = FixValidator(UNTRUSTED, Anchor(bogus.fix_at, bogus.lat, bogus.lon, bogus.accuracy_m))
    verdicts = [v.judge(f) for f in track[1:6]]
    assert verdicts[:2] == [Verdict.NOT_NEWER, Verdict.NOT_NEWER]
    assert verdicts[2] is Verdict.ACCEPTED and v.regressed_from is None  # reset by the next judge
    assert verdicts[3:] == [Verdict.ACCEPTED, Verdict.ACCEPTED]
    assert v.anchor is not None and v.anchor.fix_at == track[5].fix_at


def test_a_repeat_or_a_slightly_late_fix_is_still_not_newer() -> None:
    v = FixValidator(UNTRUSTED)
    assert v.judge(fix(100)) is Verdict.ACCEPTED
    for n in range(6):  # gpsd answering polls with old fixes, a minute behind at most: never re-anchored
        assert v.judge(fix(40 + n, received_mono=1101.0 + n)) is Verdict.NOT_NEWER
    assert v.judge(fix(100)) is Verdict.NOT_NEWER
    assert v.judge(fix(101)) is Verdict.ACCEPTED


def test_a_first_fix_hours_ahead_is_given_up_once_the_receiver_gives_its_real_time() -> None:
    v = FixValidator(UNTRUSTED)
    track = walk()
    assert v.judge(invented(track[0])) is Verdict.ACCEPTED  # nothing to compare it with yet
    verdicts = [v.judge(f) for f in track[1:8]]
    assert verdicts[:2] == [Verdict.NOT_NEWER, Verdict.NOT_NEWER]
    assert set(verdicts[2:]) == {Verdict.ACCEPTED}  # and not "stale" against the bogus fix's lag


# -- the tracker: journaled, sent, restarted, logged --------------------------------------------------


async def test_after_a_restart_on_a_bogus_last_position_the_real_fixes_reach_the_hub_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broker = FakeBroker()
    hub_link = FakeMqttLink(broker)
    await hub_link.start()
    hub = await HubStandIn(hub_link, root="brigade").start()
    track = walk()
    every_fix = ThrottleRules(min_interval_s=0, moving_interval_s=0, stationary_interval_s=0)
    path = tmp_path / "spool.sqlite3"

    # gpsd's first answer after a start is the invented time: it is all the unit has, so it is kept.
    first = RiderRig(path, FakeMqttLink(broker), validity=UNTRUSTED, throttle=every_fix)
    assert await first.tracker.handle(invented(track[0])) is Verdict.ACCEPTED
    await first.close()  # the unit is switched off

    link = FakeMqttLink(broker)
    await link.start()
    again = RiderRig(path, link, validity=UNTRUSTED, throttle=every_fix, source=FixListSource(track[1:]))
    assert again.tracker.validator.anchor is not None
    assert again.tracker.validator.anchor.fix_at == invented(track[0]).fix_at  # the spool's last position
    await again.outbox.start(send=False)
    with caplog.at_level(logging.INFO, logger="rider_tracker.tracker"):
        await again.tracker.follow_source()
        await again.tracker.seal_if_due(force=True)
        while await again.outbox.flush_once():
            pass
    bogus_at = invented(track[0]).fix_at
    real = [t for t in hub.fix_times(RIDER) if t != bogus_at]  # (the hub drops that one: hours ahead)
    assert real[-1] == track[-1].fix_at  # the walk reaches the hub to its last fix
    assert len(real) >= len(track) - 5
    assert again.tracker.status.reanchored == 1
    assert again.tracker.status.rejected[Verdict.NOT_NEWER] == 2
    assert again.spool.last_position() is not None
    assert again.spool.last_position().fix_at == track[-1].fix_at  # type: ignore[union-attr]
    logged = [r.getMessage() for r in caplog.records]
    assert any("dropping fixes as not_newer" in m for m in logged)
    assert any("ahead of the receiver's time; following the receiver again" in m for m in logged)
    await again.close()


async def test_bogus_fixes_are_logged_and_never_journaled(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    track = walk()
    bogus = [invented(f) for f in track[20:25]]
    rig = RiderRig(
        tmp_path / "spool.sqlite3",
        FakeMqttLink(FakeBroker()),
        validity=UNTRUSTED,
        source=FixListSource([*track[:20], *bogus, *track[25:]]),
    )
    with caplog.at_level(logging.INFO, logger="rider_tracker.tracker"):
        await rig.tracker.follow_source()
    assert rig.tracker.status.rejected[Verdict.FUTURE] == 5
    journaled = [p.fix_at for _, p in rig.spool.oldest(1000)]
    assert journaled and max(journaled) == track[-1].fix_at
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([m for m in warnings if "dropping fixes as future" in m]) == 1  # once for the run, not per fix
    assert any("fixes accepted again after 5 dropped (last as future)" in r.getMessage() for r in caplog.records)
    await rig.close()


# -- the rider's screen ------------------------------------------------------------------------------


async def test_the_riders_screen_says_the_gps_time_is_wrong_while_fixes_are_dropped_for_it(tmp_path: Path) -> None:
    track = walk()
    broker = FakeBroker()
    link = FakeMqttLink(broker)
    stuck = [invented(f) for f in track[10:14]]  # the receiver's date goes wrong and stays wrong
    rig = RiderRig(tmp_path / "spool.sqlite3", link, validity=UNTRUSTED, source=FixListSource([*track[:10], *stuck]))
    runtime = RiderRuntime(
        rider_id=RIDER,
        unit_id=RIDER,
        root="brigade",
        link=link,
        spool=rig.spool,
        outbox=rig.outbox,
        tracker=rig.tracker,
        board=rig.board,
        replies=rig.replies,
    )
    app = RiderApp(runtime, timezone="Asia/Shanghai")
    async with app.run_test(size=(140, 20)) as pilot:
        await runtime.tracker.source_done.wait()
        await pilot.pause()
        status = str(app.query_one("#status", Static).render())
    assert "GPS 时间错误 GPS time is wrong · 4 (future)" in status
