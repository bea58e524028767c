from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, utcnow


class KitchenTicketRecord(SQLModel, table=True):
    """One station's ticket for one order: sent -> delivered to edge -> printed / shown -> bumped."""

    __tablename__ = "kitchen_tickets"
    __table_args__ = (Index("ix_kitchen_tickets_unconfirmed", "printed_at", "delivered_at", "shown_at", "sent_at"),)

    ticket_id: str = Field(primary_key=True, max_length=110)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    store_id: str = Field(max_length=64, index=True)
    station_code: str = Field(max_length=64)
    revision: int = 1
    outbox_message_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    printed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    shown_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    bumped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    alerted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    printer_id: str | None = Field(default=None, max_length=64)
    backup_from: str | None = Field(default=None, max_length=64)
    resends: int = 0
    """Times re-published because no edge confirmed it (see ``hub.kitchen.resends``)."""
    next_resend_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utcnow})
    """Set by every update of the row (sent, bumped, recalled, re-queued...); None until the first. The
    analytics' kitchen rollup finds changed tickets by it (a ticket's own changes leave its order as it was)."""
