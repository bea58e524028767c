"""A test's eyes on the broker: subscribe, collect, wait for a count with a timeout."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from typing import Any

from contracts.envelope import Envelope, decode
from mqttlink import MqttMessage, MqttSettings, PahoMqttLink


class Watcher:
    def __init__(self, settings: MqttSettings) -> None:
        self.link = PahoMqttLink(
            settings.model_copy(update={"client_id": f"watch-{uuid.uuid4().hex[:10]}", "persistent_session": False})
        )
        self.messages: list[MqttMessage] = []
        self._changed = asyncio.Event()

    async def __aenter__(self) -> Watcher:
        await self.link.start()
        await self.link.wait_connected(10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.link.stop()

    async def watch(self, topic_filter: str) -> None:
        await self.link.subscribe(topic_filter, self._on)

    async def _on(self, message: MqttMessage) -> None:
        self.messages.append(message)
        self._changed.set()

    def envelopes(self, predicate: Callable[[MqttMessage], bool] = lambda m: True) -> list[Envelope[Any]]:
        return [decode(m.payload) for m in self.messages if predicate(m)]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 15.0) -> None:
        """Re-check on every message, and every 50 ms for conditions outside the broker."""

        async def _wait() -> None:
            while not condition():
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.05)

        await asyncio.wait_for(_wait(), timeout)

    async def wait_for(
        self, count: int, predicate: Callable[[MqttMessage], bool] = lambda m: True, timeout: float = 15.0
    ) -> list[MqttMessage]:
        await self.wait_until(lambda: sum(1 for m in self.messages if predicate(m)) >= count, timeout)
        return [m for m in self.messages if predicate(m)]
