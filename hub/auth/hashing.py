"""Password hashing off the request threads: argon2 runs on a few threads of its own.

argon2 is meant to be slow (about 0.1-0.3 s of CPU here). Run on the request threads, a burst of
sign-ins takes every one of them and the rest of the API stops answering. Here at most
``hash_threads`` hashes run at once and sign-ins wait for them without holding a request thread or
a database connection; past ``hash_queue_max`` waiting, a sign-in is refused at once (503).
"""

from __future__ import annotations

from functools import partial

import anyio
import anyio.to_thread

from hub.auth.errors import LoginBusy
from hub.auth.passwords import hash_password, verify_password
from hub.auth.settings import AuthSettings


class PasswordHashing:
    def __init__(self, threads: int = 2, queue_max: int = 32) -> None:
        self._limiter = anyio.CapacityLimiter(threads)
        self._queue_max = queue_max

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> PasswordHashing:
        return cls(settings.hash_threads, settings.hash_queue_max)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await anyio.to_thread.run_sync(partial(verify_password, password_hash, password), limiter=self._limiter)

    async def hash(self, password: str) -> str:
        self.check_capacity()
        return await anyio.to_thread.run_sync(partial(hash_password, password), limiter=self._limiter)

    def check_capacity(self) -> None:
        """LoginBusy when every hashing thread is taken and ``queue_max`` are already waiting."""
        stats = self._limiter.statistics()
        if stats.borrowed_tokens >= stats.total_tokens and stats.tasks_waiting >= self._queue_max:
            raise LoginBusy
