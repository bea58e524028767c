"""Plays the hub's side of the rider contract on a broker until the hub's delivery ingest exists:
consumes positions and delivery events, applies each envelope once (an inbox by envelope id, and
positions unique on (rider, fix time) as the hub stores them), and acks every envelope to
``acks/{source}`` the way the hub's bridge does."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from contracts import topics
from contracts.envelope import Envelope
from contracts.messaging import Ack
from contracts.rider import DeliveryEvent, RiderPosition
from mqttlink import MqttLinkPort, publish_body, subscribe_template


class HubStandIn:
    def __init__(self, link: MqttLinkPort, *, root: str, ack: bool = True) -> None:
        self.link = link
        self.root = root
        self.ack = ack
        self.envelopes: list[Envelope[Any]] = []
        """Every delivery, duplicates included, in arrival order."""
        self.applied_ids: set[str] = set()
        self.positions: dict[tuple[str, datetime], RiderPosition] = {}
        self.position_envelopes: dict[tuple[str, datetime], set[str]] = defaultdict(set)
        self.events: list[DeliveryEvent] = []
        self.order: list[tuple[str, Any]] = []
        """Applied items in order: ("position", key) or ("event", event)."""
        self._changed = asyncio.Event()

    async def start(self) -> HubStandIn:
        await subscribe_template(self.link, topics.RIDER_POSITIONS, self._on_positions, root=self.root, consumer="hub")
        await subscribe_template(self.link, topics.RIDER_EVENT, self._on_event, root=self.root, consumer="hub")
        return self

    async def _on_positions(self, envelope: Envelope[Any], _params: dict[str, str]) -> None:
        self.envelopes.append(envelope)
        if self._claim(envelope):
            for p in envelope.body.positions:
                key = (p.rider_id, p.fix_at)
                self.position_envelopes[key].add(str(envelope.id))
                if key not in self.positions:
                    self.positions[key] = p
                    self.order.append(("position", key))
        await self._ack(envelope)

    async def _on_event(self, envelope: Envelope[Any], _params: dict[str, str]) -> None:
        self.envelopes.append(envelope)
        if self._claim(envelope):
            self.events.append(envelope.body)
            self.order.append(("event", envelope.body))
        await self._ack(envelope)

    def _claim(self, envelope: Envelope[Any]) -> bool:
        self._changed.set()
        if str(envelope.id) in self.applied_ids:
            return False
        self.applied_ids.add(str(envelope.id))
        return True

    async def _ack(self, envelope: Envelope[Any]) -> None:
        if not self.ack:
            return
        body = Ack(device_id=envelope.source, message_ids=(envelope.id,), at=datetime.now(UTC))
        with contextlib.suppress(Exception):  # like the hub: an ack lost is resent later, the inbox drops it
            await publish_body(self.link, topics.ACK, body, source="hub", root=self.root, device_id=envelope.source)

    def fix_times(self, rider_id: str) -> list[datetime]:
        return sorted(at for rider, at in self.positions if rider == rider_id)

    def resealed(self) -> dict[tuple[str, datetime], set[str]]:
        """Positions that arrived in more than one distinct envelope."""
        return {key: ids for key, ids in self.position_envelopes.items() if len(ids) > 1}

    async def wait_until(self, condition: Any, timeout: float = 20.0) -> None:
        async def _wait() -> None:
            while not condition():
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.05)

        await asyncio.wait_for(_wait(), timeout)
