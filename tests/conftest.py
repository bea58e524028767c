from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from mqttlink import MqttSettings
from mqttlink.embedded_broker import EmbeddedBroker
from tests import services


@pytest.fixture
def topic_root() -> str:
    """A topic root of the test's own, so parallel runs on one broker never see each other."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def mosquitto_settings(topic_root: str) -> MqttSettings:
    if not services.port_open(services.MOSQUITTO_HOST, services.MOSQUITTO_PORT):
        services.missing(f"no MQTT broker on {services.MOSQUITTO_HOST}:{services.MOSQUITTO_PORT}")
    return MqttSettings(
        host=services.MOSQUITTO_HOST,
        port=services.MOSQUITTO_PORT,
        client_id=f"test-{uuid.uuid4().hex[:10]}",
        topic_root=topic_root,
        reconnect_min_s=0.2,
        reconnect_max_s=1.0,
    )


@pytest.fixture
async def amqtt_settings(topic_root: str) -> AsyncIterator[MqttSettings]:
    port = services.free_port()
    broker = EmbeddedBroker(port=port)
    await broker.start()
    try:
        yield MqttSettings(
            port=port,
            client_id=f"test-{uuid.uuid4().hex[:10]}",
            topic_root=topic_root,
            reconnect_min_s=0.2,
            reconnect_max_s=1.0,
        )
    finally:
        await broker.stop()


@pytest.fixture
def private_broker() -> Iterator[services.PrivateMosquitto]:
    with services.private_mosquitto() as broker:
        yield broker
