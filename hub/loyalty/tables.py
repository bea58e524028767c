"""Points: an append-only ledger with a unique key per entry, and the balance it adds up to."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, utcnow


class PointsAccount(SQLModel, table=True):
    """The running balance; always equal to the sum of the customer's ledger entries."""

    __tablename__ = "points_accounts"

    customer_id: str = Field(foreign_key="customers.id", primary_key=True, max_length=36)
    balance: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PointsEntry(SQLModel, table=True):
    """One change of a balance. Never updated; a correction is another entry."""

    __tablename__ = "points_ledger"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    delta: int
    kind: str = Field(max_length=16)
    """earn, reverse, refund, spend, unspend, reward, adjust."""
    key: str = Field(unique=True, max_length=200)
    """What caused it, e.g. ``earn:<order id>``: the same cause never posts twice."""
    order_id: str | None = Field(default=None, index=True, max_length=36)
    note: str = Field(default="", max_length=200)
    actor: str = Field(default="", max_length=120)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
