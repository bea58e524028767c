"""In-memory broker and link for unit tests: same port, no network, deterministic."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from paho.mqtt.client import topic_matches_sub

from mqttlink.port import Handler, LinkError, MqttMessage

logger = logging.getLogger(__name__)


@dataclass
class FakeBroker:
    """Routes messages between FakeMqttLinks; keeps retained messages and a log of everything."""

    retained: dict[str, MqttMessage] = field(default_factory=dict)
    published: list[MqttMessage] = field(default_factory=list)
    links: list[FakeMqttLink] = field(default_factory=list)

    def messages_on(self, topic_filter: str) -> list[MqttMessage]:
        return [m for m in self.published if topic_matches_sub(topic_filter, m.topic)]

    async def route(self, message: MqttMessage) -> None:
        self.published.append(message)
        if message.retain:
            if message.payload:
                self.retained[message.topic] = message
            else:
                self.retained.pop(message.topic, None)
        for link in list(self.links):
            await link.deliver(message)


class FakeMqttLink:
    """A link to a FakeBroker. Handlers run inline, wrapped like the real link's."""

    def __init__(self, broker: FakeBroker | None = None, *, shared_subscriptions: bool = True) -> None:
        self.broker = broker or FakeBroker()
        self._handlers: list[tuple[str, Handler]] = []
        self._connected = False
        self._shared = shared_subscriptions
        self.fail_publishes = False
        """Set to make every publish raise LinkError, as if the broker were unreachable."""

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def shared_subscriptions(self) -> bool:
        return self._shared

    async def start(self) -> None:
        self._connected = True
        if self not in self.broker.links:
            self.broker.links.append(self)

    async def stop(self) -> None:
        self._connected = False
        if self in self.broker.links:
            self.broker.links.remove(self)

    async def wait_connected(self, timeout: float | None = None) -> None:
        if not self._connected:
            raise LinkError("fake link not started")

    async def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> None:
        if self.fail_publishes or not self._connected:
            raise LinkError("fake link is down")
        await self.broker.route(MqttMessage(topic, payload, qos, retain))

    async def subscribe(self, topic_filter: str, handler: Handler, *, qos: int = 1, shared: bool = False) -> None:
        self._handlers.append((topic_filter, handler))
        for message in list(self.broker.retained.values()):
            if topic_matches_sub(topic_filter, message.topic):
                await self._call(handler, message)

    async def deliver(self, message: MqttMessage) -> None:
        for topic_filter, handler in list(self._handlers):
            if topic_matches_sub(topic_filter, message.topic):
                await self._call(handler, message)

    @staticmethod
    async def _call(handler: Handler, message: MqttMessage) -> None:
        try:
            await handler(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("handler failed on %s; continuing", message.topic)
