"""Application-level acknowledgement and dead letters."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.base import Body, Identifier, LongReport, ShortReport, ShortText


class Refusal(Body):
    """One message the hub refused: nothing of it was applied, and the sender's user is told why."""

    message_id: UUID
    code: ShortReport
    """Stable and machine-readable, e.g. ``delivery.wrong_code``."""
    reason: LongReport
    """For the person who caused it (a rider, a cashier, a cook), in plain words."""


class Ack(Body):
    """The hub has applied (or deliberately dropped) these messages: the sender may forget them.

    ``refused`` names those of ``message_ids`` the hub refused, each with its reason: the device
    forgets them too (a resend would be refused again) and shows the reason to its user.
    """

    message_type: ClassVar[str] = "messaging.ack"

    device_id: Identifier
    message_ids: tuple[UUID, ...] = Field(min_length=1, max_length=5000)
    at: AwareDatetime
    refused: tuple[Refusal, ...] = Field(default=(), max_length=5000)


class DeadLetter(Body):
    """A message that could not be accepted, with the reason. Nothing is silently dropped."""

    message_type: ClassVar[str] = "messaging.dead_letter"

    topic: str = Field(max_length=500)
    reason: LongReport
    payload: str = Field(max_length=8000)
    """The original payload, decoded as UTF-8 with replacement and truncated."""
    consumer: ShortText
    source: Identifier | None = None
    at: AwareDatetime
