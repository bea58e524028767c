"""The device outbox keeps every message until the hub acknowledges it, across restarts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts import topics
from contracts.envelope import decode, encode_body
from contracts.kitchen import TicketState, TicketStatus
from contracts.messaging import Ack, Refusal
from mqttlink import FakeBroker, FakeMqttLink, MqttSettings, PahoMqttLink
from mqttlink.device_outbox import DeviceOutbox, RefusedMessage
from tests.mqtt_watch import Watcher

ROOT = "brigade"


def _status(n: int) -> TicketStatus:
    return TicketStatus(
        ticket_id=f"o{n}:wok",
        order_id=f"o{n}",
        store_id="s1",
        station_id="wok",
        state=TicketState.READY,
        device_id="kds-1",
        at=datetime.now(UTC),
    )


async def _ack(link: FakeMqttLink | PahoMqttLink, ids: list[str], root: str = ROOT) -> None:
    body = Ack(device_id="kds-1", message_ids=tuple(ids), at=datetime.now(UTC))  # type: ignore[arg-type]
    await link.publish(topics.ACK.build(root=root, device_id="kds-1"), encode_body(body, source="hub"))


async def test_rows_stay_until_acked_and_keep_their_ids(tmp_path: Path) -> None:
    broker = FakeBroker()
    link = FakeMqttLink(broker)
    await link.start()
    outbox = DeviceOutbox(tmp_path / "o.sqlite3", link, device_id="kds-1", root=ROOT, retry_after_s=0.05)
    await outbox.start(send=False)
    ids = [await outbox.put(topics.TICKET_STATUS, _status(n), store_id="s1", station_id="wok") for n in range(3)]
    await outbox.flush_once()
    sent = broker.messages_on(topics.TICKET_STATUS.wildcard(root=ROOT))
    assert [decode(m.payload).id for m in sent] == ids
    assert [decode(m.payload).seq for m in sent] == [1, 2, 3]
    await _ack(link, [str(ids[0])])
    assert outbox.pending() == 2
    await asyncio.sleep(0.06)  # past the retry window: unacked rows go again, same ids
    await outbox.flush_once()
    resent = broker.messages_on(topics.TICKET_STATUS.wildcard(root=ROOT))[3:]
    assert [decode(m.payload).id for m in resent] == ids[1:]
    await outbox.stop()


async def test_nothing_is_lost_while_the_link_is_down_or_the_process_restarts(tmp_path: Path) -> None:
    broker = FakeBroker()
    link = FakeMqttLink(broker)
    await link.start()
    link.fail_publishes = True
    outbox = DeviceOutbox(tmp_path / "o.sqlite3", link, device_id="kds-1", root=ROOT)
    ids = [outbox.put_now(topics.TICKET_STATUS, _status(n), store_id="s1", station_id="wok") for n in range(5)]
    with pytest.raises(Exception, match="fake link is down"):
        await outbox.flush_once()
    await outbox.stop()  # "power cut"

    link.fail_publishes = False
    again = DeviceOutbox(tmp_path / "o.sqlite3", link, device_id="kds-1", root=ROOT)
    await again.start(send=False)
    assert again.pending() == 5
    await again.flush_once()
    assert [decode(m.payload).id for m in broker.messages_on(topics.TICKET_STATUS.wildcard(root=ROOT))] == ids
    await _ack(link, [str(i) for i in ids])
    assert again.pending() == 0
    await again.stop()


@pytest.mark.integration
async def test_against_mosquitto(tmp_path: Path, mosquitto_settings: MqttSettings) -> None:
    root = mosquitto_settings.topic_root
    link = PahoMqttLink(mosquitto_settings)
    await link.start()
    await link.wait_connected(10)
    outbox = DeviceOutbox(tmp_path / "o.sqlite3", link, device_id="kds-1", root=root, retry_after_s=30)
    await outbox.start()
    async with Watcher(mosquitto_settings) as hub:
        await hub.watch(topics.TICKET_STATUS.wildcard(root=root))
        ids = [await outbox.put(topics.TICKET_STATUS, _status(n), store_id="s1", station_id="wok") for n in range(10)]
        received = await hub.wait_for(10)
        assert [decode(m.payload).id for m in received] == ids
        await _ack(hub.link, [str(i) for i in ids], root)
        await hub.wait_until(lambda: outbox.pending() == 0, timeout=10)
    await outbox.stop()
    await link.stop()


async def test_a_put_with_a_known_message_id_is_queued_once(tmp_path: Path) -> None:
    link = FakeMqttLink(FakeBroker())
    await link.start()
    outbox = DeviceOutbox(tmp_path / "o.sqlite3", link, device_id="kds-1", root=ROOT)
    first = uuid.uuid4()
    for _ in range(3):  # a caller retrying after a crash between its own commit and ours
        assert (
            outbox.put_now(topics.TICKET_STATUS, _status(1), message_id=first, store_id="s1", station_id="wok") == first
        )
    assert outbox.pending() == 1
    await outbox.stop()


async def test_a_refused_message_is_forgotten_and_handed_to_the_device_with_its_reason(tmp_path: Path) -> None:
    broker = FakeBroker()
    link = FakeMqttLink(broker)
    await link.start()
    shown: list[RefusedMessage] = []

    async def show(message: RefusedMessage) -> None:
        shown.append(message)

    outbox = DeviceOutbox(tmp_path / "o.sqlite3", link, device_id="kds-1", root=ROOT, on_refused=show)
    await outbox.start(send=False)
    ok, bad = [await outbox.put(topics.TICKET_STATUS, _status(n), store_id="s1", station_id="wok") for n in range(2)]
    body = Ack(
        device_id="kds-1",
        message_ids=(ok, bad),
        at=datetime.now(UTC),
        refused=(Refusal(message_id=bad, code="order.invalid_transition", reason="this order was cancelled"),),
    )
    await link.publish(topics.ACK.build(root=ROOT, device_id="kds-1"), encode_body(body, source="hub"))
    assert outbox.pending() == 0  # a resend would only be refused again
    assert [(m.message_id, m.code, m.reason) for m in shown] == [
        (str(bad), "order.invalid_transition", "this order was cancelled")
    ]
    assert decode(shown[0].payload).id == bad  # what was refused, so the device can say which action
    assert shown[0].topic == topics.TICKET_STATUS.build(root=ROOT, store_id="s1", station_id="wok")
    await outbox.stop()


async def test_the_device_is_told_which_messages_the_hub_applied(tmp_path: Path) -> None:
    link = FakeMqttLink(FakeBroker())
    await link.start()
    applied: list[list[str]] = []

    async def confirmed(ids: list[str]) -> None:
        applied.append(ids)

    outbox = DeviceOutbox(tmp_path / "o.sqlite3", link, device_id="kds-1", root=ROOT, on_acked=confirmed)
    await outbox.start(send=False)
    ok, later, bad = [
        await outbox.put(topics.TICKET_STATUS, _status(n), store_id="s1", station_id="wok") for n in range(3)
    ]
    assert outbox.pending_ids([str(ok), str(later), "not-ours"]) == {str(ok), str(later)}
    body = Ack(
        device_id="kds-1",
        message_ids=(ok, bad),
        at=datetime.now(UTC),
        refused=(Refusal(message_id=bad, code="order.invalid_transition", reason="this order was cancelled"),),
    )
    await link.publish(topics.ACK.build(root=ROOT, device_id="kds-1"), encode_body(body, source="hub"))
    assert applied == [[str(ok)]]  # the refused one goes to on_refused, never here
    assert outbox.pending_ids([str(ok), str(later), str(bad)]) == {str(later)}
    await outbox.stop()
