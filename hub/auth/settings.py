"""Sign-in throttling and password hashing (part of ``HubSettings``, ``BRIGADE_AUTH__*``)."""

from __future__ import annotations

import os

from pydantic import BaseModel, Field


def _hash_threads() -> int:
    """One argon2 hash already runs 4 lanes in parallel: one hashing thread per 4 cores."""
    return max(1, (os.cpu_count() or 1) // 4)


class AuthSettings(BaseModel):
    user_free_failures: int = Field(default=5, ge=1, le=1000)
    """Wrong passwords for one username before each further attempt waits (backoff)."""
    address_free_failures: int = Field(default=20, ge=1, le=100_000)
    """Wrong passwords from one client address (any username) before backoff; a store's NAT shares one."""
    backoff_base_s: float = Field(default=1.0, gt=0, le=3600)
    """The first wait past the free failures; each further failure doubles it."""
    backoff_max_s: float = Field(default=900.0, gt=0, le=86_400)
    failure_window_s: float = Field(default=3600.0, gt=0, le=7 * 86_400)
    """Failures older than this (since the last one) are forgotten. Keep it above ``backoff_max_s``."""
    hash_threads: int = Field(default_factory=_hash_threads, ge=1, le=64)
    """Password hashes (argon2, 64 MiB and 4 lanes each) run on at most this many threads, apart from
    the request threads; by default one per 4 cores."""
    hash_queue_max: int = Field(default=32, ge=0, le=10_000)
    """Sign-ins waiting for a hashing thread beyond this are refused with 503 and Retry-After."""
