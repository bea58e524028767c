"""The hub's background parts: embedded broker, MQTT link, outbox relay, bridge, periodic jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket

from contracts.devices import Presence, PresenceStatus
from hub.bridge.hub_routes import hub_routes
from hub.bridge.mqtt_bridge import MqttBridge
from hub.context import HubContext
from hub.delivery.jobs import run_delivery_jobs
from hub.jobs import run_periodic_jobs
from hub.kitchen.service import mark_sent
from hub.marketing.jobs import run_crm_jobs
from hub.outbox.relay import OutboxRelay
from mqttlink import PahoMqttLink
from mqttlink.embedded_broker import EmbeddedBroker

logger = logging.getLogger(__name__)

AUTO_CLIENT_IDS = frozenset({"brigade", "brigade-hub"})
"""Left at a default, the client id becomes brigade-hub-<host>-<pid>: unique per hub process."""


class HubRuntime:
    def __init__(self, ctx: HubContext) -> None:
        self.ctx = ctx
        self._broker: EmbeddedBroker | None = None
        self._link: PahoMqttLink | None = None
        self._bridge: MqttBridge | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        settings = self.ctx.settings
        self.ctx.loop = asyncio.get_running_loop()
        if settings.embedded_broker:
            self._broker = EmbeddedBroker(settings.mqtt.host, settings.mqtt.port)
            await self._broker.start()
        if settings.run_relay or settings.run_bridge:
            mqtt = settings.mqtt
            if mqtt.client_id in AUTO_CLIENT_IDS:  # several hub processes must not share a session
                mqtt = mqtt.model_copy(
                    update={"client_id": f"brigade-hub-{socket.gethostname()[:30]}-{os.getpid()}".replace(".", "-")}
                )
            self._link = PahoMqttLink(
                mqtt, presence=Presence(client_id=mqtt.client_id, status=PresenceStatus.ONLINE, kind="hub")
            )
            self.ctx.link = self._link
            await self._link.start()
        if settings.run_bridge and self._link is not None:
            self._bridge = MqttBridge(
                self.ctx.db,
                self._link,
                self.ctx.metrics,
                # Late-bound: the context's clock may be replaced after start (a pinned clock in tests).
                hub_routes(settings, self.ctx.messaging(), lambda: self.ctx.clock()),  # noqa: PLW0108
                root=settings.mqtt.topic_root,
                source=settings.source_id,
                max_group=settings.bridge_max_group,
                max_attempts=settings.bridge_max_attempts,
            )
            await self._bridge.start()
        if settings.run_relay and self._link is not None:
            relay = OutboxRelay(
                self.ctx.db,
                self._link,
                self.ctx.metrics,
                batch_size=settings.relay_batch_size,
                idle_poll_s=settings.relay_idle_poll_s,
                sent_hooks=[mark_sent],
            )
            self.ctx.relay_wakeup = relay.wakeup
            self._tasks.append(asyncio.create_task(relay.run(), name="outbox-relay"))
        if settings.run_jobs:
            self._tasks.append(asyncio.create_task(run_periodic_jobs(self.ctx), name="hub-jobs"))
            self._tasks.append(asyncio.create_task(run_delivery_jobs(self.ctx), name="delivery-jobs"))
            self._tasks.append(asyncio.create_task(run_crm_jobs(self.ctx), name="crm-jobs"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._bridge is not None:
            await self._bridge.stop()
        if self._link is not None:
            await self._link.stop()
        if self._broker is not None:
            await self._broker.stop()
