"""Plays the hub's side of the rider contract on a broker until the hub's delivery ingest exists:
consumes positions and delivery events, applies each envelope once (an inbox by envelope id, and
positions unique on (rider, fix time) as the hub stores them), and acks every envelope to
``acks/{source}`` the way the hub's bridge does."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from contracts import topics
from contracts.envelope import Envelope
from contracts.messaging import Ack, Refusal
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
        self.refuse: Callable[[Envelope[Any]], tuple[str, str] | None] | None = None
        """(code, reason) for a message to refuse, as the hub refuses what its rules reject."""
        self.refused: list[Envelope[Any]] = []
        self.held: list[tuple[Envelope[Any], Refusal | None]] = []
        """With ``ack`` off: the answers the hub owes, sent by ``release``."""
        self._changed = asyncio.Event()

    async def start(self) -> HubStandIn:
        await subscribe_template(self.link, topics.RIDER_POSITIONS, self._on_positions, root=self.root, consumer="hub")
        await subscribe_template(self.link, topics.RIDER_EVENT, self._on_event, root=self.root, consumer="hub")
        return self

    async def _on_positions(self, envelope: Envelope[Any], _params: dict[str, str]) -> None:
        self.envelopes.append(envelope)
        refusal = self._refusal(envelope)
        if refusal is None and self._claim(envelope):
            for p in envelope.body.positions:
                key = (p.rider_id, p.fix_at)
                self.position_envelopes[key].add(str(envelope.id))
                if key not in self.positions:
                    self.positions[key] = p
                    self.order.append(("position", key))
        await self._ack(envelope, refusal)

    async def _on_event(self, envelope: Envelope[Any], _params: dict[str, str]) -> None:
        self.envelopes.append(envelope)
        refusal = self._refusal(envelope)
        if refusal is None and self._claim(envelope):
            self.events.append(envelope.body)
            self.order.append(("event", envelope.body))
        await self._ack(envelope, refusal)

    def _refusal(self, envelope: Envelope[Any]) -> Refusal | None:
        found = self.refuse(envelope) if self.refuse is not None else None
        if found is None:
            return None
        self.refused.append(envelope)
        self._changed.set()
        return Refusal(message_id=envelope.id, code=found[0], reason=found[1])

    def _claim(self, envelope: Envelope[Any]) -> bool:
        self._changed.set()
        if str(envelope.id) in self.applied_ids:
            return False
        self.applied_ids.add(str(envelope.id))
        return True

    async def release(self) -> None:
        """Send the answers held back while ``ack`` was off (a slow hub catching up)."""
        held, self.held = self.held, []
        for envelope, refusal in held:
            await self._answer(envelope, refusal)

    async def _ack(self, envelope: Envelope[Any], refusal: Refusal | None = None) -> None:
        if not self.ack:
            self.held.append((envelope, refusal))
            return
        await self._answer(envelope, refusal)

    async def _answer(self, envelope: Envelope[Any], refusal: Refusal | None) -> None:
        body = Ack(
            device_id=envelope.source,
            message_ids=(envelope.id,),
            at=datetime.now(UTC),
            refused=(refusal,) if refusal is not None else (),
        )
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
