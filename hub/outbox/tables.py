from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, utcnow


class OutboxMessage(SQLModel, table=True):
    """A message committed with the state change that caused it; the relay publishes it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True, max_length=36)
    topic: str = Field(max_length=255)
    payload: bytes = Field(sa_type=LargeBinary)
    qos: int = 1
    retain: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)


class InboxMessage(SQLModel, table=True):
    """A device message already applied; recorded in the same transaction as its effect."""

    __tablename__ = "inbox"

    message_id: str = Field(primary_key=True, max_length=36)
    consumer: str = Field(primary_key=True, max_length=64)
    handled_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
