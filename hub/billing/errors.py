"""Billing's errors, in the hub's one exception family (mapped once to problem+json)."""

from __future__ import annotations

from typing import ClassVar

from hub.errors import Conflict, InvalidInput


class InvalidEntry(InvalidInput):
    """An entry whose sign, amount or reference does not fit its kind (a positive charge, a zero top-up)."""

    code: ClassVar[str] = "billing.invalid_entry"


class EntryKeyConflict(Conflict):
    """The key is already used by an entry with a different kind, amount or reference."""

    code: ClassVar[str] = "billing.key_conflict"


class AlreadyCharged(Conflict):
    """The delivery already has a charge under another key: a delivery is charged once."""

    code: ClassVar[str] = "billing.already_charged"


class NotDelivered(Conflict):
    """Charging a delivery that has no final outcome yet (still planned or on the way)."""

    code: ClassVar[str] = "billing.not_delivered"


class RefundTooLarge(Conflict):
    """A refund above what was paid or charged (less what was already refunded), or above the balance."""

    code: ClassVar[str] = "billing.refund_too_large"


class ProviderNotConfigured(Conflict):
    """Paying back a top-up through a provider this hub has no adapter for (its keys are not configured)."""

    code: ClassVar[str] = "billing.provider_not_configured"


class ConsentMissing(Conflict):
    """Renewing automatically without a recorded, unrevoked consent covering the price."""

    code: ClassVar[str] = "billing.consent_missing"


class InsufficientBalance(Conflict):
    """An ad-hoc purchase the prepaid balance does not cover."""

    code: ClassVar[str] = "billing.insufficient_balance"
