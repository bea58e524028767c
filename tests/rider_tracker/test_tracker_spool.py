"""Positions and delivery events: journaled, batched, sent in order, kept until the hub acks them,
through power cuts and an eight-hour outage."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from contracts import topics
from contracts.envelope import decode
from contracts.rider import DeliveryEventKind, FailureReason
from firmware_sim.gps.fleet import endless_drive
from firmware_sim.gps.sim_source import SimulatedBikeSource
from mqttlink import FakeBroker, FakeMqttLink
from rider_tracker.batching import BatchRules
from rider_tracker.delivery_reports import build_report
from rider_tracker.fix_validity import Verdict
from tests.rider_tracker.fixes import fix
from tests.rider_tracker.hub_stand_in import HubStandIn
from tests.rider_tracker.rig import RIDER, FixListSource, RiderRig

START = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


async def fake_pair() -> tuple[FakeBroker, FakeMqttLink, HubStandIn]:
    broker = FakeBroker()
    hub_link = FakeMqttLink(broker)
    await hub_link.start()
    hub = await HubStandIn(hub_link, root="brigade").start()
    return broker, hub_link, hub


def bike_fixes(seconds: int, seed: int = 1) -> SimulatedBikeSource:
    """One reading a second for ``seconds + 1`` seconds from START."""
    return SimulatedBikeSource(islice(endless_drive(seed, START), seconds + 1), time_scale=0)


async def test_positions_reach_the_hub_in_batches_and_leave_the_unit_only_when_acked(tmp_path: Path) -> None:
    broker, _, hub = await fake_pair()
    link = FakeMqttLink(broker)
    await link.start()
    rig = RiderRig(tmp_path / "spool.sqlite3", link, batching=BatchRules(online_max_positions=20))
    await rig.outbox.start(send=False)
    async for reading in bike_fixes(119).fixes():
        await rig.tracker.handle(reading)
        await rig.outbox.flush_once()  # a quick link: each batch is sent and acked at once
    assert rig.tracker.status.journaled == 120
    assert rig.outbox.pending() == 0
    assert rig.spool.waiting() == (0, None)
    batches = broker.messages_on(topics.RIDER_POSITIONS.wildcard(root="brigade"))
    assert [len(decode(m.payload).body.positions) for m in batches] == [20] * 6
    assert hub.fix_times(RIDER) == [START + timedelta(seconds=s) for s in range(120)]
    await rig.close()


async def test_when_the_hubs_acks_lag_batches_grow(tmp_path: Path) -> None:
    broker, _, hub = await fake_pair()
    hub.ack = False  # the broker takes messages, the hub does not confirm them
    link = FakeMqttLink(broker)
    await link.start()
    rules = BatchRules(online_max_positions=20, slow_backlog=3, slow_max_positions=300)
    # No resend within the test however slow the machine: only first sends are counted.
    rig = RiderRig(tmp_path / "spool.sqlite3", link, batching=rules, retry_after_s=3600)
    await rig.outbox.start(send=False)
    async for reading in bike_fixes(999).fixes():
        await rig.tracker.handle(reading)
        await rig.outbox.flush_once()
    sizes = [
        len(decode(m.payload).body.positions)
        for m in broker.messages_on(topics.RIDER_POSITIONS.wildcard(root="brigade"))
    ]
    assert sizes == [20, 20, 20, 300, 300, 300]  # three unconfirmed messages: the link counts as slow
    assert rig.tracker.status.waiting_positions == 1000 - sum(sizes)
    assert rig.outbox.pending() == 6  # nothing forgotten without the hub's ack
    await rig.close()


async def test_refused_fixes_never_leave_the_unit(tmp_path: Path) -> None:
    broker, _, hub = await fake_pair()
    link = FakeMqttLink(broker)
    await link.start()
    fixes = [fix(0), fix(1, has_fix=False), fix(2, lat=0.0, lon=0.0), fix(3, lat=31.3), fix(4), fix(4)]
    rig = RiderRig(tmp_path / "spool.sqlite3", link, source=FixListSource(fixes))
    await rig.outbox.start(send=False)
    await rig.tracker.follow_source()
    await rig.tracker.seal_if_due(force=True)
    await rig.outbox.flush_once()
    assert len(hub.positions) == 2
    assert rig.tracker.status.rejected == {
        Verdict.NO_FIX: 1,
        Verdict.NULL_ISLAND: 1,
        Verdict.IMPOSSIBLE_JUMP: 1,
        Verdict.NOT_NEWER: 1,
    }
    await rig.close()


async def test_a_delivery_event_goes_after_the_positions_that_came_before_it(tmp_path: Path) -> None:
    broker, _, hub = await fake_pair()
    link = FakeMqttLink(broker)
    await link.start()
    rig = RiderRig(
        tmp_path / "spool.sqlite3", link, batching=BatchRules(online_max_positions=50, online_max_delay_s=600)
    )
    await rig.outbox.start(send=False)
    readings = [f async for f in bike_fixes(59).fixes()]
    for reading in readings[:30]:
        await rig.tracker.handle(reading)
    assert rig.outbox.pending() == 0  # 30 positions wait for a batch...
    event = build_report(rider_id=RIDER, order_id="o-1", kind=DeliveryEventKind.ARRIVED, at=readings[29].fix_at)
    await rig.tracker.report(event)  # ...and are sealed before the event
    for reading in readings[30:]:
        await rig.tracker.handle(reading)
    await rig.tracker.seal_if_due(force=True)
    while await rig.outbox.flush_once():
        pass
    kinds = [kind for kind, _ in hub.order]
    assert kinds == ["position"] * 30 + ["event"] + ["position"] * 30
    assert hub.events[0].kind is DeliveryEventKind.ARRIVED
    await rig.close()


async def test_a_power_cut_loses_nothing_and_sends_nothing_twice(tmp_path: Path) -> None:
    broker, _, hub = await fake_pair()
    path = tmp_path / "spool.sqlite3"
    down = FakeMqttLink(broker)  # never started: the unit has no network
    rig = RiderRig(path, down, source=bike_fixes(299), batching=BatchRules(online_max_positions=20))
    await rig.tracker.follow_source()
    fail = build_report(
        rider_id=RIDER, order_id="o-7", kind=DeliveryEventKind.FAILED, at=START, reason=FailureReason.NOT_HOME
    )
    await rig.tracker.report(fail)
    # Power cut: nothing is stopped or flushed; the process is simply gone.
    del rig

    link = FakeMqttLink(broker)
    await link.start()
    again = RiderRig(path, link, source=bike_fixes(299))
    assert again.tracker.validator.anchor is not None  # resumes after its last position
    await again.tracker.follow_source()  # the same readings again: all older than what was kept
    assert again.tracker.status.rejected[Verdict.NOT_NEWER] == 300
    await again.outbox.start(send=False)
    while await again.outbox.flush_once():
        pass
    assert hub.fix_times(RIDER) == [START + timedelta(seconds=s) for s in range(300)]
    assert [e.order_id for e in hub.events] == ["o-7"]
    assert hub.resealed() == {}
    assert again.outbox.pending() == 0
    await again.close()


async def test_an_eight_hour_outage_is_a_few_hundred_messages_replayed_in_order(tmp_path: Path) -> None:
    """28,800 positions at 1 Hz with no network, a power cut, then the link comes back."""
    broker, _, hub = await fake_pair()
    path = tmp_path / "spool.sqlite3"
    now = [START.timestamp()]
    down = FakeMqttLink(broker)
    rig = RiderRig(path, down, clock=lambda: now[0])
    hours = 8
    readings = SimulatedBikeSource(islice(endless_drive(3, START), hours * 3600), time_scale=0)
    started = time.monotonic()
    count = 0
    async for reading in readings.fixes():
        now[0] = reading.fix_at.timestamp()
        await rig.tracker.handle(reading)
        count += 1
        if count == 14_400:  # half-way: a delivery, stored behind the positions before it
            event = build_report(
                rider_id=RIDER, order_id="o-9", kind=DeliveryEventKind.DELIVERED, at=reading.fix_at, code="4821"
            )
            await rig.tracker.report(event)
    spooling_s = time.monotonic() - started
    assert count == hours * 3600
    messages = rig.outbox.pending()
    assert 96 <= messages <= 110, messages  # not 28,800
    del rig  # power cut at the end of the outage

    link = FakeMqttLink(broker)
    await link.start()
    again = RiderRig(path, link)
    await again.outbox.start(send=False)
    while await again.outbox.flush_once():
        pass
    times = hub.fix_times(RIDER)
    assert len(times) == hours * 3600
    assert times == [START + timedelta(seconds=s) for s in range(hours * 3600)]
    kinds = [kind for kind, _ in hub.order]
    assert kinds.index("event") == 14_400
    assert hub.events[0].proof_code == "4821"
    assert again.outbox.pending() == 0
    assert again.spool.waiting()[0] == 0
    positions = broker.messages_on(topics.RIDER_POSITIONS.wildcard(root="brigade"))
    assert len(positions) == messages - 1
    assert spooling_s < 120
    await again.close()
