"""The display without its screen: feed in, statuses out through the durable outbox, state on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contracts import topics
from contracts.envelope import decode, encode_body
from contracts.messaging import DeadLetter
from kds_terminal.controller import KdsController
from kds_terminal.tickets import Phase
from mqttlink import FakeBroker, FakeMqttLink
from tests.kds_terminal.pilot import AckingHub, FakeClock, kds_settings, make_ticket, publish_ticket, wait_any

ROOT = "brigade"


async def _display(
    tmp_path: Path, broker: FakeBroker, clock: FakeClock | None = None, **changes: Any
) -> tuple[KdsController, FakeMqttLink]:
    link = FakeMqttLink(broker)
    await link.start()
    controller = KdsController(kds_settings(tmp_path, **changes), link, clock=clock or FakeClock())
    await controller.start()
    return controller, link


def _dead_letters(broker: FakeBroker) -> list[DeadLetter]:
    return [decode(m.payload, DeadLetter).body for m in broker.messages_on(topics.DEAD_LETTER.build(root=ROOT))]


async def test_tickets_are_reported_shown_and_bumps_ready_until_the_hub_acks(tmp_path: Path) -> None:
    broker = FakeBroker()
    hub = await AckingHub(broker).start()
    kds, _ = await _display(tmp_path, broker)
    await publish_ticket(hub.link, make_ticket("o1"), root=ROOT)
    await publish_ticket(hub.link, make_ticket("o1"), root=ROOT)  # redelivered
    kds.bump_ticket("o1:wok")
    assert kds.outbox is not None and kds.writer is not None
    await kds.writer.drained(5)
    await wait_any(lambda: kds.outbox is not None and kds.outbox.pending() == 0)
    assert hub.states() == [("o1:wok", "shown", ()), ("o1:wok", "ready", ())]
    status = next(iter(hub.applied.values()))
    assert status.device_id == "kds-s1-wok"
    await kds.stop()


async def test_garbage_and_foreign_tickets_are_dead_lettered_and_the_display_keeps_going(tmp_path: Path) -> None:
    broker = FakeBroker()
    hub = await AckingHub(broker).start()
    kds, _ = await _display(tmp_path, broker)
    wok = topics.KITCHEN_TICKET.build(root=ROOT, store_id="s1", station_id="wok")
    await hub.link.publish(wok, b"\x00garbage{")
    await hub.link.publish(wok, b'{"v":1,"type":"kitchen.ticket","source":"hub","body":{"ticket_id":"x"}}')
    await hub.link.publish(wok, encode_body(make_ticket("o7", station_id="grill"), source="hub"))
    await hub.link.publish(wok, encode_body(make_ticket("o8", store_id="s2"), source="hub"))
    await publish_ticket(hub.link, make_ticket("o9"), root=ROOT)
    await wait_any(lambda: len(_dead_letters(broker)) == 4)
    reasons = [d.reason for d in _dead_letters(broker)]
    assert "not a Brigade envelope" in reasons[0]
    assert "invalid kitchen.ticket" in reasons[1]
    assert "arrived on s1/wok" in reasons[2]
    assert "arrived on s1/wok" in reasons[3]
    assert all(d.consumer == "kds-s1-wok" for d in _dead_letters(broker))
    assert [t.ticket_id for t in kds.board.on_screen()] == ["o9:wok"]
    assert kds.feed.rejected == 2
    await kds.stop()


async def test_a_bug_while_applying_a_ticket_is_dead_lettered_not_fatal(tmp_path: Path) -> None:
    broker = FakeBroker()
    hub = await AckingHub(broker).start()
    kds, _ = await _display(tmp_path, broker)

    def broken(outcome: object) -> None:
        raise RuntimeError("screen exploded")

    kds.add_listener(broken)
    await publish_ticket(hub.link, make_ticket("o1"), root=ROOT)
    await wait_any(lambda: len(_dead_letters(broker)) == 1)
    assert "kds.failed" in _dead_letters(broker)[0].reason
    kds._listeners.remove(broken)
    await publish_ticket(hub.link, make_ticket("o2"), root=ROOT)
    assert [t.ticket_id for t in kds.board.on_screen()] == ["o1:wok", "o2:wok"]
    await kds.stop()


async def test_a_restart_shows_the_same_board_and_still_drops_redeliveries(tmp_path: Path) -> None:
    broker = FakeBroker()
    hub = await AckingHub(broker).start()
    clock = FakeClock()
    kds, link = await _display(tmp_path, broker, clock)
    await publish_ticket(hub.link, make_ticket("o1"), root=ROOT)
    clock.advance(60)
    await publish_ticket(hub.link, make_ticket("o2"), root=ROOT)
    await publish_ticket(hub.link, make_ticket("o3"), root=ROOT)
    kds.bump_line("o1:wok", "l1")
    kds.bump_ticket("o3:wok")
    await publish_ticket(hub.link, make_ticket("o4"), root=ROOT)
    await publish_ticket(hub.link, make_ticket("o4", revision=2, cancelled=True), root=ROOT)
    assert kds.writer is not None
    await kds.writer.drained(5)
    await kds.stop()
    await link.stop()

    again, _ = await _display(tmp_path, broker, clock)
    assert [(t.ticket_id, t.phase) for t in again.board.on_screen()] == [
        ("o1:wok", Phase.ACTIVE),
        ("o2:wok", Phase.ACTIVE),
        ("o4:wok", Phase.CANCELLED),
    ]
    assert [line.bumped for line in again.board.tickets["o1:wok"].lines] == [True, False]
    assert again.board.tickets["o1:wok"].arrived_at == FakeClock().now, "the timer keeps running from arrival"
    assert [t.ticket_id for t in again.board.recent_bumps()] == ["o3:wok"]
    await publish_ticket(hub.link, make_ticket("o2"), root=ROOT)  # the broker redelivers after the restart
    assert len(again.board.on_screen()) == 3
    again.recall()
    assert "o3:wok" in [t.ticket_id for t in again.board.on_screen()]
    await again.stop()


async def test_a_bump_while_the_broker_is_unreachable_is_sent_when_it_returns(tmp_path: Path) -> None:
    broker = FakeBroker()
    hub = await AckingHub(broker).start()
    kds, link = await _display(tmp_path, broker)
    await publish_ticket(hub.link, make_ticket("o1"), root=ROOT)
    assert kds.outbox is not None and kds.writer is not None
    await kds.writer.drained(5)
    await wait_any(lambda: kds.outbox is not None and kds.outbox.pending() == 0)
    assert hub.states() == [("o1:wok", "shown", ())]
    link.fail_publishes = True
    outcome = kds.bump_ticket("o1:wok")  # returns at once: the screen never waits on the network
    assert outcome.statuses and kds.board.on_screen() == []
    await kds.writer.drained(5)
    assert kds.outbox.pending() == 1
    assert await kds.count_pending() == 1
    link.fail_publishes = False
    await wait_any(lambda: kds.outbox is not None and kds.outbox.pending() == 0, timeout=10)
    assert hub.states()[-1] == ("o1:wok", "ready", ())
    await kds.stop()


async def test_the_feed_is_down_when_the_link_is_or_a_watched_presence_says_offline(tmp_path: Path) -> None:
    from contracts.devices import Presence, PresenceStatus

    broker = FakeBroker()
    hub = await AckingHub(broker).start()
    clock = FakeClock()
    kds, link = await _display(tmp_path, broker, clock, watch_presence=["edge-s1"])
    assert kds.feed_down_reason is None
    presence = topics.PRESENCE.build(root=ROOT, client_id="edge-s1")
    offline = Presence(client_id="edge-s1", status=PresenceStatus.OFFLINE, kind="edge_agent")
    await hub.link.publish(presence, encode_body(offline, source="edge-s1"), retain=True)
    assert kds.feed_down_reason == "edge_offline"
    online = offline.model_copy(update={"status": PresenceStatus.ONLINE})
    await hub.link.publish(presence, encode_body(online, source="edge-s1"), retain=True)
    kds.tick()
    clock.advance(30)
    await link.stop()
    assert kds.feed_down_reason == "broker_down"
    kds.tick()
    assert kds.seconds_since_update() == 30
    await kds.stop()
