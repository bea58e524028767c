"""What every request and job of one hub instance shares, built by ``create_app``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import anyio

from hub.auth.hashing import PasswordHashing
from hub.auth.key_cache import ApiKeyCache
from hub.db import Database
from hub.db_types import utcnow
from hub.kernel.events import Events
from hub.kernel.messaging import Messaging
from hub.metrics import HubMetrics
from hub.settings import HubSettings
from hub.stores.catalog import StoreCatalogs
from hub.wiring import domain_events
from mqttlink import MqttLinkPort


@dataclass
class HubContext:
    settings: HubSettings
    db: Database
    secret: str
    metrics: HubMetrics = field(default_factory=HubMetrics)
    link: MqttLinkPort | None = None
    relay_wakeup: asyncio.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None
    catalogs: StoreCatalogs = field(default_factory=StoreCatalogs)
    api_keys: ApiKeyCache = field(default_factory=ApiKeyCache)
    session_close_limiter: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(4))
    hashing: PasswordHashing = field(default_factory=PasswordHashing)
    """argon2 on threads of its own (``create_app`` sizes it from ``settings.auth``)."""
    clock: Callable[[], datetime] = utcnow
    """Now, in UTC: sign-in throttling and request-time checks (an order's placed and promised times); tests pin it."""
    events: Events = field(default_factory=domain_events)
    """Which domain reacts to which other domain's events (``hub.wiring``)."""
    _session_slots: asyncio.Semaphore | None = None

    def session_slots(self) -> asyncio.Semaphore:
        """Bounds request sessions to the connection pool (see ``hub.deps.get_session``)."""
        if self._session_slots is None:
            self._session_slots = asyncio.Semaphore(self.settings.db_pool_size)
        return self._session_slots

    def messaging(self) -> Messaging:
        """Where this hub's messages go (its topic root and envelope source)."""
        s = self.settings
        return Messaging(root=s.mqtt.topic_root, source=s.source_id, phone_region=s.phone_region, events=self.events)

    def wake_relay(self) -> None:
        """Tell the in-process relay there is something to publish (callable from any thread)."""
        if self.loop is not None and self.relay_wakeup is not None:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self.relay_wakeup.set)
