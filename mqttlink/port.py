"""The transport port every process uses: publish, subscribe, presence."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


class LinkError(Exception):
    """A publish that the broker did not acknowledge in time, or a link that is not running."""

    code = "mqtt.link_error"


@dataclass(frozen=True, slots=True)
class MqttMessage:
    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False


Handler = Callable[[MqttMessage], Awaitable[None]]


class MqttLinkPort(Protocol):
    @property
    def connected(self) -> bool: ...

    @property
    def shared_subscriptions(self) -> bool:
        """True when the connected broker delivers to ``$share/...`` subscriptions."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def wait_connected(self, timeout: float | None = None) -> None: ...

    async def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> None:
        """Return when the broker acknowledged it (QoS 1) or it was written (QoS 0)."""
        ...

    async def subscribe(self, topic_filter: str, handler: Handler, *, qos: int = 1, shared: bool = False) -> None:
        """Deliver matching messages to ``handler``; kept across reconnects."""
        ...
