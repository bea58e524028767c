"""Who is calling: a staff user, a channel's API key, or a device."""

from __future__ import annotations

from dataclasses import dataclass

from hub.kernel.roles import SEES_FULL_PHONES, Role


@dataclass(frozen=True)
class Principal:
    kind: str
    """user, api_key or device."""
    id: str
    name: str
    role: Role
    store_ids: frozenset[str] | None = None
    """None: every store. Otherwise only these; anything else is reported as not found."""
    channel: str | None = None

    def sees_store(self, store_id: str | None) -> bool:
        return self.store_ids is None or (store_id is not None and store_id in self.store_ids)

    @property
    def sees_full_phones(self) -> bool:
        return self.role in SEES_FULL_PHONES

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"
