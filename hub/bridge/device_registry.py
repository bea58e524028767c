"""Who may speak for a topic: the envelope's ``source`` checked against the registered devices.

The broker's ACL decides which account may publish on a topic; the envelope's ``source`` is
written by the sender and proves nothing. The bridge accepts a message only when its source is an
active device registered for the topic's store (edge agent, KDS) or rider (tracker); presence
must come from the client it is about. The registry is read from the database every ``ttl_s``
seconds; a source it does not know makes it read again, at most every ``miss_refresh_s`` (a
device registered a moment ago is found; a flood of forged sources costs a few reads a second).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from hub.db import Database
from hub.devices.api import devices_table

devices = devices_table

STORE_KINDS = frozenset({"edge_agent", "kds"})
RIDER_KINDS = frozenset({"rider_tracker"})


@dataclass(frozen=True, slots=True)
class RegisteredDevice:
    id: str
    kind: str
    store_id: str | None
    rider_id: str | None


def source_problem(source: str, params: dict[str, str], device: RegisteredDevice | None) -> str | None:
    """Why ``source`` may not speak on a topic with ``params`` (None: it may)."""
    if "client_id" in params:
        if source != params["client_id"]:
            return f"presence of {params['client_id']} claimed by {source}"
        return None
    if device is None:
        return f"source {source} is not a registered active device"
    if "store_id" in params:
        if device.kind not in STORE_KINDS or device.store_id != params["store_id"]:
            return f"source {source} is not a device of store {params['store_id']}"
    elif "rider_id" in params and (device.kind not in RIDER_KINDS or device.rider_id != params["rider_id"]):
        return f"source {source} is not the tracker of rider {params['rider_id']}"
    return None


class RegistryUnavailable(Exception):
    """The registry could not be read and nothing was cached yet."""


class DeviceRegistry:
    def __init__(
        self,
        db: Database,
        *,
        ttl_s: float = 5.0,
        miss_refresh_s: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._ttl_s = ttl_s
        self._miss_refresh_s = miss_refresh_s
        self._clock = clock
        self._devices: dict[str, RegisteredDevice] | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    async def lookup(self, device_id: str) -> RegisteredDevice | None:
        """The active device ``device_id``; a stale copy while the database is unreachable."""
        cached, loaded_at = self._devices, self._loaded_at
        if cached is None or self._clock() - loaded_at >= self._ttl_s:
            await self._refresh(loaded_at)
        elif device_id not in cached:
            wait = loaded_at + self._miss_refresh_s - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)  # at most a few reads a second, however many unknown sources
            await self._refresh(loaded_at)
        assert self._devices is not None
        return self._devices.get(device_id)

    def forget(self) -> None:
        """Read the registry again on the next lookup (a device was just created, rotated or revoked)."""
        self._loaded_at = float("-inf")

    async def _refresh(self, seen: float) -> None:
        """Read the registry, unless another lookup did since the copy this one saw (``seen``)."""
        async with self._lock:
            if self._devices is not None and self._loaded_at != seen:
                return
            try:
                loaded = await asyncio.to_thread(self._load)
            except Exception as exc:
                if self._devices is None:
                    raise RegistryUnavailable("the device registry could not be read") from exc
                return  # keep the last copy; try again on the next lookup
            self._devices = loaded
            self._loaded_at = self._clock()

    def _load(self) -> dict[str, RegisteredDevice]:
        query = select(devices.c.id, devices.c.kind, devices.c.store_id, devices.c.rider_id).where(
            devices.c.active.is_(True)
        )
        with self._db.engine.connect() as conn:
            return {
                row.id: RegisteredDevice(id=row.id, kind=row.kind, store_id=row.store_id, rider_id=row.rider_id)
                for row in conn.execute(query)
            }
