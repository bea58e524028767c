"""Channel API keys seen recently, so busy channels do not cost a lookup per order.

A revoked key stops working in this process at once and in other hub processes within ``ttl_s``.
"""

from __future__ import annotations

import hashlib
import threading
import time

from sqlmodel import Session

from hub.auth.service import api_key_principal
from hub.kernel.principal import Principal


class ApiKeyCache:
    def __init__(self, ttl_s: float = 5.0) -> None:
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Principal]] = {}

    def cached(self, key: str) -> Principal | None:
        """The key's principal if it was looked up within ``ttl_s``; no I/O (the event loop calls it)."""
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        with self._lock:
            entry = self._entries.get(digest)
        if entry is not None and time.monotonic() - entry[0] < self._ttl_s:
            return entry[1]
        return None

    def principal(self, session: Session, key: str) -> Principal:
        found = self.cached(key)
        if found is not None:
            return found
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        now = time.monotonic()
        principal = api_key_principal(session, key)
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (now, principal)
        return principal

    def forget(self, key_id: str) -> None:
        with self._lock:
            for digest in [d for d, (_, p) in self._entries.items() if p.id == key_id]:
                del self._entries[digest]
