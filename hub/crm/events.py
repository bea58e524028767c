"""What the CRM announces to the domains above it (re-exported by ``hub.crm.api``; subscribed in ``hub.wiring``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomersMerged:
    """``source_id`` was merged into ``target_id``: rows of the source move to the target, in the merge's
    transaction (identities and orders have moved already; the CRM refreshes the target's figures after)."""

    source_id: str
    target_id: str
