"""The rider's plans from the hub: the retained ``RiderRoute`` on this rider's order-route topic,
and the one on its round topic (a subscription round: the milk run of a business date).

The last plan of each is kept in the spool, so a unit that starts without network still shows its stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from contracts import topics
from contracts.envelope import Envelope
from contracts.rider import RiderRoute
from mqttlink.messages import subscribe_template
from mqttlink.port import MqttLinkPort
from rider_tracker.route_board import RouteBoard, RouteKind
from rider_tracker.spool import RiderSpool

logger = logging.getLogger(__name__)

TOPICS = {RouteKind.ORDERS: topics.RIDER_ROUTE, RouteKind.ROUND: topics.RIDER_ROUND}


class RouteFeed:
    def __init__(self, link: MqttLinkPort, board: RouteBoard, spool: RiderSpool, *, root: str, unit_id: str) -> None:
        self._link = link
        self._board = board
        self._spool = spool
        self._root = root
        self._unit_id = unit_id
        self._listeners: list[Callable[[RiderRoute], None]] = []

    def on_route(self, listener: Callable[[RiderRoute], None]) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        for kind, template in TOPICS.items():
            cached = await asyncio.to_thread(self._spool.last_route, kind.value)
            if cached is not None and self._board.apply_route(cached, kind):
                logger.info(
                    "rider %s: showing the cached %s plan %s v%d",
                    self._board.rider_id,
                    kind.value,
                    cached.plan_id,
                    cached.version,
                )
            await subscribe_template(
                self._link,
                template,
                self._receiver(kind),
                root=self._root,
                consumer=self._unit_id,
                rider_id=self._board.rider_id,
            )

    def _receiver(self, kind: RouteKind) -> Callable[[Envelope[Any], dict[str, str]], Awaitable[None]]:
        async def receive(envelope: Envelope[Any], _params: dict[str, str]) -> None:
            await self._on_route(envelope.body, kind)

        return receive

    async def _on_route(self, route: RiderRoute, kind: RouteKind) -> None:
        if not self._board.apply_route(route, kind):
            return
        logger.info(
            "rider %s: %s plan %s v%d with %d stops",
            route.rider_id,
            kind.value,
            route.plan_id,
            route.version,
            len(route.stops),
        )
        await asyncio.to_thread(self._spool.save_route, route, kind.value)
        for listener in self._listeners:
            try:
                listener(route)
            except Exception:
                logger.exception("rider %s: a route listener failed; continuing", route.rider_id)
