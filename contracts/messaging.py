"""Application-level acknowledgement and dead letters."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.base import Body, Identifier, LongText, ShortText


class Ack(Body):
    """The hub has applied (or deliberately dropped) these messages: the sender may forget them."""

    message_type: ClassVar[str] = "messaging.ack"

    device_id: Identifier
    message_ids: tuple[UUID, ...] = Field(min_length=1, max_length=5000)
    at: AwareDatetime


class DeadLetter(Body):
    """A message that could not be accepted, with the reason. Nothing is silently dropped."""

    message_type: ClassVar[str] = "messaging.dead_letter"

    topic: str = Field(max_length=500)
    reason: LongText
    payload: str = Field(max_length=8000)
    """The original payload, decoded as UTF-8 with replacement and truncated."""
    consumer: ShortText
    source: Identifier | None = None
    at: AwareDatetime
