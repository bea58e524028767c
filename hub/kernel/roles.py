"""Staff roles and what each may do. Pure: no framework."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    STORE_MANAGER = "store_manager"
    MARKETER = "marketer"
    FINANCE = "finance"
    CHANNEL = "channel"
    """A sales channel's API key."""
    DEVICE = "device"


STAFF_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.MARKETER, Role.FINANCE})
SEES_FULL_PHONES = frozenset({Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER})
"""Everyone else sees 138****5678."""
