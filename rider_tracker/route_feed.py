"""The rider's plan from the hub: the retained ``RiderRoute`` on this rider's route topic.

The last plan is kept in the spool, so a unit that starts without network still shows its stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from contracts import topics
from contracts.envelope import Envelope
from contracts.rider import RiderRoute
from mqttlink.messages import subscribe_template
from mqttlink.port import MqttLinkPort
from rider_tracker.route_board import RouteBoard
from rider_tracker.spool import RiderSpool

logger = logging.getLogger(__name__)


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
        cached = await asyncio.to_thread(self._spool.last_route)
        if cached is not None and self._board.apply_route(cached):
            logger.info(
                "rider %s: showing the cached plan %s v%d", self._board.rider_id, cached.plan_id, cached.version
            )
        await subscribe_template(
            self._link,
            topics.RIDER_ROUTE,
            self._on_route,
            root=self._root,
            consumer=self._unit_id,
            rider_id=self._board.rider_id,
        )

    async def _on_route(self, envelope: Envelope[Any], _params: dict[str, str]) -> None:
        route: RiderRoute = envelope.body
        if not self._board.apply_route(route):
            return
        logger.info(
            "rider %s: plan %s v%d with %d stops", route.rider_id, route.plan_id, route.version, len(route.stops)
        )
        await asyncio.to_thread(self._spool.save_route, route)
        for listener in self._listeners:
            try:
                listener(route)
            except Exception:
                logger.exception("rider %s: a route listener failed; continuing", route.rider_id)
