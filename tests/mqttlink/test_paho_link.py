"""The real adapter against the machine's Mosquitto (v5), amqtt (3.1.1) and a private Mosquitto."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
import uuid

import pytest

from contracts import topics
from contracts.devices import Presence, PresenceStatus
from contracts.envelope import decode
from mqttlink import MqttMessage, MqttSettings, PahoMqttLink

pytestmark = pytest.mark.integration


class Inbox:
    """Collects messages and lets a test wait for a count, with a timeout (no sleeps)."""

    def __init__(self) -> None:
        self.messages: list[MqttMessage] = []
        self._changed = asyncio.Event()

    async def __call__(self, message: MqttMessage) -> None:
        self.messages.append(message)
        self._changed.set()

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[MqttMessage]:
        async def _wait() -> None:
            while len(self.messages) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(_wait(), timeout)
        return self.messages


def _link(settings: MqttSettings, **changes: object) -> PahoMqttLink:
    return PahoMqttLink(settings.model_copy(update={"client_id": f"c-{uuid.uuid4().hex[:10]}", **changes}))


async def _roundtrip(settings: MqttSettings) -> tuple[PahoMqttLink, list[MqttMessage]]:
    sub, pub = _link(settings), _link(settings)
    inbox = Inbox()
    await sub.start()
    await pub.start()
    try:
        await sub.wait_connected(10)
        await pub.wait_connected(10)
        await sub.subscribe(f"{settings.topic_root}/v1/roundtrip/#", inbox)
        for i in range(20):
            await pub.publish(f"{settings.topic_root}/v1/roundtrip/{i}", f"m{i}".encode(), qos=1)
        received = await inbox.wait_for(20)
    finally:
        await pub.stop()
        await sub.stop()
    return pub, received


async def test_roundtrip_on_mosquitto_uses_v5(mosquitto_settings: MqttSettings) -> None:
    link, received = await _roundtrip(mosquitto_settings)
    assert link.protocol == "5"
    assert sorted(m.payload for m in received) == sorted(f"m{i}".encode() for i in range(20))


async def test_roundtrip_on_amqtt_falls_back_to_311(amqtt_settings: MqttSettings) -> None:
    link, received = await _roundtrip(amqtt_settings)
    assert link.protocol == "3.1.1"
    assert not link.shared_subscriptions
    assert len(received) == 20


async def test_on_amqtt_a_v5_client_is_refused_at_once_and_amqtt_logs_nothing_garbled(
    amqtt_settings: MqttSettings, caplog: pytest.LogCaptureFixture
) -> None:
    """The embedded broker answers a v5 CONNECT with 3.1.1's "unacceptable protocol version": no
    probe timeout, and amqtt never parses the v5 packet (no "Will flag set..." warning)."""
    caplog.set_level(logging.INFO)
    client_id = f"c-{uuid.uuid4().hex[:10]}"
    presence = Presence(client_id=client_id, status=PresenceStatus.ONLINE, kind="kds")
    link = PahoMqttLink(amqtt_settings.model_copy(update={"client_id": client_id}), presence=presence)
    await link.start()
    try:
        await link.wait_connected(10)
        assert link.protocol == "3.1.1"
        messages = [r.getMessage() for r in caplog.records]
        assert any("refused MQTT v5; falling back to 3.1.1" in m for m in messages), messages
        assert not any("no CONNACK to MQTT v5" in m for m in messages), "no 3 s probe timeout"
    finally:
        await link.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert not any("Will flag set" in m or "Invalid connection" in m for m in messages), messages
    assert not [r for r in caplog.records if r.name.startswith("mqttlink") and r.levelno >= logging.WARNING]


async def test_a_failing_handler_does_not_stop_the_loop(mosquitto_settings: MqttSettings) -> None:
    link = _link(mosquitto_settings)
    inbox = Inbox()

    async def explode(message: MqttMessage) -> None:
        if message.payload == b"bad":
            raise RuntimeError("handler bug")
        await inbox(message)

    await link.start()
    try:
        await link.wait_connected(10)
        await link.subscribe(f"{mosquitto_settings.topic_root}/v1/x", explode)
        await link.publish(f"{mosquitto_settings.topic_root}/v1/x", b"bad")
        await link.publish(f"{mosquitto_settings.topic_root}/v1/x", b"good")
        assert [m.payload for m in await inbox.wait_for(1)] == [b"good"]
    finally:
        await link.stop()


async def test_shared_subscription_splits_the_stream(mosquitto_settings: MqttSettings) -> None:
    settings = mosquitto_settings.model_copy(update={"shared_group": f"g{uuid.uuid4().hex[:6]}"})
    a, b, pub = _link(settings), _link(settings), _link(settings)
    inbox_a, inbox_b = Inbox(), Inbox()
    for link in (a, b, pub):
        await link.start()
        await link.wait_connected(10)
    try:
        assert a.shared_subscriptions
        await a.subscribe(f"{settings.topic_root}/v1/work", inbox_a, shared=True)
        await b.subscribe(f"{settings.topic_root}/v1/work", inbox_b, shared=True)
        for i in range(40):
            await pub.publish(f"{settings.topic_root}/v1/work", str(i).encode())

        async def _both() -> None:
            while len(inbox_a.messages) + len(inbox_b.messages) < 40:
                await asyncio.sleep(0.02)

        await asyncio.wait_for(_both(), 10)
        assert inbox_a.messages and inbox_b.messages
        payloads = [m.payload for m in inbox_a.messages + inbox_b.messages]
        assert sorted(payloads) == sorted(str(i).encode() for i in range(40))
    finally:
        for link in (a, b, pub):
            await link.stop()


async def test_presence_online_then_last_will_offline(mosquitto_settings: MqttSettings) -> None:
    root = mosquitto_settings.topic_root
    client_id = f"dev-{uuid.uuid4().hex[:8]}"
    watcher = _link(mosquitto_settings)
    inbox = Inbox()
    await watcher.start()
    await watcher.wait_connected(10)
    await watcher.subscribe(topics.PRESENCE.wildcard(root=root), inbox)
    script = textwrap.dedent(f"""
        import asyncio
        from contracts.devices import Presence, PresenceStatus
        from mqttlink import MqttSettings, PahoMqttLink
        async def main():
            s = MqttSettings(host={mosquitto_settings.host!r}, port={mosquitto_settings.port}, client_id={client_id!r},
                             topic_root={root!r}, keepalive_s=5)
            me = Presence(client_id={client_id!r}, status=PresenceStatus.ONLINE, kind="test")
            link = PahoMqttLink(s, presence=me)
            await link.start()
            await link.wait_connected(10)
            print("up", flush=True)
            await asyncio.sleep(60)
        asyncio.run(main())
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert await asyncio.to_thread(proc.stdout.readline) == b"up\n"
        first = await inbox.wait_for(1)
        assert decode(first[0].payload, Presence).body.status is PresenceStatus.ONLINE
        proc.kill()  # no DISCONNECT: the broker must publish the will
        messages = await inbox.wait_for(2, timeout=15)
        last = decode(messages[-1].payload, Presence)
        assert last.body.status is PresenceStatus.OFFLINE
        assert last.body.client_id == client_id
    finally:
        proc.kill()
        proc.wait()
        await watcher.stop()
    # A newcomer sees the retained offline state.
    late = _link(mosquitto_settings)
    late_inbox = Inbox()
    await late.start()
    try:
        await late.wait_connected(10)
        await late.subscribe(topics.PRESENCE.build(root=root, client_id=client_id), late_inbox)
        (retained,) = await late_inbox.wait_for(1)
        assert retained.retain
        assert decode(retained.payload, Presence).body.status is PresenceStatus.OFFLINE
    finally:
        await late.stop()


async def test_reconnects_and_keeps_session_across_broker_restart(private_broker, topic_root: str) -> None:
    settings = MqttSettings(
        port=private_broker.port,
        client_id=f"sess-{uuid.uuid4().hex[:8]}",
        topic_root=topic_root,
        reconnect_min_s=0.2,
        reconnect_max_s=1.0,
    )
    subscriber = PahoMqttLink(settings)
    inbox = Inbox()
    await subscriber.start()
    await subscriber.wait_connected(10)
    await subscriber.subscribe(f"{topic_root}/v1/q", inbox)
    await subscriber.stop()  # offline, but its persistent session keeps queueing

    publisher = _link(settings)
    await publisher.start()
    await publisher.wait_connected(10)
    for i in range(50):
        await publisher.publish(f"{topic_root}/v1/q", str(i).encode())
    private_broker.restart()  # persistence on: the queue survives
    await publisher.wait_connected(15)
    await publisher.publish(f"{topic_root}/v1/q", b"after-restart")
    await publisher.stop()

    again = PahoMqttLink(settings)
    await again.subscribe(f"{topic_root}/v1/q", inbox)
    await again.start()
    try:
        received = await inbox.wait_for(51, timeout=15)
        assert sorted(m.payload for m in received) == sorted([str(i).encode() for i in range(50)] + [b"after-restart"])
    finally:
        await again.stop()
